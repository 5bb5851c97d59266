//! Instances: what an instance is, the account's collection of them, and
//! the status machine their lifecycle runs through.
//!
//! An instance moves through statuses as on the service: `Creating` then
//! `Running`; `Restarting`, `DBInstanceClassChanging`,
//! `TempDBInstanceCreating` and back to `Running`; `Stopping` then
//! `Stopped`, `Starting` then `Running`; `Deleting`, then it is gone. Each
//! status in progress ends at the emulator's [`Pace`](super::pace::Pace)
//! (and, for an instance an engine backend serves, once the backend is
//! ready); the change runs as a task meanwhile.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::accounts::Accounts;
use super::backups::Backups;
use super::databases::Databases;
use super::endpoints::Endpoints;
use super::engines::{engine_or_default, EngineInfo};
use super::pace::Due;
use super::parameters::Parameters;
use super::settings::Settings;
pub(crate) use super::status::{Next, Pending, RUNNING};
use super::tags::Tags;
use super::whitelists::Whitelist;
use crate::fixture::MigrationTask;

/// One instance and everything it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Instance {
    /// `DBInstanceId` (or `DBInstanceName`).
    pub(crate) id: String,
    pub(crate) status: String,
    /// As the API names it (`PostgreSQL`), or as the fixture gave it.
    pub(crate) engine: String,
    /// Empty when a fixture gives none.
    pub(crate) engine_version: String,
    pub(crate) region_id: String,
    pub(crate) zone_id: String,
    pub(crate) description: String,
    pub(crate) class: String,
    pub(crate) storage_gb: u32,
    pub(crate) storage_type: String,
    pub(crate) category: String,
    /// `Primary`, `Readonly` or `Temp`.
    pub(crate) instance_type: String,
    pub(crate) pay_type: String,
    /// `VPC` or `Classic`.
    pub(crate) network_type: String,
    pub(crate) vpc_id: String,
    pub(crate) vswitch_id: String,
    /// Unix seconds.
    pub(crate) created: i64,
    /// Unix seconds; subscription instances expire.
    pub(crate) expires: Option<i64>,
    /// The primary of a read-only or temporary instance.
    pub(crate) primary_id: Option<String>,
    /// The read-only instances of a primary, in creation order.
    pub(crate) read_only_ids: Vec<String>,
    /// The temporary instance made by `CreateTempDBInstance`, if any.
    pub(crate) temp_id: Option<String>,
    /// Whether RDS may use the cloud resources the migration workflow
    /// needs (`CheckCloudResourceAuthorized`).
    pub(crate) authorized: bool,
    /// The cloud migration task whose target this is.
    pub(crate) migration_task: Option<MigrationTask>,
    pub(crate) pending: Option<Pending>,
    pub(crate) accounts: Accounts,
    pub(crate) databases: Databases,
    pub(crate) whitelist: Whitelist,
    pub(crate) endpoints: Endpoints,
    pub(crate) parameters: Parameters,
    pub(crate) backups: Backups,
    pub(crate) tags: Tags,
    pub(crate) settings: Settings,
    /// Whether an engine backend stands behind the instance (it was
    /// created through the API with an engine the backend serves). Not
    /// saved: a state file's instances have no real engine behind them
    /// when they are loaded.
    #[serde(skip)]
    pub(crate) backed: bool,
}

impl Instance {
    /// The facts of its engine.
    pub(crate) fn engine_info(&self) -> &'static EngineInfo {
        engine_or_default(&self.engine)
    }

    /// Whether the instance serves.
    pub(crate) fn is_running(&self) -> bool {
        self.status == RUNNING
    }

    /// `Unlock`, or `ManualLock` for a locked instance, as `LockMode`
    /// reports it.
    pub(crate) fn lock_mode(&self) -> &'static str {
        if self.status == "Locked" {
            "ManualLock"
        } else {
            "Unlock"
        }
    }
}

/// The account's instances, by ID, remembering the order they were made
/// in (the order `DescribeDBInstances` lists them).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "Vec<Instance>", into = "Vec<Instance>")]
pub(crate) struct Instances {
    order: Vec<String>,
    /// Boxed: an instance is large, and the map's table grows by doubling.
    by_id: HashMap<String, Box<Instance>>,
}

impl From<Vec<Instance>> for Instances {
    fn from(list: Vec<Instance>) -> Self {
        let mut instances = Instances::default();
        for instance in list {
            instances.insert(instance);
        }
        instances
    }
}

impl From<Instances> for Vec<Instance> {
    fn from(mut instances: Instances) -> Self {
        instances
            .order
            .iter()
            .filter_map(|id| instances.by_id.remove(id))
            .map(|instance| *instance)
            .collect()
    }
}

impl Instances {
    pub(crate) fn get(&self, id: &str) -> Option<&Instance> {
        self.by_id.get(id).map(|instance| &**instance)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Instance> {
        self.by_id.get_mut(id).map(|instance| &mut **instance)
    }

    pub(crate) fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// Adds an instance after the others; one with the same ID is
    /// replaced in place.
    pub(crate) fn insert(&mut self, instance: Instance) {
        if !self.by_id.contains_key(&instance.id) {
            self.order.push(instance.id.clone());
        }
        self.by_id.insert(instance.id.clone(), Box::new(instance));
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Instance> {
        let instance = self.by_id.remove(id)?;
        self.order.retain(|known| known != id);
        Some(*instance)
    }

    /// Every instance, in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Instance> {
        self.order.iter().filter_map(|id| self.get(id))
    }
}

/// Everything that describes a new instance, with defaults filled in.
#[derive(Debug, Clone)]
pub(crate) struct Blueprint {
    pub(crate) id: String,
    pub(crate) status: String,
    pub(crate) engine: String,
    pub(crate) engine_version: String,
    pub(crate) region_id: String,
    pub(crate) zone_id: String,
    pub(crate) description: String,
    pub(crate) class: String,
    pub(crate) storage_gb: u32,
    pub(crate) storage_type: String,
    pub(crate) category: String,
    pub(crate) instance_type: String,
    pub(crate) pay_type: String,
    pub(crate) network_type: String,
    pub(crate) vpc_id: String,
    pub(crate) vswitch_id: String,
    pub(crate) created: i64,
    pub(crate) expires: Option<i64>,
    pub(crate) primary_id: Option<String>,
    pub(crate) authorized: bool,
    pub(crate) migration_task: Option<MigrationTask>,
    pub(crate) connection_string: String,
    pub(crate) port: u16,
    pub(crate) ip_address: String,
    pub(crate) security_ips: Vec<String>,
    pub(crate) deletion_protection: bool,
    pub(crate) resource_group_id: String,
    pub(crate) tags: Tags,
}

impl Instance {
    /// A new instance, holding nothing yet.
    pub(crate) fn from_blueprint(blueprint: Blueprint) -> Instance {
        Instance {
            id: blueprint.id,
            status: blueprint.status,
            engine: blueprint.engine,
            engine_version: blueprint.engine_version,
            region_id: blueprint.region_id,
            zone_id: blueprint.zone_id,
            description: blueprint.description,
            class: blueprint.class,
            storage_gb: blueprint.storage_gb,
            storage_type: blueprint.storage_type,
            category: blueprint.category,
            instance_type: blueprint.instance_type,
            pay_type: blueprint.pay_type,
            network_type: blueprint.network_type,
            vpc_id: blueprint.vpc_id,
            vswitch_id: blueprint.vswitch_id,
            created: blueprint.created,
            expires: blueprint.expires,
            primary_id: blueprint.primary_id,
            read_only_ids: Vec::new(),
            temp_id: None,
            authorized: blueprint.authorized,
            migration_task: blueprint.migration_task,
            pending: None,
            accounts: Accounts::default(),
            databases: Databases::default(),
            whitelist: Whitelist::with_default(blueprint.security_ips),
            endpoints: Endpoints {
                internal: super::endpoints::Connection {
                    connection_string: blueprint.connection_string,
                    port: blueprint.port,
                    ip_address: blueprint.ip_address,
                },
                public: None,
                read_write_splitting: None,
            },
            parameters: Parameters::default(),
            backups: Backups::default(),
            tags: blueprint.tags,
            settings: Settings::new(blueprint.deletion_protection, blueprint.resource_group_id),
            backed: false,
        }
    }
}

/// An instance of a fixture, with the fixture's pending status, if any,
/// as a change that ends after its polls.
pub(crate) fn from_fixture(
    snapshot: crate::fixture::InstanceSnapshot,
    attributes: crate::fixture::InstanceAttributes,
) -> Instance {
    let created = crate::clock::parse_timestamp(&attributes.creation_time).unwrap_or(0);
    let ip_address = format!(
        "172.16.{}.{}",
        created.rem_euclid(200),
        snapshot.name.len() % 250 + 2
    );
    let pending = attributes.pending_status.map(|pending| Pending {
        next: Next::Status(pending.status),
        due: Due::AfterPolls(pending.after_polls),
        task_id: None,
        restarts: false,
    });
    let engine = super::engines::engine(&snapshot.engine)
        .map(|engine| engine.name.to_owned())
        .unwrap_or(snapshot.engine);
    let mut instance = Instance::from_blueprint(Blueprint {
        id: snapshot.name,
        status: snapshot.status,
        engine,
        engine_version: snapshot.engine_version.unwrap_or_default(),
        region_id: attributes.region_id,
        zone_id: attributes.zone_id,
        description: attributes.description,
        class: attributes.class,
        storage_gb: attributes.storage_gb,
        storage_type: "cloud_essd".to_owned(),
        category: attributes.category,
        instance_type: attributes.instance_type,
        pay_type: attributes.pay_type,
        network_type: attributes.network_type,
        vpc_id: attributes.vpc_id,
        vswitch_id: attributes.vswitch_id,
        created,
        expires: None,
        primary_id: None,
        authorized: attributes.authorized,
        migration_task: snapshot.migration_task,
        connection_string: attributes.connection_string,
        port: attributes.port,
        ip_address,
        security_ips: vec!["127.0.0.1".to_owned()],
        deletion_protection: false,
        resource_group_id: String::new(),
        tags: Tags::default(),
    });
    instance.pending = pending;
    instance
}
