//! The brand's workflow, as an application writes one: a step with its
//! compensation, an event held until the run succeeds, and a hook through
//! which other code (another crate, a test) extends it.

use std::sync::LazyLock;

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
