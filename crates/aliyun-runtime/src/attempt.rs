//! The attempt loop: one call's attempts, each signed anew (fresh nonce
//! and timestamp) and sent within the attempt and operation timeouts,
//! until one succeeds or the retry policy says to stop.
//!
//! Tracing spans `aliyun.operation` and `aliyun.attempt` record the
//! operation, attempt number, HTTP status, request id and latency; never a
//! URL (its query may hold a security token) or a header value. The
//! interceptors' hooks run here too, so generated calls, waiters, pages and
//! [`Runtime::invoke`] all honour them.

use std::borrow::Cow;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use aliyun_codec::de::FromJson;
use aliyun_codec::metadata::{HttpMethod, OperationMetadata, ParameterLocation};
use aliyun_sign::signing::{sign_request, SignedRequest, SigningInput, SIGNER_PARAMETERS};
use tracing::Instrument as _;

use crate::credentials::{Credentials, CredentialsError, CredentialsErrorKind};
use crate::deadline::OperationTimer;
use crate::dispatch::{self, AttemptFailure, Destination, RawResponse};
use crate::error::{ConstructionError, SdkError, ServiceError, TimeoutError, TimeoutKind};
use crate::interceptor::{AttemptReport, RetryDecision, RetryReason, StopReason};
use crate::response::{decode_response, success_request_id};
use crate::retry::{classify_service_error, may_retry, FailureClass};
use crate::runtime::Runtime;

/// The error code that says the request's timestamp is too far from the
/// server's clock.
const CLOCK_SKEW_CODE: &str = "InvalidTimeStamp.Expired";

/// What one operation's attempt loop has counted so far.
#[derive(Debug, Default)]
pub(crate) struct AttemptCount {
    /// Attempts made, for traces.
    number: u32,
    /// Attempts sent (or whose sending was tried), for interceptors: an
    /// attempt that failed before it was signed is not one.
    pub(crate) sent: u32,
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
pub(crate) struct Attempt<'call, E> {
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

    pub(crate) async fn credentials(&self) -> Result<Credentials, ConstructionError> {
        self.inner
            .credentials
            .provide_credentials()
            .await
            .map_err(credentials_error)
    }

    /// Runs the interceptors' `before_signing` hooks on one attempt's
    /// parameters and checks what they set.
    pub(crate) fn intercept(
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

    pub(crate) fn sign(
        &self,
        operation: &'static OperationMetadata,
        parameters: &[(String, String)],
        credentials: &Credentials,
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
    pub(crate) async fn run_attempts<O: FromJson, E>(
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
        let destination = Destination {
            connector: self.inner.connector.as_ref(),
            root_url: self.call.root_url.as_ref(),
            endpoint: self.call.endpoint.base_url(),
            connect_timeout: self.call.timeouts.connect,
            body_limit: self.inner.config.response_body_limit,
        };
        let exchange = dispatch::exchange(&destination, &signed).instrument(span.clone());
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

/// Checks the parameters after the interceptors changed them: none may be
/// one the signer sets, or have an empty name.
fn reject_names_set_by_interceptors(
    parameters: &[(String, String)],
) -> Result<(), ConstructionError> {
    if let Some((name, _)) = parameters
        .iter()
        .find(|(name, _)| name.is_empty() || SIGNER_PARAMETERS.contains(&name.as_str()))
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

pub(crate) fn reject_reserved_names(
    parameters: &[(String, String)],
) -> Result<(), ConstructionError> {
    match parameters
        .iter()
        .find(|(name, _)| SIGNER_PARAMETERS.contains(&name.as_str()))
    {
        Some((name, _)) => Err(ConstructionError::invalid_input(format!(
            "the parameter `{name}` is set by the runtime when it signs the request; remove it from the input"
        ))),
        None => Ok(()),
    }
}

/// The error of a call without credentials: none configured anywhere, or
/// a configured source (named first) that failed.
fn credentials_error(error: CredentialsError) -> ConstructionError {
    match error.kind() {
        CredentialsErrorKind::NotConfigured => {
            ConstructionError::credentials_missing(error.searched_locations())
        }
        _ => {
            let searched = error.searched_locations();
            ConstructionError::credentials_unavailable(
                format!("credentials could not be obtained from {error}"),
                Some(Box::new(error)),
            )
            .with_searched_locations(searched)
        }
    }
}
