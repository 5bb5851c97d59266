//! The answer for a refused change: the operation's own documented code.
//!
//! The model names each condition by its candidate codes (see
//! `model::refusal`). When the emulator has the operation's metadata, the
//! answer is the first candidate the operation's error table lists, with
//! that row's HTTP status and message; otherwise (or when the table lists
//! none of them) it is the first candidate with a row in
//! [`FALLBACK_ROWS`]: for each code the model uses, its most common row
//! across the API's error tables, which a test checks against the specs.

use aliyun_codec::metadata::OperationMetadata;
use hyper::StatusCode;

use crate::error::ApiError;
use crate::model::refusal::Refusal;

/// The answer for `refusal` from `operation`.
pub(crate) fn refusal_error(operation: Option<&OperationMetadata>, refusal: &Refusal) -> ApiError {
    let answer = |status: u16, code: &str, message: &str| {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
        ApiError::new(status, code, message).recommend(refusal.hint.clone())
    };
    let candidates = refusal
        .first_choice
        .as_deref()
        .into_iter()
        .chain(refusal.codes.iter().copied());
    if let Some(operation) = operation {
        for code in candidates {
            if let Some(row) = operation.documented_error(code) {
                return answer(row.http_status, row.code, row.message);
            }
        }
    }
    for code in refusal.codes {
        if let Some((_, status, message)) = FALLBACK_ROWS.iter().find(|(known, _, _)| known == code)
        {
            return answer(*status, code, message);
        }
    }
    ApiError::invalid_parameter("Parameters", &refusal.hint)
}

/// For each code the model uses: its most common documented HTTP status
/// and message.
pub(crate) const FALLBACK_ROWS: &[(&str, u16, &str)] = &[
    ("AccountLimitExceeded", 403, "AccountQuotaExceeded: Exceeding the allowed amount of account"),
    ("BackupJobExists", 400, "A backup job already exists in the specified DB instance."),
    ("BothEmpty.TagsAndResources", 400, "The specified Tags and ResourcesIds are not allow to both empty."),
    ("ChildDBInstanceExists", 403, "Current DB instance had child instance."),
    ("ConnectionStringContainIllegalCharacterFault", 400, "The connection string contain Illegal character."),
    ("DBInstancePayTypeNotSupport", 400, "Current instance PayType not support this operation or the param PayType not match current instance PayType."),
    ("Database.ConnectError", 400, "Database connect error. please check instance status and database processlist"),
    ("DnsConflict", 400, "Dns is conflict with other custins."),
    ("Duplicate.TagKey", 400, "The Tag.N.Key contains duplicate keys."),
    ("Endpoint.NotFound", 404, "Specified endpoint is not existed."),
    ("ExternalFailure", 500, "The request processing has failed due to external service failure."),
    ("IncorrectAccountType", 403, "Current account type does not support this operation."),
    ("IncorrectBackupSetState", 403, "Current backup set state does not support operations."),
    ("IncorrectDBInstanceEngine", 403, "Current DB Instance engine does not support this operation."),
    ("IncorrectDBInstanceState", 403, "Current DB instance state does not support this operation."),
    ("IncorrectDBInstanceType", 403, "Current DB instance type does not support this operation."),
    ("IncorrectDBSslStatus", 400, "Specified DB SSLStatus does not support this operation."),
    ("IncorrectInstanceStatus", 400, "The current status of the resource does not support this operation."),
    ("IncorrectMasterDBInstanceState", 400, "Master instance state does not support this operation."),
    ("InsName.NotFound", 404, "InsName not found."),
    ("Invalid.Parameter", 403, "Specified parameters is not valid."),
    ("InvalidAccountDescription.Format", 400, "Specified account description is not valid."),
    ("InvalidAccountName.Duplicate", 400, "Specified account name already exists in this instance."),
    ("InvalidAccountName.Forbid", 400, "Specified account name is a keyword in RDS."),
    ("InvalidAccountName.NotFound", 404, "Specified account name does not exist."),
    ("InvalidAccountPassword.Format", 400, "Specified account password is not valid."),
    ("InvalidAccountPrivilege.Malformed", 400, "Specified account privilege is not valid."),
    ("InvalidBackupId.NotFound", 404, "The BackupId provided does not exist."),
    ("InvalidBackupMethod.ValueNotSupport", 400, "The specified  parameter \"BackupMethod\" is not valid."),
    ("InvalidBackupRetentionPeriod.Malformed", 400, "The specified backup retention period is invalid."),
    ("InvalidBackupSet", 400, "The specified database does not exist in the backup set."),
    ("InvalidBackupSetID.NotFound", 404, "Specified backup set ID does not exist."),
    ("InvalidCharacter.DbOrAccount", 400, "The database name or account name contains invalid characters."),
    ("InvalidCharacterSetName.Format", 400, "Specified character set name is not valid."),
    ("InvalidConnectionString.Duplicate", 400, "Specified connection string already exists in the RDS."),
    ("InvalidConnectionString.Format", 400, "Specified connection string is not valid."),
    ("InvalidConnectionString.Malformed", 400, "The specified parameter ConnectionStringPrefix is not valid."),
    ("InvalidConnectionString.NotFound", 404, "Specified connection string or net type is not found."),
    ("InvalidDB.NotFound", 404, "Specified db does not exist or DB status does not support."),
    ("InvalidDBDescription.Format", 400, "Specified DB description is not valid."),
    ("InvalidDBInstanceDescription.Format", 400, "Specified DB instance description is not valid."),
    ("InvalidDBInstanceEngineType.Format", 400, "the DB instance engine type does not support this operation."),
    ("InvalidDBInstanceId.NotFound", 400, "The DBInstanceId provided does not exist in records."),
    ("InvalidDBInstanceName.NotFound", 404, "The database instance does not exist."),
    ("InvalidDBName.Duplicate", 400, "Specified DB name already exists in the This instance."),
    ("InvalidDBName.Forbid", 400, "Specified DB name is a keyword in RDS."),
    ("InvalidDBName.Format", 400, "Specified DB name is not valid."),
    ("InvalidDBName.NotFound", 404, "Specified one or more DB name does not exist or DB status does not support."),
    ("InvalidDBNameOrAccountPrivilege", 400, "Account permissions and database names must correspond."),
    ("InvalidDBParamGroupId.Format", 400, "The specified parameter dbParamGroupId is not valid."),
    ("InvalidDescription.Format", 400, "Specified description is not valid."),
    ("InvalidEngine.Malformed", 400, "Specified engine is not valid."),
    ("InvalidEngineVersion.Malformed", 400, "Specified engine version is not valid."),
    ("InvalidGroupName.DuplicatedWithTemplate", 400, "Sepecified group name is used by whitelist template."),
    ("InvalidIPList.Format", 400, "Specified IPList is not valid."),
    ("InvalidInstanceParameter", 400, "Specified name for the instance parameter is not valid."),
    ("InvalidInstanceState", 403, "The DB instance state does not support this operation."),
    ("InvalidMaintainTime", 400, "The MaintainTime parameter is invalid."),
    ("InvalidParameter.ResourceType", 400, "The parameter ResourceType is invalid."),
    ("InvalidParameter.TagKey", 400, "The Tag.N.Key parameter is invalid."),
    ("InvalidParameterValue.NotStandard", 400, "Invalid parameter format."),
    ("InvalidParameters.Format", 400, "Specified parameter is not valid"),
    ("InvalidParameters.Malformed", 400, "One or more of the request parameters provided are not valid."),
    ("InvalidPayType.NotSupported", 400, "current instance pay type not support this operation."),
    ("InvalidPort.Format", 400, "Specified Port is not valid."),
    ("InvalidPort.Malformed", 400, "Specified port is not valid."),
    ("InvalidPreferredBackupPeriod.Malformed", 400, "Specified backup period is not valid."),
    ("InvalidPreferredBackupTime.Format", 400, "Specified preferred backup time is not valid."),
    ("InvalidResourceId.NotFound", 400, "ResourceId does not refer to an existing DB instance."),
    ("InvalidSSLStatus", 400, "Specify ssl status is invalid."),
    ("InvalidSecurityIPList.Duplicate", 400, "Specified security IP list is not valid: Duplicate IP address in the list"),
    ("InvalidSecurityIPList.Format", 400, "The specified parameter securityIPList is not valid."),
    ("InvalidSecurityIPList.QuotaExceeded", 400, "Specified security IP list is not valid: Exceeding the allowed amount of IP address in the list."),
    ("InvalidSecurityIPListGroup.QuotaExceeded", 400, "Specified security IP list group is not valid: Exceeding the allowed amount of group."),
    ("InvalidTDEstatus", 400, "Current DB instance has TDE enabled, this operation is not supported."),
    ("InvalidTDEstatus.Format", 400, "The Specified TDEStatus is not valid."),
    ("InvalidTagKey.Malformed", 400, "The Tag.N.Key parameter is blank"),
    ("InvalidTagValue.Malformed", 400, "The Tag.N.Value parameter is blank"),
    ("InvalidWhitelistNetType.Malformed", 400, "Specified WhitelistNetType  is not valid."),
    ("InvalidWhitelistTemplateId", 400, "the template id list is invalid."),
    ("InvalidWhitelistTemplateName.Duplicated", 400, "Whitelist template name duplicated."),
    ("InvalidZoneId.NotEqual", 400, "The parameter ZoneId is the same as the previous one"),
    ("InvalideStatus.Format", 400, "The instance status does not support this operation."),
    ("NetTypeExists", 400, "Specified net type already existed."),
    ("NoPermission.SystemTag", 400, "You have no permission to use system tags."),
    ("NotFound.ParamGroupId", 400, "Current ParamGroupId not found."),
    ("NumberExceed.Tags", 400, "The number of parameter Tags is exceed, Valid : 20"),
    ("OperationDenied.DBInstanceStatus", 400, "The operation is not permitted due to status of instance."),
    ("OperationDenied.DeletionProtection", 400, "The operation is not permitted when the instance enabled deletion protection."),
    ("OperationDenied.MasterDBInstanceState", 400, "The Primary instance in the current state does not support this operation. Try again when the Primary instance is in Running state."),
    ("OperationDenied.PayType", 400, "The operation is not permitted due to pay type of instance."),
    ("OtherEndpoint.Exist", 400, "Other endpoint already exist."),
    ("ParamGroupsDescInvalid", 400, "The maximum length of parameter group description is exceeded."),
    ("ParamGroupsNameInvalid", 400, "The specified parameter group name is invalid."),
    ("ParamGroupsNotExist", 400, "The specified paramGroups does not exist."),
    ("ParamGroupsNotExistOrTypeNotSupport", 400, "The parameter group does not exist or its type is not supported."),
    ("ParamNotExist", 400, "This param Not Exist"),
    ("Parameters.Invalid", 400, "Parameter error, please check the parameters."),
    ("ReadDBInstance.NotFound", 403, "The current database instance does not contain any read only instance."),
    ("Readins.NotFound", 404, "The current instance does not contain any read only instance. The operation is not supported."),
    ("SecurityIPList.Format", 400, "Specified SecurityIPList is not valid."),
    ("WhitelistTemplateId.NotFound", 404, "Whitelist Template id not found."),
    ("WhitelistTemplateRelationToCustinsId.EXISTS", 401, "Whitelist Template relation to CustinsId exists."),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    /// Every row of every spec, as (code, status, message).
    fn documented_rows() -> Vec<(String, u64, String)> {
        let directory = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../spec/rds/2014-08-15/operations"
        );
        let mut rows = Vec::new();
        for entry in std::fs::read_dir(directory).expect("the specs are readable") {
            let path = entry.expect("a directory entry").path();
            let spec: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
                    .expect("specs are JSON");
            for row in spec["errors"].as_array().into_iter().flatten() {
                rows.push((
                    row["code"].as_str().unwrap_or_default().to_owned(),
                    row["httpStatus"].as_u64().unwrap_or_default(),
                    row["message"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
        rows
    }

    #[test]
    fn every_fallback_row_is_documented() {
        let rows = documented_rows();
        for (code, status, message) in FALLBACK_ROWS {
            assert!(
                rows.iter()
                    .any(|(known, known_status, known_message)| known == code
                        && *known_status == u64::from(*status)
                        && known_message == message),
                "{code} {status} {message}"
            );
        }
    }

    #[test]
    fn every_candidate_code_has_a_fallback_row() {
        let source = include_str!("../model/refusal.rs");
        let codes = source
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|text| !text.is_empty() && !text.contains(' '));
        let mut checked = 0;
        for code in codes {
            assert!(
                FALLBACK_ROWS.iter().any(|(known, _, _)| *known == code),
                "{code} has no fallback row"
            );
            checked += 1;
        }
        assert!(checked > 50, "only {checked} codes found");
    }
}
