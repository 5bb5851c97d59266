//! Rendering of `aliyun-rds`: the crate root, the `Client`, the crate-wide
//! `Error`, the static metadata, and one module per operation with its
//! client method, fluent builder, `send` and waiters.

pub mod error;
pub mod metadata;
pub mod operation;
pub mod pagination;
pub mod waiters;

use proc_macro2::TokenStream;
use quote::quote;

use super::docs::Docs;
use crate::resolve::Product;

/// `src/lib.rs`.
pub fn lib_rs(product: &Product<'_>) -> TokenStream {
    let spec = product.spec;
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
        .line("kebab-case is on (`describe-regions` for `Client::describe_regions`). The")
        .line("default feature `all` turns every operation on; with `default-features = false`,")
        .line("name the operations you use, or a group such as `cloud-migration`, and pay")
        .line("only for those. `serde-serialize` adds `Serialize` to inputs and outputs,")
        .line("`serde-deserialize` `Deserialize` to outputs; `socks` allows SOCKS5 proxies and")
        .line("`native-roots` trusts the operating system's certificate store. [`config`] has")
        .line("everything that configures the client.")
        .blank()
        .line("A paged operation's builder has `into_paginator()`, which streams its pages or")
        .line("their items ([`paginator`]); a builder's `wait_until_*` methods run the spec's")
        .line("waiters, and [`waiter::Waiter::with_acceptor`] awaits a state of the program's own.")
        .blank()
        .line("Layer: the top, above the runtime (`aliyun-runtime`), which it re-exports with what")
        .line("a program needs of the layers below, so that this crate is a program's only")
        .line("dependency. The whole crate is generated from the spec by `cargo xtask codegen`.")
        .inner();
    quote! {
        #docs

        pub mod client;
        pub mod error;
        pub mod metadata;
        pub mod operation;

        pub use aliyun_rds_errors as errors;
        pub use aliyun_runtime::{CallOverrides, Config, Credentials, OperationFuture, RetryConfig, SdkError, WaiterError};
        pub use aliyun_runtime::paginator;
        pub use aliyun_runtime::waiter;

        /// Everything that configures a [`Client`] or one of its calls: [`Config`] and its
        /// builder, credentials and their providers, timeouts, retries, proxies, trusted
        /// certificates, the connection pool and per-call overrides, re-exported from the
        /// runtime so that this crate is the only dependency a program needs.
        pub mod config {
            pub use aliyun_runtime::config::*;
            pub use aliyun_runtime::credentials::{self, Credentials, ProvideCredentials};
            pub use aliyun_runtime::retry::{RetryConfig, RetryQuotaConfig};
            pub use aliyun_runtime::transport::{self, PoolSettings, Proxy};
            #[cfg(feature = "test-util")]
            pub use aliyun_runtime::transport::test_util;
        }
        pub use client::Client;
        pub use error::Error;
    }
}

/// `src/client.rs`.
pub fn client_rs(product: &Product<'_>) -> TokenStream {
    let struct_docs = Docs::new()
        .line(format!(
            "A client for {} {}.",
            product.spec.name, product.spec.version
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

/// `src/operation/mod.rs`.
pub fn operation_mod_rs(product: &Product<'_>) -> TokenStream {
    let modules = product.operations.iter().map(|operation| {
        let module = &operation.names.module;
        let doc = format!(
            " `{}`: {}",
            operation.spec.name,
            operation.spec.summary.lines().next().unwrap_or_default()
        );
        let doc = Docs::new().prose(&doc).outer();
        let feature = &operation.names.feature;
        quote! {
            #doc
            #[cfg(feature = #feature)]
            pub mod #module;
        }
    });
    quote! {
        //! One module per operation, each holding the operation's client method,
        //! input, fluent builder, output, error enum and metadata.

        #(#modules)*
    }
}
