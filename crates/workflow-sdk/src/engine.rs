//! The in-memory engine: runs workflows, retries, compensates, stores
//! outcomes by transaction id and releases held events.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::FutureExt;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::events::{Event, EventBus};
use stheno_module_sdk::services::Services;
use stheno_module_sdk::{Error, ErrorKind};

use crate::step::{Data, DynStep, StepAction, StepContext, StepError, StepOptions};
use crate::workflow::{Stage, Workflow};

/// Where a step is in its life (Medusa's `TransactionStepState`, one field
/// for invoke and compensate together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Invoking,
    Done,
    /// Invoke failed (after its retries), or its compensation failed.
    Failed,
    /// An attempt ran past the step's timeout.
    Timeout,
    /// Its condition was false.
    Skipped,
    Compensating,
    Reverted,
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
        }))
    }

    pub fn workflow_id(&self) -> &str {
        &self.0.workflow_id
    }
    pub fn transaction_id(&self) -> &str {
        &self.0.transaction_id
    }
    /// The step that failed; `None` when the failure was not a step's (a
    /// transform, the event bus, a run already in progress).
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
}

impl fmt::Display for WorkflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
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
        }))
    }
}

/// What a run returns.
#[derive(Debug)]
pub struct WorkflowOutcome<Out> {
    pub transaction_id: String,
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
    /// The state recorded for step `name` (its first use).
    pub fn step_state(&self, name: &str) -> Option<StepState> {
        self.steps.iter().find(|s| s.name == name).map(|s| s.state)
    }
}

enum Entry {
    Running,
    Finished {
        at: Instant,
        result: Result<Value, WorkflowError>,
        steps: Vec<StepRecord>,
    },
}

type Key = (Arc<str>, String);

/// Runs workflows in process. Outcomes are kept by `(workflow id,
/// transaction id)` for the retention period (default one day), so running
/// again with the same transaction id returns the stored outcome; nothing
/// survives a restart.
pub struct WorkflowEngine {
    event_bus: Arc<dyn EventBus>,
    services: Services,
    retention: Duration,
    executions: Mutex<HashMap<Key, Entry>>,
}

impl fmt::Debug for WorkflowEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkflowEngine")
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl WorkflowEngine {
    /// Events held by steps are released through `event_bus` when a run
    /// succeeds.
    pub fn new(event_bus: Arc<dyn EventBus>) -> Self {
        Self {
            event_bus,
            services: Services::default(),
            retention: Duration::from_secs(24 * 60 * 60),
            executions: Mutex::new(HashMap::new()),
        }
    }

    /// What steps reach through [`StepContext::module`](crate::StepContext::module).
    pub fn with_services(mut self, services: Services) -> Self {
        self.services = services;
        self
    }

    /// How long finished outcomes are kept for idempotent re-runs.
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
    }

    fn executions(&self) -> MutexGuard<'_, HashMap<Key, Entry>> {
        self.executions.lock().unwrap_or_else(|e| e.into_inner())
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

    /// Run under `transaction_id`. If a run with this id finished within the
    /// retention period, its outcome is returned without executing anything;
    /// if one is in progress, the result is a `conflict` error.
    ///
    /// Dropping the returned future abandons the run without compensating
    /// (the id can then be used again).
    pub async fn run_with_id<In: Data, Out: Data>(
        &self,
        workflow: &Workflow<In, Out>,
        transaction_id: impl Into<String>,
        input: In,
    ) -> WorkflowOutcome<Out> {
        let transaction_id = transaction_id.into();
        let key: Key = (workflow.name.clone(), transaction_id.clone());
        {
            let mut executions = self.executions();
            let retention = self.retention;
            executions.retain(|_, entry| match entry {
                Entry::Running => true,
                Entry::Finished { at, .. } => at.elapsed() < retention,
            });
            match executions.get(&key) {
                Some(Entry::Running) => {
                    let error = Error::conflict(format!(
                        "Workflow {} with transaction id {transaction_id} is already running",
                        workflow.name
                    ));
                    return WorkflowOutcome {
                        result: Err(WorkflowError::new(
                            &workflow.name,
                            &transaction_id,
                            None,
                            error,
                        )),
                        transaction_id,
                        steps: Vec::new(),
                        replayed: false,
                    };
                }
                Some(Entry::Finished { result, steps, .. }) => {
                    let result = match result {
                        Ok(value) => serde_json::from_value(value.clone()).map_err(|e| {
                            let error = Error::internal(format!(
                                "workflow {}: the stored output does not match its type: {e}",
                                workflow.name
                            ));
                            WorkflowError::new(&workflow.name, &transaction_id, None, error)
                        }),
                        Err(err) => Err(err.clone()),
                    };
                    return WorkflowOutcome {
                        transaction_id,
                        result,
                        steps: steps.clone(),
                        replayed: true,
                    };
                }
                None => {
                    executions.insert(key.clone(), Entry::Running);
                }
            }
        }
        let mut guard = RunningGuard {
            engine: self,
            key: Some(key),
        };

        let run = Run {
            workflow_id: workflow.name.clone(),
            transaction_id: Arc::from(transaction_id.as_str()),
            services: self.services.clone(),
            records: Mutex::new(Vec::new()),
            completed: Mutex::new(Vec::new()),
            events: Mutex::new(Vec::new()),
        };
        let result = match run.execute(workflow, input).await {
            Ok((value, output)) => match self.release_events(&run).await {
                Ok(()) => Ok((value, output)),
                Err(error) => Err(Failed { step: None, error }),
            },
            Err(failed) => Err(failed),
        };
        let result = match result {
            Ok(ok) => Ok(ok),
            Err(failed) => {
                let dropped = lock(&run.events).len();
                if dropped > 0 {
                    tracing::debug!(workflow = %workflow.name, %transaction_id, dropped, "dropping events of a reverted workflow");
                }
                let (compensated, compensation_failures) = run.compensate().await;
                let mut err =
                    WorkflowError::new(&workflow.name, &transaction_id, failed.step, failed.error);
                err.0.compensated = compensated;
                err.0.compensation_failures = compensation_failures;
                tracing::warn!(error = %err, "workflow reverted");
                Err(err)
            }
        };
        let steps = lock(&run.records).clone();

        if let Some(key) = guard.key.take() {
            let stored = match &result {
                Ok((value, _)) => Ok(value.clone()),
                Err(err) => Err(err.clone()),
            };
            self.executions().insert(
                key,
                Entry::Finished {
                    at: Instant::now(),
                    result: stored,
                    steps: steps.clone(),
                },
            );
        }
        WorkflowOutcome {
            transaction_id,
            result: result.map(|(_, output)| output),
            steps,
            replayed: false,
        }
    }

    async fn release_events(&self, run: &Run) -> Result<(), Error> {
        let events = std::mem::take(&mut *lock(&run.events));
        if events.is_empty() {
            return Ok(());
        }
        self.event_bus.emit(events).await
    }
}

/// Frees the transaction id if a run is abandoned (its future dropped).
struct RunningGuard<'a> {
    engine: &'a WorkflowEngine,
    key: Option<Key>,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.engine.executions().remove(&key);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

struct Failed {
    step: Option<String>,
    error: Error,
}

struct Completed {
    record: usize,
    step: Arc<dyn DynStep>,
    compensate_input: Value,
}

/// The state of one run.
struct Run {
    workflow_id: Arc<str>,
    transaction_id: Arc<str>,
    services: Services,
    records: Mutex<Vec<StepRecord>>,
    /// Completed steps, in completion order.
    completed: Mutex<Vec<Completed>>,
    /// Events of completed steps, held until the run succeeds.
    events: Mutex<Vec<Event>>,
}

enum AttemptFailure {
    Error(StepError),
    Timeout(Duration),
}

/// Run `attempt` (numbered from 1) until it succeeds, fails permanently, times
/// out or runs out of retries. Returns the attempts made.
async fn with_retries<T, F, Fut>(
    options: &StepOptions,
    step: &str,
    mut attempt: F,
) -> (Result<T, AttemptFailure>, u32)
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    let mut number = 1;
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

impl Run {
    async fn execute<In: Data, Out: Data>(
        &self,
        workflow: &Workflow<In, Out>,
        input: In,
    ) -> Result<(Value, Out), Failed> {
        let internal = |message: String| Failed {
            step: None,
            error: Error::internal(message),
        };
        let mut value = serde_json::to_value(input).map_err(|e| {
            internal(format!(
                "workflow {}: could not serialise the input: {e}",
                workflow.name
            ))
        })?;
        for stage in &workflow.stages {
            value = self.stage(stage, value).await?;
        }
        let output = serde_json::from_value(value.clone()).map_err(|e| {
            internal(format!(
                "workflow {}: the output does not match its type: {e}",
                workflow.name
            ))
        })?;
        Ok((value, output))
    }

    async fn stage(&self, stage: &Stage, input: Value) -> Result<Value, Failed> {
        match stage {
            Stage::Step(step) => self.invoke(step, &input).await,
            Stage::Transform(transform) => {
                transform(input).map_err(|error| Failed { step: None, error })
            }
            Stage::Parallel(steps) => {
                let results =
                    futures::future::join_all(steps.iter().map(|step| self.invoke(step, &input)))
                        .await;
                let mut outputs = Vec::with_capacity(results.len());
                for result in results {
                    outputs.push(result?);
                }
                Ok(Value::Array(outputs))
            }
            Stage::When(condition, step) => {
                let run = condition(&input).map_err(|error| Failed { step: None, error })?;
                if run {
                    self.invoke(step, &input).await
                } else {
                    self.record(step.name(), StepState::Skipped);
                    Ok(Value::Null)
                }
            }
        }
    }

    fn record(&self, name: &str, state: StepState) -> usize {
        let mut records = lock(&self.records);
        records.push(StepRecord {
            name: name.to_string(),
            state,
            attempts: 0,
        });
        records.len() - 1
    }

    fn set_state(&self, index: usize, state: StepState) {
        if let Some(record) = lock(&self.records).get_mut(index) {
            record.state = state;
        }
    }

    fn context(&self, step: &Arc<dyn DynStep>, action: StepAction, attempt: u32) -> StepContext {
        StepContext::new(
            self.workflow_id.clone(),
            self.transaction_id.clone(),
            step.name().clone(),
            action,
            attempt,
            self.services.clone(),
        )
    }

    async fn invoke(&self, step: &Arc<dyn DynStep>, input: &Value) -> Result<Value, Failed> {
        let index = self.record(step.name(), StepState::Invoking);
        let (result, attempts) = with_retries(step.options(), step.name(), |attempt| async move {
            let ctx = self.context(step, StepAction::Invoke, attempt);
            let response = caught(step.name(), step.invoke(input, &ctx)).await?;
            Ok((response, ctx.take_events()))
        })
        .await;
        if let Some(record) = lock(&self.records).get_mut(index) {
            record.attempts = attempts;
        }
        match result {
            Ok(((output, compensate_input), events)) => {
                self.set_state(index, StepState::Done);
                lock(&self.events).extend(events);
                lock(&self.completed).push(Completed {
                    record: index,
                    step: step.clone(),
                    compensate_input,
                });
                Ok(output)
            }
            Err(failure) => {
                let (state, error) = self.failure(step, failure);
                self.set_state(index, state);
                Err(Failed {
                    step: Some(step.name().to_string()),
                    error,
                })
            }
        }
    }

    fn failure(&self, step: &Arc<dyn DynStep>, failure: AttemptFailure) -> (StepState, Error) {
        match failure {
            AttemptFailure::Error(err) => (StepState::Failed, err.into_error()),
            AttemptFailure::Timeout(limit) => (
                StepState::Timeout,
                Error::new(
                    ErrorKind::UnexpectedState,
                    format!(
                        "Step {} of workflow {} timed out after {} ms",
                        step.name(),
                        self.workflow_id,
                        limit.as_millis()
                    ),
                )
                .with_code("step_timeout"),
            ),
        }
    }

    /// Undo completed steps, last completed first. Returns the steps whose
    /// compensation ran and the compensations that failed (the others still
    /// run).
    async fn compensate(&self) -> (Vec<String>, Vec<CompensationFailure>) {
        let completed = std::mem::take(&mut *lock(&self.completed));
        let mut compensated = Vec::new();
        let mut failures = Vec::new();
        for done in completed.into_iter().rev() {
            let step = &done.step;
            if step.options().no_compensation {
                self.set_state(done.record, StepState::Reverted);
                continue;
            }
            self.set_state(done.record, StepState::Compensating);
            let input = &done.compensate_input;
            let (result, _) = with_retries(step.options(), step.name(), |attempt| async move {
                let ctx = self.context(step, StepAction::Compensate, attempt);
                caught(step.name(), step.compensate(input, &ctx)).await
            })
            .await;
            match result {
                Ok(()) => {
                    self.set_state(done.record, StepState::Reverted);
                    compensated.push(step.name().to_string());
                }
                Err(AttemptFailure::Error(err)) if err.is_no_compensation() => {
                    self.set_state(done.record, StepState::Reverted);
                }
                Err(failure) => {
                    let (_, error) = self.failure(step, failure);
                    tracing::error!(step = %step.name(), %error, "compensation failed");
                    self.set_state(done.record, StepState::Failed);
                    failures.push(CompensationFailure {
                        step: step.name().to_string(),
                        error,
                    });
                }
            }
        }
        (compensated, failures)
    }
}
