//! The lifecycle operations: `CreateDBInstance`, `CreateReadOnlyDBInstance`,
//! `CreateTempDBInstance`, `DeleteDBInstance`, `RestartDBInstance`,
//! `StopDBInstance`, `StartDBInstance` and `ModifyDBInstanceSpec`. Each
//! starts a change the model runs at the emulator's pace (see
//! `model::lifecycle`); the answer comes at once, as on the service.

use serde_json::json;

use super::super::{OperationOutput, OperationRequest};
use super::internal_endpoint;
use crate::error::ApiError;
use crate::model::lifecycle::{check_engine, require_running, NewInstance};
use crate::model::refusal::{self, Refusal};
use crate::model::tags::{self, Tags};
use crate::model::whitelists::parse_entries;
use crate::model::Model;

/// The tags of a create request: `Tag.N.Key` and `Tag.N.Value`.
pub(crate) fn request_tags(
    request: &OperationRequest<'_>,
) -> Result<Vec<(String, String)>, ApiError> {
    let pairs: Vec<(String, String)> = request
        .objects("Tag")
        .into_iter()
        .map(|fields| {
            let field = |name: &str| {
                fields
                    .iter()
                    .find(|(field, _)| field == name)
                    .map(|(_, value)| (*value).to_owned())
                    .unwrap_or_default()
            };
            (field("key"), field("value"))
        })
        .collect();
    tags::check(&pairs).map_err(|refusal| request.refuse(refusal))?;
    Ok(pairs)
}

/// A storage size, in GB, from `name`.
fn storage(request: &OperationRequest<'_>, name: &str, default: u32) -> Result<u32, ApiError> {
    match request.optional_integer(name)? {
        None => Ok(default),
        Some(gb) => u32::try_from(gb)
            .ok()
            .filter(|gb| (5..=64_000).contains(gb))
            .ok_or_else(|| ApiError::invalid_parameter(name, &format!("{name} is 5 to 64000 GB."))),
    }
}

/// Months of a subscription: `Period` `Month` or `Year` times `UsedTime`.
fn subscription_months(request: &OperationRequest<'_>) -> Result<Option<u32>, ApiError> {
    let used_time = request
        .optional_integer("UsedTime")?
        .unwrap_or(1)
        .clamp(1, 100);
    let months = u32::try_from(used_time).unwrap_or(1);
    Ok(match request.optional("Period") {
        Some(period) if period.eq_ignore_ascii_case("Year") => Some(months * 12),
        Some(period) if period.eq_ignore_ascii_case("Month") => Some(months),
        _ => None,
    })
}

pub(crate) fn create_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let engine = check_engine(
        request.required("Engine")?,
        request.required("EngineVersion")?,
    )
    .map_err(|refusal| request.refuse(refusal))?;
    let security_ips = match request.optional("SecurityIPList") {
        Some(list) => parse_entries(list).map_err(|refusal| request.refuse(refusal))?,
        None => Vec::new(),
    };
    let tags = request_tags(request)?;
    let description = request
        .optional("DBInstanceDescription")
        .unwrap_or_default();
    crate::model::status::check_description(description)
        .map_err(|refusal| request.refuse(refusal))?;
    let port = match request.optional("Port") {
        Some(port) => Some(
            crate::model::endpoints::parse_port(port, 1000..=65535)
                .map_err(|refusal| request.refuse(refusal))?,
        ),
        None => None,
    };
    let pay_type = request.optional("PayType").unwrap_or("Postpaid");
    let new = NewInstance {
        engine,
        engine_version: request.required("EngineVersion")?.to_owned(),
        region_id: region_id.to_owned(),
        zone_id: request.optional("ZoneId").map(str::to_owned),
        class: request.optional("DBInstanceClass").map(str::to_owned),
        storage_gb: storage(request, "DBInstanceStorage", 20)?,
        storage_type: request.optional("DBInstanceStorageType").map(str::to_owned),
        category: request.optional("Category").map(str::to_owned),
        pay_type: pay_type.to_owned(),
        network_type: request.optional("InstanceNetworkType").map(str::to_owned),
        vpc_id: request.optional("VPCId").map(str::to_owned),
        vswitch_id: request.optional("VSwitchId").map(str::to_owned),
        description: description.to_owned(),
        security_ips,
        connection_prefix: request
            .optional("ConnectionString")
            .map(|text| text.split('.').next().unwrap_or(text).to_owned()),
        port,
        deletion_protection: request
            .optional_bool("DeletionProtection")?
            .unwrap_or(false),
        resource_group_id: request
            .optional("ResourceGroupId")
            .unwrap_or_default()
            .to_owned(),
        tags: Tags::default()
            .with_added(&tags)
            .map_err(|refusal| request.refuse(refusal))?,
        primary_id: None,
        instance_type: "Primary",
        months: if pay_type.eq_ignore_ascii_case("Prepaid") {
            subscription_months(request)?.or(Some(1))
        } else {
            None
        },
    };
    if request.optional_bool("DryRun")?.unwrap_or(false) {
        // Checked and not created, as the service does for a dry run.
        return request.answer(json!({
            "DryRun": true,
            "DryRunResult": true,
            "Message": "The request passed the dry run.",
            "TagResult": !tags.is_empty(),
        }));
    }
    let id = model
        .create_instance(new, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    let instance = model.find(&id).map_err(|refusal| request.refuse(refusal))?;
    let (connection_string, port, _) = internal_endpoint(model, instance);
    let task_id = model
        .journal
        .tasks()
        .rev()
        .find(|task| task.instance_id == id)
        .map(|task| task.id.clone())
        .unwrap_or_default();
    let order_id = model.ids.number(15).to_string();
    request.answer(json!({
        "DBInstanceId": id,
        "ConnectionString": connection_string,
        "Port": port.to_string(),
        "OrderId": order_id,
        "TaskId": task_id,
        "DryRun": false,
        "DryRunResult": false,
        "TagResult": !tags.is_empty(),
        "Message": "",
    }))
}

pub(crate) fn create_read_only_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let primary_id = request.required("DBInstanceId")?;
    let primary = model
        .find(primary_id)
        .map_err(|refusal| request.refuse(refusal))?;
    if primary.instance_type != "Primary" {
        return Err(request.refuse(Refusal::new(
            refusal::INCORRECT_TYPE,
            "Read-only instances are made of a primary instance.",
        )));
    }
    require_running(primary).map_err(|refusal| {
        request.refuse(Refusal::new(refusal::PRIMARY_INCORRECT, refusal.hint))
    })?;
    let engine = check_engine(
        &primary.engine,
        request
            .optional("EngineVersion")
            .unwrap_or(&primary.engine_version),
    )
    .map_err(|refusal| request.refuse(refusal))?;
    let new = NewInstance {
        engine,
        engine_version: primary.engine_version.clone(),
        region_id: request
            .optional("RegionId")
            .unwrap_or(&primary.region_id)
            .to_owned(),
        zone_id: request.optional("ZoneId").map(str::to_owned),
        class: Some(
            request
                .optional("DBInstanceClass")
                .unwrap_or(&primary.class)
                .to_owned(),
        ),
        storage_gb: storage(request, "DBInstanceStorage", primary.storage_gb)?,
        storage_type: Some(
            request
                .optional("DBInstanceStorageType")
                .unwrap_or(&primary.storage_type)
                .to_owned(),
        ),
        category: Some(
            request
                .optional("Category")
                .unwrap_or("HighAvailability")
                .to_owned(),
        ),
        pay_type: request.optional("PayType").unwrap_or("Postpaid").to_owned(),
        network_type: request.optional("InstanceNetworkType").map(str::to_owned),
        vpc_id: request.optional("VPCId").map(str::to_owned),
        vswitch_id: request.optional("VSwitchId").map(str::to_owned),
        description: request
            .optional("DBInstanceDescription")
            .unwrap_or_default()
            .to_owned(),
        security_ips: Vec::new(),
        connection_prefix: None,
        port: None,
        deletion_protection: request
            .optional_bool("DeletionProtection")?
            .unwrap_or(false),
        resource_group_id: request
            .optional("ResourceGroupId")
            .unwrap_or_default()
            .to_owned(),
        tags: Tags::default(),
        primary_id: Some(primary_id.to_owned()),
        instance_type: "Readonly",
        months: None,
    };
    let id = model
        .create_instance(new, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    let instance = model.find(&id).map_err(|refusal| request.refuse(refusal))?;
    let (connection_string, port, _) = internal_endpoint(model, instance);
    let order_id = model.ids.number(15).to_string();
    request.answer(json!({
        "DBInstanceId": id,
        "ConnectionString": connection_string,
        "Port": port.to_string(),
        "OrderId": order_id,
    }))
}

pub(crate) fn create_temp_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let primary_id = request.required("DBInstanceId")?;
    let primary = model
        .find(primary_id)
        .map_err(|refusal| request.refuse(refusal))?;
    require_running(primary).map_err(|refusal| request.refuse(refusal))?;
    let new = NewInstance {
        engine: primary.engine_info(),
        engine_version: primary.engine_version.clone(),
        region_id: primary.region_id.clone(),
        zone_id: None,
        class: Some(primary.class.clone()),
        storage_gb: primary.storage_gb,
        storage_type: Some(primary.storage_type.clone()),
        category: Some("Basic".to_owned()),
        pay_type: "Postpaid".to_owned(),
        network_type: None,
        vpc_id: None,
        vswitch_id: None,
        description: format!("temporary instance of {primary_id}"),
        security_ips: Vec::new(),
        connection_prefix: None,
        port: None,
        deletion_protection: false,
        resource_group_id: request
            .optional("ResourceGroupId")
            .unwrap_or_default()
            .to_owned(),
        tags: Tags::default(),
        primary_id: Some(primary_id.to_owned()),
        instance_type: "Temp",
        months: None,
    };
    let now = request.now_millis();
    let id = model
        .create_instance(new, request.action(), now)
        .map_err(|refusal| request.refuse(refusal))?;
    model
        .transform_instance(primary_id, "TempDBInstanceCreating", request.action(), now)
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({ "TempDBInstanceId": id }))
}

pub(crate) fn delete_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("DBInstanceId")?;
    let region_id = model
        .find(id)
        .map_err(|refusal| request.refuse(refusal))?
        .region_id
        .clone();
    model
        .delete_instance(id, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({ "RegionId": region_id }))
}

pub(crate) fn restart_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("DBInstanceId")?;
    model
        .restart_instance(id, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn stop_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("DBInstanceId")?;
    model
        .stop_instance(id, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn start_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("DBInstanceId")?;
    model
        .start_instance(id, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    let task_id = model
        .journal
        .tasks()
        .rev()
        .find(|task| task.instance_id == id)
        .map(|task| task.id.clone())
        .unwrap_or_default();
    request.answer(json!({ "TaskId": task_id, "MigrationId": 0 }))
}

pub(crate) fn modify_db_instance_spec(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    let class = request.optional("DBInstanceClass").map(str::to_owned);
    let storage_gb = match request.optional("DBInstanceStorage") {
        Some(_) => Some(storage(request, "DBInstanceStorage", instance.storage_gb)?),
        None => None,
    };
    let engine_version = match request.optional("EngineVersion") {
        Some(version) => Some(
            check_engine(&instance.engine, version)
                .map_err(|refusal| request.refuse(refusal))?
                .name,
        )
        .map(|_| version.to_owned()),
        None => None,
    };
    let storage_type = request.optional("DBInstanceStorageType").map(str::to_owned);
    let category = request.optional("Category").map(str::to_owned);
    if class.is_none()
        && storage_gb.is_none()
        && engine_version.is_none()
        && storage_type.is_none()
        && category.is_none()
    {
        return Err(ApiError::invalid_parameter(
            "DBInstanceClass",
            "Give at least one of DBInstanceClass, DBInstanceStorage, DBInstanceStorageType, EngineVersion or Category.",
        ));
    }
    if let Some(instance) = model.instances.get_mut(id) {
        if let Some(class) = class {
            instance.class = class;
        }
        if let Some(storage_gb) = storage_gb {
            instance.storage_gb = storage_gb;
        }
        if let Some(engine_version) = engine_version {
            instance.engine_version = engine_version;
        }
        if let Some(storage_type) = storage_type {
            instance.storage_type = storage_type;
        }
        if let Some(category) = category {
            instance.category = category;
        }
    }
    model
        .transform_instance(
            id,
            "DBInstanceClassChanging",
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({ "DBInstanceId": id, "OrderId": 0 }))
}

pub(crate) fn clone_db_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let source_id = request.required("DBInstanceId")?;
    let source = model
        .find(source_id)
        .map_err(|refusal| request.refuse(refusal))?
        .clone();
    require_running(&source).map_err(|refusal| request.refuse(refusal))?;
    if let Some(backup) = request.optional("BackupId") {
        source
            .backups
            .find(backup)
            .map_err(|refusal| request.refuse(refusal))?;
    }
    let new = NewInstance {
        engine: source.engine_info(),
        engine_version: source.engine_version.clone(),
        region_id: request
            .optional("RegionId")
            .unwrap_or(&source.region_id)
            .to_owned(),
        zone_id: request.optional("ZoneId").map(str::to_owned),
        class: Some(
            request
                .optional("DBInstanceClass")
                .unwrap_or(&source.class)
                .to_owned(),
        ),
        storage_gb: storage(request, "DBInstanceStorage", source.storage_gb)?,
        storage_type: Some(
            request
                .optional("DBInstanceStorageType")
                .unwrap_or(&source.storage_type)
                .to_owned(),
        ),
        category: Some(
            request
                .optional("Category")
                .unwrap_or(&source.category)
                .to_owned(),
        ),
        pay_type: request.required("PayType")?.to_owned(),
        network_type: request.optional("InstanceNetworkType").map(str::to_owned),
        vpc_id: request.optional("VPCId").map(str::to_owned),
        vswitch_id: request.optional("VSwitchId").map(str::to_owned),
        description: request
            .optional("DBInstanceDescription")
            .unwrap_or(&source.description)
            .to_owned(),
        security_ips: source.whitelist.groups[0].entries.clone(),
        connection_prefix: None,
        port: None,
        deletion_protection: request
            .optional_bool("DeletionProtection")?
            .unwrap_or(false),
        resource_group_id: source.settings.resource_group_id.clone(),
        tags: Tags::default(),
        primary_id: None,
        instance_type: "Primary",
        months: subscription_months(request)?,
    };
    let id = model
        .create_instance(new, request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    // The clone holds the source's data: its databases and accounts.
    if let Some(clone) = model.instances.get_mut(&id) {
        clone.databases = source.databases.clone();
        clone.accounts = source.accounts.clone();
    }
    let order_id = model.ids.number(15).to_string();
    request.answer(json!({ "DBInstanceId": id, "OrderId": order_id }))
}
