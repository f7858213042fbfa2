//! `/admin/price-lists` and `/admin/price-preferences`.
//!
//! Price lists are answered in Medusa's shape: the list's rules as
//! `rules: {attribute: [values]}` and its prices with `variant_id` (the
//! variant of the price's set, through the `product_variant ↔ price_set`
//! link) and `rules: {attribute: value}`, read through Query. Bodies name
//! prices by variant; the workflows of `stheno_core_flows::pricing` resolve
//! the price sets and write, with compensation. Price preferences are the
//! route kit over the generated service.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stheno_core_flows::pricing::{
    self as flows, NewPriceList, PriceListChange, PriceListPricesBatch, Timestamp, VariantPrice,
    VariantPriceUpdate, price_list_not_found,
};
use stheno_framework::Container;
use stheno_http::openapi::{self, Doc, RouteSet, batch_schema, list_basics, reference};
use stheno_http::{ApiResult, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::Error;
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::graph::{FieldsConfig, QueryContext, Record, Selection};
use stheno_module_sdk::money::Amount;
use stheno_pricing::{
    CreatePricePreference, Price, PriceFilter, PriceList, PriceListFilter, PriceListStatus,
    PriceListType, PricePreference, PricingModule, UpdatePriceList,
};
use stheno_product::{ProductModule, ProductVariantFilter};
use stheno_workflow_sdk::Workflow;

use super::{Batch, ParsedBatch};
use crate::crud::{self, CrudResource, Updates};
use crate::respond;
use crate::workflow::run;

const ADMIN: QueryContext = QueryContext::ADMIN;

/// Medusa's default fields of a price list (its prices come along, with
/// their variant and rules).
const PRICE_LIST_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "type",
        "description",
        "title",
        "status",
        "starts_at",
        "ends_at",
        "created_at",
        "updated_at",
        "deleted_at",
        "price_list_rules.value",
        "price_list_rules.attribute",
        "prices.id",
        "prices.currency_code",
        "prices.amount",
        "prices.min_quantity",
        "prices.max_quantity",
        "prices.created_at",
        "prices.deleted_at",
        "prices.updated_at",
        "prices.price_set.variant.id",
        "prices.price_rules.value",
        "prices.price_rules.attribute",
    ],
    allowed: None,
    max_depth: None,
};

/// Medusa's default fields of a price-list price.
const PRICE_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "currency_code",
        "amount",
        "min_quantity",
        "max_quantity",
        "created_at",
        "deleted_at",
        "updated_at",
        "price_set.variant.id",
        "price_rules.value",
        "price_rules.attribute",
    ],
    allowed: None,
    max_depth: None,
};

pub(super) fn configure(r: &mut RouteSet) {
    let lists = "Price Lists";
    r.get(
        "/price-lists",
        list_price_lists,
        Doc::new("List price lists")
            .tag(lists)
            .queries(openapi::list_params(PriceList::META, true))
            .page("price_lists", PriceList::META),
    )
    .post(
        "/price-lists",
        create_price_list,
        Doc::new("Create a price list")
            .tag(lists)
            .fields()
            .body_of::<CreatePriceListBody>()
            .record("price_list", PriceList::META),
    )
    .get(
        "/price-lists/{id}",
        retrieve_price_list,
        Doc::new("Retrieve a price list")
            .tag(lists)
            .fields()
            .record("price_list", PriceList::META),
    )
    .post(
        "/price-lists/{id}",
        update_price_list,
        Doc::new("Update a price list")
            .tag(lists)
            .fields()
            .body_of::<UpdatePriceListBody>()
            .record("price_list", PriceList::META),
    )
    .delete(
        "/price-lists/{id}",
        delete_price_list,
        Doc::new("Delete a price list").tag(lists).deleted(),
    )
    .get(
        "/price-lists/{id}/prices",
        list_prices,
        Doc::new("List a price list's prices")
            .tag(lists)
            .queries(list_basics())
            .page("prices", Price::META),
    )
    .post(
        "/price-lists/{id}/prices/batch",
        batch_prices,
        Doc::new("Create, update and delete a price list's prices")
            .tag(lists)
            .body_of::<Batch>()
            .uses(Price::META)
            .response(200, "OK", batch_schema(reference("price"))),
    )
    .post(
        "/price-lists/{id}/products",
        remove_products,
        Doc::new("Remove a price list's prices of products")
            .tag(lists)
            .fields()
            .body_of::<RemoveProductsBody>()
            .record("price_list", PriceList::META),
    );
    crud::admin::<PricePreferences>(r, "/price-preferences");
}

// ---- bodies ----------------------------------------------------------------

/// A price of a price list: an amount for a variant.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PriceBody {
    pub currency_code: String,
    #[schema(value_type = f64)]
    pub amount: Amount,
    pub variant_id: String,
    #[schema(value_type = Option<f64>)]
    pub min_quantity: Option<Amount>,
    #[schema(value_type = Option<f64>)]
    pub max_quantity: Option<Amount>,
    /// Attribute → value (`{"region_id": "reg_…"}`).
    #[serde(default)]
    pub rules: BTreeMap<String, String>,
}

impl From<PriceBody> for VariantPrice {
    fn from(b: PriceBody) -> Self {
        VariantPrice {
            variant_id: b.variant_id,
            amount: b.amount,
            currency_code: b.currency_code,
            min_quantity: b.min_quantity,
            max_quantity: b.max_quantity,
            rules: b.rules,
        }
    }
}

/// An entry of `update` in a prices batch (besides its `id`): the fields
/// given change; `rules` replaces the price's rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePriceBody {
    pub variant_id: String,
    pub currency_code: Option<String>,
    #[schema(value_type = Option<f64>)]
    pub amount: Option<Amount>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<f64>)]
    pub min_quantity: Option<Option<Amount>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<f64>)]
    pub max_quantity: Option<Option<Amount>>,
    pub rules: Option<BTreeMap<String, String>>,
}

/// `POST /admin/price-lists`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreatePriceListBody {
    pub title: String,
    pub description: String,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Timestamp>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Timestamp>,
    /// `draft` unless given.
    pub status: Option<PriceListStatus>,
    /// `sale` unless given.
    pub r#type: Option<PriceListType>,
    /// Attribute → the values any of which the context must carry
    /// (`{"customer.groups.id": ["cusgroup_…"]}`).
    #[serde(default)]
    pub rules: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub prices: Vec<PriceBody>,
}

/// `POST /admin/price-lists/:id`: given fields change; `rules` replaces
/// the list's rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdatePriceListBody {
    pub title: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts_at: Option<Option<Timestamp>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends_at: Option<Option<Timestamp>>,
    pub status: Option<PriceListStatus>,
    pub r#type: Option<PriceListType>,
    pub rules: Option<BTreeMap<String, Vec<String>>>,
}

/// `POST /admin/price-lists/:id/products`: the products whose variants'
/// prices leave the list.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RemoveProductsBody {
    #[serde(default)]
    pub remove: Vec<String>,
}

// ---- response shape ----------------------------------------------------------

/// `[{attribute, value}]` as `{attribute: value}`; `empty` for a rule
/// without value.
fn rules_object(rules: Value, empty: Value) -> Value {
    let mut out = Map::new();
    for rule in rules.as_array().into_iter().flatten() {
        if let Some(attribute) = rule.get("attribute").and_then(Value::as_str) {
            let value = match rule.get("value") {
                None | Some(Value::Null) => empty.clone(),
                Some(v) => v.clone(),
            };
            out.insert(attribute.to_string(), value);
        }
    }
    Value::Object(out)
}

/// A price record as Medusa answers it: `variant_id` instead of
/// `price_set.variant`, `rules` instead of `price_rules`.
fn price_shape(mut price: Record) -> Record {
    if let Some(set) = price.remove("price_set") {
        let variant = set
            .get("variant")
            .and_then(|v| v.get("id"))
            .cloned()
            .unwrap_or(Value::Null);
        price.insert("variant_id".into(), variant);
    }
    if let Some(rules) = price.remove("price_rules") {
        price.insert("rules".into(), rules_object(rules, Value::Null));
    }
    price
}

/// A price-list record as Medusa answers it: `rules` instead of
/// `price_list_rules`, its prices shaped by [`price_shape`].
fn price_list_shape(mut list: Record) -> Record {
    if let Some(rules) = list.remove("price_list_rules") {
        list.insert("rules".into(), rules_object(rules, json!([])));
    }
    if let Some(Value::Array(prices)) = list.get_mut("prices") {
        for price in prices.iter_mut() {
            if let Value::Object(p) = price {
                *p = price_shape(std::mem::take(p));
            }
        }
    }
    list
}

/// The live price list `id`, or Medusa's 404.
async fn live_list(c: &Container, id: &str) -> ApiResult<PriceList> {
    c.require::<PricingModule>()?
        .price_lists()
        .list_by_ids(std::slice::from_ref(&id.to_string()))
        .await?
        .pop()
        .ok_or_else(|| price_list_not_found(id).into())
}

/// `{price_list}` for `row` with `selection`.
async fn price_list_response(
    c: &Container,
    row: &PriceList,
    selection: &Selection,
) -> ApiResult<HttpResponse> {
    let record = respond::expand_one(c, "price_list", row, selection, ADMIN).await?;
    Ok(response::one("price_list", price_list_shape(record)))
}

/// Prices shaped for an answer.
async fn prices_records(
    c: &Container,
    prices: &[Price],
    selection: &Selection,
) -> ApiResult<Vec<Record>> {
    Ok(respond::expand_many(c, "price", prices, selection, ADMIN)
        .await?
        .into_iter()
        .map(price_shape)
        .collect())
}

fn one<T>(mut rows: Vec<T>) -> ApiResult<T> {
    rows.pop()
        .ok_or_else(|| Error::unexpected_state("nothing was written").into())
}

// ---- price lists -------------------------------------------------------------

async fn list_price_lists(
    c: web::Data<Container>,
    q: ListQuery<PriceListFilter>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(PRICE_LIST_FIELDS)?;
    let page = q.page(50);
    let config = ListConfig::page(page)
        .ordered(q.order_by(None))
        .with_deleted(q.with_deleted);
    let (rows, count) = c
        .require::<PricingModule>()?
        .price_lists()
        .list_and_count(&q.filters, &config)
        .await?;
    let records = respond::expand_many(&c, "price_list", &rows, &selection, ADMIN).await?;
    Ok(response::list(
        "price_lists",
        records.into_iter().map(price_list_shape).collect(),
        count,
        page,
    ))
}

async fn create_price_list(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreatePriceListBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(PRICE_LIST_FIELDS)?;
    let b = body.into_inner();
    let input = NewPriceList {
        title: b.title,
        description: b.description,
        status: b.status,
        r#type: b.r#type,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        metadata: None,
        rules: b.rules,
        prices: b.prices.into_iter().map(Into::into).collect(),
    };
    let list = one(run(&c, flows::create_price_lists(), vec![input]).await?)?;
    price_list_response(&c, &list, &selection).await
}

async fn retrieve_price_list(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(PRICE_LIST_FIELDS)?;
    let list = live_list(&c, &id).await?;
    price_list_response(&c, &list, &selection).await
}

async fn update_price_list(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdatePriceListBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(PRICE_LIST_FIELDS)?;
    live_list(&c, &id).await?;
    let b = body.into_inner();
    let change = PriceListChange {
        id: id.to_string(),
        update: UpdatePriceList {
            title: b.title,
            description: b.description,
            status: b.status,
            r#type: b.r#type,
            starts_at: b.starts_at,
            ends_at: b.ends_at,
            ..Default::default()
        },
        rules: b.rules,
    };
    run(&c, flows::update_price_lists(), vec![change]).await?;
    let list = live_list(&c, &id).await?;
    price_list_response(&c, &list, &selection).await
}

async fn delete_price_list(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    live_list(&c, &id).await?;
    run(&c, flows::delete_price_lists(), vec![id.to_string()]).await?;
    Ok(response::deleted(&id, "price_list"))
}

async fn list_prices(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(PRICE_FIELDS)?;
    live_list(&c, &id).await?;
    let page = q.page(50);
    let config = ListConfig::page(page)
        .ordered(q.order_by(None))
        .with_deleted(q.with_deleted);
    let filter = PriceFilter {
        price_list_id: Some(FieldFilter::Eq(id.to_string())),
        ..Default::default()
    };
    let (rows, count) = c
        .require::<PricingModule>()?
        .prices()
        .list_and_count(&filter, &config)
        .await?;
    let records = prices_records(&c, &rows, &selection).await?;
    Ok(response::list("prices", records, count, page))
}

async fn batch_prices(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<Batch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(PRICE_FIELDS)?;
    let ParsedBatch {
        create,
        update,
        delete,
    } = body.into_inner().parse::<PriceBody, UpdatePriceBody>()?;
    live_list(&c, &id).await?;
    let batch = PriceListPricesBatch {
        price_list_id: id.to_string(),
        create: create.into_iter().map(Into::into).collect(),
        update: update
            .into_iter()
            .map(|(id, u)| VariantPriceUpdate {
                id,
                variant_id: u.variant_id,
                amount: u.amount,
                currency_code: u.currency_code,
                min_quantity: u.min_quantity,
                max_quantity: u.max_quantity,
                rules: u.rules,
            })
            .collect(),
        delete,
    };
    let result = run(&c, flows::batch_price_list_prices(), batch).await?;
    let created: Vec<Price> = result.created.into_iter().map(|d| d.price).collect();
    let updated: Vec<Price> = result.updated.into_iter().map(|d| d.price).collect();
    let created = prices_records(&c, &created, &selection).await?;
    let updated = prices_records(&c, &updated, &selection).await?;
    Ok(HttpResponse::Ok().json(json!({
        "created": created,
        "updated": updated,
        "deleted": { "ids": result.deleted, "object": "price", "deleted": true },
    })))
}

/// The ids of the list's prices for the variants of `products`: three
/// statements (variants, their price sets, the prices).
async fn prices_of_products(
    c: &Container,
    price_list_id: &str,
    products: Vec<String>,
) -> ApiResult<Vec<String>> {
    let filter = ProductVariantFilter {
        product_id: Some(FieldFilter::In(products)),
        ..Default::default()
    };
    let variants: Vec<String> = c
        .require::<ProductModule>()?
        .product_variants()
        .list(&filter, &ListConfig::default())
        .await?
        .into_iter()
        .map(|v| v.id)
        .collect();
    if variants.is_empty() {
        return Ok(Vec::new());
    }
    let sets: Vec<String> = c
        .links()
        .list("product_variant", &variants, "price_set")
        .await?
        .into_iter()
        .map(|(_, set)| set)
        .collect();
    if sets.is_empty() {
        return Ok(Vec::new());
    }
    let filter = PriceFilter {
        price_list_id: Some(FieldFilter::Eq(price_list_id.to_string())),
        price_set_id: Some(FieldFilter::In(sets)),
        ..Default::default()
    };
    Ok(c.require::<PricingModule>()?
        .prices()
        .list(&filter, &ListConfig::default())
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect())
}

async fn remove_products(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<RemoveProductsBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(PRICE_LIST_FIELDS)?;
    let remove = body.into_inner().remove;
    if remove.is_empty() {
        return Err(Error::invalid_data("No product ids passed to remove from price list").into());
    }
    live_list(&c, &id).await?;
    let delete = prices_of_products(&c, &id, remove).await?;
    if !delete.is_empty() {
        let batch = PriceListPricesBatch {
            price_list_id: id.to_string(),
            delete,
            ..Default::default()
        };
        run(&c, flows::batch_price_list_prices(), batch).await?;
    }
    let list = live_list(&c, &id).await?;
    price_list_response(&c, &list, &selection).await
}

// ---- price preferences -------------------------------------------------------

/// Price preferences: the route kit, writing through the pricing
/// workflows.
pub(crate) struct PricePreferences;

impl CrudResource for PricePreferences {
    type Module = PricingModule;
    type Entity = PricePreference;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "attribute",
            "value",
            "is_tax_inclusive",
            "created_at",
            "updated_at",
            "deleted_at",
        ],
        allowed: None,
        max_depth: None,
    };
    fn create() -> Workflow<Vec<CreatePricePreference>, Vec<PricePreference>> {
        flows::create_price_preferences()
    }
    fn update() -> Workflow<Updates<Self>, Vec<PricePreference>> {
        flows::update_price_preferences()
    }
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        flows::delete_price_preferences()
    }
}
