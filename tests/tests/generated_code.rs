//! The generated crates match the spec: the same comparison as
//! `cargo xtask codegen --check`, so `cargo test --workspace` fails when
//! someone edits a spec without regenerating, or edits generated code by
//! hand.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use xtask::codegen::{self, Layout, Mode};

#[test]
fn generated_crates_are_up_to_date_with_the_spec() {
    let root = xtask::workspace_root();
    let differences = codegen::run(&root, &Layout::default(), Mode::Check)
        .unwrap_or_else(|error| panic!("{error}"));
    let listing: Vec<String> = differences.iter().map(ToString::to_string).collect();
    assert!(
        listing.is_empty(),
        "the generated crates differ from the spec; run `cargo xtask codegen`:\n{}",
        listing.join("\n")
    );
}

#[test]
fn operations_are_listed_in_name_order_with_their_metadata() {
    let operations = aliyun_rds::metadata::OPERATIONS;
    assert!(!operations.is_empty());
    let names: Vec<&str> = operations.iter().map(|operation| operation.name).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted);

    let activate = aliyun_rds::operation::activate_migration_target_instance::METADATA;
    assert!(operations.contains(&&activate));
    assert_eq!(activate.rust_name, "activate_migration_target_instance");
    assert!(!activate.idempotency.idempotent);
    let parameter = activate
        .parameter("DBInstanceName")
        .expect("documented parameter");
    assert!(parameter.required);
    assert_eq!(parameter.rust_name, "db_instance_name");
    assert_eq!(activate.errors().count(), 66);
    assert_eq!(aliyun_rds::metadata::PRODUCT.code, "Rds");
    assert!(aliyun_rds::metadata::PRODUCT
        .gateway_error("Throttling.User")
        .is_some());
}

/// With `serde-deserialize`, an output reads from JSON through serde
/// exactly as the client decodes it, undeclared members and lenient
/// numbers included, and a mistyped member is an error naming it.
#[test]
fn deserialize_decodes_outputs_as_the_client_does() {
    use aliyun_rds::operation::describe_db_instance_attribute::DescribeDbInstanceAttributeOutput;
    use aliyun_runtime::FromJson;

    let body = serde_json::json!({
        "RequestId": "1AD222E9",
        "Items": {"DBInstanceAttribute": [{"DBInstanceId": "rm-1", "DBInstanceMemory": "4096"}]},
        "NotYetDocumented": true,
    });
    let through_serde: DescribeDbInstanceAttributeOutput =
        serde_json::from_value(body.clone()).expect("deserializes");
    let through_client = DescribeDbInstanceAttributeOutput::from_json(body).expect("decodes");
    assert_eq!(through_serde, through_client);
    assert_eq!(
        through_serde.unknown_fields.get("NotYetDocumented"),
        Some(&serde_json::json!(true))
    );
    let instance = &through_serde
        .items
        .as_ref()
        .and_then(|items| items.db_instance_attribute.clone())
        .unwrap()[0];
    assert_eq!(instance.db_instance_memory, Some(4096));

    let mistyped =
        serde_json::json!({"Items": {"DBInstanceAttribute": [{"DBInstanceMemory": "lots"}]}});
    let error = serde_json::from_value::<DescribeDbInstanceAttributeOutput>(mistyped)
        .expect_err("not a number");
    assert!(
        error
            .to_string()
            .contains("Items.DBInstanceAttribute[0].DBInstanceMemory"),
        "{error}"
    );
}
