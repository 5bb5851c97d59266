//! Where a request goes: an endpoint's scheme and authority, which the
//! signer writes into the URL and the V3 signature covers as the `Host`
//! header.
//!
//! Which endpoint a product and region resolve to is the runtime's
//! business (`aliyun_runtime::endpoint`); this module only parses and
//! holds one.

use aliyun_codec::error::ConstructionError;

/// A resolved endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    base_url: String,
    authority: String,
}

impl Endpoint {
    /// Parses an endpoint URL such as `https://rds.aliyuncs.com` or
    /// `http://127.0.0.1:8080`. Only the scheme and authority may be given:
    /// RPC requests always go to `/`.
    pub fn from_url(url: &str) -> Result<Self, ConstructionError> {
        let invalid = |why: &str| {
            ConstructionError::invalid_configuration(format!(
                "the endpoint URL `{url}` {why}; give it as `https://host[:port]`"
            ))
        };
        let parsed = url::Url::parse(url.trim())
            .map_err(|error| invalid("is not a valid URL").with_source(error))?;
        if parsed.scheme() != "https" && parsed.scheme() != "http" {
            return Err(invalid("has a scheme other than https or http"));
        }
        let host = parsed
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| invalid("has no host"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(invalid("contains user information"));
        }
        if parsed.path() != "/" || parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(invalid("has a path, query or fragment"));
        }
        // `port()` is `None` for the scheme's default port, which is also
        // when HTTP clients leave the port out of the `Host` header; the V3
        // signature covers that header, so both must agree.
        let authority = match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        Ok(Endpoint {
            base_url: format!("{}://{authority}", parsed.scheme()),
            authority,
        })
    }

    /// An HTTPS endpoint for a host name.
    pub fn https(host: &str) -> Result<Self, ConstructionError> {
        Self::from_url(&format!("https://{host}"))
    }

    /// `scheme://authority`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `host[:port]`, as sent in the `Host` header.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Whether requests are encrypted.
    pub fn is_https(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}
