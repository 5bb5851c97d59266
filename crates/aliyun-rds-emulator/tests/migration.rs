//! The migration state machine behind ActivateMigrationTargetInstance, on the
//! demo fixture and on a fixture of the test's own.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aliyun_rds_emulator::{Fixture, MigrationStage};
use common::{Acs3Request, RpcRequest, Signer, ACTION};

async fn activate(
    emulator: &aliyun_rds_emulator::RunningEmulator,
    extra: &[(&str, &str)],
) -> common::Reply {
    let signer = Signer::demo();
    RpcRequest::new(&signer, ACTION, extra)
        .send(emulator, &signer.secret)
        .await
}

fn stage(emulator: &aliyun_rds_emulator::RunningEmulator, name: &str) -> Option<MigrationStage> {
    emulator
        .instance(name)
        .and_then(|instance| instance.migration_task)
        .map(|task| task.stage)
}

#[tokio::test]
async fn a_synchronized_task_switches_over_once() {
    let emulator = common::start(vec![]).await;
    let reply = activate(&emulator, &[("DBInstanceName", "pgm-demo-ready")]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        stage(&emulator, "pgm-demo-ready"),
        Some(MigrationStage::Completed)
    );

    let reply = activate(&emulator, &[("DBInstanceName", "pgm-demo-ready")]).await;
    reply.assert_error(400, "InvalidMigrateTask");
    assert_eq!(reply.message(), "No running migrate task found.");
    assert_eq!(emulator.request_count(ACTION), 2);
}

#[tokio::test]
async fn a_task_still_syncing_needs_force_switch() {
    let emulator = common::start(vec![]).await;
    let reply = activate(&emulator, &[("DBInstanceName", "pgm-demo-syncing")]).await;
    reply.assert_error(400, "InvalidMigrateStatus");
    assert_eq!(
        reply.message(),
        "The migrate target instance is not synced with source instance."
    );
    assert_eq!(
        stage(&emulator, "pgm-demo-syncing"),
        Some(MigrationStage::Syncing)
    );

    let reply = activate(
        &emulator,
        &[("DBInstanceName", "pgm-demo-syncing"), ("ForceSwitch", "0")],
    )
    .await;
    reply.assert_error(400, "InvalidMigrateStatus");

    let reply = activate(
        &emulator,
        &[("DBInstanceName", "pgm-demo-syncing"), ("ForceSwitch", "1")],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let json = reply.json();
    assert_eq!(json["TaskId"], 440913676);
    assert_eq!(json["SourceIpAddress"], "172.16.10.22");
    assert_eq!(json["SourcePort"], 5433);
    assert_eq!(
        stage(&emulator, "pgm-demo-syncing"),
        Some(MigrationStage::Completed)
    );
}

#[tokio::test]
async fn an_instance_without_task_has_no_running_task() {
    let emulator = common::start(vec![]).await;
    activate(&emulator, &[("DBInstanceName", "pgm-demo-notask")])
        .await
        .assert_error(400, "InvalidMigrateTask");
    // Forcing does not conjure a task.
    activate(
        &emulator,
        &[("DBInstanceName", "pgm-demo-notask"), ("ForceSwitch", "1")],
    )
    .await
    .assert_error(400, "InvalidMigrateTask");
}

#[tokio::test]
async fn an_instance_that_is_not_running_refuses_the_switchover() {
    let emulator = common::start(vec![]).await;
    let reply = activate(
        &emulator,
        &[("DBInstanceName", "pgm-demo-locked"), ("ForceSwitch", "1")],
    )
    .await;
    reply.assert_error(400, "IncorrectDBInstanceState");
    assert_eq!(
        reply.message(),
        "The current instance state does not support this operation."
    );
    assert_eq!(
        stage(&emulator, "pgm-demo-locked"),
        Some(MigrationStage::Synchronized)
    );
    assert_eq!(
        emulator.instance("pgm-demo-locked").map(|i| i.status),
        Some("Locked".to_owned())
    );
}

#[tokio::test]
async fn an_unknown_instance_is_not_found() {
    let emulator = common::start(vec![]).await;
    let reply = activate(&emulator, &[("DBInstanceName", "pgm-nobody")]).await;
    reply.assert_error(404, "InvalidDBInstanceName.NotFound");
    assert_eq!(reply.message(), "The database instance does not exist.");
    assert!(emulator.instance("pgm-nobody").is_none());
}

#[tokio::test]
async fn a_custom_fixture_drives_the_state() {
    let fixture = Fixture::from_json_str(
        r#"{"Instances": [{
            "DBInstanceName": "pgm-custom",
            "DBInstanceStatus": "Running",
            "Engine": "PostgreSQL",
            "MigrationTask": {"TaskId": 9007199254740993, "Stage": "synchronized",
                              "SourceIpAddress": "10.0.0.7", "SourcePort": 6543}
        }]}"#,
    )
    .expect("fixture parses");
    let emulator = common::start_with(fixture, vec![], 0).await;
    let signer = Signer::demo();
    let reply = Acs3Request::new(&signer, ACTION, &[("DBInstanceName", "pgm-custom")])
        .send(&emulator, &signer.id, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    // A task ID beyond 2^53 survives as an exact JSON integer.
    assert!(
        reply.body.contains("\"TaskId\":9007199254740993"),
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["SourcePort"], 6543);
    // The demo instances are not there.
    activate(&emulator, &[("DBInstanceName", "pgm-demo-ready")])
        .await
        .assert_error(404, "InvalidDBInstanceName.NotFound");
}

#[tokio::test]
async fn concurrent_switchovers_of_one_instance_succeed_exactly_once() {
    let emulator = std::sync::Arc::new(common::start(vec![]).await);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let emulator = std::sync::Arc::clone(&emulator);
        tasks.push(tokio::spawn(async move {
            activate(&emulator, &[("DBInstanceName", "pgm-demo-ready")])
                .await
                .status
        }));
    }
    let mut successes = 0;
    for task in tasks {
        if task.await.expect("task") == 200 {
            successes += 1;
        }
    }
    assert_eq!(successes, 1);
    assert_eq!(emulator.request_count(ACTION), 8);
}
