//! A custom module as a Stheno application writes it: the `brand` entity,
//! its module (the service is generated), a link to the product module,
//! a workflow with a hook (`workflows`) and routes from the route kit
//! (`routes`). Linking this crate is enough for the framework to find the
//! module, the link, the routes and the workflow.

pub mod routes;
pub mod workflows;

use stheno::product::models::Product;
use stheno::sdk::prelude::*;

/// A brand. `#[entity]` adds the timestamps and writes `CreateBrand`,
/// `UpdateBrand`, `BrandFilter`, the Query source and the events
/// (`brand.brand.created`, …).
#[entity(module = "brand", prefix = "brand", searchable(name), soft_delete)]
pub struct Brand {
    pub id: String,
    #[entity(unique)]
    pub name: String,
    pub metadata: Option<serde_json::Value>,
}

/// The brand module: `BrandModule::brands()` is the generated service
/// (list, list_and_count, retrieve, create, update, soft_delete, restore,
/// delete).
#[module(key = "brand", entities(Brand), migrations = "migrations/brand")]
pub struct BrandModule;

// Many products, one brand each: `product.brand` and `brand.products`, in
// the framework-owned table `product_product_brand_brand`.
stheno::define_link!(Product => many, Brand => one);
