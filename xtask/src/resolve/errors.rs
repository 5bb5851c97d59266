//! The variants of the generated error enums, and each operation's error
//! table.
//!
//! Rows are grouped by exact code (rows sharing a code share a variant) and
//! each group's variant is named by the rules of `spec/README.md`: the
//! code's segments joined, the `LowerCase` suffix for the code whose
//! segments are not all capitalised when two codes collide, or the row's
//! `rustName`.

use std::collections::BTreeMap;
use std::path::Path;

use super::error_rows::ErrorRowTable;
use super::ident::RustIdent;
use crate::spec::{
    naming, ErrorRow, GatewayErrorRow, LoadedOperation, ProductSpec, SpecError, SpecErrorKind,
};

/// Names an error enum may not use for a code's variant because the enum
/// already has them.
pub const RESERVED_ERROR_VARIANTS: &[&str] = &["Gateway", "Unknown"];

/// One variant of a generated error enum: a distinct code and the rows
/// (indices into the table) that document it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorVariant {
    /// The Rust variant name.
    pub name: String,
    /// The exact code.
    pub code: String,
    /// Indices of the rows with this code, in documentation order.
    pub rows: Vec<usize>,
}

impl ErrorVariant {
    /// The variant's identifier.
    pub fn ident(&self) -> RustIdent {
        RustIdent::new(self.name.as_str())
    }
}

/// A code and its optional `rustName`, as read from an error table row.
#[derive(Debug, Clone, Copy)]
pub struct CodeRow<'a> {
    /// The exact code.
    pub code: &'a str,
    /// The row's variant name override.
    pub rust_name: Option<&'a str>,
}

/// One variant of the gateway error enum.
#[derive(Debug, Clone)]
pub struct GatewayVariant<'spec> {
    /// The variant's identifier.
    pub ident: RustIdent,
    /// Its documented row.
    pub row: &'spec GatewayErrorRow,
}

/// The variants of the gateway error enum. Gateway codes are unique (the
/// spec's validation checks it), so variant `i` documents row `i`.
pub fn gateway_variants<'spec>(
    product: &'spec ProductSpec,
    file: &Path,
) -> Result<Vec<GatewayVariant<'spec>>, Vec<SpecError>> {
    let rows = &product.gateway_errors;
    let code_rows: Vec<CodeRow<'_>> = rows
        .iter()
        .map(|row| CodeRow {
            code: &row.code,
            rust_name: None,
        })
        .collect();
    let variants = assign_error_variants(file, "/gatewayErrors", &code_rows)?;
    Ok(variants
        .iter()
        .zip(rows)
        .map(|(variant, row)| GatewayVariant {
            ident: variant.ident(),
            row,
        })
        .collect())
}

/// The variants of one operation's error enum.
pub fn operation_variants(
    operation: &LoadedOperation,
) -> Result<Vec<ErrorVariant>, Vec<SpecError>> {
    let code_rows: Vec<CodeRow<'_>> = operation
        .spec
        .errors
        .iter()
        .map(|row| CodeRow {
            code: &row.code,
            rust_name: row.rust_name.as_deref(),
        })
        .collect();
    assign_error_variants(&operation.file, "/errors", &code_rows)
}

/// One operation's error table, as the generated errors crate stores it:
/// integers only, which are cheap for the compiler to check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorTable {
    /// Every row of the operation in documentation order, as positions in
    /// the product's [`ErrorRowTable`] (the client's metadata lists them).
    pub documented: Vec<u16>,
    /// The rows grouped by variant: those of the first variant, then those
    /// of the second, and so on, as positions in the product's table.
    pub by_variant: Vec<u16>,
    /// Where each variant's rows start in `by_variant`, then where the last
    /// one's end.
    pub starts: Vec<u16>,
    /// The variants ordered by the bytes of their codes, for a binary
    /// search from a code to its variant.
    pub by_code: Vec<u16>,
}

impl ErrorTable {
    /// The table of an operation with these variants and rows.
    pub fn of(
        variants: &[ErrorVariant],
        rows: &[ErrorRow],
        error_rows: &ErrorRowTable<'_>,
    ) -> Self {
        let documented = rows
            .iter()
            .filter_map(|row| error_rows.position(row))
            .collect();
        let mut by_variant: Vec<u16> = Vec::with_capacity(rows.len());
        let mut starts: Vec<u16> = Vec::with_capacity(variants.len() + 1);
        for variant in variants {
            starts.push(table_index(by_variant.len()));
            by_variant.extend(
                variant
                    .rows
                    .iter()
                    .filter_map(|index| rows.get(*index))
                    .filter_map(|row| error_rows.position(row)),
            );
        }
        starts.push(table_index(by_variant.len()));
        let mut by_code: Vec<usize> = (0..variants.len()).collect();
        by_code.sort_by(|left, right| {
            variants[*left]
                .code
                .as_bytes()
                .cmp(variants[*right].code.as_bytes())
        });
        ErrorTable {
            documented,
            by_variant,
            starts,
            by_code: by_code.into_iter().map(table_index).collect(),
        }
    }
}

/// A position within one operation's table, which validation keeps within
/// `u16` (`spec::validate::MAX_ERROR_ROWS`).
fn table_index(position: usize) -> u16 {
    u16::try_from(position).unwrap_or(u16::MAX)
}

/// Groups rows by exact code and names each group's variant by the rules of
/// `spec/README.md`. `table_pointer` is the pointer of the table, such as
/// `/errors`. When two codes still get one name, the error names both rows.
pub fn assign_error_variants(
    file: &Path,
    table_pointer: &str,
    rows: &[CodeRow<'_>],
) -> Result<Vec<ErrorVariant>, Vec<SpecError>> {
    let mut problems = Vec::new();
    let mut variants: Vec<ErrorVariant> = Vec::new();
    let mut overrides: Vec<Option<String>> = Vec::new();
    for (index, row) in rows.iter().enumerate() {
        match variants.iter().position(|variant| variant.code == row.code) {
            Some(existing) => {
                variants[existing].rows.push(index);
                if let Some(rust_name) = row.rust_name {
                    match &overrides[existing] {
                        Some(earlier) if earlier != rust_name => problems.push(SpecError::at(
                            file,
                            format!("{table_pointer}/{index}/rustName"),
                            SpecErrorKind::NameCollision,
                            format!(
                                "code {:?} is given rustName {rust_name:?} here but {earlier:?} in an earlier row; rows of one code share one variant, so give them the same rustName",
                                row.code
                            ),
                        )),
                        _ => overrides[existing] = Some(rust_name.to_owned()),
                    }
                }
            }
            None => {
                variants.push(ErrorVariant {
                    name: String::new(),
                    code: row.code.to_owned(),
                    rows: vec![index],
                });
                overrides.push(row.rust_name.map(str::to_owned));
            }
        }
    }

    let base_names: Vec<String> = variants
        .iter()
        .zip(&overrides)
        .map(|(variant, rust_name)| {
            rust_name
                .clone()
                .unwrap_or_else(|| naming::error_variant_base(&variant.code))
        })
        .collect();
    let mut base_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for name in &base_names {
        *base_counts.entry(name.as_str()).or_default() += 1;
    }
    for ((variant, rust_name), base) in variants.iter_mut().zip(&overrides).zip(&base_names) {
        let collides = base_counts.get(base.as_str()).copied().unwrap_or(0) > 1;
        variant.name = if collides
            && rust_name.is_none()
            && !naming::code_segments_are_upper_case(&variant.code)
        {
            format!("{base}{}", naming::LOWER_CASE_SUFFIX)
        } else {
            base.clone()
        };
    }

    let mut owners: BTreeMap<&str, &ErrorVariant> = BTreeMap::new();
    for variant in &variants {
        let first_row = variant.rows.first().copied().unwrap_or(0);
        let pointer = format!("{table_pointer}/{first_row}/code");
        let starts_upper = variant
            .name
            .starts_with(|first: char| first.is_ascii_uppercase());
        if !naming::is_identifier(&variant.name) || !starts_upper {
            problems.push(SpecError::at(
                file,
                pointer,
                SpecErrorKind::InvalidName,
                format!(
                    "code {:?} gives the variant name {:?}, which is not an UpperCamelCase Rust identifier; set `rustName` on the row",
                    variant.code, variant.name
                ),
            ));
        } else if RESERVED_ERROR_VARIANTS.contains(&variant.name.as_str()) {
            problems.push(SpecError::at(
                file,
                pointer,
                SpecErrorKind::NameCollision,
                format!(
                    "code {:?} gives the variant name {:?}, which the error enum reserves; set `rustName` on the row",
                    variant.code, variant.name
                ),
            ));
        } else if let Some(owner) = owners.get(variant.name.as_str()) {
            let owner_row = owner.rows.first().copied().unwrap_or(0);
            problems.push(SpecError::at(
                file,
                pointer,
                SpecErrorKind::NameCollision,
                format!(
                    "codes {:?} ({table_pointer}/{owner_row}) and {:?} ({table_pointer}/{first_row}) both become the variant {:?}; set `rustName` on one of the rows",
                    owner.code, variant.code, variant.name
                ),
            ));
        } else {
            owners.insert(&variant.name, variant);
        }
    }

    if problems.is_empty() {
        Ok(variants)
    } else {
        Err(problems)
    }
}
