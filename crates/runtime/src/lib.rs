//! The hand-written runtime behind the generated Alibaba Cloud SDK crates.
//!
//! Generated client crates describe operations with the static tables of
//! [`metadata`] and call [`Runtime::invoke`]; everything that makes such a
//! call reach the service correctly and safely lives here: signing,
//! credentials, endpoints, transport, typed errors and retries.

pub mod client;
pub mod config;
pub mod de;
pub mod error;
pub mod metadata;

pub use client::Runtime;
pub use config::Config;
pub use error::{SdkError, ServiceError, ServiceErrorMetadata};
