//! Workflow engine behaviour: compensation, retries, timeouts, idempotency,
//! held events, parallel and conditional steps. No database.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use stheno_module_sdk::events::{Event, RecordingEventBus};
use stheno_module_sdk::{Error, ErrorKind};
mod features;

use stheno_workflow_sdk::{
    Step, StepContext, StepError, StepExt, StepOptions, StepResponse, StepState, Workflow,
    WorkflowEngine, async_trait,
};

/// What the probe steps did, in order.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<String>>>);

impl Log {
    fn push(&self, entry: String) {
        self.0.lock().unwrap().push(entry);
    }
    fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
    fn count(&self, prefix: &str) -> usize {
        self.entries()
            .iter()
            .filter(|e| e.starts_with(prefix))
            .count()
    }
}

#[derive(Clone, Copy)]
enum Fail {
    Never,
    Permanent,
    /// Fail the first `n` attempts with a retryable error.
    Retryable(u32),
    /// Invoke succeeds, compensation fails.
    Compensation,
}

/// Adds one to its input; compensates from the text `undo <name>`.
struct Probe {
    name: &'static str,
    log: Log,
    fail: Fail,
    delay: Duration,
    emit: bool,
    options: StepOptions,
}

fn probe(name: &'static str, log: &Log) -> Probe {
    Probe {
        name,
        log: log.clone(),
        fail: Fail::Never,
        delay: Duration::ZERO,
        emit: false,
        options: StepOptions::default(),
    }
}

impl Probe {
    fn fail(mut self, fail: Fail) -> Self {
        self.fail = fail;
        self
    }
    fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
    fn emitting(mut self) -> Self {
        self.emit = true;
        self
    }
    fn options(mut self, options: StepOptions) -> Self {
        self.options = options;
        self
    }
}

#[async_trait]
impl Step for Probe {
    type Input = u32;
    type Output = u32;
    type CompensateInput = String;

    fn name(&self) -> &str {
        self.name
    }
    fn options(&self) -> StepOptions {
        self.options.clone()
    }
    async fn invoke(
        &self,
        input: u32,
        ctx: &StepContext,
    ) -> Result<StepResponse<u32, String>, StepError> {
        self.log
            .push(format!("invoke:{}:{}", self.name, ctx.attempt()));
        if self.emit {
            ctx.emit(Event::new(
                format!("{}.done", self.name),
                json!({ "attempt": ctx.attempt() }),
            ));
        }
        if !self.delay.is_zero() {
            tokio::time::sleep(self.delay).await;
        }
        match self.fail {
            Fail::Permanent => {
                return Err(StepError::permanent(Error::not_allowed(format!(
                    "{} refused",
                    self.name
                ))));
            }
            Fail::Retryable(n) if ctx.attempt() <= n => {
                return Err(Error::conflict(format!("{} busy", self.name)).into());
            }
            _ => {}
        }
        Ok(StepResponse::with_compensation(
            input + 1,
            format!("undo {}", self.name),
        ))
    }
    async fn compensate(&self, input: String, ctx: &StepContext) -> Result<(), StepError> {
        assert_eq!(ctx.action().as_str(), "compensate");
        self.log.push(format!("compensate:{}:{input}", self.name));
        if let Fail::Compensation = self.fail {
            return Err(StepError::permanent(Error::internal("cannot undo")));
        }
        Ok(())
    }
}

/// A step without a compensator.
struct Plain(&'static str);

#[async_trait]
impl Step for Plain {
    type Input = u32;
    type Output = u32;
    type CompensateInput = ();

    fn name(&self) -> &str {
        self.0
    }
    async fn invoke(
        &self,
        input: u32,
        _: &StepContext,
    ) -> Result<StepResponse<u32, ()>, StepError> {
        Ok(StepResponse::with_compensation(input * 10, ()))
    }
}

fn engine() -> (WorkflowEngine, Arc<RecordingEventBus>) {
    let bus = Arc::new(RecordingEventBus::default());
    (WorkflowEngine::new(bus.clone()), bus)
}

const NAMES: [&str; 4] = ["first", "second", "third", "fourth"];

fn four_steps(log: &Log, failing: Option<usize>) -> Workflow<u32, u32> {
    let step = |i: usize| {
        let p = probe(NAMES[i], log);
        if failing == Some(i) {
            p.fail(Fail::Permanent)
        } else {
            p
        }
    };
    Workflow::<u32>::new("four")
        .then(step(0))
        .then(step(1))
        .then(step(2))
        .then(step(3))
}

#[tokio::test]
async fn compensates_in_reverse_completion_order_wherever_the_failure_is() {
    for failing in 0..NAMES.len() {
        let log = Log::default();
        let (engine, _) = engine();
        let outcome = engine.run(&four_steps(&log, Some(failing)), 0).await;

        let err = outcome.result.as_ref().unwrap_err();
        let expected: Vec<&str> = NAMES[..failing].iter().rev().copied().collect();
        assert_eq!(err.compensated(), expected, "failure at {failing}");
        assert_eq!(err.failed_step(), Some(NAMES[failing]));
        assert_eq!(err.error().kind(), ErrorKind::NotAllowed);
        assert_eq!(err.error().message(), format!("{} refused", NAMES[failing]));
        assert!(err.is_reverted());

        // Each compensator got its own compensation input, not the output.
        let compensations: Vec<String> = log
            .entries()
            .into_iter()
            .filter(|e| e.starts_with("compensate:"))
            .collect();
        let expected_log: Vec<String> = expected
            .iter()
            .map(|n| format!("compensate:{n}:undo {n}"))
            .collect();
        assert_eq!(compensations, expected_log);

        // States: before the failure reverted, the failing one failed, the
        // rest never started.
        let states: Vec<(String, StepState)> = outcome
            .steps
            .iter()
            .map(|s| (s.name.clone(), s.state))
            .collect();
        let mut expected_states: Vec<(String, StepState)> = NAMES[..failing]
            .iter()
            .map(|n| (n.to_string(), StepState::Reverted))
            .collect();
        expected_states.push((NAMES[failing].to_string(), StepState::Failed));
        assert_eq!(states, expected_states);
        assert_eq!(log.count("invoke:"), failing + 1);
    }

    let log = Log::default();
    let (engine, _) = engine();
    let outcome = engine.run(&four_steps(&log, None), 0).await;
    assert_eq!(outcome.result.unwrap(), 4);
    assert!(outcome.steps.iter().all(|s| s.state == StepState::Done));
    assert_eq!(log.count("compensate:"), 0);
}

#[tokio::test]
async fn steps_without_compensation_are_reverted_but_not_compensated() {
    let log = Log::default();
    let (engine, _) = engine();
    let workflow = Workflow::<u32>::new("mixed")
        .then(probe("a", &log))
        .then(Plain("plain"))
        .then(probe("forced", &log).options(StepOptions::default().no_compensation()))
        .then(probe("boom", &log).fail(Fail::Permanent));
    let outcome = engine.run(&workflow, 1).await;
    let err = outcome.result.as_ref().unwrap_err();
    assert_eq!(err.compensated(), ["a"]);
    assert_eq!(log.count("compensate:forced"), 0);
    assert_eq!(outcome.step_state("plain"), Some(StepState::Reverted));
    assert_eq!(outcome.step_state("forced"), Some(StepState::Reverted));
    assert_eq!(outcome.step_state("boom"), Some(StepState::Failed));
}

#[tokio::test]
async fn a_failing_compensation_is_reported_and_the_others_still_run() {
    let log = Log::default();
    let (engine, _) = engine();
    let workflow = Workflow::<u32>::new("bad-undo")
        .then(probe("a", &log))
        .then(probe("b", &log).fail(Fail::Compensation))
        .then(probe("c", &log).fail(Fail::Permanent));
    let outcome = engine.run(&workflow, 0).await;
    let err = outcome.result.as_ref().unwrap_err();
    assert_eq!(err.compensated(), ["a"]);
    assert_eq!(err.compensation_failures().len(), 1);
    assert_eq!(err.compensation_failures()[0].step, "b");
    assert!(!err.is_reverted());
    assert_eq!(outcome.step_state("b"), Some(StepState::Failed));
    assert_eq!(outcome.step_state("a"), Some(StepState::Reverted));
    assert!(err.to_string().contains("compensation of b failed"));
}

#[tokio::test]
async fn retryable_failures_are_retried_with_backoff_until_they_succeed() {
    let log = Log::default();
    let (engine, _) = engine();
    let options = StepOptions::default().retries(3, Duration::from_millis(10));
    let workflow = Workflow::<u32>::new("retry").then(
        probe("flaky", &log)
            .fail(Fail::Retryable(2))
            .options(options),
    );
    let started = Instant::now();
    let outcome = engine.run(&workflow, 0).await;
    assert_eq!(outcome.result.unwrap(), 1);
    // Waited 10 ms then 20 ms.
    assert!(started.elapsed() >= Duration::from_millis(30));
    assert_eq!(log.count("invoke:flaky"), 3);
    assert_eq!(outcome.steps[0].attempts, 3);
    assert_eq!(outcome.steps[0].state, StepState::Done);
}

#[tokio::test]
async fn retries_give_up_after_max_retries() {
    let log = Log::default();
    let (engine, _) = engine();
    let options = StepOptions::default().retries(2, Duration::from_millis(1));
    let workflow = Workflow::<u32>::new("give-up")
        .then(probe("before", &log))
        .then(
            probe("flaky", &log)
                .fail(Fail::Retryable(10))
                .options(options),
        );
    let outcome = engine.run(&workflow, 0).await;
    let err = outcome.result.as_ref().unwrap_err();
    assert_eq!(log.count("invoke:flaky"), 3);
    assert_eq!(outcome.steps[1].attempts, 3);
    assert_eq!(err.error().kind(), ErrorKind::Conflict);
    assert_eq!(err.compensated(), ["before"]);
}

#[tokio::test]
async fn permanent_failures_are_not_retried() {
    let log = Log::default();
    let (engine, _) = engine();
    let options = StepOptions::default().retries(5, Duration::ZERO);
    let workflow = Workflow::<u32>::new("permanent")
        .then(probe("no", &log).fail(Fail::Permanent).options(options));
    let outcome = engine.run(&workflow, 0).await;
    assert!(outcome.result.is_err());
    assert_eq!(log.count("invoke:no"), 1);
}

#[test]
fn backoff_doubles_and_is_capped() {
    let options = StepOptions::default()
        .retries(10, Duration::from_millis(100))
        .max_retry_delay(Duration::from_millis(500));
    let delays: Vec<u128> = (1..=5).map(|n| options.backoff(n).as_millis()).collect();
    assert_eq!(delays, [100, 200, 400, 500, 500]);
}

#[tokio::test]
async fn a_step_past_its_timeout_fails_permanently_and_earlier_steps_are_compensated() {
    let log = Log::default();
    let (engine, bus) = engine();
    let options = StepOptions::default()
        .timeout(Duration::from_millis(20))
        .retries(3, Duration::ZERO);
    let workflow = Workflow::<u32>::new("slow")
        .then(probe("fast", &log).emitting())
        .then(
            probe("slow", &log)
                .delay(Duration::from_secs(5))
                .options(options),
        );
    let started = Instant::now();
    let outcome = engine.run(&workflow, 0).await;
    assert!(started.elapsed() < Duration::from_secs(2));
    let err = outcome.result.as_ref().unwrap_err();
    assert_eq!(err.failed_step(), Some("slow"));
    assert_eq!(err.error().code(), Some("step_timeout"));
    assert_eq!(err.compensated(), ["fast"]);
    assert_eq!(log.count("invoke:slow"), 1, "a timeout is not retried");
    assert_eq!(outcome.step_state("slow"), Some(StepState::Timeout));
    assert!(bus.names().is_empty());
}

#[tokio::test]
async fn the_same_transaction_id_returns_the_stored_outcome() {
    let log = Log::default();
    let (engine, bus) = engine();
    let workflow = Workflow::<u32>::new("once").then(probe("a", &log).emitting());

    let first = engine.run_with_id(&workflow, "tx-1", 41).await;
    assert_eq!(first.transaction_id, "tx-1");
    assert!(!first.replayed);
    let again = engine.run_with_id(&workflow, "tx-1", 1000).await;
    assert!(again.replayed);
    assert_eq!(again.result.unwrap(), 42);
    assert_eq!(again.steps, first.steps);
    assert_eq!(log.count("invoke:"), 1);
    assert_eq!(bus.names(), ["a.done"], "events are not emitted again");

    // Another id runs again; so does another workflow with the same id.
    engine
        .run_with_id(&workflow, "tx-2", 1)
        .await
        .result
        .unwrap();
    let other = Workflow::<u32>::new("other").then(probe("a", &log));
    engine.run_with_id(&other, "tx-1", 1).await.result.unwrap();
    assert_eq!(log.count("invoke:"), 3);

    // A failed outcome is stored too.
    let failing = Workflow::<u32>::new("fails")
        .then(probe("ok", &log))
        .then(probe("no", &log).fail(Fail::Permanent));
    let first = engine
        .run_with_id(&failing, "tx-3", 0)
        .await
        .result
        .unwrap_err();
    let again = engine.run_with_id(&failing, "tx-3", 0).await;
    assert!(again.replayed);
    let again = again.result.unwrap_err();
    assert_eq!(again.compensated(), first.compensated());
    assert_eq!(again.error().kind(), first.error().kind());
    assert_eq!(again.error().message(), first.error().message());
    assert_eq!(log.count("invoke:no"), 1);

    // Generated ids are distinct and Medusa-shaped.
    let a = engine.run(&workflow, 0).await.transaction_id;
    let b = engine.run(&workflow, 0).await.transaction_id;
    assert!(a.starts_with("auto-") && a.len() == 5 + 26);
    assert_ne!(a, b);
}

#[tokio::test]
async fn a_run_in_progress_is_not_started_twice() {
    let log = Log::default();
    let (engine, _) = engine();
    let workflow =
        Workflow::<u32>::new("busy").then(probe("slow", &log).delay(Duration::from_millis(50)));
    let (first, second) = tokio::join!(
        engine.run_with_id(&workflow, "tx", 0),
        engine.run_with_id(&workflow, "tx", 0),
    );
    assert_eq!(first.result.unwrap(), 1);
    assert_eq!(
        second.result.unwrap_err().error().kind(),
        ErrorKind::Conflict
    );
    assert_eq!(log.count("invoke:"), 1);
}

#[tokio::test]
async fn an_abandoned_run_is_resumed_once_its_lease_lapses() {
    let log = Log::default();
    let engine = WorkflowEngine::new(Arc::new(RecordingEventBus::default()))
        .with_lease(Duration::from_millis(50));
    let workflow = Workflow::<u32>::new("abandoned")
        .then(probe("first", &log))
        .then(probe("slow", &log).delay(Duration::from_millis(100)));
    let abandoned = tokio::time::timeout(
        Duration::from_millis(20),
        engine.run_with_id(&workflow, "tx", 0),
    )
    .await;
    assert!(abandoned.is_err());
    // The lease is still held: the run counts as in progress.
    let busy = engine.run_with_id(&workflow, "tx", 0).await;
    assert_eq!(busy.result.unwrap_err().error().kind(), ErrorKind::Conflict);

    tokio::time::sleep(Duration::from_millis(60)).await;
    let resumed = engine.run_with_id(&workflow, "tx", 7).await;
    // The stored input (0) is used; `first` is not run again, `slow` is.
    assert_eq!(resumed.result.unwrap(), 2);
    assert_eq!(
        log.entries(),
        ["invoke:first:1", "invoke:slow:1", "invoke:slow:2"]
    );
}

#[tokio::test]
async fn events_are_held_until_the_workflow_succeeds() {
    let log = Log::default();
    let (engine, bus) = engine();

    /// Fails if any event reached the bus while the workflow is running.
    struct Check(Arc<RecordingEventBus>);
    #[async_trait]
    impl Step for Check {
        type Input = u32;
        type Output = u32;
        type CompensateInput = ();
        fn name(&self) -> &str {
            "check"
        }
        async fn invoke(
            &self,
            n: u32,
            _: &StepContext,
        ) -> Result<StepResponse<u32, ()>, StepError> {
            assert!(self.0.names().is_empty(), "events must be held");
            Ok(StepResponse::with_compensation(n, ()))
        }
    }

    let options = StepOptions::default().retries(1, Duration::ZERO);
    let workflow = Workflow::<u32>::new("events")
        .then(probe("a", &log).emitting())
        .then(
            probe("b", &log)
                .emitting()
                .fail(Fail::Retryable(1))
                .options(options),
        )
        .then(Check(bus.clone()));
    engine.run(&workflow, 0).await.result.unwrap();
    let events = bus.take();
    let seen: Vec<(String, serde_json::Value)> =
        events.into_iter().map(|e| (e.name, e.data)).collect();
    // b's failed first attempt emitted nothing.
    assert_eq!(
        seen,
        [
            ("a.done".to_string(), json!({ "attempt": 1 })),
            ("b.done".to_string(), json!({ "attempt": 2 })),
        ]
    );
}

#[tokio::test]
async fn events_are_dropped_when_the_workflow_reverts() {
    let log = Log::default();
    let (engine, bus) = engine();
    let workflow = Workflow::<u32>::new("dropped")
        .then(probe("a", &log).emitting())
        .then(probe("b", &log).emitting())
        .then(probe("c", &log).fail(Fail::Permanent));
    let outcome = engine.run(&workflow, 0).await;
    assert_eq!(outcome.result.unwrap_err().compensated(), ["b", "a"]);
    assert!(bus.names().is_empty());
}

#[tokio::test]
async fn mapping_parallel_and_conditions_are_typed() {
    let log = Log::default();
    let (engine, _) = engine();
    let workflow = Workflow::<String>::new("shapes")
        .map(|s: String| s.len() as u32)
        .parallel(probe("left", &log), Plain("right"))
        .then_map(|(l, r): &(u32, u32)| l + r, probe("sum", &log))
        .when(|n: &u32| *n > 100, probe("big", &log));
    let outcome = engine.run(&workflow, "abc".to_string()).await;
    // len 3 → (4, 30) → 35 → not big.
    assert_eq!(outcome.result.as_ref().unwrap(), &None);
    assert_eq!(outcome.step_state("big"), Some(StepState::Skipped));

    let outcome = engine.run(&workflow, "x".repeat(20)).await;
    // 20 → (21, 200) → 222 → big → 223.
    assert_eq!(outcome.result.as_ref().unwrap(), &Some(223));
    assert_eq!(outcome.step_state("big"), Some(StepState::Done));
}

#[tokio::test]
async fn a_failing_parallel_branch_compensates_the_other() {
    let log = Log::default();
    let (engine, _) = engine();
    let workflow = Workflow::<u32>::new("branches")
        .then(probe("before", &log))
        .parallel(
            probe("slow-ok", &log).delay(Duration::from_millis(20)),
            probe("fails", &log).fail(Fail::Permanent),
        );
    let err = engine.run(&workflow, 0).await.result.unwrap_err();
    assert_eq!(err.failed_step(), Some("fails"));
    // The sibling finished after the failure and is undone first.
    assert_eq!(err.compensated(), ["slow-ok", "before"]);
}

#[tokio::test]
async fn options_can_be_set_where_a_step_is_used() {
    let log = Log::default();
    let (engine, _) = engine();
    let workflow = Workflow::<u32>::new("configured").then(
        probe("flaky", &log)
            .fail(Fail::Retryable(1))
            .with_options(StepOptions::default().retries(1, Duration::ZERO)),
    );
    assert_eq!(engine.run(&workflow, 0).await.result.unwrap(), 1);
}

#[tokio::test]
async fn the_context_names_the_run() {
    struct Ids(Log);
    #[async_trait]
    impl Step for Ids {
        type Input = ();
        type Output = String;
        type CompensateInput = String;
        fn name(&self) -> &str {
            "ids"
        }
        async fn invoke(
            &self,
            _: (),
            ctx: &StepContext,
        ) -> Result<StepResponse<String>, StepError> {
            self.0.push(ctx.step_name().to_string());
            Ok(StepResponse::new(ctx.idempotency_key()))
        }
    }
    let (engine, _) = engine();
    let workflow = Workflow::<()>::new("ctx").then(Ids(Log::default()));
    let key = engine
        .run_with_id(&workflow, "tx-9", ())
        .await
        .result
        .unwrap();
    assert_eq!(key, "ctx:tx-9:ids:invoke");
    let err: Error = engine
        .run(
            &Workflow::<u32>::new("into").then(probe("x", &Log::default()).fail(Fail::Permanent)),
            0,
        )
        .await
        .result
        .unwrap_err()
        .into();
    assert_eq!(err.kind(), ErrorKind::NotAllowed);
}

#[tokio::test]
async fn a_panicking_step_fails_the_workflow_and_earlier_steps_are_compensated() {
    struct Panics;
    #[async_trait]
    impl Step for Panics {
        type Input = u32;
        type Output = u32;
        type CompensateInput = ();
        fn name(&self) -> &str {
            "panics"
        }
        async fn invoke(
            &self,
            _: u32,
            _: &StepContext,
        ) -> Result<StepResponse<u32, ()>, StepError> {
            panic!("bug in a step")
        }
    }
    let log = Log::default();
    let (engine, _) = engine();
    let workflow = Workflow::<u32>::new("panics")
        .then(probe("a", &log))
        .then(Panics);
    let outcome = engine.run(&workflow, 0).await;
    let err = outcome.result.as_ref().unwrap_err();
    assert_eq!(err.failed_step(), Some("panics"));
    assert_eq!(err.error().kind(), ErrorKind::Unknown);
    assert_eq!(err.compensated(), ["a"]);
}

/// An event bus that is down.
struct DownBus;

#[async_trait]
impl stheno_module_sdk::events::EventBus for DownBus {
    async fn emit(&self, _: Vec<Event>) -> stheno_module_sdk::Result<()> {
        Err(Error::internal("event bus unavailable"))
    }
}

#[tokio::test]
async fn a_failed_event_release_reverts_the_workflow() {
    let log = Log::default();
    let engine = WorkflowEngine::new(Arc::new(DownBus));
    let workflow = Workflow::<u32>::new("release")
        .then(probe("a", &log).emitting())
        .then(probe("b", &log));
    let err = engine.run(&workflow, 0).await.result.unwrap_err();
    assert_eq!(err.failed_step(), None);
    assert_eq!(err.error().message(), "event bus unavailable");
    assert_eq!(err.compensated(), ["b", "a"]);

    // Without events there is nothing to release, and the bus is not called.
    let quiet = Workflow::<u32>::new("quiet").then(probe("c", &log));
    assert_eq!(engine.run(&quiet, 0).await.result.unwrap(), 1);
}
