//! `Debug` output of generated structs.
//!
//! A generated `Debug` impl is one call here with the struct's field names
//! and values, rather than a chain of `DebugStruct::field` calls: on the
//! hundreds of generated structs, type-checking and borrow-checking those
//! chains (a temporary per call) took a tenth of the types crate's build.
//! This is the shape the standard library's own derive uses.
//!
//! Only generated code uses this module: it is hidden from the crate's
//! documentation and exempt from semver.

use std::fmt;

/// Writes `name { names[0]: values[0], … }`, exactly as a derived `Debug`
/// does (pretty-printed with `{:#?}`). Extra names or values are ignored.
///
/// # Errors
///
/// The formatter's error.
pub fn debug_struct(
    formatter: &mut fmt::Formatter<'_>,
    name: &str,
    names: &[&str],
    values: &[&dyn fmt::Debug],
) -> fmt::Result {
    let mut builder = formatter.debug_struct(name);
    for (name, value) in names.iter().zip(values) {
        builder.field(name, value);
    }
    builder.finish()
}

#[cfg(test)]
mod tests {
    use super::debug_struct;
    use std::fmt;

    struct Sample {
        port: Option<u16>,
        name: String,
    }

    impl fmt::Debug for Sample {
        fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
            debug_struct(
                formatter,
                "Sample",
                &["port", "name"],
                &[&self.port, &self.name],
            )
        }
    }

    /// The reference: its fields are read only by its derived `Debug`,
    /// which dead-code analysis does not count.
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Derived {
        port: Option<u16>,
        name: String,
    }

    #[test]
    fn the_output_is_that_of_a_derived_debug() {
        let sample = Sample {
            port: Some(5432),
            name: "pg".to_owned(),
        };
        let derived = Derived {
            port: Some(5432),
            name: "pg".to_owned(),
        };
        assert_eq!(
            format!("{sample:?}").replace("Sample", "Derived"),
            format!("{derived:?}")
        );
        assert_eq!(
            format!("{sample:#?}").replace("Sample", "Derived"),
            format!("{derived:#?}")
        );
    }
}
