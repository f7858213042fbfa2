//! Steps and workflows for any generated entity service: create, update,
//! soft delete, restore and (hard) delete, each undone by its compensation.
//!
//! A module written with `#[module(entities(Brand))]` gets its whole admin
//! write path from here:
//!
//! ```ignore
//! use stheno_core_flows::entity::{create_workflow, CreateEntities};
//!
//! // `create-brands`: the step, then the `brandsCreated` hook.
//! pub fn create_brands() -> Workflow<Vec<CreateBrand>, Vec<Brand>> {
//!     create_workflow::<BrandModule, Brand>("create-brands", "brand")
//!         .hook(BRANDS_CREATED)
//! }
//! ```
//!
//! | step | compensation | workflow event |
//! |---|---|---|
//! | [`CreateEntities`] | delete for good what was created | `<event>.created` |
//! | [`UpdateEntities`] | write the previous rows back | `<event>.updated` |
//! | [`SoftDeleteEntities`] | restore what was deleted (children and links too) | `<event>.deleted` |
//! | [`RestoreEntities`] | soft-delete again | `<event>.restored` |
//! | [`DeleteEntities`] | none: a hard delete cannot be undone, so run it last | `<event>.deleted` |
//!
//! The module's own events (`brand.brand.created`) are emitted by the
//! service at each commit, inside the step, so the engine holds them with
//! the step's.

use std::marker::PhantomData;

use stheno_module_sdk::Module;
use stheno_module_sdk::entity::{Entity, ServiceOf};
use stheno_module_sdk::events::Event;
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

pub use crate::domain::Update;

/// What every generic step carries: its id and the workflow event prefix.
#[derive(Debug, Clone, Copy)]
struct Names {
    step: &'static str,
    event: Option<&'static str>,
    /// Unknown ids fail the step (see [`SoftDeleteEntities::must_exist`]).
    must_exist: bool,
}

impl Names {
    fn emit<'a>(&self, ctx: &StepContext, action: &str, ids: impl IntoIterator<Item = &'a str>) {
        if let Some(prefix) = self.event {
            for event in Event::for_ids(&format!("{prefix}.{action}"), ids) {
                ctx.emit(event);
            }
        }
    }
}

macro_rules! entity_step {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<M, E> {
            names: Names,
            _types: PhantomData<fn() -> (M, E)>,
        }

        impl<M, E> $name<M, E> {
            /// The step `step`; it raises no workflow event.
            pub fn new(step: &'static str) -> Self {
                Self {
                    names: Names {
                        step,
                        event: None,
                        must_exist: false,
                    },
                    _types: PhantomData,
                }
            }
            /// Raise `<prefix>.<action>` `{id}` workflow events.
            pub fn emitting(mut self, prefix: &'static str) -> Self {
                self.names.event = Some(prefix);
                self
            }
        }
    };
}

entity_step!(
    /// Create rows (one transaction); ⇐ delete them for good.
    CreateEntities
);
entity_step!(
    /// Update rows after reading them; ⇐ write the previous rows back. An
    /// unknown id fails the step before anything changes.
    UpdateEntities
);
entity_step!(
    /// Soft-delete the live rows among the ids (and their children and link
    /// rows); ⇐ restore them. Output: the ids deleted. Unknown or already
    /// deleted ids are ignored, unless [`must_exist`](Self::must_exist).
    SoftDeleteEntities
);

impl<M, E> SoftDeleteEntities<M, E> {
    /// Fail with Medusa's `not_found` (`<Type> with id: x was not found`)
    /// when an id is not a live row, leaving nothing deleted: what a
    /// `DELETE /admin/<path>/:id` workflow wants. The output then holds
    /// every id.
    pub fn must_exist(mut self) -> Self {
        self.names.must_exist = true;
        self
    }
}
entity_step!(
    /// Restore soft-deleted rows; ⇐ soft-delete them again. Output: the ids
    /// restored.
    RestoreEntities
);
entity_step!(
    /// Delete rows for good (children and link rows too). No compensation:
    /// put it last in a workflow.
    DeleteEntities
);

fn service<M: Module + ServiceOf<E>, E: Entity>(
    ctx: &StepContext,
) -> Result<std::sync::Arc<M>, StepError> {
    ctx.module::<M>()
}

#[async_trait]
impl<M: Module + ServiceOf<E>, E: Entity> Step for CreateEntities<M, E> {
    type Input = Vec<E::Create>;
    type Output = Vec<E>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        self.names.step
    }

    async fn invoke(
        &self,
        input: Vec<E::Create>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<E>, Vec<String>>, StepError> {
        let m = service::<M, E>(ctx)?;
        let rows = m.service().create(input).await?;
        let ids: Vec<String> = rows.iter().map(|r| r.id().to_string()).collect();
        self.names
            .emit(ctx, "created", ids.iter().map(String::as_str));
        Ok(StepResponse::with_compensation(rows, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            service::<M, E>(ctx)?.service().delete(&ids).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<M: Module + ServiceOf<E>, E: Entity> Step for UpdateEntities<M, E> {
    type Input = Vec<Update<E::Update>>;
    type Output = Vec<E>;
    type CompensateInput = Vec<E>;

    fn name(&self) -> &str {
        self.names.step
    }

    async fn invoke(
        &self,
        input: Vec<Update<E::Update>>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<E>, Vec<E>>, StepError> {
        let m = service::<M, E>(ctx)?;
        let ids: Vec<String> = crate::domain::dedup(input.iter().map(|u| u.id.clone()));
        let previous = m.service().list_by_ids(&ids).await?;
        if let Some(missing) = ids
            .iter()
            .find(|id| !previous.iter().any(|p| p.id() == *id))
        {
            return Err(E::META.not_found(missing).into());
        }
        let rows = m
            .service()
            .update_many(input.into_iter().map(|u| (u.id, u.update)).collect())
            .await?;
        self.names.emit(ctx, "updated", rows.iter().map(|r| r.id()));
        Ok(StepResponse::with_compensation(rows, previous))
    }

    async fn compensate(&self, previous: Vec<E>, ctx: &StepContext) -> Result<(), StepError> {
        service::<M, E>(ctx)?.service().overwrite(&previous).await?;
        Ok(())
    }
}

#[async_trait]
impl<M: Module + ServiceOf<E>, E: Entity> Step for SoftDeleteEntities<M, E> {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        self.names.step
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>>, StepError> {
        let m = service::<M, E>(ctx)?;
        let deleted = m.service().soft_delete(&ids).await?;
        let done = deleted.get(E::META.entity).cloned().unwrap_or_default();
        if self.names.must_exist
            && let Some(missing) = ids.iter().find(|id| !done.contains(id))
        {
            // Checked after the delete, so a concurrent delete cannot slip
            // between a check and the write; put back what was deleted.
            if !done.is_empty() {
                m.service().restore(&done).await?;
            }
            return Err(E::META.not_found(missing).into());
        }
        let ids = done;
        self.names
            .emit(ctx, "deleted", ids.iter().map(String::as_str));
        Ok(StepResponse::new(ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            service::<M, E>(ctx)?.service().restore(&ids).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<M: Module + ServiceOf<E>, E: Entity> Step for RestoreEntities<M, E> {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        self.names.step
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>>, StepError> {
        let m = service::<M, E>(ctx)?;
        let restored = m.service().restore(&ids).await?;
        let ids = restored.get(E::META.entity).cloned().unwrap_or_default();
        self.names
            .emit(ctx, "restored", ids.iter().map(String::as_str));
        Ok(StepResponse::new(ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            service::<M, E>(ctx)?.service().soft_delete(&ids).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<M: Module + ServiceOf<E>, E: Entity> Step for DeleteEntities<M, E> {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        self.names.step
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>>, StepError> {
        let m = service::<M, E>(ctx)?;
        let deleted = m.service().delete(&ids).await?;
        let ids = deleted.get(E::META.entity).cloned().unwrap_or_default();
        self.names
            .emit(ctx, "deleted", ids.iter().map(String::as_str));
        Ok(StepResponse::new(ids))
    }
}

/// `id`: one create step `id` raising `<event>.created`.
pub fn create_workflow<M: Module + ServiceOf<E>, E: Entity>(
    id: &'static str,
    event: &'static str,
) -> Workflow<Vec<E::Create>, Vec<E>> {
    Workflow::<Vec<E::Create>>::new(id).then(CreateEntities::<M, E>::new(id).emitting(event))
}

/// `id`: one update step `id` raising `<event>.updated`.
pub fn update_workflow<M: Module + ServiceOf<E>, E: Entity>(
    id: &'static str,
    event: &'static str,
) -> Workflow<Vec<Update<E::Update>>, Vec<E>> {
    Workflow::<Vec<Update<E::Update>>>::new(id)
        .then(UpdateEntities::<M, E>::new(id).emitting(event))
}

/// `id`: one soft-delete step `id` raising `<event>.deleted`; output: the
/// ids deleted.
pub fn soft_delete_workflow<M: Module + ServiceOf<E>, E: Entity>(
    id: &'static str,
    event: &'static str,
) -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new(id).then(SoftDeleteEntities::<M, E>::new(id).emitting(event))
}

/// `id`: one restore step `id` raising `<event>.restored`.
pub fn restore_workflow<M: Module + ServiceOf<E>, E: Entity>(
    id: &'static str,
    event: &'static str,
) -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new(id).then(RestoreEntities::<M, E>::new(id).emitting(event))
}
