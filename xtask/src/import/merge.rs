//! Re-importing over an existing spec without losing hand-written facts.
//!
//! The machine metadata lacks several things that a spec written from the
//! documentation page has: error descriptions, the `documentation` block,
//! `engines`, the `rustName`/`rustType` overrides that settle naming by
//! hand, `waiters` and `pagination`. [`merge_existing`] copies them from the existing spec into the
//! freshly converted one. Texts the metadata does have (titles, parameter
//! descriptions, error messages) come from the metadata, which is the newer
//! source; the existing text is kept only where the metadata's is empty.

use super::error_rows::pair_error_rows;
use crate::spec::model::{Field, ItemType, OperationSpec, Parameter, TypeName};

/// Completes `converted` (fresh from the metadata) with what only `existing`
/// knows. Nothing of `existing` that the metadata lacks is dropped, except
/// overrides on parameters, fields and error rows that no longer exist.
pub fn merge_existing(converted: &mut OperationSpec, existing: &OperationSpec) {
    if existing.schema.is_some() {
        converted.schema.clone_from(&existing.schema);
    }
    if converted.rust_name.is_none() {
        converted.rust_name.clone_from(&existing.rust_name);
    }
    if converted.title.is_empty() {
        converted.title.clone_from(&existing.title);
    }
    if converted.summary.is_empty() {
        converted.summary.clone_from(&existing.summary);
    }
    keep_if_absent(&mut converted.description, &existing.description);
    keep_if_absent(&mut converted.documentation, &existing.documentation);
    keep_if_absent(&mut converted.engines, &existing.engines);
    if converted.sample_response.is_none() {
        // A kept sample keeps saying whether it was synthesized.
        converted
            .sample_response
            .clone_from(&existing.sample_response);
        converted.sample_response_synthesized = existing.sample_response_synthesized;
    }
    // Waiters are written by hand; the metadata never has any.
    keep_if_absent(&mut converted.waiters, &existing.waiters);
    // A pagination block may have been written or corrected by hand; the
    // importer proposes one only for files without it.
    keep_if_absent(&mut converted.pagination, &existing.pagination);

    for parameter in &mut converted.parameters {
        if let Some(old) = existing
            .parameters
            .iter()
            .find(|old| old.name == parameter.name)
        {
            merge_parameter(parameter, old);
        }
    }
    keep_if_absent(
        &mut converted.response.description,
        &existing.response.description,
    );
    merge_fields(&mut converted.response.fields, &existing.response.fields);
    merge_error_rows(converted, existing);
}

/// Fills what the metadata may leave empty even without an existing spec:
/// a spec needs a title and a summary.
pub fn fill_required_texts(operation: &mut OperationSpec) {
    if operation.title.is_empty() {
        operation.title.clone_from(&operation.name);
    }
    if operation.summary.is_empty() {
        operation.summary.clone_from(&operation.title);
    }
}

fn keep_if_absent<T: Clone>(converted: &mut Option<T>, existing: &Option<T>) {
    if converted.is_none() {
        converted.clone_from(existing);
    }
}

fn merge_parameter(parameter: &mut Parameter, old: &Parameter) {
    keep_if_absent(&mut parameter.rust_name, &old.rust_name);
    keep_if_absent(&mut parameter.description, &old.description);
    keep_if_absent(&mut parameter.example, &old.example);
    keep_if_absent(&mut parameter.sensitive, &old.sensitive);
    if parameter.type_name == TypeName::Object {
        keep_if_absent(&mut parameter.rust_type, &old.rust_type);
    }
    if let (Some(fields), Some(old_fields)) = (&mut parameter.fields, &old.fields) {
        merge_fields(fields, old_fields);
    }
    if let (Some(items), Some(old_items)) = (&mut parameter.items, &old.items) {
        merge_items(items, old_items);
    }
}

fn merge_fields(fields: &mut [Field], old_fields: &[Field]) {
    for field in fields {
        if let Some(old) = old_fields.iter().find(|old| old.name == field.name) {
            keep_if_absent(&mut field.rust_name, &old.rust_name);
            keep_if_absent(&mut field.description, &old.description);
            keep_if_absent(&mut field.example, &old.example);
            keep_if_absent(&mut field.sensitive, &old.sensitive);
            if field.type_name == TypeName::Object {
                keep_if_absent(&mut field.rust_type, &old.rust_type);
            }
            if let (Some(nested), Some(old_nested)) = (&mut field.fields, &old.fields) {
                merge_fields(nested, old_nested);
            }
            if let (Some(items), Some(old_items)) = (&mut field.items, &old.items) {
                merge_items(items, old_items);
            }
        }
    }
}

fn merge_items(items: &mut ItemType, old: &ItemType) {
    keep_if_absent(&mut items.description, &old.description);
    if items.type_name == TypeName::Object {
        keep_if_absent(&mut items.rust_type, &old.rust_type);
    }
    if let (Some(fields), Some(old_fields)) = (&mut items.fields, &old.fields) {
        merge_fields(fields, old_fields);
    }
    if let (Some(nested), Some(old_nested)) = (&mut items.items, &old.items) {
        merge_items(nested, old_nested);
    }
}

/// Error descriptions and `rustName`s follow the row pairing of
/// [`pair_error_rows`]. A `rustName` names the code's enum variant, so an
/// unpaired new row still takes the override of an old row with its code.
fn merge_error_rows(converted: &mut OperationSpec, existing: &OperationSpec) {
    let partners = pair_error_rows(&existing.errors, &converted.errors);
    for (row, partner) in converted.errors.iter_mut().zip(partners) {
        if let Some(old) = partner.map(|index| &existing.errors[index]) {
            keep_if_absent(&mut row.description, &old.description);
            keep_if_absent(&mut row.rust_name, &old.rust_name);
        } else if row.rust_name.is_none() {
            row.rust_name = existing
                .errors
                .iter()
                .find(|old| old.code == row.code && old.rust_name.is_some())
                .and_then(|old| old.rust_name.clone());
        }
    }
}
