//! `DescribeDBInstances`: the instances of a region, filtered and paged, in
//! fixture order, as `Items.DBInstance[]`.
//!
//! Supported filters, each an exact match when given: `DBInstanceId` (one ID
//! or several separated by commas), `Engine` and `InstanceNetworkType` (any
//! case), `DBInstanceStatus`, `EngineVersion`, `DBInstanceClass`,
//! `DBInstanceType`, `ZoneId`, `VpcId`, `VSwitchId`, `PayType`, `Category`,
//! `ConnectionString`; and `SearchKey`, a part of an instance ID or
//! description. Other parameters are accepted and ignored. It pages by
//! `PageNumber` / `PageSize`, or, when `NextToken` or `MaxResults` is given
//! (which then take precedence, as documented), by token: the answer's
//! `NextToken` is empty on the last page. Each instance on the page is
//! polled once (see `PendingStatus` in the fixture format).

use serde_json::{json, Map, Value};

use super::paging::{PagingRules, TokenPage};
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::fixture::{InstanceAttributes, InstanceSnapshot};
use crate::state::AccountState;

/// Documented: 1 to 100 entries a page, 30 by default; page 0 reads as 1.
const PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: true,
};

pub(crate) fn handle(
    state: &mut AccountState,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let region_id = request.required("RegionId")?;
    let token_page = TokenPage::read(request)?;
    let page = PAGING.read(request)?;
    let wanted_ids: Option<Vec<&str>> = request.optional("DBInstanceId").map(|ids| {
        ids.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .collect()
    });
    let exact =
        |name: &str, value: &str| request.optional(name).is_none_or(|wanted| wanted == value);
    let any_case = |name: &str, value: &str| {
        request
            .optional(name)
            .is_none_or(|wanted| wanted.eq_ignore_ascii_case(value))
    };
    let search_key = request.optional("SearchKey");

    let matching: Vec<String> = state
        .instances_with_attributes()
        .filter(|(instance, attributes)| {
            attributes.region_id == region_id
                && wanted_ids
                    .as_ref()
                    .is_none_or(|ids| ids.contains(&instance.name.as_str()))
                && any_case("Engine", &instance.engine)
                && exact("DBInstanceStatus", &instance.status)
                && exact(
                    "EngineVersion",
                    instance.engine_version.as_deref().unwrap_or_default(),
                )
                && exact("DBInstanceClass", &attributes.class)
                && exact("DBInstanceType", &attributes.instance_type)
                && exact("ZoneId", &attributes.zone_id)
                && any_case("InstanceNetworkType", &attributes.network_type)
                && exact("VpcId", &attributes.vpc_id)
                && exact("VSwitchId", &attributes.vswitch_id)
                && exact("PayType", &attributes.pay_type)
                && exact("Category", &attributes.category)
                && exact("ConnectionString", &attributes.connection_string)
                && search_key.is_none_or(|key| {
                    instance.name.contains(key) || attributes.description.contains(key)
                })
        })
        .map(|(instance, _)| instance.name.clone())
        .collect();
    let total = matching.len();
    let (on_page, next_token) = match token_page {
        Some(token_page) => {
            let (on_page, next) = token_page.slice(&matching);
            (on_page, Some(next))
        }
        None => (page.slice(&matching), None),
    };
    // Only the instances on the page are reported, so only they are polled.
    for name in on_page {
        state.poll_instance_status(name);
    }
    let on_page: Vec<Value> = on_page
        .iter()
        .filter_map(|name| state.instance(name).zip(state.attributes(name)))
        .map(|(instance, attributes)| {
            let mut fields = instance_fields(instance, attributes);
            fields.insert(
                "CreateTime".into(),
                Value::from(attributes.creation_time.clone()),
            );
            Value::Object(fields)
        })
        .collect();

    let mut output = OperationOutput::new();
    output.insert("PageNumber".into(), Value::from(page.number));
    output.insert("PageRecordCount".into(), Value::from(on_page.len()));
    output.insert("TotalRecordCount".into(), Value::from(total));
    output.insert("Items".into(), json!({ "DBInstance": on_page }));
    if let Some(next_token) = next_token {
        output.insert("NextToken".into(), Value::from(next_token));
    }
    Ok(output)
}

/// The fields `DescribeDBInstances` and `DescribeDBInstanceAttribute` both
/// answer for an instance.
pub(super) fn instance_fields(
    instance: &InstanceSnapshot,
    attributes: &InstanceAttributes,
) -> Map<String, Value> {
    let locked = instance.status == "Locked";
    let fields = json!({
        "DBInstanceId": instance.name,
        "DBInstanceDescription": attributes.description,
        "DBInstanceStatus": instance.status,
        "DBInstanceType": attributes.instance_type,
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version.clone().unwrap_or_default(),
        "DBInstanceClass": attributes.class,
        "Category": attributes.category,
        "RegionId": attributes.region_id,
        "ZoneId": attributes.zone_id,
        "InstanceNetworkType": attributes.network_type,
        "DBInstanceNetType": "Intranet",
        "VpcId": attributes.vpc_id,
        "VSwitchId": attributes.vswitch_id,
        "ConnectionString": attributes.connection_string,
        "ConnectionMode": "Standard",
        "PayType": attributes.pay_type,
        "LockMode": if locked { "ManualLock" } else { "Unlock" },
        "LockReason": "",
        "DeletionProtection": false,
    });
    match fields {
        Value::Object(fields) => fields,
        _ => Map::new(),
    }
}
