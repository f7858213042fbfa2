//! What a run returns: [`WorkflowOutcome`] with the output or a
//! [`WorkflowError`] (the failing step, its error, what was compensated), and
//! a [`StepRecord`] per step. `RawOutcome` is the untyped form the driver
//! builds, before the output is read as the workflow's output type.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::events::Event;
use stheno_module_sdk::{Error, ErrorKind};

use crate::execution::{Execution, StepState, StoredError, TransactionState};
use crate::step::Data;
use crate::workflow::WorkflowDef;

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
    pub(super) fn new(
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

    pub(super) fn pending(execution: &Execution) -> Self {
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

    pub(super) fn from_execution(execution: &Execution) -> Self {
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
    /// The message of the error that failed the run.
    pub fn message(&self) -> &str {
        self.error().message()
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
pub(super) fn copy_error(error: &Error) -> Error {
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
pub(super) struct RawOutcome {
    pub(super) transaction_id: String,
    pub(super) state: TransactionState,
    pub(super) result: Result<Value, WorkflowError>,
    steps: Vec<StepRecord>,
    replayed: bool,
    /// Held events of a nested run, for its parent to take over.
    pub(super) events: Vec<Event>,
}

impl RawOutcome {
    pub(super) fn failed(def: &WorkflowDef, transaction_id: String, error: Error) -> Self {
        Self {
            result: Err(WorkflowError::new(&def.name, &transaction_id, None, error)),
            transaction_id,
            state: TransactionState::Failed,
            steps: Vec::new(),
            replayed: false,
            events: Vec::new(),
        }
    }

    pub(super) fn from_execution(execution: &Execution, replayed: bool) -> Self {
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

    /// The outcome of a drive that lost its run to another process (whoever
    /// took it over finishes it).
    pub(super) fn abandoned(execution: &Execution) -> Self {
        let error = crate::store::lost_lease(execution);
        Self {
            result: Err(WorkflowError::new(
                &execution.workflow_id,
                &execution.transaction_id,
                None,
                error,
            )),
            transaction_id: execution.transaction_id.clone(),
            state: execution.state,
            steps: records(execution),
            replayed: false,
            events: Vec::new(),
        }
    }

    pub(super) fn typed<Out: Data>(self, workflow: &str) -> WorkflowOutcome<Out> {
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
