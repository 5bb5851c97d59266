//! The emulated account's state and what the emulator observed of its
//! traffic.
//!
//! [`AccountState`] holds the RDS resources that operations read and change;
//! it sits behind one lock so that an operation sees and leaves a consistent
//! state, as a real control plane serialises changes to an instance.
//! [`Traffic`] records per-action request counts and the nonces received, for
//! tests that assert "sent exactly once" or "retried with a fresh nonce".

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use crate::fixture::{Fixture, InstanceSnapshot};

/// The RDS resources of the emulated account.
#[derive(Debug, Clone, Default)]
pub(crate) struct AccountState {
    instances: Vec<InstanceSnapshot>,
}

impl AccountState {
    pub(crate) fn from_fixture(fixture: Fixture) -> Self {
        AccountState {
            instances: fixture.into_instances(),
        }
    }

    pub(crate) fn instance(&self, name: &str) -> Option<&InstanceSnapshot> {
        self.instances.iter().find(|instance| instance.name == name)
    }

    pub(crate) fn instance_mut(&mut self, name: &str) -> Option<&mut InstanceSnapshot> {
        self.instances
            .iter_mut()
            .find(|instance| instance.name == name)
    }
}

/// What the emulator saw of its traffic.
#[derive(Debug, Default)]
pub(crate) struct Traffic {
    requests_per_action: Mutex<HashMap<String, usize>>,
    nonces: Mutex<Vec<String>>,
}

impl Traffic {
    pub(crate) fn count_request(&self, action: &str) {
        let mut counts = self
            .requests_per_action
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        *counts.entry(action.to_owned()).or_insert(0) += 1;
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
        self.nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(nonce.to_owned());
    }

    pub(crate) fn nonces(&self) -> Vec<String> {
        self.nonces
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
