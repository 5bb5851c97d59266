//! The model and codec layer of the generated Alibaba Cloud SDK crates:
//! what an API is and how its values are written and read, with no HTTP,
//! no TLS and no async runtime.
//!
//! It is the bottom layer of the SDK (layer 0 in `ARCHITECTURE.md`'s
//! "Layers"), below signing (`aliyun-sign`), the transport (`aliyun-http`),
//! the credential providers (`aliyun-credentials`) and the runtime
//! (`aliyun-runtime`). The generated types and metadata crates
//! (`aliyun-rds-types`, `aliyun-rds-metadata`) and the emulator depend on it
//! alone, so they build without reqwest, rustls or tokio.
//!
//! * [`metadata`]: the static tables generated client crates fill with
//!   their product, operations, parameters, documented errors and groups;
//! * [`waiter`]: the definitions of waiters (acceptors evaluated on a JSON
//!   response), which the runtime's polling loop runs;
//! * [`error`]: [`ConstructionError`], a request that could not be built
//!   or a configuration that cannot be used, shared by every layer.
//!
//! What only generated code needs (lenient decoding of outputs, `Debug` of
//! generated structs, writing inputs' parameters, the `json` parameter
//! style) is hidden from this documentation and exempt from semver: it
//! changes with the generator, which is released with this crate.

pub mod error;
pub mod metadata;
pub mod waiter;
// Used by generated code only; see the crate documentation.
#[doc(hidden)]
pub mod de;
#[doc(hidden)]
pub mod debug;
#[doc(hidden)]
pub mod parameters;
#[doc(hidden)]
pub mod ser;

pub use de::{DecodeError, FromJson};
pub use error::{BoxError, ConstructionError, ConstructionErrorKind};
