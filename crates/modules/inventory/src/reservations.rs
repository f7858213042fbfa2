//! Reservations: stock held at a location for a line item, counted in the
//! level's `reserved_quantity`. Each operation runs in one transaction:
//! lock the reservations it changes (id order), lock the levels (id
//! order), check availability on the values read under the locks, shift
//! `reserved_quantity`, write the reservations.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use serde_json::{Value, json};
use stheno_module_sdk::entity::sql::{DynSql, record_expr_exact};
use stheno_module_sdk::entity::{Bind, Entity};
use stheno_module_sdk::money::Decimal;
use stheno_module_sdk::{Error, Result};

use crate::levels::{self, Key, Quantity};
use crate::models::{CreateReservationItem, InventoryLevel, ReservationItem};
use crate::{InventoryModule, UpdateReservationInput, events, insufficient_stock};

/// What a batch changes on one level: `total` is added to
/// `reserved_quantity`; `must_fit` is the part that may not exceed the
/// available stock (the change of reservations without `allow_backorder`).
#[derive(Debug, Default, Clone, Copy)]
struct Need {
    total: Decimal,
    must_fit: Decimal,
}

/// Needs per level, in the order the batch first names each level.
#[derive(Default)]
struct Needs {
    order: Vec<Key>,
    by_key: HashMap<Key, Need>,
}

impl Needs {
    fn add(&mut self, item: &str, location: &str, total: Decimal, must_fit: Decimal) {
        let key = (item.to_string(), location.to_string());
        let need = self.by_key.entry(key.clone()).or_insert_with(|| {
            self.order.push(key);
            Need::default()
        });
        need.total += total;
        need.must_fit += must_fit;
    }

    fn iter(&self) -> impl Iterator<Item = (&Key, Need)> {
        self.order.iter().map(|k| (k, self.by_key[k]))
    }
}

/// Lock the levels `needs` names, refuse what does not fit, then shift
/// their reserved quantities. Missing levels are `not_found` where stock is
/// to be held there; a release from a level that is gone is skipped.
async fn reserve(conn: &mut AsyncPgConnection, needs: &Needs) -> Result<Vec<InventoryLevel>> {
    let locked = levels::lock(conn, needs.order.iter()).await?;
    let missing: Vec<&Key> = needs
        .iter()
        .filter(|(key, need)| {
            !locked.contains_key(*key)
                && (need.total > Decimal::ZERO || need.must_fit > Decimal::ZERO)
        })
        .map(|(key, _)| key)
        .collect();
    if !missing.is_empty() {
        return Err(levels::not_stocked(missing));
    }
    for (key, need) in needs.iter() {
        if let Some(level) = locked.get(key)
            && need.must_fit > Decimal::ZERO
            && level.available() < need.must_fit
        {
            return Err(insufficient_stock(&key.0, &key.1));
        }
    }
    let changes = needs
        .iter()
        .filter_map(|(key, need)| locked.get(key).map(|l| (l.id.clone(), need.total)));
    levels::shift(conn, Quantity::Reserved, changes, false).await
}

fn positive(quantity: Decimal, item: &str, location: &str) -> Result<()> {
    if quantity > Decimal::ZERO {
        return Ok(());
    }
    Err(Error::invalid_data(format!(
        "Reservation quantity must be greater than 0 (item {item} at location {location}: got {quantity})"
    )))
}

/// A column live reservations are selected by.
#[derive(Clone, Copy)]
enum By {
    Id,
    LineItem,
}

/// The live reservations whose `by` is in `values`, locked (`FOR UPDATE`,
/// id order) until the transaction ends. One statement.
async fn lock_reservations(
    conn: &mut AsyncPgConnection,
    by: By,
    values: Vec<String>,
) -> Result<Vec<ReservationItem>> {
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let meta = ReservationItem::META;
    let column = match by {
        By::Id => "id",
        By::LineItem => "line_item_id",
    };
    let mut sql = DynSql::new(&format!(
        "SELECT {} AS record FROM \"{}\" t WHERE t.\"{column}\" = ANY(",
        record_expr_exact(meta, "t"),
        meta.table
    ));
    sql.bind_array(values, "text");
    sql.push(") AND t.deleted_at IS NULL ORDER BY t.id FOR UPDATE OF t");
    levels::decode(sql.load_json(conn).await?)
}

/// Write the changeable columns of `rows` as they are, in one statement.
async fn write_reservations(
    conn: &mut AsyncPgConnection,
    rows: &[ReservationItem],
) -> Result<Vec<ReservationItem>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "location_id": r.location_id,
                "quantity": r.quantity.0.to_string(),
                "allow_backorder": r.allow_backorder,
                "description": r.description,
                "metadata": r.metadata,
            })
        })
        .collect();
    let meta = ReservationItem::META;
    let mut sql = DynSql::new(&format!(
        "UPDATE \"{}\" AS t SET location_id = v.location_id, quantity = v.quantity, \
         allow_backorder = v.allow_backorder, description = v.description, metadata = v.metadata, \
         updated_at = now() FROM jsonb_to_recordset(",
        meta.table
    ));
    sql.bind(Bind::Text(Value::Array(data).to_string()), "jsonb");
    sql.push(&format!(
        ") AS v(id text, location_id text, quantity numeric, allow_backorder boolean, \
         description text, metadata jsonb) WHERE t.id = v.id RETURNING {} AS record",
        record_expr_exact(meta, "t")
    ));
    levels::decode(sql.load_json(conn).await?)
}

fn apply(row: &mut ReservationItem, changes: &UpdateReservationInput) {
    if let Some(quantity) = changes.quantity {
        row.quantity = quantity;
    }
    if let Some(location) = &changes.location_id {
        row.location_id = location.clone();
    }
    if let Some(allow) = changes.allow_backorder {
        row.allow_backorder = allow;
    }
    if let Some(description) = &changes.description {
        row.description = description.clone();
    }
    if let Some(metadata) = &changes.metadata {
        row.metadata = metadata.clone();
    }
}

fn level_ids(levels: &[InventoryLevel]) -> Vec<String> {
    levels.iter().map(|l| l.id.clone()).collect()
}

impl InventoryModule {
    /// Reserve stock (Medusa's `createReservationItems`), in one
    /// transaction and in input order. Each reservation needs a live level
    /// for its item and location (`not_found` "Item X is not stocked at
    /// location Y"). Unless `allow_backorder`, the reservations of the
    /// batch at one level must together fit in its available quantity,
    /// read under a lock on the level (`not_allowed` "Not enough stock
    /// available for item X at location Y", code `insufficient_inventory`);
    /// concurrent reservations wait for each other, so the available
    /// quantity never goes below zero but through backorders. The
    /// quantities are then added to the levels' `reserved_quantity`.
    /// Quantities must be positive (`invalid_data`).
    ///
    /// Statements: lock levels, update levels, insert reservations, for
    /// any number of reservations.
    pub async fn create_reservations(
        &self,
        inputs: Vec<CreateReservationItem>,
    ) -> Result<Vec<ReservationItem>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let mut needs = Needs::default();
        for input in &inputs {
            let quantity = input.quantity.0;
            positive(quantity, &input.inventory_item_id, &input.location_id)?;
            let must_fit = if input.allow_backorder.unwrap_or(false) {
                Decimal::ZERO
            } else {
                quantity
            };
            needs.add(
                &input.inventory_item_id,
                &input.location_id,
                quantity,
                must_fit,
            );
        }
        let reservations = self.reservation_items().clone();
        let (created, touched) = self
            .reservation_items()
            .transaction(move |tx| {
                Box::pin(async move {
                    let touched = reserve(tx.conn(), &needs).await?;
                    let created = reservations.create_in(tx, inputs).await?;
                    Ok((created, touched))
                })
            })
            .await?;
        self.emit(events::LEVEL_UPDATED, &level_ids(&touched)).await;
        Ok(created)
    }

    /// Resize, move or otherwise change reservations (Medusa's
    /// `updateReservationItems`), in one transaction, the reservations and
    /// their levels locked. The difference is applied to
    /// `reserved_quantity` per level: a move releases the old quantity at
    /// the old location and holds the new one at the new location. What a
    /// reservation without `allow_backorder` (as updated) grows by must fit
    /// in the available stock (`not_allowed`, code
    /// `insufficient_inventory`); the new location needs a level
    /// (`not_found`). An unknown id is `ReservationItem with id: x was not
    /// found`. Returns the reservations in input order.
    pub async fn update_reservations(
        &self,
        updates: Vec<(String, UpdateReservationInput)>,
    ) -> Result<Vec<ReservationItem>> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<String> = updates.iter().map(|(id, _)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        let order: Vec<String> = updates.iter().map(|(id, _)| id.clone()).collect();
        let (written, touched) = self
            .reservation_items()
            .transaction(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn();
                    let current: HashMap<String, ReservationItem> =
                        lock_reservations(conn, By::Id, ids.clone())
                            .await?
                            .into_iter()
                            .map(|r| (r.id.clone(), r))
                            .collect();
                    if let Some(missing) = ids.iter().find(|id| !current.contains_key(*id)) {
                        return Err(ReservationItem::META.not_found(missing));
                    }
                    let mut next = current.clone();
                    for (id, changes) in &updates {
                        if let Some(row) = next.get_mut(id) {
                            apply(row, changes);
                        }
                    }
                    let mut needs = Needs::default();
                    for id in &ids {
                        let (old, new) = (&current[id], &next[id]);
                        positive(new.quantity.0, &new.inventory_item_id, &new.location_id)?;
                        let checked = !new.allow_backorder;
                        let fit = |q: Decimal| if checked { q } else { Decimal::ZERO };
                        needs.add(
                            &old.inventory_item_id,
                            &old.location_id,
                            -old.quantity.0,
                            fit(-old.quantity.0),
                        );
                        needs.add(
                            &new.inventory_item_id,
                            &new.location_id,
                            new.quantity.0,
                            fit(new.quantity.0),
                        );
                    }
                    let touched = reserve(conn, &needs).await?;
                    let rows: Vec<ReservationItem> =
                        ids.iter().map(|id| next[id].clone()).collect();
                    let written = write_reservations(conn, &rows).await?;
                    Ok((written, touched))
                })
            })
            .await?;
        let ids: Vec<String> = written.iter().map(|r| r.id.clone()).collect();
        self.emit(events::RESERVATION_UPDATED, &ids).await;
        self.emit(events::LEVEL_UPDATED, &level_ids(&touched)).await;
        let by_id: HashMap<&str, &ReservationItem> =
            written.iter().map(|r| (r.id.as_str(), r)).collect();
        order
            .iter()
            .map(|id| {
                by_id
                    .get(id.as_str())
                    .map(|r| (*r).clone())
                    .ok_or_else(|| ReservationItem::META.not_found(id))
            })
            .collect()
    }

    /// Delete reservations for good (Medusa's `deleteReservationItems`),
    /// releasing their quantities from the levels' `reserved_quantity`, in
    /// one transaction. Unknown or deleted ids are skipped. Returns the ids
    /// deleted.
    pub async fn delete_reservations(&self, ids: &[String]) -> Result<Vec<String>> {
        self.delete_reservations_by(By::Id, ids).await
    }

    /// [`delete_reservations`](Self::delete_reservations) of every live
    /// reservation held for these line items (Medusa's
    /// `deleteReservationItemsByLineItem`). Returns the ids deleted.
    pub async fn delete_reservations_by_line_item(
        &self,
        line_item_ids: &[String],
    ) -> Result<Vec<String>> {
        self.delete_reservations_by(By::LineItem, line_item_ids)
            .await
    }

    async fn delete_reservations_by(&self, by: By, values: &[String]) -> Result<Vec<String>> {
        if values.is_empty() {
            return Ok(Vec::new());
        }
        let values = values.to_vec();
        let (deleted, touched) = self
            .reservation_items()
            .transaction(move |tx| {
                Box::pin(async move {
                    let conn = tx.conn();
                    let rows = lock_reservations(conn, by, values).await?;
                    if rows.is_empty() {
                        return Ok((Vec::new(), Vec::new()));
                    }
                    let mut needs = Needs::default();
                    for r in &rows {
                        needs.add(
                            &r.inventory_item_id,
                            &r.location_id,
                            -r.quantity.0,
                            Decimal::ZERO,
                        );
                    }
                    let touched = reserve(conn, &needs).await?;
                    let ids: Vec<String> = rows.into_iter().map(|r| r.id).collect();
                    let mut sql = DynSql::new(&format!(
                        "DELETE FROM \"{}\" WHERE id = ANY(",
                        ReservationItem::META.table
                    ));
                    sql.bind_array(ids.clone(), "text");
                    sql.push(")");
                    sql.run(conn).await?;
                    Ok((ids, touched))
                })
            })
            .await?;
        self.emit(events::RESERVATION_DELETED, &deleted).await;
        self.emit(events::LEVEL_UPDATED, &level_ids(&touched)).await;
        Ok(deleted)
    }
}
