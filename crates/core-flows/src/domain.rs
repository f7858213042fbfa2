//! Steps for entities whose writes are domain code — a product created with
//! its options and variants, a category moved in its tree — where the
//! generated service's flat create and update do not apply.
//!
//! A module says how it creates, snapshots, reverts, deletes and restores
//! the entity ([`Entity`]); [`CreateStep`], [`UpdateStep`] and
//! [`DeleteStep`] do the rest: workflow events, compensation, undoing a
//! partly applied batch. Entities written through their generated service
//! use [`crate::entity`] instead.

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use stheno_module_sdk::Module;
use stheno_module_sdk::events::Event;
use stheno_module_sdk::{Error, Result};
use stheno_workflow_sdk::{Data, Step, StepContext, StepError, StepResponse, async_trait};

/// Changes for one entity (Medusa's `{selector: {id}, update}` for one id).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Update<U> {
    pub id: String,
    pub update: U,
}

impl<U> Update<U> {
    pub fn new(id: impl Into<String>, update: U) -> Self {
        Self {
            id: id.into(),
            update,
        }
    }
}

/// An entity whose writes are domain code, as the steps of this module see
/// it: how the module creates, snapshots, reverts, deletes and restores it.
#[async_trait]
pub trait Entity: Send + Sync + 'static {
    /// The module that owns the entity.
    type Module: Module;
    /// The row the module returns.
    type Row: Data;
    type Create: Data;
    type Update: Data;
    /// What undoing an update needs: the previous row, or more.
    type Snapshot: Data + Clone;

    /// Workflow event prefix (`product-collection` → `product-collection.created`).
    const EVENT: &'static str;
    const CREATE_STEP: &'static str;
    const UPDATE_STEP: &'static str;
    const DELETE_STEP: &'static str;

    fn row_id(row: &Self::Row) -> &str;
    fn snapshot_id(snapshot: &Self::Snapshot) -> &str;

    async fn create(m: &Self::Module, input: Vec<Self::Create>) -> Result<Vec<Self::Row>>;
    /// Delete for good (undoes `create`).
    async fn remove(m: &Self::Module, ids: &[String]) -> Result<()>;
    /// The live entities among `ids`, as they are now (batched).
    async fn snapshot(m: &Self::Module, ids: &[String]) -> Result<Vec<Self::Snapshot>>;
    async fn update(m: &Self::Module, id: &str, input: Self::Update) -> Result<Self::Row>;
    /// Write snapshots back (undoes `update`).
    async fn revert(m: &Self::Module, snapshots: Vec<Self::Snapshot>) -> Result<()>;
    /// The ids of the live entities among `ids` (batched).
    async fn live(m: &Self::Module, ids: &[String]) -> Result<Vec<String>> {
        Ok(Self::snapshot(m, ids)
            .await?
            .iter()
            .map(|s| Self::snapshot_id(s).to_string())
            .collect())
    }
    async fn soft_delete(m: &Self::Module, ids: &[String]) -> Result<()>;
    /// Undoes `soft_delete`.
    async fn restore(m: &Self::Module, ids: &[String]) -> Result<()>;

    /// Extra workflow events after a create (variants of new products).
    async fn created_events(_m: &Self::Module, _rows: &[Self::Row]) -> Result<Vec<Event>> {
        Ok(Vec::new())
    }
}

/// Hold `<prefix>.<action>` `{id}` events until the workflow succeeds.
pub(crate) fn emit<'a>(
    ctx: &StepContext,
    prefix: &str,
    action: &str,
    ids: impl IntoIterator<Item = &'a str>,
) {
    for event in Event::for_ids(&format!("{prefix}.{action}"), ids) {
        ctx.emit(event);
    }
}

pub(crate) use stheno_module_sdk::list::dedup;

/// Log a failed undo inside a failing step (the step's own error is the one
/// reported).
pub(crate) fn log_undo_failure(step: &str, err: &Error) {
    tracing::error!(step, error = %err, "undoing a partly applied step failed");
}

macro_rules! generic_step {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        pub struct $name<E>(PhantomData<fn() -> E>);

        impl<E> $name<E> {
            pub fn new() -> Self {
                Self(PhantomData)
            }
        }

        impl<E> Default for $name<E> {
            fn default() -> Self {
                Self::new()
            }
        }

        impl<E> std::fmt::Debug for $name<E> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($name))
            }
        }
    };
}

generic_step!(
    /// Create entities; ⇐ delete them for good. Emits `<entity>.created`.
    CreateStep
);
generic_step!(
    /// Update entities one by one after snapshotting them; ⇐ write the
    /// snapshots back. If one update fails, the ones already applied are
    /// reverted before the step fails. Emits `<entity>.updated`.
    UpdateStep
);
generic_step!(
    /// Soft-delete the live entities among the ids; ⇐ restore exactly
    /// those. Output: the ids deleted. Emits `<entity>.deleted`.
    DeleteStep
);

#[async_trait]
impl<E: Entity> Step for CreateStep<E> {
    type Input = Vec<E::Create>;
    type Output = Vec<E::Row>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        E::CREATE_STEP
    }

    async fn invoke(
        &self,
        input: Vec<E::Create>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<E::Row>, Vec<String>>, StepError> {
        let m = ctx.module::<E::Module>()?;
        let rows = E::create(&m, input).await?;
        let ids: Vec<String> = rows.iter().map(|r| E::row_id(r).to_string()).collect();
        emit(ctx, E::EVENT, "created", ids.iter().map(String::as_str));
        for event in E::created_events(&m, &rows).await? {
            ctx.emit(event);
        }
        Ok(StepResponse::with_compensation(rows, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            E::remove(&*ctx.module::<E::Module>()?, &ids).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl<E: Entity> Step for UpdateStep<E> {
    type Input = Vec<Update<E::Update>>;
    type Output = Vec<E::Row>;
    type CompensateInput = Vec<E::Snapshot>;

    fn name(&self) -> &str {
        E::UPDATE_STEP
    }

    async fn invoke(
        &self,
        input: Vec<Update<E::Update>>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<E::Row>, Vec<E::Snapshot>>, StepError> {
        let m = ctx.module::<E::Module>()?;
        let ids = dedup(input.iter().map(|u| u.id.clone()));
        let previous = if ids.is_empty() {
            Vec::new()
        } else {
            E::snapshot(&m, &ids).await?
        };
        let mut rows = Vec::with_capacity(input.len());
        for Update { id, update } in input {
            match E::update(&m, &id, update).await {
                Ok(row) => rows.push(row),
                Err(err) => {
                    let done = touched::<E>(&previous, &rows);
                    if let Err(undo) = E::revert(&m, done).await {
                        log_undo_failure(E::UPDATE_STEP, &undo);
                    }
                    return Err(err.into());
                }
            }
        }
        emit(ctx, E::EVENT, "updated", rows.iter().map(|r| E::row_id(r)));
        let done = touched::<E>(&previous, &rows);
        Ok(StepResponse::with_compensation(rows, done))
    }

    async fn compensate(
        &self,
        snapshots: Vec<E::Snapshot>,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        if !snapshots.is_empty() {
            E::revert(&*ctx.module::<E::Module>()?, snapshots).await?;
        }
        Ok(())
    }
}

/// The snapshots of the rows that were updated.
fn touched<E: Entity>(previous: &[E::Snapshot], rows: &[E::Row]) -> Vec<E::Snapshot> {
    previous
        .iter()
        .filter(|s| rows.iter().any(|r| E::row_id(r) == E::snapshot_id(s)))
        .cloned()
        .collect()
}

#[async_trait]
impl<E: Entity> Step for DeleteStep<E> {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        E::DELETE_STEP
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>>, StepError> {
        let m = ctx.module::<E::Module>()?;
        let ids = dedup(ids);
        let live: Vec<String> = if ids.is_empty() {
            Vec::new()
        } else {
            E::live(&m, &ids).await?
        };
        if !live.is_empty() {
            E::soft_delete(&m, &live).await?;
        }
        emit(ctx, E::EVENT, "deleted", live.iter().map(String::as_str));
        Ok(StepResponse::new(live))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            E::restore(&*ctx.module::<E::Module>()?, &ids).await?;
        }
        Ok(())
    }
}
