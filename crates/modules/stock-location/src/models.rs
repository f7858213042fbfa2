//! The stock-location module's entities, declared once: their services
//! ([`StockLocationModule::stock_locations`](crate::StockLocationModule::stock_locations)
//! and [`StockLocationModule::stock_location_addresses`](crate::StockLocationModule::stock_location_addresses)),
//! inputs, filters and Query sources are generated.

use serde_json::Value;
use stheno_module_sdk::entity;

/// A place stock is kept and shipped from (`sloc_…`), with at most one
/// address. Query follows `address` (`fields=*address`).
#[entity(
    module = "stock_location",
    prefix = "sloc",
    searchable(name),
    soft_delete,
    belongs_to(address = StockLocationAddress, fk = "address_id")
)]
pub struct StockLocation {
    pub id: String,
    pub name: String,
    /// The location's address; one location per address (among live
    /// locations).
    #[entity(unique)]
    pub address_id: Option<String>,
    pub metadata: Option<Value>,
}

/// A stock location's address (`laddr_…`). As in Medusa, deleting an
/// address deletes the location that uses it (`stock_locations`, cascade);
/// deleting a location keeps its address.
#[entity(
    module = "stock_location",
    prefix = "laddr",
    searchable(address_1, address_2, city, province, postal_code, country_code),
    soft_delete,
    has_many(stock_locations = StockLocation, fk = "address_id", cascade)
)]
pub struct StockLocationAddress {
    pub id: String,
    pub address_1: String,
    pub address_2: Option<String>,
    pub company: Option<String>,
    pub phone: Option<String>,
    pub city: Option<String>,
    pub country_code: String,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub metadata: Option<Value>,
}
