//! Checks that JSON Schema cannot express well: duplicates, file names,
//! consistent type keys, and the Rust identifiers the generator will derive.
//!
//! The functions return every problem they find, each naming the file and
//! the JSON pointer, so one run of the generator reports a whole bad spec.

use std::collections::BTreeMap;
use std::path::Path;

use super::error::{SpecError, SpecErrorKind};
use super::load::LoadedOperation;
use super::model::{
    ErrorRow, Field, OperationSpec, ParameterStyle, ProductSpec, TypeName, TypeRef, Typed,
};
use super::naming::{self, member_rust_name};

/// Rust names a parameter may not have: the fluent builder's own methods.
pub const RESERVED_PARAMETER_NAMES: &[&str] = &["send", "as_input", "customize", "into_paginator"];

/// Checks one product file.
pub fn validate_product(file: &Path, spec: &ProductSpec) -> Vec<SpecError> {
    let mut problems = Vec::new();
    let letters_and_digits = spec
        .code
        .starts_with(|first: char| first.is_ascii_alphabetic())
        && spec
            .code
            .chars()
            .all(|character| character.is_ascii_alphanumeric());
    if !letters_and_digits {
        problems.push(SpecError::at(
            file,
            "/code",
            SpecErrorKind::InvalidName,
            format!("product code {:?} must be letters and digits", spec.code),
        ));
    }
    for (index, row) in spec.gateway_errors.iter().enumerate() {
        check_http_status(
            file,
            &format!("/gatewayErrors/{index}/httpStatus"),
            row.http_status,
            &mut problems,
        );
        if let Some(first) = spec.gateway_errors[..index]
            .iter()
            .position(|earlier| earlier.code == row.code)
        {
            problems.push(SpecError::at(
                file,
                format!("/gatewayErrors/{index}/code"),
                SpecErrorKind::NameCollision,
                format!("gateway error code {:?} is listed twice (also /gatewayErrors/{first}); list each gateway code once", row.code),
            ));
        }
    }
    check_feature_groups(file, spec, &mut problems);
    for (index, region) in spec.endpoints.regions.iter().enumerate() {
        if let Some(first) = spec.endpoints.regions[..index]
            .iter()
            .position(|earlier| earlier.region_id == region.region_id)
        {
            problems.push(SpecError::at(
                file,
                format!("/endpoints/regions/{index}/regionId"),
                SpecErrorKind::InvalidValue,
                format!(
                    "region {:?} is listed twice (also /endpoints/regions/{first})",
                    region.region_id
                ),
            ));
        }
    }
    problems
}

/// Cargo features the generated crates define besides one per operation
/// and one per group, which a group therefore cannot be named.
pub const RESERVED_FEATURE_NAMES: &[&str] = &[
    "default",
    "all",
    "serde-serialize",
    "serde-deserialize",
    "socks",
    "native-roots",
];

/// Whether `name` is a kebab-case cargo feature name: lower-case ASCII
/// letters and digits in dash-separated words, starting with a letter.
pub fn is_kebab_case_feature(name: &str) -> bool {
    name.starts_with(|first: char| first.is_ascii_lowercase())
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Group names are kebab-case, unique and not taken by the generated crates'
/// own features. That each listed operation exists is checked by the
/// generator, which sees the operations.
fn check_feature_groups(file: &Path, spec: &ProductSpec, problems: &mut Vec<SpecError>) {
    for (index, group) in spec.feature_groups.iter().enumerate() {
        let pointer = format!("/featureGroups/{index}/name");
        if !is_kebab_case_feature(&group.name) {
            problems.push(SpecError::at(
                file,
                pointer.clone(),
                SpecErrorKind::InvalidName,
                format!("feature group {:?} must be kebab-case (lower-case letters and digits joined by dashes)", group.name),
            ));
        }
        if RESERVED_FEATURE_NAMES.contains(&group.name.as_str()) {
            problems.push(SpecError::at(
                file,
                pointer.clone(),
                SpecErrorKind::NameCollision,
                format!(
                    "feature group {:?} is a feature the generated crates already define",
                    group.name
                ),
            ));
        }
        if let Some(first) = spec.feature_groups[..index]
            .iter()
            .position(|earlier| earlier.name == group.name)
        {
            problems.push(SpecError::at(
                file,
                pointer,
                SpecErrorKind::NameCollision,
                format!(
                    "feature group {:?} is defined twice (also /featureGroups/{first})",
                    group.name
                ),
            ));
        }
    }
}

fn check_http_status(file: &Path, pointer: &str, status: u16, problems: &mut Vec<SpecError>) {
    if !(100..=599).contains(&status) {
        problems.push(SpecError::at(
            file,
            pointer,
            SpecErrorKind::InvalidValue,
            format!("HTTP status {status} is not between 100 and 599"),
        ));
    }
}

/// Checks one operation file.
pub fn validate_operation(file: &Path, spec: &OperationSpec) -> Vec<SpecError> {
    let mut problems = Vec::new();

    let file_stem = file
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or_default();
    if file_stem != spec.name {
        problems.push(SpecError::at(
            file,
            "/name",
            SpecErrorKind::FileNameMismatch,
            format!(
                "the operation is named {:?} but the file is {file_stem:?}.json; rename the file to {}.json",
                spec.name, spec.name
            ),
        ));
    }
    let pascal_case = spec
        .name
        .starts_with(|first: char| first.is_ascii_uppercase())
        && spec
            .name
            .chars()
            .all(|character| character.is_ascii_alphanumeric());
    if !pascal_case {
        problems.push(SpecError::at(
            file,
            "/name",
            SpecErrorKind::InvalidName,
            format!(
                "operation name {:?} must be PascalCase letters and digits",
                spec.name
            ),
        ));
    }
    if let Some(rust_name) = &spec.rust_name {
        check_snake_identifier(file, "/rustName", rust_name, &mut problems);
    }
    if spec.has_synthesized_sample() && spec.sample_response.is_none() {
        problems.push(SpecError::at(
            file,
            "/sampleResponseSynthesized",
            SpecErrorKind::Shape,
            "sampleResponseSynthesized is true but there is no sampleResponse; remove the flag or add the sample",
        ));
    }

    let mut wire_names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rust_names: BTreeMap<String, usize> = BTreeMap::new();
    for (index, parameter) in spec.parameters.iter().enumerate() {
        let pointer = format!("/parameters/{index}");
        if let Some(first) = wire_names.insert(&parameter.name, index) {
            problems.push(SpecError::at(
                file,
                format!("{pointer}/name"),
                SpecErrorKind::DuplicateParameter,
                format!(
                    "duplicate parameter {:?}: /parameters/{first} has the same name",
                    parameter.name
                ),
            ));
            continue;
        }
        let rust_name = member_rust_name(&parameter.name, parameter.rust_name.as_deref());
        check_snake_identifier(file, &format!("{pointer}/name"), &rust_name, &mut problems);
        if RESERVED_PARAMETER_NAMES.contains(&rust_name.as_str()) {
            problems.push(SpecError::at(
                file,
                format!("{pointer}/name"),
                SpecErrorKind::NameCollision,
                format!(
                    "parameter {:?} becomes `{rust_name}`, a method the request builder already has; set `rustName`",
                    parameter.name
                ),
            ));
        }
        if let Some(first) = rust_names.insert(rust_name.clone(), index) {
            problems.push(SpecError::at(
                file,
                format!("{pointer}/name"),
                SpecErrorKind::DuplicateParameter,
                format!(
                    "duplicate parameter: {:?} and /parameters/{first} both become the Rust name `{rust_name}`; set `rustName` on one of them",
                    parameter.name
                ),
            ));
        }
        if parameter.style() == ParameterStyle::RepeatList && parameter.type_name != TypeName::Array
        {
            problems.push(SpecError::at(
                file,
                format!("{pointer}/style"),
                SpecErrorKind::InconsistentType,
                format!(
                    "style \"repeatList\" needs type \"array\", not {:?}",
                    parameter.type_name.as_str()
                ),
            ));
        }
        check_type(file, &pointer, parameter.type_ref(), &mut problems);
    }

    // An optional parameter `x` gets the setters `x` and `set_x`, so a
    // parameter whose Rust name is `set_x` would collide with them.
    for (rust_name, index) in &rust_names {
        if let Some(base) = rust_name.strip_prefix("set_") {
            if let Some(other) = rust_names.get(base) {
                problems.push(SpecError::at(
                    file,
                    format!("/parameters/{index}/name"),
                    SpecErrorKind::NameCollision,
                    format!(
                        "`{rust_name}` is also the setter of /parameters/{other} (`{base}`); set `rustName` on one of them"
                    ),
                ));
            }
        }
    }

    check_fields(
        file,
        "/response/fields",
        &spec.response.fields,
        &mut problems,
    );

    for (index, row) in spec.errors.iter().enumerate() {
        check_http_status(
            file,
            &format!("/errors/{index}/httpStatus"),
            row.http_status,
            &mut problems,
        );
    }
    if spec.errors.len() > MAX_ERROR_ROWS {
        problems.push(SpecError::at(
            file,
            "/errors",
            SpecErrorKind::InvalidValue,
            format!(
                "{} error rows, more than the {MAX_ERROR_ROWS} the generated tables can index; split the operation's table",
                spec.errors.len()
            ),
        ));
    }
    problems.extend(super::waiter::validate_waiters(file, spec));
    problems.extend(super::pagination::validate_pagination(file, spec));
    problems
}

/// The most error rows the generated crates can index: one operation's
/// rows, and the distinct rows of all operations together, are numbered
/// with `u16` (see `crate::resolve::error_rows`).
pub const MAX_ERROR_ROWS: usize = u16::MAX as usize;

/// Checks what only a set of operations can get wrong: more distinct error
/// rows than the generated tables can index. (That two operations get the
/// same Rust name is found when names are resolved, in
/// `crate::resolve::names`.)
pub fn validate_operation_set(operations: &[LoadedOperation]) -> Vec<SpecError> {
    let mut problems = Vec::new();
    let mut distinct_rows = std::collections::HashSet::new();
    for operation in operations {
        distinct_rows.extend(operation.spec.errors.iter().map(ErrorRow::key));
        if distinct_rows.len() > MAX_ERROR_ROWS {
            problems.push(SpecError::at(
                &operation.file,
                "/errors",
                SpecErrorKind::InvalidValue,
                format!(
                    "the operations up to this one document more than {MAX_ERROR_ROWS} distinct error rows, more than the generated tables can index"
                ),
            ));
            break;
        }
    }
    problems
}

fn check_snake_identifier(file: &Path, pointer: &str, name: &str, problems: &mut Vec<SpecError>) {
    let snake = name.chars().all(|character| {
        character.is_ascii_lowercase() || character.is_ascii_digit() || character == '_'
    });
    if !naming::is_identifier(name) || !snake {
        problems.push(SpecError::at(
            file,
            pointer,
            SpecErrorKind::InvalidName,
            format!("{name:?} is not a usable snake_case Rust name; set `rustName`"),
        ));
    }
}

fn check_fields(file: &Path, pointer: &str, fields: &[Field], problems: &mut Vec<SpecError>) {
    let mut wire_names: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rust_names: BTreeMap<String, usize> = BTreeMap::new();
    for (index, field) in fields.iter().enumerate() {
        let field_pointer = format!("{pointer}/{index}");
        if let Some(first) = wire_names.insert(&field.name, index) {
            problems.push(SpecError::at(
                file,
                format!("{field_pointer}/name"),
                SpecErrorKind::DuplicateField,
                format!(
                    "duplicate field {:?}: {pointer}/{first} has the same name",
                    field.name
                ),
            ));
            continue;
        }
        let rust_name = member_rust_name(&field.name, field.rust_name.as_deref());
        check_snake_identifier(file, &format!("{field_pointer}/name"), &rust_name, problems);
        if let Some(first) = rust_names.insert(rust_name.clone(), index) {
            problems.push(SpecError::at(
                file,
                format!("{field_pointer}/name"),
                SpecErrorKind::DuplicateField,
                format!(
                    "duplicate field: {:?} and {pointer}/{first} both become the Rust name `{rust_name}`; set `rustName` on one of them",
                    field.name
                ),
            ));
        }
        check_type(file, &field_pointer, field.type_ref(), problems);
    }
}

/// Checks that the type keys fit the `type`: `fields` only and always on
/// objects, `items` only and always on arrays, `enum` only on strings.
fn check_type(file: &Path, pointer: &str, type_ref: TypeRef<'_>, problems: &mut Vec<SpecError>) {
    let type_name = type_ref.name;
    let mut misplaced = |key: &str, wanted: &str| {
        problems.push(SpecError::at(
            file,
            format!("{pointer}/{key}"),
            SpecErrorKind::InconsistentType,
            format!(
                "`{key}` belongs to type \"{wanted}\", not {:?}",
                type_name.as_str()
            ),
        ));
    };
    if type_name != TypeName::String && type_ref.declares_enum {
        misplaced("enum", "string");
    }
    if type_name != TypeName::Object && type_ref.declares_fields {
        misplaced("fields", "object");
    }
    if type_name != TypeName::Object && type_ref.rust_type.is_some() {
        misplaced("rustType", "object");
    }
    if type_name != TypeName::Array && type_ref.items.is_some() {
        misplaced("items", "array");
    }
    match type_name {
        TypeName::Object => {
            if !type_ref.declares_fields {
                problems.push(SpecError::at(
                    file,
                    pointer,
                    SpecErrorKind::InconsistentType,
                    "type \"object\" needs `fields` (an empty list when the documentation lists none)",
                ));
            }
            if let Some(rust_type) = type_ref.rust_type {
                let upper = rust_type.starts_with(|first: char| first.is_ascii_uppercase());
                if !naming::is_identifier(rust_type) || !upper {
                    problems.push(SpecError::at(
                        file,
                        format!("{pointer}/rustType"),
                        SpecErrorKind::InvalidName,
                        format!("{rust_type:?} is not an UpperCamelCase Rust type name"),
                    ));
                }
            }
            check_fields(
                file,
                &format!("{pointer}/fields"),
                type_ref.fields,
                problems,
            );
        }
        TypeName::Array => match type_ref.items {
            Some(items) => check_type(
                file,
                &format!("{pointer}/items"),
                items.type_ref(),
                problems,
            ),
            None => problems.push(SpecError::at(
                file,
                pointer,
                SpecErrorKind::InconsistentType,
                "type \"array\" needs `items`, the type of its elements",
            )),
        },
        _ => {}
    }
}
