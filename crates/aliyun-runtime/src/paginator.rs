//! Paging through list operations: one page after another, or one item
//! after another.
//!
//! A paged operation answers one page of a list per call; the request
//! says which page (a page number, or the token the previous page
//! returned) and the response says whether more follow (the total number
//! of items, or the next token). The spec declares each paged operation's
//! style and fields, and the generated fluent builder's `into_paginator()`
//! returns a [`Paginator`], whose [`send`](Paginator::send) is a
//! [`Stream`] of pages and whose [`items`](Paginator::items) is a
//! [`Stream`] of the items of every page (the README's "Listing page by
//! page" has an example).
//!
//! Each page is fetched by the same path as a single call of the operation,
//! with the client's retries and timeouts (or those of
//! [`Paginator::customize`]). The streams stop:
//!
//! * in the page-number style, when the items up to the end of a page
//!   reach the total the response reports ((page number − 1) × page size
//!   plus the page's own items, which is page number × page size for a
//!   full page), or at a page without items. The page size is the one the
//!   service applied: the requested size, unless an earlier page was
//!   shorter because the service caps it;
//! * in the token style, when a response has no next token (absent or
//!   empty). A next token already sent before ends the stream with
//!   [`PaginationError::RepeatedToken`] rather than a loop;
//! * after the first error, which is yielded as an `Err` item.
//!
//! The generic machinery lives here; each generated operation adds only an
//! implementation of the hidden [`PagedOperation`] trait: how to set the
//! page on its input and where the total, the next token and the items
//! are in its output.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use aliyun_codec::de::FromJson;
use aliyun_codec::metadata::OperationMetadata;
use aliyun_codec::parameters::ToParameters;

use crate::error::SdkError;
use crate::operation_future::OperationFuture;
use crate::runtime::Runtime;

pub use futures_core::Stream;

/// Why paging stopped before the last page: an error of every call, so it
/// lives with the others; re-exported here beside the streams that return
/// it.
pub use crate::error::PaginationError;

/// How an operation says which page to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PaginationStyle {
    /// A page number from one and a page size; the response reports the
    /// total number of items.
    PageNumber,
    /// An opaque token from the previous response and a maximum number of
    /// results; the last page has no next token.
    NextToken,
}

/// Which page a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PagePosition<'a> {
    /// The page of this number, from one.
    Number(u32),
    /// The page after the one that returned this token; `None` is the
    /// first page.
    Token(Option<&'a str>),
}

/// What a generated paged operation tells the paginator about its input and
/// output. Implemented by the generated fluent builder of each operation
/// whose spec declares a `pagination` block; used by generated code only,
/// hence hidden and exempt from semver.
#[doc(hidden)]
pub trait PagedOperation: 'static {
    /// The operation's input.
    type Input: ToParameters + Clone + Send + Sync + 'static;
    /// The operation's output: one page.
    type Output: FromJson + Send + 'static;
    /// The operation's error enum.
    type Error: Send + 'static;
    /// One element of the items list.
    type Item: Send + 'static;

    /// How the operation is paged.
    const STYLE: PaginationStyle;

    /// The page size sent when neither the request nor the paginator sets
    /// one: some operations page by token only when the first request
    /// carries a maximum number of results.
    const DEFAULT_PAGE_SIZE: Option<u32> = None;

    /// The operation's metadata, for sending it.
    fn operation() -> &'static OperationMetadata;

    /// Types an error code.
    fn parse_error(code: &str) -> Self::Error;

    /// Sets the page to ask for: the page number or the token.
    fn set_position(input: &mut Self::Input, position: PagePosition<'_>);

    /// Sets the page size (or maximum results); does nothing when the
    /// operation has no such parameter.
    fn set_page_size(input: &mut Self::Input, page_size: u32);

    /// The page number the input asks for, when set.
    fn page_number(input: &Self::Input) -> Option<i64>;

    /// The page size (or maximum results) the input asks for, when set.
    fn page_size(input: &Self::Input) -> Option<i64>;

    /// The next token of a page, in the token style.
    fn next_token(output: &Self::Output) -> Option<&str>;

    /// The total number of items a page reports, in the page-number style.
    fn total(output: &Self::Output) -> Option<i64>;

    /// How many items a page holds.
    fn item_count(output: &Self::Output) -> usize;

    /// The items of a page, taken out of it.
    fn into_items(output: Self::Output) -> Vec<Self::Item>;
}

/// Converts a page number or size to an `i32` parameter. Values above
/// `i32::MAX` (two billion pages) cannot occur in practice; they are
/// capped rather than wrapped.
#[doc(hidden)]
#[inline]
pub fn to_i32(value: u32) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Reads a total sent as text, as some operations document it.
#[doc(hidden)]
#[inline]
pub fn parse_total(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

/// A paged request, ready to send page after page: made by a generated
/// fluent builder's `into_paginator()`.
///
/// [`send`](Paginator::send) streams the pages, [`items`](Paginator::items)
/// the items of every page.
#[must_use = "a paginator does nothing until its stream is polled"]
pub struct Paginator<P: PagedOperation> {
    runtime: Runtime,
    input: P::Input,
    page_size: Option<u32>,
}

impl<P: PagedOperation> Paginator<P> {
    /// A paginator sending `input` with `runtime`; used by generated code.
    #[doc(hidden)]
    pub fn new(runtime: Runtime, input: P::Input) -> Self {
        Paginator {
            runtime,
            input,
            page_size: None,
        }
    }

    /// Asks for pages of at most `page_size` items (the operation's page
    /// size or maximum results parameter), instead of the value set on the
    /// request or the service's default. The service may cap it.
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = Some(page_size);
        self
    }

    /// Overrides the client's timeouts, retry settings or endpoint for every
    /// page of this listing (see [`CallOverrides`](crate::config::CallOverrides)),
    /// sharing the client's connections, credentials and retry quota.
    pub fn customize(mut self, overrides: crate::config::CallOverrides) -> Self {
        self.runtime = self.runtime.with_overrides(overrides);
        self
    }

    /// The request every page sends, before its page is set.
    pub fn as_input(&self) -> &P::Input {
        &self.input
    }

    /// The pages, as a [`Stream`] of each call's result. Nothing is sent
    /// until the stream is polled.
    pub fn send(self) -> PageStream<P> {
        let Paginator {
            runtime,
            mut input,
            page_size,
        } = self;
        let default_size = P::page_size(&input)
            .is_none()
            .then_some(P::DEFAULT_PAGE_SIZE)
            .flatten();
        if let Some(page_size) = page_size.or(default_size) {
            P::set_page_size(&mut input, page_size);
        }
        let requested_size = P::page_size(&input)
            .and_then(|size| usize::try_from(size).ok())
            .filter(|size| *size > 0);
        let first_page = P::page_number(&input)
            .and_then(|number| u32::try_from(number).ok())
            .filter(|number| *number > 0)
            .unwrap_or(1);
        PageStream {
            runtime,
            input,
            state: State::Next,
            page_number: first_page,
            pages: 0,
            requested_size,
            largest_page: None,
            token: None,
            tokens_sent: HashSet::new(),
        }
    }

    /// The items of every page, in order, as a [`Stream`]. A failed page is
    /// yielded as one `Err` item, which ends the stream.
    pub fn items(self) -> ItemStream<P> {
        self.send().items()
    }
}

impl<P: PagedOperation> Clone for Paginator<P> {
    fn clone(&self) -> Self {
        Paginator {
            runtime: self.runtime.clone(),
            input: self.input.clone(),
            page_size: self.page_size,
        }
    }
}

impl<P: PagedOperation> fmt::Debug for Paginator<P>
where
    P::Input: fmt::Debug,
{
    // Written by hand so that only the input needs `Debug`; the input's own
    // `Debug` redacts its secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Paginator")
            .field("operation", &P::operation().name)
            .field("input", &self.input)
            .field("page_size", &self.page_size)
            .finish()
    }
}

/// Where a page stream is.
enum State<O, E> {
    /// The next page is to be requested.
    Next,
    /// A page is in flight.
    Fetching(OperationFuture<O, E>),
    /// The stream yields this error next, then ends.
    Failing(PaginationError),
    /// The stream has ended.
    Done,
}

/// The pages of a paged operation, each a call's result: made by
/// [`Paginator::send`].
///
/// It implements [`Stream`]; [`PageStream::next`] awaits the next page
/// without a stream extension trait. After an `Err`, the stream ends.
#[must_use = "streams do nothing unless polled"]
pub struct PageStream<P: PagedOperation> {
    runtime: Runtime,
    input: P::Input,
    state: State<P::Output, P::Error>,
    /// The page number of the next request (page-number style).
    page_number: u32,
    /// How many pages were received.
    pages: u32,
    /// The page size the request asks for, when set.
    requested_size: Option<usize>,
    /// The most items an earlier page held: the page size the service
    /// applied, which may be below the requested one.
    largest_page: Option<usize>,
    /// The token of the next request (token style).
    token: Option<String>,
    /// Every token sent so far, to refuse a cycle.
    tokens_sent: HashSet<String>,
}

impl<P: PagedOperation> PageStream<P> {
    /// The next page, or `None` when the listing is complete (or after an
    /// error).
    pub async fn next(&mut self) -> Option<Result<P::Output, SdkError<P::Error>>> {
        std::future::poll_fn(|context| Pin::new(&mut *self).poll_next(context)).await
    }

    /// The items of this page and every later one, as a [`Stream`].
    pub fn items(self) -> ItemStream<P> {
        ItemStream {
            pages: self,
            current: Vec::new().into_iter(),
        }
    }

    /// Sends the request of the next page.
    fn fetch(&mut self) -> OperationFuture<P::Output, P::Error> {
        let mut input = self.input.clone();
        let position = match P::STYLE {
            PaginationStyle::PageNumber => PagePosition::Number(self.page_number),
            PaginationStyle::NextToken => PagePosition::Token(self.token.as_deref()),
        };
        P::set_position(&mut input, position);
        if let Some(token) = &self.token {
            self.tokens_sent.insert(token.clone());
        }
        self.runtime
            .clone()
            .send_operation(P::operation(), input.to_parameters(), P::parse_error)
    }

    /// Decides, from a page just received, what follows it.
    fn after_page(&mut self, output: &P::Output) -> State<P::Output, P::Error> {
        self.pages = self.pages.saturating_add(1);
        match P::STYLE {
            PaginationStyle::PageNumber => {
                let count = P::item_count(output);
                if count == 0 {
                    return State::Done;
                }
                // The page size the service applies: the requested one,
                // unless an earlier page showed that the service caps it;
                // without either, the size of this page.
                let page_size = match (self.requested_size, self.largest_page) {
                    (Some(requested), Some(largest)) => requested.min(largest),
                    (Some(size), None) | (None, Some(size)) => size,
                    (None, None) => count,
                };
                self.largest_page = Some(
                    self.largest_page
                        .map_or(count, |largest| largest.max(count)),
                );
                // The items up to the end of this page: those of the pages
                // before it, full, and this page's own.
                let before =
                    u64::from(self.page_number.saturating_sub(1)).saturating_mul(page_size as u64);
                let reached = before.saturating_add(count as u64);
                let total = P::total(output).map(|total| u64::try_from(total).unwrap_or(0));
                if total.is_some_and(|total| reached >= total) {
                    return State::Done;
                }
                match self.page_number.checked_add(1) {
                    Some(next) => {
                        self.page_number = next;
                        State::Next
                    }
                    None => State::Done,
                }
            }
            PaginationStyle::NextToken => match P::next_token(output) {
                None | Some("") => State::Done,
                Some(token) if self.tokens_sent.contains(token) => {
                    State::Failing(PaginationError::RepeatedToken {
                        operation: P::operation().name,
                        token: token.to_owned(),
                        page: self.pages,
                    })
                }
                Some(token) => {
                    self.token = Some(token.to_owned());
                    State::Next
                }
            },
        }
    }
}

// The streams never pin their fields (the call in flight is boxed), so they
// are `Unpin` whatever the operation's types are.
impl<P: PagedOperation> Unpin for PageStream<P> {}

impl<P: PagedOperation> Stream for PageStream<P> {
    type Item = Result<P::Output, SdkError<P::Error>>;

    fn poll_next(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Failing(error) => {
                    return Poll::Ready(Some(Err(SdkError::Pagination(error))));
                }
                State::Next => {
                    this.state = State::Fetching(this.fetch());
                }
                State::Fetching(mut call) => match Pin::new(&mut call).poll(context) {
                    Poll::Pending => {
                        this.state = State::Fetching(call);
                        return Poll::Pending;
                    }
                    Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
                    Poll::Ready(Ok(output)) => {
                        this.state = this.after_page(&output);
                        return Poll::Ready(Some(Ok(output)));
                    }
                },
            }
        }
    }
}

impl<P: PagedOperation> fmt::Debug for PageStream<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PageStream")
            .field("operation", &P::operation().name)
            .field("pages", &self.pages)
            .finish_non_exhaustive()
    }
}

/// The items of every page of a paged operation, in order: made by
/// [`Paginator::items`].
///
/// It implements [`Stream`]; [`ItemStream::next`] awaits the next item
/// without a stream extension trait. A failed page is one `Err` item, after
/// which the stream ends.
#[must_use = "streams do nothing unless polled"]
pub struct ItemStream<P: PagedOperation> {
    pages: PageStream<P>,
    current: std::vec::IntoIter<P::Item>,
}

impl<P: PagedOperation> ItemStream<P> {
    /// The next item, or `None` when every page has been read (or after an
    /// error).
    pub async fn next(&mut self) -> Option<Result<P::Item, SdkError<P::Error>>> {
        std::future::poll_fn(|context| Pin::new(&mut *self).poll_next(context)).await
    }
}

impl<P: PagedOperation> Unpin for ItemStream<P> {}

impl<P: PagedOperation> Stream for ItemStream<P> {
    type Item = Result<P::Item, SdkError<P::Error>>;

    fn poll_next(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.current.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut this.pages).poll_next(context) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(error))) => return Poll::Ready(Some(Err(error))),
                Poll::Ready(Some(Ok(page))) => {
                    this.current = P::into_items(page).into_iter();
                }
            }
        }
    }
}

impl<P: PagedOperation> fmt::Debug for ItemStream<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ItemStream")
            .field("operation", &P::operation().name)
            .field("pages", &self.pages.pages)
            .field("buffered", &self.current.len())
            .finish()
    }
}
