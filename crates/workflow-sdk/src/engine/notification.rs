//! What subscribers receive: every change of a run an engine drives is
//! broadcast as a [`WorkflowNotification`] to
//! [`WorkflowEngine::subscribe`](crate::WorkflowEngine::subscribe)rs.

use serde::Serialize;
use serde_json::Value;

use crate::execution::TransactionState;

/// A change in a run, broadcast to
/// [`WorkflowEngine::subscribe`](crate::WorkflowEngine::subscribe)rs (the
/// admin executions subscription streams them). `event_type` is Medusa's:
/// `onStepBegin`, `onStepSuccess`, `onStepFailure`, `onStepAwaiting`,
/// `onCompensateStepSuccess`, `onCompensateStepFailure`, `onFinish`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowNotification {
    pub event_type: &'static str,
    pub workflow_id: String,
    pub transaction_id: String,
    /// `{id: "_root.<step>", name, state}` for step events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Value>,
    /// A step's output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<Value>,
    /// The run's output (`onFinish` of a run that succeeded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<Value>,
    /// `onFinish`: the run's final state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<TransactionState>,
}
