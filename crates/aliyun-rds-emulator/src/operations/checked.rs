//! Operations the emulator does not model in depth, when they name an
//! instance: the instance is checked, then the documented example is
//! answered with the request's own identifiers in it.
//!
//! An operation names an instance with `DBInstanceId` (or its spellings
//! `DbInstanceId`, `DBInstanceName`, `InsName`; some take several IDs
//! separated by commas). Each must be an instance the model holds:
//! otherwise the answer is the operation's documented not-found code
//! (`InvalidDBInstanceId.NotFound` for an ID, `InvalidDBInstanceName.NotFound`
//! for a name, whichever its table lists, else the common
//! `InvalidDBInstanceId.NotFound`). An operation that changes something
//! (its documented operation type is `create`, `update` or `delete`) also
//! needs the instance to be `Running`: otherwise the answer is the
//! documented state code its table lists (`IncorrectDBInstanceState`, or
//! the common `InvalideStatus.Format`).

use aliyun_codec::metadata::OperationMetadata;

use super::answer::echo;
use super::documented::{check_parameters, Documented};
use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;
use crate::model::lifecycle::require_running;
use crate::model::refusal::{self, Refusal};
use crate::model::Model;

/// The parameters that name an instance, with the refusal for an unknown
/// one.
pub(crate) const INSTANCE_PARAMETERS: &[(&str, &[&str])] = &[
    ("DBInstanceId", refusal::INSTANCE_NOT_FOUND),
    ("DbInstanceId", refusal::INSTANCE_NOT_FOUND),
    ("DBInstanceName", refusal::INSTANCE_NAME_NOT_FOUND),
    ("InsName", refusal::INSTANCE_NAME_NOT_FOUND),
];

/// The instance parameter an operation takes, if any.
pub(crate) fn instance_parameter(
    operation: &OperationMetadata,
) -> Option<(&'static str, &'static [&'static str])> {
    INSTANCE_PARAMETERS
        .iter()
        .find(|(name, _)| operation.parameter(name).is_some())
        .copied()
}

/// Whether the operation changes something, by its documented type.
pub(crate) fn is_mutating(operation: &OperationMetadata) -> bool {
    matches!(
        operation.idempotency.operation_type,
        "create" | "update" | "delete"
    )
}

/// Checks the instance a request names (see the module documentation):
/// the first ID it names, or `None` when it names none.
pub(crate) fn check_instance<'a>(
    model: &Model,
    operation: &OperationMetadata,
    request: &OperationRequest<'a>,
) -> Result<Option<&'a str>, ApiError> {
    let Some((parameter, not_found)) = instance_parameter(operation) else {
        return Ok(None);
    };
    let Some(given) = request.optional(parameter) else {
        return Ok(None);
    };
    let ids: Vec<&str> = given
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .collect();
    for id in &ids {
        let Some(instance) = model.instances.get(id) else {
            return Err(request.refuse(Refusal::new(
                not_found,
                format!("No instance has the ID {id}; DescribeDBInstances lists the instances."),
            )));
        };
        if is_mutating(operation) {
            require_running(instance).map_err(|refusal| request.refuse(refusal))?;
        }
    }
    Ok(ids.first().copied())
}

/// The answer of an operation without a handler of its own.
pub(crate) fn answer(
    model: &mut Model,
    documented: &Documented,
    request: &OperationRequest<'_>,
) -> Result<OperationOutput, ApiError> {
    let operation = documented.metadata;
    check_parameters(operation, request)?;
    let instance_id = check_instance(model, operation, request)?;
    let mut output = documented.example.clone();
    if instance_id.is_some() {
        let parameters: Vec<(&str, &str)> = operation
            .parameters
            .iter()
            .filter(|parameter| !is_secret(parameter.name))
            .filter_map(|parameter| {
                request
                    .optional(parameter.name)
                    .map(|value| (parameter.name, value))
            })
            .collect();
        echo(&mut output, instance_id, &parameters);
    }
    Ok(output)
}

/// Parameters whose values never go back in an answer.
fn is_secret(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("password") || lower.contains("secret") || lower.contains("key")
}
