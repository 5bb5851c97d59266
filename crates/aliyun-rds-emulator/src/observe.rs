//! Watching every request as the emulator handles it, for load and soak
//! tests that must account for each request without the emulator keeping a
//! log that grows with the traffic.
//!
//! An observer given to [`EmulatorBuilder::observer`](crate::EmulatorBuilder::observer)
//! is called once for every request that names an action, after the
//! emulator has decided what to do with it and before the answer is sent.
//! It runs on the connection's task, so it should be quick (count, do not
//! block).

use std::fmt;
use std::sync::Arc;

/// What the emulator did with one request.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Observation<'a> {
    /// The action the request named.
    pub action: &'a str,
    /// Its nonce (`SignatureNonce` or `x-acs-signature-nonce`), if any.
    pub nonce: Option<&'a str>,
    /// Whether the operation ran (and so may have changed state): `false`
    /// when the request was refused (signature, parameters) or an injected
    /// fault stood in for the operation; `true` for the `Delay` and
    /// `DropAfterExecution` faults, which run it first.
    pub executed: bool,
}

/// A function called with every [`Observation`].
#[derive(Clone)]
pub(crate) struct Observer(pub(crate) Arc<dyn Fn(&Observation<'_>) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Observer")
    }
}
