//! Running one operation from its parsed command line.
//!
//! The flags are turned back into wire parameters through the operation's
//! metadata and sent with the runtime's generic `invoke`, so the CLI needs no
//! code per operation. The response is kept as JSON with its wire names.

use std::process::ExitCode;
use std::time::Duration;

use aliyun_runtime::metadata::{OperationMetadata, ParameterStyle, ValueType};
use aliyun_runtime::{Config, Credentials, RetryConfig, Timeouts};
use clap::ArgMatches;
use serde_json::{Map, Value};

use aliyun_runtime::error::SdkError;

use crate::call_options::{self, Mode};
use crate::pager::{self, PagerError};
use crate::report::{self, OutputFormat};
use crate::waiter::{self, WaitError};
use crate::{dryrun, emulator, output};

/// Sends `operation` with the flags in `operation_matches`, as its calling
/// options ask (see [`call_options`](crate::call_options)), and reports
/// the result.
pub async fn run(
    operation: &'static OperationMetadata,
    global_matches: &ArgMatches,
    operation_matches: &ArgMatches,
) -> ExitCode {
    let global_format = match global_matches
        .get_one::<String>("output")
        .map(String::as_str)
    {
        Some("text") => OutputFormat::Text,
        _ => OutputFormat::Json,
    };
    let options = match call_options::read(operation_matches, global_format) {
        Ok(options) => options,
        Err(error) => return report::usage_error(&error.to_string()),
    };
    // Errors are printed as JSON on stdout unless another format was asked.
    let format = match options.output.format {
        output::Format::Json => OutputFormat::Json,
        _ => OutputFormat::Text,
    };
    let parameters = match wire_parameters(operation, operation_matches) {
        Ok(parameters) => parameters,
        Err(message) => return report::usage_error(&message),
    };

    // With `--emulator` the call goes to an emulator living in this process,
    // with the demo fixture and the demo key pair; it stops when we return.
    let in_process_emulator = if global_matches.get_flag("emulator") {
        match emulator::start_demo().await {
            Ok(running) => Some(running),
            Err(error) => {
                return report::configuration_error(&format!("cannot start the emulator: {error}"))
            }
        }
    } else {
        None
    };

    let config = match client_config(global_matches, in_process_emulator.as_ref()) {
        Ok(config) => config,
        Err(message) => return report::configuration_error(&message),
    };
    let client = match aliyun_rds::Client::new(config) {
        Ok(client) => client,
        Err(error) => return report::configuration_error(&error.to_string()),
    };
    let runtime = client.runtime();
    let outcome = match &options.mode {
        Mode::Single => runtime
            .invoke::<_, Value, String>(operation, &parameters, str::to_owned)
            .await
            .map_err(Failure::Call),
        Mode::DryRun => dryrun::describe(runtime, operation, &parameters)
            .await
            .map_err(|error| Failure::Call(SdkError::Construction(error))),
        Mode::Pager(pager_options) => pager::collect(runtime, operation, parameters, pager_options)
            .await
            .map_err(|error| match error {
                PagerError::Call(error) => Failure::Call(error),
                other => Failure::Pager(other),
            }),
        Mode::Waiter(waiter_options) => {
            waiter::wait_for_value(runtime, operation, &parameters, waiter_options)
                .await
                .map_err(Failure::from)
        }
        Mode::WaitUntil(wait_options) => {
            waiter::wait_until(runtime, operation, &parameters, wait_options)
                .await
                .map_err(Failure::from)
        }
    };
    let exit_code = match outcome {
        Ok(response) => match output::render(&response, &options.output) {
            Ok(Some(text)) => {
                report::print_stdout(&text);
                ExitCode::SUCCESS
            }
            Ok(None) => ExitCode::SUCCESS,
            Err(error) => report::usage_error(&error.to_string()),
        },
        Err(Failure::Call(error)) => report::call_error(&error, operation, format),
        Err(Failure::Pager(error @ PagerError::NotPaged { .. })) => {
            report::usage_error(&error.to_string())
        }
        Err(Failure::Pager(error)) => {
            report::print_stderr(&format!("error: {error}"));
            ExitCode::from(report::EXIT_TRANSPORT_ERROR)
        }
        Err(Failure::Wait(error)) if error.is_usage_error() => {
            report::usage_error(&error.to_string())
        }
        Err(Failure::Wait(error)) => {
            report::print_stderr(&format!("error: {error}"));
            ExitCode::from(waiter::EXIT_WAIT_FAILED)
        }
    };
    if let Some(running) = in_process_emulator {
        running.shutdown().await;
    }
    exit_code
}

/// How a call with calling options can fail.
enum Failure {
    /// A request failed: reported like any failed call.
    Call(SdkError<String>),
    /// The pages could not be merged.
    Pager(PagerError),
    /// The wait ended without its state.
    Wait(WaitError),
}

impl From<WaitError> for Failure {
    fn from(error: WaitError) -> Self {
        match error {
            WaitError::Call(error) => Failure::Call(error),
            other => Failure::Wait(other),
        }
    }
}

/// Turns the flags back into the operation's wire parameters.
///
/// Scalars are sent as typed on the command line. Objects and lists are
/// given as JSON and laid out by the runtime according to their style;
/// a `json`-style parameter is sent as the JSON text itself.
fn wire_parameters(
    operation: &'static OperationMetadata,
    matches: &ArgMatches,
) -> Result<Map<String, Value>, String> {
    let mut parameters = Map::new();
    for parameter in operation.parameters {
        let Some(text) = matches.get_one::<String>(parameter.name) else {
            continue;
        };
        let structured = matches!(parameter.value_type, ValueType::Object | ValueType::Array);
        let value = if structured && parameter.style != ParameterStyle::Json {
            serde_json::from_str(text).map_err(|error| {
                format!(
                    "--{} expects JSON ({error})",
                    crate::command_line::kebab_case(parameter.rust_name)
                )
            })?
        } else {
            Value::String(text.clone())
        };
        parameters.insert(parameter.name.to_owned(), value);
    }
    Ok(parameters)
}

/// Builds the client configuration from the global options. The timeouts
/// are in seconds and `--retry-count` counts retries, not attempts, as in
/// the aliyun CLI.
fn client_config(
    matches: &ArgMatches,
    in_process_emulator: Option<&aliyun_rds_emulator::RunningEmulator>,
) -> Result<Config, String> {
    let mut builder = Config::builder();
    if let Some(region) = matches.get_one::<String>("region") {
        builder = builder.region(region);
    }
    if let Some(endpoint) = matches.get_one::<String>("endpoint") {
        builder = builder.endpoint_url(endpoint);
    }
    if let Some(profile) = matches.get_one::<String>("profile") {
        // An explicit profile is where credentials come from, whatever the
        // environment holds; it also names the region's profile.
        builder = builder.profile_credentials(profile);
    }
    if let (Some(id), Some(secret)) = (
        matches.get_one::<String>("access-key-id"),
        matches.get_one::<String>("access-key-secret"),
    ) {
        let mut credentials = Credentials::new(id.as_str(), secret.as_str()).with_source("flags");
        if let Some(token) = matches.get_one::<String>("sts-token") {
            credentials = credentials.with_security_token(token.as_str());
        }
        builder = builder.credentials(credentials);
    }
    if matches
        .get_one::<String>("signature-version")
        .map(String::as_str)
        == Some("v3")
    {
        builder = builder.signature_version(aliyun_runtime::SignatureVersion::V3);
    }
    if let Some(path) = matches.get_one::<String>("ca-bundle") {
        let pem = std::fs::read(path)
            .map_err(|error| format!("cannot read the --ca-bundle file `{path}`: {error}"))?;
        builder = builder.root_certificate_pem(pem);
    }
    if let Some(&seconds) = matches.get_one::<u64>("connect-timeout") {
        builder = builder.connect_timeout(Duration::from_secs(seconds));
    }
    let retries = matches.get_one::<u32>("retry-count").copied();
    if let Some(retries) = retries {
        builder = builder.retry(RetryConfig::default().with_max_attempts(retries + 1));
    }
    if let Some(&seconds) = matches.get_one::<u64>("read-timeout") {
        let attempt = Duration::from_secs(seconds);
        // As in the aliyun CLI, the read timeout bounds each attempt; the
        // whole call is given room for every attempt to use it.
        let attempts = retries.map_or(RetryConfig::default().max_attempts, |retries| retries + 1);
        let operation = attempt
            .saturating_mul(attempts)
            .max(Timeouts::default().operation);
        builder = builder
            .attempt_timeout(attempt)
            .operation_timeout(operation);
    }
    if let Some(running) = in_process_emulator {
        // The emulator lives in this process: a proxy of the environment
        // could not reach it.
        builder = builder
            .no_proxy()
            .endpoint_url(running.base_url())
            .credentials(emulator::demo_credentials());
    }
    Ok(builder.build())
}
