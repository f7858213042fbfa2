//! The brand's workflow, as an application writes one: a step with its
//! compensation, an event held until the run succeeds, and a hook through
//! which other code (another crate, a test) extends it. And the other way
//! round: a handler on the core `create-products` workflow's
//! `productsCreated` hook that gives new products a brand.

use std::sync::LazyLock;

use stheno::core_flows::product::{PRODUCTS_CREATED, ProductsCreated};
use stheno::prelude::*;
use stheno::sdk::events::Event;

use crate::{Brand, BrandModule, CreateBrand};

/// Runs after the brand is created, inside the workflow: a failing handler
/// undoes the creation.
pub const BRAND_CREATED: Hook<Brand> = Hook::new("create-brand", "brandCreated");

/// Creates the brand; compensation deletes it again.
pub struct CreateBrandStep;

#[async_trait]
impl Step for CreateBrandStep {
    type Input = CreateBrand;
    type Output = Brand;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "create-brand"
    }

    async fn invoke(
        &self,
        input: CreateBrand,
        ctx: &StepContext,
    ) -> std::result::Result<StepResponse<Brand, String>, StepError> {
        let brand = ctx.module::<BrandModule>()?.create(input).await?;
        ctx.emit(Event::new(
            "brand.created",
            serde_json::json!({ "id": brand.id }),
        ));
        Ok(StepResponse::with_compensation(brand.clone(), brand.id))
    }

    async fn compensate(
        &self,
        id: String,
        ctx: &StepContext,
    ) -> std::result::Result<(), StepError> {
        ctx.module::<BrandModule>()?.delete(&id).await?;
        Ok(())
    }
}

/// `create-brand`: create the brand, then the `brandCreated` hook.
pub fn create_brand() -> Workflow<CreateBrand, Brand> {
    Workflow::<CreateBrand>::new("create-brand")
        .then(CreateBrandStep)
        .hook(BRAND_CREATED)
}
stheno::register_workflow!(create_brand);

/// Built once; routes run it through `container.workflows()`.
pub static CREATE_BRAND: LazyLock<Workflow<CreateBrand, Brand>> = LazyLock::new(create_brand);

/// `POST /admin/products` with `additional_data: {"brand_id": "brand_…"}`
/// gives the new products that brand. An unknown brand fails the hook, and
/// the core workflow deletes the products it created; if a later step of
/// the workflow fails, the compensation removes the link.
pub struct LinkProductsToBrand;

#[async_trait]
impl Step for LinkProductsToBrand {
    type Input = ProductsCreated;
    type Output = Vec<String>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "link-products-to-brand"
    }

    async fn invoke(
        &self,
        created: ProductsCreated,
        ctx: &StepContext,
    ) -> std::result::Result<StepResponse<Vec<String>>, StepError> {
        let brand_id = created
            .additional_data
            .as_ref()
            .and_then(|d| d.get("brand_id"))
            .and_then(|b| b.as_str());
        let Some(brand_id) = brand_id else {
            return Ok(StepResponse::new(Vec::new()));
        };
        let ids: Vec<String> = created.products.iter().map(|p| p.id.clone()).collect();
        ctx.module::<BrandModule>()?
            .link_products(brand_id, &ids)
            .await
            .map_err(StepError::permanent)?;
        Ok(StepResponse::new(ids))
    }

    async fn compensate(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> std::result::Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<BrandModule>()?.unlink_products(&ids).await?;
        }
        Ok(())
    }
}
stheno::register_hook!(PRODUCTS_CREATED, LinkProductsToBrand);
