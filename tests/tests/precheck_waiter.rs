//! The generated `CloudMigrationPrecheckPassed` waiter of
//! `DescribeCloudMigrationPrecheckResult` against the emulator, whose
//! prechecks can stay running for a known number of polls: success after
//! exactly those polls on a passing precheck, the failure state on a failing
//! one (a source the emulator cannot reach), and polling on while the
//! answer has no item at all.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::{Client, Config, Credentials, WaiterError};
use aliyun_rds_emulator::{Emulator, Fixture, RunningEmulator};
use aliyun_runtime::waiter::AcceptorState;

const POLLED: &str = "DescribeCloudMigrationPrecheckResult";
const WAITER: &str = "CloudMigrationPrecheckPassed";
const TARGET: &str = "pgm-demo-target";

/// Delays between polls short enough for tests; the emulator's prechecks
/// move on per poll, not with time.
const POLL_DELAY: Duration = Duration::from_millis(2);

async fn emulator_with(precheck_polls: u32) -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .precheck_polls(precheck_polls)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client_for(emulator: &RunningEmulator) -> Client {
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        ))
        .build();
    Client::new(config).expect("build the client")
}

/// Creates a precheck of the source at `ip` and returns its task ID.
async fn precheck(client: &Client, ip: &str) -> i64 {
    client
        .create_cloud_migration_precheck_task(
            TARGET,
            ip,
            5432,
            "migratetest",
            "precheck-waiter-password",
            "ecsOnVpc",
        )
        .send()
        .await
        .expect("the precheck is created")
        .task_id
        .expect("the answer has a TaskId")
}

#[tokio::test]
async fn the_waiter_returns_once_the_report_says_the_precheck_passed() {
    let emulator = emulator_with(3).await;
    let client = client_for(&emulator);
    let task_id = precheck(&client, "172.16.10.40").await;
    let output = client
        .describe_cloud_migration_precheck_result(TARGET, 30, 1)
        .task_id(task_id)
        .wait_until_cloud_migration_precheck_passed(Duration::from_secs(60))
        .min_delay(POLL_DELAY)
        .max_delay(POLL_DELAY)
        .await
        .expect("the precheck passes");
    let detail = output
        .items
        .unwrap_or_default()
        .into_iter()
        .next()
        .and_then(|item| item.detail)
        .expect("the report");
    assert!(detail.ends_with("*Migrate check success*"), "{detail}");
    assert!(detail.contains("Check ip connectable: success"), "{detail}");
    // Three answers show the report being written, the fourth its verdict.
    assert_eq!(emulator.request_count(POLLED), 4);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_failed_precheck_ends_the_wait_in_the_failure_state() {
    let emulator = emulator_with(2).await;
    let client = client_for(&emulator);
    // An address reserved for documentation: the emulator's connectivity
    // checks fail on it, and the report's item lines say `failed` before
    // the verdict is written, which must not end the wait early.
    let task_id = precheck(&client, "192.0.2.10").await;
    let error = client
        .describe_cloud_migration_precheck_result(TARGET, 30, 1)
        .task_id(task_id)
        .wait_until_cloud_migration_precheck_passed(Duration::from_secs(60))
        .min_delay(POLL_DELAY)
        .max_delay(POLL_DELAY)
        .await
        .expect_err("an unreachable source fails the precheck");
    match &error {
        WaiterError::FailureState {
            waiter,
            acceptor,
            attempts,
        } => {
            assert_eq!(*waiter, WAITER);
            assert_eq!(acceptor.state, AcceptorState::Failure);
            assert_eq!(*attempts, 3);
        }
        other => panic!("expected the failure state, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains("the precheck failed"), "{message}");
    assert!(
        message.contains("Items[0].Detail contains \"*Migrate check fail\""),
        "{message}"
    );
    assert_eq!(emulator.request_count(POLLED), 3);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_answer_without_items_is_polled_again_until_the_maximum_wait() {
    let emulator = emulator_with(0).await;
    let client = client_for(&emulator);
    let task_id = precheck(&client, "172.16.10.41").await;
    // No precheck has this ID: every answer is empty, which is neither a
    // pass nor a failure.
    let error = client
        .describe_cloud_migration_precheck_result(TARGET, 30, 1)
        .task_id(task_id + 1000)
        .wait_until_cloud_migration_precheck_passed(Duration::from_millis(100))
        .min_delay(POLL_DELAY)
        .max_delay(POLL_DELAY)
        .await
        .expect_err("no item ever passes");
    match &error {
        WaiterError::Timeout {
            waiter,
            attempts,
            last_observed,
            ..
        } => {
            assert_eq!(*waiter, WAITER);
            assert!(*attempts >= 2, "{attempts}");
            assert_eq!(
                u64::from(*attempts),
                u64::try_from(emulator.request_count(POLLED)).expect("a small count")
            );
            assert_eq!(last_observed.len(), 1, "{last_observed:?}");
            assert_eq!(last_observed[0].path, "Items[0].Detail");
            assert!(last_observed[0].values.is_empty(), "{last_observed:?}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(
        error.to_string().contains("Items[0].Detail absent"),
        "{error}"
    );
    emulator.shutdown().await;
}
