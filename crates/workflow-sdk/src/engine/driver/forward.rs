//! The forward pass: each stage in order, each step replayed from its
//! checkpoint when an earlier drive completed it, or invoked (with its
//! retries) and checkpointed before and after.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::Utc;
use futures::FutureExt;
use futures::future::BoxFuture;
use serde_json::Value;
use stheno_module_sdk::Error;
use stheno_module_sdk::events::holding;

use super::attempt::{AttemptFailure, caught, with_retries};
use super::{Run, Stop};
use crate::engine::nested::NestedStep;
use crate::execution::{StepCheckpoint, StepState, StoredError};
use crate::step::{DynStep, StepAction};
use crate::workflow::Stage;

impl Run {
    pub(super) fn forward<'a>(
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
            Stage::Workflow(name, child) => {
                self.step(&NestedStep::erased(name, child), &input).await
            }
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
}
