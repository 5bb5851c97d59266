//! `cargo xtask soak` runs this program in release: the soak of
//! `aliyun_tests::soak` with the calls and concurrency of its command line,
//! which prints its accounting table and fails when the accounting does.
//!
//! Usage: `soak [--calls N] [--concurrency C] [--fault-percent P]`.

use std::process::ExitCode;

use aliyun_tests::soak::{self, SoakConfig};

fn main() -> ExitCode {
    let mut config = SoakConfig {
        calls: 100_000,
        concurrency: 64,
        fault_percent: 3,
        check_memory: true,
    };
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let value = arguments
            .next()
            .and_then(|value| value.parse::<usize>().ok());
        match (flag.as_str(), value) {
            ("--calls", Some(calls)) => config.calls = calls,
            ("--concurrency", Some(concurrency)) => config.concurrency = concurrency,
            ("--fault-percent", Some(percent)) => {
                config.fault_percent = u32::try_from(percent).unwrap_or(u32::MAX).min(14)
            }
            _ => {
                eprintln!(
                    "usage: soak [--calls N] [--concurrency C] [--fault-percent P (at most 14)]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: no tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "soak: {} calls, {} in flight, {} % of requests per fault kind",
        config.calls, config.concurrency, config.fault_percent
    );
    let started = std::time::Instant::now();
    let report = match runtime.block_on(soak::run(config)) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!("{report}");
    println!("took {:.1} s", started.elapsed().as_secs_f64());
    let violations = report.violations();
    if violations.is_empty() {
        println!("accounting: every call and request accounted for");
        ExitCode::SUCCESS
    } else {
        for violation in violations {
            eprintln!("violation: {violation}");
        }
        ExitCode::FAILURE
    }
}
