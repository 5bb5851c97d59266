//! Which proxy requests go through: an explicit [`Proxy`], or the proxy
//! variables of the environment.
//!
//! By default `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` (or their
//! lower-case forms) name the proxy for `https://`, `http://` and any
//! endpoint, and `NO_PROXY` lists the hosts reached directly
//! (comma-separated domain names, which match their subdomains too, IP
//! addresses, networks such as `10.0.0.0/8`, or `*` for every host), as curl
//! reads them. Explicit proxies replace them all ([`ProxySetting`]). SOCKS5
//! proxies (`socks5://`, `socks5h://`) need the `socks` feature.

use std::fmt;

use aliyun_codec::error::ConstructionError;

use crate::environment::Environment;

/// Which requests a [`Proxy`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProxyScope {
    All,
    Http,
    Https,
}

/// A proxy set explicitly (in the runtime, with `ConfigBuilder::proxy`).
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
    pub(crate) fn to_reqwest(&self, origin: &str) -> Result<reqwest::Proxy, ConstructionError> {
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
pub enum ProxySetting {
    /// `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` from the
    /// configuration's environment.
    #[default]
    FromEnvironment,
    /// Straight to the endpoint.
    Disabled,
    /// These proxies, in order; the environment is not read.
    Explicit(Vec<Proxy>),
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
pub(crate) fn environment_proxies(environment: &dyn Environment) -> Vec<(Proxy, String)> {
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
        let settings = crate::TransportSettings {
            proxy: ProxySetting::Explicit(vec![Proxy::https("http://me:s3cret@proxy:8080")]),
            ..crate::TransportSettings::default()
        };
        let debug = format!("{settings:?}");
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
