//! The RDS operations the emulator implements, as a dispatch table from
//! action name to handler.
//!
//! Every handler has the same shape: it reads its parameters from an
//! [`OperationRequest`], reads and changes the [`AccountState`] (the server
//! holds the state's lock for the whole call, so a handler sees and leaves a
//! consistent state), and returns either the JSON fields of its answer (the
//! server adds `RequestId`) or an [`ApiError`] with the operation's documented
//! code and message. Adding an operation is one module here and one entry in
//! [`OPERATIONS`].

mod activate_migration_target_instance;
mod check_cloud_resource_authorized;
mod cloud_migration;
mod create_cloud_migration_precheck_task;
mod create_cloud_migration_task;
mod describe_cloud_migration_precheck_result;
mod describe_cloud_migration_result;
mod describe_db_instance_attribute;
mod describe_db_instances;
mod describe_regions;
pub(crate) mod documented;
mod documented_errors;
mod paging;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::request::ParsedRequest;
use crate::state::AccountState;

/// The fields of a successful answer, without `RequestId`.
pub(crate) type OperationOutput = Map<String, Value>;

/// An operation handler.
pub(crate) type Handler =
    fn(&mut AccountState, &OperationRequest<'_>) -> Result<OperationOutput, ApiError>;

/// Every implemented operation, by action name.
const OPERATIONS: &[(&str, Handler)] = &[
    (
        "ActivateMigrationTargetInstance",
        activate_migration_target_instance::handle,
    ),
    (
        "CheckCloudResourceAuthorized",
        check_cloud_resource_authorized::handle,
    ),
    (
        "CreateCloudMigrationPrecheckTask",
        create_cloud_migration_precheck_task::handle,
    ),
    (
        "CreateCloudMigrationTask",
        create_cloud_migration_task::handle,
    ),
    (
        "DescribeCloudMigrationPrecheckResult",
        describe_cloud_migration_precheck_result::handle,
    ),
    (
        "DescribeCloudMigrationResult",
        describe_cloud_migration_result::handle,
    ),
    (
        "DescribeDBInstanceAttribute",
        describe_db_instance_attribute::handle,
    ),
    ("DescribeDBInstances", describe_db_instances::handle),
    ("DescribeRegions", describe_regions::handle),
];

/// The handler of `action`, if the emulator implements it.
pub(crate) fn find(action: &str) -> Option<Handler> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == action)
        .map(|(_, handler)| *handler)
}

/// The parameters of an authenticated request, as operations read them, and
/// the emulator's time when it arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OperationRequest<'a> {
    request: &'a ParsedRequest,
    now_unix_seconds: i64,
}

impl<'a> OperationRequest<'a> {
    pub(crate) fn new(request: &'a ParsedRequest, now_unix_seconds: i64) -> Self {
        OperationRequest {
            request,
            now_unix_seconds,
        }
    }

    /// An optional parameter; an empty value counts as absent.
    pub(crate) fn optional(&self, name: &str) -> Option<&'a str> {
        self.request.parameter(name)
    }

    /// Whether any parameter is flattened from `name`: `Name.1`,
    /// `Name.Key`.
    pub(crate) fn has_parameter_under(&self, name: &str) -> bool {
        self.request.parameters().any(|(key, value)| {
            !value.is_empty()
                && key
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// A required parameter, or `MissingParameter` naming it.
    pub(crate) fn required(&self, name: &str) -> Result<&'a str, ApiError> {
        self.optional(name)
            .ok_or_else(|| ApiError::missing_parameter(name))
    }

    /// An optional integer parameter, or `InvalidParameter` naming it when it
    /// is not an integer.
    pub(crate) fn optional_integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.optional(name) {
            None => Ok(None),
            Some(text) => text.trim().parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid_parameter(name, &format!("{name} must be an integer."))
            }),
        }
    }

    /// When the request arrived, by the emulator's clock, in the protocol
    /// format the describe operations report times in.
    pub(crate) fn now(&self) -> String {
        crate::clock::format_timestamp(self.now_unix_seconds)
    }
}
