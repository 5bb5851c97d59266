//! Requests as a server sees them: a loopback server verifies HMAC-SHA1 and
//! ACS3-HMAC-SHA256 signatures with its own independent code (decoding the
//! query, then re-encoding its own way), plus clock-skew correction,
//! endpoint resolution, parameter flattening and the User-Agent.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aliyun_rds_emulator::signature;
use aliyun_runtime::clock::FixedClock;
use aliyun_runtime::config::Network;
use aliyun_runtime::credentials::FixedEnvironment;
use aliyun_runtime::endpoint::resolve_endpoint;
use aliyun_runtime::{Config, Credentials, RetryConfig, Runtime, SdkError, SignatureVersion};
use serde::Serialize;
use serde_json::Value;
use support::{Reply, Request, TestServer, ACTIVATE, DESCRIBE, PRODUCT, SUCCESS_BODY};

const SECRET: &str = "s3cr3t/with+reserved=chars&é";

/// RFC 3986 encoding written independently of the runtime's encoder.
/// Checks an RPC (V1) signature with the emulator's verifier, which is
/// written independently of the runtime's signer.
fn verify_v1(request: &Request, secret: &str) -> Result<(), String> {
    let pairs = request.query();
    let signature = pairs
        .iter()
        .find(|(name, _)| name == "Signature")
        .map(|(_, value)| value.clone())
        .ok_or("no Signature")?;
    let canonical = signature::rpc_canonicalized_query(
        pairs
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str())),
    );
    let string_to_sign = signature::rpc_string_to_sign(&request.method, &canonical);
    if signature::rpc_signature_matches(secret, &string_to_sign, &signature) {
        Ok(())
    } else {
        Err(format!(
            "expected {}, got {signature}",
            signature::rpc_signature(secret, &string_to_sign)
        ))
    }
}

/// Checks an `ACS3-HMAC-SHA256` (V3) signature with the emulator's
/// verifier, after checking that every `x-acs-` header sent is signed.
fn verify_v3(request: &Request, id: &str, secret: &str) -> Result<(), String> {
    let authorization = request.header("authorization").ok_or("no Authorization")?;
    let rest = authorization
        .strip_prefix("ACS3-HMAC-SHA256 ")
        .ok_or("wrong algorithm")?;
    let mut credential = "";
    let mut signed_headers = "";
    let mut provided = "";
    for part in rest.split(',') {
        let (key, value) = part.split_once('=').ok_or("malformed Authorization")?;
        match key.trim() {
            "Credential" => credential = value,
            "SignedHeaders" => signed_headers = value,
            "Signature" => provided = value,
            _ => return Err(format!("unknown part {key}")),
        }
    }
    if credential != id {
        return Err("wrong credential".into());
    }
    let names: Vec<String> = signed_headers.split(';').map(str::to_owned).collect();
    for required in [
        "host",
        "x-acs-action",
        "x-acs-version",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-content-sha256",
    ] {
        if !names.iter().any(|name| name == required) {
            return Err(format!("{required} not signed"));
        }
    }
    for (name, _) in &request.headers {
        if name.starts_with("x-acs-") && !names.contains(name) {
            return Err(format!("{name} sent but not signed"));
        }
    }
    let payload_hash = signature::sha256_hex(&request.body);
    if request.header("x-acs-content-sha256").as_deref() != Some(payload_hash.as_str()) {
        return Err("payload hash mismatch".into());
    }
    let query = request.query();
    let canonical_headers = signature::acs3_canonical_headers(&request.headers, &names)
        .ok_or("a signed header is missing")?;
    let canonical_request = signature::acs3_canonical_request(
        &request.method,
        request.path(),
        &signature::acs3_canonical_query(
            query
                .iter()
                .map(|(name, value)| (name.as_str(), value.as_str())),
        ),
        &canonical_headers,
        &signature::acs3_signed_headers_list(&names),
        &payload_hash,
    );
    let string_to_sign = signature::acs3_string_to_sign(&canonical_request);
    if signature::acs3_signature_matches(secret, &string_to_sign, provided) {
        Ok(())
    } else {
        Err(format!(
            "signature mismatch: expected {}, got {provided}",
            signature::acs3_signature(secret, &string_to_sign)
        ))
    }
}

fn verifying_server_reply(result: Result<(), String>) -> Reply {
    match result {
        Ok(()) => Reply::json(200, SUCCESS_BODY),
        Err(why) => Reply::json(
            400,
            &serde_json::json!({"Code": "SignatureDoesNotMatch", "Message": why, "RequestId": "R-SIG"}).to_string(),
        ),
    }
}

fn nasty_input() -> BTreeMap<String, String> {
    let mut input = BTreeMap::new();
    input.insert(
        "DBInstanceName".to_owned(),
        "rm-a b*c~d/e:f+g=h&i%j?k#l".to_owned(),
    );
    input.insert(
        "Description".to_owned(),
        "中文 émoji 🎉 'quote\" <tag> \\ ;,$@!()[]{}|^`".to_owned(),
    );
    input.insert("Tab".to_owned(), "line\tone\nline two\r".to_owned());
    input.insert("Plus".to_owned(), "+ + %20 %2A".to_owned());
    input
}

fn assert_values_arrive_verbatim(request: &Request, input: &BTreeMap<String, String>) {
    for (name, value) in input {
        assert_eq!(
            request.param(name).as_deref(),
            Some(value.as_str()),
            "parameter {name}"
        );
    }
}

#[tokio::test]
async fn hmac_sha1_signature_verifies_independently_for_reserved_and_non_ascii_values() {
    let server =
        TestServer::start(|request, _| verifying_server_reply(verify_v1(request, SECRET))).await;
    let credentials = Credentials::new("AKID-test", SECRET).with_security_token("sts+token/==");
    for operation in [&ACTIVATE, &DESCRIBE] {
        let config = Config::builder()
            .endpoint_url(server.url())
            .credentials(credentials.clone())
            .build();
        let runtime = Runtime::new(config, &PRODUCT).unwrap();
        let input = nasty_input();
        let output: Value = runtime
            .invoke::<_, Value, String>(operation, &input, |code| code.to_owned())
            .await
            .unwrap_or_else(|error| panic!("{error}"));
        assert_eq!(output["RequestId"], "REQ-OK");
    }
    let requests = server.requests();
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[1].method, "GET");
    for request in &requests {
        assert_values_arrive_verbatim(request, &nasty_input());
        assert_eq!(
            request.param("SecurityToken").as_deref(),
            Some("sts+token/==")
        );
        assert_eq!(request.param("Format").as_deref(), Some("JSON"));
        assert_eq!(
            request.param("SignatureMethod").as_deref(),
            Some("HMAC-SHA1")
        );
        assert_eq!(request.param("SignatureVersion").as_deref(), Some("1.0"));
        assert_eq!(request.param("Version").as_deref(), Some("2014-08-15"));
        let timestamp = request.param("Timestamp").unwrap();
        assert_eq!(timestamp.len(), 20, "{timestamp}");
        assert!(timestamp.ends_with('Z') && timestamp.as_bytes()[10] == b'T');
        // Reserved characters are escaped in the raw query, with upper-case hex.
        assert!(request.raw_query().contains("%2A") && !request.raw_query().contains('+'));
    }
}

#[tokio::test]
async fn a_wrong_secret_fails_independent_verification() {
    let server =
        TestServer::start(|request, _| verifying_server_reply(verify_v1(request, SECRET))).await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("AKID-test", "not-the-secret"))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let error = runtime
        .invoke::<_, Value, String>(&ACTIVATE, &nasty_input(), |code| code.to_owned())
        .await
        .unwrap_err();
    assert_eq!(
        error.as_service_error().unwrap().code(),
        "SignatureDoesNotMatch"
    );
}

#[tokio::test]
async fn v3_signature_verifies_independently() {
    let server = TestServer::start(|request, _| {
        verifying_server_reply(verify_v3(request, "AKID-test", SECRET))
    })
    .await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("AKID-test", SECRET).with_security_token("sts-token-v3"))
        .signature_version(SignatureVersion::V3)
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    for operation in [&ACTIVATE, &DESCRIBE] {
        runtime
            .invoke::<_, Value, String>(operation, &nasty_input(), |code| code.to_owned())
            .await
            .unwrap_or_else(|error| panic!("{error}"));
    }
    for request in server.requests() {
        assert_values_arrive_verbatim(&request, &nasty_input());
        assert_eq!(
            request.header("x-acs-security-token").as_deref(),
            Some("sts-token-v3")
        );
        assert_eq!(
            request.header("x-acs-action").as_deref(),
            Some(request_action(&request))
        );
        assert!(
            request.param("Signature").is_none(),
            "V3 carries no Signature parameter"
        );
    }
}

fn request_action(request: &Request) -> &'static str {
    if request.method == "POST" {
        "ActivateMigrationTargetInstance"
    } else {
        "DescribeDBInstances"
    }
}

#[tokio::test]
async fn clock_skew_is_corrected_from_the_date_header_and_kept() {
    // The local clock is years behind; the server rejects old timestamps
    // and says what time it is.
    let skewed = UNIX_EPOCH + Duration::from_secs(1_577_836_800); // 2020-01-01
    let server = TestServer::start(|request, _| {
        let timestamp = request.param("Timestamp").unwrap_or_default();
        if timestamp.starts_with("2020") {
            Reply::json(
                400,
                r#"{"Code":"InvalidTimeStamp.Expired","Message":"Specified time stamp or date value is expired.","RequestId":"R-SKEW"}"#,
            )
            .with_header("Date", &httpdate::fmt_http_date(SystemTime::now()))
        } else {
            Reply::json(200, SUCCESS_BODY)
        }
    })
    .await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("id", "secret"))
        .clock(Arc::new(FixedClock(skewed)))
        .retry(RetryConfig::disabled())
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    runtime
        .invoke::<_, Value, String>(&ACTIVATE, &BTreeMap::<String, String>::new(), |c| {
            c.to_owned()
        })
        .await
        .unwrap();
    assert_eq!(
        server.request_count(),
        2,
        "one rejected attempt, one corrected retry"
    );
    assert!(runtime.clock_offset_millis() > 150_000_000_000 / 1000);
    // The offset is kept: the next call is right the first time.
    runtime
        .invoke::<_, Value, String>(&ACTIVATE, &BTreeMap::<String, String>::new(), |c| {
            c.to_owned()
        })
        .await
        .unwrap();
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn clock_skew_without_a_date_header_is_returned() {
    let server = TestServer::start(|_, _| {
        Reply::json(
            400,
            r#"{"Code":"InvalidTimeStamp.Expired","Message":"expired","RequestId":"R"}"#,
        )
    })
    .await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("id", "secret"))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let error = runtime
        .invoke::<_, Value, String>(&ACTIVATE, &BTreeMap::<String, String>::new(), |c| {
            c.to_owned()
        })
        .await
        .unwrap_err();
    assert_eq!(
        error.as_service_error().unwrap().code(),
        "InvalidTimeStamp.Expired"
    );
    assert_eq!(server.request_count(), 1);
}

#[derive(Serialize)]
struct NestedInput {
    #[serde(rename = "DBInstanceName")]
    name: String,
    #[serde(rename = "Tag")]
    tags: Vec<Tag>,
    #[serde(rename = "Force")]
    force: bool,
    #[serde(rename = "Count")]
    count: i64,
    #[serde(rename = "Absent", skip_serializing_if = "Option::is_none")]
    absent: Option<String>,
    #[serde(rename = "Filter", serialize_with = "aliyun_runtime::ser::json_string")]
    filter: BTreeMap<String, i32>,
}

#[derive(Serialize)]
struct Tag {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value")]
    value: String,
}

#[tokio::test]
async fn structured_input_is_flattened_on_the_wire_with_user_agent() {
    let server = TestServer::start(|_, _| Reply::json(200, SUCCESS_BODY)).await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("id", "secret"))
        .user_agent_suffix("my-tool/2.0")
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let input = NestedInput {
        name: "rm-1".into(),
        tags: vec![
            Tag {
                key: "env".into(),
                value: "prod".into(),
            },
            Tag {
                key: "team".into(),
                value: "db".into(),
            },
        ],
        force: true,
        count: -3,
        absent: None,
        filter: BTreeMap::from([("a".to_owned(), 1)]),
    };
    runtime
        .invoke::<_, Value, String>(&ACTIVATE, &input, |c| c.to_owned())
        .await
        .unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.param("Tag.1.Key").as_deref(), Some("env"));
    assert_eq!(request.param("Tag.2.Value").as_deref(), Some("db"));
    assert_eq!(request.param("Force").as_deref(), Some("true"));
    assert_eq!(request.param("Count").as_deref(), Some("-3"));
    assert_eq!(request.param("Filter").as_deref(), Some(r#"{"a":1}"#));
    assert!(request.param("Absent").is_none());
    let agent = request.header("user-agent").unwrap();
    assert!(agent.starts_with("aliyun-rust-sdk/"), "{agent}");
    assert!(
        agent.contains("Rds/2014-08-15") && agent.ends_with(" my-tool/2.0"),
        "{agent}"
    );
}

#[test]
fn endpoints_resolve_explicit_then_map_then_rule() {
    let resolve = |url: Option<&str>, region: Option<&str>, network| {
        resolve_endpoint(&PRODUCT, url, region, network)
    };
    assert_eq!(
        resolve(None, Some("cn-hangzhou"), Network::Public)
            .unwrap()
            .base_url(),
        "https://rds.aliyuncs.com"
    );
    assert_eq!(
        resolve(None, Some("cn-hangzhou-finance"), Network::Public)
            .unwrap()
            .base_url(),
        "https://rds-vpc.cn-hangzhou-finance.aliyuncs.com"
    );
    assert_eq!(
        resolve(None, Some("ap-south-1"), Network::Public)
            .unwrap()
            .base_url(),
        "https://rds.ap-south-1.aliyuncs.com"
    );
    assert_eq!(
        resolve(None, Some("cn-hangzhou"), Network::Vpc)
            .unwrap()
            .base_url(),
        "https://rds-vpc.cn-hangzhou.aliyuncs.com"
    );
    let explicit = resolve(
        Some("http://127.0.0.1:8080/"),
        Some("cn-hangzhou"),
        Network::Public,
    )
    .unwrap();
    assert_eq!(explicit.base_url(), "http://127.0.0.1:8080");
    assert_eq!(explicit.authority(), "127.0.0.1:8080");
    assert!(!explicit.is_https());
    assert_eq!(
        resolve(Some("https://rds.example.com:443"), None, Network::Public)
            .unwrap()
            .authority(),
        "rds.example.com"
    );
    for bad in [
        "ftp://x",
        "rds.aliyuncs.com",
        "https://host/path",
        "https://u:p@host",
        "http://",
    ] {
        assert!(
            resolve(Some(bad), None, Network::Public).is_err(),
            "{bad} should be rejected"
        );
    }
    let missing = resolve(None, None, Network::Public).unwrap_err();
    assert!(missing.to_string().contains("no region"), "{missing}");
    assert!(resolve(None, Some("evil.com/x"), Network::Public).is_err());
}

#[test]
fn region_comes_from_the_environment_when_not_configured() {
    let environment = FixedEnvironment::new().with_var("ALIBABA_CLOUD_REGION_ID", "cn-shanghai");
    let config = Config::builder()
        .environment(Arc::new(environment))
        .credentials(Credentials::new("id", "secret"))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    assert_eq!(runtime.region(), Some("cn-shanghai"));
    assert_eq!(
        runtime.endpoint().base_url(),
        "https://rds.cn-shanghai.aliyuncs.com"
    );

    let explicit = Config::builder()
        .environment(Arc::new(
            FixedEnvironment::new().with_var("ALIBABA_CLOUD_REGION_ID", "cn-shanghai"),
        ))
        .region("cn-hangzhou")
        .credentials(Credentials::new("id", "secret"))
        .build();
    assert_eq!(
        Runtime::new(explicit, &PRODUCT).unwrap().region(),
        Some("cn-hangzhou")
    );
}

#[tokio::test]
async fn presigned_requests_are_deterministic_with_injected_clock_and_nonce() {
    #[derive(Debug)]
    struct CountingNonce(std::sync::atomic::AtomicU32);
    impl aliyun_runtime::clock::NonceSource for CountingNonce {
        fn nonce(&self) -> String {
            format!(
                "nonce-{}",
                self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            )
        }
    }
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials(Credentials::new("testid", "testsecret"))
        .clock(Arc::new(FixedClock(
            UNIX_EPOCH + Duration::from_secs(1_456_231_584),
        )))
        .nonce_source(Arc::new(CountingNonce(Default::default())))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let input = BTreeMap::from([("DBInstanceName".to_owned(), "rm-1".to_owned())]);
    let first = runtime.presign(&ACTIVATE, &input).await.unwrap();
    let second = runtime.presign(&ACTIVATE, &input).await.unwrap();
    assert!(first.url().starts_with("https://rds.aliyuncs.com/?AccessKeyId=testid&Action=ActivateMigrationTargetInstance&DBInstanceName=rm-1&Format=JSON"));
    assert!(
        first.url().contains("SignatureNonce=nonce-0")
            && second.url().contains("SignatureNonce=nonce-1")
    );
    assert!(first.url().contains("Timestamp=2016-02-23T12%3A46%3A24Z"));
    assert_ne!(first, second);
}

#[tokio::test]
async fn invalid_input_is_a_construction_error() {
    let config = Config::builder()
        .region("cn-hangzhou")
        .credentials(Credentials::new("id", "secret"))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let error = runtime
        .invoke::<_, Value, String>(&ACTIVATE, &vec![1, 2], |c| c.to_owned())
        .await
        .unwrap_err();
    match error {
        SdkError::Construction(construction) => assert!(!construction.is_credentials_missing()),
        other => panic!("expected a construction error, got {other:?}"),
    }
    let reserved = BTreeMap::from([("Timestamp".to_owned(), "2020-01-01T00:00:00Z".to_owned())]);
    let error = runtime
        .invoke::<_, Value, String>(&ACTIVATE, &reserved, |c| c.to_owned())
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("`Timestamp` is set by the runtime"),
        "{error}"
    );
}

#[tokio::test]
async fn values_that_cannot_be_http_headers_are_construction_errors() {
    let bad_suffix = Config::builder()
        .region("cn-hangzhou")
        .credentials(Credentials::new("id", "secret"))
        .user_agent_suffix("tool\r\nX-Injected: 1")
        .build();
    let error = Runtime::new(bad_suffix, &PRODUCT).unwrap_err();
    assert!(error.to_string().contains("user agent suffix"), "{error}");

    // Under V3 the nonce travels in a header; one with a line break cannot.
    #[derive(Debug)]
    struct BrokenNonce;
    impl aliyun_runtime::clock::NonceSource for BrokenNonce {
        fn nonce(&self) -> String {
            "line\nbreak".to_owned()
        }
    }
    let server = TestServer::start(|_, _| Reply::json(200, SUCCESS_BODY)).await;
    let config = Config::builder()
        .endpoint_url(server.url())
        .credentials(Credentials::new("id", "secret"))
        .signature_version(SignatureVersion::V3)
        .nonce_source(Arc::new(BrokenNonce))
        .build();
    let runtime = Runtime::new(config, &PRODUCT).unwrap();
    let error = runtime
        .invoke::<_, Value, String>(&DESCRIBE, &BTreeMap::<String, String>::new(), |c| {
            c.to_owned()
        })
        .await
        .unwrap_err();
    assert!(matches!(error, SdkError::Construction(_)), "{error:?}");
    assert_eq!(server.request_count(), 0);
}
