//! Pricing workflows: price lists with their rules and prices, the prices
//! of a list in batches, and price preferences, as Medusa's
//! `create-price-lists`, `update-price-lists`, `delete-price-lists`,
//! `batch-price-list-prices` and `create-price-preferences` (…).
//!
//! The admin names a list price by its variant (`variant_id`);
//! [`ValidateVariantPriceLinksStep`] resolves every variant of a request to
//! its price set through the `product_variant ↔ price_set` link in one
//! statement, and rejects a variant without one (`invalid_data`, naming
//! it) before anything is written.
//!
//! | step | compensation |
//! |---|---|
//! | [`CreatePriceListsStep`] | delete the lists for good (their rules and prices go along) |
//! | [`UpdatePriceListsStep`] | write the previous rows and rules back |
//! | [`AddPriceListPricesStep`] | delete the new prices for good |
//! | [`UpdatePriceListPricesStep`] | rewrite the prices as they were |
//! | [`RemovePriceListPricesStep`] | recreate the removed prices with their ids and rules |
//!
//! Deleting a list soft-deletes it with its prices and rules (restored on
//! compensation); price preferences use the generic steps of
//! [`crate::entity`].

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::Error;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::link::Links;
use stheno_module_sdk::money::Amount;
use stheno_pricing::{
    CreatePriceListInput, CreatePricePreference, PriceDetail, PriceList, PriceListPriceInput,
    PriceListStatus, PriceListType, PricePreference, PriceRuleFilter, PricingModule,
    UpdatePriceList,
};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::domain::{Update, dedup};
use crate::entity::{self, SoftDeleteEntities};

/// A point in time on the wire (`starts_at`, `ends_at`).
pub type Timestamp = chrono::DateTime<chrono::Utc>;

/// Medusa's `not_found` for a price list.
pub fn price_list_not_found(id: &str) -> Error {
    Error::not_found(format!("Price list with id: {id} was not found"))
}

// ---- inputs ------------------------------------------------------------

/// A price of a price list as the admin names it: for a variant, whose
/// price set it joins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantPrice {
    pub variant_id: String,
    pub amount: Amount,
    pub currency_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_quantity: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_quantity: Option<Amount>,
    /// Attribute → value (`{"region_id": "reg_…"}`), each an `eq` rule.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, String>,
}

impl VariantPrice {
    /// The price for the price set `price_set_id`.
    fn for_set(self, price_set_id: String) -> PriceListPriceInput {
        PriceListPriceInput {
            id: None,
            price_set_id,
            title: None,
            amount: self.amount,
            currency_code: self.currency_code,
            min_quantity: self.min_quantity,
            max_quantity: self.max_quantity,
            rules: self.rules,
        }
    }
}

/// Changes to a price of a price list: the fields given change, `rules`
/// replaces the price's rules; `variant_id` says which price set it
/// belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantPriceUpdate {
    pub id: String,
    pub variant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Amount>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_code: Option<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub min_quantity: Option<Option<Amount>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub max_quantity: Option<Option<Amount>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<BTreeMap<String, String>>,
}

/// A price list to create, its prices named by variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewPriceList {
    pub title: String,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PriceListStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<PriceListType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Attribute → the values any of which the context must carry.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<VariantPrice>,
}

/// Changes to one price list: its fields, and (when given) its rules,
/// which replace the list's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceListChange {
    pub id: String,
    #[serde(default)]
    pub update: UpdatePriceList,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<BTreeMap<String, Vec<String>>>,
}

/// `POST /admin/price-lists/:id/prices/batch`: prices of one list to
/// create, update and delete.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceListPricesBatch {
    pub price_list_id: String,
    #[serde(default)]
    pub create: Vec<VariantPrice>,
    #[serde(default)]
    pub update: Vec<VariantPriceUpdate>,
    #[serde(default)]
    pub delete: Vec<String>,
}

/// What a batch did: the prices created and updated (with their rules),
/// the ids deleted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PriceListPricesResult {
    pub created: Vec<PriceDetail>,
    pub updated: Vec<PriceDetail>,
    pub deleted: Vec<String>,
}

/// Prices for one price list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceListPrices {
    pub price_list_id: String,
    pub prices: Vec<PriceListPriceInput>,
}

/// Ids of prices of one price list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceListPriceIds {
    pub price_list_id: String,
    pub ids: Vec<String>,
}

/// A price change with its price set resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceChange {
    pub price_set_id: String,
    pub change: VariantPriceUpdate,
}

/// Price changes for one price list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceListPriceChanges {
    pub price_list_id: String,
    pub changes: Vec<PriceChange>,
}

/// Variant id → the id of its price set.
pub type VariantPriceSets = BTreeMap<String, String>;

// ---- helpers -------------------------------------------------------------

/// The live prices `ids` as inputs that recreate them (id, set, amount,
/// tier, title, rules), in the order of `ids`: two statements. An id that
/// is not a live price is `not_found`.
async fn price_inputs(
    m: &PricingModule,
    ids: &[String],
) -> Result<Vec<PriceListPriceInput>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let prices = m.prices().list_by_ids(ids).await?;
    let filter = PriceRuleFilter {
        price_id: Some(FieldFilter::In(ids.to_vec())),
        ..Default::default()
    };
    let mut rules: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    for rule in m
        .price_rules()
        .list(&filter, &ListConfig::default())
        .await?
    {
        rules
            .entry(rule.price_id)
            .or_default()
            .insert(rule.attribute, rule.value);
    }
    ids.iter()
        .map(|id| {
            let price = prices
                .iter()
                .find(|p| &p.id == id)
                .ok_or_else(|| Error::not_found(format!("Price with id: {id} was not found")))?;
            Ok(PriceListPriceInput {
                id: Some(price.id.clone()),
                price_set_id: price.price_set_id.clone(),
                title: price.title.clone(),
                amount: price.amount,
                currency_code: price.currency_code.clone(),
                min_quantity: price.min_quantity,
                max_quantity: price.max_quantity,
                rules: rules.remove(id).unwrap_or_default(),
            })
        })
        .collect()
}

/// A list rule's stored value (a string or an array of strings) as the
/// values [`PricingModule::set_price_list_rules`] takes.
fn rule_values(value: &Value) -> Vec<String> {
    match value {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

// ---- steps ---------------------------------------------------------------

/// `validate-variant-price-links`: the price set of every variant, through
/// the `product_variant ↔ price_set` link, in one statement. A variant
/// without a price set (or unknown) is Medusa's `invalid_data` "No price
/// set exist for variants: …". Reads only.
#[derive(Debug, Default)]
pub struct ValidateVariantPriceLinksStep;

#[async_trait]
impl Step for ValidateVariantPriceLinksStep {
    type Input = Vec<String>;
    type Output = VariantPriceSets;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "validate-variant-price-links"
    }

    async fn invoke(
        &self,
        variant_ids: Vec<String>,
        ctx: &StepContext,
    ) -> Result<StepResponse<VariantPriceSets, ()>, StepError> {
        let ids = dedup(variant_ids);
        if ids.is_empty() {
            return Ok(StepResponse::with_compensation(BTreeMap::new(), ()));
        }
        let links = ctx.service::<Links>()?;
        let sets: VariantPriceSets = links
            .list("product_variant", &ids, "price_set")
            .await?
            .into_iter()
            .collect();
        let missing: Vec<&str> = ids
            .iter()
            .filter(|id| !sets.contains_key(*id))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::invalid_data(format!(
                "No price set exist for variants: {}",
                missing.join(", ")
            ))
            .into());
        }
        Ok(StepResponse::with_compensation(sets, ()))
    }

    async fn compensate(&self, _: (), _: &StepContext) -> Result<(), StepError> {
        Ok(())
    }
}

/// `validate-price-lists`: the batch's price list is live, else
/// `not_found`. Reads only.
#[derive(Debug, Default)]
pub struct ValidatePriceListStep;

#[async_trait]
impl Step for ValidatePriceListStep {
    type Input = PriceListPricesBatch;
    type Output = PriceListPricesBatch;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "validate-price-lists"
    }

    async fn invoke(
        &self,
        batch: PriceListPricesBatch,
        ctx: &StepContext,
    ) -> Result<StepResponse<PriceListPricesBatch, ()>, StepError> {
        let m = ctx.module::<PricingModule>()?;
        let found = m
            .price_lists()
            .list_by_ids(std::slice::from_ref(&batch.price_list_id))
            .await?;
        if found.is_empty() {
            return Err(price_list_not_found(&batch.price_list_id).into());
        }
        Ok(StepResponse::with_compensation(batch, ()))
    }

    async fn compensate(&self, _: (), _: &StepContext) -> Result<(), StepError> {
        Ok(())
    }
}

/// `create-price-lists` (⇐ deleted for good, with their rules and prices).
#[derive(Debug, Default)]
pub struct CreatePriceListsStep;

#[async_trait]
impl Step for CreatePriceListsStep {
    type Input = Vec<CreatePriceListInput>;
    type Output = Vec<PriceList>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "create-price-lists"
    }

    async fn invoke(
        &self,
        input: Vec<CreatePriceListInput>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<PriceList>, Vec<String>>, StepError> {
        let created = ctx
            .module::<PricingModule>()?
            .create_price_lists(input)
            .await?;
        let ids = created.iter().map(|l| l.id.clone()).collect();
        Ok(StepResponse::with_compensation(created, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<PricingModule>()?
                .price_lists()
                .delete(&ids)
                .await?;
        }
        Ok(())
    }
}

/// Price lists as they were before an update: rows and rules.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriceListsBefore {
    pub rows: Vec<PriceList>,
    /// The previous rules of the lists whose rules the update replaced.
    pub rules: Vec<(String, BTreeMap<String, Vec<String>>)>,
}

/// `update-price-lists`: fields through the generated update, rules
/// replaced where given (⇐ previous rules set again, previous rows
/// written back). An unknown list is `not_found`; a list that would end
/// before it starts is `invalid_data`; nothing changes then.
#[derive(Debug, Default)]
pub struct UpdatePriceListsStep;

#[async_trait]
impl Step for UpdatePriceListsStep {
    type Input = Vec<PriceListChange>;
    type Output = Vec<PriceList>;
    type CompensateInput = PriceListsBefore;

    fn name(&self) -> &str {
        "update-price-lists"
    }

    async fn invoke(
        &self,
        changes: Vec<PriceListChange>,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<PriceList>, PriceListsBefore>, StepError> {
        let m = ctx.module::<PricingModule>()?;
        let ids = dedup(changes.iter().map(|c| c.id.clone()));
        let rows = m.price_lists().list_by_ids(&ids).await?;
        for change in &changes {
            let row = rows
                .iter()
                .find(|r| r.id == change.id)
                .ok_or_else(|| price_list_not_found(&change.id))?;
            let starts = change.update.starts_at.unwrap_or(row.starts_at);
            let ends = change.update.ends_at.unwrap_or(row.ends_at);
            if let (Some(starts), Some(ends)) = (starts, ends)
                && ends < starts
            {
                let title = change.update.title.as_deref().unwrap_or(&row.title);
                return Err(Error::invalid_data(format!(
                    "The price list {title} ends before it starts"
                ))
                .into());
            }
        }
        let with_rules: Vec<String> = changes
            .iter()
            .filter(|c| c.rules.is_some())
            .map(|c| c.id.clone())
            .collect();
        let mut previous_rules = m.price_list_rules_of(&with_rules).await?;
        let before = PriceListsBefore {
            rows,
            rules: dedup(with_rules)
                .into_iter()
                .map(|id| {
                    let rules = previous_rules
                        .remove(&id)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|(attribute, value)| (attribute, rule_values(&value)))
                        .collect();
                    (id, rules)
                })
                .collect(),
        };
        let fields: Vec<(String, UpdatePriceList)> = changes
            .iter()
            .filter(|c| c.update != UpdatePriceList::default())
            .map(|c| (c.id.clone(), c.update.clone()))
            .collect();
        let applied = async {
            if !fields.is_empty() {
                m.price_lists().update_many(fields).await?;
            }
            for change in changes {
                if let Some(rules) = change.rules {
                    m.set_price_list_rules(&change.id, rules).await?;
                }
            }
            m.price_lists().list_by_ids(&ids).await
        }
        .await;
        match applied {
            Ok(updated) => Ok(StepResponse::with_compensation(updated, before)),
            Err(err) => {
                // Part of the changes may be written: put everything back.
                if let Err(undo) = revert_price_lists(&m, before).await {
                    crate::domain::log_undo_failure("update-price-lists", &undo);
                }
                Err(err.into())
            }
        }
    }

    async fn compensate(
        &self,
        before: PriceListsBefore,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let m = ctx.module::<PricingModule>()?;
        revert_price_lists(&m, before).await?;
        Ok(())
    }
}

/// Write price lists back as they were: rules first (which touches
/// `rules_count`), then the rows.
async fn revert_price_lists(m: &PricingModule, before: PriceListsBefore) -> Result<(), Error> {
    for (id, rules) in before.rules {
        m.set_price_list_rules(&id, rules).await?;
    }
    m.price_lists().overwrite(&before.rows).await
}

/// `add-price-list-prices` (⇐ the new prices deleted for good).
#[derive(Debug, Default)]
pub struct AddPriceListPricesStep;

#[async_trait]
impl Step for AddPriceListPricesStep {
    type Input = PriceListPrices;
    type Output = Vec<PriceDetail>;
    type CompensateInput = Vec<String>;

    fn name(&self) -> &str {
        "add-price-list-prices"
    }

    async fn invoke(
        &self,
        input: PriceListPrices,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<PriceDetail>, Vec<String>>, StepError> {
        if input.prices.is_empty() {
            return Ok(StepResponse::with_compensation(Vec::new(), Vec::new()));
        }
        let added = ctx
            .module::<PricingModule>()?
            .add_price_list_prices(&input.price_list_id, input.prices)
            .await?;
        let ids = added.iter().map(|p| p.price.id.clone()).collect();
        Ok(StepResponse::with_compensation(added, ids))
    }

    async fn compensate(&self, ids: Vec<String>, ctx: &StepContext) -> Result<(), StepError> {
        if !ids.is_empty() {
            ctx.module::<PricingModule>()?.prices().delete(&ids).await?;
        }
        Ok(())
    }
}

/// `update-price-list-prices`: each price of the list keeps what the change
/// does not give (amount, currency, tier, rules) (⇐ the prices rewritten as
/// they were). A price that is not the list's is `not_found`.
#[derive(Debug, Default)]
pub struct UpdatePriceListPricesStep;

#[async_trait]
impl Step for UpdatePriceListPricesStep {
    type Input = PriceListPriceChanges;
    type Output = Vec<PriceDetail>;
    type CompensateInput = PriceListPrices;

    fn name(&self) -> &str {
        "update-price-list-prices"
    }

    async fn invoke(
        &self,
        input: PriceListPriceChanges,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<PriceDetail>, PriceListPrices>, StepError> {
        let price_list_id = input.price_list_id;
        if input.changes.is_empty() {
            let none = PriceListPrices {
                price_list_id,
                prices: Vec::new(),
            };
            return Ok(StepResponse::with_compensation(Vec::new(), none));
        }
        let m = ctx.module::<PricingModule>()?;
        let ids: Vec<String> = input.changes.iter().map(|c| c.change.id.clone()).collect();
        let previous = price_inputs(&m, &ids).await?;
        let merged: Vec<PriceListPriceInput> = input
            .changes
            .into_iter()
            .zip(&previous)
            .map(
                |(
                    PriceChange {
                        price_set_id,
                        change,
                    },
                    old,
                )| PriceListPriceInput {
                    id: Some(change.id),
                    price_set_id,
                    title: old.title.clone(),
                    amount: change.amount.unwrap_or(old.amount),
                    currency_code: change
                        .currency_code
                        .unwrap_or_else(|| old.currency_code.clone()),
                    min_quantity: change.min_quantity.unwrap_or(old.min_quantity),
                    max_quantity: change.max_quantity.unwrap_or(old.max_quantity),
                    rules: change.rules.unwrap_or_else(|| old.rules.clone()),
                },
            )
            .collect();
        let updated = m.update_price_list_prices(&price_list_id, merged).await?;
        Ok(StepResponse::with_compensation(
            updated,
            PriceListPrices {
                price_list_id,
                prices: previous,
            },
        ))
    }

    async fn compensate(
        &self,
        previous: PriceListPrices,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        if !previous.prices.is_empty() {
            ctx.module::<PricingModule>()?
                .update_price_list_prices(&previous.price_list_id, previous.prices)
                .await?;
        }
        Ok(())
    }
}

/// `remove-price-list-prices`: delete prices of a list for good, with
/// their rules (⇐ recreated with their ids, amounts, tiers and rules). A
/// price that is not the list's is `not_found`.
#[derive(Debug, Default)]
pub struct RemovePriceListPricesStep;

#[async_trait]
impl Step for RemovePriceListPricesStep {
    type Input = PriceListPriceIds;
    type Output = Vec<String>;
    type CompensateInput = PriceListPrices;

    fn name(&self) -> &str {
        "remove-price-list-prices"
    }

    async fn invoke(
        &self,
        input: PriceListPriceIds,
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<String>, PriceListPrices>, StepError> {
        let ids = dedup(input.ids);
        let m = ctx.module::<PricingModule>()?;
        let previous = price_inputs(&m, &ids).await?;
        m.remove_price_list_prices(&input.price_list_id, &ids)
            .await?;
        Ok(StepResponse::with_compensation(
            ids,
            PriceListPrices {
                price_list_id: input.price_list_id,
                prices: previous,
            },
        ))
    }

    async fn compensate(
        &self,
        removed: PriceListPrices,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        if !removed.prices.is_empty() {
            ctx.module::<PricingModule>()?
                .add_price_list_prices(&removed.price_list_id, removed.prices)
                .await?;
        }
        Ok(())
    }
}

// ---- workflows -----------------------------------------------------------

/// The variants `prices` name, in order, once each.
fn variants_of<'a>(prices: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    dedup(prices.into_iter().map(str::to_string))
}

/// `create-price-lists` (`POST /admin/price-lists`): the variants' price
/// sets are resolved (a variant without one fails the run before anything
/// is written), then the lists are created with their rules and prices.
pub fn create_price_lists() -> Workflow<Vec<NewPriceList>, Vec<PriceList>> {
    Workflow::<Vec<NewPriceList>>::new("create-price-lists")
        .then_with(
            |lists: &Vec<NewPriceList>| {
                variants_of(
                    lists
                        .iter()
                        .flat_map(|l| l.prices.iter().map(|p| p.variant_id.as_str())),
                )
            },
            ValidateVariantPriceLinksStep,
            |lists, sets| {
                lists
                    .into_iter()
                    .map(|l| CreatePriceListInput {
                        prices: l
                            .prices
                            .into_iter()
                            .map(|p| {
                                let set = sets.get(&p.variant_id).cloned().unwrap_or_default();
                                p.for_set(set)
                            })
                            .collect(),
                        status: l.status,
                        r#type: l.r#type,
                        starts_at: l.starts_at,
                        ends_at: l.ends_at,
                        metadata: l.metadata,
                        rules: l.rules,
                        ..CreatePriceListInput::new(l.title, l.description)
                    })
                    .collect::<Vec<_>>()
            },
        )
        .then(CreatePriceListsStep)
}

/// `update-price-lists` (`POST /admin/price-lists/:id`).
pub fn update_price_lists() -> Workflow<Vec<PriceListChange>, Vec<PriceList>> {
    Workflow::<Vec<PriceListChange>>::new("update-price-lists").then(UpdatePriceListsStep)
}

/// `delete-price-lists` (`DELETE /admin/price-lists/:id`): soft delete,
/// with the lists' prices and rules (⇐ restored); an unknown id is
/// `not_found`.
pub fn delete_price_lists() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::<Vec<String>>::new("delete-price-lists").then(
        SoftDeleteEntities::<PricingModule, PriceList>::new("delete-price-lists").must_exist(),
    )
}

/// A batch with its variants resolved, and what its steps did so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct BatchState {
    price_list_id: String,
    create: Vec<PriceListPriceInput>,
    update: Vec<PriceChange>,
    delete: Vec<String>,
    result: PriceListPricesResult,
}

/// `batch-price-list-prices` (`POST /admin/price-lists/:id/prices/batch`,
/// `POST /admin/price-lists/:id/products`): the list must be live and
/// every variant priced; then prices are removed, added and updated, each
/// step undone if a later one fails.
pub fn batch_price_list_prices() -> Workflow<PriceListPricesBatch, PriceListPricesResult> {
    Workflow::<PriceListPricesBatch>::new("batch-price-list-prices")
        .then(ValidatePriceListStep)
        .then_with(
            |b: &PriceListPricesBatch| {
                variants_of(
                    b.create
                        .iter()
                        .map(|p| p.variant_id.as_str())
                        .chain(b.update.iter().map(|p| p.variant_id.as_str())),
                )
            },
            ValidateVariantPriceLinksStep,
            |b, sets| {
                let set_of = |variant: &str| sets.get(variant).cloned().unwrap_or_default();
                BatchState {
                    create: b
                        .create
                        .into_iter()
                        .map(|p| {
                            let set = set_of(&p.variant_id);
                            p.for_set(set)
                        })
                        .collect(),
                    update: b
                        .update
                        .into_iter()
                        .map(|change| PriceChange {
                            price_set_id: set_of(&change.variant_id),
                            change,
                        })
                        .collect(),
                    delete: b.delete,
                    price_list_id: b.price_list_id,
                    result: PriceListPricesResult::default(),
                }
            },
        )
        .then_with(
            |s: &BatchState| PriceListPriceIds {
                price_list_id: s.price_list_id.clone(),
                ids: s.delete.clone(),
            },
            RemovePriceListPricesStep,
            |mut s, deleted| {
                s.result.deleted = deleted;
                s
            },
        )
        .then_with(
            |s: &BatchState| PriceListPrices {
                price_list_id: s.price_list_id.clone(),
                prices: s.create.clone(),
            },
            AddPriceListPricesStep,
            |mut s, created| {
                s.result.created = created;
                s
            },
        )
        .then_with(
            |s: &BatchState| PriceListPriceChanges {
                price_list_id: s.price_list_id.clone(),
                changes: s.update.clone(),
            },
            UpdatePriceListPricesStep,
            |mut s, updated| {
                s.result.updated = updated;
                s
            },
        )
        .map(|s: BatchState| s.result)
}

/// `create-price-preferences` (`POST /admin/price-preferences`; ⇐ deleted
/// for good), raising `price-preference.created`.
pub fn create_price_preferences() -> Workflow<Vec<CreatePricePreference>, Vec<PricePreference>> {
    entity::create_workflow::<PricingModule, PricePreference>(
        "create-price-preferences",
        "price-preference",
    )
}

/// `update-price-preferences` (`POST /admin/price-preferences/:id`; ⇐
/// previous rows written back), raising `price-preference.updated`.
pub fn update_price_preferences()
-> Workflow<Vec<Update<stheno_pricing::UpdatePricePreference>>, Vec<PricePreference>> {
    entity::update_workflow::<PricingModule, PricePreference>(
        "update-price-preferences",
        "price-preference",
    )
}

/// `delete-price-preferences` (`DELETE /admin/price-preferences/:id`: soft;
/// ⇐ restored), raising `price-preference.deleted`.
pub fn delete_price_preferences() -> Workflow<Vec<String>, Vec<String>> {
    entity::soft_delete_workflow::<PricingModule, PricePreference>(
        "delete-price-preferences",
        "price-preference",
    )
}
