//! The `test-util` feature as a program's own tests use it: a small piece
//! of "user code" (`instance_status`) tested against the in-process
//! double, with no server, no network and no credentials. Everything is
//! named through `aliyun_rds` alone, as a program depending on that one
//! crate would. The README's "Testing your code" shows the same test.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::config::test_util::{Answer, HttpMethod, MockTransport, RecordedRequest, Rule};
use aliyun_rds::error::ConstructionErrorKind;
use aliyun_rds::operation::describe_db_instance_attribute::DescribeDbInstanceAttributeError;
use aliyun_rds::{Client, Config, Credentials, RetryConfig, SdkError};
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
