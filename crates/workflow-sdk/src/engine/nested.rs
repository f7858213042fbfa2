//! A workflow run as one step of another (Medusa's `runAsStep`): the
//! parent's `Stage::Workflow` runs as a
//! `NestedStep`, which drives the child inline under its own transaction
//! id; the child's held events join the parent's, a parent compensating
//! undoes the child, and a child that finishes on its own (after an outside
//! answer or a resume) completes the parent's waiting step.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use stheno_module_sdk::Error;

use super::completion::Completion;
use super::outcome::{RawOutcome, copy_error};
use super::{Mode, WorkflowEngine, WorkflowError};
use crate::execution::TransactionState;
use crate::step::{DynStep, StepContext, StepError, StepOptions};
use crate::workflow::WorkflowDef;

/// The child workflow `def` as the step `name` of its parent.
pub(super) struct NestedStep {
    def: Arc<WorkflowDef>,
    name: Arc<str>,
    options: StepOptions,
}

impl NestedStep {
    /// The child `def` as the step `name`, as the driver runs it.
    pub(super) fn erased(name: &Arc<str>, def: &Arc<WorkflowDef>) -> Arc<dyn DynStep> {
        Arc::new(Self {
            name: name.clone(),
            def: def.clone(),
            // The child may pause on one of its own asynchronous steps.
            options: StepOptions::default().asynchronous(),
        })
    }
}

#[async_trait]
impl DynStep for NestedStep {
    fn name(&self) -> &Arc<str> {
        &self.name
    }
    fn options(&self) -> &StepOptions {
        &self.options
    }

    async fn invoke(&self, input: &Value, ctx: &StepContext) -> Result<(Value, Value), StepError> {
        let child = format!("{}-{}", self.name, ctx.transaction_id());
        let outcome = ctx
            .engine()
            .execute(
                self.def.clone(),
                child.clone(),
                input.clone(),
                Some(ctx.idempotency_key()),
                Mode::Inline,
            )
            .await;
        match outcome.result {
            Ok(value) => {
                for event in outcome.events {
                    ctx.emit(event);
                }
                Ok((value, Value::String(child)))
            }
            Err(err) if err.is_pending() => Err(StepError::awaiting_response()),
            Err(err) => Err(StepError::permanent(err.into_error())),
        }
    }

    async fn compensate(&self, input: &Value, ctx: &StepContext) -> Result<(), StepError> {
        let child: String = serde_json::from_value(input.clone()).map_err(|e| {
            StepError::permanent(Error::internal(format!(
                "step {}: bad compensation input: {e}",
                self.name
            )))
        })?;
        ctx.engine()
            .compensate_child(self.def.clone(), &child)
            .await
            .map_err(StepError::retryable)
    }
}

impl WorkflowEngine {
    /// Undo a finished nested run (its parent is compensating).
    async fn compensate_child(
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

    /// A nested run finished on its own (after an outside answer or a
    /// resume): complete the parent's waiting step with its result.
    pub(super) async fn report_to_parent(&self, parent: &str, outcome: &RawOutcome) {
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
                events: outcome.events.clone(),
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
