//! Tax workflows: tax regions (with their default rate), tax rates (with
//! their rules) and the rules of a rate, as Medusa's `create-tax-regions`,
//! `update-tax-regions`, `delete-tax-regions`, `create-tax-rates`,
//! `update-tax-rates`, `delete-tax-rates`, `create-tax-rate-rules` and
//! `delete-tax-rate-rules`.
//!
//! Creates go through the tax module's domain operations (a region's
//! default rate and a rate's rules are written with it); deletes are the
//! generic soft-delete steps (a region takes its province regions and rates
//! along, a rate its rules; undone by restoring exactly those). Medusa's
//! tax workflows raise no workflow events; the module's own events
//! (`tax.tax-region.created`, …) are emitted at each commit.

use serde::{Deserialize, Serialize};
use stheno_module_sdk::entity::{Entity as _, FieldFilter};
use stheno_module_sdk::{Error, Result};
use stheno_tax::{
    CreateTaxRateInput, CreateTaxRegionInput, TaxModule, TaxProvider, TaxRate, TaxRateRule,
    TaxRateRuleFilter, TaxRateRuleInput, TaxRegion, UpdateTaxRate, UpdateTaxRegion,
};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::domain::{dedup, log_undo_failure};
use crate::entity::{SoftDeleteEntities, Update, UpdateEntities};

// ---- tax regions -------------------------------------------------------------

/// `create-tax-regions`: regions with their default rates, the tree
/// checked (⇐ deleted for good, rates and province regions with them).
#[derive(Debug, Default)]
pub struct CreateTaxRegionsStep;

#[async_trait]
impl Step for CreateTaxRegionsStep {
    type Input = Vec<CreateTaxRegionInput>;
    type Output = Vec<TaxRegion>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-tax-regions"
    }

    async fn invoke(
        &self,
        input: Vec<CreateTaxRegionInput>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<TaxRegion>, Vec<String>>, StepError> {
        let created = ctx.module::<TaxModule>()?.create_tax_regions(input).await?;
        let ids = created.iter().map(|r| r.id.clone()).collect();
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<TaxModule>()?
                .tax_regions()
                .delete(&ids)
                .await?;
        }
        Ok(())
    }
}

/// Changes to one tax region (`province_code`, `provider_id`, `metadata`).
pub type TaxRegionUpdate = Update<UpdateTaxRegion>;

/// The change as stored: a province code trimmed and lower-cased (the
/// entity's `prepare` runs on creates only), an empty one cleared.
fn normalise(mut change: TaxRegionUpdate) -> TaxRegionUpdate {
    if let Some(Some(code)) = change.update.province_code.take() {
        let code = code.trim().to_lowercase();
        change.update.province_code = Some(Some(code).filter(|c| !c.is_empty()));
    } else if change.update.province_code.is_some() {
        change.update.province_code = Some(None);
    }
    change
}

/// Refuse a change that would break the region tree: a province region
/// keeps its province code and has no provider of its own; a country
/// region has no province code.
fn check_shape(region: &TaxRegion, update: &UpdateTaxRegion) -> Result<()> {
    match &region.parent_id {
        Some(parent) => {
            if matches!(update.province_code, Some(None)) {
                return Err(Error::invalid_data(format!(
                    "Tax region {} is a province region under {parent}: its province_code cannot \
                     be removed",
                    region.id
                )));
            }
            if matches!(update.provider_id, Some(Some(_))) {
                return Err(Error::invalid_data(format!(
                    "A province region uses its parent's tax provider: remove provider_id from \
                     the update of tax region {} (parent {parent})",
                    region.id
                )));
            }
        }
        None => {
            if let Some(Some(province)) = &update.province_code {
                return Err(Error::invalid_data(format!(
                    "Tax region {} is the country region of {}: it cannot take a province_code \
                     ({province}); create a province region with parent_id {} instead",
                    region.id, region.country_code, region.id
                )));
            }
        }
    }
    Ok(())
}

/// `update-tax-regions`: province codes lower-cased, the tree and the
/// providers checked before anything changes (an unknown region or
/// provider is `not_found`); ⇐ the previous rows written back.
#[derive(Debug, Default)]
pub struct UpdateTaxRegionsStep;

#[async_trait]
impl Step for UpdateTaxRegionsStep {
    type Input = Vec<TaxRegionUpdate>;
    type Output = Vec<TaxRegion>;
    type CompensateInput = Vec<TaxRegion>;

    fn name(&self) -> &str {
        "update-tax-regions"
    }

    async fn invoke(
        &self,
        changes: Vec<TaxRegionUpdate>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<TaxRegion>, Vec<TaxRegion>>, StepError> {
        let m = ctx.module::<TaxModule>()?;
        let changes: Vec<TaxRegionUpdate> = changes.into_iter().map(normalise).collect();
        let ids = dedup(changes.iter().map(|c| c.id.clone()));
        let previous = m.tax_regions().list_by_ids(&ids).await?;
        for change in &changes {
            let Some(region) = previous.iter().find(|r| r.id == change.id) else {
                return Err(TaxRegion::META.not_found(&change.id).into());
            };
            check_shape(region, &change.update)?;
        }
        let providers = dedup(
            changes
                .iter()
                .filter_map(|c| c.update.provider_id.clone().flatten()),
        );
        if !providers.is_empty() {
            let live = m.tax_providers().list_by_ids(&providers).await?;
            if let Some(missing) = providers.iter().find(|p| !live.iter().any(|l| &l.id == *p)) {
                return Err(TaxProvider::META.not_found(missing).into());
            }
        }
        let rows = m
            .tax_regions()
            .update_many(changes.into_iter().map(|c| (c.id, c.update)).collect())
            .await?;
        Ok(StepResponse::with_compensation(rows, previous))
    }

    async fn compensate(
        &self,
        previous: Vec<TaxRegion>,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        if !previous.is_empty() {
            ctx.module::<TaxModule>()?
                .tax_regions()
                .overwrite(&previous)
                .await?;
        }
        Ok(())
    }
}

/// `delete-tax-regions` (soft, with the province regions and rates; an
/// unknown or deleted id is `not_found`; ⇐ restored with them).
pub fn delete_tax_regions_step() -> SoftDeleteEntities<TaxModule, TaxRegion> {
    SoftDeleteEntities::new("delete-tax-regions").must_exist()
}

/// `create-tax-regions` (`POST /admin/tax-regions`).
pub fn create_tax_regions() -> Workflow<Vec<CreateTaxRegionInput>, Vec<TaxRegion>> {
    Workflow::<Vec<CreateTaxRegionInput>>::new("create-tax-regions").then(CreateTaxRegionsStep)
}

/// `update-tax-regions` (`POST /admin/tax-regions/:id`).
pub fn update_tax_regions() -> Workflow<Vec<TaxRegionUpdate>, Vec<TaxRegion>> {
    Workflow::<Vec<TaxRegionUpdate>>::new("update-tax-regions").then(UpdateTaxRegionsStep)
}

/// `delete-tax-regions` (`DELETE /admin/tax-regions/:id`); output: the
/// region ids deleted.
pub fn delete_tax_regions() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-tax-regions").then(delete_tax_regions_step())
}

// ---- tax rates ---------------------------------------------------------------

/// `create-tax-rates`: rates with their rules (⇐ deleted for good, rules
/// with them).
#[derive(Debug, Default)]
pub struct CreateTaxRatesStep;

#[async_trait]
impl Step for CreateTaxRatesStep {
    type Input = Vec<CreateTaxRateInput>;
    type Output = Vec<TaxRate>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-tax-rates"
    }

    async fn invoke(
        &self,
        input: Vec<CreateTaxRateInput>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<TaxRate>, Vec<String>>, StepError> {
        let created = ctx.module::<TaxModule>()?.create_tax_rates(input).await?;
        let ids = created.iter().map(|r| r.id.clone()).collect();
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<TaxModule>()?.tax_rates().delete(&ids).await?;
        }
        Ok(())
    }
}

/// Changes to one tax rate; `rules`, when given, replaces the rate's set
/// (new rules are `created_by` the admin).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaxRateChange {
    pub id: String,
    pub update: UpdateTaxRate,
    pub rules: Option<Vec<TaxRateRuleInput>>,
    pub created_by: Option<String>,
}

/// Rules for one rate: added (`create-tax-rate-rules`) or the rate's whole
/// set (`set-tax-rate-rules`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaxRateRules {
    pub tax_rate_id: String,
    pub rules: Vec<TaxRateRuleInput>,
    pub created_by: Option<String>,
}

/// `update-tax-rates` (the columns; ⇐ the previous rows written back). An
/// unknown rate fails the step before anything changes.
pub fn update_tax_rates_step() -> UpdateEntities<TaxModule, TaxRate> {
    UpdateEntities::new("update-tax-rates")
}

/// What replacing rule sets changed: rules created, rules soft-deleted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RulesChanged {
    pub created: Vec<String>,
    pub removed: Vec<String>,
}

impl RulesChanged {
    /// Undo: the created rules deleted for good, the removed ones restored.
    async fn undo(&self, m: &TaxModule) -> Result<()> {
        if !self.created.is_empty() {
            m.tax_rate_rules().delete(&self.created).await?;
        }
        if !self.removed.is_empty() {
            m.tax_rate_rules().restore(&self.removed).await?;
        }
        Ok(())
    }
}

/// `set-tax-rate-rules`: each rate's rules replaced by the given set (rules
/// kept keep their ids); ⇐ the created rules deleted, the removed ones
/// restored. Output: each rate's live rules.
#[derive(Debug, Default)]
pub struct SetTaxRateRulesStep;

#[async_trait]
impl Step for SetTaxRateRulesStep {
    type Input = Vec<TaxRateRules>;
    type Output = Vec<Vec<TaxRateRule>>;
    type CompensateInput = RulesChanged;

    fn name(&self) -> &str {
        "set-tax-rate-rules"
    }

    async fn invoke(
        &self,
        sets: Vec<TaxRateRules>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<Vec<TaxRateRule>>, RulesChanged>, StepError> {
        let m = ctx.module::<TaxModule>()?;
        if sets.is_empty() {
            return Ok(StepResponse::with_compensation(
                Vec::new(),
                RulesChanged::default(),
            ));
        }
        let rate_ids = dedup(sets.iter().map(|s| s.tax_rate_id.clone()));
        let filter = TaxRateRuleFilter {
            tax_rate_id: Some(FieldFilter::any(rate_ids)),
            ..Default::default()
        };
        // The live rules of every rate before the step (one statement),
        // kept current as sets are applied.
        let mut live: Vec<TaxRateRule> = m
            .tax_rate_rules()
            .list(&filter, &Default::default())
            .await?;
        let mut changed = RulesChanged::default();
        let mut out = Vec::with_capacity(sets.len());
        for set in sets {
            let result = m
                .set_tax_rate_rules(&set.tax_rate_id, set.rules, set.created_by.as_deref())
                .await;
            let kept = match result {
                Ok(kept) => kept,
                Err(err) => {
                    if let Err(undo) = changed.undo(&m).await {
                        log_undo_failure("set-tax-rate-rules", &undo);
                    }
                    return Err(err.into());
                }
            };
            let (before, others): (Vec<TaxRateRule>, Vec<TaxRateRule>) = live
                .into_iter()
                .partition(|r| r.tax_rate_id == set.tax_rate_id);
            let is_kept = |id: &str| kept.iter().any(|k| k.id == id);
            let was_there = |id: &str| before.iter().any(|b| b.id == id);
            // A rule this step created for an earlier set of the same rate
            // is undone by its deletion, not restored.
            changed.removed.extend(
                before
                    .iter()
                    .filter(|b| !is_kept(&b.id) && !changed.created.contains(&b.id))
                    .map(|b| b.id.clone()),
            );
            changed.created.extend(
                kept.iter()
                    .filter(|k| !was_there(&k.id))
                    .map(|k| k.id.clone()),
            );
            live = others.into_iter().chain(kept.iter().cloned()).collect();
            out.push(kept);
        }
        Ok(StepResponse::with_compensation(out, changed))
    }

    async fn compensate(&self, changed: RulesChanged, ctx: &StepContext) -> Result<(), StepError> {
        changed.undo(&*ctx.module::<TaxModule>()?).await?;
        Ok(())
    }
}

/// `delete-tax-rates` (soft, with their rules; an unknown or deleted id is
/// `not_found`; ⇐ restored with them).
pub fn delete_tax_rates_step() -> SoftDeleteEntities<TaxModule, TaxRate> {
    SoftDeleteEntities::new("delete-tax-rates").must_exist()
}

/// `create-tax-rates` (`POST /admin/tax-rates`).
pub fn create_tax_rates() -> Workflow<Vec<CreateTaxRateInput>, Vec<TaxRate>> {
    Workflow::<Vec<CreateTaxRateInput>>::new("create-tax-rates").then(CreateTaxRatesStep)
}

/// `update-tax-rates` (`POST /admin/tax-rates/:id`): the columns, then the
/// rule sets of the changes that give `rules`.
pub fn update_tax_rates() -> Workflow<Vec<TaxRateChange>, Vec<TaxRate>> {
    Workflow::<Vec<TaxRateChange>>::new("update-tax-rates")
        .then_with(
            |changes: &Vec<TaxRateChange>| {
                changes
                    .iter()
                    .map(|c| Update::new(c.id.clone(), c.update.clone()))
                    .collect()
            },
            update_tax_rates_step(),
            |changes, rows| (changes, rows),
        )
        .then_with(
            |(changes, _): &(Vec<TaxRateChange>, Vec<TaxRate>)| {
                changes
                    .iter()
                    .filter_map(|c| {
                        Some(TaxRateRules {
                            tax_rate_id: c.id.clone(),
                            rules: c.rules.clone()?,
                            created_by: c.created_by.clone(),
                        })
                    })
                    .collect()
            },
            SetTaxRateRulesStep,
            |(_, rows), _| rows,
        )
}

/// `delete-tax-rates` (`DELETE /admin/tax-rates/:id`); output: the rate
/// ids deleted.
pub fn delete_tax_rates() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-tax-rates").then(delete_tax_rates_step())
}

// ---- tax rate rules ----------------------------------------------------------

/// `create-tax-rate-rules`: rules added to a live rate (a rule the rate has
/// is a `duplicate_error`; ⇐ deleted for good).
#[derive(Debug, Default)]
pub struct CreateTaxRateRulesStep;

#[async_trait]
impl Step for CreateTaxRateRulesStep {
    type Input = TaxRateRules;
    type Output = Vec<TaxRateRule>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-tax-rate-rules"
    }

    async fn invoke(
        &self,
        input: TaxRateRules,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<TaxRateRule>, Vec<String>>, StepError> {
        let created = ctx
            .module::<TaxModule>()?
            .create_tax_rate_rules(&input.tax_rate_id, input.rules, input.created_by.as_deref())
            .await?;
        let ids = created.iter().map(|r| r.id.clone()).collect();
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<TaxModule>()?
                .tax_rate_rules()
                .delete(&ids)
                .await?;
        }
        Ok(())
    }
}

/// `delete-tax-rate-rules` (soft; an unknown or deleted id is `not_found`;
/// ⇐ restored).
pub fn delete_tax_rate_rules_step() -> SoftDeleteEntities<TaxModule, TaxRateRule> {
    SoftDeleteEntities::new("delete-tax-rate-rules").must_exist()
}

/// `create-tax-rate-rules` (`POST /admin/tax-rates/:id/rules`).
pub fn create_tax_rate_rules() -> Workflow<TaxRateRules, Vec<TaxRateRule>> {
    Workflow::<TaxRateRules>::new("create-tax-rate-rules").then(CreateTaxRateRulesStep)
}

/// `delete-tax-rate-rules` (`DELETE /admin/tax-rates/:id/rules/:rule_id`);
/// output: the rule ids deleted.
pub fn delete_tax_rate_rules() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-tax-rate-rules").then(delete_tax_rate_rules_step())
}
