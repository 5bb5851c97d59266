//! The RDS operations the emulator models, as a dispatch table from action
//! name to handler, and what every handler shares.
//!
//! Every handler has the same shape: it reads its parameters from an
//! [`OperationRequest`], reads and changes the [`Model`] (the server holds
//! the model's lock for the whole call, so a handler sees and leaves a
//! consistent state), and returns either the JSON fields of its answer
//! (the server adds `RequestId`) or an [`ApiError`]. Handlers are grouped
//! by family, one module each; adding an operation is a function in its
//! family's module and one entry in [`OPERATIONS`].
//!
//! When the emulator was given the operations' metadata, a handler's
//! refusals take the operation's own documented code, status and message
//! (`errors`), and its answer takes the shape of the documented example
//! with the model's values in it (`answer`). Operations without a handler
//! are answered from their documentation (`documented`), after the
//! instance they name is checked (`checked`).

mod accounts;
pub(crate) mod answer;
mod backups;
pub(crate) mod checked;
mod cloud_migration;
mod databases;
mod describe_regions;
pub(crate) mod documented;
mod documented_errors;
mod endpoints;
pub(crate) mod errors;
mod events;
mod instances;
mod paging;
mod parameters;
mod settings;
mod tags;
mod whitelists;

use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::model::instances::Instance;
use crate::model::refusal::Refusal;
use crate::model::Model;
use crate::request::ParsedRequest;

/// The fields of a successful answer, without `RequestId`.
pub(crate) type OperationOutput = Map<String, Value>;

/// An operation handler.
pub(crate) type Handler =
    fn(&mut Model, &OperationRequest<'_>) -> Result<OperationOutput, ApiError>;

/// Every modelled operation, by action name, sorted (a test checks it).
pub(crate) const OPERATIONS: &[(&str, Handler)] = &[
    (
        "ActivateMigrationTargetInstance",
        cloud_migration::activate_migration_target_instance::handle,
    ),
    ("AddTagsToResource", tags::add_tags_to_resource),
    (
        "AllocateInstancePublicConnection",
        endpoints::allocate_instance_public_connection,
    ),
    (
        "AllocateReadWriteSplittingConnection",
        endpoints::allocate_read_write_splitting_connection,
    ),
    (
        "AttachWhitelistTemplateToInstance",
        whitelists::attach_whitelist_template_to_instance,
    ),
    (
        "CheckAccountNameAvailable",
        accounts::check_account_name_available,
    ),
    (
        "CheckCloudResourceAuthorized",
        cloud_migration::check_cloud_resource_authorized::handle,
    ),
    ("CheckDBNameAvailable", databases::check_db_name_available),
    (
        "CheckInstanceExist",
        instances::listing::check_instance_exist,
    ),
    ("CloneDBInstance", instances::lifecycle::clone_db_instance),
    ("CloneParameterGroup", parameters::clone_parameter_group),
    ("CreateAccount", accounts::create_account),
    ("CreateBackup", backups::create_backup),
    (
        "CreateCloudMigrationPrecheckTask",
        cloud_migration::create_cloud_migration_precheck_task::handle,
    ),
    (
        "CreateCloudMigrationTask",
        cloud_migration::create_cloud_migration_task::handle,
    ),
    ("CreateDBInstance", instances::lifecycle::create_db_instance),
    ("CreateDatabase", databases::create_database),
    ("CreateParameterGroup", parameters::create_parameter_group),
    (
        "CreatePostgresExtensions",
        databases::create_postgres_extensions,
    ),
    (
        "CreateReadOnlyDBInstance",
        instances::lifecycle::create_read_only_db_instance,
    ),
    (
        "CreateTempDBInstance",
        instances::lifecycle::create_temp_db_instance,
    ),
    ("DeleteAccount", accounts::delete_account),
    ("DeleteBackup", backups::delete_backup),
    ("DeleteDBInstance", instances::lifecycle::delete_db_instance),
    ("DeleteDatabase", databases::delete_database),
    ("DeleteParameterGroup", parameters::delete_parameter_group),
    (
        "DeletePostgresExtensions",
        databases::delete_postgres_extensions,
    ),
    ("DescribeAccounts", accounts::describe_accounts),
    (
        "DescribeActionEventPolicy",
        settings::describe_action_event_policy,
    ),
    (
        "DescribeAllWhitelistTemplate",
        whitelists::describe_all_whitelist_template,
    ),
    ("DescribeBackupPolicy", backups::describe_backup_policy),
    ("DescribeBackupTasks", backups::describe_backup_tasks),
    ("DescribeBackups", backups::describe_backups),
    (
        "DescribeCloudMigrationPrecheckResult",
        cloud_migration::describe_cloud_migration_precheck_result::handle,
    ),
    (
        "DescribeCloudMigrationResult",
        cloud_migration::describe_cloud_migration_result::handle,
    ),
    (
        "DescribeDBInstanceAttribute",
        instances::describe_db_instance_attribute::handle,
    ),
    (
        "DescribeDBInstanceByTags",
        tags::describe_db_instance_by_tags,
    ),
    ("DescribeDBInstanceHAConfig", settings::describe_setting),
    (
        "DescribeDBInstanceIPArrayList",
        whitelists::describe_db_instance_ip_array_list,
    ),
    ("DescribeDBInstanceMonitor", settings::describe_setting),
    (
        "DescribeDBInstanceNetInfo",
        endpoints::describe_db_instance_net_info,
    ),
    ("DescribeDBInstanceSSL", settings::describe_db_instance_ssl),
    ("DescribeDBInstanceTDE", settings::describe_db_instance_tde),
    (
        "DescribeDBInstances",
        instances::describe_db_instances::handle,
    ),
    (
        "DescribeDBInstancesAsCsv",
        instances::listing::describe_db_instances_as_csv,
    ),
    (
        "DescribeDBInstancesByExpireTime",
        instances::listing::describe_db_instances_by_expire_time,
    ),
    ("DescribeDatabases", databases::describe_databases),
    ("DescribeEvents", events::describe_events),
    ("DescribeHADiagnoseConfig", settings::describe_setting),
    ("DescribeHASwitchConfig", settings::describe_setting),
    ("DescribeHistoryTasks", events::describe_history_tasks),
    (
        "DescribeHistoryTasksStat",
        events::describe_history_tasks_stat,
    ),
    (
        "DescribeInstanceAutoRenewalAttribute",
        settings::describe_instance_auto_renewal_attribute,
    ),
    (
        "DescribeInstanceCrossBackupPolicy",
        settings::describe_setting,
    ),
    (
        "DescribeInstanceLinkedWhitelistTemplate",
        whitelists::describe_instance_linked_whitelist_template,
    ),
    (
        "DescribeModifyParameterLog",
        parameters::describe_modify_parameter_log,
    ),
    (
        "DescribeParameterGroup",
        parameters::describe_parameter_group,
    ),
    (
        "DescribeParameterGroups",
        parameters::describe_parameter_groups,
    ),
    (
        "DescribeParameterTemplates",
        parameters::describe_parameter_templates,
    ),
    ("DescribeParameters", parameters::describe_parameters),
    (
        "DescribePostgresExtensions",
        databases::describe_postgres_extensions,
    ),
    ("DescribeRegions", describe_regions::handle),
    ("DescribeSQLCollectorPolicy", settings::describe_setting),
    ("DescribeSQLCollectorRetention", settings::describe_setting),
    (
        "DescribeSecurityGroupConfiguration",
        whitelists::describe_security_group_configuration,
    ),
    ("DescribeTags", tags::describe_tags),
    ("DescribeTasks", events::describe_tasks),
    (
        "DescribeWhitelistTemplate",
        whitelists::describe_whitelist_template,
    ),
    (
        "DescribeWhitelistTemplateLinkedInstance",
        whitelists::describe_whitelist_template_linked_instance,
    ),
    (
        "DetachWhitelistTemplateToInstance",
        whitelists::detach_whitelist_template_to_instance,
    ),
    ("GrantAccountPrivilege", accounts::grant_account_privilege),
    ("ListTagResources", tags::list_tag_resources),
    ("LockAccount", accounts::lock_account),
    (
        "MigrateSecurityIPMode",
        whitelists::migrate_security_ip_mode,
    ),
    (
        "MigrateToOtherZone",
        instances::changes::migrate_to_other_zone,
    ),
    (
        "ModifyAccountCheckPolicy",
        accounts::modify_account_check_policy,
    ),
    (
        "ModifyAccountDescription",
        accounts::modify_account_description,
    ),
    (
        "ModifyActionEventPolicy",
        settings::modify_action_event_policy,
    ),
    ("ModifyBackupPolicy", backups::modify_backup_policy),
    (
        "ModifyBackupSetExpireTime",
        backups::modify_backup_set_expire_time,
    ),
    (
        "ModifyCollationTimeZone",
        settings::modify_collation_time_zone,
    ),
    ("ModifyDBDescription", databases::modify_db_description),
    (
        "ModifyDBInstanceAutoUpgradeMinorVersion",
        settings::modify_db_instance_auto_upgrade_minor_version,
    ),
    (
        "ModifyDBInstanceConnectionString",
        endpoints::modify_db_instance_connection_string,
    ),
    (
        "ModifyDBInstanceDelayedReplicationTime",
        settings::modify_replication_delay,
    ),
    (
        "ModifyDBInstanceDeletionProtection",
        settings::modify_db_instance_deletion_protection,
    ),
    (
        "ModifyDBInstanceDescription",
        settings::modify_db_instance_description,
    ),
    ("ModifyDBInstanceHAConfig", settings::modify_setting),
    (
        "ModifyDBInstanceMaintainTime",
        settings::modify_db_instance_maintain_time,
    ),
    ("ModifyDBInstanceMonitor", settings::modify_setting),
    (
        "ModifyDBInstancePayType",
        instances::changes::modify_db_instance_pay_type,
    ),
    ("ModifyDBInstanceSSL", settings::modify_db_instance_ssl),
    (
        "ModifyDBInstanceSpec",
        instances::lifecycle::modify_db_instance_spec,
    ),
    ("ModifyDBInstanceTDE", settings::modify_db_instance_tde),
    ("ModifyHADiagnoseConfig", settings::modify_setting),
    ("ModifyHASwitchConfig", settings::modify_setting),
    (
        "ModifyInstanceAutoRenewalAttribute",
        settings::modify_instance_auto_renewal_attribute,
    ),
    ("ModifyInstanceCrossBackupPolicy", settings::modify_setting),
    ("ModifyParameter", parameters::modify_parameter),
    ("ModifyParameterGroup", parameters::modify_parameter_group),
    (
        "ModifyReadonlyInstanceDelayReplicationTime",
        settings::modify_replication_delay,
    ),
    ("ModifyResourceGroup", settings::modify_resource_group),
    ("ModifySQLCollectorPolicy", settings::modify_setting),
    ("ModifySQLCollectorRetention", settings::modify_setting),
    (
        "ModifySecurityGroupConfiguration",
        whitelists::modify_security_group_configuration,
    ),
    ("ModifySecurityIps", whitelists::modify_security_ips),
    (
        "ModifyWhitelistTemplate",
        whitelists::modify_whitelist_template,
    ),
    (
        "ReleaseInstancePublicConnection",
        endpoints::release_instance_public_connection,
    ),
    (
        "ReleaseReadWriteSplittingConnection",
        endpoints::release_read_write_splitting_connection,
    ),
    ("RemoveTagsFromResource", tags::remove_tags_from_resource),
    ("RenewInstance", instances::changes::renew_instance),
    ("ResetAccount", accounts::reset_account_password),
    ("ResetAccountPassword", accounts::reset_account_password),
    (
        "RestartDBInstance",
        instances::lifecycle::restart_db_instance,
    ),
    ("RevokeAccountPrivilege", accounts::revoke_account_privilege),
    ("StartDBInstance", instances::lifecycle::start_db_instance),
    ("StopDBInstance", instances::lifecycle::stop_db_instance),
    (
        "SwitchDBInstanceHA",
        instances::changes::switch_db_instance_ha,
    ),
    ("TagResources", tags::tag_resources),
    (
        "TransformDBInstancePayType",
        instances::changes::transform_db_instance_pay_type,
    ),
    ("UnlockAccount", accounts::unlock_account),
    ("UntagResources", tags::untag_resources),
    (
        "UpdatePostgresExtensions",
        databases::update_postgres_extensions,
    ),
    (
        "UpgradeDBInstanceEngineVersion",
        instances::changes::upgrade_db_instance_engine_version,
    ),
    (
        "UpgradeDBInstanceKernelVersion",
        instances::changes::upgrade_db_instance_kernel_version,
    ),
];

/// The handler of `action`, if the emulator models it.
pub(crate) fn find(action: &str) -> Option<Handler> {
    OPERATIONS
        .binary_search_by(|(name, _)| (*name).cmp(action))
        .ok()
        .map(|index| OPERATIONS[index].1)
}

/// The parameters of an authenticated request, the operation's metadata
/// when the emulator has it, and the emulator's time when it arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OperationRequest<'a> {
    request: &'a ParsedRequest,
    action: &'a str,
    documented: Option<&'a documented::Documented>,
    now_millis: i64,
}

impl<'a> OperationRequest<'a> {
    pub(crate) fn new(
        request: &'a ParsedRequest,
        action: &'a str,
        documented: Option<&'a documented::Documented>,
        now_millis: i64,
    ) -> Self {
        OperationRequest {
            request,
            action,
            documented,
            now_millis,
        }
    }

    /// The action name.
    pub(crate) fn action(&self) -> &'a str {
        self.action
    }

    /// An optional parameter; an empty value counts as absent.
    pub(crate) fn optional(&self, name: &str) -> Option<&'a str> {
        self.request.parameter(name)
    }

    /// Whether any parameter is flattened from `name`: `Name.1`,
    /// `Name.Key`.
    pub(crate) fn has_parameter_under(&self, name: &str) -> bool {
        self.request.parameters().any(|(key, value)| {
            !value.is_empty()
                && key
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// A required parameter, or `MissingParameter` naming it.
    pub(crate) fn required(&self, name: &str) -> Result<&'a str, ApiError> {
        self.optional(name)
            .ok_or_else(|| ApiError::missing_parameter(name))
    }

    /// An optional integer parameter, or `InvalidParameter` naming it when it
    /// is not an integer.
    pub(crate) fn optional_integer(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.optional(name) {
            None => Ok(None),
            Some(text) => text.trim().parse::<i64>().map(Some).map_err(|_| {
                ApiError::invalid_parameter(name, &format!("{name} must be an integer."))
            }),
        }
    }

    /// An optional boolean parameter (`true` or `false` in any case), or
    /// `InvalidParameter` naming it.
    pub(crate) fn optional_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.optional(name) {
            None => Ok(None),
            Some(text) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(text) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_parameter(
                name,
                &format!("{name} must be true or false."),
            )),
        }
    }

    /// The values of a list parameter sent as `Name.1`, `Name.2`, ..., in
    /// index order.
    pub(crate) fn list(&self, name: &str) -> Vec<&'a str> {
        let mut indexed: Vec<(u32, &'a str)> = self
            .request
            .parameters()
            .filter_map(|(key, value)| {
                let index = key.strip_prefix(name)?.strip_prefix('.')?;
                let index: u32 = index.parse().ok()?;
                (!value.is_empty()).then_some((index, value))
            })
            .collect();
        indexed.sort_by_key(|(index, _)| *index);
        indexed.into_iter().map(|(_, value)| value).collect()
    }

    /// The objects of a list parameter sent as `Name.1.Field`, in index
    /// order, each field looked up without case: `Tag.1.Key` and
    /// `Tag.1.key` are the same field.
    pub(crate) fn objects(&self, name: &str) -> Vec<Vec<(String, &'a str)>> {
        let mut indexed: Vec<(u32, String, &'a str)> = self
            .request
            .parameters()
            .filter_map(|(key, value)| {
                let rest = key.strip_prefix(name)?.strip_prefix('.')?;
                let (index, field) = rest.split_once('.')?;
                let index: u32 = index.parse().ok()?;
                Some((index, field.to_ascii_lowercase(), value))
            })
            .collect();
        indexed.sort_by_key(|(index, _, _)| *index);
        let mut objects: Vec<(u32, Vec<(String, &'a str)>)> = Vec::new();
        for (index, field, value) in indexed {
            match objects.last_mut() {
                Some((last, fields)) if *last == index => fields.push((field, value)),
                _ => objects.push((index, vec![(field, value)])),
            }
        }
        objects.into_iter().map(|(_, fields)| fields).collect()
    }

    /// When the request arrived, by the emulator's clock, in the protocol
    /// format the describe operations report times in.
    pub(crate) fn now(&self) -> String {
        crate::clock::format_timestamp(self.now_millis / 1000)
    }

    /// When the request arrived, in Unix milliseconds.
    pub(crate) fn now_millis(&self) -> i64 {
        self.now_millis
    }

    /// The ID in `parameter` of an instance the model holds, or the
    /// operation's own documented not-found error (what every
    /// instance-scoped operation checks first).
    pub(crate) fn existing_instance_id(
        &self,
        model: &Model,
        parameter: &str,
    ) -> Result<&'a str, ApiError> {
        self.existing_instance(model, parameter).map(|(id, _)| id)
    }

    /// [`Self::existing_instance_id`], with the instance.
    pub(crate) fn existing_instance<'m>(
        &self,
        model: &'m Model,
        parameter: &str,
    ) -> Result<(&'a str, &'m Instance), ApiError> {
        let id = self.required(parameter)?;
        let instance = model.find(id).map_err(|refusal| self.refuse(refusal))?;
        Ok((id, instance))
    }

    /// The answer for a refused change: the operation's own documented
    /// code for it (see `errors`).
    pub(crate) fn refuse(&self, refusal: Refusal) -> ApiError {
        errors::refusal_error(
            self.documented.map(|documented| documented.metadata),
            &refusal,
        )
    }

    /// Checks the parameters against the operation's documentation, when
    /// the emulator has it: required ones present, values of their type
    /// and among the documented values.
    pub(crate) fn check_documented(&self) -> Result<(), ApiError> {
        match self.documented {
            Some(documented) => documented::check_parameters(documented.metadata, self),
            None => Ok(()),
        }
    }

    /// The answer's fields, as the model gives them. The pipeline lays
    /// them over the documented example (see `answer`) once the model's
    /// lock is released, so that other calls need not wait for it.
    pub(crate) fn answer(&self, fields: Value) -> Result<OperationOutput, ApiError> {
        match fields {
            Value::Object(fields) => Ok(fields),
            _ => Ok(OperationOutput::new()),
        }
    }

    /// The request's parameters other than the protocol's, as a JSON
    /// object in text, for an event's payload. Passwords and secrets are
    /// left out.
    pub(crate) fn payload(&self) -> String {
        const PROTOCOL: &[&str] = &[
            "AccessKeyId",
            "Action",
            "Format",
            "Signature",
            "SignatureMethod",
            "SignatureNonce",
            "SignatureVersion",
            "SecurityToken",
            "Timestamp",
            "Version",
        ];
        let fields: Map<String, Value> = self
            .request
            .parameters()
            .filter(|(name, _)| {
                let lower = name.to_ascii_lowercase();
                !PROTOCOL.contains(name)
                    && !lower.contains("password")
                    && !lower.contains("secret")
                    && !lower.contains("privatekey")
                    && !lower.contains("serverkey")
            })
            .map(|(name, value)| (name.to_owned(), Value::from(value)))
            .collect();
        Value::Object(fields).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_without_duplicates() {
        for pair in OPERATIONS.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{} before {}", pair[0].0, pair[1].0);
        }
        assert!(find("DescribeDBInstances").is_some());
        assert!(find("NoSuchAction").is_none());
    }
}
