//! Typed workflows: steps that can be undone, composed into a saga.
//!
//! Medusa runs every multi-module operation (create products, complete a
//! cart) as a *workflow*: a sequence of *steps*, each with an `invoke` and an
//! optional `compensate`. When a step fails for good, the steps already done
//! are compensated in reverse order of completion, so the operation either
//! happens or is undone. This crate is that model, typed:
//!
//! - A [`Step`] declares its `Input`, `Output` and `CompensateInput` types.
//!   `invoke` returns a [`StepResponse`]: the output for the next step and
//!   what `compensate` will need (often less than the output, e.g. only ids).
//! - A failure is a [`StepError`]: *retryable* (retried up to the step's
//!   [`StepOptions::max_retries`], with exponential backoff) or *permanent*
//!   (no retry). An attempt running past [`StepOptions::timeout`] is
//!   cancelled and fails the step permanently.
//! - A [`Workflow<In, Out>`] is built by chaining: [`Workflow::then`] only
//!   accepts a step whose input is the previous output, [`Workflow::then_map`]
//!   and [`Workflow::map`] convert between them, [`Workflow::parallel`] runs
//!   two steps concurrently into a tuple, [`Workflow::when`] runs a step only
//!   if a condition holds (into an `Option`). A mismatch is a compile error.
//! - [`Workflow::then_workflow`] runs another workflow as one step (its
//!   compensation crosses the nesting), [`Workflow::hook`] places a [`Hook`]
//!   an application attaches one typed handler to ([`register_hook!`]),
//!   [`Workflow::then_or_skip`] tolerates a step's permanent failure, and
//!   [`acquire_lock`]/[`release_lock`] hold named locks.
//! - A [`WorkflowEngine`] runs a workflow under a transaction id (given, or
//!   `auto-<ULID>`), checkpointing every step in an [`ExecutionStore`]
//!   (in memory here; PostgreSQL and Redis in `stheno-workflow-engine`).
//!   Running again with the id of a finished run returns the stored
//!   [`WorkflowOutcome`]; with the id of an unfinished run, resumes it. Any
//!   engine sharing the store resumes runs of a process that died
//!   ([`WorkflowEngine::recover`]). The outcome carries the output or a
//!   [`WorkflowError`] (the failing step, its error, the steps compensated)
//!   and every step's [`StepState`].
//! - An asynchronous step ([`StepOptions::asynchronous`]) pauses the run
//!   until [`WorkflowEngine::set_step_success`] or `set_step_failure`.
//! - Events a step raises with [`StepContext::emit`] are held and emitted
//!   through the [`EventBus`](stheno_module_sdk::events::EventBus) only when
//!   the whole workflow succeeds; they are dropped when it reverts.
//! - [`register_workflow!`] registers a workflow by name, so a worker can run
//!   or resume it without having started it.
//!
//! Values between steps travel as JSON (`serde_json::Value`), so an execution
//! can be stored and resumed anywhere. The guide is `docs/workflows.md`.
//!
//! ```
//! use std::sync::Arc;
//! use stheno_module_sdk::events::{Event, RecordingEventBus};
//! use stheno_module_sdk::Error;
//! use stheno_workflow_sdk::{
//!     async_trait, Step, StepContext, StepError, StepResponse, Workflow, WorkflowEngine,
//! };
//!
//! /// Creates products from titles; returns their ids.
//! struct CreateProducts;
//!
//! #[async_trait]
//! impl Step for CreateProducts {
//!     type Input = Vec<String>;
//!     type Output = Vec<String>;
//!     type CompensateInput = Vec<String>;
//!
//!     fn name(&self) -> &str {
//!         "create-products"
//!     }
//!     async fn invoke(
//!         &self,
//!         titles: Vec<String>,
//!         ctx: &StepContext,
//!     ) -> Result<StepResponse<Vec<String>>, StepError> {
//!         let ids: Vec<String> = titles.iter().map(|t| format!("prod_{t}")).collect();
//!         for id in &ids {
//!             ctx.emit(Event::new("product.created", serde_json::json!({ "id": id })));
//!         }
//!         Ok(StepResponse::new(ids))
//!     }
//!     async fn compensate(&self, ids: Vec<String>, _: &StepContext) -> Result<(), StepError> {
//!         // delete `ids`
//!         Ok(())
//!     }
//! }
//!
//! /// Counts what it is given; nothing to undo.
//! struct Count;
//!
//! #[async_trait]
//! impl Step for Count {
//!     type Input = usize;
//!     type Output = usize;
//!     type CompensateInput = ();
//!
//!     fn name(&self) -> &str {
//!         "count"
//!     }
//!     async fn invoke(&self, n: usize, _: &StepContext) -> Result<StepResponse<usize, ()>, StepError> {
//!         if n == 0 {
//!             return Err(StepError::permanent(Error::invalid_data("Nothing was created")));
//!         }
//!         Ok(StepResponse::with_compensation(n, ()))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! // `Workflow<Vec<String>, usize>`; `.then(Count)` right after
//! // `CreateProducts` would not compile (`usize` is not `Vec<String>`).
//! let workflow = Workflow::<Vec<String>>::new("create-products")
//!     .then(CreateProducts)
//!     .then_map(|ids: &Vec<String>| ids.len(), Count);
//!
//! let bus = Arc::new(RecordingEventBus::default());
//! let engine = WorkflowEngine::new(bus.clone());
//!
//! let outcome = engine.run(&workflow, vec!["shirt".into(), "hat".into()]).await;
//! assert_eq!(outcome.result.unwrap(), 2);
//! assert_eq!(bus.names(), ["product.created", "product.created"]);
//!
//! // Count fails: create-products is compensated and its events are dropped.
//! let err = engine.run(&workflow, vec![]).await.result.unwrap_err();
//! assert_eq!(err.failed_step(), Some("count"));
//! assert_eq!(err.compensated(), ["create-products"]);
//! assert_eq!(bus.names().len(), 2);
//! # }
//! ```

mod engine;
pub mod execution;
pub mod lock;
mod registry;
mod step;
pub mod store;
mod workflow;

pub use engine::{
    CompensationFailure, StepRecord, WorkflowEngine, WorkflowError, WorkflowNotification,
    WorkflowOutcome,
};
pub use execution::{Execution, ExecutionFilter, StepState, TransactionState};
pub use lock::{acquire_lock, release_lock};
pub use registry::{ErasedWorkflow, HookHandler, HookRegistration, WorkflowRegistration};
pub use step::{
    Data, Step, StepAction, StepContext, StepError, StepExt, StepOptions, StepResponse, WithOptions,
};
pub use store::{ExecutionStore, InMemoryStore};
pub use workflow::{Hook, Workflow};

pub use async_trait::async_trait;
#[doc(hidden)]
pub use inventory;
