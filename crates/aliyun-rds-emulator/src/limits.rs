//! The bounds that keep one emulator serving under hostile clients: how big
//! a request may be, how long a client may take to send it, and how many
//! connections are served at once.
//!
//! Users run the emulator as a shared service in CI, so a client that
//! trickles bytes, opens connections and abandons them, or sends a header
//! or body of gigabytes must neither exhaust its memory nor starve the other
//! clients. Each limit is an [`EmulatorBuilder`](crate::EmulatorBuilder)
//! option; the defaults below are far above anything a real RDS request
//! needs.

use std::time::Duration;

/// The default of [`EmulatorBuilder::max_header_bytes`](crate::EmulatorBuilder::max_header_bytes):
/// 16 KiB for the request line and all headers together.
pub(crate) const DEFAULT_MAX_HEADER_BYTES: usize = 16 * 1024;

/// The default of [`EmulatorBuilder::max_body_bytes`](crate::EmulatorBuilder::max_body_bytes):
/// 1 MiB.
pub(crate) const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// The default of [`EmulatorBuilder::header_read_timeout`](crate::EmulatorBuilder::header_read_timeout):
/// 30 seconds.
pub(crate) const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default of [`EmulatorBuilder::body_read_timeout`](crate::EmulatorBuilder::body_read_timeout):
/// 30 seconds.
pub(crate) const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// The default of [`EmulatorBuilder::max_connections`](crate::EmulatorBuilder::max_connections):
/// 1024 connections served at once.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// The default of [`EmulatorBuilder::max_remembered_nonces`](crate::EmulatorBuilder::max_remembered_nonces):
/// 100,000 nonces, about 15 MB at most.
pub(crate) const DEFAULT_MAX_REMEMBERED_NONCES: usize = 100_000;

/// Request counts are kept for this many distinct action names; names
/// beyond them (which only a hostile client sends, RDS has a few hundred
/// actions) are not counted, so that they cannot grow the table.
pub(crate) const MAX_COUNTED_ACTIONS: usize = 4096;

/// The smallest read buffer hyper accepts; a smaller header limit still
/// applies, through hyper's own header size check.
const MINIMUM_READ_BUFFER_BYTES: usize = 8192;

/// Every bound of one emulator.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// The request line and headers together, in bytes.
    pub(crate) max_header_bytes: usize,
    /// The body, in bytes.
    pub(crate) max_body_bytes: usize,
    /// From the start of a connection, or the end of the previous answer on
    /// a kept-alive connection, to the end of the headers.
    pub(crate) header_read_timeout: Duration,
    /// From the end of the headers to the end of the body.
    pub(crate) body_read_timeout: Duration,
    /// Connections served at once; further clients wait in the listen
    /// backlog until one ends.
    pub(crate) max_connections: usize,
    /// Nonces remembered, for replay detection and for
    /// [`RunningEmulator::nonces`](crate::RunningEmulator::nonces).
    pub(crate) max_remembered_nonces: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_remembered_nonces: DEFAULT_MAX_REMEMBERED_NONCES,
        }
    }
}

impl Limits {
    /// The size of hyper's read buffer: enough for the largest accepted
    /// header, and never below hyper's minimum (a smaller value panics).
    pub(crate) fn read_buffer_bytes(&self) -> usize {
        self.max_header_bytes.max(MINIMUM_READ_BUFFER_BYTES)
    }

    /// The body limit in words, for the error answer.
    pub(crate) fn describe_max_body(&self) -> String {
        let bytes = self.max_body_bytes;
        if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
            format!("{} MiB", bytes / (1024 * 1024))
        } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
            format!("{} KiB", bytes / 1024)
        } else {
            format!("{bytes} bytes")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_read_buffer_never_goes_below_hyper_minimum() {
        let small = Limits {
            max_header_bytes: 100,
            ..Limits::default()
        };
        assert_eq!(small.read_buffer_bytes(), MINIMUM_READ_BUFFER_BYTES);
        assert_eq!(Limits::default().read_buffer_bytes(), 16 * 1024);
    }

    #[test]
    fn body_limits_are_described_in_the_largest_exact_unit() {
        let with = |max_body_bytes| Limits {
            max_body_bytes,
            ..Limits::default()
        };
        assert_eq!(with(1024 * 1024).describe_max_body(), "1 MiB");
        assert_eq!(with(4096).describe_max_body(), "4 KiB");
        assert_eq!(with(1000).describe_max_body(), "1000 bytes");
    }
}
