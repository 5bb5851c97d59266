//! The connector a provider sends through when it is given none: one
//! built from the default transport settings and the provider's
//! environment (its proxy variables and `ALIBABA_CLOUD_CA_BUNDLE`).
//!
//! A client's default chain never needs it: the runtime hands the chain
//! its own connector, whose settings are the client's.

use std::sync::Arc;

use aliyun_http::{Connector, Environment, ReqwestConnector, TransportSettings};
use aliyun_sign::identity::CredentialsError;

/// A connector from the default settings, reading `environment`; an error
/// located at `location` when the environment's proxy or CA bundle cannot
/// be used.
pub(crate) fn connector_from(
    environment: &dyn Environment,
    location: &str,
) -> Result<Arc<dyn Connector>, CredentialsError> {
    let connector =
        ReqwestConnector::new(&TransportSettings::default(), environment).map_err(|error| {
            CredentialsError::failed(location, format!("has no usable HTTP connection: {error}"))
                .with_source(error)
        })?;
    Ok(Arc::new(connector))
}

/// A connector from the default settings and the process's environment.
pub(crate) fn default_connector(location: &str) -> Result<Arc<dyn Connector>, CredentialsError> {
    connector_from(&aliyun_http::ProcessEnvironment, location)
}
