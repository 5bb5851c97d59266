//! Backups of an instance and its backup policy.
//!
//! `CreateBackup` starts a backup job that runs at the emulator's pace and
//! then lists as `Success`; one job runs at a time per instance
//! (`BackupJobExists`). The policy holds every field `ModifyBackupPolicy`
//! takes, with the service's defaults; the retention period (7 to 730
//! days), the backup days (`Monday` to `Sunday`) and the backup window
//! (`HH:mmZ-HH:mmZ`, one hour) are checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::pace::Due;
use super::refusal::{self, Refusal};

/// The policy fields and their defaults, in `ModifyBackupPolicy`'s
/// parameter names.
pub(crate) const POLICY_DEFAULTS: &[(&str, &str)] = &[
    ("ArchiveBackupKeepCount", "1"),
    ("ArchiveBackupKeepPolicy", "ByMonth"),
    ("ArchiveBackupRetentionPeriod", "0"),
    ("BackupInterval", "-1"),
    ("BackupLog", "Enable"),
    ("BackupMethod", "Physical"),
    ("BackupPriority", "1"),
    ("BackupRetentionPeriod", "7"),
    ("Category", "Standard"),
    ("CompressType", "1"),
    ("EnableBackupLog", "1"),
    ("EnableIncrementDataBackup", "false"),
    ("HighSpaceUsageProtection", "Enable"),
    ("LocalLogRetentionHours", "18"),
    ("LocalLogRetentionSpace", "30"),
    ("LogBackupFrequency", "LogInterval"),
    ("LogBackupLocalRetentionNumber", "60"),
    ("LogBackupRetentionPeriod", "7"),
    ("PreferredBackupPeriod", "Tuesday,Thursday,Saturday"),
    ("PreferredBackupTime", "18:00Z-19:00Z"),
    ("ReleasedKeepPolicy", "None"),
];

const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// One backup set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Backup {
    pub(crate) id: String,
    pub(crate) job_id: String,
    /// `Manual` or `Automated`.
    pub(crate) mode: String,
    /// `Physical`, `Logical` or `Snapshot`.
    pub(crate) method: String,
    /// `FullBackup` or `IncrementalBackup`.
    pub(crate) backup_type: String,
    /// The database of a single-database backup; empty for the instance.
    pub(crate) database: String,
    /// Unix seconds.
    pub(crate) started: i64,
    /// Unix seconds, once finished.
    pub(crate) finished: Option<i64>,
    pub(crate) size_bytes: u64,
    /// When the running job ends; `None` once it has.
    pub(crate) progress: Option<Due>,
    /// The task the job shows as.
    pub(crate) task_id: String,
    /// When the set expires, in Unix seconds.
    pub(crate) expires: i64,
}

impl Backup {
    /// `Running` or `Success`.
    pub(crate) fn status(&self) -> &'static str {
        if self.progress.is_some() {
            "Running"
        } else {
            "Success"
        }
    }
}

/// The backups and backup policy of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Backups {
    /// Oldest first.
    pub(crate) sets: Vec<Backup>,
    pub(crate) policy: BTreeMap<String, String>,
}

impl Default for Backups {
    fn default() -> Self {
        Backups {
            sets: Vec::new(),
            policy: POLICY_DEFAULTS
                .iter()
                .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }
}

impl Backups {
    /// A policy field's value.
    pub(crate) fn policy(&self, name: &str) -> &str {
        self.policy
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    /// The running job, if any.
    pub(crate) fn running(&self) -> Option<&Backup> {
        self.sets.iter().find(|backup| backup.progress.is_some())
    }

    /// The backup with `id`, or `InvalidBackupSetID.NotFound`.
    pub(crate) fn find(&self, id: &str) -> Result<&Backup, Refusal> {
        self.sets
            .iter()
            .find(|backup| backup.id == id)
            .ok_or_else(|| not_found(id))
    }

    /// Removes finished backups; a running one cannot be deleted.
    pub(crate) fn remove(&mut self, id: &str) -> Result<Backup, Refusal> {
        let position = self
            .sets
            .iter()
            .position(|backup| backup.id == id)
            .ok_or_else(|| not_found(id))?;
        if self.sets[position].progress.is_some() {
            return Err(Refusal::new(
                refusal::BACKUP_IN_PROGRESS,
                format!("Backup {id} is still running; delete it once it has finished."),
            ));
        }
        Ok(self.sets.remove(position))
    }

    /// Ends running jobs whose time has come, by `now_millis`; with
    /// `polled`, an answer is about to report them, which counts as a
    /// poll. Returns the task IDs of the jobs that ended.
    pub(crate) fn settle(&mut self, now_millis: i64, polled: bool) -> Vec<String> {
        let mut ended = Vec::new();
        for backup in &mut self.sets {
            let Some(due) = backup.progress.as_mut() else {
                continue;
            };
            let done = if polled {
                due.poll(now_millis)
            } else {
                due.is_reached(now_millis)
            };
            if done {
                let finished = match *due {
                    Due::AtMillis(at) => at / 1000,
                    _ => now_millis / 1000,
                };
                backup.progress = None;
                backup.finished = Some(finished.max(backup.started));
                ended.push(backup.task_id.clone());
            }
        }
        ended
    }

    /// Checks and applies `ModifyBackupPolicy`'s fields.
    pub(crate) fn modify_policy(&mut self, changes: &[(&str, String)]) -> Result<(), Refusal> {
        for (name, value) in changes {
            check_policy_value(name, value)?;
        }
        for (name, value) in changes {
            self.policy.insert((*name).to_owned(), value.clone());
        }
        Ok(())
    }
}

fn not_found(id: &str) -> Refusal {
    Refusal::new(
        refusal::BACKUP_NOT_FOUND,
        format!("The instance has no backup {id}; DescribeBackups lists its backups."),
    )
}

fn invalid_policy(hint: &str) -> Refusal {
    Refusal::new(refusal::BACKUP_POLICY_INVALID, hint)
}

/// The checked policy fields.
fn check_policy_value(name: &str, value: &str) -> Result<(), Refusal> {
    match name {
        "BackupRetentionPeriod" => {
            let days = value.trim().parse::<u32>().ok();
            if !days.is_some_and(|days| (7..=730).contains(&days)) {
                return Err(invalid_policy("BackupRetentionPeriod is 7 to 730 days."));
            }
        }
        "PreferredBackupPeriod" => {
            let days: Vec<&str> = value.split(',').map(str::trim).collect();
            if days.is_empty() || !days.iter().all(|day| DAYS.contains(day)) {
                return Err(invalid_policy(
                    "PreferredBackupPeriod lists days from Monday to Sunday, separated by commas.",
                ));
            }
        }
        "PreferredBackupTime" if !is_one_hour_window(value) => {
            return Err(invalid_policy(
                "PreferredBackupTime is a one-hour window in UTC, such as 02:00Z-03:00Z.",
            ));
        }
        "BackupMethod" if !["Physical", "Snapshot"].contains(&value) => {
            return Err(Refusal::new(
                refusal::BACKUP_METHOD_INVALID,
                "BackupMethod is Physical or Snapshot.",
            ));
        }
        _ => {}
    }
    Ok(())
}

/// `HH:mmZ-HH:mmZ` where the end is one hour after the start.
pub(crate) fn is_one_hour_window(text: &str) -> bool {
    let minutes = |part: &str| -> Option<u32> {
        let part = part.strip_suffix('Z')?;
        let (hours, minutes) = part.split_once(':')?;
        if hours.len() != 2 || minutes.len() != 2 {
            return None;
        }
        let hours: u32 = hours.parse().ok()?;
        let minutes: u32 = minutes.parse().ok()?;
        (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
    };
    let Some((start, end)) = text.split_once('-') else {
        return false;
    };
    match (minutes(start), minutes(end)) {
        (Some(start), Some(end)) => (start + 60) % (24 * 60) == end,
        _ => false,
    }
}

impl super::Model {
    /// Starts a backup job of a running instance; returns its job ID.
    pub(crate) fn create_backup(
        &mut self,
        id: &str,
        method: &str,
        backup_type: &str,
        database: &str,
        action: &str,
        now_millis: i64,
    ) -> Result<String, Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        if let Some(running) = instance.backups.running() {
            return Err(Refusal::new(
                refusal::BACKUP_IN_PROGRESS,
                format!(
                    "Backup job {} is running; wait until it has finished.",
                    running.job_id
                ),
            ));
        }
        if !database.is_empty() {
            instance.databases.find(database)?;
        }
        let retention_days: i64 = instance
            .backups
            .policy("BackupRetentionPeriod")
            .parse()
            .unwrap_or(7);
        let databases = instance.databases.len() as u64;
        let region_id = instance.region_id.clone();
        let size_bytes = 1_048_576 * (1 + databases) + self.ids.next_u64() % 1_048_576;
        let backup_id = self.ids.number(10).to_string();
        let job_id = self.ids.number(9).to_string();
        let task_id = self.new_task_id();
        let due = self.pace.due_from(now_millis);
        let started = now_millis / 1000;
        self.find_mut(id)?.backups.sets.push(Backup {
            id: backup_id,
            job_id: job_id.clone(),
            mode: "Manual".to_owned(),
            method: method.to_owned(),
            backup_type: backup_type.to_owned(),
            database: database.to_owned(),
            started,
            finished: None,
            size_bytes,
            progress: Some(due),
            task_id: task_id.clone(),
            expires: started + retention_days * 24 * 3600,
        });
        self.journal.start_task(super::events::Task {
            id: task_id,
            action: action.to_owned(),
            instance_id: id.to_owned(),
            region_id,
            database: database.to_owned(),
            began: started,
            finished: None,
            status: super::events::TaskStatus::Running,
        });
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"BackupJobId\":\"{job_id}\"}}"),
        );
        self.track(id);
        self.settle(now_millis);
        Ok(job_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_values_are_checked() {
        let mut backups = Backups::default();
        assert!(backups
            .modify_policy(&[
                ("BackupRetentionPeriod", "30".into()),
                ("PreferredBackupTime", "23:00Z-00:00Z".into())
            ])
            .is_ok());
        assert_eq!(backups.policy("BackupRetentionPeriod"), "30");
        for (name, value) in [
            ("BackupRetentionPeriod", "3"),
            ("PreferredBackupPeriod", "Funday"),
            ("PreferredBackupTime", "02:00Z-04:00Z"),
            ("BackupMethod", "Tape"),
        ] {
            assert!(
                backups.modify_policy(&[(name, value.into())]).is_err(),
                "{name}"
            );
        }
    }

    #[test]
    fn jobs_end_at_their_time() {
        let mut backups = Backups::default();
        backups.sets.push(Backup {
            id: "1".into(),
            job_id: "2".into(),
            mode: "Manual".into(),
            method: "Physical".into(),
            backup_type: "FullBackup".into(),
            database: String::new(),
            started: 10,
            finished: None,
            size_bytes: 0,
            progress: Some(Due::AtMillis(20_000)),
            task_id: "t".into(),
            expires: 0,
        });
        assert!(backups.settle(19_999, true).is_empty());
        assert!(backups.remove("1").is_err());
        assert_eq!(backups.settle(20_000, false), ["t"]);
        assert_eq!(backups.sets[0].status(), "Success");
        assert_eq!(backups.sets[0].finished, Some(20));
    }
}
