//! `cargo xtask import`: turns Alibaba Cloud's metadata into spec files,
//! and reports what changed.
//!
//! ```text
//! cargo xtask import [--api-docs FILE] [--sdk-metadata FILE] (--operation NAME)... [--dry-run] [--spec-dir DIR]
//! cargo xtask import [--api-docs FILE] [--sdk-metadata FILE] --all [--dry-run] [--spec-dir DIR]
//! ```
//!
//! Two sources ([`sources`]): the OpenAPI Explorer `api-docs` document and
//! the metadata of Alibaba's official SDKs (`spec/rds/2014-08-15/sdk-metadata.json`).
//! Without `--api-docs` or `--sdk-metadata`, both checked-in documents are
//! read; naming one reads that one alone. api-docs is authoritative for
//! the operations it describes; the others are imported from the SDK
//! metadata, with `"source": "sdkMetadata"`.
//!
//! The pipeline, one module per step:
//!
//! 1. [`sources`] reads the documents (both in the shape [`api_docs`]
//!    models);
//! 2. [`convert`] maps each selected operation to the spec model of
//!    [`crate::spec`] (the mapping of every metadata shape is documented
//!    there), from the source that speaks for it;
//! 3. [`merge`] keeps what an existing spec file knows and the metadata
//!    lacks (error descriptions, `documentation`, `engines`, `rustName`s);
//! 4. [`sdk_only`] completes an operation only the SDK metadata describes
//!    (a summary, the errors common to every operation, a synthesized
//!    sample response);
//! 5. [`pagination`] proposes a `pagination` block for each paged
//!    operation whose file has none;
//! 6. [`report`] compares the result with the existing file and prints the
//!    change report, each change marked BREAKING, additive or changed, and
//!    [`disagreements`] names where the SDK metadata disagrees with
//!    api-docs on an operation both describe;
//! 7. the spec module's validation (the one `cargo xtask codegen` runs)
//!    checks every converted spec; only if all pass are the files written,
//!    pretty-printed the way the repository stores them.
//!
//! `--dry-run` stops after the report. Files of operations no source read
//! lists any more are reported (with `--all`) but never deleted.

pub mod api_docs;
pub mod convert;
pub mod disagreements;
pub mod error;
pub mod error_rows;
pub mod example;
pub mod groups;
pub mod merge;
pub mod naming;
pub mod pagination;
pub mod report;
pub mod sdk_only;
pub mod sources;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::spec::load::{LoadedOperation, OPERATIONS_DIR, PRODUCT_FILE};
use crate::spec::{ErrorRow, OperationSource, OperationSpec, ProductSpec, SpecErrors};
use sources::{Source, Sources};

pub use error::ImportError;
pub use report::{Change, Impact, OperationReport, OperationStatus};

/// The command line of `cargo xtask import`.
#[derive(Debug, Clone, clap::Args)]
#[command(group(clap::ArgGroup::new("selection").required(true).args(["operations", "all"])))]
pub struct ImportArgs {
    /// The OpenAPI Explorer api-docs JSON document to import from
    /// [default, when neither source is given: the checked-in copy,
    /// xtask/fixtures/import/Rds-2014-08-15.api-docs.en-US.json].
    #[arg(long, value_name = "FILE")]
    pub api_docs: Option<PathBuf>,

    /// The official SDKs' metadata to import from [default, when neither
    /// source is given: spec/rds/2014-08-15/sdk-metadata.json].
    #[arg(long, value_name = "FILE")]
    pub sdk_metadata: Option<PathBuf>,

    /// An operation (action name) to import; repeat for several.
    #[arg(long = "operation", value_name = "NAME")]
    pub operations: Vec<String>,

    /// Import every operation of the sources.
    #[arg(long)]
    pub all: bool,

    /// Print the change report without writing any file.
    #[arg(long)]
    pub dry_run: bool,

    /// The product directory holding `product.json` and `operations/`
    /// [default: spec/rds/2014-08-15 in the workspace].
    #[arg(long, value_name = "DIR")]
    pub spec_dir: Option<PathBuf>,
}

/// The product directory the importer writes to when `--spec-dir` is not
/// given, relative to the workspace root.
pub const DEFAULT_SPEC_DIR: &str = "spec/rds/2014-08-15";

impl ImportArgs {
    /// The product directory: `--spec-dir` as given (relative to the current
    /// directory, like any path on a command line), else the default below
    /// the workspace root, so that `cargo xtask import` works from any
    /// directory of the workspace.
    pub fn spec_dir(&self) -> PathBuf {
        match &self.spec_dir {
            Some(directory) => directory.clone(),
            None => crate::workspace_root().join(DEFAULT_SPEC_DIR),
        }
    }

    /// The documents to read: those named, or both checked-in ones when
    /// neither is named.
    pub fn source_files(&self) -> (Option<PathBuf>, Option<PathBuf>) {
        if self.api_docs.is_none() && self.sdk_metadata.is_none() {
            let root = crate::workspace_root();
            (
                Some(root.join(sources::DEFAULT_API_DOCS)),
                Some(root.join(sources::DEFAULT_SDK_METADATA)),
            )
        } else {
            (self.api_docs.clone(), self.sdk_metadata.clone())
        }
    }
}

/// What an import did, for callers that want more than the printed report.
#[derive(Debug)]
pub struct ImportOutcome {
    /// One report per imported operation, in document order, then one per
    /// spec file whose operation the metadata no longer lists.
    pub reports: Vec<OperationReport>,
    /// The files written (empty on a dry run or when nothing changed).
    pub written: Vec<PathBuf>,
    /// The `pagination` blocks proposed for files that had none, and the
    /// paged-looking operations left without one, in document order.
    pub pagination: Vec<(String, pagination::Proposal)>,
}

/// Runs the command, printing the report on standard output.
pub fn run(args: ImportArgs) -> Result<(), Box<dyn std::error::Error>> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    import(&args, &mut out)?;
    Ok(())
}

/// One operation on its way from the metadata to its file.
struct Imported {
    origin: OperationSource,
    file: PathBuf,
    spec: OperationSpec,
    text: String,
    existing_text: Option<String>,
}

/// Imports as `args` asks, writing the change report to `out`.
pub fn import(args: &ImportArgs, out: &mut dyn Write) -> Result<ImportOutcome, ImportError> {
    let (api_docs_file, sdk_file) = args.source_files();
    let sources = Sources {
        api_docs: api_docs_file
            .map(|file| Source::read(OperationSource::ApiDocs, &file))
            .transpose()?,
        sdk_metadata: sdk_file
            .map(|file| Source::read(OperationSource::SdkMetadata, &file))
            .transpose()?,
    };
    for source in sources.read() {
        check_product(args, source)?;
    }
    let selected = select_operations(args, &sources)?;
    let common_errors = sources
        .api_docs
        .as_ref()
        .map(|source| sdk_only::common_error_rows(&source.document));

    let operations_dir = args.spec_dir().join(OPERATIONS_DIR);
    let mut imported = Vec::with_capacity(selected.len());
    let mut reports = Vec::with_capacity(selected.len());
    let mut proposals = Vec::new();
    for (name, entries) in selected {
        let file = operations_dir.join(format!("{name}.json"));
        let existing_text = read_optional_text(&file)?;
        let existing: Option<OperationSpec> = existing_text
            .as_deref()
            .map(|text| error::parse_json(text, &file))
            .transpose()?;
        let (primary, api) = entries.primary;
        let origin = primary.origin;
        let mut spec = convert::convert_operation(&primary.path, name, api)?;
        spec.source = Some(origin);
        if origin == OperationSource::SdkMetadata {
            spec.errors = sdk_only_errors(common_errors.as_deref(), existing.as_ref());
        }
        if let Some(existing) = &existing {
            merge::merge_existing(&mut spec, existing);
        }
        if origin == OperationSource::SdkMetadata {
            sdk_only::complete(&mut spec);
        }
        merge::fill_required_texts(&mut spec);
        // A block already in the file (kept by the merge) may have been
        // written by hand; only operations without one get a proposal.
        if spec.pagination.is_none() {
            match pagination::propose(&spec) {
                pagination::Proposal::NotPaged => {}
                pagination::Proposal::Block(block, how) => {
                    spec.pagination = Some(block.clone());
                    proposals.push((name.to_owned(), pagination::Proposal::Block(block, how)));
                }
                undecided @ pagination::Proposal::Undecided(_) => {
                    proposals.push((name.to_owned(), undecided));
                }
            }
        }
        let reconciled = example::reconcile(&mut spec);
        let settled = naming::settle_error_variant_names(&mut spec);
        let mut operation_report = report::compare_operation(existing.as_ref(), &spec);
        operation_report.note_settled_names(&settled);
        operation_report.note_reconciled(&reconciled);
        operation_report.note_source(existing.as_ref().and_then(|old| old.source), origin);
        if let Some((secondary, other_api)) = entries.secondary {
            let other = convert::convert_operation(&secondary.path, name, other_api)?;
            operation_report.disagreements = disagreements::compare(&spec, &other);
        }
        reports.push(operation_report);
        let text = render_operation(&spec, &file)?;
        imported.push(Imported {
            origin,
            file,
            spec,
            text,
            existing_text,
        });
    }
    let others = load_other_operations(&operations_dir, &imported)?;
    if args.all {
        // A file is gone from the metadata only if the source it came from
        // was read: importing from one source says nothing of the other's.
        reports.extend(
            others
                .iter()
                .filter(|other| {
                    sources.reads(other.spec.source.unwrap_or(OperationSource::ApiDocs))
                })
                .map(|other| OperationReport::removed(&other.spec.name)),
        );
    }

    let product = updated_product(args, &sources, &imported, &others)?;

    print_report(out, &reports, &imported, &proposals, args.dry_run).map_err(|source| {
        ImportError::Io {
            path: PathBuf::from("<standard output>"),
            action: "print the change report",
            source,
        }
    })?;
    if let Some(product) = &product {
        if product.changed_groups > 0 {
            writeln!(
                out,
                "feature groups: {} of {} derived from the documentation's sections and the operations' families changed",
                product.changed_groups, product.derived_groups
            )
            .map_err(|source| ImportError::Io {
                path: PathBuf::from("<standard output>"),
                action: "print the change report",
                source,
            })?;
        }
    }
    validate(
        product
            .as_ref()
            .map(|product| (&product.file, &product.spec)),
        &imported,
        others,
    )?;
    if args.dry_run {
        return Ok(ImportOutcome {
            reports,
            written: Vec::new(),
            pagination: proposals,
        });
    }
    let mut written = write_files(&operations_dir, &imported)?;
    if let Some(product) = product.filter(|product| product.existing_text != product.text) {
        std::fs::write(&product.file, &product.text).map_err(|source| ImportError::Io {
            path: product.file.clone(),
            action: "write the product file",
            source,
        })?;
        written.push(product.file);
    }
    writeln!(
        out,
        "wrote {} file(s) under {}",
        written.len(),
        operations_dir.display()
    )
    .map_err(|source| ImportError::Io {
        path: PathBuf::from("<standard output>"),
        action: "print the summary",
        source,
    })?;
    Ok(ImportOutcome {
        reports,
        written,
        pagination: proposals,
    })
}

/// Renders a spec file the way the repository stores them: two-space
/// indentation, keys in model order, and a trailing newline.
pub fn render_operation(spec: &OperationSpec, file: &Path) -> Result<String, ImportError> {
    let mut text = serde_json::to_string_pretty(spec).map_err(|source| ImportError::Parse {
        path: file.to_path_buf(),
        json_path: String::new(),
        source,
    })?;
    text.push('\n');
    Ok(text)
}

fn read_text(path: &Path) -> Result<String, ImportError> {
    std::fs::read_to_string(path).map_err(|source| ImportError::Io {
        path: path.to_path_buf(),
        action: "read the file",
        source,
    })
}

fn read_optional_text(path: &Path) -> Result<Option<String>, ImportError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(ImportError::Io {
            path: path.to_path_buf(),
            action: "read the existing spec file",
            source,
        }),
    }
}

/// Refuses a document of another product, version or API style than the
/// spec directory's `product.json` (when there is one): importing the wrong
/// version would silently rewrite every operation.
fn check_product(args: &ImportArgs, source: &Source) -> Result<(), ImportError> {
    let Some(info) = &source.document.info else {
        return Ok(());
    };
    let mismatch = |key: &str, message: String| ImportError::Unsupported {
        path: source.path.clone(),
        operation: "(all)".to_string(),
        json_path: error::json_pointer(["info", key]),
        message,
    };
    if let Some(style) = info.style.as_deref().filter(|style| *style != "RPC") {
        return Err(mismatch(
            "style",
            format!("API style \"{style}\"; only RPC is supported"),
        ));
    }
    let product_file = args.spec_dir().join(PRODUCT_FILE);
    let Some(product_text) = read_optional_text(&product_file)? else {
        return Ok(());
    };
    let product: ProductSpec = error::parse_json(&product_text, &product_file)?;
    if let Some(version) = info.version.as_deref().filter(|v| *v != product.version) {
        return Err(mismatch(
            "version",
            format!(
                "the document describes version {version}, but {} is version {}",
                product_file.display(),
                product.version
            ),
        ));
    }
    if let Some(code) = info
        .product
        .as_deref()
        .filter(|code| !code.eq_ignore_ascii_case(&product.code))
    {
        return Err(mismatch(
            "product",
            format!(
                "the document describes product {code}, but {} is product {}",
                product_file.display(),
                product.code
            ),
        ));
    }
    Ok(())
}

/// The operations to import, each named once, with their entries: with
/// `--all`, api-docs' in document order then the SDK metadata's others;
/// else in the order of the command line.
fn select_operations<'a>(
    args: &'a ImportArgs,
    sources: &'a Sources,
) -> Result<Vec<(&'a str, sources::Entries<'a>)>, ImportError> {
    let names: Vec<&str> = if args.all {
        sources.all_names()
    } else {
        let mut seen = BTreeSet::new();
        args.operations
            .iter()
            .map(String::as_str)
            .filter(|name| seen.insert(*name))
            .collect()
    };
    names
        .into_iter()
        .map(|name| {
            let entries = sources
                .entries(name)
                .ok_or_else(|| ImportError::UnknownOperation {
                    paths: sources.paths(),
                    operation: name.to_owned(),
                    available: sources.all_names().len(),
                })?;
            Ok((name, entries))
        })
        .collect()
}

/// The error rows of an operation only the SDK metadata describes: the
/// rows common to api-docs' operations when api-docs is read, else those of
/// the existing file (an import from the SDK metadata alone cannot tell
/// which rows are common).
fn sdk_only_errors(common: Option<&[ErrorRow]>, existing: Option<&OperationSpec>) -> Vec<ErrorRow> {
    match (common, existing) {
        (Some(common), _) => common.to_vec(),
        (None, Some(existing)) => existing.errors.clone(),
        (None, None) => Vec::new(),
    }
}

/// The spec files of `operations_dir` that this import does not rewrite:
/// they take part in the checks across operations (two actions must not
/// derive one Rust name), and with `--all` they are the removed operations.
fn load_other_operations(
    operations_dir: &Path,
    imported: &[Imported],
) -> Result<Vec<LoadedOperation>, ImportError> {
    let entries = match std::fs::read_dir(operations_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(ImportError::Io {
                path: operations_dir.to_path_buf(),
                action: "list the directory",
                source,
            })
        }
    };
    let imported_files: BTreeSet<&Path> = imported.iter().map(|item| item.file.as_path()).collect();
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| ImportError::Io {
            path: operations_dir.to_path_buf(),
            action: "list the directory",
            source,
        })?;
        let file = entry.path();
        let is_json = file
            .extension()
            .is_some_and(|extension| extension == "json");
        if is_json && !imported_files.contains(file.as_path()) {
            files.push(file);
        }
    }
    // Directory order is the file system's; sorting keeps the report stable.
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let spec = error::parse_json(&read_text(&file)?, &file)?;
            Ok(LoadedOperation { file, spec })
        })
        .collect()
}

fn print_report(
    out: &mut dyn Write,
    reports: &[OperationReport],
    imported: &[Imported],
    proposals: &[(String, pagination::Proposal)],
    dry_run: bool,
) -> std::io::Result<()> {
    for report in reports {
        write!(out, "{report}")?;
    }
    let proposed = proposals
        .iter()
        .filter(|(_, proposal)| matches!(proposal, pagination::Proposal::Block(..)))
        .count();
    if !proposals.is_empty() {
        writeln!(
            out,
            "pagination: {proposed} block(s) proposed, {} operation(s) undecided (a block already in a spec file is kept):",
            proposals.len() - proposed
        )?;
    }
    for (operation, proposal) in proposals {
        match proposal {
            pagination::Proposal::Block(_, how) => writeln!(out, "  proposed  {operation}: {how}")?,
            pagination::Proposal::Undecided(why) => {
                writeln!(out, "  undecided {operation}: no block written; {why}")?;
            }
            pagination::Proposal::NotPaged => {}
        }
    }
    let count = |status: OperationStatus| {
        reports
            .iter()
            .filter(|report| report.status == status)
            .count()
    };
    let from = |origin: OperationSource| imported.iter().filter(move |item| item.origin == origin);
    let new_from = |origin: OperationSource| {
        from(origin)
            .filter(|item| item.existing_text.is_none())
            .count()
    };
    let breaking: usize = reports.iter().map(OperationReport::breaking_count).sum();
    let disagreements: usize = reports
        .iter()
        .map(|report| report.disagreements.len())
        .sum();
    let disagreeing = reports
        .iter()
        .filter(|report| !report.disagreements.is_empty())
        .count();
    writeln!(
        out,
        "sources: {} operation(s) from api-docs ({} new), {} from the SDK metadata ({} new); \
         {disagreements} disagreement(s) of the SDK metadata with api-docs on {disagreeing} operation(s)",
        from(OperationSource::ApiDocs).count(),
        new_from(OperationSource::ApiDocs),
        from(OperationSource::SdkMetadata).count(),
        new_from(OperationSource::SdkMetadata),
    )?;
    writeln!(
        out,
        "{} operation(s): {} new, {} updated, {} unchanged, {} removed; {breaking} BREAKING change(s){}",
        reports.len(),
        count(OperationStatus::New),
        count(OperationStatus::Updated),
        count(OperationStatus::Unchanged),
        count(OperationStatus::Removed),
        if dry_run { " (dry run: nothing written)" } else { "" }
    )
}

/// Runs the spec module's checks on every converted spec, the checks
/// across operations on them together with the other files of the
/// directory, and, when the directory has its `product.json` (as it will be
/// written), the name resolution the generator will run: what the importer
/// writes, the generator accepts.
fn validate(
    product: Option<(&PathBuf, &ProductSpec)>,
    imported: &[Imported],
    others: Vec<LoadedOperation>,
) -> Result<(), ImportError> {
    let mut problems = Vec::new();
    for item in imported {
        problems.extend(crate::spec::validate_operation(&item.file, &item.spec));
    }
    let mut all = others;
    all.extend(imported.iter().map(|item| LoadedOperation {
        file: item.file.clone(),
        spec: item.spec.clone(),
    }));
    all.sort_by(|left, right| left.spec.name.cmp(&right.spec.name));
    problems.extend(crate::spec::validate::validate_operation_set(&all));
    if let (true, Some((product_file, product))) = (problems.is_empty(), product) {
        let loaded = crate::spec::LoadedProduct {
            product: product.clone(),
            operations: all,
        };
        if let Err(errors) = crate::resolve::resolve(&loaded, product_file) {
            problems.extend(errors.0);
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ImportError::Invalid {
            problems: SpecErrors(problems),
        })
    }
}

/// `product.json` as the import leaves it.
struct ProductUpdate {
    file: PathBuf,
    spec: ProductSpec,
    text: String,
    existing_text: String,
    /// How many groups the documentation's sections define.
    derived_groups: usize,
    /// How many of them are new or list other operations than before.
    changed_groups: usize,
}

/// The product file with its feature groups brought in line with the
/// documentation's sections, when importing everything (`--all`); with a
/// selection of operations the groups are left as they are. `None` when the
/// directory has no `product.json`.
fn updated_product(
    args: &ImportArgs,
    sources: &Sources,
    imported: &[Imported],
    others: &[LoadedOperation],
) -> Result<Option<ProductUpdate>, ImportError> {
    let file = args.spec_dir().join(PRODUCT_FILE);
    let Some(existing_text) = read_optional_text(&file)? else {
        return Ok(None);
    };
    let mut spec: ProductSpec = error::parse_json(&existing_text, &file)?;
    let (mut derived_groups, mut changed_groups) = (0, 0);
    if args.all {
        let specs = || {
            imported
                .iter()
                .map(|item| &item.spec)
                .chain(others.iter().map(|other| &other.spec))
        };
        let known = |name: &str| specs().any(|spec| spec.name == name);
        let sections = sources
            .api_docs
            .as_ref()
            .map_or(&[][..], |source| source.document.directories.as_slice());
        let mut derived = groups::derive_groups(sections, &known);
        let sdk_only: Vec<&str> = specs()
            .filter(|spec| spec.is_sdk_only())
            .map(|spec| spec.name.as_str())
            .collect();
        let all: Vec<&str> = specs().map(|spec| spec.name.as_str()).collect();
        groups::add_families(&mut derived, &all, &sdk_only);
        derived_groups = derived.len();
        changed_groups = derived
            .iter()
            .filter(|group| !spec.feature_groups.contains(group))
            .count();
        spec.feature_groups = groups::merge_groups(&spec.feature_groups, derived);
    }
    let mut text = serde_json::to_string_pretty(&spec).map_err(|source| ImportError::Parse {
        path: file.clone(),
        json_path: String::new(),
        source,
    })?;
    text.push('\n');
    Ok(Some(ProductUpdate {
        file,
        spec,
        text,
        existing_text,
        derived_groups,
        changed_groups,
    }))
}

/// Writes the files whose text changed; an unchanged file keeps its
/// modification time, so tools watching the tree see only real changes.
fn write_files(operations_dir: &Path, imported: &[Imported]) -> Result<Vec<PathBuf>, ImportError> {
    std::fs::create_dir_all(operations_dir).map_err(|source| ImportError::Io {
        path: operations_dir.to_path_buf(),
        action: "create the directory",
        source,
    })?;
    let mut written = Vec::new();
    for item in imported {
        if item.existing_text.as_deref() == Some(item.text.as_str()) {
            continue;
        }
        std::fs::write(&item.file, &item.text).map_err(|source| ImportError::Io {
            path: item.file.clone(),
            action: "write the spec file",
            source,
        })?;
        written.push(item.file.clone());
    }
    Ok(written)
}

#[cfg(test)]
mod tests;
