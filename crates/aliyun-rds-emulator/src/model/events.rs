//! Events and tasks: what the model's changes leave behind for
//! `DescribeEvents`, `DescribeTasks` and `DescribeHistoryTasks`.
//!
//! Every change a modelled operation makes to an instance records an event
//! (its name is the action, its type the area, as the service reports
//! them), and every change that takes time (creating, restarting,
//! resizing, deleting an instance, taking a backup) a task, which runs
//! until the change ends. Both are kept for the whole account, newest
//! last, bounded so that a long-running emulator's memory stays flat: the
//! oldest go first past [`MAX_EVENTS`] and [`MAX_TASKS`].

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// How many events the account keeps.
pub(crate) const MAX_EVENTS: usize = 10_000;
/// How many tasks the account keeps.
pub(crate) const MAX_TASKS: usize = 10_000;

/// One event, as `DescribeEvents` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Event {
    pub(crate) id: i64,
    /// The action that caused it, for example `ModifySecurityIps`.
    pub(crate) name: String,
    /// The area, for example `NetworkManagement`.
    pub(crate) event_type: String,
    pub(crate) instance_id: String,
    pub(crate) region_id: String,
    /// Unix seconds.
    pub(crate) time: i64,
    /// The request's identifying parameters, as a JSON object in text.
    pub(crate) payload: String,
}

/// Whether a task still runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum TaskStatus {
    Running,
    Succeeded,
}

/// One task, as `DescribeTasks` and `DescribeHistoryTasks` report it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Task {
    pub(crate) id: String,
    /// The action that started it, for example `CreateDBInstance`.
    pub(crate) action: String,
    pub(crate) instance_id: String,
    pub(crate) region_id: String,
    /// The database it concerns, if any.
    pub(crate) database: String,
    /// Unix seconds.
    pub(crate) began: i64,
    /// Unix seconds, once finished.
    pub(crate) finished: Option<i64>,
    pub(crate) status: TaskStatus,
}

/// The account's events and tasks.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Journal {
    events: VecDeque<Event>,
    tasks: VecDeque<Task>,
    last_event_id: i64,
}

/// The area an action belongs to, as the event's type.
pub(crate) fn event_type(action: &str) -> &'static str {
    let contains = |part: &str| action.contains(part);
    if contains("Account") || contains("Privilege") {
        "AccountManagement"
    } else if contains("Database") || contains("DBDescription") || contains("Extension") {
        "DatabaseManagement"
    } else if contains("SecurityIps")
        || contains("Whitelist")
        || contains("Connection")
        || contains("NetType")
        || contains("Endpoint")
        || contains("SecurityGroup")
    {
        "NetworkManagement"
    } else if contains("Backup") {
        "BackupRecovery"
    } else if contains("Parameter") {
        "ParameterManagement"
    } else if contains("Tag") {
        "TagManagement"
    } else if contains("SSL") || contains("TDE") || contains("Protection") {
        "SecurityManagement"
    } else {
        "InstanceManagement"
    }
}

impl Journal {
    /// Records an event of `instance_id` caused by `action`.
    pub(crate) fn record_event(
        &mut self,
        action: &str,
        instance_id: &str,
        region_id: &str,
        time: i64,
        payload: String,
    ) {
        self.last_event_id = self.last_event_id.saturating_add(1);
        if self.events.len() >= MAX_EVENTS {
            self.events.pop_front();
        }
        self.events.push_back(Event {
            id: self.last_event_id,
            name: action.to_owned(),
            event_type: event_type(action).to_owned(),
            instance_id: instance_id.to_owned(),
            region_id: region_id.to_owned(),
            time,
            payload,
        });
    }

    /// Starts a task; `id` comes from the model's identifiers.
    pub(crate) fn start_task(&mut self, task: Task) {
        if self.tasks.len() >= MAX_TASKS {
            self.tasks.pop_front();
        }
        self.tasks.push_back(task);
    }

    /// Marks the task `id` as finished at `time`.
    pub(crate) fn finish_task(&mut self, id: &str, time: i64) {
        if let Some(task) = self.tasks.iter_mut().rev().find(|task| task.id == id) {
            task.status = TaskStatus::Succeeded;
            task.finished = Some(time);
        }
    }

    /// Every event, oldest first.
    pub(crate) fn events(&self) -> impl DoubleEndedIterator<Item = &Event> {
        self.events.iter()
    }

    /// Every task, oldest first.
    pub(crate) fn tasks(&self) -> impl DoubleEndedIterator<Item = &Task> {
        self.tasks.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_keeps_the_latest_events() {
        let mut journal = Journal::default();
        for second in 0..(MAX_EVENTS as i64 + 5) {
            journal.record_event(
                "RestartDBInstance",
                "rm-1",
                "cn-hangzhou",
                second,
                "{}".into(),
            );
        }
        assert_eq!(journal.events().count(), MAX_EVENTS);
        assert_eq!(journal.events().next().map(|event| event.time), Some(5));
        assert_eq!(event_type("ModifySecurityIps"), "NetworkManagement");
        assert_eq!(event_type("GrantAccountPrivilege"), "AccountManagement");
    }
}
