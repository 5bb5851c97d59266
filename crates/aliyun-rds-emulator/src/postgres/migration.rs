//! The cloud migration by physical replication, as RDS performs it: a base
//! backup of the source becomes the target's data, the target streams the
//! source's changes as a standby, and the switchover promotes it.
//!
//! The steps are described on [`Migration`].

use std::fmt;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use super::cluster::{Cluster, ClusterStatus};
use super::error::{server_message, PostgresError};
use super::precheck::SourceEndpoint;
use super::process::{self};
use super::ADMIN_ROLE;

/// The stage of a migration (`MigrateStage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MigrationStage {
    /// The base backup of the source is being copied (`basebackup`).
    BaseBackup,
    /// The target is starting as a standby (`startup`).
    Startup,
    /// The target streams the source's changes (`increment`).
    Increment,
    /// A switchover is under way (`switch`).
    Switching,
    /// The target was promoted (`success`).
    Success,
    /// The migration stopped on an error ([`MigrationProgress::error`]);
    /// RDS documents no value for it, the emulator answers `failed`.
    Failed,
}

impl MigrationStage {
    /// The stage as `MigrateStage` reports it.
    pub fn wire(self) -> &'static str {
        match self {
            MigrationStage::BaseBackup => "basebackup",
            MigrationStage::Startup => "startup",
            MigrationStage::Increment => "increment",
            MigrationStage::Switching => "switch",
            MigrationStage::Success => "success",
            MigrationStage::Failed => "failed",
        }
    }
}

/// The replication between source and target (`ReplicationState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplicationState {
    /// Not streaming yet (`unstarted`).
    Unstarted,
    /// Streaming and catching up with the source (`catchup`).
    Catchup,
    /// Streaming, caught up: ready to switch over (`streaming`).
    Streaming,
    /// The target's WAL receiver is not connected (`disconnect`).
    Disconnect,
    /// Switched over (`finish`).
    Finish,
}

impl ReplicationState {
    /// The state as `ReplicationState` reports it.
    pub fn wire(self) -> &'static str {
        match self {
            ReplicationState::Unstarted => "unstarted",
            ReplicationState::Catchup => "catchup",
            ReplicationState::Streaming => "streaming",
            ReplicationState::Disconnect => "disconnect",
            ReplicationState::Finish => "finish",
        }
    }
}

/// The target's replication link, from its `pg_stat_wal_receiver` and
/// replay position: what `ReplicationInfo` reports, as text (`null` when
/// the server has no value).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReplicationInfo {
    /// The WAL receiver's status (`streaming`, ...).
    pub status: String,
    /// Where streaming started.
    pub receive_start_lsn: String,
    /// The timeline streaming started on.
    pub receive_start_tli: String,
    /// The last position received and flushed.
    pub received_lsn: String,
    /// The timeline of that position.
    pub received_tli: String,
    /// The last position the source reported.
    pub latest_end_lsn: String,
    /// When the source reported it.
    pub latest_end_time: String,
    /// When the source sent its last message.
    pub last_msg_send_time: String,
    /// When the target received it.
    pub last_msg_receipt_time: String,
    /// The last position replayed.
    pub replay_lsn: String,
    /// The commit time of the last replayed transaction.
    pub replay_timestamp: String,
    /// How many bytes of the source's WAL are not replayed yet.
    pub replay_lag: String,
    /// The connection string, with the password masked by the server (the
    /// emulator uses a password file anyway).
    pub conninfo: String,
    /// Whether the target has replayed everything the source has written.
    pub synced: bool,
    /// Whether the target is a standby (in recovery).
    pub is_slave: bool,
}

impl ReplicationInfo {
    /// The JSON text `ReplicationInfo` carries, with the documented keys
    /// and every value a string.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "Status": self.status,
            "ReceiveStartLsn": self.receive_start_lsn,
            "ReceiveStartTli": self.receive_start_tli,
            "ReceivedLsn": self.received_lsn,
            "ReceivedTli": self.received_tli,
            "LatestEndLsn": self.latest_end_lsn,
            "LatestEndTime": self.latest_end_time,
            "LastMsgSendTime": self.last_msg_send_time,
            "LastMsgReceiptTime": self.last_msg_receipt_time,
            "ReplayLsn": self.replay_lsn,
            "ReplayTimestamp": self.replay_timestamp,
            "ReplayLag": self.replay_lag,
            "Conninfo": self.conninfo,
            "Synced": self.synced.to_string(),
            "IsSlave": self.is_slave.to_string(),
        })
        .to_string()
    }
}

/// What [`Migration::progress`] read from the servers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationProgress {
    /// The stage.
    pub stage: MigrationStage,
    /// The replication state.
    pub replication_state: ReplicationState,
    /// Bytes of the source's WAL the target has not replayed, when both
    /// servers could be read.
    pub lag_bytes: Option<u64>,
    /// The target's replication link, once it streams.
    pub info: Option<ReplicationInfo>,
    /// Why the migration failed, in stage [`MigrationStage::Failed`].
    pub error: Option<String>,
    /// When the switchover promoted the target.
    pub switched_at: Option<SystemTime>,
}

impl MigrationProgress {
    /// Ready to switch over: `increment` and `streaming`.
    pub fn ready_to_switch(&self) -> bool {
        self.stage == MigrationStage::Increment
            && self.replication_state == ReplicationState::Streaming
    }
}

/// What a switchover did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchoverReport {
    /// The source's WAL position when the switchover began.
    pub source_lsn: String,
    /// The target's replay position when it was promoted (at least
    /// `source_lsn`, unless forced).
    pub replayed_lsn: String,
    /// When the target was promoted.
    pub switched_at: SystemTime,
}

#[derive(Debug)]
struct TaskState {
    stage: MigrationStage,
    error: Option<String>,
    switched_at: Option<SystemTime>,
}

#[derive(Debug)]
struct MigrationInner {
    source: SourceEndpoint,
    target: Cluster,
    application_name: String,
    /// The source's bootstrap superuser, whom the standby is administered
    /// as.
    source_superuser: String,
    state: Mutex<TaskState>,
    switching: tokio::sync::Mutex<()>,
}

/// A cloud migration into one cluster. Cloning gives another handle to the
/// same migration.
///
/// [`Engine::start_migration`] returns a [`Migration`] at once; in the
/// background:
///
/// 1. **`basebackup`**: the target's server stops and its data directory
///    is replaced by `pg_basebackup` of the source (`-X stream`, a fast
///    checkpoint), logging in as the migration account with a password
///    file (`migration.pgpass` in the cluster's directory, mode 0600, the
///    cluster user's) rather than on a command line. The emulator's
///    configuration is outside the data directory, so it stays; the
///    target's own `postgresql.auto.conf` is put back over the source's.
/// 2. **`startup`**: the target starts as a standby (`standby.signal`,
///    `primary_conninfo` with `application_name=rds_<instance>`); its
///    catalog is now the source's, so the emulator administers it as the
///    source's bootstrap superuser (read from the source's `pg_roles`
///    beforehand).
/// 3. **`increment`**: from the first time the target's WAL receiver
///    streams. [`Migration::progress`] reads the replication state from
///    the servers: the source's `pg_stat_replication` (`catchup`,
///    `streaming`), the target's `pg_stat_wal_receiver` (`disconnect` when
///    it is not streaming), and the lag between the source's current WAL
///    position and the target's replay position.
///
/// [`Migration::switchover`] reads the source's current WAL position,
/// waits until the target has replayed up to it, promotes the target
/// (`pg_promote`), checks that it left recovery, recreates the emulator's
/// administrator ([`ADMIN_ROLE`]) in what is now the target's catalog, and
/// removes the replication settings and the password file: the task is
/// `success`. A migration that fails before streaming leaves the target
/// empty and running again, and reports `failed` with the reason.
///
/// [`Engine::start_migration`]: super::Engine::start_migration
/// [`ADMIN_ROLE`]: super::ADMIN_ROLE
#[derive(Debug, Clone)]
pub struct Migration {
    inner: Arc<MigrationInner>,
}

impl Migration {
    pub(crate) async fn start(
        source: SourceEndpoint,
        target: Cluster,
    ) -> Result<Migration, PostgresError> {
        let instance_id = target.instance_id().to_owned();
        let refuse = |reason: String| PostgresError::MigrationState {
            instance_id: instance_id.clone(),
            reason,
        };
        if target.status() != ClusterStatus::Running {
            return Err(refuse(format!(
                "the target is {}, not running",
                target.status()
            )));
        }
        let limit = target.options().connect_timeout;
        let client = source
            .connect("postgres", limit)
            .await
            .map_err(|reason| refuse(format!("cannot connect to the source: {reason}")))?;
        let row = client
            .query_one("SELECT rolname::text FROM pg_roles WHERE oid = 10", &[])
            .await
            .map_err(|error| {
                refuse(format!(
                    "cannot read the source's roles: {}",
                    server_message(&error)
                ))
            })?;
        let source_superuser: String = row.get(0);
        let application_name: String = format!("rds_{}", target.instance_id())
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .take(63)
            .collect();
        let migration = Migration {
            inner: Arc::new(MigrationInner {
                source,
                target,
                application_name,
                source_superuser,
                state: Mutex::new(TaskState {
                    stage: MigrationStage::BaseBackup,
                    error: None,
                    switched_at: None,
                }),
                switching: tokio::sync::Mutex::new(()),
            }),
        };
        let background = migration.clone();
        tokio::spawn(async move { background.run().await });
        Ok(migration)
    }

    /// The target cluster.
    pub fn target(&self) -> &Cluster {
        &self.inner.target
    }

    /// The source.
    pub fn source(&self) -> &SourceEndpoint {
        &self.inner.source
    }

    /// The stage, without asking the servers.
    pub fn stage(&self) -> MigrationStage {
        self.state().stage
    }

    fn state(&self) -> MutexGuard<'_, TaskState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set_stage(&self, stage: MigrationStage) {
        self.state().stage = stage;
    }

    fn password_file(&self) -> PathBuf {
        self.inner.target.dir().join("migration.pgpass")
    }

    /// The connection string of the source, for `pg_basebackup` and the
    /// standby: the password is in the password file.
    fn conninfo(&self) -> String {
        let source = &self.inner.source;
        format!(
            "host={} port={} user={} passfile={} application_name={} connect_timeout=10",
            conninfo_value(&source.ip().to_string()),
            source.port(),
            conninfo_value(source.account()),
            conninfo_value(&self.password_file().to_string_lossy()),
            conninfo_value(&self.inner.application_name),
        )
    }

    async fn run(&self) {
        let cluster = self.inner.target.clone();
        let lifecycle = cluster.inner.lifecycle.lock().await;
        let auto_path = cluster.data_dir().join("postgresql.auto.conf");
        let auto_conf = std::fs::read_to_string(&auto_path).unwrap_or_default();
        let result = self.copy_and_start(&cluster, &auto_conf).await;
        if let Err(error) = result {
            let _ = std::fs::remove_file(self.password_file());
            let reinitialized = cluster.reinitialize_locked(&auto_conf).await;
            let mut state = self.state();
            state.stage = MigrationStage::Failed;
            state.error = Some(match reinitialized {
                Ok(()) => error.to_string(),
                Err(again) => format!("{error}; the target could not be made empty again: {again}"),
            });
        }
        drop(lifecycle);
    }

    /// Steps 1 and 2: the base backup, then the standby's start.
    async fn copy_and_start(
        &self,
        cluster: &Cluster,
        auto_conf: &str,
    ) -> Result<(), PostgresError> {
        let shared = &cluster.inner.shared;
        cluster.stop_locked().await?;
        cluster.set_status(ClusterStatus::Restoring);
        let data = cluster.data_dir();
        std::fs::remove_dir_all(&data)
            .map_err(|error| PostgresError::io("remove", &data, error))?;
        self.write_password_file()?;

        let log = cluster.dir().join("basebackup.log");
        let command = shared.launcher.command(
            &shared.binaries.pg_basebackup(),
            [
                "-D".to_owned(),
                data.to_string_lossy().into_owned(),
                "-d".to_owned(),
                self.conninfo(),
                "--wal-method=stream".to_owned(),
                "--checkpoint=fast".to_owned(),
                "--no-password".to_owned(),
                "--no-sync".to_owned(),
            ],
            cluster.dir(),
            &log,
        )?;
        process::run_to_end(
            command,
            "pg_basebackup",
            &log,
            shared.options.command_timeout,
        )
        .await?;

        let auto_path = data.join("postgresql.auto.conf");
        let standby_conf =
            format!(
            "{auto_conf}{}# Set by the emulator for the cloud migration.\nprimary_conninfo = {}\n",
            if auto_conf.is_empty() || auto_conf.ends_with('\n') { "" } else { "\n" },
            conf_value(&self.conninfo())
        );
        std::fs::write(&auto_path, standby_conf)
            .map_err(|error| PostgresError::io("write", &auto_path, error))?;
        shared.launcher.own(&auto_path)?;
        let signal = data.join("standby.signal");
        std::fs::write(&signal, "").map_err(|error| PostgresError::io("write", &signal, error))?;
        shared.launcher.own(&signal)?;

        self.set_stage(MigrationStage::Startup);
        cluster.state().admin_role = self.inner.source_superuser.clone();
        cluster.start_locked().await
    }

    fn write_password_file(&self) -> Result<(), PostgresError> {
        let source = &self.inner.source;
        let path = self.password_file();
        let escape = |text: &str| text.replace('\\', "\\\\").replace(':', "\\:");
        let line = format!(
            "{}:{}:*:{}:{}\n",
            escape(&source.ip().to_string()),
            source.port(),
            escape(source.account()),
            escape(source.password())
        );
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(|error| PostgresError::io("write", &path, error))?;
        file.write_all(line.as_bytes())
            .map_err(|error| PostgresError::io("write", &path, error))?;
        self.inner.target.inner.shared.launcher.own(&path)
    }

    /// Reads the stage, the replication state and the lag from the
    /// servers. A target that streams for the first time moves the
    /// migration to `increment`.
    pub async fn progress(&self) -> MigrationProgress {
        let (stage, error, switched_at) = {
            let state = self.state();
            (state.stage, state.error.clone(), state.switched_at)
        };
        let mut progress = MigrationProgress {
            stage,
            replication_state: ReplicationState::Unstarted,
            lag_bytes: None,
            info: None,
            error,
            switched_at,
        };
        match stage {
            MigrationStage::BaseBackup => return progress,
            MigrationStage::Success => {
                progress.replication_state = ReplicationState::Finish;
                return progress;
            }
            MigrationStage::Failed => {
                progress.replication_state = ReplicationState::Disconnect;
                return progress;
            }
            MigrationStage::Startup | MigrationStage::Increment | MigrationStage::Switching => {}
        }
        let target = self.read_target().await;
        let source = self.read_source().await;
        let Ok(mut info) = target else {
            progress.replication_state = if stage == MigrationStage::Startup {
                ReplicationState::Unstarted
            } else {
                ReplicationState::Disconnect
            };
            return progress;
        };
        let streaming = info.status == "streaming";
        if stage == MigrationStage::Startup {
            if !streaming {
                return progress;
            }
            // First stream seen: the standby is up and replicating.
            let mut state = self.state();
            if state.stage == MigrationStage::Startup {
                state.stage = MigrationStage::Increment;
            }
            progress.stage = state.stage;
        }
        if let Ok(source) = &source {
            if let (Some(current), Some(replayed)) =
                (parse_lsn(&source.current_lsn), parse_lsn(&info.replay_lsn))
            {
                let lag = current.saturating_sub(replayed);
                progress.lag_bytes = Some(lag);
                info.replay_lag = lag.to_string();
                info.synced = lag == 0;
            }
        }
        progress.replication_state = if !streaming {
            ReplicationState::Disconnect
        } else {
            match source
                .as_ref()
                .ok()
                .and_then(|source| source.sender_state.as_deref())
            {
                Some("streaming") => ReplicationState::Streaming,
                _ => ReplicationState::Catchup,
            }
        };
        progress.info = Some(info);
        progress
    }

    /// Switches over: waits at most `wait_limit` for the target to replay
    /// everything the source had written when the switchover began, then
    /// promotes it. Refused unless the migration is in `increment`.
    pub async fn switchover(
        &self,
        wait_limit: Duration,
    ) -> Result<SwitchoverReport, PostgresError> {
        self.switch(Some(wait_limit)).await
    }

    /// Switches over without waiting for the target to catch up
    /// (`ForceSwitch=1`): what the source wrote that the target has not
    /// replayed is not on the target.
    pub async fn force_switchover(&self) -> Result<SwitchoverReport, PostgresError> {
        self.switch(None).await
    }

    async fn switch(
        &self,
        wait_limit: Option<Duration>,
    ) -> Result<SwitchoverReport, PostgresError> {
        let _switching = self.inner.switching.lock().await;
        let cluster = self.inner.target.clone();
        let refuse = |reason: String| PostgresError::MigrationState {
            instance_id: cluster.instance_id().to_owned(),
            reason,
        };
        // Refreshes the stage (startup moves to increment once streaming).
        let progress = self.progress().await;
        match progress.stage {
            MigrationStage::Increment => {}
            MigrationStage::Success => {
                return Err(refuse("it was switched over already".to_owned()))
            }
            MigrationStage::Failed => {
                return Err(refuse(format!(
                    "it failed: {}",
                    progress.error.unwrap_or_default()
                )))
            }
            stage => {
                return Err(refuse(format!(
                    "it is in stage {}, and switches over only in increment",
                    stage.wire()
                )))
            }
        }
        let _lifecycle = cluster.inner.lifecycle.lock().await;
        self.set_stage(MigrationStage::Switching);
        let result = self.promote(&cluster, wait_limit).await;
        match &result {
            Ok(report) => {
                let mut state = self.state();
                state.stage = MigrationStage::Success;
                state.switched_at = Some(report.switched_at);
            }
            Err(error) => {
                // Before the promotion the target still streams and may
                // switch over again; after it, the task cannot go back.
                let mut in_recovery = true;
                if let Ok(client) = cluster.socket_client("postgres").await {
                    if let Ok(row) = client.query_one("SELECT pg_is_in_recovery()", &[]).await {
                        in_recovery = row.get(0);
                    }
                }
                let mut state = self.state();
                if in_recovery {
                    state.stage = MigrationStage::Increment;
                } else {
                    state.stage = MigrationStage::Failed;
                    state.error = Some(format!("the target was promoted, but: {error}"));
                }
            }
        }
        result
    }

    async fn promote(
        &self,
        cluster: &Cluster,
        wait_limit: Option<Duration>,
    ) -> Result<SwitchoverReport, PostgresError> {
        let instance_id = cluster.instance_id().to_owned();
        let source_lsn = match self.read_source().await {
            Ok(source) => source.current_lsn,
            Err(reason) if wait_limit.is_none() => format!("unknown ({reason})"),
            Err(reason) => {
                return Err(PostgresError::MigrationState {
                    instance_id,
                    reason: format!("cannot read the source's WAL position: {reason}"),
                })
            }
        };
        let target = cluster.socket_client("postgres").await?;
        let replayed = || async {
            target
                .query_one("SELECT pg_last_wal_replay_lsn()::text", &[])
                .await
                .map(|row| row.get::<_, Option<String>>(0).unwrap_or_default())
                .map_err(|error| PostgresError::sql("read the target's replay position", error))
        };
        let mut replayed_lsn = replayed().await?;
        if let Some(limit) = wait_limit {
            let wanted = parse_lsn(&source_lsn).unwrap_or(u64::MAX);
            let deadline = Instant::now() + limit;
            while parse_lsn(&replayed_lsn).unwrap_or(0) < wanted {
                if Instant::now() >= deadline {
                    return Err(PostgresError::timeout(
                        format!("the target replaying the source up to {source_lsn} (it is at {replayed_lsn})"),
                        limit,
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                replayed_lsn = replayed().await?;
            }
        }

        let promoted: bool = target
            .query_one("SELECT pg_promote(true, 60)", &[])
            .await
            .map_err(|error| PostgresError::sql("promote the target", error))?
            .get(0);
        let in_recovery: bool = target
            .query_one("SELECT pg_is_in_recovery()", &[])
            .await
            .map_err(|error| PostgresError::sql("check the promotion", error))?
            .get(0);
        if !promoted || in_recovery {
            return Err(PostgresError::MigrationState {
                instance_id,
                reason: "the target did not leave recovery within 60 s".to_owned(),
            });
        }
        let switched_at = SystemTime::now();

        // The catalog is the source's: the emulator's administrator comes
        // back, and the replication settings and password go.
        let admin = super::admin::ident(ADMIN_ROLE);
        target
            .batch_execute(&format!(
                "DO $$ BEGIN \
                   IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ADMIN_ROLE}') THEN \
                     ALTER ROLE {admin} SUPERUSER LOGIN; \
                   ELSE \
                     CREATE ROLE {admin} SUPERUSER LOGIN; \
                   END IF; \
                 END $$"
            ))
            .await
            .map_err(|error| PostgresError::sql("recreate the administrator", error))?;
        target
            .batch_execute("ALTER SYSTEM RESET primary_conninfo")
            .await
            .map_err(|error| PostgresError::sql("reset primary_conninfo", error))?;
        target
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .map_err(|error| PostgresError::sql("reload the configuration", error))?;
        drop(target);
        cluster.state().admin_role = ADMIN_ROLE.to_owned();
        let _ = std::fs::remove_file(self.password_file());
        Ok(SwitchoverReport {
            source_lsn,
            replayed_lsn,
            switched_at,
        })
    }

    /// The target's WAL receiver and replay position.
    async fn read_target(&self) -> Result<ReplicationInfo, String> {
        let client = self
            .inner
            .target
            .socket_client("postgres")
            .await
            .map_err(|error| error.to_string())?;
        let row = client
            .query_one(
                "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, \
                        pg_last_xact_replay_timestamp()::text, \
                        (SELECT row_to_json(r)::text FROM pg_stat_wal_receiver r LIMIT 1)",
                &[],
            )
            .await
            .map_err(|error| server_message(&error))?;
        let receiver: Option<String> = row.get(3);
        let receiver: serde_json::Value = receiver
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(serde_json::Value::Null);
        let field = |names: &[&str]| -> String {
            names
                .iter()
                .find_map(|name| match receiver.get(*name) {
                    Some(serde_json::Value::String(text)) => Some(text.clone()),
                    Some(serde_json::Value::Null) | None => None,
                    Some(other) => Some(other.to_string()),
                })
                .unwrap_or_else(|| "null".to_owned())
        };
        let null = |value: Option<String>| value.unwrap_or_else(|| "null".to_owned());
        Ok(ReplicationInfo {
            status: field(&["status"]),
            receive_start_lsn: field(&["receive_start_lsn"]),
            receive_start_tli: field(&["receive_start_tli"]),
            // PostgreSQL 13 renamed received_lsn to flushed_lsn.
            received_lsn: field(&["flushed_lsn", "received_lsn"]),
            received_tli: field(&["received_tli"]),
            latest_end_lsn: field(&["latest_end_lsn"]),
            latest_end_time: field(&["latest_end_time"]),
            last_msg_send_time: field(&["last_msg_send_time"]),
            last_msg_receipt_time: field(&["last_msg_receipt_time"]),
            replay_lsn: null(row.get(1)),
            replay_timestamp: null(row.get(2)),
            replay_lag: "null".to_owned(),
            conninfo: field(&["conninfo"]),
            synced: false,
            is_slave: row.get(0),
        })
    }

    /// The source's current WAL position and the state of its WAL sender to
    /// the target.
    async fn read_source(&self) -> Result<SourceReading, String> {
        let limit = self.inner.target.options().connect_timeout;
        let client = self.inner.source.connect("postgres", limit).await?;
        let row = client
            .query_one(
                "SELECT pg_current_wal_lsn()::text, \
                        (SELECT state FROM pg_stat_replication WHERE application_name = $1 LIMIT 1)",
                &[&self.inner.application_name],
            )
            .await
            .map_err(|error| server_message(&error))?;
        Ok(SourceReading {
            current_lsn: row.get(0),
            sender_state: row.get(1),
        })
    }
}

struct SourceReading {
    current_lsn: String,
    sender_state: Option<String>,
}

/// A WAL position (`16/B374D848`) as a byte offset.
pub(crate) fn parse_lsn(text: &str) -> Option<u64> {
    let (high, low) = text.split_once('/')?;
    let high = u64::from_str_radix(high, 16).ok()?;
    let low = u64::from_str_radix(low, 16).ok()?;
    Some((high << 32) | low)
}

/// A value of a libpq connection string, quoted.
fn conninfo_value(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A string value of a PostgreSQL configuration file, quoted.
fn conf_value(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

impl fmt::Display for MigrationStage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire())
    }
}

impl fmt::Display for ReplicationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wire())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wal_positions_parse_as_byte_offsets() {
        assert_eq!(parse_lsn("0/3000148"), Some(0x300_0148));
        assert_eq!(parse_lsn("16/B374D848"), Some((0x16 << 32) | 0xB374_D848));
        assert_eq!(parse_lsn("null"), None);
    }

    #[test]
    fn replication_info_has_the_documented_keys() {
        let info = ReplicationInfo {
            status: "streaming".into(),
            synced: true,
            is_slave: true,
            ..ReplicationInfo::default()
        };
        let json: serde_json::Value = serde_json::from_str(&info.to_json()).unwrap();
        assert_eq!(json["Status"], "streaming");
        assert_eq!(json["Synced"], "true");
        assert_eq!(json["IsSlave"], "true");
        for key in [
            "ReceiveStartLsn",
            "ReceivedLsn",
            "ReplayLsn",
            "ReplayLag",
            "Conninfo",
            "LatestEndTime",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }

    #[test]
    fn quoted_values_escape_quotes_and_backslashes() {
        assert_eq!(conninfo_value("a'b\\c"), "'a\\'b\\\\c'");
    }
}
