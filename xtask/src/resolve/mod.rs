//! The resolved model: everything the generated code needs, computed once
//! from a loaded spec before any file is rendered.
//!
//! [`resolve`] turns a [`LoadedProduct`] (parsed and structurally validated
//! by [`crate::spec`]) into a [`Product`]: the Rust name of every module,
//! type, field, variant, waiter and cargo feature, the Rust type of every
//! value, the error tables, the parsed waiter paths, and the fields each
//! paginator reads and writes. Every check that
//! depends on those names (two codes becoming one variant, two objects
//! becoming one struct, an operation feature taking a group's name) runs
//! here, and only here. The renderers in [`crate::codegen`] read the
//! result and cannot fail: whatever could go wrong has been reported, with
//! the file and JSON pointer, before the first token is written.
//!
//! This plays the part of smithy-rs's symbol provider: one place that
//! decides what each spec item is called in Rust.

pub mod error_rows;
pub mod errors;
pub mod features;
pub mod ident;
pub mod names;
pub mod pagination;
pub mod types;
pub mod waiters;

use std::path::Path;

use crate::spec::{
    LoadedOperation, LoadedProduct, OperationSpec, ProductSpec, SpecError, SpecErrors,
};

pub use error_rows::ErrorRowTable;
pub use errors::{ErrorTable, ErrorVariant, GatewayVariant};
pub use features::FeatureGroup;
pub use ident::RustIdent;
pub use names::OperationNames;
pub use pagination::Pagination;
pub use types::{Direction, Member, RustType, Struct};
pub use waiters::Waiter;

/// A whole product, resolved.
#[derive(Debug)]
pub struct Product<'spec> {
    /// The product's spec, for its name, version, endpoints and gateway
    /// error rows.
    pub spec: &'spec ProductSpec,
    /// The gateway errors, one variant each, in documentation order.
    pub gateway_errors: Vec<GatewayVariant<'spec>>,
    /// Every distinct documented error row of the operations, each once.
    pub error_rows: ErrorRowTable<'spec>,
    /// The cargo feature groups, with their operations' features.
    pub feature_groups: Vec<FeatureGroup<'spec>>,
    /// Every operation, sorted by action name.
    pub operations: Vec<Operation<'spec>>,
}

/// One operation, resolved.
#[derive(Debug)]
pub struct Operation<'spec> {
    /// The operation's spec, for its texts, request and idempotency.
    pub spec: &'spec OperationSpec,
    /// The names of the operation's module, types and feature.
    pub names: OperationNames,
    /// The input's members, one per request parameter, in spec order.
    pub parameters: Vec<Member<'spec>>,
    /// The output's members, one per top-level response field.
    pub response_fields: Vec<Member<'spec>>,
    /// The nested structs of the input and output, in the order they are
    /// first met (parameters first, then response fields, breadth first).
    pub structs: Vec<Struct<'spec>>,
    /// The error enum's variants, one per distinct documented code.
    pub error_variants: Vec<ErrorVariant>,
    /// The operation's error table, as positions in the product's
    /// [`ErrorRowTable`].
    pub error_table: ErrorTable,
    /// The operation's waiters.
    pub waiters: Vec<Waiter<'spec>>,
    /// How the operation pages its list, when it is paged.
    pub pagination: Option<Pagination<'spec>>,
}

impl Operation<'_> {
    /// The members that are arguments of the client method, in spec order.
    pub fn required_parameters(&self) -> impl Iterator<Item = &Member<'_>> {
        self.parameters.iter().filter(|member| member.required)
    }

    /// The members set through the fluent builder, in spec order.
    pub fn optional_parameters(&self) -> impl Iterator<Item = &Member<'_>> {
        self.parameters.iter().filter(|member| !member.required)
    }
}

/// Resolves a loaded product. `product_file` names `product.json` in the
/// errors about it.
///
/// # Errors
///
/// Every naming problem of the whole product, each with its file and JSON
/// pointer, sorted so the report is the same on every run.
pub fn resolve<'spec>(
    loaded: &'spec LoadedProduct,
    product_file: &Path,
) -> Result<Product<'spec>, SpecErrors> {
    let mut problems: Vec<SpecError> = Vec::new();
    let gateway_errors =
        errors::gateway_variants(&loaded.product, product_file).unwrap_or_else(|errors| {
            problems.extend(errors);
            Vec::new()
        });
    problems.extend(names::check_operation_names(&loaded.operations));
    let feature_groups = features::resolve_groups(loaded, product_file, &mut problems);
    let error_rows = ErrorRowTable::of(loaded);
    let mut operations = Vec::with_capacity(loaded.operations.len());
    for operation in &loaded.operations {
        match resolve_operation(operation, &error_rows) {
            Ok(resolved) => operations.push(resolved),
            Err(errors) => problems.extend(errors),
        }
    }
    if problems.is_empty() {
        Ok(Product {
            spec: &loaded.product,
            gateway_errors,
            error_rows,
            feature_groups,
            operations,
        })
    } else {
        problems.sort_by_key(|problem| (problem.file.clone(), problem.location.to_string()));
        Err(SpecErrors(problems))
    }
}

/// Resolves one operation: names, member types, nested structs, error
/// variants and waiters.
fn resolve_operation<'spec>(
    loaded: &'spec LoadedOperation,
    error_rows: &ErrorRowTable<'spec>,
) -> Result<Operation<'spec>, Vec<SpecError>> {
    let spec = &loaded.spec;
    let file = loaded.file.as_path();
    let names = OperationNames::of(spec);
    let mut problems = Vec::new();

    let mut planner = types::StructPlanner::new(file, &names.own_type_names());
    let input_name = names.input.to_string();
    let parameters: Vec<Member<'spec>> = spec
        .parameters
        .iter()
        .enumerate()
        .map(|(index, parameter)| {
            Member::parameter(
                &mut planner,
                parameter,
                &input_name,
                &format!("/parameters/{index}"),
            )
        })
        .collect();
    let output_name = names.output.to_string();
    let response_fields: Vec<Member<'spec>> = spec
        .response
        .fields
        .iter()
        .enumerate()
        .map(|(index, field)| {
            Member::field(
                &mut planner,
                field,
                &output_name,
                &format!("/response/fields/{index}"),
                Direction::Response,
            )
        })
        .collect();
    let structs = planner.finish().unwrap_or_else(|errors| {
        problems.extend(errors);
        Vec::new()
    });

    problems.extend(types::check_reserved_response_names(
        file,
        &response_fields,
        &structs,
    ));

    let error_variants = errors::operation_variants(loaded).unwrap_or_else(|errors| {
        problems.extend(errors);
        Vec::new()
    });
    let error_table = ErrorTable::of(&error_variants, &spec.errors, error_rows);
    let waiters = waiters::resolve(loaded).unwrap_or_else(|errors| {
        problems.extend(errors);
        Vec::new()
    });
    let pagination = pagination::resolve(loaded, &parameters, &response_fields, &structs)
        .unwrap_or_else(|errors| {
            problems.extend(errors);
            None
        });

    if problems.is_empty() {
        Ok(Operation {
            spec,
            names,
            parameters,
            response_fields,
            structs,
            error_variants,
            error_table,
            waiters,
            pagination,
        })
    } else {
        Err(problems)
    }
}
