//! Statements on inventory levels shared by the domain operations: lock the
//! levels of some (item, location) pairs, then shift one of their
//! quantities. Every operation that changes quantities of several levels
//! locks them first, in id order, so concurrent batches wait for each
//! other instead of deadlocking, and decides on the values it read under
//! the lock: no read-then-write race.

use std::collections::{BTreeMap, HashMap};

use diesel_async::AsyncPgConnection;
use serde::Deserialize;
use serde_json::{Value, json};
use stheno_module_sdk::entity::sql::{DynSql, record_expr_exact};
use stheno_module_sdk::entity::{Bind, Entity};
use stheno_module_sdk::money::{Amount, Decimal};
use stheno_module_sdk::{Error, Result};

use crate::models::InventoryLevel;

/// An (inventory item id, location id) pair: the key of a level.
pub(crate) type Key = (String, String);

/// A live level as read under its lock.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Locked {
    pub id: String,
    pub stocked: Amount,
    pub reserved: Amount,
}

impl Locked {
    pub fn available(&self) -> Decimal {
        self.stocked.0 - self.reserved.0
    }
}

#[derive(Deserialize)]
struct LockedRow {
    inventory_item_id: String,
    location_id: String,
    #[serde(flatten)]
    level: Locked,
}

/// Medusa's `not_found` for pairs without a live level: `Item X is not
/// stocked at location Y`, several joined with `, `.
pub(crate) fn not_stocked<'a>(missing: impl IntoIterator<Item = &'a Key>) -> Error {
    let text: Vec<String> = missing
        .into_iter()
        .map(|(item, location)| format!("Item {item} is not stocked at location {location}"))
        .collect();
    Error::not_found(text.join(", "))
}

/// Lock the live levels of `keys` (`FOR UPDATE`, taken in id order) until
/// the transaction ends, and read their quantities. One statement; pairs
/// without a level are absent from the map.
pub(crate) async fn lock(
    conn: &mut AsyncPgConnection,
    keys: impl IntoIterator<Item = &Key>,
) -> Result<HashMap<Key, Locked>> {
    let wanted: Vec<Value> = keys
        .into_iter()
        .map(|(item, location)| json!({"inventory_item_id": item, "location_id": location}))
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut sql = DynSql::new(
        "SELECT jsonb_build_object('id', l.id, 'inventory_item_id', l.inventory_item_id, \
         'location_id', l.location_id, 'stocked', l.stocked_quantity::text, \
         'reserved', l.reserved_quantity::text) AS record \
         FROM inventory_level l JOIN jsonb_to_recordset(",
    );
    sql.bind(Bind::Text(Value::Array(wanted).to_string()), "jsonb");
    sql.push(
        ") AS w(inventory_item_id text, location_id text) \
         ON w.inventory_item_id = l.inventory_item_id AND w.location_id = l.location_id \
         WHERE l.deleted_at IS NULL ORDER BY l.id FOR UPDATE OF l",
    );
    let mut out = HashMap::new();
    for record in sql.load_json(conn).await? {
        let row: LockedRow = serde_json::from_value(record)?;
        out.insert((row.inventory_item_id, row.location_id), row.level);
    }
    Ok(out)
}

/// A quantity column of `inventory_level` that domain operations shift.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Quantity {
    Stocked,
    Reserved,
}

impl Quantity {
    fn column(self) -> &'static str {
        match self {
            Quantity::Stocked => "stocked_quantity",
            Quantity::Reserved => "reserved_quantity",
        }
    }
}

/// Add `by` to `quantity` of each level (by level id; amounts for the same
/// level are summed), in one statement. The levels should be locked by
/// [`lock`] in this transaction. Levels changed by zero in total are left
/// alone unless `keep_zero`. Returns the levels as written.
pub(crate) async fn shift(
    conn: &mut AsyncPgConnection,
    quantity: Quantity,
    changes: impl IntoIterator<Item = (String, Decimal)>,
    keep_zero: bool,
) -> Result<Vec<InventoryLevel>> {
    let mut by_level: BTreeMap<String, Decimal> = BTreeMap::new();
    for (id, by) in changes {
        *by_level.entry(id).or_default() += by;
    }
    by_level.retain(|_, by| keep_zero || !by.is_zero());
    if by_level.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Value> = by_level
        .iter()
        .map(|(id, by)| json!({"id": id, "by": by.to_string()}))
        .collect();
    let meta = InventoryLevel::META;
    let column = quantity.column();
    let mut sql = DynSql::new(&format!(
        "UPDATE \"{}\" AS t SET \"{column}\" = t.\"{column}\" + v.by, updated_at = now() \
         FROM jsonb_to_recordset(",
        meta.table
    ));
    sql.bind(Bind::Text(Value::Array(rows).to_string()), "jsonb");
    sql.push(&format!(
        ") AS v(id text, by numeric) WHERE t.id = v.id RETURNING {} AS record",
        record_expr_exact(meta, "t")
    ));
    decode(sql.load_json(conn).await?)
}

/// Typed rows from `record` values.
pub(crate) fn decode<E: Entity>(records: Vec<Value>) -> Result<Vec<E>> {
    records
        .into_iter()
        .map(|r| serde_json::from_value(r).map_err(Error::from))
        .collect()
}
