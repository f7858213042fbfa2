//! The tax module's entities, declared once: the SDK writes their services
//! ([`TaxModule::tax_regions`](crate::TaxModule::tax_regions) and siblings),
//! inputs, filters and Query sources.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::{Error, Result, entity};

/// Id prefixes (Medusa's). Tax providers have none: their id is the
/// provider key (`tp_system`).
pub mod prefix {
    pub const REGION: &str = "txreg";
    pub const RATE: &str = "txr";
    pub const RULE: &str = "txrule";
}

/// Where taxes apply: a country (`province_code` null; carries the
/// provider) or a province of it (`parent_id` is the country region; uses
/// the parent's provider). Codes are stored lower-case. One live region per
/// country and one per (country, province). Soft delete and delete take the
/// province regions and the rates along.
#[entity(
    module = "tax",
    prefix = "txreg",
    searchable(country_code, province_code),
    soft_delete,
    unique(country_code, province_code),
    prepare = prepare_region,
    has_many(children = TaxRegion, fk = "parent_id", cascade),
    has_many(tax_rates = TaxRate, fk = "tax_region_id", cascade),
    belongs_to(parent = TaxRegion, fk = "parent_id"),
    belongs_to(provider = TaxProvider, fk = "provider_id")
)]
pub struct TaxRegion {
    pub id: String,
    /// ISO 3166-1 alpha-2, lower-case (`us`).
    #[entity(immutable)]
    pub country_code: String,
    /// ISO 3166-2 subdivision, lower-case (`ca`); null for a country region.
    pub province_code: Option<String>,
    /// The provider key (`tp_system`); country regions only.
    pub provider_id: Option<String>,
    /// The country region of a province region.
    #[entity(immutable)]
    pub parent_id: Option<String>,
    pub metadata: Option<Value>,
    /// Who created it (an admin); never changed.
    #[entity(immutable)]
    pub created_by: Option<String>,
}

/// What every create of a tax region goes through (the generated `create`
/// included): codes lower-cased, and the shape of the tree kept — a
/// province region has a parent and no provider of its own, a country
/// region has no parent. Whether the parent exists and is of the same
/// country needs the database:
/// [`TaxModule::create_tax_regions`](crate::TaxModule::create_tax_regions)
/// checks it.
fn prepare_region(input: &mut CreateTaxRegion) -> Result<()> {
    input.country_code = input.country_code.trim().to_lowercase();
    if input.country_code.is_empty() {
        return Err(Error::invalid_data(
            "A tax region needs a country_code (ISO 3166-1 alpha-2, e.g. \"us\")",
        ));
    }
    input.province_code = input
        .province_code
        .take()
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty());
    match (&input.province_code, &input.parent_id) {
        (Some(province), None) => Err(Error::invalid_data(format!(
            "Province region must belong to a parent region. You are trying to create a province \
             region with (country: {}, province: {province}) but parent does not exist",
            input.country_code
        ))),
        (None, Some(parent)) => Err(Error::invalid_data(format!(
            "A tax region with a parent is a province region: give a province_code for the region \
             of country {} under parent {parent}",
            input.country_code
        ))),
        (Some(province), Some(_)) if input.provider_id.is_some() => {
            Err(Error::invalid_data(format!(
                "A province region uses its parent's tax provider: remove provider_id from the \
                 region (country: {}, province: {province})",
                input.country_code
            )))
        }
        _ => Ok(()),
    }
}

/// A rate (a percentage: `rate: 8.25` is 8.25 %) of a region. At most one
/// live default rate per region (`is_default`); other rates apply through
/// their [`TaxRateRule`]s. A combinable province rate is added to its
/// country region's rate.
#[entity(
    module = "tax",
    prefix = "txr",
    searchable(code, name),
    soft_delete,
    has_many(rules = TaxRateRule, fk = "tax_rate_id", cascade),
    belongs_to(tax_region = TaxRegion, fk = "tax_region_id")
)]
pub struct TaxRate {
    pub id: String,
    /// Percent; Medusa's `real`.
    pub rate: Option<f32>,
    pub code: String,
    pub name: String,
    #[entity(default = "false")]
    pub is_default: bool,
    #[entity(default = "false")]
    pub is_combinable: bool,
    #[entity(immutable)]
    pub tax_region_id: String,
    pub metadata: Option<Value>,
    /// Who created it (an admin); never changed.
    #[entity(immutable)]
    pub created_by: Option<String>,
}

/// What a rule points a rate at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RuleReference {
    Product,
    ProductType,
    ShippingOption,
}
stheno_module_sdk::text_enum!(RuleReference);

impl RuleReference {
    /// The stored value (`product_type`).
    pub const fn as_str(self) -> &'static str {
        match self {
            RuleReference::Product => "product",
            RuleReference::ProductType => "product_type",
            RuleReference::ShippingOption => "shipping_option",
        }
    }
}

/// The rate applies to this product, product type or shipping option. One
/// live rule per (rate, reference_id).
#[entity(
    module = "tax",
    prefix = "txrule",
    soft_delete,
    unique(tax_rate_id, reference_id),
    belongs_to(tax_rate = TaxRate, fk = "tax_rate_id")
)]
pub struct TaxRateRule {
    pub id: String,
    #[entity(immutable)]
    pub tax_rate_id: String,
    pub reference: RuleReference,
    pub reference_id: String,
    pub metadata: Option<Value>,
    /// Who created it (an admin); never changed.
    #[entity(immutable)]
    pub created_by: Option<String>,
}

/// A tax provider known to the application, by its key (`tp_system`):
/// rows are synced with the built providers at start-up (enabled when
/// built, disabled otherwise).
#[entity(
    module = "tax",
    prefix = "tp",
    soft_delete,
    has_many(regions = TaxRegion, fk = "provider_id")
)]
pub struct TaxProvider {
    /// The provider key, given (never generated).
    pub id: String,
    #[entity(default = "true")]
    pub is_enabled: bool,
}
