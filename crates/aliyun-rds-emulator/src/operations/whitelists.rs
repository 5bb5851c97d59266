//! The whitelist operations: an instance's IP arrays (`ModifySecurityIps`,
//! `DescribeDBInstanceIPArrayList`, `MigrateSecurityIPMode`), its ECS
//! security groups (`ModifySecurityGroupConfiguration`,
//! `DescribeSecurityGroupConfiguration`), and the account's whitelist
//! templates (`ModifyWhitelistTemplate`, `DescribeAllWhitelistTemplate`,
//! `DescribeWhitelistTemplate`, `AttachWhitelistTemplateToInstance`,
//! `DetachWhitelistTemplateToInstance`,
//! `DescribeInstanceLinkedWhitelistTemplate`,
//! `DescribeWhitelistTemplateLinkedInstance`).

use serde_json::{json, Value};

use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::lifecycle::require_running;
use crate::model::refusal::{self, Refusal};
use crate::model::whitelists::{parse_entries, ModifyMode, Template, DEFAULT_GROUP};
use crate::model::Model;

pub(crate) fn modify_security_ips(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    let mode = match request.optional("ModifyMode") {
        None => ModifyMode::Cover,
        Some(mode) if mode.eq_ignore_ascii_case("Cover") => ModifyMode::Cover,
        Some(mode) if mode.eq_ignore_ascii_case("Append") => ModifyMode::Append,
        Some(mode) if mode.eq_ignore_ascii_case("Delete") => ModifyMode::Delete,
        Some(_) => {
            return Err(ApiError::invalid_parameter(
                "ModifyMode",
                "ModifyMode is Cover, Append or Delete.",
            ))
        }
    };
    let entries = parse_entries(request.required("SecurityIps")?)
        .map_err(|refusal| request.refuse(refusal))?;
    let group = request
        .optional("DBInstanceIPArrayName")
        .unwrap_or(DEFAULT_GROUP);
    let network_type = request.optional("WhitelistNetworkType");
    if let Some(network_type) = network_type {
        if !["Classic", "VPC", "MIX"].contains(&network_type) {
            return Err(request.refuse(Refusal::new(
                refusal::WHITELIST_NETWORK_TYPE_INVALID,
                "WhitelistNetworkType is Classic, VPC or MIX.",
            )));
        }
    }
    model
        .modify_security_ips(
            id,
            group,
            &entries,
            mode,
            request.optional("DBInstanceIPArrayAttribute"),
            network_type,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    let task_id = model.new_task_id();
    request.answer(json!({ "TaskId": task_id }))
}

pub(crate) fn describe_db_instance_ip_array_list(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    let network_type = request.optional("WhitelistNetworkType");
    let groups: Vec<Value> = instance
        .whitelist
        .groups
        .iter()
        .filter(|group| network_type.is_none_or(|wanted| wanted == group.network_type))
        .map(|group| {
            json!({
                "DBInstanceIPArrayName": group.name,
                "DBInstanceIPArrayAttribute": group.attribute,
                "SecurityIPType": group.ip_type,
                "SecurityIPList": group.entries.join(","),
                "WhitelistNetworkType": group.network_type,
            })
        })
        .collect();
    request.answer(json!({ "Items": { "DBInstanceIPArray": groups } }))
}

pub(crate) fn migrate_security_ip_mode(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("DBInstanceId")?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    instance.whitelist.mode = "safety".to_owned();
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({ "DBInstanceId": id, "SecurityIPMode": "safety" }))
}

/// The `EcsSecurityGroupRelation` entries of an instance.
fn security_groups(model: &Model, id: &str) -> Vec<Value> {
    model
        .instances
        .get(id)
        .map(|instance| {
            instance
                .whitelist
                .security_groups
                .iter()
                .map(|group| {
                    json!({
                        "SecurityGroupId": group,
                        "SecurityGroupName": "",
                        "RegionId": instance.region_id,
                        "NetworkType": instance.network_type,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn modify_security_group_configuration(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("DBInstanceId")?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    let groups: Vec<String> = request
        .required("SecurityGroupId")?
        .split(',')
        .map(str::trim)
        .filter(|group| !group.is_empty())
        .map(str::to_owned)
        .collect();
    if groups.len() > 10 {
        return Err(ApiError::invalid_parameter(
            "SecurityGroupId",
            "An instance is bound to at most 10 security groups.",
        ));
    }
    instance.whitelist.security_groups = groups;
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({
        "DBInstanceName": id,
        "Items": { "EcsSecurityGroupRelation": security_groups(model, id) },
    }))
}

pub(crate) fn describe_security_group_configuration(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.existing_instance_id(model, "DBInstanceId")?;
    request.answer(json!({
        "DBInstanceName": id,
        "Items": { "EcsSecurityGroupRelation": security_groups(model, id) },
    }))
}

/// A template as the template operations answer it.
fn template_fields(template: &Template) -> Value {
    json!({
        "Id": template.id,
        "TemplateId": template.template_id,
        "TemplateName": template.name,
        "Ips": template.entries.join(","),
        "UserId": 0,
    })
}

/// The envelope the template operations answer in.
fn envelope(data: Value) -> Value {
    json!({
        "Code": "200",
        "HttpStatusCode": 200,
        "Message": "success",
        "Success": true,
        "Data": data,
    })
}

/// `TemplateId`, an integer.
fn template_id(request: &OperationRequest<'_>) -> Result<i64, ApiError> {
    request
        .optional_integer("TemplateId")?
        .ok_or_else(|| ApiError::missing_parameter("TemplateId"))
}

pub(crate) fn modify_whitelist_template(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let entries = parse_entries(request.required("IpWhitelist")?)
        .map_err(|refusal| request.refuse(refusal))?;
    // No TemplateId (or 0) creates a template.
    let template_id = request
        .optional_integer("TemplateId")?
        .filter(|id| *id != 0);
    let name = request.optional("TemplateName");
    if let Some(name) = name {
        let valid = (2..=32).contains(&name.chars().count())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(ApiError::invalid_parameter(
                "TemplateName",
                "A template name has 2 to 32 letters, digits, underscores and hyphens.",
            ));
        }
    }
    model
        .upsert_template(template_id, name, entries)
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(envelope(json!({ "Status": "ok" })))
}

pub(crate) fn describe_all_whitelist_template(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let per_page = request
        .optional_integer("MaxRecordsPerPage")?
        .unwrap_or(10)
        .clamp(1, 100);
    let page = request.optional_integer("PageNumbers")?.unwrap_or(1).max(1);
    let name = request.optional("TemplateName");
    let fuzzy = request.optional_bool("FuzzySearch")?.unwrap_or(false);
    let matching: Vec<Value> = model
        .whitelist_templates
        .iter()
        .filter(|template| {
            name.is_none_or(|name| {
                if fuzzy {
                    template.name.contains(name)
                } else {
                    template.name == name
                }
            })
        })
        .map(template_fields)
        .collect();
    let total = i64::try_from(matching.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page - 1).saturating_mul(per_page)).unwrap_or(usize::MAX);
    let on_page: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(usize::try_from(per_page).unwrap_or(10))
        .collect();
    let pages = (total + per_page - 1) / per_page;
    request.answer(envelope(json!({
        "CurrPageNumbers": page,
        "HasNext": page < pages,
        "HasPrev": page > 1,
        "MaxRecordsPerPage": per_page,
        "TotalPageNumbers": pages,
        "TotalRecords": total,
        "Templates": on_page,
    })))
}

pub(crate) fn describe_whitelist_template(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let template = model
        .whitelist_templates
        .find(template_id(request)?)
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(envelope(json!({ "Template": template_fields(template) })))
}

fn link(
    model: &mut Model,
    request: &OperationRequest<'_>,
    attach: bool,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let template_id = template_id(request)?;
    let id = request.required("InsName")?;
    model.find(id).map_err(|refusal| {
        request.refuse(Refusal::new(refusal::INSTANCE_NAME_NOT_FOUND, refusal.hint))
    })?;
    model
        .link_template(
            id,
            template_id,
            attach,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(envelope(json!({ "Status": "ok" })))
}

pub(crate) fn attach_whitelist_template_to_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    link(model, request, true)
}

pub(crate) fn detach_whitelist_template_to_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    link(model, request, false)
}

pub(crate) fn describe_instance_linked_whitelist_template(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("InsName")?;
    let instance = model.find(id).map_err(|refusal| {
        request.refuse(Refusal::new(refusal::INSTANCE_NAME_NOT_FOUND, refusal.hint))
    })?;
    let templates: Vec<Value> = instance
        .whitelist
        .templates
        .iter()
        .filter_map(|template_id| model.whitelist_templates.find(*template_id).ok())
        .map(template_fields)
        .collect();
    request.answer(envelope(json!({ "InsName": id, "Templates": templates })))
}

pub(crate) fn describe_whitelist_template_linked_instance(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let template_id = template_id(request)?;
    model
        .whitelist_templates
        .find(template_id)
        .map_err(|refusal| request.refuse(refusal))?;
    let instances: Vec<&str> = model
        .instances
        .iter()
        .filter(|instance| instance.whitelist.templates.contains(&template_id))
        .map(|instance| instance.id.as_str())
        .collect();
    request.answer(envelope(
        json!({ "TemplateId": template_id, "InsName": instances }),
    ))
}
