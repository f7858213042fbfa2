//! The inputs of the pricing module's domain operations and the nested
//! shapes they return.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::money::Amount;

use crate::models::{Price, PriceListStatus, PriceListType, PriceRule, PriceSet};

/// One price of a price set: an amount in a currency, an optional quantity
/// tier and the rules (`{"region_id": "reg_…"}`, each an `eq` rule) under
/// which it applies. With an `id`,
/// [`set_price_set_prices`](crate::PricingModule::set_price_set_prices)
/// updates that price instead of creating one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(value_type = f64)]
    pub amount: Amount,
    pub currency_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub min_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub max_quantity: Option<Amount>,
    /// Attribute → value, each an `eq` [`PriceRule`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, String>,
}

impl PriceInput {
    /// A price of `amount` in `currency_code`, without tier or rules.
    pub fn new(amount: impl Into<Amount>, currency_code: impl Into<String>) -> Self {
        Self {
            id: None,
            title: None,
            amount: amount.into(),
            currency_code: currency_code.into(),
            min_quantity: None,
            max_quantity: None,
            rules: BTreeMap::new(),
        }
    }

    /// The same price with one more rule.
    pub fn rule(mut self, attribute: impl Into<String>, value: impl Into<String>) -> Self {
        self.rules.insert(attribute.into(), value.into());
        self
    }

    /// The same price for quantities in `min..=max` (either bound open).
    pub fn tier(mut self, min: Option<Amount>, max: Option<Amount>) -> Self {
        self.min_quantity = min;
        self.max_quantity = max;
        self
    }
}

/// A price set to create, with its prices.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePriceSetInput {
    /// The id to give the set (generated `pset_…` unless given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default)]
    pub prices: Vec<PriceInput>,
}

/// A price of a price list: a [`PriceInput`] for the price set
/// `price_set_id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriceListPriceInput {
    /// Required by [`update_price_list_prices`](crate::PricingModule::update_price_list_prices).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub price_set_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[schema(value_type = f64)]
    pub amount: Amount,
    pub currency_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub min_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub max_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, String>,
}

impl PriceListPriceInput {
    /// A list price of `amount` in `currency_code` for `price_set_id`.
    pub fn new(
        price_set_id: impl Into<String>,
        amount: impl Into<Amount>,
        currency_code: impl Into<String>,
    ) -> Self {
        Self::from_price(price_set_id, PriceInput::new(amount, currency_code))
    }

    /// `price` as a list price of `price_set_id`.
    pub fn from_price(price_set_id: impl Into<String>, price: PriceInput) -> Self {
        Self {
            id: price.id,
            price_set_id: price_set_id.into(),
            title: price.title,
            amount: price.amount,
            currency_code: price.currency_code,
            min_quantity: price.min_quantity,
            max_quantity: price.max_quantity,
            rules: price.rules,
        }
    }

    pub(crate) fn split(self) -> (String, PriceInput) {
        let price = PriceInput {
            id: self.id,
            title: self.title,
            amount: self.amount,
            currency_code: self.currency_code,
            min_quantity: self.min_quantity,
            max_quantity: self.max_quantity,
            rules: self.rules,
        };
        (self.price_set_id, price)
    }
}

/// A price list to create, with its rules (`{"customer.groups.id":
/// ["cusgroup_…"]}`: the context must carry one of the values for every
/// attribute) and prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePriceListInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub title: String,
    pub description: String,
    /// `draft` unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PriceListStatus>,
    /// `sale` unless given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<PriceListType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<PriceListPriceInput>,
}

impl CreatePriceListInput {
    /// A draft sale list with no rules and no prices.
    pub fn new(title: impl Into<String>, description: impl Into<String>) -> Self {
        Self {
            id: None,
            title: title.into(),
            description: description.into(),
            status: None,
            r#type: None,
            starts_at: None,
            ends_at: None,
            metadata: None,
            rules: BTreeMap::new(),
            prices: Vec::new(),
        }
    }
}

/// A price with its rules, as the operations here return them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceDetail {
    #[serde(flatten)]
    pub price: Price,
    pub price_rules: Vec<PriceRule>,
}

impl PriceDetail {
    /// The `eq` rules as `attribute → value` (the shape of
    /// [`PriceInput::rules`]).
    pub fn rules(&self) -> BTreeMap<String, String> {
        self.price_rules
            .iter()
            .map(|r| (r.attribute.clone(), r.value.clone()))
            .collect()
    }

    /// The price as an input that recreates it (its id, amount, tier and
    /// rules): how a step undoes [`set_price_set_prices`](crate::PricingModule::set_price_set_prices).
    pub fn to_input(&self) -> PriceInput {
        PriceInput {
            id: Some(self.price.id.clone()),
            title: self.price.title.clone(),
            amount: self.price.amount,
            currency_code: self.price.currency_code.clone(),
            min_quantity: self.price.min_quantity,
            max_quantity: self.price.max_quantity,
            rules: self.rules(),
        }
    }
}

/// A price set with its prices (base and price-list prices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceSetDetail {
    #[serde(flatten)]
    pub price_set: PriceSet,
    pub prices: Vec<PriceDetail>,
}
