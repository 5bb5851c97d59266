//! The `aliyun-rds` command-line tool.
//!
//! It is an application at the top of the stack: it builds on the generated
//! client (`aliyun-rds`, for the metadata of every operation) and on the
//! runtime the client re-exports, with no code of its own per operation.
//!
//! Every operation of the generated `aliyun-rds` client is a subcommand (see
//! [`command_line`]); a call goes through the same runtime as the library
//! (signing, credentials, retries) and its result is reported by [`report`]
//! with a documented exit code. The calling options ([`call_options`]) page
//! ([`pager`]), wait ([`waiter`]), filter and format ([`output`]) or only
//! show the request ([`dryrun`]). The `emulator` subcommand and the
//! `--emulator` option run the local RDS emulator ([`emulator`]), so the whole
//! tool works with no account and no network; `completions` prints shell
//! completion scripts ([`completions`]).

mod call;
mod call_options;
mod command_line;
mod completions;
mod dryrun;
mod emulator;
mod output;
mod pager;
mod report;
mod waiter;

use std::process::ExitCode;

use clap::ArgMatches;

fn main() -> ExitCode {
    let matches = match command_line::build().try_get_matches() {
        Ok(matches) => matches,
        Err(error) => {
            // `--help` and `--version` are "errors" that print to stdout and
            // succeed; real usage errors exit with clap's code 2.
            let _ = error.print();
            return ExitCode::from(
                u8::try_from(error.exit_code()).unwrap_or(report::EXIT_USAGE_ERROR),
            );
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            return report::configuration_error(&format!("cannot start the async runtime: {error}"))
        }
    };
    runtime.block_on(run(matches))
}

async fn run(matches: ArgMatches) -> ExitCode {
    let Some((subcommand, subcommand_matches)) = matches.subcommand() else {
        return report::configuration_error("no subcommand given; run `aliyun-rds --help`");
    };
    if subcommand == command_line::EMULATOR_SUBCOMMAND {
        return emulator::serve_command(subcommand_matches).await;
    }
    if subcommand == command_line::COMPLETIONS_SUBCOMMAND {
        return completions::print(subcommand_matches);
    }
    match command_line::operation_for_subcommand(subcommand) {
        Some(operation) => call::run(operation, &matches, subcommand_matches).await,
        None => report::configuration_error(&format!("unknown subcommand {subcommand}")),
    }
}
