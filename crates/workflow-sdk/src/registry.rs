//! Registration by name: workflows a worker can resume without having
//! started them, and hook handlers through which a user's crate extends a
//! core workflow.

use std::sync::Arc;

use crate::step::{Data, DynStep, Step, erase_named};
use crate::workflow::{Hook, Workflow, WorkflowDef};

/// A step attached to a hook. The step runs under the hook's name; its
/// output is recorded but does not change the workflow's data.
pub struct HookHandler {
    pub(crate) workflow: &'static str,
    pub(crate) hook: &'static str,
    pub(crate) step: Arc<dyn DynStep>,
}

impl HookHandler {
    pub fn new<I: Data, S: Step<Input = I>>(hook: Hook<I>, step: S) -> Self {
        Self {
            workflow: hook.workflow(),
            hook: hook.name(),
            step: erase_named(step, hook.name()),
        }
    }
}

/// Collected by [`register_hook!`](crate::register_hook).
pub struct HookRegistration {
    pub make: fn() -> HookHandler,
}
inventory::collect!(HookRegistration);

/// A workflow with its types erased, as the engine stores it by name.
#[derive(Clone)]
pub struct ErasedWorkflow(pub(crate) Arc<WorkflowDef>);

impl ErasedWorkflow {
    pub fn name(&self) -> &str {
        &self.0.name
    }
}

impl<In: Data, Out: Data> From<&Workflow<In, Out>> for ErasedWorkflow {
    fn from(workflow: &Workflow<In, Out>) -> Self {
        Self(workflow.def())
    }
}

/// Collected by [`register_workflow!`](crate::register_workflow).
pub struct WorkflowRegistration {
    pub make: fn() -> ErasedWorkflow,
}
inventory::collect!(WorkflowRegistration);

/// Register a workflow by name so any engine of the application can run it
/// by name (`POST /admin/workflows-executions/:id/run`) and resume it after a
/// restart. Takes a function returning the workflow.
///
/// ```ignore
/// pub fn create_brand() -> Workflow<CreateBrand, Brand> { … }
/// stheno_workflow_sdk::register_workflow!(create_brand);
/// ```
#[macro_export]
macro_rules! register_workflow {
    ($make:path) => {
        const _: () = {
            fn __stheno_workflow() -> $crate::ErasedWorkflow {
                $crate::ErasedWorkflow::from(&$make())
            }
            $crate::inventory::submit! {
                $crate::WorkflowRegistration { make: __stheno_workflow }
            }
        };
    };
}

/// Attach a step to a workflow's hook for the whole application:
/// `register_hook!(PRODUCTS_CREATED, NotifyBrands)`. The step's `Input` must
/// be the hook's input type. One handler per hook; a second is a start-up
/// error ("Cannot define multiple hook handlers for the X hook").
#[macro_export]
macro_rules! register_hook {
    ($hook:expr, $step:expr) => {
        const _: () = {
            fn __stheno_hook() -> $crate::HookHandler {
                $crate::HookHandler::new($hook, $step)
            }
            $crate::inventory::submit! {
                $crate::HookRegistration { make: __stheno_hook }
            }
        };
    };
}
