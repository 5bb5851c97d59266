//! The parameter operations: an instance's parameters
//! (`DescribeParameters`, `ModifyParameter`, `DescribeModifyParameterLog`),
//! each engine's parameters and defaults (`DescribeParameterTemplates`),
//! and the account's parameter groups (`CreateParameterGroup`,
//! `ModifyParameterGroup`, `DeleteParameterGroup`, `CloneParameterGroup`,
//! `DescribeParameterGroups`, `DescribeParameterGroup`).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::paging::PagingRules;
use super::{OperationOutput, OperationRequest};
use crate::clock::{format_timestamp, parse_filter_time};
use crate::error::ApiError;
use crate::model::engines::{engine, EngineInfo};
use crate::model::parameters::{check_group_name, parse_values, ParameterGroup};
use crate::model::refusal::{self, Refusal};
use crate::model::Model;

pub(crate) fn describe_parameters(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    let engine = instance.engine_info();
    let running: Vec<Value> = engine
        .parameters
        .iter()
        .map(|spec| {
            json!({
                "ParameterName": spec.name,
                "ParameterValue": instance.parameters.value(engine, spec.name).unwrap_or_default(),
                "ParameterDefaultValue": spec.default,
                "ParameterValueRange": spec.checking_code,
                "ParameterDescription": spec.description,
            })
        })
        .collect();
    let configured: Vec<Value> = instance
        .parameters
        .awaiting_restart
        .iter()
        .map(|(name, value)| {
            let description = engine
                .parameter(name)
                .map(|spec| spec.description)
                .unwrap_or_default();
            json!({
                "ParameterName": name,
                "ParameterValue": value,
                "ParameterDescription": description,
            })
        })
        .collect();
    let group = instance
        .parameters
        .group_id
        .as_deref()
        .and_then(|group_id| model.parameter_groups.find(group_id).ok());
    request.answer(json!({
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version,
        "ConfigParameters": { "DBInstanceParameter": configured },
        "RunningParameters": { "DBInstanceParameter": running },
        "ParamGroupInfo": {
            "ParamGroupId": group.map(|group| group.id.clone()).unwrap_or_default(),
            "ParameterGroupName": group.map(|group| group.name.clone()).unwrap_or_default(),
            "ParameterGroupDesc": group.map(|group| group.description.clone()).unwrap_or_default(),
            "ParameterGroupType": if group.is_some() { "1" } else { "" },
        },
    }))
}

pub(crate) fn modify_parameter(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    let engine = instance.engine_info();
    let (values, group_id) = match (
        request.optional("Parameters"),
        request.optional("ParameterGroupId"),
    ) {
        (Some(json), _) => (
            parse_values(engine, json).map_err(|refusal| request.refuse(refusal))?,
            None,
        ),
        (None, Some(group_id)) => {
            let group = model
                .parameter_groups
                .find(group_id)
                .map_err(|refusal| request.refuse(refusal))?;
            if !group.engine.eq_ignore_ascii_case(&instance.engine)
                || group.engine_version != instance.engine_version
            {
                return Err(request.refuse(Refusal::new(
                    refusal::PARAMETER_GROUP_MISMATCH,
                    format!(
                        "Parameter group {group_id} is for {} {}; the instance runs {} {}.",
                        group.engine,
                        group.engine_version,
                        instance.engine,
                        instance.engine_version
                    ),
                )));
            }
            let values: Vec<(String, String)> = group.values.clone().into_iter().collect();
            (values, Some(group_id))
        }
        (None, None) => return Err(ApiError::missing_parameter("Parameters")),
    };
    let force = request.optional_bool("Forcerestart")?.unwrap_or(false);
    model
        .modify_parameters(
            id,
            &values,
            group_id,
            force,
            request.action(),
            request.now_millis(),
        )
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({}))
}

/// The engine a template or group request names.
fn requested_engine(request: &OperationRequest<'_>) -> Result<&'static EngineInfo, ApiError> {
    let name = request.required("Engine")?;
    let engine = engine(name).ok_or_else(|| {
        request.refuse(Refusal::new(
            refusal::ENGINE_UNKNOWN,
            format!("Engine is MySQL, PostgreSQL, SQLServer (mssql) or MariaDB, not {name}."),
        ))
    })?;
    let version = request.required("EngineVersion")?;
    if !engine.versions.contains(&version) {
        return Err(request.refuse(Refusal::new(
            refusal::ENGINE_VERSION_UNKNOWN,
            format!(
                "EngineVersion of {} is one of {}.",
                engine.name,
                engine.versions.join(", ")
            ),
        )));
    }
    Ok(engine)
}

pub(crate) fn describe_parameter_templates(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    if let Some(id) = request.optional("DBInstanceId") {
        model.find(id).map_err(|refusal| request.refuse(refusal))?;
    }
    let engine = requested_engine(request)?;
    let records: Vec<Value> = engine
        .parameters
        .iter()
        .map(|spec| {
            json!({
                "ParameterName": spec.name,
                "ParameterValue": spec.default,
                "CheckingCode": spec.checking_code,
                "ForceRestart": spec.force_restart.to_string(),
                "ForceModify": "true",
                "ParameterDescription": spec.description,
            })
        })
        .collect();
    request.answer(json!({
        "Engine": request.required("Engine")?,
        "EngineVersion": request.required("EngineVersion")?,
        "ParameterCount": records.len().to_string(),
        "Parameters": { "TemplateRecord": records },
    }))
}

/// Change logs page 30, 50 or 100 entries a page.
const LOG_PAGING: PagingRules = PagingRules {
    default_size: 30,
    sizes: 1..=100,
    zero_is_first_page: false,
};

/// A required time filter.
fn time_filter(request: &OperationRequest<'_>, name: &str) -> Result<i64, ApiError> {
    parse_filter_time(request.required(name)?).ok_or_else(|| {
        ApiError::invalid_parameter(
            name,
            &format!("{name} is UTC in the form yyyy-MM-ddTHH:mmZ."),
        )
    })
}

pub(crate) fn describe_modify_parameter_log(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    let start = time_filter(request, "StartTime")?;
    let end = time_filter(request, "EndTime")?;
    let page = LOG_PAGING.read(request)?;
    let changes: Vec<Value> = instance
        .parameters
        .log
        .iter()
        .filter(|change| change.time >= start && change.time <= end)
        .map(|change| {
            json!({
                "ParameterName": change.name,
                "OldParameterValue": change.old_value,
                "NewParameterValue": change.new_value,
                "ModifyTime": (change.time * 1000).to_string(),
                "Status": change.status,
            })
        })
        .collect();
    let on_page = page.slice(&changes);
    request.answer(json!({
        "DBInstanceId": id,
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version,
        "Items": { "ParameterChangeLog": on_page },
        "PageNumber": page.number,
        "PageRecordCount": on_page.len(),
        "TotalRecordCount": changes.len(),
    }))
}

/// A parameter group as the group operations answer it.
fn group_fields(group: &ParameterGroup, detail: bool) -> Value {
    let force_restart = engine(&group.engine).is_some_and(|engine| group.force_restart(engine));
    let mut fields = json!({
        "ParameterGroupId": group.id,
        "ParameterGroupName": group.name,
        "ParameterGroupDesc": group.description,
        "Engine": group.engine,
        "EngineVersion": group.engine_version,
        "ParameterGroupType": 1,
        "ForceRestart": i32::from(force_restart),
        "ParamCounts": group.values.len(),
        "CreateTime": format_timestamp(group.created),
        "UpdateTime": format_timestamp(group.updated),
    });
    if detail {
        fields["ParamDetail"] = json!({
            "ParameterDetail": group
                .values
                .iter()
                .map(|(name, value)| json!({ "ParamName": name, "ParamValue": value }))
                .collect::<Vec<_>>()
        });
    }
    fields
}

pub(crate) fn create_parameter_group(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let name = request.required("ParameterGroupName")?;
    let description = request.optional("ParameterGroupDesc").unwrap_or_default();
    check_group_name(name, description).map_err(|refusal| request.refuse(refusal))?;
    let engine = requested_engine(request)?;
    let values = parse_values(engine, request.required("Parameters")?)
        .map_err(|refusal| request.refuse(refusal))?;
    let now = request.now_millis() / 1000;
    let id = format!("rpg-{}", model.ids.token(14));
    model.parameter_groups.add(ParameterGroup {
        id: id.clone(),
        name: name.to_owned(),
        description: description.to_owned(),
        engine: request.required("Engine")?.to_owned(),
        engine_version: request.required("EngineVersion")?.to_owned(),
        region_id: region_id.to_owned(),
        values: values.into_iter().collect(),
        created: now,
        updated: now,
    });
    request.answer(json!({ "ParameterGroupId": id }))
}

pub(crate) fn modify_parameter_group(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("ParameterGroupId")?;
    let group = model
        .parameter_groups
        .find(id)
        .map_err(|refusal| request.refuse(refusal))?
        .clone();
    let name = request
        .optional("ParameterGroupName")
        .unwrap_or(&group.name);
    let description = request
        .optional("ParameterGroupDesc")
        .unwrap_or(&group.description);
    check_group_name(name, description).map_err(|refusal| request.refuse(refusal))?;
    let mut values = group.values.clone();
    if let Some(json) = request.optional("Parameters") {
        let engine = engine(&group.engine).ok_or_else(|| {
            request.refuse(Refusal::new(
                refusal::ENGINE_UNKNOWN,
                "The group's engine is unknown.",
            ))
        })?;
        let new = parse_values(engine, json).map_err(|refusal| request.refuse(refusal))?;
        match request.optional("ModifyMode") {
            Some(mode) if mode.eq_ignore_ascii_case("Individual") => {
                values = new.into_iter().collect::<BTreeMap<_, _>>()
            }
            None => values.extend(new),
            Some(mode) if mode.eq_ignore_ascii_case("Collectivity") => values.extend(new),
            Some(_) => {
                return Err(ApiError::invalid_parameter(
                    "ModifyMode",
                    "ModifyMode is Collectivity or Individual.",
                ))
            }
        }
    }
    let now = request.now_millis() / 1000;
    let group = model
        .parameter_groups
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    group.name = name.to_owned();
    group.description = description.to_owned();
    group.values = values;
    group.updated = now;
    request.answer(json!({ "ParameterGroupId": id }))
}

pub(crate) fn delete_parameter_group(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("ParameterGroupId")?;
    model
        .parameter_groups
        .remove(id)
        .map_err(|refusal| request.refuse(refusal))?;
    request.answer(json!({ "ParameterGroupId": id }))
}

pub(crate) fn clone_parameter_group(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let source = request.required("ParameterGroupId")?;
    let mut group = model
        .parameter_groups
        .find(source)
        .map_err(|refusal| request.refuse(refusal))?
        .clone();
    let name = request.required("ParameterGroupName")?;
    let description = request
        .optional("ParameterGroupDesc")
        .unwrap_or(&group.description)
        .to_owned();
    check_group_name(name, &description).map_err(|refusal| request.refuse(refusal))?;
    let now = request.now_millis() / 1000;
    group.id = format!("rpg-{}", model.ids.token(14));
    group.name = name.to_owned();
    group.description = description;
    group.region_id = request.required("TargetRegionId")?.to_owned();
    group.created = now;
    group.updated = now;
    model.parameter_groups.add(group);
    request.answer(json!({}))
}

pub(crate) fn describe_parameter_groups(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let region_id = request.required("RegionId")?;
    let groups: Vec<Value> = model
        .parameter_groups
        .iter()
        .filter(|group| group.region_id == region_id)
        .map(|group| group_fields(group, false))
        .collect();
    request.answer(json!({
        "ParameterGroups": { "ParameterGroup": groups },
        "SignalForOptimizeParams": false,
    }))
}

pub(crate) fn describe_parameter_group(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = request.required("ParameterGroupId")?;
    let group = model
        .parameter_groups
        .find(id)
        .map_err(|refusal| request.refuse(refusal))?;
    let related: Vec<Value> = model
        .instances
        .iter()
        .filter(|instance| instance.parameters.group_id.as_deref() == Some(id))
        .map(|instance| json!({ "DBInstanceName": instance.id, "AppliedTime": "" }))
        .collect();
    request.answer(json!({
        "ParamGroup": { "ParameterGroup": [group_fields(group, true)] },
        "RelatedCustinsInfo": { "RelatedCustinsInfo": related },
    }))
}
