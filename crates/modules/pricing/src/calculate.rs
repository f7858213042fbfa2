//! The calculated price: which price of a price set applies in a pricing
//! context, for any number of price sets in one statement.
//!
//! Selection (Medusa 2.21's `calculatePrices`):
//! 1. A candidate is a live price of the set in the context's currency
//!    whose rules all match the context and whose quantity tier holds the
//!    quantity (without a quantity: `min_quantity` null or ≤ 1). A price of
//!    a list is a candidate only when the list is live, `active`, inside
//!    `starts_at`..`ends_at` and each of its rules matches.
//! 2. A rule matches when the context has its attribute with a matching
//!    value: for a numeric context value the rule's operator compares it
//!    with the rule's value (`gte`: context ≥ value); for a string (or each
//!    string of an array) it is equality, whatever the operator. A list
//!    rule matches when one of its values is one of the context's values.
//! 3. Candidates rank list prices first, then more rules (the price's and
//!    its list's) first, then the lower amount.
//! 4. The *default* price is the best base price, the *list* price the
//!    best list price. An `override` list price is the calculated and the
//!    original price. A `sale` list price is the calculated price when it is
//!    not above the default price (a sale price above the base price is
//!    ignored). The original price is the best `override` list price if
//!    any, else the default price (else, for a set priced only by a sale
//!    list, the calculated price).
//! 5. A price is tax inclusive by the region's price preference when it
//!    carries a `region_id` rule equal to the context's region and that
//!    preference exists, else by the currency's preference, else not.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::sql::DynSql;
use stheno_module_sdk::entity::{Bind, Entity};
use stheno_module_sdk::money::{Amount, Decimal};
use stheno_module_sdk::{Error, Result};

use crate::PricingModule;
use crate::models::{Price, PriceList, PriceListRule, PriceListType, PricePreference, PriceRule};

/// The context attribute of a customer's groups.
pub const CUSTOMER_GROUPS: &str = "customer.groups.id";

/// What prices are calculated for: the currency (required), and the
/// attributes rules are matched against — the region, the customer's
/// groups (`customer.groups.id`), a quantity, and any other attribute by
/// name in `other` (nested objects are flattened to dotted names:
/// `{"customer": {"id": "cus_1"}}` is `customer.id`; arrays give several
/// values; numbers are compared with the rules' operators).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PricingContext {
    pub currency_code: Option<String>,
    pub region_id: Option<String>,
    pub customer_group_ids: Vec<String>,
    pub quantity: Option<Decimal>,
    pub other: BTreeMap<String, Value>,
}

impl PricingContext {
    /// A context for prices in `currency_code`.
    pub fn new(currency_code: impl Into<String>) -> Self {
        Self {
            currency_code: Some(currency_code.into()),
            ..Self::default()
        }
    }

    /// The same context in a region.
    pub fn region(mut self, region_id: impl Into<String>) -> Self {
        self.region_id = Some(region_id.into());
        self
    }

    /// The same context for a customer in these groups.
    pub fn customer_groups(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.customer_group_ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// The same context for a quantity.
    pub fn quantity(mut self, quantity: impl Into<Decimal>) -> Self {
        self.quantity = Some(quantity.into());
        self
    }

    /// The same context with one more attribute.
    pub fn with(mut self, attribute: impl Into<String>, value: impl Into<Value>) -> Self {
        self.other.insert(attribute.into(), value.into());
        self
    }

    /// `(attribute, value as text, value as number if it is one)` for every
    /// value the context carries.
    fn pairs(&self) -> Vec<(String, String, Option<String>)> {
        let mut out = Vec::new();
        if let Some(region) = self.region_id.as_deref().filter(|r| !r.is_empty()) {
            out.push(("region_id".to_string(), region.to_string(), None));
        }
        for group in self.customer_group_ids.iter().filter(|g| !g.is_empty()) {
            out.push((CUSTOMER_GROUPS.to_string(), group.clone(), None));
        }
        for (key, value) in &self.other {
            flatten(key, value, &mut out);
        }
        out
    }
}

fn flatten(key: &str, value: &Value, out: &mut Vec<(String, String, Option<String>)>) {
    match value {
        Value::Null => {}
        Value::String(s) if s.is_empty() => {}
        Value::String(s) => out.push((key.to_string(), s.clone(), None)),
        Value::Number(n) => {
            let text = n.to_string();
            let numeric = Decimal::from_str(&text)
                .or_else(|_| Decimal::from_scientific(&text))
                .ok()
                .map(|d| d.normalize().to_string());
            out.push((key.to_string(), text, numeric));
        }
        Value::Bool(b) => out.push((key.to_string(), b.to_string(), None)),
        Value::Array(items) => {
            for item in items {
                if !item.is_array() {
                    flatten(key, item, out);
                }
            }
        }
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&format!("{key}.{k}"), v, out);
            }
        }
    }
}

/// The price behind a calculated or original amount.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalculatedPriceSource {
    pub id: String,
    pub price_list_id: Option<String>,
    pub price_list_type: Option<PriceListType>,
    pub min_quantity: Option<Amount>,
    pub max_quantity: Option<Amount>,
}

/// Medusa's `calculated_price` of a price set: the amount to charge and
/// the amount it is compared with (`original_amount`), where each comes
/// from and whether it includes tax. Amounts are JSON numbers, `raw_*`
/// their `{value, precision: 20}` twins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalculatedPrice {
    /// The price set's id.
    pub id: String,
    pub is_calculated_price_price_list: bool,
    pub is_calculated_price_tax_inclusive: bool,
    pub calculated_amount: Amount,
    pub raw_calculated_amount: Value,
    pub is_original_price_price_list: bool,
    pub is_original_price_tax_inclusive: bool,
    pub original_amount: Amount,
    pub raw_original_amount: Value,
    pub currency_code: String,
    pub calculated_price: CalculatedPriceSource,
    pub original_price: CalculatedPriceSource,
}

/// A candidate price as the query returns it.
#[derive(Debug, Deserialize)]
struct Candidate {
    id: String,
    price_set_id: String,
    price_list_id: Option<String>,
    price_list_type: Option<PriceListType>,
    currency_code: String,
    amount: Amount,
    min_quantity: Option<Amount>,
    max_quantity: Option<Amount>,
    rules: i64,
    region_rule: bool,
    region_tax_inclusive: Option<bool>,
    currency_tax_inclusive: Option<bool>,
}

impl Candidate {
    /// List prices first, then more rules, then the lower amount (`id`
    /// breaks ties).
    fn rank(&self, other: &Self) -> Ordering {
        other
            .price_list_id
            .is_some()
            .cmp(&self.price_list_id.is_some())
            .then(other.rules.cmp(&self.rules))
            .then(self.amount.cmp(&other.amount))
            .then(self.id.cmp(&other.id))
    }

    fn tax_inclusive(&self) -> bool {
        match (self.region_rule, self.region_tax_inclusive) {
            (true, Some(inclusive)) => inclusive,
            _ => self.currency_tax_inclusive.unwrap_or(false),
        }
    }

    fn source(&self) -> CalculatedPriceSource {
        // As Medusa: a zero bound shows as null.
        let bound = |q: Option<Amount>| q.filter(|q| !q.0.is_zero());
        CalculatedPriceSource {
            id: self.id.clone(),
            price_list_id: self.price_list_id.clone(),
            price_list_type: self.price_list_type,
            min_quantity: bound(self.min_quantity),
            max_quantity: bound(self.max_quantity),
        }
    }
}

/// The calculated price of one set from its candidates, ranked.
fn choose(price_set_id: &str, candidates: &[&Candidate]) -> Option<CalculatedPrice> {
    let default = candidates.iter().find(|c| c.price_list_id.is_none());
    let list = candidates.iter().find(|c| c.price_list_id.is_some());
    let calculated = match list {
        Some(l) if l.price_list_type == Some(PriceListType::Override) => Some(l),
        Some(l) => match default {
            Some(d) if d.amount < l.amount => Some(d),
            _ => Some(l),
        },
        None => default,
    }?;
    let original = candidates
        .iter()
        .find(|c| c.price_list_id.is_some() && c.price_list_type != Some(PriceListType::Sale))
        .or(default)
        .unwrap_or(calculated);
    Some(CalculatedPrice {
        id: price_set_id.to_string(),
        is_calculated_price_price_list: calculated.price_list_id.is_some(),
        is_calculated_price_tax_inclusive: calculated.tax_inclusive(),
        calculated_amount: calculated.amount,
        raw_calculated_amount: calculated.amount.raw(),
        is_original_price_price_list: original.price_list_id.is_some(),
        is_original_price_tax_inclusive: original.tax_inclusive(),
        original_amount: original.amount,
        raw_original_amount: original.amount.raw(),
        currency_code: calculated.currency_code.clone(),
        calculated_price: calculated.source(),
        original_price: original.source(),
    })
}

/// A price rule `r` matched by a context row `c`.
const RULE_MATCHES: &str = r"c.attribute = r.attribute AND CASE
    WHEN c.num IS NOT NULL AND r.value ~ '^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)\s*$' THEN CASE r.operator
        WHEN 'gt' THEN c.num > r.value::numeric
        WHEN 'gte' THEN c.num >= r.value::numeric
        WHEN 'lt' THEN c.num < r.value::numeric
        WHEN 'lte' THEN c.num <= r.value::numeric
        ELSE c.num = r.value::numeric END
    ELSE r.value = c.value END";

/// A price-list rule `lr` matched by a context row `c`: one of its values
/// (a string or an array) is the context value.
const LIST_RULE_MATCHES: &str = "c.attribute = lr.attribute AND c.value IN (
    SELECT jsonb_array_elements_text(CASE jsonb_typeof(lr.value)
        WHEN 'array' THEN lr.value ELSE jsonb_build_array(lr.value) END))";

impl PricingModule {
    /// The calculated price of each price set of `price_set_ids` in
    /// `context`, in the order of the ids (duplicates once). A set with no
    /// applicable price has no entry: the caller leaves its
    /// `calculated_price` out. One SQL statement whatever the number of
    /// sets (none for no ids). `invalid_data` without a currency, as
    /// Medusa.
    pub async fn calculate_prices(
        &self,
        price_set_ids: &[String],
        context: &PricingContext,
    ) -> Result<Vec<CalculatedPrice>> {
        let currency = context
            .currency_code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| {
                Error::invalid_data(
                    "Method calculatePrices requires currency_code in the pricing context",
                )
            })?;
        let ids = stheno_module_sdk::list::dedup(price_set_ids.iter().cloned());
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = candidates_sql(&ids, currency, context);
        let mut conn = self.context().db().get().await?;
        let mut candidates: Vec<Candidate> = sql
            .load_json(&mut conn)
            .await?
            .into_iter()
            .map(serde_json::from_value)
            .collect::<std::result::Result<_, _>>()?;
        candidates.sort_by(|a, b| a.rank(b));
        let mut by_set: HashMap<&str, Vec<&Candidate>> = HashMap::new();
        for c in &candidates {
            by_set.entry(c.price_set_id.as_str()).or_default().push(c);
        }
        Ok(ids
            .iter()
            .filter_map(|id| choose(id, by_set.get(id.as_str())?))
            .collect())
    }
}

/// The statement returning every candidate price of `ids` with what
/// ranking and tax inclusiveness need.
fn candidates_sql(ids: &[String], currency: &str, context: &PricingContext) -> DynSql {
    let (price, rule, list, list_rule, preference) = (
        Price::META.table,
        PriceRule::META.table,
        PriceList::META.table,
        PriceListRule::META.table,
        PricePreference::META.table,
    );
    let pairs = context.pairs();
    let region = context.region_id.clone().unwrap_or_default();
    let text = |s: &str| Bind::Text(s.to_string());

    let mut sql = DynSql::new(
        "WITH ctx AS (SELECT c.attribute, c.value, NULLIF(c.num, '')::numeric AS num \
         FROM unnest(",
    );
    sql.bind_array(pairs.iter().map(|p| p.0.clone()).collect(), "text");
    sql.push(", ");
    sql.bind_array(pairs.iter().map(|p| p.1.clone()).collect(), "text");
    sql.push(", ");
    sql.bind_array(
        pairs
            .iter()
            .map(|p| p.2.clone().unwrap_or_default())
            .collect(),
        "text",
    );
    sql.push(&format!(
        ") AS c(attribute, value, num)) \
         SELECT jsonb_build_object('id', p.id, 'price_set_id', p.price_set_id, \
         'price_list_id', p.price_list_id, 'price_list_type', pl.\"type\", \
         'currency_code', p.currency_code, 'amount', p.amount::text, \
         'min_quantity', p.min_quantity::text, 'max_quantity', p.max_quantity::text, \
         'rules', (SELECT count(*) FROM \"{rule}\" r WHERE r.price_id = p.id AND r.deleted_at IS NULL) \
            + COALESCE((SELECT count(*) FROM \"{list_rule}\" lr \
              WHERE lr.price_list_id = pl.id AND lr.deleted_at IS NULL), 0), \
         'region_rule', EXISTS (SELECT 1 FROM \"{rule}\" r WHERE r.price_id = p.id \
            AND r.deleted_at IS NULL AND r.attribute = 'region_id' AND r.value = "
    ));
    sql.bind(text(&region), "text");
    sql.push(&format!(
        "), 'region_tax_inclusive', (SELECT pp.is_tax_inclusive FROM \"{preference}\" pp \
            WHERE pp.deleted_at IS NULL AND pp.attribute = 'region_id' AND pp.value = "
    ));
    sql.bind(text(&region), "text");
    sql.push(&format!(
        " LIMIT 1), 'currency_tax_inclusive', (SELECT pp.is_tax_inclusive FROM \"{preference}\" pp \
            WHERE pp.deleted_at IS NULL AND pp.attribute = 'currency_code' AND pp.value = "
    ));
    sql.bind(text(currency), "text");
    sql.push(&format!(
        " LIMIT 1)) AS record \
         FROM \"{price}\" p LEFT JOIN \"{list}\" pl ON pl.id = p.price_list_id \
         WHERE p.deleted_at IS NULL AND p.price_set_id = ANY("
    ));
    sql.bind_array(ids.to_vec(), "text");
    sql.push(") AND p.currency_code = ");
    sql.bind(text(currency), "text");
    sql.push(&format!(
        " AND (p.price_list_id IS NULL OR (pl.deleted_at IS NULL AND pl.status = 'active' \
            AND (pl.starts_at IS NULL OR pl.starts_at <= now()) \
            AND (pl.ends_at IS NULL OR pl.ends_at >= now()) \
            AND NOT EXISTS (SELECT 1 FROM \"{list_rule}\" lr \
                WHERE lr.price_list_id = pl.id AND lr.deleted_at IS NULL \
                AND NOT EXISTS (SELECT 1 FROM ctx c WHERE {LIST_RULE_MATCHES})))) \
         AND NOT EXISTS (SELECT 1 FROM \"{rule}\" r WHERE r.price_id = p.id AND r.deleted_at IS NULL \
            AND NOT EXISTS (SELECT 1 FROM ctx c WHERE {RULE_MATCHES}))"
    ));
    match context.quantity {
        Some(q) => {
            sql.push(" AND (p.min_quantity IS NULL OR p.min_quantity <= ");
            sql.bind(Bind::Text(q.to_string()), "numeric");
            sql.push(") AND (p.max_quantity IS NULL OR p.max_quantity >= ");
            sql.bind(Bind::Text(q.to_string()), "numeric");
            sql.push(")");
        }
        None => {
            sql.push(" AND (p.min_quantity IS NULL OR p.min_quantity <= 1)");
        }
    }
    sql
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn context_flattens_to_dotted_attributes() {
        let ctx = PricingContext::new("eur")
            .region("reg_1")
            .customer_groups(["g1", "g2"])
            .with("customer", json!({"id": "cus_1", "tags": ["a", ""]}))
            .with("item_total", json!(100.50))
            .with("empty", json!(null));
        let pairs = ctx.pairs();
        assert_eq!(
            pairs,
            vec![
                ("region_id".into(), "reg_1".into(), None),
                ("customer.groups.id".into(), "g1".into(), None),
                ("customer.groups.id".into(), "g2".into(), None),
                ("customer.id".into(), "cus_1".into(), None),
                ("customer.tags".into(), "a".into(), None),
                ("item_total".into(), "100.5".into(), Some("100.5".into())),
            ]
        );
    }

    #[test]
    fn context_travels_as_json() {
        let ctx = PricingContext::new("eur")
            .region("reg_1")
            .quantity(Decimal::new(25, 1))
            .with("customer_id", json!("cus_1"));
        let back: PricingContext =
            serde_json::from_value(serde_json::to_value(&ctx).unwrap()).unwrap();
        assert_eq!(back, ctx);
        let sparse: PricingContext =
            serde_json::from_value(json!({"currency_code": "usd"})).unwrap();
        assert_eq!(sparse, PricingContext::new("usd"));
    }
}
