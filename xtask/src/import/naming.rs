//! Error variant names the importer settles by itself.
//!
//! The spec format derives an error variant's name from its code
//! (`Order.PeriodInvalid` → `OrderPeriodInvalid`) and asks for a `rustName`
//! by hand when that fails. The metadata holds codes from which no name can
//! be derived at all, such as `400` (`DescribeDBInstancesAsCsv`): rather than
//! refusing to import the operation, the importer gives such a code the name
//! `Code<derived>` (`Code400`), and a code deriving a name the error enum
//! reserves (`Unknown`, `Gateway`) the name `<derived>Code`. Codes that
//! already carry a `rustName` (kept from an existing spec) are left alone.
//! Collisions between two valid names are not settled here: they need a
//! human's choice, and validation reports them.

use crate::resolve::errors::RESERVED_ERROR_VARIANTS;
use crate::spec::model::OperationSpec;
use crate::spec::naming::{error_variant_base, is_identifier};

/// A `rustName` the importer chose, for the change report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettledName {
    /// The HTTP status of the row that received the name.
    pub http_status: u16,
    /// The code.
    pub code: String,
    /// The chosen variant name.
    pub rust_name: String,
}

/// Gives a `rustName` to the first row of every code whose derived variant
/// name is unusable, and returns what it chose.
pub fn settle_error_variant_names(operation: &mut OperationSpec) -> Vec<SettledName> {
    let mut settled = Vec::new();
    for index in 0..operation.errors.len() {
        let code = operation.errors[index].code.clone();
        let first_of_code = operation.errors[..index].iter().all(|row| row.code != code);
        let has_override = operation
            .errors
            .iter()
            .any(|row| row.code == code && row.rust_name.is_some());
        if !first_of_code || has_override {
            continue;
        }
        let Some(rust_name) = replacement_name(&code) else {
            continue;
        };
        let row = &mut operation.errors[index];
        row.rust_name = Some(rust_name.clone());
        settled.push(SettledName {
            http_status: row.http_status,
            code,
            rust_name,
        });
    }
    settled
}

/// The name to use instead of the derived one, if the derived one is unusable.
fn replacement_name(code: &str) -> Option<String> {
    let derived = error_variant_base(code);
    let usable =
        is_identifier(&derived) && derived.starts_with(|first: char| first.is_ascii_uppercase());
    if !usable {
        Some(format!("Code{derived}"))
    } else if RESERVED_ERROR_VARIANTS.contains(&derived.as_str()) {
        Some(format!("{derived}Code"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_codes_get_a_prefix_and_reserved_names_a_suffix() {
        assert_eq!(replacement_name("400").as_deref(), Some("Code400"));
        assert_eq!(replacement_name("Unknown").as_deref(), Some("UnknownCode"));
        assert_eq!(replacement_name("Order.PeriodInvalid"), None);
        assert_eq!(replacement_name("pay.noCreditCard"), None);
    }
}
