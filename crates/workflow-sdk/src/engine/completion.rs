//! Answers to asynchronous steps: a step that answered
//! [`StepError::awaiting_response`](crate::StepError::awaiting_response)
//! waits (stored) until [`WorkflowEngine::set_step_success`] or
//! [`WorkflowEngine::set_step_failure`] completes it, and the run goes on
//! from there.

use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use stheno_module_sdk::Error;
use stheno_module_sdk::events::Event;

use super::{Mode, WorkflowEngine, WorkflowOutcome};
use crate::execution::{StepState, StoredError};

impl WorkflowEngine {
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

    pub(super) fn complete_step<'a>(
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
            let next = execution.next_completion();
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
}

/// How an asynchronous step was answered.
pub(super) enum Completion {
    Success {
        output: Value,
        compensate_input: Value,
        events: Vec<Event>,
    },
    Failure(Error),
}
