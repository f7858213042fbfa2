//! The customer module's entities, declared once: the SDK writes their
//! services ([`CustomerModule::customers`](crate::CustomerModule::customers)
//! and siblings), inputs, filters and Query sources.

use serde_json::Value;
use stheno_module_sdk::entity;

pub mod prefix {
    pub const CUSTOMER: &str = "cus";
    pub const ADDRESS: &str = "cuaddr";
    pub const GROUP: &str = "cusgroup";
    pub const GROUP_CUSTOMER: &str = "cusgc";
}

/// A shopper: a guest (`has_account: false`) or registered. One guest and
/// one registered customer per email (`unique(email, has_account)`, on
/// live rows). Soft delete takes the addresses along; group memberships
/// stay, hidden while the customer is deleted, as in Medusa.
#[entity(
    module = "customer",
    prefix = "cus",
    searchable(email, first_name, last_name, company_name, phone),
    soft_delete,
    unique(email, has_account),
    has_many(addresses = CustomerAddress, fk = "customer_id", cascade),
    many_to_many(
        groups = CustomerGroup,
        through = "customer_group_customer",
        fk = "customer_id",
        other_fk = "customer_group_id"
    )
)]
pub struct Customer {
    pub id: String,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    #[entity(default = "false")]
    pub has_account: bool,
    pub metadata: Option<Value>,
    /// Who created it (an admin); never changed.
    #[entity(immutable)]
    pub created_by: Option<String>,
}

/// A customer's address; at most one default shipping and one default
/// billing address per customer (partial unique indexes, and the
/// owner-scoped operations of [`CustomerModule`](crate::CustomerModule)
/// unset the old default under a lock on the customer).
#[entity(
    module = "customer",
    prefix = "cuaddr",
    searchable(
        address_name,
        address_1,
        address_2,
        city,
        company,
        first_name,
        last_name,
        postal_code,
        phone
    ),
    soft_delete,
    belongs_to(customer = Customer, fk = "customer_id")
)]
pub struct CustomerAddress {
    pub id: String,
    #[entity(immutable)]
    pub customer_id: String,
    pub address_name: Option<String>,
    #[entity(default = "false")]
    pub is_default_shipping: bool,
    #[entity(default = "false")]
    pub is_default_billing: bool,
    pub company: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub address_1: Option<String>,
    pub address_2: Option<String>,
    pub city: Option<String>,
    pub country_code: Option<String>,
    pub province: Option<String>,
    pub postal_code: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Value>,
}

/// A customer group; names are unique among live groups. Members are rows
/// of `customer_group_customer` (`cusgc_…`), added and removed by
/// [`CustomerModule::update_group_customers`](crate::CustomerModule::update_group_customers).
#[entity(
    module = "customer",
    prefix = "cusgroup",
    searchable(name),
    soft_delete,
    many_to_many(
        customers = Customer,
        through = "customer_group_customer",
        fk = "customer_group_id",
        other_fk = "customer_id"
    )
)]
pub struct CustomerGroup {
    pub id: String,
    #[entity(unique)]
    pub name: String,
    pub metadata: Option<Value>,
    /// Who created it (an admin); never changed.
    #[entity(immutable)]
    pub created_by: Option<String>,
}
