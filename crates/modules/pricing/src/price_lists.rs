//! Price lists with their rules and prices: nested creation, the prices
//! of a list added, rewritten and removed, the rules replaced, each in one
//! transaction of a fixed number of statements.

use std::collections::{BTreeMap, HashMap, HashSet};

use stheno_module_sdk::entity::{Entity, EntityService};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::{Error, Result};

use crate::PricingModule;
use crate::input::{CreatePriceListInput, PriceDetail, PriceInput, PriceListPriceInput};
use crate::models::{CreatePriceList, Price, PriceList, PriceSet, prefix};
use crate::write::{self, Emitted};

fn count(n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| Error::invalid_data("Too many rules on one price list"))
}

/// The distinct price sets that list prices point at.
fn set_ids(prices: &[PriceListPriceInput]) -> Vec<String> {
    let mut seen = HashSet::new();
    prices
        .iter()
        .filter(|p| seen.insert(p.price_set_id.as_str()))
        .map(|p| p.price_set_id.clone())
        .collect()
}

impl PricingModule {
    /// Create price lists with their rules and prices, in one transaction
    /// of at most five statements: every `price_set_id` must be a live
    /// price set (`not_found` naming the missing ones), the rules become
    /// [`PriceListRule`](crate::PriceListRule)s (`value` the array given)
    /// and `rules_count` is set. A list is a `draft` `sale` unless `status`
    /// and `type` say otherwise.
    pub async fn create_price_lists(
        &self,
        inputs: Vec<CreatePriceListInput>,
    ) -> Result<Vec<PriceList>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        let mut lists = Vec::with_capacity(inputs.len());
        let mut list_rules = Vec::new();
        let mut prices = Vec::new();
        let mut rules = Vec::new();
        let mut sets = Vec::new();
        for input in inputs {
            if let (Some(starts), Some(ends)) = (input.starts_at, input.ends_at)
                && ends < starts
            {
                return Err(Error::invalid_data(format!(
                    "The price list {} ends before it starts",
                    input.title
                )));
            }
            let id = input
                .id
                .clone()
                .unwrap_or_else(|| generate_id(prefix::PRICE_LIST));
            list_rules.extend(write::list_rule_inputs(&id, &input.rules));
            sets.extend(set_ids(&input.prices));
            for price in input.prices {
                let (price_set_id, price) = price.split();
                let (price, price_rules) = write::new_price(&price, &price_set_id, Some(&id))?;
                prices.push(price);
                rules.extend(price_rules);
            }
            lists.push(CreatePriceList {
                id: Some(id),
                status: input.status,
                r#type: input.r#type,
                starts_at: input.starts_at,
                ends_at: input.ends_at,
                rules_count: Some(count(input.rules.len())?),
                metadata: input.metadata,
                ..CreatePriceList::new(input.title, input.description)
            });
        }
        let s = self.services();
        self.price_lists()
            .transaction(move |tx| {
                Box::pin(async move {
                    EntityService::<PriceSet>::ensure_live_on(tx.conn(), &sets).await?;
                    let lists = s.lists.create_in(tx, lists).await?;
                    s.list_rules.create_in(tx, list_rules).await?;
                    write::insert(&s, tx, prices, rules).await?;
                    Ok(lists)
                })
            })
            .await
    }

    /// Add prices to a live price list (`not_found` otherwise; every
    /// `price_set_id` must be a live price set). One transaction with the
    /// list locked. Returns the new prices.
    pub async fn add_price_list_prices(
        &self,
        price_list_id: &str,
        prices: Vec<PriceListPriceInput>,
    ) -> Result<Vec<PriceDetail>> {
        let sets = set_ids(&prices);
        let mut rows = Vec::with_capacity(prices.len());
        let mut rules = Vec::new();
        for price in prices {
            let (price_set_id, price) = price.split();
            let (price, price_rules) =
                write::new_price(&price, &price_set_id, Some(price_list_id))?;
            rows.push(price);
            rules.extend(price_rules);
        }
        let s = self.services();
        let price_list_id = price_list_id.to_string();
        let (prices, rules) = self
            .price_lists()
            .transaction(move |tx| {
                Box::pin(async move {
                    s.lists.retrieve_for_update(tx, &price_list_id).await?;
                    EntityService::<PriceSet>::ensure_live_on(tx.conn(), &sets).await?;
                    write::insert(&s, tx, rows, rules).await
                })
            })
            .await?;
        Ok(write::details(prices, rules))
    }

    /// Rewrite prices of a price list: each input names (`id`) a live price
    /// of this list (`not_found` otherwise) and gives its new price set,
    /// amount, currency, tier, title and rules (replaced). One transaction
    /// with the list locked, at most six statements. Returns the prices in
    /// input order.
    pub async fn update_price_list_prices(
        &self,
        price_list_id: &str,
        prices: Vec<PriceListPriceInput>,
    ) -> Result<Vec<PriceDetail>> {
        let sets = set_ids(&prices);
        let rows: Vec<(String, PriceInput)> =
            prices.into_iter().map(PriceListPriceInput::split).collect();
        let mut ids = Vec::with_capacity(rows.len());
        for (_, price) in &rows {
            let id = price
                .id
                .clone()
                .ok_or_else(|| Error::invalid_data("A price to update needs its id"))?;
            if ids.contains(&id) {
                return Err(Error::invalid_data(format!(
                    "Price {id} is given more than once"
                )));
            }
            ids.push(id);
        }
        let s = self.services();
        let price_list_id = price_list_id.to_string();
        let (details, emitted) = self
            .price_lists()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut emitted = Emitted::default();
                    s.lists.retrieve_for_update(tx, &price_list_id).await?;
                    let of_list: HashSet<String> =
                        write::prices_where(&s, tx, "price_list_id", &price_list_id, false)
                            .await?
                            .into_iter()
                            .map(|p| p.id)
                            .collect();
                    if let Some(missing) = ids.iter().find(|id| !of_list.contains(*id)) {
                        return Err(Price::META.not_found(missing));
                    }
                    EntityService::<PriceSet>::ensure_live_on(tx.conn(), &sets).await?;
                    write::delete_rules_of(tx, &ids, &mut emitted).await?;
                    let refs: Vec<(String, &PriceInput)> =
                        rows.iter().map(|(set, p)| (set.clone(), p)).collect();
                    let updated = write::update_prices(tx, &refs, &mut emitted).await?;
                    let mut rules = Vec::new();
                    for (set, price) in &rows {
                        rules.extend(write::new_price(price, set, Some(&price_list_id))?.1);
                    }
                    let rules = s.rules.create_in(tx, rules).await?;
                    Ok((write::details(updated, rules), emitted))
                })
            })
            .await?;
        self.emit(emitted).await;
        Ok(details)
    }

    /// Delete (for good) prices of a price list with their rules. Every id
    /// must be a live price of this list (`not_found` otherwise). One
    /// transaction with the list locked.
    pub async fn remove_price_list_prices(
        &self,
        price_list_id: &str,
        price_ids: &[String],
    ) -> Result<()> {
        if price_ids.is_empty() {
            return Ok(());
        }
        let s = self.services();
        let price_list_id = price_list_id.to_string();
        let ids = price_ids.to_vec();
        let emitted = self
            .price_lists()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut emitted = Emitted::default();
                    s.lists.retrieve_for_update(tx, &price_list_id).await?;
                    let of_list: HashSet<String> =
                        write::prices_where(&s, tx, "price_list_id", &price_list_id, false)
                            .await?
                            .into_iter()
                            .map(|p| p.id)
                            .collect();
                    if let Some(missing) = ids.iter().find(|id| !of_list.contains(*id)) {
                        return Err(Price::META.not_found(missing));
                    }
                    write::delete_prices(tx, &ids, &mut emitted).await?;
                    Ok(emitted)
                })
            })
            .await?;
        self.emit(emitted).await;
        Ok(())
    }

    /// Replace a price list's rules with `rules` (attribute → the values
    /// any of which the context must carry) and set `rules_count`. One
    /// transaction with the list locked; returns the list.
    pub async fn set_price_list_rules(
        &self,
        price_list_id: &str,
        rules: BTreeMap<String, Vec<String>>,
    ) -> Result<PriceList> {
        let s = self.services();
        let price_list_id = price_list_id.to_string();
        let (list, emitted) = self
            .price_lists()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut emitted = Emitted::default();
                    s.lists.retrieve_for_update(tx, &price_list_id).await?;
                    let key = std::slice::from_ref(&price_list_id);
                    write::delete_list_rules(tx, "price_list_id", key, None, &mut emitted).await?;
                    let inputs = write::list_rule_inputs(&price_list_id, &rules);
                    s.list_rules.create_in(tx, inputs).await?;
                    let list = write::recount_list_rules(tx, &price_list_id).await?;
                    Ok((list, emitted))
                })
            })
            .await?;
        self.emit(emitted).await;
        Ok(list)
    }

    /// Remove the rules on `attributes` from a price list and set
    /// `rules_count`. One transaction with the list locked; returns the
    /// list.
    pub async fn remove_price_list_rules(
        &self,
        price_list_id: &str,
        attributes: &[String],
    ) -> Result<PriceList> {
        let s = self.services();
        let price_list_id = price_list_id.to_string();
        let attributes = attributes.to_vec();
        let (list, emitted) = self
            .price_lists()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut emitted = Emitted::default();
                    s.lists.retrieve_for_update(tx, &price_list_id).await?;
                    let key = std::slice::from_ref(&price_list_id);
                    let extra = Some(("attribute", attributes.as_slice()));
                    write::delete_list_rules(tx, "price_list_id", key, extra, &mut emitted).await?;
                    let list = write::recount_list_rules(tx, &price_list_id).await?;
                    Ok((list, emitted))
                })
            })
            .await?;
        self.emit(emitted).await;
        Ok(list)
    }

    /// The rules of price lists as Medusa shows them (`{attribute:
    /// value}`, value a string or an array), by list id: one statement.
    pub async fn price_list_rules_of(
        &self,
        price_list_ids: &[String],
    ) -> Result<HashMap<String, BTreeMap<String, serde_json::Value>>> {
        if price_list_ids.is_empty() {
            return Ok(HashMap::new());
        }
        let condition = stheno_module_sdk::entity::Condition::In {
            column: "price_list_id",
            values: price_list_ids
                .iter()
                .cloned()
                .map(stheno_module_sdk::entity::Bind::Text)
                .collect(),
            negated: false,
        };
        let rules = self
            .price_list_rules()
            .list_where(&condition, &Default::default())
            .await?;
        let mut out: HashMap<String, BTreeMap<String, serde_json::Value>> = HashMap::new();
        for rule in rules {
            out.entry(rule.price_list_id).or_default().insert(
                rule.attribute,
                rule.value.unwrap_or(serde_json::Value::Null),
            );
        }
        Ok(out)
    }
}
