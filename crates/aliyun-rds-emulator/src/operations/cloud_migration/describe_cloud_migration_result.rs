//! `DescribeCloudMigrationResult`: the migration task of an instance and its
//! progress, filtered and paged. This is the call a waiter polls.
//!
//! Every successful call is one poll of the instance's migration task, which
//! moves it on deterministically (see `Model::poll_migration`): the
//! poll is counted before the answer is built, so the answer shows the state
//! after it. `MigrateStage` and `ReplicationState` take the documented
//! values; the task is ready to switch over when they read `increment` and
//! `streaming`, and switched over when `MigrateStage` reads `success`.
//! `SourcePassword` is never answered.
//!
//! A migration an engine backend runs is not moved on by polls: the task
//! follows the backend, and `MigrateStage`, `ReplicationState` and
//! `ReplicationInfo` are what the backend last read from the servers
//! (`ReplicationInfo` with the lag), with the reason in `Detail` when it
//! failed.

use serde_json::{json, Value};

use super::super::paging::PagingRules;
use super::super::{OperationOutput, OperationRequest};
use super::{described_instance, paged_items, TaskFilter};
use crate::backend::MigrationReport;
use crate::error::ApiError;
use crate::fixture::MigrationTask;
use crate::model::migration::{progress_detail, replication_info, wire_stage, MigrationRecord};
use crate::model::Model;

/// The documentation gives no range; the usual RDS one.
const PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: false,
};

pub(crate) fn handle(
    state: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let name = request.required("DBInstanceName")?;
    let filter = TaskFilter::read(request)?;
    let page = PAGING.read(request)?;
    described_instance(state, name)?;
    state.poll_migration(name, &request.now());

    let mut items = Vec::new();
    let instance = described_instance(state, name)?;
    let real = state.backend_migration(instance);
    if let Some(task) = instance.migration_task.as_ref() {
        if let Some(record) = state.migration.records.get(&task.task_id) {
            if filter.matches(
                task.task_id,
                &record.task_name,
                &task.source_ip_address,
                task.source_port,
            ) {
                items.push(item(task, record, real.as_ref()));
            }
        }
    }
    Ok(paged_items(items, page))
}

/// One `Items` entry; `real` is the engine backend's report of the
/// migration, when it runs it.
fn item(task: &MigrationTask, record: &MigrationRecord, real: Option<&MigrationReport>) -> Value {
    let (migrate_stage, replication_state) = match real {
        Some(real) => (real.migrate_stage.as_str(), real.replication_state.as_str()),
        None => wire_stage(task.stage),
    };
    let mut progress = progress_detail(task.stage);
    if let Some(error) = real.and_then(|real| real.error.as_deref()) {
        progress.push_str(&format!("\n[Migration failed]\n{error}"));
    }
    let replication = match real {
        Some(real) => real.replication_info.clone(),
        None => replication_info(task.stage),
    };
    let detail = if record.precheck_detail.is_empty() {
        progress
    } else {
        format!("{}\n{progress}", record.precheck_detail)
    };
    json!({
        "TaskId": task.task_id,
        "TaskName": record.task_name,
        "TargetInstanceName": record.instance_name,
        "SourceIpAddress": task.source_ip_address,
        "SourcePort": task.source_port,
        "SourceAccount": record.source_account,
        "SourceCategory": record.source_category.map(|category| category.wire()).unwrap_or_default(),
        "MigrateStage": migrate_stage,
        "ReplicationState": replication_state,
        "ReplicationInfo": replication,
        "Detail": detail,
        // A reserved field the service answers empty.
        "TargetEip": "",
        "SwitchTime": record.switch_time.clone().unwrap_or_default(),
        "GmtCreated": record.created,
        "GmtModified": record.modified,
    })
}
