//! `/admin/workflows-executions`: stored workflow runs, running a registered
//! workflow by name, answering an asynchronous step, and following runs as
//! Server-Sent Events.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stheno_framework::Container;
use stheno_http::openapi::utoipa::openapi::{RefOr, Schema};
use stheno_http::openapi::{Doc, RouteSet, list_basics, page_schema, schema};
use stheno_http::{ApiResult, Body, ListQuery};
use stheno_module_sdk::Error;
use stheno_module_sdk::list::OneOrMany;
use stheno_module_sdk::time::to_iso;
use stheno_workflow_sdk::{
    Execution, ExecutionFilter, StepState, TransactionState, WorkflowNotification, WorkflowOutcome,
};
use tokio::sync::broadcast::{Receiver, error::RecvError};

/// Medusa's `workflow_execution` record.
fn execution_schema() -> serde_json::Value {
    json!({
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "workflow_id": {"type": "string"},
            "transaction_id": {"type": "string"},
            "run_id": {"type": "string"},
            "state": {"type": "string"},
            "retention_time": {"type": "integer"},
            "execution": {"type": "object"},
            "context": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "deleted_at": {"type": ["string", "null"], "format": "date-time"},
        },
        "required": ["id", "workflow_id", "transaction_id", "state", "execution", "context"],
    })
}

fn one_execution() -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {"workflow_execution": execution_schema()},
        "required": ["workflow_execution"],
    }))
}

fn acknowledgement_schema() -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {"acknowledgement": {
            "type": "object",
            "properties": {
                "transactionId": {"type": "string"},
                "workflowId": {"type": "string"},
                "hasFinished": {"type": "boolean"},
                "hasFailed": {"type": "boolean"},
            },
            "required": ["transactionId", "workflowId", "hasFinished", "hasFailed"],
        }},
        "required": ["acknowledgement"],
    }))
}

fn success_schema() -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {"success": {"type": "boolean"}},
        "required": ["success"],
    }))
}

pub(crate) fn configure(r: &mut RouteSet) {
    r.get(
        "/workflows-executions",
        list,
        Doc::new("List workflow executions")
            .tag("Workflows Executions")
            .queries(list_basics())
            .params::<ExecutionParams>()
            .response(
                200,
                "OK",
                page_schema("workflow_executions", execution_schema()),
            ),
    )
    .get(
        "/workflows-executions/{id}",
        retrieve,
        Doc::new("Retrieve a workflow execution")
            .tag("Workflows Executions")
            .response(200, "OK", one_execution()),
    )
    // Before `{workflow_id}/{transaction_id}`, which would take
    // `subscribe` for a transaction id.
    .get(
        "/workflows-executions/{workflow_id}/subscribe",
        subscribe,
        Doc::new("Subscribe to a workflow's runs (server-sent events)")
            .tag("Workflows Executions")
            .empty_response(200, "An event stream"),
    )
    .get(
        "/workflows-executions/{workflow_id}/{transaction_id}/subscribe",
        subscribe_transaction,
        Doc::new("Subscribe to one run (server-sent events)")
            .tag("Workflows Executions")
            .empty_response(200, "An event stream"),
    )
    .get(
        "/workflows-executions/{workflow_id}/{transaction_id}",
        retrieve_by_transaction,
        Doc::new("Retrieve a run by transaction id")
            .tag("Workflows Executions")
            .response(200, "OK", one_execution()),
    )
    .post(
        "/workflows-executions/{workflow_id}/run",
        run,
        Doc::new("Run a workflow")
            .tag("Workflows Executions")
            .optional_body_of::<RunBody>()
            .response(200, "OK", acknowledgement_schema()),
    )
    .post(
        "/workflows-executions/{workflow_id}/steps/success",
        step_success,
        Doc::new("Complete an async step")
            .tag("Workflows Executions")
            .body_of::<StepBody>()
            .response(200, "OK", success_schema()),
    )
    .post(
        "/workflows-executions/{workflow_id}/steps/failure",
        step_failure,
        Doc::new("Fail an async step")
            .tag("Workflows Executions")
            .body_of::<StepBody>()
            .response(200, "OK", success_schema()),
    );
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default, deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ExecutionParams {
    #[param(inline)]
    workflow_id: Option<OneOrMany>,
    #[param(inline)]
    transaction_id: Option<OneOrMany>,
    #[param(inline)]
    state: Option<OneOrMany>,
}

fn step_status(state: StepState) -> &'static str {
    match state {
        StepState::Waiting => "waiting_response",
        StepState::Done | StepState::Reverted | StepState::Skipped => "ok",
        StepState::Failed | StepState::Timeout | StepState::SkippedFailure => "permanent_failure",
        StepState::Invoking | StepState::Compensating => "idle",
    }
}

/// Medusa's `workflow_execution` shape: `execution.steps` keyed by
/// `_root.<step>`, outputs under `context.data.invoke`.
fn wire(e: &Execution, retention_secs: u64) -> Value {
    let mut steps = Map::new();
    steps.insert(
        "_root".into(),
        json!({ "id": "_root", "depth": -1, "next": e.steps.first().map(|s| format!("_root.{}", s.name)) }),
    );
    let mut invoke = Map::new();
    for (i, s) in e.steps.iter().enumerate() {
        let (invoke_state, compensate_state) = match s.state {
            StepState::Compensating | StepState::Reverted => {
                (StepState::Done.as_str(), s.state.as_str())
            }
            StepState::Waiting => ("invoking", "dormant"),
            state => (state.as_str(), "dormant"),
        };
        let id = format!("_root.{}", s.name);
        steps.insert(
            id.clone(),
            json!({
                "id": id,
                "depth": i,
                "definition": { "action": s.name, "noCompensation": s.no_compensation },
                "invoke": { "state": invoke_state, "status": step_status(s.state) },
                "compensate": { "state": compensate_state, "status": if s.state == StepState::Reverted { "ok" } else { "idle" } },
                "attempts": s.attempts,
                "failures": u32::from(s.error.is_some()),
                "startedAt": s.started_at.map(|t| t.timestamp_millis()),
            }),
        );
        if let Some(output) = &s.output {
            invoke.insert(
                s.name.clone(),
                json!({ "output": output, "compensateInput": s.compensate_input }),
            );
        }
    }
    let mut errors: Vec<Value> = e
        .error
        .iter()
        .chain(e.compensation_failures.iter())
        .map(|err| {
            json!({
                "action": err.step,
                "handlerType": err.action,
                "error": { "type": err.kind, "message": err.message },
            })
        })
        .collect();
    errors.dedup();
    json!({
        "id": e.id,
        "workflow_id": e.workflow_id,
        "transaction_id": e.transaction_id,
        "run_id": "",
        "state": e.state.as_str(),
        "retention_time": retention_secs,
        "execution": {
            "state": e.state.as_str(),
            "steps": steps,
            "hasFailedSteps": e.steps.iter().any(|s| matches!(s.state, StepState::Failed | StepState::Timeout)),
            "hasSkippedSteps": e.steps.iter().any(|s| s.state == StepState::Skipped),
            "hasSkippedOnFailureSteps": e.steps.iter().any(|s| s.state == StepState::SkippedFailure),
            "hasWaitingSteps": e.steps.iter().any(|s| s.state == StepState::Waiting),
            "hasRevertedSteps": e.steps.iter().any(|s| s.state == StepState::Reverted),
        },
        "context": {
            "data": { "invoke": invoke, "payload": e.input, "result": e.result },
            "compensate": {},
            "errors": errors,
        },
        "created_at": to_iso(&e.created_at),
        "updated_at": to_iso(&e.updated_at),
        "deleted_at": Value::Null,
    })
}

fn retention(c: &Container) -> u64 {
    c.config().workflows.retention_secs
}

async fn list(c: web::Data<Container>, q: ListQuery<ExecutionParams>) -> ApiResult<HttpResponse> {
    let page = q.page(20);
    let f = q.filters;
    let strings = |v: Option<OneOrMany>| v.map(|v| v.0).unwrap_or_default();
    let state = strings(f.state)
        .iter()
        .map(|s| {
            TransactionState::parse(s).ok_or_else(|| {
                Error::invalid_data(format!(
                    "Invalid request: Expected: 'not_started, invoking, waiting_to_compensate, compensating, done, reverted, failed' for field 'state', but got: \"{s}\""
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let filter = ExecutionFilter {
        workflow_id: strings(f.workflow_id),
        transaction_id: strings(f.transaction_id),
        state,
        offset: page.offset as u64,
        limit: page.limit as u64,
    };
    let (executions, count) = c.workflows().list_executions(&filter).await?;
    let keep = retention(&c);
    Ok(HttpResponse::Ok().json(json!({
        "workflow_executions": executions.iter().map(|e| wire(e, keep)).collect::<Vec<_>>(),
        "count": count,
        "offset": page.offset,
        "limit": page.limit,
    })))
}

fn not_found(id: &str) -> Error {
    Error::not_found(format!("Workflow execution with id: {id} was not found"))
}

async fn retrieve(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let execution = c
        .workflows()
        .execution_by_id(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(HttpResponse::Ok().json(json!({ "workflow_execution": wire(&execution, retention(&c)) })))
}

async fn retrieve_by_transaction(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (workflow_id, transaction_id) = path.into_inner();
    let execution = c
        .workflows()
        .execution(&workflow_id, &transaction_id)
        .await?
        .ok_or_else(|| not_found(&transaction_id))?;
    Ok(HttpResponse::Ok().json(json!({ "workflow_execution": wire(&execution, retention(&c)) })))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct RunBody {
    #[serde(default)]
    input: Value,
    transaction_id: Option<String>,
}

fn acknowledgement(workflow_id: &str, outcome: &WorkflowOutcome<Value>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "acknowledgement": {
            "transactionId": outcome.transaction_id,
            "workflowId": workflow_id,
            "hasFinished": outcome.has_finished(),
            "hasFailed": matches!(outcome.state, TransactionState::Reverted | TransactionState::Failed),
        }
    }))
}

async fn run(
    c: web::Data<Container>,
    workflow_id: web::Path<String>,
    body: Body<RunBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let outcome = c
        .workflows()
        .run_by_name(&workflow_id, body.transaction_id, body.input)
        .await?;
    Ok(acknowledgement(&workflow_id, &outcome))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct StepBody {
    transaction_id: String,
    step_id: String,
    #[serde(default)]
    response: Value,
    compensate_input: Option<Value>,
    #[serde(default)]
    action: Option<StepAction>,
}

#[derive(Debug, Deserialize, PartialEq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum StepAction {
    Invoke,
    Compensate,
}

impl StepBody {
    /// `_root.<step>` or `<step>`.
    fn step(&self) -> Result<&str, Error> {
        if self.action == Some(StepAction::Compensate) {
            return Err(Error::not_allowed(
                "Asynchronous compensation steps are not supported",
            ));
        }
        Ok(self.step_id.strip_prefix("_root.").unwrap_or(&self.step_id))
    }
}

async fn step_success(
    c: web::Data<Container>,
    workflow_id: web::Path<String>,
    body: Body<StepBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    c.workflows()
        .set_step_success(
            &workflow_id,
            &body.transaction_id,
            body.step()?,
            body.response.clone(),
            body.compensate_input.clone(),
        )
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

async fn step_failure(
    c: web::Data<Container>,
    workflow_id: web::Path<String>,
    body: Body<StepBody>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    let message = match &body.response {
        Value::String(s) => s.clone(),
        Value::Object(o) => o
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("Step failed")
            .to_string(),
        _ => "Step failed".to_string(),
    };
    c.workflows()
        .set_step_failure(
            &workflow_id,
            &body.transaction_id,
            body.step()?,
            Error::unexpected_state(message),
        )
        .await?;
    Ok(HttpResponse::Ok().json(json!({ "success": true })))
}

/// `GET …/:workflow_id/subscribe`: every change of the workflow's runs
/// driven by this process, as Server-Sent Events (`event: <type>`,
/// `data: {event_type, workflow_id, transaction_id, step?, response?,
/// result?, errors?}`). Open until the client goes away.
async fn subscribe(c: web::Data<Container>, workflow_id: web::Path<String>) -> HttpResponse {
    events(c.workflows().subscribe(), workflow_id.into_inner(), None)
}

/// `GET …/:workflow_id/:transaction_id/subscribe`: the changes of one run;
/// the stream ends after its `onFinish`.
async fn subscribe_transaction(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    let (workflow_id, transaction_id) = path.into_inner();
    events(c.workflows().subscribe(), workflow_id, Some(transaction_id))
}

fn events(
    changes: Receiver<WorkflowNotification>,
    workflow_id: String,
    transaction_id: Option<String>,
) -> HttpResponse {
    let stream = futures::stream::unfold(Some(changes), move |changes| {
        let workflow_id = workflow_id.clone();
        let transaction_id = transaction_id.clone();
        async move {
            let mut changes = changes?;
            loop {
                let change = match changes.recv().await {
                    Ok(change) => change,
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "workflow subscription fell behind");
                        continue;
                    }
                    Err(RecvError::Closed) => return None,
                };
                let wanted = change.workflow_id == workflow_id
                    && transaction_id
                        .as_ref()
                        .is_none_or(|t| *t == change.transaction_id);
                if !wanted {
                    continue;
                }
                let last = transaction_id.is_some() && change.event_type == "onFinish";
                let data = serde_json::to_string(&change).unwrap_or_default();
                let frame =
                    web::Bytes::from(format!("event: {}\ndata: {data}\n\n", change.event_type));
                let next = (!last).then_some(changes);
                return Some((Ok::<_, actix_web::Error>(frame), next));
            }
        }
    });
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        // Not compressed: a compressor would hold events back.
        .insert_header(("content-encoding", "identity"))
        .streaming(stream)
}
