//! What a storefront's product reads add to the catalog: the publishable
//! key's sales channels decide which products exist, `region_id` (and the
//! logged-in customer's groups) price the variants (`calculated_price`),
//! and `+variants.inventory_quantity` counts the stock at the channels'
//! stock locations.
//!
//! Every decoration is batched over all variants of the page: at most five
//! statements (price-set links, prices, inventory links, the channels'
//! locations, quantities) whatever the number of products.

use std::collections::HashMap;

use serde_json::Value;
use stheno_customer::CustomerModule;
use stheno_framework::Container;
use stheno_http::{ApiResult, AuthContext};
use stheno_inventory::InventoryModule;
use stheno_module_sdk::Error;
use stheno_module_sdk::entity::Condition;
use stheno_module_sdk::graph::{Record, Selection};
use stheno_module_sdk::money::Amount;
use stheno_module_sdk::money::Decimal;
use stheno_pricing::{PricingContext, PricingModule};
use stheno_region::RegionModule;
use stheno_tax::{TaxCalculationContext, TaxModule, TaxableItem};

use crate::publishable::PublishableKey;

/// Products the key's sales channels carry.
pub(crate) fn in_channels(c: &Container, key: &PublishableKey) -> ApiResult<Condition> {
    Ok(c.links()
        .linked_to("product", "sales_channel", &key.sales_channel_ids)?)
}

/// What the request asks the variants to carry.
#[derive(Debug, Default)]
pub(crate) struct Decorations {
    pub prices: Option<PricingContext>,
    /// Where taxes are shown for: the region has `automatic_taxes` and the
    /// request gave `country_code` (and maybe `province`).
    pub taxes: Option<TaxCalculationContext>,
    pub inventory: bool,
}

/// Where a storefront shows prices for (`region_id`, `country_code`,
/// `province`).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PricingParams<'a> {
    pub region_id: Option<&'a str>,
    pub country_code: Option<&'a str>,
    pub province: Option<&'a str>,
}

fn variants_field(selection: &Selection, name: &str) -> bool {
    selection
        .relations
        .get("variants")
        .is_some_and(|v| v.fields.contains(name) || v.relations.contains_key(name))
}

impl Decorations {
    /// From the selection and the pricing parameters: prices when
    /// `region_id` is given or `variants.calculated_price` is selected
    /// (then a region is required, Medusa's 400 otherwise).
    pub(crate) async fn of(
        c: &Container,
        selection: &mut Selection,
        params: PricingParams<'_>,
        auth: Option<&AuthContext>,
    ) -> ApiResult<Self> {
        let region_id = params.region_id;
        let inventory = variants_field(selection, "inventory_quantity");
        let asked = variants_field(selection, "calculated_price");
        if let Some(variants) = selection.relations.get_mut("variants") {
            // Computed here, not columns: keep them away from Query.
            variants.fields.remove("calculated_price");
            variants.fields.remove("inventory_quantity");
            variants.relations.remove("calculated_price");
            if inventory {
                variants.fields.insert("manage_inventory".into());
            }
            if inventory || asked {
                // Decorations find their variant by id.
                variants.fields.insert("id".into());
            }
        }
        if inventory && !selection.relations.contains_key("variants") {
            selection
                .relations
                .insert("variants".into(), Selection::default());
        }
        // The region: `region_id`, else the store's default region when
        // prices are asked for.
        let region_id = match region_id {
            Some(id) => Some(id.to_string()),
            None if asked => Some(default_region(c).await?.ok_or_else(|| {
                Error::invalid_data(
                    "Missing required pricing context to calculate prices - region_id",
                )
            })?),
            None => None,
        };
        let mut taxes = None;
        let prices = match region_id.as_deref() {
            None => None,
            Some(region_id) => {
                let region = c
                    .require::<RegionModule>()?
                    .regions()
                    .retrieve(region_id)
                    .await
                    .map_err(|e| Error::invalid_data(e.message().to_string()))?;
                if let Some(country) = params.country_code.filter(|_| region.automatic_taxes) {
                    taxes = Some(TaxCalculationContext::for_address(country, params.province));
                }
                let mut context = PricingContext::new(region.currency_code).region(region.id);
                if let Some(customer) = auth
                    .filter(|a| a.actor_type == "customer" && !a.actor_id.is_empty())
                    .map(|a| a.actor_id.as_str())
                {
                    let groups = c
                        .require::<CustomerModule>()?
                        .customer_group_ids(customer)
                        .await?;
                    context = context.customer_groups(groups);
                }
                if !selection.relations.contains_key("variants") {
                    selection
                        .relations
                        .insert("variants".into(), Selection::default());
                }
                Some(context)
            }
        };
        Ok(Self {
            prices,
            taxes,
            inventory,
        })
    }

    /// Add `calculated_price` / `inventory_quantity` to every variant of
    /// `products`.
    pub(crate) async fn apply(
        &self,
        c: &Container,
        key: &PublishableKey,
        products: &mut [Record],
    ) -> ApiResult<()> {
        if self.prices.is_none() && !self.inventory {
            return Ok(());
        }
        let variant_ids: Vec<String> = products
            .iter()
            .flat_map(variants)
            .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
            .collect();
        if variant_ids.is_empty() {
            return Ok(());
        }
        let links = c.links();
        let mut prices: HashMap<String, Value> = HashMap::new();
        if let Some(context) = &self.prices {
            let sets = links
                .list("product_variant", &variant_ids, "price_set")
                .await?;
            let set_ids: Vec<String> = sets.iter().map(|(_, s)| s.clone()).collect();
            let calculated = c
                .require::<PricingModule>()?
                .calculate_prices(&set_ids, context)
                .await?;
            let by_set: HashMap<&str, Value> = calculated
                .iter()
                .map(|p| Ok((p.id.as_str(), serde_json::to_value(p)?)))
                .collect::<Result<_, serde_json::Error>>()
                .map_err(Error::from)?;
            for (variant, set) in &sets {
                if let Some(price) = by_set.get(set.as_str()) {
                    prices.insert(variant.clone(), price.clone());
                }
            }
        }
        if let Some(context) = &self.taxes {
            add_taxes(c, context, products, &mut prices).await?;
        }
        let mut stock: HashMap<String, Decimal> = HashMap::new();
        if self.inventory {
            let rows = links
                .list_rows("product_variant", &variant_ids, "inventory_item")
                .await?;
            let locations: Vec<String> = links
                .list("sales_channel", &key.sales_channel_ids, "stock_location")
                .await?
                .into_iter()
                .map(|(_, l)| l)
                .collect();
            let items: Vec<String> = rows.iter().map(|r| r.right_id.clone()).collect();
            let available = c
                .require::<InventoryModule>()?
                .available_quantities(&items, &locations)
                .await?;
            // A variant has as many units as its scarcest item allows.
            for row in &rows {
                let required = row
                    .data
                    .get("required_quantity")
                    .and_then(|v| match v {
                        Value::Number(n) => n.to_string().parse::<Decimal>().ok(),
                        Value::String(s) => s.parse::<Decimal>().ok(),
                        _ => None,
                    })
                    .filter(|q| !q.is_zero())
                    .unwrap_or(Decimal::ONE);
                let units = (available.get(&row.right_id).copied().unwrap_or_default() / required)
                    .floor()
                    .max(Decimal::ZERO);
                stock
                    .entry(row.left_id.clone())
                    .and_modify(|u| *u = (*u).min(units))
                    .or_insert(units);
            }
        }
        for product in products.iter_mut() {
            let Some(Value::Array(list)) = product.get_mut("variants") else {
                continue;
            };
            for variant in list.iter_mut().filter_map(Value::as_object_mut) {
                let Some(id) = variant
                    .get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                else {
                    continue;
                };
                if self.prices.is_some() {
                    let price = prices.remove(&id).unwrap_or(Value::Null);
                    variant.insert("calculated_price".into(), price);
                }
                let managed = variant
                    .get("manage_inventory")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                if self.inventory && managed {
                    let units = stock.get(&id).copied().unwrap_or_default();
                    variant.insert("inventory_quantity".into(), Amount(units).to_json_number());
                }
            }
        }
        Ok(())
    }
}

/// Medusa's tax display: each priced variant's `calculated_price` gains
/// `calculated_amount_with_tax`, `calculated_amount_without_tax`,
/// `original_amount_with_tax` and `original_amount_without_tax`, from the
/// rates that apply to its product at the address. One tax-module call for
/// the whole page.
async fn add_taxes(
    c: &Container,
    context: &TaxCalculationContext,
    products: &[Record],
    prices: &mut HashMap<String, Value>,
) -> ApiResult<()> {
    let items: Vec<TaxableItem> = products
        .iter()
        .flat_map(|p| {
            let product_id = p.get("id").and_then(Value::as_str).unwrap_or_default();
            let type_id = p.get("type_id").and_then(Value::as_str);
            variants(p).filter_map(move |v| {
                let id = v.get("id").and_then(Value::as_str)?;
                serde_json::from_value(serde_json::json!({
                    "id": id, "product_id": product_id, "product_type_id": type_id
                }))
                .ok()
            })
        })
        .filter(|item: &TaxableItem| prices.contains_key(&item.id))
        .collect();
    if items.is_empty() {
        return Ok(());
    }
    let lines = c
        .require::<TaxModule>()?
        .get_tax_lines(&items, &[], context)
        .await?;
    let mut rates: HashMap<&str, Decimal> = HashMap::new();
    for line in &lines {
        if let Some(item) = line.line_item_id() {
            *rates.entry(item).or_default() += line.rate;
        }
    }
    let hundred = Decimal::ONE_HUNDRED;
    for item in &items {
        let rate = rates.get(item.id.as_str()).copied().unwrap_or_default() / hundred;
        let Some(Value::Object(price)) = prices.get_mut(&item.id) else {
            continue;
        };
        for (amount, inclusive, with, without) in [
            (
                "calculated_amount",
                "is_calculated_price_tax_inclusive",
                "calculated_amount_with_tax",
                "calculated_amount_without_tax",
            ),
            (
                "original_amount",
                "is_original_price_tax_inclusive",
                "original_amount_with_tax",
                "original_amount_without_tax",
            ),
        ] {
            let Some(value) = price
                .get(amount)
                .and_then(|v| v.to_string().parse::<Decimal>().ok())
            else {
                continue;
            };
            let is_inclusive = price
                .get(inclusive)
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let (gross, net) = if is_inclusive {
                (value, value / (Decimal::ONE + rate))
            } else {
                (value * (Decimal::ONE + rate), value)
            };
            price.insert(with.into(), Amount(gross).to_json_number());
            price.insert(without.into(), Amount(net).to_json_number());
        }
    }
    Ok(())
}

/// The store's default region, if there is a store with one.
async fn default_region(c: &Container) -> ApiResult<Option<String>> {
    let Ok(stores) = c.module::<stheno_store::StoreModule>() else {
        return Ok(None);
    };
    let store = stores
        .stores()
        .list(&Default::default(), &Default::default())
        .await?
        .into_iter()
        .next();
    Ok(store.and_then(|s| s.default_region_id))
}

fn variants(product: &Record) -> impl Iterator<Item = &serde_json::Map<String, Value>> {
    product
        .get("variants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}
