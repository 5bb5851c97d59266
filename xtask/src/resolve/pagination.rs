//! An operation's pagination, with the Rust members it reads and writes.
//!
//! The spec names parameters and response fields by wire name; the
//! generated trait implementation needs the Rust fields of the input, and
//! the chain of `Option` fields of the output leading to the total, the
//! next token and the items, with the item type. Validation checked every
//! name already; one that does not resolve is still reported as a spec
//! problem, never a panic.

use super::ident::RustIdent;
use super::types::{Member, RustType, Struct};
use crate::spec::pagination::{parse_field_path, PaginationSpec, PaginationStyle};
use crate::spec::{LoadedOperation, SpecError, SpecErrorKind};

/// A request parameter the paginator writes or reads.
#[derive(Debug, Clone)]
pub struct PageParameter {
    /// The input's field.
    pub ident: RustIdent,
    /// Whether the field is a plain value (a required parameter) rather
    /// than an `Option`.
    pub required: bool,
    /// Its Rust type: `i32`, `i64` or `String`.
    pub rust_type: RustType,
}

/// A chain of output fields, each an `Option`, leading to one value.
#[derive(Debug, Clone)]
pub struct FieldChain {
    /// The fields, from the output down.
    pub steps: Vec<RustIdent>,
    /// The Rust type of the value at the end.
    pub rust_type: RustType,
}

/// One operation's pagination, resolved.
#[derive(Debug, Clone)]
pub struct Pagination<'spec> {
    /// The block as the spec writes it, for documentation.
    pub spec: &'spec PaginationSpec,
    /// How the operation is paged.
    pub style: PaginationStyle,
    /// The page number or the token parameter.
    pub position: PageParameter,
    /// The page size or maximum results parameter, when the operation has
    /// one.
    pub size: Option<PageParameter>,
    /// Where the total is (page-number style).
    pub total: Option<FieldChain>,
    /// Where the next token is (token style).
    pub next_token: Option<FieldChain>,
    /// Where the items are; its type is a list.
    pub items: FieldChain,
    /// The type of one item.
    pub item_type: RustType,
}

/// Resolves the pagination of an operation whose members and structs are
/// resolved; `None` when the operation is not paged.
pub fn resolve<'spec>(
    operation: &'spec LoadedOperation,
    parameters: &[Member<'spec>],
    response_fields: &[Member<'spec>],
    structs: &[Struct<'spec>],
) -> Result<Option<Pagination<'spec>>, Vec<SpecError>> {
    let Some(spec) = &operation.spec.pagination else {
        return Ok(None);
    };
    let mut problems = Vec::new();
    let mut problem = |key: &str, message: String| {
        problems.push(SpecError::at(
            &operation.file,
            format!("/pagination/{key}"),
            SpecErrorKind::InvalidValue,
            message,
        ));
    };
    let parameter = |name: &Option<String>| {
        name.as_deref().and_then(|name| {
            parameters
                .iter()
                .find(|member| member.wire_name == name)
                .map(|member| PageParameter {
                    ident: member.ident.clone(),
                    required: member.required,
                    rust_type: member.rust_type.clone(),
                })
        })
    };
    let (position_key, position, size) = match spec.style {
        PaginationStyle::PageNumber => (
            "pageNumberParameter",
            parameter(&spec.page_number_parameter),
            parameter(&spec.page_size_parameter),
        ),
        PaginationStyle::NextToken => (
            "tokenParameter",
            parameter(&spec.token_parameter),
            parameter(&spec.max_results_parameter),
        ),
    };
    let chain = |path: &str| field_chain(path, response_fields, structs);
    let total = spec.total_path.as_deref().map(chain).transpose();
    let next_token = spec.next_token_path.as_deref().map(chain).transpose();
    let items = chain(&spec.items_path);
    let (total, next_token, items) = match (total, next_token, items) {
        (Ok(total), Ok(next_token), Ok(items)) => (total, next_token, items),
        (total, next_token, items) => {
            for (key, result) in [
                ("totalPath", total.err()),
                ("nextTokenPath", next_token.err()),
                ("itemsPath", items.err()),
            ] {
                if let Some(message) = result {
                    problem(key, message);
                }
            }
            return Err(problems);
        }
    };
    let Some(position) = position else {
        problem(
            position_key,
            "names no parameter of the operation".to_owned(),
        );
        return Err(problems);
    };
    let RustType::List(item_type) = &items.rust_type else {
        problem("itemsPath", "does not lead to a list".to_owned());
        return Err(problems);
    };
    Ok(Some(Pagination {
        spec,
        style: spec.style,
        position,
        size,
        total,
        next_token,
        item_type: (**item_type).clone(),
        items,
    }))
}

/// Follows a response path through the output's members and the nested
/// structs.
fn field_chain(
    path: &str,
    response_fields: &[Member<'_>],
    structs: &[Struct<'_>],
) -> Result<FieldChain, String> {
    let names = parse_field_path(path)?;
    let mut members = response_fields;
    let mut steps = Vec::with_capacity(names.len());
    let mut rust_type = None;
    for name in names {
        if let Some(RustType::Struct(parent)) = &rust_type {
            members = structs
                .iter()
                .find(|candidate| candidate.name == *parent)
                .map(|found| found.members.as_slice())
                .ok_or_else(|| format!("no struct {parent} for {path:?}"))?;
        } else if rust_type.is_some() {
            return Err(format!(
                "{path:?} goes through a value that is not an object"
            ));
        }
        let member = members
            .iter()
            .find(|member| member.wire_name == name)
            .ok_or_else(|| format!("{path:?}: no field {name:?}"))?;
        steps.push(member.ident.clone());
        rust_type = Some(member.rust_type.clone());
    }
    let rust_type = rust_type.ok_or_else(|| "the path is empty".to_owned())?;
    Ok(FieldChain { steps, rust_type })
}
