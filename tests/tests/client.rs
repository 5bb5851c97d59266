//! The generated client against the emulator, a real HTTP server on
//! loopback: the fluent builder's request reaches the wire with its wire
//! names, the output decodes, and service errors come back as the
//! operation's typed error enum (operation codes and gateway codes alike).

use aliyun_rds::errors::gateway::GatewayError;
use aliyun_rds::operation::activate_migration_target_instance::{
    ActivateMigrationTargetInstanceError, ActivateMigrationTargetInstanceOutput,
};
use aliyun_rds::{Client, Config, SdkError};
use aliyun_rds_emulator::{Emulator, Fault, Fixture, RunningEmulator};
use aliyun_runtime::{Credentials, RetryConfig};

const ACTION: &str = "ActivateMigrationTargetInstance";

async fn start() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client(emulator: &RunningEmulator) -> Client {
    let config = Config::builder()
        .region("cn-hangzhou")
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        ))
        .retry(RetryConfig::disabled())
        .build();
    Client::new(config).expect("a valid configuration")
}

fn service_kind(
    error: &SdkError<ActivateMigrationTargetInstanceError>,
) -> &ActivateMigrationTargetInstanceError {
    error
        .as_service_error()
        .unwrap_or_else(|| panic!("expected a service error, got {error:?}"))
        .kind()
}

#[tokio::test]
async fn a_switchover_returns_the_decoded_output() {
    let emulator = start().await;
    let output: ActivateMigrationTargetInstanceOutput = client(&emulator)
        .activate_migration_target_instance("pgm-demo-ready")
        .switch_time_mode("0")
        .send()
        .await
        .expect("the switchover succeeds");
    assert_eq!(output.db_instance_name.as_deref(), Some("pgm-demo-ready"));
    assert_eq!(output.task_id, Some(440_913_675));
    assert!(output.source_port.is_some_and(|port| port > 0));
    assert!(output.request_id.is_some_and(|id| !id.is_empty()));
    assert_eq!(emulator.request_count(ACTION), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn operation_errors_are_typed() {
    let emulator = start().await;
    let client = client(&emulator);

    let not_found = client
        .activate_migration_target_instance("pgm-does-not-exist")
        .send()
        .await
        .expect_err("no such instance");
    let kind = service_kind(&not_found);
    assert_eq!(
        *kind,
        ActivateMigrationTargetInstanceError::InvalidDBInstanceNameNotFound
    );
    assert_eq!(kind.http_status(), Some(404));

    let syncing = client
        .activate_migration_target_instance("pgm-demo-syncing")
        .send()
        .await
        .expect_err("the task is not synchronized");
    assert_eq!(
        *service_kind(&syncing),
        ActivateMigrationTargetInstanceError::InvalidMigrateStatus
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn gateway_errors_are_typed_and_retryable() {
    let emulator = start().await;
    emulator
        .faults()
        .inject(ACTION, Fault::throttling(Some("1")), 1);
    let throttled = client(&emulator)
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect_err("throttled");
    let kind = service_kind(&throttled);
    assert_eq!(
        *kind,
        ActivateMigrationTargetInstanceError::Gateway(GatewayError::ThrottlingUser)
    );
    assert!(kind.is_retryable());
    emulator.shutdown().await;
}

/// Two operations' errors meet in the crate-wide `Error` through `?`.
async fn switch_over(client: &Client, name: &str) -> Result<Option<i64>, aliyun_rds::Error> {
    let output = client
        .activate_migration_target_instance(name)
        .send()
        .await?;
    Ok(output.task_id)
}

#[tokio::test]
async fn the_crate_error_collects_operation_errors_with_question_mark() {
    let emulator = start().await;
    let client = client(&emulator);
    let error = switch_over(&client, "pgm-demo-notask")
        .await
        .expect_err("no task");
    assert_eq!(error.operation(), ACTION);
    assert!(error
        .to_string()
        .starts_with("ActivateMigrationTargetInstance failed: "));
    let aliyun_rds::Error::ActivateMigrationTargetInstance(inner) = &error else {
        panic!("unexpected variant {error:?}");
    };
    assert_eq!(
        *service_kind(inner),
        ActivateMigrationTargetInstanceError::InvalidMigrateTask
    );
    assert!(std::error::Error::source(&error).is_some());
    emulator.shutdown().await;
}

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
fn numbers_decode_from_strings_and_unknown_fields_are_ignored() {
    let output: ActivateMigrationTargetInstanceOutput = serde_json::from_str(
        r#"{"TaskId": "440913675", "SourcePort": 5432, "Surprise": true, "RequestId": "R"}"#,
    )
    .expect("lenient decoding");
    assert_eq!(output.task_id, Some(440_913_675));
    assert_eq!(output.source_port, Some(5432));
    assert_eq!(output.db_instance_name, None);
    // Serializing gives the wire names back, without absent fields.
    let wire = serde_json::to_value(&output).expect("serializable");
    assert_eq!(
        wire,
        serde_json::json!({"TaskId": 440913675, "SourcePort": 5432, "RequestId": "R"})
    );
}
