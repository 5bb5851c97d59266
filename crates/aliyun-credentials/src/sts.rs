//! The Security Token Service (STS, API version 2015-04-01) and the two
//! providers that exchange something for its temporary credentials:
//! [`RamRoleArnProvider`] (`AssumeRole`, signed with source credentials)
//! and [`OidcRoleArnProvider`] (`AssumeRoleWithOIDC`, unsigned: the OIDC
//! token is the proof of identity).
//!
//! Requests are built as Alibaba Cloud's official credentials libraries
//! build them: a `POST` whose common parameters (`Action`, `Version`,
//! `Format`, `Timestamp`, and for `AssumeRole` the signing parameters)
//! travel in the query string and whose own parameters travel in a
//! form-encoded body. `AssumeRole` is signed with the runtime's RPC
//! signature (HMAC-SHA1), which covers query and body alike.
//!
//! The providers call STS every time they are asked; wrap them in a
//! [`CachedProvider`](crate::CachedProvider) (the default chain is) so
//! credentials are reused until shortly before they expire.
//!
//! STS is called through a [`Connector`]: the client's, when the runtime
//! builds the default chain (so its proxies and trusted roots apply to STS
//! as to every call), else one built from the provider's environment.

use std::error::Error as StdError;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aliyun_codec::error::ConstructionError;
use aliyun_codec::metadata::HttpMethod;
use aliyun_http::connector::{Method, Url};
use aliyun_http::environment::{Environment, ProcessEnvironment};
use aliyun_http::{
    Connector, ConnectorError, HttpRequest, ReqwestConnector, TlsFailure, TransportSettings,
};
use aliyun_sign::clock::{Clock, NonceSource, RandomNonce, SystemClock};
use aliyun_sign::endpoint::Endpoint;
use aliyun_sign::identity::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};
use aliyun_sign::signing::{
    format_timestamp, sign_request, SignatureVersion, SigningInput, FORM_CONTENT_TYPE,
};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::connector::connector_from;

/// The STS API version the providers call.
pub const STS_API_VERSION: &str = "2015-04-01";
/// The global STS host, used when no region is configured.
pub const DEFAULT_STS_HOST: &str = "sts.aliyuncs.com";
/// Variable overriding the STS endpoint: a host name (HTTPS) or a full
/// URL (`http://` allowed, for local emulators).
pub const STS_ENDPOINT_VAR: &str = "ALIBABA_CLOUD_STS_ENDPOINT";
/// Variable naming the region whose STS endpoint is used.
pub const STS_REGION_VAR: &str = "ALIBABA_CLOUD_STS_REGION";
/// Variable that, when `true`, selects the VPC STS endpoint of the region.
pub const VPC_ENDPOINT_ENABLED_VAR: &str = "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED";
/// How long requested credentials live when no duration is configured.
pub const DEFAULT_DURATION_SECONDS: u32 = 3600;
/// The shortest duration STS grants.
pub const MIN_DURATION_SECONDS: u32 = 900;
/// The prefix of the role session name used when none is configured; the
/// current Unix time in milliseconds follows it.
pub const DEFAULT_ROLE_SESSION_NAME_PREFIX: &str = "credentials-rust-";
/// The most bytes read from an STS answer.
const MAX_STS_RESPONSE_BYTES: usize = 64 * 1024;
/// How long one STS request may take, connecting included.
const STS_TIMEOUT: Duration = Duration::from_secs(10);

/// Where STS requests go, from explicit settings and the environment.
///
/// In order: `explicit` (a host name or URL), else
/// `ALIBABA_CLOUD_STS_ENDPOINT`, else the regional endpoint of `region`
/// (or of `ALIBABA_CLOUD_STS_REGION`), `sts-vpc.<region>.aliyuncs.com` when
/// `enable_vpc` or `ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED=true` and
/// `sts.<region>.aliyuncs.com` otherwise, else `sts.aliyuncs.com`.
pub fn resolve_sts_endpoint(
    environment: &dyn Environment,
    explicit: Option<&str>,
    region: Option<&str>,
    enable_vpc: bool,
) -> Result<Endpoint, StsError> {
    let configured = explicit
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .or_else(|| environment.non_empty_var(STS_ENDPOINT_VAR));
    if let Some(value) = configured {
        let parsed = if value.contains("://") {
            Endpoint::from_url(value.trim())
        } else {
            Endpoint::https(value.trim())
        };
        return parsed.map_err(|source| StsError::InvalidEndpoint { value, source });
    }
    let region = region
        .map(str::trim)
        .filter(|region| !region.is_empty())
        .map(str::to_owned)
        .or_else(|| environment.non_empty_var(STS_REGION_VAR));
    let vpc = enable_vpc
        || environment
            .var(VPC_ENDPOINT_ENABLED_VAR)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
    let host = match region {
        Some(region) if vpc => format!("sts-vpc.{region}.aliyuncs.com"),
        Some(region) => format!("sts.{region}.aliyuncs.com"),
        None => DEFAULT_STS_HOST.to_owned(),
    };
    Endpoint::https(&host).map_err(|source| StsError::InvalidEndpoint {
        value: host,
        source,
    })
}

/// The default role session name, `credentials-rust-<Unix milliseconds>`.
fn default_role_session_name(clock: &dyn Clock) -> String {
    let millis = clock
        .now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    format!("{DEFAULT_ROLE_SESSION_NAME_PREFIX}{millis}")
}

/// Why an STS request produced no credentials.
///
/// Providers report it as the [`source`](StdError::source) of their
/// [`CredentialsError`], which names the provider; downcast to match on it.
#[derive(Debug)]
#[non_exhaustive]
pub enum StsError {
    /// The STS endpoint setting is neither a host name nor an `http(s)` URL.
    InvalidEndpoint {
        /// The setting as given.
        value: String,
        /// Why it was refused.
        source: ConstructionError,
    },
    /// The connection to STS could not be set up (the proxy variables or
    /// the CA bundle of the provider's environment cannot be used).
    Connector {
        /// Why.
        source: ConstructionError,
    },
    /// The STS request could not be sent or its answer not read.
    Transport {
        /// The action that was called.
        action: &'static str,
        /// The endpoint it was sent to.
        endpoint: String,
        /// The transport failure.
        source: ConnectorError,
    },
    /// The TLS handshake with STS failed: its certificate is not trusted,
    /// not valid for its host name or expired, or it does not speak TLS.
    /// Nothing was sent.
    Tls {
        /// The action that was called.
        action: &'static str,
        /// The endpoint it was sent to.
        endpoint: String,
        /// What went wrong.
        failure: TlsFailure,
        /// The transport failure.
        source: ConnectorError,
    },
    /// STS did not answer in time.
    Timeout {
        /// The action that was called.
        action: &'static str,
        /// The endpoint it was sent to.
        endpoint: String,
        /// How long the request was given.
        limit: Duration,
    },
    /// STS answered with an error document.
    Service {
        /// The action that was called.
        action: &'static str,
        /// The HTTP status of the answer.
        http_status: u16,
        /// STS's error code, for example `EntityNotExist.Role`.
        code: String,
        /// STS's error message.
        message: String,
        /// The request ID to quote to Alibaba Cloud support.
        request_id: String,
    },
    /// STS answered something that is not an STS answer.
    MalformedResponse {
        /// The action that was called.
        action: &'static str,
        /// The HTTP status of the answer.
        http_status: u16,
        /// What is wrong with it.
        detail: String,
    },
}

impl StsError {
    /// STS's error code, when STS answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            StsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

impl fmt::Display for StsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StsError::InvalidEndpoint { value, .. } => write!(
                f,
                "the STS endpoint `{value}` is not usable; give a host name such as \
                 sts.cn-hangzhou.aliyuncs.com or a URL such as https://sts.aliyuncs.com"
            ),
            StsError::Connector { source } => {
                write!(f, "the connection to STS could not be set up: {source}")
            }
            StsError::Transport {
                action,
                endpoint,
                source,
            } => write!(
                f,
                "STS {action} at {endpoint} could not be reached; check the network, any proxy \
                 and {STS_ENDPOINT_VAR}/{STS_REGION_VAR}: {source}"
            ),
            StsError::Tls {
                action,
                endpoint,
                failure,
                ..
            } => write!(
                f,
                "STS {action} at {endpoint} failed in its TLS handshake (nothing was sent): {}",
                failure.advice()
            ),
            StsError::Timeout {
                action,
                endpoint,
                limit,
            } => write!(
                f,
                "STS {action} at {endpoint} did not answer within {limit:?}; check the network, \
                 any proxy and {STS_ENDPOINT_VAR}/{STS_REGION_VAR}"
            ),
            StsError::Service {
                action,
                http_status,
                code,
                message,
                request_id,
            } => write!(
                f,
                "STS {action} answered HTTP {http_status} {code}: {message} (RequestId \
                 {request_id}); check the role ARN, the source credentials and the role's \
                 trust policy"
            ),
            StsError::MalformedResponse {
                action,
                http_status,
                detail,
            } => write!(
                f,
                "STS {action} answered HTTP {http_status} with a body that is not an STS \
                 answer ({detail}); check that the STS endpoint is right"
            ),
        }
    }
}

impl StdError for StsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            StsError::InvalidEndpoint { source, .. } | StsError::Connector { source } => {
                Some(source)
            }
            StsError::Transport { source, .. } | StsError::Tls { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An STS answer, success or error. No `Debug`: it holds secrets.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StsAnswer {
    #[serde(default)]
    request_id: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    credentials: Option<StsCredentials>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StsCredentials {
    access_key_id: String,
    access_key_secret: String,
    security_token: String,
    expiration: String,
}

/// A small STS client: one endpoint, one connector, a clock and a nonce
/// source for signatures.
#[derive(Debug, Clone)]
pub struct StsClient {
    connector: Arc<dyn Connector>,
    endpoint: Endpoint,
    clock: Arc<dyn Clock>,
    nonces: Arc<dyn NonceSource>,
}

impl StsClient {
    /// A client calling STS at `endpoint` (see [`resolve_sts_endpoint`])
    /// through a connector of its own, built from the process's
    /// environment (its proxy variables and `ALIBABA_CLOUD_CA_BUNDLE`).
    pub fn new(endpoint: Endpoint) -> Result<Self, StsError> {
        let connector = ReqwestConnector::new(&TransportSettings::default(), &ProcessEnvironment)
            .map_err(|source| StsError::Connector { source })?;
        Ok(Self::with_connector(endpoint, Arc::new(connector)))
    }

    /// A client calling STS at `endpoint` through `connector`, such as the
    /// one of the client whose credentials it provides.
    pub fn with_connector(endpoint: Endpoint, connector: Arc<dyn Connector>) -> Self {
        StsClient {
            connector,
            endpoint,
            clock: Arc::new(SystemClock),
            nonces: Arc::new(RandomNonce),
        }
    }

    /// Reads the time from `clock` (signature timestamps, default session
    /// names); tests move time forward with it.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `AssumeRole`, signed with `source`; a security token of `source`
    /// travels as `SecurityToken`. `parameters` are the operation's own
    /// (`RoleArn`, `RoleSessionName`, `DurationSeconds`, ...).
    pub async fn assume_role(
        &self,
        source: &Credentials,
        parameters: &[(String, String)],
    ) -> Result<Credentials, StsError> {
        let nonce = self.nonces.nonce();
        let signed = sign_request(
            SignatureVersion::V1,
            &SigningInput {
                method: HttpMethod::Post,
                endpoint: &self.endpoint,
                action: "AssumeRole",
                version: STS_API_VERSION,
                parameters: &[],
                body: parameters,
                credentials: source,
                timestamp: self.clock.now(),
                nonce: &nonce,
            },
        );
        let mut request = HttpRequest::new(Method::POST, self.url("AssumeRole", signed.url())?)
            .with_body(signed.body());
        request.headers.extend(
            signed
                .headers()
                .iter()
                .map(|(name, value)| (*name, value.clone())),
        );
        self.send("AssumeRole", request).await
    }

    /// `AssumeRoleWithOIDC`, unsigned. `parameters` are the operation's own
    /// (`RoleArn`, `OIDCProviderArn`, `OIDCToken`, ...).
    pub async fn assume_role_with_oidc(
        &self,
        parameters: &[(String, String)],
    ) -> Result<Credentials, StsError> {
        let timestamp = format_timestamp(self.clock.now());
        let query = [
            ("Action", "AssumeRoleWithOIDC"),
            ("Format", "JSON"),
            ("Timestamp", timestamp.as_str()),
            ("Version", STS_API_VERSION),
        ];
        let mut url = format!("{}/?", self.endpoint.base_url());
        append_form(&mut url, query.iter().copied());
        let mut body = String::new();
        append_form(
            &mut body,
            parameters
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
        let request = HttpRequest::new(Method::POST, self.url("AssumeRoleWithOIDC", &url)?)
            .with_header("content-type", FORM_CONTENT_TYPE)
            .with_body(body);
        self.send("AssumeRoleWithOIDC", request).await
    }

    /// Parses a request URL built on the endpoint.
    fn url(&self, action: &'static str, url: &str) -> Result<Url, StsError> {
        Url::parse(url).map_err(|error| StsError::InvalidEndpoint {
            value: self.endpoint.base_url().to_owned(),
            source: ConstructionError::invalid_configuration(format!(
                "the URL of STS {action} could not be built on the endpoint"
            ))
            .with_source(error),
        })
    }

    async fn send(
        &self,
        action: &'static str,
        request: HttpRequest,
    ) -> Result<Credentials, StsError> {
        let endpoint = || self.endpoint.base_url().to_owned();
        // Only the action, the endpoint and the outcome are traced: the
        // request holds the signature or the OIDC token, and the answer
        // holds the issued secret and token.
        tracing::debug!(action, endpoint = self.endpoint.base_url(), "calling STS");
        let request = request.with_body_limit(MAX_STS_RESPONSE_BYTES);
        let response = match tokio::time::timeout(STS_TIMEOUT, self.connector.call(request)).await {
            Ok(Ok(response)) => response,
            Ok(Err(ConnectorError::BodyTooLarge { status, .. })) => {
                return Err(StsError::MalformedResponse {
                    action,
                    http_status: status,
                    detail: "the body is larger than 64 KiB".to_owned(),
                })
            }
            Ok(Err(source)) => {
                return Err(match source.tls_failure() {
                    Some(failure) => StsError::Tls {
                        action,
                        endpoint: endpoint(),
                        failure,
                        source,
                    },
                    None => StsError::Transport {
                        action,
                        endpoint: endpoint(),
                        source,
                    },
                })
            }
            Err(_) => {
                return Err(StsError::Timeout {
                    action,
                    endpoint: endpoint(),
                    limit: STS_TIMEOUT,
                })
            }
        };
        let http_status = response.status;
        let body = response.body;
        let answer: StsAnswer =
            serde_json::from_slice(&body).map_err(|error| StsError::MalformedResponse {
                action,
                http_status,
                detail: format!("not an STS JSON document: {error}"),
            })?;
        let request_id = answer.request_id.unwrap_or_default();
        if !(200..300).contains(&http_status) || answer.code.is_some() {
            tracing::debug!(
                action,
                http_status,
                code = answer.code.as_deref().unwrap_or(""),
                request_id = request_id.as_str(),
                "STS refused"
            );
            return Err(StsError::Service {
                action,
                http_status,
                code: answer.code.unwrap_or_else(|| "(no code)".to_owned()),
                message: answer.message.unwrap_or_default(),
                request_id,
            });
        }
        let Some(issued) = answer.credentials else {
            return Err(StsError::MalformedResponse {
                action,
                http_status,
                detail: "no Credentials object".to_owned(),
            });
        };
        let expiry = OffsetDateTime::parse(&issued.expiration, &Rfc3339).map_err(|error| {
            StsError::MalformedResponse {
                action,
                http_status,
                detail: format!(
                    "Expiration `{}` is not ISO 8601: {error}",
                    issued.expiration
                ),
            }
        })?;
        Ok(
            Credentials::new(issued.access_key_id, issued.access_key_secret)
                .with_security_token(issued.security_token)
                .with_expiry(SystemTime::from(expiry)),
        )
    }
}

/// Appends `name=value` pairs, percent-encoded as the signature encodes
/// them, joined by `&`.
fn append_form<'a>(output: &mut String, pairs: impl Iterator<Item = (&'a str, &'a str)>) {
    for (index, (name, value)) in pairs.enumerate() {
        if index > 0 {
            output.push('&');
        }
        aliyun_sign::encoding::append_percent_encoded(output, name);
        output.push('=');
        aliyun_sign::encoding::append_percent_encoded(output, value);
    }
}

/// Checks a requested duration against STS's minimum.
fn checked_duration(location: &str, seconds: u32) -> Result<u32, CredentialsError> {
    if seconds < MIN_DURATION_SECONDS {
        return Err(CredentialsError::failed(
            location,
            format!(
                "the session duration {seconds}s is shorter than STS's minimum of \
                 {MIN_DURATION_SECONDS}s; ask for at least {MIN_DURATION_SECONDS} seconds"
            ),
        ));
    }
    Ok(seconds)
}

/// Settings shared by both STS providers' builders.
#[derive(Debug, Clone)]
struct StsSettings {
    environment: Arc<dyn Environment>,
    endpoint: Option<String>,
    region: Option<String>,
    enable_vpc: bool,
    clock: Arc<dyn Clock>,
    role_session_name: Option<String>,
    duration_seconds: u32,
    policy: Option<String>,
    /// The connector STS requests go through; one built from
    /// `environment` when none is given.
    connector: Option<Arc<dyn Connector>>,
}

impl Default for StsSettings {
    fn default() -> Self {
        StsSettings {
            environment: Arc::new(ProcessEnvironment),
            endpoint: None,
            region: None,
            enable_vpc: false,
            clock: Arc::new(SystemClock),
            role_session_name: None,
            duration_seconds: DEFAULT_DURATION_SECONDS,
            policy: None,
            connector: None,
        }
    }
}

impl StsSettings {
    fn client(&self, location: &str) -> Result<StsClient, CredentialsError> {
        let endpoint = resolve_sts_endpoint(
            self.environment.as_ref(),
            self.endpoint.as_deref(),
            self.region.as_deref(),
            self.enable_vpc,
        )
        .map_err(|error| {
            CredentialsError::failed(location, "has no usable STS endpoint").with_source(error)
        })?;
        let connector = match &self.connector {
            Some(connector) => Arc::clone(connector),
            None => connector_from(self.environment.as_ref(), location)?,
        };
        Ok(StsClient::with_connector(endpoint, connector).with_clock(Arc::clone(&self.clock)))
    }

    fn session_name(&self) -> String {
        self.role_session_name
            .clone()
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| default_role_session_name(self.clock.as_ref()))
    }
}

/// Generates the builder methods both STS providers' builders share.
macro_rules! sts_builder_methods {
    () => {
        /// Reads `ALIBABA_CLOUD_STS_*` variables from `environment` instead
        /// of the process.
        pub fn environment(mut self, environment: Arc<dyn Environment>) -> Self {
            self.settings.environment = environment;
            self
        }

        /// Sends STS requests here (a host name or a URL), overriding
        /// region and environment.
        pub fn sts_endpoint(mut self, endpoint: impl Into<String>) -> Self {
            self.settings.endpoint = Some(endpoint.into());
            self
        }

        /// Uses the STS endpoint of this region (`sts.<region>.aliyuncs.com`).
        pub fn sts_region(mut self, region: impl Into<String>) -> Self {
            self.settings.region = Some(region.into());
            self
        }

        /// Uses the region's VPC endpoint (`sts-vpc.<region>.aliyuncs.com`).
        pub fn enable_vpc(mut self, enable: bool) -> Self {
            self.settings.enable_vpc = enable;
            self
        }

        /// The role session name, which shows in the role's audit trail;
        /// `credentials-rust-<Unix milliseconds>` by default.
        pub fn role_session_name(mut self, name: impl Into<String>) -> Self {
            self.settings.role_session_name = Some(name.into());
            self
        }

        /// How long the credentials live, in seconds (3600 by default, at
        /// least 900).
        pub fn duration_seconds(mut self, seconds: u32) -> Self {
            self.settings.duration_seconds = seconds;
            self
        }

        /// A policy (JSON text) that further restricts the role's
        /// permissions.
        pub fn policy(mut self, policy: impl Into<String>) -> Self {
            self.settings.policy = Some(policy.into());
            self
        }

        /// Reads the time from `clock` (signatures, default session names).
        pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
            self.settings.clock = clock;
            self
        }

        /// Sends STS requests through `connector`, such as the one of the
        /// client whose credentials the provider gives, so that they
        /// honour its proxies and trusted roots; by default, a connector
        /// built from the provider's environment.
        pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
            self.settings.connector = Some(connector);
            self
        }
    };
}

/// Assumes a RAM role with `AssumeRole`, signed with credentials from a
/// source provider (which may itself be an STS provider: roles chain).
#[derive(Debug)]
pub struct RamRoleArnProvider {
    source: Arc<dyn ProvideCredentials>,
    role_arn: String,
    external_id: Option<String>,
    settings: StsSettings,
    client: StsClient,
    location: String,
}

/// Builds a [`RamRoleArnProvider`].
#[derive(Debug)]
pub struct RamRoleArnProviderBuilder {
    source: Arc<dyn ProvideCredentials>,
    role_arn: String,
    external_id: Option<String>,
    settings: StsSettings,
}

impl RamRoleArnProviderBuilder {
    sts_builder_methods!();

    /// The external ID the role's trust policy asks for, if any.
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.external_id = Some(external_id.into());
        self
    }

    /// The provider, or why its settings are unusable.
    pub fn build(self) -> Result<RamRoleArnProvider, CredentialsError> {
        let location = format!("RAM role ARN provider (role {})", self.role_arn);
        if self.role_arn.trim().is_empty() {
            return Err(CredentialsError::failed(
                location,
                "the role ARN is empty; give one like acs:ram::<account>:role/<name>",
            ));
        }
        checked_duration(&location, self.settings.duration_seconds)?;
        let client = self.settings.client(&location)?;
        Ok(RamRoleArnProvider {
            source: self.source,
            role_arn: self.role_arn,
            external_id: self.external_id.filter(|id| !id.is_empty()),
            settings: self.settings,
            client,
            location,
        })
    }
}

impl RamRoleArnProvider {
    /// A builder assuming `role_arn` with credentials from `source`.
    pub fn builder(
        source: Arc<dyn ProvideCredentials>,
        role_arn: impl Into<String>,
    ) -> RamRoleArnProviderBuilder {
        RamRoleArnProviderBuilder {
            source,
            role_arn: role_arn.into(),
            external_id: None,
            settings: StsSettings::default(),
        }
    }

    /// The STS endpoint the provider calls.
    pub fn sts_endpoint(&self) -> &Endpoint {
        self.client.endpoint()
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let source = self.source.provide_credentials().await.map_err(|error| {
            CredentialsError::failed(
                self.location.as_str(),
                "could not get the source credentials to sign AssumeRole with",
            )
            .with_source(error)
        })?;
        let mut parameters = vec![
            (
                "DurationSeconds".to_owned(),
                self.settings.duration_seconds.to_string(),
            ),
            ("RoleArn".to_owned(), self.role_arn.clone()),
            ("RoleSessionName".to_owned(), self.settings.session_name()),
        ];
        if let Some(policy) = self.settings.policy.as_ref().filter(|p| !p.is_empty()) {
            parameters.push(("Policy".to_owned(), policy.clone()));
        }
        if let Some(external_id) = &self.external_id {
            parameters.push(("ExternalId".to_owned(), external_id.clone()));
        }
        self.client
            .assume_role(&source, &parameters)
            .await
            .map(|credentials| credentials.with_source("ram role arn"))
            .map_err(|error| {
                CredentialsError::failed(self.location.as_str(), error.to_string())
                    .with_source(error)
            })
    }
}

impl ProvideCredentials for RamRoleArnProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}

/// Assumes a RAM role with `AssumeRoleWithOIDC`, proving identity with an
/// OIDC token read from a file (RRSA on Container Service for Kubernetes).
///
/// The file is read again at every refresh, because Kubernetes rotates the
/// token in place.
#[derive(Debug)]
pub struct OidcRoleArnProvider {
    role_arn: String,
    oidc_provider_arn: String,
    token_file: PathBuf,
    settings: StsSettings,
    client: StsClient,
    location: String,
}

/// Builds an [`OidcRoleArnProvider`].
#[derive(Debug)]
pub struct OidcRoleArnProviderBuilder {
    role_arn: String,
    oidc_provider_arn: String,
    token_file: PathBuf,
    settings: StsSettings,
}

impl OidcRoleArnProviderBuilder {
    sts_builder_methods!();

    /// The provider, or why its settings are unusable.
    pub fn build(self) -> Result<OidcRoleArnProvider, CredentialsError> {
        let location = format!("OIDC role ARN provider (role {})", self.role_arn);
        let missing: Vec<&str> = [
            ("the role ARN", self.role_arn.trim().is_empty()),
            (
                "the OIDC provider ARN",
                self.oidc_provider_arn.trim().is_empty(),
            ),
            (
                "the OIDC token file",
                self.token_file.as_os_str().is_empty(),
            ),
        ]
        .into_iter()
        .filter_map(|(name, empty)| empty.then_some(name))
        .collect();
        if !missing.is_empty() {
            return Err(CredentialsError::failed(
                location,
                format!("{} must not be empty", missing.join(" and ")),
            ));
        }
        checked_duration(&location, self.settings.duration_seconds)?;
        let client = self.settings.client(&location)?;
        Ok(OidcRoleArnProvider {
            role_arn: self.role_arn,
            oidc_provider_arn: self.oidc_provider_arn,
            token_file: self.token_file,
            settings: self.settings,
            client,
            location,
        })
    }
}

impl OidcRoleArnProvider {
    /// A builder assuming `role_arn` trusted by `oidc_provider_arn`, with
    /// the token in `token_file`.
    pub fn builder(
        role_arn: impl Into<String>,
        oidc_provider_arn: impl Into<String>,
        token_file: impl Into<PathBuf>,
    ) -> OidcRoleArnProviderBuilder {
        OidcRoleArnProviderBuilder {
            role_arn: role_arn.into(),
            oidc_provider_arn: oidc_provider_arn.into(),
            token_file: token_file.into(),
            settings: StsSettings::default(),
        }
    }

    /// The STS endpoint the provider calls.
    pub fn sts_endpoint(&self) -> &Endpoint {
        self.client.endpoint()
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        // The token is a few hundred bytes: read synchronously, as the
        // profile files are.
        let token = std::fs::read_to_string(&self.token_file).map_err(|error| {
            CredentialsError::failed(
                self.location.as_str(),
                format!(
                    "could not read the OIDC token file {}",
                    self.token_file.display()
                ),
            )
            .with_source(error)
        })?;
        let token = token.trim();
        if token.is_empty() {
            return Err(CredentialsError::failed(
                self.location.as_str(),
                format!("the OIDC token file {} is empty", self.token_file.display()),
            ));
        }
        let mut parameters = vec![
            (
                "DurationSeconds".to_owned(),
                self.settings.duration_seconds.to_string(),
            ),
            ("OIDCProviderArn".to_owned(), self.oidc_provider_arn.clone()),
            ("OIDCToken".to_owned(), token.to_owned()),
            ("RoleArn".to_owned(), self.role_arn.clone()),
            ("RoleSessionName".to_owned(), self.settings.session_name()),
        ];
        if let Some(policy) = self.settings.policy.as_ref().filter(|p| !p.is_empty()) {
            parameters.push(("Policy".to_owned(), policy.clone()));
        }
        self.client
            .assume_role_with_oidc(&parameters)
            .await
            .map(|credentials| credentials.with_source("oidc role arn"))
            .map_err(|error| {
                CredentialsError::failed(self.location.as_str(), error.to_string())
                    .with_source(error)
            })
    }
}

impl ProvideCredentials for OidcRoleArnProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}
