//! The cloud migration precheck: the checks of Alibaba's assessment report,
//! run against a real source and target.
//!
//! The checks, their groups and their names follow Alibaba's documentation:
//! the example report of `DescribeCloudMigrationPrecheckResult` (the first
//! nine names, the form of the report), the help page "Introduction to
//! cloud migration assessment reports" (the error texts
//! `postgres not empty, check if any table exists`, `<ip> is unapproachable`
//! and `<port> is unapproachable`), and the check list of RDS PostgreSQL's
//! disaster-recovery feasibility report, which runs the same assessment
//! (the 80 % disk rule, the reserved accounts `alicloud_rds_admin`, `aurora`
//! and `replicator`, extensions, and logical replication slots as a
//! warning). Where Alibaba publishes no text, the error says what was
//! found in the same `error:...` form.
//!
//! The checks are listed on [`PrecheckReport`].

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpStream;
use tokio_postgres::NoTls;

use super::cluster::Cluster;
use super::error::server_message;
use super::replication_login::replication_login;
use super::EngineOptions;

/// The least WAL a source must keep (`wal_keep_size`, or
/// `wal_keep_segments` × 16 MB before PostgreSQL 13), in megabytes. Alibaba
/// does not publish its threshold; this one keeps 64 segments, which
/// covers the moments between the end of the base backup and the start of
/// streaming on a busy source.
pub const MIN_WAL_KEEP_SIZE_MB: i64 = 1024;

/// The share of the target's storage a source may fill, in percent.
const DISK_SHARE_PERCENT: u64 = 80;

/// Roles Alibaba keeps for itself on an RDS instance.
const RESERVED_ROLES: [&str; 3] = ["alicloud_rds_admin", "aurora", "replicator"];

/// The parameters a standby needs at least as large as its primary's.
const SPEC_PARAMETERS: [&str; 5] = [
    "max_connections",
    "max_prepared_transactions",
    "max_worker_processes",
    "max_wal_senders",
    "max_locks_per_transaction",
];

/// The self-managed PostgreSQL a precheck or migration connects to:
/// `SourceIpAddress`, `SourcePort`, `SourceAccount`, `SourcePassword`.
#[derive(Clone, PartialEq, Eq)]
pub struct SourceEndpoint {
    ip: IpAddr,
    port: u16,
    account: String,
    password: String,
}

impl SourceEndpoint {
    /// The source at `ip`:`port`, reached as `account` with `password`.
    pub fn new(
        ip: IpAddr,
        port: u16,
        account: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        SourceEndpoint {
            ip,
            port,
            account: account.into(),
            password: password.into(),
        }
    }

    /// The source's address.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The source's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The account the migration logs in as.
    pub fn account(&self) -> &str {
        &self.account
    }

    pub(crate) fn password(&self) -> &str {
        &self.password
    }

    pub(crate) fn address(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port)
    }

    /// A connection to `database` on the source.
    pub(crate) async fn connect(
        &self,
        database: &str,
        limit: Duration,
    ) -> Result<tokio_postgres::Client, String> {
        let mut config = tokio_postgres::Config::new();
        config
            .host(self.ip.to_string())
            .port(self.port)
            .user(&self.account)
            .password(&self.password)
            .dbname(database)
            .application_name("rds_migration")
            .connect_timeout(limit);
        let connected = tokio::time::timeout(limit, config.connect(NoTls))
            .await
            .map_err(|_| format!("no answer within {limit:?}"))?;
        let (client, connection) = connected.map_err(|error| server_message(&error))?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(client)
    }
}

impl fmt::Debug for SourceEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceEndpoint")
            .field("ip", &self.ip)
            .field("port", &self.port)
            .field("account", &self.account)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckOutcome {
    /// `success`.
    Success,
    /// `warning(warning:...)`: a risk; the precheck still passes.
    Warning(String),
    /// `fail(error:...)`: the migration cannot go ahead.
    Fail(String),
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckResult {
    /// The group heading (`Check source connectivity`).
    pub group: &'static str,
    /// The check's name (`Check database connectable`).
    pub name: &'static str,
    /// How it came out.
    pub outcome: CheckOutcome,
}

impl CheckResult {
    fn new(group: &'static str, name: &'static str, outcome: CheckOutcome) -> Self {
        CheckResult {
            group,
            name,
            outcome,
        }
    }
}

/// The assessment report of a precheck.
///
/// | group | check | fails when |
/// | --- | --- | --- |
/// | `Check rds empty` | `Check rds databases` | the target has a database besides `postgres`, `template0`, `template1`, or a table in `postgres` (other than `ha_health_check`) |
/// | `Check source connectivity` | `Check ip connectable` | nothing answers at the source's address (a refused connection is an answer) |
/// | | `Check port connectable` | no TCP connection to the source's port |
/// | | `Check database connectable` | the account cannot log in to the `postgres` database (wrong password, no `pg_hba.conf` line, ...) |
/// | | `Check account replication privilege` | the account lacks `REPLICATION`, or the source refuses it a replication connection (no `replication` line in `pg_hba.conf`) |
/// | | `Check account createrole privilege` | the account lacks `CREATEROLE` |
/// | | `Check account monitor privilege` | the account is not a member of `pg_monitor` |
/// | `Check source version` | `Check major version consistent` | the major versions differ |
/// | `Check disk size` | `Check disk size enough` | the source's databases take more than 80 % of the target's storage |
/// | `Check wal keep size` | `Check wal keep size large enough` | the source keeps less than [`MIN_WAL_KEEP_SIZE_MB`] of WAL |
/// | `Check spec params` | `Check if spec params too large` | a parameter a standby needs at least as large as its primary's is larger on the source: `max_connections`, `max_prepared_transactions` (Alibaba's two), `max_worker_processes`, `max_wal_senders`, `max_locks_per_transaction` (PostgreSQL refuses to start the standby otherwise) |
/// | `Check rds user` | `Check rds reserved users` | the source has a role named `alicloud_rds_admin`, `aurora` or `replicator` |
/// | `Check extensions` | `Check extensions compatible` | an extension installed in a source database is not available, in its version, on the target |
/// | `Check logical replication slot` | `Check logical replication slots` | a warning only: the source's logical replication slots are not migrated |
///
/// Every superuser passes the privilege checks. When the source's database
/// cannot be reached, the checks that need it fail with
/// `error:not checked, the source database is not connectable`. The report
/// ([`PrecheckReport::detail`]) is `Detail` as the API returns it, ending
/// with `*Migrate check success*` or `*Migrate check failed*` (warnings do
/// not fail a precheck).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrecheckReport {
    /// Every check, in the report's order.
    pub checks: Vec<CheckResult>,
}

impl PrecheckReport {
    /// Whether no check failed (warnings allowed).
    pub fn passed(&self) -> bool {
        !self
            .checks
            .iter()
            .any(|check| matches!(check.outcome, CheckOutcome::Fail(_)))
    }

    /// The check named `name`, if the report has it.
    pub fn check(&self, name: &str) -> Option<&CheckResult> {
        self.checks.iter().find(|check| check.name == name)
    }

    /// The names of the failed checks.
    pub fn failed_checks(&self) -> Vec<&'static str> {
        self.checks
            .iter()
            .filter(|check| matches!(check.outcome, CheckOutcome::Fail(_)))
            .map(|check| check.name)
            .collect()
    }

    /// The report as `Detail` carries it: `[group]` before each group, one
    /// `name: success`, `name: warning(...)` or `name: fail(...)` line per
    /// check, and the verdict line.
    pub fn detail(&self) -> String {
        let mut detail = String::new();
        let mut group = "";
        for check in &self.checks {
            if check.group != group {
                detail.push_str(&format!("[{}]\n", check.group));
                group = check.group;
            }
            match &check.outcome {
                CheckOutcome::Success => detail.push_str(&format!("{}: success\n", check.name)),
                CheckOutcome::Warning(text) => {
                    detail.push_str(&format!("{}: warning({text})\n", check.name))
                }
                CheckOutcome::Fail(text) => {
                    detail.push_str(&format!("{}: fail({text})\n", check.name))
                }
            }
        }
        detail.push_str(if self.passed() {
            "*Migrate check success*"
        } else {
            "*Migrate check failed*"
        });
        detail
    }
}

fn fail(text: impl fmt::Display) -> CheckOutcome {
    CheckOutcome::Fail(format!("error:{text}"))
}

const CONNECTIVITY: &str = "Check source connectivity";

/// Runs every check (see the module documentation).
pub(crate) async fn run(
    options: &EngineOptions,
    source: &SourceEndpoint,
    target: &Cluster,
) -> PrecheckReport {
    let limit = options.connect_timeout;
    let mut checks = vec![CheckResult::new(
        "Check rds empty",
        "Check rds databases",
        check_target_empty(target).await,
    )];

    let tcp = tokio::time::timeout(limit, TcpStream::connect(source.address())).await;
    let (ip_reached, port_open) = match &tcp {
        Ok(Ok(_)) => (true, true),
        Ok(Err(error)) => (error.kind() == std::io::ErrorKind::ConnectionRefused, false),
        Err(_) => (false, false),
    };
    drop(tcp);
    checks.push(CheckResult::new(
        CONNECTIVITY,
        "Check ip connectable",
        if ip_reached {
            CheckOutcome::Success
        } else {
            fail(format_args!("{} is unapproachable", source.ip))
        },
    ));
    checks.push(CheckResult::new(
        CONNECTIVITY,
        "Check port connectable",
        if port_open {
            CheckOutcome::Success
        } else {
            fail(format_args!("{} is unapproachable", source.port))
        },
    ));
    let client = if port_open {
        source.connect("postgres", limit).await
    } else {
        Err("the port is unapproachable".to_owned())
    };
    let client = match client {
        Ok(client) => {
            checks.push(CheckResult::new(
                CONNECTIVITY,
                "Check database connectable",
                CheckOutcome::Success,
            ));
            client
        }
        Err(reason) => {
            checks.push(CheckResult::new(
                CONNECTIVITY,
                "Check database connectable",
                fail(reason),
            ));
            for (group, name) in SOURCE_CHECKS {
                checks.push(CheckResult::new(
                    group,
                    name,
                    fail("not checked, the source database is not connectable"),
                ));
            }
            return PrecheckReport { checks };
        }
    };

    let account = &source.account;
    let privileges = client
        .query_one(
            "SELECT rolsuper, rolreplication, rolcreaterole, \
                    pg_has_role(current_user, 'pg_monitor', 'MEMBER') \
             FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await;
    match privileges {
        Ok(row) => {
            let superuser: bool = row.get(0);
            let replication = if !(superuser || row.get::<_, bool>(1)) {
                fail(format_args!(
                    "account {account} has no replication privilege"
                ))
            } else {
                match replication_login(source.address(), account, source.password(), limit).await {
                    Ok(()) => CheckOutcome::Success,
                    Err(reason) => fail(reason),
                }
            };
            checks.push(CheckResult::new(
                CONNECTIVITY,
                "Check account replication privilege",
                replication,
            ));
            let createrole = if superuser || row.get::<_, bool>(2) {
                CheckOutcome::Success
            } else {
                fail(format_args!(
                    "account {account} has no createrole privilege"
                ))
            };
            checks.push(CheckResult::new(
                CONNECTIVITY,
                "Check account createrole privilege",
                createrole,
            ));
            let monitor = if superuser || row.get::<_, bool>(3) {
                CheckOutcome::Success
            } else {
                fail(format_args!(
                    "account {account} is not a member of pg_monitor"
                ))
            };
            checks.push(CheckResult::new(
                CONNECTIVITY,
                "Check account monitor privilege",
                monitor,
            ));
        }
        Err(error) => {
            for name in [
                "Check account replication privilege",
                "Check account createrole privilege",
                "Check account monitor privilege",
            ] {
                checks.push(CheckResult::new(
                    CONNECTIVITY,
                    name,
                    fail(server_message(&error)),
                ));
            }
        }
    }

    let target_client = target.admin_client("postgres").await.ok();
    let not_running = || fail("rds instance is not running");

    // The version.
    let version = match &target_client {
        Some(target_client) => {
            let source_version = server_version(&client).await;
            let target_version = server_version(target_client).await;
            match (source_version, target_version) {
                (Ok(source_version), Ok(target_version)) => {
                    if source_version / 10000 == target_version / 10000 {
                        CheckOutcome::Success
                    } else {
                        fail(format_args!(
                            "source major version {} is not consistent with rds major version {}",
                            source_version / 10000,
                            target_version / 10000
                        ))
                    }
                }
                (Err(reason), _) | (_, Err(reason)) => fail(reason),
            }
        }
        None => not_running(),
    };
    checks.push(CheckResult::new(
        "Check source version",
        "Check major version consistent",
        version,
    ));

    // The disk size.
    let disk = match client
        .query_one(
            "SELECT sum(pg_database_size(oid))::bigint FROM pg_database",
            &[],
        )
        .await
    {
        Ok(row) => {
            let size = u64::try_from(row.get::<_, i64>(0)).unwrap_or(0);
            let allowed = target.storage_bytes() / 100 * DISK_SHARE_PERCENT;
            if size <= allowed {
                CheckOutcome::Success
            } else {
                fail(format_args!(
                    "source data size {} MB is larger than {DISK_SHARE_PERCENT}% of rds storage {} MB",
                    size.div_ceil(1 << 20),
                    target.storage_bytes() >> 20
                ))
            }
        }
        Err(error) => fail(server_message(&error)),
    };
    checks.push(CheckResult::new(
        "Check disk size",
        "Check disk size enough",
        disk,
    ));

    // The WAL kept.
    let wal = match client
        .query(
            "SELECT name, setting::bigint FROM pg_settings \
             WHERE name IN ('wal_keep_size', 'wal_keep_segments')",
            &[],
        )
        .await
    {
        Ok(rows) => {
            let kept_mb = rows
                .iter()
                .map(|row| {
                    let name: &str = row.get(0);
                    let value: i64 = row.get(1);
                    if name == "wal_keep_segments" {
                        value.saturating_mul(16)
                    } else {
                        value
                    }
                })
                .max()
                .unwrap_or(0);
            if kept_mb >= MIN_WAL_KEEP_SIZE_MB {
                CheckOutcome::Success
            } else {
                fail(format_args!(
                    "wal_keep_size is {kept_mb}MB, it must be at least {MIN_WAL_KEEP_SIZE_MB}MB"
                ))
            }
        }
        Err(error) => fail(server_message(&error)),
    };
    checks.push(CheckResult::new(
        "Check wal keep size",
        "Check wal keep size large enough",
        wal,
    ));

    // The parameters a standby needs.
    let spec = match &target_client {
        Some(target_client) => match (settings(&client).await, settings(target_client).await) {
            (Ok(source_settings), Ok(target_settings)) => {
                let too_large: Vec<String> = SPEC_PARAMETERS
                    .iter()
                    .filter_map(|name| {
                        let source_value = source_settings.iter().find(|(n, _)| n == name)?.1;
                        let target_value = target_settings.iter().find(|(n, _)| n == name)?.1;
                        (source_value > target_value)
                            .then(|| format!("{name}(source {source_value} > rds {target_value})"))
                    })
                    .collect();
                if too_large.is_empty() {
                    CheckOutcome::Success
                } else {
                    fail(format_args!(
                        "spec params too large: {}",
                        too_large.join(", ")
                    ))
                }
            }
            (Err(reason), _) | (_, Err(reason)) => fail(reason),
        },
        None => not_running(),
    };
    checks.push(CheckResult::new(
        "Check spec params",
        "Check if spec params too large",
        spec,
    ));

    // The reserved roles.
    let reserved = match client
        .query(
            "SELECT rolname::text FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname",
            &[&RESERVED_ROLES.as_slice()],
        )
        .await
    {
        Ok(rows) if rows.is_empty() => CheckOutcome::Success,
        Ok(rows) => {
            let names: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
            fail(format_args!(
                "reserved users exist in source: {}",
                names.join(", ")
            ))
        }
        Err(error) => fail(server_message(&error)),
    };
    checks.push(CheckResult::new(
        "Check rds user",
        "Check rds reserved users",
        reserved,
    ));

    // The extensions.
    let extensions = match &target_client {
        Some(target_client) => check_extensions(source, &client, target_client, limit).await,
        None => not_running(),
    };
    checks.push(CheckResult::new(
        "Check extensions",
        "Check extensions compatible",
        extensions,
    ));

    // The logical replication slots.
    let slots = match client
        .query(
            "SELECT slot_name::text FROM pg_replication_slots WHERE slot_type = 'logical' ORDER BY 1",
            &[],
        )
        .await
    {
        Ok(rows) if rows.is_empty() => CheckOutcome::Success,
        Ok(rows) => {
            let names: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
            CheckOutcome::Warning(format!(
                "warning:logical replication slots are not migrated: {}",
                names.join(", ")
            ))
        }
        Err(error) => fail(server_message(&error)),
    };
    checks.push(CheckResult::new(
        "Check logical replication slot",
        "Check logical replication slots",
        slots,
    ));

    PrecheckReport { checks }
}

/// The checks after `Check database connectable`, which need its
/// connection.
const SOURCE_CHECKS: [(&str, &str); 10] = [
    (CONNECTIVITY, "Check account replication privilege"),
    (CONNECTIVITY, "Check account createrole privilege"),
    (CONNECTIVITY, "Check account monitor privilege"),
    ("Check source version", "Check major version consistent"),
    ("Check disk size", "Check disk size enough"),
    ("Check wal keep size", "Check wal keep size large enough"),
    ("Check spec params", "Check if spec params too large"),
    ("Check rds user", "Check rds reserved users"),
    ("Check extensions", "Check extensions compatible"),
    (
        "Check logical replication slot",
        "Check logical replication slots",
    ),
];

async fn check_target_empty(target: &Cluster) -> CheckOutcome {
    let client = match target.admin_client("postgres").await {
        Ok(client) => client,
        Err(_) => return fail("rds instance is not running"),
    };
    let databases = client
        .query(
            "SELECT datname::text FROM pg_database \
             WHERE datname NOT IN ('template0', 'template1', 'postgres') ORDER BY 1",
            &[],
        )
        .await;
    match databases {
        Ok(rows) if !rows.is_empty() => {
            let names: Vec<String> = rows.iter().map(|row| row.get(0)).collect();
            return fail(format_args!(
                "rds not empty, databases exist: {}",
                names.join(", ")
            ));
        }
        Ok(_) => {}
        Err(error) => return fail(server_message(&error)),
    }
    let tables = client
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') \
               AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
               AND n.nspname NOT LIKE 'pg\\_toast%' \
               AND c.relname <> 'ha_health_check'",
            &[],
        )
        .await;
    match tables {
        Ok(row) if row.get::<_, i64>(0) == 0 => CheckOutcome::Success,
        Ok(_) => fail("postgres not empty, check if any table exists"),
        Err(error) => fail(server_message(&error)),
    }
}

async fn server_version(client: &tokio_postgres::Client) -> Result<i64, String> {
    let row = client
        .query_one("SELECT current_setting('server_version_num')::bigint", &[])
        .await
        .map_err(|error| server_message(&error))?;
    Ok(row.get(0))
}

async fn settings(client: &tokio_postgres::Client) -> Result<Vec<(String, i64)>, String> {
    let rows = client
        .query(
            "SELECT name, setting::bigint FROM pg_settings WHERE name = ANY($1)",
            &[&SPEC_PARAMETERS.as_slice()],
        )
        .await
        .map_err(|error| server_message(&error))?;
    Ok(rows.iter().map(|row| (row.get(0), row.get(1))).collect())
}

/// Every extension installed in a source database the account may connect
/// to must be available on the target in its installed version.
async fn check_extensions(
    source: &SourceEndpoint,
    client: &tokio_postgres::Client,
    target_client: &tokio_postgres::Client,
    limit: Duration,
) -> CheckOutcome {
    let available = match target_client
        .query(
            "SELECT name::text, version FROM pg_available_extension_versions",
            &[],
        )
        .await
    {
        Ok(rows) => rows
            .iter()
            .map(|row| (row.get::<_, String>(0), row.get::<_, String>(1)))
            .collect::<Vec<_>>(),
        Err(error) => return fail(server_message(&error)),
    };
    let databases = match client
        .query(
            "SELECT datname::text FROM pg_database \
             WHERE datallowconn AND has_database_privilege(datname, 'CONNECT') ORDER BY 1",
            &[],
        )
        .await
    {
        Ok(rows) => rows
            .iter()
            .map(|row| row.get::<_, String>(0))
            .collect::<Vec<_>>(),
        Err(error) => return fail(server_message(&error)),
    };
    let mut missing = Vec::new();
    for database in databases {
        let Ok(database_client) = source.connect(&database, limit).await else {
            continue;
        };
        let Ok(rows) = database_client
            .query(
                "SELECT extname::text, extversion FROM pg_extension ORDER BY 1",
                &[],
            )
            .await
        else {
            continue;
        };
        for row in rows {
            let name: String = row.get(0);
            let version: String = row.get(1);
            if !available.iter().any(|(n, v)| *n == name && *v == version) {
                missing.push(format!("{name} {version} ({database})"));
            }
        }
    }
    if missing.is_empty() {
        CheckOutcome::Success
    } else {
        fail(format_args!(
            "extensions not available on rds: {}",
            missing.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_detail_has_groups_outcomes_and_the_verdict() {
        let report = PrecheckReport {
            checks: vec![
                CheckResult::new(
                    "Check rds empty",
                    "Check rds databases",
                    CheckOutcome::Success,
                ),
                CheckResult::new(CONNECTIVITY, "Check ip connectable", CheckOutcome::Success),
                CheckResult::new(
                    CONNECTIVITY,
                    "Check database connectable",
                    fail("password authentication failed for user \"m\""),
                ),
                CheckResult::new(
                    "Check logical replication slot",
                    "Check logical replication slots",
                    CheckOutcome::Warning(
                        "warning:logical replication slots are not migrated: s".into(),
                    ),
                ),
            ],
        };
        assert_eq!(
            report.detail(),
            "[Check rds empty]\nCheck rds databases: success\n\
             [Check source connectivity]\nCheck ip connectable: success\n\
             Check database connectable: fail(error:password authentication failed for user \"m\")\n\
             [Check logical replication slot]\n\
             Check logical replication slots: warning(warning:logical replication slots are not migrated: s)\n\
             *Migrate check failed*"
        );
        assert_eq!(report.failed_checks(), vec!["Check database connectable"]);
        assert!(!report.passed());
    }

    #[test]
    fn warnings_do_not_fail_a_precheck() {
        let report = PrecheckReport {
            checks: vec![CheckResult::new(
                "g",
                "n",
                CheckOutcome::Warning("warning:w".into()),
            )],
        };
        assert!(report.passed());
        assert!(report.detail().ends_with("*Migrate check success*"));
    }

    #[test]
    fn the_password_is_not_in_debug_output() {
        let source =
            SourceEndpoint::new("127.0.0.1".parse().unwrap(), 5432, "m", "Secret-Passw0rd");
        let text = format!("{source:?}");
        assert!(!text.contains("Secret-Passw0rd"), "{text}");
        assert!(text.contains("redacted"));
    }
}
