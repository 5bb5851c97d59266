//! Real clusters' lifecycle: created on a free loopback port as the
//! unprivileged user, stopped, started, restarted, deleted, and gone with
//! their engine; missing programs and servers that cannot start are typed
//! errors.
#![cfg(all(feature = "postgres", target_os = "linux"))]
// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod postgres_support;

use std::os::unix::fs::MetadataExt;

use aliyun_rds_emulator::postgres::{ClusterStatus, Engine, EngineOptions, PostgresError, GIB};
use postgres_support::{engine, expected_uid, port_open, process_uid, processes_in};

#[tokio::test]
async fn a_cluster_runs_as_the_cluster_user_on_its_own_port_until_deleted() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-lifecycle", 20 * GIB)
        .await
        .unwrap();
    assert_eq!(cluster.status(), ClusterStatus::Running);
    assert_eq!(cluster.host().to_string(), "127.0.0.1");
    assert!(port_open(&cluster));
    assert!(cluster.dir().starts_with(engine.root()));

    // The server and its files belong to the unprivileged user.
    let uid = expected_uid(&engine);
    let pid = cluster.server_pid().unwrap();
    assert_eq!(process_uid(pid), uid);
    for path in [
        cluster.data_dir(),
        cluster.data_dir().join("PG_VERSION"),
        cluster.log_path(),
    ] {
        assert_eq!(
            std::fs::metadata(&path).unwrap().uid(),
            uid,
            "{}",
            path.display()
        );
    }

    // Only that user reaches the socket the administrator logs in through.
    assert_eq!(
        std::fs::metadata(cluster.dir()).unwrap().mode() & 0o777,
        0o700
    );

    // Stop and start keep the port and the data.
    cluster
        .execute(
            "postgres",
            "CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)",
        )
        .await
        .unwrap();
    let port = cluster.port();
    cluster.stop().await.unwrap();
    assert_eq!(cluster.status(), ClusterStatus::Stopped);
    assert!(!port_open(&cluster));
    assert!(processes_in(&cluster.data_dir()).is_empty());
    let refused = cluster.execute("postgres", "SELECT 1").await.unwrap_err();
    assert!(
        matches!(refused, PostgresError::NotRunning { .. }),
        "{refused}"
    );
    cluster.start().await.unwrap();
    assert_eq!(cluster.port(), port);
    assert!(port_open(&cluster));
    cluster
        .execute(
            "postgres",
            "DO $$ BEGIN IF (SELECT n FROM kept) <> 7 THEN RAISE 'lost'; END IF; END $$",
        )
        .await
        .unwrap();

    // A restart is a new server on the same port.
    cluster.restart().await.unwrap();
    assert_ne!(cluster.server_pid().unwrap(), pid);
    assert_eq!(cluster.port(), port);
    assert_eq!(cluster.status(), ClusterStatus::Running);

    // Deleting closes the port and removes the data.
    let dir = cluster.dir().to_path_buf();
    cluster.delete().await.unwrap();
    assert_eq!(cluster.status(), ClusterStatus::Deleted);
    assert!(!port_open(&cluster));
    assert!(!dir.exists());
    assert!(engine.cluster("pgm-lifecycle").is_none());
}

#[tokio::test]
async fn dropping_the_engine_stops_every_server_and_removes_the_root() {
    let engine = engine().await;
    let first = engine.spawn_cluster("pgm-drop-1", 20 * GIB).await.unwrap();
    let second = engine.spawn_cluster("pgm-drop-2", 20 * GIB).await.unwrap();
    let root = engine.root().to_path_buf();
    assert_ne!(first.port(), second.port());
    assert!(!processes_in(&root).is_empty());
    drop(engine);
    assert!(!root.exists());
    assert!(processes_in(&root).is_empty());
    assert!(!port_open(&first) && !port_open(&second));
    assert_eq!(first.status(), ClusterStatus::Stopped);
}

#[tokio::test]
async fn shutdown_stops_the_servers_cleanly_and_removes_the_root() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-shutdown", 20 * GIB)
        .await
        .unwrap();
    let root = engine.root().to_path_buf();
    engine.shutdown().await;
    assert!(!root.exists());
    assert!(!port_open(&cluster));
}

#[tokio::test]
async fn an_instance_id_is_one_cluster() {
    let engine = engine().await;
    engine.spawn_cluster("pgm-twice", 20 * GIB).await.unwrap();
    let error = engine
        .spawn_cluster("pgm-twice", 20 * GIB)
        .await
        .unwrap_err();
    assert!(
        matches!(error, PostgresError::InvalidArgument { .. }),
        "{error}"
    );
    assert_eq!(engine.clusters().len(), 1);
}

#[tokio::test]
async fn missing_programs_are_named_with_where_they_were_looked_for() {
    let empty = tempfile::tempdir().unwrap();
    let error = Engine::start(EngineOptions::new().bin_dir(empty.path()))
        .await
        .unwrap_err();
    let PostgresError::MissingBinary { programs, searched } = &error else {
        panic!("unexpected error: {error}");
    };
    assert_eq!(programs, &vec!["initdb", "postgres", "pg_basebackup"]);
    assert!(searched[0].contains(&empty.path().display().to_string()));
    assert!(
        error.to_string().contains("apt-get install postgresql"),
        "{error}"
    );
}

#[tokio::test]
async fn a_server_that_cannot_start_fails_with_its_log() {
    let engine = engine().await;
    let cluster = engine.spawn_cluster("pgm-broken", 20 * GIB).await.unwrap();
    cluster.stop().await.unwrap();
    std::fs::write(
        cluster.data_dir().join("postgresql.auto.conf"),
        "this is = not = a setting\n",
    )
    .unwrap();
    let started = std::time::Instant::now();
    let error = cluster.start().await.unwrap_err();
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    let PostgresError::StartFailed { log_excerpt, .. } = &error else {
        panic!("unexpected error: {error}");
    };
    assert!(log_excerpt.contains("syntax error"), "{log_excerpt}");
    assert_eq!(cluster.status(), ClusterStatus::Failed);
    assert!(!port_open(&cluster));
}

#[tokio::test]
async fn a_root_the_cluster_user_cannot_reach_fails_initdb_with_its_reason() {
    if !aliyun_rds_emulator::postgres::running_as_root() {
        return;
    }
    // A parent only root may enter: the postgres user cannot reach the root.
    let parent = tempfile::tempdir().unwrap();
    std::fs::set_permissions(
        parent.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let engine = Engine::start(EngineOptions::new().root_parent(parent.path()))
        .await
        .unwrap();
    let error = engine
        .spawn_cluster("pgm-unreachable", 20 * GIB)
        .await
        .unwrap_err();
    let PostgresError::CommandFailed {
        program, output, ..
    } = &error
    else {
        panic!("unexpected error: {error}");
    };
    assert_eq!(program, "initdb");
    assert!(output.contains("ermission denied"), "{output}");
    assert!(engine.clusters().is_empty());
}
