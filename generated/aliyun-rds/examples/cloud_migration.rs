//! Migrates a self-managed PostgreSQL into an RDS instance and switches the
//! workloads over, against the local emulator: no account, no network.
//!
//! The six steps of the cloud migration workflow, each printed as it runs:
//! check that RDS may use the cloud resources it needs, precheck the source,
//! wait until the precheck report says it passed, create the migration
//! task, wait until the task is ready to switch over, switch over, and read
//! the task once more to see the switchover done. The emulator takes a few
//! polls to finish the precheck, as the service takes a while.
//!
//! Run it with `cargo run -p aliyun-rds --example cloud_migration`. Against
//! the real service, drop the emulator, set a region instead of the
//! endpoint, let the default credentials chain find your keys, and keep the
//! waiters' default delays (5 to 30 seconds between polls of the precheck,
//! 15 to 120 seconds between polls of the migration task).

use std::error::Error;
use std::time::Duration;

use aliyun_rds::{Client, Config};
use aliyun_rds_emulator::{Emulator, Fixture, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use aliyun_runtime::Credentials;

/// The demo instance on which the whole workflow succeeds.
const TARGET_INSTANCE: &str = "pgm-demo-target";

/// The self-managed source database. The emulator never stores or answers
/// the password; the real service needs the replication account's.
const SOURCE_IP_ADDRESS: &str = "172.16.10.30";
const SOURCE_PORT: i64 = 5432;
const SOURCE_ACCOUNT: &str = "migrator";
const SOURCE_PASSWORD: &str = "example-only-password";
const SOURCE_CATEGORY: &str = "ecsOnVpc";

/// What the workflow did, for the caller to check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationSummary {
    /// The precheck task.
    pub precheck_task_id: i64,
    /// The migration task.
    pub migration_task_id: i64,
    /// The task's stage after the switchover (`success`).
    pub final_stage: String,
    /// When the switchover happened.
    pub switch_time: String,
}

/// Runs the whole workflow on `instance`, printing each step.
///
/// `poll_delay` bounds the waiters' delays between polls: the emulator
/// moves a precheck or a task on at every poll, so there is no point
/// waiting long.
pub async fn migrate(
    client: &Client,
    instance: &str,
    poll_delay: Duration,
) -> Result<MigrationSummary, Box<dyn Error>> {
    // 1. RDS needs permission to use cloud resources on the account's behalf.
    let authorization = client
        .check_cloud_resource_authorized()
        .db_instance_id(instance)
        .send()
        .await?;
    println!(
        "1. cloud resources authorized: {:?} (role {})",
        authorization.authorization_state,
        authorization.role_arn.as_deref().unwrap_or("?")
    );
    if authorization.authorization_state != Some(1) {
        return Err(format!("{instance}: authorize RDS to use cloud resources first").into());
    }

    // 2. The precheck tests connectivity, privileges and versions.
    let precheck = client
        .create_cloud_migration_precheck_task(
            instance,
            SOURCE_IP_ADDRESS,
            SOURCE_PORT,
            SOURCE_ACCOUNT,
            SOURCE_PASSWORD,
            SOURCE_CATEGORY,
        )
        .send()
        .await?;
    let precheck_task_id = precheck
        .task_id
        .ok_or("the precheck answer has no TaskId")?;
    println!("2. precheck task {precheck_task_id} created");

    // 3. Its report must end in success before a migration is accepted.
    // The operation has no status field: the generated waiter polls until
    // the report ends with its verdict, and fails if the verdict is a
    // failure.
    let report = client
        .describe_cloud_migration_precheck_result(instance, 30, 1)
        .task_id(precheck_task_id)
        .wait_until_cloud_migration_precheck_passed(Duration::from_secs(600))
        .min_delay(poll_delay)
        .max_delay(poll_delay * 4)
        .await?;
    let detail = report
        .items
        .as_deref()
        .and_then(<[_]>::first)
        .and_then(|item| item.detail.as_deref())
        .unwrap_or_default();
    println!(
        "3. precheck passed ({} checks)",
        detail.matches(": success").count()
    );

    // 4. The migration task copies the data and then streams changes.
    let task = client
        .create_cloud_migration_task(
            instance,
            SOURCE_IP_ADDRESS,
            SOURCE_PORT,
            SOURCE_ACCOUNT,
            SOURCE_PASSWORD,
            SOURCE_CATEGORY,
        )
        .send()
        .await?;
    let migration_task_id = task.task_id.ok_or("the migration answer has no TaskId")?;
    println!("4. migration task {migration_task_id} created");

    // 5. Wait until the task is synchronized: the generated waiter polls
    // DescribeCloudMigrationResult with backoff until its acceptors say so.
    let ready = client
        .describe_cloud_migration_result(instance, 1, 30)
        .task_id(migration_task_id)
        .wait_until_cloud_migration_ready_to_switch(Duration::from_secs(60))
        .min_delay(poll_delay)
        .max_delay(poll_delay * 4)
        .await?;
    let ready_item = ready
        .items
        .as_deref()
        .and_then(<[_]>::first)
        .ok_or("the ready answer has no task")?;
    println!(
        "5. ready to switch over: stage {}, replication {}",
        ready_item.migrate_stage.as_deref().unwrap_or("?"),
        ready_item.replication_state.as_deref().unwrap_or("?")
    );

    // 6. Switch the workloads over.
    let switched = client
        .activate_migration_target_instance(instance)
        .switch_time_mode("0")
        .send()
        .await?;
    println!(
        "6. switched over: task {:?}, source {}:{}",
        switched.task_id,
        switched.source_ip_address.as_deref().unwrap_or("?"),
        switched.source_port.unwrap_or_default()
    );

    // The task now reports the switchover.
    let done = client
        .describe_cloud_migration_result(instance, 1, 30)
        .task_id(migration_task_id)
        .send()
        .await?;
    let done_item = done
        .items
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or("the final answer has no task")?;
    let final_stage = done_item.migrate_stage.unwrap_or_default();
    let switch_time = done_item.switch_time.unwrap_or_default();
    println!("7. task {migration_task_id} is now {final_stage:?}, switched at {switch_time}");

    Ok(MigrationSummary {
        precheck_task_id,
        migration_task_id,
        final_stage,
        switch_time,
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn Error>> {
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .precheck_polls(2)
        .start("127.0.0.1:0")
        .await?;
    println!("emulator listening on {}", emulator.base_url());

    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET))
        .build();
    let client = Client::new(config)?;

    let summary = migrate(&client, TARGET_INSTANCE, Duration::from_millis(20)).await;
    emulator.shutdown().await;
    let summary = summary?;
    if summary.final_stage != "success" {
        return Err(format!("the task ended in stage {:?}", summary.final_stage).into());
    }
    Ok(())
}
