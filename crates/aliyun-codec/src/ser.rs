//! Serializers for request fields.
//!
//! Parameters with `style: json` are sent as one query parameter holding
//! the value's JSON text. Generated input structs mark such fields
//! `#[serde(serialize_with = "aliyun_codec::ser::json_string")]`.

use serde::ser::Error as _;
use serde::{Serialize, Serializer};

/// Serializes any value as a single string containing its JSON.
pub fn json_string<T: Serialize + ?Sized, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let text = serde_json::to_string(value).map_err(S::Error::custom)?;
    serializer.serialize_str(&text)
}

#[cfg(test)]
mod tests {
    use serde::Serialize;

    #[derive(Serialize)]
    struct Input {
        #[serde(serialize_with = "super::json_string")]
        filter: Vec<u32>,
    }

    #[test]
    fn the_value_becomes_one_json_string() {
        let value = serde_json::to_value(Input { filter: vec![1, 2] }).unwrap();
        assert_eq!(value, serde_json::json!({"filter": "[1,2]"}));
    }
}
