//! Real PostgreSQL behind emulated RDS for PostgreSQL (the `postgres`
//! feature, Linux only).
//!
//! This module runs real PostgreSQL clusters: one per emulated instance,
//! each on its own loopback port, administered with the semantics of the
//! RDS operations (accounts, databases, privileges, whitelists,
//! parameters), and it performs the cloud migration for real: the
//! precheck connects to the source and runs the checks of Alibaba's
//! assessment report, the migration copies the source with `pg_basebackup`
//! and streams from it, and the switchover waits for the target to replay
//! everything, then promotes it. It is a layer of its own: it knows
//! nothing of the emulator's HTTP side. [`PostgresBackend`] makes it the
//! emulator's engine backend
//! ([`EmulatorBuilder::postgres`](crate::EmulatorBuilder::postgres),
//! `aliyun-rds emulator --postgres`), and it can be used on its own, for
//! example to start the self-managed source of a migration test.
//!
//! # The pieces
//!
//! | type | what it is | made by |
//! | --- | --- | --- |
//! | [`Engine`] | one per emulator: the binaries, the cluster user, the data root, the clusters | [`Engine::start`] |
//! | [`Cluster`] | one instance's server: lifecycle and SQL administration | [`Engine::spawn_cluster`]; [`Engine::spawn_self_managed`] for a migration source |
//! | [`PrecheckReport`] | the assessment report of a source for a target | [`Engine::precheck`] |
//! | [`Migration`] | a running cloud migration: progress and switchover | [`Engine::start_migration`] |
//! | [`PostgresBackend`] | the engine as the emulator's [`EngineBackend`](crate::EngineBackend) | [`PostgresBackend::start`], by the emulator |
//!
//! # Using the layer
//!
//! ```no_run
//! use aliyun_rds_emulator::postgres::{
//!     AccountPrivilege, AccountType, Engine, EngineOptions, SourceEndpoint, GIB,
//! };
//! # async fn example() -> Result<(), aliyun_rds_emulator::postgres::PostgresError> {
//! // Once, when the emulator starts (`--postgres`, `--postgres-bin DIR`).
//! let engine = Engine::start(EngineOptions::new()).await?;
//!
//! // CreateDBInstance: Running once this returns; report host and port.
//! let cluster = engine.spawn_cluster("pgm-bp1example", 20 * GIB).await?;
//! println!("{}:{}", cluster.host(), cluster.port());
//!
//! // CreateAccount, CreateDatabase, GrantAccountPrivilege.
//! cluster.create_account("app", "Secret-Passw0rd", AccountType::Normal).await?;
//! cluster.create_database("appdb", None, None).await?;
//! cluster
//!     .grant_account_privilege("app", "appdb", AccountPrivilege::ReadWrite)
//!     .await?;
//!
//! // CreateCloudMigrationPrecheckTask, then the report's `Detail`.
//! let source = SourceEndpoint::new("10.0.0.5".parse().unwrap(), 5432, "migrator", "pw");
//! let report = engine.precheck(&source, &cluster).await;
//! println!("{}", report.detail());
//!
//! // CreateCloudMigrationTask, DescribeCloudMigrationResult,
//! // ActivateMigrationTargetInstance.
//! if report.passed() {
//!     let migration = engine.start_migration(source, &cluster).await?;
//!     let progress = migration.progress().await;
//!     println!("{} {}", progress.stage.wire(), progress.replication_state.wire());
//!     migration.switchover(std::time::Duration::from_secs(60)).await?;
//! }
//!
//! // DeleteDBInstance; and at the emulator's shutdown:
//! cluster.delete().await?;
//! engine.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! What [`PostgresBackend`] calls for each RDS operation (each operation's
//! change reaches it as an [`InstanceChange`](crate::InstanceChange)):
//!
//! | operation | call |
//! | --- | --- |
//! | `CreateDBInstance` (PostgreSQL) | [`Engine::spawn_cluster`] (`DBInstanceStorage` × [`GIB`]), then the starting whitelist; report [`Cluster::host`] and [`Cluster::port`] |
//! | a change in progress | [`Cluster::status`]: it ends once the cluster is at rest (not creating, starting, stopping or restoring) |
//! | `RestartDBInstance`, `StopDBInstance`, `StartDBInstance`, `DeleteDBInstance` | [`Cluster::restart`], [`Cluster::stop`], [`Cluster::start`], [`Cluster::delete`] |
//! | accounts, databases, privileges, `ModifySecurityIps`, `ModifyParameter` | the methods of [`Cluster`], whose documentation has the table |
//! | `CreateCloudMigrationPrecheckTask` | [`Engine::precheck`], then [`PrecheckReport::detail`] as `Detail` |
//! | `CreateCloudMigrationTask` | [`Engine::start_migration`] |
//! | `DescribeCloudMigrationResult` | [`Migration::progress`], read every [`backend::PROGRESS_INTERVAL`] by a task of the backend: [`MigrationStage::wire`], [`ReplicationState::wire`], [`ReplicationInfo::to_json`] |
//! | `ActivateMigrationTargetInstance` | [`Migration::switchover`], or [`Migration::force_switchover`] for `ForceSwitch=1` |
//! | the emulator's shutdown | [`PostgresBackend::shutdown`] (stop, then remove), or [`PostgresBackend::kill_and_remove`] when the emulator is dropped |
//!
//! Every call is bounded in time ([`EngineOptions`] has the limits) and
//! fails with a [`PostgresError`] that says why, with the server log's last
//! lines when a server did not start.
//!
//! # Processes, users and files
//!
//! * The programs are found as the `binaries` module says
//!   ([`Binaries::discover`]).
//! * Running as root, every cluster process runs as the `postgres` system
//!   user ([`EngineOptions::user`] names another), and the files the
//!   clusters write are that user's; see the `process` module.
//! * All data lives under one root directory per engine, removed by
//!   [`Engine::shutdown`] or when the [`Engine`] is dropped. No server
//!   outlives its engine: dropping it kills them; killing the emulator's
//!   process kills them by their parent-death signal; and the next
//!   [`Engine::start`] removes what a killed emulator left on disk (see the
//!   `root` module).
//!
//! A cluster's directory holds `data/` (its `PGDATA`), the configuration
//! the emulator manages (`postgresql.conf`, `pg_hba.conf`, `pg_ident.conf`,
//! kept outside `data/` so that a base backup of a source does not replace
//! them), the server's Unix socket and its log (`server.log`, with
//! `initdb.log` and `basebackup.log` beside it).
//!
//! # Administration
//!
//! The emulator administers each cluster as [`ADMIN_ROLE`], over the
//! cluster's Unix socket, which only the cluster user and root can reach
//! (`local all all trust` in `pg_hba.conf`). Clients reach the server over
//! TCP on `127.0.0.1` and log in with passwords (`md5` rules, which accept
//! SCRAM verifiers too), from the addresses of the instance's whitelist.

mod admin;
pub mod backend;
mod binaries;
mod cluster;
mod error;
mod hba;
mod migration;
mod precheck;
mod process;
mod replication_login;
mod root;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

pub use admin::{AccountPrivilege, AccountType, ParameterApplied, ParameterChange};
pub use backend::PostgresBackend;
pub use binaries::Binaries;
pub use cluster::{Cluster, ClusterStatus};
pub use error::PostgresError;
pub use hba::SecurityIp;
pub use migration::{
    Migration, MigrationProgress, MigrationStage, ReplicationInfo, ReplicationState,
    SwitchoverReport,
};
pub use precheck::{
    CheckOutcome, CheckResult, PrecheckReport, SourceEndpoint, MIN_WAL_KEEP_SIZE_MB,
};
pub use process::{running_as_root, ClusterUser};
pub use root::StaleCleanup;

use process::Launcher;
use root::DataRoot;

/// The role the emulator administers its clusters as: their bootstrap
/// superuser. It is the name Alibaba reserves for its own administration
/// account, which is why a migration source must not have it.
pub const ADMIN_ROLE: &str = "alicloud_rds_admin";

/// The superuser of a [`Engine::spawn_self_managed`] cluster.
pub const SELF_MANAGED_SUPERUSER: &str = "postgres";

/// One gibibyte, the unit of `DBInstanceStorage`: a cluster's storage is
/// given in bytes.
pub const GIB: u64 = 1 << 30;

/// How the [`Engine`] finds its programs, whom it runs them as, where it
/// keeps data, and how long it waits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineOptions {
    bin_dir: Option<PathBuf>,
    user: Option<String>,
    root_parent: Option<PathBuf>,
    start_timeout: Duration,
    stop_timeout: Duration,
    command_timeout: Duration,
    connect_timeout: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            bin_dir: None,
            user: None,
            root_parent: None,
            start_timeout: Duration::from_secs(60),
            stop_timeout: Duration::from_secs(30),
            command_timeout: Duration::from_secs(600),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

impl EngineOptions {
    /// The defaults: programs from `pg_config --bindir` or PATH, the
    /// `postgres` user when running as root, the root in the system's
    /// temporary directory, a minute for a server to start.
    pub fn new() -> Self {
        Self::default()
    }

    /// The directory of the PostgreSQL programs (`--postgres-bin DIR`); no
    /// other place is searched.
    pub fn bin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.bin_dir = Some(dir.into());
        self
    }

    /// The unprivileged user that runs the clusters when the emulator runs
    /// as root (default `postgres`). Ignored otherwise: the clusters then
    /// run as the emulator's user.
    pub fn user(mut self, name: impl Into<String>) -> Self {
        self.user = Some(name.into());
        self
    }

    /// The directory the data root is made in (default: the system's
    /// temporary directory). The cluster user must be able to reach it,
    /// and stale roots are looked for there.
    pub fn root_parent(mut self, dir: impl Into<PathBuf>) -> Self {
        self.root_parent = Some(dir.into());
        self
    }

    /// How long a server may take to accept connections (default 60 s).
    pub fn start_timeout(mut self, limit: Duration) -> Self {
        self.start_timeout = limit;
        self
    }

    /// How long a server may take to stop after a fast shutdown request
    /// before it is stopped harder (default 30 s).
    pub fn stop_timeout(mut self, limit: Duration) -> Self {
        self.stop_timeout = limit;
        self
    }

    /// How long `initdb` and `pg_basebackup` may run (default 10 min).
    pub fn command_timeout(mut self, limit: Duration) -> Self {
        self.command_timeout = limit;
        self
    }

    /// How long connecting to a server may take, the source of a migration
    /// included (default 10 s).
    pub fn connect_timeout(mut self, limit: Duration) -> Self {
        self.connect_timeout = limit;
        self
    }
}

/// What the engine's clusters share.
#[derive(Debug)]
pub(crate) struct Shared {
    options: EngineOptions,
    binaries: Binaries,
    launcher: Launcher,
    root_path: PathBuf,
    root: Mutex<DataRoot>,
    clusters: Mutex<BTreeMap<String, Cluster>>,
    next_cluster: AtomicU64,
}

impl Shared {
    fn clusters(&self) -> MutexGuard<'_, BTreeMap<String, Cluster>> {
        // A panic while holding the lock cannot leave the map half
        // changed (every change is one insert or remove).
        self.clusters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A new, short directory name for a cluster (`c1`, `c2`, ...): Unix
    /// socket paths must stay under 108 bytes.
    fn next_cluster_dir(&self) -> PathBuf {
        let number = self.next_cluster.fetch_add(1, Ordering::Relaxed) + 1;
        self.root_path.join(format!("c{number}"))
    }
}

/// The real-engine layer of one emulator: it owns the data root and every
/// cluster in it.
///
/// Dropping the engine kills its servers and removes the root at once
/// (synchronously, so it also happens when a test panics);
/// [`Engine::shutdown`] stops them cleanly first.
#[derive(Debug)]
pub struct Engine {
    shared: Arc<Shared>,
    stale_cleanup: StaleCleanup,
}

impl Engine {
    /// Finds the programs and the cluster user, removes the stale roots a
    /// killed emulator left, and creates this engine's root.
    pub async fn start(options: EngineOptions) -> Result<Engine, PostgresError> {
        let binaries = Binaries::discover(options.bin_dir.as_deref())?;
        let user = if running_as_root() {
            let name = options.user.as_deref().unwrap_or(ClusterUser::DEFAULT_NAME);
            Some(ClusterUser::resolve(name)?)
        } else {
            None
        };
        let launcher = Launcher::new(user)?;
        let parent = options
            .root_parent
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        let cleanup_parent = parent.clone();
        let stale_cleanup =
            tokio::task::spawn_blocking(move || root::clean_stale_roots(&cleanup_parent))
                .await
                .unwrap_or_default();
        let root = DataRoot::create(&parent, &launcher)?;
        let root_path = root.path().to_path_buf();
        Ok(Engine {
            shared: Arc::new(Shared {
                options,
                binaries,
                launcher,
                root_path,
                root: Mutex::new(root),
                clusters: Mutex::new(BTreeMap::new()),
                next_cluster: AtomicU64::new(0),
            }),
            stale_cleanup,
        })
    }

    /// The directory that holds every cluster of this engine.
    pub fn root(&self) -> &Path {
        &self.shared.root_path
    }

    /// The PostgreSQL programs in use.
    pub fn binaries(&self) -> &Binaries {
        &self.shared.binaries
    }

    /// The user the clusters run as, when the emulator runs as root.
    pub fn cluster_user(&self) -> Option<&ClusterUser> {
        self.shared.launcher.user()
    }

    /// What starting this engine removed of the roots killed emulators
    /// left behind.
    pub fn stale_cleanup(&self) -> &StaleCleanup {
        &self.stale_cleanup
    }

    /// Creates and starts the cluster of instance `instance_id`, with
    /// `storage_bytes` of storage (what the disk-size check of a precheck
    /// compares a source with; `DBInstanceStorage` × [`GIB`]). Returns once
    /// the server accepts connections, on a free port of `127.0.0.1`.
    pub async fn spawn_cluster(
        &self,
        instance_id: &str,
        storage_bytes: u64,
    ) -> Result<Cluster, PostgresError> {
        Cluster::create(&self.shared, instance_id, storage_bytes, ADMIN_ROLE).await
    }

    /// Creates and starts a cluster like a self-managed PostgreSQL: its
    /// superuser is `postgres`, as PostgreSQL's packages make it (a source
    /// to migrate must not have the reserved [`ADMIN_ROLE`]), and its
    /// storage has no limit. It is what a test or an example migrates
    /// from; it lives and dies with the engine like the instances'
    /// clusters. Replication connections are refused until
    /// [`Cluster::set_replication_ips`] allows them.
    pub async fn spawn_self_managed(&self, name: &str) -> Result<Cluster, PostgresError> {
        Cluster::create(&self.shared, name, u64::MAX, SELF_MANAGED_SUPERUSER).await
    }

    /// The cluster of `instance_id`, if it exists.
    pub fn cluster(&self, instance_id: &str) -> Option<Cluster> {
        self.shared.clusters().get(instance_id).cloned()
    }

    /// Every cluster, by instance ID.
    pub fn clusters(&self) -> Vec<Cluster> {
        self.shared.clusters().values().cloned().collect()
    }

    /// Runs the checks of Alibaba's cloud migration assessment report for
    /// moving `source` into `target` (see [`PrecheckReport`]). It never
    /// fails: what cannot be checked is a failed check in the report.
    pub async fn precheck(&self, source: &SourceEndpoint, target: &Cluster) -> PrecheckReport {
        precheck::run(&self.shared.options, source, target).await
    }

    /// Starts migrating `source` into `target` by physical replication:
    /// `target`'s data is replaced by a base backup of the source, and
    /// `target` then streams from it as a standby until
    /// [`Migration::switchover`]. Returns at once; the work goes on in
    /// the background ([`Migration::progress`]).
    pub async fn start_migration(
        &self,
        source: SourceEndpoint,
        target: &Cluster,
    ) -> Result<Migration, PostgresError> {
        Migration::start(source, target.clone()).await
    }

    /// Stops every server (a fast shutdown each) and removes the root. A
    /// server that does not stop in time (one a migration is copying data
    /// into, say) is killed instead.
    pub async fn shutdown(self) {
        self.stop_clusters().await;
        // `Drop` removes the root and kills whatever did not stop.
    }

    /// Stops every server (a fast shutdown each, at most the stop timeout
    /// and a little more), keeping the data.
    pub(crate) async fn stop_clusters(&self) {
        let limit = self.shared.options.stop_timeout + std::time::Duration::from_secs(15);
        for cluster in self.clusters() {
            let _ = tokio::time::timeout(limit, cluster.stop()).await;
        }
    }

    /// Kills every server still running and removes the root, at once and
    /// without a runtime; the engine can start no cluster after this.
    /// Calling it again does nothing.
    pub(crate) fn kill_and_remove(&self) {
        let clusters: Vec<Cluster> = std::mem::take(&mut *self.shared.clusters())
            .into_values()
            .collect();
        for cluster in &clusters {
            cluster.kill_blocking();
        }
        root::kill_processes_in(&self.shared.root_path);
        let mut root = self
            .shared
            .root
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = root.remove();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.kill_and_remove();
    }
}
