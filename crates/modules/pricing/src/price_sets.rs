//! Price sets and their base prices: nested creation and replacement, each
//! a fixed number of statements in one transaction.

use std::collections::{HashMap, HashSet};

use stheno_module_sdk::entity::sql::DynSql;
use stheno_module_sdk::entity::{Bind, Condition, ListConfig};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::{Error, Result};

use crate::PricingModule;
use crate::input::{CreatePriceSetInput, PriceDetail, PriceInput, PriceSetDetail};
use crate::models::{CreatePriceSet, Price, prefix};
use crate::write::{self, Emitted};

fn ids_in(column: &'static str, ids: &[String]) -> Condition {
    Condition::In {
        column,
        values: ids.iter().cloned().map(Bind::Text).collect(),
        negated: false,
    }
}

impl PricingModule {
    /// Create price sets with their prices and the prices' rules, in one
    /// transaction of three inserts whatever the number of sets and prices.
    /// Each price's rules become `eq` [`PriceRule`](crate::PriceRule)s and
    /// its `rules_count` is set. Returns the sets in input order, each with
    /// its prices in input order.
    pub async fn create_price_sets(
        &self,
        inputs: Vec<CreatePriceSetInput>,
    ) -> Result<Vec<PriceSetDetail>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let mut sets = Vec::with_capacity(inputs.len());
        let mut prices = Vec::new();
        let mut rules = Vec::new();
        for input in &inputs {
            let id = input
                .id
                .clone()
                .unwrap_or_else(|| generate_id(prefix::PRICE_SET));
            for price in &input.prices {
                let (price, price_rules) = write::new_price(price, &id, None)?;
                prices.push(price);
                rules.extend(price_rules);
            }
            sets.push(CreatePriceSet { id: Some(id) });
        }
        let s = self.services();
        let (sets, prices, rules) = self
            .price_sets()
            .transaction(move |tx| {
                Box::pin(async move {
                    let sets = s.sets.create_in(tx, sets).await?;
                    let (prices, rules) = write::insert(&s, tx, prices, rules).await?;
                    Ok((sets, prices, rules))
                })
            })
            .await?;
        let mut by_set: HashMap<String, Vec<PriceDetail>> = HashMap::new();
        for detail in write::details(prices, rules) {
            by_set
                .entry(detail.price.price_set_id.clone())
                .or_default()
                .push(detail);
        }
        Ok(sets
            .into_iter()
            .map(|price_set| PriceSetDetail {
                prices: by_set.remove(&price_set.id).unwrap_or_default(),
                price_set,
            })
            .collect())
    }

    /// Add base prices to a live price set (`not_found` otherwise), in one
    /// transaction with the set locked. Returns the new prices.
    pub async fn add_prices(
        &self,
        price_set_id: &str,
        prices: Vec<PriceInput>,
    ) -> Result<Vec<PriceDetail>> {
        let mut rows = Vec::with_capacity(prices.len());
        let mut rules = Vec::new();
        for price in &prices {
            let (price, price_rules) = write::new_price(price, price_set_id, None)?;
            rows.push(price);
            rules.extend(price_rules);
        }
        let s = self.services();
        let price_set_id = price_set_id.to_string();
        let (prices, rules) = self
            .price_sets()
            .transaction(move |tx| {
                Box::pin(async move {
                    s.sets.retrieve_for_update(tx, &price_set_id).await?;
                    write::insert(&s, tx, rows, rules).await
                })
            })
            .await?;
        Ok(write::details(prices, rules))
    }

    /// Make the price set's base prices (those of no price list) exactly
    /// `prices`: an input with the `id` of one of them updates it (amount,
    /// currency, tier, title; its rules are replaced), an input without id
    /// is created, and the set's other base prices are deleted with their
    /// rules. An `id` that names no price at all is created with that id
    /// (how a step undoes a replacement, from [`PriceDetail::to_input`]); an
    /// id of another set's price or of a price-list price is `invalid_data`.
    ///
    /// One transaction with the set locked (`not_found` if it is not live):
    /// at most eight statements besides `BEGIN`/`COMMIT`, whatever the
    /// number of prices. Returns the set's base prices, in input order.
    pub async fn set_price_set_prices(
        &self,
        price_set_id: &str,
        prices: Vec<PriceInput>,
    ) -> Result<Vec<PriceDetail>> {
        let mut given = HashSet::new();
        for id in prices.iter().filter_map(|p| p.id.clone()) {
            if !given.insert(id.clone()) {
                return Err(Error::invalid_data(format!(
                    "Price {id} is given more than once"
                )));
            }
        }
        // Every input gets its id now, so rows and rules are matched by id.
        let prices: Vec<PriceInput> = prices
            .into_iter()
            .map(|mut p| {
                p.id.get_or_insert_with(|| generate_id(prefix::PRICE));
                p
            })
            .collect();
        let s = self.services();
        let price_set_id = price_set_id.to_string();
        let (details, emitted) = self
            .price_sets()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut emitted = Emitted::default();
                    s.sets.retrieve_for_update(tx, &price_set_id).await?;
                    let existing: Vec<String> =
                        write::prices_where(&s, tx, "price_set_id", &price_set_id, true)
                            .await?
                            .into_iter()
                            .map(|p| p.id)
                            .collect();
                    let id_of = |p: &PriceInput| p.id.clone().unwrap_or_default();
                    let (kept, fresh): (Vec<&PriceInput>, Vec<&PriceInput>) =
                        prices.iter().partition(|p| existing.contains(&id_of(p)));
                    let named: Vec<String> = fresh
                        .iter()
                        .map(|p| id_of(p))
                        .filter(|id| given.contains(id))
                        .collect();
                    refuse_taken(tx, &named).await?;
                    let kept_ids: Vec<String> = kept.iter().map(|p| id_of(p)).collect();
                    let removed: Vec<String> = existing
                        .into_iter()
                        .filter(|id| !kept_ids.contains(id))
                        .collect();
                    // The rules of removed and kept prices go (the kept
                    // ones get theirs anew), then the removed prices.
                    let stale = [removed.as_slice(), kept_ids.as_slice()].concat();
                    write::delete_rules_of(tx, &stale, &mut emitted).await?;
                    write::delete_prices_only(tx, &removed, &mut emitted).await?;
                    let rows: Vec<(String, &PriceInput)> =
                        kept.iter().map(|p| (price_set_id.clone(), *p)).collect();
                    let updated = write::update_prices(tx, &rows, &mut emitted).await?;
                    let mut creates = Vec::new();
                    let mut rules = Vec::new();
                    for price in &prices {
                        let (create, price_rules) = write::new_price(price, &price_set_id, None)?;
                        if fresh.iter().any(|f| f.id == create.id) {
                            creates.push(create);
                        }
                        rules.extend(price_rules);
                    }
                    let (created, rules) = write::insert(&s, tx, creates, rules).await?;
                    let mut by_id: HashMap<String, Price> = updated
                        .into_iter()
                        .chain(created)
                        .map(|p| (p.id.clone(), p))
                        .collect();
                    let ordered: Vec<Price> = prices
                        .iter()
                        .filter_map(|p| by_id.remove(&id_of(p)))
                        .collect();
                    Ok((write::details(ordered, rules), emitted))
                })
            })
            .await?;
        self.emit(emitted).await;
        Ok(details)
    }

    /// Price sets (live ones, in the order of `ids`; unknown ids skipped)
    /// with all their live prices and rules: three statements.
    pub async fn price_sets_with_prices(&self, ids: &[String]) -> Result<Vec<PriceSetDetail>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let config = ListConfig::default();
        let sets = self.price_sets().list_by_ids(ids).await?;
        let prices = self
            .prices()
            .list_where(&ids_in("price_set_id", ids), &config)
            .await?;
        let price_ids: Vec<String> = prices.iter().map(|p| p.id.clone()).collect();
        let rules = if price_ids.is_empty() {
            Vec::new()
        } else {
            self.price_rules()
                .list_where(&ids_in("price_id", &price_ids), &config)
                .await?
        };
        let mut by_set: HashMap<String, Vec<PriceDetail>> = HashMap::new();
        for detail in write::details(prices, rules) {
            by_set
                .entry(detail.price.price_set_id.clone())
                .or_default()
                .push(detail);
        }
        let mut by_id: HashMap<String, _> = sets.into_iter().map(|s| (s.id.clone(), s)).collect();
        Ok(ids
            .iter()
            .filter_map(|id| by_id.remove(id))
            .map(|price_set| PriceSetDetail {
                prices: by_set.remove(&price_set.id).unwrap_or_default(),
                price_set,
            })
            .collect())
    }
}

/// Refuse ids that name an existing price (of another set, of a list, or
/// soft-deleted): one statement, none when `ids` is empty.
async fn refuse_taken(tx: &mut stheno_module_sdk::entity::Tx<'_>, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut sql = DynSql::new("SELECT to_jsonb(t.id) AS record FROM \"price\" t WHERE t.id = ANY(");
    sql.bind_array(ids.to_vec(), "text");
    sql.push(")");
    let taken = sql.load_json(tx.conn()).await?;
    match taken.first().and_then(|v| v.as_str()) {
        Some(id) => Err(Error::invalid_data(format!(
            "Price {id} is not a price of this price set"
        ))),
        None => Ok(()),
    }
}
