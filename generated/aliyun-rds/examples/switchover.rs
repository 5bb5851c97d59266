//! Switches a migrated PostgreSQL workload over to its RDS instance, against
//! the local emulator: no account, no network.
//!
//! Run it with `cargo run -p aliyun-rds --example switchover`. Against the real
//! service, drop the emulator, set a region instead of the endpoint, and let
//! the default credentials chain find your keys.

use aliyun_rds::operation::activate_migration_target_instance::ActivateMigrationTargetInstanceError;
use aliyun_rds::{Client, Config, SdkError};
use aliyun_rds_emulator::{Emulator, Fixture, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET};
use aliyun_runtime::Credentials;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .start("127.0.0.1:0")
        .await?;
    println!("emulator listening on {}", emulator.base_url());

    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET))
        .build();
    let client = Client::new(config)?;

    // A task that is still catching up is refused unless the switchover is
    // forced; the typed error says so without string matching.
    match client
        .activate_migration_target_instance("pgm-demo-syncing")
        .send()
        .await
    {
        Err(SdkError::Service(error))
            if *error.kind() == ActivateMigrationTargetInstanceError::InvalidMigrateStatus =>
        {
            println!(
                "pgm-demo-syncing is not ready: {} ({})",
                error.kind().description().unwrap_or("no description"),
                error.code()
            );
        }
        other => println!("unexpected outcome for pgm-demo-syncing: {other:?}"),
    }

    let output = client
        .activate_migration_target_instance("pgm-demo-ready")
        .switch_time_mode("0")
        .send()
        .await?;
    println!(
        "switched {} over: task {:?}, source {}:{}",
        output.db_instance_name.as_deref().unwrap_or("?"),
        output.task_id,
        output.source_ip_address.as_deref().unwrap_or("?"),
        output.source_port.unwrap_or_default(),
    );

    emulator.shutdown().await;
    Ok(())
}
