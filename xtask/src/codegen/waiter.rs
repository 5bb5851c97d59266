//! Emission of an operation's waiters (the spec's `waiters`).
//!
//! Each waiter becomes two items of the operation module: a static
//! `aliyun_runtime::waiter::WaiterDefinition` holding its acceptors and
//! default delays, and a `wait_until_<name>` method on the fluent builder
//! that turns the request built so far into an
//! `aliyun_runtime::waiter::Waiter`. All polling logic lives in the
//! runtime; the generated code is data and one constructor call. Paths are
//! emitted already parsed, so the runtime never parses spec text.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::render::{code_span, Docs};
use crate::spec::waiter::{
    condition_text, parse_path, waiter_method_name, AcceptorState, PathStep, WaiterSpec,
};
use crate::spec::{LoadedOperation, SpecError, SpecErrorKind};

/// The name of a waiter's static definition: `CLOUD_MIGRATION_READY_TO_SWITCH_WAITER`.
fn definition_ident(waiter: &WaiterSpec) -> Ident {
    let snake = crate::spec::naming::snake_case(&waiter.name);
    format_ident!("{}_WAITER", snake.to_ascii_uppercase())
}

fn state_tokens(state: AcceptorState) -> TokenStream {
    match state {
        AcceptorState::Success => quote!(aliyun_runtime::waiter::AcceptorState::Success),
        AcceptorState::Failure => quote!(aliyun_runtime::waiter::AcceptorState::Failure),
        AcceptorState::Retry => quote!(aliyun_runtime::waiter::AcceptorState::Retry),
    }
}

fn state_word(state: AcceptorState) -> &'static str {
    match state {
        AcceptorState::Success => "succeeds",
        AcceptorState::Failure => "fails",
        AcceptorState::Retry => "polls again",
    }
}

fn path_tokens(steps: &[PathStep]) -> TokenStream {
    let steps = steps.iter().map(|step| match step {
        PathStep::Field(name) => quote!(aliyun_runtime::waiter::PathSegment::Field(#name)),
        PathStep::Index(index) => {
            let index = Literal::usize_unsuffixed(*index);
            quote!(aliyun_runtime::waiter::PathSegment::Index(#index))
        }
        PathStep::AnyIndex => quote!(aliyun_runtime::waiter::PathSegment::AnyIndex),
    });
    quote!(&[#(#steps),*])
}

/// The static definitions of every waiter of the operation.
pub fn definitions(
    operation: &LoadedOperation,
    builder: &Ident,
) -> Result<TokenStream, Vec<SpecError>> {
    let mut problems = Vec::new();
    let mut items = Vec::new();
    for (waiter_index, waiter) in operation.spec.waiters.iter().flatten().enumerate() {
        let mut acceptors = Vec::new();
        for (acceptor_index, acceptor) in waiter.acceptors.iter().enumerate() {
            let mut conditions = Vec::new();
            for (condition_index, condition) in acceptor.conditions.iter().enumerate() {
                // Validation parsed every path already; a failure here would be
                // a generator bug, reported like a spec problem rather than a panic.
                match parse_path(&condition.path) {
                    Ok(steps) => {
                        let path = path_tokens(&steps);
                        let equals = condition_text(&condition.equals);
                        conditions.push(quote! {
                            aliyun_runtime::waiter::Condition { path: #path, equals: #equals }
                        });
                    }
                    Err(message) => problems.push(SpecError::at(
                        &operation.file,
                        format!("/waiters/{waiter_index}/acceptors/{acceptor_index}/conditions/{condition_index}/path"),
                        SpecErrorKind::InvalidValue,
                        message,
                    )),
                }
            }
            let state = state_tokens(acceptor.state);
            let description = match &acceptor.description {
                Some(text) => quote!(Some(#text)),
                None => quote!(None),
            };
            acceptors.push(quote! {
                aliyun_runtime::waiter::Acceptor {
                    state: #state,
                    conditions: &[#(#conditions),*],
                    description: #description,
                }
            });
        }
        let name = &waiter.name;
        let retry_on_errors = waiter.retry_on_errors.iter().flatten();
        let min_delay = Literal::u64_unsuffixed(u64::from(waiter.min_delay_seconds));
        let max_delay = Literal::u64_unsuffixed(u64::from(waiter.max_delay_seconds));
        let ident = definition_ident(waiter);
        let method = waiter_method_name(waiter);
        let docs = Docs::new()
            .line(format!(
                "The definition of the waiter {}: its acceptors and default delays.",
                code_span(name)
            ))
            .blank()
            .line(format!("Used by [`{builder}::{method}`]."))
            .outer();
        items.push(quote! {
            #docs
            pub static #ident: aliyun_runtime::waiter::WaiterDefinition = aliyun_runtime::waiter::WaiterDefinition {
                name: #name,
                acceptors: &[#(#acceptors),*],
                retry_on_errors: &[#(#retry_on_errors),*],
                min_delay: std::time::Duration::from_secs(#min_delay),
                max_delay: std::time::Duration::from_secs(#max_delay),
            };
        });
    }
    if problems.is_empty() {
        Ok(quote!(#(#items)*))
    } else {
        Err(problems)
    }
}

/// The rustdoc of a waiter's method: the spec's texts, then what each
/// acceptor does, the retried codes and the default delays.
fn method_docs(operation: &LoadedOperation, waiter: &WaiterSpec) -> Docs {
    let mut docs = Docs::new()
        .prose(&waiter.summary)
        .prose_opt(waiter.description.as_deref())
        .blank()
        .line(format!(
            "Sends `{}` with the request built so far, immediately and then again after each delay, until a response matches:",
            operation.spec.name
        ))
        .blank();
    for acceptor in &waiter.acceptors {
        let conditions: Vec<String> = acceptor
            .conditions
            .iter()
            .map(|condition| {
                format!(
                    "{} is {}",
                    code_span(&condition.path),
                    code_span(&condition.equals.to_string())
                )
            })
            .collect();
        let mut line = format!(
            "- it {} when {}",
            state_word(acceptor.state),
            conditions.join(" and ")
        );
        if let Some(description) = &acceptor.description {
            line.push_str(&format!(": {}", description.trim_end_matches('.')));
        }
        line.push('.');
        docs = docs.line(line);
    }
    docs = docs.blank().line(
        "Any other response means polling again; so does an error answer with one of these codes:",
    );
    let codes: Vec<String> = waiter
        .retry_on_errors
        .iter()
        .flatten()
        .map(|code| code_span(code))
        .collect();
    docs = if codes.is_empty() {
        docs.line("none (any error answer ends the wait).")
    } else {
        docs.line(format!("{}.", codes.join(", ")))
    };
    let delays = if waiter.min_delay_seconds == waiter.max_delay_seconds {
        format!("{} seconds", waiter.min_delay_seconds)
    } else {
        format!(
            "{} to {} seconds, with exponential backoff and jitter",
            waiter.min_delay_seconds, waiter.max_delay_seconds
        )
    };
    docs.blank()
        .line(format!(
            "Between polls it waits {delays}; the returned waiter's `min_delay` and `max_delay` change that. It gives up after `max_wait`. Await the waiter to run it."
        ))
        .blank()
        .line("# Errors")
        .blank()
        .line("Awaiting the waiter fails with [`aliyun_runtime::waiter::WaiterError`]: `Timeout` after `max_wait`, `FailureState` when a failure acceptor matched, `Operation` with the operation's error, `Decode` when the final response does not decode.")
}

/// The `wait_until_*` methods of the fluent builder.
pub fn builder_methods(
    operation: &LoadedOperation,
    input: &Ident,
    output: &Ident,
    error: &Ident,
) -> TokenStream {
    let methods = operation.spec.waiters.iter().flatten().map(|waiter| {
        let method = format_ident!("{}", waiter_method_name(waiter));
        let definition = definition_ident(waiter);
        let docs = method_docs(operation, waiter).outer();
        quote! {
            #docs
            pub fn #method(self, max_wait: std::time::Duration) -> aliyun_runtime::waiter::Waiter<#input, #output, #error> {
                aliyun_runtime::waiter::Waiter::new(
                    self.runtime,
                    &METADATA,
                    self.input,
                    #error::from_code,
                    &#definition,
                    max_wait,
                )
            }
        }
    });
    quote!(#(#methods)*)
}
