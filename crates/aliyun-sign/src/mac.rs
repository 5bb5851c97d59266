//! The HMAC states both signature versions are keyed with.
//!
//! The RPC signature (V1) keys HMAC-SHA1 with `secret&`; [`Credentials`]
//! keeps that keyed state once per AccessKey pair, since keying costs two
//! hash blocks per signature otherwise. It lives below both the signer and
//! the credentials so that neither has to reach into the other.
//!
//! [`Credentials`]: crate::identity::Credentials

use hmac::{Hmac, Mac};
use sha1::Sha1;

/// HMAC-SHA1 keyed for RPC signatures: with `secret&`.
pub(crate) fn v1_mac(access_key_secret: &str) -> Hmac<Sha1> {
    let secret = access_key_secret.as_bytes();
    // Secrets are 30 characters; building `secret&` on the stack keeps the
    // signer free of an allocation that would only hold a secret anyway.
    let mut stack_key = [0u8; 64];
    if secret.len() < stack_key.len() {
        stack_key[..secret.len()].copy_from_slice(secret);
        stack_key[secret.len()] = b'&';
        return <Hmac<Sha1> as Mac>::new_from_slice(&stack_key[..secret.len() + 1])
            .unwrap_or_else(|_| unreachable_hmac());
    }
    let mut key = Vec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret);
    key.push(b'&');
    <Hmac<Sha1> as Mac>::new_from_slice(&key).unwrap_or_else(|_| unreachable_hmac())
}

#[cold]
pub(crate) fn unreachable_hmac<T>() -> T {
    // `new_from_slice` only fails for fixed-size-key MACs; HMAC has none.
    // Reaching here would be a bug in the hmac crate, not bad input.
    unreachable!("HMAC accepts keys of every length")
}
