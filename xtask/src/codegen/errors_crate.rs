//! Emission of `aliyun-rds-errors`: the gateway error enum and one error
//! enum per operation.
//!
//! The crate has no dependencies. Each operation's enum has one variant per
//! distinct documented code (rows sharing a code share a variant), then
//! `Gateway(GatewayError)` for product-wide gateway errors and
//! `Unknown(String)` for anything else.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::render::{code_span, Docs};
use super::types::{member_ident, type_ident};
use crate::spec::validate::{assign_error_variants, operation_rust_name, CodeRow, ErrorVariant};
use crate::spec::{ErrorRow, GatewayErrorRow, LoadedOperation, LoadedProduct, SpecError};

/// The Rust name of an operation's error enum.
pub fn error_enum_name(operation: &LoadedOperation) -> String {
    format!(
        "{}Error",
        crate::spec::naming::upper_camel_case(&operation_rust_name(&operation.spec))
    )
}

/// `lib.rs` of the errors crate.
pub fn lib_rs(product: &LoadedProduct) -> TokenStream {
    let docs = Docs::new()
        .line(format!(
            "Typed error codes of the Alibaba Cloud {} API ({}).",
            product.product.name, product.product.version
        ))
        .blank()
        .line("[`gateway::GatewayError`] lists the errors the API gateway may answer for any")
        .line("operation. Each operation has a module holding its error enum, with one variant")
        .line("per documented code, generated from the operation's error table.")
        .blank()
        .line("Each operation's module is compiled only when the cargo feature of the same")
        .line("name in kebab-case is on (`describe-regions` for [`describe_regions`]); the")
        .line("default feature `all` turns them all on.")
        .inner();
    let modules = product.operations.iter().map(|operation| {
        let module = member_ident(&operation_rust_name(&operation.spec));
        let enum_name = error_enum_name(operation);
        let doc = format!(
            " Errors of `{}` ([`{module}::{enum_name}`]).",
            operation.spec.name
        );
        let cfg = super::features::operation_cfg(operation);
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

        pub mod gateway;
        #(#modules)*

        /// One row of an operation's documented error table, verbatim.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct ErrorRow {
            /// The documented HTTP status.
            pub http_status: u16,
            /// The exact, case-sensitive error code.
            pub code: &'static str,
            /// The documented message, verbatim (it may contain `%s`).
            pub message: &'static str,
            /// The documented description, if the table gives one.
            pub description: Option<&'static str>,
        }
    }
}

/// Rustdoc of one gateway variant.
fn gateway_variant_docs(row: &GatewayErrorRow) -> Docs {
    Docs::new()
        .line(format!(
            "{} (HTTP {}).",
            code_span(&row.code),
            row.http_status
        ))
        .prose(&row.message)
        .prose_opt(distinct_description(
            row.description.as_deref(),
            &row.message,
        ))
}

/// `gateway.rs`: the product-wide gateway errors.
pub fn gateway_rs(
    product: &LoadedProduct,
    file: &std::path::Path,
) -> Result<TokenStream, Vec<SpecError>> {
    let rows = &product.product.gateway_errors;
    let code_rows: Vec<CodeRow<'_>> = rows
        .iter()
        .map(|row| CodeRow {
            code: &row.code,
            rust_name: None,
        })
        .collect();
    let variants = assign_error_variants(file, "/gatewayErrors", &code_rows)?;
    // Gateway codes are unique (validation checks it), so variant `i` is row `i`.
    let entries: Vec<(Ident, &GatewayErrorRow)> = variants
        .iter()
        .zip(rows)
        .map(|(variant, row)| (type_ident(&variant.name), row))
        .collect();

    let declarations = entries.iter().map(|(ident, row)| {
        let docs = gateway_variant_docs(row).outer();
        quote! { #docs #ident, }
    });
    let all = entries
        .iter()
        .map(|(ident, _)| quote!(GatewayError::#ident));
    let from_code = entries.iter().map(|(ident, row)| {
        let code = &row.code;
        quote!(#code => Some(GatewayError::#ident),)
    });
    let code_arms = entries.iter().map(|(ident, row)| {
        let code = &row.code;
        quote!(GatewayError::#ident => #code,)
    });
    let status_arms = entries.iter().map(|(ident, row)| {
        let status = row.http_status;
        quote!(GatewayError::#ident => #status,)
    });
    let message_arms = entries.iter().map(|(ident, row)| {
        let message = &row.message;
        quote!(GatewayError::#ident => #message,)
    });
    let messages_arms = entries.iter().map(|(ident, row)| {
        let message = &row.message;
        quote!(GatewayError::#ident => &[#message],)
    });
    let description_arms = entries.iter().map(|(ident, row)| {
        let description = optional_str(row.description.as_deref());
        quote!(GatewayError::#ident => #description,)
    });
    let refused = predicate_body(
        entries
            .iter()
            .filter(|(_, row)| row.refused_before_execution)
            .map(|(ident, _)| ident),
    );
    let retryable = predicate_body(
        entries
            .iter()
            .filter(|(_, row)| row.retryable)
            .map(|(ident, _)| ident),
    );

    Ok(quote! {
        //! Errors the API gateway may answer for any operation.
        //!
        //! No operation's error table lists them; every operation's error enum
        //! wraps them in its `Gateway` variant.

        use std::fmt;

        /// An error answered by the API gateway rather than by the operation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum GatewayError {
            #(#declarations)*
        }

        impl GatewayError {
            /// Every gateway error, in documentation order.
            pub const ALL: &'static [GatewayError] = &[#(#all),*];

            /// The gateway error with exactly this code (case-sensitive), if any.
            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    #(#from_code)*
                    _ => None,
                }
            }

            /// The error code, as the service sends it.
            pub fn code(&self) -> &'static str {
                match self {
                    #(#code_arms)*
                }
            }

            /// The documented HTTP status of the response carrying this error.
            pub fn http_status(&self) -> u16 {
                match self {
                    #(#status_arms)*
                }
            }

            /// The documented message.
            pub fn message(&self) -> &'static str {
                match self {
                    #(#message_arms)*
                }
            }

            /// The documented message as a one-element list, the shape of the
            /// operation errors' `messages()`.
            pub fn messages(&self) -> &'static [&'static str] {
                match self {
                    #(#messages_arms)*
                }
            }

            /// What the error means and what to do about it, if documented.
            pub fn description(&self) -> Option<&'static str> {
                match self {
                    #(#description_arms)*
                }
            }

            /// Whether this error proves the service refused the request before
            /// running it (bad signature, throttling, unknown action...), so even
            /// a non-idempotent request may be sent again.
            pub fn is_refused_before_execution(&self) -> bool {
                #refused
            }

            /// Whether the condition is transient, so a later attempt may succeed.
            pub fn is_retryable(&self) -> bool {
                #retryable
            }
        }

        impl fmt::Display for GatewayError {
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{}: {}", self.code(), self.message())
            }
        }

        impl std::error::Error for GatewayError {}
    })
}

/// `matches!(self, A | B)`, or `false` when no variant qualifies.
fn predicate_body<'a>(idents: impl Iterator<Item = &'a Ident>) -> TokenStream {
    let idents: Vec<&Ident> = idents.collect();
    if idents.is_empty() {
        quote!(false)
    } else {
        quote!(matches!(self, #(GatewayError::#idents)|*))
    }
}

/// The description, unless it only repeats the message (as many
/// documentation rows do), in which case the docs show the text once.
fn distinct_description<'row>(description: Option<&'row str>, message: &str) -> Option<&'row str> {
    description.filter(|description| description.trim() != message.trim())
}

/// `Some("text")` or `None`.
pub fn optional_str(text: Option<&str>) -> TokenStream {
    match text {
        Some(text) => quote!(Some(#text)),
        None => quote!(None),
    }
}

/// Rustdoc of one operation error variant: one line per code, giving the
/// status and message of each of its rows.
///
/// Most operations document the same few dozen codes, so these docs are
/// repeated hundreds of times across the crate; one line each (the full
/// rows stay available through `documented_rows()` and `description()`)
/// keeps the crate's source, and its build, small.
fn operation_variant_docs(variant: &ErrorVariant, rows: &[ErrorRow]) -> Docs {
    let documented: Vec<&ErrorRow> = variant
        .rows
        .iter()
        .filter_map(|index| rows.get(*index))
        .collect();
    let code = code_span(&variant.code);
    let mut docs = Docs::new();
    match documented.as_slice() {
        [row] => {
            docs = docs.one_line(&format!("{code}, HTTP {}: ", row.http_status), &row.message);
        }
        _ => {
            docs = docs.line(format!("{code}, documented in {} rows:", documented.len()));
            for row in documented {
                docs = docs.one_line(&format!("HTTP {}: ", row.http_status), &row.message);
            }
        }
    }
    docs
}

/// The rows of every variant, grouped: each variant's rows are adjacent, in
/// documentation order, and variants follow the order of their first row.
/// Returns the grouped rows and each variant's span within them.
fn grouped_rows<'spec>(
    variants: &[ErrorVariant],
    rows: &'spec [ErrorRow],
) -> (Vec<&'spec ErrorRow>, Vec<std::ops::Range<usize>>) {
    let mut grouped = Vec::with_capacity(rows.len());
    let mut spans = Vec::with_capacity(variants.len());
    for variant in variants {
        let start = grouped.len();
        grouped.extend(variant.rows.iter().filter_map(|index| rows.get(*index)));
        spans.push(start..grouped.len());
    }
    (grouped, spans)
}

/// One operation's error module.
///
/// The documented rows live once, in a static table grouped by code; each
/// variant only knows its span in it. That keeps the module small when an
/// operation documents dozens of codes, as most do.
pub fn operation_rs(operation: &LoadedOperation) -> Result<TokenStream, Vec<SpecError>> {
    let spec = &operation.spec;
    let rows = &spec.errors;
    let code_rows: Vec<CodeRow<'_>> = rows
        .iter()
        .map(|row| CodeRow {
            code: &row.code,
            rust_name: row.rust_name.as_deref(),
        })
        .collect();
    let variants = assign_error_variants(&operation.file, "/errors", &code_rows)?;
    let enum_ident = format_ident!("{}", error_enum_name(operation));
    let module = operation_rust_name(spec);
    let (grouped, spans) = grouped_rows(&variants, rows);

    let declarations = variants.iter().map(|variant| {
        let ident = type_ident(&variant.name);
        let docs = operation_variant_docs(variant, rows).outer();
        quote! { #docs #ident, }
    });
    let from_code = variants.iter().map(|variant| {
        let ident = type_ident(&variant.name);
        let code = &variant.code;
        quote!(#code => #enum_ident::#ident,)
    });
    let span_arms = variants.iter().zip(&spans).map(|(variant, span)| {
        let ident = type_ident(&variant.name);
        let (start, end) = (span.start, span.end);
        quote!(#enum_ident::#ident => #start..#end,)
    });
    let table = grouped.iter().map(|row| {
        let status = row.http_status;
        let code = &row.code;
        let message = &row.message;
        let description = optional_str(row.description.as_deref());
        quote! {
            ErrorRow {
                http_status: #status,
                code: #code,
                message: #message,
                description: #description,
            },
        }
    });
    let messages = grouped.iter().map(|row| &row.message);

    let all_upper_case = variants.iter().any(|variant| {
        variant.name.len() > 1
            && !variant
                .name
                .chars()
                .any(|character| character.is_ascii_lowercase())
    });
    let acronym_allowance = if all_upper_case {
        quote!(#[allow(clippy::upper_case_acronyms)])
    } else {
        quote!()
    };

    let module_docs = Docs::new()
        .line(format!("The documented errors of `{}`.", spec.name))
        .blank()
        .line(format!(
            "[`{enum_ident}`](crate::{module}::{enum_ident}) has one variant per distinct code of the operation's error table ({} rows, {} codes).",
            rows.len(),
            variants.len()
        ))
        .inner();
    let enum_docs = Docs::new()
        .line(format!("An error code answered by `{}`.", spec.name))
        .blank()
        .line("Codes are matched exactly (they are case-sensitive): the operation's own table")
        .line("first, then the gateway's errors; any other code is kept in `Unknown`.")
        .line("Each variant's documentation gives its rows' status and message;")
        .line("[`documented_rows`](Self::documented_rows) and [`description`](Self::description)")
        .line("give the whole rows.")
        .outer();

    Ok(quote! {
        #module_docs

        use std::fmt;
        use std::ops::Range;

        use crate::gateway::GatewayError;
        use crate::ErrorRow;

        #enum_docs
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

        /// The documented rows, grouped by code: the rows of one code are adjacent
        /// and in documentation order.
        static ROWS: &[ErrorRow] = &[#(#table)*];

        /// The messages of [`ROWS`], in the same order, so that `messages()` can
        /// lend a slice.
        static MESSAGES: &[&str] = &[#(#messages),*];

        impl #enum_ident {
            /// The error for a code, matched exactly: the operation's table first,
            /// then the gateway's errors, else [`Self::Unknown`].
            #[inline]
            pub fn from_code(code: &str) -> Self {
                match code {
                    #(#from_code)*
                    other => match GatewayError::from_code(other) {
                        Some(gateway) => #enum_ident::Gateway(gateway),
                        None => #enum_ident::Unknown(other.to_owned()),
                    },
                }
            }

            /// Where this code's rows are in [`ROWS`]; empty for gateway and
            /// unknown codes.
            #[inline]
            fn row_span(&self) -> Range<usize> {
                match self {
                    #(#span_arms)*
                    #enum_ident::Gateway(_) | #enum_ident::Unknown(_) => 0..0,
                }
            }

            /// The rows of the operation's error table documenting this code, in
            /// documentation order; empty for gateway and unknown codes.
            #[inline]
            pub fn documented_rows(&self) -> &'static [ErrorRow] {
                ROWS.get(self.row_span()).unwrap_or_default()
            }

            /// The error code, as the service sends it.
            #[inline]
            pub fn code(&self) -> &str {
                match self {
                    #enum_ident::Gateway(gateway) => gateway.code(),
                    #enum_ident::Unknown(code) => code,
                    documented => documented.documented_rows().first().map_or("", |row| row.code),
                }
            }

            /// The documented HTTP status (of the first row when a code is documented
            /// twice); `None` for an unknown code.
            #[inline]
            pub fn http_status(&self) -> Option<u16> {
                match self {
                    #enum_ident::Gateway(gateway) => Some(gateway.http_status()),
                    documented => documented.documented_rows().first().map(|row| row.http_status),
                }
            }

            /// The documented message (of the first row when a code is documented
            /// twice); `None` for an unknown code.
            #[inline]
            pub fn message(&self) -> Option<&'static str> {
                match self {
                    #enum_ident::Gateway(gateway) => Some(gateway.message()),
                    documented => documented.documented_rows().first().map(|row| row.message),
                }
            }

            /// Every documented message of the code, one per table row; empty for an
            /// unknown code.
            #[inline]
            pub fn messages(&self) -> &'static [&'static str] {
                match self {
                    #enum_ident::Gateway(gateway) => gateway.messages(),
                    documented => MESSAGES.get(documented.row_span()).unwrap_or_default(),
                }
            }

            /// The documented description: the first row of the code that has one.
            #[inline]
            pub fn description(&self) -> Option<&'static str> {
                match self {
                    #enum_ident::Gateway(gateway) => gateway.description(),
                    documented => documented.documented_rows().iter().find_map(|row| row.description),
                }
            }

            /// Whether the code is documented, by the operation or the gateway.
            #[inline]
            pub fn is_documented(&self) -> bool {
                !matches!(self, #enum_ident::Unknown(_))
            }

            /// The gateway error, when this is one.
            #[inline]
            pub fn gateway(&self) -> Option<GatewayError> {
                match self {
                    #enum_ident::Gateway(gateway) => Some(*gateway),
                    _ => None,
                }
            }

            /// Whether a later attempt may succeed. Only gateway errors are
            /// documented as transient.
            #[inline]
            pub fn is_retryable(&self) -> bool {
                self.gateway().is_some_and(|gateway| gateway.is_retryable())
            }

            /// Whether the error proves the request was refused before it ran.
            /// Only gateway errors are documented that way.
            #[inline]
            pub fn is_refused_before_execution(&self) -> bool {
                self.gateway().is_some_and(|gateway| gateway.is_refused_before_execution())
            }
        }

        impl fmt::Display for #enum_ident {
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    #enum_ident::Gateway(gateway) => fmt::Display::fmt(gateway, formatter),
                    #enum_ident::Unknown(code) => write!(
                        formatter,
                        "{code}: an error code the documentation does not list; see the service's message for details"
                    ),
                    documented => write!(
                        formatter,
                        "{}: {}",
                        documented.code(),
                        documented.message().unwrap_or_default()
                    ),
                }
            }
        }

        impl std::error::Error for #enum_ident {}
    })
}
