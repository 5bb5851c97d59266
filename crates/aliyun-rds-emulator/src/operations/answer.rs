//! Answers in the documented shape: the model's values laid over the
//! operation's documented example.
//!
//! The example is the template. A field the model gives replaces the
//! example's (converted to the example's JSON type, so a port the model
//! holds as a number reads as the string the documentation shows); a list
//! the model gives has each of its items shaped by the example's first
//! item; fields the model adds that the example lacks are kept. What the
//! model does not know stays as the example has it, except that lists it
//! does not give are empty (the model knows of no such items) and
//! placeholder text (`rm-uf6wjk5****`, `192.168.XX.XX`) is blanked: an
//! example's masked identifiers never reach an answer.
//!
//! Operations that are not modelled answer the example itself, with the
//! request's own identifiers in place of the example's (`echo`).

use serde_json::{Map, Value};

use super::OperationOutput;

/// The answer of a modelled operation: `fields` shaped by the documented
/// `example` (without its `RequestId`).
pub(crate) fn shape(
    example: Option<&OperationOutput>,
    mut fields: OperationOutput,
) -> OperationOutput {
    let Some(example) = example else {
        return fields;
    };
    let mut output = Map::new();
    for (key, value) in example {
        match fields.remove(key) {
            Some(given) => {
                output.insert(key.clone(), merge(value, given));
            }
            None if is_secret(key) => {}
            None => {
                output.insert(key.clone(), neutral(value));
            }
        }
    }
    output.extend(fields);
    output.remove("RequestId");
    output
}

/// Whether a field names a password or secret, whose example value never
/// goes into an answer.
fn is_secret(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower.contains("password") || lower.contains("secret")
}

/// `model` laid over `template`.
fn merge(template: &Value, model: Value) -> Value {
    match (template, model) {
        (Value::Object(template), Value::Object(model)) => {
            Value::Object(shape(Some(template), model))
        }
        (Value::Array(template), Value::Array(items)) => {
            let item_template = template.first().cloned().unwrap_or(Value::Null);
            Value::Array(
                items
                    .into_iter()
                    .map(|item| merge(&item_template, item))
                    .collect(),
            )
        }
        (template, model) => conform(template, model),
    }
}

/// What the answer holds for a field of the example the model does not
/// give.
fn neutral(example: &Value) -> Value {
    match example {
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|(key, _)| !is_secret(key))
                .map(|(key, value)| (key.clone(), neutral(value)))
                .collect(),
        ),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::String(text) if is_placeholder(text) => Value::String(String::new()),
        other => other.clone(),
    }
}

/// Whether documentation text stands for a value rather than being one.
pub(crate) fn is_placeholder(text: &str) -> bool {
    text.contains("***") || text.contains("XX") || text.contains("xxx") || text.contains("X.X")
}

/// The model's scalar in the example's JSON type, when it converts.
fn conform(template: &Value, model: Value) -> Value {
    match (template, &model) {
        (Value::String(_), Value::Number(number)) => Value::String(number.to_string()),
        (Value::String(_), Value::Bool(flag)) => Value::String(flag.to_string()),
        (Value::Number(example), Value::String(text)) => {
            let parsed = if example.is_f64() {
                text.trim()
                    .parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
            } else {
                text.trim()
                    .parse::<i64>()
                    .ok()
                    .map(serde_json::Number::from)
            };
            parsed.map(Value::Number).unwrap_or(model)
        }
        (Value::Bool(_), Value::String(text)) if text.eq_ignore_ascii_case("true") => {
            Value::Bool(true)
        }
        (Value::Bool(_), Value::String(text)) if text.eq_ignore_ascii_case("false") => {
            Value::Bool(false)
        }
        _ => model,
    }
}

/// Whether two scalars have the same JSON type.
fn same_json_type(left: &Value, right: &Value) -> bool {
    std::mem::discriminant(left) == std::mem::discriminant(right)
}

/// Puts the request's identifiers in an example answer: every field named
/// like an instance identifier gets `instance_id`, and every scalar field
/// named like a request parameter gets that parameter's value.
pub(crate) fn echo(
    output: &mut OperationOutput,
    instance_id: Option<&str>,
    parameters: &[(&str, &str)],
) {
    for (key, value) in output.iter_mut() {
        echo_field(key, value, instance_id, parameters);
    }
}

/// Field names that hold the ID of the instance a request names.
const INSTANCE_FIELDS: &[&str] = &[
    "DBInstanceId",
    "DBInstanceID",
    "DBInstanceName",
    "DbInstanceId",
    "DbInstanceName",
    "InsName",
    "InstanceId",
    "InstanceName",
];

fn echo_field(
    key: &str,
    value: &mut Value,
    instance_id: Option<&str>,
    parameters: &[(&str, &str)],
) {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields.iter_mut() {
                echo_field(key, value, instance_id, parameters);
            }
        }
        Value::Array(items) => {
            for item in items {
                echo_field(key, item, instance_id, parameters);
            }
        }
        scalar => {
            if let Some(id) = instance_id.filter(|_| INSTANCE_FIELDS.contains(&key)) {
                if scalar.is_string() {
                    *scalar = Value::from(id);
                }
            } else if let Some((_, given)) = parameters.iter().find(|(name, _)| *name == key) {
                // A value that does not fit the documented type (a task ID
                // the service answers as a number, sent as text that is no
                // number) would change the answer's shape, which a typed
                // client could no longer decode: the example's value stays.
                let echoed = conform(scalar, Value::from(*given));
                if same_json_type(scalar, &echoed) {
                    *scalar = echoed;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SAMPLE: &str = r#"{"RequestId":"r","Port":"3306","Count":1,"Ratio":0.5,"On":true,"SourcePassword":"123456",
        "Items":{"Item":[{"DBInstanceId":"rm-uf6wjk5****","Extra":"kept","Ids":["rr-1"]}]},
        "Ip":"192.168.XX.XX"}"#;

    fn object(value: Value) -> OperationOutput {
        match value {
            Value::Object(fields) => fields,
            _ => unreachable!("an object"),
        }
    }

    fn example() -> OperationOutput {
        match serde_json::from_str::<Value>(SAMPLE) {
            Ok(Value::Object(mut example)) => {
                example.remove("RequestId");
                example
            }
            _ => unreachable!("the sample is an object"),
        }
    }

    #[test]
    fn the_model_fills_the_documented_shape() {
        let output = shape(
            Some(&example()),
            object(
                json!({"Port": 5432, "Count": "7", "On": "false", "Items": {"Item": [{"DBInstanceId": "pgm-1"}]}, "New": 1}),
            ),
        );
        assert_eq!(
            Value::Object(output),
            json!({"Port": "5432", "Count": 7, "Ratio": 0.5, "On": false,
                   "Items": {"Item": [{"DBInstanceId": "pgm-1", "Extra": "kept", "Ids": []}]},
                   "Ip": "", "New": 1})
        );
    }

    #[test]
    fn lists_the_model_leaves_out_are_empty() {
        let output = shape(Some(&example()), OperationOutput::new());
        assert_eq!(output["Items"], json!({"Item": []}));
        assert!(!output.contains_key("RequestId"));
        assert_eq!(shape(None, object(json!({"A": 1}))).len(), 1);
    }

    #[test]
    fn echo_puts_the_request_identifiers_in() {
        let mut output = match serde_json::from_str::<Value>(SAMPLE) {
            Ok(Value::Object(output)) => output,
            _ => unreachable!("the sample is an object"),
        };
        echo(&mut output, Some("pgm-asked"), &[("Port", "1234")]);
        assert_eq!(output["Items"]["Item"][0]["DBInstanceId"], "pgm-asked");
        assert_eq!(output["Port"], "1234");
    }

    #[test]
    fn echo_keeps_the_documented_type() {
        let mut output = object(json!({"TaskId": 1, "Count": 2, "On": true}));
        echo(
            &mut output,
            None,
            &[("TaskId", "not-a-number"), ("Count", "7"), ("On", "maybe")],
        );
        assert_eq!(
            Value::Object(output),
            json!({"TaskId": 1, "Count": 7, "On": true})
        );
    }
}
