//! Instance settings: SSL, TDE, deletion protection, the maintenance
//! window, high availability, and the smaller settings that one operation
//! changes and another reports (the SQL collector, the monitoring period,
//! auto-renewal, cross-region backup, ...).
//!
//! SSL, TDE, deletion protection and the maintenance window have fields of
//! their own because other operations depend on them (deletion protection
//! refuses `DeleteDBInstance`, TDE cannot be turned off). The smaller
//! settings are kept by their request parameter's name in
//! [`Settings::values`], with the defaults of [`SETTING_DEFAULTS`]; the
//! operations layer says which operation changes and which reports each.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::refusal::{self, Refusal};

/// The maintenance window of a new instance.
pub(crate) const DEFAULT_MAINTAIN_TIME: &str = "18:00Z-22:00Z";

/// The smaller settings and their defaults, by request parameter name.
pub(crate) const SETTING_DEFAULTS: &[(&str, &str)] = &[
    ("AutoRenew", "False"),
    ("AutoUpgradeMinorVersion", "Auto"),
    ("BackupEnabled", "Disable"),
    ("Collation", "Chinese_PRC_CI_AS"),
    ("ConfigValue", "30"),
    ("CrossBackupRegion", ""),
    ("CrossBackupType", "1"),
    ("Duration", "1"),
    ("HAConfig", "Auto"),
    ("HAMode", "RPO"),
    ("LogBackupEnabled", "Disable"),
    ("ManualHATime", ""),
    ("Period", "300"),
    ("ReadSQLReplicationTime", "0"),
    ("RetentType", "1"),
    ("Retention", "7"),
    ("SQLCollectorStatus", "Disable"),
    ("SyncMode", "Semi-sync"),
    ("TcpConnectionType", "SHORT"),
    ("Timezone", "China Standard Time"),
];

/// SSL of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Ssl {
    pub(crate) enabled: bool,
    /// The endpoint the certificate is for.
    pub(crate) connection_string: String,
    /// `aliyun` (a cloud certificate) or `custom`.
    pub(crate) ca_type: String,
    pub(crate) tls_version: String,
    pub(crate) force_encryption: String,
    pub(crate) acl: String,
    /// Unix seconds.
    pub(crate) created: i64,
    /// Unix seconds.
    pub(crate) expires: i64,
}

/// Transparent data encryption of an instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tde {
    pub(crate) enabled: bool,
    /// `Aliyun_Generate_Key` or `User_Generate_Key`.
    pub(crate) mode: String,
    pub(crate) key: String,
    /// SQL Server encrypts chosen databases.
    pub(crate) databases: Vec<String>,
}

/// The settings of one instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Settings {
    pub(crate) ssl: Ssl,
    pub(crate) tde: Tde,
    pub(crate) deletion_protection: bool,
    /// `HH:mmZ-HH:mmZ`.
    pub(crate) maintain_time: String,
    pub(crate) resource_group_id: String,
    /// The smaller settings, by request parameter name.
    pub(crate) values: BTreeMap<String, String>,
}

impl Settings {
    pub(crate) fn new(deletion_protection: bool, resource_group_id: String) -> Settings {
        Settings {
            ssl: Ssl {
                enabled: false,
                connection_string: String::new(),
                ca_type: "aliyun".to_owned(),
                tls_version: "1.2".to_owned(),
                force_encryption: "0".to_owned(),
                acl: "prefer".to_owned(),
                created: 0,
                expires: 0,
            },
            tde: Tde {
                enabled: false,
                mode: String::new(),
                key: String::new(),
                databases: Vec::new(),
            },
            deletion_protection,
            maintain_time: DEFAULT_MAINTAIN_TIME.to_owned(),
            resource_group_id,
            values: BTreeMap::new(),
        }
    }

    /// A smaller setting's value (its default when never set).
    pub(crate) fn value(&self, name: &str) -> String {
        self.values.get(name).cloned().unwrap_or_else(|| {
            SETTING_DEFAULTS
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, default)| (*default).to_owned())
                .unwrap_or_default()
        })
    }
}

/// Checks a maintenance window: `HH:mmZ-HH:mmZ`, whole hours, start and end
/// different.
pub(crate) fn check_maintain_time(text: &str) -> Result<(), Refusal> {
    let hour = |part: &str| -> Option<u32> {
        let (hours, minutes) = part.strip_suffix('Z')?.split_once(':')?;
        let hours: u32 = hours.parse().ok().filter(|hours| *hours < 24)?;
        (minutes == "00" && part.len() == 6).then_some(hours)
    };
    let valid = text
        .split_once('-')
        .and_then(|(start, end)| Some((hour(start)?, hour(end)?)))
        .is_some_and(|(start, end)| start != end);
    if valid {
        Ok(())
    } else {
        Err(Refusal::new(
            refusal::MAINTAIN_TIME_INVALID,
            "MaintainTime is a UTC window of whole hours, such as 02:00Z-04:00Z.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_windows_are_whole_hours() {
        assert!(check_maintain_time("02:00Z-04:00Z").is_ok());
        assert!(check_maintain_time("22:00Z-02:00Z").is_ok());
        for bad in [
            "02:30Z-04:00Z",
            "02:00-04:00",
            "02:00Z-02:00Z",
            "25:00Z-01:00Z",
            "soon",
        ] {
            assert!(check_maintain_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn smaller_settings_have_defaults() {
        let mut settings = Settings::new(false, String::new());
        assert_eq!(settings.value("SQLCollectorStatus"), "Disable");
        settings
            .values
            .insert("SQLCollectorStatus".into(), "Enable".into());
        assert_eq!(settings.value("SQLCollectorStatus"), "Enable");
        assert_eq!(settings.value("Unknown"), "");
    }
}
