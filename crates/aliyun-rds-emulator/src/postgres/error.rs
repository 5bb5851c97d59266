//! The one error type of the real-engine layer.
//!
//! Every failure says what was being done and, where PostgreSQL told us why,
//! its own words: the server log's last lines for a cluster that would not
//! start, the program's output for a failed `initdb` or `pg_basebackup`, the
//! server's message for a refused statement. Passwords never appear: the
//! layer sends them to the server only as SCRAM verifiers or through files,
//! and no variant carries one.

use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// What went wrong in the real-engine layer.
#[derive(Debug)]
#[non_exhaustive]
pub enum PostgresError {
    /// A PostgreSQL program the layer needs was not found.
    MissingBinary {
        /// The programs that were missing where the search ended.
        programs: Vec<&'static str>,
        /// Every place that was looked at, and what was found there.
        searched: Vec<String>,
    },
    /// A system tool the layer runs was not found (`setpriv` or `id`).
    MissingTool {
        /// The tool's name.
        tool: &'static str,
        /// What the layer needs it for, and where it comes from.
        purpose: &'static str,
    },
    /// The operating-system user meant to run the clusters does not exist.
    UnknownUser {
        /// The user name.
        user: String,
        /// What looking it up said.
        detail: String,
    },
    /// A file-system operation failed.
    Io {
        /// What was being done.
        action: String,
        /// The path it was done to.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// A PostgreSQL program (`initdb`, `pg_basebackup`) exited with an error.
    CommandFailed {
        /// The program.
        program: String,
        /// How it ended (`exit status: 1`, `signal: 9`).
        status: String,
        /// The last lines it wrote.
        output: String,
    },
    /// A cluster's server did not come up.
    StartFailed {
        /// The instance the cluster belongs to.
        instance_id: String,
        /// Why, in one sentence.
        reason: String,
        /// The last lines of the server log.
        log_excerpt: String,
    },
    /// Something did not finish in the time it was given.
    Timeout {
        /// What was being waited for.
        action: String,
        /// How long the layer waited.
        after: Duration,
    },
    /// A connection or statement was refused by a server.
    Sql {
        /// What was being done.
        action: String,
        /// The driver's error, with the server's message.
        source: tokio_postgres::Error,
    },
    /// An argument the layer cannot act on (a parameter name, an address, a
    /// character set). The value is never a secret.
    InvalidArgument {
        /// What the argument is.
        what: &'static str,
        /// The value given.
        value: String,
        /// Why it cannot be used.
        reason: String,
    },
    /// The operation needs a running cluster and this one is not.
    NotRunning {
        /// The instance the cluster belongs to.
        instance_id: String,
        /// Its status.
        status: String,
    },
    /// A migration step was asked for in the wrong stage (for example a
    /// switchover before the target streams from the source).
    MigrationState {
        /// The instance the migration targets.
        instance_id: String,
        /// What is wrong.
        reason: String,
    },
}

impl PostgresError {
    pub(crate) fn io(
        action: impl Into<String>,
        path: impl Into<PathBuf>,
        source: io::Error,
    ) -> Self {
        PostgresError::Io {
            action: action.into(),
            path: path.into(),
            source,
        }
    }

    pub(crate) fn sql(action: impl Into<String>, source: tokio_postgres::Error) -> Self {
        PostgresError::Sql {
            action: action.into(),
            source,
        }
    }

    pub(crate) fn timeout(action: impl Into<String>, after: Duration) -> Self {
        PostgresError::Timeout {
            action: action.into(),
            after,
        }
    }

    pub(crate) fn invalid(
        what: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        PostgresError::InvalidArgument {
            what,
            value: value.into(),
            reason: reason.into(),
        }
    }

    /// The server's SQLSTATE code, when a server refused a statement or a
    /// connection (`42710` for a role that already exists, `28P01` for a
    /// wrong password, ...).
    pub fn sql_state(&self) -> Option<&str> {
        match self {
            PostgresError::Sql { source, .. } => source.code().map(|code| code.code()),
            _ => None,
        }
    }
}

/// The server's own message for a driver error, else the driver's.
pub(crate) fn server_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => match error.source() {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

impl fmt::Display for PostgresError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostgresError::MissingBinary { programs, searched } => write!(
                f,
                "PostgreSQL program(s) {} not found (looked in: {}); install PostgreSQL \
                 (Debian: apt-get install postgresql) or name its bin directory",
                programs.join(", "),
                searched.join("; ")
            ),
            PostgresError::MissingTool { tool, purpose } => {
                write!(f, "`{tool}` not found on PATH: {purpose}")
            }
            PostgresError::UnknownUser { user, detail } => write!(
                f,
                "cannot run PostgreSQL as user `{user}`: {detail}; create that user or configure another unprivileged one"
            ),
            PostgresError::Io { action, path, source } => {
                write!(f, "cannot {action} {}: {source}", path.display())
            }
            PostgresError::CommandFailed {
                program,
                status,
                output,
            } => write!(f, "{program} failed ({status}): {output}"),
            PostgresError::StartFailed {
                instance_id,
                reason,
                log_excerpt,
            } => write!(
                f,
                "the PostgreSQL cluster of {instance_id} did not start: {reason}; server log: {log_excerpt}"
            ),
            PostgresError::Timeout { action, after } => {
                write!(f, "{action} did not finish within {after:?}")
            }
            PostgresError::Sql { action, source } => {
                write!(f, "cannot {action}: {}", server_message(source))
            }
            PostgresError::InvalidArgument { what, value, reason } => {
                write!(f, "invalid {what} `{value}`: {reason}")
            }
            PostgresError::NotRunning {
                instance_id,
                status,
            } => write!(
                f,
                "the PostgreSQL cluster of {instance_id} is {status}, not running; start it first"
            ),
            PostgresError::MigrationState {
                instance_id,
                reason,
            } => write!(f, "the migration to {instance_id} cannot go on: {reason}"),
        }
    }
}

impl StdError for PostgresError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            PostgresError::Io { source, .. } => Some(source),
            PostgresError::Sql { source, .. } => Some(source),
            _ => None,
        }
    }
}
