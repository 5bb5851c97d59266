//! How long `cargo xtask codegen` takes on a spec the size of the whole RDS
//! API (413 operations). The target is under two seconds for load, validate,
//! render and compare.
//!
//! The spec is synthetic: the seed operation (66 error rows) and the
//! fixture operation (nested objects, arrays, every scalar type) copied
//! under 413 distinct names into a temporary workspace, which is close to
//! the real API's mix of large error tables and nested responses.
//!
//! Run with `cargo bench -p xtask --bench codegen`.

// Benches fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;
use xtask::codegen::{self, Layout, Mode};

const OPERATIONS: usize = 413;

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).expect("read a spec file");
    serde_json::from_str(&text).expect("a JSON spec file")
}

/// A workspace holding `OPERATIONS` operations, generated once so that the
/// benchmark measures a check of up-to-date crates, as CI runs it.
fn synthetic_workspace() -> tempfile::TempDir {
    let repository = xtask::workspace_root();
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/small/spec/rds/2014-08-15");
    let templates = [
        read_json(
            &repository.join("spec/rds/2014-08-15/operations/ActivateMigrationTargetInstance.json"),
        ),
        read_json(&fixture.join("operations/DescribeWidgets.json")),
    ];
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let operations = workspace.path().join("spec/rds/2014-08-15/operations");
    fs::create_dir_all(&operations).expect("create the spec directory");
    fs::copy(
        repository.join("spec/rds/2014-08-15/product.json"),
        workspace.path().join("spec/rds/2014-08-15/product.json"),
    )
    .expect("copy the product");
    for index in 0..OPERATIONS {
        let mut operation = templates[index % templates.len()].clone();
        let name = format!("SyntheticOperation{index:03}");
        operation["name"] = Value::String(name.clone());
        let text = serde_json::to_string_pretty(&operation).expect("serialize");
        fs::write(operations.join(format!("{name}.json")), text).expect("write an operation");
    }
    codegen::run(workspace.path(), &Layout::default(), Mode::Write)
        .expect("the synthetic spec is valid");
    workspace
}

fn bench_codegen(criterion: &mut Criterion) {
    let workspace = synthetic_workspace();
    let layout = Layout::default();
    let mut group = criterion.benchmark_group("codegen");
    group.sample_size(10);
    group.bench_function("check 413 operations", |bencher| {
        bencher.iter(|| {
            let differences = codegen::run(workspace.path(), &layout, Mode::Check).expect("valid");
            assert!(differences.is_empty());
        });
    });
    group.bench_function("load and validate 413 operations", |bencher| {
        bencher.iter(|| {
            xtask::spec::load_product(&workspace.path().join(&layout.product_dir)).expect("valid")
        });
    });
    group.finish();
}

criterion_group!(benches, bench_codegen);
criterion_main!(benches);
