//! The cargo features of the generated crates: one per operation, one per
//! group of `product.json`, and `all`.
//!
//! Each operation's module is compiled only when its feature is on, so a
//! program that uses a few operations does not pay for the whole API. The
//! `[features]` table of both crates' `Cargo.toml` is therefore generated
//! too: [`manifest`] keeps the hand-written part of the file (everything
//! before the `[features]` line) and replaces the rest.

use std::path::Path;

use crate::spec::validate::{operation_rust_name, RESERVED_FEATURE_NAMES};
use crate::spec::{LoadedOperation, LoadedProduct, SpecError, SpecErrorKind};

/// The cargo feature that compiles one operation, the kebab-case form of
/// its module name (`activate-migration-target-instance`).
pub fn operation_feature(operation: &LoadedOperation) -> String {
    operation_rust_name(&operation.spec)
        .trim_start_matches("r#")
        .replace('_', "-")
}

/// `#[cfg(feature = "...")]` for an operation's items.
pub fn operation_cfg(operation: &LoadedOperation) -> proc_macro2::TokenStream {
    let feature = operation_feature(operation);
    quote::quote!(#[cfg(feature = #feature)])
}

/// Which of the three generated crates a manifest belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeneratedCrate {
    /// `aliyun-rds-errors`: operation features stand alone.
    Errors,
    /// `aliyun-rds-types`: operation features stand alone.
    Types,
    /// `aliyun-rds`: each operation feature turns on the same feature of the
    /// errors and types crates, whose items the operation re-exports.
    Client,
}

/// The line that starts the generated part of a manifest.
const FEATURES_LINE: &str = "[features]";

/// Checks that every group names existing operations and that no operation
/// feature takes the name of a group or of a reserved feature.
pub fn check(product: &LoadedProduct, product_file: &Path) -> Vec<SpecError> {
    let mut problems = Vec::new();
    let names: std::collections::BTreeSet<&str> = product
        .operations
        .iter()
        .map(|operation| operation.spec.name.as_str())
        .collect();
    for (group_index, group) in product.product.feature_groups.iter().enumerate() {
        for (index, member) in group.operations.iter().enumerate() {
            if !names.contains(member.as_str()) {
                problems.push(SpecError::at(
                    product_file,
                    format!("/featureGroups/{group_index}/operations/{index}"),
                    SpecErrorKind::InvalidValue,
                    format!(
                        "feature group {:?} lists {member:?}, which is not an operation of the spec",
                        group.name
                    ),
                ));
            }
        }
    }
    for operation in &product.operations {
        let feature = operation_feature(operation);
        let taken = RESERVED_FEATURE_NAMES.contains(&feature.as_str())
            || product
                .product
                .feature_groups
                .iter()
                .any(|group| group.name == feature);
        if taken {
            problems.push(SpecError::at(
                &operation.file,
                "/name",
                SpecErrorKind::NameCollision,
                format!("the operation's cargo feature {feature:?} is already a group or a reserved feature; set a `rustName`"),
            ));
        }
    }
    problems
}

/// A TOML array of strings, one per line once it holds more than one.
fn toml_array(items: &[String]) -> String {
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
pub fn features_table(product: &LoadedProduct, krate: GeneratedCrate) -> String {
    let operation_features: Vec<String> =
        product.operations.iter().map(operation_feature).collect();
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
    everything.extend(
        product
            .product
            .feature_groups
            .iter()
            .map(|group| group.name.clone()),
    );
    table.push_str("# Every operation of the API, and every group.\n");
    table.push_str(&format!("all = {}\n", toml_array(&everything)));
    match krate {
        GeneratedCrate::Errors => {}
        GeneratedCrate::Types => table.push_str(
            "# `Serialize` on inputs, outputs and their nested types, for programs that\n\
             # re-encode them; sending and decoding never need it.\n\
             serde-serialize = []\n",
        ),
        GeneratedCrate::Client => table.push_str(
            "# `Serialize` on inputs, outputs and their nested types, for programs that\n\
             # re-encode them; sending and decoding never need it.\n\
             serde-serialize = [\"aliyun-rds-types/serde-serialize\"]\n",
        ),
    }
    for group in &product.product.feature_groups {
        let mut members: Vec<String> = product
            .operations
            .iter()
            .filter(|operation| group.operations.contains(&operation.spec.name))
            .map(operation_feature)
            .collect();
        members.dedup();
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
            GeneratedCrate::Errors | GeneratedCrate::Types => {
                table.push_str(&format!("{feature} = []\n"))
            }
            GeneratedCrate::Client => table.push_str(&format!(
                "{feature} = [\"aliyun-rds-errors/{feature}\", \"aliyun-rds-types/{feature}\"]\n"
            )),
        }
    }
    table
}

/// The whole manifest: the hand-written part of `existing` (up to its
/// `[features]` line, which must be the last table) followed by the
/// generated table.
pub fn manifest(existing: &str, product: &LoadedProduct, krate: GeneratedCrate) -> String {
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
    use super::{check, manifest, GeneratedCrate};
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
        let product = fixture();
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
            "describe-widgets = [\"aliyun-rds-errors/describe-widgets\", \"aliyun-rds-types/describe-widgets\"]\n"
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
        let types = manifest(&old, &product, GeneratedCrate::Types);
        assert!(types.contains("describe-widgets = []\n"), "{types}");
        assert!(types.contains("serde-serialize = []\n"), "{types}");
    }

    #[test]
    fn groups_must_name_operations_and_operations_must_not_take_group_names() {
        let mut product = fixture();
        let file = std::path::Path::new("product.json");
        assert!(check(&product, file).is_empty());
        product.product.feature_groups[0]
            .operations
            .push("NoSuchOperation".to_owned());
        product.product.feature_groups.push(FeatureGroup {
            name: "create-widget".to_owned(),
            description: String::new(),
            operations: Vec::new(),
        });
        let problems: Vec<String> = check(&product, file)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].contains("/featureGroups/0/operations/1"),
            "{problems:?}"
        );
        assert!(problems[0].contains("NoSuchOperation"), "{problems:?}");
        assert!(problems[1].contains("create-widget"), "{problems:?}");
    }
}
