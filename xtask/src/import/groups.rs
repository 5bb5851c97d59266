//! Cargo feature groups derived from the documentation's table of
//! contents (`directories` of the api-docs document), and from the names
//! of the operations the documentation has no section for.
//!
//! Users think of the API by area (instances, accounts, backups...), and
//! the documentation already sorts every operation into such sections. Each
//! titled section becomes a group of the operations below it (subsections
//! included); a subsection also becomes a group of its own. Sections
//! without a title join `other`. Group names are short kebab-case words
//! chosen for the sections RDS has (the table `NAMES`); a section not listed there
//! is named by the kebab-case form of its title, so a new section still
//! gets a group, and the report says so.

use std::collections::BTreeMap;

use super::api_docs::{Directory, DirectoryEntry};
use crate::spec::FeatureGroup;

/// The group names of the documentation's sections, by title.
const NAMES: &[(&str, &str)] = &[
    ("Account management", "accounts"),
    ("Backup and recovery", "backups"),
    ("Billing", "billing"),
    (
        "Cloud migration to an ApsaraDB RDS for PostgreSQL instance",
        "postgresql-cloud-migration",
    ),
    ("Console Interface", "console"),
    (
        "Cross-region backup and restoration",
        "cross-region-backups",
    ),
    ("Data migration", "data-migration"),
    ("Database management", "databases"),
    ("Dedicated cluster management", "dedicated-clusters"),
    ("Dedicated proxy", "dedicated-proxy"),
    ("Event History", "event-history"),
    ("Events and Tasks", "events-and-tasks"),
    ("Extensions management", "extensions"),
    ("Global active database cluster", "global-active-database"),
    ("Instance management", "instances"),
    ("Log management", "logs"),
    (
        "Manager Replication Solt on ApsaraDB RDS for PostgreSQL instance",
        "replication-slots",
    ),
    ("Migrate MySQL to the cloud", "mysql-migration"),
    ("Migrate SQL Server to the cloud", "sql-server-migration"),
    ("Monitoring management", "monitoring"),
    ("Network and Connection", "network"),
    ("Notification", "notifications"),
    ("Operation tasks", "operation-tasks"),
    ("Other APIs", "other"),
    ("Parameter management", "parameters"),
    (
        "Primary/Secondary High Availability and Data Replication",
        "high-availability",
    ),
    ("RDS Cluster Edition", "cluster-edition"),
    ("Read-Only Instances", "read-only-instances"),
    ("Restoration", "restoration"),
    (
        "SQL Server Active Directory (AD) domain",
        "sql-server-ad-domain",
    ),
    ("Security management", "security"),
    ("Shared proxy (phased-out)", "shared-proxy"),
    ("Tag management", "tags"),
    ("User secrets", "user-secrets"),
    ("Version upgrade", "version-upgrades"),
];

/// The group that sections without a title join.
const UNTITLED: &str = "other";

/// A family of operations that the documentation's sections do not
/// gather: mostly operations only the SDK metadata describes, recognised by
/// their names.
struct Family {
    /// The group's name.
    name: &'static str,
    /// What the group is for, written above its feature in `Cargo.toml`.
    description: &'static str,
    /// Whether an action name belongs to the family.
    matches: NameMatcher,
}

/// Whether an action name belongs to a family or a section.
type NameMatcher = fn(&str) -> bool;

/// Families that become groups of their own, over every operation of
/// either source (RDS Custom has operations in api-docs too).
const FAMILIES: &[Family] = &[
    Family {
        name: "rds-custom",
        description: "RDS Custom: instances and their lifecycle, disks, snapshots, images, deployment sets, node pools and clusters, key pairs, security groups and cloud assistant commands.",
        matches: |name| {
            name.contains("RdsCustom")
                || super::sdk_only::split_words(name).iter().any(|word| word == "RC")
        },
    },
    Family {
        name: "import-tasks",
        description: "Import tasks: create, validate, follow and change the tasks that import data into an instance.",
        matches: |name| name.contains("ImportTask"),
    },
    Family {
        name: "data-masking",
        description: "Data masking: masking rules and the accounts allowed to see unmasked data.",
        matches: |name| name.contains("Masking"),
    },
    Family {
        name: "instance-replication",
        description: "Replication links between instances: create, describe, update and delete them.",
        matches: |name| name.contains("DBInstanceReplication"),
    },
    Family {
        name: "timed-parameter-changes",
        description: "Timed parameter changes: the scheduled tasks that change parameters at a set time.",
        matches: |name| name.contains("ParameterTimedScheduleTask"),
    },
    Family {
        name: "backup-encryption",
        description: "Backup encryption: whether a region supports it, authorizing it and enabling it.",
        matches: |name| name.contains("BackupEncryption"),
    },
];

/// Documentation sections that operations only the SDK metadata describes
/// belong to, by name; the section's group gains them.
const SECTIONS_OF_SDK_ONLY: &[(&str, NameMatcher)] = &[
    ("security", |name| name.ends_with("DBInstanceCLS")),
    ("high-availability", |name| {
        name == "DescribeDBInstanceSwitchLog"
    }),
    ("version-upgrades", |name| {
        name == "DescribeSQLServerUpgradeVersions"
    }),
    ("operation-tasks", |name| {
        name == "DescribeActiveOperationMaintainConf"
    }),
    ("network", |name| {
        matches!(name, "DescribeVSwitchList" | "DescribeVpcs")
    }),
    ("instances", |name| {
        matches!(
            name,
            "ModifyDBInstance" | "ModifyDBInstanceVectorSupportStatus" | "PrecheckDuckDBDependency"
        )
    }),
];

/// The group name of a section title: the listed one, else the title in
/// kebab-case (letters and digits, words joined by dashes).
pub fn group_name(title: &str) -> String {
    if let Some((_, name)) = NAMES.iter().find(|(listed, _)| *listed == title) {
        return (*name).to_owned();
    }
    let words: Vec<String> = title
        .split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let name = words.join("-");
    if name.starts_with(|first: char| first.is_ascii_lowercase()) {
        name
    } else {
        format!("section-{name}")
    }
}

/// The groups of a table of contents, sorted by name, each listing its
/// operations sorted and once. Only operations in `known` are kept.
pub fn derive_groups(
    entries: &[DirectoryEntry],
    known: &dyn Fn(&str) -> bool,
) -> Vec<FeatureGroup> {
    let mut groups: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for entry in entries {
        if let DirectoryEntry::Directory(directory) = entry {
            collect(directory, &mut groups);
        }
    }
    groups
        .into_iter()
        .filter_map(|(name, (title, mut operations))| {
            operations.retain(|operation| known(operation));
            operations.sort();
            operations.dedup();
            (!operations.is_empty()).then(|| FeatureGroup {
                description: format!("The operations of the documentation's section \"{title}\"."),
                name,
                operations,
            })
        })
        .collect()
}

/// Adds a section's operations (its subsections' included) to its group,
/// registers its subsections' groups, and returns the operations.
fn collect(
    directory: &Directory,
    groups: &mut BTreeMap<String, (String, Vec<String>)>,
) -> Vec<String> {
    let mut operations = Vec::new();
    for entry in &directory.children {
        match entry {
            DirectoryEntry::Operation(operation) => operations.push(operation.clone()),
            DirectoryEntry::Directory(child) => operations.extend(collect(child, groups)),
        }
    }
    let (name, title) = match directory.title.as_deref() {
        Some(title) if !title.trim().is_empty() => (group_name(title), title.to_owned()),
        _ => (UNTITLED.to_owned(), "Other APIs".to_owned()),
    };
    groups
        .entry(name)
        .or_insert_with(|| (title, Vec::new()))
        .1
        .extend(operations.iter().cloned());
    operations
}

/// Adds the families' groups to `groups` (derived from the documentation's
/// sections), the operations only the SDK metadata describes (`sdk_only`)
/// to the sections they belong to, and those that still have no group to
/// `other`. `all` is every operation. Groups stay sorted by name, each
/// listing its operations sorted and once.
pub fn add_families(groups: &mut Vec<FeatureGroup>, all: &[&str], sdk_only: &[&str]) {
    let mut by_name: BTreeMap<String, FeatureGroup> = groups
        .drain(..)
        .map(|group| (group.name.clone(), group))
        .collect();
    let mut add = |group: &str, description: &str, operation: &str| {
        by_name
            .entry(group.to_owned())
            .or_insert_with(|| FeatureGroup {
                name: group.to_owned(),
                description: description.to_owned(),
                operations: Vec::new(),
            })
            .operations
            .push(operation.to_owned());
    };
    for family in FAMILIES {
        for operation in all.iter().filter(|operation| (family.matches)(operation)) {
            add(family.name, family.description, operation);
        }
    }
    for operation in sdk_only {
        let mut placed = FAMILIES.iter().any(|family| (family.matches)(operation));
        for (section, matches) in SECTIONS_OF_SDK_ONLY {
            if matches(operation) {
                let description =
                    format!("The operations of the documentation's section {section:?}.");
                add(section, &description, operation);
                placed = true;
            }
        }
        if !placed {
            add(
                UNTITLED,
                "The operations of the documentation's section \"Other APIs\".",
                operation,
            );
        }
    }
    for group in by_name.values_mut() {
        group.operations.sort();
        group.operations.dedup();
    }
    groups.extend(by_name.into_values());
}

/// The product's groups after an import: the derived ones, plus every
/// existing group the documentation does not define (such as
/// `cloud-migration`, written by hand), sorted by name.
pub fn merge_groups(existing: &[FeatureGroup], derived: Vec<FeatureGroup>) -> Vec<FeatureGroup> {
    let mut merged: BTreeMap<String, FeatureGroup> = existing
        .iter()
        .map(|group| (group.name.clone(), group.clone()))
        .collect();
    for group in derived {
        merged.insert(group.name.clone(), group);
    }
    merged.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(title: Option<&str>, children: Vec<DirectoryEntry>) -> DirectoryEntry {
        DirectoryEntry::Directory(Directory {
            title: title.map(str::to_owned),
            children,
        })
    }

    fn operation(name: &str) -> DirectoryEntry {
        DirectoryEntry::Operation(name.to_owned())
    }

    /// Each group's name and operations, for comparing with a literal.
    fn listing(groups: &[FeatureGroup]) -> Vec<(&str, Vec<&str>)> {
        groups
            .iter()
            .map(|group| {
                (
                    group.name.as_str(),
                    group.operations.iter().map(String::as_str).collect(),
                )
            })
            .collect()
    }

    #[test]
    fn sections_become_groups_with_their_subsections_operations() {
        let entries = vec![
            section(
                Some("Instance management"),
                vec![operation("CreateDBInstance"), operation("Gone")],
            ),
            section(
                Some("Other APIs"),
                vec![
                    operation("MigrateConnectionToOtherZone"),
                    section(Some("User secrets"), vec![operation("CreateSecret")]),
                ],
            ),
            section(None, vec![operation("CreateReplicationLink")]),
            section(
                Some("Brand New Area (beta)"),
                vec![operation("CreateThing")],
            ),
        ];
        let groups = derive_groups(&entries, &|name: &str| name != "Gone");
        assert_eq!(
            listing(&groups),
            [
                ("brand-new-area-beta", vec!["CreateThing"]),
                ("instances", vec!["CreateDBInstance"]),
                (
                    "other",
                    vec![
                        "CreateReplicationLink",
                        "CreateSecret",
                        "MigrateConnectionToOtherZone"
                    ]
                ),
                ("user-secrets", vec!["CreateSecret"]),
            ]
        );
        assert!(groups[1].description.contains("\"Instance management\""));
    }

    #[test]
    fn hand_written_groups_are_kept_and_derived_ones_replaced() {
        let hand_written = FeatureGroup {
            name: "cloud-migration".to_owned(),
            description: "The workflow.".to_owned(),
            operations: vec!["ActivateMigrationTargetInstance".to_owned()],
        };
        let stale = FeatureGroup {
            name: "instances".to_owned(),
            description: "old".to_owned(),
            operations: vec![],
        };
        let derived = FeatureGroup {
            name: "instances".to_owned(),
            description: "new".to_owned(),
            operations: vec!["CreateDBInstance".to_owned()],
        };
        let merged = merge_groups(&[hand_written.clone(), stale], vec![derived.clone()]);
        assert_eq!(merged, vec![hand_written, derived]);
    }

    #[test]
    fn families_gather_operations_by_name_and_sdk_only_ones_find_a_group() {
        let mut groups = vec![FeatureGroup {
            name: "security".to_owned(),
            description: "The operations of the documentation's section \"Security management\"."
                .to_owned(),
            operations: vec!["DescribeDBInstanceSSL".to_owned()],
        }];
        let all = [
            "DescribeRCDisks",
            "RunRCInstances",
            "DescribeDBInstanceSSL",
            "ModifyDBInstanceCLS",
            "CreateImportTask",
            "BrandNewThing",
        ];
        let sdk_only = [
            "RunRCInstances",
            "ModifyDBInstanceCLS",
            "CreateImportTask",
            "BrandNewThing",
        ];
        add_families(&mut groups, &all, &sdk_only);
        assert_eq!(
            listing(&groups),
            [
                ("import-tasks", vec!["CreateImportTask"]),
                ("other", vec!["BrandNewThing"]),
                ("rds-custom", vec!["DescribeRCDisks", "RunRCInstances"]),
                (
                    "security",
                    vec!["DescribeDBInstanceSSL", "ModifyDBInstanceCLS"]
                ),
            ]
        );
    }
}
