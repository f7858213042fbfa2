//! The brand's workflow, as an application writes one: the generic create
//! step with its compensation, an event held until the run succeeds, and a
//! hook through which other code (another crate, a test) extends it. And the
//! other way round: a handler on the core `create-products` workflow's
//! `productsCreated` hook that links new products to a brand.

use std::sync::LazyLock;

use stheno::core_flows::entity::CreateEntities;
use stheno::core_flows::product::{PRODUCTS_CREATED, ProductsCreated};
use stheno::prelude::*;

use crate::{Brand, BrandModule, CreateBrand};

/// Runs after the brand is created, inside the workflow: a failing handler
/// undoes the creation.
pub const BRAND_CREATED: Hook<Brand> = Hook::new("create-brand", "brandCreated");

/// `create-brand`: create the brand (⇐ delete it; raises `brand.created`),
/// then the `brandCreated` hook.
pub fn create_brand() -> Workflow<CreateBrand, Brand> {
    Workflow::<CreateBrand>::new("create-brand")
        .map(|input| vec![input])
        .then(CreateEntities::<BrandModule, Brand>::new("create-brand").emitting("brand"))
        .map(|mut brands: Vec<Brand>| brands.remove(0))
        .hook(BRAND_CREATED)
}
stheno::register_workflow!(create_brand);

/// Built once; routes run it through `container.workflows()`.
pub static CREATE_BRAND: LazyLock<Workflow<CreateBrand, Brand>> = LazyLock::new(create_brand);

/// `POST /admin/products` with `additional_data: {"brand_id": "brand_…"}`
/// links the new products to that brand. An unknown brand fails the hook,
/// and the core workflow deletes the products it created; if a later step
/// fails, the compensation dismisses the links.
pub struct LinkProductsToBrand;

#[async_trait]
impl Step for LinkProductsToBrand {
    type Input = ProductsCreated;
    type Output = Option<(String, Vec<String>)>;
    type CompensateInput = Option<(String, Vec<String>)>;

    fn name(&self) -> &str {
        "link-products-to-brand"
    }

    async fn invoke(
        &self,
        created: ProductsCreated,
        ctx: &StepContext,
    ) -> std::result::Result<StepResponse<Self::Output>, StepError> {
        let data = created.additional_data.as_ref();
        let Some(brand_id) = data.and_then(|d| d["brand_id"].as_str()) else {
            return Ok(StepResponse::new(None));
        };
        let brand = ctx
            .module::<BrandModule>()?
            .brands()
            .retrieve(brand_id)
            .await;
        let brand = brand.map_err(StepError::permanent)?;
        let products: Vec<String> = created.products.iter().map(|p| p.id.clone()).collect();
        for product in &products {
            let brand = std::slice::from_ref(&brand.id);
            ctx.service::<Links>()?
                .create("product", product, "brand", brand)
                .await?;
        }
        Ok(StepResponse::new(Some((brand.id, products))))
    }

    async fn compensate(
        &self,
        linked: Self::CompensateInput,
        ctx: &StepContext,
    ) -> std::result::Result<(), StepError> {
        if let Some((brand, products)) = linked {
            ctx.service::<Links>()?
                .dismiss("brand", &brand, "product", &products)
                .await?;
        }
        Ok(())
    }
}
stheno::register_hook!(PRODUCTS_CREATED, LinkProductsToBrand);
