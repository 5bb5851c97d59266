//! The errors the emulator answers on the wire, with the exact codes, HTTP
//! statuses and messages of the real service.
//!
//! An [`ApiError`] is not a Rust failure of the emulator: it is a response,
//! serialised as `{"RequestId","HostId","Code","Message","Recommend"}`.
//! Gateway errors (signature, credentials, parameters, unknown action) have
//! constructors here; operation errors use the messages of the operation's
//! spec table and are built by the operation modules.

use hyper::StatusCode;

/// The `HostId` the RDS side's errors name: the public RDS endpoint the
/// emulator stands in for (STS errors name [`crate::sts::HOST_ID`]).
pub(crate) const HOST_ID: &str = "rds.aliyuncs.com";

/// An error response: HTTP status, error code and message, an optional hint
/// for the caller and an optional `x-acs-retry-after` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) code: String,
    pub(crate) message: String,
    pub(crate) recommend: String,
    pub(crate) retry_after: Option<String>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, code: &str, message: &str) -> Self {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.to_owned(),
            recommend: String::new(),
            retry_after: None,
        }
    }

    /// Adds a hint for the caller in the `Recommend` field.
    pub(crate) fn recommend(mut self, recommend: impl Into<String>) -> Self {
        self.recommend = recommend.into();
        self
    }

    pub(crate) fn signature_does_not_match() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            "Specified signature is not matched with our calculation.",
        )
    }

    pub(crate) fn incomplete_signature(why: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "IncompleteSignature",
            "The request signature does not conform to Aliyun standards.",
        )
        .recommend(why)
    }

    pub(crate) fn access_key_not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        )
        .recommend("Check the AccessKey ID; it must be one the emulator was started with.")
    }

    pub(crate) fn timestamp_expired() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Expired",
            "Specified time stamp or date value is expired.",
        )
        .recommend(
            "The request time differs from the server's by more than 15 minutes; \
             correct the clock, for example from the Date header of this response.",
        )
    }

    pub(crate) fn timestamp_format(parameter: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Format",
            "Specified time stamp or date value is not well formatted.",
        )
        .recommend(format!(
            "{parameter} must be UTC in the form YYYY-MM-DDThh:mm:ssZ."
        ))
    }

    pub(crate) fn nonce_used() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "SignatureNonceUsed",
            "Specified signature nonce was used already.",
        )
        .recommend("Send a fresh random nonce with every request, retries included.")
    }

    pub(crate) fn missing_parameter(name: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "MissingParameter",
            &format!(
                "The input parameter \"{name}\" that is mandatory for processing this request is not supplied."
            ),
        )
    }

    pub(crate) fn invalid_parameter(name: &str, why: &str) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter",
            &format!("The specified parameter \"{name}\" is not valid."),
        )
        .recommend(why)
    }

    pub(crate) fn action_not_found() -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "InvalidAction.NotFound",
            "Specified api is not found, please check your url and method.",
        )
    }

    pub(crate) fn unsupported_method() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "UnsupportedHTTPMethod",
            "This http method is not supported.",
        )
        .recommend("Send RDS API requests with GET or POST.")
    }

    pub(crate) fn invalid_version() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidVersion",
            "Specified parameter Version is not valid.",
        )
        .recommend(format!(
            "The RDS API version is {}.",
            crate::request::API_VERSION
        ))
    }

    pub(crate) fn security_token_malformed() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidSecurityToken.Malformed",
            "Specified SecurityToken is malformed.",
        )
    }

    pub(crate) fn security_token_mismatch() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidSecurityToken.MismatchWithAccessKey",
            "Specified SecurityToken mismatch with the AccessKey.",
        )
    }

    pub(crate) fn security_token_expired() -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidSecurityToken.Expired",
            "Specified SecurityToken is expired.",
        )
        .recommend("Temporary credentials expire; get new ones from STS and sign again.")
    }
}
