//! The default credentials chain, in the order of Alibaba Cloud's official
//! SDKs: environment variables, the CLI's `~/.aliyun/config.json`, the INI
//! credentials file, the ECS instance RAM role, then
//! `ALIBABA_CLOUD_CREDENTIALS_URI`.
//!
//! A source that is absent or broken is recorded and the chain moves on, so
//! when nothing works the error lists every place looked at and what was
//! found there.

use std::sync::Arc;

use super::{
    CliProfileProvider, CredentialsError, CredentialsErrorKind, CredentialsUriProvider,
    EcsRamRoleProvider, Environment, EnvironmentProvider, IniProfileProvider, ProcessEnvironment,
    ProvideCredentials, ProvideCredentialsFuture, DEFAULT_ECS_METADATA_ENDPOINT,
};
use crate::credentials::Credentials;

/// Variable that turns the ECS metadata lookup off when `true`.
pub const ECS_METADATA_DISABLED_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
/// Variable naming the instance's RAM role (skips the role lookup).
pub const ECS_METADATA_ROLE_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// Variable holding a URL that serves credentials.
pub const CREDENTIALS_URI_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";

/// The default credentials chain. Wrap it in a
/// [`CachedProvider`](super::CachedProvider) (the runtime does) so the
/// sources are not read on every call.
#[derive(Debug, Clone)]
pub struct DefaultCredentialsChain {
    environment: Arc<dyn Environment>,
    profile: Option<String>,
    ecs_metadata_endpoint: String,
}

/// Builds a [`DefaultCredentialsChain`].
#[derive(Debug, Clone)]
pub struct DefaultCredentialsChainBuilder {
    chain: DefaultCredentialsChain,
}

impl DefaultCredentialsChainBuilder {
    /// Reads variables and the home directory from `environment` instead of
    /// the process.
    pub fn environment(mut self, environment: Arc<dyn Environment>) -> Self {
        self.chain.environment = environment;
        self
    }

    /// Uses this profile of the CLI file and section of the INI file,
    /// overriding `ALIBABA_CLOUD_PROFILE`.
    pub fn profile(mut self, profile: impl Into<String>) -> Self {
        self.chain.profile = Some(profile.into());
        self
    }

    /// Asks this metadata service instead of `http://100.100.100.200`.
    pub fn ecs_metadata_endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.chain.ecs_metadata_endpoint = endpoint.into();
        self
    }

    /// The chain.
    pub fn build(self) -> DefaultCredentialsChain {
        self.chain
    }
}

impl DefaultCredentialsChain {
    /// A builder starting from the process environment.
    pub fn builder() -> DefaultCredentialsChainBuilder {
        DefaultCredentialsChainBuilder {
            chain: DefaultCredentialsChain {
                environment: Arc::new(ProcessEnvironment),
                profile: None,
                ecs_metadata_endpoint: DEFAULT_ECS_METADATA_ENDPOINT.to_owned(),
            },
        }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let mut searched = Vec::new();
        let mut record = |error: CredentialsError| {
            let note = match error.kind() {
                CredentialsErrorKind::Failed => format!("{error} (skipped)"),
                _ => error.to_string(),
            };
            searched.push(note);
        };

        let environment = Arc::clone(&self.environment);
        let local_sources: [Box<dyn ProvideCredentials>; 3] = [
            Box::new(EnvironmentProvider::new(Arc::clone(&environment))),
            Box::new(CliProfileProvider::new(
                Arc::clone(&environment),
                self.profile.clone(),
            )),
            Box::new(IniProfileProvider::new(
                Arc::clone(&environment),
                self.profile.clone(),
            )),
        ];
        for source in &local_sources {
            match source.provide_credentials().await {
                Ok(credentials) => return Ok(credentials),
                Err(error) => record(error),
            }
        }

        let ecs_disabled = environment
            .var(ECS_METADATA_DISABLED_VAR)
            .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"));
        if ecs_disabled {
            record(CredentialsError::not_configured(
                "ECS instance metadata service",
                format!("disabled by {ECS_METADATA_DISABLED_VAR}"),
            ));
        } else {
            let role = environment.non_empty_var(ECS_METADATA_ROLE_VAR);
            let attempt = match EcsRamRoleProvider::new(self.ecs_metadata_endpoint.clone(), role) {
                Ok(provider) => provider.provide_credentials().await,
                Err(error) => Err(error),
            };
            match attempt {
                Ok(credentials) => return Ok(credentials),
                Err(error) => record(error),
            }
        }

        match environment.non_empty_var(CREDENTIALS_URI_VAR) {
            None => record(CredentialsError::not_configured(
                format!("environment variable {CREDENTIALS_URI_VAR}"),
                "not set",
            )),
            Some(uri) => {
                let attempt = match CredentialsUriProvider::new(uri) {
                    Ok(provider) => provider.provide_credentials().await,
                    Err(error) => Err(error),
                };
                match attempt {
                    Ok(credentials) => return Ok(credentials),
                    Err(error) => record(error),
                }
            }
        }
        Err(CredentialsError::chain_exhausted(searched))
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}
