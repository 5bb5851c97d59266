//! The stateful emulator under load, beside the example-answering emulator
//! it replaced, in one run (see `BENCHMARKS.md`):
//!
//! * **Lifecycle flows.** Rounds of 200 provisioning lifecycles in flight
//!   at once, 19 calls each (create an instance, describe it, account,
//!   database, grant, whitelist, description, parameter, tag, backup, read
//!   everything back, delete, see it gone), against each emulator in turn,
//!   the order swapped every round. Against the stateful emulator (pace
//!   `instant`) every flow's final state is checked exactly; the baseline
//!   answers documented examples, so its calls are only timed. The table
//!   gives calls per second and the latency percentiles per call, and the
//!   ratios of the two.
//! * **Memory per 10,000 instances.** The resident memory of an emulator
//!   process holding 10,000 more instances than another: seeded at start
//!   (`--seed-instances`, both emulators), and, for the stateful one,
//!   created through `CreateDBInstance` (with their tasks and events).
//!
//! Both emulators are `aliyun-rds emulator` processes of their own:
//! `--candidate` (default: this workspace's `target/release/aliyun-rds`)
//! and `--baseline` (the same binary built from an earlier commit).
//!
//! Usage: `bench_emulator --baseline PATH [--candidate PATH] [--rounds N]
//! [--flows N]`.

// Benches fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aliyun_rds::metadata::OPERATIONS;
use aliyun_rds::Client;
use aliyun_rds_emulator::{DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use aliyun_runtime::metadata::OperationMetadata;
use aliyun_runtime::{Config, Credentials, RetryConfig, SdkError};
use serde_json::{json, Map, Value};

const REGION: &str = "cn-hangzhou";

/// An `aliyun-rds emulator` process, killed when dropped.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    fn start(binary: &Path, flags: &[&str]) -> Served {
        let mut child = Command::new(binary)
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(flags)
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEMO_ACCESS_KEY_SECRET)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("run {}: {error}", binary.display()));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the first line");
        let url = line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Served { child, url }
    }

    /// The process's resident memory, in KiB.
    fn resident_kb(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the process's status");
        status
            .lines()
            .find(|line| line.starts_with("VmRSS:"))
            .and_then(|line| line.split_whitespace().nth(1))
            .and_then(|kb| kb.parse().ok())
            .expect("VmRSS")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client(url: &str) -> Client {
    Client::new(
        Config::builder()
            .endpoint_url(url)
            .region(REGION)
            .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET))
            .retry(RetryConfig::default().with_max_attempts(1))
            .build(),
    )
    .expect("client")
}

fn operation(name: &str) -> &'static OperationMetadata {
    OPERATIONS
        .iter()
        .find(|operation| operation.name == name)
        .copied()
        .unwrap_or_else(|| panic!("{name} is generated"))
}

/// One call through the client's dynamic path; the error code on failure.
async fn call(client: &Client, name: &str, parameters: Value) -> Result<Value, String> {
    let parameters: Map<String, Value> = match parameters {
        Value::Object(parameters) => parameters,
        _ => Map::new(),
    };
    client
        .runtime()
        .invoke::<_, Value, String>(operation(name), &parameters, str::to_owned)
        .await
        .map_err(|error| match error {
            SdkError::Service(service) => service.code().to_owned(),
            other => panic!("{name}: {other}"),
        })
}

/// One lifecycle; returns the latency of each call. With `check`, the
/// final state is checked exactly (the stateful emulator).
async fn flow(client: &Client, index: usize, check: bool) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(19);
    let mut timed = |started: Instant| latencies.push(started.elapsed());
    macro_rules! step {
        ($name:expr, $parameters:expr) => {{
            let started = Instant::now();
            let result = call(client, $name, $parameters).await;
            timed(started);
            result
        }};
    }
    let description = format!("flow-{index}");
    let ips = format!("10.{}.{}.0/24", (index / 250) % 250, index % 250);
    let tag = format!("f{index}");
    let created = step!(
        "CreateDBInstance",
        json!({
            "RegionId": REGION, "Engine": "PostgreSQL", "EngineVersion": "15.0",
            "DBInstanceClass": "pg.n2.2c.2m", "DBInstanceStorage": 20,
            "DBInstanceNetType": "Intranet", "SecurityIPList": "10.0.0.1", "PayType": "Postpaid",
        })
    );
    let id = match &created {
        Ok(answer) => answer["DBInstanceId"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        Err(code) => panic!("CreateDBInstance: {code}"),
    };
    let instance = json!({ "DBInstanceId": id });
    let with = |extra: Value| {
        let mut parameters = instance.clone();
        if let (Value::Object(parameters), Value::Object(extra)) = (&mut parameters, extra) {
            parameters.extend(extra);
        }
        parameters
    };
    let running = step!("DescribeDBInstanceAttribute", instance.clone());
    let _ = step!(
        "CreateAccount",
        with(json!({ "AccountName": "app_user", "AccountPassword": "Passw0rd!" }))
    );
    let _ = step!(
        "CreateDatabase",
        with(json!({ "DBName": "orders", "CharacterSetName": "UTF8" }))
    );
    let _ = step!(
        "GrantAccountPrivilege",
        with(
            json!({ "AccountName": "app_user", "DBName": "orders", "AccountPrivilege": "DBOwner" })
        )
    );
    let _ = step!("ModifySecurityIps", with(json!({ "SecurityIps": ips })));
    let _ = step!(
        "ModifyDBInstanceDescription",
        with(json!({ "DBInstanceDescription": description }))
    );
    let _ = step!(
        "ModifyParameter",
        with(json!({ "Parameters": r#"{"work_mem":"8192"}"# }))
    );
    let _ = step!(
        "TagResources",
        json!({ "RegionId": REGION, "ResourceType": "INSTANCE", "ResourceId": [id], "Tag": [{ "Key": "flow", "Value": tag }] })
    );
    let _ = step!("CreateBackup", instance.clone());
    let backups = step!("DescribeBackups", instance.clone());
    let accounts = step!("DescribeAccounts", instance.clone());
    let databases = step!("DescribeDatabases", instance.clone());
    let arrays = step!("DescribeDBInstanceIPArrayList", instance.clone());
    let attribute = step!("DescribeDBInstanceAttribute", instance.clone());
    let tagged = step!(
        "ListTagResources",
        json!({ "RegionId": REGION, "ResourceType": "INSTANCE", "Tag": [{ "Key": "flow", "Value": tag }] })
    );
    let parameters = step!("DescribeParameters", instance.clone());
    let _ = step!("DeleteDBInstance", instance.clone());
    let gone = step!("DescribeDBInstanceAttribute", instance.clone());
    if check {
        let ok = |result: Result<Value, String>, what: &str| {
            result.unwrap_or_else(|code| panic!("flow {index}: {what}: {code}"))
        };
        assert_eq!(
            ok(running, "describe")["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"],
            "Running"
        );
        let accounts = ok(accounts, "accounts");
        let account = &accounts["Accounts"]["DBInstanceAccount"];
        assert_eq!(account.as_array().map(Vec::len), Some(1), "flow {index}");
        assert_eq!(account[0]["AccountName"], "app_user");
        assert_eq!(
            account[0]["DatabasePrivileges"]["DatabasePrivilege"][0]["DBName"],
            "orders"
        );
        assert_eq!(
            account[0]["DatabasePrivileges"]["DatabasePrivilege"][0]["AccountPrivilege"],
            "DBOwner"
        );
        let databases = ok(databases, "databases");
        assert_eq!(
            databases["Databases"]["Database"].as_array().map(Vec::len),
            Some(1)
        );
        assert_eq!(databases["Databases"]["Database"][0]["DBName"], "orders");
        assert_eq!(
            ok(arrays, "whitelist")["Items"]["DBInstanceIPArray"][0]["SecurityIPList"],
            ips.as_str()
        );
        assert_eq!(
            ok(attribute, "attribute")["Items"]["DBInstanceAttribute"][0]["DBInstanceDescription"],
            description.as_str()
        );
        let tagged = ok(tagged, "tags");
        let resources = tagged["TagResources"]["TagResource"]
            .as_array()
            .expect("a list");
        assert_eq!(resources.len(), 1, "flow {index}: {tagged}");
        assert_eq!(resources[0]["ResourceId"], id.as_str());
        let backups = ok(backups, "backups");
        assert_eq!(backups["TotalRecordCount"], "1");
        assert_eq!(backups["Items"]["Backup"][0]["BackupStatus"], "Success");
        let parameters = ok(parameters, "parameters");
        let work_mem = parameters["RunningParameters"]["DBInstanceParameter"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|parameter| parameter["ParameterName"] == "work_mem")
            .expect("work_mem");
        assert_eq!(work_mem["ParameterValue"], "8192");
        assert_eq!(
            gone,
            Err("InvalidDBInstanceId.NotFound".to_owned()),
            "flow {index}"
        );
    }
    latencies
}

/// One side's measurements.
#[derive(Default)]
struct Side {
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Side {
    fn calls_per_second(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&self, fraction: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        sorted[((sorted.len() as f64 - 1.0) * fraction).round() as usize]
    }
}

/// `flows` lifecycles at once; their latencies and the round's duration.
async fn round(
    client: &Client,
    flows: usize,
    check: bool,
    offset: usize,
) -> (Vec<Duration>, Duration) {
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..flows {
        let client = client.clone();
        tasks.spawn(async move { flow(&client, offset + index, check).await });
    }
    let mut latencies = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        latencies.extend(joined.expect("a flow"));
    }
    (latencies, started.elapsed())
}

/// The resident memory 10,000 more instances take in an emulator.
fn seeded_memory_kb(binary: &Path, extra_flags: &[&str]) -> u64 {
    let settle = |served: &Served| {
        std::thread::sleep(Duration::from_millis(300));
        served.resident_kb()
    };
    let empty = Served::start(binary, extra_flags);
    let mut flags = extra_flags.to_vec();
    flags.extend(["--seed-instances", "10000"]);
    let full = Served::start(binary, &flags);
    settle(&full).saturating_sub(settle(&empty))
}

/// The resident memory 10,000 instances created through the API take in
/// the stateful emulator, with their tasks and events.
async fn created_memory_kb(binary: &Path) -> u64 {
    let served = Served::start(binary, &["--pace", "instant", "--seed", "1"]);
    let client = client(&served.url);
    call(&client, "DescribeRegions", json!({}))
        .await
        .expect("warm up");
    let before = served.resident_kb();
    let mut tasks = tokio::task::JoinSet::new();
    for share in 0..50 {
        let client = client.clone();
        tasks.spawn(async move {
            for _ in 0..200 {
                call(
                    &client,
                    "CreateDBInstance",
                    json!({
                        "RegionId": REGION, "Engine": "MySQL", "EngineVersion": "8.0",
                        "DBInstanceClass": "mysql.n2.medium.1", "DBInstanceStorage": 20,
                        "DBInstanceNetType": "Intranet", "SecurityIPList": "10.0.0.1", "PayType": "Postpaid",
                        "DBInstanceDescription": format!("memory{share}"),
                    }),
                )
                .await
                .expect("created");
            }
        });
    }
    while let Some(joined) = tasks.join_next().await {
        joined.expect("a share");
    }
    let listed = call(
        &client,
        "DescribeDBInstances",
        json!({ "RegionId": REGION, "PageSize": 1 }),
    )
    .await
    .expect("listed");
    assert_eq!(listed["TotalRecordCount"], 10_000 + 6);
    std::thread::sleep(Duration::from_millis(300));
    served.resident_kb().saturating_sub(before)
}

fn main() {
    let mut baseline: Option<PathBuf> = None;
    let mut candidate = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../target/release/aliyun-rds"
    ));
    let mut rounds = 5usize;
    let mut flows = 200usize;
    let mut arguments = std::env::args().skip(1);
    while let Some(flag) = arguments.next() {
        let value = arguments.next().expect("a value after each flag");
        match flag.as_str() {
            "--baseline" => baseline = Some(PathBuf::from(value)),
            "--candidate" => candidate = PathBuf::from(value),
            "--rounds" => rounds = value.parse().expect("--rounds N"),
            "--flows" => flows = value.parse().expect("--flows N"),
            _ => panic!(
                "usage: bench_emulator --baseline PATH [--candidate PATH] [--rounds N] [--flows N]"
            ),
        }
    }
    let baseline =
        baseline.expect("--baseline PATH: aliyun-rds built from the commit to compare with");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("client runtime");
    runtime.block_on(async {
        let stateful = Served::start(&candidate, &["--pace", "instant", "--seed", "1"]);
        let answering = Served::start(&baseline, &[]);
        let stateful_client = client(&stateful.url);
        let answering_client = client(&answering.url);
        // Warm-up: connections, and a first round of each.
        round(&stateful_client, flows / 4, true, 1_000_000).await;
        round(&answering_client, flows / 4, false, 1_000_000).await;
        let (mut new, mut old) = (Side::default(), Side::default());
        for number in 0..rounds {
            for stateful_side in [number % 2 == 0, number % 2 != 0] {
                let (client, side, check) = if stateful_side {
                    (&stateful_client, &mut new, true)
                } else {
                    (&answering_client, &mut old, false)
                };
                let (latencies, elapsed) = round(client, flows, check, number * flows).await;
                side.latencies.extend(latencies);
                side.elapsed += elapsed;
            }
        }
        // Every flow deleted its instance: the stateful emulator holds only
        // the demo fixture's again.
        let listed = call(&stateful_client, "DescribeDBInstances", json!({ "RegionId": REGION }))
            .await
            .expect("listed");
        assert_eq!(listed["TotalRecordCount"], 6, "{listed}");
        println!(
            "{rounds} rounds of {flows} lifecycle flows in flight (19 calls each), a side per round, alternating; every stateful flow's final state checked:"
        );
        println!("| emulator | calls | calls/s | p50 | p99 | RSS after |\n| --- | --- | --- | --- | --- | --- |");
        for (name, side, served) in [("stateful (candidate)", &new, &stateful), ("example-answering (baseline)", &old, &answering)] {
            println!(
                "| {name} | {} | {:.0} | {:.2} ms | {:.2} ms | {} MB |",
                side.latencies.len(),
                side.calls_per_second(),
                side.percentile(0.50).as_secs_f64() * 1e3,
                side.percentile(0.99).as_secs_f64() * 1e3,
                served.resident_kb() / 1024,
            );
        }
        println!();
        println!(
            "| throughput (stateful / baseline) | p50 (stateful / baseline) | p99 (stateful / baseline) |\n| --- | --- | --- |"
        );
        println!(
            "| {:.3}× | {:.3}× | {:.3}× |",
            new.calls_per_second() / old.calls_per_second(),
            new.percentile(0.50).as_secs_f64() / old.percentile(0.50).as_secs_f64(),
            new.percentile(0.99).as_secs_f64() / old.percentile(0.99).as_secs_f64(),
        );
        drop((stateful, answering));
        println!();
        println!("Resident memory of 10,000 instances:");
        println!("| emulator | how | MB per 10,000 instances |\n| --- | --- | --- |");
        let seeded_new = seeded_memory_kb(&candidate, &["--pace", "instant"]);
        let seeded_old = seeded_memory_kb(&baseline, &[]);
        let created_new = created_memory_kb(&candidate).await;
        for (name, how, kb) in [
            ("stateful (candidate)", "--seed-instances 10000", seeded_new),
            ("example-answering (baseline)", "--seed-instances 10000", seeded_old),
            ("stateful (candidate)", "10,000 CreateDBInstance calls", created_new),
        ] {
            println!("| {name} | {how} | {:.1} |", kb as f64 / 1024.0);
        }
    });
}
