//! Where api-docs and the SDK metadata disagree on an operation both
//! describe.
//!
//! api-docs is authoritative for such an operation, so the disagreements
//! change nothing; the report names every one, so that whoever reviews an
//! import sees where the official SDKs would send or read something else:
//! a parameter or response field only one source has, a different type
//! (the SDK's integers have no width, so `int32` and `int64` agree with
//! it), a different location (query or body), wire style or requirement,
//! and a different HTTP method. Both sides are compared as converted
//! specs, so they speak the same vocabulary.

use std::fmt;

use crate::spec::model::{
    Field, HttpMethod, OperationSpec, Parameter, ParameterLocation, ParameterStyle, TypeName,
    TypeRef, Typed,
};

/// One disagreement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disagreement {
    /// What it is about: `parameter Tag`, `response field Items.Status`.
    pub subject: String,
    /// What each source says.
    pub detail: String,
}

impl fmt::Display for Disagreement {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}: {}", self.subject, self.detail)
    }
}

/// Every disagreement between the api-docs spec and the SDK metadata's
/// spec of one operation, in the order: method, parameters, response
/// fields.
pub fn compare(api_docs: &OperationSpec, sdk: &OperationSpec) -> Vec<Disagreement> {
    let mut found = Vec::new();
    if api_docs.request.method != sdk.request.method {
        found.push(Disagreement {
            subject: "method".to_owned(),
            detail: format!(
                "api-docs {}, the SDK sends {}",
                method_name(api_docs.request.method),
                method_name(sdk.request.method)
            ),
        });
    }
    compare_parameters(&api_docs.parameters, &sdk.parameters, &mut found);
    compare_fields(
        "response field",
        "",
        &api_docs.response.fields,
        &sdk.response.fields,
        &mut found,
    );
    found
}

fn method_name(method: HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "GET",
        HttpMethod::Post => "POST",
    }
}

fn only_in(subject: String, source: &str) -> Disagreement {
    Disagreement {
        subject,
        detail: format!("only in {source}"),
    }
}

fn compare_parameters(api_docs: &[Parameter], sdk: &[Parameter], found: &mut Vec<Disagreement>) {
    for parameter in api_docs {
        let subject = format!("parameter {}", parameter.name);
        let Some(other) = sdk.iter().find(|other| other.name == parameter.name) else {
            found.push(only_in(subject, "api-docs"));
            continue;
        };
        let location = |parameter: &Parameter| match parameter.location() {
            ParameterLocation::Query => "query",
            ParameterLocation::FormData => "body",
        };
        let style = |parameter: &Parameter| match parameter.style() {
            ParameterStyle::Flat => "flat",
            ParameterStyle::RepeatList => "repeatList",
            ParameterStyle::Json => "json",
        };
        let facts = [
            ("location", location(parameter), location(other)),
            ("style", style(parameter), style(other)),
            (
                "required",
                if parameter.required { "yes" } else { "no" },
                if other.required { "yes" } else { "no" },
            ),
        ];
        for (fact, ours, theirs) in facts {
            if ours != theirs {
                found.push(Disagreement {
                    subject: subject.clone(),
                    detail: format!("{fact}: api-docs {ours}, the SDK {theirs}"),
                });
            }
        }
        compare_types(
            "parameter",
            &parameter.name,
            parameter.type_ref(),
            other.type_ref(),
            found,
        );
    }
    for parameter in sdk {
        if !api_docs.iter().any(|other| other.name == parameter.name) {
            found.push(only_in(
                format!("parameter {}", parameter.name),
                "the SDK metadata",
            ));
        }
    }
}

fn compare_fields(
    kind: &str,
    prefix: &str,
    api_docs: &[Field],
    sdk: &[Field],
    found: &mut Vec<Disagreement>,
) {
    let path_of = |name: &str| {
        if prefix.is_empty() {
            name.to_owned()
        } else {
            format!("{prefix}.{name}")
        }
    };
    for field in api_docs {
        let path = path_of(&field.name);
        match sdk.iter().find(|other| other.name == field.name) {
            Some(other) => compare_types(kind, &path, field.type_ref(), other.type_ref(), found),
            None => found.push(only_in(format!("{kind} {path}"), "api-docs")),
        }
    }
    for field in sdk {
        if !api_docs.iter().any(|other| other.name == field.name) {
            found.push(only_in(
                format!("{kind} {}", path_of(&field.name)),
                "the SDK metadata",
            ));
        }
    }
}

/// The type as far as both sources can say it: the SDK's integers have no
/// width.
fn kind_of(type_name: TypeName) -> &'static str {
    match type_name {
        TypeName::Int32 | TypeName::Int64 => "integer",
        other => other.as_str(),
    }
}

/// Compares the types at `path`, then the fields of objects and the items
/// of arrays (written `path[]`).
fn compare_types(
    kind: &str,
    path: &str,
    api_docs: TypeRef<'_>,
    sdk: TypeRef<'_>,
    found: &mut Vec<Disagreement>,
) {
    if kind_of(api_docs.name) != kind_of(sdk.name) {
        found.push(Disagreement {
            subject: format!("{kind} {path}"),
            detail: format!(
                "type: api-docs {}, the SDK {}",
                kind_of(api_docs.name),
                kind_of(sdk.name)
            ),
        });
        return;
    }
    match api_docs.name {
        TypeName::Object => compare_fields(kind, path, api_docs.fields, sdk.fields, found),
        TypeName::Array => {
            if let (Some(ours), Some(theirs)) = (api_docs.items, sdk.items) {
                compare_types(
                    kind,
                    &format!("{path}[]"),
                    ours.type_ref(),
                    theirs.type_ref(),
                    found,
                );
            }
        }
        _ => {}
    }
}
