//! `cargo xtask bench-compile`: the build time of the checked-in
//! generated crates (the whole RDS API) beside the published `ali-acs`
//! crate, and the time `cargo xtask codegen` takes to generate them.
//!
//! ```text
//! cargo xtask bench-compile [--runs N] [--skip-anchor]
//! ```
//!
//! Everything it builds lives below `target/bench-compile/` of this
//! repository:
//!
//! 1. `cargo xtask codegen` is timed generating the crates in memory from
//!    the checked-in spec (in the profile this tool was built with);
//! 2. three consumer projects are written, each a library with one
//!    dependency and the default cargo profiles, so that every crate is
//!    measured the way a user's build compiles it (not with this
//!    workspace's own profile settings): `all` depends on the checked-in
//!    `aliyun-rds` with every operation, `workflow` on the same crate with
//!    only the `cloud-migration` feature, and `anchor` on
//!    `ali-acs = "=0.8.0"` with only its `rds` feature;
//! 3. every build runs with `CARGO_INCREMENTAL=0`: the measured crates are
//!    path dependencies here, which cargo would compile incrementally, while
//!    a user depending on the published crates (and the anchor, here too)
//!    gets them built without incremental compilation;
//! 4. for each profile (debug, release), each project's dependencies are
//!    built first; then, `--runs` times, the measured crates alone are
//!    removed with `cargo clean -p` and rebuilt, the three projects one
//!    after the other in each round so that they share the machine's load.
//!    The fastest round counts.
//!
//! It takes many minutes on two cores (release builds of the whole API and
//! of `ali-acs`), so it is not part of CI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::codegen::{self, Layout};

/// The command line of `cargo xtask bench-compile`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchCompileArgs {
    /// How many timed builds of each crate and profile; the fastest counts.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=10))]
    pub runs: u32,

    /// Measure only the generated crates, not `ali-acs`.
    #[arg(long)]
    pub skip_anchor: bool,
}

/// Why the benchmark could not run.
#[derive(Debug)]
pub struct BenchError(String);

impl std::fmt::Display for BenchError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str(&self.0)
    }
}

impl std::error::Error for BenchError {}

fn io_error(what: &str, path: &Path, error: std::io::Error) -> BenchError {
    BenchError(format!("cannot {what} {}: {error}", path.display()))
}

/// The crates `cargo xtask codegen` writes, which the benchmark rebuilds
/// and times together.
const GENERATED_CRATES: &[&str] = &[
    "aliyun-rds",
    "aliyun-rds-errors",
    "aliyun-rds-metadata",
    "aliyun-rds-types",
];

/// One project whose dependency is timed.
struct Project {
    /// The label in the table.
    label: &'static str,
    directory: PathBuf,
    /// The packages rebuilt and timed.
    measured: &'static [&'static str],
}

fn write(path: &Path, text: &str) -> Result<(), BenchError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| io_error("create", parent, error))?;
    }
    std::fs::write(path, text).map_err(|error| io_error("write", path, error))
}

/// Writes a library project with one dependency line.
fn consumer(directory: &Path, name: &str, dependency: &str, lock: &Path) -> Result<(), BenchError> {
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{dependency}\n\n\
         # A project of its own, not a member of an enclosing workspace.\n[workspace]\n"
    );
    write(&directory.join("Cargo.toml"), &manifest)?;
    write(
        &directory.join("src/lib.rs"),
        "//! Empty: only the dependency is built.\n",
    )?;
    // The workspace's lock file pins the shared dependencies to the same
    // versions; cargo adds what it lacks.
    std::fs::copy(lock, directory.join("Cargo.lock"))
        .map_err(|error| io_error("copy", lock, error))?;
    Ok(())
}

fn cargo(directory: &Path, target: &Path, arguments: &[&str]) -> Result<Duration, BenchError> {
    let started = Instant::now();
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(arguments)
        .arg("--quiet")
        .current_dir(directory)
        .env("CARGO_TARGET_DIR", target)
        // Cargo builds a registry dependency without incremental
        // compilation, but a path dependency (the measured crates here)
        // with it, which costs them about two fifths more. Both sides are
        // measured as a user who depends on the published crates builds
        // them: not incrementally.
        .env("CARGO_INCREMENTAL", "0")
        .status()
        .map_err(|error| BenchError(format!("cannot run cargo: {error}")))?;
    let elapsed = started.elapsed();
    if status.success() {
        Ok(elapsed)
    } else {
        Err(BenchError(format!(
            "`cargo {}` failed in {} ({status})",
            arguments.join(" "),
            directory.display()
        )))
    }
}

/// Times `cargo xtask codegen` generating every file from the checked-in
/// spec in memory (loading, resolving, rendering and formatting; not
/// writing): the fastest of `runs`. Returns the number of operations too.
fn time_codegen(root: &Path, runs: u32) -> Result<(usize, Duration), BenchError> {
    let layout = Layout::default();
    let mut fastest = Duration::MAX;
    let mut operations = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let generated = codegen::generate(root, &layout)
            .map_err(|error| BenchError(format!("codegen failed: {error}")))?;
        fastest = fastest.min(started.elapsed());
        // Every operation has one module in each of the generated crates.
        operations = generated
            .files
            .keys()
            .filter(|path| path.starts_with(&layout.types_src) && !path.ends_with("lib.rs"))
            .count();
    }
    Ok((operations, fastest))
}

/// Runs the benchmark, printing progress and the table on standard output.
pub fn run(args: &BenchCompileArgs) -> Result<(), BenchError> {
    let root = crate::workspace_root();
    let bench = root.join("target/bench-compile");
    let target = bench.join("target");

    println!("timing cargo xtask codegen over the checked-in spec");
    let (operations, codegen_time) = time_codegen(&root, 3)?;

    let lock = root.join("Cargo.lock");
    let client = root.join("generated/aliyun-rds");
    let client_path = client.display().to_string().replace('\\', "/");
    let mut projects = vec![
        Project {
            label: "generated crates, all operations",
            directory: bench.join("all"),
            measured: GENERATED_CRATES,
        },
        Project {
            label: "generated crates, cloud-migration only",
            directory: bench.join("workflow"),
            measured: GENERATED_CRATES,
        },
    ];
    consumer(
        &projects[0].directory,
        "bench-all",
        &format!("aliyun-rds = {{ path = \"{client_path}\" }}"),
        &lock,
    )?;
    consumer(
        &projects[1].directory,
        "bench-workflow",
        &format!(
            "aliyun-rds = {{ path = \"{client_path}\", default-features = false, features = [\"cloud-migration\"] }}"
        ),
        &lock,
    )?;
    if !args.skip_anchor {
        let anchor = Project {
            label: "anchor: ali-acs 0.8.0, rds feature",
            directory: bench.join("anchor"),
            measured: &["ali-acs"],
        };
        consumer(
            &anchor.directory,
            "bench-anchor",
            "ali-acs = { version = \"=0.8.0\", default-features = false, features = [\"rds\"] }",
            &lock,
        )?;
        projects.push(anchor);
    }

    let profiles: [(&str, &[&str]); 2] = [("debug", &[]), ("release", &["--release"])];
    let mut results: Vec<(&str, &str, Duration)> = Vec::new();
    for (profile, flags) in profiles {
        for project in &projects {
            println!("{profile}: building the dependencies of {}", project.label);
            let mut arguments = vec!["build"];
            arguments.extend_from_slice(flags);
            cargo(&project.directory, &target, &arguments)?;
        }
        let mut fastest = vec![Duration::MAX; projects.len()];
        for round in 1..=args.runs {
            for (index, project) in projects.iter().enumerate() {
                let mut clean = vec!["clean"];
                clean.extend_from_slice(flags);
                for package in project.measured {
                    clean.extend_from_slice(&["-p", package]);
                }
                cargo(&project.directory, &target, &clean)?;
                let mut build = vec!["build"];
                build.extend_from_slice(flags);
                let elapsed = cargo(&project.directory, &target, &build)?;
                println!(
                    "{profile}, round {round}: {:.1} s  {}",
                    elapsed.as_secs_f64(),
                    project.label
                );
                fastest[index] = fastest[index].min(elapsed);
            }
        }
        for (project, time) in projects.iter().zip(fastest) {
            results.push((profile, project.label, time));
        }
    }

    println!();
    println!(
        "cargo xtask codegen, {operations} operations: {:.2} s",
        codegen_time.as_secs_f64()
    );
    println!();
    println!("| profile | crates | build time | anchor / this |");
    println!("| --- | --- | --- | --- |");
    for (profile, label, time) in &results {
        let anchor = results
            .iter()
            .find(|(other, other_label, _)| other == profile && other_label.starts_with("anchor"))
            .map(|(_, _, anchor)| *anchor);
        let ratio = match anchor {
            Some(anchor) if !label.starts_with("anchor") => {
                format!("{:.2}×", anchor.as_secs_f64() / time.as_secs_f64())
            }
            _ => "—".to_owned(),
        };
        println!(
            "| {profile} | {label} | {:.1} s | {ratio} |",
            time.as_secs_f64()
        );
    }
    Ok(())
}
