//! `get_tax_lines`: the rates that apply to each line at an address, handed
//! to the region's provider.

use std::collections::HashMap;

use stheno_module_sdk::entity::{Bind, Condition, ListConfig, Op};
use stheno_module_sdk::{Error, Result};

use crate::TaxModule;
use crate::models::{RuleReference, TaxRate, TaxRateRule, TaxRegion};
use crate::provider::{
    ItemTaxCalculationLine, SYSTEM_PROVIDER_ID, ShippingTaxCalculationLine, TaxCalculationContext,
    TaxLine, TaxableItem, TaxableShipping,
};

/// What a line is matched on.
#[derive(Clone, Copy)]
enum Subject<'a> {
    Item {
        product_id: &'a str,
        product_type_id: Option<&'a str>,
    },
    Shipping {
        shipping_option_id: &'a str,
    },
}

impl<'a> Subject<'a> {
    fn of_item(item: &'a TaxableItem) -> Self {
        Subject::Item {
            product_id: &item.product_id,
            product_type_id: item.product_type_id.as_deref(),
        }
    }
    fn of_shipping(shipping: &'a TaxableShipping) -> Self {
        Subject::Shipping {
            shipping_option_id: &shipping.shipping_option_id,
        }
    }
}

fn eq(column: &'static str, value: &str) -> Condition {
    Condition::Compare {
        column,
        op: Op::Eq,
        value: Bind::Text(value.to_string()),
    }
}

fn any_of(column: &'static str, mut values: Vec<String>) -> Condition {
    values.sort();
    values.dedup();
    Condition::In {
        column,
        values: values.into_iter().map(Bind::Text).collect(),
        negated: false,
    }
}

/// Rules (`tax_rate_rule` rows) pointing at any of the lines' products,
/// product types or shipping options; `None` when there is nothing to
/// match.
fn rule_condition(items: &[TaxableItem], shipping: &[TaxableShipping]) -> Option<Condition> {
    let by_reference = [
        (
            RuleReference::Product,
            items
                .iter()
                .map(|i| i.product_id.clone())
                .collect::<Vec<_>>(),
        ),
        (
            RuleReference::ProductType,
            items
                .iter()
                .filter_map(|i| i.product_type_id.clone())
                .collect(),
        ),
        (
            RuleReference::ShippingOption,
            shipping
                .iter()
                .map(|s| s.shipping_option_id.clone())
                .collect(),
        ),
    ];
    let any: Vec<Condition> = by_reference
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(reference, ids)| {
            Condition::All(vec![
                eq("reference", reference.as_str()),
                any_of("reference_id", ids),
            ])
        })
        .collect();
    (!any.is_empty()).then_some(Condition::Any(any))
}

/// The rates loaded for one call: the regions of the address, their
/// default rates and the rates with a rule matching some line, with those
/// matching rules.
struct Candidates<'a> {
    regions: HashMap<&'a str, &'a TaxRegion>,
    /// In load order (`created_at`, then `id`): ties go to the older rate.
    rates: &'a [TaxRate],
    rules: HashMap<&'a str, Vec<&'a TaxRateRule>>,
}

impl Candidates<'_> {
    /// Medusa's priority of `rate` for `subject` (lower wins): in a
    /// province region a product (or shipping option) rule 1, a product
    /// type rule 2, the default 3; in the country region 4, 5, 6. `None`:
    /// the rate does not apply to this line.
    fn score(&self, rate: &TaxRate, subject: Subject<'_>) -> Option<u8> {
        let region = self.regions.get(rate.tax_region_id.as_str())?;
        let rules = self.rules.get(rate.id.as_str());
        let has = |reference: RuleReference, id: &str| {
            rules.is_some_and(|rules| {
                rules
                    .iter()
                    .any(|r| r.reference == reference && r.reference_id == id)
            })
        };
        let (exact, by_type) = match subject {
            Subject::Item {
                product_id,
                product_type_id,
            } => (
                has(RuleReference::Product, product_id),
                product_type_id.is_some_and(|t| has(RuleReference::ProductType, t)),
            ),
            Subject::Shipping { shipping_option_id } => (
                has(RuleReference::ShippingOption, shipping_option_id),
                false,
            ),
        };
        let level = if exact {
            1
        } else if by_type {
            2
        } else if rate.is_default {
            3
        } else {
            return None;
        };
        Some(if region.province_code.is_some() {
            level
        } else {
            level + 3
        })
    }

    /// The rates of one line: the best one and, when it is a combinable
    /// rate of a province region, the best rate of the parent region (the
    /// most specific one there, a product rule before the default).
    fn rates_for(&self, subject: Subject<'_>) -> Vec<TaxRate> {
        let mut scored: Vec<(u8, &TaxRate)> = self
            .rates
            .iter()
            .filter_map(|rate| Some((self.score(rate, subject)?, rate)))
            .collect();
        // Stable: equal scores keep the load order.
        scored.sort_by_key(|(score, _)| *score);
        let Some((_, best)) = scored.first() else {
            return Vec::new();
        };
        let mut chosen = vec![(*best).clone()];
        let parent = self
            .regions
            .get(best.tax_region_id.as_str())
            .and_then(|region| region.parent_id.as_deref());
        if best.is_combinable
            && let Some(parent) = parent
            && let Some((_, parent_rate)) = scored.iter().find(|(_, r)| r.tax_region_id == parent)
        {
            chosen.push((*parent_rate).clone());
        }
        chosen
    }
}

fn normalized(context: &TaxCalculationContext) -> TaxCalculationContext {
    let mut context = context.clone();
    context.address.country_code = context.address.country_code.trim().to_lowercase();
    context.address.province_code = context
        .address
        .province_code
        .take()
        .map(|p| p.trim().to_lowercase())
        .filter(|p| !p.is_empty());
    context
}

impl TaxModule {
    /// The tax lines of `items` and `shipping` at `context`'s address
    /// (Medusa's `getTaxLines`).
    ///
    /// The address's country region and, if the address has a province
    /// with a region of its own, that province region are loaded (codes
    /// compared lower-case); with no country region there are no lines.
    /// Each line then gets the most specific rate of those regions: a rule
    /// on the product id (shipping: on the shipping option id), else on
    /// the product type id, else the region's default, a province rate
    /// before a country rate. A combinable province rate comes with the
    /// country region's most specific rate for the line. The lines and
    /// their rates go to the country region's provider (the system
    /// provider when it names none), whose tax lines are returned; the
    /// context it receives has lower-case codes.
    ///
    /// Three statements, whatever the number of lines. A region naming a
    /// provider that is not built is `not_found`.
    pub async fn get_tax_lines(
        &self,
        items: &[TaxableItem],
        shipping: &[TaxableShipping],
        context: &TaxCalculationContext,
    ) -> Result<Vec<TaxLine>> {
        if items.is_empty() && shipping.is_empty() {
            return Ok(Vec::new());
        }
        let context = normalized(context);
        let address = &context.address;
        let province = match &address.province_code {
            Some(p) => Condition::Any(vec![
                Condition::IsNull {
                    column: "province_code",
                    negated: false,
                },
                eq("province_code", p),
            ]),
            None => Condition::IsNull {
                column: "province_code",
                negated: false,
            },
        };
        let regions = self
            .regions
            .list_where(
                &Condition::All(vec![eq("country_code", &address.country_code), province]),
                &ListConfig::default(),
            )
            .await?;
        let Some(country) = regions.iter().find(|r| r.province_code.is_none()) else {
            return Ok(Vec::new());
        };
        let provider_id = country.provider_id.as_deref().unwrap_or(SYSTEM_PROVIDER_ID);
        let provider = self.providers.find(provider_id).ok_or_else(|| {
            Error::not_found(format!(
                "Failed to resolve Tax Provider with id: {provider_id}. Make sure it's installed \
                 and configured in the Tax Module's options."
            ))
        })?;

        let matching = rule_condition(items, shipping);
        let mut applies = vec![eq("is_default", "true")];
        if let Some(matching) = &matching {
            applies.push(Condition::Related {
                relation: "rules",
                condition: Box::new(matching.clone()),
            });
        }
        let rate_condition = Condition::All(vec![
            any_of(
                "tax_region_id",
                regions.iter().map(|r| r.id.clone()).collect(),
            ),
            Condition::Any(applies),
        ]);
        let rates = self
            .rates
            .list_where(&rate_condition, &ListConfig::default())
            .await?;
        let rules = match matching {
            Some(matching) if !rates.is_empty() => {
                let of_rates = any_of("tax_rate_id", rates.iter().map(|r| r.id.clone()).collect());
                self.rules
                    .list_where(
                        &Condition::All(vec![of_rates, matching]),
                        &ListConfig::default(),
                    )
                    .await?
            }
            _ => Vec::new(),
        };

        let mut rules_by_rate: HashMap<&str, Vec<&TaxRateRule>> = HashMap::new();
        for rule in &rules {
            rules_by_rate
                .entry(rule.tax_rate_id.as_str())
                .or_default()
                .push(rule);
        }
        let candidates = Candidates {
            regions: regions.iter().map(|r| (r.id.as_str(), r)).collect(),
            rates: &rates,
            rules: rules_by_rate,
        };
        let item_lines: Vec<ItemTaxCalculationLine> = items
            .iter()
            .map(|item| ItemTaxCalculationLine {
                rates: candidates.rates_for(Subject::of_item(item)),
                line_item: item.clone(),
            })
            .collect();
        let shipping_lines: Vec<ShippingTaxCalculationLine> = shipping
            .iter()
            .map(|s| ShippingTaxCalculationLine {
                rates: candidates.rates_for(Subject::of_shipping(s)),
                shipping_line: s.clone(),
            })
            .collect();
        provider
            .get_tax_lines(&item_lines, &shipping_lines, &context)
            .await
    }
}
