//! The pricing module's entities, declared once: their services
//! ([`PricingModule::price_sets`](crate::PricingModule::price_sets) and
//! siblings), inputs, filters and Query sources are generated.
//!
//! Amounts and quantity bounds are Medusa's bigNumber: a `numeric` column
//! read as [`Amount`] (a JSON number on the wire) and its `raw_<column>`
//! jsonb twin `{value, precision: 20}`, which
//! [`Price`]'s `prepare` hook fills from the amount on every create.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::money::Amount;
use stheno_module_sdk::{Result, entity};

/// Id prefixes (`PriceRule` and `PriceListRule` share `prule`, as in
/// Medusa 2.21).
pub mod prefix {
    pub const PRICE_SET: &str = "pset";
    pub const PRICE: &str = "price";
    pub const PRICE_RULE: &str = "prule";
    pub const PRICE_LIST: &str = "plist";
    pub const PRICE_LIST_RULE: &str = "prule";
    pub const PRICE_PREFERENCE: &str = "prpref";
}

/// How a [`PriceRule`] compares the context value with its `value`.
/// Operators other than `eq` apply to numeric context values only; a
/// string context value is always matched by equality.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleOperator {
    #[default]
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}
stheno_module_sdk::text_enum!(RuleOperator);

/// Whether a [`PriceList`] applies (`active`) or is being prepared
/// (`draft`, the default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriceListStatus {
    Active,
    #[default]
    Draft,
}
stheno_module_sdk::text_enum!(PriceListStatus);

/// A `sale` list lowers prices (never above the base price); an `override`
/// list replaces them, even upwards, and is the original price too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum PriceListType {
    #[default]
    Sale,
    Override,
}
stheno_module_sdk::text_enum!(PriceListType);

/// A set of prices for one sellable thing (a variant, a shipping option),
/// linked from the owning module. Deleting it deletes its prices and their
/// rules.
#[entity(
    module = "pricing",
    prefix = "pset",
    soft_delete,
    has_many(prices = Price, fk = "price_set_id", cascade)
)]
pub struct PriceSet {
    pub id: String,
}

/// One amount in one currency, in a [`PriceSet`], either a base price
/// (`price_list_id` null) or a price of a [`PriceList`]. It applies when all
/// of its [`PriceRule`]s match the pricing context (`rules_count` of them)
/// and the quantity is inside `[min_quantity, max_quantity]`.
#[entity(
    module = "pricing",
    prefix = "price",
    soft_delete,
    prepare = crate::models::prepare_price,
    belongs_to(price_set = PriceSet, fk = "price_set_id"),
    belongs_to(price_list = PriceList, fk = "price_list_id"),
    has_many(price_rules = PriceRule, fk = "price_id", cascade)
)]
pub struct Price {
    pub id: String,
    pub title: Option<String>,
    pub currency_code: String,
    pub amount: Amount,
    /// `{value, precision: 20}` of `amount`; set from it on create.
    #[entity(default)]
    pub raw_amount: Value,
    pub min_quantity: Option<Amount>,
    pub raw_min_quantity: Option<Value>,
    pub max_quantity: Option<Amount>,
    pub raw_max_quantity: Option<Value>,
    /// How many [`PriceRule`]s the price has (kept by the module's
    /// operations).
    #[entity(default = "0")]
    pub rules_count: i32,
    #[entity(immutable)]
    pub price_set_id: String,
    #[entity(immutable)]
    pub price_list_id: Option<String>,
}

/// Fill the raw twins from the amounts: what every create of a [`Price`]
/// stores, whoever calls it.
pub(crate) fn prepare_price(input: &mut CreatePrice) -> Result<()> {
    input.raw_amount = Some(input.amount.raw());
    input.raw_min_quantity = input.min_quantity.map(|q| q.raw());
    input.raw_max_quantity = input.max_quantity.map(|q| q.raw());
    Ok(())
}

/// A condition of a [`Price`] on one context attribute (`region_id`,
/// `customer.groups.id`, `item_total`, …). One rule per
/// `(price_id, attribute, operator)`, so a range takes two rules.
#[entity(
    module = "pricing",
    prefix = "prule",
    soft_delete,
    unique(price_id, attribute, operator),
    belongs_to(price = Price, fk = "price_id")
)]
pub struct PriceRule {
    pub id: String,
    pub attribute: String,
    pub value: String,
    #[entity(default = "'eq'")]
    pub operator: RuleOperator,
    #[entity(default = "0")]
    pub priority: i32,
    #[entity(immutable)]
    pub price_id: String,
}

/// A list of prices across price sets (a sale, a customer group's
/// prices), applied when `active`, inside `starts_at`..`ends_at`, and every
/// [`PriceListRule`] matches the context.
#[entity(
    module = "pricing",
    prefix = "plist",
    searchable(title, description),
    soft_delete,
    has_many(prices = Price, fk = "price_list_id", cascade),
    has_many(price_list_rules = PriceListRule, fk = "price_list_id", cascade)
)]
pub struct PriceList {
    pub id: String,
    pub title: String,
    pub description: String,
    #[entity(default = "'draft'")]
    pub status: PriceListStatus,
    /// `sale` or `override` (column `type`).
    #[entity(default = "'sale'")]
    pub r#type: PriceListType,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// How many [`PriceListRule`]s the list has (kept by the module's
    /// operations).
    #[entity(default = "0")]
    pub rules_count: i32,
    pub metadata: Option<Value>,
}

/// A condition of a [`PriceList`] on one context attribute: `value` is a
/// string or an array of strings, any of which the context may carry
/// (`customer.groups.id: ["cusgroup_…"]`).
#[entity(
    module = "pricing",
    prefix = "prule",
    soft_delete,
    belongs_to(price_list = PriceList, fk = "price_list_id")
)]
pub struct PriceListRule {
    pub id: String,
    pub attribute: String,
    pub value: Option<Value>,
    #[entity(immutable)]
    pub price_list_id: String,
}

/// Whether prices are tax inclusive, for a region (`attribute =
/// "region_id"`, prices carrying that region's rule) or a currency
/// (`attribute = "currency_code"`). One per `(attribute, value)`.
#[entity(
    module = "pricing",
    prefix = "prpref",
    soft_delete,
    unique(attribute, value)
)]
pub struct PricePreference {
    pub id: String,
    pub attribute: String,
    pub value: Option<String>,
    #[entity(default = "false")]
    pub is_tax_inclusive: bool,
}
