//! The HTTP server: builder, accept loop and the handle on a running
//! emulator. What happens to each request is the `pipeline` module's job.
//!
//! The server is hyper 1 over tokio, without a router framework: the protocol
//! has a single path, and a hyper service that returns an error closes the
//! connection without any response, which is exactly the `DropConnection`
//! fault (a framework handler cannot do that). Each connection runs in its
//! own task; shutting down stops the accept loop and aborts the connection
//! tasks. With [`EmulatorBuilder::tls`] it serves HTTPS (rustls, HTTP/1.1),
//! so that clients' certificate handling can be tested on loopback.

use aliyun_codec::metadata::OperationMetadata;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, ToSocketAddrs};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::backend::EngineBackend;
use crate::clock::Clock;
use crate::credentials::{KeyPair, KeyStore};
use crate::faults::{FaultHandle, FaultTable};
use crate::fixture::{Fixture, InstanceSnapshot};
use crate::limits::Limits;
use crate::model::migration::DEFAULT_POLLS_PER_STAGE;
use crate::model::pace::Pace;
use crate::model::{ModelConfig, Origin, Recipe};
use crate::observe::{Observation, Observer};
use crate::operations::documented::Documented;
use crate::pipeline::handle_request;
use crate::shared::Shared;
use crate::sts::StsConfig;
use crate::traffic::Traffic;
use crate::verify::Verifier;

/// The RDS emulator. Start one with [`Emulator::builder`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Emulator;

impl Emulator {
    /// A builder with the demo fixture, the demo key pair (unless pairs are
    /// given) and no clock offset.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// Configures and starts an emulator.
#[derive(Default)]
pub struct EmulatorBuilder {
    fixture: Option<Fixture>,
    key_pairs: Vec<KeyPair>,
    clock_offset_seconds: i64,
    polls_per_stage: Option<u32>,
    precheck_polls: u32,
    documented: &'static [&'static OperationMetadata],
    sts_roles: Vec<String>,
    oidc_tokens: Vec<(String, String)>,
    sts_lifetime: Option<Duration>,
    /// Instances to add to the fixture, by region, in call order.
    seeded: Vec<(String, usize)>,
    tls: Option<TlsPem>,
    limits: Limits,
    observer: Option<Observer>,
    pace: Option<Pace>,
    seed: Option<u64>,
    state_file: Option<PathBuf>,
    backend: Option<Arc<dyn EngineBackend>>,
    #[cfg(all(feature = "postgres", target_os = "linux"))]
    postgres: Option<crate::postgres::EngineOptions>,
}

impl fmt::Debug for EmulatorBuilder {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("EmulatorBuilder")
            .field("fixture", &self.fixture)
            .field("key_pairs", &self.key_pairs)
            .field("clock_offset_seconds", &self.clock_offset_seconds)
            .field("polls_per_stage", &self.polls_per_stage)
            .field("precheck_polls", &self.precheck_polls)
            .field("documented", &self.documented.len())
            .field("seeded", &self.seeded)
            .field("tls", &self.tls)
            .field("limits", &self.limits)
            .field("pace", &self.pace)
            .field("seed", &self.seed)
            .field("state_file", &self.state_file)
            .field("engine_backend", &self.backend.is_some())
            .finish_non_exhaustive()
    }
}

/// The PEM documents of an HTTPS emulator's certificate chain and key.
#[derive(Clone)]
struct TlsPem {
    certificate_chain: Vec<u8>,
    private_key: Vec<u8>,
}

impl fmt::Debug for TlsPem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private key is never printed.
        formatter.write_str("TlsPem { .. }")
    }
}

impl EmulatorBuilder {
    /// The initial state; the demo fixture when not called.
    pub fn fixture(mut self, fixture: Fixture) -> Self {
        self.fixture = Some(fixture);
        self
    }

    /// Adds `count` running MySQL instances in `region_id` after the
    /// fixture's own (see [`Fixture::with_seeded_instances`]), for example
    /// 250 of them to page through `DescribeDBInstances`. May be called
    /// repeatedly; the instances are added in call order, whether this is
    /// called before or after [`fixture`](Self::fixture).
    pub fn seed_instances(mut self, region_id: &str, count: usize) -> Self {
        self.seeded.push((region_id.to_owned(), count));
        self
    }

    /// Accepts this key pair. May be called repeatedly; a later pair with the
    /// same AccessKey ID replaces an earlier one. When never called, the
    /// emulator accepts the demo pair only.
    pub fn key_pair(mut self, key_pair: KeyPair) -> Self {
        self.key_pairs.push(key_pair);
        self
    }

    /// Runs the emulator's clock this many seconds ahead of the system clock
    /// (behind, when negative). See also
    /// [`RunningEmulator::set_clock_offset`].
    pub fn clock_offset(mut self, offset_seconds: i64) -> Self {
        self.clock_offset_seconds = offset_seconds;
        self
    }

    /// How many polls of `DescribeCloudMigrationResult` a cloud migration
    /// task spends in each stage before moving to the next (2 when not
    /// called; 0 counts as 1). A very large value keeps tasks where they
    /// are, for testing a waiter that gives up.
    pub fn polls_per_stage(mut self, polls: u32) -> Self {
        self.polls_per_stage = Some(polls);
        self
    }

    /// How many answers of `DescribeCloudMigrationPrecheckResult` report a
    /// new precheck task as still running before its report is complete
    /// (0 when not called: prechecks finish at once). A running precheck
    /// is listed with the report lines of the items checked so far and no
    /// verdict line, and `CreateCloudMigrationTask` refuses its source
    /// until it has finished; this is what a waiter on the precheck polls
    /// through.
    pub fn precheck_polls(mut self, polls: u32) -> Self {
        self.precheck_polls = polls;
        self
    }

    /// Answers every operation of this list that the emulator does not
    /// model from its documentation: the parameters are checked (a missing
    /// required one gets `MissingParameter`, a mistyped or undocumented
    /// value `InvalidParameter`) and the documented example response is
    /// returned with a fresh `RequestId`. Pass
    /// `aliyun_rds::metadata::OPERATIONS` to answer the whole RDS API; the
    /// `aliyun-rds emulator` command does. When not called, only the
    /// modelled operations answer and any other action is
    /// `InvalidAction.NotFound`.
    pub fn documented_operations(
        mut self,
        operations: &'static [&'static OperationMetadata],
    ) -> Self {
        self.documented = operations;
        self
    }

    /// A RAM role the emulated STS lets callers assume. May be called
    /// repeatedly. When never called, STS knows
    /// [`DEMO_ROLE_ARN`](crate::DEMO_ROLE_ARN) only; any other role is
    /// `EntityNotExist.Role`.
    pub fn sts_role(mut self, role_arn: impl Into<String>) -> Self {
        self.sts_roles.push(role_arn.into());
        self
    }

    /// An OIDC token `AssumeRoleWithOIDC` accepts from the OIDC provider
    /// `provider_arn`. May be called repeatedly (several tokens, several
    /// providers). When never called, STS accepts
    /// [`DEMO_OIDC_TOKEN`](crate::DEMO_OIDC_TOKEN) from
    /// [`DEMO_OIDC_PROVIDER_ARN`](crate::DEMO_OIDC_PROVIDER_ARN).
    pub fn oidc_token(mut self, provider_arn: impl Into<String>, token: impl Into<String>) -> Self {
        self.oidc_tokens.push((provider_arn.into(), token.into()));
        self
    }

    /// How long credentials issued by the emulated STS live, whatever
    /// `DurationSeconds` asks for (which must still be 900 to 43200, as on
    /// the real service). Short lifetimes exercise refresh and expiry.
    /// When not called, the requested `DurationSeconds` applies. Whole
    /// seconds; a lifetime under one second counts as one.
    pub fn sts_credential_lifetime(mut self, lifetime: Duration) -> Self {
        self.sts_lifetime = Some(lifetime);
        self
    }

    /// Serves HTTPS with this certificate chain (PEM, the server's
    /// certificate first) and its private key (PEM, PKCS#8, PKCS#1 or
    /// SEC1), instead of plain HTTP. Clients must trust the chain's CA
    /// (for the `aliyun-rds` CLI, `--ca-bundle`). Checked by
    /// [`start`](Self::start).
    pub fn tls(
        mut self,
        certificate_chain_pem: impl Into<Vec<u8>>,
        private_key_pem: impl Into<Vec<u8>>,
    ) -> Self {
        self.tls = Some(TlsPem {
            certificate_chain: certificate_chain_pem.into(),
            private_key: private_key_pem.into(),
        });
        self
    }

    /// The largest request line and headers, together, in bytes (16 KiB
    /// when not called). A larger head is answered `431 Request Header
    /// Fields Too Large` and the connection closed.
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_header_bytes = bytes;
        self
    }

    /// The largest request body, in bytes (1 MiB when not called). A larger
    /// body is answered `InvalidParameter` without being read further.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.limits.max_body_bytes = bytes;
        self
    }

    /// How long a client may take to send a request's line and headers,
    /// counted from the moment the connection is opened or the previous
    /// answer on it was sent (30 seconds when not called). A connection that
    /// is idle or trickles its headers for longer is closed, so abandoned
    /// connections do not pile up.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a client may take to send a request's body once its headers
    /// have arrived (30 seconds when not called). A slower body is answered
    /// `InvalidParameter` and the connection closed.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_read_timeout = timeout;
        self
    }

    /// How many connections are served at once (1024 when not called; 0
    /// counts as 1). Further clients wait in the operating system's listen
    /// backlog until a connection ends. With the size limits, this bounds
    /// the memory the emulator can be made to hold.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections.max(1);
        self
    }

    /// How many nonces the emulator remembers (100,000 when not called; 0
    /// counts as 1), both to refuse a replayed nonce within the 15-minute
    /// window and for [`RunningEmulator::nonces`]. Past it the oldest are
    /// forgotten first, which bounds the memory of a long-running emulator
    /// under heavy traffic at the cost of missing a replay of a nonce that
    /// old.
    pub fn max_remembered_nonces(mut self, nonces: usize) -> Self {
        self.limits.max_remembered_nonces = nonces.max(1);
        self
    }

    /// Calls `observer` with every request that names an action, once the
    /// emulator has decided what to do with it: its action, nonce, and
    /// whether the operation ran (see [`Observation`]). Load tests use it to
    /// account for every request in constant memory.
    pub fn observer(mut self, observer: impl Fn(&Observation<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Observer(Arc::new(observer)));
        self
    }

    /// How fast instances move through their statuses and backups finish
    /// ([`Pace::default`], three seconds, when not called). Tests that do
    /// not test waiting use [`Pace::instant`]; tests of waiters use
    /// [`Pace::polls`] to control how many polls a change takes.
    pub fn pace(mut self, pace: Pace) -> Self {
        self.pace = Some(pace);
        self
    }

    /// Makes the IDs of new resources (instances, backups, tasks, parameter
    /// groups) reproducible: the same seed and the same calls give the same
    /// IDs on every run. Without a seed they are random. Changes take
    /// exactly the [`pace`](Self::pace), so timings are reproducible too.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Starts from the state saved in `path` when the file exists (instead
    /// of the fixture and seeded instances), and saves the state there when
    /// [`RunningEmulator::shutdown`] is called. The file is JSON; see
    /// [`RunningEmulator::state_json`].
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Puts a real database engine behind the instances of the engines it
    /// serves (see [`EngineBackend`]). Without one, every instance lives in
    /// memory only.
    pub fn engine_backend(mut self, backend: Arc<dyn EngineBackend>) -> Self {
        self.backend = Some(backend);
        self
    }

    /// Backs every PostgreSQL instance created through the API with a real
    /// PostgreSQL cluster, and performs the cloud migration into them for
    /// real (`aliyun-rds emulator --postgres`; see the
    /// [`postgres`](crate::postgres) module and
    /// [`PostgresBackend`](crate::postgres::PostgresBackend)). The engine
    /// starts with the emulator; when it cannot (no PostgreSQL programs,
    /// no unprivileged user to run them as root), the emulator starts all
    /// the same, says why on standard error, and refuses to create
    /// PostgreSQL instances with `ExternalFailure` and that reason. Takes
    /// the place of an [`engine_backend`](Self::engine_backend).
    /// [`RunningEmulator::shutdown`] stops the clusters and removes their
    /// data; dropping the emulator kills them.
    #[cfg(all(feature = "postgres", target_os = "linux"))]
    pub fn postgres(mut self, options: crate::postgres::EngineOptions) -> Self {
        self.postgres = Some(options);
        self
    }

    /// Binds `addr` (port 0 picks a free port) and starts serving in a
    /// background task of the current tokio runtime.
    ///
    /// # Errors
    ///
    /// The address cannot be bound, the TLS certificate or key given to
    /// [`tls`](Self::tls) is unusable (`InvalidInput`, saying which), or
    /// the [`state_file`](Self::state_file) exists but cannot be read or
    /// is not a saved state (`InvalidData`, naming it).
    // `self` changes only when real PostgreSQL is built in.
    #[cfg_attr(not(all(feature = "postgres", target_os = "linux")), allow(unused_mut))]
    pub async fn start(mut self, addr: impl ToSocketAddrs) -> std::io::Result<RunningEmulator> {
        let acceptor = self.tls.as_ref().map(tls_acceptor).transpose()?;
        #[cfg(all(feature = "postgres", target_os = "linux"))]
        let postgres = match self.postgres.take() {
            Some(options) => {
                let backend = Arc::new(crate::postgres::PostgresBackend::start(options).await);
                self.backend = Some(backend.clone());
                Some(backend)
            }
            None => None,
        };
        let config = ModelConfig {
            pace: self.pace.unwrap_or_default(),
            seed: self.seed,
            polls_per_stage: self.polls_per_stage.unwrap_or(DEFAULT_POLLS_PER_STAGE),
            precheck_pending_answers: self.precheck_polls,
            backend: self.backend.clone(),
        };
        let origin = match self.state_file.as_deref().filter(|path| path.exists()) {
            Some(path) => Origin::State(read_state(path)?),
            None => Origin::Fixture {
                fixture: self.fixture.unwrap_or_else(Fixture::demo),
                seeded: self.seeded,
            },
        };
        let recipe = Recipe::new(origin, config);
        let model = recipe.build().map_err(|why| {
            let path = self.state_file.clone().unwrap_or_default();
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "the state file {} is not a saved emulator state: {why}",
                    path.display()
                ),
            )
        })?;
        let listener = TcpListener::bind(addr).await?;
        let local_addr = listener.local_addr()?;
        let key_pairs = if self.key_pairs.is_empty() {
            vec![KeyPair::demo()]
        } else {
            self.key_pairs
        };
        let shared = Arc::new(Shared {
            verifier: Verifier::new(KeyStore::new(key_pairs), self.limits.max_remembered_nonces),
            clock: Clock::new(self.clock_offset_seconds),
            faults: Arc::new(FaultTable::default()),
            traffic: Traffic::new(self.limits.max_remembered_nonces),
            initial: recipe,
            model: Mutex::new(model),
            documented: self
                .documented
                .iter()
                .map(|operation| (operation.name, Documented::new(operation)))
                .collect(),
            sts: StsConfig::new(
                self.sts_roles,
                self.oidc_tokens,
                self.sts_lifetime
                    .map(|lifetime| i64::try_from(lifetime.as_secs().max(1)).unwrap_or(i64::MAX)),
            ),
            limits: self.limits,
            observer: self.observer,
            backend: crate::backend::BackendSlot(self.backend.clone()),
            gates: crate::gates::InstanceGates::default(),
        });
        let (stop_sender, stop_receiver) = watch::channel(false);
        let stop = Arc::new(stop_sender);
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        let server = tokio::spawn(accept_loop(
            listener,
            acceptor,
            Arc::clone(&shared),
            stop_receiver,
        ));
        Ok(RunningEmulator {
            local_addr,
            scheme,
            shared,
            stop,
            server: Some(server),
            state_file: self.state_file,
            #[cfg(all(feature = "postgres", target_os = "linux"))]
            postgres,
        })
    }
}

/// A started emulator. Dropping it stops the server, as
/// [`RunningEmulator::shutdown`] does without waiting.
pub struct RunningEmulator {
    local_addr: SocketAddr,
    /// `http`, or `https` when serving TLS.
    scheme: &'static str,
    shared: Arc<Shared>,
    stop: Arc<watch::Sender<bool>>,
    server: Option<JoinHandle<()>>,
    state_file: Option<PathBuf>,
    #[cfg(all(feature = "postgres", target_os = "linux"))]
    postgres: Option<Arc<crate::postgres::PostgresBackend>>,
}

/// The text of a saved state.
fn read_state(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path).map_err(|error| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("the state file {} cannot be read: {error}", path.display()),
        )
    })
}

impl fmt::Debug for RunningEmulator {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("RunningEmulator")
            .field("local_addr", &self.local_addr)
            .finish_non_exhaustive()
    }
}

impl RunningEmulator {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL clients use as endpoint, `http://127.0.0.1:PORT` (`https://`
    /// when serving TLS). When bound
    /// to an unspecified address (`0.0.0.0`, `::`), the URL names loopback,
    /// which is always reachable.
    pub fn base_url(&self) -> String {
        let address = match self.local_addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), self.local_addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), self.local_addr.port())
            }
            _ => self.local_addr,
        };
        format!("{}://{address}", self.scheme)
    }

    /// The handle to inject faults with.
    pub fn faults(&self) -> FaultHandle {
        FaultHandle::new(Arc::clone(&self.shared.faults))
    }

    /// How many requests named `action` so far, whatever their outcome
    /// (including refused signatures and injected faults). Counts are kept
    /// for the first 4096 distinct action names only, so that a client
    /// inventing names cannot grow the table.
    pub fn request_count(&self, action: &str) -> usize {
        self.shared.traffic.request_count(action)
    }

    /// The nonces received (`SignatureNonce` or `x-acs-signature-nonce`), in
    /// arrival order, whatever the outcome of the request: every one, up to
    /// [`EmulatorBuilder::max_remembered_nonces`], then the latest that
    /// many.
    pub fn nonces(&self) -> Vec<String> {
        self.shared.traffic.nonces()
    }

    /// The current state of an instance, if it exists.
    pub fn instance(&self, name: &str) -> Option<InstanceSnapshot> {
        let now = self.shared.clock.now_unix_millis();
        let mut model = self
            .shared
            .model
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        model.settle(now);
        model.snapshot(name)
    }

    /// Puts the emulator back in the state it started in (the fixture and
    /// seeded instances, or the state file it loaded), with the same seed,
    /// so that tests sharing an emulator start alike. `POST
    /// /_emulator/reset` does the same over HTTP.
    pub fn reset(&self) {
        // The starting state was built once already, so it builds again.
        if let Ok(initial) = self.shared.initial.build() {
            let mut model = self
                .shared
                .model
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            *model = initial;
            if let Some(backend) = &self.shared.backend.0 {
                backend.reset();
            }
        }
    }

    /// The whole state as JSON, in the format of a state file: what
    /// [`EmulatorBuilder::state_file`] loads. `GET /_emulator/state`
    /// answers the same.
    pub fn state_json(&self) -> String {
        self.shared
            .model
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .to_state_json()
    }

    /// Writes the state to `path` (through a temporary file beside it,
    /// renamed into place, so a crash never leaves half a state).
    ///
    /// # Errors
    ///
    /// The file cannot be written.
    pub fn save_state(&self, path: &Path) -> std::io::Result<()> {
        let json = self.state_json();
        let mut temporary = path.as_os_str().to_owned();
        temporary.push(".tmp");
        let temporary = PathBuf::from(temporary);
        std::fs::write(&temporary, json)?;
        std::fs::rename(&temporary, path)
    }

    /// Moves the emulator's clock to `offset_seconds` from the system clock,
    /// effective for the next request.
    pub fn set_clock_offset(&self, offset_seconds: i64) {
        self.shared.clock.set_offset(offset_seconds);
    }

    /// The real PostgreSQL clusters behind the emulator's instances, when
    /// it was started with [`EmulatorBuilder::postgres`]: their engine (its
    /// data root, its clusters), or why it could not start.
    #[cfg(all(feature = "postgres", target_os = "linux"))]
    pub fn postgres(&self) -> Option<Result<&crate::postgres::Engine, &str>> {
        self.postgres.as_ref().map(|postgres| postgres.engine())
    }

    /// A handle that can stop the server from elsewhere, for example while
    /// another task awaits [`RunningEmulator::wait`].
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            stop: Arc::clone(&self.stop),
        }
    }

    /// Stops accepting connections, aborts open ones and waits for the
    /// server task to end; then saves the state to the
    /// [`state_file`](EmulatorBuilder::state_file), if one was given. A
    /// state that cannot be saved is reported on standard error; use
    /// [`shutdown_and_save`](Self::shutdown_and_save) to get the error
    /// instead.
    pub async fn shutdown(self) {
        let state_file = self.state_file.clone();
        if let Err(error) = self.shutdown_and_save().await {
            let path = state_file.unwrap_or_default();
            eprintln!(
                "aliyun-rds-emulator: the state could not be saved to {}: {error}",
                path.display()
            );
        }
    }

    /// [`shutdown`](Self::shutdown), returning whether the state was saved
    /// to the [`state_file`](EmulatorBuilder::state_file) (`Ok` when none
    /// was given).
    ///
    /// # Errors
    ///
    /// The state file cannot be written; the server has stopped anyway.
    pub async fn shutdown_and_save(mut self) -> std::io::Result<()> {
        self.stop.send_replace(true);
        if let Some(server) = self.server.take() {
            // The task only ends by returning or being aborted; neither is
            // an error worth reporting to someone shutting down.
            let _ = server.await;
        }
        #[cfg(all(feature = "postgres", target_os = "linux"))]
        if let Some(postgres) = &self.postgres {
            postgres.shutdown().await;
        }
        match self.state_file.take() {
            Some(path) => self.save_state(&path),
            None => Ok(()),
        }
    }

    /// Serves until the server task ends, which happens when a
    /// [`ShutdownHandle`] stops it.
    pub async fn wait(mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        #[cfg(all(feature = "postgres", target_os = "linux"))]
        if let Some(postgres) = &self.postgres {
            postgres.kill_and_remove();
        }
    }
}

/// Stops a running emulator from anywhere. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ShutdownHandle {
    stop: Arc<watch::Sender<bool>>,
}

impl ShutdownHandle {
    /// Asks the server to stop: it stops accepting and aborts open
    /// connections.
    pub fn shutdown(&self) {
        self.stop.send_replace(true);
    }
}

/// The TLS acceptor for a certificate chain and key, or an
/// `InvalidInput` error saying which of the two is unusable.
fn tls_acceptor(pem: &TlsPem) -> std::io::Result<TlsAcceptor> {
    let invalid = |what: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, what);
    let chain = CertificateDer::pem_slice_iter(&pem.certificate_chain)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| invalid(format!("the TLS certificate is not valid PEM: {error}")))?;
    if chain.is_empty() {
        return Err(invalid(
            "the TLS certificate file holds no `-----BEGIN CERTIFICATE-----` block".to_owned(),
        ));
    }
    // The key's own error could quote it; only its kind is reported.
    let key = PrivateKeyDer::from_pem_slice(&pem.private_key).map_err(|_| {
        invalid("the TLS private key is not a PEM private key (PKCS#8, PKCS#1 or SEC1)".to_owned())
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| invalid(format!("TLS could not be set up: {error}")))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|error| {
            invalid(format!(
                "the TLS certificate and private key cannot be used together: {error}"
            ))
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Serves HTTP/1.1 on one connection, plain or TLS.
async fn serve_connection<S>(io: S, shared: Arc<Shared>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let shared_limits = shared.limits;
    let service = service_fn(move |request| handle_request(Arc::clone(&shared), request));
    // A connection error is the client's business (or an injected drop);
    // the server carries on.
    let limits = shared_limits;
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.read_buffer_bytes())
        .serve_connection(TokioIo::new(io), service)
        .await;
}

/// Accepts connections until asked to stop, then aborts the open ones.
async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        let mut pause_after_accept_error = false;
        let limits = shared.limits;
        tokio::select! {
            // The guard `wait_for` returns is dropped at once: holding it
            // across an await would make the loop unsendable.
            _ = async { stop.wait_for(|stopped| *stopped).await.map(|_| ()) } => break,
            // At the connection limit, new clients wait in the backlog until
            // a connection task ends (the `join_next` branch below).
            accepted = listener.accept(), if connections.len() < limits.max_connections => match accepted {
                Ok((stream, _peer)) => {
                    let shared = Arc::clone(&shared);
                    let acceptor = acceptor.clone();
                    connections.spawn(async move {
                        match acceptor {
                            // A failed handshake (a client that does not
                            // trust the certificate) just ends the
                            // connection.
                            Some(acceptor) => {
                                let handshake = tokio::time::timeout(
                                    limits.header_read_timeout,
                                    acceptor.accept(stream),
                                );
                                if let Ok(Ok(tls)) = handshake.await {
                                    serve_connection(tls, shared).await;
                                }
                            }
                            None => serve_connection(stream, shared).await,
                        }
                    });
                }
                // Accept errors (for example, out of file descriptors) are
                // transient; pausing avoids a busy loop until they clear.
                Err(_) => pause_after_accept_error = true,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
        if pause_after_accept_error {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    connections.shutdown().await;
}
