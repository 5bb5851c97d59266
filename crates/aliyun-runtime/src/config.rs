//! Client configuration: where to call, as whom, how to sign, and how long
//! and how often to try.
//!
//! Build one with [`Config::builder`]; every setting has a safe default
//! (HTTPS, HMAC-SHA1 signing, the default credentials chain, timeouts on,
//! three attempts). The region, when not set, is read when the runtime is
//! built: `ALIBABA_CLOUD_REGION_ID`, then the `region_id` of the CLI
//! profile.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aliyun_sign::clock::{Clock, NonceSource, RandomNonce, SystemClock};

use crate::credentials::{Credentials, Environment, ProcessEnvironment, ProvideCredentials};
use crate::interceptor::Interceptors;
use crate::retry::RetryConfig;
use crate::transport::{
    Connector, PoolSettings, Proxy, ProxySetting, ReqwestConnector, TransportSettings,
};

// Re-exported because a generated crate's `config` module re-exports this
// module whole: interceptors, the network and the signature version are
// set on the configuration.
pub use crate::endpoint::Network;
pub use crate::interceptor::{self, Interceptor};
pub use aliyun_sign::signing::SignatureVersion;

/// Variable holding the default region.
pub const REGION_VAR: &str = "ALIBABA_CLOUD_REGION_ID";

/// The default response body limit: 4 MiB.
pub const DEFAULT_RESPONSE_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// The access key id a client with a test transport signs with when no
/// credentials are configured (see [`ConfigBuilder::test_transport`]).
pub const TEST_ACCESS_KEY_ID: &str = "test-access-key-id";

/// The access key secret a client with a test transport signs with when no
/// credentials are configured.
pub const TEST_ACCESS_KEY_SECRET: &str = "test-access-key-secret";

/// The endpoint of a client with a test transport and neither a region nor
/// an endpoint URL. The `.invalid` top-level domain never resolves, so a
/// request that somehow left the process would fail rather than reach a
/// real service.
pub const TEST_ENDPOINT: &str = "https://test-transport.invalid";

/// Where credentials come from.
#[derive(Clone, Default)]
pub(crate) enum CredentialsSource {
    /// The default chain (environment, OIDC role, CLI profile, INI file,
    /// ECS role, credentials URI).
    #[default]
    DefaultChain,
    /// The configured profile of the CLI's `~/.aliyun/config.json` alone.
    CliProfile,
    /// A provider given by the caller.
    Provider(Arc<dyn ProvideCredentials>),
}

impl fmt::Debug for CredentialsSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsSource::DefaultChain => f.write_str("DefaultChain"),
            CredentialsSource::CliProfile => f.write_str("CliProfile"),
            // The provider's own Debug is redacting (Credentials is).
            CredentialsSource::Provider(provider) => write!(f, "Provider({provider:?})"),
        }
    }
}

/// The three timeouts of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS). Default 5 s.
    pub connect: Duration,
    /// One attempt: sending the request and reading the whole response.
    /// Default 10 s.
    pub attempt: Duration,
    /// The whole operation, retries and backoff included. Default 30 s.
    pub operation: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(5),
            attempt: Duration::from_secs(10),
            operation: Duration::from_secs(30),
        }
    }
}

/// Settings that replace the client's for one call: the attempt and
/// operation timeouts, the retry settings and the endpoint; and
/// interceptors added for that call.
///
/// Give them to a request builder's `customize` (or a waiter's) and only
/// that call changes; the call still shares the client's connection pool,
/// credentials cache and retry quota (the `quota` of an overriding
/// [`RetryConfig`] is ignored: the quota is the client's). The connect
/// timeout is the client's too, because it belongs to the shared pool's
/// connections.
///
/// ```
/// use std::time::Duration;
/// use aliyun_runtime::{CallOverrides, RetryConfig};
///
/// // A slow report: more time, and no retries.
/// let overrides = CallOverrides::new()
///     .operation_timeout(Duration::from_secs(120))
///     .attempt_timeout(Duration::from_secs(120))
///     .retry(RetryConfig::default().with_max_attempts(1));
/// # let _ = overrides;
/// ```
#[derive(Debug, Clone, Default)]
#[must_use = "overrides apply only when given to `customize`"]
pub struct CallOverrides {
    pub(crate) attempt_timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Duration>,
    pub(crate) retry: Option<RetryConfig>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) interceptors: Interceptors,
}

impl CallOverrides {
    /// No overrides: the client's settings.
    pub fn new() -> Self {
        CallOverrides::default()
    }

    /// The timeout of one attempt of this call.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// The timeout of this whole call, retries included.
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.operation_timeout = Some(timeout);
        self
    }

    /// The retry settings of this call (its `quota` is ignored: calls
    /// share the client's).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The endpoint of this call, as
    /// [`ConfigBuilder::endpoint_url`] takes it. A URL that cannot be used
    /// fails the call with a configuration error.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Adds an interceptor for this call, run after the client's (and
    /// after those added before); see [`interceptor`].
    pub fn interceptor(mut self, interceptor: Arc<dyn Interceptor>) -> Self {
        self.interceptors.push(interceptor);
        self
    }
}

/// Configuration shared by every call a client makes.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) region: Option<String>,
    pub(crate) endpoint_url: Option<String>,
    pub(crate) network: Network,
    pub(crate) credentials: CredentialsSource,
    pub(crate) profile: Option<String>,
    pub(crate) environment: Arc<dyn Environment>,
    pub(crate) ecs_metadata_endpoint: Option<String>,
    pub(crate) signature_version: SignatureVersion,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryConfig,
    pub(crate) response_body_limit: usize,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) nonce_source: Arc<dyn NonceSource>,
    pub(crate) user_agent_suffix: Option<String>,
    /// What the connector the runtime builds is made from.
    pub(crate) transport: TransportSettings,
    /// The connector to send through instead of building one.
    pub(crate) connector: Option<Arc<dyn Connector>>,
    /// Whether that connector never reaches the service (a test double):
    /// the runtime then needs neither a region nor credentials.
    pub(crate) offline: bool,
    pub(crate) interceptors: Interceptors,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            region: None,
            endpoint_url: None,
            network: Network::Public,
            credentials: CredentialsSource::DefaultChain,
            profile: None,
            environment: Arc::new(ProcessEnvironment),
            ecs_metadata_endpoint: None,
            signature_version: SignatureVersion::V1,
            timeouts: Timeouts::default(),
            retry: RetryConfig::default(),
            response_body_limit: DEFAULT_RESPONSE_BODY_LIMIT,
            clock: Arc::new(SystemClock),
            nonce_source: Arc::new(RandomNonce),
            user_agent_suffix: None,
            transport: TransportSettings::default(),
            connector: None,
            offline: false,
            interceptors: Interceptors::default(),
        }
    }
}

impl Config {
    /// A builder starting from the defaults.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder {
            config: Config::default(),
        }
    }

    /// A builder starting from this configuration.
    pub fn to_builder(&self) -> ConfigBuilder {
        ConfigBuilder {
            config: self.clone(),
        }
    }

    /// The configured region, if set explicitly.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The configured endpoint URL, if any.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    /// The network of the default endpoint.
    pub fn network(&self) -> Network {
        self.network
    }

    /// The profile name for the CLI and INI files, if set.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// The signature algorithm.
    pub fn signature_version(&self) -> SignatureVersion {
        self.signature_version
    }

    /// The timeouts.
    pub fn timeouts(&self) -> Timeouts {
        self.timeouts
    }

    /// The retry settings.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    /// The largest response body accepted, in bytes.
    pub fn response_body_limit(&self) -> usize {
        self.response_body_limit
    }

    /// The connection pool's settings.
    pub fn pool(&self) -> PoolSettings {
        self.transport.pool
    }

    /// The interceptors every call runs, in order.
    pub fn interceptors(&self) -> &[Arc<dyn Interceptor>] {
        self.interceptors.as_slice()
    }
}

/// Builds a [`Config`].
#[derive(Debug, Clone)]
pub struct ConfigBuilder {
    config: Config,
}

impl ConfigBuilder {
    /// The region to call, for example `cn-hangzhou`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.config.region = Some(region.into());
        self
    }

    /// An explicit endpoint URL with its scheme, for example
    /// `https://rds.aliyuncs.com` or, for a local emulator,
    /// `http://127.0.0.1:8080`. Plain HTTP is only ever used when given
    /// here.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.config.endpoint_url = Some(url.into());
        self
    }

    /// The network of the default endpoint (ignored with an explicit URL).
    pub fn network(mut self, network: Network) -> Self {
        self.config.network = network;
        self
    }

    /// Fixed credentials (with [`Credentials::with_security_token`] for
    /// STS credentials).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.config.credentials = CredentialsSource::Provider(Arc::new(credentials));
        self
    }

    /// Any credentials provider. It is called before every attempt; wrap
    /// slow providers in [`CachedProvider`](crate::credentials::CachedProvider).
    pub fn credentials_provider(mut self, provider: Arc<dyn ProvideCredentials>) -> Self {
        self.config.credentials = CredentialsSource::Provider(provider);
        self
    }

    /// Uses the default credentials chain (the default).
    pub fn default_credentials_chain(mut self) -> Self {
        self.config.credentials = CredentialsSource::DefaultChain;
        self
    }

    /// The profile of `~/.aliyun/config.json` and section of the INI
    /// credentials file the default chain reads, overriding
    /// `ALIBABA_CLOUD_PROFILE`.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.config.profile = Some(profile.into());
        self
    }

    /// Takes credentials from this profile of the CLI's
    /// `~/.aliyun/config.json` alone, whatever the environment holds (what
    /// the CLI's `--profile` does, as Alibaba's `aliyun` CLI does); it is
    /// also the profile whose region is used. A profile that fails is an
    /// error naming it. Its requests (STS for role profiles, the ECS
    /// metadata service) go through the client's connector, so they honour
    /// its proxies and trusted roots.
    pub fn profile_credentials(mut self, profile: impl Into<String>) -> Self {
        self.config.profile = Some(profile.into());
        self.config.credentials = CredentialsSource::CliProfile;
        self
    }

    /// Where environment variables and the home directory are read from
    /// (the process by default; tests pass a
    /// [`FixedEnvironment`](crate::credentials::FixedEnvironment)).
    pub fn environment(mut self, environment: Arc<dyn Environment>) -> Self {
        self.config.environment = environment;
        self
    }

    /// The ECS instance metadata service the default chain asks (for tests
    /// and unusual networks).
    pub fn ecs_metadata_endpoint(mut self, url: impl Into<String>) -> Self {
        self.config.ecs_metadata_endpoint = Some(url.into());
        self
    }

    /// The signature algorithm ([`SignatureVersion::V1`] by default).
    pub fn signature_version(mut self, version: SignatureVersion) -> Self {
        self.config.signature_version = version;
        self
    }

    /// The connect timeout (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.connect = timeout;
        self
    }

    /// The timeout of one attempt (default 10 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.attempt = timeout;
        self
    }

    /// The timeout of a whole operation including retries (default 30 s).
    pub fn operation_timeout(mut self, timeout: Duration) -> Self {
        self.config.timeouts.operation = timeout;
        self
    }

    /// The retry settings.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.config.retry = retry;
        self
    }

    /// The largest response body accepted, in bytes (default 4 MiB).
    pub fn response_body_limit(mut self, bytes: usize) -> Self {
        self.config.response_body_limit = bytes;
        self
    }

    /// The clock used for signature timestamps and credential expiry.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.config.clock = clock;
        self
    }

    /// The source of signature nonces.
    pub fn nonce_source(mut self, nonce_source: Arc<dyn NonceSource>) -> Self {
        self.config.nonce_source = nonce_source;
        self
    }

    /// Text appended to the `User-Agent` header, for example `my-app/1.2`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.config.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends every request through this proxy (call again to add proxies
    /// for other schemes, tried in order). The proxy variables of the
    /// environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`, `NO_PROXY`),
    /// which apply by default, are then ignored. See
    /// [`transport`](crate::transport) for the URL forms.
    pub fn proxy(mut self, proxy: Proxy) -> Self {
        match &mut self.config.transport.proxy {
            ProxySetting::Explicit(proxies) => proxies.push(proxy),
            other => *other = ProxySetting::Explicit(vec![proxy]),
        }
        self
    }

    /// Connects straight to the endpoint: no proxy from the environment,
    /// and none set with [`proxy`](Self::proxy) before.
    pub fn no_proxy(mut self) -> Self {
        self.config.transport.proxy = ProxySetting::Disabled;
        self
    }

    /// Trusts the certificate authorities of this PEM document (one or more
    /// `-----BEGIN CERTIFICATE-----` blocks) besides the built-in roots,
    /// for an endpoint with a private CA or behind a TLS-inspecting proxy.
    /// May be called repeatedly. A file named by `ALIBABA_CLOUD_CA_BUNDLE`
    /// is trusted as well. Checked when the client is built.
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.config.transport.root_certificates_pem.push(pem.into());
        self
    }

    /// How long an idle pooled connection is kept for reuse (default
    /// 10 s, below the idle timeout after which Alibaba Cloud's gateways
    /// close connections, so that a request never goes out on a connection
    /// the gateway has already closed; see
    /// [`DEFAULT_POOL_IDLE_TIMEOUT`](crate::transport::DEFAULT_POOL_IDLE_TIMEOUT)).
    pub fn pool_idle_timeout(mut self, timeout: Duration) -> Self {
        self.config.transport.pool.idle_timeout = timeout;
        self
    }

    /// The most idle connections kept per host (by default no cap: each
    /// is kept until its idle timeout; 0 opens a new connection for every
    /// request).
    pub fn pool_max_idle_per_host(mut self, connections: usize) -> Self {
        self.config.transport.pool.max_idle_per_host = connections;
        self
    }

    /// The TCP keep-alive interval, or `None` to send no keep-alive probes
    /// (default 30 s).
    pub fn tcp_keepalive(mut self, interval: Option<Duration>) -> Self {
        self.config.transport.pool.tcp_keepalive = interval;
        self
    }

    /// Sends requests with this HTTP client instead of one built from the
    /// configuration: an escape hatch for settings the configuration does
    /// not have. The client's own pool, TLS, proxy and connect-timeout
    /// settings then apply, and those of this builder
    /// ([`proxy`](Self::proxy), [`root_certificate_pem`](Self::root_certificate_pem),
    /// the pool settings, [`connect_timeout`](Self::connect_timeout), the
    /// user agent and `ALIBABA_CLOUD_CA_BUNDLE`) are ignored. Build it
    /// with `.retry(reqwest::retry::never())`: the runtime decides what may
    /// be resent, by the operation's idempotency.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.config.connector = Some(Arc::new(ReqwestConnector::from_client(client)));
        self.config.offline = false;
        self
    }

    /// Sends every request through this connector instead of one built
    /// from the configuration: the runtime's attempts, and the requests of
    /// the default credentials chain (STS, the ECS metadata service, a
    /// credentials URI). The settings of the built connector
    /// ([`proxy`](Self::proxy), [`root_certificate_pem`](Self::root_certificate_pem),
    /// the pool, [`connect_timeout`](Self::connect_timeout) for connecting,
    /// the user agent and `ALIBABA_CLOUD_CA_BUNDLE`) are then the
    /// connector's business. A connect failure is still reported with the
    /// configured connect timeout.
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.config.connector = Some(connector);
        self.config.offline = false;
        self
    }

    /// Adds an interceptor that every call runs, after those added before;
    /// see [`interceptor`].
    pub fn interceptor(mut self, interceptor: Arc<dyn Interceptor>) -> Self {
        self.config.interceptors.push(interceptor);
        self
    }

    /// Answers every attempt with this in-process double instead of
    /// sending it: for tests of programs that call the service, with the
    /// `MockTransport` of the `test-util` feature (`transport::test_util`),
    /// or any other [`Connector`] that never reaches the service. Unless credentials
    /// are configured, requests are signed with the fixed dummy pair
    /// [`TEST_ACCESS_KEY_ID`] / [`TEST_ACCESS_KEY_SECRET`], and without a
    /// region or an endpoint URL the endpoint is [`TEST_ENDPOINT`].
    pub fn test_transport(mut self, transport: impl Connector + 'static) -> Self {
        self.config.connector = Some(Arc::new(transport));
        self.config.offline = true;
        self
    }

    /// The configuration. Validation (region, endpoint URL) happens when
    /// the runtime is built, where errors can be returned.
    pub fn build(self) -> Config {
        self.config
    }
}
