//! Emission of an operation's two modules: its types in `aliyun-rds-types`
//! (`src/<operation>.rs`: the input struct and its `to_parameters`, the
//! output struct and nested types, their decoding) and its module of
//! `aliyun-rds` (`src/operation/<operation>.rs`: the client method, an
//! `impl Client` block, the fluent builder and `send`, re-exports of the
//! types and the error enum, the static metadata and the waiters).
//!
//! Each module is self-contained so that the operation's cargo feature
//! gates it with one `#[cfg]` on its `mod` line.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::error_rows::ErrorRowTable;
use super::errors_crate::{error_enum_name, optional_str};
use super::render::{code_span, Docs};
use super::types::{member_ident, type_ident, Direction, NestedStruct, TypePlanner};
use crate::spec::validate::{member_rust_name, operation_rust_name};
use crate::spec::{
    Field, HttpMethod, LoadedOperation, Parameter, ParameterStyle, SpecError, TypeName, TypeRef,
    Typed,
};

/// The Rust names of an operation's own types.
pub struct OperationNames {
    /// The module and method name, `activate_migration_target_instance`.
    pub module: Ident,
    /// `ActivateMigrationTargetInstanceInput`.
    pub input: Ident,
    /// `ActivateMigrationTargetInstanceOutput`.
    pub output: Ident,
    /// `ActivateMigrationTargetInstanceFluentBuilder`.
    pub builder: Ident,
    /// `ActivateMigrationTargetInstanceError`.
    pub error: Ident,
}

impl OperationNames {
    /// The names for one operation.
    pub fn of(operation: &LoadedOperation) -> Self {
        let rust_name = operation_rust_name(&operation.spec);
        let prefix = crate::spec::naming::upper_camel_case(&rust_name);
        OperationNames {
            module: member_ident(&rust_name),
            input: format_ident!("{prefix}Input"),
            output: format_ident!("{prefix}Output"),
            builder: format_ident!("{prefix}FluentBuilder"),
            error: format_ident!("{}", error_enum_name(operation)),
        }
    }
}

/// Whether a member holds a secret whose value `Debug` must not show: the
/// spec's `sensitive`, else any name mentioning a password or a secret.
fn is_sensitive(wire_name: &str, sensitive: Option<bool>) -> bool {
    sensitive.unwrap_or_else(|| {
        let lower = wire_name.to_ascii_lowercase();
        lower.contains("password") || lower.contains("secret")
    })
}

/// One member of a generated struct, resolved.
struct Member {
    ident: Ident,
    /// The first line of the description, for the builder's setters.
    headline: Option<String>,
    wire_name: String,
    rust_type: TokenStream,
    type_name: TypeName,
    docs: Docs,
    required: bool,
    style: ParameterStyle,
    deprecated: bool,
    sensitive: bool,
}

/// The first non-empty line of a description.
fn headline(description: Option<&str>) -> Option<String> {
    description?
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .map(str::to_owned)
}

/// The documentation of a parameter or field: the spec's description, the
/// wire name, documented values, example and deprecation.
fn member_docs(
    description: Option<&str>,
    example: Option<&str>,
    wire_name: &str,
    type_ref: TypeRef<'_>,
    deprecated: bool,
) -> Docs {
    let docs = match description {
        Some(description) if !description.trim().is_empty() => Docs::new().prose(description),
        _ => Docs::new().line(format!("The {} value.", code_span(wire_name))),
    };
    let docs = docs
        .blank()
        .line(format!("Wire name: {}.", code_span(wire_name)));
    let docs = if type_ref.enum_values.is_empty() {
        docs
    } else {
        let values: Vec<String> = type_ref
            .enum_values
            .iter()
            .map(|value| code_span(value))
            .collect();
        docs.blank()
            .line(format!("Documented values: {}.", values.join(", ")))
    };
    let docs = docs.example(example);
    if deprecated {
        docs.blank()
            .line("**Deprecated** by the service documentation.")
    } else {
        docs
    }
}

fn parameter_member<'spec>(
    planner: &mut TypePlanner<'spec>,
    parameter: &'spec Parameter,
    index: usize,
    parent: &str,
) -> Member {
    let rust_name = member_rust_name(&parameter.name, parameter.rust_name.as_deref());
    let deprecated = parameter.deprecated.unwrap_or(false);
    let rust_type = planner.rust_type(
        parameter.type_ref(),
        &parameter.name,
        parameter.description.as_deref(),
        parent,
        &format!("/parameters/{index}"),
        Direction::Request,
    );
    Member {
        ident: member_ident(&rust_name),
        headline: headline(parameter.description.as_deref()),
        wire_name: parameter.name.clone(),
        rust_type,
        type_name: parameter.type_name,
        docs: member_docs(
            parameter.description.as_deref(),
            parameter.example.as_deref(),
            &parameter.name,
            parameter.type_ref(),
            deprecated,
        ),
        required: parameter.required,
        style: parameter.style(),
        deprecated,
        sensitive: is_sensitive(&parameter.name, parameter.sensitive),
    }
}

fn field_member<'spec>(
    planner: &mut TypePlanner<'spec>,
    field: &'spec Field,
    pointer: &str,
    parent: &str,
    direction: Direction,
) -> Member {
    let rust_name = member_rust_name(&field.name, field.rust_name.as_deref());
    let deprecated = field.deprecated.unwrap_or(false);
    let rust_type = planner.rust_type(
        field.type_ref(),
        &field.name,
        field.description.as_deref(),
        parent,
        pointer,
        direction,
    );
    Member {
        ident: member_ident(&rust_name),
        headline: headline(field.description.as_deref()),
        wire_name: field.name.clone(),
        rust_type,
        type_name: field.type_name,
        docs: member_docs(
            field.description.as_deref(),
            field.example.as_deref(),
            &field.name,
            field.type_ref(),
            deprecated,
        ),
        required: false,
        style: ParameterStyle::Flat,
        deprecated,
        sensitive: is_sensitive(&field.name, field.sensitive),
    }
}

/// Whether a struct derives `Serialize`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Serialization {
    /// Always: nested request structs, which the runtime flattens through
    /// `Serialize`.
    Always,
    /// With the `serde-serialize` feature only: operation inputs, which
    /// list their parameters in a generated `to_parameters`, and responses,
    /// which decode through a generated `FromJson`. A derived `Serialize` on
    /// every one of them cost more to compile than the rest of their code.
    Optional,
}

/// The declaration of one struct field, with its serde attributes.
fn field_declaration(
    member: &Member,
    direction: Direction,
    serialization: Serialization,
) -> TokenStream {
    let Member {
        ident,
        wire_name,
        rust_type,
        docs,
        ..
    } = member;
    let docs = docs.outer();
    let json = (member.style == ParameterStyle::Json)
        .then(|| quote!(, serialize_with = "aliyun_runtime::ser::json_string"));
    let (serde, rust_type) = match direction {
        Direction::Request if member.required => {
            (quote!(rename = #wire_name #json), quote!(#rust_type))
        }
        _ => (
            quote!(rename = #wire_name, skip_serializing_if = "Option::is_none" #json),
            quote!(Option<#rust_type>),
        ),
    };
    let serde = match serialization {
        Serialization::Always => quote!(#[serde(#serde)]),
        Serialization::Optional => quote!(#[cfg_attr(feature = "serde-serialize", serde(#serde))]),
    };
    quote! {
        #docs
        #serde
        pub #ident: #rust_type,
    }
}

/// `to_parameters` of an operation input: each parameter written by name
/// into the runtime's `ParameterWriter`, which flattens it.
fn to_parameters_impl(input: &Ident, members: &[Member]) -> TokenStream {
    let writes = members.iter().map(|member| {
        let ident = &member.ident;
        let wire_name = &member.wire_name;
        let method = if member.style == ParameterStyle::Json {
            quote!(add_json)
        } else {
            quote!(add)
        };
        if member.required {
            quote!(parameters.#method(#wire_name, Some(&self.#ident));)
        } else {
            quote!(parameters.#method(#wire_name, self.#ident.as_ref());)
        }
    });
    let capacity = members.len();
    let binding = if members.is_empty() {
        quote!(let parameters)
    } else {
        quote!(let mut parameters)
    };
    quote! {
        impl #input {
            /// The request's wire parameters, before signing: each parameter that is
            /// set, flattened the way the API expects (`Name.1` for list elements,
            /// `Name.Field` for nested values, one JSON string for `json`-style
            /// parameters).
            ///
            /// # Errors
            ///
            /// A value that cannot be serialized, such as a map with non-string keys
            /// in a `json`-style parameter.
            #[inline]
            pub fn to_parameters(&self) -> Result<Vec<(String, String)>, aliyun_runtime::ConstructionError> {
                #binding = aliyun_runtime::parameters::ParameterWriter::with_capacity(#capacity);
                #(#writes)*
                parameters.finish()
            }
        }

        impl aliyun_runtime::parameters::ToParameters for #input {
            #[inline]
            fn to_parameters(&self) -> Result<Vec<(String, String)>, aliyun_runtime::ConstructionError> {
                #input::to_parameters(self)
            }
        }
    }
}

/// The `Debug` implementation of a generated struct, which prints
/// `<redacted>` for sensitive members.
///
/// It is written out with `#[inline]` rather than derived: a derived `Debug`
/// is compiled into this crate for every struct of every operation, while
/// an inline one is compiled only into the programs that format the type.
fn debug_impl(name: &Ident, members: &[Member]) -> TokenStream {
    let label = name.to_string();
    let entries = members.iter().map(|member| {
        let ident = &member.ident;
        let label = ident.to_string().trim_start_matches("r#").to_owned();
        if member.sensitive && member.required {
            quote!(.field(#label, &"<redacted>"))
        } else if member.sensitive {
            quote!(.field(#label, &self.#ident.as_ref().map(|_| "<redacted>")))
        } else {
            quote!(.field(#label, &self.#ident))
        }
    });
    quote! {
        impl std::fmt::Debug for #name {
            #[inline]
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.debug_struct(#label) #(#entries)* .finish()
            }
        }
    }
}

/// A struct with its derives, given its members.
fn struct_definition(
    name: &Ident,
    docs: TokenStream,
    members: &[Member],
    direction: Direction,
    serialization: Serialization,
    exhaustive: bool,
) -> TokenStream {
    let declarations = members
        .iter()
        .map(|member| field_declaration(member, direction, serialization));
    let debug = debug_impl(name, members);
    let default = members
        .iter()
        .all(|member| !member.required)
        .then(|| quote!(Default,));
    // Responses are decoded by a generated `FromJson` impl (one look-up per
    // field) rather than a derived `Deserialize`, whose visitors made up
    // most of the crate's build time.
    let serialize = match serialization {
        Serialization::Always => quote!(#[derive(serde::Serialize)]),
        Serialization::Optional => {
            quote!(#[cfg_attr(feature = "serde-serialize", derive(serde::Serialize))])
        }
    };
    let decoding = (direction == Direction::Response).then(|| from_json_impls(name, members));
    let non_exhaustive = (!exhaustive).then(|| quote!(#[non_exhaustive]));
    quote! {
        #docs
        #[derive(Clone, #default PartialEq)]
        #serialize
        #non_exhaustive
        pub struct #name {
            #(#declarations)*
        }

        #debug
        #decoding
    }
}

/// `FromJson` and `Deserialize` for a response struct: each field is one
/// look-up by wire name in the JSON object.
fn from_json_impls(name: &Ident, members: &[Member]) -> TokenStream {
    let fields = members.iter().map(|member| {
        let ident = &member.ident;
        let wire_name = &member.wire_name;
        quote!(#ident: aliyun_runtime::de::field(object, #wire_name)?,)
    });
    let body = if members.is_empty() {
        quote! {
            aliyun_runtime::de::object(value)?;
            Ok(#name {})
        }
    } else {
        quote! {
            let object = aliyun_runtime::de::object(value)?;
            Ok(#name { #(#fields)* })
        }
    };
    quote! {
        impl aliyun_runtime::de::FromJson for #name {
            // Compiled in the programs that decode the type, not for every
            // response struct of the crate.
            #[inline]
            fn from_json(value: &serde_json::Value) -> Result<Self, aliyun_runtime::de::DecodeError> {
                #body
            }
        }

        impl<'de> Deserialize<'de> for #name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                aliyun_runtime::de::deserialize(deserializer)
            }
        }
    }
}

/// A nested struct: request structs stay exhaustive (callers build them
/// with struct literals and `..Default::default()`), response structs are
/// `#[non_exhaustive]` so new documented fields are not breaking.
fn nested_struct<'spec>(
    planner: &mut TypePlanner<'spec>,
    nested: &NestedStruct<'spec>,
) -> TokenStream {
    let name = type_ident(&nested.name);
    let members: Vec<Member> = nested
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            field_member(
                planner,
                field,
                &format!("{}/fields/{index}", nested.pointer),
                &nested.name,
                nested.direction,
            )
        })
        .collect();
    let docs = Docs::new()
        .line(format!("The value of {}.", code_span(&nested.member)))
        .prose_opt(nested.description)
        .outer();
    let serialization = match nested.direction {
        Direction::Request => Serialization::Always,
        Direction::Response => Serialization::Optional,
    };
    struct_definition(
        &name,
        docs,
        &members,
        nested.direction,
        serialization,
        nested.direction == Direction::Request,
    )
}

/// How a builder method or argument takes a value: strings through
/// `impl Into<String>`, everything else as it is.
fn argument_type(member: &Member) -> (TokenStream, TokenStream) {
    let ident = &member.ident;
    if member.type_name == TypeName::String {
        (quote!(impl Into<String>), quote!(#ident.into()))
    } else {
        let rust_type = &member.rust_type;
        (quote!(#rust_type), quote!(#ident))
    }
}

fn setters(member: &Member, input: &Ident) -> TokenStream {
    let ident = &member.ident;
    let field = ident.to_string().trim_start_matches("r#").to_owned();
    let set_ident = format_ident!("set_{}", field);
    let rust_type = &member.rust_type;
    let (argument, conversion) = argument_type(member);
    let wire = code_span(&member.wire_name);
    // The full description lives on the input field; the setter repeats its
    // first line and links to it, which keeps large operations small.
    let value_docs = Docs::new()
        .line(format!("Sets {wire}."))
        .prose_opt(member.headline.as_deref())
        .blank()
        .line(format!(
            "See [`{input}::{field}`] for the full documentation."
        ))
        .outer();
    let option_docs = Docs::new()
        .line(format!(
            "Sets {wire}, or leaves it out of the request with `None`."
        ))
        .outer();
    let deprecated = member
        .deprecated
        .then(|| quote!(#[deprecated = "deprecated by the service documentation"]));
    quote! {
        #value_docs
        #deprecated
        #[inline]
        pub fn #ident(mut self, #ident: #argument) -> Self {
            self.input.#ident = Some(#conversion);
            self
        }

        #option_docs
        #deprecated
        #[inline]
        pub fn #set_ident(mut self, #ident: Option<#rust_type>) -> Self {
            self.input.#ident = #ident;
            self
        }
    }
}

/// The runtime's `ValueType` for a spec type.
fn value_type(type_name: TypeName) -> TokenStream {
    match type_name {
        TypeName::String => quote!(metadata::ValueType::String),
        TypeName::Int32 => quote!(metadata::ValueType::Int32),
        TypeName::Int64 => quote!(metadata::ValueType::Int64),
        TypeName::Boolean => quote!(metadata::ValueType::Boolean),
        TypeName::Number => quote!(metadata::ValueType::Number),
        TypeName::Array => quote!(metadata::ValueType::Array),
        // The runtime has no free-form variant; free-form JSON is an object
        // or array on the wire, and the runtime flattens both alike.
        TypeName::Object | TypeName::Any => quote!(metadata::ValueType::Object),
    }
}

fn parameter_style(style: ParameterStyle) -> TokenStream {
    match style {
        ParameterStyle::Flat => quote!(metadata::ParameterStyle::Flat),
        ParameterStyle::RepeatList => quote!(metadata::ParameterStyle::RepeatList),
        ParameterStyle::Json => quote!(metadata::ParameterStyle::Json),
    }
}

/// `pub static METADATA`: what the runtime needs to send the operation.
fn metadata_static(
    operation: &LoadedOperation,
    members: &[Member],
    error_rows: &ErrorRowTable<'_>,
) -> TokenStream {
    let spec = &operation.spec;
    let name = &spec.name;
    let rust_name = operation_rust_name(spec);
    let summary = &spec.summary;
    let method = match spec.request.method {
        HttpMethod::Get => quote!(metadata::HttpMethod::Get),
        HttpMethod::Post => quote!(metadata::HttpMethod::Post),
    };
    let pathname = &spec.request.pathname;
    let operation_type = &spec.idempotency.operation_type;
    let idempotent = spec.idempotency.idempotent;
    let deprecated = spec.is_deprecated();
    let parameters = spec
        .parameters
        .iter()
        .zip(members)
        .map(|(parameter, member)| {
            let wire_name = &parameter.name;
            let rust_name = member.ident.to_string().trim_start_matches("r#").to_owned();
            let value_type = value_type(parameter.type_name);
            let style = parameter_style(parameter.style());
            let required = parameter.required;
            let description = parameter.description.as_deref().unwrap_or_default();
            let example = optional_str(parameter.example.as_deref());
            let deprecated = member.deprecated;
            quote! {
                metadata::ParameterMetadata {
                    name: #wire_name,
                    rust_name: #rust_name,
                    value_type: #value_type,
                    style: #style,
                    required: #required,
                    description: #description,
                    example: #example,
                    deprecated: #deprecated,
                },
            }
        });
    // Positions in the crate-wide table of distinct rows, which holds every
    // row of every operation (validation keeps it within `u16`).
    let error_positions = spec
        .errors
        .iter()
        .filter_map(|row| error_rows.position(row));
    quote! {
        /// What the runtime needs to know to send this operation: wire names,
        /// method, idempotency, parameters and the documented error table.
        pub static METADATA: metadata::OperationMetadata = metadata::OperationMetadata {
            name: #name,
            rust_name: #rust_name,
            summary: #summary,
            method: #method,
            pathname: #pathname,
            idempotency: metadata::Idempotency {
                operation_type: #operation_type,
                idempotent: #idempotent,
            },
            deprecated: #deprecated,
            parameters: &[#(#parameters)*],
            error_rows: &[#(#error_positions),*],
            error_table: &crate::metadata::ERROR_ROWS,
        };
    }
}

/// The rustdoc shared by the module and the client method.
fn operation_docs(operation: &LoadedOperation) -> Docs {
    let spec = &operation.spec;
    let docs = Docs::new()
        .prose(&spec.summary)
        .prose_opt(spec.description.as_deref());
    let docs = match &spec.engines {
        Some(engines) if !engines.is_empty() => docs.blank().line(format!(
            "Supported database engines: {}.",
            engines.join(", ")
        )),
        _ => docs,
    };
    let idempotency = if spec.idempotency.idempotent {
        "idempotent: the runtime may resend it after a network failure"
    } else {
        "not idempotent: the runtime resends it only when the service proves it never ran"
    };
    docs.blank().line(format!(
        "Action `{}`, operation type `{}`, {idempotency}.",
        spec.name, spec.idempotency.operation_type
    ))
}

/// The two generated files of one operation.
pub struct OperationFiles {
    /// `src/<operation>.rs` of `aliyun-rds-types`: the input, the output and
    /// their nested types.
    pub types: TokenStream,
    /// `src/operation/<operation>.rs` of `aliyun-rds`: the client method, the
    /// fluent builder and `send`, the metadata and the re-exports of the
    /// types and the error enum.
    pub client: TokenStream,
}

/// Both files of one operation: its types in `aliyun-rds-types` and its
/// module of `aliyun-rds`.
pub fn operation_rs(
    operation: &LoadedOperation,
    error_rows: &ErrorRowTable<'_>,
) -> Result<OperationFiles, Vec<SpecError>> {
    let spec = &operation.spec;
    let names = OperationNames::of(operation);
    let OperationNames {
        module,
        input,
        output,
        builder,
        error,
    } = &names;
    let reserved: Vec<String> = [input, output, builder, error]
        .iter()
        .map(|ident| ident.to_string())
        .collect();
    let mut planner = TypePlanner::new(&operation.file, &reserved);

    let input_name = input.to_string();
    let parameters: Vec<Member> = spec
        .parameters
        .iter()
        .enumerate()
        .map(|(index, parameter)| parameter_member(&mut planner, parameter, index, &input_name))
        .collect();
    let output_name = output.to_string();
    let response_fields: Vec<Member> = spec
        .response
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            field_member(
                &mut planner,
                field,
                &format!("/response/fields/{index}"),
                &output_name,
                Direction::Response,
            )
        })
        .collect();
    let mut nested = Vec::new();
    let mut index = 0;
    while let Some(definition) = planner.struct_at(index) {
        nested.push(nested_struct(&mut planner, &definition));
        index += 1;
    }
    planner.finish()?;

    let module_docs = operation_docs(operation).inner();
    // The module documentation carries the full description; the method
    // gives the summary and links to it.
    let method_docs = Docs::new().prose(&spec.summary).blank().line(format!(
        "The [module documentation](crate::operation::{module}) has the full description."
    ));
    let required: Vec<&Member> = parameters.iter().filter(|member| member.required).collect();
    let optional: Vec<&Member> = parameters
        .iter()
        .filter(|member| !member.required)
        .collect();
    let method_docs = if required.is_empty() {
        method_docs
    } else {
        let mut docs = method_docs.blank().line("# Arguments");
        for member in &required {
            docs = docs
                .blank()
                .line(format!(
                    "`{}`:",
                    member.ident.to_string().trim_start_matches("r#")
                ))
                .append(&member.docs);
        }
        docs
    };
    let method_docs = method_docs
        .blank()
        .line(format!("Optional parameters are set on the returned [`{builder}`]; nothing is sent until its `send` is awaited."))
        .outer();
    // Required parameters are arguments so that leaving one out does not
    // compile; a few operations have more than clippy's default of seven.
    let many_arguments =
        (required.len() + 1 > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
    let method_deprecated = spec.is_deprecated().then(
        || quote!(#[deprecated = "the operation is deprecated by the service documentation"]),
    );
    let arguments: Vec<TokenStream> = required
        .iter()
        .map(|member| {
            let ident = &member.ident;
            let (argument, _) = argument_type(member);
            quote!(#ident: #argument)
        })
        .collect();
    let initializers = parameters.iter().map(|member| {
        let ident = &member.ident;
        if member.required && member.type_name != TypeName::String {
            // The argument has the field's name and type: shorthand.
            quote!(#ident,)
        } else if member.required {
            let (_, conversion) = argument_type(member);
            quote!(#ident: #conversion,)
        } else {
            quote!(#ident: None,)
        }
    });
    let argument_names: Vec<&Ident> = required.iter().map(|member| &member.ident).collect();
    let new_docs = if required.is_empty() {
        Docs::new().line("An input with no parameter set.")
    } else {
        Docs::new().line("An input with its required parameters set and no optional one.")
    }
    .outer();
    // The types crate does not know the client, so its docs name the
    // client's items without linking to them.
    let input_docs = Docs::new()
        .line(format!("The request parameters of `{}`.", spec.name))
        .blank()
        .line(format!(
            "Built by `Client::{module}` and `{builder}` of `aliyun-rds`, or by [`{input}::new`]."
        ))
        .outer();
    let input_struct = struct_definition(
        input,
        input_docs,
        &parameters,
        Direction::Request,
        Serialization::Optional,
        false,
    );
    let to_parameters = to_parameters_impl(input, &parameters);
    let output_docs = Docs::new()
        .line(format!("The response of `{}`.", spec.name))
        .prose_opt(spec.response.description.as_deref())
        .blank()
        .line("Every field is optional: the service may leave any of them out.")
        .outer();
    let output_struct = struct_definition(
        output,
        output_docs,
        &response_fields,
        Direction::Response,
        Serialization::Optional,
        false,
    );
    let setters = optional.iter().map(|member| setters(member, input));
    let builder_label = builder.to_string();
    let builder_docs = Docs::new()
        .line(format!(
            "Sets the optional parameters of `{}` and sends it.",
            spec.name
        ))
        .blank()
        .line(format!(
            "Made by [`Client::{module}`](crate::Client::{module})."
        ))
        .outer();
    let metadata = metadata_static(operation, &parameters, error_rows);
    let waiter_methods = super::waiter::builder_methods(operation, input, output, error);
    let waiter_definitions = super::waiter::definitions(operation, builder)?;
    let send_docs = Docs::new()
        .line("Sends the request and decodes the response.")
        .blank()
        .line("# Errors")
        .blank()
        .line(format!(
            "`SdkError::Service` carries the service's error code as an [`{error}`];"
        ))
        .line("the other variants report failures to build, sign, send or decode the request.")
        .outer();

    let types_docs = Docs::new()
        .line(format!(
            "The request and response types of `{}`; `aliyun-rds` re-exports them in its",
            spec.name
        ))
        .line(format!(
            "`operation::{module}` module, with the operation's documentation."
        ))
        .inner();
    let types = quote! {
        #types_docs

        use serde::Deserialize;

        #input_struct

        impl #input {
            #new_docs
            #many_arguments
            #[inline]
            pub fn new(#(#arguments),*) -> Self {
                #input {
                    #(#initializers)*
                }
            }
        }

        #to_parameters

        #output_struct

        #(#nested)*
    };

    let client = quote! {
        #module_docs

        use aliyun_runtime::metadata;
        use aliyun_runtime::{Runtime, SdkError};

        pub use aliyun_rds_errors::#module::#error;
        pub use aliyun_rds_types::#module::*;

        impl crate::Client {
            #method_docs
            #method_deprecated
            #many_arguments
            #[inline]
            pub fn #module(&self, #(#arguments),*) -> #builder {
                #builder {
                    runtime: self.runtime().clone(),
                    input: #input::new(#(#argument_names),*),
                }
            }
        }

        #builder_docs
        #[derive(Clone)]
        #[must_use = "the request is only sent when `send` is awaited"]
        pub struct #builder {
            runtime: Runtime,
            input: #input,
        }

        impl std::fmt::Debug for #builder {
            #[inline]
            fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter
                    .debug_struct(#builder_label)
                    .field("runtime", &self.runtime)
                    .field("input", &self.input)
                    .finish()
            }
        }

        impl #builder {
            #(#setters)*

            /// The request as built so far.
            #[inline]
            pub fn as_input(&self) -> &#input {
                &self.input
            }

            #send_docs
            // A plain function returning the runtime's future, rather than an
            // `async fn`: an `async fn` per operation was most of this crate's
            // build time. `#[inline]` makes the call, and the runtime's generic
            // machinery it instantiates for this operation's types, compiled
            // only in programs that send it.
            #[inline]
            pub fn send(self) -> impl std::future::Future<Output = Result<#output, SdkError<#error>>> {
                let parameters = self.input.to_parameters();
                self.runtime.send_operation(&METADATA, parameters, #error::from_code)
            }

            #waiter_methods
        }

        #metadata

        #waiter_definitions
    };
    Ok(OperationFiles { types, client })
}
