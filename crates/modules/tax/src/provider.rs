//! Tax providers: what turns the rates chosen for a cart's lines into tax
//! lines, and the types they exchange with the module.
//!
//! [`TaxModuleProvider`] is a provider kind of the SDK's registry
//! ([`stheno_module_sdk::provider`]): implementations register with
//! `register_provider!(dyn TaxModuleProvider, "tp_<identifier>[_<id>]",
//! build)` and are built at start-up from `[modules.tax.providers.<id>]`.
//! A country tax region names its provider by that key (`provider_id`); a
//! region without one uses [`SYSTEM_PROVIDER_ID`].
//!
//! ```
//! use std::sync::Arc;
//! use stheno_module_sdk::{Result, async_trait, register_provider};
//! use stheno_tax::{
//!     ItemTaxCalculationLine, ShippingTaxCalculationLine, TaxCalculationContext, TaxLine,
//!     TaxModuleProvider,
//! };
//!
//! /// Charges nothing, whatever the rates say.
//! struct Exempt;
//!
//! #[async_trait]
//! impl TaxModuleProvider for Exempt {
//!     fn identifier(&self) -> &str {
//!         "exempt"
//!     }
//!     async fn get_tax_lines(
//!         &self,
//!         _items: &[ItemTaxCalculationLine],
//!         _shipping: &[ShippingTaxCalculationLine],
//!         _context: &TaxCalculationContext,
//!     ) -> Result<Vec<TaxLine>> {
//!         Ok(Vec::new())
//!     }
//! }
//! register_provider!(dyn TaxModuleProvider, "tp_exempt", |_| Ok(Some(Arc::new(Exempt))));
//! ```

use std::str::FromStr;
use std::sync::Arc;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stheno_module_sdk::money::Amount;
use stheno_module_sdk::provider::ProviderKind;
use stheno_module_sdk::{Result, async_trait, provider_id, register_provider};

use crate::models::TaxRate;

/// The system provider's key: what `tax_provider.id` and
/// `tax_region.provider_id` hold, and the provider of regions without one.
pub const SYSTEM_PROVIDER_ID: &str = provider_id!("tp", "system");

/// A line item to tax (Medusa's `TaxableItemDTO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxableItem {
    /// The line item's id: tax lines name it as `line_item_id`.
    pub id: String,
    /// Rates with a `product` rule on this id apply.
    pub product_id: String,
    /// Rates with a `product_type` rule on this id apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_category_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub product_categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub quantity: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub unit_price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
}

impl TaxableItem {
    /// An item of a product, the other fields unset.
    pub fn new(id: impl Into<String>, product_id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            product_id: product_id.into(),
            ..Self::default()
        }
    }

    /// The same item with a product type.
    pub fn with_product_type(mut self, product_type_id: impl Into<String>) -> Self {
        self.product_type_id = Some(product_type_id.into());
        self
    }
}

/// A shipping method to tax (Medusa's `TaxableShippingDTO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxableShipping {
    /// The shipping method's id: tax lines name it as `shipping_line_id`.
    pub id: String,
    /// Rates with a `shipping_option` rule on this id apply.
    pub shipping_option_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<f64>)]
    pub unit_price: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
}

impl TaxableShipping {
    pub fn new(id: impl Into<String>, shipping_option_id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            shipping_option_id: shipping_option_id.into(),
            ..Self::default()
        }
    }
}

/// The address taxes are computed for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxAddress {
    /// ISO 3166-1 alpha-2, any case.
    pub country_code: String,
    /// ISO 3166-2 subdivision (`ca` of `us`), any case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_1: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// The customer taxes are computed for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxCustomer {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Customer group ids.
    #[serde(default)]
    pub customer_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// Medusa's `TaxCalculationContext`: where (and for whom) taxes are
/// computed. `extra` holds what a `setTaxLineContext` hook adds; providers
/// receive it as given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxCalculationContext {
    pub address: TaxAddress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<TaxCustomer>,
    #[serde(default)]
    pub is_return: bool,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

impl TaxCalculationContext {
    /// A context for an address in `country_code` (and `province_code`).
    pub fn for_address(country_code: impl Into<String>, province_code: Option<&str>) -> Self {
        Self {
            address: TaxAddress {
                country_code: country_code.into(),
                province_code: province_code.map(str::to_owned),
                ..TaxAddress::default()
            },
            ..Self::default()
        }
    }
}

/// A line item and the rates the module chose for it, best first (a
/// combinable province rate, then its country region's rate). Empty when no
/// rate applies.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemTaxCalculationLine {
    pub line_item: TaxableItem,
    pub rates: Vec<TaxRate>,
}

/// A shipping method and the rates the module chose for it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShippingTaxCalculationLine {
    pub shipping_line: TaxableShipping,
    pub rates: Vec<TaxRate>,
}

/// What a tax line is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(untagged)]
pub enum TaxLineTarget {
    LineItem { line_item_id: String },
    ShippingLine { shipping_line_id: String },
}

/// One tax on a line item or a shipping method (Medusa's `ItemTaxLineDTO` /
/// `ShippingTaxLineDTO`): `{line_item_id | shipping_line_id, rate_id, rate,
/// code, name, provider_id}` on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxLine {
    #[serde(flatten)]
    pub target: TaxLineTarget,
    /// The rate row it comes from; a provider computing its own rates may
    /// leave it out.
    #[serde(default)]
    pub rate_id: Option<String>,
    /// Percent (`8.25`), exact.
    #[serde(with = "rust_decimal::serde::float")]
    #[schema(value_type = f64)]
    pub rate: Decimal,
    pub code: String,
    pub name: String,
    /// The provider's identifier ([`TaxModuleProvider::identifier`]):
    /// `system` for the system provider, as Medusa writes it.
    pub provider_id: String,
}

impl TaxLine {
    /// The line item's id, for an item tax line.
    pub fn line_item_id(&self) -> Option<&str> {
        match &self.target {
            TaxLineTarget::LineItem { line_item_id } => Some(line_item_id),
            TaxLineTarget::ShippingLine { .. } => None,
        }
    }

    /// The shipping method's id, for a shipping tax line.
    pub fn shipping_line_id(&self) -> Option<&str> {
        match &self.target {
            TaxLineTarget::ShippingLine { shipping_line_id } => Some(shipping_line_id),
            TaxLineTarget::LineItem { .. } => None,
        }
    }

    /// A line from a rate row, as the system provider writes it (a rate
    /// without a value is 0 %).
    pub fn from_rate(target: TaxLineTarget, rate: &TaxRate, provider_id: &str) -> Self {
        Self {
            target,
            rate_id: Some(rate.id.clone()),
            rate: rate_percent(rate.rate),
            code: rate.code.clone(),
            name: rate.name.clone(),
            provider_id: provider_id.to_string(),
        }
    }
}

/// A stored `real` rate as an exact decimal: the shortest decimal that reads
/// back as the same `f32` (`8.23`, not `8.2299995…`), what PostgreSQL and
/// Medusa print. `None` is 0.
pub fn rate_percent(rate: Option<f32>) -> Decimal {
    rate.filter(|r| r.is_finite())
        .and_then(|r| {
            let text = r.to_string();
            Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
        })
        .unwrap_or(Decimal::ZERO)
}

/// The tax provider contract (Medusa's `ITaxProvider`): given each line and
/// the rates the module chose for it, return the tax lines. Registered
/// through the SDK's provider registry as `dyn TaxModuleProvider`.
#[async_trait]
pub trait TaxModuleProvider: Send + Sync {
    /// Medusa's `getIdentifier()`: what the tax lines it returns carry as
    /// `provider_id` (`system`).
    fn identifier(&self) -> &str;

    /// The tax lines of `items` and `shipping` at `context`'s address.
    /// Lines with no rates are passed too: a provider may compute its own.
    async fn get_tax_lines(
        &self,
        items: &[ItemTaxCalculationLine],
        shipping: &[ShippingTaxCalculationLine],
        context: &TaxCalculationContext,
    ) -> Result<Vec<TaxLine>>;
}

/// Tax providers are the SDK's providers of module `tax`.
impl ProviderKind for dyn TaxModuleProvider {
    const MODULE: &'static str = "tax";
}

/// The built-in provider (`tp_system`, always on): one tax line per chosen
/// rate, item lines first.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemTaxProvider;

impl SystemTaxProvider {
    /// Medusa's identifier of the system provider.
    pub const IDENTIFIER: &'static str = "system";
}

#[async_trait]
impl TaxModuleProvider for SystemTaxProvider {
    fn identifier(&self) -> &str {
        Self::IDENTIFIER
    }

    async fn get_tax_lines(
        &self,
        items: &[ItemTaxCalculationLine],
        shipping: &[ShippingTaxCalculationLine],
        _context: &TaxCalculationContext,
    ) -> Result<Vec<TaxLine>> {
        let item_lines = items.iter().flat_map(|line| {
            line.rates.iter().map(|rate| {
                let target = TaxLineTarget::LineItem {
                    line_item_id: line.line_item.id.clone(),
                };
                TaxLine::from_rate(target, rate, Self::IDENTIFIER)
            })
        });
        let shipping_lines = shipping.iter().flat_map(|line| {
            line.rates.iter().map(|rate| {
                let target = TaxLineTarget::ShippingLine {
                    shipping_line_id: line.shipping_line.id.clone(),
                };
                TaxLine::from_rate(target, rate, Self::IDENTIFIER)
            })
        });
        Ok(item_lines.chain(shipping_lines).collect())
    }
}

register_provider!(dyn TaxModuleProvider, SYSTEM_PROVIDER_ID, |_| Ok(Some(
    Arc::new(SystemTaxProvider)
)));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_read_as_written() {
        assert_eq!(rate_percent(Some(8.23)).to_string(), "8.23");
        assert_eq!(rate_percent(Some(19.0)).to_string(), "19");
        assert_eq!(rate_percent(Some(0.2)).to_string(), "0.2");
        assert_eq!(rate_percent(None), Decimal::ZERO);
        assert_eq!(rate_percent(Some(f32::NAN)), Decimal::ZERO);
    }

    #[test]
    fn tax_lines_have_medusas_shape() {
        let line = TaxLine {
            target: TaxLineTarget::ShippingLine {
                shipping_line_id: "casm_1".into(),
            },
            rate_id: Some("txr_1".into()),
            rate: Decimal::new(825, 2),
            code: "CA".into(),
            name: "California".into(),
            provider_id: "system".into(),
        };
        let json = serde_json::to_value(&line).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "shipping_line_id": "casm_1", "rate_id": "txr_1", "rate": 8.25,
                "code": "CA", "name": "California", "provider_id": "system"
            })
        );
        let back: TaxLine = serde_json::from_value(json).unwrap();
        assert_eq!(back, line);
        assert_eq!(back.shipping_line_id(), Some("casm_1"));
        assert_eq!(back.line_item_id(), None);
    }
}
