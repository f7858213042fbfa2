//! Products: create (with nested options, variants and images), update,
//! delete and the batch of the three.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::Result;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::Event;
use stheno_product::models::Product;
use stheno_product::{
    CreateProductInput, ProductModule, ProductSnapshot, ProductVariantFilter, UpdateProductInput,
};
use stheno_workflow_sdk::{
    Hook, Step, StepContext, StepError, StepResponse, Workflow, async_trait,
};

use super::{CreateStep, DeleteStep, Entity, Update, UpdateStep};

/// Products (`product.*` events). Creating products also raises
/// `product-variant.created` for the variants created with them.
#[derive(Debug)]
pub struct Products;

#[async_trait]
impl Entity for Products {
    type Module = ProductModule;
    type Row = Product;
    type Create = CreateProductInput;
    type Update = UpdateProductInput;
    type Snapshot = ProductSnapshot;
    const EVENT: &'static str = "product";
    const CREATE_STEP: &'static str = "create-products";
    const UPDATE_STEP: &'static str = "update-products";
    const DELETE_STEP: &'static str = "delete-products";

    fn row_id(row: &Product) -> &str {
        &row.id
    }
    fn snapshot_id(s: &ProductSnapshot) -> &str {
        &s.product.id
    }
    async fn create(m: &ProductModule, input: Vec<CreateProductInput>) -> Result<Vec<Product>> {
        m.create_products(input).await
    }
    async fn remove(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.delete_products(ids).await
    }
    async fn snapshot(m: &ProductModule, ids: &[String]) -> Result<Vec<ProductSnapshot>> {
        let mut snapshots = m.product_snapshots(ids).await?;
        snapshots.retain(|s| s.product.deleted_at.is_none());
        Ok(snapshots)
    }
    async fn live(m: &ProductModule, ids: &[String]) -> Result<Vec<String>> {
        let rows = m.products().list_by_ids(ids).await?;
        Ok(rows.into_iter().map(|p| p.id).collect())
    }
    async fn update(m: &ProductModule, id: &str, input: UpdateProductInput) -> Result<Product> {
        m.update_product(id, input).await
    }
    async fn revert(m: &ProductModule, snapshots: Vec<ProductSnapshot>) -> Result<()> {
        m.restore_product_snapshots(snapshots).await
    }
    async fn soft_delete(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.products().soft_delete(ids).await.map(drop)
    }
    async fn restore(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.products().restore(ids).await.map(drop)
    }
    async fn created_events(m: &ProductModule, rows: &[Product]) -> Result<Vec<Event>> {
        let ids: Vec<String> = rows.iter().map(|p| p.id.clone()).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = ProductVariantFilter {
            product_id: Some(FieldFilter::In(ids)),
            ..Default::default()
        };
        let variants = m
            .product_variants()
            .list(&filter, &ListConfig::default())
            .await?;
        Ok(Event::for_ids(
            "product-variant.created",
            variants.iter().map(|v| v.id.as_str()),
        ))
    }
}

/// `create-products`: products with their options, variants (Medusa's
/// nested `create-product-variants` happens in the same module call) and
/// images; ⇐ deleted for good.
pub type CreateProductsStep = CreateStep<Products>;
/// `update-products`; ⇐ the products, their links, images and variants are
/// put back as they were.
pub type UpdateProductsStep = UpdateStep<Products>;
/// `delete-products` (soft, with variants and images); ⇐ restored.
pub type DeleteProductsStep = DeleteStep<Products>;

/// Input of the `productsCreated` hook: the products created and the
/// request's `additional_data`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductsCreated {
    pub products: Vec<Product>,
    pub additional_data: Option<Value>,
}

/// Runs after the products are created, inside `create-products`: a failing
/// handler deletes them again. Attach with `register_hook!`.
pub const PRODUCTS_CREATED: Hook<ProductsCreated> = Hook::new("create-products", "productsCreated");

/// Input of the `productsUpdated` hook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductsUpdated {
    pub products: Vec<Product>,
    pub additional_data: Option<Value>,
}

/// Runs after the products are updated, inside `update-products`.
pub const PRODUCTS_UPDATED: Hook<ProductsUpdated> = Hook::new("update-products", "productsUpdated");

/// Input of the `productsDeleted` hook.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProductsDeleted {
    pub ids: Vec<String>,
}

/// Runs after the products are (soft) deleted, inside `delete-products`.
pub const PRODUCTS_DELETED: Hook<ProductsDeleted> = Hook::new("delete-products", "productsDeleted");

/// The request's `additional_data` (the first one given).
fn additional_data<'a>(mut given: impl Iterator<Item = &'a Option<Value>>) -> Option<Value> {
    given.find_map(Clone::clone)
}

/// `create-products` (`POST /admin/products`), then the `productsCreated`
/// hook.
///
/// Not yet: `validate-product-input` (Medusa requires `options`; this
/// module adds a default option instead), sales channel and shipping
/// profile links (no such modules yet).
pub fn create_products() -> Workflow<Vec<CreateProductInput>, Vec<Product>> {
    Workflow::new("create-products")
        .then_with(
            |inputs: &Vec<CreateProductInput>| inputs.clone(),
            CreateProductsStep::new(),
            |inputs, products| (inputs, products),
        )
        .then_with(
            |created: &(Vec<CreateProductInput>, Vec<Product>)| created.clone(),
            super::LinkProductCommerceStep,
            |(inputs, _), products| ProductsCreated {
                products,
                additional_data: additional_data(inputs.iter().map(|i| &i.additional_data)),
            },
        )
        .hook(PRODUCTS_CREATED)
        .map(|created: ProductsCreated| created.products)
}

/// `update-products` (`POST /admin/products/:id`), then the
/// `productsUpdated` hook.
pub fn update_products() -> Workflow<Vec<Update<UpdateProductInput>>, Vec<Product>> {
    Workflow::new("update-products")
        .then_with(
            |inputs: &Vec<Update<UpdateProductInput>>| inputs.clone(),
            UpdateProductsStep::new(),
            |inputs, products| (inputs, products),
        )
        // `variants[].prices` of variants named by id.
        .then_with(
            |(inputs, _): &(Vec<Update<UpdateProductInput>>, Vec<Product>)| {
                inputs
                    .iter()
                    .flat_map(|i| i.update.variants.iter().flatten())
                    .filter_map(|v| {
                        Some(super::VariantPrices {
                            variant_id: v.id.clone()?,
                            prices: v.prices.clone()?,
                        })
                    })
                    .collect()
            },
            super::SetVariantPricesStep,
            |(inputs, products), ()| ProductsUpdated {
                products,
                additional_data: additional_data(inputs.iter().map(|i| &i.update.additional_data)),
            },
        )
        .hook(PRODUCTS_UPDATED)
        .map(|updated: ProductsUpdated| updated.products)
}

/// `delete-products` (`DELETE /admin/products/:id`): soft delete with the
/// variants and images, then the `productsDeleted` hook.
pub fn delete_products() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::new("delete-products")
        .then(DeleteProductsStep::new())
        .hook_with(PRODUCTS_DELETED, |ids: &Vec<String>| ProductsDeleted {
            ids: ids.clone(),
        })
}

/// `POST /admin/products/batch`: what to create, update and delete.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BatchInput<C, U> {
    pub create: Vec<C>,
    pub update: Vec<Update<U>>,
    pub delete: Vec<String>,
}

/// What a batch did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchOutput<R> {
    pub created: Vec<R>,
    pub updated: Vec<R>,
    pub deleted: Vec<String>,
}

/// A batch in progress: the input still to apply and what was done, so
/// the three steps can run in sequence and each compensate on its own.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BatchState<C, U, R> {
    pub input: BatchInput<C, U>,
    pub output: BatchOutput<R>,
}

impl<C, U, R> From<BatchInput<C, U>> for BatchState<C, U, R> {
    fn from(input: BatchInput<C, U>) -> Self {
        Self {
            input,
            output: BatchOutput {
                created: Vec::new(),
                updated: Vec::new(),
                deleted: Vec::new(),
            },
        }
    }
}

/// Runs the create, update or delete step of `E` on its part of a batch
/// (Medusa runs the three workflows as steps of `batch-products`); its
/// compensation is the inner step's.
#[derive(Debug)]
pub struct BatchPart<S>(pub S);

macro_rules! batch_part {
    ($step:ident, $take:ident, $put:ident) => {
        #[async_trait]
        impl<E: Entity> Step for BatchPart<$step<E>> {
            type Input = BatchState<E::Create, E::Update, E::Row>;
            type Output = BatchState<E::Create, E::Update, E::Row>;
            type CompensateInput = <$step<E> as Step>::CompensateInput;

            fn name(&self) -> &str {
                self.0.name()
            }

            async fn invoke(
                &self,
                mut state: Self::Input,
                ctx: &StepContext,
            ) -> Result<StepResponse<Self::Output, Self::CompensateInput>, StepError> {
                let input = std::mem::take(&mut state.input.$take);
                let response = self.0.invoke(input, ctx).await?;
                state.output.$put = response.output;
                Ok(StepResponse::with_compensation(
                    state,
                    response.compensate_input,
                ))
            }

            async fn compensate(
                &self,
                input: Self::CompensateInput,
                ctx: &StepContext,
            ) -> Result<(), StepError> {
                self.0.compensate(input, ctx).await
            }
        }
    };
}

batch_part!(CreateStep, create, created);
batch_part!(UpdateStep, update, updated);
batch_part!(DeleteStep, delete, deleted);

/// The batch workflow type of an entity.
pub type BatchWorkflow<E> = Workflow<
    BatchInput<<E as Entity>::Create, <E as Entity>::Update>,
    BatchOutput<<E as Entity>::Row>,
>;

/// A batch workflow over `E`: create, then update, then delete; any
/// failure undoes the parts already done.
pub(crate) fn batch<E: Entity>(name: &str) -> BatchWorkflow<E> {
    Workflow::<BatchInput<E::Create, E::Update>>::new(name)
        .map(BatchState::<E::Create, E::Update, E::Row>::from)
        .then(BatchPart(CreateStep::<E>::new()))
        .then(BatchPart(UpdateStep::<E>::new()))
        .then(BatchPart(DeleteStep::<E>::new()))
        .map(|state| state.output)
}

/// `batch-products` (`POST /admin/products/batch`).
pub fn batch_products()
-> Workflow<BatchInput<CreateProductInput, UpdateProductInput>, BatchOutput<Product>> {
    batch::<Products>("batch-products")
}
