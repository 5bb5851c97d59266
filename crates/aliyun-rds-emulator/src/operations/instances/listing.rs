//! Listing instances in other shapes: `CheckInstanceExist`,
//! `DescribeDBInstancesAsCsv` (every attribute of the region's instances)
//! and `DescribeDBInstancesByExpireTime` (subscriptions by expiry).

use serde_json::{json, Value};

use super::super::paging::PagingRules;
use super::super::{OperationOutput, OperationRequest};
use super::describe_db_instances::tag_filter;
use super::{instance_fields, internal_endpoint};
use crate::clock::format_timestamp;
use crate::error::ApiError;
use crate::model::Model;

pub(crate) fn check_instance_exist(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    request.existing_instance_id(model, "DBInstanceId")?;
    request.answer(json!({ "IsExistInstance": true }))
}

pub(crate) fn describe_db_instances_as_csv(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let wanted = request.optional("DBInstanceId");
    if let Some(id) = wanted {
        model.find(id).map_err(|refusal| request.refuse(refusal))?;
    }
    let rows: Vec<Value> = model
        .instances
        .iter()
        .filter(|instance| match wanted {
            Some(id) => instance.id == id,
            None => instance.region_id == region_id,
        })
        .map(|instance| {
            let mut fields = instance_fields(model, instance);
            let (_, port, _) = internal_endpoint(model, instance);
            fields["Port"] = Value::from(port.to_string());
            fields["CreationTime"] = Value::from(format_timestamp(instance.created));
            fields["DBInstanceStorage"] = Value::from(instance.storage_gb);
            fields["MaintainTime"] = Value::from(instance.settings.maintain_time.clone());
            fields["SecurityIPList"] = Value::from(instance.whitelist.all_entries());
            fields["Tags"] = Value::from(
                instance
                    .tags
                    .iter()
                    .map(|(key, value)| format!("{key}:{value}"))
                    .collect::<Vec<_>>()
                    .join(","),
            );
            fields["ExportKey"] = Value::from(request.optional("ExportKey").unwrap_or_default());
            fields
        })
        .collect();
    request.answer(json!({ "Items": { "DBInstanceAttribute": rows } }))
}

const EXPIRY_PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: true,
};

pub(crate) fn describe_db_instances_by_expire_time(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.optional("RegionId");
    let page = EXPIRY_PAGING.read(request)?;
    let now = request.now_millis() / 1000;
    let within_days = request.optional_integer("ExpirePeriod")?;
    let expired = request.optional_bool("Expired")?;
    let tags = tag_filter(request)?;
    let mut matching: Vec<(i64, Value)> = model
        .instances
        .iter()
        .filter(|instance| region_id.is_none_or(|region| region == instance.region_id))
        .filter(|instance| instance.tags.matches(&tags))
        .filter_map(|instance| instance.expires.map(|expires| (instance, expires)))
        .filter(|(_, expires)| expired.is_none_or(|expired| (*expires <= now) == expired))
        .filter(|(_, expires)| within_days.is_none_or(|days| *expires <= now + days * 24 * 3600))
        .map(|(instance, expires)| {
            (
                expires,
                json!({
                    "DBInstanceId": instance.id,
                    "DBInstanceDescription": instance.description,
                    "DBInstanceStatus": instance.status,
                    "ExpireTime": format_timestamp(expires),
                    "LockMode": instance.lock_mode(),
                    "PayType": instance.pay_type,
                }),
            )
        })
        .collect();
    matching.sort_by_key(|(expires, _)| *expires);
    let entries: Vec<Value> = matching.into_iter().map(|(_, entry)| entry).collect();
    let on_page = page.slice(&entries);
    request.answer(json!({
        "Items": { "DBInstanceExpireTime": on_page },
        "PageNumber": page.number,
        "PageRecordCount": on_page.len(),
        "TotalRecordCount": entries.len(),
    }))
}
