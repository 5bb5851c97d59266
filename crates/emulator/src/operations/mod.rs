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
const OPERATIONS: &[(&str, Handler)] = &[(
    "ActivateMigrationTargetInstance",
    activate_migration_target_instance::handle,
)];

/// The handler of `action`, if the emulator implements it.
pub(crate) fn find(action: &str) -> Option<Handler> {
    OPERATIONS
        .iter()
        .find(|(name, _)| *name == action)
        .map(|(_, handler)| *handler)
}

/// The parameters of an authenticated request, as operations read them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OperationRequest<'a> {
    request: &'a ParsedRequest,
}

impl<'a> OperationRequest<'a> {
    pub(crate) fn new(request: &'a ParsedRequest) -> Self {
        OperationRequest { request }
    }

    /// An optional parameter; an empty value counts as absent.
    pub(crate) fn optional(&self, name: &str) -> Option<&'a str> {
        self.request.parameter(name)
    }

    /// A required parameter, or `MissingParameter` naming it.
    pub(crate) fn required(&self, name: &str) -> Result<&'a str, ApiError> {
        self.optional(name)
            .ok_or_else(|| ApiError::missing_parameter(name))
    }
}
