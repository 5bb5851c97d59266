//! SQL administration of a cluster with the semantics of the RDS
//! operations: accounts, databases, privileges, the IP whitelist and
//! parameters.
//!
//! What each operation does is documented on the `impl Cluster` block
//! below, so that it shows in [`Cluster`]'s documentation.

use std::time::{Duration, Instant};

use super::cluster::Cluster;
use super::error::PostgresError;
use super::hba::SecurityIp;

/// The account types of `CreateAccount` (`AccountType`) that PostgreSQL
/// instances have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountType {
    /// A standard account (`Normal`, the default): it logs in and has the
    /// privileges granted to it.
    Normal,
    /// A privileged account (`Super`): it also creates databases and
    /// roles, sees every session and statistic, and can end sessions.
    Super,
}

impl AccountType {
    /// Reads `Normal` or `Super`, as `AccountType` is sent.
    pub fn parse(text: &str) -> Option<AccountType> {
        match text {
            "Normal" => Some(AccountType::Normal),
            "Super" => Some(AccountType::Super),
            _ => None,
        }
    }
}

/// The privileges of `GrantAccountPrivilege` (`AccountPrivilege`), each on
/// one database. RDS documents `DBOwner` alone for PostgreSQL instances
/// with cloud disks; the others are given the meaning they have on the
/// other engines, in PostgreSQL's terms:
///
/// | privilege | database | schemas | tables, sequences, functions |
/// | --- | --- | --- | --- |
/// | `ReadOnly` | `CONNECT` | `USAGE` | `SELECT`; sequences `USAGE`, `SELECT` |
/// | `ReadWrite` | `CONNECT`, `TEMPORARY` | `USAGE`, `CREATE` | all privileges; functions `EXECUTE` |
/// | `DMLOnly` | `CONNECT`, `TEMPORARY` | `USAGE` | `SELECT`, `INSERT`, `UPDATE`, `DELETE`; sequences all; functions `EXECUTE` |
/// | `DDLOnly` | `CONNECT`, `TEMPORARY` | `USAGE`, `CREATE` | none: it creates (and so owns) objects, and changes those |
/// | `DBOwner` | owner | (owner of `public`, through `pg_database_owner`) | everything, as owner |
///
/// Schemas are every schema of the database but the system ones; table,
/// sequence and function privileges apply to the existing objects and, as
/// default privileges, to those the database's owner creates later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountPrivilege {
    /// Read and write (`ReadWrite`).
    ReadWrite,
    /// Read only (`ReadOnly`).
    ReadOnly,
    /// Data definition only (`DDLOnly`).
    DdlOnly,
    /// Data manipulation only (`DMLOnly`).
    DmlOnly,
    /// The database's owner (`DBOwner`).
    DbOwner,
}

impl AccountPrivilege {
    /// Reads a privilege as `AccountPrivilege` sends it (`ReadWrite`,
    /// `ReadOnly`, `DDLOnly`, `DMLOnly`, `DBOwner`).
    pub fn parse(text: &str) -> Option<AccountPrivilege> {
        match text {
            "ReadWrite" => Some(AccountPrivilege::ReadWrite),
            "ReadOnly" => Some(AccountPrivilege::ReadOnly),
            "DDLOnly" => Some(AccountPrivilege::DdlOnly),
            "DMLOnly" => Some(AccountPrivilege::DmlOnly),
            "DBOwner" => Some(AccountPrivilege::DbOwner),
            _ => None,
        }
    }

    /// The privilege as the API spells it.
    pub fn wire(self) -> &'static str {
        match self {
            AccountPrivilege::ReadWrite => "ReadWrite",
            AccountPrivilege::ReadOnly => "ReadOnly",
            AccountPrivilege::DdlOnly => "DDLOnly",
            AccountPrivilege::DmlOnly => "DMLOnly",
            AccountPrivilege::DbOwner => "DBOwner",
        }
    }

    /// The grants, as (database, schema, tables, sequences, functions)
    /// privilege lists; `None` for `DBOwner`, which is ownership instead.
    fn grants(self) -> Option<Grants> {
        let all_tables = "SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER";
        let all_sequences = "USAGE, SELECT, UPDATE";
        match self {
            AccountPrivilege::ReadOnly => Some(Grants {
                database: "CONNECT",
                schema: "USAGE",
                tables: Some("SELECT"),
                sequences: Some("USAGE, SELECT"),
                functions: false,
            }),
            AccountPrivilege::ReadWrite => Some(Grants {
                database: "CONNECT, TEMPORARY",
                schema: "USAGE, CREATE",
                tables: Some(all_tables),
                sequences: Some(all_sequences),
                functions: true,
            }),
            AccountPrivilege::DmlOnly => Some(Grants {
                database: "CONNECT, TEMPORARY",
                schema: "USAGE",
                tables: Some("SELECT, INSERT, UPDATE, DELETE"),
                sequences: Some(all_sequences),
                functions: true,
            }),
            AccountPrivilege::DdlOnly => Some(Grants {
                database: "CONNECT, TEMPORARY",
                schema: "USAGE, CREATE",
                tables: None,
                sequences: None,
                functions: false,
            }),
            AccountPrivilege::DbOwner => None,
        }
    }
}

struct Grants {
    database: &'static str,
    schema: &'static str,
    tables: Option<&'static str>,
    sequences: Option<&'static str>,
    functions: bool,
}

/// When a changed parameter takes effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParameterApplied {
    /// At once, for new sessions (the server reloaded its configuration).
    Reloaded,
    /// The server was restarted to apply it.
    Restarted,
    /// Only a restart applies it, and none was asked for: the new value is
    /// written and waits (`ModifyParameter` without `Forcerestart`).
    PendingRestart,
}

/// What [`Cluster::set_parameters`] did with one parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParameterChange {
    /// The parameter, in lower case.
    pub name: String,
    /// PostgreSQL's `context` for it (`postmaster`, `sighup`, `user`, ...).
    pub context: String,
    /// When it takes effect.
    pub applied: ParameterApplied,
}

/// Parameters the emulator sets itself, which would cut it off from the
/// server or break a migration if changed.
const MANAGED_PARAMETERS: [&str; 12] = [
    "port",
    "listen_addresses",
    "unix_socket_directories",
    "unix_socket_permissions",
    "config_file",
    "hba_file",
    "ident_file",
    "data_directory",
    "cluster_name",
    "logging_collector",
    "primary_conninfo",
    "external_pid_file",
];

/// A quoted identifier.
pub(crate) fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A quoted string literal, whatever `standard_conforming_strings` says.
pub(crate) fn literal(text: &str) -> String {
    if text.contains('\\') {
        format!("E'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// `PASSWORD '<SCRAM verifier>'`: the server stores the verifier as is.
fn password_clause(password: &str) -> String {
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    format!("PASSWORD {}", literal(&verifier))
}

/// SQL administration with the semantics of the RDS operations.
///
/// | operation | what [`Cluster`] does |
/// | --- | --- |
/// | `CreateAccount` | [`Cluster::create_account`]: a login role; a `Super` (privileged) account also gets `CREATEDB`, `CREATEROLE` and the `pg_monitor` and `pg_signal_backend` roles, as close as PostgreSQL comes to RDS's privileged account without being a superuser |
/// | `DeleteAccount` | [`Cluster::delete_account`]: its sessions end, what it owns passes to the administrator (no data is lost), its grants go, the role is dropped |
/// | `ResetAccountPassword` | [`Cluster::reset_account_password`] |
/// | `LockAccount` / `UnlockAccount` | [`Cluster::lock_account`] (`NOLOGIN`: no new session) / [`Cluster::unlock_account`] |
/// | `GrantAccountPrivilege` / `RevokeAccountPrivilege` | [`Cluster::grant_account_privilege`] / [`Cluster::revoke_account_privilege`], see [`AccountPrivilege`] |
/// | `CreateDatabase` / `DeleteDatabase` | [`Cluster::create_database`] (`CharacterSetName` as `encoding,collate,ctype`) / [`Cluster::delete_database`] (sessions ended) |
/// | `ModifySecurityIps` | [`Cluster::set_security_ips`]: `pg_hba.conf` rewritten, checked, reloaded |
/// | `ModifyParameter` | [`Cluster::set_parameters`]: `ALTER SYSTEM`, then a reload, or a restart for parameters only a restart applies |
///
/// Passwords reach the server only as SCRAM-SHA-256 verifiers computed
/// here, so no statement, server log line or error carries one. Names are
/// quoted as identifiers, never pasted into SQL; the RDS naming rules
/// (lengths, characters) are the caller's to check, with the operations'
/// own error codes. A refused statement is a [`PostgresError::Sql`] whose
/// [`PostgresError::sql_state`] tells why (`42710`: the role exists,
/// `42704`: it does not, `3D000`: no such database, ...).
impl Cluster {
    /// `CreateAccount`: a role that logs in with `password`.
    pub async fn create_account(
        &self,
        name: &str,
        password: &str,
        account_type: AccountType,
    ) -> Result<(), PostgresError> {
        let role = ident(name);
        let sql = match account_type {
            AccountType::Normal => {
                format!("CREATE ROLE {role} LOGIN {}", password_clause(password))
            }
            AccountType::Super => format!(
                "CREATE ROLE {role} LOGIN CREATEDB CREATEROLE {}; \
                 GRANT pg_monitor, pg_signal_backend TO {role}",
                password_clause(password)
            ),
        };
        self.admin_batch("postgres", &sql, &format!("create account {name}"))
            .await
    }

    /// `DeleteAccount`: ends its sessions, gives what it owns to the
    /// administrator in every database, drops its grants and the role.
    pub async fn delete_account(&self, name: &str) -> Result<(), PostgresError> {
        let action = format!("delete account {name}");
        let client = self.admin_client("postgres").await?;
        let exists = client
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])
            .await
            .map_err(|error| PostgresError::sql(action.clone(), error))?;
        if exists.is_none() {
            // Let the server say it, with its code (42704).
            return self
                .admin_batch("postgres", &format!("DROP ROLE {}", ident(name)), &action)
                .await;
        }
        client
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
                &[&name],
            )
            .await
            .map_err(|error| PostgresError::sql(action.clone(), error))?;
        let admin = self.state().admin_role.clone();
        for database in self.databases().await? {
            self.admin_batch(
                &database,
                &format!(
                    "REASSIGN OWNED BY {role} TO {admin}; DROP OWNED BY {role}",
                    role = ident(name),
                    admin = ident(&admin)
                ),
                &action,
            )
            .await?;
        }
        self.admin_batch("postgres", &format!("DROP ROLE {}", ident(name)), &action)
            .await
    }

    /// `ResetAccountPassword`: the old password stops working at once.
    pub async fn reset_account_password(
        &self,
        name: &str,
        password: &str,
    ) -> Result<(), PostgresError> {
        let sql = format!("ALTER ROLE {} {}", ident(name), password_clause(password));
        self.admin_batch("postgres", &sql, &format!("reset the password of {name}"))
            .await
    }

    /// `LockAccount`: the account can no longer log in.
    pub async fn lock_account(&self, name: &str) -> Result<(), PostgresError> {
        let sql = format!("ALTER ROLE {} NOLOGIN", ident(name));
        self.admin_batch("postgres", &sql, &format!("lock account {name}"))
            .await
    }

    /// `UnlockAccount`: the account logs in again.
    pub async fn unlock_account(&self, name: &str) -> Result<(), PostgresError> {
        let sql = format!("ALTER ROLE {} LOGIN", ident(name));
        self.admin_batch("postgres", &sql, &format!("unlock account {name}"))
            .await
    }

    /// `GrantAccountPrivilege` on one database (see [`AccountPrivilege`]).
    pub async fn grant_account_privilege(
        &self,
        account: &str,
        database: &str,
        privilege: AccountPrivilege,
    ) -> Result<(), PostgresError> {
        let action = format!("grant {} on {database} to {account}", privilege.wire());
        let role = ident(account);
        let Some(grants) = privilege.grants() else {
            return self
                .admin_batch(
                    "postgres",
                    &format!("ALTER DATABASE {} OWNER TO {role}", ident(database)),
                    &action,
                )
                .await;
        };
        let mut sql = format!(
            "GRANT {} ON DATABASE {} TO {role};\n",
            grants.database,
            ident(database)
        );
        let owner = self.database_owner(database).await?;
        for schema in self.user_schemas(database).await? {
            let schema = ident(&schema);
            sql.push_str(&format!(
                "GRANT {} ON SCHEMA {schema} TO {role};\n",
                grants.schema
            ));
            let defaults = format!(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {schema}",
                ident(&owner)
            );
            if let Some(tables) = grants.tables {
                sql.push_str(&format!(
                    "GRANT {tables} ON ALL TABLES IN SCHEMA {schema} TO {role};\n"
                ));
                sql.push_str(&format!("{defaults} GRANT {tables} ON TABLES TO {role};\n"));
            }
            if let Some(sequences) = grants.sequences {
                sql.push_str(&format!(
                    "GRANT {sequences} ON ALL SEQUENCES IN SCHEMA {schema} TO {role};\n"
                ));
                sql.push_str(&format!(
                    "{defaults} GRANT {sequences} ON SEQUENCES TO {role};\n"
                ));
            }
            if grants.functions {
                sql.push_str(&format!(
                    "GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {schema} TO {role};\n"
                ));
                sql.push_str(&format!(
                    "{defaults} GRANT EXECUTE ON FUNCTIONS TO {role};\n"
                ));
            }
        }
        self.admin_batch(database, &sql, &action).await
    }

    /// `RevokeAccountPrivilege` on one database: every privilege
    /// [`Cluster::grant_account_privilege`] gives goes, and a database the
    /// account owns passes to the administrator.
    pub async fn revoke_account_privilege(
        &self,
        account: &str,
        database: &str,
    ) -> Result<(), PostgresError> {
        let action = format!("revoke the privileges of {account} on {database}");
        let role = ident(account);
        let owner = self.database_owner(database).await?;
        if owner == account {
            let admin = self.state().admin_role.clone();
            self.admin_batch(
                "postgres",
                &format!(
                    "ALTER DATABASE {} OWNER TO {}",
                    ident(database),
                    ident(&admin)
                ),
                &action,
            )
            .await?;
        }
        let owner = self.database_owner(database).await?;
        let mut sql = format!("REVOKE ALL ON DATABASE {} FROM {role};\n", ident(database));
        for schema in self.user_schemas(database).await? {
            let schema = ident(&schema);
            let defaults = format!(
                "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {schema}",
                ident(&owner)
            );
            sql.push_str(&format!(
                "REVOKE ALL ON SCHEMA {schema} FROM {role};\n\
                 REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {role};\n\
                 REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {role};\n\
                 REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {schema} FROM {role};\n\
                 {defaults} REVOKE ALL ON TABLES FROM {role};\n\
                 {defaults} REVOKE ALL ON SEQUENCES FROM {role};\n\
                 {defaults} REVOKE ALL ON FUNCTIONS FROM {role};\n"
            ));
        }
        self.admin_batch(database, &sql, &action).await
    }

    /// `CreateDatabase`. `character_set` is `CharacterSetName` for
    /// PostgreSQL, `encoding[,collate[,ctype]]` (`UTF8,C,en_US.utf8`); a
    /// part left out is the cluster's (`UTF8`, `C`). `owner`, when given,
    /// owns it (else the administrator).
    pub async fn create_database(
        &self,
        name: &str,
        character_set: Option<&str>,
        owner: Option<&str>,
    ) -> Result<(), PostgresError> {
        let mut sql = format!("CREATE DATABASE {} TEMPLATE template0", ident(name));
        if let Some(owner) = owner {
            sql.push_str(&format!(" OWNER {}", ident(owner)));
        }
        if let Some(character_set) = character_set {
            let mut parts = character_set.split(',').map(str::trim);
            let encoding = parts.next().filter(|part| !part.is_empty());
            let collate = parts.next().filter(|part| !part.is_empty());
            let ctype = parts.next().filter(|part| !part.is_empty());
            if encoding.is_none() || parts.next().is_some() {
                return Err(PostgresError::invalid(
                    "character set",
                    character_set,
                    "expected `encoding[,collate[,ctype]]`, for example `UTF8,C,en_US.utf8`",
                ));
            }
            if let Some(encoding) = encoding {
                sql.push_str(&format!(" ENCODING {}", literal(encoding)));
            }
            if let Some(collate) = collate {
                sql.push_str(&format!(" LC_COLLATE {}", literal(collate)));
            }
            if let Some(ctype) = ctype {
                sql.push_str(&format!(" LC_CTYPE {}", literal(ctype)));
            }
        }
        self.admin_batch("postgres", &sql, &format!("create database {name}"))
            .await
    }

    /// `DeleteDatabase`: its sessions are ended first.
    pub async fn delete_database(&self, name: &str) -> Result<(), PostgresError> {
        let sql = format!("DROP DATABASE {} WITH (FORCE)", ident(name));
        self.admin_batch("postgres", &sql, &format!("delete database {name}"))
            .await
    }

    /// `ModifySecurityIps`: client connections are accepted from these
    /// entries only. The new `pg_hba.conf` is checked by the server before
    /// it is loaded (the old one stays when it has an error); returns once
    /// the server has reloaded it.
    pub async fn set_security_ips(&self, ips: &[SecurityIp]) -> Result<(), PostgresError> {
        if ips.is_empty() {
            return Err(PostgresError::invalid(
                "whitelist",
                "",
                "it must keep at least one entry",
            ));
        }
        let previous = std::mem::replace(&mut self.state().security_ips, ips.to_vec());
        let applied = self.apply_hba().await;
        if applied.is_err() {
            self.state().security_ips = previous;
            let _ = self.write_hba();
        }
        applied
    }

    /// Replication connections (`pg_basebackup`, standbys) are accepted
    /// from these entries only; none by default, as on an RDS instance.
    /// This is how a test makes a cluster a migration source.
    pub async fn set_replication_ips(&self, ips: &[SecurityIp]) -> Result<(), PostgresError> {
        let previous = std::mem::replace(&mut self.state().replication_ips, ips.to_vec());
        let applied = self.apply_hba().await;
        if applied.is_err() {
            self.state().replication_ips = previous;
            let _ = self.write_hba();
        }
        applied
    }

    /// The current whitelist.
    pub fn security_ips(&self) -> Vec<SecurityIp> {
        self.state().security_ips.clone()
    }

    /// `ModifyParameter`: sets each `(name, value)` with `ALTER SYSTEM`
    /// (the server checks the value), then reloads. Parameters only a
    /// restart applies (`context` `postmaster` in `pg_settings`) restart
    /// the server when `force_restart`, else wait for the next restart.
    /// Unknown, read-only and emulator-managed parameters (the port, the
    /// listen address, the configuration files, ...) are refused before
    /// anything changes.
    pub async fn set_parameters(
        &self,
        parameters: &[(&str, &str)],
        force_restart: bool,
    ) -> Result<Vec<ParameterChange>, PostgresError> {
        let client = self.admin_client("postgres").await?;
        let mut changes = Vec::new();
        for (name, _) in parameters {
            let name = name.to_ascii_lowercase();
            if MANAGED_PARAMETERS.contains(&name.as_str()) {
                return Err(PostgresError::invalid(
                    "parameter",
                    name,
                    "the emulator manages it",
                ));
            }
            let row = client
                .query_opt("SELECT context FROM pg_settings WHERE name = $1", &[&name])
                .await
                .map_err(|error| PostgresError::sql(format!("look parameter {name} up"), error))?;
            let Some(row) = row else {
                return Err(PostgresError::invalid(
                    "parameter",
                    name,
                    "PostgreSQL has no such parameter",
                ));
            };
            let context: String = row.get(0);
            if context == "internal" {
                return Err(PostgresError::invalid("parameter", name, "it is read-only"));
            }
            changes.push(ParameterChange {
                name,
                context,
                applied: ParameterApplied::Reloaded,
            });
        }
        for (change, (_, value)) in changes.iter().zip(parameters) {
            // ALTER SYSTEM cannot run in a transaction block: one at a time.
            client
                .batch_execute(&format!(
                    "ALTER SYSTEM SET {} = {}",
                    ident(&change.name),
                    literal(value)
                ))
                .await
                .map_err(|error| {
                    PostgresError::sql(format!("set parameter {}", change.name), error)
                })?;
        }
        drop(client);
        let needs_restart = changes.iter().any(|change| change.context == "postmaster");
        if needs_restart && force_restart {
            self.restart().await?;
        } else {
            self.reload().await?;
        }
        for change in &mut changes {
            change.applied = if needs_restart && force_restart {
                ParameterApplied::Restarted
            } else if change.context == "postmaster" {
                ParameterApplied::PendingRestart
            } else {
                ParameterApplied::Reloaded
            };
        }
        Ok(changes)
    }

    /// The current value of a parameter, as `SHOW` prints it (`1GB`,
    /// `on`, ...).
    pub async fn parameter(&self, name: &str) -> Result<String, PostgresError> {
        let client = self.admin_client("postgres").await?;
        let row = client
            .query_one("SELECT current_setting($1)", &[&name])
            .await
            .map_err(|error| PostgresError::sql(format!("read parameter {name}"), error))?;
        Ok(row.get(0))
    }

    /// Writes `pg_hba.conf`, has the server check it, reloads.
    async fn apply_hba(&self) -> Result<(), PostgresError> {
        self.write_hba()?;
        let client = self.admin_client("postgres").await?;
        let errors = client
            .query(
                "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL",
                &[],
            )
            .await
            .map_err(|error| PostgresError::sql("check pg_hba.conf", error))?;
        if let Some(row) = errors.first() {
            let line: i32 = row.get(0);
            let error: String = row.get(1);
            return Err(PostgresError::invalid(
                "whitelist",
                format!("pg_hba.conf line {line}"),
                error,
            ));
        }
        drop(client);
        self.reload().await
    }

    /// Has the server reload its configuration files, and returns once it
    /// has: a new session sees a newer configuration load time.
    pub(crate) async fn reload(&self) -> Result<(), PostgresError> {
        const LOAD_TIME: &str =
            "SELECT (extract(epoch FROM pg_conf_load_time()) * 1000000)::bigint";
        let client = self.admin_client("postgres").await?;
        let before: i64 = client
            .query_one(LOAD_TIME, &[])
            .await
            .map_err(|error| PostgresError::sql("read the configuration load time", error))?
            .get(0);
        client
            .batch_execute("SELECT pg_reload_conf()")
            .await
            .map_err(|error| PostgresError::sql("reload the configuration", error))?;
        drop(client);
        let limit = Duration::from_secs(10);
        let deadline = Instant::now() + limit;
        loop {
            let client = self.admin_client("postgres").await?;
            let now: i64 = client
                .query_one(LOAD_TIME, &[])
                .await
                .map_err(|error| PostgresError::sql("read the configuration load time", error))?
                .get(0);
            if now > before {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(PostgresError::timeout("reloading the configuration", limit));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Runs `sql` as the administrator in `database`.
    async fn admin_batch(
        &self,
        database: &str,
        sql: &str,
        action: &str,
    ) -> Result<(), PostgresError> {
        let client = self.admin_client(database).await?;
        client
            .batch_execute(sql)
            .await
            .map_err(|error| PostgresError::sql(action, error))
    }

    /// The databases sessions can connect to.
    async fn databases(&self) -> Result<Vec<String>, PostgresError> {
        let client = self.admin_client("postgres").await?;
        let rows = client
            .query(
                "SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname",
                &[],
            )
            .await
            .map_err(|error| PostgresError::sql("list the databases", error))?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    /// The owner of `database` (`3D000` if there is no such database).
    async fn database_owner(&self, database: &str) -> Result<String, PostgresError> {
        let client = self.admin_client("postgres").await?;
        let row = client
            .query_opt(
                "SELECT pg_get_userbyid(datdba)::text FROM pg_database WHERE datname = $1",
                &[&database],
            )
            .await
            .map_err(|error| PostgresError::sql(format!("look database {database} up"), error))?;
        match row {
            Some(row) => Ok(row.get(0)),
            None => {
                // Connecting says it with the server's own code (3D000).
                self.admin_client(database).await?;
                Err(PostgresError::invalid(
                    "database",
                    database,
                    "it does not exist",
                ))
            }
        }
    }

    /// The schemas of `database` that are not the system's.
    async fn user_schemas(&self, database: &str) -> Result<Vec<String>, PostgresError> {
        let client = self.admin_client(database).await?;
        let rows = client
            .query(
                "SELECT nspname::text FROM pg_namespace \
                 WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' \
                 ORDER BY nspname",
                &[],
            )
            .await
            .map_err(|error| {
                PostgresError::sql(format!("list the schemas of {database}"), error)
            })?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_are_quoted_not_pasted() {
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("a\\b'"), "E'a\\\\b'''");
    }

    #[test]
    fn passwords_become_scram_verifiers() {
        let clause = password_clause("Secret-Passw0rd");
        assert!(
            clause.starts_with("PASSWORD 'SCRAM-SHA-256$4096:"),
            "{clause}"
        );
        assert!(!clause.contains("Secret-Passw0rd"));
    }

    #[test]
    fn wire_names_round_trip() {
        for privilege in [
            AccountPrivilege::ReadWrite,
            AccountPrivilege::ReadOnly,
            AccountPrivilege::DdlOnly,
            AccountPrivilege::DmlOnly,
            AccountPrivilege::DbOwner,
        ] {
            assert_eq!(AccountPrivilege::parse(privilege.wire()), Some(privilege));
        }
        assert_eq!(AccountType::parse("Super"), Some(AccountType::Super));
        assert_eq!(AccountType::parse("Sysadmin"), None);
    }
}
