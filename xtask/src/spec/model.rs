//! The typed mirror of the spec JSON files.
//!
//! These structs follow `spec/README.md` field for field and reject unknown
//! fields, so deserializing a file is the first half of validating it (the
//! second half, in [`super::validate`], checks what a JSON Schema cannot say
//! well: duplicates, file names, and the Rust names the generator will
//! derive). They also implement `Serialize`, so a tool that writes specs
//! (such as `cargo xtask import`) can build them in Rust and print them back
//! in the same shape.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The contents of a `product.json` file: facts shared by all operations.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProductSpec {
    /// The relative path of the JSON Schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Alibaba Cloud's product code, for example `Rds`.
    pub code: String,
    /// The human-readable product name.
    pub name: String,
    /// The API version, for example `2014-08-15`.
    pub version: String,
    /// The API style; only `RPC` exists.
    pub style: ApiStyle,
    /// Where requests go.
    pub endpoints: Endpoints,
    /// Errors the API gateway may answer for any operation.
    pub gateway_errors: Vec<GatewayErrorRow>,
    /// Named sets of operations, each becoming a cargo feature of the
    /// generated crates that enables them all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature_groups: Vec<FeatureGroup>,
}

/// A named set of operations that users enable together, such as the
/// operations of one workflow: a cargo feature of the generated crates.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FeatureGroup {
    /// The cargo feature's name, kebab-case, for example `cloud-migration`.
    pub name: String,
    /// What the group is for, written above the feature in `Cargo.toml`.
    pub description: String,
    /// The action names of its operations.
    pub operations: Vec<String>,
}

/// The API style of a product or an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum ApiStyle {
    /// Remote-procedure-call style: every request names an `Action`.
    #[serde(rename = "RPC")]
    Rpc,
}

/// The endpoint section of `product.json`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Endpoints {
    /// Where the region map comes from.
    pub source: String,
    /// Host templates for regions the map lacks.
    pub rule: EndpointRule,
    /// The region map, looked up before the rule.
    pub regions: Vec<RegionEndpoint>,
}

/// Host templates, with `{region_id}` standing for the region.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EndpointRule {
    /// The public host template.
    pub public: String,
    /// The host template used from inside a VPC.
    pub vpc: String,
}

/// One row of the region map.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RegionEndpoint {
    /// The region identifier, for example `cn-hangzhou`.
    pub region_id: String,
    /// The host name for that region.
    pub endpoint: String,
}

/// An error the API gateway may answer for any operation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GatewayErrorRow {
    /// The documented HTTP status.
    pub http_status: u16,
    /// The exact, case-sensitive code.
    pub code: String,
    /// The documented message.
    pub message: String,
    /// What the error means and what to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `true` when the error proves the request never ran.
    pub refused_before_execution: bool,
    /// `true` when a later attempt may succeed.
    pub retryable: bool,
}

/// The contents of one `operations/<Name>.json` file.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OperationSpec {
    /// The relative path of the JSON Schema, for editors.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The action name on the wire, PascalCase; equal to the file name.
    pub name: String,
    /// Overrides the snake_case method and module name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// Which metadata the spec was imported from; absent in a spec written
    /// by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<OperationSource>,
    /// The documentation page's title.
    pub title: String,
    /// The one-sentence summary, first line of the rustdoc.
    pub summary: String,
    /// The documentation page's description, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Other facts of the documentation page, carried but not generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<Documentation>,
    /// The database engines the operation supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engines: Option<Vec<String>>,
    /// Whether the operation is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// How the official SDKs send the request.
    pub request: RequestSpec,
    /// Whether running the operation twice is harmless.
    pub idempotency: IdempotencySpec,
    /// The request parameters, in documentation order.
    pub parameters: Vec<Parameter>,
    /// The success body.
    pub response: ResponseSpec,
    /// The documented sample body, verbatim, or one synthesized from the
    /// response fields when the metadata has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_response: Option<String>,
    /// `true` when `sample_response` was synthesized from the response
    /// fields rather than documented by Alibaba.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_response_synthesized: Option<bool>,
    /// The documented error table, every row, in documentation order.
    pub errors: Vec<ErrorRow>,
    /// How the operation pages its list, when it is paged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<super::pagination::PaginationSpec>,
    /// Waiters that poll this operation until a state; written by hand.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiters: Option<Vec<super::waiter::WaiterSpec>>,
}

impl OperationSpec {
    /// Whether the operation is marked deprecated.
    pub fn is_deprecated(&self) -> bool {
        self.deprecated.unwrap_or(false)
    }

    /// Whether only the official SDKs' metadata describes the operation:
    /// Alibaba publishes no reference page for it.
    pub fn is_sdk_only(&self) -> bool {
        self.source == Some(OperationSource::SdkMetadata)
    }

    /// Whether the sample response was synthesized by the importer rather
    /// than documented by Alibaba.
    pub fn has_synthesized_sample(&self) -> bool {
        self.sample_response_synthesized.unwrap_or(false)
    }
}

/// Which metadata an operation's spec was imported from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum OperationSource {
    /// Alibaba's OpenAPI Explorer `api-docs` document: the operation has a
    /// reference page, and the document gives its error table.
    #[serde(rename = "apiDocs")]
    ApiDocs,
    /// Only the metadata of Alibaba's official SDKs describes the
    /// operation: there is no reference page and no error table.
    #[serde(rename = "sdkMetadata")]
    SdkMetadata,
}

impl OperationSource {
    /// The name the spec files use.
    pub fn as_str(self) -> &'static str {
        match self {
            OperationSource::ApiDocs => "apiDocs",
            OperationSource::SdkMetadata => "sdkMetadata",
        }
    }
}

/// Facts of the documentation page that the generator does not use.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Documentation {
    /// The page's "last updated" date, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<String>,
    /// The page's debugging note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub debugging: Option<String>,
    /// The page's authorization note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<String>,
    /// Documents the page refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Vec<Reference>>,
    /// The text below the page's error table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_codes_footer: Option<String>,
    /// The page's change history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_history: Option<Vec<Change>>,
}

/// A document the page refers to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Reference {
    /// The referenced document's title.
    pub title: String,
    /// The note accompanying the reference.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One entry of the page's change history.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Change {
    /// When the change happened, verbatim.
    pub time: String,
    /// What changed.
    pub summary: String,
    /// The page's link label for the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
}

/// How the official SDKs send an operation's request.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RequestSpec {
    /// The API style; only `RPC` exists.
    pub style: ApiStyle,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The request path, `/` for RPC.
    pub pathname: String,
    /// Where the parameters travel: `formData` when any of them travels in
    /// the body (each parameter's own `location` says which).
    pub parameter_location: ParameterLocation,
    /// The response body format.
    pub response_format: ResponseFormat,
}

/// The HTTP method of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    /// `GET`.
    Get,
    /// `POST`.
    Post,
}

/// Where an operation's parameters travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParameterLocation {
    /// In the query string.
    Query,
    /// In a form-encoded body.
    FormData,
}

/// The response body format of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum ResponseFormat {
    /// A JSON body.
    #[serde(rename = "JSON")]
    Json,
}

/// Whether an operation may safely run twice.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IdempotencySpec {
    /// The metadata's `systemTags.operationType`.
    pub operation_type: String,
    /// `true` when a duplicate call is harmless.
    pub idempotent: bool,
}

/// The name of a type, the `type` key of a parameter, field or item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypeName {
    /// `string`: a Rust `String`.
    String,
    /// `int32`: a Rust `i32`.
    Int32,
    /// `int64`: a Rust `i64`.
    Int64,
    /// `boolean`: a Rust `bool`.
    Boolean,
    /// `number`: a Rust `f64`.
    Number,
    /// `object`: a generated struct.
    Object,
    /// `array`: a Rust `Vec`.
    Array,
    /// `any`: free-form JSON.
    Any,
}

impl TypeName {
    /// Every type name with its spelling in the spec.
    pub const ALL: [(TypeName, &'static str); 8] = [
        (TypeName::String, "string"),
        (TypeName::Int32, "int32"),
        (TypeName::Int64, "int64"),
        (TypeName::Boolean, "boolean"),
        (TypeName::Number, "number"),
        (TypeName::Object, "object"),
        (TypeName::Array, "array"),
        (TypeName::Any, "any"),
    ];

    /// The spelling of the type in the spec.
    pub fn as_str(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == self)
            .map_or("any", |(_, spelling)| spelling)
    }
}

impl<'de> Deserialize<'de> for TypeName {
    // Written by hand so that a typo reads `unknown type "strin"` with the
    // list of valid names, rather than serde's generic "unknown variant".
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spelling = String::deserialize(deserializer)?;
        TypeName::ALL
            .iter()
            .find(|(_, known)| *known == spelling)
            .map(|(name, _)| *name)
            .ok_or_else(|| {
                let expected: Vec<&str> = TypeName::ALL.iter().map(|(_, known)| *known).collect();
                serde::de::Error::custom(format!(
                    "unknown type {spelling:?}, expected one of {}",
                    expected.join(", ")
                ))
            })
    }
}

impl Serialize for TypeName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// How a parameter value is laid out on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum ParameterStyle {
    /// Scalars as `Name=value`, objects as `Name.Field=value`.
    #[default]
    Flat,
    /// Lists as `Name.1=a&Name.2=b`.
    RepeatList,
    /// The value serialized as one JSON string.
    Json,
}

/// The type keys shared by parameters, fields and array items, borrowed from
/// whichever of them carries them.
#[derive(Debug, Clone, Copy)]
pub struct TypeRef<'a> {
    /// The `type` key.
    pub name: TypeName,
    /// The documented values of a string (`enum`).
    pub enum_values: &'a [String],
    /// The fields of an object.
    pub fields: &'a [Field],
    /// The Rust name override of an object's struct.
    pub rust_type: Option<&'a str>,
    /// The element type of an array.
    pub items: Option<&'a ItemType>,
    /// Whether the spec has an `enum` key (possibly an empty list).
    pub declares_enum: bool,
    /// Whether the spec has a `fields` key (possibly an empty list).
    pub declares_fields: bool,
}

/// Anything that carries the type keys.
pub trait Typed {
    /// The type keys of this parameter, field or item.
    fn type_ref(&self) -> TypeRef<'_>;
}

/// Implements [`Typed`] for a struct holding the five type keys under their
/// usual names; the three holders differ only in their other keys.
macro_rules! impl_typed {
    ($holder:ty) => {
        impl Typed for $holder {
            fn type_ref(&self) -> TypeRef<'_> {
                TypeRef {
                    name: self.type_name,
                    enum_values: self.enum_values.as_deref().unwrap_or(&[]),
                    fields: self.fields.as_deref().unwrap_or(&[]),
                    rust_type: self.rust_type.as_deref(),
                    items: self.items.as_deref(),
                    declares_enum: self.enum_values.is_some(),
                    declares_fields: self.fields.is_some(),
                }
            }
        }
    };
}

/// One request parameter.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Parameter {
    /// The wire name.
    pub name: String,
    /// Overrides the snake_case field and setter name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// The `type` key.
    #[serde(rename = "type")]
    pub type_name: TypeName,
    /// Whether the service rejects a request without it.
    pub required: bool,
    /// How the value is laid out on the wire; `flat` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<ParameterStyle>,
    /// Where the value travels: the query string (when absent) or the
    /// form-encoded body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<ParameterLocation>,
    /// The documentation's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The documentation's example value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Whether the parameter is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// Whether the value is a secret that must never be printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<bool>,
    /// Documented values of a string.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<String>>,
    /// Fields of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<Field>>,
    /// Struct name override of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_type: Option<String>,
    /// Element type of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<ItemType>>,
}

impl_typed!(Parameter);

impl Parameter {
    /// The wire layout, `flat` when the spec leaves it out.
    pub fn style(&self) -> ParameterStyle {
        self.style.unwrap_or_default()
    }

    /// Where the value travels, the query string when the spec leaves it
    /// out.
    pub fn location(&self) -> ParameterLocation {
        self.location.unwrap_or(ParameterLocation::Query)
    }
}

/// One field of an object (a response field or a nested object's field).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Field {
    /// The wire name.
    pub name: String,
    /// Overrides the snake_case field name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
    /// The `type` key.
    #[serde(rename = "type")]
    pub type_name: TypeName,
    /// The documentation's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The documentation's example value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Whether the field is deprecated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// Whether the value is a secret that must never be printed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<bool>,
    /// Documented values of a string.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<String>>,
    /// Fields of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<Field>>,
    /// Struct name override of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_type: Option<String>,
    /// Element type of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<ItemType>>,
}

impl_typed!(Field);

/// One step of a response path: the field `name` among `available`, the
/// fields of `parent` (the field the path has reached, as its wire name
/// and type, or `None` at the response's top level). The waiters' and the
/// paginators' paths both walk the response with it, so they report a
/// wrong step in the same words.
pub fn field_step<'spec>(
    available: &'spec [Field],
    parent: Option<(&str, TypeName)>,
    name: &str,
) -> Result<&'spec Field, String> {
    if let Some((parent_name, parent_type)) = parent {
        if parent_type != TypeName::Object {
            return Err(format!(
                "`{parent_name}` is of type {:?}, which has no field {name:?}",
                parent_type.as_str()
            ));
        }
    }
    available
        .iter()
        .find(|field| field.name == name)
        .ok_or_else(|| {
            let known: Vec<&str> = available.iter().map(|field| field.name.as_str()).collect();
            format!(
                "the response has no field {name:?} here; the fields are: {}",
                known.join(", ")
            )
        })
}

/// The element type of an array: a type without a name of its own.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ItemType {
    /// The `type` key.
    #[serde(rename = "type")]
    pub type_name: TypeName,
    /// The documentation's description of one element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Documented values of a string.
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub enum_values: Option<Vec<String>>,
    /// Fields of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<Vec<Field>>,
    /// Struct name override of an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_type: Option<String>,
    /// Element type of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<Box<ItemType>>,
}

impl_typed!(ItemType);

/// The success body of an operation.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResponseSpec {
    /// The documentation's description of the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The top-level fields of the body.
    pub fields: Vec<Field>,
}

/// One row of an operation's documented error table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ErrorRow {
    /// The documented HTTP status.
    pub http_status: u16,
    /// The exact, case-sensitive code.
    pub code: String,
    /// The documented message, verbatim.
    pub message: String,
    /// The documented description; absent when the page shows `-`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Overrides the derived variant name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rust_name: Option<String>,
}

/// What makes two documented rows the same row: everything but the Rust
/// name. The generated crates store each distinct row once.
pub type ErrorRowKey<'spec> = (u16, &'spec str, &'spec str, Option<&'spec str>);

impl ErrorRow {
    /// The row's identity among the product's rows (see [`ErrorRowKey`]).
    pub fn key(&self) -> ErrorRowKey<'_> {
        (
            self.http_status,
            &self.code,
            &self.message,
            self.description.as_deref(),
        )
    }
}
