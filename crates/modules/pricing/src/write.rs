//! Batched writes of prices and rules inside one transaction, shared by the
//! price-set and price-list operations: each helper is one statement,
//! whatever the number of rows.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};
use stheno_module_sdk::entity::sql::{DynSql, record_expr_exact};
use stheno_module_sdk::entity::{Bind, Condition, Entity, EntityService, ListConfig, Op, Tx};
use stheno_module_sdk::events::Event;
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::time;
use stheno_module_sdk::{Error, Result};

use crate::input::{PriceDetail, PriceInput};
use crate::models::{
    CreatePrice, CreatePriceListRule, CreatePriceRule, Price, PriceList, PriceListRule, PriceRule,
    PriceSet, prefix,
};

/// The module's generated services, cloned into transactions.
#[derive(Clone)]
pub(crate) struct Services {
    pub sets: EntityService<PriceSet>,
    pub prices: EntityService<Price>,
    pub rules: EntityService<PriceRule>,
    pub lists: EntityService<PriceList>,
    pub list_rules: EntityService<PriceListRule>,
}

/// Events of hand-written statements, emitted after the commit (generated
/// writes inside the transaction hold their own).
#[derive(Default)]
pub(crate) struct Emitted(pub Vec<Event>);

impl Emitted {
    pub fn push<E: Entity>(&mut self, action: &str, ids: &[String]) {
        let meta = E::META;
        let name = format!("{}.{}.{action}", meta.module, meta.event_name);
        self.0
            .extend(Event::for_ids(&name, ids.iter().map(String::as_str)));
    }
}

/// The `eq` rules of a price as create inputs.
fn rule_inputs(price_id: &str, rules: &BTreeMap<String, String>) -> Vec<CreatePriceRule> {
    rules
        .iter()
        .map(|(attribute, value)| {
            CreatePriceRule::new(attribute.clone(), value.clone(), price_id.to_string())
        })
        .collect()
}

/// A price row to insert and its rules (the id chosen here, so rules can
/// point at it in the same batch).
pub(crate) fn new_price(
    input: &PriceInput,
    price_set_id: &str,
    price_list_id: Option<&str>,
) -> Result<(CreatePrice, Vec<CreatePriceRule>)> {
    check(input)?;
    let id = input
        .id
        .clone()
        .unwrap_or_else(|| generate_id(prefix::PRICE));
    let rules = rule_inputs(&id, &input.rules);
    let price = CreatePrice {
        id: Some(id),
        title: input.title.clone(),
        min_quantity: input.min_quantity,
        max_quantity: input.max_quantity,
        rules_count: Some(rules_count(&input.rules)?),
        price_list_id: price_list_id.map(str::to_string),
        ..CreatePrice::new(
            input.currency_code.clone(),
            input.amount,
            price_set_id.to_string(),
        )
    };
    Ok((price, rules))
}

fn rules_count<T>(rules: &BTreeMap<String, T>) -> Result<i32> {
    i32::try_from(rules.len()).map_err(|_| Error::invalid_data("Too many rules on one price"))
}

/// Refuse what no price can be: an empty currency, a negative amount, a
/// quantity tier whose minimum is above its maximum.
fn check(input: &PriceInput) -> Result<()> {
    if input.currency_code.trim().is_empty() {
        return Err(Error::invalid_data("A price needs a currency_code"));
    }
    if input.amount.0.is_sign_negative() && !input.amount.0.is_zero() {
        return Err(Error::invalid_data(format!(
            "The amount of a price cannot be negative, got {}",
            input.amount
        )));
    }
    if let (Some(min), Some(max)) = (input.min_quantity, input.max_quantity)
        && min > max
    {
        return Err(Error::invalid_data(format!(
            "min_quantity ({min}) cannot be greater than max_quantity ({max})"
        )));
    }
    Ok(())
}

/// Insert prices and rules: two statements, nothing when empty.
pub(crate) async fn insert(
    s: &Services,
    tx: &mut Tx<'_>,
    prices: Vec<CreatePrice>,
    rules: Vec<CreatePriceRule>,
) -> Result<(Vec<Price>, Vec<PriceRule>)> {
    let prices = s.prices.create_in(tx, prices).await?;
    let rules = s.rules.create_in(tx, rules).await?;
    Ok((prices, rules))
}

/// Prices with their rules, in the order of `prices`.
pub(crate) fn details(prices: Vec<Price>, rules: Vec<PriceRule>) -> Vec<PriceDetail> {
    let mut by_price: HashMap<String, Vec<PriceRule>> = HashMap::new();
    for rule in rules {
        by_price
            .entry(rule.price_id.clone())
            .or_default()
            .push(rule);
    }
    prices
        .into_iter()
        .map(|price| PriceDetail {
            price_rules: by_price.remove(&price.id).unwrap_or_default(),
            price,
        })
        .collect()
}

/// Live prices matching `column = value` (and, for base prices, no list).
pub(crate) async fn prices_where(
    s: &Services,
    tx: &mut Tx<'_>,
    column: &'static str,
    value: &str,
    base_only: bool,
) -> Result<Vec<Price>> {
    let mut all = vec![Condition::Compare {
        column,
        op: Op::Eq,
        value: Bind::Text(value.to_string()),
    }];
    if base_only {
        all.push(Condition::IsNull {
            column: "price_list_id",
            negated: false,
        });
    }
    s.prices
        .list_where_in(tx, &Condition::All(all), &ListConfig::default())
        .await
}

/// `DELETE FROM <table> WHERE <column> = ANY(keys) RETURNING id`.
async fn delete_returning(
    tx: &mut Tx<'_>,
    table: &str,
    column: &str,
    keys: &[String],
) -> Result<Vec<String>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = DynSql::new(&format!(
        "DELETE FROM \"{table}\" AS t WHERE t.\"{column}\" = ANY("
    ));
    sql.bind_array(keys.to_vec(), "text");
    sql.push(") RETURNING to_jsonb(t.id) AS record");
    let rows = sql.load_json(tx.conn()).await?;
    Ok(rows
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect())
}

/// Delete (for good) the rules of `price_ids`: one statement.
pub(crate) async fn delete_rules_of(
    tx: &mut Tx<'_>,
    price_ids: &[String],
    emitted: &mut Emitted,
) -> Result<()> {
    let ids = delete_returning(tx, PriceRule::META.table, "price_id", price_ids).await?;
    emitted.push::<PriceRule>("deleted", &ids);
    Ok(())
}

/// Delete (for good) prices and their rules: two statements.
pub(crate) async fn delete_prices(
    tx: &mut Tx<'_>,
    price_ids: &[String],
    emitted: &mut Emitted,
) -> Result<()> {
    delete_rules_of(tx, price_ids, emitted).await?;
    delete_prices_only(tx, price_ids, emitted).await
}

/// Delete (for good) prices whose rules are already gone: one statement.
pub(crate) async fn delete_prices_only(
    tx: &mut Tx<'_>,
    price_ids: &[String],
    emitted: &mut Emitted,
) -> Result<()> {
    let ids = delete_returning(tx, Price::META.table, "id", price_ids).await?;
    emitted.push::<Price>("deleted", &ids);
    Ok(())
}

/// Delete (for good) the rules of price lists: one statement.
pub(crate) async fn delete_list_rules(
    tx: &mut Tx<'_>,
    column: &str,
    keys: &[String],
    extra: Option<(&str, &[String])>,
    emitted: &mut Emitted,
) -> Result<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let table = PriceListRule::META.table;
    let mut sql = DynSql::new(&format!(
        "DELETE FROM \"{table}\" AS t WHERE t.\"{column}\" = ANY("
    ));
    sql.bind_array(keys.to_vec(), "text");
    sql.push(")");
    if let Some((column, values)) = extra {
        sql.push(&format!(" AND t.\"{column}\" = ANY("));
        sql.bind_array(values.to_vec(), "text");
        sql.push(")");
    }
    sql.push(" RETURNING to_jsonb(t.id) AS record");
    let ids: Vec<String> = sql
        .load_json(tx.conn())
        .await?
        .into_iter()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    emitted.push::<PriceListRule>("deleted", &ids);
    Ok(())
}

/// Rewrite existing prices from their inputs (amount, currency, tier,
/// title, rules count, price set): one `UPDATE … FROM jsonb_to_recordset`
/// for all of them. Returns the updated rows, in input order; an id with
/// no live row is `not_found`.
pub(crate) async fn update_prices(
    tx: &mut Tx<'_>,
    rows: &[(String, &PriceInput)],
    emitted: &mut Emitted,
) -> Result<Vec<Price>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut values = Vec::with_capacity(rows.len());
    for (price_set_id, input) in rows {
        check(input)?;
        let id = input
            .id
            .as_deref()
            .ok_or_else(|| Error::invalid_data("A price to update needs its id"))?;
        let text = |a: Option<stheno_module_sdk::money::Amount>| a.map(|a| a.to_string());
        values.push(json!({
            "id": id,
            "price_set_id": price_set_id,
            "title": input.title,
            "currency_code": input.currency_code,
            "amount": input.amount.to_string(),
            "raw_amount": input.amount.raw(),
            "min_quantity": text(input.min_quantity),
            "raw_min_quantity": input.min_quantity.map(|q| q.raw()),
            "max_quantity": text(input.max_quantity),
            "raw_max_quantity": input.max_quantity.map(|q| q.raw()),
            "rules_count": rules_count(&input.rules)?,
        }));
    }
    let meta = Price::META;
    let mut sql = DynSql::new(&format!(
        "UPDATE \"{}\" AS t SET title = u.title, currency_code = u.currency_code, \
         amount = u.amount, raw_amount = u.raw_amount, min_quantity = u.min_quantity, \
         raw_min_quantity = u.raw_min_quantity, max_quantity = u.max_quantity, \
         raw_max_quantity = u.raw_max_quantity, rules_count = u.rules_count, \
         price_set_id = u.price_set_id, updated_at = ",
        meta.table
    ));
    sql.bind(Bind::Text(time::now().to_rfc3339()), "timestamptz");
    sql.push(" FROM jsonb_to_recordset(");
    sql.bind(Bind::Text(Value::Array(values).to_string()), "jsonb");
    sql.push(
        ") AS u(id text, price_set_id text, title text, currency_code text, amount numeric, \
         raw_amount jsonb, min_quantity numeric, raw_min_quantity jsonb, max_quantity numeric, \
         raw_max_quantity jsonb, rules_count integer) \
         WHERE t.id = u.id AND t.deleted_at IS NULL",
    );
    sql.push(&format!(
        " RETURNING {} AS record",
        record_expr_exact(meta, "t")
    ));
    let records = sql.load_json(tx.conn()).await?;
    let mut by_id: HashMap<String, Price> = records
        .into_iter()
        .map(|r| serde_json::from_value::<Price>(r).map(|p| (p.id.clone(), p)))
        .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (_, input) in rows {
        let id = input.id.as_deref().unwrap_or_default();
        out.push(by_id.remove(id).ok_or_else(|| meta.not_found(id))?);
    }
    let ids: Vec<String> = out.iter().map(|p| p.id.clone()).collect();
    emitted.push::<Price>("updated", &ids);
    Ok(out)
}

/// A price list's rules as create inputs (`value` is the array given).
pub(crate) fn list_rule_inputs(
    price_list_id: &str,
    rules: &BTreeMap<String, Vec<String>>,
) -> Vec<CreatePriceListRule> {
    rules
        .iter()
        .map(|(attribute, values)| CreatePriceListRule {
            value: Some(json!(values)),
            ..CreatePriceListRule::new(attribute.clone(), price_list_id.to_string())
        })
        .collect()
}

/// Set `rules_count` of a price list to its live rules: one statement.
pub(crate) async fn recount_list_rules(tx: &mut Tx<'_>, price_list_id: &str) -> Result<PriceList> {
    let meta = PriceList::META;
    let mut sql = DynSql::new(&format!(
        "UPDATE \"{}\" AS t SET rules_count = (SELECT count(*) FROM \"{}\" r \
         WHERE r.price_list_id = t.id AND r.deleted_at IS NULL), updated_at = ",
        meta.table,
        PriceListRule::META.table
    ));
    sql.bind(Bind::Text(time::now().to_rfc3339()), "timestamptz");
    sql.push(" WHERE t.id = ");
    sql.bind(Bind::Text(price_list_id.to_string()), "text");
    sql.push(&format!(
        " RETURNING {} AS record",
        record_expr_exact(meta, "t")
    ));
    let record = sql
        .load_json(tx.conn())
        .await?
        .pop()
        .ok_or_else(|| meta.not_found(price_list_id))?;
    Ok(serde_json::from_value(record)?)
}
