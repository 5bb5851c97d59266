//! Rendering of `aliyun-rds-metadata`: the static tables of the API (the
//! product's endpoints and gateway errors, every operation's parameters
//! and documented error rows, the groups), one module per operation.
//!
//! The tables are data for the runtime, the CLI and tools; nothing in them
//! names a request or response type. They are a crate of their own, which
//! depends on `aliyun-codec` alone, so that cargo compiles them beside the
//! types and the error codes rather than in the client crate, which waits
//! for both: their type-checking and the machine code of the statics were
//! about a third of the client crate's build.

use proc_macro2::TokenStream;
use quote::quote;

use crate::codegen::docs::{resolve_help_links, Docs};
use crate::codegen::errors_crate::optional_str;
use crate::codegen::render::{unsuffixed, unsuffixed_usize};
use crate::resolve::{Operation, Product};
use crate::spec::{
    ErrorRow, GatewayErrorRow, HttpMethod, ParameterLocation, ParameterStyle, TypeName,
};

/// The runtime's `ErrorMetadata` literal of a documented row. Operation
/// rows are neither refused before execution nor retryable: only gateway
/// errors are documented that way.
fn error_metadata(row: &ErrorRow) -> TokenStream {
    error_metadata_literal(
        row.http_status,
        &row.code,
        &row.message,
        row.description.as_deref(),
        false,
        false,
    )
}

/// The runtime's `ErrorMetadata` literal of a gateway error.
fn gateway_error_metadata(row: &GatewayErrorRow) -> TokenStream {
    error_metadata_literal(
        row.http_status,
        &row.code,
        &row.message,
        row.description.as_deref(),
        row.refused_before_execution,
        row.retryable,
    )
}

fn error_metadata_literal(
    http_status: u16,
    code: &str,
    message: &str,
    description: Option<&str>,
    refused_before_execution: bool,
    retryable: bool,
) -> TokenStream {
    let http_status = unsuffixed(http_status);
    let description = description.map(resolve_help_links);
    let description = optional_str(description.as_deref());
    quote! {
        ErrorMetadata {
            http_status: #http_status,
            code: #code,
            message: #message,
            description: #description,
            refused_before_execution: #refused_before_execution,
            retryable: #retryable,
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
pub fn operation_metadata(operation: &Operation<'_>) -> TokenStream {
    let spec = operation.spec;
    let name = &spec.name;
    let rust_name = &operation.names.snake_case;
    // Tools print these texts as they are, so their help-center links point
    // at the articles, as the rustdoc's do.
    let summary = resolve_help_links(&spec.summary);
    let method = match spec.request.method {
        HttpMethod::Get => quote!(metadata::HttpMethod::Get),
        HttpMethod::Post => quote!(metadata::HttpMethod::Post),
    };
    let pathname = &spec.request.pathname;
    let operation_type = &spec.idempotency.operation_type;
    let idempotent = spec.idempotency.idempotent;
    let deprecated = spec.is_deprecated();
    let sample_response = optional_str(spec.sample_response.as_deref());
    let parameters = operation.parameters.iter().map(|member| {
        let wire_name = member.wire_name;
        let rust_name = &member.name;
        let value_type = value_type(member.type_name);
        let style = parameter_style(member.style);
        let location = match member.location {
            ParameterLocation::Query => quote!(metadata::ParameterLocation::Query),
            ParameterLocation::FormData => quote!(metadata::ParameterLocation::Body),
        };
        let required = member.required;
        let description = resolve_help_links(member.description.unwrap_or_default());
        let example = optional_str(member.example);
        let deprecated = member.deprecated;
        let allowed_values = member.enum_values;
        quote! {
            metadata::ParameterMetadata {
                name: #wire_name,
                rust_name: #rust_name,
                value_type: #value_type,
                style: #style,
                location: #location,
                allowed_values: &[#(#allowed_values),*],
                required: #required,
                description: #description,
                example: #example,
                deprecated: #deprecated,
            },
        }
    });
    // Positions in the crate-wide table of distinct rows, which holds every
    // row of every operation.
    let error_rows = operation
        .error_table
        .documented
        .iter()
        .map(|position| unsuffixed(*position));
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
            error_rows: &[#(#error_rows),*],
            error_table: &crate::ERROR_ROWS,
            sample_response: #sample_response,
        };
    }
}

/// `src/lib.rs`.
pub fn lib_rs(product: &Product<'_>) -> TokenStream {
    let spec = product.spec;
    let code = &spec.code;
    let version = &spec.version;
    let public = &spec.endpoints.rule.public;
    let vpc = &spec.endpoints.rule.vpc;
    let regions = spec.endpoints.regions.iter().map(|region| {
        let region_id = &region.region_id;
        let endpoint = &region.endpoint;
        quote!(RegionEndpoint { region_id: #region_id, endpoint: #endpoint },)
    });
    let gateway_errors = spec.gateway_errors.iter().map(gateway_error_metadata);
    // `product.operations` is sorted by action name.
    let operations = product.operations.iter().map(|operation| {
        let module = &operation.names.module;
        let feature = &operation.names.feature;
        quote!(#[cfg(feature = #feature)] &crate::#module::METADATA,)
    });
    let rows = product.error_rows.rows();
    let row_count = unsuffixed_usize(rows.len());
    let row_literals = rows.iter().map(|row| error_metadata(row));
    let groups = product.feature_groups.iter().map(|group| {
        let name = group.name;
        let description = group.description;
        let operations = product
            .operations
            .iter()
            .filter(|operation| group.operation_features.contains(&operation.names.feature))
            .map(|operation| operation.spec.name.as_str());
        quote!(OperationGroup { name: #name, description: #description, operations: &[#(#operations),*] },)
    });
    let product_doc = format!(
        " The metadata of {} {}: endpoints and gateway errors.",
        spec.name, spec.version
    );
    let docs = Docs::new()
        .line(format!(
            "The static metadata of the Alibaba Cloud {} API ({}): the product's endpoints",
            spec.name, spec.version
        ))
        .line("and gateway errors, and every operation's wire names, parameters and")
        .line("documented error rows, for the runtime, the CLI and tools, without any")
        .line("hand-written list.")
        .blank()
        .line("Each operation has a module holding its `METADATA`, which `aliyun-rds`")
        .line("re-exports in its `operation` module and sends the operation with; depend on")
        .line("`aliyun-rds` rather than on this crate. Each module is compiled only when the")
        .line("cargo feature of the same name in kebab-case is on; the default feature `all`")
        .line("turns them all on.")
        .blank()
        .line("Layer: the model, built on `aliyun-codec` alone, so that it compiles beside the")
        .line("types and the error codes rather than after them.")
        .inner();
    let modules = product.operations.iter().map(|operation| {
        let module = &operation.names.module;
        let feature = &operation.names.feature;
        let doc = format!(" The metadata of `{}`.", operation.spec.name);
        quote! {
            #[doc = #doc]
            #[cfg(feature = #feature)]
            pub mod #module;
        }
    });
    quote! {
        #docs

        use aliyun_codec::metadata::{EndpointRule, ErrorMetadata, OperationGroup, OperationMetadata, ProductMetadata, RegionEndpoint};

        #[doc = #product_doc]
        pub static PRODUCT: ProductMetadata = ProductMetadata {
            code: #code,
            version: #version,
            style: "RPC",
            endpoint_map: &[#(#regions)*],
            endpoint_rule: EndpointRule { public: #public, vpc: #vpc },
            gateway_errors: &[#(#gateway_errors),*],
        };

        /// The metadata of every operation compiled in (see the crate's cargo
        /// features), sorted by action name.
        pub static OPERATIONS: &[&OperationMetadata] = &[#(#operations)*];

        /// The groups of operations, each a cargo feature of this crate: the
        /// documentation's sections and the workflows of `product.json`. They
        /// name every operation of the API, whether compiled in or not.
        pub static GROUPS: &[OperationGroup] = &[#(#groups)*];

        /// Every distinct row of the operations' documented error tables, each
        /// kept once: an operation's [`OperationMetadata::errors`] refers to its
        /// rows here.
        pub static ERROR_ROWS: [ErrorMetadata; #row_count] = [#(#row_literals),*];

        #(#modules)*
    }
}

/// `src/<operation>.rs`: the operation's `METADATA`.
pub fn operation_rs(operation: &Operation<'_>) -> TokenStream {
    let module_docs = Docs::new()
        .line(format!(
            "The metadata of `{}`; `aliyun-rds` re-exports it in its `operation::{}` module.",
            operation.spec.name, operation.names.snake_case
        ))
        .inner();
    let metadata = operation_metadata(operation);
    quote! {
        #module_docs

        use aliyun_codec::metadata;

        #metadata
    }
}
