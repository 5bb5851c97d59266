//! What the emulator observed of its traffic.
//!
//! [`Traffic`] records per-action request counts and the nonces received, for
//! tests that assert "sent exactly once" or "retried with a fresh nonce".

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use crate::limits::MAX_COUNTED_ACTIONS;

/// What the emulator saw of its traffic, in bounded memory: counts for at
/// most [`MAX_COUNTED_ACTIONS`] action names, and the latest
/// `max_nonces` nonces.
#[derive(Debug)]
pub(crate) struct Traffic {
    requests_per_action: Mutex<HashMap<String, usize>>,
    nonces: Mutex<VecDeque<String>>,
    max_nonces: usize,
}

impl Traffic {
    pub(crate) fn new(max_nonces: usize) -> Self {
        Traffic {
            requests_per_action: Mutex::new(HashMap::new()),
            nonces: Mutex::new(VecDeque::new()),
            max_nonces,
        }
    }

    pub(crate) fn count_request(&self, action: &str) {
        let mut counts = self
            .requests_per_action
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(action) {
            *count += 1;
        } else if counts.len() < MAX_COUNTED_ACTIONS {
            counts.insert(action.to_owned(), 1);
        }
    }

    pub(crate) fn request_count(&self, action: &str) -> usize {
        self.requests_per_action
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(action)
            .copied()
            .unwrap_or(0)
    }

    pub(crate) fn record_nonce(&self, nonce: &str) {
        let mut nonces = self.nonces.lock().unwrap_or_else(PoisonError::into_inner);
        if nonces.len() >= self.max_nonces {
            nonces.pop_front();
        }
        nonces.push_back(nonce.to_owned());
    }

    pub(crate) fn nonces(&self) -> Vec<String> {
        self.nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .cloned()
            .collect()
    }
}
