//! The compensation pass: a run's done steps undone, last completed first,
//! each checkpointed; a failed compensation is recorded and the others
//! still run.

use std::sync::Arc;

use serde_json::Value;
use stheno_module_sdk::Error;
use stheno_module_sdk::events::holding;

use super::Run;
use super::attempt::{AttemptFailure, caught, with_retries};
use crate::engine::nested::NestedStep;
use crate::execution::{StepState, StoredError, TransactionState};
use crate::step::{DynStep, StepAction};

impl Run {
    /// The step named `name` (a nested workflow runs as its step; a hook
    /// runs its handler).
    fn find(&self, name: &str) -> Option<Arc<dyn DynStep>> {
        self.def
            .steps
            .get(name)
            .cloned()
            .or_else(|| {
                let (name, child) = self.def.children.get_key_value(name)?;
                Some(NestedStep::erased(name, child))
            })
            .or_else(|| self.engine.hook(&self.def.name, name))
    }

    /// Undo completed steps, last completed first, checkpointing each. A
    /// failed compensation is recorded and the others still run.
    pub(super) async fn compensate(&self) {
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
