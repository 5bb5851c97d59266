//! Errors returned by generated operations.
//!
//! A call can fail in five distinguishable ways, one variant of [`SdkError`]
//! each: the request could not be built ([`ConstructionError`], which also
//! covers missing credentials), a timeout elapsed ([`TimeoutError`]), the
//! connection failed ([`DispatchError`]), the response could not be read or
//! decoded ([`ResponseError`]), or the service answered with an error
//! ([`ServiceError`], carrying the generated crate's typed code `E`).
//! Paging through a list adds a sixth, for a service whose pages would
//! never end ([`PaginationError`]).
//!
//! Every `Display` says what happened and, where there is one, what to do
//! about it. No error ever holds a secret: credentials are redacted before
//! they could reach a message, and URLs (whose query may carry a security
//! token) are stripped from transport errors.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

pub use aliyun_codec::error::{BoxError, ConstructionError, ConstructionErrorKind};
pub use aliyun_http::TlsFailure;

/// The most bytes of a response body kept in an error, so a huge or binary
/// body cannot flood logs.
pub const BODY_EXCERPT_LIMIT: usize = 512;

/// Metadata of an error answered by the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceErrorMetadata {
    /// HTTP status of the response.
    pub http_status: u16,
    /// The error code, verbatim.
    pub code: String,
    /// The server's message.
    pub message: String,
    /// The request id.
    pub request_id: Option<String>,
    /// The host id.
    pub host_id: Option<String>,
    /// The diagnosis URL.
    pub recommend: Option<String>,
    /// The RAM access-denied detail.
    pub access_denied_detail: Option<String>,
}

impl fmt::Display for ServiceErrorMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the service answered {}", self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        write!(f, " (HTTP {}", self.http_status)?;
        if let Some(request_id) = &self.request_id {
            write!(f, ", request id {request_id}")?;
        }
        f.write_str(")")?;
        if let Some(detail) = &self.access_denied_detail {
            write!(f, "; access denied detail: {detail}")?;
        }
        if let Some(recommend) = &self.recommend {
            write!(f, "; diagnosis: {recommend}")?;
        }
        Ok(())
    }
}

/// An error answered by the service, with its typed code.
///
/// The metadata is boxed so that `Result<T, SdkError<E>>` stays small on
/// the success path.
#[derive(Debug)]
pub struct ServiceError<E> {
    kind: E,
    metadata: Box<ServiceErrorMetadata>,
}

impl<E> ServiceError<E> {
    /// Pairs a typed code with the response metadata it was parsed from.
    pub fn new(kind: E, metadata: ServiceErrorMetadata) -> Self {
        ServiceError {
            kind,
            metadata: Box::new(metadata),
        }
    }

    /// The typed error code.
    pub fn kind(&self) -> &E {
        &self.kind
    }

    /// Consumes the error and returns its typed code.
    pub fn into_kind(self) -> E {
        self.kind
    }

    /// Consumes the error and returns the typed code and the metadata.
    pub fn into_parts(self) -> (E, ServiceErrorMetadata) {
        (self.kind, *self.metadata)
    }

    /// The code, message, request id and other details of the response.
    pub fn metadata(&self) -> &ServiceErrorMetadata {
        &self.metadata
    }

    /// The error code exactly as the service sent it.
    pub fn code(&self) -> &str {
        &self.metadata.code
    }

    /// The request id, to quote when contacting support.
    pub fn request_id(&self) -> Option<&str> {
        self.metadata.request_id.as_deref()
    }

    /// Replaces the typed code, keeping the metadata.
    pub fn map_kind<F>(self, map: impl FnOnce(E) -> F) -> ServiceError<F> {
        ServiceError {
            kind: map(self.kind),
            metadata: self.metadata,
        }
    }
}

impl<E> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.metadata, f)
    }
}

impl<E: fmt::Debug> StdError for ServiceError<E> {}

/// Which timeout elapsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutKind {
    /// Establishing the connection took too long; nothing was sent.
    Connect,
    /// One attempt (sending the request and reading the whole response)
    /// took too long; the service may have acted.
    Attempt,
    /// The whole operation, retries included, took too long.
    Operation,
}

/// A timeout elapsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutError {
    kind: TimeoutKind,
    limit: Duration,
}

impl TimeoutError {
    /// A timeout of `kind` that elapsed after `limit`.
    pub fn new(kind: TimeoutKind, limit: Duration) -> Self {
        TimeoutError { kind, limit }
    }

    /// Which timeout elapsed.
    pub fn kind(&self) -> TimeoutKind {
        self.kind
    }

    /// The configured limit that elapsed.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Whether the request may have reached the service.
    pub fn request_sent(&self) -> bool {
        self.kind != TimeoutKind::Connect
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, setting) = match self.kind {
            TimeoutKind::Connect => ("connecting to the endpoint", "connect_timeout"),
            TimeoutKind::Attempt => (
                "an attempt (sending the request and reading the response)",
                "attempt_timeout",
            ),
            TimeoutKind::Operation => {
                ("the whole operation, retries included", "operation_timeout")
            }
        };
        write!(
            f,
            "{what} took longer than {:?}; check the network or raise `{setting}` in the client configuration",
            self.limit
        )?;
        if self.request_sent() {
            f.write_str(" (the request may have reached the service)")?;
        }
        Ok(())
    }
}

impl StdError for TimeoutError {}

/// How a connection failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DispatchErrorKind {
    /// No connection could be made (refused, unreachable, DNS, proxy);
    /// nothing was sent.
    Connect,
    /// The TLS handshake failed, for the reason given; nothing was sent.
    Tls(TlsFailure),
    /// The connection broke after the request was sent, or while the
    /// response was being read.
    ConnectionLost,
}

/// The request could not be delivered, or the connection broke while the
/// response was being read.
#[derive(Debug)]
pub struct DispatchError {
    kind: DispatchErrorKind,
    endpoint: Option<String>,
    source: BoxError,
}

impl DispatchError {
    /// A transport failure; `request_sent` says whether any byte of the
    /// request may have reached the service.
    pub fn new(request_sent: bool, source: impl Into<BoxError>) -> Self {
        let kind = if request_sent {
            DispatchErrorKind::ConnectionLost
        } else {
            DispatchErrorKind::Connect
        };
        DispatchError {
            kind,
            endpoint: None,
            source: source.into(),
        }
    }

    /// A failed TLS handshake with `endpoint` (its base URL): nothing was
    /// sent.
    pub fn tls(
        failure: TlsFailure,
        endpoint: impl Into<String>,
        source: impl Into<BoxError>,
    ) -> Self {
        DispatchError {
            kind: DispatchErrorKind::Tls(failure),
            endpoint: Some(endpoint.into()),
            source: source.into(),
        }
    }

    /// Names the endpoint (its base URL, which holds no secret) in the
    /// message.
    pub fn with_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }

    /// How the connection failed.
    pub fn kind(&self) -> DispatchErrorKind {
        self.kind
    }

    /// The endpoint called, when known.
    pub fn endpoint(&self) -> Option<&str> {
        self.endpoint.as_deref()
    }

    /// Whether the request may have reached the service. `false` proves it
    /// did not (the connection was never established).
    pub fn request_sent(&self) -> bool {
        self.kind == DispatchErrorKind::ConnectionLost
    }
}

impl fmt::Display for DispatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = self.endpoint.as_deref().unwrap_or("the endpoint");
        match self.kind {
            DispatchErrorKind::ConnectionLost => write!(
                f,
                "the connection to {endpoint} failed after the request was sent, so the operation may or may not have run: {}",
                self.source
            ),
            DispatchErrorKind::Connect => write!(
                f,
                "could not connect to {endpoint} (nothing was sent); check the endpoint, the network and any proxy: {}",
                self.source
            ),
            DispatchErrorKind::Tls(failure) => write!(
                f,
                "the TLS connection to {endpoint} failed (nothing was sent): {}: {}",
                failure.advice(),
                self.source
            ),
        }
    }
}

impl StdError for DispatchError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.source.as_ref())
    }
}

/// What was wrong with a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseErrorKind {
    /// A success status whose body does not decode as the operation output.
    UndecodableOutput,
    /// An error status whose body is not one of the service's error shapes
    /// (HTML from a proxy, an empty body, ...).
    UnrecognizedErrorBody,
    /// The body is larger than the configured limit.
    BodyTooLarge,
}

/// A response that could not be understood.
#[derive(Debug)]
pub struct ResponseError {
    kind: ResponseErrorKind,
    http_status: Option<u16>,
    body_excerpt: String,
    body: Vec<u8>,
    field_path: Option<String>,
    source: Option<BoxError>,
}

impl ResponseError {
    /// A response error; `body` is cut down to an excerpt of at most
    /// [`BODY_EXCERPT_LIMIT`] bytes.
    pub fn new(kind: ResponseErrorKind, http_status: Option<u16>, body: &[u8]) -> Self {
        ResponseError {
            kind,
            http_status,
            body_excerpt: excerpt(body),
            body: Vec::new(),
            field_path: None,
            source: None,
        }
    }

    /// A success whose body does not decode as the operation's output:
    /// `field_path` says where (`Items.SQLSlowRecord[0].CpuTime`), or is
    /// `None` when the body is not JSON at all. The whole body is kept, so
    /// that a caller can still read what the service sent.
    pub fn undecodable_output(http_status: u16, body: &[u8], field_path: Option<&str>) -> Self {
        let mut error = ResponseError::new(
            ResponseErrorKind::UndecodableOutput,
            Some(http_status),
            body,
        );
        error.body = body.to_vec();
        error.field_path = field_path.map(str::to_owned);
        error
    }

    /// Attaches the underlying cause (for example the JSON error).
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// What was wrong.
    pub fn kind(&self) -> ResponseErrorKind {
        self.kind
    }

    /// The HTTP status of the response.
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }

    /// The start of the body, lossily decoded as UTF-8.
    pub fn body_excerpt(&self) -> &str {
        &self.body_excerpt
    }

    /// The whole body of a success that did not decode
    /// ([`ResponseErrorKind::UndecodableOutput`]), so the answer is not lost
    /// when one field has an unexpected shape: parse it with `serde_json` to
    /// read the fields that did. Empty for the other kinds, whose excerpt
    /// says all there is.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Where in the output the body differs from the documented shape, as
    /// a path of wire names and list indexes
    /// (`Items.SQLSlowRecord[0].CpuTime`); `None` when the body is not JSON
    /// or the error is of another kind.
    pub fn field_path(&self) -> Option<&str> {
        self.field_path.as_deref()
    }
}

/// Cuts a body down to a printable excerpt on a character boundary.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(BODY_EXCERPT_LIMIT)]);
    let mut text = text.into_owned();
    if body.len() > BODY_EXCERPT_LIMIT {
        text.push_str("...");
    }
    text
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ResponseErrorKind::UndecodableOutput => {
                f.write_str("the service answered success but the body is not the expected output")?
            }
            ResponseErrorKind::UnrecognizedErrorBody => f.write_str(
                "the service answered an error whose body is not an Alibaba Cloud error \
                 (a proxy or gateway in between may have answered; check the endpoint)",
            )?,
            ResponseErrorKind::BodyTooLarge => f.write_str(
                "the response body is larger than the configured limit; raise `response_body_limit` if it is expected",
            )?,
        }
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(path) = self.field_path.as_deref().filter(|path| !path.is_empty()) {
            write!(
                f,
                "; the field `{path}` does not have its documented type (the whole body is kept in the error)"
            )?;
        }
        if self.body_excerpt.is_empty() {
            f.write_str(", empty body")?;
        } else {
            write!(f, ", body: {}", self.body_excerpt)?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl StdError for ResponseError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_ref()
            .map(|source| source.as_ref() as &(dyn StdError + 'static))
    }
}

/// Any failure of a generated operation.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// The request could not be built (bad input, bad configuration or no
    /// credentials).
    Construction(ConstructionError),
    /// A timeout elapsed.
    Timeout(TimeoutError),
    /// The connection failed.
    Dispatch(DispatchError),
    /// The response could not be read or understood.
    Response(ResponseError),
    /// The service answered with an error.
    Service(ServiceError<E>),
    /// Paging through a list operation could not go on although every call
    /// succeeded (see [`crate::paginator`]).
    Pagination(PaginationError),
}

impl<E> SdkError<E> {
    /// The service error, when the service answered one.
    pub fn as_service_error(&self) -> Option<&ServiceError<E>> {
        match self {
            SdkError::Service(error) => Some(error),
            _ => None,
        }
    }

    /// Consumes the error and returns the service error, if any.
    pub fn into_service_error(self) -> Option<ServiceError<E>> {
        match self {
            SdkError::Service(error) => Some(error),
            _ => None,
        }
    }

    /// Converts the typed code of a service error, leaving other variants
    /// as they are.
    pub fn map_service_error<F>(self, map: impl FnOnce(E) -> F) -> SdkError<F> {
        match self {
            SdkError::Construction(error) => SdkError::Construction(error),
            SdkError::Timeout(error) => SdkError::Timeout(error),
            SdkError::Dispatch(error) => SdkError::Dispatch(error),
            SdkError::Response(error) => SdkError::Response(error),
            SdkError::Service(error) => SdkError::Service(error.map_kind(map)),
            SdkError::Pagination(error) => SdkError::Pagination(error),
        }
    }

    /// The HTTP status, when a response was received.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            SdkError::Service(error) => Some(error.metadata.http_status),
            SdkError::Response(error) => error.http_status(),
            _ => None,
        }
    }

    /// The request id of a service error.
    pub fn request_id(&self) -> Option<&str> {
        self.as_service_error().and_then(ServiceError::request_id)
    }

    /// `true` when the call failed because no credentials were found.
    pub fn is_credentials_missing(&self) -> bool {
        matches!(self, SdkError::Construction(error) if error.is_credentials_missing())
    }
}

impl<E> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SdkError::Construction(error) => fmt::Display::fmt(error, f),
            SdkError::Timeout(error) => fmt::Display::fmt(error, f),
            SdkError::Dispatch(error) => fmt::Display::fmt(error, f),
            SdkError::Response(error) => fmt::Display::fmt(error, f),
            SdkError::Service(error) => fmt::Display::fmt(error, f),
            SdkError::Pagination(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl<E: fmt::Debug> StdError for SdkError<E> {
    /// The cause of the wrapped error. `Display` already shows the wrapped
    /// error itself, so returning it here would print it twice in a chain.
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SdkError::Construction(error) => error.source(),
            SdkError::Timeout(error) => error.source(),
            SdkError::Dispatch(error) => error.source(),
            SdkError::Response(error) => error.source(),
            SdkError::Service(_) | SdkError::Pagination(_) => None,
        }
    }
}

impl<E> From<ConstructionError> for SdkError<E> {
    fn from(error: ConstructionError) -> Self {
        SdkError::Construction(error)
    }
}

/// Why paging stopped before the last page, besides a failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationError {
    /// A response returned a next token that was already sent: following
    /// it would page through the same pages forever.
    RepeatedToken {
        /// The operation's action name.
        operation: &'static str,
        /// The repeated token.
        token: String,
        /// The page (counted from one) whose response repeated it.
        page: u32,
    },
}

impl fmt::Display for PaginationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PaginationError::RepeatedToken {
                operation,
                token,
                page,
            } => write!(
                f,
                "paging {operation} stopped: page {page} returned the next token {token:?}, which an earlier page had already returned, so following it would repeat pages forever; the service is misbehaving, retry the listing later or page with other parameters"
            ),
        }
    }
}

impl std::error::Error for PaginationError {}
