//! The default credentials chain sends through the client's transport:
//! its STS call goes through the proxy of the client's configuration, or
//! of the environment's proxy variables, and `NO_PROXY` exempts it as it
//! does the client's calls.
//!
//! The endpoints' hosts (`sts.invalid`, `rds.invalid`) do not resolve:
//! only a proxy can reach them, and the proxies here answer as the
//! services would, recording what they carried.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::sync::Arc;

use aliyun_runtime::credentials::FixedEnvironment;
use aliyun_runtime::{Config, Proxy, RetryConfig, Runtime, SdkError};
use serde_json::Value;
use support::{Reply, Request, TestServer, DESCRIBE, PRODUCT, SUCCESS_BODY};

const SOURCE_KEY_ID: &str = "LTAIprofileSource";
const ISSUED_KEY_ID: &str = "STS.issued-by-the-proxy";
const ROLE_ARN: &str = "acs:ram::1234567890123456:role/rds-operator";

/// A home whose `~/.aliyun/config.json` holds one `RamRoleArn` profile,
/// the current one.
fn home_with_role_profile() -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    let config = serde_json::json!({
        "current": "operator",
        "profiles": [{
            "name": "operator",
            "mode": "RamRoleArn",
            "access_key_id": SOURCE_KEY_ID,
            "access_key_secret": "profile-secret",
            "ram_role_arn": ROLE_ARN,
        }]
    });
    std::fs::write(home.path().join(".aliyun/config.json"), config.to_string()).unwrap();
    home
}

/// An environment with that home, STS at `sts_endpoint` and no ECS
/// metadata service.
fn environment(home: &Path, sts_endpoint: &str) -> FixedEnvironment {
    FixedEnvironment::new()
        .with_home(home)
        .with_var("ALIBABA_CLOUD_STS_ENDPOINT", sts_endpoint)
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
}

/// Answers `AssumeRole` as STS does and anything else as RDS does.
fn sts_or_rds(request: &Request, _: usize) -> Reply {
    if request.param("Action").as_deref() == Some("AssumeRole") {
        let answer = serde_json::json!({
            "RequestId": "STS-REQ",
            "Credentials": {
                "AccessKeyId": ISSUED_KEY_ID,
                "AccessKeySecret": "issued-secret",
                "SecurityToken": "issued-token",
                "Expiration": "2099-01-01T00:00:00Z",
            }
        });
        Reply::json(200, &answer.to_string())
    } else {
        Reply::json(200, SUCCESS_BODY)
    }
}

async fn call(runtime: &Runtime) -> Result<Value, SdkError<String>> {
    let input = serde_json::json!({ "DBInstanceName": "rm-test" });
    runtime
        .invoke(&DESCRIBE, &input, |code: &str| code.to_owned())
        .await
}

/// The call went through: `AssumeRole` signed with the profile's key, then
/// the call signed with the issued one, each sent to the host named.
fn assert_sts_then_call(requests: &[Request], sts_host: &str, rds_host: &str) {
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert!(
        requests[0]
            .target
            .starts_with(&format!("http://{sts_host}/?")),
        "{}",
        requests[0].target
    );
    assert_eq!(requests[0].param("Action").as_deref(), Some("AssumeRole"));
    assert_eq!(
        requests[0].param("AccessKeyId").as_deref(),
        Some(SOURCE_KEY_ID)
    );
    assert!(
        requests[1]
            .target
            .starts_with(&format!("http://{rds_host}/?")),
        "{}",
        requests[1].target
    );
    assert_eq!(
        requests[1].param("AccessKeyId").as_deref(),
        Some(ISSUED_KEY_ID)
    );
    assert_eq!(
        requests[1].param("SecurityToken").as_deref(),
        Some("issued-token")
    );
}

#[tokio::test]
async fn an_explicit_proxy_carries_the_sts_call() {
    let proxy = TestServer::start(sts_or_rds).await;
    let home = home_with_role_profile();
    let config = Config::builder()
        .endpoint_url("http://rds.invalid")
        .environment(Arc::new(environment(home.path(), "http://sts.invalid")))
        .proxy(Proxy::http(proxy.url()))
        .retry(RetryConfig::default().with_max_attempts(1))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();

    let output = call(&runtime).await.unwrap();

    assert_eq!(output["RequestId"], "REQ-OK");
    assert_sts_then_call(&proxy.requests(), "sts.invalid", "rds.invalid");
}

#[tokio::test]
async fn the_proxy_variables_carry_the_sts_call_and_no_proxy_exempts_it() {
    let proxy = TestServer::start(sts_or_rds).await;
    let home = home_with_role_profile();
    let through_proxy =
        environment(home.path(), "http://sts.invalid").with_var("HTTP_PROXY", proxy.url());
    let config = Config::builder()
        .endpoint_url("http://rds.invalid")
        .environment(Arc::new(through_proxy))
        .build();
    call(&Runtime::new(config, &PRODUCT).unwrap())
        .await
        .unwrap();
    assert_sts_then_call(&proxy.requests(), "sts.invalid", "rds.invalid");

    // STS on loopback, listed in NO_PROXY: reached directly, while the
    // call still goes through the proxy.
    let sts = TestServer::start(sts_or_rds).await;
    let exempt = environment(home.path(), &sts.url())
        .with_var("HTTP_PROXY", proxy.url())
        .with_var("NO_PROXY", "127.0.0.1");
    let config = Config::builder()
        .endpoint_url("http://rds.invalid")
        .environment(Arc::new(exempt))
        .build();
    call(&Runtime::new(config, &PRODUCT).unwrap())
        .await
        .unwrap();
    let direct = sts.requests();
    assert_eq!(direct.len(), 1, "{direct:?}");
    assert_eq!(direct[0].param("Action").as_deref(), Some("AssumeRole"));
    let proxied = proxy.requests();
    assert_eq!(proxied.len(), 3, "{proxied:?}");
    assert!(
        proxied[2].target.starts_with("http://rds.invalid/?"),
        "{}",
        proxied[2].target
    );
}

#[tokio::test]
async fn a_failed_sts_call_is_an_error_naming_the_profile() {
    // The proxy refuses the connection: nothing listens behind it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = closed.local_addr().unwrap();
    drop(closed);
    let home = home_with_role_profile();
    let config = Config::builder()
        .endpoint_url("http://rds.invalid")
        .environment(Arc::new(environment(home.path(), "http://sts.invalid")))
        .proxy(Proxy::http(format!("http://{address}")))
        .build();
    let error = call(&Runtime::new(config, &PRODUCT).unwrap())
        .await
        .unwrap_err();

    let SdkError::Construction(construction) = &error else {
        panic!("expected a construction error, got {error:?}");
    };
    // Not "no credentials were found": the profile is there, and failed.
    assert!(!construction.is_credentials_missing(), "{error}");
    let message = error.to_string();
    for expected in [
        ".aliyun/config.json (profile `operator`)",
        ROLE_ARN,
        "STS AssumeRole at http://sts.invalid",
        "could not be reached",
    ] {
        assert!(
            message.contains(expected),
            "`{expected}` missing: {message}"
        );
    }
    // Every place the chain looked is still listed.
    let searched = construction.searched_locations().join("\n");
    assert!(
        searched.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"),
        "{searched}"
    );
    assert!(searched.contains("credentials.ini"), "{searched}");
}
