//! The transport seam: a [`Connector`] takes one [`HttpRequest`] and
//! answers one [`HttpResponse`], read in full.
//!
//! Every request the SDK sends goes through a connector: the runtime's
//! attempts, the credential providers' calls to STS, the ECS metadata
//! service and a credentials URI. The one a client builds
//! ([`ReqwestConnector`](crate::ReqwestConnector)) applies its proxies,
//! trusted roots and pool to all of them, so a setting made once holds for
//! every request; a test double (`test_util::MockTransport`, with the
//! `test-util` feature) or a program's own connector replaces it whole.
//!
//! A connector sends what it is given and reports how it failed
//! ([`ConnectorError`]). It never retries and never times a request out
//! beyond its connect timeout: whether a request may be sent again, and
//! how long it may take, is for its caller to decide.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use aliyun_codec::error::{BoxError, ConstructionError};

use crate::tls::TlsFailure;

/// Response headers.
pub use reqwest::header::HeaderMap;
/// The HTTP method of a request.
pub use reqwest::Method;
/// A parsed URL.
pub use reqwest::Url;

/// The largest response body a request accepts unless it says otherwise:
/// 4 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 4 * 1024 * 1024;

/// Which way a request leaves the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Route {
    /// Through the proxies the connector is configured with.
    #[default]
    Configured,
    /// Straight to the host, never through a proxy: for services on the
    /// local network or machine that hand out credentials (the ECS
    /// metadata service, a credentials URI), whose answers a proxy must
    /// not see.
    Direct,
}

/// One request, ready to send.
///
/// Its `Debug` shows the method, the URL without its query (which may
/// carry a security token) and the header names, never a header value or
/// the body.
#[derive(Clone)]
#[non_exhaustive]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The URL, query string included.
    pub url: Url,
    /// The headers, names in lower case.
    pub headers: Vec<(&'static str, String)>,
    /// The body; empty for none.
    pub body: Vec<u8>,
    /// Which way the request goes.
    pub route: Route,
    /// The largest response body accepted, in bytes; a larger one fails
    /// with [`ConnectorError::BodyTooLarge`].
    pub body_limit: usize,
}

impl HttpRequest {
    /// A request without headers or body, through the configured proxies,
    /// accepting a body up to [`DEFAULT_BODY_LIMIT`].
    pub fn new(method: Method, url: Url) -> Self {
        HttpRequest {
            method,
            url,
            headers: Vec::new(),
            body: Vec::new(),
            route: Route::Configured,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// This request with one more header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// This request with a body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// This request, sent along `route`.
    pub fn with_route(mut self, route: Route) -> Self {
        self.route = route;
        self
    }

    /// This request, accepting a response body of at most `bytes`.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut url = self.url.clone();
        url.set_query(None);
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| *name).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url.as_str())
            .field("headers", &names)
            .field("body_bytes", &self.body.len())
            .field("route", &self.route)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

/// A response, its body read in full.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HttpResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A response with this status, headers and body.
    pub fn new(status: u16, headers: HeaderMap, body: Vec<u8>) -> Self {
        HttpResponse {
            status,
            headers,
            body,
        }
    }
}

/// Why a connector produced no response. Whether the request may have
/// reached the server is part of each kind, so that a caller can tell
/// whether sending it again could run it twice.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectorError {
    /// The request cannot be sent as it is (a header value that is not
    /// valid HTTP), or a test double has no answer for it; nothing was
    /// sent.
    Construction(ConstructionError),
    /// No connection was established within the connect timeout; nothing
    /// was sent.
    ConnectTimeout {
        /// The transport's error.
        source: BoxError,
    },
    /// No connection could be made (refused, unreachable, DNS, a proxy
    /// that failed); nothing was sent.
    Connect {
        /// The transport's error.
        source: BoxError,
    },
    /// The TLS handshake failed, for the reason given; nothing was sent.
    Tls {
        /// What went wrong.
        failure: TlsFailure,
        /// The transport's error.
        source: BoxError,
    },
    /// The connection broke after the request may have been sent, or
    /// while the response was being read.
    ConnectionLost {
        /// The transport's error.
        source: BoxError,
    },
    /// The response body is larger than the request's
    /// [`body_limit`](HttpRequest::body_limit).
    BodyTooLarge {
        /// The response's HTTP status.
        status: u16,
        /// The part of the body read before the limit was reached (empty
        /// when the declared length was already over it).
        received: Vec<u8>,
    },
}

impl ConnectorError {
    /// Whether the request may have reached the server. `false` proves it
    /// did not.
    pub fn request_sent(&self) -> bool {
        matches!(
            self,
            ConnectorError::ConnectionLost { .. } | ConnectorError::BodyTooLarge { .. }
        )
    }

    /// The TLS failure, when the handshake failed.
    pub fn tls_failure(&self) -> Option<TlsFailure> {
        match self {
            ConnectorError::Tls { failure, .. } => Some(*failure),
            _ => None,
        }
    }
}

impl fmt::Display for ConnectorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectorError::Construction(error) => fmt::Display::fmt(error, f),
            ConnectorError::ConnectTimeout { .. } => f.write_str(
                "no connection was established within the connect timeout (nothing was sent); \
                 check the endpoint, the network and any proxy",
            ),
            ConnectorError::Connect { source } => write!(
                f,
                "could not connect (nothing was sent); check the endpoint, the network and any \
                 proxy: {source}"
            ),
            ConnectorError::Tls { failure, source } => write!(
                f,
                "the TLS connection failed (nothing was sent): {}: {source}",
                failure.advice()
            ),
            ConnectorError::ConnectionLost { source } => write!(
                f,
                "the connection failed after the request was sent: {source}"
            ),
            ConnectorError::BodyTooLarge { status, .. } => write!(
                f,
                "the answer (HTTP {status}) has a body larger than the limit"
            ),
        }
    }
}

impl StdError for ConnectorError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            ConnectorError::Construction(error) => error.source(),
            ConnectorError::ConnectTimeout { source }
            | ConnectorError::Connect { source }
            | ConnectorError::Tls { source, .. }
            | ConnectorError::ConnectionLost { source } => Some(source.as_ref()),
            ConnectorError::BodyTooLarge { .. } => None,
        }
    }
}

/// The future [`Connector::call`] returns.
pub type ConnectorFuture<'a> =
    Pin<Box<dyn Future<Output = Result<HttpResponse, ConnectorError>> + Send + 'a>>;

/// Sends requests: the one seam between the SDK and the network.
pub trait Connector: Send + Sync + fmt::Debug {
    /// Sends `request` and reads the whole response, within the request's
    /// body limit.
    fn call(&self, request: HttpRequest) -> ConnectorFuture<'_>;
}
