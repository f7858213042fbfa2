//! `/admin/collections`, `/admin/product-categories`, `/admin/product-tags`,
//! `/admin/product-types`, `/admin/product-options`: the CRUD routes through
//! [`Resource`] (tags and types through the route kit, [`CrudResource`]),
//! plus the product batch routes of collections and categories.
//! Mutations run the core workflows of `stheno_core_flows::product`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_core_flows::product::{self, Update};
use stheno_framework::Container;
use stheno_http::{ApiResult, Body, RetrieveQuery};
use stheno_module_sdk::Result;
use stheno_module_sdk::graph::{FieldsConfig, Selection};
use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
use stheno_product::models::{
    CreateProductTag, CreateProductType, ProductCategory, ProductCollection, ProductOption,
    ProductTag, ProductType, UpdateProductTag, UpdateProductType,
};
use stheno_product::{
    CategoryFilter, CollectionFilter, CreateCategoryInput, CreateCollectionInput,
    CreateOptionInput, OptionFilter, ProductModule, UpdateCategoryInput, UpdateCollectionInput,
    UpdateOptionInput,
};
use stheno_workflow_sdk::Workflow;

use super::LinkBatch;
use crate::crud::{self, CrudResource};
use crate::fields::{
    ADMIN_CATEGORY, ADMIN_COLLECTION, ADMIN_OPTION, ADMIN_TAG, ADMIN_TYPE, STORE_COLLECTION,
    STORE_OPTION, STORE_TAG, STORE_TYPE,
};
use crate::resource::{self, Resource, StoreResource, first};
use crate::workflow::run;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    resource::configure::<Collections>(cfg, "/collections");
    resource::configure::<Categories>(cfg, "/product-categories");
    crud::admin::<Tags>(cfg, "/product-tags");
    crud::admin::<Types>(cfg, "/product-types");
    resource::configure::<Options>(cfg, "/product-options");
    cfg.route(
        "/collections/{id}/products",
        web::post().to(link_products::<Collections>),
    )
    .route(
        "/product-categories/{id}/products",
        web::post().to(link_products::<Categories>),
    );
}

// ---- collections -------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CollectionParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    title: Option<OneOrMany>,
    handle: Option<OneOrMany>,
    external_id: Option<OneOrMany>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
    deleted_at: Option<DateFilter>,
}

pub(crate) struct Collections;

impl Resource for Collections {
    const ENTITY: &'static str = "product_collection";
    const KEY: &'static str = "collection";
    const PLURAL: &'static str = "collections";
    const OBJECT: &'static str = "collection";
    const FIELDS: stheno_module_sdk::graph::FieldsConfig<'static> = ADMIN_COLLECTION;
    const DEFAULT_LIMIT: i64 = 10;
    type Row = ProductCollection;
    type Params = CollectionParams;
    type Create = CreateCollectionInput;
    type Update = UpdateCollectionInput;

    async fn list(
        m: &ProductModule,
        f: CollectionParams,
        with_deleted: bool,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<ProductCollection>, i64)> {
        let filter = CollectionFilter {
            q: f.q,
            id: f.id,
            title: f.title,
            handle: f.handle,
            external_id: f.external_id,
            created_at: f.created_at,
            updated_at: f.updated_at,
            deleted_at: f.deleted_at,
            with_deleted,
        };
        m.list_collections(&filter, page, order).await
    }
    async fn retrieve(m: &ProductModule, id: &str) -> Result<ProductCollection> {
        m.retrieve_collection(id).await
    }
    async fn create(c: &Container, input: CreateCollectionInput) -> Result<ProductCollection> {
        first(run(c, product::create_collections(), vec![input]).await?)
    }
    async fn update(
        c: &Container,
        id: &str,
        input: UpdateCollectionInput,
    ) -> Result<ProductCollection> {
        first(
            run(
                c,
                product::update_collections(),
                vec![Update::new(id, input)],
            )
            .await?,
        )
    }
    async fn delete(c: &Container, id: &str) -> Result<()> {
        run(c, product::delete_collections(), vec![id.to_string()]).await?;
        Ok(())
    }
}

/// A resource that products are added to and removed from in batches.
pub(crate) trait HoldsProducts: Resource {
    /// The workflow linking products to the resource.
    fn link_workflow() -> Workflow<product::LinkBatch, product::LinkBatch>;
}

impl HoldsProducts for Collections {
    fn link_workflow() -> Workflow<product::LinkBatch, product::LinkBatch> {
        product::batch_link_products_to_collection()
    }
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
        crate::store::with_trees(
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

// ---- tags and types ----------------------------------------------------

/// Tags: the route kit over the product module's generated service.
pub(crate) struct Tags;

impl CrudResource for Tags {
    type Module = ProductModule;
    type Entity = ProductTag;
    const FIELDS: FieldsConfig<'static> = ADMIN_TAG;
    const STORE_FIELDS: FieldsConfig<'static> = STORE_TAG;
    fn create() -> Workflow<Vec<CreateProductTag>, Vec<ProductTag>> {
        product::create_product_tags()
    }
    fn update() -> Workflow<Vec<Update<UpdateProductTag>>, Vec<ProductTag>> {
        product::update_product_tags()
    }
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        product::delete_product_tags()
    }
}

/// Types: the route kit over the product module's generated service.
pub(crate) struct Types;

impl CrudResource for Types {
    type Module = ProductModule;
    type Entity = ProductType;
    const FIELDS: FieldsConfig<'static> = ADMIN_TYPE;
    const STORE_FIELDS: FieldsConfig<'static> = STORE_TYPE;
    fn create() -> Workflow<Vec<CreateProductType>, Vec<ProductType>> {
        product::create_product_types()
    }
    fn update() -> Workflow<Vec<Update<UpdateProductType>>, Vec<ProductType>> {
        product::update_product_types()
    }
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        product::delete_product_types()
    }
}

// ---- global product options (Medusa 2.16+) ------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    title: Option<OneOrMany>,
    is_exclusive: Option<bool>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
}

pub(crate) struct Options;

impl Resource for Options {
    const ENTITY: &'static str = "product_option";
    const KEY: &'static str = "product_option";
    const PLURAL: &'static str = "product_options";
    const OBJECT: &'static str = "product_option";
    const FIELDS: stheno_module_sdk::graph::FieldsConfig<'static> = ADMIN_OPTION;
    type Row = ProductOption;
    type Params = OptionParams;
    type Create = CreateOptionInput;
    type Update = UpdateOptionInput;

    async fn list(
        m: &ProductModule,
        f: OptionParams,
        with_deleted: bool,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<ProductOption>, i64)> {
        let filter = OptionFilter {
            q: f.q,
            id: f.id,
            title: f.title,
            is_exclusive: f.is_exclusive,
            created_at: f.created_at,
            updated_at: f.updated_at,
            with_deleted,
            ..Default::default()
        };
        m.list_options(&filter, page, order).await
    }
    async fn retrieve(m: &ProductModule, id: &str) -> Result<ProductOption> {
        m.retrieve_option(id).await
    }
    async fn create(c: &Container, input: CreateOptionInput) -> Result<ProductOption> {
        first(run(c, product::create_product_options(), vec![input]).await?)
    }
    async fn update(c: &Container, id: &str, input: UpdateOptionInput) -> Result<ProductOption> {
        first(
            run(
                c,
                product::update_product_options(),
                vec![Update::new(id, input)],
            )
            .await?,
        )
    }
    /// Soft delete, as Medusa's `delete-product-options` does.
    async fn delete(c: &Container, id: &str) -> Result<()> {
        run(c, product::delete_product_options(), vec![id.to_string()]).await?;
        Ok(())
    }
}

// ---- storefront reads ----------------------------------------------------

/// Store collection filters.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StoreCollectionParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    title: Option<OneOrMany>,
    handle: Option<OneOrMany>,
    external_id: Option<OneOrMany>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
}

impl StoreResource for Collections {
    type StoreParams = StoreCollectionParams;
    const STORE_FIELDS: stheno_module_sdk::graph::FieldsConfig<'static> = STORE_COLLECTION;
    const STORE_LIMIT: i64 = 10;
    const STORE_ORDER: Option<&'static str> = Some("-created_at");
    fn from_store(p: StoreCollectionParams) -> CollectionParams {
        CollectionParams {
            q: p.q,
            id: p.id,
            title: p.title,
            handle: p.handle,
            external_id: p.external_id,
            created_at: p.created_at,
            updated_at: p.updated_at,
            deleted_at: None,
        }
    }
}

impl StoreResource for Options {
    type StoreParams = OptionParams;
    const STORE_FIELDS: stheno_module_sdk::graph::FieldsConfig<'static> = STORE_OPTION;
    fn from_store(p: OptionParams) -> OptionParams {
        p
    }
}
