//! Stheno's **inventory module** (key `inventory`): what is stocked, how
//! much of it each stock location holds, and what is reserved for carts
//! and orders, as in Medusa v2.
//!
//! | entity (Query name) | table | id prefix | service |
//! |---|---|---|---|
//! | [`InventoryItem`] (`inventory_item`) | `inventory_item` | `iitem` | [`InventoryModule::inventory_items`] |
//! | [`InventoryLevel`] (`inventory_level`) | `inventory_level` | `ilev` | [`InventoryModule::inventory_levels`] |
//! | [`ReservationItem`] (`reservation_item`) | `reservation_item` | `resitem` | [`InventoryModule::reservation_items`] |
//!
//! The entities are generated (`#[entity]`): list, retrieve, create,
//! update, soft delete, restore and delete with Medusa's filters and
//! messages. A level holds an item's `stocked_quantity`,
//! `reserved_quantity` and `incoming_quantity` at one location (one level
//! per item and location); `available_quantity` = stocked − reserved.
//! Quantities are exact decimals with Medusa's `raw_*` twins, derived by
//! the database.
//!
//! Written here is the domain, on [`InventoryModule`]:
//!
//! - **Items and levels**: [`create_inventory_items`](InventoryModule::create_inventory_items)
//!   with nested `location_levels`, [`create_inventory_levels`](InventoryModule::create_inventory_levels),
//!   [`update_inventory_levels`](InventoryModule::update_inventory_levels) (by item and
//!   location; the reserved quantity is never the caller's),
//!   [`delete_inventory_level`](InventoryModule::delete_inventory_level),
//!   [`adjust_inventory`](InventoryModule::adjust_inventory).
//! - **Reservations**: [`create_reservations`](InventoryModule::create_reservations),
//!   [`update_reservations`](InventoryModule::update_reservations),
//!   [`delete_reservations`](InventoryModule::delete_reservations),
//!   [`delete_reservations_by_line_item`](InventoryModule::delete_reservations_by_line_item)
//!   keep each level's `reserved_quantity` equal to what its live
//!   reservations hold.
//! - **Quantities**: [`available_quantities`](InventoryModule::available_quantities)
//!   and its stocked / reserved siblings, batched (one statement for any
//!   number of items), and [`confirm_inventory`](InventoryModule::confirm_inventory).
//!
//! # Stock never oversold
//!
//! Every operation that changes quantities of levels locks them first
//! (`SELECT … FOR UPDATE`, in id order, one statement for the batch), then
//! decides on the values read under the lock and writes them in one
//! statement, in one transaction. Concurrent reservations therefore queue
//! on the level: a reservation without `allow_backorder` is refused once
//! the available quantity would go below zero, whatever the concurrency.
//! Only backorders (and stock adjustments) make it negative.
//!
//! Query relations (generated): `inventory_item.location_levels`,
//! `inventory_item.reservation_items`, `inventory_level.inventory_item`,
//! `reservation_item.inventory_item`. Soft-deleting an item takes its
//! levels and reservations along.
//!
//! Events (after commit, payload `{id}`): `inventory.inventory-item.<action>`,
//! `inventory.inventory-level.<action>`, `inventory.reservation-item.<action>`
//! (`created`, `updated`, `deleted`, `restored`), from the generated
//! services and from the domain operations alike: a reservation change
//! also emits `inventory.inventory-level.updated` for the levels it
//! touched.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use stheno_module_sdk::events::Event;
use stheno_module_sdk::money::Amount;
use stheno_module_sdk::{Error, module};

mod items;
mod levels;
pub mod models;
mod quantities;
mod reservations;

pub use models::{
    CreateInventoryItem, CreateInventoryLevel, CreateReservationItem, InventoryItem,
    InventoryItemFilter, InventoryLevel, InventoryLevelFilter, ReservationItem,
    ReservationItemFilter, UpdateInventoryItem, UpdateInventoryLevel, UpdateReservationItem,
};
pub use quantities::InventoryQuantities;

type Nullable<T> = Option<Option<T>>;

/// The inventory module: the generated services of its entities
/// ([`inventory_items`](Self::inventory_items),
/// [`inventory_levels`](Self::inventory_levels),
/// [`reservation_items`](Self::reservation_items)) and the domain
/// operations. Create, change and delete reservations through the domain
/// operations, which keep the levels' reserved quantities; the generated
/// reservation service is for reads.
#[module(
    key = "inventory",
    entities(InventoryItem, InventoryLevel, ReservationItem),
    migrations = "../../../migrations/inventory"
)]
pub struct InventoryModule;

/// The machine code of "not enough stock" errors (`code` in the error
/// body).
pub const INSUFFICIENT_INVENTORY: &str = "insufficient_inventory";

/// The error a storefront sees when a cart asks for more than is
/// available (Medusa's confirm-inventory step): `not_allowed`, code
/// `insufficient_inventory`, "Some variant does not have the required
/// inventory". For workflows that check with
/// [`InventoryModule::confirm_inventory`] or
/// [`InventoryModule::available_quantities`].
pub fn insufficient_inventory() -> Error {
    Error::not_allowed("Some variant does not have the required inventory")
        .with_code(INSUFFICIENT_INVENTORY)
}

/// The module's refusal of a reservation beyond the available stock:
/// `not_allowed` "Not enough stock available for item X at location Y",
/// code `insufficient_inventory`.
pub(crate) fn insufficient_stock(item: &str, location: &str) -> Error {
    Error::not_allowed(format!(
        "Not enough stock available for item {item} at location {location}"
    ))
    .with_code(INSUFFICIENT_INVENTORY)
}

/// Event names the domain operations emit themselves.
pub(crate) mod events {
    pub const LEVEL_UPDATED: &str = "inventory.inventory-level.updated";
    pub const RESERVATION_UPDATED: &str = "inventory.reservation-item.updated";
    pub const RESERVATION_DELETED: &str = "inventory.reservation-item.deleted";
}

/// A level to create at a location with a new item (an entry of
/// `location_levels`). The reserved quantity starts at zero and is not the
/// caller's to set.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LocationLevelInput {
    pub location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stocked_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// A level to create (Medusa's `CreateInventoryLevelInput`): an item
/// stocked at a location. The reserved quantity starts at zero.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateInventoryLevelInput {
    pub inventory_item_id: String,
    pub location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stocked_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl CreateInventoryLevelInput {
    /// `stocked` units of the item at the location.
    pub fn new(
        inventory_item_id: impl Into<String>,
        location_id: impl Into<String>,
        stocked: Amount,
    ) -> Self {
        Self {
            inventory_item_id: inventory_item_id.into(),
            location_id: location_id.into(),
            stocked_quantity: Some(stocked),
            incoming_quantity: None,
            metadata: None,
        }
    }
}

impl From<CreateInventoryLevelInput> for LocationLevelInput {
    fn from(i: CreateInventoryLevelInput) -> Self {
        Self {
            location_id: i.location_id,
            stocked_quantity: i.stocked_quantity,
            incoming_quantity: i.incoming_quantity,
            metadata: i.metadata,
        }
    }
}

/// Changes to the level of an item at a location (Medusa's
/// `UpdateInventoryLevelInput`); absent fields are kept, `metadata: null`
/// clears. There is no `reserved_quantity`: reservations own it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateInventoryLevelInput {
    pub inventory_item_id: String,
    pub location_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stocked_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incoming_quantity: Option<Amount>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Nullable<Value>,
}

impl UpdateInventoryLevelInput {
    /// No changes yet to the item's level at the location.
    pub fn new(inventory_item_id: impl Into<String>, location_id: impl Into<String>) -> Self {
        Self {
            inventory_item_id: inventory_item_id.into(),
            location_id: location_id.into(),
            stocked_quantity: None,
            incoming_quantity: None,
            metadata: None,
        }
    }
}

/// An inventory item to create with levels (Medusa's
/// `CreateInventoryItemInput`). On the wire it is one object: the item's
/// fields and `location_levels`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateInventoryItemInput {
    #[serde(flatten)]
    pub item: CreateInventoryItem,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub location_levels: Vec<LocationLevelInput>,
}

impl From<CreateInventoryItem> for CreateInventoryItemInput {
    fn from(item: CreateInventoryItem) -> Self {
        Self {
            item,
            location_levels: Vec::new(),
        }
    }
}

/// The item's fields keep their strictness (an unknown field is an
/// error): `location_levels` is taken out before they are read.
impl<'de> Deserialize<'de> for CreateInventoryItemInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let mut map = serde_json::Map::<String, Value>::deserialize(d)?;
        let location_levels = match map.remove("location_levels") {
            None | Some(Value::Null) => Vec::new(),
            Some(levels) => serde_json::from_value(levels).map_err(D::Error::custom)?,
        };
        let item = serde_json::from_value(Value::Object(map)).map_err(D::Error::custom)?;
        Ok(Self {
            item,
            location_levels,
        })
    }
}

/// Changes to a reservation (Medusa's `UpdateReservationItemInput`):
/// absent fields are kept, `null` clears. A new `quantity` or
/// `location_id` moves reserved stock between levels.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateReservationInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_backorder: Option<bool>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Nullable<Value>,
}

impl InventoryModule {
    /// Emit `{id}` events named `name`, after a commit.
    // SDK-GAP: `Tx` has no way to add domain events to the ones it emits
    // after commit; hand-written statements emit through the bus here.
    async fn emit(&self, name: &str, ids: &[String]) {
        if ids.is_empty() {
            return;
        }
        let events = Event::for_ids(name, ids.iter().map(String::as_str));
        if let Err(e) = self.context().events().emit(events).await {
            tracing::warn!(error = %e, event = name, "inventory module: emitting events failed");
        }
    }
}
