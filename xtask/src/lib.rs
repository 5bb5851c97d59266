//! The project's developer tasks, as a library so that tests can run them
//! in-process.
//!
//! [`spec`] is the typed model of the JSON files under `spec/`, with loading
//! and validation; [`resolve`] computes every Rust name and type of the
//! generated code from a loaded spec, once; [`codegen`] renders the
//! resolved model into the generated crates `aliyun-rds-errors`,
//! `aliyun-rds-types`, `aliyun-rds-metadata` and `aliyun-rds`; [`import`] turns Alibaba Cloud's
//! api-docs metadata into spec files. The `xtask` binary (`cargo xtask`) is
//! a thin command-line front end over them; [`bench_compile`] times builds
//! of the whole API beside a published crate, [`soak`] runs the client
//! under load and faults, and [`bench_concurrency`] measures it with many
//! calls in flight.

pub mod bench_compile;
pub mod bench_concurrency;
pub mod codegen;
pub mod import;
pub mod resolve;
pub mod soak;
pub mod spec;

use std::path::PathBuf;

/// The workspace root: the parent of this package's directory.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
