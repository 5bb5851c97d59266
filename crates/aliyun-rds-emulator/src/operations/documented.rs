//! Operations the emulator does not model, answered from their
//! documentation.
//!
//! The generated client's metadata lists every operation with its
//! parameters (required or not, their types and documented values) and
//! the documentation's example response. An operation without a handler of
//! its own is checked against that and answered with the example, so a
//! program in any language can call any RDS operation against the
//! emulator: a missing required parameter gets `MissingParameter` naming
//! it, as the service answers; a value of the wrong type or outside the
//! documented values gets `InvalidParameter`.

use aliyun_codec::metadata::{OperationMetadata, ParameterMetadata, ParameterStyle, ValueType};
use serde_json::Value;

use super::{OperationOutput, OperationRequest};
use crate::error::ApiError;

/// Checks every parameter of the request against the operation's
/// documentation.
pub(crate) fn check_parameters(
    operation: &OperationMetadata,
    request: &OperationRequest<'_>,
) -> Result<(), ApiError> {
    for parameter in operation.parameters {
        check_parameter(parameter, request)?;
    }
    Ok(())
}

/// An operation's metadata and its documented example, parsed once when
/// the emulator starts.
#[derive(Debug, Clone)]
pub(crate) struct Documented {
    pub(crate) metadata: &'static OperationMetadata,
    /// The example response without its `RequestId`; empty when the
    /// documentation gives none, or one that is not a JSON object.
    pub(crate) example: OperationOutput,
}

impl Documented {
    pub(crate) fn new(metadata: &'static OperationMetadata) -> Self {
        let mut example = match metadata.sample_response.map(serde_json::from_str::<Value>) {
            Some(Ok(Value::Object(fields))) => fields,
            _ => OperationOutput::new(),
        };
        example.remove("RequestId");
        Documented { metadata, example }
    }
}

/// One parameter: present when required, of its type when it is a scalar,
/// and one of the documented values when the documentation lists them.
fn check_parameter(
    parameter: &ParameterMetadata,
    request: &OperationRequest<'_>,
) -> Result<(), ApiError> {
    let name = parameter.name;
    let Some(value) = request.optional(name) else {
        // A list or an object arrives flattened (`Name.1`, `Name.Key`).
        let flattened = request.has_parameter_under(name);
        if parameter.required && !flattened {
            return Err(ApiError::missing_parameter(name));
        }
        return Ok(());
    };
    if parameter.style == ParameterStyle::Json {
        return serde_json::from_str::<Value>(value).map(drop).map_err(|_| {
            ApiError::invalid_parameter(name, &format!("{name} must be a JSON value."))
        });
    }
    let well_typed = match parameter.value_type {
        ValueType::Int32 => value.trim().parse::<i32>().is_ok(),
        ValueType::Int64 => value.trim().parse::<i64>().is_ok(),
        ValueType::Number => value.trim().parse::<f64>().is_ok(),
        // The service reads booleans case-insensitively (Alibaba's Python
        // SDK sends `True`).
        ValueType::Boolean => {
            value.eq_ignore_ascii_case("true") || value.eq_ignore_ascii_case("false")
        }
        _ => true,
    };
    if !well_typed {
        let expected = match parameter.value_type {
            ValueType::Boolean => "true or false",
            ValueType::Number => "a number",
            _ => "an integer",
        };
        return Err(ApiError::invalid_parameter(
            name,
            &format!("{name} must be {expected}."),
        ));
    }
    if parameter.value_type == ValueType::String
        && !parameter.allowed_values.is_empty()
        && !parameter.allowed_values.contains(&value)
    {
        return Err(ApiError::invalid_parameter(
            name,
            &format!(
                "{name} must be one of the documented values: {}.",
                parameter.allowed_values.join(", ")
            ),
        ));
    }
    Ok(())
}
