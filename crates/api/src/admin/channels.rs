//! `/admin/sales-channels`, `/admin/api-keys`, `/admin/stock-locations`.
//!
//! Through the route kit: the lists (generated filters: `q`, `type`, …),
//! retrieves, sales-channel CRUD, API-key title updates and deletes, and
//! stock-location writes with their nested address ([`CustomBodies`]).
//! Written here: the API-key create (the admin is `created_by`; a secret
//! key's raw token is answered once), the revoke, and the link batches
//! (`…/products`, `…/sales-channels`). Mutations run the workflows of
//! [`stheno_core_flows::channels`].

use actix_web::{HttpResponse, web};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_api_key::{ApiKey, ApiKeyModule, ApiKeyType, ApiKeyUpdate, NewApiKey};
use stheno_core_flows::channels::{self, RawTokens, RevokeApiKeys};
use stheno_core_flows::entity::Update;
use stheno_framework::Container;
use stheno_http::openapi::{Doc, RouteSet};
use stheno_http::{ApiResult, Authenticated, Body, RetrieveQuery, response};
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::graph::{FieldsConfig, QueryContext};
use stheno_module_sdk::{Error, Result};
use stheno_sales_channel::{SalesChannel, SalesChannelModule};
use stheno_stock_location::{
    CreateStockLocationInput, StockLocation, StockLocationModule, UpdateStockLocationInput,
};
use stheno_workflow_sdk::Workflow;

use super::LinkBatch;
use crate::crud::{self, AdminRoutes, CrudResource, CustomBodies, Updates};
use crate::respond;
use crate::workflow::run;

pub(super) fn configure(r: &mut RouteSet) {
    r.post(
        "/sales-channels/{id}/products",
        link_channel_products,
        Doc::new("Add and remove a sales channel's products")
            .tag("Sales Channels")
            .fields()
            .body_of::<LinkBatch>()
            .record("sales_channel", SalesChannel::META),
    )
    .post(
        "/api-keys",
        create_api_key,
        Doc::new("Create an API key")
            .tag("Api Keys")
            .fields()
            .body_of::<CreateApiKeyBody>()
            .record("api_key", ApiKey::META),
    )
    .post(
        "/api-keys/{id}/revoke",
        revoke_api_key,
        Doc::new("Revoke an API key")
            .tag("Api Keys")
            .fields()
            .body_of::<RevokeBody>()
            .record("api_key", ApiKey::META),
    )
    .post(
        "/api-keys/{id}/sales-channels",
        link_key_channels,
        Doc::new("Add and remove a publishable API key's sales channels")
            .tag("Api Keys")
            .fields()
            .body_of::<LinkBatch>()
            .record("api_key", ApiKey::META),
    )
    .post(
        "/stock-locations/{id}/sales-channels",
        link_location_channels,
        Doc::new("Add and remove a stock location's sales channels")
            .tag("Stock Locations")
            .fields()
            .body_of::<LinkBatch>()
            .record("stock_location", StockLocation::META),
    );
    crud::admin::<SalesChannels>(r, "/sales-channels");
    crud::admin_custom::<ApiKeys>(r, "/api-keys");
    crud::admin_custom::<StockLocations>(r, "/stock-locations");
}

fn one<T>(mut rows: Vec<T>) -> Result<T> {
    rows.pop()
        .ok_or_else(|| Error::unexpected_state("nothing was written"))
}

/// `body` as the module's input type (both speak the same JSON).
fn convert<T: Serialize, U: DeserializeOwned>(body: &T) -> Result<U> {
    Ok(serde_json::from_value(serde_json::to_value(body)?)?)
}

// ---- sales channels --------------------------------------------------------

/// Sales channels: the route kit over the generated service, writes
/// through `create-` / `update-` / `delete-sales-channels`.
pub(crate) struct SalesChannels;

impl CrudResource for SalesChannels {
    type Module = SalesChannelModule;
    type Entity = SalesChannel;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "name",
            "description",
            "is_disabled",
            "created_at",
            "updated_at",
            "deleted_at",
            "metadata",
        ],
        allowed: None,
        max_depth: None,
    };
    fn create()
    -> Workflow<Vec<<SalesChannel as stheno_module_sdk::entity::Entity>::Create>, Vec<SalesChannel>>
    {
        channels::create_sales_channels()
    }
    fn update() -> Workflow<Updates<Self>, Vec<SalesChannel>> {
        channels::update_sales_channels()
    }
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        channels::delete_sales_channels()
    }
}

/// `POST /sales-channels/{id}/products {add, remove}` → the channel.
async fn link_channel_products(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    c.require::<SalesChannelModule>()?
        .sales_channels()
        .retrieve(&id)
        .await?;
    let LinkBatch { add, remove } = body.0;
    let batch = channels::LinkBatch::new(id.as_str(), add, remove);
    run(&c, channels::link_products_to_sales_channel(), batch).await?;
    crud::respond_one::<SalesChannels>(&c, &id, q).await
}

// ---- API keys ----------------------------------------------------------------

/// API keys: the kit lists, retrieves, updates (the title) and deletes
/// (revoked keys only); the create is [`create_api_key`].
pub(crate) struct ApiKeys;

impl CrudResource for ApiKeys {
    type Module = ApiKeyModule;
    type Entity = ApiKey;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "title",
            "token",
            "redacted",
            "type",
            "last_used_at",
            "updated_at",
            "created_at",
            "created_by",
            "revoked_at",
            "revoked_by",
            "sales_channels.id",
            "sales_channels.name",
        ],
        allowed: None,
        max_depth: None,
    };
    const DEFAULT_LIMIT: i64 = 20;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        create: false,
        ..AdminRoutes::ALL
    };
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        channels::delete_api_keys()
    }
}

/// `POST /admin/api-keys`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateApiKeyBody {
    pub title: String,
    #[serde(rename = "type")]
    pub r#type: ApiKeyType,
}

/// `POST /admin/api-keys/:id`: only the title changes.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateApiKeyBody {
    pub title: String,
}

/// `POST /admin/api-keys/:id/revoke`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct RevokeBody {
    /// Seconds until the key stops working (default: now).
    pub revoke_in: Option<i64>,
}

impl CustomBodies for ApiKeys {
    type CreateBody = CreateApiKeyBody;
    type UpdateBody = UpdateApiKeyBody;
    async fn create_from(_: &Container, _: CreateApiKeyBody) -> Result<ApiKey> {
        // Not registered (`ADMIN_ROUTES.create` is off): a key needs its
        // creator, and its raw token is answered once (`create_api_key`).
        Err(Error::not_allowed(
            "API keys are created by POST /admin/api-keys",
        ))
    }
    async fn update_from(c: &Container, id: &str, body: UpdateApiKeyBody) -> Result<ApiKey> {
        let change = Update::new(id, ApiKeyUpdate { title: body.title });
        one(run(c, channels::update_api_keys(), vec![change]).await?)
    }
}

/// `POST /admin/api-keys {title, type}` → `{api_key}`, `created_by` the
/// admin; `token` is the raw key, the only answer that carries a secret
/// key's token.
async fn create_api_key(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<CreateApiKeyBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ApiKeys::FIELDS)?;
    let b = body.0;
    let input = NewApiKey {
        title: b.title,
        r#type: b.r#type,
        created_by: auth.0.actor_id,
    };
    let key = one(run(&c, channels::create_api_keys(), vec![input]).await?)?;
    let raw = c
        .workflows()
        .services()
        .get_or_init(RawTokens::default)
        .take(&key.id);
    let mut record =
        respond::expand_one(&c, "api_key", &key, &selection, QueryContext::ADMIN).await?;
    if let Some(raw) = raw
        && record.contains_key("token")
    {
        record.insert("token".into(), Value::String(raw));
    }
    Ok(response::one("api_key", record))
}

/// `POST /admin/api-keys/:id/revoke {revoke_in?}` → the key, `revoked_by`
/// the admin.
async fn revoke_api_key(
    c: web::Data<Container>,
    auth: Authenticated,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<RevokeBody>,
) -> ApiResult<HttpResponse> {
    c.require::<ApiKeyModule>()?
        .api_keys()
        .retrieve(&id)
        .await?;
    let input = RevokeApiKeys {
        ids: vec![id.to_string()],
        revoked_by: auth.0.actor_id,
        revoke_in: body.0.revoke_in,
    };
    run(&c, channels::revoke_api_keys(), input).await?;
    crud::respond_one::<ApiKeys>(&c, &id, q).await
}

/// `POST /admin/api-keys/:id/sales-channels {add, remove}` → the key
/// (publishable keys only).
async fn link_key_channels(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let LinkBatch { add, remove } = body.0;
    let batch = channels::LinkBatch::new(id.as_str(), add, remove);
    run(&c, channels::link_sales_channels_to_api_key(), batch).await?;
    crud::respond_one::<ApiKeys>(&c, &id, q).await
}

// ---- stock locations -----------------------------------------------------------

/// Stock locations: the kit over the generated service, writes through
/// `create-` / `update-` / `delete-stock-locations` with the nested
/// address.
pub(crate) struct StockLocations;

impl CrudResource for StockLocations {
    type Module = StockLocationModule;
    type Entity = StockLocation;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &[
            "id",
            "name",
            "metadata",
            "created_at",
            "updated_at",
            "address.id",
            "address.address_1",
            "address.address_2",
            "address.city",
            "address.country_code",
            "address.phone",
            "address.province",
            "address.postal_code",
            "address.metadata",
        ],
        allowed: None,
        max_depth: None,
    };
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        channels::delete_stock_locations()
    }
}

/// A stock location's new address.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddressBody {
    pub address_1: String,
    /// ISO 3166-1 alpha-2, lower case.
    pub country_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
}

/// `POST /admin/stock-locations`: `address` (created with the location)
/// or `address_id` (an existing address), not both.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CreateStockLocationBody {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<AddressBody>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// Changes to a stock location's address (`null` clears); a location
/// without one gets a new address (`address_1` and `country_code`
/// required).
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateAddressBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_code: Option<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_2: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub company: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub city: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub postal_code: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub province: Option<Option<String>>,
}

/// `POST /admin/stock-locations/:id`: given fields change, `null` clears.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct UpdateStockLocationBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<UpdateAddressBody>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_id: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Option<Value>>,
}

impl CustomBodies for StockLocations {
    type CreateBody = CreateStockLocationBody;
    type UpdateBody = UpdateStockLocationBody;
    async fn create_from(c: &Container, body: CreateStockLocationBody) -> Result<StockLocation> {
        let input: CreateStockLocationInput = convert(&body)?;
        one(run(c, channels::create_stock_locations(), vec![input]).await?)
    }
    async fn update_from(
        c: &Container,
        id: &str,
        body: UpdateStockLocationBody,
    ) -> Result<StockLocation> {
        let update: UpdateStockLocationInput = convert(&body)?;
        let change = Update::new(id, update);
        one(run(c, channels::update_stock_locations(), vec![change]).await?)
    }
}

/// `POST /stock-locations/{id}/sales-channels {add, remove}` → the
/// location.
async fn link_location_channels(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    c.require::<StockLocationModule>()?
        .stock_locations()
        .retrieve(&id)
        .await?;
    let LinkBatch { add, remove } = body.0;
    let batch = channels::LinkBatch::new(id.as_str(), add, remove);
    run(&c, channels::link_sales_channels_to_stock_location(), batch).await?;
    crud::respond_one::<StockLocations>(&c, &id, q).await
}
