//! Lenient deserializers for response fields (contract placeholder).
//!
//! Used by generated output structs as
//! `#[serde(default, deserialize_with = "aliyun_runtime::de::option_i64")]`.

use serde::{Deserialize, Deserializer};

/// An optional `i64` that may arrive as a JSON number or a JSON string.
pub fn option_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Lenient {
        Number(i64),
        Text(String),
    }
    match Option::<Lenient>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Lenient::Number(n)) => Ok(Some(n)),
        Some(Lenient::Text(s)) => s.trim().parse().map(Some).map_err(serde::de::Error::custom),
    }
}
