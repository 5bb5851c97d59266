//! Waiters: polling an operation until the resource reaches a state.
//!
//! A [`Waiter`] polls one operation and judges each response with its
//! acceptors, stopping at the first verdict that ends the wait: success
//! ends it with the decoded output, a failure state with an error, and
//! anything else means "poll again". The acceptors come from one of two
//! places, and the same polling loop runs both:
//!
//! * a static [`WaiterDefinition`] (the data of a waiter, defined in the
//!   model layer and re-exported here), which generated crates write for
//!   each waiter of the spec and [`Waiter::new`] runs: its acceptors are
//!   evaluated in order, a success acceptor ends the wait, a failure
//!   acceptor ends it with [`WaiterError::FailureState`], and a retry
//!   acceptor, or no match at all, means "poll again";
//! * a [`CustomAcceptor`] the program supplies at run time, which
//!   [`Waiter::with_acceptor`] runs: a closure or type that reads the raw
//!   JSON of each response and returns a [`Verdict`] (success, failure
//!   with a reason, or retry with what it saw), for states the spec
//!   defines no waiter for, or conditions only known at run time, such as
//!   the `aliyun-rds` CLI's `--waiter expr=<JMESPath> to=<value>`.
//!
//! An error answer ends the wait with [`WaiterError::Operation`], unless
//! its code is one the waiter retries on (its definition's, and those
//! given to [`Waiter::retry_on_errors`]). Between polls the waiter sleeps
//! with exponential backoff and jitter between a minimum and a maximum
//! delay (equal delays make a fixed interval), and gives up with
//! [`WaiterError::Timeout`], reporting what the last response held, once
//! the overall wait would exceed its maximum. Every poll is a call like
//! any other: the runtime's retry policy, timeouts and interceptors apply
//! to it, so a throttled poll is retried before the waiter ever sees it.
//! The output is decoded once, when the wait succeeded.
//!
//! Generated crates build a [`Waiter`] from an operation's request
//! builder; awaiting the waiter runs it. A tool that builds its parameters
//! at run time (the `aliyun-rds` CLI's `--wait-until` and `--waiter`)
//! builds one the same way.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use aliyun_codec::de::FromJson;
use aliyun_codec::metadata::OperationMetadata;
use aliyun_codec::parameters::ToParameters;
use rand::Rng;
use serde_json::Value;

use crate::error::{BoxError, SdkError};
use crate::runtime::Runtime;

/// The data of a waiter: what generated crates write and tools read.
pub use aliyun_codec::waiter::{
    values_at, Acceptor, AcceptorState, Condition, Matcher, Observation, PathSegment,
    WaiterDefinition,
};

/// The shortest wait between two polls of a waiter with a
/// [`CustomAcceptor`], unless [`Waiter::min_delay`] changes it: the
/// default interval of Alibaba's `aliyun` CLI's `--waiter`.
pub const CUSTOM_MIN_DELAY: Duration = Duration::from_secs(5);

/// The longest wait between two polls of a waiter with a
/// [`CustomAcceptor`], unless [`Waiter::max_delay`] changes it.
pub const CUSTOM_MAX_DELAY: Duration = Duration::from_secs(60);

/// What one response means for a wait, as a [`CustomAcceptor`] judges it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Verdict {
    /// The awaited state is reached: the wait ends with this response's
    /// output.
    Success,
    /// The awaited state can no longer come, so waiting longer is
    /// pointless: the wait ends with [`WaiterError::FailureVerdict`].
    Failure {
        /// Why, in words: the error message shows it.
        reason: String,
    },
    /// Not yet: poll again.
    Retry {
        /// What the response held where the acceptor looked, which
        /// [`WaiterError::Timeout`] reports if the wait runs out; may be
        /// empty.
        observed: Vec<Observation>,
    },
}

/// An acceptor a program supplies at run time: it judges every successful
/// response of a wait from its raw JSON, beside the static acceptors of a
/// [`WaiterDefinition`] that generated waiters run. [`Waiter::with_acceptor`]
/// runs one.
///
/// Closures taking `&Value` and returning `Result<Verdict, BoxError>`
/// implement it:
///
/// ```
/// use aliyun_runtime::error::BoxError;
/// use aliyun_runtime::waiter::{CustomAcceptor, Observation, Verdict};
/// use serde_json::{json, Value};
///
/// // Deleted once the instance is gone from the listing.
/// let deleted = |response: &Value| -> Result<Verdict, BoxError> {
///     let count = response["TotalRecordCount"]
///         .as_u64()
///         .ok_or("the response has no TotalRecordCount")?;
///     Ok(if count == 0 {
///         Verdict::Success
///     } else {
///         Verdict::Retry {
///             observed: vec![Observation {
///                 path: "TotalRecordCount".to_owned(),
///                 values: vec![count.to_string()],
///             }],
///         }
///     })
/// };
/// assert_eq!(deleted.judge(&json!({"TotalRecordCount": 0})).unwrap(), Verdict::Success);
/// assert!(deleted.judge(&json!({})).is_err());
/// ```
pub trait CustomAcceptor: Send + Sync {
    /// What `response`, a successful answer of the polled operation,
    /// means for the wait.
    ///
    /// # Errors
    ///
    /// Any error means the acceptor cannot judge the response (for example
    /// an expression that fails on it); the wait ends with
    /// [`WaiterError::Acceptor`], which keeps the error as its source.
    fn judge(&self, response: &Value) -> Result<Verdict, BoxError>;
}

impl<F> CustomAcceptor for F
where
    F: Fn(&Value) -> Result<Verdict, BoxError> + Send + Sync,
{
    fn judge(&self, response: &Value) -> Result<Verdict, BoxError> {
        self(response)
    }
}

/// The wait before the next poll, after `polls` polls: uniform between
/// `min_delay` and `min_delay * 2^(polls - 1)` capped at `max_delay`, so
/// that many clients waiting on one service spread their polls out. A
/// `max_delay` below `min_delay` is treated as equal to it.
pub fn backoff_delay(min_delay: Duration, max_delay: Duration, polls: u32) -> Duration {
    let max_delay = max_delay.max(min_delay);
    let exponent = polls.saturating_sub(1).min(31);
    let ceiling = min_delay
        .saturating_mul(1u32 << exponent)
        .clamp(min_delay, max_delay);
    let low = u64::try_from(min_delay.as_nanos()).unwrap_or(u64::MAX);
    let high = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
    if high <= low {
        return min_delay;
    }
    Duration::from_nanos(rand::rng().random_range(low..=high))
}

/// Why a wait ended without reaching the awaited state.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaiterError<E> {
    /// The maximum wait elapsed before any success or failure acceptor
    /// matched.
    Timeout {
        /// The waiter's name.
        waiter: &'static str,
        /// How long the waiter waited.
        elapsed: Duration,
        /// How many times it polled.
        attempts: u32,
        /// What the last successful poll held at the acceptors' paths;
        /// empty when no poll succeeded.
        last_observed: Vec<Observation>,
    },
    /// A failure acceptor matched: the resource is in a state from which the
    /// awaited one cannot come, so waiting longer is pointless.
    FailureState {
        /// The waiter's name.
        waiter: &'static str,
        /// The acceptor that matched.
        acceptor: &'static Acceptor,
        /// How many times the waiter polled.
        attempts: u32,
    },
    /// A [`CustomAcceptor`] judged a response a failure state
    /// ([`Verdict::Failure`]): waiting longer is pointless.
    FailureVerdict {
        /// The waiter's name.
        waiter: &'static str,
        /// Why, as the acceptor said.
        reason: String,
        /// How many times the waiter polled.
        attempts: u32,
    },
    /// A [`CustomAcceptor`] could not judge a response.
    Acceptor {
        /// The waiter's name.
        waiter: &'static str,
        /// How many times the waiter polled, the failed judgement's poll
        /// included.
        attempts: u32,
        /// The acceptor's error.
        source: BoxError,
    },
    /// A poll failed with an error the waiter does not retry on.
    Operation(SdkError<E>),
    /// A success acceptor matched but the response does not decode as the
    /// operation's output.
    Decode {
        /// The waiter's name.
        waiter: &'static str,
        /// The decoding error, naming the field.
        source: aliyun_codec::de::DecodeError,
    },
}

impl<E> fmt::Display for WaiterError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaiterError::Timeout {
                waiter,
                elapsed,
                attempts,
                last_observed,
            } => {
                write!(
                    f,
                    "waiter {waiter} gave up after {elapsed:?} and {attempts} polls without reaching its success state"
                )?;
                if !last_observed.is_empty() {
                    f.write_str("; last seen: ")?;
                    for (position, observation) in last_observed.iter().enumerate() {
                        if position > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{observation}")?;
                    }
                }
                f.write_str("; wait longer with a larger maximum wait, or check why the resource is not progressing")
            }
            WaiterError::FailureState {
                waiter,
                acceptor,
                attempts,
            } => write!(
                f,
                "waiter {waiter} stopped after {attempts} polls in a failure state: {acceptor}; waiting longer cannot succeed"
            ),
            WaiterError::FailureVerdict {
                waiter,
                reason,
                attempts,
            } => write!(
                f,
                "waiter {waiter} stopped after {attempts} polls in a failure state: {reason}; waiting longer cannot succeed"
            ),
            WaiterError::Acceptor {
                waiter,
                attempts,
                source,
            } => write!(
                f,
                "waiter {waiter} could not judge the response of poll {attempts}: {source}"
            ),
            WaiterError::Operation(error) => write!(f, "a poll of the waiter failed: {error}"),
            WaiterError::Decode { waiter, source } => write!(
                f,
                "waiter {waiter} reached its success state but the response does not decode as the operation's output; the service's answer differs from the spec at {}",
                match source.path() { "" => "the top level", path => path }
            ),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for WaiterError<E> {
    /// The cause. `Operation` shows the operation's error in `Display`, so
    /// its source is that error's own cause, as for [`SdkError`].
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaiterError::Operation(error) => error.source(),
            // Shown in `Display` too, like the operation's error.
            WaiterError::Acceptor { source, .. } => source.source(),
            WaiterError::Decode { source, .. } => Some(source),
            WaiterError::Timeout { .. }
            | WaiterError::FailureState { .. }
            | WaiterError::FailureVerdict { .. } => None,
        }
    }
}

/// The time source of the polling loop: the real clock in production, a
/// simulated one in unit tests so they need no real sleeping.
trait Timer {
    /// Time since the wait started.
    fn elapsed(&self) -> Duration;
    /// Sleeps for `delay`.
    fn sleep(&mut self, delay: Duration) -> impl Future<Output = ()> + Send;
}

/// The real clock.
struct TokioTimer {
    started: tokio::time::Instant,
}

impl Timer for TokioTimer {
    fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    fn sleep(&mut self, delay: Duration) -> impl Future<Output = ()> + Send {
        tokio::time::sleep(delay)
    }
}

/// The delays and deadline of one wait.
#[derive(Debug, Clone, Copy)]
struct Schedule {
    max_wait: Duration,
    min_delay: Duration,
    max_delay: Duration,
}

/// Where a waiter's acceptors come from.
#[derive(Clone)]
enum Acceptors {
    /// The static acceptors of a waiter of the spec.
    Definition(&'static WaiterDefinition),
    /// A program's own acceptor, with the name it gave the waiter.
    Custom {
        name: &'static str,
        acceptor: Arc<dyn CustomAcceptor>,
    },
}

/// What one successful response means for the wait, whichever acceptors
/// judged it.
enum Judgement<E> {
    /// The awaited state: decode the output and end.
    Success,
    /// Poll again; what the response held where the acceptors look.
    Retry(Vec<Observation>),
    /// The wait ends with this error.
    End(WaiterError<E>),
}

impl Acceptors {
    /// The waiter's name, for errors.
    fn name(&self) -> &'static str {
        match self {
            Acceptors::Definition(definition) => definition.name,
            Acceptors::Custom { name, .. } => name,
        }
    }

    /// Whether an error answer with `code` means polling again, by the
    /// acceptors' own list.
    fn retries_on(&self, code: &str) -> bool {
        match self {
            Acceptors::Definition(definition) => definition.retry_on_errors.contains(&code),
            Acceptors::Custom { .. } => false,
        }
    }

    /// Judges the response of poll number `attempts`.
    fn judge<E>(&self, response: &Value, attempts: u32) -> Judgement<E> {
        match self {
            Acceptors::Definition(definition) => match definition.evaluate(response) {
                Some(acceptor) if acceptor.state == AcceptorState::Success => Judgement::Success,
                Some(acceptor) if acceptor.state == AcceptorState::Failure => {
                    Judgement::End(WaiterError::FailureState {
                        waiter: definition.name,
                        acceptor,
                        attempts,
                    })
                }
                _ => Judgement::Retry(definition.observe(response)),
            },
            Acceptors::Custom { name, acceptor } => match acceptor.judge(response) {
                Ok(Verdict::Success) => Judgement::Success,
                Ok(Verdict::Failure { reason }) => Judgement::End(WaiterError::FailureVerdict {
                    waiter: name,
                    reason,
                    attempts,
                }),
                Ok(Verdict::Retry { observed }) => Judgement::Retry(observed),
                Err(source) => Judgement::End(WaiterError::Acceptor {
                    waiter: name,
                    attempts,
                    source,
                }),
            },
        }
    }
}

/// The polling loop, the one every waiter runs. `poll` sends one request
/// and answers its raw body; `retry_on_errors` adds error codes to the
/// acceptors' own.
async fn poll_until<O, E, P, F>(
    acceptors: &Acceptors,
    retry_on_errors: &[String],
    schedule: Schedule,
    timer: &mut impl Timer,
    mut poll: P,
) -> Result<O, WaiterError<E>>
where
    O: FromJson,
    P: FnMut() -> F,
    F: Future<Output = Result<Value, SdkError<E>>>,
{
    let mut attempts: u32 = 0;
    let mut last_observed = Vec::new();
    loop {
        attempts = attempts.saturating_add(1);
        match poll().await {
            Ok(response) => match acceptors.judge(&response, attempts) {
                Judgement::Success => {
                    return O::from_json(response).map_err(|source| WaiterError::Decode {
                        waiter: acceptors.name(),
                        source,
                    });
                }
                Judgement::End(error) => return Err(error),
                Judgement::Retry(observed) => last_observed = observed,
            },
            Err(error) => {
                let retried = error.as_service_error().is_some_and(|service| {
                    let code = service.code();
                    acceptors.retries_on(code)
                        || retry_on_errors.iter().any(|retried| retried == code)
                });
                if !retried {
                    return Err(WaiterError::Operation(error));
                }
            }
        }
        let elapsed = timer.elapsed();
        if elapsed >= schedule.max_wait {
            return Err(WaiterError::Timeout {
                waiter: acceptors.name(),
                elapsed,
                attempts,
                last_observed,
            });
        }
        // The last sleep is cut short so that one final poll happens at the
        // deadline rather than after it.
        let remaining = schedule.max_wait - elapsed;
        let delay = backoff_delay(schedule.min_delay, schedule.max_delay, attempts).min(remaining);
        timer.sleep(delay).await;
    }
}

/// A wait on one operation, ready to run: await it (or call
/// [`Waiter::wait`]) to poll until a success or failure state, an error, or
/// the maximum wait.
///
/// The delays between polls default to the waiter's definition (or, for a
/// [`CustomAcceptor`], to [`CUSTOM_MIN_DELAY`] and [`CUSTOM_MAX_DELAY`]);
/// a poll in flight when the maximum wait elapses is allowed to finish
/// (the client's operation timeout bounds it).
#[must_use = "a waiter does nothing until it is awaited"]
pub struct Waiter<I, O, E> {
    runtime: Runtime,
    operation: &'static OperationMetadata,
    input: I,
    parse_error: fn(&str) -> E,
    acceptors: Acceptors,
    retry_on_errors: Vec<String>,
    schedule: Schedule,
    output: PhantomData<fn() -> O>,
}

impl<I, O, E> Waiter<I, O, E> {
    /// A waiter that polls `operation` with `input` for at most `max_wait`,
    /// judging each response with the acceptors of `definition`;
    /// `parse_error` types the codes of error answers.
    pub fn new(
        runtime: Runtime,
        operation: &'static OperationMetadata,
        input: I,
        parse_error: fn(&str) -> E,
        definition: &'static WaiterDefinition,
        max_wait: Duration,
    ) -> Self {
        Waiter {
            runtime,
            operation,
            input,
            parse_error,
            acceptors: Acceptors::Definition(definition),
            retry_on_errors: Vec::new(),
            schedule: Schedule {
                max_wait,
                min_delay: definition.min_delay,
                max_delay: definition.max_delay,
            },
            output: PhantomData,
        }
    }

    /// A waiter that polls `operation` with `input` for at most `max_wait`,
    /// judging each response with `acceptor`, a program's own; `name`
    /// names the waiter in its errors, and `parse_error` types the codes of
    /// error answers.
    ///
    /// It runs as a waiter of the spec does, with the same backoff (from
    /// [`CUSTOM_MIN_DELAY`] to [`CUSTOM_MAX_DELAY`] unless changed),
    /// deadline, retries, interceptors and errors; an error answer ends the
    /// wait unless its code is given to [`Waiter::retry_on_errors`].
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// use aliyun_runtime::error::BoxError;
    /// use aliyun_runtime::metadata::OperationMetadata;
    /// use aliyun_runtime::waiter::{Verdict, Waiter};
    /// use aliyun_runtime::Runtime;
    /// use serde_json::Value;
    ///
    /// # async fn example(runtime: Runtime, describe: &'static OperationMetadata) -> Result<(), Box<dyn std::error::Error>> {
    /// // Polls every 2 seconds, for up to 10 minutes, until the instance
    /// // has the class the program asked for.
    /// let class = String::from("pg.n4.2c.1m");
    /// let parameters = vec![("DBInstanceId".to_owned(), "pgm-bp1example".to_owned())];
    /// let response: Value = Waiter::with_acceptor(
    ///     runtime,
    ///     describe,
    ///     parameters,
    ///     str::to_owned,
    ///     "InstanceClassChanged",
    ///     move |response: &Value| -> Result<Verdict, BoxError> {
    ///         let now = &response["Items"]["DBInstanceAttribute"][0]["DBInstanceClass"];
    ///         Ok(if now == class.as_str() {
    ///             Verdict::Success
    ///         } else {
    ///             Verdict::Retry { observed: Vec::new() }
    ///         })
    ///     },
    ///     Duration::from_secs(600),
    /// )
    /// .min_delay(Duration::from_secs(2))
    /// .max_delay(Duration::from_secs(2))
    /// .retry_on_errors(["OperationDenied.DBInstanceStatus"])
    /// .await?;
    /// # let _ = response;
    /// # Ok(())
    /// # }
    /// ```
    pub fn with_acceptor(
        runtime: Runtime,
        operation: &'static OperationMetadata,
        input: I,
        parse_error: fn(&str) -> E,
        name: &'static str,
        acceptor: impl CustomAcceptor + 'static,
        max_wait: Duration,
    ) -> Self {
        Waiter {
            runtime,
            operation,
            input,
            parse_error,
            acceptors: Acceptors::Custom {
                name,
                acceptor: Arc::new(acceptor),
            },
            retry_on_errors: Vec::new(),
            schedule: Schedule {
                max_wait,
                min_delay: CUSTOM_MIN_DELAY,
                max_delay: CUSTOM_MAX_DELAY,
            },
            output: PhantomData,
        }
    }

    /// Sets the overall limit of the wait.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.schedule.max_wait = max_wait;
        self
    }

    /// Sets the shortest wait between two polls, instead of the waiter's
    /// default.
    pub fn min_delay(mut self, min_delay: Duration) -> Self {
        self.schedule.min_delay = min_delay;
        self
    }

    /// Sets the longest wait between two polls, instead of the waiter's
    /// default. A value below the minimum delay is treated as equal to it.
    pub fn max_delay(mut self, max_delay: Duration) -> Self {
        self.schedule.max_delay = max_delay;
        self
    }

    /// Polls again, rather than ending the wait, after an error answer
    /// with one of these codes, besides those of the waiter's definition.
    pub fn retry_on_errors<C: Into<String>>(mut self, codes: impl IntoIterator<Item = C>) -> Self {
        self.retry_on_errors
            .extend(codes.into_iter().map(Into::into));
        self
    }

    /// Overrides the client's timeouts, retry settings or endpoint for every
    /// poll of this wait (see [`CallOverrides`](crate::CallOverrides)),
    /// sharing the client's connections, credentials and retry quota.
    pub fn customize(mut self, overrides: crate::config::CallOverrides) -> Self {
        self.runtime = self.runtime.with_overrides(overrides);
        self
    }

    /// The waiter's name: its definition's, or the one given to
    /// [`Waiter::with_acceptor`].
    pub fn name(&self) -> &'static str {
        self.acceptors.name()
    }

    /// The waiter's definition (its name, acceptors and default delays);
    /// `None` for a waiter with a [`CustomAcceptor`].
    pub fn definition(&self) -> Option<&'static WaiterDefinition> {
        match self.acceptors {
            Acceptors::Definition(definition) => Some(definition),
            Acceptors::Custom { .. } => None,
        }
    }

    /// The request every poll sends.
    pub fn as_input(&self) -> &I {
        &self.input
    }
}

impl<I, O, E> Waiter<I, O, E>
where
    I: ToParameters,
    O: FromJson,
{
    /// Polls until the awaited state, a failure state, an error or the
    /// maximum wait.
    ///
    /// # Errors
    ///
    /// [`WaiterError::Timeout`] when the maximum wait elapsed,
    /// [`WaiterError::FailureState`] when a failure acceptor matched,
    /// [`WaiterError::FailureVerdict`] when a [`CustomAcceptor`] judged a
    /// response a failure, [`WaiterError::Acceptor`] when it could not
    /// judge one, [`WaiterError::Operation`] when a poll failed with an
    /// error the waiter does not retry on, [`WaiterError::Decode`] when the
    /// final response does not decode as the output.
    pub async fn wait(self) -> Result<O, WaiterError<E>> {
        let Waiter {
            runtime,
            operation,
            input,
            parse_error,
            acceptors,
            retry_on_errors,
            schedule,
            output: _,
        } = self;
        // Every poll sends the same parameters; an input that cannot be
        // written fails before the first.
        let parameters = input
            .to_parameters()
            .map_err(|error| WaiterError::Operation(SdkError::Construction(error)))?;
        let mut timer = TokioTimer {
            started: tokio::time::Instant::now(),
        };
        poll_until(&acceptors, &retry_on_errors, schedule, &mut timer, || {
            runtime.invoke_with_parameters::<Value, E>(operation, parameters.clone(), parse_error)
        })
        .await
    }
}

impl<I, O, E> IntoFuture for Waiter<I, O, E>
where
    I: ToParameters + Send + Sync + 'static,
    O: FromJson + Send + 'static,
    E: Send + 'static,
{
    type Output = Result<O, WaiterError<E>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.wait())
    }
}

impl<I: fmt::Debug, O, E> fmt::Debug for Waiter<I, O, E> {
    // Written by hand so that only the input needs `Debug`; the input's own
    // `Debug` redacts its secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("waiter", &self.acceptors.name())
            .field("operation", &self.operation.name)
            .field("input", &self.input)
            .field("max_wait", &self.schedule.max_wait)
            .field("min_delay", &self.schedule.min_delay)
            .field("max_delay", &self.schedule.max_delay)
            .field("retry_on_errors", &self.retry_on_errors)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ServiceError, ServiceErrorMetadata};
    use serde_json::json;
    use std::collections::VecDeque;

    const STAGE: &[PathSegment] = &[
        PathSegment::Field("Items"),
        PathSegment::Index(0),
        PathSegment::Field("MigrateStage"),
    ];
    const STATE: &[PathSegment] = &[
        PathSegment::Field("Items"),
        PathSegment::Index(0),
        PathSegment::Field("ReplicationState"),
    ];
    static READY: WaiterDefinition = WaiterDefinition {
        name: "Ready",
        acceptors: &[
            Acceptor {
                state: AcceptorState::Success,
                conditions: &[
                    Condition::equals(STAGE, "increment"),
                    Condition::equals(STATE, "streaming"),
                ],
                description: None,
            },
            Acceptor {
                state: AcceptorState::Failure,
                conditions: &[Condition::equals(STAGE, "success")],
                description: Some("already switched over"),
            },
        ],
        retry_on_errors: &["Throttling.User"],
        min_delay: Duration::from_secs(2),
        max_delay: Duration::from_secs(30),
    };

    fn task(stage: &str, state: &str) -> Value {
        json!({"Items": [{"MigrateStage": stage, "ReplicationState": state}], "TotalSize": 1})
    }

    /// A simulated clock: sleeping advances it at once and is recorded.
    #[derive(Default)]
    struct SimulatedTimer {
        now: Duration,
        sleeps: Vec<Duration>,
    }

    impl Timer for SimulatedTimer {
        fn elapsed(&self) -> Duration {
            self.now
        }

        fn sleep(&mut self, delay: Duration) -> impl Future<Output = ()> + Send {
            self.now += delay;
            self.sleeps.push(delay);
            std::future::ready(())
        }
    }

    #[derive(Debug, PartialEq)]
    struct Code(String);

    fn service_error(code: &str) -> SdkError<Code> {
        SdkError::Service(ServiceError::new(
            Code(code.to_owned()),
            ServiceErrorMetadata {
                http_status: 400,
                code: code.to_owned(),
                ..ServiceErrorMetadata::default()
            },
        ))
    }

    /// Runs the loop over scripted answers; the last answer repeats.
    fn run(
        answers: Vec<Result<Value, SdkError<Code>>>,
        max_wait: Duration,
    ) -> (Result<Value, WaiterError<Code>>, u32, SimulatedTimer) {
        let schedule = Schedule {
            max_wait,
            min_delay: READY.min_delay,
            max_delay: READY.max_delay,
        };
        run_with(&Acceptors::Definition(&READY), &[], schedule, answers)
    }

    /// Runs the loop with `acceptors` over scripted answers; the last
    /// answer repeats.
    fn run_with(
        acceptors: &Acceptors,
        retry_on_errors: &[String],
        schedule: Schedule,
        answers: Vec<Result<Value, SdkError<Code>>>,
    ) -> (Result<Value, WaiterError<Code>>, u32, SimulatedTimer) {
        let mut answers: VecDeque<_> = answers.into();
        let mut polls = 0;
        let mut timer = SimulatedTimer::default();
        let future = poll_until(acceptors, retry_on_errors, schedule, &mut timer, || {
            polls += 1;
            let answer = if answers.len() > 1 {
                answers.pop_front()
            } else {
                answers.front().map(|answer| match answer {
                    Ok(value) => Ok(value.clone()),
                    Err(error) => Err(service_error(
                        error.as_service_error().map_or("", ServiceError::code),
                    )),
                })
            };
            std::future::ready(answer.unwrap_or_else(|| Ok(Value::Null)))
        });
        let result = block_on(future);
        (result, polls, timer)
    }

    /// A custom acceptor on the replication state: `streaming` is success,
    /// `finish` a failure, a missing state an error, anything else retry.
    fn streaming() -> Acceptors {
        Acceptors::Custom {
            name: "Streaming",
            acceptor: Arc::new(|response: &Value| -> Result<Verdict, BoxError> {
                let state = response["Items"][0]["ReplicationState"]
                    .as_str()
                    .ok_or("no ReplicationState")?;
                Ok(match state {
                    "streaming" => Verdict::Success,
                    "finish" => Verdict::Failure {
                        reason: "the task is finished".to_owned(),
                    },
                    other => Verdict::Retry {
                        observed: vec![Observation {
                            path: "ReplicationState".to_owned(),
                            values: vec![other.to_owned()],
                        }],
                    },
                })
            }),
        }
    }

    /// A fixed interval, as the CLI's `--waiter interval=` sets it.
    fn every(interval: Duration, max_wait: Duration) -> Schedule {
        Schedule {
            max_wait,
            min_delay: interval,
            max_delay: interval,
        }
    }

    /// Drives a future that never waits on anything external.
    fn block_on<T>(future: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a current-thread runtime")
            .block_on(future)
    }

    #[test]
    fn delays_stay_between_the_minimum_and_the_doubling_ceiling() {
        let min = Duration::from_secs(2);
        let max = Duration::from_secs(30);
        for polls in 0..40u32 {
            let ceiling = (min * 2u32.pow(polls.saturating_sub(1).min(10))).min(max);
            for _ in 0..50 {
                let delay = backoff_delay(min, max, polls);
                assert!(delay >= min && delay <= ceiling, "{polls}: {delay:?}");
            }
        }
        assert_eq!(backoff_delay(min, min, 7), min);
        // A maximum below the minimum means the minimum.
        assert_eq!(backoff_delay(min, Duration::from_secs(1), 5), min);
        assert_eq!(
            backoff_delay(Duration::ZERO, Duration::ZERO, 3),
            Duration::ZERO
        );
        // Jitter: over many draws, delays are not all the same.
        let draws: std::collections::BTreeSet<Duration> =
            (0..50).map(|_| backoff_delay(min, max, 5)).collect();
        assert!(draws.len() > 1);
    }

    #[test]
    fn success_after_polls_decodes_the_last_response() {
        let answers = vec![
            Ok(task("basebackup", "unstarted")),
            Ok(task("increment", "catchup")),
            Ok(task("increment", "streaming")),
        ];
        let (result, polls, timer) = run(answers, Duration::from_secs(600));
        let output = result.expect("success");
        assert_eq!(output["Items"][0]["ReplicationState"], "streaming");
        assert_eq!(polls, 3);
        assert_eq!(timer.sleeps.len(), 2);
        assert!(timer.sleeps.iter().all(|delay| *delay >= READY.min_delay));
    }

    #[test]
    fn a_failure_acceptor_ends_the_wait() {
        let answers = vec![
            Ok(task("increment", "catchup")),
            Ok(task("success", "finish")),
        ];
        let (result, polls, _) = run(answers, Duration::from_secs(600));
        match result {
            Err(WaiterError::FailureState {
                waiter,
                acceptor,
                attempts,
            }) => {
                assert_eq!(waiter, "Ready");
                assert_eq!(acceptor.state, AcceptorState::Failure);
                assert_eq!(attempts, 2);
                let message = WaiterError::<Code>::FailureState {
                    waiter,
                    acceptor,
                    attempts,
                }
                .to_string();
                assert!(
                    message
                        .contains("already switched over (Items[0].MigrateStage is \"success\")"),
                    "{message}"
                );
            }
            other => panic!("expected a failure state, got {other:?}"),
        }
        assert_eq!(polls, 2);
    }

    #[test]
    fn the_wait_never_exceeds_its_maximum_and_reports_the_last_state() {
        let max_wait = Duration::from_secs(100);
        let (result, polls, timer) = run(vec![Ok(task("increment", "catchup"))], max_wait);
        let error = result.expect_err("never ready");
        let message = error.to_string();
        match error {
            WaiterError::Timeout {
                elapsed,
                attempts,
                last_observed,
                ..
            } => {
                assert_eq!(elapsed, max_wait, "the last sleep is cut to the deadline");
                assert_eq!(attempts, polls);
                assert_eq!(
                    last_observed,
                    vec![
                        Observation {
                            path: "Items[0].MigrateStage".to_owned(),
                            values: vec!["increment".to_owned()],
                        },
                        Observation {
                            path: "Items[0].ReplicationState".to_owned(),
                            values: vec!["catchup".to_owned()],
                        },
                    ]
                );
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert!(
            message.contains("Items[0].ReplicationState = \"catchup\""),
            "{message}"
        );
        assert_eq!(timer.sleeps.iter().sum::<Duration>(), max_wait);
        assert!(timer.sleeps.iter().all(|delay| *delay <= READY.max_delay));
    }

    #[test]
    fn listed_error_codes_are_polled_again_and_others_end_the_wait() {
        let answers = vec![
            Err(service_error("Throttling.User")),
            Ok(task("increment", "streaming")),
        ];
        let (result, polls, _) = run(answers, Duration::from_secs(600));
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(polls, 2);

        let (result, polls, _) = run(
            vec![Err(service_error("InvalidParameter"))],
            Duration::from_secs(600),
        );
        match result {
            Err(WaiterError::Operation(SdkError::Service(error))) => {
                assert_eq!(error.code(), "InvalidParameter");
            }
            other => panic!("expected the operation's error, got {other:?}"),
        }
        assert_eq!(polls, 1);
    }

    #[test]
    fn an_undecodable_success_is_a_decode_error() {
        /// An output whose `TotalSize` is documented as a list, which the
        /// answer's number is not.
        #[derive(Debug)]
        struct Output;
        impl aliyun_codec::de::FromJson for Output {
            fn from_object(
                source: &mut dyn aliyun_codec::de::MapSource<'_>,
            ) -> aliyun_codec::de::Decoded<Self> {
                let mut object = aliyun_codec::de::Object::new(source);
                let mut total_size: Option<Vec<String>> = None;
                while let Some(name) = object.next_name() {
                    if name == "TotalSize" {
                        object.read(&name, &mut total_size);
                    }
                }
                object.finish(Output)
            }
        }
        let mut timer = SimulatedTimer::default();
        let schedule = Schedule {
            max_wait: Duration::from_secs(1),
            min_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
        };
        let result: Result<Output, WaiterError<Code>> = block_on(poll_until(
            &Acceptors::Definition(&READY),
            &[],
            schedule,
            &mut timer,
            || std::future::ready(Ok(task("increment", "streaming"))),
        ));
        let error = result.expect_err("TotalSize is a number");
        assert!(matches!(error, WaiterError::Decode { .. }), "{error:?}");
        assert!(std::error::Error::source(&error).is_some());
        assert!(error.to_string().contains("waiter Ready"), "{error}");
        assert!(error.to_string().contains("TotalSize"), "{error}");
    }

    #[test]
    fn a_custom_acceptor_runs_in_the_same_loop() {
        let interval = Duration::from_millis(500);
        let answers = vec![
            Ok(task("increment", "catchup")),
            Ok(task("increment", "catchup")),
            Ok(task("increment", "streaming")),
        ];
        let (result, polls, timer) = run_with(
            &streaming(),
            &[],
            every(interval, Duration::from_secs(60)),
            answers,
        );
        let output = result.expect("success");
        assert_eq!(output["Items"][0]["ReplicationState"], "streaming");
        assert_eq!(polls, 3);
        // A fixed interval: equal delays make no backoff and no jitter.
        assert_eq!(timer.sleeps, vec![interval, interval]);
    }

    #[test]
    fn a_custom_timeout_reports_what_the_acceptor_last_saw() {
        let interval = Duration::from_secs(2);
        let max_wait = Duration::from_secs(5);
        let (result, polls, timer) = run_with(
            &streaming(),
            &[],
            every(interval, max_wait),
            vec![Ok(task("increment", "catchup"))],
        );
        let error = result.expect_err("never streaming");
        let message = error.to_string();
        match error {
            WaiterError::Timeout {
                waiter,
                elapsed,
                attempts,
                last_observed,
            } => {
                assert_eq!(waiter, "Streaming");
                assert_eq!(elapsed, max_wait);
                assert_eq!(attempts, 4, "at 0, 2, 4 and the deadline, 5 s");
                assert_eq!(
                    last_observed,
                    vec![Observation {
                        path: "ReplicationState".to_owned(),
                        values: vec!["catchup".to_owned()],
                    }]
                );
            }
            other => panic!("expected a timeout, got {other:?}"),
        }
        assert_eq!(polls, 4);
        assert_eq!(
            timer.sleeps,
            vec![interval, interval, Duration::from_secs(1)],
            "the last pause is cut to the deadline"
        );
        assert!(
            message.contains("waiter Streaming gave up")
                && message.contains("ReplicationState = \"catchup\""),
            "{message}"
        );
    }

    #[test]
    fn a_custom_failure_verdict_or_judging_error_ends_the_wait() {
        let schedule = every(Duration::from_secs(1), Duration::from_secs(60));
        let answers = vec![
            Ok(task("increment", "catchup")),
            Ok(task("success", "finish")),
        ];
        let (result, polls, _) = run_with(&streaming(), &[], schedule, answers);
        let error = result.expect_err("finished");
        assert!(
            matches!(
                &error,
                WaiterError::FailureVerdict { waiter: "Streaming", reason, attempts: 2 }
                    if reason == "the task is finished"
            ),
            "{error:?}"
        );
        assert!(
            error
                .to_string()
                .contains("failure state: the task is finished"),
            "{error}"
        );
        assert_eq!(polls, 2);

        let (result, polls, _) =
            run_with(&streaming(), &[], schedule, vec![Ok(json!({"Items": []}))]);
        let error = result.expect_err("nothing to judge");
        match &error {
            WaiterError::Acceptor {
                waiter,
                attempts,
                source,
            } => {
                assert_eq!((*waiter, *attempts), ("Streaming", 1));
                assert_eq!(source.to_string(), "no ReplicationState");
            }
            other => panic!("expected the acceptor's error, got {other:?}"),
        }
        assert!(error.to_string().contains("no ReplicationState"), "{error}");
        assert_eq!(polls, 1);
    }

    #[test]
    fn retried_codes_add_to_the_acceptors_own() {
        let schedule = every(Duration::from_secs(1), Duration::from_secs(60));
        let throttled_then_ready = || {
            vec![
                Err(service_error("OperationDenied.DBInstanceStatus")),
                Err(service_error("Throttling.User")),
                Ok(task("increment", "streaming")),
            ]
        };
        // A custom acceptor retries only the codes it is given.
        let (result, polls, _) = run_with(&streaming(), &[], schedule, throttled_then_ready());
        assert!(
            matches!(result, Err(WaiterError::Operation(_))),
            "{result:?}"
        );
        assert_eq!(polls, 1);
        let extra = [
            "OperationDenied.DBInstanceStatus".to_owned(),
            "Throttling.User".to_owned(),
        ];
        let (result, polls, _) = run_with(&streaming(), &extra, schedule, throttled_then_ready());
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(polls, 3);
        // A definition's own codes (`Throttling.User`) still apply beside
        // the added ones.
        let added = ["OperationDenied.DBInstanceStatus".to_owned()];
        let (result, polls, _) = run_with(
            &Acceptors::Definition(&READY),
            &added,
            schedule,
            throttled_then_ready(),
        );
        assert!(result.is_ok(), "{result:?}");
        assert_eq!(polls, 3);
    }
}
