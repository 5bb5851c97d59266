//! SQL administration of a real cluster with the semantics of the RDS
//! operations, checked by logging in over TCP as the accounts a client
//! would use.
#![cfg(all(feature = "postgres", target_os = "linux"))]
// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod postgres_support;

use aliyun_rds_emulator::postgres::{
    AccountPrivilege, AccountType, Cluster, ParameterApplied, PostgresError, SecurityIp, GIB,
};
use postgres_support::{connect, engine, message, PASSWORD};

const NEW_PASSWORD: &str = "Other-Passw0rd";

async fn account_with(cluster: &Cluster, name: &str, database: &str, privilege: AccountPrivilege) {
    cluster
        .create_account(name, PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    cluster
        .grant_account_privilege(name, database, privilege)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_account_granted_on_a_database_creates_a_table_there() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-accounts", 20 * GIB)
        .await
        .unwrap();
    cluster
        .create_database("appdb", Some("UTF8,C,C"), None)
        .await
        .unwrap();
    account_with(&cluster, "app_rw", "appdb", AccountPrivilege::ReadWrite).await;

    let client = connect(&cluster, "app_rw", PASSWORD, "appdb")
        .await
        .unwrap();
    client
        .batch_execute(
            "CREATE TABLE orders (id int PRIMARY KEY); INSERT INTO orders VALUES (1), (2)",
        )
        .await
        .unwrap();
    let count: i64 = client
        .query_one("SELECT count(*) FROM orders", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 2);

    // The database has the character set asked for.
    let row = client
        .query_one(
            "SELECT pg_encoding_to_char(encoding)::text, datcollate::text, datctype::text \
             FROM pg_database WHERE datname = 'appdb'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        (
            row.get::<_, String>(0),
            row.get::<_, String>(1),
            row.get::<_, String>(2)
        ),
        ("UTF8".into(), "C".into(), "C".into())
    );
}

#[tokio::test]
async fn each_privilege_allows_what_it_says_and_revoking_takes_it_back() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-privileges", 20 * GIB)
        .await
        .unwrap();
    cluster
        .create_account("owner", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    cluster.create_database("shop", None, None).await.unwrap();
    cluster
        .grant_account_privilege("owner", "shop", AccountPrivilege::DbOwner)
        .await
        .unwrap();
    let owner = connect(&cluster, "owner", PASSWORD, "shop").await.unwrap();
    owner
        .batch_execute("CREATE TABLE goods (id int); INSERT INTO goods VALUES (1)")
        .await
        .unwrap();

    account_with(&cluster, "reader", "shop", AccountPrivilege::ReadOnly).await;
    account_with(&cluster, "writer", "shop", AccountPrivilege::DmlOnly).await;
    account_with(&cluster, "designer", "shop", AccountPrivilege::DdlOnly).await;
    // A table the owner creates after the grants is covered too.
    owner
        .batch_execute("CREATE TABLE later (id int); INSERT INTO later VALUES (5)")
        .await
        .unwrap();

    let reader = connect(&cluster, "reader", PASSWORD, "shop").await.unwrap();
    assert_eq!(
        reader
            .query_one("SELECT count(*) FROM goods", &[])
            .await
            .unwrap()
            .get::<_, i64>(0),
        1
    );
    assert_eq!(
        reader
            .query_one("SELECT id FROM later", &[])
            .await
            .unwrap()
            .get::<_, i32>(0),
        5
    );
    let denied = reader
        .batch_execute("INSERT INTO goods VALUES (2)")
        .await
        .unwrap_err();
    assert!(message(&denied).contains("permission denied"), "{denied}");
    let denied = reader
        .batch_execute("CREATE TABLE mine (id int)")
        .await
        .unwrap_err();
    assert!(message(&denied).contains("permission denied"), "{denied}");

    let writer = connect(&cluster, "writer", PASSWORD, "shop").await.unwrap();
    writer
        .batch_execute("INSERT INTO goods VALUES (2); DELETE FROM later")
        .await
        .unwrap();
    let denied = writer
        .batch_execute("CREATE TABLE mine (id int)")
        .await
        .unwrap_err();
    assert!(message(&denied).contains("permission denied"), "{denied}");

    let designer = connect(&cluster, "designer", PASSWORD, "shop")
        .await
        .unwrap();
    designer
        .batch_execute("CREATE TABLE designed (id int); ALTER TABLE designed ADD COLUMN name text")
        .await
        .unwrap();
    let denied = designer
        .batch_execute("SELECT * FROM goods")
        .await
        .unwrap_err();
    assert!(message(&denied).contains("permission denied"), "{denied}");

    cluster
        .revoke_account_privilege("reader", "shop")
        .await
        .unwrap();
    let reader = connect(&cluster, "reader", PASSWORD, "shop").await.unwrap();
    let denied = reader
        .batch_execute("SELECT * FROM goods")
        .await
        .unwrap_err();
    assert!(message(&denied).contains("permission denied"), "{denied}");

    // Revoking DBOwner gives the database back to the administrator.
    cluster
        .revoke_account_privilege("owner", "shop")
        .await
        .unwrap();
    let owner_name: String = reader
        .query_one(
            "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = 'shop'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner_name, aliyun_rds_emulator::postgres::ADMIN_ROLE);
}

#[tokio::test]
async fn a_reset_password_replaces_the_old_one_and_a_locked_account_cannot_log_in() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-passwords", 20 * GIB)
        .await
        .unwrap();
    cluster
        .create_account("alice", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    connect(&cluster, "alice", PASSWORD, "postgres")
        .await
        .unwrap();

    cluster
        .reset_account_password("alice", NEW_PASSWORD)
        .await
        .unwrap();
    let refused = connect(&cluster, "alice", PASSWORD, "postgres")
        .await
        .unwrap_err();
    assert!(
        message(&refused).contains("password authentication failed"),
        "{refused}"
    );
    connect(&cluster, "alice", NEW_PASSWORD, "postgres")
        .await
        .unwrap();

    cluster.lock_account("alice").await.unwrap();
    let refused = connect(&cluster, "alice", NEW_PASSWORD, "postgres")
        .await
        .unwrap_err();
    assert!(
        message(&refused).contains("not permitted to log in"),
        "{refused}"
    );
    cluster.unlock_account("alice").await.unwrap();
    connect(&cluster, "alice", NEW_PASSWORD, "postgres")
        .await
        .unwrap();

    // The password never reaches the server's log.
    let log = std::fs::read_to_string(cluster.log_path()).unwrap();
    assert!(!log.contains(PASSWORD) && !log.contains(NEW_PASSWORD));
}

#[tokio::test]
async fn accounts_are_normal_or_privileged_unique_and_deleted_without_losing_data() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-account-types", 20 * GIB)
        .await
        .unwrap();
    cluster
        .create_account("boss", PASSWORD, AccountType::Super)
        .await
        .unwrap();
    let boss = connect(&cluster, "boss", PASSWORD, "postgres")
        .await
        .unwrap();
    boss.batch_execute("CREATE DATABASE boss_db").await.unwrap();
    boss.batch_execute("CREATE ROLE helper").await.unwrap();
    let row = boss
        .query_one(
            "SELECT rolsuper, pg_has_role('boss', 'pg_monitor', 'MEMBER') FROM pg_roles WHERE rolname = 'boss'",
            &[],
        )
        .await
        .unwrap();
    assert!(
        !row.get::<_, bool>(0),
        "a privileged account is not a superuser"
    );
    assert!(row.get::<_, bool>(1));

    let duplicate = cluster
        .create_account("boss", PASSWORD, AccountType::Normal)
        .await
        .unwrap_err();
    assert_eq!(duplicate.sql_state(), Some("42710"), "{duplicate}");

    // Deleting an account that owns data keeps the data.
    cluster
        .create_account("leaver", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    cluster
        .create_database("work", None, Some("leaver"))
        .await
        .unwrap();
    let leaver = connect(&cluster, "leaver", PASSWORD, "work").await.unwrap();
    leaver
        .batch_execute("CREATE TABLE notes (t text); INSERT INTO notes VALUES ('kept')")
        .await
        .unwrap();
    cluster.delete_account("leaver").await.unwrap();
    let refused = connect(&cluster, "leaver", PASSWORD, "work")
        .await
        .unwrap_err();
    assert!(
        message(&refused).contains("password authentication failed"),
        "{refused}"
    );
    let boss_work = connect(&cluster, "boss", PASSWORD, "postgres")
        .await
        .unwrap();
    let owner: String = boss_work
        .query_one(
            "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = 'work'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(owner, aliyun_rds_emulator::postgres::ADMIN_ROLE);

    let missing = cluster.delete_account("nobody").await.unwrap_err();
    assert_eq!(missing.sql_state(), Some("42704"), "{missing}");
}

#[tokio::test]
async fn databases_are_created_with_their_character_set_and_deleted_with_their_sessions() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-databases", 20 * GIB)
        .await
        .unwrap();
    let invalid = cluster
        .create_database("bad", Some("UTF8,C,C,extra"), None)
        .await
        .unwrap_err();
    assert!(
        matches!(invalid, PostgresError::InvalidArgument { .. }),
        "{invalid}"
    );
    let unknown = cluster
        .create_database("bad", Some("NOT_AN_ENCODING"), None)
        .await
        .unwrap_err();
    assert_eq!(unknown.sql_state(), Some("42704"), "{unknown}");

    cluster
        .create_database("latin", Some("LATIN1"), None)
        .await
        .unwrap();
    cluster
        .create_account("user1", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    let session = connect(&cluster, "user1", PASSWORD, "latin").await.unwrap();
    let encoding: String = session
        .query_one(
            "SELECT pg_encoding_to_char(encoding)::text FROM pg_database WHERE datname = 'latin'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(encoding, "LATIN1");

    cluster.delete_database("latin").await.unwrap();
    assert!(
        session.batch_execute("SELECT 1").await.is_err(),
        "the session was ended"
    );
    let refused = connect(&cluster, "user1", PASSWORD, "latin")
        .await
        .unwrap_err();
    assert!(message(&refused).contains("does not exist"), "{refused}");
}

#[tokio::test]
async fn the_whitelist_decides_who_connects() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-whitelist", 20 * GIB)
        .await
        .unwrap();
    cluster
        .create_account("client", PASSWORD, AccountType::Normal)
        .await
        .unwrap();
    connect(&cluster, "client", PASSWORD, "postgres")
        .await
        .unwrap();

    cluster
        .set_security_ips(&["10.0.0.0/8".parse().unwrap()])
        .await
        .unwrap();
    let refused = connect(&cluster, "client", PASSWORD, "postgres")
        .await
        .unwrap_err();
    assert!(
        message(&refused).contains("no pg_hba.conf entry"),
        "{refused}"
    );

    cluster
        .set_security_ips(&[
            "10.0.0.0/8".parse().unwrap(),
            "127.0.0.0/8".parse().unwrap(),
        ])
        .await
        .unwrap();
    connect(&cluster, "client", PASSWORD, "postgres")
        .await
        .unwrap();
    assert_eq!(cluster.security_ips().len(), 2);

    let empty = cluster.set_security_ips(&[]).await.unwrap_err();
    assert!(
        matches!(empty, PostgresError::InvalidArgument { .. }),
        "{empty}"
    );
    assert!("300.0.0.1".parse::<SecurityIp>().is_err());
}

#[tokio::test]
async fn parameters_apply_at_reload_or_restart_by_their_context() {
    let engine = engine().await;
    let cluster = engine
        .spawn_cluster("pgm-parameters", 20 * GIB)
        .await
        .unwrap();

    let changes = cluster
        .set_parameters(&[("work_mem", "8MB")], false)
        .await
        .unwrap();
    assert_eq!(changes[0].applied, ParameterApplied::Reloaded);
    assert_eq!(changes[0].context, "user");
    assert_eq!(cluster.parameter("work_mem").await.unwrap(), "8MB");

    let pid = cluster.server_pid().unwrap();
    let changes = cluster
        .set_parameters(&[("max_connections", "120")], false)
        .await
        .unwrap();
    assert_eq!(changes[0].applied, ParameterApplied::PendingRestart);
    assert_eq!(cluster.parameter("max_connections").await.unwrap(), "100");
    assert_eq!(cluster.server_pid(), Some(pid));

    let changes = cluster
        .set_parameters(&[("max_connections", "130")], true)
        .await
        .unwrap();
    assert_eq!(changes[0].applied, ParameterApplied::Restarted);
    assert_eq!(cluster.parameter("max_connections").await.unwrap(), "130");
    assert_ne!(cluster.server_pid(), Some(pid));

    for (name, value) in [
        ("no_such_parameter", "1"),
        ("port", "5433"),
        ("server_version", "1"),
    ] {
        let refused = cluster
            .set_parameters(&[(name, value)], false)
            .await
            .unwrap_err();
        assert!(
            matches!(refused, PostgresError::InvalidArgument { .. }),
            "{name}: {refused}"
        );
    }
    let invalid = cluster
        .set_parameters(&[("work_mem", "lots")], false)
        .await
        .unwrap_err();
    assert_eq!(invalid.sql_state(), Some("22023"), "{invalid}");
}
