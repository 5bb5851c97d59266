//! Test support: a real HTTP/1.1 server on loopback whose every answer a
//! test scripts (respond, delay, drop the connection, hang), plus static
//! product and operation tables and a tracing capture.
//!
//! The server is a plain tokio `TcpListener`, so tests can do what a
//! framework would hide: close a connection after reading the request, or
//! never answer.

#![allow(dead_code)]

use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aliyun_runtime::metadata::{
    EndpointRule, ErrorMetadata, HttpMethod, Idempotency, OperationMetadata, ProductMetadata,
    RegionEndpoint,
};
use percent_encoding::percent_decode_str;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }

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

    pub fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }

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
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request, then close the connection without answering.
    Drop,
    /// Wait, then do the inner reply.
    Delay(Duration, Box<Reply>),
}

impl Reply {
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
/// zero-based index.
pub struct TestServer {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(
        handler: impl Fn(&Request, usize) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, handler)
    }

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

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

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

pub const SUCCESS_BODY: &str = r#"{"RequestId":"REQ-OK"}"#;

pub fn throttling_body() -> String {
    r#"{"RequestId":"REQ-T","HostId":"rds.aliyuncs.com","Code":"Throttling.User","Message":"Request was denied due to user flow control."}"#.to_owned()
}

pub static GATEWAY_ERRORS: &[ErrorMetadata] = &[
    ErrorMetadata {
        http_status: 400,
        code: "Throttling.User",
        message: "Request was denied due to user flow control.",
        description: None,
        refused_before_execution: true,
        retryable: true,
    },
    ErrorMetadata {
        http_status: 400,
        code: "InvalidTimeStamp.Expired",
        message: "Specified time stamp or date value is expired.",
        description: None,
        refused_before_execution: true,
        retryable: false,
    },
    ErrorMetadata {
        http_status: 503,
        code: "ServiceUnavailable",
        message: "The request has failed due to a temporary failure of the server.",
        description: None,
        refused_before_execution: false,
        retryable: true,
    },
];

pub static PRODUCT: ProductMetadata = ProductMetadata {
    code: "Rds",
    version: "2014-08-15",
    style: "RPC",
    endpoint_map: &[
        RegionEndpoint {
            region_id: "cn-hangzhou",
            endpoint: "rds.aliyuncs.com",
        },
        RegionEndpoint {
            region_id: "cn-hangzhou-finance",
            endpoint: "rds-vpc.cn-hangzhou-finance.aliyuncs.com",
        },
    ],
    endpoint_rule: EndpointRule {
        public: "rds.{region_id}.aliyuncs.com",
        vpc: "rds-vpc.{region_id}.aliyuncs.com",
    },
    gateway_errors: GATEWAY_ERRORS,
};

/// Non-idempotent, like ActivateMigrationTargetInstance.
pub static ACTIVATE: OperationMetadata = OperationMetadata {
    name: "ActivateMigrationTargetInstance",
    rust_name: "activate_migration_target_instance",
    summary: "Switches workloads over to the migration target.",
    method: HttpMethod::Post,
    pathname: "/",
    idempotency: Idempotency {
        operation_type: "update",
        idempotent: false,
    },
    deprecated: false,
    parameters: &[],
    error_rows: &[],
    error_table: &[],
    sample_response: None,
};

/// Idempotent (a read).
pub static DESCRIBE: OperationMetadata = OperationMetadata {
    name: "DescribeDBInstances",
    rust_name: "describe_db_instances",
    summary: "Lists instances.",
    method: HttpMethod::Get,
    pathname: "/",
    idempotency: Idempotency {
        operation_type: "get",
        idempotent: true,
    },
    deprecated: false,
    parameters: &[],
    error_rows: &[],
    error_table: &[],
    sample_response: None,
};

/// A read without required parameters, which the emulator models.
pub static DESCRIBE_REGIONS: OperationMetadata = OperationMetadata {
    name: "DescribeRegions",
    rust_name: "describe_regions",
    summary: "Lists regions.",
    method: HttpMethod::Post,
    pathname: "/",
    idempotency: Idempotency {
        operation_type: "get",
        idempotent: true,
    },
    deprecated: false,
    parameters: &[],
    error_rows: &[],
    error_table: &[],
    sample_response: None,
};

/// A buffer the tracing subscriber writes into.
#[derive(Clone, Default)]
pub struct TraceBuffer(pub Arc<Mutex<Vec<u8>>>);

impl TraceBuffer {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl Write for TraceBuffer {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures every trace of this thread at TRACE level until the guard
/// drops. Tests using it run on the current-thread runtime.
pub fn capture_traces() -> (tracing::subscriber::DefaultGuard, TraceBuffer) {
    let buffer = TraceBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    (tracing::subscriber::set_default(subscriber), buffer)
}

/// A certificate authority made for one test, and a server certificate it
/// signed for `localhost` and `127.0.0.1`, all PEM.
pub struct TestPki {
    pub ca_pem: String,
    pub server_certificate_pem: String,
    pub server_key_pem: String,
}

impl TestPki {
    pub fn generate() -> TestPki {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "aliyun-runtime test CA");
        let ca =
            rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
                .unwrap();
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server_certificate =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap()
                .signed_by(&server_key, &ca)
                .unwrap();
        TestPki {
            ca_pem: ca.pem(),
            server_certificate_pem: server_certificate.pem(),
            server_key_pem: server_key.serialize_pem(),
        }
    }
}
