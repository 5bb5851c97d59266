//! Error cases of the `pagination` block of an operation spec: every
//! mistake is reported with the file and the JSON pointer of the offending
//! key, and nothing is written.
//!
//! Each test copies the fixture spec (whose `DescribeWidgets` is paged by
//! page number) into a temporary workspace, breaks its block and runs the
//! generator in write mode.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/broken_widgets.rs"]
mod broken_widgets;
mod support;

use broken_widgets::{failures, single_failure};

use serde_json::json;
use xtask::spec::SpecErrorKind;

#[test]
fn a_parameter_the_operation_lacks() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/pagination/pageNumberParameter",
        |spec| spec["pagination"]["pageNumberParameter"] = json!("PageNo"),
    );
    assert!(message.contains("no parameter \"PageNo\""), "{message}");
    assert!(
        message.contains("PageNumber"),
        "the parameters are listed: {message}"
    );
}

#[test]
fn a_parameter_of_the_wrong_type() {
    let message = single_failure(
        SpecErrorKind::InconsistentType,
        "/pagination/pageSizeParameter",
        |spec| spec["pagination"]["pageSizeParameter"] = json!("Engine"),
    );
    assert!(message.contains("\"string\""), "{message}");
    assert!(message.contains("an integer"), "{message}");
}

#[test]
fn an_items_path_that_is_not_a_list() {
    let message = single_failure(
        SpecErrorKind::InconsistentType,
        "/pagination/itemsPath",
        |spec| spec["pagination"]["itemsPath"] = json!("Items"),
    );
    assert!(message.contains("an array"), "{message}");
}

#[test]
fn a_total_path_the_response_lacks_or_that_goes_through_a_list() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/pagination/totalPath",
        |spec| spec["pagination"]["totalPath"] = json!("TotalRecordCount"),
    );
    assert!(
        message.contains("no field \"TotalRecordCount\""),
        "{message}"
    );
    assert!(message.contains("TotalCount"), "{message}");

    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/pagination/totalPath",
        |spec| spec["pagination"]["totalPath"] = json!("Items.Widget.Size"),
    );
    assert!(message.contains("of type \"array\""), "{message}");

    let message = single_failure(
        SpecErrorKind::InconsistentType,
        "/pagination/totalPath",
        |spec| spec["pagination"]["totalPath"] = json!("Ratio"),
    );
    assert!(message.contains("\"number\""), "{message}");
}

#[test]
fn keys_of_the_other_style_and_missing_keys_of_this_one() {
    let message = single_failure(SpecErrorKind::Shape, "/pagination/nextTokenPath", |spec| {
        spec["pagination"]["nextTokenPath"] = json!("RequestId")
    });
    assert!(message.contains("does not belong"), "{message}");

    let messages = failures(SpecErrorKind::Shape, |spec| {
        spec["pagination"] = json!({ "style": "nextToken", "itemsPath": "Items.Widget" });
    });
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages
            .iter()
            .any(|message| message.contains("needs `tokenParameter`")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|message| message.contains("needs `nextTokenPath`")),
        "{messages:#?}"
    );
}

#[test]
fn a_next_token_that_is_a_secret() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/pagination/nextTokenPath",
        |spec| {
            let fields = spec["response"]["fields"]
                .as_array_mut()
                .expect("response fields");
            fields.push(json!({ "name": "SecretCursor", "type": "string" }));
            let parameters = spec["parameters"].as_array_mut().expect("parameters");
            parameters.push(json!({ "name": "Cursor", "type": "string", "required": false }));
            spec["pagination"] = json!({
                "style": "nextToken",
                "tokenParameter": "Cursor",
                "nextTokenPath": "SecretCursor",
                "itemsPath": "Items.Widget"
            });
        },
    );
    assert!(message.contains("a secret"), "{message}");
}

#[test]
fn a_parameter_named_like_the_paginator_method_is_refused() {
    let messages = failures(SpecErrorKind::NameCollision, |spec| {
        let parameters = spec["parameters"].as_array_mut().expect("parameters");
        parameters.push(json!({ "name": "IntoPaginator", "type": "string", "required": false }));
    });
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(messages[0].contains("into_paginator"), "{messages:#?}");
}

#[test]
fn a_default_page_size_of_zero_or_without_its_parameter() {
    let message = single_failure(
        SpecErrorKind::InvalidValue,
        "/pagination/defaultPageSize",
        |spec| spec["pagination"]["defaultPageSize"] = json!(0),
    );
    assert!(message.contains("at least 1"), "{message}");

    let message = single_failure(
        SpecErrorKind::Shape,
        "/pagination/defaultPageSize",
        |spec| {
            spec["pagination"]["defaultPageSize"] = json!(30);
            spec["pagination"]
                .as_object_mut()
                .expect("the block")
                .remove("pageSizeParameter");
        },
    );
    assert!(message.contains("pageSizeParameter"), "{message}");
}
