//! An incoming HTTP request, read in full and decoded into what the protocol
//! cares about: method, path, query and form parameters, headers and body.
//!
//! Decoding never fails: bytes that are not UTF-8 or escapes that are not
//! valid are decoded lossily, and the signature check then rejects the
//! request, which is what the real service does with a request it cannot
//! canonicalise the way the client did.

use std::fmt;

use bytes::Bytes;

/// The only API version the emulator serves, as sent in `Version` or
/// `x-acs-version`.
pub const API_VERSION: &str = "2014-08-15";

/// The content type whose body carries parameters.
const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// Parameters whose values are secrets: `Debug` shows them redacted.
const SECRET_PARAMETERS: &[&str] = &[
    "SourcePassword",
    "AccountPassword",
    "SecurityToken",
    "Signature",
];

/// Headers whose values are secrets or carry signatures: `Debug` shows them
/// redacted.
const SECRET_HEADERS: &[&str] = &["authorization", "x-acs-security-token"];

/// A request as the verifier and the operations see it. `Debug` redacts
/// passwords, tokens and signatures, so a request can be printed safely.
#[derive(Clone)]
pub(crate) struct ParsedRequest {
    /// The HTTP method, upper-case as sent (`GET`, `POST`).
    pub(crate) method: String,
    /// The path, without the query.
    pub(crate) path: String,
    /// Percent-decoded query parameters, in the order sent.
    pub(crate) query: Vec<(String, String)>,
    /// Percent-decoded form-body parameters, when the body is a form.
    pub(crate) form: Vec<(String, String)>,
    /// Headers with lower-case names, values decoded lossily, in the order
    /// sent.
    pub(crate) headers: Vec<(String, String)>,
    /// The raw body, hashed by the `ACS3-HMAC-SHA256` check.
    pub(crate) body: Bytes,
}

impl ParsedRequest {
    pub(crate) fn new(
        method: &str,
        path: &str,
        raw_query: Option<&str>,
        headers: Vec<(String, String)>,
        body: Bytes,
    ) -> Self {
        let query = raw_query.map(decode_pairs).unwrap_or_default();
        let is_form = headers.iter().any(|(name, value)| {
            name == "content-type"
                && value
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with(FORM_CONTENT_TYPE)
        });
        let form = if is_form {
            decode_pairs(&String::from_utf8_lossy(&body))
        } else {
            Vec::new()
        };
        ParsedRequest {
            method: method.to_owned(),
            path: path.to_owned(),
            query,
            form,
            headers,
            body,
        }
    }

    /// All parameters, query first, then form body.
    pub(crate) fn parameters(&self) -> impl Iterator<Item = (&str, &str)> {
        self.query
            .iter()
            .chain(self.form.iter())
            .map(|(name, value)| (name.as_str(), value.as_str()))
    }

    /// The first value of a parameter (query first, then body); an empty
    /// value counts as absent, as the service treats it.
    pub(crate) fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters()
            .find(|(candidate, _)| *candidate == name)
            .map(|(_, value)| value)
            .filter(|value| !value.is_empty())
    }

    /// The first value of a header (name in lower case); empty counts as
    /// absent.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate == name)
            .map(|(_, value)| value.trim())
            .filter(|value| !value.is_empty())
    }
}

impl fmt::Debug for ParsedRequest {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = |pairs: &[(String, String)], secrets: &[&str]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(name, value)| {
                    let secret = secrets
                        .iter()
                        .any(|secret| secret.eq_ignore_ascii_case(name));
                    let shown = if secret { "<redacted>" } else { value.as_str() };
                    (name.clone(), shown.to_owned())
                })
                .collect()
        };
        formatter
            .debug_struct("ParsedRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &redacted(&self.query, SECRET_PARAMETERS))
            .field("form", &redacted(&self.form, SECRET_PARAMETERS))
            .field("headers", &redacted(&self.headers, SECRET_HEADERS))
            // A form body repeats the parameters, secrets included.
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Decodes `a=1&b=2` with form-urlencoding rules: `+` is a space, `%XY` a
/// byte; a pair without `=` has an empty value.
fn decode_pairs(text: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_and_form_parameters_are_decoded_and_merged() {
        let request = ParsedRequest::new(
            "POST",
            "/",
            Some("A=1%3A2&B=x+y&C"),
            vec![(
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            )],
            Bytes::from_static(b"D=%E4%BD%A0&A=late"),
        );
        assert_eq!(request.parameter("A"), Some("1:2"));
        assert_eq!(request.parameter("B"), Some("x y"));
        assert_eq!(request.parameter("C"), None);
        assert_eq!(request.parameter("D"), Some("你"));
        assert_eq!(request.parameters().count(), 5);
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let request = ParsedRequest::new(
            "POST",
            "/",
            Some("SourcePassword=hunter2-query&Signature=sig-value&A=visible"),
            vec![
                (
                    "content-type".into(),
                    "application/x-www-form-urlencoded".into(),
                ),
                ("x-acs-security-token".into(), "token-value".into()),
            ],
            Bytes::from_static(b"SourcePassword=hunter2-form"),
        );
        let debug = format!("{request:?}");
        for secret in ["hunter2", "sig-value", "token-value"] {
            assert!(!debug.contains(secret), "{secret} in {debug}");
        }
        assert!(debug.contains("visible"), "{debug}");
        assert_eq!(request.parameter("SourcePassword"), Some("hunter2-query"));
    }

    #[test]
    fn a_body_that_is_not_a_form_carries_no_parameters() {
        let request = ParsedRequest::new(
            "POST",
            "/",
            None,
            vec![("content-type".into(), "application/json".into())],
            Bytes::from_static(b"A=1"),
        );
        assert_eq!(request.parameter("A"), None);
    }
}
