//! Lenient decoding of response fields, for generated output structs.
//!
//! The service is not consistent about types: the same numeric field may
//! arrive as `5` in one response and `"5"` in another, and booleans as
//! `true` or `"true"`. [`FromJson`] decodes generated output structs with
//! lenient rules for numbers and booleans (a JSON null, an absent field or,
//! for them, an empty string reads as `None`), at a fraction of the build
//! cost of derived `Deserialize` impls.
//!
//! Decoding is one pass over the JSON reader: a response body goes straight
//! from its bytes into the output struct, each string copied once, without
//! a `serde_json::Value` tree in between. Only the members a struct does
//! not declare are built as values, into its `unknown_fields`.
//!
//! How it stays cheap to compile: serde drives a visitor generic over the
//! reader, and a visitor per output type (what a derived `Deserialize`
//! writes) would be compiled once per type. Here there is one visitor, in
//! this module, that hands what it reads to a type through object-safe
//! traits ([`MapSource`], [`SeqSource`]); a generated struct's part is one
//! non-generic function, a `match` on the member name that stores each
//! member into its field ([`Object`]).
//!
//! Only generated code uses this module: it is hidden from the crate's
//! documentation and exempt from semver.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

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

impl fmt::Display for DecodeError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            formatter.write_str(&self.message)
        } else {
            write!(formatter, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DecodeError {}

/// What decoding one value gave: the value, or why it does not have the
/// expected shape. A value of the wrong shape has still been read to its
/// end, so the reader can go on; errors of the JSON text itself are the
/// reader's own and travel separately.
pub type Decoded<T> = Result<T, DecodeError>;

/// One JSON value that is not an object or an array.
#[derive(Debug)]
pub enum Scalar<'text> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A negative integer.
    Int(i64),
    /// A non-negative integer.
    Uint(u64),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// A string, borrowed from the text when it has no escapes.
    Str(Cow<'text, str>),
}

impl Scalar<'_> {
    /// A short name of the scalar's kind, for error messages.
    fn kind(&self) -> &'static str {
        match self {
            Scalar::Null => "null",
            Scalar::Bool(_) => "a boolean",
            Scalar::Int(_) | Scalar::Uint(_) | Scalar::Float(_) => "a number",
            Scalar::Str(_) => "a string",
        }
    }
}

/// The error for a value of another kind than `T` expects.
fn mismatch<T: FromJson>(found: &str) -> DecodeError {
    DecodeError::new(format!("expected {}, found {found}", T::EXPECTED))
}

/// A response type, read from JSON.
///
/// A type says what it makes of each kind of JSON value; the kinds it
/// does not override are errors naming what it expected. Generated
/// structs override [`FromJson::from_object`] only.
pub trait FromJson: Sized {
    /// Whether an empty (or blank) string means "absent", as it does for
    /// numbers and booleans the service sends as strings.
    const EMPTY_STRING_IS_ABSENT: bool = false;

    /// What the type expects, for error messages ("an object").
    const EXPECTED: &'static str = "an object";

    /// Decodes a scalar (null included, when it is not an absent member).
    ///
    /// # Errors
    ///
    /// When the type does not read this scalar.
    fn from_scalar(scalar: Scalar<'_>) -> Decoded<Self> {
        Err(mismatch::<Self>(scalar.kind()))
    }

    /// Decodes an object, reading as many of its members as it needs (the
    /// rest are skipped).
    ///
    /// # Errors
    ///
    /// When the type is not read from an object, or a member does not
    /// decode; the error names the member.
    fn from_object(object: &mut dyn MapSource<'_>) -> Decoded<Self> {
        let _ = object;
        Err(mismatch::<Self>("an object"))
    }

    /// Decodes an array, reading as many of its elements as it needs (the
    /// rest are skipped).
    ///
    /// # Errors
    ///
    /// When the type is not read from an array, or an element does not
    /// decode; the error names the element.
    fn from_array(array: &mut dyn SeqSource<'_>) -> Decoded<Self> {
        let _ = array;
        Err(mismatch::<Self>("an array"))
    }

    /// Decodes a parsed JSON value.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] when the value does not have the expected shape.
    fn from_json(value: Value) -> Decoded<Self> {
        match read_present::<Self, _>(value) {
            Ok(decoded) => decoded,
            Err(error) => Err(DecodeError::new(error.to_string())),
        }
    }
}

/// The members of a JSON object, as the reader meets them.
///
/// Object-safe, so that each generated struct has one non-generic
/// decoding function whatever the reader.
pub trait MapSource<'de> {
    /// The next member's name; `None` at the end of the object, or when
    /// the JSON text is broken (the reader reports that itself).
    fn next_name(&mut self) -> Option<Cow<'de, str>>;

    /// Reads the value of the member just named into `target`.
    fn read_value(&mut self, target: &mut dyn Target);

    /// Skips the value of the member just named.
    fn skip_value(&mut self);

    /// The value of the member just named, as a JSON value; `None` when
    /// the JSON text is broken.
    fn json_value(&mut self) -> Option<Value>;
}

/// The elements of a JSON array, as the reader meets them.
pub trait SeqSource<'de> {
    /// Reads the next element into `target`; `false` at the end of the
    /// array, or when the JSON text is broken.
    fn read_element(&mut self, target: &mut dyn Target) -> bool;

    /// The next element as a JSON value; `None` at the end of the array,
    /// or when the JSON text is broken.
    fn json_element(&mut self) -> Option<Value>;
}

/// Where the reader puts one value: it calls exactly one of these methods
/// per value, unless the JSON text is broken.
pub trait Target {
    /// The value is a scalar.
    fn scalar(&mut self, scalar: Scalar<'_>);
    /// The value is an object.
    fn object(&mut self, object: &mut dyn MapSource<'_>);
    /// The value is an array.
    fn array(&mut self, array: &mut dyn SeqSource<'_>);
}

/// The [`Target`] for a value of type `T`: a member of an object (where
/// null, and for lenient types an empty string, mean absent) or an element
/// of an array (where they do not).
struct Slot<T> {
    member: bool,
    /// `None` until a value was read.
    result: Option<Decoded<Option<T>>>,
}

impl<T> Slot<T> {
    fn new(member: bool) -> Self {
        Slot {
            member,
            result: None,
        }
    }
}

impl<T: FromJson> Target for Slot<T> {
    fn scalar(&mut self, scalar: Scalar<'_>) {
        let absent = self.member
            && match &scalar {
                Scalar::Null => true,
                Scalar::Str(text) => T::EMPTY_STRING_IS_ABSENT && text.trim().is_empty(),
                _ => false,
            };
        self.result = Some(if absent {
            Ok(None)
        } else {
            T::from_scalar(scalar).map(Some)
        });
    }

    fn object(&mut self, object: &mut dyn MapSource<'_>) {
        self.result = Some(T::from_object(object).map(Some));
    }

    fn array(&mut self, array: &mut dyn SeqSource<'_>) {
        self.result = Some(T::from_array(array).map(Some));
    }
}

/// The members of one object being read into a generated struct.
///
/// Each read keeps the first error it meets, which [`Object::finish`]
/// returns, and ends the reading of the object (the reader skips the rest);
/// a `match` arm per field therefore needs no `?`, which keeps hundreds of
/// generated functions cheap to compile. The error is the first member, in
/// the order of the text, that does not decode.
pub struct Object<'source, 'de> {
    source: &'source mut dyn MapSource<'de>,
    error: Option<DecodeError>,
    /// Whether a member was named and its value not read yet.
    value_pending: bool,
}

impl<'source, 'de> Object<'source, 'de> {
    /// The members of the object `source` reads.
    pub fn new(source: &'source mut dyn MapSource<'de>) -> Self {
        Object {
            source,
            error: None,
            value_pending: false,
        }
    }

    /// The next member's name; `None` at the end, or after an error. The
    /// value of a member named before and neither read nor kept is
    /// skipped.
    pub fn next_name(&mut self) -> Option<Cow<'de, str>> {
        if self.error.is_some() {
            return None;
        }
        if self.value_pending {
            self.source.skip_value();
        }
        let name = self.source.next_name();
        self.value_pending = name.is_some();
        name
    }

    /// Reads the value of member `name` into `field`: `None` when it is
    /// null (or, for lenient types, an empty string). A member named twice
    /// keeps its last value.
    pub fn read<T: FromJson>(&mut self, name: &str, field: &mut Option<T>) {
        self.value_pending = false;
        let mut slot = Slot::<T>::new(true);
        self.source.read_value(&mut slot);
        match slot.result {
            Some(Ok(value)) => *field = value,
            Some(Err(error)) => self.error = Some(error.within_member(name)),
            // The text is broken, which the reader reports.
            None => {}
        }
    }

    /// Keeps the value of member `name`, which the struct does not declare,
    /// in `unknown`: what the service sends beyond its documentation is
    /// kept for the caller rather than dropped.
    pub fn unknown(&mut self, name: Cow<'de, str>, unknown: &mut Map<String, Value>) {
        self.value_pending = false;
        if let Some(value) = self.source.json_value() {
            unknown.insert(name.into_owned(), value);
        }
    }

    /// The decoded struct, or the first error a read met.
    ///
    /// # Errors
    ///
    /// The first member that did not decode, named by its path.
    pub fn finish<T>(self, decoded: T) -> Decoded<T> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(decoded),
        }
    }
}

/// One field of a generated struct, as [`read_members`] stores a member
/// into it: implemented once, for every optional field type, so that a
/// generated struct lists its fields instead of writing a read per field.
pub trait Member {
    /// Reads the value of member `name` into the field (see
    /// [`Object::read`]).
    fn read_member(&mut self, object: &mut Object<'_, '_>, name: &str);
}

impl<T: FromJson> Member for Option<T> {
    fn read_member(&mut self, object: &mut Object<'_, '_>, name: &str) {
        object.read(name, self);
    }
}

/// Reads an object into the fields of a generated struct: `names` are the
/// wire names of its fields in byte order, `members` the fields in the
/// same order, and `unknown` keeps every member the struct does not
/// declare. Returns the first member that did not decode, if any, for
/// [`finish`].
///
/// This is the whole decoding of a generated struct, compiled once here:
/// the struct's own function is a list of its names and fields, which
/// costs the compiler far less than a `match` arm per field (a string
/// comparison and a generic call each).
pub fn read_members(
    source: &mut dyn MapSource<'_>,
    names: &[&str],
    members: &mut [&mut dyn Member],
    unknown: &mut Map<String, Value>,
) -> Option<DecodeError> {
    let mut object = Object::new(source);
    while let Some(name) = object.next_name() {
        let position = names.binary_search(&&*name).ok();
        match position.and_then(|position| members.get_mut(position)) {
            Some(member) => member.read_member(&mut object, &name),
            None => object.unknown(name, unknown),
        }
    }
    object.error
}

/// The decoded struct, or the first error [`read_members`] met.
///
/// # Errors
///
/// The first member that did not decode, named by its path.
pub fn finish<T>(error: Option<DecodeError>, decoded: T) -> Decoded<T> {
    match error {
        Some(error) => Err(error),
        None => Ok(decoded),
    }
}

/// Reads one value of type `T` that must be present (a whole body, or the
/// value behind the `Deserialize` of a generated type).
fn read_present<'de, T: FromJson, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Decoded<T>, D::Error> {
    let mut slot = Slot::<T>::new(false);
    TargetSeed(&mut slot).deserialize(deserializer)?;
    Ok(match slot.result {
        Some(Ok(Some(value))) => Ok(value),
        Some(Err(error)) => Err(error),
        // An element's slot never reads as absent, and the reader calls the
        // target once per value; this is only the refusal to panic.
        Some(Ok(None)) | None => Err(DecodeError::new(format!(
            "expected {}, found nothing",
            T::EXPECTED
        ))),
    })
}

/// Decodes a whole JSON text, such as a response body, in one pass.
///
/// # Errors
///
/// The outer error when the text is not JSON (or has trailing
/// characters); the inner one when it is JSON of the wrong shape.
pub fn from_slice<T: FromJson>(text: &[u8]) -> Result<Decoded<T>, serde_json::Error> {
    // Checking the whole text for UTF-8 at once is cheaper than the reader
    // checking each string as it meets it, which a body made of many short
    // strings pays for. A text that is not UTF-8 is read from the bytes,
    // so that the error says where.
    match std::str::from_utf8(text) {
        Ok(text) => {
            let mut deserializer = serde_json::Deserializer::from_str(text);
            let decoded = read_present::<T, _>(&mut deserializer)?;
            deserializer.end()?;
            Ok(decoded)
        }
        Err(_) => {
            let mut deserializer = serde_json::Deserializer::from_slice(text);
            let decoded = read_present::<T, _>(&mut deserializer)?;
            deserializer.end()?;
            Ok(decoded)
        }
    }
}

/// The `Deserialize` implementation of generated output types: the same
/// decoding as the client's, from any deserializer.
///
/// # Errors
///
/// The deserializer's error, or a [`DecodeError`] turned into one.
pub fn deserialize<'de, D: Deserializer<'de>, T: FromJson>(deserializer: D) -> Result<T, D::Error> {
    read_present::<T, D>(deserializer)?.map_err(D::Error::custom)
}

/// Reads one value into a [`Target`]: the one place where serde's reader
/// is driven, compiled once per reader rather than once per type.
struct TargetSeed<'target>(&'target mut dyn Target);

impl<'de> DeserializeSeed<'de> for TargetSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TargetSeed<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.scalar(Scalar::Null);
        Ok(())
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.0.scalar(Scalar::Null);
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<(), E> {
        self.0.scalar(Scalar::Bool(value));
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<(), E> {
        self.0.scalar(Scalar::Int(value));
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<(), E> {
        self.0.scalar(Scalar::Uint(value));
        Ok(())
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<(), E> {
        self.0.scalar(Scalar::Float(value));
        Ok(())
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<(), E> {
        self.0.scalar(Scalar::Str(Cow::Borrowed(value)));
        Ok(())
    }

    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<(), E> {
        self.0.scalar(Scalar::Str(Cow::Owned(value)));
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        let mut source = MapReader {
            map,
            error: None,
            ended: false,
            marker: PhantomData,
        };
        self.0.object(&mut source);
        source.finish()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let mut source = SeqReader {
            seq,
            error: None,
            ended: false,
            marker: PhantomData,
        };
        self.0.array(&mut source);
        source.finish()
    }
}

/// A [`MapSource`] over serde's access to an object.
struct MapReader<'de, A: MapAccess<'de>> {
    map: A,
    /// The reader's first error, returned once the target is done.
    error: Option<A::Error>,
    ended: bool,
    marker: PhantomData<&'de ()>,
}

impl<'de, A: MapAccess<'de>> MapReader<'de, A> {
    /// Skips the members the target did not read (serde's readers expect
    /// every member to be consumed), and returns the first error.
    fn finish(mut self) -> Result<(), A::Error> {
        while self.error.is_none() && !self.ended {
            match self.map.next_entry::<IgnoredAny, IgnoredAny>() {
                Ok(Some(_)) => {}
                Ok(None) => self.ended = true,
                Err(error) => self.error = Some(error),
            }
        }
        match self.error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl<'de, A: MapAccess<'de>> MapSource<'de> for MapReader<'de, A> {
    fn next_name(&mut self) -> Option<Cow<'de, str>> {
        if self.error.is_some() || self.ended {
            return None;
        }
        match self.map.next_key::<MemberName<'de>>() {
            Ok(Some(MemberName(name))) => Some(name),
            Ok(None) => {
                self.ended = true;
                None
            }
            Err(error) => {
                self.error = Some(error);
                None
            }
        }
    }

    fn read_value(&mut self, target: &mut dyn Target) {
        if self.error.is_none() {
            if let Err(error) = self.map.next_value_seed(TargetSeed(target)) {
                self.error = Some(error);
            }
        }
    }

    fn skip_value(&mut self) {
        if self.error.is_none() {
            if let Err(error) = self.map.next_value::<IgnoredAny>() {
                self.error = Some(error);
            }
        }
    }

    fn json_value(&mut self) -> Option<Value> {
        if self.error.is_some() {
            return None;
        }
        self.map
            .next_value::<Value>()
            .map_err(|error| self.error = Some(error))
            .ok()
    }
}

/// A [`SeqSource`] over serde's access to an array.
struct SeqReader<'de, A: SeqAccess<'de>> {
    seq: A,
    error: Option<A::Error>,
    ended: bool,
    marker: PhantomData<&'de ()>,
}

impl<'de, A: SeqAccess<'de>> SeqReader<'de, A> {
    /// Skips the elements the target did not read, and returns the first
    /// error.
    fn finish(mut self) -> Result<(), A::Error> {
        while self.error.is_none() && !self.ended {
            match self.seq.next_element::<IgnoredAny>() {
                Ok(Some(_)) => {}
                Ok(None) => self.ended = true,
                Err(error) => self.error = Some(error),
            }
        }
        match self.error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

impl<'de, A: SeqAccess<'de>> SeqSource<'de> for SeqReader<'de, A> {
    fn read_element(&mut self, target: &mut dyn Target) -> bool {
        if self.error.is_some() || self.ended {
            return false;
        }
        match self.seq.next_element_seed(TargetSeed(target)) {
            Ok(Some(())) => true,
            Ok(None) => {
                self.ended = true;
                false
            }
            Err(error) => {
                self.error = Some(error);
                false
            }
        }
    }

    fn json_element(&mut self) -> Option<Value> {
        if self.error.is_some() || self.ended {
            return None;
        }
        match self.seq.next_element::<Value>() {
            Ok(Some(value)) => Some(value),
            Ok(None) => {
                self.ended = true;
                None
            }
            Err(error) => {
                self.error = Some(error);
                None
            }
        }
    }
}

/// An object member's name, borrowed from the text when it has no escapes.
struct MemberName<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for MemberName<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(MemberNameVisitor)
    }
}

struct MemberNameVisitor;

impl<'de> Visitor<'de> for MemberNameVisitor {
    type Value = MemberName<'de>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("an object member's name")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, name: &'de str) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Borrowed(name)))
    }

    fn visit_str<E: serde::de::Error>(self, name: &str) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Owned(name.to_owned())))
    }

    fn visit_string<E: serde::de::Error>(self, name: String) -> Result<Self::Value, E> {
        Ok(MemberName(Cow::Owned(name)))
    }
}

/// A JSON number as its JSON text, for error messages.
fn number_text(scalar: &Scalar<'_>) -> String {
    match scalar {
        Scalar::Int(value) => value.to_string(),
        Scalar::Uint(value) => value.to_string(),
        Scalar::Float(value) => serde_json::Number::from_f64(*value)
            .map_or_else(|| value.to_string(), |number| number.to_string()),
        other => other.kind().to_owned(),
    }
}

impl FromJson for String {
    const EXPECTED: &'static str = "a string";

    fn from_scalar(scalar: Scalar<'_>) -> Decoded<Self> {
        match scalar {
            Scalar::Str(text) => Ok(text.into_owned()),
            other => Err(mismatch::<Self>(other.kind())),
        }
    }
}

impl FromJson for i64 {
    const EMPTY_STRING_IS_ABSENT: bool = true;
    const EXPECTED: &'static str = "an integer";

    fn from_scalar(scalar: Scalar<'_>) -> Decoded<Self> {
        match scalar {
            Scalar::Int(value) => Ok(value),
            Scalar::Uint(value) => i64::try_from(value)
                .map_err(|_| DecodeError::new(format!("expected a 64-bit integer, got {value}"))),
            Scalar::Float(_) => Err(DecodeError::new(format!(
                "expected a 64-bit integer, got {}",
                number_text(&scalar)
            ))),
            Scalar::Str(text) => text.trim().parse().map_err(|_| {
                DecodeError::new(format!("expected an integer, got the string {text:?}"))
            }),
            other => Err(mismatch::<Self>(other.kind())),
        }
    }
}

impl FromJson for i32 {
    const EMPTY_STRING_IS_ABSENT: bool = true;
    const EXPECTED: &'static str = "an integer";

    fn from_scalar(scalar: Scalar<'_>) -> Decoded<Self> {
        let wide = i64::from_scalar(scalar)?;
        i32::try_from(wide)
            .map_err(|_| DecodeError::new(format!("expected a 32-bit integer, got {wide}")))
    }
}

impl FromJson for f64 {
    const EMPTY_STRING_IS_ABSENT: bool = true;
    const EXPECTED: &'static str = "a number";

    fn from_scalar(scalar: Scalar<'_>) -> Decoded<Self> {
        match scalar {
            Scalar::Int(value) => Ok(value as f64),
            Scalar::Uint(value) => Ok(value as f64),
            Scalar::Float(value) => Ok(value),
            Scalar::Str(text) => text.trim().parse().map_err(|_| {
                DecodeError::new(format!("expected a number, got the string {text:?}"))
            }),
            other => Err(mismatch::<Self>(other.kind())),
        }
    }
}

impl FromJson for bool {
    const EMPTY_STRING_IS_ABSENT: bool = true;
    const EXPECTED: &'static str = "a boolean";

    fn from_scalar(scalar: Scalar<'_>) -> Decoded<Self> {
        match scalar {
            Scalar::Bool(flag) => Ok(flag),
            Scalar::Str(text) => match text.trim().to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(DecodeError::new(format!(
                    "expected true or false, got the string {text:?}"
                ))),
            },
            other => Err(mismatch::<Self>(other.kind())),
        }
    }
}

/// Free-form members, kept as they were sent.
impl FromJson for Value {
    const EXPECTED: &'static str = "any JSON value";

    fn from_scalar(scalar: Scalar<'_>) -> Decoded<Self> {
        Ok(match scalar {
            Scalar::Null => Value::Null,
            Scalar::Bool(flag) => Value::Bool(flag),
            Scalar::Int(value) => Value::from(value),
            Scalar::Uint(value) => Value::from(value),
            // As serde_json's own reader does: a float that is not finite
            // (which JSON text cannot hold) is null.
            Scalar::Float(value) => serde_json::Number::from_f64(value)
                .map(Value::Number)
                .unwrap_or(Value::Null),
            Scalar::Str(text) => Value::String(text.into_owned()),
        })
    }

    fn from_object(object: &mut dyn MapSource<'_>) -> Decoded<Self> {
        let mut members = Map::new();
        while let Some(name) = object.next_name() {
            match object.json_value() {
                Some(value) => members.insert(name.into_owned(), value),
                None => break,
            };
        }
        Ok(Value::Object(members))
    }

    fn from_array(array: &mut dyn SeqSource<'_>) -> Decoded<Self> {
        let mut elements = Vec::new();
        while let Some(element) = array.json_element() {
            elements.push(element);
        }
        Ok(Value::Array(elements))
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    const EXPECTED: &'static str = "an array";

    fn from_array(array: &mut dyn SeqSource<'_>) -> Decoded<Self> {
        let mut elements = Vec::new();
        loop {
            let mut slot = Slot::<T>::new(false);
            if !array.read_element(&mut slot) {
                return Ok(elements);
            }
            match slot.result {
                Some(Ok(Some(element))) => elements.push(element),
                Some(Err(error)) => return Err(error.within_element(elements.len())),
                // Elements are never absent, and a broken text is the
                // reader's to report.
                Some(Ok(None)) | None => return Ok(elements),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{from_slice, DecodeError, Decoded, FromJson, MapSource, Object};
    use serde_json::{json, Map, Value};

    /// The four lenient scalars of one object, read as generated code
    /// reads them, with the members it does not declare.
    #[derive(Debug, Default, PartialEq)]
    struct Scalars {
        wide: Option<i64>,
        narrow: Option<i32>,
        real: Option<f64>,
        flag: Option<bool>,
        unknown_fields: Map<String, Value>,
    }

    impl FromJson for Scalars {
        fn from_object(source: &mut dyn MapSource<'_>) -> Decoded<Self> {
            let mut decoded = Scalars::default();
            let mut object = Object::new(source);
            while let Some(name) = object.next_name() {
                match &*name {
                    "wide" => object.read(&name, &mut decoded.wide),
                    "narrow" => object.read(&name, &mut decoded.narrow),
                    "real" => object.read(&name, &mut decoded.real),
                    "flag" => object.read(&name, &mut decoded.flag),
                    _ => object.unknown(name, &mut decoded.unknown_fields),
                }
            }
            object.finish(decoded)
        }
    }

    /// The four scalars of [`Scalars`].
    type Four = (Option<i64>, Option<i32>, Option<f64>, Option<bool>);

    /// Decodes from the text, and checks that decoding the parsed value
    /// gives the same.
    fn scalars(value: Value) -> Decoded<Four> {
        let text = value.to_string();
        let from_text = from_slice::<Scalars>(text.as_bytes()).expect("JSON");
        assert_eq!(from_text, Scalars::from_json(value), "{text}");
        from_text.map(|decoded| (decoded.wide, decoded.narrow, decoded.real, decoded.flag))
    }

    #[test]
    fn objects_report_the_first_member_that_does_not_decode() {
        let error = scalars(json!({"narrow": "y", "wide": "x", "flag": true}))
            .expect_err("two members are not numbers");
        assert_eq!(error.path(), "narrow");
        let error = scalars(json!({"narrow": [1], "flag": "maybe"})).expect_err("not a number");
        assert_eq!(error.path(), "flag");
        assert_eq!(
            error.to_string(),
            "flag: expected true or false, got the string \"maybe\""
        );
        let error = scalars(json!({"narrow": {"a": [1, {}]}})).expect_err("not a number");
        assert_eq!(
            error.to_string(),
            "narrow: expected an integer, found an object"
        );
        assert_eq!(
            scalars(json!([])).expect_err("not an object").to_string(),
            "expected an object, found an array"
        );
        assert_eq!(
            scalars(json!(null)).expect_err("not an object").to_string(),
            "expected an object, found null"
        );
    }

    #[test]
    fn objects_keep_the_members_not_declared() {
        let text = r#"{"wide": 1, "Extra": "kept", "Null": null, "Deep": {"a": [1, {"b": 2.5}]}}"#;
        let decoded = from_slice::<Scalars>(text.as_bytes())
            .expect("JSON")
            .expect("decodes");
        assert_eq!(decoded.wide, Some(1));
        let unknown = &decoded.unknown_fields;
        assert_eq!(unknown.get("Extra"), Some(&json!("kept")));
        assert_eq!(unknown.get("Null"), Some(&json!(null)));
        assert_eq!(unknown.get("Deep"), Some(&json!({"a": [1, {"b": 2.5}]})));
        assert_eq!(unknown.len(), 3);
    }

    #[test]
    fn numbers_and_strings_both_decode() {
        let sample = scalars(json!({"wide": "12", "narrow": 7, "real": "1.5", "flag": "TRUE"}));
        assert_eq!(sample, Ok((Some(12), Some(7), Some(1.5), Some(true))));
        let sample = scalars(json!({"wide": -3, "real": 2, "flag": false}));
        assert_eq!(sample, Ok((Some(-3), None, Some(2.0), Some(false))));
        let empty = scalars(json!({"wide": null, "narrow": "", "flag": " "}));
        assert_eq!(empty, Ok((None, None, None, None)));
    }

    #[test]
    fn out_of_range_and_garbage_are_errors() {
        assert!(scalars(json!({"narrow": "99999999999"})).is_err());
        let error = scalars(json!({"wide": 18446744073709551615u64})).expect_err("too large");
        assert!(error.to_string().contains("64-bit"), "{error}");
        let error = scalars(json!({"wide": 0.5})).expect_err("a fraction");
        assert_eq!(
            error.to_string(),
            "wide: expected a 64-bit integer, got 0.5"
        );
        assert!(scalars(json!({"flag": "yes"})).is_err());
        assert!(scalars(json!({"wide": [1]})).is_err());
    }

    /// The same four scalars as [`Scalars`], read the way generated
    /// structs read them: their names in byte order and their fields.
    #[derive(Debug, Default, PartialEq)]
    struct Listed {
        wide: Option<i64>,
        narrow: Option<i32>,
        real: Option<f64>,
        flag: Option<bool>,
        unknown_fields: Map<String, Value>,
    }

    impl FromJson for Listed {
        fn from_object(source: &mut dyn MapSource<'_>) -> Decoded<Self> {
            let mut decoded = Listed::default();
            let error = super::read_members(
                source,
                &["flag", "narrow", "real", "wide"],
                &mut [
                    &mut decoded.flag,
                    &mut decoded.narrow,
                    &mut decoded.real,
                    &mut decoded.wide,
                ],
                &mut decoded.unknown_fields,
            );
            super::finish(error, decoded)
        }
    }

    #[test]
    fn listed_members_decode_as_matched_members_do() {
        for text in [
            r#"{"wide": "12", "narrow": 7, "real": "1.5", "flag": "TRUE", "Extra": [1]}"#,
            r#"{"wide": 1, "wide": 2, "flag": null, "narrow": "", "real": 2}"#,
            r#"{"a": 1, "zz": {"b": null}, "flag": false}"#,
            r#"{"narrow": "y", "wide": "x"}"#,
            r#"{"narrow": [1], "flag": "maybe"}"#,
            r#"{}"#,
            r#"[]"#,
        ] {
            let listed = from_slice::<Listed>(text.as_bytes()).expect("JSON");
            let matched = from_slice::<Scalars>(text.as_bytes()).expect("JSON");
            match (listed, matched) {
                (Ok(listed), Ok(matched)) => {
                    let listed = (
                        listed.wide,
                        listed.narrow,
                        listed.real,
                        listed.flag,
                        listed.unknown_fields,
                    );
                    let matched = (
                        matched.wide,
                        matched.narrow,
                        matched.real,
                        matched.flag,
                        matched.unknown_fields,
                    );
                    assert_eq!(listed, matched, "{text}");
                }
                (Err(listed), Err(matched)) => assert_eq!(listed, matched, "{text}"),
                (listed, matched) => panic!("{text}: {listed:?} against {matched:?}"),
            }
        }
    }

    #[test]
    fn a_member_named_twice_keeps_its_last_value() {
        let text = r#"{"wide": 1, "wide": 2, "Extra": 1, "Extra": 3}"#;
        let decoded = from_slice::<Scalars>(text.as_bytes())
            .expect("JSON")
            .expect("decodes");
        assert_eq!(decoded.wide, Some(2));
        assert_eq!(decoded.unknown_fields.get("Extra"), Some(&json!(3)));
    }

    #[test]
    fn broken_text_is_the_readers_error_not_a_shape_error() {
        for text in [
            r#"{"wide": 1"#,
            r#"{"wide": }"#,
            r#"{"wide": "x", "narrow": ]"#,
            r#"{"Extra": [1, 2}"#,
            r#"{"wide": 1} trailing"#,
            "",
        ] {
            assert!(from_slice::<Scalars>(text.as_bytes()).is_err(), "{text}");
        }
    }

    #[test]
    fn text_that_is_not_utf8_is_the_readers_error() {
        let error = from_slice::<Scalars>(b"{\"Extra\": \"a\xffb\"}").expect_err("not UTF-8");
        assert!(error.to_string().contains("line 1"), "{error}");
        let decoded = from_slice::<Scalars>("{\"Extra\": \"été\"}".as_bytes())
            .expect("JSON")
            .expect("decodes");
        assert_eq!(decoded.unknown_fields.get("Extra"), Some(&json!("été")));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        // Undeclared members are kept as values: the reader's depth limit
        // holds for them as for any value.
        let deep = format!(
            r#"{{"Extra": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        assert!(from_slice::<Scalars>(deep.as_bytes()).is_err());
        // A member of the wrong shape is skipped without building it, so
        // its depth is no danger either: it is a shape error.
        let deep = format!(
            r#"{{"wide": {}{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let error = from_slice::<Scalars>(deep.as_bytes())
            .expect("JSON")
            .expect_err("not an integer");
        assert_eq!(
            error.to_string(),
            "wide: expected an integer, found an array"
        );
        // Within a declared member, the limit holds as well.
        let deep = format!(
            r#"{{"wide": {}{}}}"#,
            "{\"a\":".repeat(100_000),
            "}".repeat(100_000)
        );
        assert!(from_slice::<Scalars>(deep.as_bytes()).is_err());
        // Nesting within the limit is kept whole.
        let nested = format!(r#"{{"Extra": {}1{}}}"#, "[".repeat(100), "]".repeat(100));
        let decoded = from_slice::<Scalars>(nested.as_bytes())
            .expect("JSON")
            .expect("decodes");
        let mut value = &decoded.unknown_fields["Extra"];
        for _ in 0..100 {
            value = &value[0];
        }
        assert_eq!(value, &json!(1));
    }

    #[test]
    fn a_decode_error_names_its_path() {
        let error = DecodeError::new("bad")
            .within_member("Port")
            .within_element(2)
            .within_member("DBInstance")
            .within_member("Items");
        assert_eq!(error.path(), "Items.DBInstance[2].Port");
        assert_eq!(error.to_string(), "Items.DBInstance[2].Port: bad");
    }
}

#[cfg(test)]
mod from_json_tests {
    use super::{deserialize, from_slice, Decoded, FromJson, MapSource, Object};
    use serde_json::{json, Value};

    #[derive(Debug, Default, PartialEq)]
    struct Port {
        number: Option<i32>,
    }

    impl FromJson for Port {
        fn from_object(source: &mut dyn MapSource<'_>) -> Decoded<Self> {
            let mut decoded = Port::default();
            let mut object = Object::new(source);
            while let Some(name) = object.next_name() {
                if name == "Number" {
                    object.read(&name, &mut decoded.number);
                }
            }
            object.finish(decoded)
        }
    }

    #[derive(Debug, Default, PartialEq)]
    struct Sample {
        name: Option<String>,
        wide: Option<i64>,
        real: Option<f64>,
        flag: Option<bool>,
        ports: Option<Vec<Port>>,
        names: Option<Vec<String>>,
        free: Option<Value>,
    }

    impl FromJson for Sample {
        fn from_object(source: &mut dyn MapSource<'_>) -> Decoded<Self> {
            let mut decoded = Sample::default();
            let mut object = Object::new(source);
            while let Some(name) = object.next_name() {
                match &*name {
                    "Name" => object.read(&name, &mut decoded.name),
                    "Wide" => object.read(&name, &mut decoded.wide),
                    "Real" => object.read(&name, &mut decoded.real),
                    "Flag" => object.read(&name, &mut decoded.flag),
                    "Ports" => object.read(&name, &mut decoded.ports),
                    "Names" => object.read(&name, &mut decoded.names),
                    "Free" => object.read(&name, &mut decoded.free),
                    // Not kept: this test type has no `unknown_fields`.
                    _ => {}
                }
            }
            object.finish(decoded)
        }
    }

    impl<'de> serde::Deserialize<'de> for Sample {
        fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserialize(deserializer)
        }
    }

    /// Decodes the text, and checks that the parsed value and serde give
    /// the same.
    fn sample(value: Value) -> Decoded<Sample> {
        let text = value.to_string();
        let decoded = from_slice::<Sample>(text.as_bytes()).expect("JSON");
        assert_eq!(decoded, Sample::from_json(value.clone()), "{text}");
        assert_eq!(
            decoded.as_ref().ok(),
            serde_json::from_value::<Sample>(value).ok().as_ref(),
            "{text}"
        );
        decoded
    }

    #[test]
    fn members_decode_leniently_and_unknown_ones_are_skipped() {
        let sample: Sample = serde_json::from_str(
            r#"{"Name":"a\"b","Wide":"12","Real":1,"Flag":"TRUE","Ports":[{"Number":"5432"},{}],"Free":{"x":[1]},"Other":{"y":[2,{"z":null}]}}"#,
        )
        .unwrap();
        assert_eq!(
            sample,
            Sample {
                name: Some("a\"b".into()),
                wide: Some(12),
                real: Some(1.0),
                flag: Some(true),
                ports: Some(vec![Port { number: Some(5432) }, Port { number: None }]),
                names: None,
                free: Some(json!({"x": [1]})),
            }
        );
    }

    #[test]
    fn absent_null_and_empty_lenient_members_are_none() {
        let decoded = sample(json!({"Name": null, "Wide": "", "Flag": " ", "Free": null})).unwrap();
        assert_eq!(decoded, Sample::default());
        // An empty string is a string, not an absent one.
        let named = sample(json!({"Name": ""})).unwrap();
        assert_eq!(named.name, Some(String::new()));
        // In a list, null is not an absent element.
        let error = sample(json!({"Names": ["a", null]})).unwrap_err();
        assert_eq!(error.to_string(), "Names[1]: expected a string, found null");
        let free = sample(json!({"Free": [null, ""]})).unwrap();
        assert_eq!(free.free, Some(json!([null, ""])));
    }

    #[test]
    fn wrong_shapes_are_errors_that_say_where() {
        let error = sample(json!({"Ports": [{}, {"Number": "x"}]})).unwrap_err();
        assert_eq!(error.path(), "Ports[1].Number");
        assert!(error.to_string().contains("expected an integer"), "{error}");
        let error = sample(json!({"Ports": [{"Number": 99999999999i64}]})).unwrap_err();
        assert!(error.to_string().contains("32-bit"), "{error}");
        let error = sample(json!({"Ports": [{}, [], {}]})).unwrap_err();
        assert_eq!(
            error.to_string(),
            "Ports[1]: expected an object, found an array"
        );
        assert!(sample(json!({"Name": 5})).is_err());
        assert!(sample(json!({"Flag": "yes"})).is_err());
        assert!(sample(json!({"Ports": {}})).is_err());
        assert!(sample(json!([])).is_err());
        assert!(serde_json::from_str::<Sample>(r#"{"Wide":[1]}"#).is_err());
    }
}
