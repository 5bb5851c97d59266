//! Rendering of one operation's module of the errors crate: its error enum.
//!
//! The enum is the typed face; its behaviour lives in the fixed `rows.rs`,
//! which reads the operation's compact `OperationTable` of integers. Each
//! enum only adds a constant array of its documented variants, in table
//! order, which serves both directions: a position picks a variant out of
//! it, and a variant's position is found by comparing. Everything else is
//! a one-line call, so hundreds of operations with dozens of codes each
//! stay cheap to compile.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::docs::{code_span, Docs};
use crate::codegen::render::unsuffixed_usize;
use crate::resolve::{ErrorTable, ErrorVariant, Operation, RustIdent};
use crate::spec::ErrorRow;

/// Rustdoc of one variant: one line per row of its code, giving the
/// status and message.
///
/// Most operations document the same few dozen codes, so these docs are
/// repeated hundreds of times across the crate; one line each (the full
/// rows stay available through `documented_rows()` and `description()`)
/// keeps the crate's source, and its build, small.
pub(super) fn variant_docs(variant: &ErrorVariant, rows: &[ErrorRow]) -> Docs<'static> {
    let documented: Vec<&ErrorRow> = variant
        .rows
        .iter()
        .filter_map(|index| rows.get(*index))
        .collect();
    let code = code_span(&variant.code);
    match documented.as_slice() {
        [row] => Docs::new().one_line(&format!("{code}, HTTP {}: ", row.http_status), &row.message),
        _ => documented.iter().fold(
            Docs::new().line(format!("{code}, documented in {} rows:", documented.len())),
            |docs, row| docs.one_line(&format!("HTTP {}: ", row.http_status), &row.message),
        ),
    }
}

/// Whether a variant name is all capitals, which clippy would take for an
/// acronym to rename.
fn is_upper_case_acronym(name: &str) -> bool {
    name.len() > 1 && !name.chars().any(|character| character.is_ascii_lowercase())
}

/// The `OperationTable` literal of an error table with these variants.
pub(super) fn table_literal(variants: &[ErrorVariant], table: &ErrorTable) -> TokenStream {
    let names = variants.iter().map(|variant| &variant.name);
    let literals = |values: &[u16]| -> Vec<proc_macro2::Literal> {
        values
            .iter()
            .map(|value| crate::codegen::render::unsuffixed(*value))
            .collect()
    };
    let rows = literals(&table.by_variant);
    let starts = literals(&table.starts);
    let by_code = literals(&table.by_code);
    quote! {
        OperationTable {
            names: &[#(#names),*],
            rows: &[#(#rows),*],
            starts: &[#(#starts),*],
            by_code: &[#(#by_code),*],
        }
    }
}

/// `src/<operation>.rs` of the errors crate.
pub fn operation_rs(operation: &Operation<'_>) -> TokenStream {
    let spec = operation.spec;
    let rows = &spec.errors;
    let variants = &operation.error_variants;
    let enum_ident = &operation.names.error;
    let module = &operation.names.snake_case;

    let (table_line, enum_items) = if operation.common_errors {
        (
            format!(
                "Alibaba publishes no error table for this operation: [`{enum_ident}`](crate::{module}::{enum_ident}) holds the codes that every operation can answer ({} rows, {} codes) in its `Common` variant, as [`CommonError`](crate::common::CommonError)s, and the gateway's errors.",
                rows.len(),
                variants.len()
            ),
            common_enum_items(operation),
        )
    } else if spec.is_sdk_only() {
        (
            format!(
                "Alibaba publishes no error table for this operation: [`{enum_ident}`](crate::{module}::{enum_ident}) has one variant per code that every operation can answer ({} rows, {} codes), and the gateway's errors.",
                rows.len(),
                variants.len()
            ),
            own_enum_items(operation),
        )
    } else {
        (
            format!(
                "[`{enum_ident}`](crate::{module}::{enum_ident}) has one variant per distinct code of the operation's error table ({} rows, {} codes).",
                rows.len(),
                variants.len()
            ),
            own_enum_items(operation),
        )
    };
    let module_docs = Docs::new()
        .line(format!("The documented errors of `{}`.", spec.name))
        .blank()
        .line(table_line)
        .blank()
        .line("Its behaviour is shared with every operation's enum in `rows.rs`, which also")
        .line("says why the standard traits are written out rather than derived.")
        .inner();
    let methods = methods_and_traits(enum_ident);

    quote! {
        #module_docs

        use std::fmt;

        use crate::gateway::GatewayError;
        use crate::{DocumentedRows, Messages};

        #enum_items
        #methods
    }
}

/// The enum of an operation with an error table of its own: a variant per
/// code, its `TABLE`, its constant array of documented variants, and the
/// functions that differ from those of an enum holding `CommonError`.
fn own_enum_items(operation: &Operation<'_>) -> TokenStream {
    let spec = operation.spec;
    let rows = &spec.errors;
    let variants = &operation.error_variants;
    let enum_ident = &operation.names.error;
    let idents: Vec<RustIdent> = variants.iter().map(ErrorVariant::ident).collect();

    let declarations = variants.iter().zip(&idents).map(|(variant, ident)| {
        let docs = variant_docs(variant, rows).outer();
        quote! { #docs #ident, }
    });
    let documented_count = unsuffixed_usize(idents.len());
    // Documented variants carry no data, so a clone is rebuilt from the code
    // and a position is found by comparing; an operation that documents no
    // code has no such variant to match.
    let clone_documented = (!idents.is_empty())
        .then(|| quote!(documented => #enum_ident::from_code(documented.code()),));
    let kind_documented = (!idents.is_empty())
        .then(|| quote!(documented => Kind::of_documented(&Self::DOCUMENTED, documented),));
    let table = table_literal(variants, &operation.error_table);
    let acronym_allowance = variants
        .iter()
        .any(|variant| is_upper_case_acronym(&variant.name))
        .then(|| quote!(#[allow(clippy::upper_case_acronyms)]));
    let enum_docs = Docs::new()
        .line(format!("An error code answered by `{}`.", spec.name))
        .blank()
        .line("Codes are matched exactly (they are case-sensitive): the operation's own table")
        .line("first, then the gateway's errors; any other code is kept in `Unknown`.")
        .line("Each variant's documentation gives its rows' status and message;")
        .line("[`documented_rows`](Self::documented_rows) and [`description`](Self::description)")
        .line("give the whole rows.")
        .outer();

    quote! {
        use crate::rows::{Kind, OperationTable};

        #enum_docs
        #[non_exhaustive]
        #acronym_allowance
        pub enum #enum_ident {
            #(#declarations)*
            /// An error answered by the API gateway, which any operation may return.
            Gateway(GatewayError),
            /// A code neither the operation's nor the gateway's documentation lists,
            /// kept verbatim.
            Unknown(String),
        }

        /// The operation's error table: entry `i` describes the `i`-th variant
        /// of the enum. A constant rather than a static, so that, like the
        /// `#[inline]` methods that read it, it is compiled only into programs
        /// that use the operation.
        const TABLE: OperationTable = #table;

        impl #enum_ident {
            /// The error for a code, matched exactly: the operation's table first,
            /// then the gateway's errors, else [`Self::Unknown`].
            #[inline]
            pub fn from_code(code: &str) -> Self {
                TABLE.decode(code, Self::DOCUMENTED, #enum_ident::Gateway, #enum_ident::Unknown)
            }

            /// The documented variants: entry `i` is the variant that entry `i`
            /// of [`TABLE`] describes.
            const DOCUMENTED: [Self; #documented_count] = [#(Self::#idents),*];

            /// What the value is, for the code in `rows.rs` that every
            /// operation's errors share.
            #[inline]
            fn kind(&self) -> Kind<'_> {
                match self {
                    #enum_ident::Gateway(gateway) => Kind::Gateway(*gateway),
                    #enum_ident::Unknown(code) => Kind::Unknown(code),
                    #kind_documented
                }
            }
        }

        impl Clone for #enum_ident {
            #[inline]
            fn clone(&self) -> Self {
                match self {
                    #enum_ident::Gateway(gateway) => #enum_ident::Gateway(*gateway),
                    #enum_ident::Unknown(code) => #enum_ident::Unknown(code.clone()),
                    #clone_documented
                }
            }
        }

        impl fmt::Debug for #enum_ident {
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                TABLE.fmt_debug(self.kind(), formatter)
            }
        }
    }
}

/// The enum of an operation whose codes are the product's common ones:
/// `Common(CommonError)`, `Gateway` and `Unknown`, reading the common
/// table.
fn common_enum_items(operation: &Operation<'_>) -> TokenStream {
    let spec = operation.spec;
    let enum_ident = &operation.names.error;
    let enum_docs = Docs::new()
        .line(format!("An error code answered by `{}`.", spec.name))
        .blank()
        .line("Alibaba publishes no error table for this operation. Codes are matched exactly")
        .line("(they are case-sensitive): the codes every operation can answer first, held in")
        .line("`Common`, then the gateway's errors; any other code is kept in `Unknown`.")
        .line("[`documented_rows`](Self::documented_rows) and [`description`](Self::description)")
        .line("give a code's whole rows.")
        .outer();

    quote! {
        pub use crate::common::CommonError;
        use crate::common::TABLE;
        use crate::rows::Kind;

        #enum_docs
        #[non_exhaustive]
        pub enum #enum_ident {
            /// A code that every operation can answer.
            Common(CommonError),
            /// An error answered by the API gateway, which any operation may return.
            Gateway(GatewayError),
            /// A code neither the common table nor the gateway's documentation
            /// lists, kept verbatim.
            Unknown(String),
        }

        impl #enum_ident {
            /// The error for a code, matched exactly: the codes every operation can
            /// answer first, then the gateway's errors, else [`Self::Unknown`].
            #[inline]
            pub fn from_code(code: &str) -> Self {
                match CommonError::from_code(code) {
                    Some(common) => #enum_ident::Common(common),
                    None => GatewayError::from_code(code)
                        .map_or_else(|| #enum_ident::Unknown(code.to_owned()), #enum_ident::Gateway),
                }
            }

            /// What the value is, for the code in `rows.rs` that every
            /// operation's errors share.
            #[inline]
            fn kind(&self) -> Kind<'_> {
                match self {
                    #enum_ident::Common(common) => common.kind(),
                    #enum_ident::Gateway(gateway) => Kind::Gateway(*gateway),
                    #enum_ident::Unknown(code) => Kind::Unknown(code),
                }
            }
        }

        impl Clone for #enum_ident {
            #[inline]
            fn clone(&self) -> Self {
                match self {
                    #enum_ident::Common(common) => #enum_ident::Common(*common),
                    #enum_ident::Gateway(gateway) => #enum_ident::Gateway(*gateway),
                    #enum_ident::Unknown(code) => #enum_ident::Unknown(code.clone()),
                }
            }
        }

        impl fmt::Debug for #enum_ident {
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    #enum_ident::Common(common) => formatter.debug_tuple("Common").field(common).finish(),
                    other => TABLE.fmt_debug(other.kind(), formatter),
                }
            }
        }
    }
}

/// The methods and traits every operation's enum has alike: one-line calls
/// into `rows.rs` with the value's kind and the `TABLE` in scope.
fn methods_and_traits(enum_ident: &RustIdent) -> TokenStream {
    quote! {
        impl #enum_ident {
            /// The rows of the operation's error table documenting this code, in
            /// documentation order; none for gateway and unknown codes.
            #[inline]
            pub fn documented_rows(&self) -> DocumentedRows {
                TABLE.documented_rows(self.kind())
            }

            /// The error code, as the service sends it.
            #[inline]
            pub fn code(&self) -> &str {
                TABLE.code(self.kind())
            }

            /// The documented HTTP status (of the first row when a code is documented
            /// twice); `None` for an unknown code.
            #[inline]
            pub fn http_status(&self) -> Option<u16> {
                TABLE.http_status(self.kind())
            }

            /// The documented message (of the first row when a code is documented
            /// twice); `None` for an unknown code.
            #[inline]
            pub fn message(&self) -> Option<&'static str> {
                TABLE.message(self.kind())
            }

            /// Every documented message of the code, one per table row; none for an
            /// unknown code.
            #[inline]
            pub fn messages(&self) -> Messages {
                TABLE.messages(self.kind())
            }

            /// The documented description: the first row of the code that has one.
            #[inline]
            pub fn description(&self) -> Option<&'static str> {
                TABLE.description(self.kind())
            }

            /// Whether the code is documented, by the operation or the gateway.
            #[inline]
            pub fn is_documented(&self) -> bool {
                self.kind().is_documented()
            }

            /// The gateway error, when this is one.
            #[inline]
            pub fn gateway(&self) -> Option<GatewayError> {
                self.kind().gateway()
            }

            /// Whether a later attempt may succeed. Only gateway errors are
            /// documented as transient.
            #[inline]
            pub fn is_retryable(&self) -> bool {
                self.kind().is_retryable()
            }

            /// Whether the error proves the request was refused before it ran.
            /// Only gateway errors are documented that way.
            #[inline]
            pub fn is_refused_before_execution(&self) -> bool {
                self.kind().is_refused_before_execution()
            }
        }

        impl PartialEq for #enum_ident {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.kind() == other.kind()
            }
        }

        impl std::hash::Hash for #enum_ident {
            #[inline]
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.kind().hash(state);
            }
        }

        impl Eq for #enum_ident {}

        impl fmt::Display for #enum_ident {
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                TABLE.fmt_display(self.kind(), formatter)
            }
        }

        impl std::error::Error for #enum_ident {}
    }
}
