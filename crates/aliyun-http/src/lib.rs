//! The transport seam of the Alibaba Cloud SDK crates: how a request
//! leaves the process.
//!
//! This is layer 1 of the runtime (`ARCHITECTURE.md`, "Layers"), beside
//! signing (`aliyun-sign`), which it does not need: above the model and
//! codec (`aliyun-codec`) and below the credential providers
//! (`aliyun-credentials`) and the runtime (`aliyun-runtime`), which both
//! send every request through a [`Connector`]: the runtime's attempts, and
//! the providers' calls to STS, the ECS metadata service and a credentials
//! URI. A client builds one connector and shares it with its default
//! credentials chain, so its proxies and trusted roots hold for every
//! request it makes.
//!
//! * [`connector`]: the [`Connector`] trait, the [`HttpRequest`] it takes
//!   and the [`HttpResponse`] it gives, and how it fails
//!   ([`ConnectorError`]);
//! * [`ReqwestConnector`]: the connector a client builds, reqwest over
//!   rustls, from [`TransportSettings`];
//! * [`settings`]: trusted roots, the connection pool, the connect timeout;
//! * [`proxy`]: explicit proxies and the proxy variables of the
//!   environment;
//! * [`tls`]: telling a failed TLS handshake from other connection
//!   failures, and what to check for each;
//! * [`environment`]: where the SDK reads environment variables and the
//!   home directory, so that tests can give them without touching the
//!   process;
//! * `test_util` (with the `test-util` feature): `MockTransport`, a
//!   connector that answers RPC calls in-process, for the tests of
//!   programs that call the service.

pub mod connector;
pub mod environment;
pub mod proxy;
mod reqwest_connector;
pub mod settings;
#[cfg(feature = "test-util")]
pub mod test_util;
pub mod tls;

pub use connector::{
    Connector, ConnectorError, ConnectorFuture, HttpRequest, HttpResponse, Method, Route, Url,
};
pub use environment::{Environment, FixedEnvironment, ProcessEnvironment};
pub use proxy::{Proxy, ProxySetting};
pub use reqwest_connector::{ReqwestConnector, DIRECT_CONNECT_TIMEOUT};
pub use settings::{
    PoolSettings, TransportSettings, CA_BUNDLE_VAR, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_POOL_IDLE_TIMEOUT, DEFAULT_POOL_MAX_IDLE_PER_HOST, DEFAULT_TCP_KEEPALIVE,
};
pub use tls::TlsFailure;
