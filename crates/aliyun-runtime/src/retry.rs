//! The standard retry policy: which failures may be retried, how long to
//! wait, and how many retries a client may spend.
//!
//! * Idempotent operations retry transient failures: throttling, 5xx,
//!   connect failures, timeouts, dropped connections.
//! * Non-idempotent operations retry only failures that prove the service
//!   never acted: a connection that was never established, and errors the
//!   product's gateway table marks `refused_before_execution && retryable`
//!   (throttling). Never after a 5xx, a read timeout or a dropped
//!   connection.
//! * Waits are exponential with full jitter, capped; a server's
//!   `x-acs-retry-after` header replaces the computed wait. Its unit is
//!   milliseconds (`1500`); a seconds form with a suffix (`2s`, `1.5s`) and
//!   an explicit `ms` suffix are accepted too.
//! * A client-wide retry quota (a token bucket, as in the AWS SDKs) stops
//!   retry storms when the service is failing: each retry takes tokens, each
//!   success gives some back, and with the bucket empty failures are
//!   returned at once.

use std::sync::Mutex;
use std::time::Duration;

use aliyun_codec::metadata::{OperationMetadata, ProductMetadata};
use rand::Rng;

/// Retry settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    /// Attempts per operation, the first included (default 3; 1 disables
    /// retries).
    pub max_attempts: u32,
    /// The base of the exponential backoff (default 100 ms).
    pub initial_backoff: Duration,
    /// The longest wait between attempts (default 20 s).
    pub max_backoff: Duration,
    /// The client-wide retry quota; `None` disables it.
    pub quota: Option<RetryQuotaConfig>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_attempts: 3,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(20),
            quota: Some(RetryQuotaConfig::default()),
        }
    }
}

impl RetryConfig {
    /// A single attempt, no retries.
    pub fn disabled() -> Self {
        RetryConfig {
            max_attempts: 1,
            ..RetryConfig::default()
        }
    }

    /// Sets the number of attempts (at least one).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the backoff base and cap.
    pub fn with_backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max;
        self
    }

    /// Sets or removes the retry quota.
    pub fn with_quota(mut self, quota: Option<RetryQuotaConfig>) -> Self {
        self.quota = quota;
        self
    }

    /// The full-jitter wait before retry number `retry` (1 for the first
    /// retry): uniform in `[0, min(max, initial * 2^(retry-1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let ceiling = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(rand::rng().random_range(0..=nanos))
    }
}

/// The token bucket limiting retries across a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryQuotaConfig {
    /// Tokens in a full bucket (default 500).
    pub capacity: u32,
    /// Tokens a retry after an error response takes (default 5).
    pub retry_cost: u32,
    /// Tokens a retry after a timeout or connection failure takes
    /// (default 10): those failures are costlier to repeat.
    pub timeout_retry_cost: u32,
    /// Tokens a first-attempt success gives back (default 1).
    pub success_refund: u32,
}

impl Default for RetryQuotaConfig {
    fn default() -> Self {
        RetryQuotaConfig {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        }
    }
}

/// The live token bucket of one runtime.
#[derive(Debug)]
pub(crate) struct RetryQuota {
    config: RetryQuotaConfig,
    available: Mutex<u32>,
}

impl RetryQuota {
    pub(crate) fn new(config: RetryQuotaConfig) -> Self {
        RetryQuota {
            config,
            available: Mutex::new(config.capacity),
        }
    }

    /// Takes the cost of one retry; `None` when the bucket cannot pay.
    pub(crate) fn acquire(&self, after_timeout: bool) -> Option<u32> {
        let cost = if after_timeout {
            self.config.timeout_retry_cost
        } else {
            self.config.retry_cost
        };
        let mut available = self
            .available
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if *available < cost {
            return None;
        }
        *available -= cost;
        Some(cost)
    }

    /// Gives tokens back after a success: what the operation's retries
    /// took, or the first-attempt refund.
    pub(crate) fn release(&self, spent: u32) {
        let refund = if spent > 0 {
            spent
        } else {
            self.config.success_refund
        };
        let mut available = self
            .available
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *available = available.saturating_add(refund).min(self.config.capacity);
    }
}

/// What went wrong in one attempt, as far as retrying goes: the class the
/// policy decides by, which interceptors see in
/// [`AttemptReport::failure`](crate::interceptor::AttemptReport::failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureClass {
    /// Nothing reached the service (connection never established).
    NotSent,
    /// The service refused the request before running it and the condition
    /// is transient (throttling).
    RefusedRetryable,
    /// A transient failure after which the service may have acted (5xx,
    /// attempt timeout, dropped connection).
    Transient,
    /// Retrying would not help.
    Permanent,
}

/// Codes that mean "try later" for idempotent operations even when the
/// product's gateway table does not list them.
const TRANSIENT_CODES: &[&str] = &[
    "ServiceUnavailable",
    "SystemBusy",
    "InternalError",
    "ServiceBusy",
    "RequestTimeout",
];

/// Classifies a service error by code and status.
pub(crate) fn classify_service_error(
    product: &ProductMetadata,
    code: &str,
    http_status: u16,
) -> FailureClass {
    if let Some(gateway) = product.gateway_error(code) {
        if gateway.retryable {
            return if gateway.refused_before_execution {
                FailureClass::RefusedRetryable
            } else {
                FailureClass::Transient
            };
        }
        return FailureClass::Permanent;
    }
    if code.starts_with("Throttling") || TRANSIENT_CODES.contains(&code) || http_status >= 500 {
        FailureClass::Transient
    } else {
        FailureClass::Permanent
    }
}

/// Whether a failure of `class` may be retried for `operation`.
pub(crate) fn may_retry(operation: &OperationMetadata, class: FailureClass) -> bool {
    match class {
        FailureClass::NotSent | FailureClass::RefusedRetryable => true,
        FailureClass::Transient => operation.idempotency.idempotent,
        FailureClass::Permanent => false,
    }
}

/// Parses `x-acs-retry-after`: milliseconds, or a number with an `s` or
/// `ms` suffix.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let (number, scale_to_ms) = if let Some(number) = value.strip_suffix("ms") {
        (number, 1.0)
    } else if let Some(number) = value.strip_suffix('s') {
        (number, 1000.0)
    } else {
        (value, 1.0)
    };
    let number: f64 = number.trim().parse().ok()?;
    let milliseconds = number * scale_to_ms;
    if !milliseconds.is_finite() || !(0.0..=86_400_000.0).contains(&milliseconds) {
        return None;
    }
    Some(Duration::from_secs_f64(milliseconds / 1000.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_units() {
        assert_eq!(parse_retry_after("1500"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_retry_after("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_retry_after("2s"), Some(Duration::from_secs(2)));
        assert_eq!(
            parse_retry_after("1.5 s"),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn backoff_stays_under_the_exponential_ceiling_and_the_cap() {
        let config = RetryConfig::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(300));
        for _ in 0..200 {
            assert!(config.backoff(1) <= Duration::from_millis(100));
            assert!(config.backoff(2) <= Duration::from_millis(200));
            assert!(config.backoff(10) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn quota_empties_and_refills() {
        let quota = RetryQuota::new(RetryQuotaConfig {
            capacity: 10,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        });
        assert_eq!(quota.acquire(false), Some(5));
        assert_eq!(quota.acquire(true), None);
        assert_eq!(quota.acquire(false), Some(5));
        assert_eq!(quota.acquire(false), None);
        quota.release(5);
        assert_eq!(quota.acquire(false), Some(5));
    }
}
