//! The orchestrator of the generated Alibaba Cloud SDK crates: it turns an
//! operation call into signed attempts sent through one connector, applies
//! the retry policy and timeouts, runs waiters and paginators, and decodes
//! the answer.
//!
//! It is the top layer of the runtime (layer 3 in `ARCHITECTURE.md`'s
//! "Layers"), above the model and codec (`aliyun-codec`), signing and
//! identity (`aliyun-sign`), the transport seam (`aliyun-http`) and the
//! credential providers (`aliyun-credentials`), and it re-exports what a
//! program needs of them, so that the generated client crate (`aliyun-rds`)
//! re-exports this crate alone and a program depends on `aliyun-rds` alone.
//!
//! Generated client crates describe operations with the static tables of
//! [`metadata`]; a program (or a tool such as the `aliyun-rds` CLI) that
//! builds its parameters at run time calls [`Runtime::invoke`].
//!
//! * [`config`]: the knobs, with safe defaults;
//! * [`Runtime`]: what a client holds, built from a [`Config`]; its calls
//!   go through one attempt loop, where the retry policy ([`retry`]), the
//!   timeouts and the [`interceptor`]s apply, and every request goes
//!   through the client's connector ([`transport`]);
//! * [`endpoint`]: which URL a product and region resolve to;
//! * [`response`]: decoding outputs and the service's error documents;
//! * [`error`]: the error types every operation returns;
//! * [`waiter`]: polling an operation until a resource reaches a state;
//! * [`paginator`]: paging through list operations, page by page or item
//!   by item;
//! * re-exported from the layers below: [`metadata`], [`signing`],
//!   [`clock`], [`credentials`] and [`transport`] (with the `test-util`
//!   feature, `transport::test_util`: an in-process double of the service
//!   for the tests of programs that call it).
//!
//! What only generated code needs (decoding outputs, `Debug` of generated
//! structs, writing inputs' parameters, percent-encoding, and the send path
//! of generated `send` methods) is hidden from this documentation and
//! exempt from semver: it changes with the generator, which is released
//! with this crate.
//!
//! A client is configured once and shared:
//!
//! ```
//! use aliyun_runtime::{Config, Credentials, SignatureVersion};
//!
//! // Everything optional: region from ALIBABA_CLOUD_REGION_ID or the CLI
//! // profile, credentials from the default chain, HTTPS, signature V1.
//! let defaults = Config::builder().build();
//!
//! // What a command-line tool sets from its flags.
//! let explicit = Config::builder()
//!     .region("cn-hangzhou")
//!     .endpoint_url("http://127.0.0.1:8080")
//!     .profile("work")
//!     .signature_version(SignatureVersion::V3)
//!     .credentials(Credentials::new("LTAI...", "secret"))
//!     .build();
//! assert_eq!(explicit.region(), Some("cn-hangzhou"));
//! # let _ = defaults;
//! ```

mod attempt;
mod call;
pub mod config;
pub mod credentials;
mod deadline;
mod dispatch;
pub mod endpoint;
pub mod error;
pub mod interceptor;
mod operation_future;
pub mod paginator;
pub mod response;
pub mod retry;
mod runtime;
pub mod transport;
pub mod waiter;

pub use aliyun_codec::metadata;
pub use aliyun_sign::{clock, signing};
pub use runtime::Runtime;
// Used by generated code and the credential providers only.
#[doc(hidden)]
pub use aliyun_sign::encoding;
pub use config::{CallOverrides, Config, ConfigBuilder, Timeouts};
pub use credentials::{Credentials, ProvideCredentials};
pub use endpoint::Network;
// Used by generated code only; see the crate documentation.
#[doc(hidden)]
pub use aliyun_codec::{de, debug, parameters, ser};
pub use de::{DecodeError, FromJson};
pub use error::{ConstructionError, SdkError, ServiceError, ServiceErrorMetadata};
pub use operation_future::OperationFuture;
pub use retry::RetryConfig;
pub use signing::{sign_request, SignatureVersion, SignedRequest, SigningInput};
pub use transport::Proxy;
pub use waiter::{Waiter, WaiterError};
