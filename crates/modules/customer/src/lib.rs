//! Stheno's **customer module** (key `customer`): customers, their
//! addresses and customer groups, as in Medusa v2.
//!
//! | entity (Query name) | table | id prefix |
//! |---|---|---|
//! | `customer` | `customer` | `cus` |
//! | `customer_address` | `customer_address` | `cuaddr` |
//! | `customer_group` | `customer_group` | `cusgroup` |
//! | (membership) | `customer_group_customer` | `cusgc` |
//!
//! Emails are unique per `has_account` (one guest and one registered
//! customer per email). A customer has at most one default shipping and one
//! default billing address: making an address the default unsets the old one
//! in the same transaction (the customer row is locked, and partial unique
//! indexes back the rule). Group names are unique among live groups.
//!
//! Every address operation takes the owning customer's id and treats an
//! address of another customer as absent, so routes acting for a customer
//! cannot reach someone else's data.
//!
//! Query relations ([`graph`]): `customer.addresses`, `customer.groups`,
//! `customer_group.customers`, `customer_address.customer`, each loaded in
//! one statement per level.
//!
//! Events (after commit, payload `{id}`): `customer.customer.created|updated|deleted`,
//! `customer.customer_address.created|updated|deleted`,
//! `customer.customer_group.created|updated|deleted`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::db::{DbConn, DbPool};
use stheno_module_sdk::events::{Event, EventBus};
use stheno_module_sdk::graph::EntitySource;
use stheno_module_sdk::list::OneOrMany;
use stheno_module_sdk::{Error, ErrorKind, Migrations, Module, ModuleContext, Result, async_trait};

mod addresses;
mod customers;
pub mod graph;
mod groups;
pub mod models;
pub mod schema;

pub use models::{Customer, CustomerAddress, CustomerGroup};

/// The module's SQL migrations (`migrations/customer`).
pub const MIGRATIONS: Migrations =
    diesel_migrations::embed_migrations!("../../../migrations/customer");

type Nullable<T> = Option<Option<T>>;

/// Filters of [`CustomerModule::list_customers`] (also the admin query).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerFilter {
    pub id: Option<OneOrMany>,
    pub email: Option<OneOrMany>,
    pub has_account: Option<bool>,
    /// Customers in any of these groups.
    pub groups: Option<OneOrMany>,
    /// Case-insensitive search in email, names, company and phone.
    pub q: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerInput {
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Value>,
    /// Set by the caller, not by request bodies.
    #[serde(skip)]
    pub has_account: bool,
    #[serde(skip)]
    pub created_by: Option<String>,
}

/// Changes to a customer; `null` clears a field.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateCustomerInput {
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub company_name: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Nullable<Value>,
}

/// Address fields, for create (absent = empty) and update (absent = keep,
/// `null` = clear).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_name: Nullable<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default_shipping: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_default_billing: Option<bool>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub company: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_1: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_2: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub city: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub country_code: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub province: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub postal_code: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Nullable<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Nullable<Value>,
}

/// Filters of [`CustomerModule::list_addresses`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressFilter {
    pub id: Option<OneOrMany>,
    pub city: Option<OneOrMany>,
    pub country_code: Option<OneOrMany>,
    pub postal_code: Option<OneOrMany>,
    pub q: Option<String>,
}

/// Filters of [`CustomerModule::list_groups`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFilter {
    pub id: Option<OneOrMany>,
    pub name: Option<OneOrMany>,
    pub q: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateGroupInput {
    pub name: String,
    pub metadata: Option<Value>,
    #[serde(skip)]
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateGroupInput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Nullable<Value>,
}

/// The customer module's service.
#[derive(Clone)]
pub struct CustomerModule {
    db: DbPool,
    events: Arc<dyn EventBus>,
}

impl std::fmt::Debug for CustomerModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerModule").finish_non_exhaustive()
    }
}

impl CustomerModule {
    pub fn new(db: DbPool, events: Arc<dyn EventBus>) -> Self {
        Self { db, events }
    }

    pub(crate) async fn conn(&self) -> Result<DbConn> {
        Ok(self.db.get().await?)
    }

    pub(crate) async fn emit(&self, name: &str, ids: &[&str]) {
        if ids.is_empty() {
            return;
        }
        if let Err(e) = self
            .events
            .emit(Event::for_ids(name, ids.iter().copied()))
            .await
        {
            tracing::error!(error = %e, "customer module: emitting events failed");
        }
    }
}

pub(crate) fn not_found(entity: &str, id: &str) -> Error {
    Error::not_found(format!("{entity} with id: {id} was not found"))
}

/// A unique violation worded as Medusa does; other errors unchanged.
pub(crate) fn duplicate(err: diesel::result::Error, what: impl FnOnce() -> String) -> Error {
    let err: Error = err.into();
    if err.kind() == ErrorKind::DuplicateError {
        Error::duplicate(what())
    } else {
        err
    }
}

#[async_trait]
impl Module for CustomerModule {
    const KEY: &'static str = "customer";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        Ok(CustomerModule::new(ctx.db().clone(), ctx.events().clone()))
    }

    fn entity_sources(self: &Arc<Self>) -> Vec<Arc<dyn EntitySource>> {
        graph::sources(self)
    }
}

stheno_module_sdk::register_module!(CustomerModule);
