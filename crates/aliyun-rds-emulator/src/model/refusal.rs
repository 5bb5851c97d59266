//! Why the model refuses a change, as error codes of the RDS API.
//!
//! The same condition has different codes, HTTP statuses and messages in
//! different operations' error tables (an instance in the wrong state is
//! `IncorrectDBInstanceState` with 403 in `CreateAccount`, with 400 in the
//! cloud migration operations, and only the common `InvalideStatus.Format`
//! elsewhere). So the model names a condition by its candidate codes, most
//! specific first, and the operations layer answers the first one the
//! operation's own table documents, with that row's status and message
//! (see `operations::errors`).

/// A refused change: the candidate codes of its condition, and a hint on
/// what to do, sent as `Recommend`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) codes: &'static [&'static str],
    pub(crate) hint: String,
    /// A code to answer before the candidates, when the operation
    /// documents it (an engine backend's choice).
    pub(crate) first_choice: Option<String>,
}

impl Refusal {
    pub(crate) fn new(codes: &'static [&'static str], hint: impl Into<String>) -> Self {
        Refusal {
            codes,
            hint: hint.into(),
            first_choice: None,
        }
    }
}

/// No instance has the `DBInstanceId` given.
pub(crate) const INSTANCE_NOT_FOUND: &[&str] = &["InvalidDBInstanceId.NotFound"];
/// No instance has the `DBInstanceName` given.
pub(crate) const INSTANCE_NAME_NOT_FOUND: &[&str] = &[
    "InvalidDBInstanceName.NotFound",
    "InsName.NotFound",
    "InvalidDBInstanceId.NotFound",
];
/// The instance's status does not allow the change (it is not `Running`,
/// or not `Stopped` for a start).
pub(crate) const INCORRECT_STATE: &[&str] = &[
    "IncorrectDBInstanceState",
    "OperationDenied.DBInstanceStatus",
    "InvalidInstanceState",
    "IncorrectInstanceStatus",
    "InvalideStatus.Format",
];
/// The instance's engine does not support the change.
pub(crate) const INCORRECT_ENGINE: &[&str] = &[
    "IncorrectDBInstanceEngine",
    "InvalidDBInstanceEngineType.Format",
    "InvalidEngine.Malformed",
];
/// The instance's type (primary, read-only) does not support the change.
pub(crate) const INCORRECT_TYPE: &[&str] = &["IncorrectDBInstanceType", "InvalideStatus.Format"];
/// `Engine` is not one the service documents.
pub(crate) const ENGINE_UNKNOWN: &[&str] = &[
    "InvalidDBInstanceEngineType.Format",
    "InvalidEngine.Malformed",
    "Parameters.Invalid",
];
/// `EngineVersion` is not one the service documents for the engine.
pub(crate) const ENGINE_VERSION_UNKNOWN: &[&str] =
    &["InvalidEngineVersion.Malformed", "Parameters.Invalid"];
/// Deletion protection is on.
pub(crate) const DELETION_PROTECTED: &[&str] = &["OperationDenied.DeletionProtection"];
/// An account of that name exists.
pub(crate) const ACCOUNT_EXISTS: &[&str] = &["InvalidAccountName.Duplicate"];
/// No account of that name exists.
pub(crate) const ACCOUNT_NOT_FOUND: &[&str] =
    &["InvalidAccountName.NotFound", "Parameters.Invalid"];
/// The account name breaks the naming rules.
pub(crate) const ACCOUNT_NAME_INVALID: &[&str] =
    &["InvalidCharacter.DbOrAccount", "Parameters.Invalid"];
/// The account name is a reserved keyword.
pub(crate) const ACCOUNT_NAME_FORBIDDEN: &[&str] = &["InvalidAccountName.Forbid"];
/// The password breaks the password rules.
pub(crate) const PASSWORD_INVALID: &[&str] =
    &["InvalidAccountPassword.Format", "Parameters.Invalid"];
/// An account or database description breaks the rules.
pub(crate) const DESCRIPTION_INVALID: &[&str] = &[
    "InvalidAccountDescription.Format",
    "InvalidDBDescription.Format",
    "InvalidDescription.Format",
    "InvalidDBInstanceDescription.Format",
    "Parameters.Invalid",
];
/// The account type is not one the engine has.
pub(crate) const ACCOUNT_TYPE_INVALID: &[&str] = &["IncorrectAccountType", "Parameters.Invalid"];
/// The instance has a privileged account already.
pub(crate) const SUPER_ACCOUNT_EXISTS: &[&str] = &["AccountLimitExceeded", "IncorrectAccountType"];
/// A privilege is not one the engine has, or the lists do not pair up.
pub(crate) const PRIVILEGE_INVALID: &[&str] = &[
    "InvalidAccountPrivilege.Malformed",
    "InvalidDBNameOrAccountPrivilege",
    "Parameters.Invalid",
];
/// A database of that name exists.
pub(crate) const DATABASE_EXISTS: &[&str] = &["InvalidDBName.Duplicate"];
/// No database of that name exists.
pub(crate) const DATABASE_NOT_FOUND: &[&str] = &[
    "InvalidDBName.NotFound",
    "InvalidDB.NotFound",
    "InvalidDBNameOrAccountPrivilege",
    "Parameters.Invalid",
];
/// The database name breaks the naming rules.
pub(crate) const DATABASE_NAME_INVALID: &[&str] = &[
    "InvalidDBName.Format",
    "InvalidCharacter.DbOrAccount",
    "Parameters.Invalid",
];
/// The database name is a reserved keyword.
pub(crate) const DATABASE_NAME_FORBIDDEN: &[&str] =
    &["InvalidDBName.Forbid", "InvalidDBName.Format"];
/// The character set is not one the engine offers.
pub(crate) const CHARACTER_SET_INVALID: &[&str] =
    &["InvalidCharacterSetName.Format", "Parameters.Invalid"];
/// A whitelist entry is not an IP address or CIDR block.
pub(crate) const SECURITY_IPS_INVALID: &[&str] = &[
    "InvalidSecurityIPList.Format",
    "SecurityIPList.Format",
    "InvalidIPList.Format",
    "Parameters.Invalid",
];
/// A whitelist lists an entry twice.
pub(crate) const SECURITY_IPS_DUPLICATE: &[&str] = &[
    "InvalidSecurityIPList.Duplicate",
    "InvalidSecurityIPList.Format",
    "Parameters.Invalid",
];
/// Too many whitelist entries or groups.
pub(crate) const SECURITY_IPS_QUOTA: &[&str] = &[
    "InvalidSecurityIPListGroup.QuotaExceeded",
    "InvalidSecurityIPList.QuotaExceeded",
    "InvalidSecurityIPList.Format",
    "Parameters.Invalid",
];
/// No whitelist template has that ID.
pub(crate) const TEMPLATE_NOT_FOUND: &[&str] = &[
    "WhitelistTemplateId.NotFound",
    "InvalidWhitelistTemplateId",
    "Parameters.Invalid",
];
/// A whitelist template's name is taken, or breaks the rules.
pub(crate) const TEMPLATE_NAME_INVALID: &[&str] = &[
    "InvalidWhitelistTemplateName.Duplicated",
    "InvalidGroupName.DuplicatedWithTemplate",
    "Parameters.Invalid",
];
/// The template is attached to the instance already.
pub(crate) const TEMPLATE_ALREADY_ATTACHED: &[&str] = &[
    "WhitelistTemplateRelationToCustinsId.EXISTS",
    "Parameters.Invalid",
];
/// A connection string is in use on the account.
pub(crate) const CONNECTION_EXISTS: &[&str] = &["InvalidConnectionString.Duplicate", "DnsConflict"];
/// The instance has a public endpoint already.
pub(crate) const PUBLIC_CONNECTION_EXISTS: &[&str] = &[
    "OtherEndpoint.Exist",
    "NetTypeExists",
    "InvalidConnectionString.Duplicate",
];
/// No endpoint has that connection string.
pub(crate) const CONNECTION_NOT_FOUND: &[&str] = &[
    "InvalidConnectionString.NotFound",
    "Endpoint.NotFound",
    "Parameters.Invalid",
];
/// Read/write splitting needs read-only instances.
pub(crate) const READ_ONLY_INSTANCES_MISSING: &[&str] = &[
    "Readins.NotFound",
    "ReadDBInstance.NotFound",
    "Parameters.Invalid",
];
/// A connection string prefix breaks the rules.
pub(crate) const CONNECTION_PREFIX_INVALID: &[&str] = &[
    "InvalidConnectionString.Format",
    "InvalidConnectionString.Malformed",
    "ConnectionStringContainIllegalCharacterFault",
    "Parameters.Invalid",
];
/// A port is outside its documented range.
pub(crate) const PORT_INVALID: &[&str] = &[
    "InvalidPort.Malformed",
    "InvalidPort.Format",
    "Parameters.Invalid",
];
/// No parameter of that name exists for the engine.
pub(crate) const PARAMETER_NOT_FOUND: &[&str] = &[
    "ParamNotExist",
    "InvalidInstanceParameter",
    "InvalidParameters.Format",
    "InvalidParameters.Malformed",
    "Parameters.Invalid",
];
/// A parameter value is outside its documented range, or `Parameters` is
/// not a JSON object of strings.
pub(crate) const PARAMETER_VALUE_INVALID: &[&str] = &[
    "InvalidParameters.Format",
    "InvalidParameterValue.NotStandard",
    "Invalid.Parameter",
    "InvalidParameters.Malformed",
    "Parameters.Invalid",
];
/// A parameter group's name or description breaks the rules.
pub(crate) const PARAMETER_GROUP_NAME_INVALID: &[&str] = &[
    "ParamGroupsNameInvalid",
    "ParamGroupsDescInvalid",
    "Parameters.Invalid",
];
/// No parameter group has that ID.
pub(crate) const PARAMETER_GROUP_NOT_FOUND: &[&str] = &[
    "ParamGroupsNotExist",
    "ParamGroupsNotExistOrTypeNotSupport",
    "NotFound.ParamGroupId",
    "InvalidDBParamGroupId.Format",
    "Parameters.Invalid",
];
/// A parameter group does not fit the instance's engine or version.
pub(crate) const PARAMETER_GROUP_MISMATCH: &[&str] =
    &["ParamGroupsNotExistOrTypeNotSupport", "Parameters.Invalid"];
/// No backup has that ID.
pub(crate) const BACKUP_NOT_FOUND: &[&str] = &[
    "InvalidBackupSetID.NotFound",
    "InvalidBackupId.NotFound",
    "InvalidBackupSet",
    "Parameters.Invalid",
];
/// A backup is in progress.
pub(crate) const BACKUP_IN_PROGRESS: &[&str] = &[
    "BackupJobExists",
    "IncorrectBackupSetState",
    "InvalideStatus.Format",
];
/// A backup policy value breaks the rules.
pub(crate) const BACKUP_POLICY_INVALID: &[&str] = &[
    "InvalidBackupRetentionPeriod.Malformed",
    "InvalidPreferredBackupPeriod.Malformed",
    "InvalidPreferredBackupTime.Format",
    "Parameters.Invalid",
];
/// `BackupMethod` is not one the service offers.
pub(crate) const BACKUP_METHOD_INVALID: &[&str] =
    &["InvalidBackupMethod.ValueNotSupport", "Parameters.Invalid"];
/// A tagged resource does not exist.
pub(crate) const RESOURCE_NOT_FOUND: &[&str] =
    &["InvalidResourceId.NotFound", "InvalidDBInstanceId.NotFound"];
/// `ResourceType` is not `INSTANCE`.
pub(crate) const RESOURCE_TYPE_INVALID: &[&str] =
    &["InvalidParameter.ResourceType", "Parameters.Invalid"];
/// `ListTagResources` names neither resources nor tags.
pub(crate) const TAGS_AND_RESOURCES_EMPTY: &[&str] =
    &["BothEmpty.TagsAndResources", "Parameters.Invalid"];
/// `WhitelistNetworkType` is not `Classic`, `VPC` or `MIX`.
pub(crate) const WHITELIST_NETWORK_TYPE_INVALID: &[&str] =
    &["InvalidWhitelistNetType.Malformed", "Parameters.Invalid"];
/// A tag breaks the rules (empty or system key, too long).
pub(crate) const TAG_INVALID: &[&str] = &[
    "InvalidTagKey.Malformed",
    "InvalidParameter.TagKey",
    "InvalidTagValue.Malformed",
    "Parameters.Invalid",
];
/// A tag key starts with a prefix reserved for the system.
pub(crate) const TAG_SYSTEM: &[&str] = &[
    "NoPermission.SystemTag",
    "InvalidTagKey.Malformed",
    "InvalidParameter.TagKey",
    "Parameters.Invalid",
];
/// Too many tags on one instance.
pub(crate) const TAG_QUOTA: &[&str] = &["NumberExceed.Tags", "Parameters.Invalid"];
/// A tag key appears twice in one request.
pub(crate) const TAG_DUPLICATE: &[&str] = &["Duplicate.TagKey", "InvalidTagKey.Malformed"];
/// The maintenance window is not `HH:mmZ-HH:mmZ`.
pub(crate) const MAINTAIN_TIME_INVALID: &[&str] = &["InvalidMaintainTime", "Parameters.Invalid"];
/// TDE is on already, or cannot be turned off.
pub(crate) const TDE_STATUS_INVALID: &[&str] = &[
    "InvalidTDEstatus",
    "InvalidTDEstatus.Format",
    "Parameters.Invalid",
];
/// SSL cannot change as asked.
pub(crate) const SSL_STATUS_INVALID: &[&str] = &[
    "InvalidSSLStatus",
    "IncorrectDBSslStatus",
    "Parameters.Invalid",
];
/// The billing method does not allow the change.
pub(crate) const PAY_TYPE_UNSUPPORTED: &[&str] = &[
    "OperationDenied.PayType",
    "DBInstancePayTypeNotSupport",
    "InvalidPayType.NotSupported",
    "Parameters.Invalid",
];
/// The instance is in the zone already.
pub(crate) const SAME_ZONE: &[&str] = &["InvalidZoneId.NotEqual", "Parameters.Invalid"];
/// A read-only instance cannot have its own read-only instances, or its
/// primary is not running.
pub(crate) const PRIMARY_INCORRECT: &[&str] = &[
    "IncorrectMasterDBInstanceState",
    "OperationDenied.MasterDBInstanceState",
    "IncorrectDBInstanceType",
    "InvalideStatus.Format",
];
/// The instance has read-only instances, which must go first.
pub(crate) const CHILD_INSTANCES_EXIST: &[&str] =
    &["ChildDBInstanceExists", "IncorrectDBInstanceType"];
/// An extension is installed already, or not at all.
pub(crate) const EXTENSION_INVALID: &[&str] = &["Parameters.Invalid"];
/// An engine backend could not apply the change.
pub(crate) const BACKEND_FAILED: &[&str] = &["Database.ConnectError", "ExternalFailure"];
/// The engine backend has not applied the change yet: the operation stops
/// before committing and runs again once it has (never answered).
pub(crate) const BACKEND_PENDING: &[&str] = &["ExternalFailure"];
