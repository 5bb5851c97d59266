//! The Rust names of an operation's module, types and cargo feature, and
//! the checks that no two operations end up with the same ones.

use std::collections::BTreeMap;

use super::ident::RustIdent;
use crate::spec::naming::{self, operation_rust_name};
use crate::spec::{LoadedOperation, OperationSpec, SpecError, SpecErrorKind};

/// Rust names an operation may not have: the client's own methods and the
/// errors crate's `gateway` and `rows` modules.
pub const RESERVED_OPERATION_NAMES: &[&str] =
    &["new", "from_runtime", "runtime", "gateway", "rows", "table"];

/// The Rust names of one operation's items.
#[derive(Debug, Clone)]
pub struct OperationNames {
    /// The module and client method, possibly a raw identifier.
    pub module: RustIdent,
    /// The same name as plain text, without `r#`, for docs and paths in
    /// strings: `activate_migration_target_instance`.
    pub snake_case: String,
    /// The cargo feature that compiles the operation, the kebab-case form
    /// of its module name: `activate-migration-target-instance`.
    pub feature: String,
    /// `ActivateMigrationTargetInstanceInput`.
    pub input: RustIdent,
    /// `ActivateMigrationTargetInstanceOutput`.
    pub output: RustIdent,
    /// `ActivateMigrationTargetInstanceFluentBuilder`.
    pub builder: RustIdent,
    /// `ActivateMigrationTargetInstanceError`.
    pub error: RustIdent,
}

impl OperationNames {
    /// The names of one operation, by the rules of `spec/README.md`.
    pub fn of(spec: &OperationSpec) -> Self {
        let snake_case = operation_rust_name(spec);
        let prefix = naming::upper_camel_case(&snake_case);
        OperationNames {
            module: RustIdent::member(snake_case.as_str()),
            feature: operation_feature(spec),
            input: RustIdent::new(format!("{prefix}Input")),
            output: RustIdent::new(format!("{prefix}Output")),
            builder: RustIdent::new(format!("{prefix}FluentBuilder")),
            error: RustIdent::new(format!("{prefix}Error")),
            snake_case,
        }
    }

    /// The type names the operation defines itself, which none of its
    /// nested structs may take.
    pub fn own_type_names(&self) -> Vec<String> {
        [&self.input, &self.output, &self.builder, &self.error]
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

/// The cargo feature that compiles an operation: the kebab-case form of
/// its Rust name (`activate-migration-target-instance`).
pub fn operation_feature(spec: &OperationSpec) -> String {
    operation_rust_name(spec).replace('_', "-")
}

/// Checks that no operation takes a reserved name and that no two
/// operations get the same Rust name.
pub fn check_operation_names(operations: &[LoadedOperation]) -> Vec<SpecError> {
    let mut problems = Vec::new();
    let mut owners: BTreeMap<String, &LoadedOperation> = BTreeMap::new();
    for operation in operations {
        let rust_name = operation_rust_name(&operation.spec);
        if RESERVED_OPERATION_NAMES.contains(&rust_name.as_str()) {
            problems.push(SpecError::at(
                &operation.file,
                "/name",
                SpecErrorKind::NameCollision,
                format!(
                    "operation {:?} becomes `{rust_name}`, a name the generated crates already use; set `rustName`",
                    operation.spec.name
                ),
            ));
        }
        if let Some(owner) = owners.get(&rust_name) {
            problems.push(SpecError::at(
                &operation.file,
                "/name",
                SpecErrorKind::NameCollision,
                format!(
                    "operations {:?} ({}) and {:?} both become the Rust name `{rust_name}`; set `rustName` on one of them",
                    owner.spec.name,
                    owner.file.display(),
                    operation.spec.name
                ),
            ));
        } else {
            owners.insert(rust_name, operation);
        }
    }
    problems
}
