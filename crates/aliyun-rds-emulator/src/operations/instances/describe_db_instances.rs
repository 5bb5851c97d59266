//! `DescribeDBInstances`: the instances of a region, filtered and paged, in
//! creation order, as `Items.DBInstance[]`.
//!
//! Supported filters, each an exact match when given: `DBInstanceId` (one ID
//! or several separated by commas; an ID no instance has is
//! `InvalidDBInstanceId.NotFound`), `Engine` and `InstanceNetworkType` (any
//! case), `DBInstanceStatus`, `EngineVersion`, `DBInstanceClass`,
//! `DBInstanceType`, `ZoneId`, `VpcId`, `VSwitchId`, `PayType`, `Category`,
//! `ConnectionString`, `ResourceGroupId`, `Tags` (a JSON object of tag keys
//! and values, every one of which the instance must carry; an empty value
//! matches any value) and `Expired` (`True` for expired subscriptions);
//! and `SearchKey`, a part of an instance ID or description. Other
//! parameters are accepted and ignored. It pages by `PageNumber` /
//! `PageSize`, or, when `NextToken` or `MaxResults` is given (which then
//! take precedence, as documented), by token: the answer's `NextToken` is
//! empty on the last page. Each instance on the page is polled once (see
//! the pace).

use serde_json::{json, Value};

use super::super::paging::{PagingRules, TokenPage};
use super::super::{OperationOutput, OperationRequest};
use super::instance_fields;
use crate::error::ApiError;
use crate::model::instances::Instance;
use crate::model::{instance_not_found, Model};

/// Documented: 1 to 100 entries a page, 30 by default; page 0 reads as 1.
const PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: true,
};

/// Reads `Tags`, a JSON object of keys and values.
pub(crate) fn tag_filter(
    request: &OperationRequest<'_>,
) -> Result<Vec<(String, String)>, ApiError> {
    let Some(text) = request.optional("Tags") else {
        return Ok(Vec::new());
    };
    let invalid = || {
        ApiError::invalid_parameter(
            "Tags",
            "Tags is a JSON object of tag keys and values, such as {\"team\":\"db\"}.",
        )
    };
    let object: serde_json::Map<String, Value> =
        serde_json::from_str(text).map_err(|_| invalid())?;
    object
        .into_iter()
        .map(|(key, value)| match value {
            Value::String(value) => Ok((key, value)),
            Value::Null => Ok((key, String::new())),
            _ => Err(invalid()),
        })
        .collect()
}

pub(crate) fn handle(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let token_page = TokenPage::read(request)?;
    let page = PAGING.read(request)?;
    let wanted_ids: Option<Vec<&str>> = request.optional("DBInstanceId").map(|ids| {
        ids.split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .collect()
    });
    if let Some(ids) = &wanted_ids {
        if !ids.is_empty() && !ids.iter().any(|id| model.instances.contains(id)) {
            return Err(request.refuse(instance_not_found(&ids.join(","))));
        }
    }
    let tags = tag_filter(request)?;
    let expired = request.optional_bool("Expired")?;
    let now = request.now_millis() / 1000;
    let exact =
        |name: &str, value: &str| request.optional(name).is_none_or(|wanted| wanted == value);
    let any_case = |name: &str, value: &str| {
        request
            .optional(name)
            .is_none_or(|wanted| wanted.eq_ignore_ascii_case(value))
    };
    let search_key = request.optional("SearchKey");
    let matches = |instance: &Instance| {
        instance.region_id == region_id
            && wanted_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&instance.id.as_str()))
            && any_case("Engine", &instance.engine)
            && exact("DBInstanceStatus", &instance.status)
            && exact("EngineVersion", &instance.engine_version)
            && exact("DBInstanceClass", &instance.class)
            && exact("DBInstanceType", &instance.instance_type)
            && exact("ZoneId", &instance.zone_id)
            && any_case("InstanceNetworkType", &instance.network_type)
            && exact("VpcId", &instance.vpc_id)
            && exact("VSwitchId", &instance.vswitch_id)
            && exact("PayType", &instance.pay_type)
            && exact("Category", &instance.category)
            && exact("ResourceGroupId", &instance.settings.resource_group_id)
            && request.optional("ConnectionString").is_none_or(|wanted| {
                instance
                    .endpoints
                    .connection_strings()
                    .any(|known| known == wanted)
            })
            && instance.tags.matches(&tags)
            && expired.is_none_or(|expired| instance.expires.is_some_and(|at| at <= now) == expired)
            && search_key
                .is_none_or(|key| instance.id.contains(key) || instance.description.contains(key))
    };
    let matching: Vec<String> = model
        .instances
        .iter()
        .filter(|instance| matches(instance))
        .map(|instance| instance.id.clone())
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
    for id in on_page {
        model.poll(id, request.now_millis());
    }
    let on_page: Vec<Value> = on_page
        .iter()
        .filter_map(|id| model.instances.get(id))
        .map(|instance| {
            let mut fields = instance_fields(model, instance);
            fields["CreateTime"] = Value::from(crate::clock::format_timestamp(instance.created));
            fields
        })
        .collect();
    let mut output = json!({
        "PageNumber": page.number,
        "PageRecordCount": on_page.len(),
        "TotalRecordCount": total,
        "Items": { "DBInstance": on_page },
    });
    if let Some(next_token) = next_token {
        output["NextToken"] = Value::from(next_token);
    }
    request.answer(output)
}
