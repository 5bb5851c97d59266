//! Reproduces Alibaba Cloud's two published signature worked examples byte
//! for byte, every intermediate value included, and checks the
//! percent-encoder's properties.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aliyun_sign::encoding::{append_percent_encoded, percent_encode};
use aliyun_sign::signing::{
    canonical_query_string, hex_sha256, rpc_string_to_sign, sign_v1, sign_v3, v3_authorization,
    v3_canonical_request, v3_string_to_sign,
};
use percent_encoding::percent_decode_str;
use proptest::prelude::*;
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/signature_doc_examples.json")).unwrap()
}

fn case(name: &str) -> Value {
    fixture()["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["name"] == name)
        .unwrap()
        .clone()
}

fn pairs(object: &Value) -> Vec<(String, String)> {
    object
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn rpc_v1_example_matches_every_intermediate_value() {
    let example = case("doc_v1_describe_regions_get");
    let canonical = canonical_query_string(&pairs(&example["params"]));
    assert_eq!(
        canonical,
        example["canonicalized_query_string"].as_str().unwrap()
    );
    let string_to_sign = rpc_string_to_sign(example["method"].as_str().unwrap(), &canonical);
    assert_eq!(string_to_sign, example["string_to_sign"].as_str().unwrap());
    let signature = sign_v1(
        example["access_key_secret"].as_str().unwrap(),
        &string_to_sign,
    );
    assert_eq!(signature, example["signature"].as_str().unwrap());
    assert_eq!(signature, example["documented_signature"].as_str().unwrap());
    assert_eq!(
        percent_encode(&signature),
        example["signature_url_encoded"].as_str().unwrap()
    );
}

#[test]
fn v3_example_matches_every_intermediate_value() {
    let example = case("doc_v3_run_instances");
    let payload = example["payload"].as_str().unwrap();
    let hashed_payload = hex_sha256(payload.as_bytes());
    assert_eq!(hashed_payload, example["hashed_payload"].as_str().unwrap());

    let canonical_query = canonical_query_string(&pairs(&example["query"]));
    assert_eq!(
        canonical_query,
        example["canonical_query_string"].as_str().unwrap()
    );

    let headers = pairs(&example["headers"]);
    let header_refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let canonical = v3_canonical_request(
        example["method"].as_str().unwrap(),
        example["pathname"].as_str().unwrap(),
        &canonical_query,
        &header_refs,
        &hashed_payload,
    );
    assert_eq!(
        canonical.canonical_headers,
        example["canonical_headers"].as_str().unwrap()
    );
    assert_eq!(
        canonical.signed_headers,
        example["signed_headers"].as_str().unwrap()
    );
    assert_eq!(
        canonical.canonical_request,
        example["canonical_request"].as_str().unwrap()
    );
    assert_eq!(
        hex_sha256(canonical.canonical_request.as_bytes()),
        example["hashed_canonical_request"].as_str().unwrap()
    );

    let string_to_sign = v3_string_to_sign(&canonical.canonical_request);
    assert_eq!(string_to_sign, example["string_to_sign"].as_str().unwrap());
    let signature = sign_v3(
        example["access_key_secret"].as_str().unwrap(),
        &string_to_sign,
    );
    assert_eq!(signature, example["signature"].as_str().unwrap());
    assert_eq!(signature, example["documented_signature"].as_str().unwrap());
    assert_eq!(
        v3_authorization(
            example["access_key_id"].as_str().unwrap(),
            &canonical.signed_headers,
            &signature
        ),
        example["authorization"].as_str().unwrap()
    );
}

/// The signer's table-driven encoder, the one the properties are about.
fn hot_path(input: &str) -> String {
    let mut output = String::from("prefix:");
    append_percent_encoded(&mut output, input);
    output.split_off("prefix:".len())
}

#[test]
fn encoder_special_cases() {
    for encode in [hot_path as fn(&str) -> String, percent_encode] {
        assert_eq!(encode(" "), "%20");
        assert_eq!(encode("*"), "%2A");
        assert_eq!(encode("~"), "~");
        assert_eq!(encode("+"), "%2B");
        assert_eq!(encode("中"), "%E4%B8%AD");
        assert_eq!(encode("é~x"), "%C3%A9~x");
    }
}

proptest! {
    #[test]
    fn encoding_round_trips_through_percent_decoding(input in any::<String>()) {
        let encoded = hot_path(&input);
        let decoded = percent_decode_str(&encoded).decode_utf8().unwrap();
        prop_assert_eq!(decoded.as_ref(), input.as_str());
    }

    #[test]
    fn only_unreserved_bytes_stay_and_hex_is_upper_case(input in any::<String>()) {
        let encoded = hot_path(&input);
        let bytes = encoded.as_bytes();
        let mut index = 0;
        while index < bytes.len() {
            let byte = bytes[index];
            if byte == b'%' {
                prop_assert!(index + 2 < bytes.len(), "truncated escape");
                let hex = &encoded[index + 1..index + 3];
                prop_assert!(hex.chars().all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c)), "hex {}", hex);
                let value = u8::from_str_radix(hex, 16).unwrap();
                // An escaped byte must not be one that should stay as it is.
                prop_assert!(!(value.is_ascii_alphanumeric() || b"-_.~".contains(&value)));
                index += 3;
            } else {
                prop_assert!(byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte), "byte {} left unescaped", byte);
                index += 1;
            }
        }
    }

    #[test]
    fn hot_path_equals_the_percent_encoding_crate(input in any::<String>()) {
        let reference: String = percent_encoding::utf8_percent_encode(&input, aliyun_sign::encoding::ESCAPED).collect();
        prop_assert_eq!(hot_path(&input), reference);
    }

    #[test]
    fn every_ascii_byte_is_classified_exactly(byte in 0u8..128) {
        let text = (byte as char).to_string();
        let unreserved = byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte);
        let expected = if unreserved { text.clone() } else { format!("%{byte:02X}") };
        prop_assert_eq!(hot_path(&text), expected.clone());
        prop_assert_eq!(percent_encode(&text), expected);
    }
}
