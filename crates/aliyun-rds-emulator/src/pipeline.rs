//! The request pipeline: from a received HTTP request to the answer (or to a
//! dropped connection), in the order the crate documentation describes.
//!
//! The server module accepts connections and hands every request to
//! [`handle_request`]; everything it needs across connections lives in
//! [`Shared`] (the `shared` module). Reading the body, counting, authenticating, injecting faults,
//! dispatching to the operation and writing the common answer headers all
//! happen here.

use std::fmt;
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Body as _;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, CONTENT_TYPE, DATE};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;

use crate::error::{ApiError, HOST_ID};
use crate::execute::execute;
use crate::faults::Fault;
use crate::observe::{Observation, Observer};
use crate::operations;
use crate::request::ParsedRequest;
use crate::shared::Shared;
use crate::sts::{self, StsContext};
use crate::verify::{requested_action, requested_nonce};

/// The body answered by [`Fault::MalformedBody`]: what a misconfigured proxy
/// in front of the service might send.
const MALFORMED_BODY: &str = "<html><body>502 Bad Gateway</body></html>";

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
    let (outcome, executed) = process(&shared, &parsed).await;
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

/// The path under which the emulator's own control requests live (see
/// [`control_answer`]); no RDS request uses it.
pub(crate) const CONTROL_PREFIX: &str = "/_emulator/";

/// A control request: `POST /_emulator/reset` puts the model back as the
/// emulator started; `GET /_emulator/state` answers the model as a state
/// file holds it. They are not signed, like the rest of a test harness's
/// plumbing, and never reach an RDS operation.
fn control_answer(shared: &Shared, method: &str, control: &str) -> Answer {
    let mut model = shared.model.lock().unwrap_or_else(PoisonError::into_inner);
    match (method, control) {
        ("POST", "reset") => match shared.initial.build() {
            Ok(initial) => {
                *model = initial;
                if let Some(backend) = &shared.backend.0 {
                    backend.reset();
                }
                let instances = model.instances.len();
                Answer::Control(
                    serde_json::json!({ "Reset": true, "Instances": instances }).to_string(),
                )
            }
            // The starting state was built once already, so it builds again.
            Err(why) => Answer::Error(ApiError::invalid_parameter("State", &why)),
        },
        ("GET", "state") => Answer::Control(model.to_state_json()),
        (_, "reset" | "state") => Answer::Error(ApiError::unsupported_method()),
        _ => Answer::Error(ApiError::action_not_found()),
    }
}

/// An answer before the common headers and `RequestId` are added.
enum Answer {
    /// The JSON body of a control request, sent as it is.
    Control(String),
    Success(operations::OperationOutput),
    Error(ApiError),
    Malformed,
    /// What the operation answered; only between the pipeline's steps.
    Executed(Result<operations::OperationOutput, ApiError>),
}

/// What the steps before the operation decided.
enum Step {
    /// The answer, without running an operation.
    Done(Outcome),
    /// Run this authenticated action, then wait the delay before answering.
    Execute {
        action: String,
        now_millis: i64,
        delay: Option<Duration>,
    },
}

/// The request pipeline described in the crate documentation, and whether
/// the operation ran.
async fn process(shared: &Arc<Shared>, request: &ParsedRequest) -> (Outcome, bool) {
    let mut drop_after_execution = false;
    let outcome = match run_pipeline(shared, request, &mut drop_after_execution) {
        Step::Done(outcome) => outcome,
        Step::Execute {
            action,
            now_millis,
            delay,
        } => {
            let result = execute(shared, request, &action, now_millis).await;
            // A modelled answer takes the documented shape outside the lock.
            let documented = shared.documented.get(action.as_str());
            let result = match operations::find(&action) {
                Some(_) => result.map(|fields| {
                    operations::answer::shape(
                        documented.map(|documented| &documented.example),
                        fields,
                    )
                }),
                None => result,
            };
            Outcome::Answer(Answer::Executed(result), delay)
        }
    };
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

/// The steps of [`process`] before the operation runs: the outcome when
/// the request ends here, else the action to run; `drop_after_execution`
/// is set when the operation's answer must be replaced by a dropped
/// connection.
fn run_pipeline(shared: &Shared, request: &ParsedRequest, drop_after_execution: &mut bool) -> Step {
    let answer =
        |answer: Answer, delay: Option<Duration>| Step::Done(Outcome::Answer(answer, delay));
    if let Some(action) = requested_action(request) {
        shared.traffic.count_request(action);
    }
    if let Some(nonce) = requested_nonce(request) {
        shared.traffic.record_nonce(nonce);
    }
    if request.method != "GET" && request.method != "POST" {
        return answer(Answer::Error(ApiError::unsupported_method()), None);
    }
    if let Some(control) = request.path.strip_prefix(CONTROL_PREFIX) {
        return answer(control_answer(shared, &request.method, control), None);
    }
    if request.path != "/" {
        return answer(Answer::Error(ApiError::action_not_found()), None);
    }
    if sts::is_sts_request(request) {
        if let Err(error) = sts::authenticate(&sts_context(shared), request) {
            return answer(Answer::Error(error), None);
        }
        let action = request.parameter("Action").unwrap_or_default();
        let delay = match take_fault(shared, action, drop_after_execution) {
            Ok(delay) => delay,
            Err(outcome) => return Step::Done(*outcome),
        };
        return answer(
            Answer::Executed(sts::handle(&sts_context(shared), request)),
            delay,
        );
    }
    let authenticated = match shared.verifier.authenticate(request, &shared.clock) {
        Ok(authenticated) => authenticated,
        Err(error) => return answer(Answer::Error(error), None),
    };
    let delay = match take_fault(shared, &authenticated.action, drop_after_execution) {
        Ok(delay) => delay,
        Err(outcome) => return Step::Done(*outcome),
    };
    if authenticated.version != crate::request::API_VERSION {
        return answer(Answer::Error(ApiError::invalid_version()), delay);
    }
    let action = authenticated.action;
    if operations::find(&action).is_none() && !shared.documented.contains_key(action.as_str()) {
        return answer(Answer::Error(ApiError::action_not_found()), delay);
    }
    Step::Execute {
        action,
        now_millis: shared.clock.now_unix_millis(),
        delay,
    }
}

/// What STS needs of the emulator.
fn sts_context(shared: &Shared) -> StsContext<'_> {
    StsContext {
        verifier: &shared.verifier,
        clock: &shared.clock,
        config: &shared.sts,
    }
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
        Answer::Control(body) => {
            let mut response = Response::new(Full::new(Bytes::from(body)));
            add_common_headers(shared, request_id, &mut response);
            response
        }
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
    use crate::backend::BackendSlot;
    use crate::clock::Clock;
    use crate::credentials::{KeyPair, KeyStore};
    use crate::faults::FaultTable;
    use crate::limits::Limits;
    use crate::model::{Model, Recipe};
    use crate::sts::StsConfig;
    use crate::traffic::Traffic;
    use crate::verify::Verifier;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use std::collections::HashMap;
    use std::sync::Mutex;

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
            model: Mutex::new(Model::from_fixture(
                crate::fixture::Fixture::empty(),
                &crate::model::ModelConfig::default(),
            )),
            initial: Recipe::new(
                crate::model::Origin::Fixture {
                    fixture: crate::fixture::Fixture::empty(),
                    seeded: Vec::new(),
                },
                crate::model::ModelConfig::default(),
            ),
            documented: HashMap::new(),
            sts: StsConfig::new(Vec::new(), Vec::new(), None),
            limits: Limits::default(),
            observer: None,
            backend: BackendSlot::default(),
            gates: crate::gates::InstanceGates::default(),
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
                let mut drop_after_execution = false;
                let step = run_pipeline(&shared, &request, &mut drop_after_execution);
                prop_assert!(
                    matches!(step, Step::Done(Outcome::Answer(Answer::Error(_), None))),
                    "an arbitrary request was not refused at once"
                );
                Ok(())
            })
            .expect("every arbitrary request is refused without panicking");
    }
}
