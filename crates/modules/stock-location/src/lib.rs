//! Stheno's **stock-location module** (key `stock_location`): the places
//! stock is kept and shipped from, and their addresses, as in Medusa v2.
//!
//! | entity (Query name) | table | id prefix | service |
//! |---|---|---|---|
//! | [`StockLocation`] (`stock_location`) | `stock_location` | `sloc` | [`StockLocationModule::stock_locations`] |
//! | [`StockLocationAddress`] (`stock_location_address`) | `stock_location_address` | `laddr` | [`StockLocationModule::stock_location_addresses`] |
//!
//! Both are generated entities (`#[entity]`): list, retrieve, create,
//! update, soft delete, restore and delete, with Medusa's filters and
//! messages, come from their services. Written here is what Medusa's
//! `createStockLocations` / `updateStockLocations` add, a nested `address`:
//!
//! - [`StockLocationModule::create_stock_locations`] creates the addresses
//!   and the locations pointing at them in one transaction (two
//!   statements for any number of locations).
//! - [`StockLocationModule::update_stock_locations`] updates a location and
//!   its address together: the address given is applied to the location's
//!   address, or created (and attached) when it has none.
//!
//! Query relations (generated): `stock_location.address` (one) and
//! `stock_location_address.stock_locations`, one statement per level for a
//! whole page. A location has at most one address and an address one live
//! location (`address_id` is unique). Deleting an address deletes its
//! location (Medusa's cascade); deleting a location keeps the address.
//!
//! Events (after commit, payload `{id}`):
//! `stock_location.stock-location.<action>` and
//! `stock_location.stock-location-address.<action>` for `created`,
//! `updated`, `deleted`, `restored`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::sql::{DynSql, record_expr_exact};
use stheno_module_sdk::entity::{Bind, Condition, Entity, EntityService};
use stheno_module_sdk::{Error, Result, module};

pub mod models;

pub use models::{
    CreateStockLocation, CreateStockLocationAddress, StockLocation, StockLocationAddress,
    StockLocationAddressFilter, StockLocationFilter, UpdateStockLocation,
    UpdateStockLocationAddress,
};

type Nullable<T> = Option<Option<T>>;

/// The stock-location module: the generated services of its entities
/// ([`stock_locations`](Self::stock_locations),
/// [`stock_location_addresses`](Self::stock_location_addresses)) and the
/// nested-address operations.
#[module(
    key = "stock_location",
    entities(StockLocation, StockLocationAddress),
    migrations = "../../../migrations/stock_location"
)]
pub struct StockLocationModule;

/// A stock location to create, optionally with a new address (Medusa's
/// `CreateStockLocationInput`): either `address` (created with the
/// location) or `address_id` (an existing address), not both.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CreateStockLocationInput {
    /// Generated (`sloc_…`) unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<CreateStockLocationAddress>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

impl CreateStockLocationInput {
    /// A location named `name`, without an address.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            id: None,
            name: name.into(),
            address_id: None,
            address: None,
            metadata: None,
        }
    }
}

/// Changes to a stock location (Medusa's `UpdateStockLocationInput`):
/// absent fields are kept, `null` clears. `address` changes the location's
/// address, or creates one (then `address_1` and `country_code` are
/// required) when it has none; it cannot be combined with `address_id`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateStockLocationInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_id: Nullable<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<UpdateStockLocationAddress>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Nullable<Value>,
}

fn both_addresses() -> Error {
    Error::invalid_data("A stock location takes either address or address_id, not both")
}

/// A new address from update fields: `address_1` and `country_code` must
/// be there.
fn address_to_create(changes: &UpdateStockLocationAddress) -> Result<CreateStockLocationAddress> {
    serde_json::to_value(changes)
        .and_then(serde_json::from_value)
        .map_err(|e| Error::invalid_data(format!("Invalid stock location address: {e}")))
}

fn id_in(ids: impl IntoIterator<Item = String>) -> Condition {
    Condition::In {
        column: "id",
        values: ids.into_iter().map(Bind::Text).collect(),
        negated: false,
    }
}

impl StockLocationModule {
    /// Create stock locations with their nested addresses, in one
    /// transaction: one insert of the new addresses, one of the
    /// locations, in input order. An `address_id` must name a live
    /// address (`StockLocationAddress with id: x was not found`).
    pub async fn create_stock_locations(
        &self,
        inputs: Vec<CreateStockLocationInput>,
    ) -> Result<Vec<StockLocation>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        if inputs
            .iter()
            .any(|i| i.address.is_some() && i.address_id.is_some())
        {
            return Err(both_addresses());
        }
        let locations = self.stock_locations().clone();
        let addresses = self.stock_location_addresses().clone();
        self.stock_locations()
            .transaction(move |tx| {
                Box::pin(async move {
                    let given: Vec<String> =
                        inputs.iter().filter_map(|i| i.address_id.clone()).collect();
                    EntityService::<StockLocationAddress>::ensure_live_on(tx.conn(), &given)
                        .await?;
                    let new: Vec<CreateStockLocationAddress> =
                        inputs.iter().filter_map(|i| i.address.clone()).collect();
                    let mut created = addresses.create_in(tx, new).await?.into_iter();
                    let rows = inputs
                        .into_iter()
                        .map(|i| CreateStockLocation {
                            id: i.id,
                            name: i.name,
                            address_id: match i.address {
                                Some(_) => created.next().map(|a| a.id),
                                None => i.address_id,
                            },
                            metadata: i.metadata,
                        })
                        .collect();
                    locations.create_in(tx, rows).await
                })
            })
            .await
    }

    /// [`create_stock_locations`](Self::create_stock_locations) for one
    /// location.
    pub async fn create_stock_location(
        &self,
        input: CreateStockLocationInput,
    ) -> Result<StockLocation> {
        self.create_stock_locations(vec![input])
            .await?
            .pop()
            .ok_or_else(|| Error::internal("insert returned no row"))
    }

    /// Update stock locations and their addresses in one transaction, the
    /// locations locked meanwhile. Returns the locations in input order;
    /// an unknown id is `StockLocation with id: x was not found` and
    /// changes nothing. New addresses are inserted in one statement; each
    /// changed address and location is one update, as the generated
    /// `update_many` does.
    pub async fn update_stock_locations(
        &self,
        updates: Vec<(String, UpdateStockLocationInput)>,
    ) -> Result<Vec<StockLocation>> {
        if updates.is_empty() {
            return Ok(Vec::new());
        }
        if updates
            .iter()
            .any(|(_, u)| u.address.is_some() && u.address_id.is_some())
        {
            return Err(both_addresses());
        }
        let locations = self.stock_locations().clone();
        let addresses = self.stock_location_addresses().clone();
        self.stock_locations()
            .transaction(move |tx| {
                Box::pin(async move {
                    let current = lock_locations(tx.conn(), &updates).await?;
                    let given: Vec<String> = updates
                        .iter()
                        .filter_map(|(_, u)| u.address_id.clone().flatten())
                        .collect();
                    EntityService::<StockLocationAddress>::ensure_live_on(tx.conn(), &given)
                        .await?;

                    // Addresses: create those the locations lack (one
                    // insert), change the others.
                    let mut new = Vec::new();
                    for ((_, update), location) in updates.iter().zip(&current) {
                        if let Some(changes) = &update.address {
                            match &location.address_id {
                                Some(address_id) => {
                                    addresses
                                        .update_where_in(tx, &id_in([address_id.clone()]), changes)
                                        .await?;
                                }
                                None => new.push(address_to_create(changes)?),
                            }
                        }
                    }
                    let mut created = addresses.create_in(tx, new).await?.into_iter();

                    let mut out = Vec::with_capacity(current.len());
                    for ((id, update), location) in updates.into_iter().zip(current) {
                        let address_id = match (&update.address, location.address_id.is_none()) {
                            (Some(_), true) => Some(created.next().map(|a| a.id)),
                            _ => update.address_id,
                        };
                        let changes = UpdateStockLocation {
                            name: update.name,
                            address_id,
                            metadata: update.metadata,
                        };
                        if changes == UpdateStockLocation::default() {
                            out.push(location);
                            continue;
                        }
                        let mut rows = locations
                            .update_where_in(tx, &id_in([id.clone()]), &changes)
                            .await?;
                        out.push(
                            rows.pop()
                                .ok_or_else(|| StockLocation::META.not_found(&id))?,
                        );
                    }
                    Ok(out)
                })
            })
            .await
    }

    /// [`update_stock_locations`](Self::update_stock_locations) for one
    /// location.
    pub async fn update_stock_location(
        &self,
        id: &str,
        update: UpdateStockLocationInput,
    ) -> Result<StockLocation> {
        self.update_stock_locations(vec![(id.to_string(), update)])
            .await?
            .pop()
            .ok_or_else(|| StockLocation::META.not_found(id))
    }
}

/// The live locations of `updates`, in their order, locked (`FOR UPDATE`,
/// taken in id order) until the transaction ends. One statement; the
/// first unknown id is `not_found`.
async fn lock_locations(
    conn: &mut diesel_async::AsyncPgConnection,
    updates: &[(String, UpdateStockLocationInput)],
) -> Result<Vec<StockLocation>> {
    let meta = StockLocation::META;
    let mut sql = DynSql::new(&format!(
        "SELECT {} AS record FROM \"{}\" t WHERE t.id = ANY(",
        record_expr_exact(meta, "t"),
        meta.table
    ));
    sql.bind_array(updates.iter().map(|(id, _)| id.clone()).collect(), "text");
    sql.push(") AND t.deleted_at IS NULL ORDER BY t.id FOR UPDATE OF t");
    let found: Vec<StockLocation> = sql
        .load_json(conn)
        .await?
        .into_iter()
        .map(serde_json::from_value)
        .collect::<std::result::Result<_, _>>()?;
    updates
        .iter()
        .map(|(id, _)| {
            found
                .iter()
                .find(|l| &l.id == id)
                .cloned()
                .ok_or_else(|| meta.not_found(id))
        })
        .collect()
}
