//! Link batches: products in a collection or a category, options on a
//! product.

use serde::{Deserialize, Serialize};
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_product::{OptionLinks, ProductModule, ProductOptionFilter};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::domain::{dedup, emit};

/// `{add, remove}` of a link batch route, for the entity `id`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LinkBatch {
    pub id: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

impl LinkBatch {
    pub fn new(id: impl Into<String>, add: Vec<String>, remove: Vec<String>) -> Self {
        Self {
            id: id.into(),
            add,
            remove,
        }
    }

    fn all(&self) -> Vec<String> {
        dedup(self.add.iter().chain(&self.remove).cloned())
    }
}

// ---- collections -----------------------------------------------------------

/// `batch-link-products-to-collection`: set the collection of the added
/// products, clear it on the removed ones; ⇐ every product touched gets
/// back the collection it had.
#[derive(Debug, Default)]
pub struct BatchLinkProductsToCollectionStep;

/// Products and the collection each had before a collection batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionLinksBefore {
    pub collection_id: String,
    pub products: Vec<(String, Option<String>)>,
}

#[async_trait]
impl Step for BatchLinkProductsToCollectionStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    type CompensateInput = CollectionLinksBefore;

    fn name(&self) -> &str {
        "batch-link-products-to-collection"
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch, CollectionLinksBefore>, StepError> {
        let m = ctx.module::<ProductModule>()?;
        let ids = batch.all();
        let products = if ids.is_empty() {
            Vec::new()
        } else {
            m.products()
                .list_by_ids(&ids)
                .await?
                .into_iter()
                .map(|p| (p.id, p.collection_id))
                .collect()
        };
        m.update_collection_products(&batch.id, &batch.add, &batch.remove)
            .await?;
        let before = CollectionLinksBefore {
            collection_id: batch.id.clone(),
            products,
        };
        Ok(StepResponse::with_compensation(batch, before))
    }

    async fn compensate(
        &self,
        before: CollectionLinksBefore,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let m = ctx.module::<ProductModule>()?;
        // Grouped by the collection to put products back into; `None`:
        // take them out of this collection.
        let mut back: Vec<(Option<String>, Vec<String>)> = Vec::new();
        for (product, collection) in before.products {
            match back.iter_mut().find(|(c, _)| *c == collection) {
                Some((_, list)) => list.push(product),
                None => back.push((collection, vec![product])),
            }
        }
        for (collection, products) in back {
            match collection {
                Some(c) => m.update_collection_products(&c, &products, &[]).await?,
                None => {
                    m.update_collection_products(&before.collection_id, &[], &products)
                        .await?
                }
            }
        }
        Ok(())
    }
}

/// `batch-link-products-to-collection` (`POST /admin/collections/:id/products`).
pub fn batch_link_products_to_collection() -> Workflow<LinkBatch, LinkBatch> {
    Workflow::new("batch-link-products-to-collection").then(BatchLinkProductsToCollectionStep)
}

// ---- categories --------------------------------------------------------------

/// `batch-link-products-to-category`: add products to a category and remove
/// others; ⇐ the links that changed are changed back.
#[derive(Debug, Default)]
pub struct BatchLinkProductsToCategoryStep;

#[async_trait]
impl Step for BatchLinkProductsToCategoryStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    /// The batch that undoes this one.
    type CompensateInput = LinkBatch;

    fn name(&self) -> &str {
        "batch-link-products-to-category"
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch>, StepError> {
        let m = ctx.module::<ProductModule>()?;
        let ids = batch.all();
        let linked = if ids.is_empty() {
            Vec::new()
        } else {
            m.products_in_category(&batch.id, &ids).await?
        };
        m.update_category_products(&batch.id, &batch.add, &batch.remove)
            .await?;
        let undo = LinkBatch {
            id: batch.id.clone(),
            add: batch
                .remove
                .iter()
                .filter(|p| linked.contains(p))
                .cloned()
                .collect(),
            remove: batch
                .add
                .iter()
                .filter(|p| !linked.contains(p))
                .cloned()
                .collect(),
        };
        Ok(StepResponse::with_compensation(batch, undo))
    }

    async fn compensate(&self, undo: LinkBatch, ctx: &StepContext) -> Result<(), StepError> {
        if !undo.add.is_empty() || !undo.remove.is_empty() {
            ctx.module::<ProductModule>()?
                .update_category_products(&undo.id, &undo.add, &undo.remove)
                .await?;
        }
        Ok(())
    }
}

/// `batch-link-products-to-category` (`POST /admin/product-categories/:id/products`).
pub fn batch_link_products_to_category() -> Workflow<LinkBatch, LinkBatch> {
    Workflow::new("batch-link-products-to-category").then(BatchLinkProductsToCategoryStep)
}

// ---- options on a product ----------------------------------------------------

/// Options linked by [`AddProductOptionsToProductStep`], and which of them
/// are exclusive (unlinking an exclusive option soft-deletes it; undoing
/// restores it).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AddedOptions {
    pub product_id: String,
    pub options: Vec<String>,
    pub exclusive: Vec<String>,
}

/// The live exclusive options among `ids`.
async fn exclusive_among(
    m: &ProductModule,
    ids: &[String],
) -> stheno_module_sdk::Result<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = ProductOptionFilter {
        id: Some(FieldFilter::any(ids.iter().cloned())),
        is_exclusive: Some(FieldFilter::Eq(true)),
        ..Default::default()
    };
    let options = m
        .product_options()
        .list(&filter, &ListConfig::default())
        .await?;
    Ok(options.into_iter().map(|o| o.id).collect())
}

/// `add-product-options-to-product`: link the `add` options of a
/// [`LinkBatch`] (`id` is the product); ⇐ unlink them (an exclusive option
/// that was unlinked before comes back as it was).
#[derive(Debug, Default)]
pub struct AddProductOptionsToProductStep;

#[async_trait]
impl Step for AddProductOptionsToProductStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    type CompensateInput = AddedOptions;

    fn name(&self) -> &str {
        "add-product-options-to-product"
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch, AddedOptions>, StepError> {
        if batch.add.is_empty() {
            return Ok(StepResponse::with_compensation(
                batch,
                AddedOptions::default(),
            ));
        }
        let m = ctx.module::<ProductModule>()?;
        let add = dedup(batch.add.iter().cloned());
        let exclusive = exclusive_among(&m, &add).await?;
        m.link_product_options(&batch.id, &add, &[]).await?;
        let undo = AddedOptions {
            product_id: batch.id.clone(),
            options: add,
            exclusive,
        };
        Ok(StepResponse::with_compensation(batch, undo))
    }

    async fn compensate(&self, undo: AddedOptions, ctx: &StepContext) -> Result<(), StepError> {
        if undo.options.is_empty() {
            return Ok(());
        }
        let m = ctx.module::<ProductModule>()?;
        m.link_product_options(&undo.product_id, &[], &undo.options)
            .await?;
        if !undo.exclusive.is_empty() {
            m.product_options().restore(&undo.exclusive).await?;
        }
        Ok(())
    }
}

/// `remove-product-options-from-product`: unlink the `remove` options of a
/// [`LinkBatch`] (`id` is the product); ⇐ the links come back as they were
/// (ids, order, value subsets), with the exclusive options the unlink
/// soft-deleted. Emits `product.updated`.
#[derive(Debug, Default)]
pub struct RemoveProductOptionsFromProductStep;

#[async_trait]
impl Step for RemoveProductOptionsFromProductStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    type CompensateInput = OptionLinks;

    fn name(&self) -> &str {
        "remove-product-options-from-product"
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch, OptionLinks>, StepError> {
        let mut before = OptionLinks::default();
        if !batch.remove.is_empty() {
            let m = ctx.module::<ProductModule>()?;
            let remove = dedup(batch.remove.iter().cloned());
            before = m.option_links(&batch.id, &remove).await?;
            m.link_product_options(&batch.id, &[], &remove).await?;
        }
        emit(ctx, "product", "updated", [batch.id.as_str()]);
        Ok(StepResponse::with_compensation(batch, before))
    }

    async fn compensate(&self, before: OptionLinks, ctx: &StepContext) -> Result<(), StepError> {
        if !before.links.is_empty() {
            ctx.module::<ProductModule>()?
                .restore_option_links(before)
                .await?;
        }
        Ok(())
    }
}

/// `create-and-link-product-options-to-product`
/// (`POST /admin/products/:id/options/batch`; `id` is the product). Medusa
/// also accepts new options to create in `add`; the route takes ids only.
pub fn create_and_link_product_options_to_product() -> Workflow<LinkBatch, LinkBatch> {
    Workflow::new("create-and-link-product-options-to-product")
        .then(AddProductOptionsToProductStep)
        .then(RemoveProductOptionsFromProductStep)
}
