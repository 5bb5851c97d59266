//! The generated client against the emulator on loopback: both signature
//! schemes, STS tokens, every documented state path of the switchover, and
//! the runtime's retry rules driven by the emulator's fault injection.
//!
//! Nothing here is mocked: the client signs real requests, sends them over
//! TCP, and the emulator verifies them with its own, independent code.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aliyun_rds::operation::activate_migration_target_instance::ActivateMigrationTargetInstanceError;
use aliyun_rds::Client;
use aliyun_rds_emulator::{Emulator, Fault, Fixture, KeyPair, RunningEmulator};
use aliyun_rds_errors::gateway::GatewayError;
use aliyun_runtime::{Config, Credentials, SdkError, SignatureVersion};

const ACTION: &str = "ActivateMigrationTargetInstance";

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn client_for(
    emulator: &RunningEmulator,
    version: SignatureVersion,
    credentials: Credentials,
) -> Client {
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(credentials)
        .signature_version(version)
        .build();
    Client::new(config).expect("build the client")
}

fn demo_credentials() -> Credentials {
    Credentials::new(
        aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
        aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
    )
}

/// The typed code of a service error, or a failure naming what came instead.
fn service_code(
    error: SdkError<ActivateMigrationTargetInstanceError>,
) -> ActivateMigrationTargetInstanceError {
    match error {
        SdkError::Service(service_error) => service_error.into_kind(),
        other => panic!("expected a service error, got {other}"),
    }
}

#[tokio::test]
async fn switchover_succeeds_with_both_signature_schemes() {
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let emulator = emulator().await;
        let client = client_for(&emulator, version, demo_credentials());
        let output = client
            .activate_migration_target_instance("pgm-demo-ready")
            .switch_time_mode("0")
            .send()
            .await
            .unwrap_or_else(|error| panic!("{version:?}: {error}"));
        assert_eq!(output.db_instance_name.as_deref(), Some("pgm-demo-ready"));
        assert_eq!(output.task_id, Some(440_913_675));
        assert_eq!(output.source_port, Some(5432));
        assert!(output.source_ip_address.is_some());
        assert!(output.request_id.is_some_and(|id| !id.is_empty()));
        assert_eq!(emulator.request_count(ACTION), 1);

        // The task is complete now, so a second switchover is refused.
        let error = client
            .activate_migration_target_instance("pgm-demo-ready")
            .send()
            .await
            .expect_err("the task was completed by the first call");
        assert_eq!(
            service_code(error),
            ActivateMigrationTargetInstanceError::InvalidMigrateTask
        );
        emulator.shutdown().await;
    }
}

#[tokio::test]
async fn every_documented_state_path() {
    let emulator = emulator().await;
    let client = client_for(&emulator, SignatureVersion::V1, demo_credentials());

    let error = client
        .activate_migration_target_instance("pgm-no-such-instance")
        .send()
        .await
        .expect_err("unknown instance");
    let SdkError::Service(service_error) = error else {
        panic!("expected a service error")
    };
    assert_eq!(service_error.metadata().http_status, 404);
    assert_eq!(
        *service_error.kind(),
        ActivateMigrationTargetInstanceError::InvalidDBInstanceNameNotFound
    );
    assert_eq!(service_error.kind().http_status(), Some(404));

    let cases = [
        (
            "pgm-demo-notask",
            ActivateMigrationTargetInstanceError::InvalidMigrateTask,
        ),
        (
            "pgm-demo-syncing",
            ActivateMigrationTargetInstanceError::InvalidMigrateStatus,
        ),
        (
            "pgm-demo-locked",
            ActivateMigrationTargetInstanceError::IncorrectDBInstanceState,
        ),
    ];
    for (instance, expected) in cases {
        let error = client
            .activate_migration_target_instance(instance)
            .send()
            .await
            .expect_err(instance);
        let code = service_code(error);
        assert_eq!(code, expected, "{instance}");
        assert_eq!(code.http_status(), Some(400));
    }

    // A task that is not synchronized yet can still be forced over.
    let output = client
        .activate_migration_target_instance("pgm-demo-syncing")
        .force_switch("1")
        .send()
        .await
        .expect("a forced switchover succeeds");
    assert_eq!(output.db_instance_name.as_deref(), Some("pgm-demo-syncing"));
    emulator.shutdown().await;
}

#[tokio::test]
async fn sts_tokens_are_sent_with_both_schemes() {
    let key_pair = KeyPair::with_security_token(
        "sts-access-key-id",
        "sts-access-key-secret",
        "sts-security-token",
    );
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .key_pair(key_pair)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator");
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let with_token = Credentials::new("sts-access-key-id", "sts-access-key-secret")
            .with_security_token("sts-security-token");
        let client = client_for(&emulator, version, with_token);
        let error = client
            .activate_migration_target_instance("pgm-demo-notask")
            .send()
            .await
            .expect_err("the instance has no task");
        // Reaching the state model proves the signed token was accepted.
        assert_eq!(
            service_code(error),
            ActivateMigrationTargetInstanceError::InvalidMigrateTask
        );

        let without_token = Credentials::new("sts-access-key-id", "sts-access-key-secret");
        let client = client_for(&emulator, version, without_token);
        let error = client
            .activate_migration_target_instance("pgm-demo-notask")
            .send()
            .await
            .expect_err("a token is required");
        let code = service_code(error);
        assert!(
            matches!(code, ActivateMigrationTargetInstanceError::Gateway(_)),
            "{version:?}: {code:?}"
        );
    }
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_signature_does_not_match() {
    let emulator = emulator().await;
    for version in [SignatureVersion::V1, SignatureVersion::V3] {
        let wrong = Credentials::new(aliyun_rds_emulator::DEMO_ACCESS_KEY_ID, "wrong-secret");
        let client = client_for(&emulator, version, wrong);
        let error = client
            .activate_migration_target_instance("pgm-demo-ready")
            .send()
            .await
            .expect_err("wrong secret");
        let rendered = format!("{error} {error:?}");
        assert!(
            !rendered.contains("wrong-secret"),
            "the secret leaked: {rendered}"
        );
        assert_eq!(
            service_code(error),
            ActivateMigrationTargetInstanceError::Gateway(GatewayError::SignatureDoesNotMatch)
        );
    }
    // The refused calls did not switch anything over.
    assert_eq!(
        emulator
            .instance("pgm-demo-ready")
            .and_then(|instance| instance.migration_task)
            .map(|task| task.stage),
        Some(aliyun_rds_emulator::MigrationStage::Synchronized)
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_non_idempotent_call_is_sent_exactly_once_after_a_5xx() {
    let emulator = emulator().await;
    emulator
        .faults()
        .inject(ACTION, Fault::service_unavailable(), 1);
    let client = client_for(&emulator, SignatureVersion::V1, demo_credentials());
    let error = client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect_err("the service answered 503");
    assert_eq!(
        service_code(error),
        ActivateMigrationTargetInstanceError::Gateway(GatewayError::ServiceUnavailable)
    );
    assert_eq!(
        emulator.request_count(ACTION),
        1,
        "a 503 must not be retried"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_non_idempotent_call_is_not_resent_after_a_dropped_connection() {
    let emulator = emulator().await;
    emulator.faults().inject(ACTION, Fault::DropConnection, 1);
    let client = client_for(&emulator, SignatureVersion::V1, demo_credentials());
    let error = client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect_err("the connection was dropped");
    assert!(matches!(error, SdkError::Dispatch(_)), "{error}");
    assert_eq!(emulator.request_count(ACTION), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_throttled_call_is_retried_with_a_new_nonce_and_succeeds() {
    let emulator = emulator().await;
    emulator
        .faults()
        .inject(ACTION, Fault::throttling(Some("10")), 1);
    let client = client_for(&emulator, SignatureVersion::V1, demo_credentials());
    let output = client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect("the retry succeeds");
    assert_eq!(output.db_instance_name.as_deref(), Some("pgm-demo-ready"));
    assert_eq!(emulator.request_count(ACTION), 2);
    let nonces = emulator.nonces();
    assert_eq!(nonces.len(), 2, "{nonces:?}");
    assert_ne!(
        nonces[0], nonces[1],
        "each attempt must be signed with a fresh nonce"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_and_is_not_resent() {
    let emulator = emulator().await;
    emulator
        .faults()
        .inject(ACTION, Fault::Delay(Duration::from_secs(3)), 1);
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(demo_credentials())
        .attempt_timeout(Duration::from_millis(300))
        .build();
    let client = Client::new(config).expect("build the client");
    let error = client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect_err("the attempt timed out");
    assert!(matches!(error, SdkError::Timeout(_)), "{error}");
    assert_eq!(
        emulator.request_count(ACTION),
        1,
        "a read timeout must not be retried"
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn clock_skew_is_corrected_from_the_date_header() {
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .clock_offset(40 * 60)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator");
    let client = client_for(&emulator, SignatureVersion::V1, demo_credentials());
    let output = client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect("the client corrects its clock and retries once");
    assert_eq!(output.db_instance_name.as_deref(), Some("pgm-demo-ready"));
    assert_eq!(emulator.request_count(ACTION), 2);
    emulator.shutdown().await;
}

#[tokio::test]
async fn an_undecodable_success_body_is_a_response_error() {
    let emulator = emulator().await;
    emulator.faults().inject(ACTION, Fault::MalformedBody, 1);
    let client = client_for(&emulator, SignatureVersion::V3, demo_credentials());
    let error = client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect_err("malformed body");
    let SdkError::Response(response_error) = &error else {
        panic!("expected a response error, got {error}")
    };
    assert_eq!(response_error.http_status(), Some(200));
    assert_eq!(emulator.request_count(ACTION), 1);
    emulator.shutdown().await;
}

#[tokio::test]
async fn errors_convert_into_the_crate_level_error() {
    async fn switch_over(
        client: &Client,
        instance: &str,
    ) -> Result<Option<i64>, aliyun_rds::Error> {
        let output = client
            .activate_migration_target_instance(instance)
            .send()
            .await?;
        Ok(output.task_id)
    }
    let emulator = emulator().await;
    let client = client_for(&emulator, SignatureVersion::V1, demo_credentials());
    let error = switch_over(&client, "pgm-demo-locked")
        .await
        .expect_err("locked");
    assert_eq!(error.operation(), ACTION);
    assert!(
        error
            .to_string()
            .starts_with("ActivateMigrationTargetInstance failed: "),
        "{error}"
    );
    assert!(
        error.to_string().contains("IncorrectDBInstanceState"),
        "{error}"
    );
    assert!(std::error::Error::source(&error).is_some());
    let aliyun_rds::Error::ActivateMigrationTargetInstance(inner) = error else {
        panic!("unexpected variant {error:?}");
    };
    assert_eq!(
        service_code(inner),
        ActivateMigrationTargetInstanceError::IncorrectDBInstanceState
    );
    emulator.shutdown().await;
}

#[tokio::test]
async fn with_retries_off_throttling_surfaces_as_a_typed_retryable_gateway_error() {
    let emulator = emulator().await;
    emulator
        .faults()
        .inject(ACTION, Fault::throttling(Some("1")), 1);
    let config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(demo_credentials())
        .retry(aliyun_runtime::RetryConfig::disabled())
        .build();
    let client = Client::new(config).expect("build the client");
    let error = client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .expect_err("throttled, and no retry allowed");
    let code = service_code(error);
    assert_eq!(
        code,
        ActivateMigrationTargetInstanceError::Gateway(GatewayError::ThrottlingUser)
    );
    assert!(code.is_retryable());
    assert_eq!(emulator.request_count(ACTION), 1);
    emulator.shutdown().await;
}
