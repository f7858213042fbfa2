//! The engine: runs workflows step by step, checkpoints every step in an
//! [`ExecutionStore`], retries, compensates, resumes stored runs and
//! releases held events.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use chrono::Utc;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::events::{Event, EventBus, holding};
use stheno_module_sdk::locking::{InMemoryLocking, Locking};
use stheno_module_sdk::services::Services;
use stheno_module_sdk::{Error, ErrorKind};

use crate::execution::{
    Execution, ExecutionFilter, StepCheckpoint, StepState, StoredError, TransactionState,
};
use crate::registry::{ErasedWorkflow, Hook, HookHandler, HookRegistration, WorkflowRegistration};
use crate::step::{Data, DynStep, Step, StepAction, StepContext, StepError, StepOptions};
use crate::store::{Claim, ExecutionStore, InMemoryStore};
use crate::workflow::{Stage, Workflow, WorkflowDef};

/// A change in a run, broadcast to [`WorkflowEngine::subscribe`]rs (the
/// admin executions subscription streams them). `event_type` is Medusa's:
/// `onStepBegin`, `onStepSuccess`, `onStepFailure`, `onStepAwaiting`,
/// `onCompensateStepSuccess`, `onCompensateStepFailure`, `onFinish`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowNotification {
    pub event_type: &'static str,
    pub workflow_id: String,
    pub transaction_id: String,
    /// `{id: "_root.<step>", name, state}` for step events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Value>,
    /// A step's output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// The run's output (`onFinish` of a run that succeeded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Value>,
    /// `onFinish`: the run's final state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<TransactionState>,
}

/// One step of a run, in the order steps started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    pub name: String,
    pub state: StepState,
    /// Invoke attempts made (1 = no retry); 0 for a skipped step.
    pub attempts: u32,
}

/// A compensation that failed; the run ends `failed` rather than `reverted`.
#[derive(Debug)]
pub struct CompensationFailure {
    pub step: String,
    pub error: Error,
}

/// Why a run did not produce its output, and what was undone.
///
/// Boxed inside, so `Result<_, WorkflowError>` stays small.
#[derive(Debug)]
pub struct WorkflowError(Box<Details>);

#[derive(Debug)]
struct Details {
    workflow_id: String,
    transaction_id: String,
    failed_step: Option<String>,
    error: Error,
    compensated: Vec<String>,
    compensation_failures: Vec<CompensationFailure>,
    /// The run is not finished: it waits for this asynchronous step.
    waiting_for: Option<String>,
}

impl WorkflowError {
    fn new(
        workflow_id: &str,
        transaction_id: &str,
        failed_step: Option<String>,
        error: Error,
    ) -> Self {
        Self(Box::new(Details {
            workflow_id: workflow_id.to_string(),
            transaction_id: transaction_id.to_string(),
            failed_step,
            error,
            compensated: Vec::new(),
            compensation_failures: Vec::new(),
            waiting_for: None,
        }))
    }

    fn pending(execution: &Execution) -> Self {
        let step = execution
            .steps
            .iter()
            .find(|s| s.state == StepState::Waiting)
            .map(|s| s.name.clone());
        let error = Error::new(
            ErrorKind::NotAllowed,
            format!(
                "Workflow {} (transaction {}) is waiting for step {}",
                execution.workflow_id,
                execution.transaction_id,
                step.as_deref().unwrap_or("?")
            ),
        );
        let mut err = Self::new(
            &execution.workflow_id,
            &execution.transaction_id,
            None,
            error,
        );
        err.0.waiting_for = step;
        err
    }

    fn from_execution(execution: &Execution) -> Self {
        let stored = execution.error.clone().unwrap_or_else(|| StoredError {
            step: None,
            action: "invoke".into(),
            kind: ErrorKind::Unknown.as_str().into(),
            code: None,
            message: "workflow failed".into(),
        });
        let mut err = Self::new(
            &execution.workflow_id,
            &execution.transaction_id,
            stored.step.clone(),
            stored.to_error(),
        );
        err.0.compensated = execution.compensated.clone();
        err.0.compensation_failures = execution
            .compensation_failures
            .iter()
            .map(|f| CompensationFailure {
                step: f.step.clone().unwrap_or_default(),
                error: f.to_error(),
            })
            .collect();
        err
    }

    pub fn workflow_id(&self) -> &str {
        &self.0.workflow_id
    }
    pub fn transaction_id(&self) -> &str {
        &self.0.transaction_id
    }
    /// The step that failed; `None` when the failure was not a step's (a
    /// transform, the event bus, the store, a run already in progress).
    pub fn failed_step(&self) -> Option<&str> {
        self.0.failed_step.as_deref()
    }
    /// The cause, with the kind and message the step gave.
    pub fn error(&self) -> &Error {
        &self.0.error
    }
    pub fn into_error(self) -> Error {
        self.0.error
    }
    /// Steps whose compensation ran, in the order it ran (reverse order of
    /// completion). Steps without a compensator are not listed.
    pub fn compensated(&self) -> &[String] {
        &self.0.compensated
    }
    /// Compensations that failed; the run ends `failed` rather than
    /// `reverted`.
    pub fn compensation_failures(&self) -> &[CompensationFailure] {
        &self.0.compensation_failures
    }
    /// Every completed step was undone (no compensation failed).
    pub fn is_reverted(&self) -> bool {
        self.0.compensation_failures.is_empty()
    }
    /// The run is not finished but paused on an asynchronous step
    /// ([`waiting_for`](Self::waiting_for)); nothing was compensated.
    pub fn is_pending(&self) -> bool {
        self.0.waiting_for.is_some()
    }
    pub fn waiting_for(&self) -> Option<&str> {
        self.0.waiting_for.as_deref()
    }
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        if let Some(step) = &d.waiting_for {
            return write!(
                f,
                "workflow {} (transaction {}) is waiting for step {step}",
                d.workflow_id, d.transaction_id
            );
        }
        write!(
            f,
            "workflow {} (transaction {}) failed",
            d.workflow_id, d.transaction_id
        )?;
        if let Some(step) = &d.failed_step {
            write!(f, " at step {step}")?;
        }
        write!(f, ": {}", d.error)?;
        if !d.compensated.is_empty() {
            write!(f, "; compensated: {}", d.compensated.join(", "))?;
        }
        for failure in &d.compensation_failures {
            write!(
                f,
                "; compensation of {} failed: {}",
                failure.step, failure.error
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for WorkflowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0.error)
    }
}

impl From<WorkflowError> for Error {
    /// The cause, so a route answers with the failing step's kind and message.
    fn from(err: WorkflowError) -> Self {
        err.into_error()
    }
}

/// A copy without the source (kept for logs only, and not cloneable).
fn copy_error(error: &Error) -> Error {
    let copy = Error::new(error.kind(), error.message().to_string());
    match error.code() {
        Some(code) => copy.with_code(code),
        None => copy,
    }
}

impl Clone for WorkflowError {
    fn clone(&self) -> Self {
        let d = &self.0;
        Self(Box::new(Details {
            workflow_id: d.workflow_id.clone(),
            transaction_id: d.transaction_id.clone(),
            failed_step: d.failed_step.clone(),
            error: copy_error(&d.error),
            compensated: d.compensated.clone(),
            compensation_failures: d
                .compensation_failures
                .iter()
                .map(|f| CompensationFailure {
                    step: f.step.clone(),
                    error: copy_error(&f.error),
                })
                .collect(),
            waiting_for: d.waiting_for.clone(),
        }))
    }
}

/// What a run returns.
#[derive(Debug)]
pub struct WorkflowOutcome<Out> {
    pub transaction_id: String,
    /// `done`, `reverted`, `failed`, or `invoking` for a run paused on an
    /// asynchronous step.
    pub state: TransactionState,
    pub result: Result<Out, WorkflowError>,
    /// Step states, in the order steps started.
    pub steps: Vec<StepRecord>,
    /// True when this is the stored outcome of an earlier run with the same
    /// transaction id (nothing was executed).
    pub replayed: bool,
}

impl<Out> WorkflowOutcome<Out> {
    pub fn into_result(self) -> Result<Out, WorkflowError> {
        self.result
    }
    /// The state recorded for step `name`.
    pub fn step_state(&self, name: &str) -> Option<StepState> {
        self.steps.iter().find(|s| s.name == name).map(|s| s.state)
    }
    /// Finished (`done`, `reverted` or `failed`), not paused.
    pub fn has_finished(&self) -> bool {
        self.state.is_finished()
    }
}

/// An untyped outcome, before the output is read as `Out`.
pub(crate) struct RawOutcome {
    transaction_id: String,
    state: TransactionState,
    pub(crate) result: Result<Value, WorkflowError>,
    steps: Vec<StepRecord>,
    replayed: bool,
    /// Held events of a nested run, for its parent to take over.
    pub(crate) events: Vec<Event>,
}

impl RawOutcome {
    fn failed(def: &WorkflowDef, transaction_id: String, error: Error) -> Self {
        Self {
            result: Err(WorkflowError::new(&def.name, &transaction_id, None, error)),
            transaction_id,
            state: TransactionState::Failed,
            steps: Vec::new(),
            replayed: false,
            events: Vec::new(),
        }
    }

    fn from_execution(execution: &Execution, replayed: bool) -> Self {
        let result = match execution.state {
            TransactionState::Done => Ok(execution.result.clone().unwrap_or(Value::Null)),
            state if state.is_finished() => Err(WorkflowError::from_execution(execution)),
            _ => Err(WorkflowError::pending(execution)),
        };
        let events = if execution.state == TransactionState::Done && execution.parent_step.is_some()
        {
            execution.held_events()
        } else {
            Vec::new()
        };
        Self {
            transaction_id: execution.transaction_id.clone(),
            state: execution.state,
            result,
            steps: records(execution),
            replayed,
            events,
        }
    }

    fn typed<Out: Data>(self, workflow: &str) -> WorkflowOutcome<Out> {
        let transaction_id = self.transaction_id;
        let result = self.result.and_then(|value| {
            serde_json::from_value(value).map_err(|e| {
                let error = Error::internal(format!(
                    "workflow {workflow}: the output does not match its type: {e}"
                ));
                WorkflowError::new(workflow, &transaction_id, None, error)
            })
        });
        WorkflowOutcome {
            transaction_id,
            state: self.state,
            result,
            steps: self.steps,
            replayed: self.replayed,
        }
    }
}

fn records(execution: &Execution) -> Vec<StepRecord> {
    execution
        .steps
        .iter()
        .map(|s| StepRecord {
            name: s.name.clone(),
            state: s.state,
            attempts: s.attempts,
        })
        .collect()
}

/// How a drive was started: inside a parent's nested step (the parent
/// awaits it) or on its own (a resume, an outside answer, a worker), in
/// which case a finished nested run reports to its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
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

    pub(crate) fn hook(&self, workflow: &str, hook: &str) -> Option<Arc<dyn DynStep>> {
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

    pub(crate) fn execute(
        &self,
        def: Arc<WorkflowDef>,
        transaction_id: String,
        input: Value,
        parent_step: Option<String>,
        mode: Mode,
    ) -> BoxFuture<'_, RawOutcome> {
        async move {
            let fresh = Execution::new(&def.name, &transaction_id, input, parent_step);
            let inner = &self.inner;
            let claim = inner
                .store
                .claim(
                    &def.name,
                    &transaction_id,
                    Some(&fresh),
                    &inner.owner,
                    inner.lease,
                )
                .await;
            match claim {
                Err(error) => RawOutcome::failed(&def, transaction_id, error),
                Ok(Claim::Busy) => {
                    let error = Error::conflict(format!(
                        "Workflow {} with transaction id {transaction_id} is already running",
                        def.name
                    ));
                    RawOutcome::failed(&def, transaction_id, error)
                }
                Ok(Claim::Created) => self.drive(def, fresh, mode).await,
                Ok(Claim::Existing(execution)) if execution.state.is_finished() => {
                    self.release(&execution).await;
                    RawOutcome::from_execution(&execution, true)
                }
                Ok(Claim::Existing(execution)) => self.drive(def, *execution, mode).await,
                Ok(Claim::Missing) => RawOutcome::failed(
                    &def,
                    transaction_id,
                    Error::internal("the workflow store lost a new execution"),
                ),
            }
        }
        .boxed()
    }

    async fn release(&self, execution: &Execution) {
        if let Err(error) = self
            .inner
            .store
            .release(
                &execution.workflow_id,
                &execution.transaction_id,
                &self.inner.owner,
            )
            .await
        {
            tracing::warn!(%error, "could not release a workflow lease");
        }
    }

    /// Take the lease of a stored, unfinished run.
    async fn take(&self, workflow_id: &str, transaction_id: &str) -> Result<Execution, Error> {
        let inner = &self.inner;
        match inner
            .store
            .claim(workflow_id, transaction_id, None, &inner.owner, inner.lease)
            .await?
        {
            Claim::Existing(execution) => Ok(*execution),
            Claim::Busy => Err(Error::conflict(format!(
                "Workflow {workflow_id} with transaction id {transaction_id} is already running"
            ))),
            Claim::Missing | Claim::Created => Err(Error::not_found(format!(
                "Workflow execution with workflow id {workflow_id} and transaction id {transaction_id} was not found"
            ))),
        }
    }

    /// Complete an asynchronous step that is waiting for its answer, and
    /// continue the run (Medusa's `setStepSuccess`). `compensate_input`
    /// defaults to `output`.
    pub async fn set_step_success(
        &self,
        workflow_id: &str,
        transaction_id: &str,
        step: &str,
        output: Value,
        compensate_input: Option<Value>,
    ) -> Result<WorkflowOutcome<Value>, Error> {
        let completion = Completion::Success {
            compensate_input: compensate_input.unwrap_or_else(|| output.clone()),
            output,
            events: Vec::new(),
        };
        self.complete_step(workflow_id, transaction_id, step, completion)
            .await
    }

    /// Fail an asynchronous step that is waiting for its answer: the run
    /// compensates (Medusa's `setStepFailure`).
    pub async fn set_step_failure(
        &self,
        workflow_id: &str,
        transaction_id: &str,
        step: &str,
        error: Error,
    ) -> Result<WorkflowOutcome<Value>, Error> {
        self.complete_step(
            workflow_id,
            transaction_id,
            step,
            Completion::Failure(error),
        )
        .await
    }

    fn complete_step<'a>(
        &'a self,
        workflow_id: &'a str,
        transaction_id: &'a str,
        step: &'a str,
        completion: Completion,
    ) -> BoxFuture<'a, Result<WorkflowOutcome<Value>, Error>> {
        async move {
            let def = self.workflow(workflow_id)?;
            let mut execution = self.take(workflow_id, transaction_id).await?;
            let refuse = |message: String| Error::not_allowed(message);
            let check = match execution.step(step) {
                _ if execution.state.is_finished() => Err(refuse(format!(
                    "Workflow {workflow_id} with transaction id {transaction_id} has already finished"
                ))),
                None => Err(Error::not_found(format!(
                    "Step {step} of workflow {workflow_id} (transaction {transaction_id}) was not found"
                ))),
                Some(checkpoint) if checkpoint.state != StepState::Waiting => Err(refuse(format!(
                    "Step {step} of workflow {workflow_id} is not waiting for a response (its state is {})",
                    checkpoint.state.as_str()
                ))),
                Some(_) => Ok(()),
            };
            if let Err(error) = check {
                self.release(&execution).await;
                return Err(error);
            }
            let next = next_completion(&execution);
            let checkpoint = execution.step_mut(step).expect("checked above");
            match completion {
                Completion::Success {
                    output,
                    compensate_input,
                    events,
                } => {
                    checkpoint.state = StepState::Done;
                    checkpoint.output = Some(output);
                    checkpoint.compensate_input = Some(compensate_input);
                    checkpoint.completed = Some(next);
                    checkpoint.events = events;
                }
                Completion::Failure(error) => {
                    checkpoint.state = StepState::Failed;
                    checkpoint.error = Some(StoredError::new(Some(step), "invoke", &error));
                }
            }
            checkpoint.deadline = None;
            Ok(self
                .drive(def.clone(), execution, Mode::Detached)
                .await
                .typed(&def.name))
        }
        .boxed()
    }

    /// Undo a finished nested run (its parent is compensating).
    pub(crate) async fn compensate_child(
        &self,
        def: Arc<WorkflowDef>,
        transaction_id: &str,
    ) -> Result<(), Error> {
        let mut execution = self.take(&def.name, transaction_id).await?;
        match execution.state {
            TransactionState::Reverted => {
                self.release(&execution).await;
                return Ok(());
            }
            TransactionState::Failed if !execution.compensation_failures.is_empty() => {}
            _ => execution.state = TransactionState::WaitingToCompensate,
        }
        execution.compensation_failures.clear();
        let outcome = self.drive(def, execution, Mode::Inline).await;
        match outcome.state {
            TransactionState::Reverted => Ok(()),
            _ => Err(outcome
                .result
                .err()
                .map(WorkflowError::into_error)
                .unwrap_or_else(|| {
                    Error::internal("the nested workflow could not be compensated")
                })),
        }
    }

    /// Resume every stored run nobody is driving: runs of a process that
    /// died (once their lease lapsed) and asynchronous steps past their
    /// deadline. Returns how many runs were picked up. Runs of workflows this
    /// engine does not know by name are left for an engine that does.
    pub async fn recover(&self) -> Result<usize, Error> {
        let due = self.inner.store.recoverable(Utc::now(), 100).await?;
        let mut resumed = 0;
        for (workflow_id, transaction_id) in due {
            let Ok(def) = self.workflow(&workflow_id) else {
                tracing::warn!(%workflow_id, %transaction_id, "cannot resume a run of an unregistered workflow");
                continue;
            };
            let execution = match self.take(&workflow_id, &transaction_id).await {
                Ok(execution) => execution,
                Err(error) => {
                    tracing::debug!(%workflow_id, %transaction_id, %error, "run picked up elsewhere");
                    continue;
                }
            };
            if execution.state.is_finished() {
                self.release(&execution).await;
                continue;
            }
            tracing::info!(%workflow_id, %transaction_id, state = execution.state.as_str(), "resuming a stored workflow run");
            self.drive(def, execution, Mode::Detached).await;
            resumed += 1;
        }
        Ok(resumed)
    }

    /// Delete finished runs past their retention.
    pub async fn purge(&self) -> Result<u64, Error> {
        self.inner.store.purge(Utc::now()).await
    }

    /// Recover and purge every `interval`, until the returned task is
    /// aborted. Run it in processes whose worker mode is `worker` or
    /// `shared`.
    pub fn spawn_worker(&self, interval: Duration) -> tokio::task::JoinHandle<()> {
        let engine = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                if let Err(error) = engine.recover().await {
                    tracing::warn!(%error, "workflow recovery failed");
                }
                if let Err(error) = engine.purge().await {
                    tracing::warn!(%error, "workflow retention cleanup failed");
                }
            }
        })
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

    /// Drive `execution` as far as it goes, checkpointing as it goes, while
    /// keeping its lease alive.
    async fn drive(&self, def: Arc<WorkflowDef>, execution: Execution, mode: Mode) -> RawOutcome {
        let run = Run {
            engine: self.clone(),
            next: AtomicU32::new(next_completion(&execution)),
            def,
            execution: Mutex::new(execution),
            saving: tokio::sync::Mutex::new(()),
            lost: AtomicBool::new(false),
        };
        let heartbeat = async {
            let period = self.inner.lease / 3;
            loop {
                tokio::time::sleep(period).await;
                run.checkpoint().await;
            }
        };
        let outcome = tokio::select! {
            outcome = run.go() => outcome,
            () = heartbeat => unreachable!("the heartbeat never ends"),
        };
        if mode == Mode::Detached && outcome.state.is_finished() {
            let parent = run.with(|e| e.parent_step.clone());
            if let Some(parent) = parent {
                self.report_to_parent(&parent, &run, &outcome).await;
            }
        }
        outcome
    }

    /// A nested run finished on its own (after an outside answer or a
    /// resume): complete the parent's waiting step with its result.
    async fn report_to_parent(&self, parent: &str, run: &Run, outcome: &RawOutcome) {
        // `<workflow>:<transaction>:<step>:<action>`; a transaction id may
        // itself contain `:`.
        let parts = parent.split_once(':').and_then(|(workflow_id, rest)| {
            let (rest, _action) = rest.rsplit_once(':')?;
            let (transaction_id, step) = rest.rsplit_once(':')?;
            Some((workflow_id, transaction_id, step))
        });
        let Some((workflow_id, transaction_id, step)) = parts else {
            tracing::warn!(%parent, "malformed parent step key");
            return;
        };
        let completion = match &outcome.result {
            Ok(value) => Completion::Success {
                output: value.clone(),
                compensate_input: Value::String(outcome.transaction_id.clone()),
                events: run.with(|e| e.held_events()),
            },
            Err(err) => Completion::Failure(copy_error(err.error())),
        };
        if let Err(error) = self
            .complete_step(workflow_id, transaction_id, step, completion)
            .await
        {
            tracing::debug!(%parent, %error, "the parent run did not take the nested result");
        }
    }
}

fn read_lock<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(|e| e.into_inner())
}

enum Completion {
    Success {
        output: Value,
        compensate_input: Value,
        events: Vec<Event>,
    },
    Failure(Error),
}

fn next_completion(execution: &Execution) -> u32 {
    execution
        .steps
        .iter()
        .filter_map(|s| s.completed)
        .max()
        .map_or(0, |n| n + 1)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why the forward pass stopped.
enum Stop {
    Failed {
        step: Option<String>,
        error: Error,
    },
    /// An asynchronous step waits for its answer.
    Pending,
    /// Another process took the run over (our lease lapsed): stop without
    /// writing, compensating or releasing anything.
    Lost,
}

enum AttemptFailure {
    Error(StepError),
    Timeout(Duration),
}

/// Run `attempt` (numbered from `first`) until it succeeds, fails
/// permanently, times out or runs out of retries. Returns the attempts made.
async fn with_retries<T, F, Fut>(
    options: &StepOptions,
    step: &str,
    first: u32,
    mut attempt: F,
) -> (Result<T, AttemptFailure>, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    let mut number = first;
    loop {
        let result = match options.timeout {
            Some(limit) => match tokio::time::timeout(limit, attempt(number)).await {
                Ok(result) => result.map_err(AttemptFailure::Error),
                Err(_) => Err(AttemptFailure::Timeout(limit)),
            },
            None => attempt(number).await.map_err(AttemptFailure::Error),
        };
        match result {
            Ok(value) => return (Ok(value), number),
            Err(AttemptFailure::Error(err))
                if err.is_retryable() && number <= options.max_retries =>
            {
                let delay = options.backoff(number);
                tracing::warn!(step, attempt = number, ?delay, error = %err, "step failed, retrying");
                tokio::time::sleep(delay).await;
                number += 1;
            }
            Err(failure) => return (Err(failure), number),
        }
    }
}

/// A panicking step fails permanently instead of unwinding through the run,
/// so the steps before it are still compensated.
async fn caught<T>(
    step: &str,
    attempt: impl Future<Output = Result<T, StepError>>,
) -> Result<T, StepError> {
    match AssertUnwindSafe(attempt).catch_unwind().await {
        Ok(result) => result,
        Err(_) => Err(StepError::permanent(Error::internal(format!(
            "step {step} panicked"
        )))),
    }
}

/// One drive of one execution.
struct Run {
    engine: WorkflowEngine,
    def: Arc<WorkflowDef>,
    execution: Mutex<Execution>,
    /// Serialises checkpoint writes (parallel branches finish together).
    saving: tokio::sync::Mutex<()>,
    next: AtomicU32,
    /// Another process took the run over.
    lost: AtomicBool,
}

impl Run {
    fn with<T>(&self, f: impl FnOnce(&mut Execution) -> T) -> T {
        f(&mut lock(&self.execution))
    }

    /// Write the current state; the latest state wins.
    async fn save(&self) -> Result<(), Error> {
        let _serial = self.saving.lock().await;
        let snapshot = self.with(|e| {
            e.updated_at = Utc::now();
            e.refresh_wake_at();
            e.clone()
        });
        let inner = &self.engine.inner;
        inner.store.save(&snapshot, &inner.owner, inner.lease).await
    }

    /// A checkpoint that must not be lost; a failure is logged (the run goes
    /// on and the next checkpoint retries).
    async fn checkpoint(&self) {
        if self.is_lost() {
            return;
        }
        if let Err(error) = self.save().await {
            if error.code() == Some("lost_lease") {
                tracing::warn!(%error, workflow = %self.def.name, "lost the run to another process; stopping");
                self.lost.store(true, Ordering::SeqCst);
            } else {
                tracing::error!(%error, workflow = %self.def.name, "could not checkpoint a workflow run");
            }
        }
    }

    /// Broadcast a change if anyone listens.
    fn notify(
        &self,
        event_type: &'static str,
        step: Option<(&str, StepState)>,
        response: Option<&Value>,
        errors: Vec<Value>,
    ) {
        let sender = &self.engine.inner.notifications;
        if sender.receiver_count() == 0 {
            return;
        }
        let (workflow_id, transaction_id, finished) = self.with(|e| {
            let finished = (event_type == "onFinish").then(|| (e.state, e.result.clone()));
            (e.workflow_id.clone(), e.transaction_id.clone(), finished)
        });
        let (state, result) = match finished {
            Some((state, result)) => (Some(state), result),
            None => (None, None),
        };
        let _ = sender.send(WorkflowNotification {
            event_type,
            workflow_id,
            transaction_id,
            step: step.map(|(name, state)| {
                serde_json::json!({ "id": format!("_root.{name}"), "name": name, "state": state.as_str() })
            }),
            response: response.cloned(),
            result,
            errors,
            state,
        });
    }

    fn is_lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// The outcome of a drive that lost its run: whoever took it over
    /// finishes it.
    fn abandoned(&self) -> RawOutcome {
        let execution = self.with(|e| e.clone());
        let error = crate::store::lost_lease(&execution);
        RawOutcome {
            result: Err(WorkflowError::new(
                &execution.workflow_id,
                &execution.transaction_id,
                None,
                error,
            )),
            transaction_id: execution.transaction_id.clone(),
            state: execution.state,
            steps: records(&execution),
            replayed: false,
            events: Vec::new(),
        }
    }

    async fn go(&self) -> RawOutcome {
        let resume = self.with(|e| {
            let now = Utc::now();
            for step in e.steps.iter_mut() {
                if step.state == StepState::Waiting && step.deadline.is_some_and(|at| at <= now) {
                    step.state = StepState::Timeout;
                    let error = Error::new(
                        ErrorKind::UnexpectedState,
                        format!(
                            "Step {} of workflow {} got no response before its deadline",
                            step.name, e.workflow_id
                        ),
                    )
                    .with_code("step_timeout");
                    step.error = Some(StoredError::new(Some(&step.name), "invoke", &error));
                }
            }
            if e.state == TransactionState::NotStarted {
                e.state = TransactionState::Invoking;
            }
            e.state
        });
        if resume == TransactionState::Invoking {
            let input = self.with(|e| e.input.clone());
            let stopped = match self.forward(&self.def.stages, input).await {
                Ok(_) if self.is_lost() => Stop::Lost,
                Ok(value) => match self.release_events().await {
                    Ok(()) => {
                        self.with(|e| {
                            e.state = TransactionState::Done;
                            e.result = Some(value);
                        });
                        return self.finish().await;
                    }
                    Err(error) => Stop::Failed { step: None, error },
                },
                Err(stop) => stop,
            };
            match stopped {
                Stop::Lost => return self.abandoned(),
                Stop::Pending => {
                    self.checkpoint().await;
                    let execution = self.with(|e| e.clone());
                    self.engine.release(&execution).await;
                    return RawOutcome::from_execution(&execution, false);
                }
                Stop::Failed { step, error } => {
                    tracing::warn!(workflow = %self.def.name, step = step.as_deref().unwrap_or("-"), %error, "workflow step failed; compensating");
                    self.with(|e| {
                        e.error = Some(StoredError::new(step.as_deref(), "invoke", &error));
                        e.state = TransactionState::Compensating;
                    });
                }
            }
        }
        self.compensate().await;
        if self.is_lost() {
            return self.abandoned();
        }
        self.finish().await
    }

    /// Mark finished, checkpoint, and build the outcome.
    async fn finish(&self) -> RawOutcome {
        let retention = self.engine.inner.retention;
        self.with(|e| {
            e.expires_at =
                Some(Utc::now() + chrono::Duration::from_std(retention).unwrap_or_default());
        });
        self.checkpoint().await;
        let execution = self.with(|e| e.clone());
        let errors: Vec<Value> = execution
            .error
            .iter()
            .chain(&execution.compensation_failures)
            .map(|e| serde_json::to_value(e).unwrap_or_default())
            .collect();
        self.notify("onFinish", None, None, errors);
        let outcome = RawOutcome::from_execution(&execution, false);
        if let Err(err) = &outcome.result {
            tracing::warn!(error = %err, "workflow reverted");
        }
        outcome
    }

    /// Emit the held events of a top-level run; a nested run hands them to
    /// its parent instead.
    async fn release_events(&self) -> Result<(), Error> {
        let (nested, events) = self.with(|e| (e.parent_step.is_some(), e.held_events()));
        if nested || events.is_empty() {
            return Ok(());
        }
        self.engine.inner.event_bus.emit(events).await
    }

    fn forward<'a>(
        &'a self,
        stages: &'a [Stage],
        input: Value,
    ) -> BoxFuture<'a, Result<Value, Stop>> {
        async move {
            let mut value = input;
            for stage in stages {
                value = self.stage(stage, value).await?;
            }
            Ok(value)
        }
        .boxed()
    }

    async fn stage(&self, stage: &Stage, input: Value) -> Result<Value, Stop> {
        match stage {
            Stage::Step(step) => self.step(step, &input).await,
            Stage::Transform(transform) => {
                transform(input).map_err(|error| Stop::Failed { step: None, error })
            }
            Stage::Parallel(steps) => {
                let results =
                    futures::future::join_all(steps.iter().map(|step| self.step(step, &input)))
                        .await;
                let mut outputs = Vec::with_capacity(results.len());
                let mut pending = false;
                for result in results {
                    match result {
                        Ok(value) => outputs.push(value),
                        Err(Stop::Pending) => pending = true,
                        Err(failed) => return Err(failed),
                    }
                }
                if pending {
                    return Err(Stop::Pending);
                }
                Ok(Value::Array(outputs))
            }
            Stage::When(condition, step) => {
                let run = condition(&input).map_err(|error| Stop::Failed { step: None, error })?;
                if run {
                    self.step(step, &input).await
                } else {
                    self.with(|e| {
                        if e.step(step.name()).is_none() {
                            let mut skipped = StepCheckpoint::new(step.name(), StepState::Skipped);
                            skipped.started_at = None;
                            e.steps.push(skipped);
                        }
                    });
                    Ok(Value::Null)
                }
            }
            Stage::With(to_input, step, merge) => {
                let fail = |error| Stop::Failed { step: None, error };
                let step_input = to_input(input.clone()).map_err(fail)?;
                let output = self.step(step, &step_input).await?;
                merge(input, output).map_err(fail)
            }
            Stage::OrSkip(step) => match self.step(step, &input).await {
                Err(Stop::Failed {
                    step: Some(name),
                    error,
                }) => {
                    tracing::info!(workflow = %self.def.name, step = %name, %error, "step failed; skipped as the workflow allows");
                    self.set_state(&name, StepState::SkippedFailure);
                    Ok(Value::Null)
                }
                other => other,
            },
            Stage::Hook(name, map) => {
                if let Some(handler) = self.engine.hook(&self.def.name, name) {
                    let hook_input = match map {
                        Some(map) => map(input.clone())
                            .map_err(|error| Stop::Failed { step: None, error })?,
                        None => input.clone(),
                    };
                    self.step(&handler, &hook_input).await?;
                }
                Ok(input)
            }
        }
    }

    fn context(&self, step: &Arc<dyn DynStep>, action: StepAction, attempt: u32) -> StepContext {
        let (transaction_id, parent) = self.with(|e| {
            (
                Arc::<str>::from(e.transaction_id.as_str()),
                e.parent_step.as_deref().map(Arc::<str>::from),
            )
        });
        StepContext::new(
            self.def.name.clone(),
            transaction_id,
            step.name().clone(),
            action,
            attempt,
            self.engine.clone(),
            parent,
        )
    }

    fn stored_failure(&self, name: &str, checkpoint: &StepCheckpoint) -> Stop {
        let error = checkpoint
            .error
            .as_ref()
            .map(StoredError::to_error)
            .unwrap_or_else(|| Error::internal(format!("step {name} failed")));
        Stop::Failed {
            step: Some(name.to_string()),
            error,
        }
    }

    /// Run one step, or replay its stored result when an earlier drive
    /// completed it.
    async fn step(&self, step: &Arc<dyn DynStep>, input: &Value) -> Result<Value, Stop> {
        let name = step.name();
        let stored = self.with(|e| e.step(name).cloned());
        let attempts_before = match &stored {
            Some(c) if c.state == StepState::Done => {
                return Ok(c.output.clone().unwrap_or(Value::Null));
            }
            Some(c) if matches!(c.state, StepState::Skipped | StepState::SkippedFailure) => {
                return Ok(Value::Null);
            }
            Some(c) if c.state == StepState::Waiting => return Err(Stop::Pending),
            Some(c) if matches!(c.state, StepState::Failed | StepState::Timeout) => {
                return Err(self.stored_failure(name, c));
            }
            Some(c) => c.attempts,
            None => 0,
        };
        self.with(|e| {
            if e.step(name).is_none() {
                e.steps.push(StepCheckpoint::new(name, StepState::Invoking));
            }
            let c = e.step_mut(name).expect("just recorded");
            c.state = StepState::Invoking;
            c.attempts = attempts_before + 1;
        });
        // Recorded before the work starts, so a run resumed after a crash
        // knows the step may have run (its attempts keep counting).
        self.checkpoint().await;
        if self.is_lost() {
            return Err(Stop::Lost);
        }
        self.notify(
            "onStepBegin",
            Some((name, StepState::Invoking)),
            None,
            Vec::new(),
        );
        let options = step.options();
        let (result, attempts) =
            with_retries(options, name, attempts_before + 1, |attempt| async move {
                self.with(|e| {
                    if let Some(c) = e.step_mut(name) {
                        c.attempts = attempt;
                    }
                });
                let ctx = self.context(step, StepAction::Invoke, attempt);
                let response =
                    holding(ctx.event_sink(), caught(name, step.invoke(input, &ctx))).await?;
                Ok((response, ctx.take_events()))
            })
            .await;
        let outcome = match result {
            Ok(((output, compensate_input), events)) => {
                let order = self.next.fetch_add(1, Ordering::SeqCst);
                self.with(|e| {
                    let c = e.step_mut(name).expect("recorded above");
                    c.state = StepState::Done;
                    c.attempts = attempts;
                    c.output = Some(output.clone());
                    c.compensate_input = Some(compensate_input);
                    c.completed = Some(order);
                    c.events = events;
                    c.no_compensation = options.no_compensation;
                });
                self.notify(
                    "onStepSuccess",
                    Some((name, StepState::Done)),
                    Some(&output),
                    Vec::new(),
                );
                Ok(output)
            }
            Err(AttemptFailure::Error(err)) if err.is_awaiting() && options.asynchronous => {
                let deadline = options
                    .timeout
                    .and_then(|t| chrono::Duration::from_std(t).ok())
                    .map(|t| Utc::now() + t);
                self.with(|e| {
                    let c = e.step_mut(name).expect("recorded above");
                    c.state = StepState::Waiting;
                    c.attempts = attempts;
                    c.deadline = deadline;
                });
                self.notify(
                    "onStepAwaiting",
                    Some((name, StepState::Waiting)),
                    None,
                    Vec::new(),
                );
                Err(Stop::Pending)
            }
            Err(failure) => {
                let (state, error) = self.failure(name, failure);
                self.with(|e| {
                    let c = e.step_mut(name).expect("recorded above");
                    c.state = state;
                    c.attempts = attempts;
                    c.error = Some(StoredError::new(Some(name), "invoke", &error));
                });
                let stored = serde_json::to_value(StoredError::new(Some(name), "invoke", &error))
                    .unwrap_or_default();
                self.notify("onStepFailure", Some((name, state)), None, vec![stored]);
                Err(Stop::Failed {
                    step: Some(name.to_string()),
                    error,
                })
            }
        };
        self.checkpoint().await;
        outcome
    }

    fn failure(&self, name: &str, failure: AttemptFailure) -> (StepState, Error) {
        match failure {
            AttemptFailure::Error(err) if err.is_awaiting() => (
                StepState::Failed,
                Error::internal(format!(
                    "step {name} answered awaiting_response but is not asynchronous"
                )),
            ),
            AttemptFailure::Error(err) => (StepState::Failed, err.into_error()),
            AttemptFailure::Timeout(limit) => (
                StepState::Timeout,
                Error::new(
                    ErrorKind::UnexpectedState,
                    format!(
                        "Step {name} of workflow {} timed out after {} ms",
                        self.def.name,
                        limit.as_millis()
                    ),
                )
                .with_code("step_timeout"),
            ),
        }
    }

    /// The step named `name` (a hook runs its handler).
    fn find(&self, name: &str) -> Option<Arc<dyn DynStep>> {
        self.def
            .steps
            .get(name)
            .cloned()
            .or_else(|| self.engine.hook(&self.def.name, name))
    }

    /// Undo completed steps, last completed first, checkpointing each. A
    /// failed compensation is recorded and the others still run.
    async fn compensate(&self) {
        let mut due: Vec<(u32, String)> = self.with(|e| {
            e.state = TransactionState::Compensating;
            e.steps
                .iter()
                .filter(|s| matches!(s.state, StepState::Done | StepState::Compensating))
                .map(|s| (s.completed.unwrap_or(0), s.name.clone()))
                .collect()
        });
        due.sort_by_key(|d| std::cmp::Reverse(d.0));
        self.checkpoint().await;
        for (_, name) in due {
            if self.is_lost() {
                return;
            }
            let (input, no_compensation) = self.with(|e| {
                let c = e.step(&name).expect("listed above");
                (
                    c.compensate_input.clone().unwrap_or(Value::Null),
                    c.no_compensation,
                )
            });
            let Some(step) = self.find(&name) else {
                let error = Error::internal(format!(
                    "step {name} is no longer part of workflow {}",
                    self.def.name
                ));
                self.compensation_failed(&name, error);
                self.checkpoint().await;
                continue;
            };
            if no_compensation || step.options().no_compensation {
                self.set_state(&name, StepState::Reverted);
                continue;
            }
            self.set_state(&name, StepState::Compensating);
            let input = &input;
            let step = &step;
            let (result, _) = with_retries(step.options(), &name, 1, |attempt| async move {
                let ctx = self.context(step, StepAction::Compensate, attempt);
                // Events raised while undoing (the module's `…deleted`) are
                // dropped with the run's.
                holding(
                    ctx.event_sink(),
                    caught(step.name(), step.compensate(input, &ctx)),
                )
                .await
            })
            .await;
            match result {
                Ok(()) => {
                    self.set_state(&name, StepState::Reverted);
                    self.with(|e| e.compensated.push(name.clone()));
                    self.notify(
                        "onCompensateStepSuccess",
                        Some((&name, StepState::Reverted)),
                        None,
                        Vec::new(),
                    );
                }
                Err(AttemptFailure::Error(err)) if err.is_no_compensation() => {
                    self.set_state(&name, StepState::Reverted);
                }
                Err(failure) => {
                    let (_, error) = self.failure(&name, failure);
                    tracing::error!(step = %name, %error, "compensation failed");
                    let stored =
                        serde_json::to_value(StoredError::new(Some(&name), "compensate", &error))
                            .unwrap_or_default();
                    self.notify(
                        "onCompensateStepFailure",
                        Some((&name, StepState::Failed)),
                        None,
                        vec![stored],
                    );
                    self.compensation_failed(&name, error);
                }
            }
            self.checkpoint().await;
        }
        self.with(|e| {
            e.state = if e.compensation_failures.is_empty() {
                TransactionState::Reverted
            } else {
                TransactionState::Failed
            };
        });
    }

    fn set_state(&self, name: &str, state: StepState) {
        self.with(|e| {
            if let Some(c) = e.step_mut(name) {
                c.state = state;
            }
        });
    }

    fn compensation_failed(&self, name: &str, error: Error) {
        self.with(|e| {
            if let Some(c) = e.step_mut(name) {
                c.state = StepState::Failed;
            }
            e.compensation_failures
                .push(StoredError::new(Some(name), "compensate", &error));
        });
    }
}
