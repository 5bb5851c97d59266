//! The request pipeline: from a received HTTP request to the answer (or to a
//! dropped connection), in the order the crate documentation describes.
//!
//! The server module accepts connections and hands every request to
//! [`handle_request`]; everything it needs across connections lives in
//! [`Shared`]. Reading the body, counting, authenticating, injecting faults,
//! dispatching to the operation and writing the common answer headers all
//! happen here.

use aliyun_codec::metadata::OperationMetadata;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, DATE};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;

use crate::clock::Clock;
use crate::error::{ApiError, HOST_ID};
use crate::faults::{Fault, FaultTable};
use crate::limits::Limits;
use crate::observe::{Observation, Observer};
use crate::operations::{self, OperationRequest};
use crate::request::ParsedRequest;
use crate::state::{AccountState, Traffic};
use crate::sts::{self, StsConfig};
use crate::verify::{requested_action, requested_nonce, Verifier};

/// The body answered by [`Fault::MalformedBody`]: what a misconfigured proxy
/// in front of the service might send.
const MALFORMED_BODY: &str = "<html><body>502 Bad Gateway</body></html>";

/// Everything the request pipeline shares across connections.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) verifier: Verifier,
    pub(crate) clock: Clock,
    pub(crate) faults: Arc<FaultTable>,
    pub(crate) traffic: Traffic,
    pub(crate) account: Mutex<AccountState>,
    /// The operations answered from their documentation when no handler
    /// models them.
    pub(crate) documented: &'static [&'static OperationMetadata],
    /// What the emulated STS knows.
    pub(crate) sts: StsConfig,
    /// The size and time bounds of requests.
    pub(crate) limits: Limits,
    /// Told about every request that names an action.
    pub(crate) observer: Option<Observer>,
}

/// The error a service returns to make hyper close the connection without a
/// response: the [`Fault::DropConnection`] fault.
#[derive(Debug)]
pub(crate) struct DroppedConnection;

impl fmt::Display for DroppedConnection {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DroppedConnection {}

/// One request, end to end. `Err` drops the connection.
pub(crate) async fn handle_request(
    shared: Arc<Shared>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DroppedConnection> {
    let request_id = new_request_id();
    let (parts, body) = request.into_parts();
    if let Some(action) = action_in_head(&parts) {
        if shared
            .faults
            .take_if_next(&action, &Fault::DropBeforeReading)
        {
            return Err(DroppedConnection);
        }
    }
    let limits = shared.limits;
    // A body announced larger than the limit is refused before reading a
    // byte of it.
    let too_large = || {
        let why = format!(
            "The request body could not be read or is larger than {}.",
            limits.describe_max_body()
        );
        ApiError::invalid_parameter("Body", &why)
    };
    if body.size_hint().lower() > limits.max_body_bytes as u64 {
        return Ok(error_response(&shared, &request_id, HOST_ID, &too_large()));
    }
    let read = tokio::time::timeout(
        limits.body_read_timeout,
        Limited::new(body, limits.max_body_bytes).collect(),
    );
    let body = match read.await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(_)) => return Ok(error_response(&shared, &request_id, HOST_ID, &too_large())),
        Err(_) => {
            let why = format!(
                "The request body did not arrive within {} seconds.",
                limits.body_read_timeout.as_secs_f64()
            );
            let error = ApiError::invalid_parameter("Body", &why);
            return Ok(error_response(&shared, &request_id, HOST_ID, &error));
        }
    };
    let headers = parts
        .headers
        .iter()
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                String::from_utf8_lossy(value.as_bytes()).into_owned(),
            )
        })
        .collect();
    let parsed = ParsedRequest::new(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query(),
        headers,
        body,
    );
    let (outcome, executed) = process(&shared, &parsed);
    if let Some(Observer(observer)) = &shared.observer {
        if let Some(action) = requested_action(&parsed) {
            observer(&Observation {
                action,
                nonce: requested_nonce(&parsed),
                executed,
            });
        }
    }
    match outcome {
        Outcome::Answer(answer, delay) => {
            let host_id = if sts::is_sts_request(&parsed) {
                sts::HOST_ID
            } else {
                HOST_ID
            };
            let response = finish(&shared, &request_id, host_id, answer);
            if let Some(delay) = delay {
                tokio::time::sleep(delay).await;
            }
            Ok(response)
        }
        Outcome::Drop => Err(DroppedConnection),
    }
}

/// The action a request's head names (`x-acs-action`, else `Action` in the
/// query), for the faults that apply before the body is read.
fn action_in_head(parts: &hyper::http::request::Parts) -> Option<String> {
    if let Some(action) = parts.headers.get("x-acs-action") {
        return action.to_str().ok().map(str::to_owned);
    }
    form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(name, _)| name == "Action")
        .map(|(_, action)| action.into_owned())
}

/// What to do with a request.
enum Outcome {
    /// Send this answer, after waiting the delay if there is one.
    Answer(Answer, Option<Duration>),
    /// Close the connection without answering.
    Drop,
}

/// An answer before the common headers and `RequestId` are added.
enum Answer {
    Success(operations::OperationOutput),
    Error(ApiError),
    Malformed,
    /// What the operation answered; only between the pipeline's steps.
    Executed(Result<operations::OperationOutput, ApiError>),
}

/// The request pipeline described in the crate documentation, and whether
/// the operation ran.
fn process(shared: &Shared, request: &ParsedRequest) -> (Outcome, bool) {
    let mut drop_after_execution = false;
    let outcome = run_pipeline(shared, request, &mut drop_after_execution);
    let executed = matches!(outcome, Outcome::Answer(Answer::Executed(_), _));
    let outcome = match outcome {
        _ if drop_after_execution && executed => Outcome::Drop,
        Outcome::Answer(Answer::Executed(result), delay) => {
            let answer = match result {
                Ok(output) => Answer::Success(output),
                Err(error) => Answer::Error(error),
            };
            Outcome::Answer(answer, delay)
        }
        other => other,
    };
    (outcome, executed)
}

/// The steps of [`process`]. An operation that ran answers
/// [`Answer::Executed`]; `drop_after_execution` is set when its answer must
/// be replaced by a dropped connection.
fn run_pipeline(
    shared: &Shared,
    request: &ParsedRequest,
    drop_after_execution: &mut bool,
) -> Outcome {
    if let Some(action) = requested_action(request) {
        shared.traffic.count_request(action);
    }
    if let Some(nonce) = requested_nonce(request) {
        shared.traffic.record_nonce(nonce);
    }
    if request.method != "GET" && request.method != "POST" {
        return Outcome::Answer(Answer::Error(ApiError::unsupported_method()), None);
    }
    if request.path != "/" {
        return Outcome::Answer(Answer::Error(ApiError::action_not_found()), None);
    }
    if sts::is_sts_request(request) {
        if let Err(error) = sts::authenticate(shared, request) {
            return Outcome::Answer(Answer::Error(error), None);
        }
        let action = request.parameter("Action").unwrap_or_default();
        let delay = match take_fault(shared, action, drop_after_execution) {
            Ok(delay) => delay,
            Err(outcome) => return *outcome,
        };
        return Outcome::Answer(Answer::Executed(sts::handle(shared, request)), delay);
    }
    let authenticated = match shared.verifier.authenticate(request, &shared.clock) {
        Ok(authenticated) => authenticated,
        Err(error) => return Outcome::Answer(Answer::Error(error), None),
    };
    let delay = match take_fault(shared, &authenticated.action, drop_after_execution) {
        Ok(delay) => delay,
        Err(outcome) => return *outcome,
    };
    if authenticated.version != crate::API_VERSION {
        return Outcome::Answer(Answer::Error(ApiError::invalid_version()), delay);
    }
    let now_unix_seconds = shared.clock.now_unix_seconds();
    let operation_request = OperationRequest::new(request, now_unix_seconds);
    let result = match operations::find(&authenticated.action) {
        Some(handler) => {
            let mut account = shared
                .account
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            handler(&mut account, &operation_request)
        }
        None => match shared
            .documented
            .iter()
            .find(|operation| operation.name == authenticated.action)
        {
            Some(operation) => operations::documented::answer(operation, &operation_request),
            None => return Outcome::Answer(Answer::Error(ApiError::action_not_found()), delay),
        },
    };
    Outcome::Answer(Answer::Executed(result), delay)
}

/// Applies the next injected fault for `action`, if any: `Ok` with the
/// delay to wait before answering (and `drop_after_execution` set when the
/// operation is to run and its answer be replaced by a dropped
/// connection), or `Err` with the outcome that replaces the answer.
fn take_fault(
    shared: &Shared,
    action: &str,
    drop_after_execution: &mut bool,
) -> Result<Option<Duration>, Box<Outcome>> {
    match shared.faults.take(action) {
        None => Ok(None),
        Some(Fault::Delay(duration)) => Ok(Some(duration)),
        Some(Fault::Error {
            http_status,
            code,
            message,
            retry_after,
        }) => {
            let status =
                StatusCode::from_u16(http_status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut error = ApiError::new(status, &code, &message);
            error.retry_after = retry_after;
            Err(Box::new(Outcome::Answer(Answer::Error(error), None)))
        }
        Some(Fault::MalformedBody) => Err(Box::new(Outcome::Answer(Answer::Malformed, None))),
        Some(Fault::DropConnection) => Err(Box::new(Outcome::Drop)),
        Some(Fault::DropAfterExecution) => {
            *drop_after_execution = true;
            Ok(None)
        }
        // Served before the body was read; met here only when another
        // request took the faults queued before it.
        Some(Fault::DropBeforeReading) => Err(Box::new(Outcome::Drop)),
    }
}

/// Serialises an answer and adds the common headers.
fn finish(
    shared: &Shared,
    request_id: &str,
    host_id: &str,
    answer: Answer,
) -> Response<Full<Bytes>> {
    match answer {
        Answer::Success(mut output) => {
            output.insert("RequestId".into(), Value::from(request_id));
            json_response(shared, request_id, StatusCode::OK, &Value::Object(output))
        }
        Answer::Error(error) => error_response(shared, request_id, host_id, &error),
        Answer::Executed(Ok(mut output)) => {
            output.insert("RequestId".into(), Value::from(request_id));
            json_response(shared, request_id, StatusCode::OK, &Value::Object(output))
        }
        Answer::Executed(Err(error)) => error_response(shared, request_id, host_id, &error),
        Answer::Malformed => {
            let mut response =
                Response::new(Full::new(Bytes::from_static(MALFORMED_BODY.as_bytes())));
            add_common_headers(shared, request_id, &mut response);
            response
        }
    }
}

/// The error body `{"RequestId","HostId","Code","Message","Recommend"}`,
/// where `HostId` is the endpoint of the service that answers.
fn error_response(
    shared: &Shared,
    request_id: &str,
    host_id: &str,
    error: &ApiError,
) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "RequestId": request_id,
        "HostId": host_id,
        "Code": error.code,
        "Message": error.message,
        "Recommend": error.recommend,
    });
    let mut response = json_response(shared, request_id, error.status, &body);
    if let Some(retry_after) = &error.retry_after {
        if let Ok(value) = HeaderValue::from_str(retry_after) {
            response.headers_mut().insert("x-acs-retry-after", value);
        }
    }
    response
}

fn json_response(
    shared: &Shared,
    request_id: &str,
    status: StatusCode,
    body: &Value,
) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    add_common_headers(shared, request_id, &mut response);
    response
}

fn add_common_headers(shared: &Shared, request_id: &str, response: &mut Response<Full<Bytes>>) {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=utf-8"),
    );
    if let Ok(date) = HeaderValue::from_str(&shared.clock.http_date()) {
        headers.insert(DATE, date);
    }
    if let Ok(id) = HeaderValue::from_str(request_id) {
        headers.insert("x-acs-request-id", id);
    }
}

/// A fresh request ID, upper-case UUID as the service sends.
fn new_request_id() -> String {
    uuid::Uuid::new_v4()
        .hyphenated()
        .to_string()
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    // Tests fail by panicking; the workspace lints forbid it in library code.
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::credentials::{KeyPair, KeyStore};
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Parameter and header names the verifier and the handlers look at,
    /// so that arbitrary values reach past the first checks.
    const NAMES: &[&str] = &[
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
        "RegionId",
        "authorization",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
        "content-type",
    ];

    fn shared() -> Shared {
        Shared {
            verifier: Verifier::new(KeyStore::new(vec![KeyPair::demo()]), 1000),
            clock: Clock::new(0),
            faults: Arc::new(FaultTable::default()),
            traffic: Traffic::new(1000),
            account: Mutex::new(AccountState::default()),
            documented: &[],
            sts: StsConfig::new(Vec::new(), Vec::new(), None),
            limits: Limits::default(),
            observer: None,
        }
    }

    fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(any::<u8>(), 0..max)
    }

    /// Raw bytes, or `name=bytes` pairs joined with `&`: both decoded as the
    /// server would, lossily.
    fn raw_parameters() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            bytes(200),
            prop::collection::vec((prop::sample::select(NAMES), bytes(40)), 0..10).prop_map(
                |pairs| {
                    let mut joined = Vec::new();
                    for (name, value) in pairs {
                        joined.extend_from_slice(name.as_bytes());
                        joined.push(b'=');
                        joined.extend_from_slice(&value);
                        joined.push(b'&');
                    }
                    joined
                }
            ),
        ]
    }

    /// The request parsing and verification path, from arbitrary bytes in
    /// every part of a request: it never panics and, no valid signature
    /// being within reach of random bytes, always answers an error at once.
    #[test]
    fn arbitrary_bytes_in_every_part_of_a_request_get_an_error() {
        let shared = shared();
        let strategy = (
            prop_oneof![Just(b"GET".to_vec()), Just(b"POST".to_vec()), bytes(8)],
            prop_oneof![Just(b"/".to_vec()), bytes(20)],
            prop::option::of(raw_parameters()),
            prop::collection::vec((prop::sample::select(NAMES), bytes(80)), 0..8),
            prop_oneof![raw_parameters(), bytes(300)],
        );
        let mut runner = TestRunner::new(Config {
            cases: 2048,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |(method, path, query, headers, body)| {
                let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
                let headers = headers
                    .iter()
                    .map(|(name, value)| ((*name).to_ascii_lowercase(), lossy(value)))
                    .collect();
                let query = query.map(|query| lossy(&query));
                let request = ParsedRequest::new(
                    &lossy(&method),
                    &lossy(&path),
                    query.as_deref(),
                    headers,
                    Bytes::from(body),
                );
                let (outcome, executed) = process(&shared, &request);
                prop_assert!(!executed, "an arbitrary request ran an operation");
                prop_assert!(
                    matches!(outcome, Outcome::Answer(Answer::Error(_), None)),
                    "an arbitrary request was not refused"
                );
                Ok(())
            })
            .expect("every arbitrary request is refused without panicking");
    }
}
