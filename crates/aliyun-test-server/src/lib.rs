//! A scriptable HTTP/1.1 server on loopback, for the tests of the
//! runtime's crates: every answer is the test's to script (respond, delay,
//! drop the connection, hang), and every request is recorded.
//!
//! It is no layer of the SDK and is never published: the credential
//! providers' tests (`aliyun-credentials`) and the orchestrator's
//! (`aliyun-runtime`) use it as a dev-dependency, to stand in for the
//! services they call (the ECS metadata service, a credentials URI, an
//! RDS endpoint that misbehaves; [`start_ecs_metadata_service`] is the
//! metadata service ready-made). The server is a plain tokio
//! `TcpListener`, so tests can do what a framework would hide: close a
//! connection after reading the request, or never answer.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use aliyun_test_server::{Reply, TestServer};
//!
//! let server = TestServer::start(|request, index| match request.path() {
//!     "/token" => Reply::raw(200, "text/plain", b"a-token"),
//!     _ if index == 0 => Reply::Drop,
//!     _ => Reply::json(200, r#"{"RequestId":"REQ"}"#),
//! })
//! .await;
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! assert_eq!(server.request_count(), 0);
//! # }
//! ```

// Test support fails the test by panicking: a poisoned lock or a
// request line it cannot read is a broken test, not an error to handle.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use percent_encoding::percent_decode_str;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The method, as sent: `GET`, `POST`, `PUT`.
    pub method: String,
    /// The request target: the path and the query string, or the whole
    /// URL when a client sent the request to a proxy.
    pub target: String,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    /// The body, as many bytes as `Content-Length` said.
    pub body: Vec<u8>,
}

impl Request {
    /// The target without its query string.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

    /// The query string as sent, without the `?`.
    pub fn raw_query(&self) -> &str {
        self.target
            .split_once('?')
            .map(|(_, query)| query)
            .unwrap_or("")
    }

    /// Query parameters, percent-decoded.
    pub fn query(&self) -> Vec<(String, String)> {
        self.raw_query()
            .split('&')
            .filter(|pair| !pair.is_empty())
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                (
                    percent_decode_str(name).decode_utf8().unwrap().into_owned(),
                    percent_decode_str(value)
                        .decode_utf8()
                        .unwrap()
                        .into_owned(),
                )
            })
            .collect()
    }

    /// The first query parameter named `name`, percent-decoded.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

    /// The first header named `name` (in lower case).
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer, then close the connection.
    Respond {
        /// The HTTP status.
        status: u16,
        /// Headers besides `Content-Length` and `Connection: close`.
        headers: Vec<(String, String)>,
        /// The body.
        body: Vec<u8>,
    },
    /// Read the request, then close the connection without answering.
    Drop,
    /// Wait, then do the inner reply; a long wait is a server that hangs.
    Delay(Duration, Box<Reply>),
}

impl Reply {
    /// A JSON answer with `status`.
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Respond {
            status,
            headers: vec![(
                "Content-Type".into(),
                "application/json;charset=utf-8".into(),
            )],
            body: body.as_bytes().to_vec(),
        }
    }

    /// The same answer with one more header; other replies are unchanged.
    pub fn with_header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Respond {
                status,
                mut headers,
                body,
            } => {
                headers.push((name.to_owned(), value.to_owned()));
                Reply::Respond {
                    status,
                    headers,
                    body,
                }
            }
            other => other,
        }
    }

    /// An answer with any content type and body.
    pub fn raw(status: u16, content_type: &str, body: &[u8]) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.to_vec(),
        }
    }
}

type Handler = dyn Fn(&Request, usize) -> Reply + Send + Sync;

/// A loopback server answering with a handler given the request and its
/// zero-based index, one request per connection. It stops when dropped.
pub struct TestServer {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server on a free port of `127.0.0.1`.
    pub async fn start(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, handler)
    }

    /// Serves on a listener the test bound itself (to reuse an address).
    pub fn serve(
        listener: TcpListener,
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let address = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = Arc::clone(&handler);
                let recorded = Arc::clone(&recorded);
                tokio::spawn(async move {
                    let _ = serve_connection(stream, handler, recorded).await;
                });
            }
        });
        TestServer {
            address,
            requests,
            task,
        }
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve_connection(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    recorded: Arc<Mutex<Vec<Request>>>,
) -> std::io::Result<()> {
    // One request per connection: the answer says `Connection: close`.
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(());
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_owned();
    let target = parts.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let content_length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < content_length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    let request = Request {
        method,
        target,
        headers,
        body,
    };
    let index = {
        let mut all = recorded.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    let mut reply = handler(&request, index);
    loop {
        match reply {
            Reply::Delay(duration, inner) => {
                tokio::time::sleep(duration).await;
                reply = *inner;
            }
            Reply::Drop => {
                drop(stream);
                return Ok(());
            }
            Reply::Respond {
                status,
                headers,
                body,
            } => {
                let mut response = format!(
                    "HTTP/1.1 {status} Status\r\nContent-Length: {}\r\nConnection: close\r\n",
                    body.len()
                );
                for (name, value) in headers {
                    response.push_str(&format!("{name}: {value}\r\n"));
                }
                response.push_str("\r\n");
                stream.write_all(response.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.shutdown().await?;
                return Ok(());
            }
        }
    }
}

/// Starts a stand-in for the ECS instance metadata service that requires
/// an IMDSv2 session token (it hands out `imds-token` to a `PUT` of
/// `/latest/api/token` that asks for a lifetime, and answers anything
/// else without it with 401) and serves the RAM role `EcsRole`: its
/// credentials (`STS.id-<request index>`, `ecs-secret`, token `ecs-token`)
/// expire at `expiration` (RFC 3339) and are answered after `delay`.
pub async fn start_ecs_metadata_service(expiration: &str, delay: Duration) -> TestServer {
    let expiration = expiration.to_owned();
    TestServer::start(move |request, index| {
        let token_ok =
            request.header("x-aliyun-ecs-metadata-token").as_deref() == Some("imds-token");
        match (request.method.as_str(), request.path()) {
            ("PUT", "/latest/api/token") => {
                assert!(request
                    .header("x-aliyun-ecs-metadata-token-ttl-seconds")
                    .is_some());
                Reply::raw(200, "text/plain", b"imds-token")
            }
            ("GET", "/latest/meta-data/ram/security-credentials/") if token_ok => {
                Reply::raw(200, "text/plain", b"EcsRole")
            }
            ("GET", "/latest/meta-data/ram/security-credentials/EcsRole") if token_ok => {
                let credentials = format!(
                    r#"{{"Code":"Success","AccessKeyId":"STS.id-{index}","AccessKeySecret":"ecs-secret","SecurityToken":"ecs-token","Expiration":"{expiration}","LastUpdated":"2020-01-01T00:00:00Z"}}"#
                );
                Reply::Delay(delay, Box::new(Reply::json(200, &credentials)))
            }
            _ => Reply::raw(401, "text/plain", b"unauthorized"),
        }
    })
    .await
}
