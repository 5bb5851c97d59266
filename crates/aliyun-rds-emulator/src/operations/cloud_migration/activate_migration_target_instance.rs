//! `ActivateMigrationTargetInstance`: switch workloads over from a
//! self-managed PostgreSQL source to the RDS instance a cloud migration task
//! has been filling.
//!
//! The switchover needs a running instance with a running migration task
//! whose data is synchronized (or `ForceSwitch=1`). On success the task is
//! completed, so a second call finds no running task. Error codes, statuses
//! and messages are those of the operation's spec table.
//!
//! When an engine backend runs the migration, "synchronized" is what the
//! backend last read from the servers (`increment` and `streaming`), and
//! the switchover is the backend's ([`InstanceChange::SwitchedOver`]): it
//! waits until the target has replayed everything the source had committed
//! when the switchover began, then promotes it; the task completes only
//! once it has. A switchover the backend cannot finish (the target does
//! not catch up in time, the promotion fails) answers
//! `SqlExecuteFailedOrTimeout`, and the task stays where it was.

use hyper::StatusCode;
use serde_json::Value;

use super::super::{OperationOutput, OperationRequest};
use crate::backend::InstanceChange;
use crate::error::ApiError;
use crate::fixture::MigrationStage;
use crate::model::Model;

/// `InvalidDBInstanceName.NotFound` (404): no instance has this name.
pub(crate) const INSTANCE_NOT_FOUND: (u16, &str, &str) = (
    404,
    "InvalidDBInstanceName.NotFound",
    "The database instance does not exist.",
);
/// `IncorrectDBInstanceState` (400): the instance is not running.
pub(crate) const INCORRECT_INSTANCE_STATE: (u16, &str, &str) = (
    400,
    "IncorrectDBInstanceState",
    "The current instance state does not support this operation.",
);
/// `InvalidMigrateTask` (400): no running migration task targets the
/// instance.
pub(crate) const NO_RUNNING_TASK: (u16, &str, &str) =
    (400, "InvalidMigrateTask", "No running migrate task found.");
/// `InvalidMigrateStatus` (400): the target has not caught up with the
/// source.
pub(crate) const NOT_SYNCHRONIZED: (u16, &str, &str) = (
    400,
    "InvalidMigrateStatus",
    "The migrate target instance is not synced with source instance.",
);

/// Builds the answer for one of the errors above, with a hint on what to do
/// in `Recommend`.
fn operation_error((status, code, message): (u16, &str, &str), recommend: &str) -> ApiError {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    ApiError::new(status, code, message).recommend(recommend)
}

pub(crate) fn handle(
    state: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let name = request.required("DBInstanceName")?;
    // Only an immediate switchover exists; the documentation says to send 0.
    if let Some(mode) = request.optional("SwitchTimeMode") {
        if mode != "0" {
            return Err(ApiError::invalid_parameter(
                "SwitchTimeMode",
                "SwitchTimeMode must be 0 (switch over immediately).",
            ));
        }
    }
    let force = match request.optional("ForceSwitch") {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => {
            return Err(ApiError::invalid_parameter(
                "ForceSwitch",
                "ForceSwitch must be 1 (force the switchover) or 0.",
            ))
        }
    };
    // SwitchTime is a reserved parameter without effect, so it is not read.

    state.follow_backend_migration(name, &request.now());
    let instance = state.instances.get(name).ok_or_else(|| {
        operation_error(
            INSTANCE_NOT_FOUND,
            "Check the instance ID; DescribeDBInstances lists the instances.",
        )
    })?;
    if !instance.is_running() {
        return Err(operation_error(
            INCORRECT_INSTANCE_STATE,
            "The instance must be Running; wait until it is, then retry.",
        ));
    }
    let task = match &instance.migration_task {
        Some(task) if task.stage != MigrationStage::Completed => task,
        _ => {
            return Err(operation_error(
                NO_RUNNING_TASK,
                "Create a cloud migration task for this instance first; a completed task cannot be switched over again.",
            ))
        }
    };
    if task.stage != MigrationStage::Synchronized && !force {
        return Err(operation_error(
            NOT_SYNCHRONIZED,
            "Wait until the migration task is synchronized, or send ForceSwitch=1 to switch over anyway.",
        ));
    }
    if state.migrates_for_real(instance) {
        state
            .notify(name, InstanceChange::SwitchedOver { force })
            .map_err(|refusal| request.refuse(refusal))?;
    }
    let Some(instance) = state.instances.get_mut(name) else {
        return Err(operation_error(
            INSTANCE_NOT_FOUND,
            "The instance was released.",
        ));
    };
    let Some(task) = instance.migration_task.as_mut() else {
        return Err(operation_error(NO_RUNNING_TASK, "The task was removed."));
    };
    task.stage = MigrationStage::Completed;

    let mut output = OperationOutput::new();
    output.insert("DBInstanceName".into(), Value::from(instance.id.clone()));
    output.insert("TaskId".into(), Value::from(task.task_id));
    output.insert(
        "SourceIpAddress".into(),
        Value::from(task.source_ip_address.clone()),
    );
    output.insert("SourcePort".into(), Value::from(task.source_port));
    // DescribeCloudMigrationResult reports when the switchover happened.
    let task_id = task.task_id;
    let now = request.now();
    if let Some(record) = state.migration.records.get_mut(&task_id) {
        record.switch_time = Some(now.clone());
        record.modified = now;
    }
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages above must be exactly those of the operation's spec
    /// table, which lives in the repository's `spec/` tree.
    #[test]
    fn error_messages_match_the_spec_table() {
        let spec_path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../spec/rds/2014-08-15/operations/ActivateMigrationTargetInstance.json"
        );
        let spec: Value =
            serde_json::from_str(&std::fs::read_to_string(spec_path).expect("spec readable"))
                .expect("spec is JSON");
        let errors = spec["errors"].as_array().expect("errors table");
        for (status, code, message) in [
            INSTANCE_NOT_FOUND,
            INCORRECT_INSTANCE_STATE,
            NO_RUNNING_TASK,
            NOT_SYNCHRONIZED,
        ] {
            let entry = errors
                .iter()
                .find(|entry| entry["code"] == code)
                .unwrap_or_else(|| panic!("{code} is in the spec"));
            assert_eq!(entry["httpStatus"], status, "{code}");
            assert_eq!(entry["message"], message, "{code}");
        }
    }
}
