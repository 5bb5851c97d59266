//! `cargo xtask`: the command-line front end of the project's developer
//! tasks. Each subcommand is a thin wrapper over the `xtask` library.
//!
//! It is a developer tool outside the SDK's layers: no crate depends on
//! it, and it depends on none of the SDK's crates. It writes the
//! generated crates from the spec and runs the load programs of the
//! workspace tests rather than linking the client, so a broken generated
//! crate never stops `cargo xtask codegen` from building.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use xtask::codegen::{self, Difference, Layout, Mode};

/// The project's developer tasks.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate the spec and regenerate generated/aliyun-rds-errors and generated/aliyun-rds.
    Codegen {
        /// Write nothing; fail, naming each stale, missing or extra file,
        /// when the generated crates differ from the spec.
        #[arg(long)]
        check: bool,
        /// The workspace whose `spec/` is read and whose generated crates are
        /// written; this repository when left out.
        #[arg(long, value_name = "DIR")]
        workspace: Option<std::path::PathBuf>,
    },
    /// Convert api-docs and SDK metadata into spec files and report what changed.
    Import(xtask::import::ImportArgs),
    /// Time clean builds of the generated crates with every operation of the
    /// checked-in spec, beside the published `ali-acs` (many minutes).
    BenchCompile(xtask::bench_compile::BenchCompileArgs),
    /// Many calls, many in flight, against the emulator injecting faults;
    /// prints the account of every call and fails when it does not add up.
    Soak(xtask::soak::SoakArgs),
    /// The client's throughput with 1 to 256 calls in flight, beside bare
    /// reqwest (release build; a minute or two).
    BenchConcurrency(xtask::bench_concurrency::BenchConcurrencyArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Codegen { check, workspace } => {
            run_codegen(check, workspace.unwrap_or_else(xtask::workspace_root))
        }
        Command::BenchCompile(args) => match xtask::bench_compile::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Command::BenchConcurrency(args) => match xtask::bench_concurrency::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Soak(args) => match xtask::soak::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
        Command::Import(args) => match xtask::import::run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                eprintln!("error: {error}");
                ExitCode::FAILURE
            }
        },
    }
}

fn run_codegen(check_only: bool, root: std::path::PathBuf) -> ExitCode {
    let layout = Layout::default();
    let mode = if check_only { Mode::Check } else { Mode::Write };
    let outcome = codegen::run(&root, &layout, mode);
    match outcome {
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
        Ok(differences) if check_only && !differences.is_empty() => {
            eprintln!("error: the generated crates are out of date with the spec; run `cargo xtask codegen`:");
            for difference in &differences {
                eprintln!("  {difference}");
            }
            ExitCode::FAILURE
        }
        Ok(_) if check_only => {
            println!("the generated crates are up to date");
            ExitCode::SUCCESS
        }
        Ok(differences) => {
            if differences.is_empty() {
                println!("the generated crates were already up to date");
            }
            for difference in &differences {
                match difference {
                    Difference::Stale(path) => println!("updated {}", path.display()),
                    Difference::Missing(path) => println!("created {}", path.display()),
                    Difference::Extra(path) => println!("removed {}", path.display()),
                }
            }
            ExitCode::SUCCESS
        }
    }
}
