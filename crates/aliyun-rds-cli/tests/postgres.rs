//! `aliyun-rds emulator --postgres` (the `postgres` feature): the cloud
//! migration of a real self-managed PostgreSQL run entirely through the
//! `aliyun-rds` binary, from `create-db-instance` to
//! `activate-migration-target-instance`, with the API's waiters; no
//! cluster outliving an emulator killed with SIGKILL (the next one removes
//! what it left on disk); and a missing PostgreSQL reported in the
//! emulator's log and as the operation's documented error.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aliyun_rds_emulator::postgres::{Binaries, Cluster, Engine, EngineOptions, SecurityIp};
use serde_json::Value;
use support::{assert_exit, cli, cli_with_demo_credentials, empty_home, stdout_json};

const PASSWORD: &str = "Migrat10n-Password";

/// A served `aliyun-rds emulator --postgres`, whose data root is made in
/// a directory of the test's own (its `TMPDIR`), killed when dropped.
struct Served {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Served {
    fn start(home: &Path, parent: &Path, flags: &[&str]) -> Served {
        let log = home.join(format!("emulator-{}.log", std::process::id()));
        let log = unique(log);
        let mut child = cli(home)
            .args([
                "emulator",
                "--listen",
                "127.0.0.1:0",
                "--pace",
                "instant",
                "--postgres",
            ])
            .args(flags)
            .env("TMPDIR", parent)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("spawn the emulator");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first_line = String::new();
        BufReader::new(stdout)
            .read_line(&mut first_line)
            .expect("read the first line");
        let url = first_line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
            .to_owned();
        Served { child, url, log }
    }

    /// What the emulator wrote to standard error so far.
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Sends `signal` (`TERM`, `KILL`) and waits for the exit.
    fn signal(mut self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        self.child.wait().expect("the emulator exits");
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// `path`, or a sibling of it that does not exist yet.
fn unique(path: PathBuf) -> PathBuf {
    let mut candidate = path.clone();
    let mut n = 0;
    while candidate.exists() {
        n += 1;
        candidate = path.with_extension(format!("{n}.log"));
    }
    candidate
}

/// A directory for the emulator's data roots that the `postgres` user
/// (who runs the clusters when the tests run as root) can reach.
fn data_parent(home: &Path) -> PathBuf {
    let parent = home.join("data");
    std::fs::create_dir_all(&parent).unwrap();
    for dir in [home, parent.as_path()] {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    parent
}

/// The data roots in `parent`.
fn data_roots(parent: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("aliyun-rds-postgres-"))
        })
        .collect()
}

/// The processes working in `dir` (every server works in its data
/// directory).
fn processes_in(dir: &Path) -> Vec<u32> {
    let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/cwd")).is_ok_and(|cwd| cwd.starts_with(&dir))
        })
        .collect()
}

/// Runs one call against the served emulator.
fn call(home: &Path, served: &Served, arguments: &[&str]) -> Output {
    cli_with_demo_credentials(home)
        .args(["--endpoint", &served.url, "--region", "cn-hangzhou"])
        .args(arguments)
        .output()
        .expect("run the aliyun-rds binary")
}

/// Runs one call that must succeed, and answers its JSON.
fn ok(home: &Path, served: &Served, arguments: &[&str]) -> Value {
    let output = call(home, served, arguments);
    assert_exit(&output, 0);
    stdout_json(&output)
}

/// The `EngineVersion` of the installed PostgreSQL (`15.0` for 15), which
/// the emulator's clusters run.
fn engine_version() -> String {
    let major = Binaries::discover(None)
        .and_then(|binaries| binaries.major_version())
        .expect("PostgreSQL is installed");
    format!("{major}.0")
}

/// `create-db-instance` of a PostgreSQL instance that clients on this
/// machine may reach, then `--wait-until DBInstanceRunning`; its ID.
fn create_instance(home: &Path, served: &Served) -> String {
    let created = ok(
        home,
        served,
        &[
            "create-db-instance",
            "--region-id",
            "cn-hangzhou",
            "--engine",
            "PostgreSQL",
            "--engine-version",
            &engine_version(),
            "--db-instance-class",
            "pg.n2.2c.2m",
            "--db-instance-storage",
            "20",
            "--db-instance-net-type",
            "Intranet",
            "--security-ip-list",
            "127.0.0.1",
            "--pay-type",
            "Postpaid",
        ],
    );
    let id = created["DBInstanceId"].as_str().unwrap().to_owned();
    let running = ok(
        home,
        served,
        &[
            "describe-db-instance-attribute",
            "--db-instance-id",
            &id,
            "--wait-until",
            "DBInstanceRunning",
            "interval=0.2",
        ],
    );
    assert_eq!(
        running["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"],
        "Running"
    );
    id
}

/// The real `psql` as `user` at `host`:`port`; its output, or its errors.
fn psql(host: &str, port: &str, user: &str, database: &str, sql: &str) -> Result<String, String> {
    let output = Command::new("psql")
        .args([
            "--no-psqlrc",
            "--tuples-only",
            "--no-align",
            "--set",
            "ON_ERROR_STOP=1",
        ])
        .arg(format!(
            "host={host} port={port} user={user} dbname={database}"
        ))
        .args(["--command", sql])
        .env("PGPASSWORD", PASSWORD)
        .stdin(Stdio::null())
        .output()
        .expect("run psql");
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
    }
}

/// A self-managed source with a migration account and `rows` rows in
/// `app.items`, owned by the account `app`.
async fn start_source(engine: &Engine, rows: u32) -> Cluster {
    let source = engine.spawn_self_managed("cli-source").await.unwrap();
    source
        .execute(
            "postgres",
            &format!(
                "CREATE ROLE migrator LOGIN REPLICATION CREATEROLE PASSWORD '{PASSWORD}' IN ROLE pg_monitor;\n\
                 CREATE ROLE app LOGIN PASSWORD '{PASSWORD}';"
            ),
        )
        .await
        .unwrap();
    source
        .execute("postgres", "CREATE DATABASE app OWNER app")
        .await
        .unwrap();
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
        .unwrap();
    source
        .set_replication_ips(&[SecurityIp::loopback()])
        .await
        .unwrap();
    source
        .set_parameters(&[("wal_keep_size", "1GB")], false)
        .await
        .unwrap();
    source
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_migration_runs_through_the_cli_binary() {
    let home = empty_home("postgres-migration");
    let parent = data_parent(home.path());
    let sources = Engine::start(EngineOptions::new()).await.unwrap();
    let source = start_source(&sources, 10_000).await;
    let source_port = source.port().to_string();
    let served = Served::start(home.path(), &parent, &[]);
    let home = home.path();

    let id = create_instance(home, &served);
    let authorized = ok(
        home,
        &served,
        &["check-cloud-resource-authorized", "--db-instance-id", &id],
    );
    assert_eq!(authorized["AuthorizationState"], 1);
    let source_flags = [
        "--source-ip-address",
        "127.0.0.1",
        "--source-port",
        &source_port,
        "--source-account",
        "migrator",
        "--source-password",
        PASSWORD,
        "--source-category",
        "ecsOnVpc",
    ];
    let precheck = ok(
        home,
        &served,
        &[
            &[
                "create-cloud-migration-precheck-task",
                "--db-instance-name",
                &id,
            ][..],
            &source_flags,
        ]
        .concat(),
    );
    let precheck_task = precheck["TaskId"].to_string();
    let passed = ok(
        home,
        &served,
        &[
            "describe-cloud-migration-precheck-result",
            "--db-instance-name",
            &id,
            "--page-size",
            "30",
            "--page-number",
            "1",
            "--task-id",
            &precheck_task,
            "--wait-until",
            "CloudMigrationPrecheckPassed",
            "interval=0.2",
        ],
    );
    let detail = passed["Items"][0]["Detail"].as_str().unwrap();
    assert!(detail.ends_with("*Migrate check success*"), "{detail}");

    let task = ok(
        home,
        &served,
        &[
            &["create-cloud-migration-task", "--db-instance-name", &id][..],
            &source_flags,
        ]
        .concat(),
    );
    let task_id = task["TaskId"].to_string();
    let ready = ok(
        home,
        &served,
        &[
            "describe-cloud-migration-result",
            "--db-instance-name",
            &id,
            "--page-number",
            "1",
            "--page-size",
            "30",
            "--task-id",
            &task_id,
            "--wait-until",
            "CloudMigrationReadyToSwitch",
            "interval=0.2",
        ],
    );
    assert_eq!(ready["Items"][0]["ReplicationState"], "streaming");

    source
        .execute(
            "app",
            "INSERT INTO items SELECT n, md5(n::text) FROM generate_series(10001, 10100) AS n",
        )
        .await
        .unwrap();
    let switched = ok(
        home,
        &served,
        &[
            "activate-migration-target-instance",
            "--db-instance-name",
            &id,
            "--switch-time-mode",
            "0",
        ],
    );
    assert_eq!(switched["DBInstanceName"], id.as_str());

    let net_info = ok(
        home,
        &served,
        &["describe-db-instance-net-info", "--db-instance-id", &id],
    );
    let entry = &net_info["DBInstanceNetInfos"]["DBInstanceNetInfo"][0];
    let host = entry["IPAddress"].as_str().unwrap();
    let port = entry["Port"].as_str().unwrap();
    assert_ne!(port, source_port);
    assert_eq!(
        psql(host, port, "app", "app", "SELECT count(*) FROM items").unwrap(),
        "10100"
    );
    assert_eq!(
        psql(host, port, "app", "app", "SELECT pg_is_in_recovery()").unwrap(),
        "f"
    );
    psql(
        host,
        port,
        "app",
        "app",
        "INSERT INTO items VALUES (0, 'on the target')",
    )
    .expect("the target takes writes");

    // SIGTERM stops the clusters and removes their data.
    let roots = data_roots(&parent);
    assert_eq!(roots.len(), 1, "{roots:?}");
    served.signal("TERM");
    assert_eq!(data_roots(&parent), Vec::<PathBuf>::new());
    assert_eq!(processes_in(&roots[0]), Vec::<u32>::new());
    sources.shutdown().await;
}

#[test]
fn no_cluster_outlives_an_emulator_killed_with_sigkill() {
    let home = empty_home("postgres-sigkill");
    let parent = data_parent(home.path());
    let served = Served::start(home.path(), &parent, &[]);
    let first = create_instance(home.path(), &served);
    let second = create_instance(home.path(), &served);
    let roots = data_roots(&parent);
    assert_eq!(roots.len(), 1, "{roots:?}");
    let root = roots[0].clone();
    assert!(
        processes_in(&root).len() >= 2,
        "the servers of {first} and {second} run"
    );

    served.signal("KILL");
    // The servers die with their parent (a parent-death signal); their
    // own children follow.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !processes_in(&root).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(processes_in(&root), Vec::<u32>::new(), "servers are left");
    assert!(root.exists(), "a killed emulator cannot remove its data");

    // The next emulator removes what the killed one left.
    let next = Served::start(home.path(), &parent, &[]);
    assert!(!root.exists(), "{} is left", root.display());
    assert!(next.log().contains("removed 1 data root"), "{}", next.log());
    next.signal("TERM");
    assert_eq!(data_roots(&parent), Vec::<PathBuf>::new());
}

#[test]
fn a_missing_postgresql_is_in_the_log_and_the_answer() {
    let home = empty_home("postgres-missing");
    let parent = data_parent(home.path());
    let missing = home.path().join("no-postgresql-here");
    std::fs::create_dir_all(&missing).unwrap();
    let served = Served::start(
        home.path(),
        &parent,
        &["--postgres-bin", missing.to_str().unwrap()],
    );
    let started = Instant::now();
    let output = call(
        home.path(),
        &served,
        &[
            "create-db-instance",
            "--region-id",
            "cn-hangzhou",
            "--engine",
            "PostgreSQL",
            "--engine-version",
            "15.0",
            "--db-instance-class",
            "pg.n2.2c.2m",
            "--db-instance-storage",
            "20",
            "--db-instance-net-type",
            "Intranet",
            "--security-ip-list",
            "127.0.0.1",
            "--pay-type",
            "Postpaid",
        ],
    );
    assert!(started.elapsed() < Duration::from_secs(30), "never a hang");
    assert_ne!(output.status.code(), Some(0));
    let answer = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    assert!(answer.contains("ExternalFailure"), "{answer}");
    let log = served.log();
    assert!(
        log.contains("real PostgreSQL is unavailable") && log.contains("no-postgresql-here"),
        "the reason is in the emulator's log: {log}"
    );
    assert!(
        log.contains("CreateDBInstance on pgm-") && log.contains("could not apply Created"),
        "the failed call is in the emulator's log: {log}"
    );
    served.signal("TERM");
}
