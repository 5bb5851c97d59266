//! End-to-end call cost of the generated client against the emulator on
//! loopback, beside its floor: a bare reqwest POST of an identical request
//! that was signed before the clock started, sent to the same server in the
//! same run.
//!
//! Both sides call `ActivateMigrationTargetInstance` on `pgm-demo-notask`,
//! which the emulator answers with the same documented error every time, so
//! the server does identical work for both and its state never changes. The
//! difference is what the client adds per call: serializing the typed input,
//! resolving credentials, signing with a fresh nonce and timestamp, the retry
//! and timeout machinery, and decoding the typed error.
//!
//! The two sides run interleaved in short rounds so that the shared, noisy
//! machine affects both alike. Run with
//! `cargo bench -p aliyun-tests --bench end_to_end`.

// Benches fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime};

use aliyun_rds::Client;
use aliyun_rds_emulator::{Emulator, Fixture, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use aliyun_runtime::endpoint::Endpoint;
use aliyun_runtime::metadata::HttpMethod;
use aliyun_runtime::signing::{sign_request, SignedRequest, SigningInput};
use aliyun_runtime::{Config, Credentials, SignatureVersion};

const INSTANCE: &str = "pgm-demo-notask";
/// 200 rounds of 50 calls a side (10,000 each, a few seconds in all): with
/// fewer, the ratio moved by several hundredths from run to run on a shared
/// two-core machine.
const ROUNDS: usize = 200;
const CALLS_PER_ROUND: usize = 50;
const WARM_UP_CALLS: usize = 200;

/// Latencies of one side of the comparison.
struct Sample {
    name: &'static str,
    latencies: Vec<Duration>,
}

impl Sample {
    fn new(name: &'static str) -> Self {
        Sample {
            name,
            latencies: Vec::with_capacity(ROUNDS * CALLS_PER_ROUND),
        }
    }

    fn percentile(&self, fraction: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
        sorted[index]
    }

    fn total(&self) -> Duration {
        self.latencies.iter().sum()
    }

    fn calls_per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.total().as_secs_f64()
    }

    fn report(&self) {
        println!(
            "{:<18} {:>10.0} calls/s   p50 {:>8.1} us   p99 {:>8.1} us",
            self.name,
            self.calls_per_second(),
            self.percentile(0.50).as_secs_f64() * 1e6,
            self.percentile(0.99).as_secs_f64() * 1e6,
        );
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run());
}

async fn run() {
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator");
    let credentials = Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET);
    let client = Client::new(
        Config::builder()
            .endpoint_url(emulator.base_url())
            .credentials(credentials.clone())
            .signature_version(SignatureVersion::V1)
            .build(),
    )
    .expect("client");
    let bare = reqwest::Client::new();
    let endpoint = Endpoint::from_url(&emulator.base_url()).expect("endpoint");

    // Every pre-signed request carries its own nonce, as the emulator refuses
    // a replayed one; signing them all happens before any timing.
    let total_calls = WARM_UP_CALLS + ROUNDS * CALLS_PER_ROUND;
    let presigned: Vec<SignedRequest> = (0..total_calls)
        .map(|index| presign(&endpoint, &credentials, index))
        .collect();
    let mut presigned = presigned.into_iter();

    for _ in 0..WARM_UP_CALLS / 2 {
        call_client(&client).await;
    }
    for request in presigned.by_ref().take(WARM_UP_CALLS / 2) {
        call_bare(&bare, &request).await;
    }

    let mut generated = Sample::new("generated client");
    let mut floor = Sample::new("bare reqwest");
    for _ in 0..ROUNDS {
        for _ in 0..CALLS_PER_ROUND {
            let started = Instant::now();
            call_client(&client).await;
            generated.latencies.push(started.elapsed());
        }
        for request in presigned.by_ref().take(CALLS_PER_ROUND) {
            let started = Instant::now();
            call_bare(&bare, &request).await;
            floor.latencies.push(started.elapsed());
        }
    }

    println!("ActivateMigrationTargetInstance against the emulator on loopback, sequential calls:");
    generated.report();
    floor.report();
    println!(
        "overhead: {:.3}x of the floor (mean), {:.3}x (p50), {:.3}x (p99)",
        generated.total().as_secs_f64() / floor.total().as_secs_f64(),
        generated.percentile(0.50).as_secs_f64() / floor.percentile(0.50).as_secs_f64(),
        generated.percentile(0.99).as_secs_f64() / floor.percentile(0.99).as_secs_f64(),
    );
    emulator.shutdown().await;
}

fn presign(endpoint: &Endpoint, credentials: &Credentials, index: usize) -> SignedRequest {
    let parameters = vec![("DBInstanceName".to_owned(), INSTANCE.to_owned())];
    let nonce = format!("presigned-{index}-{}", std::process::id());
    sign_request(
        SignatureVersion::V1,
        &SigningInput {
            method: HttpMethod::Post,
            endpoint,
            action: "ActivateMigrationTargetInstance",
            version: "2014-08-15",
            parameters: &parameters,
            body: &[],
            credentials,
            timestamp: SystemTime::now(),
            nonce: &nonce,
        },
    )
}

async fn call_client(client: &Client) {
    let outcome = client
        .activate_migration_target_instance(INSTANCE)
        .send()
        .await;
    assert!(outcome.is_err(), "the demo instance has no task");
}

async fn call_bare(client: &reqwest::Client, request: &SignedRequest) {
    let mut builder = client.post(request.url());
    for (name, value) in request.headers() {
        builder = builder.header(*name, value);
    }
    let response = builder.send().await.expect("send");
    let status = response.status();
    let body = response.bytes().await.expect("body");
    assert_eq!(status.as_u16(), 400, "{}", String::from_utf8_lossy(&body));
}
