//! The cloud migration for real, through the generated client, against an
//! emulator with real PostgreSQL behind its instances (the `postgres`
//! feature): a self-managed PostgreSQL with 10,000 rows is prechecked,
//! migrated by physical replication, written to while the target streams,
//! and switched over; the target, at the endpoint the API reports, holds
//! every row and takes writes. Prechecks of misconfigured sources fail,
//! naming the documented check, with the precheck waiter in its failure
//! state. Nothing is left running or on disk afterwards.
//!
//! The workflow's calls are those of the `postgres_migration` example,
//! which this test includes.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use aliyun_rds::operation::activate_migration_target_instance::ActivateMigrationTargetInstanceError;
use aliyun_rds::{Client, SdkError, WaiterError};
use aliyun_rds_emulator::postgres::{Engine, EngineOptions, SecurityIp};
use aliyun_rds_emulator::RunningEmulator;
use aliyun_tests::postgres::{port_open, processes_in};

#[allow(dead_code)]
#[path = "../examples/postgres_migration.rs"]
mod example;

use example::{Source, APP_ACCOUNT};

const POLL: Duration = Duration::from_millis(100);
const PASSWORD: &str = "Migrat10n-Password";

/// The emulator's data root, which must be gone once it has shut down.
fn data_root(emulator: &RunningEmulator) -> PathBuf {
    emulator
        .postgres()
        .expect("started with postgres")
        .expect("PostgreSQL is installed")
        .root()
        .to_path_buf()
}

/// Shuts the emulator down and checks that it left no server and no file.
async fn shut_down_and_check(emulator: RunningEmulator) {
    let root = data_root(&emulator);
    assert!(root.exists());
    emulator.shutdown().await;
    assert!(!root.exists(), "{} is left", root.display());
    assert_eq!(processes_in(&root), Vec::<u32>::new(), "servers are left");
}

fn source_of(
    cluster: &aliyun_rds_emulator::postgres::Cluster,
    account: &str,
    password: &str,
) -> Source {
    Source {
        ip: cluster.host().to_string(),
        port: i64::from(cluster.port()),
        account: account.to_owned(),
        password: password.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_self_managed_postgresql_is_migrated_and_switched_over() {
    let emulator = example::start_emulator().await.expect("start the emulator");
    let client = example::client_for(&emulator).unwrap();
    let sources = Engine::start(EngineOptions::new())
        .await
        .expect("PostgreSQL is installed");
    let source_cluster =
        example::start_source(&sources, "self-managed", "migrator", PASSWORD, 10_000)
            .await
            .expect("start the source");
    let source = source_of(&source_cluster, "migrator", PASSWORD);

    let instance = example::create_target(&client, 20, POLL).await.unwrap();
    let detail = example::precheck(&client, &instance, &source, POLL)
        .await
        .unwrap();
    assert!(detail.ends_with("*Migrate check success*"), "{detail}");
    assert!(!detail.contains("fail("), "{detail}");
    assert!(!detail.contains(PASSWORD));

    let task_id = example::migrate(&client, &instance, &source, POLL)
        .await
        .unwrap();
    let ready = client
        .describe_cloud_migration_result(&instance, 1, 30)
        .task_id(task_id)
        .send()
        .await
        .unwrap();
    let item = &ready.items.as_deref().unwrap()[0];
    assert_eq!(item.migrate_stage.as_deref(), Some("increment"));
    assert_eq!(item.replication_state.as_deref(), Some("streaming"));
    let info: serde_json::Value =
        serde_json::from_str(item.replication_info.as_deref().unwrap()).unwrap();
    assert_eq!(info["Status"], "streaming", "{info}");
    assert_eq!(info["IsSlave"], "true", "{info}");
    assert!(
        info["ReplayLag"].as_str().unwrap().parse::<u64>().is_ok(),
        "the lag is read from the servers: {info}"
    );

    source_cluster
        .execute(
            "app",
            "INSERT INTO items SELECT n, md5(n::text) FROM generate_series(10001, 10100) AS n",
        )
        .await
        .unwrap();
    example::switch_over(&client, &instance).await.unwrap();

    let done = client
        .describe_cloud_migration_result(&instance, 1, 30)
        .task_id(task_id)
        .send()
        .await
        .unwrap();
    let item = &done.items.as_deref().unwrap()[0];
    assert_eq!(item.migrate_stage.as_deref(), Some("success"));
    assert_eq!(item.replication_state.as_deref(), Some("finish"));
    assert!(!item.switch_time.as_deref().unwrap_or_default().is_empty());
    let again = client
        .activate_migration_target_instance(&instance)
        .send()
        .await
        .unwrap_err();
    match again {
        SdkError::Service(error) => assert_eq!(
            *error.kind(),
            ActivateMigrationTargetInstanceError::InvalidMigrateTask
        ),
        other => panic!("expected InvalidMigrateTask, got {other}"),
    }

    // The endpoint both describe operations report is the target's.
    let (host, port) = example::target_endpoint(&client, &instance).await.unwrap();
    let attribute = client
        .describe_db_instance_attribute(&instance)
        .send()
        .await
        .unwrap();
    let attribute = &attribute.items.unwrap().db_instance_attribute.unwrap()[0];
    assert_eq!(attribute.connection_string.as_deref(), Some(host.as_str()));
    assert_eq!(attribute.port.as_deref(), Some(port.to_string().as_str()));
    assert_eq!(attribute.db_instance_status.as_deref(), Some("Running"));
    assert_ne!(u16::try_from(source.port).unwrap(), port);

    let target = example::connect(&host, port, APP_ACCOUNT, PASSWORD, "app")
        .await
        .expect("connect to the target as the source's application account");
    let count: i64 = target
        .query_one("SELECT count(*) FROM items", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        count, 10_100,
        "every row the source committed is on the target"
    );
    let in_recovery: bool = target
        .query_one("SELECT pg_is_in_recovery()", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!in_recovery, "the target was promoted");
    target
        .execute("INSERT INTO items VALUES (0, 'written on the target')", &[])
        .await
        .expect("the target takes writes");
    drop(target);

    // Deleting the instance closes its port.
    client.delete_db_instance(&instance).send().await.unwrap();
    assert!(!port_open(&host, port));

    shut_down_and_check(emulator).await;
    sources.shutdown().await;
}

/// Runs a precheck of `source` into `instance` and expects it to fail;
/// returns its report.
async fn failed_precheck(client: &Client, instance: &str, source: &Source) -> String {
    let task = client
        .create_cloud_migration_precheck_task(
            instance,
            &source.ip,
            source.port,
            &source.account,
            &source.password,
            "ecsOnVpc",
        )
        .send()
        .await
        .unwrap();
    let task_id = task.task_id.unwrap();
    let waited = client
        .describe_cloud_migration_precheck_result(instance, 30, 1)
        .task_id(task_id)
        .wait_until_cloud_migration_precheck_passed(Duration::from_secs(120))
        .min_delay(POLL)
        .max_delay(POLL * 4)
        .await;
    match waited {
        Err(WaiterError::FailureState { .. }) => {}
        Err(other) => panic!("the precheck waiter did not fail: {other}"),
        Ok(_) => panic!("the precheck of a misconfigured source passed"),
    }
    let result = client
        .describe_cloud_migration_precheck_result(instance, 30, 1)
        .task_id(task_id)
        .send()
        .await
        .unwrap();
    result.items.unwrap()[0].detail.clone().unwrap()
}

/// The report line of `check`.
fn line<'a>(detail: &'a str, check: &str) -> &'a str {
    detail
        .lines()
        .find(|line| line.starts_with(&format!("{check}: ")))
        .unwrap_or_else(|| panic!("no {check} in {detail}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prechecks_of_misconfigured_sources_fail_naming_the_check() {
    let emulator = example::start_emulator().await.expect("start the emulator");
    let client = example::client_for(&emulator).unwrap();
    let sources = Engine::start(EngineOptions::new())
        .await
        .expect("PostgreSQL is installed");
    let source_cluster =
        example::start_source(&sources, "misconfigured", "migrator", PASSWORD, 100)
            .await
            .expect("start the source");
    source_cluster
        .execute(
            "postgres",
            &format!("CREATE ROLE no_replication LOGIN CREATEROLE PASSWORD '{PASSWORD}' IN ROLE pg_monitor"),
        )
        .await
        .unwrap();
    // 5 GB of storage: the precheck allows a source of 80 % of it, 4 GB.
    let instance = example::create_target(&client, 5, POLL).await.unwrap();

    // A good source passes, so each failure below is the misconfiguration's.
    let good = source_of(&source_cluster, "migrator", PASSWORD);
    let passed = example::precheck(&client, &instance, &good, POLL)
        .await
        .unwrap();
    assert!(passed.ends_with("*Migrate check success*"), "{passed}");

    // A wrong password.
    let wrong_password = source_of(&source_cluster, "migrator", "Wrong-Passw0rd");
    let detail = failed_precheck(&client, &instance, &wrong_password).await;
    let connectable = line(&detail, "Check database connectable");
    assert!(connectable.contains("fail(error:"), "{detail}");
    assert!(
        connectable.contains("password authentication failed"),
        "{detail}"
    );
    assert_eq!(
        line(&detail, "Check ip connectable"),
        "Check ip connectable: success"
    );
    assert!(detail.ends_with("*Migrate check failed*"), "{detail}");
    assert!(!detail.contains("Wrong-Passw0rd"));

    // An account without the replication privilege.
    let no_replication = source_of(&source_cluster, "no_replication", PASSWORD);
    let detail = failed_precheck(&client, &instance, &no_replication).await;
    let replication = line(&detail, "Check account replication privilege");
    assert!(
        replication.contains("has no replication privilege"),
        "{detail}"
    );
    assert_eq!(
        line(&detail, "Check database connectable"),
        "Check database connectable: success"
    );
    assert_eq!(detail.matches("fail(").count(), 1, "{detail}");

    // No replication entry in pg_hba.conf.
    source_cluster.set_replication_ips(&[]).await.unwrap();
    let detail = failed_precheck(&client, &instance, &good).await;
    let replication = line(&detail, "Check account replication privilege");
    assert!(replication.contains("pg_hba.conf"), "{detail}");
    assert_eq!(detail.matches("fail(").count(), 1, "{detail}");
    source_cluster
        .set_replication_ips(&[SecurityIp::loopback()])
        .await
        .unwrap();

    // A source bigger than 80 % of the target's storage: a 5 GB sparse
    // file in the source's database directory counts in
    // pg_database_size() without taking the disk space.
    let session = example::connect(
        &good.ip,
        source_cluster.port(),
        "migrator",
        PASSWORD,
        "postgres",
    )
    .await
    .unwrap();
    let oid: u32 = session
        .query_one("SELECT oid FROM pg_database WHERE datname = 'app'", &[])
        .await
        .unwrap()
        .get(0);
    drop(session);
    let filler = source_cluster
        .data_dir()
        .join("base")
        .join(oid.to_string())
        .join("filler");
    std::fs::File::create(&filler)
        .unwrap()
        .set_len(5 << 30)
        .unwrap();
    let detail = failed_precheck(&client, &instance, &good).await;
    let disk = line(&detail, "Check disk size enough");
    assert!(
        disk.contains("larger than 80% of rds storage 5120 MB"),
        "{detail}"
    );
    assert_eq!(detail.matches("fail(").count(), 1, "{detail}");
    std::fs::remove_file(&filler).unwrap();

    shut_down_and_check(emulator).await;
    sources.shutdown().await;
}
