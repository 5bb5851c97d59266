//! Test doubles for programs that call Alibaba Cloud: a [`MockTransport`]
//! is a [`Connector`] that answers RPC calls in-process, by [`Rule`]s, and
//! records what it was asked, so a program's own tests need no socket, no
//! server and no credentials. Compiled with the `test-util` feature only.
//!
//! Give it to a client with the runtime's `ConfigBuilder::test_transport`
//! (`aliyun_rds::Config::builder().test_transport(..)`). Every attempt of
//! every call then goes to the double instead of the network; everything
//! else runs as in production: the input's parameters are written and
//! checked, the request is signed, the attempt and operation timeouts
//! apply, the retry policy decides about failures (with the configured
//! backoff, or the wait an answer's `x-acs-retry-after` header asks for),
//! and the answer is decoded into the typed output or the operation's
//! typed error. Such a client needs no credentials (it signs with a fixed
//! dummy pair unless credentials are configured) and no region (its
//! endpoint is then one under `.invalid`, which never resolves).
//!
//! The double reads each request as the service would: the action from the
//! `Action` parameter (or, signed with V3, the `x-acs-action` header), the
//! parameters from the query string and the form body. What it records
//! leaves out every parameter the signer sets: the signature, the access
//! key, the security token, the nonce and the timestamp never appear in a
//! [`RecordedRequest`].
//!
//! ```
//! use aliyun_http::test_util::{Answer, MockTransport, Rule};
//!
//! let transport = MockTransport::new()
//!     .with_rule(
//!         Rule::action("DescribeDBInstanceAttribute")
//!             .with_parameter("DBInstanceId", "rm-missing")
//!             .answer(Answer::error(
//!                 400,
//!                 "InvalidDBInstanceId.NotFound",
//!                 "The specified instance is not found.",
//!             )),
//!     )
//!     .with_rule(
//!         // Throttled once, then answered: a retry test.
//!         Rule::action("DescribeRegions")
//!             .answer(Answer::error(503, "ServiceUnavailable", "Busy."))
//!             .answer(Answer::output(serde_json::json!({ "Regions": { "RDSRegion": [] } }))),
//!     );
//! // ... give a clone to the client's configuration, run the code under
//! // test, then:
//! assert!(transport.requests().is_empty());
//! ```

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use aliyun_codec::error::ConstructionError;
use aliyun_codec::metadata::SIGNER_PARAMETERS;

use crate::connector::{
    Connector, ConnectorError, ConnectorFuture, HeaderMap, HttpRequest, HttpResponse, Method,
};

/// The method of a [`RecordedRequest`], re-exported so that a program
/// that names this module through a generated crate can name it too.
pub use aliyun_codec::metadata::HttpMethod;

/// An in-process replacement for the network: it answers each attempt by
/// the first [`Rule`] that matches it and records every request it sees.
///
/// Clones share the rules and the recorded requests, so a test keeps one
/// clone to inspect after giving another to the client's configuration.
#[derive(Clone, Default)]
pub struct MockTransport {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    rules: Vec<RuleState>,
    requests: Vec<RecordedRequest>,
}

/// A rule and how many of its answers it has given.
struct RuleState {
    rule: Rule,
    served: usize,
}

impl MockTransport {
    /// A transport with no rules: every request is answered with an error
    /// until rules are added.
    pub fn new() -> Self {
        MockTransport::default()
    }

    /// This transport with one more rule, tried after those added before.
    pub fn with_rule(self, rule: Rule) -> Self {
        self.add_rule(rule);
        self
    }

    /// Adds a rule, tried after those added before; the clones of this
    /// transport (the one a client holds) see it too.
    pub fn add_rule(&self, rule: Rule) {
        self.lock().rules.push(RuleState { rule, served: 0 });
    }

    /// Every request seen so far, in order, one per attempt (a call retried
    /// once appears twice), matched by a rule or not.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Forgets the requests seen so far; the rules and their progress
    /// through their answers stay.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// The state, even if a thread panicked while holding it: the state is
    /// only appended to and counted, so it is never left inconsistent.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records one request and answers it, or says why it cannot.
    fn respond(&self, request: &HttpRequest) -> Result<HttpResponse, ConstructionError> {
        let recorded = RecordedRequest::read(request)?;
        let mut state = self.lock();
        state.requests.push(recorded);
        let request_number = state.requests.len();
        let State { rules, requests } = &mut *state;
        let RecordedRequest {
            action, parameters, ..
        } = &requests[request_number - 1];
        let Some(matched) = rules
            .iter_mut()
            .find(|rule| rule.rule.matches(action, parameters))
        else {
            return Err(ConstructionError::invalid_configuration(format!(
                "the test transport has no rule for {}; {}",
                describe_request(action, parameters),
                describe_rules(rules)
            )));
        };
        let index = matched.served;
        let answers = &matched.rule.answers;
        let answer = match answers.get(index) {
            Some(answer) => answer,
            None if matched.rule.repeat_last => match answers.last() {
                Some(answer) => answer,
                None => {
                    return Err(ConstructionError::invalid_configuration(format!(
                    "the test transport's rule {} has no answer; give it one with `Rule::answer`",
                    matched.rule
                )))
                }
            },
            None => {
                return Err(ConstructionError::invalid_configuration(format!(
                    "the test transport's rule {} has no more answers: it gave all {} of them, \
                     and this is request {request_number} ({}); add answers to the rule or \
                     let it repeat its last one",
                    matched.rule,
                    answers.len(),
                    describe_request(action, parameters),
                )))
            }
        };
        let response = answer.to_response(request_number)?;
        matched.served += 1;
        Ok(response)
    }
}

impl Connector for MockTransport {
    fn call(&self, request: HttpRequest) -> ConnectorFuture<'_> {
        let answer = match self.respond(&request) {
            // The body limit applies as it does to an answer read from the
            // network.
            Ok(response) if response.body.len() > request.body_limit => {
                Err(ConnectorError::BodyTooLarge {
                    status: response.status,
                    received: Vec::new(),
                })
            }
            Ok(response) => Ok(response),
            Err(error) => Err(ConnectorError::Construction(error)),
        };
        Box::pin(std::future::ready(answer))
    }
}

impl fmt::Debug for MockTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("MockTransport")
            .field("rules", &state.rules.len())
            .field("requests", &state.requests.len())
            .finish()
    }
}

/// `Action with parameters A=1, B=2`, for messages.
fn describe_request(action: &str, parameters: &[(String, String)]) -> String {
    if parameters.is_empty() {
        format!("{action} with no parameters")
    } else {
        format!("{action} with parameters {}", describe_pairs(parameters))
    }
}

fn describe_pairs(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn describe_rules(rules: &[RuleState]) -> String {
    if rules.is_empty() {
        return "it has no rules; add one with `MockTransport::with_rule`".to_owned();
    }
    let listed: Vec<String> = rules.iter().map(|rule| rule.rule.to_string()).collect();
    format!("its rules are: {}", listed.join("; "))
}

/// A request the double saw: the call's action, its wire parameters (as
/// the input wrote them and the interceptors changed them, without the
/// signer's), and its HTTP method.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The operation's action name, such as `DescribeDBInstanceAttribute`.
    pub action: String,
    /// The call's wire parameters (`Tag.1.Key` for a list of structs), in
    /// the order the request carries them (the query string's, sorted by
    /// name as signed, then the form body's); never the signer's
    /// parameters.
    pub parameters: Vec<(String, String)>,
    /// The operation's HTTP method.
    pub method: HttpMethod,
}

impl RecordedRequest {
    /// Reads an RPC call from the request the runtime would have sent.
    fn read(request: &HttpRequest) -> Result<Self, ConstructionError> {
        let method = match request.method {
            Method::GET => HttpMethod::Get,
            Method::POST => HttpMethod::Post,
            ref other => {
                return Err(ConstructionError::invalid_configuration(format!(
                    "the test transport answers RPC calls (GET or POST), not a {other} request"
                )))
            }
        };
        let query = request.url.query_pairs();
        let body = form_urlencoded::parse(&request.body);
        let mut action = request
            .headers
            .iter()
            .find(|(name, _)| *name == "x-acs-action")
            .map(|(_, value)| value.clone());
        let mut parameters = Vec::new();
        for (name, value) in query.chain(body) {
            if name == "Action" {
                action = Some(value.into_owned());
            } else if !SIGNER_PARAMETERS.contains(&name.as_ref()) {
                parameters.push((name.into_owned(), value.into_owned()));
            }
        }
        let Some(action) = action else {
            let mut url = request.url.clone();
            url.set_query(None);
            return Err(ConstructionError::invalid_configuration(format!(
                "the test transport got a request to {url} that names no action; it answers RPC \
                 calls only"
            )));
        };
        Ok(RecordedRequest {
            action,
            parameters,
            method,
        })
    }

    /// The value of one parameter, if the call sent it.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(parameter, _)| parameter == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Which requests a [`MockTransport`] answers, and with what.
///
/// A rule matches the requests of one action that carry every parameter
/// given with [`with_parameter`](Self::with_parameter) with exactly that
/// value (other parameters may be there too). Its answers are given in
/// order, one per matching attempt; after the last, the last one is
/// repeated, unless [`without_repeat`](Self::without_repeat) makes a
/// further request an error.
#[derive(Debug, Clone)]
pub struct Rule {
    action: String,
    parameters: Vec<(String, String)>,
    answers: Vec<Answer>,
    repeat_last: bool,
}

impl Rule {
    /// A rule for the requests of this action (`DescribeRegions`), with no
    /// answer yet.
    pub fn action(action: impl Into<String>) -> Self {
        Rule {
            action: action.into(),
            parameters: Vec::new(),
            answers: Vec::new(),
            repeat_last: true,
        }
    }

    /// Matches only requests whose wire parameter `name` is exactly
    /// `value`.
    pub fn with_parameter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.parameters.push((name.into(), value.into()));
        self
    }

    /// Adds an answer, given after those added before.
    pub fn answer(mut self, answer: Answer) -> Self {
        self.answers.push(answer);
        self
    }

    /// Makes a request after the last answer an error saying that the rule
    /// has no more answers, instead of repeating the last answer.
    pub fn without_repeat(mut self) -> Self {
        self.repeat_last = false;
        self
    }

    fn matches(&self, action: &str, parameters: &[(String, String)]) -> bool {
        self.action == action
            && self
                .parameters
                .iter()
                .all(|wanted| parameters.iter().any(|sent| sent == wanted))
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.action)?;
        if !self.parameters.is_empty() {
            write!(f, " where {}", describe_pairs(&self.parameters))?;
        }
        Ok(())
    }
}

/// One answer of a [`Rule`]: what the service would have sent back, its
/// headers included ([`with_header`](Self::with_header)).
#[derive(Debug, Clone)]
pub struct Answer {
    kind: AnswerKind,
    headers: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
enum AnswerKind {
    Output(serde_json::Value),
    Error {
        status: u16,
        code: String,
        message: String,
    },
    Raw {
        status: u16,
        body: Vec<u8>,
    },
}

impl Answer {
    /// A success (HTTP 200) whose JSON body is `body`, decoded into the
    /// operation's output as a real response would be. A `RequestId` is
    /// added to an object that has none. With the `serde-serialize`
    /// feature of the generated crate, `serde_json::to_value(&output)`
    /// turns a typed output into such a body.
    pub fn output(body: serde_json::Value) -> Self {
        Answer {
            kind: AnswerKind::Output(body),
            headers: Vec::new(),
        }
    }

    /// An error answer in the service's shape (`RequestId`, `HostId`,
    /// `Code`, `Message`) with this HTTP status: a documented code
    /// (`InvalidDBInstanceId.NotFound`, 400) decodes into the operation's
    /// typed error, and the retry policy treats it as it would the
    /// service's (`Throttling`, 400, is retried; most codes are not).
    pub fn error(status: u16, code: impl Into<String>, message: impl Into<String>) -> Self {
        Answer {
            kind: AnswerKind::Error {
                status,
                code: code.into(),
                message: message.into(),
            },
            headers: Vec::new(),
        }
    }

    /// Any HTTP status and body, sent as they are: for a gateway's HTML
    /// error page, an empty body or a malformed one.
    pub fn raw(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Answer {
            kind: AnswerKind::Raw {
                status,
                body: body.into(),
            },
            headers: Vec::new(),
        }
    }

    /// This answer with one more response header, which the runtime reads
    /// as it would the service's: `x-acs-retry-after` (milliseconds, or
    /// `2s`) replaces the retry policy's backoff before the next attempt,
    /// and the `Date` of a clock-skew error (`InvalidTimeStamp.Expired`)
    /// corrects the signing clock. Names are case-insensitive; a name or a
    /// value that is not valid HTTP makes the request this answer is given
    /// to fail with a configuration error saying which.
    ///
    /// ```
    /// use aliyun_http::test_util::Answer;
    ///
    /// // Throttled, with the service asking for a 250 ms wait.
    /// let answer = Answer::error(400, "Throttling.User", "Request was denied due to user flow control.")
    ///     .with_header("x-acs-retry-after", "250");
    /// # let _ = answer;
    /// ```
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The answer's headers, checked.
    fn header_map(&self) -> Result<HeaderMap, ConstructionError> {
        let mut headers = HeaderMap::new();
        for (name, value) in &self.headers {
            let header_name =
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).map_err(|error| {
                    ConstructionError::invalid_configuration(format!(
                        "the test transport's answer has the header name {name:?}, which is not \
                         a valid HTTP header name; fix the name given to `Answer::with_header`"
                    ))
                    .with_source(error)
                })?;
            let header_value = reqwest::header::HeaderValue::from_str(value).map_err(|error| {
                ConstructionError::invalid_configuration(format!(
                    "the test transport's answer has a value of the header `{name}` that is not \
                     a valid HTTP header value (control characters or non-ASCII text); fix the \
                     value given to `Answer::with_header`"
                ))
                .with_source(error)
            })?;
            headers.append(header_name, header_value);
        }
        Ok(headers)
    }

    /// The response, with a request id made from the request's number so
    /// that each answer has its own.
    fn to_response(&self, request_number: usize) -> Result<HttpResponse, ConstructionError> {
        let request_id = format!("00000000-0000-4000-8000-{request_number:012}");
        let headers = self.header_map()?;
        Ok(match &self.kind {
            AnswerKind::Output(body) => {
                let mut body = body.clone();
                if let serde_json::Value::Object(fields) = &mut body {
                    fields
                        .entry("RequestId")
                        .or_insert_with(|| serde_json::Value::String(request_id));
                }
                HttpResponse {
                    status: 200,
                    headers,
                    body: body.to_string().into_bytes(),
                }
            }
            AnswerKind::Error {
                status,
                code,
                message,
            } => HttpResponse {
                status: *status,
                headers,
                body: serde_json::json!({
                    "RequestId": request_id,
                    "HostId": "test-transport.invalid",
                    "Code": code,
                    "Message": message,
                })
                .to_string()
                .into_bytes(),
            },
            AnswerKind::Raw { status, body } => HttpResponse {
                status: *status,
                headers,
                body: body.clone(),
            },
        })
    }
}
