//! The stateful model through the wire: the status machine at each pace,
//! the rules the model enforces with the operations' own codes, seeds,
//! state files, resets, and many calls in flight.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use aliyun_rds_emulator::{Emulator, Fixture, Pace, RunningEmulator};
use common::{Reply, RpcRequest, Signer};
use serde_json::Value;

async fn start(pace: Pace) -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::empty())
        .pace(pace)
        .seed(7)
        .start("127.0.0.1:0")
        .await
        .expect("the emulator starts")
}

async fn call(emulator: &RunningEmulator, action: &str, parameters: &[(&str, &str)]) -> Reply {
    let signer = Signer::demo();
    RpcRequest::new(&signer, action, parameters)
        .send(emulator, &signer.secret)
        .await
}

fn ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

const CREATE: &[(&str, &str)] = &[
    ("RegionId", "cn-hangzhou"),
    ("Engine", "PostgreSQL"),
    ("EngineVersion", "15.0"),
    ("DBInstanceClass", "pg.n2.2c.2m"),
    ("DBInstanceStorage", "20"),
    ("DBInstanceNetType", "Intranet"),
    ("SecurityIPList", "10.0.0.1"),
    ("PayType", "Postpaid"),
];

/// Creates a PostgreSQL instance and answers its ID.
async fn create(emulator: &RunningEmulator) -> String {
    let json = ok(&call(emulator, "CreateDBInstance", CREATE).await);
    json["DBInstanceId"].as_str().expect("an ID").to_owned()
}

async fn status(emulator: &RunningEmulator, id: &str) -> String {
    let json = ok(&call(
        emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", id)],
    )
    .await);
    json["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"]
        .as_str()
        .expect("a status")
        .to_owned()
}

#[tokio::test]
async fn a_poll_pace_reports_creating_for_that_many_polls() {
    let emulator = start(Pace::polls(2)).await;
    let id = create(&emulator).await;
    assert!(id.starts_with("pgm-"), "{id}");
    assert_eq!(status(&emulator, &id).await, "Creating");
    assert_eq!(status(&emulator, &id).await, "Creating");
    assert_eq!(status(&emulator, &id).await, "Running");

    ok(&call(&emulator, "RestartDBInstance", &[("DBInstanceId", &id)]).await);
    assert_eq!(status(&emulator, &id).await, "Restarting");
    // A change in progress refuses another with the state code (given no
    // metadata, the emulator answers the code's most common documented
    // row).
    let refused = call(&emulator, "RestartDBInstance", &[("DBInstanceId", &id)]).await;
    refused.assert_error(403, "IncorrectDBInstanceState");
    assert_eq!(status(&emulator, &id).await, "Restarting");
    assert_eq!(status(&emulator, &id).await, "Running");

    ok(&call(
        &emulator,
        "StopDBInstance",
        &[("DBInstanceId", &id), ("RegionId", "cn-hangzhou")],
    )
    .await);
    for _ in 0..2 {
        assert_eq!(status(&emulator, &id).await, "Stopping");
    }
    assert_eq!(status(&emulator, &id).await, "Stopped");
    ok(&call(&emulator, "StartDBInstance", &[("DBInstanceId", &id)]).await);
    for _ in 0..2 {
        assert_eq!(status(&emulator, &id).await, "Starting");
    }
    assert_eq!(status(&emulator, &id).await, "Running");

    ok(&call(&emulator, "DeleteDBInstance", &[("DBInstanceId", &id)]).await);
    for _ in 0..2 {
        assert_eq!(status(&emulator, &id).await, "Deleting");
    }
    let gone = call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", &id)],
    )
    .await;
    gone.assert_error(400, "InvalidDBInstanceId.NotFound");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_time_pace_ends_changes_on_the_clock() {
    let emulator = start(Pace::duration(Duration::from_millis(300))).await;
    let id = create(&emulator).await;
    assert_eq!(status(&emulator, &id).await, "Creating");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(status(&emulator, &id).await, "Running");
    // The task that showed the creation has finished.
    let tasks = ok(&call(&emulator, "DescribeTasks", &[("DBInstanceId", &id)]).await);
    let task = &tasks["Items"]["TaskProgressInfo"][0];
    assert_eq!(task["TaskAction"], "CreateDBInstance");
    assert_eq!(task["Status"], "2");
    emulator.shutdown().await;
}

#[tokio::test]
async fn the_rules_refuse_with_the_operations_codes() {
    let emulator = start(Pace::instant()).await;
    let id = create(&emulator).await;
    let with_id = |extra: &[(&'static str, &'static str)]| {
        let mut parameters: Vec<(&str, &str)> = vec![("DBInstanceId", id.as_str())];
        parameters.extend_from_slice(extra);
        parameters
    };
    let account = with_id(&[
        ("AccountName", "app_user"),
        ("AccountPassword", "Passw0rd!"),
    ]);
    ok(&call(&emulator, "CreateAccount", &account).await);
    call(&emulator, "CreateAccount", &account)
        .await
        .assert_error(400, "InvalidAccountName.Duplicate");
    call(
        &emulator,
        "CreateAccount",
        &with_id(&[("AccountName", "1bad"), ("AccountPassword", "Passw0rd!")]),
    )
    .await
    .assert_error(400, "InvalidCharacter.DbOrAccount");
    call(
        &emulator,
        "CreateAccount",
        &with_id(&[("AccountName", "root"), ("AccountPassword", "Passw0rd!")]),
    )
    .await
    .assert_error(400, "InvalidAccountName.Forbid");
    call(
        &emulator,
        "CreateAccount",
        &with_id(&[("AccountName", "weak"), ("AccountPassword", "password")]),
    )
    .await
    .assert_error(400, "InvalidAccountPassword.Format");

    let database = with_id(&[("DBName", "orders"), ("CharacterSetName", "UTF8")]);
    ok(&call(&emulator, "CreateDatabase", &database).await);
    call(&emulator, "CreateDatabase", &database)
        .await
        .assert_error(400, "InvalidDBName.Duplicate");
    call(
        &emulator,
        "CreateDatabase",
        &with_id(&[("DBName", "template1"), ("CharacterSetName", "UTF8")]),
    )
    .await
    .assert_error(400, "InvalidDBName.Forbid");

    call(
        &emulator,
        "GrantAccountPrivilege",
        &with_id(&[
            ("AccountName", "nobody"),
            ("DBName", "orders"),
            ("AccountPrivilege", "DBOwner"),
        ]),
    )
    .await
    .assert_error(404, "InvalidAccountName.NotFound");
    call(
        &emulator,
        "GrantAccountPrivilege",
        &with_id(&[
            ("AccountName", "app_user"),
            ("DBName", "missing"),
            ("AccountPrivilege", "DBOwner"),
        ]),
    )
    .await
    .assert_error(404, "InvalidDBName.NotFound");
    call(
        &emulator,
        "GrantAccountPrivilege",
        &with_id(&[
            ("AccountName", "app_user"),
            ("DBName", "orders"),
            ("AccountPrivilege", "ReadWrite"),
        ]),
    )
    .await
    .assert_error(400, "InvalidAccountPrivilege.Malformed");

    ok(&call(
        &emulator,
        "ModifyDBInstanceDeletionProtection",
        &with_id(&[("DeletionProtection", "true")]),
    )
    .await);
    call(&emulator, "DeleteDBInstance", &with_id(&[]))
        .await
        .assert_error(400, "OperationDenied.DeletionProtection");

    let mut engine = CREATE.to_vec();
    engine[1] = ("Engine", "Oracle");
    call(&emulator, "CreateDBInstance", &engine)
        .await
        .assert_error(400, "InvalidDBInstanceEngineType.Format");
    let mut version = CREATE.to_vec();
    version[2] = ("EngineVersion", "9.6");
    call(&emulator, "CreateDBInstance", &version)
        .await
        .assert_error(400, "InvalidEngineVersion.Malformed");
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_seed_gives_the_same_identifiers_every_run() {
    let mut first_run = Vec::new();
    for _ in 0..2 {
        let emulator = start(Pace::instant()).await;
        let mut ids = Vec::new();
        for _ in 0..3 {
            ids.push(create(&emulator).await);
        }
        let id = ids[0].clone();
        let backup = ok(&call(&emulator, "CreateBackup", &[("DBInstanceId", &id)]).await);
        ids.push(backup["BackupJobId"].as_str().expect("a job").to_owned());
        emulator.shutdown().await;
        if first_run.is_empty() {
            first_run = ids;
        } else {
            assert_eq!(ids, first_run);
        }
    }
}

#[tokio::test]
async fn the_state_file_is_saved_on_shutdown_and_loaded_on_start() {
    let directory = tempfile::tempdir().expect("a temporary directory");
    let path = directory.path().join("state.json");
    let builder = || {
        Emulator::builder()
            .fixture(Fixture::empty())
            .pace(Pace::instant())
            .state_file(&path)
    };
    let emulator = builder().start("127.0.0.1:0").await.expect("starts");
    let id = create(&emulator).await;
    ok(&call(
        &emulator,
        "CreateDatabase",
        &[
            ("DBInstanceId", &id),
            ("DBName", "orders"),
            ("CharacterSetName", "UTF8"),
        ],
    )
    .await);
    emulator
        .shutdown_and_save()
        .await
        .expect("the state is saved");
    assert!(path.exists());

    let emulator = builder().start("127.0.0.1:0").await.expect("starts again");
    assert_eq!(status(&emulator, &id).await, "Running");
    let databases = ok(&call(&emulator, "DescribeDatabases", &[("DBInstanceId", &id)]).await);
    assert_eq!(databases["Databases"]["Database"][0]["DBName"], "orders");
    emulator.shutdown().await;

    std::fs::write(&path, "{\"Format\": \"something else\"}").expect("written");
    let error = builder()
        .start("127.0.0.1:0")
        .await
        .expect_err("not a state");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("state.json"), "{error}");
}

#[tokio::test]
async fn a_reset_puts_the_starting_state_back() {
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .pace(Pace::instant())
        .seed(3)
        .start("127.0.0.1:0")
        .await
        .expect("starts");
    let first = create(&emulator).await;
    emulator.reset();
    assert!(emulator.instance(&first).is_none());
    assert!(emulator.instance("pgm-demo-ready").is_some());
    // The seed starts over too.
    assert_eq!(create(&emulator).await, first);

    let response = common::client()
        .post(format!("{}/_emulator/reset", emulator.base_url()))
        .send()
        .await
        .expect("the reset request is answered");
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    assert_eq!(body["Reset"], true);
    assert_eq!(body["Instances"], 7);
    assert!(emulator.instance(&first).is_none());

    let state = common::client()
        .get(format!("{}/_emulator/state", emulator.base_url()))
        .send()
        .await
        .expect("the state is answered");
    let state: Value = serde_json::from_str(&state.text().await.expect("a body")).expect("JSON");
    assert_eq!(state["Format"], "aliyun-rds-emulator-state/1");
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_calls_in_flight_lose_no_update() {
    let emulator = std::sync::Arc::new(start(Pace::instant()).await);
    let id = create(&emulator).await;
    let mut calls = tokio::task::JoinSet::new();
    for index in 0..100 {
        let emulator = std::sync::Arc::clone(&emulator);
        let id = id.clone();
        calls.spawn(async move {
            let name = format!("user_{index:03}");
            let account = [
                ("DBInstanceId", id.as_str()),
                ("AccountName", &name),
                ("AccountPassword", "Passw0rd!"),
            ];
            let reply = call(&emulator, "CreateAccount", &account).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
            let tag = format!("{{\"k{index:03}\":\"v\"}}");
            let tags = [
                ("RegionId", "cn-hangzhou"),
                ("DBInstanceId", id.as_str()),
                ("Tags", &tag),
            ];
            let reply = call(&emulator, "AddTagsToResource", &tags).await;
            // At most 20 tags fit on an instance: the others are refused,
            // never lost half-way.
            assert!(
                reply.status == 200 || reply.code() == "NumberExceed.Tags" || reply.status == 400,
                "{}",
                reply.body
            );
        });
    }
    while let Some(joined) = calls.join_next().await {
        joined.expect("the call finished");
    }
    let accounts = ok(&call(
        &emulator,
        "DescribeAccounts",
        &[("DBInstanceId", &id), ("PageSize", "200")],
    )
    .await);
    assert_eq!(accounts["TotalRecordCount"], 100);
    assert_eq!(
        accounts["Accounts"]["DBInstanceAccount"]
            .as_array()
            .expect("a list")
            .len(),
        100
    );
    let tags = ok(&call(
        &emulator,
        "DescribeTags",
        &[("RegionId", "cn-hangzhou"), ("DBInstanceId", &id)],
    )
    .await);
    assert_eq!(
        tags["Items"]["TagInfos"].as_array().expect("a list").len(),
        20
    );
}
