//! The PostgreSQL and Redis stores, driven through the engine: resume after
//! a crash (a child process killed mid-workflow), asynchronous steps
//! answered through another engine, listing and retention.

use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;
use serde_json::json;
use stheno_framework::testing::TestDb;
use stheno_module_sdk::db::DbPool;
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::services::Services;
use stheno_module_sdk::{Error, ModuleRegistration};
use stheno_workflow_engine::{PgStore, RedisStore, WorkflowEngineModule};
use stheno_workflow_sdk::{
    ExecutionFilter, ExecutionStore, Step, StepContext, StepError, StepOptions, StepResponse,
    StepState, TransactionState, Workflow, WorkflowEngine, async_trait,
};

static MODULE: ModuleRegistration =
    ModuleRegistration::of::<WorkflowEngineModule>("stheno-workflow-engine");

async fn test_db() -> TestDb {
    let db = TestDb::with_modules(&[&MODULE]).await.unwrap();
    let mut conn = db.pool().get().await.unwrap();
    diesel::sql_query("CREATE TABLE side_effect (step text PRIMARY KEY)")
        .execute(&mut conn)
        .await
        .unwrap();
    db
}

const REDIS_URL: &str = "redis://127.0.0.1:6379";

fn redis_store(prefix: &str) -> RedisStore {
    RedisStore::connect(REDIS_URL)
        .unwrap()
        .with_prefix(format!("stheno:test:{prefix}:"))
}

/// Writes a row named after the step; compensation deletes it. `hang` waits
/// for a long time on its first attempt (the process is killed meanwhile);
/// `boom` fails when the workflow input says so.
struct SideEffect(&'static str);

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct StepName {
    #[diesel(sql_type = Text)]
    step: String,
}

async fn rows(db: &DbPool) -> Vec<String> {
    let mut conn = db.get().await.unwrap();
    let rows: Vec<StepName> = diesel::sql_query("SELECT step FROM side_effect ORDER BY step")
        .load(&mut conn)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.step).collect()
}

#[async_trait]
impl Step for SideEffect {
    type Input = bool;
    type Output = bool;
    type CompensateInput = String;

    fn name(&self) -> &str {
        self.0
    }
    async fn invoke(
        &self,
        fail: bool,
        ctx: &StepContext,
    ) -> Result<StepResponse<bool, String>, StepError> {
        if self.0 == "boom" && fail {
            return Err(StepError::permanent(Error::not_allowed("boom")));
        }
        let db = ctx.service::<DbPool>()?;
        let mut conn = db.get().await.map_err(Error::from)?;
        // Idempotent: a re-invoked step does not write twice.
        diesel::sql_query("INSERT INTO side_effect (step) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind::<Text, _>(self.0)
            .execute(&mut conn)
            .await
            .map_err(Error::from)?;
        if self.0 == "hang" && ctx.attempt() == 1 {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Ok(StepResponse::with_compensation(fail, self.0.to_string()))
    }
    async fn compensate(&self, step: String, ctx: &StepContext) -> Result<(), StepError> {
        let db = ctx.service::<DbPool>()?;
        let mut conn = db.get().await.map_err(Error::from)?;
        diesel::sql_query("DELETE FROM side_effect WHERE step = $1")
            .bind::<Text, _>(step)
            .execute(&mut conn)
            .await
            .map_err(Error::from)?;
        Ok(())
    }
}

fn crash_workflow() -> Workflow<bool, bool> {
    Workflow::<bool>::new("crash-demo")
        .then(SideEffect("a"))
        .then(SideEffect("b"))
        .then(SideEffect("hang"))
        .then(SideEffect("c"))
        .then(SideEffect("boom"))
}

fn engine(store: Arc<dyn ExecutionStore>, db: &DbPool) -> WorkflowEngine {
    WorkflowEngine::new(Arc::new(RecordingEventBus::default()))
        .with_store(store)
        .with_services(Services::builder().with(Arc::new(db.clone())).build())
        .with_lease(Duration::from_millis(500))
        .with_workflow(&crash_workflow())
}

fn store_for(kind: &str, db: &TestDb, prefix: &str) -> Arc<dyn ExecutionStore> {
    match kind {
        "postgres" => Arc::new(PgStore::new(db.pool().clone())),
        _ => Arc::new(redis_store(prefix)),
    }
}

/// The child process of the crash tests: runs `crash-demo` until killed.
/// Does nothing unless started by `crash_and_resume`.
#[tokio::test]
async fn crash_child() {
    let (Ok(url), Ok(kind), Ok(prefix), Ok(fail)) = (
        std::env::var("CRASH_DB_URL"),
        std::env::var("CRASH_STORE"),
        std::env::var("CRASH_PREFIX"),
        std::env::var("CRASH_FAIL"),
    ) else {
        return;
    };
    let pool = stheno_module_sdk::db::connect(&url, 4).unwrap();
    let store: Arc<dyn ExecutionStore> = match kind.as_str() {
        "postgres" => Arc::new(PgStore::new(pool.clone())),
        _ => Arc::new(redis_store(&prefix)),
    };
    let engine = engine(store, &pool);
    engine
        .run_with_id(&crash_workflow(), "crash-tx", fail == "1")
        .await;
    panic!("the crash child was meant to be killed before finishing");
}

async fn wait_for_row(db: &DbPool, step: &str) {
    let started = Instant::now();
    while !rows(db).await.contains(&step.to_string()) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "child never reached {step}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Kill a process in the middle of `hang`, then let another engine sharing
/// the store pick the run up.
async fn crash_and_resume(kind: &str, fail: bool) {
    let db = test_db().await;
    let prefix = ulid_like();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["crash_child", "--exact", "--nocapture"])
        .env("CRASH_DB_URL", db.url())
        .env("CRASH_STORE", kind)
        .env("CRASH_PREFIX", &prefix)
        .env("CRASH_FAIL", if fail { "1" } else { "0" })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_row(db.pool(), "hang").await;
    child.kill().unwrap();
    child.wait().unwrap();

    let store = store_for(kind, &db, &prefix);
    let survivor = engine(store.clone(), db.pool());
    let stored = ExecutionStore::load(&*store, "crash-demo", "crash-tx")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, TransactionState::Invoking);
    assert_eq!(stored.step("hang").unwrap().state, StepState::Invoking);
    // The dead process's lease has not lapsed yet.
    assert_eq!(survivor.recover().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(survivor.recover().await.unwrap(), 1);

    let stored = ExecutionStore::load(&*store, "crash-demo", "crash-tx")
        .await
        .unwrap()
        .unwrap();
    // Completed steps were not run again; the step in flight was.
    assert_eq!(stored.step("a").unwrap().attempts, 1);
    assert_eq!(stored.step("hang").unwrap().attempts, 2);
    if fail {
        assert_eq!(stored.state, TransactionState::Reverted);
        assert_eq!(stored.compensated, ["c", "hang", "b", "a"]);
        assert!(rows(db.pool()).await.is_empty(), "no step left half-done");
    } else {
        assert_eq!(stored.state, TransactionState::Done);
        assert_eq!(rows(db.pool()).await, ["a", "b", "boom", "c", "hang"]);
    }
}

fn ulid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    )
}

#[tokio::test]
async fn a_run_killed_mid_workflow_resumes_from_postgres() {
    crash_and_resume("postgres", false).await;
}

#[tokio::test]
async fn a_run_killed_mid_workflow_compensates_from_postgres() {
    crash_and_resume("postgres", true).await;
}

#[tokio::test]
async fn a_run_killed_mid_workflow_resumes_from_redis() {
    crash_and_resume("redis", false).await;
}

#[tokio::test]
async fn a_run_killed_mid_workflow_compensates_from_redis() {
    crash_and_resume("redis", true).await;
}

/// Waits for an answer from outside.
struct Webhook;

#[async_trait]
impl Step for Webhook {
    type Input = bool;
    type Output = bool;
    type CompensateInput = bool;
    fn name(&self) -> &str {
        "webhook"
    }
    fn options(&self) -> StepOptions {
        StepOptions::default().asynchronous()
    }
    async fn invoke(&self, _: bool, _: &StepContext) -> Result<StepResponse<bool>, StepError> {
        Err(StepError::awaiting_response())
    }
}

async fn async_step_answered_by_another_engine(kind: &str) {
    let db = test_db().await;
    let prefix = ulid_like();
    let workflow = Workflow::<bool>::new("with-webhook")
        .then(SideEffect("a"))
        .then(Webhook)
        .then(SideEffect("c"));
    let server = engine(store_for(kind, &db, &prefix), db.pool()).with_workflow(&workflow);
    let paused = server.run_with_id(&workflow, "tx", false).await;
    assert!(paused.result.unwrap_err().is_pending());

    // Another instance (same store) gets the answer and finishes the run.
    let worker = engine(store_for(kind, &db, &prefix), db.pool()).with_workflow(&workflow);
    let done = worker
        .set_step_success("with-webhook", "tx", "webhook", json!(false), None)
        .await
        .unwrap();
    assert_eq!(done.state, TransactionState::Done);
    assert_eq!(rows(db.pool()).await, ["a", "c"]);
    // The first instance sees the stored outcome.
    let replay = server.run_with_id(&workflow, "tx", false).await;
    assert!(replay.replayed);
    assert!(!replay.result.unwrap());
}

#[tokio::test]
async fn an_async_step_is_answered_through_another_engine_on_postgres() {
    async_step_answered_by_another_engine("postgres").await;
}

#[tokio::test]
async fn an_async_step_is_answered_through_another_engine_on_redis() {
    async_step_answered_by_another_engine("redis").await;
}

async fn listing_and_retention(kind: &str) {
    let db = test_db().await;
    let prefix = ulid_like();
    let store = store_for(kind, &db, &prefix);
    let engine = engine(store.clone(), db.pool()).with_retention(Duration::from_millis(300));
    let quick = Workflow::<bool>::new("quick").then(SideEffect("a"));
    engine
        .run_with_id(&quick, "one", false)
        .await
        .result
        .unwrap();
    let failing = Workflow::<bool>::new("failing").then(SideEffect("boom"));
    engine
        .run_with_id(&failing, "two", true)
        .await
        .result
        .unwrap_err();

    let all = ExecutionFilter {
        limit: 10,
        ..Default::default()
    };
    let (listed, count) = engine.list_executions(&all).await.unwrap();
    assert_eq!(count, 2);
    assert_eq!(listed[0].transaction_id, "two", "newest first");
    let reverted = ExecutionFilter {
        state: vec![TransactionState::Reverted],
        limit: 10,
        ..Default::default()
    };
    let (listed, count) = engine.list_executions(&reverted).await.unwrap();
    assert_eq!((count, listed[0].workflow_id.as_str()), (1, "failing"));
    let page = ExecutionFilter {
        limit: 1,
        offset: 1,
        ..Default::default()
    };
    let (listed, count) = engine.list_executions(&page).await.unwrap();
    assert_eq!((listed.len(), count), (1, 2));
    let by_id = engine
        .execution_by_id(&listed[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_id.transaction_id, "one");

    // Nothing is purged before the retention ends; everything after.
    assert_eq!(engine.purge().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(engine.purge().await.unwrap(), 2);
    assert_eq!(engine.list_executions(&all).await.unwrap().1, 0);
}

#[tokio::test]
async fn postgres_lists_filters_and_purges_executions() {
    listing_and_retention("postgres").await;
}

#[tokio::test]
async fn redis_lists_filters_and_purges_executions() {
    listing_and_retention("redis").await;
}

#[tokio::test]
async fn a_lease_is_exclusive_and_a_lost_lease_refuses_writes() {
    let db = test_db().await;
    for kind in ["postgres", "redis"] {
        let store = store_for(kind, &db, &ulid_like());
        let fresh = stheno_workflow_sdk::Execution::new("w", "t", json!(1), None);
        let lease = Duration::from_millis(200);
        let created = store
            .claim("w", "t", Some(&fresh), "a", lease)
            .await
            .unwrap();
        assert!(
            matches!(created, stheno_workflow_sdk::store::Claim::Created),
            "{kind}"
        );
        let busy = store
            .claim("w", "t", Some(&fresh), "b", lease)
            .await
            .unwrap();
        assert!(
            matches!(busy, stheno_workflow_sdk::store::Claim::Busy),
            "{kind}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        let taken = store.claim("w", "t", None, "b", lease).await.unwrap();
        assert!(
            matches!(taken, stheno_workflow_sdk::store::Claim::Existing(_)),
            "{kind}"
        );
        // `a` lost the lease: its write is refused.
        let refused = store.save(&fresh, "a", lease).await.unwrap_err();
        assert_eq!(refused.code(), Some("lost_lease"), "{kind}");
        store.save(&fresh, "b", lease).await.unwrap();
        let missing = store.claim("w", "nope", None, "b", lease).await.unwrap();
        assert!(
            matches!(missing, stheno_workflow_sdk::store::Claim::Missing),
            "{kind}"
        );
    }
    let mut conn = db.pool().get().await.unwrap();
    let count: Count = diesel::sql_query("SELECT count(*) AS n FROM workflow_execution")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(count.n, 1);
}
