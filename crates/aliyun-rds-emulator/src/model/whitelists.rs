//! IP address whitelists: the named IP arrays of each instance
//! (`ModifySecurityIps`, `DescribeDBInstanceIPArrayList`) and the
//! account's whitelist templates, which instances link to.
//!
//! Entries are IPv4 or IPv6 addresses or CIDR blocks, each at most once in
//! a group; an instance holds at most [`MAX_ENTRIES`] entries and
//! [`MAX_GROUPS`] groups, as documented.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::refusal::{self, Refusal};

/// The most entries an instance's whitelists hold together.
pub(crate) const MAX_ENTRIES: usize = 1000;
/// The most groups an instance has.
pub(crate) const MAX_GROUPS: usize = 200;
/// The group `ModifySecurityIps` changes when it names none.
pub(crate) const DEFAULT_GROUP: &str = "default";

/// One named IP array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IpArray {
    pub(crate) name: String,
    /// `hidden` or empty.
    pub(crate) attribute: String,
    /// `IPv4` or `IPv6`.
    pub(crate) ip_type: String,
    /// `MIX`, `VPC` or `Classic`.
    pub(crate) network_type: String,
    pub(crate) entries: Vec<String>,
}

/// An instance's whitelists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Whitelist {
    pub(crate) groups: Vec<IpArray>,
    /// `normal` (standard mode) or `safety` (enhanced mode).
    pub(crate) mode: String,
    /// The whitelist templates linked to the instance, by template ID.
    pub(crate) templates: Vec<i64>,
    /// ECS security groups bound to the instance.
    pub(crate) security_groups: Vec<String>,
}

/// How `ModifySecurityIps` changes a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ModifyMode {
    Cover,
    Append,
    Delete,
}

impl Whitelist {
    /// A whitelist whose default group holds `entries`.
    pub(crate) fn with_default(entries: Vec<String>) -> Whitelist {
        Whitelist {
            groups: vec![IpArray {
                name: DEFAULT_GROUP.to_owned(),
                attribute: String::new(),
                ip_type: "IPv4".to_owned(),
                network_type: "MIX".to_owned(),
                entries,
            }],
            mode: "normal".to_owned(),
            templates: Vec::new(),
            security_groups: Vec::new(),
        }
    }

    /// Every entry of every group, comma-separated, as `SecurityIPList`
    /// reports them.
    pub(crate) fn all_entries(&self) -> String {
        self.groups
            .iter()
            .flat_map(|group| group.entries.iter())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Changes (or creates) the group `name`.
    pub(crate) fn modify(
        &mut self,
        name: &str,
        entries: &[String],
        mode: ModifyMode,
        attribute: Option<&str>,
        network_type: Option<&str>,
    ) -> Result<(), Refusal> {
        let existing = self.groups.iter().position(|group| group.name == name);
        let current: Vec<String> = existing
            .map(|index| self.groups[index].entries.clone())
            .unwrap_or_default();
        let updated: Vec<String> = match mode {
            ModifyMode::Cover => entries.to_vec(),
            ModifyMode::Append => {
                let mut updated = current.clone();
                for entry in entries {
                    if !updated.contains(entry) {
                        updated.push(entry.clone());
                    }
                }
                updated
            }
            ModifyMode::Delete => current
                .iter()
                .filter(|entry| !entries.contains(entry))
                .cloned()
                .collect(),
        };
        let others: usize = self
            .groups
            .iter()
            .filter(|group| group.name != name)
            .map(|group| group.entries.len())
            .sum();
        if others + updated.len() > MAX_ENTRIES {
            return Err(Refusal::new(
                refusal::SECURITY_IPS_QUOTA,
                format!("An instance's whitelists hold at most {MAX_ENTRIES} entries; merge addresses into CIDR blocks."),
            ));
        }
        match existing {
            Some(index) => {
                let group = &mut self.groups[index];
                group.entries = updated;
                if let Some(attribute) = attribute {
                    group.attribute = attribute.to_owned();
                }
                if let Some(network_type) = network_type {
                    group.network_type = network_type.to_owned();
                }
            }
            None => {
                if self.groups.len() >= MAX_GROUPS {
                    return Err(Refusal::new(
                        refusal::SECURITY_IPS_QUOTA,
                        format!("An instance has at most {MAX_GROUPS} whitelist groups."),
                    ));
                }
                let ip_type = if updated.iter().any(|entry| entry.contains(':')) {
                    "IPv6"
                } else {
                    "IPv4"
                };
                self.groups.push(IpArray {
                    name: name.to_owned(),
                    attribute: attribute.unwrap_or_default().to_owned(),
                    ip_type: ip_type.to_owned(),
                    network_type: network_type.unwrap_or("MIX").to_owned(),
                    entries: updated,
                });
            }
        }
        Ok(())
    }
}

/// Reads a comma-separated list of whitelist entries: each an IPv4 or IPv6
/// address or CIDR block, none twice.
pub(crate) fn parse_entries(text: &str) -> Result<Vec<String>, Refusal> {
    let mut entries: Vec<String> = Vec::new();
    for entry in text
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
    {
        if !is_entry(entry) {
            return Err(Refusal::new(
                refusal::SECURITY_IPS_INVALID,
                format!("{entry} is not an IP address or CIDR block such as 10.23.1.0/24."),
            ));
        }
        if entries.iter().any(|known| known == entry) {
            return Err(Refusal::new(
                refusal::SECURITY_IPS_DUPLICATE,
                format!("{entry} is listed twice; each entry appears once."),
            ));
        }
        entries.push(entry.to_owned());
    }
    if entries.is_empty() {
        return Err(Refusal::new(
            refusal::SECURITY_IPS_INVALID,
            "List at least one IP address or CIDR block, separated by commas.",
        ));
    }
    if entries.len() > MAX_ENTRIES {
        return Err(Refusal::new(
            refusal::SECURITY_IPS_QUOTA,
            format!("A whitelist holds at most {MAX_ENTRIES} entries."),
        ));
    }
    Ok(entries)
}

/// An address, or an address and a prefix length that fits it.
fn is_entry(entry: &str) -> bool {
    let (address, prefix) = match entry.split_once('/') {
        Some((address, prefix)) => (address, Some(prefix)),
        None => (entry, None),
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return false;
    };
    let longest = if address.is_ipv4() { 32 } else { 128 };
    prefix.is_none_or(|prefix| prefix.parse::<u8>().is_ok_and(|length| length <= longest))
}

/// One whitelist template of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Template {
    /// The row ID (`Id`).
    pub(crate) id: i64,
    /// The template ID (`TemplateId`) requests name it by.
    pub(crate) template_id: i64,
    pub(crate) name: String,
    pub(crate) entries: Vec<String>,
}

/// The account's whitelist templates.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct WhitelistTemplates {
    templates: Vec<Template>,
    last_id: i64,
}

impl WhitelistTemplates {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Template> {
        self.templates.iter()
    }

    /// The template, or `WhitelistTemplateId.NotFound`.
    pub(crate) fn find(&self, template_id: i64) -> Result<&Template, Refusal> {
        self.templates
            .iter()
            .find(|template| template.template_id == template_id)
            .ok_or_else(|| {
                Refusal::new(
                    refusal::TEMPLATE_NOT_FOUND,
                    format!("No whitelist template has ID {template_id}; DescribeAllWhitelistTemplate lists them."),
                )
            })
    }

    /// Creates a template (no `template_id`) or changes one.
    pub(crate) fn upsert(
        &mut self,
        template_id: Option<i64>,
        name: Option<&str>,
        entries: Vec<String>,
    ) -> Result<i64, Refusal> {
        let clash = |templates: &[Template], name: &str, except: Option<i64>| {
            templates
                .iter()
                .any(|template| template.name == name && Some(template.template_id) != except)
        };
        match template_id {
            Some(template_id) => {
                self.find(template_id)?;
                if let Some(name) = name {
                    if clash(&self.templates, name, Some(template_id)) {
                        return Err(duplicate_name(name));
                    }
                }
                if let Some(template) = self
                    .templates
                    .iter_mut()
                    .find(|template| template.template_id == template_id)
                {
                    template.entries = entries;
                    if let Some(name) = name {
                        template.name = name.to_owned();
                    }
                }
                Ok(template_id)
            }
            None => {
                let name = name
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("template_{}", self.last_id.saturating_add(1)));
                if clash(&self.templates, &name, None) {
                    return Err(duplicate_name(&name));
                }
                self.last_id = self.last_id.saturating_add(1);
                let template_id = 400 + self.last_id;
                self.templates.push(Template {
                    id: 1000 + self.last_id,
                    template_id,
                    name,
                    entries,
                });
                Ok(template_id)
            }
        }
    }
}

fn duplicate_name(name: &str) -> Refusal {
    Refusal::new(
        refusal::TEMPLATE_NAME_INVALID,
        format!("A whitelist template named {name} exists already."),
    )
}

impl super::Model {
    /// Every entry that lets clients in to the instance: its groups and
    /// the templates linked to it.
    pub(crate) fn effective_whitelist(&self, id: &str) -> Vec<String> {
        let Some(instance) = self.instances.get(id) else {
            return Vec::new();
        };
        let mut entries: Vec<String> = instance
            .whitelist
            .groups
            .iter()
            .flat_map(|group| group.entries.iter().cloned())
            .collect();
        for template_id in &instance.whitelist.templates {
            if let Ok(template) = self.whitelist_templates.find(*template_id) {
                for entry in &template.entries {
                    if !entries.contains(entry) {
                        entries.push(entry.clone());
                    }
                }
            }
        }
        entries
    }

    /// Tells the backend the instance's new whitelist, then keeps `updated`
    /// as the instance's whitelist.
    fn commit_whitelist(
        &mut self,
        id: &str,
        updated: Whitelist,
        templates: Option<&WhitelistTemplates>,
    ) -> Result<(), Refusal> {
        let previous = self.find(id)?.whitelist.clone();
        let previous_templates = self.whitelist_templates.clone();
        self.find_mut(id)?.whitelist = updated;
        if let Some(templates) = templates {
            self.whitelist_templates = templates.clone();
        }
        let entries = self.effective_whitelist(id);
        if let Err(refusal) = self.notify(
            id,
            crate::backend::InstanceChange::WhitelistChanged { entries },
        ) {
            self.find_mut(id)?.whitelist = previous;
            self.whitelist_templates = previous_templates;
            return Err(refusal);
        }
        Ok(())
    }

    /// `ModifySecurityIps` on a running instance.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn modify_security_ips(
        &mut self,
        id: &str,
        group: &str,
        entries: &[String],
        mode: ModifyMode,
        attribute: Option<&str>,
        network_type: Option<&str>,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        if self
            .whitelist_templates
            .iter()
            .any(|template| template.name == group)
        {
            return Err(Refusal::new(
                refusal::TEMPLATE_NAME_INVALID,
                format!("{group} is the name of a whitelist template; choose another group name."),
            ));
        }
        let mut updated = instance.whitelist.clone();
        updated.modify(group, entries, mode, attribute, network_type)?;
        self.commit_whitelist(id, updated, None)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"DBInstanceIPArrayName\":\"{group}\"}}"),
        );
        Ok(())
    }

    /// Links (`attach`) or unlinks a whitelist template and an instance.
    pub(crate) fn link_template(
        &mut self,
        id: &str,
        template_id: i64,
        attach: bool,
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        self.whitelist_templates.find(template_id)?;
        let instance = self.find(id)?;
        let mut updated = instance.whitelist.clone();
        let linked = updated.templates.contains(&template_id);
        if attach {
            if linked {
                return Err(Refusal::new(
                    refusal::TEMPLATE_ALREADY_ATTACHED,
                    format!("Template {template_id} is attached to {id} already."),
                ));
            }
            updated.templates.push(template_id);
        } else {
            updated.templates.retain(|known| *known != template_id);
        }
        self.commit_whitelist(id, updated, None)?;
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"TemplateId\":{template_id}}}"),
        );
        Ok(())
    }

    /// Creates or changes a template; instances linked to it get the new
    /// entries.
    pub(crate) fn upsert_template(
        &mut self,
        template_id: Option<i64>,
        name: Option<&str>,
        entries: Vec<String>,
    ) -> Result<i64, Refusal> {
        let mut templates = self.whitelist_templates.clone();
        let template_id = templates.upsert(template_id, name, entries)?;
        let linked: Vec<String> = self
            .instances
            .iter()
            .filter(|instance| instance.whitelist.templates.contains(&template_id))
            .map(|instance| instance.id.clone())
            .collect();
        let previous = std::mem::replace(&mut self.whitelist_templates, templates);
        for id in linked {
            let entries = self.effective_whitelist(&id);
            if let Err(refusal) = self.notify(
                &id,
                crate::backend::InstanceChange::WhitelistChanged { entries },
            ) {
                // A refusal leaves the model as it was.
                self.whitelist_templates = previous;
                return Err(refusal);
            }
        }
        Ok(template_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_addresses_or_blocks_listed_once() {
        assert_eq!(
            parse_entries("10.0.0.1, 192.168.0.0/16,2001:db8::/32").map(|e| e.len()),
            Ok(3)
        );
        for bad in [
            "",
            "10.0.0.256",
            "10.0.0.0/33",
            "example.com",
            "10.0.0.1,10.0.0.1",
        ] {
            assert!(parse_entries(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn groups_are_covered_appended_and_deleted() {
        let mut whitelist = Whitelist::with_default(vec!["127.0.0.1".into()]);
        let entries = |text: &str| parse_entries(text).expect("valid");
        whitelist
            .modify(
                DEFAULT_GROUP,
                &entries("10.0.0.1"),
                ModifyMode::Append,
                None,
                None,
            )
            .expect("append");
        assert_eq!(whitelist.all_entries(), "127.0.0.1,10.0.0.1");
        whitelist
            .modify(
                DEFAULT_GROUP,
                &entries("127.0.0.1"),
                ModifyMode::Delete,
                None,
                None,
            )
            .expect("delete");
        whitelist
            .modify(
                "app",
                &entries("10.1.0.0/16"),
                ModifyMode::Cover,
                Some("hidden"),
                None,
            )
            .expect("new group");
        assert_eq!(whitelist.all_entries(), "10.0.0.1,10.1.0.0/16");
        assert_eq!(whitelist.groups[1].attribute, "hidden");
    }

    #[test]
    fn templates_are_created_renamed_and_found() {
        let mut templates = WhitelistTemplates::default();
        let id = templates
            .upsert(None, Some("office"), vec!["10.0.0.0/8".into()])
            .expect("created");
        assert!(templates.upsert(None, Some("office"), Vec::new()).is_err());
        templates
            .upsert(Some(id), Some("hq"), vec!["10.1.0.0/16".into()])
            .expect("changed");
        assert_eq!(templates.find(id).map(|t| t.name.as_str()), Ok("hq"));
        assert!(templates.find(id + 1).is_err());
    }
}
