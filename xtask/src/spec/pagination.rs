//! Pagination in the spec: how a list operation says which page to answer
//! and whether more pages follow, and its checks.
//!
//! A paged operation carries a `pagination` block naming its request
//! parameters (page number and page size, or token and maximum results)
//! and the response fields that say where the listing stands (the total,
//! or the next token) and where the items are. `cargo xtask import`
//! proposes the block from the metadata; it may also be written or
//! corrected by hand. `spec/README.md` documents the format. The checks are
//! as strict as the waiters' (see [`super::waiter`]): every name must be a
//! documented parameter or response field of the type the paginator reads
//! or writes, because a wrong one would otherwise make paging stop early or
//! never.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::{SpecError, SpecErrorKind};
use super::model::{field_step, Field, OperationSpec, TypeName, Typed};
use super::naming::is_sensitive;

/// How an operation is paged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum PaginationStyle {
    /// A page number and a page size; the response reports the total.
    PageNumber,
    /// The previous response's next token and a maximum number of results.
    NextToken,
}

impl PaginationStyle {
    /// The spelling in the spec.
    pub fn as_str(self) -> &'static str {
        match self {
            PaginationStyle::PageNumber => "pageNumber",
            PaginationStyle::NextToken => "nextToken",
        }
    }
}

/// The `pagination` block of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PaginationSpec {
    /// How the operation is paged.
    pub style: PaginationStyle,
    /// The integer parameter of the page number, from one (`pageNumber`
    /// style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_number_parameter: Option<String>,
    /// The integer parameter of the page size (`pageNumber` style,
    /// optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size_parameter: Option<String>,
    /// The string parameter that carries the previous page's next token
    /// (`nextToken` style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_parameter: Option<String>,
    /// The integer parameter of the maximum number of results per page
    /// (`nextToken` style, optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_results_parameter: Option<String>,
    /// The page size to send when neither the request nor the caller sets
    /// one; for operations that page by token only when the first request
    /// carries a maximum number of results. Needs a page size parameter.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_page_size: Option<u32>,
    /// The path of the total number of items in the response (`pageNumber`
    /// style, optional: without it, paging stops at an empty page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_path: Option<String>,
    /// The path of the next token in the response (`nextToken` style).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_token_path: Option<String>,
    /// The path of the list of items in the response.
    pub items_path: String,
}

/// Parses a response path: field wire names separated by dots. Pagination
/// paths name one value per response, so they have no indices.
pub fn parse_field_path(path: &str) -> Result<Vec<&str>, String> {
    if path.is_empty() {
        return Err("the path is empty".to_owned());
    }
    let steps: Vec<&str> = path.split('.').collect();
    if let Some(bad) = steps.iter().find(|step| {
        step.is_empty()
            || !step
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_')
    }) {
        return Err(format!(
            "{bad:?} is not a field name; write paths as field names separated by dots, such as Items.DBInstance (no indices)"
        ));
    }
    Ok(steps)
}

/// Follows a parsed path through the response fields to the field it names;
/// every step but the last must be an object.
pub fn resolve_field_path<'spec>(
    fields: &'spec [Field],
    steps: &[&str],
) -> Result<&'spec Field, String> {
    let mut available = fields;
    let mut found: Option<&'spec Field> = None;
    for step in steps {
        let parent = found.map(|field| (field.name.as_str(), field.type_name));
        let field = field_step(available, parent, step)?;
        available = field.type_ref().fields;
        found = Some(field);
    }
    found.ok_or_else(|| "the path is empty".to_owned())
}

/// What a named parameter must be.
#[derive(Clone, Copy)]
enum Expected {
    Integer,
    Text,
}

impl Expected {
    fn accepts(self, type_name: TypeName) -> bool {
        match self {
            Expected::Integer => matches!(type_name, TypeName::Int32 | TypeName::Int64),
            Expected::Text => type_name == TypeName::String,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Expected::Integer => "an integer (int32 or int64)",
            Expected::Text => "a string",
        }
    }
}

/// Checks the `pagination` block of one operation file.
pub fn validate_pagination(file: &Path, spec: &OperationSpec) -> Vec<SpecError> {
    let mut problems = Vec::new();
    let Some(pagination) = &spec.pagination else {
        return problems;
    };
    let mut problem = |key: &str, kind: SpecErrorKind, message: String| {
        problems.push(SpecError::at(
            file,
            format!("/pagination/{key}"),
            kind,
            message,
        ));
    };
    let style = pagination.style;
    // Which keys the style needs, allows and forbids.
    let keys: [(&str, &Option<String>, bool, bool); 6] = match style {
        PaginationStyle::PageNumber => [
            (
                "pageNumberParameter",
                &pagination.page_number_parameter,
                true,
                true,
            ),
            (
                "pageSizeParameter",
                &pagination.page_size_parameter,
                false,
                true,
            ),
            ("totalPath", &pagination.total_path, false, true),
            ("tokenParameter", &pagination.token_parameter, false, false),
            (
                "maxResultsParameter",
                &pagination.max_results_parameter,
                false,
                false,
            ),
            ("nextTokenPath", &pagination.next_token_path, false, false),
        ],
        PaginationStyle::NextToken => [
            ("tokenParameter", &pagination.token_parameter, true, true),
            (
                "maxResultsParameter",
                &pagination.max_results_parameter,
                false,
                true,
            ),
            ("nextTokenPath", &pagination.next_token_path, true, true),
            (
                "pageNumberParameter",
                &pagination.page_number_parameter,
                false,
                false,
            ),
            (
                "pageSizeParameter",
                &pagination.page_size_parameter,
                false,
                false,
            ),
            ("totalPath", &pagination.total_path, false, false),
        ],
    };
    for (key, value, required, allowed) in keys {
        if required && value.is_none() {
            problem(
                "style",
                SpecErrorKind::Shape,
                format!("the {:?} style needs `{key}`", style.as_str()),
            );
        }
        if !allowed && value.is_some() {
            problem(
                key,
                SpecErrorKind::Shape,
                format!(
                    "`{key}` does not belong to the {:?} style; remove it or change the style",
                    style.as_str()
                ),
            );
        }
    }

    if let Some(default) = pagination.default_page_size {
        let size_parameter = match style {
            PaginationStyle::PageNumber => &pagination.page_size_parameter,
            PaginationStyle::NextToken => &pagination.max_results_parameter,
        };
        if default == 0 {
            problem(
                "defaultPageSize",
                SpecErrorKind::InvalidValue,
                "a default page size of 0 asks for empty pages; use at least 1".to_owned(),
            );
        }
        if size_parameter.is_none() {
            problem(
                "defaultPageSize",
                SpecErrorKind::Shape,
                "a default page size needs the parameter it is sent in (`pageSizeParameter` or `maxResultsParameter`)".to_owned(),
            );
        }
    }

    let parameters = [
        (
            "pageNumberParameter",
            &pagination.page_number_parameter,
            Expected::Integer,
        ),
        (
            "pageSizeParameter",
            &pagination.page_size_parameter,
            Expected::Integer,
        ),
        (
            "tokenParameter",
            &pagination.token_parameter,
            Expected::Text,
        ),
        (
            "maxResultsParameter",
            &pagination.max_results_parameter,
            Expected::Integer,
        ),
    ];
    for (key, name, expected) in parameters {
        let Some(name) = name else { continue };
        match spec
            .parameters
            .iter()
            .find(|parameter| parameter.name == *name)
        {
            None => {
                let known: Vec<&str> = spec
                    .parameters
                    .iter()
                    .map(|parameter| parameter.name.as_str())
                    .collect();
                problem(
                    key,
                    SpecErrorKind::InvalidValue,
                    format!(
                        "the operation has no parameter {name:?}; its parameters are: {}",
                        known.join(", ")
                    ),
                );
            }
            Some(parameter) if !expected.accepts(parameter.type_name) => problem(
                key,
                SpecErrorKind::InconsistentType,
                format!(
                    "parameter {name:?} is of type {:?}; the paginator writes {} into it",
                    parameter.type_name.as_str(),
                    expected.describe()
                ),
            ),
            Some(_) => {}
        }
    }

    let paths = [
        ("totalPath", pagination.total_path.as_deref()),
        ("nextTokenPath", pagination.next_token_path.as_deref()),
        ("itemsPath", Some(pagination.items_path.as_str())),
    ];
    for (key, path) in paths {
        let Some(path) = path else { continue };
        let field = parse_field_path(path)
            .and_then(|steps| resolve_field_path(&spec.response.fields, &steps));
        let field = match field {
            Ok(field) => field,
            Err(message) => {
                problem(
                    key,
                    SpecErrorKind::InvalidValue,
                    format!("path {path:?}: {message}"),
                );
                continue;
            }
        };
        // The token may be quoted in an error (a repeated token), so it must
        // not be a secret; the items are handed to the caller, never shown.
        if key == "nextTokenPath" && is_sensitive(&field.name, field.sensitive) {
            problem(
                key,
                SpecErrorKind::InvalidValue,
                format!(
                    "path {path:?} reads `{}`, a secret; the paginator quotes a repeated token in its error, so the token must not be one",
                    field.name
                ),
            );
        }
        let (fits, wanted) = match key {
            "totalPath" => (
                matches!(
                    field.type_name,
                    TypeName::Int32 | TypeName::Int64 | TypeName::String
                ),
                "an integer (or a string holding one)",
            ),
            "nextTokenPath" => (field.type_name == TypeName::String, "a string"),
            _ => (
                field.type_name == TypeName::Array,
                "an array (the list of items)",
            ),
        };
        if !fits {
            problem(
                key,
                SpecErrorKind::InconsistentType,
                format!(
                    "path {path:?} leads to `{}`, of type {:?}; it must lead to {wanted}",
                    field.name,
                    field.type_name.as_str()
                ),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_are_names_separated_by_dots() {
        assert_eq!(
            parse_field_path("Items.DBInstance"),
            Ok(vec!["Items", "DBInstance"])
        );
        assert_eq!(parse_field_path("NextToken"), Ok(vec!["NextToken"]));
        for bad in ["", ".A", "A.", "A..B", "A[0]", "A[*].B", "A B"] {
            assert!(parse_field_path(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
