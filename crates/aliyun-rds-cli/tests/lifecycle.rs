//! The provisioning lifecycle through the `aliyun-rds` binary, against
//! `aliyun-rds emulator` served by the binary too: create a PostgreSQL
//! instance and wait with `--wait-until DBInstanceRunning`, add an account
//! and a database and grant the account on it, change the whitelist, the
//! description and a parameter, tag the instance and find it by tag, back it
//! up and list the backup as finished, delete it and get
//! `InvalidDBInstanceId.NotFound`. Then the emulator's state file: saved on
//! SIGTERM, loaded by the next emulator.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Output, Stdio};

use serde_json::Value;
use support::{assert_exit, cli, cli_with_demo_credentials, empty_home, stderr_text, stdout_json};

/// A served emulator, stopped when dropped, even when the test fails.
struct Served {
    child: Child,
    url: String,
}

impl Served {
    /// `aliyun-rds emulator` with `flags`, once it listens.
    fn start(home: &Path, flags: &[&str]) -> Served {
        let mut child = cli(home)
            .args(["emulator", "--listen", "127.0.0.1:0"])
            .args(flags)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the emulator");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut first_line = String::new();
        BufReader::new(stdout)
            .read_line(&mut first_line)
            .expect("read the first line");
        let url = first_line
            .trim_end()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first_line:?}"))
            .to_owned();
        Served { child, url }
    }

    /// Sends SIGTERM, as `kill` does, and waits for the exit.
    fn terminate(mut self) -> std::process::ExitStatus {
        let status = std::process::Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        self.child.wait().expect("the emulator exits")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs one call against the served emulator.
fn call(home: &Path, served: &Served, arguments: &[&str]) -> Output {
    cli_with_demo_credentials(home)
        .args(["--endpoint", &served.url, "--region", "cn-hangzhou"])
        .args(arguments)
        .output()
        .expect("run the aliyun-rds binary")
}

/// Runs one call that must succeed, and answers its JSON.
fn ok(home: &Path, served: &Served, arguments: &[&str]) -> Value {
    let output = call(home, served, arguments);
    assert_exit(&output, 0);
    stdout_json(&output)
}

#[test]
fn a_postgresql_instance_lives_its_whole_lifecycle_through_the_cli() {
    let home = empty_home("lifecycle");
    let state = home.path().join("emulator-state.json");
    let state_flag = state.to_str().expect("a UTF-8 path");
    let served = Served::start(
        home.path(),
        &["--pace", "2polls", "--seed", "18", "--state", state_flag],
    );
    let home = home.path();

    let created = ok(
        home,
        &served,
        &[
            "create-db-instance",
            "--region-id",
            "cn-hangzhou",
            "--engine",
            "PostgreSQL",
            "--engine-version",
            "15.0",
            "--db-instance-class",
            "pg.n2.2c.2m",
            "--db-instance-storage",
            "20",
            "--db-instance-net-type",
            "Intranet",
            "--security-ip-list",
            "10.0.0.1",
            "--pay-type",
            "Postpaid",
        ],
    );
    let id = created["DBInstanceId"]
        .as_str()
        .expect("an instance ID")
        .to_owned();
    assert!(id.starts_with("pgm-"), "{id}");
    let running = ok(
        home,
        &served,
        &[
            "describe-db-instance-attribute",
            "--db-instance-id",
            &id,
            "--wait-until",
            "DBInstanceRunning",
            "interval=0.05",
        ],
    );
    assert_eq!(
        running["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"],
        "Running"
    );
    assert_eq!(
        running["Items"]["DBInstanceAttribute"][0]["EngineVersion"],
        "15.0"
    );

    ok(
        home,
        &served,
        &[
            "create-account",
            "--db-instance-id",
            &id,
            "--account-name",
            "app_user",
            "--account-password",
            "Passw0rd!",
        ],
    );
    ok(
        home,
        &served,
        &[
            "create-database",
            "--db-instance-id",
            &id,
            "--db-name",
            "orders",
            "--character-set-name",
            "UTF8",
        ],
    );
    ok(
        home,
        &served,
        &[
            "grant-account-privilege",
            "--db-instance-id",
            &id,
            "--account-name",
            "app_user",
            "--db-name",
            "orders",
            "--account-privilege",
            "DBOwner",
        ],
    );
    let accounts = ok(
        home,
        &served,
        &["describe-accounts", "--db-instance-id", &id],
    );
    let account = &accounts["Accounts"]["DBInstanceAccount"][0];
    assert_eq!(account["AccountName"], "app_user");
    assert_eq!(
        account["DatabasePrivileges"]["DatabasePrivilege"][0]["DBName"],
        "orders"
    );
    assert_eq!(
        account["DatabasePrivileges"]["DatabasePrivilege"][0]["AccountPrivilege"],
        "DBOwner"
    );
    let databases = ok(
        home,
        &served,
        &["describe-databases", "--db-instance-id", &id],
    );
    let database = &databases["Databases"]["Database"][0];
    assert_eq!(database["DBName"], "orders");
    assert_eq!(database["CharacterSetName"], "UTF8");
    assert_eq!(
        database["Accounts"]["AccountPrivilegeInfo"][0]["Account"],
        "app_user"
    );

    ok(
        home,
        &served,
        &[
            "modify-security-ips",
            "--db-instance-id",
            &id,
            "--security-ips",
            "10.1.0.0/16",
        ],
    );
    let arrays = ok(
        home,
        &served,
        &[
            "describe-db-instance-ip-array-list",
            "--db-instance-id",
            &id,
        ],
    );
    assert_eq!(
        arrays["Items"]["DBInstanceIPArray"][0]["SecurityIPList"],
        "10.1.0.0/16"
    );
    ok(
        home,
        &served,
        &[
            "modify-db-instance-description",
            "--db-instance-id",
            &id,
            "--db-instance-description",
            "orders primary",
        ],
    );
    let attribute = ok(
        home,
        &served,
        &["describe-db-instance-attribute", "--db-instance-id", &id],
    );
    assert_eq!(
        attribute["Items"]["DBInstanceAttribute"][0]["DBInstanceDescription"],
        "orders primary"
    );
    ok(
        home,
        &served,
        &[
            "modify-parameter",
            "--db-instance-id",
            &id,
            "--parameters",
            r#"{"work_mem":"8192"}"#,
        ],
    );
    let parameters = ok(
        home,
        &served,
        &["describe-parameters", "--db-instance-id", &id, "--query", "RunningParameters.DBInstanceParameter[?ParameterName=='work_mem'].ParameterValue | [0]"],
    );
    assert_eq!(parameters, "8192");

    let resources = format!(r#"["{id}"]"#);
    ok(
        home,
        &served,
        &[
            "tag-resources",
            "--region-id",
            "cn-hangzhou",
            "--resource-type",
            "INSTANCE",
            "--resource-id",
            &resources,
            "--tag",
            r#"[{"Key":"team","Value":"orders"}]"#,
        ],
    );
    let found = ok(
        home,
        &served,
        &[
            "list-tag-resources",
            "--region-id",
            "cn-hangzhou",
            "--resource-type",
            "INSTANCE",
            "--tag",
            r#"[{"Key":"team","Value":"orders"}]"#,
        ],
    );
    assert_eq!(
        found["TagResources"]["TagResource"][0]["ResourceId"],
        id.as_str()
    );
    assert_eq!(
        found["TagResources"]["TagResource"][0]["TagValue"],
        "orders"
    );

    ok(home, &served, &["create-backup", "--db-instance-id", &id]);
    let finished = ok(
        home,
        &served,
        &[
            "describe-backups",
            "--db-instance-id",
            &id,
            "--waiter",
            "expr=Items.Backup[0].BackupStatus",
            "to=Success",
            "interval=0.05",
            "timeout=30",
        ],
    );
    assert_eq!(finished["Items"]["Backup"][0]["BackupStatus"], "Success");
    assert_eq!(finished["TotalRecordCount"], "1");

    ok(
        home,
        &served,
        &["delete-db-instance", "--db-instance-id", &id],
    );
    let gone = loop {
        let output = call(
            home,
            &served,
            &["describe-db-instance-attribute", "--db-instance-id", &id],
        );
        if output.status.code() != Some(0) {
            break output;
        }
        assert_eq!(
            stdout_json(&output)["Items"]["DBInstanceAttribute"][0]["DBInstanceStatus"],
            "Deleting"
        );
    };
    assert_exit(&gone, 3);
    assert!(
        stderr_text(&gone).contains("InvalidDBInstanceId.NotFound"),
        "{}",
        stderr_text(&gone)
    );

    // One more instance, then SIGTERM: the state is saved and the next
    // emulator starts from it.
    let survivor = ok(
        home,
        &served,
        &[
            "create-db-instance",
            "--region-id",
            "cn-hangzhou",
            "--engine",
            "MySQL",
            "--engine-version",
            "8.0",
            "--db-instance-class",
            "mysql.n2.medium.1",
            "--db-instance-storage",
            "20",
            "--db-instance-net-type",
            "Intranet",
            "--security-ip-list",
            "10.0.0.1",
            "--pay-type",
            "Postpaid",
        ],
    )["DBInstanceId"]
        .as_str()
        .expect("an instance ID")
        .to_owned();
    assert!(served.terminate().success());
    assert!(state.exists(), "the state was saved on SIGTERM");
    let served = Served::start(home, &["--pace", "instant", "--state", state_flag]);
    let listed = ok(
        home,
        &served,
        &[
            "describe-db-instances",
            "--region-id",
            "cn-hangzhou",
            "--query",
            "Items.DBInstance[].DBInstanceId",
        ],
    );
    assert!(
        listed
            .as_array()
            .expect("a list")
            .iter()
            .any(|known| known == survivor.as_str()),
        "{listed}"
    );
    assert!(
        !listed
            .as_array()
            .expect("a list")
            .iter()
            .any(|known| known == id.as_str()),
        "{listed}"
    );
    let attribute = ok(
        home,
        &served,
        &[
            "describe-db-instance-attribute",
            "--db-instance-id",
            &survivor,
        ],
    );
    assert_eq!(
        attribute["Items"]["DBInstanceAttribute"][0]["Engine"],
        "MySQL"
    );
}

/// A script may stop the emulator the moment it has read the address: the
/// signal must already be handled then, so the state is saved and the exit
/// is clean, not the default death by SIGTERM.
#[test]
fn a_sigterm_right_after_the_listening_line_saves_the_state() {
    let home = empty_home("lifecycle-early-sigterm");
    for attempt in 0..10 {
        let state = home.path().join(format!("state-{attempt}.json"));
        let served = Served::start(
            home.path(),
            &["--pace", "instant", "--state", state.to_str().unwrap()],
        );
        let status = served.terminate();
        assert!(status.success(), "attempt {attempt}: {status}");
        assert!(state.exists(), "attempt {attempt}: no state was saved");
    }
}
