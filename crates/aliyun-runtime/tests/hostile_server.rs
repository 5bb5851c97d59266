//! The client against a hostile server on loopback: answers that stall
//! after their headers, bodies trickled a byte a second or never ending,
//! answers sent before the request is read, and connections closed in the
//! middle of a chunk. Each call must end in the right `SdkError` kind
//! within the configured timeouts, and a non-idempotent operation that may
//! have run must not be sent again: the server counts the connections and
//! requests it saw.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aliyun_runtime::error::{ResponseErrorKind, TimeoutKind};
use aliyun_runtime::metadata::OperationMetadata;
use aliyun_runtime::{Config, Credentials, RetryConfig, Runtime, SdkError};
use serde_json::Value;
use support::{ACTIVATE, DESCRIBE, PRODUCT, SUCCESS_BODY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The attempt timeout of every test: short, so that stalls end soon.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(400);

/// Longer than every attempt of a call together, so that only the attempt
/// timeout can fire.
const OPERATION_TIMEOUT: Duration = Duration::from_secs(20);

/// The response body limit of every test.
const BODY_LIMIT: usize = 64 * 1024;

/// Attempts per call: a retried call shows up as this many requests.
const MAX_ATTEMPTS: u32 = 3;

/// How the server misbehaves once it has read a request (or, for
/// `AnswerBeforeReading`, before).
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// A `200` head announcing a body, then nothing, connection open.
    StallAfterHeaders,
    /// A `200` head announcing 1000 bytes, then one byte a second.
    TrickleBody,
    /// A chunked `200` whose chunks never end.
    EndlessBody,
    /// A `200` with a valid body written as soon as the connection is
    /// accepted; the request is read afterwards.
    AnswerBeforeReading,
    /// A chunked `200` whose first chunk is cut short by closing the
    /// connection.
    CloseMidChunk,
}

/// A loopback server that misbehaves the same way on every connection and
/// counts what it saw.
struct HostileServer {
    address: std::net::SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl HostileServer {
    async fn start(behaviour: Behaviour) -> HostileServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let task = {
            let connections = Arc::clone(&connections);
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    connections.fetch_add(1, Ordering::SeqCst);
                    let requests = Arc::clone(&requests);
                    tokio::spawn(misbehave(stream, behaviour, requests));
                }
            })
        };
        HostileServer {
            address,
            connections,
            requests,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head, and a body of `content-length` bytes) and
/// counts it. `false` when the connection ended first.
async fn read_request(stream: &mut TcpStream, requests: &AtomicUsize) -> bool {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let head_end = loop {
        if let Some(position) = received.windows(4).position(|window| window == b"\r\n\r\n") {
            break position + 4;
        }
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(count) => received.extend_from_slice(&buffer[..count]),
        }
    };
    let head = String::from_utf8_lossy(&received[..head_end]).to_ascii_lowercase();
    let body_length: usize = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0);
    while received.len() < head_end + body_length {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return false,
            Ok(count) => received.extend_from_slice(&buffer[..count]),
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    true
}

async fn misbehave(mut stream: TcpStream, behaviour: Behaviour, requests: Arc<AtomicUsize>) {
    if let Behaviour::AnswerBeforeReading = behaviour {
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{SUCCESS_BODY}",
            SUCCESS_BODY.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        // Reading afterwards (and counting) keeps the request from being
        // reset by a close with unread bytes; then the connection closes.
        read_request(&mut stream, &requests).await;
        return;
    }
    if !read_request(&mut stream, &requests).await {
        return;
    }
    // Write failures mean the client gave up, which ends the behaviour.
    match behaviour {
        Behaviour::StallAfterHeaders => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n")
                .await;
            hold_open(&mut stream).await;
        }
        Behaviour::TrickleBody => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{")
                .await;
            for _ in 0..1000 {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if stream.write_all(b" ").await.is_err() {
                    return;
                }
            }
        }
        Behaviour::EndlessBody => {
            if stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n")
                .await
                .is_err()
            {
                return;
            }
            let chunk = format!("1000\r\n{}\r\n", " ".repeat(0x1000));
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
        Behaviour::CloseMidChunk => {
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n100\r\n{\"RequestId\":")
                .await;
            let _ = stream.shutdown().await;
        }
        Behaviour::AnswerBeforeReading => {}
    }
}

/// Keeps a connection open, reading and discarding, until the client
/// closes it.
async fn hold_open(stream: &mut TcpStream) {
    let mut buffer = [0u8; 1024];
    while let Ok(count) = stream.read(&mut buffer).await {
        if count == 0 {
            return;
        }
    }
}

fn runtime(url: &str) -> Runtime {
    let config = Config::builder()
        .endpoint_url(url)
        .credentials(Credentials::new("test-id", "test-secret"))
        .attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .response_body_limit(BODY_LIMIT)
        .retry(
            RetryConfig::default()
                .with_max_attempts(MAX_ATTEMPTS)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(5))
                .with_quota(None),
        )
        .build();
    Runtime::new(config, &PRODUCT).unwrap()
}

async fn call(
    runtime: &Runtime,
    operation: &'static OperationMetadata,
) -> Result<Value, SdkError<String>> {
    let mut input = BTreeMap::new();
    input.insert("DBInstanceName".to_owned(), "rm-test".to_owned());
    // The outer limit only catches a hang: every behaviour must end well
    // within the call's own timeouts.
    tokio::time::timeout(
        OPERATION_TIMEOUT,
        runtime.invoke::<BTreeMap<String, String>, Value, String>(operation, &input, |code| {
            code.to_owned()
        }),
    )
    .await
    .expect("the call ends within its own timeouts")
}

fn assert_attempt_timeout(error: &SdkError<String>) {
    match error {
        SdkError::Timeout(timeout) => {
            assert_eq!(timeout.kind(), TimeoutKind::Attempt, "{error:?}");
            assert_eq!(timeout.limit(), ATTEMPT_TIMEOUT);
            assert!(timeout.request_sent(), "{error:?}");
        }
        other => panic!("expected an attempt timeout, got {other:?}"),
    }
}

fn assert_dispatch_after_sending(error: &SdkError<String>) {
    match error {
        SdkError::Dispatch(dispatch) => assert!(dispatch.request_sent(), "{error:?}"),
        other => panic!("expected a dispatch error after sending, got {other:?}"),
    }
}

/// Runs the non-idempotent and the idempotent operation against a fresh
/// server each, checks each error with `check`, and returns the requests
/// each server saw.
async fn both_operations(
    behaviour: Behaviour,
    check: fn(&SdkError<String>),
) -> (HostileServer, HostileServer) {
    let once = HostileServer::start(behaviour).await;
    let error = call(&runtime(&once.url()), &ACTIVATE).await.unwrap_err();
    check(&error);
    let retried = HostileServer::start(behaviour).await;
    let error = call(&runtime(&retried.url()), &DESCRIBE).await.unwrap_err();
    check(&error);
    (once, retried)
}

#[tokio::test]
async fn headers_then_a_stall_end_in_an_attempt_timeout() {
    let (once, retried) =
        both_operations(Behaviour::StallAfterHeaders, assert_attempt_timeout).await;
    assert_eq!(once.requests(), 1, "a non-idempotent call was resent");
    assert_eq!(retried.requests(), MAX_ATTEMPTS as usize);
}

#[tokio::test]
async fn a_body_trickled_a_byte_a_second_ends_in_an_attempt_timeout() {
    let (once, retried) = both_operations(Behaviour::TrickleBody, assert_attempt_timeout).await;
    assert_eq!(once.requests(), 1, "a non-idempotent call was resent");
    assert_eq!(retried.requests(), MAX_ATTEMPTS as usize);
}

#[tokio::test]
async fn an_endless_body_stops_at_the_body_limit() {
    let check = |error: &SdkError<String>| match error {
        SdkError::Response(response) => {
            assert_eq!(response.kind(), ResponseErrorKind::BodyTooLarge);
            assert_eq!(response.http_status(), Some(200));
        }
        other => panic!("expected a body too large, got {other:?}"),
    };
    let (once, retried) = both_operations(Behaviour::EndlessBody, check).await;
    // An oversized answer is not transient: neither operation is resent.
    assert_eq!(once.requests(), 1);
    assert_eq!(retried.requests(), 1);
}

#[tokio::test]
async fn a_connection_closed_mid_chunk_is_a_dispatch_error_after_sending() {
    let (once, retried) =
        both_operations(Behaviour::CloseMidChunk, assert_dispatch_after_sending).await;
    assert_eq!(once.requests(), 1, "a non-idempotent call was resent");
    assert_eq!(once.connections(), 1);
    assert_eq!(retried.requests(), MAX_ATTEMPTS as usize);
}

/// An answer that arrives before the request was read is still an answer
/// to it, as far as HTTP/1.1 on a fresh connection can tell: the call
/// succeeds, or fails as a dispatch after sending; either way a
/// non-idempotent call goes out once.
#[tokio::test]
async fn an_answer_sent_before_the_request_is_read() {
    let server = HostileServer::start(Behaviour::AnswerBeforeReading).await;
    let runtime = runtime(&server.url());
    for _ in 0..20 {
        let before = server.connections();
        match call(&runtime, &ACTIVATE).await {
            Ok(output) => assert_eq!(output["RequestId"], "REQ-OK"),
            Err(error) => assert_dispatch_after_sending(&error),
        }
        assert_eq!(
            server.connections() - before,
            1,
            "a non-idempotent call was resent"
        );
    }
}
