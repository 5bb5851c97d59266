//! What the generator's process and error tests share: a temporary
//! workspace holding a copy of the small fixture spec.

use std::fs;
use std::path::{Path, PathBuf};

/// The fixture spec (`tests/fixtures/small/spec`).
pub fn fixture_spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small/spec")
}

/// Copies a directory tree.
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create the directory");
    for entry in fs::read_dir(from).expect("list the directory") {
        let entry = entry.expect("read the entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy the file");
        }
    }
}

/// A temporary workspace holding a copy of the fixture spec under `spec/`,
/// removed when dropped.
pub fn workspace() -> tempfile::TempDir {
    let directory = tempfile::tempdir().expect("create a temporary directory");
    copy_tree(&fixture_spec(), &directory.path().join("spec"));
    directory
}
