//! Fixed code the generated crates need, kept as real Rust files.
//!
//! Code that is the same for every spec does not belong in `quote!`
//! templates, where it would be neither compiled nor tested where it is
//! written, and would lose its comments in the output. It lives here as
//! ordinary source files: compiled and unit-tested inside the generator
//! (see `errors_crate_tests.rs`), and copied verbatim, comments included,
//! into the generated crates by [`crate::codegen`], behind a header naming
//! the file to change.
//!
//! A file here reaches the rest of its generated crate only through
//! `super::` paths, so it compiles the same in the generated crate and in
//! the stand-in crate root of its tests.

#[cfg(test)]
mod errors_crate_tests;

/// A file copied into a generated crate.
#[derive(Debug, Clone, Copy)]
pub struct InlineableFile {
    /// The file's path in this repository, for the copied file's header.
    pub source: &'static str,
    /// The file's name in the generated crate's `src`.
    pub name: &'static str,
    /// The file's contents.
    pub text: &'static str,
}

/// `rows.rs` of the errors crate: the documented-row type and the code
/// every operation's error enum shares.
pub const ERRORS_ROWS: InlineableFile = InlineableFile {
    source: "xtask/src/codegen/inlineable/rows.rs",
    name: "rows.rs",
    text: include_str!("rows.rs"),
};
