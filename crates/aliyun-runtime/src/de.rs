//! Lenient decoding of response fields, for generated output structs.
//!
//! The service is not consistent about types: the same numeric field may
//! arrive as `5` in one response and `"5"` in another, and booleans as
//! `true` or `"true"`. [`FromJson`] decodes generated output structs from a
//! parsed JSON value with lenient rules for numbers and booleans (a JSON
//! null, an absent field or, for them, an empty string reads as `None`), at
//! a fraction of the build cost of derived `Deserialize` impls.
//!
//! Only generated code uses this module: it is hidden from the crate's
//! documentation and exempt from semver.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// Why a response does not have the documented shape: where (a path of
/// wire names and list indexes, such as `Items.DBInstance[2].Port`) and
/// what was wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    path: String,
    message: String,
}

impl DecodeError {
    /// An error about the value being decoded.
    pub fn new(message: impl Into<String>) -> Self {
        DecodeError {
            path: String::new(),
            message: message.into(),
        }
    }

    /// The same error, found inside the member `name` of an object.
    fn within_member(mut self, name: &str) -> Self {
        self.path = if self.path.is_empty() {
            name.to_owned()
        } else if self.path.starts_with('[') {
            format!("{name}{}", self.path)
        } else {
            format!("{name}.{}", self.path)
        };
        self
    }

    /// The same error, found inside the element `index` of a list.
    fn within_element(mut self, index: usize) -> Self {
        self.path = if self.path.is_empty() || self.path.starts_with('[') {
            format!("[{index}]{}", self.path)
        } else {
            format!("[{index}].{}", self.path)
        };
        self
    }

    /// Where the problem is; empty when it is the decoded value itself.
    pub fn path(&self) -> &str {
        &self.path
    }
}

impl std::fmt::Display for DecodeError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            formatter.write_str(&self.message)
        } else {
            write!(formatter, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DecodeError {}

/// A response type decoded from a parsed JSON value.
///
/// Generated output structs implement it with one line per field, and
/// their `Deserialize` impls go through [`deserialize`]. A derived
/// `Deserialize` costs a visitor, a field enum and a sequence decoder per
/// struct, which for the whole API made up most of the client crate's
/// build time; this keeps the per-struct code to a function of field
/// look-ups. Numbers and booleans are read leniently.
pub trait FromJson: Sized {
    /// Whether an empty (or blank) string means "absent", as it does for
    /// numbers and booleans the service sends as strings.
    const EMPTY_STRING_IS_ABSENT: bool = false;

    /// Decodes a present, non-null value.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the value does not have the expected shape.
    fn from_json(value: &Value) -> Result<Self, DecodeError>;
}

/// A short name of a JSON value's kind, for error messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// The object a generated struct is decoded from.
///
/// # Errors
///
/// When the value is not a JSON object.
pub fn object(value: &Value) -> Result<&serde_json::Map<String, Value>, DecodeError> {
    value
        .as_object()
        .ok_or_else(|| DecodeError::new(format!("expected an object, found {}", kind(value))))
}

/// An optional member of an object: absent and `null` are `None` (and so is
/// an empty string for lenient types).
///
/// # Errors
///
/// When the member is present with the wrong shape; the error names it.
pub fn field<T: FromJson>(
    object: &serde_json::Map<String, Value>,
    name: &str,
) -> Result<Option<T>, DecodeError> {
    match object.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if T::EMPTY_STRING_IS_ABSENT && text.trim().is_empty() => {
            Ok(None)
        }
        Some(value) => T::from_json(value)
            .map(Some)
            .map_err(|error| error.within_member(name)),
    }
}

/// The members of a JSON object, read one by one into the fields of a
/// generated struct.
///
/// Each read gives an `Option` and keeps the first error it meets, which
/// [`Fields::finish`] returns; a struct literal of `get` calls therefore
/// needs no `?` per field, which keeps hundreds of generated `from_json`
/// functions cheap to compile. After an error the remaining reads are
/// skipped, so the error is the first field in declaration order that does
/// not decode.
#[derive(Debug)]
pub struct Fields<'value> {
    object: &'value serde_json::Map<String, Value>,
    error: Option<DecodeError>,
}

impl<'value> Fields<'value> {
    /// The members of `value`, which must be an object.
    ///
    /// # Errors
    ///
    /// When the value is not a JSON object.
    pub fn of(value: &'value Value) -> Result<Self, DecodeError> {
        Ok(Fields {
            object: object(value)?,
            error: None,
        })
    }

    /// An optional member (see [`field`]); `None` as well when it does not
    /// decode, the error being kept for [`Fields::finish`].
    pub fn get<T: FromJson>(&mut self, name: &str) -> Option<T> {
        if self.error.is_some() {
            return None;
        }
        field(self.object, name).unwrap_or_else(|error| {
            self.error = Some(error);
            None
        })
    }

    /// The members the struct does not declare (see [`unknown_fields`]).
    pub fn unknown(&self, known: &[&str]) -> serde_json::Map<String, Value> {
        unknown_fields(self.object, known)
    }

    /// The decoded struct, or the first error a read met.
    ///
    /// # Errors
    ///
    /// The first member that did not decode, named by its path.
    pub fn finish<T>(self, decoded: T) -> Result<T, DecodeError> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(decoded),
        }
    }
}

/// The members of an object that a generated struct does not declare, by
/// wire name: what the service sends beyond its documentation, kept for
/// the caller rather than dropped. `known` is sorted (the generator writes
/// it so), which keeps this a binary search per member on large structs.
pub fn unknown_fields(
    object: &serde_json::Map<String, Value>,
    known: &[&str],
) -> serde_json::Map<String, Value> {
    object
        .iter()
        .filter(|(name, _)| known.binary_search(&name.as_str()).is_err())
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// The `Deserialize` implementation of generated output types: parse a
/// JSON value, then decode it with [`FromJson`].
///
/// # Errors
///
/// The deserializer's error, or a [`DecodeError`] turned into one.
pub fn deserialize<'de, D: Deserializer<'de>, T: FromJson>(deserializer: D) -> Result<T, D::Error> {
    let value = Value::deserialize(deserializer)?;
    T::from_json(&value).map_err(D::Error::custom)
}

impl FromJson for String {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::String(text) => Ok(text.clone()),
            other => Err(DecodeError::new(format!(
                "expected a string, found {}",
                kind(other)
            ))),
        }
    }
}

impl FromJson for i64 {
    const EMPTY_STRING_IS_ABSENT: bool = true;

    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Number(number) => number.as_i64().ok_or_else(|| {
                DecodeError::new(format!("expected a 64-bit integer, got {number}"))
            }),
            Value::String(text) => text.trim().parse().map_err(|_| {
                DecodeError::new(format!("expected an integer, got the string {text:?}"))
            }),
            other => Err(DecodeError::new(format!(
                "expected an integer, found {}",
                kind(other)
            ))),
        }
    }
}

impl FromJson for i32 {
    const EMPTY_STRING_IS_ABSENT: bool = true;

    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        let wide = i64::from_json(value)?;
        i32::try_from(wide)
            .map_err(|_| DecodeError::new(format!("expected a 32-bit integer, got {wide}")))
    }
}

impl FromJson for f64 {
    const EMPTY_STRING_IS_ABSENT: bool = true;

    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Number(number) => number
                .as_f64()
                .ok_or_else(|| DecodeError::new(format!("expected a number, got {number}"))),
            Value::String(text) => text.trim().parse().map_err(|_| {
                DecodeError::new(format!("expected a number, got the string {text:?}"))
            }),
            other => Err(DecodeError::new(format!(
                "expected a number, found {}",
                kind(other)
            ))),
        }
    }
}

impl FromJson for bool {
    const EMPTY_STRING_IS_ABSENT: bool = true;

    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Bool(flag) => Ok(*flag),
            Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(DecodeError::new(format!(
                    "expected true or false, got the string {text:?}"
                ))),
            },
            other => Err(DecodeError::new(format!(
                "expected a boolean, found {}",
                kind(other)
            ))),
        }
    }
}

impl FromJson for Value {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        Ok(value.clone())
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(value: &Value) -> Result<Self, DecodeError> {
        match value {
            Value::Array(elements) => elements
                .iter()
                .enumerate()
                .map(|(index, element)| {
                    T::from_json(element).map_err(|error| error.within_element(index))
                })
                .collect(),
            other => Err(DecodeError::new(format!(
                "expected an array, found {}",
                kind(other)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{DecodeError, Fields};
    use serde_json::json;

    /// The four lenient scalars of one object, read as generated code
    /// reads them.
    type Scalars = (Option<i64>, Option<i32>, Option<f64>, Option<bool>);

    fn scalars(value: serde_json::Value) -> Result<Scalars, DecodeError> {
        let mut fields = Fields::of(&value)?;
        let decoded = (
            fields.get("wide"),
            fields.get("narrow"),
            fields.get("real"),
            fields.get("flag"),
        );
        fields.finish(decoded)
    }

    #[test]
    fn fields_report_the_first_member_that_does_not_decode() {
        let error = scalars(json!({"wide": "x", "narrow": "y", "flag": true}))
            .expect_err("two members are not numbers");
        assert_eq!(error.path(), "wide");
        let error = scalars(json!({"narrow": [1], "flag": "maybe"})).expect_err("not a number");
        assert_eq!(error.path(), "narrow");
        assert_eq!(
            scalars(json!([])).expect_err("not an object").to_string(),
            "expected an object, found an array"
        );
    }

    #[test]
    fn fields_keep_the_members_not_declared() {
        let value = json!({"Known": 1, "Extra": "kept"});
        let fields = Fields::of(&value).expect("an object");
        let unknown = fields.unknown(&["Known"]);
        assert_eq!(unknown.get("Extra"), Some(&json!("kept")));
        assert_eq!(unknown.len(), 1);
    }

    #[test]
    fn numbers_and_strings_both_decode() {
        let sample = scalars(json!({"wide": "12", "narrow": 7, "real": "1.5", "flag": "TRUE"}));
        assert_eq!(sample, Ok((Some(12), Some(7), Some(1.5), Some(true))));
        let empty = scalars(json!({"wide": null, "narrow": ""}));
        assert_eq!(empty, Ok((None, None, None, None)));
    }

    #[test]
    fn out_of_range_and_garbage_are_errors() {
        assert!(scalars(json!({"narrow": "99999999999"})).is_err());
        assert!(scalars(json!({"flag": "yes"})).is_err());
        assert!(scalars(json!({"wide": [1]})).is_err());
    }
}

#[cfg(test)]
mod from_json_tests {
    use super::{deserialize, field, object, DecodeError, FromJson};
    use serde_json::{json, Value};

    #[derive(Debug, PartialEq)]
    struct Port {
        number: Option<i32>,
    }

    impl FromJson for Port {
        fn from_json(value: &Value) -> Result<Self, DecodeError> {
            let object = object(value)?;
            Ok(Port {
                number: field(object, "Number")?,
            })
        }
    }

    #[derive(Debug, PartialEq)]
    struct Sample {
        name: Option<String>,
        wide: Option<i64>,
        real: Option<f64>,
        flag: Option<bool>,
        ports: Option<Vec<Port>>,
        free: Option<Value>,
    }

    impl FromJson for Sample {
        fn from_json(value: &Value) -> Result<Self, DecodeError> {
            let object = object(value)?;
            Ok(Sample {
                name: field(object, "Name")?,
                wide: field(object, "Wide")?,
                real: field(object, "Real")?,
                flag: field(object, "Flag")?,
                ports: field(object, "Ports")?,
                free: field(object, "Free")?,
            })
        }
    }

    impl<'de> serde::Deserialize<'de> for Sample {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }

    #[test]
    fn members_decode_leniently_and_unknown_ones_are_ignored() {
        let sample: Sample = serde_json::from_str(
            r#"{"Name":"a","Wide":"12","Real":1,"Flag":"TRUE","Ports":[{"Number":"5432"},{}],"Free":{"x":[1]},"Other":3}"#,
        )
        .unwrap();
        assert_eq!(
            sample,
            Sample {
                name: Some("a".into()),
                wide: Some(12),
                real: Some(1.0),
                flag: Some(true),
                ports: Some(vec![Port { number: Some(5432) }, Port { number: None }]),
                free: Some(json!({"x": [1]})),
            }
        );
    }

    #[test]
    fn absent_null_and_empty_lenient_members_are_none() {
        let sample = Sample::from_json(&json!({"Name": null, "Wide": "", "Flag": " "})).unwrap();
        assert_eq!((sample.name, sample.wide, sample.flag), (None, None, None));
        // An empty string is a string, not an absent one.
        let named = Sample::from_json(&json!({"Name": ""})).unwrap();
        assert_eq!(named.name, Some(String::new()));
    }

    #[test]
    fn wrong_shapes_are_errors_that_say_where() {
        let error = Sample::from_json(&json!({"Ports": [{}, {"Number": "x"}]})).unwrap_err();
        assert_eq!(error.path(), "Ports[1].Number");
        assert!(error.to_string().contains("expected an integer"), "{error}");
        let error = Sample::from_json(&json!({"Ports": [{"Number": 99999999999i64}]})).unwrap_err();
        assert!(error.to_string().contains("32-bit"), "{error}");
        assert!(Sample::from_json(&json!({"Name": 5})).is_err());
        assert!(Sample::from_json(&json!({"Flag": "yes"})).is_err());
        assert!(Sample::from_json(&json!({"Ports": {}})).is_err());
        assert!(Sample::from_json(&json!([])).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"Wide":[1]}"#).is_err());
    }
}
