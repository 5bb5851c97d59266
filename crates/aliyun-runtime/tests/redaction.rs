//! Secrets (the AccessKey secret, the security token, signing keys) never
//! appear in `Debug`, `Display` or trace output at any level.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;

use aliyun_rds_emulator::{Emulator, KeyPair, DEMO_OIDC_PROVIDER_ARN, DEMO_ROLE_ARN};

use aliyun_runtime::credentials::{
    CachedProvider, FixedEnvironment, OidcRoleArnProvider, RamRoleArnProvider,
};
use aliyun_runtime::ProvideCredentials;
use aliyun_runtime::{Config, Credentials, RetryConfig, Runtime, SignatureVersion};
use serde_json::Value;
use support::{
    capture_traces, throttling_body, Reply, TestServer, ACTIVATE, DESCRIBE, DESCRIBE_REGIONS,
    PRODUCT, SUCCESS_BODY,
};

const SECRET: &str = "SECRET-must-never-print-7f3a";
const TOKEN: &str = "TOKEN-must-never-print-91bc";

fn credentials() -> Credentials {
    Credentials::new("AKID-visible", SECRET).with_security_token(TOKEN)
}

fn assert_clean(text: &str) {
    assert!(!text.contains(SECRET), "secret leaked: {text}");
    assert!(!text.contains(TOKEN), "token leaked: {text}");
    // Also the forms a signer would derive: the HMAC-SHA1 key and the
    // percent-encoded token.
    assert!(!text.contains(&format!("{SECRET}&")));
}

#[test]
fn debug_of_credentials_config_and_environment_is_redacted() {
    let credentials = credentials();
    assert_clean(&format!("{credentials:?}"));
    assert!(format!("{credentials:?}").contains("AKID-visible"));
    let environment = FixedEnvironment::new().with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET);
    assert_clean(&format!("{environment:?}"));
    let config = Config::builder()
        .credentials(credentials.clone())
        .environment(Arc::new(environment))
        .region("cn-hangzhou")
        .build();
    assert_clean(&format!("{config:?}"));
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    assert_clean(&format!("{runtime:?}"));
    let cached = CachedProvider::new(Arc::new(credentials));
    assert_clean(&format!("{cached:?}"));
}

#[tokio::test]
async fn signed_requests_hide_the_token_in_debug() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let config = Config::builder()
            .credentials(credentials())
            .region("cn-hangzhou")
            .signature_version(version)
            .build();
        let runtime = Runtime::new(config, &PRODUCT).unwrap();
        let signed = runtime
            .presign(&ACTIVATE, &serde_json::json!({"A": "b"}))
            .await
            .unwrap();
        let shown = format!("{signed:?}");
        assert_clean(&shown);
        assert!(shown.contains("redacted"), "{shown}");
        // The request itself still carries the token, of course.
        let carried = signed.url().contains(TOKEN)
            || signed.headers().iter().any(|(_, value)| value == TOKEN);
        assert!(carried);
    }
}

#[tokio::test]
async fn traces_at_trace_level_never_contain_secrets() {
    let (_guard, traces) = capture_traces();
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let server = TestServer::start(|_, index| match index {
            0 => Reply::json(400, &throttling_body()),
            1 => Reply::json(
                503,
                r#"{"Code":"ServiceUnavailable","Message":"busy","RequestId":"R-503"}"#,
            ),
            2 => Reply::Drop,
            _ => Reply::json(200, SUCCESS_BODY),
        })
        .await;
        let config = Config::builder()
            .endpoint_url(server.url())
            .credentials(credentials())
            .signature_version(version)
            .retry(RetryConfig::default().with_max_attempts(5).with_backoff(
                std::time::Duration::from_millis(1),
                std::time::Duration::from_millis(2),
            ))
            .build();
        let runtime = Runtime::new(config, &PRODUCT).unwrap();
        let output: Value = runtime
            .invoke::<_, Value, String>(
                &DESCRIBE,
                &serde_json::json!({"DBInstanceId": "rm-1"}),
                |c| c.to_owned(),
            )
            .await
            .unwrap();
        assert_eq!(output["RequestId"], "REQ-OK");
        let error = runtime
            .invoke::<_, Value, String>(&ACTIVATE, &serde_json::json!({}), |c| c.to_owned())
            .await;
        assert!(error.is_ok());
        assert_eq!(server.request_count(), 5);
    }
    let text = traces.text();
    // The capture worked: operation and attempt spans with their fields.
    assert!(text.contains("aliyun.operation"), "{text}");
    assert!(text.contains("aliyun.attempt"), "{text}");
    assert!(text.contains("DescribeDBInstances"), "{text}");
    assert!(
        text.contains("request_id=\"REQ-OK\"") || text.contains("request_id=REQ-OK"),
        "{text}"
    );
    assert!(text.contains("status=503"), "{text}");
    assert_clean(&text);
}

#[tokio::test]
async fn error_messages_never_contain_secrets() {
    // A dispatch error whose URL (with the token in its query) must not
    // be part of the message.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let config = Config::builder()
        .endpoint_url(url)
        .credentials(credentials())
        .retry(RetryConfig::disabled())
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let error = runtime
        .invoke::<_, Value, String>(&ACTIVATE, &serde_json::json!({}), |c| c.to_owned())
        .await
        .unwrap_err();
    let mut shown = format!("{error} {error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(cause) = source {
        shown.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    assert_clean(&shown);
    assert!(!shown.contains("Signature="), "{shown}");
}

#[tokio::test]
async fn no_secret_reaches_traces_debug_or_errors() {
    const SOURCE_SECRET: &str = "SOURCE-SECRET-must-never-print";
    const SOURCE_TOKEN: &str = "SOURCE-TOKEN-must-never-print";
    const OIDC_TOKEN: &str = "OIDC-TOKEN-must-never-print";
    let (_guard, traces) = capture_traces();
    let emulator = Emulator::builder()
        .key_pair(KeyPair::with_security_token(
            "STS.source",
            SOURCE_SECRET,
            SOURCE_TOKEN,
        ))
        .oidc_token(DEMO_OIDC_PROVIDER_ARN, OIDC_TOKEN)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let sts_environment = || {
        Arc::new(
            FixedEnvironment::new().with_var("ALIBABA_CLOUD_STS_ENDPOINT", emulator.base_url()),
        )
    };
    let source: Arc<dyn ProvideCredentials> =
        Arc::new(Credentials::new("STS.source", SOURCE_SECRET).with_security_token(SOURCE_TOKEN));
    let role = Arc::new(
        RamRoleArnProvider::builder(source, DEMO_ROLE_ARN)
            .environment(sts_environment())
            .build()
            .unwrap(),
    );
    let directory = tempfile::tempdir().unwrap();
    let token_file = directory.path().join("token");
    std::fs::write(&token_file, OIDC_TOKEN).unwrap();
    let oidc = Arc::new(
        OidcRoleArnProvider::builder(DEMO_ROLE_ARN, DEMO_OIDC_PROVIDER_ARN, &token_file)
            .environment(sts_environment())
            .build()
            .unwrap(),
    );
    let mut shown = format!("{role:?}{oidc:?}");
    let mut issued = Vec::new();
    for provider in [
        role.clone() as Arc<dyn ProvideCredentials>,
        oidc.clone() as Arc<dyn ProvideCredentials>,
    ] {
        let cached: Arc<dyn ProvideCredentials> = Arc::new(CachedProvider::new(provider));
        let config = Config::builder()
            .endpoint_url(emulator.base_url())
            .credentials_provider(Arc::clone(&cached))
            .retry(RetryConfig::disabled())
            .build();
        Runtime::new(config, &PRODUCT)
            .unwrap()
            .invoke::<_, Value, String>(&DESCRIBE_REGIONS, &serde_json::json!({}), |c| c.to_owned())
            .await
            .unwrap();
        let credentials = cached.provide_credentials().await.unwrap();
        shown.push_str(&format!("{credentials:?}{cached:?}"));
        issued.push(credentials.access_key_secret().to_owned());
        issued.push(credentials.security_token().unwrap().to_owned());
    }
    // A failure too: a refused token.
    std::fs::write(&token_file, format!("{OIDC_TOKEN}-rotated")).unwrap();
    let error = oidc.provide_credentials().await.unwrap_err();
    shown.push_str(&format!("{error}{error:?}"));
    let traced = traces.text();
    assert!(traced.contains("calling STS"), "{traced}");
    for secret in [SOURCE_SECRET, SOURCE_TOKEN, OIDC_TOKEN]
        .into_iter()
        .chain(issued.iter().map(String::as_str))
    {
        assert!(!traced.contains(secret), "traces show a secret: {traced}");
        assert!(
            !shown.contains(secret),
            "Debug or Display shows a secret: {shown}"
        );
    }
}
