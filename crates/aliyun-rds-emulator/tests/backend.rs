//! The engine backend seam: a backend sees every change to the instances
//! of its engine before the model commits it, can refuse it, holds a change
//! in progress until it is ready, and provides the endpoint the describe
//! operations report.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use aliyun_rds_emulator::{
    BackendEndpoint, BackendError, BackendStatus, Emulator, EngineBackend, Fixture, InstanceChange,
    Pace, RunningEmulator,
};
use common::{Reply, RpcRequest, Signer};
use serde_json::Value;

/// A backend for PostgreSQL that records what it is told.
#[derive(Default)]
struct Recording {
    changes: Mutex<Vec<String>>,
    ready: AtomicBool,
    refuse_accounts: AtomicBool,
}

impl EngineBackend for Recording {
    fn serves(&self, engine: &str) -> bool {
        engine == "PostgreSQL"
    }

    fn apply(&self, instance_id: &str, change: &InstanceChange<'_>) -> Result<(), BackendError> {
        if self.refuse_accounts.load(Ordering::SeqCst)
            && matches!(change, InstanceChange::AccountCreated { .. })
        {
            return Err(BackendError::new("the cluster refused the role"));
        }
        if let InstanceChange::AccountCreated { password, .. } = change {
            // The backend gets the password; its Debug output does not.
            assert_eq!(*password, "Passw0rd!");
            assert!(!format!("{change:?}").contains("Passw0rd"));
        }
        self.changes
            .lock()
            .unwrap()
            .push(format!("{instance_id} {change:?}"));
        Ok(())
    }

    fn status(&self, _instance_id: &str) -> BackendStatus {
        if self.ready.load(Ordering::SeqCst) {
            BackendStatus::Ready
        } else {
            BackendStatus::InProgress
        }
    }

    fn endpoint(&self, _instance_id: &str) -> Option<BackendEndpoint> {
        Some(BackendEndpoint {
            host: "127.0.0.1".to_owned(),
            port: 54321,
        })
    }
}

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

async fn create(emulator: &RunningEmulator, engine: &str, version: &str) -> String {
    let json = ok(&call(
        emulator,
        "CreateDBInstance",
        &[
            ("RegionId", "cn-hangzhou"),
            ("Engine", engine),
            ("EngineVersion", version),
            ("DBInstanceStorage", "20"),
            ("SecurityIPList", "10.0.0.1"),
        ],
    )
    .await);
    json["DBInstanceId"].as_str().expect("an ID").to_owned()
}

#[tokio::test]
async fn the_backend_sees_changes_holds_statuses_and_gives_the_endpoint() {
    let backend = Arc::new(Recording::default());
    let emulator = Emulator::builder()
        .fixture(Fixture::empty())
        .pace(Pace::instant())
        .engine_backend(backend.clone())
        .start("127.0.0.1:0")
        .await
        .expect("starts");
    let id = create(&emulator, "PostgreSQL", "15.0").await;
    let attribute = |json: Value| json["Items"]["DBInstanceAttribute"][0].clone();
    // The pace is instant, but the backend is not ready yet.
    let described = attribute(ok(&call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", &id)],
    )
    .await));
    assert_eq!(described["DBInstanceStatus"], "Creating");
    assert_eq!(described["ConnectionString"], "127.0.0.1");
    assert_eq!(described["Port"], "54321");
    backend.ready.store(true, Ordering::SeqCst);
    let described = attribute(ok(&call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", &id)],
    )
    .await));
    assert_eq!(described["DBInstanceStatus"], "Running");

    let account = [
        ("DBInstanceId", id.as_str()),
        ("AccountName", "app_user"),
        ("AccountPassword", "Passw0rd!"),
    ];
    backend.refuse_accounts.store(true, Ordering::SeqCst);
    let refused = call(&emulator, "CreateAccount", &account).await;
    refused.assert_error(400, "Database.ConnectError");
    assert!(
        refused.body.contains("the cluster refused the role"),
        "{}",
        refused.body
    );
    let accounts = ok(&call(&emulator, "DescribeAccounts", &[("DBInstanceId", &id)]).await);
    assert_eq!(
        accounts["TotalRecordCount"], 0,
        "a refused change is not committed"
    );
    backend.refuse_accounts.store(false, Ordering::SeqCst);
    ok(&call(&emulator, "CreateAccount", &account).await);
    ok(&call(
        &emulator,
        "CreateDatabase",
        &[
            ("DBInstanceId", &id),
            ("DBName", "orders"),
            ("CharacterSetName", "UTF8"),
        ],
    )
    .await);
    ok(&call(
        &emulator,
        "GrantAccountPrivilege",
        &[
            ("DBInstanceId", &id),
            ("AccountName", "app_user"),
            ("DBName", "orders"),
            ("AccountPrivilege", "DBOwner"),
        ],
    )
    .await);
    ok(&call(
        &emulator,
        "ModifySecurityIps",
        &[("DBInstanceId", &id), ("SecurityIps", "10.1.0.0/16")],
    )
    .await);
    ok(&call(
        &emulator,
        "ModifyParameter",
        &[
            ("DBInstanceId", &id),
            ("Parameters", r#"{"work_mem":"8192"}"#),
        ],
    )
    .await);
    ok(&call(&emulator, "DeleteDBInstance", &[("DBInstanceId", &id)]).await);

    // A MySQL instance is not the backend's.
    create(&emulator, "MySQL", "8.0").await;

    let changes = backend.changes.lock().unwrap().clone();
    let kinds: Vec<&str> = changes
        .iter()
        .map(|change| {
            let kind = change
                .split_once(' ')
                .map(|(_, kind)| kind)
                .unwrap_or_default();
            kind.split([' ', '{', '(']).next().unwrap_or_default()
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "Created",
            "AccountCreated",
            "DatabaseCreated",
            "PrivilegeGranted",
            "WhitelistChanged",
            "ParametersChanged",
            "Deleted"
        ],
        "{changes:#?}"
    );
    assert!(changes.iter().all(|change| change.starts_with(&id)));
    assert!(changes[4].contains("10.1.0.0/16"), "{}", changes[4]);
    emulator.shutdown().await;
}
