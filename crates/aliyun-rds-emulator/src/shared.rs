//! What every request shares across connections: the verifier, the clock,
//! the faults, the model behind its lock, the operations' metadata, the
//! engine backend and its gates.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::backend::BackendSlot;
use crate::clock::Clock;
use crate::faults::FaultTable;
use crate::gates::InstanceGates;
use crate::limits::Limits;
use crate::model::{Model, Recipe};
use crate::observe::Observer;
use crate::operations::documented::Documented;
use crate::sts::StsConfig;
use crate::traffic::Traffic;
use crate::verify::Verifier;

/// Everything the request pipeline shares across connections.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) verifier: Verifier,
    pub(crate) clock: Clock,
    pub(crate) faults: Arc<FaultTable>,
    pub(crate) traffic: Traffic,
    /// The account's resources, behind the one lock every operation holds
    /// while it runs.
    pub(crate) model: Mutex<Model>,
    /// How the model the emulator started with is built, for a reset.
    pub(crate) initial: Recipe,
    /// The operations' metadata, by action name: their documented error
    /// tables and examples, and the operations answered from their
    /// documentation when no handler models them.
    pub(crate) documented: HashMap<&'static str, Documented>,
    /// What the emulated STS knows.
    pub(crate) sts: StsConfig,
    /// The size and time bounds of requests.
    pub(crate) limits: Limits,
    /// Told about every request that names an action.
    pub(crate) observer: Option<Observer>,
    /// The engine backend behind the backed instances, if any.
    pub(crate) backend: BackendSlot,
    /// The gates that order the changes to each backed instance.
    pub(crate) gates: InstanceGates,
}
