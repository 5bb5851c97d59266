//! The generated client's types without a server: the fluent builder fills
//! the input with wire names, and outputs decode leniently. Calls over the
//! wire are tested against the emulator in `end_to_end.rs`.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aliyun_rds::operation::activate_migration_target_instance::ActivateMigrationTargetInstanceOutput;
use aliyun_rds::{Client, Config};
use aliyun_runtime::Credentials;

#[test]
fn the_builder_fills_the_input_with_wire_names() {
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials(Credentials::new("id", "secret"))
        .build();
    let client = Client::new(config).expect("a valid configuration");
    let builder = client
        .activate_migration_target_instance("pgm-1")
        .force_switch("1")
        .set_switch_time(None);
    let wire = serde_json::to_value(builder.as_input()).expect("serializable");
    assert_eq!(
        wire,
        serde_json::json!({"DBInstanceName": "pgm-1", "ForceSwitch": "1"})
    );
}

#[test]
fn to_parameters_writes_what_the_derived_serialize_flattens_to() {
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials(Credentials::new("id", "secret"))
        .build();
    let client = Client::new(config).expect("a valid configuration");
    let builder = client
        .describe_db_instances("cn-hangzhou")
        .engine("PostgreSQL")
        .page_size(30)
        .query_auto_renewal(true)
        .set_vpc_id(None);
    let input = builder.as_input();
    let written = input.to_parameters().expect("writable");
    assert_eq!(
        written,
        aliyun_runtime::parameters::flatten_parameters(input).expect("serializable")
    );
    let mut sorted = written;
    sorted.sort();
    let expected: Vec<(String, String)> = [
        ("Engine", "PostgreSQL"),
        ("PageSize", "30"),
        ("QueryAutoRenewal", "true"),
        ("RegionId", "cn-hangzhou"),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    assert_eq!(sorted, expected);
}

#[test]
fn numbers_decode_from_strings_and_unknown_fields_are_kept() {
    let output: ActivateMigrationTargetInstanceOutput = serde_json::from_str(
        r#"{"TaskId": "440913675", "SourcePort": 5432, "Surprise": true, "RequestId": "R"}"#,
    )
    .expect("lenient decoding");
    assert_eq!(output.task_id, Some(440_913_675));
    assert_eq!(output.source_port, Some(5432));
    assert_eq!(output.db_instance_name, None);
    // A field the documentation does not list is kept for the caller.
    assert_eq!(output.unknown_fields["Surprise"], true);
    // Serializing gives the wire names back, without absent fields and with
    // the undocumented ones.
    let wire = serde_json::to_value(&output).expect("serializable");
    assert_eq!(
        wire,
        serde_json::json!({"TaskId": 440913675, "SourcePort": 5432, "RequestId": "R", "Surprise": true})
    );
}
