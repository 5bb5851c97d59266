//! The HTTP client behind a runtime: which proxy requests go through, which
//! certificate authorities are trusted, how long pooled connections live,
//! and how a failed TLS handshake is told apart from other connection
//! failures.
//!
//! Everything here is set on [`ConfigBuilder`](crate::ConfigBuilder) and
//! read once, when the runtime is built; environment variables are read
//! through the configuration's
//! [`Environment`], like every other
//! variable the runtime reads, so a test can give them without touching the
//! process's environment.
//!
//! * **Proxies.** By default `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY`
//!   (or their lower-case forms) name the proxy for `https://`, `http://`
//!   and any endpoint, and `NO_PROXY` lists the hosts reached directly
//!   (comma-separated domain names, which match their subdomains too, IP
//!   addresses, networks such as `10.0.0.0/8`, or `*` for every host), as
//!   curl reads them. A proxy set with
//!   [`ConfigBuilder::proxy`](crate::ConfigBuilder::proxy) replaces them
//!   all; [`ConfigBuilder::no_proxy`](crate::ConfigBuilder::no_proxy)
//!   turns proxies off. SOCKS5 proxies (`socks5://`, `socks5h://`) need
//!   the `socks` feature.
//! * **Trusted roots.** The Mozilla roots compiled into the program, the
//!   operating system's trust store with the `native-roots` feature, plus
//!   any PEM certificates given with
//!   [`ConfigBuilder::root_certificate_pem`](crate::ConfigBuilder::root_certificate_pem)
//!   or in the file [`CA_BUNDLE_VAR`] names.
//! * **The connection pool.** See [`PoolSettings`].

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::credentials::Environment;
use crate::error::ConstructionError;

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

/// Which requests a [`Proxy`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProxyScope {
    All,
    Http,
    Https,
}

/// A proxy set explicitly with
/// [`ConfigBuilder::proxy`](crate::ConfigBuilder::proxy).
///
/// The URL is `http://host:port`, `https://host:port` or, with the `socks`
/// feature, `socks5://host:port` (`socks5h://` resolves host names on the
/// proxy); `user:password@` before the host authenticates. Its `Debug`
/// never shows the password.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    scope: ProxyScope,
    url: String,
    no_proxy: Option<String>,
}

impl Proxy {
    /// A proxy for every request.
    pub fn all(url: impl Into<String>) -> Self {
        Proxy::new(ProxyScope::All, url.into())
    }

    /// A proxy for requests to `http://` endpoints only.
    pub fn http(url: impl Into<String>) -> Self {
        Proxy::new(ProxyScope::Http, url.into())
    }

    /// A proxy for requests to `https://` endpoints only.
    pub fn https(url: impl Into<String>) -> Self {
        Proxy::new(ProxyScope::Https, url.into())
    }

    fn new(scope: ProxyScope, url: String) -> Self {
        Proxy {
            scope,
            url,
            no_proxy: None,
        }
    }

    /// Hosts reached directly rather than through this proxy, in the
    /// format of `NO_PROXY` (see the [module documentation](self)).
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.no_proxy = Some(hosts.into());
        self
    }

    /// The proxy's URL with any password replaced by `***`, for messages.
    fn redacted_url(&self) -> String {
        redact_proxy_url(&self.url)
    }

    /// The reqwest proxy, or a configuration error naming the proxy.
    fn to_reqwest(&self, origin: &str) -> Result<reqwest::Proxy, ConstructionError> {
        let url = with_default_scheme(&self.url);
        if is_socks(&url) && !cfg!(feature = "socks") {
            return Err(ConstructionError::invalid_configuration(format!(
                "the proxy {} ({origin}) is a SOCKS proxy, which needs the `socks` feature of \
                 aliyun-runtime (or aliyun-rds); enable it or use an HTTP proxy",
                self.redacted_url()
            )));
        }
        let proxy = match self.scope {
            ProxyScope::All => reqwest::Proxy::all(url.as_ref()),
            ProxyScope::Http => reqwest::Proxy::http(url.as_ref()),
            ProxyScope::Https => reqwest::Proxy::https(url.as_ref()),
        }
        .map_err(|error| {
            ConstructionError::invalid_configuration(format!(
                "the proxy {} ({origin}) is not a valid proxy URL; expected \
                 `http://host:port` or `socks5://host:port`",
                self.redacted_url()
            ))
            .with_source(error)
        })?;
        Ok(proxy.no_proxy(
            self.no_proxy
                .as_deref()
                .and_then(reqwest::NoProxy::from_string),
        ))
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("scope", &self.scope)
            .field("url", &self.redacted_url())
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

/// A proxy URL without a scheme (`proxy.example:3128`, as `HTTP_PROXY` is
/// often written) is an HTTP proxy.
fn with_default_scheme(url: &str) -> std::borrow::Cow<'_, str> {
    if url.contains("://") {
        std::borrow::Cow::Borrowed(url)
    } else {
        std::borrow::Cow::Owned(format!("http://{url}"))
    }
}

fn is_socks(url: &str) -> bool {
    let scheme = url.split("://").next().unwrap_or_default();
    scheme.to_ascii_lowercase().starts_with("socks")
}

/// The URL with the password of its user information replaced by `***`.
fn redact_proxy_url(url: &str) -> String {
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme), rest),
        None => (None, url),
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let redacted_rest = match rest[..authority_end].rfind('@') {
        Some(at) => {
            let user = rest[..at].split(':').next().unwrap_or_default();
            format!("{user}:***{}", &rest[at..])
        }
        None => rest.to_owned(),
    };
    match scheme {
        Some(scheme) => format!("{scheme}://{redacted_rest}"),
        None => redacted_rest,
    }
}

/// Where requests go through.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum ProxySetting {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the
    /// configuration's environment.
    #[default]
    FromEnvironment,
    /// Straight to the endpoint.
    Disabled,
    /// These proxies, in order; the environment is not read.
    Explicit(Vec<Proxy>),
}

/// What the runtime's HTTP client is built from.
#[derive(Clone, Default)]
pub(crate) struct TransportSettings {
    pub(crate) proxy: ProxySetting,
    /// Extra trusted roots, each a PEM document given in code.
    pub(crate) root_certificates_pem: Vec<Vec<u8>>,
    pub(crate) pool: PoolSettings,
    /// A client the user built; the settings above are then theirs.
    pub(crate) http_client: Option<reqwest::Client>,
}

impl fmt::Debug for TransportSettings {
    /// The certificates are counted rather than printed: they are long, and
    /// say nothing a reader of a configuration's `Debug` needs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportSettings")
            .field("proxy", &self.proxy)
            .field("root_certificates", &self.root_certificates_pem.len())
            .field("pool", &self.pool)
            .field("http_client", &self.http_client.is_some())
            .finish()
    }
}

/// The first non-blank value of these variables.
fn first_var(environment: &dyn Environment, names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|name| {
        environment
            .non_empty_var(name)
            .map(|value| ((*name).to_owned(), value))
    })
}

/// Makes a proxy of one scope from its URL.
type MakeProxy = fn(String) -> Proxy;

/// The proxies the environment asks for, most specific first, each with
/// the variable it comes from.
fn environment_proxies(environment: &dyn Environment) -> Vec<(Proxy, String)> {
    // A CGI script's environment holds request headers as variables
    // (`HTTP_PROXY` from a `Proxy:` header, the "httpoxy" attack), so no
    // proxy is taken from it, as curl and reqwest do.
    if environment.var("REQUEST_METHOD").is_some() {
        return Vec::new();
    }
    let no_proxy = first_var(environment, &["NO_PROXY", "no_proxy"]).map(|(_, hosts)| hosts);
    let mut proxies = Vec::new();
    let sources: [(&[&str], MakeProxy); 3] = [
        (&["HTTPS_PROXY", "https_proxy"], Proxy::https),
        (&["HTTP_PROXY", "http_proxy"], Proxy::http),
        (&["ALL_PROXY", "all_proxy"], Proxy::all),
    ];
    for (names, make) in sources {
        if let Some((name, url)) = first_var(environment, names) {
            let mut proxy = make(url);
            proxy.no_proxy = no_proxy.clone();
            proxies.push((proxy, format!("from {name}")));
        }
    }
    proxies
}

/// The extra roots from `ALIBABA_CLOUD_CA_BUNDLE`, if set.
fn environment_ca_bundle(
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

/// Builds the HTTP client of a runtime, or hands back the user's.
pub(crate) fn build_http_client(
    settings: &TransportSettings,
    environment: &dyn Environment,
    connect_timeout: Duration,
    user_agent: &str,
) -> Result<reqwest::Client, ConstructionError> {
    if let Some(client) = &settings.http_client {
        return Ok(client.clone());
    }
    let mut builder = reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        // Every resend is decided by the runtime's own policy, which
        // knows whether the operation is idempotent.
        .retry(reqwest::retry::never())
        .user_agent(user_agent)
        .pool_idle_timeout(settings.pool.idle_timeout)
        .pool_max_idle_per_host(settings.pool.max_idle_per_host)
        .tcp_keepalive(settings.pool.tcp_keepalive)
        // reqwest would read the proxy variables from the process itself;
        // they are read below from the configured environment instead.
        .no_proxy();
    let proxies = match &settings.proxy {
        ProxySetting::FromEnvironment => environment_proxies(environment),
        ProxySetting::Disabled => Vec::new(),
        ProxySetting::Explicit(proxies) => proxies
            .iter()
            .map(|proxy| (proxy.clone(), "set in the client configuration".to_owned()))
            .collect(),
    };
    for (proxy, origin) in &proxies {
        builder = builder.proxy(proxy.to_reqwest(origin)?);
    }
    for (index, pem) in settings.root_certificates_pem.iter().enumerate() {
        let what = format!("root certificate {} of the client configuration", index + 1);
        for certificate in parse_certificates(pem, &what)? {
            builder = builder.add_root_certificate(certificate);
        }
    }
    for certificate in environment_ca_bundle(environment)? {
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|error| {
        ConstructionError::invalid_configuration(
            "the HTTP client could not be created (check the root certificates and proxies)",
        )
        .with_source(error.without_url())
    })
}

/// What went wrong in a TLS handshake, for the message that says what to
/// check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TlsFailure {
    /// The server's certificate chain does not lead to a trusted root.
    UntrustedCertificate,
    /// The certificate is not valid for the endpoint's host name.
    WrongHostName,
    /// The certificate has expired or is not valid yet.
    ExpiredCertificate,
    /// The server does not speak TLS (for example a plain HTTP server
    /// behind an `https://` URL), or the handshake failed otherwise.
    Handshake,
}

impl TlsFailure {
    /// What failed and what to check, for error messages.
    pub(crate) fn advice(self) -> &'static str {
        match self {
            TlsFailure::UntrustedCertificate => {
                "the server's certificate is not trusted: if the endpoint uses a private CA or \
                 sits behind a TLS-inspecting proxy, pass that CA's certificate with \
                 --ca-bundle, the ALIBABA_CLOUD_CA_BUNDLE variable or \
                 `root_certificate_pem` in the client configuration"
            }
            TlsFailure::WrongHostName => {
                "the server's certificate is not valid for this host name: check the endpoint URL"
            }
            TlsFailure::ExpiredCertificate => {
                "the server's certificate has expired or is not valid yet: check this machine's clock"
            }
            TlsFailure::Handshake => {
                "the TLS handshake failed: check that the endpoint speaks HTTPS (use an http:// \
                 URL for a plain HTTP server) and that no proxy interferes"
            }
        }
    }
}

/// The TLS failure in an error's source chain, if the connection failed in
/// its TLS handshake.
pub(crate) fn tls_failure(error: &(dyn StdError + 'static)) -> Option<TlsFailure> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(error) = current {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return Some(classify_rustls(tls));
        }
        // An I/O error's `source()` skips the error it wraps (which may be
        // another I/O error around the rustls one), so it is unwrapped by
        // hand.
        current = match error.downcast_ref::<std::io::Error>() {
            Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
            None => error.source(),
        };
    }
    None
}

fn classify_rustls(error: &rustls::Error) -> TlsFailure {
    use rustls::CertificateError;
    match error {
        rustls::Error::InvalidCertificate(certificate) => match certificate {
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TlsFailure::WrongHostName
            }
            CertificateError::Expired
            | CertificateError::ExpiredContext { .. }
            | CertificateError::NotValidYet
            | CertificateError::NotValidYetContext { .. } => TlsFailure::ExpiredCertificate,
            _ => TlsFailure::UntrustedCertificate,
        },
        _ => TlsFailure::Handshake,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_passwords_are_redacted() {
        assert_eq!(
            redact_proxy_url("http://user:hunter2@proxy.example:3128"),
            "http://user:***@proxy.example:3128"
        );
        assert_eq!(
            redact_proxy_url("socks5://proxy.example:1080"),
            "socks5://proxy.example:1080"
        );
        assert_eq!(
            redact_proxy_url("user:pw@proxy.example:3128/a@b"),
            "user:***@proxy.example:3128/a@b"
        );
        let debug = format!("{:?}", Proxy::all("http://me:s3cret@proxy:8080"));
        assert!(!debug.contains("s3cret"), "{debug}");
        let config = crate::Config::builder()
            .proxy(Proxy::https("http://me:s3cret@proxy:8080"))
            .build();
        let debug = format!("{config:?}");
        assert!(debug.contains("proxy:8080"), "{debug}");
        assert!(!debug.contains("s3cret"), "{debug}");
    }

    #[test]
    fn a_proxy_without_a_scheme_is_an_http_proxy() {
        assert_eq!(with_default_scheme("proxy:3128"), "http://proxy:3128");
        assert_eq!(
            with_default_scheme("https://proxy:3128"),
            "https://proxy:3128"
        );
    }
}
