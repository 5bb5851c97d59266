//! The transport flags of the CLI, end to end: `--ca-bundle` against the
//! `emulator` subcommand serving HTTPS with a CA made by the test,
//! `HTTP_PROXY` and `NO_PROXY` with a recording proxy started by the test,
//! `--retry-count` and `--read-timeout` against fault injection.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{
    assert_exit, cli_with_demo_credentials as cli, run, run_blocking, start_emulator, stderr_text,
    write_certificates,
};

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aliyun_rds_emulator::Fault;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Kills the served emulator when the test ends, however it ends.
struct ServedEmulator(Child);

impl Drop for ServedEmulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `aliyun-rds emulator` with extra arguments, and the URL it prints.
fn serve_emulator(home: &Path, arguments: &[&str]) -> (ServedEmulator, String) {
    let mut child = cli(home)
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .args(arguments)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the emulator");
    let stdout = child.stdout.take().expect("piped stdout");
    let served = ServedEmulator(child);
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .expect("read the first line");
    let url = first_line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();
    (served, url)
}

#[test]
fn ca_bundle_trusts_an_https_emulator_with_a_private_ca() {
    let home = tempfile::tempdir().unwrap();
    write_certificates(home.path());
    let certificate = home.path().join("server.pem");
    let key = home.path().join("server-key.pem");
    let ca = home.path().join("ca.pem");
    let (_served, url) = serve_emulator(
        home.path(),
        &[
            "--tls-cert",
            certificate.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");

    let trusted = run(cli(home.path()).args([
        "--ca-bundle",
        ca.to_str().unwrap(),
        "--endpoint",
        &url,
        "describe-regions",
    ]));
    assert_exit(&trusted, 0);
    let response: serde_json::Value = serde_json::from_slice(&trusted.stdout).unwrap();
    assert!(response["RequestId"].is_string(), "{response}");

    let from_environment = run(cli(home.path()).env("ALIBABA_CLOUD_CA_BUNDLE", &ca).args([
        "--endpoint",
        &url,
        "describe-regions",
    ]));
    assert_exit(&from_environment, 0);

    let untrusted = run(cli(home.path()).args(["--endpoint", &url, "describe-regions"]));
    assert_exit(&untrusted, 4);
    let message = stderr_text(&untrusted);
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("not trusted"), "{message}");
    assert!(message.contains("--ca-bundle"), "{message}");
}

#[test]
fn an_unreadable_ca_bundle_is_a_configuration_error() {
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing.pem");
    let output = run(cli(home.path()).args([
        "--ca-bundle",
        missing.to_str().unwrap(),
        "--endpoint",
        "https://127.0.0.1:1",
        "describe-regions",
    ]));
    assert_exit(&output, 5);
    assert!(
        stderr_text(&output).contains("missing.pem"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn the_emulator_refuses_an_unusable_key() {
    let home = tempfile::tempdir().unwrap();
    write_certificates(home.path());
    let certificate = home.path().join("server.pem");
    let output = run(cli(home.path()).args([
        "emulator",
        "--listen",
        "127.0.0.1:0",
        "--tls-cert",
        certificate.to_str().unwrap(),
        "--tls-key",
        certificate.to_str().unwrap(),
    ]));
    assert_exit(&output, 5);
    assert!(
        stderr_text(&output).contains("private key"),
        "{}",
        stderr_text(&output)
    );
}

/// A forwarding HTTP proxy on loopback: it records each request's first
/// line and relays the connection to the address the request names.
struct RecordingProxy {
    url: String,
    request_lines: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingProxy {
    async fn start() -> RecordingProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let request_lines = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&request_lines);
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(relay(client, Arc::clone(&recorded)));
            }
        });
        RecordingProxy {
            url,
            request_lines,
            task,
        }
    }

    fn request_lines(&self) -> Vec<String> {
        self.request_lines.lock().unwrap().clone()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads the request head, records its first line, connects to the host of
/// its absolute-form target and relays both ways.
async fn relay(mut client: TcpStream, recorded: Arc<Mutex<Vec<String>>>) {
    let mut head = Vec::new();
    let mut chunk = [0u8; 4096];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") {
        match client.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => head.extend_from_slice(&chunk[..read]),
        }
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let request_line = text.lines().next().unwrap_or_default().to_owned();
    recorded.lock().unwrap().push(request_line.clone());
    let target = request_line.split(' ').nth(1).unwrap_or_default();
    let Some(authority) = target
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
    else {
        return;
    };
    let Ok(mut upstream) = TcpStream::connect(authority).await else {
        return;
    };
    if upstream.write_all(&head).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_proxy_carries_the_call_and_no_proxy_bypasses_it() {
    let emulator = start_emulator().await;
    let proxy = RecordingProxy::start().await;
    let home = tempfile::tempdir().unwrap();

    let mut proxied = cli(home.path());
    proxied.env("HTTP_PROXY", &proxy.url).args([
        "--endpoint",
        &emulator.base_url(),
        "describe-regions",
    ]);
    let output = run_blocking(proxied).await;
    assert_exit(&output, 0);
    let lines = proxy.request_lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    let expected_target = format!("{}/?", emulator.base_url());
    assert!(lines[0].contains(&expected_target), "{lines:?}");
    assert_eq!(emulator.request_count("DescribeRegions"), 1);

    let mut bypassing = cli(home.path());
    bypassing
        .env("HTTP_PROXY", &proxy.url)
        .env("NO_PROXY", "localhost,127.0.0.1")
        .args(["--endpoint", &emulator.base_url(), "describe-regions"]);
    let output = run_blocking(bypassing).await;
    assert_exit(&output, 0);
    assert_eq!(proxy.request_lines().len(), 1);
    assert_eq!(emulator.request_count("DescribeRegions"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_count_sets_the_number_of_retries() {
    let emulator = start_emulator().await;
    emulator.faults().inject(
        "DescribeRegions",
        Fault::Error {
            http_status: 503,
            code: "ServiceUnavailable".to_owned(),
            message: "The request has failed due to a temporary failure of the server.".to_owned(),
            retry_after: Some("0".to_owned()),
        },
        10,
    );
    let home = tempfile::tempdir().unwrap();

    let mut once_more = cli(home.path());
    once_more.args([
        "--endpoint",
        &emulator.base_url(),
        "--retry-count",
        "1",
        "describe-regions",
    ]);
    assert_exit(&run_blocking(once_more).await, 3);
    assert_eq!(emulator.request_count("DescribeRegions"), 2);

    let mut no_retry = cli(home.path());
    no_retry.args([
        "--endpoint",
        &emulator.base_url(),
        "--retry-count",
        "0",
        "describe-regions",
    ]);
    assert_exit(&run_blocking(no_retry).await, 3);
    assert_eq!(emulator.request_count("DescribeRegions"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_timeout_bounds_each_attempt() {
    let emulator = start_emulator().await;
    emulator
        .faults()
        .inject("DescribeRegions", Fault::Delay(Duration::from_secs(5)), 1);
    let home = tempfile::tempdir().unwrap();

    let mut impatient = cli(home.path());
    impatient.args([
        "--endpoint",
        &emulator.base_url(),
        "--read-timeout",
        "1",
        "--retry-count",
        "0",
        "describe-regions",
    ]);
    let output = run_blocking(impatient).await;
    assert_exit(&output, 4);
    assert!(
        stderr_text(&output).contains("1s"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn timeouts_must_be_whole_positive_seconds() {
    let home = tempfile::tempdir().unwrap();
    for (flag, value) in [
        ("--connect-timeout", "0"),
        ("--read-timeout", "soon"),
        ("--retry-count", "-1"),
    ] {
        let output = run(cli(home.path()).args([&format!("{flag}={value}"), "describe-regions"]));
        assert_exit(&output, 2);
        assert!(
            stderr_text(&output).contains(flag),
            "{}",
            stderr_text(&output)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_process_emulator_is_reached_without_the_proxy() {
    let proxy = RecordingProxy::start().await;
    let home = tempfile::tempdir().unwrap();
    let mut command = cli(home.path());
    command
        .env("HTTP_PROXY", &proxy.url)
        .args(["--emulator", "describe-regions"]);
    let output = run_blocking(command).await;
    assert_exit(&output, 0);
    assert!(proxy.request_lines().is_empty());
}
