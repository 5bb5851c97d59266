//! HTTPS against the emulator serving a certificate from a CA made for the
//! test: trusted through the configuration or `ALIBABA_CLOUD_CA_BUNDLE`,
//! and refused, with a TLS error that says what to do, otherwise.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::error::Error as _;
use std::sync::Arc;

use aliyun_rds_emulator::{Emulator, RunningEmulator};
use aliyun_runtime::config::ConfigBuilder;
use aliyun_runtime::credentials::FixedEnvironment;
use aliyun_runtime::error::{DispatchErrorKind, TlsFailure};
use aliyun_runtime::{Config, Credentials, RetryConfig, Runtime, SdkError};
use serde_json::Value;
use support::{TestPki, DESCRIBE_REGIONS, PRODUCT};

async fn tls_emulator(pki: &TestPki) -> RunningEmulator {
    Emulator::builder()
        .tls(
            pki.server_certificate_pem.clone(),
            pki.server_key_pem.clone(),
        )
        .start("127.0.0.1:0")
        .await
        .unwrap()
}

fn config(endpoint: &str, environment: FixedEnvironment) -> ConfigBuilder {
    Config::builder()
        .endpoint_url(endpoint)
        .environment(Arc::new(environment))
        .credentials(Credentials::new(
            "LTAI5tRdsEmulatorDemoKey",
            "RdsEmulatorDemoSecretNotForProduction",
        ))
        .retry(RetryConfig::default().with_max_attempts(1))
}

async fn describe_regions(runtime: &Runtime) -> Result<Value, SdkError<String>> {
    runtime
        .invoke::<BTreeMap<String, String>, Value, String>(
            &DESCRIBE_REGIONS,
            &BTreeMap::new(),
            |code| code.to_owned(),
        )
        .await
}

#[tokio::test]
async fn a_ca_given_in_the_configuration_is_trusted() {
    let pki = TestPki::generate();
    let emulator = tls_emulator(&pki).await;
    assert!(emulator.base_url().starts_with("https://127.0.0.1:"));
    let runtime = Runtime::new(
        config(&emulator.base_url(), FixedEnvironment::new())
            .root_certificate_pem(pki.ca_pem.clone())
            .build(),
        &PRODUCT,
    )
    .unwrap();

    let output = describe_regions(&runtime).await.unwrap();

    assert!(output["RequestId"].is_string(), "{output}");
    assert_eq!(emulator.request_count("DescribeRegions"), 1);
}

#[tokio::test]
async fn a_ca_bundle_named_by_the_environment_is_trusted() {
    let pki = TestPki::generate();
    let emulator = tls_emulator(&pki).await;
    let directory = tempfile::tempdir().unwrap();
    let bundle = directory.path().join("ca.pem");
    std::fs::write(&bundle, &pki.ca_pem).unwrap();
    let environment =
        FixedEnvironment::new().with_var("ALIBABA_CLOUD_CA_BUNDLE", bundle.to_str().unwrap());
    let runtime =
        Runtime::new(config(&emulator.base_url(), environment).build(), &PRODUCT).unwrap();

    describe_regions(&runtime).await.unwrap();

    assert_eq!(emulator.request_count("DescribeRegions"), 1);
}

#[tokio::test]
async fn an_untrusted_certificate_is_a_tls_error_saying_what_to_do() {
    let pki = TestPki::generate();
    let emulator = tls_emulator(&pki).await;
    let runtime = Runtime::new(
        config(&emulator.base_url(), FixedEnvironment::new()).build(),
        &PRODUCT,
    )
    .unwrap();

    let error = describe_regions(&runtime).await.unwrap_err();

    let SdkError::Dispatch(dispatch) = &error else {
        panic!("expected a dispatch error, got {error:?}");
    };
    assert_eq!(
        dispatch.kind(),
        DispatchErrorKind::Tls(TlsFailure::UntrustedCertificate)
    );
    assert!(!dispatch.request_sent());
    assert_eq!(dispatch.endpoint(), Some(emulator.base_url().as_str()));
    let message = error.to_string();
    assert!(message.contains(&emulator.base_url()), "{message}");
    assert!(message.contains("not trusted"), "{message}");
    assert!(message.contains("ALIBABA_CLOUD_CA_BUNDLE"), "{message}");
    assert!(error.source().is_some());
    assert_eq!(emulator.request_count("DescribeRegions"), 0);
}

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_handshake_error() {
    let emulator = Emulator::builder().start("127.0.0.1:0").await.unwrap();
    let endpoint = emulator.base_url().replace("http://", "https://");
    let runtime =
        Runtime::new(config(&endpoint, FixedEnvironment::new()).build(), &PRODUCT).unwrap();

    let error = describe_regions(&runtime).await.unwrap_err();

    match &error {
        SdkError::Dispatch(dispatch) => {
            assert_eq!(
                dispatch.kind(),
                DispatchErrorKind::Tls(TlsFailure::Handshake)
            );
            assert!(error.to_string().contains("http://"), "{error}");
        }
        other => panic!("expected a dispatch error, got {other:?}"),
    }
}
