//! Error cases of the `waiters` of an operation spec: every mistake is
//! reported with the file and the JSON pointer of the offending key, and
//! nothing is written.
//!
//! Each test copies the fixture spec (whose `DescribeWidgets` has two
//! valid waiters) into a temporary workspace, breaks one waiter and runs
//! the generator in write mode.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/broken_widgets.rs"]
mod broken_widgets;
mod support;

use broken_widgets::single_failure;

use serde_json::{json, Value};
use xtask::spec::SpecErrorKind;

fn first_condition(spec: &mut Value) -> &mut Value {
    &mut spec["waiters"][0]["acceptors"][0]["conditions"][0]
}

#[test]
fn a_path_to_a_field_the_response_lacks() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/0/conditions/0/path",
        |spec| first_condition(spec)["path"] = json!("Items.Gadget[0].Size"),
    );
    assert!(message.contains("no field \"Gadget\""), "{message}");
    assert!(
        message.contains("Widget"),
        "the known fields are listed: {message}"
    );
}

#[test]
fn paths_that_index_a_non_array_or_stop_at_an_object_or_do_not_parse() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/0/conditions/0/path",
        |spec| first_condition(spec)["path"] = json!("Items[0].Widget"),
    );
    assert!(message.contains("not an array"), "{message}");
    let message = single_failure(
        SpecErrorKind::InconsistentType,
        "/waiters/0/acceptors/0/conditions/0/equals",
        |spec| first_condition(spec)["path"] = json!("Items.Widget[0].Items"),
    );
    assert!(
        message.contains("strings, integers and booleans"),
        "{message}"
    );
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/0/conditions/0/path",
        |spec| first_condition(spec)["path"] = json!("Items.Widget[x].Size"),
    );
    assert!(message.contains("[x]"), "{message}");
}

#[test]
fn a_value_of_the_wrong_type() {
    let message = single_failure(
        SpecErrorKind::InconsistentType,
        "/waiters/0/acceptors/0/conditions/0/equals",
        |spec| first_condition(spec)["equals"] = json!("five"),
    );
    assert!(message.contains("int64"), "{message}");
}

#[test]
fn a_path_that_reads_a_secret() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/0/conditions/0/path",
        |spec| {
            let fields = spec["response"]["fields"]
                .as_array_mut()
                .expect("response fields");
            fields.push(json!({ "name": "AdminPassword", "type": "string" }));
            *first_condition(spec) = json!({ "path": "AdminPassword", "equals": "x" });
        },
    );
    assert!(message.contains("a secret"), "{message}");
}

#[test]
fn names_must_be_pascal_case_and_unique() {
    let message = single_failure(SpecErrorKind::InvalidName, "/waiters/0/name", |spec| {
        spec["waiters"][0]["name"] = json!("widgets_ready")
    });
    assert!(message.contains("PascalCase"), "{message}");
    let message = single_failure(SpecErrorKind::NameCollision, "/waiters/1/name", |spec| {
        spec["waiters"][1]["name"] = json!("WidgetsReady")
    });
    assert!(message.contains("wait_until_widgets_ready"), "{message}");
}

#[test]
fn a_waiter_needs_sane_delays_a_success_acceptor_and_conditions() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/maxDelaySeconds",
        |spec| spec["waiters"][0]["maxDelaySeconds"] = json!(1),
    );
    assert!(message.contains("below the minimum"), "{message}");
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/1/acceptors",
        |spec| spec["waiters"][1]["acceptors"][0]["state"] = json!("retry"),
    );
    assert!(message.contains("\"success\""), "{message}");
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/2/conditions",
        |spec| spec["waiters"][0]["acceptors"][2]["conditions"] = json!([]),
    );
    assert!(message.contains("at least one condition"), "{message}");
}

#[test]
fn unknown_keys_are_shape_errors() {
    let message = single_failure(
        SpecErrorKind::Shape,
        "/waiters/0/acceptors/0/conditions/0/matches",
        |spec| first_condition(spec)["matches"] = json!("x"),
    );
    assert!(message.contains("unknown field"), "{message}");
}

#[test]
fn retried_codes_must_be_documented_or_gateway_errors() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/retryOnErrors/1",
        |spec| spec["waiters"][0]["retryOnErrors"] = json!(["Throttling.User", "throttling.user"]),
    );
    assert!(message.contains("\"throttling.user\""), "{message}");
    assert!(message.contains("case-sensitive"), "{message}");
}

#[test]
fn contains_reads_string_fields_only() {
    let message = single_failure(
        SpecErrorKind::InconsistentType,
        "/waiters/0/acceptors/0/conditions/0/contains",
        |spec| *first_condition(spec) = json!({ "path": "TotalCount", "contains": "5" }),
    );
    assert!(message.contains("int32"), "{message}");
    assert!(message.contains("string fields only"), "{message}");
}

#[test]
fn an_empty_contains_is_refused() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/0/conditions/0/contains",
        |spec| {
            *first_condition(spec) = json!({ "path": "Items.Widget[0].WidgetId", "contains": "" })
        },
    );
    assert!(message.contains("any text of `WidgetId`"), "{message}");
}

#[test]
fn a_condition_has_exactly_one_of_equals_and_contains() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/0/conditions/0/contains",
        |spec| first_condition(spec)["contains"] = json!("5"),
    );
    assert!(message.contains("not both"), "{message}");
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/waiters/0/acceptors/0/conditions/0",
        |spec| {
            first_condition(spec)
                .as_object_mut()
                .expect("a condition object")
                .remove("equals");
        },
    );
    assert!(message.contains("`equals`"), "{message}");
    assert!(message.contains("`contains`"), "{message}");
}

#[test]
fn contains_must_be_text() {
    let message = single_failure(
        SpecErrorKind::Shape,
        "/waiters/0/acceptors/0/conditions/0/contains",
        |spec| {
            *first_condition(spec) = json!({ "path": "Items.Widget[0].WidgetId", "contains": 5 })
        },
    );
    assert!(message.contains("string"), "{message}");
}
