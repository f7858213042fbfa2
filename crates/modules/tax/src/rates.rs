//! Creating tax rates with their rules, and adding or replacing the rules
//! of a rate.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::sql::DynSql;
use stheno_module_sdk::entity::{Bind, Condition, EntityService, ListConfig, Tx};
use stheno_module_sdk::events::Event;
use stheno_module_sdk::{Error, Result};

use crate::TaxModule;
use crate::models::{
    CreateTaxRate, CreateTaxRateRule, RuleReference, TaxRate, TaxRateRule, TaxRegion,
};

/// A rule of a rate: the rate applies to this product, product type or
/// shipping option.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxRateRuleInput {
    pub reference: RuleReference,
    pub reference_id: String,
}

impl TaxRateRuleInput {
    pub fn new(reference: RuleReference, reference_id: impl Into<String>) -> Self {
        Self {
            reference,
            reference_id: reference_id.into(),
        }
    }
}

/// A tax rate to create (Medusa's `CreateTaxRateDTO`), with its rules.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTaxRateInput {
    pub tax_region_id: String,
    /// Percent (`8.25`); none is 0 % in tax lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f32>,
    pub code: String,
    pub name: String,
    /// At most one live default rate per region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_combinable: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<TaxRateRuleInput>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
    /// The admin creating it (set by the route, not the body); also the
    /// creator of its rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl CreateTaxRateInput {
    /// A rate of `tax_region_id`; not default, not combinable, no rules.
    pub fn new(
        tax_region_id: impl Into<String>,
        rate: f32,
        code: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self {
            tax_region_id: tax_region_id.into(),
            rate: Some(rate),
            code: code.into(),
            name: name.into(),
            is_default: None,
            is_combinable: None,
            rules: Vec::new(),
            metadata: None,
            created_by: None,
        }
    }

    /// The same rate with one more rule.
    pub fn with_rule(mut self, reference: RuleReference, reference_id: impl Into<String>) -> Self {
        self.rules
            .push(TaxRateRuleInput::new(reference, reference_id));
        self
    }
}

fn rule_rows(
    rate_id: &str,
    rules: impl IntoIterator<Item = TaxRateRuleInput>,
    created_by: Option<&str>,
) -> impl Iterator<Item = CreateTaxRateRule> {
    rules.into_iter().map(move |r| CreateTaxRateRule {
        created_by: created_by.map(str::to_owned),
        ..CreateTaxRateRule::new(rate_id.to_string(), r.reference, r.reference_id)
    })
}

fn ids_condition(column: &'static str, ids: impl IntoIterator<Item = String>) -> Condition {
    Condition::In {
        column,
        values: ids.into_iter().map(Bind::Text).collect(),
        negated: false,
    }
}

/// The live rules of `rate_id`, inside `tx`.
async fn rules_of(
    rules: &EntityService<TaxRateRule>,
    tx: &mut Tx<'_>,
    rate_id: &str,
) -> Result<Vec<TaxRateRule>> {
    let condition = ids_condition("tax_rate_id", [rate_id.to_string()]);
    rules
        .list_where_in(tx, &condition, &ListConfig::default())
        .await
}

impl TaxModule {
    /// Create tax rates and their rules in one transaction (all or none),
    /// in input order; the rules take the rate's `created_by`. Every
    /// `tax_region_id` must be a live region (`not_found`); a second
    /// default rate of a region is `Tax rate with tax_region_id: …, already
    /// exists.`, a rule given twice `Tax rate rule with tax_rate_id: …,
    /// reference_id: …, already exists.` Three statements, whatever the
    /// number of rates and rules.
    pub async fn create_tax_rates(&self, inputs: Vec<CreateTaxRateInput>) -> Result<Vec<TaxRate>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let mut region_ids: Vec<String> = inputs.iter().map(|i| i.tax_region_id.clone()).collect();
        region_ids.sort();
        region_ids.dedup();
        let mut rows = Vec::with_capacity(inputs.len());
        let mut rules = Vec::with_capacity(inputs.len());
        for input in inputs {
            rows.push(CreateTaxRate {
                rate: input.rate,
                is_default: input.is_default,
                is_combinable: input.is_combinable,
                metadata: input.metadata,
                created_by: input.created_by,
                ..CreateTaxRate::new(input.code, input.name, input.tax_region_id)
            });
            rules.push(input.rules);
        }
        let (rates, rule_service) = (self.rates.clone(), self.rules.clone());
        self.rates
            .transaction(|tx| {
                Box::pin(async move {
                    EntityService::<TaxRegion>::ensure_live_on(tx.conn(), &region_ids).await?;
                    let created = rates.create_in(tx, rows).await?;
                    let rule_rows: Vec<CreateTaxRateRule> = created
                        .iter()
                        .zip(rules)
                        .flat_map(|(rate, rules)| {
                            rule_rows(&rate.id, rules, rate.created_by.as_deref())
                                .collect::<Vec<_>>()
                        })
                        .collect();
                    rule_service.create_in(tx, rule_rows).await?;
                    Ok(created)
                })
            })
            .await
    }

    /// [`create_tax_rates`](Self::create_tax_rates) for one rate.
    pub async fn create_tax_rate(&self, input: CreateTaxRateInput) -> Result<TaxRate> {
        self.create_tax_rates(vec![input])
            .await?
            .pop()
            .ok_or_else(|| Error::internal("insert returned no row"))
    }

    /// Add rules to a live rate (`POST /admin/tax-rates/:id/rules`), under
    /// a lock on the rate. A rule the rate already has is `Tax rate rule
    /// with tax_rate_id: …, reference_id: …, already exists.`; an unknown
    /// rate `not_found`. Returns the new rules, in input order.
    pub async fn create_tax_rate_rules(
        &self,
        rate_id: &str,
        rules: Vec<TaxRateRuleInput>,
        created_by: Option<&str>,
    ) -> Result<Vec<TaxRateRule>> {
        let (rates, rule_service) = (self.rates.clone(), self.rules.clone());
        let rate_id = rate_id.to_string();
        let created_by = created_by.map(str::to_owned);
        self.rates
            .transaction(|tx| {
                Box::pin(async move {
                    rates.retrieve_for_update(tx, &rate_id).await?;
                    let rows = rule_rows(&rate_id, rules, created_by.as_deref()).collect();
                    rule_service.create_in(tx, rows).await
                })
            })
            .await
    }

    /// Replace the rules of a live rate with `rules` (Medusa's
    /// `updateTaxRates` with `rules`), under a lock on the rate: rules no
    /// longer wanted are soft-deleted, new ones created, the others kept
    /// as they are (same ids). A rule given twice is kept once. Returns the
    /// rate's live rules, in input order; an unknown rate is `not_found`.
    /// At most four statements, whatever the number of rules.
    pub async fn set_tax_rate_rules(
        &self,
        rate_id: &str,
        rules: Vec<TaxRateRuleInput>,
        created_by: Option<&str>,
    ) -> Result<Vec<TaxRateRule>> {
        let mut wanted: Vec<TaxRateRuleInput> = Vec::with_capacity(rules.len());
        for rule in rules {
            if !wanted.contains(&rule) {
                wanted.push(rule);
            }
        }
        let (rates, rule_service) = (self.rates.clone(), self.rules.clone());
        let rate_id = rate_id.to_string();
        let created_by = created_by.map(str::to_owned);
        let (kept, removed) = self
            .rates
            .transaction(|tx| {
                Box::pin(async move {
                    rates.retrieve_for_update(tx, &rate_id).await?;
                    let existing = rules_of(&rule_service, tx, &rate_id).await?;
                    let is_wanted = |r: &TaxRateRule| {
                        wanted
                            .iter()
                            .any(|w| w.reference == r.reference && w.reference_id == r.reference_id)
                    };
                    let removed: Vec<String> = existing
                        .iter()
                        .filter(|r| !is_wanted(r))
                        .map(|r| r.id.clone())
                        .collect();
                    soft_delete_rules(tx, &removed).await?;
                    let new: Vec<TaxRateRuleInput> = wanted
                        .iter()
                        .filter(|w| {
                            !existing.iter().any(|r| {
                                r.reference == w.reference && r.reference_id == w.reference_id
                            })
                        })
                        .cloned()
                        .collect();
                    let rows = rule_rows(&rate_id, new, created_by.as_deref()).collect();
                    let created = rule_service.create_in(tx, rows).await?;
                    let mut all: Vec<TaxRateRule> = existing
                        .into_iter()
                        .filter(|r| !removed.contains(&r.id))
                        .chain(created)
                        .collect();
                    all.sort_by_key(|r| {
                        wanted.iter().position(|w| {
                            w.reference == r.reference && w.reference_id == r.reference_id
                        })
                    });
                    Ok((all, removed))
                })
            })
            .await?;
        self.emit_deleted_rules(&removed).await;
        Ok(kept)
    }

    async fn emit_deleted_rules(&self, ids: &[String]) {
        if ids.is_empty() {
            return;
        }
        let events = Event::for_ids("tax.tax-rate-rule.deleted", ids.iter().map(String::as_str));
        // The change is committed; a failed emit is logged, as the
        // generated services do.
        if let Err(e) = self.events.emit(events).await {
            tracing::warn!(error = %e, "tax module: emitting tax-rate-rule events failed");
        }
    }
}

/// Soft-delete rules by id inside the transaction (one statement).
// SDK-GAP: EntityService::soft_delete_in(tx, ids) — a soft delete inside a
// `Tx`, its events released with the transaction's.
async fn soft_delete_rules(tx: &mut Tx<'_>, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = DynSql::new(
        "UPDATE tax_rate_rule SET deleted_at = now(), updated_at = now() WHERE id = ANY(",
    );
    sql.bind_array(ids.to_vec(), "text");
    sql.push(") AND deleted_at IS NULL");
    sql.run(tx.conn()).await?;
    Ok(())
}
