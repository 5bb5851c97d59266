//! Access keys, where they come from, and how they are kept fresh: the
//! identity of `aliyun-sign` and the providers of `aliyun-credentials`,
//! re-exported.
//!
//! [`Credentials`] is an AccessKey pair, optionally with an STS security
//! token and an expiry. Anything that can produce credentials implements
//! [`ProvideCredentials`]; the runtime asks its provider before every
//! attempt. [`DefaultCredentialsChain`] looks in the same places, in the
//! same order, as Alibaba Cloud's official SDKs and CLI;
//! [`RamRoleArnProvider`] and [`OidcRoleArnProvider`] get temporary
//! credentials from STS; and [`CachedProvider`] keeps expiring credentials
//! fresh with a single shared refresh. The default chain a runtime builds
//! sends its requests (STS, the ECS metadata service, a credentials URI)
//! through the runtime's connector, so they honour the client's proxies
//! and trusted roots.

pub use aliyun_credentials::*;
