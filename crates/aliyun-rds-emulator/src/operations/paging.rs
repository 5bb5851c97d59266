//! `PageNumber` / `PageSize` paging, as the describe operations read it:
//! defaults when absent, `InvalidParameter` outside the documented range.

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
}
