//! Fault injection and request counting, observed by real clients over
//! loopback.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use aliyun_rds_emulator::{Fault, MigrationStage};
use common::{RpcRequest, Signer, ACTION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const NOTASK: (&str, &str) = ("DBInstanceName", "pgm-demo-notask");
const READY: (&str, &str) = ("DBInstanceName", "pgm-demo-ready");

fn throttling() -> Fault {
    Fault::throttling(Some("2"))
}

/// A signed request URL for the RPC scheme, for clients other than the
/// helpers'.
fn signed_url(emulator: &aliyun_rds_emulator::RunningEmulator, extra: &[(&str, &str)]) -> String {
    let signer = Signer::demo();
    let request = RpcRequest::new(&signer, ACTION, extra);
    let signature = request.signature(&signer.secret);
    let mut query = request.query.clone();
    query.push(("Signature".into(), signature));
    let text = query
        .iter()
        .map(|(name, value)| format!("{}={}", common::encode(name), common::encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    format!("{}/?{text}", emulator.base_url())
}

#[tokio::test]
async fn error_faults_answer_the_given_error_then_stop() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    emulator.faults().inject(ACTION, throttling(), 2);
    emulator
        .faults()
        .inject(ACTION, Fault::service_unavailable(), 1);
    emulator.faults().inject(
        ACTION,
        Fault::Error {
            http_status: 418,
            code: "Custom.Teapot".into(),
            message: "A custom fault.".into(),
            retry_after: Some("Wed, 21 Oct 2015 07:28:00 GMT".into()),
        },
        1,
    );
    for _ in 0..2 {
        let reply = RpcRequest::new(&signer, ACTION, &[READY])
            .send(&emulator, &signer.secret)
            .await;
        reply.assert_error(400, "Throttling.User");
        assert_eq!(
            reply.message(),
            "Request was denied due to user flow control."
        );
        assert_eq!(reply.header("x-acs-retry-after").as_deref(), Some("2"));
        assert!(reply.header("date").is_some());
    }
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(503, "ServiceUnavailable");
    assert_eq!(
        reply.message(),
        "The request has failed due to a temporary failure of the server."
    );
    assert_eq!(reply.header("x-acs-retry-after"), None);
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    reply.assert_error(418, "Custom.Teapot");
    assert_eq!(reply.message(), "A custom fault.");
    assert_eq!(
        reply.header("x-acs-retry-after").as_deref(),
        Some("Wed, 21 Oct 2015 07:28:00 GMT")
    );
    // The operation did not run while faults answered.
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .and_then(|i| i.migration_task)
            .map(|t| t.stage),
        Some(MigrationStage::Synchronized)
    );
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(emulator.request_count(ACTION), 5);
}

#[tokio::test]
async fn faults_apply_after_signature_verification_and_only_to_their_action() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    emulator.faults().inject(ACTION, throttling(), 1);
    emulator
        .faults()
        .inject("DescribeDBInstances", Fault::DropConnection, 5);
    // A badly signed request gets the signature error and leaves the fault.
    RpcRequest::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, "wrong-secret")
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    RpcRequest::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, &signer.secret)
        .await
        .assert_error(400, "Throttling.User");
    RpcRequest::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, &signer.secret)
        .await
        .assert_error(400, "InvalidMigrateTask");
}

#[tokio::test]
async fn clear_removes_every_queued_fault() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let faults = emulator.faults();
    faults.inject(ACTION, throttling(), 10);
    faults.clone().clear();
    RpcRequest::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, &signer.secret)
        .await
        .assert_error(400, "InvalidMigrateTask");
}

#[tokio::test]
async fn malformed_body_fault_answers_200_with_non_json() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    emulator.faults().inject(ACTION, Fault::MalformedBody, 1);
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(reply.status, 200);
    assert!(serde_json::from_str::<serde_json::Value>(&reply.body).is_err());
    assert!(reply.header("x-acs-request-id").is_some());
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .and_then(|i| i.migration_task)
            .map(|t| t.stage),
        Some(MigrationStage::Synchronized)
    );
}

#[tokio::test]
async fn dropped_connection_is_a_connection_error_for_the_client() {
    let emulator = common::start(vec![]).await;
    emulator.faults().inject(ACTION, Fault::DropConnection, 2);

    // An HTTP client sees an error, not a response.
    let result = common::client()
        .get(signed_url(&emulator, &[READY]))
        .send()
        .await;
    let error = result.expect_err("the connection is dropped");
    assert!(error.status().is_none());
    assert!(error.is_request() || error.is_connect(), "{error:?}");

    // On the socket itself: the request is written and not one byte comes
    // back before the connection closes.
    let url = signed_url(&emulator, &[READY]);
    let path = url
        .strip_prefix(&emulator.base_url())
        .expect("url on the emulator")
        .to_owned();
    let mut stream = tokio::net::TcpStream::connect(emulator.local_addr())
        .await
        .expect("connects");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: keep-alive\r\n\r\n",
        emulator.local_addr()
    );
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut received = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut received))
        .await
        .expect("the server closes the connection");
    // A reset is as good as an orderly close: either way nothing arrived.
    if read.is_ok() {
        assert!(
            received.is_empty(),
            "{}",
            String::from_utf8_lossy(&received)
        );
    }
    assert_eq!(emulator.request_count(ACTION), 2);
    // The operation did not run.
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .and_then(|i| i.migration_task)
            .map(|t| t.stage),
        Some(MigrationStage::Synchronized)
    );
    // The next request is served normally.
    let signer = Signer::demo();
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

#[tokio::test]
async fn delay_fault_runs_the_operation_then_answers_late() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    let delay = Duration::from_millis(400);
    emulator.faults().inject(ACTION, Fault::Delay(delay), 2);

    let started = Instant::now();
    let reply = RpcRequest::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, &signer.secret)
        .await;
    assert!(started.elapsed() >= delay, "{:?}", started.elapsed());
    reply.assert_error(400, "InvalidMigrateTask");

    // A client that gives up before the answer: the switchover happened
    // anyway, which is the ambiguity a timeout leaves.
    let client = reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_millis(100))
        .build()
        .expect("client");
    let error = client
        .get(signed_url(&emulator, &[READY]))
        .send()
        .await
        .expect_err("the client times out");
    assert!(error.is_timeout(), "{error:?}");
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .and_then(|i| i.migration_task)
            .map(|t| t.stage),
        Some(MigrationStage::Completed)
    );
}

#[tokio::test]
async fn request_counters_count_every_request_naming_the_action() {
    let emulator = common::start(vec![]).await;
    let signer = Signer::demo();
    assert_eq!(emulator.request_count(ACTION), 0);
    RpcRequest::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, &signer.secret)
        .await;
    RpcRequest::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, "wrong")
        .await;
    RpcRequest::new(&signer, ACTION, &[NOTASK])
        .set("Version", "1999-01-01")
        .send(&emulator, &signer.secret)
        .await;
    common::Acs3Request::new(&signer, ACTION, &[NOTASK])
        .send(&emulator, &signer.id, &signer.secret)
        .await;
    RpcRequest::new(&signer, "DescribeRegions", &[])
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(emulator.request_count(ACTION), 4);
    assert_eq!(emulator.request_count("DescribeRegions"), 1);
    assert_eq!(emulator.request_count("CreateDBInstance"), 0);
    assert_eq!(emulator.nonces().len(), 5);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let emulator = common::start(vec![]).await;
    let address = emulator.local_addr();
    let handle = emulator.shutdown_handle();
    let waiter = tokio::spawn(emulator.wait());
    handle.shutdown();
    tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("wait returns after shutdown")
        .expect("server task joined");
    assert!(tokio::net::TcpStream::connect(address).await.is_err());

    let emulator = common::start(vec![]).await;
    let address = emulator.local_addr();
    emulator.shutdown().await;
    assert!(tokio::net::TcpStream::connect(address).await.is_err());
}

#[tokio::test]
async fn drop_after_execution_runs_the_operation_then_drops_the_connection() {
    let observed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let emulator = aliyun_rds_emulator::Emulator::builder()
        .observer({
            let observed = std::sync::Arc::clone(&observed);
            move |observation| {
                observed.lock().unwrap().push((
                    observation.action.to_owned(),
                    observation.nonce.map(str::to_owned),
                    observation.executed,
                ));
            }
        })
        .start("127.0.0.1:0")
        .await
        .unwrap();
    emulator.faults().inject(ACTION, Fault::DropConnection, 1);
    emulator
        .faults()
        .inject(ACTION, Fault::DropAfterExecution, 1);

    // Dropped before running: the instance is still synchronized.
    let error = common::client()
        .get(signed_url(&emulator, &[NOTASK]))
        .send()
        .await;
    assert!(error.is_err());
    // Dropped after running: the switchover happened, no answer came.
    let error = common::client()
        .get(signed_url(&emulator, &[READY]))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(error.status().is_none());
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .and_then(|i| i.migration_task)
            .map(|t| t.stage),
        Some(MigrationStage::Completed)
    );
    let observed = observed.lock().unwrap().clone();
    assert_eq!(observed.len(), 2, "{observed:?}");
    let executed: Vec<bool> = observed.iter().map(|(_, _, executed)| *executed).collect();
    assert_eq!(executed, [false, true]);
    assert!(observed
        .iter()
        .all(|(action, nonce, _)| action == ACTION && nonce.is_some()));
}

#[tokio::test]
async fn drop_before_reading_closes_the_connection_unread_and_uncounted() {
    let emulator = common::start(vec![]).await;
    emulator
        .faults()
        .inject(ACTION, Fault::DropBeforeReading, 1);
    let error = common::client()
        .get(signed_url(&emulator, &[READY]))
        .send()
        .await
        .expect_err("the connection is dropped");
    assert!(error.status().is_none());
    assert_eq!(emulator.request_count(ACTION), 0);
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .and_then(|i| i.migration_task)
            .map(|t| t.stage),
        Some(MigrationStage::Synchronized)
    );
    // The fault is spent: the next request is served.
    let signer = Signer::demo();
    let reply = RpcRequest::new(&signer, ACTION, &[READY])
        .send(&emulator, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(emulator.request_count(ACTION), 1);
}
