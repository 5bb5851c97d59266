//! The product's distinct documented error rows, shared by both generated
//! crates.
//!
//! Most operations document the same few dozen errors: 313 operations have
//! about 20,800 rows but fewer than 1,300 distinct ones. Each generated
//! crate holds every distinct row once, in one static table, and each
//! operation refers to its rows by their `u16` positions in it. Integer
//! lists are the cheapest thing for the compiler to check, so neither
//! crate type-checks and stores the same rows hundreds of times.

use crate::spec::model::ErrorRowKey;
use crate::spec::{ErrorRow, LoadedProduct};

/// Every distinct documented error row of the product's operations, in
/// order of first appearance (operations sorted by name, rows in
/// documentation order).
#[derive(Debug, Default)]
pub struct ErrorRowTable<'spec> {
    rows: Vec<&'spec ErrorRow>,
    index: std::collections::HashMap<ErrorRowKey<'spec>, u16>,
}

impl<'spec> ErrorRowTable<'spec> {
    /// The table of a product. Rows past `u16::MAX`, which validation
    /// rejects (`spec::validate::MAX_ERROR_ROWS`), are left out.
    pub fn of(product: &'spec LoadedProduct) -> Self {
        let mut table = ErrorRowTable::default();
        for row in product
            .operations
            .iter()
            .flat_map(|operation| &operation.spec.errors)
        {
            let Ok(next) = u16::try_from(table.rows.len()) else {
                break;
            };
            if *table.index.entry(row.key()).or_insert(next) == next {
                table.rows.push(row);
            }
        }
        table
    }

    /// The distinct rows, in table order.
    pub fn rows(&self) -> &[&'spec ErrorRow] {
        &self.rows
    }

    /// The position of a row in the table, if it is there.
    pub fn position(&self, row: &ErrorRow) -> Option<u16> {
        self.index.get(&row.key()).copied()
    }
}
