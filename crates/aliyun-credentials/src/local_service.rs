//! Credentials from a service on the local network or machine: the ECS
//! instance metadata service (RAM role of the instance) and a credentials
//! URI.
//!
//! Both return temporary credentials with an expiry, so the chain wraps
//! them in a [`CachedProvider`](crate::CachedProvider) that refreshes
//! before they expire. Their requests go through the connector like any
//! other, but on [`Route::Direct`]: never through a proxy, which must not
//! see the credentials, and with a short connect timeout. Time limits are
//! short too: off ECS the metadata address does not answer, and the chain
//! must not hang there.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aliyun_http::connector::{Method, Url};
use aliyun_http::{Connector, ConnectorError, HttpRequest, Route};
use aliyun_sign::identity::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::connector::default_connector;

/// The ECS instance metadata service.
pub const DEFAULT_ECS_METADATA_ENDPOINT: &str = "http://100.100.100.200";

/// Variable that, when `true`, forbids metadata requests without a
/// session token (IMDSv1).
pub const IMDSV1_DISABLED_VAR: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";

/// How long a metadata session token lives, in seconds.
const METADATA_TOKEN_TTL_SECONDS: &str = "21600";
/// The most bytes read from a credential endpoint.
const MAX_CREDENTIAL_RESPONSE_BYTES: usize = 64 * 1024;

/// How long one request to the metadata service may take.
const ECS_METADATA_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the request to a credentials URI may take.
const CREDENTIALS_URI_TIMEOUT: Duration = Duration::from_secs(5);

/// The JSON both endpoints answer with. No `Debug`: it holds secrets.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CredentialsDocument {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    access_key_id: Option<String>,
    #[serde(default)]
    access_key_secret: Option<String>,
    #[serde(default)]
    security_token: Option<String>,
    #[serde(default)]
    expiration: Option<String>,
}

fn parse_credentials_document(
    location: &str,
    body: &str,
    source: &'static str,
) -> Result<Credentials, CredentialsError> {
    let document: CredentialsDocument = serde_json::from_str(body).map_err(|error| {
        CredentialsError::failed(
            location,
            "answered a body that is not a credentials document",
        )
        .with_source(error)
    })?;
    if let Some(code) = &document.code {
        if code != "Success" {
            return Err(CredentialsError::failed(
                location,
                format!("answered Code `{code}`"),
            ));
        }
    }
    let (Some(id), Some(secret)) = (document.access_key_id, document.access_key_secret) else {
        return Err(CredentialsError::failed(
            location,
            "answered without AccessKeyId or AccessKeySecret",
        ));
    };
    let mut credentials = Credentials::new(id, secret).with_source(source);
    if let Some(token) = document.security_token.filter(|token| !token.is_empty()) {
        credentials = credentials.with_security_token(token);
    }
    if let Some(expiration) = document.expiration {
        let expiry = OffsetDateTime::parse(&expiration, &Rfc3339).map_err(|error| {
            CredentialsError::failed(
                location,
                format!("answered an unreadable Expiration `{expiration}`"),
            )
            .with_source(error)
        })?;
        credentials = credentials.with_expiry(SystemTime::from(expiry));
    }
    Ok(credentials)
}

/// Sends a request straight to its host (never through a proxy) and
/// returns the status and body, bounded in size and time.
async fn fetch_text(
    connector: &dyn Connector,
    location: &str,
    method: Method,
    url: &str,
    headers: &[(&'static str, &str)],
    limit: Duration,
) -> Result<(u16, String), CredentialsError> {
    let url = Url::parse(url).map_err(|error| {
        CredentialsError::failed(location, "is not a valid URL").with_source(error)
    })?;
    let mut request = HttpRequest::new(method, url)
        .with_route(Route::Direct)
        .with_body_limit(MAX_CREDENTIAL_RESPONSE_BYTES);
    for (name, value) in headers {
        request = request.with_header(name, *value);
    }
    let response = match tokio::time::timeout(limit, connector.call(request)).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) => return Err(transport_error(location, error)),
        Err(_) => {
            return Err(CredentialsError::failed(
                location,
                format!("did not answer within {limit:?}"),
            ))
        }
    };
    Ok((
        response.status,
        String::from_utf8_lossy(&response.body).into_owned(),
    ))
}

/// The error of a request that got no answer, saying what to check.
fn transport_error(location: &str, error: ConnectorError) -> CredentialsError {
    let message = match &error {
        ConnectorError::Tls { failure, .. } => format!(
            "failed in its TLS handshake (nothing was sent): {}",
            failure.advice()
        ),
        ConnectorError::BodyTooLarge { .. } => "answered an oversized body".to_owned(),
        error if error.request_sent() => "broke off its answer".to_owned(),
        _ => "is not reachable".to_owned(),
    };
    CredentialsError::failed(location, message).with_source(error)
}

/// Credentials of the RAM role attached to the ECS instance, from the
/// instance metadata service (IMDSv2: a session token is fetched first).
#[derive(Debug, Clone)]
pub struct EcsRamRoleProvider {
    connector: Arc<dyn Connector>,
    endpoint: String,
    role_name: Option<String>,
    imdsv1_disabled: bool,
}

impl EcsRamRoleProvider {
    /// A provider asking the metadata service at `endpoint` (normally
    /// [`DEFAULT_ECS_METADATA_ENDPOINT`]) through a connector of its own;
    /// `role_name` skips the lookup of the attached role.
    pub fn new(
        endpoint: impl Into<String>,
        role_name: Option<String>,
    ) -> Result<Self, CredentialsError> {
        let location = "ECS instance metadata service";
        Ok(Self::with_connector(
            default_connector(location)?,
            endpoint,
            role_name,
        ))
    }

    /// A provider asking the metadata service at `endpoint` through
    /// `connector` (directly, whatever proxies the connector has).
    pub fn with_connector(
        connector: Arc<dyn Connector>,
        endpoint: impl Into<String>,
        role_name: Option<String>,
    ) -> Self {
        EcsRamRoleProvider {
            connector,
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            role_name: role_name.filter(|name| !name.is_empty()),
            imdsv1_disabled: false,
        }
    }

    /// When `true`, fails instead of falling back to plain (IMDSv1)
    /// requests if the metadata service refuses a session token, as
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true` asks.
    pub fn with_imdsv1_disabled(mut self, disabled: bool) -> Self {
        self.imdsv1_disabled = disabled;
        self
    }

    /// A `GET` of the metadata service, with the session token if there
    /// is one.
    async fn get(
        &self,
        location: &str,
        url: &str,
        token: Option<&str>,
    ) -> Result<(u16, String), CredentialsError> {
        let headers: Vec<(&'static str, &str)> = match token {
            Some(token) => vec![("x-aliyun-ecs-metadata-token", token)],
            None => Vec::new(),
        };
        fetch_text(
            self.connector.as_ref(),
            location,
            Method::GET,
            url,
            &headers,
            ECS_METADATA_TIMEOUT,
        )
        .await
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let location = format!("ECS instance metadata service at {}", self.endpoint);
        let (status, token) = fetch_text(
            self.connector.as_ref(),
            &location,
            Method::PUT,
            &format!("{}/latest/api/token", self.endpoint),
            &[(
                "x-aliyun-ecs-metadata-token-ttl-seconds",
                METADATA_TOKEN_TTL_SECONDS,
            )],
            ECS_METADATA_TIMEOUT,
        )
        .await?;
        // An instance whose metadata service predates IMDSv2 answers the
        // token request with an error status; the plain requests still work.
        let token = (200..300)
            .contains(&status)
            .then(|| token.trim().to_owned());
        if token.is_none() && self.imdsv1_disabled {
            return Err(CredentialsError::failed(
                location,
                format!(
                    "refused a session token (HTTP {status}) and {IMDSV1_DISABLED_VAR}=true \
                     forbids asking without one; unset it on instances without IMDSv2"
                ),
            ));
        }
        let base = format!(
            "{}/latest/meta-data/ram/security-credentials/",
            self.endpoint
        );
        let role = match &self.role_name {
            Some(role) => role.clone(),
            None => {
                let (status, body) = self.get(&location, &base, token.as_deref()).await?;
                let role = body.lines().next().unwrap_or("").trim().to_owned();
                if !(200..300).contains(&status) || role.is_empty() {
                    return Err(CredentialsError::failed(
                        location,
                        format!("has no RAM role attached to this instance (HTTP {status})"),
                    ));
                }
                role
            }
        };
        let url = format!("{base}{}", aliyun_sign::encoding::percent_encode(&role));
        let (status, body) = self.get(&location, &url, token.as_deref()).await?;
        if !(200..300).contains(&status) {
            return Err(CredentialsError::failed(
                location,
                format!("answered HTTP {status} for role `{role}`"),
            ));
        }
        parse_credentials_document(&location, &body, "ecs ram role")
    }
}

impl ProvideCredentials for EcsRamRoleProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}

/// Credentials served by a URL (`ALIBABA_CLOUD_CREDENTIALS_URI`).
#[derive(Debug, Clone)]
pub struct CredentialsUriProvider {
    connector: Arc<dyn Connector>,
    uri: String,
}

/// Where the credentials URI provider looks, for messages: the URI itself
/// is not named, since its query may carry a token.
const CREDENTIALS_URI_LOCATION: &str = "the credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)";

impl CredentialsUriProvider {
    /// A provider fetching `uri` with GET, through a connector of its own.
    pub fn new(uri: impl Into<String>) -> Result<Self, CredentialsError> {
        Ok(Self::with_connector(
            default_connector(CREDENTIALS_URI_LOCATION)?,
            uri,
        ))
    }

    /// A provider fetching `uri` with GET through `connector` (directly,
    /// whatever proxies the connector has).
    pub fn with_connector(connector: Arc<dyn Connector>, uri: impl Into<String>) -> Self {
        CredentialsUriProvider {
            connector,
            uri: uri.into(),
        }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let location = CREDENTIALS_URI_LOCATION;
        let (status, body) = fetch_text(
            self.connector.as_ref(),
            location,
            Method::GET,
            &self.uri,
            &[],
            CREDENTIALS_URI_TIMEOUT,
        )
        .await?;
        if !(200..300).contains(&status) {
            return Err(CredentialsError::failed(
                location,
                format!("answered HTTP {status}"),
            ));
        }
        parse_credentials_document(location, &body, "credentials uri")
    }
}

impl ProvideCredentials for CredentialsUriProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}
