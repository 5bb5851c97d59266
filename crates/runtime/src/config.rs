//! Client configuration (contract placeholder, to be completed by the runtime work).

/// Configuration shared by every call a client makes.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// The region to call, for example `cn-hangzhou`.
    pub region: Option<String>,
    /// An explicit endpoint URL, scheme included.
    pub endpoint_url: Option<String>,
}
