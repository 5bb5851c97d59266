//! The error every layer may return: a request that could not be built,
//! or a configuration that cannot be used ([`ConstructionError`]).
//!
//! It is the error of writing an input's parameters (this crate), of
//! parsing an endpoint URL (signing), of transport settings and of
//! credentials that cannot be found, and the `Construction` variant of the
//! runtime's `SdkError`, which says which kind of failure a call met.

use std::error::Error as StdError;
use std::fmt;

/// A boxed error that can cross threads, used as the `source()` of errors
/// whose cause comes from a dependency.
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a request could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConstructionErrorKind {
    /// The operation input could not be turned into request parameters.
    InvalidInput,
    /// The client configuration is unusable (no region, a malformed
    /// endpoint URL, ...).
    InvalidConfiguration,
    /// No credentials were found anywhere the provider chain looks.
    CredentialsMissing,
    /// A credential source was found but failed (a malformed file, an
    /// unreachable metadata service, ...).
    CredentialsUnavailable,
}

/// The request could not be built or the client could not be configured.
#[derive(Debug)]
pub struct ConstructionError {
    kind: ConstructionErrorKind,
    message: String,
    searched_locations: Vec<String>,
    source: Option<BoxError>,
}

impl ConstructionError {
    /// An error in the operation input.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ConstructionErrorKind::InvalidInput, message)
    }

    /// An error in the client configuration.
    pub fn invalid_configuration(message: impl Into<String>) -> Self {
        Self::new(ConstructionErrorKind::InvalidConfiguration, message)
    }

    /// No credentials anywhere; `searched_locations` says where the chain
    /// looked and what it found there, one entry per place.
    pub fn credentials_missing(searched_locations: Vec<String>) -> Self {
        ConstructionError {
            kind: ConstructionErrorKind::CredentialsMissing,
            message: "no Alibaba Cloud credentials were found".to_owned(),
            searched_locations,
            source: None,
        }
    }

    /// A credential source that exists but failed.
    pub fn credentials_unavailable(message: impl Into<String>, source: Option<BoxError>) -> Self {
        ConstructionError {
            kind: ConstructionErrorKind::CredentialsUnavailable,
            message: message.into(),
            searched_locations: Vec::new(),
            source,
        }
    }

    fn new(kind: ConstructionErrorKind, message: impl Into<String>) -> Self {
        ConstructionError {
            kind,
            message: message.into(),
            searched_locations: Vec::new(),
            source: None,
        }
    }

    /// Records where a credentials chain looked, for
    /// [`searched_locations`](Self::searched_locations).
    pub fn with_searched_locations(mut self, searched_locations: Vec<String>) -> Self {
        self.searched_locations = searched_locations;
        self
    }

    /// Attaches the underlying cause.
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> ConstructionErrorKind {
        self.kind
    }

    /// `true` when no credentials were found at all.
    pub fn is_credentials_missing(&self) -> bool {
        self.kind == ConstructionErrorKind::CredentialsMissing
    }

    /// Every place the credential chain looked, with what it found, when
    /// this is a credentials error; empty otherwise.
    pub fn searched_locations(&self) -> &[String] {
        &self.searched_locations
    }

    /// The message without the list of searched locations.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ConstructionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if self.kind == ConstructionErrorKind::CredentialsMissing {
            f.write_str("; looked in:")?;
            for (index, location) in self.searched_locations.iter().enumerate() {
                write!(f, " {}) {location};", index + 1)?;
            }
            f.write_str(
                " set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, \
                 configure a profile, or pass credentials to the client configuration",
            )?;
        }
        Ok(())
    }
}

impl StdError for ConstructionError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|source| source.as_ref() as &(dyn StdError + 'static))
    }
}
