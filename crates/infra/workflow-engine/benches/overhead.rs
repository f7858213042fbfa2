//! The engine's own cost: a 5-step workflow whose steps do nothing, run on
//! each store. Prints mean and p50/p99 latency of sequential runs and the
//! throughput of 32 concurrent runs.
//!
//! `cargo bench -p stheno-workflow-engine --bench overhead` (needs the local
//! PostgreSQL and Redis).

use std::sync::Arc;
use std::time::{Duration, Instant};

use stheno_framework::testing::TestDb;
use stheno_module_sdk::ModuleRegistration;
use stheno_module_sdk::events::LogEventBus;
use stheno_workflow_engine::{PgStore, RedisStore, WorkflowEngineModule};
use stheno_workflow_sdk::{
    ExecutionStore, InMemoryStore, Step, StepContext, StepError, StepResponse, Workflow,
    WorkflowEngine, async_trait,
};

static MODULE: ModuleRegistration =
    ModuleRegistration::of::<WorkflowEngineModule>("stheno-workflow-engine");

struct Noop(&'static str);

#[async_trait]
impl Step for Noop {
    type Input = u64;
    type Output = u64;
    type CompensateInput = u64;
    fn name(&self) -> &str {
        self.0
    }
    async fn invoke(&self, n: u64, _: &StepContext) -> Result<StepResponse<u64>, StepError> {
        Ok(StepResponse::new(n + 1))
    }
}

fn five() -> Workflow<u64, u64> {
    Workflow::<u64>::new("noop-5")
        .then(Noop("one"))
        .then(Noop("two"))
        .then(Noop("three"))
        .then(Noop("four"))
        .then(Noop("five"))
}

async fn measure(name: &str, store: Arc<dyn ExecutionStore>) {
    let engine = WorkflowEngine::new(Arc::new(LogEventBus)).with_store(store);
    let workflow = Arc::new(five());
    for _ in 0..50 {
        engine.run(&workflow, 0).await.result.unwrap();
    }
    let runs = 1000;
    let mut latencies = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        assert_eq!(engine.run(&workflow, 0).await.result.unwrap(), 5);
        latencies.push(started.elapsed());
    }
    latencies.sort();
    let mean = latencies.iter().sum::<Duration>() / runs as u32;
    let p = |q: f64| latencies[((runs as f64 * q) as usize).min(runs - 1)];

    let concurrent = 32;
    let per_task = 100;
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrent)
        .map(|_| {
            let engine = engine.clone();
            let workflow = workflow.clone();
            tokio::spawn(async move {
                for _ in 0..per_task {
                    engine.run(&workflow, 0).await.result.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let throughput = (concurrent * per_task) as f64 / started.elapsed().as_secs_f64();
    println!(
        "{name:>8}: mean {:>8.1?}  p50 {:>8.1?}  p99 {:>8.1?}  |  {throughput:>7.0} runs/s with {concurrent} concurrent",
        mean,
        p(0.5),
        p(0.99)
    );
}

#[tokio::main]
async fn main() {
    println!("5-step no-op workflow, sequential latency and concurrent throughput");
    measure("memory", Arc::new(InMemoryStore::default())).await;
    let db = TestDb::with_modules(&[&MODULE]).await.unwrap();
    measure("postgres", Arc::new(PgStore::new(db.pool().clone()))).await;
    let redis = RedisStore::connect("redis://127.0.0.1:6379")
        .unwrap()
        .with_prefix(format!("stheno:bench:{}:", std::process::id()));
    measure("redis", Arc::new(redis)).await;
}
