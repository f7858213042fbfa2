//! `GET /store/products`, `GET /store/products/:id`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use stheno_framework::Container;
use stheno_http::openapi::{Doc, RouteSet, list_basics};
use stheno_http::{ApiResult, ListQuery, MaybeAuthenticated};
use stheno_module_sdk::entity::{Condition, Entity, EntityFilter, FieldFilter, ListConfig};
use stheno_module_sdk::graph::QueryContext;
use stheno_module_sdk::list::{DateFilter, OneOrMany, Page};
use stheno_product::models::{Product, ProductStatus};
use stheno_product::{ProductFilter, ProductListFilter, ProductModule};

use super::storefront::{self, Decorations, PricingParams};
use crate::fields::STORE_PRODUCT;
use crate::publishable::PublishableKey;
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

/// Filters a storefront may use, and the pricing context (`region_id`;
/// `country_code`, `province` and `cart_id` are accepted as Medusa's SDK
/// sends them).
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
    /// Prices the variants in this region's currency.
    region_id: Option<String>,
    /// Shows prices with and without tax for this country…
    country_code: Option<String>,
    /// … and province.
    province: Option<String>,
    #[allow(dead_code)]
    cart_id: Option<String>,
    /// Narrows the key's sales channels to these.
    #[param(inline)]
    sales_channel_id: Option<OneOrMany>,
}

impl StoreProductParams {
    fn pricing(&self) -> PricingParams<'_> {
        PricingParams {
            region_id: self.region_id.as_deref(),
            country_code: self.country_code.as_deref(),
            province: self.province.as_deref(),
        }
    }

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

/// The key's sales channels, narrowed by `sales_channel_id`.
fn channels(key: &PublishableKey, asked: Option<&OneOrMany>) -> PublishableKey {
    let mut key = key.clone();
    if let Some(asked) = asked {
        key.sales_channel_ids.retain(|c| asked.0.contains(c));
    }
    key
}

async fn list(
    c: web::Data<Container>,
    key: PublishableKey,
    auth: MaybeAuthenticated,
    q: ListQuery<StoreProductParams>,
) -> ApiResult<HttpResponse> {
    let mut selection = q.selection(STORE_PRODUCT)?;
    let page = q.page(50);
    let config = ListConfig::page(page).ordered(q.order_by(None));
    let ListQuery { filters, .. } = q;
    let decorations =
        Decorations::of(&c, &mut selection, filters.pricing(), auth.0.as_ref()).await?;
    let key = channels(&key, filters.sales_channel_id.as_ref());
    let condition = Condition::All(vec![
        filters.into_filter().condition(),
        storefront::in_channels(&c, &key)?,
    ]);
    let products = c.require::<ProductModule>()?;
    let (rows, count) = products
        .products()
        .list_and_count_where(&condition, &config)
        .await?;
    let mut records =
        respond::expand_many(&c, "product", &rows, &selection, QueryContext::STORE).await?;
    decorations.apply(&c, &key, &mut records).await?;
    Ok(stheno_http::response::list(
        "products", records, count, page,
    ))
}

async fn retrieve(
    c: web::Data<Container>,
    key: PublishableKey,
    auth: MaybeAuthenticated,
    id: web::Path<String>,
    q: ListQuery<StoreProductParams>,
) -> ApiResult<HttpResponse> {
    let mut selection = q.selection(STORE_PRODUCT)?;
    let decorations =
        Decorations::of(&c, &mut selection, q.filters.pricing(), auth.0.as_ref()).await?;
    let key = channels(&key, q.filters.sales_channel_id.as_ref());
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
    let condition = Condition::All(vec![filter.condition(), storefront::in_channels(&c, &key)?]);
    let products = c.require::<ProductModule>()?;
    let rows = products
        .products()
        .list_where(&condition, &ListConfig::page(Page::new(0, 1)))
        .await?;
    let product = rows
        .first()
        .ok_or_else(|| <Product as Entity>::META.not_found(&id))?;
    let mut records =
        vec![respond::expand_one(&c, "product", product, &selection, QueryContext::STORE).await?];
    decorations.apply(&c, &key, &mut records).await?;
    Ok(stheno_http::response::one(
        "product",
        records.pop().unwrap_or_default(),
    ))
}
