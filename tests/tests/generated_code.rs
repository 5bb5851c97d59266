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
