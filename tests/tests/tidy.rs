//! Project hygiene: facts the documentation states about the repository,
//! checked so that they cannot silently become false.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The workspace root: the parent of this package's directory.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package lives in the workspace root")
        .to_path_buf()
}

fn read_doc(name: &str) -> String {
    let path = repo_root().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn run_cargo_metadata(extra: &[&str]) -> Result<Value, String> {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(extra)
        .current_dir(repo_root())
        .output()
        .map_err(|error| format!("cannot run cargo: {error}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|error| format!("cargo metadata printed invalid JSON: {error}"))
}

fn host_triple() -> String {
    let output = Command::new(env!("CARGO"))
        .arg("-vV")
        .output()
        .expect("cannot run cargo -vV");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .expect("cargo -vV names the host")
        .trim()
        .to_owned()
}

/// The metadata of every package in the lock file. Offline, cargo can only
/// describe packages it has downloaded; a build downloads those of the host
/// platform alone, so when the others are missing (a fresh machine that has
/// not run `cargo fetch`) this falls back to the host platform's packages.
/// CI runs `cargo fetch` first, so there every package is checked.
fn locked_metadata() -> Value {
    match run_cargo_metadata(&[]) {
        Ok(metadata) => metadata,
        Err(all_platforms) => {
            let host = host_triple();
            match run_cargo_metadata(&["--filter-platform", &host]) {
                Ok(metadata) => {
                    eprintln!(
                        "note: only the packages used on {host} are checked; \
                         run `cargo fetch` to check every platform's \
                         ({})",
                        all_platforms.trim()
                    );
                    metadata
                }
                Err(host_only) => panic!(
                    "cargo metadata --locked --offline failed:\n{all_platforms}\n\
                     and with --filter-platform {host}:\n{host_only}"
                ),
            }
        }
    }
}

/// A `rust-version` as a comparable triple; missing parts are zero.
fn parse_rust_version(version: &str) -> (u64, u64, u64) {
    let mut parts = version.split('.').map(|part| {
        part.parse::<u64>()
            .unwrap_or_else(|_| panic!("not a rust-version: {version:?}"))
    });
    (
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
        parts.next().unwrap_or(0),
    )
}

fn string_field<'a>(package: &'a Value, field: &str) -> Option<&'a str> {
    package.get(field).and_then(Value::as_str)
}

/// The workspace's declared minimum Rust version, which every member
/// inherits from `[workspace.package]`.
fn workspace_rust_version(metadata: &Value) -> String {
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .expect("workspace_members is an array")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut versions = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let id = string_field(package, "id").expect("package id");
        if members.contains(&id) {
            let name = string_field(package, "name").expect("package name");
            let version = string_field(package, "rust_version").unwrap_or_else(|| {
                panic!("workspace member {name} declares no rust-version: add `rust-version.workspace = true`")
            });
            versions.push((name, version));
        }
    }
    let (_, first) = versions[0];
    let disagreeing: Vec<String> = versions
        .iter()
        .filter(|(_, version)| *version != first)
        .map(|(name, version)| format!("{name} ({version})"))
        .collect();
    assert!(
        disagreeing.is_empty(),
        "workspace members declare different rust-versions: {} vs {first}",
        disagreeing.join(", ")
    );
    first.to_owned()
}

/// The declared minimum Rust version is true: no locked dependency needs a
/// newer compiler, and the README states the same number.
#[test]
fn rust_version_covers_every_locked_dependency_and_matches_the_readme() {
    let metadata = locked_metadata();
    let msrv = workspace_rust_version(&metadata);
    let msrv_triple = parse_rust_version(&msrv);

    let mut too_new: Vec<String> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|package| {
            let needed = string_field(package, "rust_version")?;
            (parse_rust_version(needed) > msrv_triple).then(|| {
                format!(
                    "{} {} needs Rust {needed}",
                    string_field(package, "name").unwrap_or("?"),
                    string_field(package, "version").unwrap_or("?"),
                )
            })
        })
        .collect();
    too_new.sort();
    assert!(
        too_new.is_empty(),
        "the workspace's rust-version is {msrv}, but locked dependencies need more \
         (raise rust-version in Cargo.toml and the README, or hold the dependency back):\n  {}",
        too_new.join("\n  ")
    );

    let readme = read_doc("README.md");
    let statement = format!("({msrv} or newer)");
    assert!(
        readme.contains(&statement),
        "README.md does not state the workspace's rust-version: expected `{statement}`"
    );
}

/// The top-level directories of the repository. A backticked token that
/// starts with one of them (`generated/aliyun-rds`, `spec/README.md`) names a path;
/// other backticked text (`Client`, `--check`, `operations/<Name>.json`
/// relative to a section) is prose and is not checked.
const TOP_LEVEL_DIRS: &[&str] = &[".ci", "crates", "generated", "spec", "tests", "xtask"];

/// A word names a repository path when it starts with a top-level
/// directory and a slash (`xtask/`, not the command `xtask`), or is a
/// Markdown file at the root (`BENCHMARKS.md`).
fn as_repo_path(word: &str) -> Option<&str> {
    let word = word.trim_end_matches(['.', ',', ';', ':', ')']);
    let under_top_level = TOP_LEVEL_DIRS.iter().any(|dir| {
        word.strip_prefix(dir)
            .is_some_and(|rest| rest.starts_with('/'))
    });
    let root_markdown = !word.contains('/')
        && word.ends_with(".md")
        && word.len() > ".md".len()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    (under_top_level || root_markdown).then_some(word)
}

/// A path up to its first placeholder component: `spec/rds/<Name>.json`
/// is checked as `spec/rds/`, `spec/*.json` as `spec/`.
fn literal_prefix(path: &str) -> String {
    let mut prefix = String::new();
    for component in path.split_inclusive('/') {
        let name = component.trim_end_matches('/');
        if name == "..." || name.contains(['<', '>', '*', '{', '}']) {
            break;
        }
        prefix.push_str(component);
    }
    prefix
}

/// The repository paths a Markdown document names: backticked tokens that
/// look like repository paths, words of fenced code blocks that start with a
/// top-level directory, and the first word of each line of the code block
/// under a `## Layout` heading (the README's map of the repository, which
/// also lists root files such as `Cargo.toml`).
fn named_paths(markdown: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut prose = String::new();
    let mut fence: Option<bool> = None; // Some(is the layout block) inside a fence
    let mut in_layout_section = false;
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fence = match fence {
                Some(_) => None,
                None => Some(in_layout_section),
            };
            continue;
        }
        match fence {
            Some(is_layout) => {
                let mut words = line.split_whitespace();
                if is_layout {
                    if let Some(first) = words.next() {
                        paths.push(first.to_owned());
                    }
                }
                paths.extend(words.filter_map(as_repo_path).map(str::to_owned));
            }
            None => {
                if let Some(heading) = line.strip_prefix("## ") {
                    in_layout_section = heading.trim() == "Layout";
                }
                prose.push_str(line);
                prose.push('\n');
            }
        }
    }
    // Outside code blocks, every other piece between backticks is code.
    for span in prose.split('`').skip(1).step_by(2) {
        let span = span.trim();
        if !span.contains(char::is_whitespace) {
            paths.extend(as_repo_path(span).map(str::to_owned));
        }
    }
    let mut paths: Vec<String> = paths
        .iter()
        .map(|path| literal_prefix(path))
        .filter(|path| !path.is_empty())
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

#[test]
fn path_extraction_takes_paths_and_leaves_prose() {
    let markdown = "\
# Title

`generated/aliyun-rds` and `spec/README.md`, see `BENCHMARKS.md`. `Client::new`,
`--check`, `operations/<Name>.json`, `spec/rds/<Name>.json`, `a b/c`,
crates/not-backticked and `cargo xtask codegen` are not checked, nor
`spec/.../X.json` beyond `spec/`.

```sh
cargo xtask import --api-docs xtask/fixtures/import/doc.json # from spec/
```

## Layout

```
Cargo.toml          virtual workspace
crates/aliyun-runtime      the runtime
```

## After

```
Other.toml          not the layout block
```
";
    assert_eq!(
        named_paths(markdown),
        [
            "BENCHMARKS.md",
            "Cargo.toml",
            "crates/aliyun-runtime",
            "generated/aliyun-rds",
            "spec/",
            "spec/README.md",
            "spec/rds/",
            "xtask/fixtures/import/doc.json",
        ]
    );
}

/// Every path that `ARCHITECTURE.md` and `README.md` name exists, so the
/// map of the code cannot drift from the code.
#[test]
fn documented_paths_exist() {
    let root = repo_root();
    let mut missing = Vec::new();
    for doc in ["ARCHITECTURE.md", "README.md"] {
        let paths = named_paths(&read_doc(doc));
        assert!(!paths.is_empty(), "{doc} names no repository path");
        for path in paths {
            let full = root.join(&path);
            let exists = if path.ends_with('/') {
                full.is_dir()
            } else {
                full.exists()
            };
            if !exists {
                missing.push(format!("{doc}: {path}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "paths named in the documentation do not exist:\n  {}",
        missing.join("\n  ")
    );
}

/// The number of paged operations the README and the CHANGELOG give is the
/// number of operation specs with a `pagination` block.
#[test]
fn documented_count_of_paged_operations_is_the_specs() {
    let operations = repo_root().join("spec/rds/2014-08-15/operations");
    let mut paged = 0;
    for entry in std::fs::read_dir(&operations).expect("the operation specs are readable") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a readable spec");
        let spec: Value = serde_json::from_str(&text)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        if spec.get("pagination").is_some() {
            paged += 1;
        }
    }
    assert!(paged > 0, "no operation spec declares a pagination block");
    let readme_claim = format!("see `spec/README.md`; {paged} operations, from");
    assert!(
        read_doc("README.md").contains(&readme_claim),
        "README.md does not say {readme_claim:?}"
    );
    let changelog_claim = format!("builder of the {paged} paged");
    assert!(
        read_doc("CHANGELOG.md").contains(&changelog_claim),
        "CHANGELOG.md does not say {changelog_claim:?}"
    );
}

/// Alibaba's documentation refers to its help center as `~~26315~~`,
/// which is a link only on its own website: the generator turns every such
/// reference into the article's URL (in rustdoc and in the metadata the
/// CLI prints), so none is left in the generated code.
#[test]
fn no_help_center_reference_is_left_in_the_generated_code() {
    let mut pending = vec![repo_root().join("generated")];
    let mut found = Vec::new();
    let mut files = 0;
    while let Some(directory) = pending.pop() {
        for entry in std::fs::read_dir(&directory).expect("a readable directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            files += 1;
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            for (number, line) in text.lines().enumerate() {
                if line.contains("~~") {
                    found.push(format!("{}:{}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(files > 1000, "only {files} generated files found");
    assert!(
        found.is_empty(),
        "help-center references left in the generated code:\n  {}",
        found.join("\n  ")
    );
}
