//! Interceptors: a program's own code run at fixed points of every call,
//! to change the request's parameters before it is signed, or to observe
//! each attempt and the final result (for metrics, logs or tests).
//!
//! An [`Interceptor`] has three hooks, each doing nothing unless
//! implemented:
//!
//! * [`before_signing`](Interceptor::before_signing), before each attempt
//!   is signed, with the action and the request's parameters, which it may
//!   read, add, change and remove ([`InterceptedRequest`]);
//! * [`after_attempt`](Interceptor::after_attempt), after each attempt,
//!   with its number, HTTP status, latency, failure class and what the
//!   retry policy decided ([`AttemptReport`]);
//! * [`on_result`](Interceptor::on_result), once per call, with its
//!   outcome, number of attempts and duration ([`CallReport`]).
//!
//! Interceptors are registered on the configuration
//! ([`ConfigBuilder::interceptor`](crate::ConfigBuilder::interceptor)) and
//! for one call ([`CallOverrides::interceptor`](crate::CallOverrides::interceptor),
//! through a builder's `customize`). Each hook runs the interceptors in the
//! order they were registered, the configuration's first, then the call's.
//!
//! # Parameters and retries
//!
//! Every attempt starts again from the parameters the call's input wrote:
//! `before_signing` runs before each attempt's signing, and what it changes
//! applies to that attempt alone. A hook that adds a parameter therefore
//! adds it to every attempt, and a hook that changes a value only for the
//! first attempt ([`InterceptedRequest::attempt`]) sends the input's value
//! on the retries. Changes never accumulate from one attempt to the next.
//! A parameter the signer sets itself (`Signature`, `AccessKeyId`,
//! `SecurityToken`, `Timestamp`, ...) cannot be added: the call fails with
//! a [`ConstructionError`](crate::ConstructionError) naming it.
//! [`Runtime::presign`](crate::Runtime::presign) runs `before_signing` as
//! for a first attempt, so that a dry run shows what would be sent; nothing
//! is sent, so the other hooks do not run.
//!
//! # Secrets
//!
//! Hooks see views built by the runtime, never the signed request: no
//! signature, no AccessKey id or secret, no STS token. The values of
//! sensitive parameters (see [`is_sensitive_parameter`]) read as
//! [`ParameterValue::Redacted`], in the views' accessors and in their
//! `Debug` output alike; a hook may still set such a parameter.
//!
//! # Example
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use std::sync::Arc;
//! use aliyun_runtime::interceptor::{AttemptReport, InterceptedRequest, Interceptor};
//! use aliyun_runtime::Config;
//!
//! /// Tags every request with the caller's name and counts retries.
//! #[derive(Default)]
//! struct Tagger {
//!     retries: AtomicU32,
//! }
//!
//! impl Interceptor for Tagger {
//!     fn before_signing(&self, request: &mut InterceptedRequest<'_>) {
//!         request.set("ResourceGroupId", "rg-billing");
//!     }
//!
//!     fn after_attempt(&self, attempt: &AttemptReport<'_>) {
//!         if attempt.decision().will_retry() {
//!             self.retries.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! }
//!
//! let tagger = Arc::new(Tagger::default());
//! let config = Config::builder().interceptor(tagger.clone()).build();
//! assert_eq!(config.interceptors().len(), 1);
//! ```
//!
//! Hooks are synchronous and run on the task that awaits the call: they
//! should be quick (record, count, set a parameter), and hand anything slow
//! to another task. A hook that panics panics that task.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use aliyun_codec::metadata::OperationMetadata;

use crate::error::SdkError;

pub use crate::retry::FailureClass;

/// Code of the program's own run at fixed points of every call; see the
/// [module documentation](self). Every hook does nothing unless
/// implemented.
pub trait Interceptor: Send + Sync {
    /// Called before each attempt is signed, with the parameters it will
    /// send; changes apply to this attempt only.
    fn before_signing(&self, request: &mut InterceptedRequest<'_>) {
        let _ = request;
    }

    /// Called after each attempt that was sent (or whose sending was
    /// tried), with how it ended and what happens next.
    fn after_attempt(&self, attempt: &AttemptReport<'_>) {
        let _ = attempt;
    }

    /// Called once when the call ends, successfully or not.
    fn on_result(&self, result: &CallReport<'_>) {
        let _ = result;
    }
}

/// The interceptors of a configuration or of one call, in order.
#[derive(Clone, Default)]
pub(crate) struct Interceptors(Vec<Arc<dyn Interceptor>>);

impl Interceptors {
    pub(crate) fn push(&mut self, interceptor: Arc<dyn Interceptor>) {
        self.0.push(interceptor);
    }

    pub(crate) fn extend(&mut self, other: Interceptors) {
        self.0.extend(other.0);
    }

    pub(crate) fn as_slice(&self) -> &[Arc<dyn Interceptor>] {
        &self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Runs every `before_signing` hook on `parameters`, in order.
    pub(crate) fn before_signing(
        &self,
        operation: &'static OperationMetadata,
        attempt: u32,
        parameters: &mut Vec<(String, String)>,
    ) {
        let mut request = InterceptedRequest {
            operation,
            attempt,
            parameters,
        };
        for interceptor in &self.0 {
            interceptor.before_signing(&mut request);
        }
    }

    pub(crate) fn after_attempt(&self, report: &AttemptReport<'_>) {
        for interceptor in &self.0 {
            interceptor.after_attempt(report);
        }
    }

    pub(crate) fn on_result(&self, report: &CallReport<'_>) {
        for interceptor in &self.0 {
            interceptor.on_result(report);
        }
    }
}

impl fmt::Debug for Interceptors {
    /// Interceptors are the program's own types, which need not be
    /// `Debug`: only their number is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} interceptor(s)", self.0.len())
    }
}

/// Whether the value of the wire parameter `name` is a secret that hooks
/// must not read: any name mentioning a password or a secret (the rule by
/// which the generated types' `Debug` redacts, applied here to every part
/// of a flattened name such as `Accounts.1.AccountPassword`), and the
/// signer's own `Signature`, `AccessKeyId` and `SecurityToken`.
pub fn is_sensitive_parameter(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.contains("password")
        || lower.contains("secret")
        || matches!(name, "Signature" | "AccessKeyId" | "SecurityToken")
}

/// The value of a parameter as a hook sees it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum ParameterValue<'a> {
    /// The value as it will be sent.
    Plain(&'a str),
    /// The parameter is set, but its value is a secret
    /// ([`is_sensitive_parameter`]).
    Redacted,
}

impl<'a> ParameterValue<'a> {
    /// The value, unless it is redacted.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            ParameterValue::Plain(value) => Some(value),
            ParameterValue::Redacted => None,
        }
    }
}

impl fmt::Debug for ParameterValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterValue::Plain(value) => fmt::Debug::fmt(value, f),
            ParameterValue::Redacted => f.write_str("<redacted>"),
        }
    }
}

impl fmt::Display for ParameterValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParameterValue::Plain(value) => f.write_str(value),
            ParameterValue::Redacted => f.write_str("<redacted>"),
        }
    }
}

/// The request of one attempt before it is signed, as
/// [`Interceptor::before_signing`] sees it: the operation and its wire
/// parameters (`Tag.1.Key` for a list of structs), without the signer's.
pub struct InterceptedRequest<'a> {
    operation: &'static OperationMetadata,
    attempt: u32,
    parameters: &'a mut Vec<(String, String)>,
}

impl<'a> InterceptedRequest<'a> {
    /// The action, such as `DescribeDBInstances`.
    pub fn action(&self) -> &'static str {
        self.operation.name
    }

    /// The operation's metadata: its method, idempotency, documented
    /// parameters and errors.
    pub fn operation(&self) -> &'static OperationMetadata {
        self.operation
    }

    /// The number of the attempt about to be signed, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The value of a parameter, if it is set.
    pub fn get(&self, name: &str) -> Option<ParameterValue<'_>> {
        self.parameters
            .iter()
            .find(|(parameter, _)| parameter == name)
            .map(|(name, value)| view(name, value))
    }

    /// Whether a parameter is set (even one whose value is redacted).
    pub fn contains(&self, name: &str) -> bool {
        self.parameters
            .iter()
            .any(|(parameter, _)| parameter == name)
    }

    /// Every parameter, in the order they will be written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, ParameterValue<'_>)> + '_ {
        self.parameters
            .iter()
            .map(|(name, value)| (name.as_str(), view(name, value)))
    }

    /// The number of parameters.
    pub fn len(&self) -> usize {
        self.parameters.len()
    }

    /// Whether there is no parameter at all.
    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty()
    }

    /// Sets a parameter: replaces its value if it is set, else adds it
    /// after the others.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let name = name.into();
        let value = value.into();
        match self
            .parameters
            .iter_mut()
            .find(|(parameter, _)| *parameter == name)
        {
            Some((_, existing)) => *existing = value,
            None => self.parameters.push((name, value)),
        }
    }

    /// Removes a parameter; says whether it was set.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.parameters.len();
        self.parameters.retain(|(parameter, _)| parameter != name);
        self.parameters.len() != before
    }
}

fn view<'v>(name: &str, value: &'v str) -> ParameterValue<'v> {
    if is_sensitive_parameter(name) {
        ParameterValue::Redacted
    } else {
        ParameterValue::Plain(value)
    }
}

impl fmt::Debug for InterceptedRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InterceptedRequest")
            .field("action", &self.action())
            .field("attempt", &self.attempt)
            .field("parameters", &DebugParameters(self))
            .finish()
    }
}

struct DebugParameters<'r, 'a>(&'r InterceptedRequest<'a>);

impl fmt::Debug for DebugParameters<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.0.iter()).finish()
    }
}

/// What the retry policy decided after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryDecision {
    /// The attempt succeeded: the call is over.
    Succeeded,
    /// Another attempt follows after `delay`.
    Retry {
        /// The wait before the next attempt.
        delay: Duration,
        /// Where the wait comes from.
        reason: RetryReason,
    },
    /// No further attempt: the attempt's failure is the call's.
    Stop(StopReason),
}

impl RetryDecision {
    /// Whether another attempt follows.
    pub fn will_retry(&self) -> bool {
        matches!(self, RetryDecision::Retry { .. })
    }
}

/// Why another attempt follows after the wait it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// The wait is the policy's exponential backoff with jitter.
    Backoff,
    /// The service asked for this wait (`x-acs-retry-after`).
    ServerHint,
    /// The service said the request's timestamp was off; the clock was
    /// corrected from its `Date` and the request is sent again at once,
    /// without counting against the attempts.
    ClockSkewCorrected,
}

/// Why a failed attempt is not retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StopReason {
    /// Retrying would not help ([`FailureClass::Permanent`]).
    NotRetryable,
    /// The request may have run, and the operation is not idempotent.
    NotIdempotent,
    /// The call used all its attempts (`RetryConfig::max_attempts`).
    AttemptsExhausted,
    /// The wait before another attempt would outlast the operation
    /// timeout.
    WaitExceedsOperationTimeout,
    /// The client's retry quota is spent: the service is failing often.
    RetryQuotaExhausted,
    /// The operation timeout elapsed during the attempt.
    OperationTimedOut,
    /// The request could not be built or answered locally.
    RequestNotBuilt,
}

/// One attempt as [`Interceptor::after_attempt`] sees it.
#[derive(Clone)]
pub struct AttemptReport<'a> {
    pub(crate) operation: &'static OperationMetadata,
    pub(crate) attempt: u32,
    pub(crate) http_status: Option<u16>,
    pub(crate) error_code: Option<&'a str>,
    pub(crate) latency: Duration,
    pub(crate) failure: Option<FailureClass>,
    pub(crate) decision: RetryDecision,
}

impl<'a> AttemptReport<'a> {
    /// The action, such as `DescribeDBInstances`.
    pub fn action(&self) -> &'static str {
        self.operation.name
    }

    /// The operation's metadata.
    pub fn operation(&self) -> &'static OperationMetadata {
        self.operation
    }

    /// The attempt's number, 1 for the first.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The HTTP status, when a response arrived.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The service's error code, when it answered an error.
    pub fn error_code(&self) -> Option<&'a str> {
        self.error_code
    }

    /// From sending the request to having read the whole response (or
    /// giving up on it).
    pub fn latency(&self) -> Duration {
        self.latency
    }

    /// How the attempt failed as far as retrying goes, or `None` when it
    /// succeeded.
    pub fn failure(&self) -> Option<FailureClass> {
        self.failure
    }

    /// What happens next.
    pub fn decision(&self) -> RetryDecision {
        self.decision
    }
}

impl fmt::Debug for AttemptReport<'_> {
    /// The operation by its action alone: its whole metadata (parameters,
    /// error table) would drown the report.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AttemptReport")
            .field("action", &self.action())
            .field("attempt", &self.attempt)
            .field("http_status", &self.http_status)
            .field("error_code", &self.error_code)
            .field("latency", &self.latency)
            .field("failure", &self.failure)
            .field("decision", &self.decision)
            .finish()
    }
}

/// The kind of error a call ended with: the variant of its
/// [`SdkError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The request could not be built (bad input, bad configuration or no
    /// credentials).
    Construction,
    /// A timeout elapsed.
    Timeout,
    /// The connection failed.
    Dispatch,
    /// The response could not be read or understood.
    Response,
    /// The service answered with an error.
    Service,
}

impl ErrorKind {
    pub(crate) fn of<E>(error: &SdkError<E>) -> Self {
        match error {
            SdkError::Construction(_) => ErrorKind::Construction,
            SdkError::Timeout(_) => ErrorKind::Timeout,
            SdkError::Dispatch(_) => ErrorKind::Dispatch,
            SdkError::Response(_) => ErrorKind::Response,
            SdkError::Service(_) => ErrorKind::Service,
            // A paginator makes this error after a call that succeeded, so
            // no call reports it; were one to, the service's answer is
            // what is wrong (it repeated a page token).
            SdkError::Pagination(_) => ErrorKind::Response,
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CallOutcome<'a> {
    /// The service answered and the answer decoded.
    Success,
    /// The call failed.
    Error {
        /// The kind of error.
        kind: ErrorKind,
        /// The service's error code, for [`ErrorKind::Service`].
        code: Option<&'a str>,
        /// The HTTP status, when a response arrived.
        http_status: Option<u16>,
    },
}

/// A finished call as [`Interceptor::on_result`] sees it.
#[derive(Clone)]
pub struct CallReport<'a> {
    pub(crate) operation: &'static OperationMetadata,
    pub(crate) outcome: CallOutcome<'a>,
    pub(crate) attempts: u32,
    pub(crate) duration: Duration,
}

impl<'a> CallReport<'a> {
    /// The action, such as `DescribeDBInstances`.
    pub fn action(&self) -> &'static str {
        self.operation.name
    }

    /// The operation's metadata.
    pub fn operation(&self) -> &'static OperationMetadata {
        self.operation
    }

    /// How the call ended.
    pub fn outcome(&self) -> CallOutcome<'a> {
        self.outcome
    }

    /// Whether the call succeeded.
    pub fn is_success(&self) -> bool {
        self.outcome == CallOutcome::Success
    }

    /// The attempts made, a clock-skew correction included; 0 when the
    /// call failed before its first attempt (an input or a configuration
    /// that cannot be used, no credentials).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// From the start of the call to its end, waits between attempts
    /// included.
    pub fn duration(&self) -> Duration {
        self.duration
    }
}

impl fmt::Debug for CallReport<'_> {
    /// The operation by its action alone, as in [`AttemptReport`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallReport")
            .field("action", &self.action())
            .field("outcome", &self.outcome)
            .field("attempts", &self.attempts)
            .field("duration", &self.duration)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_secrets_and_signer_parameters_are_sensitive() {
        for name in [
            "AccountPassword",
            "Accounts.1.SourcePassword",
            "ClientSecret",
            "AccessKeySecret",
            "Signature",
            "SecurityToken",
            "AccessKeyId",
        ] {
            assert!(is_sensitive_parameter(name), "{name}");
        }
        for name in ["DBInstanceId", "ClientToken", "NextToken", "Tag.1.Key"] {
            assert!(!is_sensitive_parameter(name), "{name}");
        }
    }

    /// An operation with a sensitive parameter, for the views.
    static OPERATION: OperationMetadata = OperationMetadata {
        name: "CreateAccount",
        rust_name: "create_account",
        summary: "",
        method: aliyun_codec::metadata::HttpMethod::Post,
        pathname: "/",
        idempotency: aliyun_codec::metadata::Idempotency {
            operation_type: "create",
            idempotent: false,
        },
        deprecated: false,
        parameters: &[],
        error_rows: &[],
        error_table: &[],
        sample_response: None,
    };

    #[test]
    fn redacted_values_are_hidden_from_getters_and_debug() {
        let mut parameters = vec![
            ("AccountName".to_owned(), "app".to_owned()),
            ("AccountPassword".to_owned(), "hunter2-value".to_owned()),
        ];
        let mut request = InterceptedRequest {
            operation: &OPERATION,
            attempt: 1,
            parameters: &mut parameters,
        };
        assert_eq!(
            request.get("AccountName"),
            Some(ParameterValue::Plain("app"))
        );
        assert_eq!(
            request.get("AccountPassword"),
            Some(ParameterValue::Redacted)
        );
        assert!(request.contains("AccountPassword"));
        let debug = format!("{request:?}");
        assert!(!debug.contains("hunter2-value"), "{debug}");
        assert!(debug.contains("<redacted>"), "{debug}");

        request.set("AccountName", "web");
        request.set("AccountDescription", "front end");
        assert!(request.remove("AccountPassword"));
        assert!(!request.remove("AccountPassword"));
        assert_eq!(
            parameters,
            vec![
                ("AccountName".to_owned(), "web".to_owned()),
                ("AccountDescription".to_owned(), "front end".to_owned()),
            ]
        );
    }

    #[test]
    fn reports_name_the_operation_by_its_action() {
        let attempt = AttemptReport {
            operation: &OPERATION,
            attempt: 2,
            http_status: Some(400),
            error_code: Some("Throttling"),
            latency: Duration::from_millis(3),
            failure: Some(FailureClass::RefusedRetryable),
            decision: RetryDecision::Stop(StopReason::AttemptsExhausted),
        };
        let call = CallReport {
            operation: &OPERATION,
            outcome: CallOutcome::Success,
            attempts: 2,
            duration: Duration::from_millis(5),
        };
        for debug in [format!("{attempt:?}"), format!("{call:?}")] {
            assert!(debug.contains("action: \"CreateAccount\""), "{debug}");
            assert!(!debug.contains("idempotency"), "{debug}");
        }
    }
}
