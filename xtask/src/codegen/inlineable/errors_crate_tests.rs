//! Tests of `rows.rs`, compiled inside a stand-in for the errors crate's
//! root: a small gateway enum and row table with the shapes the generator
//! writes, beside the file itself.

/// A stand-in for the generated `gateway.rs`.
mod gateway {
    use std::fmt;

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum GatewayError {
        Throttling,
    }

    impl GatewayError {
        pub fn from_code(code: &str) -> Option<Self> {
            (code == "Throttling").then_some(GatewayError::Throttling)
        }

        pub fn is_retryable(&self) -> bool {
            true
        }

        pub fn is_refused_before_execution(&self) -> bool {
            true
        }

        pub fn code(&self) -> &'static str {
            "Throttling"
        }

        pub fn http_status(&self) -> u16 {
            400
        }

        pub fn message(&self) -> &'static str {
            "Request was denied due to request throttling."
        }

        pub fn description(&self) -> Option<&'static str> {
            Some("Slow down.")
        }
    }

    impl fmt::Display for GatewayError {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(formatter, "{}: {}", self.code(), self.message())
        }
    }
}

/// A stand-in for the generated `table.rs`.
mod table {
    use super::rows::ErrorRow;

    pub(crate) static ROWS: [ErrorRow; 3] = [
        ErrorRow {
            http_status: 400,
            code: "InvalidMigrateStatus",
            message: "The migration task is not synchronized.",
            description: None,
        },
        ErrorRow {
            http_status: 403,
            code: "IncorrectDBInstanceState",
            message: "Current DB instance state does not support this operation.",
            description: Some("The instance is not running."),
        },
        ErrorRow {
            http_status: 404,
            code: "InvalidMigrateStatus",
            message: "The task does not exist.",
            description: Some("Create the task first."),
        },
    ];
}

#[path = "rows.rs"]
mod rows;

use gateway::GatewayError;
use rows::{Kind, OperationTable};

/// Two variants: `InvalidMigrateStatus` (rows 0 and 2) and
/// `IncorrectDBInstanceState` (row 1), as the generator would describe
/// them, with `by_code` in byte order of the codes.
const TABLE: OperationTable = OperationTable {
    names: &["InvalidMigrateStatus", "IncorrectDbInstanceState"],
    rows: &[0, 2, 1],
    starts: &[0, 2, 3],
    by_code: &[1, 0],
};

/// Formats a value through one of the table's formatting functions.
struct Shown(Kind<'static>, bool);

impl std::fmt::Display for Shown {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.1 {
            TABLE.fmt_debug(self.0, formatter)
        } else {
            TABLE.fmt_display(self.0, formatter)
        }
    }
}

#[test]
fn codes_are_found_exactly_by_binary_search() {
    assert_eq!(TABLE.find("InvalidMigrateStatus"), Some(0));
    assert_eq!(TABLE.find("IncorrectDBInstanceState"), Some(1));
    assert_eq!(TABLE.find("invalidmigratestatus"), None);
    assert_eq!(TABLE.find(""), None);
}

#[test]
fn a_code_documented_twice_has_both_rows_in_order() {
    let documented = Kind::Documented(0);
    let statuses: Vec<u16> = TABLE
        .documented_rows(documented)
        .map(|row| row.http_status)
        .collect();
    assert_eq!(statuses, [400, 404]);
    assert_eq!(TABLE.http_status(documented), Some(400));
    assert_eq!(
        TABLE.message(documented),
        Some("The migration task is not synchronized.")
    );
    assert_eq!(TABLE.messages(documented).count(), 2);
    // The first row without a description is skipped.
    assert_eq!(
        TABLE.description(documented),
        Some("Create the task first.")
    );
}

#[test]
fn gateway_and_unknown_codes_have_no_rows() {
    let gateway = Kind::Gateway(GatewayError::Throttling);
    assert_eq!(TABLE.documented_rows(gateway).count(), 0);
    assert_eq!(TABLE.code(gateway), "Throttling");
    assert_eq!(TABLE.http_status(gateway), Some(400));
    assert_eq!(
        TABLE.messages(gateway).collect::<Vec<_>>(),
        ["Request was denied due to request throttling."]
    );
    assert_eq!(TABLE.description(gateway), Some("Slow down."));
    let unknown = Kind::Unknown("Brand.New");
    assert_eq!(TABLE.code(unknown), "Brand.New");
    assert_eq!(TABLE.http_status(unknown), None);
    assert_eq!(TABLE.messages(unknown).count(), 0);
}

#[test]
fn values_format_like_derived_debug_and_say_what_happened() {
    assert_eq!(
        Shown(Kind::Documented(1), true).to_string(),
        "IncorrectDbInstanceState"
    );
    assert_eq!(
        Shown(Kind::Gateway(GatewayError::Throttling), true).to_string(),
        "Gateway(Throttling)"
    );
    assert_eq!(
        Shown(Kind::Unknown("X"), true).to_string(),
        "Unknown(\"X\")"
    );
    assert_eq!(
        Shown(Kind::Documented(1), false).to_string(),
        "IncorrectDBInstanceState: Current DB instance state does not support this operation."
    );
    assert!(Shown(Kind::Unknown("X"), false)
        .to_string()
        .contains("does not list"));
}

#[test]
fn positions_out_of_range_are_skipped_rather_than_panicking() {
    const BROKEN: OperationTable = OperationTable {
        names: &["Broken"],
        rows: &[7],
        starts: &[0, 5],
        by_code: &[0],
    };
    assert_eq!(BROKEN.documented_rows(Kind::Documented(0)).count(), 0);
    assert_eq!(BROKEN.documented_rows(Kind::Documented(3)).count(), 0);
    assert_eq!(BROKEN.code(Kind::Documented(0)), "");
}

/// A stand-in for a generated error enum.
#[derive(Debug)]
enum WidgetError {
    InvalidMigrateStatus,
    IncorrectDbInstanceState,
    Gateway(GatewayError),
    Unknown(String),
}

const WIDGET_DOCUMENTED: [WidgetError; 2] = [
    WidgetError::InvalidMigrateStatus,
    WidgetError::IncorrectDbInstanceState,
];

fn decode(code: &str) -> WidgetError {
    TABLE.decode(
        code,
        WIDGET_DOCUMENTED,
        WidgetError::Gateway,
        WidgetError::Unknown,
    )
}

#[test]
fn codes_decode_to_the_variant_at_their_position_then_gateway_then_unknown() {
    assert!(matches!(
        decode("IncorrectDBInstanceState"),
        WidgetError::IncorrectDbInstanceState
    ));
    assert!(matches!(
        decode("InvalidMigrateStatus"),
        WidgetError::InvalidMigrateStatus
    ));
    assert!(matches!(
        decode("Throttling"),
        WidgetError::Gateway(GatewayError::Throttling)
    ));
    assert!(matches!(decode("Brand.New"), WidgetError::Unknown(code) if code == "Brand.New"));
}

#[test]
fn a_documented_value_is_found_by_its_variant() {
    let kind = |value: &WidgetError| Kind::of_documented(&WIDGET_DOCUMENTED, value);
    assert_eq!(
        kind(&WidgetError::InvalidMigrateStatus),
        Kind::Documented(0)
    );
    assert_eq!(
        kind(&WidgetError::IncorrectDbInstanceState),
        Kind::Documented(1)
    );
    assert_ne!(Kind::Documented(0), Kind::Documented(1));
    assert_ne!(Kind::Unknown("A"), Kind::Unknown("B"));
}

#[test]
fn only_gateway_kinds_are_retryable_and_unknown_ones_undocumented() {
    let gateway = Kind::Gateway(GatewayError::Throttling);
    assert!(gateway.is_retryable() && gateway.is_refused_before_execution());
    assert_eq!(gateway.gateway(), Some(GatewayError::Throttling));
    assert!(!Kind::Documented(0).is_retryable());
    assert!(Kind::Documented(0).is_documented());
    assert!(!Kind::Unknown("Brand.New").is_documented());
    assert_eq!(Kind::Unknown("Brand.New").gateway(), None);
}
