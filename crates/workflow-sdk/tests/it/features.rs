//! Asynchronous steps, hooks, nested workflows, registration by name, lock
//! steps and resuming a stored run in another engine.

use super::*;
use serde_json::Value;
use stheno_workflow_sdk::{
    ExecutionFilter, Hook, InMemoryStore, TransactionState, acquire_lock, release_lock,
};

/// Starts outside work and waits for its answer.
struct Payment {
    log: Log,
}

#[async_trait]
impl Step for Payment {
    type Input = u32;
    type Output = u32;
    type CompensateInput = u32;

    fn name(&self) -> &str {
        "authorize-payment"
    }
    fn options(&self) -> StepOptions {
        StepOptions::default().asynchronous()
    }
    async fn invoke(&self, n: u32, ctx: &StepContext) -> Result<StepResponse<u32>, StepError> {
        self.log
            .push(format!("invoke:payment:{n}:{}", ctx.attempt()));
        Err(StepError::awaiting_response())
    }
    async fn compensate(&self, n: u32, _: &StepContext) -> Result<(), StepError> {
        self.log.push(format!("compensate:payment:{n}"));
        Ok(())
    }
}

fn checkout(log: &Log) -> Workflow<u32, u32> {
    Workflow::<u32>::new("checkout")
        .then(probe("reserve", log))
        .then(Payment { log: log.clone() })
        .then(probe("place-order", log).emitting())
}

#[tokio::test]
async fn an_async_step_pauses_the_run_until_its_answer_arrives() {
    let log = Log::default();
    let (engine, bus) = engine();
    let workflow = checkout(&log);

    let paused = engine.run_with_id(&workflow, "tx", 1).await;
    assert_eq!(paused.state, TransactionState::Invoking);
    assert!(!paused.has_finished());
    let err = paused.result.unwrap_err();
    assert!(err.is_pending());
    assert_eq!(err.waiting_for(), Some("authorize-payment"));
    assert_eq!(
        paused.steps.iter().map(|s| s.state).collect::<Vec<_>>(),
        [StepState::Done, StepState::Waiting]
    );

    // Only a waiting step can be completed.
    let refused = engine
        .set_step_success("checkout", "tx", "reserve", json!(5), None)
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::NotAllowed);
    let unknown = engine
        .set_step_success("checkout", "nope", "authorize-payment", json!(5), None)
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);

    let done = engine
        .set_step_success("checkout", "tx", "authorize-payment", json!(10), None)
        .await
        .unwrap();
    assert_eq!(done.state, TransactionState::Done);
    // place-order got the answer (10) and added one.
    assert_eq!(done.result.unwrap(), json!(11));
    assert_eq!(bus.names(), ["place-order.done"]);
    assert_eq!(
        log.entries(),
        [
            "invoke:reserve:1",
            "invoke:payment:2:1",
            "invoke:place-order:1"
        ]
    );

    // The finished run is stored: the same id replays it.
    let replay = engine.run_with_id(&workflow, "tx", 1).await;
    assert!(replay.replayed);
    assert_eq!(replay.result.unwrap(), 11);
}

#[tokio::test]
async fn a_failed_async_step_compensates_what_ran_before_it() {
    let log = Log::default();
    let (engine, bus) = engine();
    let workflow = checkout(&log);
    engine.run_with_id(&workflow, "tx", 1).await;

    let reverted = engine
        .set_step_failure(
            "checkout",
            "tx",
            "authorize-payment",
            Error::not_allowed("card declined"),
        )
        .await
        .unwrap();
    assert_eq!(reverted.state, TransactionState::Reverted);
    let err = reverted.result.unwrap_err();
    assert_eq!(err.failed_step(), Some("authorize-payment"));
    assert_eq!(err.error().message(), "card declined");
    assert_eq!(err.compensated(), ["reserve"]);
    assert!(bus.names().is_empty());
}

#[tokio::test]
async fn an_async_step_without_an_answer_times_out_and_the_run_compensates() {
    let log = Log::default();
    let (engine, _) = engine();
    struct Slow;
    #[async_trait]
    impl Step for Slow {
        type Input = u32;
        type Output = u32;
        type CompensateInput = u32;
        fn name(&self) -> &str {
            "await-webhook"
        }
        fn options(&self) -> StepOptions {
            StepOptions::default()
                .asynchronous()
                .timeout(Duration::from_millis(30))
        }
        async fn invoke(&self, _: u32, _: &StepContext) -> Result<StepResponse<u32>, StepError> {
            Err(StepError::awaiting_response())
        }
    }
    let workflow = Workflow::<u32>::new("webhook")
        .then(probe("first", &log))
        .then(Slow);
    let paused = engine.run_with_id(&workflow, "tx", 0).await;
    assert!(paused.result.unwrap_err().is_pending());

    // Nothing is due before the deadline.
    assert_eq!(engine.recover().await.unwrap(), 0);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(engine.recover().await.unwrap(), 1);

    let stored = engine.execution("webhook", "tx").await.unwrap().unwrap();
    assert_eq!(stored.state, TransactionState::Reverted);
    assert_eq!(
        stored.step("await-webhook").unwrap().state,
        StepState::Timeout
    );
    assert_eq!(
        log.entries(),
        ["invoke:first:1", "compensate:first:undo first"]
    );
}

const CREATED: Hook<u32> = Hook::new("with-hook", "created");

fn hooked(log: &Log, fail_after: bool) -> Workflow<u32, u32> {
    let last = probe("last", log);
    let last = if fail_after {
        last.fail(Fail::Permanent)
    } else {
        last
    };
    Workflow::<u32>::new("with-hook")
        .then(probe("first", log))
        .hook(CREATED)
        .then(last)
}

#[tokio::test]
async fn a_hook_runs_its_handler_and_passes_the_value_on() {
    let log = Log::default();
    let bus = Arc::new(RecordingEventBus::default());
    let engine = WorkflowEngine::new(bus).with_hook(CREATED, probe("my-handler", &log));
    let outcome = engine.run(&hooked(&log, false), 0).await;
    // The handler's output (2) does not replace the value (1).
    assert_eq!(*outcome.result.as_ref().unwrap(), 2);
    assert_eq!(outcome.step_state("created"), Some(StepState::Done));
    assert_eq!(
        log.entries(),
        ["invoke:first:1", "invoke:my-handler:1", "invoke:last:1"]
    );

    // Without a handler the hook is not a step at all.
    let (plain, _) = super::engine();
    let outcome = plain.run(&hooked(&Log::default(), false), 0).await;
    assert_eq!(*outcome.result.as_ref().unwrap(), 2);
    assert_eq!(outcome.step_state("created"), None);
}

#[tokio::test]
async fn a_hook_handler_is_compensated_with_the_workflow() {
    let log = Log::default();
    let bus = Arc::new(RecordingEventBus::default());
    let engine = WorkflowEngine::new(bus).with_hook(CREATED, probe("my-handler", &log));
    let err = engine.run(&hooked(&log, true), 0).await.result.unwrap_err();
    assert_eq!(err.compensated(), ["created", "first"]);
    assert_eq!(
        log.entries()[3..],
        [
            "compensate:my-handler:undo my-handler",
            "compensate:first:undo first"
        ]
    );
}

#[test]
#[should_panic(expected = "Cannot define multiple hook handlers for the created hook")]
fn a_hook_takes_one_handler() {
    let log = Log::default();
    let _ = WorkflowEngine::new(Arc::new(RecordingEventBus::default()))
        .with_hook(CREATED, probe("a", &log))
        .with_hook(CREATED, probe("b", &log));
}

#[test]
#[should_panic(expected = "Step first is already defined in workflow twice")]
fn step_names_are_unique_in_a_workflow() {
    let log = Log::default();
    let _ = Workflow::<u32>::new("twice")
        .then(probe("first", &log))
        .then(probe("first", &log));
}

fn child(log: &Log, fail: bool) -> Workflow<u32, u32> {
    let second = probe("child-second", log).emitting();
    Workflow::<u32>::new("child")
        .then(probe("child-first", log).emitting())
        .then(if fail {
            second.fail(Fail::Permanent)
        } else {
            second
        })
}

#[tokio::test]
async fn a_nested_workflow_is_one_step_and_its_events_wait_for_the_parent() {
    let log = Log::default();
    let (engine, bus) = engine();
    let parent = Workflow::<u32>::new("parent")
        .then(probe("before", &log))
        .then_workflow(&child(&log, false))
        .then(probe("after", &log));
    let outcome = engine.run_with_id(&parent, "ptx", 0).await;
    assert_eq!(outcome.result.unwrap(), 4);
    assert_eq!(
        outcome
            .steps
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>(),
        ["before", "child-as-step", "after"]
    );
    assert_eq!(bus.names(), ["child-first.done", "child-second.done"]);
    // The child ran under a transaction id derived from the parent's.
    let child_run = engine
        .execution("child", "child-as-step-ptx")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(child_run.state, TransactionState::Done);
    assert_eq!(
        child_run.parent_step.as_deref(),
        Some("parent:ptx:child-as-step:invoke")
    );
}

#[tokio::test]
async fn compensation_crosses_the_nesting() {
    let log = Log::default();
    let (engine, bus) = engine();
    let parent = Workflow::<u32>::new("parent")
        .then(probe("before", &log))
        .then_workflow(&child(&log, false))
        .then(probe("after", &log).fail(Fail::Permanent));
    let err = engine.run(&parent, 0).await.result.unwrap_err();
    assert_eq!(err.failed_step(), Some("after"));
    assert_eq!(err.compensated(), ["child-as-step", "before"]);
    let undone: Vec<String> = log
        .entries()
        .into_iter()
        .filter(|e| e.starts_with("compensate:"))
        .collect();
    assert_eq!(
        undone,
        [
            "compensate:child-second:undo child-second",
            "compensate:child-first:undo child-first",
            "compensate:before:undo before",
        ]
    );
    assert!(
        bus.names().is_empty(),
        "no event of a reverted run is emitted"
    );

    // A failing child reverts itself, then the parent.
    let log = Log::default();
    let parent = Workflow::<u32>::new("parent2")
        .then(probe("before", &log))
        .then_workflow(&child(&log, true));
    let err = engine.run(&parent, 0).await.result.unwrap_err();
    assert_eq!(err.failed_step(), Some("child-as-step"));
    assert_eq!(err.error().message(), "child-second refused");
    assert_eq!(
        log.entries()[3..],
        [
            "compensate:child-first:undo child-first",
            "compensate:before:undo before"
        ]
    );
}

#[tokio::test]
async fn a_registered_workflow_runs_by_name_with_json_input() {
    let log = Log::default();
    let (engine, _) = engine();
    let engine = engine.with_workflow(&four_steps(&log, None));
    assert!(engine.workflow_names().contains(&"four".to_string()));
    let outcome = engine
        .run_by_name("four", Some("by-name".into()), json!(10))
        .await
        .unwrap();
    assert_eq!(outcome.result.unwrap(), json!(14));
    let unknown = engine
        .run_by_name("nope", None, Value::Null)
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);

    let (listed, count) = engine
        .list_executions(&ExecutionFilter {
            workflow_id: vec!["four".into()],
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(listed[0].transaction_id, "by-name");
    let by_id = engine
        .execution_by_id(&listed[0].id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_id.result, Some(json!(14)));
}

#[tokio::test]
async fn lock_steps_exclude_concurrent_runs_on_the_same_key() {
    let log = Log::default();
    let (engine, _) = engine();
    let locked = Workflow::<u32>::new("locked")
        .then(acquire_lock(|_: &u32| vec!["cart_1".to_string()]))
        .then(probe("work", &log).delay(Duration::from_millis(80)))
        .then(release_lock(|_: &u32| vec!["cart_1".to_string()]));
    let (a, b) = tokio::join!(engine.run(&locked, 0), async {
        tokio::time::sleep(Duration::from_millis(20)).await;
        engine.run(&locked, 0).await
    });
    assert_eq!(a.result.unwrap(), 1);
    let err = b.result.unwrap_err();
    assert_eq!(err.error().kind(), ErrorKind::Conflict);
    assert_eq!(
        err.error().message(),
        "Failed to acquire lock for key \"cart_1\""
    );

    // Released at the end: the next run gets it. With a wait window, a
    // second run waits for the first instead of failing.
    let waiting = Workflow::<u32>::new("waiting")
        .then(acquire_lock(|_: &u32| vec!["cart_2".to_string()]).timeout(Duration::from_secs(2)))
        .then(probe("work", &log).delay(Duration::from_millis(50)))
        .then(release_lock(|_: &u32| vec!["cart_2".to_string()]));
    let (a, b) = tokio::join!(engine.run(&waiting, 0), engine.run(&waiting, 0));
    assert_eq!(a.result.unwrap() + b.result.unwrap(), 2);

    // A failure after acquiring releases the lock through compensation.
    let failing = Workflow::<u32>::new("failing")
        .then(acquire_lock(|_: &u32| vec!["cart_3".to_string()]))
        .then(probe("boom", &log).fail(Fail::Permanent));
    engine.run(&failing, 0).await.result.unwrap_err();
    let keys = ["cart_3".to_string()];
    assert!(
        engine
            .locking()
            .try_acquire(&keys, "other", None)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn another_engine_sharing_the_store_resumes_a_run_whose_owner_died() {
    let store = Arc::new(InMemoryStore::default());
    let log = Log::default();
    let workflow = Workflow::<u32>::new("shared")
        .then(probe("first", &log))
        .then(probe("second", &log).delay(Duration::from_millis(200)))
        .then(probe("third", &log).emitting());

    let dying = WorkflowEngine::new(Arc::new(RecordingEventBus::default()))
        .with_store(store.clone())
        .with_lease(Duration::from_millis(40));
    // The "process" dies while `second` runs.
    let running = {
        let workflow = Workflow::<u32>::new("shared")
            .then(probe("first", &log))
            .then(probe("second", &log).delay(Duration::from_millis(200)))
            .then(probe("third", &log).emitting());
        tokio::spawn(async move { dying.run_with_id(&workflow, "tx", 0).await })
    };
    wait_until_invoking(&*store, "shared", "second").await;
    running.abort();
    let _ = running.await;

    let bus = Arc::new(RecordingEventBus::default());
    let survivor = WorkflowEngine::new(bus.clone())
        .with_store(store)
        .with_workflow(&workflow);
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(survivor.recover().await.unwrap(), 1);
    let stored = survivor.execution("shared", "tx").await.unwrap().unwrap();
    assert_eq!(stored.state, TransactionState::Done);
    assert_eq!(stored.result, Some(json!(3)));
    assert_eq!(stored.step("second").unwrap().attempts, 2);
    assert_eq!(bus.names(), ["third.done"]);
    assert_eq!(log.count("invoke:first"), 1);
}

#[tokio::test]
async fn a_step_allowed_to_fail_is_skipped_and_the_run_goes_on() {
    let log = Log::default();
    let (engine, _) = engine();
    let options = StepOptions::default().retries(1, Duration::ZERO);
    let workflow = Workflow::<u32>::new("tolerant")
        .then(probe("first", &log))
        .then_or_skip(probe("flaky", &log).fail(Fail::Permanent).options(options))
        .map(|n: Option<u32>| n.unwrap_or(100))
        .then(probe("last", &log));
    let outcome = engine.run(&workflow, 0).await;
    assert_eq!(outcome.state, TransactionState::Done);
    assert_eq!(outcome.step_state("flaky"), Some(StepState::SkippedFailure));
    assert_eq!(*outcome.result.as_ref().unwrap(), 101);

    // When it succeeds its output is Some.
    let workflow = Workflow::<u32>::new("tolerant-ok")
        .then_or_skip(probe("fine", &log))
        .map(|n: Option<u32>| n.unwrap_or(100));
    assert_eq!(engine.run(&workflow, 0).await.result.unwrap(), 1);

    // A skipped failure is not compensated when a later step fails.
    let log = Log::default();
    let workflow = Workflow::<u32>::new("tolerant-then-fail")
        .then(probe("first", &log))
        .then_or_skip(probe("flaky", &log).fail(Fail::Permanent))
        .map(|n: Option<u32>| n.unwrap_or(0))
        .then(probe("boom", &log).fail(Fail::Permanent));
    let err = engine.run(&workflow, 0).await.result.unwrap_err();
    assert_eq!(err.compensated(), ["first"]);
}

/// Emits through a module's bus (a `HoldingEventBus`), not `ctx.emit`.
struct ModuleEmit(Arc<dyn stheno_module_sdk::events::EventBus>);

#[async_trait]
impl Step for ModuleEmit {
    type Input = u32;
    type Output = u32;
    type CompensateInput = u32;
    fn name(&self) -> &str {
        "module-emit"
    }
    async fn invoke(&self, n: u32, _: &StepContext) -> Result<StepResponse<u32>, StepError> {
        self.0
            .emit(vec![Event::new("thing.created", json!({ "n": n }))])
            .await?;
        Ok(StepResponse::new(n))
    }
    async fn compensate(&self, n: u32, _: &StepContext) -> Result<(), StepError> {
        self.0
            .emit(vec![Event::new("thing.deleted", json!({ "n": n }))])
            .await?;
        Ok(())
    }
}

#[tokio::test]
async fn events_modules_emit_inside_a_step_are_held_like_the_steps_own() {
    let log = Log::default();
    let (engine, bus) = engine();
    let module_bus: Arc<dyn stheno_module_sdk::events::EventBus> =
        Arc::new(stheno_module_sdk::events::HoldingEventBus::new(bus.clone()));
    let ok = Workflow::<u32>::new("module-events").then(ModuleEmit(module_bus.clone()));
    engine.run(&ok, 1).await.result.unwrap();
    assert_eq!(bus.names(), ["thing.created"]);

    bus.take();
    let failing = Workflow::<u32>::new("module-events-fail")
        .then(ModuleEmit(module_bus.clone()))
        .then(probe("boom", &log).fail(Fail::Permanent));
    engine.run(&failing, 1).await.result.unwrap_err();
    assert!(bus.names().is_empty(), "{:?}", bus.names());

    // Outside a workflow the bus delivers at once.
    module_bus
        .emit(vec![Event::new("direct", json!({}))])
        .await
        .unwrap();
    assert_eq!(bus.names(), ["direct"]);
}

#[tokio::test]
async fn a_child_paused_on_an_async_step_pauses_the_parent_and_reports_back() {
    let log = Log::default();
    let (engine, bus) = engine();
    let child = Workflow::<u32>::new("child-async")
        .then(probe("child-first", &log).emitting())
        .then(Payment { log: log.clone() });
    let parent = Workflow::<u32>::new("parent-async")
        .then(probe("before", &log))
        .then_workflow(&child)
        .then(probe("after", &log).emitting());
    let engine = engine.with_workflow(&parent).with_workflow(&child);

    let paused = engine.run_with_id(&parent, "ptx", 0).await;
    assert_eq!(
        paused.step_state("child-async-as-step"),
        Some(StepState::Waiting)
    );
    assert!(paused.result.unwrap_err().is_pending());

    // The answer goes to the child's step; the child finishes and completes
    // the parent's waiting step, which then runs to the end.
    let child_done = engine
        .set_step_success(
            "child-async",
            "child-async-as-step-ptx",
            "authorize-payment",
            json!(40),
            None,
        )
        .await
        .unwrap();
    assert_eq!(child_done.state, TransactionState::Done);
    let parent_run = engine
        .execution("parent-async", "ptx")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(parent_run.state, TransactionState::Done);
    assert_eq!(parent_run.result, Some(json!(41)));
    assert_eq!(bus.names(), ["child-first.done", "after.done"]);
}

/// Blocks its thread (not just its task) on the first attempt, so the run's
/// lease heartbeat stalls too: a stuck process.
struct Stall(Log);

#[async_trait]
impl Step for Stall {
    type Input = u32;
    type Output = u32;
    type CompensateInput = u32;
    fn name(&self) -> &str {
        "stall"
    }
    async fn invoke(&self, n: u32, ctx: &StepContext) -> Result<StepResponse<u32>, StepError> {
        self.0.push(format!("invoke:stall:{}", ctx.attempt()));
        if ctx.attempt() == 1 {
            std::thread::sleep(Duration::from_millis(600));
        }
        Ok(StepResponse::new(n + 1))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_process_that_lost_its_lease_stops_and_leaves_the_run_to_the_new_owner() {
    let store = Arc::new(InMemoryStore::default());
    let log = Log::default();
    let workflow = Workflow::<u32>::new("stuck")
        .then(Stall(log.clone()))
        .then(probe("after", &log).emitting());
    let bus_a = Arc::new(RecordingEventBus::default());
    let stuck = WorkflowEngine::new(bus_a.clone())
        .with_store(store.clone())
        .with_lease(Duration::from_millis(40));
    let bus_b = Arc::new(RecordingEventBus::default());
    let rescuer = WorkflowEngine::new(bus_b.clone())
        .with_store(store.clone())
        .with_lease(Duration::from_millis(40))
        .with_workflow(&workflow);

    let first = {
        let workflow = Workflow::<u32>::new("stuck")
            .then(Stall(log.clone()))
            .then(probe("after", &log).emitting());
        tokio::spawn(async move { stuck.run_with_id(&workflow, "tx", 0).await })
    };
    wait_until_invoking(&*store, "stuck", "stall").await;
    // The stuck engine cannot renew its lease; let it lapse.
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert_eq!(rescuer.recover().await.unwrap(), 1);
    let lost = first.await.unwrap();
    let err = lost.result.unwrap_err();
    assert_eq!(err.error().code(), Some("lost_lease"));

    let stored = rescuer.execution("stuck", "tx").await.unwrap().unwrap();
    assert_eq!(stored.state, TransactionState::Done);
    // `after` ran once, by the rescuer; only the rescuer released events.
    assert_eq!(log.count("invoke:after"), 1);
    assert_eq!(bus_b.names(), ["after.done"]);
    assert!(bus_a.names().is_empty());
}

/// Wait until `step` of the run `tx` of `workflow` is recorded as invoking.
async fn wait_until_invoking(
    store: &dyn stheno_workflow_sdk::ExecutionStore,
    workflow: &str,
    step: &str,
) {
    let started = Instant::now();
    loop {
        let execution = store.load(workflow, "tx").await.unwrap();
        if execution
            .as_ref()
            .and_then(|e| e.step(step))
            .is_some_and(|s| s.state == StepState::Invoking)
        {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{step} never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn subscribers_see_each_step_and_the_finish() {
    let log = Log::default();
    let (engine, _) = engine();
    let mut changes = engine.subscribe();
    let workflow = Workflow::<u32>::new("watched")
        .then(probe("first", &log))
        .then(probe("second", &log).fail(Fail::Permanent));
    engine
        .run_with_id(&workflow, "tx", 0)
        .await
        .result
        .unwrap_err();
    let mut seen = Vec::new();
    while let Ok(change) = changes.try_recv() {
        assert_eq!(
            (change.workflow_id.as_str(), change.transaction_id.as_str()),
            ("watched", "tx")
        );
        let step = change
            .step
            .as_ref()
            .map(|s| s["name"].as_str().unwrap().to_string());
        seen.push(format!(
            "{} {}",
            change.event_type,
            step.unwrap_or_default()
        ));
        if change.event_type == "onStepSuccess" {
            assert_eq!(change.response, Some(json!(1)));
        }
        if change.event_type == "onFinish" {
            assert_eq!(change.state, Some(TransactionState::Reverted));
            assert_eq!(change.errors[0]["message"], "second refused");
        }
    }
    assert_eq!(
        seen,
        [
            "onStepBegin first",
            "onStepSuccess first",
            "onStepBegin second",
            "onStepFailure second",
            "onCompensateStepSuccess first",
            "onFinish ",
        ]
    );
}
