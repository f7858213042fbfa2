//! Steps: the unit of work a workflow runs, retries and compensates.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use stheno_module_sdk::events::Event;
use stheno_module_sdk::locking::Locking;
use stheno_module_sdk::services::Services;

use crate::WorkflowEngine;
use stheno_module_sdk::{Error, ErrorKind, Module};

/// Values that can flow between steps: they travel as JSON so an execution
/// can be stored and replayed.
pub trait Data: Serialize + DeserializeOwned + Send + Sync + 'static {}
impl<T: Serialize + DeserializeOwned + Send + Sync + 'static> Data for T {}

/// One unit of work with an optional undo.
///
/// `invoke` returns a [`StepResponse`]: the output handed to the next step and
/// the input its `compensate` receives if a later step fails. Leave
/// `compensate` unimplemented for steps with nothing to undo; such steps are
/// marked reverted on rollback without being listed as compensated.
///
/// Implementations use [`async_trait`](crate::async_trait).
#[async_trait]
pub trait Step: Send + Sync + 'static {
    type Input: Data;
    type Output: Data;
    type CompensateInput: Data;

    /// The step id, unique within a workflow (`create-products`, …).
    fn name(&self) -> &str;

    /// Retries, backoff, timeout and compensation options.
    fn options(&self) -> StepOptions {
        StepOptions::default()
    }

    async fn invoke(
        &self,
        input: Self::Input,
        ctx: &StepContext,
    ) -> Result<StepResponse<Self::Output, Self::CompensateInput>, StepError>;

    /// Undo what `invoke` did, given the compensation input it returned.
    /// The default marks the step as having no compensation.
    async fn compensate(
        &self,
        input: Self::CompensateInput,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let _ = (input, ctx);
        Err(StepError {
            kind: FailureKind::NoCompensation,
            error: Error::internal("step has no compensation"),
        })
    }
}

/// What a step's `invoke` returns: its output and the (possibly smaller)
/// input of its compensation.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResponse<O, C = O> {
    pub output: O,
    pub compensate_input: C,
}

impl<O: Clone> StepResponse<O, O> {
    /// Compensate from the output itself (Medusa's default).
    pub fn new(output: O) -> Self {
        Self {
            compensate_input: output.clone(),
            output,
        }
    }
}

impl<O, C> StepResponse<O, C> {
    /// Output and compensation input differ (e.g. compensate from ids only).
    pub fn with_compensation(output: O, compensate_input: C) -> Self {
        Self {
            output,
            compensate_input,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FailureKind {
    Retryable,
    Permanent,
    NoCompensation,
    Awaiting,
}

/// A failed step attempt: retryable (retried while the step's `max_retries`
/// allows) or permanent (the workflow compensates at once).
///
/// A plain [`Error`] converts into a *retryable* failure, as a thrown error
/// does in Medusa; with the default `max_retries` of 0 that still fails the
/// step on the first error.
#[derive(Debug)]
pub struct StepError {
    kind: FailureKind,
    error: Error,
}

impl StepError {
    pub fn retryable(error: Error) -> Self {
        Self {
            kind: FailureKind::Retryable,
            error,
        }
    }
    /// No retry whatever `max_retries` says (Medusa's `permanentFailure`).
    pub fn permanent(error: Error) -> Self {
        Self {
            kind: FailureKind::Permanent,
            error,
        }
    }
    /// Not a failure: an asynchronous step (see
    /// [`StepOptions::asynchronous`]) started its work and is completed later
    /// from outside with
    /// [`WorkflowEngine::set_step_success`](crate::WorkflowEngine::set_step_success)
    /// or `set_step_failure`.
    pub fn awaiting_response() -> Self {
        Self {
            kind: FailureKind::Awaiting,
            error: Error::new(
                ErrorKind::UnexpectedState,
                "step is waiting for its response",
            ),
        }
    }
    pub fn is_awaiting(&self) -> bool {
        self.kind == FailureKind::Awaiting
    }
    pub fn is_retryable(&self) -> bool {
        self.kind == FailureKind::Retryable
    }
    pub(crate) fn is_no_compensation(&self) -> bool {
        self.kind == FailureKind::NoCompensation
    }
    pub fn error(&self) -> &Error {
        &self.error
    }
    pub fn into_error(self) -> Error {
        self.error
    }
}

impl From<Error> for StepError {
    fn from(error: Error) -> Self {
        Self::retryable(error)
    }
}

impl fmt::Display for StepError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            FailureKind::Retryable => "retryable",
            FailureKind::Permanent => "permanent",
            FailureKind::NoCompensation => "no compensation",
            FailureKind::Awaiting => "awaiting response",
        };
        write!(f, "{kind} failure: {}", self.error)
    }
}

impl std::error::Error for StepError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Per-step options (Medusa's `maxRetries`, `retryInterval`, `timeout`,
/// `noCompensation`).
///
/// Retry `n` (1-based) waits `retry_delay * 2^(n-1)`, capped at
/// `max_retry_delay`. A `timeout` bounds each attempt (invoke or compensate):
/// the attempt is cancelled and the step fails **permanently** with state
/// [`StepState::Timeout`](crate::StepState::Timeout), without being retried
/// or compensated (its work may be half done, and no compensation input
/// exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepOptions {
    pub max_retries: u32,
    pub retry_delay: Duration,
    pub max_retry_delay: Duration,
    pub timeout: Option<Duration>,
    pub no_compensation: bool,
    /// The step may answer [`StepError::awaiting_response`] and be completed
    /// from outside; `timeout` is then the deadline for that answer.
    pub asynchronous: bool,
}

impl Default for StepOptions {
    fn default() -> Self {
        Self {
            max_retries: 0,
            retry_delay: Duration::ZERO,
            max_retry_delay: Duration::from_secs(30),
            timeout: None,
            no_compensation: false,
            asynchronous: false,
        }
    }
}

impl StepOptions {
    /// Retry a retryable failure up to `max_retries` times, first after
    /// `delay`, doubling each time.
    pub fn retries(mut self, max_retries: u32, delay: Duration) -> Self {
        self.max_retries = max_retries;
        self.retry_delay = delay;
        self
    }
    pub fn max_retry_delay(mut self, cap: Duration) -> Self {
        self.max_retry_delay = cap;
        self
    }
    pub fn timeout(mut self, limit: Duration) -> Self {
        self.timeout = Some(limit);
        self
    }
    /// Never call the compensator, even if the step has one.
    pub fn no_compensation(mut self) -> Self {
        self.no_compensation = true;
        self
    }

    /// Allow the step to wait for an answer from outside (Medusa's `async`):
    /// its invoke starts the work and returns
    /// [`StepError::awaiting_response`]; the run pauses (and is stored) until
    /// `set_step_success`/`set_step_failure` or, with a `timeout`, until the
    /// deadline passes (the step then times out and the run compensates).
    pub fn asynchronous(mut self) -> Self {
        self.asynchronous = true;
        self
    }

    /// The wait before retry number `retry` (1-based).
    pub fn backoff(&self, retry: u32) -> Duration {
        let factor = 2u32.saturating_pow(retry.saturating_sub(1));
        self.retry_delay
            .saturating_mul(factor)
            .min(self.max_retry_delay)
    }
}

/// Whether a step is running forward or being undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepAction {
    Invoke,
    Compensate,
}

impl StepAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StepAction::Invoke => "invoke",
            StepAction::Compensate => "compensate",
        }
    }
}

/// What a step sees of its run. Events emitted here are held back until the
/// whole workflow succeeds.
#[derive(Debug)]
pub struct StepContext {
    workflow_id: Arc<str>,
    transaction_id: Arc<str>,
    step_name: Arc<str>,
    action: StepAction,
    attempt: u32,
    services: Services,
    engine: WorkflowEngine,
    parent_step: Option<Arc<str>>,
    events: Arc<Mutex<Vec<Event>>>,
}

impl StepContext {
    pub(crate) fn new(
        workflow_id: Arc<str>,
        transaction_id: Arc<str>,
        step_name: Arc<str>,
        action: StepAction,
        attempt: u32,
        engine: WorkflowEngine,
        parent_step: Option<Arc<str>>,
    ) -> Self {
        Self {
            workflow_id,
            transaction_id,
            step_name,
            action,
            attempt,
            services: engine.services().clone(),
            engine,
            parent_step,
            events: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// The engine running this step (nested workflows run through it).
    pub fn engine(&self) -> &WorkflowEngine {
        &self.engine
    }

    /// The locking provider of the engine.
    pub fn locking(&self) -> &Arc<dyn Locking> {
        self.engine.locking()
    }

    /// The idempotency key of the parent workflow's step when this run is a
    /// nested workflow.
    pub fn parent_step(&self) -> Option<&str> {
        self.parent_step.as_deref()
    }

    /// The module `M` of the application running the workflow. Missing
    /// modules fail the step permanently, naming the crate to add.
    pub fn module<M: Module>(&self) -> Result<Arc<M>, StepError> {
        self.services.module::<M>().map_err(StepError::permanent)
    }

    /// Any other shared service the engine was given (Query, a provider, …).
    pub fn service<T: std::any::Any + Send + Sync>(&self) -> Result<Arc<T>, StepError> {
        self.services.require::<T>().map_err(StepError::permanent)
    }

    /// Everything the engine was given.
    pub fn services(&self) -> &Services {
        &self.services
    }

    pub fn workflow_id(&self) -> &str {
        &self.workflow_id
    }
    pub fn transaction_id(&self) -> &str {
        &self.transaction_id
    }
    pub fn step_name(&self) -> &str {
        &self.step_name
    }
    pub fn action(&self) -> StepAction {
        self.action
    }
    /// 1 for the first attempt, 2 for the first retry, …
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// `<workflow_id>:<transaction_id>:<step_name>:<invoke|compensate>`, the
    /// same for every attempt: pass it to providers that dedupe requests.
    pub fn idempotency_key(&self) -> String {
        format!(
            "{}:{}:{}:{}",
            self.workflow_id,
            self.transaction_id,
            self.step_name,
            self.action.as_str()
        )
    }

    /// Hold `event` until the workflow finishes: it is emitted if the
    /// workflow succeeds and dropped if it reverts. Events of a failed attempt
    /// or of a compensation are never emitted.
    pub fn emit(&self, event: Event) {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(event);
    }

    /// Where events of this attempt collect, including those modules emit
    /// while the step runs (see `stheno_module_sdk::events::holding`).
    pub(crate) fn event_sink(&self) -> Arc<Mutex<Vec<Event>>> {
        self.events.clone()
    }

    pub(crate) fn take_events(&self) -> Vec<Event> {
        std::mem::take(&mut *self.events.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// A step with options set at the place it is used (Medusa's `.config`).
#[derive(Debug, Clone)]
pub struct WithOptions<S> {
    step: S,
    options: StepOptions,
}

/// Helpers available on every [`Step`].
pub trait StepExt: Step + Sized {
    /// Use this step with `options` instead of its own.
    fn with_options(self, options: StepOptions) -> WithOptions<Self> {
        WithOptions {
            step: self,
            options,
        }
    }
}
impl<S: Step> StepExt for S {}

#[async_trait]
impl<S: Step> Step for WithOptions<S> {
    type Input = S::Input;
    type Output = S::Output;
    type CompensateInput = S::CompensateInput;

    fn name(&self) -> &str {
        self.step.name()
    }
    fn options(&self) -> StepOptions {
        self.options.clone()
    }
    async fn invoke(
        &self,
        input: Self::Input,
        ctx: &StepContext,
    ) -> Result<StepResponse<Self::Output, Self::CompensateInput>, StepError> {
        self.step.invoke(input, ctx).await
    }
    async fn compensate(
        &self,
        input: Self::CompensateInput,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        self.step.compensate(input, ctx).await
    }
}

/// A step with its types erased to JSON, as the engine runs it.
#[async_trait]
pub(crate) trait DynStep: Send + Sync {
    fn name(&self) -> &Arc<str>;
    fn options(&self) -> &StepOptions;
    async fn invoke(&self, input: &Value, ctx: &StepContext) -> Result<(Value, Value), StepError>;
    async fn compensate(&self, input: &Value, ctx: &StepContext) -> Result<(), StepError>;
}

pub(crate) struct Erased<S> {
    step: S,
    name: Arc<str>,
    options: StepOptions,
}

pub(crate) fn erase<S: Step>(step: S) -> Arc<dyn DynStep> {
    let name = Arc::from(step.name());
    erase_as(step, name)
}

/// Erase `step` under another name (a hook handler runs as the hook).
pub(crate) fn erase_named<S: Step>(step: S, name: &str) -> Arc<dyn DynStep> {
    erase_as(step, Arc::from(name))
}

fn erase_as<S: Step>(step: S, name: Arc<str>) -> Arc<dyn DynStep> {
    Arc::new(Erased {
        name,
        options: step.options(),
        step,
    })
}

fn convert<T: DeserializeOwned>(step: &str, what: &str, value: &Value) -> Result<T, StepError> {
    serde_json::from_value(value.clone()).map_err(|e| {
        StepError::permanent(
            Error::new(
                ErrorKind::Unknown,
                format!("step {step}: could not read its {what}: {e}"),
            )
            .with_source(e),
        )
    })
}

fn to_json<T: Serialize>(step: &str, what: &str, value: T) -> Result<Value, StepError> {
    serde_json::to_value(value).map_err(|e| {
        StepError::permanent(
            Error::internal(format!("step {step}: could not serialise its {what}: {e}"))
                .with_source(e),
        )
    })
}

#[async_trait]
impl<S: Step> DynStep for Erased<S> {
    fn name(&self) -> &Arc<str> {
        &self.name
    }
    fn options(&self) -> &StepOptions {
        &self.options
    }
    async fn invoke(&self, input: &Value, ctx: &StepContext) -> Result<(Value, Value), StepError> {
        let input: S::Input = convert(&self.name, "input", input)?;
        let response = self.step.invoke(input, ctx).await?;
        Ok((
            to_json(&self.name, "output", response.output)?,
            to_json(&self.name, "compensation input", response.compensate_input)?,
        ))
    }
    async fn compensate(&self, input: &Value, ctx: &StepContext) -> Result<(), StepError> {
        let input: S::CompensateInput = convert(&self.name, "compensation input", input)?;
        self.step.compensate(input, ctx).await
    }
}
