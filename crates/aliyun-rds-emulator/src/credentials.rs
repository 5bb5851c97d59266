//! The access keys the emulator accepts, and the documented demo pair.
//!
//! A real account has AccessKey pairs and, for temporary STS credentials, a
//! security token bound to the pair. The emulator keeps the same model: each
//! [`KeyPair`] it is started with is accepted, and one that carries a token is
//! only accepted together with that token.

use std::fmt;

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

/// The set of pairs a running emulator accepts, looked up by AccessKey ID.
#[derive(Debug, Clone)]
pub(crate) struct KeyStore {
    pairs: Vec<KeyPair>,
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
        KeyStore { pairs: unique }
    }

    pub(crate) fn find(&self, access_key_id: &str) -> Option<&KeyPair> {
        self.pairs
            .iter()
            .find(|pair| pair.access_key_id == access_key_id)
    }

    /// Whether `token` belongs to some pair other than the one named, which
    /// tells a token sent with the wrong key from a token that is garbage.
    pub(crate) fn token_belongs_to_another_pair(&self, access_key_id: &str, token: &str) -> bool {
        self.pairs.iter().any(|pair| {
            pair.access_key_id != access_key_id && pair.security_token.as_deref() == Some(token)
        })
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
            store.find("a").map(|pair| pair.access_key_secret.as_str()),
            Some("new")
        );
    }
}
