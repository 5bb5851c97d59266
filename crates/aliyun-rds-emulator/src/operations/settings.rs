//! The settings operations: the description, deletion protection, the
//! maintenance window, the resource group, SSL and TDE, high availability,
//! and the smaller settings one operation changes and another reports
//! (see [`SETTINGS`]).

use serde_json::{json, Map, Value};

use super::{OperationOutput, OperationRequest};
use crate::clock::format_timestamp;
use crate::error::ApiError;
use crate::model::instances::Instance;
use crate::model::lifecycle::require_running;
use crate::model::refusal::{self, Refusal};
use crate::model::settings::check_maintain_time;
use crate::model::status::check_description;
use crate::model::Model;

/// Records the change as an event and answers `fields`.
fn changed(
    model: &mut Model,
    request: &OperationRequest<'_>,
    id: &str,
    fields: Value,
) -> Result<OperationOutput, ApiError> {
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(fields)
}

/// A running instance of a settings request, to change.
fn running<'m>(
    model: &'m mut Model,
    request: &OperationRequest<'_>,
    id: &str,
) -> Result<&'m mut Instance, ApiError> {
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    Ok(instance)
}

pub(crate) fn modify_db_instance_description(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let description = request.required("DBInstanceDescription")?;
    check_description(description).map_err(|refusal| request.refuse(refusal))?;
    model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?
        .description = description.to_owned();
    changed(model, request, id, json!({}))
}

pub(crate) fn modify_db_instance_deletion_protection(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let protection = request
        .optional_bool("DeletionProtection")?
        .ok_or_else(|| ApiError::missing_parameter("DeletionProtection"))?;
    running(model, request, id)?.settings.deletion_protection = protection;
    changed(model, request, id, json!({}))
}

pub(crate) fn modify_db_instance_maintain_time(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let window = request.required("MaintainTime")?;
    check_maintain_time(window).map_err(|refusal| request.refuse(refusal))?;
    running(model, request, id)?.settings.maintain_time = window.to_owned();
    changed(model, request, id, json!({}))
}

pub(crate) fn modify_resource_group(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let group = request.required("ResourceGroupId")?;
    model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?
        .settings
        .resource_group_id = group.to_owned();
    changed(model, request, id, json!({}))
}

pub(crate) fn modify_db_instance_ssl(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let connection_string = request.required("ConnectionString")?;
    let enabled = match request.optional_integer("SSLEnabled")? {
        None | Some(1) => true,
        Some(0) => false,
        Some(_) => {
            return Err(ApiError::invalid_parameter(
                "SSLEnabled",
                "SSLEnabled is 1 (on) or 0 (off).",
            ))
        }
    };
    let now = request.now_millis() / 1000;
    let instance = running(model, request, id)?;
    if !instance
        .endpoints
        .connection_strings()
        .any(|known| known == connection_string)
    {
        return Err(request.refuse(crate::model::endpoints::not_found(connection_string)));
    }
    if !enabled && !instance.settings.ssl.enabled {
        return Err(request.refuse(Refusal::new(
            refusal::SSL_STATUS_INVALID,
            "SSL is off already.",
        )));
    }
    let ssl = &mut instance.settings.ssl;
    ssl.enabled = enabled;
    ssl.connection_string = if enabled {
        connection_string.to_owned()
    } else {
        String::new()
    };
    if enabled {
        ssl.created = now;
        ssl.expires = now + 365 * 24 * 3600;
    }
    for (parameter, field) in [
        ("CAType", &mut ssl.ca_type),
        ("TlsVersion", &mut ssl.tls_version),
        ("ForceEncryption", &mut ssl.force_encryption),
        ("ACL", &mut ssl.acl),
    ] {
        if let Some(value) = request.optional(parameter) {
            *field = value.to_owned();
        }
    }
    changed(model, request, id, json!({}))
}

pub(crate) fn describe_db_instance_ssl(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    let ssl = &instance.settings.ssl;
    let time = |seconds: i64| {
        if ssl.enabled {
            format_timestamp(seconds)
        } else {
            String::new()
        }
    };
    request.answer(json!({
        "SSLEnabled": if ssl.enabled { "Yes" } else { "No" },
        "ConnectionString": ssl.connection_string,
        "CAType": ssl.ca_type,
        "TlsVersion": ssl.tls_version,
        "ForceEncryption": ssl.force_encryption,
        "ACL": ssl.acl,
        "ReplicationACL": ssl.acl,
        "SSLCreateTime": time(ssl.created),
        "SSLExpireTime": time(ssl.expires),
        "RequireUpdate": "No",
        "RequireUpdateItem": "",
        "RequireUpdateReason": "",
        "LastModifyStatus": "success",
        "ModifyStatusReason": "",
        "ServerCert": "",
        "ServerKey": "",
        "ClientCACert": "",
        "ClientCertRevocationList": "",
        "ClientCACertExpireTime": "",
        "ServerCAUrl": "",
    }))
}

pub(crate) fn modify_db_instance_tde(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let status = request.required("TDEStatus")?;
    let enable = match status {
        "Enabled" => true,
        "Disabled" => false,
        _ => {
            return Err(request.refuse(Refusal::new(
                refusal::TDE_STATUS_INVALID,
                "TDEStatus is Enabled or Disabled.",
            )))
        }
    };
    let key = request.optional("EncryptionKey");
    let databases: Vec<String> = request
        .optional("DBName")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
        .collect();
    let instance = running(model, request, id)?;
    for database in &databases {
        instance
            .databases
            .find(database)
            .map_err(|refusal| request.refuse(refusal))?;
    }
    let tde = &mut instance.settings.tde;
    if enable == tde.enabled && databases.is_empty() {
        return Err(request.refuse(Refusal::new(
            refusal::TDE_STATUS_INVALID,
            format!("TDE is {status} already."),
        )));
    }
    if !enable && instance.engine != "SQLServer" {
        return Err(request.refuse(Refusal::new(
            refusal::TDE_STATUS_INVALID,
            "Once on, TDE cannot be turned off on MySQL and PostgreSQL instances.",
        )));
    }
    tde.enabled = enable;
    if enable {
        tde.mode = if key.is_some() {
            "User_Generate_Key"
        } else {
            "Aliyun_Generate_Key"
        }
        .to_owned();
        tde.key = key.unwrap_or_default().to_owned();
        for database in databases {
            if !tde.databases.contains(&database) {
                tde.databases.push(database);
            }
        }
    } else {
        tde.databases.retain(|known| !databases.contains(known));
    }
    changed(model, request, id, json!({}))
}

pub(crate) fn describe_db_instance_tde(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    let tde = &instance.settings.tde;
    let databases: Vec<Value> = tde
        .databases
        .iter()
        .map(|name| json!({ "DBName": name, "TDEStatus": "Enabled" }))
        .collect();
    request.answer(json!({
        "TDEStatus": if tde.enabled { "Enabled" } else { "Disabled" },
        "TDEMode": tde.mode,
        "EncryptionKey": tde.key,
        "Databases": { "Database": databases },
    }))
}

/// A setting that one operation changes and another reports: the request
/// parameters the change takes, which are kept by name and reported in
/// the answer fields of the same name.
pub(crate) struct SettingFamily {
    pub(crate) modify: &'static str,
    pub(crate) describe: &'static str,
    /// The parameter naming the instance in the change (the report always
    /// takes `DBInstanceId`).
    pub(crate) instance: &'static str,
    pub(crate) fields: &'static [&'static str],
}

/// The smaller settings.
pub(crate) const SETTINGS: &[SettingFamily] = &[
    SettingFamily {
        modify: "ModifySQLCollectorPolicy",
        describe: "DescribeSQLCollectorPolicy",
        instance: "DBInstanceId",
        fields: &["SQLCollectorStatus"],
    },
    SettingFamily {
        modify: "ModifySQLCollectorRetention",
        describe: "DescribeSQLCollectorRetention",
        instance: "DBInstanceId",
        fields: &["ConfigValue"],
    },
    SettingFamily {
        modify: "ModifyDBInstanceMonitor",
        describe: "DescribeDBInstanceMonitor",
        instance: "DBInstanceId",
        fields: &["Period"],
    },
    SettingFamily {
        modify: "ModifyHADiagnoseConfig",
        describe: "DescribeHADiagnoseConfig",
        instance: "DBInstanceId",
        fields: &["TcpConnectionType"],
    },
    SettingFamily {
        modify: "ModifyHASwitchConfig",
        describe: "DescribeHASwitchConfig",
        instance: "DBInstanceId",
        fields: &["HAConfig", "ManualHATime"],
    },
    SettingFamily {
        modify: "ModifyDBInstanceHAConfig",
        describe: "DescribeDBInstanceHAConfig",
        instance: "DbInstanceId",
        fields: &["HAMode", "SyncMode"],
    },
    SettingFamily {
        modify: "ModifyInstanceCrossBackupPolicy",
        describe: "DescribeInstanceCrossBackupPolicy",
        instance: "DBInstanceId",
        fields: &[
            "BackupEnabled",
            "CrossBackupRegion",
            "CrossBackupType",
            "LogBackupEnabled",
            "RetentType",
            "Retention",
        ],
    },
];

/// The family whose change or report `action` is.
fn family(action: &str) -> Option<&'static SettingFamily> {
    SETTINGS
        .iter()
        .find(|family| family.modify == action || family.describe == action)
}

/// The change of a setting family: every field given is kept.
pub(crate) fn modify_setting(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let Some(family) = family(request.action()) else {
        return Err(ApiError::action_not_found());
    };
    let id = request.existing_instance_id(model, family.instance)?;
    let given: Vec<(&str, &str)> = family
        .fields
        .iter()
        .filter_map(|field| request.optional(field).map(|value| (*field, value)))
        .collect();
    let instance = running(model, request, id)?;
    for (field, value) in &given {
        instance
            .settings
            .values
            .insert((*field).to_owned(), (*value).to_owned());
    }
    let mut answer = Map::new();
    for field in family.fields {
        answer.insert(
            (*field).to_owned(),
            Value::from(instance.settings.value(field)),
        );
    }
    answer.insert("DBInstanceId".to_owned(), Value::from(id));
    answer.insert(
        "RegionId".to_owned(),
        Value::from(instance.region_id.clone()),
    );
    changed(model, request, id, Value::Object(answer))
}

/// The report of a setting family.
pub(crate) fn describe_setting(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let Some(family) = family(request.action()) else {
        return Err(ApiError::action_not_found());
    };
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    let mut answer = Map::new();
    for field in family.fields {
        answer.insert(
            (*field).to_owned(),
            Value::from(instance.settings.value(field)),
        );
    }
    let common = json!({
        "DBInstanceId": id,
        "DBInstanceDescription": instance.description,
        "DBInstanceStatus": instance.status,
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version,
        "RegionId": instance.region_id,
        "LockMode": instance.lock_mode(),
        "SQLCollectorStatus": instance.settings.value("SQLCollectorStatus"),
        "StoragePeriod": instance.settings.value("ConfigValue"),
        "HostInstanceInfos": { "NodeInfo": [
            { "NodeId": format!("{id}-master"), "NodeType": "Master", "RegionId": instance.region_id, "ZoneId": instance.zone_id, "SyncStatus": "Sync" }
        ] },
    });
    if let Value::Object(common) = common {
        for (key, value) in common {
            answer.entry(key).or_insert(value);
        }
    }
    request.answer(Value::Object(answer))
}

pub(crate) fn modify_db_instance_auto_upgrade_minor_version(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let mode = request.required("AutoUpgradeMinorVersion")?;
    if mode != "Auto" && mode != "Manual" {
        return Err(ApiError::invalid_parameter(
            "AutoUpgradeMinorVersion",
            "AutoUpgradeMinorVersion is Auto or Manual.",
        ));
    }
    running(model, request, id)?
        .settings
        .values
        .insert("AutoUpgradeMinorVersion".to_owned(), mode.to_owned());
    changed(model, request, id, json!({}))
}

/// `ModifyDBInstanceDelayedReplicationTime` and
/// `ModifyReadonlyInstanceDelayReplicationTime`: a read-only instance's
/// replication delay, in seconds.
pub(crate) fn modify_replication_delay(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let delay = request.required("ReadSQLReplicationTime")?;
    if delay.trim().parse::<u32>().is_err() {
        return Err(ApiError::invalid_parameter(
            "ReadSQLReplicationTime",
            "ReadSQLReplicationTime is a number of seconds.",
        ));
    }
    let task_id = model.new_task_id();
    let instance = running(model, request, id)?;
    if instance.instance_type != "Readonly" {
        return Err(request.refuse(Refusal::new(
            refusal::INCORRECT_TYPE,
            "A replication delay is set on read-only instances.",
        )));
    }
    instance
        .settings
        .values
        .insert("ReadSQLReplicationTime".to_owned(), delay.to_owned());
    changed(
        model,
        request,
        id,
        json!({ "DBInstanceId": id, "ReadSQLReplicationTime": delay, "TaskId": task_id }),
    )
}

pub(crate) fn modify_collation_time_zone(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let task_id = model.new_task_id();
    let instance = running(model, request, id)?;
    if instance.engine != "SQLServer" {
        return Err(request.refuse(Refusal::new(
            refusal::INCORRECT_ENGINE,
            "Collation and time zone are SQL Server settings.",
        )));
    }
    for field in ["Collation", "Timezone"] {
        if let Some(value) = request.optional(field) {
            instance
                .settings
                .values
                .insert(field.to_owned(), value.to_owned());
        }
    }
    let (collation, timezone) = (
        instance.settings.value("Collation"),
        instance.settings.value("Timezone"),
    );
    changed(
        model,
        request,
        id,
        json!({ "DBInstanceId": id, "Collation": collation, "Timezone": timezone, "TaskId": task_id }),
    )
}

pub(crate) fn modify_instance_auto_renewal_attribute(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let ids: Vec<&str> = request
        .required("DBInstanceId")?
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    for id in &ids {
        model.find(id).map_err(|refusal| request.refuse(refusal))?;
    }
    for id in &ids {
        let instance = model
            .find_mut(id)
            .map_err(|refusal| request.refuse(refusal))?;
        for field in ["AutoRenew", "Duration"] {
            if let Some(value) = request.optional(field) {
                instance
                    .settings
                    .values
                    .insert(field.to_owned(), value.to_owned());
            }
        }
        model.record_event(
            request.action(),
            id,
            request.now_millis(),
            request.payload(),
        );
    }
    request.answer(json!({}))
}

pub(crate) fn describe_instance_auto_renewal_attribute(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let instance_id = request.optional("DBInstanceId");
    if let Some(id) = instance_id {
        model.find(id).map_err(|refusal| request.refuse(refusal))?;
    }
    let page = super::accounts::PAGING.read(request)?;
    let items: Vec<Value> = model
        .instances
        .iter()
        .filter(|instance| match instance_id {
            Some(id) => instance.id == id,
            None => {
                instance.region_id == region_id && instance.pay_type.eq_ignore_ascii_case("Prepaid")
            }
        })
        .map(|instance| {
            json!({
                "DBInstanceId": instance.id,
                "RegionId": instance.region_id,
                "AutoRenew": instance.settings.value("AutoRenew"),
                "Duration": instance.settings.value("Duration"),
                "Status": "Normal",
            })
        })
        .collect();
    let on_page = page.slice(&items);
    request.answer(json!({
        "Items": { "Item": on_page },
        "PageNumber": page.number,
        "PageRecordCount": on_page.len(),
        "TotalRecordCount": items.len(),
    }))
}

pub(crate) fn modify_action_event_policy(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let enabled = request.required("EnableEventLog")?;
    model
        .account_settings
        .insert("EnableEventLog".to_owned(), enabled.to_owned());
    request.answer(json!({ "RegionId": region_id, "EnableEventLog": enabled }))
}

pub(crate) fn describe_action_event_policy(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let enabled = model
        .account_settings
        .get("EnableEventLog")
        .cloned()
        .unwrap_or_else(|| "False".to_owned());
    request.answer(json!({ "RegionId": region_id, "EnableEventLog": enabled }))
}
