//! Fault injection: make the next requests naming an action misbehave.
//!
//! Clients must cope with throttling, outages, garbage from a proxy and
//! connections that die mid-request. Tests provoke each of these through a
//! [`FaultHandle`]: every injected fault applies to the next `times` requests
//! naming its action. Faults for one action form a queue, served in the order
//! they were injected, so a test can script "throttled, then slow, then
//! fine".
//!
//! Faults apply after the request has been read and its signature verified
//! (see the crate documentation for the full order): a request that fails
//! authentication gets the authentication error and leaves the queue
//! untouched.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// One way for the emulator to misbehave on a request.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Handle the request normally (the operation runs and changes state),
    /// then wait this long before sending the answer. A client that times
    /// out therefore sees the classic ambiguity: the call took effect but no
    /// answer arrived.
    Delay(Duration),
    /// Answer this error instead of running the operation. With
    /// `retry_after`, the answer carries an `x-acs-retry-after` header.
    Error {
        /// The HTTP status, for example 400 for `Throttling.User` or 503 for
        /// `ServiceUnavailable`. A value outside 100..=999 is sent as 500.
        http_status: u16,
        /// The error code, for example `Throttling.User`.
        code: String,
        /// The error message.
        message: String,
        /// The value of the `x-acs-retry-after` header, if any.
        retry_after: Option<String>,
    },
    /// Answer `200 OK` with a body that is not JSON, without running the
    /// operation, as a misbehaving proxy would.
    MalformedBody,
    /// Close the TCP connection without sending any response, without
    /// running the operation.
    DropConnection,
    /// Close the TCP connection as soon as the request's head has arrived,
    /// without reading its body, authenticating it or running the
    /// operation: a connection lost while the request was on its way.
    /// Unlike the other faults it applies before authentication (nothing
    /// has been read to authenticate), to the next request naming the
    /// action in its query (`Action`) or its `x-acs-action` header, and the
    /// request is not counted.
    DropBeforeReading,
    /// Run the operation (it changes state), then close the TCP connection
    /// without sending any response: the call took effect, and the client
    /// cannot know it.
    DropAfterExecution,
}

impl Fault {
    /// `Throttling.User` (HTTP 400) with the service's exact message, as the
    /// gateway answers when the account's request rate is exceeded;
    /// `retry_after` becomes the `x-acs-retry-after` header.
    pub fn throttling(retry_after: Option<&str>) -> Fault {
        Fault::Error {
            http_status: 400,
            code: "Throttling.User".to_owned(),
            message: "Request was denied due to user flow control.".to_owned(),
            retry_after: retry_after.map(str::to_owned),
        }
    }

    /// `ServiceUnavailable` (HTTP 503) with the service's exact message: a
    /// transient failure after which the request may or may not have run.
    pub fn service_unavailable() -> Fault {
        Fault::Error {
            http_status: 503,
            code: "ServiceUnavailable".to_owned(),
            message: "The request has failed due to a temporary failure of the server.".to_owned(),
            retry_after: None,
        }
    }
}

/// The queued faults of every action.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    queues: Mutex<HashMap<String, VecDeque<(Fault, usize)>>>,
}

impl FaultTable {
    fn inject(&self, action: &str, fault: Fault, times: usize) {
        if times == 0 {
            return;
        }
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        queues
            .entry(action.to_owned())
            .or_default()
            .push_back((fault, times));
    }

    fn clear(&self) {
        self.queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Takes the next fault queued for `action` if it is `wanted`.
    pub(crate) fn take_if_next(&self, action: &str, wanted: &Fault) -> bool {
        let next_is_wanted = self
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(action)
            .and_then(VecDeque::front)
            .is_some_and(|(fault, _)| fault == wanted);
        // Another request may take it in between; then this one goes on.
        next_is_wanted && self.take(action).as_ref() == Some(wanted)
    }

    /// Takes the fault for one request naming `action`, if any is queued.
    pub(crate) fn take(&self, action: &str) -> Option<Fault> {
        let mut queues = self.queues.lock().unwrap_or_else(PoisonError::into_inner);
        let queue = queues.get_mut(action)?;
        let (fault, remaining) = queue.front_mut()?;
        let taken = fault.clone();
        *remaining -= 1;
        if *remaining == 0 {
            queue.pop_front();
        }
        if queue.is_empty() {
            queues.remove(action);
        }
        Some(taken)
    }
}

/// Injects and clears faults on a running emulator. Cheap to clone; every
/// clone acts on the same emulator.
#[derive(Debug, Clone)]
pub struct FaultHandle {
    table: Arc<FaultTable>,
}

impl FaultHandle {
    pub(crate) fn new(table: Arc<FaultTable>) -> Self {
        FaultHandle { table }
    }

    /// Makes the next `times` requests naming `action` (after any faults
    /// already queued for it) suffer `fault`. `times == 0` does nothing.
    pub fn inject(&self, action: &str, fault: Fault, times: usize) {
        self.table.inject(action, fault, times);
    }

    /// Removes every queued fault of every action.
    pub fn clear(&self) {
        self.table.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faults_are_served_in_order_and_counted_down() {
        let table = FaultTable::default();
        table.inject("A", Fault::MalformedBody, 2);
        table.inject("A", Fault::DropConnection, 1);
        table.inject("B", Fault::MalformedBody, 0);
        assert_eq!(table.take("A"), Some(Fault::MalformedBody));
        assert_eq!(table.take("B"), None);
        assert_eq!(table.take("A"), Some(Fault::MalformedBody));
        assert_eq!(table.take("A"), Some(Fault::DropConnection));
        assert_eq!(table.take("A"), None);
    }
}
