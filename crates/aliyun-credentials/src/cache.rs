//! Keeps credentials from a slow provider, refreshing them shortly before
//! they expire.
//!
//! Many concurrent calls may find the credentials stale at the same moment;
//! only one of them asks the inner provider (single flight) while the others
//! wait for its result, so an instance metadata service sees one request per
//! refresh, not one per call.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use aliyun_sign::clock::{Clock, SystemClock};
use aliyun_sign::identity::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};

/// How long before expiry credentials are refreshed by default.
pub const DEFAULT_REFRESH_MARGIN: Duration = Duration::from_secs(3 * 60);

/// A caching, single-flight wrapper around another provider.
///
/// Credentials without an expiry are kept for the life of the cache.
#[derive(Debug)]
pub struct CachedProvider {
    inner: Arc<dyn ProvideCredentials>,
    cached: RwLock<Option<Credentials>>,
    refresh: tokio::sync::Mutex<()>,
    margin: Duration,
    clock: Arc<dyn Clock>,
}

impl CachedProvider {
    /// Caches `inner`, refreshing [`DEFAULT_REFRESH_MARGIN`] before expiry.
    pub fn new(inner: Arc<dyn ProvideCredentials>) -> Self {
        CachedProvider {
            inner,
            cached: RwLock::new(None),
            refresh: tokio::sync::Mutex::new(()),
            margin: DEFAULT_REFRESH_MARGIN,
            clock: Arc::new(SystemClock),
        }
    }

    /// Refreshes `margin` before expiry instead of the default.
    pub fn with_refresh_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// Reads the time from `clock` (tests move time forward with it).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The cached credentials if they are not due for refresh.
    fn fresh(&self) -> Option<Credentials> {
        let cached = self
            .cached
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let credentials = cached.as_ref()?;
        match credentials.expiry() {
            None => Some(credentials.clone()),
            Some(expiry) if expiry > self.clock.now() + self.margin => Some(credentials.clone()),
            Some(_) => None,
        }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        if let Some(credentials) = self.fresh() {
            return Ok(credentials);
        }
        let _refreshing = self.refresh.lock().await;
        // Another caller may have refreshed while this one waited.
        if let Some(credentials) = self.fresh() {
            return Ok(credentials);
        }
        match self.inner.provide_credentials().await {
            Ok(credentials) => {
                tracing::debug!(source = credentials.source(), "credentials refreshed");
                *self
                    .cached
                    .write()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(credentials.clone());
                Ok(credentials)
            }
            Err(error) => {
                // Inside the margin the old credentials still work: keep
                // using them until they really expire.
                let cached = self
                    .cached
                    .read()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                match cached.as_ref() {
                    Some(credentials)
                        if credentials
                            .expiry()
                            .is_some_and(|expiry| expiry > self.clock.now()) =>
                    {
                        tracing::warn!(error = %error, "credential refresh failed; using credentials that have not expired yet");
                        Ok(credentials.clone())
                    }
                    _ => Err(error),
                }
            }
        }
    }
}

impl ProvideCredentials for CachedProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}
