//! How results reach the user: the response on stdout, errors on stderr, and
//! the process exit code.
//!
//! Exit codes are part of the CLI's contract so scripts can branch on them:
//! 0 success, 2 usage error (clap's own), 3 the service answered with an
//! error, 4 transport, timeout or undecodable response, 5 configuration
//! error such as missing credentials.

use std::io::Write;
use std::process::ExitCode;

use aliyun_runtime::error::{SdkError, ServiceErrorMetadata};
use aliyun_runtime::metadata::{ErrorMetadata, OperationMetadata};
use serde_json::{json, Value};

/// The output format chosen with `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    /// Pretty-printed JSON with the wire field names.
    Json,
    /// One `Name: value` line per top-level field.
    Text,
}

/// Exit code: the command line cannot be used (clap's own usage-error code,
/// also used for a flag value the CLI itself cannot read, such as bad JSON).
pub const EXIT_USAGE_ERROR: u8 = 2;
/// Exit code: the service answered with an error.
pub const EXIT_SERVICE_ERROR: u8 = 3;
/// Exit code: the request failed in transport, timed out, or the response
/// could not be decoded.
pub const EXIT_TRANSPORT_ERROR: u8 = 4;
/// Exit code: the client could not be configured (no credentials, bad
/// endpoint, unreadable fixture, ...).
pub const EXIT_CONFIGURATION_ERROR: u8 = 5;

/// Prints a usage error and returns exit code 2.
pub fn usage_error(message: &str) -> ExitCode {
    print_stderr(&format!("error: {message}"));
    ExitCode::from(EXIT_USAGE_ERROR)
}

/// Prints a configuration error and returns exit code 5.
pub fn configuration_error(message: &str) -> ExitCode {
    print_stderr(&format!("error: {message}"));
    ExitCode::from(EXIT_CONFIGURATION_ERROR)
}

/// Prints a failed call and returns the exit code its kind calls for.
pub fn call_error(
    error: &SdkError<String>,
    operation: &'static OperationMetadata,
    format: OutputFormat,
) -> ExitCode {
    match error {
        SdkError::Service(service_error) => {
            let metadata = service_error.metadata();
            print_stderr(&service_error_line(metadata));
            if format == OutputFormat::Json {
                print_stdout(&pretty_json(&service_error_json(metadata, operation)));
            }
            ExitCode::from(EXIT_SERVICE_ERROR)
        }
        SdkError::Construction(construction) => configuration_error(&construction.to_string()),
        other => {
            print_stderr(&format!("error: {}", error_chain(other)));
            ExitCode::from(EXIT_TRANSPORT_ERROR)
        }
    }
}

/// The one-line summary of a service error on stderr.
fn service_error_line(metadata: &ServiceErrorMetadata) -> String {
    format!(
        "error: {}: {} (RequestId: {})",
        metadata.code,
        metadata.message,
        metadata.request_id.as_deref().unwrap_or("none")
    )
}

/// The machine-readable form of a service error, enriched with what the
/// spec documents about its code.
pub fn service_error_json(
    metadata: &ServiceErrorMetadata,
    operation: &'static OperationMetadata,
) -> Value {
    let documented = documented_error(&metadata.code, operation);
    json!({
        "Code": metadata.code,
        "Message": metadata.message,
        "RequestId": metadata.request_id,
        "HostId": metadata.host_id,
        "Recommend": metadata.recommend,
        "HttpStatus": metadata.http_status,
        "Documented": documented.is_some(),
        "Description": documented.and_then(|row| row.description),
    })
}

/// Looks a code up in the operation's table, then in the product's gateway
/// errors. The comparison is exact: codes are case-sensitive.
fn documented_error(
    code: &str,
    operation: &'static OperationMetadata,
) -> Option<&'static ErrorMetadata> {
    operation
        .documented_error(code)
        .or_else(|| aliyun_rds::metadata::PRODUCT.gateway_error(code))
}

/// The error's message followed by each of its sources, so the cause of a
/// transport failure is not lost.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn pretty_json(value: &Value) -> String {
    // Serializing a `Value` cannot fail: its keys are always strings.
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Writes to stdout, ignoring a closed pipe (`aliyun-rds ... | head`) instead
/// of panicking as `println!` would.
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{text}");
    let _ = stdout.flush();
}

/// Writes to stderr, ignoring a closed pipe.
pub fn print_stderr(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}
