//! The `cargo xtask codegen` command line, run as a process on a temporary
//! workspace: `--check` fails naming each stale, missing or extra file and
//! writes nothing; a plain run brings the crates up to date; a bad spec
//! fails with the file and JSON path and writes nothing.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::fs;
use std::path::Path;
use std::process::{Command, Output};
use support::workspace;

fn codegen(root: &Path, check: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.arg("codegen").arg("--workspace").arg(root);
    if check {
        command.arg("--check");
    }
    command.output().expect("run xtask")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn check_names_missing_stale_and_extra_files_and_writes_nothing() {
    let root = workspace();
    let missing = codegen(root.path(), true);
    assert!(!missing.status.success());
    assert!(
        stderr(&missing).contains("missing: generated/aliyun-rds/src/lib.rs"),
        "{}",
        stderr(&missing)
    );
    assert!(!root.path().join("crates").exists(), "--check wrote files");

    let written = codegen(root.path(), false);
    assert!(written.status.success(), "{}", stderr(&written));
    let clean = codegen(root.path(), true);
    assert!(clean.status.success(), "{}", stderr(&clean));

    let lib = root.path().join("generated/aliyun-rds-errors/src/lib.rs");
    fs::write(&lib, "// edited by hand\n").expect("edit a generated file");
    let extra = root.path().join("generated/aliyun-rds/src/notes.rs");
    fs::write(&extra, "// not generated\n").expect("add a file");
    let stale = codegen(root.path(), true);
    assert!(!stale.status.success());
    let message = stderr(&stale);
    assert!(
        message.contains("stale: generated/aliyun-rds-errors/src/lib.rs"),
        "{message}"
    );
    assert!(
        message.contains("extra: generated/aliyun-rds/src/notes.rs"),
        "{message}"
    );
    assert_eq!(
        fs::read_to_string(&lib).expect("read"),
        "// edited by hand\n"
    );

    let repaired = codegen(root.path(), false);
    assert!(repaired.status.success(), "{}", stderr(&repaired));
    assert!(!extra.exists(), "the extra file was not removed");
    assert!(codegen(root.path(), true).status.success());
}

#[test]
fn a_bad_spec_fails_with_file_and_path_and_writes_nothing() {
    let root = workspace();
    let file = root
        .path()
        .join("spec/rds/2014-08-15/operations/CreateWidget.json");
    let text = fs::read_to_string(&file).expect("read");
    fs::write(
        &file,
        text.replace("\"type\": \"int64\"", "\"type\": \"int46\""),
    )
    .expect("write");
    let output = codegen(root.path(), false);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(
        message.contains("spec/rds/2014-08-15/operations/CreateWidget.json: /parameters/0/type: unknown type \"int46\""),
        "{message}"
    );
    assert!(message.contains("nothing was written"), "{message}");
    assert!(!root.path().join("crates").exists());
}
