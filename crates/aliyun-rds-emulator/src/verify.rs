//! Authentication of incoming requests, as the real RDS gateway performs it.
//!
//! A request is signed either with `HMAC-SHA1` (RPC signature version 1.0,
//! everything in parameters) or with `ACS3-HMAC-SHA256` (an `Authorization`
//! header and `x-acs-*` headers). [`Verifier::authenticate`] picks the scheme
//! from the `Authorization` header and checks, in this order: the signing
//! fields are present and well formed, the timestamp's format, the access key
//! is known, the signature, the clock skew, the security token and, last, the
//! nonce. The nonce is only remembered once everything else has passed, so a
//! request refused for another reason does not burn its nonce.

use std::collections::{HashSet, VecDeque};
use std::sync::{Mutex, PoisonError};

use crate::clock::{parse_timestamp, Clock, MAX_SKEW_SECONDS};
use crate::credentials::{KeyStore, KnownKey};
use crate::error::ApiError;
use crate::request::ParsedRequest;
use crate::signature;

/// The signature scheme a request uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// `HMAC-SHA1`, signature version 1.0, all in parameters.
    Rpc,
    /// `ACS3-HMAC-SHA256`, in headers.
    Acs3,
}

impl Scheme {
    /// The scheme a request claims: `ACS3-HMAC-SHA256` when it carries an
    /// `Authorization` header, the RPC scheme otherwise.
    pub(crate) fn of(request: &ParsedRequest) -> Scheme {
        if request.header("authorization").is_some() {
            Scheme::Acs3
        } else {
            Scheme::Rpc
        }
    }
}

/// The action a request names, if any: the `Action` parameter for the RPC
/// scheme, the `x-acs-action` header for `ACS3-HMAC-SHA256`.
pub(crate) fn requested_action(request: &ParsedRequest) -> Option<&str> {
    match Scheme::of(request) {
        Scheme::Rpc => request.parameter("Action"),
        Scheme::Acs3 => request.header("x-acs-action"),
    }
}

/// The nonce a request carries, if any.
pub(crate) fn requested_nonce(request: &ParsedRequest) -> Option<&str> {
    match Scheme::of(request) {
        Scheme::Rpc => request.parameter("SignatureNonce"),
        Scheme::Acs3 => request.header("x-acs-signature-nonce"),
    }
}

/// What a successfully authenticated request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Authenticated {
    pub(crate) action: String,
    pub(crate) version: String,
}

/// The signing fields of a request, whichever scheme carried them.
struct SigningFields<'a> {
    action: &'a str,
    version: &'a str,
    access_key_id: &'a str,
    nonce: &'a str,
    timestamp: i64,
    security_token: Option<&'a str>,
    key: KnownKey,
}

/// Checks signatures against the accepted key pairs and remembers nonces.
#[derive(Debug)]
pub(crate) struct Verifier {
    keys: KeyStore,
    nonces: Mutex<NonceWindow>,
}

impl Verifier {
    /// A verifier that remembers at most `max_nonces` nonces.
    pub(crate) fn new(keys: KeyStore, max_nonces: usize) -> Self {
        Verifier {
            keys,
            nonces: Mutex::new(NonceWindow::with_capacity(max_nonces)),
        }
    }

    /// Authenticates `request` at the emulator's `clock`, or says why not with
    /// the error the real service answers.
    pub(crate) fn authenticate(
        &self,
        request: &ParsedRequest,
        clock: &Clock,
    ) -> Result<Authenticated, ApiError> {
        let fields = match Scheme::of(request) {
            Scheme::Rpc => self.verify_rpc(request)?,
            Scheme::Acs3 => self.verify_acs3(request)?,
        };
        let now = clock.now_unix_seconds();
        if (now.saturating_sub(fields.timestamp)).abs() > MAX_SKEW_SECONDS {
            return Err(ApiError::timestamp_expired());
        }
        self.check_security_token(&fields.key, fields.security_token, now)?;
        let fresh = self
            .nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(fields.access_key_id, fields.nonce, now);
        if !fresh {
            return Err(ApiError::nonce_used());
        }
        Ok(Authenticated {
            action: fields.action.to_owned(),
            version: fields.version.to_owned(),
        })
    }

    /// The accepted pairs, which the emulated STS adds temporary pairs to.
    pub(crate) fn keys(&self) -> &KeyStore {
        &self.keys
    }

    fn key_pair(&self, access_key_id: &str) -> Result<KnownKey, ApiError> {
        self.keys
            .find(access_key_id)
            .ok_or_else(ApiError::access_key_not_found)
    }

    /// Checks an RPC (`HMAC-SHA1`) request up to and including its signature.
    fn verify_rpc<'a>(&self, request: &'a ParsedRequest) -> Result<SigningFields<'a>, ApiError> {
        let required = |name: &str| {
            request
                .parameter(name)
                .ok_or_else(|| ApiError::missing_parameter(name))
        };
        let action = required("Action")?;
        let version = required("Version")?;
        let access_key_id = required("AccessKeyId")?;
        let signature_method = required("SignatureMethod")?;
        let signature_version = required("SignatureVersion")?;
        let nonce = required("SignatureNonce")?;
        let timestamp_text = required("Timestamp")?;
        let provided_signature = required("Signature")?;
        if signature_method != "HMAC-SHA1" {
            return Err(ApiError::invalid_parameter(
                "SignatureMethod",
                "SignatureMethod must be HMAC-SHA1.",
            ));
        }
        if signature_version != "1.0" {
            return Err(ApiError::invalid_parameter(
                "SignatureVersion",
                "SignatureVersion must be 1.0.",
            ));
        }
        if let Some(format) = request.parameter("Format") {
            if !format.eq_ignore_ascii_case("JSON") && !format.eq_ignore_ascii_case("XML") {
                return Err(ApiError::invalid_parameter(
                    "Format",
                    "Format must be JSON or XML.",
                ));
            }
        }
        let timestamp = parse_timestamp(timestamp_text)
            .ok_or_else(|| ApiError::timestamp_format("Timestamp"))?;
        let pair = self.key_pair(access_key_id)?;

        let canonical = signature::rpc_canonicalized_query(request.parameters());
        let string_to_sign = signature::rpc_string_to_sign(&request.method, &canonical);
        if !signature::rpc_signature_matches(
            &pair.pair.access_key_secret,
            &string_to_sign,
            provided_signature,
        ) {
            return Err(signature_mismatch(
                "string to sign",
                &string_to_sign,
                request.parameter("SecurityToken").is_some(),
            ));
        }
        Ok(SigningFields {
            action,
            version,
            access_key_id,
            nonce,
            timestamp,
            security_token: request.parameter("SecurityToken"),
            key: pair,
        })
    }

    /// Checks an `ACS3-HMAC-SHA256` request up to and including its
    /// signature.
    fn verify_acs3<'a>(&self, request: &'a ParsedRequest) -> Result<SigningFields<'a>, ApiError> {
        let authorization = parse_authorization(request.header("authorization").unwrap_or(""))?;
        let required = |name: &str| {
            request
                .header(name)
                .ok_or_else(|| ApiError::missing_parameter(name))
        };
        let action = required("x-acs-action")?;
        let version = required("x-acs-version")?;
        let date_text = required("x-acs-date")?;
        let nonce = required("x-acs-signature-nonce")?;
        let content_sha256 = required("x-acs-content-sha256")?;
        let timestamp =
            parse_timestamp(date_text).ok_or_else(|| ApiError::timestamp_format("x-acs-date"))?;

        // The gateway insists that the host and every x-acs-* header are
        // covered by the signature, whatever else the client chose to sign.
        let signed: HashSet<&str> = authorization
            .signed_headers
            .iter()
            .map(String::as_str)
            .collect();
        let mut must_be_signed: Vec<&str> = vec!["host"];
        must_be_signed.extend(
            request
                .headers
                .iter()
                .map(|(name, _)| name.as_str())
                .filter(|name| name.starts_with("x-acs-")),
        );
        if let Some(unsigned) = must_be_signed.iter().find(|name| !signed.contains(*name)) {
            return Err(ApiError::incomplete_signature(&format!(
                "The header \"{unsigned}\" must be listed in SignedHeaders."
            )));
        }
        let canonical_headers =
            signature::acs3_canonical_headers(&request.headers, &authorization.signed_headers)
                .ok_or_else(|| {
                    ApiError::incomplete_signature(
                        "SignedHeaders names a header that the request does not carry.",
                    )
                })?;

        let pair = self.key_pair(authorization.access_key_id)?;
        let hashed_payload = signature::sha256_hex(&request.body);
        if !content_sha256.eq_ignore_ascii_case(&hashed_payload) {
            return Err(ApiError::signature_does_not_match()
                .recommend("x-acs-content-sha256 is not the hex SHA-256 of the request body."));
        }
        let canonical_query = signature::acs3_canonical_query(
            request
                .query
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
        let canonical_request = signature::acs3_canonical_request(
            &request.method,
            &request.path,
            &canonical_query,
            &canonical_headers,
            &signature::acs3_signed_headers_list(&authorization.signed_headers),
            &hashed_payload,
        );
        let string_to_sign = signature::acs3_string_to_sign(&canonical_request);
        if !signature::acs3_signature_matches(
            &pair.pair.access_key_secret,
            &string_to_sign,
            authorization.signature,
        ) {
            return Err(signature_mismatch(
                "canonical request",
                &canonical_request,
                request.header("x-acs-security-token").is_some(),
            ));
        }
        let access_key_id = authorization.access_key_id;
        Ok(SigningFields {
            action,
            version,
            access_key_id,
            nonce,
            timestamp,
            security_token: request.header("x-acs-security-token"),
            key: pair,
        })
    }

    /// Checks the token a request carries against its pair's, then the
    /// pair's expiry (temporary pairs from the emulated STS).
    fn check_security_token(
        &self,
        key: &KnownKey,
        provided: Option<&str>,
        now: i64,
    ) -> Result<(), ApiError> {
        let access_key_id = key.pair.access_key_id.as_str();
        match (key.pair.security_token.as_deref(), provided) {
            (None, None) => {}
            (Some(expected), Some(provided)) if expected == provided => {}
            (Some(_), None) => return Err(ApiError::security_token_mismatch()),
            (_, Some(provided)) => {
                return if self
                    .keys
                    .token_belongs_to_another_pair(access_key_id, provided)
                {
                    Err(ApiError::security_token_mismatch())
                } else {
                    Err(ApiError::security_token_malformed())
                }
            }
        }
        match key.expires_at {
            Some(expires_at) if now >= expires_at => Err(ApiError::security_token_expired()),
            _ => Ok(()),
        }
    }
}

/// `SignatureDoesNotMatch`, with the server's side of the computation in
/// `Recommend` so that a client author can diff it against their own. The
/// computation contains no secret, except a security token when the request
/// carries one: it is then left out, since tokens must not reach error
/// messages.
fn signature_mismatch(what: &str, computed: &str, carries_token: bool) -> ApiError {
    let hint = if carries_token {
        format!(
            "Check the AccessKey secret and the signing code. The server's {what} is not shown because it contains the security token."
        )
    } else {
        format!(
            "Check the AccessKey secret and the signing code. The server's {what} is: {computed}"
        )
    };
    ApiError::signature_does_not_match().recommend(hint)
}

/// The parts of an `ACS3-HMAC-SHA256` `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Authorization<'a> {
    access_key_id: &'a str,
    signed_headers: Vec<String>,
    signature: &'a str,
}

/// Parses `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b>,Signature=<hex>`.
/// Anything else is `IncompleteSignature`, saying what is wrong.
fn parse_authorization(header: &str) -> Result<Authorization<'_>, ApiError> {
    let Some(rest) = header.strip_prefix(signature::ACS3_ALGORITHM) else {
        return Err(ApiError::incomplete_signature(
            "The Authorization header must start with ACS3-HMAC-SHA256.",
        ));
    };
    if !rest.starts_with(' ') {
        return Err(ApiError::incomplete_signature(
            "The Authorization header must be ACS3-HMAC-SHA256 Credential=...,SignedHeaders=...,Signature=...",
        ));
    }
    let mut credential = None;
    let mut signed_headers = None;
    let mut provided_signature = None;
    for part in rest.split(',') {
        let Some((name, value)) = part.trim().split_once('=') else {
            return Err(ApiError::incomplete_signature(
                "Each part of the Authorization header must be name=value.",
            ));
        };
        let slot = match name.trim() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut provided_signature,
            _ => return Err(ApiError::incomplete_signature(
                "The Authorization header may only hold Credential, SignedHeaders and Signature.",
            )),
        };
        if slot.is_some() {
            return Err(ApiError::incomplete_signature(
                "A part of the Authorization header appears twice.",
            ));
        }
        *slot = Some(value.trim());
    }
    let (Some(credential), Some(signed_headers), Some(provided_signature)) =
        (credential, signed_headers, provided_signature)
    else {
        return Err(ApiError::incomplete_signature(
            "The Authorization header needs Credential, SignedHeaders and Signature.",
        ));
    };
    if credential.is_empty() || signed_headers.is_empty() || provided_signature.is_empty() {
        return Err(ApiError::incomplete_signature(
            "Credential, SignedHeaders and Signature must not be empty.",
        ));
    }
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(ApiError::incomplete_signature(
            "SignedHeaders holds an empty header name.",
        ));
    }
    Ok(Authorization {
        access_key_id: credential,
        signed_headers,
        signature: provided_signature,
    })
}

/// The nonces seen in the last 15 minutes of the emulator's clock, per access
/// key, at most `capacity` of them: past it, the oldest are forgotten first,
/// so that a long-running emulator under heavy traffic holds bounded memory.
/// Entries expire in arrival order, so pruning is cheap.
#[derive(Debug)]
struct NonceWindow {
    seen: HashSet<(String, String)>,
    arrivals: VecDeque<(i64, (String, String))>,
    capacity: usize,
}

impl NonceWindow {
    fn with_capacity(capacity: usize) -> Self {
        NonceWindow {
            seen: HashSet::new(),
            arrivals: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Remembers the nonce; `false` when it was already seen in the window.
    fn insert(&mut self, access_key_id: &str, nonce: &str, now: i64) -> bool {
        while let Some((seen_at, _)) = self.arrivals.front() {
            let expired = now.saturating_sub(*seen_at) > MAX_SKEW_SECONDS;
            if !expired && self.arrivals.len() < self.capacity {
                break;
            }
            if let Some((_, key)) = self.arrivals.pop_front() {
                self.seen.remove(&key);
            }
        }
        let key = (access_key_id.to_owned(), nonce.to_owned());
        if !self.seen.insert(key.clone()) {
            return false;
        }
        self.arrivals.push_back((now, key));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_header_parses_with_or_without_spaces() {
        let parsed = parse_authorization(
            "ACS3-HMAC-SHA256 Credential=id, SignedHeaders=Host;x-acs-date ,Signature=ab",
        )
        .expect("well formed");
        assert_eq!(parsed.access_key_id, "id");
        assert_eq!(parsed.signed_headers, ["host", "x-acs-date"]);
        assert_eq!(parsed.signature, "ab");
    }

    #[test]
    fn malformed_authorization_headers_are_incomplete_signatures() {
        for header in [
            "",
            "ACS3-HMAC-SHA256",
            "ACS3-HMAC-SHA256Credential=id,SignedHeaders=host,Signature=ab",
            "HMAC-SHA1 Credential=id,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host",
            "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,Signature=",
            "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host;;a,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=id,Credential=id,SignedHeaders=host,Signature=ab",
            "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,Signature=ab,Extra=1",
            "ACS3-HMAC-SHA256 Credential=id,SignedHeaders=host,Signatureab",
        ] {
            let error = parse_authorization(header).expect_err(header);
            assert_eq!(error.code, "IncompleteSignature", "{header}");
        }
    }

    #[test]
    fn nonces_are_refused_within_the_window_and_forgotten_after() {
        let mut window = NonceWindow::with_capacity(100);
        assert!(window.insert("key", "n1", 1_000));
        assert!(!window.insert("key", "n1", 1_100));
        assert!(window.insert("other-key", "n1", 1_100));
        assert!(window.insert("key", "n1", 1_000 + MAX_SKEW_SECONDS + 1));
    }

    #[test]
    fn past_its_capacity_the_window_forgets_the_oldest_nonces() {
        let mut window = NonceWindow::with_capacity(2);
        assert!(window.insert("key", "n1", 1_000));
        assert!(window.insert("key", "n2", 1_000));
        assert!(window.insert("key", "n3", 1_000));
        assert_eq!(window.arrivals.len(), 2);
        assert!(!window.insert("key", "n3", 1_000));
        assert!(window.insert("key", "n1", 1_000), "n1 was forgotten");
    }
}
