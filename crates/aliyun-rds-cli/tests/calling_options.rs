//! The calling options (`--pager`, `--waiter`, `--wait-until`, `--query`,
//! `--output`, `--dryrun`, `--quiet`) and shell completions, with the real
//! binary spawned as a process against an emulator on loopback.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{
    assert_exit, cli_with_demo_credentials as cli, empty_home, stderr_text, stdout_json,
    stdout_text,
};

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Output, Stdio};

use aliyun_rds_emulator::{Emulator, Fixture, RunningEmulator};
use serde_json::Value;

/// The region the seeded instances live in, which no demo instance uses.
const SEEDED_REGION: &str = "cn-qingdao";

/// Runs the binary with `args` after `--endpoint <emulator>`, off the
/// async runtime that serves the emulator.
async fn run_against(emulator: &RunningEmulator, name: &str, args: &[&str]) -> Output {
    let endpoint = emulator.base_url();
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let name = name.to_owned();
    tokio::task::spawn_blocking(move || {
        let home = empty_home(&name);
        cli(home.path())
            .arg("--endpoint")
            .arg(&endpoint)
            .args(&args)
            .output()
            .expect("run the aliyun-rds binary")
    })
    .await
    .expect("join")
}

async fn seeded_emulator(count: usize) -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .seed_instances(SEEDED_REGION, count)
        .documented_operations(aliyun_rds::metadata::OPERATIONS)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

fn instance_ids(document: &Value) -> Vec<String> {
    document["Items"]["DBInstance"]
        .as_array()
        .unwrap_or_else(|| panic!("no Items.DBInstance list in {document}"))
        .iter()
        .map(|instance| instance["DBInstanceId"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pager_yields_every_seeded_instance_once_in_order() {
    let emulator = seeded_emulator(250).await;
    let expected: Vec<String> = (1..=250).map(|n| format!("rm-seed-{n:06}")).collect();
    let mut calls_before = emulator.request_count("DescribeDBInstances");
    for page_size in ["7", "30", "100"] {
        let output = run_against(
            &emulator,
            "pager",
            &[
                "describe-db-instances",
                "--region-id",
                SEEDED_REGION,
                "--page-size",
                page_size,
                "--pager",
            ],
        )
        .await;
        assert_exit(&output, 0);
        let merged = stdout_json(&output);
        let ids = instance_ids(&merged);
        assert_eq!(ids.len(), 250, "page size {page_size}");
        assert_eq!(
            ids.iter().collect::<HashSet<_>>().len(),
            250,
            "duplicates at page size {page_size}"
        );
        assert_eq!(ids, expected, "page size {page_size}");
        // Only the items' path is kept: page fields would be wrong for the
        // merged list.
        assert!(merged.get("PageNumber").is_none(), "{merged}");
        let pages = 250_usize.div_ceil(page_size.parse().expect("number"));
        let calls = emulator.request_count("DescribeDBInstances");
        assert_eq!(calls - calls_before, pages, "page size {page_size}");
        calls_before = calls;
    }

    // Without --page-size the service's default size is used, and an
    // explicit path and total name give the same list.
    let output = run_against(
        &emulator,
        "pager-path",
        &[
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--pager",
            "path=Items.DBInstance[]",
            "total=TotalRecordCount",
        ],
    )
    .await;
    assert_exit(&output, 0);
    assert_eq!(instance_ids(&stdout_json(&output)), expected);

    // With --max-results the same operation is paged by NextToken.
    let calls_before = emulator.request_count("DescribeDBInstances");
    let output = run_against(
        &emulator,
        "pager-token",
        &[
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--max-results",
            "60",
            "--pager",
        ],
    )
    .await;
    assert_exit(&output, 0);
    assert_eq!(instance_ids(&stdout_json(&output)), expected);
    assert_eq!(
        emulator.request_count("DescribeDBInstances") - calls_before,
        5
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pager_refuses_what_it_cannot_page() {
    let emulator = seeded_emulator(3).await;
    let output = run_against(
        &emulator,
        "not-paged",
        &[
            "activate-migration-target-instance",
            "--db-instance-name",
            "pgm-demo-ready",
            "--pager",
        ],
    )
    .await;
    assert_exit(&output, 2);
    assert!(
        stderr_text(&output).contains("ActivateMigrationTargetInstance is not paged"),
        "{}",
        stderr_text(&output)
    );
    // The operation was not called.
    assert_eq!(emulator.request_count("ActivateMigrationTargetInstance"), 0);

    let output = run_against(
        &emulator,
        "bad-path",
        &[
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--pager",
            "path=RequestId",
        ],
    )
    .await;
    assert_exit(&output, 4);
    assert!(
        stderr_text(&output).contains("path=RequestId does not select a list"),
        "{}",
        stderr_text(&output)
    );
    emulator.shutdown().await;
}

/// An emulator with one instance that is `Creating` for three answers, then
/// `Running`.
async fn emulator_with_a_creating_instance() -> RunningEmulator {
    let fixture = Fixture::from_json_str(
        r#"{"Instances": [{
            "DBInstanceName": "rm-creating",
            "DBInstanceStatus": "Creating",
            "Engine": "MySQL",
            "PendingStatus": {"Status": "Running", "AfterPolls": 3}
        }]}"#,
    )
    .expect("fixture parses");
    Emulator::builder()
        .fixture(fixture)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_waiter_returns_once_the_instance_is_running() {
    let emulator = emulator_with_a_creating_instance().await;
    let output = run_against(
        &emulator,
        "waiter",
        &[
            "describe-db-instance-attribute",
            "--db-instance-id",
            "rm-creating",
            "--waiter",
            "expr=Items.DBInstanceAttribute[0].DBInstanceStatus",
            "to=Running",
            "interval=0.01",
        ],
    )
    .await;
    assert_exit(&output, 0);
    let response = stdout_json(&output);
    assert_eq!(
        response["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"],
        "Running"
    );
    // Three answers said Creating; the fourth said Running and ended it.
    assert_eq!(emulator.request_count("DescribeDBInstanceAttribute"), 4);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_that_times_out_says_what_it_last_saw() {
    let emulator = emulator_with_a_creating_instance().await;
    let output = run_against(
        &emulator,
        "waiter-timeout",
        &[
            "describe-db-instance-attribute",
            "--db-instance-id",
            "rm-creating",
            "--waiter",
            "expr=Items.DBInstanceAttribute[0].DBInstanceStatus",
            "to=Deleted",
            "interval=0.01",
            "timeout=0.001",
        ],
    )
    .await;
    assert_exit(&output, 6);
    let stderr = stderr_text(&output);
    assert!(stderr.contains("to be \"Deleted\""), "{stderr}");
    assert!(stderr.contains("= \"Creating\""), "{stderr}");
    assert!(output.stdout.is_empty());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_whose_expression_fails_on_the_response_stops_at_once() {
    let emulator = emulator_with_a_creating_instance().await;
    // `length` of a field the response lacks (null) is a type error.
    let output = run_against(
        &emulator,
        "waiter-query-error",
        &[
            "describe-db-instance-attribute",
            "--db-instance-id",
            "rm-creating",
            "--waiter",
            "expr=length(Items.DBInstanceAttribute[0].NoSuchField)",
            "to=1",
            "interval=0.01",
        ],
    )
    .await;
    assert_exit(&output, 6);
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("--waiter expr=: it failed on the response"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
    assert_eq!(emulator.request_count("DescribeDBInstanceAttribute"), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_until_runs_a_waiter_of_the_api() {
    // pgm-demo-syncing's task is synchronized after two polls.
    let emulator = seeded_emulator(0).await;
    let output = run_against(
        &emulator,
        "wait-until",
        &[
            "describe-cloud-migration-result",
            "--db-instance-name",
            "pgm-demo-syncing",
            "--page-number",
            "1",
            "--page-size",
            "10",
            "--wait-until",
            "CloudMigrationReadyToSwitch",
            "interval=0.01",
        ],
    )
    .await;
    assert_exit(&output, 0);
    let response = stdout_json(&output);
    assert_eq!(response["Items"][0]["MigrateStage"], "increment");
    assert_eq!(response["Items"][0]["ReplicationState"], "streaming");
    assert_eq!(emulator.request_count("DescribeCloudMigrationResult"), 3);

    // A waiter of another operation, or of no operation, is a usage error.
    let output = run_against(
        &emulator,
        "wait-until-wrong",
        &[
            "describe-db-instances",
            "--region-id",
            "cn-hangzhou",
            "--wait-until",
            "CloudMigrationReadyToSwitch",
        ],
    )
    .await;
    assert_exit(&output, 2);
    assert!(
        stderr_text(&output).contains("polls describe-cloud-migration-result"),
        "{}",
        stderr_text(&output)
    );
    let output = run_against(
        &emulator,
        "wait-until-unknown",
        &[
            "describe-db-instances",
            "--region-id",
            "cn-hangzhou",
            "--wait-until",
            "InstanceRunning",
        ],
    )
    .await;
    assert_exit(&output, 2);
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("no such waiter; the API defines ")
            && stderr.contains("CloudMigrationReadyToSwitch"),
        "{stderr}"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_until_stops_at_a_failure_state() {
    let emulator = seeded_emulator(0).await;
    // Switching pgm-demo-ready over completes its task, from which the
    // waiter's success state can no longer come.
    let output = run_against(
        &emulator,
        "switch",
        &[
            "activate-migration-target-instance",
            "--db-instance-name",
            "pgm-demo-ready",
        ],
    )
    .await;
    assert_exit(&output, 0);
    let output = run_against(
        &emulator,
        "wait-until-failure",
        &[
            "describe-cloud-migration-result",
            "--db-instance-name",
            "pgm-demo-ready",
            "--page-number",
            "1",
            "--page-size",
            "10",
            "--wait-until",
            "CloudMigrationReadyToSwitch",
            "interval=0.01",
        ],
    )
    .await;
    assert_exit(&output, 6);
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("CloudMigrationReadyToSwitch reached a failure state")
            && stderr.contains("already switched over"),
        "{stderr}"
    );
    // The failure state ended the wait at its first poll.
    assert_eq!(emulator.request_count("DescribeCloudMigrationResult"), 1);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wait_until_reads_the_verdict_inside_the_precheck_report() {
    // Each precheck stays running for two answers, then has its verdict.
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .precheck_polls(2)
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator");
    for (source_ip, exit_code) in [("172.16.10.50", 0), ("192.0.2.50", 6)] {
        let output = run_against(
            &emulator,
            "precheck",
            &[
                "create-cloud-migration-precheck-task",
                "--db-instance-name",
                "pgm-demo-target",
                "--source-ip-address",
                source_ip,
                "--source-port",
                "5432",
                "--source-account",
                "migratetest",
                "--source-password",
                "cli-precheck-password",
                "--source-category",
                "ecsOnVpc",
            ],
        )
        .await;
        assert_exit(&output, 0);
        let task_id = stdout_json(&output)["TaskId"].to_string();
        let polls_before = emulator.request_count("DescribeCloudMigrationPrecheckResult");
        let output = run_against(
            &emulator,
            "wait-until-precheck",
            &[
                "describe-cloud-migration-precheck-result",
                "--db-instance-name",
                "pgm-demo-target",
                "--task-id",
                &task_id,
                "--page-size",
                "30",
                "--page-number",
                "1",
                "--wait-until",
                "CloudMigrationPrecheckPassed",
                "interval=0.01",
            ],
        )
        .await;
        assert_exit(&output, exit_code);
        if exit_code == 0 {
            let detail = stdout_json(&output)["Items"][0]["Detail"].to_string();
            assert!(detail.contains("*Migrate check success*"), "{detail}");
        } else {
            let stderr = stderr_text(&output);
            assert!(
                stderr.contains("CloudMigrationPrecheckPassed reached a failure state")
                    && stderr.contains("Items[0].Detail contains \"*Migrate check fail\""),
                "{stderr}"
            );
        }
        // Two answers without a verdict, then the one that has it.
        assert_eq!(
            emulator.request_count("DescribeCloudMigrationPrecheckResult") - polls_before,
            3
        );
    }
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dryrun_prints_the_redacted_request_and_sends_nothing() {
    let emulator = seeded_emulator(0).await;
    for signature_version in ["v1", "v3"] {
        let output = run_against(
            &emulator,
            "dryrun",
            &[
                "--signature-version",
                signature_version,
                "describe-db-instances",
                "--region-id",
                "cn-hangzhou",
                "--search-key",
                "a b&c",
                "--dryrun",
            ],
        )
        .await;
        assert_exit(&output, 0);
        let request = stdout_json(&output);
        assert_eq!(request["DryRun"], true);
        assert_eq!(request["Method"], "POST");
        assert_eq!(request["Url"], format!("{}/", emulator.base_url()));
        assert_eq!(request["Query"]["RegionId"], "cn-hangzhou");
        assert_eq!(request["Query"]["SearchKey"], "a b&c");
        if signature_version == "v1" {
            assert_eq!(request["Query"]["Action"], "DescribeDBInstances");
            assert_eq!(request["Query"]["Signature"], "<redacted>");
        } else {
            assert_eq!(request["Headers"]["x-acs-action"], "DescribeDBInstances");
            let authorization = request["Headers"]["authorization"]
                .as_str()
                .expect("a V3 request is signed in its Authorization header");
            assert!(
                authorization.ends_with("Signature=<redacted>"),
                "{authorization}"
            );
        }
        let printed = format!("{}{}", stdout_text(&output), stderr_text(&output));
        assert!(
            !printed.contains(aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET),
            "the secret leaked: {printed}"
        );
    }
    // The emulator saw no request at all.
    assert_eq!(emulator.request_count("DescribeDBInstances"), 0);
    assert!(emulator.nonces().is_empty());
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dryrun_redacts_the_sts_token_and_passwords() {
    let emulator = seeded_emulator(0).await;
    let endpoint = emulator.base_url();
    let output = tokio::task::spawn_blocking(move || {
        let home = empty_home("dryrun-sts");
        cli(home.path())
            .env("ALIBABA_CLOUD_SECURITY_TOKEN", "sts-token-never-printed")
            .args([
                "--endpoint",
                &endpoint,
                "create-cloud-migration-precheck-task",
                "--db-instance-name",
                "pgm-demo-target",
                "--source-ip-address",
                "10.0.0.1",
                "--source-port",
                "5432",
                "--source-account",
                "migrator",
                "--source-password",
                "password-never-printed",
                "--source-category",
                "ecsOnVpc",
                "--dryrun",
            ])
            .output()
            .expect("run the aliyun-rds binary")
    })
    .await
    .expect("join");
    assert_exit(&output, 0);
    let printed = format!("{}{}", stdout_text(&output), stderr_text(&output));
    assert!(!printed.contains("sts-token-never-printed"), "{printed}");
    assert!(!printed.contains("password-never-printed"), "{printed}");
    let request = stdout_json(&output);
    assert_eq!(request["Query"]["SecurityToken"], "<redacted>");
    assert_eq!(request["Query"]["SourcePassword"], "<redacted>");
    assert_eq!(request["Query"]["SourceAccount"], "migrator");
    assert_eq!(
        emulator.request_count("CreateCloudMigrationPrecheckTask"),
        0
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_and_table_print_what_was_asked() {
    let emulator = seeded_emulator(3).await;
    let output = run_against(
        &emulator,
        "query",
        &[
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--query",
            "Items.DBInstance[?DBInstanceId!='rm-seed-000002'].DBInstanceId",
        ],
    )
    .await;
    assert_exit(&output, 0);
    assert_eq!(
        stdout_json(&output),
        serde_json::json!(["rm-seed-000001", "rm-seed-000003"])
    );

    let output = run_against(
        &emulator,
        "query-text",
        &[
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--query",
            "TotalRecordCount",
            "--output",
            "text",
        ],
    )
    .await;
    assert_exit(&output, 0);
    assert_eq!(stdout_text(&output), "3\n");

    let output = run_against(
        &emulator,
        "table",
        &[
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--output",
            "cols=DBInstanceId,DBInstanceStatus",
            "rows=Items.DBInstance[]",
        ],
    )
    .await;
    assert_exit(&output, 0);
    assert_eq!(
        stdout_text(&output),
        "DBInstanceId   | DBInstanceStatus\n\
         -------------- | ----------------\n\
         rm-seed-000001 | Running\n\
         rm-seed-000002 | Running\n\
         rm-seed-000003 | Running\n"
    );

    // A query that is not JMESPath is a usage error before any call.
    let calls = emulator.request_count("DescribeDBInstances");
    let output = run_against(
        &emulator,
        "bad-query",
        &[
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--query",
            "Items.[",
        ],
    )
    .await;
    assert_exit(&output, 2);
    assert!(
        stderr_text(&output).contains("--query is not a valid JMESPath expression"),
        "{}",
        stderr_text(&output)
    );
    assert_eq!(emulator.request_count("DescribeDBInstances"), calls);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quiet_prints_nothing_on_success_but_still_reports_errors() {
    let emulator = seeded_emulator(0).await;
    let output = run_against(
        &emulator,
        "quiet",
        &[
            "activate-migration-target-instance",
            "--db-instance-name",
            "pgm-demo-ready",
            "--quiet",
        ],
    )
    .await;
    assert_exit(&output, 0);
    assert!(output.stdout.is_empty(), "{}", stdout_text(&output));
    assert!(output.stderr.is_empty(), "{}", stderr_text(&output));
    // The call was made: the task is switched over.
    assert_eq!(emulator.request_count("ActivateMigrationTargetInstance"), 1);

    let output = run_against(
        &emulator,
        "quiet-error",
        &[
            "activate-migration-target-instance",
            "--db-instance-name",
            "pgm-demo-notask",
            "--quiet",
        ],
    )
    .await;
    assert_exit(&output, 3);
    assert!(
        stderr_text(&output).contains("InvalidMigrateTask"),
        "{}",
        stderr_text(&output)
    );
    emulator.shutdown().await;
}

#[test]
fn completions_print_a_script_for_each_shell() {
    let home = empty_home("completions");
    for (shell, marker, pager) in [
        ("bash", "complete -F", "--pager"),
        ("zsh", "#compdef aliyun-rds", "--pager"),
        ("fish", "complete -c aliyun-rds", "-l pager"),
    ] {
        let output = cli(home.path())
            .args(["completions", shell])
            .output()
            .expect("run the aliyun-rds binary");
        assert_exit(&output, 0);
        let script = stdout_text(&output);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        assert!(
            script.contains("describe-db-instances") && script.contains(pager),
            "{shell}: the script does not complete operations and options"
        );
    }
    let output = cli(home.path())
        .args(["completions", "tcsh"])
        .output()
        .expect("run the aliyun-rds binary");
    assert_exit(&output, 2);
}

#[test]
fn the_emulator_subcommand_seeds_instances() {
    let home = empty_home("serve-seeded");
    let mut server: Child = cli(home.path())
        .args([
            "emulator",
            "--listen",
            "127.0.0.1:0",
            "--seed-instances",
            "120",
            "--seed-region",
            SEEDED_REGION,
        ])
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
    let output = cli(home.path())
        .args([
            "--endpoint",
            &url,
            "describe-db-instances",
            "--region-id",
            SEEDED_REGION,
            "--page-size",
            "50",
            "--pager",
        ])
        .output()
        .expect("run the aliyun-rds binary");
    server.kill().expect("kill the emulator");
    let _ = server.wait();
    assert_exit(&output, 0);
    let ids = instance_ids(&stdout_json(&output));
    assert_eq!(ids.len(), 120);
    assert_eq!(ids.last().map(String::as_str), Some("rm-seed-000120"));
}
