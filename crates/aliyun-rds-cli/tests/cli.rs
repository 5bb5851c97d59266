//! The CLI as a user runs it: the real binary, spawned as a process, talking
//! to a real emulator on loopback (in-process with `--emulator`, served by the
//! `emulator` subcommand, or started by the test for fault injection).

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{
    cli, empty_home, run, start_emulator, stderr_text, stdout_json, with_demo_credentials,
};

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

use aliyun_rds_emulator::Fault;

const OPERATION: &str = "activate-migration-target-instance";
const ACTION: &str = "ActivateMigrationTargetInstance";

#[test]
fn emulator_switchover_succeeds_and_prints_the_response() {
    let home = empty_home("success");
    let output = run(cli(home.path()).args([
        "--emulator",
        OPERATION,
        "--db-instance-name",
        "pgm-demo-ready",
    ]));
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        stderr_text(&output)
    );
    let response = stdout_json(&output);
    assert_eq!(response["DBInstanceName"], "pgm-demo-ready");
    assert!(
        response["TaskId"].is_i64(),
        "TaskId should be a JSON number: {response}"
    );
    assert!(
        response["SourcePort"].is_i64(),
        "SourcePort should be a JSON number: {response}"
    );
    assert!(response["RequestId"]
        .as_str()
        .is_some_and(|id| !id.is_empty()));
}

#[test]
fn text_output_prints_one_line_per_field() {
    let home = empty_home("text");
    let output = run(cli(home.path()).args([
        "--emulator",
        "--output",
        "text",
        OPERATION,
        "--db-instance-name",
        "pgm-demo-ready",
    ]));
    assert_eq!(
        output.status.code(),
        Some(0),
        "stderr: {}",
        stderr_text(&output)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout
            .lines()
            .any(|line| line == "DBInstanceName: pgm-demo-ready"),
        "{stdout}"
    );
}

#[test]
fn service_error_exits_3_with_the_documented_description() {
    let home = empty_home("service-error");
    let output = run(cli(home.path()).args([
        "--emulator",
        OPERATION,
        "--db-instance-name",
        "pgm-demo-notask",
    ]));
    assert_eq!(output.status.code(), Some(3));
    let stderr = stderr_text(&output);
    let line = stderr
        .lines()
        .find(|line| line.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {stderr}"));
    assert!(
        line.starts_with("error: InvalidMigrateTask: No running migrate task found. (RequestId: "),
        "{line}"
    );
    let error = stdout_json(&output);
    assert_eq!(error["Code"], "InvalidMigrateTask");
    assert_eq!(error["Message"], "No running migrate task found.");
    assert_eq!(error["HttpStatus"], 400);
    assert_eq!(error["Documented"], true);
    assert_eq!(error["Description"], "No running migration task found.");
    for key in ["RequestId", "HostId", "Recommend"] {
        assert!(error.get(key).is_some(), "missing {key} in {error}");
    }
}

#[test]
fn unknown_instance_is_a_documented_404() {
    let home = empty_home("not-found");
    let output = run(cli(home.path()).args([
        "--emulator",
        OPERATION,
        "--db-instance-name",
        "pgm-does-not-exist",
    ]));
    assert_eq!(output.status.code(), Some(3));
    let error = stdout_json(&output);
    assert_eq!(error["Code"], "InvalidDBInstanceName.NotFound");
    assert_eq!(error["HttpStatus"], 404);
    assert_eq!(error["Documented"], true);
}

#[test]
fn missing_required_flag_is_a_usage_error() {
    let home = empty_home("usage");
    let output = run(cli(home.path()).args(["--emulator", OPERATION]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_text(&output).contains("--db-instance-name"),
        "{}",
        stderr_text(&output)
    );
}

#[test]
fn unknown_subcommand_and_bad_option_values_are_usage_errors() {
    let home = empty_home("usage-2");
    assert_eq!(
        run(cli(home.path()).args(["no-such-operation"]))
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        run(cli(home.path()).args([
            "--signature-version",
            "v2",
            OPERATION,
            "--db-instance-name",
            "x"
        ]))
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn help_lists_every_operation_of_both_metadata_sources() {
    let home = empty_home("overview");
    let output = run(cli(home.path()).arg("--help"));
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("Operations (413)"), "{help}");
    assert!(help.contains("\nrds-custom ("), "{help}");
    // The operations only the official SDKs' metadata describes are there
    // beside the documented ones, each under its subcommand's name.
    let listed: std::collections::BTreeSet<&str> = help
        .lines()
        .filter(|line| line.starts_with("  "))
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    for operation in aliyun_rds::metadata::OPERATIONS {
        let subcommand = operation.rust_name.replace('_', "-");
        assert!(
            listed.contains(subcommand.as_str()),
            "{subcommand} is not listed:\n{help}"
        );
    }
    for subcommand in [
        "run-rc-instances",
        "describe-rc-instances",
        "delete-rc-instances",
    ] {
        assert!(listed.contains(subcommand), "{subcommand}");
    }
}

#[test]
fn help_shows_the_spec_descriptions() {
    let home = empty_home("help");
    let output = run(cli(home.path()).args([OPERATION, "--help"]));
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("Switches workloads over from the source PostgreSQL instance"),
        "{help}"
    );
    assert!(
        help.contains("You can call the DescribeDBInstances operation to query the instance ID."),
        "{help}"
    );
}

#[test]
fn missing_credentials_is_a_configuration_error_naming_where_it_looked() {
    let home = empty_home("no-credentials");
    let output = run(cli(home.path()).args([
        "--region",
        "cn-hangzhou",
        OPERATION,
        "--db-instance-name",
        "pgm-demo-ready",
    ]));
    assert_eq!(
        output.status.code(),
        Some(5),
        "stderr: {}",
        stderr_text(&output)
    );
    let stderr = stderr_text(&output);
    assert!(stderr.contains("ALIBABA_CLOUD_ACCESS_KEY_ID"), "{stderr}");
    assert!(stderr.contains("config.json"), "{stderr}");
}

#[test]
fn connection_refused_is_a_transport_error() {
    // Bind a port, then free it, so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("pick a free port")
        .port();
    let home = empty_home("refused");
    let output = run(with_demo_credentials(&mut cli(home.path())).args([
        "--endpoint",
        &format!("http://127.0.0.1:{port}"),
        OPERATION,
        "--db-instance-name",
        "pgm-demo-ready",
    ]));
    assert_eq!(
        output.status.code(),
        Some(4),
        "stderr: {}",
        stderr_text(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undecodable_response_is_a_transport_error_naming_the_status() {
    let emulator = start_emulator().await;
    emulator.faults().inject(ACTION, Fault::MalformedBody, 1);
    let home = empty_home("malformed");
    let endpoint = emulator.base_url();
    let output = tokio::task::spawn_blocking(move || {
        run(with_demo_credentials(&mut cli(home.path())).args([
            "--endpoint",
            &endpoint,
            OPERATION,
            "--db-instance-name",
            "pgm-demo-ready",
        ]))
    })
    .await
    .expect("join");
    assert_eq!(
        output.status.code(),
        Some(4),
        "stderr: {}",
        stderr_text(&output)
    );
    assert!(
        stderr_text(&output).contains("200"),
        "{}",
        stderr_text(&output)
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_error_code_comes_out_as_a_documented_error() {
    let emulator = start_emulator().await;
    let operation = aliyun_rds::metadata::OPERATIONS
        .iter()
        .find(|operation| operation.name == ACTION)
        .expect("operation metadata");
    assert_eq!(operation.errors().count(), 66);
    let home = empty_home("all-codes");
    for row in operation.errors() {
        emulator.faults().inject(
            ACTION,
            Fault::Error {
                http_status: row.http_status,
                code: row.code.to_owned(),
                message: row.message.to_owned(),
                retry_after: None,
            },
            1,
        );
        let endpoint = emulator.base_url();
        let home = home.path().to_path_buf();
        let output = tokio::task::spawn_blocking(move || {
            run(with_demo_credentials(&mut cli(&home)).args([
                "--endpoint",
                &endpoint,
                OPERATION,
                "--db-instance-name",
                "pgm-demo-syncing",
            ]))
        })
        .await
        .expect("join");
        assert_eq!(
            output.status.code(),
            Some(3),
            "{}: {}",
            row.code,
            stderr_text(&output)
        );
        let error = stdout_json(&output);
        assert_eq!(error["Code"], row.code);
        assert_eq!(error["HttpStatus"], row.http_status);
        assert_eq!(error["Documented"], true, "{}", row.code);
        // A code listed twice documents the description of its first row.
        let expected = operation
            .documented_error(row.code)
            .and_then(|first| first.description);
        assert_eq!(error["Description"].as_str(), expected, "{}", row.code);
    }
    emulator.shutdown().await;
}

#[test]
fn the_emulator_subcommand_serves_until_killed() {
    let home = empty_home("serve");
    let mut server: Child = cli(home.path())
        .args(["emulator", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the emulator");
    let stdout = server.stdout.take().expect("piped stdout");
    let mut first_line = String::new();
    BufReader::new(stdout)
        .read_line(&mut first_line)
        .expect("read the first line");
    let url = first_line
        .trim_end()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
        .to_owned();
    assert!(
        url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"),
        "{url}"
    );

    for signature_version in ["v1", "v3"] {
        let output = run(with_demo_credentials(&mut cli(home.path())).args([
            "--endpoint",
            &url,
            "--signature-version",
            signature_version,
            OPERATION,
            "--db-instance-name",
            "pgm-demo-syncing",
            "--force-switch",
            "1",
        ]));
        if signature_version == "v1" {
            assert_eq!(
                output.status.code(),
                Some(0),
                "stderr: {}",
                stderr_text(&output)
            );
            assert_eq!(stdout_json(&output)["DBInstanceName"], "pgm-demo-syncing");
        } else {
            // The forced switchover completed the task, so the second call
            // proves the V3 request was accepted and reached the state model.
            assert_eq!(
                output.status.code(),
                Some(3),
                "stderr: {}",
                stderr_text(&output)
            );
            assert_eq!(stdout_json(&output)["Code"], "InvalidMigrateTask");
        }
    }

    // A wrong secret is refused by the served emulator's signature check.
    let output = run(cli(home.path())
        .env(
            "ALIBABA_CLOUD_ACCESS_KEY_ID",
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
        )
        .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "not-the-secret")
        .args([
            "--endpoint",
            &url,
            OPERATION,
            "--db-instance-name",
            "pgm-demo-ready",
        ]));
    assert_eq!(output.status.code(), Some(3));
    let error = stdout_json(&output);
    assert_eq!(error["Code"], "SignatureDoesNotMatch");
    assert_eq!(error["Documented"], true);
    let everything_printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr_text(&output)
    );
    assert!(
        !everything_printed.contains("not-the-secret"),
        "the secret leaked: {everything_printed}"
    );

    server.kill().expect("kill the emulator");
    let _ = server.wait();
}

/// Without the `postgres` feature, `emulator --postgres` says how to get
/// it instead of serving without real PostgreSQL.
#[cfg(not(feature = "postgres"))]
#[test]
fn emulator_postgres_without_the_feature_says_how_to_build_it() {
    let home = empty_home("postgres-feature");
    let output = run(cli(home.path()).args(["emulator", "--postgres"]));
    support::assert_exit(&output, 5);
    let stderr = stderr_text(&output);
    assert!(stderr.contains("--features postgres"), "{stderr}");
}
