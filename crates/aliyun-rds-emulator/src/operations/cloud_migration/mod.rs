//! What the cloud migration operations share: reading the self-managed
//! source (`SourceIpAddress`, `SourcePort`, `SourceAccount`,
//! `SourcePassword`, `SourceCategory`, validated in that order), the checks
//! on the target instance, and the `Items` entry fields common to precheck
//! and migration tasks.
//!
//! `SourcePassword` must be present, but its value is never kept in the
//! model, compared, echoed or put in an error hint; an engine backend that
//! migrates gets it to log in to the source ([`source_login`]).

pub(crate) mod activate_migration_target_instance;
pub(crate) mod check_cloud_resource_authorized;
pub(crate) mod create_cloud_migration_precheck_task;
pub(crate) mod create_cloud_migration_task;
pub(crate) mod describe_cloud_migration_precheck_result;
pub(crate) mod describe_cloud_migration_result;

use serde_json::{Map, Value};

use super::documented_errors::{
    DocumentedError, ENGINE_NOT_SUPPORTED, INCORRECT_INSTANCE_STATE, INSTANCE_NAME_NOT_FOUND,
    NOT_AUTHORIZED,
};
use super::OperationRequest;
use crate::backend::MigrationSource;
use crate::error::ApiError;
use crate::model::instances::Instance;
use crate::model::migration::{SourceCategory, SourceEndpoint};
use crate::model::Model;

/// Reads and checks the source parameters of a create request. An unknown
/// `SourceCategory` is answered with `category_error` when the operation
/// documents one, else with `InvalidParameter`.
pub(crate) fn read_source(
    request: &OperationRequest<'_>,
    category_error: Option<DocumentedError>,
) -> Result<SourceEndpoint, ApiError> {
    let ip_address = request.required("SourceIpAddress")?;
    let port = request.required("SourcePort")?;
    let account = request.required("SourceAccount")?;
    // Present or MissingParameter; the value is dropped here.
    request.required("SourcePassword")?;
    let category = request.required("SourceCategory")?;

    let ip_address = ip_address.trim().parse().map_err(|_| {
        ApiError::invalid_parameter(
            "SourceIpAddress",
            "SourceIpAddress must be the IPv4 or IPv6 address of the self-managed PostgreSQL.",
        )
    })?;
    let port =
        parse_port(port).ok_or_else(|| ApiError::invalid_parameter("SourcePort", PORT_HINT))?;
    let category = SourceCategory::parse(category).ok_or_else(|| {
        let hint = "SourceCategory must be idcOnVpc (a data center connected to the VPC) or ecsOnVpc (an ECS instance).";
        match category_error {
            Some(error) => error.with_hint(hint),
            None => ApiError::invalid_parameter("SourceCategory", hint),
        }
    })?;
    Ok(SourceEndpoint {
        ip_address,
        port,
        account: account.to_owned(),
        category,
    })
}

/// The source as an engine backend logs in to it: the checked source
/// with the request's `SourcePassword`.
pub(crate) fn source_login(
    request: &OperationRequest<'_>,
    source: &SourceEndpoint,
) -> Result<MigrationSource, ApiError> {
    Ok(MigrationSource {
        ip: source.ip_address,
        port: source.port,
        account: source.account.clone(),
        password: request.required("SourcePassword")?.to_owned(),
    })
}

/// What to do about a port outside 1 to 65535.
pub(crate) const PORT_HINT: &str = "SourcePort must be between 1 and 65535.";

/// A TCP port, 1 to 65535.
pub(crate) fn parse_port(text: &str) -> Option<u16> {
    text.trim().parse::<u16>().ok().filter(|port| *port != 0)
}

/// The target instance of a create request, if it can be a cloud migration
/// target: it exists, runs, runs PostgreSQL and its cloud resources are
/// authorized, checked in that order.
pub(crate) fn migration_target<'a>(state: &'a Model, name: &str) -> Result<&'a Instance, ApiError> {
    let instance = state.instances.get(name).ok_or_else(|| {
        INSTANCE_NAME_NOT_FOUND
            .with_hint("Check the instance ID; DescribeDBInstances lists the instances.")
    })?;
    if !instance.is_running() {
        return Err(INCORRECT_INSTANCE_STATE
            .with_hint("The target instance must be Running; wait until it is, then retry."));
    }
    if !instance.engine.eq_ignore_ascii_case("PostgreSQL") {
        return Err(ENGINE_NOT_SUPPORTED.with_hint(
            "Cloud migration moves a self-managed PostgreSQL into an RDS PostgreSQL instance.",
        ));
    }
    if !instance.authorized {
        return Err(NOT_AUTHORIZED.with_hint(
            "Authorize RDS to use the cloud resources of this instance first; CheckCloudResourceAuthorized reports the state.",
        ));
    }
    Ok(instance)
}

/// The instance a describe request names, or `InvalidDBInstanceName.NotFound`.
pub(crate) fn described_instance<'a>(
    state: &'a Model,
    name: &str,
) -> Result<&'a Instance, ApiError> {
    state.instances.get(name).ok_or_else(|| {
        INSTANCE_NAME_NOT_FOUND
            .with_hint("Check the instance ID; DescribeDBInstances lists the instances.")
    })
}

/// The task filters both describe operations accept: `TaskId`, `TaskName`,
/// `SourceIpAddress` and `SourcePort`, each matched exactly when given.
#[derive(Debug, Clone, Default)]
pub(crate) struct TaskFilter<'a> {
    task_id: Option<i64>,
    task_name: Option<&'a str>,
    source_ip_address: Option<&'a str>,
    source_port: Option<i64>,
}

impl<'a> TaskFilter<'a> {
    pub(crate) fn read(request: &OperationRequest<'a>) -> Result<Self, ApiError> {
        Ok(TaskFilter {
            task_id: request.optional_integer("TaskId")?,
            task_name: request.optional("TaskName"),
            source_ip_address: request.optional("SourceIpAddress"),
            source_port: request.optional_integer("SourcePort")?,
        })
    }

    /// Whether a task with these properties passes the filter.
    pub(crate) fn matches(
        &self,
        task_id: i64,
        task_name: &str,
        ip_address: &str,
        port: u16,
    ) -> bool {
        self.task_id.is_none_or(|wanted| wanted == task_id)
            && self.task_name.is_none_or(|wanted| wanted == task_name)
            && self
                .source_ip_address
                .is_none_or(|wanted| wanted.trim() == ip_address)
            && self
                .source_port
                .is_none_or(|wanted| wanted == i64::from(port))
    }
}

/// The answer of a paged describe operation: `Items`, `PageNumber`,
/// `PageSize` and `TotalSize`.
pub(crate) fn paged_items(items: Vec<Value>, page: super::paging::Page) -> Map<String, Value> {
    let total = items.len();
    let mut output = Map::new();
    output.insert("Items".into(), Value::from(page.slice(&items).to_vec()));
    output.insert("PageNumber".into(), Value::from(page.number));
    output.insert("PageSize".into(), Value::from(page.size));
    output.insert("TotalSize".into(), Value::from(total));
    output
}
