//! How long real PostgreSQL behind the emulator takes: from
//! `CreateDBInstance` to `Running` (the `DBInstanceRunning` waiter), and a
//! cloud migration of a 100 MB source from `CreateCloudMigrationTask` to
//! the end of `ActivateMigrationTargetInstance`, through the generated
//! client, as `BENCHMARKS.md` reports them.
//!
//! ```sh
//! cargo run --release -p aliyun-tests --features postgres --example bench_postgres
//! ```
//!
//! The waiters poll every 50 ms, so they add at most that to a figure.
//! Needs PostgreSQL's programs, as the `postgres_migration` example does.

use std::error::Error;
use std::time::{Duration, Instant};

use aliyun_rds_emulator::postgres::{Engine, EngineOptions};

#[allow(dead_code)]
#[path = "postgres_migration.rs"]
mod example;

const POLL: Duration = Duration::from_millis(50);
/// Instances created for the first figure.
const CREATIONS: usize = 5;
/// The source's size for the second figure.
const SOURCE_BYTES: i64 = 100 << 20;

fn seconds(duration: Duration) -> String {
    format!("{:.2} s", duration.as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let emulator = example::start_emulator().await?;
    let client = example::client_for(&emulator)?;

    // CreateDBInstance to Running, several times.
    let mut creations = Vec::new();
    for _ in 0..CREATIONS {
        let started = Instant::now();
        example::create_target(&client, 20, POLL).await?;
        creations.push(started.elapsed());
    }
    creations.sort();
    println!(
        "CreateDBInstance to Running ({CREATIONS} instances): median {}, min {}, max {}",
        seconds(creations[CREATIONS / 2]),
        seconds(creations[0]),
        seconds(creations[CREATIONS - 1])
    );

    // A 100 MB source: rows of about 250 bytes until the database is that
    // large.
    let sources = Engine::start(EngineOptions::new()).await?;
    let password = "Bench-Passw0rd";
    let cluster = example::start_source(&sources, "bench-source", "migrator", password, 0).await?;
    let session = example::connect(
        &cluster.host().to_string(),
        cluster.port(),
        example::APP_ACCOUNT,
        password,
        "app",
    )
    .await?;
    let mut next = 1_i64;
    loop {
        let size: i64 = session
            .query_one("SELECT pg_database_size('app')", &[])
            .await?
            .get(0);
        if size >= SOURCE_BYTES {
            println!(
                "source database: {:.1} MB",
                size as f64 / f64::from(1 << 20)
            );
            break;
        }
        session
            .execute(
                "INSERT INTO items SELECT n, repeat(md5(n::text), 7) FROM generate_series($1::bigint, $1::bigint + 49999) AS n",
                &[&next],
            )
            .await?;
        next += 50_000;
    }
    drop(session);
    let source = example::Source {
        ip: cluster.host().to_string(),
        port: i64::from(cluster.port()),
        account: "migrator".to_owned(),
        password: password.to_owned(),
    };
    let instance = example::create_target(&client, 20, POLL).await?;
    let started = Instant::now();
    example::precheck(&client, &instance, &source, POLL).await?;
    let prechecked = started.elapsed();
    let started = Instant::now();
    example::migrate(&client, &instance, &source, POLL).await?;
    let ready = started.elapsed();
    example::switch_over(&client, &instance).await?;
    let switched = started.elapsed();
    println!("precheck: {}", seconds(prechecked));
    println!(
        "CreateCloudMigrationTask to ready to switch over: {}; to switched over: {}",
        seconds(ready),
        seconds(switched)
    );

    emulator.shutdown().await;
    sources.shutdown().await;
    Ok(())
}
