//! The backup operations: `CreateBackup`, `DescribeBackups`,
//! `DescribeBackupTasks`, `DeleteBackup`, `ModifyBackupSetExpireTime`,
//! `DescribeBackupPolicy` and `ModifyBackupPolicy`. A backup runs at the
//! emulator's pace (see `model::backups`); answers that list it count as
//! polls of it.

use serde_json::{json, Value};

use super::paging::PagingRules;
use super::{OperationOutput, OperationRequest};
use crate::clock::{format_timestamp, parse_filter_time};
use crate::error::ApiError;
use crate::model::backups::{Backup, POLICY_DEFAULTS};
use crate::model::lifecycle::require_running;
use crate::model::refusal::{self, Refusal};
use crate::model::Model;

pub(crate) fn create_backup(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let method = request.optional("BackupMethod").unwrap_or("Physical");
    if !["Physical", "Logical", "Snapshot"].contains(&method) {
        return Err(request.refuse(Refusal::new(
            refusal::BACKUP_METHOD_INVALID,
            "BackupMethod is Physical, Logical or Snapshot.",
        )));
    }
    let backup_type = match request.optional("BackupType").unwrap_or("Auto") {
        "Auto" | "FullBackup" => "FullBackup",
        "IncrementalBackup" => "IncrementalBackup",
        _ => {
            return Err(ApiError::invalid_parameter(
                "BackupType",
                "BackupType is Auto, FullBackup or IncrementalBackup.",
            ))
        }
    };
    let database = request.optional("DBName").unwrap_or_default();
    let job_id = model
        .create_backup(
            id,
            method,
            backup_type,
            database,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({ "BackupJobId": job_id }))
}

/// A backup as `DescribeBackups` lists it.
fn backup_fields(instance_id: &str, engine: &str, engine_version: &str, backup: &Backup) -> Value {
    json!({
        "BackupId": backup.id,
        "DBInstanceId": instance_id,
        "BackupStatus": backup.status(),
        "BackupStartTime": format_timestamp(backup.started),
        "BackupEndTime": backup.finished.map(format_timestamp).unwrap_or_default(),
        "BackupType": backup.backup_type,
        "BackupMode": backup.mode,
        "BackupMethod": backup.method,
        "BackupInitiator": "User",
        "BackupSize": backup.size_bytes,
        "BackupDownloadURL": "",
        "BackupIntranetDownloadURL": "",
        "BackupDownloadLinkByDB": { "BackupDownloadLinkByDB": [] },
        "Engine": engine,
        "EngineVersion": engine_version,
        "IsAvail": i32::from(backup.finished.is_some()),
        "MetaStatus": "OK",
        "ExpectExpireTime": format_timestamp(backup.expires),
    })
}

/// Backups page 30 to 100 a page.
const PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: false,
};

pub(crate) fn describe_backups(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    model.poll_backups(id, request.now_millis());
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    let page = PAGING.read(request)?;
    let time = |name: &str| -> Result<Option<i64>, ApiError> {
        request
            .optional(name)
            .map(|text| {
                parse_filter_time(text).ok_or_else(|| {
                    ApiError::invalid_parameter(
                        name,
                        &format!("{name} is UTC in the form yyyy-MM-ddTHH:mmZ."),
                    )
                })
            })
            .transpose()
    };
    let (start, end) = (time("StartTime")?, time("EndTime")?);
    let exact =
        |name: &str, value: &str| request.optional(name).is_none_or(|wanted| wanted == value);
    let backups: Vec<Value> = instance
        .backups
        .sets
        .iter()
        .rev()
        .filter(|backup| {
            exact("BackupId", &backup.id)
                && exact("BackupStatus", backup.status())
                && exact("BackupMode", &backup.mode)
                && exact("BackupType", &backup.backup_type)
                && start.is_none_or(|start| backup.started >= start)
                && end.is_none_or(|end| backup.started <= end)
        })
        .map(|backup| backup_fields(id, &instance.engine, &instance.engine_version, backup))
        .collect();
    let on_page = page.slice(&backups);
    request.answer(json!({
        "Items": { "Backup": on_page },
        "PageNumber": page.number.to_string(),
        "PageRecordCount": on_page.len().to_string(),
        "TotalRecordCount": backups.len().to_string(),
        "TotalEcsSnapshotSize": 0,
    }))
}

pub(crate) fn describe_backup_tasks(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    model.poll_backups(id, request.now_millis());
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    let job_id = request.optional("BackupJobId");
    let mode = request.optional("BackupMode");
    let status = request.optional("BackupJobStatus");
    let jobs: Vec<Value> = instance
        .backups
        .sets
        .iter()
        .filter(|backup| job_id.is_none_or(|wanted| wanted == backup.job_id))
        .filter(|backup| mode.is_none_or(|wanted| wanted == backup.mode))
        .map(|backup| {
            let (progress, state) = if backup.progress.is_some() {
                ("50", "Uploading")
            } else {
                ("100", "Finished")
            };
            json!({
                "BackupJobId": backup.job_id,
                "BackupId": backup.id,
                "BackupProgressStatus": state,
                "BackupStatus": state,
                "JobMode": backup.mode,
                "Process": progress,
                "TaskAction": "NormalBackupTask",
            })
        })
        .filter(|job| status.is_none_or(|wanted| job["BackupStatus"] == wanted))
        .collect();
    request.answer(json!({ "Items": { "BackupJob": jobs } }))
}

pub(crate) fn delete_backup(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("DBInstanceId")?;
    require_running(model.find(id).map_err(|refusal| request.refuse(refusal))?)
        .map_err(|refusal| request.refuse(refusal))?;
    let backup_ids: Vec<&str> = request
        .required("BackupId")?
        .split(',')
        .map(str::trim)
        .filter(|backup| !backup.is_empty())
        .collect();
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    for backup in &backup_ids {
        instance
            .backups
            .find(backup)
            .map_err(|refusal| request.refuse(refusal))?;
    }
    for backup in &backup_ids {
        instance
            .backups
            .remove(backup)
            .map_err(|refusal| request.refuse(refusal))?;
    }
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn modify_backup_set_expire_time(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let backup_id = request.required("BackupId")?;
    let expires = parse_filter_time(request.required("ExpectExpireTime")?).ok_or_else(|| {
        ApiError::invalid_parameter(
            "ExpectExpireTime",
            "ExpectExpireTime is UTC in the form yyyy-MM-ddTHH:mm:ssZ.",
        )
    })?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    instance
        .backups
        .find(backup_id)
        .map_err(|refusal| request.refuse(refusal))?;
    if let Some(backup) = instance
        .backups
        .sets
        .iter_mut()
        .find(|backup| backup.id == backup_id)
    {
        backup.expires = expires;
    }
    request.answer(json!({
        "Code": "200",
        "Success": true,
        "Message": "success",
        "Data": format!("{{expectExpireTime={}, dbClusterId={id}, backupId={backup_id}}}", expires * 1000),
    }))
}

/// The backup policy as `DescribeBackupPolicy` answers it.
fn policy_fields(model: &Model, id: &str) -> Value {
    let fields = model
        .instances
        .get(id)
        .map(|instance| {
            POLICY_DEFAULTS
                .iter()
                .map(|(name, _)| {
                    (
                        (*name).to_owned(),
                        Value::from(instance.backups.policy(name)),
                    )
                })
                .collect::<serde_json::Map<_, _>>()
        })
        .unwrap_or_default();
    Value::Object(fields)
}

pub(crate) fn describe_backup_policy(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let mut fields = policy_fields(model, id);
    fields["SupportReleasedKeep"] = Value::from(1);
    fields["SupportModifyBackupPriority"] = Value::from(true);
    request.answer(fields)
}

pub(crate) fn modify_backup_policy(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    let changes: Vec<(&str, String)> = POLICY_DEFAULTS
        .iter()
        .filter_map(|(name, _)| {
            request
                .optional(name)
                .map(|value| (*name, value.to_owned()))
        })
        .collect();
    model
        .find_mut(id)
        .and_then(|instance| instance.backups.modify_policy(&changes))
        .map_err(|refusal| request.refuse(refusal))?;
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    let mut fields = policy_fields(model, id);
    fields["DBInstanceID"] = Value::from(id);
    request.answer(fields)
}
