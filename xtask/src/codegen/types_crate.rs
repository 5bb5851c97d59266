//! Emission of the crate root of `aliyun-rds-types`: one module per
//! operation, each holding the operation's input, output and nested types
//! (written by [`super::operation`]).
//!
//! The types are a crate of their own, rather than part of `aliyun-rds`,
//! so that cargo compiles them at the same time as `aliyun-rds-errors`:
//! neither depends on the other, and only the small client crate waits for
//! both. On a machine with two cores that is most of the difference in the
//! whole API's build time.

use proc_macro2::TokenStream;
use quote::quote;

use super::features::operation_cfg;
use super::operation::OperationNames;
use super::render::Docs;
use crate::spec::LoadedProduct;

/// `src/lib.rs` of the types crate.
pub fn lib_rs(product: &LoadedProduct) -> TokenStream {
    let spec = &product.product;
    let docs = Docs::new()
        .line(format!(
            "The request and response types of the Alibaba Cloud {} API ({}).",
            spec.name, spec.version
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
        .line("`serde-serialize` adds `Serialize` to inputs and outputs.")
        .inner();
    let modules = product.operations.iter().map(|operation| {
        let module = OperationNames::of(operation).module;
        let doc = format!(" The types of `{}`.", operation.spec.name);
        let cfg = operation_cfg(operation);
        quote! {
            #[doc = #doc]
            #cfg
            pub mod #module;
        }
    });
    quote! {
        #docs
        #![warn(missing_docs)]
        #![forbid(unsafe_code)]

        #(#modules)*
    }
}
