//! Waiters in the spec: their model, their path language and their checks.
//!
//! A waiter lives on the operation it polls (the `waiters` array of an
//! operation file) and says which responses mean the awaited state is
//! reached, can no longer come, or is still to come. `spec/README.md`
//! documents the format. Alibaba's metadata has no waiters: they are
//! written by hand, so the checks here are strict: every path must lead to
//! a documented scalar response field, every compared value must fit that
//! field's type, and no path may read a secret.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::error::{SpecError, SpecErrorKind};
use super::load::LoadedOperation;
use super::model::{field_step, Field, OperationSpec, ProductSpec, TypeName, TypeRef, Typed};
use super::naming;
use super::naming::{is_sensitive, member_rust_name};
use super::validate::RESERVED_PARAMETER_NAMES;

/// One waiter of an operation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WaiterSpec {
    /// The waiter's name, PascalCase; the builder method is
    /// `wait_until_<snake_case name>`.
    pub name: String,
    /// The one-sentence summary, first line of the method's rustdoc.
    pub summary: String,
    /// More documentation, when the summary is not enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The shortest default wait between two polls, in seconds.
    pub min_delay_seconds: u32,
    /// The longest default wait between two polls, in seconds.
    pub max_delay_seconds: u32,
    /// The acceptors, in evaluation order: the first that matches decides.
    pub acceptors: Vec<AcceptorSpec>,
    /// Error codes after which the waiter polls again instead of failing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_on_errors: Option<Vec<String>>,
}

/// What matching an acceptor means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AcceptorState {
    /// The awaited state is reached.
    Success,
    /// The awaited state can no longer be reached.
    Failure,
    /// Poll again.
    Retry,
}

/// A set of conditions on the response and what their match means.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AcceptorSpec {
    /// What matching means.
    pub state: AcceptorState,
    /// What the state means in words, shown in documentation and in the
    /// failure error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Conditions that must all hold.
    pub conditions: Vec<ConditionSpec>,
}

/// A test on one value of the response.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConditionSpec {
    /// Where the value is: `Items[0].MigrateStage`.
    pub path: String,
    /// The expected value: a string, an integer or a boolean, matching the
    /// field's type. A condition has this or `contains`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<serde_json::Value>,
    /// Text the value must contain, for string fields that carry a verdict
    /// inside free text. A condition has this or `equals`, not both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contains: Option<String>,
}

/// What a condition tests, once validation made sure it says exactly one
/// thing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ConditionTest<'spec> {
    /// The value equals this one.
    Equals(&'spec serde_json::Value),
    /// The value's text contains this text.
    Contains(&'spec str),
}

impl ConditionSpec {
    /// What the condition tests; `None` when it has neither `equals` nor
    /// `contains` or both, which validation reports.
    pub fn test(&self) -> Option<ConditionTest<'_>> {
        match (&self.equals, &self.contains) {
            (Some(value), None) => Some(ConditionTest::Equals(value)),
            (None, Some(text)) => Some(ConditionTest::Contains(text)),
            (None, None) | (Some(_), Some(_)) => None,
        }
    }
}

/// One step of a parsed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// A field, by wire name.
    Field(String),
    /// An array element, from zero.
    Index(usize),
    /// Any array element.
    AnyIndex,
}

/// Parses a path: field names separated by dots, each followed by any
/// number of `[N]` or `[*]`. The message says what is wrong.
pub fn parse_path(path: &str) -> Result<Vec<PathStep>, String> {
    let mut steps = Vec::new();
    if path.is_empty() {
        return Err("the path is empty".to_owned());
    }
    for part in path.split('.') {
        let name_end = part.find('[').unwrap_or(part.len());
        let name = &part[..name_end];
        if name.is_empty() || name.contains(']') {
            return Err(format!(
                "{part:?} does not start with a field name; write paths like Items[0].MigrateStage"
            ));
        }
        steps.push(PathStep::Field(name.to_owned()));
        let mut rest = &part[name_end..];
        while !rest.is_empty() {
            let Some(close) = rest.find(']') else {
                return Err(format!("{part:?} has a `[` without its `]`"));
            };
            let inside = rest.get(1..close).unwrap_or_default();
            if !rest.starts_with('[') {
                return Err(format!(
                    "{part:?} has text after a `]`; separate fields with dots"
                ));
            }
            steps.push(if inside == "*" {
                PathStep::AnyIndex
            } else {
                let index = inside
                    .parse::<usize>()
                    .ok()
                    .filter(|_| inside.chars().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| {
                        format!("[{inside}] in {part:?} is neither an index such as [0] nor [*]")
                    })?;
                PathStep::Index(index)
            });
            rest = &rest[close + 1..];
        }
    }
    Ok(steps)
}

/// Where a parsed path ends: the scalar field it reaches and its type keys.
struct PathTarget<'spec> {
    wire_name: &'spec str,
    sensitive: Option<bool>,
    type_ref: TypeRef<'spec>,
}

/// Follows `steps` through the response fields; the message says which
/// step does not exist or does not fit.
fn resolve<'spec>(fields: &'spec [Field], steps: &[PathStep]) -> Result<PathTarget<'spec>, String> {
    let mut available = fields;
    let mut target: Option<PathTarget<'spec>> = None;
    for step in steps {
        match step {
            PathStep::Field(name) => {
                let parent = target
                    .as_ref()
                    .map(|current| (current.wire_name, current.type_ref.name));
                let field = field_step(available, parent, name)?;
                let type_ref = field.type_ref();
                available = type_ref.fields;
                target = Some(PathTarget {
                    wire_name: &field.name,
                    sensitive: field.sensitive,
                    type_ref,
                });
            }
            PathStep::Index(_) | PathStep::AnyIndex => {
                let Some(current) = target.as_mut() else {
                    return Err("a path starts with a field name".to_owned());
                };
                let items = current
                    .type_ref
                    .items
                    .filter(|_| current.type_ref.name == TypeName::Array);
                let Some(items) = items else {
                    return Err(format!(
                        "`{}` is of type {:?}, not an array, so it cannot be indexed",
                        current.wire_name,
                        current.type_ref.name.as_str()
                    ));
                };
                current.type_ref = items.type_ref();
                available = current.type_ref.fields;
            }
        }
    }
    target.ok_or_else(|| "the path is empty".to_owned())
}

/// Checks that `equals` fits the type of the field it is compared with.
fn check_value(target: &PathTarget<'_>, equals: &serde_json::Value) -> Result<(), String> {
    let type_name = target.type_ref.name;
    let fits = match type_name {
        TypeName::String => equals.is_string(),
        TypeName::Int32 | TypeName::Int64 => equals.is_i64() || equals.is_u64(),
        TypeName::Boolean => equals.is_boolean(),
        TypeName::Number | TypeName::Object | TypeName::Array | TypeName::Any => {
            return Err(format!(
                "`{}` is of type {:?}; conditions compare strings, integers and booleans only, so the path must end at one of those",
                target.wire_name,
                type_name.as_str()
            ))
        }
    };
    if !fits {
        return Err(format!(
            "{equals} cannot equal `{}`, which is of type {:?}",
            target.wire_name,
            type_name.as_str()
        ));
    }
    if let Some(text) = equals.as_str() {
        let documented = target.type_ref.enum_values;
        if target.type_ref.declares_enum && !documented.iter().any(|value| value == text) {
            return Err(format!(
                "{text:?} is not a documented value of `{}` ({})",
                target.wire_name,
                documented.join(", ")
            ));
        }
    }
    Ok(())
}

/// Checks that `contains` reads a field that holds text.
fn check_contains_type(target: &PathTarget<'_>) -> Result<(), String> {
    let type_name = target.type_ref.name;
    if type_name != TypeName::String {
        return Err(format!(
            "`{}` is of type {:?}; `contains` looks for text in string fields only, so compare it with `equals`",
            target.wire_name,
            type_name.as_str()
        ));
    }
    Ok(())
}

/// The text the runtime compares a condition's value by: strings as they
/// are, integers and booleans in their JSON spelling.
pub fn condition_text(equals: &serde_json::Value) -> String {
    equals
        .as_str()
        .map_or_else(|| equals.to_string(), str::to_owned)
}

/// The builder method of a waiter.
pub fn waiter_method_name(waiter: &WaiterSpec) -> String {
    format!("wait_until_{}", naming::snake_case(&waiter.name))
}

/// Checks the `waiters` of one operation file.
pub fn validate_waiters(file: &Path, spec: &OperationSpec) -> Vec<SpecError> {
    let mut problems = Vec::new();
    let Some(waiters) = &spec.waiters else {
        return problems;
    };
    let mut problem = |pointer: String, kind: SpecErrorKind, message: String| {
        problems.push(SpecError::at(file, pointer, kind, message));
    };

    // Names of the request builder's own methods, which a waiter's method
    // must not take.
    let mut builder_methods: Vec<String> = RESERVED_PARAMETER_NAMES
        .iter()
        .map(|name| (*name).to_owned())
        .collect();
    for parameter in &spec.parameters {
        let rust_name = member_rust_name(&parameter.name, parameter.rust_name.as_deref());
        builder_methods.push(format!("set_{rust_name}"));
        builder_methods.push(rust_name);
    }
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for (index, waiter) in waiters.iter().enumerate() {
        let pointer = format!("/waiters/{index}");
        let pascal_case = waiter
            .name
            .starts_with(|first: char| first.is_ascii_uppercase())
            && waiter
                .name
                .chars()
                .all(|character| character.is_ascii_alphanumeric());
        if !pascal_case {
            problem(
                format!("{pointer}/name"),
                SpecErrorKind::InvalidName,
                format!(
                    "waiter name {:?} must be PascalCase letters and digits",
                    waiter.name
                ),
            );
        } else {
            let method = waiter_method_name(waiter);
            if let Some(first) = names.insert(method.clone(), index) {
                problem(
                    format!("{pointer}/name"),
                    SpecErrorKind::NameCollision,
                    format!(
                        "waiters {:?} and /waiters/{first} both become the method `{method}`; rename one",
                        waiter.name
                    ),
                );
            }
            if builder_methods.contains(&method) {
                problem(
                    format!("{pointer}/name"),
                    SpecErrorKind::NameCollision,
                    format!(
                        "waiter {:?} becomes `{method}`, a method the request builder already has for a parameter; rename the waiter",
                        waiter.name
                    ),
                );
            }
        }
        if waiter.min_delay_seconds == 0 {
            problem(
                format!("{pointer}/minDelaySeconds"),
                SpecErrorKind::InvalidValue,
                "the minimum delay must be at least 1 second, or every waiting client polls in a tight loop".to_owned(),
            );
        }
        if waiter.max_delay_seconds < waiter.min_delay_seconds {
            problem(
                format!("{pointer}/maxDelaySeconds"),
                SpecErrorKind::InvalidValue,
                format!(
                    "the maximum delay ({} s) is below the minimum delay ({} s)",
                    waiter.max_delay_seconds, waiter.min_delay_seconds
                ),
            );
        }
        if !waiter
            .acceptors
            .iter()
            .any(|acceptor| acceptor.state == AcceptorState::Success)
        {
            problem(
                format!("{pointer}/acceptors"),
                SpecErrorKind::InvalidValue,
                "a waiter needs at least one acceptor with state \"success\", or it can never succeed".to_owned(),
            );
        }
        for (acceptor_index, acceptor) in waiter.acceptors.iter().enumerate() {
            let acceptor_pointer = format!("{pointer}/acceptors/{acceptor_index}");
            if acceptor.conditions.is_empty() {
                problem(
                    format!("{acceptor_pointer}/conditions"),
                    SpecErrorKind::InvalidValue,
                    "an acceptor needs at least one condition".to_owned(),
                );
            }
            for (condition_index, condition) in acceptor.conditions.iter().enumerate() {
                let condition_pointer = format!("{acceptor_pointer}/conditions/{condition_index}");
                let target = parse_path(&condition.path)
                    .and_then(|steps| resolve(&spec.response.fields, &steps));
                let target = match target {
                    Ok(target) => target,
                    Err(message) => {
                        problem(
                            format!("{condition_pointer}/path"),
                            SpecErrorKind::InvalidValue,
                            format!("path {:?}: {message}", condition.path),
                        );
                        continue;
                    }
                };
                if is_sensitive(target.wire_name, target.sensitive) {
                    problem(
                        format!("{condition_pointer}/path"),
                        SpecErrorKind::InvalidValue,
                        format!(
                            "path {:?} reads `{}`, a secret; a waiter reports what it observed, so it must not look at secrets",
                            condition.path, target.wire_name
                        ),
                    );
                }
                match (&condition.equals, &condition.contains) {
                    (Some(equals), None) => {
                        if let Err(message) = check_value(&target, equals) {
                            problem(
                                format!("{condition_pointer}/equals"),
                                SpecErrorKind::InconsistentType,
                                message,
                            );
                        }
                    }
                    (None, Some(needle)) => {
                        if let Err(message) = check_contains_type(&target) {
                            problem(
                                format!("{condition_pointer}/contains"),
                                SpecErrorKind::InconsistentType,
                                message,
                            );
                        } else if needle.is_empty() {
                            problem(
                                format!("{condition_pointer}/contains"),
                                SpecErrorKind::InvalidValue,
                                format!(
                                    "an empty `contains` holds for any text of `{}`; write the text the value must contain",
                                    target.wire_name
                                ),
                            );
                        }
                    }
                    (None, None) => problem(
                        condition_pointer,
                        SpecErrorKind::InvalidValue,
                        "a condition needs `equals` (the value the field must have) or `contains` (text a string field must contain)".to_owned(),
                    ),
                    (Some(_), Some(_)) => problem(
                        format!("{condition_pointer}/contains"),
                        SpecErrorKind::InvalidValue,
                        "a condition has either `equals` or `contains`, not both; split it into two conditions of the acceptor".to_owned(),
                    ),
                }
            }
        }
        for (code_index, code) in waiter.retry_on_errors.iter().flatten().enumerate() {
            let code_pointer = format!("{pointer}/retryOnErrors/{code_index}");
            if code.trim().is_empty() || code.trim() != code {
                problem(
                    code_pointer.clone(),
                    SpecErrorKind::InvalidValue,
                    format!("{code:?} is not an error code"),
                );
            }
            if let Some(first) = waiter
                .retry_on_errors
                .iter()
                .flatten()
                .take(code_index)
                .position(|earlier| earlier == code)
            {
                problem(
                    code_pointer,
                    SpecErrorKind::InvalidValue,
                    format!("error code {code:?} is listed twice (also {pointer}/retryOnErrors/{first})"),
                );
            }
        }
    }
    problems
}

/// Checks that every code a waiter retries on is one the operation can
/// answer: a row of its error table or a gateway error of the product. A
/// misspelt code would otherwise never match, silently.
pub fn validate_retried_codes(
    product: &ProductSpec,
    operations: &[LoadedOperation],
) -> Vec<SpecError> {
    let mut problems = Vec::new();
    for operation in operations {
        for (waiter_index, waiter) in operation.spec.waiters.iter().flatten().enumerate() {
            for (code_index, code) in waiter.retry_on_errors.iter().flatten().enumerate() {
                let documented = operation.spec.errors.iter().any(|row| row.code == *code)
                    || product.gateway_errors.iter().any(|row| row.code == *code);
                if !documented {
                    problems.push(SpecError::at(
                        &operation.file,
                        format!("/waiters/{waiter_index}/retryOnErrors/{code_index}"),
                        SpecErrorKind::InvalidValue,
                        format!(
                            "error code {code:?} is neither in the operation's error table nor a gateway error of product.json; codes are case-sensitive"
                        ),
                    ));
                }
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_into_fields_indices_and_any_element() {
        assert_eq!(
            parse_path("Items[0].MigrateStage"),
            Ok(vec![
                PathStep::Field("Items".to_owned()),
                PathStep::Index(0),
                PathStep::Field("MigrateStage".to_owned()),
            ])
        );
        assert_eq!(
            parse_path("A[*][12].B"),
            Ok(vec![
                PathStep::Field("A".to_owned()),
                PathStep::AnyIndex,
                PathStep::Index(12),
                PathStep::Field("B".to_owned()),
            ])
        );
        for bad in [
            "", ".A", "A.", "A[", "A[x]", "A[-1]", "A[+1]", "A[0]B", "[0]", "A..B", "A]",
        ] {
            assert!(parse_path(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn condition_texts_are_what_the_runtime_compares() {
        assert_eq!(condition_text(&serde_json::json!("increment")), "increment");
        assert_eq!(condition_text(&serde_json::json!(5)), "5");
        assert_eq!(condition_text(&serde_json::json!(true)), "true");
    }
}
