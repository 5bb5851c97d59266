//! The endpoint operations: `DescribeDBInstanceNetInfo`,
//! `AllocateInstancePublicConnection`, `ReleaseInstancePublicConnection`,
//! `ModifyDBInstanceConnectionString`, `AllocateReadWriteSplittingConnection`
//! and `ReleaseReadWriteSplittingConnection`. The rules are the model's
//! (see `model::endpoints`).

use serde_json::{json, Value};

use super::instances::internal_endpoint;
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::endpoints::{check_prefix, connection_string, parse_port, Connection};
use crate::model::instances::Instance;
use crate::model::lifecycle::require_running;
use crate::model::refusal::{self, Refusal};
use crate::model::Model;

/// A running instance, to change its endpoints.
fn running<'a>(model: &Model, request: &OperationRequest<'a>) -> Result<&'a str, ApiError> {
    let (id, instance) = request.existing_instance(model, "DBInstanceId")?;
    require_running(instance).map_err(|refusal| request.refuse(refusal))?;
    Ok(id)
}

/// A new connection string from `ConnectionStringPrefix`, unused on the
/// account.
fn new_connection_string(
    model: &Model,
    request: &OperationRequest<'_>,
    instance: &Instance,
) -> Result<String, ApiError> {
    let prefix = request.required("ConnectionStringPrefix")?;
    check_prefix(prefix).map_err(|refusal| request.refuse(refusal))?;
    let connection_string = connection_string(prefix, instance.engine_info().domain_label);
    if model.connection_string_in_use(&connection_string) {
        return Err(request.refuse(Refusal::new(
            refusal::CONNECTION_EXISTS,
            format!("{connection_string} is in use; choose another prefix."),
        )));
    }
    Ok(connection_string)
}

/// A public IP address for a new public endpoint.
fn public_address(model: &mut Model) -> String {
    let bits = model.ids.next_u64();
    format!(
        "47.{}.{}.{}",
        96 + bits % 32,
        (bits >> 8) % 256,
        (bits >> 16) % 254 + 1
    )
}

pub(crate) fn allocate_instance_public_connection(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running(model, request)?;
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    if instance.endpoints.public.is_some() {
        return Err(request.refuse(Refusal::new(
            refusal::PUBLIC_CONNECTION_EXISTS,
            "The instance has a public endpoint already; release it first.",
        )));
    }
    let connection_string = new_connection_string(model, request, instance)?;
    let port = parse_port(request.required("Port")?, 1000..=5999)
        .map_err(|refusal| request.refuse(refusal))?;
    let ip_address = public_address(model);
    model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?
        .endpoints
        .public = Some(Connection {
        connection_string: connection_string.clone(),
        port,
        ip_address,
    });
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({ "ConnectionString": connection_string, "DbInstanceName": id }))
}

pub(crate) fn release_instance_public_connection(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running(model, request)?;
    let current = request.required("CurrentConnectionString")?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    match &instance.endpoints.public {
        Some(public) if public.connection_string == current => instance.endpoints.public = None,
        _ => return Err(request.refuse(crate::model::endpoints::not_found(current))),
    }
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn modify_db_instance_connection_string(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running(model, request)?;
    let current = request.required("CurrentConnectionString")?;
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    if !instance
        .endpoints
        .connection_strings()
        .any(|known| known == current)
    {
        return Err(request.refuse(crate::model::endpoints::not_found(current)));
    }
    let is_public = instance
        .endpoints
        .public
        .as_ref()
        .is_some_and(|public| public.connection_string == current);
    let replacement = new_connection_string(model, request, instance)?;
    let range = if is_public { 1000..=5999 } else { 1000..=65535 };
    let port =
        parse_port(request.required("Port")?, range).map_err(|refusal| request.refuse(refusal))?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    if let Ok(connection) = instance.endpoints.find_mut(current) {
        connection.connection_string = replacement;
        connection.port = port;
    }
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn allocate_read_write_splitting_connection(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running(model, request)?;
    let instance = model.find(id).map_err(|refusal| request.refuse(refusal))?;
    if instance.read_only_ids.is_empty() {
        return Err(request.refuse(Refusal::new(
            refusal::READ_ONLY_INSTANCES_MISSING,
            "Read/write splitting needs at least one read-only instance.",
        )));
    }
    if instance.endpoints.read_write_splitting.is_some() {
        return Err(request.refuse(Refusal::new(
            refusal::PUBLIC_CONNECTION_EXISTS,
            "The instance has a read/write splitting endpoint already.",
        )));
    }
    let prefix = request
        .optional("ConnectionStringPrefix")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("{id}-rw"));
    check_prefix(&prefix).map_err(|refusal| request.refuse(refusal))?;
    let connection_string = connection_string(&prefix, instance.engine_info().domain_label);
    if model.connection_string_in_use(&connection_string) {
        return Err(request.refuse(Refusal::new(
            refusal::CONNECTION_EXISTS,
            format!("{connection_string} is in use; choose another prefix."),
        )));
    }
    let port = match request.optional("Port") {
        Some(port) => parse_port(port, 1000..=5999).map_err(|refusal| request.refuse(refusal))?,
        None => instance.endpoints.internal.port,
    };
    let ip_address = format!("172.16.250.{}", model.ids.next_u64() % 250 + 2);
    model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?
        .endpoints
        .read_write_splitting = Some(Connection {
        connection_string,
        port,
        ip_address,
    });
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn release_read_write_splitting_connection(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let id = running(model, request)?;
    let instance = model
        .find_mut(id)
        .map_err(|refusal| request.refuse(refusal))?;
    if instance.endpoints.read_write_splitting.take().is_none() {
        return Err(request.refuse(Refusal::new(
            refusal::CONNECTION_NOT_FOUND,
            "The instance has no read/write splitting endpoint.",
        )));
    }
    model.record_event(
        request.action(),
        id,
        request.now_millis(),
        request.payload(),
    );
    request.answer(json!({}))
}

pub(crate) fn describe_db_instance_net_info(
    model: &mut Model,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    request.check_documented()?;
    let (_, instance) = request.existing_instance(model, "DBInstanceId")?;
    let (internal_host, internal_port, internal_ip) = internal_endpoint(model, instance);
    let groups: Vec<Value> = instance
        .whitelist
        .groups
        .iter()
        .map(|group| json!({ "SecurityIPGroupName": group.name, "SecurityIPs": group.entries.join(",") }))
        .collect();
    let entry = |connection_string: &str, port: u16, ip: &str, ip_type: &str, kind: &str| {
        json!({
            "ConnectionString": connection_string,
            "Port": port.to_string(),
            "IPAddress": ip,
            "IPType": ip_type,
            "ConnectionStringType": kind,
            "VPCId": if ip_type == "Private" { instance.vpc_id.as_str() } else { "" },
            "VSwitchId": if ip_type == "Private" { instance.vswitch_id.as_str() } else { "" },
            "Upgradeable": "Disabled",
            "ExpiredTime": "",
            "SecurityIPGroups": { "securityIPGroup": groups },
            "DBInstanceWeights": { "DBInstanceWeight": [] },
            "DistributionType": "",
            "MaxDelayTime": "",
            "BabelfishPort": "",
            "PGBouncerPort": "",
        })
    };
    let inner_type = if instance.network_type == "VPC" {
        "Private"
    } else {
        "Inner"
    };
    let mut infos = vec![entry(
        &internal_host,
        internal_port,
        &internal_ip,
        inner_type,
        "Normal",
    )];
    if let Some(public) = &instance.endpoints.public {
        infos.push(entry(
            &public.connection_string,
            public.port,
            &public.ip_address,
            "Public",
            "Normal",
        ));
    }
    if let Some(splitting) = &instance.endpoints.read_write_splitting {
        infos.push(entry(
            &splitting.connection_string,
            splitting.port,
            &splitting.ip_address,
            inner_type,
            "ReadWriteSplitting",
        ));
    }
    request.answer(json!({
        "InstanceNetworkType": instance.network_type,
        "SecurityIPMode": instance.whitelist.mode,
        "DBInstanceNetInfos": { "DBInstanceNetInfo": infos },
    }))
}
