//! The product module's admin mutations as workflows.
//!
//! | workflow | steps (⇐ compensation) | event |
//! |---|---|---|
//! | [`create_products`] | `create-products` ⇐ delete | `product.created`, `product-variant.created` |
//! | [`update_products`] | `update-products` ⇐ restore the product snapshot | `product.updated` |
//! | [`delete_products`] | `delete-products` (soft) ⇐ restore | `product.deleted` |
//! | [`batch_products`] | `create-products`, `update-products`, `delete-products` | as above |
//! | [`create_product_variants`] | `create-product-variants` ⇐ delete | `product-variant.created` |
//! | [`update_product_variants`] | `update-product-variants` ⇐ restore the variant snapshot | `product-variant.updated` |
//! | [`delete_product_variants`] | `delete-product-variants` (soft) ⇐ restore | `product-variant.deleted` |
//! | [`batch_product_variants`] | the three variant steps | as above |
//! | [`create_product_options`], [`update_product_options`], [`delete_product_options`] | `create-`/`update-`/`delete-product-options` | `product-option.*` |
//! | [`create_and_link_product_options_to_product`] | `add-product-options-to-product` ⇐ unlink, `remove-product-options-from-product` ⇐ relink | `product.updated` |
//! | [`create_collections`], [`update_collections`], [`delete_collections`] | `create-`/`update-`/`delete-collections` | `product-collection.*` |
//! | [`batch_link_products_to_collection`] | `batch-link-products-to-collection` ⇐ previous collections | — |
//! | [`create_product_categories`], [`update_product_categories`], [`delete_product_categories`] | `create-`/`update-`/`delete-product-categories` | `product-category.*` |
//! | [`batch_link_products_to_category`] | `batch-link-products-to-category` ⇐ previous links | — |
//! | [`create_product_tags`], [`update_product_tags`], [`delete_product_tags`] | `create-`/`update-`/`delete-product-tags` | `product-tag.*` |
//! | [`create_product_types`], [`update_product_types`], [`delete_product_types`] | `create-`/`update-`/`delete-product-types` | `product-type.*` |
//!
//! Creates, updates and deletes of every entity share three generic steps,
//! [`CreateStep`], [`UpdateStep`] and [`DeleteStep`], over an [`Entity`]
//! that says how the module creates, snapshots, reverts, deletes and
//! restores it.

mod catalog;
mod links;
mod products;
mod variants;

use std::marker::PhantomData;

use serde::{Deserialize, Serialize};
use stheno_module_sdk::events::Event;
use stheno_module_sdk::{Error, Result};
use stheno_product::ProductModule;
use stheno_workflow_sdk::{Data, Step, StepContext, StepError, StepResponse, async_trait};

pub use catalog::*;
pub use links::*;
pub use products::*;
pub use variants::*;

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

/// An entity of the product module, as the generic steps see it.
#[async_trait]
pub trait Entity: Send + Sync + 'static {
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

    async fn create(m: &ProductModule, input: Vec<Self::Create>) -> Result<Vec<Self::Row>>;
    /// Delete for good (undoes `create`).
    async fn remove(m: &ProductModule, ids: &[String]) -> Result<()>;
    /// The live entities among `ids`, as they are now (batched).
    async fn snapshot(m: &ProductModule, ids: &[String]) -> Result<Vec<Self::Snapshot>>;
    async fn update(m: &ProductModule, id: &str, input: Self::Update) -> Result<Self::Row>;
    /// Write snapshots back (undoes `update`).
    async fn revert(m: &ProductModule, snapshots: Vec<Self::Snapshot>) -> Result<()>;
    /// The ids of the live entities among `ids` (batched).
    async fn live(m: &ProductModule, ids: &[String]) -> Result<Vec<String>> {
        Ok(Self::snapshot(m, ids)
            .await?
            .iter()
            .map(|s| Self::snapshot_id(s).to_string())
            .collect())
    }
    async fn soft_delete(m: &ProductModule, ids: &[String]) -> Result<()>;
    /// Undoes `soft_delete`.
    async fn restore(m: &ProductModule, ids: &[String]) -> Result<()>;

    /// Extra workflow events after a create (variants of new products).
    async fn created_events(_m: &ProductModule, _rows: &[Self::Row]) -> Result<Vec<Event>> {
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

/// Remove duplicates, keeping the first occurrence.
pub(crate) fn dedup(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

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
        let m = ctx.module::<ProductModule>()?;
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
            E::remove(&*ctx.module::<ProductModule>()?, &ids).await?;
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
        let m = ctx.module::<ProductModule>()?;
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
            E::revert(&*ctx.module::<ProductModule>()?, snapshots).await?;
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
        let m = ctx.module::<ProductModule>()?;
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
            E::restore(&*ctx.module::<ProductModule>()?, &ids).await?;
        }
        Ok(())
    }
}
