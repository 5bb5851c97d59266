//! The provisioning lifecycle of a PostgreSQL instance, through the
//! generated client against the stateful emulator: create it and wait with
//! the `DBInstanceRunning` waiter, add an account and a database and grant
//! the account on it, change the whitelist, the description and a
//! parameter, tag it and find it by tag, back it up and list the backup as
//! finished, delete it and see it gone. Every read-back asserts the value
//! written.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::metadata::OPERATIONS;
use aliyun_rds::operation::describe_db_instance_attribute::DescribeDbInstanceAttributeError;
use aliyun_rds::operation::{list_tag_resources, tag_resources};
use aliyun_rds::{Client, Config, Credentials, SdkError};
use aliyun_rds_emulator::{Emulator, Fixture, Pace, RunningEmulator};
use serde_json::Value;

const REGION: &str = "cn-hangzhou";
const POLL: Duration = Duration::from_millis(2);

/// Each change takes three polls, so the waiter and the backup listing
/// really wait.
const POLLS: u32 = 3;

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::empty())
        .documented_operations(OPERATIONS)
        .pace(Pace::polls(POLLS))
        .seed(18)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client(emulator: &RunningEmulator) -> Client {
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .region(REGION)
        .credentials(Credentials::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        ))
        .build();
    Client::new(config).expect("build the client")
}

/// An output as the JSON the service sent, through the typed output.
fn json<T: serde::Serialize>(output: &T) -> Value {
    serde_json::to_value(output).expect("outputs serialize")
}

#[tokio::test]
async fn a_postgresql_instance_lives_its_whole_lifecycle() {
    let emulator = emulator().await;
    let client = client(&emulator);

    // Create, and wait until it runs.
    let created = client
        .create_db_instance(
            REGION,
            "PostgreSQL",
            "15.0",
            "pg.n2.2c.2m",
            20,
            "Intranet",
            "10.0.0.1",
            "Postpaid",
        )
        .db_instance_description("orders")
        .send()
        .await
        .expect("the instance is created");
    let id = created.db_instance_id.expect("an instance ID");
    assert!(id.starts_with("pgm-"), "{id}");
    assert_eq!(created.port.as_deref(), Some("5432"));
    let running = client
        .describe_db_instance_attribute(&id)
        .wait_until_db_instance_running(Duration::from_secs(60))
        .min_delay(POLL)
        .max_delay(POLL)
        .await
        .expect("the instance comes up");
    let attribute = &json(&running)["Items"]["DBInstanceAttribute"][0];
    assert_eq!(attribute["DBInstanceStatus"], "Running");
    assert_eq!(attribute["Engine"], "PostgreSQL");
    assert_eq!(attribute["EngineVersion"], "15.0");
    assert_eq!(attribute["DBInstanceId"], id.as_str());
    // Three polls answered Creating, the fourth Running.
    assert_eq!(
        emulator.request_count("DescribeDBInstanceAttribute"),
        POLLS as usize + 1
    );

    // An account and a database, and the account's privilege on it.
    client
        .create_account(&id, "app_user", "Passw0rd!")
        .account_description("the application")
        .send()
        .await
        .expect("the account is created");
    client
        .create_database(&id, "orders", "UTF8")
        .db_description("order book")
        .send()
        .await
        .expect("the database is created");
    client
        .grant_account_privilege(&id, "app_user", "orders", "DBOwner")
        .send()
        .await
        .expect("the privilege is granted");
    let accounts = json(
        &client
            .describe_accounts(&id)
            .send()
            .await
            .expect("accounts"),
    );
    let account = &accounts["Accounts"]["DBInstanceAccount"];
    assert_eq!(account.as_array().map(Vec::len), Some(1));
    assert_eq!(account[0]["AccountName"], "app_user");
    assert_eq!(account[0]["AccountDescription"], "the application");
    assert_eq!(account[0]["AccountStatus"], "Available");
    let privilege = &account[0]["DatabasePrivileges"]["DatabasePrivilege"][0];
    assert_eq!(privilege["DBName"], "orders");
    assert_eq!(privilege["AccountPrivilege"], "DBOwner");
    let databases = json(
        &client
            .describe_databases(&id)
            .send()
            .await
            .expect("databases"),
    );
    let database = &databases["Databases"]["Database"];
    assert_eq!(database.as_array().map(Vec::len), Some(1));
    assert_eq!(database[0]["DBName"], "orders");
    assert_eq!(database[0]["CharacterSetName"], "UTF8");
    assert_eq!(database[0]["DBDescription"], "order book");
    assert_eq!(
        database[0]["Accounts"]["AccountPrivilegeInfo"][0]["Account"],
        "app_user"
    );
    assert_eq!(
        database[0]["Accounts"]["AccountPrivilegeInfo"][0]["AccountPrivilege"],
        "DBOwner"
    );

    // The whitelist, the description and a parameter.
    client
        .modify_security_ips(&id, "10.1.0.0/16,192.168.3.4")
        .send()
        .await
        .expect("the whitelist changes");
    let arrays = json(
        &client
            .describe_db_instance_ip_array_list(&id)
            .send()
            .await
            .expect("whitelists"),
    );
    let default = &arrays["Items"]["DBInstanceIPArray"][0];
    assert_eq!(default["DBInstanceIPArrayName"], "default");
    assert_eq!(default["SecurityIPList"], "10.1.0.0/16,192.168.3.4");
    client
        .modify_db_instance_description(&id, "orders primary")
        .send()
        .await
        .expect("the description changes");
    client
        .modify_parameter(&id)
        .parameters(r#"{"work_mem":"8192"}"#)
        .send()
        .await
        .expect("the parameter changes");
    let attribute = json(
        &client
            .describe_db_instance_attribute(&id)
            .send()
            .await
            .expect("attribute"),
    );
    assert_eq!(
        attribute["Items"]["DBInstanceAttribute"][0]["DBInstanceDescription"],
        "orders primary"
    );
    let parameters = json(
        &client
            .describe_parameters(&id)
            .send()
            .await
            .expect("parameters"),
    );
    let work_mem = parameters["RunningParameters"]["DBInstanceParameter"]
        .as_array()
        .expect("running parameters")
        .iter()
        .find(|parameter| parameter["ParameterName"] == "work_mem")
        .expect("work_mem is listed");
    assert_eq!(work_mem["ParameterValue"], "8192");

    // Tags, and finding the instance by one.
    client
        .tag_resources(REGION, "INSTANCE", vec![id.clone()])
        .tag(vec![tag_resources::Tag {
            key: Some("team".into()),
            value: Some("orders".into()),
        }])
        .send()
        .await
        .expect("the instance is tagged");
    let found = json(
        &client
            .list_tag_resources(REGION, "INSTANCE")
            .tag(vec![list_tag_resources::Tag {
                key: Some("team".into()),
                value: Some("orders".into()),
            }])
            .send()
            .await
            .expect("tags are listed"),
    );
    let resource = &found["TagResources"]["TagResource"];
    assert_eq!(resource.as_array().map(Vec::len), Some(1));
    assert_eq!(resource[0]["ResourceId"], id.as_str());
    assert_eq!(resource[0]["TagKey"], "team");
    assert_eq!(resource[0]["TagValue"], "orders");
    let listed = json(
        &client
            .describe_db_instances(REGION)
            .tags(r#"{"team":"orders"}"#)
            .send()
            .await
            .expect("instances by tag"),
    );
    assert_eq!(listed["TotalRecordCount"], 1);
    assert_eq!(
        listed["Items"]["DBInstance"][0]["DBInstanceId"],
        id.as_str()
    );

    // A backup, listed as finished once its polls are spent.
    let job = client
        .create_backup(&id)
        .send()
        .await
        .expect("the backup starts");
    assert!(job.backup_job_id.is_some());
    let mut statuses = Vec::new();
    loop {
        let backups = json(&client.describe_backups(&id).send().await.expect("backups"));
        let backup = &backups["Items"]["Backup"][0];
        assert_eq!(backups["TotalRecordCount"], "1");
        statuses.push(
            backup["BackupStatus"]
                .as_str()
                .expect("a status")
                .to_owned(),
        );
        if backup["BackupStatus"] == "Success" {
            assert!(!backup["BackupEndTime"]
                .as_str()
                .expect("an end time")
                .is_empty());
            break;
        }
        assert!(statuses.len() <= POLLS as usize, "{statuses:?}");
    }
    assert_eq!(statuses.len(), POLLS as usize + 1, "{statuses:?}");

    // Delete it: Deleting for its polls, then gone.
    client
        .delete_db_instance(&id)
        .send()
        .await
        .expect("deletion starts");
    let mut polls = 0;
    let error = loop {
        match client.describe_db_instance_attribute(&id).send().await {
            Ok(output) => {
                assert_eq!(
                    json(&output)["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"],
                    "Deleting"
                );
                polls += 1;
                assert!(polls <= POLLS, "still there after {polls} polls");
            }
            Err(error) => break error,
        }
    };
    match error {
        SdkError::Service(error) => assert_eq!(
            *error.kind(),
            DescribeDbInstanceAttributeError::InvalidDBInstanceIdNotFound
        ),
        other => panic!("expected InvalidDBInstanceId.NotFound, got {other:?}"),
    }
    emulator.shutdown().await;
}
