//! Variants of a product: create, update, delete and their batch.

use serde::{Deserialize, Serialize};
use stheno_module_sdk::Result;
use stheno_product::models::ProductVariant;
use stheno_product::{CreateVariantInput, ProductModule, UpdateVariantInput, VariantSnapshot};
use stheno_workflow_sdk::{Hook, Workflow, async_trait};

use super::products::{BatchInput, BatchOutput, batch};
use super::{CreateStep, DeleteStep, Entity, Update, UpdateStep};

/// A variant to create and the product it belongs to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewVariant {
    pub product_id: String,
    pub variant: CreateVariantInput,
}

impl NewVariant {
    pub fn new(product_id: impl Into<String>, variant: CreateVariantInput) -> Self {
        Self {
            product_id: product_id.into(),
            variant,
        }
    }
}

/// Product variants (`product-variant.*` events).
#[derive(Debug)]
pub struct Variants;

#[async_trait]
impl Entity for Variants {
    type Module = ProductModule;
    type Row = ProductVariant;
    type Create = NewVariant;
    type Update = UpdateVariantInput;
    type Snapshot = VariantSnapshot;
    const EVENT: &'static str = "product-variant";
    const CREATE_STEP: &'static str = "create-product-variants";
    const UPDATE_STEP: &'static str = "update-product-variants";
    const DELETE_STEP: &'static str = "delete-product-variants";

    fn row_id(row: &ProductVariant) -> &str {
        &row.id
    }
    fn snapshot_id(s: &VariantSnapshot) -> &str {
        &s.variant.id
    }
    /// One module call per product (each checks the product's option
    /// combinations in its own transaction); if a later product fails,
    /// the variants already created are deleted before the error returns.
    async fn create(m: &ProductModule, input: Vec<NewVariant>) -> Result<Vec<ProductVariant>> {
        let mut by_product: Vec<(String, Vec<CreateVariantInput>)> = Vec::new();
        for NewVariant {
            product_id,
            variant,
        } in input
        {
            match by_product.iter_mut().find(|(p, _)| *p == product_id) {
                Some((_, list)) => list.push(variant),
                None => by_product.push((product_id, vec![variant])),
            }
        }
        let mut created: Vec<ProductVariant> = Vec::new();
        for (product_id, variants) in by_product {
            match m.create_variants(&product_id, variants).await {
                Ok(rows) => created.extend(rows),
                Err(err) => {
                    let ids: Vec<String> = created.iter().map(|v| v.id.clone()).collect();
                    if !ids.is_empty()
                        && let Err(undo) = m.product_variants().delete(&ids).await
                    {
                        crate::domain::log_undo_failure(Self::CREATE_STEP, &undo);
                    }
                    return Err(err);
                }
            }
        }
        Ok(created)
    }
    async fn remove(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.product_variants().delete(ids).await.map(drop)
    }
    async fn snapshot(m: &ProductModule, ids: &[String]) -> Result<Vec<VariantSnapshot>> {
        let mut snapshots = m.variant_snapshots(ids).await?;
        snapshots.retain(|s| s.variant.deleted_at.is_none());
        Ok(snapshots)
    }
    async fn live(m: &ProductModule, ids: &[String]) -> Result<Vec<String>> {
        let rows = m.product_variants().list_by_ids(ids).await?;
        Ok(rows.into_iter().map(|v| v.id).collect())
    }
    async fn update(
        m: &ProductModule,
        id: &str,
        input: UpdateVariantInput,
    ) -> Result<ProductVariant> {
        m.update_variant(id, input).await
    }
    async fn revert(m: &ProductModule, snapshots: Vec<VariantSnapshot>) -> Result<()> {
        m.restore_variant_snapshots(snapshots).await
    }
    async fn soft_delete(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.product_variants().soft_delete(ids).await.map(drop)
    }
    async fn restore(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.product_variants().restore(ids).await.map(drop)
    }
}

/// `create-product-variants`; ⇐ deleted for good.
pub type CreateProductVariantsStep = CreateStep<Variants>;
/// `update-product-variants`; ⇐ columns and option values written back.
pub type UpdateProductVariantsStep = UpdateStep<Variants>;
/// `delete-product-variants` (soft); ⇐ restored.
pub type DeleteProductVariantsStep = DeleteStep<Variants>;

/// Hook `productVariantsCreated` of `create-product-variants`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_VARIANTS_CREATED: Hook<Vec<ProductVariant>> =
    Hook::new("create-product-variants", "productVariantsCreated");

/// `create-product-variants` (`POST /admin/products/:id/variants`): the
/// variants, then the price sets of those with `prices`.
pub fn create_product_variants() -> Workflow<Vec<NewVariant>, Vec<ProductVariant>> {
    Workflow::new("create-product-variants")
        .then_with(
            |inputs: &Vec<NewVariant>| inputs.clone(),
            CreateProductVariantsStep::new(),
            |inputs, variants| (inputs, variants),
        )
        .then_with(
            |(inputs, variants): &(Vec<NewVariant>, Vec<ProductVariant>)| {
                inputs
                    .iter()
                    .zip(variants)
                    .filter_map(|(i, v)| {
                        Some(super::VariantPrices {
                            variant_id: v.id.clone(),
                            prices: i.variant.prices.clone()?,
                        })
                    })
                    .collect()
            },
            super::SetVariantPricesStep,
            |(_, variants), ()| variants,
        )
        .hook(PRODUCT_VARIANTS_CREATED)
}

/// Hook `productVariantsUpdated` of `update-product-variants`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_VARIANTS_UPDATED: Hook<Vec<ProductVariant>> =
    Hook::new("update-product-variants", "productVariantsUpdated");

/// `update-product-variants` (`POST /admin/products/:id/variants/:variant_id`).
pub fn update_product_variants() -> Workflow<Vec<Update<UpdateVariantInput>>, Vec<ProductVariant>> {
    Workflow::new("update-product-variants")
        .then_with(
            |inputs: &Vec<Update<UpdateVariantInput>>| inputs.clone(),
            UpdateProductVariantsStep::new(),
            |inputs, variants| (inputs, variants),
        )
        .then_with(
            |(inputs, _): &(Vec<Update<UpdateVariantInput>>, Vec<ProductVariant>)| {
                inputs
                    .iter()
                    .filter_map(|u| {
                        Some(super::VariantPrices {
                            variant_id: u.id.clone(),
                            prices: u.update.prices.clone()?,
                        })
                    })
                    .collect()
            },
            super::SetVariantPricesStep,
            |(_, variants), ()| variants,
        )
        .hook(PRODUCT_VARIANTS_UPDATED)
}

/// Hook `productVariantsDeleted` of `delete-product-variants`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_VARIANTS_DELETED: Hook<Vec<String>> =
    Hook::new("delete-product-variants", "productVariantsDeleted");

/// `delete-product-variants` (`DELETE /admin/products/:id/variants/:variant_id`).
pub fn delete_product_variants() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::new("delete-product-variants")
        .then(DeleteProductVariantsStep::new())
        .hook(PRODUCT_VARIANTS_DELETED)
}

/// `batch-product-variants` (`POST /admin/products/:id/variants/batch`).
pub fn batch_product_variants()
-> Workflow<BatchInput<NewVariant, UpdateVariantInput>, BatchOutput<ProductVariant>> {
    batch::<Variants>("batch-product-variants")
}
