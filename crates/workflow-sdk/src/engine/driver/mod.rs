//! The run driver: claims a run under a lease (or replays a finished one),
//! drives it while a heartbeat renews the lease, checkpoints it, and finishes
//! it: held events released when it succeeds, its done steps compensated
//! when it fails. The passes over the stages are in `forward.rs` (replaying
//! or invoking each step) and `compensation.rs` (undoing them); one step's
//! attempts (retries, timeout, panics) in `attempt.rs`.

mod attempt;
mod compensation;
mod forward;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Utc;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use stheno_module_sdk::{Error, ErrorKind};

use super::outcome::RawOutcome;
use super::{Mode, WorkflowEngine, WorkflowNotification};
use crate::execution::{Execution, StepState, StoredError, TransactionState};
use crate::step::{DynStep, StepAction, StepContext};
use crate::store::Claim;
use crate::workflow::WorkflowDef;

impl WorkflowEngine {
    /// Claim the run `transaction_id` of `def` and drive it: a new run starts
    /// from `input`, an unfinished stored one resumes, a finished one is
    /// replayed from the store, and one another caller is driving answers
    /// `conflict`.
    pub(super) fn execute(
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

    pub(super) async fn release(&self, execution: &Execution) {
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
    pub(super) async fn take(
        &self,
        workflow_id: &str,
        transaction_id: &str,
    ) -> Result<Execution, Error> {
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

    /// Drive `execution` as far as it goes, checkpointing as it goes, while
    /// keeping its lease alive.
    pub(super) async fn drive(
        &self,
        def: Arc<WorkflowDef>,
        execution: Execution,
        mode: Mode,
    ) -> RawOutcome {
        let run = Run {
            engine: self.clone(),
            next: AtomicU32::new(execution.next_completion()),
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
                self.report_to_parent(&parent, &outcome).await;
            }
        }
        outcome
    }
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
        RawOutcome::abandoned(&self.with(|e| e.clone()))
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

    fn set_state(&self, name: &str, state: StepState) {
        self.with(|e| {
            if let Some(c) = e.step_mut(name) {
                c.state = state;
            }
        });
    }
}
