//! Rendering of one operation's module of `aliyun-rds`
//! (`src/operation/<operation>.rs`): the client method, the fluent builder
//! with its setters and `send`, re-exports of the operation's types, error
//! enum and static metadata, its waiters and its paginator.
//!
//! Each module is self-contained so that the operation's cargo feature
//! gates it with one `#[cfg]` on its `mod` line.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{pagination, waiters};
use crate::codegen::docs::{code_span, member_docs, Docs, OperationLinks, SDK_ONLY_NOTE};
use crate::codegen::types_crate::input::{argument_type, many_arguments};
use crate::resolve::{Member, Operation};

/// The rustdoc of the operation's module: the full description, the
/// engines (unless the description lists them already) and idempotency.
fn module_docs<'links>(operation: &Operation<'_>, links: &'links OperationLinks) -> Docs<'links> {
    let spec = operation.spec;
    let docs = Docs::new()
        .linking(links)
        .prose(&spec.summary)
        .prose_opt(spec.description.as_deref());
    let docs = if spec.is_sdk_only() {
        SDK_ONLY_NOTE
            .iter()
            .fold(docs.blank(), |docs, line| docs.line(*line))
    } else {
        docs
    };
    let engines_described = spec
        .description
        .as_deref()
        .is_some_and(|description| description.contains("Supported database engines"));
    let docs = match &spec.engines {
        Some(engines) if !engines.is_empty() && !engines_described => docs.blank().line(format!(
            "Supported database engines: {}.",
            engines.join(", ")
        )),
        _ => docs,
    };
    let idempotency = if spec.idempotency.idempotent {
        "idempotent: the runtime may resend it after a network failure"
    } else {
        "not idempotent: the runtime resends it only when the service proves it never ran"
    };
    docs.blank().line(format!(
        "Action `{}`, operation type `{}`, {idempotency}.",
        spec.name, spec.idempotency.operation_type
    ))
}

/// The rustdoc of the client method: the summary, a link to the module's
/// full description, and each required argument's documentation.
fn method_docs<'links>(operation: &Operation<'_>, links: &'links OperationLinks) -> Docs<'links> {
    let module = &operation.names.snake_case;
    let docs = Docs::new()
        .linking(links)
        .prose(&operation.spec.summary)
        .blank();
    let docs = if operation.spec.is_sdk_only() {
        docs.line(format!(
            "Alibaba publishes no reference page for this operation; the [module documentation](crate::operation::{module}) says where its description comes from."
        ))
    } else {
        docs.line(format!(
            "The [module documentation](crate::operation::{module}) has the full description."
        ))
    };
    let mut required = operation.required_parameters().peekable();
    let docs = if required.peek().is_some() {
        required.fold(docs.blank().line("# Arguments"), |docs, member| {
            docs.blank()
                .line(format!("`{}`:", member.name))
                .append(&member_docs(member, links))
        })
    } else {
        docs
    };
    docs.blank().line(format!(
        "Optional parameters are set on the returned [`{}`]; nothing is sent until its `send` is awaited.",
        operation.names.builder
    ))
}

/// The two setters of an optional parameter: `x(value)` and
/// `set_x(Option<value>)`.
fn setters(member: &Member<'_>, operation: &Operation<'_>, links: &OperationLinks) -> TokenStream {
    let input = &operation.names.input;
    let ident = &member.ident;
    let field = &member.name;
    let set_ident = format_ident!("set_{}", field);
    let rust_type = &member.rust_type;
    let (argument, conversion) = argument_type(member);
    let wire = code_span(member.wire_name);
    // The full description lives on the input field; the setter repeats its
    // first line and links to it, which keeps large operations small.
    let value_docs = Docs::new()
        .linking(links)
        .line(format!("Sets {wire}."))
        .prose_opt(member.headline())
        .blank()
        .line(format!(
            "See [`{input}::{field}`] for the full documentation."
        ))
        .outer();
    let option_docs = Docs::new()
        .line(format!(
            "Sets {wire}, or leaves it out of the request with `None`."
        ))
        .outer();
    let deprecated = member
        .deprecated
        .then(|| quote!(#[deprecated = "deprecated by the service documentation"]));
    quote! {
        #value_docs
        #deprecated
        #[inline]
        pub fn #ident(mut self, #ident: #argument) -> Self {
            self.input.#ident = Some(#conversion);
            self
        }

        #option_docs
        #deprecated
        #[inline]
        pub fn #set_ident(mut self, #ident: Option<#rust_type>) -> Self {
            self.input.#ident = #ident;
            self
        }
    }
}

/// `src/operation/<operation>.rs`.
pub fn operation_rs(operation: &Operation<'_>, links: &OperationLinks) -> TokenStream {
    let spec = operation.spec;
    let names = &operation.names;
    let (module, input, output, builder, error) = (
        &names.module,
        &names.input,
        &names.output,
        &names.builder,
        &names.error,
    );

    let module_docs = module_docs(operation, links).inner();
    let method_docs = method_docs(operation, links).outer();
    let many_arguments = many_arguments(operation);
    let method_deprecated = spec.is_deprecated().then(
        || quote!(#[deprecated = "the operation is deprecated by the service documentation"]),
    );
    let arguments = operation.required_parameters().map(|member| {
        let ident = &member.ident;
        let (argument, _) = argument_type(member);
        quote!(#ident: #argument)
    });
    let argument_names = operation.required_parameters().map(|member| &member.ident);
    let setters = operation
        .optional_parameters()
        .map(|member| setters(member, operation, links));
    let builder_label = builder.to_string();
    let builder_docs = Docs::new()
        .line(format!(
            "Sets the optional parameters of `{}` and sends it.",
            spec.name
        ))
        .blank()
        .line(format!(
            "Made by [`Client::{0}`](crate::Client::{0}).",
            names.snake_case
        ))
        .outer();
    let send_docs = Docs::new()
        .line("Sends the request and decodes the response.")
        .blank()
        .line("It returns the runtime's named future rather than being an `async fn` or")
        .line("returning `impl Future`: either, per operation, was most of this crate's")
        .line("build time. Like every")
        .line("per-operation function it is `#[inline]`, so the runtime's generic")
        .line("machinery is compiled for this operation only in programs that send it.")
        .blank()
        .line("# Errors")
        .blank()
        .line(format!(
            "`SdkError::Service` carries the service's error code as an [`{error}`];"
        ))
        .line("the other variants report failures to build, sign, send or decode the request.")
        .outer();
    let waiter_methods = waiters::builder_methods(operation);
    let waiter_definitions = waiters::definitions(operation);
    let paginator_method = pagination::builder_method(operation);
    let paged_operation = pagination::implementation(operation);
    // The codes every operation can answer, which the error enum of an
    // operation without a table of its own holds in its `Common` variant.
    let common_error = operation
        .common_errors
        .then(|| quote!(pub use aliyun_rds_errors::#module::CommonError;));

    quote! {
        #module_docs

        use aliyun_runtime::{OperationFuture, Runtime};

        pub use aliyun_rds_errors::#module::#error;
        #common_error
        pub use aliyun_rds_types::#module::*;

        impl crate::Client {
            #method_docs
            #method_deprecated
            #many_arguments
            #[inline]
            pub fn #module(&self, #(#arguments),*) -> #builder {
                #builder {
                    runtime: self.runtime().clone(),
                    input: #input::new(#(#argument_names),*),
                }
            }
        }

        #builder_docs
        #[derive(Clone)]
        #[must_use = "the request is only sent when `send` is awaited"]
        pub struct #builder {
            runtime: Runtime,
            input: #input,
        }

        impl std::fmt::Debug for #builder {
            #[inline]
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                aliyun_runtime::debug::debug_struct(
                    formatter,
                    #builder_label,
                    &["runtime", "input"],
                    &[&self.runtime, &self.input],
                )
            }
        }

        impl #builder {
            #(#setters)*

            /// The request as built so far.
            #[inline]
            pub fn as_input(&self) -> &#input {
                &self.input
            }

            /// Overrides the client's timeouts, retry settings or endpoint for this call
            /// alone; see [`CallOverrides`](crate::config::CallOverrides).
            #[inline]
            pub fn customize(mut self, overrides: aliyun_runtime::CallOverrides) -> Self {
                self.runtime = self.runtime.with_overrides(overrides);
                self
            }

            #send_docs
            #[inline]
            pub fn send(self) -> OperationFuture<#output, #error> {
                let parameters = self.input.to_parameters();
                self.runtime.send_operation(&METADATA, parameters, #error::from_code)
            }

            #waiter_methods

            #paginator_method
        }

        #paged_operation

        pub use aliyun_rds_metadata::#module::METADATA;

        #waiter_definitions
    }
}
