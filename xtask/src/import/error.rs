//! The one error type of `cargo xtask import`.
//!
//! Every failure names the file it came from and, where it applies, the
//! operation and the JSON path (as a JSON Pointer such as
//! `/apis/DescribeRegions/parameters/2/schema/type`), so that a bad metadata
//! document or a hand-edited spec file can be fixed without a debugger.

use std::fmt;
use std::path::PathBuf;

use crate::spec::SpecErrors;

/// What went wrong while importing Alibaba's api-docs metadata into spec files.
#[derive(Debug)]
#[non_exhaustive]
pub enum ImportError {
    /// A file could not be read, written or created.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the importer tried to do, e.g. `read the file`.
        action: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file is not JSON of the expected shape (wrong type, missing key,
    /// unknown key in a spec file).
    Parse {
        /// The file.
        path: PathBuf,
        /// The JSON Pointer of the value that did not fit; empty for the
        /// document itself.
        json_path: String,
        /// The parser's error, with line and column.
        source: serde_json::Error,
    },
    /// The api-docs document is valid JSON but holds something the spec
    /// format cannot express (an unknown type, style or location...).
    Unsupported {
        /// The api-docs file.
        path: PathBuf,
        /// The action name, or `(all)` for document-wide problems.
        operation: String,
        /// The JSON Pointer of the offending value.
        json_path: String,
        /// What the value is and why it cannot be mapped.
        message: String,
    },
    /// `--operation` named an action that no source read has.
    UnknownOperation {
        /// The metadata files read.
        paths: Vec<PathBuf>,
        /// The name asked for.
        operation: String,
        /// How many operations the document has.
        available: usize,
    },
    /// A converted spec breaks a rule of the spec format (checked by the
    /// spec module's validation, the same that `cargo xtask codegen` runs),
    /// for example two error codes that derive the same Rust variant name.
    Invalid {
        /// Every problem found, each naming the file and JSON Pointer.
        problems: SpecErrors,
    },
}

impl fmt::Display for ImportError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ImportError::Io {
                path,
                action,
                source,
            } => write!(
                formatter,
                "{}: cannot {action}: {source}; check that the path exists and is accessible",
                path.display()
            ),
            ImportError::Parse {
                path,
                json_path,
                source,
            } => write!(
                formatter,
                "{}: {}: {source}; fix the file or regenerate it",
                path.display(),
                display_pointer(json_path)
            ),
            ImportError::Unsupported {
                path,
                operation,
                json_path,
                message,
            } => write!(
                formatter,
                "{}: operation {operation}: {}: {message}; the spec format has no mapping for it, \
                 so extend the importer (and spec/README.md) before importing this operation",
                path.display(),
                display_pointer(json_path)
            ),
            ImportError::UnknownOperation {
                paths,
                operation,
                available,
            } => {
                let files: Vec<String> = paths
                    .iter()
                    .map(|path| path.display().to_string())
                    .collect();
                write!(
                    formatter,
                    "{}: no operation named \"{operation}\" among their {available} operations; \
                     check the spelling (names are case-sensitive PascalCase, e.g. DescribeRegions)",
                    files.join(", ")
                )
            }
            ImportError::Invalid { problems } => {
                write!(
                    formatter,
                    "the imported specs break {} rule(s) of spec/README.md; nothing was written. \
                     Settle each by hand in the existing spec file (e.g. a `rustName`), or fix the importer:",
                    problems.0.len()
                )?;
                for problem in &problems.0 {
                    write!(formatter, "\n  {problem}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ImportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ImportError::Io { source, .. } => Some(source),
            ImportError::Parse { source, .. } => Some(source),
            ImportError::Invalid { problems } => problems
                .0
                .first()
                .map(|problem| problem as &(dyn std::error::Error + 'static)),
            ImportError::Unsupported { .. } | ImportError::UnknownOperation { .. } => None,
        }
    }
}

/// An empty JSON Pointer means the document itself; saying so reads better
/// than an empty string between two colons.
fn display_pointer(json_path: &str) -> &str {
    if json_path.is_empty() {
        "(document root)"
    } else {
        json_path
    }
}

/// Builds a JSON Pointer (RFC 6901) from path segments, escaping `~` and `/`
/// inside keys so that operation or field names containing them stay
/// unambiguous.
pub fn json_pointer<'a>(segments: impl IntoIterator<Item = &'a str>) -> String {
    let mut pointer = String::new();
    for segment in segments {
        pointer.push('/');
        pointer.push_str(&segment.replace('~', "~0").replace('/', "~1"));
    }
    pointer
}

/// Parses JSON text into `T`, reporting the JSON Pointer of the value that
/// did not fit, which plain `serde_json` errors (line and column) lack.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &std::path::Path,
) -> Result<T, ImportError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let json_path = pointer_of(error.path());
        ImportError::Parse {
            path: path.to_path_buf(),
            json_path,
            source: error.into_inner(),
        }
    })?;
    // Trailing garbage after the document is as much an error as a missing
    // brace; `Deserializer::end` is what `serde_json::from_str` calls too.
    deserializer.end().map_err(|source| ImportError::Parse {
        path: path.to_path_buf(),
        json_path: String::new(),
        source,
    })?;
    Ok(value)
}

fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let segments: Vec<String> = path
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect();
    json_pointer(segments.iter().map(String::as_str))
}
