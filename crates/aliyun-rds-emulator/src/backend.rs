//! The seam where a real database engine stands behind emulated
//! instances.
//!
//! The emulator's model keeps every instance in memory. An
//! [`EngineBackend`] given to
//! [`EmulatorBuilder::engine_backend`](crate::EmulatorBuilder::engine_backend)
//! makes the instances of the engines it serves real as well. Every
//! instance created through the API with an engine the backend
//! [serves](EngineBackend::serves) is *backed*: the backend is told of
//! every change to it, its changes in progress end only once the backend
//! is ready, and the describe operations report the backend's endpoint.
//! Instances of a fixture or a state file stay in memory.
//!
//! # Changes: validated, applied, then committed
//!
//! A backend works at its own pace (starting a server takes seconds), so
//! the emulator never holds its model's lock while it waits for one. An
//! operation that changes a backed instance runs in three steps:
//!
//! 1. **Validate**, under the model's lock: the operation checks the
//!    request against the model's rules exactly as without a backend, up
//!    to the point where it would commit; there it names the change
//!    ([`InstanceChange`]) and stops, leaving the model as it was.
//! 2. **Apply**, without the lock: the emulator awaits
//!    [`EngineBackend::apply`]. Meanwhile every other call goes on,
//!    reading the model as it was before the change.
//! 3. **Commit**, under the lock again: the operation runs once more,
//!    validating against the model as it is now, finds its change
//!    applied, and commits it.
//!
//! An error from the backend refuses the call with the operation's
//! documented code ([`BackendError`]) and the model is left as it was.
//! Changes to one backed instance are applied one at a time, in the order
//! their calls arrived: each call holds the instance's gate (an async lock
//! per instance) from before it validates until it has committed, so the
//! model and the real instance see the same changes in the same order and
//! no update is lost. Calls to other instances, and every call that reads,
//! do not wait for it. A call whose client goes away still commits what
//! the backend applied.
//!
//! # The cloud migration
//!
//! A backend that [migrates](EngineBackend::migrates) performs the cloud
//! migration into its instances: [`EngineBackend::precheck`] runs the
//! precheck (in the background; the precheck task reports no verdict until
//! it ends), [`InstanceChange::MigrationStarted`] starts the migration,
//! [`EngineBackend::migration`] reports its progress, and
//! [`InstanceChange::SwitchedOver`] is the switchover. Otherwise the
//! model's own deterministic migration answers, as for fixture instances.
//!
//! # What runs under the lock
//!
//! [`EngineBackend::serves`], [`EngineBackend::migrates`],
//! [`EngineBackend::status`], [`EngineBackend::endpoint`] and
//! [`EngineBackend::migration`] are called while the model's lock is held,
//! on every call that reports a backed instance: they must answer at once
//! from what the backend already knows, never wait for a server.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;

/// The future an asynchronous [`EngineBackend`] method returns.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A change the model is about to commit to a backed instance.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum InstanceChange {
    /// A new instance (`CreateDBInstance`, `CreateReadOnlyDBInstance`,
    /// `CloneDBInstance`, `CreateTempDBInstance`).
    Created {
        /// `PostgreSQL`, `MySQL`, `SQLServer` or `MariaDB`.
        engine: String,
        /// For example `15.0`.
        engine_version: String,
        /// `DBInstanceStorage`, in GB.
        storage_gb: u32,
        /// The whitelist it starts with: addresses and CIDR blocks.
        security_ips: Vec<String>,
        /// The primary of a read-only or temporary instance.
        primary_id: Option<String>,
    },
    /// The instance is being released (`DeleteDBInstance`).
    Deleted,
    /// The instance restarts (`RestartDBInstance`).
    Restarted,
    /// The instance stops (`StopDBInstance`).
    Stopped,
    /// The instance starts again (`StartDBInstance`).
    Started,
    /// A new account.
    AccountCreated {
        /// Its name.
        name: String,
        /// Its password, which the model never keeps.
        password: String,
        /// `Normal`, `Super` or `Sysadmin`.
        kind: String,
    },
    /// An account is removed.
    AccountDeleted {
        /// Its name.
        name: String,
    },
    /// An account's password changes (`ResetAccountPassword`,
    /// `ResetAccount`).
    PasswordReset {
        /// The account.
        name: String,
        /// The new password, which the model never keeps.
        password: String,
    },
    /// An account is locked or unlocked.
    AccountLocked {
        /// The account.
        name: String,
        /// `true` when locked.
        locked: bool,
    },
    /// A new database.
    DatabaseCreated {
        /// Its name.
        name: String,
        /// `CharacterSetName` as the request sent it: for PostgreSQL
        /// `encoding[,collate[,ctype]]`, the parts left out being the
        /// server's defaults.
        character_set: String,
    },
    /// A database is removed.
    DatabaseDeleted {
        /// Its name.
        name: String,
    },
    /// An account gets a privilege on a database.
    PrivilegeGranted {
        /// The account.
        account: String,
        /// The database.
        database: String,
        /// `DBOwner`, `ReadWrite`, `ReadOnly`, `DDLOnly` or `DMLOnly`.
        privilege: String,
    },
    /// An account loses its privilege on a database.
    PrivilegeRevoked {
        /// The account.
        account: String,
        /// The database.
        database: String,
    },
    /// The instance's whitelist, every group and linked template together,
    /// is now these addresses and CIDR blocks.
    WhitelistChanged {
        /// The entries.
        entries: Vec<String>,
    },
    /// Parameters take these values (at once, or with `restart`).
    ParametersChanged {
        /// The parameters and their new values.
        values: Vec<(String, String)>,
        /// Whether the change restarts the instance.
        restart: bool,
    },
    /// A cloud migration into the instance starts
    /// (`CreateCloudMigrationTask`), for a backend that
    /// [migrates](EngineBackend::migrates).
    MigrationStarted {
        /// The self-managed source.
        source: MigrationSource,
    },
    /// The instance's cloud migration switches over
    /// (`ActivateMigrationTargetInstance`): the backend waits until the
    /// instance has replayed everything the source committed, then
    /// promotes it.
    SwitchedOver {
        /// `ForceSwitch=1`: promote without waiting.
        force: bool,
    },
}

impl InstanceChange {
    /// The change's name, as its variant is called (`AccountCreated`), for
    /// logs.
    pub fn kind(&self) -> &'static str {
        match self {
            InstanceChange::Created { .. } => "Created",
            InstanceChange::Deleted => "Deleted",
            InstanceChange::Restarted => "Restarted",
            InstanceChange::Stopped => "Stopped",
            InstanceChange::Started => "Started",
            InstanceChange::AccountCreated { .. } => "AccountCreated",
            InstanceChange::AccountDeleted { .. } => "AccountDeleted",
            InstanceChange::PasswordReset { .. } => "PasswordReset",
            InstanceChange::AccountLocked { .. } => "AccountLocked",
            InstanceChange::DatabaseCreated { .. } => "DatabaseCreated",
            InstanceChange::DatabaseDeleted { .. } => "DatabaseDeleted",
            InstanceChange::PrivilegeGranted { .. } => "PrivilegeGranted",
            InstanceChange::PrivilegeRevoked { .. } => "PrivilegeRevoked",
            InstanceChange::WhitelistChanged { .. } => "WhitelistChanged",
            InstanceChange::ParametersChanged { .. } => "ParametersChanged",
            InstanceChange::MigrationStarted { .. } => "MigrationStarted",
            InstanceChange::SwitchedOver { .. } => "SwitchedOver",
        }
    }
}

impl fmt::Debug for InstanceChange {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Passwords never reach Debug output.
        let mut out = formatter.debug_struct(self.kind());
        match self {
            InstanceChange::Created {
                engine,
                engine_version,
                storage_gb,
                security_ips,
                primary_id,
            } => out
                .field("engine", engine)
                .field("engine_version", engine_version)
                .field("storage_gb", storage_gb)
                .field("security_ips", security_ips)
                .field("primary_id", primary_id),
            InstanceChange::Deleted
            | InstanceChange::Restarted
            | InstanceChange::Stopped
            | InstanceChange::Started => &mut out,
            InstanceChange::AccountCreated { name, kind, .. } => out
                .field("name", name)
                .field("password", &"<redacted>")
                .field("kind", kind),
            InstanceChange::PasswordReset { name, .. } => {
                out.field("name", name).field("password", &"<redacted>")
            }
            InstanceChange::AccountDeleted { name } | InstanceChange::DatabaseDeleted { name } => {
                out.field("name", name)
            }
            InstanceChange::AccountLocked { name, locked } => {
                out.field("name", name).field("locked", locked)
            }
            InstanceChange::DatabaseCreated {
                name,
                character_set,
            } => out
                .field("name", name)
                .field("character_set", character_set),
            InstanceChange::PrivilegeGranted {
                account,
                database,
                privilege,
            } => out
                .field("account", account)
                .field("database", database)
                .field("privilege", privilege),
            InstanceChange::PrivilegeRevoked { account, database } => {
                out.field("account", account).field("database", database)
            }
            InstanceChange::WhitelistChanged { entries } => out.field("entries", entries),
            InstanceChange::ParametersChanged { values, restart } => {
                out.field("values", values).field("restart", restart)
            }
            InstanceChange::MigrationStarted { source } => out.field("source", source),
            InstanceChange::SwitchedOver { force } => out.field("force", force),
        };
        out.finish()
    }
}

/// The self-managed PostgreSQL of a cloud migration: `SourceIpAddress`,
/// `SourcePort`, `SourceAccount` and `SourcePassword`.
#[derive(Clone, PartialEq, Eq)]
pub struct MigrationSource {
    /// The source's address.
    pub ip: IpAddr,
    /// Its port.
    pub port: u16,
    /// The account the migration logs in as.
    pub account: String,
    /// Its password; the emulator keeps it only as long as the call (or
    /// the background precheck) that needs it.
    pub password: String,
}

impl fmt::Debug for MigrationSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("MigrationSource")
            .field("ip", &self.ip)
            .field("port", &self.port)
            .field("account", &self.account)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Where the real instance is in a change that takes time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BackendStatus {
    /// Up and serving: a change in progress may end.
    Ready,
    /// Still being created, restarted or started: the instance keeps its
    /// status in progress.
    InProgress,
}

/// The address of a real instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendEndpoint {
    /// A host name or IP address clients can connect to.
    pub host: String,
    /// Its port.
    pub port: u16,
}

/// The outcome of a precheck a backend ran ([`EngineBackend::precheck`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecheckOutcome {
    /// The report, as `DescribeCloudMigrationPrecheckResult` answers it in
    /// `Detail`: ending with `*Migrate check success*` or
    /// `*Migrate check failed*`.
    pub detail: String,
    /// Whether it passed: a migration task may then be created.
    pub passed: bool,
}

/// The progress of a migration a backend runs
/// ([`EngineBackend::migration`]), with the values
/// `DescribeCloudMigrationResult` documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// `MigrateStage`: `basebackup`, `startup`, `increment`, `switch`,
    /// `success`, or `failed` when the migration stopped on an error.
    pub migrate_stage: String,
    /// `ReplicationState`: `unstarted`, `catchup`, `streaming`,
    /// `disconnect` or `finish`.
    pub replication_state: String,
    /// `ReplicationInfo`: a JSON document in a string.
    pub replication_info: String,
    /// Why the migration failed, for `Detail`.
    pub error: Option<String>,
}

impl MigrationReport {
    /// A report in `migrate_stage` and `replication_state`, with an empty
    /// `ReplicationInfo` object and no error.
    pub fn new(migrate_stage: impl Into<String>, replication_state: impl Into<String>) -> Self {
        MigrationReport {
            migrate_stage: migrate_stage.into(),
            replication_state: replication_state.into(),
            replication_info: "{}".to_owned(),
            error: None,
        }
    }

    /// Ready to switch over: `increment` and `streaming`.
    pub fn ready_to_switch(&self) -> bool {
        self.migrate_stage == "increment" && self.replication_state == "streaming"
    }
}

/// Why a backend refused a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendError {
    code: Option<String>,
    message: String,
}

impl BackendError {
    /// A failure the caller should see as the operation's
    /// `Database.ConnectError` (or `ExternalFailure` where that is not
    /// documented), with `message` as its hint.
    pub fn new(message: impl Into<String>) -> Self {
        BackendError {
            code: None,
            message: message.into(),
        }
    }

    /// Answers the failure with this error code instead, when the
    /// operation documents it (for example `InvalidAccountName.Duplicate`
    /// for a role the cluster has already).
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }

    /// The code asked for, if any.
    pub fn code(&self) -> Option<&str> {
        self.code.as_deref()
    }

    /// What went wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for BackendError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for BackendError {}

/// A real database engine behind the emulated instances of some engines.
/// See the module documentation for when the emulator calls each method.
pub trait EngineBackend: Send + Sync + 'static {
    /// Whether the backend serves instances of `engine` (`PostgreSQL`,
    /// `MySQL`, `SQLServer`, `MariaDB`, as the API names them): new
    /// instances of that engine are backed.
    fn serves(&self, engine: &str) -> bool;

    /// Applies a change the model has validated and will commit once this
    /// returns `Ok`. An error refuses the API call; the model stays as it
    /// was. Called for one instance at a time (see the module
    /// documentation).
    fn apply<'a>(
        &'a self,
        instance_id: &'a str,
        change: &'a InstanceChange,
    ) -> BackendFuture<'a, Result<(), BackendError>>;

    /// Where the real instance is in a change that takes time. The default
    /// is always ready, so the emulator's pace alone decides. Called under
    /// the model's lock: it must answer at once.
    fn status(&self, instance_id: &str) -> BackendStatus {
        let _ = instance_id;
        BackendStatus::Ready
    }

    /// The endpoint of the real instance, reported as the instance's
    /// internal endpoint; `None` keeps the emulator's own. Called under
    /// the model's lock: it must answer at once.
    fn endpoint(&self, instance_id: &str) -> Option<BackendEndpoint> {
        let _ = instance_id;
        None
    }

    /// Whether the backend performs the cloud migration into its
    /// instances ([`precheck`](Self::precheck), [`migration`](Self::migration),
    /// and the [`InstanceChange::MigrationStarted`] and
    /// [`InstanceChange::SwitchedOver`] changes). The default is `false`:
    /// the model's own migration answers.
    fn migrates(&self) -> bool {
        false
    }

    /// Runs the cloud migration precheck of `source` into the instance.
    /// The emulator runs it in the background and reports the task as
    /// running until it returns. The default fails every precheck, saying
    /// the backend does not migrate.
    fn precheck<'a>(
        &'a self,
        instance_id: &'a str,
        source: &'a MigrationSource,
    ) -> BackendFuture<'a, PrecheckOutcome> {
        let _ = (instance_id, source);
        Box::pin(async {
            PrecheckOutcome {
                detail: "[Check backend]\nCheck migration supported: fail(error:this engine backend does not migrate)\n*Migrate check failed*".to_owned(),
                passed: false,
            }
        })
    }

    /// The progress of the migration into the instance, if one runs.
    /// Called under the model's lock: it must answer at once, from what
    /// the backend last read from its servers.
    fn migration(&self, instance_id: &str) -> Option<MigrationReport> {
        let _ = instance_id;
        None
    }

    /// The emulator was reset ([`RunningEmulator::reset`](crate::RunningEmulator::reset)):
    /// every instance the backend stands behind is gone from the model, so
    /// it should release them. Called under the model's lock: long work
    /// belongs in the background. The default does nothing.
    fn reset(&self) {}
}

/// The engine backend of an emulator, if it has one, as the crate passes
/// it around (its `Debug` says only whether there is one).
#[derive(Clone, Default)]
pub(crate) struct BackendSlot(pub(crate) Option<Arc<dyn EngineBackend>>);

impl fmt::Debug for BackendSlot {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(if self.0.is_some() {
            "BackendSlot(Some)"
        } else {
            "BackendSlot(None)"
        })
    }
}
