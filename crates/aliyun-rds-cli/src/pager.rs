//! `--pager`: calling a paged operation page after page and printing the
//! items of every page as one list, as Alibaba's `aliyun` CLI does.
//!
//! RDS pages in two ways, and the operation's parameters say which:
//! a page number and size (`PageNumber` with `PageSize` or
//! `MaxRecordsPerPage`), or a token (`NextToken` with `MaxResults`).
//! An operation that has both pages by number unless the command line sets
//! `--next-token` or `--max-results`.
//!
//! By number, the pager starts at the requested page (1 when none) and
//! stops once it has every item the response's total announces. The total
//! is spelled several ways across RDS (`TotalRecordCount`, `TotalCount`,
//! `TotalRecordsCount`, `TotalSize`, ...): the first of those present at
//! the top of the response is used, or the one `total=` names. Without any
//! total it stops at the first short or empty page. By token, it follows
//! `NextToken` until the response has none.
//!
//! The items are found once, on the first page: at `path=` when given,
//! otherwise at the only list of the response (`Items.DBInstance[]`). The
//! output is that path's shape holding every item, for example
//! `{"Items": {"DBInstance": [...]}}`; the other fields of the pages, which
//! describe one page only, are left out.

use std::fmt;

use aliyun_runtime::error::SdkError;
use aliyun_runtime::metadata::OperationMetadata;
use aliyun_runtime::Runtime;
use serde_json::{Map, Value};

use crate::call_options::PagerOptions;
use crate::output::{find_the_list, Query, QueryError};

/// The names RDS gives a page's total item count, most common first.
const TOTAL_NAMES: &[&str] = &[
    "TotalRecordCount",
    "TotalCount",
    "TotalRecordsCount",
    "TotalRecords",
    "TotalSize",
    "Total",
];

/// The page-number parameters RDS uses.
const PAGE_NUMBER_NAMES: &[&str] = &["PageNumber", "PageNo"];
/// The page-size parameters that go with a page number.
const PAGE_SIZE_NAMES: &[&str] = &["PageSize", "MaxRecordsPerPage"];

/// How many pages the pager fetches at most: a service that never stops
/// announcing more (or a total that does not match what it returns) must
/// not make the command loop for ever.
const MAX_PAGES: u64 = 100_000;

/// How an operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// By page number, with the parameters' wire names.
    Number {
        number: &'static str,
        size: Option<&'static str>,
    },
    /// By `NextToken`.
    Token,
}

/// Why the pages could not be merged.
#[derive(Debug)]
#[non_exhaustive]
pub enum PagerError {
    /// The operation takes neither a page number nor a token.
    NotPaged {
        /// The operation's action name.
        operation: &'static str,
    },
    /// A page failed.
    Call(SdkError<String>),
    /// No single list was found in the first page.
    NoItems {
        /// What the first page holds at its top level.
        fields: Vec<String>,
    },
    /// `path=` failed, or found something other than a list.
    BadPath {
        /// The expression.
        path: String,
        /// Why, when it failed.
        source: Option<QueryError>,
    },
    /// `total=` names a field the response does not have as a number.
    NoTotal {
        /// The field.
        name: String,
    },
    /// The service answered a token with the same token.
    RepeatedToken,
    /// The pager stopped at [`MAX_PAGES`].
    TooManyPages,
}

impl fmt::Display for PagerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PagerError::NotPaged { operation } => write!(
                f,
                "--pager: {operation} is not paged (it takes neither PageNumber nor NextToken); call it without --pager"
            ),
            PagerError::Call(error) => write!(f, "{error}"),
            PagerError::NoItems { fields } => write!(
                f,
                "--pager cannot tell which list holds the items (the response has {}); name it with --pager path=<JMESPath>, for example path=Items.DBInstance[]",
                if fields.is_empty() { "no fields".to_owned() } else { fields.join(", ") }
            ),
            PagerError::BadPath { path, source: Some(source) } => {
                write!(f, "--pager path={path}: {source}")
            }
            PagerError::BadPath { path, source: None } => write!(
                f,
                "--pager path={path} does not select a list in the response; check the path against one page printed without --pager"
            ),
            PagerError::NoTotal { name } => write!(
                f,
                "--pager total={name}: the response has no number named {name}; check the name against one page printed without --pager"
            ),
            PagerError::RepeatedToken => write!(
                f,
                "--pager: the service answered a NextToken with the same NextToken, so paging would never end; the items so far are incomplete"
            ),
            PagerError::TooManyPages => write!(
                f,
                "--pager stopped after {MAX_PAGES} pages without reaching the end; narrow the request with filters"
            ),
        }
    }
}

impl std::error::Error for PagerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PagerError::Call(error) => error.source(),
            PagerError::BadPath {
                source: Some(source),
                ..
            } => Some(source),
            _ => None,
        }
    }
}

/// Which way `operation` pages, given the parameters of the command line.
fn style(
    operation: &'static OperationMetadata,
    parameters: &Map<String, Value>,
) -> Result<Style, PagerError> {
    let has = |name: &str| operation.parameters.iter().any(|p| p.name == name);
    let first_of = |names: &[&'static str]| names.iter().copied().find(|name| has(name));
    let number = first_of(PAGE_NUMBER_NAMES);
    let token = has("NextToken");
    let token_asked = parameters.contains_key("NextToken") || parameters.contains_key("MaxResults");
    match (number, token) {
        (Some(_), true) if token_asked => Ok(Style::Token),
        (Some(number), _) => Ok(Style::Number {
            number,
            size: first_of(PAGE_SIZE_NAMES),
        }),
        (None, true) => Ok(Style::Token),
        (None, false) => Err(PagerError::NotPaged {
            operation: operation.name,
        }),
    }
}

/// Fetches every page of `operation` and merges their items.
pub async fn collect(
    runtime: &Runtime,
    operation: &'static OperationMetadata,
    mut parameters: Map<String, Value>,
    options: &PagerOptions,
) -> Result<Value, PagerError> {
    let style = style(operation, &parameters)?;
    let mut path: Option<String> = options.path.as_ref().map(|path| path.as_str().to_owned());
    let mut items: Vec<Value> = Vec::new();
    let mut page_number = match style {
        Style::Number { number, .. } => integer(parameters.get(number)).unwrap_or(1).max(1),
        Style::Token => 0,
    };
    let first_page = page_number;
    let requested_size = match style {
        Style::Number {
            size: Some(size), ..
        } => integer(parameters.get(size)),
        _ => None,
    };
    let mut pages: u64 = 0;
    loop {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(PagerError::TooManyPages);
        }
        if let Style::Number { number, .. } = style {
            parameters.insert(number.to_owned(), Value::String(page_number.to_string()));
        }
        let response: Value = runtime
            .invoke(operation, &parameters, str::to_owned)
            .await
            .map_err(PagerError::Call)?;
        let page_items = items_of(&response, &mut path, options.path.as_ref())?;
        let on_page = page_items.len() as u64;
        items.extend(page_items);
        match style {
            Style::Number { .. } => {
                let total = total_of(&response, options.total.as_deref())?;
                let size = requested_size.or_else(|| integer(response.get("PageSize")));
                let done = on_page == 0
                    || match (total, size) {
                        (Some(total), Some(size)) => page_number.saturating_mul(size) >= total,
                        // Without the page size, the items before a later
                        // first page cannot be counted: go on until a page
                        // comes back empty.
                        (Some(total), None) => first_page == 1 && items.len() as u64 >= total,
                        (None, Some(size)) => on_page < size,
                        // Nothing says how many there are: go on until a
                        // page comes back empty.
                        (None, None) => false,
                    };
                if done {
                    break;
                }
                page_number += 1;
            }
            Style::Token => {
                let next = response
                    .get("NextToken")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if next.is_empty() || on_page == 0 {
                    break;
                }
                let sent = parameters.get("NextToken").and_then(Value::as_str);
                if sent == Some(next) {
                    return Err(PagerError::RepeatedToken);
                }
                parameters.insert("NextToken".to_owned(), Value::String(next.to_owned()));
            }
        }
    }
    Ok(shaped(path.as_deref().unwrap_or("@"), items))
}

/// An integer parameter or field, as a number or as a numeric string.
fn integer(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The items of one page, at `path`; on the first page without `path=`,
/// the only list of the response, whose path is then kept for the others.
fn items_of(
    response: &Value,
    path: &mut Option<String>,
    given: Option<&Query>,
) -> Result<Vec<Value>, PagerError> {
    if let Some(query) = given {
        return match query.search(response) {
            Ok(Value::Array(items)) => Ok(items),
            // A page past the end may have no list at all.
            Ok(Value::Null) => Ok(Vec::new()),
            Ok(_) => Err(PagerError::BadPath {
                path: query.as_str().to_owned(),
                source: None,
            }),
            Err(source) => Err(PagerError::BadPath {
                path: query.as_str().to_owned(),
                source: Some(source),
            }),
        };
    }
    match path {
        Some(found) => {
            let query = Query::compile(found).map_err(|source| PagerError::BadPath {
                path: found.clone(),
                source: Some(source),
            })?;
            match query.search(response) {
                Ok(Value::Array(items)) => Ok(items),
                _ => Ok(Vec::new()),
            }
        }
        None => {
            let (found, items) = find_the_list(response).ok_or_else(|| PagerError::NoItems {
                fields: response
                    .as_object()
                    .map(|fields| fields.keys().cloned().collect())
                    .unwrap_or_default(),
            })?;
            let items = items.clone();
            *path = Some(found);
            Ok(items)
        }
    }
}

/// The page's total item count, from `name` when given.
fn total_of(response: &Value, name: Option<&str>) -> Result<Option<u64>, PagerError> {
    match name {
        Some(name) => integer(response.get(name))
            .map(Some)
            .ok_or_else(|| PagerError::NoTotal {
                name: name.to_owned(),
            }),
        None => Ok(TOTAL_NAMES
            .iter()
            .find_map(|name| integer(response.get(*name)))),
    }
}

/// The merged items in the shape of their path: `Items.DBInstance[]`
/// gives `{"Items": {"DBInstance": [...]}}`. A path that is not a chain of
/// field names (a filter, a function) gives the bare list.
fn shaped(path: &str, items: Vec<Value>) -> Value {
    let Some(fields) = path.strip_suffix("[]") else {
        return Value::Array(items);
    };
    let names: Vec<&str> = fields.split('.').collect();
    let plain = |name: &&str| {
        !name.is_empty()
            && name
                .chars()
                .all(|character| character.is_ascii_alphanumeric() || character == '_')
    };
    if !names.iter().all(plain) {
        return Value::Array(items);
    }
    names.iter().rev().fold(Value::Array(items), |inner, name| {
        let mut object = Map::new();
        object.insert((*name).to_owned(), inner);
        Value::Object(object)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn operation(name: &str) -> &'static OperationMetadata {
        aliyun_rds::metadata::OPERATIONS
            .iter()
            .copied()
            .find(|operation| operation.name == name)
            .expect("operation exists")
    }

    #[test]
    fn the_style_follows_the_parameters() {
        let empty = Map::new();
        assert_eq!(
            style(operation("DescribeDBInstances"), &empty).expect("paged"),
            Style::Number {
                number: "PageNumber",
                size: Some("PageSize")
            }
        );
        let mut token = Map::new();
        token.insert("MaxResults".to_owned(), json!("10"));
        assert_eq!(
            style(operation("DescribeDBInstances"), &token).expect("paged"),
            Style::Token
        );
        let error =
            style(operation("ActivateMigrationTargetInstance"), &empty).expect_err("not paged");
        assert!(
            error
                .to_string()
                .contains("ActivateMigrationTargetInstance is not paged"),
            "{error}"
        );
    }

    #[test]
    fn merged_items_keep_the_shape_of_their_path() {
        assert_eq!(
            shaped("Items.DBInstance[]", vec![json!(1)]),
            json!({"Items": {"DBInstance": [1]}})
        );
        assert_eq!(shaped("Items[]", vec![json!(1)]), json!({"Items": [1]}));
        assert_eq!(shaped("Items[?a]", vec![json!(1)]), json!([1]));
        assert_eq!(shaped("@", vec![json!(1)]), json!([1]));
    }

    #[test]
    fn totals_are_found_under_their_several_names() {
        assert_eq!(
            total_of(&json!({"TotalCount": "7"}), None).expect("ok"),
            Some(7)
        );
        assert_eq!(
            total_of(&json!({"TotalRecordCount": 250, "TotalSize": 9}), None).expect("ok"),
            Some(250)
        );
        assert_eq!(total_of(&json!({}), None).expect("ok"), None);
        assert!(total_of(&json!({}), Some("Count")).is_err());
    }
}
