//! Rendering of `aliyun-rds-errors`: the crate root, the shared row table,
//! the gateway error enum and one error enum per operation.
//!
//! The crate has no dependencies. Each operation's enum has one variant
//! per distinct documented code (rows sharing a code share a variant), then
//! `Gateway(GatewayError)` for product-wide gateway errors and
//! `Unknown(String)` for anything else; the operations Alibaba publishes
//! no error table for hold the codes every operation can answer in a
//! `Common(CommonError)` variant instead (see [`common`]). The code the
//! enums share is the fixed file `rows.rs` (see [`super::inlineable`]).

pub mod common;
pub mod gateway;
pub mod operation;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::Docs;
use super::render::unsuffixed_usize;
use crate::resolve::Product;

/// `src/lib.rs`.
pub fn lib_rs(product: &Product<'_>) -> TokenStream {
    let docs = Docs::new()
        .line(format!(
            "Typed error codes of the Alibaba Cloud {} API ({}).",
            product.spec.name, product.spec.version
        ))
        .blank()
        .line("[`gateway::GatewayError`] lists the errors the API gateway may answer for any")
        .line("operation. Each operation has a module holding its error enum, with one variant")
        .line("per documented code, generated from the operation's error table.")
        .blank()
        .line("Each operation's module is compiled only when the cargo feature of the same")
        .line("name in kebab-case is on (`describe-regions` for `describe_regions`); the")
        .line("default feature `all` turns them all on.")
        .blank()
        .line("Layer: the model, with no dependency at all, so that any code can match on the")
        .line("codes and so that it compiles beside the types and the runtime.")
        .inner();
    let modules = product.operations.iter().map(|operation| {
        let names = &operation.names;
        let module = &names.module;
        let doc = format!(
            " Errors of `{}` ([`{}::{}`]).",
            operation.spec.name, names.snake_case, names.error
        );
        let feature = &names.feature;
        quote! {
            #[doc = #doc]
            #[cfg(feature = #feature)]
            pub mod #module;
        }
    });
    let features: Vec<&String> = product
        .operations
        .iter()
        .map(|operation| &operation.names.feature)
        .collect();
    let unused_without_operations =
        quote!(#[cfg_attr(not(any(#(feature = #features),*)), allow(dead_code))]);
    // The codes every operation can answer, for the operations that have no
    // table of their own; compiled when one of them is.
    let common = product.common_errors.as_ref().map(|common| {
        let condition = match common.features.as_slice() {
            [feature] => quote!(feature = #feature),
            features => quote!(any(#(feature = #features),*)),
        };
        quote! {
            #[cfg(#condition)]
            pub mod common;
        }
    });
    quote! {
        #docs

        #common
        pub mod gateway;
        // With no operation's feature on, nothing reads the tables.
        #unused_without_operations
        mod rows;
        #unused_without_operations
        mod table;
        #(#modules)*

        pub use rows::{DocumentedRows, ErrorRow, Messages};
    }
}

/// `src/table.rs`: every distinct documented row of the operations, once.
pub fn table_rs(product: &Product<'_>) -> TokenStream {
    let rows = product.error_rows.rows();
    let row_count = unsuffixed_usize(rows.len());
    let row_literals = rows.iter().map(|row| {
        let status = super::render::unsuffixed(row.http_status);
        let code = &row.code;
        let message = &row.message;
        let description = optional_str(row.description.as_deref());
        quote! {
            ErrorRow {
                http_status: #status,
                code: #code,
                message: #message,
                description: #description,
            }
        }
    });
    quote! {
        //! Every distinct row of the operations' documented error tables, each
        //! once; the operations' tables refer to them by position (see `rows.rs`).

        use crate::rows::ErrorRow;

        /// Every distinct row of the operations' documented error tables.
        pub(crate) static ROWS: [ErrorRow; #row_count] = [#(#row_literals),*];
    }
}

/// `Some("text")` or `None`.
pub fn optional_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(Some(#text)),
        None => quote!(None),
    }
}
