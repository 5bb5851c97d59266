//! One attempt's exchange over the transport seam: the signed request
//! becomes an [`HttpRequest`] for the client's [`Connector`], and the
//! connector's answer a [`RawResponse`] or an [`AttemptFailure`] the retry
//! policy can classify.
//!
//! The connector is whatever the client was given: the reqwest connector
//! it builds by default, a program's own, or a test double. They are all
//! called the same way; nothing here knows which.

use std::time::{Duration, SystemTime};

use aliyun_codec::metadata::HttpMethod;
use aliyun_http::connector::{HeaderMap, Method, Url};
use aliyun_http::{Connector, ConnectorError, HttpRequest, HttpResponse};
use aliyun_sign::signing::SignedRequest;

use crate::endpoint::Endpoint;
use crate::error::{
    ConstructionError, DispatchError, ResponseError, ResponseErrorKind, TimeoutError, TimeoutKind,
};
use crate::retry::parse_retry_after;

/// The header through which the service asks for a longer wait before a
/// retry.
const RETRY_AFTER_HEADER: &str = "x-acs-retry-after";

/// A response read in full.
pub(crate) struct RawResponse {
    pub(crate) status: u16,
    pub(crate) retry_after: Option<Duration>,
    /// The response headers; the `Date` header is parsed only when a
    /// clock-skew error needs it.
    headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl RawResponse {
    fn new(response: HttpResponse) -> Self {
        RawResponse {
            status: response.status,
            retry_after: retry_after(&response.headers),
            headers: response.headers,
            body: response.body,
        }
    }

    /// The server's time, from the `Date` header.
    pub(crate) fn server_time(&self) -> Option<SystemTime> {
        let date = self.headers.get("date")?.to_str().ok()?;
        httpdate::parse_http_date(date).ok()
    }
}

/// Why an attempt produced no response.
pub(crate) enum AttemptFailure {
    /// The request could not even be built (an invalid header value), or
    /// the connector has no answer for it (a test double without a rule).
    Construction(ConstructionError),
    Timeout(TimeoutError),
    Dispatch(DispatchError),
    Response(ResponseError),
}

/// Where one attempt goes and how long its connection may take.
pub(crate) struct Destination<'a> {
    pub(crate) connector: &'a dyn Connector,
    /// The endpoint's root URL, parsed once (see [`parse_root_url`]).
    pub(crate) root_url: Option<&'a Url>,
    /// The endpoint's base URL, for messages: it holds no secret.
    pub(crate) endpoint: &'a str,
    /// The connect timeout a connect failure reports.
    pub(crate) connect_timeout: Duration,
    /// The largest response body accepted.
    pub(crate) body_limit: usize,
}

/// Sends one signed request through the connector and reads the whole
/// response, within the body limit (the caller enforces the attempt
/// timeout).
pub(crate) async fn exchange(
    destination: &Destination<'_>,
    signed: &SignedRequest,
) -> Result<RawResponse, AttemptFailure> {
    let method = match signed.method() {
        HttpMethod::Get => Method::GET,
        HttpMethod::Post => Method::POST,
    };
    let url = match request_url(destination.root_url, signed.url()) {
        Some(url) => url,
        None => Url::parse(signed.url()).map_err(|error| {
            AttemptFailure::Construction(
                ConstructionError::invalid_input("the request URL is not a valid URL")
                    .with_source(error),
            )
        })?,
    };
    let mut request = HttpRequest::new(method, url)
        .with_body(signed.body())
        .with_body_limit(destination.body_limit);
    request.headers.extend(
        signed
            .headers()
            .iter()
            .map(|(name, value)| (*name, value.clone())),
    );
    let response = destination
        .connector
        .call(request)
        .await
        .map_err(|error| attempt_failure(error, destination))?;
    // The limit holds whatever the connector: a program's own may not
    // enforce it.
    if response.body.len() > destination.body_limit {
        return Err(AttemptFailure::Response(ResponseError::new(
            ResponseErrorKind::BodyTooLarge,
            Some(response.status),
            &[],
        )));
    }
    Ok(RawResponse::new(response))
}

/// What a connector's failure means for the attempt.
fn attempt_failure(error: ConnectorError, destination: &Destination<'_>) -> AttemptFailure {
    let endpoint = destination.endpoint;
    match error {
        ConnectorError::Construction(error) => AttemptFailure::Construction(error),
        ConnectorError::ConnectTimeout { .. } => AttemptFailure::Timeout(TimeoutError::new(
            TimeoutKind::Connect,
            destination.connect_timeout,
        )),
        ConnectorError::Tls { failure, source } => {
            AttemptFailure::Dispatch(DispatchError::tls(failure, endpoint, source))
        }
        ConnectorError::Connect { source } => {
            AttemptFailure::Dispatch(DispatchError::new(false, source).with_endpoint(endpoint))
        }
        ConnectorError::ConnectionLost { source } => {
            AttemptFailure::Dispatch(DispatchError::new(true, source).with_endpoint(endpoint))
        }
        ConnectorError::BodyTooLarge { status, received } => AttemptFailure::Response(
            ResponseError::new(ResponseErrorKind::BodyTooLarge, Some(status), &received),
        ),
        other => AttemptFailure::Dispatch(
            DispatchError::new(other.request_sent(), other).with_endpoint(endpoint),
        ),
    }
}

/// The wait the service asks for before a retry, if it asks for one.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER_HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(parse_retry_after)
}

/// The endpoint's root URL, when parsing `base/` gives back exactly that
/// text (so appending a query to it is the same as parsing the whole URL).
pub(crate) fn parse_root_url(endpoint: &Endpoint) -> Option<Url> {
    let root = format!("{}/", endpoint.base_url());
    Url::parse(&root).ok().filter(|url| url.as_str() == root)
}

/// The URL of a signed request, built from the pre-parsed root URL: every
/// signed URL is the root followed by the query, and setting just the
/// query spares parsing the scheme and host (the host through IDNA
/// processing) on every attempt. `None` when the URL is not of that form;
/// the caller then parses it whole.
fn request_url(root: Option<&Url>, signed_url: &str) -> Option<Url> {
    let root = root?;
    let rest = signed_url.strip_prefix(root.as_str())?;
    let mut url = root.clone();
    if rest.is_empty() {
        return Some(url);
    }
    // A `#` would start a fragment when the whole URL is parsed; the signer
    // percent-encodes it, so this only guards the equivalence.
    let query = rest
        .strip_prefix('?')
        .filter(|query| !query.contains('#'))?;
    url.set_query(Some(query));
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_urls_built_from_the_root_equal_the_parsed_signed_urls() {
        let endpoint = Endpoint::from_url("http://127.0.0.1:8080").unwrap();
        let root = parse_root_url(&endpoint);
        assert!(root.is_some());
        for signed_url in [
            "http://127.0.0.1:8080/",
            "http://127.0.0.1:8080/?",
            "http://127.0.0.1:8080/?Action=X&SignatureNonce=ab12&Timestamp=2026-01-01T00%3A00%3A00Z&Signature=a%2Bb%3D",
            "http://127.0.0.1:8080/?Name=%E4%BD%A0%20~-._&Empty=&Flag",
        ] {
            let built = request_url(root.as_ref(), signed_url).expect("root-relative URL");
            assert_eq!(built, Url::parse(signed_url).unwrap(), "{signed_url}");
        }
        for other in [
            "http://127.0.0.1:8081/?Action=X",
            "http://127.0.0.1:8080/path?Action=X",
            "http://127.0.0.1:8080/?Action=X#fragment",
        ] {
            assert_eq!(request_url(root.as_ref(), other), None, "{other}");
        }
    }

    #[test]
    fn https_and_named_hosts_have_a_root_url() {
        let endpoint = Endpoint::https("rds.aliyuncs.com").unwrap();
        let root = parse_root_url(&endpoint).expect("root URL");
        assert_eq!(root.as_str(), "https://rds.aliyuncs.com/");
    }
}
