//! The soak: many calls of the generated client, many in flight, against an
//! in-process emulator that injects a few percent each of faults, then an
//! account of every call and every request.
//!
//! `cargo xtask soak --calls N --concurrency C` runs it at length (through
//! the `soak` example of this crate, in release); `tests/tests/soak.rs` runs
//! a few thousand calls in the test suite and asserts the same accounting.
//!
//! How each call is traced without a log that grows with the run: every
//! call has an index, set in a tokio task-local around its future; the
//! client's nonce source (which the runtime calls once per signed attempt)
//! writes the call index and the attempt number into the nonce; the
//! emulator's observer reads them back from every request it handles and
//! records, in tables allocated once at the start, how many requests of
//! each call it saw, which attempt numbers, and how many ran the operation.
//! So the run proves that a non-idempotent call never ran twice and that
//! every resent attempt carried a nonce of its own.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aliyun_rds::{Client, Config, SdkError};
use aliyun_rds_emulator::{
    Emulator, Fault, Observation, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET,
};
use aliyun_runtime::clock::NonceSource;
use aliyun_runtime::{Credentials, RetryConfig};

/// The idempotent action of the mix (a read).
const IDEMPOTENT_ACTION: &str = "DescribeRegions";
/// The non-idempotent action of the mix: a switchover, which the emulator
/// answers on an instance without a migration task with the same
/// documented error every time, so its state does not change.
const NON_IDEMPOTENT_ACTION: &str = "ActivateMigrationTargetInstance";
const NON_IDEMPOTENT_INSTANCE: &str = "pgm-demo-notask";
/// Three calls in ten are non-idempotent.
const NON_IDEMPOTENT_PER_TEN: usize = 3;

/// The attempt timeout of the soak's client; the `Delay` fault waits past
/// it.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(300);

/// Nonces the emulator remembers: small, so that its memory stops growing
/// early in the run (the soak checks nonces itself, see the module
/// documentation).
const REMEMBERED_NONCES: usize = 1000;

/// What to run.
#[derive(Debug, Clone, Copy)]
pub struct SoakConfig {
    /// Calls in all.
    pub calls: usize,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Percent of requests of each action given each fault kind (seven
    /// kinds, so 7 × this percent of requests are faulty; at most 14).
    pub fault_percent: u32,
    /// Whether resident memory must stay flat: growth from the end of the
    /// first quarter of the calls to the end of the last under 10 %.
    /// Meaningful only for long runs, where start-up allocations have
    /// settled by the end of the first quarter.
    pub check_memory: bool,
}

/// How one call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Success,
    ServiceError,
    Timeout,
    Dispatch,
    Response,
    Construction,
}

impl Outcome {
    const ALL: [Outcome; 6] = [
        Outcome::Success,
        Outcome::ServiceError,
        Outcome::Timeout,
        Outcome::Dispatch,
        Outcome::Response,
        Outcome::Construction,
    ];

    fn of<T, E>(result: &Result<T, SdkError<E>>) -> Outcome {
        match result {
            Ok(_) => Outcome::Success,
            Err(SdkError::Service(_)) => Outcome::ServiceError,
            Err(SdkError::Timeout(_)) => Outcome::Timeout,
            Err(SdkError::Dispatch(_)) => Outcome::Dispatch,
            Err(SdkError::Response(_)) => Outcome::Response,
            // `SdkError` is non-exhaustive; anything else is a failure to
            // build the request.
            Err(_) => Outcome::Construction,
        }
    }

    fn code(self) -> u8 {
        self as u8 + 1
    }

    fn from_code(code: u8) -> Option<Outcome> {
        Outcome::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }

    fn label(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::ServiceError => "service error",
            Outcome::Timeout => "timeout",
            Outcome::Dispatch => "dispatch error",
            Outcome::Response => "response error",
            Outcome::Construction => "construction error",
        }
    }
}

/// What the run recorded of one call, in atomics so that the client's tasks
/// and the emulator's observer write without locks.
#[derive(Default)]
struct CallRecord {
    /// Nonces the client made for the call: one per signed attempt.
    signed: AtomicU8,
    /// Requests of the call the emulator saw.
    seen: AtomicU8,
    /// Bit `n` set when the emulator saw attempt `n`.
    attempts_seen: AtomicU32,
    /// Requests of the call whose operation ran.
    executed: AtomicU8,
    /// How the call ended ([`Outcome::code`]); 0 until then.
    outcome: AtomicU8,
    /// Outcomes recorded after the first (always 0 when correct).
    extra_outcomes: AtomicU8,
}

/// Everything the run records, allocated once.
struct Ledger {
    calls: Vec<CallRecord>,
    /// Requests whose nonce was seen twice for the same call and attempt.
    repeated_nonces: AtomicUsize,
    /// Requests without a nonce of this run (always 0 when correct).
    foreign_requests: AtomicUsize,
    /// Makes every nonce unique even if an attempt number repeated.
    sequence: AtomicU64,
}

impl Ledger {
    fn new(calls: usize) -> Self {
        Ledger {
            calls: (0..calls).map(|_| CallRecord::default()).collect(),
            repeated_nonces: AtomicUsize::new(0),
            foreign_requests: AtomicUsize::new(0),
            sequence: AtomicU64::new(0),
        }
    }

    fn observe(&self, observation: &Observation<'_>) {
        let Some((call, attempt)) = observation.nonce.and_then(parse_nonce) else {
            self.foreign_requests.fetch_add(1, Ordering::Relaxed);
            return;
        };
        let Some(record) = self.calls.get(call) else {
            self.foreign_requests.fetch_add(1, Ordering::Relaxed);
            return;
        };
        record.seen.fetch_add(1, Ordering::Relaxed);
        let bit = 1u32 << attempt.min(31);
        if record.attempts_seen.fetch_or(bit, Ordering::Relaxed) & bit != 0 {
            self.repeated_nonces.fetch_add(1, Ordering::Relaxed);
        }
        if observation.executed {
            record.executed.fetch_add(1, Ordering::Relaxed);
        }
    }
}

tokio::task_local! {
    /// The index of the call whose future is being polled.
    static CALL: usize;
}

/// Nonces naming the call and attempt they were made for:
/// `c<call>-a<attempt>-s<sequence>`.
struct TracingNonces(Arc<Ledger>);

impl fmt::Debug for TracingNonces {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("TracingNonces")
    }
}

impl NonceSource for TracingNonces {
    fn nonce(&self) -> String {
        let sequence = self.0.sequence.fetch_add(1, Ordering::Relaxed);
        match CALL.try_with(|call| *call) {
            Ok(call) => {
                let attempt = self
                    .0
                    .calls
                    .get(call)
                    .map_or(0, |record| record.signed.fetch_add(1, Ordering::Relaxed));
                format!("c{call}-a{attempt}-s{sequence}")
            }
            Err(_) => format!("outside-s{sequence}"),
        }
    }
}

fn parse_nonce(nonce: &str) -> Option<(usize, u32)> {
    let rest = nonce.strip_prefix('c')?;
    let (call, rest) = rest.split_once("-a")?;
    let (attempt, _) = rest.split_once("-s")?;
    Some((call.parse().ok()?, attempt.parse().ok()?))
}

/// A tiny deterministic generator for the fault schedule, so that a run
/// can be repeated exactly.
struct Lcg(u64);

impl Lcg {
    fn next_percent(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % 100) as u32
    }
}

/// The seven fault kinds of the soak.
fn fault_kinds() -> [Fault; 7] {
    [
        Fault::service_unavailable(),
        Fault::throttling(Some("5")),
        Fault::DropBeforeReading,
        Fault::DropConnection,
        Fault::DropAfterExecution,
        Fault::Delay(ATTEMPT_TIMEOUT + Duration::from_millis(200)),
        Fault::MalformedBody,
    ]
}

/// Queues a fault schedule of `slots` requests for `action`: each request
/// gets each fault kind with `percent` probability, else is handled
/// normally (a zero delay, merged into runs).
fn schedule_faults(
    emulator: &aliyun_rds_emulator::RunningEmulator,
    action: &str,
    slots: usize,
    percent: u32,
    seed: u64,
) {
    let kinds = fault_kinds();
    let mut random = Lcg(seed);
    let percent = percent.min(14);
    let mut normal_run = 0usize;
    let faults = emulator.faults();
    for _ in 0..slots {
        let roll = random.next_percent();
        let index = (roll / percent.max(1)) as usize;
        match kinds.get(index) {
            Some(fault) if percent > 0 => {
                if normal_run > 0 {
                    faults.inject(action, Fault::Delay(Duration::ZERO), normal_run);
                    normal_run = 0;
                }
                faults.inject(action, fault.clone(), 1);
            }
            _ => normal_run += 1,
        }
    }
    faults.inject(action, Fault::Delay(Duration::ZERO), normal_run);
}

/// The account of a run.
#[derive(Debug)]
pub struct SoakReport {
    /// Calls per action and outcome.
    pub outcomes: BTreeMap<(&'static str, &'static str), usize>,
    /// Calls of the run.
    pub calls: usize,
    /// Requests the emulator counted, per action.
    pub emulator_requests: BTreeMap<&'static str, usize>,
    /// Requests the observer saw, per action.
    pub observed_requests: BTreeMap<&'static str, usize>,
    /// Attempts the client signed in all.
    pub signed_attempts: usize,
    /// Calls of the non-idempotent action whose operation ran more than once.
    pub non_idempotent_executed_twice: usize,
    /// Calls of the non-idempotent action whose operation ran.
    pub non_idempotent_executed: usize,
    /// Requests whose call and attempt had been seen already.
    pub repeated_nonces: usize,
    /// Requests not made by this run.
    pub foreign_requests: usize,
    /// Calls with no outcome, and calls with more than one.
    pub calls_without_outcome: usize,
    /// Calls with more than one outcome.
    pub calls_with_extra_outcomes: usize,
    /// Resident memory (kB) after each quarter of the calls, on Linux.
    pub rss_kb_by_quarter: Vec<u64>,
    /// Open file descriptors before the run and after it, on Linux.
    pub file_descriptors: Option<(usize, usize)>,
    /// Whether the memory check applies.
    pub check_memory: bool,
}

impl SoakReport {
    /// Every broken rule of the accounting; empty when the run is sound.
    pub fn violations(&self) -> Vec<String> {
        let mut violations = Vec::new();
        let accounted: usize = self.outcomes.values().sum();
        if accounted != self.calls {
            violations.push(format!("{accounted} outcomes for {} calls", self.calls));
        }
        if self.calls_without_outcome > 0 {
            violations.push(format!(
                "{} calls without an outcome",
                self.calls_without_outcome
            ));
        }
        if self.calls_with_extra_outcomes > 0 {
            violations.push(format!(
                "{} calls with more than one outcome",
                self.calls_with_extra_outcomes
            ));
        }
        if self.non_idempotent_executed_twice > 0 {
            violations.push(format!(
                "{} non-idempotent calls executed more than once",
                self.non_idempotent_executed_twice
            ));
        }
        if self.repeated_nonces > 0 {
            violations.push(format!(
                "{} requests repeated an attempt's nonce",
                self.repeated_nonces
            ));
        }
        if self.foreign_requests > 0 {
            violations.push(format!(
                "{} requests without a nonce of this run",
                self.foreign_requests
            ));
        }
        let observed: usize = self.observed_requests.values().sum();
        if self.emulator_requests != self.observed_requests {
            violations.push(format!(
                "the emulator counted {:?} requests, the observer {:?}",
                self.emulator_requests, self.observed_requests
            ));
        }
        if observed > self.signed_attempts {
            violations.push(format!(
                "the emulator saw {observed} requests, the client signed {}",
                self.signed_attempts
            ));
        }
        if let Some((before, after)) = self.file_descriptors {
            if before != after {
                violations.push(format!(
                    "{before} file descriptors open before the run, {after} after"
                ));
            }
        }
        if self.check_memory {
            if let (Some(first), Some(last)) = (
                self.rss_kb_by_quarter.first(),
                self.rss_kb_by_quarter.last(),
            ) {
                if *last as f64 >= *first as f64 * 1.10 {
                    violations.push(format!(
                        "resident memory grew from {first} kB to {last} kB (10 % allowed)"
                    ));
                }
            }
        }
        violations
    }
}

impl fmt::Display for SoakReport {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(formatter, "| action | outcome | calls |")?;
        writeln!(formatter, "| --- | --- | --- |")?;
        for ((action, outcome), count) in &self.outcomes {
            writeln!(formatter, "| {action} | {outcome} | {count} |")?;
        }
        let accounted: usize = self.outcomes.values().sum();
        writeln!(
            formatter,
            "| all | accounted | {accounted} of {} |",
            self.calls
        )?;
        writeln!(formatter)?;
        writeln!(
            formatter,
            "attempts signed by the client: {}",
            self.signed_attempts
        )?;
        for (action, count) in &self.observed_requests {
            let counted = self.emulator_requests.get(action).copied().unwrap_or(0);
            writeln!(
                formatter,
                "requests of {action}: {count} observed, {counted} counted by the emulator"
            )?;
        }
        writeln!(
            formatter,
            "non-idempotent calls executed: {} (more than once: {})",
            self.non_idempotent_executed, self.non_idempotent_executed_twice
        )?;
        writeln!(
            formatter,
            "repeated nonces: {}, foreign requests: {}",
            self.repeated_nonces, self.foreign_requests
        )?;
        let quarters: Vec<String> = self
            .rss_kb_by_quarter
            .iter()
            .map(|kb| format!("{kb} kB"))
            .collect();
        writeln!(
            formatter,
            "resident memory after each quarter (VmRSS): {}",
            if quarters.is_empty() {
                "not available".to_owned()
            } else {
                quarters.join(", ")
            }
        )?;
        match self.file_descriptors {
            Some((before, after)) => writeln!(
                formatter,
                "open file descriptors: {before} before, {after} after"
            ),
            None => writeln!(formatter, "open file descriptors: not available"),
        }
    }
}

/// The process's resident memory in kB (`VmRSS` of `/proc/self/status`),
/// on Linux.
fn resident_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The process's open file descriptors (entries of `/proc/self/fd`), on
/// Linux.
fn open_file_descriptors() -> Option<usize> {
    Some(std::fs::read_dir("/proc/self/fd").ok()?.count())
}

/// Runs the soak on the current tokio runtime and accounts for it.
pub async fn run(config: SoakConfig) -> Result<SoakReport, String> {
    let descriptors_before = open_file_descriptors();
    let ledger = Arc::new(Ledger::new(config.calls));
    let emulator = Emulator::builder()
        .max_remembered_nonces(REMEMBERED_NONCES)
        .observer({
            let ledger = Arc::clone(&ledger);
            move |observation| ledger.observe(observation)
        })
        .start("127.0.0.1:0")
        .await
        .map_err(|error| format!("the emulator did not start: {error}"))?;
    let non_idempotent_calls = (0..config.calls)
        .filter(|call| is_non_idempotent(*call))
        .count();
    // Twice the calls: room for every retry; later requests are handled
    // normally.
    schedule_faults(
        &emulator,
        NON_IDEMPOTENT_ACTION,
        2 * non_idempotent_calls,
        config.fault_percent,
        1,
    );
    schedule_faults(
        &emulator,
        IDEMPOTENT_ACTION,
        2 * (config.calls - non_idempotent_calls),
        config.fault_percent,
        2,
    );
    let client = Client::new(
        Config::builder()
            .endpoint_url(emulator.base_url())
            .credentials(Credentials::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET))
            .nonce_source(Arc::new(TracingNonces(Arc::clone(&ledger))))
            .attempt_timeout(ATTEMPT_TIMEOUT)
            .operation_timeout(Duration::from_secs(10))
            .retry(
                RetryConfig::default()
                    .with_backoff(Duration::from_millis(2), Duration::from_millis(50)),
            )
            .build(),
    )
    .map_err(|error| format!("the client did not build: {error}"))?;

    let next_call = Arc::new(AtomicUsize::new(0));
    let finished = Arc::new(AtomicUsize::new(0));
    let rss = Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..config.concurrency.max(1) {
        let client = client.clone();
        let ledger = Arc::clone(&ledger);
        let next_call = Arc::clone(&next_call);
        let finished = Arc::clone(&finished);
        let rss = Arc::clone(&rss);
        let calls = config.calls;
        workers.spawn(async move {
            loop {
                let call = next_call.fetch_add(1, Ordering::Relaxed);
                if call >= calls {
                    return;
                }
                let outcome = CALL.scope(call, one_call(&client, call)).await;
                if let Some(record) = ledger.calls.get(call) {
                    let previous = record.outcome.swap(outcome.code(), Ordering::Relaxed);
                    if previous != 0 {
                        record.extra_outcomes.fetch_add(1, Ordering::Relaxed);
                    }
                }
                let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
                if done.is_multiple_of((calls / 4).max(1)) {
                    if let Some(kb) = resident_kb() {
                        if let Ok(mut rss) = rss.lock() {
                            rss.push(kb);
                        }
                    }
                }
            }
        });
    }
    while let Some(joined) = workers.join_next().await {
        joined.map_err(|error| format!("a worker failed: {error}"))?;
    }

    let emulator_requests = [IDEMPOTENT_ACTION, NON_IDEMPOTENT_ACTION]
        .into_iter()
        .map(|action| (action, emulator.request_count(action)))
        .collect();
    drop(client);
    emulator.shutdown().await;
    let descriptors_after = settle_file_descriptors(descriptors_before).await;

    let mut report = SoakReport {
        outcomes: BTreeMap::new(),
        calls: config.calls,
        emulator_requests,
        observed_requests: BTreeMap::new(),
        signed_attempts: 0,
        non_idempotent_executed_twice: 0,
        non_idempotent_executed: 0,
        repeated_nonces: ledger.repeated_nonces.load(Ordering::Relaxed),
        foreign_requests: ledger.foreign_requests.load(Ordering::Relaxed),
        calls_without_outcome: 0,
        calls_with_extra_outcomes: 0,
        rss_kb_by_quarter: rss.lock().map(|rss| rss.clone()).unwrap_or_default(),
        file_descriptors: descriptors_before.zip(descriptors_after),
        check_memory: config.check_memory,
    };
    for (call, record) in ledger.calls.iter().enumerate() {
        let action = action_of(call);
        report.signed_attempts += usize::from(record.signed.load(Ordering::Relaxed));
        *report.observed_requests.entry(action).or_insert(0) +=
            usize::from(record.seen.load(Ordering::Relaxed));
        let executed = record.executed.load(Ordering::Relaxed);
        if is_non_idempotent(call) {
            if executed > 0 {
                report.non_idempotent_executed += 1;
            }
            if executed > 1 {
                report.non_idempotent_executed_twice += 1;
            }
        }
        if record.extra_outcomes.load(Ordering::Relaxed) > 0 {
            report.calls_with_extra_outcomes += 1;
        }
        match Outcome::from_code(record.outcome.load(Ordering::Relaxed)) {
            Some(outcome) => {
                *report
                    .outcomes
                    .entry((action, outcome.label()))
                    .or_insert(0) += 1
            }
            None => report.calls_without_outcome += 1,
        }
    }
    Ok(report)
}

/// Waits until the open file descriptors are back to `before`, as closed
/// connections are released by the tasks that held them, for at most five
/// seconds; returns the last count.
async fn settle_file_descriptors(before: Option<usize>) -> Option<usize> {
    let before = before?;
    let mut now = open_file_descriptors()?;
    for _ in 0..100 {
        if now <= before {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        now = open_file_descriptors()?;
    }
    Some(now)
}

fn is_non_idempotent(call: usize) -> bool {
    call % 10 < NON_IDEMPOTENT_PER_TEN
}

fn action_of(call: usize) -> &'static str {
    if is_non_idempotent(call) {
        NON_IDEMPOTENT_ACTION
    } else {
        IDEMPOTENT_ACTION
    }
}

async fn one_call(client: &Client, call: usize) -> Outcome {
    if is_non_idempotent(call) {
        Outcome::of(
            &client
                .activate_migration_target_instance(NON_IDEMPOTENT_INSTANCE)
                .send()
                .await,
        )
    } else {
        Outcome::of(&client.describe_regions().send().await)
    }
}
