//! Running core workflows from routes.

use stheno_framework::Container;
use stheno_module_sdk::Result;
use stheno_workflow_sdk::{Data, Workflow};

/// Run `workflow` on the container's engine; a failure is the failing
/// step's error (kind and message), already compensated.
pub(crate) async fn run<In: Data, Out: Data>(
    c: &Container,
    workflow: Workflow<In, Out>,
    input: In,
) -> Result<Out> {
    Ok(c.workflows().run(&workflow, input).await.result?)
}
