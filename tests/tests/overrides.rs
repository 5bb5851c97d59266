//! `customize()` of the generated builders against the emulator: one call
//! with its own timeouts or endpoint, and the client's settings for the
//! next. Everything is named through `aliyun_rds` alone, as a program
//! depending on that one crate would.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::error::TimeoutKind;
use aliyun_rds::{CallOverrides, Client, Config, Credentials, RetryConfig, SdkError};
use aliyun_rds_emulator::{Emulator, Fault, Fixture, RunningEmulator};

const ACTION: &str = "DescribeRegions";

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn demo_credentials() -> Credentials {
    Credentials::new(
        aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
        aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
    )
}

#[tokio::test]
async fn one_call_waits_longer_and_the_next_keeps_the_clients_timeout() {
    let emulator = emulator().await;
    // The next two answers come late: after the client's timeouts, well
    // within the overriding ones.
    emulator
        .faults()
        .inject(ACTION, Fault::Delay(Duration::from_millis(800)), 2);
    let client = Client::new(
        Config::builder()
            .endpoint_url(emulator.base_url())
            .credentials(demo_credentials())
            .attempt_timeout(Duration::from_millis(100))
            .operation_timeout(Duration::from_millis(100))
            .retry(RetryConfig::default().with_max_attempts(1))
            .build(),
    )
    .unwrap();

    let output = client
        .describe_regions()
        .customize(
            CallOverrides::new()
                .attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(60)),
        )
        .send()
        .await
        .expect("the customized call may wait");
    assert!(output.request_id.is_some());

    let error = client
        .describe_regions()
        .send()
        .await
        .expect_err("the client's own timeout applies again");
    match error {
        SdkError::Timeout(timeout) => {
            assert_eq!(timeout.limit(), Duration::from_millis(100));
            assert_eq!(timeout.kind(), TimeoutKind::Operation);
        }
        other => panic!("expected a timeout, got {other}"),
    }
    assert_eq!(emulator.request_count(ACTION), 2);
}

#[tokio::test]
async fn one_call_goes_to_another_endpoint() {
    let usual = emulator().await;
    let other = emulator().await;
    let client = Client::new(
        Config::builder()
            .endpoint_url(usual.base_url())
            .credentials(demo_credentials())
            .build(),
    )
    .unwrap();

    client
        .describe_regions()
        .customize(CallOverrides::new().endpoint_url(other.base_url()))
        .send()
        .await
        .unwrap();
    client.describe_regions().send().await.unwrap();

    assert_eq!(other.request_count(ACTION), 1);
    assert_eq!(usual.request_count(ACTION), 1);
}
