//! Rehearses a cloud migration for real, on this machine: starts a local
//! PostgreSQL with data (the "self-managed" source), migrates it into an
//! RDS for PostgreSQL instance of the emulator (which runs a real
//! PostgreSQL cluster behind every PostgreSQL instance, as
//! `aliyun-rds emulator --postgres` does), writes more rows on the source
//! while the target streams, switches over, and connects to the target at
//! the endpoint the API reports: every row is there, and it takes writes.
//!
//! ```sh
//! cargo run -p aliyun-tests --features postgres --example postgres_migration
//! ```
//!
//! It needs PostgreSQL's programs (`initdb`, `postgres`, `pg_basebackup`;
//! Debian: `apt-get install postgresql`); run as root, the clusters run as
//! the `postgres` user. Every server it starts is stopped, and its files
//! removed, when it ends.
//!
//! The steps are the calls a migration script makes against the real
//! service: the same client, operations and waiters. Against Alibaba
//! Cloud, create the client with your region and credentials instead of
//! the emulator's endpoint, give the source's reachable address, and keep
//! the waiters' default delays.

use std::error::Error;
use std::net::IpAddr;
use std::time::Duration;

use aliyun_rds::{Client, Config};
use aliyun_rds_emulator::postgres::{Binaries, Cluster, Engine, EngineOptions, SecurityIp};
use aliyun_rds_emulator::{Emulator, Fixture, Pace, RunningEmulator};
use aliyun_runtime::Credentials;

/// The `EngineVersion` instances are created with: the installed
/// PostgreSQL's major version (`15.0` for PostgreSQL 15), which the
/// emulator's clusters and the source run.
pub fn engine_version() -> Result<String, Box<dyn Error>> {
    let major = Binaries::discover(None)?.major_version()?;
    Ok(format!("{major}.0"))
}

/// Rows the source starts with.
const SOURCE_ROWS: i64 = 10_000;
/// Rows written on the source while the target streams from it.
const MORE_ROWS: i64 = 100;

/// The self-managed PostgreSQL to migrate, as the migration operations
/// take it.
#[derive(Clone)]
pub struct Source {
    /// `SourceIpAddress`.
    pub ip: String,
    /// `SourcePort`.
    pub port: i64,
    /// `SourceAccount`: a role with `REPLICATION`, `CREATEROLE` and
    /// `pg_monitor`.
    pub account: String,
    /// `SourcePassword`.
    pub password: String,
}

/// An emulator whose PostgreSQL instances are real clusters, with no
/// fixture instances, whose changes end as soon as the clusters are ready.
pub async fn start_emulator() -> std::io::Result<RunningEmulator> {
    Emulator::builder()
        .fixture(Fixture::empty())
        .pace(Pace::instant())
        .documented_operations(aliyun_rds::metadata::OPERATIONS)
        .postgres(EngineOptions::new())
        .start("127.0.0.1:0")
        .await
}

/// A client of the emulator, with its demo key pair.
pub fn client_for(emulator: &RunningEmulator) -> Result<Client, Box<dyn Error>> {
    Ok(Client::new(
        Config::builder()
            .endpoint_url(emulator.base_url())
            .credentials(Credentials::new(
                aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
                aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
            ))
            .build(),
    )?)
}

/// The application's account on the source, which owns its data; it
/// moves to the target with the data (password included).
pub const APP_ACCOUNT: &str = "app";

/// Starts a self-managed PostgreSQL the way a migration expects it: a
/// migration account with the privileges the precheck looks for,
/// replication allowed from this machine in `pg_hba.conf`, enough WAL
/// kept, and `rows` rows in the table `items` of the database `app`,
/// owned by [`APP_ACCOUNT`] (whose password is `password` too).
pub async fn start_source(
    engine: &Engine,
    name: &str,
    account: &str,
    password: &str,
    rows: i64,
) -> Result<Cluster, Box<dyn Error>> {
    let source = engine.spawn_self_managed(name).await?;
    source
        .execute(
            "postgres",
            &format!(
                "CREATE ROLE {account} LOGIN REPLICATION CREATEROLE PASSWORD '{password}' IN ROLE pg_monitor;\n\
                 CREATE ROLE {APP_ACCOUNT} LOGIN PASSWORD '{password}';"
            ),
        )
        .await?;
    // CREATE DATABASE runs alone: a batch is one transaction.
    source
        .execute(
            "postgres",
            &format!("CREATE DATABASE app OWNER {APP_ACCOUNT}"),
        )
        .await?;
    source
        .execute(
            "app",
            &format!(
                "SET ROLE {APP_ACCOUNT};\n\
                 CREATE TABLE items (id bigint PRIMARY KEY, payload text NOT NULL);\n\
                 INSERT INTO items SELECT n, md5(n::text) FROM generate_series(1, {rows}) AS n;"
            ),
        )
        .await?;
    source
        .set_replication_ips(&[SecurityIp::loopback()])
        .await?;
    source
        .set_parameters(&[("wal_keep_size", "1GB")], false)
        .await?;
    Ok(source)
}

/// Creates a PostgreSQL instance of `storage_gb` GB that clients on this
/// machine may reach, and waits until it runs; returns its ID.
pub async fn create_target(
    client: &Client,
    storage_gb: i32,
    poll_delay: Duration,
) -> Result<String, Box<dyn Error>> {
    let created = client
        .create_db_instance(
            "cn-hangzhou",
            "PostgreSQL",
            engine_version()?,
            "pg.n2.2c.2m",
            storage_gb,
            "Intranet",
            "127.0.0.1",
            "Postpaid",
        )
        .send()
        .await?;
    let instance = created
        .db_instance_id
        .ok_or("the CreateDBInstance answer has no DBInstanceId")?;
    client
        .describe_db_instance_attribute(&instance)
        .wait_until_db_instance_running(Duration::from_secs(300))
        .min_delay(poll_delay)
        .max_delay(poll_delay * 4)
        .await?;
    Ok(instance)
}

/// Checks that RDS may use the cloud resources it needs, runs the
/// precheck of `source` into `instance`, and waits for its verdict;
/// returns the report. A failed precheck is the waiter's failure state.
pub async fn precheck(
    client: &Client,
    instance: &str,
    source: &Source,
    poll_delay: Duration,
) -> Result<String, Box<dyn Error>> {
    let authorization = client
        .check_cloud_resource_authorized()
        .db_instance_id(instance)
        .send()
        .await?;
    if authorization.authorization_state != Some(1) {
        return Err(format!("{instance}: authorize RDS to use cloud resources first").into());
    }
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
        .await?;
    let task_id = task.task_id.ok_or("the precheck answer has no TaskId")?;
    let passed = client
        .describe_cloud_migration_precheck_result(instance, 30, 1)
        .task_id(task_id)
        .wait_until_cloud_migration_precheck_passed(Duration::from_secs(300))
        .min_delay(poll_delay)
        .max_delay(poll_delay * 4)
        .await?;
    Ok(passed
        .items
        .as_deref()
        .and_then(<[_]>::first)
        .and_then(|item| item.detail.clone())
        .unwrap_or_default())
}

/// Starts the migration of `source` into `instance` and waits until it is
/// ready to switch over; returns the task's ID.
pub async fn migrate(
    client: &Client,
    instance: &str,
    source: &Source,
    poll_delay: Duration,
) -> Result<i64, Box<dyn Error>> {
    let task = client
        .create_cloud_migration_task(
            instance,
            &source.ip,
            source.port,
            &source.account,
            &source.password,
            "ecsOnVpc",
        )
        .send()
        .await?;
    let task_id = task.task_id.ok_or("the migration answer has no TaskId")?;
    client
        .describe_cloud_migration_result(instance, 1, 30)
        .task_id(task_id)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_secs(600))
        .min_delay(poll_delay)
        .max_delay(poll_delay * 4)
        .await?;
    Ok(task_id)
}

/// Switches `instance` over: it replays what the source committed, then
/// becomes a primary.
pub async fn switch_over(client: &Client, instance: &str) -> Result<(), Box<dyn Error>> {
    client
        .activate_migration_target_instance(instance)
        .switch_time_mode("0")
        .send()
        .await?;
    Ok(())
}

/// The endpoint clients connect to, as `DescribeDBInstanceNetInfo`
/// reports it: the internal connection string (an address, for a real
/// cluster) and its port.
pub async fn target_endpoint(
    client: &Client,
    instance: &str,
) -> Result<(String, u16), Box<dyn Error>> {
    let net_info = client
        .describe_db_instance_net_info(instance)
        .send()
        .await?;
    let entry = net_info
        .db_instance_net_infos
        .and_then(|infos| infos.db_instance_net_info)
        .and_then(|infos| infos.into_iter().next())
        .ok_or("DescribeDBInstanceNetInfo lists no endpoint")?;
    let host = entry
        .connection_string
        .ok_or("the endpoint has no ConnectionString")?;
    let port = entry.port.ok_or("the endpoint has no Port")?.parse()?;
    Ok((host, port))
}

/// A session on `database` at `host`:`port`.
pub async fn connect(
    host: &str,
    port: u16,
    user: &str,
    password: &str,
    database: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::Config::new()
        .host(host)
        .port(port)
        .user(user)
        .password(password)
        .dbname(database)
        .connect_timeout(Duration::from_secs(10))
        .connect(tokio_postgres::NoTls)
        .await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let poll_delay = Duration::from_millis(200);
    let emulator = start_emulator().await?;
    let client = client_for(&emulator)?;
    println!("emulator: {}", emulator.base_url());

    // The self-managed source lives in an engine of its own, which stops
    // it and removes its files when it is dropped.
    let sources = Engine::start(EngineOptions::new()).await?;
    let password = "Migrat10n-Password";
    let source_cluster =
        start_source(&sources, "self-managed", "migrator", password, SOURCE_ROWS).await?;
    let source = Source {
        ip: source_cluster.host().to_string(),
        port: i64::from(source_cluster.port()),
        account: "migrator".to_owned(),
        password: password.to_owned(),
    };
    println!(
        "1. source PostgreSQL on {}:{} with {SOURCE_ROWS} rows",
        source.ip, source.port
    );

    let instance = create_target(&client, 20, poll_delay).await?;
    println!("2. instance {instance} is running");

    let report = precheck(&client, &instance, &source, poll_delay).await?;
    println!(
        "3. precheck passed: {} checks succeeded",
        report.matches(": success").count()
    );

    let task_id = migrate(&client, &instance, &source, poll_delay).await?;
    println!("4. migration task {task_id} is streaming, ready to switch over");

    source_cluster
        .execute(
            "app",
            &format!(
                "INSERT INTO items SELECT n, md5(n::text) FROM generate_series({}, {}) AS n",
                SOURCE_ROWS + 1,
                SOURCE_ROWS + MORE_ROWS
            ),
        )
        .await?;
    println!("5. {MORE_ROWS} more rows written on the source");

    switch_over(&client, &instance).await?;
    println!("6. switched over");

    let (host, port) = target_endpoint(&client, &instance).await?;
    let address: IpAddr = host.parse()?;
    let target = connect(&host, port, APP_ACCOUNT, password, "app").await?;
    let rows: i64 = target
        .query_one("SELECT count(*) FROM items", &[])
        .await?
        .get(0);
    let in_recovery: bool = target
        .query_one("SELECT pg_is_in_recovery()", &[])
        .await?
        .get(0);
    target
        .execute("INSERT INTO items VALUES (0, 'written on the target')", &[])
        .await?;
    println!(
        "7. target {address}:{port}: {rows} rows, in recovery: {in_recovery}, and it took a write"
    );
    if rows != SOURCE_ROWS + MORE_ROWS || in_recovery {
        return Err("the target does not hold what the source committed".into());
    }
    emulator.shutdown().await;
    sources.shutdown().await;
    Ok(())
}
