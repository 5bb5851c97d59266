//! Every row of the seed operation's documented error table, read from the
//! spec JSON itself, is known to `aliyun-rds-errors` with its status and
//! message.

// Tests fail by panicking; the workspace lints forbid it in library code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aliyun_rds_errors::activate_migration_target_instance::ActivateMigrationTargetInstanceError as OperationError;
use aliyun_rds_errors::gateway::GatewayError;
use serde_json::Value;

fn error_rows() -> Vec<Value> {
    let path = xtask::workspace_root()
        .join("spec/rds/2014-08-15/operations/ActivateMigrationTargetInstance.json");
    let text = std::fs::read_to_string(&path).expect("read the spec");
    let spec: Value = serde_json::from_str(&text).expect("the spec is JSON");
    spec["errors"].as_array().expect("an error table").clone()
}

fn text<'a>(row: &'a Value, key: &str) -> &'a str {
    row[key]
        .as_str()
        .unwrap_or_else(|| panic!("row {row} lacks {key}"))
}

#[test]
fn every_documented_row_is_known_with_its_status_and_message() {
    let rows = error_rows();
    assert_eq!(rows.len(), 66);
    for row in &rows {
        let code = text(row, "code");
        let status = u16::try_from(row["httpStatus"].as_u64().expect("status")).expect("u16");
        let message = text(row, "message");
        let error = OperationError::from_code(code);
        assert!(error.is_documented(), "{code} is not documented");
        assert!(
            error.gateway().is_none(),
            "{code} resolved to a gateway error"
        );
        assert_eq!(error.code(), code);
        assert_eq!(error.http_status(), Some(status), "{code}");
        let messages: Vec<&str> = error.messages().collect();
        assert!(
            messages.contains(&message),
            "{code}: {message:?} missing from {messages:?}"
        );
        assert_eq!(
            error.description(),
            rows.iter()
                .filter(|other| text(other, "code") == code)
                .find_map(|other| other["description"].as_str()),
            "{code}"
        );
        // The first row of a code gives `message()` and the `Display` text.
        let first = rows
            .iter()
            .find(|other| text(other, "code") == code)
            .expect("itself");
        assert_eq!(error.message(), Some(text(first, "message")));
        assert_eq!(
            error.to_string(),
            format!("{code}: {}", text(first, "message"))
        );
    }
}

#[test]
fn a_repeated_code_is_one_variant_documenting_both_rows() {
    let error = OperationError::from_code("BasicInfoUncompleted");
    assert_eq!(error, OperationError::BasicInfoUncompleted);
    assert_eq!(
        error.messages().collect::<Vec<_>>(),
        [
            "Your information is incomplete. Complete your information before the operation.",
            "Your information is incomplete, Complete your information before the operation.",
        ]
    );
}

#[test]
fn codes_differing_only_in_case_are_distinct() {
    let upper = OperationError::from_code("Pay.NoCreditCard");
    let lower = OperationError::from_code("pay.noCreditCard");
    assert_eq!(upper, OperationError::PayNoCreditCard);
    assert_eq!(lower, OperationError::PayNoCreditCardLowerCase);
    assert_ne!(upper, lower);
    assert_eq!(upper.message(), Some("No credit cards."));
    assert_eq!(lower.message(), Some("Account not bound to credit card."));
    assert_eq!(lower.description(), None);
    // Matching is exact: a third spelling is unknown.
    assert_eq!(
        OperationError::from_code("PAY.NOCREDITCARD"),
        OperationError::Unknown("PAY.NOCREDITCARD".to_owned())
    );
}

#[test]
fn gateway_codes_come_after_the_operation_table() {
    let throttled = OperationError::from_code("Throttling.User");
    assert_eq!(
        throttled,
        OperationError::Gateway(GatewayError::ThrottlingUser)
    );
    assert!(throttled.is_retryable());
    assert!(throttled.is_refused_before_execution());
    assert_eq!(throttled.http_status(), Some(400));
    assert_eq!(
        throttled.messages().collect::<Vec<_>>(),
        ["Request was denied due to user flow control."]
    );

    let unavailable = OperationError::from_code("ServiceUnavailable");
    assert!(unavailable.is_retryable());
    assert!(!unavailable.is_refused_before_execution());

    let documented = OperationError::from_code("InvokeProxyFailure");
    assert!(!documented.is_retryable());
    assert_eq!(documented.http_status(), Some(500));
}

#[test]
fn unknown_codes_are_kept_verbatim() {
    let error = OperationError::from_code("Something.New");
    assert!(!error.is_documented());
    assert_eq!(error.code(), "Something.New");
    assert_eq!(error.http_status(), None);
    assert_eq!(error.message(), None);
    assert_eq!(error.messages().next(), None);
    assert!(error.to_string().starts_with("Something.New: "));
}

#[test]
fn every_gateway_error_round_trips_through_its_code() {
    let product = aliyun_rds::metadata::PRODUCT;
    assert_eq!(GatewayError::ALL.len(), product.gateway_errors.len());
    for (gateway, row) in GatewayError::ALL.iter().zip(product.gateway_errors) {
        assert_eq!(GatewayError::from_code(row.code), Some(*gateway));
        assert_eq!(gateway.code(), row.code);
        assert_eq!(gateway.http_status(), row.http_status);
        assert_eq!(gateway.message(), row.message);
        assert_eq!(gateway.description(), row.description);
        assert_eq!(gateway.is_retryable(), row.retryable);
        assert_eq!(
            gateway.is_refused_before_execution(),
            row.refused_before_execution
        );
    }
}

#[test]
fn documented_rows_follow_the_table_of_the_spec() {
    let rows = error_rows();
    for row in &rows {
        let code = text(row, "code");
        let expected: Vec<(&str, &str)> = rows
            .iter()
            .filter(|other| text(other, "code") == code)
            .map(|other| (text(other, "code"), text(other, "message")))
            .collect();
        let documented: Vec<(&str, &str)> = OperationError::from_code(code)
            .documented_rows()
            .map(|documented| (documented.code, documented.message))
            .collect();
        assert_eq!(documented, expected, "{code}");
    }
    assert_eq!(
        OperationError::from_code("Throttling")
            .documented_rows()
            .next(),
        None
    );
}

#[test]
fn debug_names_the_variant_and_clone_keeps_it() {
    let documented = OperationError::from_code("pay.noCreditCard");
    assert_eq!(format!("{documented:?}"), "PayNoCreditCardLowerCase");
    assert_eq!(documented.clone(), OperationError::PayNoCreditCardLowerCase);

    let gateway = OperationError::from_code("Throttling");
    assert_eq!(format!("{gateway:?}"), "Gateway(Throttling)");
    assert_eq!(gateway.clone(), gateway);

    let unknown = OperationError::from_code("Something.New");
    assert_eq!(format!("{unknown:?}"), "Unknown(\"Something.New\")");
    assert_eq!(unknown.clone(), unknown);

    // Every documented code: the clone is the same variant, and the Debug
    // name is an identifier of its own.
    let mut names = std::collections::BTreeMap::new();
    let rows = error_rows();
    for row in &rows {
        let code = text(row, "code");
        let error = OperationError::from_code(code);
        assert_eq!(error.clone(), error);
        let name = format!("{error:?}");
        assert!(
            name.chars()
                .all(|character| character.is_ascii_alphanumeric()),
            "{name:?} is not a variant name"
        );
        if let Some(other) = names.insert(name.clone(), code) {
            assert_eq!(other, code, "{other} and {code} are both {name}");
        }
    }
    assert_eq!(names.len(), 65, "66 rows, one code documented twice");
}
