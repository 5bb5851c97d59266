//! The `test-util` feature as a program's own tests use it: a small piece
//! of "user code" (`instance_status`) tested against the in-process
//! double, with no server, no network and no credentials. Everything is
//! named through `aliyun_rds` alone, as a program depending on that one
//! crate would (but for the fixed clock of the clock-skew test). The
//! README's "Testing your code" shows the same test. The answers' headers
//! are read as the service's: the wait of `x-acs-retry-after`, the `Date`
//! of a clock-skew error.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aliyun_rds::config::interceptor::{
    AttemptReport, Interceptor, RetryDecision, RetryReason, StopReason,
};
use aliyun_rds::config::test_util::{Answer, HttpMethod, MockTransport, RecordedRequest, Rule};
use aliyun_rds::error::ConstructionErrorKind;
use aliyun_rds::operation::describe_db_instance_attribute::DescribeDbInstanceAttributeError;
use aliyun_rds::{Client, Config, Credentials, RetryConfig, SdkError};
use aliyun_runtime::clock::FixedClock;
use serde_json::json;

/// Why the user code below found no status.
#[derive(Debug)]
enum StatusError {
    /// The service says there is no such instance.
    NoSuchInstance(String),
    /// Any other failure of the call.
    Call(SdkError<DescribeDbInstanceAttributeError>),
}

/// The user code under test: one instance's status.
async fn instance_status(client: &Client, id: &str) -> Result<String, StatusError> {
    let output = client
        .describe_db_instance_attribute(id)
        .send()
        .await
        .map_err(
            |error| match error.as_service_error().map(|service| service.kind()) {
                Some(DescribeDbInstanceAttributeError::InvalidDBInstanceIdNotFound) => {
                    StatusError::NoSuchInstance(id.to_owned())
                }
                _ => StatusError::Call(error),
            },
        )?;
    output
        .items
        .and_then(|items| items.db_instance_attribute)
        .and_then(|instances| instances.into_iter().next())
        .and_then(|instance| instance.db_instance_status)
        .ok_or_else(|| StatusError::NoSuchInstance(id.to_owned()))
}

/// The body the service sends for a running instance.
fn running(id: &str) -> Answer {
    Answer::output(json!({
        "Items": { "DBInstanceAttribute": [
            { "DBInstanceId": id, "DBInstanceStatus": "Running" }
        ] }
    }))
}

/// A client answered by `transport`: no region, no endpoint and no
/// credentials are configured. Retries wait a millisecond.
fn client(transport: &MockTransport) -> Client {
    Client::new(
        Config::builder()
            .test_transport(transport.clone())
            .retry(
                RetryConfig::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
            )
            .build(),
    )
    .expect("a client with a test transport needs no region or credentials")
}

#[tokio::test]
async fn the_status_of_an_instance_is_read_from_the_answer() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .with_parameter("DBInstanceId", "rm-1")
            .answer(running("rm-1")),
    );
    let status = instance_status(&client(&transport), "rm-1").await.unwrap();
    assert_eq!(status, "Running");

    let requests = transport.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].action, "DescribeDBInstanceAttribute");
    assert_eq!(requests[0].parameter("DBInstanceId"), Some("rm-1"));
    assert_eq!(requests[0].method, HttpMethod::Post);
}

#[tokio::test]
async fn a_documented_error_decodes_into_the_operations_error() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute").answer(Answer::error(
            400,
            "InvalidDBInstanceId.NotFound",
            "The DBInstanceId provided does not exist in records.",
        )),
    );
    let error = instance_status(&client(&transport), "rm-gone")
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StatusError::NoSuchInstance(id) if id == "rm-gone"),
        "{error:?}"
    );
    // The error is not retried: one request.
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test]
async fn throttling_is_retried_and_the_second_answer_is_used() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .answer(Answer::error(
                400,
                "Throttling",
                "Request was denied due to request throttling.",
            ))
            .answer(running("rm-1")),
    );
    let status = instance_status(&client(&transport), "rm-1").await.unwrap();
    assert_eq!(status, "Running");
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0], requests[1]);
}

#[tokio::test]
async fn the_last_answer_repeats_until_the_attempts_are_used_up() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute").answer(Answer::error(
            400,
            "Throttling",
            "Request was denied due to request throttling.",
        )),
    );
    let client = Client::new(
        Config::builder()
            .test_transport(transport.clone())
            .retry(
                RetryConfig::default()
                    .with_max_attempts(3)
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
            )
            .build(),
    )
    .unwrap();
    let error = instance_status(&client, "rm-1").await.unwrap_err();
    let StatusError::Call(error) = error else {
        panic!("expected the throttling error, got {error:?}");
    };
    assert_eq!(error.as_service_error().unwrap().code(), "Throttling");
    assert_eq!(error.http_status(), Some(400));
    assert_eq!(transport.requests().len(), 3);
}

#[tokio::test]
async fn a_rule_without_repeat_says_it_has_no_more_answers() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .answer(running("rm-1"))
            .without_repeat(),
    );
    let client = client(&transport);
    assert_eq!(instance_status(&client, "rm-1").await.unwrap(), "Running");
    let error = instance_status(&client, "rm-1").await.unwrap_err();
    let StatusError::Call(SdkError::Construction(error)) = error else {
        panic!("expected a configuration error, got {error:?}");
    };
    assert_eq!(error.kind(), ConstructionErrorKind::InvalidConfiguration);
    let message = error.to_string();
    assert!(message.contains("no more answers"), "{message}");
    assert!(message.contains("DescribeDBInstanceAttribute"), "{message}");
    // Not a failure the retry policy resends.
    assert_eq!(transport.requests().len(), 2);
}

#[tokio::test]
async fn an_unmatched_request_names_itself_and_the_rules() {
    let transport = MockTransport::new()
        .with_rule(
            Rule::action("DescribeDBInstanceAttribute")
                .with_parameter("DBInstanceId", "rm-1")
                .answer(running("rm-1")),
        )
        .with_rule(Rule::action("DescribeRegions").answer(Answer::output(json!({}))));
    let error = instance_status(&client(&transport), "rm-2")
        .await
        .unwrap_err();
    let StatusError::Call(SdkError::Construction(error)) = error else {
        panic!("expected a configuration error, got {error:?}");
    };
    let message = error.to_string();
    for expected in [
        "no rule for DescribeDBInstanceAttribute with parameters DBInstanceId=rm-2",
        "DescribeDBInstanceAttribute where DBInstanceId=rm-1",
        "DescribeRegions",
    ] {
        assert!(message.contains(expected), "{expected:?} in {message}");
    }
    assert_eq!(transport.requests().len(), 1);
}

#[tokio::test]
async fn other_statuses_and_bodies_are_decoded_as_from_the_network() {
    // A gateway's HTML page with a 502: not a service error, and retried
    // as a server failure.
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .answer(Answer::raw(502, "<html>Bad Gateway</html>"))
            .answer(running("rm-1")),
    );
    assert_eq!(
        instance_status(&client(&transport), "rm-1").await.unwrap(),
        "Running"
    );
    assert_eq!(transport.requests().len(), 2);

    // A success whose body is not JSON is reported, with its status.
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute").answer(Answer::raw(200, "not json")),
    );
    let error = instance_status(&client(&transport), "rm-1")
        .await
        .unwrap_err();
    let StatusError::Call(error) = error else {
        panic!("expected an undecodable response, got {error:?}");
    };
    assert!(matches!(error, SdkError::Response(_)), "{error:?}");
    assert_eq!(error.http_status(), Some(200));
}

#[tokio::test]
async fn secrets_never_reach_the_recorded_requests() {
    let secret = "do-not-record-this-secret";
    let token = "do-not-record-this-token";
    let transport = MockTransport::new()
        .with_rule(Rule::action("DescribeDBInstanceAttribute").answer(running("rm-1")));
    let client = Client::new(
        Config::builder()
            .test_transport(transport.clone())
            .credentials(Credentials::new("LTAI-test", secret).with_security_token(token))
            .build(),
    )
    .unwrap();
    instance_status(&client, "rm-1").await.unwrap();
    let requests: Vec<RecordedRequest> = transport.requests();
    let recorded = format!("{requests:?} {transport:?}");
    for forbidden in [secret, token, "Signature", "AccessKeyId", "SecurityToken"] {
        assert!(!recorded.contains(forbidden), "{forbidden} in {recorded}");
    }
}

/// Keeps the retry decision after every attempt.
#[derive(Default)]
struct Decisions(Mutex<Vec<RetryDecision>>);

impl Interceptor for Decisions {
    fn after_attempt(&self, attempt: &AttemptReport<'_>) {
        self.0.lock().unwrap().push(attempt.decision());
    }
}

/// A client answered by `transport` whose every attempt's decision goes
/// to `decisions`, with retries otherwise waiting a millisecond.
fn observed_client(transport: &MockTransport, decisions: &Arc<Decisions>) -> Client {
    Client::new(
        Config::builder()
            .test_transport(transport.clone())
            .retry(
                RetryConfig::default()
                    .with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
            )
            .operation_timeout(Duration::from_secs(5))
            .interceptor(decisions.clone())
            .build(),
    )
    .unwrap()
}

fn throttled() -> Answer {
    Answer::error(
        400,
        "Throttling.User",
        "Request was denied due to user flow control.",
    )
}

#[tokio::test]
async fn the_wait_an_answer_asks_for_replaces_the_backoff() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .answer(throttled().with_header("x-acs-retry-after", "7"))
            .answer(throttled().with_header("X-Acs-Retry-After", "0.02s"))
            .answer(running("rm-1")),
    );
    let decisions = Arc::new(Decisions::default());
    let client = observed_client(&transport, &decisions);
    assert_eq!(instance_status(&client, "rm-1").await.unwrap(), "Running");
    assert_eq!(
        *decisions.0.lock().unwrap(),
        [
            RetryDecision::Retry {
                delay: Duration::from_millis(7),
                reason: RetryReason::ServerHint,
            },
            RetryDecision::Retry {
                delay: Duration::from_millis(20),
                reason: RetryReason::ServerHint,
            },
            RetryDecision::Succeeded,
        ]
    );

    // A wait longer than the operation has left ends the call at once
    // with the service's error.
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .answer(throttled().with_header("x-acs-retry-after", "60000")),
    );
    let decisions = Arc::new(Decisions::default());
    let error = instance_status(&observed_client(&transport, &decisions), "rm-1")
        .await
        .unwrap_err();
    let StatusError::Call(error) = error else {
        panic!("expected the throttling error, got {error:?}");
    };
    assert_eq!(error.as_service_error().unwrap().code(), "Throttling.User");
    assert_eq!(transport.requests().len(), 1);
    assert_eq!(
        *decisions.0.lock().unwrap(),
        [RetryDecision::Stop(StopReason::WaitExceedsOperationTimeout)]
    );
}

#[tokio::test]
async fn the_date_of_a_clock_skew_error_corrects_the_signing_clock() {
    // 08:00:00 UTC on 15 January 2027; the server is an hour ahead.
    let local = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let server = "Fri, 15 Jan 2027 09:00:00 GMT";
    let skewed = || {
        Answer::error(
            400,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )
    };
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .answer(skewed().with_header("Date", server))
            .answer(running("rm-1")),
    );
    let decisions = Arc::new(Decisions::default());
    let client = Client::new(
        Config::builder()
            .test_transport(transport.clone())
            .clock(Arc::new(FixedClock(local)))
            .interceptor(decisions.clone())
            .build(),
    )
    .unwrap();
    assert_eq!(instance_status(&client, "rm-1").await.unwrap(), "Running");
    assert_eq!(client.runtime().clock_offset_millis(), 3_600_000);
    assert_eq!(
        decisions.0.lock().unwrap()[0],
        RetryDecision::Retry {
            delay: Duration::ZERO,
            reason: RetryReason::ClockSkewCorrected,
        }
    );

    // Without a `Date`, there is nothing to correct by: the error stands.
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeDBInstanceAttribute")
            .answer(skewed())
            .answer(running("rm-1")),
    );
    let client = Client::new(
        Config::builder()
            .test_transport(transport.clone())
            .clock(Arc::new(FixedClock(local)))
            .build(),
    )
    .unwrap();
    let error = instance_status(&client, "rm-1").await.unwrap_err();
    assert!(
        matches!(error, StatusError::Call(SdkError::Service(_))),
        "{error:?}"
    );
    assert_eq!(client.runtime().clock_offset_millis(), 0);
}

#[tokio::test]
async fn a_header_that_is_not_http_is_a_configuration_error_naming_it() {
    for (name, value, expected) in [
        ("bad header", "1", "\"bad header\""),
        ("x-acs-retry-after", "1\n2", "`x-acs-retry-after`"),
    ] {
        let transport = MockTransport::new().with_rule(
            Rule::action("DescribeDBInstanceAttribute")
                .answer(running("rm-1").with_header(name, value)),
        );
        let error = instance_status(&client(&transport), "rm-1")
            .await
            .unwrap_err();
        let StatusError::Call(SdkError::Construction(error)) = error else {
            panic!("expected a configuration error, got {error:?}");
        };
        assert_eq!(error.kind(), ConstructionErrorKind::InvalidConfiguration);
        let message = error.to_string();
        assert!(message.contains(expected), "{expected} in {message}");
        assert!(message.contains("Answer::with_header"), "{message}");
    }
}
