//! Signing and identity for Alibaba Cloud APIs: who signs a request and
//! how, usable on their own, with no HTTP client and no async runtime.
//!
//! This is layer 1 of the runtime (`ARCHITECTURE.md`, "Layers"), beside the
//! transport (`aliyun-http`), which it does not need: above the model and
//! codec (`aliyun-codec`) and below the credential providers
//! (`aliyun-credentials`) and the runtime (`aliyun-runtime`), which signs
//! every attempt with it; the `aliyun-rds` CLI signs the requests it prints
//! with it.
//!
//! * [`identity`]: [`Credentials`] (an AccessKey pair, optionally with an
//!   STS token), the [`ProvideCredentials`] trait every credential source
//!   implements, and [`CredentialsError`];
//! * [`signing`]: both signature versions ([`SignatureVersion`]: RPC
//!   HMAC-SHA1 and ACS3-HMAC-SHA256), their published primitives, and
//!   [`sign_request`], which builds a ready-to-send [`SignedRequest`];
//! * [`endpoint`]: the scheme and authority a request goes to;
//! * [`clock`]: where signature timestamps and nonces come from.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use aliyun_codec::metadata::HttpMethod;
//! use aliyun_sign::endpoint::Endpoint;
//! use aliyun_sign::{sign_request, Credentials, SignatureVersion, SigningInput};
//!
//! let endpoint = Endpoint::https("rds.aliyuncs.com")?;
//! let credentials = Credentials::new("LTAI...", "secret");
//! let parameters = [("RegionId".to_owned(), "cn-hangzhou".to_owned())];
//! let signed = sign_request(
//!     SignatureVersion::V1,
//!     &SigningInput {
//!         method: HttpMethod::Post,
//!         endpoint: &endpoint,
//!         action: "DescribeRegions",
//!         version: "2014-08-15",
//!         parameters: &parameters,
//!         body: &[],
//!         credentials: &credentials,
//!         timestamp: UNIX_EPOCH + Duration::from_secs(1_767_225_600),
//!         nonce: "3d4ab6e2",
//!     },
//! );
//! assert!(signed.url().starts_with("https://rds.aliyuncs.com/?AccessKeyId=LTAI..."));
//! assert!(signed.url().contains("&Signature="));
//! # Ok::<(), aliyun_codec::ConstructionError>(())
//! ```
//!
//! The percent-encoding every signature is built on ([`encoding`]) is
//! hidden from this documentation: only the runtime and the credential
//! providers need it.

pub mod clock;
#[doc(hidden)]
pub mod encoding;
pub mod endpoint;
pub mod identity;
mod mac;
pub mod signing;

pub use identity::{Credentials, CredentialsError, ProvideCredentials};
pub use signing::{sign_request, SignatureVersion, SignedRequest, SigningInput};
