//! The engine: runs workflows step by step, checkpoints every step in an
//! [`ExecutionStore`], retries, compensates, resumes stored runs and
//! releases held events.
//!
//! This file is [`WorkflowEngine`] itself: its configuration, the workflows
//! and hook handlers it knows, running a workflow (typed or by name) and
//! reading stored runs. The rest of the engine, one concern a file:
//! `outcome.rs` (what a run returns), `driver/` (claiming, replaying,
//! invoking, checkpointing and compensating a run), `completion.rs` (answers
//! to asynchronous steps), `nested.rs` (a workflow run as a step of
//! another), `recovery.rs` (resuming abandoned runs, retention, the worker)
//! and `notification.rs` (what [`subscribe`](WorkflowEngine::subscribe)rs
//! receive).

mod completion;
mod driver;
mod nested;
mod notification;
mod outcome;
mod recovery;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::Value;
use stheno_module_sdk::Error;
use stheno_module_sdk::events::EventBus;
use stheno_module_sdk::locking::{InMemoryLocking, Locking};
use stheno_module_sdk::services::Services;

use crate::execution::{Execution, ExecutionFilter};
use crate::registry::{ErasedWorkflow, HookHandler, HookRegistration, WorkflowRegistration};
use crate::step::{Data, DynStep, Step};
use crate::store::{ExecutionStore, InMemoryStore};
use crate::workflow::{Hook, Workflow, WorkflowDef};

pub use notification::WorkflowNotification;
use outcome::RawOutcome;
pub use outcome::{CompensationFailure, StepRecord, WorkflowError, WorkflowOutcome};

/// How a drive was started: inside a parent's nested step (the parent
/// awaits it) or on its own (a resume, an outside answer, a worker), in
/// which case a finished nested run reports to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Inline,
    Detached,
}

/// Runs workflows. Cheap to clone (one `Arc`); configure it with the
/// `with_*` methods before cloning or sharing it.
///
/// Every run is checkpointed in the engine's [`ExecutionStore`] (in memory
/// unless [`with_store`](Self::with_store) says otherwise) after each step,
/// so a run can be resumed by any process sharing the store. A finished run
/// is kept for the retention period (default one day): running again with
/// its transaction id returns the stored outcome.
#[derive(Clone)]
pub struct WorkflowEngine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Arc<dyn ExecutionStore>,
    event_bus: Arc<dyn EventBus>,
    services: Services,
    locking: Arc<dyn Locking>,
    workflows: RwLock<HashMap<String, Arc<WorkflowDef>>>,
    hooks: HashMap<(String, String), Arc<dyn DynStep>>,
    retention: Duration,
    lease: Duration,
    owner: String,
    notifications: tokio::sync::broadcast::Sender<WorkflowNotification>,
}

impl fmt::Debug for WorkflowEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkflowEngine")
            .field("owner", &self.inner.owner)
            .field("retention", &self.inner.retention)
            .field("lease", &self.inner.lease)
            .finish_non_exhaustive()
    }
}

fn insert_hook(
    hooks: &mut HashMap<(String, String), Arc<dyn DynStep>>,
    handler: HookHandler,
) -> Result<(), Error> {
    let key = (handler.workflow.to_string(), handler.hook.to_string());
    if hooks.contains_key(&key) {
        return Err(Error::invalid_data(format!(
            "Cannot define multiple hook handlers for the {} hook",
            handler.hook
        )));
    }
    hooks.insert(key, handler.step);
    Ok(())
}

impl WorkflowEngine {
    /// An engine with the in-memory store, in-memory locking, every
    /// workflow registered with [`register_workflow!`](crate::register_workflow)
    /// and every hook handler registered with
    /// [`register_hook!`](crate::register_hook). Events held by steps are
    /// released through `event_bus` when a run succeeds.
    ///
    /// # Panics
    /// When two handlers are registered for the same hook.
    pub fn new(event_bus: Arc<dyn EventBus>) -> Self {
        let mut workflows = HashMap::new();
        for registration in inventory::iter::<WorkflowRegistration> {
            let ErasedWorkflow(def) = (registration.make)();
            workflows.insert(def.name.to_string(), def);
        }
        let mut hooks = HashMap::new();
        for registration in inventory::iter::<HookRegistration> {
            if let Err(err) = insert_hook(&mut hooks, (registration.make)()) {
                panic!("{}", err.message());
            }
        }
        Self {
            inner: Arc::new(Inner {
                store: Arc::new(InMemoryStore::default()),
                event_bus,
                services: Services::default(),
                locking: Arc::new(InMemoryLocking::default()),
                workflows: RwLock::new(workflows),
                hooks,
                retention: Duration::from_secs(24 * 60 * 60),
                lease: Duration::from_secs(30),
                owner: format!("engine-{}", ulid::Ulid::new()),
                notifications: tokio::sync::broadcast::channel(1024).0,
            }),
        }
    }

    fn configure(&mut self) -> &mut Inner {
        Arc::get_mut(&mut self.inner).expect("configure the workflow engine before sharing it")
    }

    /// What steps reach through [`StepContext::module`](crate::StepContext::module).
    pub fn with_services(mut self, services: Services) -> Self {
        self.configure().services = services;
        self
    }
    /// Where executions are checkpointed.
    pub fn with_store(mut self, store: Arc<dyn ExecutionStore>) -> Self {
        self.configure().store = store;
        self
    }
    /// The provider behind the lock steps.
    pub fn with_locking(mut self, locking: Arc<dyn Locking>) -> Self {
        self.configure().locking = locking;
        self
    }
    /// How long finished runs are kept for idempotent re-runs and the
    /// executions API.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.configure().retention = retention;
        self
    }
    /// How long a run stays reserved to this engine without a checkpoint
    /// (renewed while it runs); after it lapses, another engine sharing the
    /// store may resume the run. Default 30 s.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.configure().lease = lease.max(Duration::from_millis(10));
        self
    }
    /// Register `workflow` by name (as [`register_workflow!`](crate::register_workflow) does).
    pub fn with_workflow<In: Data, Out: Data>(self, workflow: &Workflow<In, Out>) -> Self {
        self.register(workflow.def());
        self
    }
    /// Attach `step` to `hook`.
    ///
    /// # Panics
    /// When the hook already has a handler.
    pub fn with_hook<I: Data, S: Step<Input = I>>(mut self, hook: Hook<I>, step: S) -> Self {
        if let Err(err) = insert_hook(&mut self.configure().hooks, HookHandler::new(hook, step)) {
            panic!("{}", err.message());
        }
        self
    }

    pub fn services(&self) -> &Services {
        &self.inner.services
    }

    /// Changes of the runs this engine drives, as they happen. In-process
    /// only: runs driven by other instances are not seen. A receiver that
    /// falls more than 1024 notifications behind misses the oldest.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<WorkflowNotification> {
        self.inner.notifications.subscribe()
    }
    pub fn locking(&self) -> &Arc<dyn Locking> {
        &self.inner.locking
    }
    pub fn store(&self) -> &Arc<dyn ExecutionStore> {
        &self.inner.store
    }
    /// Names of the workflows this engine can run by name.
    pub fn workflow_names(&self) -> Vec<String> {
        let mut names: Vec<String> = read_lock(&self.inner.workflows).keys().cloned().collect();
        names.sort();
        names
    }

    fn register(&self, def: Arc<WorkflowDef>) {
        let known = read_lock(&self.inner.workflows).contains_key(&*def.name);
        if !known {
            self.inner
                .workflows
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .insert(def.name.to_string(), def);
        }
    }

    fn workflow(&self, name: &str) -> Result<Arc<WorkflowDef>, Error> {
        read_lock(&self.inner.workflows)
            .get(name)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("Workflow with id \"{name}\" not found")))
    }

    fn hook(&self, workflow: &str, hook: &str) -> Option<Arc<dyn DynStep>> {
        self.inner
            .hooks
            .get(&(workflow.to_string(), hook.to_string()))
            .cloned()
    }

    /// Run with a fresh transaction id (`auto-<ULID>`, as Medusa does).
    pub async fn run<In: Data, Out: Data>(
        &self,
        workflow: &Workflow<In, Out>,
        input: In,
    ) -> WorkflowOutcome<Out> {
        let transaction_id = format!("auto-{}", ulid::Ulid::new());
        self.run_with_id(workflow, transaction_id, input).await
    }

    /// Run under `transaction_id`. A finished run with this id (within the
    /// retention period) returns its stored outcome without executing
    /// anything; an unfinished stored run is resumed (its stored input is
    /// used); a run another caller is driving answers `conflict`.
    pub async fn run_with_id<In: Data, Out: Data>(
        &self,
        workflow: &Workflow<In, Out>,
        transaction_id: impl Into<String>,
        input: In,
    ) -> WorkflowOutcome<Out> {
        let def = workflow.def();
        self.register(def.clone());
        let transaction_id = transaction_id.into();
        let input = match serde_json::to_value(input) {
            Ok(input) => input,
            Err(e) => {
                let error = Error::internal(format!(
                    "workflow {}: could not serialise the input: {e}",
                    def.name
                ));
                return RawOutcome::failed(&def, transaction_id, error).typed(&def.name);
            }
        };
        self.execute(def.clone(), transaction_id, input, None, Mode::Detached)
            .await
            .typed(&def.name)
    }

    /// Run a registered workflow by name with a JSON input (the admin
    /// `…/:workflow_id/run` route).
    pub async fn run_by_name(
        &self,
        workflow_id: &str,
        transaction_id: Option<String>,
        input: Value,
    ) -> Result<WorkflowOutcome<Value>, Error> {
        let def = self.workflow(workflow_id)?;
        let transaction_id =
            transaction_id.unwrap_or_else(|| format!("auto-{}", ulid::Ulid::new()));
        Ok(self
            .execute(def.clone(), transaction_id, input, None, Mode::Detached)
            .await
            .typed(&def.name))
    }

    /// A stored run, by workflow and transaction id.
    pub async fn execution(
        &self,
        workflow_id: &str,
        transaction_id: &str,
    ) -> Result<Option<Execution>, Error> {
        self.inner.store.load(workflow_id, transaction_id).await
    }
    /// A stored run, by execution id.
    pub async fn execution_by_id(&self, id: &str) -> Result<Option<Execution>, Error> {
        self.inner.store.get(id).await
    }
    pub async fn list_executions(
        &self,
        filter: &ExecutionFilter,
    ) -> Result<(Vec<Execution>, u64), Error> {
        self.inner.store.list(filter).await
    }
}

fn read_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}
