//! Stheno's **customer module** (key `customer`): customers, their
//! addresses and customer groups, as in Medusa v2.
//!
//! | entity (Query name) | table | id prefix | service |
//! |---|---|---|---|
//! | `customer` | `customer` | `cus` | [`CustomerModule::customers`] |
//! | `customer_address` | `customer_address` | `cuaddr` | [`CustomerModule::customer_addresses`] |
//! | `customer_group` | `customer_group` | `cusgroup` | [`CustomerModule::customer_groups`] |
//! | (membership) | `customer_group_customer` | `cusgc` | |
//!
//! The entities are declared in [`models`]; their services are generated
//! (list, retrieve, create, update, soft delete, restore, delete, with
//! Medusa's filters and messages). Written here is the domain:
//!
//! - Emails are unique per `has_account` (one guest and one registered
//!   customer per email); group names are unique among live groups.
//! - A customer has at most one default shipping and one default billing
//!   address: making an address the default unsets the old one in the same
//!   transaction, under a lock on the customer row (partial unique indexes
//!   back the rule).
//! - Every address operation here takes the owning customer's id and treats
//!   an address of another customer as absent, so routes acting for a
//!   customer cannot reach someone else's data.
//! - Group memberships are added and removed in one transaction, every id
//!   checked to be live. Soft-deleting a customer or a group keeps its
//!   memberships (hidden while it is deleted, back when it is restored).
//!
//! Query relations (generated): `customer.addresses`, `customer.groups`,
//! `customer_group.customers`, `customer_address.customer`, each loaded in
//! one statement per level.
//!
//! Events (after commit, payload `{id}`): `customer.customer.<action>`,
//! `customer.customer-address.<action>`, `customer.customer-group.<action>`
//! for `created`, `updated`, `deleted`, `restored`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::db::DbPool;
use stheno_module_sdk::entity::{EntityService, ServiceOf};
use stheno_module_sdk::events::EventBus;
use stheno_module_sdk::graph::EntitySource;
use stheno_module_sdk::link::LinkDef;
use stheno_module_sdk::{Migrations, Module, ModuleContext, Result, async_trait};

mod addresses;
pub mod graph;
mod groups;
pub mod models;
pub mod schema;

pub use models::{
    CreateCustomer, CreateCustomerAddress, CreateCustomerGroup, Customer, CustomerAddress,
    CustomerAddressFilter, CustomerFilter, CustomerGroup, CustomerGroupFilter, UpdateCustomer,
    UpdateCustomerAddress, UpdateCustomerGroup,
};

/// The module's SQL migrations (`migrations/customer`).
pub const MIGRATIONS: Migrations =
    diesel_migrations::embed_migrations!("../../../migrations/customer");

type Nullable<T> = Option<Option<T>>;

/// What a customer (or an admin for them) sets on one of their addresses,
/// for [`CustomerModule::create_address`] (absent = empty) and
/// [`CustomerModule::update_address`] (absent = keep, `null` = clear). The
/// owner comes from the route, never from the body.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
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
    #[schema(value_type = Option<Object>)]
    pub metadata: Nullable<Value>,
}

/// The customer module's service: the generated services of its entities
/// and the domain operations beside them.
#[derive(Clone)]
pub struct CustomerModule {
    db: DbPool,
    customers: EntityService<Customer>,
    addresses: EntityService<CustomerAddress>,
    groups: EntityService<CustomerGroup>,
}

impl std::fmt::Debug for CustomerModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomerModule").finish_non_exhaustive()
    }
}

impl CustomerModule {
    pub fn new(db: DbPool, events: Arc<dyn EventBus>) -> Self {
        Self::with_links(db, events, Arc::new([]))
    }

    /// [`new`](Self::new), with the application's links (soft deletes
    /// cascade into them).
    pub fn with_links(
        db: DbPool,
        events: Arc<dyn EventBus>,
        links: Arc<[&'static LinkDef]>,
    ) -> Self {
        Self {
            customers: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            addresses: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            groups: EntityService::from_parts(db.clone(), events, links),
            db,
        }
    }

    /// Customers: the generated service. Soft delete takes the addresses
    /// along (restore brings back those deleted with it); a duplicate is
    /// `Customer with email: a@b.c, has_account: true, already exists.`
    pub fn customers(&self) -> &EntityService<Customer> {
        &self.customers
    }

    /// Addresses: the generated service, for reads and undo. Changes made
    /// for a customer go through the owner-scoped operations
    /// ([`create_address`](Self::create_address), …), which keep the
    /// default-address rule.
    pub fn customer_addresses(&self) -> &EntityService<CustomerAddress> {
        &self.addresses
    }

    /// Customer groups: the generated service (`Customer group with name:
    /// VIP, already exists.`).
    pub fn customer_groups(&self) -> &EntityService<CustomerGroup> {
        &self.groups
    }
}

impl ServiceOf<Customer> for CustomerModule {
    fn service(&self) -> &EntityService<Customer> {
        &self.customers
    }
}

impl ServiceOf<CustomerAddress> for CustomerModule {
    fn service(&self) -> &EntityService<CustomerAddress> {
        &self.addresses
    }
}

impl ServiceOf<CustomerGroup> for CustomerModule {
    fn service(&self) -> &EntityService<CustomerGroup> {
        &self.groups
    }
}

#[async_trait]
impl Module for CustomerModule {
    const KEY: &'static str = "customer";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        Ok(CustomerModule::with_links(
            ctx.db().clone(),
            ctx.events().clone(),
            ctx.links().into(),
        ))
    }

    fn entity_sources(self: &Arc<Self>) -> Vec<Arc<dyn EntitySource>> {
        graph::sources(self)
    }
}

stheno_module_sdk::register_module!(CustomerModule);
