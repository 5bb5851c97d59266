//! The emulator as the CLI runs it: served by the `emulator` subcommand until
//! killed, or started in-process for one call by `--emulator`.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use aliyun_rds_emulator::{Emulator, EmulatorBuilder, Fixture, KeyPair, Pace, RunningEmulator};
use clap::ArgMatches;

use crate::report;

/// Serves the emulator with the subcommand's options until the process is
/// killed (or interrupted with Ctrl-C).
pub async fn serve_command(matches: &ArgMatches) -> ExitCode {
    let fixture = match matches.get_one::<String>("fixture") {
        Some(path) => match Fixture::from_path(Path::new(path)) {
            Ok(fixture) => fixture,
            Err(error) => return report::configuration_error(&error.to_string()),
        },
        None => Fixture::demo(),
    };
    let key_pair = key_pair_for_serving(matches);
    let listen = matches
        .get_one::<String>("listen")
        .map(String::as_str)
        .unwrap_or("127.0.0.1:0");
    let mut builder = Emulator::builder().fixture(fixture);
    if let Some(count) = matches.get_one::<usize>("seed-instances") {
        let region = matches
            .get_one::<String>("seed-region")
            .map(String::as_str)
            .unwrap_or("cn-hangzhou");
        builder = builder.seed_instances(region, *count);
    }
    builder = builder
        .key_pair(key_pair)
        .documented_operations(aliyun_rds::metadata::OPERATIONS);
    if let Some(pace) = matches.get_one::<Pace>("pace") {
        builder = builder.pace(*pace);
    }
    if let Some(seed) = matches.get_one::<u64>("seed") {
        builder = builder.seed(*seed);
    }
    if let Some(path) = matches.get_one::<String>("state") {
        builder = builder.state_file(path);
    }
    if let Some(seconds) = matches.get_one::<u64>("sts-credential-lifetime") {
        builder = builder.sts_credential_lifetime(Duration::from_secs(*seconds));
    }
    for role in matches.get_many::<String>("sts-role").into_iter().flatten() {
        builder = builder.sts_role(role);
    }
    let oidc_provider = matches
        .get_one::<String>("oidc-provider-arn")
        .map(String::as_str)
        .unwrap_or(aliyun_rds_emulator::DEMO_OIDC_PROVIDER_ARN);
    for token in matches
        .get_many::<String>("oidc-token")
        .into_iter()
        .flatten()
    {
        builder = builder.oidc_token(oidc_provider, token);
    }
    if let (Some(certificate), Some(key)) = (
        matches.get_one::<String>("tls-cert"),
        matches.get_one::<String>("tls-key"),
    ) {
        let read = |flag: &str, path: &str| {
            std::fs::read(path)
                .map_err(|error| format!("cannot read the {flag} file `{path}`: {error}"))
        };
        match read("--tls-cert", certificate)
            .and_then(|certificate| read("--tls-key", key).map(|key| (certificate, key)))
        {
            Ok((certificate, key)) => builder = builder.tls(certificate, key),
            Err(message) => return report::configuration_error(&message),
        }
    }
    if matches.get_flag("postgres") {
        builder = match with_postgres(builder, matches) {
            Ok(builder) => builder,
            Err(message) => return report::configuration_error(&message),
        };
    }
    // Listen for the stopping signals before anyone can learn the address:
    // a SIGTERM sent right after the `listening on` line must still stop
    // the clusters and save the state, not kill the process outright.
    let shutdown = ShutdownSignals::listen();
    let running = match builder.start(listen).await {
        Ok(running) => running,
        Err(error) if error.kind() == std::io::ErrorKind::InvalidInput => {
            return report::configuration_error(&format!("cannot serve HTTPS: {error}"))
        }
        Err(error) if error.kind() == std::io::ErrorKind::InvalidData => {
            return report::configuration_error(&error.to_string())
        }
        Err(error) => {
            return report::configuration_error(&format!("cannot listen on {listen}: {error}"))
        }
    };
    // This exact line is what scripts and tests wait for.
    report::print_stdout(&format!("listening on {}", running.base_url()));
    shutdown.recv().await;
    // The state file, if any, is written on the way out.
    match running.shutdown_and_save().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            report::configuration_error(&format!("cannot save the emulator's state: {error}"))
        }
    }
}

/// `--postgres`, `--postgres-bin` and `--postgres-user`: real PostgreSQL
/// behind the emulator's PostgreSQL instances.
#[cfg(all(feature = "postgres", target_os = "linux"))]
fn with_postgres(
    builder: EmulatorBuilder,
    matches: &ArgMatches,
) -> Result<EmulatorBuilder, String> {
    let mut options = aliyun_rds_emulator::postgres::EngineOptions::new();
    if let Some(dir) = matches.get_one::<String>("postgres-bin") {
        options = options.bin_dir(dir);
    }
    if let Some(user) = matches.get_one::<String>("postgres-user") {
        options = options.user(user);
    }
    Ok(builder.postgres(options))
}

/// `--postgres` in a binary that cannot run PostgreSQL: says why.
#[cfg(not(all(feature = "postgres", target_os = "linux")))]
fn with_postgres(_: EmulatorBuilder, _: &ArgMatches) -> Result<EmulatorBuilder, String> {
    if cfg!(target_os = "linux") {
        Err(
            "--postgres needs an aliyun-rds built with the `postgres` feature: \
             cargo install aliyun-rds-cli --features postgres \
             (or cargo run -p aliyun-rds-cli --features postgres -- emulator --postgres)"
                .to_owned(),
        )
    } else {
        Err("--postgres runs PostgreSQL clusters on Linux only".to_owned())
    }
}

/// Ctrl-C, or SIGTERM where there are signals (what `kill` and service
/// managers send), registered when made so that none is missed.
struct ShutdownSignals {
    #[cfg(unix)]
    unix: Option<(tokio::signal::unix::Signal, tokio::signal::unix::Signal)>,
}

impl ShutdownSignals {
    fn listen() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let unix = signal(SignalKind::terminate())
                .and_then(|terminate| Ok((terminate, signal(SignalKind::interrupt())?)))
                .ok();
            ShutdownSignals { unix }
        }
        #[cfg(not(unix))]
        ShutdownSignals {}
    }

    /// Waits for the first of the signals.
    async fn recv(self) {
        #[cfg(unix)]
        if let Some((mut terminate, mut interrupt)) = self.unix {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            return;
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The key pair the served emulator accepts: the flags, else the standard
/// environment variables, else the documented demo pair.
fn key_pair_for_serving(matches: &ArgMatches) -> KeyPair {
    let from_flags = matches
        .get_one::<String>("access-key-id")
        .zip(matches.get_one::<String>("access-key-secret"))
        .map(|(id, secret)| (id.clone(), secret.clone()));
    let from_environment = || {
        let id = std::env::var("ALIBABA_CLOUD_ACCESS_KEY_ID").ok()?;
        let secret = std::env::var("ALIBABA_CLOUD_ACCESS_KEY_SECRET").ok()?;
        Some((id, secret))
    };
    let (access_key_id, access_key_secret) =
        from_flags.or_else(from_environment).unwrap_or_else(|| {
            (
                aliyun_rds_emulator::DEMO_ACCESS_KEY_ID.to_owned(),
                aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET.to_owned(),
            )
        });
    KeyPair {
        access_key_id,
        access_key_secret,
        security_token: None,
    }
}

/// Starts an emulator with the demo fixture and key pair on a free loopback
/// port, for `--emulator`.
pub async fn start_demo() -> std::io::Result<RunningEmulator> {
    Emulator::builder()
        .fixture(Fixture::demo())
        .documented_operations(aliyun_rds::metadata::OPERATIONS)
        .start("127.0.0.1:0")
        .await
}

/// The credentials that the demo emulator accepts.
pub fn demo_credentials() -> aliyun_runtime::Credentials {
    aliyun_runtime::Credentials::new(
        aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
        aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
    )
}
