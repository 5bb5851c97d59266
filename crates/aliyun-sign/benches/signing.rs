//! Signing cost beside its floor, the raw HMAC over the same string to
//! sign, measured in the same run:
//!
//! * `v1`: HMAC-SHA1 RPC signing of pre-flattened parameters;
//! * `v3`: ACS3-HMAC-SHA256 signing of the same parameters;
//! * `activate`: the full build-and-sign of an
//!   ActivateMigrationTargetInstance request from its typed input
//!   (serialize, flatten, sort, encode, sign, build the URL).
//!
//! Run with `cargo bench -p aliyun-sign --bench signing`.

// Benches fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aliyun_codec::metadata::{HttpMethod, Idempotency, OperationMetadata};
use aliyun_codec::parameters::flatten_parameters;
use aliyun_sign::endpoint::Endpoint;
use aliyun_sign::signing::{
    canonical_query_string, format_timestamp, rpc_string_to_sign, sign_request,
    v3_canonical_request, v3_string_to_sign, SigningInput, EMPTY_PAYLOAD_SHA256,
};
use aliyun_sign::{Credentials, SignatureVersion};
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, Mac};
use serde::Serialize;

static ACTIVATE: OperationMetadata = OperationMetadata {
    name: "ActivateMigrationTargetInstance",
    rust_name: "activate_migration_target_instance",
    summary: "Switches workloads over to the migration target.",
    method: HttpMethod::Post,
    pathname: "/",
    idempotency: Idempotency {
        operation_type: "update",
        idempotent: false,
    },
    deprecated: false,
    parameters: &[],
    error_rows: &[],
    error_table: &[],
    sample_response: None,
};

/// The operation's input as the generated crate shapes it.
#[derive(Serialize)]
struct ActivateMigrationTargetInstanceInput {
    #[serde(rename = "DBInstanceName")]
    db_instance_name: String,
    #[serde(rename = "SwitchTime", skip_serializing_if = "Option::is_none")]
    switch_time: Option<String>,
    #[serde(rename = "SwitchTimeMode", skip_serializing_if = "Option::is_none")]
    switch_time_mode: Option<String>,
    #[serde(rename = "ForceSwitch", skip_serializing_if = "Option::is_none")]
    force_switch: Option<String>,
}

fn input() -> ActivateMigrationTargetInstanceInput {
    ActivateMigrationTargetInstanceInput {
        db_instance_name: "pgm-bp102g323jd4****".to_owned(),
        switch_time: Some("2022-02-25T06:57:41Z".to_owned()),
        switch_time_mode: Some("0".to_owned()),
        force_switch: Some("1".to_owned()),
    }
}

const NONCE: &str = "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf";

fn timestamp() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_645_772_261)
}

/// The V1 string to sign the signer builds, computed the slow, obvious way.
fn v1_string_to_sign(credentials: &Credentials, parameters: &[(String, String)]) -> String {
    let mut all: Vec<(String, String)> = vec![
        ("AccessKeyId".into(), credentials.access_key_id().into()),
        ("Action".into(), ACTIVATE.name.into()),
        ("Format".into(), "JSON".into()),
        ("SignatureMethod".into(), "HMAC-SHA1".into()),
        ("SignatureNonce".into(), NONCE.into()),
        ("SignatureVersion".into(), "1.0".into()),
        ("Timestamp".into(), format_timestamp(timestamp())),
        ("Version".into(), "2014-08-15".into()),
    ];
    if let Some(token) = credentials.security_token() {
        all.push(("SecurityToken".into(), token.into()));
    }
    all.extend(parameters.iter().cloned());
    rpc_string_to_sign("POST", &canonical_query_string(&all))
}

fn v3_string(endpoint: &Endpoint, parameters: &[(String, String)]) -> String {
    let date = format_timestamp(timestamp());
    let headers = [
        ("host", endpoint.authority()),
        ("x-acs-action", ACTIVATE.name),
        ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
        ("x-acs-date", date.as_str()),
        ("x-acs-signature-nonce", NONCE),
        ("x-acs-version", "2014-08-15"),
    ];
    let canonical = v3_canonical_request(
        "POST",
        "/",
        &canonical_query_string(parameters),
        &headers,
        EMPTY_PAYLOAD_SHA256,
    );
    v3_string_to_sign(&canonical.canonical_request)
}

fn raw_hmac_sha1(key: &str, message: &str) -> [u8; 20] {
    let mut mac = <Hmac<sha1::Sha1> as Mac>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().into()
}

fn raw_hmac_sha256(key: &str, message: &str) -> [u8; 32] {
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().into()
}

fn signing(criterion: &mut Criterion) {
    let credentials = Credentials::new("LTAI5tExampleAccessKey", "ExampleAccessKeySecretValue1234");
    let endpoint = Endpoint::https("rds.aliyuncs.com").unwrap();
    let parameters = flatten_parameters(&input()).unwrap();
    let signing_input = SigningInput {
        method: HttpMethod::Post,
        endpoint: &endpoint,
        action: ACTIVATE.name,
        version: "2014-08-15",
        parameters: &parameters,
        body: &[],
        credentials: &credentials,
        timestamp: timestamp(),
        nonce: NONCE,
    };

    let v1_string = v1_string_to_sign(&credentials, &parameters);
    let v1_key = format!("{}&", credentials.access_key_secret());
    let mut group = criterion.benchmark_group("v1");
    group.bench_function("raw_hmac_sha1", |b| {
        b.iter(|| raw_hmac_sha1(black_box(&v1_key), black_box(&v1_string)))
    });
    group.bench_function("sign", |b| {
        b.iter(|| sign_request(SignatureVersion::V1, black_box(&signing_input)))
    });
    group.finish();

    let v3 = v3_string(&endpoint, &parameters);
    let mut group = criterion.benchmark_group("v3");
    group.bench_function("raw_hmac_sha256", |b| {
        b.iter(|| raw_hmac_sha256(black_box(credentials.access_key_secret()), black_box(&v3)))
    });
    group.bench_function("sign", |b| {
        b.iter(|| sign_request(SignatureVersion::V3, black_box(&signing_input)))
    });
    group.finish();

    let typed_input = input();
    let mut group = criterion.benchmark_group("activate");
    group.bench_function("raw_hmac_sha1", |b| {
        b.iter(|| raw_hmac_sha1(black_box(&v1_key), black_box(&v1_string)))
    });
    group.bench_function("build_and_sign", |b| {
        b.iter(|| {
            let parameters = flatten_parameters(black_box(&typed_input)).unwrap();
            sign_request(
                SignatureVersion::V1,
                &SigningInput {
                    parameters: &parameters,
                    body: &[],
                    ..signing_input
                },
            )
        })
    });
    group.finish();

    // The pieces of build-and-sign, to see where time goes.
    let mut group = criterion.benchmark_group("parts");
    group.bench_function("flatten_parameters", |b| {
        b.iter(|| flatten_parameters(black_box(&typed_input)).unwrap())
    });
    group.bench_function("format_timestamp", |b| {
        b.iter(|| format_timestamp(black_box(timestamp())))
    });
    group.bench_function("canonical_query_string", |b| {
        b.iter(|| canonical_query_string(black_box(&parameters)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(50);
    targets = signing
}
criterion_main!(benches);
