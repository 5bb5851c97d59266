//! The documented error rows of every operation, and the code every
//! operation's error enum shares to read them.
//!
//! Most operations document the same few dozen errors, so the generated
//! `table::ROWS` holds each distinct row once. An operation's module
//! describes its enum with an [`OperationTable`] of integers (where its
//! rows are in `ROWS`, grouped by code) and turns a value into a [`Kind`];
//! the methods here do the rest. Keeping the behaviour here rather than in
//! each enum is what keeps hundreds of operations cheap to compile: an
//! enum adds only a constant array of its documented variants (which maps
//! positions to values, and values back by comparison), and its other
//! methods are one-line calls into this module.
//!
//! For the same reason the enums write the standard traits by hand rather
//! than deriving them: a derived `Eq` adds a function per enum, derived
//! `PartialEq`, `Hash` and `Clone` one more match over the variants each
//! (documented variants carry no data, so values compare and hash by their
//! [`Kind`], and a clone is rebuilt from its code), and a derived `Debug`
//! the formatting code of every variant (the names are read from
//! [`OperationTable::names`] instead).
//!
//! This file is compiled and tested inside the generator, which copies it
//! into the errors crate. It reaches the rest of that crate only through
//! `super::gateway` and `super::table`.

use std::fmt;
use std::iter::FusedIterator;

use super::gateway::GatewayError;
use super::table::ROWS;

/// One row of an operation's documented error table, verbatim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorRow {
    /// The documented HTTP status.
    pub http_status: u16,
    /// The exact, case-sensitive error code.
    pub code: &'static str,
    /// The documented message, verbatim (it may contain `%s`).
    pub message: &'static str,
    /// The documented description, if the table gives one.
    pub description: Option<&'static str>,
}

/// One operation's error table. Entry `i` of `names` and `starts`
/// describes the `i`-th variant of the operation's enum.
pub(crate) struct OperationTable {
    /// The variant names, for `Debug`.
    pub(crate) names: &'static [&'static str],
    /// Positions in `ROWS`: the rows of the first variant, then those of the
    /// second, and so on, each in documentation order.
    pub(crate) rows: &'static [u16],
    /// Where each variant's rows start in `rows`, and then where the last
    /// one's end.
    pub(crate) starts: &'static [u16],
    /// The variants, ordered by the bytes of their codes, for the binary
    /// search of `from_code`.
    pub(crate) by_code: &'static [u16],
}

/// What an error value is, as the shared code sees it. Two error values
/// are equal, and hash alike, when their kinds are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind<'error> {
    /// The variant at this position of the operation's table.
    Documented(usize),
    /// A gateway error.
    Gateway(GatewayError),
    /// An undocumented code, verbatim.
    Unknown(&'error str),
}

impl<'error> Kind<'error> {
    /// The kind of an error value: `documented` lists the operation's
    /// documented variants in table order, and a documented value is found
    /// among them by its variant alone (they carry no data).
    pub(crate) fn of_documented<E>(documented: &[E], value: &E) -> Self {
        let variant = std::mem::discriminant(value);
        Kind::Documented(
            documented
                .iter()
                .position(|candidate| std::mem::discriminant(candidate) == variant)
                .unwrap_or_default(),
        )
    }

    /// The gateway error, when this is one.
    pub(crate) fn gateway(self) -> Option<GatewayError> {
        match self {
            Kind::Gateway(gateway) => Some(gateway),
            Kind::Documented(_) | Kind::Unknown(_) => None,
        }
    }

    /// Whether the code is documented, by the operation or the gateway.
    pub(crate) fn is_documented(self) -> bool {
        !matches!(self, Kind::Unknown(_))
    }

    /// Whether a later attempt may succeed. Only gateway errors are
    /// documented as transient.
    pub(crate) fn is_retryable(self) -> bool {
        self.gateway().is_some_and(|gateway| gateway.is_retryable())
    }

    /// Whether the error proves the request was refused before it ran. Only
    /// gateway errors are documented that way.
    pub(crate) fn is_refused_before_execution(self) -> bool {
        self.gateway()
            .is_some_and(|gateway| gateway.is_refused_before_execution())
    }
}

impl OperationTable {
    /// The error for a code, matched exactly: the documented variant at the
    /// code's position in the table (`documented` lists them in table
    /// order), else the gateway's error, else an unknown code.
    pub(crate) fn decode<E, const N: usize>(
        &self,
        code: &str,
        documented: [E; N],
        gateway: fn(GatewayError) -> E,
        unknown: fn(String) -> E,
    ) -> E {
        let found = self
            .find(code)
            .and_then(|position| documented.into_iter().nth(position));
        match found {
            Some(documented) => documented,
            None => GatewayError::from_code(code).map_or_else(|| unknown(code.to_owned()), gateway),
        }
    }

    /// The position of the variant with exactly this code.
    pub(crate) fn find(&self, code: &str) -> Option<usize> {
        let found = self
            .by_code
            .binary_search_by(|variant| {
                self.variant_code(usize::from(*variant))
                    .as_bytes()
                    .cmp(code.as_bytes())
            })
            .ok()?;
        self.by_code.get(found).map(|variant| usize::from(*variant))
    }

    /// The positions in `ROWS` of a variant's rows.
    fn row_positions(&self, variant: usize) -> &'static [u16] {
        let start = self.starts.get(variant).copied().map(usize::from);
        let end = self.starts.get(variant + 1).copied().map(usize::from);
        match (start, end) {
            (Some(start), Some(end)) => self.rows.get(start..end).unwrap_or_default(),
            _ => &[],
        }
    }

    /// The code of a variant: that of its first row.
    fn variant_code(&self, variant: usize) -> &'static str {
        self.first_row(variant).map_or("", |row| row.code)
    }

    fn first_row(&self, variant: usize) -> Option<&'static ErrorRow> {
        DocumentedRows::of(self.row_positions(variant)).next()
    }

    pub(crate) fn documented_rows(&self, kind: Kind<'_>) -> DocumentedRows {
        match kind {
            Kind::Documented(variant) => DocumentedRows::of(self.row_positions(variant)),
            Kind::Gateway(_) | Kind::Unknown(_) => DocumentedRows::of(&[]),
        }
    }

    pub(crate) fn code<'error>(&self, kind: Kind<'error>) -> &'error str {
        match kind {
            Kind::Documented(variant) => self.variant_code(variant),
            Kind::Gateway(gateway) => gateway.code(),
            Kind::Unknown(code) => code,
        }
    }

    pub(crate) fn http_status(&self, kind: Kind<'_>) -> Option<u16> {
        match kind {
            Kind::Documented(variant) => self.first_row(variant).map(|row| row.http_status),
            Kind::Gateway(gateway) => Some(gateway.http_status()),
            Kind::Unknown(_) => None,
        }
    }

    pub(crate) fn message(&self, kind: Kind<'_>) -> Option<&'static str> {
        match kind {
            Kind::Documented(variant) => self.first_row(variant).map(|row| row.message),
            Kind::Gateway(gateway) => Some(gateway.message()),
            Kind::Unknown(_) => None,
        }
    }

    pub(crate) fn messages(&self, kind: Kind<'_>) -> Messages {
        match kind {
            Kind::Gateway(gateway) => Messages {
                gateway: Some(gateway.message()),
                rows: DocumentedRows::of(&[]),
            },
            other => Messages {
                gateway: None,
                rows: self.documented_rows(other),
            },
        }
    }

    pub(crate) fn description(&self, kind: Kind<'_>) -> Option<&'static str> {
        match kind {
            Kind::Gateway(gateway) => gateway.description(),
            other => self.documented_rows(other).find_map(|row| row.description),
        }
    }

    /// `Debug` of an error value: what a derived `Debug` would print.
    pub(crate) fn fmt_debug(
        &self,
        kind: Kind<'_>,
        formatter: &mut fmt::Formatter<'_>,
    ) -> fmt::Result {
        match kind {
            Kind::Documented(variant) => {
                formatter.write_str(self.names.get(variant).copied().unwrap_or_default())
            }
            Kind::Gateway(gateway) => formatter.debug_tuple("Gateway").field(&gateway).finish(),
            Kind::Unknown(code) => formatter.debug_tuple("Unknown").field(&code).finish(),
        }
    }

    /// `Display` of an error value: the code and the documented message.
    pub(crate) fn fmt_display(
        &self,
        kind: Kind<'_>,
        formatter: &mut fmt::Formatter<'_>,
    ) -> fmt::Result {
        match kind {
            Kind::Gateway(gateway) => fmt::Display::fmt(&gateway, formatter),
            Kind::Unknown(code) => write!(
                formatter,
                "{code}: an error code the documentation does not list; see the service's message for details"
            ),
            documented => write!(
                formatter,
                "{}: {}",
                self.code(documented),
                self.message(documented).unwrap_or_default()
            ),
        }
    }
}

/// The documented rows of one error code, in documentation order: what
/// `documented_rows()` of every operation's error enum returns.
#[derive(Debug, Clone)]
pub struct DocumentedRows {
    positions: std::slice::Iter<'static, u16>,
}

impl DocumentedRows {
    fn of(positions: &'static [u16]) -> Self {
        DocumentedRows {
            positions: positions.iter(),
        }
    }
}

impl Iterator for DocumentedRows {
    type Item = &'static ErrorRow;

    fn next(&mut self) -> Option<Self::Item> {
        // Generated positions are all in range; one that is not would be
        // skipped rather than allowed to panic.
        self.positions
            .by_ref()
            .find_map(|position| ROWS.get(usize::from(*position)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.positions.len()))
    }
}

impl FusedIterator for DocumentedRows {}

/// The documented messages of one error code, one per row: what
/// `messages()` of every operation's error enum returns.
#[derive(Debug, Clone)]
pub struct Messages {
    gateway: Option<&'static str>,
    rows: DocumentedRows,
}

impl Iterator for Messages {
    type Item = &'static str;

    fn next(&mut self) -> Option<Self::Item> {
        self.gateway
            .take()
            .or_else(|| self.rows.next().map(|row| row.message))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let (_, rows) = self.rows.size_hint();
        let gateway = usize::from(self.gateway.is_some());
        (gateway, rows.map(|rows| rows + gateway))
    }
}

impl FusedIterator for Messages {}
