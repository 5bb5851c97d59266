//! Fixture loading: the demo document, files, and clear errors for broken
//! ones.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::error::Error as _;
use std::io::Write as _;
use std::path::Path;

use aliyun_rds_emulator::{Fixture, FixtureError, MigrationStage};

/// A fixture file written for the test, removed when the returned value is
/// dropped, even when the test fails.
fn fixture_file(name: &str, contents: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::Builder::new()
        .prefix("aliyun-rds-emulator-fixture-")
        .suffix(&format!("-{name}"))
        .tempfile()
        .expect("create a temporary fixture file");
    file.write_all(contents.as_bytes())
        .expect("write the temporary fixture file");
    file
}

#[test]
fn the_shipped_demo_file_is_the_built_in_demo() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo.json");
    let from_file = Fixture::from_path(&path).expect("demo file loads");
    assert_eq!(from_file, Fixture::demo());
    let ready = &from_file.instances()[0];
    assert_eq!(ready.name, "pgm-demo-ready");
    assert!(ready.is_running());
    assert_eq!(
        ready.migration_task.as_ref().map(|task| task.stage),
        Some(MigrationStage::Synchronized)
    );
    let locked = from_file
        .instances()
        .iter()
        .find(|instance| instance.name == "pgm-demo-locked")
        .expect("locked instance");
    assert!(!locked.is_running());
}

#[test]
fn a_missing_file_names_the_file() {
    let path = Path::new("no/such/fixture.json");
    let error = Fixture::from_path(path).expect_err("missing file");
    assert!(matches!(error, FixtureError::Read { .. }));
    let message = error.to_string();
    assert!(message.contains("no/such/fixture.json"), "{message}");
    assert!(error.source().is_some());
}

#[test]
fn a_syntax_error_names_the_file_and_position() {
    let file = fixture_file(
        "syntax.json",
        "{\"Instances\": [\n  {\"DBInstanceName\": }\n]}",
    );
    let error = Fixture::from_path(file.path()).expect_err("bad JSON");
    let message = error.to_string();
    assert!(
        message.contains(&file.path().display().to_string()),
        "{message}"
    );
    assert!(message.contains("line 2"), "{message}");
    assert!(error.source().is_some());
}

#[test]
fn unknown_missing_and_mistyped_fields_are_reported() {
    let cases = [
        (r#"{"Instances": [], "Extra": 1}"#, "unknown field `Extra`"),
        (
            r#"{"Instances": [{"DBInstanceName": "a", "DBInstanceStatus": "Running", "Engine": "PostgreSQL", "Colour": "red"}]}"#,
            "unknown field `Colour`",
        ),
        (
            r#"{"Instances": [{"DBInstanceName": "a", "Engine": "PostgreSQL"}]}"#,
            "missing field `DBInstanceStatus`",
        ),
        (
            r#"{"Instances": [{"DBInstanceName": "a", "DBInstanceStatus": "Running", "Engine": "PostgreSQL",
                "MigrationTask": {"TaskId": 1, "Stage": "paused", "SourceIpAddress": "h", "SourcePort": 1}}]}"#,
            "unknown variant `paused`",
        ),
        (
            r#"{"Instances": [{"DBInstanceName": "a", "DBInstanceStatus": "Running", "Engine": "PostgreSQL",
                "MigrationTask": {"TaskId": 1, "Stage": "syncing", "SourceIpAddress": "h", "SourcePort": 70000}}]}"#,
            "70000",
        ),
        ("", "EOF"),
    ];
    for (json, expected) in cases {
        let error = Fixture::from_json_str(json).expect_err(json);
        let message = error.to_string();
        assert!(matches!(error, FixtureError::Syntax { .. }), "{message}");
        assert!(message.contains(expected), "{expected}: {message}");
    }
}

#[test]
fn a_document_that_is_not_an_object_is_reported() {
    let error = Fixture::from_json_str("[]").expect_err("array");
    assert!(matches!(error, FixtureError::Invalid { .. }));
    assert!(
        error.to_string().contains("must be a JSON object"),
        "{error}"
    );
}

#[test]
fn impossible_states_are_reported_with_the_field() {
    let instance = |name: &str, task: &str| {
        format!(
            r#"{{"DBInstanceName": "{name}", "DBInstanceStatus": "Running", "Engine": "PostgreSQL"{task}}}"#
        )
    };
    let cases = [
        (
            format!(
                r#"{{"Instances": [{}, {}]}}"#,
                instance("twin", ""),
                instance("twin", "")
            ),
            "Instances[1].DBInstanceName \"twin\" appears more than once",
        ),
        (
            format!(r#"{{"Instances": [{}]}}"#, instance(" ", "")),
            "Instances[0].DBInstanceName is empty",
        ),
        (
            format!(
                r#"{{"Instances": [{}]}}"#,
                instance(
                    "a",
                    r#", "MigrationTask": {"TaskId": 0, "Stage": "syncing", "SourceIpAddress": "h", "SourcePort": 1}"#
                )
            ),
            "MigrationTask.TaskId",
        ),
        (
            format!(
                r#"{{"Instances": [{}]}}"#,
                instance(
                    "a",
                    r#", "MigrationTask": {"TaskId": 3, "Stage": "syncing", "SourceIpAddress": "h", "SourcePort": 0}"#
                )
            ),
            "MigrationTask.SourcePort",
        ),
    ];
    for (json, expected) in cases {
        let file = fixture_file("invalid.json", &json);
        let error = Fixture::from_path(file.path()).expect_err(&json);
        let message = error.to_string();
        assert!(matches!(error, FixtureError::Invalid { .. }), "{message}");
        assert!(message.contains(expected), "{expected}: {message}");
        assert!(
            message.contains(&file.path().display().to_string()),
            "{message}"
        );
    }
}

#[test]
fn an_empty_fixture_is_valid() {
    let fixture = Fixture::from_json_str(r#"{"Instances": []}"#).expect("valid");
    assert!(fixture.instances().is_empty());
    assert_eq!(fixture, Fixture::empty());
}

#[test]
fn the_optional_attributes_load_and_are_checked() {
    let instance = |extra: &str| {
        format!(
            r#"{{"Instances": [{{"DBInstanceName": "a", "DBInstanceStatus": "Running", "Engine": "PostgreSQL"{extra}}}]}}"#
        )
    };
    let full = instance(
        r#", "ZoneId": "cn-hangzhou-i", "DBInstanceDescription": "d", "DBInstanceClass": "pg.x4.large.2c",
            "DBInstanceStorage": 500, "DBInstanceType": "Primary", "Category": "Basic", "PayType": "Prepaid",
            "InstanceNetworkType": "Classic", "VpcId": "", "VSwitchId": "", "ConnectionString": "a.example",
            "Port": 1921, "CreationTime": "2024-02-29T23:59:59Z", "CloudResourceAuthorized": false"#,
    );
    let fixture = Fixture::from_json_str(&full).expect("every optional attribute loads");
    assert_eq!(fixture.instances()[0].name, "a");

    let cases = [
        (instance(r#", "InstanceNetworkType": "Mesh""#), "InstanceNetworkType"),
        (instance(r#", "Port": 0"#), "Port"),
        (instance(r#", "CreationTime": "2024-02-30T00:00:00Z""#), "CreationTime"),
        (instance(r#", "CreationTime": "yesterday""#), "CreationTime"),
        (
            r#"{"Instances": [
                {"DBInstanceName": "a", "DBInstanceStatus": "Running", "Engine": "PostgreSQL",
                 "MigrationTask": {"TaskId": 5, "Stage": "syncing", "SourceIpAddress": "h", "SourcePort": 1}},
                {"DBInstanceName": "b", "DBInstanceStatus": "Running", "Engine": "PostgreSQL",
                 "MigrationTask": {"TaskId": 5, "Stage": "startup", "SourceIpAddress": "h", "SourcePort": 1}}
            ]}"#
            .to_owned(),
            "TaskId 5",
        ),
    ];
    for (json, expected) in cases {
        let error = Fixture::from_json_str(&json).expect_err(&json);
        assert!(matches!(error, FixtureError::Invalid { .. }), "{error}");
        assert!(error.to_string().contains(expected), "{expected}: {error}");
    }
    for (json, expected) in [
        (instance(r#", "Port": 70000"#), "70000"),
        (
            instance(r#", "CloudResourceAuthorized": "no""#),
            "expected a boolean",
        ),
        (instance(r#", "DBInstanceStorage": -1"#), "-1"),
    ] {
        let error = Fixture::from_json_str(&json).expect_err(&json);
        assert!(matches!(error, FixtureError::Syntax { .. }), "{error}");
        assert!(error.to_string().contains(expected), "{expected}: {error}");
    }
}

#[test]
fn every_stage_reads_in_lower_case() {
    for (text, stage) in [
        ("basebackup", MigrationStage::BaseBackup),
        ("startup", MigrationStage::Startup),
        ("syncing", MigrationStage::Syncing),
        ("synchronized", MigrationStage::Synchronized),
        ("completed", MigrationStage::Completed),
    ] {
        let json = format!(
            r#"{{"Instances": [{{"DBInstanceName": "a", "DBInstanceStatus": "Running", "Engine": "PostgreSQL",
                "MigrationTask": {{"TaskId": 1, "Stage": "{text}", "SourceIpAddress": "h", "SourcePort": 1}}}}]}}"#
        );
        let fixture = Fixture::from_json_str(&json).expect(text);
        assert_eq!(
            fixture.instances()[0]
                .migration_task
                .as_ref()
                .map(|task| task.stage),
            Some(stage)
        );
    }
}
