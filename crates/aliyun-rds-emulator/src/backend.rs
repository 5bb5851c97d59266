//! The seam where a real database engine can stand behind emulated
//! instances.
//!
//! The emulator's model keeps every instance in memory. An
//! [`EngineBackend`] given to
//! [`EmulatorBuilder::engine_backend`](crate::EmulatorBuilder::engine_backend)
//! makes the instances of the engines it serves real as well: the model
//! validates every change against the API's rules first, then tells the
//! backend through [`EngineBackend::apply`] before it commits the change
//! (an error refuses the call and leaves the model as it was); while an
//! instance is being created, restarted or started, its status stays in
//! progress until the backend reports [`BackendStatus::Ready`]; and the
//! describe operations report the backend's [`EngineBackend::endpoint`] as
//! the instance's internal endpoint, so clients can connect to it.
//!
//! The model calls the backend while it holds its lock, so calls must be
//! quick: long work (initialising a cluster) belongs in the background,
//! reported through [`EngineBackend::status`].

use std::fmt;

/// A change the model is about to commit to an instance the backend
/// serves.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum InstanceChange<'a> {
    /// A new instance (`CreateDBInstance`, `CreateReadOnlyDBInstance`,
    /// `CloneDBInstance`, ...).
    Created {
        /// `PostgreSQL`, `MySQL`, `SQLServer` or `MariaDB`.
        engine: &'a str,
        /// For example `15.0`.
        engine_version: &'a str,
        /// The primary of a read-only instance.
        primary_id: Option<&'a str>,
    },
    /// The instance is being released (`DeleteDBInstance`).
    Deleted,
    /// The instance restarts (`RestartDBInstance`, or a parameter change
    /// that needs one).
    Restarted,
    /// The instance stops (`StopDBInstance`).
    Stopped,
    /// The instance starts again (`StartDBInstance`).
    Started,
    /// A new account.
    AccountCreated {
        /// Its name.
        name: &'a str,
        /// Its password, which the model never keeps.
        password: &'a str,
        /// `Normal`, `Super` or `Sysadmin`.
        kind: &'a str,
    },
    /// An account is removed.
    AccountDeleted {
        /// Its name.
        name: &'a str,
    },
    /// An account's password changes (`ResetAccountPassword`,
    /// `ResetAccount`).
    PasswordReset {
        /// The account.
        name: &'a str,
        /// The new password, which the model never keeps.
        password: &'a str,
    },
    /// An account is locked or unlocked.
    AccountLocked {
        /// The account.
        name: &'a str,
        /// `true` when locked.
        locked: bool,
    },
    /// A new database.
    DatabaseCreated {
        /// Its name.
        name: &'a str,
        /// Its character set (for PostgreSQL with collate and ctype
        /// separate below).
        character_set: &'a str,
        /// PostgreSQL's collate; empty for other engines.
        collate: &'a str,
        /// PostgreSQL's ctype; empty for other engines.
        ctype: &'a str,
    },
    /// A database is removed.
    DatabaseDeleted {
        /// Its name.
        name: &'a str,
    },
    /// An account gets a privilege on a database.
    PrivilegeGranted {
        /// The account.
        account: &'a str,
        /// The database.
        database: &'a str,
        /// `DBOwner`, `ReadWrite`, `ReadOnly`, `DDLOnly` or `DMLOnly`.
        privilege: &'a str,
    },
    /// An account loses its privilege on a database.
    PrivilegeRevoked {
        /// The account.
        account: &'a str,
        /// The database.
        database: &'a str,
    },
    /// The instance's whitelist, every group together, is now these
    /// addresses and CIDR blocks.
    WhitelistChanged {
        /// The entries.
        entries: &'a [String],
    },
    /// Parameters take these values (at once, or with `restart`).
    ParametersChanged {
        /// The parameters and their new values.
        values: &'a [(String, String)],
        /// Whether the change restarts the instance.
        restart: bool,
    },
}

impl fmt::Debug for InstanceChange<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Passwords never reach Debug output.
        match self {
            InstanceChange::AccountCreated { name, kind, .. } => formatter
                .debug_struct("AccountCreated")
                .field("name", name)
                .field("password", &"<redacted>")
                .field("kind", kind)
                .finish(),
            InstanceChange::PasswordReset { name, .. } => formatter
                .debug_struct("PasswordReset")
                .field("name", name)
                .field("password", &"<redacted>")
                .finish(),
            InstanceChange::Created {
                engine,
                engine_version,
                primary_id,
            } => formatter
                .debug_struct("Created")
                .field("engine", engine)
                .field("engine_version", engine_version)
                .field("primary_id", primary_id)
                .finish(),
            InstanceChange::Deleted => formatter.write_str("Deleted"),
            InstanceChange::Restarted => formatter.write_str("Restarted"),
            InstanceChange::Stopped => formatter.write_str("Stopped"),
            InstanceChange::Started => formatter.write_str("Started"),
            InstanceChange::AccountDeleted { name } => formatter
                .debug_struct("AccountDeleted")
                .field("name", name)
                .finish(),
            InstanceChange::AccountLocked { name, locked } => formatter
                .debug_struct("AccountLocked")
                .field("name", name)
                .field("locked", locked)
                .finish(),
            InstanceChange::DatabaseCreated {
                name,
                character_set,
                collate,
                ctype,
            } => formatter
                .debug_struct("DatabaseCreated")
                .field("name", name)
                .field("character_set", character_set)
                .field("collate", collate)
                .field("ctype", ctype)
                .finish(),
            InstanceChange::DatabaseDeleted { name } => formatter
                .debug_struct("DatabaseDeleted")
                .field("name", name)
                .finish(),
            InstanceChange::PrivilegeGranted {
                account,
                database,
                privilege,
            } => formatter
                .debug_struct("PrivilegeGranted")
                .field("account", account)
                .field("database", database)
                .field("privilege", privilege)
                .finish(),
            InstanceChange::PrivilegeRevoked { account, database } => formatter
                .debug_struct("PrivilegeRevoked")
                .field("account", account)
                .field("database", database)
                .finish(),
            InstanceChange::WhitelistChanged { entries } => formatter
                .debug_struct("WhitelistChanged")
                .field("entries", entries)
                .finish(),
            InstanceChange::ParametersChanged { values, restart } => formatter
                .debug_struct("ParametersChanged")
                .field("values", values)
                .field("restart", restart)
                .finish(),
        }
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
/// See the module documentation for when the model calls each method.
pub trait EngineBackend: Send + Sync + 'static {
    /// Whether the backend serves instances of `engine` (`PostgreSQL`,
    /// `MySQL`, `SQLServer`, `MariaDB`, as the API names them).
    fn serves(&self, engine: &str) -> bool;

    /// Applies a change the model has checked and is about to commit. An
    /// error refuses the API call; the model stays as it was.
    fn apply(&self, instance_id: &str, change: &InstanceChange<'_>) -> Result<(), BackendError>;

    /// Where the real instance is in a change that takes time. The default
    /// is always ready, so the emulator's pace alone decides.
    fn status(&self, instance_id: &str) -> BackendStatus {
        let _ = instance_id;
        BackendStatus::Ready
    }

    /// The endpoint of the real instance, reported as the instance's
    /// internal endpoint; `None` keeps the emulator's own.
    fn endpoint(&self, instance_id: &str) -> Option<BackendEndpoint> {
        let _ = instance_id;
        None
    }
}
