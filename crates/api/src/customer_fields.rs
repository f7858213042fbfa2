//! Default and allowed `fields` of the customer routes (http-api.md §4.5),
//! and the customer body the admin and store create routes share.

use serde::Deserialize;
use serde_json::Value;
use stheno_module_sdk::graph::FieldsConfig;

/// What a request may set on a new customer (`POST /admin/customers`,
/// `POST /store/customers`): not `has_account` (the route decides) nor
/// `created_by` (the actor).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CustomerBody {
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Value>,
}

const ADDRESS_DEFAULTS: &[&str] = &[
    "id",
    "address_name",
    "company",
    "customer_id",
    "first_name",
    "last_name",
    "address_1",
    "address_2",
    "city",
    "province",
    "postal_code",
    "country_code",
    "phone",
    "metadata",
    "is_default_shipping",
    "is_default_billing",
    "created_at",
    "updated_at",
];

/// `/store/customers/me/addresses*`: exactly the defaults.
pub const STORE_ADDRESS_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: ADDRESS_DEFAULTS,
    allowed: Some(ADDRESS_DEFAULTS),
    max_depth: None,
};

const STORE_CUSTOMER_DEFAULTS: &[&str] = &[
    "id",
    "email",
    "company_name",
    "first_name",
    "last_name",
    "phone",
    "metadata",
    "has_account",
    "deleted_at",
    "created_at",
    "updated_at",
    "*addresses",
];

/// The defaults plus `orders` and `addresses.<address field>`.
const STORE_CUSTOMER_ALLOWED: &[&str] = &[
    "orders",
    "addresses.id",
    "addresses.address_name",
    "addresses.company",
    "addresses.customer_id",
    "addresses.first_name",
    "addresses.last_name",
    "addresses.address_1",
    "addresses.address_2",
    "addresses.city",
    "addresses.province",
    "addresses.postal_code",
    "addresses.country_code",
    "addresses.phone",
    "addresses.metadata",
    "addresses.is_default_shipping",
    "addresses.is_default_billing",
    "addresses.created_at",
    "addresses.updated_at",
];

/// `/store/customers*` responses with a `customer`.
pub const STORE_CUSTOMER_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: STORE_CUSTOMER_DEFAULTS,
    allowed: Some(STORE_CUSTOMER_ALLOWED),
    max_depth: Some(1),
};

/// `/admin/customers/:id/addresses*`.
pub const ADMIN_ADDRESS_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: ADDRESS_DEFAULTS,
    allowed: None,
    max_depth: None,
};

/// `/admin/customers*`.
pub const ADMIN_CUSTOMER_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "company_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "metadata",
        "has_account",
        "created_by",
        "created_at",
        "updated_at",
        "deleted_at",
        "*addresses",
        "*groups",
    ],
    allowed: None,
    max_depth: None,
};

/// `/admin/customer-groups*`.
pub const ADMIN_GROUP_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &[
        "id",
        "name",
        "metadata",
        "created_by",
        "created_at",
        "updated_at",
        "deleted_at",
    ],
    allowed: None,
    max_depth: None,
};
