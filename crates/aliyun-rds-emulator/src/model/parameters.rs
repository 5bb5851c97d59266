//! Engine parameters: each instance's values (the engine's defaults, see
//! `engines`, plus what `ModifyParameter` changed), the log of changes, and
//! the account's parameter groups.
//!
//! A change to a parameter that needs a restart waits, as configured but
//! not running, until the instance restarts (`ModifyParameter` with
//! `Forcerestart=true` restarts it at once); other changes apply at once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::engines::EngineInfo;
use super::refusal::{self, Refusal};

/// How many changes each instance's log keeps.
pub(crate) const MAX_LOGGED_CHANGES: usize = 1000;

/// One logged change, as `DescribeModifyParameterLog` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ParameterChange {
    pub(crate) name: String,
    pub(crate) old_value: String,
    pub(crate) new_value: String,
    /// Unix seconds.
    pub(crate) time: i64,
    /// `Applied`, or `Syncing` while it waits for a restart.
    pub(crate) status: String,
}

/// The parameters of one instance.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Parameters {
    /// Running values that differ from the engine's defaults.
    pub(crate) running: BTreeMap<String, String>,
    /// Values configured that take effect at the next restart.
    pub(crate) awaiting_restart: BTreeMap<String, String>,
    pub(crate) log: Vec<ParameterChange>,
    /// The parameter group last applied, if any.
    pub(crate) group_id: Option<String>,
}

impl Parameters {
    /// The running value of `name` (its default when never changed).
    pub(crate) fn value(&self, engine: &EngineInfo, name: &str) -> Option<String> {
        let spec = engine.parameter(name)?;
        Some(
            self.running
                .get(spec.name)
                .cloned()
                .unwrap_or_else(|| spec.default.to_owned()),
        )
    }

    /// Applies checked `values`: those that need a restart wait for one
    /// unless `restarting`. Returns whether any waits.
    pub(crate) fn apply(
        &mut self,
        engine: &EngineInfo,
        values: &[(String, String)],
        restarting: bool,
        time: i64,
    ) -> bool {
        let mut waiting = false;
        for (name, value) in values {
            let Some(spec) = engine.parameter(name) else {
                continue;
            };
            let old_value = self.value(engine, spec.name).unwrap_or_default();
            let waits = spec.force_restart && !restarting;
            if waits {
                self.awaiting_restart
                    .insert(spec.name.to_owned(), value.clone());
                waiting = true;
            } else {
                self.awaiting_restart.remove(spec.name);
                self.running.insert(spec.name.to_owned(), value.clone());
            }
            if self.log.len() >= MAX_LOGGED_CHANGES {
                self.log.remove(0);
            }
            self.log.push(ParameterChange {
                name: spec.name.to_owned(),
                old_value,
                new_value: value.clone(),
                time,
                status: if waits { "Syncing" } else { "Applied" }.to_owned(),
            });
        }
        waiting
    }

    /// The instance restarted: values that waited for it now run.
    pub(crate) fn restarted(&mut self) {
        let waiting = std::mem::take(&mut self.awaiting_restart);
        for (name, value) in waiting {
            if let Some(change) = self
                .log
                .iter_mut()
                .rev()
                .find(|change| change.name == name && change.status == "Syncing")
            {
                change.status = "Applied".to_owned();
            }
            self.running.insert(name, value);
        }
    }
}

/// Reads `Parameters`, a JSON object of parameter names and string values,
/// and checks every one against the engine.
pub(crate) fn parse_values(
    engine: &EngineInfo,
    json: &str,
) -> Result<Vec<(String, String)>, Refusal> {
    let malformed = || {
        Refusal::new(
            refusal::PARAMETER_VALUE_INVALID,
            "Parameters must be a JSON object of parameter names and string values, such as {\"max_connections\":\"800\"}.",
        )
    };
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(json).map_err(|_| malformed())?;
    let mut values = Vec::new();
    for (name, value) in object {
        let value = match value {
            serde_json::Value::String(text) => text,
            serde_json::Value::Number(number) => number.to_string(),
            serde_json::Value::Bool(flag) => flag.to_string(),
            _ => return Err(malformed()),
        };
        values.push(check_value(engine, &name, &value)?);
    }
    Ok(values)
}

/// One parameter: known to the engine and a value it accepts.
pub(crate) fn check_value(
    engine: &EngineInfo,
    name: &str,
    value: &str,
) -> Result<(String, String), Refusal> {
    let spec = engine.parameter(name).ok_or_else(|| {
        Refusal::new(
            refusal::PARAMETER_NOT_FOUND,
            format!(
                "{} has no parameter {name}; DescribeParameterTemplates lists its parameters.",
                engine.name
            ),
        )
    })?;
    if !spec.accepts(value) {
        return Err(Refusal::new(
            refusal::PARAMETER_VALUE_INVALID,
            format!("{} accepts {}, not {value}.", spec.name, spec.checking_code),
        ));
    }
    Ok((spec.name.to_owned(), value.to_owned()))
}

/// One parameter group of the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ParameterGroup {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) engine: String,
    pub(crate) engine_version: String,
    pub(crate) region_id: String,
    pub(crate) values: BTreeMap<String, String>,
    /// Unix seconds.
    pub(crate) created: i64,
    /// Unix seconds.
    pub(crate) updated: i64,
}

impl ParameterGroup {
    /// Whether any of its parameters needs a restart.
    pub(crate) fn force_restart(&self, engine: &EngineInfo) -> bool {
        self.values
            .keys()
            .filter_map(|name| engine.parameter(name))
            .any(|spec| spec.force_restart)
    }
}

/// The account's parameter groups, in creation order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ParameterGroups(Vec<ParameterGroup>);

impl ParameterGroups {
    pub(crate) fn iter(&self) -> impl Iterator<Item = &ParameterGroup> {
        self.0.iter()
    }

    /// The group with `id`, or `ParamGroupsNotExist`.
    pub(crate) fn find(&self, id: &str) -> Result<&ParameterGroup, Refusal> {
        self.0
            .iter()
            .find(|group| group.id == id)
            .ok_or_else(|| not_found(id))
    }

    pub(crate) fn find_mut(&mut self, id: &str) -> Result<&mut ParameterGroup, Refusal> {
        self.0
            .iter_mut()
            .find(|group| group.id == id)
            .ok_or_else(|| not_found(id))
    }

    pub(crate) fn add(&mut self, group: ParameterGroup) {
        self.0.push(group);
    }

    pub(crate) fn remove(&mut self, id: &str) -> Result<ParameterGroup, Refusal> {
        let position = self
            .0
            .iter()
            .position(|group| group.id == id)
            .ok_or_else(|| not_found(id))?;
        Ok(self.0.remove(position))
    }
}

fn not_found(id: &str) -> Refusal {
    Refusal::new(
        refusal::PARAMETER_GROUP_NOT_FOUND,
        format!("No parameter group has ID {id}; DescribeParameterGroups lists them."),
    )
}

/// A parameter group's name: 8 to 64 letters, digits, periods and
/// underscores, starting with a letter; its description at most 200
/// characters.
pub(crate) fn check_group_name(name: &str, description: &str) -> Result<(), Refusal> {
    let length = name.chars().count();
    let valid = (8..=64).contains(&length)
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_');
    if !valid || description.chars().count() > 200 {
        return Err(Refusal::new(
            refusal::PARAMETER_GROUP_NAME_INVALID,
            "A parameter group name has 8 to 64 letters, digits, periods and underscores, starting with a letter; its description at most 200 characters.",
        ));
    }
    Ok(())
}

impl super::Model {
    /// `ModifyParameter`: checked values take effect at once, or at the
    /// next restart for those that need one; with `force_restart` the
    /// instance restarts now when any does. Returns whether it restarts.
    pub(crate) fn modify_parameters(
        &mut self,
        id: &str,
        values: &[(String, String)],
        group_id: Option<&str>,
        force_restart: bool,
        action: &str,
        now_millis: i64,
    ) -> Result<bool, Refusal> {
        let instance = self.find(id)?;
        super::status::require_running(&instance.status)?;
        let engine = super::engines::engine_or_default(&instance.engine);
        let needs_restart = values
            .iter()
            .filter_map(|(name, _)| engine.parameter(name))
            .any(|spec| spec.force_restart);
        let restart = force_restart && needs_restart;
        self.notify(
            id,
            crate::backend::InstanceChange::ParametersChanged {
                values: values.to_vec(),
                restart,
            },
        )?;
        let instance = self.find_mut(id)?;
        instance
            .parameters
            .apply(engine, values, false, now_millis / 1000);
        if let Some(group_id) = group_id {
            instance.parameters.group_id = Some(group_id.to_owned());
        }
        self.record_event(
            action,
            id,
            now_millis,
            format!("{{\"Parameters\":{}}}", values.len()),
        );
        if restart {
            self.begin_change(
                id,
                "Restarting",
                super::status::Next::running(),
                action,
                true,
                now_millis,
            );
        }
        Ok(restart)
    }
}

#[cfg(test)]
mod tests {
    use super::super::engines::engine;
    use super::*;

    #[test]
    fn values_are_checked_against_the_engine() {
        let postgresql = engine("PostgreSQL").expect("known");
        assert_eq!(
            parse_values(postgresql, r#"{"work_mem":"8192"}"#),
            Ok(vec![("work_mem".to_owned(), "8192".to_owned())])
        );
        let unknown = parse_values(postgresql, r#"{"no_such":"1"}"#).map_err(|r| r.codes[0]);
        assert_eq!(unknown, Err("ParamNotExist"));
        assert!(parse_values(postgresql, r#"{"work_mem":"1"}"#).is_err());
        assert!(parse_values(postgresql, "not json").is_err());
    }

    #[test]
    fn restart_parameters_wait_for_a_restart() {
        let postgresql = engine("PostgreSQL").expect("known");
        let mut parameters = Parameters::default();
        let values = parse_values(postgresql, r#"{"max_connections":"800","work_mem":"8192"}"#)
            .expect("valid");
        assert!(parameters.apply(postgresql, &values, false, 1));
        assert_eq!(
            parameters.value(postgresql, "max_connections").as_deref(),
            Some("400")
        );
        assert_eq!(
            parameters.value(postgresql, "work_mem").as_deref(),
            Some("8192")
        );
        parameters.restarted();
        assert_eq!(
            parameters.value(postgresql, "max_connections").as_deref(),
            Some("800")
        );
        assert!(parameters
            .log
            .iter()
            .all(|change| change.status == "Applied"));
    }
}
