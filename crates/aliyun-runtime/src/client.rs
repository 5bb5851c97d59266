//! The runtime a generated client holds: it turns one operation call into
//! signed HTTP attempts, applies the retry policy and decodes the answer.
//!
//! One [`Runtime`] owns one pooled HTTP client, the resolved endpoint, the
//! credentials provider (cached) and the retry quota; clones share them.
//! Every attempt is signed anew (fresh nonce and timestamp). Tracing spans
//! `aliyun.operation` and `aliyun.attempt` record the operation, attempt
//! number, HTTP status, request id and latency; never a URL (its query may
//! hold a security token) or a header value.

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use tracing::Instrument as _;

use crate::config::{CallOverrides, Config, CredentialsSource, Timeouts, REGION_VAR};
use crate::credentials::{
    cli_profile_region, CachedProvider, CredentialsError, CredentialsErrorKind,
    DefaultCredentialsChain, ProvideCredentials,
};
use crate::de::FromJson;
use crate::deadline::{OperationTimer, TimerPool};
use crate::endpoint::{resolve_endpoint, Endpoint};
use crate::error::{
    ConstructionError, DispatchError, ResponseError, ResponseErrorKind, SdkError, ServiceError,
    TimeoutError, TimeoutKind,
};
use crate::interceptor::{
    AttemptReport, CallOutcome, CallReport, ErrorKind, Interceptors, RetryDecision, RetryReason,
    StopReason,
};
use crate::metadata::{HttpMethod, OperationMetadata, ParameterLocation, ProductMetadata};
use crate::operation_future::OperationFuture;
use crate::parameters::flatten_parameters;
use crate::response::{decode_response, success_request_id};
use crate::retry::{
    classify_service_error, may_retry, parse_retry_after, FailureClass, RetryConfig, RetryQuota,
};
use crate::signing::{sign_request, SignedRequest, SigningInput};
use crate::transport::{build_http_client, tls_failure};

/// The error code that says the request's timestamp is too far from the
/// server's clock.
const CLOCK_SKEW_CODE: &str = "InvalidTimeStamp.Expired";

/// The shared machinery behind a generated client. Cheap to clone.
///
/// [`Runtime::with_overrides`] makes a runtime for some calls with other
/// timeouts, retries or endpoint, still sharing this one's connections,
/// credentials cache and retry quota.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
    call: Arc<CallSettings>,
}

/// What is shared by every call of a client, whatever its overrides.
struct RuntimeInner {
    config: Config,
    product: &'static ProductMetadata,
    region: Option<String>,
    http: reqwest::Client,
    credentials: Arc<dyn ProvideCredentials>,
    quota: Option<RetryQuota>,
    /// Timers of finished operations, for the next ones to reuse.
    timers: TimerPool,
    /// Server time minus local time, in milliseconds, learned from a
    /// clock-skew error and applied to every later signature.
    clock_offset_millis: AtomicI64,
}

/// What a call may change: the client's settings, or a call's overrides.
struct CallSettings {
    timeouts: Timeouts,
    retry: RetryConfig,
    endpoint: Endpoint,
    /// The endpoint's root URL, `base/`, parsed once (see [`request_url`]).
    root_url: Option<reqwest::Url>,
    /// Why an overriding endpoint URL cannot be used, reported when the
    /// call is sent: builders cannot return errors.
    invalid_endpoint: Option<String>,
    /// The client's interceptors, then the call's.
    interceptors: Interceptors,
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

/// The header through which the service asks for a longer wait before a
/// retry.
const RETRY_AFTER_HEADER: reqwest::header::HeaderName =
    reqwest::header::HeaderName::from_static("x-acs-retry-after");

/// A response read in full.
struct RawResponse {
    status: u16,
    retry_after: Option<Duration>,
    /// The `Date` header, parsed only when a clock-skew error needs it.
    date: Option<reqwest::header::HeaderValue>,
    body: Vec<u8>,
}

impl RawResponse {
    /// The server's time, from the `Date` header.
    fn server_time(&self) -> Option<SystemTime> {
        let date = self.date.as_ref()?.to_str().ok()?;
        httpdate::parse_http_date(date).ok()
    }
}

/// Why an attempt produced no response.
enum AttemptFailure {
    /// The request could not even be built (an invalid header value).
    Construction(ConstructionError),
    Timeout(TimeoutError),
    Dispatch(DispatchError),
    Response(ResponseError),
}

/// What one operation's attempt loop has counted so far.
#[derive(Debug, Default)]
struct AttemptCount {
    /// Attempts made, for traces.
    number: u32,
    /// Attempts sent (or whose sending was tried), for interceptors: an
    /// attempt that failed before it was signed is not one.
    sent: u32,
    /// Attempts that count against `max_attempts` (a clock-skew correction
    /// does not).
    counted: u32,
    /// Retry-quota tokens taken, given back when the operation succeeds.
    retry_tokens_spent: u32,
    /// Whether the clock was already corrected from a clock-skew error,
    /// which is done once per operation.
    clock_corrected: bool,
}

/// What one attempt sends.
struct Attempt<'call, E> {
    operation: &'static OperationMetadata,
    parameters: &'call [(String, String)],
    parse_error: fn(&str) -> E,
    number: u32,
    may_correct_clock: bool,
}

/// How one attempt ended.
enum AttemptOutcome<O, E> {
    /// The service answered with a decodable success.
    Succeeded(O),
    /// The service reported clock skew and the clock was corrected: send
    /// again at once, without counting the attempt.
    ClockCorrected,
    /// A failure the retry policy decides about.
    Failed(FailedAttempt<E>),
    /// A failure that ends the operation whatever the policy: no
    /// credentials, an unbuildable request, the operation timeout.
    Ended(SdkError<E>),
}

/// A failed attempt, with what the retry policy needs to know about it.
struct FailedAttempt<E> {
    /// The error returned if there is no further attempt.
    error: SdkError<E>,
    /// Whether the request may have run, for the idempotency rule.
    class: FailureClass,
    /// The service's `Retry-After`-style hint, if any.
    retry_after: Option<Duration>,
    /// Whether the attempt timed out or lost its connection, which costs
    /// more of the retry quota.
    timed_out: bool,
}

/// What is known of an attempt that was sent (or whose sending was
/// tried), for the interceptors' report.
#[derive(Debug, Clone, Copy)]
struct SentAttempt {
    http_status: Option<u16>,
    latency: Duration,
}

/// How an attempt that got no HTTP answer ended.
fn failed_exchange<O, E>(failure: AttemptFailure, span: &tracing::Span) -> AttemptOutcome<O, E> {
    let (error, sent) = match failure {
        AttemptFailure::Construction(construction) => {
            return AttemptOutcome::Ended(SdkError::Construction(construction))
        }
        AttemptFailure::Response(response) => {
            return AttemptOutcome::Failed(FailedAttempt {
                error: SdkError::Response(response),
                class: FailureClass::Permanent,
                retry_after: None,
                timed_out: false,
            })
        }
        AttemptFailure::Timeout(timeout) => {
            span.in_scope(|| tracing::debug!(error = %timeout, "attempt timed out"));
            let sent = timeout.request_sent();
            (SdkError::Timeout(timeout), sent)
        }
        AttemptFailure::Dispatch(dispatch) => {
            span.in_scope(|| tracing::debug!(error = %dispatch, "connection failed"));
            let sent = dispatch.request_sent();
            (SdkError::Dispatch(dispatch), sent)
        }
    };
    let class = if sent {
        FailureClass::Transient
    } else {
        FailureClass::NotSent
    };
    AttemptOutcome::Failed(FailedAttempt {
        error,
        class,
        retry_after: None,
        timed_out: true,
    })
}

impl Runtime {
    /// Builds a runtime for one product: resolves the region (explicit,
    /// else `ALIBABA_CLOUD_REGION_ID`, else the CLI profile's `region_id`)
    /// and the endpoint, sets up credentials and the HTTP client.
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
        let endpoint_url = config.endpoint_url.as_deref();
        // A client answered in-process needs no region: it is never sent.
        #[cfg(feature = "test-util")]
        let endpoint_url = endpoint_url.or((config.test_transport.is_some() && region.is_none())
            .then_some(crate::test_util::TEST_ENDPOINT));
        let endpoint = resolve_endpoint(product, endpoint_url, region.as_deref(), config.network)?;

        let credentials: Arc<dyn ProvideCredentials> = match &config.credentials {
            CredentialsSource::Provider(provider) => Arc::clone(provider),
            // A client answered in-process needs no credentials, only
            // something to sign with, so that signing runs as in production.
            #[cfg(feature = "test-util")]
            CredentialsSource::DefaultChain if config.test_transport.is_some() => {
                Arc::new(crate::credentials::Credentials::new(
                    crate::test_util::TEST_ACCESS_KEY_ID,
                    crate::test_util::TEST_ACCESS_KEY_SECRET,
                ))
            }
            CredentialsSource::DefaultChain => {
                let mut chain =
                    DefaultCredentialsChain::builder().environment(Arc::clone(&environment));
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
        let http = build_http_client(
            &config.transport,
            environment.as_ref(),
            config.timeouts.connect,
            &user_agent,
        )?;

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
                http,
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

    /// The current signing time: the configured clock plus the learned
    /// offset.
    fn signing_time(&self) -> SystemTime {
        let now = self.inner.config.clock.now();
        let offset = self.clock_offset_millis();
        let magnitude = Duration::from_millis(offset.unsigned_abs());
        if offset >= 0 {
            now.checked_add(magnitude).unwrap_or(now)
        } else {
            now.checked_sub(magnitude).unwrap_or(now)
        }
    }

    async fn credentials(&self) -> Result<crate::credentials::Credentials, ConstructionError> {
        self.inner
            .credentials
            .provide_credentials()
            .await
            .map_err(credentials_error)
    }

    /// Builds and signs the request for one call without sending it, for
    /// printing or sending by other means. Each call uses a fresh nonce and
    /// the current time. The interceptors' `before_signing` hooks run as
    /// for a first attempt, so the request is the one a call would send;
    /// their other hooks do not, since nothing is sent.
    pub async fn presign<I: Serialize + ?Sized>(
        &self,
        operation: &'static OperationMetadata,
        input: &I,
    ) -> Result<SignedRequest, ConstructionError> {
        let mut parameters = flatten_parameters(input)?;
        reject_reserved_names(&parameters)?;
        self.intercept(operation, 1, &mut parameters)?;
        let credentials = self.credentials().await?;
        Ok(self.sign(operation, &parameters, &credentials))
    }

    /// Runs the interceptors' `before_signing` hooks on one attempt's
    /// parameters and checks what they set.
    fn intercept(
        &self,
        operation: &'static OperationMetadata,
        attempt: u32,
        parameters: &mut Vec<(String, String)>,
    ) -> Result<(), ConstructionError> {
        if self.call.interceptors.is_empty() {
            return Ok(());
        }
        self.call
            .interceptors
            .before_signing(operation, attempt, parameters);
        reject_names_set_by_interceptors(parameters)
    }

    fn sign(
        &self,
        operation: &'static OperationMetadata,
        parameters: &[(String, String)],
        credentials: &crate::credentials::Credentials,
    ) -> SignedRequest {
        let nonce = self.inner.config.nonce_source.nonce();
        let (query, body) = split_by_location(operation, parameters);
        sign_request(
            self.inner.config.signature_version,
            &SigningInput {
                method: operation.method,
                endpoint: &self.call.endpoint,
                action: operation.name,
                version: self.inner.product.version,
                parameters: &query,
                body: &body,
                credentials,
                timestamp: self.signing_time(),
                nonce: &nonce,
            },
        )
    }

    /// Sends one operation whose input is any `Serialize` value that
    /// flattens to parameters (a map, a JSON object, a struct), and decodes
    /// its response.
    pub async fn invoke<I, O, E>(
        &self,
        operation: &'static OperationMetadata,
        input: &I,
        parse_error: fn(&str) -> E,
    ) -> Result<O, SdkError<E>>
    where
        I: serde::Serialize + ?Sized,
        O: crate::de::FromJson,
    {
        match flatten_parameters(input) {
            Ok(parameters) => {
                self.invoke_with_parameters(operation, parameters, parse_error)
                    .await
            }
            Err(error) => self.conclude(
                operation,
                Err(SdkError::Construction(error)),
                0,
                Instant::now(),
            ),
        }
    }

    /// What a generated operation's `send` returns: the future that sends
    /// the operation, with its input's wire parameters (or why they could
    /// not be written, reported as [`SdkError::Construction`]), and decodes
    /// its response.
    ///
    /// It takes the runtime by value so that the future owns all it needs.
    /// Generated `send` methods are plain functions returning this named
    /// future rather than `async fn`s or `impl Future` of their own:
    /// compiling either per operation was the largest part of the client
    /// crate's build. Used by generated code only, hence hidden and exempt
    /// from semver.
    ///
    /// Never inlined: in an optimized build, inlining the boxing of the
    /// call into each of hundreds of `#[inline]` `send` methods made the
    /// compiler's MIR inliner the largest cost of the client crate.
    #[doc(hidden)]
    #[inline(never)]
    pub fn send_operation<O, E>(
        self,
        operation: &'static OperationMetadata,
        parameters: Result<Vec<(String, String)>, ConstructionError>,
        parse_error: fn(&str) -> E,
    ) -> OperationFuture<O, E>
    where
        O: crate::de::FromJson + Send + 'static,
        E: Send + 'static,
    {
        OperationFuture::new(async move {
            match parameters {
                Ok(parameters) => {
                    self.invoke_with_parameters(operation, parameters, parse_error)
                        .await
                }
                Err(error) => self.conclude(
                    operation,
                    Err(SdkError::Construction(error)),
                    0,
                    Instant::now(),
                ),
            }
        })
    }

    /// Sends one operation with its wire parameters already flattened (what
    /// generated inputs' `to_parameters` gives), and decodes its response:
    /// the one attempt loop behind [`Runtime::invoke`], generated `send`
    /// methods and waiters.
    pub(crate) async fn invoke_with_parameters<O, E>(
        &self,
        operation: &'static OperationMetadata,
        parameters: Vec<(String, String)>,
        parse_error: fn(&str) -> E,
    ) -> Result<O, SdkError<E>>
    where
        O: crate::de::FromJson,
    {
        let started = Instant::now();
        if let Err(error) = reject_reserved_names(&parameters) {
            return self.conclude(operation, Err(SdkError::Construction(error)), 0, started);
        }
        if let Some(invalid) = &self.call.invalid_endpoint {
            let error = ConstructionError::invalid_configuration(format!(
                "the endpoint override of this call cannot be used: {invalid}"
            ));
            return self.conclude(operation, Err(SdkError::Construction(error)), 0, started);
        }
        let span = tracing::info_span!(
            "aliyun.operation",
            product = self.inner.product.code,
            operation = operation.name,
            attempts = tracing::field::Empty,
        );
        let deadline = Instant::now() + self.call.timeouts.operation;
        let mut timer = self.inner.timers.timer(deadline);
        let mut attempts = AttemptCount::default();
        let result = self
            .run_attempts(
                operation,
                &parameters,
                parse_error,
                &mut timer,
                deadline,
                &mut attempts,
            )
            .instrument(span)
            .await;
        timer.recycle();
        self.conclude(operation, result, attempts.sent, started)
    }

    /// Hands a call's result to the interceptors' `on_result` hooks, and
    /// returns it.
    fn conclude<O, E>(
        &self,
        operation: &'static OperationMetadata,
        result: Result<O, SdkError<E>>,
        attempts: u32,
        started: Instant,
    ) -> Result<O, SdkError<E>> {
        if !self.call.interceptors.is_empty() {
            let outcome = match &result {
                Ok(_) => CallOutcome::Success,
                Err(error) => CallOutcome::Error {
                    kind: ErrorKind::of(error),
                    code: error.as_service_error().map(ServiceError::code),
                    http_status: error.http_status(),
                },
            };
            self.call.interceptors.on_result(&CallReport {
                operation,
                outcome,
                attempts,
                duration: started.elapsed(),
            });
        }
        result
    }

    /// Hands one attempt's report to the interceptors' `after_attempt`
    /// hooks.
    fn report_attempt(
        &self,
        operation: &'static OperationMetadata,
        attempt: u32,
        sent: SentAttempt,
        failure: Option<(FailureClass, Option<&str>)>,
        decision: RetryDecision,
    ) {
        if self.call.interceptors.is_empty() {
            return;
        }
        self.call.interceptors.after_attempt(&AttemptReport {
            operation,
            attempt,
            http_status: sent.http_status,
            error_code: failure.and_then(|(_, code)| code),
            latency: sent.latency,
            failure: failure.map(|(class, _)| class),
            decision,
        });
    }

    /// The attempts of one operation, all within `deadline`, which `timer`
    /// enforces: every wait of the operation (credentials, each attempt,
    /// each backoff) goes through it.
    async fn run_attempts<O: FromJson, E>(
        &self,
        operation: &'static OperationMetadata,
        parameters: &[(String, String)],
        parse_error: fn(&str) -> E,
        timer: &mut OperationTimer<'_>,
        deadline: Instant,
        attempts: &mut AttemptCount,
    ) -> Result<O, SdkError<E>> {
        loop {
            attempts.number += 1;
            attempts.counted += 1;
            tracing::Span::current().record("attempts", attempts.number);
            let attempt = Attempt {
                operation,
                parameters,
                parse_error,
                number: attempts.number,
                may_correct_clock: !attempts.clock_corrected,
            };
            let number = attempts.number;
            let (outcome, sent) = self.try_attempt(attempt, timer, deadline).await;
            attempts.sent += u32::from(sent.is_some());
            let failed = match outcome {
                AttemptOutcome::Succeeded(output) => {
                    if let Some(sent) = sent {
                        self.report_attempt(
                            operation,
                            number,
                            sent,
                            None,
                            RetryDecision::Succeeded,
                        );
                    }
                    if let Some(quota) = &self.inner.quota {
                        quota.release(attempts.retry_tokens_spent);
                    }
                    return Ok(output);
                }
                AttemptOutcome::ClockCorrected => {
                    if let Some(sent) = sent {
                        // The service refused the request unread, and it
                        // is sent again at once.
                        self.report_attempt(
                            operation,
                            number,
                            sent,
                            Some((FailureClass::RefusedRetryable, Some(CLOCK_SKEW_CODE))),
                            RetryDecision::Retry {
                                delay: Duration::ZERO,
                                reason: RetryReason::ClockSkewCorrected,
                            },
                        );
                    }
                    // The correction retry is free: the service refused the
                    // request unread.
                    attempts.clock_corrected = true;
                    attempts.counted -= 1;
                    continue;
                }
                AttemptOutcome::Ended(error) => {
                    if let Some(sent) = sent {
                        // Two kinds of failure end an attempt that was
                        // sent: the operation timeout, and a request that
                        // could not be built (a header value that is not
                        // HTTP, or one the test transport cannot answer).
                        let (class, reason) = match &error {
                            SdkError::Timeout(_) => {
                                (FailureClass::Transient, StopReason::OperationTimedOut)
                            }
                            _ => (FailureClass::Permanent, StopReason::RequestNotBuilt),
                        };
                        self.report_attempt(
                            operation,
                            number,
                            sent,
                            Some((class, None)),
                            RetryDecision::Stop(reason),
                        );
                    }
                    return Err(error);
                }
                AttemptOutcome::Failed(failed) => failed,
            };
            let decision = self.retry_delay(operation, &failed, attempts, deadline);
            if let Some(sent) = sent {
                let code = failed.error.as_service_error().map(ServiceError::code);
                self.report_attempt(
                    operation,
                    number,
                    sent,
                    Some((failed.class, code)),
                    match decision {
                        Ok((delay, reason)) => RetryDecision::Retry { delay, reason },
                        Err(reason) => RetryDecision::Stop(reason),
                    },
                );
            }
            match decision {
                Ok((delay, _)) => {
                    tracing::debug!(delay_ms = delay.as_millis() as u64, "retrying");
                    timer.sleep_until(Instant::now() + delay).await;
                }
                Err(_) => return Err(failed.error),
            }
        }
    }

    /// Signs and sends one attempt within the attempt and operation
    /// timeouts, and says how it ended, and what is known of it if it was
    /// sent.
    async fn try_attempt<O: FromJson, E>(
        &self,
        attempt: Attempt<'_, E>,
        timer: &mut OperationTimer<'_>,
        deadline: Instant,
    ) -> (AttemptOutcome<O, E>, Option<SentAttempt>) {
        let credentials = match timer.run_until(deadline, self.credentials()).await {
            Some(Ok(credentials)) => credentials,
            Some(Err(error)) => {
                return (AttemptOutcome::Ended(SdkError::Construction(error)), None)
            }
            None => return (AttemptOutcome::Ended(self.operation_timed_out()), None),
        };
        // Each attempt starts from the input's parameters: what the
        // interceptors change applies to this attempt alone.
        let intercepted;
        let parameters = if self.call.interceptors.is_empty() {
            attempt.parameters
        } else {
            let mut changed = attempt.parameters.to_vec();
            if let Err(error) = self.intercept(attempt.operation, attempt.number, &mut changed) {
                return (AttemptOutcome::Ended(SdkError::Construction(error)), None);
            }
            intercepted = changed;
            intercepted.as_slice()
        };
        let signed = self.sign(attempt.operation, parameters, &credentials);
        let span = tracing::info_span!(
            "aliyun.attempt",
            attempt = attempt.number,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        let attempt_limit = self.call.timeouts.attempt;
        let attempt_deadline = started + attempt_limit;
        let exchange = self
            .exchange(attempt.operation, parameters, &signed)
            .instrument(span.clone());
        let exchanged = match timer
            .run_until(attempt_deadline.min(deadline), exchange)
            .await
        {
            Some(exchanged) => exchanged,
            None if attempt_deadline < deadline => Err(AttemptFailure::Timeout(TimeoutError::new(
                TimeoutKind::Attempt,
                attempt_limit,
            ))),
            None => {
                let sent = SentAttempt {
                    http_status: None,
                    latency: started.elapsed(),
                };
                return (
                    AttemptOutcome::Ended(self.operation_timed_out()),
                    Some(sent),
                );
            }
        };
        let latency = started.elapsed();
        span.record("latency_ms", latency.as_millis() as u64);
        let http_status = match &exchanged {
            Ok(response) => Some(response.status),
            Err(AttemptFailure::Response(error)) => error.http_status(),
            Err(_) => None,
        };
        let outcome = match exchanged {
            Ok(response) => self.read_response(&attempt, response, &span),
            Err(failure) => failed_exchange(failure, &span),
        };
        (
            outcome,
            Some(SentAttempt {
                http_status,
                latency,
            }),
        )
    }

    /// How an attempt that got an HTTP answer ended: the decoded output, a
    /// clock-skew error to correct once, or a failure classified for the
    /// retry policy.
    fn read_response<O: FromJson, E>(
        &self,
        attempt: &Attempt<'_, E>,
        response: RawResponse,
        span: &tracing::Span,
    ) -> AttemptOutcome<O, E> {
        span.record("status", response.status);
        match decode_response::<O, E>(response.status, &response.body, attempt.parse_error) {
            Ok(output) => {
                // The body is read again only for a span that records it.
                if !span.is_disabled() {
                    if let Some(request_id) = success_request_id(&response.body) {
                        span.record("request_id", request_id.as_str());
                    }
                }
                span.in_scope(|| tracing::debug!("attempt succeeded"));
                AttemptOutcome::Succeeded(output)
            }
            Err(SdkError::Service(service)) => {
                if let Some(request_id) = service.request_id() {
                    span.record("request_id", request_id);
                }
                span.in_scope(|| {
                    tracing::debug!(code = service.code(), "service answered an error")
                });
                if service.code() == CLOCK_SKEW_CODE && attempt.may_correct_clock {
                    if let Some(server_time) = response.server_time() {
                        self.learn_clock_offset(server_time);
                        return AttemptOutcome::ClockCorrected;
                    }
                }
                let class =
                    classify_service_error(self.inner.product, service.code(), response.status);
                AttemptOutcome::Failed(FailedAttempt {
                    error: SdkError::Service(service),
                    class,
                    retry_after: response.retry_after,
                    timed_out: false,
                })
            }
            Err(other) => {
                let class = if response.status >= 500 {
                    FailureClass::Transient
                } else {
                    FailureClass::Permanent
                };
                span.in_scope(|| tracing::debug!(error = %other, "unreadable response"));
                AttemptOutcome::Failed(FailedAttempt {
                    error: other,
                    class,
                    retry_after: response.retry_after,
                    timed_out: false,
                })
            }
        }
    }

    /// How long to wait before the next attempt and why, or why the
    /// failure must be returned: the policy forbids resending the operation
    /// after it, the attempts are used up, the wait would outlast the
    /// operation timeout, or the retry quota is exhausted.
    fn retry_delay<E>(
        &self,
        operation: &'static OperationMetadata,
        failed: &FailedAttempt<E>,
        attempts: &mut AttemptCount,
        deadline: Instant,
    ) -> Result<(Duration, RetryReason), StopReason> {
        let retry = &self.call.retry;
        if !may_retry(operation, failed.class) {
            return Err(match failed.class {
                FailureClass::Permanent => StopReason::NotRetryable,
                _ => StopReason::NotIdempotent,
            });
        }
        if attempts.counted >= retry.max_attempts.max(1) {
            return Err(StopReason::AttemptsExhausted);
        }
        let (delay, reason) = match failed.retry_after {
            Some(hint) => (hint, RetryReason::ServerHint),
            None => (retry.backoff(attempts.counted), RetryReason::Backoff),
        };
        // A wait that would outlast the operation timeout cannot lead to
        // an answer; the failure at hand says more than a timeout would.
        if Instant::now() + delay >= deadline {
            tracing::debug!(
                delay_ms = delay.as_millis() as u64,
                "retry wait exceeds the operation timeout; not retrying"
            );
            return Err(StopReason::WaitExceedsOperationTimeout);
        }
        if let Some(quota) = &self.inner.quota {
            match quota.acquire(failed.timed_out) {
                Some(cost) => attempts.retry_tokens_spent += cost,
                None => {
                    tracing::debug!("retry quota exhausted; not retrying");
                    return Err(StopReason::RetryQuotaExhausted);
                }
            }
        }
        Ok((delay, reason))
    }

    /// The error of an operation that ran out of time, logged in the
    /// operation's span.
    fn operation_timed_out<E>(&self) -> SdkError<E> {
        let limit = self.call.timeouts.operation;
        tracing::warn!(timeout_ms = limit.as_millis() as u64, "operation timed out");
        SdkError::Timeout(TimeoutError::new(TimeoutKind::Operation, limit))
    }

    fn learn_clock_offset(&self, server_time: SystemTime) {
        let local = self.inner.config.clock.now();
        let offset = match server_time.duration_since(local) {
            Ok(ahead) => i64::try_from(ahead.as_millis()).unwrap_or(i64::MAX),
            Err(behind) => -i64::try_from(behind.duration().as_millis()).unwrap_or(i64::MAX),
        };
        tracing::info!(
            offset_ms = offset,
            "clock skew detected; correcting signature timestamps"
        );
        self.inner
            .clock_offset_millis
            .store(offset, Ordering::Relaxed);
    }

    /// Exchanges one attempt's request for its response: over the network,
    /// or with the configured test transport, which answers from the call's
    /// own parameters (it never sees the signed request, so it cannot
    /// record a secret).
    #[cfg_attr(not(feature = "test-util"), allow(unused_variables))]
    async fn exchange(
        &self,
        operation: &'static OperationMetadata,
        parameters: &[(String, String)],
        signed: &SignedRequest,
    ) -> Result<RawResponse, AttemptFailure> {
        #[cfg(feature = "test-util")]
        if let Some(transport) = &self.inner.config.test_transport {
            let response = transport
                .respond(operation, parameters)
                .map_err(AttemptFailure::Construction)?;
            // The body limit applies as it does to a response read from the
            // network.
            if response.body.len() > self.inner.config.response_body_limit {
                return Err(AttemptFailure::Response(ResponseError::new(
                    ResponseErrorKind::BodyTooLarge,
                    Some(response.status),
                    &[],
                )));
            }
            return Ok(RawResponse {
                status: response.status,
                retry_after: retry_after(&response.headers),
                date: response.headers.get(reqwest::header::DATE).cloned(),
                body: response.body,
            });
        }
        self.send(signed).await
    }

    /// Sends one signed request and reads the whole response, within the
    /// body limit (the caller enforces the attempt timeout).
    async fn send(&self, signed: &SignedRequest) -> Result<RawResponse, AttemptFailure> {
        let method = match signed.method() {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
        };
        let mut request = match request_url(self.call.root_url.as_ref(), signed.url()) {
            Some(url) => self.inner.http.request(method, url),
            None => self.inner.http.request(method, signed.url()),
        };
        for (name, value) in signed.headers() {
            request = request.header(*name, value.as_str());
        }
        if signed.method() == HttpMethod::Post {
            request = request.body(signed.body().to_vec());
        }
        let body_limit = self.inner.config.response_body_limit;
        let connect_timeout = self.call.timeouts.connect;
        let endpoint = self.call.endpoint.base_url();
        let response = request
            .send()
            .await
            .map_err(|error| transport_failure(error, connect_timeout, endpoint))?;
        read_response(response, body_limit, endpoint).await
    }
}

/// Wire parameters, by name.
type Parameters = Vec<(String, String)>;

/// The wire parameters of a call split into those of the query string and
/// those of the form body, by the location of the documented parameter each
/// one flattens from (`Tag.1.Key` from `Tag`). Only a `POST` has a body;
/// an operation without body parameters borrows the list as it is.
fn split_by_location<'a>(
    operation: &OperationMetadata,
    parameters: &'a [(String, String)],
) -> (Cow<'a, [(String, String)]>, Parameters) {
    let in_body = |name: &str| {
        operation.parameters.iter().any(|parameter| {
            parameter.location == ParameterLocation::Body
                && (name == parameter.name
                    || name
                        .strip_prefix(parameter.name)
                        .is_some_and(|rest| rest.starts_with('.')))
        })
    };
    let has_body = operation.method == HttpMethod::Post
        && operation
            .parameters
            .iter()
            .any(|parameter| parameter.location == ParameterLocation::Body);
    if !has_body {
        return (Cow::Borrowed(parameters), Vec::new());
    }
    let (body, query): (Vec<_>, Vec<_>) = parameters
        .iter()
        .cloned()
        .partition(|(name, _)| in_body(name));
    (Cow::Owned(query), body)
}

/// The endpoint's root URL, when parsing `base/` gives back exactly that
/// text (so appending a query to it is the same as parsing the whole URL).
fn parse_root_url(endpoint: &Endpoint) -> Option<reqwest::Url> {
    let root = format!("{}/", endpoint.base_url());
    reqwest::Url::parse(&root)
        .ok()
        .filter(|url| url.as_str() == root)
}

/// The URL of a signed request, built from the pre-parsed root URL: every
/// signed URL is the root followed by the query, and setting just the
/// query spares parsing the scheme and host (the host through IDNA
/// processing) on every attempt. `None` when the URL is not of that form;
/// the caller then parses it whole.
fn request_url(root: Option<&reqwest::Url>, signed_url: &str) -> Option<reqwest::Url> {
    let root = root?;
    let rest = signed_url.strip_prefix(root.as_str())?;
    let mut url = root.clone();
    if rest.is_empty() {
        return Some(url);
    }
    // A `#` would start a fragment when the whole URL is parsed; the signer
    // percent-encodes it, so this only guards the equivalence.
    let query = rest
        .strip_prefix('?')
        .filter(|query| !query.contains('#'))?;
    url.set_query(Some(query));
    Some(url)
}

/// Classifies a transport error. The URL is dropped from it: its query may
/// hold the security token. `endpoint` is the base URL, which holds none.
fn transport_failure(
    error: reqwest::Error,
    connect_timeout: Duration,
    endpoint: &str,
) -> AttemptFailure {
    let error = error.without_url();
    if error.is_builder() {
        return AttemptFailure::Construction(
            ConstructionError::invalid_input(
                "the request could not be built (a header value is not valid HTTP)",
            )
            .with_source(error),
        );
    }
    if error.is_connect() {
        if error.is_timeout() {
            return AttemptFailure::Timeout(TimeoutError::new(
                TimeoutKind::Connect,
                connect_timeout,
            ));
        }
        if let Some(failure) = tls_failure(&error) {
            return AttemptFailure::Dispatch(DispatchError::tls(failure, endpoint, error));
        }
        AttemptFailure::Dispatch(DispatchError::new(false, error).with_endpoint(endpoint))
    } else {
        AttemptFailure::Dispatch(DispatchError::new(true, error).with_endpoint(endpoint))
    }
}

/// The wait the service asks for before a retry, if it asks for one.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_retry_after)
}

async fn read_response(
    mut response: reqwest::Response,
    body_limit: usize,
    endpoint: &str,
) -> Result<RawResponse, AttemptFailure> {
    let status = response.status().as_u16();
    let headers = response.headers();
    let retry_after = retry_after(headers);
    let date = headers.get(reqwest::header::DATE).cloned();
    let too_large = |body: &[u8]| {
        AttemptFailure::Response(ResponseError::new(
            ResponseErrorKind::BodyTooLarge,
            Some(status),
            body,
        ))
    };
    if response
        .content_length()
        .is_some_and(|length| length > body_limit as u64)
    {
        return Err(too_large(&[]));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|error| {
        AttemptFailure::Dispatch(
            DispatchError::new(true, error.without_url()).with_endpoint(endpoint),
        )
    })? {
        if body.len() + chunk.len() > body_limit {
            return Err(too_large(&body));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(RawResponse {
        status,
        retry_after,
        date,
        body,
    })
}

/// Parameters the signer sets itself; an input that sets one would send it
/// twice.
const RESERVED_PARAMETERS: &[&str] = &[
    "AccessKeyId",
    "Action",
    "Format",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureNonce",
    "SignatureVersion",
    "Timestamp",
    "Version",
];

/// Checks the parameters after the interceptors changed them: none may be
/// one the signer sets, or have an empty name.
fn reject_names_set_by_interceptors(
    parameters: &[(String, String)],
) -> Result<(), ConstructionError> {
    if let Some((name, _)) = parameters
        .iter()
        .find(|(name, _)| name.is_empty() || RESERVED_PARAMETERS.contains(&name.as_str()))
    {
        let problem = if name.is_empty() {
            "a parameter with an empty name".to_owned()
        } else {
            format!("the parameter `{name}`, which the runtime sets when it signs the request")
        };
        return Err(ConstructionError::invalid_input(format!(
            "an interceptor's `before_signing` set {problem}; change the interceptor not to set it"
        )));
    }
    Ok(())
}

fn reject_reserved_names(parameters: &[(String, String)]) -> Result<(), ConstructionError> {
    match parameters
        .iter()
        .find(|(name, _)| RESERVED_PARAMETERS.contains(&name.as_str()))
    {
        Some((name, _)) => Err(ConstructionError::invalid_input(format!(
            "the parameter `{name}` is set by the runtime when it signs the request; remove it from the input"
        ))),
        None => Ok(()),
    }
}

fn credentials_error(error: CredentialsError) -> ConstructionError {
    match error.kind() {
        CredentialsErrorKind::NotConfigured => {
            ConstructionError::credentials_missing(error.searched_locations())
        }
        _ => ConstructionError::credentials_unavailable(
            format!("credentials could not be obtained from {}", error),
            Some(Box::new(error)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_built_from_the_root_equal_the_parsed_signed_urls() {
        let endpoint = Endpoint::from_url("http://127.0.0.1:8080").unwrap();
        let root = parse_root_url(&endpoint);
        assert!(root.is_some());
        for signed_url in [
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/?",
            "http://127.0.0.1:8080/?Action=X&SignatureNonce=ab12&Timestamp=2026-01-01T00%3A00%3A00Z&Signature=a%2Bb%3D",
            "http://127.0.0.1:8080/?Name=%E4%BD%A0%20~-._&Empty=&Flag",
        ] {
            let built = request_url(root.as_ref(), signed_url).expect("root-relative URL");
            assert_eq!(built, reqwest::Url::parse(signed_url).unwrap(), "{signed_url}");
        }
        for other in [
            "http://127.0.0.1:8081/?Action=X",
            "http://127.0.0.1:8080/path?Action=X",
            "http://127.0.0.1:8080/?Action=X#fragment",
        ] {
            assert_eq!(request_url(root.as_ref(), other), None, "{other}");
        }
    }

    #[test]
    fn https_and_named_hosts_have_a_root_url() {
        let endpoint = Endpoint::https("rds.aliyuncs.com").unwrap();
        let root = parse_root_url(&endpoint).expect("root URL");
        assert_eq!(root.as_str(), "https://rds.aliyuncs.com/");
    }
}
