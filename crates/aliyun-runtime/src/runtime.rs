//! The runtime a generated client holds, and how it is built from a
//! [`Config`]: the region and endpoint resolved, the connector every
//! request goes through, the credentials provider (cached), the retry
//! quota.
//!
//! One [`Runtime`] owns them all; clones share them. How a call is sent is
//! the business of [`crate::call`] (the entry points) and
//! [`crate::attempt`] (the attempt loop), through [`crate::dispatch`].

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use aliyun_codec::metadata::ProductMetadata;
use aliyun_http::connector::Url;
use aliyun_http::{Connector, ReqwestConnector};

use crate::config::{
    CallOverrides, Config, CredentialsSource, Timeouts, REGION_VAR, TEST_ACCESS_KEY_ID,
    TEST_ACCESS_KEY_SECRET, TEST_ENDPOINT,
};
use crate::credentials::{
    cli_profile_region, CachedProvider, CliProfileProvider, Credentials, DefaultCredentialsChain,
    ProvideCredentials, DEFAULT_ECS_METADATA_ENDPOINT, IMDSV1_DISABLED_VAR,
};
use crate::deadline::TimerPool;
use crate::dispatch::parse_root_url;
use crate::endpoint::{resolve_endpoint, Endpoint};
use crate::error::ConstructionError;
use crate::interceptor::Interceptors;
use crate::retry::{RetryConfig, RetryQuota};

/// The shared machinery behind a generated client. Cheap to clone.
///
/// [`Runtime::with_overrides`] makes a runtime for some calls with other
/// timeouts, retries or endpoint, still sharing this one's connections,
/// credentials cache and retry quota.
#[derive(Clone)]
pub struct Runtime {
    pub(crate) inner: Arc<RuntimeInner>,
    pub(crate) call: Arc<CallSettings>,
}

/// What is shared by every call of a client, whatever its overrides.
pub(crate) struct RuntimeInner {
    pub(crate) config: Config,
    pub(crate) product: &'static ProductMetadata,
    pub(crate) region: Option<String>,
    /// Where every request goes: the runtime's attempts and its default
    /// credentials chain's.
    pub(crate) connector: Arc<dyn Connector>,
    pub(crate) credentials: Arc<dyn ProvideCredentials>,
    pub(crate) quota: Option<RetryQuota>,
    /// Timers of finished operations, for the next ones to reuse.
    pub(crate) timers: TimerPool,
    /// Server time minus local time, in milliseconds, learned from a
    /// clock-skew error and applied to every later signature.
    pub(crate) clock_offset_millis: AtomicI64,
}

/// What a call may change: the client's settings, or a call's overrides.
pub(crate) struct CallSettings {
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: RetryConfig,
    pub(crate) endpoint: Endpoint,
    /// The endpoint's root URL, `base/`, parsed once (see [`request_url`]).
    pub(crate) root_url: Option<Url>,
    /// Why an overriding endpoint URL cannot be used, reported when the
    /// call is sent: builders cannot return errors.
    pub(crate) invalid_endpoint: Option<String>,
    /// The client's interceptors, then the call's.
    pub(crate) interceptors: Interceptors,
}

impl CallSettings {
    fn new(
        timeouts: Timeouts,
        retry: RetryConfig,
        endpoint: Endpoint,
        interceptors: Interceptors,
    ) -> Self {
        CallSettings {
            timeouts,
            retry,
            root_url: parse_root_url(&endpoint),
            endpoint,
            invalid_endpoint: None,
            interceptors,
        }
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("product", &self.inner.product.code)
            .field("region", &self.inner.region)
            .field("endpoint", &self.call.endpoint.base_url())
            .field("signature_version", &self.inner.config.signature_version)
            .finish_non_exhaustive()
    }
}
impl Runtime {
    /// Builds a runtime for one product: resolves the region (explicit,
    /// else `ALIBABA_CLOUD_REGION_ID`, else the CLI profile's `region_id`)
    /// and the endpoint, sets up the connector and credentials.
    pub fn new(
        config: Config,
        product: &'static ProductMetadata,
    ) -> Result<Self, ConstructionError> {
        let environment = Arc::clone(&config.environment);
        let region = config
            .region
            .clone()
            .or_else(|| environment.non_empty_var(REGION_VAR))
            .or_else(|| cli_profile_region(environment.as_ref(), config.profile.as_deref()));
        // A client whose connector never reaches the service (a test
        // double) needs no region.
        let endpoint_url = config
            .endpoint_url
            .as_deref()
            .or((config.offline && region.is_none()).then_some(TEST_ENDPOINT));
        let endpoint = resolve_endpoint(product, endpoint_url, region.as_deref(), config.network)?;
        let connector = match &config.connector {
            Some(connector) => Arc::clone(connector),
            None => {
                let mut settings = config.transport.clone();
                settings.connect_timeout = config.timeouts.connect;
                settings.user_agent = user_agent(&config, product)?;
                Arc::new(ReqwestConnector::new(&settings, environment.as_ref())?)
            }
        };

        let credentials: Arc<dyn ProvideCredentials> = match &config.credentials {
            CredentialsSource::Provider(provider) => Arc::clone(provider),
            // Nor credentials, only something to sign with, so that
            // signing runs as in production.
            CredentialsSource::DefaultChain if config.offline => {
                Arc::new(Credentials::new(TEST_ACCESS_KEY_ID, TEST_ACCESS_KEY_SECRET))
            }
            CredentialsSource::CliProfile => {
                let imdsv1_disabled = environment
                    .var(IMDSV1_DISABLED_VAR)
                    .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
                let metadata_endpoint = config
                    .ecs_metadata_endpoint
                    .clone()
                    .unwrap_or_else(|| DEFAULT_ECS_METADATA_ENDPOINT.to_owned());
                let provider =
                    CliProfileProvider::new(Arc::clone(&environment), config.profile.clone())
                        .with_ecs_metadata(metadata_endpoint, imdsv1_disabled)
                        .with_connector(Arc::clone(&connector));
                Arc::new(
                    CachedProvider::new(Arc::new(provider)).with_clock(Arc::clone(&config.clock)),
                )
            }
            CredentialsSource::DefaultChain => {
                let mut chain = DefaultCredentialsChain::builder()
                    .environment(Arc::clone(&environment))
                    .connector(Arc::clone(&connector));
                if let Some(profile) = &config.profile {
                    chain = chain.profile(profile.clone());
                }
                if let Some(metadata_endpoint) = &config.ecs_metadata_endpoint {
                    chain = chain.ecs_metadata_endpoint(metadata_endpoint.clone());
                }
                Arc::new(
                    CachedProvider::new(Arc::new(chain.build()))
                        .with_clock(Arc::clone(&config.clock)),
                )
            }
        };

        let quota = config.retry.quota.map(RetryQuota::new);
        let call = CallSettings::new(
            config.timeouts,
            config.retry.clone(),
            endpoint,
            config.interceptors.clone(),
        );
        Ok(Runtime {
            call: Arc::new(call),
            inner: Arc::new(RuntimeInner {
                config,
                product,
                region,
                connector,
                credentials,
                quota,
                timers: TimerPool::default(),
                clock_offset_millis: AtomicI64::new(0),
            }),
        })
    }

    /// The product this runtime calls.
    pub fn product(&self) -> &'static ProductMetadata {
        self.inner.product
    }

    /// The resolved region, if any.
    pub fn region(&self) -> Option<&str> {
        self.inner.region.as_deref()
    }

    /// The resolved endpoint (the overriding one on a runtime made by
    /// [`with_overrides`](Self::with_overrides)).
    pub fn endpoint(&self) -> &Endpoint {
        &self.call.endpoint
    }

    /// The timeouts calls made through this runtime use.
    pub fn timeouts(&self) -> Timeouts {
        self.call.timeouts
    }

    /// The retry settings calls made through this runtime use.
    pub fn retry(&self) -> &RetryConfig {
        &self.call.retry
    }

    /// A runtime whose calls use these overrides of the attempt and
    /// operation timeouts, the retry settings or the endpoint, and
    /// otherwise this runtime's settings; their interceptors run after this
    /// runtime's. It shares this runtime's
    /// connection pool, credentials cache, clock correction and retry
    /// quota. An endpoint URL that cannot be used makes every call fail
    /// with a [`ConstructionError`] saying why.
    ///
    /// Generated fluent builders and waiters call it from their
    /// `customize` method.
    pub fn with_overrides(&self, overrides: CallOverrides) -> Runtime {
        let mut call = CallSettings {
            timeouts: self.call.timeouts,
            retry: self.call.retry.clone(),
            endpoint: self.call.endpoint.clone(),
            root_url: self.call.root_url.clone(),
            invalid_endpoint: self.call.invalid_endpoint.clone(),
            interceptors: self.call.interceptors.clone(),
        };
        let CallOverrides {
            attempt_timeout,
            operation_timeout,
            retry,
            endpoint_url,
            interceptors,
        } = overrides;
        call.interceptors.extend(interceptors);
        if let Some(timeout) = attempt_timeout {
            call.timeouts.attempt = timeout;
        }
        if let Some(timeout) = operation_timeout {
            call.timeouts.operation = timeout;
        }
        if let Some(retry) = retry {
            call.retry = retry;
        }
        if let Some(url) = endpoint_url {
            match Endpoint::from_url(&url) {
                Ok(endpoint) => {
                    call.root_url = parse_root_url(&endpoint);
                    call.endpoint = endpoint;
                    call.invalid_endpoint = None;
                }
                Err(error) => call.invalid_endpoint = Some(error.to_string()),
            }
        }
        Runtime {
            inner: Arc::clone(&self.inner),
            call: Arc::new(call),
        }
    }

    /// The configuration the runtime was built with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The clock offset learned from the service, in milliseconds (server
    /// minus local).
    pub fn clock_offset_millis(&self) -> i64 {
        self.inner.clock_offset_millis.load(Ordering::Relaxed)
    }
}

/// The `User-Agent` of the connector a runtime builds: the SDK, the
/// platform, the product, and the configured suffix.
fn user_agent(config: &Config, product: &ProductMetadata) -> Result<String, ConstructionError> {
    let mut user_agent = format!(
        "aliyun-rust-sdk/{} ({}; {}) {}/{}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH,
        product.code,
        product.version
    );
    if let Some(suffix) = config
        .user_agent_suffix
        .as_deref()
        .filter(|suffix| !suffix.is_empty())
    {
        if suffix
            .chars()
            .any(|character| character.is_control() || !character.is_ascii())
        {
            return Err(ConstructionError::invalid_configuration(
                "the user agent suffix must be printable ASCII (it is sent as an HTTP header)",
            ));
        }
        user_agent.push(' ');
        user_agent.push_str(suffix);
    }
    Ok(user_agent)
}
