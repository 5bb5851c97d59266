//! The engine backend seam: a backend sees every change to the instances
//! of its engine before the model commits it, can refuse it, holds a change
//! in progress until it is ready, and provides the endpoint the describe
//! operations report; a slow backend holds up only the calls that change
//! its instance, and concurrent changes are neither lost nor reordered.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aliyun_rds_emulator::{
    BackendEndpoint, BackendError, BackendFuture, BackendStatus, Emulator, EngineBackend, Fixture,
    InstanceChange, Pace, RunningEmulator,
};
use common::{Reply, RpcRequest, Signer};
use serde_json::Value;
use tokio::sync::Semaphore;

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

    fn apply<'a>(
        &'a self,
        instance_id: &'a str,
        change: &'a InstanceChange,
    ) -> BackendFuture<'a, Result<(), BackendError>> {
        Box::pin(async move {
            if self.refuse_accounts.load(Ordering::SeqCst)
                && matches!(change, InstanceChange::AccountCreated { .. })
            {
                return Err(BackendError::new("the cluster refused the role"));
            }
            if let InstanceChange::AccountCreated { password, .. } = change {
                // The backend gets the password; its Debug output does not.
                assert_eq!(password, "Passw0rd!");
                assert!(!format!("{change:?}").contains("Passw0rd"));
            }
            self.changes
                .lock()
                .unwrap()
                .push(format!("{instance_id} {change:?}"));
            Ok(())
        })
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

/// A backend whose changes to one instance wait for permits, to see what
/// the emulator does meanwhile.
struct Slow {
    slow_instance: Mutex<Option<String>>,
    permits: Semaphore,
    applied: Mutex<Vec<String>>,
}

impl EngineBackend for Slow {
    fn serves(&self, engine: &str) -> bool {
        engine == "PostgreSQL"
    }

    fn apply<'a>(
        &'a self,
        instance_id: &'a str,
        change: &'a InstanceChange,
    ) -> BackendFuture<'a, Result<(), BackendError>> {
        Box::pin(async move {
            let slow = self.slow_instance.lock().unwrap().as_deref() == Some(instance_id);
            if slow {
                self.permits.acquire().await.unwrap().forget();
            }
            if let InstanceChange::AccountCreated { name, .. } = change {
                self.applied.lock().unwrap().push(name.clone());
            }
            Ok(())
        })
    }
}

#[tokio::test]
async fn a_slow_backend_holds_up_only_the_changes_to_its_instance_and_loses_none() {
    let backend = Arc::new(Slow {
        slow_instance: Mutex::new(None),
        permits: Semaphore::new(0),
        applied: Mutex::new(Vec::new()),
    });
    let emulator = Arc::new(
        Emulator::builder()
            .fixture(Fixture::empty())
            .pace(Pace::instant())
            .engine_backend(backend.clone())
            .start("127.0.0.1:0")
            .await
            .expect("starts"),
    );
    let slow = create(&emulator, "PostgreSQL", "15.0").await;
    let other = create(&emulator, "PostgreSQL", "15.0").await;
    *backend.slow_instance.lock().unwrap() = Some(slow.clone());

    // Twenty accounts on the slow instance, all in flight at once, two of
    // them with the same name.
    let mut calls = Vec::new();
    for n in 0..20 {
        let emulator = Arc::clone(&emulator);
        let id = slow.clone();
        let name = if n == 19 {
            "user_0".to_owned()
        } else {
            format!("user_{n}")
        };
        calls.push(tokio::spawn(async move {
            call(
                &emulator,
                "CreateAccount",
                &[
                    ("DBInstanceId", &id),
                    ("AccountName", &name),
                    ("AccountPassword", "Passw0rd!"),
                ],
            )
            .await
        }));
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Meanwhile the rest of the emulator answers: reads of the slow
    // instance (which show no uncommitted account), and changes to the
    // other one.
    let started = std::time::Instant::now();
    let accounts = ok(&call(&emulator, "DescribeAccounts", &[("DBInstanceId", &slow)]).await);
    assert_eq!(accounts["TotalRecordCount"], 0, "{accounts}");
    ok(&call(
        &emulator,
        "CreateAccount",
        &[
            ("DBInstanceId", &other),
            ("AccountName", "fast_user"),
            ("AccountPassword", "Passw0rd!"),
        ],
    )
    .await);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(*backend.applied.lock().unwrap(), ["fast_user"]);

    backend.permits.add_permits(100);
    let mut refused = 0;
    for call in calls {
        let reply = call.await.unwrap();
        if reply.status != 200 {
            reply.assert_error(400, "InvalidAccountName.Duplicate");
            refused += 1;
        }
    }
    assert_eq!(refused, 1, "the second user_0 is refused when it commits");
    let accounts = ok(&call(&emulator, "DescribeAccounts", &[("DBInstanceId", &slow)]).await);
    assert_eq!(accounts["TotalRecordCount"], 19, "no account is lost");
    let applied = backend.applied.lock().unwrap().clone();
    assert_eq!(
        applied.len(),
        20,
        "the backend applied each account once: {applied:?}"
    );
    assert_eq!(applied.iter().filter(|name| *name == "user_0").count(), 1);
    Arc::try_unwrap(emulator).unwrap().shutdown().await;
}
