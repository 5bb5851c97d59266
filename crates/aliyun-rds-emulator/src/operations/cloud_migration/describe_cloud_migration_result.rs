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

use serde_json::{json, Value};

use super::super::paging::PagingRules;
use super::super::{OperationOutput, OperationRequest};
use super::{described_instance, paged_items, TaskFilter};
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
    if let Some(task) = state
        .instances
        .get(name)
        .and_then(|instance| instance.migration_task.as_ref())
    {
        if let Some(record) = state.migration.records.get(&task.task_id) {
            if filter.matches(
                task.task_id,
                &record.task_name,
                &task.source_ip_address,
                task.source_port,
            ) {
                items.push(item(task, record));
            }
        }
    }
    Ok(paged_items(items, page))
}

/// One `Items` entry.
fn item(task: &MigrationTask, record: &MigrationRecord) -> Value {
    let (migrate_stage, replication_state) = wire_stage(task.stage);
    let progress = progress_detail(task.stage);
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
        "ReplicationInfo": replication_info(task.stage),
        "Detail": detail,
        // A reserved field the service answers empty.
        "TargetEip": "",
        "SwitchTime": record.switch_time.clone().unwrap_or_default(),
        "GmtCreated": record.created,
        "GmtModified": record.modified,
    })
}
