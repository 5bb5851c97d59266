//! Who signs: an AccessKey pair ([`Credentials`]), the trait of anything
//! that produces one ([`ProvideCredentials`]), and why a source produced
//! none ([`CredentialsError`]).
//!
//! The providers themselves (environment, profiles, STS, the ECS
//! metadata service, caching) are the `aliyun-credentials` crate's; this
//! module is what the signer and every provider share.
//!
//! Secrets never leave this module in printable form: the secret and the
//! token are held in [`Secret`], whose `Debug` prints a placeholder.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use aliyun_codec::error::BoxError;
use hmac::Hmac;
use sha1::Sha1;

/// The text printed in place of a secret.
pub const REDACTED: &str = "** redacted **";

/// A secret string (an AccessKey secret or a security token) that never
/// prints itself.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<Arc<str>>) -> Self {
        Secret(value.into())
    }

    /// The secret value, for signing. Never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// An AccessKey pair, optionally temporary (with an STS token and expiry).
#[derive(Clone)]
pub struct Credentials {
    access_key_id: Arc<str>,
    access_key_secret: Secret,
    security_token: Option<Secret>,
    expiry: Option<SystemTime>,
    source: &'static str,
    /// The HMAC-SHA1 state keyed with `secret&`, computed on first use and
    /// shared by clones: keying costs two hash blocks per signature
    /// otherwise. It is derived from the secret, so it is never printed.
    v1_signing_key: Arc<OnceLock<Hmac<Sha1>>>,
}

impl PartialEq for Credentials {
    fn eq(&self, other: &Self) -> bool {
        self.access_key_id == other.access_key_id
            && self.access_key_secret == other.access_key_secret
            && self.security_token == other.security_token
            && self.expiry == other.expiry
            && self.source == other.source
    }
}

impl Eq for Credentials {}

impl Credentials {
    /// A long-term AccessKey pair.
    pub fn new(access_key_id: impl Into<Arc<str>>, access_key_secret: impl Into<Arc<str>>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            access_key_secret: Secret::new(access_key_secret),
            security_token: None,
            expiry: None,
            source: "explicit",
            v1_signing_key: Arc::new(OnceLock::new()),
        }
    }

    /// A fresh HMAC-SHA1 keyed for RPC signatures (`secret&`).
    pub(crate) fn v1_mac(&self) -> Hmac<Sha1> {
        self.v1_signing_key
            .get_or_init(|| crate::mac::v1_mac(self.access_key_secret()))
            .clone()
    }

    /// Adds an STS security token (temporary credentials).
    pub fn with_security_token(mut self, security_token: impl Into<Arc<str>>) -> Self {
        self.security_token = Some(Secret::new(security_token));
        self
    }

    /// Sets the instant after which the credentials stop working.
    pub fn with_expiry(mut self, expiry: SystemTime) -> Self {
        self.expiry = Some(expiry);
        self
    }

    /// Records which provider produced the credentials (shown in `Debug`
    /// and traces to help diagnose which source was used).
    pub fn with_source(mut self, source: &'static str) -> Self {
        self.source = source;
        self
    }

    /// The AccessKey id (not a secret: it is sent with every request).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The AccessKey secret. Never log it.
    pub fn access_key_secret(&self) -> &str {
        self.access_key_secret.expose()
    }

    /// The STS security token, for temporary credentials. Never log it.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_ref().map(Secret::expose)
    }

    /// When the credentials expire, if they do.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.expiry
    }

    /// The name of the provider that produced the credentials.
    pub fn source(&self) -> &'static str {
        self.source
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &self.access_key_secret)
            .field("security_token", &self.security_token)
            .field("expiry", &self.expiry)
            .field("source", &self.source)
            .finish()
    }
}

/// The future returned by [`ProvideCredentials::provide_credentials`].
pub type ProvideCredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>;

/// A source of credentials.
///
/// The runtime calls it before every attempt, so an implementation that
/// does network or file work should cache (wrap it in
/// `aliyun_credentials::CachedProvider`).
pub trait ProvideCredentials: Send + Sync + fmt::Debug {
    /// Returns current credentials, or why there are none.
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        let credentials = self.clone();
        Box::pin(async move { Ok(credentials) })
    }
}

/// Whether a credential source was simply absent or present but broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// The source is not configured here (no variable, no file, ...); a
    /// chain moves on to the next source.
    NotConfigured,
    /// The source is configured but did not produce credentials.
    Failed,
}

/// Why a provider produced no credentials.
#[derive(Debug)]
pub struct CredentialsError {
    kind: CredentialsErrorKind,
    location: String,
    message: String,
    searched_locations: Vec<String>,
    source: Option<BoxError>,
}

impl CredentialsError {
    /// Every source of a chain was tried and none produced credentials;
    /// `searched_locations` says what was found at each.
    pub fn chain_exhausted(searched_locations: Vec<String>) -> Self {
        CredentialsError {
            kind: CredentialsErrorKind::NotConfigured,
            location: "the default credentials chain".to_owned(),
            message: "no source produced credentials".to_owned(),
            searched_locations,
            source: None,
        }
    }

    /// The same error, with the places a chain looked before it gave up
    /// (this source among them).
    pub fn with_searched_locations(mut self, searched_locations: Vec<String>) -> Self {
        self.searched_locations = searched_locations;
        self
    }

    /// The places a chain looked, one entry each with what it found; a
    /// single-source error lists only itself.
    pub fn searched_locations(&self) -> Vec<String> {
        if self.searched_locations.is_empty() {
            vec![self.to_string()]
        } else {
            self.searched_locations.clone()
        }
    }

    /// The source at `location` is not configured.
    pub fn not_configured(location: impl Into<String>, message: impl Into<String>) -> Self {
        CredentialsError {
            kind: CredentialsErrorKind::NotConfigured,
            location: location.into(),
            message: message.into(),
            searched_locations: Vec::new(),
            source: None,
        }
    }

    /// The source at `location` is configured but failed.
    pub fn failed(location: impl Into<String>, message: impl Into<String>) -> Self {
        CredentialsError {
            kind: CredentialsErrorKind::Failed,
            location: location.into(),
            message: message.into(),
            searched_locations: Vec::new(),
            source: None,
        }
    }

    /// The same error, located inside `outer` (a profile that delegates to
    /// another provider): `outer: <this location>`.
    pub fn within(mut self, outer: &str) -> Self {
        self.location = format!("{outer}: {}", self.location);
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Absent or broken.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// Where the provider looked (a file, a variable, a URL).
    pub fn location(&self) -> &str {
        &self.location
    }

    /// What the provider found there.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

impl StdError for CredentialsError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|source| source.as_ref() as &(dyn StdError + 'static))
    }
}
