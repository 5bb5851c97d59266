//! What the CLI's integration tests share: the real binary as a `Command`
//! with nothing of the machine's configuration, running it, and reading
//! what it printed.

// Each test file uses a part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};

use aliyun_rds_emulator::{Emulator, Fixture, RunningEmulator};
use serde_json::Value;

/// The proxy variables the CLI honours, which the machine running the tests
/// may set.
pub const PROXY_VARIABLES: &[&str] = &[
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// A `Command` for the binary with an environment that holds no
/// credentials, profile or proxy of the machine running the tests, a home
/// of the test's own and no ECS metadata service.
pub fn cli(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_aliyun-rds"));
    for (name, _) in std::env::vars() {
        if name.starts_with("ALIBABA_CLOUD_")
            || name.starts_with("ALICLOUD_")
            || PROXY_VARIABLES.contains(&name.as_str())
        {
            command.env_remove(name);
        }
    }
    command
        .env("HOME", home)
        .env("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
        .stdin(Stdio::null());
    command
}

/// The environment that gives the CLI the emulator's demo key pair.
pub fn with_demo_credentials(command: &mut Command) -> &mut Command {
    command
        .env(
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
        )
        .env(
            "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        )
}

/// [`cli`] with the emulator's demo key pair.
pub fn cli_with_demo_credentials(home: &Path) -> Command {
    let mut command = cli(home);
    with_demo_credentials(&mut command);
    command
}

/// An empty home directory of the test's own, so no real `~/.aliyun` is
/// read. It is removed with everything in it when the returned value is
/// dropped, even when the test fails.
pub fn empty_home(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("aliyun-rds-cli-test-{name}-"))
        .tempdir()
        .expect("create the test home directory")
}

/// Runs the binary to its end.
pub fn run(command: &mut Command) -> Output {
    command.output().expect("run the aliyun-rds binary")
}

/// Runs the binary without stalling the async runtime that serves the
/// test's emulator.
pub async fn run_blocking(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || run(&mut command))
        .await
        .expect("join")
}

pub fn stdout_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing what the binary printed when it differs.
pub fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout_text(output),
        stderr_text(output)
    );
}

/// What the binary printed on stdout, as JSON.
pub fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not JSON ({error}): {}\nstderr: {}",
            stdout_text(output),
            stderr_text(output)
        )
    })
}

/// An emulator with the demo fixture on a free loopback port.
pub async fn start_emulator() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

/// A CA and a server certificate it signed for 127.0.0.1, written as PEM
/// files in `directory`: `ca.pem`, `server.pem`, `server-key.pem`.
pub fn write_certificates(directory: &Path) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "aliyun-rds CLI test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();
    let server_key = rcgen::KeyPair::generate().unwrap();
    let server = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&server_key, &ca)
        .unwrap();
    std::fs::write(directory.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(directory.join("server.pem"), server.pem()).unwrap();
    std::fs::write(directory.join("server-key.pem"), server_key.serialize_pem()).unwrap();
}
