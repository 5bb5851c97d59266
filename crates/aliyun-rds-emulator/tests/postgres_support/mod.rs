//! What the real-engine tests share: an engine, client connections over
//! TCP, and a migration source with data.
//!
//! Every server a test starts belongs to an `Engine`, whose `Drop` kills
//! the servers and removes their files, so they go even when a test fails.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::Duration;

use aliyun_rds_emulator::postgres::{
    running_as_root, Cluster, Engine, EngineOptions, SecurityIp, SourceEndpoint,
};

/// The password of every test account: three character types, as RDS
/// requires.
pub const PASSWORD: &str = "Test-Passw0rd";
/// The migration account of the test sources.
pub const MIGRATOR: &str = "migrator";

pub async fn engine() -> Engine {
    Engine::start(EngineOptions::new())
        .await
        .expect("start the real-engine layer")
}

/// A connection to `database` as `user`, over TCP like any client.
pub async fn connect(
    cluster: &Cluster,
    user: &str,
    password: &str,
    database: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let mut config = tokio_postgres::Config::new();
    config
        .host(cluster.host().to_string())
        .port(cluster.port())
        .user(user)
        .password(password)
        .dbname(database)
        .connect_timeout(Duration::from_secs(10));
    let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    Ok(client)
}

/// The server's message for a refused connection or statement.
pub fn message(error: &tokio_postgres::Error) -> String {
    error
        .as_db_error()
        .map(|db| db.message().to_owned())
        .unwrap_or_else(|| error.to_string())
}

/// Whether something listens on the cluster's port.
pub fn port_open(cluster: &Cluster) -> bool {
    std::net::TcpStream::connect_timeout(
        &SocketAddr::new(cluster.host(), cluster.port()),
        Duration::from_secs(2),
    )
    .is_ok()
}

/// A self-managed source as a migration expects it: a migration account
/// with the replication, createrole and monitor privileges, replication
/// allowed from loopback in `pg_hba.conf`, `wal_keep_size` large enough,
/// and `rows` rows in `app.items`, owned by the account `app`.
pub async fn source_cluster(engine: &Engine, instance_id: &str, rows: u32) -> Cluster {
    let source = engine
        .spawn_self_managed(instance_id)
        .await
        .expect("start the source");
    source
        .execute(
            "postgres",
            &format!(
                "CREATE ROLE {MIGRATOR} LOGIN REPLICATION CREATEROLE PASSWORD '{PASSWORD}' IN ROLE pg_monitor;\n\
                 CREATE ROLE app LOGIN PASSWORD '{PASSWORD}';"
            ),
        )
        .await
        .expect("create the source's roles");
    source
        .execute("postgres", "CREATE DATABASE app OWNER app")
        .await
        .expect("create the source's database");
    source
        .execute(
            "app",
            &format!(
                "SET ROLE app;\n\
                 CREATE TABLE items (id bigint PRIMARY KEY, payload text NOT NULL);\n\
                 INSERT INTO items SELECT n, md5(n::text) FROM generate_series(1, {rows}) AS n;"
            ),
        )
        .await
        .expect("fill the source");
    source
        .set_replication_ips(&[SecurityIp::loopback()])
        .await
        .expect("allow replication from loopback");
    source
        .set_parameters(&[("wal_keep_size", "1GB")], false)
        .await
        .expect("keep WAL for the migration");
    source
}

/// The endpoint of `source` as the migration account sees it.
pub fn endpoint(source: &Cluster, account: &str, password: &str) -> SourceEndpoint {
    SourceEndpoint::new(source.host(), source.port(), account, password)
}

/// The user ID files and processes of the clusters must have: the
/// cluster user's when the tests run as root, else ours.
pub fn expected_uid(engine: &Engine) -> u32 {
    match engine.cluster_user() {
        Some(user) => {
            assert!(running_as_root());
            user.uid()
        }
        None => rustix_free_uid(),
    }
}

fn rustix_free_uid() -> u32 {
    std::fs::metadata("/proc/self").unwrap().uid()
}

/// The real user ID of a process.
pub fn process_uid(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|line| line.starts_with("Uid:"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// The processes whose current directory is inside `dir`.
pub fn processes_in(dir: &Path) -> Vec<u32> {
    let dir = match dir.canonicalize() {
        Ok(dir) => dir,
        Err(_) => dir.to_path_buf(),
    };
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(&dir))
        })
        .collect()
}
