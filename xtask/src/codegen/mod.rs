//! `cargo xtask codegen`: from the spec to the four generated crates.
//!
//! [`generate`] loads the spec ([`crate::spec`]), resolves every name and
//! type once ([`crate::resolve`]), then renders every generated file in
//! memory. Only when all of that succeeded does [`write()`] touch the disk
//! (or [`check`] compare with it), so a bad spec never leaves half-written
//! crates behind. Output is deterministic: files, operations and rows are
//! always visited in sorted or documentation order.
//!
//! The renderers are grouped by the crate they write ([`errors_crate`],
//! [`types_crate`], [`metadata_crate`], [`client_crate`], and [`manifest`]
//! for the four manifests' feature tables) and take the resolved model: they cannot
//! fail on a spec. Code that is the same for every spec is not rendered
//! but copied from [`inlineable`].

pub mod client_crate;
pub mod docs;
pub mod errors_crate;
pub mod inlineable;
pub mod manifest;
pub mod metadata_crate;
pub mod render;
pub mod types_crate;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use crate::resolve::{resolve, Operation, Product};
use crate::spec::{load_product, SpecErrors};
use render::{render_file, RenderError};

/// Where the generator reads and writes, relative to the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The product directory, holding `product.json` and `operations/`.
    pub product_dir: PathBuf,
    /// The `src` directory of the errors crate.
    pub errors_src: PathBuf,
    /// The `src` directory of the types crate.
    pub types_src: PathBuf,
    /// The `src` directory of the metadata crate.
    pub metadata_src: PathBuf,
    /// The `src` directory of the client crate.
    pub client_src: PathBuf,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            product_dir: PathBuf::from("spec/rds/2014-08-15"),
            errors_src: PathBuf::from("generated/aliyun-rds-errors/src"),
            types_src: PathBuf::from("generated/aliyun-rds-types/src"),
            metadata_src: PathBuf::from("generated/aliyun-rds-metadata/src"),
            client_src: PathBuf::from("generated/aliyun-rds/src"),
        }
    }
}

impl Layout {
    /// The directories whose whole contents are generated.
    pub fn generated_dirs(&self) -> [&Path; 4] {
        [
            &self.errors_src,
            &self.types_src,
            &self.metadata_src,
            &self.client_src,
        ]
    }
}

/// Why generation failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum CodegenError {
    /// The spec is invalid; every problem is listed.
    Spec(SpecErrors),
    /// The generator produced invalid Rust (a generator bug).
    Render(RenderError),
    /// A file could not be read, written or removed.
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl fmt::Display for CodegenError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodegenError::Spec(errors) => errors.fmt(formatter),
            CodegenError::Render(error) => error.fmt(formatter),
            CodegenError::Io { path, source } => {
                write!(formatter, "cannot access {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for CodegenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CodegenError::Spec(errors) => Some(errors),
            CodegenError::Render(error) => Some(error),
            CodegenError::Io { source, .. } => Some(source),
        }
    }
}

impl From<RenderError> for CodegenError {
    fn from(error: RenderError) -> Self {
        CodegenError::Render(error)
    }
}

/// Every generated file, by path relative to the workspace root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GeneratedFiles {
    /// File contents by relative path, sorted.
    pub files: BTreeMap<PathBuf, String>,
    /// The generated crates' `Cargo.toml` files, whose `[features]` table is
    /// generated and the rest kept as written by hand. Only manifests that
    /// exist are listed: the generator completes a crate, it does not create
    /// one.
    pub manifests: BTreeMap<PathBuf, String>,
}

/// How a file on disk differs from what the generator would write.
// Deliberately exhaustive: a file is stale, missing or extra, and callers
// report each case differently.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Difference {
    /// The file exists with other contents.
    Stale(PathBuf),
    /// The file does not exist.
    Missing(PathBuf),
    /// The file exists in a generated directory but the generator would not
    /// write it.
    Extra(PathBuf),
}

impl fmt::Display for Difference {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Stale(path) => write!(
                formatter,
                "stale: {} differs from the generator's output",
                path.display()
            ),
            Difference::Missing(path) => {
                write!(formatter, "missing: {} is not on disk", path.display())
            }
            Difference::Extra(path) => write!(
                formatter,
                "extra: {} is not generated and must be removed",
                path.display()
            ),
        }
    }
}

/// Makes the file names in spec errors relative to the workspace root, so
/// messages read `spec/rds/...` wherever the workspace lives.
fn relative_errors(root: &Path, errors: SpecErrors) -> SpecErrors {
    SpecErrors(
        errors
            .0
            .into_iter()
            .map(|mut error| {
                if let Ok(relative) = error.file.strip_prefix(root) {
                    error.file = relative.to_path_buf();
                }
                error
            })
            .collect(),
    )
}

/// Loads the spec under `root`, resolves it and renders every generated
/// file in memory.
///
/// # Errors
///
/// [`CodegenError::Spec`] lists every problem of the spec.
pub fn generate(root: &Path, layout: &Layout) -> Result<GeneratedFiles, CodegenError> {
    let loaded = load_product(&root.join(&layout.product_dir))
        .map_err(|errors| CodegenError::Spec(relative_errors(root, errors)))?;
    let product_file = layout.product_dir.join(crate::spec::load::PRODUCT_FILE);
    let product = resolve(&loaded, &product_file)
        .map_err(|errors| CodegenError::Spec(relative_errors(root, errors)))?;
    let mut generated = render_all(&product, layout)?;
    let crates = [
        (&layout.errors_src, manifest::GeneratedCrate::Errors),
        (&layout.types_src, manifest::GeneratedCrate::Types),
        (&layout.metadata_src, manifest::GeneratedCrate::Metadata),
        (&layout.client_src, manifest::GeneratedCrate::Client),
    ];
    for (src, krate) in crates {
        let Some(crate_dir) = src.parent() else {
            continue;
        };
        let path = crate_dir.join("Cargo.toml");
        match std::fs::read_to_string(root.join(&path)) {
            Ok(existing) => {
                let text = manifest::manifest(&existing, &product, krate);
                generated.manifests.insert(path, text);
            }
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(CodegenError::Io {
                    path: root.join(path),
                    source,
                })
            }
        }
    }
    Ok(generated)
}

/// Renders every file of the four crates: the crate-level files here, the
/// operations' files spread over the machine's cores.
fn render_all(product: &Product<'_>, layout: &Layout) -> Result<GeneratedFiles, CodegenError> {
    let errors_src = &layout.errors_src;
    let types_src = &layout.types_src;
    let client_src = &layout.client_src;
    let crate_files = [
        (errors_src.join("lib.rs"), errors_crate::lib_rs(product)),
        (
            errors_src.join("gateway.rs"),
            errors_crate::gateway::gateway_rs(product),
        ),
        (errors_src.join("table.rs"), errors_crate::table_rs(product)),
        (types_src.join("lib.rs"), types_crate::lib_rs(product)),
        (
            layout.metadata_src.join("lib.rs"),
            metadata_crate::lib_rs(product),
        ),
        (client_src.join("lib.rs"), client_crate::lib_rs(product)),
        (
            client_src.join("client.rs"),
            client_crate::client_rs(product),
        ),
        (
            client_src.join("error.rs"),
            client_crate::error::error_rs(product),
        ),
        (
            client_src.join("metadata.rs"),
            client_crate::metadata::metadata_rs(product),
        ),
        (
            client_src.join("operation/mod.rs"),
            client_crate::operation_mod_rs(product),
        ),
    ];
    let common_file = product.common_errors.as_ref().map(|common| {
        (
            errors_src.join("common.rs"),
            errors_crate::common::common_rs(common),
        )
    });
    let mut generated = GeneratedFiles::default();
    for (path, tokens) in crate_files.into_iter().chain(common_file) {
        let text = render_file(&path.display().to_string(), tokens)?;
        generated.files.insert(path, text);
    }
    let links = DocLinks {
        client: docs::OperationLinks::to_client_methods(product),
        types: docs::OperationLinks::to_type_modules(product),
    };
    for (path, text) in render_operations(product, &links, layout)? {
        generated.files.insert(path, text);
    }
    let copied = inlineable::ERRORS_ROWS;
    generated.files.insert(
        errors_src.join(copied.name),
        format!("{}\n{}", render::copied_header(copied.source), copied.text),
    );
    Ok(generated)
}

/// Where the operation names in each crate's docs link to.
struct DocLinks {
    /// In `aliyun-rds`: the client methods.
    client: docs::OperationLinks,
    /// In `aliyun-rds-types`: the operations' modules.
    types: docs::OperationLinks,
}

/// The four files of one operation: its error module, its types, its
/// metadata and its client module.
fn operation_files(
    operation: &Operation<'_>,
    links: &DocLinks,
    layout: &Layout,
) -> Result<Vec<(PathBuf, String)>, RenderError> {
    let module = &operation.names.snake_case;
    let files = [
        (
            layout.errors_src.join(format!("{module}.rs")),
            errors_crate::operation::operation_rs(operation),
        ),
        (
            layout.types_src.join(format!("{module}.rs")),
            types_crate::operation_rs(operation, &links.types),
        ),
        (
            layout.metadata_src.join(format!("{module}.rs")),
            metadata_crate::operation_rs(operation),
        ),
        (
            layout.client_src.join(format!("operation/{module}.rs")),
            client_crate::operation::operation_rs(operation, &links.client),
        ),
    ];
    files
        .into_iter()
        .map(|(path, tokens)| {
            let text = render_file(&path.display().to_string(), tokens)?;
            Ok((path, text))
        })
        .collect()
}

/// Renders every operation's files, spread over the machine's cores:
/// operations are independent, and formatting hundreds of modules is the
/// generator's main cost. The resolved model is plain data, so every
/// worker reads the one model resolved before rendering and renders every
/// n-th operation.
fn render_operations(
    product: &Product<'_>,
    links: &DocLinks,
    layout: &Layout,
) -> Result<Vec<(PathBuf, String)>, CodegenError> {
    let operations = &product.operations;
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZeroUsize::get)
        .clamp(1, 8)
        .min(operations.len().max(1));
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|worker| {
                scope.spawn(move || -> Result<Vec<(PathBuf, String)>, RenderError> {
                    let mut files = Vec::new();
                    for operation in operations.iter().skip(worker).step_by(workers) {
                        files.extend(operation_files(operation, links, layout)?);
                    }
                    Ok(files)
                })
            })
            .collect();
        let mut files = Vec::new();
        for handle in handles {
            // A worker only panics on a generator bug; re-raising it on
            // this thread keeps the original message.
            let rendered = handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
            files.extend(rendered);
        }
        Ok(files)
    })
}

/// Every file below `directory`, relative to `root`, sorted.
fn files_below(root: &Path, directory: &Path) -> Result<BTreeSet<PathBuf>, CodegenError> {
    let mut found = BTreeSet::new();
    let mut pending = vec![root.join(directory)];
    while let Some(current) = pending.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => {
                return Err(CodegenError::Io {
                    path: current,
                    source,
                })
            }
        };
        for entry in entries {
            let entry = entry.map_err(|source| CodegenError::Io {
                path: current.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(relative) = path.strip_prefix(root) {
                found.insert(relative.to_path_buf());
            }
        }
    }
    Ok(found)
}

/// Compares the generated files with the disk under `root`: every stale,
/// missing or extra file, sorted. Nothing is written.
pub fn check(
    root: &Path,
    layout: &Layout,
    generated: &GeneratedFiles,
) -> Result<Vec<Difference>, CodegenError> {
    let mut differences = Vec::new();
    for (path, text) in generated.files.iter().chain(&generated.manifests) {
        match std::fs::read_to_string(root.join(path)) {
            Ok(existing) if existing == *text => {}
            Ok(_) => differences.push(Difference::Stale(path.clone())),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                differences.push(Difference::Missing(path.clone()));
            }
            Err(source) => {
                return Err(CodegenError::Io {
                    path: root.join(path),
                    source,
                })
            }
        }
    }
    for directory in layout.generated_dirs() {
        for path in files_below(root, directory)? {
            if !generated.files.contains_key(&path) {
                differences.push(Difference::Extra(path));
            }
        }
    }
    differences.sort();
    Ok(differences)
}

/// Brings the disk under `root` in line with the generated files: writes
/// what differs and removes extra files. Returns what was changed.
pub fn write(
    root: &Path,
    layout: &Layout,
    generated: &GeneratedFiles,
) -> Result<Vec<Difference>, CodegenError> {
    let differences = check(root, layout, generated)?;
    for difference in &differences {
        match difference {
            Difference::Stale(path) | Difference::Missing(path) => {
                let full = root.join(path);
                if let Some(parent) = full.parent() {
                    std::fs::create_dir_all(parent).map_err(|source| CodegenError::Io {
                        path: parent.to_path_buf(),
                        source,
                    })?;
                }
                let text = generated
                    .files
                    .get(path)
                    .or_else(|| generated.manifests.get(path))
                    .map(String::as_str)
                    .unwrap_or_default();
                std::fs::write(&full, text)
                    .map_err(|source| CodegenError::Io { path: full, source })?;
            }
            Difference::Extra(path) => {
                let full = root.join(path);
                std::fs::remove_file(&full)
                    .map_err(|source| CodegenError::Io { path: full, source })?;
            }
        }
    }
    Ok(differences)
}

/// What [`run`] does with the generated files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write what differs and remove extra files.
    Write,
    /// Write nothing; only report differences.
    Check,
}

/// Generates from the spec under `root` and writes or checks the result.
/// Returns the differences found (in [`Mode::Write`], the files changed).
///
/// # Errors
///
/// Any [`CodegenError`]; when the spec is invalid nothing is written.
pub fn run(root: &Path, layout: &Layout, mode: Mode) -> Result<Vec<Difference>, CodegenError> {
    let generated = generate(root, layout)?;
    match mode {
        Mode::Write => write(root, layout, &generated),
        Mode::Check => check(root, layout, &generated),
    }
}
