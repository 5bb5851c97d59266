//! Alibaba's two published signature worked examples, reproduced byte for
//! byte: first through the verifier's canonicalisation functions, step by
//! step, then end to end through a running emulator, whose clock is moved to
//! the example's date so that only the signature decides.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aliyun_rds_emulator::signature;
use aliyun_rds_emulator::{Emulator, Fixture, KeyPair};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn examples() -> Value {
    let text = include_str!("../../aliyun-sign/tests/fixtures/signature_doc_examples.json");
    serde_json::from_str(text).expect("fixture is JSON")
}

fn case(name: &str) -> Value {
    examples()["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|case| case["name"] == name)
        .cloned()
        .expect("case present")
}

fn text(value: &Value) -> &str {
    value.as_str().expect("string field")
}

fn pairs(object: &Value) -> Vec<(String, String)> {
    object
        .as_object()
        .expect("object")
        .iter()
        .map(|(name, value)| (name.clone(), text(value).to_owned()))
        .collect()
}

fn seconds_until_now_from(timestamp: &str) -> i64 {
    let then =
        time::OffsetDateTime::parse(timestamp, &time::format_description::well_known::Rfc3339)
            .expect("example timestamp");
    (then - time::OffsetDateTime::now_utc()).whole_seconds()
}

#[test]
fn rpc_example_reproduces_every_intermediate_value() {
    let example = case("doc_v1_describe_regions_get");
    let params = pairs(&example["params"]);
    let canonical =
        signature::rpc_canonicalized_query(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(canonical, text(&example["canonicalized_query_string"]));
    let string_to_sign = signature::rpc_string_to_sign(text(&example["method"]), &canonical);
    assert_eq!(string_to_sign, text(&example["string_to_sign"]));
    let signature_value =
        signature::rpc_signature(text(&example["access_key_secret"]), &string_to_sign);
    assert_eq!(signature_value, text(&example["signature"]));
    assert_eq!(
        signature::percent_encode(&signature_value),
        text(&example["signature_url_encoded"])
    );
    assert!(signature::rpc_signature_matches(
        text(&example["access_key_secret"]),
        &string_to_sign,
        text(&example["signature"])
    ));
}

#[test]
fn acs3_example_reproduces_every_intermediate_value() {
    let example = case("doc_v3_run_instances");
    let query = pairs(&example["query"]);
    let canonical_query =
        signature::acs3_canonical_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    assert_eq!(canonical_query, text(&example["canonical_query_string"]));

    let headers = pairs(&example["headers"]);
    let signed: Vec<String> = headers.iter().map(|(name, _)| name.clone()).collect();
    let canonical_headers =
        signature::acs3_canonical_headers(&headers, &signed).expect("all signed headers present");
    assert_eq!(canonical_headers, text(&example["canonical_headers"]));
    let signed_list = signature::acs3_signed_headers_list(&signed);
    assert_eq!(signed_list, text(&example["signed_headers"]));

    let hashed_payload = signature::sha256_hex(text(&example["payload"]).as_bytes());
    assert_eq!(hashed_payload, text(&example["hashed_payload"]));
    let canonical_request = signature::acs3_canonical_request(
        text(&example["method"]),
        text(&example["pathname"]),
        &canonical_query,
        &canonical_headers,
        &signed_list,
        &hashed_payload,
    );
    assert_eq!(canonical_request, text(&example["canonical_request"]));
    assert_eq!(
        signature::sha256_hex(canonical_request.as_bytes()),
        text(&example["hashed_canonical_request"])
    );
    let string_to_sign = signature::acs3_string_to_sign(&canonical_request);
    assert_eq!(string_to_sign, text(&example["string_to_sign"]));
    let signature_value =
        signature::acs3_signature(text(&example["access_key_secret"]), &string_to_sign);
    assert_eq!(signature_value, text(&example["signature"]));
    assert_eq!(
        format!(
            "ACS3-HMAC-SHA256 Credential={},SignedHeaders={signed_list},Signature={signature_value}",
            text(&example["access_key_id"])
        ),
        text(&example["authorization"])
    );
}

/// Sends raw HTTP/1.1 and returns the response's status and JSON body.
async fn raw_exchange(address: std::net::SocketAddr, request: String) -> (u16, Value) {
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connects");
    stream.write_all(request.as_bytes()).await.expect("writes");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reads");
    let response = String::from_utf8(response).expect("UTF-8 response");
    let status: u16 = response[9..12].parse().expect("status code");
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .expect("body");
    (status, serde_json::from_str(body).expect("JSON body"))
}

#[tokio::test]
async fn rpc_example_passes_the_running_verifier() {
    let example = case("doc_v1_describe_regions_get");
    let params = pairs(&example["params"]);
    let timestamp = &params
        .iter()
        .find(|(name, _)| name == "Timestamp")
        .expect("Timestamp")
        .1;
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .key_pair(KeyPair::new("testid", text(&example["access_key_secret"])))
        .clock_offset(seconds_until_now_from(timestamp))
        .start("127.0.0.1:0")
        .await
        .expect("starts");
    let mut query: Vec<String> = params
        .iter()
        .map(|(n, v)| format!("{}={}", common::encode(n), common::encode(v)))
        .collect();
    query.push(format!(
        "Signature={}",
        text(&example["signature_url_encoded"])
    ));
    let request = format!(
        "GET /?{} HTTP/1.1\r\nHost: ecs.aliyuncs.com\r\nConnection: close\r\n\r\n",
        query.join("&")
    );
    let (status, body) = raw_exchange(emulator.local_addr(), request).await;
    // The example is an ECS call (Version 2014-05-26): the signature is
    // accepted and only then is the version refused.
    assert_eq!(
        (status, &body["Code"]),
        (400, &Value::from("InvalidVersion")),
        "{body}"
    );

    // One character off in the signature and it is refused.
    let tampered = text(&example["signature_url_encoded"]).replacen('O', "P", 1);
    let mut query: Vec<String> = params
        .iter()
        .filter(|(name, _)| name != "SignatureNonce")
        .map(|(n, v)| format!("{}={}", common::encode(n), common::encode(v)))
        .collect();
    query.push("SignatureNonce=3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf".into());
    query.push(format!("Signature={tampered}"));
    let request = format!(
        "GET /?{} HTTP/1.1\r\nHost: ecs.aliyuncs.com\r\nConnection: close\r\n\r\n",
        query.join("&")
    );
    let (status, body) = raw_exchange(emulator.local_addr(), request).await;
    assert_eq!(
        (status, &body["Code"]),
        (400, &Value::from("SignatureDoesNotMatch")),
        "{body}"
    );
}

#[tokio::test]
async fn acs3_example_passes_the_running_verifier() {
    let example = case("doc_v3_run_instances");
    let headers = pairs(&example["headers"]);
    let date = &headers
        .iter()
        .find(|(name, _)| name == "x-acs-date")
        .expect("x-acs-date")
        .1;
    let emulator = Emulator::builder()
        .key_pair(KeyPair::new(
            text(&example["access_key_id"]),
            text(&example["access_key_secret"]),
        ))
        .clock_offset(seconds_until_now_from(date))
        .start("127.0.0.1:0")
        .await
        .expect("starts");
    let mut request = format!(
        "POST /?{} HTTP/1.1\r\n",
        text(&example["canonical_query_string"])
    );
    for (name, value) in &headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(&format!(
        "authorization: {}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
        text(&example["authorization"])
    ));
    let (status, body) = raw_exchange(emulator.local_addr(), request).await;
    assert_eq!(
        (status, &body["Code"]),
        (400, &Value::from("InvalidVersion")),
        "{body}"
    );
}
