//! `cargo xtask bench-concurrency` runs this program in release: the
//! generated client calling `DescribeRegions` on the emulator with 1, 16,
//! 64 and 256 calls in flight, beside its floor, bare reqwest sending
//! identical requests signed before the clock started, at the same
//! concurrency, in the same run.
//!
//! The emulator runs in the same process on a tokio runtime of its own (one
//! worker thread), built in release like the rest; the two sides share the
//! client runtime (two worker threads) and take turns in rounds, their order
//! swapped every round, so that the machine's noise falls on both alike.
//! Each round spreads its calls over as many tasks as calls in flight, each
//! task making its share one after the other.
//!
//! Usage: `bench_concurrency [--rounds N] [--levels 1,16,64,256]
//! [--only client|bare]`; `--only` runs one side alone, for profiling it.

// Benches fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime};

use aliyun_rds::Client;
use aliyun_rds_emulator::{Emulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use aliyun_runtime::endpoint::Endpoint;
use aliyun_runtime::metadata::HttpMethod;
use aliyun_runtime::signing::{sign_request, SignedRequest, SigningInput};
use aliyun_runtime::{Config, Credentials, SignatureVersion};

const ACTION: &str = "DescribeRegions";

/// Calls per round at a level: enough for every task to make 20 calls,
/// and never fewer than 400.
fn calls_per_round(level: usize) -> usize {
    (level * 20).max(400)
}

/// One side's measurements at one level.
#[derive(Default)]
struct Side {
    latencies: Vec<Duration>,
    elapsed: Duration,
    calls: usize,
    peak_rss_kb: u64,
}

impl Side {
    fn calls_per_second(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, fraction: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
        sorted[index]
    }

    fn add_round(&mut self, latencies: Vec<Duration>, elapsed: Duration) {
        self.calls += latencies.len();
        self.latencies.extend(latencies);
        self.elapsed += elapsed;
        if let Some(kb) = resident_kb() {
            self.peak_rss_kb = self.peak_rss_kb.max(kb);
        }
    }
}

fn resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let mut rounds = 10usize;
    let mut levels = vec![1usize, 16, 64, 256];
    let mut only = None;
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let value = arguments.next().expect("a value after each flag");
        match flag.as_str() {
            "--rounds" => rounds = value.parse().expect("--rounds N"),
            "--levels" => {
                levels = value
                    .split(',')
                    .map(|level| level.parse().expect("--levels 1,16,64,256"))
                    .collect()
            }
            "--only" => only = Some(value),
            _ => panic!(
                "usage: bench_concurrency [--rounds N] [--levels 1,16,64,256] [--only client|bare]"
            ),
        }
    }

    let emulator_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("emulator runtime");
    let emulator = emulator_runtime
        .block_on(Emulator::builder().start("127.0.0.1:0"))
        .expect("the emulator starts");
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    let base_url = emulator.base_url();
    client_runtime.block_on(run(&base_url, rounds, &levels, only.as_deref()));
    drop(emulator);
}

async fn run(base_url: &str, rounds: usize, levels: &[usize], only: Option<&str>) {
    let run_client = only != Some("bare");
    let run_bare = only != Some("client");
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET);
    let client = Client::new(
        Config::builder()
            .endpoint_url(base_url)
            .credentials(credentials.clone())
            .signature_version(SignatureVersion::V1)
            .build(),
    )
    .expect("client");
    let bare = reqwest::Client::new();
    let endpoint = Endpoint::from_url(base_url).expect("endpoint");
    let method = aliyun_rds::metadata::OPERATIONS
        .iter()
        .find(|operation| operation.name == ACTION)
        .expect("DescribeRegions is generated")
        .method;
    let mut nonce_counter = 0usize;
    let mut presign = |count: usize| -> Vec<SignedRequest> {
        (0..count)
            .map(|_| {
                nonce_counter += 1;
                let nonce = format!("bench-{nonce_counter}-{}", std::process::id());
                sign_request(
                    SignatureVersion::V1,
                    &SigningInput {
                        method,
                        endpoint: &endpoint,
                        action: ACTION,
                        version: "2014-08-15",
                        parameters: &[],
                        body: &[],
                        credentials: &credentials,
                        timestamp: SystemTime::now(),
                        nonce: &nonce,
                    },
                )
            })
            .collect()
    };

    println!(
        "{ACTION} against the emulator on loopback, {rounds} rounds a side per level, alternating:"
    );
    println!(
        "| in flight | side | calls | calls/s | p50 | p99 | peak RSS |\n| --- | --- | --- | --- | --- | --- | --- |"
    );
    let mut summary = Vec::new();
    for &level in levels {
        let per_round = calls_per_round(level);
        // Warm-up: open the connections both sides will use.
        run_client_round(&client, level, per_round / 2).await;
        run_bare_round(&bare, level, presign(per_round / 2)).await;
        let mut generated = Side::default();
        let mut floor = Side::default();
        for round in 0..rounds {
            let requests = presign(per_round);
            for side in [round % 2 == 0, round % 2 != 0] {
                if side && run_client {
                    let (latencies, elapsed) = run_client_round(&client, level, per_round).await;
                    generated.add_round(latencies, elapsed);
                } else if !side && run_bare {
                    let (latencies, elapsed) = run_bare_round(&bare, level, requests.clone()).await;
                    floor.add_round(latencies, elapsed);
                }
            }
        }
        for (name, side) in [("generated client", &generated), ("bare reqwest", &floor)] {
            if side.calls == 0 {
                continue;
            }
            println!(
                "| {level} | {name} | {} | {:.0} | {:.1} µs | {:.1} µs | {} MB |",
                side.calls,
                side.calls_per_second(),
                side.percentile(0.50).as_secs_f64() * 1e6,
                side.percentile(0.99).as_secs_f64() * 1e6,
                side.peak_rss_kb / 1024,
            );
        }
        // With `--only`, one side has no calls and there is nothing to compare.
        if generated.calls > 0 && floor.calls > 0 {
            summary.push((
                level,
                generated.calls_per_second() / floor.calls_per_second(),
                generated.percentile(0.99).as_secs_f64() / floor.percentile(0.99).as_secs_f64(),
            ));
        }
    }
    measure_decoding(&bare, &mut presign).await;
    println!();
    println!(
        "| in flight | throughput (client / floor) | p99 (client / floor) |\n| --- | --- | --- |"
    );
    for (level, throughput, p99) in summary {
        println!("| {level} | {throughput:.3}× | {p99:.3}× |");
    }
}

/// `calls` calls of the generated client spread over `level` tasks.
async fn run_client_round(
    client: &Client,
    level: usize,
    calls: usize,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..level {
        let client = client.clone();
        let share = calls / level + usize::from(task < calls % level);
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(share);
            for _ in 0..share {
                let call_started = Instant::now();
                let output = client.describe_regions().send().await.expect("regions");
                latencies.push(call_started.elapsed());
                std::hint::black_box(output);
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(calls);
    while let Some(joined) = tasks.join_next().await {
        latencies.extend(joined.expect("task"));
    }
    (latencies, started.elapsed())
}

/// The same calls as identical pre-signed requests through bare reqwest.
async fn run_bare_round(
    client: &reqwest::Client,
    level: usize,
    mut requests: Vec<SignedRequest>,
) -> (Vec<Duration>, Duration) {
    let calls = requests.len();
    let mut shares = Vec::with_capacity(level);
    for task in 0..level {
        let share = calls / level + usize::from(task < calls % level);
        let rest = requests.split_off(share.min(requests.len()));
        shares.push(std::mem::replace(&mut requests, rest));
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for share in shares {
        let client = client.clone();
        tasks.spawn(async move {
            let mut latencies = Vec::with_capacity(share.len());
            for request in share {
                let call_started = Instant::now();
                let mut builder = match request.method() {
                    HttpMethod::Get => client.get(request.url()),
                    _ => client.post(request.url()),
                };
                for (name, value) in request.headers() {
                    builder = builder.header(*name, value);
                }
                if !request.body().is_empty() {
                    builder = builder.body(request.body().to_vec());
                }
                let response = builder.send().await.expect("send");
                let status = response.status();
                let body = response.bytes().await.expect("body");
                assert_eq!(status.as_u16(), 200, "{}", String::from_utf8_lossy(&body));
                latencies.push(call_started.elapsed());
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(calls);
    while let Some(joined) = tasks.join_next().await {
        latencies.extend(joined.expect("task"));
    }
    (latencies, started.elapsed())
}

/// What decoding one answer costs the client, which the floor does not do:
/// the typed output from the body's bytes, as the client decodes it, and
/// for scale parsing the same bytes into a JSON value alone, each timed
/// over many repetitions on one thread.
async fn measure_decoding(
    client: &reqwest::Client,
    presign: &mut impl FnMut(usize) -> Vec<SignedRequest>,
) {
    use aliyun_rds::operation::describe_regions::DescribeRegionsOutput;
    use aliyun_runtime::response::decode_response;

    let request = presign(1).pop().expect("one request");
    let mut builder = match request.method() {
        HttpMethod::Get => client.get(request.url()),
        _ => client.post(request.url()),
    };
    for (name, value) in request.headers() {
        builder = builder.header(*name, value);
    }
    let body = builder
        .send()
        .await
        .expect("send")
        .bytes()
        .await
        .expect("body");
    const REPETITIONS: u32 = 2000;
    let started = Instant::now();
    for _ in 0..REPETITIONS {
        let value: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        std::hint::black_box(value);
    }
    let parse = started.elapsed() / REPETITIONS;
    let started = Instant::now();
    for _ in 0..REPETITIONS {
        let output = decode_response::<DescribeRegionsOutput, String>(200, &body, str::to_owned)
            .expect("decodes");
        std::hint::black_box(output);
    }
    let typed = started.elapsed() / REPETITIONS;
    println!();
    println!(
        "decoding one answer ({} bytes): typed output from the bytes {:.1} µs; the same bytes into a JSON value alone {:.1} µs",
        body.len(),
        typed.as_secs_f64() * 1e6,
        parse.as_secs_f64() * 1e6,
    );
}
