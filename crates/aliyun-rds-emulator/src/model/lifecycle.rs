//! The lifecycle of instances: creating them (primary, read-only,
//! temporary, cloned), releasing them, restarting, stopping and starting
//! them, and changing their class: each a change that takes the
//! emulator's pace, shown as a task, recorded as an event, and told to the
//! engine backend first.

use super::engines::EngineInfo;
use super::instances::{Blueprint, Instance, Next, RUNNING};
use super::refusal::{self, Refusal};
use super::tags::Tags;
use super::Model;
use crate::backend::InstanceChange;

/// What a request says about an instance to create; `None` takes the
/// engine's or the primary's default.
#[derive(Debug, Clone)]
pub(crate) struct NewInstance {
    pub(crate) engine: &'static EngineInfo,
    pub(crate) engine_version: String,
    pub(crate) region_id: String,
    pub(crate) zone_id: Option<String>,
    pub(crate) class: Option<String>,
    pub(crate) storage_gb: u32,
    pub(crate) storage_type: Option<String>,
    pub(crate) category: Option<String>,
    pub(crate) pay_type: String,
    pub(crate) network_type: Option<String>,
    pub(crate) vpc_id: Option<String>,
    pub(crate) vswitch_id: Option<String>,
    pub(crate) description: String,
    pub(crate) security_ips: Vec<String>,
    pub(crate) connection_prefix: Option<String>,
    pub(crate) port: Option<u16>,
    pub(crate) deletion_protection: bool,
    pub(crate) resource_group_id: String,
    pub(crate) tags: Tags,
    /// The primary of a read-only or temporary instance.
    pub(crate) primary_id: Option<String>,
    /// `Primary`, `Readonly` or `Temp`.
    pub(crate) instance_type: &'static str,
    /// Months of a subscription, for its expiry.
    pub(crate) months: Option<u32>,
}

/// Checks `Engine` and `EngineVersion` against the documented ones.
pub(crate) fn check_engine(engine: &str, version: &str) -> Result<&'static EngineInfo, Refusal> {
    let info = super::engines::engine(engine).ok_or_else(|| {
        Refusal::new(
            refusal::ENGINE_UNKNOWN,
            format!("Engine is MySQL, PostgreSQL, SQLServer or MariaDB, not {engine}."),
        )
    })?;
    if !info.versions.contains(&version) {
        return Err(Refusal::new(
            refusal::ENGINE_VERSION_UNKNOWN,
            format!(
                "EngineVersion of {} is one of {}, not {version}.",
                info.name,
                info.versions.join(", ")
            ),
        ));
    }
    Ok(info)
}

/// Refuses a change unless the instance is in one of the `allowed`
/// statuses.
pub(crate) fn require_status(instance: &Instance, allowed: &[&str]) -> Result<(), Refusal> {
    super::status::require_status(&instance.status, allowed)
}

/// Refuses a change unless the instance is running.
pub(crate) fn require_running(instance: &Instance) -> Result<(), Refusal> {
    super::status::require_running(&instance.status)
}

impl Model {
    /// Whether any instance uses this connection string.
    pub(crate) fn connection_string_in_use(&self, connection_string: &str) -> bool {
        self.instances.iter().any(|instance| {
            instance
                .endpoints
                .connection_strings()
                .any(|known| known == connection_string)
        })
    }

    /// A fresh instance ID for `engine`: `pgm-` and 16 letters and digits
    /// for a PostgreSQL primary, `pgr-` for a read-only one, `rm-`/`rr-`
    /// for the other engines.
    fn new_instance_id(&mut self, engine: &EngineInfo, read_only: bool) -> String {
        let prefix = if read_only {
            engine.read_only_prefix
        } else {
            engine.primary_prefix
        };
        loop {
            let id = format!("{prefix}-{}", self.ids.token(16));
            if !self.instances.contains(&id) {
                return id;
            }
        }
    }

    /// Creates an instance in `Creating`, which runs at the emulator's
    /// pace; returns its ID.
    pub(crate) fn create_instance(
        &mut self,
        new: NewInstance,
        action: &str,
        now_millis: i64,
    ) -> Result<String, Refusal> {
        let primary = match &new.primary_id {
            Some(primary_id) => Some(self.find(primary_id)?.clone()),
            None => None,
        };
        // A run of the call before this one chose the ID, and the engine
        // backend created the instance under it.
        let id = match self.reserved_instance_id() {
            Some(id) => id,
            None => self.new_instance_id(new.engine, new.instance_type == "Readonly"),
        };
        let connection_string = match &new.connection_prefix {
            Some(prefix) => {
                super::endpoints::check_prefix(prefix)?;
                let connection_string =
                    super::endpoints::connection_string(prefix, new.engine.domain_label);
                if self.connection_string_in_use(&connection_string) {
                    return Err(Refusal::new(
                        refusal::CONNECTION_EXISTS,
                        format!("{connection_string} is in use; choose another prefix."),
                    ));
                }
                connection_string
            }
            None => super::endpoints::connection_string(&id, new.engine.domain_label),
        };
        let octets = self.ids.next_u64();
        let zone_id = new
            .zone_id
            .or_else(|| primary.as_ref().map(|primary| primary.zone_id.clone()))
            .unwrap_or_else(|| format!("{}-h", new.region_id));
        let network_type = new
            .network_type
            .or_else(|| primary.as_ref().map(|primary| primary.network_type.clone()))
            .unwrap_or_else(|| "VPC".to_owned());
        let is_vpc = network_type.eq_ignore_ascii_case("VPC");
        let in_vpc = |given: Option<String>, inherited: Option<String>, default: String| {
            given
                .or(inherited)
                .unwrap_or(if is_vpc { default } else { String::new() })
        };
        let vpc_id = in_vpc(
            new.vpc_id,
            primary.as_ref().map(|primary| primary.vpc_id.clone()),
            format!("vpc-{}", self.ids.token(12)),
        );
        let vswitch_id = in_vpc(
            new.vswitch_id,
            primary.as_ref().map(|primary| primary.vswitch_id.clone()),
            format!("vsw-{}", self.ids.token(12)),
        );
        let security_ips = if new.security_ips.is_empty() {
            primary
                .as_ref()
                .map(|primary| primary.whitelist.groups[0].entries.clone())
                .unwrap_or_else(|| vec!["127.0.0.1".to_owned()])
        } else {
            new.security_ips
        };
        let created = now_millis / 1000;
        let instance = Instance::from_blueprint(Blueprint {
            id: id.clone(),
            status: "Creating".to_owned(),
            engine: new.engine.name.to_owned(),
            engine_version: new.engine_version.clone(),
            region_id: new.region_id,
            zone_id,
            description: new.description,
            class: new
                .class
                .unwrap_or_else(|| new.engine.default_class.to_owned()),
            storage_gb: new.storage_gb,
            storage_type: new.storage_type.unwrap_or_else(|| "cloud_essd".to_owned()),
            category: new
                .category
                .unwrap_or_else(|| "HighAvailability".to_owned()),
            instance_type: new.instance_type.to_owned(),
            pay_type: new.pay_type,
            network_type: if is_vpc {
                "VPC".to_owned()
            } else {
                "Classic".to_owned()
            },
            vpc_id,
            vswitch_id,
            created,
            expires: new
                .months
                .map(|months| created + i64::from(months) * 30 * 24 * 3600),
            primary_id: new.primary_id.clone(),
            authorized: true,
            migration_task: None,
            connection_string,
            port: new.port.unwrap_or(new.engine.default_port),
            ip_address: format!("172.16.{}.{}", (octets >> 8) % 256, octets % 250 + 2),
            security_ips: security_ips.clone(),
            deletion_protection: new.deletion_protection,
            resource_group_id: new.resource_group_id,
            tags: new.tags,
        });
        self.instances.insert(instance);
        let change = InstanceChange::Created {
            engine: new.engine.name.to_owned(),
            engine_version: new.engine_version.clone(),
            storage_gb: new.storage_gb,
            security_ips,
            primary_id: new.primary_id.clone(),
        };
        if let Err(refusal) = self.notify(&id, change) {
            self.instances.remove(&id);
            return Err(refusal);
        }
        let backed = self.backend_for(new.engine.name).is_some();
        if let Some(instance) = self.instances.get_mut(&id) {
            instance.backed = backed;
        }
        if let Some(primary_id) = &new.primary_id {
            if let Some(primary) = self.instances.get_mut(primary_id) {
                match new.instance_type {
                    "Temp" => primary.temp_id = Some(id.clone()),
                    _ => primary.read_only_ids.push(id.clone()),
                }
            }
        }
        self.record_event(
            action,
            &id,
            now_millis,
            format!("{{\"DBInstanceId\":\"{id}\"}}"),
        );
        self.begin_change(
            &id,
            "Creating",
            Next::Status(RUNNING.to_owned()),
            action,
            false,
            now_millis,
        );
        Ok(id)
    }

    /// Releases an instance: `Deleting`, then gone. Deletion protection
    /// refuses it, and so do read-only instances that still depend on it.
    pub(crate) fn delete_instance(
        &mut self,
        id: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        if instance.settings.deletion_protection {
            return Err(Refusal::new(
                refusal::DELETION_PROTECTED,
                "Deletion protection is on; turn it off with ModifyDBInstanceDeletionProtection first.",
            ));
        }
        require_status(instance, &[RUNNING, "Stopped", "Locked"])?;
        if !instance.read_only_ids.is_empty() {
            return Err(Refusal::new(
                refusal::CHILD_INSTANCES_EXIST,
                format!(
                    "Release its read-only instances first: {}.",
                    instance.read_only_ids.join(", ")
                ),
            ));
        }
        self.notify(id, InstanceChange::Deleted)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"DBInstanceId\":\"{id}\"}}"),
        );
        self.begin_change(id, "Deleting", Next::Removed, action, false, now_millis);
        Ok(())
    }

    /// Restarts a running instance: `Restarting`, then `Running`, with the
    /// parameter values that waited for a restart.
    pub(crate) fn restart_instance(
        &mut self,
        id: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        require_running(self.find(id)?)?;
        self.notify(id, InstanceChange::Restarted)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"DBInstanceId\":\"{id}\"}}"),
        );
        self.begin_change(
            id,
            "Restarting",
            Next::Status(RUNNING.to_owned()),
            action,
            true,
            now_millis,
        );
        Ok(())
    }

    /// Stops a running instance: `Stopping`, then `Stopped`.
    pub(crate) fn stop_instance(
        &mut self,
        id: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        require_running(self.find(id)?)?;
        self.notify(id, InstanceChange::Stopped)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"DBInstanceId\":\"{id}\"}}"),
        );
        self.begin_change(
            id,
            "Stopping",
            Next::Status("Stopped".to_owned()),
            action,
            false,
            now_millis,
        );
        Ok(())
    }

    /// Starts a stopped instance: `Starting`, then `Running`.
    pub(crate) fn start_instance(
        &mut self,
        id: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        require_status(self.find(id)?, &["Stopped"])?;
        self.notify(id, InstanceChange::Started)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"DBInstanceId\":\"{id}\"}}"),
        );
        self.begin_change(
            id,
            "Starting",
            Next::Status(RUNNING.to_owned()),
            action,
            false,
            now_millis,
        );
        Ok(())
    }

    /// Puts a running instance through a change that keeps it serving:
    /// `status` (such as `DBInstanceClassChanging`), then `Running`.
    pub(crate) fn transform_instance(
        &mut self,
        id: &str,
        status: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        require_running(self.find(id)?)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"DBInstanceId\":\"{id}\"}}"),
        );
        self.begin_change(
            id,
            status,
            Next::Status(RUNNING.to_owned()),
            action,
            false,
            now_millis,
        );
        Ok(())
    }
}
