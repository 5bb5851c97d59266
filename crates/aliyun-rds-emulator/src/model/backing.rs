//! The model's side of the engine backend: what one call has asked of the
//! backend, and the checks that tell the backend of a change.
//!
//! An operation that changes a backed instance runs as the `backend`
//! module describes: validate, apply, commit. The model's part is
//! [`Model::notify`](super::Model::notify), which every change calls after
//! validating and before committing. It answers `Ok` when no backend
//! stands behind the instance, or when the backend has already applied
//! this very change for this call ([`BackendCall::applied`]); otherwise it
//! records the change as [`BackendCall::needed`] and refuses, which stops
//! the operation before it commits anything. The pipeline then applies the
//! change outside the model's lock and runs the operation again with the
//! change among the applied ones.
//!
//! Whatever an operation must start once it has committed (a precheck that
//! runs in the background) is a [`Job`] of the call.

use crate::backend::{InstanceChange, MigrationSource};

/// What one call has asked of the engine backend, carried from one run of
/// the operation to the next.
#[derive(Debug, Clone, Default)]
pub(crate) struct BackendCall {
    /// Changes the backend has applied for this call that the operation
    /// has not met again yet, by instance.
    pub(crate) applied: Vec<(String, InstanceChange)>,
    /// The ID the call's new instance takes: it is chosen when the
    /// operation first runs, and the backend creates the instance under
    /// it, so later runs must not choose another.
    pub(crate) new_instance_id: Option<String>,
    /// The change the operation needs applied before it can commit.
    pub(crate) needed: Option<(String, InstanceChange)>,
    /// Work to start once the call has committed.
    pub(crate) jobs: Vec<Job>,
}

impl BackendCall {
    /// The call as it enters another run of the operation: what it needed
    /// and the jobs of the previous run are forgotten.
    pub(crate) fn rerun(mut self) -> BackendCall {
        self.needed = None;
        self.jobs.clear();
        self
    }
}

/// Work a committed call starts in the background.
#[derive(Debug, Clone)]
pub(crate) enum Job {
    /// Runs the precheck of a precheck task on the backend, then records
    /// its report in the task.
    Precheck {
        task_id: i64,
        instance_id: String,
        source: MigrationSource,
    },
}
