//! The emulated account's resources, in memory: the one model every
//! modelled operation reads and writes.
//!
//! [`Model`] holds the account's instances (each with its accounts,
//! databases, whitelists, endpoints, parameters, backups, tags and
//! settings: one module per concept below), the account-wide whitelist
//! templates and parameter groups, the journal of events and tasks, the
//! cloud migration bookkeeping, and the seeded source of identifiers. The
//! server keeps it behind one lock, held for the whole of each operation,
//! so an operation sees and leaves a consistent state and no update is
//! lost however many calls are in flight.
//!
//! Time enters the model only as the emulator's clock passed in by each
//! call (`now_millis`): [`Model::settle`] ends the changes in progress
//! whose time has come, and [`Model::poll`] counts an answer that reports
//! an instance, for the poll pace.
//!
//! The model serialises to JSON for `--state FILE`; what is configuration
//! rather than state (the pace, the engine backend, the migration polls)
//! is left out and comes from the running emulator.

pub(crate) mod accounts;
pub(crate) mod backing;
pub(crate) mod backups;
pub(crate) mod databases;
pub(crate) mod endpoints;
pub(crate) mod engines;
pub(crate) mod events;
pub(crate) mod ids;
pub(crate) mod instances;
pub(crate) mod lifecycle;
pub(crate) mod migration;
pub(crate) mod pace;
pub(crate) mod parameters;
pub(crate) mod refusal;
pub(crate) mod settings;
pub(crate) mod status;
pub(crate) mod tags;
pub(crate) mod whitelists;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::backend::{BackendEndpoint, BackendSlot, BackendStatus, EngineBackend, InstanceChange};
use crate::fixture::{Fixture, InstanceSnapshot};
use backing::{BackendCall, Job};
use events::{Journal, Task, TaskStatus};
use ids::IdSource;
use instances::{Instance, Instances, Next, Pending};
use migration::MigrationBook;
use pace::{Due, Pace};
use parameters::ParameterGroups;
use refusal::Refusal;
use whitelists::WhitelistTemplates;

/// The format name and version a state file starts with.
pub(crate) const STATE_FORMAT: &str = "aliyun-rds-emulator-state/1";

/// What configures a model without being part of its state.
#[derive(Clone, Default)]
pub(crate) struct ModelConfig {
    pub(crate) pace: Pace,
    pub(crate) seed: Option<u64>,
    pub(crate) polls_per_stage: u32,
    pub(crate) precheck_pending_answers: u32,
    pub(crate) backend: Option<Arc<dyn EngineBackend>>,
}

impl fmt::Debug for ModelConfig {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("ModelConfig")
            .field("pace", &self.pace)
            .field("seed", &self.seed)
            .field("polls_per_stage", &self.polls_per_stage)
            .field("precheck_pending_answers", &self.precheck_pending_answers)
            .field("backend", &self.backend.is_some())
            .finish()
    }
}

/// How to build the model the emulator starts with, kept to build it
/// again for a reset rather than a copy of the model: the fixture and the
/// seeded instances to add to it (which are made afresh), or the text of
/// the state file loaded.
#[derive(Debug, Clone)]
pub(crate) enum Origin {
    Fixture {
        fixture: Fixture,
        seeded: Vec<(String, usize)>,
    },
    State(String),
}

/// The starting model's origin and configuration, with a fixed seed.
#[derive(Debug, Clone)]
pub(crate) struct Recipe {
    origin: Origin,
    config: ModelConfig,
}

impl Recipe {
    /// A recipe; without a seed in `config`, one is picked at random now,
    /// so that every model it builds has the same identifiers.
    pub(crate) fn new(origin: Origin, mut config: ModelConfig) -> Recipe {
        config.seed = Some(config.seed.unwrap_or_else(IdSource::random_seed));
        Recipe { origin, config }
    }

    /// The starting model; an error says why a state file is not one.
    pub(crate) fn build(&self) -> Result<Model, String> {
        match &self.origin {
            Origin::Fixture { fixture, seeded } => {
                let fixture = seeded
                    .iter()
                    .fold(fixture.clone(), |fixture, (region_id, count)| {
                        fixture.with_seeded_instances(region_id, *count)
                    });
                Ok(Model::from_fixture(fixture, &self.config))
            }
            Origin::State(text) => Model::from_state_json(text, &self.config),
        }
    }
}

/// The account's resources. See the module documentation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Model {
    pub(crate) instances: Instances,
    pub(crate) whitelist_templates: WhitelistTemplates,
    pub(crate) parameter_groups: ParameterGroups,
    pub(crate) journal: Journal,
    pub(crate) migration: MigrationBook,
    pub(crate) ids: IdSource,
    /// Account-wide settings (`EnableEventLog`), by request parameter name.
    pub(crate) account_settings: BTreeMap<String, String>,
    /// Instances with a change or a backup in progress, which
    /// [`Model::settle`] looks at.
    #[serde(skip)]
    busy: BTreeSet<String>,
    #[serde(skip)]
    pub(crate) pace: Pace,
    #[serde(skip)]
    backend: BackendSlot,
    /// What the call being run has asked of the backend.
    #[serde(skip)]
    call: BackendCall,
}

/// The document a state file holds.
#[derive(Serialize, Deserialize)]
struct StateDocument {
    #[serde(rename = "Format")]
    format: String,
    #[serde(rename = "Model")]
    model: Model,
}

impl Model {
    /// The state a fixture describes.
    pub(crate) fn from_fixture(fixture: Fixture, config: &ModelConfig) -> Model {
        let seed = config.seed.unwrap_or_else(IdSource::random_seed);
        let mut model = Model {
            instances: Instances::default(),
            whitelist_templates: WhitelistTemplates::default(),
            parameter_groups: ParameterGroups::default(),
            journal: Journal::default(),
            migration: MigrationBook::default(),
            ids: IdSource::new(seed),
            account_settings: BTreeMap::new(),
            busy: BTreeSet::new(),
            pace: config.pace,
            backend: BackendSlot::default(),
            call: BackendCall::default(),
        };
        for (snapshot, attributes) in fixture.into_parts() {
            if let Some(task) = &snapshot.migration_task {
                model.migration.reserve_task_id(task.task_id);
                model.migration.records.insert(
                    task.task_id,
                    migration::MigrationRecord {
                        task_name: format!("migration-{}", task.task_id),
                        instance_name: snapshot.name.clone(),
                        source_account: String::new(),
                        source_category: None,
                        precheck_detail: String::new(),
                        created: attributes.creation_time.clone(),
                        modified: attributes.creation_time.clone(),
                        polls_in_stage: 0,
                        switch_time: None,
                    },
                );
            }
            let instance = instances::from_fixture(snapshot, attributes);
            model.instances.insert(instance);
        }
        model.configure(config);
        model
    }

    /// Applies the configuration that is not part of the state (after
    /// loading a state file, too).
    pub(crate) fn configure(&mut self, config: &ModelConfig) {
        self.pace = config.pace;
        self.migration.polls_per_stage = config.polls_per_stage.max(1);
        self.migration.precheck_pending_answers = config.precheck_pending_answers;
        self.backend = BackendSlot(config.backend.clone());
        self.busy = self
            .instances
            .iter()
            .filter(|instance| instance.pending.is_some() || instance.backups.running().is_some())
            .map(|instance| instance.id.clone())
            .collect();
    }

    /// The model as a state file's JSON.
    pub(crate) fn to_state_json(&self) -> String {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            #[serde(rename = "Format")]
            format: &'a str,
            #[serde(rename = "Model")]
            model: &'a Model,
        }
        serde_json::to_string_pretty(&Borrowed {
            format: STATE_FORMAT,
            model: self,
        })
        .unwrap_or_default()
    }

    /// A model read from a state file's JSON.
    pub(crate) fn from_state_json(json: &str, config: &ModelConfig) -> Result<Model, String> {
        let document: StateDocument =
            serde_json::from_str(json).map_err(|error| error.to_string())?;
        if document.format != STATE_FORMAT {
            return Err(format!(
                "the state's Format is \"{}\", not \"{STATE_FORMAT}\"",
                document.format
            ));
        }
        let mut model = document.model;
        model.configure(config);
        Ok(model)
    }

    /// The instance, or the not-found refusal.
    pub(crate) fn find(&self, id: &str) -> Result<&Instance, Refusal> {
        self.instances.get(id).ok_or_else(|| instance_not_found(id))
    }

    /// The instance to change, or the not-found refusal.
    pub(crate) fn find_mut(&mut self, id: &str) -> Result<&mut Instance, Refusal> {
        self.instances
            .get_mut(id)
            .ok_or_else(|| instance_not_found(id))
    }

    /// The public view of an instance.
    pub(crate) fn snapshot(&self, id: &str) -> Option<InstanceSnapshot> {
        self.instances.get(id).map(|instance| InstanceSnapshot {
            name: instance.id.clone(),
            status: instance.status.clone(),
            engine: instance.engine.clone(),
            engine_version: (!instance.engine_version.is_empty())
                .then(|| instance.engine_version.clone()),
            region_id: Some(instance.region_id.clone()),
            migration_task: instance.migration_task.clone(),
        })
    }

    /// The backend serving `engine`, if one does.
    fn backend_for(&self, engine: &str) -> Option<&Arc<dyn EngineBackend>> {
        self.backend
            .0
            .as_ref()
            .filter(|backend| backend.serves(engine))
    }

    /// The backend standing behind the instance, if it is backed.
    fn backend_of(&self, instance: &Instance) -> Option<&Arc<dyn EngineBackend>> {
        if instance.backed {
            self.backend_for(&instance.engine)
        } else {
            None
        }
    }

    /// Whether the instance is backed by a backend that performs the cloud
    /// migration for real (see `EngineBackend::migrates`).
    pub(crate) fn migrates_for_real(&self, instance: &Instance) -> bool {
        self.backend_of(instance)
            .is_some_and(|backend| backend.migrates())
    }

    /// The progress the backend reports of the migration into the
    /// instance, if it runs one.
    pub(crate) fn backend_migration(
        &self,
        instance: &Instance,
    ) -> Option<crate::backend::MigrationReport> {
        self.backend_of(instance)
            .and_then(|backend| backend.migration(&instance.id))
    }

    /// Starts the call's run of an operation, with what earlier runs of
    /// the same call asked of the backend (see the `backing` module).
    pub(crate) fn begin_call(&mut self, call: BackendCall) {
        self.call = call.rerun();
    }

    /// Ends the call's run of an operation: what it asked of the backend.
    pub(crate) fn end_call(&mut self) -> BackendCall {
        std::mem::take(&mut self.call)
    }

    /// Work to start in the background once the call has committed.
    pub(crate) fn start_job(&mut self, job: Job) {
        self.call.jobs.push(job);
    }

    /// Tells the backend standing behind the instance about a change the
    /// caller has validated and is about to commit: `Ok` when no backend
    /// stands behind it or the backend has applied the change for this
    /// call; otherwise the change is recorded as needed and refused, so
    /// that the caller stops before committing (see the `backing` module).
    pub(crate) fn notify(&mut self, id: &str, change: InstanceChange) -> Result<(), Refusal> {
        let Some(instance) = self.instances.get(id) else {
            return Ok(());
        };
        let creating = matches!(change, InstanceChange::Created { .. });
        let served = if creating {
            self.backend_for(&instance.engine).is_some()
        } else {
            self.backend_of(instance).is_some()
        };
        if !served {
            return Ok(());
        }
        if let Some(position) = self
            .call
            .applied
            .iter()
            .position(|(applied_id, applied)| applied_id == id && *applied == change)
        {
            self.call.applied.remove(position);
            return Ok(());
        }
        if creating {
            self.call.new_instance_id = Some(id.to_owned());
        }
        self.call.needed = Some((id.to_owned(), change));
        Err(Refusal::new(
            refusal::BACKEND_PENDING,
            "The engine backend has not applied this change yet.",
        ))
    }

    /// The ID the call's new instance takes, when an earlier run of the
    /// call chose it and the backend is creating it under that ID.
    pub(crate) fn reserved_instance_id(&self) -> Option<String> {
        self.call
            .new_instance_id
            .clone()
            .filter(|id| !self.instances.contains(id))
    }

    /// The backend's endpoint for the instance, if it is backed and the
    /// backend has one.
    pub(crate) fn backend_endpoint(&self, instance: &Instance) -> Option<BackendEndpoint> {
        self.backend_of(instance)
            .and_then(|backend| backend.endpoint(&instance.id))
    }

    /// Whether a change in progress on the instance may end: always, unless
    /// it is backed and the backend is not ready.
    fn backend_ready(&self, instance: &Instance) -> bool {
        self.backend_of(instance)
            .is_none_or(|backend| backend.status(&instance.id) == BackendStatus::Ready)
    }

    /// A fresh task ID.
    pub(crate) fn new_task_id(&mut self) -> String {
        self.ids.number(9).to_string()
    }

    /// Records an event of an instance, caused by `action`, with the
    /// request's identifying parameters as its payload.
    pub(crate) fn record_event(
        &mut self,
        action: &str,
        instance_id: &str,
        now_millis: i64,
        payload: String,
    ) {
        let region_id = self
            .instances
            .get(instance_id)
            .map(|instance| instance.region_id.clone())
            .unwrap_or_default();
        self.journal
            .record_event(action, instance_id, &region_id, now_millis / 1000, payload);
    }

    /// Puts the instance in `status` until the change ends at the
    /// emulator's pace, as `next`; the change shows as a task of
    /// `action`. With the instant pace the change has ended on return.
    pub(crate) fn begin_change(
        &mut self,
        id: &str,
        status: &str,
        next: Next,
        action: &str,
        restarts: bool,
        now_millis: i64,
    ) {
        let task_id = self.new_task_id();
        let due = self.pace.due_from(now_millis);
        let Some(instance) = self.instances.get_mut(id) else {
            return;
        };
        instance.status = status.to_owned();
        instance.pending = Some(Pending {
            next,
            due,
            task_id: Some(task_id.clone()),
            restarts,
        });
        let task = Task {
            id: task_id,
            action: action.to_owned(),
            instance_id: id.to_owned(),
            region_id: instance.region_id.clone(),
            database: String::new(),
            began: now_millis / 1000,
            finished: None,
            status: TaskStatus::Running,
        };
        self.journal.start_task(task);
        self.busy.insert(id.to_owned());
        self.settle_one(id, now_millis, false);
    }

    /// Marks the instance as having a backup job in progress.
    pub(crate) fn track(&mut self, id: &str) {
        self.busy.insert(id.to_owned());
    }

    /// Ends every change and backup whose time has come by `now_millis`.
    pub(crate) fn settle(&mut self, now_millis: i64) {
        if self.busy.is_empty() {
            return;
        }
        let busy: Vec<String> = self.busy.iter().cloned().collect();
        for id in busy {
            self.settle_one(&id, now_millis, false);
        }
    }

    /// One answer is about to report the instance: with the poll pace this
    /// counts a poll of its change in progress (ending it when its polls
    /// are spent); with a time pace it ends the change if its time has
    /// come.
    pub(crate) fn poll(&mut self, id: &str, now_millis: i64) {
        self.settle_one(id, now_millis, true);
    }

    /// One answer is about to report the instance's backups: counts a poll
    /// of its running backup job.
    pub(crate) fn poll_backups(&mut self, id: &str, now_millis: i64) {
        let Some(instance) = self.instances.get_mut(id) else {
            return;
        };
        let ended = instance.backups.settle(now_millis, true);
        for task_id in ended {
            self.journal.finish_task(&task_id, now_millis / 1000);
        }
        self.forget_if_idle(id);
    }

    fn settle_one(&mut self, id: &str, now_millis: i64, polled: bool) {
        let Some(instance) = self.instances.get(id) else {
            self.busy.remove(id);
            return;
        };
        let ready = self.backend_ready(instance);
        let Some(instance) = self.instances.get_mut(id) else {
            return;
        };
        let ended = instance.backups.settle(now_millis, false);
        for task_id in ended {
            self.journal.finish_task(&task_id, now_millis / 1000);
        }
        let Some(instance) = self.instances.get_mut(id) else {
            return;
        };
        let done = match instance.pending.as_mut() {
            None => false,
            Some(pending) => {
                let reached = if polled {
                    pending.due.poll(now_millis)
                } else {
                    pending.due.is_reached(now_millis)
                };
                reached && ready
            }
        };
        if done {
            self.end_change(id, now_millis);
        }
        self.forget_if_idle(id);
    }

    /// Ends the instance's change in progress.
    fn end_change(&mut self, id: &str, now_millis: i64) {
        let Some(instance) = self.instances.get_mut(id) else {
            return;
        };
        let Some(pending) = instance.pending.take() else {
            return;
        };
        let ended_at = match pending.due {
            Due::AtMillis(at) => at.min(now_millis),
            _ => now_millis,
        } / 1000;
        match pending.next {
            Next::Status(status) => {
                instance.status = status;
                if pending.restarts {
                    instance.parameters.restarted();
                }
            }
            Next::Removed => self.remove_instance(id),
        }
        if let Some(task_id) = pending.task_id {
            self.journal.finish_task(&task_id, ended_at);
        }
    }

    /// Removes an instance and the links other instances have to it.
    pub(crate) fn remove_instance(&mut self, id: &str) {
        if let Some(instance) = self.instances.remove(id) {
            if let Some(primary) = instance
                .primary_id
                .as_deref()
                .and_then(|primary| self.instances.get_mut(primary))
            {
                primary.read_only_ids.retain(|known| known != id);
                if primary.temp_id.as_deref() == Some(id) {
                    primary.temp_id = None;
                }
            }
        }
        self.busy.remove(id);
    }

    fn forget_if_idle(&mut self, id: &str) {
        let idle = self.instances.get(id).is_none_or(|instance| {
            instance.pending.is_none() && instance.backups.running().is_none()
        });
        if idle {
            self.busy.remove(id);
        }
    }
}

/// The refusal for an unknown instance ID.
pub(crate) fn instance_not_found(id: &str) -> Refusal {
    Refusal::new(
        refusal::INSTANCE_NOT_FOUND,
        format!("No instance has the ID {id}; DescribeDBInstances lists the instances."),
    )
}
