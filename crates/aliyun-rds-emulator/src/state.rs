//! The emulated account's state and what the emulator observed of its
//! traffic.
//!
//! [`AccountState`] holds the RDS resources that operations read and change
//! (instances with their attributes, precheck tasks, the bookkeeping of
//! migration tasks, and the rule that moves migration tasks on per poll);
//! it sits behind one lock so that an operation sees and leaves a consistent
//! state, as a real control plane serialises changes to an instance.
//! [`Traffic`] records per-action request counts and the nonces received, for
//! tests that assert "sent exactly once" or "retried with a fresh nonce".

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};

use crate::fixture::{Fixture, InstanceAttributes, InstanceSnapshot, MigrationStage};
use crate::limits::MAX_COUNTED_ACTIONS;
use crate::migration::{next_stage, MigrationRecord, PrecheckTask};

/// How many polls of `DescribeCloudMigrationResult` a migration task spends
/// in each stage unless the builder says otherwise.
pub(crate) const DEFAULT_POLLS_PER_STAGE: u32 = 2;

/// The first ID handed to a task created through the API; IDs of fixture
/// tasks at or above it push it further up.
const FIRST_TASK_ID: i64 = 441_000_000;

/// The RDS resources of the emulated account.
#[derive(Debug, Clone)]
pub(crate) struct AccountState {
    /// In fixture order, which is the order `DescribeDBInstances` lists them.
    instances: Vec<InstanceSnapshot>,
    attributes: HashMap<String, InstanceAttributes>,
    /// In creation order.
    prechecks: Vec<PrecheckTask>,
    /// Keyed by task ID.
    migrations: HashMap<i64, MigrationRecord>,
    next_task_id: i64,
    polls_per_stage: u32,
    /// How many answers report a new precheck task as still running.
    precheck_pending_answers: u32,
}

impl Default for AccountState {
    fn default() -> Self {
        AccountState::from_fixture(Fixture::empty(), DEFAULT_POLLS_PER_STAGE)
    }
}

impl AccountState {
    /// The state a fixture describes; migration tasks stay in each stage for
    /// `polls_per_stage` polls (at least one).
    pub(crate) fn from_fixture(fixture: Fixture, polls_per_stage: u32) -> Self {
        let mut state = AccountState {
            instances: Vec::new(),
            attributes: HashMap::new(),
            prechecks: Vec::new(),
            migrations: HashMap::new(),
            next_task_id: FIRST_TASK_ID,
            polls_per_stage: polls_per_stage.max(1),
            precheck_pending_answers: 0,
        };
        for (instance, attributes) in fixture.into_parts() {
            if let Some(task) = &instance.migration_task {
                state.next_task_id = state.next_task_id.max(task.task_id.saturating_add(1));
                state.migrations.insert(
                    task.task_id,
                    MigrationRecord {
                        task_name: format!("migration-{}", task.task_id),
                        instance_name: instance.name.clone(),
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
            state.attributes.insert(instance.name.clone(), attributes);
            state.instances.push(instance);
        }
        state
    }

    /// Makes new precheck tasks run for `answers` answers of
    /// `DescribeCloudMigrationPrecheckResult` before their report is
    /// complete (see [`PrecheckTask::count_answer`]).
    pub(crate) fn with_precheck_pending_answers(mut self, answers: u32) -> Self {
        self.precheck_pending_answers = answers;
        self
    }

    /// How many answers a new precheck task is reported as running by.
    pub(crate) fn precheck_pending_answers(&self) -> u32 {
        self.precheck_pending_answers
    }

    pub(crate) fn instance(&self, name: &str) -> Option<&InstanceSnapshot> {
        self.instances.iter().find(|instance| instance.name == name)
    }

    pub(crate) fn instance_mut(&mut self, name: &str) -> Option<&mut InstanceSnapshot> {
        self.instances
            .iter_mut()
            .find(|instance| instance.name == name)
    }

    /// Every instance with its attributes, in fixture order.
    pub(crate) fn instances_with_attributes(
        &self,
    ) -> impl Iterator<Item = (&InstanceSnapshot, &InstanceAttributes)> {
        self.instances.iter().filter_map(|instance| {
            self.attributes
                .get(&instance.name)
                .map(|attributes| (instance, attributes))
        })
    }

    /// The attributes of an instance, if it exists.
    pub(crate) fn attributes(&self, name: &str) -> Option<&InstanceAttributes> {
        self.attributes.get(name)
    }

    /// One answer reporting the instance `name`: an instance with a pending
    /// status that has already been reported as many times as its fixture
    /// says moves to that status, then the answer is counted. So with
    /// `AfterPolls` n the first n answers report the fixture's status and
    /// every later one the pending status.
    pub(crate) fn poll_instance_status(&mut self, name: &str) {
        let Some(attributes) = self.attributes.get_mut(name) else {
            return;
        };
        let Some(pending) = attributes.pending_status.as_mut() else {
            return;
        };
        if pending.after_polls > 0 {
            pending.after_polls -= 1;
            return;
        }
        let status = pending.status.clone();
        attributes.pending_status = None;
        if let Some(instance) = self.instance_mut(name) {
            instance.status = status;
        }
    }

    /// A fresh task ID, shared by precheck and migration tasks as on the
    /// real service.
    pub(crate) fn allocate_task_id(&mut self) -> i64 {
        let id = self.next_task_id;
        self.next_task_id = self.next_task_id.saturating_add(1);
        id
    }

    pub(crate) fn add_precheck(&mut self, precheck: PrecheckTask) {
        self.prechecks.push(precheck);
    }

    /// The precheck tasks of an instance, in creation order.
    pub(crate) fn prechecks_of<'a>(
        &'a self,
        instance_name: &'a str,
    ) -> impl Iterator<Item = &'a PrecheckTask> {
        self.prechecks
            .iter()
            .filter(move |precheck| precheck.instance_name == instance_name)
    }

    /// The precheck task with this ID, to count an answer that reports it.
    pub(crate) fn precheck_mut(&mut self, task_id: i64) -> Option<&mut PrecheckTask> {
        self.prechecks
            .iter_mut()
            .find(|precheck| precheck.task_id == task_id)
    }

    pub(crate) fn migration_record(&self, task_id: i64) -> Option<&MigrationRecord> {
        self.migrations.get(&task_id)
    }

    pub(crate) fn migration_record_mut(&mut self, task_id: i64) -> Option<&mut MigrationRecord> {
        self.migrations.get_mut(&task_id)
    }

    pub(crate) fn add_migration_record(&mut self, task_id: i64, record: MigrationRecord) {
        self.migrations.insert(task_id, record);
    }

    /// One poll of the migration task of `instance_name`: a task that has
    /// been reported `polls_per_stage` times in its stage moves to the next
    /// one, then the poll is counted. So with `n` polls per stage a new task
    /// is reported in `basebackup` by polls 1 to n, `startup` by polls n+1
    /// to 2n, catching up by polls 2n+1 to 3n, and synchronized from poll
    /// 3n+1 on.
    pub(crate) fn poll_migration(&mut self, instance_name: &str, now: &str) {
        let polls_per_stage = self.polls_per_stage;
        let Some(task) = self
            .instances
            .iter_mut()
            .find(|instance| instance.name == instance_name)
            .and_then(|instance| instance.migration_task.as_mut())
        else {
            return;
        };
        let Some(record) = self.migrations.get_mut(&task.task_id) else {
            return;
        };
        if record.polls_in_stage >= polls_per_stage {
            if let Some(next) = next_stage(task.stage) {
                task.stage = next;
                record.polls_in_stage = 0;
                record.modified = now.to_owned();
            }
        }
        if task.stage != MigrationStage::Completed {
            record.polls_in_stage = record.polls_in_stage.saturating_add(1);
        }
    }
}

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
