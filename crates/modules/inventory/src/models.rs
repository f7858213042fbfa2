//! The inventory module's entities, declared once: their services
//! ([`InventoryModule::inventory_items`](crate::InventoryModule::inventory_items)
//! and siblings), inputs, filters and Query sources are generated.
//!
//! Quantities are Medusa's bigNumber: an exact decimal ([`Amount`], a
//! `numeric` column, a JSON number on the wire) with a `raw_<name>` twin
//! `{value, precision: 20}`. The twins and a level's `available_quantity`
//! are derived by the database on every write (a trigger): they are in the
//! records, and whatever a caller puts in them is replaced.

use serde_json::Value;
use stheno_module_sdk::entity;
use stheno_module_sdk::money::Amount;

/// Something stocked (`iitem_…`): what a product variant's stock is made
/// of (the link `product_variant_inventory_item` says how many). The SKU
/// is unique among live items. Soft delete takes its levels and
/// reservations along.
#[entity(
    module = "inventory",
    prefix = "iitem",
    searchable(sku, hs_code, mid_code, description, title),
    soft_delete,
    has_many(
        location_levels = InventoryLevel,
        fk = "inventory_item_id",
        cascade
    ),
    has_many(
        reservation_items = ReservationItem,
        fk = "inventory_item_id",
        cascade
    )
)]
pub struct InventoryItem {
    pub id: String,
    #[entity(unique)]
    pub sku: Option<String>,
    pub origin_country: Option<String>,
    pub hs_code: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub unit_of_measure: Option<String>,
    pub weight: Option<i32>,
    pub length: Option<i32>,
    pub height: Option<i32>,
    pub width: Option<i32>,
    #[entity(default = "true")]
    pub requires_shipping: bool,
    pub description: Option<String>,
    pub title: Option<String>,
    pub thumbnail: Option<String>,
    pub metadata: Option<Value>,
}

/// An item's stock at one stock location (`ilev_…`); one level per item
/// and location among live levels. `reserved_quantity` is what live
/// reservations hold: only the reservation operations of
/// [`InventoryModule`](crate::InventoryModule) change it (it is not in
/// `UpdateInventoryLevel`). `available_quantity` = stocked − reserved.
#[entity(
    module = "inventory",
    prefix = "ilev",
    soft_delete,
    unique(inventory_item_id, location_id),
    belongs_to(inventory_item = InventoryItem, fk = "inventory_item_id")
)]
pub struct InventoryLevel {
    pub id: String,
    #[entity(immutable)]
    pub inventory_item_id: String,
    /// A stock location's id (another module: no foreign key).
    #[entity(immutable)]
    pub location_id: String,
    #[entity(default = "0")]
    pub stocked_quantity: Amount,
    /// Derived by the database.
    #[entity(immutable, default = "'{\"value\":\"0\",\"precision\":20}'::jsonb")]
    pub raw_stocked_quantity: Value,
    /// Changed only by the reservation operations.
    #[entity(immutable, default = "0")]
    pub reserved_quantity: Amount,
    /// Derived by the database.
    #[entity(immutable, default = "'{\"value\":\"0\",\"precision\":20}'::jsonb")]
    pub raw_reserved_quantity: Value,
    #[entity(default = "0")]
    pub incoming_quantity: Amount,
    /// Derived by the database.
    #[entity(immutable, default = "'{\"value\":\"0\",\"precision\":20}'::jsonb")]
    pub raw_incoming_quantity: Value,
    /// `stocked_quantity - reserved_quantity`, derived by the database;
    /// negative only through backorders.
    #[entity(immutable, default = "0")]
    pub available_quantity: Amount,
    pub metadata: Option<Value>,
}

/// Stock held for a cart or order line (`resitem_…`) at one location. Its
/// quantity is counted in the level's `reserved_quantity`, so create,
/// change and delete reservations through
/// [`InventoryModule`](crate::InventoryModule)'s reservation operations,
/// which keep the two in step; the generated service is for reads.
#[entity(
    module = "inventory",
    prefix = "resitem",
    searchable(description),
    soft_delete,
    belongs_to(inventory_item = InventoryItem, fk = "inventory_item_id")
)]
pub struct ReservationItem {
    pub id: String,
    #[entity(immutable)]
    pub inventory_item_id: String,
    /// The cart or order line item the stock is held for.
    pub line_item_id: Option<String>,
    /// Changed only by [`update_reservations`](crate::InventoryModule::update_reservations).
    #[entity(immutable)]
    pub location_id: String,
    /// Changed only by [`update_reservations`](crate::InventoryModule::update_reservations).
    #[entity(immutable)]
    pub quantity: Amount,
    /// Derived by the database.
    #[entity(immutable, default = "'{\"value\":\"0\",\"precision\":20}'::jsonb")]
    pub raw_quantity: Value,
    /// The reservation may exceed the available stock.
    #[entity(default = "false")]
    pub allow_backorder: bool,
    pub external_id: Option<String>,
    pub description: Option<String>,
    #[entity(immutable)]
    pub created_by: Option<String>,
    pub metadata: Option<Value>,
}
