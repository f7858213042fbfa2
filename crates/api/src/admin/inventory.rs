//! Admin inventory routes: `/admin/inventory-items` (with their location
//! levels), `/admin/reservations`, and the variant ↔ inventory item links
//! under `/admin/products/:id/variants`.
//!
//! Reads go through Query (the route kit for reservations); every mutation
//! runs a workflow of `stheno_core_flows::inventory`. Inventory items carry
//! Medusa's computed `stocked_quantity` and `reserved_quantity`, summed
//! over their live levels by one batched statement per response.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use stheno_core_flows::entity::Update;
use stheno_core_flows::inventory::{
    self as flows, DeleteLevels, LevelBatch, LevelBatchOutput, VariantInventoryBatch,
    VariantInventoryLink,
};
use stheno_framework::Container;
use stheno_http::openapi::{self, Doc, RouteSet, deleted_with_parent_schema, reference, schema};
use stheno_http::validate::from_value;
use stheno_http::{ApiResult, Body, ListQuery, RetrieveQuery, response};
use stheno_inventory::{
    CreateInventoryItem, CreateInventoryItemInput, CreateInventoryLevelInput,
    CreateReservationItem, InventoryItem, InventoryItemFilter, InventoryLevel,
    InventoryLevelFilter, InventoryModule, LocationLevelInput, ReservationItem,
    UpdateInventoryItem, UpdateInventoryLevelInput, UpdateReservationInput,
};
use stheno_module_sdk::entity::{
    Bind, Condition, Entity as _, EntityFilter as _, FieldFilter, ListConfig,
};
use stheno_module_sdk::graph::{FieldsConfig, QueryContext, Record, Selection};
use stheno_module_sdk::money::{Amount, Decimal};
use stheno_module_sdk::{Error, Result};
use stheno_product::ProductModule;
use stheno_product::ProductVariantFilter;
use stheno_product::models::ProductVariant;

use crate::catalog::one;
use crate::crud::{self, CrudResource, CustomBodies};
use crate::fields::ADMIN_VARIANT;
use crate::respond;
use crate::workflow::run;

const ADMIN: QueryContext = QueryContext::ADMIN;
const ITEMS_TAG: &str = "Inventory Items";

/// Medusa's admin inventory item defaults: the computed quantities and the
/// levels.
const ITEM_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "sku",
        "title",
        "description",
        "thumbnail",
        "origin_country",
        "hs_code",
        "requires_shipping",
        "mid_code",
        "material",
        "weight",
        "length",
        "height",
        "width",
        "metadata",
        "reserved_quantity",
        "stocked_quantity",
        "created_at",
        "updated_at",
        "*location_levels",
    ],
    allowed: None,
    max_depth: None,
};

const LEVEL_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "inventory_item_id",
        "location_id",
        "stocked_quantity",
        "reserved_quantity",
        "incoming_quantity",
        "available_quantity",
        "metadata",
        "created_at",
        "updated_at",
    ],
    allowed: None,
    max_depth: None,
};

pub(super) fn configure(r: &mut RouteSet) {
    let item = InventoryItem::META;
    let level = InventoryLevel::META;
    r.get(
        "/inventory-items",
        list_items,
        Doc::new("List inventory items")
            .tag(ITEMS_TAG)
            .queries(openapi::list_params(item, true))
            .query(
                "location_levels[location_id]",
                json!({"type": "string"}),
                "Items with a level at this stock location (or any of several).",
            )
            .page("inventory_items", item),
    )
    .post(
        "/inventory-items",
        create_item,
        Doc::new("Create an inventory item")
            .tag(ITEMS_TAG)
            .fields()
            .body_of::<CreateItemBody>()
            .record("inventory_item", item),
    )
    // Literal segments before `{id}` patterns of the same length.
    .post(
        "/inventory-items/location-levels/batch",
        batch_all_levels,
        Doc::new("Create, update and delete levels of any inventory items")
            .tag(ITEMS_TAG)
            .body_of::<LevelBatchBody>()
            .uses(level)
            .response(200, "OK", level_batch_schema()),
    )
    .get(
        "/inventory-items/{id}",
        retrieve_item,
        Doc::new("Retrieve an inventory item")
            .tag(ITEMS_TAG)
            .fields()
            .record("inventory_item", item),
    )
    .post(
        "/inventory-items/{id}",
        update_item,
        Doc::new("Update an inventory item")
            .tag(ITEMS_TAG)
            .fields()
            .body(openapi::update_body(item))
            .record("inventory_item", item),
    )
    .delete(
        "/inventory-items/{id}",
        delete_item,
        Doc::new("Delete an inventory item")
            .tag(ITEMS_TAG)
            .deleted(),
    )
    .get(
        "/inventory-items/{id}/location-levels",
        list_levels,
        Doc::new("List an inventory item's location levels")
            .tag(ITEMS_TAG)
            .queries(openapi::list_params(level, true))
            .page("inventory_levels", level),
    )
    .post(
        "/inventory-items/{id}/location-levels",
        create_level,
        Doc::new("Stock an inventory item at a location")
            .tag(ITEMS_TAG)
            .fields()
            .body_of::<CreateLevelBody>()
            .record("inventory_item", item),
    )
    .post(
        "/inventory-items/{id}/location-levels/batch",
        batch_item_levels,
        Doc::new("Create, update and delete an inventory item's levels")
            .tag(ITEMS_TAG)
            .body_of::<ItemLevelBatchBody>()
            .uses(level)
            .response(200, "OK", level_batch_schema()),
    )
    .post(
        "/inventory-items/{id}/location-levels/{location_id}",
        update_level,
        Doc::new("Update an inventory item's level at a location")
            .tag(ITEMS_TAG)
            .fields()
            .body_of::<UpdateLevelBody>()
            .record("inventory_item", item),
    )
    .delete(
        "/inventory-items/{id}/location-levels/{location_id}",
        delete_level,
        Doc::new("Delete an inventory item's level at a location")
            .tag(ITEMS_TAG)
            .fields()
            .uses(item)
            .response(
                200,
                "Deleted, with the inventory item",
                deleted_with_parent_schema(reference("inventory_item")),
            ),
    );

    crud::admin_custom::<Reservations>(r, "/reservations");

    let variant = ProductVariant::META;
    r.post(
        "/products/{id}/variants/inventory-items/batch",
        batch_variant_links,
        Doc::new("Link, relink and unlink variants and inventory items")
            .tag("Products")
            .body_of::<VariantLinkBatchBody>()
            .response(200, "OK", link_batch_schema()),
    )
    .post(
        "/products/{id}/variants/{variant_id}/inventory-items",
        link_variant_item,
        Doc::new("Link an inventory item to a variant")
            .tag("Products")
            .fields()
            .body_of::<LinkItemBody>()
            .record("variant", variant),
    )
    .post(
        "/products/{id}/variants/{variant_id}/inventory-items/{inventory_item_id}",
        update_variant_link,
        Doc::new("Change how many units of an inventory item a variant takes")
            .tag("Products")
            .fields()
            .body_of::<UpdateLinkBody>()
            .record("variant", variant),
    )
    .delete(
        "/products/{id}/variants/{variant_id}/inventory-items/{inventory_item_id}",
        unlink_variant_item,
        Doc::new("Unlink an inventory item from a variant")
            .tag("Products")
            .fields()
            .uses(variant)
            .response(200, "Deleted, with the variant", unlink_schema()),
    );
}

fn level_batch_schema() -> openapi::utoipa::openapi::RefOr<openapi::utoipa::openapi::Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            "created": { "type": "array", "items": reference("inventory_level") },
            "updated": { "type": "array", "items": reference("inventory_level") },
            "deleted": { "type": "array", "items": { "type": "string" } },
        },
        "required": ["created", "updated", "deleted"],
    }))
}

fn link_json() -> Value {
    json!({
        "type": "object",
        "properties": {
            "product": { "type": "object", "properties": { "variant_id": { "type": "string" } } },
            "inventory": { "type": "object", "properties": { "inventory_item_id": { "type": "string" } } },
            "data": { "type": "object", "properties": { "required_quantity": { "type": "number" } } },
        },
    })
}

fn link_batch_schema() -> openapi::utoipa::openapi::RefOr<openapi::utoipa::openapi::Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            "created": { "type": "array", "items": link_json() },
            "updated": { "type": "array", "items": link_json() },
            "deleted": { "type": "array", "items": link_json() },
        },
        "required": ["created", "updated", "deleted"],
    }))
}

fn unlink_schema() -> openapi::utoipa::openapi::RefOr<openapi::utoipa::openapi::Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            "id": link_json(),
            "object": { "type": "string", "enum": ["variant-inventory-item-link"] },
            "deleted": { "type": "boolean" },
            "parent": reference("product_variant"),
        },
        "required": ["id", "object", "deleted", "parent"],
    }))
}

// ---- validation --------------------------------------------------------

/// Medusa's `min(0)` on a quantity: `path` names the field.
fn at_least_zero(path: &str, value: Option<Amount>) -> Result<()> {
    match value {
        Some(q) if q.0 < Decimal::ZERO => Err(Error::invalid_data(format!(
            "Invalid request: Value for field '{path}' too small, expected at least: '0'"
        ))),
        _ => Ok(()),
    }
}

// ---- inventory items ---------------------------------------------------

/// `location_levels` entries of a new item, and the body of
/// `POST /admin/inventory-items/:id/location-levels`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateLevelBody {
    pub location_id: String,
    /// At least 0.
    #[schema(value_type = Option<f64>)]
    pub stocked_quantity: Option<Amount>,
    /// At least 0.
    #[schema(value_type = Option<f64>)]
    pub incoming_quantity: Option<Amount>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl CreateLevelBody {
    fn check(&self, prefix: &str) -> Result<()> {
        at_least_zero(&format!("{prefix}stocked_quantity"), self.stocked_quantity)?;
        at_least_zero(
            &format!("{prefix}incoming_quantity"),
            self.incoming_quantity,
        )
    }

    fn into_level(self, item: &str) -> CreateInventoryLevelInput {
        CreateInventoryLevelInput {
            inventory_item_id: item.to_string(),
            location_id: self.location_id,
            stocked_quantity: self.stocked_quantity,
            incoming_quantity: self.incoming_quantity,
            metadata: self.metadata,
        }
    }
}

/// `POST /admin/inventory-items`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateItemBody {
    pub sku: Option<String>,
    pub hs_code: Option<String>,
    pub weight: Option<i32>,
    pub length: Option<i32>,
    pub height: Option<i32>,
    pub width: Option<i32>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub requires_shipping: Option<bool>,
    pub thumbnail: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// Levels created with the item, one per stock location.
    #[serde(default)]
    pub location_levels: Vec<CreateLevelBody>,
}

impl CreateItemBody {
    fn into_input(self) -> Result<CreateInventoryItemInput> {
        for (i, level) in self.location_levels.iter().enumerate() {
            level.check(&format!("location_levels, {i}, "))?;
        }
        Ok(CreateInventoryItemInput {
            item: CreateInventoryItem {
                sku: self.sku,
                hs_code: self.hs_code,
                weight: self.weight,
                length: self.length,
                height: self.height,
                width: self.width,
                origin_country: self.origin_country,
                mid_code: self.mid_code,
                material: self.material,
                title: self.title,
                description: self.description,
                requires_shipping: self.requires_shipping,
                thumbnail: self.thumbnail,
                metadata: self.metadata,
                ..CreateInventoryItem::new()
            },
            location_levels: self
                .location_levels
                .into_iter()
                .map(|l| LocationLevelInput {
                    location_id: l.location_id,
                    stocked_quantity: l.stocked_quantity,
                    incoming_quantity: l.incoming_quantity,
                    metadata: l.metadata,
                })
                .collect(),
        })
    }
}

/// Items as records with the computed quantities the selection asks for
/// (one statement for all of them), their relations loaded.
async fn item_records(
    c: &Container,
    rows: &[InventoryItem],
    selection: &Selection,
) -> ApiResult<Vec<Record>> {
    let mut records = respond::records(rows)?;
    let wants = |f: &str| selection.all_scalars || selection.fields.contains(f);
    if !rows.is_empty() && (wants("stocked_quantity") || wants("reserved_quantity")) {
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let sums = c
            .require::<InventoryModule>()?
            .quantities(&ids, None)
            .await?;
        for (record, row) in records.iter_mut().zip(rows) {
            let q = sums.get(&row.id).copied().unwrap_or_default();
            record.insert(
                "stocked_quantity".into(),
                Amount(q.stocked).to_json_number(),
            );
            record.insert(
                "reserved_quantity".into(),
                Amount(q.reserved).to_json_number(),
            );
        }
    }
    Ok(c.query()
        .expand(InventoryItem::META.entity, records, selection, ADMIN)
        .await?)
}

/// `{inventory_item}` of `id` (fresh from the database).
async fn item_response(c: &Container, id: &str, selection: &Selection) -> ApiResult<HttpResponse> {
    let row = c
        .require::<InventoryModule>()?
        .inventory_items()
        .retrieve(id)
        .await?;
    let record = one(item_records(c, std::slice::from_ref(&row), selection).await?)?;
    Ok(response::one("inventory_item", record))
}

/// The filters of the item list: the generated ones, plus
/// `location_levels[location_id]` (items with a live level there).
fn item_condition(mut filters: Map<String, Value>) -> Result<Condition> {
    let mut extra = Vec::new();
    if let Some(Value::Object(levels)) = filters.get("location_levels").cloned() {
        filters.remove("location_levels");
        let mut levels = levels;
        let locations = match levels.remove("location_id") {
            Some(Value::String(s)) => vec![s],
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s),
                    other => Err(Error::invalid_data(format!(
                        "Invalid request: Expected type: 'string' for field 'location_levels, location_id', got: '{other}'"
                    ))),
                })
                .collect::<Result<_>>()?,
            _ => {
                return Err(Error::invalid_data(
                    "Invalid request: Field 'location_levels, location_id' is required",
                ));
            }
        };
        if let Some(unknown) = levels.keys().next() {
            return Err(Error::invalid_data(format!(
                "Invalid request: Unrecognized fields: 'location_levels, {unknown}'"
            )));
        }
        extra.push(Condition::Related {
            relation: "location_levels",
            condition: Box::new(Condition::In {
                column: "location_id",
                values: locations.into_iter().map(Bind::Text).collect(),
                negated: false,
            }),
        });
    }
    let filter: InventoryItemFilter = from_value(Value::Object(filters), true)?;
    let mut all = vec![filter.condition()];
    all.extend(extra);
    Ok(Condition::All(all))
}

async fn list_items(c: web::Data<Container>, req: HttpRequest) -> ApiResult<HttpResponse> {
    let q: ListQuery<Map<String, Value>> = stheno_http::extract::parse_list(req.query_string())?;
    let selection = q.selection(ITEM_FIELDS)?;
    let page = q.page(50);
    let config = ListConfig {
        page: Some(page),
        order: q.order_by(None),
        with_deleted: q.with_deleted,
    };
    let condition = item_condition(q.filters)?;
    let (rows, count) = c
        .require::<InventoryModule>()?
        .inventory_items()
        .list_and_count_where(&condition, &config)
        .await?;
    let records = item_records(&c, &rows, &selection).await?;
    Ok(response::list("inventory_items", records, count, page))
}

async fn create_item(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateItemBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ITEM_FIELDS)?;
    let input = body.0.into_input()?;
    let item = one(run(&c, flows::create_inventory_items(), vec![input]).await?)?;
    item_response(&c, &item.id, &selection).await
}

async fn retrieve_item(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    item_response(&c, &id, &q.selection(ITEM_FIELDS)?).await
}

async fn update_item(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateInventoryItem>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ITEM_FIELDS)?;
    let update = vec![Update::new(id.as_str(), body.0)];
    run(&c, flows::update_inventory_items(), update).await?;
    item_response(&c, &id, &selection).await
}

async fn delete_item(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    run(&c, flows::delete_inventory_items(), vec![id.to_string()]).await?;
    Ok(response::deleted(&id, "inventory_item"))
}

// ---- location levels ---------------------------------------------------

/// `POST /admin/inventory-items/:id/location-levels/:location_id`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateLevelBody {
    /// At least 0.
    #[schema(value_type = Option<f64>)]
    pub stocked_quantity: Option<Amount>,
    /// At least 0.
    #[schema(value_type = Option<f64>)]
    pub incoming_quantity: Option<Amount>,
}

impl UpdateLevelBody {
    fn into_update(
        self,
        prefix: &str,
        item: &str,
        location: &str,
    ) -> Result<UpdateInventoryLevelInput> {
        at_least_zero(&format!("{prefix}stocked_quantity"), self.stocked_quantity)?;
        at_least_zero(
            &format!("{prefix}incoming_quantity"),
            self.incoming_quantity,
        )?;
        Ok(UpdateInventoryLevelInput {
            stocked_quantity: self.stocked_quantity,
            incoming_quantity: self.incoming_quantity,
            ..UpdateInventoryLevelInput::new(item, location)
        })
    }
}

/// An `update` entry of the item's level batch: the level by its location.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LevelUpdateEntry {
    /// The level's id (accepted; the location picks the level).
    #[serde(rename = "id")]
    pub _id: Option<String>,
    pub location_id: String,
    #[schema(value_type = Option<f64>)]
    pub stocked_quantity: Option<Amount>,
    #[schema(value_type = Option<f64>)]
    pub incoming_quantity: Option<Amount>,
}

/// `POST /admin/inventory-items/:id/location-levels/batch`: levels to
/// create and update by location, level ids to delete; `force` deletes
/// levels that hold stock.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemLevelBatchBody {
    #[serde(default)]
    pub create: Vec<CreateLevelBody>,
    #[serde(default)]
    pub update: Vec<LevelUpdateEntry>,
    #[serde(default)]
    pub delete: Vec<String>,
    pub force: Option<bool>,
}

/// An entry of the global level batch: the item and location of a level.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct GlobalLevelEntry {
    #[serde(rename = "id")]
    pub _id: Option<String>,
    pub inventory_item_id: String,
    pub location_id: String,
    #[schema(value_type = Option<f64>)]
    pub stocked_quantity: Option<Amount>,
    #[schema(value_type = Option<f64>)]
    pub incoming_quantity: Option<Amount>,
}

/// `POST /admin/inventory-items/location-levels/batch`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LevelBatchBody {
    #[serde(default)]
    pub create: Vec<GlobalLevelEntry>,
    #[serde(default)]
    pub update: Vec<GlobalLevelEntry>,
    #[serde(default)]
    pub delete: Vec<String>,
    pub force: Option<bool>,
}

/// The item, or its 404.
async fn require_item(c: &Container, id: &str) -> ApiResult<InventoryItem> {
    Ok(c.require::<InventoryModule>()?
        .inventory_items()
        .retrieve(id)
        .await?)
}

async fn list_levels(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: ListQuery<InventoryLevelFilter>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(LEVEL_FIELDS)?;
    require_item(&c, &id).await?;
    let page = q.page(50);
    let config = ListConfig {
        page: Some(page),
        order: q.order_by(None),
        with_deleted: q.with_deleted,
    };
    let filter = InventoryLevelFilter {
        inventory_item_id: Some(FieldFilter::Eq(id.into_inner())),
        ..q.filters
    };
    let (rows, count) = c
        .require::<InventoryModule>()?
        .inventory_levels()
        .list_and_count(&filter, &config)
        .await?;
    respond::list(
        &c,
        InventoryLevel::META.entity,
        "inventory_levels",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create_level(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<CreateLevelBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ITEM_FIELDS)?;
    require_item(&c, &id).await?;
    body.0.check("")?;
    run(
        &c,
        flows::create_inventory_levels(),
        vec![body.0.into_level(&id)],
    )
    .await?;
    item_response(&c, &id, &selection).await
}

async fn update_level(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
    body: Body<UpdateLevelBody>,
) -> ApiResult<HttpResponse> {
    let (item, location) = path.into_inner();
    let selection = q.selection(ITEM_FIELDS)?;
    require_item(&c, &item).await?;
    let update = body.0.into_update("", &item, &location)?;
    run(&c, flows::update_inventory_levels(), vec![update]).await?;
    item_response(&c, &item, &selection).await
}

/// The live level of `item` at `location`, or Medusa's 404.
async fn level_at(c: &Container, item: &str, location: &str) -> ApiResult<InventoryLevel> {
    let filter = InventoryLevelFilter {
        inventory_item_id: Some(FieldFilter::Eq(item.to_string())),
        location_id: Some(FieldFilter::Eq(location.to_string())),
        ..Default::default()
    };
    c.require::<InventoryModule>()?
        .inventory_levels()
        .list(&filter, &ListConfig::default())
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            Error::not_found(format!(
                "Inventory Level for Item {item} at Location {location} not found"
            ))
            .into()
        })
}

async fn delete_level(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let (item, location) = path.into_inner();
    let selection = q.selection(ITEM_FIELDS)?;
    require_item(&c, &item).await?;
    let level = level_at(&c, &item, &location).await?;
    if level.reserved_quantity.0 > Decimal::ZERO {
        return Err(Error::not_allowed(format!(
            "Cannot remove Inventory Level {item} at Location {location} because there are reservations at location"
        ))
        .into());
    }
    // A level's stock goes with it (the route deletes what the admin
    // points at); reserved or incoming units still refuse it.
    let input = DeleteLevels {
        ids: vec![level.id.clone()],
        force: true,
    };
    run(&c, flows::delete_inventory_levels(), input).await?;
    let row = require_item(&c, &item).await?;
    let parent = one(item_records(&c, std::slice::from_ref(&row), &selection).await?)?;
    Ok(response::deleted_with_parent(
        &level.id,
        "inventory-level",
        parent,
    ))
}

/// `{created, updated, deleted}` of a level batch.
async fn level_batch_response(c: &Container, out: LevelBatchOutput) -> ApiResult<HttpResponse> {
    let selection = Selection::from_fields(LEVEL_FIELDS, None)?;
    let entity = InventoryLevel::META.entity;
    let created = respond::expand_many(c, entity, &out.created, &selection, ADMIN).await?;
    let updated = respond::expand_many(c, entity, &out.updated, &selection, ADMIN).await?;
    Ok(HttpResponse::Ok().json(json!({
        "created": created,
        "updated": updated,
        "deleted": out.deleted,
    })))
}

async fn batch_item_levels(
    c: web::Data<Container>,
    id: web::Path<String>,
    body: Body<ItemLevelBatchBody>,
) -> ApiResult<HttpResponse> {
    require_item(&c, &id).await?;
    let ItemLevelBatchBody {
        create,
        update,
        delete,
        force,
    } = body.0;
    for (i, l) in create.iter().enumerate() {
        l.check(&format!("create, {i}, "))?;
    }
    let update = update
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            UpdateLevelBody {
                stocked_quantity: u.stocked_quantity,
                incoming_quantity: u.incoming_quantity,
            }
            .into_update(&format!("update, {i}, "), &id, &u.location_id)
        })
        .collect::<Result<Vec<_>>>()?;
    // Deleted levels must be the item's.
    if !delete.is_empty() {
        let levels = c
            .require::<InventoryModule>()?
            .inventory_levels()
            .list_by_ids(&delete)
            .await?;
        if let Some(missing) = delete.iter().find(|d| {
            !levels
                .iter()
                .any(|l| &l.id == *d && l.inventory_item_id == *id)
        }) {
            return Err(InventoryLevel::META.not_found(missing).into());
        }
    }
    let batch = LevelBatch {
        create: create.into_iter().map(|l| l.into_level(&id)).collect(),
        update,
        delete,
        force: force.unwrap_or(false),
    };
    let out = run(&c, flows::batch_inventory_item_levels(), batch).await?;
    level_batch_response(&c, out).await
}

async fn batch_all_levels(
    c: web::Data<Container>,
    body: Body<LevelBatchBody>,
) -> ApiResult<HttpResponse> {
    let LevelBatchBody {
        create,
        update,
        delete,
        force,
    } = body.0;
    let mut levels = Vec::with_capacity(create.len());
    for (i, l) in create.into_iter().enumerate() {
        at_least_zero(
            &format!("create, {i}, stocked_quantity"),
            l.stocked_quantity,
        )?;
        at_least_zero(
            &format!("create, {i}, incoming_quantity"),
            l.incoming_quantity,
        )?;
        levels.push(CreateInventoryLevelInput {
            inventory_item_id: l.inventory_item_id,
            location_id: l.location_id,
            stocked_quantity: l.stocked_quantity,
            incoming_quantity: l.incoming_quantity,
            metadata: None,
        });
    }
    let update = update
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            UpdateLevelBody {
                stocked_quantity: u.stocked_quantity,
                incoming_quantity: u.incoming_quantity,
            }
            .into_update(
                &format!("update, {i}, "),
                &u.inventory_item_id,
                &u.location_id,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    let batch = LevelBatch {
        create: levels,
        update,
        delete,
        force: force.unwrap_or(false),
    };
    let out = run(&c, flows::batch_inventory_item_levels(), batch).await?;
    level_batch_response(&c, out).await
}

// ---- reservations ------------------------------------------------------

/// Reservations on the route kit: its list (filters `inventory_item_id`,
/// `location_id`, `line_item_id`, …), retrieve and delete, with bodies of
/// their own and the reservation workflows (the module's domain
/// operations keep the levels' reserved quantities).
pub(crate) struct Reservations;

impl CrudResource for Reservations {
    type Module = InventoryModule;
    type Entity = ReservationItem;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "location_id",
            "inventory_item_id",
            "quantity",
            "line_item_id",
            "description",
            "metadata",
            "created_at",
            "updated_at",
        ],
        allowed: None,
        max_depth: None,
    };
    const KEY: Option<&'static str> = Some("reservation");
    const PLURAL: Option<&'static str> = Some("reservations");

    async fn delete_one(c: &Container, id: &str) -> Result<()> {
        run(c, flows::delete_reservations(), vec![id.to_string()]).await?;
        Ok(())
    }
}

/// `POST /admin/reservations`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateReservationBody {
    pub inventory_item_id: String,
    pub location_id: String,
    /// Greater than 0; at most what the level has available.
    #[schema(value_type = f64)]
    pub quantity: Amount,
    pub line_item_id: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// `POST /admin/reservations/:id`: a new quantity or location moves the
/// reserved stock; `null` clears description and metadata.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateReservationBody {
    #[schema(value_type = Option<f64>)]
    pub quantity: Option<Amount>,
    pub location_id: Option<String>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

impl CustomBodies for Reservations {
    type CreateBody = CreateReservationBody;
    type UpdateBody = UpdateReservationBody;

    async fn create_from(c: &Container, body: CreateReservationBody) -> Result<ReservationItem> {
        // The item first: an unknown one is its 404, not "not stocked".
        c.require::<InventoryModule>()?
            .inventory_items()
            .retrieve(&body.inventory_item_id)
            .await?;
        let input = CreateReservationItem {
            line_item_id: body.line_item_id,
            description: body.description,
            metadata: body.metadata,
            ..CreateReservationItem::new(body.inventory_item_id, body.location_id, body.quantity)
        };
        let created = run(c, flows::create_reservations(), vec![input]).await?;
        one(created)
    }

    async fn update_from(
        c: &Container,
        id: &str,
        body: UpdateReservationBody,
    ) -> Result<ReservationItem> {
        let changes = UpdateReservationInput {
            quantity: body.quantity,
            location_id: body.location_id,
            allow_backorder: None,
            description: body.description,
            metadata: body.metadata,
        };
        let updated = run(
            c,
            flows::update_reservations(),
            vec![Update::new(id, changes)],
        )
        .await?;
        one(updated)
    }
}

// ---- variant ↔ inventory item links --------------------------------------

/// `POST /admin/products/:id/variants/:variant_id/inventory-items`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkItemBody {
    pub inventory_item_id: String,
    /// Units of the item one unit of the variant takes.
    #[schema(value_type = f64)]
    pub required_quantity: Amount,
}

/// `POST /admin/products/:id/variants/:variant_id/inventory-items/:inventory_item_id`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateLinkBody {
    #[schema(value_type = f64)]
    pub required_quantity: Amount,
}

/// One entry of the variant link batch.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VariantLinkEntry {
    pub variant_id: String,
    pub inventory_item_id: String,
    #[schema(value_type = Option<f64>)]
    pub required_quantity: Option<Amount>,
}

impl From<VariantLinkEntry> for VariantInventoryLink {
    fn from(e: VariantLinkEntry) -> Self {
        Self {
            variant_id: e.variant_id,
            inventory_item_id: e.inventory_item_id,
            required_quantity: e.required_quantity,
        }
    }
}

/// `POST /admin/products/:id/variants/inventory-items/batch`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VariantLinkBatchBody {
    #[serde(default)]
    pub create: Vec<VariantLinkEntry>,
    #[serde(default)]
    pub update: Vec<VariantLinkEntry>,
    #[serde(default)]
    pub delete: Vec<VariantLinkEntry>,
}

/// The variants among `ids` of the product (one statement); 404 naming
/// the first that is not. Returns them.
async fn variants_of(
    c: &Container,
    product_id: &str,
    ids: Vec<String>,
) -> ApiResult<Vec<ProductVariant>> {
    let products = c.require::<ProductModule>()?;
    products.products().retrieve(product_id).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let filter = ProductVariantFilter {
        product_id: Some(FieldFilter::Eq(product_id.to_string())),
        id: Some(FieldFilter::In(ids.clone())),
        ..Default::default()
    };
    let found = products
        .product_variants()
        .list(&filter, &ListConfig::default())
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|v| &v.id == *id)) {
        return Err(Error::not_found(format!(
            "Variant with id: {missing} was not found for product {product_id}"
        ))
        .into());
    }
    Ok(found)
}

/// The variant as the product routes answer it.
async fn variant_record(c: &Container, id: &str, selection: &Selection) -> ApiResult<Record> {
    let variant = c
        .require::<ProductModule>()?
        .product_variants()
        .retrieve(id)
        .await?;
    respond::expand_one(c, ProductVariant::META.entity, &variant, selection, ADMIN).await
}

/// Medusa's link object: `{product: {variant_id}, inventory:
/// {inventory_item_id}, data?: {required_quantity}}`.
fn link_object(l: &VariantInventoryLink) -> Value {
    let mut out = json!({
        "product": { "variant_id": l.variant_id },
        "inventory": { "inventory_item_id": l.inventory_item_id },
    });
    if let Some(q) = l.required_quantity {
        out["data"] = json!({ "required_quantity": q.to_json_number() });
    }
    out
}

async fn link_variant_item(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
    body: Body<LinkItemBody>,
) -> ApiResult<HttpResponse> {
    let (product, variant) = path.into_inner();
    let selection = q.selection(ADMIN_VARIANT)?;
    variants_of(&c, &product, vec![variant.clone()]).await?;
    let batch = VariantInventoryBatch {
        create: vec![VariantInventoryLink {
            variant_id: variant.clone(),
            inventory_item_id: body.0.inventory_item_id,
            required_quantity: Some(body.0.required_quantity),
        }],
        ..Default::default()
    };
    run(&c, flows::batch_variant_inventory_links(), batch).await?;
    Ok(response::one(
        "variant",
        variant_record(&c, &variant, &selection).await?,
    ))
}

async fn update_variant_link(
    c: web::Data<Container>,
    path: web::Path<(String, String, String)>,
    q: RetrieveQuery,
    body: Body<UpdateLinkBody>,
) -> ApiResult<HttpResponse> {
    let (product, variant, item) = path.into_inner();
    let selection = q.selection(ADMIN_VARIANT)?;
    variants_of(&c, &product, vec![variant.clone()]).await?;
    let batch = VariantInventoryBatch {
        update: vec![VariantInventoryLink {
            variant_id: variant.clone(),
            inventory_item_id: item,
            required_quantity: Some(body.0.required_quantity),
        }],
        ..Default::default()
    };
    run(&c, flows::batch_variant_inventory_links(), batch).await?;
    Ok(response::one(
        "variant",
        variant_record(&c, &variant, &selection).await?,
    ))
}

async fn unlink_variant_item(
    c: web::Data<Container>,
    path: web::Path<(String, String, String)>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let (product, variant, item) = path.into_inner();
    let selection = q.selection(ADMIN_VARIANT)?;
    variants_of(&c, &product, vec![variant.clone()]).await?;
    let link = VariantInventoryLink {
        variant_id: variant.clone(),
        inventory_item_id: item,
        required_quantity: None,
    };
    let batch = VariantInventoryBatch {
        delete: vec![link.clone()],
        ..Default::default()
    };
    run(&c, flows::batch_variant_inventory_links(), batch).await?;
    let parent = variant_record(&c, &variant, &selection).await?;
    Ok(HttpResponse::Ok().json(json!({
        "id": link_object(&link),
        "object": "variant-inventory-item-link",
        "deleted": true,
        "parent": parent,
    })))
}

async fn batch_variant_links(
    c: web::Data<Container>,
    product: web::Path<String>,
    body: Body<VariantLinkBatchBody>,
) -> ApiResult<HttpResponse> {
    let VariantLinkBatchBody {
        create,
        update,
        delete,
    } = body.0;
    let variants = stheno_module_sdk::list::dedup(
        create
            .iter()
            .chain(&update)
            .chain(&delete)
            .map(|e| e.variant_id.clone()),
    );
    variants_of(&c, &product, variants).await?;
    let batch = VariantInventoryBatch {
        create: create.into_iter().map(Into::into).collect(),
        update: update.into_iter().map(Into::into).collect(),
        delete: delete.into_iter().map(Into::into).collect(),
    };
    let done = run(&c, flows::batch_variant_inventory_links(), batch).await?;
    let objects =
        |links: &[VariantInventoryLink]| links.iter().map(link_object).collect::<Vec<_>>();
    Ok(HttpResponse::Ok().json(json!({
        "created": objects(&done.create),
        "updated": objects(&done.update),
        "deleted": objects(&done.delete),
    })))
}
