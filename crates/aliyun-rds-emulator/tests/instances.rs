//! Instances in bulk and instances that change by themselves: seeded
//! fixtures paged through `DescribeDBInstances` at several page sizes, and
//! a `PendingStatus` reached after the documented number of polls.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use aliyun_rds_emulator::{Emulator, Fixture, RunningEmulator};
use common::{Reply, RpcRequest, Signer};
use serde_json::Value;

async fn call(emulator: &RunningEmulator, action: &str, parameters: &[(&str, &str)]) -> Reply {
    let signer = Signer::demo();
    RpcRequest::new(&signer, action, parameters)
        .send(emulator, &signer.secret)
        .await
}

fn ok(reply: &Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

#[tokio::test]
async fn seeded_instances_page_in_order_at_every_size() {
    // The demo instances of cn-hangzhou stay out of the way in their region.
    let emulator = Emulator::builder()
        .seed_instances("cn-qingdao", 250)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let expected: Vec<String> = (1..=250).map(|n| format!("rm-seed-{n:06}")).collect();
    for page_size in [1_usize, 7, 30, 100] {
        let mut seen = Vec::new();
        let pages = 250_usize.div_ceil(page_size);
        for page_number in 1..=pages + 1 {
            let size = page_size.to_string();
            let number = page_number.to_string();
            let json = ok(&call(
                &emulator,
                "DescribeDBInstances",
                &[
                    ("RegionId", "cn-qingdao"),
                    ("PageSize", &size),
                    ("PageNumber", &number),
                ],
            )
            .await);
            let items = json["Items"]["DBInstance"].as_array().expect("items");
            let on_page = if page_number <= pages {
                page_size.min(250 - (page_number - 1) * page_size)
            } else {
                0
            };
            assert_eq!(
                items.len(),
                on_page,
                "page {page_number} of size {page_size}"
            );
            assert_eq!(json["PageRecordCount"], on_page);
            assert_eq!(json["TotalRecordCount"], 250);
            assert_eq!(json["PageNumber"], page_number);
            seen.extend(
                items
                    .iter()
                    .map(|item| item["DBInstanceId"].as_str().expect("id").to_owned()),
            );
        }
        assert_eq!(seen, expected, "page size {page_size}");
    }
    // Seeded instances are ordinary instances to the other operations.
    let json = ok(&call(
        &emulator,
        "DescribeDBInstanceAttribute",
        &[("DBInstanceId", "rm-seed-000250")],
    )
    .await);
    let attribute = &json["Items"]["DBInstanceAttribute"][0];
    assert_eq!(attribute["DBInstanceDescription"], "seeded instance 250");
    assert_eq!(attribute["RegionId"], "cn-qingdao");
    assert_eq!(attribute["DBInstanceStatus"], "Running");
}

#[tokio::test]
async fn seeded_instances_page_by_token_too() {
    let emulator = Emulator::builder()
        .seed_instances("cn-qingdao", 250)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let expected: Vec<String> = (1..=250).map(|n| format!("rm-seed-{n:06}")).collect();
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        pages += 1;
        let mut parameters = vec![("RegionId", "cn-qingdao"), ("MaxResults", "40")];
        if !token.is_empty() {
            parameters.push(("NextToken", token.as_str()));
        }
        let json = ok(&call(&emulator, "DescribeDBInstances", &parameters).await);
        assert_eq!(json["TotalRecordCount"], 250);
        seen.extend(
            json["Items"]["DBInstance"]
                .as_array()
                .expect("items")
                .iter()
                .map(|item| item["DBInstanceId"].as_str().expect("id").to_owned()),
        );
        token = json["NextToken"].as_str().expect("a NextToken").to_owned();
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages, 7);
    assert_eq!(seen, expected);

    let reply = call(
        &emulator,
        "DescribeDBInstances",
        &[("RegionId", "cn-qingdao"), ("NextToken", "made-up")],
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["Code"], "InvalidParameter");
    let reply = call(
        &emulator,
        "DescribeDBInstances",
        &[("RegionId", "cn-qingdao"), ("MaxResults", "101")],
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
}

#[tokio::test]
async fn seeding_adds_to_the_fixture_in_its_region() {
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .seed_instances("cn-hangzhou", 3)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let json = ok(&call(
        &emulator,
        "DescribeDBInstances",
        &[("RegionId", "cn-hangzhou"), ("PageSize", "100")],
    )
    .await);
    let ids: Vec<&str> = json["Items"]["DBInstance"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["DBInstanceId"].as_str())
        .collect();
    assert_eq!(ids.first(), Some(&"pgm-demo-ready"));
    assert_eq!(
        ids[ids.len() - 3..],
        ["rm-seed-000001", "rm-seed-000002", "rm-seed-000003"]
    );
    assert_eq!(json["TotalRecordCount"], ids.len());
}

#[tokio::test]
async fn a_pending_status_is_reached_after_its_polls() {
    let fixture = Fixture::from_json_str(
        r#"{"Instances": [
            {"DBInstanceName": "rm-creating", "DBInstanceStatus": "Creating", "Engine": "MySQL",
             "PendingStatus": {"Status": "Running", "AfterPolls": 2}},
            {"DBInstanceName": "rm-restarting", "DBInstanceStatus": "Restarting", "Engine": "MySQL",
             "PendingStatus": {"Status": "Running", "AfterPolls": 1}}
        ]}"#,
    )
    .expect("fixture parses");
    let emulator = Emulator::builder()
        .fixture(fixture)
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts");
    let attribute_status =
        |json: Value| json["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"].clone();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        let json = ok(&call(
            &emulator,
            "DescribeDBInstanceAttribute",
            &[("DBInstanceId", "rm-creating")],
        )
        .await);
        statuses.push(attribute_status(json));
    }
    assert_eq!(statuses, ["Creating", "Creating", "Running", "Running"]);
    assert!(emulator
        .instance("rm-creating")
        .expect("instance")
        .is_running());

    // A listing polls the instances on its page, and only those.
    let list = |page: &'static str| {
        let emulator = &emulator;
        async move {
            ok(&call(
                emulator,
                "DescribeDBInstances",
                &[
                    ("RegionId", "cn-hangzhou"),
                    ("PageSize", "1"),
                    ("PageNumber", page),
                ],
            )
            .await)
        }
    };
    let first = list("1").await;
    assert_eq!(
        first["Items"]["DBInstance"][0]["DBInstanceId"],
        "rm-creating"
    );
    assert_eq!(
        emulator.instance("rm-restarting").expect("instance").status,
        "Restarting"
    );
    let second = list("2").await;
    assert_eq!(
        second["Items"]["DBInstance"][0]["DBInstanceStatus"],
        "Restarting"
    );
    let second = list("2").await;
    assert_eq!(
        second["Items"]["DBInstance"][0]["DBInstanceStatus"],
        "Running"
    );
}
