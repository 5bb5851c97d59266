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
///
/// This general-purpose form uses the `percent-encoding` crate with
/// [`ESCAPED`]; the signer's hot path ([`append_percent_encoded`]) is tested
/// to produce the same output.
pub fn percent_encode(input: &str) -> String {
    percent_encoding::utf8_percent_encode(input, ESCAPED).to_string()
}

/// Percent-encodes `input` with the signature rules onto the end of `output`.
///
/// Appending instead of returning lets the signer build a whole canonical
/// query string in one buffer without an allocation per parameter.
///
/// This is the signer's hot path, so it uses a byte table instead of the
/// `percent-encoding` iterator: runs of unreserved bytes are copied in one
/// `push_str`. Its output is tested (property tests) to equal
/// [`percent_encode`], the crate's encoding with [`ESCAPED`].
pub fn append_percent_encoded(output: &mut String, input: &str) {
    let bytes = input.as_bytes();
    let mut run_start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if UNRESERVED[byte as usize] {
            continue;
        }
        // A non-empty run holds only ASCII bytes, so both of its ends are
        // character boundaries. An empty run is skipped: after an escaped
        // lead byte, `run_start` sits inside a character.
        if run_start < index {
            output.push_str(&input[run_start..index]);
        }
        push_escaped(output, byte);
        run_start = index + 1;
    }
    if run_start < bytes.len() {
        output.push_str(&input[run_start..]);
    }
}

/// Appends `%XX` for one byte.
fn push_escaped(output: &mut String, byte: u8) {
    output.push('%');
    output.push(HEX_DIGITS[(byte >> 4) as usize] as char);
    output.push(HEX_DIGITS[(byte & 0x0F) as usize] as char);
}

/// Upper-case hex digits.
const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";

/// `true` for the bytes left as they are: `A-Z a-z 0-9 - _ . ~`.
pub(crate) const UNRESERVED: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 256 {
        let b = byte as u8;
        table[byte] = b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.' || b == b'~';
        byte += 1;
    }
    table
};

/// Percent-encodes `input` onto `once` and, in the same pass, encodes that
/// result a second time onto `twice`.
///
/// The RPC string to sign contains the canonical query string encoded
/// again; writing both forms while scanning the input once halves the
/// signer's encoding work. Encoding an escape `%XX` again gives `%25XX`.
pub(crate) fn append_percent_encoded_twice(once: &mut String, twice: &mut String, input: &str) {
    let bytes = input.as_bytes();
    let mut run_start = 0;
    for (index, &byte) in bytes.iter().enumerate() {
        if UNRESERVED[byte as usize] {
            continue;
        }
        // As in `append_percent_encoded`, a non-empty run is ASCII.
        if run_start < index {
            once.push_str(&input[run_start..index]);
            twice.push_str(&input[run_start..index]);
        }
        push_escaped(once, byte);
        twice.push_str("%25");
        twice.push(HEX_DIGITS[(byte >> 4) as usize] as char);
        twice.push(HEX_DIGITS[(byte & 0x0F) as usize] as char);
        run_start = index + 1;
    }
    if run_start < bytes.len() {
        once.push_str(&input[run_start..]);
        twice.push_str(&input[run_start..]);
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

    #[test]
    fn encoding_twice_equals_encoding_the_encoding() {
        for input in ["", "a", "a b*c~d/e:f", "中文", "%20", "x=y&z"] {
            let (mut once, mut twice) = (String::new(), String::new());
            append_percent_encoded_twice(&mut once, &mut twice, input);
            assert_eq!(once, percent_encode(input));
            assert_eq!(twice, percent_encode(&percent_encode(input)));
        }
    }
}
