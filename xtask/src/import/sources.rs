//! The importer's two metadata sources, and which one speaks for an
//! operation.
//!
//! - **api-docs**: Alibaba's OpenAPI Explorer document, one entry per
//!   operation that has a reference page, with summaries, examples and the
//!   error table. Where it describes an operation it is authoritative.
//! - **the SDK metadata** (`spec/rds/2014-08-15/sdk-metadata.json`): the
//!   operations, parameters and models of Alibaba's official Python SDK,
//!   extracted from the published package by
//!   `tests/conformance/sdk_metadata.py` into the same shape. It describes
//!   every operation the SDKs ship, including those without a reference
//!   page, but has no summaries, examples or error tables.
//!
//! Both documents are read by [`super::api_docs`]; an operation is
//! converted from api-docs when api-docs has it, else from the SDK
//! metadata, and the other source (when it has the operation too) is only
//! compared with it ([`super::disagreements`]).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::api_docs::{Api, ApiDocs};
use super::error::{self, ImportError};
use crate::spec::OperationSource;

/// The api-docs document `cargo xtask import` reads when no source is
/// named, relative to the workspace root.
pub const DEFAULT_API_DOCS: &str = "xtask/fixtures/import/Rds-2014-08-15.api-docs.en-US.json";

/// The SDK metadata `cargo xtask import` reads when no source is named,
/// relative to the workspace root.
pub const DEFAULT_SDK_METADATA: &str = "spec/rds/2014-08-15/sdk-metadata.json";

/// Parameters the official SDKs' request models carry on (nearly) every
/// operation and that no reference page documents: the account fields the
/// gateway fills in for the caller, and a business parameter named like the
/// STS token, which the signer sends itself. They are not imported from the
/// SDK metadata, nor counted as disagreements with api-docs, which never
/// lists them.
pub const RESERVED_SDK_PARAMETERS: &[&str] = &[
    "OwnerAccount",
    "OwnerId",
    "ResourceOwnerAccount",
    "ResourceOwnerId",
    "SecurityToken",
];

/// One metadata document, read.
#[derive(Debug)]
pub struct Source {
    /// Which kind of metadata it is.
    pub origin: OperationSource,
    /// The file it was read from.
    pub path: PathBuf,
    /// Its contents.
    pub document: ApiDocs,
}

impl Source {
    /// Reads the document at `path`.
    pub fn read(origin: OperationSource, path: &Path) -> Result<Source, ImportError> {
        let text = std::fs::read_to_string(path).map_err(|source| ImportError::Io {
            path: path.to_path_buf(),
            action: "read the file",
            source,
        })?;
        let mut document: ApiDocs = error::parse_json(&text, path)?;
        if origin == OperationSource::SdkMetadata {
            for (_, api) in &mut document.apis.0 {
                api.parameters.retain(|parameter| {
                    !RESERVED_SDK_PARAMETERS.contains(&parameter.name.as_str())
                });
            }
        }
        Ok(Source {
            origin,
            path: path.to_path_buf(),
            document,
        })
    }

    /// The entry of an operation, if the document has it.
    pub fn api(&self, name: &str) -> Option<&Api> {
        self.document.apis.get(name)
    }

    /// What the report calls the source.
    pub fn label(&self) -> &'static str {
        label(self.origin)
    }
}

/// What the report calls a source.
pub fn label(origin: OperationSource) -> &'static str {
    match origin {
        OperationSource::ApiDocs => "api-docs",
        OperationSource::SdkMetadata => "the SDK metadata",
    }
}

/// The sources an import reads: one of them, or both.
#[derive(Debug)]
pub struct Sources {
    /// The api-docs document, when read.
    pub api_docs: Option<Source>,
    /// The SDK metadata, when read.
    pub sdk_metadata: Option<Source>,
}

/// An operation's entry in the source that speaks for it, and its entry
/// in the other source, if that one has it too.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'a> {
    /// The authoritative source: api-docs when it has the operation.
    pub primary: (&'a Source, &'a Api),
    /// The SDK metadata's entry when api-docs is the primary.
    pub secondary: Option<(&'a Source, &'a Api)>,
}

impl Sources {
    /// The sources that were read, api-docs first.
    pub fn read(&self) -> impl Iterator<Item = &Source> {
        self.api_docs.iter().chain(self.sdk_metadata.iter())
    }

    /// Whether the import reads the metadata of this kind.
    pub fn reads(&self, origin: OperationSource) -> bool {
        self.read().any(|source| source.origin == origin)
    }

    /// The entries of the operation `name`, or `None` when no source has it.
    pub fn entries(&self, name: &str) -> Option<Entries<'_>> {
        let mut found = self
            .read()
            .filter_map(|source| source.api(name).map(|api| (source, api)));
        let primary = found.next()?;
        Some(Entries {
            primary,
            secondary: found.next(),
        })
    }

    /// Every operation of the sources, each once: api-docs' in document
    /// order, then the SDK metadata's that api-docs lacks, in its order.
    pub fn all_names(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.read()
            .flat_map(|source| source.document.apis.iter().map(|(name, _)| name))
            .filter(|name| seen.insert(*name))
            .collect()
    }

    /// The files read, for messages.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.read().map(|source| source.path.clone()).collect()
    }
}
