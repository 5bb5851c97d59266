//! Credentials from environment variables and from the two profile files
//! Alibaba Cloud tools share.
//!
//! * Environment: `ALIBABA_CLOUD_ACCESS_KEY_ID`,
//!   `ALIBABA_CLOUD_ACCESS_KEY_SECRET` and optionally
//!   `ALIBABA_CLOUD_SECURITY_TOKEN`.
//! * The CLI's `~/.aliyun/config.json`: a `profiles` array whose entries
//!   have a `name`, a `mode` and the fields of that mode, named as
//!   Alibaba's CLI writes them (see [`CliProfileProvider`]); the profile
//!   used is the configured one, else `ALIBABA_CLOUD_PROFILE`, else the
//!   file's `current` field, else `default`.
//! * The INI file `ALIBABA_CLOUD_CREDENTIALS_FILE` or
//!   `~/.alibabacloud/credentials.ini`: section named by the configured
//!   profile or `ALIBABA_CLOUD_PROFILE`, else `default`, whose `type` is
//!   `access_key`, `ecs_ram_role` or `ram_role_arn` (see
//!   [`IniProfileProvider`]).
//!
//! The files are a few hundred bytes, so they are read synchronously.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aliyun_http::environment::Environment;
use aliyun_http::Connector;
use aliyun_sign::identity::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};
use serde::Deserialize;

use crate::local_service::{EcsRamRoleProvider, DEFAULT_ECS_METADATA_ENDPOINT};
use crate::sts::{OidcRoleArnProvider, RamRoleArnProvider};

/// Variable holding the AccessKey id.
pub const ACCESS_KEY_ID_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_ID";
/// Variable holding the AccessKey secret.
pub const ACCESS_KEY_SECRET_VAR: &str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET";
/// Variable holding the STS security token.
pub const SECURITY_TOKEN_VAR: &str = "ALIBABA_CLOUD_SECURITY_TOKEN";
/// Variable naming the profile to use.
pub const PROFILE_VAR: &str = "ALIBABA_CLOUD_PROFILE";
/// Variable naming the INI credentials file.
pub const CREDENTIALS_FILE_VAR: &str = "ALIBABA_CLOUD_CREDENTIALS_FILE";

/// Reads credentials from `ALIBABA_CLOUD_*` environment variables.
#[derive(Debug, Clone)]
pub struct EnvironmentProvider {
    environment: Arc<dyn Environment>,
}

impl EnvironmentProvider {
    /// A provider reading `environment`.
    pub fn new(environment: Arc<dyn Environment>) -> Self {
        EnvironmentProvider { environment }
    }

    fn load(&self) -> Result<Credentials, CredentialsError> {
        let location = format!("environment variables {ACCESS_KEY_ID_VAR}/{ACCESS_KEY_SECRET_VAR}");
        let id = self.environment.non_empty_var(ACCESS_KEY_ID_VAR);
        let secret = self.environment.non_empty_var(ACCESS_KEY_SECRET_VAR);
        let (id, secret) = match (id, secret) {
            (None, None) => return Err(CredentialsError::not_configured(location, "not set")),
            (Some(_), None) => {
                return Err(CredentialsError::failed(
                    location,
                    format!("{ACCESS_KEY_ID_VAR} is set but {ACCESS_KEY_SECRET_VAR} is not"),
                ))
            }
            (None, Some(_)) => {
                return Err(CredentialsError::failed(
                    location,
                    format!("{ACCESS_KEY_SECRET_VAR} is set but {ACCESS_KEY_ID_VAR} is not"),
                ))
            }
            (Some(id), Some(secret)) => (id, secret),
        };
        let mut credentials = Credentials::new(id, secret).with_source("environment");
        if let Some(token) = self.environment.non_empty_var(SECURITY_TOKEN_VAR) {
            credentials = credentials.with_security_token(token);
        }
        Ok(credentials)
    }
}

impl ProvideCredentials for EnvironmentProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(async move { self.load() })
    }
}

/// The CLI configuration file, as far as credentials and region go.
#[derive(Debug, Deserialize)]
struct CliConfigFile {
    #[serde(default)]
    current: Option<String>,
    #[serde(default)]
    profiles: Vec<CliProfile>,
}

#[derive(Deserialize)]
struct CliProfile {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    ram_role_arn: String,
    #[serde(default)]
    ram_session_name: String,
    #[serde(default)]
    expired_seconds: Option<u32>,
    #[serde(default)]
    policy: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    sts_region: String,
    #[serde(default)]
    enable_vpc: bool,
    #[serde(default)]
    ram_role_name: String,
    #[serde(default)]
    oidc_provider_arn: String,
    #[serde(default)]
    oidc_token_file: String,
    #[serde(default)]
    role_session_name: String,
    #[serde(default)]
    source_profile: String,
}

impl std::fmt::Debug for CliProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CliProfile")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .finish_non_exhaustive()
    }
}

fn cli_config_path(environment: &dyn Environment) -> Option<PathBuf> {
    environment
        .home_dir()
        .map(|home| home.join(".aliyun").join("config.json"))
}

/// Reads and parses the CLI file; `Ok(None)` when it does not exist.
fn read_cli_config(path: &Path) -> Result<Option<CliConfigFile>, CredentialsError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(
                CredentialsError::failed(path.display().to_string(), "could not be read")
                    .with_source(error),
            )
        }
    };
    serde_json::from_str(&text).map(Some).map_err(|error| {
        CredentialsError::failed(
            path.display().to_string(),
            "is not a valid CLI configuration file",
        )
        .with_source(error)
    })
}

fn select_profile<'a>(
    file: &'a CliConfigFile,
    configured: Option<&str>,
    environment: &dyn Environment,
) -> (String, Option<&'a CliProfile>) {
    let name = configured
        .map(str::to_owned)
        .or_else(|| environment.non_empty_var(PROFILE_VAR))
        .or_else(|| file.current.clone().filter(|current| !current.is_empty()))
        .unwrap_or_else(|| "default".to_owned());
    let profile = file.profiles.iter().find(|profile| profile.name == name);
    (name, profile)
}

/// The `region_id` of the selected CLI profile, if the file and field
/// exist. Used when no region is configured otherwise.
pub fn cli_profile_region(environment: &dyn Environment, profile: Option<&str>) -> Option<String> {
    let path = cli_config_path(environment)?;
    let file = read_cli_config(&path).ok()??;
    let (_, selected) = select_profile(&file, profile, environment);
    selected
        .map(|selected| selected.region_id.clone())
        .filter(|region| !region.is_empty())
}

/// The profile modes [`CliProfileProvider`] supports.
const SUPPORTED_MODES: &str = "AK, StsToken, RamRoleArn, EcsRamRole, OIDC, ChainableRamRoleArn";

/// Reads the profile of the CLI's `~/.aliyun/config.json`.
///
/// Every mode is read from the fields Alibaba's CLI writes:
///
/// | mode | fields |
/// | --- | --- |
/// | `AK` | `access_key_id`, `access_key_secret` |
/// | `StsToken` | `access_key_id`, `access_key_secret`, `sts_token` |
/// | `RamRoleArn` | `access_key_id`, `access_key_secret` (they sign `AssumeRole`), `ram_role_arn`, optional `ram_session_name`, `expired_seconds`, `policy`, `external_id`, `sts_region`, `enable_vpc` |
/// | `EcsRamRole` | optional `ram_role_name` (else the instance's attached role) |
/// | `OIDC` | `ram_role_arn`, `oidc_provider_arn`, `oidc_token_file`, optional `role_session_name`, `expired_seconds`, `policy`, `sts_region`, `enable_vpc` |
/// | `ChainableRamRoleArn` | `source_profile` (any supported profile, whose credentials sign `AssumeRole`), `ram_role_arn` and the optional fields of `RamRoleArn` |
///
/// Other modes (`CloudSSO`, `External`, ...) fail with an error naming the
/// mode and the profile. Modes that call STS or the instance metadata
/// service do so every time the provider is asked; the default chain is
/// cached, a provider used on its own should be wrapped in a
/// [`CachedProvider`](crate::CachedProvider).
#[derive(Debug, Clone)]
pub struct CliProfileProvider {
    environment: Arc<dyn Environment>,
    profile: Option<String>,
    ecs_metadata_endpoint: String,
    imdsv1_disabled: bool,
    connector: Option<Arc<dyn Connector>>,
}

impl CliProfileProvider {
    /// A provider reading the file below `environment`'s home directory;
    /// `profile` overrides `ALIBABA_CLOUD_PROFILE` and the file's `current`.
    pub fn new(environment: Arc<dyn Environment>, profile: Option<String>) -> Self {
        CliProfileProvider {
            environment,
            profile,
            ecs_metadata_endpoint: DEFAULT_ECS_METADATA_ENDPOINT.to_owned(),
            imdsv1_disabled: false,
            connector: None,
        }
    }

    /// Asks this metadata service for `EcsRamRole` profiles instead of
    /// `http://100.100.100.200`, forbidding the IMDSv1 fallback when
    /// `imdsv1_disabled`.
    pub fn with_ecs_metadata(mut self, endpoint: impl Into<String>, imdsv1_disabled: bool) -> Self {
        self.ecs_metadata_endpoint = endpoint.into();
        self.imdsv1_disabled = imdsv1_disabled;
        self
    }

    /// Sends the requests of the providers a profile describes (STS, the
    /// ECS metadata service) through `connector`, such as the one of the
    /// client whose credentials they give; by default each builds one from
    /// the environment.
    pub fn with_connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let Some(path) = cli_config_path(self.environment.as_ref()) else {
            return Err(CredentialsError::not_configured(
                "~/.aliyun/config.json",
                "no home directory is known",
            ));
        };
        let location = path.display().to_string();
        let Some(file) = read_cli_config(&path)? else {
            return Err(CredentialsError::not_configured(location, "does not exist"));
        };
        let (name, _) = select_profile(&file, self.profile.as_deref(), self.environment.as_ref());
        let mut visited = Vec::new();
        let provider = self.provider_for(&file, &location, &name, &mut visited)?;
        provider
            .provide_credentials()
            .await
            .map_err(|error| error.within(&format!("{location} (profile `{name}`)")))
    }

    /// The provider the profile `name` describes; `visited` holds the
    /// profiles already on the `source_profile` path, to refuse cycles.
    fn provider_for(
        &self,
        file: &CliConfigFile,
        file_location: &str,
        name: &str,
        visited: &mut Vec<String>,
    ) -> Result<Arc<dyn ProvideCredentials>, CredentialsError> {
        let Some(profile) = file.profiles.iter().find(|profile| profile.name == name) else {
            return Err(CredentialsError::failed(
                file_location,
                format!("has no profile named `{name}`"),
            ));
        };
        let location = format!("{file_location} (profile `{name}`)");
        if visited.iter().any(|seen| seen == name) {
            visited.push(name.to_owned());
            return Err(CredentialsError::failed(
                location,
                format!(
                    "source_profile makes a cycle ({}); point one of them at a profile with keys",
                    visited.join(" -> ")
                ),
            ));
        }
        visited.push(name.to_owned());
        // A profile without a mode is an AccessKey profile, as for the CLI.
        let mode = if profile.mode.is_empty() {
            "AK"
        } else {
            profile.mode.as_str()
        };
        let required = |field: &str, value: &str| {
            if value.trim().is_empty() {
                Err(CredentialsError::failed(
                    location.as_str(),
                    format!("mode {mode} needs `{field}`, which is empty or missing"),
                ))
            } else {
                Ok(())
            }
        };
        let access_key = || -> Result<Credentials, CredentialsError> {
            required("access_key_id", &profile.access_key_id)?;
            required("access_key_secret", &profile.access_key_secret)?;
            Ok(Credentials::new(
                profile.access_key_id.as_str(),
                profile.access_key_secret.as_str(),
            )
            .with_source("cli profile"))
        };
        let role = |source: Arc<dyn ProvideCredentials>| {
            required("ram_role_arn", &profile.ram_role_arn)?;
            let mut builder = RamRoleArnProvider::builder(source, profile.ram_role_arn.as_str())
                .environment(Arc::clone(&self.environment))
                .role_session_name(profile.ram_session_name.as_str())
                .policy(profile.policy.as_str())
                .external_id(profile.external_id.as_str())
                .enable_vpc(profile.enable_vpc);
            if let Some(connector) = &self.connector {
                builder = builder.connector(Arc::clone(connector));
            }
            if let Some(seconds) = profile.expired_seconds.filter(|seconds| *seconds > 0) {
                builder = builder.duration_seconds(seconds);
            }
            if !profile.sts_region.is_empty() {
                builder = builder.sts_region(profile.sts_region.as_str());
            }
            builder
                .build()
                .map(|provider| Arc::new(provider) as Arc<dyn ProvideCredentials>)
                .map_err(|error| error.within(&location))
        };
        match mode {
            "AK" => Ok(Arc::new(access_key()?)),
            "StsToken" => {
                required("sts_token", &profile.sts_token)?;
                Ok(Arc::new(
                    access_key()?.with_security_token(profile.sts_token.as_str()),
                ))
            }
            "RamRoleArn" => role(Arc::new(access_key()?)),
            "ChainableRamRoleArn" => {
                required("source_profile", &profile.source_profile)?;
                let source =
                    self.provider_for(file, file_location, &profile.source_profile, visited)?;
                role(source)
            }
            "EcsRamRole" => {
                let role_name = Some(profile.ram_role_name.clone()).filter(|name| !name.is_empty());
                let provider = ecs_provider(
                    self.connector.as_ref(),
                    &self.ecs_metadata_endpoint,
                    role_name,
                )?
                .with_imdsv1_disabled(self.imdsv1_disabled);
                Ok(Arc::new(provider))
            }
            "OIDC" => {
                required("ram_role_arn", &profile.ram_role_arn)?;
                required("oidc_provider_arn", &profile.oidc_provider_arn)?;
                required("oidc_token_file", &profile.oidc_token_file)?;
                let mut builder = OidcRoleArnProvider::builder(
                    profile.ram_role_arn.as_str(),
                    profile.oidc_provider_arn.as_str(),
                    profile.oidc_token_file.as_str(),
                )
                .environment(Arc::clone(&self.environment))
                .role_session_name(profile.role_session_name.as_str())
                .policy(profile.policy.as_str())
                .enable_vpc(profile.enable_vpc);
                if let Some(connector) = &self.connector {
                    builder = builder.connector(Arc::clone(connector));
                }
                if let Some(seconds) = profile.expired_seconds.filter(|seconds| *seconds > 0) {
                    builder = builder.duration_seconds(seconds);
                }
                if !profile.sts_region.is_empty() {
                    builder = builder.sts_region(profile.sts_region.as_str());
                }
                let provider = builder.build().map_err(|error| error.within(&location))?;
                Ok(Arc::new(provider))
            }
            other => Err(CredentialsError::failed(
                location,
                format!(
                    "mode `{other}` is not supported by this SDK (supported: {SUPPORTED_MODES})"
                ),
            )),
        }
    }
}

impl ProvideCredentials for CliProfileProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}

/// Reads a section of the INI credentials file.
///
/// The section's `type` says what it holds, with the keys Alibaba's
/// credentials libraries read:
///
/// | `type` | keys |
/// | --- | --- |
/// | `access_key` (the default) | `access_key_id`, `access_key_secret` |
/// | `ecs_ram_role` | optional `role_name` (else the instance's attached role) |
/// | `ram_role_arn` | `access_key_id`, `access_key_secret` (they sign `AssumeRole`), `role_arn`, optional `role_session_name`, `policy` |
///
/// Types that call STS or the metadata service do so every time the
/// provider is asked; wrap it in a [`CachedProvider`](crate::CachedProvider)
/// when used on its own (the default chain is cached).
#[derive(Debug, Clone)]
pub struct IniProfileProvider {
    environment: Arc<dyn Environment>,
    profile: Option<String>,
    ecs_metadata_endpoint: String,
    imdsv1_disabled: bool,
    connector: Option<Arc<dyn Connector>>,
}

impl IniProfileProvider {
    /// A provider reading `ALIBABA_CLOUD_CREDENTIALS_FILE` or
    /// `~/.alibabacloud/credentials.ini`; `profile` overrides
    /// `ALIBABA_CLOUD_PROFILE` as the section name.
    pub fn new(environment: Arc<dyn Environment>, profile: Option<String>) -> Self {
        IniProfileProvider {
            environment,
            profile,
            ecs_metadata_endpoint: DEFAULT_ECS_METADATA_ENDPOINT.to_owned(),
            imdsv1_disabled: false,
            connector: None,
        }
    }

    /// Asks this metadata service for `ecs_ram_role` sections instead of
    /// `http://100.100.100.200`, forbidding the IMDSv1 fallback when
    /// `imdsv1_disabled`.
    pub fn with_ecs_metadata(mut self, endpoint: impl Into<String>, imdsv1_disabled: bool) -> Self {
        self.ecs_metadata_endpoint = endpoint.into();
        self.imdsv1_disabled = imdsv1_disabled;
        self
    }

    /// Sends the requests of the providers a profile describes (STS, the
    /// ECS metadata service) through `connector`, such as the one of the
    /// client whose credentials they give; by default each builds one from
    /// the environment.
    pub fn with_connector(mut self, connector: Arc<dyn Connector>) -> Self {
        self.connector = Some(connector);
        self
    }

    async fn load(&self) -> Result<Credentials, CredentialsError> {
        let (location, provider) = self.section_provider()?;
        provider
            .provide_credentials()
            .await
            .map_err(|error| error.within(&location))
    }

    /// The provider the selected section describes, and where it is.
    fn section_provider(&self) -> Result<(String, Arc<dyn ProvideCredentials>), CredentialsError> {
        let explicit = self
            .environment
            .non_empty_var(CREDENTIALS_FILE_VAR)
            .map(PathBuf::from);
        let path = match &explicit {
            Some(path) => path.clone(),
            None => match self.environment.home_dir() {
                Some(home) => home.join(".alibabacloud").join("credentials.ini"),
                None => {
                    return Err(CredentialsError::not_configured(
                        "~/.alibabacloud/credentials.ini",
                        "no home directory is known",
                    ))
                }
            },
        };
        let location = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            // A file named explicitly must exist; the default one may not.
            Err(error) if error.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                return Err(CredentialsError::not_configured(location, "does not exist"))
            }
            Err(error) => {
                return Err(
                    CredentialsError::failed(location, "could not be read").with_source(error)
                )
            }
        };
        let section_name = self
            .profile
            .clone()
            .or_else(|| self.environment.non_empty_var(PROFILE_VAR))
            .unwrap_or_else(|| "default".to_owned());
        let sections = parse_ini(&text);
        let Some(section) = sections.get(&section_name) else {
            return Err(CredentialsError::failed(
                location,
                format!("has no section [{section_name}]"),
            ));
        };
        let location = format!("{location} [{section_name}]");
        let kind = section
            .get("type")
            .map(String::as_str)
            .unwrap_or("access_key");
        let value = |key: &str| section.get(key).map(String::as_str).unwrap_or("");
        let access_key = || match (value("access_key_id"), value("access_key_secret")) {
            (id, secret) if !id.is_empty() && !secret.is_empty() => {
                Ok(Credentials::new(id, secret).with_source("credentials file"))
            }
            _ => Err(CredentialsError::failed(
                location.as_str(),
                format!("type {kind} needs access_key_id and access_key_secret"),
            )),
        };
        let provider: Arc<dyn ProvideCredentials> = match kind {
            "access_key" => Arc::new(access_key()?),
            "ecs_ram_role" => {
                let role_name = Some(value("role_name").to_owned()).filter(|name| !name.is_empty());
                Arc::new(
                    ecs_provider(
                        self.connector.as_ref(),
                        &self.ecs_metadata_endpoint,
                        role_name,
                    )?
                    .with_imdsv1_disabled(self.imdsv1_disabled),
                )
            }
            "ram_role_arn" => {
                let source = Arc::new(access_key()?);
                let mut builder = RamRoleArnProvider::builder(source, value("role_arn"))
                    .environment(Arc::clone(&self.environment))
                    .role_session_name(value("role_session_name"))
                    .policy(value("policy"));
                if let Some(connector) = &self.connector {
                    builder = builder.connector(Arc::clone(connector));
                }
                Arc::new(builder.build().map_err(|error| error.within(&location))?)
            }
            other => {
                return Err(CredentialsError::failed(
                    location,
                    format!(
                        "type `{other}` is not supported by this SDK \
                         (supported: access_key, ecs_ram_role, ram_role_arn)"
                    ),
                ))
            }
        };
        Ok((location, provider))
    }
}

impl ProvideCredentials for IniProfileProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        Box::pin(self.load())
    }
}

/// The ECS role provider of a profile: through `connector` when there is
/// one, else through a connector of its own.
fn ecs_provider(
    connector: Option<&Arc<dyn Connector>>,
    endpoint: &str,
    role_name: Option<String>,
) -> Result<EcsRamRoleProvider, CredentialsError> {
    match connector {
        Some(connector) => Ok(EcsRamRoleProvider::with_connector(
            Arc::clone(connector),
            endpoint,
            role_name,
        )),
        None => EcsRamRoleProvider::new(endpoint, role_name),
    }
}

/// Parses the INI subset the credentials file uses: `[section]` headers,
/// `key = value` lines, `;` and `#` comment lines, optional quotes around
/// values. A dedicated crate would bring features (escapes, multi-line
/// values) this file never uses.
fn parse_ini(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut sections: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if let Some(name) = line
            .strip_prefix('[')
            .and_then(|rest| rest.strip_suffix(']'))
        {
            let name = name.trim().to_owned();
            sections.entry(name.clone()).or_default();
            current = Some(name);
            continue;
        }
        if let (Some(section), Some((key, value))) = (&current, line.split_once('=')) {
            let value = value.trim();
            let value = value
                .strip_prefix('"')
                .and_then(|inner| inner.strip_suffix('"'))
                .unwrap_or(value);
            sections
                .entry(section.clone())
                .or_default()
                .insert(key.trim().to_owned(), value.to_owned());
        }
    }
    sections
}

#[cfg(test)]
mod tests {
    use super::parse_ini;

    #[test]
    fn ini_sections_keys_comments_and_quotes() {
        let parsed = parse_ini(
            "; c\n[default]\ntype = access_key\naccess_key_id = \"id\"\n# x\n[other]\na=b=c\n",
        );
        assert_eq!(parsed["default"]["type"], "access_key");
        assert_eq!(parsed["default"]["access_key_id"], "id");
        assert_eq!(parsed["other"]["a"], "b=c");
    }
}
