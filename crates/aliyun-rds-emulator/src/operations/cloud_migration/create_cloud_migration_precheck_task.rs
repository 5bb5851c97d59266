//! `CreateCloudMigrationPrecheckTask`: check that a self-managed PostgreSQL
//! can be migrated into an RDS instance, before creating the migration task.
//!
//! Without an engine backend that migrates, the outcome of every check is
//! decided at once (see [`PrecheckTask::run`] for what fails);
//! `DescribeCloudMigrationPrecheckResult` reports it, as still running for
//! as many answers as the emulator was configured with. When the target is
//! backed by one, the backend runs the precheck against the real source in
//! the background, and the task has no report until it ends. A migration
//! task can only be created from a source whose precheck passed.

use serde_json::Value;

use super::super::documented_errors::INVALID_SOURCE_CATEGORY;
use super::super::{OperationOutput, OperationRequest};
use super::{migration_target, read_source, source_login};
use crate::error::ApiError;
use crate::model::backing::Job;
use crate::model::migration::PrecheckTask;
use crate::model::Model;

pub(crate) fn handle(
    state: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let name = request.required("DBInstanceName")?;
    let source = read_source(request, Some(INVALID_SOURCE_CATEGORY))?;
    let target = migration_target(state, name)?;
    let target_has_task = target.migration_task.is_some();
    let by_backend = state.migrates_for_real(target);

    let task_id = state.migration.allocate_task_id();
    let task_name = request
        .optional("TaskName")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("precheck-{task_id}"));
    let checks = if by_backend {
        state.start_job(Job::Precheck {
            task_id,
            instance_id: name.to_owned(),
            source: source_login(request, &source)?,
        });
        Vec::new()
    } else {
        PrecheckTask::run(&source, target_has_task)
    };
    state.migration.prechecks.push(PrecheckTask {
        task_id,
        task_name: task_name.clone(),
        instance_name: name.to_owned(),
        source,
        created: request.now(),
        checks,
        pending_answers: state.migration.precheck_pending_answers,
        answers: 0,
        by_backend,
        backend_report: None,
    });

    let mut output = OperationOutput::new();
    output.insert("DBInstanceName".into(), Value::from(name));
    output.insert("TaskId".into(), Value::from(task_id));
    output.insert("TaskName".into(), Value::from(task_name));
    Ok(output)
}
