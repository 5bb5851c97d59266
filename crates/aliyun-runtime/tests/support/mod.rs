//! Test support: the loopback server of `aliyun-test-server`, whose
//! every answer a test scripts, plus static product and operation tables,
//! a tracing capture and certificates made for one test.

#![allow(dead_code)]

use std::io::Write;
use std::sync::{Arc, Mutex};

use aliyun_runtime::metadata::{
    EndpointRule, ErrorMetadata, HttpMethod, Idempotency, OperationMetadata, ProductMetadata,
    RegionEndpoint,
};

// Each test binary uses some of the server's types.
#[allow(unused_imports)]
pub use aliyun_test_server::{Reply, Request, TestServer};

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
