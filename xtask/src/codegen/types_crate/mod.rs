//! Rendering of `aliyun-rds-types`: one module per operation, holding the
//! operation's input (with its constructor and `to_parameters`), its output
//! and their nested structs.
//!
//! The types are a crate of their own, rather than part of `aliyun-rds`,
//! so that cargo compiles them at the same time as `aliyun-rds-errors`:
//! neither depends on the other, and only the small client crate waits for
//! both. On a machine with two cores that is most of the difference in the
//! whole API's build time.

pub mod input;
pub mod structs;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::{Docs, OperationLinks};
use crate::resolve::{Direction, Operation, Product};
use structs::{nested_struct, struct_definition, Serialization, StructKind};

/// `src/lib.rs`.
pub fn lib_rs(product: &Product<'_>) -> TokenStream {
    let docs = Docs::new()
        .line(format!(
            "The request and response types of the Alibaba Cloud {} API ({}).",
            product.spec.name, product.spec.version
        ))
        .blank()
        .line("Each operation has a module holding its input (with `to_parameters`, the wire")
        .line("parameters it flattens to), its output (decoded by `FromJson`) and their nested")
        .line("types. `aliyun-rds` re-exports every module in its `operation` module, with the")
        .line("client method and builder that fill the input and send it; depend on")
        .line("`aliyun-rds` rather than on this crate.")
        .blank()
        .line("Each operation's module is compiled only when the cargo feature of the same")
        .line("name in kebab-case is on; the default feature `all` turns them all on.")
        .line("`serde-serialize` adds `Serialize` to inputs and outputs, `serde-deserialize`")
        .line("`Deserialize` to outputs.")
        .blank()
        .line("Layer: the model, built on `aliyun-codec` alone (no HTTP client, TLS or async")
        .line("runtime), so that it compiles while the runtime's dependencies do.")
        .inner();
    let modules = product.operations.iter().map(|operation| {
        let module = &operation.names.module;
        let feature = &operation.names.feature;
        let doc = format!(" The types of `{}`.", operation.spec.name);
        quote! {
            #[doc = #doc]
            #[cfg(feature = #feature)]
            pub mod #module;
        }
    });
    quote! {
        #docs

        #(#modules)*
    }
}

/// `src/<operation>.rs`: the operation's input, output and nested types.
pub fn operation_rs(operation: &Operation<'_>, links: &OperationLinks) -> TokenStream {
    let spec = operation.spec;
    let names = &operation.names;
    let input = &names.input;
    let module_docs = Docs::new()
        .line(format!(
            "The request and response types of `{}`; `aliyun-rds` re-exports them in its",
            spec.name
        ))
        .line(format!(
            "`operation::{}` module, with the operation's documentation.",
            names.snake_case
        ))
        .inner();
    // The types crate does not know the client, so its docs name the
    // client's items without linking to them.
    let input_docs = Docs::new()
        .line(format!("The request parameters of `{}`.", spec.name))
        .blank()
        .line(format!(
            "Built by `Client::{}` and `{}` of `aliyun-rds`, or by [`{input}::new`].",
            names.snake_case, names.builder
        ))
        .outer();
    let input_struct = struct_definition(
        input,
        input_docs,
        &operation.parameters,
        StructKind {
            direction: Direction::Request,
            serialization: Serialization::Optional,
            exhaustive: false,
            links,
        },
    );
    let new = input::new_impl(operation);
    let to_parameters = input::to_parameters_impl(operation);
    let output_docs = Docs::new()
        .linking(links)
        .line(format!("The response of `{}`.", spec.name))
        .prose_opt(spec.response.description.as_deref())
        .blank()
        .line("Every field is optional: the service may leave any of them out.")
        .outer();
    let output_struct = struct_definition(
        &names.output,
        output_docs,
        &operation.response_fields,
        StructKind {
            direction: Direction::Response,
            serialization: Serialization::Optional,
            exhaustive: false,
            links,
        },
    );
    let nested = operation
        .structs
        .iter()
        .map(|nested| nested_struct(nested, links));
    let example_test = spec.sample_response.as_deref().map(|example| {
        let output = &names.output;
        // A synthesized sample is the importer's, not Alibaba's: the test
        // says which it checks.
        let (module_doc, constant_doc, test_doc, test) = if spec.has_synthesized_sample() {
            (
                " The sample response synthesized from the response fields against the output type.",
                " A response with every documented field, synthesized by `cargo xtask import`: Alibaba documents no example for this operation.",
                " Every field of the synthesized sample decodes into a declared field of its type.",
                quote!(the_synthesized_sample_decodes_into_declared_fields),
            )
        } else {
            (
                " The documentation's example response against the output type.",
                " The example response of the operation's documentation, verbatim.",
                " Every field of the example decodes into a declared field of its type: the importer brought the spec in line with the example (`cargo xtask import` reports where), so nothing is lost.",
                quote!(the_documented_example_decodes_into_declared_fields),
            )
        };
        quote! {
            #[cfg(test)]
            mod tests {
                #![doc = #module_doc]

                #[doc = #constant_doc]
                const SAMPLE_RESPONSE: &str = #example;

                #[doc = #test_doc]
                #[test]
                fn #test() {
                    // Read from the bytes, as the client reads an answer.
                    let output = aliyun_codec::de::from_slice::<super::#output>(SAMPLE_RESPONSE.as_bytes())
                        .unwrap_or_else(|error| panic!("the sample response is not JSON: {error}"))
                        .unwrap_or_else(|error| panic!("the sample response does not decode: {error}"));
                    // Every struct at any depth keeps what it does not declare in
                    // `unknown_fields`, which its `Debug` shows; all must be empty.
                    let debug = format!("{output:?}");
                    assert_eq!(
                        debug.matches("unknown_fields: {}").count(),
                        debug.matches("unknown_fields: ").count(),
                        "undeclared fields: {debug}"
                    );
                }
            }
        }
    });
    quote! {
        #module_docs

        #input_struct
        #new
        #to_parameters
        #output_struct
        #(#nested)*
        #example_test
    }
}
