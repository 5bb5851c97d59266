//! The documentation's example response against its own schema.
//!
//! Alibaba's pages sometimes contradict themselves: DescribeSlowLogRecords
//! documents `CpuTime` as an integer while its example shows `0.002`, and
//! DescribeDBInstanceAttribute's example carries `BpeEnabled`, which its
//! schema lacks. The service sends what the example shows, so a typed
//! output built from the schema alone would fail to decode the whole
//! response, or drop the field. The importer walks the example beside the
//! converted response fields and, where they disagree, widens the field's
//! type (an integer that is not one becomes a `number`) or adds the missing
//! field with the type its example value has, and says so in its report.

use serde_json::Value;

use crate::spec::model::{Field, ItemType, OperationSpec, TypeName};

/// One place where the spec was brought in line with the example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// The field's path in the response, `Items.SQLSlowRecord[].CpuTime`.
    pub path: String,
    /// What was done, in words.
    pub detail: String,
}

/// The description of a field the schema lacks and the example shows.
pub const ADDED_FIELD_DESCRIPTION: &str =
    "Not in the documentation's schema; its example response shows this field.";

/// Brings the response fields of `spec` in line with its example response,
/// returning what changed. A spec without an example, or whose example is
/// not a JSON object, is left as it is.
pub fn reconcile(spec: &mut OperationSpec) -> Vec<Reconciled> {
    let Some(Ok(Value::Object(example))) = spec
        .sample_response
        .as_deref()
        .map(serde_json::from_str::<Value>)
    else {
        return Vec::new();
    };
    let mut changes = Vec::new();
    reconcile_object(&mut spec.response.fields, &example, "", &mut changes);
    changes
}

fn reconcile_object(
    fields: &mut Vec<Field>,
    example: &serde_json::Map<String, Value>,
    path: &str,
    changes: &mut Vec<Reconciled>,
) {
    for (name, value) in example {
        let field_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        match fields.iter_mut().find(|field| field.name == *name) {
            Some(field) => reconcile_field(field, value, &field_path, changes),
            None if !value.is_null() => {
                let field = inferred_field(name, value);
                changes.push(Reconciled {
                    path: field_path,
                    detail: format!(
                        "added as {}: the documentation's example shows it, its schema does not",
                        field.type_name.as_str()
                    ),
                });
                fields.push(field);
            }
            None => {}
        }
    }
}

/// The type keys of a field or of an array's items, which the example is
/// checked against alike.
struct TypeKeys<'spec> {
    type_name: &'spec mut TypeName,
    fields: &'spec mut Option<Vec<Field>>,
    items: Option<&'spec mut ItemType>,
}

fn reconcile_field(field: &mut Field, value: &Value, path: &str, changes: &mut Vec<Reconciled>) {
    let keys = TypeKeys {
        type_name: &mut field.type_name,
        fields: &mut field.fields,
        items: field.items.as_deref_mut(),
    };
    reconcile_value(keys, value, path, changes);
}

fn reconcile_value(keys: TypeKeys<'_>, value: &Value, path: &str, changes: &mut Vec<Reconciled>) {
    match (*keys.type_name, value) {
        (TypeName::Int32 | TypeName::Int64, Value::Number(number))
            if number.as_i64().is_none() && number.as_u64().is_none() =>
        {
            changes.push(Reconciled {
                path: path.to_owned(),
                detail: format!(
                    "widened from {} to number: the documentation's example has {number}",
                    keys.type_name.as_str()
                ),
            });
            *keys.type_name = TypeName::Number;
        }
        (TypeName::Object, Value::Object(members)) => {
            reconcile_object(
                keys.fields.get_or_insert_with(Vec::new),
                members,
                path,
                changes,
            );
        }
        (TypeName::Array, Value::Array(elements)) => {
            if let Some(items) = keys.items {
                let element_path = format!("{path}[]");
                for element in elements {
                    let item_keys = TypeKeys {
                        type_name: &mut items.type_name,
                        fields: &mut items.fields,
                        items: items.items.as_deref_mut(),
                    };
                    reconcile_value(item_keys, element, &element_path, changes);
                }
            }
        }
        _ => {}
    }
}

/// The spec type of an example value.
fn inferred_type(value: &Value) -> TypeName {
    match value {
        Value::Bool(_) => TypeName::Boolean,
        Value::Number(number) if number.as_i64().is_some() || number.as_u64().is_some() => {
            TypeName::Int64
        }
        Value::Number(_) => TypeName::Number,
        Value::String(_) => TypeName::String,
        Value::Array(_) => TypeName::Array,
        Value::Object(_) => TypeName::Object,
        Value::Null => TypeName::Any,
    }
}

/// A field for a member the schema lacks, typed after its example value.
/// Lists and objects are free-form JSON: one example says too little about
/// their shape.
fn inferred_field(name: &str, value: &Value) -> Field {
    let type_name = match inferred_type(value) {
        TypeName::Array | TypeName::Object => TypeName::Any,
        scalar => scalar,
    };
    Field {
        name: name.to_owned(),
        rust_name: None,
        type_name,
        description: Some(ADDED_FIELD_DESCRIPTION.to_owned()),
        example: None,
        deprecated: None,
        sensitive: None,
        enum_values: None,
        fields: None,
        rust_type: None,
        items: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::model::ResponseSpec;

    fn spec(fields: Vec<Field>, example: &str) -> OperationSpec {
        let mut spec: OperationSpec = serde_json::from_str(include_str!(
            "../../tests/fixtures/small/spec/rds/2014-08-15/operations/CreateWidget.json"
        ))
        .expect("the fixture parses");
        spec.response = ResponseSpec {
            description: None,
            fields,
        };
        spec.sample_response = Some(example.to_owned());
        spec
    }

    fn field(name: &str, type_name: TypeName) -> Field {
        Field {
            name: name.to_owned(),
            type_name,
            ..inferred_field(name, &Value::Null)
        }
    }

    #[test]
    fn an_integer_whose_example_is_a_fraction_becomes_a_number() {
        let record = Field {
            fields: Some(vec![field("CpuTime", TypeName::Int64)]),
            ..field("SQLSlowRecord", TypeName::Object)
        };
        let list = Field {
            items: Some(Box::new(ItemType {
                type_name: TypeName::Object,
                description: None,
                enum_values: None,
                fields: record.fields.clone(),
                rust_type: None,
                items: None,
            })),
            ..field("SQLSlowRecord", TypeName::Array)
        };
        let items = Field {
            fields: Some(vec![list]),
            ..field("Items", TypeName::Object)
        };
        let mut spec = spec(
            vec![items],
            r#"{"Items":{"SQLSlowRecord":[{"CpuTime":1},{"CpuTime":0.002}]}}"#,
        );
        let changes = reconcile(&mut spec);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].path, "Items.SQLSlowRecord[].CpuTime");
        assert!(changes[0].detail.contains("0.002"), "{changes:?}");
        let cpu_time = &spec.response.fields[0].fields.as_ref().unwrap()[0]
            .items
            .as_ref()
            .unwrap()
            .fields
            .as_ref()
            .unwrap()[0];
        assert_eq!(cpu_time.type_name, TypeName::Number);
        // Reconciling again changes nothing.
        assert!(reconcile(&mut spec).is_empty());
    }

    #[test]
    fn a_field_only_the_example_shows_is_added_with_its_type() {
        let mut spec = spec(
            vec![field("RequestId", TypeName::String)],
            r#"{"RequestId":"r","BpeEnabled":"on","Extra":{"A":1},"Gone":null}"#,
        );
        let changes = reconcile(&mut spec);
        let paths: Vec<&str> = changes.iter().map(|change| change.path.as_str()).collect();
        assert_eq!(paths, ["BpeEnabled", "Extra"]);
        let added = &spec.response.fields[1];
        assert_eq!(
            (added.name.as_str(), added.type_name),
            ("BpeEnabled", TypeName::String)
        );
        assert_eq!(spec.response.fields[2].type_name, TypeName::Any);
        assert_eq!(added.description.as_deref(), Some(ADDED_FIELD_DESCRIPTION));
    }
}
