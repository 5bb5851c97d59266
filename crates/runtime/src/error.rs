//! Errors returned by generated operations (contract placeholder: the
//! runtime work replaces the bodies, keeping these names).

use std::fmt;

/// Metadata of an error answered by the service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceErrorMetadata {
    /// HTTP status of the response.
    pub http_status: u16,
    /// The error code, verbatim.
    pub code: String,
    /// The server's message.
    pub message: String,
    /// The request id.
    pub request_id: Option<String>,
    /// The host id.
    pub host_id: Option<String>,
    /// The diagnosis URL.
    pub recommend: Option<String>,
    /// The RAM access-denied detail.
    pub access_denied_detail: Option<String>,
}

/// An error answered by the service, with its typed code.
#[derive(Debug)]
pub struct ServiceError<E> {
    /// The typed error code.
    pub kind: E,
    /// The response metadata.
    pub metadata: ServiceErrorMetadata,
}

/// The request could not be built or the client could not be configured.
#[derive(Debug)]
pub struct ConstructionError {
    /// What went wrong.
    pub message: String,
}

impl fmt::Display for ConstructionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ConstructionError {}

/// Any failure of a generated operation.
#[derive(Debug)]
#[non_exhaustive]
pub enum SdkError<E> {
    /// The service answered with an error.
    Service(ServiceError<E>),
    /// The request could not be built.
    Construction(ConstructionError),
}

impl<E: fmt::Debug> fmt::Display for SdkError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl<E: fmt::Debug> std::error::Error for SdkError<E> {}
