//! What a connector is built from: proxies, trusted certificate
//! authorities, the connection pool, the connect timeout and the user
//! agent ([`TransportSettings`]).
//!
//! * **Trusted roots.** The Mozilla roots compiled into the program, the
//!   operating system's trust store with the `native-roots` feature, plus
//!   any PEM certificates given in [`TransportSettings::root_certificates_pem`]
//!   or in the file [`CA_BUNDLE_VAR`] names.
//! * **Proxies.** See [`crate::proxy`].
//! * **The connection pool.** See [`PoolSettings`].
//!
//! Environment variables are read through an [`Environment`], like every
//! other variable the SDK reads, so a test can give them without touching
//! the process's environment.

use std::fmt;
use std::time::Duration;

use aliyun_codec::error::ConstructionError;

use crate::environment::Environment;
use crate::proxy::ProxySetting;

/// Variable naming a PEM file of extra certificate authorities to trust,
/// for endpoints behind a TLS-inspecting proxy or with a private CA.
pub const CA_BUNDLE_VAR: &str = "ALIBABA_CLOUD_CA_BUNDLE";

/// How long an idle pooled connection is kept by default: 10 s.
///
/// Alibaba Cloud's gateways close keep-alive connections that stay idle for
/// a while (its load balancers' HTTP listeners default to 15 seconds, and
/// the API gateways publish no figure). A connection the server has already
/// closed fails the next request sent on it, and a request that failed
/// after it was sent cannot be resent when the operation is not idempotent.
/// Dropping idle connections well before the gateway does means a pooled
/// connection is never one the gateway has given up on.
pub const DEFAULT_POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// How many idle connections per host the pool keeps by default: all of
/// them, each until its idle timeout ([`DEFAULT_POOL_IDLE_TIMEOUT`]).
///
/// With many calls in flight, connections go idle for a moment between one
/// call and the next; a cap below the number in flight closes some of them,
/// and the next calls pay for new connections. A cap of 32 cost about 0.07
/// of the throughput at 256 calls in flight and raised the p99 latency
/// (BENCHMARKS.md, "Calls in flight"). The idle timeout, not a count, is
/// what keeps the pool from holding connections no call needs.
pub const DEFAULT_POOL_MAX_IDLE_PER_HOST: usize = usize::MAX;

/// The default TCP keep-alive interval: 30 s, so that middleboxes (NAT
/// gateways, firewalls) keep the connection of a slow call open.
pub const DEFAULT_TCP_KEEPALIVE: Duration = Duration::from_secs(30);

/// The connection pool's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PoolSettings {
    /// How long an idle connection is kept for reuse
    /// ([`DEFAULT_POOL_IDLE_TIMEOUT`], chosen below the gateways' own idle
    /// timeout).
    pub idle_timeout: Duration,
    /// The most idle connections kept per host
    /// ([`DEFAULT_POOL_MAX_IDLE_PER_HOST`]); 0 turns reuse off.
    pub max_idle_per_host: usize,
    /// The TCP keep-alive interval, or `None` for no keep-alive probes
    /// ([`DEFAULT_TCP_KEEPALIVE`]).
    pub tcp_keepalive: Option<Duration>,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings {
            idle_timeout: DEFAULT_POOL_IDLE_TIMEOUT,
            max_idle_per_host: DEFAULT_POOL_MAX_IDLE_PER_HOST,
            tcp_keepalive: Some(DEFAULT_TCP_KEEPALIVE),
        }
    }
}

/// How long establishing a connection (TCP and TLS) may take by default:
/// 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a [`ReqwestConnector`](crate::ReqwestConnector) is built from.
///
/// Start from [`TransportSettings::default`] (proxies from the environment,
/// the built-in roots, the default pool) and change the fields.
#[derive(Clone)]
#[non_exhaustive]
pub struct TransportSettings {
    /// Which proxies requests go through.
    pub proxy: ProxySetting,
    /// Extra trusted roots, each a PEM document given in code.
    pub root_certificates_pem: Vec<Vec<u8>>,
    /// The connection pool.
    pub pool: PoolSettings,
    /// How long establishing a connection (TCP and TLS) may take
    /// ([`DEFAULT_CONNECT_TIMEOUT`]).
    pub connect_timeout: Duration,
    /// The `User-Agent` header of every request; none when empty.
    pub user_agent: String,
}

impl Default for TransportSettings {
    fn default() -> Self {
        TransportSettings {
            proxy: ProxySetting::default(),
            root_certificates_pem: Vec::new(),
            pool: PoolSettings::default(),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            user_agent: String::new(),
        }
    }
}

impl fmt::Debug for TransportSettings {
    /// The certificates are counted rather than printed: they are long, and
    /// say nothing a reader of a configuration's `Debug` needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportSettings")
            .field("proxy", &self.proxy)
            .field("root_certificates", &self.root_certificates_pem.len())
            .field("pool", &self.pool)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .finish()
    }
}

/// The extra roots from `ALIBABA_CLOUD_CA_BUNDLE`, if set.
pub(crate) fn environment_ca_bundle(
    environment: &dyn Environment,
) -> Result<Vec<reqwest::Certificate>, ConstructionError> {
    let Some(path) = environment.non_empty_var(CA_BUNDLE_VAR) else {
        return Ok(Vec::new());
    };
    let pem = std::fs::read(&path).map_err(|error| {
        ConstructionError::invalid_configuration(format!(
            "the CA bundle `{path}` named by {CA_BUNDLE_VAR} could not be read; \
             fix the path or unset the variable"
        ))
        .with_source(error)
    })?;
    parse_certificates(&pem, &format!("the CA bundle `{path}` ({CA_BUNDLE_VAR})"))
}

/// Every certificate of a PEM document; an error when there is none.
pub(crate) fn parse_certificates(
    pem: &[u8],
    what: &str,
) -> Result<Vec<reqwest::Certificate>, ConstructionError> {
    let invalid = || {
        ConstructionError::invalid_configuration(format!(
            "{what} holds no PEM certificate; it must contain \
             `-----BEGIN CERTIFICATE-----` blocks"
        ))
    };
    let certificates =
        reqwest::Certificate::from_pem_bundle(pem).map_err(|error| invalid().with_source(error))?;
    if certificates.is_empty() {
        return Err(invalid());
    }
    Ok(certificates)
}
