//! Which URL a request goes to.
//!
//! Resolution order: the configured endpoint URL; else the product's region
//! map (public network only: the map lists public hosts); else the
//! product's rule for the network with `{region_id}` replaced. Resolved
//! endpoints are always HTTPS; plain HTTP is only used when an explicit URL
//! says `http://`.

use aliyun_codec::metadata::ProductMetadata;
pub use aliyun_sign::endpoint::Endpoint;

use crate::error::ConstructionError;

/// Which network the default endpoint is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Network {
    /// The public endpoint.
    #[default]
    Public,
    /// The endpoint reachable only from inside a VPC.
    Vpc,
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
