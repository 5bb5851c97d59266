//! Tags on instances, shared by the two families of tag operations
//! (`TagResources`, `UntagResources`, `ListTagResources`, and the older
//! `AddTagsToResource`, `RemoveTagsFromResource`, `DescribeTags`), and
//! filtering by them.
//!
//! A key has 1 to 128 characters and does not start with `aliyun` or
//! `acs:` (reserved for system tags); a value has at most 128 characters;
//! an instance has at most [`MAX_TAGS`] tags; a request names a key once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::refusal::{self, Refusal};

/// The most tags one instance has.
pub(crate) const MAX_TAGS: usize = 20;

/// The tags of one instance, by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tags(BTreeMap<String, String>);

impl Tags {
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_str()))
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the instance carries every `(key, value)` of `wanted`; an
    /// empty value matches any value of the key.
    pub(crate) fn matches(&self, wanted: &[(String, String)]) -> bool {
        wanted.iter().all(|(key, value)| {
            self.0
                .get(key)
                .is_some_and(|have| value.is_empty() || have == value)
        })
    }

    /// The tags after adding `new` (which replace values of keys already
    /// there), or the rule they break.
    pub(crate) fn with_added(&self, new: &[(String, String)]) -> Result<Tags, Refusal> {
        let mut tags = self.0.clone();
        for (key, value) in new {
            tags.insert(key.clone(), value.clone());
        }
        if tags.len() > MAX_TAGS {
            return Err(Refusal::new(
                refusal::TAG_QUOTA,
                format!("An instance has at most {MAX_TAGS} tags."),
            ));
        }
        Ok(Tags(tags))
    }

    /// Removes `keys` (absent ones are ignored, as on the service).
    pub(crate) fn remove(&mut self, keys: &[String]) {
        for key in keys {
            self.0.remove(key);
        }
    }

    /// Removes the tags whose key and value both match.
    pub(crate) fn remove_pairs(&mut self, pairs: &[(String, String)]) {
        for (key, value) in pairs {
            if self
                .0
                .get(key)
                .is_some_and(|have| value.is_empty() || have == value)
            {
                self.0.remove(key);
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }
}

/// Checks tags given in one request.
pub(crate) fn check(tags: &[(String, String)]) -> Result<(), Refusal> {
    for (index, (key, value)) in tags.iter().enumerate() {
        if key.is_empty() || key.chars().count() > 128 || value.chars().count() > 128 {
            return Err(Refusal::new(
                refusal::TAG_INVALID,
                "A tag key has 1 to 128 characters and a value at most 128.",
            ));
        }
        let lower = key.to_ascii_lowercase();
        if lower.starts_with("aliyun") || lower.starts_with("acs:") {
            return Err(Refusal::new(
                refusal::TAG_SYSTEM,
                format!("{key}: keys starting with aliyun or acs: are system tags."),
            ));
        }
        if tags[..index].iter().any(|(earlier, _)| earlier == key) {
            return Err(Refusal::new(
                refusal::TAG_DUPLICATE,
                format!("The key {key} is given twice."),
            ));
        }
    }
    Ok(())
}

impl super::Model {
    /// Adds tags to instances: every instance must exist, and each keeps
    /// within the quota, or none changes.
    pub(crate) fn add_tags(
        &mut self,
        ids: &[&str],
        not_found: &'static [&'static str],
        new: &[(String, String)],
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        check(new)?;
        let mut updated = Vec::new();
        for id in ids {
            let instance = self.instances.get(id).ok_or_else(|| {
                Refusal::new(
                    not_found,
                    format!(
                        "No instance has the ID {id}; DescribeDBInstances lists the instances."
                    ),
                )
            })?;
            updated.push((*id, instance.tags.with_added(new)?));
        }
        for (id, tags) in updated {
            if let Some(instance) = self.instances.get_mut(id) {
                instance.tags = tags;
            }
            self.record_event(
                action,
                id,
                now_millis,
                format!("{{\"Tags\":{}}}", new.len()),
            );
        }
        Ok(())
    }

    /// Changes the tags of instances that must all exist.
    pub(crate) fn change_tags(
        &mut self,
        ids: &[&str],
        not_found: &'static [&'static str],
        change: impl Fn(&mut Tags),
        action: &str,
        now_millis: i64,
    ) -> Result<(), Refusal> {
        if let Some(unknown) = ids.iter().find(|id| !self.instances.contains(id)) {
            return Err(Refusal::new(
                not_found,
                format!(
                    "No instance has the ID {unknown}; DescribeDBInstances lists the instances."
                ),
            ));
        }
        for id in ids {
            if let Some(instance) = self.instances.get_mut(id) {
                change(&mut instance.tags);
            }
            self.record_event(action, id, now_millis, "{}".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn tags_are_checked_added_and_matched() {
        assert!(check(&pairs(&[("team", "db"), ("env", "")])).is_ok());
        assert_eq!(
            check(&pairs(&[("aliyun:owner", "x")])).map_err(|r| r.codes[0]),
            Err("NoPermission.SystemTag")
        );
        assert!(check(&pairs(&[("a", "1"), ("a", "2")])).is_err());
        assert!(check(&pairs(&[("", "1")])).is_err());
        let tags = Tags::default()
            .with_added(&pairs(&[("team", "db"), ("env", "prod")]))
            .expect("added");
        assert!(tags.matches(&pairs(&[("team", "db")])));
        assert!(tags.matches(&pairs(&[("env", "")])));
        assert!(!tags.matches(&pairs(&[("team", "web")])));
        let many: Vec<(String, String)> =
            (0..21).map(|n| (format!("k{n}"), String::new())).collect();
        assert!(Tags::default().with_added(&many).is_err());
    }
}
