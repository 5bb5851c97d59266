//! Waiters: polling an operation until the resource reaches a state.
//!
//! A [`Waiter`] polls one operation and evaluates the acceptors of its
//! [`WaiterDefinition`] (the data of a waiter, defined in the model layer
//! and re-exported here) on each response, stopping at the first that
//! matches: a success acceptor ends the wait with the decoded output, a
//! failure acceptor with [`WaiterError::FailureState`], and a retry
//! acceptor, or no match at all, means "poll again".
//!
//! An error answer ends the wait with [`WaiterError::Operation`], unless its
//! code is one the waiter retries on. Between polls the waiter sleeps with
//! exponential backoff and jitter between a minimum and a maximum delay,
//! and gives up with [`WaiterError::Timeout`] once the overall wait would
//! exceed its maximum. The runtime's own retry policy still applies to each
//! poll: a throttled poll is retried before the waiter ever sees it. The
//! output is decoded once, when a success acceptor matched.
//!
//! Generated crates describe each waiter with a static [`WaiterDefinition`]
//! and build a [`Waiter`] from an operation's request builder; awaiting the
//! waiter runs it. A tool that builds its parameters at run time (the
//! `aliyun-rds` CLI's `--wait-until`) builds a [`Waiter`] the same way.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;
use std::time::Duration;

use aliyun_codec::de::FromJson;
use aliyun_codec::metadata::OperationMetadata;
use aliyun_codec::parameters::ToParameters;
use rand::Rng;
use serde_json::Value;

use crate::error::SdkError;
use crate::runtime::Runtime;

/// The data of a waiter: what generated crates write and tools read.
pub use aliyun_codec::waiter::{
    values_at, Acceptor, AcceptorState, Condition, Matcher, Observation, PathSegment,
    WaiterDefinition,
};

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
            WaiterError::Decode { source, .. } => Some(source),
            WaiterError::Timeout { .. } | WaiterError::FailureState { .. } => None,
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

/// The polling loop. `poll` sends one request and answers its raw body.
async fn poll_until<O, E, P, F>(
    definition: &'static WaiterDefinition,
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
            Ok(response) => match definition.evaluate(&response) {
                Some(acceptor) if acceptor.state == AcceptorState::Success => {
                    return O::from_json(response).map_err(|source| WaiterError::Decode {
                        waiter: definition.name,
                        source,
                    });
                }
                Some(acceptor) if acceptor.state == AcceptorState::Failure => {
                    return Err(WaiterError::FailureState {
                        waiter: definition.name,
                        acceptor,
                        attempts,
                    });
                }
                _ => last_observed = definition.observe(&response),
            },
            Err(error) => {
                let retried = error
                    .as_service_error()
                    .is_some_and(|service| definition.retry_on_errors.contains(&service.code()));
                if !retried {
                    return Err(WaiterError::Operation(error));
                }
            }
        }
        let elapsed = timer.elapsed();
        if elapsed >= schedule.max_wait {
            return Err(WaiterError::Timeout {
                waiter: definition.name,
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
/// The delays between polls default to the waiter's definition; a poll in
/// flight when the maximum wait elapses is allowed to finish (the client's
/// operation timeout bounds it).
#[must_use = "a waiter does nothing until it is awaited"]
pub struct Waiter<I, O, E> {
    runtime: Runtime,
    operation: &'static OperationMetadata,
    input: I,
    parse_error: fn(&str) -> E,
    definition: &'static WaiterDefinition,
    schedule: Schedule,
    output: PhantomData<fn() -> O>,
}

impl<I, O, E> Waiter<I, O, E> {
    /// A waiter that polls `operation` with `input` for at most `max_wait`;
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
            definition,
            schedule: Schedule {
                max_wait,
                min_delay: definition.min_delay,
                max_delay: definition.max_delay,
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

    /// Overrides the client's timeouts, retry settings or endpoint for every
    /// poll of this wait (see [`CallOverrides`](crate::CallOverrides)),
    /// sharing the client's connections, credentials and retry quota.
    pub fn customize(mut self, overrides: crate::config::CallOverrides) -> Self {
        self.runtime = self.runtime.with_overrides(overrides);
        self
    }

    /// The waiter's definition: its name, acceptors and default delays.
    pub fn definition(&self) -> &'static WaiterDefinition {
        self.definition
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
    /// [`WaiterError::Operation`] when a poll failed with an error the
    /// waiter does not retry on, [`WaiterError::Decode`] when the final
    /// response does not decode as the output.
    pub async fn wait(self) -> Result<O, WaiterError<E>> {
        let Waiter {
            runtime,
            operation,
            input,
            parse_error,
            definition,
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
        poll_until(definition, schedule, &mut timer, || {
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
            .field("waiter", &self.definition.name)
            .field("operation", &self.operation.name)
            .field("input", &self.input)
            .field("max_wait", &self.schedule.max_wait)
            .field("min_delay", &self.schedule.min_delay)
            .field("max_delay", &self.schedule.max_delay)
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
        let mut answers: VecDeque<_> = answers.into();
        let mut polls = 0;
        let mut timer = SimulatedTimer::default();
        let schedule = Schedule {
            max_wait,
            min_delay: READY.min_delay,
            max_delay: READY.max_delay,
        };
        let future = poll_until(&READY, schedule, &mut timer, || {
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
        let result: Result<Output, WaiterError<Code>> =
            block_on(poll_until(&READY, schedule, &mut timer, || {
                std::future::ready(Ok(task("increment", "streaming")))
            }));
        let error = result.expect_err("TotalSize is a number");
        assert!(matches!(error, WaiterError::Decode { .. }), "{error:?}");
        assert!(std::error::Error::source(&error).is_some());
        assert!(error.to_string().contains("waiter Ready"), "{error}");
        assert!(error.to_string().contains("TotalSize"), "{error}");
    }
}
