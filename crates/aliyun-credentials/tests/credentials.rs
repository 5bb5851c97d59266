//! The credential chain with a temporary home directory and injected
//! environment (never the process environment), the ECS metadata service
//! and credentials URI through loopback fakes, and the single-flight
//! refresh of expiring credentials.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aliyun_credentials::{
    CachedProvider, Credentials, CredentialsError, CredentialsErrorKind, DefaultCredentialsChain,
    EcsRamRoleProvider, FixedEnvironment, ProvideCredentials,
};
use aliyun_sign::clock::Clock;
use aliyun_test_server::{start_ecs_metadata_service, Reply, TestServer};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A fresh, empty home directory, removed with everything in it when the
/// returned value is dropped, even when the test fails.
fn temporary_home(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("aliyun-credentials-{name}-"))
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

async fn resolve(
    environment: FixedEnvironment,
    profile: Option<&str>,
) -> Result<Credentials, CredentialsError> {
    let mut builder = DefaultCredentialsChain::builder().environment(Arc::new(environment));
    if let Some(profile) = profile {
        builder = builder.profile(profile);
    }
    builder.build().provide_credentials().await
}

const CLI_CONFIG: &str = r#"{
  "current": "work",
  "profiles": [
    {"name": "default", "mode": "AK", "access_key_id": "cli-default-id", "access_key_secret": "cli-default-secret", "region_id": "cn-beijing"},
    {"name": "work", "mode": "AK", "access_key_id": "cli-work-id", "access_key_secret": "cli-work-secret", "region_id": "cn-shanghai"},
    {"name": "temp", "mode": "StsToken", "access_key_id": "cli-sts-id", "access_key_secret": "cli-sts-secret", "sts_token": "cli-sts-token"},
    {"name": "role", "mode": "RamRoleArn", "access_key_id": "x", "access_key_secret": "y"},
    {"name": "sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://signin.example.com"},
    {"name": "ecs", "mode": "EcsRamRole", "ram_role_name": "EcsRole"}
  ]
}"#;

#[tokio::test]
async fn environment_variables_come_first() {
    let home = temporary_home("env");
    write(home.path(), ".aliyun/config.json", CLI_CONFIG);
    let environment = base_environment(home.path())
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id")
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
        .with_var("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token");
    let credentials = resolve(environment, None).await.unwrap();
    assert_eq!(credentials.access_key_id(), "env-id");
    assert_eq!(credentials.access_key_secret(), "env-secret");
    assert_eq!(credentials.security_token(), Some("env-token"));
    assert_eq!(credentials.source(), "environment");
}

#[tokio::test]
async fn cli_profile_selection_follows_option_then_variable_then_current() {
    let home = temporary_home("cli");
    write(home.path(), ".aliyun/config.json", CLI_CONFIG);
    let current = resolve(base_environment(home.path()), None).await.unwrap();
    assert_eq!(current.access_key_id(), "cli-work-id");

    let from_variable = resolve(
        base_environment(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "default"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(from_variable.access_key_id(), "cli-default-id");

    let from_option = resolve(
        base_environment(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "default"),
        Some("temp"),
    )
    .await
    .unwrap();
    assert_eq!(from_option.access_key_id(), "cli-sts-id");
    assert_eq!(from_option.security_token(), Some("cli-sts-token"));
}

#[tokio::test]
async fn ini_file_is_read_after_the_cli_file() {
    let home = temporary_home("ini");
    write(
        home.path(),
        ".alibabacloud/credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = ini-id\naccess_key_secret = ini-secret\n\n[other]\ntype = access_key\naccess_key_id = other-id\naccess_key_secret = other-secret\n",
    );
    let credentials = resolve(base_environment(home.path()), None).await.unwrap();
    assert_eq!(credentials.access_key_id(), "ini-id");
    let other = resolve(
        base_environment(home.path()).with_var("ALIBABA_CLOUD_PROFILE", "other"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(other.access_key_id(), "other-id");

    let elsewhere = temporary_home("ini-explicit");
    let file = write(
        elsewhere.path(),
        "custom.ini",
        "[default]\naccess_key_id = custom-id\naccess_key_secret = custom-secret\n",
    );
    let explicit = resolve(
        base_environment(home.path())
            .with_var("ALIBABA_CLOUD_CREDENTIALS_FILE", file.display().to_string()),
        None,
    )
    .await
    .unwrap();
    assert_eq!(explicit.access_key_id(), "custom-id");
}

#[tokio::test]
async fn unsupported_profile_modes_are_reported_and_skipped() {
    let home = temporary_home("mode");
    write(home.path(), ".aliyun/config.json", CLI_CONFIG);
    let error = resolve(base_environment(home.path()), Some("sso"))
        .await
        .unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("mode `CloudSSO` is not supported") && locations.contains("`sso`"),
        "{locations}"
    );

    // A supported mode without its fields names the missing one.
    let error = resolve(base_environment(home.path()), Some("role"))
        .await
        .unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("mode RamRoleArn needs `ram_role_arn`") && locations.contains("`role`"),
        "{locations}"
    );
}

/// A clock tests move by hand.
#[derive(Debug)]
struct ManualClock(Mutex<SystemTime>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

fn rfc3339(instant: SystemTime) -> String {
    OffsetDateTime::from(instant).format(&Rfc3339).unwrap()
}

/// The ECS metadata service's stand-in, whose credentials expire at
/// `expiration`, answered after `delay`.
async fn fake_metadata_service(expiration: SystemTime, delay: Duration) -> TestServer {
    start_ecs_metadata_service(&rfc3339(expiration), delay).await
}

#[tokio::test]
async fn ecs_ram_role_credentials_come_from_the_metadata_service() {
    let expiration = SystemTime::now() + Duration::from_secs(3600);
    let server = fake_metadata_service(expiration, Duration::ZERO).await;
    let home = temporary_home("ecs");
    let environment = FixedEnvironment::new().with_home(home.path());
    let credentials = DefaultCredentialsChain::builder()
        .environment(Arc::new(environment))
        .ecs_metadata_endpoint(server.url())
        .build()
        .provide_credentials()
        .await
        .unwrap();
    assert!(credentials.access_key_id().starts_with("STS.id-"));
    assert_eq!(credentials.access_key_secret(), "ecs-secret");
    assert_eq!(credentials.security_token(), Some("ecs-token"));
    let expiry = credentials.expiry().unwrap();
    assert_eq!(
        expiry.duration_since(UNIX_EPOCH).unwrap().as_secs(),
        expiration.duration_since(UNIX_EPOCH).unwrap().as_secs()
    );
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|r| format!("{} {}", r.method, r.path()))
        .collect();
    assert_eq!(
        paths,
        [
            "PUT /latest/api/token",
            "GET /latest/meta-data/ram/security-credentials/",
            "GET /latest/meta-data/ram/security-credentials/EcsRole"
        ]
    );
}

#[tokio::test]
async fn a_configured_role_name_skips_the_role_lookup() {
    let server = fake_metadata_service(
        SystemTime::now() + Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let provider = EcsRamRoleProvider::new(server.url(), Some("EcsRole".to_owned())).unwrap();
    provider.provide_credentials().await.unwrap();
    assert_eq!(server.request_count(), 2);

    let chain_server = fake_metadata_service(
        SystemTime::now() + Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let home = temporary_home("ecs-role");
    DefaultCredentialsChain::builder()
        .environment(Arc::new(
            FixedEnvironment::new()
                .with_home(home.path())
                .with_var("ALIBABA_CLOUD_ECS_METADATA", "EcsRole"),
        ))
        .ecs_metadata_endpoint(chain_server.url())
        .build()
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(chain_server.request_count(), 2);
}

#[tokio::test]
async fn concurrent_calls_share_one_refresh_and_refresh_before_expiry() {
    let start = SystemTime::now();
    let clock = Arc::new(ManualClock(Mutex::new(start)));
    let server = fake_metadata_service(
        start + Duration::from_secs(3600),
        Duration::from_millis(200),
    )
    .await;
    let provider = Arc::new(
        CachedProvider::new(Arc::new(
            EcsRamRoleProvider::new(server.url(), None).unwrap(),
        ))
        .with_clock(clock.clone()),
    );
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let provider = Arc::clone(&provider);
        tasks.push(tokio::spawn(async move {
            provider.provide_credentials().await.unwrap()
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap().access_key_id().to_owned());
    }
    assert_eq!(
        server.request_count(),
        3,
        "one token, one role and one credentials request"
    );
    assert!(ids.iter().all(|id| id == &ids[0]));

    // Still fresh 50 minutes later: no new request.
    clock.advance(Duration::from_secs(50 * 60));
    provider.provide_credentials().await.unwrap();
    assert_eq!(server.request_count(), 3);

    // Within three minutes of expiry: refreshed.
    clock.advance(Duration::from_secs(8 * 60));
    let refreshed = provider.provide_credentials().await.unwrap();
    assert_eq!(server.request_count(), 6);
    assert_ne!(refreshed.access_key_id(), ids[0]);
}

#[tokio::test]
async fn an_unreachable_metadata_service_is_reported_quickly() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let error = EcsRamRoleProvider::new(url, None)
        .unwrap()
        .provide_credentials()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), CredentialsErrorKind::Failed);
    assert!(error.to_string().contains("not reachable"), "{error}");
}

#[tokio::test]
async fn credentials_uri_is_the_last_source() {
    let expiration = rfc3339(SystemTime::now() + Duration::from_secs(3600));
    let server = TestServer::start(move |_, _| {
        Reply::json(
            200,
            &serde_json::json!({"Code": "Success", "AccessKeyId": "uri-id", "AccessKeySecret": "uri-secret",
                "SecurityToken": "uri-token", "Expiration": expiration})
            .to_string(),
        )
    })
    .await;
    let home = temporary_home("uri");
    let environment = base_environment(home.path()).with_var(
        "ALIBABA_CLOUD_CREDENTIALS_URI",
        format!("{}/credentials", server.url()),
    );
    let credentials = resolve(environment, None).await.unwrap();
    assert_eq!(credentials.access_key_id(), "uri-id");
    assert_eq!(credentials.security_token(), Some("uri-token"));
    assert!(credentials.expiry().is_some());
    assert_eq!(server.requests()[0].path(), "/credentials");

    let failing = TestServer::start(|_, _| Reply::json(200, r#"{"Code":"Failure"}"#)).await;
    let environment =
        base_environment(home.path()).with_var("ALIBABA_CLOUD_CREDENTIALS_URI", failing.url());
    let error = resolve(environment, None).await.unwrap_err();
    assert!(error.searched_locations().join(" ").contains("Failure"));
}

#[tokio::test]
async fn a_metadata_service_without_tokens_is_asked_without_one() {
    let expiration = rfc3339(SystemTime::now() + Duration::from_secs(3600));
    let server = TestServer::start(move |request, _| match (request.method.as_str(), request.path()) {
        ("PUT", "/latest/api/token") => Reply::raw(404, "text/plain", b"not found"),
        ("GET", "/latest/meta-data/ram/security-credentials/") => Reply::raw(200, "text/plain", b"OldRole\n"),
        ("GET", "/latest/meta-data/ram/security-credentials/OldRole") => Reply::json(
            200,
            &serde_json::json!({"Code": "Success", "AccessKeyId": "old-id", "AccessKeySecret": "old-secret",
                "SecurityToken": "old-token", "Expiration": expiration})
            .to_string(),
        ),
        _ => Reply::raw(400, "text/plain", b"unexpected"),
    })
    .await;
    let credentials = EcsRamRoleProvider::new(server.url(), None)
        .unwrap()
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(credentials.access_key_id(), "old-id");
    assert!(server.requests()[1..]
        .iter()
        .all(|request| request.header("x-aliyun-ecs-metadata-token").is_none()));
}

#[tokio::test]
async fn imdsv1_disabled_forbids_asking_without_a_token() {
    let server = TestServer::start(|request, _| match request.path() {
        "/latest/api/token" => Reply::raw(404, "text/plain", b"not found"),
        _ => Reply::raw(200, "text/plain", b"OldRole"),
    })
    .await;
    let error = EcsRamRoleProvider::new(server.url(), None)
        .unwrap()
        .with_imdsv1_disabled(true)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        "{error}"
    );
    assert_eq!(server.request_count(), 1, "only the token was asked for");

    // Through the chain, the variable does the same.
    let home = temporary_home("imdsv1");
    let environment = FixedEnvironment::new()
        .with_home(home.path())
        .with_var("ALIBABA_CLOUD_IMDSV1_DISABLED", "true");
    let error = DefaultCredentialsChain::builder()
        .environment(Arc::new(environment))
        .ecs_metadata_endpoint(server.url())
        .build()
        .provide_credentials()
        .await
        .unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("ALIBABA_CLOUD_IMDSV1_DISABLED"),
        "{locations}"
    );
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn an_ecs_ram_role_profile_asks_the_metadata_service_for_its_role() {
    let server = fake_metadata_service(
        SystemTime::now() + Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let home = temporary_home("ecs-profile");
    write(home.path(), ".aliyun/config.json", CLI_CONFIG);
    let credentials = DefaultCredentialsChain::builder()
        .environment(Arc::new(base_environment(home.path())))
        .profile("ecs")
        .ecs_metadata_endpoint(server.url())
        .build()
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(credentials.security_token(), Some("ecs-token"));
    let paths: Vec<String> = server
        .requests()
        .iter()
        .map(|request| request.path().to_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "/latest/api/token",
            "/latest/meta-data/ram/security-credentials/EcsRole"
        ],
        "the profile's role name skips the role lookup"
    );
}

#[tokio::test]
async fn an_ini_ecs_ram_role_section_asks_the_metadata_service() {
    let server = fake_metadata_service(
        SystemTime::now() + Duration::from_secs(3600),
        Duration::ZERO,
    )
    .await;
    let home = temporary_home("ini-ecs");
    write(
        home.path(),
        ".alibabacloud/credentials.ini",
        "[default]\ntype = ecs_ram_role\nrole_name = EcsRole\n",
    );
    let credentials = DefaultCredentialsChain::builder()
        .environment(Arc::new(base_environment(home.path())))
        .ecs_metadata_endpoint(server.url())
        .build()
        .provide_credentials()
        .await
        .unwrap();
    assert_eq!(credentials.security_token(), Some("ecs-token"));
    assert_eq!(
        server.requests()[1].path(),
        "/latest/meta-data/ram/security-credentials/EcsRole"
    );
}
