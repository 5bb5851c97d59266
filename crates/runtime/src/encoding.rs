//! The percent-encoding every Alibaba Cloud signature is built on.
//!
//! Both signature versions encode names and values with RFC 3986 rules:
//! UTF-8 bytes, only the unreserved characters `A-Z a-z 0-9 - _ . ~` left as
//! they are, everything else as `%XX` with upper-case hex. That is stricter
//! than `application/x-www-form-urlencoded` (a space is `%20`, never `+`,
//! and `*` is `%2A`), so the set of characters to escape is spelled out here
//! once and shared by the signer, the URL builder and the tests.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};

/// Every byte except the RFC 3986 unreserved characters `A-Za-z0-9-_.~`.
pub const ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `input` with the signature rules and returns the result.
pub fn percent_encode(input: &str) -> String {
    let mut output = String::with_capacity(input.len() + 8);
    append_percent_encoded(&mut output, input);
    output
}

/// Percent-encodes `input` with the signature rules onto the end of `output`.
///
/// Appending instead of returning lets the signer build a whole canonical
/// query string in one buffer without an allocation per parameter.
pub fn append_percent_encoded(output: &mut String, input: &str) {
    for piece in percent_encoding::utf8_percent_encode(input, ESCAPED) {
        output.push_str(piece);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_characters_are_escaped_with_upper_case_hex() {
        assert_eq!(percent_encode("a b*c~d/e:f"), "a%20b%2Ac~d%2Fe%3Af");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode("-_.~AZaz09"), "-_.~AZaz09");
    }
}
