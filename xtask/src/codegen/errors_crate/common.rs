//! Rendering of `src/common.rs`: the error codes any operation may answer,
//! for the operations Alibaba publishes no error table for.
//!
//! Those operations (the ones only the official SDKs' metadata describes)
//! all carry the same rows, so their codes make one enum, `CommonError`,
//! which each of their enums holds in its `Common` variant, as every enum
//! holds the gateway's errors in `Gateway`. A hundred copies of the same
//! enum were a fifth of the errors crate's build.

use proc_macro2::TokenStream;
use quote::quote;

use super::operation::{table_literal, variant_docs};
use crate::codegen::docs::Docs;
use crate::resolve::{CommonErrors, ErrorVariant, RustIdent};

/// `src/common.rs`.
pub fn common_rs(common: &CommonErrors<'_>) -> TokenStream {
    let idents: Vec<RustIdent> = common.variants.iter().map(ErrorVariant::ident).collect();
    let declarations = common.variants.iter().zip(&idents).map(|(variant, ident)| {
        let docs = variant_docs(variant, common.rows).outer();
        quote! { #docs #ident, }
    });
    let table = table_literal(&common.variants, &common.table);
    let module_docs = Docs::new()
        .line("The error codes any operation may answer, for the operations Alibaba publishes")
        .line("no error table for.")
        .blank()
        .line(format!(
            "[`CommonError`] has one variant per code ({} rows, {} codes); the enum of each",
            common.rows.len(),
            common.variants.len()
        ))
        .line("such operation holds it in its `Common` variant, as it holds the gateway's")
        .line("errors in `Gateway`.")
        .inner();
    quote! {
        #module_docs

        use std::fmt;

        use crate::rows::{Kind, OperationTable};
        use crate::{DocumentedRows, Messages};

        /// An error code any operation may answer, as documented for them all.
        ///
        /// The enums of the operations Alibaba publishes no error table for hold
        /// it in their `Common` variant. Each variant's documentation gives its
        /// rows' status and message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum CommonError {
            #(#declarations)*
        }

        /// The table of the common codes: entry `i` describes the `i`-th variant of
        /// [`CommonError`].
        pub(crate) const TABLE: OperationTable = #table;

        impl CommonError {
            /// Every common error, in table order.
            pub const ALL: &'static [CommonError] = &[#(CommonError::#idents),*];

            /// The common error with exactly this code (case-sensitive), if any.
            pub fn from_code(code: &str) -> Option<Self> {
                TABLE
                    .find(code)
                    .and_then(|position| Self::ALL.get(position).copied())
            }

            /// What the value is, for the code in `rows.rs`: its position in the
            /// table, which is its place among the variants.
            #[inline]
            pub(crate) fn kind(self) -> Kind<'static> {
                Kind::Documented(self as usize)
            }

            /// The rows documenting this code, in documentation order.
            pub fn documented_rows(&self) -> DocumentedRows {
                TABLE.documented_rows(self.kind())
            }

            /// The error code, as the service sends it.
            pub fn code(&self) -> &'static str {
                TABLE.code(self.kind())
            }

            /// The documented HTTP status (of the first row when a code is
            /// documented twice).
            pub fn http_status(&self) -> u16 {
                TABLE.http_status(self.kind()).unwrap_or_default()
            }

            /// The documented message (of the first row when a code is
            /// documented twice).
            pub fn message(&self) -> &'static str {
                TABLE.message(self.kind()).unwrap_or_default()
            }

            /// Every documented message of the code, one per table row.
            pub fn messages(&self) -> Messages {
                TABLE.messages(self.kind())
            }

            /// The documented description: the first row of the code that has one.
            pub fn description(&self) -> Option<&'static str> {
                TABLE.description(self.kind())
            }
        }

        impl fmt::Display for CommonError {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                TABLE.fmt_display(self.kind(), formatter)
            }
        }

        impl std::error::Error for CommonError {}
    }
}
