//! The future a generated operation's `send` returns.
//!
//! It is a named type rather than `impl Future` so that the hundreds of
//! generated `send` methods need no opaque return type of their own:
//! inferring and borrow-checking one per operation was a large part of the
//! client crate's build time. The price is one allocation per call, for
//! the boxed state of the call, which is nothing beside a network round
//! trip.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::SdkError;

/// A call in flight: resolves to the operation's decoded output `O`, or to
/// an [`SdkError`] whose service errors are the operation's error enum `E`.
///
/// Nothing is sent until it is awaited (or polled).
#[must_use = "the request is only sent when the future is awaited"]
pub struct OperationFuture<O, E> {
    call: Pin<Box<dyn Future<Output = Result<O, SdkError<E>>> + Send>>,
}

impl<O, E> OperationFuture<O, E> {
    /// Wraps the future of a call.
    pub(crate) fn new(call: impl Future<Output = Result<O, SdkError<E>>> + Send + 'static) -> Self {
        OperationFuture {
            call: Box::pin(call),
        }
    }
}

impl<O, E> Future for OperationFuture<O, E> {
    type Output = Result<O, SdkError<E>>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        self.call.as_mut().poll(context)
    }
}

impl<O, E> fmt::Debug for OperationFuture<O, E> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("OperationFuture")
            .finish_non_exhaustive()
    }
}
