//! `--waiter` and `--wait-until`: repeating a call until the resource
//! reaches a state.
//!
//! Both run the runtime's waiter ([`aliyun_runtime::Waiter`]), the one
//! generated `wait_until_*` methods run, so its pacing, deadline, retries
//! and error reports are the same everywhere; this module only says what
//! each option awaits and words its errors.
//!
//! `--waiter expr=<JMESPath> to=<value>` is Alibaba's `aliyun` CLI's: the
//! call is repeated every `interval` until the expression, evaluated on the
//! response, equals the value (strings as they are, numbers and booleans in
//! their JSON spelling), or `timeout` has passed; the expression is the
//! waiter's [`CustomAcceptor`](aliyun_runtime::waiter::CustomAcceptor).
//! `--wait-until <Name>` runs one of the waiters the API's specification
//! defines instead, with its acceptors (success and failure states), the
//! error codes it retries on and its backoff.
//!
//! Either way an error answer ends the wait (unless the waiter retries on
//! its code), and the last response is printed on success.

use std::fmt;

use aliyun_runtime::error::{BoxError, SdkError};
use aliyun_runtime::metadata::{OperationMetadata, OperationWaiter};
use aliyun_runtime::parameters::flatten_parameters;
use aliyun_runtime::waiter::{Acceptor, Observation, Verdict, Waiter, WaiterError};
use aliyun_runtime::Runtime;
use serde_json::{Map, Value};

use crate::call_options::{WaitUntilOptions, WaiterOptions};
use crate::output::QueryError;

/// Exit code: a wait ended without reaching its state (it timed out, or a
/// waiter saw a failure state).
pub const EXIT_WAIT_FAILED: u8 = 6;

/// The waiters the specification defines, as the generated client lists
/// them.
fn known_waiters() -> &'static [OperationWaiter] {
    aliyun_rds::metadata::WAITERS
}

/// Why a wait ended without its state.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError {
    /// A call failed.
    Call(SdkError<String>),
    /// `--wait-until` names no waiter.
    UnknownWaiter {
        /// The name given.
        name: String,
    },
    /// The waiter polls another operation.
    WrongOperation {
        /// The waiter.
        waiter: &'static str,
        /// The operation it polls, as a subcommand.
        subcommand: String,
    },
    /// The expression failed on a response.
    Query(QueryError),
    /// The time ran out.
    TimedOut {
        /// What was awaited, in words.
        awaited: String,
        /// How many calls were made.
        polls: u32,
        /// What the last response held.
        last_seen: String,
    },
    /// The waiter failed otherwise.
    Waiter(WaiterError<String>),
    /// A waiter's failure acceptor matched.
    FailureState {
        /// The waiter.
        waiter: &'static str,
        /// The acceptor.
        acceptor: &'static Acceptor,
    },
}

impl WaitError {
    /// Whether the command line was at fault, before anything was sent.
    pub fn is_usage_error(&self) -> bool {
        matches!(
            self,
            WaitError::UnknownWaiter { .. } | WaitError::WrongOperation { .. }
        )
    }
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Call(error) => write!(f, "{error}"),
            WaitError::UnknownWaiter { name } => write!(
                f,
                "--wait-until {name}: no such waiter; the API defines {}",
                crate::call_options::waiter_names().join(", ")
            ),
            WaitError::WrongOperation { waiter, subcommand } => write!(
                f,
                "--wait-until {waiter} polls {subcommand}; run it with `aliyun-rds {subcommand} ... --wait-until {waiter}`"
            ),
            WaitError::Query(source) => write!(f, "--waiter expr=: {source}"),
            WaitError::Waiter(error) => write!(f, "{error}"),
            WaitError::TimedOut {
                awaited,
                polls,
                last_seen,
            } => write!(
                f,
                "gave up waiting for {awaited} after {polls} calls; last seen: {last_seen}; wait longer with timeout=<seconds>"
            ),
            WaitError::FailureState { waiter, acceptor } => write!(
                f,
                "waiter {waiter} reached a failure state: {acceptor}; waiting longer cannot succeed"
            ),
        }
    }
}

impl std::error::Error for WaitError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Call(error) => error.source(),
            WaitError::Query(source) => Some(source),
            WaitError::Waiter(error) => error.source(),
            _ => None,
        }
    }
}

/// The text a waiter compares: strings as they are, other values as JSON.
fn comparable_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// The name `--waiter`'s wait goes by in the runtime's errors.
const VALUE_WAITER: &str = "--waiter";

/// `--waiter`: calls until `options.expr` equals `options.to`, every
/// `options.interval`, for at most `options.timeout`.
pub async fn wait_for_value(
    runtime: &Runtime,
    operation: &'static OperationMetadata,
    parameters: &Map<String, Value>,
    options: &WaiterOptions,
) -> Result<Value, WaitError> {
    let parameters = flatten_parameters(parameters)
        .map_err(|error| WaitError::Call(SdkError::Construction(error)))?;
    let expr = options.expr.clone();
    let to = options.to.clone();
    let acceptor = move |response: &Value| -> Result<Verdict, BoxError> {
        let text = comparable_text(&expr.search(response)?);
        Ok(if text == to {
            Verdict::Success
        } else {
            Verdict::Retry {
                observed: vec![Observation {
                    path: expr.as_str().to_owned(),
                    values: vec![text],
                }],
            }
        })
    };
    let wait = Waiter::<_, Value, String>::with_acceptor(
        runtime.clone(),
        operation,
        parameters,
        str::to_owned,
        VALUE_WAITER,
        acceptor,
        options.timeout,
    )
    // A fixed pause, as the aliyun CLI's `interval` is.
    .min_delay(options.interval)
    .max_delay(options.interval);
    let awaited = format!("{} to be {:?}", options.expr.as_str(), options.to);
    wait.wait()
        .await
        .map_err(|error| wait_error(error, awaited))
}

/// `--wait-until`: calls until the named waiter's success acceptor matches.
pub async fn wait_until(
    runtime: &Runtime,
    operation: &'static OperationMetadata,
    parameters: &Map<String, Value>,
    options: &WaitUntilOptions,
) -> Result<Value, WaitError> {
    let waiter = known_waiters()
        .iter()
        .find(|waiter| waiter.definition.name == options.name)
        .ok_or_else(|| WaitError::UnknownWaiter {
            name: options.name.clone(),
        })?;
    if waiter.operation.name != operation.name {
        return Err(WaitError::WrongOperation {
            waiter: waiter.definition.name,
            subcommand: crate::command_line::kebab_case(waiter.operation.rust_name),
        });
    }
    let parameters = flatten_parameters(parameters)
        .map_err(|error| WaitError::Call(SdkError::Construction(error)))?;
    let mut wait = Waiter::<_, Value, String>::new(
        runtime.clone(),
        operation,
        parameters,
        str::to_owned,
        waiter.definition,
        options.timeout,
    );
    if let Some(interval) = options.interval {
        // A fixed pause replaces the backoff.
        wait = wait.min_delay(interval).max_delay(interval);
    }
    let awaited = format!("waiter {}", waiter.definition.name);
    wait.wait()
        .await
        .map_err(|error| wait_error(error, awaited))
}

/// Words the runtime's waiter error for the command line; `awaited` says
/// what was awaited.
fn wait_error(error: WaiterError<String>, awaited: String) -> WaitError {
    match error {
        WaiterError::Operation(error) => WaitError::Call(error),
        WaiterError::FailureState {
            waiter, acceptor, ..
        } => WaitError::FailureState { waiter, acceptor },
        WaiterError::Timeout {
            attempts,
            last_observed,
            ..
        } => WaitError::TimedOut {
            awaited,
            polls: attempts,
            last_seen: if last_observed.is_empty() {
                "no successful answer".to_owned()
            } else {
                last_observed
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        },
        // `--waiter`'s expression failed on a response.
        WaiterError::Acceptor {
            waiter,
            attempts,
            source,
        } => match source.downcast::<QueryError>() {
            Ok(query) => WaitError::Query(*query),
            Err(source) => WaitError::Waiter(WaiterError::Acceptor {
                waiter,
                attempts,
                source,
            }),
        },
        other => WaitError::Waiter(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_waiter_reads_paths_of_its_documented_response() {
        for waiter in known_waiters() {
            let sample = waiter
                .operation
                .sample_response
                .expect("the polled operation documents a response");
            let sample: Value = serde_json::from_str(sample).expect("the sample is JSON");
            for observation in waiter.definition.observe(&sample) {
                assert!(
                    !observation.values.is_empty(),
                    "{}: {} is not in the documented response",
                    waiter.definition.name,
                    observation.path
                );
            }
        }
    }

    #[test]
    fn values_compare_as_text() {
        assert_eq!(comparable_text(&Value::from("Running")), "Running");
        assert_eq!(comparable_text(&Value::from(5)), "5");
        assert_eq!(comparable_text(&Value::Bool(true)), "true");
        assert_eq!(comparable_text(&Value::Null), "null");
    }
}
