//! Where the signer gets the time and its nonces.
//!
//! Both are injectable so tests and pre-signed examples are deterministic;
//! production uses the system clock and a CSPRNG. The runtime adds the
//! clock-skew offset it learns from the service on top of the clock.

use std::fmt;
use std::time::SystemTime;

use rand::RngCore;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time.
    fn now(&self) -> SystemTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> SystemTime {
        SystemTime::now()
    }
}

/// A clock that always reads the same instant (for tests and examples).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub SystemTime);

impl Clock for FixedClock {
    fn now(&self) -> SystemTime {
        self.0
    }
}

/// A source of signature nonces. Every attempt needs a fresh one: the
/// service rejects a nonce it saw within 15 minutes.
pub trait NonceSource: Send + Sync + fmt::Debug {
    /// A new nonce: printable, at most 64 characters.
    fn nonce(&self) -> String;
}

/// 128 random bits from the thread-local CSPRNG, as 32 lower-case hex digits.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn nonce(&self) -> String {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        // Encoding into a stack buffer avoids `hex::encode`, which
        // collects the digits one `char` at a time.
        let mut digits = [0u8; 32];
        match hex::encode_to_slice(bytes, &mut digits) {
            Ok(()) => String::from_utf8_lossy(&digits).into_owned(),
            Err(_) => hex::encode(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_nonces_are_32_lower_case_hex_digits_and_differ() {
        let first = RandomNonce.nonce();
        let second = RandomNonce.nonce();
        for nonce in [&first, &second] {
            assert_eq!(nonce.len(), 32);
            assert!(nonce
                .bytes()
                .all(|digit| digit.is_ascii_digit() || (b'a'..=b'f').contains(&digit)));
        }
        assert_ne!(first, second);
    }
}
