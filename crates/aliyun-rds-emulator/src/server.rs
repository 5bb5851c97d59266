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

use crate::clock::Clock;
use crate::credentials::{KeyPair, KeyStore};
use crate::faults::{FaultHandle, FaultTable};
use crate::fixture::{Fixture, InstanceSnapshot};
use crate::limits::Limits;
use crate::observe::{Observation, Observer};
use crate::pipeline::{handle_request, Shared};
use crate::state::{AccountState, Traffic, DEFAULT_POLLS_PER_STAGE};
use crate::sts::StsConfig;
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
#[derive(Debug, Default)]
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

    /// Binds `addr` (port 0 picks a free port) and starts serving in a
    /// background task of the current tokio runtime.
    ///
    /// # Errors
    ///
    /// The address cannot be bound, or the TLS certificate or key given to
    /// [`tls`](Self::tls) is unusable (`InvalidInput`, saying which).
    pub async fn start(self, addr: impl ToSocketAddrs) -> std::io::Result<RunningEmulator> {
        let acceptor = self.tls.as_ref().map(tls_acceptor).transpose()?;
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
            account: Mutex::new(
                AccountState::from_fixture(
                    self.seeded.iter().fold(
                        self.fixture.unwrap_or_else(Fixture::demo),
                        |fixture, (region_id, count)| {
                            fixture.with_seeded_instances(region_id, *count)
                        },
                    ),
                    self.polls_per_stage.unwrap_or(DEFAULT_POLLS_PER_STAGE),
                )
                .with_precheck_pending_answers(self.precheck_polls),
            ),
            documented: self.documented,
            sts: StsConfig::new(
                self.sts_roles,
                self.oidc_tokens,
                self.sts_lifetime
                    .map(|lifetime| i64::try_from(lifetime.as_secs().max(1)).unwrap_or(i64::MAX)),
            ),
            limits: self.limits,
            observer: self.observer,
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
        self.shared
            .account
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .instance(name)
            .cloned()
    }

    /// Moves the emulator's clock to `offset_seconds` from the system clock,
    /// effective for the next request.
    pub fn set_clock_offset(&self, offset_seconds: i64) {
        self.shared.clock.set_offset(offset_seconds);
    }

    /// A handle that can stop the server from elsewhere, for example while
    /// another task awaits [`RunningEmulator::wait`].
    pub fn shutdown_handle(&self) -> ShutdownHandle {
        ShutdownHandle {
            stop: Arc::clone(&self.stop),
        }
    }

    /// Stops accepting connections, aborts open ones and waits for the
    /// server task to end.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(server) = self.server.take() {
            // The task only ends by returning or being aborted; neither is
            // an error worth reporting to someone shutting down.
            let _ = server.await;
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
