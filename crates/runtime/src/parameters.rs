//! Turns an operation input into wire parameters.
//!
//! The input is serialized with serde to a JSON value and flattened the way
//! RPC APIs expect: scalars as strings (numbers in their JSON form, booleans
//! as `true`/`false`), nested objects as `Name.Field`, arrays as `Name.1`,
//! `Name.2`, ... (recursively), nulls skipped. Parameters with
//! `style: json` arrive here already as one JSON string (see
//! [`crate::ser::json_string`]).

use serde::Serialize;
use serde_json::Value;

use crate::error::ConstructionError;

/// Serializes `input` and flattens it into `(name, value)` pairs.
pub fn flatten_parameters<I: Serialize + ?Sized>(
    input: &I,
) -> Result<Vec<(String, String)>, ConstructionError> {
    let value = serde_json::to_value(input).map_err(|error| {
        ConstructionError::invalid_input("the operation input could not be serialized")
            .with_source(error)
    })?;
    let mut parameters = Vec::new();
    match value {
        Value::Null => {}
        Value::Object(fields) => {
            for (name, field) in fields {
                flatten_into(&mut parameters, name, field);
            }
        }
        other => {
            return Err(ConstructionError::invalid_input(format!(
                "the operation input must serialize to an object of parameters, not {}",
                json_kind(&other)
            )))
        }
    }
    Ok(parameters)
}

fn flatten_into(parameters: &mut Vec<(String, String)>, name: String, value: Value) {
    match value {
        Value::Null => {}
        Value::Bool(flag) => {
            parameters.push((name, if flag { "true" } else { "false" }.to_owned()))
        }
        Value::Number(number) => parameters.push((name, number.to_string())),
        Value::String(text) => parameters.push((name, text)),
        Value::Array(items) => {
            for (index, item) in items.into_iter().enumerate() {
                flatten_into(parameters, format!("{name}.{}", index + 1), item);
            }
        }
        Value::Object(fields) => {
            for (field_name, field) in fields {
                flatten_into(parameters, format!("{name}.{field_name}"), field);
            }
        }
    }
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_values_flatten_with_dots_and_one_based_indexes() {
        let input = json!({
            "A": "x", "B": 3, "C": true, "D": null,
            "Tag": [{"Key": "k1", "Value": "v1"}, {"Key": "k2"}],
            "Obj": {"Inner": [1, 2]}
        });
        let mut flat = flatten_parameters(&input).unwrap();
        flat.sort();
        let expected: Vec<(String, String)> = [
            ("A", "x"),
            ("B", "3"),
            ("C", "true"),
            ("Obj.Inner.1", "1"),
            ("Obj.Inner.2", "2"),
            ("Tag.1.Key", "k1"),
            ("Tag.1.Value", "v1"),
            ("Tag.2.Key", "k2"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(flat, expected);
    }

    #[test]
    fn a_scalar_input_is_rejected() {
        let error = flatten_parameters(&5).unwrap_err();
        assert!(error.to_string().contains("a number"));
    }
}
