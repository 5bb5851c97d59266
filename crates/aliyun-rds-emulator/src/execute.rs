//! Running an operation against the model, and through the engine backend
//! when it changes a backed instance.
//!
//! An operation runs under the model's lock. When it changes no backed
//! instance, that one run is all (and everything happens as without a
//! backend). When it does, it stops before committing, naming the change
//! it needs (see `model::backing`), and the rest happens here, as the
//! `backend` module documents: the call takes the instance's gate, runs
//! the operation again to validate against the model as it is now, awaits
//! the backend's [`EngineBackend::apply`] without the lock, and runs the
//! operation once more to commit. That continuation runs in a task of its
//! own, so a client that goes away does not stop a change half-way.
//!
//! Jobs a committed call asks for (a precheck run by the backend) start
//! here too, in the background.

use std::sync::{Arc, PoisonError};

use crate::backend::{EngineBackend, InstanceChange};
use crate::error::ApiError;
use crate::gates::HeldGates;
use crate::model::backing::{BackendCall, Job};
use crate::model::refusal::{self, Refusal};
use crate::operations::{self, OperationOutput, OperationRequest};
use crate::request::ParsedRequest;
use crate::shared::Shared;

/// What one run of an operation came to.
enum Run {
    /// It answered (or refused); these jobs are to start.
    Finished(Result<OperationOutput, ApiError>, Vec<Job>),
    /// It needs a change applied by the backend first.
    NeedsBackend(BackendCall),
}

/// Runs the operation `action` for `request` (authenticated, with its
/// version checked), through the backend when it changes a backed
/// instance. The answer is not yet laid over the documented example.
pub(crate) async fn execute(
    shared: &Arc<Shared>,
    request: &ParsedRequest,
    action: &str,
    now_millis: i64,
) -> Result<OperationOutput, ApiError> {
    match run_once(shared, request, action, now_millis, BackendCall::default()) {
        Run::Finished(result, jobs) => {
            start_jobs(shared, jobs);
            result
        }
        Run::NeedsBackend(call) => {
            let shared = Arc::clone(shared);
            let request = request.clone();
            let action = action.to_owned();
            let continuation = tokio::spawn(async move {
                through_backend(&shared, &request, &action, now_millis, call).await
            });
            continuation.await.unwrap_or_else(|_| {
                Err(backend_failure(
                    "The engine backend stopped while it applied the change.",
                ))
            })
        }
    }
}

/// Runs the operation under the model's lock once, with what earlier runs
/// of the call asked of the backend.
fn run_once(
    shared: &Shared,
    request: &ParsedRequest,
    action: &str,
    now_millis: i64,
    call: BackendCall,
) -> Run {
    let documented = shared.documented.get(action);
    let operation_request = OperationRequest::new(request, action, documented, now_millis);
    let mut model = shared.model.lock().unwrap_or_else(PoisonError::into_inner);
    model.settle(now_millis);
    model.begin_call(call);
    let result = match (operations::find(action), documented) {
        (Some(handler), _) => handler(&mut model, &operation_request),
        (None, Some(operation)) => {
            operations::checked::answer(&mut model, operation, &operation_request)
        }
        (None, None) => Err(ApiError::action_not_found()),
    };
    let call = model.end_call();
    drop(model);
    if call.needed.is_some() {
        Run::NeedsBackend(call)
    } else {
        Run::Finished(result, call.jobs)
    }
}

/// The rest of a call that changes a backed instance: take the instance's
/// gate, validate again, apply, commit; as many times as the operation
/// needs changes.
async fn through_backend(
    shared: &Arc<Shared>,
    request: &ParsedRequest,
    action: &str,
    now_millis: i64,
    mut call: BackendCall,
) -> Result<OperationOutput, ApiError> {
    let mut held = HeldGates::default();
    loop {
        let Some((instance_id, change)) = call.needed.take() else {
            // `run_once` answers `NeedsBackend` only with a change.
            return Err(backend_failure(
                "No change was asked of the engine backend.",
            ));
        };
        if !held.holds(&instance_id) {
            // Validate again once no other call can change the instance.
            held.take(&shared.gates, &instance_id).await;
        } else {
            let Some(backend) = shared.backend.0.as_ref() else {
                return Err(backend_failure("The emulator has no engine backend."));
            };
            if let Err(refused) = apply(backend.as_ref(), action, &instance_id, &change).await {
                let documented = shared.documented.get(action);
                return Err(
                    OperationRequest::new(request, action, documented, now_millis).refuse(refused),
                );
            }
            call.applied.push((instance_id, change));
        }
        match run_once(shared, request, action, now_millis, call) {
            Run::Finished(result, jobs) => {
                start_jobs(shared, jobs);
                return result;
            }
            Run::NeedsBackend(next) => call = next,
        }
    }
}

/// Has the backend apply one change; its error, logged, as the refusal
/// the operation answers.
async fn apply(
    backend: &dyn EngineBackend,
    action: &str,
    instance_id: &str,
    change: &InstanceChange,
) -> Result<(), Refusal> {
    backend.apply(instance_id, change).await.map_err(|error| {
        eprintln!(
            "aliyun-rds-emulator: {action} on {instance_id}: the engine backend could not apply {}: {error}",
            change.kind()
        );
        let mut refused = Refusal::new(refusal::BACKEND_FAILED, error.message());
        refused.first_choice = error.code().map(str::to_owned);
        refused
    })
}

/// Starts the jobs a committed call asked for.
fn start_jobs(shared: &Arc<Shared>, jobs: Vec<Job>) {
    let Some(backend) = shared.backend.0.clone() else {
        return;
    };
    for job in jobs {
        let shared = Arc::clone(shared);
        let backend = Arc::clone(&backend);
        match job {
            Job::Precheck {
                task_id,
                instance_id,
                source,
            } => {
                tokio::spawn(async move {
                    let outcome = backend.precheck(&instance_id, &source).await;
                    let mut model = shared.model.lock().unwrap_or_else(PoisonError::into_inner);
                    model.finish_precheck(task_id, outcome);
                });
            }
        }
    }
}

/// `ExternalFailure` (500, with its documented message) with a hint, for
/// what should not happen: a backend that panicked, a change asked of a
/// backend that is not there.
fn backend_failure(hint: &str) -> ApiError {
    ApiError::new(
        hyper::StatusCode::INTERNAL_SERVER_ERROR,
        "ExternalFailure",
        "The request processing has failed due to external service failure.",
    )
    .recommend(hint)
}
