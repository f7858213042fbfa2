//! Sales-channel, API-key and stock-location workflows, as Medusa's
//! `create-sales-channels`, `create-api-keys`, `revoke-api-keys`,
//! `create-stock-locations`, … and the link batches between them
//! (`link-products-to-sales-channel`, `link-sales-channels-to-api-key`,
//! `link-sales-channels-to-stock-location`).
//!
//! Sales channels are written through their generated service
//! ([`crate::entity`]): soft-deleting a channel dismisses its link rows
//! (products, keys, locations) and undoing it restores them. API keys and
//! stock locations have domain writes of their modules (tokens, revokes,
//! nested addresses), wrapped here in steps with compensation.
//!
//! **A secret key's raw token never enters a workflow's state.** Step
//! outputs are checkpointed in the execution store (and readable through
//! `/admin/workflows-executions` for the retention period), so
//! [`CreateApiKeysStep`] outputs the stored records (`token: ""` for a
//! secret key) and leaves each raw token in [`RawTokens`], an in-process
//! vault the caller takes it from once, by key id.

use std::collections::HashMap;
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use stheno_api_key::{ApiKey, ApiKeyModule, ApiKeyType, ApiKeyUpdate, NewApiKey};
use stheno_module_sdk::Error;
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::events::Event;
use stheno_module_sdk::link::Links;
use stheno_product::ProductModule;
use stheno_product::models::Product;
use stheno_sales_channel::{SalesChannel, SalesChannelModule};
use stheno_stock_location::{
    CreateStockLocationInput, StockLocation, StockLocationAddress, StockLocationModule,
    UpdateStockLocationInput,
};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::domain::dedup;
use crate::entity::{self, Update};
pub use crate::product::LinkBatch;

fn emit(ctx: &StepContext, name: &str, ids: &[String]) {
    for event in Event::for_ids(name, ids.iter().map(String::as_str)) {
        ctx.emit(event);
    }
}

fn ids_of<T>(rows: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| id(r).to_string()).collect()
}

// ---- link batches ------------------------------------------------------------

/// A batch of links between one row of entity `owner` and rows of entity
/// `other` (link entity names: `sales_channel`, `product`, `api_key`,
/// `stock_location`): `add` are linked, `remove` dismissed (an id in both
/// ends up linked); ⇐ the links that changed are changed back.
#[derive(Debug, Clone, Copy)]
pub struct LinkEntitiesStep {
    step: &'static str,
    owner: &'static str,
    other: &'static str,
}

impl LinkEntitiesStep {
    pub const fn new(step: &'static str, owner: &'static str, other: &'static str) -> Self {
        Self { step, owner, other }
    }
}

#[async_trait]
impl Step for LinkEntitiesStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    /// The batch that undoes this one.
    type CompensateInput = LinkBatch;

    fn name(&self) -> &str {
        self.step
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch>, StepError> {
        let links = ctx.service::<Links>()?;
        let id = std::slice::from_ref(&batch.id);
        let linked: Vec<String> = links
            .list(self.owner, id, self.other)
            .await?
            .into_iter()
            .map(|(_, other)| other)
            .collect();
        let add = dedup(batch.add.iter().cloned());
        let remove: Vec<String> = dedup(batch.remove.iter().cloned())
            .into_iter()
            .filter(|r| !add.contains(r))
            .collect();
        if !remove.is_empty() {
            links
                .dismiss(self.owner, &batch.id, self.other, &remove)
                .await?;
        }
        links
            .create(self.owner, &batch.id, self.other, &add)
            .await?;
        let undo = LinkBatch {
            id: batch.id.clone(),
            add: remove.into_iter().filter(|r| linked.contains(r)).collect(),
            remove: add.into_iter().filter(|a| !linked.contains(a)).collect(),
        };
        Ok(StepResponse::with_compensation(batch, undo))
    }

    async fn compensate(&self, undo: LinkBatch, ctx: &StepContext) -> Result<(), StepError> {
        let links = ctx.service::<Links>()?;
        if !undo.remove.is_empty() {
            links
                .dismiss(self.owner, &undo.id, self.other, &undo.remove)
                .await?;
        }
        links
            .create(self.owner, &undo.id, self.other, &undo.add)
            .await?;
        Ok(())
    }
}

/// `validate-products-exist`: every product a batch adds is live, else
/// `Product with id: x was not found` (`not_found`). Reads only.
#[derive(Debug, Default)]
pub struct ValidateProductsExistStep;

#[async_trait]
impl Step for ValidateProductsExistStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "validate-products-exist"
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch, ()>, StepError> {
        let ids = dedup(batch.add.iter().cloned());
        if !ids.is_empty() {
            let found = ctx
                .module::<ProductModule>()?
                .products()
                .list_by_ids(&ids)
                .await?;
            if let Some(missing) = ids.iter().find(|id| !found.iter().any(|p| &p.id == *id)) {
                return Err(Product::META.not_found(missing).into());
            }
        }
        Ok(StepResponse::with_compensation(batch, ()))
    }

    async fn compensate(&self, _: (), _: &StepContext) -> Result<(), StepError> {
        Ok(())
    }
}

/// `validate-sales-channels-exist`: every channel a batch adds is live,
/// else Medusa's `not_found` "Sales channels with IDs a, b do not exist".
/// Reads only.
#[derive(Debug, Default)]
pub struct ValidateSalesChannelsExistStep;

#[async_trait]
impl Step for ValidateSalesChannelsExistStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "validate-sales-channels-exist"
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch, ()>, StepError> {
        let ids = dedup(batch.add.iter().cloned());
        if !ids.is_empty() {
            let found = ctx
                .module::<SalesChannelModule>()?
                .sales_channels()
                .list_by_ids(&ids)
                .await?;
            let missing: Vec<&str> = ids
                .iter()
                .filter(|id| !found.iter().any(|c| &c.id == *id))
                .map(String::as_str)
                .collect();
            if !missing.is_empty() {
                return Err(Error::not_found(format!(
                    "Sales channels with IDs {} do not exist",
                    missing.join(", ")
                ))
                .into());
            }
        }
        Ok(StepResponse::with_compensation(batch, ()))
    }

    async fn compensate(&self, _: (), _: &StepContext) -> Result<(), StepError> {
        Ok(())
    }
}

/// `validate-publishable-api-key`: sales channels link to publishable keys
/// only (Medusa's `invalid_data` "Sales channels can only be associated
/// with publishable API keys"); an unknown key is `not_found`. Reads only.
#[derive(Debug, Default)]
pub struct ValidatePublishableKeyStep;

#[async_trait]
impl Step for ValidatePublishableKeyStep {
    type Input = LinkBatch;
    type Output = LinkBatch;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "validate-publishable-api-key"
    }

    async fn invoke(
        &self,
        batch: LinkBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<LinkBatch, ()>, StepError> {
        let key = ctx
            .module::<ApiKeyModule>()?
            .api_keys()
            .retrieve(&batch.id)
            .await?;
        if key.r#type != ApiKeyType::Publishable {
            return Err(Error::invalid_data(
                "Sales channels can only be associated with publishable API keys",
            )
            .into());
        }
        Ok(StepResponse::with_compensation(batch, ()))
    }

    async fn compensate(&self, _: (), _: &StepContext) -> Result<(), StepError> {
        Ok(())
    }
}

// ---- sales channels ------------------------------------------------------------

/// `create-sales-channels` (`POST /admin/sales-channels`), raising
/// `sales-channel.created`; ⇐ deleted for good.
pub fn create_sales_channels()
-> Workflow<Vec<<SalesChannel as stheno_module_sdk::entity::Entity>::Create>, Vec<SalesChannel>> {
    entity::create_workflow::<SalesChannelModule, SalesChannel>(
        "create-sales-channels",
        "sales-channel",
    )
}

/// `update-sales-channels` (`POST /admin/sales-channels/:id`), raising
/// `sales-channel.updated`; ⇐ the previous rows written back.
pub fn update_sales_channels() -> Workflow<
    Vec<Update<<SalesChannel as stheno_module_sdk::entity::Entity>::Update>>,
    Vec<SalesChannel>,
> {
    entity::update_workflow::<SalesChannelModule, SalesChannel>(
        "update-sales-channels",
        "sales-channel",
    )
}

/// `delete-sales-channels` (`DELETE /admin/sales-channels/:id`): a soft
/// delete that dismisses the channels' links (products, keys, locations),
/// raising `sales-channel.deleted`; ⇐ restored with their links.
pub fn delete_sales_channels() -> Workflow<Vec<String>, Vec<String>> {
    entity::soft_delete_workflow::<SalesChannelModule, SalesChannel>(
        "delete-sales-channels",
        "sales-channel",
    )
}

/// `link-products-to-sales-channel` (`POST /admin/sales-channels/:id/products`):
/// batch id = the channel, ids = products (added ones must exist).
pub fn link_products_to_sales_channel() -> Workflow<LinkBatch, LinkBatch> {
    Workflow::<LinkBatch>::new("link-products-to-sales-channel")
        .then(ValidateProductsExistStep)
        .then(LinkEntitiesStep::new(
            "link-products-to-sales-channel",
            "sales_channel",
            "product",
        ))
}

// ---- API keys ------------------------------------------------------------------

/// Raw tokens of keys just created, by key id, until the caller takes
/// them: the one place a secret key's token exists after its creation.
/// Reach it through the engine's services
/// (`engine.services().get_or_init(RawTokens::default)`).
#[derive(Default)]
pub struct RawTokens(Mutex<HashMap<String, String>>);

impl std::fmt::Debug for RawTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RawTokens(..)")
    }
}

impl RawTokens {
    fn put(&self, id: String, token: String) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, token);
    }

    /// The raw token of key `id`, once.
    pub fn take(&self, id: &str) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(id)
    }
}

/// `create-api-keys` (⇐ deleted for good), raising `api-key.created`. The
/// output is the stored records; the raw tokens go to [`RawTokens`].
#[derive(Debug, Default)]
pub struct CreateApiKeysStep;

#[async_trait]
impl Step for CreateApiKeysStep {
    type Input = Vec<NewApiKey>;
    type Output = Vec<ApiKey>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-api-keys"
    }

    async fn invoke(
        &self,
        input: Vec<NewApiKey>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<ApiKey>, Vec<String>>, StepError> {
        let created = ctx.module::<ApiKeyModule>()?.create_api_keys(input).await?;
        let vault = ctx.services().get_or_init(RawTokens::default);
        let mut keys = Vec::with_capacity(created.len());
        for c in created {
            vault.put(c.api_key.id.clone(), c.raw_token);
            keys.push(c.api_key);
        }
        let ids = ids_of(&keys, |k| &k.id);
        emit(ctx, "api-key.created", &ids);
        Ok(StepResponse::with_compensation(keys, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        let vault = ctx.services().get_or_init(RawTokens::default);
        for id in &ids {
            vault.take(id);
        }
        ctx.module::<ApiKeyModule>()?
            .api_keys()
            .delete(&ids)
            .await?;
        Ok(())
    }
}

/// `update-api-keys`: the title only (⇐ the previous rows written back),
/// raising `api-key.updated`.
#[derive(Debug, Default)]
pub struct UpdateApiKeysStep;

#[async_trait]
impl Step for UpdateApiKeysStep {
    type Input = Vec<Update<ApiKeyUpdate>>;
    type Output = Vec<ApiKey>;
    type CompensateInput = Vec<ApiKey>;

    fn name(&self) -> &str {
        "update-api-keys"
    }

    async fn invoke(
        &self,
        changes: Vec<Update<ApiKeyUpdate>>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<ApiKey>, Vec<ApiKey>>, StepError> {
        let m = ctx.module::<ApiKeyModule>()?;
        let ids: Vec<String> = changes.iter().map(|c| c.id.clone()).collect();
        let before = m.api_keys().list_by_ids(&ids).await?;
        let mut updated = Vec::with_capacity(changes.len());
        for change in changes {
            match m.update_api_key(&change.id, change.update).await {
                Ok(key) => updated.push(key),
                Err(e) => {
                    // Undo the part of the batch already written.
                    let written: Vec<ApiKey> = before
                        .iter()
                        .filter(|b| updated.iter().any(|u: &ApiKey| u.id == b.id))
                        .cloned()
                        .collect();
                    m.api_keys().overwrite(&written).await?;
                    return Err(e.into());
                }
            }
        }
        emit(ctx, "api-key.updated", &ids);
        Ok(StepResponse::with_compensation(updated, before))
    }

    async fn compensate(&self, before: Vec<ApiKey>, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<ApiKeyModule>()?
            .api_keys()
            .overwrite(&before)
            .await?;
        Ok(())
    }
}

/// What a revoke is asked to do: the keys, who revokes them, and an
/// optional delay in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevokeApiKeys {
    pub ids: Vec<String>,
    pub revoked_by: String,
    #[serde(default)]
    pub revoke_in: Option<i64>,
}

/// `revoke-api-keys` (now or after `revoke_in` seconds; ⇐ the previous
/// rows written back), raising `api-key.revoked`.
#[derive(Debug, Default)]
pub struct RevokeApiKeysStep;

#[async_trait]
impl Step for RevokeApiKeysStep {
    type Input = RevokeApiKeys;
    type Output = Vec<ApiKey>;
    type CompensateInput = Vec<ApiKey>;

    fn name(&self) -> &str {
        "revoke-api-keys"
    }

    async fn invoke(
        &self,
        input: RevokeApiKeys,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<ApiKey>, Vec<ApiKey>>, StepError> {
        let m = ctx.module::<ApiKeyModule>()?;
        let before = m.api_keys().list_by_ids(&input.ids).await?;
        let revoked = m
            .revoke(&input.ids, &input.revoked_by, input.revoke_in)
            .await?;
        emit(ctx, "api-key.revoked", &ids_of(&revoked, |k| &k.id));
        Ok(StepResponse::with_compensation(revoked, before))
    }

    async fn compensate(&self, before: Vec<ApiKey>, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<ApiKeyModule>()?
            .api_keys()
            .overwrite(&before)
            .await?;
        Ok(())
    }
}

/// `delete-api-keys`: for good, with their link rows; only revoked keys
/// (else Medusa's `not_allowed`, nothing deleted). No compensation: run
/// it last.
#[derive(Debug, Default)]
pub struct DeleteApiKeysStep;

#[async_trait]
impl Step for DeleteApiKeysStep {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "delete-api-keys"
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>>, StepError> {
        let deleted = ctx.module::<ApiKeyModule>()?.delete_api_keys(&ids).await?;
        let ids = deleted
            .get(ApiKey::META.entity)
            .cloned()
            .unwrap_or_default();
        emit(ctx, "api-key.deleted", &ids);
        Ok(StepResponse::new(ids))
    }
}

/// `create-api-keys` (`POST /admin/api-keys`).
pub fn create_api_keys() -> Workflow<Vec<NewApiKey>, Vec<ApiKey>> {
    Workflow::<Vec<NewApiKey>>::new("create-api-keys").then(CreateApiKeysStep)
}

/// `update-api-keys` (`POST /admin/api-keys/:id`).
pub fn update_api_keys() -> Workflow<Vec<Update<ApiKeyUpdate>>, Vec<ApiKey>> {
    Workflow::<Vec<Update<ApiKeyUpdate>>>::new("update-api-keys").then(UpdateApiKeysStep)
}

/// `revoke-api-keys` (`POST /admin/api-keys/:id/revoke`).
pub fn revoke_api_keys() -> Workflow<RevokeApiKeys, Vec<ApiKey>> {
    Workflow::<RevokeApiKeys>::new("revoke-api-keys").then(RevokeApiKeysStep)
}

/// `delete-api-keys` (`DELETE /admin/api-keys/:id`).
pub fn delete_api_keys() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-api-keys").then(DeleteApiKeysStep)
}

/// `link-sales-channels-to-api-key` (`POST /admin/api-keys/:id/sales-channels`):
/// batch id = a publishable key, ids = sales channels (added ones must
/// exist).
pub fn link_sales_channels_to_api_key() -> Workflow<LinkBatch, LinkBatch> {
    Workflow::<LinkBatch>::new("link-sales-channels-to-api-key")
        .then(ValidatePublishableKeyStep)
        .then(ValidateSalesChannelsExistStep)
        .then(LinkEntitiesStep::new(
            "link-sales-channels-to-api-key",
            "api_key",
            "sales_channel",
        ))
}

// ---- stock locations -----------------------------------------------------------

/// What creating stock locations made: the locations and the addresses
/// created with them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreatedLocations {
    pub locations: Vec<String>,
    pub addresses: Vec<String>,
}

/// `create-stock-locations` with their nested addresses (⇐ both deleted
/// for good), raising `stock-location.created`.
#[derive(Debug, Default)]
pub struct CreateStockLocationsStep;

#[async_trait]
impl Step for CreateStockLocationsStep {
    type Input = Vec<CreateStockLocationInput>;
    type Output = Vec<StockLocation>;
    type CompensateInput = CreatedLocations;

    fn name(&self) -> &str {
        "create-stock-locations"
    }

    async fn invoke(
        &self,
        input: Vec<CreateStockLocationInput>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<StockLocation>, CreatedLocations>, StepError> {
        let nested: Vec<bool> = input.iter().map(|i| i.address.is_some()).collect();
        let created = ctx
            .module::<StockLocationModule>()?
            .create_stock_locations(input)
            .await?;
        let undo = CreatedLocations {
            locations: ids_of(&created, |l| &l.id),
            addresses: created
                .iter()
                .zip(nested)
                .filter(|(_, nested)| *nested)
                .filter_map(|(l, _)| l.address_id.clone())
                .collect(),
        };
        emit(ctx, "stock-location.created", &undo.locations);
        Ok(StepResponse::with_compensation(created, undo))
    }

    async fn compensate(&self, undo: CreatedLocations, ctx: &StepContext) -> Result<(), StepError> {
        let m = ctx.module::<StockLocationModule>()?;
        m.stock_locations().delete(&undo.locations).await?;
        m.stock_location_addresses().delete(&undo.addresses).await?;
        Ok(())
    }
}

/// Stock locations and their addresses before an update.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LocationsBefore {
    pub locations: Vec<StockLocation>,
    pub addresses: Vec<StockLocationAddress>,
}

/// `update-stock-locations` with their nested addresses (⇐ the previous
/// rows written back, addresses the update created deleted), raising
/// `stock-location.updated`.
#[derive(Debug, Default)]
pub struct UpdateStockLocationsStep;

#[async_trait]
impl Step for UpdateStockLocationsStep {
    type Input = Vec<Update<UpdateStockLocationInput>>;
    type Output = Vec<StockLocation>;
    type CompensateInput = LocationsBefore;

    fn name(&self) -> &str {
        "update-stock-locations"
    }

    async fn invoke(
        &self,
        changes: Vec<Update<UpdateStockLocationInput>>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<StockLocation>, LocationsBefore>, StepError> {
        let m = ctx.module::<StockLocationModule>()?;
        let ids: Vec<String> = changes.iter().map(|c| c.id.clone()).collect();
        let locations = m.stock_locations().list_by_ids(&ids).await?;
        let address_ids: Vec<String> = locations
            .iter()
            .filter_map(|l| l.address_id.clone())
            .collect();
        let addresses = if address_ids.is_empty() {
            Vec::new()
        } else {
            m.stock_location_addresses()
                .list_by_ids(&address_ids)
                .await?
        };
        let updated = m
            .update_stock_locations(changes.into_iter().map(|c| (c.id, c.update)).collect())
            .await?;
        emit(ctx, "stock-location.updated", &ids);
        Ok(StepResponse::with_compensation(
            updated,
            LocationsBefore {
                locations,
                addresses,
            },
        ))
    }

    async fn compensate(
        &self,
        before: LocationsBefore,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let m = ctx.module::<StockLocationModule>()?;
        let ids = ids_of(&before.locations, |l| &l.id);
        let now = m.stock_locations().list_by_ids(&ids).await?;
        m.stock_locations().overwrite(&before.locations).await?;
        m.stock_location_addresses()
            .overwrite(&before.addresses)
            .await?;
        // Addresses the update created for locations that had none.
        let created: Vec<String> = now
            .iter()
            .filter_map(|l| l.address_id.clone())
            .filter(|a| !before.addresses.iter().any(|b| &b.id == a))
            .collect();
        if !created.is_empty() {
            m.stock_location_addresses().delete(&created).await?;
        }
        Ok(())
    }
}

/// `create-stock-locations` (`POST /admin/stock-locations`).
pub fn create_stock_locations() -> Workflow<Vec<CreateStockLocationInput>, Vec<StockLocation>> {
    Workflow::<Vec<CreateStockLocationInput>>::new("create-stock-locations")
        .then(CreateStockLocationsStep)
}

/// `update-stock-locations` (`POST /admin/stock-locations/:id`).
pub fn update_stock_locations()
-> Workflow<Vec<Update<UpdateStockLocationInput>>, Vec<StockLocation>> {
    Workflow::<Vec<Update<UpdateStockLocationInput>>>::new("update-stock-locations")
        .then(UpdateStockLocationsStep)
}

/// `delete-stock-locations` (`DELETE /admin/stock-locations/:id`): a soft
/// delete that dismisses the locations' links (sales channels), raising
/// `stock-location.deleted`; ⇐ restored with their links. The address is
/// kept, as Medusa keeps it.
pub fn delete_stock_locations() -> Workflow<Vec<String>, Vec<String>> {
    entity::soft_delete_workflow::<StockLocationModule, StockLocation>(
        "delete-stock-locations",
        "stock-location",
    )
}

/// `link-sales-channels-to-stock-location`
/// (`POST /admin/stock-locations/:id/sales-channels`): batch id = the
/// location, ids = sales channels (added ones must exist).
pub fn link_sales_channels_to_stock_location() -> Workflow<LinkBatch, LinkBatch> {
    Workflow::<LinkBatch>::new("link-sales-channels-to-stock-location")
        .then(ValidateSalesChannelsExistStep)
        .then(LinkEntitiesStep::new(
            "link-sales-channels-to-stock-location",
            "stock_location",
            "sales_channel",
        ))
}
