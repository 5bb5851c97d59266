//! The input side: Alibaba Cloud's OpenAPI Explorer `api-docs` document.
//!
//! Only the keys the importer uses are modelled; the document carries many
//! more (`extraInfo`, `staticInfo`, `security`...) that the spec format has no
//! place for, so unknown keys are ignored here, unlike in spec files.
//!
//! JSON objects whose key order carries meaning (response properties are
//! listed in documentation order, error tables by status) are read into
//! [`OrderedMap`], because `serde_json::Map` sorts its keys unless the
//! workspace-wide `preserve_order` feature is switched on.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

/// The whole document: `{version, info, directories, components, apis, endpoints}`.
#[derive(Debug, Deserialize)]
pub struct ApiDocs {
    /// Which product, version and API style the document describes.
    #[serde(default)]
    pub info: Option<Info>,
    /// Every operation, keyed by action name, in document order.
    pub apis: OrderedMap<Api>,
    /// The documentation's table of contents: sections of operations.
    #[serde(default)]
    pub directories: Vec<DirectoryEntry>,
}

/// An entry of the table of contents: an operation's name, or a section.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum DirectoryEntry {
    /// An operation, by action name.
    Operation(String),
    /// A section, possibly holding sections of its own.
    Directory(Directory),
}

/// A section of the table of contents.
#[derive(Debug, Deserialize)]
pub struct Directory {
    /// The section's title; a few sections have none.
    #[serde(default)]
    pub title: Option<String>,
    /// Its operations and subsections, in documentation order.
    #[serde(default)]
    pub children: Vec<DirectoryEntry>,
}

/// `info`: which product and version the document describes.
#[derive(Debug, Deserialize)]
pub struct Info {
    /// The API style, `RPC` for RDS.
    #[serde(default)]
    pub style: Option<String>,
    /// The product code, `Rds`.
    #[serde(default)]
    pub product: Option<String>,
    /// The API version, `2014-08-15`.
    #[serde(default)]
    pub version: Option<String>,
}

/// One entry of `apis`, keyed by the action name.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Api {
    /// The page title; mostly the action name itself.
    #[serde(default)]
    pub title: Option<String>,
    /// The one-sentence summary.
    #[serde(default)]
    pub summary: Option<String>,
    /// The page's description, in Markdown.
    #[serde(default)]
    pub description: Option<String>,
    /// The allowed HTTP methods, lower-case (`post`, `get`).
    #[serde(default)]
    pub methods: Vec<String>,
    /// Whether the operation is deprecated; absent means not.
    #[serde(default)]
    pub deprecated: Option<bool>,
    /// Classification tags, among them `operationType`.
    #[serde(default)]
    pub system_tags: Option<SystemTags>,
    /// The request parameters, in documentation order.
    #[serde(default)]
    pub parameters: Vec<ApiParameter>,
    /// The responses, keyed by HTTP status.
    #[serde(default)]
    pub responses: OrderedMap<ApiResponse>,
    /// The error table, grouped by HTTP status.
    #[serde(default)]
    pub error_codes: OrderedMap<Vec<ApiErrorCode>>,
    /// A JSON array, itself encoded as a string, of `{type, example, errorExample}`.
    #[serde(default)]
    pub response_demo: Option<String>,
}

/// `systemTags`: how the documentation classifies the operation.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemTags {
    /// `get`, `list`, `create`, `update`, `delete` or `none`.
    #[serde(default)]
    pub operation_type: Option<String>,
}

/// A request parameter: where it goes, how it is laid out, and its schema.
#[derive(Debug, Deserialize)]
pub struct ApiParameter {
    /// The wire name.
    pub name: String,
    /// `in`: `query`, `formData` or `body`.
    #[serde(rename = "in")]
    pub location: String,
    /// `repeatList`, `json`, `flat` or `simple`; absent means flat.
    #[serde(default)]
    pub style: Option<String>,
    /// Whether the parameter is deprecated (also possible on the schema).
    #[serde(default)]
    pub deprecated: Option<bool>,
    /// The parameter's type and documentation.
    pub schema: Schema,
}

/// A response keyed by HTTP status. `DescribeClassDetails` documents a `201`
/// without a schema, so the schema is optional.
#[derive(Debug, Default, Deserialize)]
pub struct ApiResponse {
    /// The body's schema, an object for RDS.
    #[serde(default)]
    pub schema: Option<Schema>,
}

/// An OpenAPI-like schema node, the same shape for parameters, response
/// bodies, properties and array items.
#[derive(Debug, Deserialize)]
pub struct Schema {
    /// `string`, `integer`, `number`, `boolean`, `object`, `array` or `any`.
    #[serde(rename = "type", default)]
    pub type_name: Option<String>,
    /// Refines the type: `int32`, `int64`, `double`, `float`, `byte`...
    #[serde(default)]
    pub format: Option<String>,
    /// The documentation, with a trailing newline.
    #[serde(default)]
    pub description: Option<String>,
    /// Mostly strings, but nothing in the format forbids numbers or booleans.
    #[serde(default)]
    pub example: Option<Value>,
    /// Whether a parameter is required (meaningless on response fields).
    #[serde(default)]
    pub required: Option<bool>,
    /// Whether the parameter or field is deprecated.
    #[serde(default)]
    pub deprecated: Option<bool>,
    /// An object's properties, in document order.
    #[serde(default)]
    pub properties: Option<OrderedMap<Schema>>,
    /// An array's element schema.
    #[serde(default)]
    pub items: Option<Box<Schema>>,
    /// The documented values.
    #[serde(rename = "enum", default)]
    pub enum_values: Option<Vec<Value>>,
}

/// A row of `errorCodes.<status>[]`. The metadata has no description column.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorCode {
    /// The code the service answers, e.g. `InvalidDBInstanceName.NotFound`.
    pub error_code: String,
    /// The message the service answers with the code.
    #[serde(default)]
    pub error_message: String,
}

/// One entry of the decoded `responseDemo` array.
#[derive(Debug, Deserialize)]
pub struct ResponseDemo {
    /// `json` or `xml`.
    #[serde(rename = "type", default)]
    pub format: String,
    /// The sample body, verbatim.
    #[serde(default)]
    pub example: String,
}

/// A JSON object read as a list of entries in document order.
#[derive(Debug)]
pub struct OrderedMap<T>(pub Vec<(String, T)>);

impl<T> Default for OrderedMap<T> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<T> OrderedMap<T> {
    /// The value of the first entry named `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0
            .iter()
            .find(|(entry_key, _)| entry_key == key)
            .map(|(_, value)| value)
    }

    /// The entries, in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(key, value)| (key.as_str(), value))
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the object has no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedMapVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedMapVisitor<T> {
            type Value = OrderedMap<T>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some((key, value)) = map.next_entry::<String, T>()? {
                    entries.push((key, value));
                }
                Ok(OrderedMap(entries))
            }
        }

        deserializer.deserialize_map(OrderedMapVisitor(PhantomData))
    }
}

/// Renders an `example` or `enum` value as the spec format's string.
pub fn value_to_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
