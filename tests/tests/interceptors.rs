//! Interceptors against the emulator on loopback and the `test-util`
//! double: a changed parameter reaches the server, each attempt of a
//! retried call is reported with the policy's decision, the final result is
//! reported once, a call's own interceptor runs for that call alone,
//! several run in order, a waiter's polls are calls like any other, and no
//! hook ever sees a secret. Everything is named through `aliyun_rds` alone,
//! as a program depending on that one crate would, but for the fixed clock
//! and nonce of the secrets test.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aliyun_rds::config::interceptor::{
    AttemptReport, CallOutcome, CallReport, ErrorKind, FailureClass, InterceptedRequest,
    Interceptor, ParameterValue, RetryDecision, RetryReason, StopReason,
};
use aliyun_rds::config::test_util::{Answer, MockTransport, Rule};
use aliyun_rds::error::ConstructionErrorKind;
use aliyun_rds::{CallOverrides, Client, Config, Credentials, RetryConfig, SdkError};
use aliyun_rds_emulator::{Emulator, Fault, Fixture, RunningEmulator};
use aliyun_runtime::clock::{FixedClock, NonceSource};
use serde_json::json;

async fn emulator() -> RunningEmulator {
    Emulator::builder()
        .fixture(Fixture::demo())
        .start("127.0.0.1:0")
        .await
        .expect("start the emulator")
}

/// A client of `emulator` whose retries wait a millisecond, with these
/// interceptors.
fn emulator_client(emulator: &RunningEmulator, interceptors: Vec<Arc<dyn Interceptor>>) -> Client {
    let mut config = Config::builder()
        .endpoint_url(emulator.base_url())
        .credentials(Credentials::new(
            aliyun_rds_emulator::DEMO_ACCESS_KEY_ID,
            aliyun_rds_emulator::DEMO_ACCESS_KEY_SECRET,
        ))
        .retry(
            RetryConfig::default().with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
        );
    for interceptor in interceptors {
        config = config.interceptor(interceptor);
    }
    Client::new(config.build()).unwrap()
}

/// A client answered by `transport`, retries waiting a millisecond.
fn transport_client(transport: &MockTransport, interceptors: Vec<Arc<dyn Interceptor>>) -> Client {
    let mut config = Config::builder().test_transport(transport.clone()).retry(
        RetryConfig::default().with_backoff(Duration::from_millis(1), Duration::from_millis(1)),
    );
    for interceptor in interceptors {
        config = config.interceptor(interceptor);
    }
    Client::new(config.build()).unwrap()
}

/// An interceptor that changes parameters: `set` before each signing, then
/// `remove`.
struct Rewrite {
    set: Vec<(&'static str, &'static str)>,
    remove: Vec<&'static str>,
}

impl Interceptor for Rewrite {
    fn before_signing(&self, request: &mut InterceptedRequest<'_>) {
        for (name, value) in &self.set {
            request.set(*name, *value);
        }
        for name in &self.remove {
            request.remove(name);
        }
    }
}

/// One attempt as a [`Recorder`] keeps it.
#[derive(Debug, Clone, PartialEq)]
struct Attempt {
    action: String,
    number: u32,
    http_status: Option<u16>,
    error_code: Option<String>,
    failure: Option<FailureClass>,
    decision: RetryDecision,
}

/// One call's result as a [`Recorder`] keeps it.
#[derive(Debug, Clone, PartialEq)]
struct Finished {
    action: String,
    success: bool,
    kind: Option<ErrorKind>,
    code: Option<String>,
    attempts: u32,
    duration: Duration,
}

/// Records everything its hooks receive: the attempts and results, and
/// every text a hook could read, `Debug` output included.
#[derive(Default)]
struct Recorder {
    attempts: Mutex<Vec<Attempt>>,
    results: Mutex<Vec<Finished>>,
    seen_text: Mutex<Vec<String>>,
}

impl Recorder {
    fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().unwrap().clone()
    }

    fn results(&self) -> Vec<Finished> {
        self.results.lock().unwrap().clone()
    }

    fn seen_text(&self) -> String {
        self.seen_text.lock().unwrap().join("\n")
    }
}

impl Interceptor for Recorder {
    fn before_signing(&self, request: &mut InterceptedRequest<'_>) {
        let mut seen = self.seen_text.lock().unwrap();
        seen.push(format!("{request:?}"));
        seen.push(format!("{request:#?}"));
        for (name, value) in request.iter() {
            seen.push(format!("{name}={value} {value:?} {:?}", value.as_str()));
        }
        let names: Vec<String> = request.iter().map(|(name, _)| name.to_owned()).collect();
        for name in names {
            seen.push(format!("{:?}", request.get(&name)));
        }
        seen.push(format!("{:?}", request.operation()));
    }

    fn after_attempt(&self, attempt: &AttemptReport<'_>) {
        self.seen_text.lock().unwrap().push(format!("{attempt:?}"));
        self.attempts.lock().unwrap().push(Attempt {
            action: attempt.action().to_owned(),
            number: attempt.attempt(),
            http_status: attempt.http_status(),
            error_code: attempt.error_code().map(str::to_owned),
            failure: attempt.failure(),
            decision: attempt.decision(),
        });
    }

    fn on_result(&self, result: &CallReport<'_>) {
        self.seen_text.lock().unwrap().push(format!("{result:?}"));
        let (kind, code) = match result.outcome() {
            CallOutcome::Success => (None, None),
            CallOutcome::Error { kind, code, .. } => (Some(kind), code.map(str::to_owned)),
            other => panic!("unexpected outcome {other:?}"),
        };
        self.results.lock().unwrap().push(Finished {
            action: result.action().to_owned(),
            success: result.is_success(),
            kind,
            code,
            attempts: result.attempts(),
            duration: result.duration(),
        });
    }
}

#[tokio::test]
async fn changed_added_and_removed_parameters_reach_the_emulator() {
    let emulator = emulator().await;

    // Without the interceptor, the instance asked for does not exist.
    let plain = emulator_client(&emulator, vec![]);
    let error = plain
        .describe_db_instance_attribute("rm-missing")
        .send()
        .await
        .expect_err("no such instance");
    assert_eq!(
        error.as_service_error().unwrap().code(),
        "InvalidDBInstanceId.NotFound"
    );

    // Changed: the call names another instance, and the signed request
    // the emulator verified carried the new value.
    let retarget: Arc<dyn Interceptor> = Arc::new(Rewrite {
        set: vec![("DBInstanceId", "pgm-demo-ready")],
        remove: vec![],
    });
    let output = emulator_client(&emulator, vec![retarget])
        .describe_db_instance_attribute("rm-missing")
        .send()
        .await
        .expect("the interceptor's instance exists");
    let instance = &output.items.unwrap().db_instance_attribute.unwrap()[0];
    assert_eq!(instance.db_instance_id.as_deref(), Some("pgm-demo-ready"));

    // Added: a filter the call did not set narrows the listing to one.
    let everything = plain
        .describe_db_instances("cn-hangzhou")
        .send()
        .await
        .unwrap();
    assert!(everything.total_record_count.unwrap() > 1);
    let filter: Arc<dyn Interceptor> = Arc::new(Rewrite {
        set: vec![("DBInstanceId", "pgm-demo-syncing")],
        remove: vec![],
    });
    let filtered = emulator_client(&emulator, vec![filter])
        .describe_db_instances("cn-hangzhou")
        .send()
        .await
        .unwrap();
    let listed: Vec<_> = filtered
        .items
        .unwrap()
        .db_instance
        .unwrap()
        .into_iter()
        .map(|instance| instance.db_instance_id.unwrap())
        .collect();
    assert_eq!(listed, ["pgm-demo-syncing"]);

    // Removed: the emulator misses a required parameter.
    let strip: Arc<dyn Interceptor> = Arc::new(Rewrite {
        set: vec![],
        remove: vec!["RegionId"],
    });
    let error = emulator_client(&emulator, vec![strip])
        .describe_db_instances("cn-hangzhou")
        .send()
        .await
        .expect_err("RegionId was removed");
    let service = error.as_service_error().expect("a service error");
    assert_eq!(service.code(), "MissingParameter", "{error}");
}

#[tokio::test]
async fn each_attempt_of_a_throttled_call_is_reported_with_the_decision() {
    let emulator = emulator().await;
    emulator
        .faults()
        .inject("DescribeRegions", Fault::throttling(Some("5")), 2);
    let recorder = Arc::new(Recorder::default());
    let client = emulator_client(&emulator, vec![recorder.clone()]);

    client.describe_regions().send().await.unwrap();

    let throttled = |number| Attempt {
        action: "DescribeRegions".to_owned(),
        number,
        http_status: Some(400),
        error_code: Some("Throttling.User".to_owned()),
        failure: Some(FailureClass::RefusedRetryable),
        decision: RetryDecision::Retry {
            delay: Duration::from_millis(5),
            reason: RetryReason::ServerHint,
        },
    };
    assert_eq!(
        recorder.attempts(),
        vec![
            throttled(1),
            throttled(2),
            Attempt {
                action: "DescribeRegions".to_owned(),
                number: 3,
                http_status: Some(200),
                error_code: None,
                failure: None,
                decision: RetryDecision::Succeeded,
            },
        ]
    );
    let results = recorder.results();
    assert_eq!(results.len(), 1);
    assert!(results[0].success);
    assert_eq!(results[0].attempts, 3);
    // The two waits the service asked for are part of the call.
    assert!(results[0].duration >= Duration::from_millis(10));
    assert_eq!(emulator.request_count("DescribeRegions"), 3);
}

#[tokio::test]
async fn the_reasons_not_to_retry_are_reported() {
    let emulator = emulator().await;
    let recorder = Arc::new(Recorder::default());
    let client = emulator_client(&emulator, vec![recorder.clone()]);

    // Throttled on every attempt: the attempts run out.
    emulator
        .faults()
        .inject("DescribeRegions", Fault::throttling(None), 3);
    client.describe_regions().send().await.unwrap_err();
    let attempts = recorder.attempts();
    assert_eq!(attempts.len(), 3);
    for attempt in &attempts[..2] {
        match attempt.decision {
            RetryDecision::Retry { delay, reason } => {
                assert_eq!(reason, RetryReason::Backoff);
                assert!(delay <= Duration::from_millis(1));
            }
            other => panic!("expected a retry, got {other:?}"),
        }
    }
    assert_eq!(
        attempts[2].decision,
        RetryDecision::Stop(StopReason::AttemptsExhausted)
    );

    // A 503 may have run a non-idempotent operation: not resent.
    emulator.faults().inject(
        "ActivateMigrationTargetInstance",
        Fault::service_unavailable(),
        1,
    );
    client
        .activate_migration_target_instance("pgm-demo-ready")
        .send()
        .await
        .unwrap_err();
    let last = recorder.attempts().pop().unwrap();
    assert_eq!(last.action, "ActivateMigrationTargetInstance");
    assert_eq!(last.http_status, Some(503));
    assert_eq!(last.failure, Some(FailureClass::Transient));
    assert_eq!(
        last.decision,
        RetryDecision::Stop(StopReason::NotIdempotent)
    );

    // A documented error is final.
    client
        .describe_db_instance_attribute("rm-missing")
        .send()
        .await
        .unwrap_err();
    let last = recorder.attempts().pop().unwrap();
    assert_eq!(last.failure, Some(FailureClass::Permanent));
    assert_eq!(last.decision, RetryDecision::Stop(StopReason::NotRetryable));

    // A wait longer than the operation's time left is not taken.
    emulator
        .faults()
        .inject("DescribeRegions", Fault::throttling(Some("60s")), 1);
    client
        .describe_regions()
        .customize(CallOverrides::new().operation_timeout(Duration::from_secs(5)))
        .send()
        .await
        .unwrap_err();
    let last = recorder.attempts().pop().unwrap();
    assert_eq!(
        last.decision,
        RetryDecision::Stop(StopReason::WaitExceedsOperationTimeout)
    );

    let results = recorder.results();
    let summary: Vec<_> = results
        .iter()
        .map(|result| (result.action.as_str(), result.kind, result.attempts))
        .collect();
    assert_eq!(
        summary,
        [
            ("DescribeRegions", Some(ErrorKind::Service), 3),
            (
                "ActivateMigrationTargetInstance",
                Some(ErrorKind::Service),
                1
            ),
            ("DescribeDBInstanceAttribute", Some(ErrorKind::Service), 1),
            ("DescribeRegions", Some(ErrorKind::Service), 1),
        ]
    );
    assert_eq!(
        results[2].code.as_deref(),
        Some("InvalidDBInstanceId.NotFound")
    );
}

#[tokio::test]
async fn a_call_that_cannot_start_is_reported_with_no_attempt() {
    let emulator = emulator().await;
    let recorder = Arc::new(Recorder::default());
    let client = emulator_client(&emulator, vec![recorder.clone()]);
    let error = client
        .describe_regions()
        .customize(CallOverrides::new().endpoint_url("not a url"))
        .send()
        .await
        .expect_err("the endpoint cannot be used");
    assert!(matches!(error, SdkError::Construction(_)), "{error}");
    assert!(recorder.attempts().is_empty());
    let results = recorder.results();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].kind, Some(ErrorKind::Construction));
    assert_eq!(results[0].attempts, 0);
    assert_eq!(emulator.request_count("DescribeRegions"), 0);
}

#[tokio::test]
async fn a_calls_own_interceptor_runs_for_that_call_alone() {
    let emulator = emulator().await;
    let client_wide = Arc::new(Recorder::default());
    let one_call = Arc::new(Recorder::default());
    let client = emulator_client(&emulator, vec![client_wide.clone()]);

    client
        .describe_regions()
        .customize(CallOverrides::new().interceptor(one_call.clone()))
        .send()
        .await
        .unwrap();
    client
        .describe_db_instance_attribute("pgm-demo-ready")
        .send()
        .await
        .unwrap();

    let actions = |recorder: &Recorder| -> Vec<String> {
        recorder
            .results()
            .into_iter()
            .map(|result| result.action)
            .collect()
    };
    assert_eq!(
        actions(&client_wide),
        ["DescribeRegions", "DescribeDBInstanceAttribute"]
    );
    assert_eq!(actions(&one_call), ["DescribeRegions"]);
    assert_eq!(one_call.attempts().len(), 1);
}

/// Appends its name to a shared log in every hook, and to the `Trail`
/// parameter before signing.
struct Named {
    name: &'static str,
    log: Arc<Mutex<Vec<String>>>,
}

impl Interceptor for Named {
    fn before_signing(&self, request: &mut InterceptedRequest<'_>) {
        self.log
            .lock()
            .unwrap()
            .push(format!("before_signing {}", self.name));
        let trail = match request.get("Trail") {
            Some(ParameterValue::Plain(trail)) => format!("{trail},{}", self.name),
            _ => self.name.to_owned(),
        };
        request.set("Trail", trail);
    }

    fn after_attempt(&self, _: &AttemptReport<'_>) {
        self.log
            .lock()
            .unwrap()
            .push(format!("after_attempt {}", self.name));
    }

    fn on_result(&self, _: &CallReport<'_>) {
        self.log
            .lock()
            .unwrap()
            .push(format!("on_result {}", self.name));
    }
}

#[tokio::test]
async fn interceptors_run_in_order_the_clients_then_the_calls() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeRegions").answer(Answer::output(json!({ "Regions": {} }))),
    );
    let log = Arc::new(Mutex::new(Vec::new()));
    let named = |name| -> Arc<dyn Interceptor> {
        Arc::new(Named {
            name,
            log: Arc::clone(&log),
        })
    };
    let client = transport_client(&transport, vec![named("first"), named("second")]);
    client
        .describe_regions()
        .customize(CallOverrides::new().interceptor(named("call")))
        .send()
        .await
        .unwrap();

    assert_eq!(
        *log.lock().unwrap(),
        [
            "before_signing first",
            "before_signing second",
            "before_signing call",
            "after_attempt first",
            "after_attempt second",
            "after_attempt call",
            "on_result first",
            "on_result second",
            "on_result call",
        ]
    );
    // Each saw what those before it set.
    let requests = transport.requests();
    assert_eq!(requests[0].parameter("Trail"), Some("first,second,call"));
}

/// Tags the first attempt only, and appends to a value on every attempt.
struct FirstAttemptOnly;

impl Interceptor for FirstAttemptOnly {
    fn before_signing(&self, request: &mut InterceptedRequest<'_>) {
        if request.attempt() == 1 {
            request.set("AcceptLanguage", "en-US");
        }
        let suffixed = match request.get("ResourceGroupId") {
            Some(ParameterValue::Plain(value)) => format!("{value}-x"),
            _ => "x".to_owned(),
        };
        request.set("ResourceGroupId", suffixed);
    }
}

#[tokio::test]
async fn every_attempt_starts_again_from_the_inputs_parameters() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeRegions")
            .answer(Answer::error(503, "ServiceUnavailable", "Busy."))
            .answer(Answer::output(json!({ "Regions": {} }))),
    );
    let client = transport_client(&transport, vec![Arc::new(FirstAttemptOnly)]);
    client
        .describe_regions()
        .accept_language("zh-CN")
        .send()
        .await
        .unwrap();
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].parameter("AcceptLanguage"), Some("en-US"));
    assert_eq!(requests[1].parameter("AcceptLanguage"), Some("zh-CN"));
    // The change of one attempt is not there for the next to build on.
    assert_eq!(requests[0].parameter("ResourceGroupId"), Some("x"));
    assert_eq!(requests[1].parameter("ResourceGroupId"), Some("x"));
}

#[tokio::test]
async fn an_interceptor_cannot_set_a_parameter_of_the_signer() {
    let transport = MockTransport::new().with_rule(
        Rule::action("DescribeRegions").answer(Answer::output(json!({ "Regions": {} }))),
    );
    let forge: Arc<dyn Interceptor> = Arc::new(Rewrite {
        set: vec![("SecurityToken", "forged")],
        remove: vec![],
    });
    let recorder = Arc::new(Recorder::default());
    let client = transport_client(&transport, vec![forge, recorder.clone()]);
    let error = client.describe_regions().send().await.unwrap_err();
    match &error {
        SdkError::Construction(construction) => {
            assert_eq!(construction.kind(), ConstructionErrorKind::InvalidInput);
            let message = construction.to_string();
            assert!(message.contains("`SecurityToken`"), "{message}");
            assert!(message.contains("interceptor"), "{message}");
        }
        other => panic!("expected a construction error, got {other}"),
    }
    assert!(transport.requests().is_empty());
    // Nothing was sent: no attempt, and the result says so.
    assert!(recorder.attempts().is_empty());
    assert_eq!(recorder.results()[0].attempts, 0);
    // The hook after the forger saw the token's name, not its value.
    assert!(!recorder.seen_text().contains("forged"));
}

/// Always the same nonce, so that a test can sign the request a call sends.
#[derive(Debug)]
struct FixedNonce;

impl NonceSource for FixedNonce {
    fn nonce(&self) -> String {
        "0123456789abcdef0123456789abcdef".to_owned()
    }
}

#[tokio::test]
async fn hooks_never_see_a_secret() {
    const ACCESS_KEY_ID: &str = "LTAI-interceptor-id-4f1c";
    const ACCESS_KEY_SECRET: &str = "interceptor-secret-9d2e";
    const SECURITY_TOKEN: &str = "CAIS-interceptor-token-7b3a";
    const PASSWORD: &str = "Pa55-interceptor-word-1e8f";
    const NEW_PASSWORD: &str = "Pa55-set-by-a-hook-6c0d";

    /// Sets a sensitive parameter from the hook's own knowledge.
    struct RotatePassword;
    impl Interceptor for RotatePassword {
        fn before_signing(&self, request: &mut InterceptedRequest<'_>) {
            assert_eq!(
                request.get("AccountPassword"),
                Some(ParameterValue::Redacted)
            );
            request.set("AccountDescription", "rotated");
            request.set("AccountPassword", NEW_PASSWORD);
        }
    }

    let transport = MockTransport::new().with_rule(
        Rule::action("CreateAccount")
            // Refused unread, so retried even though the operation is not
            // idempotent: the hooks see a second attempt.
            .answer(Answer::error(400, "Throttling", "Throttled."))
            .answer(Answer::output(json!({}))),
    );
    let before = Arc::new(Recorder::default());
    let after = Arc::new(Recorder::default());
    let config = Config::builder()
        .test_transport(transport.clone())
        .credentials(
            Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET).with_security_token(SECURITY_TOKEN),
        )
        .clock(Arc::new(FixedClock(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000),
        )))
        .nonce_source(Arc::new(FixedNonce))
        .retry(RetryConfig::default().with_backoff(Duration::ZERO, Duration::ZERO))
        .interceptor(before.clone())
        .interceptor(Arc::new(RotatePassword))
        .interceptor(after.clone())
        .build();
    let client = Client::new(config).unwrap();
    client
        .create_account("rm-1", "app", PASSWORD)
        .send()
        .await
        .unwrap();

    // The password reached the service: the hook's, not the input's.
    let requests = transport.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].parameter("AccountPassword"), Some(NEW_PASSWORD));

    // The signature the call sent: the same clock, nonce and parameters
    // sign the same request.
    let signed = client
        .runtime()
        .presign(
            &aliyun_rds::operation::create_account::METADATA,
            &json!({
                "DBInstanceId": "rm-1",
                "AccountName": "app",
                "AccountPassword": PASSWORD,
            }),
        )
        .await
        .unwrap();
    let query = signed.url().split_once('?').expect("a query").1;
    let signature = form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "Signature")
        .expect("a V1 signature in the query")
        .1
        .into_owned();
    assert!(signature.len() > 10);

    for recorder in [&before, &after] {
        assert_eq!(recorder.attempts().len(), 2);
        assert_eq!(recorder.results().len(), 1);
        let seen = recorder.seen_text();
        assert!(seen.contains("AccountPassword"), "{seen}");
        assert!(seen.contains("<redacted>"), "{seen}");
        for secret in [
            ACCESS_KEY_ID,
            ACCESS_KEY_SECRET,
            SECURITY_TOKEN,
            PASSWORD,
            NEW_PASSWORD,
            signature.as_str(),
        ] {
            assert!(!seen.contains(secret), "{secret} leaked into:\n{seen}");
        }
    }
    // The recorder after the hook saw what it added.
    assert!(after.seen_text().contains("rotated"));
}

#[tokio::test]
async fn a_clock_skew_correction_is_reported_as_a_free_retry() {
    // The emulator's clock runs an hour ahead: the first request's
    // timestamp is refused, and the client corrects from the `Date`.
    let emulator = Emulator::builder()
        .fixture(Fixture::demo())
        .clock_offset(3600)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    let client = emulator_client(&emulator, vec![recorder.clone()]);
    client.describe_regions().send().await.unwrap();

    let attempts = recorder.attempts();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[0].http_status, Some(400));
    assert_eq!(
        attempts[0].error_code.as_deref(),
        Some("InvalidTimeStamp.Expired")
    );
    assert_eq!(
        attempts[0].decision,
        RetryDecision::Retry {
            delay: Duration::ZERO,
            reason: RetryReason::ClockSkewCorrected,
        }
    );
    assert_eq!(attempts[1].decision, RetryDecision::Succeeded);
    assert_eq!(recorder.results()[0].attempts, 2);
}

#[tokio::test]
async fn every_poll_of_a_waiter_is_a_call_the_interceptors_see() {
    let fixture = Fixture::from_json_str(
        r#"{"Instances": [{"DBInstanceName": "rm-creating", "DBInstanceStatus": "Creating",
            "Engine": "MySQL", "PendingStatus": {"Status": "Running", "AfterPolls": 3}}]}"#,
    )
    .unwrap();
    let emulator = Emulator::builder()
        .fixture(fixture)
        .start("127.0.0.1:0")
        .await
        .unwrap();
    let recorder = Arc::new(Recorder::default());
    emulator_client(&emulator, vec![])
        .describe_db_instance_attribute("rm-creating")
        .wait_until_db_instance_running(Duration::from_secs(60))
        .min_delay(Duration::from_millis(2))
        .max_delay(Duration::from_millis(2))
        .customize(CallOverrides::new().interceptor(recorder.clone()))
        .await
        .unwrap();
    // Three polls answer Creating, the fourth Running.
    let results = recorder.results();
    assert_eq!(results.len(), 4);
    assert!(results
        .iter()
        .all(|result| result.success && result.attempts == 1));
    assert_eq!(recorder.attempts().len(), 4);
}
