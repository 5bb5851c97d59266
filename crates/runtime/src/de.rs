//! Lenient deserializers for response fields.
//!
//! The service is not consistent about types: the same numeric field may
//! arrive as `5` in one response and `"5"` in another, and booleans as
//! `true` or `"true"`. Generated output structs use these for every
//! optional scalar:
//! `#[serde(default, deserialize_with = "aliyun_runtime::de::option_i64")]`.
//! A JSON null, an absent field or an empty string reads as `None`.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Reads the field as an untyped JSON value; empty strings become `None`.
fn lenient_value<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Value>, D::Error> {
    Ok(match Option::<Value>::deserialize(deserializer)? {
        Some(Value::String(text)) if text.trim().is_empty() => None,
        Some(Value::Null) | None => None,
        Some(value) => Some(value),
    })
}

/// An optional `i64` from a JSON number or string.
pub fn option_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    match lenient_value(deserializer)? {
        None => Ok(None),
        Some(Value::Number(number)) => number
            .as_i64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a 64-bit integer, got {number}"))),
        Some(Value::String(text)) => {
            text.trim().parse().map(Some).map_err(|_| {
                D::Error::custom(format!("expected an integer, got the string {text:?}"))
            })
        }
        Some(other) => Err(D::Error::custom(format!(
            "expected an integer, got {other}"
        ))),
    }
}

/// An optional `i32` from a JSON number or string.
pub fn option_i32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i32>, D::Error> {
    match option_i64(deserializer)? {
        None => Ok(None),
        Some(wide) => i32::try_from(wide)
            .map(Some)
            .map_err(|_| D::Error::custom(format!("expected a 32-bit integer, got {wide}"))),
    }
}

/// An optional `f64` from a JSON number or string.
pub fn option_f64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
    match lenient_value(deserializer)? {
        None => Ok(None),
        Some(Value::Number(number)) => number
            .as_f64()
            .map(Some)
            .ok_or_else(|| D::Error::custom(format!("expected a number, got {number}"))),
        Some(Value::String(text)) => {
            text.trim().parse().map(Some).map_err(|_| {
                D::Error::custom(format!("expected a number, got the string {text:?}"))
            })
        }
        Some(other) => Err(D::Error::custom(format!("expected a number, got {other}"))),
    }
}

/// An optional `bool` from a JSON boolean or the strings `true`/`false`
/// (any case).
pub fn option_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    match lenient_value(deserializer)? {
        None => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(flag)),
        Some(Value::String(text)) => match text.trim().to_ascii_lowercase().as_str() {
            "true" => Ok(Some(true)),
            "false" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!(
                "expected true or false, got the string {text:?}"
            ))),
        },
        Some(other) => Err(D::Error::custom(format!("expected a boolean, got {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Deserialize)]
    struct Sample {
        #[serde(default, deserialize_with = "super::option_i64")]
        wide: Option<i64>,
        #[serde(default, deserialize_with = "super::option_i32")]
        narrow: Option<i32>,
        #[serde(default, deserialize_with = "super::option_f64")]
        real: Option<f64>,
        #[serde(default, deserialize_with = "super::option_bool")]
        flag: Option<bool>,
    }

    #[test]
    fn numbers_and_strings_both_decode() {
        let sample: Sample =
            serde_json::from_str(r#"{"wide":"12","narrow":7,"real":"1.5","flag":"TRUE"}"#).unwrap();
        assert_eq!(
            (sample.wide, sample.narrow, sample.real, sample.flag),
            (Some(12), Some(7), Some(1.5), Some(true))
        );
        let empty: Sample = serde_json::from_str(r#"{"wide":null,"narrow":""}"#).unwrap();
        assert_eq!(
            (empty.wide, empty.narrow, empty.real, empty.flag),
            (None, None, None, None)
        );
    }

    #[test]
    fn out_of_range_and_garbage_are_errors() {
        assert!(serde_json::from_str::<Sample>(r#"{"narrow":"99999999999"}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"flag":"yes"}"#).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"wide":[1]}"#).is_err());
    }
}
