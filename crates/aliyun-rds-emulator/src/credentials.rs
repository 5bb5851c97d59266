//! The access keys the emulator accepts, and the documented demo pair.
//!
//! A real account has AccessKey pairs and, for temporary STS credentials, a
//! security token bound to the pair. The emulator keeps the same model: each
//! [`KeyPair`] it is started with is accepted, and one that carries a token is
//! only accepted together with that token.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};

/// The AccessKey ID of the demo pair, accepted when the emulator is started
/// without any [`crate::EmulatorBuilder::key_pair`] call. It grants access to
/// nothing but a local emulator.
pub const DEMO_ACCESS_KEY_ID: &str = "LTAI5tRdsEmulatorDemoKey";

/// The AccessKey secret of the demo pair (see [`DEMO_ACCESS_KEY_ID`]).
pub const DEMO_ACCESS_KEY_SECRET: &str = "RdsEmulatorDemoSecretNotForProduction";

/// An AccessKey pair the emulator accepts, with an optional STS security
/// token that requests signed with the pair must then carry.
///
/// `Debug` shows the AccessKey ID only: the secret and the token are
/// redacted, so a pair can be logged safely.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyPair {
    /// The AccessKey ID, sent in clear by clients.
    pub access_key_id: String,
    /// The AccessKey secret that signs requests.
    pub access_key_secret: String,
    /// The STS security token bound to the pair, if the pair is temporary.
    pub security_token: Option<String>,
}

impl KeyPair {
    /// A long-lived pair, without a security token.
    pub fn new(access_key_id: impl Into<String>, access_key_secret: impl Into<String>) -> Self {
        KeyPair {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: None,
        }
    }

    /// A temporary STS pair: requests must carry `security_token`.
    pub fn with_security_token(
        access_key_id: impl Into<String>,
        access_key_secret: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        KeyPair {
            access_key_id: access_key_id.into(),
            access_key_secret: access_key_secret.into(),
            security_token: Some(security_token.into()),
        }
    }

    /// The documented demo pair, [`DEMO_ACCESS_KEY_ID`] and
    /// [`DEMO_ACCESS_KEY_SECRET`].
    pub fn demo() -> Self {
        KeyPair::new(DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET)
    }
}

impl fmt::Debug for KeyPair {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("KeyPair")
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// A pair the emulator knows, with the instant (Unix seconds on the
/// emulator's clock) it stops working, for temporary pairs issued by the
/// emulated STS.
#[derive(Debug, Clone)]
pub(crate) struct KnownKey {
    pub(crate) pair: KeyPair,
    pub(crate) expires_at: Option<i64>,
}

/// How long an expired STS pair is still remembered, so that requests
/// signed with it are told it expired rather than that it is unknown.
const FORGET_EXPIRED_AFTER_SECONDS: i64 = 24 * 60 * 60;

/// The set of pairs a running emulator accepts, looked up by AccessKey ID:
/// the pairs it was started with, and the temporary pairs its STS issued.
#[derive(Debug)]
pub(crate) struct KeyStore {
    pairs: Vec<KeyPair>,
    issued: Mutex<HashMap<String, KnownKey>>,
}

impl KeyStore {
    pub(crate) fn new(pairs: Vec<KeyPair>) -> Self {
        // A later pair with the same ID replaces an earlier one, as the
        // builder documents.
        let mut unique: Vec<KeyPair> = Vec::with_capacity(pairs.len());
        for pair in pairs {
            unique.retain(|existing| existing.access_key_id != pair.access_key_id);
            unique.push(pair);
        }
        KeyStore {
            pairs: unique,
            issued: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn find(&self, access_key_id: &str) -> Option<KnownKey> {
        if let Some(pair) = self
            .pairs
            .iter()
            .find(|pair| pair.access_key_id == access_key_id)
        {
            return Some(KnownKey {
                pair: pair.clone(),
                expires_at: None,
            });
        }
        self.issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(access_key_id)
            .cloned()
    }

    /// Accepts a temporary pair until `expires_at` (Unix seconds), and
    /// forgets pairs that expired long ago.
    pub(crate) fn issue(&self, pair: KeyPair, expires_at: i64) {
        let mut issued = self.issued.lock().unwrap_or_else(PoisonError::into_inner);
        issued.retain(|_, known| {
            known
                .expires_at
                .is_none_or(|at| expires_at.saturating_sub(at) < FORGET_EXPIRED_AFTER_SECONDS)
        });
        issued.insert(
            pair.access_key_id.clone(),
            KnownKey {
                pair,
                expires_at: Some(expires_at),
            },
        );
    }

    /// Whether `token` belongs to some pair other than the one named, which
    /// tells a token sent with the wrong key from a token that is garbage.
    pub(crate) fn token_belongs_to_another_pair(&self, access_key_id: &str, token: &str) -> bool {
        let other_with_token = |pair: &KeyPair| {
            pair.access_key_id != access_key_id && pair.security_token.as_deref() == Some(token)
        };
        self.pairs.iter().any(other_with_token)
            || self
                .issued
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .values()
                .any(|known| other_with_token(&known.pair))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secret_and_token() {
        let pair = KeyPair::with_security_token("id-visible", "secret-hidden", "token-hidden");
        let shown = format!("{pair:?}");
        assert!(shown.contains("id-visible"));
        assert!(!shown.contains("secret-hidden"));
        assert!(!shown.contains("token-hidden"));
    }

    #[test]
    fn later_pair_with_same_id_wins() {
        let store = KeyStore::new(vec![KeyPair::new("a", "old"), KeyPair::new("a", "new")]);
        assert_eq!(
            store.find("a").map(|known| known.pair.access_key_secret),
            Some("new".to_owned())
        );
    }
}
