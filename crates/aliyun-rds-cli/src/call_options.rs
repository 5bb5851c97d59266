//! The options every operation's subcommand takes besides its parameters,
//! modelled on Alibaba's `aliyun` CLI: `--pager`, `--waiter`,
//! `--wait-until`, `--query`, `--output`, `--dryrun` and `--quiet`.
//!
//! They follow the operation's name (`aliyun-rds describe-db-instances
//! --region-id cn-hangzhou --pager`), because several take a variable
//! number of `key=value` fields that would otherwise swallow the
//! operation's name. Everything they hold is checked here, before any
//! request is sent: a JMESPath expression that does not compile or a field
//! that is not known is a usage error, not a failed call.

use std::fmt;
use std::time::Duration;

use clap::{Arg, ArgAction, ArgMatches};

use crate::output::{OutputOptions, Query, Table};

/// Argument ids. They cannot collide with an operation's parameters, whose
/// ids are their wire names (`PageSize`), because of the dot.
const PAGER: &str = "cli.pager";
const WAITER: &str = "cli.waiter";
const WAIT_UNTIL: &str = "cli.wait-until";
const QUERY: &str = "cli.query";
const OUTPUT: &str = "cli.output";
const DRYRUN: &str = "cli.dryrun";
const QUIET: &str = "cli.quiet";

/// The options, as clap arguments to add to each operation's subcommand.
pub fn args() -> [Arg; 7] {
    [
        Arg::new(PAGER)
            .long("pager")
            .value_name("FIELD=VALUE")
            .num_args(0..)
            .action(ArgAction::Append)
            .conflicts_with_all([WAITER, WAIT_UNTIL])
            .help_heading("Calling options")
            .help(
                "Fetch every page and print the items of all of them as one list. Fields: \
                 path=<JMESPath of the items, e.g. Items.DBInstance[]> (found when absent), \
                 total=<name of the total count field> (TotalRecordCount, TotalCount, ... when absent).",
            ),
        Arg::new(WAITER)
            .long("waiter")
            .value_name("FIELD=VALUE")
            .num_args(1..)
            .action(ArgAction::Append)
            .conflicts_with(WAIT_UNTIL)
            .help_heading("Calling options")
            .help(
                "Repeat the call until a JMESPath expression of the response equals a value: \
                 expr=<JMESPath> to=<value> [timeout=<seconds, default 180>] [interval=<seconds, default 5>].",
            ),
        Arg::new(WAIT_UNTIL)
            .long("wait-until")
            .value_name("WAITER")
            .num_args(1..)
            .action(ArgAction::Append)
            .help_heading("Calling options")
            .help(
                "Repeat the call until a waiter of the API says the resource reached its state, \
                 e.g. CloudMigrationReadyToSwitch; then [timeout=<seconds, default 600>] \
                 [interval=<seconds, default: the waiter's backoff>].",
            ),
        Arg::new(QUERY)
            .long("query")
            .value_name("JMESPATH")
            .help_heading("Calling options")
            .help("Print only what this JMESPath expression selects from the response, e.g. Items.DBInstance[].DBInstanceId."),
        Arg::new(OUTPUT)
            .long("output")
            .value_name("FORMAT")
            .num_args(1..)
            .action(ArgAction::Append)
            .help_heading("Calling options")
            .help(
                "json, text or table; a table takes cols=<A,B,...> (JMESPath of each column in a row) \
                 and rows=<JMESPath of the rows, e.g. Items.DBInstance[]>, and cols= alone means table.",
            ),
        Arg::new(DRYRUN)
            .long("dryrun")
            .action(ArgAction::SetTrue)
            .help_heading("Calling options")
            .help("Print the request that would be sent (signature and secrets redacted) and send nothing."),
        Arg::new(QUIET)
            .long("quiet")
            .action(ArgAction::SetTrue)
            .help_heading("Calling options")
            .help("Print nothing when the call succeeds; errors are still reported."),
    ]
}

/// How the call is made.
#[derive(Debug)]
pub enum Mode {
    /// One request, one answer.
    Single,
    /// Print the signed request instead of sending it.
    DryRun,
    /// Every page, merged.
    Pager(PagerOptions),
    /// Repeat until an expression of the response equals a value.
    Waiter(WaiterOptions),
    /// Repeat until a generated waiter's acceptors say so.
    WaitUntil(WaitUntilOptions),
}

/// The fields of `--pager`.
#[derive(Debug, Default)]
pub struct PagerOptions {
    /// Where the items are in each page, when given.
    pub path: Option<Query>,
    /// The name of the total count field, when given.
    pub total: Option<String>,
}

/// The fields of `--waiter`.
#[derive(Debug)]
pub struct WaiterOptions {
    /// The expression polled.
    pub expr: Query,
    /// The text it must equal.
    pub to: String,
    /// The longest the wait may take.
    pub timeout: Duration,
    /// The pause between two calls.
    pub interval: Duration,
}

/// The fields of `--wait-until`.
#[derive(Debug)]
pub struct WaitUntilOptions {
    /// The waiter's name as the API spells it.
    pub name: String,
    /// The longest the wait may take.
    pub timeout: Duration,
    /// A fixed pause between calls instead of the waiter's backoff.
    pub interval: Option<Duration>,
}

/// Everything the calling options asked for.
#[derive(Debug)]
pub struct CallOptions {
    /// How the call is made.
    pub mode: Mode,
    /// How its result is printed.
    pub output: OutputOptions,
}

/// A calling option that cannot be used.
#[derive(Debug)]
#[non_exhaustive]
pub enum OptionError {
    /// A field that the option does not know, or a value without `=`.
    UnknownField {
        /// The option, with its dashes.
        option: &'static str,
        /// What was given.
        given: String,
        /// The fields the option takes.
        expected: &'static str,
    },
    /// A field the option needs is missing.
    MissingField {
        /// The option, with its dashes.
        option: &'static str,
        /// The field's name.
        field: &'static str,
    },
    /// `--wait-until` without a waiter's name.
    MissingWaiterName,
    /// A duration that is not a positive number of seconds.
    BadSeconds {
        /// The option, with its dashes.
        option: &'static str,
        /// The field's name.
        field: &'static str,
        /// What was given.
        given: String,
    },
    /// A JMESPath expression that does not compile.
    Query {
        /// The option and field, as `--query` or `--pager path=`.
        option: String,
        /// The parser's complaint.
        source: crate::output::QueryError,
    },
    /// An output format that does not exist.
    UnknownFormat {
        /// What was given.
        given: String,
    },
}

impl fmt::Display for OptionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OptionError::UnknownField {
                option,
                given,
                expected,
            } => write!(
                f,
                "{option} does not take {given:?}; it takes {expected}"
            ),
            OptionError::MissingField { option, field } => {
                write!(f, "{option} needs {field}=<value>")
            }
            OptionError::MissingWaiterName => write!(
                f,
                "--wait-until needs a waiter's name first; the API defines {}",
                waiter_names().join(", ")
            ),
            OptionError::BadSeconds {
                option,
                field,
                given,
            } => write!(
                f,
                "{option} {field}={given} is not a positive number of seconds; write for example {field}=5 or {field}=0.5"
            ),
            OptionError::Query { option, source } => {
                write!(f, "{option} is not a valid JMESPath expression: {source}")
            }
            OptionError::UnknownFormat { given } => write!(
                f,
                "--output {given} is not a format; use json, text or table (with cols=A,B and rows=<JMESPath>)"
            ),
        }
    }
}

impl std::error::Error for OptionError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OptionError::Query { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Reads the calling options of an operation's subcommand. `default_format`
/// is the global `--output`, used when the subcommand has none.
pub fn read(
    matches: &ArgMatches,
    default_format: crate::report::OutputFormat,
) -> Result<CallOptions, OptionError> {
    let mode = if matches.get_flag(DRYRUN) {
        Mode::DryRun
    } else if let Some(fields) = values(matches, PAGER) {
        Mode::Pager(pager_options(&fields)?)
    } else if let Some(fields) = values(matches, WAITER) {
        Mode::Waiter(waiter_options(&fields)?)
    } else if let Some(fields) = values(matches, WAIT_UNTIL) {
        Mode::WaitUntil(wait_until_options(&fields)?)
    } else {
        Mode::Single
    };
    let query = matches
        .get_one::<String>(QUERY)
        .map(|expression| compile("--query".to_owned(), expression))
        .transpose()?;
    let format = match values(matches, OUTPUT) {
        Some(fields) => output_format(&fields)?,
        None => match default_format {
            crate::report::OutputFormat::Text => crate::output::Format::Text,
            crate::report::OutputFormat::Json => crate::output::Format::Json,
        },
    };
    Ok(CallOptions {
        mode,
        output: OutputOptions {
            query,
            format,
            quiet: matches.get_flag(QUIET),
        },
    })
}

/// The values given to a repeatable option, all occurrences together, or
/// `None` when it was not given at all.
fn values(matches: &ArgMatches, id: &str) -> Option<Vec<String>> {
    matches.value_source(id)?;
    Some(
        matches
            .get_many::<String>(id)
            .map(|values| values.cloned().collect())
            .unwrap_or_default(),
    )
}

fn compile(option: String, expression: &str) -> Result<Query, OptionError> {
    Query::compile(expression).map_err(|source| OptionError::Query { option, source })
}

/// Splits `key=value`; the value may itself hold `=` (as JMESPath
/// comparisons do).
fn field<'a>(
    option: &'static str,
    given: &'a str,
    expected: &'static str,
) -> Result<(&'a str, &'a str), OptionError> {
    given
        .split_once('=')
        .ok_or_else(|| OptionError::UnknownField {
            option,
            given: given.to_owned(),
            expected,
        })
}

fn seconds(
    option: &'static str,
    field: &'static str,
    given: &str,
) -> Result<Duration, OptionError> {
    given
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| OptionError::BadSeconds {
            option,
            field,
            given: given.to_owned(),
        })
}

fn pager_options(fields: &[String]) -> Result<PagerOptions, OptionError> {
    const OPTION: &str = "--pager";
    const EXPECTED: &str = "path=<JMESPath> and total=<field name>";
    let mut options = PagerOptions::default();
    for given in fields {
        match field(OPTION, given, EXPECTED)? {
            ("path", path) => options.path = Some(compile(format!("{OPTION} path="), path)?),
            ("total", total) => options.total = Some(total.to_owned()),
            _ => {
                return Err(OptionError::UnknownField {
                    option: OPTION,
                    given: given.clone(),
                    expected: EXPECTED,
                })
            }
        }
    }
    Ok(options)
}

fn waiter_options(fields: &[String]) -> Result<WaiterOptions, OptionError> {
    const OPTION: &str = "--waiter";
    const EXPECTED: &str = "expr=<JMESPath>, to=<value>, timeout=<seconds> and interval=<seconds>";
    let mut expr = None;
    let mut to = None;
    let mut timeout = Duration::from_secs(180);
    let mut interval = Duration::from_secs(5);
    for given in fields {
        match field(OPTION, given, EXPECTED)? {
            ("expr", text) => expr = Some(compile(format!("{OPTION} expr="), text)?),
            ("to", value) => to = Some(value.to_owned()),
            ("timeout", value) => timeout = seconds(OPTION, "timeout", value)?,
            ("interval", value) => interval = seconds(OPTION, "interval", value)?,
            _ => {
                return Err(OptionError::UnknownField {
                    option: OPTION,
                    given: given.clone(),
                    expected: EXPECTED,
                })
            }
        }
    }
    Ok(WaiterOptions {
        expr: expr.ok_or(OptionError::MissingField {
            option: OPTION,
            field: "expr",
        })?,
        to: to.ok_or(OptionError::MissingField {
            option: OPTION,
            field: "to",
        })?,
        timeout,
        interval,
    })
}

fn wait_until_options(fields: &[String]) -> Result<WaitUntilOptions, OptionError> {
    const OPTION: &str = "--wait-until";
    const EXPECTED: &str = "a waiter's name, then timeout=<seconds> and interval=<seconds>";
    let mut name = None;
    let mut timeout = Duration::from_secs(600);
    let mut interval = None;
    for given in fields {
        match given.split_once('=') {
            None if name.is_none() => name = Some(given.clone()),
            Some(("timeout", value)) => timeout = seconds(OPTION, "timeout", value)?,
            Some(("interval", value)) => interval = Some(seconds(OPTION, "interval", value)?),
            _ => {
                return Err(OptionError::UnknownField {
                    option: OPTION,
                    given: given.clone(),
                    expected: EXPECTED,
                })
            }
        }
    }
    Ok(WaitUntilOptions {
        name: name.ok_or(OptionError::MissingWaiterName)?,
        timeout,
        interval,
    })
}

fn output_format(fields: &[String]) -> Result<crate::output::Format, OptionError> {
    use crate::output::Format;
    const OPTION: &str = "--output";
    const EXPECTED: &str = "json, text, table, cols=<A,B,...> and rows=<JMESPath>";
    let mut named = None;
    let mut table = Table::default();
    for given in fields {
        match given.split_once('=') {
            None => named = Some(given.as_str()),
            Some(("cols", columns)) => {
                table.columns = columns
                    .split(',')
                    .map(str::trim)
                    .filter(|column| !column.is_empty())
                    .map(|column| {
                        compile(format!("{OPTION} cols= column {column:?}"), column)
                            .map(|query| (column.to_owned(), query))
                    })
                    .collect::<Result<_, _>>()?;
            }
            Some(("rows", rows)) => table.rows = Some(compile(format!("{OPTION} rows="), rows)?),
            Some(_) => {
                return Err(OptionError::UnknownField {
                    option: OPTION,
                    given: given.clone(),
                    expected: EXPECTED,
                })
            }
        }
    }
    let wants_table = !table.columns.is_empty() || table.rows.is_some();
    match named {
        Some("table") => Ok(Format::Table(table)),
        None if wants_table => Ok(Format::Table(table)),
        Some(format @ ("json" | "text")) if wants_table => Err(OptionError::UnknownField {
            option: OPTION,
            given: format!("{format} with cols= or rows="),
            expected: "cols= and rows= with table only",
        }),
        Some("json") => Ok(Format::Json),
        Some("text") => Ok(Format::Text),
        Some(other) => Err(OptionError::UnknownFormat {
            given: other.to_owned(),
        }),
        None => Ok(Format::Json),
    }
}

/// The names of the waiters the API defines, for messages and help.
pub fn waiter_names() -> Vec<&'static str> {
    aliyun_rds::metadata::WAITERS
        .iter()
        .map(|waiter| waiter.definition.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_owned()).collect()
    }

    #[test]
    fn waiter_fields_are_read_with_their_defaults() {
        let options =
            waiter_options(&strings(&["expr=Items[0].Status", "to=Running"])).expect("valid");
        assert_eq!(options.to, "Running");
        assert_eq!(options.timeout, Duration::from_secs(180));
        assert_eq!(options.interval, Duration::from_secs(5));
        let options = waiter_options(&strings(&["expr=a", "to=b", "interval=0.25", "timeout=2"]))
            .expect("valid");
        assert_eq!(options.interval, Duration::from_millis(250));
        assert_eq!(options.timeout, Duration::from_secs(2));
    }

    #[test]
    fn bad_waiter_fields_say_what_is_wrong() {
        let error = waiter_options(&strings(&["expr=a"])).expect_err("no to=");
        assert_eq!(error.to_string(), "--waiter needs to=<value>");
        let error = waiter_options(&strings(&["expr=a", "to=b", "interval=-1"]))
            .expect_err("negative interval");
        assert!(error.to_string().contains("interval=-1"), "{error}");
        let error = waiter_options(&strings(&["expr=a", "to=b", "every=3"])).expect_err("unknown");
        assert!(error.to_string().contains("\"every=3\""), "{error}");
        let error = waiter_options(&strings(&["expr=[", "to=b"])).expect_err("bad JMESPath");
        assert!(
            error
                .to_string()
                .starts_with("--waiter expr= is not a valid JMESPath"),
            "{error}"
        );
    }

    #[test]
    fn output_fields_choose_the_format() {
        use crate::output::Format;
        assert!(matches!(
            output_format(&strings(&["text"])),
            Ok(Format::Text)
        ));
        let Ok(Format::Table(table)) = output_format(&strings(&["cols=A,B", "rows=Items[]"]))
        else {
            panic!("cols= means a table");
        };
        assert_eq!(table.columns.len(), 2);
        assert!(output_format(&strings(&["yaml"])).is_err());
        assert!(output_format(&strings(&["json", "cols=A"])).is_err());
    }

    #[test]
    fn wait_until_takes_a_name_then_fields() {
        let options = wait_until_options(&strings(&["Ready", "interval=1"])).expect("valid");
        assert_eq!(options.name, "Ready");
        assert_eq!(options.interval, Some(Duration::from_secs(1)));
        let error = wait_until_options(&strings(&["timeout=1"])).expect_err("no name");
        let message = error.to_string();
        assert!(
            message.contains("needs a waiter's name first; the API defines "),
            "{message}"
        );
        for name in [
            "CloudMigrationPrecheckPassed",
            "CloudMigrationReadyToSwitch",
            "DBInstanceRunning",
        ] {
            assert!(message.contains(name), "{message}");
        }
        assert!(wait_until_options(&strings(&["A", "B"])).is_err());
    }
}
