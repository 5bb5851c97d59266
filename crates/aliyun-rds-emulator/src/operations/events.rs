//! The event and task operations: `DescribeEvents` (the account's events,
//! by region and time), `DescribeTasks` (an instance's tasks),
//! `DescribeHistoryTasks` and `DescribeHistoryTasksStat` (the account's
//! tasks, filtered and counted). Events and tasks come from the model's
//! journal (see `model::events`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::paging::PagingRules;
use super::{OperationOutput, OperationRequest};
use crate::clock::{format_timestamp, parse_filter_time};
use crate::error::ApiError;
use crate::model::events::{Task, TaskStatus};
use crate::model::Model;

/// An optional time filter.
fn time(request: &OperationRequest<'_>, name: &str) -> Result<Option<i64>, ApiError> {
    request
        .optional(name)
        .map(|text| {
            parse_filter_time(text).ok_or_else(|| {
                ApiError::invalid_parameter(
                    name,
                    &format!("{name} is UTC in the form yyyy-MM-ddTHH:mm:ssZ."),
                )
            })
        })
        .transpose()
}

const EVENT_PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: false,
};

pub(crate) fn describe_events(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let (start, end) = (time(request, "StartTime")?, time(request, "EndTime")?);
    let page = EVENT_PAGING.read(request)?;
    let events: Vec<Value> = model
        .journal
        .events()
        .rev()
        .filter(|event| event.region_id == region_id)
        .filter(|event| {
            start.is_none_or(|start| event.time >= start) && end.is_none_or(|end| event.time <= end)
        })
        .map(|event| {
            json!({
                "EventId": event.id,
                "EventName": event.name,
                "EventType": event.event_type,
                "EventPayload": event.payload,
                "EventReason": "FROM_USER",
                "EventUserType": "USER",
                "EventTime": format_timestamp(event.time),
                "EventRecordTime": format_timestamp(event.time),
                "RegionId": event.region_id,
                "ResourceName": event.instance_id,
                "ResourceType": "instance",
                "CallerUid": 0,
            })
        })
        .collect();
    request.answer(json!({
        "EventItems": { "EventItems": page.slice(&events) },
        "PageNumber": page.number,
        "PageSize": page.size,
        "TotalRecordCount": events.len(),
    }))
}

/// A task's time as `DescribeTasks` reports it: to the minute.
fn minutes(seconds: i64) -> String {
    let full = format_timestamp(seconds);
    format!("{}Z", &full[..16.min(full.len())])
}

pub(crate) fn describe_tasks(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let (start, end) = (time(request, "StartTime")?, time(request, "EndTime")?);
    let action = request.optional("TaskAction");
    let page = EVENT_PAGING.read(request)?;
    let tasks: Vec<Value> = model
        .journal
        .tasks()
        .rev()
        .filter(|task| task.instance_id == id)
        .filter(|task| action.is_none_or(|action| action == task.action))
        .filter(|task| {
            start.is_none_or(|start| task.began >= start) && end.is_none_or(|end| task.began <= end)
        })
        .map(|task| {
            let finished = task.status == TaskStatus::Succeeded;
            json!({
                "TaskId": task.id,
                "TaskAction": task.action,
                "DBName": task.database,
                "BeginTime": minutes(task.began),
                "FinishTime": task.finished.map(minutes).unwrap_or_default(),
                "Status": if finished { "2" } else { "1" },
                "Progress": if finished { "100" } else { "50" },
                "Remain": 0,
                "CurrentStepName": if finished { "finished" } else { "running" },
                "StepProgressInfo": if finished { "1/1" } else { "0/1" },
                "ExpectedFinishTime": "",
                "ProgressInfo": "",
                "StepsInfo": "",
                "TaskErrorCode": "",
                "TaskErrorMessage": "",
            })
        })
        .collect();
    let on_page = page.slice(&tasks);
    request.answer(json!({
        "Items": { "TaskProgressInfo": on_page },
        "PageNumber": page.number,
        "PageRecordCount": on_page.len(),
        "TotalRecordCount": tasks.len(),
    }))
}

/// `Running` or `Succeed`, as the history operations spell statuses.
fn history_status(task: &Task) -> &'static str {
    match task.status {
        TaskStatus::Running => "Running",
        TaskStatus::Succeeded => "Succeed",
    }
}

/// The tasks the history operations select: by region, instance IDs, task
/// IDs, types (actions), statuses and start time.
fn history_tasks<'m>(
    model: &'m Model,
    request: &OperationRequest<'_>,
) -> Result<Vec<&'m Task>, ApiError> {
    let list = |name: &str| -> Vec<String> {
        request
            .optional(name)
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let (instances, task_ids, types, statuses) = (
        list("InstanceId"),
        list("TaskId"),
        list("TaskType"),
        list("Status"),
    );
    let (from, to) = (
        time(request, "FromStartTime")?,
        time(request, "ToStartTime")?,
    );
    let region_id = request.optional("RegionId");
    Ok(model
        .journal
        .tasks()
        .rev()
        .filter(|task| region_id.is_none_or(|region| region == task.region_id))
        .filter(|task| instances.is_empty() || instances.contains(&task.instance_id))
        .filter(|task| task_ids.is_empty() || task_ids.contains(&task.id))
        .filter(|task| types.is_empty() || types.contains(&task.action))
        .filter(|task| {
            statuses.is_empty() || statuses.iter().any(|status| status == history_status(task))
        })
        .filter(|task| {
            from.is_none_or(|from| task.began >= from) && to.is_none_or(|to| task.began <= to)
        })
        .collect())
}

const HISTORY_PAGING: PagingRules = PagingRules {
    default_size: 10,
    sizes: 1..=100,
    zero_is_first_page: false,
};

pub(crate) fn describe_history_tasks(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let page = HISTORY_PAGING.read(request)?;
    let tasks: Vec<Value> = history_tasks(model, request)?
        .into_iter()
        .map(|task| {
            let engine = model
                .instances
                .get(&task.instance_id)
                .map(|instance| instance.engine.to_ascii_lowercase())
                .unwrap_or_default();
            json!({
                "TaskId": task.id,
                "TaskType": task.action,
                "InstanceId": task.instance_id,
                "InstanceName": task.instance_id,
                "InstanceType": "Instance",
                "RegionId": task.region_id,
                "Status": history_status(task),
                "StartTime": format_timestamp(task.began),
                "EndTime": task.finished.map(format_timestamp).unwrap_or_default(),
                "Progress": if task.status == TaskStatus::Succeeded { 100.0 } else { 50.0 },
                "RemainTime": 0,
                "Product": "rds",
                "DbType": engine,
                "CallerSource": "User",
                "CallerUid": "",
                "CurrentStepName": "",
                "ActionInfo": "",
                "ReasonCode": "",
                "TaskDetail": "",
                "Uid": "",
            })
        })
        .collect();
    request.answer(json!({
        "Items": page.slice(&tasks),
        "PageNumber": page.number,
        "PageSize": page.size,
        "TotalCount": tasks.len(),
    }))
}

pub(crate) fn describe_history_tasks_stat(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for task in history_tasks(model, request)? {
        *counts.entry(history_status(task)).or_default() += 1;
    }
    let items: Vec<Value> = counts
        .into_iter()
        .map(|(status, count)| json!({ "Status": status, "TotalCount": count }))
        .collect();
    request.answer(json!({ "Items": items }))
}
