//! Store collections, categories, tags, types and options. All but
//! categories are [`crate::resource::StoreResource`]s.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_framework::Container;
use stheno_http::{ApiResult, ListQuery};
use stheno_module_sdk::Error;
use stheno_module_sdk::graph::QueryContext;
use stheno_module_sdk::list::{DateFilter, OneOrMany, Page};
use stheno_product::{CategoryFilter, ProductModule};

use crate::catalog::{Collections, Options, Tags, Types, with_trees};
use crate::fields::STORE_CATEGORY;
use crate::{crud, resource, respond};

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    crud::store::<Collections>(cfg, "/collections");
    crud::store::<Tags>(cfg, "/product-tags");
    crud::store::<Types>(cfg, "/product-types");
    resource::configure_store::<Options>(cfg, "/product-options");
    // Categories filter what shoppers see and expand trees: their own routes.
    cfg.route("/product-categories", web::get().to(list_categories))
        .route("/product-categories/{id}", web::get().to(get_category));
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    name: Option<OneOrMany>,
    description: Option<OneOrMany>,
    handle: Option<OneOrMany>,
    parent_category_id: Option<OneOrMany>,
    external_id: Option<OneOrMany>,
    include_ancestors_tree: Option<bool>,
    include_descendants_tree: Option<bool>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
}

/// Categories a shopper may see: active and public.
fn store_category_filter(f: CategoryParams) -> CategoryFilter {
    CategoryFilter {
        q: f.q,
        id: f.id,
        name: f.name,
        description: f.description,
        handle: f.handle,
        parent_category_id: f.parent_category_id,
        external_id: f.external_id,
        created_at: f.created_at,
        updated_at: f.updated_at,
        is_active: Some(true),
        is_internal: Some(false),
        ..Default::default()
    }
}

async fn list_categories(
    c: web::Data<Container>,
    q: ListQuery<CategoryParams>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_CATEGORY)?;
    let page = q.page(50);
    let order = q.order_by(None);
    let ListQuery { filters, .. } = q;
    let (anc, desc) = (
        filters.include_ancestors_tree.unwrap_or(false),
        filters.include_descendants_tree.unwrap_or(false),
    );
    let selection = with_trees(selection, anc, desc);
    let (rows, count) = c
        .require::<ProductModule>()?
        .list_categories(&store_category_filter(filters), page, &order)
        .await?;
    respond::list(
        &c,
        "product_category",
        "product_categories",
        &rows,
        count,
        page,
        &selection,
        QueryContext::STORE,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryRetrieveParams {
    include_ancestors_tree: Option<bool>,
    include_descendants_tree: Option<bool>,
}

async fn get_category(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: ListQuery<CategoryRetrieveParams>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_CATEGORY)?;
    let selection = with_trees(
        selection,
        q.filters.include_ancestors_tree.unwrap_or(false),
        q.filters.include_descendants_tree.unwrap_or(false),
    );
    let id = id.into_inner();
    let filter = CategoryFilter {
        id: Some(OneOrMany(vec![id.clone()])),
        ..store_category_filter(CategoryParams::default())
    };
    let (rows, _) = c
        .require::<ProductModule>()?
        .list_categories(&filter, Page::new(0, 1), &[])
        .await?;
    // Medusa 2.21.2 answers `200 {}` for an unknown category; we answer 404
    // like every other retrieve route (a deliberate difference).
    let row = rows
        .first()
        .ok_or_else(|| Error::not_found(format!("Product category with id: {id} was not found")))?;
    respond::one(
        &c,
        "product_category",
        "product_category",
        row,
        &selection,
        QueryContext::STORE,
    )
    .await
}
