//! No cluster outlives its emulator: an emulator killed with SIGKILL
//! leaves no server running, and the next one removes what it left on
//! disk.
#![cfg(all(feature = "postgres", target_os = "linux"))]
// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod postgres_support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aliyun_rds_emulator::postgres::{AccountType, Engine, EngineOptions, GIB};
use postgres_support::{connect, processes_in, PASSWORD};

/// Set in the child process: where it writes what it started.
const REPORT_ENV: &str = "ALIYUN_RDS_POSTGRES_TEST_REPORT";
/// Set in the child process: the parent directory of its data root.
const PARENT_ENV: &str = "ALIYUN_RDS_POSTGRES_TEST_PARENT";

/// The emulator that gets killed: run by
/// `a_killed_emulator_leaves_no_server_and_the_next_removes_its_data` in a
/// process of its own, it starts two clusters, holds a session open on
/// one, reports their root and process IDs, and waits to be killed.
#[tokio::test]
#[ignore = "the child process of a_killed_emulator_leaves_no_server_and_the_next_removes_its_data"]
async fn emulator_to_be_killed() {
    let (Ok(report), Ok(parent)) = (std::env::var(REPORT_ENV), std::env::var(PARENT_ENV)) else {
        return;
    };
    let engine = Engine::start(EngineOptions::new().root_parent(parent))
        .await
        .unwrap();
    let instance = engine.spawn_cluster("pgm-killed", 20 * GIB).await.unwrap();
    let source = engine.spawn_self_managed("killed-source").await.unwrap();
    instance
        .create_account("holder", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    let session = connect(&instance, "holder", PASSWORD, "postgres")
        .await
        .unwrap();
    let backend: i32 = session
        .query_one("SELECT pg_backend_pid()", &[])
        .await
        .unwrap()
        .get(0);
    let text = format!(
        "{}\n{} {} {backend}\n",
        engine.root().display(),
        instance.server_pid().unwrap(),
        source.server_pid().unwrap(),
    );
    let staging = format!("{report}.new");
    std::fs::write(&staging, text).unwrap();
    std::fs::rename(&staging, &report).unwrap();
    tokio::time::sleep(Duration::from_secs(120)).await;
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether `pid` runs (a zombie waiting for its parent to reap it does
/// not).
fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X"),
        Err(_) => false,
    }
}

/// A parent directory the cluster user can reach.
fn shared_parent() -> tempfile::TempDir {
    let parent = tempfile::tempdir().unwrap();
    std::fs::set_permissions(parent.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    parent
}

#[tokio::test]
async fn a_killed_emulator_leaves_no_server_and_the_next_removes_its_data() {
    let parent = shared_parent();
    let report = parent.path().join("report");
    let child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "emulator_to_be_killed",
            "--ignored",
            "--nocapture",
        ])
        .env(REPORT_ENV, &report)
        .env(PARENT_ENV, parent.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);

    let deadline = Instant::now() + Duration::from_secs(120);
    while !report.exists() {
        assert!(
            Instant::now() < deadline,
            "the child did not start its clusters"
        );
        assert!(
            child.0.try_wait().unwrap().is_none(),
            "the child exited early"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let text = std::fs::read_to_string(&report).unwrap();
    let mut lines = text.lines();
    let root = PathBuf::from(lines.next().unwrap());
    let pids: Vec<u32> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|pid| pid.parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 3);
    assert!(pids.iter().all(|pid| alive(*pid)));
    assert!(
        processes_in(&root).len() > 3,
        "the servers and their helpers run in the root"
    );

    // SIGKILL: no chance to clean up.
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    // The servers die with it (their parent-death signal), and so do their
    // sessions and helpers.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let left: Vec<u32> = processes_in(&root)
            .into_iter()
            .filter(|pid| alive(*pid))
            .collect();
        if left.is_empty() && pids.iter().all(|pid| !alive(*pid)) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "still running after the kill: {left:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Their data is left, until the next emulator starts.
    assert!(root.join("owner").exists());
    let next = Engine::start(EngineOptions::new().root_parent(parent.path()))
        .await
        .unwrap();
    assert_eq!(next.stale_cleanup().removed_roots, vec![root.clone()]);
    assert!(next.stale_cleanup().failures.is_empty());
    assert!(!root.exists());
    assert!(next.root().exists(), "the new emulator's own root is kept");
    drop(next);
    assert_eq!(
        std::fs::read_dir(parent.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name() != "report")
            .count(),
        0
    );
}

#[tokio::test]
async fn the_cleanup_kills_what_still_works_in_a_stale_root() {
    let parent = shared_parent();
    // A root whose owner is gone (no process has ID 2^22 + 1 on Linux,
    // whose largest is 2^22), with a program still working in it.
    let stale = parent.path().join("aliyun-rds-postgres-stale1");
    let cluster_dir = stale.join("c1");
    std::fs::create_dir_all(&cluster_dir).unwrap();
    std::fs::write(stale.join("owner"), "4194305 12345\n").unwrap();
    let straggler = Command::new("sleep")
        .arg("60")
        .current_dir(&cluster_dir)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut straggler = KillOnDrop(straggler);
    let pid = straggler.0.id();
    // A root of a live emulator (this process) is not touched.
    let live = Engine::start(EngineOptions::new().root_parent(parent.path()))
        .await
        .unwrap();
    let live_root = live.root().to_path_buf();
    // (The engine above already cleaned the stale root: look at it.)
    let cleanup = live.stale_cleanup().clone();
    assert_eq!(cleanup.removed_roots, vec![stale.clone()]);
    assert_eq!(cleanup.killed_processes, vec![pid]);
    let status = straggler.0.wait().unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(9)
    );
    assert!(!stale.exists());

    let second = Engine::start(EngineOptions::new().root_parent(parent.path()))
        .await
        .unwrap();
    assert!(second.stale_cleanup().removed_roots.is_empty());
    assert!(live_root.exists());
    assert!(Path::new(second.root()).exists());
}
