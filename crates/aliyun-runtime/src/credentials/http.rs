//! Credentials fetched over HTTP: the ECS instance metadata service (RAM
//! role of the instance) and a credentials URI.
//!
//! Both return temporary credentials with an expiry, so the chain wraps
//! them in a [`CachedProvider`](super::CachedProvider) that refreshes
//! before they expire. Timeouts are short: off ECS the metadata address
//! does not answer, and the chain must not hang there.

use std::time::{Duration, SystemTime};

use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::{Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture};

/// The ECS instance metadata service.
pub const DEFAULT_ECS_METADATA_ENDPOINT: &str = "http://100.100.100.200";

/// Variable that, when `true`, forbids metadata requests without a
/// session token (IMDSv1).
pub const IMDSV1_DISABLED_VAR: &str = "ALIBABA_CLOUD_IMDSV1_DISABLED";

/// How long a metadata session token lives, in seconds.
const METADATA_TOKEN_TTL_SECONDS: &str = "21600";
/// The most bytes read from a credential endpoint.
const MAX_CREDENTIAL_RESPONSE_BYTES: usize = 64 * 1024;

/// Builds the small client credential fetches use.
fn credential_http_client(
    connect_timeout: Duration,
    request_timeout: Duration,
) -> Result<reqwest::Client, CredentialsError> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .timeout(request_timeout)
        // Credential endpoints are local services; a proxy from the
        // environment must not see the credentials.
        .no_proxy()
        .build()
        .map_err(|error| {
            CredentialsError::failed("credential HTTP client", "could not be created")
                .with_source(error.without_url())
        })
}

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

/// Sends a request and returns the body, bounded in size.
async fn fetch_text(
    location: &str,
    request: reqwest::RequestBuilder,
) -> Result<(u16, String), CredentialsError> {
    let mut response = request.send().await.map_err(|error| {
        CredentialsError::failed(location, "is not reachable").with_source(error.without_url())
    })?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| {
        CredentialsError::failed(location, "broke off its answer").with_source(error.without_url())
    })? {
        if body.len() + chunk.len() > MAX_CREDENTIAL_RESPONSE_BYTES {
            return Err(CredentialsError::failed(
                location,
                "answered an oversized body",
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// Credentials of the RAM role attached to the ECS instance, from the
/// instance metadata service (IMDSv2: a session token is fetched first).
#[derive(Debug, Clone)]
pub struct EcsRamRoleProvider {
    client: reqwest::Client,
    endpoint: String,
    role_name: Option<String>,
    imdsv1_disabled: bool,
}

impl EcsRamRoleProvider {
    /// A provider asking the metadata service at `endpoint` (normally
    /// [`DEFAULT_ECS_METADATA_ENDPOINT`]); `role_name` skips the lookup of
    /// the attached role.
    pub fn new(
        endpoint: impl Into<String>,
        role_name: Option<String>,
    ) -> Result<Self, CredentialsError> {
        Ok(EcsRamRoleProvider {
            client: credential_http_client(Duration::from_secs(1), Duration::from_secs(2))?,
            endpoint: endpoint.into().trim_end_matches('/').to_owned(),
            role_name: role_name.filter(|name| !name.is_empty()),
            imdsv1_disabled: false,
        })
    }

    /// When `true`, fails instead of falling back to plain (IMDSv1)
    /// requests if the metadata service refuses a session token, as
    /// `ALIBABA_CLOUD_IMDSV1_DISABLED=true` asks.
    pub fn with_imdsv1_disabled(mut self, disabled: bool) -> Self {
        self.imdsv1_disabled = disabled;
        self
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let location = format!("ECS instance metadata service at {}", self.endpoint);
        let token_request = self
            .client
            .put(format!("{}/latest/api/token", self.endpoint))
            .header(
                "X-aliyun-ecs-metadata-token-ttl-seconds",
                METADATA_TOKEN_TTL_SECONDS,
            );
        let (status, token) = fetch_text(&location, token_request).await?;
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
        let with_token = |request: reqwest::RequestBuilder| match &token {
            Some(token) => request.header("X-aliyun-ecs-metadata-token", token),
            None => request,
        };
        let base = format!(
            "{}/latest/meta-data/ram/security-credentials/",
            self.endpoint
        );
        let role = match &self.role_name {
            Some(role) => role.clone(),
            None => {
                let (status, body) =
                    fetch_text(&location, with_token(self.client.get(&base))).await?;
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
        let url = format!("{base}{}", crate::encoding::percent_encode(&role));
        let (status, body) = fetch_text(&location, with_token(self.client.get(url))).await?;
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
    client: reqwest::Client,
    uri: String,
}

impl CredentialsUriProvider {
    /// A provider fetching `uri` with GET.
    pub fn new(uri: impl Into<String>) -> Result<Self, CredentialsError> {
        Ok(CredentialsUriProvider {
            client: credential_http_client(Duration::from_secs(2), Duration::from_secs(5))?,
            uri: uri.into(),
        })
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let location = "the credentials URI (ALIBABA_CLOUD_CREDENTIALS_URI)";
        let (status, body) = fetch_text(location, self.client.get(&self.uri)).await?;
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
