//! The canonicalisation and signing arithmetic of both Alibaba Cloud signature
//! schemes, as the server side computes them.
//!
//! This is the emulator's own implementation, written from the service's
//! documentation and independent of any client: the point of the emulator is
//! to check a client's signatures, so it must not share their code. The
//! functions are public so that tests can check each intermediate value
//! against Alibaba's published worked examples; the request verifier builds on
//! them.
//!
//! * `HMAC-SHA1` (RPC signature version 1.0): [`rpc_canonicalized_query`],
//!   [`rpc_string_to_sign`], [`rpc_signature`].
//! * `ACS3-HMAC-SHA256`: [`acs3_canonical_query`], [`acs3_canonical_headers`],
//!   [`acs3_canonical_request`], [`acs3_string_to_sign`], [`acs3_signature`].

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;
use sha2::{Digest, Sha256};

/// The name of the `ACS3-HMAC-SHA256` algorithm, first word of the
/// `Authorization` header and first line of the string to sign.
pub const ACS3_ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Every byte except the RFC 3986 unreserved characters `A-Z a-z 0-9 - _ . ~`
/// is percent-encoded, which is what both schemes require.
const RFC3986_RESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `input` as both signature schemes require: every byte but
/// `A-Za-z0-9-_.~` becomes `%XY` with upper-case hex (so a space is `%20`,
/// never `+`).
pub fn percent_encode(input: &str) -> String {
    utf8_percent_encode(input, RFC3986_RESERVED).to_string()
}

/// Encodes every pair, sorts by encoded name (then encoded value, so that a
/// repeated name still gives one answer) in byte order and joins `name=value`
/// with `&`.
fn encode_and_join<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .map(|(name, value)| (percent_encode(name), percent_encode(value)))
        .collect();
    encoded.sort();
    let joined: Vec<String> = encoded
        .into_iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    joined.join("&")
}

/// The canonicalized query string of the RPC scheme: all parameters except
/// `Signature`, given already percent-decoded, re-encoded and sorted.
pub fn rpc_canonicalized_query<'a>(
    parameters: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    encode_and_join(
        parameters
            .into_iter()
            .filter(|(name, _)| *name != "Signature"),
    )
}

/// The RPC string to sign: `METHOD&%2F&` followed by the percent-encoded
/// canonicalized query string.
pub fn rpc_string_to_sign(method: &str, canonicalized_query: &str) -> String {
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode("/"),
        percent_encode(canonicalized_query)
    )
}

/// The raw HMAC-SHA1 of the RPC scheme: the key is the secret followed by `&`.
/// HMAC accepts keys of any length, so `None` cannot happen in practice; the
/// `Option` keeps the code free of a panic path all the same.
fn rpc_mac(access_key_secret: &str, string_to_sign: &str) -> Option<Hmac<Sha1>> {
    let key = format!("{access_key_secret}&");
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key.as_bytes()).ok()?;
    mac.update(string_to_sign.as_bytes());
    Some(mac)
}

/// The RPC signature: base64 of HMAC-SHA1 over the string to sign, keyed with
/// `secret&`.
pub fn rpc_signature(access_key_secret: &str, string_to_sign: &str) -> String {
    rpc_mac(access_key_secret, string_to_sign)
        .map(|mac| base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks a base64 RPC signature in constant time. A signature that is not
/// valid base64 simply does not match.
pub fn rpc_signature_matches(
    access_key_secret: &str,
    string_to_sign: &str,
    provided_signature: &str,
) -> bool {
    let Ok(provided) = base64::engine::general_purpose::STANDARD.decode(provided_signature) else {
        return false;
    };
    rpc_mac(access_key_secret, string_to_sign)
        .is_some_and(|mac| mac.verify_slice(&provided).is_ok())
}

/// The canonical query string of the `ACS3-HMAC-SHA256` scheme: the query
/// parameters (not the form body), given percent-decoded, re-encoded and
/// sorted. An empty query gives an empty string.
pub fn acs3_canonical_query<'a>(
    query_parameters: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> String {
    encode_and_join(query_parameters.into_iter())
}

/// The canonical headers block: for each signed header, sorted by lower-case
/// name, `name:trimmed value\n`. `headers` holds the request's headers
/// (names in any case); a signed header absent from `headers` yields `None`.
pub fn acs3_canonical_headers(
    headers: &[(String, String)],
    signed_headers: &[String],
) -> Option<String> {
    let mut names: Vec<String> = signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    let mut block = String::new();
    for name in &names {
        // A header sent several times is signed as its values joined by a
        // comma, in the order they were sent.
        let values: Vec<&str> = headers
            .iter()
            .filter(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.trim())
            .collect();
        if values.is_empty() {
            return None;
        }
        block.push_str(name);
        block.push(':');
        block.push_str(&values.join(","));
        block.push('\n');
    }
    Some(block)
}

/// The signed-headers list as it enters the canonical request: lower-case
/// names, sorted, joined with `;`.
pub fn acs3_signed_headers_list(signed_headers: &[String]) -> String {
    let mut names: Vec<String> = signed_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    names.sort();
    names.dedup();
    names.join(";")
}

/// The canonical request of the `ACS3-HMAC-SHA256` scheme, one field a line.
pub fn acs3_canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers_list: &str,
    hashed_payload: &str,
) -> String {
    format!(
        "{}\n{path}\n{canonical_query}\n{canonical_headers}\n{signed_headers_list}\n{hashed_payload}",
        method.to_ascii_uppercase()
    )
}

/// Lower-case hex SHA-256 of `bytes`, used for the payload hash and the hash
/// of the canonical request.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The string to sign of the `ACS3-HMAC-SHA256` scheme: the algorithm name
/// and the hex SHA-256 of the canonical request.
pub fn acs3_string_to_sign(canonical_request: &str) -> String {
    format!(
        "{ACS3_ALGORITHM}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The raw HMAC-SHA256 of the `ACS3-HMAC-SHA256` scheme, keyed with the
/// secret alone. As for [`rpc_mac`], `None` cannot happen in practice.
fn acs3_mac(access_key_secret: &str, string_to_sign: &str) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(access_key_secret.as_bytes()).ok()?;
    mac.update(string_to_sign.as_bytes());
    Some(mac)
}

/// The `ACS3-HMAC-SHA256` signature: lower-case hex of HMAC-SHA256 over the
/// string to sign, keyed with the secret alone.
pub fn acs3_signature(access_key_secret: &str, string_to_sign: &str) -> String {
    acs3_mac(access_key_secret, string_to_sign)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Checks a hex `ACS3-HMAC-SHA256` signature in constant time. Hex in either
/// case is accepted; anything that is not hex does not match.
pub fn acs3_signature_matches(
    access_key_secret: &str,
    string_to_sign: &str,
    provided_signature: &str,
) -> bool {
    let Ok(provided) = hex::decode(provided_signature) else {
        return false;
    };
    acs3_mac(access_key_secret, string_to_sign)
        .is_some_and(|mac| mac.verify_slice(&provided).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("aZ09-_.~"), "aZ09-_.~");
        assert_eq!(percent_encode("a b+c*d/é"), "a%20b%2Bc%2Ad%2F%C3%A9");
    }

    #[test]
    fn rpc_canonical_query_drops_signature_and_sorts_by_encoded_name() {
        let query = rpc_canonicalized_query([("b", "2"), ("Signature", "x"), ("A", "1 1")]);
        assert_eq!(query, "A=1%201&b=2");
    }

    #[test]
    fn malformed_signatures_do_not_match() {
        assert!(!rpc_signature_matches("s", "t", "not base64!"));
        assert!(!acs3_signature_matches("s", "t", "zz"));
        let good = acs3_signature("s", "t");
        assert!(acs3_signature_matches("s", "t", &good.to_ascii_uppercase()));
    }
}
