//! A shortened soak: a few thousand calls, 32 in flight, with faults, and
//! the full accounting asserted (not the timing, and not the memory, which
//! needs a long run to settle; `cargo xtask soak` checks it).

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aliyun_tests::soak::{run, SoakConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_short_soak_accounts_for_every_call_and_request() {
    let report = run(SoakConfig {
        calls: 3000,
        concurrency: 32,
        fault_percent: 3,
        check_memory: false,
    })
    .await
    .expect("the soak runs");
    println!("{report}");
    assert_eq!(report.violations(), Vec::<String>::new(), "{report}");
    // The faults happened and were seen through: some calls failed each
    // way, and the idempotent ones were retried.
    let outcomes = |outcome: &str| -> usize {
        report
            .outcomes
            .iter()
            .filter(|((_, name), _)| *name == outcome)
            .map(|(_, count)| count)
            .sum()
    };
    assert!(outcomes("success") > 0, "{report}");
    assert!(outcomes("timeout") > 0, "{report}");
    assert!(outcomes("dispatch error") > 0, "{report}");
    assert!(outcomes("response error") > 0, "{report}");
    assert!(report.signed_attempts > report.calls, "{report}");
    assert!(report.non_idempotent_executed > 0, "{report}");
}
