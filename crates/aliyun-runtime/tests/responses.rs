//! Every error-body shape the service (or something in front of it) can
//! answer, through a real loopback server, and fuzzing of the decoders.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use aliyun_runtime::de::{Decoded, MapSource, Object};
use aliyun_runtime::error::ResponseErrorKind;
use aliyun_runtime::response::{decode_response, parse_service_error};
use aliyun_runtime::{Config, Credentials, FromJson, RetryConfig, Runtime, SdkError};
use proptest::prelude::*;
use serde_json::Value;
use support::{Reply, TestServer, ACTIVATE, PRODUCT};

async fn answer(reply: Reply) -> SdkError<String> {
    answer_with(reply, Config::builder()).await
}

async fn answer_with(reply: Reply, builder: aliyun_runtime::ConfigBuilder) -> SdkError<String> {
    let server = TestServer::start(move |_, _| reply.clone()).await;
    let config = builder
        .endpoint_url(server.url())
        .credentials(Credentials::new("id", "secret"))
        .retry(RetryConfig::disabled())
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    runtime
        .invoke::<BTreeMap<String, String>, Value, String>(&ACTIVATE, &BTreeMap::new(), |code| {
            format!("typed:{code}")
        })
        .await
        .unwrap_err()
}

#[tokio::test]
async fn official_json_error_shape_is_fully_parsed() {
    let body = r#"{"RequestId":"REQ-1","HostId":"rds.aliyuncs.com","Code":"Forbidden.RAM","Message":"User not authorized.","Recommend":"https://api.aliyun.com/troubleshoot?q=Forbidden.RAM","AccessDeniedDetail":"{\"PolicyType\":\"AccountLevelIdentityBasedPolicy\"}"}"#;
    let error = answer(Reply::json(403, body)).await;
    let service = error.as_service_error().expect("service error");
    assert_eq!(service.kind(), "typed:Forbidden.RAM");
    let metadata = service.metadata();
    assert_eq!(metadata.http_status, 403);
    assert_eq!(metadata.code, "Forbidden.RAM");
    assert_eq!(metadata.message, "User not authorized.");
    assert_eq!(metadata.request_id.as_deref(), Some("REQ-1"));
    assert_eq!(metadata.host_id.as_deref(), Some("rds.aliyuncs.com"));
    assert!(metadata
        .recommend
        .as_deref()
        .unwrap()
        .contains("troubleshoot"));
    assert!(metadata
        .access_denied_detail
        .as_deref()
        .unwrap()
        .contains("PolicyType"));
    let shown = error.to_string();
    for part in ["Forbidden.RAM", "User not authorized.", "REQ-1", "403"] {
        assert!(shown.contains(part), "{shown}");
    }
}

#[tokio::test]
async fn lower_case_json_keys_are_tolerated() {
    let error = answer(Reply::json(
        400,
        r#"{"requestId":"r-2","code":"InvalidParameter","message":"bad"}"#,
    ))
    .await;
    let metadata = error.as_service_error().unwrap().metadata();
    assert_eq!(
        (metadata.code.as_str(), metadata.message.as_str()),
        ("InvalidParameter", "bad")
    );
    assert_eq!(metadata.request_id.as_deref(), Some("r-2"));
}

#[tokio::test]
async fn xml_error_bodies_are_parsed() {
    let body = "<?xml version='1.0' encoding='UTF-8'?><Error><RequestId>R-X</RequestId><HostId>rds.aliyuncs.com</HostId><Code>IncompleteSignature</Code><Message>The request signature does not conform &amp; fails.</Message></Error>";
    let error = answer(Reply::raw(400, "text/xml", body.as_bytes())).await;
    let metadata = error.as_service_error().expect("service error").metadata();
    assert_eq!(metadata.code, "IncompleteSignature");
    assert_eq!(
        metadata.message,
        "The request signature does not conform & fails."
    );
    assert_eq!(metadata.request_id.as_deref(), Some("R-X"));
    assert_eq!(metadata.host_id.as_deref(), Some("rds.aliyuncs.com"));
}

#[tokio::test]
async fn html_and_empty_bodies_are_response_errors_with_their_status() {
    let error = answer(Reply::raw(
        502,
        "text/html",
        b"<html><body>Bad Gateway</body></html>",
    ))
    .await;
    match &error {
        SdkError::Response(response) => {
            assert_eq!(response.kind(), ResponseErrorKind::UnrecognizedErrorBody);
            assert_eq!(response.http_status(), Some(502));
            assert!(response.body_excerpt().contains("Bad Gateway"));
        }
        other => panic!("expected a response error, got {other:?}"),
    }
    assert!(error.to_string().contains("HTTP 502"), "{error}");

    let error = answer(Reply::raw(500, "text/plain", b"")).await;
    assert_eq!(error.http_status(), Some(500));
    assert!(matches!(error, SdkError::Response(_)));
    assert!(error.to_string().contains("empty body"), "{error}");
}

/// Calls `ActivateMigrationTargetInstance` on `server`, decoding the answer
/// as `O`, and returns the failure.
async fn failed_call<O: FromJson + std::fmt::Debug>(server: &TestServer) -> SdkError<String> {
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("id", "secret"))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    runtime
        .invoke::<BTreeMap<String, String>, O, String>(&ACTIVATE, &BTreeMap::new(), |code| {
            code.to_owned()
        })
        .await
        .unwrap_err()
}

#[tokio::test]
async fn a_success_body_that_is_not_the_output_is_a_response_error() {
    let server =
        TestServer::start(|_, _| Reply::raw(200, "text/html", b"<html>captive portal</html>"))
            .await;
    let error = failed_call::<Value>(&server).await;
    match &error {
        SdkError::Response(response) => {
            assert_eq!(response.kind(), ResponseErrorKind::UndecodableOutput);
            assert_eq!(response.http_status(), Some(200));
            // Not JSON at all: no field to name, the body kept whole.
            assert_eq!(response.field_path(), None);
            assert_eq!(response.body(), b"<html>captive portal</html>");
        }
        other => panic!("expected a response error, got {other:?}"),
    }
    assert!(
        std::error::Error::source(&error).is_some(),
        "the JSON error is kept as the source"
    );
    assert_eq!(server.request_count(), 1);
}

/// An output whose records' `CpuTime` is documented as an integer, with
/// `FromJson` written as the generator writes it.
#[derive(Debug)]
struct SlowLogs {
    _items: Option<Items>,
}

#[derive(Debug)]
struct Items {
    _records: Option<Vec<Record>>,
}

#[derive(Debug)]
struct Record {
    _cpu_time: Option<i64>,
}

impl FromJson for SlowLogs {
    fn from_object(source: &mut dyn MapSource<'_>) -> Decoded<Self> {
        let mut decoded = SlowLogs { _items: None };
        let mut object = Object::new(source);
        while let Some(name) = object.next_name() {
            if name == "Items" {
                object.read(&name, &mut decoded._items);
            }
        }
        object.finish(decoded)
    }
}

impl FromJson for Items {
    fn from_object(source: &mut dyn MapSource<'_>) -> Decoded<Self> {
        let mut decoded = Items { _records: None };
        let mut object = Object::new(source);
        while let Some(name) = object.next_name() {
            if name == "SQLSlowRecord" {
                object.read(&name, &mut decoded._records);
            }
        }
        object.finish(decoded)
    }
}

impl FromJson for Record {
    fn from_object(source: &mut dyn MapSource<'_>) -> Decoded<Self> {
        let mut decoded = Record { _cpu_time: None };
        let mut object = Object::new(source);
        while let Some(name) = object.next_name() {
            if name == "CpuTime" {
                object.read(&name, &mut decoded._cpu_time);
            }
        }
        object.finish(decoded)
    }
}

#[tokio::test]
async fn a_mistyped_field_is_named_and_the_whole_body_kept() {
    let body =
        br#"{"RequestId":"r-1","Items":{"SQLSlowRecord":[{"CpuTime":1},{"CpuTime":0.002}]}}"#;
    let server = TestServer::start(|_, _| Reply::raw(200, "application/json", body)).await;
    let error = failed_call::<SlowLogs>(&server).await;
    let SdkError::Response(response) = &error else {
        panic!("expected a response error, got {error:?}");
    };
    assert_eq!(response.kind(), ResponseErrorKind::UndecodableOutput);
    assert_eq!(
        response.field_path(),
        Some("Items.SQLSlowRecord[1].CpuTime")
    );
    assert!(
        error
            .to_string()
            .contains("`Items.SQLSlowRecord[1].CpuTime`"),
        "{error}"
    );
    // The caller can still read everything the service sent.
    let raw: Value = serde_json::from_slice(response.body()).expect("the body is JSON");
    assert_eq!(raw["Items"]["SQLSlowRecord"][0]["CpuTime"], 1);
    assert_eq!(raw["RequestId"], "r-1");
}

#[tokio::test]
async fn oversized_bodies_are_refused_while_streaming() {
    let big = vec![b'x'; 64 * 1024];
    let error = answer_with(
        Reply::raw(200, "application/json", &big),
        Config::builder().response_body_limit(1024),
    )
    .await;
    match &error {
        SdkError::Response(response) => {
            assert_eq!(response.kind(), ResponseErrorKind::BodyTooLarge)
        }
        other => panic!("expected a body-too-large error, got {other:?}"),
    }
}

#[test]
fn excerpts_are_bounded() {
    let body = vec![b'a'; 10_000];
    let error = decode_response::<Value, String>(500, &body, |c| c.to_owned()).unwrap_err();
    match error {
        SdkError::Response(response) => assert!(response.body_excerpt().len() < 600),
        other => panic!("unexpected {other:?}"),
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".*".prop_map(Value::String),
        prop_oneof![
            Just("Code"),
            Just("code"),
            Just("Message"),
            Just("RequestId")
        ]
        .prop_map(|s| Value::String(s.to_owned())),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    Just("Code".to_owned()),
                    Just("code".to_owned()),
                    Just("Message".to_owned()),
                    ".*"
                ],
                inner,
                0..8
            )
            .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn decoders_never_panic_on_arbitrary_bytes(body in prop::collection::vec(any::<u8>(), 0..512), status in 100u16..600) {
        let _ = parse_service_error(status, &body);
        let _ = decode_response::<Value, String>(status, &body, |c| c.to_owned());
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_xml_like_bytes(
        body in "(<[A-Za-z]{0,6}>|</[A-Za-z]{0,6}>|&[a-z#0-9]{0,5};|<!\\[CDATA\\[|\\]\\]>|[^<&]{0,8}){0,30}",
        status in 400u16..600,
    ) {
        let _ = parse_service_error(status, body.as_bytes());
        let _ = decode_response::<Value, String>(status, body.as_bytes(), |c| c.to_owned());
    }

    #[test]
    fn decoders_never_panic_on_arbitrary_json(value in arbitrary_json(), status in 100u16..600) {
        let body = serde_json::to_vec(&value).unwrap();
        let parsed = parse_service_error(status, &body);
        if let Some(metadata) = parsed {
            prop_assert!(!metadata.code.is_empty());
            prop_assert_eq!(metadata.http_status, status);
        }
        let _ = decode_response::<Value, String>(status, &body, |c| c.to_owned());
    }
}
