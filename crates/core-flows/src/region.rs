//! Region workflows: regions with their countries (a country belongs to at
//! most one region), as Medusa's `create-regions`, `update-regions` and
//! `delete-regions`. A region's `is_tax_inclusive` is a price preference
//! of the pricing module (`region_id` = the region), written by
//! [`UpsertPricePreferencesStep`], which the store's currencies use too.

use serde::{Deserialize, Serialize};
use serde_json::json;
use stheno_module_sdk::entity::{Bind, Condition, Entity as _, ListConfig};
use stheno_module_sdk::events::Event;
use stheno_pricing::{
    CreatePricePreference, PricePreference, PricingModule, UpdatePricePreference,
};
use stheno_region::{Country, CountryFilter, NewRegion, Region, RegionChange, RegionModule};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

fn events(name: &str, ids: impl IntoIterator<Item = String>) -> Vec<Event> {
    ids.into_iter()
        .map(|id| Event::new(name, json!({ "id": id })))
        .collect()
}

/// The codes of the countries each region owns now.
async fn countries_of(m: &RegionModule, ids: &[String]) -> Result<Vec<Vec<String>>, StepError> {
    let filter: CountryFilter = serde_json::from_value(json!({ "region_id": ids }))
        .map_err(stheno_module_sdk::Error::from)?;
    let owned: Vec<Country> = m.countries().list(&filter, &Default::default()).await?;
    Ok(ids
        .iter()
        .map(|id| {
            owned
                .iter()
                .filter(|c| c.region_id.as_deref() == Some(id))
                .map(|c| c.iso_2.clone())
                .collect()
        })
        .collect())
}

/// `create-regions` (⇐ deleted for good, which releases their countries),
/// raising `region.created`.
#[derive(Debug, Default)]
pub struct CreateRegionsStep;

#[async_trait]
impl Step for CreateRegionsStep {
    type Input = Vec<NewRegion>;
    type Output = Vec<Region>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-regions"
    }

    async fn invoke(
        &self,
        input: Vec<NewRegion>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<Region>, Vec<String>>, StepError> {
        let created = ctx.module::<RegionModule>()?.create_regions(input).await?;
        let ids: Vec<String> = created.iter().map(|r| r.id.clone()).collect();
        for event in events("region.created", ids.clone()) {
            ctx.emit(event);
        }
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<RegionModule>()?.regions().delete(&ids).await?;
        Ok(())
    }
}

/// What an update changed: the rows and the country sets before it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegionsBefore {
    pub rows: Vec<Region>,
    pub countries: Vec<Vec<String>>,
}

/// `update-regions` (⇐ the previous rows and country sets written back),
/// raising `region.updated`.
#[derive(Debug, Default)]
pub struct UpdateRegionsStep;

#[async_trait]
impl Step for UpdateRegionsStep {
    type Input = Vec<RegionChange>;
    type Output = Vec<Region>;
    type CompensateInput = RegionsBefore;

    fn name(&self) -> &str {
        "update-regions"
    }

    async fn invoke(
        &self,
        changes: Vec<RegionChange>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<Region>, RegionsBefore>, StepError> {
        let m = ctx.module::<RegionModule>()?;
        let ids: Vec<String> = changes.iter().map(|c| c.id.clone()).collect();
        let rows = m.regions().list_by_ids(&ids).await?;
        let countries = countries_of(&m, &ids).await?;
        let updated = m.update_regions(changes).await?;
        for event in events("region.updated", ids) {
            ctx.emit(event);
        }
        Ok(StepResponse::with_compensation(
            updated,
            RegionsBefore { rows, countries },
        ))
    }

    async fn compensate(&self, before: RegionsBefore, ctx: &StepContext) -> Result<(), StepError> {
        let m = ctx.module::<RegionModule>()?;
        m.regions().overwrite(&before.rows).await?;
        let restore = before
            .rows
            .iter()
            .zip(before.countries)
            .map(|(r, codes)| RegionChange {
                id: r.id.clone(),
                countries: Some(codes),
                ..Default::default()
            })
            .collect();
        m.update_regions(restore).await?;
        Ok(())
    }
}

/// `delete-regions` (soft; their countries are released; an unknown id is
/// `not_found`; ⇐ restored with their countries), raising
/// `region.deleted`.
#[derive(Debug, Default)]
pub struct DeleteRegionsStep;

#[async_trait]
impl Step for DeleteRegionsStep {
    type Input = Vec<String>;
    type Output = Vec<String>;
    type CompensateInput = RegionsBefore;

    fn name(&self) -> &str {
        "delete-regions"
    }

    async fn invoke(
        &self,
        ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>, RegionsBefore>, StepError> {
        let m = ctx.module::<RegionModule>()?;
        let rows = m.regions().list_by_ids(&ids).await?;
        if let Some(missing) = ids.iter().find(|id| !rows.iter().any(|r| &r.id == *id)) {
            return Err(Region::META.not_found(missing).into());
        }
        let countries = countries_of(&m, &ids).await?;
        m.soft_delete_regions(&ids).await?;
        for event in events("region.deleted", ids.clone()) {
            ctx.emit(event);
        }
        Ok(StepResponse::with_compensation(
            ids,
            RegionsBefore { rows, countries },
        ))
    }

    async fn compensate(&self, before: RegionsBefore, ctx: &StepContext) -> Result<(), StepError> {
        let m = ctx.module::<RegionModule>()?;
        let ids: Vec<String> = before.rows.iter().map(|r| r.id.clone()).collect();
        m.regions().restore(&ids).await?;
        let restore = ids
            .into_iter()
            .zip(before.countries)
            .map(|(id, codes)| RegionChange {
                id,
                countries: Some(codes),
                ..Default::default()
            })
            .collect();
        m.update_regions(restore).await?;
        Ok(())
    }
}

/// A price preference to hold: prices with `attribute = value`
/// (`region_id` = a region, `currency_code` = a currency) are tax
/// inclusive or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preference {
    pub attribute: String,
    pub value: String,
    pub is_tax_inclusive: bool,
}

/// What [`UpsertPricePreferencesStep`] changed: preferences it created, and
/// the previous state of those it updated.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PreferencesBefore {
    pub created: Vec<String>,
    pub updated: Vec<PricePreference>,
}

/// `upsert-price-preferences`: create or update one preference per
/// `(attribute, value)` (⇐ created ones deleted, updated ones written
/// back). Nothing without the pricing module.
#[derive(Debug, Default)]
pub struct UpsertPricePreferencesStep;

#[async_trait]
impl Step for UpsertPricePreferencesStep {
    type Input = Vec<Preference>;
    type Output = ();
    type CompensateInput = PreferencesBefore;

    fn name(&self) -> &str {
        "upsert-price-preferences"
    }

    async fn invoke(
        &self,
        wanted: Vec<Preference>,
        ctx: &StepContext,
    ) -> Result<StepResponse<(), PreferencesBefore>, StepError> {
        let mut before = PreferencesBefore::default();
        if wanted.is_empty() {
            return Ok(StepResponse::with_compensation((), before));
        }
        let pricing = ctx.module::<PricingModule>()?;
        let values: Vec<Bind> = wanted.iter().map(|p| Bind::Text(p.value.clone())).collect();
        let existing = pricing
            .price_preferences()
            .list_where(
                &Condition::In {
                    column: "value",
                    values,
                    negated: false,
                },
                &ListConfig::default(),
            )
            .await?;
        let mut create = Vec::new();
        let mut update = Vec::new();
        for p in wanted {
            match existing
                .iter()
                .find(|e| e.attribute == p.attribute && e.value.as_deref() == Some(&p.value))
            {
                Some(e) if e.is_tax_inclusive == p.is_tax_inclusive => {}
                Some(e) => {
                    before.updated.push(e.clone());
                    update.push((
                        e.id.clone(),
                        UpdatePricePreference {
                            is_tax_inclusive: Some(p.is_tax_inclusive),
                            ..Default::default()
                        },
                    ));
                }
                None => create.push(CreatePricePreference {
                    value: Some(p.value),
                    is_tax_inclusive: Some(p.is_tax_inclusive),
                    ..CreatePricePreference::new(p.attribute)
                }),
            }
        }
        if !update.is_empty() {
            pricing.price_preferences().update_many(update).await?;
        }
        if !create.is_empty() {
            let made = pricing.price_preferences().create(create).await?;
            before.created = made.into_iter().map(|p| p.id).collect();
        }
        Ok(StepResponse::with_compensation((), before))
    }

    async fn compensate(
        &self,
        before: PreferencesBefore,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let pricing = ctx.module::<PricingModule>()?;
        pricing.price_preferences().delete(&before.created).await?;
        pricing
            .price_preferences()
            .overwrite(&before.updated)
            .await?;
        Ok(())
    }
}

/// A region to create, with Medusa's `is_tax_inclusive` (a price
/// preference for the region's prices).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateRegionInput {
    #[serde(flatten)]
    pub region: NewRegion,
    #[serde(default)]
    pub is_tax_inclusive: Option<bool>,
}

/// Changes to a region, with `is_tax_inclusive`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UpdateRegionInput {
    #[serde(flatten)]
    pub change: RegionChange,
    #[serde(default)]
    pub is_tax_inclusive: Option<bool>,
}

/// `create-regions` (`POST /admin/regions`): the regions with their
/// countries, then their price preferences (`is_tax_inclusive`, false
/// unless given, as Medusa writes one for every new region).
pub fn create_regions() -> Workflow<Vec<CreateRegionInput>, Vec<Region>> {
    Workflow::<Vec<CreateRegionInput>>::new("create-regions")
        .then_with(
            |inputs: &Vec<CreateRegionInput>| inputs.iter().map(|i| i.region.clone()).collect(),
            CreateRegionsStep,
            |inputs, regions| (inputs, regions),
        )
        .then_with(
            |(inputs, regions): &(Vec<CreateRegionInput>, Vec<Region>)| {
                inputs
                    .iter()
                    .zip(regions)
                    .map(|(i, r)| Preference {
                        attribute: "region_id".into(),
                        value: r.id.clone(),
                        is_tax_inclusive: i.is_tax_inclusive.unwrap_or(false),
                    })
                    .collect()
            },
            UpsertPricePreferencesStep,
            |(_, regions), ()| regions,
        )
}

/// `update-regions` (`POST /admin/regions/:id`).
pub fn update_regions() -> Workflow<Vec<UpdateRegionInput>, Vec<Region>> {
    Workflow::<Vec<UpdateRegionInput>>::new("update-regions")
        .then_with(
            |inputs: &Vec<UpdateRegionInput>| inputs.iter().map(|i| i.change.clone()).collect(),
            UpdateRegionsStep,
            |inputs, regions| (inputs, regions),
        )
        .then_with(
            |(inputs, _): &(Vec<UpdateRegionInput>, Vec<Region>)| {
                inputs
                    .iter()
                    .filter_map(|i| {
                        Some(Preference {
                            attribute: "region_id".into(),
                            value: i.change.id.clone(),
                            is_tax_inclusive: i.is_tax_inclusive?,
                        })
                    })
                    .collect()
            },
            UpsertPricePreferencesStep,
            |(_, regions), ()| regions,
        )
}

/// `delete-regions` (`DELETE /admin/regions/:id`).
pub fn delete_regions() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-regions").then(DeleteRegionsStep)
}
