//! The runtime a generated client holds (contract placeholder).

use crate::error::SdkError;
use crate::metadata::{OperationMetadata, ProductMetadata};
use crate::Config;

/// The shared machinery behind a generated client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Runtime {
    config: Config,
    product: &'static ProductMetadata,
}

impl Runtime {
    /// Builds a runtime for one product.
    pub fn new(config: Config, product: &'static ProductMetadata) -> Result<Self, crate::error::ConstructionError> {
        Ok(Runtime { config, product })
    }

    /// Sends one operation and decodes its response.
    pub async fn invoke<I, O, E>(
        &self,
        operation: &'static OperationMetadata,
        input: &I,
        parse_error: fn(&str) -> E,
    ) -> Result<O, SdkError<E>>
    where
        I: serde::Serialize + ?Sized,
        O: serde::de::DeserializeOwned,
    {
        let _ = (operation, input, parse_error, &self.config, self.product);
        Err(SdkError::Construction(crate::error::ConstructionError { message: "not yet implemented".into() }))
    }
}
