//! The layers of the runtime hold: no module of a runtime crate imports,
//! however indirectly, a module that imports it (no cycle), no crate
//! depends on a crate of its own layer or above, the generated types
//! build without HTTP, TLS or an async runtime, and the orchestrator has
//! no code path of its own for the test double. `ARCHITECTURE.md` draws
//! these layers.
//!
//! Module dependencies are read from the source: every `crate::` and
//! `super::` path outside comments and outside the `#[cfg(test)]` module
//! that ends a file (tests may reach anywhere in their crate). A module
//! must name the module it takes an item from (`crate::runtime::Runtime`,
//! not the crate root's re-export `crate::Runtime`), so that every edge is
//! seen; items of other crates are named by their crate.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The runtime's crates, each with its layer: a crate may depend only on
/// crates of lower layers.
const RUNTIME_CRATES: &[(&str, u32)] = &[
    ("aliyun-codec", 0),
    ("aliyun-sign", 1),
    ("aliyun-http", 1),
    ("aliyun-credentials", 2),
    ("aliyun-runtime", 3),
];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package lives in the workspace root")
        .to_path_buf()
}

/// One module of a crate: its path inside the crate (`""` for the root,
/// `credentials::sts` for `src/credentials/sts.rs`) and its source.
struct Module {
    path: String,
    file: PathBuf,
    source: String,
}

/// Every module file below `src`.
fn modules(src: &Path) -> Vec<Module> {
    let mut found = Vec::new();
    let mut directories = vec![src.to_path_buf()];
    while let Some(directory) = directories.pop() {
        for entry in std::fs::read_dir(&directory).unwrap() {
            let file = entry.unwrap().path();
            if file.is_dir() {
                directories.push(file);
                continue;
            }
            if file.extension().is_none_or(|extension| extension != "rs") {
                continue;
            }
            let relative = file.strip_prefix(src).unwrap().with_extension("");
            let mut segments: Vec<String> = relative
                .iter()
                .map(|segment| segment.to_string_lossy().into_owned())
                .collect();
            if matches!(
                segments.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                segments.pop();
            }
            let source = std::fs::read_to_string(&file).unwrap();
            found.push(Module {
                path: segments.join("::"),
                file,
                source,
            });
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The code of a module outside comments and its closing test module.
fn code(source: &str) -> String {
    let mut code = String::new();
    for line in source.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("#[cfg(test)]") {
            break;
        }
        if trimmed.starts_with("//") {
            continue;
        }
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// The paths starting at `text` (just after `crate::` or `super::`): one
/// path, or one per item of a `{...}` group, each as its segments.
fn paths_at(text: &str) -> Vec<Vec<String>> {
    let is_identifier = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut segments = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(|c: char| !is_identifier(c)).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        segments.push(rest[..end].to_owned());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => break,
        }
    }
    let Some(group) = rest.strip_prefix('{') else {
        return vec![segments];
    };
    // The top-level items of the group, each continuing the prefix.
    let mut paths = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (index, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                paths.push(&group[start..index]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                paths.push(&group[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    paths
        .into_iter()
        .map(str::trim)
        .filter(|item| !item.is_empty() && *item != "self")
        .flat_map(|item| {
            paths_at(item).into_iter().map(|tail| {
                let mut full = segments.clone();
                full.extend(tail);
                full
            })
        })
        .collect()
}

/// Every path of `module`'s code that starts with `crate::` or `super::`,
/// as full paths from the crate root.
fn referenced_paths(module: &Module) -> Vec<Vec<String>> {
    let code = code(&module.source);
    let own: Vec<String> = module
        .path
        .split("::")
        .filter(|segment| !segment.is_empty())
        .map(str::to_owned)
        .collect();
    let mut paths = Vec::new();
    for (prefix, base) in [
        ("crate::", Vec::new()),
        ("super::", own[..own.len().saturating_sub(1)].to_vec()),
    ] {
        let mut rest = code.as_str();
        while let Some(at) = rest.find(prefix) {
            // `$crate::` and `my_crate::` are not this crate.
            let before = rest[..at].chars().next_back();
            let after = &rest[at + prefix.len()..];
            rest = after;
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
                continue;
            }
            for tail in paths_at(after) {
                let mut full = base.clone();
                full.extend(tail);
                paths.push(full);
            }
        }
    }
    paths
}

/// The module dependency graph of a crate: each module's path to the set
/// of modules it uses. A path that names an item of the crate root is an
/// error, returned as the second value: it hides which module the item
/// comes from.
fn module_graph(src: &Path) -> (BTreeMap<String, BTreeSet<String>>, Vec<String>) {
    let modules = modules(src);
    let known: BTreeSet<&str> = modules.iter().map(|module| module.path.as_str()).collect();
    let mut graph = BTreeMap::new();
    let mut root_items = Vec::new();
    for module in &modules {
        if module.path.is_empty() {
            // The root declares the modules and re-exports their items.
            continue;
        }
        let mut uses = BTreeSet::new();
        for path in referenced_paths(module) {
            // The longest prefix of the path that is a module.
            let used = (1..=path.len())
                .rev()
                .map(|length| path[..length].join("::"))
                .find(|candidate| known.contains(candidate.as_str()));
            match used {
                Some(used) if used != module.path => {
                    uses.insert(used);
                }
                Some(_) => {}
                None => root_items.push(format!(
                    "{}: `crate::{}` names an item of the crate root; name its module",
                    module.file.display(),
                    path.join("::")
                )),
            }
        }
        graph.insert(module.path.clone(), uses);
    }
    (graph, root_items)
}

/// The cycles of a graph: its strongly connected components of more than
/// one node (Tarjan's algorithm), each sorted.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Search<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        components: Vec<Vec<String>>,
    }
    impl<'g> Search<'g> {
        fn visit(&mut self, node: &'g str) {
            let number = self.index.len();
            self.index.insert(node, number);
            self.low.insert(node, number);
            self.stack.push(node);
            self.on_stack.insert(node);
            for next in self.graph.get(node).into_iter().flatten() {
                let next = next.as_str();
                if !self.index.contains_key(next) {
                    self.visit(next);
                    let low = self.low[node].min(self.low[next]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(next) {
                    let low = self.low[node].min(self.index[next]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(member) = self.stack.pop() {
                    self.on_stack.remove(member);
                    component.push(member.to_owned());
                    if member == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.components.push(component);
                }
            }
        }
    }
    let mut search = Search {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        components: Vec::new(),
    };
    for node in graph.keys() {
        if !search.index.contains_key(node.as_str()) {
            search.visit(node);
        }
    }
    search.components
}

#[test]
fn the_reader_follows_paths_groups_and_super_and_finds_cycles() {
    let module = Module {
        path: "credentials::sts".to_owned(),
        file: PathBuf::from("sts.rs"),
        source: "\
//! crate::ignored in a comment
use crate::{config::{Config, Timeouts}, error::SdkError, self};
use super::cache::CachedProvider;
fn f() -> crate::retry::RetryConfig { my_crate::x(); $crate::y() }
#[cfg(test)]
mod tests { use crate::client::Runtime; }
"
        .to_owned(),
    };
    let mut found: Vec<String> = referenced_paths(&module)
        .into_iter()
        .map(|path| path.join("::"))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            "config::Config",
            "config::Timeouts",
            "credentials::cache::CachedProvider",
            "error::SdkError",
            "retry::RetryConfig",
        ]
    );

    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"]),
        ("c", &["a"]),
        ("d", &["a"]),
        ("e", &[]),
    ]
    .into_iter()
    .map(|(node, next)| {
        (
            node.to_owned(),
            next.iter().map(|name| (*name).to_owned()).collect(),
        )
    })
    .collect();
    assert_eq!(cycles(&graph), [["a", "b", "c"]]);
}

/// Every runtime crate's modules form layers: no cycle, and every
/// dependency on a module of the crate is named through that module.
#[test]
fn no_runtime_crate_has_a_module_cycle() {
    let mut problems = Vec::new();
    for (name, _) in RUNTIME_CRATES {
        let src = repo_root().join("crates").join(name).join("src");
        let (graph, root_items) = module_graph(&src);
        problems.extend(root_items);
        for cycle in cycles(&graph) {
            let edges: Vec<String> = cycle
                .iter()
                .flat_map(|from| {
                    graph[from]
                        .iter()
                        .filter(|to| cycle.contains(to))
                        .map(move |to| format!("{from} -> {to}"))
                })
                .collect();
            problems.push(format!(
                "{name}: the modules {} import each other: {}",
                cycle.join(", "),
                edges.join("; ")
            ));
        }
        if name == &"aliyun-runtime" {
            // The reader sees the orchestrator's imports at all.
            let edges: usize = graph.values().map(BTreeSet::len).sum();
            assert!(edges > 20, "only {edges} module dependencies were read");
        }
    }
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

/// `cargo metadata` of the workspace, with the resolved dependency graph
/// of the host platform.
fn metadata() -> Value {
    let host = {
        let output = Command::new(env!("CARGO")).arg("-vV").output().unwrap();
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .find_map(|line| line.strip_prefix("host: "))
            .expect("cargo -vV names the host")
            .trim()
            .to_owned()
    };
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .args(["--filter-platform", &host])
        .current_dir(repo_root())
        .output()
        .expect("run cargo metadata");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The package name of a package id.
fn package_name(metadata: &Value, id: &str) -> String {
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["id"] == id)
        .and_then(|package| package["name"].as_str())
        .unwrap_or_else(|| panic!("no package {id}"))
        .to_owned()
}

/// The id of the workspace package named `name`.
fn package_id(metadata: &Value, name: &str) -> String {
    metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|package| package["name"] == name && package["source"].is_null())
        .and_then(|package| package["id"].as_str())
        .unwrap_or_else(|| panic!("no workspace package {name}"))
        .to_owned()
}

/// The ids of the packages `id` depends on with one of `kinds` (`None` for
/// normal dependencies, `Some("dev")`, `Some("build")`).
fn direct_dependencies(metadata: &Value, id: &str, kinds: &[Option<&str>]) -> Vec<String> {
    let node = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|node| node["id"] == id)
        .unwrap_or_else(|| panic!("no resolved node {id}"));
    node["deps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|dependency| {
            dependency["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|kind| kinds.contains(&kind["kind"].as_str()))
        })
        .map(|dependency| dependency["pkg"].as_str().unwrap().to_owned())
        .collect()
}

/// Every package `id` needs to build, itself excluded: its normal and build
/// dependencies, transitively.
fn build_closure(metadata: &Value, id: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut pending = vec![id.to_owned()];
    while let Some(next) = pending.pop() {
        for dependency in direct_dependencies(metadata, &next, &[None, Some("build")]) {
            if seen.insert(dependency.clone()) {
                pending.push(dependency);
            }
        }
    }
    seen
}

/// `cargo tree -p aliyun-rds-types` (and `-p aliyun-rds-metadata`) shows
/// no HTTP client, TLS or async runtime: the types and the static metadata
/// build beside the runtime, not after it.
#[test]
fn the_types_crate_builds_without_http_tls_or_an_async_runtime() {
    let metadata = metadata();
    for package in ["aliyun-rds-types", "aliyun-rds-metadata", "aliyun-codec"] {
        let needed: BTreeSet<String> = build_closure(&metadata, &package_id(&metadata, package))
            .iter()
            .map(|id| package_name(&metadata, id))
            .collect();
        assert!(
            needed.contains("serde_json"),
            "{package}: the dependency graph was not read: {needed:?}"
        );
        for forbidden in ["reqwest", "rustls", "tokio", "hyper", "aliyun-runtime"] {
            assert!(
                !needed.contains(forbidden),
                "{package} depends on {forbidden}: {needed:?}"
            );
        }
    }
}

/// Each runtime crate depends only on runtime crates of lower layers, and
/// the emulator, which builds on the model layer, is a dev-dependency of
/// nothing it depends on.
#[test]
fn crates_depend_only_on_lower_layers() {
    let metadata = metadata();
    let layer = |name: &str| {
        RUNTIME_CRATES
            .iter()
            .find(|(crate_name, _)| *crate_name == name)
            .map(|(_, layer)| *layer)
    };
    let mut problems = Vec::new();
    for (name, own) in RUNTIME_CRATES {
        let id = package_id(&metadata, name);
        for dependency in direct_dependencies(&metadata, &id, &[None, Some("build")]) {
            let dependency = package_name(&metadata, &dependency);
            if let Some(theirs) = layer(&dependency) {
                if theirs >= *own {
                    problems.push(format!(
                        "{name} (layer {own}) depends on {dependency} (layer {theirs})"
                    ));
                }
            }
        }
    }
    let emulator = package_id(&metadata, "aliyun-rds-emulator");
    for dependency in build_closure(&metadata, &emulator) {
        if direct_dependencies(&metadata, &dependency, &[Some("dev")]).contains(&emulator) {
            problems.push(format!(
                "{} depends on nothing but is built by the emulator, yet dev-depends on it",
                package_name(&metadata, &dependency)
            ));
        }
    }
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

/// The orchestrator treats every connector alike: the test double is a
/// connector of the transport crate, with no code path of its own here.
#[test]
fn the_orchestrator_has_no_test_util_code_path() {
    let src = repo_root().join("crates/aliyun-runtime/src");
    let mut found = Vec::new();
    for module in modules(&src) {
        if module.source.contains("feature = \"test-util\"") {
            found.push(module.file.display().to_string());
        }
    }
    assert!(
        found.is_empty(),
        "cfg(feature = \"test-util\") in {found:?}"
    );
}
