//! The retry policy against a real loopback server: what is resent, what
//! is not, how long the runtime waits, and when the quota says stop.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aliyun_runtime::config::ConfigBuilder;
use aliyun_runtime::error::TimeoutKind;
use aliyun_runtime::retry::RetryQuotaConfig;
use aliyun_runtime::{Config, Credentials, RetryConfig, Runtime, SdkError};
use serde_json::Value;
use support::{
    capture_traces, throttling_body, Reply, TestServer, ACTIVATE, DESCRIBE, PRODUCT, SUCCESS_BODY,
};

const SERVICE_UNAVAILABLE: &str = r#"{"RequestId":"REQ-5","Code":"ServiceUnavailable","Message":"The request has failed due to a temporary failure of the server."}"#;

fn config_for(url: &str) -> ConfigBuilder {
    Config::builder()
        .endpoint_url(url)
        .credentials(Credentials::new("test-id", "test-secret"))
        .retry(
            RetryConfig::default().with_backoff(Duration::from_millis(1), Duration::from_millis(5)),
        )
}

fn runtime(builder: ConfigBuilder) -> Runtime {
    Runtime::new(builder.build(), &PRODUCT).unwrap()
}

async fn call(
    runtime: &Runtime,
    operation: &'static aliyun_runtime::metadata::OperationMetadata,
) -> Result<Value, SdkError<String>> {
    let mut input = BTreeMap::new();
    input.insert("DBInstanceName".to_owned(), "rm-test".to_owned());
    runtime
        .invoke::<BTreeMap<String, String>, Value, String>(operation, &input, |code| {
            code.to_owned()
        })
        .await
}

#[tokio::test]
async fn non_idempotent_call_is_sent_once_on_503() {
    let server = TestServer::start(|_, _| Reply::json(503, SERVICE_UNAVAILABLE)).await;
    let error = call(&runtime(config_for(&server.url())), &ACTIVATE)
        .await
        .unwrap_err();
    assert_eq!(
        error.as_service_error().unwrap().code(),
        "ServiceUnavailable"
    );
    assert_eq!(error.http_status(), Some(503));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn non_idempotent_call_is_sent_once_on_read_timeout() {
    let server = TestServer::start(|_, _| {
        Reply::Delay(
            Duration::from_secs(5),
            Box::new(Reply::json(200, SUCCESS_BODY)),
        )
    })
    .await;
    let runtime = runtime(config_for(&server.url()).attempt_timeout(Duration::from_millis(300)));
    let error = call(&runtime, &ACTIVATE).await.unwrap_err();
    match &error {
        SdkError::Timeout(timeout) => {
            assert_eq!(timeout.kind(), TimeoutKind::Attempt);
            assert!(timeout.request_sent());
        }
        other => panic!("expected an attempt timeout, got {other:?}"),
    }
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn non_idempotent_call_is_sent_once_on_dropped_connection() {
    let server = TestServer::start(|_, _| Reply::Drop).await;
    let error = call(&runtime(config_for(&server.url())), &ACTIVATE)
        .await
        .unwrap_err();
    match &error {
        SdkError::Dispatch(dispatch) => assert!(dispatch.request_sent()),
        other => panic!("expected a dispatch error, got {other:?}"),
    }
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn idempotent_call_is_retried_on_503_dropped_connection_and_timeout() {
    let server = TestServer::start(|_, index| match index {
        0 => Reply::json(503, SERVICE_UNAVAILABLE),
        1 => Reply::Drop,
        _ => Reply::json(200, SUCCESS_BODY),
    })
    .await;
    let output = call(&runtime(config_for(&server.url())), &DESCRIBE)
        .await
        .unwrap();
    assert_eq!(output["RequestId"], "REQ-OK");
    assert_eq!(server.request_count(), 3);

    let slow = TestServer::start(|_, index| match index {
        0 => Reply::Delay(
            Duration::from_secs(5),
            Box::new(Reply::json(200, SUCCESS_BODY)),
        ),
        _ => Reply::json(200, SUCCESS_BODY),
    })
    .await;
    let runtime = runtime(config_for(&slow.url()).attempt_timeout(Duration::from_millis(300)));
    call(&runtime, &DESCRIBE).await.unwrap();
    assert_eq!(slow.request_count(), 2);
}

#[tokio::test]
async fn idempotent_call_stops_after_max_attempts() {
    let server = TestServer::start(|_, _| Reply::json(503, SERVICE_UNAVAILABLE)).await;
    let error = call(&runtime(config_for(&server.url())), &DESCRIBE)
        .await
        .unwrap_err();
    assert!(error.as_service_error().is_some());
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn throttled_non_idempotent_call_is_retried_with_a_new_nonce_and_succeeds() {
    let server = TestServer::start(|_, index| match index {
        0 => Reply::json(400, &throttling_body()),
        _ => Reply::json(200, SUCCESS_BODY),
    })
    .await;
    let output = call(&runtime(config_for(&server.url())), &ACTIVATE)
        .await
        .unwrap();
    assert_eq!(output["RequestId"], "REQ-OK");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let first = requests[0].param("SignatureNonce").unwrap();
    let second = requests[1].param("SignatureNonce").unwrap();
    assert_ne!(first, second, "every attempt is signed with a fresh nonce");
    assert_ne!(
        requests[0].param("Signature"),
        requests[1].param("Signature")
    );
    assert_eq!(requests[1].method, "POST");
    assert!(requests[1].body.is_empty());
}

#[tokio::test]
async fn retry_after_header_is_honoured_in_milliseconds_and_seconds() {
    for header in ["400", "0.4s"] {
        let server = TestServer::start(move |_, index| match index {
            0 => Reply::json(400, &throttling_body()).with_header("x-acs-retry-after", header),
            _ => Reply::json(200, SUCCESS_BODY),
        })
        .await;
        let started = Instant::now();
        call(&runtime(config_for(&server.url())), &ACTIVATE)
            .await
            .unwrap();
        // The computed backoff is capped at 5 ms, so only the header can
        // explain a wait this long.
        assert!(
            started.elapsed() >= Duration::from_millis(400),
            "header {header}: {:?}",
            started.elapsed()
        );
        assert_eq!(server.request_count(), 2);
    }
}

#[tokio::test]
async fn an_exhausted_retry_quota_stops_retries() {
    let server = TestServer::start(|_, _| Reply::json(503, SERVICE_UNAVAILABLE)).await;
    let quota = RetryQuotaConfig {
        capacity: 5,
        retry_cost: 5,
        timeout_retry_cost: 10,
        success_refund: 1,
    };
    let retry = RetryConfig::default()
        .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
        .with_quota(Some(quota));
    let runtime = runtime(config_for(&server.url()).retry(retry));
    // The bucket pays for one retry, so the first call makes two attempts...
    call(&runtime, &DESCRIBE).await.unwrap_err();
    assert_eq!(server.request_count(), 2);
    // ...and the next one, with the bucket empty, only one.
    call(&runtime, &DESCRIBE).await.unwrap_err();
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn refused_connection_is_retried_even_for_non_idempotent_calls() {
    // Bind then drop a listener: the port is closed, so connecting fails
    // before any byte is sent.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let (_guard, traces) = capture_traces();
    let error = call(&runtime(config_for(&url)), &ACTIVATE)
        .await
        .unwrap_err();
    match &error {
        SdkError::Dispatch(dispatch) => assert!(!dispatch.request_sent()),
        other => panic!("expected a dispatch error, got {other:?}"),
    }
    assert!(error.to_string().contains("nothing was sent"), "{error}");
    let failed_attempts = traces.text().matches("connection failed").count();
    assert_eq!(failed_attempts, 3, "{}", traces.text());
}

#[tokio::test]
async fn refused_connection_then_server_up_succeeds_for_non_idempotent_calls() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    drop(listener);
    let retry = RetryConfig::default()
        .with_max_attempts(20)
        .with_backoff(Duration::from_millis(100), Duration::from_millis(100));
    let runtime = runtime(config_for(&format!("http://{address}")).retry(retry));
    let call = tokio::spawn(async move { call(&runtime, &ACTIVATE).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let listener = tokio::net::TcpListener::bind(address).await.unwrap();
    let server = TestServer::serve(listener, |_, _| Reply::json(200, SUCCESS_BODY));
    call.await.unwrap().unwrap();
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn operation_timeout_bounds_all_attempts() {
    let server = TestServer::start(|_, _| {
        Reply::Delay(
            Duration::from_secs(5),
            Box::new(Reply::json(200, SUCCESS_BODY)),
        )
    })
    .await;
    let runtime = runtime(
        config_for(&server.url())
            .attempt_timeout(Duration::from_millis(300))
            .operation_timeout(Duration::from_millis(500)),
    );
    let error = call(&runtime, &DESCRIBE).await.unwrap_err();
    match &error {
        SdkError::Timeout(timeout) => assert_eq!(timeout.kind(), TimeoutKind::Operation),
        other => panic!("expected an operation timeout, got {other:?}"),
    }
    // The first attempt timed out at 300 ms and the second was cut short
    // (on a loaded machine it may not have reached the server yet); a
    // third never started.
    assert!(
        (1..=2).contains(&server.request_count()),
        "{}",
        server.request_count()
    );
}

#[tokio::test]
async fn connect_timeout_is_reported_as_not_sent() {
    // A listener whose accept queue is full stops answering SYNs, so a new
    // connection hangs in the handshake until the connect timeout.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let address = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    for _ in 0..8 {
        if let Ok(Ok(stream)) = tokio::time::timeout(
            Duration::from_millis(100),
            tokio::net::TcpStream::connect(address),
        )
        .await
        {
            fillers.push(stream);
        }
    }
    let runtime = runtime(
        config_for(&format!("http://{address}"))
            .connect_timeout(Duration::from_millis(200))
            .retry(RetryConfig::disabled()),
    );
    let error = call(&runtime, &ACTIVATE).await.unwrap_err();
    match &error {
        SdkError::Timeout(timeout) => {
            assert_eq!(timeout.kind(), TimeoutKind::Connect);
            assert!(!timeout.request_sent());
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    drop(listener);
}

#[tokio::test]
async fn a_retry_wait_beyond_the_operation_timeout_returns_the_failure_itself() {
    let server = TestServer::start(|_, _| {
        Reply::json(400, &throttling_body()).with_header("x-acs-retry-after", "60000")
    })
    .await;
    let runtime = runtime(config_for(&server.url()).operation_timeout(Duration::from_secs(2)));
    let error = call(&runtime, &ACTIVATE).await.unwrap_err();
    assert_eq!(
        error.as_service_error().map(|service| service.code()),
        Some("Throttling.User")
    );
    assert_eq!(server.request_count(), 1);
}
