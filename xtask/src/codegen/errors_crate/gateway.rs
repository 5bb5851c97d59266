//! Rendering of `src/gateway.rs`: the errors the API gateway may answer
//! for any operation.

use proc_macro2::TokenStream;
use quote::quote;

use super::optional_str;
use crate::codegen::docs::{code_span, distinct_description, Docs};
use crate::codegen::render::unsuffixed;
use crate::resolve::{GatewayVariant, Product, RustIdent};

/// Rustdoc of one gateway variant.
fn variant_docs(variant: &GatewayVariant<'_>) -> Docs<'static> {
    let row = variant.row;
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

/// `matches!(self, A | B)`, or `false` when no variant qualifies.
fn predicate_body<'a>(idents: impl Iterator<Item = &'a RustIdent>) -> TokenStream {
    let idents: Vec<&RustIdent> = idents.collect();
    if idents.is_empty() {
        quote!(false)
    } else {
        quote!(matches!(self, #(GatewayError::#idents)|*))
    }
}

/// `src/gateway.rs`.
pub fn gateway_rs(product: &Product<'_>) -> TokenStream {
    let variants = &product.gateway_errors;
    let declarations = variants.iter().map(|variant| {
        let docs = variant_docs(variant).outer();
        let ident = &variant.ident;
        quote! { #docs #ident, }
    });
    let all = variants.iter().map(|variant| &variant.ident);
    let arms = |value: &dyn Fn(&GatewayVariant<'_>) -> TokenStream| -> Vec<TokenStream> {
        variants
            .iter()
            .map(|variant| {
                let ident = &variant.ident;
                let value = value(variant);
                quote!(GatewayError::#ident => #value,)
            })
            .collect()
    };
    let code_arms = arms(&|variant| {
        let code = &variant.row.code;
        quote!(#code)
    });
    let status_arms = arms(&|variant| {
        let status = unsuffixed(variant.row.http_status);
        quote!(#status)
    });
    let message_arms = arms(&|variant| {
        let message = &variant.row.message;
        quote!(#message)
    });
    let description_arms = arms(&|variant| optional_str(variant.row.description.as_deref()));
    let from_code = variants.iter().map(|variant| {
        let ident = &variant.ident;
        let code = &variant.row.code;
        quote!(#code => Some(GatewayError::#ident),)
    });
    let refused = predicate_body(
        variants
            .iter()
            .filter(|variant| variant.row.refused_before_execution)
            .map(|variant| &variant.ident),
    );
    let retryable = predicate_body(
        variants
            .iter()
            .filter(|variant| variant.row.retryable)
            .map(|variant| &variant.ident),
    );

    quote! {
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
            pub const ALL: &'static [GatewayError] = &[#(GatewayError::#all),*];

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
    }
}
