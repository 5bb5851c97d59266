//! Instances created through the generated client are real PostgreSQL
//! servers when the emulator runs with real PostgreSQL (the `postgres`
//! feature): the real `psql` connects to the reported endpoint with the
//! accounts the API creates, and accounts, databases, privileges, the
//! whitelist, parameters (reloaded, or with a restart), restarts, stops
//! and starts, and deletion act on the server. A
//! missing PostgreSQL gives the operation a documented error, at once.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::operation::create_db_instance::CreateDbInstanceError;
use aliyun_rds::{Client, SdkError};
use aliyun_rds_emulator::postgres::EngineOptions;
use aliyun_rds_emulator::{Emulator, Fixture, Pace};
use aliyun_tests::postgres::{port_open, processes_in, processes_named, psql};

#[allow(dead_code)]
#[path = "../examples/postgres_migration.rs"]
mod example;

const POLL: Duration = Duration::from_millis(100);
const PASSWORD: &str = "App-Passw0rd-1";
const NEW_PASSWORD: &str = "App-Passw0rd-2";

async fn wait_running(client: &Client, instance: &str) {
    client
        .describe_db_instance_attribute(instance)
        .wait_until_db_instance_running(Duration::from_secs(120))
        .min_delay(POLL)
        .max_delay(POLL * 4)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn created_instances_are_real_servers_the_operations_act_on() {
    let emulator = example::start_emulator().await.expect("start the emulator");
    let client = example::client_for(&emulator).unwrap();
    let engine = emulator
        .postgres()
        .unwrap()
        .expect("PostgreSQL is installed");
    let root = engine.root().to_path_buf();

    // A cluster runs the installed PostgreSQL: another major version is
    // refused.
    let installed: u32 = example::engine_version()
        .unwrap()
        .trim_end_matches(".0")
        .parse()
        .unwrap();
    let other_version = client
        .create_db_instance(
            "cn-hangzhou",
            "PostgreSQL",
            format!("{}.0", if installed == 15 { 16 } else { 15 }),
            "pg.n2.2c.2m",
            20,
            "Intranet",
            "127.0.0.1",
            "Postpaid",
        )
        .send()
        .await
        .unwrap_err();
    match other_version {
        SdkError::Service(error) => assert_eq!(
            *error.kind(),
            CreateDbInstanceError::InvalidEngineVersionMalformed
        ),
        other => panic!("expected InvalidEngineVersion.Malformed, got {other}"),
    }

    let instance = example::create_target(&client, 20, POLL).await.unwrap();
    let (host, port) = example::target_endpoint(&client, &instance).await.unwrap();
    let net_info = client
        .describe_db_instance_net_info(&instance)
        .send()
        .await
        .unwrap();
    let entry = &net_info
        .db_instance_net_infos
        .unwrap()
        .db_instance_net_info
        .unwrap()[0];
    assert_eq!(
        entry.ip_address.as_deref(),
        Some(host.as_str()),
        "the address connects too"
    );
    let cluster_dir = engine
        .cluster(&instance)
        .expect("a cluster")
        .dir()
        .to_path_buf();
    assert!(cluster_dir.starts_with(&root));
    let sql = |user: &str, password: &str, database: &str, sql: &str| {
        psql(&host, port, user, password, database, sql)
    };

    // An account, a database and the owner's privilege: psql logs in and
    // creates a table.
    client
        .create_account(&instance, "app_user", PASSWORD)
        .send()
        .await
        .unwrap();
    client
        .create_database(&instance, "appdb", "UTF8")
        .send()
        .await
        .unwrap();
    client
        .grant_account_privilege(&instance, "app_user", "appdb", "DBOwner")
        .send()
        .await
        .unwrap();
    sql(
        "app_user",
        PASSWORD,
        "appdb",
        "CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2)",
    )
    .expect("the account creates a table in its database");
    assert_eq!(
        sql("app_user", PASSWORD, "appdb", "SELECT count(*) FROM orders").unwrap(),
        "2"
    );

    // A new password: the old one fails, the new one works.
    client
        .reset_account_password(&instance, "app_user", NEW_PASSWORD)
        .send()
        .await
        .unwrap();
    let refused = sql("app_user", PASSWORD, "appdb", "SELECT 1").unwrap_err();
    assert!(
        refused.contains("password authentication failed"),
        "{refused}"
    );
    assert_eq!(
        sql("app_user", NEW_PASSWORD, "appdb", "SELECT 1").unwrap(),
        "1"
    );

    // A locked account cannot log in until it is unlocked.
    client
        .lock_account(&instance, "app_user")
        .send()
        .await
        .unwrap();
    let refused = sql("app_user", NEW_PASSWORD, "appdb", "SELECT 1").unwrap_err();
    assert!(refused.contains("not permitted to log in"), "{refused}");
    client
        .unlock_account(&instance, "app_user")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sql("app_user", NEW_PASSWORD, "appdb", "SELECT 1").unwrap(),
        "1"
    );

    // A privileged account creates databases; a revoked owner loses its
    // database.
    client
        .create_account(&instance, "boss", PASSWORD)
        .account_type("Super")
        .send()
        .await
        .unwrap();
    assert_eq!(
        sql(
            "boss",
            PASSWORD,
            "postgres",
            "SELECT rolcreatedb AND rolcreaterole FROM pg_roles WHERE rolname = current_user"
        )
        .unwrap(),
        "t"
    );
    client
        .revoke_account_privilege(&instance, "app_user", "appdb")
        .send()
        .await
        .unwrap();
    let refused = sql(
        "app_user",
        NEW_PASSWORD,
        "appdb",
        "CREATE TABLE more (id int)",
    )
    .unwrap_err();
    assert!(refused.contains("permission denied"), "{refused}");

    // The whitelist is pg_hba.conf: without 127.0.0.1, no client gets in.
    client
        .modify_security_ips(&instance, "10.0.0.1")
        .send()
        .await
        .unwrap();
    let refused = sql("boss", PASSWORD, "postgres", "SELECT 1").unwrap_err();
    assert!(refused.contains("no pg_hba.conf entry"), "{refused}");
    client
        .modify_security_ips(&instance, "127.0.0.1,10.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(sql("boss", PASSWORD, "postgres", "SELECT 1").unwrap(), "1");

    // A parameter the server reloads.
    client
        .modify_parameter(&instance)
        .parameters(r#"{"work_mem":"8192"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(
        sql("boss", PASSWORD, "postgres", "SHOW work_mem").unwrap(),
        "8MB"
    );

    // A parameter only a restart applies, with Forcerestart.
    client
        .modify_parameter(&instance)
        .parameters(r#"{"max_connections":"150"}"#)
        .forcerestart(true)
        .send()
        .await
        .unwrap();
    wait_running(&client, &instance).await;
    assert_eq!(
        sql("boss", PASSWORD, "postgres", "SHOW max_connections").unwrap(),
        "150"
    );

    // A restart: a new server on the same port.
    let started = sql(
        "boss",
        PASSWORD,
        "postgres",
        "SELECT pg_postmaster_start_time()",
    )
    .unwrap();
    client.restart_db_instance(&instance).send().await.unwrap();
    wait_running(&client, &instance).await;
    let restarted = sql(
        "boss",
        PASSWORD,
        "postgres",
        "SELECT pg_postmaster_start_time()",
    )
    .unwrap();
    assert_ne!(started, restarted);

    // Stopped, the server is down; started, it is back on the same port.
    client
        .stop_db_instance(&instance, "cn-hangzhou")
        .send()
        .await
        .unwrap();
    assert!(
        !port_open(&host, port),
        "a stopped instance's port is closed"
    );
    client.start_db_instance(&instance).send().await.unwrap();
    wait_running(&client, &instance).await;
    assert_eq!(sql("boss", PASSWORD, "postgres", "SELECT 1").unwrap(), "1");

    // A deleted account is gone from the server.
    client
        .delete_account(&instance, "app_user")
        .send()
        .await
        .unwrap();
    let refused = sql("app_user", NEW_PASSWORD, "postgres", "SELECT 1").unwrap_err();
    assert!(
        refused.contains("password authentication failed"),
        "{refused}"
    );
    assert_eq!(
        sql(
            "boss",
            PASSWORD,
            "postgres",
            "SELECT count(*) FROM pg_roles WHERE rolname = 'app_user'"
        )
        .unwrap(),
        "0"
    );

    // A database deleted is gone from the server.
    client
        .delete_database(&instance, "appdb")
        .send()
        .await
        .unwrap();
    let refused = sql("boss", PASSWORD, "appdb", "SELECT 1").unwrap_err();
    assert!(refused.contains("does not exist"), "{refused}");

    // Deleting the instance closes the port and removes the data.
    assert!(port_open(&host, port));
    client.delete_db_instance(&instance).send().await.unwrap();
    assert!(!port_open(&host, port), "the port is closed");
    assert!(!cluster_dir.exists(), "the data is removed");
    assert_eq!(processes_named(&instance), Vec::<u32>::new());

    emulator.shutdown().await;
    assert!(!root.exists(), "{} is left", root.display());
    assert_eq!(processes_in(&root), Vec::<u32>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_disk_instances_grant_the_finer_privileges() {
    let emulator = example::start_emulator().await.expect("start the emulator");
    let client = example::client_for(&emulator).unwrap();
    let created = client
        .create_db_instance(
            "cn-hangzhou",
            "PostgreSQL",
            example::engine_version().unwrap(),
            "pg.x4.large.2c",
            20,
            "Intranet",
            "127.0.0.1",
            "Postpaid",
        )
        .db_instance_storage_type("local_ssd")
        .send()
        .await
        .unwrap();
    let instance = created.db_instance_id.unwrap();
    wait_running(&client, &instance).await;
    let (host, port) = example::target_endpoint(&client, &instance).await.unwrap();
    client
        .create_database(&instance, "shop", "UTF8")
        .send()
        .await
        .unwrap();
    for account in ["writer", "reader"] {
        client
            .create_account(&instance, account, PASSWORD)
            .send()
            .await
            .unwrap();
    }
    client
        .grant_account_privilege(&instance, "writer", "shop", "ReadWrite")
        .send()
        .await
        .unwrap();
    psql(
        &host,
        port,
        "writer",
        PASSWORD,
        "shop",
        "CREATE TABLE goods (id int); INSERT INTO goods VALUES (7)",
    )
    .expect("ReadWrite creates and writes");
    client
        .grant_account_privilege(&instance, "reader", "shop", "ReadOnly")
        .send()
        .await
        .unwrap();
    // Granted after the table exists, ReadOnly reads it and writes nothing.
    assert_eq!(
        psql(
            &host,
            port,
            "reader",
            PASSWORD,
            "shop",
            "SELECT id FROM goods"
        )
        .unwrap(),
        "7"
    );
    let refused = psql(
        &host,
        port,
        "reader",
        PASSWORD,
        "shop",
        "INSERT INTO goods VALUES (8)",
    )
    .unwrap_err();
    assert!(refused.contains("permission denied"), "{refused}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn without_postgresql_programs_creating_an_instance_fails_at_once() {
    let missing = tempfile_dir();
    let emulator = Emulator::builder()
        .fixture(Fixture::empty())
        .pace(Pace::instant())
        .documented_operations(aliyun_rds::metadata::OPERATIONS)
        .postgres(EngineOptions::new().bin_dir(&missing))
        .start("127.0.0.1:0")
        .await
        .expect("the emulator starts all the same");
    let reason = emulator.postgres().unwrap().unwrap_err().to_owned();
    assert!(reason.contains("initdb"), "{reason}");
    let client = example::client_for(&emulator).unwrap();
    let started = std::time::Instant::now();
    let error = client
        .create_db_instance(
            "cn-hangzhou",
            "PostgreSQL",
            "15.0",
            "pg.n2.2c.2m",
            20,
            "Intranet",
            "127.0.0.1",
            "Postpaid",
        )
        .send()
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(10), "never a hang");
    match error {
        SdkError::Service(error) => {
            assert_eq!(*error.kind(), CreateDbInstanceError::ExternalFailure);
            let recommend = error.metadata().recommend.clone().unwrap_or_default();
            assert!(recommend.contains("not found"), "{recommend}");
        }
        other => panic!("expected ExternalFailure, got {other}"),
    }
    // Other engines are not affected.
    client
        .create_db_instance(
            "cn-hangzhou",
            "MySQL",
            "8.0",
            "mysql.n2.medium.1",
            20,
            "Intranet",
            "127.0.0.1",
            "Postpaid",
        )
        .send()
        .await
        .expect("MySQL instances live in memory");
    emulator.shutdown().await;
    let _ = std::fs::remove_dir(&missing);
}

/// An empty directory, where no PostgreSQL program is.
fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("no-postgresql-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
