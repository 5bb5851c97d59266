//! Access keys, where they come from, and how they are kept fresh.
//!
//! [`Credentials`] is an AccessKey pair, optionally with an STS security
//! token and an expiry. Anything that can produce credentials implements
//! [`ProvideCredentials`]; the runtime asks its provider before every
//! attempt. [`DefaultCredentialsChain`] looks in the same places, in the
//! same order, as Alibaba Cloud's official SDKs and CLI;
//! [`RamRoleArnProvider`] and [`OidcRoleArnProvider`] get temporary
//! credentials from STS; and [`CachedProvider`] keeps expiring credentials
//! fresh with a single shared refresh.
//!
//! Secrets never leave this module in printable form: the secret and the
//! token are held in [`Secret`], whose `Debug` prints a placeholder.

mod cache;
mod chain;
mod http;
mod profile;
mod sts;

pub use aliyun_http::environment::{Environment, FixedEnvironment, ProcessEnvironment};
pub use cache::{CachedProvider, DEFAULT_REFRESH_MARGIN};
pub use chain::{
    DefaultCredentialsChain, DefaultCredentialsChainBuilder, CLI_PROFILE_DISABLED_VAR,
    CREDENTIALS_URI_VAR, ECS_METADATA_DISABLED_VAR, ECS_METADATA_ROLE_VAR, OIDC_PROVIDER_ARN_VAR,
    OIDC_TOKEN_FILE_VAR, ROLE_ARN_VAR, ROLE_SESSION_NAME_VAR,
};
pub use http::{
    CredentialsUriProvider, EcsRamRoleProvider, DEFAULT_ECS_METADATA_ENDPOINT, IMDSV1_DISABLED_VAR,
};
pub use profile::{
    cli_profile_region, CliProfileProvider, EnvironmentProvider, IniProfileProvider,
};
pub use sts::{
    resolve_sts_endpoint, OidcRoleArnProvider, OidcRoleArnProviderBuilder, RamRoleArnProvider,
    RamRoleArnProviderBuilder, StsClient, StsError, DEFAULT_DURATION_SECONDS,
    DEFAULT_ROLE_SESSION_NAME_PREFIX, DEFAULT_STS_HOST, MIN_DURATION_SECONDS, STS_API_VERSION,
    STS_ENDPOINT_VAR, STS_REGION_VAR, VPC_ENDPOINT_ENABLED_VAR,
};

pub use aliyun_sign::identity::{
    Credentials, CredentialsError, CredentialsErrorKind, ProvideCredentials,
    ProvideCredentialsFuture, Secret, REDACTED,
};
