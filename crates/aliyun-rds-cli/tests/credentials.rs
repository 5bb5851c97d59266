//! Where the CLI takes credentials from, end to end: the real binary,
//! spawned as a process, against an emulator on loopback whose STS issues
//! temporary credentials (OIDC from the environment, a `RamRoleArn` profile,
//! the credential flags, the `emulator` subcommand's STS flags), over HTTP
//! and over HTTPS with a private CA.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{cli, stderr_text, write_certificates};

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aliyun_rds_emulator::{
    Emulator, KeyPair, RunningEmulator, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
    DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
};
use aliyun_runtime::credentials::RamRoleArnProvider;
use aliyun_runtime::{Credentials, ProvideCredentials};
use serde_json::Value;

const OPERATION: &str = "describe-regions";

/// A call that can be repeated (a read), against `endpoint`.
fn describe_regions(command: &mut Command, endpoint: &str) -> Output {
    command
        .args(["--endpoint", endpoint, OPERATION])
        .output()
        .expect("run the aliyun-rds binary")
}

/// Runs a blocking child process without stalling the emulator's runtime.
async fn run_blocking(mut command: Command, endpoint: String) -> Output {
    tokio::task::spawn_blocking(move || describe_regions(&mut command, &endpoint))
        .await
        .expect("join")
}

fn assert_answered(output: &Output) {
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        stderr_text(output)
    );
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(json["Regions"]["RDSRegion"].is_array(), "{json}");
}

async fn start(builder: aliyun_rds_emulator::EmulatorBuilder) -> RunningEmulator {
    builder
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_variables_alone_get_sts_credentials_that_sign_the_call() {
    let emulator = start(Emulator::builder()).await;
    let home = tempfile::tempdir().unwrap();
    let token_file = home.path().join("token");
    std::fs::write(&token_file, DEMO_OIDC_TOKEN).unwrap();
    let mut command = cli(home.path());
    command
        .env("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
        .env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", DEMO_OIDC_PROVIDER_ARN)
        .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_file)
        .env("ALIBABA_CLOUD_STS_ENDPOINT", emulator.base_url());
    let output = run_blocking(command, emulator.base_url()).await;
    // The emulator knows no long-lived pair the CLI has: the call succeeds
    // only when signed with the issued pair and carrying its token.
    assert_answered(&output);
    assert_eq!(emulator.request_count("AssumeRoleWithOIDC"), 1);
    assert_eq!(emulator.request_count("DescribeRegions"), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ram_role_arn_profile_assumes_its_role_with_the_profile_key() {
    let emulator =
        start(Emulator::builder().key_pair(KeyPair::new("LTAIprofileOnly", "profile-secret")))
            .await;
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    let config = serde_json::json!({
        "current": "role",
        "profiles": [
            {"name": "role", "mode": "RamRoleArn", "access_key_id": "LTAIprofileOnly",
             "access_key_secret": "profile-secret", "ram_role_arn": DEMO_ROLE_ARN,
             "ram_session_name": "cli-test", "expired_seconds": 900},
            {"name": "bad", "mode": "RamRoleArn", "access_key_id": "LTAIprofileOnly",
             "access_key_secret": "wrong-profile-secret", "ram_role_arn": DEMO_ROLE_ARN},
            {"name": "sso", "mode": "CloudSSO"}
        ]
    });
    std::fs::write(home.path().join(".aliyun/config.json"), config.to_string()).unwrap();

    let mut command = cli(home.path());
    command
        .env("ALIBABA_CLOUD_STS_ENDPOINT", emulator.base_url())
        .args(["--profile", "role"]);
    assert_answered(&run_blocking(command, emulator.base_url()).await);
    assert_eq!(emulator.request_count("AssumeRole"), 1);

    // `--profile` wins over the environment's access key.
    let mut command = cli(home.path());
    command
        .env("ALIBABA_CLOUD_STS_ENDPOINT", emulator.base_url())
        .env("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id")
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")
        .args(["--profile", "role"]);
    assert_answered(&run_blocking(command, emulator.base_url()).await);
    assert_eq!(emulator.request_count("AssumeRole"), 2);

    let mut command = cli(home.path());
    command
        .env("ALIBABA_CLOUD_STS_ENDPOINT", emulator.base_url())
        .args(["--profile", "bad"]);
    let output = run_blocking(command, emulator.base_url()).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr_text(&output));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("SignatureDoesNotMatch") && stderr.contains("`bad`"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong-profile-secret"), "{stderr}");

    let mut command = cli(home.path());
    command.args(["--profile", "sso"]);
    let output = run_blocking(command, emulator.base_url()).await;
    assert_eq!(output.status.code(), Some(5), "{}", stderr_text(&output));
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("CloudSSO") && stderr.contains("`sso`"),
        "{stderr}"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credential_flags_sign_the_call_and_never_show_their_secrets() {
    let emulator = start(Emulator::builder().key_pair(KeyPair::with_security_token(
        "STS.flagKey",
        "flag-secret",
        "flag-token",
    )))
    .await;
    let home = tempfile::tempdir().unwrap();
    let mut command = cli(home.path());
    command.args([
        "--access-key-id",
        "STS.flagKey",
        "--access-key-secret",
        "flag-secret",
        "--sts-token",
        "flag-token",
    ]);
    assert_answered(&run_blocking(command, emulator.base_url()).await);

    let mut command = cli(home.path());
    command.args([
        "--access-key-id",
        "STS.flagKey",
        "--access-key-secret",
        "wrong-flag-secret",
        "--sts-token",
        "flag-token",
    ]);
    let output = run_blocking(command, emulator.base_url()).await;
    assert_eq!(output.status.code(), Some(3), "{}", stderr_text(&output));
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr_text(&output)
    );
    assert!(printed.contains("SignatureDoesNotMatch"), "{printed}");
    for secret in ["wrong-flag-secret", "flag-token"] {
        assert!(!printed.contains(secret), "{secret} shown in: {printed}");
    }

    // A secret without its ID is a usage error.
    let output = cli(home.path())
        .args(["--access-key-secret", "alone", OPERATION])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    emulator.shutdown().await;
}

#[test]
fn the_emulator_subcommand_serves_sts_with_its_flags() {
    let home = tempfile::tempdir().unwrap();
    let mut server = cli(home.path())
        .args([
            "emulator",
            "--sts-credential-lifetime",
            "600",
            "--sts-role",
            "acs:ram::1234567890123456:role/served-role",
            "--oidc-token",
            "served-token",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the emulator");
    let mut first_line = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let url = first_line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();

    let token_file = home.path().join("token");
    let oidc = |token: &str, role: &str| {
        std::fs::write(&token_file, token).unwrap();
        let mut command = cli(home.path());
        command
            .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
            .env("ALIBABA_CLOUD_ROLE_ARN", role)
            .env("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", DEMO_OIDC_PROVIDER_ARN)
            .env("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_file)
            .env("ALIBABA_CLOUD_STS_ENDPOINT", &url);
        describe_regions(&mut command, &url)
    };
    let served_role = "acs:ram::1234567890123456:role/served-role";
    assert_answered(&oidc("served-token", served_role));

    // The demo token and role are replaced by the flags' values.
    let output = oidc(DEMO_OIDC_TOKEN, served_role);
    assert_eq!(output.status.code(), Some(5), "{}", stderr_text(&output));
    assert!(stderr_text(&output).contains("AuthenticationFail.OIDCToken.Invalid"));
    let output = oidc("served-token", DEMO_ROLE_ARN);
    assert_eq!(output.status.code(), Some(5), "{}", stderr_text(&output));
    assert!(stderr_text(&output).contains("EntityNotExist.Role"));

    // Credentials live as long as --sts-credential-lifetime says, whatever
    // DurationSeconds asks for.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let credentials = runtime.block_on(async {
        let source: Arc<dyn ProvideCredentials> =
            Arc::new(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET));
        RamRoleArnProvider::builder(source, served_role)
            .sts_endpoint(url.as_str())
            .duration_seconds(3600)
            .build()
            .unwrap()
            .provide_credentials()
            .await
            .unwrap()
    });
    let lifetime = credentials
        .expiry()
        .unwrap()
        .duration_since(SystemTime::now())
        .unwrap();
    assert!(
        lifetime > Duration::from_secs(500) && lifetime <= Duration::from_secs(600),
        "{lifetime:?}"
    );

    server.kill().unwrap();
    server.wait().unwrap();
}

/// A home whose current CLI profile is a `RamRoleArn` one signing with the
/// given pair, and the emulator's CA, server certificate and key.
fn home_with_role_profile_and_certificates(key_id: &str, secret: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    write_certificates(home.path());
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    let config = serde_json::json!({
        "current": "operator",
        "profiles": [
            {"name": "operator", "mode": "RamRoleArn", "access_key_id": key_id,
             "access_key_secret": secret, "ram_role_arn": DEMO_ROLE_ARN}
        ]
    });
    std::fs::write(home.path().join(".aliyun/config.json"), config.to_string()).unwrap();
    home
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ram_role_arn_profile_reaches_sts_over_tls_with_the_ca_bundle() {
    let home = home_with_role_profile_and_certificates("LTAIprofileOnly", "profile-secret");
    let read = |name: &str| std::fs::read(home.path().join(name)).unwrap();
    // STS and RDS both served over HTTPS with the private CA's certificate.
    let emulator = start(
        Emulator::builder()
            .key_pair(KeyPair::new("LTAIprofileOnly", "profile-secret"))
            .tls(read("server.pem"), read("server-key.pem")),
    )
    .await;
    let url = emulator.base_url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let ca = home.path().join("ca.pem");
    let with_sts = |command: &mut Command| {
        command.env("ALIBABA_CLOUD_STS_ENDPOINT", &url);
    };

    // The CA from ALIBABA_CLOUD_CA_BUNDLE: trusted by STS and RDS alike.
    let mut command = cli(home.path());
    with_sts(&mut command);
    command.env("ALIBABA_CLOUD_CA_BUNDLE", &ca);
    assert_answered(&run_blocking(command, url.clone()).await);
    assert_eq!(emulator.request_count("AssumeRole"), 1);
    assert_eq!(emulator.request_count("DescribeRegions"), 1);

    // The CA from --ca-bundle, the profile from the chain, then named.
    for named in [false, true] {
        let mut command = cli(home.path());
        with_sts(&mut command);
        command.args(["--ca-bundle", ca.to_str().unwrap()]);
        if named {
            command.args(["--profile", "operator"]);
        }
        assert_answered(&run_blocking(command, url.clone()).await);
    }
    assert_eq!(emulator.request_count("AssumeRole"), 3);
    assert_eq!(emulator.request_count("DescribeRegions"), 3);

    // Without the CA: a TLS error naming the STS endpoint and what to set,
    // from the profile that failed, not "no credentials were found".
    for named in [false, true] {
        let mut command = cli(home.path());
        with_sts(&mut command);
        if named {
            command.args(["--profile", "operator"]);
        }
        let output = run_blocking(command, url.clone()).await;
        assert_eq!(output.status.code(), Some(5), "{}", stderr_text(&output));
        let stderr = stderr_text(&output);
        for expected in [
            format!("STS AssumeRole at {url}"),
            "TLS".to_owned(),
            "not trusted".to_owned(),
            "--ca-bundle".to_owned(),
            "ALIBABA_CLOUD_CA_BUNDLE".to_owned(),
            "(profile `operator`)".to_owned(),
        ] {
            assert!(stderr.contains(&expected), "`{expected}` missing: {stderr}");
        }
        assert!(!stderr.contains("no Alibaba Cloud credentials"), "{stderr}");
        assert!(!stderr.contains("could not be reached"), "{stderr}");
    }
    assert_eq!(emulator.request_count("AssumeRole"), 3);
    emulator.shutdown().await;
}
