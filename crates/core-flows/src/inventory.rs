//! Inventory workflows (Medusa's `create-inventory-items`,
//! `delete-inventory-item-workflow`, `create-inventory-levels`,
//! `update-inventory-levels`, `delete-inventory-levels-workflow`,
//! `batch-inventory-item-levels`, `create-reservations`,
//! `update-reservations`, `delete-reservations`) and the variant ↔
//! inventory item links (`batch-links` on `product_variant_inventory_item`).
//!
//! | workflow | steps (⇐ compensation) | workflow events |
//! |---|---|---|
//! | [`create_inventory_items`] | `create-inventory-items` with nested levels ⇐ deleted for good | `inventory-item.created` |
//! | [`update_inventory_items`] | generic update ⇐ previous rows | `inventory-item.updated` |
//! | [`delete_inventory_items`] | `validate-inventory-items-delete` (no reservations) → soft delete ⇐ restored | `inventory-item.deleted` |
//! | [`create_inventory_levels`] | `create-inventory-levels` ⇐ deleted for good | `inventory-level.created` |
//! | [`update_inventory_levels`] | `update-inventory-levels` ⇐ previous quantities and metadata | `inventory-level.updated` |
//! | [`delete_inventory_levels`] | `delete-inventory-levels` (validated; soft) ⇐ restored | `inventory-level.deleted` |
//! | [`batch_inventory_item_levels`] | delete, create, update as above | as above |
//! | [`create_reservations`] | `create-reservations` ⇐ deleted (stock released) | — |
//! | [`update_reservations`] | `update-reservations` ⇐ previous quantity, location, fields | — |
//! | [`delete_reservations`] | `delete-reservations` ⇐ re-created with their ids | — |
//! | [`batch_variant_inventory_links`] | `batch-variant-inventory-links` ⇐ every touched pair as it was | — |
//!
//! Reservations only ever change through the inventory module's domain
//! operations, which keep each level's `reserved_quantity` equal to what
//! its live reservations hold (the generated reservation service is read
//! only here).

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stheno_inventory::{
    CreateInventoryItemInput, CreateInventoryLevelInput, CreateReservationItem, InventoryItem,
    InventoryLevel, InventoryModule, ReservationItem, UpdateInventoryItem,
    UpdateInventoryLevelInput, UpdateReservationInput,
};
use stheno_module_sdk::Error;
use stheno_module_sdk::entity::{Entity as _, FieldFilter, ListConfig};
use stheno_module_sdk::events::Event;
use stheno_module_sdk::link::Links;
use stheno_module_sdk::money::{Amount, Decimal};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::entity::{self, SoftDeleteEntities, Update};

fn emit(ctx: &StepContext, name: &str, ids: &[String]) {
    for event in Event::for_ids(name, ids.iter().map(String::as_str)) {
        ctx.emit(event);
    }
}

fn ids_of<T>(rows: &[T], id: impl Fn(&T) -> &str) -> Vec<String> {
    rows.iter().map(|r| id(r).to_string()).collect()
}

// ---- items -----------------------------------------------------------------

/// `create-inventory-items`: items with their nested `location_levels`, in
/// one transaction (⇐ deleted for good, levels along), raising
/// `inventory-item.created` and `inventory-level.created`.
#[derive(Debug, Default)]
pub struct CreateInventoryItemsStep;

#[async_trait]
impl Step for CreateInventoryItemsStep {
    type Input = Vec<CreateInventoryItemInput>;
    type Output = Vec<InventoryItem>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-inventory-items"
    }

    async fn invoke(
        &self,
        input: Vec<CreateInventoryItemInput>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<InventoryItem>, Vec<String>>, StepError> {
        let m = ctx.module::<InventoryModule>()?;
        let created = m.create_inventory_items(input).await?;
        let ids = ids_of(&created, |i| &i.id);
        emit(ctx, "inventory-item.created", &ids);
        if !ids.is_empty() {
            let filter = stheno_inventory::InventoryLevelFilter {
                inventory_item_id: Some(FieldFilter::In(ids.clone())),
                ..Default::default()
            };
            let levels = m
                .inventory_levels()
                .list(&filter, &ListConfig::default())
                .await?;
            emit(ctx, "inventory-level.created", &ids_of(&levels, |l| &l.id));
        }
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<InventoryModule>()?
                .inventory_items()
                .delete(&ids)
                .await?;
        }
        Ok(())
    }
}

/// `validate-inventory-items-delete`: refuses items that still hold
/// reservations (Medusa's `not_allowed` "Cannot remove following inventory
/// item(s) since they have reservations: [ids]."). Nothing to undo.
#[derive(Debug, Default)]
pub struct ValidateInventoryItemsDeleteStep;

#[async_trait]
impl Step for ValidateInventoryItemsDeleteStep {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "validate-inventory-items-delete"
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>, ()>, StepError> {
        let quantities = ctx
            .module::<InventoryModule>()?
            .quantities(&ids, None)
            .await?;
        let held: Vec<&str> = ids
            .iter()
            .filter(|id| {
                quantities
                    .get(*id)
                    .is_some_and(|q| q.reserved > Decimal::ZERO)
            })
            .map(String::as_str)
            .collect();
        if !held.is_empty() {
            return Err(Error::not_allowed(format!(
                "Cannot remove following inventory item(s) since they have reservations: [{}].",
                held.join(", ")
            ))
            .into());
        }
        Ok(StepResponse::with_compensation(ids, ()))
    }
}

/// `create-inventory-items` (`POST /admin/inventory-items`).
pub fn create_inventory_items() -> Workflow<Vec<CreateInventoryItemInput>, Vec<InventoryItem>> {
    Workflow::<Vec<CreateInventoryItemInput>>::new("create-inventory-items")
        .then(CreateInventoryItemsStep)
}

/// `update-inventory-items` (`POST /admin/inventory-items/:id`).
pub fn update_inventory_items() -> Workflow<Vec<Update<UpdateInventoryItem>>, Vec<InventoryItem>> {
    entity::update_workflow::<InventoryModule, InventoryItem>(
        "update-inventory-items",
        "inventory-item",
    )
}

/// `delete-inventory-item-workflow` (`DELETE /admin/inventory-items/:id`):
/// items with reservations are refused; the others are soft-deleted with
/// their levels and variant links (⇐ restored). Unknown ids are
/// `not_found`.
pub fn delete_inventory_items() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-inventory-item-workflow")
        .then(ValidateInventoryItemsDeleteStep)
        .then(
            SoftDeleteEntities::<InventoryModule, InventoryItem>::new("delete-inventory-items")
                .emitting("inventory-item")
                .must_exist(),
        )
}

// ---- levels ----------------------------------------------------------------

/// `create-inventory-levels` (⇐ deleted for good), raising
/// `inventory-level.created`. A level that exists at the location is the
/// module's `duplicate_error`; an unknown item its `not_found`.
#[derive(Debug, Default)]
pub struct CreateInventoryLevelsStep;

#[async_trait]
impl Step for CreateInventoryLevelsStep {
    type Input = Vec<CreateInventoryLevelInput>;
    type Output = Vec<InventoryLevel>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-inventory-levels"
    }

    async fn invoke(
        &self,
        input: Vec<CreateInventoryLevelInput>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<InventoryLevel>, Vec<String>>, StepError> {
        let created = ctx
            .module::<InventoryModule>()?
            .create_inventory_levels(input)
            .await?;
        let ids = ids_of(&created, |l| &l.id);
        emit(ctx, "inventory-level.created", &ids);
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<InventoryModule>()?
                .inventory_levels()
                .delete(&ids)
                .await?;
        }
        Ok(())
    }
}

/// The live levels of `(item, location)` pairs, in one statement.
async fn levels_at(
    m: &InventoryModule,
    keys: &[(String, String)],
) -> Result<Vec<InventoryLevel>, StepError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let items: Vec<String> = crate::domain::dedup(keys.iter().map(|k| k.0.clone()));
    let locations: Vec<String> = crate::domain::dedup(keys.iter().map(|k| k.1.clone()));
    let filter = stheno_inventory::InventoryLevelFilter {
        inventory_item_id: Some(FieldFilter::In(items)),
        location_id: Some(FieldFilter::In(locations)),
        ..Default::default()
    };
    let wanted: HashSet<&(String, String)> = keys.iter().collect();
    Ok(m.inventory_levels()
        .list(&filter, &ListConfig::default())
        .await?
        .into_iter()
        .filter(|l| wanted.contains(&(l.inventory_item_id.clone(), l.location_id.clone())))
        .collect())
}

/// `update-inventory-levels`: stocked and incoming quantities and metadata
/// by (item, location) (⇐ the previous values written back), raising
/// `inventory-level.updated`. A pair without a level is the module's
/// `not_found` "Item X is not stocked at location Y".
#[derive(Debug, Default)]
pub struct UpdateInventoryLevelsStep;

#[async_trait]
impl Step for UpdateInventoryLevelsStep {
    type Input = Vec<UpdateInventoryLevelInput>;
    type Output = Vec<InventoryLevel>;
    type CompensateInput = Vec<InventoryLevel>;

    fn name(&self) -> &str {
        "update-inventory-levels"
    }

    async fn invoke(
        &self,
        input: Vec<UpdateInventoryLevelInput>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<InventoryLevel>, Vec<InventoryLevel>>, StepError> {
        if input.is_empty() {
            return Ok(StepResponse::with_compensation(Vec::new(), Vec::new()));
        }
        let m = ctx.module::<InventoryModule>()?;
        let keys: Vec<(String, String)> = input
            .iter()
            .map(|u| (u.inventory_item_id.clone(), u.location_id.clone()))
            .collect();
        let previous = levels_at(&m, &keys).await?;
        let updated = m.update_inventory_levels(input).await?;
        emit(
            ctx,
            "inventory-level.updated",
            &crate::domain::dedup(updated.iter().map(|l| l.id.clone())),
        );
        Ok(StepResponse::with_compensation(updated, previous))
    }

    async fn compensate(
        &self,
        previous: Vec<InventoryLevel>,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        if previous.is_empty() {
            return Ok(());
        }
        let revert = previous
            .into_iter()
            .map(|l| UpdateInventoryLevelInput {
                stocked_quantity: Some(l.stocked_quantity),
                incoming_quantity: Some(l.incoming_quantity),
                metadata: Some(l.metadata),
                ..UpdateInventoryLevelInput::new(l.inventory_item_id, l.location_id)
            })
            .collect();
        ctx.module::<InventoryModule>()?
            .update_inventory_levels(revert)
            .await?;
        Ok(())
    }
}

/// Levels to delete by id. Without `force`, a level with stock is refused;
/// a level with reserved or incoming units always is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteLevels {
    pub ids: Vec<String>,
    #[serde(default)]
    pub force: bool,
}

fn locations_of(levels: &[&InventoryLevel]) -> String {
    crate::domain::dedup(levels.iter().map(|l| l.location_id.clone())).join(", ")
}

/// `delete-inventory-levels`: validated (Medusa's
/// `validate-inventory-levels-delete` messages), then soft-deleted (⇐
/// restored), raising `inventory-level.deleted`. An unknown id is
/// `not_found`. Output: the ids deleted.
#[derive(Debug, Default)]
pub struct DeleteInventoryLevelsStep;

#[async_trait]
impl Step for DeleteInventoryLevelsStep {
    type Input = DeleteLevels;
    type Output = Vec<String>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "delete-inventory-levels"
    }

    async fn invoke(
        &self,
        input: DeleteLevels,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>>, StepError> {
        if input.ids.is_empty() {
            return Ok(StepResponse::new(Vec::new()));
        }
        let m = ctx.module::<InventoryModule>()?;
        let ids = crate::domain::dedup(input.ids.iter().cloned());
        let levels = m.inventory_levels().list_by_ids(&ids).await?;
        if let Some(missing) = ids.iter().find(|id| !levels.iter().any(|l| &l.id == *id)) {
            return Err(InventoryLevel::META.not_found(missing).into());
        }
        let held: Vec<&InventoryLevel> = levels
            .iter()
            .filter(|l| {
                l.reserved_quantity.0 > Decimal::ZERO || l.incoming_quantity.0 > Decimal::ZERO
            })
            .collect();
        if !held.is_empty() {
            return Err(Error::not_allowed(format!(
                "Cannot remove Inventory Levels for {} because there are reserved or incoming items at the locations",
                locations_of(&held)
            ))
            .into());
        }
        let stocked: Vec<&InventoryLevel> = levels
            .iter()
            .filter(|l| !input.force && l.stocked_quantity.0 > Decimal::ZERO)
            .collect();
        if !stocked.is_empty() {
            return Err(Error::not_allowed(format!(
                "Cannot remove Inventory Levels for {} because there are stocked items at the locations. Use force flag to delete anyway.",
                locations_of(&stocked)
            ))
            .into());
        }
        let deleted = m.inventory_levels().soft_delete(&ids).await?;
        let done = deleted
            .get(InventoryLevel::META.entity)
            .cloned()
            .unwrap_or_default();
        emit(ctx, "inventory-level.deleted", &done);
        Ok(StepResponse::new(done))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<InventoryModule>()?
                .inventory_levels()
                .restore(&ids)
                .await?;
        }
        Ok(())
    }
}

/// `create-inventory-levels` (`POST /admin/inventory-items/:id/location-levels`).
pub fn create_inventory_levels() -> Workflow<Vec<CreateInventoryLevelInput>, Vec<InventoryLevel>> {
    Workflow::<Vec<CreateInventoryLevelInput>>::new("create-inventory-levels")
        .then(CreateInventoryLevelsStep)
}

/// `update-inventory-levels`
/// (`POST /admin/inventory-items/:id/location-levels/:location_id`).
pub fn update_inventory_levels() -> Workflow<Vec<UpdateInventoryLevelInput>, Vec<InventoryLevel>> {
    Workflow::<Vec<UpdateInventoryLevelInput>>::new("update-inventory-levels")
        .then(UpdateInventoryLevelsStep)
}

/// `delete-inventory-levels-workflow`
/// (`DELETE /admin/inventory-items/:id/location-levels/:location_id`).
pub fn delete_inventory_levels() -> Workflow<DeleteLevels, Vec<String>> {
    Workflow::<DeleteLevels>::new("delete-inventory-levels-workflow")
        .then(DeleteInventoryLevelsStep)
}

/// A batch of level changes: levels to create, to update by (item,
/// location), to delete by id.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LevelBatch {
    #[serde(default)]
    pub create: Vec<CreateInventoryLevelInput>,
    #[serde(default)]
    pub update: Vec<UpdateInventoryLevelInput>,
    #[serde(default)]
    pub delete: Vec<String>,
    #[serde(default)]
    pub force: bool,
}

/// What a [`LevelBatch`] did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LevelBatchOutput {
    pub created: Vec<InventoryLevel>,
    pub updated: Vec<InventoryLevel>,
    pub deleted: Vec<String>,
}

/// `batch-inventory-item-levels`
/// (`POST /admin/inventory-items/(:id/)location-levels/batch`): deletes
/// first (so a level can be deleted and created again at its location),
/// then creates, then updates; a failure undoes the steps before it.
pub fn batch_inventory_item_levels() -> Workflow<LevelBatch, LevelBatchOutput> {
    Workflow::<LevelBatch>::new("batch-inventory-item-levels")
        .then_with(
            |b: &LevelBatch| DeleteLevels {
                ids: b.delete.clone(),
                force: b.force,
            },
            DeleteInventoryLevelsStep,
            |b, deleted| (b, deleted),
        )
        .then_with(
            |(b, _): &(LevelBatch, Vec<String>)| b.create.clone(),
            CreateInventoryLevelsStep,
            |(b, deleted), created| (b, deleted, created),
        )
        .then_with(
            |(b, _, _): &(LevelBatch, Vec<String>, Vec<InventoryLevel>)| b.update.clone(),
            UpdateInventoryLevelsStep,
            |(_, deleted, created), updated| LevelBatchOutput {
                created,
                updated,
                deleted,
            },
        )
}

// ---- reservations ----------------------------------------------------------

/// `create-reservations` through the module's domain operation (stock is
/// held on the levels, refused beyond availability with the module's
/// `insufficient_inventory` error); ⇐ deleted, releasing the stock.
#[derive(Debug, Default)]
pub struct CreateReservationsStep;

#[async_trait]
impl Step for CreateReservationsStep {
    type Input = Vec<CreateReservationItem>;
    type Output = Vec<ReservationItem>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-reservations"
    }

    async fn invoke(
        &self,
        input: Vec<CreateReservationItem>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<ReservationItem>, Vec<String>>, StepError> {
        let created = ctx
            .module::<InventoryModule>()?
            .create_reservations(input)
            .await?;
        let ids = ids_of(&created, |r| &r.id);
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<InventoryModule>()?
            .delete_reservations(&ids)
            .await?;
        Ok(())
    }
}

/// `update-reservations` (resize, move, describe) through the module's
/// domain operation; ⇐ each reservation's previous quantity, location and
/// fields written back the same way.
#[derive(Debug, Default)]
pub struct UpdateReservationsStep;

#[async_trait]
impl Step for UpdateReservationsStep {
    type Input = Vec<Update<UpdateReservationInput>>;
    type Output = Vec<ReservationItem>;
    type CompensateInput = Vec<ReservationItem>;

    fn name(&self) -> &str {
        "update-reservations"
    }

    async fn invoke(
        &self,
        input: Vec<Update<UpdateReservationInput>>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<ReservationItem>, Vec<ReservationItem>>, StepError> {
        let m = ctx.module::<InventoryModule>()?;
        let ids = crate::domain::dedup(input.iter().map(|u| u.id.clone()));
        let previous = m.reservation_items().list_by_ids(&ids).await?;
        let updated = m
            .update_reservations(input.into_iter().map(|u| (u.id, u.update)).collect())
            .await?;
        Ok(StepResponse::with_compensation(updated, previous))
    }

    async fn compensate(
        &self,
        previous: Vec<ReservationItem>,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        if previous.is_empty() {
            return Ok(());
        }
        let revert = previous
            .into_iter()
            .map(|r| {
                let changes = UpdateReservationInput {
                    quantity: Some(r.quantity),
                    location_id: Some(r.location_id),
                    allow_backorder: Some(r.allow_backorder),
                    description: Some(r.description),
                    metadata: Some(r.metadata),
                };
                (r.id, changes)
            })
            .collect();
        ctx.module::<InventoryModule>()?
            .update_reservations(revert)
            .await?;
        Ok(())
    }
}

/// `delete-reservations` through the module's domain operation (their
/// stock is released); ⇐ re-created with their ids and fields. Output: the
/// ids deleted.
#[derive(Debug, Default)]
pub struct DeleteReservationsStep;

#[async_trait]
impl Step for DeleteReservationsStep {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = Vec<ReservationItem>;

    fn name(&self) -> &str {
        "delete-reservations"
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>, Vec<ReservationItem>>, StepError> {
        let m = ctx.module::<InventoryModule>()?;
        let previous = m.reservation_items().list_by_ids(&ids).await?;
        let deleted = m.delete_reservations(&ids).await?;
        let previous = previous
            .into_iter()
            .filter(|r| deleted.contains(&r.id))
            .collect();
        Ok(StepResponse::with_compensation(deleted, previous))
    }

    async fn compensate(
        &self,
        previous: Vec<ReservationItem>,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        if previous.is_empty() {
            return Ok(());
        }
        let again = previous
            .into_iter()
            .map(|r| CreateReservationItem {
                id: Some(r.id),
                line_item_id: r.line_item_id,
                allow_backorder: Some(r.allow_backorder),
                external_id: r.external_id,
                description: r.description,
                created_by: r.created_by,
                metadata: r.metadata,
                ..CreateReservationItem::new(r.inventory_item_id, r.location_id, r.quantity)
            })
            .collect();
        ctx.module::<InventoryModule>()?
            .create_reservations(again)
            .await?;
        Ok(())
    }
}

/// `create-reservations` (`POST /admin/reservations`).
pub fn create_reservations() -> Workflow<Vec<CreateReservationItem>, Vec<ReservationItem>> {
    Workflow::<Vec<CreateReservationItem>>::new("create-reservations").then(CreateReservationsStep)
}

/// `update-reservations` (`POST /admin/reservations/:id`).
pub fn update_reservations() -> Workflow<Vec<Update<UpdateReservationInput>>, Vec<ReservationItem>>
{
    Workflow::<Vec<Update<UpdateReservationInput>>>::new("update-reservations")
        .then(UpdateReservationsStep)
}

/// `delete-reservations` (`DELETE /admin/reservations/:id`).
pub fn delete_reservations() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-reservations").then(DeleteReservationsStep)
}

// ---- variant ↔ inventory item links -----------------------------------------

const VARIANT: &str = "product_variant";
const ITEM: &str = "inventory_item";
const REQUIRED: &str = "required_quantity";

/// One variant ↔ inventory item pair, with the units of the item one unit
/// of the variant takes (`required_quantity`, default 1 on create).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantInventoryLink {
    pub variant_id: String,
    pub inventory_item_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_quantity: Option<Amount>,
}

impl VariantInventoryLink {
    fn key(&self) -> (String, String) {
        (self.variant_id.clone(), self.inventory_item_id.clone())
    }
}

/// Links to create (or revive), to change and to dismiss.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VariantInventoryBatch {
    #[serde(default)]
    pub create: Vec<VariantInventoryLink>,
    #[serde(default)]
    pub update: Vec<VariantInventoryLink>,
    #[serde(default)]
    pub delete: Vec<VariantInventoryLink>,
}

/// A touched pair as it was before the batch: its extra columns if it was
/// linked, `None` if it was not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinkBefore {
    pub variant_id: String,
    pub inventory_item_id: String,
    pub data: Option<BTreeMap<String, Value>>,
}

fn data_of(quantity: Option<Amount>) -> BTreeMap<String, Value> {
    let mut data = BTreeMap::new();
    if let Some(q) = quantity {
        data.insert(REQUIRED.to_string(), json!(q.0.to_string()));
    }
    data
}

fn not_linked(variant: &str, item: &str) -> Error {
    Error::not_found(format!(
        "Variant {variant} is not linked to inventory item {item}"
    ))
}

/// Link `(variant, item, data)` entries, one statement per variant and
/// data.
async fn link_all(
    links: &Links,
    entries: Vec<(String, String, BTreeMap<String, Value>)>,
) -> Result<(), Error> {
    let mut groups: Vec<(String, BTreeMap<String, Value>, Vec<String>)> = Vec::new();
    for (variant, item, data) in entries {
        match groups
            .iter_mut()
            .find(|(v, d, _)| *v == variant && *d == data)
        {
            Some((_, _, items)) => items.push(item),
            None => groups.push((variant, data, vec![item])),
        }
    }
    for (variant, data, items) in groups {
        links
            .create_with(VARIANT, &variant, ITEM, &items, &data)
            .await?;
    }
    Ok(())
}

/// Dismiss `(variant, item)` pairs, one statement per variant.
async fn dismiss_all(links: &Links, pairs: Vec<(String, String)>) -> Result<(), Error> {
    let mut by_variant: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (variant, item) in pairs {
        by_variant.entry(variant).or_default().push(item);
    }
    for (variant, items) in by_variant {
        links.dismiss(VARIANT, &variant, ITEM, &items).await?;
    }
    Ok(())
}

/// `batch-variant-inventory-links`: create (or revive) links with their
/// `required_quantity`, change the quantity of linked pairs, dismiss
/// linked pairs. Items to link must be live inventory items; a pair to
/// update or dismiss must be linked (`not_found` "Variant X is not linked
/// to inventory item Y"). ⇐ every touched pair as it was: re-linked with
/// its previous quantity, or dismissed if it was not linked. Output: the
/// batch as applied.
#[derive(Debug, Default)]
pub struct BatchVariantInventoryLinksStep;

#[async_trait]
impl Step for BatchVariantInventoryLinksStep {
    type Input = VariantInventoryBatch;
    type Output = VariantInventoryBatch;
    type CompensateInput = Vec<LinkBefore>;

    fn name(&self) -> &str {
        "batch-variant-inventory-links"
    }

    async fn invoke(
        &self,
        batch: VariantInventoryBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<VariantInventoryBatch, Vec<LinkBefore>>, StepError> {
        let links = ctx.service::<Links>()?;
        let all = batch
            .create
            .iter()
            .chain(&batch.update)
            .chain(&batch.delete);
        let variants = crate::domain::dedup(all.clone().map(|l| l.variant_id.clone()));
        if variants.is_empty() {
            return Ok(StepResponse::with_compensation(batch, Vec::new()));
        }
        // Items to link exist.
        let items = crate::domain::dedup(batch.create.iter().map(|l| l.inventory_item_id.clone()));
        if !items.is_empty() {
            let found = ctx
                .module::<InventoryModule>()?
                .inventory_items()
                .list_by_ids(&items)
                .await?;
            if let Some(missing) = items.iter().find(|id| !found.iter().any(|i| &i.id == *id)) {
                return Err(InventoryItem::META.not_found(missing).into());
            }
        }
        // The pairs as they are now (one statement).
        let current: HashMap<(String, String), BTreeMap<String, Value>> = links
            .list_rows(VARIANT, &variants, ITEM)
            .await?
            .into_iter()
            .map(|row| ((row.left_id, row.right_id), row.data))
            .collect();
        for l in batch.update.iter().chain(&batch.delete) {
            if !current.contains_key(&l.key()) {
                return Err(not_linked(&l.variant_id, &l.inventory_item_id).into());
            }
        }
        let mut seen = HashSet::new();
        let before: Vec<LinkBefore> = all
            .filter(|l| seen.insert(l.key()))
            .map(|l| LinkBefore {
                variant_id: l.variant_id.clone(),
                inventory_item_id: l.inventory_item_id.clone(),
                data: current.get(&l.key()).cloned(),
            })
            .collect();
        // A new link takes one unit unless told; an update without a
        // quantity changes nothing.
        let one = Amount(Decimal::ONE);
        let writes = batch
            .create
            .iter()
            .map(|l| (l, Some(l.required_quantity.unwrap_or(one))))
            .chain(batch.update.iter().map(|l| (l, l.required_quantity)))
            .filter(|(_, q)| q.is_some())
            .map(|(l, q)| {
                (
                    l.variant_id.clone(),
                    l.inventory_item_id.clone(),
                    data_of(q),
                )
            })
            .collect();
        link_all(&links, writes).await?;
        dismiss_all(
            &links,
            batch.delete.iter().map(VariantInventoryLink::key).collect(),
        )
        .await?;
        Ok(StepResponse::with_compensation(batch, before))
    }

    async fn compensate(
        &self,
        before: Vec<LinkBefore>,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let links = ctx.service::<Links>()?;
        let (relink, unlink): (Vec<LinkBefore>, Vec<LinkBefore>) =
            before.into_iter().partition(|b| b.data.is_some());
        dismiss_all(
            &links,
            unlink
                .into_iter()
                .map(|b| (b.variant_id, b.inventory_item_id))
                .collect(),
        )
        .await?;
        link_all(
            &links,
            relink
                .into_iter()
                .map(|b| {
                    (
                        b.variant_id,
                        b.inventory_item_id,
                        b.data.unwrap_or_default(),
                    )
                })
                .collect(),
        )
        .await?;
        Ok(())
    }
}

/// `batch-variant-inventory-links`
/// (`POST /admin/products/:id/variants/(:variant_id/)inventory-items…`).
pub fn batch_variant_inventory_links() -> Workflow<VariantInventoryBatch, VariantInventoryBatch> {
    Workflow::<VariantInventoryBatch>::new("batch-variant-inventory-links")
        .then(BatchVariantInventoryLinksStep)
}
