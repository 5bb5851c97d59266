//! The gates that keep the changes to each backed instance in order: a call
//! that changes an instance an engine backend stands behind holds its gate
//! from before it validates the change until it has committed it (see the
//! `execute` module), so the backend applies one change to an instance at
//! a time, in the order the model commits them.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OwnedMutexGuard;

/// One gate per backed instance: held by a call that changes it from
/// before it validates until it has committed, so that the changes to an
/// instance reach the backend one at a time, in order.
#[derive(Debug, Default)]
pub(crate) struct InstanceGates(Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>);

impl InstanceGates {
    fn gate(&self, instance_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // Gates nobody holds or waits for are dropped as calls come, so
        // the map stays as small as the number of instances in use.
        gates.retain(|_, gate| Arc::strong_count(gate) > 1);
        Arc::clone(gates.entry(instance_id.to_owned()).or_default())
    }
}

/// The gates one call holds, by instance ID.
#[derive(Default)]
pub(crate) struct HeldGates(BTreeMap<String, OwnedMutexGuard<()>>);

impl HeldGates {
    pub(crate) fn holds(&self, instance_id: &str) -> bool {
        self.0.contains_key(instance_id)
    }

    /// Takes the gate of `instance_id` too. Gates are always taken in the
    /// order of their instance IDs, so two calls that each need two never
    /// wait for each other: the ones held are let go and taken again with
    /// the new one in order.
    pub(crate) async fn take(&mut self, gates: &InstanceGates, instance_id: &str) {
        let mut wanted: Vec<String> = std::mem::take(&mut self.0).into_keys().collect();
        wanted.push(instance_id.to_owned());
        wanted.sort();
        for id in wanted {
            let guard = gates.gate(&id).lock_owned().await;
            self.0.insert(id, guard);
        }
    }
}
