//! Turns an operation input into wire parameters.
//!
//! The input is flattened the way RPC APIs expect: scalars as strings
//! (numbers in their JSON form, booleans as `true`/`false`), nested objects
//! as `Name.Field`, arrays as `Name.1`, `Name.2`, ... (recursively), nulls
//! skipped. Parameters with `style: json` are sent as one string holding
//! the value's JSON.
//!
//! Generated inputs list their parameters one by one into a
//! [`ParameterWriter`]: a derived `Serialize` on hundreds of input structs
//! cost more to compile than the rest of their code. Any other
//! `Serialize` value (a map, a JSON object) goes through
//! [`flatten_parameters`]. Both use the same dedicated serde `Serializer`
//! for each value, which writes the pairs directly: building a
//! `serde_json::Value` tree first cost as much as signing itself, and this
//! runs before every call.

use std::fmt;

use serde::ser::{self, Impossible, Serialize};

use crate::error::ConstructionError;

/// Serializes `input` and flattens it into `(name, value)` pairs.
pub fn flatten_parameters<I: Serialize + ?Sized>(
    input: &I,
) -> Result<Vec<(String, String)>, ConstructionError> {
    let mut parameters = Vec::with_capacity(8);
    input
        .serialize(Flattener {
            output: &mut parameters,
            name: None,
        })
        .map_err(construction_error)?;
    Ok(parameters)
}

fn construction_error(error: FlattenError) -> ConstructionError {
    let message = match error.0 {
        FlattenErrorKind::NotAnObject(kind) => {
            format!("the operation input must serialize to an object of parameters, not {kind}")
        }
        FlattenErrorKind::Custom(message) => {
            format!("the operation input could not be serialized: {message}")
        }
    };
    ConstructionError::invalid_input(message)
}

/// An operation input that writes its own wire parameters: what generated
/// inputs implement (through their `to_parameters`), and what a waiter
/// needs to send its polls.
pub trait ToParameters {
    /// The input's wire parameters, flattened as [`flatten_parameters`]
    /// would flatten a struct with the same fields.
    ///
    /// # Errors
    ///
    /// A value that cannot be serialized.
    fn to_parameters(&self) -> Result<Vec<(String, String)>, ConstructionError>;
}

/// Parameters already written, as [`flatten_parameters`] gives them: sent
/// as they are (for a program that builds them at run time, such as a
/// command line).
impl ToParameters for Vec<(String, String)> {
    fn to_parameters(&self) -> Result<Vec<(String, String)>, ConstructionError> {
        Ok(self.clone())
    }
}

/// Collects an operation's parameters one at a time, in the form
/// [`flatten_parameters`] gives a struct with the same fields.
///
/// Generated inputs call it once per parameter; the first failure is kept
/// and reported by [`finish`](Self::finish).
#[derive(Debug, Default)]
pub struct ParameterWriter {
    output: Vec<(String, String)>,
    error: Option<FlattenError>,
}

impl ParameterWriter {
    /// A writer with room for `capacity` pairs.
    pub fn with_capacity(capacity: usize) -> Self {
        ParameterWriter {
            output: Vec::with_capacity(capacity),
            error: None,
        }
    }

    /// Adds a parameter, flattened; `None` leaves it out.
    pub fn add<T: Serialize + ?Sized>(&mut self, name: &str, value: Option<&T>) {
        if let (Some(value), None) = (value, &self.error) {
            let written = value.serialize(Flattener {
                output: &mut self.output,
                name: Some(name.to_owned()),
            });
            self.error = written.err();
        }
    }

    /// Adds a `style: json` parameter: one string holding the value's JSON.
    /// `None` leaves it out.
    pub fn add_json<T: Serialize + ?Sized>(&mut self, name: &str, value: Option<&T>) {
        if let (Some(value), None) = (value, &self.error) {
            match serde_json::to_string(value) {
                Ok(text) => self.output.push((name.to_owned(), text)),
                Err(error) => self.error = Some(ser::Error::custom(error)),
            }
        }
    }

    /// The parameters, or why one of them could not be written.
    pub fn finish(self) -> Result<Vec<(String, String)>, ConstructionError> {
        match self.error {
            Some(error) => Err(construction_error(error)),
            None => Ok(self.output),
        }
    }
}

/// Why flattening failed.
#[derive(Debug)]
enum FlattenErrorKind {
    /// The top-level value is a scalar or a list.
    NotAnObject(&'static str),
    /// A `Serialize` implementation failed, or a map key is not a string.
    Custom(String),
}

/// The serializer's error type.
#[derive(Debug)]
struct FlattenError(FlattenErrorKind);

impl fmt::Display for FlattenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            FlattenErrorKind::NotAnObject(kind) => write!(f, "expected an object, got {kind}"),
            FlattenErrorKind::Custom(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for FlattenError {}

impl ser::Error for FlattenError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        FlattenError(FlattenErrorKind::Custom(message.to_string()))
    }
}

/// Serializes one value at `name` (`None` at the top level, where only
/// objects are accepted).
struct Flattener<'a> {
    output: &'a mut Vec<(String, String)>,
    name: Option<String>,
}

impl<'a> Flattener<'a> {
    fn scalar(self, kind: &'static str, value: String) -> Result<(), FlattenError> {
        match self.name {
            Some(name) => {
                self.output.push((name, value));
                Ok(())
            }
            None => Err(FlattenError(FlattenErrorKind::NotAnObject(kind))),
        }
    }

    fn child_name(parent: &Option<String>, child: &str) -> String {
        match parent {
            Some(parent) => {
                let mut name = String::with_capacity(parent.len() + 1 + child.len());
                name.push_str(parent);
                name.push('.');
                name.push_str(child);
                name
            }
            None => child.to_owned(),
        }
    }

    fn list(self) -> Result<ListFlattener<'a>, FlattenError> {
        match self.name {
            Some(name) => Ok(ListFlattener {
                output: self.output,
                name,
                index: 0,
            }),
            None => Err(FlattenError(FlattenErrorKind::NotAnObject("an array"))),
        }
    }

    fn object(self) -> ObjectFlattener<'a> {
        ObjectFlattener {
            output: self.output,
            name: self.name,
            pending_key: None,
        }
    }
}

/// Serializes a list's elements as `Name.1`, `Name.2`, ...
struct ListFlattener<'a> {
    output: &'a mut Vec<(String, String)>,
    name: String,
    index: usize,
}

impl ListFlattener<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        self.index += 1;
        let name = format!("{}.{}", self.name, self.index);
        value.serialize(Flattener {
            output: self.output,
            name: Some(name),
        })
    }
}

/// Serializes an object's fields as `Name.Field` (or `Field` at the top).
struct ObjectFlattener<'a> {
    output: &'a mut Vec<(String, String)>,
    name: Option<String>,
    pending_key: Option<String>,
}

impl ObjectFlattener<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), FlattenError> {
        let name = Flattener::child_name(&self.name, key);
        value.serialize(Flattener {
            output: self.output,
            name: Some(name),
        })
    }
}

impl<'a> ser::Serializer for Flattener<'a> {
    type Ok = ();
    type Error = FlattenError;
    type SerializeSeq = ListFlattener<'a>;
    type SerializeTuple = ListFlattener<'a>;
    type SerializeTupleStruct = ListFlattener<'a>;
    type SerializeTupleVariant = ListFlattener<'a>;
    type SerializeMap = ObjectFlattener<'a>;
    type SerializeStruct = ObjectFlattener<'a>;
    type SerializeStructVariant = ObjectFlattener<'a>;

    fn serialize_bool(self, value: bool) -> Result<(), FlattenError> {
        self.scalar("a boolean", if value { "true" } else { "false" }.to_owned())
    }
    fn serialize_i8(self, value: i8) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_i16(self, value: i16) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_i32(self, value: i32) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_i64(self, value: i64) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_i128(self, value: i128) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_u8(self, value: u8) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_u16(self, value: u16) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_u32(self, value: u32) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_u64(self, value: u64) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_u128(self, value: u128) -> Result<(), FlattenError> {
        self.scalar("a number", value.to_string())
    }
    fn serialize_f32(self, value: f32) -> Result<(), FlattenError> {
        self.serialize_f64(f64::from(value))
    }
    fn serialize_f64(self, value: f64) -> Result<(), FlattenError> {
        // JSON's number form (`1.0`, `1e20`); non-finite numbers are null
        // in JSON and therefore skipped, as serde_json would.
        match serde_json::Number::from_f64(value) {
            Some(number) => self.scalar("a number", number.to_string()),
            None if self.name.is_some() => Ok(()),
            None => Err(FlattenError(FlattenErrorKind::NotAnObject("a number"))),
        }
    }
    fn serialize_char(self, value: char) -> Result<(), FlattenError> {
        self.scalar("a string", value.to_string())
    }
    fn serialize_str(self, value: &str) -> Result<(), FlattenError> {
        self.scalar("a string", value.to_owned())
    }
    fn serialize_bytes(self, value: &[u8]) -> Result<(), FlattenError> {
        // serde_json writes bytes as an array of numbers.
        let mut list = self.list()?;
        for byte in value {
            list.element(byte)?;
        }
        Ok(())
    }
    fn serialize_none(self) -> Result<(), FlattenError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), FlattenError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), FlattenError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), FlattenError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), FlattenError> {
        self.scalar("a string", variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        let name = Flattener::child_name(&self.name, variant);
        value.serialize(Flattener {
            output: self.output,
            name: Some(name),
        })
    }
    fn serialize_seq(self, _length: Option<usize>) -> Result<ListFlattener<'a>, FlattenError> {
        self.list()
    }
    fn serialize_tuple(self, _length: usize) -> Result<ListFlattener<'a>, FlattenError> {
        self.list()
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _length: usize,
    ) -> Result<ListFlattener<'a>, FlattenError> {
        self.list()
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _length: usize,
    ) -> Result<ListFlattener<'a>, FlattenError> {
        let name = Flattener::child_name(&self.name, variant);
        Ok(ListFlattener {
            output: self.output,
            name,
            index: 0,
        })
    }
    fn serialize_map(self, _length: Option<usize>) -> Result<ObjectFlattener<'a>, FlattenError> {
        Ok(self.object())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _length: usize,
    ) -> Result<ObjectFlattener<'a>, FlattenError> {
        Ok(self.object())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _length: usize,
    ) -> Result<ObjectFlattener<'a>, FlattenError> {
        let name = Flattener::child_name(&self.name, variant);
        Ok(ObjectFlattener {
            output: self.output,
            name: Some(name),
            pending_key: None,
        })
    }
}

impl ser::SerializeSeq for ListFlattener<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        self.element(value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

impl ser::SerializeTuple for ListFlattener<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        self.element(value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for ListFlattener<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        self.element(value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for ListFlattener<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        self.element(value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

impl ser::SerializeMap for ObjectFlattener<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), FlattenError> {
        self.pending_key = Some(key.serialize(MapKeySerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), FlattenError> {
        let key = self.pending_key.take().ok_or_else(|| {
            <FlattenError as ser::Error>::custom("a map value came without its key")
        })?;
        self.field(&key, value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

impl ser::SerializeStruct for ObjectFlattener<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for ObjectFlattener<'_> {
    type Ok = ();
    type Error = FlattenError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), FlattenError> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), FlattenError> {
        Ok(())
    }
}

/// Turns a map key into a string: strings as they are, numbers, booleans
/// and characters in their text form (as serde_json does); anything else is
/// an error.
struct MapKeySerializer;

fn key_error() -> FlattenError {
    <FlattenError as ser::Error>::custom("a map key must be a string, a number or a boolean")
}

impl ser::Serializer for MapKeySerializer {
    type Ok = String;
    type Error = FlattenError;
    type SerializeSeq = Impossible<String, FlattenError>;
    type SerializeTuple = Impossible<String, FlattenError>;
    type SerializeTupleStruct = Impossible<String, FlattenError>;
    type SerializeTupleVariant = Impossible<String, FlattenError>;
    type SerializeMap = Impossible<String, FlattenError>;
    type SerializeStruct = Impossible<String, FlattenError>;
    type SerializeStructVariant = Impossible<String, FlattenError>;

    fn serialize_bool(self, value: bool) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_i8(self, value: i8) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_i16(self, value: i16) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_i32(self, value: i32) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_i64(self, value: i64) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_u8(self, value: u8) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_u16(self, value: u16) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_u32(self, value: u32) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_u64(self, value: u64) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_f32(self, _value: f32) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_f64(self, _value: f64) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_char(self, value: char) -> Result<String, FlattenError> {
        Ok(value.to_string())
    }
    fn serialize_str(self, value: &str) -> Result<String, FlattenError> {
        Ok(value.to_owned())
    }
    fn serialize_bytes(self, _value: &[u8]) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, FlattenError> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, FlattenError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, FlattenError> {
        Err(key_error())
    }
    fn serialize_seq(self, _length: Option<usize>) -> Result<Self::SerializeSeq, FlattenError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _length: usize) -> Result<Self::SerializeTuple, FlattenError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _length: usize,
    ) -> Result<Self::SerializeTupleStruct, FlattenError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _length: usize,
    ) -> Result<Self::SerializeTupleVariant, FlattenError> {
        Err(key_error())
    }
    fn serialize_map(self, _length: Option<usize>) -> Result<Self::SerializeMap, FlattenError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _length: usize,
    ) -> Result<Self::SerializeStruct, FlattenError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _length: usize,
    ) -> Result<Self::SerializeStructVariant, FlattenError> {
        Err(key_error())
    }
}

/// The reference definition: serialize to a JSON value and walk it. Tests
/// check the fast path against it.
#[cfg(test)]
pub(crate) fn flatten_via_json_value<I: Serialize + ?Sized>(
    input: &I,
) -> Option<Vec<(String, String)>> {
    use serde_json::Value;
    fn walk(output: &mut Vec<(String, String)>, name: String, value: Value) {
        match value {
            Value::Null => {}
            Value::Bool(flag) => output.push((name, flag.to_string())),
            Value::Number(number) => output.push((name, number.to_string())),
            Value::String(text) => output.push((name, text)),
            Value::Array(items) => {
                for (index, item) in items.into_iter().enumerate() {
                    walk(output, format!("{name}.{}", index + 1), item);
                }
            }
            Value::Object(fields) => {
                for (field, value) in fields {
                    walk(output, format!("{name}.{field}"), value);
                }
            }
        }
    }
    let Value::Object(fields) = serde_json::to_value(input).ok()? else {
        return None;
    };
    let mut output = Vec::new();
    for (name, value) in fields {
        walk(&mut output, name, value);
    }
    Some(output)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
        pairs.sort();
        pairs
    }

    #[derive(serde::Serialize)]
    struct Tag {
        #[serde(rename = "Key")]
        key: String,
        #[serde(rename = "Value", skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    }

    /// An input of every kind of field, as a generated input with the
    /// `serde-serialize` feature derives it.
    #[derive(serde::Serialize)]
    struct EveryKind {
        #[serde(rename = "Name")]
        name: String,
        #[serde(rename = "Size", skip_serializing_if = "Option::is_none")]
        size: Option<i64>,
        #[serde(rename = "Ratio", skip_serializing_if = "Option::is_none")]
        ratio: Option<f64>,
        #[serde(rename = "Verbose", skip_serializing_if = "Option::is_none")]
        verbose: Option<bool>,
        #[serde(rename = "Missing", skip_serializing_if = "Option::is_none")]
        missing: Option<String>,
        #[serde(rename = "Tag", skip_serializing_if = "Option::is_none")]
        tag: Option<Vec<Tag>>,
        #[serde(
            rename = "Filter",
            skip_serializing_if = "Option::is_none",
            serialize_with = "crate::ser::json_string"
        )]
        filter: Option<BTreeMap<String, Vec<u32>>>,
    }

    #[test]
    fn the_writer_gives_what_flattening_the_struct_gives() {
        let input = EveryKind {
            name: "pgm-1".into(),
            size: Some(-7),
            ratio: Some(1.0),
            verbose: Some(false),
            missing: None,
            tag: Some(vec![
                Tag {
                    key: "env".into(),
                    value: Some("prod".into()),
                },
                Tag {
                    key: "bare".into(),
                    value: None,
                },
            ]),
            filter: Some(BTreeMap::from([("ids".to_owned(), vec![1, 2])])),
        };
        // What a generated `to_parameters` writes for the same fields.
        let mut writer = ParameterWriter::with_capacity(7);
        writer.add("Name", Some(&input.name));
        writer.add("Size", input.size.as_ref());
        writer.add("Ratio", input.ratio.as_ref());
        writer.add("Verbose", input.verbose.as_ref());
        writer.add("Missing", input.missing.as_ref());
        writer.add("Tag", input.tag.as_ref());
        writer.add_json("Filter", input.filter.as_ref());
        let written = writer.finish().unwrap();
        assert_eq!(written, flatten_parameters(&input).unwrap());
        assert_eq!(
            sorted(written),
            sorted(vec![
                ("Name".into(), "pgm-1".into()),
                ("Size".into(), "-7".into()),
                ("Ratio".into(), "1.0".into()),
                ("Verbose".into(), "false".into()),
                ("Tag.1.Key".into(), "env".into()),
                ("Tag.1.Value".into(), "prod".into()),
                ("Tag.2.Key".into(), "bare".into()),
                ("Filter".into(), r#"{"ids":[1,2]}"#.into()),
            ])
        );
    }

    #[test]
    fn the_writer_reports_the_first_value_it_cannot_write() {
        let mut writer = ParameterWriter::default();
        writer.add("Name", Some("ok"));
        // A map with non-string keys has no JSON form.
        writer.add_json("Filter", Some(&BTreeMap::from([((1, 2), 3)])));
        writer.add("Later", Some("skipped"));
        let error = writer.finish().unwrap_err();
        assert!(
            error.to_string().contains("could not be serialized"),
            "{error}"
        );
    }

    #[test]
    fn nested_values_flatten_with_dots_and_one_based_indexes() {
        let input = json!({
            "A": "x", "B": 3, "C": true, "D": null, "F": 1.5,
            "Tag": [{"Key": "k1", "Value": "v1"}, {"Key": "k2"}],
            "Obj": {"Inner": [1, 2]}
        });
        let flat = sorted(flatten_parameters(&input).unwrap());
        let expected: Vec<(String, String)> = [
            ("A", "x"),
            ("B", "3"),
            ("C", "true"),
            ("F", "1.5"),
            ("Obj.Inner.1", "1"),
            ("Obj.Inner.2", "2"),
            ("Tag.1.Key", "k1"),
            ("Tag.1.Value", "v1"),
            ("Tag.2.Key", "k2"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        assert_eq!(flat, expected);
    }

    #[derive(serde::Serialize)]
    enum Mode {
        Fast,
        Tuple(u8, u8),
        Named { level: i32 },
        Wrapped(String),
    }

    #[derive(serde::Serialize)]
    struct Everything {
        text: String,
        float: f64,
        whole_float: f64,
        not_a_number: f64,
        big: u64,
        negative: i8,
        character: char,
        missing: Option<u32>,
        present: Option<u32>,
        unit: (),
        list: Vec<Vec<u8>>,
        modes: Vec<Mode>,
        map: BTreeMap<u32, bool>,
        tuple: (String, i16),
    }

    #[test]
    fn the_direct_path_equals_the_json_value_path() {
        let input = Everything {
            text: "t".into(),
            float: 1e20,
            whole_float: 2.0,
            not_a_number: f64::NAN,
            big: u64::MAX,
            negative: -5,
            character: 'é',
            missing: None,
            present: Some(7),
            unit: (),
            list: vec![vec![1, 2], vec![], vec![3]],
            modes: vec![
                Mode::Fast,
                Mode::Tuple(1, 2),
                Mode::Named { level: -1 },
                Mode::Wrapped("w".into()),
            ],
            map: BTreeMap::from([(1, true), (2, false)]),
            tuple: ("a".into(), 3),
        };
        assert_eq!(
            sorted(flatten_parameters(&input).unwrap()),
            sorted(flatten_via_json_value(&input).unwrap())
        );
    }

    #[test]
    fn non_objects_are_rejected_with_their_kind() {
        assert!(flatten_parameters(&5)
            .unwrap_err()
            .to_string()
            .contains("a number"));
        assert!(flatten_parameters(&vec![1])
            .unwrap_err()
            .to_string()
            .contains("an array"));
        assert!(flatten_parameters(&"x")
            .unwrap_err()
            .to_string()
            .contains("a string"));
        assert!(flatten_parameters(&()).unwrap().is_empty());
        assert!(flatten_parameters(&Option::<u8>::None).unwrap().is_empty());
    }

    #[test]
    fn unsupported_map_keys_are_errors_not_panics() {
        let input = BTreeMap::from([(vec![1u8], 1)]);
        let error = flatten_parameters(&input).unwrap_err();
        assert!(error.to_string().contains("map key"), "{error}");
    }
}
