//! `cargo xtask import` from the command line: argument rules, exit codes,
//! and where the report and the errors go. The conversion itself is tested
//! in-process in `src/import/tests.rs`.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

fn xtask(arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(arguments)
        .output()
        .expect("run the xtask binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn an_operation_or_all_must_be_chosen_but_not_both() {
    let api_docs = fixture("ActivateMigrationTargetInstance.api-docs.json");
    let api_docs = api_docs.to_str().expect("a UTF-8 path");

    let neither = xtask(&["import", "--api-docs", api_docs]);
    assert_eq!(neither.status.code(), Some(2));
    assert!(
        text(&neither.stderr).contains("--operation <NAME>|--all"),
        "{}",
        text(&neither.stderr)
    );

    let both = xtask(&[
        "import",
        "--api-docs",
        api_docs,
        "--all",
        "--operation",
        "X",
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        text(&both.stderr).contains("cannot be used with"),
        "{}",
        text(&both.stderr)
    );
}

#[test]
fn a_dry_run_prints_the_report_and_writes_nothing() {
    let directory = tempfile::TempDir::new().expect("create a temporary directory");
    let operations = directory.path().join("operations");
    fs::create_dir(&operations).expect("create operations/");
    let spec_file = operations.join("ActivateMigrationTargetInstance.json");
    fs::copy(
        fixture("ActivateMigrationTargetInstance.spec-2024.json"),
        &spec_file,
    )
    .expect("copy the 2024 spec");
    let before = fs::read(&spec_file).expect("read the copy");

    let output = xtask(&[
        "import",
        "--api-docs",
        fixture("ActivateMigrationTargetInstance.api-docs.json")
            .to_str()
            .expect("a UTF-8 path"),
        "--operation",
        "ActivateMigrationTargetInstance",
        "--dry-run",
        "--spec-dir",
        directory.path().to_str().expect("a UTF-8 path"),
    ]);
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(
        stdout.contains("ActivateMigrationTargetInstance: updated"),
        "{stdout}"
    );
    assert!(
        stdout.contains("additive  error 400 ProductInstanceReleased: row added"),
        "{stdout}"
    );
    assert!(stdout.contains("(dry run: nothing written)"), "{stdout}");
    assert_eq!(fs::read(&spec_file).expect("read again"), before);
}

#[test]
fn an_unknown_operation_fails_with_a_message_on_stderr() {
    let directory = tempfile::TempDir::new().expect("create a temporary directory");
    let output = xtask(&[
        "import",
        "--api-docs",
        fixture("ActivateMigrationTargetInstance.api-docs.json")
            .to_str()
            .expect("a UTF-8 path"),
        "--operation",
        "ActivateMigrationTarget",
        "--spec-dir",
        directory.path().to_str().expect("a UTF-8 path"),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no operation named \"ActivateMigrationTarget\" among their 1 operations"),
        "{stderr}"
    );
    assert!(!directory.path().join("operations").exists());
}

/// The checked-in spec holds the whole API of the metadata document: a dry
/// run of `--all` against it finds nothing new, nothing removed and no
/// feature group to change. (ActivateMigrationTargetInstance is reported
/// as updated: its spec keeps the seed page's 66-row error table verbatim,
/// which the metadata document has since reworded.)
#[test]
fn the_checked_in_spec_holds_every_operation_of_the_metadata() {
    let api_docs = fixture("Rds-2014-08-15.api-docs.en-US.json");
    let spec_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/rds/2014-08-15");
    let output = xtask(&[
        "import",
        "--api-docs",
        api_docs.to_str().expect("a UTF-8 path"),
        "--all",
        "--dry-run",
        "--spec-dir",
        spec_dir.to_str().expect("a UTF-8 path"),
    ]);
    let report = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        report.contains("313 operation(s): 0 new, 1 updated, 312 unchanged, 0 removed; 0 BREAKING"),
        "{report}"
    );
    assert!(
        report.contains("ActivateMigrationTargetInstance: updated"),
        "{report}"
    );
    assert!(!report.contains("feature groups:"), "{report}");
}

/// With neither source named, the import reads both checked-in documents:
/// api-docs and the SDK metadata. The checked-in spec holds every
/// operation of both: nothing is new from either, 313 operations come from
/// api-docs and 100 from the SDK metadata, and every disagreement of the
/// two on an operation both describe is named.
#[test]
fn the_checked_in_spec_holds_every_operation_of_both_sources() {
    let output = xtask(&["import", "--all", "--dry-run"]);
    let report = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert!(
        report.contains(
            "sources: 313 operation(s) from api-docs (0 new), 100 from the SDK metadata (0 new);"
        ),
        "{report}"
    );
    assert!(
        report.contains("413 operation(s): 0 new, 1 updated, 412 unchanged, 0 removed; 0 BREAKING"),
        "{report}"
    );
    assert!(
        report.contains("  sources   parameter Tag.1.key: only in api-docs"),
        "{report}"
    );
    assert!(!report.contains("feature groups:"), "{report}");
}
