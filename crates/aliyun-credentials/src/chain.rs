//! The default credentials chain, in the order of Alibaba Cloud's official
//! SDKs: environment variables, OIDC (RRSA) from `ALIBABA_CLOUD_ROLE_ARN`,
//! `ALIBABA_CLOUD_OIDC_PROVIDER_ARN` and `ALIBABA_CLOUD_OIDC_TOKEN_FILE`,
//! the CLI's `~/.aliyun/config.json`, the INI credentials file, the ECS
//! instance RAM role, then `ALIBABA_CLOUD_CREDENTIALS_URI`.
//!
//! A source that is absent or broken is recorded and the chain moves on,
//! as Alibaba's credentials libraries do (a later source may still work).
//! When nothing works, the error lists every place looked at and what was
//! found there; if a source was configured but failed (a profile whose
//! STS call failed, a credentials file that cannot be read), that failure
//! is the error, naming the source, rather than "no credentials were
//! found".

use std::sync::Arc;

use aliyun_http::environment::{Environment, ProcessEnvironment};
use aliyun_http::Connector;
use aliyun_sign::identity::{
    Credentials, CredentialsError, CredentialsErrorKind, ProvideCredentials,
    ProvideCredentialsFuture,
};

use crate::local_service::{
    CredentialsUriProvider, EcsRamRoleProvider, DEFAULT_ECS_METADATA_ENDPOINT, IMDSV1_DISABLED_VAR,
};
use crate::profile::{CliProfileProvider, EnvironmentProvider, IniProfileProvider};
use crate::sts::OidcRoleArnProvider;

/// Variable that turns the ECS metadata lookup off when `true`.
pub const ECS_METADATA_DISABLED_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA_DISABLED";
/// Variable naming the instance's RAM role (skips the role lookup).
pub const ECS_METADATA_ROLE_VAR: &str = "ALIBABA_CLOUD_ECS_METADATA";
/// Variable holding a URL that serves credentials.
pub const CREDENTIALS_URI_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_URI";
/// Variable that turns the CLI's `~/.aliyun/config.json` off when `true`.
pub const CLI_PROFILE_DISABLED_VAR: &str = "ALIBABA_CLOUD_CLI_PROFILE_DISABLED";
/// Variable naming the RAM role OIDC credentials assume.
pub const ROLE_ARN_VAR: &str = "ALIBABA_CLOUD_ROLE_ARN";
/// Variable naming the OIDC provider the role trusts.
pub const OIDC_PROVIDER_ARN_VAR: &str = "ALIBABA_CLOUD_OIDC_PROVIDER_ARN";
/// Variable naming the file holding the OIDC token.
pub const OIDC_TOKEN_FILE_VAR: &str = "ALIBABA_CLOUD_OIDC_TOKEN_FILE";
/// Variable naming the role session (optional).
pub const ROLE_SESSION_NAME_VAR: &str = "ALIBABA_CLOUD_ROLE_SESSION_NAME";

/// Whether a variable is set to `true` (in any case).
fn is_true(environment: &dyn Environment, name: &str) -> bool {
    environment
        .var(name)
        .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
}

/// The OIDC provider the environment describes: not configured when none
/// of the three variables is set, failed (naming the missing ones) when
/// only some are.
fn oidc_from_environment(
    environment: &Arc<dyn Environment>,
    connector: Option<&Arc<dyn Connector>>,
) -> Result<OidcRoleArnProvider, CredentialsError> {
    let names = [ROLE_ARN_VAR, OIDC_PROVIDER_ARN_VAR, OIDC_TOKEN_FILE_VAR];
    let values = names.map(|name| environment.non_empty_var(name));
    let location = format!("environment variables {}", names.join("/"));
    let missing: Vec<&str> = names
        .iter()
        .zip(&values)
        .filter(|(_, value)| value.is_none())
        .map(|(name, _)| *name)
        .collect();
    if missing.len() == names.len() {
        return Err(CredentialsError::not_configured(location, "not set"));
    }
    let [Some(role_arn), Some(provider_arn), Some(token_file)] = values else {
        return Err(CredentialsError::failed(
            location,
            format!(
                "OIDC needs all three; {} not set",
                if missing.len() == 1 {
                    format!("{} is", missing[0])
                } else {
                    format!("{} are", missing.join(" and "))
                }
            ),
        ));
    };
    let mut builder = OidcRoleArnProvider::builder(role_arn, provider_arn, token_file)
        .environment(Arc::clone(environment));
    if let Some(session_name) = environment.non_empty_var(ROLE_SESSION_NAME_VAR) {
        builder = builder.role_session_name(session_name);
    }
    if let Some(connector) = connector {
        builder = builder.connector(Arc::clone(connector));
    }
    builder.build()
}

/// What a chain found at each place it looked.
#[derive(Default)]
struct Search {
    /// One note per place, in order.
    notes: Vec<String>,
    /// The first source that was configured but failed.
    first_failure: Option<CredentialsError>,
}

impl Search {
    fn record(&mut self, error: CredentialsError) {
        match error.kind() {
            CredentialsErrorKind::Failed => {
                self.notes.push(format!("{error} (skipped)"));
                self.first_failure.get_or_insert(error);
            }
            _ => self.notes.push(error.to_string()),
        }
    }

    /// Credentials found after earlier sources failed are used, as by
    /// Alibaba's libraries, but not silently.
    fn found(&self, credentials: Credentials) -> Credentials {
        if let Some(failure) = &self.first_failure {
            tracing::warn!(
                failed = %failure,
                used = credentials.source(),
                "a configured credentials source failed; using a later source of the chain"
            );
        }
        credentials
    }

    /// The error of a chain that found nothing: the first configured source
    /// that failed, else "nothing configured", with every place looked.
    fn into_error(self) -> CredentialsError {
        match self.first_failure {
            Some(failure) => failure.with_searched_locations(self.notes),
            None => CredentialsError::chain_exhausted(self.notes),
        }
    }
}

/// The default credentials chain. Wrap it in a
/// [`CachedProvider`](crate::CachedProvider) (the runtime does) so the
/// sources are not read on every call.
#[derive(Debug, Clone)]
pub struct DefaultCredentialsChain {
    environment: Arc<dyn Environment>,
    profile: Option<String>,
    ecs_metadata_endpoint: String,
    connector: Option<Arc<dyn Connector>>,
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

    /// Sends the sources' requests (STS, the ECS metadata service, the
    /// credentials URI) through `connector`: the runtime gives its own, so
    /// that they honour the client's proxies and trusted roots. By default
    /// each source builds one from the environment.
    pub fn connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.chain.connector = Some(connector);
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
                connector: None,
            },
        }
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let mut search = Search::default();

        let environment = Arc::clone(&self.environment);
        let imdsv1_disabled = is_true(environment.as_ref(), IMDSV1_DISABLED_VAR);
        // A source that is unusable before it is asked (a partial OIDC
        // configuration, a disabled file) is recorded in its turn.
        let mut sources: Vec<Result<Box<dyn ProvideCredentials>, CredentialsError>> = vec![Ok(
            Box::new(EnvironmentProvider::new(Arc::clone(&environment))),
        )];
        sources.push(
            oidc_from_environment(&environment, self.connector.as_ref())
                .map(|provider| Box::new(provider) as Box<dyn ProvideCredentials>),
        );
        if is_true(environment.as_ref(), CLI_PROFILE_DISABLED_VAR) {
            sources.push(Err(CredentialsError::not_configured(
                "~/.aliyun/config.json",
                format!("disabled by {CLI_PROFILE_DISABLED_VAR}"),
            )));
        } else {
            let mut provider =
                CliProfileProvider::new(Arc::clone(&environment), self.profile.clone())
                    .with_ecs_metadata(self.ecs_metadata_endpoint.clone(), imdsv1_disabled);
            if let Some(connector) = &self.connector {
                provider = provider.with_connector(Arc::clone(connector));
            }
            sources.push(Ok(Box::new(provider)));
        }
        let mut ini = IniProfileProvider::new(Arc::clone(&environment), self.profile.clone())
            .with_ecs_metadata(self.ecs_metadata_endpoint.clone(), imdsv1_disabled);
        if let Some(connector) = &self.connector {
            ini = ini.with_connector(Arc::clone(connector));
        }
        sources.push(Ok(Box::new(ini)));
        for source in sources {
            let attempt = match source {
                Ok(source) => source.provide_credentials().await,
                Err(error) => Err(error),
            };
            match attempt {
                Ok(credentials) => return Ok(search.found(credentials)),
                Err(error) => search.record(error),
            }
        }

        let ecs_disabled = is_true(environment.as_ref(), ECS_METADATA_DISABLED_VAR);
        if ecs_disabled {
            search.record(CredentialsError::not_configured(
                "ECS instance metadata service",
                format!("disabled by {ECS_METADATA_DISABLED_VAR}"),
            ));
        } else {
            let role = environment.non_empty_var(ECS_METADATA_ROLE_VAR);
            let provider = match &self.connector {
                Some(connector) => Ok(EcsRamRoleProvider::with_connector(
                    Arc::clone(connector),
                    self.ecs_metadata_endpoint.clone(),
                    role,
                )),
                None => EcsRamRoleProvider::new(self.ecs_metadata_endpoint.clone(), role),
            };
            let attempt = match provider {
                Ok(provider) => {
                    provider
                        .with_imdsv1_disabled(imdsv1_disabled)
                        .provide_credentials()
                        .await
                }
                Err(error) => Err(error),
            };
            match attempt {
                Ok(credentials) => return Ok(search.found(credentials)),
                Err(error) => search.record(error),
            }
        }

        match environment.non_empty_var(CREDENTIALS_URI_VAR) {
            None => search.record(CredentialsError::not_configured(
                format!("environment variable {CREDENTIALS_URI_VAR}"),
                "not set",
            )),
            Some(uri) => {
                let provider = match &self.connector {
                    Some(connector) => Ok(CredentialsUriProvider::with_connector(
                        Arc::clone(connector),
                        uri,
                    )),
                    None => CredentialsUriProvider::new(uri),
                };
                let attempt = match provider {
                    Ok(provider) => provider.provide_credentials().await,
                    Err(error) => Err(error),
                };
                match attempt {
                    Ok(credentials) => return Ok(search.found(credentials)),
                    Err(error) => search.record(error),
                }
            }
        }
        Err(search.into_error())
    }
}

impl ProvideCredentials for DefaultCredentialsChain {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}
