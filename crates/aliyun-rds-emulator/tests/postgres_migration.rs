//! The cloud migration for real: a precheck against a real source, a
//! physical copy that streams, and a switchover that loses nothing.
#![cfg(all(feature = "postgres", target_os = "linux"))]
// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod postgres_support;

use std::time::{Duration, Instant};

use aliyun_rds_emulator::postgres::{
    AccountType, CheckOutcome, ClusterStatus, Migration, MigrationProgress, MigrationStage,
    PostgresError, PrecheckReport, ReplicationState, GIB,
};
use postgres_support::{connect, endpoint, engine, source_cluster, MIGRATOR, PASSWORD};

/// Polls the migration until `done` says so, at most a minute.
async fn wait_for(
    migration: &Migration,
    done: impl Fn(&MigrationProgress) -> bool,
) -> MigrationProgress {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let progress = migration.progress().await;
        if done(&progress) {
            return progress;
        }
        assert!(
            Instant::now() < deadline,
            "the migration did not get there: {progress:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn assert_only_failure(report: &PrecheckReport, check: &str, reason: &str) {
    let detail = report.detail();
    assert_eq!(report.failed_checks(), vec![check], "{detail}");
    assert!(
        detail.contains(&format!("{check}: fail(error:")),
        "{detail}"
    );
    assert!(detail.contains(reason), "{detail}");
    assert!(detail.ends_with("*Migrate check failed*"), "{detail}");
}

#[tokio::test]
async fn a_source_migrates_streams_and_switches_over_without_losing_a_row() {
    let engine = engine().await;
    let source = source_cluster(&engine, "source-full", 10_000).await;
    let target = engine.spawn_cluster("pgm-target", 20 * GIB).await.unwrap();
    let from = endpoint(&source, MIGRATOR, PASSWORD);

    let report = engine.precheck(&from, &target).await;
    let detail = report.detail();
    assert!(report.passed(), "{detail}");
    assert!(
        detail.starts_with(
            "[Check rds empty]\nCheck rds databases: success\n[Check source connectivity]\n"
        ),
        "{detail}"
    );
    assert!(
        detail.ends_with("Check logical replication slots: success\n*Migrate check success*"),
        "{detail}"
    );
    assert_eq!(report.checks.len(), 14);

    let migration = engine.start_migration(from.clone(), &target).await.unwrap();
    // The copy takes a checkpoint and tens of megabytes: it is not over yet.
    assert_eq!(migration.stage(), MigrationStage::BaseBackup);
    assert_eq!(
        migration.progress().await.replication_state,
        ReplicationState::Unstarted
    );
    let ready = wait_for(&migration, MigrationProgress::ready_to_switch).await;
    assert_eq!(ready.stage.wire(), "increment");
    assert_eq!(ready.replication_state.wire(), "streaming");
    let info = ready.info.clone().unwrap();
    assert_eq!(info.status, "streaming");
    assert!(info.is_slave);
    assert!(!info.conninfo.contains(PASSWORD), "{}", info.conninfo);
    assert!(info.to_json().contains("\"Status\":\"streaming\""));
    assert_eq!(target.status(), ClusterStatus::Running);

    // The source goes away: the link is down; it comes back: streaming again.
    source.stop().await.unwrap();
    let down = wait_for(&migration, |progress| {
        progress.replication_state == ReplicationState::Disconnect
    })
    .await;
    assert_eq!(down.stage, MigrationStage::Increment);
    let refused = migration
        .switchover(Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("source"), "{refused}");
    source.start().await.unwrap();
    wait_for(&migration, MigrationProgress::ready_to_switch).await;

    // The standby is read-only, and already has the source's rows.
    let standby = connect(&target, "app", PASSWORD, "app").await.unwrap();
    let count: i64 = standby
        .query_one("SELECT count(*) FROM items", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 10_000);
    assert!(standby
        .batch_execute("INSERT INTO items VALUES (0, 'x')")
        .await
        .is_err());

    // 100 more rows on the source, then the switchover.
    let writer = connect(&source, "app", PASSWORD, "app").await.unwrap();
    writer
        .batch_execute(
            "INSERT INTO items SELECT n, md5(n::text) FROM generate_series(10001, 10100) AS n",
        )
        .await
        .unwrap();
    let switched = migration.switchover(Duration::from_secs(60)).await.unwrap();
    assert!(
        postgres_lsn(&switched.replayed_lsn) >= postgres_lsn(&switched.source_lsn),
        "{switched:?}"
    );

    let promoted = connect(&target, "app", PASSWORD, "app").await.unwrap();
    let row = promoted
        .query_one(
            "SELECT count(*), max(id), pg_is_in_recovery() FROM items",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 10_100);
    assert_eq!(row.get::<_, i64>(1), 10_100);
    assert!(!row.get::<_, bool>(2));
    promoted
        .batch_execute("INSERT INTO items VALUES (20000, 'written on the target')")
        .await
        .unwrap();

    let done = migration.progress().await;
    assert_eq!(done.stage, MigrationStage::Success);
    assert_eq!(done.replication_state, ReplicationState::Finish);
    assert!(done.switched_at.is_some());
    // The password file is gone, and the emulator administers the target.
    assert!(!target.dir().join("migration.pgpass").exists());
    target
        .create_account("after_switch", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    connect(&target, "after_switch", PASSWORD, "postgres")
        .await
        .unwrap();
    assert!(
        !std::fs::read_to_string(target.data_dir().join("postgresql.auto.conf"))
            .unwrap()
            .contains("primary_conninfo")
    );

    let again = migration
        .switchover(Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(
        matches!(again, PostgresError::MigrationState { .. }),
        "{again}"
    );
    // The target now holds data: a new precheck says so.
    let report = engine.precheck(&from, &target).await;
    assert_only_failure(&report, "Check rds databases", "databases exist: app");
}

fn postgres_lsn(text: &str) -> u64 {
    let (high, low) = text.split_once('/').unwrap();
    (u64::from_str_radix(high, 16).unwrap() << 32) | u64::from_str_radix(low, 16).unwrap()
}

#[tokio::test]
async fn misconfigured_sources_fail_the_documented_check() {
    let engine = engine().await;
    let source = source_cluster(&engine, "source-misconfigured", 100).await;
    let target = engine
        .spawn_cluster("pgm-precheck", 20 * GIB)
        .await
        .unwrap();
    // The migration account as the precheck is given it, while the
    // source's and the target's settings are broken one at a time.
    let migrator = endpoint(&source, MIGRATOR, PASSWORD);

    // A wrong password.
    let report = engine
        .precheck(&endpoint(&source, MIGRATOR, "Wrong-Passw0rd"), &target)
        .await;
    let detail = report.detail();
    assert!(
        detail.contains(&format!(
            "Check database connectable: fail(error:password authentication failed for user \"{MIGRATOR}\")"
        )),
        "{detail}"
    );
    assert!(
        detail.contains("Check ip connectable: success\nCheck port connectable: success\n"),
        "{detail}"
    );
    assert!(detail.ends_with("*Migrate check failed*"), "{detail}");

    // An account without the replication privilege.
    source
        .execute(
            "postgres",
            &format!(
                "CREATE ROLE norepl LOGIN CREATEROLE PASSWORD '{PASSWORD}' IN ROLE pg_monitor"
            ),
        )
        .await
        .unwrap();
    let report = engine
        .precheck(&endpoint(&source, "norepl", PASSWORD), &target)
        .await;
    assert_only_failure(
        &report,
        "Check account replication privilege",
        "account norepl has no replication privilege",
    );

    // No replication entry in the source's pg_hba.conf.
    source.set_replication_ips(&[]).await.unwrap();
    let report = engine.precheck(&migrator, &target).await;
    assert_only_failure(
        &report,
        "Check account replication privilege",
        "no pg_hba.conf entry for replication connection",
    );
    source
        .set_replication_ips(&["127.0.0.1".parse().unwrap()])
        .await
        .unwrap();

    // A source bigger than the target's storage.
    let small = engine.spawn_cluster("pgm-small", 16 << 20).await.unwrap();
    let report = engine.precheck(&migrator, &small).await;
    assert_only_failure(
        &report,
        "Check disk size enough",
        "larger than 80% of rds storage 16 MB",
    );

    // The source's other settings and roles.
    source
        .set_parameters(&[("wal_keep_size", "0")], false)
        .await
        .unwrap();
    let report = engine.precheck(&migrator, &target).await;
    assert_only_failure(
        &report,
        "Check wal keep size large enough",
        "wal_keep_size is 0MB",
    );
    source
        .set_parameters(&[("wal_keep_size", "1GB")], false)
        .await
        .unwrap();

    source
        .execute("postgres", "CREATE ROLE aurora")
        .await
        .unwrap();
    let report = engine.precheck(&migrator, &target).await;
    assert_only_failure(
        &report,
        "Check rds reserved users",
        "reserved users exist in source: aurora",
    );
    source
        .execute("postgres", "DROP ROLE aurora")
        .await
        .unwrap();

    target
        .set_parameters(&[("max_connections", "50")], true)
        .await
        .unwrap();
    let report = engine.precheck(&migrator, &target).await;
    assert_only_failure(
        &report,
        "Check if spec params too large",
        "max_connections(source 100 > rds 50)",
    );
    target
        .set_parameters(&[("max_connections", "100")], true)
        .await
        .unwrap();

    target
        .create_database("leftover", None, None)
        .await
        .unwrap();
    let report = engine.precheck(&migrator, &target).await;
    assert_only_failure(
        &report,
        "Check rds databases",
        "rds not empty, databases exist: leftover",
    );
    target.delete_database("leftover").await.unwrap();
    target
        .execute("postgres", "CREATE TABLE stray (n int)")
        .await
        .unwrap();
    let report = engine.precheck(&migrator, &target).await;
    assert_only_failure(
        &report,
        "Check rds databases",
        "postgres not empty, check if any table exists",
    );
    target
        .execute("postgres", "DROP TABLE stray")
        .await
        .unwrap();

    // Nothing listens on the port: the address answers, the port does not.
    let closed = engine.spawn_cluster("pgm-closed", 20 * GIB).await.unwrap();
    let closed_endpoint = endpoint(&closed, MIGRATOR, PASSWORD);
    closed.delete().await.unwrap();
    let report = engine.precheck(&closed_endpoint, &target).await;
    assert_eq!(
        report.check("Check ip connectable").unwrap().outcome,
        CheckOutcome::Success
    );
    let detail = report.detail();
    assert!(
        detail.contains(&format!(
            "Check port connectable: fail(error:{} is unapproachable)",
            closed_endpoint.port()
        )),
        "{detail}"
    );
    assert!(detail.contains("Check disk size enough: fail(error:not checked, the source database is not connectable)"), "{detail}");

    // With everything fixed, the precheck passes again.
    let report = engine.precheck(&migrator, &target).await;
    assert!(report.passed(), "{}", report.detail());

    // A logical replication slot is a warning, not a failure.
    source
        .set_parameters(&[("wal_level", "logical")], true)
        .await
        .unwrap();
    source
        .execute(
            "postgres",
            "SELECT pg_create_logical_replication_slot('cdc', 'test_decoding')",
        )
        .await
        .unwrap();
    let report = engine.precheck(&migrator, &target).await;
    let detail = report.detail();
    assert!(report.passed(), "{detail}");
    assert!(
        detail.contains("Check logical replication slots: warning(warning:logical replication slots are not migrated: cdc)\n*Migrate check success*"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_migration_that_cannot_copy_fails_with_the_reason_and_leaves_the_target_empty() {
    let engine = engine().await;
    let source = source_cluster(&engine, "source-refusing", 10).await;
    let target = engine.spawn_cluster("pgm-refused", 20 * GIB).await.unwrap();

    let wrong = engine
        .start_migration(endpoint(&source, MIGRATOR, "Wrong-Passw0rd"), &target)
        .await
        .unwrap_err();
    assert!(
        matches!(wrong, PostgresError::MigrationState { .. }),
        "{wrong}"
    );
    assert!(
        wrong.to_string().contains("password authentication failed"),
        "{wrong}"
    );

    // The source refuses replication connections: pg_basebackup fails.
    source.set_replication_ips(&[]).await.unwrap();
    let migration = engine
        .start_migration(endpoint(&source, MIGRATOR, PASSWORD), &target)
        .await
        .unwrap();
    let failed = wait_for(&migration, |progress| {
        progress.stage == MigrationStage::Failed
    })
    .await;
    let reason = failed.error.unwrap();
    assert!(reason.contains("pg_basebackup failed"), "{reason}");
    assert!(
        reason.contains("no pg_hba.conf entry for replication connection"),
        "{reason}"
    );
    assert_eq!(failed.replication_state, ReplicationState::Disconnect);
    assert!(migration.switchover(Duration::from_secs(1)).await.is_err());

    // The target runs again, empty, administered as before.
    assert_eq!(target.status(), ClusterStatus::Running);
    assert!(!target.dir().join("migration.pgpass").exists());
    let report = engine
        .precheck(&endpoint(&source, MIGRATOR, PASSWORD), &target)
        .await;
    assert_eq!(
        report.check("Check rds databases").unwrap().outcome,
        CheckOutcome::Success
    );
    target
        .create_account("still_works", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
}
