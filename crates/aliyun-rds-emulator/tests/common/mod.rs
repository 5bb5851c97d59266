//! Shared helpers of the emulator's integration tests: a small request signer
//! written here, independently of the emulator's verifier (it only shares
//! the hash crates), and a plain HTTP client that sends what it signs.
//!
//! Each test file includes this module; not every file uses every helper.
#![allow(dead_code)]

use aliyun_rds_emulator::{Emulator, Fixture, KeyPair, RunningEmulator};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha1::Sha1;
use sha2::{Digest, Sha256};

pub const ACTION: &str = "ActivateMigrationTargetInstance";
pub const VERSION: &str = "2014-08-15";

/// Starts an emulator on a free loopback port with the demo fixture and the
/// given key pairs (the demo pair when empty).
pub async fn start(pairs: Vec<KeyPair>) -> RunningEmulator {
    start_with(Fixture::demo(), pairs, 0).await
}

pub async fn start_with(fixture: Fixture, pairs: Vec<KeyPair>, offset: i64) -> RunningEmulator {
    let mut builder = Emulator::builder().fixture(fixture).clock_offset(offset);
    for pair in pairs {
        builder = builder.key_pair(pair);
    }
    builder
        .start("127.0.0.1:0")
        .await
        .expect("emulator starts on loopback")
}

/// RFC 3986 encoding written out by hand, so that the tests do not share the
/// emulator's encoder.
pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn join_sorted(pairs: &[(String, String)]) -> String {
    let mut encoded: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| (encode(name), encode(value)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// The current UTC time shifted by `offset_seconds`, in the protocol format.
pub fn timestamp(offset_seconds: i64) -> String {
    let now = time::OffsetDateTime::now_utc() + time::Duration::seconds(offset_seconds);
    let now = now
        .replace_nanosecond(0)
        .expect("zero nanoseconds are valid");
    now.format(&time::format_description::well_known::Rfc3339)
        .expect("formats")
}

pub fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A credential as the tests sign with it.
#[derive(Clone)]
pub struct Signer {
    pub id: String,
    pub secret: String,
    pub token: Option<String>,
}

impl Signer {
    pub fn demo() -> Self {
        Signer::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        )
    }

    pub fn new(id: &str, secret: &str) -> Self {
        Signer {
            id: id.into(),
            secret: secret.into(),
            token: None,
        }
    }

    pub fn with_token(mut self, token: &str) -> Self {
        self.token = Some(token.into());
        self
    }
}

/// An RPC (`HMAC-SHA1`) request under construction.
pub struct RpcRequest {
    pub method: &'static str,
    /// Parameters sent in the query string.
    pub query: Vec<(String, String)>,
    /// Parameters sent in a form body.
    pub form: Vec<(String, String)>,
    /// Added after signing, to tamper with the request.
    pub query_after_signing: Vec<(String, String)>,
}

impl RpcRequest {
    /// The common signing parameters plus `extra`, all in the query.
    pub fn new(signer: &Signer, action: &str, extra: &[(&str, &str)]) -> Self {
        let mut query: Vec<(String, String)> = vec![
            ("Action".into(), action.into()),
            ("Version".into(), VERSION.into()),
            ("Format".into(), "JSON".into()),
            ("AccessKeyId".into(), signer.id.clone()),
            ("SignatureMethod".into(), "HMAC-SHA1".into()),
            ("SignatureVersion".into(), "1.0".into()),
            ("SignatureNonce".into(), nonce()),
            ("Timestamp".into(), timestamp(0)),
        ];
        if let Some(token) = &signer.token {
            query.push(("SecurityToken".into(), token.clone()));
        }
        for (name, value) in extra {
            query.push(((*name).into(), (*value).into()));
        }
        RpcRequest {
            method: "GET",
            query,
            form: Vec::new(),
            query_after_signing: Vec::new(),
        }
    }

    /// Replaces (or adds) a parameter.
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.query.retain(|(existing, _)| existing != name);
        self.form.retain(|(existing, _)| existing != name);
        self.query.push((name.into(), value.into()));
        self
    }

    pub fn remove(mut self, name: &str) -> Self {
        self.query.retain(|(existing, _)| existing != name);
        self
    }

    /// Moves the named parameters into a form body and sends with POST.
    pub fn post_form(mut self, names: &[&str]) -> Self {
        self.method = "POST";
        let (moved, kept): (Vec<_>, Vec<_>) = self
            .query
            .into_iter()
            .partition(|(name, _)| names.contains(&name.as_str()));
        self.query = kept;
        self.form = moved;
        self
    }

    pub fn string_to_sign(&self) -> String {
        let all: Vec<(String, String)> =
            self.query.iter().chain(self.form.iter()).cloned().collect();
        format!("{}&%2F&{}", self.method, encode(&join_sorted(&all)))
    }

    pub fn signature(&self, secret: &str) -> String {
        let mut mac = Hmac::<Sha1>::new_from_slice(format!("{secret}&").as_bytes()).expect("key");
        mac.update(self.string_to_sign().as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    /// Signs with `secret` and sends to the emulator.
    pub async fn send(self, emulator: &RunningEmulator, secret: &str) -> Reply {
        let signature = self.signature(secret);
        self.send_with_signature(emulator, &signature).await
    }

    pub async fn send_with_signature(self, emulator: &RunningEmulator, signature: &str) -> Reply {
        let mut query = self.query.clone();
        query.push(("Signature".into(), signature.into()));
        query.extend(self.query_after_signing.iter().cloned());
        let query_text = query
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let url = format!("{}/?{query_text}", emulator.base_url());
        let client = client();
        let request = if self.method == "POST" {
            let body = self
                .form
                .iter()
                .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
                .collect::<Vec<_>>()
                .join("&");
            client
                .post(url)
                .header("content-type", "application/x-www-form-urlencoded")
                .body(body)
        } else {
            client.get(url)
        };
        Reply::from(request.send().await.expect("the emulator answers")).await
    }
}

/// An `ACS3-HMAC-SHA256` request under construction.
pub struct Acs3Request {
    pub method: &'static str,
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Headers sent, lower-case names (host is added at send time).
    pub headers: Vec<(String, String)>,
    /// Header names to sign in addition to host and every x-acs-* header.
    pub extra_signed: Vec<String>,
    /// Headers not to sign even though they are sent.
    pub unsigned: Vec<String>,
    /// Replaces the computed Authorization header when set.
    pub authorization_override: Option<String>,
    /// Replaces the computed x-acs-content-sha256 when set.
    pub content_sha256_override: Option<String>,
}

impl Acs3Request {
    pub fn new(signer: &Signer, action: &str, query: &[(&str, &str)]) -> Self {
        let mut headers: Vec<(String, String)> = vec![
            ("x-acs-action".into(), action.into()),
            ("x-acs-version".into(), VERSION.into()),
            ("x-acs-date".into(), timestamp(0)),
            ("x-acs-signature-nonce".into(), nonce()),
        ];
        if let Some(token) = &signer.token {
            headers.push(("x-acs-security-token".into(), token.clone()));
        }
        Acs3Request {
            method: "POST",
            query: query
                .iter()
                .map(|(name, value)| ((*name).into(), (*value).into()))
                .collect(),
            body: Vec::new(),
            headers,
            extra_signed: Vec::new(),
            unsigned: Vec::new(),
            authorization_override: None,
            content_sha256_override: None,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(existing, _)| existing != name);
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn without_header(mut self, name: &str) -> Self {
        self.headers.retain(|(existing, _)| existing != name);
        self
    }

    pub fn form_body(mut self, pairs: &[(&str, &str)]) -> Self {
        self.body = pairs
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&")
            .into_bytes();
        self.header("content-type", "application/x-www-form-urlencoded")
    }

    /// Signs with `secret` for the emulator's host and sends.
    pub async fn send(mut self, emulator: &RunningEmulator, id: &str, secret: &str) -> Reply {
        let host = emulator.local_addr().to_string();
        let payload_hash = hex::encode(Sha256::digest(&self.body));
        let content_sha256 = self
            .content_sha256_override
            .clone()
            .unwrap_or_else(|| payload_hash.clone());
        self = self.header("x-acs-content-sha256", &content_sha256);
        let mut signed: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(name, _)| {
                (name.starts_with("x-acs-") || self.extra_signed.contains(name))
                    && !self.unsigned.contains(name)
            })
            .cloned()
            .collect();
        if !self.unsigned.iter().any(|name| name == "host") {
            signed.push(("host".into(), host.clone()));
        }
        signed.sort();
        let canonical_headers: String = signed
            .iter()
            .map(|(name, value)| format!("{name}:{}\n", value.trim()))
            .collect();
        let signed_names = signed
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(";");
        let canonical_request = format!(
            "{}\n/\n{}\n{canonical_headers}\n{signed_names}\n{payload_hash}",
            self.method,
            join_sorted(&self.query)
        );
        let string_to_sign = format!(
            "ACS3-HMAC-SHA256\n{}",
            hex::encode(Sha256::digest(canonical_request.as_bytes()))
        );
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(string_to_sign.as_bytes());
        let signature = hex::encode(mac.finalize().into_bytes());
        let authorization = self.authorization_override.clone().unwrap_or_else(|| {
            format!(
                "ACS3-HMAC-SHA256 Credential={id},SignedHeaders={signed_names},Signature={signature}"
            )
        });

        let query_text = self
            .query
            .iter()
            .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let url = if query_text.is_empty() {
            format!("{}/", emulator.base_url())
        } else {
            format!("{}/?{query_text}", emulator.base_url())
        };
        let client = client();
        let mut request = if self.method == "POST" {
            client.post(url).body(self.body.clone())
        } else {
            client.get(url)
        };
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        request = request.header("authorization", authorization);
        Reply::from(request.send().await.expect("the emulator answers")).await
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client builds")
}

/// A response, read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub async fn from(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body reads");
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("body is JSON ({error}): {}", self.body))
    }

    pub fn code(&self) -> String {
        self.json()["Code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn message(&self) -> String {
        self.json()["Message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    }

    /// Asserts an error answer with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{}",
            self.body
        );
        let json = self.json();
        for field in ["RequestId", "HostId", "Code", "Message", "Recommend"] {
            assert!(
                json.get(field).is_some(),
                "{field} missing in {}",
                self.body
            );
        }
    }
}
