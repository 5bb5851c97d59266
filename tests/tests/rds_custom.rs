//! RDS Custom, whose operations only the official SDKs' metadata
//! describes (Alibaba publishes no reference page for them): the instance
//! lifecycle through the generated client against the emulator, which
//! answers them from the metadata (a sample synthesized from each response
//! model) after checking signatures and parameters as for any operation;
//! their error enums, which hold the errors common to every operation; and
//! the `RCInstanceRunning` and `RCInstanceStopped` waiters, over the
//! statuses the metadata documents, answered by the `test-util` double.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::config::test_util::{Answer, MockTransport, Rule};
use aliyun_rds::metadata::OPERATIONS;
use aliyun_rds::operation::delete_rc_instances::{CommonError, DeleteRcInstancesError};
use aliyun_rds::operation::run_rc_instances::{DataDisk, RunRcInstancesError};
use aliyun_rds::{Client, Config, Credentials, RetryConfig, SdkError};
use aliyun_rds_emulator::{Emulator, Fault, RunningEmulator};
use futures_util::StreamExt;
use serde_json::{json, Map, Value};

const REGION: &str = "cn-hangzhou";

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .documented_operations(OPERATIONS)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client_for(emulator: &RunningEmulator) -> Client {
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        ))
        .retry(RetryConfig::default().with_max_attempts(1))
        .build();
    Client::new(config).expect("build the client")
}

#[tokio::test]
async fn instances_are_created_listed_and_deleted_through_the_typed_client() {
    let emulator = emulator().await;
    let client = client_for(&emulator);

    let created = client
        .run_rc_instances("mysql.x4.xlarge.6cm", REGION, "vsw-uf6adz52c2pxxxxxx")
        .amount(2)
        .image_id("m-uf6xxxxxx")
        .data_disk(vec![DataDisk {
            size: Some(100),
            category: Some("cloud_essd".to_owned()),
            ..DataDisk::default()
        }])
        .send()
        .await
        .expect("RunRCInstances is answered");
    let instance_ids = created
        .instance_id_sets
        .and_then(|sets| sets.instance_id_set)
        .expect("the created instances are listed");
    assert!(!instance_ids.is_empty());
    assert!(created.order_id.is_some());
    assert!(created.unknown_fields.is_empty());

    // Listed page by page, as the paginator the metadata's PageNumber,
    // PageSize and TotalCount gave the operation.
    let listed: Vec<_> = client
        .describe_rc_instances()
        .region_id(REGION)
        .into_paginator()
        .items()
        .collect()
        .await;
    assert!(!listed.is_empty());
    for instance in listed {
        let instance = instance.expect("a page decodes");
        assert!(instance.instance_id.is_some());
        assert_eq!(instance.status.as_deref(), Some("Pending"));
        assert!(instance.unknown_fields.is_empty());
    }

    let deleted = client
        .delete_rc_instances(instance_ids)
        .force(true)
        .send()
        .await
        .expect("DeleteRCInstances is answered");
    // Every answer carries a fresh request id, not the sample's.
    let request_id = deleted.request_id.expect("a request id");
    assert_ne!(request_id, "RequestId");

    assert_eq!(emulator.request_count("RunRCInstances"), 1);
    assert_eq!(emulator.request_count("DescribeRCInstances"), 1);
    assert_eq!(emulator.request_count("DeleteRCInstances"), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_missing_required_parameter_is_named_by_the_emulator() {
    let emulator = emulator().await;
    let client = client_for(&emulator);
    let operation = OPERATIONS
        .iter()
        .find(|operation| operation.name == "RunRCInstances")
        .expect("RunRCInstances is generated");
    // The typed client cannot leave a required parameter out; the dynamic
    // path, which the CLI uses, can.
    let mut parameters = Map::new();
    parameters.insert("RegionId".to_owned(), json!(REGION));
    parameters.insert("VSwitchId".to_owned(), json!("vsw-1"));
    let error = client
        .runtime()
        .invoke::<_, Value, String>(operation, &parameters, str::to_owned)
        .await
        .expect_err("InstanceType is required");
    let SdkError::Service(error) = error else {
        panic!("not a service error: {error}");
    };
    assert_eq!(error.kind(), "MissingParameter");
    let message = &error.metadata().message;
    assert!(message.contains("\"InstanceType\""), "{message}");
    emulator.shutdown().await;
}

#[tokio::test]
async fn their_errors_are_the_ones_every_operation_can_answer() {
    let emulator = emulator().await;
    let client = client_for(&emulator);
    // A code every operation documents decodes into its own variant...
    emulator.faults().inject(
        "DeleteRCInstances",
        Fault::Error {
            http_status: 400,
            code: "InvalidDBInstanceId.NotFound".to_owned(),
            message: "The DBInstanceId provided does not exist in records.".to_owned(),
            retry_after: None,
        },
        1,
    );
    let error = client
        .delete_rc_instances(vec!["rc-gone".to_owned()])
        .send()
        .await
        .expect_err("the fault answers");
    let SdkError::Service(error) = error else {
        panic!("not a service error: {error}");
    };
    // The operation has no error table of its own: the codes every
    // operation can answer are held in `Common`.
    assert_eq!(
        *error.kind(),
        DeleteRcInstancesError::Common(CommonError::InvalidDBInstanceIdNotFound)
    );
    assert_eq!(error.kind().code(), "InvalidDBInstanceId.NotFound");
    assert_eq!(
        format!("{:?}", error.kind()),
        "Common(InvalidDBInstanceIdNotFound)"
    );

    // ... a gateway error is the gateway's, and a code no table lists is
    // kept as it came.
    emulator
        .faults()
        .inject("RunRCInstances", Fault::throttling(None), 1);
    let throttled = client
        .run_rc_instances("mysql.x4.xlarge.6cm", REGION, "vsw-1")
        .send()
        .await
        .expect_err("the fault answers");
    let SdkError::Service(throttled) = throttled else {
        panic!("not a service error: {throttled}");
    };
    assert!(matches!(throttled.kind(), RunRcInstancesError::Gateway(_)));

    emulator.faults().inject(
        "RunRCInstances",
        Fault::Error {
            http_status: 400,
            code: "InvalidInstanceType.NotSupported".to_owned(),
            message: "The instance type is not supported.".to_owned(),
            retry_after: None,
        },
        1,
    );
    let unknown = client
        .run_rc_instances("x", REGION, "vsw-1")
        .send()
        .await
        .expect_err("the fault answers");
    let SdkError::Service(unknown) = unknown else {
        panic!("not a service error: {unknown}");
    };
    assert_eq!(
        *unknown.kind(),
        RunRcInstancesError::Unknown("InvalidInstanceType.NotSupported".to_owned())
    );
    emulator.shutdown().await;
}

/// A client whose calls of `DescribeRCInstanceAttribute` are answered with
/// these statuses, in order.
fn answering_statuses(statuses: &[&str]) -> (Client, MockTransport) {
    let mut rule = Rule::action("DescribeRCInstanceAttribute").with_parameter("InstanceId", "rc-1");
    for status in statuses {
        rule = rule.answer(Answer::output(
            json!({ "InstanceId": "rc-1", "Status": status }),
        ));
    }
    let transport = MockTransport::new().with_rule(rule.without_repeat());
    let client = Client::new(Config::builder().test_transport(transport.clone()).build())
        .expect("build the client");
    (client, transport)
}

#[tokio::test]
async fn the_running_waiter_polls_through_the_documented_statuses() {
    let (client, transport) = answering_statuses(&["Pending", "Stopped", "Starting", "Running"]);
    let output = client
        .describe_rc_instance_attribute()
        .instance_id("rc-1")
        .wait_until_rc_instance_running(Duration::from_secs(60))
        .min_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(1))
        .await
        .expect("the instance runs");
    assert_eq!(output.status.as_deref(), Some("Running"));
    assert_eq!(transport.requests().len(), 4);
}

#[tokio::test]
async fn the_stopped_waiter_returns_once_the_instance_stops() {
    let (client, transport) = answering_statuses(&["Running", "Stopping", "Stopped"]);
    let output = client
        .describe_rc_instance_attribute()
        .instance_id("rc-1")
        .wait_until_rc_instance_stopped(Duration::from_secs(60))
        .min_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(1))
        .await
        .expect("the instance stops");
    assert_eq!(output.status.as_deref(), Some("Stopped"));
    assert_eq!(transport.requests().len(), 3);
}
