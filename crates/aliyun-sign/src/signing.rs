//! Request signing: both Alibaba Cloud signature versions, and the
//! build-and-sign step that turns operation parameters into a ready-to-send
//! request without sending it.
//!
//! The primitives ([`canonical_query_string`], [`rpc_string_to_sign`],
//! [`v3_canonical_request`], ...) are public so the published worked
//! examples can be checked step by step and so a server (the emulator) can
//! verify signatures with the same definitions. [`sign_request`] is what the
//! runtime calls for every attempt; the CLI calls it to print pre-signed
//! requests.

use std::fmt;
use std::time::SystemTime;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use aliyun_codec::metadata::HttpMethod;

use crate::encoding::{append_percent_encoded, append_percent_encoded_twice, percent_encode};
use crate::endpoint::Endpoint;
use crate::identity::{Credentials, REDACTED};
use crate::mac::{unreachable_hmac, v1_mac};

/// `SignatureMethod` of the RPC signature.
pub const V1_SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// `SignatureVersion` of the RPC signature.
pub const V1_SIGNATURE_VERSION: &str = "1.0";
/// The algorithm name of the V3 signature.
pub const V3_ALGORITHM: &str = "ACS3-HMAC-SHA256";
/// Hex SHA-256 of an empty body, the payload hash of every RPC request.
pub const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The parameters the signer sets on every RPC request, which an input
/// must not set (defined with the protocol's other tables).
pub use aliyun_codec::metadata::SIGNER_PARAMETERS;

/// Formats an instant as the signature timestamp, `YYYY-MM-DDThh:mm:ssZ`
/// in UTC (sub-second precision is dropped).
pub fn format_timestamp(instant: SystemTime) -> String {
    let mut buffer = [0u8; 20];
    // The buffer holds only ASCII digits and separators.
    std::str::from_utf8(write_timestamp(instant, &mut buffer))
        .unwrap_or_default()
        .to_owned()
}

/// Writes the signature timestamp into a stack buffer. Signing happens
/// for every attempt, and the general formatting machinery costs more
/// than the rest of building the timestamp.
fn write_timestamp(instant: SystemTime, buffer: &mut [u8; 20]) -> &[u8] {
    let moment = OffsetDateTime::from(instant);
    let (year, month, day) = moment.to_calendar_date();
    let (hour, minute, second) = moment.to_hms();
    // Years outside 0..=9999 cannot be written in four digits; they only
    // arise from a broken clock, and the service rejects them anyway.
    let year = year.clamp(0, 9999) as u32;
    let mut put = |at: usize, value: u32, width: usize| {
        let mut remaining = value;
        for position in (at..at + width).rev() {
            buffer[position] = b'0' + (remaining % 10) as u8;
            remaining /= 10;
        }
    };
    put(0, year, 4);
    put(5, u8::from(month) as u32, 2);
    put(8, day as u32, 2);
    put(11, hour as u32, 2);
    put(14, minute as u32, 2);
    put(17, second as u32, 2);
    buffer[4] = b'-';
    buffer[7] = b'-';
    buffer[10] = b'T';
    buffer[13] = b':';
    buffer[16] = b':';
    buffer[19] = b'Z';
    &buffer[..]
}

/// Builds the canonical query string: pairs sorted by name (then value) in
/// byte order, each as `enc(name)=enc(value)`, joined by `&`.
pub fn canonical_query_string<N: AsRef<str>, V: AsRef<str>>(parameters: &[(N, V)]) -> String {
    let mut sorted: Vec<(&str, &str)> = parameters
        .iter()
        .map(|(name, value)| (name.as_ref(), value.as_ref()))
        .collect();
    sorted.sort_unstable();
    let mut output = String::with_capacity(
        sorted
            .iter()
            .map(|(n, v)| n.len() + v.len() + 2)
            .sum::<usize>()
            + 32,
    );
    append_canonical_query(&mut output, &sorted);
    output
}

/// How many operation parameters are sorted on the stack; operations
/// rarely have more, and those that do fall back to the heap.
const STACK_PARAMETERS: usize = 24;

/// Borrows the parameters as pairs sorted by name then value, in `stack`
/// when they fit and in `heap` otherwise.
fn sorted_parameters<'text, 'buffer>(
    parameters: &'text [(String, String)],
    stack: &'buffer mut [(&'text str, &'text str); STACK_PARAMETERS],
    heap: &'buffer mut Vec<(&'text str, &'text str)>,
) -> &'buffer [(&'text str, &'text str)] {
    let borrowed = parameters
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()));
    let sorted: &'buffer mut [(&'text str, &'text str)] = if parameters.len() <= STACK_PARAMETERS {
        for (slot, pair) in stack.iter_mut().zip(borrowed) {
            *slot = pair;
        }
        &mut stack[..parameters.len()]
    } else {
        heap.extend(borrowed);
        heap.as_mut_slice()
    };
    sorted.sort_unstable();
    sorted
}

/// Walks two sorted lists of pairs as one sorted list, without building it.
struct MergeSorted<'list, 'text> {
    left: &'list [(&'text str, &'text str)],
    right: &'list [(&'text str, &'text str)],
}

impl<'text> Iterator for MergeSorted<'_, 'text> {
    type Item = (&'text str, &'text str);

    fn next(&mut self) -> Option<Self::Item> {
        let take_left = match (self.left.first(), self.right.first()) {
            (Some(left), Some(right)) => left <= right,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let side = if take_left {
            &mut self.left
        } else {
            &mut self.right
        };
        let (first, rest) = side.split_first()?;
        *side = rest;
        Some(*first)
    }
}

/// Appends already sorted pairs as a canonical query string.
fn append_canonical_query(output: &mut String, sorted: &[(&str, &str)]) {
    for (index, (name, value)) in sorted.iter().enumerate() {
        if index > 0 {
            output.push('&');
        }
        append_percent_encoded(output, name);
        output.push('=');
        append_percent_encoded(output, value);
    }
}

/// The RPC string to sign: `METHOD&%2F&enc(canonical query string)`.
pub fn rpc_string_to_sign(method: &str, canonical_query: &str) -> String {
    let mut output = String::with_capacity(method.len() + 5 + canonical_query.len() * 5 / 4);
    output.push_str(method);
    output.push_str("&%2F&");
    append_percent_encoded(&mut output, canonical_query);
    output
}

/// The RPC signature: base64 of HMAC-SHA1 keyed with `secret + "&"`.
pub fn sign_v1(access_key_secret: &str, string_to_sign: &str) -> String {
    let mut mac = v1_mac(access_key_secret);
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Hex SHA-256 of `bytes`, lower case.
pub fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The parts of a V3 canonical request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3CanonicalRequest {
    /// `name:value\n` per signed header, sorted by name.
    pub canonical_headers: String,
    /// Signed header names joined by `;`.
    pub signed_headers: String,
    /// The whole canonical request.
    pub canonical_request: String,
}

/// Builds a V3 canonical request. `headers` are the headers to sign (names
/// are lower-cased and values trimmed here); `canonical_query` is already
/// canonical (see [`canonical_query_string`]).
pub fn v3_canonical_request(
    method: &str,
    pathname: &str,
    canonical_query: &str,
    headers: &[(&str, &str)],
    hashed_payload: &str,
) -> V3CanonicalRequest {
    let mut normalized: Vec<(String, &str)> = headers
        .iter()
        .map(|(name, value)| (name.to_ascii_lowercase(), value.trim()))
        .collect();
    normalized.sort_unstable();
    let mut canonical_headers = String::new();
    let mut signed_headers = String::new();
    for (index, (name, value)) in normalized.iter().enumerate() {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(value);
        canonical_headers.push('\n');
        if index > 0 {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
    }
    let canonical_request = format!(
        "{method}\n{pathname}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{hashed_payload}"
    );
    V3CanonicalRequest {
        canonical_headers,
        signed_headers,
        canonical_request,
    }
}

/// The V3 string to sign: `ACS3-HMAC-SHA256\n` + hex SHA-256 of the
/// canonical request.
pub fn v3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{V3_ALGORITHM}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

/// The V3 signature: hex HMAC-SHA256 keyed with the secret alone.
pub fn sign_v3(access_key_secret: &str, string_to_sign: &str) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(access_key_secret.as_bytes())
        .unwrap_or_else(|_| unreachable_hmac());
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Authorization` header value of a V3 request.
pub fn v3_authorization(access_key_id: &str, signed_headers: &str, signature: &str) -> String {
    format!("{V3_ALGORITHM} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// Everything needed to build and sign one request.
#[derive(Debug, Clone, Copy)]
pub struct SigningInput<'a> {
    /// The operation's HTTP method.
    pub method: HttpMethod,
    /// Where the request goes.
    pub endpoint: &'a Endpoint,
    /// The action name, for example `ActivateMigrationTargetInstance`.
    pub action: &'a str,
    /// The API version, for example `2014-08-15`.
    pub version: &'a str,
    /// The operation parameters that travel in the query string, already
    /// flattened to wire names.
    pub parameters: &'a [(String, String)],
    /// The operation parameters that travel in the form-encoded body of a
    /// `POST`; empty for most operations.
    pub body: &'a [(String, String)],
    /// Who signs.
    pub credentials: &'a Credentials,
    /// The signing time (already corrected for clock skew).
    pub timestamp: SystemTime,
    /// A fresh nonce.
    pub nonce: &'a str,
}

/// A signed request, ready to send (or to print).
///
/// Parameters are in the URL's query string, except those the
/// documentation places in the body, which travel form-encoded as the
/// official SDKs send them. `Debug` hides the security token.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedRequest {
    method: HttpMethod,
    url: String,
    headers: Vec<(&'static str, String)>,
    body: String,
}

impl SignedRequest {
    /// The HTTP method.
    pub fn method(&self) -> HttpMethod {
        self.method
    }

    /// The full URL, query string included. It may contain the security
    /// token (signature V1): do not log it.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Headers to send, names in lower case. `x-acs-security-token` is a
    /// secret: do not log it.
    pub fn headers(&self) -> &[(&'static str, String)] {
        &self.headers
    }

    /// The body: the form-encoded body parameters, empty when there are
    /// none. It may hold secrets (a password parameter): do not log it.
    pub fn body(&self) -> &[u8] {
        self.body.as_bytes()
    }
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = redact_query_parameter(&self.url, "SecurityToken");
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                if *name == "x-acs-security-token" {
                    (*name, REDACTED)
                } else {
                    (*name, value.as_str())
                }
            })
            .collect();
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("url", &url)
            .field("headers", &headers)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Replaces the value of one query parameter with a placeholder.
fn redact_query_parameter(url: &str, name: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _)) if key == name => format!("{key}={}", percent_encode(REDACTED)),
            _ => pair.to_owned(),
        })
        .collect();
    format!("{base}?{}", pairs.join("&"))
}

/// Which signature algorithm requests carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum SignatureVersion {
    /// RPC signature 1.0: HMAC-SHA1 over the canonical query string, sent
    /// as the `Signature` parameter. What the official SDKs send for RPC
    /// APIs by default.
    #[default]
    V1,
    /// `ACS3-HMAC-SHA256`: HMAC-SHA256 over a canonical request, sent in the
    /// `Authorization` header.
    V3,
}

/// Builds and signs a request with the chosen signature version.
pub fn sign_request(version: SignatureVersion, input: &SigningInput<'_>) -> SignedRequest {
    // No catch-all arm: a new version must get its own signer, never
    // silently sign as another.
    match version {
        SignatureVersion::V1 => sign_v1_request(input),
        SignatureVersion::V3 => sign_v3_request(input),
    }
}

fn sign_v1_request(input: &SigningInput<'_>) -> SignedRequest {
    let mut timestamp_buffer = [0u8; 20];
    let timestamp = std::str::from_utf8(write_timestamp(input.timestamp, &mut timestamp_buffer))
        .unwrap_or_default();
    // The common parameters, already in byte order; the operation's own
    // parameters are sorted on their own and merged in, which is cheaper
    // than sorting everything together.
    let mut common: [(&str, &str); 9] = [
        ("AccessKeyId", input.credentials.access_key_id()),
        ("Action", input.action),
        ("Format", "JSON"),
        ("SecurityToken", ""),
        ("SignatureMethod", V1_SIGNATURE_METHOD),
        ("SignatureNonce", input.nonce),
        ("SignatureVersion", V1_SIGNATURE_VERSION),
        ("Timestamp", timestamp),
        ("Version", input.version),
    ];
    let common: &[(&str, &str)] = match input.credentials.security_token() {
        Some(token) => {
            common[3].1 = token;
            &common
        }
        None => {
            common.copy_within(4.., 3);
            &common[..8]
        }
    };
    let mut stack = [("", ""); STACK_PARAMETERS];
    let mut heap = Vec::new();
    let own = sorted_parameters(input.parameters, &mut stack, &mut heap);
    let pairs = || MergeSorted {
        left: common,
        right: own,
    };

    // One pass over the pairs writes the canonical query string straight
    // into the URL (`base/?<canonical query>&Signature=...`) and, beside
    // it, the string to sign, which holds the same query encoded again.
    let base = input.endpoint.base_url();
    let unencoded_length: usize = common
        .iter()
        .chain(own.iter())
        .map(|(name, value)| name.len() + value.len() + 2)
        .sum();
    let mut url = String::with_capacity(base.len() + 2 + unencoded_length * 3 / 2 + 48);
    let mut string_to_sign = String::with_capacity(unencoded_length * 2 + 16);
    url.push_str(base);
    url.push_str("/?");
    string_to_sign.push_str(input.method.as_str());
    string_to_sign.push_str("&%2F&");
    if input.body.is_empty() {
        for (index, (name, value)) in pairs().enumerate() {
            if index > 0 {
                url.push('&');
                string_to_sign.push_str("%26");
            }
            append_percent_encoded_twice(&mut url, &mut string_to_sign, name);
            url.push('=');
            string_to_sign.push_str("%3D");
            append_percent_encoded_twice(&mut url, &mut string_to_sign, value);
        }
    } else {
        // Body parameters are signed with the query's but not written into
        // the URL: the string to sign and the URL take separate passes.
        let mut signed: Vec<(&str, &str)> = own.to_vec();
        signed.extend(
            input
                .body
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        );
        signed.sort_unstable();
        let mut once = String::new();
        let merged = MergeSorted {
            left: common,
            right: &signed,
        };
        for (index, (name, value)) in merged.enumerate() {
            if index > 0 {
                string_to_sign.push_str("%26");
            }
            append_percent_encoded_twice(&mut once, &mut string_to_sign, name);
            string_to_sign.push_str("%3D");
            append_percent_encoded_twice(&mut once, &mut string_to_sign, value);
        }
        for (index, (name, value)) in pairs().enumerate() {
            if index > 0 {
                url.push('&');
            }
            append_percent_encoded(&mut url, name);
            url.push('=');
            append_percent_encoded(&mut url, value);
        }
    }

    let mut mac = input.credentials.v1_mac();
    mac.update(string_to_sign.as_bytes());
    let mut signature = [0u8; 28];
    let length = base64::engine::general_purpose::STANDARD
        .encode_slice(mac.finalize().into_bytes(), &mut signature)
        .unwrap_or(0);
    url.push_str("&Signature=");
    // Base64 output is ASCII, so this conversion cannot fail.
    append_percent_encoded(
        &mut url,
        std::str::from_utf8(&signature[..length]).unwrap_or(""),
    );
    let (headers, body) = if input.body.is_empty() {
        (Vec::new(), String::new())
    } else {
        (
            vec![("content-type", FORM_CONTENT_TYPE.to_owned())],
            form_body(input.body),
        )
    };
    SignedRequest {
        method: input.method,
        url,
        headers,
        body,
    }
}

/// The content type of a body holding parameters.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The form-encoded body of the body parameters: sorted, names and values
/// percent-encoded by the same rules as the query.
fn form_body(parameters: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> = parameters
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();
    sorted.sort_unstable();
    let mut body = String::new();
    append_canonical_query(&mut body, &sorted);
    body
}

fn sign_v3_request(input: &SigningInput<'_>) -> SignedRequest {
    let mut stack = [("", ""); STACK_PARAMETERS];
    let mut heap = Vec::new();
    let own = sorted_parameters(input.parameters, &mut stack, &mut heap);
    let base = input.endpoint.base_url();
    let unencoded_length: usize = own
        .iter()
        .map(|(name, value)| name.len() + value.len() + 2)
        .sum();
    let mut url = String::with_capacity(base.len() + 2 + unencoded_length * 3 / 2);
    url.push_str(base);
    url.push('/');
    if !own.is_empty() {
        url.push('?');
    }
    let query_start = url.len();
    append_canonical_query(&mut url, own);

    let mut timestamp_buffer = [0u8; 20];
    let timestamp = std::str::from_utf8(write_timestamp(input.timestamp, &mut timestamp_buffer))
        .unwrap_or_default();
    // A body is hashed into the payload hash, and its content type is
    // signed too.
    let body = if input.body.is_empty() {
        String::new()
    } else {
        form_body(input.body)
    };
    let mut body_hash = [0u8; 64];
    let payload_hash = if body.is_empty() {
        EMPTY_PAYLOAD_SHA256
    } else {
        let _ = hex::encode_to_slice(Sha256::digest(body.as_bytes()), &mut body_hash);
        std::str::from_utf8(&body_hash).unwrap_or(EMPTY_PAYLOAD_SHA256)
    };
    // The signed headers, already lower case and in byte order; the
    // content type sorts first, and the token header between the date and
    // the nonce.
    let token = input.credentials.security_token();
    let mut signed: [(&'static str, &str); 8] = [
        ("content-type", FORM_CONTENT_TYPE),
        ("host", input.endpoint.authority()),
        ("x-acs-action", input.action),
        ("x-acs-content-sha256", payload_hash),
        ("x-acs-date", timestamp),
        ("x-acs-security-token", token.unwrap_or("")),
        ("x-acs-signature-nonce", input.nonce),
        ("x-acs-version", input.version),
    ];
    let length = if token.is_some() {
        signed.len()
    } else {
        signed.copy_within(6.., 5);
        signed.len() - 1
    };
    let first = usize::from(body.is_empty());
    let signed: &[(&'static str, &str)] = &signed[first..length];

    // The canonical request is built in one buffer and only hashed.
    let mut canonical = String::with_capacity(512 + url.len());
    canonical.push_str(input.method.as_str());
    canonical.push_str("\n/\n");
    canonical.push_str(&url[query_start..]);
    canonical.push('\n');
    for (name, value) in signed {
        canonical.push_str(name);
        canonical.push(':');
        canonical.push_str(value.trim());
        canonical.push('\n');
    }
    canonical.push('\n');
    let signed_headers_start = canonical.len();
    for (index, (name, _)) in signed.iter().enumerate() {
        if index > 0 {
            canonical.push(';');
        }
        canonical.push_str(name);
    }
    let signed_headers_end = canonical.len();
    canonical.push('\n');
    canonical.push_str(payload_hash);

    let mut string_to_sign = [0u8; V3_ALGORITHM.len() + 1 + 64];
    string_to_sign[..V3_ALGORITHM.len()].copy_from_slice(V3_ALGORITHM.as_bytes());
    string_to_sign[V3_ALGORITHM.len()] = b'\n';
    // Both hex encodings write exactly twice the digest length.
    let _ = hex::encode_to_slice(
        Sha256::digest(canonical.as_bytes()),
        &mut string_to_sign[V3_ALGORITHM.len() + 1..],
    );
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(input.credentials.access_key_secret().as_bytes())
            .unwrap_or_else(|_| unreachable_hmac());
    mac.update(&string_to_sign);
    let mut signature = [0u8; 64];
    let _ = hex::encode_to_slice(mac.finalize().into_bytes(), &mut signature);

    let signed_headers = &canonical[signed_headers_start..signed_headers_end];
    let mut authorization =
        String::with_capacity(V3_ALGORITHM.len() + 64 + signed_headers.len() + 64);
    authorization.push_str(V3_ALGORITHM);
    authorization.push_str(" Credential=");
    authorization.push_str(input.credentials.access_key_id());
    authorization.push_str(",SignedHeaders=");
    authorization.push_str(signed_headers);
    authorization.push_str(",Signature=");
    authorization.push_str(std::str::from_utf8(&signature).unwrap_or_default());

    let mut headers: Vec<(&'static str, String)> = Vec::with_capacity(signed.len() + 1);
    headers.extend(
        signed
            .iter()
            .map(|(name, value)| (*name, (*value).to_owned())),
    );
    headers.push(("authorization", authorization));
    SignedRequest {
        method: input.method,
        url,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn parameters(count: usize) -> Vec<(String, String)> {
        // Reverse order and reserved characters, so sorting and encoding
        // both matter.
        (0..count)
            .rev()
            .map(|index| (format!("Param{index:02}"), format!("v {index}*/é")))
            .collect()
    }

    fn input<'a>(
        endpoint: &'a Endpoint,
        parameters: &'a [(String, String)],
        credentials: &'a Credentials,
    ) -> SigningInput<'a> {
        SigningInput {
            method: HttpMethod::Post,
            endpoint,
            action: "ActivateMigrationTargetInstance",
            version: "2014-08-15",
            parameters,
            body: &[],
            credentials,
            timestamp: UNIX_EPOCH + Duration::from_secs(1_456_231_584),
            nonce: "nonce-1",
        }
    }

    /// The fast V1 path gives what the published primitives give, on the
    /// stack path and the heap path, with and without a token.
    #[test]
    fn v1_fast_path_equals_the_primitives() {
        let endpoint = Endpoint::https("rds.aliyuncs.com").unwrap();
        for count in [0, 3, STACK_PARAMETERS, STACK_PARAMETERS + 7] {
            for credentials in [
                Credentials::new("id", "secret"),
                Credentials::new("id", "secret").with_security_token("to ken"),
            ] {
                let parameters = parameters(count);
                let signed = sign_request(
                    SignatureVersion::V1,
                    &input(&endpoint, &parameters, &credentials),
                );
                let mut all: Vec<(String, String)> = vec![
                    ("AccessKeyId".into(), "id".into()),
                    ("Action".into(), "ActivateMigrationTargetInstance".into()),
                    ("Format".into(), "JSON".into()),
                    ("SignatureMethod".into(), "HMAC-SHA1".into()),
                    ("SignatureNonce".into(), "nonce-1".into()),
                    ("SignatureVersion".into(), "1.0".into()),
                    ("Timestamp".into(), "2016-02-23T12:46:24Z".into()),
                    ("Version".into(), "2014-08-15".into()),
                ];
                if let Some(token) = credentials.security_token() {
                    all.push(("SecurityToken".into(), token.into()));
                }
                all.extend(parameters.iter().cloned());
                let canonical = canonical_query_string(&all);
                let signature = sign_v1("secret", &rpc_string_to_sign("POST", &canonical));
                let expected = format!(
                    "https://rds.aliyuncs.com/?{canonical}&Signature={}",
                    percent_encode(&signature)
                );
                assert_eq!(signed.url(), expected, "{count} parameters");
            }
        }
    }

    /// The fast V3 path gives what the published primitives give.
    #[test]
    fn v3_fast_path_equals_the_primitives() {
        let endpoint = Endpoint::from_url("http://127.0.0.1:8080").unwrap();
        for count in [0, 3, STACK_PARAMETERS + 7] {
            for credentials in [
                Credentials::new("id", "secret"),
                Credentials::new("id", "secret").with_security_token("token"),
            ] {
                let parameters = parameters(count);
                let signed = sign_request(
                    SignatureVersion::V3,
                    &input(&endpoint, &parameters, &credentials),
                );
                let canonical_query = canonical_query_string(&parameters);
                let mut headers = vec![
                    ("host", "127.0.0.1:8080"),
                    ("x-acs-action", "ActivateMigrationTargetInstance"),
                    ("x-acs-content-sha256", EMPTY_PAYLOAD_SHA256),
                    ("x-acs-date", "2016-02-23T12:46:24Z"),
                    ("x-acs-signature-nonce", "nonce-1"),
                    ("x-acs-version", "2014-08-15"),
                ];
                if let Some(token) = credentials.security_token() {
                    headers.push(("x-acs-security-token", token));
                }
                let canonical = v3_canonical_request(
                    "POST",
                    "/",
                    &canonical_query,
                    &headers,
                    EMPTY_PAYLOAD_SHA256,
                );
                let signature = sign_v3("secret", &v3_string_to_sign(&canonical.canonical_request));
                let authorization = v3_authorization("id", &canonical.signed_headers, &signature);
                let sent = signed
                    .headers()
                    .iter()
                    .find(|(name, _)| *name == "authorization")
                    .map(|(_, value)| value.clone());
                assert_eq!(sent, Some(authorization), "{count} parameters");
                let query = if canonical_query.is_empty() {
                    String::new()
                } else {
                    format!("?{canonical_query}")
                };
                assert_eq!(signed.url(), format!("http://127.0.0.1:8080/{query}"));
            }
        }
    }

    #[test]
    fn timestamps_are_utc_with_seconds() {
        assert_eq!(
            format_timestamp(UNIX_EPOCH + Duration::from_millis(1_456_231_584_999)),
            "2016-02-23T12:46:24Z"
        );
        assert_eq!(format_timestamp(UNIX_EPOCH), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn debug_hides_the_token_in_the_url() {
        let endpoint = Endpoint::https("rds.aliyuncs.com").unwrap();
        let credentials = Credentials::new("id", "secret").with_security_token("hidden-token");
        let signed = sign_request(SignatureVersion::V1, &input(&endpoint, &[], &credentials));
        let shown = format!("{signed:?}");
        assert!(
            !shown.contains("hidden-token") && shown.contains("SecurityToken="),
            "{shown}"
        );
    }
}
