//! The emulator's initial state, read from a JSON fixture.
//!
//! The format is documented in the crate documentation. Parsing is strict
//! (unknown fields are errors) and every problem is reported with the file it
//! came from, so a broken fixture fails loudly at start-up instead of
//! producing puzzling answers later.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The built-in demo fixture, also shipped as `fixtures/demo.json`.
const DEMO_FIXTURE: &str = include_str!("../fixtures/demo.json");

/// The stage of a cloud migration task, as the migration workflow moves it.
///
/// A task created by `CreateCloudMigrationTask` starts in
/// [`MigrationStage::BaseBackup`] and moves one stage on every
/// `polls_per_stage` polls of `DescribeCloudMigrationResult` (see
/// [`crate::EmulatorBuilder::polls_per_stage`]) until it is
/// [`MigrationStage::Synchronized`]; only a switchover moves it on from there.
/// The crate documentation lists what `DescribeCloudMigrationResult` reports
/// for each stage. In a fixture the stages are written in lower case
/// (`"basebackup"`, `"startup"`, `"syncing"`, `"synchronized"`,
/// `"completed"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MigrationStage {
    /// Full data is being copied from a base backup of the source
    /// (`MigrateStage` `basebackup`): a switchover needs `ForceSwitch=1`.
    BaseBackup,
    /// The RDS instance is being started as a replica of the source
    /// (`MigrateStage` `startup`): a switchover needs `ForceSwitch=1`.
    Startup,
    /// Incremental data is still catching up with the source (`MigrateStage`
    /// `increment`, `ReplicationState` `catchup`): a switchover needs
    /// `ForceSwitch=1`.
    Syncing,
    /// The target has caught up with the source and streams its changes
    /// (`MigrateStage` `increment`, `ReplicationState` `streaming`): ready to
    /// switch over.
    Synchronized,
    /// The switchover happened; the task is no longer running.
    Completed,
}

/// A cloud migration task whose destination is an RDS instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
pub struct MigrationTask {
    /// The task ID, returned as `TaskId`.
    pub task_id: i64,
    /// Where the task is in its workflow.
    pub stage: MigrationStage,
    /// The address of the self-managed source database.
    pub source_ip_address: String,
    /// The port of the self-managed source database.
    pub source_port: u16,
}

/// An RDS instance as a fixture describes it, and as
/// [`crate::RunningEmulator::instance`] reports one of the model's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InstanceSnapshot {
    /// The instance ID (`DBInstanceName`).
    #[serde(rename = "DBInstanceName")]
    pub name: String,
    /// The instance status (`DBInstanceStatus`), for example `Running` or
    /// `Locked`.
    #[serde(rename = "DBInstanceStatus")]
    pub status: String,
    /// The database engine (`Engine`), for example `PostgreSQL`.
    #[serde(rename = "Engine")]
    pub engine: String,
    /// The engine version (`EngineVersion`), if the fixture gives one.
    #[serde(
        rename = "EngineVersion",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub engine_version: Option<String>,
    /// The region (`RegionId`): in a [`Fixture`], as the fixture gives it
    /// (if it does); from [`crate::RunningEmulator::instance`], always the
    /// instance's region.
    #[serde(rename = "RegionId", default, skip_serializing_if = "Option::is_none")]
    pub region_id: Option<String>,
    /// The migration task targeting this instance (`MigrationTask`), if any.
    #[serde(
        rename = "MigrationTask",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub migration_task: Option<MigrationTask>,
}

impl InstanceSnapshot {
    /// Whether the instance is in the `Running` state, the only one that
    /// accepts a switchover.
    pub fn is_running(&self) -> bool {
        self.status == "Running"
    }
}

/// The start of the name of every instance made by
/// [`Fixture::with_seeded_instances`].
const SEEDED_PREFIX: &str = "rm-seed-";

/// The region of an instance whose fixture entry names none.
pub(crate) const DEFAULT_REGION_ID: &str = "cn-hangzhou";

/// The creation time of an instance whose fixture entry gives none: a fixed
/// date, so that answers are the same on every run.
const DEFAULT_CREATION_TIME: &str = "2026-01-05T08:00:00Z";

/// The document shape of a fixture file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureDocument {
    #[serde(rename = "Instances")]
    instances: Vec<InstanceDocument>,
}

/// One entry of `Instances`: the fields of [`InstanceSnapshot`] plus the
/// optional attributes `DescribeDBInstances` and friends report. They are
/// read flat, as RDS itself names them, and split apart after parsing so
/// that [`InstanceSnapshot`] keeps its shape for existing users.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct InstanceDocument {
    #[serde(rename = "DBInstanceName")]
    name: String,
    #[serde(rename = "DBInstanceStatus")]
    status: String,
    #[serde(rename = "Engine")]
    engine: String,
    #[serde(rename = "EngineVersion", default)]
    engine_version: Option<String>,
    #[serde(rename = "RegionId", default)]
    region_id: Option<String>,
    #[serde(rename = "MigrationTask", default)]
    migration_task: Option<MigrationTask>,
    #[serde(rename = "DBInstanceDescription", default)]
    description: Option<String>,
    #[serde(rename = "DBInstanceClass", default)]
    class: Option<String>,
    #[serde(rename = "ZoneId", default)]
    zone_id: Option<String>,
    #[serde(rename = "InstanceNetworkType", default)]
    network_type: Option<String>,
    #[serde(rename = "VpcId", default)]
    vpc_id: Option<String>,
    #[serde(rename = "VSwitchId", default)]
    vswitch_id: Option<String>,
    #[serde(rename = "ConnectionString", default)]
    connection_string: Option<String>,
    #[serde(rename = "Port", default)]
    port: Option<u16>,
    #[serde(rename = "DBInstanceStorage", default)]
    storage_gb: Option<u32>,
    #[serde(rename = "Category", default)]
    category: Option<String>,
    #[serde(rename = "DBInstanceType", default)]
    instance_type: Option<String>,
    #[serde(rename = "PayType", default)]
    pay_type: Option<String>,
    #[serde(rename = "CreationTime", default)]
    creation_time: Option<String>,
    #[serde(rename = "CloudResourceAuthorized", default)]
    cloud_resource_authorized: Option<bool>,
    #[serde(rename = "PendingStatus", default)]
    pending_status: Option<PendingStatus>,
}

/// A status an instance moves to by itself after it has been described a
/// number of times, as a real instance moves from `Creating` or
/// `Restarting` to `Running`: what a waiter polls for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PendingStatus {
    /// The status the instance ends in, for example `Running`.
    #[serde(rename = "Status")]
    pub(crate) status: String,
    /// How many answers still report the current status before the
    /// instance moves to `status`.
    #[serde(rename = "AfterPolls")]
    pub(crate) after_polls: u32,
}

/// What the describe operations report of an instance beyond its
/// [`InstanceSnapshot`], with the documented defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InstanceAttributes {
    /// `RegionId`, [`DEFAULT_REGION_ID`] when the fixture names none.
    pub(crate) region_id: String,
    pub(crate) description: String,
    pub(crate) class: String,
    pub(crate) zone_id: String,
    /// `VPC` or `Classic`.
    pub(crate) network_type: String,
    /// Empty for a `Classic` instance.
    pub(crate) vpc_id: String,
    /// Empty for a `Classic` instance.
    pub(crate) vswitch_id: String,
    pub(crate) connection_string: String,
    pub(crate) port: u16,
    pub(crate) storage_gb: u32,
    pub(crate) category: String,
    pub(crate) instance_type: String,
    pub(crate) pay_type: String,
    pub(crate) creation_time: String,
    /// Whether RDS may use the cloud resources the migration workflow needs
    /// (`CheckCloudResourceAuthorized`).
    pub(crate) authorized: bool,
    /// The status the instance is on its way to, if any.
    pub(crate) pending_status: Option<PendingStatus>,
}

/// The defaults that depend on the engine: an instance class, the domain
/// label of the endpoint and the port.
fn engine_defaults(engine: &str) -> (&'static str, &'static str, u16) {
    match engine.to_ascii_lowercase().as_str() {
        "postgresql" => ("pg.n2.2c.2m", "pg", 5432),
        "mysql" => ("mysql.n2.medium.1", "mysql", 3306),
        "mariadb" => ("mariadb.n2.medium.2c", "mariadb", 3306),
        "sqlserver" => ("mssql.x4.medium.e2", "sqlserver", 1433),
        _ => ("rds.n2.medium.2c", "rds", 5432),
    }
}

impl InstanceDocument {
    /// Splits the entry into the public snapshot and the attributes, filling
    /// in the defaults the crate documentation lists.
    fn split(self) -> (InstanceSnapshot, InstanceAttributes) {
        let (class, domain_label, port) = engine_defaults(&self.engine);
        let region_id = self
            .region_id
            .clone()
            .unwrap_or_else(|| DEFAULT_REGION_ID.to_owned());
        let network_type = self.network_type.unwrap_or_else(|| "VPC".to_owned());
        let is_vpc = network_type == "VPC";
        let in_vpc = |value: Option<String>, default: &str| match value {
            Some(value) => value,
            None if is_vpc => default.to_owned(),
            None => String::new(),
        };
        let attributes = InstanceAttributes {
            zone_id: self.zone_id.unwrap_or_else(|| format!("{region_id}-h")),
            description: self.description.unwrap_or_default(),
            class: self.class.unwrap_or_else(|| class.to_owned()),
            vpc_id: in_vpc(self.vpc_id, "vpc-emulator0default"),
            vswitch_id: in_vpc(self.vswitch_id, "vsw-emulator0default"),
            network_type,
            connection_string: self
                .connection_string
                .unwrap_or_else(|| format!("{}.{domain_label}.rds.aliyuncs.com", self.name)),
            port: self.port.unwrap_or(port),
            storage_gb: self.storage_gb.unwrap_or(20),
            category: self
                .category
                .unwrap_or_else(|| "HighAvailability".to_owned()),
            instance_type: self.instance_type.unwrap_or_else(|| "Primary".to_owned()),
            pay_type: self.pay_type.unwrap_or_else(|| "Postpaid".to_owned()),
            creation_time: self
                .creation_time
                .unwrap_or_else(|| DEFAULT_CREATION_TIME.to_owned()),
            authorized: self.cloud_resource_authorized.unwrap_or(true),
            pending_status: self.pending_status,
            region_id,
        };
        let snapshot = InstanceSnapshot {
            name: self.name,
            status: self.status,
            engine: self.engine,
            engine_version: self.engine_version,
            region_id: self.region_id,
            migration_task: self.migration_task,
        };
        (snapshot, attributes)
    }
}

/// The initial state of an emulator: its RDS instances and their migration
/// tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    instances: Vec<InstanceSnapshot>,
    /// The attributes of `instances`, in the same order.
    attributes: Vec<InstanceAttributes>,
}

impl Fixture {
    /// The built-in demo state: `pgm-demo-ready`, `pgm-demo-syncing`,
    /// `pgm-demo-notask`, `pgm-demo-locked`, `pgm-demo-target`,
    /// `pgm-demo-unauthorized` and `rm-demo-mysql` (see the crate
    /// documentation).
    pub fn demo() -> Fixture {
        match Fixture::from_json_str(DEMO_FIXTURE) {
            Ok(fixture) => fixture,
            // The demo document is part of the crate and checked by its
            // tests, so this arm is unreachable in a released build; an empty
            // state is the harmless answer should it ever be reached.
            Err(_) => Fixture::empty(),
        }
    }

    /// A state with no instances at all.
    pub fn empty() -> Fixture {
        Fixture {
            instances: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// Reads a fixture file. Errors name the file and say what is wrong.
    pub fn from_path(path: &Path) -> Result<Fixture, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Fixture::parse(&text, Some(path))
    }

    /// Parses a fixture from JSON text.
    pub fn from_json_str(json: &str) -> Result<Fixture, FixtureError> {
        Fixture::parse(json, None)
    }

    /// The instances of the fixture, in document order.
    pub fn instances(&self) -> &[InstanceSnapshot] {
        &self.instances
    }

    /// This fixture with `count` more running MySQL instances in
    /// `region_id`, appended in order, for tests of paging and of tools
    /// that list many instances. They are named `rm-seed-000001`,
    /// `rm-seed-000002`, ... continuing after the highest seeded number
    /// already in the fixture, so seeding twice adds new names; each has the
    /// description `seeded instance <n>`.
    pub fn with_seeded_instances(mut self, region_id: &str, count: usize) -> Fixture {
        let first = self
            .instances
            .iter()
            .filter_map(|instance| instance.name.strip_prefix(SEEDED_PREFIX))
            .filter_map(|number| number.parse::<usize>().ok())
            .max()
            .unwrap_or(0)
            .saturating_add(1);
        for number in (first..).take(count) {
            let (snapshot, attributes) = InstanceDocument {
                name: format!("{SEEDED_PREFIX}{number:06}"),
                status: "Running".to_owned(),
                engine: "MySQL".to_owned(),
                engine_version: Some("8.0".to_owned()),
                region_id: Some(region_id.to_owned()),
                migration_task: None,
                description: Some(format!("seeded instance {number}")),
                class: None,
                zone_id: None,
                network_type: None,
                vpc_id: None,
                vswitch_id: None,
                connection_string: None,
                port: None,
                storage_gb: None,
                category: None,
                instance_type: None,
                pay_type: None,
                creation_time: None,
                cloud_resource_authorized: None,
                pending_status: None,
            }
            .split();
            self.instances.push(snapshot);
            self.attributes.push(attributes);
        }
        self
    }

    /// Consumes the fixture, giving its instances with their attributes, in
    /// document order.
    pub(crate) fn into_parts(self) -> Vec<(InstanceSnapshot, InstanceAttributes)> {
        self.instances.into_iter().zip(self.attributes).collect()
    }

    fn parse(json: &str, path: Option<&Path>) -> Result<Fixture, FixtureError> {
        let invalid = |reason: String| FixtureError::Invalid {
            path: path.map(Path::to_path_buf),
            reason,
        };
        // serde would accept an array in place of the object and describe
        // the mismatch in terms of internal type names; this says it plainly.
        let first = json.trim_start().chars().next();
        if first.is_some() && first != Some('{') {
            return Err(invalid(
                "the document must be a JSON object with an \"Instances\" array".to_owned(),
            ));
        }
        let document: FixtureDocument =
            serde_json::from_str(json).map_err(|source| FixtureError::Syntax {
                path: path.map(Path::to_path_buf),
                source,
            })?;
        let mut seen = HashSet::new();
        let mut task_ids = HashSet::new();
        for (index, instance) in document.instances.iter().enumerate() {
            if let Some(network_type) = &instance.network_type {
                if network_type != "VPC" && network_type != "Classic" {
                    return Err(invalid(format!(
                        "Instances[{index}].InstanceNetworkType of \"{}\" must be VPC or Classic, not \"{network_type}\"",
                        instance.name
                    )));
                }
            }
            if instance.port == Some(0) {
                return Err(invalid(format!(
                    "Instances[{index}].Port of \"{}\" must be between 1 and 65535",
                    instance.name
                )));
            }
            if let Some(creation_time) = &instance.creation_time {
                if crate::clock::parse_timestamp(creation_time).is_none() {
                    return Err(invalid(format!(
                        "Instances[{index}].CreationTime of \"{}\" must be UTC in the form YYYY-MM-DDThh:mm:ssZ",
                        instance.name
                    )));
                }
            }
            if instance.name.trim().is_empty() {
                return Err(invalid(format!(
                    "Instances[{index}].DBInstanceName is empty"
                )));
            }
            if !seen.insert(instance.name.as_str()) {
                return Err(invalid(format!(
                    "Instances[{index}].DBInstanceName \"{}\" appears more than once",
                    instance.name
                )));
            }
            if let Some(pending) = &instance.pending_status {
                if pending.status.trim().is_empty() {
                    return Err(invalid(format!(
                        "Instances[{index}].PendingStatus.Status of \"{}\" is empty",
                        instance.name
                    )));
                }
            }
            if instance.status.trim().is_empty() {
                return Err(invalid(format!(
                    "Instances[{index}].DBInstanceStatus of \"{}\" is empty",
                    instance.name
                )));
            }
            if let Some(task) = &instance.migration_task {
                if !task_ids.insert(task.task_id) {
                    return Err(invalid(format!(
                        "Instances[{index}].MigrationTask.TaskId {} of \"{}\" is already the ID of another task",
                        task.task_id, instance.name
                    )));
                }
                if task.task_id <= 0 {
                    return Err(invalid(format!(
                        "Instances[{index}].MigrationTask.TaskId of \"{}\" must be a positive integer, not {}",
                        instance.name, task.task_id
                    )));
                }
                if task.source_port == 0 {
                    return Err(invalid(format!(
                        "Instances[{index}].MigrationTask.SourcePort of \"{}\" must be between 1 and 65535",
                        instance.name
                    )));
                }
                if task.source_ip_address.trim().is_empty() {
                    return Err(invalid(format!(
                        "Instances[{index}].MigrationTask.SourceIpAddress of \"{}\" is empty",
                        instance.name
                    )));
                }
            }
        }
        let (instances, attributes) = document
            .instances
            .into_iter()
            .map(InstanceDocument::split)
            .unzip();
        Ok(Fixture {
            instances,
            attributes,
        })
    }
}

impl Default for Fixture {
    /// The demo fixture.
    fn default() -> Self {
        Fixture::demo()
    }
}

/// Why a fixture could not be loaded.
#[derive(Debug)]
#[non_exhaustive]
pub enum FixtureError {
    /// The file could not be read.
    Read {
        /// The file that was asked for.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// The text is not JSON of the fixture's shape (syntax error, unknown or
    /// missing field, wrong type).
    Syntax {
        /// The file, when the fixture came from one.
        path: Option<PathBuf>,
        /// The parser's error, with line and column.
        source: serde_json::Error,
    },
    /// The JSON has the right shape but describes an impossible state.
    Invalid {
        /// The file, when the fixture came from one.
        path: Option<PathBuf>,
        /// What is wrong, naming the field.
        reason: String,
    },
}

/// Names where a fixture came from in error messages.
fn origin(path: &Option<PathBuf>) -> String {
    match path {
        Some(path) => format!("fixture file {}", path.display()),
        None => "fixture".to_owned(),
    }
}

impl fmt::Display for FixtureError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FixtureError::Read { path, source } => write!(
                formatter,
                "cannot read fixture file {}: {source}; check that the path exists and is readable",
                path.display()
            ),
            FixtureError::Syntax { path, source } => write!(
                formatter,
                "{} is not a valid emulator fixture: {source}; see the fixture format in the emulator documentation",
                origin(path)
            ),
            FixtureError::Invalid { path, reason } => write!(
                formatter,
                "{} is not a valid emulator fixture: {reason}",
                origin(path)
            ),
        }
    }
}

impl std::error::Error for FixtureError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FixtureError::Read { source, .. } => Some(source),
            FixtureError::Syntax { source, .. } => Some(source),
            FixtureError::Invalid { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_fixture_parses_with_the_documented_instances() {
        let fixture = Fixture::from_json_str(DEMO_FIXTURE).expect("demo fixture parses");
        let names: Vec<&str> = fixture
            .instances()
            .iter()
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "pgm-demo-ready",
                "pgm-demo-syncing",
                "pgm-demo-notask",
                "pgm-demo-locked",
                "pgm-demo-target",
                "pgm-demo-unauthorized",
                "rm-demo-mysql"
            ]
        );
        assert_eq!(Fixture::demo(), fixture);
    }

    #[test]
    fn seeded_instances_are_appended_in_order_with_fresh_names() {
        let fixture = Fixture::demo()
            .with_seeded_instances("cn-beijing", 3)
            .with_seeded_instances("cn-beijing", 2);
        let names: Vec<&str> = fixture
            .instances()
            .iter()
            .skip(7)
            .map(|i| i.name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "rm-seed-000001",
                "rm-seed-000002",
                "rm-seed-000003",
                "rm-seed-000004",
                "rm-seed-000005"
            ]
        );
        let parts = fixture.into_parts();
        let (instance, attributes) = &parts[7];
        assert!(instance.is_running());
        assert_eq!(attributes.region_id, "cn-beijing");
        assert_eq!(attributes.description, "seeded instance 1");
    }

    #[test]
    fn a_pending_status_needs_a_status() {
        let error = Fixture::from_json_str(
            r#"{"Instances": [{"DBInstanceName": "rm-a", "DBInstanceStatus": "Creating",
                "Engine": "MySQL", "PendingStatus": {"Status": " ", "AfterPolls": 1}}]}"#,
        )
        .expect_err("an empty pending status is refused");
        assert!(
            error.to_string().contains("PendingStatus.Status"),
            "{error}"
        );
    }
}
