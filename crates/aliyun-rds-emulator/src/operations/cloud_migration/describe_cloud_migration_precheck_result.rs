//! `DescribeCloudMigrationPrecheckResult`: the precheck tasks of an instance
//! and their reports, oldest first, filtered and paged.
//!
//! Each entry's `Detail` is the report: one `name: status` line per check
//! item (`success` or `failed`) under `[group]` headings, ending with
//! `*Migrate check success*` or `*Migrate check failed*`. A precheck that
//! is still running (see [`PrecheckTask::count_answer`]) has a report of
//! the items checked so far and no verdict. `SourcePassword` is never
//! answered.

use serde_json::{json, Value};

use super::super::paging::PagingRules;
use super::super::{OperationOutput, OperationRequest};
use super::{described_instance, paged_items, TaskFilter};
use crate::error::ApiError;
use crate::model::migration::PrecheckTask;
use crate::model::Model;

/// Documented: 30 to 100 entries a page, 30 by default.
const PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 30..=100,
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
    let matching: Vec<i64> = state
        .migration
        .prechecks_of(name)
        .filter(|precheck| {
            filter.matches(
                precheck.task_id,
                &precheck.task_name,
                &precheck.source.ip_address.to_string(),
                precheck.source.port,
            )
        })
        .map(|precheck| precheck.task_id)
        .collect();
    let items = state
        .migration
        .prechecks_of(name)
        .filter(|precheck| matching.contains(&precheck.task_id))
        .map(item)
        .collect();
    // Every task this answer shows has been polled once more, which is
    // what moves a running precheck towards its verdict.
    for task_id in page.slice(&matching) {
        if let Some(precheck) = state.migration.precheck_mut(*task_id) {
            precheck.count_answer();
        }
    }
    Ok(paged_items(items, page))
}

/// One `Items` entry.
fn item(precheck: &PrecheckTask) -> Value {
    json!({
        "TaskId": precheck.task_id,
        "TaskName": precheck.task_name,
        "TargetInstanceName": precheck.instance_name,
        "SourceIpAddress": precheck.source.ip_address.to_string(),
        "SourcePort": precheck.source.port,
        "SourceAccount": precheck.source.account,
        "SourceCategory": precheck.source.category.wire(),
        // A reserved field the service answers empty.
        "TargetEip": "",
        "Detail": precheck.detail(),
        "GmtCreated": precheck.created,
        "GmtModified": precheck.created,
    })
}
