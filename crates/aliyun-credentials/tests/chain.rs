//! The default chain's order with its STS sources, and every CLI profile
//! mode that calls STS, against the emulator's STS on loopback. Variables
//! are injected with `FixedEnvironment`; homes are temporary directories.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use aliyun_credentials::{
    Credentials, CredentialsError, DefaultCredentialsChain, FixedEnvironment, ProvideCredentials,
};
use aliyun_rds_emulator::{
    Emulator, KeyPair, RunningEmulator, DEMO_OIDC_PROVIDER_ARN, DEMO_OIDC_TOKEN, DEMO_ROLE_ARN,
};

const PROFILE_KEY_ID: &str = "LTAIprofileKey";
const PROFILE_KEY_SECRET: &str = "profile-secret";

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .key_pair(KeyPair::new(PROFILE_KEY_ID, PROFILE_KEY_SECRET))
        .start("127.0.0.1:0")
        .await
        .unwrap()
}

/// A home with the CLI file (when given) and the OIDC token file, and an
/// environment pointing STS at the emulator with the metadata service off.
struct Setup {
    home: tempfile::TempDir,
    environment: FixedEnvironment,
}

impl Setup {
    fn new(emulator: &RunningEmulator, cli_config: Option<&str>) -> Setup {
        let home = tempfile::tempdir().unwrap();
        if let Some(config) = cli_config {
            std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
            std::fs::write(home.path().join(".aliyun/config.json"), config).unwrap();
        }
        std::fs::write(home.path().join("oidc-token"), DEMO_OIDC_TOKEN).unwrap();
        let environment = FixedEnvironment::new()
            .with_home(home.path())
            .with_var("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
            .with_var("ALIBABA_CLOUD_STS_ENDPOINT", emulator.base_url());
        Setup { home, environment }
    }

    fn token_file(&self) -> String {
        self.home.path().join("oidc-token").display().to_string()
    }

    fn with_var(mut self, name: &str, value: &str) -> Setup {
        self.environment = self.environment.with_var(name, value);
        self
    }

    fn with_oidc_variables(self) -> Setup {
        let token_file = self.token_file();
        self.with_var("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN)
            .with_var("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", DEMO_OIDC_PROVIDER_ARN)
            .with_var("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_file)
    }

    async fn resolve(&self, profile: Option<&str>) -> Result<Credentials, CredentialsError> {
        let mut builder =
            DefaultCredentialsChain::builder().environment(Arc::new(self.environment.clone()));
        if let Some(profile) = profile {
            builder = builder.profile(profile);
        }
        builder.build().provide_credentials().await
    }
}

fn cli_config(token_file: &Path) -> String {
    serde_json::json!({
        "current": "ak",
        "profiles": [
            {"name": "ak", "mode": "AK", "access_key_id": PROFILE_KEY_ID,
             "access_key_secret": PROFILE_KEY_SECRET},
            {"name": "role", "mode": "RamRoleArn", "access_key_id": PROFILE_KEY_ID,
             "access_key_secret": PROFILE_KEY_SECRET, "ram_role_arn": DEMO_ROLE_ARN,
             "ram_session_name": "cli-session", "expired_seconds": 900,
             "external_id": "ext", "policy": "", "sts_region": "cn-hangzhou", "enable_vpc": false},
            {"name": "wrong-key", "mode": "RamRoleArn", "access_key_id": PROFILE_KEY_ID,
             "access_key_secret": "not-the-secret", "ram_role_arn": DEMO_ROLE_ARN},
            {"name": "chained", "mode": "ChainableRamRoleArn", "source_profile": "role",
             "ram_role_arn": DEMO_ROLE_ARN},
            {"name": "chained-ak", "mode": "ChainableRamRoleArn", "source_profile": "ak",
             "ram_role_arn": DEMO_ROLE_ARN},
            {"name": "loop-a", "mode": "ChainableRamRoleArn", "source_profile": "loop-b",
             "ram_role_arn": DEMO_ROLE_ARN},
            {"name": "loop-b", "mode": "ChainableRamRoleArn", "source_profile": "loop-a",
             "ram_role_arn": DEMO_ROLE_ARN},
            {"name": "oidc", "mode": "OIDC", "ram_role_arn": DEMO_ROLE_ARN,
             "oidc_provider_arn": DEMO_OIDC_PROVIDER_ARN,
             "oidc_token_file": token_file.display().to_string(),
             "role_session_name": "cli-oidc"},
            {"name": "oidc-incomplete", "mode": "OIDC", "ram_role_arn": DEMO_ROLE_ARN},
            {"name": "too-short", "mode": "RamRoleArn", "access_key_id": PROFILE_KEY_ID,
             "access_key_secret": PROFILE_KEY_SECRET, "ram_role_arn": DEMO_ROLE_ARN,
             "expired_seconds": 60},
            {"name": "no-mode", "access_key_secret": PROFILE_KEY_SECRET}
        ]
    })
    .to_string()
}

async fn setup_with_profiles(emulator: &RunningEmulator) -> Setup {
    let setup = Setup::new(emulator, None);
    let config = cli_config(&setup.home.path().join("oidc-token"));
    std::fs::create_dir_all(setup.home.path().join(".aliyun")).unwrap();
    std::fs::write(setup.home.path().join(".aliyun/config.json"), config).unwrap();
    setup
}

fn assert_sts(credentials: &Credentials, source: &str) {
    assert!(
        credentials.access_key_id().starts_with("STS."),
        "{credentials:?}"
    );
    assert!(credentials.security_token().is_some());
    assert!(credentials.expiry().is_some());
    assert_eq!(credentials.source(), source);
}

#[tokio::test]
async fn a_ram_role_arn_profile_signs_assume_role_with_its_access_key() {
    let emulator = emulator().await;
    let setup = setup_with_profiles(&emulator).await;
    let credentials = setup.resolve(Some("role")).await.unwrap();
    assert_sts(&credentials, "ram role arn");
    assert_eq!(emulator.request_count("AssumeRole"), 1);

    // Settings STS would refuse are reported before any request.
    let error = setup.resolve(Some("too-short")).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("`too-short`") && locations.contains("minimum of 900s"),
        "{locations}"
    );
    assert_eq!(emulator.request_count("AssumeRole"), 1);
    let error = setup.resolve(Some("no-mode")).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("mode AK needs `access_key_id`"),
        "{locations}"
    );

    let error = setup.resolve(Some("wrong-key")).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("`wrong-key`")
            && locations.contains("RAM role ARN provider")
            && locations.contains("SignatureDoesNotMatch"),
        "{locations}"
    );
    assert!(!locations.contains("not-the-secret"));
}

#[tokio::test]
async fn chainable_profiles_take_their_source_from_another_profile() {
    let emulator = emulator().await;
    let setup = setup_with_profiles(&emulator).await;
    assert_sts(
        &setup.resolve(Some("chained-ak")).await.unwrap(),
        "ram role arn",
    );
    assert_eq!(emulator.request_count("AssumeRole"), 1);
    // `chained` -> `role` (itself a role) -> its access key: two calls.
    assert_sts(
        &setup.resolve(Some("chained")).await.unwrap(),
        "ram role arn",
    );
    assert_eq!(emulator.request_count("AssumeRole"), 3);
}

#[tokio::test]
async fn a_source_profile_cycle_is_refused_without_calling_sts() {
    let emulator = emulator().await;
    let setup = setup_with_profiles(&emulator).await;
    let error = setup.resolve(Some("loop-a")).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("cycle (loop-a -> loop-b -> loop-a)"),
        "{locations}"
    );
    assert_eq!(emulator.request_count("AssumeRole"), 0);
}

#[tokio::test]
async fn an_oidc_profile_reads_its_token_file() {
    let emulator = emulator().await;
    let setup = setup_with_profiles(&emulator).await;
    assert_sts(&setup.resolve(Some("oidc")).await.unwrap(), "oidc role arn");
    assert_eq!(emulator.request_count("AssumeRoleWithOIDC"), 1);

    let error = setup.resolve(Some("oidc-incomplete")).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("mode OIDC needs `oidc_provider_arn`"),
        "{locations}"
    );
}

#[tokio::test]
async fn the_chain_tries_environment_then_oidc_then_cli_profile() {
    let emulator = emulator().await;
    let with_everything = setup_with_profiles(&emulator)
        .await
        .with_oidc_variables()
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-id")
        .with_var("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret");
    let credentials = with_everything.resolve(None).await.unwrap();
    assert_eq!(credentials.access_key_id(), "env-id");
    assert_eq!(emulator.request_count("AssumeRoleWithOIDC"), 0);

    // Without the access key variables, OIDC comes before the CLI file.
    let oidc_and_cli = setup_with_profiles(&emulator).await.with_oidc_variables();
    let credentials = oidc_and_cli.resolve(None).await.unwrap();
    assert_sts(&credentials, "oidc role arn");
    assert_eq!(emulator.request_count("AssumeRoleWithOIDC"), 1);

    // Without OIDC, the CLI file's current profile.
    let cli_only = setup_with_profiles(&emulator).await;
    let credentials = cli_only.resolve(None).await.unwrap();
    assert_eq!(credentials.access_key_id(), PROFILE_KEY_ID);

    // ALIBABA_CLOUD_CLI_PROFILE_DISABLED skips the CLI file.
    let disabled = setup_with_profiles(&emulator)
        .await
        .with_var("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true");
    let error = disabled.resolve(None).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("disabled by ALIBABA_CLOUD_CLI_PROFILE_DISABLED"),
        "{locations}"
    );
}

#[tokio::test]
async fn a_partial_oidc_configuration_names_what_is_missing() {
    let emulator = emulator().await;
    let partial = Setup::new(&emulator, None).with_var("ALIBABA_CLOUD_ROLE_ARN", DEMO_ROLE_ARN);
    let error = partial.resolve(None).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains(
            "ALIBABA_CLOUD_OIDC_PROVIDER_ARN and ALIBABA_CLOUD_OIDC_TOKEN_FILE are not set"
        ),
        "{locations}"
    );
    let token_file = partial.token_file();
    let almost = partial.with_var("ALIBABA_CLOUD_OIDC_TOKEN_FILE", &token_file);
    let error = almost.resolve(None).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("ALIBABA_CLOUD_OIDC_PROVIDER_ARN is not set"),
        "{locations}"
    );
    assert_eq!(emulator.request_count("AssumeRoleWithOIDC"), 0);

    // With the session name variable, the role session is named after it.
    let complete = Setup::new(&emulator, None)
        .with_oidc_variables()
        .with_var("ALIBABA_CLOUD_ROLE_SESSION_NAME", "from-env");
    assert_sts(&complete.resolve(None).await.unwrap(), "oidc role arn");
}

#[tokio::test]
async fn ini_sections_can_assume_a_role() {
    let emulator = emulator().await;
    let setup = Setup::new(&emulator, None);
    let ini = setup.home.path().join("credentials.ini");
    std::fs::write(
        &ini,
        format!(
            "[default]\ntype = ram_role_arn\naccess_key_id = {PROFILE_KEY_ID}\n\
             access_key_secret = {PROFILE_KEY_SECRET}\nrole_arn = {DEMO_ROLE_ARN}\n\
             role_session_name = from-ini\n\
             [unknown-role]\ntype = ram_role_arn\naccess_key_id = {PROFILE_KEY_ID}\n\
             access_key_secret = {PROFILE_KEY_SECRET}\n\
             role_arn = acs:ram::1234567890123456:role/nobody\n\
             [sso]\ntype = rsa_key_pair\n"
        ),
    )
    .unwrap();
    let setup = setup.with_var("ALIBABA_CLOUD_CREDENTIALS_FILE", &ini.display().to_string());
    assert_sts(&setup.resolve(None).await.unwrap(), "ram role arn");
    assert_eq!(emulator.request_count("AssumeRole"), 1);

    let error = setup.resolve(Some("unknown-role")).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("[unknown-role]") && locations.contains("EntityNotExist.Role"),
        "{locations}"
    );
    let error = setup.resolve(Some("sso")).await.unwrap_err();
    let locations = error.searched_locations().join("\n");
    assert!(
        locations.contains("type `rsa_key_pair` is not supported"),
        "{locations}"
    );
}
