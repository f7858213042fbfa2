//! Creating tax regions, each with its default rate.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::{Bind, Condition, Entity, EntityService, ListConfig};
use stheno_module_sdk::{Error, Result};

use crate::TaxModule;
use crate::models::{CreateTaxRate, CreateTaxRegion, TaxProvider, TaxRegion};

/// A tax region to create (Medusa's `CreateTaxRegionDTO`). A country region
/// has no `province_code` and no `parent_id`; a province region has both,
/// the parent being the region of the same country, and no `provider_id`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaxRegionInput {
    pub country_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    /// A tax provider key (`tp_system`); country regions only. Regions
    /// without one use the system provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// Created with the region, as its default rate (`is_default: true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_tax_rate: Option<DefaultTaxRateInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// The admin creating it (set by the route, not the body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl CreateTaxRegionInput {
    /// A country region.
    pub fn country(country_code: impl Into<String>) -> Self {
        Self {
            country_code: country_code.into(),
            province_code: None,
            parent_id: None,
            provider_id: None,
            default_tax_rate: None,
            metadata: None,
            created_by: None,
        }
    }

    /// A province region under `parent_id`, the region of `country_code`.
    pub fn province(
        country_code: impl Into<String>,
        province_code: impl Into<String>,
        parent_id: impl Into<String>,
    ) -> Self {
        Self {
            province_code: Some(province_code.into()),
            parent_id: Some(parent_id.into()),
            ..Self::country(country_code)
        }
    }

    /// The same input with a default rate.
    pub fn with_default_rate(mut self, rate: DefaultTaxRateInput) -> Self {
        self.default_tax_rate = Some(rate);
        self
    }
}

/// A region's default rate, created with it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultTaxRateInput {
    /// Percent (`8.25`); none is 0 % in tax lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f32>,
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_combinable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl DefaultTaxRateInput {
    pub fn new(rate: f32, code: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            rate: Some(rate),
            code: code.into(),
            name: name.into(),
            is_combinable: None,
            metadata: None,
        }
    }

    /// The same rate, combinable with the parent region's.
    pub fn combinable(mut self) -> Self {
        self.is_combinable = Some(true);
        self
    }
}

/// Check the parents of province regions (one statement): live, of the
/// same country, and country regions themselves.
async fn check_parents(
    regions: &EntityService<TaxRegion>,
    tx: &mut stheno_module_sdk::entity::Tx<'_>,
    inputs: &[CreateTaxRegion],
) -> Result<()> {
    let parent_ids: Vec<Bind> = inputs
        .iter()
        .filter_map(|i| i.parent_id.clone())
        .map(Bind::Text)
        .collect();
    if parent_ids.is_empty() {
        return Ok(());
    }
    let condition = Condition::In {
        column: "id",
        values: parent_ids,
        negated: false,
    };
    let parents = regions
        .list_where_in(tx, &condition, &ListConfig::default())
        .await?;
    for input in inputs {
        let Some(parent_id) = &input.parent_id else {
            continue;
        };
        let country = &input.country_code;
        let province = input.province_code.as_deref().unwrap_or_default();
        let Some(parent) = parents.iter().find(|p| &p.id == parent_id) else {
            return Err(Error::invalid_data(format!(
                "Province region must belong to a parent region. You are trying to create a \
                 province region with (country: {country}, province: {province}) but parent does \
                 not exist"
            )));
        };
        if &parent.country_code != country {
            return Err(Error::invalid_data(format!(
                "Province region must belong to a parent region with the same country code. You \
                 are trying to create a province region with (country: {country}, province: \
                 {province}) but parent expects (country: {})",
                parent.country_code
            )));
        }
        if let Some(parent_province) = &parent.province_code {
            return Err(Error::invalid_data(format!(
                "Province region must belong to a country region. You are trying to create a \
                 province region with (country: {country}, province: {province}) under {}, the \
                 region of province {parent_province}",
                parent.id
            )));
        }
    }
    Ok(())
}

impl TaxModule {
    /// Create tax regions, each with its default rate when given, in one
    /// transaction (all or none), in input order. Codes are stored
    /// lower-case. Refused (`invalid_data`): a province region without a
    /// parent, with a parent of another country or with a provider of its
    /// own, a parent without a province; an unknown provider is
    /// `not_found`; a second region for a country (or country and
    /// province) is `Tax region with country_code: us, already exists.`
    /// At most four statements, whatever the number of regions.
    pub async fn create_tax_regions(
        &self,
        inputs: Vec<CreateTaxRegionInput>,
    ) -> Result<Vec<TaxRegion>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let mut regions = Vec::with_capacity(inputs.len());
        let mut defaults = Vec::with_capacity(inputs.len());
        for input in inputs {
            let mut region = CreateTaxRegion {
                province_code: input.province_code,
                provider_id: input.provider_id,
                parent_id: input.parent_id,
                metadata: input.metadata,
                created_by: input.created_by.clone(),
                ..CreateTaxRegion::new(input.country_code)
            };
            // Normalised and checked here (the create runs it again) so the
            // parent check compares lower-case codes.
            TaxRegion::prepare(&mut region)?;
            regions.push(region);
            defaults.push(input.default_tax_rate.map(|d| (d, input.created_by)));
        }
        let mut provider_ids: Vec<String> = regions
            .iter()
            .filter_map(|r| r.provider_id.clone())
            .collect();
        provider_ids.sort();
        provider_ids.dedup();

        let (service, rates) = (self.regions.clone(), self.rates.clone());
        self.regions
            .transaction(|tx| {
                Box::pin(async move {
                    check_parents(&service, tx, &regions).await?;
                    EntityService::<TaxProvider>::ensure_live_on(tx.conn(), &provider_ids).await?;
                    let created = service.create_in(tx, regions).await?;
                    let default_rates: Vec<CreateTaxRate> = created
                        .iter()
                        .zip(defaults)
                        .filter_map(|(region, default)| {
                            let (d, created_by) = default?;
                            Some(CreateTaxRate {
                                rate: d.rate,
                                is_default: Some(true),
                                is_combinable: d.is_combinable,
                                metadata: d.metadata,
                                created_by,
                                ..CreateTaxRate::new(d.code, d.name, region.id.clone())
                            })
                        })
                        .collect();
                    rates.create_in(tx, default_rates).await?;
                    Ok(created)
                })
            })
            .await
    }

    /// [`create_tax_regions`](Self::create_tax_regions) for one region.
    pub async fn create_tax_region(&self, input: CreateTaxRegionInput) -> Result<TaxRegion> {
        self.create_tax_regions(vec![input])
            .await?
            .pop()
            .ok_or_else(|| Error::internal("insert returned no row"))
    }
}
