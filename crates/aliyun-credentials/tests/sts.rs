//! The STS providers against the emulator's STS on loopback: `AssumeRole`
//! signed with source credentials (and chained), `AssumeRoleWithOIDC` with a
//! token file that is re-read at every refresh, the cache riding out STS
//! outages, and STS errors reported with the provider's name.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::error::Error as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aliyun_credentials::{
    CachedProvider, Credentials, CredentialsError, FixedEnvironment, OidcRoleArnProvider,
    ProvideCredentials, RamRoleArnProvider, StsError,
};
use aliyun_rds_emulator::{
    Emulator, Fault, RunningEmulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
    DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
};
use aliyun_sign::clock::Clock;

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

/// The STS error under a provider's error.
fn sts_error(error: &CredentialsError) -> &StsError {
    error
        .source()
        .and_then(|source| source.downcast_ref::<StsError>())
        .unwrap_or_else(|| panic!("no STS error under {error}"))
}

#[tokio::test]
async fn ram_role_arn_provider_assumes_the_role() {
    let emulator = emulator().await;
    let provider = RamRoleArnProvider::builder(demo(), DEMO_ROLE_ARN)
        .environment(sts_environment(&emulator))
        .role_session_name("rust-test")
        .duration_seconds(900)
        .policy(r#"{"Version":"1","Statement":[]}"#)
        .external_id("abc")
        .build()
        .unwrap();
    assert_eq!(provider.sts_endpoint().base_url(), emulator.base_url());
    let credentials = provider.provide_credentials().await.unwrap();
    assert!(credentials.access_key_id().starts_with("STS."));
    assert!(credentials.security_token().is_some());
    assert_eq!(credentials.source(), "ram role arn");
    let expiry = credentials.expiry().unwrap();
    let lifetime = expiry.duration_since(SystemTime::now()).unwrap();
    assert!(lifetime > Duration::from_secs(800) && lifetime <= Duration::from_secs(900));
    assert_eq!(emulator.request_count("AssumeRole"), 1);
}

#[tokio::test]
async fn a_role_provider_can_take_its_source_from_another() {
    let emulator = emulator().await;
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
    assert_eq!(emulator.request_count("AssumeRole"), 2);
    assert!(credentials.access_key_id().starts_with("STS."));
}

#[tokio::test]
async fn sts_errors_name_the_provider_and_the_sts_code() {
    let emulator = emulator().await;
    let wrong_secret: Arc<dyn ProvideCredentials> =
        Arc::new(Credentials::new(DEMO_ACCESS_KEY_ID, "not-the-secret"));
    let error = RamRoleArnProvider::builder(wrong_secret, DEMO_ROLE_ARN)
        .environment(sts_environment(&emulator))
        .build()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("RAM role ARN provider"),
        "{error}"
    );
    assert_eq!(sts_error(&error).code(), Some("SignatureDoesNotMatch"));
    assert!(!format!("{error:?}").contains("not-the-secret"));

    let unknown_role = "acs:ram::1234567890123456:role/nobody";
    let error = RamRoleArnProvider::builder(demo(), unknown_role)
        .environment(sts_environment(&emulator))
        .build()
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(error.to_string().contains(unknown_role), "{error}");
    let sts = sts_error(&error);
    assert_eq!(sts.code(), Some("EntityNotExist.Role"));
    match sts {
        StsError::Service {
            http_status,
            request_id,
            action,
            ..
        } => {
            assert_eq!(*http_status, 404);
            assert_eq!(*action, "AssumeRole");
            assert!(!request_id.is_empty());
        }
        other => panic!("not a service error: {other}"),
    }
    let shown = sts.to_string();
    assert!(shown.contains("EntityNotExist.Role") && shown.contains("RequestId"));
}

#[tokio::test]
async fn short_durations_and_empty_settings_are_refused_before_any_request() {
    let error = RamRoleArnProvider::builder(demo(), DEMO_ROLE_ARN)
        .duration_seconds(60)
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("900"), "{error}");
    let error = OidcRoleArnProvider::builder(DEMO_ROLE_ARN, "", "")
        .build()
        .unwrap_err();
    let shown = error.to_string();
    assert!(
        shown.contains("OIDC provider ARN") && shown.contains("token file"),
        "{shown}"
    );
    let error = RamRoleArnProvider::builder(demo(), DEMO_ROLE_ARN)
        .sts_endpoint("ftp://example.com")
        .build()
        .unwrap_err();
    assert!(matches!(
        sts_error(&error),
        StsError::InvalidEndpoint { .. }
    ));
}

#[tokio::test]
async fn oidc_token_file_is_read_again_at_every_refresh() {
    let emulator = Emulator::builder()
        .oidc_token(DEMO_OIDC_PROVIDER_ARN, "token-one")
        .oidc_token(DEMO_OIDC_PROVIDER_ARN, "token-two")
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let directory = tempfile::tempdir().unwrap();
    let token_file = directory.path().join("token");
    std::fs::write(&token_file, "token-one\n").unwrap();
    let provider = OidcRoleArnProvider::builder(DEMO_ROLE_ARN, DEMO_OIDC_PROVIDER_ARN, &token_file)
        .environment(sts_environment(&emulator))
        .build()
        .unwrap();
    let first = provider.provide_credentials().await.unwrap();
    assert_eq!(first.source(), "oidc role arn");

    // Kubernetes rewrites the file in place: a token STS does not trust
    // now fails, naming the provider...
    std::fs::write(&token_file, "rotated-but-forged").unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(
        error.to_string().contains("OIDC role ARN provider"),
        "{error}"
    );
    assert_eq!(
        sts_error(&error).code(),
        Some("AuthenticationFail.OIDCToken.Invalid")
    );
    assert!(!format!("{error:?}").contains("rotated-but-forged"));

    // ...and the next good token works without rebuilding the provider.
    std::fs::write(&token_file, "token-two").unwrap();
    provider.provide_credentials().await.unwrap();
    assert_eq!(emulator.request_count("AssumeRoleWithOIDC"), 3);

    std::fs::remove_file(&token_file).unwrap();
    let error = provider.provide_credentials().await.unwrap_err();
    assert!(error.to_string().contains("token file"), "{error}");
}

#[tokio::test]
async fn the_demo_oidc_token_is_accepted_by_default() {
    let emulator = emulator().await;
    let directory = tempfile::tempdir().unwrap();
    let token_file = directory.path().join("token");
    std::fs::write(&token_file, DEMO_OIDC_TOKEN).unwrap();
    let provider = OidcRoleArnProvider::builder(DEMO_ROLE_ARN, DEMO_OIDC_PROVIDER_ARN, &token_file)
        .environment(sts_environment(&emulator))
        .role_session_name("rrsa-pod")
        .build()
        .unwrap();
    let credentials = provider.provide_credentials().await.unwrap();
    assert!(credentials.access_key_id().starts_with("STS."));
}

#[tokio::test]
async fn the_sts_endpoint_follows_region_vpc_and_override() {
    use aliyun_credentials::resolve_sts_endpoint;
    let empty = FixedEnvironment::new();
    let url = |environment: &FixedEnvironment, region: Option<&str>, vpc: bool| {
        resolve_sts_endpoint(environment, None, region, vpc)
            .unwrap()
            .base_url()
            .to_owned()
    };
    assert_eq!(url(&empty, None, false), "https://sts.aliyuncs.com");
    assert_eq!(
        url(&empty, Some("cn-beijing"), false),
        "https://sts.cn-beijing.aliyuncs.com"
    );
    assert_eq!(
        url(&empty, Some("cn-beijing"), true),
        "https://sts-vpc.cn-beijing.aliyuncs.com"
    );
    let regional = FixedEnvironment::new()
        .with_var("ALIBABA_CLOUD_STS_REGION", "cn-shanghai")
        .with_var("ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED", "true");
    assert_eq!(
        url(&regional, None, false),
        "https://sts-vpc.cn-shanghai.aliyuncs.com"
    );
    assert_eq!(
        url(&regional, Some("cn-beijing"), false),
        "https://sts-vpc.cn-beijing.aliyuncs.com",
        "a profile's region wins over the variable"
    );
    let overridden = regional
        .clone()
        .with_var("ALIBABA_CLOUD_STS_ENDPOINT", "sts.example.com");
    assert_eq!(
        url(&overridden, Some("cn-beijing"), true),
        "https://sts.example.com"
    );
    let local =
        FixedEnvironment::new().with_var("ALIBABA_CLOUD_STS_ENDPOINT", "http://127.0.0.1:9");
    assert_eq!(url(&local, None, false), "http://127.0.0.1:9");
}

#[tokio::test]
async fn sts_outages_are_typed_and_the_cache_rides_them_out() {
    let emulator = emulator().await;
    let clock = Arc::new(ManualClock(Mutex::new(SystemTime::now())));
    let role = Arc::new(
        RamRoleArnProvider::builder(demo(), DEMO_ROLE_ARN)
            .environment(sts_environment(&emulator))
            .duration_seconds(900)
            .clock(clock.clone())
            .build()
            .unwrap(),
    );

    emulator
        .faults()
        .inject("AssumeRole", Fault::service_unavailable(), 1);
    let error = role.provide_credentials().await.unwrap_err();
    match sts_error(&error) {
        StsError::Service {
            http_status, code, ..
        } => assert_eq!((*http_status, code.as_str()), (503, "ServiceUnavailable")),
        other => panic!("not a service error: {other}"),
    }
    emulator
        .faults()
        .inject("AssumeRole", Fault::MalformedBody, 1);
    let error = role.provide_credentials().await.unwrap_err();
    assert!(
        matches!(
            sts_error(&error),
            StsError::MalformedResponse {
                http_status: 200,
                ..
            }
        ),
        "{error}"
    );

    // A refresh that fails inside the margin keeps the current credentials,
    // which still work; the next refresh replaces them.
    let cached = CachedProvider::new(role).with_clock(clock.clone());
    let first = cached.provide_credentials().await.unwrap();
    clock.advance(Duration::from_secs(13 * 60));
    emulator.set_clock_offset(13 * 60);
    emulator
        .faults()
        .inject("AssumeRole", Fault::service_unavailable(), 1);
    let kept = cached.provide_credentials().await.unwrap();
    assert_eq!(kept.access_key_id(), first.access_key_id());
    let refreshed = cached.provide_credentials().await.unwrap();
    assert_ne!(refreshed.access_key_id(), first.access_key_id());
    assert_eq!(emulator.request_count("AssumeRole"), 5);
}
