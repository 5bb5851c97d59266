//! `PageNumber` / `PageSize` paging, as the describe operations read it:
//! defaults when absent, `InvalidParameter` outside the documented range;
//! and `NextToken` / `MaxResults` paging for the operations that document
//! it.

use std::ops::RangeInclusive;

use super::OperationRequest;
use crate::error::ApiError;

/// A requested page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Page {
    /// From 1.
    pub(crate) number: u32,
    pub(crate) size: u32,
}

/// How an operation pages: its documented default and valid sizes.
#[derive(Debug, Clone)]
pub(crate) struct PagingRules {
    pub(crate) default_size: u32,
    pub(crate) sizes: RangeInclusive<u32>,
    /// Whether `PageNumber=0` is accepted, as page 1 (`DescribeDBInstances`
    /// documents a minimum of 0).
    pub(crate) zero_is_first_page: bool,
}

impl PagingRules {
    /// Reads `PageNumber` and `PageSize` from the request.
    pub(crate) fn read(&self, request: &OperationRequest<'_>) -> Result<Page, ApiError> {
        let size = match request.optional_integer("PageSize")? {
            None => self.default_size,
            Some(size) => u32::try_from(size)
                .ok()
                .filter(|size| self.sizes.contains(size))
                .ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "PageSize",
                        &format!(
                            "PageSize must be between {} and {}.",
                            self.sizes.start(),
                            self.sizes.end()
                        ),
                    )
                })?,
        };
        let lowest = if self.zero_is_first_page { 0 } else { 1 };
        let number = match request.optional_integer("PageNumber")? {
            None => 1,
            Some(number) => u32::try_from(number)
                .ok()
                .filter(|number| *number >= lowest)
                .ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "PageNumber",
                        &format!("PageNumber must be an integer from {lowest}; pages start at 1."),
                    )
                })?
                .max(1),
        };
        Ok(Page { number, size })
    }
}

impl Page {
    /// The entries of `items` on this page; empty past the last page.
    pub(crate) fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        let size = usize::try_from(self.size).unwrap_or(usize::MAX);
        let skip = usize::try_from(self.number.saturating_sub(1))
            .unwrap_or(usize::MAX)
            .saturating_mul(size);
        let start = skip.min(items.len());
        let end = start.saturating_add(size).min(items.len());
        &items[start..end]
    }
}

/// A requested page of token paging: where it starts and how many entries
/// it holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenPage {
    /// The index of the page's first entry.
    pub(crate) offset: usize,
    pub(crate) max_results: usize,
}

/// The prefix of every token the emulator hands out. The rest is the
/// offset of the next page in hexadecimal: opaque enough for clients,
/// which must send tokens back as they got them, and checkable here.
const TOKEN_PREFIX: &str = "emulator-next-";

impl TokenPage {
    /// Reads `NextToken` and `MaxResults` (1 to 100, 30 by default), or
    /// `None` when the request uses neither.
    pub(crate) fn read(request: &OperationRequest<'_>) -> Result<Option<TokenPage>, ApiError> {
        let token = request
            .optional("NextToken")
            .filter(|token| !token.is_empty());
        let max_results = request.optional_integer("MaxResults")?;
        if token.is_none() && max_results.is_none() {
            return Ok(None);
        }
        let max_results = match max_results {
            None => 30,
            Some(max) => usize::try_from(max)
                .ok()
                .filter(|max| (1..=100).contains(max))
                .ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "MaxResults",
                        "MaxResults must be between 1 and 100.",
                    )
                })?,
        };
        let offset = match token {
            None => 0,
            Some(token) => token
                .strip_prefix(TOKEN_PREFIX)
                .and_then(|hex| usize::from_str_radix(hex, 16).ok())
                .ok_or_else(|| {
                    ApiError::invalid_parameter(
                        "NextToken",
                        "Send back the NextToken of the previous answer unchanged.",
                    )
                })?,
        };
        Ok(Some(TokenPage {
            offset,
            max_results,
        }))
    }

    /// The entries of `items` on this page, and the token of the next page:
    /// empty when this page holds the last entry.
    pub(crate) fn slice<'a, T>(&self, items: &'a [T]) -> (&'a [T], String) {
        let start = self.offset.min(items.len());
        let end = start.saturating_add(self.max_results).min(items.len());
        let next = if end < items.len() {
            format!("{TOKEN_PREFIX}{end:x}")
        } else {
            String::new()
        };
        (&items[start..end], next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_pages_and_stops_at_the_end() {
        let items: Vec<u32> = (1..=7).collect();
        let page = |number, size| Page { number, size };
        assert_eq!(page(1, 3).slice(&items), [1, 2, 3]);
        assert_eq!(page(3, 3).slice(&items), [7]);
        assert!(page(4, 3).slice(&items).is_empty());
        assert!(page(u32::MAX, u32::MAX).slice(&items).is_empty());
    }

    #[test]
    fn token_pages_chain_to_the_end() {
        let items: Vec<u32> = (1..=7).collect();
        let first = TokenPage {
            offset: 0,
            max_results: 3,
        };
        let (entries, next) = first.slice(&items);
        assert_eq!(entries, [1, 2, 3]);
        assert_eq!(next, "emulator-next-3");
        let last = TokenPage {
            offset: 6,
            max_results: 3,
        };
        assert_eq!(last.slice(&items), (&[7][..], String::new()));
    }
}
