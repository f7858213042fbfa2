//! Items with nested levels, levels by (item, location), stock
//! adjustments.

use std::collections::HashMap;

use serde_json::{Value, json};
use stheno_module_sdk::entity::sql::{DynSql, record_expr_exact};
use stheno_module_sdk::entity::{Bind, Entity, EntityService, FieldFilter, ListConfig};
use stheno_module_sdk::money::Decimal;
use stheno_module_sdk::{Error, Result};

use crate::levels::{self, Key, Quantity};
use crate::models::{CreateInventoryLevel, InventoryItem, InventoryLevel, InventoryLevelFilter};
use crate::{
    CreateInventoryItemInput, CreateInventoryLevelInput, InventoryModule, LocationLevelInput,
    UpdateInventoryLevelInput, events,
};

fn level_create(item_id: String, input: LocationLevelInput) -> CreateInventoryLevel {
    CreateInventoryLevel {
        stocked_quantity: input.stocked_quantity,
        incoming_quantity: input.incoming_quantity,
        metadata: input.metadata,
        ..CreateInventoryLevel::new(item_id, input.location_id)
    }
}

/// Levels as written, one per key of `keys` (in that order).
fn by_key(keys: &[Key], written: Vec<InventoryLevel>) -> Result<Vec<InventoryLevel>> {
    let found: HashMap<Key, InventoryLevel> = written
        .into_iter()
        .map(|l| ((l.inventory_item_id.clone(), l.location_id.clone()), l))
        .collect();
    keys.iter()
        .map(|k| {
            found
                .get(k)
                .cloned()
                .ok_or_else(|| levels::not_stocked([k]))
        })
        .collect()
}

impl InventoryModule {
    /// Create inventory items with their nested `location_levels`
    /// (Medusa's `createInventoryItems`), in one transaction: one insert
    /// of the items, one of the levels. A taken SKU is `Inventory item
    /// with sku: x, already exists.`; two levels of one item at one
    /// location are `Inventory level with inventory_item_id: …,
    /// location_id: …, already exists.`. Returns the items in input order.
    pub async fn create_inventory_items(
        &self,
        inputs: Vec<CreateInventoryItemInput>,
    ) -> Result<Vec<InventoryItem>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let (items, levels) = (
            self.inventory_items().clone(),
            self.inventory_levels().clone(),
        );
        self.inventory_items()
            .transaction(move |tx| {
                Box::pin(async move {
                    let (rows, nested): (Vec<_>, Vec<_>) = inputs
                        .into_iter()
                        .map(|i| (i.item, i.location_levels))
                        .unzip();
                    let created = items.create_in(tx, rows).await?;
                    let new_levels = created
                        .iter()
                        .zip(nested)
                        .flat_map(|(item, levels)| {
                            levels.into_iter().map(|l| level_create(item.id.clone(), l))
                        })
                        .collect();
                    levels.create_in(tx, new_levels).await?;
                    Ok(created)
                })
            })
            .await
    }

    /// [`create_inventory_items`](Self::create_inventory_items) for one
    /// item.
    pub async fn create_inventory_item(
        &self,
        input: CreateInventoryItemInput,
    ) -> Result<InventoryItem> {
        self.create_inventory_items(vec![input])
            .await?
            .pop()
            .ok_or_else(|| Error::internal("insert returned no row"))
    }

    /// Stock items at locations (Medusa's `createInventoryLevels`); the
    /// reserved quantity starts at zero. Each item must be live
    /// (`InventoryItem with id: x was not found`). One transaction, one
    /// insert.
    pub async fn create_inventory_levels(
        &self,
        inputs: Vec<CreateInventoryLevelInput>,
    ) -> Result<Vec<InventoryLevel>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let levels = self.inventory_levels().clone();
        self.inventory_levels()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut items: Vec<String> =
                        inputs.iter().map(|i| i.inventory_item_id.clone()).collect();
                    items.sort();
                    items.dedup();
                    EntityService::<InventoryItem>::ensure_live_on(tx.conn(), &items).await?;
                    let rows = inputs
                        .into_iter()
                        .map(|i| level_create(i.inventory_item_id.clone(), i.into()))
                        .collect();
                    levels.create_in(tx, rows).await
                })
            })
            .await
    }

    /// Change levels by (item, location) (Medusa's
    /// `updateInventoryLevels`): stocked and incoming quantities and
    /// metadata; the reserved quantity is the reservations' to change. A
    /// pair without a level is `not_found` "Item X is not stocked at
    /// location Y" and changes nothing. One transaction: lock, one update.
    /// Returns the levels in input order.
    pub async fn update_inventory_levels(
        &self,
        updates: Vec<UpdateInventoryLevelInput>,
    ) -> Result<Vec<InventoryLevel>> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<Key> = updates
            .iter()
            .map(|u| (u.inventory_item_id.clone(), u.location_id.clone()))
            .collect();
        let written = self
            .inventory_levels()
            .transaction(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn();
                    let locked = levels::lock(conn, &keys).await?;
                    let missing: Vec<&Key> =
                        keys.iter().filter(|k| !locked.contains_key(*k)).collect();
                    if !missing.is_empty() {
                        return Err(levels::not_stocked(missing));
                    }
                    // Later changes of the same level win, field by field.
                    let mut merged: HashMap<&str, Value> = HashMap::new();
                    for (key, update) in keys.iter().zip(&updates) {
                        let id = locked[key].id.as_str();
                        let row = merged.entry(id).or_insert_with(|| json!({"id": id}));
                        if let Some(q) = update.stocked_quantity {
                            row["stocked_quantity"] = json!(q.0.to_string());
                        }
                        if let Some(q) = update.incoming_quantity {
                            row["incoming_quantity"] = json!(q.0.to_string());
                        }
                        if let Some(metadata) = &update.metadata {
                            row["set_metadata"] = json!(true);
                            row["metadata"] = metadata.clone().unwrap_or(Value::Null);
                        }
                    }
                    let meta = InventoryLevel::META;
                    let mut sql = DynSql::new(&format!(
                        "UPDATE \"{}\" AS t SET \
                         stocked_quantity = coalesce(v.stocked_quantity, t.stocked_quantity), \
                         incoming_quantity = coalesce(v.incoming_quantity, t.incoming_quantity), \
                         metadata = CASE WHEN v.set_metadata THEN v.metadata ELSE t.metadata END, \
                         updated_at = now() FROM jsonb_to_recordset(",
                        meta.table
                    ));
                    let rows: Vec<Value> = merged.into_values().collect();
                    sql.bind(Bind::Text(Value::Array(rows).to_string()), "jsonb");
                    sql.push(&format!(
                        ") AS v(id text, stocked_quantity numeric, incoming_quantity numeric, \
                         set_metadata boolean, metadata jsonb) \
                         WHERE t.id = v.id RETURNING {} AS record",
                        record_expr_exact(meta, "t")
                    ));
                    let written: Vec<InventoryLevel> = levels::decode(sql.load_json(conn).await?)?;
                    by_key(&keys, written)
                })
            })
            .await?;
        self.emit_levels_updated(&written).await;
        Ok(written)
    }

    /// Delete the item's level at the location for good (Medusa's
    /// `deleteInventoryLevel`); `not_found` "Item X is not stocked at
    /// location Y" when there is none. Whether a level with stock or
    /// reservations may go is the calling workflow's rule. Returns the
    /// level's id.
    pub async fn delete_inventory_level(
        &self,
        inventory_item_id: &str,
        location_id: &str,
    ) -> Result<String> {
        let filter = InventoryLevelFilter {
            inventory_item_id: Some(FieldFilter::Eq(inventory_item_id.to_string())),
            location_id: Some(FieldFilter::Eq(location_id.to_string())),
            ..Default::default()
        };
        let level = self
            .inventory_levels()
            .list(&filter, &ListConfig::default())
            .await?
            .pop()
            .ok_or_else(|| {
                levels::not_stocked([&(inventory_item_id.to_string(), location_id.to_string())])
            })?;
        self.inventory_levels()
            .delete(std::slice::from_ref(&level.id))
            .await?;
        Ok(level.id)
    }

    /// Delete every level at these stock locations for good (Medusa's
    /// `deleteInventoryItemLevelByLocationId`, when locations go). Returns
    /// the ids deleted.
    pub async fn delete_inventory_levels_by_location(
        &self,
        location_ids: &[String],
    ) -> Result<Vec<String>> {
        if location_ids.is_empty() {
            return Ok(Vec::new());
        }
        let filter = InventoryLevelFilter {
            location_id: Some(FieldFilter::In(location_ids.to_vec())),
            ..Default::default()
        };
        let ids: Vec<String> = self
            .inventory_levels()
            .list(&filter, &ListConfig::default())
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect();
        if ids.is_empty() {
            return Ok(ids);
        }
        let deleted = self.inventory_levels().delete(&ids).await?;
        Ok(deleted
            .get(InventoryLevel::META.entity)
            .cloned()
            .unwrap_or_default())
    }

    /// Add `adjustment` (negative to remove) to the stocked quantity of the
    /// item's level at the location, for each `(item id, location id,
    /// adjustment)` (Medusa's `adjustInventory`); adjustments of the same
    /// level add up. Every pair needs a level (`not_found` "Item X is not
    /// stocked at location Y", nothing changed). One transaction: lock,
    /// one update. Returns the levels as adjusted, in input order.
    pub async fn adjust_inventory(
        &self,
        adjustments: Vec<(String, String, Decimal)>,
    ) -> Result<Vec<InventoryLevel>> {
        if adjustments.is_empty() {
            return Ok(Vec::new());
        }
        let keys: Vec<Key> = adjustments
            .iter()
            .map(|(item, location, _)| (item.clone(), location.clone()))
            .collect();
        let written = self
            .inventory_levels()
            .transaction(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn();
                    let locked = levels::lock(conn, &keys).await?;
                    let missing: Vec<&Key> =
                        keys.iter().filter(|k| !locked.contains_key(*k)).collect();
                    if !missing.is_empty() {
                        return Err(levels::not_stocked(missing));
                    }
                    let changes = keys
                        .iter()
                        .zip(&adjustments)
                        .map(|(key, (_, _, by))| (locked[key].id.clone(), *by));
                    // Every adjusted level is written, even one adjusted by
                    // zero in total: the caller gets each level back.
                    let written = levels::shift(conn, Quantity::Stocked, changes, true).await?;
                    by_key(&keys, written)
                })
            })
            .await?;
        self.emit_levels_updated(&written).await;
        Ok(written)
    }

    async fn emit_levels_updated(&self, levels: &[InventoryLevel]) {
        let mut ids: Vec<String> = levels.iter().map(|l| l.id.clone()).collect();
        ids.sort();
        ids.dedup();
        self.emit(events::LEVEL_UPDATED, &ids).await;
    }
}
