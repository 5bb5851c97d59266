//! Reading spec files from disk into the typed model.
//!
//! Text is parsed with `serde_json` through `serde_path_to_error`, so a shape
//! error carries the JSON pointer of the offending value and a syntax error
//! its line and column. Semantic checks follow in [`super::validate`].

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

use super::error::{SpecError, SpecErrorKind, SpecErrors};
use super::model::{OperationSpec, ProductSpec};
use super::validate::{validate_operation, validate_product};

/// The file name of a product description inside a product directory.
pub const PRODUCT_FILE: &str = "product.json";
/// The directory of operation files inside a product directory.
pub const OPERATIONS_DIR: &str = "operations";

/// A product directory (`spec/rds/2014-08-15`), loaded and validated.
#[derive(Debug, Clone)]
pub struct LoadedProduct {
    /// The product description.
    pub product: ProductSpec,
    /// Every operation, sorted by name, with the file it came from.
    pub operations: Vec<LoadedOperation>,
}

/// One operation file, loaded and validated.
#[derive(Debug, Clone)]
pub struct LoadedOperation {
    /// The file, as the loader was given it.
    pub file: PathBuf,
    /// Its contents.
    pub spec: OperationSpec,
}

/// Renders a `serde_path_to_error` path as a JSON pointer (RFC 6901).
fn json_pointer(path: &serde_path_to_error::Path) -> String {
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } => pointer.push_str(&key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { variant } => pointer.push_str(variant),
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

/// Parses `text` (the contents of `file`) as a `T`, naming the file and the
/// place of the first problem.
pub fn parse<T: DeserializeOwned>(file: &Path, text: &str) -> Result<T, SpecError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let pointer = json_pointer(error.path());
        let inner = error.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            let message = format!("invalid JSON: {}", without_position(&inner));
            SpecError::at_line(
                file,
                inner.line(),
                inner.column(),
                SpecErrorKind::InvalidJson,
                message,
            )
            .with_source(inner)
        } else {
            SpecError::at(file, pointer, SpecErrorKind::Shape, inner.to_string()).with_source(inner)
        }
    })?;
    // Trailing content after the document is a syntax error too.
    deserializer.end().map_err(|inner| {
        SpecError::at_line(
            file,
            inner.line(),
            inner.column(),
            SpecErrorKind::InvalidJson,
            format!("invalid JSON: {}", without_position(&inner)),
        )
        .with_source(inner)
    })?;
    Ok(parsed)
}

/// The message of a `serde_json` error without its trailing position, which
/// the spec error shows in its own place.
fn without_position(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    text.strip_suffix(&suffix)
        .map_or(text.clone(), str::to_owned)
}

fn read(file: &Path) -> Result<String, SpecError> {
    std::fs::read_to_string(file).map_err(|error| {
        SpecError::in_file(
            file,
            SpecErrorKind::Unreadable,
            format!("cannot read the file: {error}"),
        )
        .with_source(error)
    })
}

/// Reads and validates one operation file.
///
/// Every problem found is returned; the file must be named after the
/// operation (`ActivateMigrationTargetInstance.json`).
pub fn load_operation(file: &Path) -> Result<OperationSpec, SpecErrors> {
    let text = read(file).map_err(|error| SpecErrors(vec![error]))?;
    let spec: OperationSpec = parse(file, &text).map_err(|error| SpecErrors(vec![error]))?;
    let problems = validate_operation(file, &spec);
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(SpecErrors(problems))
    }
}

/// Reads and validates one `product.json` file.
pub fn load_product_file(file: &Path) -> Result<ProductSpec, SpecErrors> {
    let text = read(file).map_err(|error| SpecErrors(vec![error]))?;
    let spec: ProductSpec = parse(file, &text).map_err(|error| SpecErrors(vec![error]))?;
    let problems = validate_product(file, &spec);
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(SpecErrors(problems))
    }
}

/// Reads and validates a whole product directory: `product.json` and every
/// `*.json` file of `operations/`. Problems of all files are collected and
/// returned together.
pub fn load_product(directory: &Path) -> Result<LoadedProduct, SpecErrors> {
    let mut problems = Vec::new();
    let product = load_product_file(&directory.join(PRODUCT_FILE))
        .map_err(|errors| problems.extend(errors.0))
        .ok();

    let operations_dir = directory.join(OPERATIONS_DIR);
    let mut files = Vec::new();
    match std::fs::read_dir(&operations_dir) {
        Ok(entries) => {
            for entry in entries {
                match entry {
                    Ok(entry) => {
                        let path = entry.path();
                        if path
                            .extension()
                            .is_some_and(|extension| extension == "json")
                        {
                            files.push(path);
                        }
                    }
                    Err(error) => problems.push(
                        SpecError::in_file(
                            &operations_dir,
                            SpecErrorKind::Unreadable,
                            format!("cannot list the directory: {error}"),
                        )
                        .with_source(error),
                    ),
                }
            }
        }
        Err(error) => problems.push(
            SpecError::in_file(
                &operations_dir,
                SpecErrorKind::Unreadable,
                format!("cannot list the directory: {error}"),
            )
            .with_source(error),
        ),
    }
    // Directory order is the file system's; sorting makes the output and
    // the error list the same on every machine.
    files.sort();

    let mut operations = Vec::new();
    for file in files {
        match load_operation(&file) {
            Ok(spec) => operations.push(LoadedOperation { file, spec }),
            Err(errors) => problems.extend(errors.0),
        }
    }
    operations.sort_by(|left, right| left.spec.name.cmp(&right.spec.name));
    problems.extend(super::validate::validate_operation_set(&operations));
    if let Some(product) = &product {
        problems.extend(super::waiter::validate_retried_codes(product, &operations));
    }

    match product {
        Some(product) if problems.is_empty() => Ok(LoadedProduct {
            product,
            operations,
        }),
        _ => Err(SpecErrors(problems)),
    }
}
