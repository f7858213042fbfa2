//! Stock sums over levels (Medusa's `retrieveAvailableQuantity`,
//! `retrieveStockedQuantity`, `retrieveReservedQuantity`,
//! `confirmInventory`), batched: one statement for any number of items.

use std::collections::HashMap;
use std::str::FromStr;

use serde::Deserialize;
use stheno_module_sdk::entity::Entity;
use stheno_module_sdk::entity::sql::DynSql;
use stheno_module_sdk::money::Decimal;
use stheno_module_sdk::{Error, Result};

use crate::InventoryModule;
use crate::models::InventoryItem;

/// An item's quantities summed over the live levels at some locations.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InventoryQuantities {
    pub stocked: Decimal,
    pub reserved: Decimal,
    pub incoming: Decimal,
    /// `stocked - reserved`.
    pub available: Decimal,
}

#[derive(Deserialize)]
struct Sums {
    id: String,
    stocked: String,
    reserved: String,
    incoming: String,
}

fn decimal(text: &str) -> Result<Decimal> {
    Decimal::from_str(text)
        .map_err(|e| Error::internal(format!("quantity {text} does not fit a decimal: {e}")))
}

impl InventoryModule {
    /// The quantities of each live item of `item_ids`, summed over its live
    /// levels at `location_ids` (`None`: every location; an empty list sums
    /// nothing, so zeros). Every live item of `item_ids` is in the map,
    /// with zeros when it has no level there; unknown or deleted items are
    /// not. One statement, whatever the number of items.
    pub async fn quantities(
        &self,
        item_ids: &[String],
        location_ids: Option<&[String]>,
    ) -> Result<HashMap<String, InventoryQuantities>> {
        if item_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let mut sql = DynSql::new(&format!(
            "SELECT jsonb_build_object('id', i.id, \
             'stocked', coalesce(sum(l.stocked_quantity), 0)::text, \
             'reserved', coalesce(sum(l.reserved_quantity), 0)::text, \
             'incoming', coalesce(sum(l.incoming_quantity), 0)::text) AS record \
             FROM \"{}\" i LEFT JOIN inventory_level l \
             ON l.inventory_item_id = i.id AND l.deleted_at IS NULL",
            InventoryItem::META.table
        ));
        if let Some(locations) = location_ids {
            sql.push(" AND l.location_id = ANY(");
            sql.bind_array(locations.to_vec(), "text");
            sql.push(")");
        }
        sql.push(" WHERE i.id = ANY(");
        sql.bind_array(item_ids.to_vec(), "text");
        sql.push(") AND i.deleted_at IS NULL GROUP BY i.id");
        let mut conn = self.context().db().get().await?;
        let mut out = HashMap::new();
        for record in sql.load_json(&mut conn).await? {
            let sums: Sums = serde_json::from_value(record)?;
            let (stocked, reserved) = (decimal(&sums.stocked)?, decimal(&sums.reserved)?);
            out.insert(
                sums.id,
                InventoryQuantities {
                    stocked,
                    reserved,
                    incoming: decimal(&sums.incoming)?,
                    available: stocked - reserved,
                },
            );
        }
        Ok(out)
    }

    /// Available quantity (stocked − reserved) per live item at
    /// `location_ids`: what a storefront's `inventory_quantity` is made
    /// of. One statement for any number of items; see
    /// [`quantities`](Self::quantities).
    pub async fn available_quantities(
        &self,
        item_ids: &[String],
        location_ids: &[String],
    ) -> Result<HashMap<String, Decimal>> {
        self.pick(item_ids, location_ids, |q| q.available).await
    }

    /// Stocked quantity per live item at `location_ids` (one statement).
    pub async fn stocked_quantities(
        &self,
        item_ids: &[String],
        location_ids: &[String],
    ) -> Result<HashMap<String, Decimal>> {
        self.pick(item_ids, location_ids, |q| q.stocked).await
    }

    /// Reserved quantity per live item at `location_ids` (one statement).
    pub async fn reserved_quantities(
        &self,
        item_ids: &[String],
        location_ids: &[String],
    ) -> Result<HashMap<String, Decimal>> {
        self.pick(item_ids, location_ids, |q| q.reserved).await
    }

    async fn pick(
        &self,
        item_ids: &[String],
        location_ids: &[String],
        field: fn(&InventoryQuantities) -> Decimal,
    ) -> Result<HashMap<String, Decimal>> {
        Ok(self
            .quantities(item_ids, Some(location_ids))
            .await?
            .into_iter()
            .map(|(id, q)| (id, field(&q)))
            .collect())
    }

    /// One item's quantities at `location_ids` (Medusa's
    /// `retrieve*Quantity`): zeros for an empty list, `InventoryItem with
    /// id: x was not found` for an unknown item.
    pub async fn item_quantities(
        &self,
        item_id: &str,
        location_ids: &[String],
    ) -> Result<InventoryQuantities> {
        let id = item_id.to_string();
        self.quantities(std::slice::from_ref(&id), Some(location_ids))
            .await?
            .remove(item_id)
            .ok_or_else(|| InventoryItem::META.not_found(item_id))
    }

    /// One item's available quantity at `location_ids` (Medusa's
    /// `retrieveAvailableQuantity`).
    pub async fn available_quantity(
        &self,
        item_id: &str,
        location_ids: &[String],
    ) -> Result<Decimal> {
        Ok(self.item_quantities(item_id, location_ids).await?.available)
    }

    /// Whether `quantity` is available for the item over `location_ids`
    /// together (Medusa's `confirmInventory`); `not_found` for an unknown
    /// item. A read: reservations decide under a lock, this only tells.
    pub async fn confirm_inventory(
        &self,
        item_id: &str,
        location_ids: &[String],
        quantity: Decimal,
    ) -> Result<bool> {
        Ok(self.available_quantity(item_id, location_ids).await? >= quantity)
    }
}
