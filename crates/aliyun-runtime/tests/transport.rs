//! The transport against real loopback servers: proxies from the
//! environment and from the configuration, `NO_PROXY`, bad proxy and CA
//! settings, and per-call overrides of timeouts and endpoint.
//!
//! Environment variables are given through a `FixedEnvironment`: the
//! runtime reads the proxy and CA variables from the configured
//! environment, never straight from the process.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use aliyun_runtime::config::ConfigBuilder;
use aliyun_runtime::credentials::FixedEnvironment;
use aliyun_runtime::error::{ConstructionErrorKind, TimeoutKind};
use aliyun_runtime::{CallOverrides, Config, Credentials, Proxy, RetryConfig, Runtime, SdkError};
use serde_json::Value;
use support::{Reply, TestServer, DESCRIBE, PRODUCT, SUCCESS_BODY};

fn config(endpoint: &str, environment: FixedEnvironment) -> ConfigBuilder {
    Config::builder()
        .endpoint_url(endpoint)
        .environment(Arc::new(environment))
        .credentials(Credentials::new("test-id", "test-secret"))
        .retry(RetryConfig::default().with_max_attempts(1))
}

async fn call(runtime: &Runtime) -> Result<Value, SdkError<String>> {
    let mut input = BTreeMap::new();
    input.insert("DBInstanceName".to_owned(), "rm-test".to_owned());
    runtime
        .invoke::<BTreeMap<String, String>, Value, String>(&DESCRIBE, &input, |code| {
            code.to_owned()
        })
        .await
}

/// A server that answers every request with success, as a forwarding proxy
/// would relay the service's answer.
async fn answering_server() -> TestServer {
    TestServer::start(|_, _| Reply::json(200, SUCCESS_BODY)).await
}

#[tokio::test]
async fn http_proxy_from_the_environment_carries_the_request() {
    let proxy = answering_server().await;
    let environment = FixedEnvironment::new().with_var("HTTP_PROXY", proxy.url());
    // The endpoint's host does not resolve: only the proxy can reach it.
    let runtime =
        Runtime::new(config("http://rds.invalid", environment).build(), &PRODUCT).unwrap();

    let output = call(&runtime).await.unwrap();

    assert_eq!(output["RequestId"], "REQ-OK");
    let requests = proxy.requests();
    assert_eq!(requests.len(), 1);
    // A proxy is sent the absolute URL and the endpoint's host.
    assert!(
        requests[0].target.starts_with("http://rds.invalid/?"),
        "{}",
        requests[0].target
    );
    assert_eq!(requests[0].header("host").as_deref(), Some("rds.invalid"));
}

#[tokio::test]
async fn lower_case_and_scheme_less_proxy_variables_are_honoured() {
    let proxy = answering_server().await;
    let environment = FixedEnvironment::new().with_var("http_proxy", proxy.address().to_string());
    let runtime =
        Runtime::new(config("http://rds.invalid", environment).build(), &PRODUCT).unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 1);
}

#[tokio::test]
async fn all_proxy_applies_when_no_scheme_specific_proxy_is_set() {
    let proxy = answering_server().await;
    let environment = FixedEnvironment::new().with_var("ALL_PROXY", proxy.url());
    let runtime =
        Runtime::new(config("http://rds.invalid", environment).build(), &PRODUCT).unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 1);
}

#[tokio::test]
async fn an_https_proxy_does_not_carry_http_requests() {
    let proxy = answering_server().await;
    let server = answering_server().await;
    let environment = FixedEnvironment::new().with_var("HTTPS_PROXY", proxy.url());
    let runtime = Runtime::new(config(&server.url(), environment).build(), &PRODUCT).unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 0);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn no_proxy_sends_listed_hosts_straight_to_the_endpoint() {
    let proxy = answering_server().await;
    let server = answering_server().await;
    let environment = FixedEnvironment::new()
        .with_var("HTTP_PROXY", proxy.url())
        .with_var("NO_PROXY", "example.com, 127.0.0.0/8");
    let runtime = Runtime::new(config(&server.url(), environment).build(), &PRODUCT).unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 0);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_cgi_environment_gives_no_proxy() {
    let proxy = answering_server().await;
    let server = answering_server().await;
    // In a CGI script, HTTP_PROXY may come from the request's `Proxy:`
    // header.
    let environment = FixedEnvironment::new()
        .with_var("REQUEST_METHOD", "GET")
        .with_var("HTTP_PROXY", proxy.url());
    let runtime = Runtime::new(config(&server.url(), environment).build(), &PRODUCT).unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 0);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn an_explicit_proxy_replaces_the_environment_ones() {
    let environment_proxy = answering_server().await;
    let explicit_proxy = answering_server().await;
    let environment = FixedEnvironment::new().with_var("HTTP_PROXY", environment_proxy.url());
    let runtime = Runtime::new(
        config("http://rds.invalid", environment)
            .proxy(Proxy::all(explicit_proxy.url()))
            .build(),
        &PRODUCT,
    )
    .unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(environment_proxy.request_count(), 0);
    assert_eq!(explicit_proxy.request_count(), 1);
}

#[tokio::test]
async fn an_explicit_proxy_honours_its_own_exceptions() {
    let proxy = answering_server().await;
    let server = answering_server().await;
    let runtime = Runtime::new(
        config(&server.url(), FixedEnvironment::new())
            .proxy(Proxy::http(proxy.url()).no_proxy("127.0.0.1"))
            .build(),
        &PRODUCT,
    )
    .unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 0);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn no_proxy_ignores_the_environment() {
    let proxy = answering_server().await;
    let server = answering_server().await;
    let environment = FixedEnvironment::new().with_var("HTTP_PROXY", proxy.url());
    let runtime = Runtime::new(
        config(&server.url(), environment).no_proxy().build(),
        &PRODUCT,
    )
    .unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 0);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn an_invalid_proxy_variable_is_a_configuration_error_naming_it() {
    let environment =
        FixedEnvironment::new().with_var("HTTPS_PROXY", "http://user:hunter2@[not a host");
    let error = Runtime::new(
        config("https://rds.aliyuncs.com", environment).build(),
        &PRODUCT,
    )
    .unwrap_err();

    assert_eq!(error.kind(), ConstructionErrorKind::InvalidConfiguration);
    let message = error.to_string();
    assert!(message.contains("HTTPS_PROXY"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
    assert!(std::error::Error::source(&error).is_some());
}

#[cfg(not(feature = "socks"))]
#[test]
fn a_socks_proxy_without_the_feature_says_which_feature() {
    let error = Runtime::new(
        config("https://rds.aliyuncs.com", FixedEnvironment::new())
            .proxy(Proxy::all("socks5://127.0.0.1:1080"))
            .build(),
        &PRODUCT,
    )
    .unwrap_err();

    assert!(error.to_string().contains("`socks` feature"), "{error}");
}

#[test]
fn a_missing_ca_bundle_file_is_named_in_the_error() {
    let directory = tempfile::tempdir().unwrap();
    let missing = directory.path().join("missing-ca.pem");
    let environment =
        FixedEnvironment::new().with_var("ALIBABA_CLOUD_CA_BUNDLE", missing.to_str().unwrap());
    let error = Runtime::new(
        config("https://rds.aliyuncs.com", environment).build(),
        &PRODUCT,
    )
    .unwrap_err();

    let message = error.to_string();
    assert!(message.contains("missing-ca.pem"), "{message}");
    assert!(message.contains("ALIBABA_CLOUD_CA_BUNDLE"), "{message}");
    assert!(std::error::Error::source(&error).is_some());
}

#[test]
fn a_ca_bundle_without_certificates_is_refused() {
    let directory = tempfile::tempdir().unwrap();
    let bundle = directory.path().join("empty.pem");
    std::fs::write(&bundle, "not a certificate\n").unwrap();
    let environment =
        FixedEnvironment::new().with_var("ALIBABA_CLOUD_CA_BUNDLE", bundle.to_str().unwrap());
    let error = Runtime::new(
        config("https://rds.aliyuncs.com", environment).build(),
        &PRODUCT,
    )
    .unwrap_err();

    assert!(error.to_string().contains("no PEM certificate"), "{error}");

    let error = Runtime::new(
        config("https://rds.aliyuncs.com", FixedEnvironment::new())
            .root_certificate_pem("-----BEGIN CERTIFICATE-----\nbroken\n")
            .build(),
        &PRODUCT,
    )
    .unwrap_err();
    assert!(error.to_string().contains("root certificate 1"), "{error}");
}

#[tokio::test]
async fn one_call_may_wait_longer_than_the_client_allows() {
    // Every answer comes late: later than the client's timeouts, well
    // within the overriding ones.
    let server = TestServer::start(|_, _| {
        Reply::Delay(
            Duration::from_millis(400),
            Box::new(Reply::json(200, SUCCESS_BODY)),
        )
    })
    .await;
    let runtime = Runtime::new(
        config(&server.url(), FixedEnvironment::new())
            .attempt_timeout(Duration::from_millis(50))
            .operation_timeout(Duration::from_millis(50))
            .build(),
        &PRODUCT,
    )
    .unwrap();

    let patient = runtime.with_overrides(
        CallOverrides::new()
            .attempt_timeout(Duration::from_secs(30))
            .operation_timeout(Duration::from_secs(60)),
    );
    assert_eq!(patient.timeouts().operation, Duration::from_secs(60));
    let output = call(&patient).await.unwrap();
    assert_eq!(output["RequestId"], "REQ-OK");

    // The client's own timeouts still apply to the next call.
    assert_eq!(runtime.timeouts().operation, Duration::from_millis(50));
    match call(&runtime).await.unwrap_err() {
        SdkError::Timeout(timeout) => {
            assert_eq!(timeout.kind(), TimeoutKind::Operation);
            assert_eq!(timeout.limit(), Duration::from_millis(50));
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[tokio::test]
async fn one_call_may_go_to_another_endpoint_and_retry_otherwise() {
    let failing = TestServer::start(|_, _| {
        Reply::json(
            503,
            r#"{"RequestId":"REQ-5","Code":"ServiceUnavailable","Message":"down"}"#,
        )
    })
    .await;
    let other = answering_server().await;
    let runtime = Runtime::new(
        config(&failing.url(), FixedEnvironment::new()).build(),
        &PRODUCT,
    )
    .unwrap();

    let elsewhere = runtime.with_overrides(CallOverrides::new().endpoint_url(other.url()));
    call(&elsewhere).await.unwrap();
    assert_eq!(other.request_count(), 1);
    assert_eq!(failing.request_count(), 0);

    // Three attempts for this call only; the client makes one.
    let persistent = runtime.with_overrides(
        CallOverrides::new().retry(
            RetryConfig::default()
                .with_max_attempts(3)
                .with_backoff(Duration::from_millis(1), Duration::from_millis(2)),
        ),
    );
    call(&persistent).await.unwrap_err();
    assert_eq!(failing.request_count(), 3);
    call(&runtime).await.unwrap_err();
    assert_eq!(failing.request_count(), 4);
}

#[tokio::test]
async fn an_unusable_endpoint_override_fails_the_call_with_a_clear_error() {
    let server = answering_server().await;
    let runtime = Runtime::new(
        config(&server.url(), FixedEnvironment::new()).build(),
        &PRODUCT,
    )
    .unwrap();

    let broken = runtime.with_overrides(CallOverrides::new().endpoint_url("ftp://example.com"));
    match call(&broken).await.unwrap_err() {
        SdkError::Construction(error) => {
            assert_eq!(error.kind(), ConstructionErrorKind::InvalidConfiguration);
            assert!(error.to_string().contains("ftp://example.com"), "{error}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    assert_eq!(server.request_count(), 0);
}

/// A keep-alive HTTP/1.1 server that answers every request with success
/// and counts the connections it accepted.
struct KeepAliveServer {
    url: String,
    connections: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl KeepAliveServer {
    async fn start() -> KeepAliveServer {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        let task = tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        // One request: its head, then its body.
                        let head_end = loop {
                            if let Some(end) =
                                buffer.windows(4).position(|window| window == b"\r\n\r\n")
                            {
                                break end + 4;
                            }
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                            }
                        };
                        let head = String::from_utf8_lossy(&buffer[..head_end]).to_lowercase();
                        let body_length: usize = head
                            .lines()
                            .find_map(|line| line.strip_prefix("content-length:"))
                            .and_then(|value| value.trim().parse().ok())
                            .unwrap_or(0);
                        while buffer.len() < head_end + body_length {
                            match stream.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(read) => buffer.extend_from_slice(&chunk[..read]),
                            }
                        }
                        buffer.drain(..head_end + body_length);
                        let response = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                            SUCCESS_BODY.len(),
                            SUCCESS_BODY
                        );
                        if stream.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        KeepAliveServer {
            url,
            connections,
            task,
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for KeepAliveServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[tokio::test]
async fn idle_connections_are_reused_within_the_idle_timeout() {
    let server = KeepAliveServer::start().await;
    let runtime = Runtime::new(
        config(&server.url, FixedEnvironment::new()).build(),
        &PRODUCT,
    )
    .unwrap();

    for _ in 0..3 {
        call(&runtime).await.unwrap();
    }

    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn a_connection_idle_longer_than_the_idle_timeout_is_not_reused() {
    let server = KeepAliveServer::start().await;
    let runtime = Runtime::new(
        config(&server.url, FixedEnvironment::new())
            .pool_idle_timeout(Duration::from_millis(20))
            .build(),
        &PRODUCT,
    )
    .unwrap();

    call(&runtime).await.unwrap();
    // Idle for many times the idle timeout: the connection is dropped
    // rather than reused.
    tokio::time::sleep(Duration::from_millis(400)).await;
    call(&runtime).await.unwrap();

    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn no_idle_connections_are_kept_when_the_pool_holds_none() {
    let server = KeepAliveServer::start().await;
    let runtime = Runtime::new(
        config(&server.url, FixedEnvironment::new())
            .pool_max_idle_per_host(0)
            .build(),
        &PRODUCT,
    )
    .unwrap();

    for _ in 0..3 {
        call(&runtime).await.unwrap();
    }

    assert_eq!(server.connections(), 3);
}

#[tokio::test]
async fn a_client_of_the_users_replaces_the_configured_transport() {
    let proxy = answering_server().await;
    let configured_proxy = answering_server().await;
    // The user's client has its own proxy; the configuration's is ignored.
    let http_client = reqwest::Client::builder()
        .proxy(reqwest::Proxy::all(proxy.url()).unwrap())
        .build()
        .unwrap();
    let runtime = Runtime::new(
        config("http://rds.invalid", FixedEnvironment::new())
            .proxy(Proxy::all(configured_proxy.url()))
            .http_client(http_client)
            .build(),
        &PRODUCT,
    )
    .unwrap();

    call(&runtime).await.unwrap();

    assert_eq!(proxy.request_count(), 1);
    assert_eq!(configured_proxy.request_count(), 0);
}

/// An input without parameters, as a waiter polls with.
struct NoInput;

impl aliyun_runtime::parameters::ToParameters for NoInput {
    fn to_parameters(&self) -> Result<Vec<(String, String)>, aliyun_runtime::ConstructionError> {
        Ok(Vec::new())
    }
}

/// Succeeds on the success body of the test servers.
static ANSWERED: aliyun_runtime::waiter::WaiterDefinition =
    aliyun_runtime::waiter::WaiterDefinition {
        name: "Answered",
        acceptors: &[aliyun_runtime::waiter::Acceptor {
            state: aliyun_runtime::waiter::AcceptorState::Success,
            conditions: &[aliyun_runtime::waiter::Condition::equals(
                &[aliyun_runtime::waiter::PathSegment::Field("RequestId")],
                "REQ-OK",
            )],
            description: None,
        }],
        retry_on_errors: &[],
        min_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(1),
    };

#[tokio::test]
async fn a_customized_waiter_polls_with_the_overrides() {
    let server = answering_server().await;
    // The client's endpoint has nothing listening: only the override can
    // answer.
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let runtime = Runtime::new(
        config(
            &format!("http://127.0.0.1:{closed_port}"),
            FixedEnvironment::new(),
        )
        .build(),
        &PRODUCT,
    )
    .unwrap();

    let output: Value = aliyun_runtime::Waiter::new(
        runtime,
        &DESCRIBE,
        NoInput,
        |code: &str| code.to_owned(),
        &ANSWERED,
        Duration::from_secs(30),
    )
    .customize(CallOverrides::new().endpoint_url(server.url()))
    .await
    .unwrap();

    assert_eq!(output["RequestId"], "REQ-OK");
    assert_eq!(server.request_count(), 1);
}

/// A SOCKS5 proxy (no authentication) that records the address each
/// connection asks for and relays it to `upstream`, whatever it asked.
#[cfg(feature = "socks")]
async fn start_socks5_proxy(
    upstream: std::net::SocketAddr,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("socks5h://{}", listener.local_addr().unwrap());
    let requested = Arc::new(std::sync::Mutex::new(Vec::new()));
    let recorded = Arc::clone(&requested);
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let recorded = Arc::clone(&recorded);
            tokio::spawn(async move {
                // Greeting: version 5 and the offered methods; choose
                // "no authentication".
                let mut greeting = [0u8; 2];
                client.read_exact(&mut greeting).await?;
                let mut methods = vec![0u8; usize::from(greeting[1])];
                client.read_exact(&mut methods).await?;
                client.write_all(&[5, 0]).await?;
                // Request: version, CONNECT, reserved, address type.
                let mut request = [0u8; 4];
                client.read_exact(&mut request).await?;
                let host = match request[3] {
                    1 => {
                        let mut ip = [0u8; 4];
                        client.read_exact(&mut ip).await?;
                        std::net::Ipv4Addr::from(ip).to_string()
                    }
                    3 => {
                        let length = client.read_u8().await?;
                        let mut name = vec![0u8; usize::from(length)];
                        client.read_exact(&mut name).await?;
                        String::from_utf8_lossy(&name).into_owned()
                    }
                    _ => return Ok::<(), std::io::Error>(()),
                };
                let port = client.read_u16().await?;
                recorded.lock().unwrap().push(format!("{host}:{port}"));
                let mut server = tokio::net::TcpStream::connect(upstream).await?;
                client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
                tokio::io::copy_bidirectional(&mut client, &mut server).await?;
                Ok(())
            });
        }
    });
    (url, requested)
}

#[cfg(feature = "socks")]
#[tokio::test]
async fn a_socks5_proxy_carries_the_request_and_resolves_the_host() {
    let server = answering_server().await;
    let (proxy_url, requested) = start_socks5_proxy(server.address()).await;
    let runtime = Runtime::new(
        config("http://rds.invalid:8080", FixedEnvironment::new())
            .proxy(Proxy::all(proxy_url))
            .build(),
        &PRODUCT,
    )
    .unwrap();

    let output = call(&runtime).await.unwrap();

    assert_eq!(output["RequestId"], "REQ-OK");
    // `socks5h` leaves name resolution to the proxy.
    assert_eq!(
        *requested.lock().unwrap(),
        vec!["rds.invalid:8080".to_owned()]
    );
    assert_eq!(server.request_count(), 1);
}
