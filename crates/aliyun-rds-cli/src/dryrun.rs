//! `--dryrun`: the request a call would send, signed as it would be, shown
//! instead of sent.
//!
//! The request is built by the runtime's own `presign`, so what is shown is
//! exactly what the call would send: method, URL, every query and body
//! parameter (decoded) and the headers. What would let someone replay or
//! forge requests is replaced by `<redacted>`: the `Signature` parameter,
//! the signature of an `Authorization` header, any STS token
//! (`SecurityToken`, `x-acs-security-token`) and any parameter whose name
//! says it is a password or a secret. The AccessKey secret itself never is
//! in a request.

use aliyun_runtime::error::ConstructionError;
use aliyun_runtime::metadata::OperationMetadata;
use aliyun_runtime::Runtime;
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

/// What replaces a secret.
const REDACTED: &str = "<redacted>";

/// The signed request for `operation`, as a JSON document to print.
pub async fn describe(
    runtime: &Runtime,
    operation: &'static OperationMetadata,
    parameters: &Map<String, Value>,
) -> Result<Value, ConstructionError> {
    let signed = runtime.presign(operation, parameters).await?;
    let (url, query) = match signed.url().split_once('?') {
        Some((url, query)) => (url, query),
        None => (signed.url(), ""),
    };
    let headers: Map<String, Value> = signed
        .headers()
        .iter()
        .map(|(name, value)| {
            (
                (*name).to_owned(),
                Value::String(redacted_header(name, value)),
            )
        })
        .collect();
    let body = String::from_utf8_lossy(signed.body());
    Ok(json!({
        "DryRun": true,
        "Method": signed.method().as_str(),
        "Url": url,
        "Query": redacted_form(query),
        "Headers": headers,
        "Body": redacted_form(&body),
    }))
}

/// Whether a parameter's value must not be shown: the rule by which
/// interceptors are kept from secrets (signature, STS token, and any name
/// mentioning a password or a secret), except for `AccessKeyId`. The id
/// is no secret, a dry run is where one checks which key would sign, and
/// the `Authorization` header of V3 requests names it anyway.
fn is_secret_parameter(name: &str) -> bool {
    name != "AccessKeyId" && aliyun_runtime::interceptor::is_sensitive_parameter(name)
}

/// The decoded `name=value` pairs of a query string or form body, secrets
/// redacted.
fn redacted_form(encoded: &str) -> Map<String, Value> {
    let decode = |text: &str| {
        // A form body writes spaces as `+`; the query encoder never does.
        percent_decode_str(&text.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    encoded
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(name);
            let value = if is_secret_parameter(&name) {
                REDACTED.to_owned()
            } else {
                decode(value)
            };
            (name, Value::String(value))
        })
        .collect()
}

/// A header's value with its secrets redacted: the STS token whole, and
/// the signature part of `Authorization`.
fn redacted_header(name: &str, value: &str) -> String {
    match name {
        "x-acs-security-token" => REDACTED.to_owned(),
        "authorization" => match value.find("Signature=") {
            Some(start) => format!("{}Signature={REDACTED}", &value[..start]),
            None => REDACTED.to_owned(),
        },
        _ => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_keys_tokens_passwords_and_secrets_are_redacted() {
        let form = redacted_form(
            "Action=X&Signature=abc%3D&SecurityToken=tok&SourcePassword=pw&Name=a%20b+c\
             &ClientSecret=cs&AccessKeyId=ak",
        );
        assert_eq!(form["ClientSecret"], REDACTED);
        assert_eq!(form["AccessKeyId"], "ak");
        assert_eq!(form["Action"], "X");
        assert_eq!(form["Signature"], REDACTED);
        assert_eq!(form["SecurityToken"], REDACTED);
        assert_eq!(form["SourcePassword"], REDACTED);
        assert_eq!(form["Name"], "a b c");
        assert_eq!(
            redacted_header(
                "authorization",
                "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=ff00"
            ),
            "ACS3-HMAC-SHA256 Credential=AK,SignedHeaders=host,Signature=<redacted>"
        );
        assert_eq!(redacted_header("x-acs-security-token", "t"), REDACTED);
        assert_eq!(redacted_header("host", "h"), "h");
    }
}
