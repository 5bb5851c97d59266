//! How deeply the emulator covers each operation of the API.
//!
//! Every operation is one of three kinds ([`Coverage`]):
//!
//! * **modelled**: a handler of its own reads or writes the emulator's
//!   model (instances, accounts, databases, ...), so its answers carry the
//!   state and its errors are the operation's documented codes;
//! * **checked**: it names an instance (`DBInstanceId`, `DBInstanceName`,
//!   `InsName`), which is checked (an unknown one gets the operation's
//!   documented not-found code, a change to an instance that is not
//!   running its documented state code), and the documented example is
//!   answered with the request's own identifiers in it;
//! * **documented**: the documented example is answered, after the
//!   parameters are checked against the documentation.
//!
//! [`markdown_table`] renders the table below from the API's metadata; a
//! test of the workspace renders it from `aliyun_rds::metadata::OPERATIONS`
//! and compares it with this page, so the table stays true.
#![doc = include_str!("../COVERAGE.md")]

use aliyun_codec::metadata::OperationMetadata;

use crate::operations::{checked, find};

/// How deeply the emulator covers one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Coverage {
    /// Reads or writes the emulator's model.
    Modelled,
    /// Checks the instance it names and echoes the request's identifiers.
    Checked,
    /// Answers the documented example.
    Documented,
}

impl Coverage {
    /// `modelled`, `checked` or `documented`.
    pub fn as_str(self) -> &'static str {
        match self {
            Coverage::Modelled => "modelled",
            Coverage::Checked => "checked",
            Coverage::Documented => "documented",
        }
    }
}

/// How deeply the emulator covers `operation`.
pub fn classify(operation: &OperationMetadata) -> Coverage {
    if find(operation.name).is_some() {
        Coverage::Modelled
    } else if checked::instance_parameter(operation).is_some() {
        Coverage::Checked
    } else {
        Coverage::Documented
    }
}

/// The action names of the operations the emulator models, sorted.
pub fn modelled_operations() -> impl Iterator<Item = &'static str> {
    crate::operations::OPERATIONS.iter().map(|(name, _)| *name)
}

/// The coverage page: the counts, then one row per operation, sorted by
/// name.
pub fn markdown_table(operations: &[&OperationMetadata]) -> String {
    let mut rows: Vec<(&str, Coverage)> = operations
        .iter()
        .map(|operation| (operation.name, classify(operation)))
        .collect();
    rows.sort();
    let count = |kind: Coverage| {
        rows.iter()
            .filter(|(_, coverage)| *coverage == kind)
            .count()
    };
    let mut page = String::new();
    page.push_str("## Operation coverage\n\n");
    page.push_str(&format!(
        "Of the {} operations of the API, the emulator models {}, checks {} more and answers {} from their documentation.\n\n",
        rows.len(),
        count(Coverage::Modelled),
        count(Coverage::Checked),
        count(Coverage::Documented)
    ));
    page.push_str("| operation | coverage |\n| --- | --- |\n");
    for (name, coverage) in rows {
        page.push_str(&format!("| `{name}` | {} |\n", coverage.as_str()));
    }
    page
}
