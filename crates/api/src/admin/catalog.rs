//! `/admin/collections`, `/admin/product-categories`, `/admin/product-tags`,
//! `/admin/product-types`, `/admin/product-options`: the CRUD routes of the
//! catalog resources (`crate::catalog`; collections, tags and types through
//! the route kit), categories through [`Resource`], plus the product batch
//! routes of collections and categories.
//! Mutations run the core workflows of `stheno_core_flows::product`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_core_flows::product::{self, Update};
use stheno_framework::Container;
use stheno_http::{ApiResult, Body, RetrieveQuery};
use stheno_module_sdk::Result;
use stheno_module_sdk::graph::Selection;
use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
use stheno_product::models::ProductCategory;
use stheno_product::{CategoryFilter, CreateCategoryInput, ProductModule, UpdateCategoryInput};
use stheno_workflow_sdk::Workflow;

use super::LinkBatch;
use crate::catalog::{Collections, Options, Tags, Types};
use crate::crud;
use crate::fields::ADMIN_CATEGORY;
use crate::resource::{self, Resource, first};
use crate::workflow::run;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    crud::admin::<Collections>(cfg, "/collections");
    resource::configure::<Categories>(cfg, "/product-categories");
    crud::admin::<Tags>(cfg, "/product-tags");
    crud::admin::<Types>(cfg, "/product-types");
    resource::configure::<Options>(cfg, "/product-options");
    cfg.route(
        "/collections/{id}/products",
        web::post().to(link_collection_products),
    )
    .route(
        "/product-categories/{id}/products",
        web::post().to(link_products::<Categories>),
    );
}

// ---- collections -------------------------------------------------------

/// `POST /collections/{id}/products {add, remove}` → the collection.
async fn link_collection_products(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let products = c.require::<ProductModule>()?;
    products.product_collections().retrieve(&id).await?;
    let LinkBatch { add, remove } = body.0;
    let batch = product::LinkBatch::new(id.as_str(), add, remove);
    run(&c, product::batch_link_products_to_collection(), batch).await?;
    crud::respond_one::<Collections>(&c, &id, q).await
}

/// A resource that products are added to and removed from in batches.
pub(crate) trait HoldsProducts: Resource {
    /// The workflow linking products to the resource.
    fn link_workflow() -> Workflow<product::LinkBatch, product::LinkBatch>;
}

/// `POST /<resource>/{id}/products {add, remove}` → the resource.
async fn link_products<R: HoldsProducts>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let products = c.require::<ProductModule>()?;
    R::retrieve(&products, &id).await?;
    let LinkBatch { add, remove } = body.0;
    let batch = product::LinkBatch::new(id.as_str(), add, remove);
    run(&c, R::link_workflow(), batch).await?;
    let row = R::retrieve(&products, &id).await?;
    resource::one::<R>(&c, &row, &selection).await
}

// ---- categories --------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CategoryParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    name: Option<OneOrMany>,
    description: Option<OneOrMany>,
    handle: Option<OneOrMany>,
    parent_category_id: Option<OneOrMany>,
    is_active: Option<bool>,
    is_internal: Option<bool>,
    external_id: Option<OneOrMany>,
    include_ancestors_tree: Option<bool>,
    include_descendants_tree: Option<bool>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
    deleted_at: Option<DateFilter>,
}

pub(crate) struct Categories;

impl Resource for Categories {
    const ENTITY: &'static str = "product_category";
    const KEY: &'static str = "product_category";
    const PLURAL: &'static str = "product_categories";
    const OBJECT: &'static str = "product_category";
    const FIELDS: stheno_module_sdk::graph::FieldsConfig<'static> = ADMIN_CATEGORY;
    type Row = ProductCategory;
    type Params = CategoryParams;
    type Create = CreateCategoryInput;
    type Update = UpdateCategoryInput;

    fn widen(f: &CategoryParams, selection: Selection) -> Selection {
        crate::catalog::with_trees(
            selection,
            f.include_ancestors_tree.unwrap_or(false),
            f.include_descendants_tree.unwrap_or(false),
        )
    }
    async fn list(
        m: &ProductModule,
        f: CategoryParams,
        with_deleted: bool,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<ProductCategory>, i64)> {
        let filter = CategoryFilter {
            q: f.q,
            id: f.id,
            name: f.name,
            description: f.description,
            handle: f.handle,
            parent_category_id: f.parent_category_id,
            is_active: f.is_active,
            is_internal: f.is_internal,
            external_id: f.external_id,
            created_at: f.created_at,
            updated_at: f.updated_at,
            deleted_at: f.deleted_at,
            with_deleted,
            ..Default::default()
        };
        m.list_categories(&filter, page, order).await
    }
    async fn retrieve(m: &ProductModule, id: &str) -> Result<ProductCategory> {
        m.retrieve_category(id).await
    }
    async fn create(c: &Container, input: CreateCategoryInput) -> Result<ProductCategory> {
        first(run(c, product::create_product_categories(), vec![input]).await?)
    }
    async fn update(
        c: &Container,
        id: &str,
        input: UpdateCategoryInput,
    ) -> Result<ProductCategory> {
        let update = vec![Update::new(id, input)];
        first(run(c, product::update_product_categories(), update).await?)
    }
    async fn delete(c: &Container, id: &str) -> Result<()> {
        run(
            c,
            product::delete_product_categories(),
            vec![id.to_string()],
        )
        .await?;
        Ok(())
    }
}

impl HoldsProducts for Categories {
    fn link_workflow() -> Workflow<product::LinkBatch, product::LinkBatch> {
        product::batch_link_products_to_category()
    }
}
