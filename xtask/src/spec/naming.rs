//! The rules that turn spec names into Rust identifiers.
//!
//! Validation and code generation both call these functions, so a name the
//! validator accepted is exactly the name the generator emits. The rules are
//! the ones `spec/README.md` documents.

use heck::{ToSnakeCase, ToUpperCamelCase};

/// Rust keywords that cannot be field or function names as they are.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Whether `word` is a Rust keyword (strict or reserved).
pub fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// The snake_case form of a wire name: `DBInstanceName` becomes
/// `db_instance_name`.
pub fn snake_case(wire_name: &str) -> String {
    wire_name.to_snake_case()
}

/// The UpperCamelCase form of a name: `activate_migration_target_instance`
/// becomes `ActivateMigrationTargetInstance` and `DBInstance` becomes
/// `DbInstance`.
pub fn upper_camel_case(name: &str) -> String {
    name.to_upper_camel_case()
}

/// The Rust name of a parameter or field: its `rustName`, else the
/// snake_case form of its wire name.
pub fn member_rust_name(wire_name: &str, rust_name: Option<&str>) -> String {
    rust_name.map_or_else(|| snake_case(wire_name), str::to_owned)
}

/// The Rust module and method name of an operation: its `rustName`, else
/// the snake_case form of its action name.
pub fn operation_rust_name(spec: &super::model::OperationSpec) -> String {
    member_rust_name(&spec.name, spec.rust_name.as_deref())
}

/// Whether a parameter or field holds a secret that `Debug` and waiter
/// paths must not show: the spec's `sensitive`, else any wire name
/// mentioning a password or a secret.
pub fn is_sensitive(wire_name: &str, sensitive: Option<bool>) -> bool {
    sensitive.unwrap_or_else(|| {
        let lower = wire_name.to_ascii_lowercase();
        lower.contains("password") || lower.contains("secret")
    })
}

/// Whether `name` can be written as a Rust identifier (possibly as a raw
/// identifier `r#name`).
pub fn is_identifier(name: &str) -> bool {
    let mut characters = name.chars();
    let starts_well = characters
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    starts_well
        && characters.all(|character| character.is_ascii_alphanumeric() || character == '_')
        && name != "_"
        && !matches!(name, "self" | "Self" | "super" | "crate")
}

/// The segments of an error code: the runs of ASCII letters and digits
/// between dots (or any other separator).
fn code_segments(code: &str) -> impl Iterator<Item = &str> {
    code.split(|character: char| !character.is_ascii_alphanumeric())
        .filter(|segment| !segment.is_empty())
}

/// The base variant name of an error code: its segments joined, each with an
/// upper-case first letter and the rest kept verbatim
/// (`Order.PeriodInvalid` becomes `OrderPeriodInvalid`, `pay.noCreditCard`
/// becomes `PayNoCreditCard`).
pub fn error_variant_base(code: &str) -> String {
    code_segments(code)
        .map(|segment| {
            let mut characters = segment.chars();
            match characters.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + characters.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Whether every segment of the code starts with an upper-case letter; the
/// code that does not gets the `LowerCase` suffix when two codes collide.
pub fn code_segments_are_upper_case(code: &str) -> bool {
    code_segments(code).all(|segment| segment.starts_with(|first: char| first.is_ascii_uppercase()))
}

/// The suffix given to the variant of a code whose segments do not all start
/// with an upper-case letter, when it collides with another code.
pub const LOWER_CASE_SUFFIX: &str = "LowerCase";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_become_snake_case_with_acronyms_kept_together() {
        assert_eq!(snake_case("DBInstanceName"), "db_instance_name");
        assert_eq!(
            snake_case("ActivateMigrationTargetInstance"),
            "activate_migration_target_instance"
        );
        assert_eq!(snake_case("RegionId"), "region_id");
    }

    #[test]
    fn error_codes_join_their_segments() {
        assert_eq!(
            error_variant_base("Order.PeriodInvalid"),
            "OrderPeriodInvalid"
        );
        assert_eq!(error_variant_base("pay.noCreditCard"), "PayNoCreditCard");
        assert_eq!(
            error_variant_base("Abs.InvalidAccount.NotFound"),
            "AbsInvalidAccountNotFound"
        );
        assert!(code_segments_are_upper_case("Pay.NoCreditCard"));
        assert!(!code_segments_are_upper_case("pay.noCreditCard"));
    }

    #[test]
    fn identifiers_are_recognised() {
        assert!(is_identifier("db_instance_name"));
        assert!(is_identifier("type"));
        assert!(!is_identifier("9lives"));
        assert!(!is_identifier("self"));
        assert!(!is_identifier(""));
    }
}
