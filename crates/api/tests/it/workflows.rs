//! `/admin/workflows-executions`: listing stored runs, running a registered
//! workflow by name and answering its asynchronous step over HTTP.

use actix_web::http::Method;
use serde_json::{Value, json};
use stheno::testing::TestApp;
use stheno::workflows::{
    Step, StepContext, StepError, StepOptions, StepResponse, Workflow, async_trait,
};

use crate::assert_error;

/// Doubles its input.
struct Double;

#[async_trait]
impl Step for Double {
    type Input = i64;
    type Output = i64;
    type CompensateInput = i64;
    fn name(&self) -> &str {
        "double"
    }
    async fn invoke(&self, n: i64, _: &StepContext) -> Result<StepResponse<i64>, StepError> {
        Ok(StepResponse::new(n * 2))
    }
}

/// Waits for an answer from outside.
struct Approval;

#[async_trait]
impl Step for Approval {
    type Input = i64;
    type Output = i64;
    type CompensateInput = i64;
    fn name(&self) -> &str {
        "approval"
    }
    fn options(&self) -> StepOptions {
        StepOptions::default().asynchronous()
    }
    async fn invoke(&self, _: i64, _: &StepContext) -> Result<StepResponse<i64>, StepError> {
        Err(StepError::awaiting_response())
    }
}

fn doubling() -> Workflow<i64, i64> {
    Workflow::<i64>::new("test-doubling").then(Double)
}
stheno::register_workflow!(doubling);

fn approval() -> Workflow<i64, i64> {
    Workflow::<i64>::new("test-approval")
        .then(Double)
        .then(Approval)
}
stheno::register_workflow!(approval);

#[tokio::test(flavor = "multi_thread")]
async fn a_registered_workflow_runs_over_http_and_its_execution_is_listed() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-doubling/run",
            json!({"input": 21, "transaction_id": "tx-1"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"acknowledgement": {"transactionId": "tx-1", "workflowId": "test-doubling", "hasFinished": true, "hasFailed": false}})
    );

    let res = app
        .admin_get("/admin/workflows-executions?workflow_id=test-doubling")
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 1);
    let execution = &res.body["workflow_executions"][0];
    assert_eq!(execution["transaction_id"], "tx-1");
    assert_eq!(execution["state"], "done");
    assert_eq!(
        execution["execution"]["steps"]["_root.double"]["invoke"]["state"],
        "done"
    );
    assert_eq!(
        execution["context"]["data"]["invoke"]["double"]["output"],
        42
    );
    let id = execution["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("wf_exec_"));

    let res = app
        .admin_get(&format!("/admin/workflows-executions/{id}"))
        .await;
    assert_eq!(
        res.body["workflow_execution"]["id"],
        Value::String(id.clone())
    );
    let res = app
        .admin_get("/admin/workflows-executions/test-doubling/tx-1")
        .await;
    assert_eq!(res.body["workflow_execution"]["id"], Value::String(id));

    let res = app
        .admin_get("/admin/workflows-executions?state=reverted")
        .await;
    assert_eq!(res.body["count"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_async_step_is_answered_over_http() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-approval/run",
            json!({"input": 5, "transaction_id": "tx-a"}),
        )
        .await;
    assert_eq!(res.body["acknowledgement"]["hasFinished"], false);
    let res = app
        .admin_get("/admin/workflows-executions/test-approval/tx-a")
        .await;
    let steps = &res.body["workflow_execution"]["execution"]["steps"];
    assert_eq!(
        steps["_root.approval"]["invoke"]["status"],
        "waiting_response"
    );

    let res = app
        .admin_post(
            "/admin/workflows-executions/test-approval/steps/success",
            json!({"transaction_id": "tx-a", "step_id": "_root.approval", "response": 99}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body, json!({"success": true}));
    let res = app
        .admin_get("/admin/workflows-executions/test-approval/tx-a")
        .await;
    assert_eq!(res.body["workflow_execution"]["state"], "done");
    assert_eq!(
        res.body["workflow_execution"]["context"]["data"]["result"],
        99
    );

    // Answering again: the step is no longer waiting.
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-approval/steps/success",
            json!({"transaction_id": "tx-a", "step_id": "approval"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "not_allowed");

    // A failure answer reverts a second run.
    app.admin_post(
        "/admin/workflows-executions/test-approval/run",
        json!({"input": 1, "transaction_id": "tx-b"}),
    )
    .await;
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-approval/steps/failure",
            json!({"transaction_id": "tx-b", "step_id": "approval", "response": {"message": "refused"}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .admin_get("/admin/workflows-executions/test-approval/tx-b")
        .await;
    let execution = &res.body["workflow_execution"];
    assert_eq!(execution["state"], "reverted");
    assert_eq!(
        execution["context"]["errors"][0]["error"]["message"],
        "refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn workflow_execution_routes_reject_bad_requests() {
    let app = TestApp::new().await.unwrap();
    for (method, path) in [
        (Method::GET, "/admin/workflows-executions"),
        (Method::GET, "/admin/workflows-executions/wf_exec_1"),
        (Method::GET, "/admin/workflows-executions/w/t"),
        (Method::POST, "/admin/workflows-executions/w/run"),
        (Method::POST, "/admin/workflows-executions/w/steps/success"),
        (Method::POST, "/admin/workflows-executions/w/steps/failure"),
    ] {
        let res = app
            .request(method.clone(), path, Some(json!({})), false)
            .await;
        assert_eq!(res.status, 401, "{method} {path}");
    }
    let res = app
        .admin_get("/admin/workflows-executions/wf_exec_nope")
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Workflow execution with id: wf_exec_nope was not found",
    );
    let res = app.admin_get("/admin/workflows-executions/nope/tx").await;
    assert_eq!(res.status, 404);
    let res = app
        .admin_post("/admin/workflows-executions/nope/run", json!({}))
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Workflow with id \"nope\" not found",
    );
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-doubling/run",
            json!({"inputs": 1}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'inputs'",
    );
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-doubling/steps/success",
            json!({"step_id": "double"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'transaction_id' is required",
    );
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-approval/steps/success",
            json!({"transaction_id": "nope", "step_id": "approval"}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = app
        .admin_get("/admin/workflows-executions?state=sleeping")
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    // A run input that does not fit the workflow fails the run, not the server.
    let res = app
        .admin_post(
            "/admin/workflows-executions/test-doubling/run",
            json!({"input": "ten"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["acknowledgement"]["hasFailed"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_run_can_be_followed_as_server_sent_events() {
    let app = TestApp::new().await.unwrap();
    let one_run = app
        .admin_stream("/admin/workflows-executions/test-doubling/tx-s/subscribe")
        .await;
    assert_eq!(one_run.status, 200);
    assert_eq!(
        one_run.headers.get("content-type").unwrap(),
        "text/event-stream"
    );
    let every_run = app
        .admin_stream("/admin/workflows-executions/test-doubling/subscribe")
        .await;
    assert_eq!(every_run.status, 200);

    let res = app
        .admin_post(
            "/admin/workflows-executions/test-doubling/run",
            json!({"input": 4, "transaction_id": "tx-s"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);

    // The run's stream ends after its onFinish.
    let text = one_run
        .text(std::time::Duration::from_secs(5))
        .await
        .expect("the stream of one run ends when it finishes");
    let frames: Vec<(&str, Value)> = text
        .split("\n\n")
        .filter(|f| !f.is_empty())
        .map(|frame| {
            let (event, data) = frame.split_once('\n').unwrap();
            let data: Value = serde_json::from_str(data.strip_prefix("data: ").unwrap()).unwrap();
            (event.strip_prefix("event: ").unwrap(), data)
        })
        .collect();
    let events: Vec<&str> = frames.iter().map(|(e, _)| *e).collect();
    assert_eq!(events, ["onStepBegin", "onStepSuccess", "onFinish"]);
    assert_eq!(frames[1].1["step"]["id"], "_root.double");
    assert_eq!(frames[1].1["response"], 8);
    assert_eq!(frames[2].1["result"], 8);
    assert_eq!(frames[2].1["transaction_id"], "tx-s");

    // The workflow's stream stays open for the next runs.
    assert!(
        every_run
            .text(std::time::Duration::from_millis(100))
            .await
            .is_none()
    );
}
