//! `cargo xtask bench-concurrency`: the generated client's throughput and
//! latency with 1, 16, 64 and 256 calls in flight, beside bare reqwest
//! sending identical pre-signed requests (see `BENCHMARKS.md`).
//!
//! ```text
//! cargo xtask bench-concurrency [--rounds N] [--levels 1,16,64,256]
//! ```
//!
//! Like `cargo xtask soak`, it runs a program of the workspace tests (the
//! `bench_concurrency` example) in release rather than linking the client.

/// The command line of `cargo xtask bench-concurrency`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchConcurrencyArgs {
    /// Rounds a side at each level, the two sides alternating.
    #[arg(long, default_value_t = 10)]
    pub rounds: usize,

    /// Calls in flight, comma-separated.
    #[arg(long, default_value = "1,16,64,256")]
    pub levels: String,
}

/// Runs the benchmark, which prints its tables.
pub fn run(args: &BenchConcurrencyArgs) -> Result<(), crate::soak::LoadError> {
    crate::soak::run_release_example(
        "bench_concurrency",
        &[
            "--rounds".to_owned(),
            args.rounds.to_string(),
            "--levels".to_owned(),
            args.levels.clone(),
        ],
    )
}
