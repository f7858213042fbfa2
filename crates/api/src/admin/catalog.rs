//! `/admin/collections`, `/admin/product-categories`, `/admin/product-tags`,
//! `/admin/product-types`, `/admin/product-options`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_framework::Container;
use stheno_http::{ApiResult, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::Error;
use stheno_module_sdk::graph::QueryContext;
use stheno_module_sdk::list::{DateFilter, OneOrMany};
use stheno_product::{
    CategoryFilter, CollectionFilter, CreateCategoryInput, CreateCollectionInput,
    CreateOptionInput, CreateTagInput, CreateTypeInput, OptionFilter, ProductModule, TagFilter,
    TypeFilter, UpdateCategoryInput, UpdateCollectionInput, UpdateOptionInput, UpdateTagInput,
    UpdateTypeInput,
};

use super::LinkBatch;
use crate::fields::{ADMIN_CATEGORY, ADMIN_COLLECTION, ADMIN_OPTION, ADMIN_TAG, ADMIN_TYPE};
use crate::respond;

const ADMIN: QueryContext = QueryContext::ADMIN;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/collections", web::get().to(list_collections))
        .route("/collections", web::post().to(create_collection))
        .route("/collections/{id}", web::get().to(get_collection))
        .route("/collections/{id}", web::post().to(update_collection))
        .route("/collections/{id}", web::delete().to(delete_collection))
        .route(
            "/collections/{id}/products",
            web::post().to(collection_products),
        )
        .route("/product-categories", web::get().to(list_categories))
        .route("/product-categories", web::post().to(create_category))
        .route("/product-categories/{id}", web::get().to(get_category))
        .route("/product-categories/{id}", web::post().to(update_category))
        .route(
            "/product-categories/{id}",
            web::delete().to(delete_category),
        )
        .route(
            "/product-categories/{id}/products",
            web::post().to(category_products),
        )
        .route("/product-tags", web::get().to(list_tags))
        .route("/product-tags", web::post().to(create_tag))
        .route("/product-tags/{id}", web::get().to(get_tag))
        .route("/product-tags/{id}", web::post().to(update_tag))
        .route("/product-tags/{id}", web::delete().to(delete_tag))
        .route("/product-types", web::get().to(list_types))
        .route("/product-types", web::post().to(create_type))
        .route("/product-types/{id}", web::get().to(get_type))
        .route("/product-types/{id}", web::post().to(update_type))
        .route("/product-types/{id}", web::delete().to(delete_type))
        .route("/product-options", web::get().to(list_options))
        .route("/product-options", web::post().to(create_option))
        .route("/product-options/{id}", web::get().to(get_option))
        .route("/product-options/{id}", web::post().to(update_option))
        .route("/product-options/{id}", web::delete().to(delete_option));
}

fn first<T>(mut rows: Vec<T>, what: &str) -> Result<T, Error> {
    if rows.is_empty() {
        return Err(Error::unexpected_state(format!("no {what} was created")));
    }
    Ok(rows.swap_remove(0))
}

// ---- collections -------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CollectionParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    title: Option<OneOrMany>,
    handle: Option<OneOrMany>,
    external_id: Option<OneOrMany>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
    deleted_at: Option<DateFilter>,
}

async fn list_collections(
    c: web::Data<Container>,
    q: ListQuery<CollectionParams>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_COLLECTION)?;
    let page = q.page(10);
    let order = q.order_by(None);
    let with_deleted = q.with_deleted;
    let f = q.filters;
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
    let (rows, count) = c
        .require::<ProductModule>()?
        .list_collections(&filter, page, &order)
        .await?;
    respond::list(
        &c,
        "product_collection",
        "collections",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create_collection(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateCollectionInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_COLLECTION)?;
    let row = first(
        c.require::<ProductModule>()?
            .create_collections(vec![body.0])
            .await?,
        "collection",
    )?;
    respond::one(
        &c,
        "product_collection",
        "collection",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn get_collection(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_COLLECTION)?;
    let row = c
        .require::<ProductModule>()?
        .retrieve_collection(&id)
        .await?;
    respond::one(
        &c,
        "product_collection",
        "collection",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn update_collection(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateCollectionInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_COLLECTION)?;
    let row = c
        .require::<ProductModule>()?
        .update_collection(&id, body.0)
        .await?;
    respond::one(
        &c,
        "product_collection",
        "collection",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn delete_collection(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let products = c.require::<ProductModule>()?;
    products.retrieve_collection(&id).await?;
    products
        .soft_delete_collections(std::slice::from_ref(&*id))
        .await?;
    Ok(response::deleted(&id, "collection"))
}

async fn collection_products(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_COLLECTION)?;
    let products = c.require::<ProductModule>()?;
    products.retrieve_collection(&id).await?;
    products
        .update_collection_products(&id, &body.0.add, &body.0.remove)
        .await?;
    let row = products.retrieve_collection(&id).await?;
    respond::one(
        &c,
        "product_collection",
        "collection",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

// ---- categories --------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    name: Option<OneOrMany>,
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

async fn list_categories(
    c: web::Data<Container>,
    q: ListQuery<CategoryParams>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CATEGORY)?;
    let page = q.page(50);
    let order = q.order_by(None);
    let with_deleted = q.with_deleted;
    let f = q.filters;
    let selection = crate::store::with_trees(
        selection,
        f.include_ancestors_tree.unwrap_or(false),
        f.include_descendants_tree.unwrap_or(false),
    );
    let filter = CategoryFilter {
        q: f.q,
        id: f.id,
        name: f.name,
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
    let (rows, count) = c
        .require::<ProductModule>()?
        .list_categories(&filter, page, &order)
        .await?;
    respond::list(
        &c,
        "product_category",
        "product_categories",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create_category(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateCategoryInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CATEGORY)?;
    let row = first(
        c.require::<ProductModule>()?
            .create_categories(vec![body.0])
            .await?,
        "category",
    )?;
    respond::one(
        &c,
        "product_category",
        "product_category",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn get_category(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CATEGORY)?;
    let row = c.require::<ProductModule>()?.retrieve_category(&id).await?;
    respond::one(
        &c,
        "product_category",
        "product_category",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn update_category(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateCategoryInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CATEGORY)?;
    let row = c
        .require::<ProductModule>()?
        .update_category(&id, body.0)
        .await?;
    respond::one(
        &c,
        "product_category",
        "product_category",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn delete_category(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let products = c.require::<ProductModule>()?;
    products.retrieve_category(&id).await?;
    products
        .soft_delete_categories(std::slice::from_ref(&*id))
        .await?;
    Ok(response::deleted(&id, "product_category"))
}

async fn category_products(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CATEGORY)?;
    let products = c.require::<ProductModule>()?;
    products.retrieve_category(&id).await?;
    products
        .update_category_products(&id, &body.0.add, &body.0.remove)
        .await?;
    let row = products.retrieve_category(&id).await?;
    respond::one(
        &c,
        "product_category",
        "product_category",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

// ---- tags and types ----------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    value: Option<OneOrMany>,
    external_id: Option<OneOrMany>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
    deleted_at: Option<DateFilter>,
}

async fn list_tags(c: web::Data<Container>, q: ListQuery<ValueParams>) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TAG)?;
    let page = q.page(50);
    let order = q.order_by(None);
    let with_deleted = q.with_deleted;
    let f = q.filters;
    let filter = TagFilter {
        q: f.q,
        id: f.id,
        value: f.value,
        external_id: f.external_id,
        created_at: f.created_at,
        updated_at: f.updated_at,
        deleted_at: f.deleted_at,
        with_deleted,
    };
    let (rows, count) = c
        .require::<ProductModule>()?
        .list_tags(&filter, page, &order)
        .await?;
    respond::list(
        &c,
        "product_tag",
        "product_tags",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create_tag(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateTagInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TAG)?;
    let row = first(
        c.require::<ProductModule>()?
            .create_tags(vec![body.0])
            .await?,
        "tag",
    )?;
    respond::one(&c, "product_tag", "product_tag", &row, &selection, ADMIN).await
}

async fn get_tag(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TAG)?;
    let row = c.require::<ProductModule>()?.retrieve_tag(&id).await?;
    respond::one(&c, "product_tag", "product_tag", &row, &selection, ADMIN).await
}

async fn update_tag(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateTagInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TAG)?;
    let row = c
        .require::<ProductModule>()?
        .update_tag(&id, body.0)
        .await?;
    respond::one(&c, "product_tag", "product_tag", &row, &selection, ADMIN).await
}

async fn delete_tag(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let products = c.require::<ProductModule>()?;
    products.retrieve_tag(&id).await?;
    products
        .soft_delete_tags(std::slice::from_ref(&*id))
        .await?;
    Ok(response::deleted(&id, "product_tag"))
}

async fn list_types(c: web::Data<Container>, q: ListQuery<ValueParams>) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TYPE)?;
    let page = q.page(50);
    let order = q.order_by(None);
    let with_deleted = q.with_deleted;
    let f = q.filters;
    let filter = TypeFilter {
        q: f.q,
        id: f.id,
        value: f.value,
        external_id: f.external_id,
        created_at: f.created_at,
        updated_at: f.updated_at,
        deleted_at: f.deleted_at,
        with_deleted,
    };
    let (rows, count) = c
        .require::<ProductModule>()?
        .list_types(&filter, page, &order)
        .await?;
    respond::list(
        &c,
        "product_type",
        "product_types",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create_type(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateTypeInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TYPE)?;
    let row = first(
        c.require::<ProductModule>()?
            .create_types(vec![body.0])
            .await?,
        "type",
    )?;
    respond::one(&c, "product_type", "product_type", &row, &selection, ADMIN).await
}

async fn get_type(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TYPE)?;
    let row = c.require::<ProductModule>()?.retrieve_type(&id).await?;
    respond::one(&c, "product_type", "product_type", &row, &selection, ADMIN).await
}

async fn update_type(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateTypeInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_TYPE)?;
    let row = c
        .require::<ProductModule>()?
        .update_type(&id, body.0)
        .await?;
    respond::one(&c, "product_type", "product_type", &row, &selection, ADMIN).await
}

async fn delete_type(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let products = c.require::<ProductModule>()?;
    products.retrieve_type(&id).await?;
    products
        .soft_delete_types(std::slice::from_ref(&*id))
        .await?;
    Ok(response::deleted(&id, "product_type"))
}

// ---- global product options (2.16+) ---------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OptionParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    title: Option<OneOrMany>,
    is_exclusive: Option<bool>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
}

async fn list_options(
    c: web::Data<Container>,
    q: ListQuery<OptionParams>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_OPTION)?;
    let page = q.page(50);
    let order = q.order_by(None);
    let f = q.filters;
    let filter = OptionFilter {
        q: f.q,
        id: f.id,
        title: f.title,
        is_exclusive: f.is_exclusive,
        created_at: f.created_at,
        updated_at: f.updated_at,
        ..Default::default()
    };
    let (rows, count) = c
        .require::<ProductModule>()?
        .list_options(&filter, page, &order)
        .await?;
    respond::list(
        &c,
        "product_option",
        "product_options",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create_option(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateOptionInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_OPTION)?;
    let row = first(
        c.require::<ProductModule>()?
            .create_options(vec![body.0])
            .await?,
        "option",
    )?;
    respond::one(
        &c,
        "product_option",
        "product_option",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn get_option(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_OPTION)?;
    let row = c.require::<ProductModule>()?.retrieve_option(&id).await?;
    respond::one(
        &c,
        "product_option",
        "product_option",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn update_option(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateOptionInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_OPTION)?;
    let row = c
        .require::<ProductModule>()?
        .update_option(&id, body.0)
        .await?;
    respond::one(
        &c,
        "product_option",
        "product_option",
        &row,
        &selection,
        ADMIN,
    )
    .await
}

async fn delete_option(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    let products = c.require::<ProductModule>()?;
    products.retrieve_option(&id).await?;
    products.delete_options(std::slice::from_ref(&*id)).await?;
    Ok(response::deleted(&id, "product_option"))
}
