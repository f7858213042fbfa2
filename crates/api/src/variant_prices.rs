//! `variants[].prices` of admin product and variant responses, as Medusa
//! answers them: the base prices of the variant's price set (through the
//! variant ↔ price set link), each `{id, title, amount, currency_code,
//! min_quantity, max_quantity, variant_id, price_set_id, rules,
//! created_at, updated_at}` with `rules` as `{attribute: value}`. Three
//! statements for the whole page (links, price sets with their prices).

use std::collections::HashMap;

use serde_json::{Map, Value};
use stheno_framework::Container;
use stheno_http::ApiResult;
use stheno_module_sdk::graph::{Record, Selection};
use stheno_pricing::PricingModule;

/// Take `prices` out of the selection (of `variants` when `nested`, the
/// records being products): it is not a column Query knows. Whether it
/// was asked for.
pub(crate) fn take(selection: &mut Selection, nested: bool) -> bool {
    let level = if nested {
        match selection.relations.get_mut("variants") {
            Some(v) => v,
            None => return false,
        }
    } else {
        selection
    };
    let asked = level.fields.remove("prices") | level.relations.remove("prices").is_some();
    if asked {
        level.fields.insert("id".into());
    }
    asked
}

/// Add `prices` to every variant of `records` (products when `nested`).
pub(crate) async fn attach(c: &Container, records: &mut [Record], nested: bool) -> ApiResult<()> {
    let mut variants: Vec<&mut Map<String, Value>> = Vec::new();
    for record in records.iter_mut() {
        if nested {
            if let Some(Value::Array(list)) = record.get_mut("variants") {
                variants.extend(list.iter_mut().filter_map(Value::as_object_mut));
            }
        } else {
            variants.push(record);
        }
    }
    let ids: Vec<String> = variants
        .iter()
        .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let sets = c.links().list("product_variant", &ids, "price_set").await?;
    let set_ids: Vec<String> = sets.iter().map(|(_, s)| s.clone()).collect();
    let details = c
        .require::<PricingModule>()?
        .price_sets_with_prices(&set_ids)
        .await?;
    let by_set: HashMap<&str, &stheno_pricing::PriceSetDetail> = details
        .iter()
        .map(|d| (d.price_set.id.as_str(), d))
        .collect();
    let set_of: HashMap<&str, &str> = sets.iter().map(|(v, s)| (v.as_str(), s.as_str())).collect();
    for variant in variants {
        let Some(id) = variant
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            continue;
        };
        let prices: Vec<Value> = set_of
            .get(id.as_str())
            .and_then(|set| by_set.get(set))
            .map(|detail| {
                detail
                    .prices
                    .iter()
                    .filter(|p| p.price.price_list_id.is_none())
                    .map(|p| {
                        let rules: Map<String, Value> = p
                            .price_rules
                            .iter()
                            .map(|r| (r.attribute.clone(), Value::String(r.value.clone())))
                            .collect();
                        // The entity's own serialisation: numbers and
                        // Medusa's timestamps.
                        let price = serde_json::to_value(&p.price).unwrap_or_default();
                        let mut out: Map<String, Value> = [
                            "id",
                            "title",
                            "amount",
                            "currency_code",
                            "min_quantity",
                            "max_quantity",
                            "price_set_id",
                            "created_at",
                            "updated_at",
                        ]
                        .into_iter()
                        .map(|k| (k.to_string(), price.get(k).cloned().unwrap_or(Value::Null)))
                        .collect();
                        out.insert("variant_id".into(), Value::String(id.clone()));
                        out.insert("rules".into(), Value::Object(rules));
                        Value::Object(out)
                    })
                    .collect()
            })
            .unwrap_or_default();
        variant.insert("prices".into(), Value::Array(prices));
    }
    Ok(())
}
