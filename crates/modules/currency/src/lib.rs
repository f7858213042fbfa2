//! Stheno's **currency module** (key `currency`): the ISO 4217 currencies,
//! as in Medusa v2.
//!
//! | entity | table | key | service |
//! |---|---|---|---|
//! | [`Currency`] | `currency` | `code` (lower case, `eur`) | [`CurrencyModule::currencies`] |
//!
//! The module's migration seeds the currencies Medusa ships (code, symbol,
//! native symbol, name, decimal digits, rounding), so a new database has
//! them before the first request; the module is read-only in the API
//! (`GET /store/currencies`, `GET /admin/currencies`). A generated entity:
//! list, filters (`code`, `q` over code and name), retrieve by code come
//! from its [`EntityService`](stheno_module_sdk::entity::EntityService).

use serde_json::Value;
use stheno_module_sdk::money::Amount;
use stheno_module_sdk::{entity, module};

/// A currency, keyed by its lower-case ISO 4217 code. `rounding` is
/// Medusa's bigNumber with its `raw_rounding` twin.
#[entity(module = "currency", searchable(code, name), soft_delete)]
pub struct Currency {
    #[entity(primary_key)]
    pub code: String,
    pub symbol: String,
    pub symbol_native: String,
    pub name: String,
    #[entity(default = "0")]
    pub decimal_digits: i32,
    #[entity(default = "0")]
    pub rounding: Amount,
    pub raw_rounding: Option<Value>,
}

/// The currency module: [`CurrencyModule::currencies`] is the generated
/// service.
#[module(
    key = "currency",
    entities(Currency),
    migrations = "../../../migrations/currency"
)]
pub struct CurrencyModule;
