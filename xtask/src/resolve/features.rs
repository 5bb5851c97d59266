//! The cargo features of the generated crates: one per operation (its
//! name is [`OperationNames::feature`](super::OperationNames::feature)),
//! one per group of `product.json`, and `all`.

use std::collections::BTreeSet;
use std::path::Path;

use super::names::operation_feature;
use crate::spec::validate::RESERVED_FEATURE_NAMES;
use crate::spec::{LoadedProduct, SpecError, SpecErrorKind};

/// A feature group, with the features of its operations.
#[derive(Debug, Clone)]
pub struct FeatureGroup<'spec> {
    /// The feature's name.
    pub name: &'spec str,
    /// What the group is for, shown as a comment in the manifests.
    pub description: &'spec str,
    /// The operations' features, in action-name order.
    pub operation_features: Vec<String>,
}

/// Resolves the groups of `product.json`, checking that every group names
/// existing operations and that no operation's feature takes the name of a
/// group or of a reserved feature.
pub fn resolve_groups<'spec>(
    product: &'spec LoadedProduct,
    product_file: &Path,
    problems: &mut Vec<SpecError>,
) -> Vec<FeatureGroup<'spec>> {
    let names: BTreeSet<&str> = product
        .operations
        .iter()
        .map(|operation| operation.spec.name.as_str())
        .collect();
    let groups = &product.product.feature_groups;
    for (group_index, group) in groups.iter().enumerate() {
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
        let feature = operation_feature(&operation.spec);
        let taken = RESERVED_FEATURE_NAMES.contains(&feature.as_str())
            || groups.iter().any(|group| group.name == feature);
        if taken {
            problems.push(SpecError::at(
                &operation.file,
                "/name",
                SpecErrorKind::NameCollision,
                format!("the operation's cargo feature {feature:?} is already a group or a reserved feature; set a `rustName`"),
            ));
        }
    }
    groups
        .iter()
        .map(|group| FeatureGroup {
            name: &group.name,
            description: &group.description,
            operation_features: product
                .operations
                .iter()
                .filter(|operation| group.operations.contains(&operation.spec.name))
                .map(|operation| operation_feature(&operation.spec))
                .collect(),
        })
        .collect()
}
