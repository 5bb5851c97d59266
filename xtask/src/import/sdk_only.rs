//! Completing the spec of an operation that only the SDK metadata
//! describes.
//!
//! The SDK metadata has the operation's parameters and response model, but
//! no summary, no error table and no example response. The importer
//! invents none of them:
//!
//! - the **summary** is the action name in words (`RunRCInstances` →
//!   "Run RDS Custom instances."), unless the existing spec has one, which
//!   the merge keeps, so a summary written by hand survives re-imports;
//! - the **errors** are the ones every operation can answer: the error
//!   rows that api-docs lists for at least 90% of its operations
//!   ([`common_error_rows`]); the gateway errors of `product.json` apply to
//!   every operation anyway;
//! - the **sample response** is synthesized from the response fields
//!   ([`synthesize_sample`]) and marked `sampleResponseSynthesized`, so
//!   the emulator can answer the operation and a test can check that the
//!   body decodes, while the docs never present it as Alibaba's.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::api_docs::ApiDocs;
use crate::spec::model::{ErrorRow, Field, OperationSpec, TypeName, TypeRef, Typed};

/// The share of api-docs' operations that must list an error row for it to
/// count as common to every operation.
const COMMON_ERROR_SHARE: f64 = 0.9;

/// How often api-docs lists one `(httpStatus, code)`.
#[derive(Default)]
struct Listing {
    /// How many operations list it.
    operations: usize,
    /// Each message it is listed with: how often, and when first met.
    messages: BTreeMap<String, (usize, usize)>,
}

impl Listing {
    /// The message given most often, the first one met on a tie.
    fn usual_message(self) -> String {
        self.messages
            .into_iter()
            .max_by(|(_, (left, left_seen)), (_, (right, right_seen))| {
                left.cmp(right).then(right_seen.cmp(left_seen))
            })
            .map(|(message, _)| message)
            .unwrap_or_default()
    }
}

/// The error rows common to the operations of an api-docs document: each
/// `(httpStatus, code)` listed by at least 90% of its operations, with the
/// message those operations give most often (the first one met on a tie),
/// sorted by status and code.
pub fn common_error_rows(document: &ApiDocs) -> Vec<ErrorRow> {
    let operations = document.apis.len();
    let mut listings: BTreeMap<(u16, String), Listing> = BTreeMap::new();
    let mut seen = 0;
    for (_, api) in document.apis.iter() {
        let mut listed_here = BTreeSet::new();
        for (status, rows) in api.error_codes.iter() {
            let Ok(status) = status.trim().parse::<u16>() else {
                continue;
            };
            for row in rows {
                let key = (status, row.error_code.trim().to_owned());
                let listing = listings.entry(key.clone()).or_default();
                if listed_here.insert(key) {
                    listing.operations += 1;
                }
                seen += 1;
                listing
                    .messages
                    .entry(row.error_message.clone())
                    .or_insert((0, seen))
                    .0 += 1;
            }
        }
    }
    listings
        .into_iter()
        .filter(|(_, listing)| {
            operations > 0 && listing.operations as f64 >= COMMON_ERROR_SHARE * operations as f64
        })
        .map(|((http_status, code), listing)| ErrorRow {
            http_status,
            code,
            message: listing.usual_message(),
            description: None,
            rust_name: None,
        })
        .collect()
}

/// The action name in words, as a sentence: `DescribeRCInstances` →
/// "Describe RDS Custom instances.", `CreateDBInstanceReplication` →
/// "Create DB instance replication.".
pub fn summary_from_name(name: &str) -> String {
    let words: Vec<String> = split_words(name)
        .into_iter()
        .enumerate()
        .map(|(index, word)| match word.as_str() {
            "RC" => "RDS Custom".to_owned(),
            "VSwitch" => "vSwitch".to_owned(),
            _ if index == 0 => word,
            // Acronyms and names such as DuckDB keep their capitals.
            _ if word
                .chars()
                .skip(1)
                .any(|character| character.is_ascii_uppercase()) =>
            {
                word
            }
            _ if word.len() == 1 => word,
            _ => word.to_ascii_lowercase(),
        })
        .collect();
    format!("{}.", words.join(" "))
}

/// Splits a PascalCase action name into words, keeping acronyms whole
/// (`DBInstance` → `DB`, `Instance`) and the product names the API spells
/// in mixed case (`VSwitch`, `DuckDB`) as one word.
pub fn split_words(name: &str) -> Vec<String> {
    const KEPT: &[&str] = &["VSwitch", "DuckDB"];
    let characters: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut index = 0;
    while index < characters.len() {
        let rest: String = characters[index..].iter().collect();
        if let Some(kept) = KEPT.iter().find(|kept| rest.starts_with(**kept)) {
            words.push((*kept).to_owned());
            index += kept.len();
            continue;
        }
        let start = index;
        index += 1;
        if characters[start].is_ascii_uppercase()
            && characters.get(index).is_some_and(char::is_ascii_uppercase)
        {
            // An acronym runs until the capital that starts the next word.
            while index < characters.len()
                && characters[index].is_ascii_uppercase()
                && !characters
                    .get(index + 1)
                    .is_some_and(char::is_ascii_lowercase)
            {
                index += 1;
            }
        } else {
            while index < characters.len() && !characters[index].is_ascii_uppercase() {
                index += 1;
            }
        }
        words.push(characters[start..index].iter().collect());
    }
    words
}

/// Completes a spec converted from the SDK metadata (after the merge with
/// the existing file, which keeps a summary written by hand): a summary
/// when there is none, and a sample response synthesized from its
/// response fields, replacing any earlier synthesized one.
pub fn complete(spec: &mut OperationSpec) {
    if spec.summary.is_empty() {
        spec.summary = summary_from_name(&spec.name);
    }
    if spec.sample_response.is_none() || spec.has_synthesized_sample() {
        spec.sample_response = Some(synthesize_sample(&spec.response.fields));
        spec.sample_response_synthesized = Some(true);
    }
}

/// A response body with every field of the model once: strings hold their
/// example, else the first value their description documents as valid
/// (`**Running**`), else their own wire name; integers 1, numbers 1.5,
/// booleans `true`, lists one element, free-form values an empty object.
/// Keys are sorted, so the same model always gives the same text.
pub fn synthesize_sample(fields: &[Field]) -> String {
    let body = object_value(fields);
    let mut text = serde_json::to_string_pretty(&body).unwrap_or_else(|_| "{}".to_owned());
    text.push('\n');
    text
}

fn object_value(fields: &[Field]) -> Value {
    let object = fields
        .iter()
        .map(|field| {
            let example = field
                .example
                .clone()
                .or_else(|| first_documented_value(field.description.as_deref()?));
            let value = value_of(&field.name, field.type_ref(), example.as_deref());
            (field.name.clone(), value)
        })
        .collect::<Map<String, Value>>();
    Value::Object(object)
}

/// The first value a description documents as valid, the way the SDK's
/// descriptions write them: "Valid values:" followed by `**Running**`
/// items. `None` when the description lists none.
fn first_documented_value(description: &str) -> Option<String> {
    let (_, listed) = description.split_once("Valid values")?;
    let (_, rest) = listed.split_once("**")?;
    let (value, _) = rest.split_once("**")?;
    let plain = !value.is_empty()
        && value.len() <= 64
        && value
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "_-.:/".contains(character));
    plain.then(|| value.to_owned())
}

fn value_of(name: &str, type_ref: TypeRef<'_>, example: Option<&str>) -> Value {
    match type_ref.name {
        TypeName::String => Value::String(example.unwrap_or(name).to_owned()),
        TypeName::Int32 | TypeName::Int64 => Value::from(1),
        TypeName::Number => Value::from(1.5),
        TypeName::Boolean => Value::Bool(true),
        TypeName::Any => Value::Object(Map::new()),
        TypeName::Object => object_value(type_ref.fields),
        TypeName::Array => Value::Array(
            type_ref
                .items
                .map(|item| value_of(name, item.type_ref(), None))
                .into_iter()
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::{first_documented_value, split_words, summary_from_name};

    #[test]
    fn a_documented_value_stands_for_a_string() {
        assert_eq!(
            first_documented_value("The status. Valid values:\n\n- **Pending**: being created.\n- **Running**: running."),
            Some("Pending".to_owned())
        );
        assert_eq!(first_documented_value("The status."), None);
        assert_eq!(
            first_documented_value("Valid values: **a value with spaces**"),
            None
        );
    }

    #[test]
    fn names_become_sentences_with_their_acronyms_whole() {
        assert_eq!(
            summary_from_name("RunRCInstances"),
            "Run RDS Custom instances."
        );
        assert_eq!(
            summary_from_name("CreateDBInstanceReplication"),
            "Create DB instance replication."
        );
        assert_eq!(
            summary_from_name("DescribeVSwitchList"),
            "Describe vSwitch list."
        );
        assert_eq!(
            summary_from_name("PrecheckDuckDBDependency"),
            "Precheck DuckDB dependency."
        );
        assert_eq!(
            split_words("DescribeDBInstanceCLS"),
            ["Describe", "DB", "Instance", "CLS"]
        );
        assert_eq!(summary_from_name("RdsCustomInit"), "Rds custom init.");
    }
}
