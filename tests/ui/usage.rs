// The generated crates used the way a user would: build a client, set
// optional parameters, match on typed errors, and use `?` across
// operations through the crate-wide error.

use aliyun_rds::errors::gateway::GatewayError;
use aliyun_rds::operation::activate_migration_target_instance::{
    ActivateMigrationTargetInstanceError, ActivateMigrationTargetInstanceOutput,
};
use aliyun_rds::{Client, Config, SdkError};

async fn switch_over(
    client: &Client,
) -> Result<ActivateMigrationTargetInstanceOutput, aliyun_rds::Error> {
    let output = client
        .activate_migration_target_instance("pgm-bp102g323jd4****")
        .switch_time_mode("0")
        .force_switch("1")
        .send()
        .await?;
    Ok(output)
}

fn explain(error: &SdkError<ActivateMigrationTargetInstanceError>) -> String {
    match error.as_service_error().map(|service| service.kind()) {
        Some(ActivateMigrationTargetInstanceError::InvalidMigrateStatus) => {
            "not synchronized yet".to_owned()
        }
        Some(ActivateMigrationTargetInstanceError::Gateway(GatewayError::ThrottlingUser)) => {
            "slow down".to_owned()
        }
        Some(kind) if kind.is_retryable() => "try again".to_owned(),
        Some(kind) => kind.to_string(),
        None => error.to_string(),
    }
}

fn main() {
    let client = Client::new(Config::builder().region("cn-hangzhou").build());
    let _future = client.as_ref().map(switch_over);
    let _explain: fn(&SdkError<ActivateMigrationTargetInstanceError>) -> String = explain;
    for operation in aliyun_rds::metadata::OPERATIONS {
        let _ = (operation.name, operation.parameters.len());
    }
}
