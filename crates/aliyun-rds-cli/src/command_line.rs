//! The command-line grammar, built at run time from the generated operation
//! metadata.
//!
//! No operation or parameter is listed by hand here: every entry of
//! `aliyun_rds::metadata::OPERATIONS` becomes a kebab-case subcommand and
//! every one of its parameters a kebab-case flag, so an operation added to the
//! spec appears in the CLI as soon as the client is regenerated.

use aliyun_runtime::metadata::{OperationMetadata, ParameterMetadata};
use clap::{Arg, ArgAction, Command};

/// The name of the subcommand that serves the emulator.
pub const EMULATOR_SUBCOMMAND: &str = "emulator";

/// The name of the subcommand that prints a shell completion script.
pub const COMPLETIONS_SUBCOMMAND: &str = "completions";

/// The shells a completion script can be written for.
const SHELLS: [&str; 3] = ["bash", "zsh", "fish"];

/// Builds the whole command line: global options, one subcommand per
/// operation, and the `emulator` and `completions` subcommands.
pub fn build() -> Command {
    let mut command = Command::new("aliyun-rds")
        .about("Call the Alibaba Cloud RDS API (2014-08-15), or run a local emulator of it.")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg_required_else_help(true)
        .args(global_options())
        .subcommand(emulator_subcommand())
        .subcommand(completions_subcommand())
        .after_help(operations_overview());
    for operation in aliyun_rds::metadata::OPERATIONS {
        // Hundreds of operations make an unreadable list of commands; the
        // overview after the options lists them by group instead.
        command = command.subcommand(operation_subcommand(operation).hide(true));
    }
    command
}

/// The width the overview of operations is wrapped to.
const OVERVIEW_WIDTH: usize = 100;

/// The operations by group, for `aliyun-rds --help`: each group of
/// `aliyun_rds::metadata::GROUPS` with its operations' subcommands,
/// wrapped, and any operation no group names at the end.
pub fn operations_overview() -> String {
    use aliyun_rds::metadata::{GROUPS, OPERATIONS};
    let subcommand = |action: &str| {
        OPERATIONS
            .iter()
            .find(|operation| operation.name == action)
            .map(|operation| kebab_case(operation.rust_name))
    };
    let mut text = format!(
        "Operations ({}), by group; `aliyun-rds <OPERATION> --help` shows one operation's parameters:\n",
        OPERATIONS.len()
    );
    let mut grouped = std::collections::BTreeSet::new();
    for group in GROUPS {
        let names: Vec<String> = group
            .operations
            .iter()
            .filter_map(|action| subcommand(action))
            .collect();
        if names.is_empty() {
            continue;
        }
        grouped.extend(group.operations.iter().copied());
        text.push_str(&format!("\n{} ({}):\n", group.name, names.len()));
        text.push_str(&wrapped(&names, "  ", OVERVIEW_WIDTH));
    }
    let ungrouped: Vec<String> = OPERATIONS
        .iter()
        .filter(|operation| !grouped.contains(operation.name))
        .map(|operation| kebab_case(operation.rust_name))
        .collect();
    if !ungrouped.is_empty() {
        text.push_str(&format!("\nother ({}):\n", ungrouped.len()));
        text.push_str(&wrapped(&ungrouped, "  ", OVERVIEW_WIDTH));
    }
    text
}

/// Names joined by `, ` into lines of at most `width` characters, each
/// starting with `indent`.
fn wrapped(names: &[String], indent: &str, width: usize) -> String {
    let mut text = String::new();
    let mut line = String::from(indent);
    for (index, name) in names.iter().enumerate() {
        let piece = if index + 1 < names.len() {
            format!("{name},")
        } else {
            name.clone()
        };
        if line.len() > indent.len() && line.len() + 1 + piece.len() > width {
            text.push_str(line.trim_end());
            text.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    text.push_str(line.trim_end());
    text.push('\n');
    text
}

/// The options every operation shares. They are accepted before the
/// subcommand, as in `aliyun-rds --region cn-hangzhou describe-regions`.
fn global_options() -> Vec<Arg> {
    vec![
        Arg::new("region")
            .long("region")
            .value_name("ID")
            .help("Region to call, for example cn-hangzhou. Default: ALIBABA_CLOUD_REGION_ID, else the profile's region."),
        Arg::new("endpoint")
            .long("endpoint")
            .value_name("URL")
            .help("Endpoint URL with its scheme, for example http://127.0.0.1:8080. Overrides the region's endpoint."),
        Arg::new("profile")
            .long("profile")
            .value_name("NAME")
            .help("Profile of the aliyun CLI configuration (~/.aliyun/config.json) to take credentials from, in any supported mode (AK, StsToken, RamRoleArn, EcsRamRole, OIDC, ChainableRamRoleArn)."),
        Arg::new("access-key-id")
            .long("access-key-id")
            .value_name("ID")
            .requires("access-key-secret")
            .conflicts_with("profile")
            .help("AccessKey ID to sign with, instead of the credentials chain."),
        Arg::new("access-key-secret")
            .long("access-key-secret")
            .value_name("SECRET")
            .requires("access-key-id")
            .help("AccessKey secret to sign with. Other users of the machine can read flags: prefer ALIBABA_CLOUD_ACCESS_KEY_SECRET."),
        Arg::new("sts-token")
            .long("sts-token")
            .value_name("TOKEN")
            .requires("access-key-id")
            .help("STS security token of temporary credentials given with --access-key-id and --access-key-secret."),
        Arg::new("signature-version")
            .long("signature-version")
            .value_name("VERSION")
            .value_parser(["v1", "v3"])
            .default_value("v1")
            .help("Signature scheme: v1 (HMAC-SHA1) or v3 (ACS3-HMAC-SHA256)."),
        Arg::new("output")
            .long("output")
            .value_name("FORMAT")
            .value_parser(["json", "text"])
            .default_value("json")
            .help("Output format. After the operation, --output also takes table with cols= and rows=."),
        Arg::new("ca-bundle")
            .long("ca-bundle")
            .value_name("FILE")
            .help("PEM file of certificate authorities to trust besides the built-in ones, for a private CA or a TLS-inspecting proxy. Also read from ALIBABA_CLOUD_CA_BUNDLE."),
        Arg::new("connect-timeout")
            .long("connect-timeout")
            .value_name("SECONDS")
            .value_parser(clap::value_parser!(u64).range(1..))
            .help("Seconds allowed to establish a connection. Default: 5."),
        Arg::new("read-timeout")
            .long("read-timeout")
            .value_name("SECONDS")
            .value_parser(clap::value_parser!(u64).range(1..))
            .help("Seconds allowed for one attempt to send the request and read the response. Default: 10. The whole call may take this long for each attempt."),
        Arg::new("retry-count")
            .long("retry-count")
            .value_name("COUNT")
            .value_parser(clap::value_parser!(u32).range(0..=100))
            .help("Retries after a failed attempt, for failures the operation may be retried after. Default: 2."),
        Arg::new("emulator")
            .long("emulator")
            .action(ArgAction::SetTrue)
            .help("Run the call against an in-process emulator with the demo fixture: no credentials, no network."),
    ]
}

/// The `completions` subcommand.
fn completions_subcommand() -> Command {
    Command::new(COMPLETIONS_SUBCOMMAND)
        .about("Print a shell completion script (bash, zsh or fish).")
        .long_about(
            "Print a shell completion script on stdout. For example: \
             `aliyun-rds completions bash > ~/.local/share/bash-completion/completions/aliyun-rds`, \
             `aliyun-rds completions zsh > \"${fpath[1]}/_aliyun-rds\"`, or \
             `aliyun-rds completions fish > ~/.config/fish/completions/aliyun-rds.fish`.",
        )
        .arg(
            Arg::new("shell")
                .value_name("SHELL")
                .required(true)
                .value_parser(SHELLS),
        )
}

fn emulator_subcommand() -> Command {
    Command::new(EMULATOR_SUBCOMMAND)
        .about("Serve the local RDS emulator until killed.")
        .long_about(
            "Serve the local RDS emulator until killed. The first line on stdout is \
             `listening on http://HOST:PORT` (`https://` with --tls-cert and --tls-key). The key pair comes from the flags, else from \
             ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, else the documented demo pair.",
        )
        .arg(
            Arg::new("listen")
                .long("listen")
                .value_name("ADDR")
                .default_value("127.0.0.1:0")
                .help("Address to listen on; port 0 picks a free port."),
        )
        .arg(
            Arg::new("fixture")
                .long("fixture")
                .value_name("FILE")
                .help("JSON fixture with the emulated instances. Default: the built-in demo fixture."),
        )
        .arg(
            Arg::new("seed-instances")
                .long("seed-instances")
                .value_name("COUNT")
                .value_parser(clap::value_parser!(usize))
                .help("Add COUNT running MySQL instances (rm-seed-000001, ...) after the fixture's, for paging."),
        )
        .arg(
            Arg::new("seed-region")
                .long("seed-region")
                .value_name("ID")
                .default_value("cn-hangzhou")
                .requires("seed-instances")
                .help("The region of the instances --seed-instances adds."),
        )
        .arg(
            Arg::new("pace")
                .long("pace")
                .value_name("PACE")
                .value_parser(clap::value_parser!(aliyun_rds_emulator::Pace))
                .help("How long instances take to be created, restarted, resized or deleted, and backups to finish: a duration (`3s`, `500ms`), a number of polls (`2polls`: that many describe answers report the change in progress), or `instant`. Default: 3s."),
        )
        .arg(
            Arg::new("seed")
                .long("seed")
                .value_name("NUMBER")
                .value_parser(clap::value_parser!(u64))
                .help("Make the IDs of new instances, backups and tasks reproducible: the same seed and the same calls give the same IDs. Default: random."),
        )
        .arg(
            Arg::new("state")
                .long("state")
                .value_name("FILE")
                .help("Start from the state saved in FILE when it exists (instead of --fixture and --seed-instances), and save the state there on shutdown (Ctrl-C or SIGTERM)."),
        )
        .arg(
            Arg::new("access-key-id")
                .long("access-key-id")
                .value_name("ID")
                .requires("access-key-secret")
                .help("AccessKey ID the emulator accepts."),
        )
        .arg(
            Arg::new("access-key-secret")
                .long("access-key-secret")
                .value_name("SECRET")
                .requires("access-key-id")
                .help("AccessKey secret the emulator accepts."),
        )
        .arg(
            Arg::new("sts-credential-lifetime")
                .long("sts-credential-lifetime")
                .value_name("SECONDS")
                .value_parser(clap::value_parser!(u64).range(1..))
                .help("Lifetime of the credentials the emulated STS issues, whatever DurationSeconds asks. Default: DurationSeconds."),
        )
        .arg(
            Arg::new("sts-role")
                .long("sts-role")
                .value_name("ARN")
                .action(ArgAction::Append)
                .help("RAM role the emulated STS lets callers assume; repeatable. Default: acs:ram::1234567890123456:role/emulator-demo-role."),
        )
        .arg(
            Arg::new("oidc-provider-arn")
                .long("oidc-provider-arn")
                .value_name("ARN")
                .requires("oidc-token")
                .help("OIDC provider whose tokens AssumeRoleWithOIDC accepts. Default: acs:ram::1234567890123456:oidc-provider/emulator-demo-provider."),
        )
        .arg(
            Arg::new("oidc-token")
                .long("oidc-token")
                .value_name("TOKEN")
                .action(ArgAction::Append)
                .help("OIDC token AssumeRoleWithOIDC accepts from that provider; repeatable. Default: emulator-demo-oidc-token."),
        )
        .arg(
            Arg::new("tls-cert")
                .long("tls-cert")
                .value_name("FILE")
                .requires("tls-key")
                .help("Serve HTTPS with this PEM certificate chain (the server's certificate first)."),
        )
        .arg(
            Arg::new("tls-key")
                .long("tls-key")
                .value_name("FILE")
                .requires("tls-cert")
                .help("The PEM private key of --tls-cert."),
        )
        .arg(
            Arg::new("postgres")
                .long("postgres")
                .action(ArgAction::SetTrue)
                .help("Run a real PostgreSQL cluster behind every PostgreSQL instance created through the API, each on its own loopback port, and perform cloud migrations into them for real (Linux; needs PostgreSQL's programs, and a binary built with the `postgres` feature). The clusters and their data go when the emulator stops."),
        )
        .arg(
            Arg::new("postgres-bin")
                .long("postgres-bin")
                .value_name("DIR")
                .requires("postgres")
                .help("The directory of PostgreSQL's programs (initdb, postgres, pg_basebackup). Default: `pg_config --bindir`, else the directory of `postgres` on PATH."),
        )
        .arg(
            Arg::new("postgres-user")
                .long("postgres-user")
                .value_name("USER")
                .requires("postgres")
                .help("The unprivileged user that runs the clusters when the emulator runs as root (PostgreSQL refuses to run as root). Default: postgres."),
        )
}

/// One subcommand for one operation, with a flag per parameter.
fn operation_subcommand(operation: &'static OperationMetadata) -> Command {
    let summary = plain_text(operation.summary);
    let mut command = Command::new(kebab_case(operation.rust_name))
        .about(headline(&summary))
        .long_about(summary);
    for parameter in operation.parameters {
        command = command.arg(parameter_flag(parameter));
    }
    // The calling options are the same for every operation; clap adds them
    // only to the subcommand being run (or to all, for completions), so
    // that they cost nothing at start-up.
    command.defer(|command| command.args(crate::call_options::args()))
}

/// Documentation text without its Markdown escapes: the documentation
/// writes `O\\&M` (sometimes with the backslash doubled several times)
/// where a terminal should show `O&M`.
pub fn plain_text(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut characters = text.chars().peekable();
    while let Some(character) = characters.next() {
        if character == '\\' {
            // Skip the whole run of backslashes when it escapes punctuation.
            let mut run = 1;
            while characters.peek() == Some(&'\\') {
                characters.next();
                run += 1;
            }
            match characters.peek() {
                Some(next) if next.is_ascii_punctuation() => {}
                _ => plain.extend(std::iter::repeat_n('\\', run)),
            }
            continue;
        }
        plain.push(character);
    }
    plain
}

/// The first sentence of a summary, on one line and at most 90 characters:
/// an operation's short help (`-h`); `--help` shows the whole summary.
pub fn headline(summary: &str) -> String {
    const LIMIT: usize = 90;
    let first_line = summary
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
        .unwrap_or("");
    let sentence = match first_line.find(". ") {
        Some(end) => &first_line[..=end],
        None => first_line,
    };
    if sentence.chars().count() <= LIMIT {
        return sentence.to_owned();
    }
    let cut: String = sentence.chars().take(LIMIT - 1).collect();
    format!("{}…", cut.trim_end())
}

fn parameter_flag(parameter: &'static ParameterMetadata) -> Arg {
    let mut help = plain_text(parameter.description);
    if let Some(example) = parameter.example {
        help.push_str(&format!(" Example: {example}."));
    }
    Arg::new(parameter.name)
        .long(kebab_case(parameter.rust_name))
        .value_name(value_name(parameter))
        .required(parameter.required)
        .help(help)
}

fn value_name(parameter: &ParameterMetadata) -> &'static str {
    use aliyun_runtime::metadata::ValueType;
    match parameter.value_type {
        ValueType::String => "STRING",
        ValueType::Int32 | ValueType::Int64 => "INTEGER",
        ValueType::Boolean => "BOOLEAN",
        ValueType::Number => "NUMBER",
        ValueType::Object | ValueType::Array => "JSON",
    }
}

/// Turns a snake_case name into the kebab-case form used on the command line.
pub fn kebab_case(snake_case: &str) -> String {
    snake_case.replace('_', "-")
}

/// Finds the operation whose subcommand name is `subcommand`.
pub fn operation_for_subcommand(subcommand: &str) -> Option<&'static OperationMetadata> {
    aliyun_rds::metadata::OPERATIONS
        .iter()
        .copied()
        .find(|operation| kebab_case(operation.rust_name) == subcommand)
}

#[cfg(test)]
mod tests {
    #[test]
    fn documentation_escapes_are_removed_for_the_terminal() {
        assert_eq!(
            super::plain_text("Cancels O\\\\\\&M tasks."),
            "Cancels O&M tasks."
        );
        assert_eq!(super::plain_text("a\\_b and C:\\dir"), "a_b and C:\\dir");
    }

    #[test]
    fn headlines_are_one_short_sentence() {
        assert_eq!(
            super::headline("Adds tags. Then more.\nDetails."),
            "Adds tags."
        );
        let long = "word ".repeat(40);
        let headline = super::headline(&long);
        assert!(
            headline.ends_with('…') && headline.chars().count() <= 90,
            "{headline}"
        );
    }

    #[test]
    fn the_overview_lists_every_operation_by_group() {
        let overview = super::operations_overview();
        assert!(overview.starts_with("Operations (413)"), "{overview}");
        assert!(overview.contains("\ninstances ("), "{overview}");
        assert!(overview.contains("\ncloud-migration (9):\n"), "{overview}");
        for operation in aliyun_rds::metadata::OPERATIONS {
            let name = super::kebab_case(operation.rust_name);
            assert!(
                overview.contains(&format!(" {name},")) || overview.contains(&format!(" {name}\n")),
                "{name} is not listed"
            );
        }
        assert!(overview
            .lines()
            .all(|line| line.chars().count() <= super::OVERVIEW_WIDTH));
    }

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        // clap checks for duplicate names and bad settings only in debug
        // assertions; this makes them run for every generated operation.
        build().debug_assert();
    }

    #[test]
    fn every_operation_has_a_subcommand_with_its_flags() {
        let command = build();
        for operation in aliyun_rds::metadata::OPERATIONS {
            let name = kebab_case(operation.rust_name);
            let subcommand = command
                .find_subcommand(&name)
                .unwrap_or_else(|| panic!("no subcommand {name}"));
            for parameter in operation.parameters {
                let flag = subcommand
                    .get_arguments()
                    .find(|arg| arg.get_id() == parameter.name)
                    .unwrap_or_else(|| panic!("{name} has no flag for {}", parameter.name));
                assert_eq!(
                    flag.get_long(),
                    Some(kebab_case(parameter.rust_name).as_str())
                );
                assert_eq!(flag.is_required_set(), parameter.required);
            }
        }
    }

    #[test]
    fn activate_migration_target_instance_has_the_documented_flags() {
        let command = build();
        let subcommand = command
            .find_subcommand("activate-migration-target-instance")
            .expect("subcommand");
        let longs: Vec<_> = subcommand
            .get_arguments()
            .filter_map(|arg| arg.get_long())
            .collect();
        for expected in [
            "db-instance-name",
            "switch-time",
            "switch-time-mode",
            "force-switch",
        ] {
            assert!(
                longs.contains(&expected),
                "missing --{expected} in {longs:?}"
            );
        }
    }
}
