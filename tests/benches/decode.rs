//! What decoding a successful answer costs: the documented example answers
//! of `DescribeRegions` and `DescribeDBInstances`, decoded from their bytes
//! into the typed outputs exactly as the client does after every call
//! (`aliyun_runtime::response::decode_response`), beside the cost of
//! parsing the same bytes into a `serde_json::Value` alone, for scale.
//!
//! Each measurement is the mean of many repetitions on one thread, taken
//! in alternating rounds so that the shared machine's noise falls on all of
//! them alike. Run with `cargo bench -p aliyun-tests --bench decode`.

// Benches fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use aliyun_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aliyun_rds::operation::describe_regions::DescribeRegionsOutput;
use aliyun_runtime::response::decode_response;
use aliyun_runtime::FromJson;

const ROUNDS: u32 = 20;
const REPETITIONS: u32 = 500;

/// The documented example answer of an operation.
fn example(name: &str) -> &'static [u8] {
    aliyun_rds::metadata::OPERATIONS
        .iter()
        .find(|operation| operation.name == name)
        .and_then(|operation| operation.sample_response)
        .unwrap_or_else(|| panic!("{name} has a documented example"))
        .as_bytes()
}

/// Decodes `body` as the client decodes a 200 answer.
fn decode<O: FromJson>(body: &[u8]) -> O {
    decode_response::<O, String>(200, body, str::to_owned).expect("the example decodes")
}

/// The mean time of one call of `work`, over `REPETITIONS` calls.
fn time(work: impl Fn()) -> Duration {
    let started = Instant::now();
    for _ in 0..REPETITIONS {
        work();
    }
    started.elapsed() / REPETITIONS
}

fn main() {
    let regions = example("DescribeRegions");
    let instances = example("DescribeDBInstances");
    type Case<'a> = (String, Box<dyn Fn() + 'a>);
    let cases: Vec<Case<'_>> = vec![
        (
            format!("DescribeRegions, typed output ({} bytes)", regions.len()),
            Box::new(|| {
                black_box(decode::<DescribeRegionsOutput>(black_box(regions)));
            }),
        ),
        (
            format!("DescribeRegions, JSON value only ({} bytes)", regions.len()),
            Box::new(|| {
                black_box(serde_json::from_slice::<serde_json::Value>(black_box(regions)).unwrap());
            }),
        ),
        (
            format!(
                "DescribeDBInstances, typed output ({} bytes)",
                instances.len()
            ),
            Box::new(|| {
                black_box(decode::<DescribeDbInstancesOutput>(black_box(instances)));
            }),
        ),
        (
            format!(
                "DescribeDBInstances, JSON value only ({} bytes)",
                instances.len()
            ),
            Box::new(|| {
                black_box(
                    serde_json::from_slice::<serde_json::Value>(black_box(instances)).unwrap(),
                );
            }),
        ),
    ];
    // Warm-up, and a check that every case works before any is timed.
    for (_, work) in &cases {
        time(work);
    }
    let mut totals = vec![Duration::ZERO; cases.len()];
    for round in 0..ROUNDS {
        // Alternate the order, so that no case always runs first.
        let order: Vec<usize> = if round % 2 == 0 {
            (0..cases.len()).collect()
        } else {
            (0..cases.len()).rev().collect()
        };
        for index in order {
            totals[index] += time(&cases[index].1);
        }
    }
    println!("| answer | mean per decode |\n| --- | --- |");
    for ((name, _), total) in cases.iter().zip(totals) {
        println!(
            "| {name} | {:.2} µs |",
            (total / ROUNDS).as_secs_f64() * 1e6
        );
    }
}
