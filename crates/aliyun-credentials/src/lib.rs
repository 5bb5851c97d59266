//! The credential providers of Alibaba Cloud's official SDKs: where an
//! AccessKey comes from, and how temporary credentials are kept fresh.
//!
//! This is layer 2 of the runtime (`ARCHITECTURE.md`, "Layers"), above
//! signing and identity (`aliyun-sign`, whose [`Credentials`] and
//! [`ProvideCredentials`] every provider here produces and implements) and
//! the transport (`aliyun-http`, whose [`Connector`] carries every request
//! a provider sends), and below the runtime (`aliyun-runtime`), which
//! re-exports this crate as its `credentials` module and builds the default
//! chain with its own connector.
//!
//! * [`DefaultCredentialsChain`]: the places Alibaba Cloud's SDKs and CLI
//!   look, in their order (environment, OIDC, the CLI's
//!   `~/.aliyun/config.json`, the INI file, the ECS instance role,
//!   `ALIBABA_CLOUD_CREDENTIALS_URI`);
//! * [`EnvironmentProvider`], [`CliProfileProvider`],
//!   [`IniProfileProvider`]: the environment and the two profile files;
//! * [`RamRoleArnProvider`], [`OidcRoleArnProvider`] and [`StsClient`]:
//!   temporary credentials from STS;
//! * [`EcsRamRoleProvider`], [`CredentialsUriProvider`]: credentials from
//!   a service on the local network or machine, always reached without a
//!   proxy;
//! * [`CachedProvider`]: reuse until shortly before expiry, with a single
//!   refresh however many calls wait.
//!
//! A provider given no connector builds one from its environment (the
//! proxy variables and `ALIBABA_CLOUD_CA_BUNDLE`); give it the client's
//! (`.connector(..)`, `with_connector`) so that its requests honour every
//! transport setting of the client.
//!
//! [`Connector`]: aliyun_http::Connector

mod cache;
mod chain;
mod connector;
mod local_service;
mod profile;
mod sts;

pub use aliyun_http::environment::{Environment, FixedEnvironment, ProcessEnvironment};
pub use aliyun_sign::identity::{
    Credentials, CredentialsError, CredentialsErrorKind, ProvideCredentials,
    ProvideCredentialsFuture, Secret, REDACTED,
};
pub use cache::{CachedProvider, DEFAULT_REFRESH_MARGIN};
pub use chain::{
    DefaultCredentialsChain, DefaultCredentialsChainBuilder, CLI_PROFILE_DISABLED_VAR,
    CREDENTIALS_URI_VAR, ECS_METADATA_DISABLED_VAR, ECS_METADATA_ROLE_VAR, OIDC_PROVIDER_ARN_VAR,
    OIDC_TOKEN_FILE_VAR, ROLE_ARN_VAR, ROLE_SESSION_NAME_VAR,
};
pub use local_service::{
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
