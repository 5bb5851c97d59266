//! What the error tests of the waiter and pagination blocks share: break
//! the fixture's `DescribeWidgets` spec in a temporary workspace, run the
//! generator, and collect its errors.

use std::fs;

use serde_json::Value;
use xtask::codegen::{self, CodegenError, Layout, Mode};
use xtask::spec::SpecErrorKind;

use crate::support::workspace;

pub const OPERATION: &str = "spec/rds/2014-08-15/operations/DescribeWidgets.json";

/// Copies the fixture, applies `change` to `DescribeWidgets.json`, runs the
/// generator and returns every error message of `kind`, after checking
/// that nothing was written.
pub fn failures(kind: SpecErrorKind, change: impl FnOnce(&mut Value)) -> Vec<String> {
    let directory = workspace();
    let root = directory.path();
    let file = root.join(OPERATION);
    let mut spec: Value =
        serde_json::from_str(&fs::read_to_string(&file).expect("read")).expect("JSON");
    change(&mut spec);
    fs::write(
        &file,
        serde_json::to_string_pretty(&spec).expect("serialize"),
    )
    .expect("write");

    let layout = Layout::default();
    let outcome = codegen::run(root, &layout, Mode::Write);
    for generated in layout.generated_dirs() {
        assert!(
            !root.join(generated).exists(),
            "{} was written",
            generated.display()
        );
    }
    match outcome {
        Err(CodegenError::Spec(errors)) => errors
            .0
            .iter()
            .filter(|error| error.kind == kind)
            .map(ToString::to_string)
            .collect(),
        other => panic!("expected a spec error, got {other:?}"),
    }
}

/// The single error of `kind`, which must name the file and `pointer`.
pub fn single_failure(
    kind: SpecErrorKind,
    pointer: &str,
    change: impl FnOnce(&mut Value),
) -> String {
    let messages = failures(kind, change);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    let message = messages.into_iter().next().unwrap_or_default();
    assert!(
        message.starts_with(&format!("{OPERATION}: {pointer}:")),
        "{message}"
    );
    message
}
