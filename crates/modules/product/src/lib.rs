//! Stheno's **product module** (key `product`): the catalogue, wire
//! compatible with Medusa v2's product module (2.21.2 data model).
//!
//! # Entities
//!
//! | entity (Query name) | table | id prefix | model |
//! |---|---|---|---|
//! | `product` | `product` | `prod` | [`Product`](models::Product) |
//! | `product_variant` | `product_variant` | `variant` | [`ProductVariant`](models::ProductVariant) |
//! | `product_option` | `product_option` | `opt` | [`ProductOption`](models::ProductOption) |
//! | `product_option_value` | `product_option_value` | `optval` | [`ProductOptionValue`](models::ProductOptionValue) |
//! | (link) | `product_product_option` | `prodopt` | [`ProductProductOption`](models::ProductProductOption) |
//! | (value subset) | `product_product_option_value` | `prodoptval` | [`ProductProductOptionValue`](models::ProductProductOptionValue) |
//! | `image` | `image` | `img` | [`ProductImage`](models::ProductImage) |
//! | (variant image) | `product_variant_product_image` | `pvpi` | [`ProductVariantProductImage`](models::ProductVariantProductImage) |
//! | `product_type` | `product_type` | `ptyp` | [`ProductType`](models::ProductType) |
//! | `product_tag` | `product_tag` | `ptag` | [`ProductTag`](models::ProductTag) |
//! | `product_collection` | `product_collection` | `pcol` | [`ProductCollection`](models::ProductCollection) |
//! | `product_category` | `product_category` | `pcat` | [`ProductCategory`](models::ProductCategory) |
//!
//! Pivots without an id: `product_tags`, `product_category_product`,
//! `product_variant_option`. Every entity table has `created_at`,
//! `updated_at` and `deleted_at` (soft delete); unique rules (product and
//! collection and category handles, tag and type values, variant
//! SKU/EAN/UPC/barcode, global option titles) only count live rows.
//!
//! Options are global since Medusa 2.16: an option is linked to products
//! through `product_product_option`. An option created inline with a
//! product is *exclusive* to it and is removed when unlinked. Categories form
//! a tree stored as a materialised path (`mpath`: ancestor ids and the
//! category's own id joined by `.`) with contiguous sibling `rank`s.
//!
//! # The service
//!
//! [`ProductModule`] is built by the framework (or with
//! [`ProductModule::new`]) and offers, per area:
//!
//! - products: [`list_products`](ProductModule::list_products) with
//!   [`ProductFilter`], [`retrieve_product`](ProductModule::retrieve_product),
//!   [`create_products`](ProductModule::create_products) with nested options,
//!   variants, images, tags and categories ([`CreateProductInput`]),
//!   [`update_product`](ProductModule::update_product)
//!   ([`UpdateProductInput`]: replace images/tags/categories/option links,
//!   upsert variants), [`soft_delete_products`](ProductModule::soft_delete_products),
//!   [`restore_products`](ProductModule::restore_products),
//!   [`delete_products`](ProductModule::delete_products);
//! - variants: `list_variants`, `retrieve_variant`, `create_variants`,
//!   `update_variant`, `soft_delete_variants`, `restore_variants`;
//! - options: the generated `product_options()` and `product_option_values()`
//!   services (list, retrieve, soft delete, restore), and the domain
//!   operations `create_options`, `update_option`, `delete_options`,
//!   `link_product_options`, `list_options_of_products` and
//!   `update_option_value`;
//! - collections, tags, types: the generated services
//!   (`product_collections()`, `product_tags()`, `product_types()`);
//! - categories: the generated `product_categories()` for reads, and the
//!   tree's domain writes `create_categories`, `update_category`,
//!   `soft_delete_categories`, `restore_categories`, `delete_categories`;
//! - batch links:
//!   [`update_collection_products`](ProductModule::update_collection_products),
//!   [`update_category_products`](ProductModule::update_category_products)
//!   and the category tree helpers
//!   [`category_descendants`](ProductModule::category_descendants) /
//!   [`category_ancestors`](ProductModule::category_ancestors).
//!
//! - undo operations for workflow compensations: hard deletes of what a
//!   create made (`delete_variants`, `delete_collections`,
//!   `delete_categories`, `delete_tags`, `delete_types`, besides
//!   `delete_products` and `delete_options`), snapshots that an update can
//!   be rolled back to ([`product_snapshots`](ProductModule::product_snapshots)
//!   / [`restore_product_snapshots`](ProductModule::restore_product_snapshots),
//!   the same for variants and options), and option links put back exactly
//!   ([`option_links`](ProductModule::option_links) /
//!   [`restore_option_links`](ProductModule::restore_option_links)).
//!   Inputs are `Serialize` as well as `Deserialize` so they can travel as
//!   workflow step data; absent nullable fields stay absent.
//!
//! Lists take a filter, a [`Page`](stheno_module_sdk::list::Page) and an
//! `order` list and return `(rows, count)`; they default to `created_at`
//! ascending and reject unknown order fields with Medusa's "Order field x is
//! not valid". Mutations run in one transaction with a bounded number of
//! statements and, after commit, emit Medusa's module events
//! (`product.product.created`, `product.product-variant.updated`, …; see
//! [`events`]) with payload `{id}`. Errors use Medusa's kinds and messages:
//! "Product with id: x was not found", "Product with handle: x, already
//! exists.".
//!
//! # Query
//!
//! [`graph::sources`] exposes every entity's relations to Query, loaded in
//! batches (one statement per relation and level); see [`graph`].
//!
//! ```no_run
//! # async fn demo(products: stheno_product::ProductModule) -> stheno_module_sdk::Result<()> {
//! use stheno_product::{CreateProductInput, CreateVariantInput, ProductOptionInput};
//!
//! let mut shirt = CreateProductInput::new("Medusa T-Shirt");
//! shirt.options = Some(vec![ProductOptionInput::new("Size", ["S", "M"])]);
//! shirt.variants = Some(vec![
//!     CreateVariantInput::new("S", [("Size", "S")]),
//!     CreateVariantInput::new("M", [("Size", "M")]),
//! ]);
//! let created = products.create_products(vec![shirt]).await?;
//! assert_eq!(created[0].handle, "medusa-t-shirt");
//! # Ok(()) }
//! ```

use std::sync::Arc;

use stheno_module_sdk::graph::EntitySource;
use stheno_module_sdk::{Migrations, Module, ModuleContext, Result, async_trait};

pub mod events;
pub mod graph;
pub mod input;
pub mod models;
pub mod schema;
mod service;
mod sql;

pub use input::IdRef;
pub use models::{
    CreateProduct, CreateProductCategory, CreateProductCollection, CreateProductImage,
    CreateProductOption, CreateProductOptionValue, CreateProductTag, CreateProductType,
    CreateProductVariant, ProductCategoryFilter, ProductCollectionFilter, ProductFilter,
    ProductImageFilter, ProductOptionFilter, ProductOptionValueFilter, ProductTagFilter,
    ProductTypeFilter, ProductVariantFilter, UpdateProduct, UpdateProductCategory,
    UpdateProductCollection, UpdateProductImage, UpdateProductOption, UpdateProductOptionValue,
    UpdateProductTag, UpdateProductType, UpdateProductVariant,
};
pub use service::*;

/// The module's SQL migrations (`migrations/product`).
pub const MIGRATIONS: Migrations =
    diesel_migrations::embed_migrations!("../../../migrations/product");

#[async_trait]
impl Module for ProductModule {
    const KEY: &'static str = "product";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        Ok(ProductModule::with_links(
            ctx.db().clone(),
            ctx.events().clone(),
            ctx.links().into(),
        ))
    }

    fn entity_sources(self: &Arc<Self>) -> Vec<Arc<dyn EntitySource>> {
        graph::sources(self)
    }
}

stheno_module_sdk::register_module!(ProductModule);
