//! `cargo xtask soak`: many calls of the generated client, many in flight,
//! against an in-process emulator injecting faults, then an account of
//! every call (see `tests/src/soak.rs` for what is checked and how).
//!
//! ```text
//! cargo xtask soak [--calls N] [--concurrency C] [--fault-percent P]
//! ```
//!
//! The soak needs the generated client and the emulator, which the
//! generator must never depend on (a broken generated crate would stop
//! `cargo xtask codegen` from building), so this task builds and runs the
//! `soak` example of the workspace tests in release instead of linking it.

use std::process::Command;

/// The command line of `cargo xtask soak`.
#[derive(Debug, Clone, clap::Args)]
pub struct SoakArgs {
    /// Calls in all.
    #[arg(long, default_value_t = 100_000)]
    pub calls: usize,

    /// Calls in flight at once.
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,

    /// Percent of requests given each of the seven fault kinds.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=14))]
    pub fault_percent: u32,
}

/// Why a load task failed.
#[derive(Debug)]
pub struct LoadError(String);

impl std::fmt::Display for LoadError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for LoadError {}

/// Runs the soak and fails when its accounting does.
pub fn run(args: &SoakArgs) -> Result<(), LoadError> {
    run_release_example(
        "soak",
        &[
            "--calls".to_owned(),
            args.calls.to_string(),
            "--concurrency".to_owned(),
            args.concurrency.to_string(),
            "--fault-percent".to_owned(),
            args.fault_percent.to_string(),
        ],
    )
}

/// Builds and runs an example of the workspace tests (`aliyun-tests`) in
/// release, from the workspace root, with its output shown as it comes.
pub(crate) fn run_release_example(name: &str, arguments: &[String]) -> Result<(), LoadError> {
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args([
            "run",
            "--release",
            "--package",
            "aliyun-tests",
            "--example",
            name,
            "--",
        ])
        .args(arguments)
        .current_dir(crate::workspace_root())
        .status()
        .map_err(|error| LoadError(format!("cannot run cargo: {error}")))?;
    if status.success() {
        Ok(())
    } else {
        Err(LoadError(format!("the `{name}` example failed ({status})")))
    }
}
