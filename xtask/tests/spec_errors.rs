//! Error cases of the spec loader and the generator: each class of bad
//! spec is reported with the file and the JSON path (or line and column),
//! and nothing is written.
//!
//! Each test copies the fixture spec into a fresh temporary workspace,
//! breaks one file, runs `codegen::run` in write mode and checks both the
//! message and that the output directories stay absent.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::path::Path;
use support::workspace;

use serde_json::{json, Value};
use xtask::codegen::{self, CodegenError, Layout, Mode};
use xtask::spec::SpecErrorKind;

const OPERATION: &str = "spec/rds/2014-08-15/operations/DescribeWidgets.json";

fn read_json(root: &Path, relative: &str) -> Value {
    let text = fs::read_to_string(root.join(relative)).expect("read the spec");
    serde_json::from_str(&text).expect("the fixture is JSON")
}

fn write_json(root: &Path, relative: &str, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("serialize");
    fs::write(root.join(relative), text).expect("write the spec");
}

/// Runs the generator on a broken workspace and returns the single error
/// message of the given kind, after checking that nothing was written.
fn expect_failure(root: &Path, kind: SpecErrorKind) -> String {
    let layout = Layout::default();
    let outcome = codegen::run(root, &layout, Mode::Write);
    for directory in layout.generated_dirs() {
        assert!(
            !root.join(directory).exists(),
            "{} was written although the spec is bad",
            directory.display()
        );
    }
    let errors = match outcome {
        Err(CodegenError::Spec(errors)) => errors,
        other => panic!("expected a spec error, got {other:?}"),
    };
    let matching: Vec<_> = errors.0.iter().filter(|error| error.kind == kind).collect();
    assert_eq!(
        matching.len(),
        1,
        "expected one {kind:?} error in: {errors}"
    );
    // The combined message says nothing was written and lists the problem.
    let combined = errors.to_string();
    eprintln!("{combined}");
    assert!(combined.contains("nothing was written"), "{combined}");
    matching[0].to_string()
}

fn edit(root: &Path, change: impl FnOnce(&mut Value)) {
    let mut value = read_json(root, OPERATION);
    change(&mut value);
    write_json(root, OPERATION, &value);
}

#[test]
fn the_fixture_itself_is_valid() {
    let root = workspace();
    let differences = codegen::run(root.path(), &Layout::default(), Mode::Write).expect("valid");
    assert!(differences.len() >= 9);
    // A second run finds nothing to do, and a check agrees.
    assert!(codegen::run(root.path(), &Layout::default(), Mode::Write)
        .expect("valid")
        .is_empty());
    assert!(codegen::run(root.path(), &Layout::default(), Mode::Check)
        .expect("valid")
        .is_empty());
}

#[test]
fn invalid_json_is_reported_with_line_and_column() {
    let root = workspace();
    let text = fs::read_to_string(root.path().join(OPERATION)).expect("read");
    // Drop the comma after the first property of line 3.
    let broken = text.replacen("\"DescribeWidgets\",", "\"DescribeWidgets\"", 1);
    fs::write(root.path().join(OPERATION), broken).expect("write");
    let message = expect_failure(root.path(), SpecErrorKind::InvalidJson);
    assert!(message.starts_with(OPERATION), "{message}");
    assert!(message.contains("line 4, column"), "{message}");
    assert!(message.contains("invalid JSON"), "{message}");
}

#[test]
fn a_missing_field_names_its_object() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][1]
            .as_object_mut()
            .expect("object")
            .remove("required");
    });
    let message = expect_failure(root.path(), SpecErrorKind::Shape);
    assert!(
        message.starts_with(&format!("{OPERATION}: /parameters/1:")),
        "{message}"
    );
    assert!(message.contains("missing field `required`"), "{message}");
}

#[test]
fn an_unknown_field_is_an_error() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["response"]["fields"][0]["descripton"] = json!("typo");
    });
    let message = expect_failure(root.path(), SpecErrorKind::Shape);
    assert!(
        message.starts_with(&format!("{OPERATION}: /response/fields/0/descripton:")),
        "{message}"
    );
    assert!(message.contains("unknown field `descripton`"), "{message}");
}

#[test]
fn an_unknown_type_names_the_type() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][2]["type"] = json!("strin");
    });
    let message = expect_failure(root.path(), SpecErrorKind::Shape);
    assert!(
        message.starts_with(&format!("{OPERATION}: /parameters/2/type:")),
        "{message}"
    );
    assert!(message.contains("unknown type \"strin\""), "{message}");
}

#[test]
fn a_duplicate_parameter_names_both() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][3]["name"] = json!("PageSize");
    });
    let message = expect_failure(root.path(), SpecErrorKind::DuplicateParameter);
    assert!(
        message.starts_with(&format!("{OPERATION}: /parameters/3/name:")),
        "{message}"
    );
    assert!(message.contains("\"PageSize\""), "{message}");
    assert!(message.contains("/parameters/1"), "{message}");
}

#[test]
fn a_duplicate_field_names_both() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["response"]["fields"][4]["fields"][0]["items"]["fields"][1]["name"] =
            json!("WidgetId");
    });
    let message = expect_failure(root.path(), SpecErrorKind::DuplicateField);
    let pointer = "/response/fields/4/fields/0/items/fields";
    assert!(
        message.starts_with(&format!("{OPERATION}: {pointer}/1/name:")),
        "{message}"
    );
    assert!(message.contains(&format!("{pointer}/0")), "{message}");
}

#[test]
fn more_error_rows_than_the_tables_can_index_is_an_error() {
    let root = workspace();
    edit(root.path(), |spec| {
        let errors = spec["errors"].as_array_mut().expect("array");
        let row = json!({"httpStatus": 400, "code": "Mass.Code", "message": "Again."});
        errors.extend(std::iter::repeat_n(row, usize::from(u16::MAX)));
    });
    let message = expect_failure(root.path(), SpecErrorKind::InvalidValue);
    assert!(
        message.starts_with(&format!("{OPERATION}: /errors:")),
        "{message}"
    );
    assert!(message.contains("65535"), "{message}");
}

#[test]
fn two_codes_with_one_variant_name_name_both_rows() {
    let root = workspace();
    edit(root.path(), |spec| {
        let errors = spec["errors"].as_array_mut().expect("array");
        errors.push(
            json!({"httpStatus": 400, "code": "AbsInvalidAccount.NotFound", "message": "Clash."}),
        );
    });
    let message = expect_failure(root.path(), SpecErrorKind::NameCollision);
    assert!(
        message.starts_with(&format!("{OPERATION}: /errors/6/code:")),
        "{message}"
    );
    assert!(
        message.contains("\"Abs.InvalidAccount.NotFound\" (/errors/4)"),
        "{message}"
    );
    assert!(
        message.contains("\"AbsInvalidAccount.NotFound\" (/errors/6)"),
        "{message}"
    );
    assert!(message.contains("AbsInvalidAccountNotFound"), "{message}");
    assert!(message.contains("rustName"), "{message}");
}

#[test]
fn a_file_name_must_match_the_operation_name() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["name"] = json!("DescribeGadgets");
    });
    let message = expect_failure(root.path(), SpecErrorKind::FileNameMismatch);
    assert!(
        message.starts_with(&format!("{OPERATION}: /name:")),
        "{message}"
    );
    assert!(message.contains("DescribeGadgets"), "{message}");
}

#[test]
fn type_keys_must_fit_the_type() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][1]["items"] = json!({"type": "string"});
    });
    let message = expect_failure(root.path(), SpecErrorKind::InconsistentType);
    assert!(
        message.starts_with(&format!("{OPERATION}: /parameters/1/items:")),
        "{message}"
    );
}

#[test]
fn a_nested_struct_name_clash_asks_for_rust_type() {
    let root = workspace();
    edit(root.path(), |spec| {
        // A third `Items` object under the widget's `Items`: both fallbacks
        // (`Items`, `WidgetItemsItems`...) are checked, and a forced clash
        // through `rustType` is reported with both places.
        spec["response"]["fields"][4]["fields"][0]["items"]["fields"][4]["rustType"] =
            json!("Widget");
    });
    let message = expect_failure(root.path(), SpecErrorKind::NameCollision);
    assert!(
        message.starts_with(&format!(
            "{OPERATION}: /response/fields/4/fields/0/items/fields/4:"
        )),
        "{message}"
    );
    assert!(
        message.contains("/response/fields/4/fields/0/items"),
        "{message}"
    );
    assert!(message.contains("rustType"), "{message}");
}

#[test]
fn problems_in_several_files_are_all_reported() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][2]["type"] = json!("strin");
    });
    let product = "spec/rds/2014-08-15/product.json";
    let mut value = read_json(root.path(), product);
    value["gatewayErrors"][0]["httpStatus"] = json!(42);
    write_json(root.path(), product, &value);
    let outcome = codegen::run(root.path(), &Layout::default(), Mode::Write);
    let Err(CodegenError::Spec(errors)) = outcome else {
        panic!("expected spec errors");
    };
    let message = errors.to_string();
    assert!(
        message.contains(&format!("{product}: /gatewayErrors/0/httpStatus:")),
        "{message}"
    );
    assert!(
        message.contains(&format!("{OPERATION}: /parameters/2/type:")),
        "{message}"
    );
}

#[test]
fn a_parameter_may_not_take_a_builder_method_name() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][2]["name"] = json!("Send");
    });
    let message = expect_failure(root.path(), SpecErrorKind::NameCollision);
    assert!(
        message.starts_with(&format!("{OPERATION}: /parameters/2/name:")),
        "{message}"
    );
    assert!(message.contains("`send`"), "{message}");
}

#[test]
fn a_parameter_may_not_take_the_name_of_customize() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][2]["name"] = json!("Customize");
    });
    let message = expect_failure(root.path(), SpecErrorKind::NameCollision);
    assert!(message.contains("`customize`"), "{message}");
}

#[test]
fn a_parameter_may_not_shadow_another_parameters_setter() {
    let root = workspace();
    edit(root.path(), |spec| {
        spec["parameters"][2]["name"] = json!("SetPageSize");
    });
    let message = expect_failure(root.path(), SpecErrorKind::NameCollision);
    assert!(
        message.starts_with(&format!("{OPERATION}: /parameters/2/name:")),
        "{message}"
    );
    assert!(message.contains("/parameters/1"), "{message}");
}
