//! One instance's PostgreSQL cluster: its directory, its server process and
//! the lifecycle RDS gives an instance (create, start, stop, restart,
//! delete).
//!
//! A cluster is made by `initdb` (superuser [`ADMIN_ROLE`], or `postgres`
//! for a self-managed one, UTF8, locale `C`), after which its `postgresql.conf`, `pg_hba.conf` and
//! `pg_ident.conf` move out of `data/` into the cluster's directory; the
//! server is started with `config_file`, `hba_file` and `ident_file`
//! pointing there. What makes the server the emulator's (the port, the
//! listen address `127.0.0.1`, the socket directory, `cluster_name`) is
//! given on the command line, which outranks every configuration file, so
//! neither `ALTER SYSTEM` nor a migrated source's settings can move it.
//!
//! The port is chosen free when the cluster is created (another is tried
//! when the server finds it taken) and kept for the cluster's life, like an
//! RDS endpoint. A cluster is [`ClusterStatus::Running`] from the moment
//! its server accepts connections; [`Cluster::status`] notices a server
//! that died.
//!
//! Stopping is a fast shutdown (SIGINT: sessions are ended, a checkpoint is
//! written); a server still running after the stop timeout gets an
//! immediate shutdown (SIGQUIT), then SIGKILL. Dropping the [`super::Engine`]
//! stops every server at once with SIGQUIT, then SIGKILL.
//!
//! [`ADMIN_ROLE`]: super::ADMIN_ROLE

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use rustix::process::Signal;
use tokio_postgres::error::SqlState;
use tokio_postgres::NoTls;

use super::error::PostgresError;
use super::hba::{render_hba, SecurityIp};
use super::process::{self, log_tail, ChildProcess};
use super::root;
use super::Shared;

/// The address every cluster listens on.
const HOST: Ipv4Addr = Ipv4Addr::LOCALHOST;
/// How many ports are tried when the chosen one turns out taken.
const PORT_ATTEMPTS: usize = 5;

/// Where a cluster is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClusterStatus {
    /// `initdb` is running.
    Creating,
    /// The server was started and does not accept connections yet.
    Starting,
    /// The server accepts connections.
    Running,
    /// The server is shutting down.
    Stopping,
    /// No server runs; the data is kept.
    Stopped,
    /// A migration is replacing the data with a base backup of its source.
    Restoring,
    /// The server died or did not start.
    Failed,
    /// The cluster and its data are gone.
    Deleted,
}

impl ClusterStatus {
    /// The status in lower case, as messages show it.
    pub fn as_str(self) -> &'static str {
        match self {
            ClusterStatus::Creating => "creating",
            ClusterStatus::Starting => "starting",
            ClusterStatus::Running => "running",
            ClusterStatus::Stopping => "stopping",
            ClusterStatus::Stopped => "stopped",
            ClusterStatus::Restoring => "restoring",
            ClusterStatus::Failed => "failed",
            ClusterStatus::Deleted => "deleted",
        }
    }
}

impl fmt::Display for ClusterStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The changing part of a cluster.
#[derive(Debug)]
pub(crate) struct ClusterState {
    pub(crate) status: ClusterStatus,
    pub(crate) process: Option<ChildProcess>,
    pub(crate) port: u16,
    /// The role administration connects as: the cluster's bootstrap
    /// superuser, except while the cluster is the standby of a migration,
    /// whose catalog is the source's (then the source's bootstrap
    /// superuser); after a switchover, [`super::ADMIN_ROLE`].
    pub(crate) admin_role: String,
    pub(crate) security_ips: Vec<SecurityIp>,
    pub(crate) replication_ips: Vec<SecurityIp>,
}

#[derive(Debug)]
pub(crate) struct ClusterInner {
    pub(crate) shared: Arc<Shared>,
    instance_id: String,
    dir: PathBuf,
    storage_bytes: u64,
    /// The superuser `initdb` creates.
    superuser: String,
    state: Mutex<ClusterState>,
    /// Held by whatever starts, stops or replaces the server, so that those
    /// never interleave.
    pub(crate) lifecycle: tokio::sync::Mutex<()>,
}

/// One instance's PostgreSQL cluster. Cloning gives another handle to the
/// same cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub(crate) inner: Arc<ClusterInner>,
}

impl Cluster {
    /// `initdb`, configuration, first start; on failure nothing is left.
    pub(crate) async fn create(
        shared: &Arc<Shared>,
        instance_id: &str,
        storage_bytes: u64,
        superuser: &str,
    ) -> Result<Cluster, PostgresError> {
        if instance_id.is_empty() || instance_id.len() > 63 || !instance_id.is_ascii() {
            return Err(PostgresError::invalid(
                "instance ID",
                instance_id,
                "it must be 1 to 63 ASCII characters",
            ));
        }
        let dir = shared.next_cluster_dir();
        let cluster = Cluster {
            inner: Arc::new(ClusterInner {
                shared: Arc::clone(shared),
                instance_id: instance_id.to_owned(),
                dir,
                storage_bytes,
                superuser: superuser.to_owned(),
                state: Mutex::new(ClusterState {
                    status: ClusterStatus::Creating,
                    process: None,
                    port: 0,
                    admin_role: superuser.to_owned(),
                    security_ips: vec![SecurityIp::loopback()],
                    replication_ips: Vec::new(),
                }),
                lifecycle: tokio::sync::Mutex::new(()),
            }),
        };
        {
            let mut clusters = shared.clusters();
            if clusters.contains_key(instance_id) {
                return Err(PostgresError::invalid(
                    "instance ID",
                    instance_id,
                    "a cluster with this ID exists already",
                ));
            }
            clusters.insert(instance_id.to_owned(), cluster.clone());
        }
        let created = async {
            let _lifecycle = cluster.inner.lifecycle.lock().await;
            cluster.initialize().await?;
            cluster.launch_on_free_port().await
        }
        .await;
        if let Err(error) = created {
            cluster.kill_blocking();
            let _ = std::fs::remove_dir_all(&cluster.inner.dir);
            cluster.set_status(ClusterStatus::Deleted);
            shared.clusters().remove(instance_id);
            return Err(error);
        }
        Ok(cluster)
    }

    /// The instance this cluster belongs to.
    pub fn instance_id(&self) -> &str {
        &self.inner.instance_id
    }

    /// The address clients connect to: always `127.0.0.1`.
    pub fn host(&self) -> IpAddr {
        IpAddr::V4(HOST)
    }

    /// The TCP port clients connect to.
    pub fn port(&self) -> u16 {
        self.state().port
    }

    /// The instance's storage, in bytes.
    pub fn storage_bytes(&self) -> u64 {
        self.inner.storage_bytes
    }

    /// Where the cluster is in its life. A server that died since it was
    /// last seen running is [`ClusterStatus::Failed`].
    pub fn status(&self) -> ClusterStatus {
        let mut state = self.state();
        if state.status == ClusterStatus::Running
            && state
                .process
                .as_ref()
                .is_none_or(|process| process.exit_status().is_some())
        {
            state.status = ClusterStatus::Failed;
        }
        state.status
    }

    /// The cluster's directory (its configuration, socket and logs).
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The data directory (`PGDATA`).
    pub fn data_dir(&self) -> PathBuf {
        self.inner.dir.join("data")
    }

    /// The directory of the server's Unix socket, through which the
    /// emulator administers it (reachable by root and the cluster user
    /// only).
    pub fn socket_dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The server's log.
    pub fn log_path(&self) -> PathBuf {
        self.inner.dir.join("server.log")
    }

    /// The process ID of the running server (the postmaster), if any.
    pub fn server_pid(&self) -> Option<u32> {
        let state = self.state();
        state
            .process
            .as_ref()
            .filter(|process| process.exit_status().is_none())
            .map(ChildProcess::pid)
    }

    /// Starts the stopped server; returns once it accepts connections.
    /// Nothing to do when it runs.
    pub async fn start(&self) -> Result<(), PostgresError> {
        let _lifecycle = self.inner.lifecycle.lock().await;
        self.start_locked().await
    }

    /// Stops the server (a fast shutdown), keeping the data. Nothing to do
    /// when it is stopped.
    pub async fn stop(&self) -> Result<(), PostgresError> {
        let _lifecycle = self.inner.lifecycle.lock().await;
        self.stop_locked().await
    }

    /// Stops the server and starts it again, on the same port.
    pub async fn restart(&self) -> Result<(), PostgresError> {
        let _lifecycle = self.inner.lifecycle.lock().await;
        self.stop_locked().await?;
        self.start_locked().await
    }

    /// Stops the server and removes the cluster's directory: the port is
    /// closed and the data gone. The cluster is then
    /// [`ClusterStatus::Deleted`] and leaves its engine.
    pub async fn delete(&self) -> Result<(), PostgresError> {
        let _lifecycle = self.inner.lifecycle.lock().await;
        self.stop_locked().await?;
        let dir = self.inner.dir.clone();
        let removed = tokio::task::spawn_blocking(move || {
            root::kill_processes_in(&dir);
            std::fs::remove_dir_all(&dir)
        })
        .await
        .unwrap_or_else(|error| Err(std::io::Error::other(error.to_string())));
        match removed {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => {
                return Err(PostgresError::io(
                    "remove the cluster directory",
                    &self.inner.dir,
                    error,
                ))
            }
        }
        self.set_status(ClusterStatus::Deleted);
        self.inner.shared.clusters().remove(&self.inner.instance_id);
        Ok(())
    }

    /// Runs `sql` (one or more statements) in `database` as the
    /// administrator, for set-up that no RDS operation covers (a test's
    /// source data, a migration account's attributes).
    pub async fn execute(&self, database: &str, sql: &str) -> Result<(), PostgresError> {
        let client = self.admin_client(database).await?;
        client
            .batch_execute(sql)
            .await
            .map_err(|error| PostgresError::sql(format!("run SQL in {database}"), error))
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, ClusterState> {
        // Every change of the state is a plain assignment, so a panic
        // elsewhere cannot leave it inconsistent.
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn set_status(&self, status: ClusterStatus) {
        self.state().status = status;
    }

    pub(crate) fn options(&self) -> &super::EngineOptions {
        &self.inner.shared.options
    }

    /// A connection to `database` over the Unix socket, as the
    /// administrator; the cluster must be running.
    pub(crate) async fn admin_client(
        &self,
        database: &str,
    ) -> Result<tokio_postgres::Client, PostgresError> {
        let status = self.status();
        if status != ClusterStatus::Running {
            return Err(PostgresError::NotRunning {
                instance_id: self.inner.instance_id.clone(),
                status: status.to_string(),
            });
        }
        self.socket_client(database).await
    }

    /// A connection over the Unix socket as the administrator, whatever the
    /// recorded status.
    pub(crate) async fn socket_client(
        &self,
        database: &str,
    ) -> Result<tokio_postgres::Client, PostgresError> {
        let (port, role) = {
            let state = self.state();
            (state.port, state.admin_role.clone())
        };
        let limit = self.options().connect_timeout;
        let mut config = tokio_postgres::Config::new();
        config
            .host_path(&self.inner.dir)
            .port(port)
            .user(&role)
            .dbname(database)
            .application_name("aliyun-rds-emulator")
            .connect_timeout(limit);
        let action = format!("connect to {database} on {}", self.inner.instance_id);
        let connected = tokio::time::timeout(limit, config.connect(NoTls))
            .await
            .map_err(|_| PostgresError::timeout(action.clone(), limit))?;
        let (client, connection) = connected.map_err(|error| PostgresError::sql(action, error))?;
        tokio::spawn(async move {
            // The connection ends when the client is dropped; its error,
            // if any, also reaches the client's next call.
            let _ = connection.await;
        });
        Ok(client)
    }

    /// Runs `initdb` and moves the configuration out of `data/`.
    async fn initialize(&self) -> Result<(), PostgresError> {
        let dir = &self.inner.dir;
        // Only the cluster user (and root) may reach the socket, through
        // which the administrator logs in without a password.
        std::fs::DirBuilder::new()
            .mode(0o700)
            .create(dir)
            .map_err(|error| PostgresError::io("create", dir, error))?;
        self.inner.shared.launcher.own(dir)?;
        self.run_initdb().await?;
        let data = self.data_dir();
        for file in ["postgresql.conf", "pg_hba.conf", "pg_ident.conf"] {
            let from = data.join(file);
            let to = dir.join(file);
            std::fs::rename(&from, &to).map_err(|error| PostgresError::io("move", &from, error))?;
        }
        self.write_hba()
    }

    /// Makes the cluster empty again after a migration failed half-way
    /// (its data was already replaced): a fresh `data/`, the emulator's
    /// configuration kept, `postgresql.auto.conf` as it was, the server
    /// started. The caller holds the lifecycle lock.
    pub(crate) async fn reinitialize_locked(&self, auto_conf: &str) -> Result<(), PostgresError> {
        self.stop_locked().await?;
        let data = self.data_dir();
        match std::fs::remove_dir_all(&data) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(PostgresError::io("remove", &data, error)),
        }
        self.run_initdb().await?;
        for file in ["postgresql.conf", "pg_hba.conf", "pg_ident.conf"] {
            let path = data.join(file);
            std::fs::remove_file(&path)
                .map_err(|error| PostgresError::io("remove", &path, error))?;
        }
        let auto = data.join("postgresql.auto.conf");
        std::fs::write(&auto, auto_conf)
            .map_err(|error| PostgresError::io("write", &auto, error))?;
        self.inner.shared.launcher.own(&auto)?;
        self.state().admin_role = self.inner.superuser.clone();
        self.start_locked().await
    }

    /// `initdb` into `data/`.
    async fn run_initdb(&self) -> Result<(), PostgresError> {
        let shared = &self.inner.shared;
        let dir = &self.inner.dir;
        let log = dir.join("initdb.log");
        let data = self.data_dir();
        let command = shared.launcher.command(
            &shared.binaries.initdb(),
            [
                "-D".as_ref(),
                data.as_os_str(),
                "--username".as_ref(),
                self.inner.superuser.as_ref(),
                "--auth-local=trust".as_ref(),
                "--auth-host=md5".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C".as_ref(),
                // The data is disposable: an emulator's root does not
                // survive a crash of the machine anyway.
                "--no-sync".as_ref(),
                "--no-instructions".as_ref(),
            ],
            dir,
            &log,
        )?;
        process::run_to_end(command, "initdb", &log, shared.options.command_timeout).await
    }

    /// Writes `pg_hba.conf` from the whitelists (the server reads it at
    /// start and reload).
    pub(crate) fn write_hba(&self) -> Result<(), PostgresError> {
        let text = {
            let state = self.state();
            render_hba(&state.security_ips, &state.replication_ips)
        };
        let path = self.inner.dir.join("pg_hba.conf");
        let staging = self.inner.dir.join("pg_hba.conf.new");
        std::fs::write(&staging, text)
            .map_err(|error| PostgresError::io("write", &staging, error))?;
        self.inner.shared.launcher.own(&staging)?;
        std::fs::rename(&staging, &path).map_err(|error| PostgresError::io("replace", &path, error))
    }

    /// The first start: a free port, another one if the server finds it
    /// taken.
    async fn launch_on_free_port(&self) -> Result<(), PostgresError> {
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port()
                .map_err(|error| PostgresError::io("find a free port on", "127.0.0.1", error))?;
            self.state().port = port;
            match self.launch().await {
                Ok(()) => return Ok(()),
                Err(PortTaken(Some(error))) => return Err(error),
                Err(PortTaken(None)) => continue,
            }
        }
        Err(PostgresError::StartFailed {
            instance_id: self.inner.instance_id.clone(),
            reason: format!("every port tried was taken ({PORT_ATTEMPTS} attempts)"),
            log_excerpt: log_tail(&self.log_path(), 6),
        })
    }

    pub(crate) async fn start_locked(&self) -> Result<(), PostgresError> {
        if self.server_pid().is_some() && self.status() == ClusterStatus::Running {
            return Ok(());
        }
        if self.status() == ClusterStatus::Deleted {
            return Err(PostgresError::NotRunning {
                instance_id: self.inner.instance_id.clone(),
                status: ClusterStatus::Deleted.to_string(),
            });
        }
        match self.launch().await {
            Ok(()) => Ok(()),
            Err(PortTaken(Some(error))) => Err(error),
            Err(PortTaken(None)) => Err(PostgresError::StartFailed {
                instance_id: self.inner.instance_id.clone(),
                reason: format!("port {} is taken by another program", self.port()),
                log_excerpt: log_tail(&self.log_path(), 6),
            }),
        }
    }

    /// Starts the server on the recorded port and waits until it accepts
    /// connections. `Err(PortTaken(None))` means the port was taken.
    async fn launch(&self) -> Result<(), PortTaken> {
        let shared = &self.inner.shared;
        let dir = &self.inner.dir;
        let port = self.port();
        let log = self.log_path();
        let log_start = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
        let setting = |name: &str, value: &Path| {
            let mut text = std::ffi::OsString::from(format!("{name}="));
            text.push(value.as_os_str());
            text
        };
        let args: Vec<std::ffi::OsString> = vec![
            "-D".into(),
            self.data_dir().into_os_string(),
            "-c".into(),
            setting("config_file", &dir.join("postgresql.conf")),
            "-c".into(),
            setting("hba_file", &dir.join("pg_hba.conf")),
            "-c".into(),
            setting("ident_file", &dir.join("pg_ident.conf")),
            "-c".into(),
            setting("unix_socket_directories", dir),
            "-c".into(),
            format!("listen_addresses={HOST}").into(),
            "-c".into(),
            format!("port={port}").into(),
            "-c".into(),
            format!("cluster_name={}", cluster_name(&self.inner.instance_id)).into(),
            "-c".into(),
            "logging_collector=off".into(),
        ];
        let command = shared
            .launcher
            .command(&shared.binaries.postgres(), args, dir, &log)
            .map_err(|error| PortTaken(Some(error)))?;
        self.set_status(ClusterStatus::Starting);
        let process = process::spawn(command, "postgres")
            .await
            .map_err(|error| PortTaken(Some(error)))?;
        self.state().process = Some(process.clone());

        let limit = shared.options.start_timeout;
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = process.exit_status() {
                self.set_status(ClusterStatus::Failed);
                let new_log = log_since(&log, log_start);
                if new_log.contains("Address already in use") {
                    return Err(PortTaken(None));
                }
                return Err(PortTaken(Some(PostgresError::StartFailed {
                    instance_id: self.inner.instance_id.clone(),
                    reason: format!("the server exited ({status})"),
                    log_excerpt: log_tail(&log, 8),
                })));
            }
            if self.accepts_connections().await {
                self.set_status(ClusterStatus::Running);
                return Ok(());
            }
            if Instant::now() >= deadline {
                process.kill_group();
                process.wait(Duration::from_secs(5)).await;
                self.set_status(ClusterStatus::Failed);
                return Err(PortTaken(Some(PostgresError::StartFailed {
                    instance_id: self.inner.instance_id.clone(),
                    reason: format!("it did not accept connections within {limit:?}"),
                    log_excerpt: log_tail(&log, 8),
                })));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether the server answers a connection: a login, or any refusal
    /// other than "not accepting connections yet" (a standby's catalog may
    /// not know the administrator).
    pub(crate) async fn accepts_connections(&self) -> bool {
        match self.socket_client("postgres").await {
            Ok(_) => true,
            Err(PostgresError::Sql { source, .. }) => match source.code() {
                Some(code) => *code != SqlState::CANNOT_CONNECT_NOW,
                None => false,
            },
            Err(_) => false,
        }
    }

    pub(crate) async fn stop_locked(&self) -> Result<(), PostgresError> {
        let process = self.state().process.clone();
        let Some(process) = process else {
            if self.status() != ClusterStatus::Deleted {
                self.set_status(ClusterStatus::Stopped);
            }
            return Ok(());
        };
        if process.exit_status().is_none() {
            self.set_status(ClusterStatus::Stopping);
            process.signal(Signal::INT);
            if process.wait(self.options().stop_timeout).await.is_none() {
                process.signal(Signal::QUIT);
                if process.wait(Duration::from_secs(5)).await.is_none() {
                    process.kill_group();
                    if process.wait(Duration::from_secs(5)).await.is_none() {
                        return Err(PostgresError::timeout(
                            format!("stopping the server of {}", self.inner.instance_id),
                            self.options().stop_timeout + Duration::from_secs(10),
                        ));
                    }
                }
            }
        }
        // A server stopped harder may leave children for a moment.
        let data = self.data_dir();
        let _ = tokio::task::spawn_blocking(move || root::kill_processes_in(&data)).await;
        let mut state = self.state();
        state.process = None;
        state.status = ClusterStatus::Stopped;
        Ok(())
    }

    /// Stops the server at once, without a runtime: immediate shutdown
    /// (SIGQUIT), then SIGKILL, then any process left in the directory.
    pub(crate) fn kill_blocking(&self) {
        let process = self.state().process.take();
        if let Some(process) = process {
            process.signal(Signal::QUIT);
            if process.wait_blocking(Duration::from_secs(5)).is_none() {
                process.kill_group();
                process.wait_blocking(Duration::from_secs(2));
            }
        }
        root::kill_processes_in(&self.inner.dir);
        let mut state = self.state();
        if state.status != ClusterStatus::Deleted {
            state.status = ClusterStatus::Stopped;
        }
    }
}

/// A failed launch: `None` when the port turned out taken (another may be
/// tried), else the error.
struct PortTaken(Option<PostgresError>);

/// A port of `127.0.0.1` nobody listens on right now.
fn free_port() -> std::io::Result<u16> {
    let listener = TcpListener::bind((HOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// `cluster_name` (shown in the servers' process titles) from an instance
/// ID, keeping the characters a setting value can hold unquoted.
fn cluster_name(instance_id: &str) -> String {
    instance_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What `path` gained after its first `from` bytes.
fn log_since(path: &Path, from: u64) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let start = usize::try_from(from).unwrap_or(0).min(bytes.len());
    String::from_utf8_lossy(&bytes[start..]).into_owned()
}
