//! `GET /store/products`, `GET /store/products/:id`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_framework::Container;
use stheno_http::openapi::{Doc, RouteSet, list_basics};
use stheno_http::{ApiResult, ListQuery};
use stheno_module_sdk::entity::{Entity, FieldFilter, ListConfig};
use stheno_module_sdk::graph::QueryContext;
use stheno_module_sdk::list::{DateFilter, OneOrMany, Page};
use stheno_product::models::{Product, ProductStatus};
use stheno_product::{ProductFilter, ProductListFilter, ProductModule};

use crate::fields::STORE_PRODUCT;
use crate::respond;

pub(super) fn configure(r: &mut RouteSet) {
    r.get(
        "/products",
        list,
        Doc::new("List published products")
            .tag("Products")
            .queries(list_basics())
            .params::<StoreProductParams>()
            .page("products", Product::META),
    )
    .get(
        "/products/{id}",
        retrieve,
        Doc::new("Retrieve a published product")
            .tag("Products")
            .fields()
            .record("product", Product::META),
    );
}

/// Filters a storefront may use. Pricing and sales-channel context
/// parameters are accepted so Medusa's SDK calls validate; they have no
/// effect until the pricing and sales-channel modules exist.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct StoreProductParams {
    q: Option<String>,
    #[param(inline)]
    id: Option<OneOrMany>,
    #[param(inline)]
    title: Option<OneOrMany>,
    #[param(inline)]
    handle: Option<OneOrMany>,
    #[param(inline)]
    option_id: Option<OneOrMany>,
    #[param(inline)]
    option_value_id: Option<OneOrMany>,
    is_giftcard: Option<bool>,
    #[param(inline)]
    category_id: Option<OneOrMany>,
    #[param(inline)]
    collection_id: Option<OneOrMany>,
    #[param(inline)]
    tag_id: Option<OneOrMany>,
    #[param(inline)]
    type_id: Option<OneOrMany>,
    #[param(inline)]
    external_id: Option<OneOrMany>,
    #[param(inline, style = DeepObject, explode)]
    created_at: Option<DateFilter>,
    #[param(inline, style = DeepObject, explode)]
    updated_at: Option<DateFilter>,
    // Pricing and sales-channel context: validated, not used yet.
    #[allow(dead_code)]
    region_id: Option<String>,
    #[allow(dead_code)]
    country_code: Option<String>,
    #[allow(dead_code)]
    province: Option<String>,
    #[allow(dead_code)]
    cart_id: Option<String>,
    #[allow(dead_code)]
    #[param(inline)]
    sales_channel_id: Option<OneOrMany>,
}

impl StoreProductParams {
    /// The module filter, restricted to what shoppers may see.
    fn into_filter(self) -> ProductListFilter {
        ProductListFilter {
            q: self.q,
            category_id: self.category_id,
            option_value_id: self.option_value_id,
            columns: ProductFilter {
                id: self.id.map(Into::into),
                title: self.title.map(Into::into),
                handle: self.handle.map(Into::into),
                is_giftcard: self.is_giftcard.map(FieldFilter::Eq),
                collection_id: self.collection_id.map(Into::into),
                tags: self.tag_id.map(Into::into),
                type_id: self.type_id.map(Into::into),
                options: self.option_id.map(Into::into),
                external_id: self.external_id.map(Into::into),
                created_at: self.created_at.map(Into::into),
                updated_at: self.updated_at.map(Into::into),
                status: Some(FieldFilter::Eq(ProductStatus::Published)),
                ..Default::default()
            },
        }
    }
}

async fn list(
    c: web::Data<Container>,
    q: ListQuery<StoreProductParams>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_PRODUCT)?;
    let page = q.page(50);
    let config = ListConfig::page(page).ordered(q.order_by(None));
    let ListQuery { filters, .. } = q;
    let products = c.require::<ProductModule>()?;
    let (rows, count) = products
        .list_products(&filters.into_filter(), &config)
        .await?;
    respond::list(
        &c,
        "product",
        "products",
        &rows,
        count,
        page,
        &selection,
        QueryContext::STORE,
    )
    .await
}

async fn retrieve(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: ListQuery<StoreProductParams>,
) -> ApiResult<HttpResponse> {
    let mut selection = q.selection(STORE_PRODUCT)?;
    // Medusa's retrieve route always selects `categories.is_internal`.
    selection
        .relations
        .entry("categories".into())
        .or_default()
        .fields
        .insert("is_internal".into());
    let id = id.into_inner();
    let mut filter = q.filters.into_filter();
    filter.columns.id = Some(FieldFilter::Eq(id.clone()));
    let products = c.require::<ProductModule>()?;
    let (rows, _) = products
        .list_products(&filter, &ListConfig::page(Page::new(0, 1)))
        .await?;
    let product = rows
        .first()
        .ok_or_else(|| <Product as Entity>::META.not_found(&id))?;
    respond::one(
        &c,
        "product",
        "product",
        product,
        &selection,
        QueryContext::STORE,
    )
    .await
}
