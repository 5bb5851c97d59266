//! The error a bad spec file produces.
//!
//! Every error names the file and where in it the problem is: a JSON pointer
//! for anything structural (`/parameters/2/type`), a line and column for
//! text that is not JSON at all.

use std::fmt;
use std::path::{Path, PathBuf};

/// What is wrong with a spec file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SpecErrorKind {
    /// The file could not be read.
    Unreadable,
    /// The file is not valid JSON.
    InvalidJson,
    /// The JSON does not have the documented shape: a missing or unknown
    /// field, a value of the wrong type, an unknown type name.
    Shape,
    /// Two parameters have the same wire name or the same Rust name.
    DuplicateParameter,
    /// Two fields of one object have the same wire name or Rust name.
    DuplicateField,
    /// Two rows (errors, types) would produce the same Rust identifier.
    NameCollision,
    /// A name is not usable as a Rust identifier or a wire name.
    InvalidName,
    /// The file name does not match the `name` inside it.
    FileNameMismatch,
    /// Type keys that do not belong together, such as `items` on a string.
    InconsistentType,
    /// A documented value is impossible, such as an HTTP status of 42.
    InvalidValue,
}

/// Where in a file the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// The whole file.
    File,
    /// A JSON pointer (RFC 6901), for example `/parameters/2/type`.
    Pointer(String),
    /// A position in the text, both counted from one.
    LineColumn {
        /// The line, from one.
        line: usize,
        /// The column, from one.
        column: usize,
    },
}

impl fmt::Display for Location {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => Ok(()),
            Location::Pointer(pointer) if pointer.is_empty() => formatter.write_str(" /:"),
            Location::Pointer(pointer) => write!(formatter, " {pointer}:"),
            Location::LineColumn { line, column } => {
                write!(formatter, " line {line}, column {column}:")
            }
        }
    }
}

/// A problem in one spec file.
#[derive(Debug)]
pub struct SpecError {
    /// The file, as given to the loader (relative to the workspace when the
    /// generator runs).
    pub file: PathBuf,
    /// Where in the file.
    pub location: Location,
    /// What class of problem it is.
    pub kind: SpecErrorKind,
    /// What is wrong and, where it helps, what to do.
    pub message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl SpecError {
    /// A problem at a JSON pointer.
    pub fn at(
        file: &Path,
        pointer: impl Into<String>,
        kind: SpecErrorKind,
        message: impl Into<String>,
    ) -> Self {
        SpecError {
            file: file.to_path_buf(),
            location: Location::Pointer(pointer.into()),
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// A problem with the file as a whole.
    pub fn in_file(file: &Path, kind: SpecErrorKind, message: impl Into<String>) -> Self {
        SpecError {
            file: file.to_path_buf(),
            location: Location::File,
            kind,
            message: message.into(),
            source: None,
        }
    }

    /// Attaches the underlying error, kept in the `source()` chain.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// A problem at a position in the text.
    pub fn at_line(
        file: &Path,
        line: usize,
        column: usize,
        kind: SpecErrorKind,
        message: impl Into<String>,
    ) -> Self {
        SpecError {
            file: file.to_path_buf(),
            location: Location::LineColumn { line, column },
            kind,
            message: message.into(),
            source: None,
        }
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "{}:{} {}",
            self.file.display(),
            self.location,
            self.message
        )
    }
}

impl std::error::Error for SpecError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// Every problem found in a set of spec files; the generator reports them
/// all at once rather than one per run.
#[derive(Debug)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        write!(formatter, "the spec has {count} {noun}; nothing was written. Fix the spec files and run `cargo xtask codegen` again:")?;
        for error in &self.0 {
            write!(formatter, "\n  {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .first()
            .map(|error| error as &(dyn std::error::Error + 'static))
    }
}
