//! The cloud migration workflow's model: precheck tasks, the bookkeeping of
//! migration tasks, and how a task's [`MigrationStage`] reads on the wire.
//!
//! The stage of a migration task lives in exactly one place, the
//! [`crate::MigrationTask`] of its target instance, which is also what
//! `ActivateMigrationTargetInstance` reads and changes. What only the
//! describe operations need (name, source account, times, how many polls the
//! task has spent in its stage) is kept here, keyed by task ID.
//!
//! No password is ever stored: `SourcePassword` is required by the create
//! operations; without an engine backend that migrates, the emulator has
//! no database to log in to, so it is read, checked for presence, and
//! dropped. With one, it goes to the backend with the call (or the
//! background precheck) that needs it, and nowhere else.
//!
//! A precheck task of a target whose engine backend migrates is run by the
//! backend, in the background: the task has no report until it ends, then
//! the backend's report (see [`PrecheckTask::backend_report`]).

use std::collections::HashMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::fixture::MigrationStage;

/// Where the self-managed PostgreSQL runs (`SourceCategory`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum SourceCategory {
    /// In a data center connected to the instance's VPC (`idcOnVpc`).
    IdcOnVpc,
    /// On an ECS instance (`ecsOnVpc`).
    EcsOnVpc,
}

impl SourceCategory {
    /// Reads a `SourceCategory` value. The documentation spells the values
    /// `idcOnVpc` and `ecsOnVpc` in requests but answers them in lower case,
    /// so any case is accepted.
    pub(crate) fn parse(text: &str) -> Option<SourceCategory> {
        match text.to_ascii_lowercase().as_str() {
            "idconvpc" => Some(SourceCategory::IdcOnVpc),
            "ecsonvpc" => Some(SourceCategory::EcsOnVpc),
            _ => None,
        }
    }

    /// The value answered by the describe operations (lower case, as the
    /// documented examples show).
    pub(crate) fn wire(self) -> &'static str {
        match self {
            SourceCategory::IdcOnVpc => "idconvpc",
            SourceCategory::EcsOnVpc => "ecsonvpc",
        }
    }
}

/// The self-managed source a precheck or migration task connects to. The
/// password is deliberately not part of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SourceEndpoint {
    pub(crate) ip_address: IpAddr,
    pub(crate) port: u16,
    pub(crate) account: String,
    pub(crate) category: SourceCategory,
}

impl SourceEndpoint {
    /// Whether the source's address lies in a range reserved for
    /// documentation (RFC 5737, RFC 3849): nothing answers there, so the
    /// connectivity checks of a precheck fail. This is how a test provokes a
    /// failed precheck.
    pub(crate) fn is_unreachable(&self) -> bool {
        match self.ip_address {
            IpAddr::V4(ip) => {
                let [a, b, c, _] = ip.octets();
                matches!((a, b, c), (192, 0, 2) | (198, 51, 100) | (203, 0, 113))
            }
            IpAddr::V6(ip) => {
                let segments = ip.segments();
                segments[0] == 0x2001 && segments[1] == 0x0db8
            }
        }
    }
}

/// The outcome of one precheck item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CheckStatus {
    Success,
    Failed,
}

impl CheckStatus {
    fn wire(self) -> &'static str {
        match self {
            CheckStatus::Success => "success",
            CheckStatus::Failed => "failed",
        }
    }
}

/// One item of a precheck report, in the groups the real report uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CheckItem {
    pub(crate) group: String,
    pub(crate) name: String,
    pub(crate) status: CheckStatus,
}

/// A precheck task created by `CreateCloudMigrationPrecheckTask`. The
/// model's own precheck computes the outcome of every check when the task
/// is created; its report is complete once the task has been reported as
/// running by `pending_answers` answers of
/// `DescribeCloudMigrationPrecheckResult` (none by default: the precheck
/// finishes at once). A precheck the engine backend runs is complete when
/// the backend's report has arrived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PrecheckTask {
    pub(crate) task_id: i64,
    pub(crate) task_name: String,
    pub(crate) instance_name: String,
    pub(crate) source: SourceEndpoint,
    pub(crate) created: String,
    pub(crate) checks: Vec<CheckItem>,
    /// How many answers report the task as still running.
    pub(crate) pending_answers: u32,
    /// How many answers have reported the task so far.
    pub(crate) answers: u32,
    /// Whether the engine backend runs this precheck (then `checks` is
    /// empty).
    #[serde(default)]
    pub(crate) by_backend: bool,
    /// The backend's report, once its precheck has ended.
    #[serde(default)]
    pub(crate) backend_report: Option<BackendReport>,
}

/// The report of a precheck the engine backend ran.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BackendReport {
    /// `Detail`, verdict line included.
    pub(crate) detail: String,
    pub(crate) passed: bool,
}

impl PrecheckTask {
    /// Runs the precheck of `source` against a target that already holds
    /// migrated data (`target_has_task`) or not. Deterministic: the target
    /// must be empty, and a source in a documentation address range is
    /// unreachable; every other item succeeds.
    pub(crate) fn run(source: &SourceEndpoint, target_has_task: bool) -> Vec<CheckItem> {
        let outcome = |failed: bool| {
            if failed {
                CheckStatus::Failed
            } else {
                CheckStatus::Success
            }
        };
        let unreachable = source.is_unreachable();
        let item = |group: &str, name: &str, failed| CheckItem {
            group: group.to_owned(),
            name: name.to_owned(),
            status: outcome(failed),
        };
        vec![
            item("Check rds empty", "Check rds databases", target_has_task),
            item(
                "Check source connectivity",
                "Check ip connectable",
                unreachable,
            ),
            item(
                "Check source connectivity",
                "Check port connectable",
                unreachable,
            ),
            item(
                "Check source connectivity",
                "Check database connectable",
                unreachable,
            ),
            item(
                "Check source connectivity",
                "Check account replication privilege",
                unreachable,
            ),
            item(
                "Check source connectivity",
                "Check account createrole privilege",
                unreachable,
            ),
            item(
                "Check source connectivity",
                "Check account monitor privilege",
                unreachable,
            ),
            item(
                "Check source version",
                "Check major version consistent",
                false,
            ),
            item("Check disk size", "Check disk size enough", false),
            item(
                "Check wal keep size",
                "Check wal keep size large enough",
                false,
            ),
            item("Check spec params", "Check if spec params too large", false),
        ]
    }

    /// Counts one answer that reported the task, after the answer is built:
    /// so with `n` pending answers, answers 1 to `n` show the report still
    /// being written and every later one the complete report.
    pub(crate) fn count_answer(&mut self) {
        self.answers = self.answers.saturating_add(1);
    }

    /// Whether the report is complete, with its verdict: the task has been
    /// reported as running as many times as it was meant to.
    pub(crate) fn finished(&self) -> bool {
        if self.by_backend {
            self.backend_report.is_some()
        } else {
            self.answers >= self.pending_answers
        }
    }

    /// Whether the precheck finished and every item succeeded: only then may
    /// a migration task from the same source to the same instance be
    /// created.
    pub(crate) fn passed(&self) -> bool {
        if self.by_backend {
            return self
                .backend_report
                .as_ref()
                .is_some_and(|report| report.passed);
        }
        self.finished()
            && self
                .checks
                .iter()
                .all(|check| check.status == CheckStatus::Success)
    }

    /// The report as `Detail` carries it: a `[group]` line before each group,
    /// one `name: status` line per item, and a final verdict line. While
    /// the precheck runs, the report holds the lines of the items checked
    /// so far, in proportion to the answers given, and no verdict.
    pub(crate) fn detail(&self) -> String {
        if self.by_backend {
            // Nothing is reported until the backend's precheck has ended.
            return self
                .backend_report
                .as_ref()
                .map(|report| report.detail.clone())
                .unwrap_or_default();
        }
        let written = if self.finished() {
            self.checks.len()
        } else {
            // Answer k of n pending ones (after k - 1 counted answers)
            // shows k / (n + 1) of the items.
            let total = u64::try_from(self.checks.len()).unwrap_or(u64::MAX);
            let share = total.saturating_mul(u64::from(self.answers).saturating_add(1))
                / u64::from(self.pending_answers).saturating_add(1);
            usize::try_from(share).unwrap_or(usize::MAX)
        };
        let mut detail = String::new();
        let mut current_group = "";
        for check in self.checks.iter().take(written) {
            if check.group != current_group {
                detail.push_str(&format!("[{}]\n", check.group));
                current_group = &check.group;
            }
            detail.push_str(&format!("{}: {}\n", check.name, check.status.wire()));
        }
        if self.finished() {
            detail.push_str(if self.passed() {
                "*Migrate check success*"
            } else {
                "*Migrate check failed*"
            });
        }
        detail
    }
}

/// What the describe operations report of a migration task besides its
/// stage, which lives on the target instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MigrationRecord {
    pub(crate) task_name: String,
    pub(crate) instance_name: String,
    /// Empty for a task that came from a fixture, which does not say.
    pub(crate) source_account: String,
    /// `None` for a task that came from a fixture.
    pub(crate) source_category: Option<SourceCategory>,
    /// The report of the precheck that allowed the task; empty for a task
    /// that came from a fixture.
    pub(crate) precheck_detail: String,
    pub(crate) created: String,
    pub(crate) modified: String,
    /// How many polls the task has been reported in its current stage.
    pub(crate) polls_in_stage: u32,
    /// When `ActivateMigrationTargetInstance` switched it over.
    pub(crate) switch_time: Option<String>,
}

/// The stage after `stage` when a task progresses on its own; `None` once
/// only a switchover can move it on.
pub(crate) fn next_stage(stage: MigrationStage) -> Option<MigrationStage> {
    match stage {
        MigrationStage::BaseBackup => Some(MigrationStage::Startup),
        MigrationStage::Startup => Some(MigrationStage::Syncing),
        MigrationStage::Syncing => Some(MigrationStage::Synchronized),
        MigrationStage::Synchronized | MigrationStage::Completed => None,
    }
}

/// `MigrateStage` and `ReplicationState` of a task in `stage`, with the
/// values `DescribeCloudMigrationResult` documents.
pub(crate) fn wire_stage(stage: MigrationStage) -> (&'static str, &'static str) {
    match stage {
        MigrationStage::BaseBackup => ("basebackup", "unstarted"),
        MigrationStage::Startup => ("startup", "unstarted"),
        MigrationStage::Syncing => ("increment", "catchup"),
        MigrationStage::Synchronized => ("increment", "streaming"),
        MigrationStage::Completed => ("success", "finish"),
    }
}

/// The lines `Detail` gains as a task moves through its stages, after the
/// precheck report.
pub(crate) fn progress_detail(stage: MigrationStage) -> String {
    let steps = [
        (
            MigrationStage::BaseBackup,
            "[Base backup]\nCopy full data from the source by base backup",
        ),
        (
            MigrationStage::Startup,
            "[Start RDS instance]\nStart RDS instance as slave for data replication",
        ),
        (
            MigrationStage::Syncing,
            "[Synchronize data]\nSynchronize data from source to RDS by streaming replication",
        ),
        (
            MigrationStage::Synchronized,
            "[Data synchronized]\nRDS has caught up with the source: ready to switch over",
        ),
        (
            MigrationStage::Completed,
            "[Switch over]\nRDS promoted to primary: cloud migration completed",
        ),
    ];
    let reached = stage_rank(stage);
    steps
        .iter()
        .filter(|(step, _)| stage_rank(*step) <= reached)
        .map(|(_, text)| *text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The order of the stages, for "has the task reached this step".
fn stage_rank(stage: MigrationStage) -> u8 {
    match stage {
        MigrationStage::BaseBackup => 0,
        MigrationStage::Startup => 1,
        MigrationStage::Syncing => 2,
        MigrationStage::Synchronized => 3,
        MigrationStage::Completed => 4,
    }
}

/// `ReplicationInfo`: a JSON document in a string, as the service sends it,
/// with the replication status and whether the target is in sync.
pub(crate) fn replication_info(stage: MigrationStage) -> String {
    let (_, replication_state) = wire_stage(stage);
    let synced = matches!(
        stage,
        MigrationStage::Synchronized | MigrationStage::Completed
    );
    serde_json::json!({
        "Status": replication_state,
        "Synced": if synced { "true" } else { "false" },
    })
    .to_string()
}

/// How many polls of `DescribeCloudMigrationResult` a migration task spends
/// in each stage unless the builder says otherwise.
pub(crate) const DEFAULT_POLLS_PER_STAGE: u32 = 2;

/// The first ID handed to a task created through the API; IDs of fixture
/// tasks at or above it push it further up.
const FIRST_TASK_ID: i64 = 441_000_000;

/// The account's cloud migration bookkeeping: precheck tasks, what the
/// describe operations report of migration tasks (whose stage lives on
/// the target instance), and the task IDs handed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MigrationBook {
    /// In creation order.
    pub(crate) prechecks: Vec<PrecheckTask>,
    /// Keyed by task ID.
    pub(crate) records: HashMap<i64, MigrationRecord>,
    next_task_id: i64,
    /// How many polls a task spends in each stage (configuration, not
    /// state: a saved state takes the running emulator's).
    #[serde(skip, default = "default_polls_per_stage")]
    pub(crate) polls_per_stage: u32,
    /// How many answers report a new precheck task as still running
    /// (configuration too).
    #[serde(skip)]
    pub(crate) precheck_pending_answers: u32,
}

fn default_polls_per_stage() -> u32 {
    DEFAULT_POLLS_PER_STAGE
}

impl Default for MigrationBook {
    fn default() -> Self {
        MigrationBook {
            prechecks: Vec::new(),
            records: HashMap::new(),
            next_task_id: FIRST_TASK_ID,
            polls_per_stage: DEFAULT_POLLS_PER_STAGE,
            precheck_pending_answers: 0,
        }
    }
}

impl MigrationBook {
    /// A fresh task ID, shared by precheck and migration tasks as on the
    /// real service.
    pub(crate) fn allocate_task_id(&mut self) -> i64 {
        let id = self.next_task_id;
        self.next_task_id = self.next_task_id.saturating_add(1);
        id
    }

    /// Makes sure task IDs handed out later are above `task_id`.
    pub(crate) fn reserve_task_id(&mut self, task_id: i64) {
        self.next_task_id = self.next_task_id.max(task_id.saturating_add(1));
    }

    /// The precheck tasks of an instance, in creation order.
    pub(crate) fn prechecks_of<'a>(
        &'a self,
        instance_name: &'a str,
    ) -> impl Iterator<Item = &'a PrecheckTask> {
        self.prechecks
            .iter()
            .filter(move |precheck| precheck.instance_name == instance_name)
    }

    /// The precheck task with this ID, to count an answer that reports it.
    pub(crate) fn precheck_mut(&mut self, task_id: i64) -> Option<&mut PrecheckTask> {
        self.prechecks
            .iter_mut()
            .find(|precheck| precheck.task_id == task_id)
    }
}

impl super::Model {
    /// Records the report of a precheck the engine backend ran.
    pub(crate) fn finish_precheck(
        &mut self,
        task_id: i64,
        outcome: crate::backend::PrecheckOutcome,
    ) {
        if let Some(precheck) = self.migration.precheck_mut(task_id) {
            precheck.backend_report = Some(BackendReport {
                detail: outcome.detail,
                passed: outcome.passed,
            });
        }
    }

    /// Moves the migration task of `instance_name` to the stage the engine
    /// backend's migration is in, when the backend runs one: what the
    /// describe operation and the switchover read.
    pub(crate) fn follow_backend_migration(&mut self, instance_name: &str, now: &str) {
        let Some(instance) = self.instances.get(instance_name) else {
            return;
        };
        let Some(report) = self.backend_migration(instance) else {
            return;
        };
        let Some(task) = self
            .instances
            .get_mut(instance_name)
            .and_then(|instance| instance.migration_task.as_mut())
        else {
            return;
        };
        let stage = match (
            report.migrate_stage.as_str(),
            report.replication_state.as_str(),
        ) {
            ("basebackup", _) => MigrationStage::BaseBackup,
            ("startup", _) => MigrationStage::Startup,
            ("increment", "streaming") | ("switch", _) => MigrationStage::Synchronized,
            ("increment", _) => MigrationStage::Syncing,
            // Only `ActivateMigrationTargetInstance` completes a task, when
            // it commits the switchover the backend has done; a failed
            // migration stays where it failed.
            _ => task.stage,
        };
        if stage != task.stage {
            task.stage = stage;
            if let Some(record) = self.migration.records.get_mut(&task.task_id) {
                record.modified = now.to_owned();
            }
        }
    }

    /// One poll of the migration task of `instance_name`: a task that has
    /// been reported `polls_per_stage` times in its stage moves to the next
    /// one, then the poll is counted. So with `n` polls per stage a new task
    /// is reported in `basebackup` by polls 1 to n, `startup` by polls n+1
    /// to 2n, catching up by polls 2n+1 to 3n, and synchronized from poll
    /// 3n+1 on.
    pub(crate) fn poll_migration(&mut self, instance_name: &str, now: &str) {
        if self
            .instances
            .get(instance_name)
            .is_some_and(|instance| self.backend_migration(instance).is_some())
        {
            // A real migration moves on by itself.
            self.follow_backend_migration(instance_name, now);
            return;
        }
        let polls_per_stage = self.migration.polls_per_stage;
        let Some(task) = self
            .instances
            .get_mut(instance_name)
            .and_then(|instance| instance.migration_task.as_mut())
        else {
            return;
        };
        let Some(record) = self.migration.records.get_mut(&task.task_id) else {
            return;
        };
        if record.polls_in_stage >= polls_per_stage {
            if let Some(next) = next_stage(task.stage) {
                task.stage = next;
                record.polls_in_stage = 0;
                record.modified = now.to_owned();
            }
        }
        if task.stage != MigrationStage::Completed {
            record.polls_in_stage = record.polls_in_stage.saturating_add(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(ip: &str) -> SourceEndpoint {
        SourceEndpoint {
            ip_address: ip.parse().expect("test address"),
            port: 5432,
            account: "migratetest".into(),
            category: SourceCategory::EcsOnVpc,
        }
    }

    #[test]
    fn documentation_addresses_are_unreachable() {
        for ip in ["192.0.2.10", "198.51.100.1", "203.0.113.254", "2001:db8::1"] {
            assert!(source(ip).is_unreachable(), "{ip}");
        }
        for ip in ["172.16.10.21", "10.0.0.1", "192.0.3.1", "2001:db9::1"] {
            assert!(!source(ip).is_unreachable(), "{ip}");
        }
    }

    #[test]
    fn stages_progress_to_synchronized_and_stop() {
        let mut stage = MigrationStage::BaseBackup;
        let mut seen = vec![wire_stage(stage)];
        while let Some(next) = next_stage(stage) {
            stage = next;
            seen.push(wire_stage(stage));
        }
        assert_eq!(
            seen,
            [
                ("basebackup", "unstarted"),
                ("startup", "unstarted"),
                ("increment", "catchup"),
                ("increment", "streaming"),
            ]
        );
        assert_eq!(next_stage(MigrationStage::Completed), None);
    }

    #[test]
    fn the_report_lists_every_item_and_a_verdict() {
        let task = PrecheckTask {
            task_id: 1,
            task_name: "t".into(),
            instance_name: "i".into(),
            source: source("192.0.2.1"),
            created: String::new(),
            checks: PrecheckTask::run(&source("192.0.2.1"), false),
            pending_answers: 0,
            answers: 0,
            by_backend: false,
            backend_report: None,
        };
        assert!(task.finished());
        assert!(!task.passed());
        let detail = task.detail();
        assert!(detail.starts_with("[Check rds empty]\nCheck rds databases: success\n"));
        assert!(
            detail.contains("Check ip connectable: failed\n"),
            "{detail}"
        );
        assert!(detail.ends_with("*Migrate check failed*"), "{detail}");
        assert!(PrecheckTask::run(&source("10.0.0.1"), false)
            .iter()
            .all(|check| check.status == CheckStatus::Success));
        assert!(PrecheckTask::run(&source("10.0.0.1"), true)
            .iter()
            .any(|check| check.status == CheckStatus::Failed));
    }

    #[test]
    fn a_pending_report_grows_without_a_verdict_until_it_is_complete() {
        let reachable = source("10.0.0.1");
        let mut task = PrecheckTask {
            task_id: 1,
            task_name: "t".into(),
            instance_name: "i".into(),
            source: reachable.clone(),
            created: String::new(),
            checks: PrecheckTask::run(&reachable, false),
            pending_answers: 3,
            answers: 0,
            by_backend: false,
            backend_report: None,
        };
        let complete = PrecheckTask {
            pending_answers: 0,
            ..task.clone()
        }
        .detail();
        let mut previous = 0;
        for _ in 0..3 {
            assert!(!task.finished());
            assert!(!task.passed(), "a running precheck has not passed");
            let detail = task.detail();
            assert!(!detail.contains("*Migrate check"), "{detail}");
            assert!(complete.starts_with(&detail), "{detail}");
            assert!(detail.len() > previous, "the report grows: {detail}");
            previous = detail.len();
            task.count_answer();
        }
        assert!(task.finished() && task.passed());
        assert_eq!(task.detail(), complete);
        assert!(complete.ends_with("*Migrate check success*"), "{complete}");
    }
}
