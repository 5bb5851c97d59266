//! The tag operations, both families: `TagResources`, `UntagResources`,
//! `ListTagResources`, and the older `AddTagsToResource`,
//! `RemoveTagsFromResource`, `DescribeTags`, `DescribeDBInstanceByTags`.
//! `DescribeDBInstances` filters by tag too (its `Tags` parameter). The
//! rules are the model's (see `model::tags`).
//!
//! `ListTagResources` answers every tag of each instance it selects: the
//! instances named by `ResourceId.N`, of those (or of the region) the ones
//! that carry every `Tag.N` pair given; 50 entries a page, continued by
//! `NextToken`.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::paging::PagingRules;
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::refusal::{self, Refusal};
use crate::model::Model;

/// The `Tag.N.Key` / `Tag.N.Value` (or `Tag.N.key` / `Tag.N.value`) pairs
/// of a request.
fn tag_pairs(request: &OperationRequest<'_>) -> Vec<(String, String)> {
    request
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
        .collect()
}

/// `Tags`, a JSON object of keys and values.
fn json_tags(request: &OperationRequest<'_>) -> Result<Vec<(String, String)>, ApiError> {
    super::instances::describe_db_instances::tag_filter(request)
}

/// `ResourceType` must be `INSTANCE` (any case) when given.
fn check_resource_type(request: &OperationRequest<'_>) -> Result<(), ApiError> {
    match request.optional("ResourceType") {
        Some(kind) if !kind.eq_ignore_ascii_case("INSTANCE") => Err(request.refuse(Refusal::new(
            refusal::RESOURCE_TYPE_INVALID,
            "ResourceType is INSTANCE.",
        ))),
        _ => Ok(()),
    }
}

/// `ResourceId.N`, which must name 1 to 50 instances.
fn resource_ids<'a>(request: &OperationRequest<'a>) -> Result<Vec<&'a str>, ApiError> {
    let ids = request.list("ResourceId");
    if ids.is_empty() {
        return Err(ApiError::missing_parameter("ResourceId.1"));
    }
    if ids.len() > 50 {
        return Err(ApiError::invalid_parameter(
            "ResourceId",
            "Name at most 50 instances.",
        ));
    }
    Ok(ids)
}

pub(crate) fn tag_resources(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    check_resource_type(request)?;
    let ids = resource_ids(request)?;
    let tags = tag_pairs(request);
    model
        .add_tags(
            &ids,
            refusal::RESOURCE_NOT_FOUND,
            &tags,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn untag_resources(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    check_resource_type(request)?;
    let ids = resource_ids(request)?;
    let keys: Vec<String> = request
        .list("TagKey")
        .into_iter()
        .map(str::to_owned)
        .collect();
    let all = request.optional_bool("All")?.unwrap_or(false);
    model
        .change_tags(
            &ids,
            refusal::RESOURCE_NOT_FOUND,
            |tags| {
                if keys.is_empty() && all {
                    tags.clear();
                } else {
                    tags.remove(&keys);
                }
            },
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

/// 50 tag entries a page.
const LIST_PAGE: usize = 50;
/// What a `ListTagResources` token starts with; the offset follows.
const TOKEN_PREFIX: &str = "emulator-tags-";

pub(crate) fn list_tag_resources(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    check_resource_type(request)?;
    let region_id = request.required("RegionId")?;
    let ids = request.list("ResourceId");
    let wanted = tag_pairs(request);
    if ids.is_empty() && wanted.is_empty() {
        return Err(request.refuse(Refusal::new(
            refusal::TAGS_AND_RESOURCES_EMPTY,
            "Name instances (ResourceId.N), tags (Tag.N.Key), or both.",
        )));
    }
    let offset = match request.optional("NextToken") {
        None => 0,
        Some(token) => token
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::invalid_parameter(
                    "NextToken",
                    "Send back the NextToken of the previous answer.",
                )
            })?,
    };
    let entries: Vec<Value> = model
        .instances
        .iter()
        .filter(|instance| {
            if ids.is_empty() {
                instance.region_id == region_id
            } else {
                ids.contains(&instance.id.as_str())
            }
        })
        .filter(|instance| instance.tags.matches(&wanted))
        .flat_map(|instance| {
            instance.tags.iter().map(|(key, value)| {
                json!({
                    "ResourceId": instance.id,
                    "ResourceType": "ALIYUN::RDS::INSTANCE",
                    "TagKey": key,
                    "TagValue": value,
                })
            })
        })
        .collect();
    let end = offset.saturating_add(LIST_PAGE).min(entries.len());
    let page = entries
        .get(offset.min(end)..end)
        .unwrap_or_default()
        .to_vec();
    let next = if end < entries.len() {
        format!("{TOKEN_PREFIX}{end}")
    } else {
        String::new()
    };
    request.answer(json!({
        "NextToken": next,
        "TagResources": { "TagResource": page },
    }))
}

/// The tags of an old-family request: `Tags` (JSON) or `Tag.N.key`.
fn old_family_tags(request: &OperationRequest<'_>) -> Result<Vec<(String, String)>, ApiError> {
    let mut tags = json_tags(request)?;
    tags.extend(tag_pairs(request));
    Ok(tags)
}

/// `DBInstanceId`, one ID or up to 30 separated by commas.
fn instance_ids<'a>(request: &OperationRequest<'a>) -> Result<Vec<&'a str>, ApiError> {
    let ids: Vec<&str> = request
        .required("DBInstanceId")?
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    if ids.len() > 30 {
        return Err(ApiError::invalid_parameter(
            "DBInstanceId",
            "Name at most 30 instances.",
        ));
    }
    Ok(ids)
}

pub(crate) fn add_tags_to_resource(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let ids = instance_ids(request)?;
    for id in &ids {
        model.find(id).map_err(|refusal| request.refuse(refusal))?;
    }
    let tags = old_family_tags(request)?;
    if tags.is_empty() {
        return Err(ApiError::missing_parameter("Tags"));
    }
    model
        .add_tags(
            &ids,
            refusal::INSTANCE_NOT_FOUND,
            &tags,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn remove_tags_from_resource(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let ids = instance_ids(request)?;
    let tags = old_family_tags(request)?;
    model
        .change_tags(
            &ids,
            refusal::INSTANCE_NOT_FOUND,
            |instance_tags| instance_tags.remove_pairs(&tags),
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

pub(crate) fn describe_tags(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let instance_id = request.optional("DBInstanceId");
    if let Some(id) = instance_id {
        model.find(id).map_err(|refusal| request.refuse(refusal))?;
    }
    let wanted = json_tags(request)?;
    let mut grouped: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for instance in model.instances.iter() {
        let selected = match instance_id {
            Some(id) => instance.id == id,
            None => instance.region_id == region_id,
        };
        if !selected {
            continue;
        }
        for (key, value) in instance.tags.iter() {
            let matches = instance_id.is_some()
                || wanted.is_empty()
                || wanted.iter().any(|(wanted_key, wanted_value)| {
                    wanted_key == key && (wanted_value.is_empty() || wanted_value == value)
                });
            if matches {
                grouped
                    .entry((key.to_owned(), value.to_owned()))
                    .or_default()
                    .push(instance.id.clone());
            }
        }
    }
    let infos: Vec<Value> = grouped
        .into_iter()
        .map(|((key, value), ids)| {
            json!({
                "TagKey": key,
                "TagValue": value,
                "DBInstanceIds": { "DBInstanceIds": ids },
            })
        })
        .collect();
    request.answer(json!({ "Items": { "TagInfos": infos } }))
}

const BY_TAGS_PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: true,
};

pub(crate) fn describe_db_instance_by_tags(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let instance_id = request.optional("DBInstanceId");
    if let Some(id) = instance_id {
        model.find(id).map_err(|refusal| request.refuse(refusal))?;
    }
    let page = BY_TAGS_PAGING.read(request)?;
    let entries: Vec<Value> = model
        .instances
        .iter()
        .filter(|instance| match instance_id {
            Some(id) => instance.id == id,
            None => instance.region_id == region_id && !instance.tags.is_empty(),
        })
        .map(|instance| {
            let tags: Vec<Value> = instance
                .tags
                .iter()
                .map(|(key, value)| json!({ "TagKey": key, "TagValue": value }))
                .collect();
            json!({ "DBInstanceId": instance.id, "Tags": { "Tag": tags } })
        })
        .collect();
    let on_page = page.slice(&entries);
    request.answer(json!({
        "Items": { "DBInstanceTag": on_page },
        "PageNumber": page.number,
        "PageRecordCount": on_page.len(),
        "TotalRecordCount": entries.len(),
    }))
}
