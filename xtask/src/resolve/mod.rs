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
    /// The error table the operations only the SDKs' metadata describes
    /// share, when there are such operations.
    pub common_errors: Option<CommonErrors<'spec>>,
    /// Every operation, sorted by action name.
    pub operations: Vec<Operation<'spec>>,
}

/// The error table that every operation only the official SDKs' metadata
/// describes carries (the codes any operation may answer: Alibaba
/// publishes no table of their own). It becomes one shared enum, which
/// each of those operations' enums holds in a variant, as it holds the
/// gateway's: a hundred copies of the same enum cost a fifth of the errors
/// crate's build.
#[derive(Debug)]
pub struct CommonErrors<'spec> {
    /// The rows, in documentation order.
    pub rows: &'spec [crate::spec::ErrorRow],
    /// One variant per distinct code.
    pub variants: Vec<ErrorVariant>,
    /// The table, as positions in the product's [`ErrorRowTable`].
    pub table: ErrorTable,
    /// The cargo features of the operations that use it.
    pub features: Vec<String>,
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
    /// Whether its error enum holds the product's [`CommonErrors`] rather
    /// than a variant per code of its own.
    pub common_errors: bool,
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
    let common_errors = common_errors(&mut operations);
    if problems.is_empty() {
        Ok(Product {
            spec: &loaded.product,
            gateway_errors,
            error_rows,
            feature_groups,
            common_errors,
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
            common_errors: false,
        })
    } else {
        Err(problems)
    }
}

/// The error table of the operations only the SDKs' metadata describes,
/// when they all carry the same one (the importer gives each the rows any
/// operation may answer); marks the operations that use it. An operation
/// whose table differs keeps an enum of its own.
fn common_errors<'spec>(operations: &mut [Operation<'spec>]) -> Option<CommonErrors<'spec>> {
    let first = operations
        .iter()
        .find(|operation| operation.spec.is_sdk_only() && !operation.spec.errors.is_empty())?;
    let rows = first.spec.errors.as_slice();
    let variants = first.error_variants.clone();
    let table = first.error_table.clone();
    let mut features = Vec::new();
    for operation in operations.iter_mut() {
        if operation.spec.is_sdk_only() && operation.spec.errors == rows {
            operation.common_errors = true;
            features.push(operation.names.feature.clone());
        }
    }
    Some(CommonErrors {
        rows,
        variants,
        table,
        features,
    })
}
