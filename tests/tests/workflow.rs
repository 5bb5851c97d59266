//! The cloud migration workflow through the generated client against the
//! emulator on loopback: the whole flow with both signature schemes, the
//! generated `CloudMigrationReadyToSwitch` waiter (success after a known
//! number of polls, its typed timeout and failure state, polling on through
//! retryable errors), an error path of each workflow operation, the retry
//! rule of idempotent calls, and that the source password never leaks.
//!
//! The emulator moves a migration task on by one poll of
//! `DescribeCloudMigrationResult` at a time, so poll counts are exact.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::operation::activate_migration_target_instance::ActivateMigrationTargetInstanceError;
use aliyun_rds::operation::check_cloud_resource_authorized::CheckCloudResourceAuthorizedError;
use aliyun_rds::operation::create_cloud_migration_precheck_task::CreateCloudMigrationPrecheckTaskError;
use aliyun_rds::operation::describe_cloud_migration_precheck_result::DescribeCloudMigrationPrecheckResultError;
use aliyun_rds::operation::describe_cloud_migration_result::DescribeCloudMigrationResultError;
use aliyun_rds::Client;
use aliyun_rds::WaiterError;
use aliyun_rds_emulator::{Emulator, Fault, Fixture, MigrationStage, RunningEmulator};
use aliyun_runtime::waiter::AcceptorState;
use aliyun_runtime::{Config, Credentials, SdkError, SignatureVersion};

/// The example program's workflow, run here as a test of the same code.
#[allow(dead_code)]
#[path = "../../generated/aliyun-rds/examples/cloud_migration.rs"]
mod example;

const POLLED: &str = "DescribeCloudMigrationResult";
const TARGET: &str = "pgm-demo-target";
const PASSWORD: &str = "never-print-this-password";

/// Delays between polls short enough for tests; the emulator's tasks move
/// on per poll, not with time.
const POLL_DELAY: Duration = Duration::from_millis(2);

async fn emulator_with(polls_per_stage: u32) -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .polls_per_stage(polls_per_stage)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client_for(emulator: &RunningEmulator, version: SignatureVersion) -> Client {
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        ))
        .signature_version(version)
        .build();
    Client::new(config).expect("build the client")
}

/// The typed code of a service error, or a failure naming what came instead.
fn service_kind<E: std::fmt::Debug>(error: SdkError<E>) -> E {
    match error {
        SdkError::Service(service_error) => service_error.into_kind(),
        other => panic!("expected a service error, got {other}"),
    }
}

/// Creates a passed precheck and a migration task on `instance`; returns
/// the migration task's ID.
async fn start_migration(client: &Client, instance: &str) -> i64 {
    client
        .create_cloud_migration_precheck_task(
            instance,
            "172.16.10.30",
            5432,
            "migrator",
            PASSWORD,
            "ecsOnVpc",
        )
        .send()
        .await
        .expect("the precheck is created");
    let task = client
        .create_cloud_migration_task(
            instance,
            "172.16.10.30",
            5432,
            "migrator",
            PASSWORD,
            "ecsOnVpc",
        )
        .send()
        .await
        .expect("the migration task is created");
    task.task_id.expect("a task id")
}

#[tokio::test]
async fn the_example_workflow_succeeds_with_both_signature_schemes() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let emulator = emulator_with(2).await;
        let client = client_for(&emulator, version);
        let summary = example::migrate(&client, TARGET, POLL_DELAY)
            .await
            .unwrap_or_else(|error| panic!("{version:?}: {error}"));
        assert_eq!(summary.final_stage, "success", "{version:?}");
        assert!(!summary.switch_time.is_empty(), "{version:?}");
        assert!(summary.migration_task_id > summary.precheck_task_id);
        // Two polls per stage: ready at poll 3 * 2 + 1, then the final read.
        assert_eq!(emulator.request_count(POLLED), 8, "{version:?}");
        for action in [
            "CheckCloudResourceAuthorized",
            "CreateCloudMigrationPrecheckTask",
            "DescribeCloudMigrationPrecheckResult",
            "CreateCloudMigrationTask",
            "ActivateMigrationTargetInstance",
        ] {
            assert_eq!(emulator.request_count(action), 1, "{version:?} {action}");
        }
        assert_eq!(
            emulator
                .instance(TARGET)
                .and_then(|instance| instance.migration_task)
                .map(|task| task.stage),
            Some(MigrationStage::Completed),
            "{version:?}"
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn the_waiter_succeeds_after_exactly_the_polls_the_task_needs() {
    let emulator = emulator_with(3).await;
    let client = client_for(&emulator, SignatureVersion::V3);
    let task_id = start_migration(&client, TARGET).await;
    let output = client
        .describe_cloud_migration_result(TARGET, 1, 30)
        .task_id(task_id)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_secs(60))
        .min_delay(POLL_DELAY)
        .max_delay(POLL_DELAY)
        .await
        .expect("the task becomes ready");
    let item = output
        .items
        .as_deref()
        .and_then(<[_]>::first)
        .expect("the task is answered");
    assert_eq!(item.task_id, Some(task_id));
    assert_eq!(item.migrate_stage.as_deref(), Some("increment"));
    assert_eq!(item.replication_state.as_deref(), Some("streaming"));
    // Three stages of three polls each, then the synchronized one.
    assert_eq!(emulator.request_count(POLLED), 10);

    // Ready means ready: the switchover is accepted now.
    client
        .activate_migration_target_instance(TARGET)
        .send()
        .await
        .expect("the switchover succeeds");
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_waiter_gives_up_with_a_typed_timeout_and_the_last_state() {
    let emulator = emulator_with(u32::MAX).await;
    let client = client_for(&emulator, SignatureVersion::V1);
    let task_id = start_migration(&client, TARGET).await;
    let error = client
        .describe_cloud_migration_result(TARGET, 1, 30)
        .task_id(task_id)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_millis(300))
        .min_delay(Duration::from_millis(5))
        .max_delay(Duration::from_millis(20))
        .await
        .expect_err("the task never leaves its first stage");
    let message = error.to_string();
    match error {
        WaiterError::Timeout {
            waiter,
            elapsed,
            attempts,
            last_observed,
        } => {
            assert_eq!(waiter, "CloudMigrationReadyToSwitch");
            assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
            assert!(attempts >= 2, "{attempts}");
            assert_eq!(
                u64::from(attempts),
                emulator.request_count(POLLED) as u64,
                "every attempt is one request"
            );
            let stage = last_observed
                .iter()
                .find(|observation| observation.path == "Items[0].MigrateStage")
                .expect("the stage was observed");
            assert_eq!(stage.values, vec!["basebackup".to_owned()]);
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        message.contains("Items[0].MigrateStage = \"basebackup\""),
        "{message}"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_waiter_fails_at_once_on_a_task_already_switched_over() {
    let emulator = emulator_with(2).await;
    let client = client_for(&emulator, SignatureVersion::V1);
    client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect("the demo task is synchronized");
    let error = client
        .describe_cloud_migration_result("pgm-demo-ready", 1, 30)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_secs(60))
        .await
        .expect_err("a completed task can never become ready");
    match &error {
        WaiterError::FailureState {
            acceptor, attempts, ..
        } => {
            assert_eq!(acceptor.state, AcceptorState::Failure);
            assert_eq!(*attempts, 1);
        }
        other => panic!("expected a failure state, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("already switched over"), "{message}");
    assert_eq!(emulator.request_count(POLLED), 1, "no second poll");
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_waiter_polls_on_through_errors_it_retries_and_stops_on_others() {
    let emulator = emulator_with(2).await;
    let client = client_for(&emulator, SignatureVersion::V1);
    // Three 503s exhaust the runtime's three attempts of the first poll;
    // the waiter retries on ServiceUnavailable and its next poll succeeds.
    emulator
        .faults()
        .inject(POLLED, Fault::service_unavailable(), 3);
    let output = client
        .describe_cloud_migration_result("pgm-demo-ready", 1, 30)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_secs(60))
        .min_delay(POLL_DELAY)
        .max_delay(POLL_DELAY)
        .await
        .expect("the waiter outlasts the outage");
    assert!(output.items.is_some_and(|items| items.len() == 1));
    assert_eq!(emulator.request_count(POLLED), 4);

    // An unknown instance is an error the waiter does not retry on.
    let error = client
        .describe_cloud_migration_result("pgm-no-such-instance", 1, 30)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_secs(60))
        .await
        .expect_err("unknown instance");
    match error {
        WaiterError::Operation(error) => assert_eq!(
            service_kind(error),
            DescribeCloudMigrationResultError::InvalidDBInstanceNameNotFound
        ),
        other => panic!("expected the operation's error, got {other:?}"),
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn every_workflow_operation_reports_its_typed_errors() {
    let emulator = emulator_with(2).await;
    let client = client_for(&emulator, SignatureVersion::V3);

    // CheckCloudResourceAuthorized: an unknown instance is an error, an
    // unauthorized one an answer saying so.
    let error = client
        .check_cloud_resource_authorized()
        .db_instance_id("pgm-no-such-instance")
        .send()
        .await
        .expect_err("unknown instance");
    assert_eq!(
        service_kind(error),
        CheckCloudResourceAuthorizedError::InvalidDBInstanceIdNotFound
    );
    let unauthorized = client
        .check_cloud_resource_authorized()
        .db_instance_id("pgm-demo-unauthorized")
        .send()
        .await
        .expect("an answer");
    assert_eq!(unauthorized.authorization_state, Some(0));

    // CreateCloudMigrationPrecheckTask: an instance whose resources are
    // not authorized is refused.
    let error = client
        .create_cloud_migration_precheck_task(
            "pgm-demo-unauthorized",
            "172.16.10.30",
            5432,
            "migrator",
            PASSWORD,
            "ecsOnVpc",
        )
        .send()
        .await
        .expect_err("not authorized");
    assert_eq!(
        service_kind(error),
        CreateCloudMigrationPrecheckTaskError::InvalidUserOperatorPermission
    );

    // DescribeCloudMigrationPrecheckResult: an unknown instance.
    let error = client
        .describe_cloud_migration_precheck_result("pgm-no-such-instance", 30, 1)
        .send()
        .await
        .expect_err("unknown instance");
    assert_eq!(
        service_kind(error),
        DescribeCloudMigrationPrecheckResultError::InvalidDBInstanceNameNotFound
    );

    // CreateCloudMigrationTask: no passed precheck for this source.
    let error = client
        .create_cloud_migration_task(
            TARGET,
            "172.16.10.30",
            5432,
            "migrator",
            PASSWORD,
            "ecsOnVpc",
        )
        .send()
        .await
        .expect_err("no precheck yet");
    let SdkError::Service(service_error) = &error else {
        panic!("expected a service error, got {error}")
    };
    assert_eq!(service_error.code(), "InvalidParameter");
    assert!(
        service_error.metadata().message.contains("precheck"),
        "{error}"
    );

    // DescribeCloudMigrationResult: an unknown instance.
    let error = client
        .describe_cloud_migration_result("pgm-no-such-instance", 1, 30)
        .send()
        .await
        .expect_err("unknown instance");
    assert_eq!(
        service_kind(error),
        DescribeCloudMigrationResultError::InvalidDBInstanceNameNotFound
    );

    // ActivateMigrationTargetInstance: a task just created is not ready.
    start_migration(&client, TARGET).await;
    let error = client
        .activate_migration_target_instance(TARGET)
        .send()
        .await
        .expect_err("not synchronized yet");
    assert_eq!(
        service_kind(error),
        ActivateMigrationTargetInstanceError::InvalidMigrateStatus
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_idempotent_describe_is_retried_after_a_503() {
    let emulator = emulator_with(2).await;
    emulator
        .faults()
        .inject(POLLED, Fault::service_unavailable(), 1);
    let client = client_for(&emulator, SignatureVersion::V1);
    let output = client
        .describe_cloud_migration_result("pgm-demo-ready", 1, 30)
        .send()
        .await
        .expect("the retry succeeds");
    assert_eq!(output.total_size, Some(1));
    assert_eq!(emulator.request_count(POLLED), 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_idempotent_describe_is_retried_after_a_dropped_connection() {
    let emulator = emulator_with(2).await;
    emulator.faults().inject(POLLED, Fault::DropConnection, 1);
    let client = client_for(&emulator, SignatureVersion::V3);
    let output = client
        .describe_cloud_migration_result("pgm-demo-ready", 1, 30)
        .send()
        .await
        .expect("the retry succeeds");
    assert_eq!(output.total_size, Some(1));
    assert_eq!(emulator.request_count(POLLED), 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_source_password_never_appears_in_debug_or_errors() {
    // Tasks never progress, so the waiter below surely times out.
    let emulator = emulator_with(u32::MAX).await;
    let client = client_for(&emulator, SignatureVersion::V1);
    let mut rendered = Vec::new();

    let precheck = client.create_cloud_migration_precheck_task(
        "pgm-demo-unauthorized",
        "172.16.10.30",
        5432,
        "migrator",
        PASSWORD,
        "ecsOnVpc",
    );
    rendered.push(format!("{precheck:?}"));
    rendered.push(format!("{:?}", precheck.as_input()));
    let error = precheck.send().await.expect_err("not authorized");
    rendered.push(format!("{error} {error:?}"));

    let migration = client.create_cloud_migration_task(
        "pgm-demo-unauthorized",
        "172.16.10.30",
        5432,
        "migrator",
        PASSWORD,
        "ecsOnVpc",
    );
    rendered.push(format!("{migration:?}"));
    rendered.push(format!("{:?}", migration.as_input()));
    let error = migration.send().await.expect_err("not authorized");
    rendered.push(format!("{error} {error:?}"));

    // A task created with the password, then described and waited on.
    let task_id = start_migration(&client, TARGET).await;
    let waiter = client
        .describe_cloud_migration_result(TARGET, 1, 30)
        .task_id(task_id)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_millis(1));
    rendered.push(format!("{waiter:?}"));
    let error = waiter.await.expect_err("not ready within a millisecond");
    rendered.push(format!("{error} {error:?}"));
    let described = client
        .describe_cloud_migration_result(TARGET, 1, 30)
        .send()
        .await
        .expect("the task is described");
    rendered.push(format!("{described:?}"));

    for text in &rendered {
        assert!(!text.contains(PASSWORD), "the password leaked: {text}");
    }
    // The redacted field is there, so the check above looked at it.
    assert!(rendered[1].contains("source_password"), "{}", rendered[1]);
    emulator.shutdown().await;
}
