//! Arbitrary requests against a running emulator: whatever the query string,
//! headers and body, the emulator answers a well-formed JSON error (or, for
//! what hyper itself refuses, a plain HTTP error) and keeps serving. A panic
//! in the request path would lose the connection and fail the property.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Characters a request target may hold, including every one the parameter
/// decoder treats specially.
const QUERY_CHARACTERS: &[u8] = b"abcXYZ019-_.~%&=+/:;,!*'()@$?AF";

/// Parameter names the pipeline looks at, plus one it does not.
const PARAMETER_NAMES: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "Signature",
    "SecurityToken",
    "DBInstanceName",
    "SwitchTimeMode",
    "ForceSwitch",
    "Other",
];

const HEADER_NAMES: &[&str] = &[
    "authorization",
    "x-acs-action",
    "x-acs-version",
    "x-acs-date",
    "x-acs-signature-nonce",
    "x-acs-content-sha256",
    "x-acs-security-token",
    "content-type",
    "accept",
];

/// A value that is either plausible (so that deeper checks run) or noise.
fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(aliyun_rds_emulator::DEMO_ACCESS_KEY_ID.to_owned()),
        Just("ActivateMigrationTargetInstance".to_owned()),
        Just("2014-08-15".to_owned()),
        Just("HMAC-SHA1".to_owned()),
        Just("1.0".to_owned()),
        Just("application/x-www-form-urlencoded".to_owned()),
        Just("ACS3-HMAC-SHA256 Credential=LTAI5tRdsEmulatorDemoKey,SignedHeaders=host;x-acs-date,Signature=00".to_owned()),
        Just(common::timestamp(0)),
        Just("pgm-demo-ready".to_owned()),
        proptest::collection::vec(0x20u8..0x7f, 0..40)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
    ]
}

fn raw_query() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(proptest::sample::select(QUERY_CHARACTERS), 0..80)
            .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned()),
        proptest::collection::vec((proptest::sample::select(PARAMETER_NAMES), value()), 0..12)
            .prop_map(|pairs| {
                pairs
                    .iter()
                    .map(|(name, value)| format!("{name}={}", common::encode(value)))
                    .collect::<Vec<_>>()
                    .join("&")
            }),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    proptest::collection::vec(
        (
            proptest::sample::select(HEADER_NAMES),
            value().prop_map(|value| value.trim().to_owned()),
        ),
        0..8,
    )
}

#[derive(Debug, Clone)]
struct ArbitraryRequest {
    method: &'static str,
    path: &'static str,
    query: String,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn request() -> impl Strategy<Value = ArbitraryRequest> {
    (
        proptest::sample::select(&["GET", "POST", "PUT"][..]),
        proptest::sample::select(&["/", "/", "/x"][..]),
        raw_query(),
        headers(),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            raw_query().prop_map(String::into_bytes),
        ],
    )
        .prop_map(|(method, path, query, headers, body)| ArbitraryRequest {
            method,
            path,
            query,
            headers,
            body,
        })
}

async fn exchange(address: std::net::SocketAddr, request: &ArbitraryRequest) -> Vec<u8> {
    let mut text = format!(
        "{} {}?{} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\ncontent-length: {}\r\n",
        request.method,
        request.path,
        request.query,
        request.body.len()
    );
    for (name, value) in &request.headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(&request.body);
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    stream.write_all(&bytes).await.expect("writes");
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("answers in time")
        .expect("reads");
    response
}

#[test]
fn arbitrary_requests_get_json_errors_and_never_break_the_server() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = runtime.block_on(common::start(vec![]));
    let address = emulator.local_addr();
    let mut runner = TestRunner::new(Config {
        cases: 192,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&request(), |request| {
            let response = runtime.block_on(exchange(address, &request));
            let text = String::from_utf8_lossy(&response).into_owned();
            prop_assert!(text.starts_with("HTTP/1.1 "), "no HTTP answer: {text:?}");
            let status: u16 = text[9..12]
                .parse()
                .map_err(|_| TestCaseError::fail(format!("status: {text}")))?;
            let body = text
                .split_once("\r\n\r\n")
                .map(|(_, body)| body)
                .unwrap_or("");
            prop_assert!(
                [400, 404].contains(&status),
                "unexpected status {status}: {text}"
            );
            let json: serde_json::Value = serde_json::from_str(body)
                .map_err(|error| TestCaseError::fail(format!("{error}: {text}")))?;
            prop_assert!(json["Code"].is_string(), "{}", text);
            prop_assert!(json["RequestId"].is_string(), "{}", text);
            prop_assert!(
                !body.contains(aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET),
                "{}",
                text
            );
            Ok(())
        })
        .expect("every arbitrary request gets a JSON error");

    // The server still serves a correct request.
    let signer = common::Signer::demo();
    let reply = runtime.block_on(
        common::RpcRequest::new(
            &signer,
            common::ACTION,
            &[("DBInstanceName", "pgm-demo-ready")],
        )
        .send(&emulator, &signer.secret),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Every action the emulator implements.
const ACTIONS: &[&str] = &[
    "ActivateMigrationTargetInstance",
    "CheckCloudResourceAuthorized",
    "CreateCloudMigrationPrecheckTask",
    "CreateCloudMigrationTask",
    "DescribeCloudMigrationPrecheckResult",
    "DescribeCloudMigrationResult",
    "DescribeDBInstanceAttribute",
    "DescribeDBInstances",
    "DescribeRegions",
];

/// The operation parameters the handlers read.
const OPERATION_PARAMETERS: &[&str] = &[
    "DBInstanceName",
    "DBInstanceId",
    "RegionId",
    "TargetRegionId",
    "SourceIpAddress",
    "SourcePort",
    "SourceAccount",
    "SourceCategory",
    "TaskId",
    "TaskName",
    "PageNumber",
    "PageSize",
    "Engine",
    "DBInstanceStatus",
    "SearchKey",
    "AcceptLanguage",
    "ForceSwitch",
];

/// The password sent with every request of the property below.
const PROPERTY_PASSWORD: &str = "pw-property-5b1e";

/// A parameter value: one a handler accepts, an edge, or noise.
fn operation_value() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "pgm-demo-target",
            "pgm-demo-ready",
            "pgm-demo-syncing",
            "rm-demo-mysql",
            "cn-hangzhou",
            "172.16.10.30",
            "192.0.2.1",
            "::1",
            "ecsOnVpc",
            "idcOnVpc",
            "5432",
            "0",
            "-1",
            "65536",
            "30",
            "100",
            "4294967296",
            "9223372036854775807",
            "-9223372036854775808",
            "zh-CN",
        ])
        .prop_map(str::to_owned),
        "[0-9]{1,25}",
        "\\PC{0,24}",
    ]
}

#[test]
fn signed_requests_with_arbitrary_parameters_get_json_answers() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = runtime.block_on(common::start(vec![]));
    let signer = common::Signer::demo();
    let strategy = (
        prop::sample::select(ACTIONS),
        prop::collection::vec(
            (
                prop::sample::select(OPERATION_PARAMETERS),
                operation_value(),
            ),
            0..8,
        ),
    );
    let mut runner = TestRunner::new(Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&strategy, |(action, parameters)| {
            let mut all: Vec<(&str, &str)> = parameters
                .iter()
                .map(|(name, value)| (*name, value.as_str()))
                .collect();
            all.push(("SourcePassword", PROPERTY_PASSWORD));
            let reply = runtime.block_on(
                common::RpcRequest::new(&signer, action, &all).send(&emulator, &signer.secret),
            );
            prop_assert!(
                [200, 400, 403, 404].contains(&reply.status),
                "{action} {parameters:?}: {} {}",
                reply.status,
                reply.body
            );
            let json: serde_json::Value = serde_json::from_str(&reply.body)
                .map_err(|error| TestCaseError::fail(format!("{error}: {}", reply.body)))?;
            prop_assert!(json["RequestId"].is_string(), "{}", reply.body);
            if reply.status != 200 {
                prop_assert!(json["Code"].is_string(), "{}", reply.body);
            }
            prop_assert!(
                !reply.body.contains(PROPERTY_PASSWORD),
                "{action}: {}",
                reply.body
            );
            Ok(())
        })
        .expect("every signed request gets a JSON answer");
}
