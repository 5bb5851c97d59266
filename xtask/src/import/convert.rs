//! Converts one api-docs operation into an [`OperationSpec`].
//!
//! The mapping, shape by shape (spec/README.md is the target):
//!
//! - `type`/`format`: `string` (any format, e.g. `byte`) → `string`;
//!   `integer` + `int32` → `int32`, `integer` + `int64` or no format → `int64`
//!   (the wider type never truncates); `number` (`double`, `float` or none) →
//!   `number`; `boolean` → `boolean`; `array` → `array` with `items`
//!   (`any` items when the metadata gives none); `object` with properties →
//!   `object` with `fields`, `object` without properties and `any` → `any`
//!   (free-form JSON the documentation does not describe).
//! - `enum` is kept on strings. The spec format has no enums on other types,
//!   so integer enums are dropped; their values stay in the description.
//! - `style`: none or `flat` → flat (the default, not written);
//!   `repeatList` → `repeatList`; `json` → `json`. `simple` (the official
//!   SDKs join the list with commas into one value) has no spec style: such a
//!   list of scalars becomes one `string` parameter, which is exactly what
//!   goes on the wire, and its description says to join the values.
//! - `in`: `query` → the parameter's default location; `formData` and
//!   `body` → `location: formData`, the form-encoded body, where Alibaba's
//!   SDKs send them. The operation's `parameterLocation` is `formData` when
//!   any parameter is.
//! - `methods`: POST when allowed, as the official SDKs do; else GET.
//! - `systemTags.operationType` → `idempotency`, see [`is_idempotent`].
//! - Descriptions lose the trailing newlines the metadata appends; empty
//!   descriptions and examples are left out.
//! - `responseDemo`: the `json` entry's example → `sampleResponse`, verbatim.
//! - `errorCodes` (grouped by HTTP status, in document order) → `errors`,
//!   without descriptions: the metadata has none ([`super::merge`] keeps
//!   those of an existing spec). Codes are trimmed of stray whitespace.
//! - A parameter listed twice is folded into one (see
//!   `fold_duplicate_parameter`).

use std::path::Path;

use super::api_docs::{value_to_text, Api, ApiParameter, ResponseDemo, Schema};
use super::error::{json_pointer, ImportError};
use crate::spec::model::{
    ApiStyle, ErrorRow, Field, HttpMethod, IdempotencySpec, ItemType, OperationSpec, Parameter,
    ParameterLocation, ParameterStyle, RequestSpec, ResponseFormat, ResponseSpec, TypeName,
};

/// The `$schema` reference written into new operation files, relative to
/// `spec/<product>/<version>/operations/`.
pub const OPERATION_SCHEMA_REFERENCE: &str = "../../../schema/operation.schema.json";

/// The type keys of a converted schema node, before they are spread over the
/// parameter, field or array item that owns them.
struct TypeParts {
    type_name: TypeName,
    enum_values: Option<Vec<String>>,
    fields: Option<Vec<Field>>,
    items: Option<Box<ItemType>>,
}

impl TypeParts {
    fn simple(type_name: TypeName) -> TypeParts {
        TypeParts {
            type_name,
            enum_values: None,
            fields: None,
            items: None,
        }
    }
}

/// Where the operation being converted sits, for error messages.
struct Context<'a> {
    file: &'a Path,
    operation: &'a str,
}

impl Context<'_> {
    fn unsupported(&self, json_path: &[String], message: impl Into<String>) -> ImportError {
        let mut segments = vec!["apis", self.operation];
        segments.extend(json_path.iter().map(String::as_str));
        ImportError::Unsupported {
            path: self.file.to_path_buf(),
            operation: self.operation.to_string(),
            json_path: json_pointer(segments),
            message: message.into(),
        }
    }
}

/// Converts the api-docs entry `api` of action `name`, read from `file`.
///
/// Facts the metadata lacks (error descriptions, `documentation`, `engines`)
/// are absent from the result; an empty title falls back to the action name
/// only after [`super::merge`] had the chance to keep an existing one.
pub fn convert_operation(file: &Path, name: &str, api: &Api) -> Result<OperationSpec, ImportError> {
    let context = Context {
        file,
        operation: name,
    };
    let mut parameters: Vec<Parameter> = Vec::with_capacity(api.parameters.len());
    for (index, api_parameter) in api.parameters.iter().enumerate() {
        let parameter = convert_parameter(&context, index, api_parameter)?;
        match parameters
            .iter_mut()
            .find(|first| first.name == parameter.name)
        {
            Some(first) => fold_duplicate_parameter(&context, index, first, parameter)?,
            None => parameters.push(parameter),
        }
    }
    let any_form_parameter = api
        .parameters
        .iter()
        .any(|parameter| parameter.location != "query");
    let operation_type = api
        .system_tags
        .as_ref()
        .and_then(|tags| tags.operation_type.clone())
        .unwrap_or_else(|| "none".to_string());
    let idempotent = is_idempotent(&operation_type, name);

    Ok(OperationSpec {
        schema: Some(OPERATION_SCHEMA_REFERENCE.to_string()),
        name: name.to_string(),
        rust_name: None,
        // The caller knows which document the entry came from.
        source: None,
        title: clean_text(api.title.as_deref()).unwrap_or_default(),
        summary: clean_text(api.summary.as_deref()).unwrap_or_default(),
        description: clean_text(api.description.as_deref()),
        documentation: None,
        engines: None,
        deprecated: Some(api.deprecated.unwrap_or(false)),
        request: RequestSpec {
            style: ApiStyle::Rpc,
            method: choose_method(&context, &api.methods)?,
            pathname: "/".to_string(),
            parameter_location: if any_form_parameter {
                ParameterLocation::FormData
            } else {
                ParameterLocation::Query
            },
            response_format: ResponseFormat::Json,
        },
        idempotency: IdempotencySpec {
            operation_type,
            idempotent,
        },
        parameters,
        response: convert_response(&context, api)?,
        sample_response: sample_response(&context, api.response_demo.as_deref())?,
        sample_response_synthesized: None,
        errors: convert_errors(&context, api)?,
        // The metadata has no waiters; merging keeps those of an existing spec.
        pagination: None,
        waiters: None,
    })
}

/// Whether the runtime may resend the operation after an ambiguous failure.
///
/// The rule: an operation tagged `get` or `list` is idempotent, unless its
/// action name starts with a verb that creates or changes something. The
/// metadata tags a few writes `get` (`ConfirmNotify`,
/// `CreateOrderForDeleteDBNodes`, `UpgradeDBInstanceMajorVersionPrecheck`),
/// and resending a write is worse than not retrying a read. An operation
/// tagged `none` or not tagged at all is idempotent only when its name starts
/// with a read verb (`DescribeComputeBurstConfig` is tagged `none`).
/// Everything else (`create`, `update`, `delete`, unknown tags) is not.
pub fn is_idempotent(operation_type: &str, action_name: &str) -> bool {
    const WRITE_VERBS: &[&str] = &["Create", "Delete", "Modify", "Update", "Confirm", "Upgrade"];
    const READ_VERBS: &[&str] = &["Describe", "List", "Query", "Get", "Check"];
    let verb = first_word(action_name);
    match operation_type {
        "get" | "list" => !WRITE_VERBS.contains(&verb),
        "none" | "" => READ_VERBS.contains(&verb),
        _ => false,
    }
}

/// The leading PascalCase word: `DescribeRegions` → `Describe`.
fn first_word(action_name: &str) -> &str {
    let end = action_name
        .char_indices()
        .skip(1)
        .find(|(_, character)| character.is_ascii_uppercase())
        .map_or(action_name.len(), |(index, _)| index);
    &action_name[..end]
}

fn choose_method(context: &Context<'_>, methods: &[String]) -> Result<HttpMethod, ImportError> {
    let allows = |wanted: &str| {
        methods
            .iter()
            .any(|method| method.eq_ignore_ascii_case(wanted))
    };
    if allows("post") {
        Ok(HttpMethod::Post)
    } else if allows("get") {
        Ok(HttpMethod::Get)
    } else {
        Err(context.unsupported(
            &["methods".to_string()],
            format!("no POST or GET among the allowed methods {methods:?}"),
        ))
    }
}

fn convert_parameter(
    context: &Context<'_>,
    index: usize,
    parameter: &ApiParameter,
) -> Result<Parameter, ImportError> {
    let path = vec!["parameters".to_string(), index.to_string()];
    let location = match parameter.location.as_str() {
        "query" => None,
        "formData" | "body" => Some(ParameterLocation::FormData),
        other => {
            return Err(context.unsupported(
                &child(&path, "in"),
                format!(
                    "unknown parameter location \"{other}\" (expected query, formData or body)"
                ),
            ))
        }
    };
    let schema_path = child(&path, "schema");
    let mut description = clean_text(parameter.schema.description.as_deref());
    let mut example = example_text(&parameter.schema);
    let (parts, style) = match parameter.style.as_deref() {
        None | Some("flat") => (
            convert_type(context, &parameter.schema, &schema_path)?,
            None,
        ),
        Some("repeatList") => (
            convert_type(context, &parameter.schema, &schema_path)?,
            Some(ParameterStyle::RepeatList),
        ),
        Some("json") => (
            convert_type(context, &parameter.schema, &schema_path)?,
            Some(ParameterStyle::Json),
        ),
        Some("simple") => {
            let parts = convert_type(context, &parameter.schema, &schema_path)?;
            let scalar_items = parts.type_name == TypeName::Array
                && parts.items.as_ref().is_some_and(|items| {
                    !matches!(
                        items.type_name,
                        TypeName::Object | TypeName::Array | TypeName::Any
                    )
                });
            if !scalar_items {
                return Err(context.unsupported(
                    &child(&path, "style"),
                    "style \"simple\" is only supported on lists of scalars",
                ));
            }
            let note = "Separate multiple values with commas (,).";
            description = Some(match description {
                Some(text) => format!("{text}\n\n{note}"),
                None => note.to_string(),
            });
            // The list's own example is rarely given; one element's is.
            if example.is_none() {
                example = parameter.schema.items.as_deref().and_then(example_text);
            }
            (TypeParts::simple(TypeName::String), None)
        }
        Some(other) => {
            return Err(context.unsupported(
                &child(&path, "style"),
                format!(
                "unknown parameter style \"{other}\" (expected flat, repeatList, json or simple)"
            ),
            ))
        }
    };
    let deprecated =
        parameter.deprecated.unwrap_or(false) || parameter.schema.deprecated.unwrap_or(false);
    Ok(Parameter {
        name: parameter.name.clone(),
        rust_name: None,
        type_name: parts.type_name,
        required: parameter.schema.required.unwrap_or(false),
        style,
        location,
        description,
        example,
        deprecated: deprecated.then_some(true),
        sensitive: None,
        enum_values: parts.enum_values,
        rust_type: None,
        fields: parts.fields,
        items: parts.items,
    })
}

/// Folds a parameter the metadata lists a second time into the first.
///
/// A few operations list one parameter twice, identical but for `required`
/// (`DescribeDBInstanceDetail` has `DBInstanceId` required and optional);
/// the wire carries it once, so it is one parameter, required if either
/// listing says so. Listings of different types cannot be folded.
fn fold_duplicate_parameter(
    context: &Context<'_>,
    index: usize,
    first: &mut Parameter,
    duplicate: Parameter,
) -> Result<(), ImportError> {
    if first.type_name != duplicate.type_name || first.style != duplicate.style {
        return Err(context.unsupported(
            &["parameters".to_string(), index.to_string()],
            format!(
                "parameter \"{}\" is listed twice with different types or styles",
                duplicate.name
            ),
        ));
    }
    first.required |= duplicate.required;
    if first.description.is_none() {
        first.description = duplicate.description;
    }
    if first.example.is_none() {
        first.example = duplicate.example;
    }
    Ok(())
}

/// Converts a schema node to the spec's inline type, recursing into object
/// properties and array items. `path` is relative to the operation.
fn convert_type(
    context: &Context<'_>,
    schema: &Schema,
    path: &[String],
) -> Result<TypeParts, ImportError> {
    let at = |key: &str| child(path, key);
    let Some(type_name) = schema.type_name.as_deref() else {
        return Err(context.unsupported(path, "schema has no \"type\""));
    };
    let format = schema.format.as_deref();
    let parts = match type_name {
        "string" => TypeParts {
            enum_values: schema
                .enum_values
                .as_ref()
                .filter(|values| !values.is_empty())
                .map(|values| values.iter().map(value_to_text).collect()),
            ..TypeParts::simple(TypeName::String)
        },
        "integer" => match format {
            Some("int32") => TypeParts::simple(TypeName::Int32),
            Some("int64") | None => TypeParts::simple(TypeName::Int64),
            Some(other) => {
                return Err(context.unsupported(
                    &at("format"),
                    format!("unknown integer format \"{other}\" (expected int32 or int64)"),
                ))
            }
        },
        "number" => match format {
            Some("double") | Some("float") | None => TypeParts::simple(TypeName::Number),
            Some(other) => {
                return Err(context.unsupported(
                    &at("format"),
                    format!("unknown number format \"{other}\" (expected double or float)"),
                ))
            }
        },
        "boolean" => TypeParts::simple(TypeName::Boolean),
        "any" => TypeParts::simple(TypeName::Any),
        "object" => match &schema.properties {
            Some(properties) if !properties.is_empty() => {
                let properties_path = at("properties");
                let fields = properties
                    .iter()
                    .map(|(name, property)| {
                        let property_path = child(&properties_path, name);
                        convert_field(context, name, property, &property_path)
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                TypeParts {
                    fields: Some(fields),
                    ..TypeParts::simple(TypeName::Object)
                }
            }
            _ => TypeParts::simple(TypeName::Any),
        },
        "array" => {
            let items = match &schema.items {
                Some(items) => item_type(
                    convert_type(context, items, &at("items"))?,
                    clean_text(items.description.as_deref()),
                ),
                None => item_type(TypeParts::simple(TypeName::Any), None),
            };
            TypeParts {
                items: Some(Box::new(items)),
                ..TypeParts::simple(TypeName::Array)
            }
        }
        other => {
            return Err(context.unsupported(
                &at("type"),
                format!(
                    "unknown type \"{other}\" (expected string, integer, number, boolean, \
                     object, array or any)"
                ),
            ))
        }
    };
    Ok(parts)
}

fn convert_field(
    context: &Context<'_>,
    name: &str,
    schema: &Schema,
    path: &[String],
) -> Result<Field, ImportError> {
    let parts = convert_type(context, schema, path)?;
    Ok(Field {
        name: name.to_string(),
        rust_name: None,
        type_name: parts.type_name,
        description: clean_text(schema.description.as_deref()),
        example: example_text(schema),
        deprecated: schema.deprecated.unwrap_or(false).then_some(true),
        sensitive: None,
        enum_values: parts.enum_values,
        rust_type: None,
        fields: parts.fields,
        items: parts.items,
    })
}

fn item_type(parts: TypeParts, description: Option<String>) -> ItemType {
    ItemType {
        type_name: parts.type_name,
        description,
        enum_values: parts.enum_values,
        fields: parts.fields,
        rust_type: None,
        items: parts.items,
    }
}

/// The success body: the `200` response, or else the first `2xx` one that
/// has a schema. An operation documenting no body gets no fields.
fn convert_response(context: &Context<'_>, api: &Api) -> Result<ResponseSpec, ImportError> {
    let success = api
        .responses
        .get("200")
        .and_then(|response| response.schema.as_ref().map(|schema| ("200", schema)))
        .or_else(|| {
            api.responses.iter().find_map(|(status, response)| {
                let schema = response.schema.as_ref()?;
                status.starts_with('2').then_some((status, schema))
            })
        });
    let Some((status, schema)) = success else {
        return Ok(ResponseSpec {
            description: None,
            fields: Vec::new(),
        });
    };
    let path = vec![
        "responses".to_string(),
        status.to_string(),
        "schema".to_string(),
    ];
    let parts = convert_type(context, schema, &path)?;
    let fields = match parts.type_name {
        TypeName::Object => parts.fields.unwrap_or_default(),
        // An object without documented properties: nothing to type.
        TypeName::Any if schema.type_name.as_deref() == Some("object") => Vec::new(),
        other => {
            return Err(context.unsupported(
                &path,
                format!(
                    "the success body is of type {}, but the spec format needs an object",
                    other.as_str()
                ),
            ))
        }
    };
    Ok(ResponseSpec {
        description: clean_text(schema.description.as_deref()),
        fields,
    })
}

fn sample_response(
    context: &Context<'_>,
    response_demo: Option<&str>,
) -> Result<Option<String>, ImportError> {
    let Some(text) = response_demo.filter(|text| !text.trim().is_empty()) else {
        return Ok(None);
    };
    let demos: Vec<ResponseDemo> = serde_json::from_str(text).map_err(|error| {
        context.unsupported(
            &["responseDemo".to_string()],
            format!("not a JSON array of {{type, example}} entries: {error}"),
        )
    })?;
    Ok(demos
        .into_iter()
        .find(|demo| demo.format.eq_ignore_ascii_case("json") && !demo.example.is_empty())
        .map(|demo| demo.example))
}

fn convert_errors(context: &Context<'_>, api: &Api) -> Result<Vec<ErrorRow>, ImportError> {
    let mut rows = Vec::new();
    for (status, entries) in api.error_codes.iter() {
        let http_status = status
            .parse::<u16>()
            .ok()
            .filter(|value| (100..=599).contains(value))
            .ok_or_else(|| {
                context.unsupported(
                    &["errorCodes".to_string(), status.to_string()],
                    format!("\"{status}\" is not an HTTP status code"),
                )
            })?;
        for entry in entries {
            rows.push(ErrorRow {
                http_status,
                // Codes never contain whitespace; the metadata has at least
                // one stray tab (`HostInfo.NotFound\t`), which would make it
                // a second code deriving the same variant name.
                code: entry.error_code.trim().to_string(),
                message: entry.error_message.trim_end_matches('\n').to_string(),
                description: None,
                rust_name: None,
            });
        }
    }
    Ok(rows)
}

/// The path of `key` below `path`.
fn child(path: &[String], key: &str) -> Vec<String> {
    let mut child = path.to_vec();
    child.push(key.to_string());
    child
}

fn example_text(schema: &Schema) -> Option<String> {
    schema
        .example
        .as_ref()
        .map(value_to_text)
        .filter(|text| !text.is_empty())
}

/// Strips the trailing newlines the metadata appends to every text; an empty
/// text means none.
fn clean_text(text: Option<&str>) -> Option<String> {
    let text = text?.trim_end_matches(['\n', '\r']);
    (!text.trim().is_empty()).then(|| text.to_string())
}
