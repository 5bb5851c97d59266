//! A waiter with an acceptor of the program's own (`Waiter::with_acceptor`)
//! against a real loopback server: it runs the same engine as the waiters
//! of the spec, with the runtime's retries and interceptors inside every
//! poll, the error codes it is told to poll through, a fixed interval, and
//! timeouts that report what the acceptor last saw.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aliyun_runtime::error::BoxError;
use aliyun_runtime::interceptor::{CallReport, Interceptor};
use aliyun_runtime::waiter::{Observation, Verdict, Waiter, WaiterError};
use aliyun_runtime::{CallOverrides, Config, Credentials, RetryConfig, Runtime};
use serde_json::{json, Value};
use support::{throttling_body, Reply, TestServer, DESCRIBE, PRODUCT};

/// How long the tests pause between polls.
const INTERVAL: Duration = Duration::from_millis(10);

fn runtime(url: &str) -> Runtime {
    let config = Config::builder()
        .endpoint_url(url)
        .credentials(Credentials::new("test-id", "test-secret"))
        .retry(
            RetryConfig::default().with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
        )
        .build();
    Runtime::new(config, &PRODUCT).unwrap()
}

/// An answer of `DescribeDBInstances` with one instance in `status`.
fn instance(status: &str) -> Reply {
    Reply::json(
        200,
        &json!({
            "RequestId": "REQ",
            "Items": {"DBInstance": [{"DBInstanceId": "rm-1", "DBInstanceStatus": status}]}
        })
        .to_string(),
    )
}

/// An error answer with a code the retry policy does not retry.
fn denied() -> Reply {
    Reply::json(
        403,
        r#"{"RequestId":"REQ-D","Code":"OperationDenied.DBInstanceStatus","Message":"The operation is not permitted due to status of instance."}"#,
    )
}

/// The program's acceptor: `Running` is success, `Deleting` a failure
/// state, any other status retry, and a response without a status cannot
/// be judged.
fn running(response: &Value) -> Result<Verdict, BoxError> {
    let status = response["Items"]["DBInstance"][0]["DBInstanceStatus"]
        .as_str()
        .ok_or("the response names no DBInstanceStatus")?;
    Ok(match status {
        "Running" => Verdict::Success,
        "Deleting" => Verdict::Failure {
            reason: "the instance is being deleted".to_owned(),
        },
        other => Verdict::Retry {
            observed: vec![Observation {
                path: "Items.DBInstance[0].DBInstanceStatus".to_owned(),
                values: vec![other.to_owned()],
            }],
        },
    })
}

/// A waiter polling `DescribeDBInstances` on `server` with [`running`].
fn wait_for_running(
    server: &TestServer,
    max_wait: Duration,
) -> Waiter<Vec<(String, String)>, Value, String> {
    let parameters = vec![("DBInstanceId".to_owned(), "rm-1".to_owned())];
    Waiter::with_acceptor(
        runtime(&server.url()),
        &DESCRIBE,
        parameters,
        str::to_owned,
        "InstanceRunning",
        running,
        max_wait,
    )
    .min_delay(INTERVAL)
    .max_delay(INTERVAL)
}

/// Counts the calls that ended, and the attempts they took.
#[derive(Default)]
struct Calls {
    calls: AtomicU32,
    attempts: AtomicU32,
}

impl Interceptor for Calls {
    fn on_result(&self, result: &CallReport<'_>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.attempts
            .fetch_add(result.attempts(), Ordering::Relaxed);
    }
}

#[tokio::test]
async fn a_programs_acceptor_polls_through_retries_and_listed_errors_until_success() {
    // Creating, throttled (the retry policy resends it), a code the waiter
    // is told to poll through, then Running.
    let server = TestServer::start(|_, index| match index {
        0 => instance("Creating"),
        1 => Reply::json(400, &throttling_body()),
        2 => instance("Creating"),
        3 => denied(),
        _ => instance("Running"),
    })
    .await;
    let calls = Arc::new(Calls::default());
    let waiter = wait_for_running(&server, Duration::from_secs(30))
        .retry_on_errors(["OperationDenied.DBInstanceStatus"])
        .customize(CallOverrides::new().interceptor(calls.clone()));
    assert_eq!(waiter.name(), "InstanceRunning");
    assert!(waiter.definition().is_none());
    let output = waiter.await.expect("the instance comes up");
    assert_eq!(
        output["Items"]["DBInstance"][0]["DBInstanceStatus"],
        "Running"
    );
    assert_eq!(server.request_count(), 5);
    // Four polls, one of which took two attempts: the retry policy ran
    // inside the poll, and the interceptors saw every call.
    assert_eq!(calls.calls.load(Ordering::Relaxed), 4);
    assert_eq!(calls.attempts.load(Ordering::Relaxed), 5);
    for request in server.requests() {
        assert_eq!(
            request.param("Action").as_deref(),
            Some("DescribeDBInstances")
        );
        assert_eq!(request.param("DBInstanceId").as_deref(), Some("rm-1"));
    }
}

#[tokio::test]
async fn an_error_the_waiter_is_not_told_to_retry_ends_the_wait() {
    let server = TestServer::start(|_, index| match index {
        0 => instance("Creating"),
        _ => denied(),
    })
    .await;
    let error = wait_for_running(&server, Duration::from_secs(30))
        .await
        .expect_err("denied");
    match &error {
        WaiterError::Operation(error) => assert_eq!(
            error.as_service_error().map(|service| service.code()),
            Some("OperationDenied.DBInstanceStatus")
        ),
        other => panic!("expected the operation's error, got {other:?}"),
    }
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_timeout_reports_what_the_acceptor_last_saw() {
    let server =
        TestServer::start(|_, index| instance(if index == 0 { "Creating" } else { "Restarting" }))
            .await;
    let max_wait = Duration::from_millis(150);
    let error = wait_for_running(&server, max_wait)
        .await
        .expect_err("never running");
    let message = error.to_string();
    match error {
        WaiterError::Timeout {
            waiter,
            elapsed,
            attempts,
            last_observed,
        } => {
            assert_eq!(waiter, "InstanceRunning");
            assert!(elapsed >= max_wait, "{elapsed:?}");
            assert!(attempts >= 2, "{attempts}");
            assert_eq!(attempts as usize, server.request_count());
            assert_eq!(
                last_observed,
                vec![Observation {
                    path: "Items.DBInstance[0].DBInstanceStatus".to_owned(),
                    values: vec!["Restarting".to_owned()],
                }]
            );
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        message.contains("waiter InstanceRunning gave up")
            && message.contains("Items.DBInstance[0].DBInstanceStatus = \"Restarting\""),
        "{message}"
    );
}

#[tokio::test]
async fn a_failure_verdict_or_an_unjudgeable_response_ends_the_wait_at_once() {
    let server =
        TestServer::start(|_, index| instance(if index == 0 { "Creating" } else { "Deleting" }))
            .await;
    let error = wait_for_running(&server, Duration::from_secs(30))
        .await
        .expect_err("being deleted");
    assert!(
        matches!(
            &error,
            WaiterError::FailureVerdict { waiter: "InstanceRunning", reason, attempts: 2 }
                if reason == "the instance is being deleted"
        ),
        "{error:?}"
    );
    assert!(
        error
            .to_string()
            .contains("failure state: the instance is being deleted"),
        "{error}"
    );
    assert_eq!(server.request_count(), 2);

    let server =
        TestServer::start(|_, _| Reply::json(200, r#"{"RequestId":"REQ","Items":{}}"#)).await;
    let error = wait_for_running(&server, Duration::from_secs(30))
        .await
        .expect_err("no status");
    match &error {
        WaiterError::Acceptor {
            waiter,
            attempts,
            source,
        } => {
            assert_eq!((*waiter, *attempts), ("InstanceRunning", 1));
            assert_eq!(source.to_string(), "the response names no DBInstanceStatus");
        }
        other => panic!("expected the acceptor's error, got {other:?}"),
    }
    assert_eq!(server.request_count(), 1);
}
