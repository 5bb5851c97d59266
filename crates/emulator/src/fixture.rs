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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MigrationStage {
    /// Data is still being copied: a switchover needs `ForceSwitch=1`.
    Syncing,
    /// The target has caught up with the source: ready to switch over.
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

/// An RDS instance as the emulator holds it: read from a fixture, changed by
/// operations, and returned by [`crate::RunningEmulator::instance`].
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
    /// The region (`RegionId`), if the fixture gives one.
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

/// The document shape of a fixture file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixtureDocument {
    #[serde(rename = "Instances")]
    instances: Vec<InstanceSnapshot>,
}

/// The initial state of an emulator: its RDS instances and their migration
/// tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    instances: Vec<InstanceSnapshot>,
}

impl Fixture {
    /// The built-in demo state: `pgm-demo-ready`, `pgm-demo-syncing`,
    /// `pgm-demo-notask` and `pgm-demo-locked` (see the crate documentation).
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

    /// Consumes the fixture, giving its instances.
    pub(crate) fn into_instances(self) -> Vec<InstanceSnapshot> {
        self.instances
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
        for (index, instance) in document.instances.iter().enumerate() {
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
            if instance.status.trim().is_empty() {
                return Err(invalid(format!(
                    "Instances[{index}].DBInstanceStatus of \"{}\" is empty",
                    instance.name
                )));
            }
            if let Some(task) = &instance.migration_task {
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
        Ok(Fixture {
            instances: document.instances,
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
    fn demo_fixture_parses_with_the_four_documented_instances() {
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
                "pgm-demo-locked"
            ]
        );
        assert_eq!(Fixture::demo(), fixture);
    }
}
