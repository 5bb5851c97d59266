//! `CreateCloudMigrationTask`: start migrating a self-managed PostgreSQL into
//! an RDS instance.
//!
//! The task needs a passed precheck of the same source (address, port,
//! account and category) for the same instance, and an instance that no
//! migration task targets yet. It starts in the `basebackup` stage, as the
//! instance's [`MigrationTask`], the very state `ActivateMigrationTargetInstance`
//! switches over; `DescribeCloudMigrationResult` polls move it on. When the
//! target is backed by an engine backend that migrates, the backend starts
//! the real migration first ([`InstanceChange::MigrationStarted`]), and the
//! task then follows it.

use hyper::StatusCode;
use serde_json::Value;

use super::super::documented_errors::INCORRECT_INSTANCE_STATE;
use super::super::{OperationOutput, OperationRequest};
use super::{migration_target, read_source, source_login};
use crate::backend::InstanceChange;
use crate::error::ApiError;
use crate::fixture::{MigrationStage, MigrationTask};
use crate::model::migration::MigrationRecord;
use crate::model::Model;

pub(crate) fn handle(
    state: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let name = request.required("DBInstanceName")?;
    // None: this operation does not document InvalidSourceCategory.
    let source = read_source(request, None)?;
    if let Some(task) = &migration_target(state, name)?.migration_task {
        return Err(INCORRECT_INSTANCE_STATE.with_hint(format!(
            "Migration task {} already targets this instance; an instance receives one cloud migration.",
            task.task_id
        )));
    }
    // The latest precheck of this source decides: a failed one can be fixed
    // and run again.
    let latest_precheck = state
        .migration
        .prechecks_of(name)
        .filter(|precheck| precheck.source == source)
        .last();
    let precheck_detail = match latest_precheck {
        Some(precheck) if precheck.passed() => precheck.detail(),
        Some(precheck) if !precheck.finished() => {
            return Err(no_passed_precheck(&format!(
                "Precheck task {} of this source is still running; wait until DescribeCloudMigrationPrecheckResult reports its verdict.",
                precheck.task_id
            )))
        }
        Some(precheck) => {
            return Err(no_passed_precheck(&format!(
                "Precheck task {} of this source failed; fix what DescribeCloudMigrationPrecheckResult reports as failed and precheck again.",
                precheck.task_id
            )))
        }
        None => {
            return Err(no_passed_precheck(
                "Run CreateCloudMigrationPrecheckTask first with the same SourceIpAddress, SourcePort, SourceAccount and SourceCategory.",
            ))
        }
    };

    if state.migrates_for_real(migration_target(state, name)?) {
        let source = source_login(request, &source)?;
        state
            .notify(name, InstanceChange::MigrationStarted { source })
            .map_err(|refusal| request.refuse(refusal))?;
    }

    let task_id = state.migration.allocate_task_id();
    let task_name = request
        .optional("TaskName")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("migration-{task_id}"));
    let now = request.now();
    state.migration.records.insert(
        task_id,
        MigrationRecord {
            task_name: task_name.clone(),
            instance_name: name.to_owned(),
            source_account: source.account.clone(),
            source_category: Some(source.category),
            precheck_detail,
            created: now.clone(),
            modified: now,
            polls_in_stage: 0,
            switch_time: None,
        },
    );
    if let Some(instance) = state.instances.get_mut(name) {
        instance.migration_task = Some(MigrationTask {
            task_id,
            stage: MigrationStage::BaseBackup,
            source_ip_address: source.ip_address.to_string(),
            source_port: source.port,
        });
    }

    let mut output = OperationOutput::new();
    output.insert("DBInstanceName".into(), Value::from(name));
    output.insert("TaskId".into(), Value::from(task_id));
    output.insert("TaskName".into(), Value::from(task_name));
    Ok(output)
}

/// No documented error says "precheck first", so this is `InvalidParameter`
/// with a message that does.
fn no_passed_precheck(recommend: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "InvalidParameter",
        "No passed precheck task matches this instance and source.",
    )
    .recommend(recommend)
}
