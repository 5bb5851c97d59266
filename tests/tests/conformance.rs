//! Wire conformance with Alibaba's official Python SDK, for every
//! operation of the API.
//!
//! `tests/conformance/fixtures/requests.json` holds what the official SDK
//! (`alibabacloud-rds20140815`, signature V3, its default) put on the wire
//! for each operation with every documented parameter set (the parameters
//! of api-docs, or, for the operations only the SDK metadata describes,
//! those of the SDK's models but its reserved account fields); how it was
//! captured and how to refresh it is in `tests/conformance/README.md`. This
//! test gives the same values to our client, through the operation's
//! metadata as the CLI does, has it sign the request (nothing is sent),
//! and compares method, query parameters, form-body parameters and the
//! action header with the capture.
//!
//! The official SDK's quirks that we deliberately do not copy are listed in
//! [`QUIRKS`], each with the reason; the comparison forgives exactly those.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use aliyun_rds::metadata::OPERATIONS;
use aliyun_runtime::metadata::{OperationMetadata, ParameterStyle, ValueType};
use aliyun_runtime::{Config, Credentials, SignatureVersion};
use serde_json::{Map, Value};

/// Where we differ from the official SDK on purpose.
const QUIRKS: &[(&str, &str)] = &[
    (
        "booleans",
        "the SDK writes Python's `True`/`False` in query and form parameters; we send the documented `true`/`false`, which the service also accepts",
    ),
    (
        "json key order and spacing",
        "`json`-style values are compared as JSON: the SDK orders object keys by its model, we by the value given",
    ),
    (
        "DescribeDBInstanceReplication method",
        "the documentation allows only GET and we send GET; the SDK sends POST",
    ),
];

/// Operations whose HTTP method we take from the documentation where the
/// SDK deviates from it (see [`QUIRKS`]).
const DOCUMENTED_METHOD: &[&str] = &["DescribeDBInstanceReplication"];

/// One operation as the official SDK sent it.
#[derive(Debug, serde::Deserialize)]
struct Capture {
    method: String,
    values: Map<String, Value>,
    query: BTreeMap<String, String>,
    form: BTreeMap<String, String>,
    headers: BTreeMap<String, String>,
    /// Which metadata gave the operation's parameters: `apiDocs` or
    /// `sdkMetadata`.
    source: String,
}

#[derive(Debug, serde::Deserialize)]
struct Fixture {
    operations: BTreeMap<String, Capture>,
}

fn fixture() -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/fixtures/requests.json");
    let text = std::fs::read_to_string(&path).expect("read the conformance fixture");
    serde_json::from_str(&text).expect("the conformance fixture is valid JSON")
}

/// The value our client is given for a parameter, as a user of the CLI or
/// the dynamic `invoke` writes it: `json`-style values as JSON text, lists
/// documented as one comma-joined string (the documentation's `simple`
/// style) joined, everything else as the JSON value itself.
fn our_value(operation: &OperationMetadata, name: &str, value: &Value) -> Value {
    let Some(parameter) = operation
        .parameters
        .iter()
        .find(|parameter| parameter.name == name)
    else {
        return value.clone();
    };
    match value {
        _ if parameter.style == ParameterStyle::Json => Value::String(value.to_string()),
        Value::Array(items) if parameter.value_type == ValueType::String => Value::String(
            items
                .iter()
                .map(|item| match item {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
        ),
        _ => value.clone(),
    }
}

/// Whether our value and the SDK's are the same on the wire, forgiving the
/// quirks of [`QUIRKS`].
fn same_value(ours: &str, theirs: &str) -> bool {
    if ours == theirs {
        return true;
    }
    // Booleans: `True` and `true` are the same documented value.
    if matches!(theirs, "True" | "False") && ours.eq_ignore_ascii_case(theirs) {
        return true;
    }
    // JSON text: the same value, whatever the key order.
    match (
        serde_json::from_str::<Value>(ours),
        serde_json::from_str::<Value>(theirs),
    ) {
        (Ok(ours), Ok(theirs)) => ours == theirs && (ours.is_object() || ours.is_array()),
        _ => false,
    }
}

fn decode(text: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(text.as_bytes())
        .into_owned()
        .collect()
}

/// The differences between two parameter maps, one line each.
fn differences(
    place: &str,
    ours: &BTreeMap<String, String>,
    theirs: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut found = Vec::new();
    for (name, value) in theirs {
        match ours.get(name) {
            None => found.push(format!("{place}: {name} missing (the SDK sent {value:?})")),
            Some(ours) if !same_value(ours, value) => found.push(format!(
                "{place}: {name} is {ours:?}, the SDK sent {value:?}"
            )),
            Some(_) => {}
        }
    }
    for (name, value) in ours {
        if !theirs.contains_key(name) {
            found.push(format!("{place}: {name}={value:?} is extra"));
        }
    }
    found
}

#[tokio::test]
async fn every_operation_sends_what_the_official_sdk_sends() {
    let fixture = fixture();
    // Every operation of the client, whichever metadata it came from, has
    // its capture: the 313 of api-docs and the 100 only the SDK metadata
    // describes.
    let uncaptured: Vec<&str> = OPERATIONS
        .iter()
        .map(|operation| operation.name)
        .filter(|name| !fixture.operations.contains_key(*name))
        .collect();
    assert!(uncaptured.is_empty(), "no capture of {uncaptured:?}");
    assert_eq!(
        fixture.operations.len(),
        413,
        "the fixture covers the whole API"
    );
    let from_sdk = fixture
        .operations
        .values()
        .filter(|capture| capture.source == "sdkMetadata")
        .count();
    assert_eq!(from_sdk, 100);
    let config = Config::builder()
        .region("cn-hangzhou")
        .endpoint_url("http://127.0.0.1:9")
        .credentials(Credentials::new("LTAI5tConformance", "ConformanceSecret"))
        .signature_version(SignatureVersion::V3)
        .build();
    let client = aliyun_rds::Client::new(config).expect("build the client");
    let mut problems = Vec::new();
    for (name, capture) in &fixture.operations {
        let Some(operation) = OPERATIONS.iter().find(|operation| operation.name == name) else {
            problems.push(format!("{name}: not an operation of the client"));
            continue;
        };
        let input: Map<String, Value> = capture
            .values
            .iter()
            .map(|(wire_name, value)| (wire_name.clone(), our_value(operation, wire_name, value)))
            .collect();
        let signed = match client.runtime().presign(operation, &input).await {
            Ok(signed) => signed,
            Err(error) => {
                problems.push(format!("{name}: cannot build the request: {error}"));
                continue;
            }
        };
        let method = format!("{:?}", signed.method()).to_ascii_uppercase();
        if method != capture.method && !DOCUMENTED_METHOD.contains(&name.as_str()) {
            problems.push(format!(
                "{name}: method {method}, the SDK used {}",
                capture.method
            ));
        }
        let query = decode(signed.url().split_once('?').map_or("", |(_, query)| query));
        let form = decode(&String::from_utf8_lossy(signed.body()));
        let header = |wanted: &str| {
            signed
                .headers()
                .iter()
                .find(|(header, _)| *header == wanted)
                .map(|(_, value)| value.clone())
        };
        if header("x-acs-action").as_deref()
            != capture.headers.get("x-acs-action").map(String::as_str)
        {
            problems.push(format!("{name}: x-acs-action differs"));
        }
        if header("content-type").as_deref()
            != capture.headers.get("content-type").map(String::as_str)
        {
            problems.push(format!(
                "{name}: content-type {:?}, the SDK sent {:?}",
                header("content-type"),
                capture.headers.get("content-type")
            ));
        }
        problems.extend(
            differences("query", &query, &capture.query)
                .into_iter()
                .chain(differences("form body", &form, &capture.form))
                .map(|problem| format!("{name}: {problem}")),
        );
    }
    let forgiven: Vec<String> = QUIRKS
        .iter()
        .map(|(quirk, why)| format!("{quirk}: {why}"))
        .collect();
    assert!(
        problems.is_empty(),
        "{} difference(s) from the official SDK:\n{}\n(forgiven on purpose: {})",
        problems.len(),
        problems.join("\n"),
        forgiven.join("; ")
    );
}

#[tokio::test]
async fn query_notify_sends_its_parameters_in_the_form_body() {
    let operation = OPERATIONS
        .iter()
        .find(|operation| operation.name == "QueryNotify")
        .expect("QueryNotify is generated");
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let config = Config::builder()
            .region("cn-hangzhou")
            .endpoint_url("http://127.0.0.1:9")
            .credentials(Credentials::new("LTAI5tConformance", "ConformanceSecret"))
            .signature_version(version)
            .build();
        let client = aliyun_rds::Client::new(config).expect("build the client");
        let input = serde_json::json!({
            "From": "2022-05-02T08:38:37Z",
            "To": "2022-05-09T08:38:37Z",
            "PageSize": 30,
            "PageNumber": 1,
            "WithConfirmed": true,
        });
        let signed = client
            .runtime()
            .presign(operation, &input)
            .await
            .expect("sign");
        let form = decode(&String::from_utf8_lossy(signed.body()));
        let query = decode(signed.url().split_once('?').map_or("", |(_, query)| query));
        for name in ["From", "To", "PageSize", "PageNumber", "WithConfirmed"] {
            assert!(
                form.contains_key(name),
                "{version:?}: {name} not in the body: {form:?}"
            );
            assert!(
                !query.contains_key(name),
                "{version:?}: {name} in the query: {query:?}"
            );
        }
        assert_eq!(form["WithConfirmed"], "true");
    }
}
