//! The cloud migration workflow over loopback HTTP: authorization, precheck,
//! migration task, deterministic progress, switchover, every documented
//! error path, paging, the describe operations, and that `SourcePassword`
//! never comes back.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aliyun_rds_emulator::{Emulator, Fixture, MigrationStage, RunningEmulator};
use common::{Acs3Request, Reply, RpcRequest, Signer};
use serde_json::Value;

/// The password every create request in this file sends: distinctive, so
/// that finding it in a body cannot be a coincidence.
const PASSWORD: &str = "Pw-never-echoed-7f3a9c";

const TARGET: &str = "pgm-demo-target";

async fn start(polls_per_stage: Option<u32>) -> RunningEmulator {
    let mut builder = Emulator::builder().fixture(Fixture::demo());
    if let Some(polls) = polls_per_stage {
        builder = builder.polls_per_stage(polls);
    }
    builder
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts on loopback")
}

/// Sends a signed `HMAC-SHA1` request with the demo key pair.
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

/// The create parameters for `instance` from the source `ip:port`.
fn source_parameters<'a>(instance: &'a str, ip: &'a str, port: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("DBInstanceName", instance),
        ("SourceIpAddress", ip),
        ("SourcePort", port),
        ("SourceAccount", "migratetest"),
        ("SourcePassword", PASSWORD),
        ("SourceCategory", "ecsOnVpc"),
    ]
}

fn with<'a>(
    mut parameters: Vec<(&'a str, &'a str)>,
    name: &'a str,
    value: &'a str,
) -> Vec<(&'a str, &'a str)> {
    parameters.retain(|(existing, _)| *existing != name);
    parameters.push((name, value));
    parameters
}

fn without<'a>(mut parameters: Vec<(&'a str, &'a str)>, name: &str) -> Vec<(&'a str, &'a str)> {
    parameters.retain(|(existing, _)| *existing != name);
    parameters
}

async fn precheck(emulator: &RunningEmulator, parameters: &[(&str, &str)]) -> Reply {
    call(emulator, "CreateCloudMigrationPrecheckTask", parameters).await
}

async fn create_task(emulator: &RunningEmulator, parameters: &[(&str, &str)]) -> Reply {
    call(emulator, "CreateCloudMigrationTask", parameters).await
}

/// One poll: `(MigrateStage, ReplicationState)` of the instance's only task.
async fn poll(emulator: &RunningEmulator, instance: &str) -> (String, String) {
    let json = ok(&call(
        emulator,
        "DescribeCloudMigrationResult",
        &[
            ("DBInstanceName", instance),
            ("PageNumber", "1"),
            ("PageSize", "10"),
        ],
    )
    .await);
    assert_eq!(json["TotalSize"], 1, "{json}");
    let item = &json["Items"][0];
    (
        item["MigrateStage"].as_str().unwrap_or_default().to_owned(),
        item["ReplicationState"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn stage(emulator: &RunningEmulator, name: &str) -> Option<MigrationStage> {
    emulator
        .instance(name)
        .and_then(|instance| instance.migration_task)
        .map(|task| task.stage)
}

fn pair(stage: &str, state: &str) -> (String, String) {
    (stage.to_owned(), state.to_owned())
}

#[tokio::test]
async fn the_whole_workflow_ends_in_a_switchover() {
    let emulator = start(Some(3)).await;
    let mut bodies = Vec::new();

    let reply = call(
        &emulator,
        "CheckCloudResourceAuthorized",
        &[("DBInstanceId", TARGET), ("RegionId", "cn-hangzhou")],
    )
    .await;
    let json = ok(&reply);
    assert_eq!(json["AuthorizationState"], 1);
    assert!(
        json["RoleArn"]
            .as_str()
            .is_some_and(|arn| arn.starts_with("acs:ram::") && arn.contains(":role/")),
        "{json}"
    );
    bodies.push(reply.body);

    let source = source_parameters(TARGET, "172.16.10.30", "5432");
    let reply = precheck(&emulator, &with(source.clone(), "TaskName", "pre-1")).await;
    let json = ok(&reply);
    assert_eq!(json["DBInstanceName"], TARGET);
    assert_eq!(json["TaskName"], "pre-1");
    let precheck_id = json["TaskId"].as_i64().expect("TaskId is an integer");
    bodies.push(reply.body);

    let reply = call(
        &emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[
            ("DBInstanceName", TARGET),
            ("PageNumber", "1"),
            ("PageSize", "30"),
        ],
    )
    .await;
    let json = ok(&reply);
    assert_eq!(json["TotalSize"], 1);
    let item = &json["Items"][0];
    assert_eq!(item["TaskId"], precheck_id);
    assert_eq!(item["TargetInstanceName"], TARGET);
    assert_eq!(item["SourceIpAddress"], "172.16.10.30");
    assert_eq!(item["SourcePort"], 5432);
    assert_eq!(item["SourceAccount"], "migratetest");
    assert_eq!(item["SourceCategory"], "ecsonvpc");
    let detail = item["Detail"].as_str().expect("Detail");
    assert!(
        detail.contains("Check ip connectable: success\n"),
        "{detail}"
    );
    assert!(!detail.contains("failed"), "{detail}");
    assert!(detail.ends_with("*Migrate check success*"), "{detail}");
    assert!(item.get("SourcePassword").is_none(), "{item}");
    bodies.push(reply.body);

    // Nothing is running yet: the switchover finds no task.
    call(
        &emulator,
        "ActivateMigrationTargetInstance",
        &[("DBInstanceName", TARGET)],
    )
    .await
    .assert_error(400, "InvalidMigrateTask");

    let reply = create_task(&emulator, &with(source, "TaskName", "move-orders")).await;
    let json = ok(&reply);
    assert_eq!(json["DBInstanceName"], TARGET);
    assert_eq!(json["TaskName"], "move-orders");
    let task_id = json["TaskId"].as_i64().expect("TaskId is an integer");
    assert!(task_id > precheck_id, "task IDs increase");
    bodies.push(reply.body);
    // The task is the instance's migration task: one state, not two.
    let task = emulator
        .instance(TARGET)
        .and_then(|instance| instance.migration_task)
        .expect("the instance has the task");
    assert_eq!(task.task_id, task_id);
    assert_eq!(task.stage, MigrationStage::BaseBackup);
    assert_eq!(task.source_ip_address, "172.16.10.30");
    assert_eq!(task.source_port, 5432);

    let mut seen = Vec::new();
    for _ in 0..9 {
        seen.push(poll(&emulator, TARGET).await);
        if seen.len() == 7 {
            // Catching up: not ready yet.
            assert_eq!(stage(&emulator, TARGET), Some(MigrationStage::Syncing));
            call(
                &emulator,
                "ActivateMigrationTargetInstance",
                &[("DBInstanceName", TARGET)],
            )
            .await
            .assert_error(400, "InvalidMigrateStatus");
        }
    }
    let expected: Vec<(String, String)> = [
        ("basebackup", "unstarted"),
        ("startup", "unstarted"),
        ("increment", "catchup"),
    ]
    .iter()
    .flat_map(|(stage, state)| std::iter::repeat_n(pair(stage, state), 3))
    .collect();
    assert_eq!(seen, expected);
    for _ in 0..4 {
        assert_eq!(
            poll(&emulator, TARGET).await,
            pair("increment", "streaming")
        );
    }
    assert_eq!(stage(&emulator, TARGET), Some(MigrationStage::Synchronized));

    let reply = call(
        &emulator,
        "DescribeCloudMigrationResult",
        &[("DBInstanceName", TARGET), ("TaskId", &task_id.to_string())],
    )
    .await;
    let json = ok(&reply);
    let item = &json["Items"][0];
    assert_eq!(item["TaskName"], "move-orders");
    assert_eq!(item["TargetInstanceName"], TARGET);
    assert_eq!(item["SourceAccount"], "migratetest");
    assert_eq!(item["SwitchTime"], "");
    let info: Value =
        serde_json::from_str(item["ReplicationInfo"].as_str().expect("ReplicationInfo"))
            .expect("ReplicationInfo is JSON");
    assert_eq!(info["Synced"], "true");
    assert!(item.get("SourcePassword").is_none(), "{item}");
    bodies.push(reply.body);

    let reply = call(
        &emulator,
        "ActivateMigrationTargetInstance",
        &[("DBInstanceName", TARGET)],
    )
    .await;
    let json = ok(&reply);
    assert_eq!(json["TaskId"], task_id);
    assert_eq!(json["SourceIpAddress"], "172.16.10.30");
    assert_eq!(stage(&emulator, TARGET), Some(MigrationStage::Completed));

    let reply = call(
        &emulator,
        "DescribeCloudMigrationResult",
        &[("DBInstanceName", TARGET)],
    )
    .await;
    let json = ok(&reply);
    let item = &json["Items"][0];
    assert_eq!(item["MigrateStage"], "success");
    assert_eq!(item["ReplicationState"], "finish");
    assert!(
        item["SwitchTime"]
            .as_str()
            .is_some_and(|time| time.len() == 20),
        "{item}"
    );
    bodies.push(reply.body);
    // Completed stays completed, however often it is polled.
    assert_eq!(poll(&emulator, TARGET).await, pair("success", "finish"));

    // A second switchover finds no running task.
    call(
        &emulator,
        "ActivateMigrationTargetInstance",
        &[("DBInstanceName", TARGET)],
    )
    .await
    .assert_error(400, "InvalidMigrateTask");

    for body in bodies {
        assert!(!body.contains(PASSWORD), "{body}");
    }
}

#[tokio::test]
async fn progress_defaults_to_two_polls_per_stage() {
    let emulator = start(None).await;
    let source = source_parameters(TARGET, "10.1.2.3", "6432");
    ok(&precheck(&emulator, &source).await);
    ok(&create_task(&emulator, &source).await);
    let mut seen = Vec::new();
    for _ in 0..8 {
        seen.push(poll(&emulator, TARGET).await);
    }
    assert_eq!(
        seen,
        [
            pair("basebackup", "unstarted"),
            pair("basebackup", "unstarted"),
            pair("startup", "unstarted"),
            pair("startup", "unstarted"),
            pair("increment", "catchup"),
            pair("increment", "catchup"),
            pair("increment", "streaming"),
            pair("increment", "streaming"),
        ]
    );
}

#[tokio::test]
async fn a_huge_polls_per_stage_keeps_a_task_in_place() {
    let emulator = start(Some(u32::MAX)).await;
    let source = source_parameters(TARGET, "10.1.2.3", "5432");
    ok(&precheck(&emulator, &source).await);
    ok(&create_task(&emulator, &source).await);
    for _ in 0..5 {
        assert_eq!(
            poll(&emulator, TARGET).await,
            pair("basebackup", "unstarted")
        );
    }
    // A forced switchover works from any stage.
    ok(&call(
        &emulator,
        "ActivateMigrationTargetInstance",
        &[("DBInstanceName", TARGET), ("ForceSwitch", "1")],
    )
    .await);
    assert_eq!(poll(&emulator, TARGET).await, pair("success", "finish"));
}

#[tokio::test]
async fn a_fixture_task_catching_up_becomes_ready_by_polling() {
    let emulator = start(None).await;
    call(
        &emulator,
        "ActivateMigrationTargetInstance",
        &[("DBInstanceName", "pgm-demo-syncing")],
    )
    .await
    .assert_error(400, "InvalidMigrateStatus");
    assert_eq!(
        poll(&emulator, "pgm-demo-syncing").await,
        pair("increment", "catchup")
    );
    assert_eq!(
        poll(&emulator, "pgm-demo-syncing").await,
        pair("increment", "catchup")
    );
    assert_eq!(
        poll(&emulator, "pgm-demo-syncing").await,
        pair("increment", "streaming")
    );
    let json = ok(&call(
        &emulator,
        "ActivateMigrationTargetInstance",
        &[("DBInstanceName", "pgm-demo-syncing")],
    )
    .await);
    assert_eq!(json["TaskId"], 440913676);

    // The ready demo task reports as ready, and an instance without task has
    // no entries.
    assert_eq!(
        poll(&emulator, "pgm-demo-ready").await,
        pair("increment", "streaming")
    );
    let json = ok(&call(
        &emulator,
        "DescribeCloudMigrationResult",
        &[("DBInstanceName", "pgm-demo-notask")],
    )
    .await);
    assert_eq!(json["TotalSize"], 0);
    assert_eq!(json["Items"], Value::Array(Vec::new()));
}

#[tokio::test]
async fn an_unauthorized_instance_is_reported_and_refused() {
    let emulator = start(None).await;
    let json = ok(&call(
        &emulator,
        "CheckCloudResourceAuthorized",
        &[("DBInstanceId", "pgm-demo-unauthorized")],
    )
    .await);
    assert_eq!(json["AuthorizationState"], 0);

    let source = source_parameters("pgm-demo-unauthorized", "10.1.2.3", "5432");
    let reply = precheck(&emulator, &source).await;
    reply.assert_error(403, "InvalidUserOperatorPermission");
    assert_eq!(
        reply.message(),
        "The user permission does not support this operation."
    );
    assert!(reply.json()["Recommend"]
        .as_str()
        .is_some_and(|hint| hint.contains("CheckCloudResourceAuthorized")));
    create_task(&emulator, &source)
        .await
        .assert_error(403, "InvalidUserOperatorPermission");
    assert_eq!(stage(&emulator, "pgm-demo-unauthorized"), None);
}

#[tokio::test]
async fn check_cloud_resource_authorized_errors_and_regions() {
    let emulator = start(None).await;
    let reply = call(&emulator, "CheckCloudResourceAuthorized", &[]).await;
    reply.assert_error(400, "InvalidParameter.ByokInsnameAndRegionAllEmpty");
    assert_eq!(
        reply.message(),
        "The insName and targetRegionId can't be all empty."
    );

    let reply = call(
        &emulator,
        "CheckCloudResourceAuthorized",
        &[("DBInstanceId", "pgm-nobody")],
    )
    .await;
    reply.assert_error(400, "InvalidDBInstanceId.NotFound");
    assert_eq!(
        reply.message(),
        "The DBInstanceId provided does not exist in records."
    );

    // cn-hangzhou holds the unauthorized demo instance; cn-shanghai does not.
    for (region, expected) in [("cn-hangzhou", 0), ("cn-shanghai", 1), ("cn-beijing", 1)] {
        let json = ok(&call(
            &emulator,
            "CheckCloudResourceAuthorized",
            &[("TargetRegionId", region)],
        )
        .await);
        assert_eq!(json["AuthorizationState"], expected, "{region}");
    }
    call(
        &emulator,
        "CheckCloudResourceAuthorized",
        &[("TargetRegionId", "xx-nowhere-1")],
    )
    .await
    .assert_error(400, "InvalidParameter");
}

#[tokio::test]
async fn precheck_parameters_are_validated_in_order() {
    let emulator = start(None).await;
    let source = source_parameters(TARGET, "172.16.10.30", "5432");
    for name in [
        "DBInstanceName",
        "SourceIpAddress",
        "SourcePort",
        "SourceAccount",
        "SourcePassword",
        "SourceCategory",
    ] {
        let reply = precheck(&emulator, &without(source.clone(), name)).await;
        reply.assert_error(400, "MissingParameter");
        assert!(
            reply.message().contains(&format!("\"{name}\"")),
            "{}",
            reply.body
        );
        // An empty value counts as absent.
        precheck(&emulator, &with(source.clone(), name, ""))
            .await
            .assert_error(400, "MissingParameter");
    }
    for port in ["0", "65536", "-1", "5432x", "99999999999999999999"] {
        let reply = precheck(&emulator, &with(source.clone(), "SourcePort", port)).await;
        reply.assert_error(400, "InvalidParameter");
        assert!(reply.message().contains("SourcePort"), "{}", reply.body);
    }
    for port in ["1", "65535"] {
        ok(&precheck(&emulator, &with(source.clone(), "SourcePort", port)).await);
    }
    for address in ["not-an-address", "172.16.10", "300.1.1.1"] {
        precheck(&emulator, &with(source.clone(), "SourceIpAddress", address))
            .await
            .assert_error(400, "InvalidParameter");
    }
    ok(&precheck(
        &emulator,
        &with(source.clone(), "SourceIpAddress", "fd00::5"),
    )
    .await);

    let reply = precheck(
        &emulator,
        &with(source.clone(), "SourceCategory", "rdsOnVpc"),
    )
    .await;
    reply.assert_error(400, "InvalidSourceCategory");
    assert_eq!(reply.message(), "specified source category is invalid.");
    for category in ["idcOnVpc", "ECSONVPC"] {
        ok(&precheck(&emulator, &with(source.clone(), "SourceCategory", category)).await);
    }

    let cases = [
        ("pgm-nobody", 404, "InvalidDBInstanceName.NotFound"),
        ("pgm-demo-locked", 400, "IncorrectDBInstanceState"),
        ("rm-demo-mysql", 400, "InvalidDBInstanceEngineType.Format"),
    ];
    for (instance, status, code) in cases {
        let reply = precheck(&emulator, &with(source.clone(), "DBInstanceName", instance)).await;
        reply.assert_error(status, code);
    }
    let reply = precheck(
        &emulator,
        &with(source.clone(), "DBInstanceName", "pgm-nobody"),
    )
    .await;
    assert_eq!(reply.message(), "The database instance does not exist.");
    let reply = precheck(&emulator, &with(source, "DBInstanceName", "rm-demo-mysql")).await;
    assert_eq!(
        reply.message(),
        "the DB instance engine type does not support this operation."
    );

    // Only the successful calls above created prechecks: two ports, one
    // IPv6 address, two categories.
    let json = ok(&call(
        &emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[("DBInstanceName", TARGET)],
    )
    .await);
    assert_eq!(json["TotalSize"], 5);
}

#[tokio::test]
async fn a_migration_task_needs_a_passed_precheck_of_the_same_source() {
    let emulator = start(None).await;
    let source = source_parameters(TARGET, "172.16.10.30", "5432");

    let reply = create_task(&emulator, &source).await;
    reply.assert_error(400, "InvalidParameter");
    assert_eq!(
        reply.message(),
        "No passed precheck task matches this instance and source."
    );

    // A precheck of another port does not count.
    ok(&precheck(&emulator, &with(source.clone(), "SourcePort", "5433")).await);
    create_task(&emulator, &source)
        .await
        .assert_error(400, "InvalidParameter");

    // Nor does one of another account, or another category.
    ok(&precheck(&emulator, &with(source.clone(), "SourceAccount", "other")).await);
    ok(&precheck(
        &emulator,
        &with(source.clone(), "SourceCategory", "idcOnVpc"),
    )
    .await);
    create_task(&emulator, &source)
        .await
        .assert_error(400, "InvalidParameter");

    // A precheck that failed does not count either, and says so.
    let unreachable = source_parameters(TARGET, "192.0.2.10", "5432");
    let json = ok(&precheck(&emulator, &unreachable).await);
    let failed_id = json["TaskId"].as_i64().expect("TaskId");
    let json = ok(&call(
        &emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[
            ("DBInstanceName", TARGET),
            ("TaskId", &failed_id.to_string()),
        ],
    )
    .await);
    assert_eq!(json["TotalSize"], 1);
    let detail = json["Items"][0]["Detail"].as_str().expect("Detail");
    assert!(
        detail.contains("Check ip connectable: failed\n"),
        "{detail}"
    );
    assert!(
        detail.contains("Check rds databases: success\n"),
        "{detail}"
    );
    assert!(detail.ends_with("*Migrate check failed*"), "{detail}");
    let reply = create_task(&emulator, &unreachable).await;
    reply.assert_error(400, "InvalidParameter");
    assert!(reply.json()["Recommend"]
        .as_str()
        .is_some_and(|hint| hint.contains(&failed_id.to_string()) && hint.contains("failed")));

    // An unknown SourceCategory is InvalidParameter here: this operation
    // documents no InvalidSourceCategory.
    create_task(
        &emulator,
        &with(source.clone(), "SourceCategory", "rdsOnVpc"),
    )
    .await
    .assert_error(400, "InvalidParameter");

    // With a passed precheck the task is created, once.
    ok(&precheck(&emulator, &source).await);
    ok(&create_task(&emulator, &source).await);
    let reply = create_task(&emulator, &source).await;
    reply.assert_error(400, "IncorrectDBInstanceState");
    assert!(reply.json()["Recommend"]
        .as_str()
        .is_some_and(|hint| hint.contains("already targets")));

    // The target is no longer empty: a new precheck fails on it.
    let json = ok(&precheck(&emulator, &with(source, "SourcePort", "6000")).await);
    let id = json["TaskId"].as_i64().expect("TaskId").to_string();
    let json = ok(&call(
        &emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[("DBInstanceName", TARGET), ("TaskId", &id)],
    )
    .await);
    let detail = json["Items"][0]["Detail"].as_str().expect("Detail");
    assert!(detail.contains("Check rds databases: failed\n"), "{detail}");
}

/// The `Detail` of the precheck task `task_id`, as one answer reports it.
async fn precheck_detail(emulator: &RunningEmulator, task_id: &str) -> String {
    let json = ok(&call(
        emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[("DBInstanceName", TARGET), ("TaskId", task_id)],
    )
    .await);
    assert_eq!(json["TotalSize"], 1, "{json}");
    json["Items"][0]["Detail"]
        .as_str()
        .expect("Detail")
        .to_owned()
}

#[tokio::test]
async fn a_running_precheck_reports_no_verdict_until_its_polls_are_done() {
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .precheck_polls(3)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts on loopback");
    let unreachable = source_parameters(TARGET, "192.0.2.10", "5432");
    let json = ok(&precheck(&emulator, &unreachable).await);
    let task_id = json["TaskId"].as_i64().expect("TaskId").to_string();

    // Three answers show a report still being written: more lines each
    // time, including failed items, but no verdict.
    let mut previous = String::new();
    for _ in 0..3 {
        let detail = precheck_detail(&emulator, &task_id).await;
        assert!(!detail.contains("*Migrate check"), "{detail}");
        assert!(detail.starts_with(&previous) && detail.len() > previous.len());
        previous = detail;
    }
    assert!(
        previous.contains("Check ip connectable: failed\n"),
        "{previous}"
    );
    let detail = precheck_detail(&emulator, &task_id).await;
    assert!(detail.starts_with(&previous), "{detail}");
    assert!(detail.ends_with("*Migrate check failed*"), "{detail}");
    // Later answers repeat the complete report.
    assert_eq!(precheck_detail(&emulator, &task_id).await, detail);

    // A migration task waits for the precheck of its source to finish.
    let reachable = source_parameters(TARGET, "172.16.10.31", "5432");
    let json = ok(&precheck(&emulator, &reachable).await);
    let task_id = json["TaskId"].as_i64().expect("TaskId").to_string();
    let reply = create_task(&emulator, &reachable).await;
    reply.assert_error(400, "InvalidParameter");
    assert!(reply.json()["Recommend"]
        .as_str()
        .is_some_and(|hint| hint.contains(&task_id) && hint.contains("still running")));
    for _ in 0..4 {
        precheck_detail(&emulator, &task_id).await;
    }
    ok(&create_task(&emulator, &reachable).await);
    emulator.shutdown().await;
}

#[tokio::test]
async fn create_task_checks_the_target_like_the_precheck() {
    let emulator = start(None).await;
    let source = source_parameters(TARGET, "172.16.10.30", "5432");
    let cases = [
        ("pgm-nobody", 404, "InvalidDBInstanceName.NotFound"),
        ("pgm-demo-locked", 400, "IncorrectDBInstanceState"),
        ("rm-demo-mysql", 400, "InvalidDBInstanceEngineType.Format"),
        // The demo's ready instance already has its task.
        ("pgm-demo-ready", 400, "IncorrectDBInstanceState"),
    ];
    for (instance, status, code) in cases {
        create_task(&emulator, &with(source.clone(), "DBInstanceName", instance))
            .await
            .assert_error(status, code);
    }
    create_task(&emulator, &without(source, "SourcePassword"))
        .await
        .assert_error(400, "MissingParameter");
    call(
        &emulator,
        "DescribeCloudMigrationResult",
        &[("DBInstanceName", "pgm-nobody")],
    )
    .await
    .assert_error(404, "InvalidDBInstanceName.NotFound");
    // None of the refused calls created a task.
    assert_eq!(stage(&emulator, TARGET), None);
}

#[tokio::test]
async fn precheck_results_are_filtered_and_paged() {
    let emulator = start(None).await;
    let mut ids = Vec::new();
    for index in 0..35 {
        let port = (5000 + index).to_string();
        let name = format!("check-{index}");
        let parameters = with(
            source_parameters(TARGET, "172.16.10.30", &port),
            "TaskName",
            &name,
        );
        let json = ok(&precheck(&emulator, &parameters).await);
        ids.push(json["TaskId"].as_i64().expect("TaskId"));
    }
    assert!(ids.windows(2).all(|pair| pair[0] < pair[1]), "{ids:?}");

    let page = |number: &'static str, size: &'static str| {
        let emulator = &emulator;
        async move {
            call(
                emulator,
                "DescribeCloudMigrationPrecheckResult",
                &[
                    ("DBInstanceName", TARGET),
                    ("PageNumber", number),
                    ("PageSize", size),
                ],
            )
            .await
        }
    };
    let task_ids = |json: &Value| -> Vec<i64> {
        json["Items"]
            .as_array()
            .expect("Items")
            .iter()
            .filter_map(|item| item["TaskId"].as_i64())
            .collect()
    };

    let json = ok(&page("1", "30").await);
    assert_eq!(
        (&json["PageNumber"], &json["PageSize"], &json["TotalSize"]),
        (&Value::from(1), &Value::from(30), &Value::from(35))
    );
    assert_eq!(task_ids(&json), ids[..30]);
    let json = ok(&page("2", "30").await);
    assert_eq!(task_ids(&json), ids[30..]);
    assert_eq!(json["TotalSize"], 35);
    let json = ok(&page("3", "30").await);
    assert!(task_ids(&json).is_empty());
    let json = ok(&page("1", "100").await);
    assert_eq!(task_ids(&json), ids);
    // Defaults: page 1 of 30.
    let json = ok(&call(
        &emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[("DBInstanceName", TARGET)],
    )
    .await);
    assert_eq!(task_ids(&json), ids[..30]);
    assert_eq!(json["PageSize"], 30);

    for (number, size) in [
        ("1", "29"),
        ("1", "101"),
        ("0", "30"),
        ("x", "30"),
        ("1", "3.5"),
    ] {
        page(number, size)
            .await
            .assert_error(400, "InvalidParameter");
    }

    let filtered = |parameters: Vec<(&'static str, String)>| {
        let emulator = &emulator;
        async move {
            let mut all: Vec<(&str, &str)> = vec![("DBInstanceName", TARGET)];
            all.extend(
                parameters
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            );
            ok(&call(emulator, "DescribeCloudMigrationPrecheckResult", &all).await)
        }
    };
    let json = filtered(vec![("TaskId", ids[7].to_string())]).await;
    assert_eq!(task_ids(&json), [ids[7]]);
    let json = filtered(vec![("TaskName", "check-12".into())]).await;
    assert_eq!(task_ids(&json), [ids[12]]);
    let json = filtered(vec![("SourcePort", "5020".into())]).await;
    assert_eq!(task_ids(&json), [ids[20]]);
    let json = filtered(vec![("SourceIpAddress", "172.16.10.31".into())]).await;
    assert_eq!(json["TotalSize"], 0);
    let json = filtered(vec![
        ("SourceIpAddress", "172.16.10.30".into()),
        ("PageSize", "100".into()),
    ])
    .await;
    assert_eq!(json["TotalSize"], 35);

    // Another instance's prechecks are its own.
    let json = ok(&call(
        &emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[("DBInstanceName", "pgm-demo-notask")],
    )
    .await);
    assert_eq!(json["TotalSize"], 0);
    call(
        &emulator,
        "DescribeCloudMigrationPrecheckResult",
        &[("DBInstanceName", "pgm-nobody")],
    )
    .await
    .assert_error(404, "InvalidDBInstanceName.NotFound");
    call(&emulator, "DescribeCloudMigrationPrecheckResult", &[])
        .await
        .assert_error(400, "MissingParameter");
}

#[tokio::test]
async fn migration_results_are_filtered_and_paged() {
    let emulator = start(None).await;
    let source = source_parameters(TARGET, "172.16.10.30", "5432");
    ok(&precheck(&emulator, &source).await);
    let json = ok(&create_task(&emulator, &source).await);
    let task_id = json["TaskId"].as_i64().expect("TaskId").to_string();
    let task_name = json["TaskName"].as_str().expect("TaskName").to_owned();
    assert_eq!(task_name, format!("migration-{task_id}"));

    let describe = |extra: Vec<(&'static str, String)>| {
        let emulator = &emulator;
        async move {
            let mut all: Vec<(&str, &str)> = vec![("DBInstanceName", TARGET)];
            all.extend(extra.iter().map(|(name, value)| (*name, value.as_str())));
            call(emulator, "DescribeCloudMigrationResult", &all).await
        }
    };
    for (extra, total) in [
        (vec![("TaskId", task_id.clone())], 1),
        (vec![("TaskId", "1".to_owned())], 0),
        (vec![("TaskName", task_name.clone())], 1),
        (vec![("TaskName", "other".to_owned())], 0),
        (vec![("SourceIpAddress", "172.16.10.30".to_owned())], 1),
        (vec![("SourcePort", "5433".to_owned())], 0),
        (
            vec![("PageNumber", "2".to_owned()), ("PageSize", "1".to_owned())],
            1,
        ),
    ] {
        let json = ok(&describe(extra.clone()).await);
        assert_eq!(json["TotalSize"], total, "{extra:?}");
    }
    let json = ok(&describe(vec![("PageNumber", "2".into()), ("PageSize", "1".into())]).await);
    assert_eq!(json["Items"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        (&json["PageNumber"], &json["PageSize"]),
        (&Value::from(2), &Value::from(1))
    );
    for (name, value) in [
        ("PageSize", "0"),
        ("PageSize", "101"),
        ("PageNumber", "0"),
        ("TaskId", "abc"),
    ] {
        describe(vec![(name, value.to_owned())])
            .await
            .assert_error(400, "InvalidParameter");
    }
}

#[tokio::test]
async fn source_password_never_comes_back() {
    let emulator = start(Some(1)).await;
    let mut bodies = Vec::new();
    let source = source_parameters(TARGET, "172.16.10.30", "5432");
    let variants = [
        with(source.clone(), "SourcePort", "0"),
        with(source.clone(), "SourceIpAddress", PASSWORD),
        with(source.clone(), "SourceCategory", "bad"),
        with(source.clone(), "DBInstanceName", "pgm-nobody"),
        with(source.clone(), "DBInstanceName", "pgm-demo-unauthorized"),
        without(source.clone(), "SourceCategory"),
        source_parameters(TARGET, "192.0.2.1", "5432"),
        source.clone(),
    ];
    for parameters in &variants {
        bodies.push(precheck(&emulator, parameters).await.body);
        bodies.push(create_task(&emulator, parameters).await.body);
    }
    // The same through ACS3-HMAC-SHA256 with the parameters in a form body.
    let signer = Signer::demo();
    let reply = Acs3Request::new(&signer, "CreateCloudMigrationPrecheckTask", &[])
        .form_body(&with(source.clone(), "SourcePort", "6543"))
        .send(&emulator, &signer.id, &signer.secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    bodies.push(reply.body);
    for _ in 0..5 {
        bodies.push(
            call(
                &emulator,
                "DescribeCloudMigrationResult",
                &[("DBInstanceName", TARGET)],
            )
            .await
            .body,
        );
    }
    bodies.push(
        call(
            &emulator,
            "DescribeCloudMigrationPrecheckResult",
            &[("DBInstanceName", TARGET), ("PageSize", "100")],
        )
        .await
        .body,
    );
    bodies.push(
        call(
            &emulator,
            "ActivateMigrationTargetInstance",
            &[("DBInstanceName", TARGET)],
        )
        .await
        .body,
    );
    for action in ["DescribeDBInstances", "DescribeDBInstanceAttribute"] {
        bodies.push(
            call(
                &emulator,
                action,
                &[("RegionId", "cn-hangzhou"), ("DBInstanceId", TARGET)],
            )
            .await
            .body,
        );
    }
    assert!(bodies.len() > 20);
    for body in &bodies {
        assert!(!body.contains(PASSWORD), "{body}");
        assert!(!body.contains("SourcePassword"), "{body}");
    }
    // The state the tests can see does not hold it either.
    let snapshot = format!("{:?}", emulator.instance(TARGET));
    assert!(!snapshot.contains(PASSWORD), "{snapshot}");
    assert!(format!("{emulator:?}").len() < 200);
}

#[tokio::test]
async fn describe_db_instances_filters_and_pages() {
    let emulator = start(None).await;
    let describe = |extra: Vec<(&'static str, &'static str)>| {
        let emulator = &emulator;
        async move { call(emulator, "DescribeDBInstances", &extra).await }
    };
    let ids = |json: &Value| -> Vec<String> {
        json["Items"]["DBInstance"]
            .as_array()
            .expect("Items.DBInstance")
            .iter()
            .filter_map(|item| item["DBInstanceId"].as_str().map(str::to_owned))
            .collect()
    };
    let hangzhou = [
        "pgm-demo-ready",
        "pgm-demo-syncing",
        "pgm-demo-notask",
        "pgm-demo-locked",
        TARGET,
        "pgm-demo-unauthorized",
    ];

    describe(vec![]).await.assert_error(400, "MissingParameter");
    let json = ok(&describe(vec![("RegionId", "cn-hangzhou")]).await);
    assert_eq!(ids(&json), hangzhou);
    assert_eq!(json["TotalRecordCount"], 6);
    assert_eq!(json["PageRecordCount"], 6);
    assert_eq!(json["PageNumber"], 1);
    let target = &json["Items"]["DBInstance"][4];
    assert_eq!(target["Engine"], "PostgreSQL");
    assert_eq!(target["EngineVersion"], "16.0");
    assert_eq!(target["DBInstanceClass"], "pg.n2.4c.2m");
    assert_eq!(target["DBInstanceStatus"], "Running");
    assert_eq!(target["RegionId"], "cn-hangzhou");
    assert_eq!(target["ZoneId"], "cn-hangzhou-h");
    assert_eq!(target["InstanceNetworkType"], "VPC");
    assert_eq!(target["LockMode"], "Unlock");
    assert_eq!(
        json["Items"]["DBInstance"][3]["LockMode"], "ManualLock",
        "the locked instance"
    );
    assert_eq!(target["CreateTime"], "2026-01-05T08:00:00Z");

    let json = ok(&describe(vec![("RegionId", "cn-shanghai")]).await);
    assert_eq!(ids(&json), ["rm-demo-mysql"]);
    let json = ok(&describe(vec![("RegionId", "cn-beijing")]).await);
    assert_eq!(json["TotalRecordCount"], 0);
    assert_eq!(json["Items"]["DBInstance"], Value::Array(Vec::new()));

    for (extra, expected) in [
        (vec![("Engine", "mysql")], vec![]),
        (vec![("Engine", "postgresql")], hangzhou.to_vec()),
        (
            vec![("DBInstanceStatus", "Locked")],
            vec!["pgm-demo-locked"],
        ),
        (
            vec![("DBInstanceId", "pgm-demo-target, pgm-demo-ready,pgm-nobody")],
            vec!["pgm-demo-ready", TARGET],
        ),
        (
            vec![("SearchKey", "unauthorized")],
            vec!["pgm-demo-unauthorized"],
        ),
        (vec![("SearchKey", "Empty target")], vec![TARGET]),
        (vec![("EngineVersion", "15.0")], vec!["pgm-demo-notask"]),
        (
            vec![("ZoneId", "cn-hangzhou-i")],
            vec!["pgm-demo-unauthorized"],
        ),
        (vec![("InstanceNetworkType", "Classic")], vec![]),
    ] {
        let mut parameters = vec![("RegionId", "cn-hangzhou")];
        parameters.extend(extra.iter().copied());
        let json = ok(&describe(parameters).await);
        assert_eq!(ids(&json), expected, "{extra:?}");
    }

    let json = ok(&describe(vec![
        ("RegionId", "cn-hangzhou"),
        ("PageSize", "4"),
        ("PageNumber", "2"),
    ])
    .await);
    assert_eq!(ids(&json), hangzhou[4..]);
    assert_eq!(json["PageRecordCount"], 2);
    assert_eq!(json["TotalRecordCount"], 6);
    assert_eq!(json["PageNumber"], 2);
    let json = ok(&describe(vec![
        ("RegionId", "cn-hangzhou"),
        ("PageSize", "4"),
        ("PageNumber", "0"),
    ])
    .await);
    assert_eq!(ids(&json), hangzhou[..4]);
    assert_eq!(json["PageNumber"], 1);
    for (name, value) in [("PageSize", "0"), ("PageSize", "101"), ("PageNumber", "-1")] {
        describe(vec![("RegionId", "cn-hangzhou"), (name, value)])
            .await
            .assert_error(400, "InvalidParameter");
    }
}

#[tokio::test]
async fn describe_db_instance_attribute_answers_one_instance() {
    let emulator = start(None).await;
    let json = ok(&call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", TARGET)],
    )
    .await);
    let attributes = json["Items"]["DBInstanceAttribute"]
        .as_array()
        .expect("Items.DBInstanceAttribute");
    assert_eq!(attributes.len(), 1);
    let attribute = &attributes[0];
    assert_eq!(attribute["DBInstanceId"], TARGET);
    assert_eq!(attribute["Engine"], "PostgreSQL");
    assert_eq!(attribute["DBInstanceStorage"], 100);
    assert_eq!(attribute["Port"], "5432");
    assert_eq!(
        attribute["ConnectionString"],
        "pgm-demo-target.pg.rds.aliyuncs.com"
    );
    assert_eq!(attribute["CreationTime"], "2026-01-05T08:00:00Z");
    let json = ok(&call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", "rm-demo-mysql")],
    )
    .await);
    let mysql = &json["Items"]["DBInstanceAttribute"][0];
    assert_eq!(mysql["Port"], "3306");
    assert_eq!(mysql["RegionId"], "cn-shanghai");

    let reply = call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", "pgm-nobody")],
    )
    .await;
    reply.assert_error(400, "InvalidDBInstanceId.NotFound");
    assert_eq!(
        reply.message(),
        "The DBInstanceId provided does not exist in records."
    );
    call(&emulator, "DescribeDBInstanceAttribute", &[])
        .await
        .assert_error(400, "MissingParameter");
}

#[tokio::test]
async fn describe_regions_covers_the_fixture() {
    let emulator = start(None).await;
    let json = ok(&call(&emulator, "DescribeRegions", &[]).await);
    let regions = json["Regions"]["RDSRegion"]
        .as_array()
        .expect("Regions.RDSRegion")
        .clone();
    let pairs: Vec<(String, String)> = regions
        .iter()
        .map(|region| {
            (
                region["RegionId"].as_str().unwrap_or_default().to_owned(),
                region["ZoneId"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut sorted = pairs.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(pairs, sorted, "sorted, without duplicates");
    for zone in [
        ("cn-hangzhou", "cn-hangzhou-h"),
        ("cn-hangzhou", "cn-hangzhou-i"),
        ("cn-shanghai", "cn-shanghai-b"),
    ] {
        assert!(pairs.contains(&(zone.0.into(), zone.1.into())), "{zone:?}");
    }
    let hangzhou = regions
        .iter()
        .find(|region| region["ZoneId"] == "cn-hangzhou-h")
        .expect("cn-hangzhou-h");
    assert_eq!(hangzhou["LocalName"], "China (Hangzhou)");
    assert_eq!(hangzhou["ZoneName"], "Hangzhou Zone H");
    assert_eq!(hangzhou["RegionEndpoint"], "rds.aliyuncs.com");

    let json = ok(&call(&emulator, "DescribeRegions", &[("AcceptLanguage", "zh-CN")]).await);
    let hangzhou = json["Regions"]["RDSRegion"]
        .as_array()
        .and_then(|regions| {
            regions
                .iter()
                .find(|region| region["ZoneId"] == "cn-hangzhou-h")
        })
        .cloned()
        .expect("cn-hangzhou-h");
    assert_eq!(hangzhou["LocalName"], "华东1（杭州）");
    ok(&call(&emulator, "DescribeRegions", &[("AcceptLanguage", "en-US")]).await);

    let reply = call(&emulator, "DescribeRegions", &[("AcceptLanguage", "fr-FR")]).await;
    reply.assert_error(404, "InvalidAcceptLanguage.NotFound");
    assert_eq!(
        reply.message(),
        "Only Chinese (zh-CN) and English (en-US) are allowed."
    );
}

#[tokio::test]
async fn a_fixture_drives_the_describe_answers() {
    let fixture = Fixture::from_json_str(
        r#"{"Instances": [{
            "DBInstanceName": "pgm-own",
            "DBInstanceStatus": "Running",
            "Engine": "PostgreSQL",
            "EngineVersion": "14.0",
            "RegionId": "eu-central-1",
            "ZoneId": "eu-central-1a",
            "InstanceNetworkType": "Classic",
            "Port": 6000,
            "ConnectionString": "own.example.internal",
            "PayType": "Prepaid",
            "CreationTime": "2025-03-04T05:06:07Z",
            "MigrationTask": {"TaskId": 7, "Stage": "basebackup",
                              "SourceIpAddress": "10.9.8.7", "SourcePort": 5432}
        }]}"#,
    )
    .expect("fixture parses");
    let emulator = Emulator::builder()
        .fixture(fixture)
        .polls_per_stage(1)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let json = ok(&call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", "pgm-own")],
    )
    .await);
    let attribute = &json["Items"]["DBInstanceAttribute"][0];
    assert_eq!(attribute["Port"], "6000");
    assert_eq!(attribute["ConnectionString"], "own.example.internal");
    assert_eq!(attribute["InstanceNetworkType"], "Classic");
    assert_eq!(attribute["VpcId"], "");
    assert_eq!(attribute["PayType"], "Prepaid");
    assert_eq!(attribute["CreationTime"], "2025-03-04T05:06:07Z");

    let json = ok(&call(&emulator, "DescribeRegions", &[]).await);
    let listed = json["Regions"]["RDSRegion"]
        .as_array()
        .expect("regions")
        .iter()
        .any(|region| region["RegionId"] == "eu-central-1" && region["ZoneId"] == "eu-central-1a");
    assert!(listed, "{json}");

    // A fixture task in basebackup progresses one stage per poll here.
    let stages = [
        pair("basebackup", "unstarted"),
        pair("startup", "unstarted"),
        pair("increment", "catchup"),
        pair("increment", "streaming"),
        pair("increment", "streaming"),
    ];
    for expected in stages {
        assert_eq!(poll(&emulator, "pgm-own").await, expected);
    }
    let json = ok(&call(
        &emulator,
        "DescribeCloudMigrationResult",
        &[("DBInstanceName", "pgm-own")],
    )
    .await);
    assert_eq!(json["Items"][0]["TaskName"], "migration-7");
    // New task IDs never collide with fixture ones.
    let source = source_parameters("pgm-own", "10.0.0.1", "5432");
    let json = ok(&precheck(&emulator, &source).await);
    assert!(json["TaskId"].as_i64().is_some_and(|id| id > 7));
}
