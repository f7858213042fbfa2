//! A workflow run as one step of another (Medusa's `runAsStep`).

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;
use stheno_module_sdk::Error;

use crate::engine::Mode;
use crate::step::{DynStep, StepContext, StepError, StepOptions};
use crate::workflow::WorkflowDef;

pub(crate) struct NestedStep {
    def: Arc<WorkflowDef>,
    name: Arc<str>,
    options: StepOptions,
}

impl NestedStep {
    pub(crate) fn new(def: Arc<WorkflowDef>) -> Self {
        Self {
            name: Arc::from(format!("{}-as-step", def.name)),
            def,
            // The child may pause on one of its own asynchronous steps.
            options: StepOptions::default().asynchronous(),
        }
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
