//! Which URL a request goes to.
//!
//! Resolution order: the configured endpoint URL; else the product's region
//! map (public network only: the map lists public hosts); else the
//! product's rule for the network with `{region_id}` replaced. Resolved
//! endpoints are always HTTPS; plain HTTP is only used when an explicit URL
//! says `http://`.

use crate::config::Network;
use crate::error::ConstructionError;
use crate::metadata::ProductMetadata;

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
        let parsed = reqwest::Url::parse(url.trim())
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

/// Resolves the endpoint of `product` for a region and network, unless an
/// explicit URL is given.
pub fn resolve_endpoint(
    product: &ProductMetadata,
    explicit_url: Option<&str>,
    region: Option<&str>,
    network: Network,
) -> Result<Endpoint, ConstructionError> {
    if let Some(url) = explicit_url {
        return Endpoint::from_url(url);
    }
    let Some(region) = region else {
        return Err(ConstructionError::invalid_configuration(format!(
            "no region is configured for {}; set one in the client configuration or ALIBABA_CLOUD_REGION_ID, \
             or give an endpoint URL",
            product.code
        )));
    };
    validate_region(region)?;
    if network == Network::Public {
        if let Some(entry) = product
            .endpoint_map
            .iter()
            .find(|entry| entry.region_id == region)
        {
            return Endpoint::https(entry.endpoint);
        }
    }
    let rule = match network {
        Network::Vpc => product.endpoint_rule.vpc,
        _ => product.endpoint_rule.public,
    };
    Endpoint::https(&rule.replace("{region_id}", region))
}

/// A region goes into a host name, so only host-name characters are allowed.
fn validate_region(region: &str) -> Result<(), ConstructionError> {
    let valid = !region.is_empty()
        && region
            .bytes()
            .all(|byte| byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-');
    if valid {
        Ok(())
    } else {
        Err(ConstructionError::invalid_configuration(format!(
            "the region `{region}` is not a region id (lower-case letters, digits and `-`, like `cn-hangzhou`)"
        )))
    }
}
