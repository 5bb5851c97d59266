//! Proposing the `pagination` block of a paged operation from its
//! parameters and response fields.
//!
//! The metadata has no notion of paging, but paged operations follow a few
//! conventions, which [`propose`] recognises:
//!
//! - **token style**: a string parameter `NextToken` and a string response
//!   field `NextToken` (at the top level or inside an object), with an
//!   integer `MaxResults` parameter when there is one, whose documented
//!   default (`Default value: **30**`) becomes the block's `defaultPageSize`:
//!   `DescribeDBInstances` pages by token only when the first request
//!   carries `MaxResults`. When an operation
//!   documents both styles (`DescribeDBInstances`), the token style wins:
//!   its documentation says that `MaxResults` makes `PageNumber` and
//!   `PageSize` unavailable and that the total is then meaningless, and a
//!   token listing neither skips nor repeats items when the list changes
//!   while it is read;
//! - **page-number style**: an integer parameter `PageNumber`, with an
//!   integer `PageSize` when there is one, and the total in the first
//!   response field found of the spellings in [`TOTAL_NAMES`] (without
//!   one, paging stops at an empty page).
//!
//! The items are the response's list: the only array reachable without
//! going through another array, or, among several, the only one under
//! `Items`. An operation whose parameters look paged but whose block
//! cannot be decided (no list, several lists, page parameters that are not
//! integers, a page index whose first value is not documented) gets no
//! block, and the report says why. A block already in the spec file is
//! kept as it is: it may have been written by hand.

use crate::spec::model::{Field, OperationSpec, TypeName};
use crate::spec::pagination::{PaginationSpec, PaginationStyle};

/// The spellings of the total number of items, in order of preference.
pub const TOTAL_NAMES: &[&str] = &[
    "TotalRecordCount",
    "TotalCount",
    "TotalItemCount",
    "TotalRecordsCount",
    "TotalRecords",
    "TotalSize",
    "Total",
];

/// Parameters that suggest paging but that the importer cannot map.
const UNMAPPED_PAGE_PARAMETERS: &[&str] = &["PageIndex", "PageNo", "MaxRecordsPerPage"];

/// What the importer concluded about one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Proposal {
    /// The operation is not paged.
    NotPaged,
    /// A block, and how it was decided, in words.
    Block(PaginationSpec, String),
    /// The operation looks paged but no block could be decided; why.
    Undecided(String),
}

/// Proposes the `pagination` block of `operation`.
pub fn propose(operation: &OperationSpec) -> Proposal {
    let parameter_type = |name: &str| {
        operation
            .parameters
            .iter()
            .find(|parameter| parameter.name == name)
            .map(|parameter| parameter.type_name)
    };
    let is_integer = |type_name: TypeName| matches!(type_name, TypeName::Int32 | TypeName::Int64);
    let fields = &operation.response.fields;

    let token = parameter_type("NextToken");
    let page_number = parameter_type("PageNumber");
    if token.is_none() && page_number.is_none() {
        let unmapped: Vec<&str> = UNMAPPED_PAGE_PARAMETERS
            .iter()
            .copied()
            .filter(|name| parameter_type(name).is_some())
            .collect();
        return if unmapped.is_empty() {
            Proposal::NotPaged
        } else {
            Proposal::Undecided(format!(
                "pages by {}, whose first value and meaning the metadata does not document; write the block by hand",
                unmapped.join(", ")
            ))
        };
    }
    let items_path = match items_path(fields) {
        Ok(path) => path,
        Err(reason) => return Proposal::Undecided(reason),
    };

    if let Some(token_type) = token {
        if token_type != TypeName::String {
            return Proposal::Undecided(format!(
                "NextToken is of type {}, not a string",
                token_type.as_str()
            ));
        }
        let Some(next_token_path) = find_field(fields, |field| {
            field.name == "NextToken" && field.type_name == TypeName::String
        }) else {
            return Proposal::Undecided(
                "the request takes NextToken but the response has no string field NextToken"
                    .to_owned(),
            );
        };
        let max_results = parameter_type("MaxResults")
            .filter(|type_name| is_integer(*type_name))
            .map(|_| "MaxResults".to_owned());
        let default_page_size = max_results
            .as_ref()
            .and_then(|name| {
                operation
                    .parameters
                    .iter()
                    .find(|parameter| parameter.name == *name)
            })
            .and_then(|parameter| parameter.description.as_deref())
            .and_then(documented_default);
        let mut how = format!("by token: NextToken, next token at {next_token_path}");
        if max_results.is_some() {
            how.push_str(", page size MaxResults");
        }
        if let Some(default) = default_page_size {
            how.push_str(&format!(" (documented default {default}, always sent)"));
        }
        if page_number.is_some() {
            how.push_str(" (it also takes PageNumber; the token style is preferred)");
        }
        how.push_str(&format!(", items at {items_path}"));
        return Proposal::Block(
            PaginationSpec {
                style: PaginationStyle::NextToken,
                page_number_parameter: None,
                page_size_parameter: None,
                token_parameter: Some("NextToken".to_owned()),
                max_results_parameter: max_results,
                default_page_size,
                total_path: None,
                next_token_path: Some(next_token_path),
                items_path,
            },
            how,
        );
    }

    let page_number_type = page_number.unwrap_or(TypeName::Any);
    if !is_integer(page_number_type) {
        return Proposal::Undecided(format!(
            "PageNumber is of type {}, not an integer",
            page_number_type.as_str()
        ));
    }
    let page_size = match parameter_type("PageSize") {
        Some(type_name) if is_integer(type_name) => Some("PageSize".to_owned()),
        Some(type_name) => {
            return Proposal::Undecided(format!(
                "PageSize is of type {}, not an integer",
                type_name.as_str()
            ))
        }
        None => None,
    };
    let total_path = TOTAL_NAMES.iter().find_map(|name| {
        find_field(fields, |field| {
            field.name == *name
                && matches!(
                    field.type_name,
                    TypeName::Int32 | TypeName::Int64 | TypeName::String
                )
        })
    });
    let mut how = "by page number: PageNumber".to_owned();
    if page_size.is_some() {
        how.push_str(", page size PageSize");
    }
    match &total_path {
        Some(total) => how.push_str(&format!(", total at {total}")),
        None => how.push_str(", no total (stops at an empty page)"),
    }
    how.push_str(&format!(", items at {items_path}"));
    Proposal::Block(
        PaginationSpec {
            style: PaginationStyle::PageNumber,
            page_number_parameter: Some("PageNumber".to_owned()),
            page_size_parameter: page_size,
            token_parameter: None,
            max_results_parameter: None,
            default_page_size: None,
            total_path,
            next_token_path: None,
            items_path,
        },
        how,
    )
}

/// The default a parameter's description documents, as Alibaba writes it:
/// `Default value: **30**`.
fn documented_default(description: &str) -> Option<u32> {
    let start = description.find("Default value:")? + "Default value:".len();
    let digits: String = description[start..]
        .trim_start_matches([' ', '*'])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|default| *default > 0)
}

/// The path of the first field, breadth first and without going through
/// arrays, that `wanted` accepts.
fn find_field(fields: &[Field], wanted: impl Fn(&Field) -> bool) -> Option<String> {
    let mut level: Vec<(String, &Field)> = fields
        .iter()
        .map(|field| (field.name.clone(), field))
        .collect();
    while !level.is_empty() {
        if let Some((path, _)) = level.iter().find(|(_, field)| wanted(field)) {
            return Some(path.clone());
        }
        level = level
            .iter()
            .filter(|(_, field)| field.type_name == TypeName::Object)
            .flat_map(|(path, field)| {
                field
                    .fields
                    .iter()
                    .flatten()
                    .map(move |child| (format!("{path}.{}", child.name), child))
            })
            .collect();
    }
    None
}

/// Every array reachable from `fields` without going through an array.
fn arrays(fields: &[Field], prefix: &str, found: &mut Vec<String>) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name.clone()
        } else {
            format!("{prefix}.{}", field.name)
        };
        match field.type_name {
            TypeName::Array => found.push(path),
            TypeName::Object => arrays(field.fields.as_deref().unwrap_or(&[]), &path, found),
            _ => {}
        }
    }
}

/// The path of the response's list of items, or why there is no single one.
fn items_path(fields: &[Field]) -> Result<String, String> {
    let mut found = Vec::new();
    arrays(fields, "", &mut found);
    match found.as_slice() {
        [] => Err("the response has no list of items".to_owned()),
        [only] => Ok(only.clone()),
        several => {
            let under_items: Vec<&String> = several
                .iter()
                .filter(|path| *path == "Items" || path.starts_with("Items."))
                .collect();
            match under_items.as_slice() {
                [only] => Ok((*only).clone()),
                _ => Err(format!(
                    "the response has several lists ({}); write the block by hand with the right itemsPath",
                    several.join(", ")
                )),
            }
        }
    }
}
