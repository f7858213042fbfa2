//! What the engine stores about a run: its state, its input, every step's
//! checkpoint (output, compensation input, held events) and its outcome.
//! Serialisable as a whole, so any store (memory, PostgreSQL, Redis) keeps
//! it as one JSON document and any process can resume it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::events::Event;
use stheno_module_sdk::{Error, ErrorKind};

/// Where a run is (Medusa's `TransactionState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransactionState {
    NotStarted,
    Invoking,
    WaitingToCompensate,
    Compensating,
    Done,
    Reverted,
    Failed,
}

impl TransactionState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotStarted => "not_started",
            Self::Invoking => "invoking",
            Self::WaitingToCompensate => "waiting_to_compensate",
            Self::Compensating => "compensating",
            Self::Done => "done",
            Self::Reverted => "reverted",
            Self::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::NotStarted,
            Self::Invoking,
            Self::WaitingToCompensate,
            Self::Compensating,
            Self::Done,
            Self::Reverted,
            Self::Failed,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
    /// `done`, `reverted` or `failed`: nothing more will run.
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Reverted | Self::Failed)
    }
}

/// Where a step is in its life (Medusa's `TransactionStepState`, one field
/// for invoke and compensate together).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Invoking,
    /// An asynchronous step was started and waits for its result from
    /// outside ([`WorkflowEngine::set_step_success`](crate::WorkflowEngine::set_step_success)).
    Waiting,
    Done,
    /// Invoke failed (after its retries), or its compensation failed.
    Failed,
    /// An attempt ran past the step's timeout, or an asynchronous step got no
    /// answer before its deadline.
    Timeout,
    /// Its condition was false.
    Skipped,
    /// It failed permanently in a place that tolerates it
    /// ([`Workflow::then_or_skip`](crate::Workflow::then_or_skip)); the run
    /// went on without its output.
    SkippedFailure,
    Compensating,
    Reverted,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invoking => "invoking",
            Self::Waiting => "waiting_response",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Timeout => "timeout",
            Self::Skipped => "skipped",
            Self::SkippedFailure => "skipped_failure",
            Self::Compensating => "compensating",
            Self::Reverted => "reverted",
        }
    }
}

/// An error as stored: kind, message and code survive; the source does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    /// `invoke` or `compensate`.
    pub action: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
}

/// `code` as a `&'static str` (`Error::code`'s type): each distinct code
/// is kept once for the life of the process. Codes are a small, fixed set
/// (`insufficient_inventory`, `step_timeout`, …), so this stays bounded.
fn static_code(code: &str) -> &'static str {
    use std::collections::HashSet;
    use std::sync::{Mutex, OnceLock};
    static CODES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut codes = CODES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(known) = codes.get(code) {
        return known;
    }
    let leaked: &'static str = Box::leak(code.to_string().into_boxed_str());
    codes.insert(leaked);
    leaked
}

impl StoredError {
    pub fn new(step: Option<&str>, action: &str, error: &Error) -> Self {
        Self {
            step: step.map(str::to_string),
            action: action.to_string(),
            kind: error.kind().as_str().to_string(),
            code: error.code().map(str::to_string),
            message: error.message().to_string(),
        }
    }

    pub fn to_error(&self) -> Error {
        let kind = ErrorKind::parse(&self.kind).unwrap_or(ErrorKind::Unknown);
        let error = Error::new(kind, self.message.clone());
        match self.code.as_deref() {
            Some(code) => error.with_code(static_code(code)),
            None => error,
        }
    }
}

/// One step of a stored run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepCheckpoint {
    pub name: String,
    pub state: StepState,
    /// Invoke attempts made (1 = no retry).
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compensate_input: Option<Value>,
    /// Position in completion order (compensation runs in reverse of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed: Option<u32>,
    /// Events the step raised, held until the whole run succeeds.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub events: Vec<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StoredError>,
    /// The step compensates nothing on rollback.
    #[serde(default)]
    pub no_compensation: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// An asynchronous step's answer must arrive before this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime<Utc>>,
}

impl StepCheckpoint {
    pub(crate) fn new(name: &str, state: StepState) -> Self {
        Self {
            name: name.to_string(),
            state,
            attempts: 0,
            output: None,
            compensate_input: None,
            completed: None,
            events: Vec::new(),
            error: None,
            no_compensation: false,
            started_at: Some(Utc::now()),
            deadline: None,
        }
    }
}

/// A run of a workflow under one transaction id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Execution {
    /// `wf_exec_<ULID>`.
    pub id: String,
    pub workflow_id: String,
    pub transaction_id: String,
    pub state: TransactionState,
    pub input: Value,
    /// In the order steps started.
    pub steps: Vec<StepCheckpoint>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    /// Why the run failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<StoredError>,
    /// Steps whose compensation ran, in the order it ran.
    #[serde(default)]
    pub compensated: Vec<String>,
    #[serde(default)]
    pub compensation_failures: Vec<StoredError>,
    /// Idempotency key of the parent's step when this run is a nested
    /// workflow (`<workflow>:<transaction>:<step>:invoke`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_step: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When a stored finished run may be deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// When a worker may pick this run up if nobody holds it: now-ish for a
    /// run in progress (so a crashed owner's run is resumed once its lease
    /// lapses), an asynchronous step's deadline, `None` for a run that only
    /// waits for an outside answer or is finished.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wake_at: Option<DateTime<Utc>>,
}

impl Execution {
    pub fn new(
        workflow_id: &str,
        transaction_id: &str,
        input: Value,
        parent_step: Option<String>,
    ) -> Self {
        let now = Utc::now();
        Self {
            id: stheno_module_sdk::id::generate_id("wf_exec"),
            workflow_id: workflow_id.to_string(),
            transaction_id: transaction_id.to_string(),
            state: TransactionState::NotStarted,
            input,
            steps: Vec::new(),
            result: None,
            error: None,
            compensated: Vec::new(),
            compensation_failures: Vec::new(),
            parent_step,
            created_at: now,
            updated_at: now,
            expires_at: None,
            wake_at: Some(now),
        }
    }

    pub fn step(&self, name: &str) -> Option<&StepCheckpoint> {
        self.steps.iter().find(|s| s.name == name)
    }
    pub(crate) fn step_mut(&mut self, name: &str) -> Option<&mut StepCheckpoint> {
        self.steps.iter_mut().find(|s| s.name == name)
    }

    /// Held events of completed steps, in completion order.
    pub fn held_events(&self) -> Vec<Event> {
        let mut done: Vec<&StepCheckpoint> = self
            .steps
            .iter()
            .filter(|s| s.state == StepState::Done)
            .collect();
        done.sort_by_key(|s| s.completed);
        done.into_iter()
            .flat_map(|s| s.events.iter().cloned())
            .collect()
    }

    /// The completion order the next step to complete gets (one past the
    /// latest, [`StepCheckpoint::completed`]).
    pub(crate) fn next_completion(&self) -> u32 {
        self.steps
            .iter()
            .filter_map(|s| s.completed)
            .max()
            .map_or(0, |n| n + 1)
    }

    /// Recompute [`wake_at`](Self::wake_at) from the state and waiting steps.
    pub(crate) fn refresh_wake_at(&mut self) {
        self.wake_at = if self.state.is_finished() {
            None
        } else {
            let waiting: Vec<_> = self
                .steps
                .iter()
                .filter(|s| s.state == StepState::Waiting)
                .collect();
            if waiting.is_empty() || self.state != TransactionState::Invoking {
                Some(self.updated_at)
            } else {
                waiting.iter().filter_map(|s| s.deadline).min()
            }
        };
    }
}

/// Filters of the execution list (`GET /admin/workflows-executions`).
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub workflow_id: Vec<String>,
    pub transaction_id: Vec<String>,
    pub state: Vec<TransactionState>,
    pub offset: u64,
    pub limit: u64,
}

impl ExecutionFilter {
    /// Whether `e` passes every filter (for stores that filter in memory).
    pub fn matches(&self, e: &Execution) -> bool {
        (self.workflow_id.is_empty() || self.workflow_id.contains(&e.workflow_id))
            && (self.transaction_id.is_empty() || self.transaction_id.contains(&e.transaction_id))
            && (self.state.is_empty() || self.state.contains(&e.state))
    }

    /// Filter, order newest first and page `all` in memory; returns the page
    /// and the number of matches.
    pub fn apply(&self, all: impl IntoIterator<Item = Execution>) -> (Vec<Execution>, u64) {
        let mut matching: Vec<Execution> = all.into_iter().filter(|e| self.matches(e)).collect();
        matching.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        let count = matching.len() as u64;
        let page = matching
            .into_iter()
            .skip(self.offset as usize)
            .take(self.limit as usize)
            .collect();
        (page, count)
    }
}
