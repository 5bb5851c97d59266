//! The orchestrator's use of the credential providers (whose own tests
//! are `aliyun-credentials`'): the default chain a runtime builds, with a
//! temporary home directory and injected environment (never the process
//! environment), signs its calls, is asked once for many calls, reports
//! every place it looked when it finds nothing, lends a profile's region,
//! and fetches from local services without the client's proxy; and
//! temporary credentials from the STS providers (against the emulator's
//! STS on loopback) sign RDS calls and are refreshed by the cache during a
//! run of calls.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aliyun_rds_emulator::{
    Emulator, RunningEmulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, DEMO_OIDC_PROVIDER_ARN,
    DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
};
use aliyun_runtime::clock::Clock;
use aliyun_runtime::credentials::{
    CachedProvider, FixedEnvironment, OidcRoleArnProvider, RamRoleArnProvider,
};
use aliyun_runtime::{Config, Credentials, ProvideCredentials, RetryConfig, Runtime, SdkError};
use aliyun_test_server::start_ecs_metadata_service;
use serde_json::Value;
use support::{Reply, TestServer, ACTIVATE, DESCRIBE_REGIONS, PRODUCT, SUCCESS_BODY};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A fresh, empty home directory, removed with everything in it when the
/// returned value is dropped, even when the test fails.
fn temporary_home(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("aliyun-runtime-credentials-{name}-"))
        .tempdir()
        .expect("create a temporary home directory")
}

fn write(home: &Path, relative: &str, contents: &str) -> PathBuf {
    let path = home.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, contents).unwrap();
    path
}

/// An environment with ECS metadata disabled, so no test ever reaches for
/// the real metadata address.
fn base_environment(home: &Path) -> FixedEnvironment {
    FixedEnvironment::new()
        .with_home(home)
        .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
}

/// Two profiles with regions; the current one is not the one asked for.
const CLI_CONFIG: &str = r#"{
  "current": "work",
  "profiles": [
    {"name": "default", "mode": "AK", "access_key_id": "cli-default-id", "access_key_secret": "cli-default-secret", "region_id": "cn-beijing"},
    {"name": "work", "mode": "AK", "access_key_id": "cli-work-id", "access_key_secret": "cli-work-secret", "region_id": "cn-shanghai"}
  ]
}"#;

/// The ECS metadata service's stand-in, whose credentials expire in an
/// hour.
async fn fake_metadata_service() -> TestServer {
    let expiration = SystemTime::now() + Duration::from_secs(3600);
    let expiration = OffsetDateTime::from(expiration).format(&Rfc3339).unwrap();
    start_ecs_metadata_service(&expiration, Duration::ZERO).await
}

#[tokio::test]
async fn cli_profile_region_is_used_when_no_region_is_configured() {
    let home = temporary_home("region");
    write(home.path(), ".aliyun/config.json", CLI_CONFIG);
    let config = Config::builder()
        .environment(Arc::new(base_environment(home.path())))
        .profile("default")
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    assert_eq!(runtime.region(), Some("cn-beijing"));
}

#[tokio::test]
async fn no_credentials_lists_every_place_looked_at() {
    let home = temporary_home("none");
    let config = Config::builder()
        .endpoint_url("http://127.0.0.1:9")
        .environment(Arc::new(base_environment(home.path())))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let error = runtime
        .invoke::<_, Value, String>(&ACTIVATE, &serde_json::json!({}), |c| c.to_owned())
        .await
        .unwrap_err();
    assert!(error.is_credentials_missing());
    let SdkError::Construction(construction) = &error else {
        panic!("expected a construction error, got {error:?}");
    };
    assert!(construction.is_credentials_missing());
    let shown = error.to_string();
    for place in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        ".aliyun/config.json",
        "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
        ".aliyun/config.json",
        "credentials.ini",
        "ECS instance metadata service",
        "ALIBABA_CLOUD_CREDENTIALS_URI",
    ] {
        assert!(shown.contains(place), "`{place}` missing from: {shown}");
    }
    assert_eq!(construction.searched_locations().len(), 6);
}

#[tokio::test]
async fn runtime_signs_with_chain_credentials() {
    let server = TestServer::start(|_, _| Reply::json(200, SUCCESS_BODY)).await;
    let home = temporary_home("runtime");
    let environment = base_environment(home.path())
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "chain-id")
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "chain-secret");
    let config = Config::builder()
        .endpoint_url(server.url())
        .environment(Arc::new(environment))
        .retry(RetryConfig::disabled())
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    runtime
        .invoke::<_, Value, String>(&ACTIVATE, &serde_json::json!({}), |c| c.to_owned())
        .await
        .unwrap();
    assert_eq!(
        server.requests()[0].param("AccessKeyId").as_deref(),
        Some("chain-id")
    );
}

#[tokio::test]
async fn the_runtime_caches_chain_credentials_across_calls() {
    let metadata = fake_metadata_service().await;
    let service = TestServer::start(|_, _| Reply::json(200, SUCCESS_BODY)).await;
    let home = temporary_home("runtime-cache");
    let config = Config::builder()
        .endpoint_url(service.url())
        .environment(Arc::new(FixedEnvironment::new().with_home(home.path())))
        .ecs_metadata_endpoint(metadata.url())
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    for _ in 0..3 {
        runtime
            .invoke::<_, Value, String>(&ACTIVATE, &serde_json::json!({}), |c| c.to_owned())
            .await
            .unwrap();
    }
    assert_eq!(
        metadata.request_count(),
        3,
        "one credential fetch for three calls"
    );
    for request in service.requests() {
        assert_eq!(request.param("SecurityToken").as_deref(), Some("ecs-token"));
        assert!(request.param("AccessKeyId").unwrap().starts_with("STS.id-"));
    }
}

/// Makes one call with `config`, which must succeed.
async fn call_answered(config: Config) {
    Runtime::new(config, &PRODUCT)
        .unwrap()
        .invoke::<_, Value, String>(&ACTIVATE, &serde_json::json!({}), |c| c.to_owned())
        .await
        .unwrap();
}

#[tokio::test]
async fn credentials_are_fetched_without_the_clients_proxy() {
    // A proxy that answers every call as RDS would: the client's calls go
    // through it, credentials requests must not.
    let proxy = TestServer::start(|_, _| Reply::json(200, SUCCESS_BODY)).await;
    let metadata = fake_metadata_service().await;
    let home = temporary_home("ecs-proxy");
    let config = Config::builder()
        .endpoint_url("http://rds.invalid")
        .environment(Arc::new(FixedEnvironment::new().with_home(home.path())))
        .ecs_metadata_endpoint(metadata.url())
        .proxy(aliyun_runtime::Proxy::http(proxy.url()))
        .build();
    call_answered(config).await;
    assert_eq!(metadata.request_count(), 3);
    let proxied = proxy.requests();
    assert_eq!(proxied.len(), 1, "{proxied:?}");
    assert!(
        proxied[0].target.starts_with("http://rds.invalid/?"),
        "{}",
        proxied[0].target
    );

    // The same for a credentials URI.
    let uri = TestServer::start(|_, _| {
        Reply::json(
            200,
            r#"{"AccessKeyId":"uri-id","AccessKeySecret":"uri-secret","Expiration":"2099-01-01T00:00:00Z"}"#,
        )
    })
    .await;
    let environment = base_environment(home.path())
        .with_var(
            "ALIBABA_CLOUD_CREDENTIALS_URI",
            format!("{}/credentials", uri.url()),
        )
        .with_var("HTTP_PROXY", proxy.url());
    let config = Config::builder()
        .endpoint_url("http://rds.invalid")
        .environment(Arc::new(environment))
        .build();
    call_answered(config).await;
    assert_eq!(uri.request_count(), 1);
    assert_eq!(proxy.request_count(), 2);
}

/// A clock tests move by hand.
#[derive(Debug)]
struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

async fn emulator() -> RunningEmulator {
    Emulator::builder().start("127.0.0.1:0").await.unwrap()
}

fn demo() -> Arc<dyn ProvideCredentials> {
    Arc::new(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET))
}

/// An environment with nothing but the STS endpoint.
fn sts_environment(emulator: &RunningEmulator) -> Arc<FixedEnvironment> {
    Arc::new(FixedEnvironment::new().with_var("ALIBABA_CLOUD_STS_ENDPOINT", emulator.base_url()))
}

/// Calls the emulator's RDS side with `provider`'s credentials.
async fn describe_regions(
    emulator: &RunningEmulator,
    provider: Arc<dyn ProvideCredentials>,
    clock: Option<Arc<dyn Clock>>,
) -> Result<Value, SdkError<String>> {
    let mut config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials_provider(provider)
        .retry(RetryConfig::disabled());
    if let Some(clock) = clock {
        config = config.clock(clock);
    }
    let runtime = Runtime::new(config.build(), &PRODUCT).unwrap();
    runtime
        .invoke::<_, Value, String>(&DESCRIBE_REGIONS, &serde_json::json!({}), |c| c.to_owned())
        .await
}

#[tokio::test]
async fn ram_role_arn_credentials_sign_rds_calls() {
    let emulator = emulator().await;
    let provider = RamRoleArnProvider::builder(demo(), DEMO_ROLE_ARN)
        .environment(sts_environment(&emulator))
        .role_session_name("rust-test")
        .duration_seconds(900)
        .build()
        .unwrap();
    // The runtime asks the provider itself, before the call.
    let answer = describe_regions(&emulator, Arc::new(provider), None)
        .await
        .unwrap();
    assert!(answer["Regions"]["RDSRegion"].is_array());
    assert_eq!(emulator.request_count("AssumeRole"), 1);

    // A role whose source is another role signs as well.
    let first: Arc<dyn ProvideCredentials> = Arc::new(
        RamRoleArnProvider::builder(demo(), DEMO_ROLE_ARN)
            .environment(sts_environment(&emulator))
            .build()
            .unwrap(),
    );
    let second = RamRoleArnProvider::builder(first, DEMO_ROLE_ARN)
        .environment(sts_environment(&emulator))
        .build()
        .unwrap();
    let credentials = second.provide_credentials().await.unwrap();
    describe_regions(&emulator, Arc::new(credentials), None)
        .await
        .unwrap();
    assert_eq!(emulator.request_count("AssumeRole"), 3);
}

#[tokio::test]
async fn oidc_role_credentials_sign_rds_calls() {
    let emulator = emulator().await;
    let directory = tempfile::tempdir().unwrap();
    let token_file = directory.path().join("token");
    std::fs::write(&token_file, DEMO_OIDC_TOKEN).unwrap();
    let provider = OidcRoleArnProvider::builder(DEMO_ROLE_ARN, DEMO_OIDC_PROVIDER_ARN, &token_file)
        .environment(sts_environment(&emulator))
        .build()
        .unwrap();
    let credentials = provider.provide_credentials().await.unwrap();
    assert_eq!(credentials.source(), "oidc role arn");
    describe_regions(&emulator, Arc::new(credentials), None)
        .await
        .unwrap();
    assert_eq!(emulator.request_count("AssumeRoleWithOIDC"), 1);
}

#[tokio::test]
async fn the_cache_refreshes_role_credentials_before_they_expire() {
    let emulator = emulator().await;
    let clock = Arc::new(ManualClock(Mutex::new(SystemTime::now())));
    let role = RamRoleArnProvider::builder(demo(), DEMO_ROLE_ARN)
        .environment(sts_environment(&emulator))
        .duration_seconds(900)
        .clock(clock.clone())
        .build()
        .unwrap();
    let cached: Arc<dyn ProvideCredentials> =
        Arc::new(CachedProvider::new(Arc::new(role)).with_clock(clock.clone()));

    for _ in 0..5 {
        describe_regions(&emulator, Arc::clone(&cached), Some(clock.clone()))
            .await
            .unwrap();
    }
    assert_eq!(
        emulator.request_count("AssumeRole"),
        1,
        "one role, many calls"
    );
    let first = cached.provide_credentials().await.unwrap();

    // Twelve minutes on, the credentials are within the refresh margin.
    clock.advance(Duration::from_secs(12 * 60));
    emulator.set_clock_offset(12 * 60);
    describe_regions(&emulator, Arc::clone(&cached), Some(clock.clone()))
        .await
        .unwrap();
    assert_eq!(emulator.request_count("AssumeRole"), 2);
    let second = cached.provide_credentials().await.unwrap();
    assert_ne!(first.access_key_id(), second.access_key_id());

    // Past the first credentials' expiry: the cache keeps calls working,
    // while the old credentials are refused as expired.
    clock.advance(Duration::from_secs(5 * 60));
    emulator.set_clock_offset(17 * 60);
    describe_regions(&emulator, Arc::clone(&cached), Some(clock.clone()))
        .await
        .unwrap();
    assert_eq!(emulator.request_count("AssumeRole"), 2);
    let error = describe_regions(&emulator, Arc::new(first), Some(clock.clone()))
        .await
        .unwrap_err();
    let service = error.as_service_error().expect("a service error");
    assert_eq!(service.metadata().code, "InvalidSecurityToken.Expired");
}
