//! Changes to a running instance that keep it: billing
//! (`ModifyDBInstancePayType`, `TransformDBInstancePayType`,
//! `RenewInstance`), versions (`UpgradeDBInstanceEngineVersion`,
//! `UpgradeDBInstanceKernelVersion`), placement (`MigrateToOtherZone`) and
//! a high-availability switchover (`SwitchDBInstanceHA`). The ones that
//! take time on the service put the instance in a status in progress for
//! the emulator's pace.

use serde_json::json;

use super::super::{OperationOutput, OperationRequest};
use crate::clock::format_timestamp;
use crate::error::ApiError;
use crate::model::lifecycle::{check_engine, require_running};
use crate::model::refusal::{self, Refusal};
use crate::model::Model;

/// The running instance a change names.
fn running_id<'a>(model: &Model, request: &OperationRequest<'a>) -> Result<&'a str, ApiError> {
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    Ok(id)
}

/// Months of a subscription from `Period` (`Year` or `Month`) and
/// `UsedTime`.
fn months(request: &OperationRequest<'_>) -> Result<i64, ApiError> {
    let used = request
        .optional_integer("UsedTime")?
        .unwrap_or(1)
        .clamp(1, 100);
    Ok(match request.optional("Period") {
        Some(period) if period.eq_ignore_ascii_case("Year") => used * 12,
        _ => used,
    })
}

/// Changes the billing method; a subscription expires `months` later.
fn change_pay_type(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<(String, String), ApiError> {
    let id = running_id(model, request)?;
    let pay_type = request.required("PayType")?;
    let expires = match pay_type {
        "Prepaid" => Some(request.now_millis() / 1000 + months(request)? * 30 * 24 * 3600),
        "Postpaid" => None,
        _ => {
            return Err(ApiError::invalid_parameter(
                "PayType",
                "PayType is Prepaid or Postpaid.",
            ))
        }
    };
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    instance.pay_type = pay_type.to_owned();
    instance.expires = expires;
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    let order_id = model.ids.number(15).to_string();
    Ok((order_id, expires.map(format_timestamp).unwrap_or_default()))
}

pub(crate) fn modify_db_instance_pay_type(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (order_id, _) = change_pay_type(model, request)?;
    request.answer(json!({ "OrderId": order_id }))
}

pub(crate) fn transform_db_instance_pay_type(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (order_id, expires) = change_pay_type(model, request)?;
    let id = request.required("DBInstanceId")?;
    let charge = if request.optional("PayType") == Some("Prepaid") {
        "PREPAY"
    } else {
        "POSTPAY"
    };
    request.answer(json!({
        "DBInstanceId": id,
        "OrderId": order_id,
        "ExpiredTime": expires,
        "ChargeType": charge,
    }))
}

pub(crate) fn renew_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    if !instance.pay_type.eq_ignore_ascii_case("Prepaid") {
        return Err(request.refuse(Refusal::new(
            refusal::PAY_TYPE_UNSUPPORTED,
            "Only subscription (Prepaid) instances are renewed.",
        )));
    }
    let period = request
        .optional_integer("Period")?
        .ok_or_else(|| ApiError::missing_parameter("Period"))?
        .clamp(1, 60);
    let now = request.now_millis() / 1000;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    let from = instance.expires.unwrap_or(now).max(now);
    instance.expires = Some(from + period * 30 * 24 * 3600);
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    let order_id = model.ids.number(15).to_string();
    request.answer(json!({ "OrderId": order_id }))
}

pub(crate) fn upgrade_db_instance_engine_version(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running_id(model, request)?;
    let version = request.required("EngineVersion")?;
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    check_engine(&instance.engine, version).map_err(|refusal| request.refuse(refusal))?;
    let newer = version.parse::<f64>().ok() > instance.engine_version.parse::<f64>().ok();
    if !newer {
        return Err(request.refuse(Refusal::new(
            refusal::ENGINE_VERSION_UNKNOWN,
            format!(
                "The instance runs {}; name a newer version.",
                instance.engine_version
            ),
        )));
    }
    model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?
        .engine_version = version.to_owned();
    model
        .transform_instance(
            id,
            "DBInstanceClassChanging",
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    let task_id = latest_task(model, id);
    request.answer(json!({ "TaskId": task_id }))
}

pub(crate) fn upgrade_db_instance_kernel_version(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running_id(model, request)?;
    let target = request
        .optional("TargetMinorVersion")
        .map(str::to_owned)
        .unwrap_or_else(|| "latest".to_owned());
    model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?
        .settings
        .values
        .insert("TargetMinorVersion".to_owned(), target.clone());
    model
        .transform_instance(
            id,
            "MinorVersionUpgrading",
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    let task_id = latest_task(model, id);
    request.answer(json!({ "DBInstanceName": id, "TargetMinorVersion": target, "TaskId": task_id }))
}

pub(crate) fn migrate_to_other_zone(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running_id(model, request)?;
    let zone = request.required("ZoneId")?;
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    if instance.zone_id == zone {
        return Err(request.refuse(Refusal::new(
            refusal::SAME_ZONE,
            format!("The instance is in {zone} already."),
        )));
    }
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    instance.zone_id = zone.to_owned();
    if let Some(vswitch) = request.optional("VSwitchId") {
        instance.vswitch_id = vswitch.to_owned();
    }
    model
        .transform_instance(
            id,
            "DBInstanceNetTypeChanging",
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({ "DBInstanceId": id, "OrderId": 0 }))
}

pub(crate) fn switch_db_instance_ha(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running_id(model, request)?;
    request.required("NodeId")?;
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    if instance.category == "Basic" {
        return Err(request.refuse(Refusal::new(
            refusal::INCORRECT_TYPE,
            "A Basic Edition instance has one node: there is nothing to switch over to.",
        )));
    }
    model
        .transform_instance(id, "HASwitching", request.action(), request.now_millis())
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

/// The ID of the latest task of an instance.
fn latest_task(model: &Model, id: &str) -> String {
    model
        .journal
        .tasks()
        .rev()
        .find(|task| task.instance_id == id)
        .map(|task| task.id.clone())
        .unwrap_or_default()
}
