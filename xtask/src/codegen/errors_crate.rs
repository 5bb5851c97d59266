//! Emission of `aliyun-rds-errors`: the gateway error enum, the shared row
//! table (`table.rs`) and one error enum per operation.
//!
//! The crate has no dependencies. Each operation's enum has one variant per
//! distinct documented code (rows sharing a code share a variant), then
//! `Gateway(GatewayError)` for product-wide gateway errors and
//! `Unknown(String)` for anything else.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use super::error_rows::ErrorRowTable;
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
        mod table;
        #(#modules)*

        pub use table::{DocumentedRows, Messages};

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

/// One operation's error module.
///
/// The enum is the typed face; its behaviour lives in the code shared by
/// every operation in `table.rs` (see [`table_rs`]), which reads the
/// operation's compact `OperationTable` of integers. Each enum only adds two
/// matches over its variants: `kind()`, from a value to its position in the
/// table, and `documented()`, back. Everything else is a one-line call, so
/// hundreds of operations with dozens of codes each stay cheap to compile.
pub fn operation_rs(
    operation: &LoadedOperation,
    error_rows: &ErrorRowTable<'_>,
) -> Result<TokenStream, Vec<SpecError>> {
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
    let idents: Vec<Ident> = variants
        .iter()
        .map(|variant| type_ident(&variant.name))
        .collect();

    let declarations = variants.iter().zip(&idents).map(|(variant, ident)| {
        let docs = operation_variant_docs(variant, rows).outer();
        quote! { #docs #ident, }
    });
    let kind_arms = idents.iter().enumerate().map(|(index, ident)| {
        let index = Literal::usize_unsuffixed(index);
        quote!(#enum_ident::#ident => Kind::Documented(#index),)
    });
    let documented_body = documented_body(&enum_ident, &idents);
    let table = operation_table(&variants, rows, error_rows);

    let acronym_allowance = if variants
        .iter()
        .any(|variant| is_upper_case_acronym(&variant.name))
    {
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

        use crate::gateway::GatewayError;
        use crate::table::{Kind, OperationTable};
        use crate::{DocumentedRows, Messages};

        #enum_docs
        #[derive(PartialEq, Hash)]
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
                match TABLE.find(code).and_then(Self::documented) {
                    Some(documented) => documented,
                    None => match GatewayError::from_code(code) {
                        Some(gateway) => #enum_ident::Gateway(gateway),
                        None => #enum_ident::Unknown(code.to_owned()),
                    },
                }
            }

            /// The documented variant at a position of [`TABLE`].
            #[inline]
            fn documented(index: usize) -> Option<Self> {
                #documented_body
            }

            /// What the value is, for the code in `table.rs` that every
            /// operation's errors share.
            #[inline]
            fn kind(&self) -> Kind<'_> {
                match self {
                    #(#kind_arms)*
                    #enum_ident::Gateway(gateway) => Kind::Gateway(*gateway),
                    #enum_ident::Unknown(code) => Kind::Unknown(code),
                }
            }

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

        // Not derived: a derived `Eq` adds a function that this crate would
        // compile for every operation.
        impl Eq for #enum_ident {}

        impl Clone for #enum_ident {
            /// Documented variants carry no data, so they are rebuilt from their
            /// code: cheaper to compile than one more match over every variant.
            #[inline]
            fn clone(&self) -> Self {
                match self {
                    #enum_ident::Gateway(gateway) => #enum_ident::Gateway(*gateway),
                    #enum_ident::Unknown(code) => #enum_ident::Unknown(code.clone()),
                    documented => #enum_ident::from_code(documented.code()),
                }
            }
        }

        impl fmt::Debug for #enum_ident {
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                TABLE.fmt_debug(self.kind(), formatter)
            }
        }

        impl fmt::Display for #enum_ident {
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                TABLE.fmt_display(self.kind(), formatter)
            }
        }

        impl std::error::Error for #enum_ident {}
    })
}

/// Whether a variant name is all capitals, which clippy would take for an
/// acronym to rename.
fn is_upper_case_acronym(name: &str) -> bool {
    name.len() > 1 && !name.chars().any(|character| character.is_ascii_lowercase())
}

/// The body of `documented(index)`: a match from table positions to
/// variants, or `None` for an operation without documented codes.
fn documented_body(enum_ident: &Ident, idents: &[Ident]) -> TokenStream {
    if idents.is_empty() {
        return quote! {
            let _ = index;
            None
        };
    }
    let arms = idents.iter().enumerate().map(|(index, ident)| {
        let index = Literal::usize_unsuffixed(index);
        quote!(#index => Some(#enum_ident::#ident),)
    });
    quote! {
        match index {
            #(#arms)*
            _ => None,
        }
    }
}

/// The `OperationTable` literal of one operation: variant names, the
/// positions of each variant's rows in the crate-wide row table, where each
/// variant's rows start, and the variants in code order for the binary
/// search of `from_code`.
fn operation_table(
    variants: &[ErrorVariant],
    rows: &[ErrorRow],
    error_rows: &ErrorRowTable<'_>,
) -> TokenStream {
    let names = variants.iter().map(|variant| &variant.name);
    let mut positions: Vec<u16> = Vec::with_capacity(rows.len());
    let mut starts: Vec<u16> = Vec::with_capacity(variants.len() + 1);
    for variant in variants {
        starts.push(table_index(positions.len()));
        positions.extend(
            variant
                .rows
                .iter()
                .filter_map(|index| rows.get(*index))
                .filter_map(|row| error_rows.position(row)),
        );
    }
    starts.push(table_index(positions.len()));
    let mut by_code: Vec<usize> = (0..variants.len()).collect();
    by_code.sort_by(|left, right| {
        variants[*left]
            .code
            .as_bytes()
            .cmp(variants[*right].code.as_bytes())
    });
    let by_code = by_code
        .into_iter()
        .map(|index| Literal::u16_unsuffixed(table_index(index)));
    let positions = positions.into_iter().map(Literal::u16_unsuffixed);
    let starts = starts.into_iter().map(Literal::u16_unsuffixed);
    quote! {
        OperationTable {
            names: &[#(#names),*],
            rows: &[#(#positions),*],
            starts: &[#(#starts),*],
            by_code: &[#(#by_code),*],
        }
    }
}

/// A position within one operation's table, which validation keeps within
/// `u16` (`spec::validate::MAX_ERROR_ROWS`).
fn table_index(position: usize) -> u16 {
    u16::try_from(position).unwrap_or(u16::MAX)
}

/// `table.rs`: every distinct documented row once, and the code every
/// operation's error enum shares to read its rows.
pub fn table_rs(product: &LoadedProduct, error_rows: &ErrorRowTable<'_>) -> TokenStream {
    let features = product
        .operations
        .iter()
        .map(super::features::operation_feature);
    let row_count = error_rows.rows().len();
    let row_literals = error_rows.rows().iter().map(|row| {
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
            }
        }
    });
    quote! {
        //! The documented error rows of every operation, and the code every
        //! operation's error enum shares to read them.
        //!
        //! Most operations document the same few dozen errors, so [`ROWS`] holds
        //! each distinct row once. An operation's module describes its enum with
        //! an [`OperationTable`] of integers (where its rows are in [`ROWS`],
        //! grouped by code) and turns a value into a [`Kind`]; the methods here
        //! do the rest. Keeping the behaviour here rather than in each enum is
        //! what keeps hundreds of operations cheap to compile.

        // With no operation's feature on, nothing reads the tables.
        #![cfg_attr(not(any(#(feature = #features),*)), allow(dead_code))]

        use std::fmt;
        use std::iter::FusedIterator;

        use crate::gateway::GatewayError;
        use crate::ErrorRow;

        /// Every distinct row of the operations' documented error tables.
        static ROWS: [ErrorRow; #row_count] = [#(#row_literals),*];

        /// One operation's error table. Entry `i` of `names` and `starts`
        /// describes the `i`-th variant of the operation's enum.
        pub(crate) struct OperationTable {
            /// The variant names, for `Debug`.
            pub(crate) names: &'static [&'static str],
            /// Positions in [`ROWS`]: the rows of the first variant, then those of
            /// the second, and so on, each in documentation order.
            pub(crate) rows: &'static [u16],
            /// Where each variant's rows start in `rows`, and then where the last
            /// one's end.
            pub(crate) starts: &'static [u16],
            /// The variants, ordered by the bytes of their codes, for the binary
            /// search of `from_code`.
            pub(crate) by_code: &'static [u16],
        }

        /// What an error value is, as the shared code sees it.
        #[derive(Debug, Clone, Copy)]
        pub(crate) enum Kind<'error> {
            /// The variant at this position of the operation's table.
            Documented(usize),
            /// A gateway error.
            Gateway(GatewayError),
            /// An undocumented code, verbatim.
            Unknown(&'error str),
        }

        impl OperationTable {
            /// The position of the variant with exactly this code.
            pub(crate) fn find(&self, code: &str) -> Option<usize> {
                let found = self
                    .by_code
                    .binary_search_by(|variant| {
                        self.variant_code(usize::from(*variant)).as_bytes().cmp(code.as_bytes())
                    })
                    .ok()?;
                self.by_code.get(found).map(|variant| usize::from(*variant))
            }

            /// The positions in [`ROWS`] of a variant's rows.
            fn row_positions(&self, variant: usize) -> &'static [u16] {
                let start = self.starts.get(variant).copied().map(usize::from);
                let end = self.starts.get(variant + 1).copied().map(usize::from);
                match (start, end) {
                    (Some(start), Some(end)) => self.rows.get(start..end).unwrap_or_default(),
                    _ => &[],
                }
            }

            /// The code of a variant: that of its first row.
            fn variant_code(&self, variant: usize) -> &'static str {
                self.first_row(variant).map_or("", |row| row.code)
            }

            fn first_row(&self, variant: usize) -> Option<&'static ErrorRow> {
                DocumentedRows::of(self.row_positions(variant)).next()
            }

            pub(crate) fn documented_rows(&self, kind: Kind<'_>) -> DocumentedRows {
                match kind {
                    Kind::Documented(variant) => DocumentedRows::of(self.row_positions(variant)),
                    Kind::Gateway(_) | Kind::Unknown(_) => DocumentedRows::of(&[]),
                }
            }

            pub(crate) fn code<'error>(&self, kind: Kind<'error>) -> &'error str {
                match kind {
                    Kind::Documented(variant) => self.variant_code(variant),
                    Kind::Gateway(gateway) => gateway.code(),
                    Kind::Unknown(code) => code,
                }
            }

            pub(crate) fn http_status(&self, kind: Kind<'_>) -> Option<u16> {
                match kind {
                    Kind::Documented(variant) => self.first_row(variant).map(|row| row.http_status),
                    Kind::Gateway(gateway) => Some(gateway.http_status()),
                    Kind::Unknown(_) => None,
                }
            }

            pub(crate) fn message(&self, kind: Kind<'_>) -> Option<&'static str> {
                match kind {
                    Kind::Documented(variant) => self.first_row(variant).map(|row| row.message),
                    Kind::Gateway(gateway) => Some(gateway.message()),
                    Kind::Unknown(_) => None,
                }
            }

            pub(crate) fn messages(&self, kind: Kind<'_>) -> Messages {
                match kind {
                    Kind::Gateway(gateway) => Messages {
                        gateway: Some(gateway.message()),
                        rows: DocumentedRows::of(&[]),
                    },
                    other => Messages {
                        gateway: None,
                        rows: self.documented_rows(other),
                    },
                }
            }

            pub(crate) fn description(&self, kind: Kind<'_>) -> Option<&'static str> {
                match kind {
                    Kind::Gateway(gateway) => gateway.description(),
                    other => self.documented_rows(other).find_map(|row| row.description),
                }
            }

            pub(crate) fn fmt_debug(&self, kind: Kind<'_>, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                match kind {
                    Kind::Documented(variant) => {
                        formatter.write_str(self.names.get(variant).copied().unwrap_or_default())
                    }
                    Kind::Gateway(gateway) => formatter.debug_tuple("Gateway").field(&gateway).finish(),
                    Kind::Unknown(code) => formatter.debug_tuple("Unknown").field(&code).finish(),
                }
            }

            pub(crate) fn fmt_display(&self, kind: Kind<'_>, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                match kind {
                    Kind::Gateway(gateway) => fmt::Display::fmt(&gateway, formatter),
                    Kind::Unknown(code) => write!(
                        formatter,
                        "{code}: an error code the documentation does not list; see the service's message for details"
                    ),
                    documented => write!(
                        formatter,
                        "{}: {}",
                        self.code(documented),
                        self.message(documented).unwrap_or_default()
                    ),
                }
            }
        }

        /// The documented rows of one error code, in documentation order: what
        /// `documented_rows()` of every operation's error enum returns.
        #[derive(Debug, Clone)]
        pub struct DocumentedRows {
            positions: std::slice::Iter<'static, u16>,
        }

        impl DocumentedRows {
            fn of(positions: &'static [u16]) -> Self {
                DocumentedRows { positions: positions.iter() }
            }
        }

        impl Iterator for DocumentedRows {
            type Item = &'static ErrorRow;

            fn next(&mut self) -> Option<Self::Item> {
                // Generated positions are all in range; one that is not would be
                // skipped rather than allowed to panic.
                self.positions
                    .by_ref()
                    .find_map(|position| ROWS.get(usize::from(*position)))
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                (0, Some(self.positions.len()))
            }
        }

        impl FusedIterator for DocumentedRows {}

        /// The documented messages of one error code, one per row: what
        /// `messages()` of every operation's error enum returns.
        #[derive(Debug, Clone)]
        pub struct Messages {
            gateway: Option<&'static str>,
            rows: DocumentedRows,
        }

        impl Iterator for Messages {
            type Item = &'static str;

            fn next(&mut self) -> Option<Self::Item> {
                self.gateway
                    .take()
                    .or_else(|| self.rows.next().map(|row| row.message))
            }

            fn size_hint(&self) -> (usize, Option<usize>) {
                let (_, rows) = self.rows.size_hint();
                let gateway = usize::from(self.gateway.is_some());
                (gateway, rows.map(|rows| rows + gateway))
            }
        }

        impl FusedIterator for Messages {}
    }
}
