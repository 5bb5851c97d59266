//! Emission of the crate-level files of `aliyun-rds`: the crate root, the
//! `Client`, the crate-wide `Error`, the product metadata and the list of
//! operation modules. Each operation's own module comes from
//! [`super::operation`].

use proc_macro2::TokenStream;
use quote::quote;

use super::error_rows::ErrorRowTable;
use super::errors_crate::optional_str;
use super::features::operation_cfg;
use super::operation::OperationNames;
use super::render::Docs;
use crate::spec::{ErrorRow, LoadedProduct};

/// The runtime's `ErrorMetadata` literal of an operation's error row.
pub fn error_row_literal(row: &ErrorRow) -> TokenStream {
    let status = row.http_status;
    let code = &row.code;
    let message = &row.message;
    let description = optional_str(row.description.as_deref());
    quote! {
        ErrorMetadata {
            http_status: #status,
            code: #code,
            message: #message,
            description: #description,
            refused_before_execution: false,
            retryable: false,
        }
    }
}

/// `src/lib.rs`.
pub fn lib_rs(product: &LoadedProduct) -> TokenStream {
    let spec = &product.product;
    let docs = Docs::new()
        .line(format!(
            "A typed async client for the Alibaba Cloud {} API ({}).",
            spec.name, spec.version
        ))
        .blank()
        .line("Make a [`Client`] from a [`Config`], then call one method per operation: its")
        .line("arguments are the operation's required parameters, the returned builder sets the")
        .line("optional ones, and `send().await` runs it. Every operation lives in a module of")
        .line("[`operation`] with its input, output, builder, error enum and metadata;")
        .line("[`metadata::OPERATIONS`] lists them all.")
        .blank()
        .line("Each operation is compiled only when the cargo feature of the same name in")
        .line("kebab-case is on (`describe-regions` for [`Client::describe_regions`]). The")
        .line("default feature `all` turns every operation on; with `default-features = false`,")
        .line("name the operations you use, or a group such as `cloud-migration`, and pay")
        .line("only for those. `serde-serialize` adds `Serialize` to inputs and outputs.")
        .blank()
        .line("The whole crate is generated from the spec by `cargo xtask codegen`.")
        .inner();
    quote! {
        #docs
        #![warn(missing_docs)]
        #![forbid(unsafe_code)]

        pub mod client;
        pub mod error;
        pub mod metadata;
        pub mod operation;

        pub use aliyun_rds_errors as errors;
        pub use aliyun_runtime::{Config, SdkError, WaiterError};
        pub use client::Client;
        pub use error::Error;
    }
}

/// `src/client.rs`.
pub fn client_rs(product: &LoadedProduct) -> TokenStream {
    let struct_docs = Docs::new()
        .line(format!(
            "A client for {} {}.",
            product.product.name, product.product.version
        ))
        .blank()
        .line("Cheap to clone: clones share the runtime (connections, credentials).")
        .line("Each operation is a method, defined in its module of [`crate::operation`].")
        .outer();
    quote! {
        //! The client: one value holding the runtime, with one method per operation.
        //!
        //! The operation methods are defined next to their types, in the modules
        //! of [`crate::operation`], so each operation is self-contained.

        use aliyun_runtime::error::ConstructionError;
        use aliyun_runtime::{Config, Runtime};

        #struct_docs
        #[derive(Debug, Clone)]
        pub struct Client {
            runtime: Runtime,
        }

        impl Client {
            /// Builds a client from a configuration.
            ///
            /// # Errors
            ///
            /// Returns the runtime's [`ConstructionError`] when the configuration
            /// cannot make a working client.
            pub fn new(config: Config) -> Result<Self, ConstructionError> {
                Ok(Client::from_runtime(Runtime::new(config, &crate::metadata::PRODUCT)?))
            }

            /// Wraps an existing runtime, which must have been made for this
            /// product's [`PRODUCT`](crate::metadata::PRODUCT) metadata.
            pub fn from_runtime(runtime: Runtime) -> Self {
                Client { runtime }
            }

            /// The runtime behind the client.
            pub fn runtime(&self) -> &Runtime {
                &self.runtime
            }
        }
    }
}

/// `src/error.rs`: one variant per operation, so `?` works across them.
pub fn error_rs(product: &LoadedProduct) -> TokenStream {
    let names: Vec<(OperationNames, &str, TokenStream)> = product
        .operations
        .iter()
        .map(|operation| {
            (
                OperationNames::of(operation),
                operation.spec.name.as_str(),
                operation_cfg(operation),
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

/// `src/metadata.rs`: the product's static metadata and the operation list.
pub fn metadata_rs(product: &LoadedProduct, error_rows: &ErrorRowTable<'_>) -> TokenStream {
    let spec = &product.product;
    let code = &spec.code;
    let version = &spec.version;
    let public = &spec.endpoints.rule.public;
    let vpc = &spec.endpoints.rule.vpc;
    let regions = spec.endpoints.regions.iter().map(|region| {
        let region_id = &region.region_id;
        let endpoint = &region.endpoint;
        quote!(RegionEndpoint { region_id: #region_id, endpoint: #endpoint },)
    });
    let gateway_errors = spec.gateway_errors.iter().map(|row| {
        let status = row.http_status;
        let code = &row.code;
        let message = &row.message;
        let description = optional_str(row.description.as_deref());
        let refused = row.refused_before_execution;
        let retryable = row.retryable;
        quote! {
            ErrorMetadata {
                http_status: #status,
                code: #code,
                message: #message,
                description: #description,
                refused_before_execution: #refused,
                retryable: #retryable,
            },
        }
    });
    // `product.operations` is sorted by action name.
    let operations = product.operations.iter().map(|operation| {
        let module = OperationNames::of(operation).module;
        let cfg = operation_cfg(operation);
        quote!(#cfg &crate::operation::#module::METADATA,)
    });
    let row_count = error_rows.rows().len();
    let row_literals = error_rows.rows().iter().map(|row| error_row_literal(row));
    let product_doc = format!(
        " The metadata of {} {}: endpoints and gateway errors.",
        spec.name, spec.version
    );
    quote! {
        //! Static metadata: the product's and every operation's, for the runtime,
        //! the CLI and the tests, without any hand-written list.

        use aliyun_runtime::metadata::{EndpointRule, ErrorMetadata, OperationMetadata, ProductMetadata, RegionEndpoint};

        #[doc = #product_doc]
        pub static PRODUCT: ProductMetadata = ProductMetadata {
            code: #code,
            version: #version,
            style: "RPC",
            endpoint_map: &[#(#regions)*],
            endpoint_rule: EndpointRule { public: #public, vpc: #vpc },
            gateway_errors: &[#(#gateway_errors)*],
        };

        /// The metadata of every operation compiled in (see the crate's cargo
        /// features), sorted by action name.
        pub static OPERATIONS: &[&OperationMetadata] = &[#(#operations)*];

        /// Every distinct row of the operations' documented error tables, each
        /// kept once: an operation's [`OperationMetadata::errors`] refers to its
        /// rows here.
        pub static ERROR_ROWS: [ErrorMetadata; #row_count] = [#(#row_literals),*];
    }
}

/// `src/operation/mod.rs`.
pub fn operation_mod_rs(product: &LoadedProduct) -> TokenStream {
    let modules = product.operations.iter().map(|operation| {
        let module = OperationNames::of(operation).module;
        let doc = format!(
            " `{}`: {}",
            operation.spec.name,
            operation.spec.summary.lines().next().unwrap_or_default()
        );
        let doc = Docs::new().prose(&doc).outer();
        let cfg = operation_cfg(operation);
        quote! {
            #doc
            #cfg
            pub mod #module;
        }
    });
    quote! {
        //! One module per operation, each holding the operation's client method,
        //! input, fluent builder, output, error enum and metadata.

        #(#modules)*
    }
}
