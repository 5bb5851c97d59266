//! The emulated STS over loopback HTTP: `AssumeRole` signed like any call,
//! `AssumeRoleWithOIDC` unsigned, and the issued credentials accepted by the
//! RDS side until they expire.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use aliyun_rds_emulator::{
    Emulator, RunningEmulator, DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
    STS_API_VERSION,
};
use common::{Reply, RpcRequest, Signer, ACTION};

const READY: (&str, &str) = ("DBInstanceName", "pgm-demo-ready");

async fn start(lifetime: Option<Duration>) -> RunningEmulator {
    let mut builder = Emulator::builder();
    if let Some(lifetime) = lifetime {
        builder = builder.sts_credential_lifetime(lifetime);
    }
    builder.start("127.0.0.1:0").await.unwrap()
}

fn assume_role(signer: &Signer, role_arn: &str) -> RpcRequest {
    RpcRequest::new(
        signer,
        "AssumeRole",
        &[
            ("RoleArn", role_arn),
            ("RoleSessionName", "emulator-test"),
            ("DurationSeconds", "900"),
        ],
    )
    .set("Version", STS_API_VERSION)
    .post_form(&["RoleArn", "RoleSessionName", "DurationSeconds"])
}

/// The issued credentials of a successful answer, as a signer.
fn issued(reply: &Reply) -> Signer {
    assert_eq!(reply.status, 200, "{}", reply.body);
    let credentials = &reply.json()["Credentials"];
    Signer::new(
        credentials["AccessKeyId"].as_str().unwrap(),
        credentials["AccessKeySecret"].as_str().unwrap(),
    )
    .with_token(credentials["SecurityToken"].as_str().unwrap())
}

async fn oidc(emulator: &RunningEmulator, provider: &str, token: &str) -> Reply {
    let url = format!(
        "{}/?Action=AssumeRoleWithOIDC&Format=JSON&Version={STS_API_VERSION}&Timestamp={}",
        emulator.base_url(),
        common::encode(&common::timestamp(0))
    );
    let body = [
        ("RoleArn", DEMO_ROLE_ARN),
        ("OIDCProviderArn", provider),
        ("OIDCToken", token),
        ("RoleSessionName", "oidc-test"),
        ("DurationSeconds", "3600"),
    ]
    .iter()
    .map(|(name, value)| format!("{name}={}", common::encode(value)))
    .collect::<Vec<_>>()
    .join("&");
    let response = common::client()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    Reply::from(response).await
}

#[tokio::test]
async fn assume_role_issues_credentials_that_rds_accepts_until_they_expire() {
    let emulator = start(Some(Duration::from_secs(60))).await;
    let demo = Signer::demo();
    let reply = assume_role(&demo, DEMO_ROLE_ARN)
        .send(&emulator, &demo.secret)
        .await;
    let json = reply.json();
    let expiration = json["Credentials"]["Expiration"].as_str().unwrap();
    assert_eq!(expiration.len(), 20, "{expiration}");
    assert!(expiration.ends_with('Z'));
    assert_eq!(
        json["AssumedRoleUser"]["Arn"],
        format!("{DEMO_ROLE_ARN}/emulator-test")
    );
    let temporary = issued(&reply);
    assert!(temporary.id.starts_with("STS."), "{}", temporary.id);

    let call = RpcRequest::new(&temporary, ACTION, &[READY])
        .send(&emulator, &temporary.secret)
        .await;
    assert_eq!(call.status, 200, "{}", call.body);

    // Without its token the pair is refused.
    let mut tokenless = temporary.clone();
    tokenless.token = None;
    RpcRequest::new(&tokenless, "DescribeRegions", &[])
        .send(&emulator, &tokenless.secret)
        .await
        .assert_error(400, "InvalidSecurityToken.MismatchWithAccessKey");

    // Two minutes later (within the allowed clock skew) it has expired.
    emulator.set_clock_offset(120);
    RpcRequest::new(&temporary, "DescribeRegions", &[])
        .set("Timestamp", &common::timestamp(120))
        .send(&emulator, &temporary.secret)
        .await
        .assert_error(400, "InvalidSecurityToken.Expired");
}

#[tokio::test]
async fn temporary_credentials_can_assume_a_role_again() {
    let emulator = start(None).await;
    let demo = Signer::demo();
    let first = issued(
        &assume_role(&demo, DEMO_ROLE_ARN)
            .send(&emulator, &demo.secret)
            .await,
    );
    let second = issued(
        &assume_role(&first, DEMO_ROLE_ARN)
            .send(&emulator, &first.secret)
            .await,
    );
    assert_ne!(first.id, second.id);
}

#[tokio::test]
async fn assume_role_errors_use_sts_codes() {
    let emulator = start(None).await;
    let demo = Signer::demo();
    assume_role(&demo, "acs:ram::1234567890123456:role/nobody")
        .send(&emulator, &demo.secret)
        .await
        .assert_error(404, "EntityNotExist.Role");
    let reply = assume_role(&demo, "not-an-arn")
        .send(&emulator, &demo.secret)
        .await;
    reply.assert_error(400, "InvalidParameter.RoleArn");
    assert_eq!(reply.json()["HostId"], "sts.aliyuncs.com");
    assume_role(&demo, DEMO_ROLE_ARN)
        .send(&emulator, "wrong-secret")
        .await
        .assert_error(400, "SignatureDoesNotMatch");
    assume_role(&demo, DEMO_ROLE_ARN)
        .set("DurationSeconds", "60")
        .send(&emulator, &demo.secret)
        .await
        .assert_error(400, "InvalidParameter.DurationSeconds");
    assert_eq!(emulator.request_count("AssumeRole"), 4);
}

#[tokio::test]
async fn assume_role_with_oidc_accepts_the_configured_token_only() {
    let emulator = start(None).await;
    let reply = oidc(&emulator, DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN).await;
    let temporary = issued(&reply);
    let call = RpcRequest::new(&temporary, ACTION, &[READY])
        .send(&emulator, &temporary.secret)
        .await;
    assert_eq!(call.status, 200, "{}", call.body);

    let refused = oidc(&emulator, DEMO_OIDC_PROVIDER_ARN, "forged-token").await;
    refused.assert_error(400, "AuthenticationFail.OIDCToken.Invalid");
    assert!(!refused.body.contains("forged-token"));
    oidc(
        &emulator,
        "acs:ram::1234567890123456:oidc-provider/other",
        DEMO_OIDC_TOKEN,
    )
    .await
    .assert_error(404, "EntityNotExist.OIDCProvider");
}
