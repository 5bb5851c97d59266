//! What the emulator knows of the four database engines RDS runs: their
//! documented versions (`CreateDBInstance`'s `EngineVersion`), how their
//! instances and endpoints are named, their account privileges and
//! character sets, and the parameters the emulator models with their
//! defaults and ranges.
//!
//! Engine names are matched in any case, and the aliases the API uses
//! elsewhere (`mssql` for SQL Server in `DescribeParameterTemplates`) are
//! accepted.

/// One engine.
#[derive(Debug)]
pub(crate) struct EngineInfo {
    /// The name the API answers, for example `PostgreSQL`.
    pub(crate) name: &'static str,
    /// Other names requests may use for it, in lower case.
    pub(crate) aliases: &'static [&'static str],
    /// The versions `CreateDBInstance` documents.
    pub(crate) versions: &'static [&'static str],
    /// The first part of a primary instance's ID (`pgm` in `pgm-bp1...`).
    pub(crate) primary_prefix: &'static str,
    /// The first part of a read-only instance's ID.
    pub(crate) read_only_prefix: &'static str,
    /// The engine's label in endpoints (`<id>.pg.rds.aliyuncs.com`).
    pub(crate) domain_label: &'static str,
    pub(crate) default_port: u16,
    pub(crate) default_class: &'static str,
    /// The longest account name.
    pub(crate) max_account_name: usize,
    /// Whether account names may contain upper-case letters.
    pub(crate) upper_case_accounts: bool,
    /// The account types `CreateAccount` accepts.
    pub(crate) account_types: &'static [&'static str],
    /// The privileges `GrantAccountPrivilege` accepts.
    pub(crate) privileges: &'static [&'static str],
    /// The character sets `CreateDatabase` accepts (for PostgreSQL, the
    /// first part of `<charset>,<collate>,<ctype>`).
    pub(crate) character_sets: &'static [&'static str],
    /// The parameters the emulator models.
    pub(crate) parameters: &'static [ParameterSpec],
}

/// A parameter of an engine: its default, the values it accepts in RDS's
/// `CheckingCode` notation (`[0-1024]` a range, `[ON|OFF]` a list), and
/// whether a new value needs a restart.
#[derive(Debug)]
pub(crate) struct ParameterSpec {
    pub(crate) name: &'static str,
    pub(crate) default: &'static str,
    pub(crate) checking_code: &'static str,
    pub(crate) force_restart: bool,
    pub(crate) description: &'static str,
}

const fn parameter(
    name: &'static str,
    default: &'static str,
    checking_code: &'static str,
    force_restart: bool,
    description: &'static str,
) -> ParameterSpec {
    ParameterSpec {
        name,
        default,
        checking_code,
        force_restart,
        description,
    }
}

impl ParameterSpec {
    /// Whether `value` is one the parameter accepts.
    pub(crate) fn accepts(&self, value: &str) -> bool {
        let Some(inner) = self
            .checking_code
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        else {
            return true;
        };
        if inner.contains('|') || inner.parse::<f64>().is_err() && !is_range(inner) {
            return inner
                .split('|')
                .any(|allowed| allowed.eq_ignore_ascii_case(value));
        }
        match split_range(inner) {
            Some((low, high)) => value
                .trim()
                .parse::<f64>()
                .is_ok_and(|number| number >= low && number <= high),
            None => inner == value,
        }
    }
}

fn is_range(text: &str) -> bool {
    split_range(text).is_some()
}

/// `low-high`, where `low` may itself be negative (`-1-2147483647`).
fn split_range(text: &str) -> Option<(f64, f64)> {
    let (negative, rest) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (low, high) = rest.split_once('-')?;
    let low: f64 = low.parse().ok()?;
    let high: f64 = high.parse().ok()?;
    Some((if negative { -low } else { low }, high))
}

const MYSQL_PARAMETERS: &[ParameterSpec] = &[
    parameter("back_log", "3000", "[0-65535]", true, "The number of outstanding connection requests MySQL can have."),
    parameter("character_set_server", "utf8", "[utf8|latin1|gbk|utf8mb4]", true, "The server's default character set."),
    parameter("event_scheduler", "OFF", "[ON|OFF]", false, "Whether the event scheduler runs."),
    parameter("innodb_autoinc_lock_mode", "2", "[0|1|2]", true, "The lock mode to use for generating auto-increment values."),
    parameter("innodb_flush_log_at_trx_commit", "1", "[0|1|2]", false, "How the log buffer is written and flushed at each commit."),
    parameter("innodb_lock_wait_timeout", "50", "[1-1073741824]", false, "Seconds an InnoDB transaction waits for a row lock before giving up."),
    parameter("interactive_timeout", "7200", "[10-86400]", false, "Seconds the server waits for activity on an interactive connection before closing it."),
    parameter("long_query_time", "1", "[0.1-31536000]", false, "Queries that take longer than this many seconds are slow."),
    parameter("loose_multi_blocks_ddl_count", "0", "[0-1024]", false, "Page numbers of multi blocks reading once in some ddl query."),
    parameter("lower_case_table_names", "1", "[0|1]", true, "Whether table names are stored in lower case and compared without case."),
    parameter("max_allowed_packet", "1073741824", "[16384-1073741824]", false, "The largest packet or generated string, in bytes."),
    parameter("max_connections", "2000", "[1-100000]", false, "The most simultaneous client connections."),
    parameter("slow_query_log", "ON", "[ON|OFF]", false, "Whether the slow query log is written."),
    parameter("sync_binlog", "1", "[0-4294967295]", false, "How often the binary log is synchronized to disk."),
    parameter("transaction_alloc_block_size", "8192", "[1024-131072]", false, "The amount in bytes by which to increase a per-transaction memory pool which needs memory."),
    parameter("transaction_isolation", "READ-COMMITTED", "[READ-UNCOMMITTED|READ-COMMITTED|REPEATABLE-READ|SERIALIZABLE]", false, "The default transaction isolation level."),
    parameter("wait_timeout", "86400", "[1-31536000]", false, "Seconds the server waits for activity on a connection before closing it."),
];

const POSTGRESQL_PARAMETERS: &[ParameterSpec] = &[
    parameter(
        "autovacuum",
        "on",
        "[on|off]",
        false,
        "Whether the autovacuum launcher runs.",
    ),
    parameter(
        "default_transaction_isolation",
        "read committed",
        "[serializable|repeatable read|read committed|read uncommitted]",
        false,
        "The isolation level of each new transaction.",
    ),
    parameter(
        "idle_in_transaction_session_timeout",
        "3600000",
        "[0-2147483647]",
        false,
        "Milliseconds a session may stay idle inside a transaction.",
    ),
    parameter(
        "lock_timeout",
        "0",
        "[0-2147483647]",
        false,
        "Milliseconds a statement waits for a lock; 0 waits forever.",
    ),
    parameter(
        "log_min_duration_statement",
        "1000",
        "[-1-2147483647]",
        false,
        "Statements that run at least this many milliseconds are logged; -1 logs none.",
    ),
    parameter(
        "log_statement",
        "all",
        "[none|ddl|mod|all]",
        false,
        "Which SQL statements are logged.",
    ),
    parameter(
        "maintenance_work_mem",
        "65536",
        "[1024-2097151]",
        false,
        "Memory for maintenance operations such as VACUUM, in kB.",
    ),
    parameter(
        "max_connections",
        "400",
        "[100-262143]",
        true,
        "The most simultaneous connections.",
    ),
    parameter(
        "max_parallel_workers_per_gather",
        "2",
        "[0-1024]",
        false,
        "The most parallel workers one Gather node starts.",
    ),
    parameter(
        "shared_buffers",
        "65536",
        "[16-1073741823]",
        true,
        "Memory for shared buffers, in 8 kB pages.",
    ),
    parameter(
        "statement_timeout",
        "0",
        "[0-2147483647]",
        false,
        "Milliseconds any statement may run; 0 is no limit.",
    ),
    parameter(
        "timezone",
        "PRC",
        "",
        false,
        "The time zone for displaying and interpreting time stamps.",
    ),
    parameter(
        "work_mem",
        "4096",
        "[64-2147483647]",
        false,
        "Memory for internal sort operations and hash tables, in kB.",
    ),
];

const SQLSERVER_PARAMETERS: &[ParameterSpec] = &[
    parameter(
        "clr enabled",
        "0",
        "[0|1]",
        false,
        "Whether user assemblies can run in SQL Server.",
    ),
    parameter(
        "cost threshold for parallelism",
        "5",
        "[0-32767]",
        false,
        "The cost above which SQL Server runs a query in parallel.",
    ),
    parameter(
        "default full-text language",
        "1033",
        "[0-2147483647]",
        false,
        "The default language of full-text indexed columns.",
    ),
    parameter(
        "fill factor (%)",
        "0",
        "[0-100]",
        true,
        "How full each index page is filled when an index is created or rebuilt.",
    ),
    parameter(
        "max degree of parallelism",
        "2",
        "[0-32767]",
        false,
        "The most processors one parallel plan uses.",
    ),
    parameter(
        "optimize for ad hoc workloads",
        "0",
        "[0|1]",
        false,
        "Whether plans of single-use ad hoc batches are cached as stubs.",
    ),
    parameter(
        "remote query timeout (s)",
        "600",
        "[0-2147483647]",
        false,
        "Seconds a remote operation may take.",
    ),
];

const MARIADB_PARAMETERS: &[ParameterSpec] = &[
    parameter(
        "character_set_server",
        "utf8",
        "[utf8|latin1|gbk|utf8mb4]",
        true,
        "The server's default character set.",
    ),
    parameter(
        "innodb_lock_wait_timeout",
        "50",
        "[1-1073741824]",
        false,
        "Seconds an InnoDB transaction waits for a row lock before giving up.",
    ),
    parameter(
        "interactive_timeout",
        "7200",
        "[10-86400]",
        false,
        "Seconds the server waits for activity on an interactive connection before closing it.",
    ),
    parameter(
        "long_query_time",
        "1",
        "[0.1-31536000]",
        false,
        "Queries that take longer than this many seconds are slow.",
    ),
    parameter(
        "max_connections",
        "2000",
        "[1-100000]",
        false,
        "The most simultaneous client connections.",
    ),
    parameter(
        "wait_timeout",
        "86400",
        "[1-31536000]",
        false,
        "Seconds the server waits for activity on a connection before closing it.",
    ),
];

const MYSQL_CHARACTER_SETS: &[&str] = &["utf8", "gbk", "latin1", "utf8mb4"];

/// The engines `CreateDBInstance` documents.
pub(crate) const ENGINES: &[EngineInfo] = &[
    EngineInfo {
        name: "MySQL",
        aliases: &["mysql"],
        versions: &["5.5", "5.6", "5.7", "8.0"],
        primary_prefix: "rm",
        read_only_prefix: "rr",
        domain_label: "mysql",
        default_port: 3306,
        default_class: "mysql.n2.medium.1",
        max_account_name: 32,
        upper_case_accounts: true,
        account_types: &["Normal", "Super"],
        privileges: &["ReadWrite", "ReadOnly", "DDLOnly", "DMLOnly"],
        character_sets: MYSQL_CHARACTER_SETS,
        parameters: MYSQL_PARAMETERS,
    },
    EngineInfo {
        name: "PostgreSQL",
        aliases: &["postgresql", "postgres", "pg"],
        versions: &[
            "10.0", "11.0", "12.0", "13.0", "14.0", "15.0", "16.0", "17.0",
        ],
        primary_prefix: "pgm",
        read_only_prefix: "pgr",
        domain_label: "pg",
        default_port: 5432,
        default_class: "pg.n2.2c.2m",
        max_account_name: 63,
        upper_case_accounts: false,
        account_types: &["Normal", "Super"],
        privileges: &["DBOwner"],
        character_sets: &[
            "KOI8U",
            "UTF8",
            "WIN866",
            "WIN874",
            "WIN1250",
            "WIN1251",
            "WIN1252",
            "WIN1253",
            "WIN1254",
            "WIN1255",
            "WIN1256",
            "WIN1257",
            "WIN1258",
            "EUC_CN",
            "EUC_KR",
            "EUC_TW",
            "EUC_JP",
            "EUC_JIS_2004",
            "KOI8R",
            "MULE_INTERNAL",
            "LATIN1",
            "LATIN2",
            "LATIN3",
            "LATIN4",
            "LATIN5",
            "LATIN6",
            "LATIN7",
            "LATIN8",
            "LATIN9",
            "LATIN10",
            "ISO_8859_5",
            "ISO_8859_6",
            "ISO_8859_7",
            "ISO_8859_8",
            "SQL_ASCII",
        ],
        parameters: POSTGRESQL_PARAMETERS,
    },
    EngineInfo {
        name: "SQLServer",
        aliases: &["sqlserver", "mssql"],
        versions: &[
            "08r2_ent_ha",
            "2008r2",
            "2012",
            "2012_ent_ha",
            "2012_std_ha",
            "2012_web",
            "2014_ent_ha",
            "2014_std_ha",
            "2016_ent_ha",
            "2016_std_ha",
            "2016_web",
            "2017_ent",
            "2017_std_ha",
            "2017_web",
            "2019_ent",
            "2019_std_ha",
            "2019_web",
            "2022_ent",
            "2022_std_ha",
            "2022_web",
            "2016_std_sl",
            "2017_std_sl",
            "2019_std_sl",
        ],
        primary_prefix: "rm",
        read_only_prefix: "rr",
        domain_label: "sqlserver",
        default_port: 1433,
        default_class: "mssql.x4.medium.e2",
        max_account_name: 64,
        upper_case_accounts: false,
        account_types: &["Normal", "Super", "Sysadmin"],
        privileges: &["ReadWrite", "ReadOnly", "DBOwner"],
        character_sets: &[
            "Chinese_PRC_CI_AS",
            "Chinese_PRC_CS_AS",
            "SQL_Latin1_General_CP1_CI_AS",
            "SQL_Latin1_General_CP1_CS_AS",
            "Chinese_PRC_BIN",
        ],
        parameters: SQLSERVER_PARAMETERS,
    },
    EngineInfo {
        name: "MariaDB",
        aliases: &["mariadb"],
        versions: &["10.3", "10.6"],
        primary_prefix: "rm",
        read_only_prefix: "rr",
        domain_label: "mariadb",
        default_port: 3306,
        default_class: "mariadb.n2.medium.2c",
        max_account_name: 16,
        upper_case_accounts: false,
        account_types: &["Normal", "Super"],
        privileges: &["ReadWrite", "ReadOnly", "DDLOnly", "DMLOnly"],
        character_sets: MYSQL_CHARACTER_SETS,
        parameters: MARIADB_PARAMETERS,
    },
];

/// The engine a request or fixture names, in any case or by alias.
pub(crate) fn engine(name: &str) -> Option<&'static EngineInfo> {
    let lower = name.trim().to_ascii_lowercase();
    ENGINES.iter().find(|engine| {
        engine.name.eq_ignore_ascii_case(&lower) || engine.aliases.contains(&lower.as_str())
    })
}

/// The facts of an instance's engine; MySQL's for an engine a fixture
/// names that the emulator does not know.
pub(crate) fn engine_or_default(name: &str) -> &'static EngineInfo {
    engine(name).unwrap_or(&ENGINES[0])
}

impl EngineInfo {
    /// The parameter called `name`, matched without case.
    pub(crate) fn parameter(&self, name: &str) -> Option<&'static ParameterSpec> {
        self.parameters
            .iter()
            .find(|parameter| parameter.name.eq_ignore_ascii_case(name))
    }

    /// Whether this is PostgreSQL.
    pub(crate) fn is_postgresql(&self) -> bool {
        self.name == "PostgreSQL"
    }

    /// The privileges `GrantAccountPrivilege` accepts on an instance with
    /// this storage type. The documentation gives PostgreSQL `DBOwner`
    /// "if the instance uses cloud disks"; on local disks (`local_ssd`)
    /// it takes the other privileges too.
    pub(crate) fn privileges_for(&self, storage_type: &str) -> &'static [&'static str] {
        if self.is_postgresql() && storage_type.eq_ignore_ascii_case("local_ssd") {
            &["DBOwner", "ReadWrite", "ReadOnly", "DDLOnly", "DMLOnly"]
        } else {
            self.privileges
        }
    }
}

/// What a privilege grants, as `AccountPrivilegeDetail` spells it.
pub(crate) fn privilege_detail(privilege: &str) -> &'static str {
    match privilege {
        "ReadWrite" => "SELECT,INSERT,UPDATE,DELETE,CREATE,DROP,REFERENCES,INDEX,ALTER,CREATE TEMPORARY TABLES,LOCK TABLES,EXECUTE,CREATE VIEW,SHOW VIEW,CREATE ROUTINE,ALTER ROUTINE,EVENT,TRIGGER",
        "ReadOnly" => "SELECT,LOCK TABLES,SHOW VIEW",
        "DDLOnly" => "CREATE,DROP,INDEX,ALTER,CREATE VIEW,SHOW VIEW,CREATE ROUTINE,ALTER ROUTINE",
        "DMLOnly" => "SELECT,INSERT,UPDATE,DELETE,CREATE TEMPORARY TABLES,LOCK TABLES,EXECUTE,SHOW VIEW,EVENT,TRIGGER",
        "DBOwner" => "ALL PRIVILEGES",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines_are_found_by_name_and_alias() {
        assert_eq!(engine("postgresql").map(|e| e.name), Some("PostgreSQL"));
        assert_eq!(engine("MSSQL").map(|e| e.name), Some("SQLServer"));
        assert!(engine("Oracle").is_none());
    }

    #[test]
    fn checking_codes_accept_their_values_only() {
        let postgresql = engine("PostgreSQL").expect("known");
        let log = postgresql
            .parameter("log_min_duration_statement")
            .expect("known");
        assert!(log.accepts("-1") && log.accepts("2000"));
        assert!(!log.accepts("-2") && !log.accepts("soon"));
        let statement = postgresql.parameter("log_statement").expect("known");
        assert!(statement.accepts("ddl") && !statement.accepts("some"));
        let mysql = engine("MySQL").expect("known");
        assert!(mysql
            .parameter("long_query_time")
            .expect("known")
            .accepts("0.5"));
        assert!(postgresql
            .parameter("timezone")
            .expect("known")
            .accepts("UTC"));
    }

    #[test]
    fn every_default_is_accepted() {
        for engine in ENGINES {
            for parameter in engine.parameters {
                assert!(
                    parameter.accepts(parameter.default),
                    "{} {}",
                    engine.name,
                    parameter.name
                );
            }
        }
    }
}
