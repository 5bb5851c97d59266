//! The whole API against the emulator: every operation it does not model
//! is answered from its documentation (or, for the operations only the SDK
//! metadata describes, from the sample synthesized from their response
//! model), through the client's dynamic path (what the CLI and programs in
//! other languages use), with the parameter checks the service makes;
//! every operation that names an instance checks it; and the coverage
//! table of the emulator's documentation is true.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aliyun_rds::metadata::OPERATIONS;
use aliyun_rds_emulator::coverage::{classify, Coverage};
use aliyun_rds_emulator::{Emulator, Fixture, RunningEmulator};
use aliyun_runtime::metadata::{OperationMetadata, ParameterStyle, ValueType};
use aliyun_runtime::{Config, Credentials, SdkError, SignatureVersion};
use serde_json::{Map, Value};

/// A running PostgreSQL instance of the demo fixture.
const KNOWN_INSTANCE: &str = "pgm-demo-ready";

/// An instance the emulator does not have.
const UNKNOWN_INSTANCE: &str = "pgm-nonexistent0000";

/// The parameters that name an instance, in the spellings the API uses.
const INSTANCE_PARAMETERS: &[&str] = &["DBInstanceId", "DbInstanceId", "DBInstanceName", "InsName"];

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .documented_operations(OPERATIONS)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client(emulator: &RunningEmulator, version: SignatureVersion) -> aliyun_rds::Client {
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        ))
        .signature_version(version)
        .build();
    aliyun_rds::Client::new(config).expect("build the client")
}

/// A valid value for a parameter: a documented value, else its example
/// when it has the right type, else a plain value of its type.
fn valid_value(operation: &OperationMetadata, name: &str) -> Value {
    let Some(parameter) = operation
        .parameters
        .iter()
        .find(|parameter| parameter.name == name)
    else {
        return Value::Null;
    };
    if let Some(first) = parameter.allowed_values.first() {
        return Value::String((*first).to_owned());
    }
    let value = match parameter.value_type {
        ValueType::Int32 | ValueType::Int64 => Value::from(1),
        ValueType::Number => Value::from(1.5),
        ValueType::Boolean => Value::Bool(true),
        ValueType::Array => Value::Array(vec![Value::from("item")]),
        ValueType::Object => serde_json::json!({ "Key": "value" }),
        _ => Value::String(parameter.example.unwrap_or("value").trim().to_owned()),
    };
    if parameter.style == ParameterStyle::Json {
        Value::String(value.to_string())
    } else {
        value
    }
}

/// Every required parameter of the operation, with a valid value.
fn required_parameters(operation: &OperationMetadata) -> Map<String, Value> {
    operation
        .parameters
        .iter()
        .filter(|parameter| parameter.required)
        .map(|parameter| {
            (
                parameter.name.to_owned(),
                valid_value(operation, parameter.name),
            )
        })
        .collect()
}

/// The documented example without its `RequestId`.
fn documented_answer(operation: &OperationMetadata) -> Map<String, Value> {
    let mut answer = match operation.sample_response.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(fields))) => fields,
        _ => Map::new(),
    };
    answer.remove("RequestId");
    answer
}

/// Whether two answers have the same shape: the same fields, the same
/// number of list items, values of the same JSON type.
fn same_shape(answer: &Value, example: &Value) -> bool {
    match (answer, example) {
        (Value::Object(answer), Value::Object(example)) => {
            answer.len() == example.len()
                && example.iter().all(|(key, value)| {
                    answer
                        .get(key)
                        .is_some_and(|answered| same_shape(answered, value))
                })
        }
        (Value::Array(answer), Value::Array(example)) => {
            answer.len() == example.len()
                && answer
                    .iter()
                    .zip(example)
                    .all(|(answered, value)| same_shape(answered, value))
        }
        (answer, example) => std::mem::discriminant(answer) == std::mem::discriminant(example),
    }
}

/// Every value of a field named like an instance identifier.
fn instance_fields<'a>(value: &'a Value, found: &mut Vec<&'a Value>) {
    match value {
        Value::Object(fields) => {
            for (key, value) in fields {
                if INSTANCE_PARAMETERS.contains(&key.as_str())
                    && !value.is_object()
                    && !value.is_array()
                {
                    found.push(value);
                } else {
                    instance_fields(value, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| instance_fields(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_operation_not_modelled_answers_its_documented_example() {
    let emulator = emulator().await;
    let clients = [
        client(&emulator, SignatureVersion::V1),
        client(&emulator, SignatureVersion::V3),
    ];
    assert_eq!(OPERATIONS.len(), 413);
    let mut answered = 0;
    let mut checked = 0;
    let mut problems = Vec::new();
    for (index, operation) in OPERATIONS.iter().enumerate() {
        let coverage = classify(operation);
        if coverage == Coverage::Modelled {
            continue;
        }
        // Half the calls signed with each scheme; those with body
        // parameters prove the body is signed as the service checks it.
        let client = &clients[index % 2];
        let mut parameters = required_parameters(operation);
        if coverage == Coverage::Checked {
            // A checked operation answers for an instance that exists.
            let name = INSTANCE_PARAMETERS
                .iter()
                .find(|name| operation.parameter(name).is_some())
                .expect("a checked operation names an instance");
            parameters.insert((*name).to_owned(), Value::from(KNOWN_INSTANCE));
        }
        let result = client
            .runtime()
            .invoke::<_, Value, String>(operation, &parameters, str::to_owned)
            .await;
        match result {
            Ok(Value::Object(mut answer)) => {
                let request_id = answer.remove("RequestId");
                if !request_id.as_ref().is_some_and(Value::is_string) {
                    problems.push(format!("{}: no RequestId", operation.name));
                }
                let example = Value::Object(documented_answer(operation));
                let answer = Value::Object(answer);
                match coverage {
                    Coverage::Documented if answer != example => {
                        problems.push(format!("{}: not the documented example", operation.name));
                    }
                    Coverage::Checked => {
                        if !same_shape(&answer, &example) {
                            problems.push(format!("{}: not the documented shape", operation.name));
                        }
                        let mut identifiers = Vec::new();
                        instance_fields(&answer, &mut identifiers);
                        if identifiers
                            .iter()
                            .any(|value| value.as_str() != Some(KNOWN_INSTANCE))
                        {
                            problems.push(format!(
                                "{}: answers instance identifiers other than the requested one: {identifiers:?}",
                                operation.name
                            ));
                        }
                        checked += 1;
                    }
                    _ => {}
                }
                answered += 1;
            }
            Ok(other) => problems.push(format!("{}: answered {other}", operation.name)),
            Err(error) => problems.push(format!("{}: {error}", operation.name)),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let modelled = OPERATIONS
        .iter()
        .filter(|operation| classify(operation) == Coverage::Modelled)
        .count();
    assert_eq!(answered, OPERATIONS.len() - modelled);
    assert!(checked > 0, "no operation is only checked");
}

#[tokio::test]
async fn every_instance_scoped_operation_rejects_an_unknown_instance() {
    let emulator = emulator().await;
    let client = client(&emulator, SignatureVersion::V3);
    // The set is computed from the metadata: every operation that takes a
    // DBInstanceId, 215 of the API reference and 10 only the SDK metadata
    // describes.
    let scoped: Vec<&OperationMetadata> = OPERATIONS
        .iter()
        .copied()
        .filter(|operation| operation.parameter("DBInstanceId").is_some())
        .collect();
    assert_eq!(scoped.len(), 225);
    let mut problems = Vec::new();
    for operation in &scoped {
        let mut parameters = required_parameters(operation);
        parameters.insert("DBInstanceId".to_owned(), Value::from(UNKNOWN_INSTANCE));
        let error = match client
            .runtime()
            .invoke::<_, Value, String>(operation, &parameters, str::to_owned)
            .await
        {
            Ok(answer) => {
                problems.push(format!("{}: answered {answer}", operation.name));
                continue;
            }
            Err(error) => error,
        };
        let Some((status, code, message)) = service_code(&error) else {
            problems.push(format!("{}: {error}", operation.name));
            continue;
        };
        let documented = operation
            .errors()
            .any(|row| row.code == code && row.http_status == status && row.message == message);
        let not_found =
            code == "InvalidDBInstanceId.NotFound" || code == "InvalidDBInstanceName.NotFound";
        if !not_found || !documented {
            problems.push(format!("{}: {status} {code} {message}", operation.name));
        }
    }
    assert!(
        problems.is_empty(),
        "{} of {} wrong:\n{}",
        problems.len(),
        scoped.len(),
        problems.join("\n")
    );
}

fn service_code(error: &SdkError<String>) -> Option<(u16, String, String)> {
    match error {
        SdkError::Service(service) => Some((
            service.metadata().http_status,
            service.code().to_owned(),
            service.metadata().message.clone(),
        )),
        _ => None,
    }
}

fn operation(name: &str) -> &'static OperationMetadata {
    OPERATIONS
        .iter()
        .find(|operation| operation.name == name)
        .copied()
        .unwrap_or_else(|| panic!("{name} is generated"))
}

#[tokio::test]
async fn a_missing_required_parameter_is_named_as_the_service_does() {
    let emulator = emulator().await;
    let client = client(&emulator, SignatureVersion::V3);
    let create = operation("CreateDBInstance");
    let mut parameters = required_parameters(create);
    assert!(parameters.remove("Engine").is_some(), "Engine is required");
    let error = client
        .runtime()
        .invoke::<_, Value, String>(create, &parameters, str::to_owned)
        .await
        .expect_err("the call must fail");
    let (status, code, message) = service_code(&error).expect("a service error");
    assert_eq!((status, code.as_str()), (400, "MissingParameter"));
    assert!(message.contains("\"Engine\""), "{message}");
}

#[tokio::test]
async fn a_mistyped_or_undocumented_value_is_an_invalid_parameter() {
    let emulator = emulator().await;
    let client = client(&emulator, SignatureVersion::V1);
    let create = operation("CreateDBInstance");

    let mut mistyped = required_parameters(create);
    mistyped.insert("DBInstanceStorage".to_owned(), Value::from("lots"));
    let error = client
        .runtime()
        .invoke::<_, Value, String>(create, &mistyped, str::to_owned)
        .await
        .expect_err("a mistyped value fails");
    let (status, code, _) = service_code(&error).expect("a service error");
    assert_eq!((status, code.as_str()), (400, "InvalidParameter"));

    let undocumented = create
        .parameters
        .iter()
        .find(|parameter| {
            parameter.value_type == ValueType::String && !parameter.allowed_values.is_empty()
        })
        .expect("CreateDBInstance documents the values of some parameter");
    let mut parameters = required_parameters(create);
    parameters.insert(
        undocumented.name.to_owned(),
        Value::from("NotADocumentedValue"),
    );
    let error = client
        .runtime()
        .invoke::<_, Value, String>(create, &parameters, str::to_owned)
        .await
        .expect_err("an undocumented value fails");
    let (status, code, _) = service_code(&error).expect("a service error");
    assert_eq!((status, code.as_str()), (400, "InvalidParameter"));
}

/// Serves one fixed `200 OK` JSON answer to every request on a loopback
/// port, as a service whose answer differs from its documentation would.
async fn serve_fixed_answer(body: &'static str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind a loopback port");
    let address = listener.local_addr().expect("the bound address");
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut request = Vec::new();
            let mut buffer = [0u8; 4096];
            // The request ends with its headers: RPC requests here have an
            // empty body.
            while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                match stream.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(read) => request.extend_from_slice(&buffer[..read]),
                }
            }
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    format!("http://{address}")
}

/// A client of the server at `endpoint`, with any credentials.
fn client_at(endpoint: String) -> aliyun_rds::Client {
    let config = Config::builder()
        .endpoint_url(endpoint)
        .credentials(Credentials::new("id", "secret"))
        .build();
    aliyun_rds::Client::new(config).expect("build the client")
}

#[tokio::test]
async fn a_mistyped_live_field_is_named_and_the_answer_kept() {
    // `CpuTime` is a number in the spec; this answer has a word there.
    const ANSWER: &str = r#"{"RequestId":"r-1","Engine":"MySQL","Items":{"SQLSlowRecord":[{"CpuTime":0.5},{"CpuTime":"fast"}]}}"#;
    let client = client_at(serve_fixed_answer(ANSWER).await);
    let error = client
        .describe_slow_log_records("rm-1", "2026-11-01T00:00Z", "2026-11-02T00:00Z")
        .send()
        .await
        .expect_err("the answer does not match the documented types");
    let SdkError::Response(response) = &error else {
        panic!("expected a response error, got {error:?}");
    };
    assert_eq!(
        response.field_path(),
        Some("Items.SQLSlowRecord[1].CpuTime")
    );
    assert!(
        error.to_string().contains("Items.SQLSlowRecord[1].CpuTime"),
        "{error}"
    );
    let raw: Value = serde_json::from_slice(response.body()).expect("the whole body is kept");
    assert_eq!(raw["Engine"], "MySQL");

    // A field the documentation does not list is kept, not dropped.
    const EXTENDED: &str = r#"{"RequestId":"r-2","Engine":"MySQL","BrandNewField":{"A":1}}"#;
    let client = client_at(serve_fixed_answer(EXTENDED).await);
    let output = client
        .describe_slow_log_records("rm-1", "2026-11-01T00:00Z", "2026-11-02T00:00Z")
        .send()
        .await
        .expect("a documented answer with an extra field decodes");
    assert_eq!(output.engine.as_deref(), Some("MySQL"));
    assert_eq!(output.unknown_fields["BrandNewField"]["A"], 1);
}

/// The coverage page of the emulator's documentation.
const COVERAGE_PAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../crates/aliyun-rds-emulator/COVERAGE.md"
);

#[test]
fn the_coverage_table_is_true() {
    let rendered = aliyun_rds_emulator::coverage::markdown_table(OPERATIONS);
    if std::env::var_os("UPDATE_EMULATOR_COVERAGE").is_some() {
        std::fs::write(COVERAGE_PAGE, &rendered).expect("write the coverage page");
    }
    let written = std::fs::read_to_string(COVERAGE_PAGE).expect("read the coverage page");
    assert!(
        written == rendered,
        "crates/aliyun-rds-emulator/COVERAGE.md is stale; run \
         `UPDATE_EMULATOR_COVERAGE=1 cargo test -p aliyun-tests --test whole_api` and commit it"
    );
    let modelled = OPERATIONS
        .iter()
        .filter(|operation| classify(operation) == Coverage::Modelled)
        .count();
    assert!(modelled >= 120, "only {modelled} operations are modelled");
    // Every modelled operation is an operation of the API.
    for name in aliyun_rds_emulator::coverage::modelled_operations() {
        assert!(
            OPERATIONS.iter().any(|operation| operation.name == name),
            "{name} is not an operation of the API"
        );
    }
    // The README gives the count.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("read the README");
    let claim = format!(
        "models {modelled} of the API's {} operations",
        OPERATIONS.len()
    );
    assert!(
        readme.contains(&claim),
        "the README does not say \"{claim}\""
    );
}
