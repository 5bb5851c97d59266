//! The generated part of the generated crates' `Cargo.toml`: their
//! `[features]` table.
//!
//! Each operation's module is compiled only when its feature is on, so a
//! program that uses a few operations does not pay for the whole API. The
//! `[features]` table of each crate's manifest is therefore generated:
//! [`manifest`] keeps the hand-written part of the file (everything before
//! the `[features]` line) and replaces the rest. The features themselves
//! are resolved in [`crate::resolve::features`].

use crate::resolve::Product;

/// Which of the four generated crates a manifest belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedCrate {
    /// `aliyun-rds-errors`: operation features stand alone.
    Errors,
    /// `aliyun-rds-types`: operation features stand alone.
    Types,
    /// `aliyun-rds-metadata`: operation features stand alone.
    Metadata,
    /// `aliyun-rds`: each operation feature turns on the same feature of the
    /// errors, types and metadata crates, whose items the operation
    /// re-exports.
    Client,
}

/// The line that starts the generated part of a manifest.
const FEATURES_LINE: &str = "[features]";

/// A TOML array of strings, one per line once it holds more than one.
fn toml_array(items: &[&str]) -> String {
    match items {
        [] => "[]".to_owned(),
        [single] => format!("[\"{single}\"]"),
        _ => {
            let lines: Vec<String> = items
                .iter()
                .map(|item| format!("    \"{item}\",\n"))
                .collect();
            format!("[\n{}]", lines.concat())
        }
    }
}

/// The generated `[features]` table of one crate.
pub fn features_table(product: &Product<'_>, krate: GeneratedCrate) -> String {
    let operation_features: Vec<&str> = product
        .operations
        .iter()
        .map(|operation| operation.names.feature.as_str())
        .collect();
    let mut table = String::new();
    table.push_str(FEATURES_LINE);
    table.push('\n');
    table.push_str(
        "# Everything from the [features] line down is written by `cargo xtask codegen`\n\
         # from the spec: edit the spec, not this table.\n\
         #\n\
         # Each operation is compiled only when its feature is on. `all` (the\n\
         # default) turns on every operation; a program that uses a few of them can\n\
         # set `default-features = false` and name the operations or a group.\n",
    );
    table.push_str("default = [\"all\"]\n");
    // `all` names the groups too, so that `required-features` of a group
    // (as the examples have) is met by the default features.
    let mut everything = operation_features.clone();
    everything.extend(product.feature_groups.iter().map(|group| group.name));
    table.push_str("# Every operation of the API, and every group.\n");
    table.push_str(&format!("all = {}\n", toml_array(&everything)));
    match krate {
        GeneratedCrate::Errors | GeneratedCrate::Metadata => {}
        GeneratedCrate::Types => table.push_str(
            "# `Serialize` on inputs, outputs and their nested types, for programs that\n\
             # re-encode them; sending and decoding never need it.\n\
             serde-serialize = []\n\
             # `Deserialize` on outputs and their nested types, for programs that\n\
             # read them from JSON of their own; responses are decoded without it.\n\
             serde-deserialize = []\n",
        ),
        GeneratedCrate::Client => table.push_str(
            "# `Serialize` on inputs, outputs and their nested types, for programs that\n\
             # re-encode them; sending and decoding never need it.\n\
             serde-serialize = [\"aliyun-rds-types/serde-serialize\"]\n\
             # `Deserialize` on outputs and their nested types, for programs that\n\
             # read them from JSON of their own; responses are decoded without it.\n\
             serde-deserialize = [\"aliyun-rds-types/serde-deserialize\"]\n\
             # SOCKS5 proxies, and the operating system's certificate store as well as\n\
             # the compiled-in roots: the runtime's features of the same names.\n\
             socks = [\"aliyun-runtime/socks\"]\n\
             native-roots = [\"aliyun-runtime/native-roots\"]\n\
             # An in-process double of the service for the tests of programs that\n\
             # call it (`config::test_util`): the runtime's `test-util`.\n\
             test-util = [\"aliyun-runtime/test-util\"]\n",
        ),
    }
    for group in &product.feature_groups {
        let members: Vec<&str> = group
            .operation_features
            .iter()
            .map(String::as_str)
            .collect();
        for line in group.description.lines().map(str::trim) {
            if line.is_empty() {
                table.push_str("#\n");
            } else {
                table.push_str(&format!("# {line}\n"));
            }
        }
        table.push_str(&format!("{} = {}\n", group.name, toml_array(&members)));
    }
    table.push_str("# One feature per operation.\n");
    for feature in &operation_features {
        match krate {
            GeneratedCrate::Errors | GeneratedCrate::Types | GeneratedCrate::Metadata => {
                table.push_str(&format!("{feature} = []\n"))
            }
            GeneratedCrate::Client => table.push_str(&format!(
                "{feature} = [\"aliyun-rds-errors/{feature}\", \"aliyun-rds-metadata/{feature}\", \"aliyun-rds-types/{feature}\"]\n"
            )),
        }
    }
    table
}

/// The whole manifest: the hand-written part of `existing` (up to its
/// `[features]` line, which must be the last table) followed by the
/// generated table.
pub fn manifest(existing: &str, product: &Product<'_>, krate: GeneratedCrate) -> String {
    let hand_written = existing
        .lines()
        .position(|line| line.trim() == FEATURES_LINE)
        .map_or(existing.to_owned(), |index| {
            let kept: Vec<&str> = existing.lines().take(index).collect();
            let mut kept = kept.join("\n");
            kept.push('\n');
            kept
        });
    let mut text = hand_written.trim_end().to_owned();
    text.push_str("\n\n");
    text.push_str(&features_table(product, krate));
    text
}

#[cfg(test)]
mod tests {
    use super::{manifest, GeneratedCrate};
    use crate::resolve::resolve;
    use crate::spec::{load_product, FeatureGroup, LoadedProduct};

    fn fixture() -> LoadedProduct {
        let directory = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/small/spec/rds/2014-08-15");
        let mut product = load_product(&directory).expect("the fixture spec is valid");
        product.product.feature_groups.push(FeatureGroup {
            name: "widgets".to_owned(),
            description: "Everything about widgets.".to_owned(),
            operations: vec!["DescribeWidgets".to_owned()],
        });
        product
    }

    #[test]
    fn the_features_table_replaces_only_the_end_of_the_manifest() {
        let loaded = fixture();
        let product = resolve(&loaded, std::path::Path::new("product.json")).expect("resolves");
        let hand_written = "[package]\nname = \"x\"\n\n[dependencies]\nserde = \"1\"\n";
        let old = format!("{hand_written}\n[features]\nstale = []\n");
        let text = manifest(&old, &product, GeneratedCrate::Client);
        assert!(text.starts_with(hand_written), "{text}");
        assert!(!text.contains("stale"), "{text}");
        assert!(text.contains("default = [\"all\"]\n"), "{text}");
        assert!(
            text.contains("serde-serialize = [\"aliyun-rds-types/serde-serialize\"]\n"),
            "{text}"
        );
        assert!(text.contains("# Everything about widgets.\nwidgets = [\"describe-widgets\"]\n"));
        assert!(text.contains(
            "describe-widgets = [\"aliyun-rds-errors/describe-widgets\", \"aliyun-rds-metadata/describe-widgets\", \"aliyun-rds-types/describe-widgets\"]\n"
        ));
        let all = text
            .split("all = [")
            .nth(1)
            .and_then(|rest| rest.split(']').next())
            .unwrap_or_default();
        for feature in ["create-widget", "describe-widgets", "widgets"] {
            assert!(all.contains(&format!("\"{feature}\"")), "{all}");
        }
        // Generating again from the output changes nothing.
        assert_eq!(manifest(&text, &product, GeneratedCrate::Client), text);
        let errors = manifest(&old, &product, GeneratedCrate::Errors);
        assert!(errors.contains("describe-widgets = []\n"), "{errors}");
        assert!(!errors.contains("serde-serialize"), "{errors}");
        assert!(!errors.contains("serde-deserialize"), "{errors}");
        let types = manifest(&old, &product, GeneratedCrate::Types);
        assert!(types.contains("describe-widgets = []\n"), "{types}");
        assert!(types.contains("serde-serialize = []\n"), "{types}");
        assert!(types.contains("serde-deserialize = []\n"), "{types}");
        let metadata = manifest(&old, &product, GeneratedCrate::Metadata);
        assert!(metadata.contains("describe-widgets = []\n"), "{metadata}");
        assert!(!metadata.contains("serde-serialize"), "{metadata}");
    }

    #[test]
    fn groups_must_name_operations_and_operations_must_not_take_group_names() {
        let mut loaded = fixture();
        let file = std::path::Path::new("product.json");
        assert!(resolve(&loaded, file).is_ok());
        loaded.product.feature_groups[0]
            .operations
            .push("NoSuchOperation".to_owned());
        loaded.product.feature_groups.push(FeatureGroup {
            name: "create-widget".to_owned(),
            description: String::new(),
            operations: Vec::new(),
        });
        let problems: Vec<String> = resolve(&loaded, file)
            .expect_err("two problems")
            .0
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|problem| problem.contains("/featureGroups/0/operations/1")
                    && problem.contains("NoSuchOperation")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|problem| problem.contains("create-widget")),
            "{problems:?}"
        );
    }
}
