//! Rendering of `src/error.rs`: the crate-wide error, one variant per
//! operation.

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolve::{OperationNames, Product};

/// `src/error.rs`: one variant per operation, so `?` works across them.
pub fn error_rs(product: &Product<'_>) -> TokenStream {
    let names: Vec<(&OperationNames, &str, TokenStream)> = product
        .operations
        .iter()
        .map(|operation| {
            let feature = &operation.names.feature;
            (
                &operation.names,
                operation.spec.name.as_str(),
                quote!(#[cfg(feature = #feature)]),
            )
        })
        .collect();
    let variants = names.iter().map(|(names, wire_name, cfg)| {
        let variant = quote::format_ident!("{}", wire_name);
        let module = &names.module;
        let error = &names.error;
        let doc = format!(" A failure of [`Client::{module}`](crate::Client::{module}).");
        quote! {
            #[doc = #doc]
            #cfg
            #variant(aliyun_runtime::SdkError<#error>),
        }
    });
    let conversions = names.iter().map(|(names, wire_name, cfg)| {
        let variant = quote::format_ident!("{}", wire_name);
        let error = &names.error;
        quote! {
            #cfg
            impl From<aliyun_runtime::SdkError<#error>> for Error {
                #[inline]
                fn from(error: aliyun_runtime::SdkError<#error>) -> Self {
                    Error::#variant(error)
                }
            }
        }
    });
    let imports = names.iter().map(|(names, _, cfg)| {
        let module = &names.module;
        let error = &names.error;
        quote!(#cfg use crate::operation::#module::#error;)
    });
    let operation_arms = names.iter().map(|(_, wire_name, cfg)| {
        let variant = quote::format_ident!("{}", wire_name);
        quote!(#cfg Error::#variant(_) => #wire_name,)
    });
    let inner_arms = names.iter().map(|(_, wire_name, cfg)| {
        let variant = quote::format_ident!("{}", wire_name);
        quote!(#cfg Error::#variant(ref error) => error,)
    });
    quote! {
        //! The crate-wide error: any operation's failure, so that one function
        //! can call several operations and use `?` on each.

        use std::fmt;

        /// The runtime's error types, which every operation's `SdkError` is made of.
        pub use aliyun_runtime::error::*;

        #(#imports)*

        /// The failure of any operation, tagged with the operation.
        ///
        /// Every operation's `SdkError` converts into it with `?`. It has one
        /// variant per operation compiled in (see the crate's cargo features).
        #[non_exhaustive]
        pub enum Error {
            #(#variants)*
        }

        // Every method is `#[inline]` and `Debug` is written out rather than
        // derived: otherwise this crate would compile the formatting code of
        // every operation's `SdkError`, whether a program sends it or not.

        impl Error {
            /// The action name of the operation that failed.
            #[inline]
            pub fn operation(&self) -> &'static str {
                match *self {
                    #(#operation_arms)*
                }
            }

            /// The operation's own error.
            #[inline]
            fn operation_error(&self) -> &(dyn std::error::Error + 'static) {
                match *self {
                    #(#inner_arms)*
                }
            }
        }

        #(#conversions)*

        impl fmt::Debug for Error {
            /// The same as a derived `Debug`: the variant, named after the
            /// operation, around the operation's `SdkError`.
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.debug_tuple(self.operation()).field(&self.operation_error()).finish()
            }
        }

        impl fmt::Display for Error {
            #[inline]
            fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(formatter, "{} failed: {}", self.operation(), self.operation_error())
            }
        }

        impl std::error::Error for Error {
            #[inline]
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(self.operation_error())
            }
        }
    }
}
