//! Rendering of an operation's waiters (the spec's `waiters`).
//!
//! Each waiter becomes two items of the operation module: a static
//! `aliyun_runtime::waiter::WaiterDefinition` holding its acceptors and
//! default delays, and a `wait_until_<name>` method on the fluent builder
//! that turns the request built so far into an
//! `aliyun_runtime::waiter::Waiter`. All polling logic lives in the
//! runtime; the generated code is data and one constructor call. Paths are
//! emitted already parsed, so the runtime never parses spec text.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::docs::{code_span, Docs};
use crate::codegen::render::unsuffixed;
use crate::resolve::waiters::{Acceptor, Matcher, Waiter};
use crate::resolve::Operation;
use crate::spec::waiter::{AcceptorState, ConditionTest, PathStep};

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
            let index = crate::codegen::render::unsuffixed_usize(*index);
            quote!(aliyun_runtime::waiter::PathSegment::Index(#index))
        }
        PathStep::AnyIndex => quote!(aliyun_runtime::waiter::PathSegment::AnyIndex),
    });
    quote!(&[#(#steps),*])
}

fn acceptor_tokens(acceptor: &Acceptor<'_>) -> TokenStream {
    let conditions = acceptor.conditions.iter().map(|condition| {
        let path = path_tokens(&condition.path);
        match &condition.matcher {
            Matcher::Equals(expected) => {
                quote!(aliyun_runtime::waiter::Condition::equals(#path, #expected))
            }
            Matcher::Contains(needle) => {
                quote!(aliyun_runtime::waiter::Condition::contains(#path, #needle))
            }
        }
    });
    let state = state_tokens(acceptor.state);
    let description = match acceptor.description {
        Some(text) => quote!(Some(#text)),
        None => quote!(None),
    };
    quote! {
        aliyun_runtime::waiter::Acceptor {
            state: #state,
            conditions: &[#(#conditions),*],
            description: #description,
        }
    }
}

/// The static definitions of every waiter of the operation.
pub fn definitions(operation: &Operation<'_>) -> TokenStream {
    let builder = &operation.names.builder;
    let items = operation.waiters.iter().map(|waiter| {
        let acceptors = waiter.acceptors.iter().map(acceptor_tokens);
        let spec = waiter.spec;
        let name = &spec.name;
        let retry_on_errors = spec.retry_on_errors.iter().flatten();
        let min_delay = unsuffixed(spec.min_delay_seconds);
        let max_delay = unsuffixed(spec.max_delay_seconds);
        let ident = &waiter.definition;
        let method = &waiter.method;
        let docs = Docs::new()
            .line(format!(
                "The definition of the waiter {}: its acceptors and default delays.",
                code_span(name)
            ))
            .blank()
            .line(format!("Used by [`{builder}::{method}`]."))
            .outer();
        quote! {
            #docs
            pub static #ident: aliyun_runtime::waiter::WaiterDefinition = aliyun_runtime::waiter::WaiterDefinition {
                name: #name,
                acceptors: &[#(#acceptors),*],
                retry_on_errors: &[#(#retry_on_errors),*],
                min_delay: std::time::Duration::from_secs(#min_delay),
                max_delay: std::time::Duration::from_secs(#max_delay),
            };
        }
    });
    quote!(#(#items)*)
}

/// The rustdoc of a waiter's method: the spec's texts, then what each
/// acceptor does, the retried codes and the default delays.
fn method_docs(operation: &Operation<'_>, waiter: &Waiter<'_>) -> Docs<'static> {
    let action = &operation.spec.name;
    let waiter = waiter.spec;
    let mut docs = Docs::new()
        .prose(&waiter.summary)
        .prose_opt(waiter.description.as_deref())
        .blank()
        .line(format!(
            "Sends `{}` with the request built so far, immediately and then again after each delay, until a response matches:",
            action
        ))
        .blank();
    for acceptor in &waiter.acceptors {
        let conditions: Vec<String> = acceptor
            .conditions
            .iter()
            .map(|condition| match condition.test() {
                Some(ConditionTest::Equals(value)) => format!(
                    "{} is {}",
                    code_span(&condition.path),
                    code_span(&value.to_string())
                ),
                Some(ConditionTest::Contains(text)) => format!(
                    "{} contains {}",
                    code_span(&condition.path),
                    code_span(&serde_json::Value::from(text).to_string())
                ),
                // Resolution refuses such a condition before rendering.
                None => format!("{} is checked", code_span(&condition.path)),
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
pub fn builder_methods(operation: &Operation<'_>) -> TokenStream {
    let names = &operation.names;
    let (input, output, error) = (&names.input, &names.output, &names.error);
    let methods = operation.waiters.iter().map(|waiter| {
        let method = &waiter.method;
        let definition = &waiter.definition;
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
