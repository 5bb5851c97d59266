//! Identifiers of new resources (instances, backups, tasks, parameter
//! groups, ...), reproducible from a seed.
//!
//! Each identifier is drawn from a counter-based generator: the `n`-th draw
//! is a hash of the seed and `n` (SplitMix64's finaliser). So the whole
//! generator state is two integers, which the saved state keeps, and the
//! same seed with the same sequence of calls gives the same identifiers on
//! every run and every machine. Without a seed the emulator picks one at
//! random when it starts.

use serde::{Deserialize, Serialize};

/// The lower-case letters and digits real RDS identifiers are made of.
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

/// A seeded source of identifiers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IdSource {
    seed: u64,
    drawn: u64,
}

impl IdSource {
    pub(crate) fn new(seed: u64) -> Self {
        IdSource { seed, drawn: 0 }
    }

    /// A seed from the operating system's randomness, for an emulator
    /// started without one.
    pub(crate) fn random_seed() -> u64 {
        let bits = uuid::Uuid::new_v4().as_u128();
        (bits as u64) ^ ((bits >> 64) as u64)
    }

    /// The next 64 pseudo-random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.drawn = self.drawn.wrapping_add(1);
        let mut z = self
            .seed
            .wrapping_add(self.drawn.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `length` lower-case letters and digits, as in `pgm-bp1k2...`.
    pub(crate) fn token(&mut self, length: usize) -> String {
        let mut token = String::with_capacity(length);
        let mut bits = self.next_u64();
        let mut left = 12;
        for _ in 0..length {
            if left == 0 {
                bits = self.next_u64();
                left = 12;
            }
            let index = usize::try_from(bits % ALPHABET.len() as u64).unwrap_or(0);
            token.push(char::from(ALPHABET[index]));
            bits /= ALPHABET.len() as u64;
            left -= 1;
        }
        token
    }

    /// A decimal number of exactly `digits` digits (at most 18), as backup
    /// and event IDs are.
    pub(crate) fn number(&mut self, digits: u32) -> u64 {
        let digits = digits.clamp(1, 18);
        let low = 10u64.pow(digits - 1);
        low + self.next_u64() % (low * 9)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_identifiers() {
        let mut first = IdSource::new(42);
        let mut second = IdSource::new(42);
        let draws = |source: &mut IdSource| (source.token(16), source.number(9), source.token(3));
        assert_eq!(draws(&mut first), draws(&mut second));
        assert_ne!(draws(&mut IdSource::new(43)), draws(&mut IdSource::new(42)));
    }

    #[test]
    fn tokens_and_numbers_have_their_shape() {
        let mut source = IdSource::new(7);
        for _ in 0..100 {
            let token = source.token(16);
            assert_eq!(token.len(), 16);
            assert!(
                token.bytes().all(|byte| ALPHABET.contains(&byte)),
                "{token}"
            );
            let number = source.number(9);
            assert!((100_000_000..1_000_000_000).contains(&number), "{number}");
        }
    }
}
