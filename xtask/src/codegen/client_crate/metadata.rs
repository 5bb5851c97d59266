//! Rendering of the client's `src/metadata.rs`: the static metadata of
//! `aliyun-rds-metadata` re-exported, and the waiters, which are the
//! client's (their definitions sit beside their operations' builders).

use proc_macro2::TokenStream;
use quote::quote;

use crate::resolve::Product;

/// `src/metadata.rs`.
pub fn metadata_rs(product: &Product<'_>) -> TokenStream {
    let waiters = product.operations.iter().flat_map(|operation| {
        let module = &operation.names.module;
        let feature = &operation.names.feature;
        operation.waiters.iter().map(move |waiter| {
            let definition = &waiter.definition;
            quote! {
                #[cfg(feature = #feature)]
                OperationWaiter {
                    definition: &crate::operation::#module::#definition,
                    operation: &crate::operation::#module::METADATA,
                },
            }
        })
    });
    quote! {
        //! Static metadata: the product's and every operation's, for the runtime,
        //! the CLI and the tests, without any hand-written list. The tables are
        //! those of `aliyun-rds-metadata`, a crate of their own only for build time.

        use aliyun_runtime::metadata::OperationWaiter;

        pub use aliyun_rds_metadata::{ERROR_ROWS, GROUPS, OPERATIONS, PRODUCT};

        /// The waiters of the operations compiled in, by operation name: each
        /// is also a static beside its operation, used by the operation's
        /// `wait_until_*` builder method.
        pub static WAITERS: &[OperationWaiter] = &[#(#waiters)*];
    }
}
