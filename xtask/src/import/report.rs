//! The change report: what a re-import changes in each operation, and whether
//! it breaks code written against the generated client.
//!
//! Impacts, judged by what the generated crates expose:
//!
//! - **BREAKING**: an operation, parameter or response field removed; a type
//!   changed; a required parameter added or a parameter becoming required
//!   (required parameters are arguments of the client method, so either
//!   change breaks every call); a parameter no longer required (the method
//!   loses that argument); an error code gone from the table (its enum
//!   variant disappears).
//! - **additive**: something new that existing code does not see: an
//!   operation, an optional parameter, a response field, an error row.
//! - **changed**: edits that keep every signature: wording, examples of
//!   enums, wire style, HTTP method, idempotency, deprecation, an error row
//!   whose message or status changed or that was dropped while its code
//!   stays documented.

use std::fmt;

use super::error_rows::pair_error_rows;
use super::naming::SettledName;
use crate::spec::model::{
    ErrorRow, Field, OperationSource, OperationSpec, Parameter, ParameterStyle, TypeRef, Typed,
};

/// How a change affects code written against the generated crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    /// Code written against the previous crates may stop compiling.
    Breaking,
    /// Something new; existing code is unaffected.
    Additive,
    /// Signatures stay; wording, wire details or documentation changed.
    Changed,
}

impl fmt::Display for Impact {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            Impact::Breaking => "BREAKING",
            Impact::Additive => "additive",
            Impact::Changed => "changed",
        })
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// How the change affects code using the generated crates.
    pub impact: Impact,
    /// What changed, e.g. `parameter DBInstanceName` or
    /// `error 400 BasicInfoUncompleted`.
    pub subject: String,
    /// What happened to it.
    pub detail: String,
}

/// Whether the operation's spec file is new, rewritten, untouched or orphaned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationStatus {
    /// No spec file existed; one is created.
    New,
    /// The spec file is rewritten.
    Updated,
    /// The spec file already says exactly what the import produces.
    Unchanged,
    /// The spec file exists but the metadata no longer lists the operation.
    /// The importer reports it and leaves the file alone.
    Removed,
}

/// The report of one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationReport {
    /// The action name.
    pub operation: String,
    /// What happens to its spec file.
    pub status: OperationStatus,
    /// The changes, in the order: operation facts, parameters, response
    /// fields, error rows.
    pub changes: Vec<Change>,
    /// Where the other source (the SDK metadata) disagrees with the one
    /// the spec follows (api-docs); they change nothing in the spec.
    pub disagreements: Vec<super::disagreements::Disagreement>,
}

impl OperationReport {
    /// How many changes are breaking.
    pub fn breaking_count(&self) -> usize {
        self.changes
            .iter()
            .filter(|change| change.impact == Impact::Breaking)
            .count()
    }

    /// Adds a line for each `rustName` the importer chose by itself, so that
    /// whoever reviews the import can replace it with a better one.
    pub fn note_settled_names(&mut self, settled: &[SettledName]) {
        for name in settled {
            self.changes.push(Change {
                impact: Impact::Changed,
                subject: format!("error {} {}", name.http_status, name.code),
                detail: format!(
                    "given rustName {} because the code derives no usable variant name",
                    name.rust_name
                ),
            });
        }
    }

    /// Adds a line for each place where the importer brought the response
    /// fields in line with the documentation's example response, unless
    /// the spec file already said the same (the operation is unchanged).
    pub fn note_reconciled(&mut self, reconciled: &[super::example::Reconciled]) {
        if self.status == OperationStatus::Unchanged {
            return;
        }
        for place in reconciled {
            self.changes.push(Change {
                impact: Impact::Changed,
                subject: format!("response field {}", place.path),
                detail: place.detail.clone(),
            });
        }
    }

    /// Adds a line when the spec's source changes: an operation imported
    /// from the SDK metadata that api-docs now describes switches to
    /// api-docs (its summary, examples and error table replace the SDK
    /// metadata's), and the reverse. A new file says nothing: it is new.
    pub fn note_source(&mut self, before: Option<OperationSource>, now: OperationSource) {
        if self.status == OperationStatus::New || before == Some(now) {
            return;
        }
        let detail = match (before, now) {
            (Some(OperationSource::SdkMetadata), OperationSource::ApiDocs) => {
                "now in api-docs: the spec switches from the SDK metadata to api-docs, \
                 whose reference page, examples and error table it now follows"
                    .to_owned()
            }
            (Some(OperationSource::ApiDocs), OperationSource::SdkMetadata) => {
                "no longer in api-docs: imported from the SDK metadata instead".to_owned()
            }
            (_, now) => format!("recorded as {}", now.as_str()),
        };
        self.changes.push(Change {
            impact: Impact::Changed,
            subject: "source".to_owned(),
            detail,
        });
    }

    /// The report of an operation the metadata no longer lists.
    pub fn removed(operation: &str) -> OperationReport {
        OperationReport {
            operation: operation.to_string(),
            status: OperationStatus::Removed,
            changes: vec![Change {
                impact: Impact::Breaking,
                subject: "operation".to_string(),
                detail: "no longer in the metadata; its spec file is kept, delete it by hand \
                         if the operation is really gone"
                    .to_string(),
            }],
            disagreements: Vec::new(),
        }
    }
}

impl fmt::Display for OperationReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = match self.status {
            OperationStatus::New => "new",
            OperationStatus::Updated => "updated",
            OperationStatus::Unchanged => "unchanged",
            OperationStatus::Removed => "removed",
        };
        write!(formatter, "{}: {status}", self.operation)?;
        if !self.changes.is_empty() {
            write!(
                formatter,
                ", {} change(s), {} BREAKING",
                self.changes.len(),
                self.breaking_count()
            )?;
        }
        if !self.disagreements.is_empty() {
            write!(
                formatter,
                ", {} disagreement(s) of the SDK metadata with api-docs",
                self.disagreements.len()
            )?;
        }
        writeln!(formatter)?;
        for change in &self.changes {
            writeln!(
                formatter,
                "  {:<9} {}: {}",
                change.impact.to_string(),
                change.subject,
                change.detail
            )?;
        }
        for disagreement in &self.disagreements {
            writeln!(formatter, "  {:<9} {disagreement}", "sources")?;
        }
        Ok(())
    }
}

/// Compares the spec about to be written with the existing one, if any.
pub fn compare_operation(existing: Option<&OperationSpec>, new: &OperationSpec) -> OperationReport {
    let Some(old) = existing else {
        return OperationReport {
            operation: new.name.clone(),
            status: OperationStatus::New,
            changes: vec![Change {
                impact: Impact::Additive,
                subject: "operation".to_string(),
                detail: format!(
                    "added with {} parameter(s), {} response field(s), {} error row(s)",
                    new.parameters.len(),
                    new.response.fields.len(),
                    new.errors.len()
                ),
            }],
            disagreements: Vec::new(),
        };
    };
    let mut changes = Vec::new();
    compare_operation_facts(old, new, &mut changes);
    compare_parameters(&old.parameters, &new.parameters, &mut changes);
    compare_fields(
        "response field",
        "",
        &old.response.fields,
        &new.response.fields,
        &mut changes,
    );
    compare_errors(&old.errors, &new.errors, &mut changes);
    let status = if changes.is_empty() && old == new {
        OperationStatus::Unchanged
    } else {
        OperationStatus::Updated
    };
    OperationReport {
        operation: new.name.clone(),
        status,
        changes,
        disagreements: Vec::new(),
    }
}

fn push(changes: &mut Vec<Change>, impact: Impact, subject: impl Into<String>, detail: String) {
    changes.push(Change {
        impact,
        subject: subject.into(),
        detail,
    });
}

fn compare_operation_facts(old: &OperationSpec, new: &OperationSpec, changes: &mut Vec<Change>) {
    let old_deprecated = old.deprecated.unwrap_or(false);
    let new_deprecated = new.deprecated.unwrap_or(false);
    if old_deprecated != new_deprecated {
        let detail = if new_deprecated {
            "now deprecated"
        } else {
            "no longer deprecated"
        };
        push(changes, Impact::Changed, "operation", detail.to_string());
    }
    if old.request != new.request {
        push(
            changes,
            Impact::Changed,
            "request",
            format!(
                "sent as {:?} with {:?} parameters (was {:?} with {:?})",
                new.request.method,
                new.request.parameter_location,
                old.request.method,
                old.request.parameter_location
            ),
        );
    }
    if old.idempotency != new.idempotency {
        push(
            changes,
            Impact::Changed,
            "idempotency",
            format!(
                "operationType {} (idempotent: {}), was {} (idempotent: {})",
                new.idempotency.operation_type,
                new.idempotency.idempotent,
                old.idempotency.operation_type,
                old.idempotency.idempotent
            ),
        );
    }
    match (&old.pagination, &new.pagination) {
        (None, Some(block)) => push(
            changes,
            Impact::Additive,
            "pagination",
            format!(
                "paged by {}: the request builder gains into_paginator()",
                block.style.as_str()
            ),
        ),
        (Some(_), None) => push(
            changes,
            Impact::Breaking,
            "pagination",
            "removed: the request builder loses into_paginator()".to_string(),
        ),
        (Some(before), Some(after)) if before != after => push(
            changes,
            Impact::Changed,
            "pagination",
            format!("now paged by {}", after.style.as_str()),
        ),
        _ => {}
    }
    let reworded: Vec<&str> = [
        ("title", old.title != new.title),
        ("summary", old.summary != new.summary),
        ("description", old.description != new.description),
        ("sampleResponse", old.sample_response != new.sample_response),
    ]
    .into_iter()
    .filter(|(_, differs)| *differs)
    .map(|(name, _)| name)
    .collect();
    if !reworded.is_empty() {
        push(
            changes,
            Impact::Changed,
            "documentation",
            format!("text changed: {}", reworded.join(", ")),
        );
    }
}

fn compare_parameters(old: &[Parameter], new: &[Parameter], changes: &mut Vec<Change>) {
    for old_parameter in old {
        if !new
            .iter()
            .any(|parameter| parameter.name == old_parameter.name)
        {
            push(
                changes,
                Impact::Breaking,
                format!("parameter {}", old_parameter.name),
                "removed".to_string(),
            );
        }
    }
    for parameter in new {
        let subject = format!("parameter {}", parameter.name);
        let Some(old_parameter) = old.iter().find(|old| old.name == parameter.name) else {
            if parameter.required {
                push(
                    changes,
                    Impact::Breaking,
                    subject,
                    format!(
                        "added, required, of type {} (a new argument of the client method)",
                        describe_type(parameter.type_ref())
                    ),
                );
            } else {
                push(
                    changes,
                    Impact::Additive,
                    subject,
                    format!(
                        "added, optional, of type {}",
                        describe_type(parameter.type_ref())
                    ),
                );
            }
            continue;
        };
        match (old_parameter.required, parameter.required) {
            (false, true) => push(
                changes,
                Impact::Breaking,
                subject.clone(),
                "now required (a new argument of the client method)".to_string(),
            ),
            (true, false) => push(
                changes,
                Impact::Breaking,
                subject.clone(),
                "no longer required (the client method loses this argument)".to_string(),
            ),
            _ => {}
        }
        if old_parameter.style != parameter.style {
            let style_name = |style: Option<ParameterStyle>| match style {
                None | Some(ParameterStyle::Flat) => "flat",
                Some(ParameterStyle::RepeatList) => "repeatList",
                Some(ParameterStyle::Json) => "json",
            };
            push(
                changes,
                Impact::Changed,
                subject.clone(),
                format!(
                    "wire style {} (was {})",
                    style_name(parameter.style),
                    style_name(old_parameter.style)
                ),
            );
        }
        compare_row_texts(
            &subject,
            (&old_parameter.description, &parameter.description),
            (old_parameter.deprecated, parameter.deprecated),
            changes,
        );
        compare_types(
            "parameter",
            &parameter.name,
            old_parameter.type_ref(),
            parameter.type_ref(),
            changes,
        );
    }
}

/// Compares two fields lists at `prefix` (empty for the response body).
fn compare_fields(
    kind: &str,
    prefix: &str,
    old: &[Field],
    new: &[Field],
    changes: &mut Vec<Change>,
) {
    let path_of = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    for old_field in old {
        if !new.iter().any(|field| field.name == old_field.name) {
            push(
                changes,
                Impact::Breaking,
                format!("{kind} {}", path_of(&old_field.name)),
                "removed".to_string(),
            );
        }
    }
    for field in new {
        let path = path_of(&field.name);
        let Some(old_field) = old.iter().find(|old| old.name == field.name) else {
            push(
                changes,
                Impact::Additive,
                format!("{kind} {path}"),
                format!("added, of type {}", describe_type(field.type_ref())),
            );
            continue;
        };
        compare_row_texts(
            &format!("{kind} {path}"),
            (&old_field.description, &field.description),
            (old_field.deprecated, field.deprecated),
            changes,
        );
        compare_types(kind, &path, old_field.type_ref(), field.type_ref(), changes);
    }
}

/// Compares the type keys of two parameters, fields or items at `path`,
/// recursing into object fields and array items.
fn compare_types(
    kind: &str,
    path: &str,
    old: TypeRef<'_>,
    new: TypeRef<'_>,
    changes: &mut Vec<Change>,
) {
    if old.name != new.name {
        push(
            changes,
            Impact::Breaking,
            format!("{kind} {path}"),
            format!(
                "type changed from {} to {}",
                describe_type(old),
                describe_type(new)
            ),
        );
        return;
    }
    let added: Vec<&str> = new
        .enum_values
        .iter()
        .filter(|value| !old.enum_values.contains(value))
        .map(String::as_str)
        .collect();
    let removed: Vec<&str> = old
        .enum_values
        .iter()
        .filter(|value| !new.enum_values.contains(value))
        .map(String::as_str)
        .collect();
    if !added.is_empty() || !removed.is_empty() {
        push(
            changes,
            Impact::Changed,
            format!("{kind} {path}"),
            format!("documented values: added {added:?}, removed {removed:?}"),
        );
    }
    compare_fields(kind, path, old.fields, new.fields, changes);
    if let (Some(old_items), Some(new_items)) = (old.items, new.items) {
        compare_types(
            kind,
            &format!("{path}[]"),
            old_items.type_ref(),
            new_items.type_ref(),
            changes,
        );
    }
}

/// A one-line rendering of a type such as `array<object>`.
fn describe_type(type_ref: TypeRef<'_>) -> String {
    match type_ref.items {
        Some(items) => format!(
            "{}<{}>",
            type_ref.name.as_str(),
            describe_type(items.type_ref())
        ),
        None => type_ref.name.as_str().to_string(),
    }
}

fn compare_row_texts(
    subject: &str,
    (old_description, new_description): (&Option<String>, &Option<String>),
    (old_deprecated, new_deprecated): (Option<bool>, Option<bool>),
    changes: &mut Vec<Change>,
) {
    if old_description != new_description {
        push(
            changes,
            Impact::Changed,
            subject,
            "description changed".to_string(),
        );
    }
    let (old_deprecated, new_deprecated) = (
        old_deprecated.unwrap_or(false),
        new_deprecated.unwrap_or(false),
    );
    if old_deprecated != new_deprecated {
        let detail = if new_deprecated {
            "now deprecated"
        } else {
            "no longer deprecated"
        };
        push(changes, Impact::Changed, subject, detail.to_string());
    }
}

fn compare_errors(old: &[ErrorRow], new: &[ErrorRow], changes: &mut Vec<Change>) {
    let partners = pair_error_rows(old, new);
    let subject = |row: &ErrorRow| format!("error {} {}", row.http_status, row.code);
    let mut old_paired = vec![false; old.len()];
    for (row, partner) in new.iter().zip(&partners) {
        let Some(old_index) = *partner else {
            let known_code = old.iter().any(|old_row| old_row.code == row.code);
            let detail = if known_code {
                format!(
                    "row added (message \"{}\"); the code was already documented",
                    row.message
                )
            } else {
                format!("row added (message \"{}\")", row.message)
            };
            push(changes, Impact::Additive, subject(row), detail);
            continue;
        };
        old_paired[old_index] = true;
        let old_row = &old[old_index];
        if old_row.http_status != row.http_status {
            push(
                changes,
                Impact::Changed,
                subject(row),
                format!("HTTP status changed from {}", old_row.http_status),
            );
        }
        if old_row.message != row.message {
            push(
                changes,
                Impact::Changed,
                subject(row),
                format!(
                    "message changed from \"{}\" to \"{}\"",
                    old_row.message, row.message
                ),
            );
        }
    }
    for (old_row, paired) in old.iter().zip(old_paired) {
        if paired {
            continue;
        }
        if new.iter().any(|row| row.code == old_row.code) {
            push(
                changes,
                Impact::Changed,
                subject(old_row),
                format!(
                    "row removed (message \"{}\"); the code stays documented by its other row(s)",
                    old_row.message
                ),
            );
        } else {
            push(
                changes,
                Impact::Breaking,
                subject(old_row),
                format!(
                    "row removed (message \"{}\"); the code is no longer documented",
                    old_row.message
                ),
            );
        }
    }
}
