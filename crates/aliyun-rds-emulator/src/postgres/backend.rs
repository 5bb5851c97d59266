//! The real-engine layer as the emulator's engine backend: every
//! PostgreSQL instance created through the API gets a cluster of its own,
//! and the emulator's changes, precheck and cloud migration run on the
//! clusters.
//!
//! [`PostgresBackend`] implements [`EngineBackend`] with the calls the
//! module documentation's table lists for each operation. What it
//! answers under the model's lock (statuses, endpoints, a migration's
//! progress) it reads from what it already holds: a cluster's status is a
//! field, and the progress of each migration is read from the servers by
//! a task of its own, every [`PROGRESS_INTERVAL`], and kept.
//!
//! Its errors become the operations' documented codes: a server that
//! refuses a statement (or does not answer in time) is
//! `SqlExecuteFailedOrTimeout`, except a role or database that exists
//! already (`InvalidAccountName.Duplicate`, `InvalidDBName.Duplicate`) and
//! a parameter PostgreSQL refuses (`InvalidParameters.Format`); a cluster
//! that is not running is `Database.ConnectError`; anything else that
//! stops a cluster from being made or started (a missing program, a
//! server that does not come up) is `ExternalFailure`. Each falls back to
//! the next candidate the operation documents.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use super::{
    AccountPrivilege, AccountType, Cluster, ClusterStatus, Engine, EngineOptions, Migration,
    MigrationProgress, MigrationStage, PostgresError, SecurityIp, SourceEndpoint, GIB,
};
use crate::backend::{
    BackendEndpoint, BackendError, BackendFuture, BackendStatus, EngineBackend, InstanceChange,
    MigrationReport, MigrationSource, PrecheckOutcome,
};

/// How often a running migration's progress is read from the servers.
pub const PROGRESS_INTERVAL: Duration = Duration::from_millis(250);

/// How long a switchover waits for the target to replay what the source
/// had committed (then `SqlExecuteFailedOrTimeout`, and the task stays in
/// `increment`).
pub const SWITCHOVER_WAIT: Duration = Duration::from_secs(120);

/// A migration and the progress last read from its servers.
#[derive(Debug)]
struct Tracked {
    migration: Migration,
    latest: Mutex<MigrationProgress>,
}

impl Tracked {
    fn store(&self, progress: MigrationProgress) {
        *self.latest.lock().unwrap_or_else(PoisonError::into_inner) = progress;
    }
}

/// Real PostgreSQL clusters behind the emulator's PostgreSQL instances
/// (see the module documentation). Made by
/// [`EmulatorBuilder::postgres`](crate::EmulatorBuilder::postgres).
#[derive(Debug)]
pub struct PostgresBackend {
    /// The engine, or why it could not start (every change is then refused
    /// with that reason).
    engine: Result<Engine, String>,
    /// The major version of the installed server, which every cluster
    /// runs.
    major_version: Option<u32>,
    migrations: Mutex<HashMap<String, Arc<Tracked>>>,
}

impl PostgresBackend {
    /// Starts the engine. A failure (no PostgreSQL programs, no cluster
    /// user) is kept, written to standard error, and given as the reason
    /// of every operation that needs a cluster.
    pub async fn start(options: EngineOptions) -> PostgresBackend {
        let engine = Engine::start(options)
            .await
            .map_err(|error| error.to_string());
        let major_version = engine
            .as_ref()
            .ok()
            .and_then(|engine| engine.binaries().major_version().ok());
        match &engine {
            Ok(engine) => {
                let cleanup = engine.stale_cleanup();
                if !cleanup.removed_roots.is_empty() {
                    eprintln!(
                        "aliyun-rds-emulator: removed {} data root(s) a killed emulator left (and stopped {} process(es) in them)",
                        cleanup.removed_roots.len(),
                        cleanup.killed_processes.len()
                    );
                }
            }
            Err(reason) => eprintln!(
                "aliyun-rds-emulator: real PostgreSQL is unavailable, so PostgreSQL instances cannot be created: {reason}"
            ),
        }
        PostgresBackend {
            engine,
            major_version,
            migrations: Mutex::new(HashMap::new()),
        }
    }

    /// The engine, or why it is unavailable.
    pub fn engine(&self) -> Result<&Engine, &str> {
        self.engine.as_ref().map_err(String::as_str)
    }

    /// Stops every server cleanly, then removes the data root. The
    /// backend refuses every change after this.
    pub async fn shutdown(&self) {
        if let Ok(engine) = &self.engine {
            engine.stop_clusters().await;
            engine.kill_and_remove();
        }
    }

    /// Kills every server and removes the data root at once, without a
    /// runtime (what dropping the emulator does).
    pub fn kill_and_remove(&self) {
        if let Ok(engine) = &self.engine {
            engine.kill_and_remove();
        }
    }

    fn available_engine(&self) -> Result<&Engine, BackendError> {
        self.engine.as_ref().map_err(|reason| {
            BackendError::new(format!("real PostgreSQL is unavailable: {reason}"))
                .with_code("ExternalFailure")
        })
    }

    /// Refuses an `EngineVersion` whose major version is not the installed
    /// server's: a cluster runs the programs there are.
    fn check_version(&self, engine: &Engine, engine_version: &str) -> Result<(), BackendError> {
        let wanted = engine_version
            .split('.')
            .next()
            .and_then(|major| major.parse::<u32>().ok());
        match (wanted, self.major_version) {
            (Some(wanted), Some(installed)) if wanted != installed => Err(BackendError::new(format!(
                "EngineVersion {engine_version} needs PostgreSQL {wanted}, and the PostgreSQL programs in {} are version {installed}: ask for {installed}.0, or give the emulator PostgreSQL {wanted}'s programs",
                engine.binaries().dir().display()
            ))
            .with_code("InvalidEngineVersion.Malformed")),
            _ => Ok(()),
        }
    }

    fn cluster(&self, instance_id: &str) -> Result<Cluster, BackendError> {
        self.available_engine()?
            .cluster(instance_id)
            .ok_or_else(|| {
                BackendError::new(format!(
                    "the PostgreSQL cluster of {instance_id} is gone (it failed or was deleted)"
                ))
            })
    }

    fn tracked(&self, instance_id: &str) -> Option<Arc<Tracked>> {
        self.migrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(instance_id)
            .cloned()
    }

    async fn apply_change(
        &self,
        instance_id: &str,
        change: &InstanceChange,
    ) -> Result<(), BackendError> {
        match change {
            InstanceChange::Created {
                engine_version,
                storage_gb,
                security_ips,
                ..
            } => {
                let engine = self.available_engine()?;
                self.check_version(engine, engine_version)?;
                let cluster = engine
                    .spawn_cluster(instance_id, u64::from(*storage_gb) * GIB)
                    .await
                    .map_err(|error| failure(error, "ExternalFailure"))?;
                if let Err(error) = apply_whitelist(&cluster, security_ips).await {
                    let _ = cluster.delete().await;
                    return Err(error);
                }
                Ok(())
            }
            InstanceChange::Deleted => {
                self.migrations
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(instance_id);
                match self.available_engine()?.cluster(instance_id) {
                    Some(cluster) => cluster.delete().await.map_err(refused),
                    None => Ok(()),
                }
            }
            InstanceChange::Restarted => {
                self.cluster(instance_id)?.restart().await.map_err(refused)
            }
            InstanceChange::Stopped => self.cluster(instance_id)?.stop().await.map_err(refused),
            InstanceChange::Started => self.cluster(instance_id)?.start().await.map_err(refused),
            InstanceChange::AccountCreated {
                name,
                password,
                kind,
            } => {
                let account_type = AccountType::parse(kind).ok_or_else(|| {
                    BackendError::new(format!(
                        "PostgreSQL accounts are Normal or Super, not {kind}"
                    ))
                    .with_code("Parameters.Invalid")
                })?;
                self.cluster(instance_id)?
                    .create_account(name, password, account_type)
                    .await
                    .map_err(|error| duplicate_or_refused(error, "InvalidAccountName.Duplicate"))
            }
            InstanceChange::AccountDeleted { name } => self
                .cluster(instance_id)?
                .delete_account(name)
                .await
                .map_err(refused),
            InstanceChange::PasswordReset { name, password } => self
                .cluster(instance_id)?
                .reset_account_password(name, password)
                .await
                .map_err(refused),
            InstanceChange::AccountLocked { name, locked } => {
                let cluster = self.cluster(instance_id)?;
                let done = if *locked {
                    cluster.lock_account(name).await
                } else {
                    cluster.unlock_account(name).await
                };
                done.map_err(refused)
            }
            InstanceChange::DatabaseCreated {
                name,
                character_set,
            } => self
                .cluster(instance_id)?
                .create_database(name, Some(character_set), None)
                .await
                .map_err(|error| duplicate_or_refused(error, "InvalidDBName.Duplicate")),
            InstanceChange::DatabaseDeleted { name } => self
                .cluster(instance_id)?
                .delete_database(name)
                .await
                .map_err(refused),
            InstanceChange::PrivilegeGranted {
                account,
                database,
                privilege,
            } => {
                let privilege = AccountPrivilege::parse(privilege).ok_or_else(|| {
                    BackendError::new(format!("PostgreSQL has no privilege {privilege}"))
                        .with_code("Parameters.Invalid")
                })?;
                self.cluster(instance_id)?
                    .grant_account_privilege(account, database, privilege)
                    .await
                    .map_err(refused)
            }
            InstanceChange::PrivilegeRevoked { account, database } => self
                .cluster(instance_id)?
                .revoke_account_privilege(account, database)
                .await
                .map_err(refused),
            InstanceChange::WhitelistChanged { entries } => {
                apply_whitelist(&self.cluster(instance_id)?, entries).await
            }
            InstanceChange::ParametersChanged { values, restart } => {
                let values: Vec<(&str, &str)> = values
                    .iter()
                    .map(|(name, value)| (name.as_str(), value.as_str()))
                    .collect();
                self.cluster(instance_id)?
                    .set_parameters(&values, *restart)
                    .await
                    .map(|_| ())
                    .map_err(|error| match error {
                        PostgresError::InvalidArgument { .. } => {
                            failure(error, "InvalidParameters.Format")
                        }
                        PostgresError::Sql { .. }
                            if error
                                .sql_state()
                                .is_some_and(|state| state.starts_with("22")) =>
                        {
                            failure(error, "InvalidParameters.Format")
                        }
                        other => refused(other),
                    })
            }
            InstanceChange::MigrationStarted { source } => {
                self.start_migration(instance_id, source).await
            }
            InstanceChange::SwitchedOver { force } => {
                let tracked = self.tracked(instance_id).ok_or_else(|| {
                    BackendError::new(format!("no migration into {instance_id} is running"))
                })?;
                let switched = if *force {
                    tracked.migration.force_switchover().await
                } else {
                    tracked.migration.switchover(SWITCHOVER_WAIT).await
                };
                tracked.store(tracked.migration.progress().await);
                switched
                    .map(|_| ())
                    .map_err(|error| failure(error, "SqlExecuteFailedOrTimeout"))
            }
        }
    }

    async fn start_migration(
        &self,
        instance_id: &str,
        source: &MigrationSource,
    ) -> Result<(), BackendError> {
        let engine = self.available_engine()?;
        let cluster = self.cluster(instance_id)?;
        let endpoint = SourceEndpoint::new(
            source.ip,
            source.port,
            source.account.clone(),
            source.password.clone(),
        );
        let migration = engine
            .start_migration(endpoint, &cluster)
            .await
            .map_err(|error| failure(error, "ExternalFailure"))?;
        let first = migration.progress().await;
        let tracked = Arc::new(Tracked {
            migration,
            latest: Mutex::new(first),
        });
        self.migrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(instance_id.to_owned(), Arc::clone(&tracked));
        tokio::spawn(follow_progress(Arc::downgrade(&tracked)));
        Ok(())
    }
}

/// Reads a migration's progress from its servers every
/// [`PROGRESS_INTERVAL`] until it has switched over or failed, or nobody
/// tracks it any more.
async fn follow_progress(tracked: Weak<Tracked>) {
    loop {
        tokio::time::sleep(PROGRESS_INTERVAL).await;
        let Some(tracked) = tracked.upgrade() else {
            return;
        };
        let progress = tracked.migration.progress().await;
        let finished = matches!(
            progress.stage,
            MigrationStage::Success | MigrationStage::Failed
        );
        tracked.store(progress);
        if finished {
            return;
        }
    }
}

/// Sets the cluster's whitelist to `entries` (addresses and CIDR blocks).
async fn apply_whitelist(cluster: &Cluster, entries: &[String]) -> Result<(), BackendError> {
    let ips = entries
        .iter()
        .map(|entry| entry.parse::<SecurityIp>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| failure(error, "InvalidSecurityIPList.Format"))?;
    if ips == cluster.security_ips() {
        return Ok(());
    }
    cluster.set_security_ips(&ips).await.map_err(refused)
}

/// A layer error as the operation's error, with `code` first.
fn failure(error: PostgresError, code: &str) -> BackendError {
    BackendError::new(error.to_string()).with_code(code)
}

/// A layer error, with the code that says what kind of failure it is.
fn refused(error: PostgresError) -> BackendError {
    match &error {
        PostgresError::Sql { .. } | PostgresError::Timeout { .. } => {
            failure(error, "SqlExecuteFailedOrTimeout")
        }
        PostgresError::NotRunning { .. } => failure(error, "Database.ConnectError"),
        PostgresError::InvalidArgument { .. } => failure(error, "Parameters.Invalid"),
        _ => failure(error, "ExternalFailure"),
    }
}

/// [`refused`], except that an object that exists already (`42710`,
/// `42P04`) is `duplicate`.
fn duplicate_or_refused(error: PostgresError, duplicate: &str) -> BackendError {
    match error.sql_state() {
        Some("42710" | "42P04") => failure(error, duplicate),
        _ => refused(error),
    }
}

/// The report of the layer's progress, as the emulator's seam takes it.
fn report(progress: &MigrationProgress) -> MigrationReport {
    let mut report = MigrationReport::new(progress.stage.wire(), progress.replication_state.wire());
    report.replication_info = match &progress.info {
        Some(info) => info.to_json(),
        None => serde_json::json!({
            "Status": progress.replication_state.wire(),
            "Synced": "false",
            "IsSlave": "false",
        })
        .to_string(),
    };
    report.error = progress.error.clone();
    report
}

impl EngineBackend for PostgresBackend {
    fn serves(&self, engine: &str) -> bool {
        engine.eq_ignore_ascii_case("PostgreSQL")
    }

    fn apply<'a>(
        &'a self,
        instance_id: &'a str,
        change: &'a InstanceChange,
    ) -> BackendFuture<'a, Result<(), BackendError>> {
        Box::pin(self.apply_change(instance_id, change))
    }

    fn status(&self, instance_id: &str) -> BackendStatus {
        let status = self
            .engine
            .as_ref()
            .ok()
            .and_then(|engine| engine.cluster(instance_id))
            .map(|cluster| cluster.status());
        // In progress while the server is between two states (being made,
        // starting, stopping, restored by a migration); at rest otherwise.
        match status {
            Some(
                ClusterStatus::Creating
                | ClusterStatus::Starting
                | ClusterStatus::Stopping
                | ClusterStatus::Restoring,
            ) => BackendStatus::InProgress,
            _ => BackendStatus::Ready,
        }
    }

    fn endpoint(&self, instance_id: &str) -> Option<BackendEndpoint> {
        let cluster = self.engine.as_ref().ok()?.cluster(instance_id)?;
        Some(BackendEndpoint {
            host: cluster.host().to_string(),
            port: cluster.port(),
        })
    }

    fn migrates(&self) -> bool {
        true
    }

    fn precheck<'a>(
        &'a self,
        instance_id: &'a str,
        source: &'a MigrationSource,
    ) -> BackendFuture<'a, PrecheckOutcome> {
        Box::pin(async move {
            let (engine, cluster) = match self.cluster(instance_id) {
                Ok(cluster) => match self.available_engine() {
                    Ok(engine) => (engine, cluster),
                    Err(error) => return unavailable(&error),
                },
                Err(error) => return unavailable(&error),
            };
            let endpoint = SourceEndpoint::new(
                source.ip,
                source.port,
                source.account.clone(),
                source.password.clone(),
            );
            let report = engine.precheck(&endpoint, &cluster).await;
            PrecheckOutcome {
                detail: report.detail(),
                passed: report.passed(),
            }
        })
    }

    fn migration(&self, instance_id: &str) -> Option<MigrationReport> {
        let tracked = self.tracked(instance_id)?;
        let progress = tracked
            .latest
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Some(report(&progress))
    }

    fn reset(&self) {
        self.migrations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let Ok(engine) = &self.engine else {
            return;
        };
        let clusters = engine.clusters();
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(async move {
                    for cluster in clusters {
                        let _ = cluster.delete().await;
                    }
                });
            }
            Err(_) => {
                for cluster in &clusters {
                    cluster.kill_blocking();
                }
            }
        }
    }
}

/// The report of a precheck that could not run: its first check fails
/// with the reason.
fn unavailable(error: &BackendError) -> PrecheckOutcome {
    PrecheckOutcome {
        detail: format!(
            "[Check rds empty]\nCheck rds databases: fail(error:{})\n*Migrate check failed*",
            error.message()
        ),
        passed: false,
    }
}
