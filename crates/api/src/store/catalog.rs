//! Store collections, categories, tags, types and options.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_framework::Container;
use stheno_http::{ApiResult, ListQuery, RetrieveQuery};
use stheno_module_sdk::Error;
use stheno_module_sdk::graph::QueryContext;
use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
use stheno_product::{
    CategoryFilter, CollectionFilter, OptionFilter, ProductModule, TagFilter, TypeFilter,
};

use crate::fields::{STORE_CATEGORY, STORE_COLLECTION, STORE_OPTION, STORE_TAG, STORE_TYPE};
use crate::respond;

pub(super) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/collections", web::get().to(list_collections))
        .route("/collections/{id}", web::get().to(get_collection))
        .route("/product-categories", web::get().to(list_categories))
        .route("/product-categories/{id}", web::get().to(get_category))
        .route("/product-tags", web::get().to(list_tags))
        .route("/product-tags/{id}", web::get().to(get_tag))
        .route("/product-types", web::get().to(list_types))
        .route("/product-types/{id}", web::get().to(get_type))
        .route("/product-options", web::get().to(list_options))
        .route("/product-options/{id}", web::get().to(get_option));
}

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
}

async fn list_collections(
    c: web::Data<Container>,
    q: ListQuery<CollectionParams>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_COLLECTION)?;
    let page = q.page(10);
    let order = q.order_by(Some(OrderBy::desc("created_at")));
    let f = q.filters;
    let filter = CollectionFilter {
        q: f.q,
        id: f.id,
        title: f.title,
        handle: f.handle,
        external_id: f.external_id,
        created_at: f.created_at,
        updated_at: f.updated_at,
        ..Default::default()
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
        QueryContext::STORE,
    )
    .await
}

async fn get_collection(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_COLLECTION)?;
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
        QueryContext::STORE,
    )
    .await
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

/// `include_ancestors_tree` / `include_descendants_tree`: follow the parent
/// chain or the children, three levels deep (the store relation limit).
pub(crate) fn with_trees(
    mut selection: stheno_module_sdk::graph::Selection,
    ancestors: bool,
    descendants: bool,
) -> stheno_module_sdk::graph::Selection {
    use stheno_module_sdk::graph::Selection;
    if ancestors {
        selection.relations.insert(
            "parent_category".into(),
            Selection::parse(["*parent_category", "*parent_category.parent_category"])
                .relations
                .remove("parent_category")
                .map(|mut s| {
                    s.all_scalars = true;
                    s
                })
                .unwrap_or_else(Selection::all),
        );
    }
    if descendants {
        let mut deep = Selection::parse([
            "*category_children",
            "*category_children.category_children",
            "*category_children.category_children.category_children",
        ]);
        if let Some(children) = deep.relations.remove("category_children") {
            selection
                .relations
                .insert("category_children".into(), children);
        }
    }
    selection
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValueParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    value: Option<OneOrMany>,
    external_id: Option<OneOrMany>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
}

async fn list_tags(c: web::Data<Container>, q: ListQuery<ValueParams>) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_TAG)?;
    let page = q.page(50);
    let order = q.order_by(None);
    let f = q.filters;
    let filter = TagFilter {
        q: f.q,
        id: f.id,
        value: f.value,
        external_id: f.external_id,
        created_at: f.created_at,
        updated_at: f.updated_at,
        ..Default::default()
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
        QueryContext::STORE,
    )
    .await
}

async fn get_tag(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_TAG)?;
    let row = c.require::<ProductModule>()?.retrieve_tag(&id).await?;
    respond::one(
        &c,
        "product_tag",
        "product_tag",
        &row,
        &selection,
        QueryContext::STORE,
    )
    .await
}

async fn list_types(c: web::Data<Container>, q: ListQuery<ValueParams>) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_TYPE)?;
    let page = q.page(50);
    let order = q.order_by(None);
    let f = q.filters;
    let filter = TypeFilter {
        q: f.q,
        id: f.id,
        value: f.value,
        external_id: f.external_id,
        created_at: f.created_at,
        updated_at: f.updated_at,
        ..Default::default()
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
        QueryContext::STORE,
    )
    .await
}

async fn get_type(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_TYPE)?;
    let row = c.require::<ProductModule>()?.retrieve_type(&id).await?;
    respond::one(
        &c,
        "product_type",
        "product_type",
        &row,
        &selection,
        QueryContext::STORE,
    )
    .await
}

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
    let selection = q.selection(STORE_OPTION)?;
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
        QueryContext::STORE,
    )
    .await
}

async fn get_option(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_OPTION)?;
    let row = c.require::<ProductModule>()?.retrieve_option(&id).await?;
    respond::one(
        &c,
        "product_option",
        "product_option",
        &row,
        &selection,
        QueryContext::STORE,
    )
    .await
}
