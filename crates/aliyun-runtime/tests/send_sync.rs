//! Compile-time checks that the runtime works across tasks and threads: a
//! call's future can be spawned, and errors can be boxed as
//! `Box<dyn Error + Send + Sync>`.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;

use aliyun_runtime::{Config, Credentials, Runtime, SdkError};
use serde_json::Value;
use support::{Reply, TestServer, ACTIVATE, PRODUCT, SUCCESS_BODY};

fn assert_send_sync<T: Send + Sync + 'static>() {}
fn assert_send<T: Send>(_: &T) {}

#[test]
fn runtime_config_and_errors_are_send_and_sync() {
    assert_send_sync::<Runtime>();
    assert_send_sync::<Config>();
    assert_send_sync::<SdkError<String>>();
    assert_send_sync::<aliyun_runtime::SignedRequest>();
    let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(
        SdkError::<String>::Construction(aliyun_runtime::ConstructionError::invalid_input("x")),
    );
    assert!(boxed.to_string().contains('x'));
}

#[tokio::test]
async fn a_call_can_be_spawned_on_another_task() {
    let server = TestServer::start(|_, _| Reply::json(200, SUCCESS_BODY)).await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("id", "secret"))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let input = BTreeMap::from([("DBInstanceName".to_owned(), "rm-1".to_owned())]);
    let call = async move {
        runtime
            .invoke::<_, Value, String>(&ACTIVATE, &input, |code| code.to_owned())
            .await
    };
    assert_send(&call);
    let output = tokio::spawn(call).await.unwrap().unwrap();
    assert_eq!(output["RequestId"], "REQ-OK");
}
