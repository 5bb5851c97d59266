//! The operation errors the cloud migration workflow and the describe
//! operations answer, with the HTTP status, code and message exactly as the
//! operations' API documentation lists them.
//!
//! A unit test checks every entry of [`USES`] against the operations'
//! specs (`spec/rds/2014-08-15/operations/` of the repository, which hold
//! the documentation's error tables), so a typo in a message, or an error
//! an operation does not document, fails the build's tests.

use hyper::StatusCode;

use crate::error::ApiError;

/// An error an operation documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DocumentedError {
    pub(crate) status: u16,
    pub(crate) code: &'static str,
    pub(crate) message: &'static str,
}

impl DocumentedError {
    /// The answer for this error, with a hint on what to do in `Recommend`.
    pub(crate) fn with_hint(self, recommend: impl Into<String>) -> ApiError {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        ApiError::new(status, self.code, self.message).recommend(recommend)
    }
}

/// No instance has the `DBInstanceName` given.
pub(crate) const INSTANCE_NAME_NOT_FOUND: DocumentedError = DocumentedError {
    status: 404,
    code: "InvalidDBInstanceName.NotFound",
    message: "The database instance does not exist.",
};

/// No instance has the `DBInstanceId` given.
pub(crate) const INSTANCE_ID_NOT_FOUND: DocumentedError = DocumentedError {
    status: 400,
    code: "InvalidDBInstanceId.NotFound",
    message: "The DBInstanceId provided does not exist in records.",
};

/// The instance is not running.
pub(crate) const INCORRECT_INSTANCE_STATE: DocumentedError = DocumentedError {
    status: 400,
    code: "IncorrectDBInstanceState",
    message: "The current instance state does not support this operation.",
};

/// `SourceCategory` is neither `idcOnVpc` nor `ecsOnVpc`.
pub(crate) const INVALID_SOURCE_CATEGORY: DocumentedError = DocumentedError {
    status: 400,
    code: "InvalidSourceCategory",
    message: "specified source category is invalid.",
};

/// The target instance does not run PostgreSQL, the only engine cloud
/// migration supports.
pub(crate) const ENGINE_NOT_SUPPORTED: DocumentedError = DocumentedError {
    status: 400,
    code: "InvalidDBInstanceEngineType.Format",
    message: "the DB instance engine type does not support this operation.",
};

/// The cloud resources the workflow needs are not authorized for the
/// instance (`CheckCloudResourceAuthorized` answers 0).
pub(crate) const NOT_AUTHORIZED: DocumentedError = DocumentedError {
    status: 403,
    code: "InvalidUserOperatorPermission",
    message: "The user permission does not support this operation.",
};

/// `CheckCloudResourceAuthorized` names neither an instance nor a region.
pub(crate) const INSTANCE_AND_REGION_EMPTY: DocumentedError = DocumentedError {
    status: 400,
    code: "InvalidParameter.ByokInsnameAndRegionAllEmpty",
    message: "The insName and targetRegionId can't be all empty.",
};

/// `AcceptLanguage` is neither `zh-CN` nor `en-US`.
pub(crate) const INVALID_ACCEPT_LANGUAGE: DocumentedError = DocumentedError {
    status: 404,
    code: "InvalidAcceptLanguage.NotFound",
    message: "Only Chinese (zh-CN) and English (en-US) are allowed.",
};

/// Which operation answers which error: each pair must be in that
/// operation's documented error table.
#[cfg(test)]
const USES: &[(&str, DocumentedError)] = &[
    ("CheckCloudResourceAuthorized", INSTANCE_ID_NOT_FOUND),
    ("CheckCloudResourceAuthorized", INSTANCE_AND_REGION_EMPTY),
    ("CreateCloudMigrationPrecheckTask", INSTANCE_NAME_NOT_FOUND),
    ("CreateCloudMigrationPrecheckTask", INCORRECT_INSTANCE_STATE),
    ("CreateCloudMigrationPrecheckTask", INVALID_SOURCE_CATEGORY),
    ("CreateCloudMigrationPrecheckTask", ENGINE_NOT_SUPPORTED),
    ("CreateCloudMigrationPrecheckTask", NOT_AUTHORIZED),
    ("CreateCloudMigrationTask", INSTANCE_NAME_NOT_FOUND),
    ("CreateCloudMigrationTask", INCORRECT_INSTANCE_STATE),
    ("CreateCloudMigrationTask", ENGINE_NOT_SUPPORTED),
    ("CreateCloudMigrationTask", NOT_AUTHORIZED),
    (
        "DescribeCloudMigrationPrecheckResult",
        INSTANCE_NAME_NOT_FOUND,
    ),
    ("DescribeCloudMigrationResult", INSTANCE_NAME_NOT_FOUND),
    ("DescribeDBInstanceAttribute", INSTANCE_ID_NOT_FOUND),
    ("DescribeRegions", INVALID_ACCEPT_LANGUAGE),
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn every_error_is_documented_by_the_operation_answering_it() {
        for (operation, error) in USES {
            let path = format!(
                "{}/../../spec/rds/2014-08-15/operations/{operation}.json",
                env!("CARGO_MANIFEST_DIR")
            );
            let spec: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).expect("spec readable"))
                    .expect("specs are JSON");
            let documented = spec["errors"]
                .as_array()
                .unwrap_or_else(|| panic!("{operation} has an error table"))
                .iter()
                .any(|row| {
                    row["httpStatus"] == error.status
                        && row["code"] == error.code
                        && row["message"] == error.message
                });
            assert!(documented, "{operation}: {error:?}");
        }
    }
}
