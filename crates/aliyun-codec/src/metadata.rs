//! Static descriptions of a product and its operations.
//!
//! The generated client crate (`aliyun-rds`) emits one `static` value of these
//! types per operation and one for the product. The runtime reads them to
//! decide how to encode a request, which endpoint to call and whether a
//! failed attempt may be retried; the CLI and the tests read them to
//! enumerate operations without any hand-written list. Every field is
//! `'static` so the tables live in read-only data and cost nothing at run
//! time.

/// The parameters the signer sets on every RPC request (V1 writes them all
/// into the query; V3 sends the action and version as headers instead).
/// An operation's input must not set them: they would be sent twice, and
/// a test double leaves them out of what it records.
pub const SIGNER_PARAMETERS: &[&str] = &[
    "AccessKeyId",
    "Action",
    "Format",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
];

/// Everything the runtime needs to know about one cloud product (for
/// example RDS 2014-08-15) that is shared by all of its operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductMetadata {
    /// The product code used by Alibaba Cloud, for example `Rds`.
    pub code: &'static str,
    /// The API version sent with every request, for example `2014-08-15`.
    pub version: &'static str,
    /// The API style. Only `RPC` is supported by the runtime.
    pub style: &'static str,
    /// Regions whose endpoint is not given by [`EndpointRule`]: the official
    /// region map, looked up before the rule.
    pub endpoint_map: &'static [RegionEndpoint],
    /// How to build the host name of a region the map does not list.
    pub endpoint_rule: EndpointRule,
    /// Errors the API gateway can return for any operation of the product.
    /// No operation's own error table lists them.
    pub gateway_errors: &'static [ErrorMetadata],
}

impl ProductMetadata {
    /// Looks a gateway error up by its exact, case-sensitive code.
    pub fn gateway_error(&self, code: &str) -> Option<&'static ErrorMetadata> {
        self.gateway_errors.iter().find(|error| error.code == code)
    }
}

/// One row of the product's region map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionEndpoint {
    /// The region identifier, for example `cn-hangzhou`.
    pub region_id: &'static str,
    /// The host name to call for that region, without a scheme.
    pub endpoint: &'static str,
}

/// Templates for the host name of a region, with `{region_id}` standing for
/// the region identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndpointRule {
    /// The public endpoint, for example `rds.{region_id}.aliyuncs.com`.
    pub public: &'static str,
    /// The endpoint reachable from inside a VPC, for example
    /// `rds-vpc.{region_id}.aliyuncs.com`.
    pub vpc: &'static str,
}

/// A description of one API operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationMetadata {
    /// The action name sent on the wire, for example
    /// `ActivateMigrationTargetInstance`.
    pub name: &'static str,
    /// The snake_case name of the client method, for example
    /// `activate_migration_target_instance`.
    pub rust_name: &'static str,
    /// One-sentence summary from the documentation.
    pub summary: &'static str,
    /// The HTTP method the official SDKs use for this operation.
    pub method: HttpMethod,
    /// The request path; `/` for every RPC-style operation.
    pub pathname: &'static str,
    /// Whether the operation may safely run twice.
    pub idempotency: Idempotency,
    /// Whether the documentation marks the operation as deprecated.
    pub deprecated: bool,
    /// The request parameters, in documentation order.
    pub parameters: &'static [ParameterMetadata],
    /// The documented error table, in documentation order, as positions in
    /// [`error_table`](Self::error_table); [`errors`](Self::errors) reads
    /// the rows. A code may appear in more than one row (with different
    /// messages).
    ///
    /// Most operations document the same few dozen errors, so a product's
    /// crate keeps each distinct row once and every operation lists the
    /// positions of its rows: a list of integers costs the compiler far
    /// less than a list of references, across hundreds of operations.
    pub error_rows: &'static [u16],
    /// The table [`error_rows`](Self::error_rows) points into, shared by
    /// every operation of the product.
    pub error_table: &'static [ErrorMetadata],
    /// The documentation's example of a successful response body (JSON),
    /// if it gives one: what the emulator answers for operations it does
    /// not model.
    pub sample_response: Option<&'static str>,
}

impl OperationMetadata {
    /// The documented error table, in documentation order.
    pub fn errors(&self) -> DocumentedErrors {
        DocumentedErrors {
            positions: self.error_rows.iter(),
            table: self.error_table,
        }
    }

    /// Returns the first documented error row with exactly this code.
    pub fn documented_error(&self, code: &str) -> Option<&'static ErrorMetadata> {
        self.errors().find(|error| error.code == code)
    }

    /// Looks a parameter up by its wire name.
    pub fn parameter(&self, wire_name: &str) -> Option<&'static ParameterMetadata> {
        self.parameters
            .iter()
            .find(|parameter| parameter.name == wire_name)
    }
}

/// The documented error rows of one operation, in documentation order:
/// what [`OperationMetadata::errors`] returns.
#[derive(Debug, Clone)]
pub struct DocumentedErrors {
    positions: std::slice::Iter<'static, u16>,
    table: &'static [ErrorMetadata],
}

impl Iterator for DocumentedErrors {
    type Item = &'static ErrorMetadata;

    fn next(&mut self) -> Option<Self::Item> {
        // Generated tables are consistent, so every position is in range;
        // one that is not is skipped rather than allowed to panic.
        self.positions
            .by_ref()
            .find_map(|position| self.table.get(usize::from(*position)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.positions.len()))
    }
}

impl std::iter::FusedIterator for DocumentedErrors {}

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`: every parameter in the query string.
    Get,
    /// `POST`: what the official SDKs send for RPC operations.
    Post,
}

impl HttpMethod {
    /// The method as it appears on the wire and in string-to-sign.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

/// Whether running an operation twice has the same effect as running it once.
///
/// The runtime's retry policy depends on it: a non-idempotent operation is
/// only retried when the failure proves the service never acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Idempotency {
    /// The documentation's `systemTags.operationType`, for example `update`,
    /// `get`, `create` or `delete`.
    pub operation_type: &'static str,
    /// `true` when a duplicate call is harmless.
    pub idempotent: bool,
}

/// One request parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterMetadata {
    /// The wire name, for example `DBInstanceName`.
    pub name: &'static str,
    /// The field name in the generated input struct, for example
    /// `db_instance_name`.
    pub rust_name: &'static str,
    /// The parameter's type.
    pub value_type: ValueType,
    /// How the value is laid out on the wire.
    pub style: ParameterStyle,
    /// Where the value travels.
    pub location: ParameterLocation,
    /// The documented values of a string parameter; empty when any value
    /// is allowed.
    pub allowed_values: &'static [&'static str],
    /// Whether the service rejects a request without it.
    pub required: bool,
    /// The documentation's description.
    pub description: &'static str,
    /// The documentation's example value, if any.
    pub example: Option<&'static str>,
    /// Whether the documentation marks the parameter as deprecated.
    pub deprecated: bool,
}

/// A waiter of the API, with the operation it polls: an entry of a generated
/// client's `metadata::WAITERS`, which lets tools such as the CLI find
/// waiters by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationWaiter {
    /// The waiter's acceptors, delays and retried codes.
    pub definition: &'static crate::waiter::WaiterDefinition,
    /// The operation it polls.
    pub operation: &'static OperationMetadata,
}

/// A group of operations that belong together, such as the operations of
/// one section of the documentation (`instances`, `backups`) or of one
/// workflow (`cloud-migration`); each is a cargo feature of the generated
/// crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationGroup {
    /// The group's name, the cargo feature that turns its operations on.
    pub name: &'static str,
    /// What the group is for.
    pub description: &'static str,
    /// The action names of its operations, sorted.
    pub operations: &'static [&'static str],
}

/// Where a parameter travels in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterLocation {
    /// In the query string.
    Query,
    /// In the form-encoded body of a `POST` (`application/x-www-form-urlencoded`),
    /// where the documentation places it and Alibaba's SDKs send it.
    Body,
}

/// The type of a parameter or response field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// A UTF-8 string.
    String,
    /// A 32-bit signed integer.
    Int32,
    /// A 64-bit signed integer.
    Int64,
    /// `true` or `false`.
    Boolean,
    /// A floating-point number.
    Number,
    /// A nested object.
    Object,
    /// A list of values.
    Array,
}

/// How a parameter value is laid out on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParameterStyle {
    /// A scalar as `Name=value`, or an object flattened as `Name.Field=value`.
    Flat,
    /// A list as `Name.1=a&Name.2=b`.
    RepeatList,
    /// Any value serialized as one JSON string.
    Json,
}

/// One documented error: a row of an operation's error table, or a
/// product-wide gateway error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorMetadata {
    /// The documented HTTP status.
    pub http_status: u16,
    /// The exact, case-sensitive error code.
    pub code: &'static str,
    /// The documented error message, verbatim (it may contain `%s`).
    pub message: &'static str,
    /// The documented description, if the table gives one.
    pub description: Option<&'static str>,
    /// `true` when receiving this error proves the service refused the
    /// request before running it (bad signature, throttling, ...), so even a
    /// non-idempotent request may be sent again.
    pub refused_before_execution: bool,
    /// `true` when the condition is transient and a later attempt may
    /// succeed (throttling, service unavailable).
    pub retryable: bool,
}
