//! The generated `DBInstanceRunning` waiter of `DescribeDBInstanceAttribute`
//! against the emulator, whose fixture instances can change status after a
//! known number of polls: success after exactly those polls, and the
//! failure state of an instance being deleted.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::{Client, Config, Credentials, WaiterError};
use aliyun_rds_emulator::{Emulator, Fixture, RunningEmulator};

const POLLED: &str = "DescribeDBInstanceAttribute";
const POLL_DELAY: Duration = Duration::from_millis(2);

async fn emulator_with(instances: &str) -> RunningEmulator {
    let fixture = Fixture::from_json_str(&format!(r#"{{"Instances": [{instances}]}}"#))
        .expect("the fixture parses");
    Emulator::builder()
        .fixture(fixture)
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

#[tokio::test]
async fn the_waiter_returns_once_the_instance_runs() {
    let emulator = emulator_with(
        r#"{"DBInstanceName": "rm-creating", "DBInstanceStatus": "Creating", "Engine": "MySQL",
            "PendingStatus": {"Status": "Running", "AfterPolls": 3}}"#,
    )
    .await;
    let output = client_for(&emulator)
        .describe_db_instance_attribute("rm-creating")
        .wait_until_db_instance_running(Duration::from_secs(60))
        .min_delay(POLL_DELAY)
        .max_delay(POLL_DELAY)
        .await
        .expect("the instance comes up");
    let status = output
        .items
        .and_then(|items| items.db_instance_attribute)
        .and_then(|instances| instances.into_iter().next())
        .and_then(|instance| instance.db_instance_status);
    assert_eq!(status.as_deref(), Some("Running"));
    // Three answers say Creating, the fourth Running.
    assert_eq!(emulator.request_count(POLLED), 4);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_instance_being_deleted_fails_the_wait_at_once() {
    let emulator = emulator_with(
        r#"{"DBInstanceName": "rm-leaving", "DBInstanceStatus": "Deleting", "Engine": "MySQL"}"#,
    )
    .await;
    let error = client_for(&emulator)
        .describe_db_instance_attribute("rm-leaving")
        .wait_until_db_instance_running(Duration::from_secs(60))
        .min_delay(POLL_DELAY)
        .max_delay(POLL_DELAY)
        .await
        .expect_err("a deleted instance never runs");
    assert!(
        matches!(&error, WaiterError::FailureState { waiter, .. } if *waiter == "DBInstanceRunning"),
        "{error:?}"
    );
    assert!(error.to_string().contains("being deleted"), "{error}");
    assert_eq!(emulator.request_count(POLLED), 1, "no second poll");
    emulator.shutdown().await;
}
