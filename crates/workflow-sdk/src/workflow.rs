//! Typed composition: each builder method checks at compile time that the
//! previous output fits the next step's input, and [`Hook`]s, the places a
//! workflow offers to an application's own step.
//!
//! The builder only describes a workflow: what it produces, the erased
//! `WorkflowDef`, is data the engine interprets (a nested workflow is a
//! stage naming its child's definition; a hook names the handler the engine
//! looks up when it gets there), and this file does not depend on the
//! engine.

use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use stheno_module_sdk::Error;

use crate::step::{Data, DynStep, Step, erase};

type Transform = Arc<dyn Fn(Value) -> Result<Value, Error> + Send + Sync>;
type Merge = Arc<dyn Fn(Value, Value) -> Result<Value, Error> + Send + Sync>;
type Predicate = Arc<dyn Fn(&Value) -> Result<bool, Error> + Send + Sync>;

/// One position in a workflow's sequence.
#[derive(Clone)]
pub(crate) enum Stage {
    /// Run a step on the previous value.
    Step(Arc<dyn DynStep>),
    /// A pure function of the previous value (Medusa's `transform`): not a
    /// step, never retried or compensated.
    Transform(Transform),
    /// Run steps concurrently on the same value; the output is a JSON array
    /// (a tuple once typed).
    Parallel(Vec<Arc<dyn DynStep>>),
    /// Run the step only if the predicate holds; `null` (None) otherwise.
    When(Predicate, Arc<dyn DynStep>),
    /// Run the step on `input(value)`, then combine the value and the
    /// step's output with `merge`.
    With(Transform, Arc<dyn DynStep>, Merge),
    /// Run the step; a permanent failure is recorded as `skipped_failure`
    /// and the run goes on with `null` (None).
    OrSkip(Arc<dyn DynStep>),
    /// Run another workflow as one step, under the step name given
    /// (`<child name>-as-step`): the engine drives the child as a run of
    /// its own and compensates it with this one.
    Workflow(Arc<str>, Arc<WorkflowDef>),
    /// Run the handler registered for this hook (if any) on the value, or
    /// on `map(value)`; the value passes through unchanged.
    Hook(Arc<str>, Option<Transform>),
}

/// A workflow with its types erased: what the engine runs and stores by
/// name.
pub(crate) struct WorkflowDef {
    pub(crate) name: Arc<str>,
    pub(crate) stages: Vec<Stage>,
    /// Every step by name (hooks excluded: their handler is looked up when
    /// the hook runs; nested workflows excluded: they are in `children`).
    pub(crate) steps: HashMap<Arc<str>, Arc<dyn DynStep>>,
    /// Every nested workflow by the name of the step it runs as.
    pub(crate) children: HashMap<Arc<str>, Arc<WorkflowDef>>,
}

/// A workflow taking `In` and producing `Out`, built with [`Workflow::new`]
/// and the chaining methods. Cheap to share (`Arc` it or keep it in a
/// `static`-like place) and runnable any number of times by a
/// [`WorkflowEngine`](crate::WorkflowEngine).
pub struct Workflow<In, Out = In> {
    pub(crate) name: Arc<str>,
    pub(crate) stages: Vec<Stage>,
    /// Step and hook names used so far (names are unique in a workflow).
    names: Vec<Arc<str>>,
    def: OnceLock<Arc<WorkflowDef>>,
    _types: PhantomData<fn(In) -> Out>,
}

impl<In, Out> fmt::Debug for Workflow<In, Out> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workflow")
            .field("name", &self.name)
            .field("stages", &self.stages.len())
            .finish()
    }
}

impl<In: Data> Workflow<In, In> {
    /// An empty workflow named `name` (its workflow id).
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: Arc::from(name.into()),
            stages: Vec::new(),
            names: Vec::new(),
            def: OnceLock::new(),
            _types: PhantomData,
        }
    }
}

fn read<T: DeserializeOwned>(workflow: &str, value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| {
        Error::internal(format!(
            "workflow {workflow}: a value does not match its type: {e}"
        ))
        .with_source(e)
    })
}

fn write<T: Serialize>(workflow: &str, value: T) -> Result<Value, Error> {
    serde_json::to_value(value).map_err(|e| {
        Error::internal(format!(
            "workflow {workflow}: could not serialise a value: {e}"
        ))
        .with_source(e)
    })
}

impl<In: Data, Out: Data> Workflow<In, Out> {
    /// The workflow id.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The erased definition the engine runs (built once per workflow value).
    pub(crate) fn def(&self) -> Arc<WorkflowDef> {
        self.def
            .get_or_init(|| {
                let mut steps = HashMap::new();
                let mut children = HashMap::new();
                for stage in &self.stages {
                    match stage {
                        Stage::Step(step)
                        | Stage::When(_, step)
                        | Stage::OrSkip(step)
                        | Stage::With(_, step, _) => {
                            steps.insert(step.name().clone(), step.clone());
                        }
                        Stage::Parallel(branch) => {
                            for step in branch {
                                steps.insert(step.name().clone(), step.clone());
                            }
                        }
                        Stage::Workflow(name, child) => {
                            children.insert(name.clone(), child.clone());
                        }
                        Stage::Transform(_) | Stage::Hook(..) => {}
                    }
                }
                Arc::new(WorkflowDef {
                    name: self.name.clone(),
                    stages: self.stages.clone(),
                    steps,
                    children,
                })
            })
            .clone()
    }

    /// Step ids are unique within a workflow: a second use of a step needs
    /// its own name (`with_options(…)`/a wrapper), as in Medusa.
    fn claim_name(&mut self, name: &Arc<str>) {
        assert!(
            !self.names.contains(name),
            "Step {name} is already defined in workflow {}",
            self.name
        );
        self.names.push(name.clone());
    }

    fn push<T>(mut self, stage: Stage) -> Workflow<In, T> {
        let names: Vec<Arc<str>> = match &stage {
            Stage::Step(step)
            | Stage::When(_, step)
            | Stage::OrSkip(step)
            | Stage::With(_, step, _) => vec![step.name().clone()],
            Stage::Parallel(steps) => steps.iter().map(|s| s.name().clone()).collect(),
            Stage::Workflow(name, _) | Stage::Hook(name, _) => vec![name.clone()],
            Stage::Transform(_) => Vec::new(),
        };
        for name in &names {
            self.claim_name(name);
        }
        self.stages.push(stage);
        Workflow {
            name: self.name,
            stages: self.stages,
            names: self.names,
            def: OnceLock::new(),
            _types: PhantomData,
        }
    }

    /// Run `step` on the previous output. The step's input type must be the
    /// previous output type, or this does not compile:
    ///
    /// ```compile_fail
    /// # use stheno_workflow_sdk::{async_trait, Step, StepContext, StepError, StepResponse, Workflow};
    /// struct Len;
    /// #[async_trait]
    /// impl Step for Len {
    ///     type Input = String;
    ///     type Output = usize;
    ///     type CompensateInput = ();
    ///     fn name(&self) -> &str { "len" }
    ///     async fn invoke(&self, s: String, _: &StepContext)
    ///         -> Result<StepResponse<usize, ()>, StepError> {
    ///         Ok(StepResponse::with_compensation(s.len(), ()))
    ///     }
    /// }
    /// // `Len` takes a `String`, the workflow input is a `u32`.
    /// let _ = Workflow::<u32>::new("mismatch").then(Len);
    /// ```
    pub fn then<S: Step<Input = Out>>(self, step: S) -> Workflow<In, S::Output> {
        self.push(Stage::Step(erase(step)))
    }

    /// Turn the previous output into `step`'s input with `map`, then run it.
    pub fn then_map<S, F>(self, map: F, step: S) -> Workflow<In, S::Output>
    where
        S: Step,
        F: Fn(&Out) -> S::Input + Send + Sync + 'static,
    {
        self.map(move |out| map(&out)).then(step)
    }

    /// Run `step` on `input(&previous)` and keep both: `merge(previous,
    /// output)` becomes the value. This is how a later stage (a hook, say)
    /// sees both a step's input and its output.
    pub fn then_with<S, F, G, T>(self, input: F, step: S, merge: G) -> Workflow<In, T>
    where
        S: Step,
        T: Data,
        F: Fn(&Out) -> S::Input + Send + Sync + 'static,
        G: Fn(Out, S::Output) -> T + Send + Sync + 'static,
    {
        let name = self.name.clone();
        let to_input: Transform =
            Arc::new(move |value| write(&name, input(&read::<Out>(&name, value)?)));
        let name = self.name.clone();
        let merge: Merge = Arc::new(move |previous, output| {
            write(
                &name,
                merge(
                    read::<Out>(&name, previous)?,
                    read::<S::Output>(&name, output)?,
                ),
            )
        });
        self.push(Stage::With(to_input, erase(step), merge))
    }

    /// Transform the previous output with a pure function (not a step: not
    /// retried, not compensated, not recorded).
    pub fn map<T, F>(self, map: F) -> Workflow<In, T>
    where
        T: Data,
        F: Fn(Out) -> T + Send + Sync + 'static,
    {
        let name = self.name.clone();
        let transform: Transform =
            Arc::new(move |value| write(&name, map(read::<Out>(&name, value)?)));
        self.push(Stage::Transform(transform))
    }

    /// Run two steps concurrently on the previous output; their outputs
    /// become a tuple. If one fails, the other is still awaited and, if it
    /// completed, compensated.
    pub fn parallel<A, B>(self, a: A, b: B) -> Workflow<In, (A::Output, B::Output)>
    where
        A: Step<Input = Out>,
        B: Step<Input = Out>,
    {
        self.push(Stage::Parallel(vec![erase(a), erase(b)]))
    }

    /// Run `step`, tolerating its permanent failure (Medusa's
    /// `continueOnPermanentFailure`): after its retries, a failing step is
    /// recorded as `skipped_failure` (and not compensated), and the run goes
    /// on with `None`. Steps after it decide what to do with `None` (for
    /// example with [`when`](Self::when)).
    pub fn then_or_skip<S: Step<Input = Out>>(self, step: S) -> Workflow<In, Option<S::Output>> {
        self.push(Stage::OrSkip(erase(step)))
    }

    /// Run another workflow as one step of this one, named
    /// `<child name>-as-step`. The child runs under the transaction id
    /// `<step name>-<parent transaction id>`; its events join this run's
    /// (released only if the whole run succeeds), and if a later step of
    /// this workflow fails, the child's completed steps are compensated.
    pub fn then_workflow<T: Data>(self, child: &Workflow<Out, T>) -> Workflow<In, T> {
        let name = Arc::from(format!("{}-as-step", child.name));
        self.push(Stage::Workflow(name, child.def()))
    }

    /// Place `hook`: the handler an application registered for it runs here
    /// on the current value, which then passes on unchanged. Without a
    /// handler nothing runs.
    pub fn hook(self, hook: Hook<Out>) -> Workflow<In, Out> {
        self.check_hook_owner(hook.workflow());
        self.push(Stage::Hook(Arc::from(hook.name()), None))
    }

    /// Place `hook` with its input computed from the current value.
    pub fn hook_with<I, F>(self, hook: Hook<I>, input: F) -> Workflow<In, Out>
    where
        I: Data,
        F: Fn(&Out) -> I + Send + Sync + 'static,
    {
        self.check_hook_owner(hook.workflow());
        let name = self.name.clone();
        let transform: Transform =
            Arc::new(move |value| write(&name, input(&read::<Out>(&name, value)?)));
        self.push(Stage::Hook(Arc::from(hook.name()), Some(transform)))
    }

    fn check_hook_owner(&self, workflow: &str) {
        assert!(
            workflow == &*self.name,
            "hook of workflow {workflow} placed in workflow {}",
            self.name
        );
    }

    /// Run `step` only when `condition` holds for the previous output;
    /// otherwise the step is recorded as skipped and the output is `None`.
    ///
    /// An `Output` that serialises to JSON `null` (such as `()`) comes back as
    /// `None` either way.
    pub fn when<S, F>(self, condition: F, step: S) -> Workflow<In, Option<S::Output>>
    where
        S: Step<Input = Out>,
        F: Fn(&Out) -> bool + Send + Sync + 'static,
    {
        let name = self.name.clone();
        let predicate: Predicate =
            Arc::new(move |value| Ok(condition(&read::<Out>(&name, value.clone())?)));
        self.push(Stage::When(predicate, erase(step)))
    }
}

/// A point in a workflow where an application can run its own step, with
/// that step's compensation joining the workflow's (Medusa's `createHook`).
///
/// A workflow declares the hook as a constant and places it with
/// [`Workflow::hook`]; an application attaches one handler with
/// [`register_hook!`](crate::register_hook) or
/// [`WorkflowEngine::with_hook`](crate::WorkflowEngine::with_hook). The
/// handler's input type must be `I`, or registration does not compile.
pub struct Hook<I> {
    workflow: &'static str,
    name: &'static str,
    _input: PhantomData<fn(I)>,
}

impl<I> Clone for Hook<I> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<I> Copy for Hook<I> {}

impl<I> fmt::Debug for Hook<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hook({}.{})", self.workflow, self.name)
    }
}

impl<I: Data> Hook<I> {
    /// The hook `name` of the workflow `workflow`.
    pub const fn new(workflow: &'static str, name: &'static str) -> Self {
        Self {
            workflow,
            name,
            _input: PhantomData,
        }
    }
    pub fn workflow(&self) -> &'static str {
        self.workflow
    }
    pub fn name(&self) -> &'static str {
        self.name
    }
}
