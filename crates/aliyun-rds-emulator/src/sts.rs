//! The emulated Security Token Service (STS, API version 2015-04-01):
//! `AssumeRole` and `AssumeRoleWithOIDC`, enough for the SDK's RAM role and
//! OIDC (RRSA) credential providers to run against the emulator.
//!
//! A request whose `Version` is `2015-04-01` is routed here, on the same
//! port as RDS, as the credentials libraries' `ALIBABA_CLOUD_STS_ENDPOINT`
//! can point at any URL. `AssumeRole` is authenticated exactly as an RDS
//! call (signature, clock skew, security token, nonce), so a role can be
//! assumed with a long-lived pair or with temporary credentials (role
//! chaining). `AssumeRoleWithOIDC` is unsigned, as on the real service: the
//! OIDC token is the proof of identity, checked against the tokens the
//! emulator was configured with.
//!
//! Issued credentials (`STS.` AccessKeyId, secret, `SecurityToken`) are
//! added to the emulator's accepted pairs until their `Expiration`; after
//! it, requests signed with them are refused with
//! `InvalidSecurityToken.Expired`.

use hyper::StatusCode;
use serde_json::{json, Value};

use crate::clock::format_timestamp;
use crate::clock::Clock;
use crate::credentials::KeyPair;
use crate::error::ApiError;
use crate::operations::OperationOutput;
use crate::request::ParsedRequest;
use crate::verify::Verifier;

/// The STS API version, as sent in `Version`.
pub const STS_API_VERSION: &str = "2015-04-01";

/// The `HostId` STS errors name: the public STS endpoint.
pub(crate) const HOST_ID: &str = "sts.aliyuncs.com";

/// The role the emulated STS knows when started without
/// [`crate::EmulatorBuilder::sts_role`].
pub const DEMO_ROLE_ARN: &str = "acs:ram::1234567890123456:role/emulator-demo-role";

/// The OIDC provider the emulated STS trusts when started without
/// [`crate::EmulatorBuilder::oidc_token`].
pub const DEMO_OIDC_PROVIDER_ARN: &str =
    "acs:ram::1234567890123456:oidc-provider/emulator-demo-provider";

/// The OIDC token the emulated STS accepts from [`DEMO_OIDC_PROVIDER_ARN`]
/// when started without [`crate::EmulatorBuilder::oidc_token`].
pub const DEMO_OIDC_TOKEN: &str = "emulator-demo-oidc-token";

/// The shortest and longest `DurationSeconds` STS accepts.
const DURATION_RANGE: std::ops::RangeInclusive<i64> = 900..=43_200;

/// What the emulated STS knows: roles, trusted OIDC tokens, and how long
/// the credentials it issues live.
#[derive(Debug, Clone)]
pub(crate) struct StsConfig {
    pub(crate) roles: Vec<String>,
    /// `(OIDC provider ARN, accepted token)` pairs.
    pub(crate) oidc_tokens: Vec<(String, String)>,
    /// Overrides the requested `DurationSeconds` when set.
    pub(crate) lifetime_seconds: Option<i64>,
}

impl StsConfig {
    /// The configuration from the builder's settings, with the demo role and
    /// token when none were given.
    pub(crate) fn new(
        roles: Vec<String>,
        oidc_tokens: Vec<(String, String)>,
        lifetime_seconds: Option<i64>,
    ) -> Self {
        StsConfig {
            roles: if roles.is_empty() {
                vec![DEMO_ROLE_ARN.to_owned()]
            } else {
                roles
            },
            oidc_tokens: if oidc_tokens.is_empty() {
                vec![(
                    DEMO_OIDC_PROVIDER_ARN.to_owned(),
                    DEMO_OIDC_TOKEN.to_owned(),
                )]
            } else {
                oidc_tokens
            },
            lifetime_seconds,
        }
    }
}

/// Whether a request is meant for STS: an RPC request naming its version.
pub(crate) fn is_sts_request(request: &ParsedRequest) -> bool {
    request.parameter("Version") == Some(STS_API_VERSION)
        && request.header("authorization").is_none()
}

/// Authenticates an STS request: `AssumeRoleWithOIDC` is unsigned (its
/// token is the proof of identity); every other action is verified like an
/// What STS needs of the emulator: the key store it verifies requests
/// with and issues credentials into, the clock, and what it knows of
/// roles and tokens.
pub(crate) struct StsContext<'a> {
    pub(crate) verifier: &'a Verifier,
    pub(crate) clock: &'a Clock,
    pub(crate) config: &'a StsConfig,
}

/// RDS call.
pub(crate) fn authenticate(
    context: &StsContext<'_>,
    request: &ParsedRequest,
) -> Result<(), ApiError> {
    if request.parameter("Action") == Some("AssumeRoleWithOIDC") {
        return Ok(());
    }
    context
        .verifier
        .authenticate(request, context.clock)
        .map(drop)
}

/// Answers one authenticated STS request.
pub(crate) fn handle(
    context: &StsContext<'_>,
    request: &ParsedRequest,
) -> Result<OperationOutput, ApiError> {
    match request.parameter("Action") {
        Some("AssumeRole") => assume_role(context, request),
        Some("AssumeRoleWithOIDC") => assume_role_with_oidc(context, request),
        Some(_) => Err(ApiError::action_not_found()
            .recommend("The emulated STS implements AssumeRole and AssumeRoleWithOIDC.")),
        None => Err(ApiError::missing_parameter("Action")),
    }
}

fn required<'a>(request: &'a ParsedRequest, name: &str) -> Result<&'a str, ApiError> {
    request
        .parameter(name)
        .filter(|value| !value.is_empty())
        .ok_or_else(|| ApiError::missing_parameter(name))
}

/// The checks both actions share: session name, duration, role. Returns
/// the requested duration in seconds.
fn check_role_request(context: &StsContext<'_>, request: &ParsedRequest) -> Result<i64, ApiError> {
    let role_arn = required(request, "RoleArn")?;
    let session_name = required(request, "RoleSessionName")?;
    let duration = match request.parameter("DurationSeconds") {
        None => 3600,
        Some(text) => text.parse::<i64>().map_err(|_| invalid_duration())?,
    };
    if !DURATION_RANGE.contains(&duration) {
        return Err(invalid_duration());
    }
    if session_name.len() < 2
        || session_name.len() > 64
        || !session_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.RoleSessionName",
            "The parameter RoleSessionName is wrongly formed.",
        )
        .recommend("2 to 64 characters: letters, digits, `.`, `@`, `-` and `_`."));
    }
    if !is_role_arn(role_arn) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "InvalidParameter.RoleArn",
            "The parameter RoleArn is wrongly formed.",
        )
        .recommend("A role ARN reads acs:ram::<account ID>:role/<role name>."));
    }
    if !context.config.roles.iter().any(|known| known == role_arn) {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "EntityNotExist.Role",
            &format!("The role not exists: {role_arn}."),
        ));
    }
    Ok(duration)
}

fn invalid_duration() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "InvalidParameter.DurationSeconds",
        "The Min/Max value of DurationSeconds is 15min/12hr.",
    )
}

/// `acs:ram::<digits>:role/<name>`.
fn is_role_arn(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("acs:ram::") else {
        return false;
    };
    let Some((account, role)) = rest.split_once(":role/") else {
        return false;
    };
    !account.is_empty() && account.bytes().all(|b| b.is_ascii_digit()) && !role.is_empty()
}

fn assume_role(
    context: &StsContext<'_>,
    request: &ParsedRequest,
) -> Result<OperationOutput, ApiError> {
    let duration = check_role_request(context, request)?;
    Ok(issue(context, request, duration))
}

fn assume_role_with_oidc(
    context: &StsContext<'_>,
    request: &ParsedRequest,
) -> Result<OperationOutput, ApiError> {
    let provider_arn = required(request, "OIDCProviderArn")?;
    let token = required(request, "OIDCToken")?;
    let duration = check_role_request(context, request)?;
    if !context
        .config
        .oidc_tokens
        .iter()
        .any(|(provider, _)| provider == provider_arn)
    {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "EntityNotExist.OIDCProvider",
            &format!("The OIDC provider does not exist: {provider_arn}."),
        ));
    }
    let trusted = context
        .config
        .oidc_tokens
        .iter()
        .any(|(provider, accepted)| provider == provider_arn && accepted == token);
    if !trusted {
        // The token itself is never echoed: it is a credential.
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "AuthenticationFail.OIDCToken.Invalid",
            "The OIDC token is invalid.",
        )
        .recommend(
            "Check the token file; the emulator accepts the tokens it was configured with.",
        ));
    }
    Ok(issue(context, request, duration))
}

/// A random string of `length` upper-case letters and digits.
fn random_text(length: usize) -> String {
    let mut text = String::with_capacity(length + 32);
    while text.len() < length {
        text.extend(
            uuid::Uuid::new_v4()
                .simple()
                .to_string()
                .chars()
                .map(|c| c.to_ascii_uppercase()),
        );
    }
    text.truncate(length);
    text
}

/// Issues a temporary pair for the role and session the request names.
fn issue(context: &StsContext<'_>, request: &ParsedRequest, duration: i64) -> OperationOutput {
    let role_arn = request.parameter("RoleArn").unwrap_or_default();
    let session_name = request.parameter("RoleSessionName").unwrap_or_default();
    let lifetime = context.config.lifetime_seconds.unwrap_or(duration);
    let expires_at = context.clock.now_unix_seconds().saturating_add(lifetime);
    let pair = KeyPair::with_security_token(
        format!("STS.{}", random_text(24)),
        random_text(40),
        format!("CAIS{}", random_text(120)),
    );
    let answer = json!({
        "Credentials": {
            "AccessKeyId": pair.access_key_id,
            "AccessKeySecret": pair.access_key_secret,
            "SecurityToken": pair.security_token,
            "Expiration": format_timestamp(expires_at),
        },
        "AssumedRoleUser": {
            "Arn": format!("{role_arn}/{session_name}"),
            "AssumedRoleId": format!("3{}:{session_name}", &random_text(17)),
        },
    });
    context.verifier.keys().issue(pair, expires_at);
    match answer {
        Value::Object(map) => map,
        _ => OperationOutput::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_role_arn;

    #[test]
    fn role_arns_need_account_digits_and_a_role_name() {
        assert!(is_role_arn("acs:ram::1234567890123456:role/admin"));
        assert!(!is_role_arn("acs:ram::12ab:role/admin"));
        assert!(!is_role_arn("acs:ram::123:role/"));
        assert!(!is_role_arn("arn:aws:iam::123:role/admin"));
    }
}
