//! What creating products does beyond the product module, as Medusa's
//! `create-products` does: link each product to its sales channels (the
//! store's default channel when the body names none), give each variant
//! with `prices` a price set of those prices, linked to the variant, and
//! link each variant to its inventory: the `inventory_items` it names
//! (`{inventory_item_id, required_quantity}`), or, for a variant that
//! manages inventory and names none, a new inventory item of its own
//! (sku and title of the variant, required quantity 1).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stheno_inventory::{CreateInventoryItem, CreateInventoryItemInput, InventoryModule};
use stheno_module_sdk::Error;
use stheno_module_sdk::entity::{Bind, Condition, ListConfig};
use stheno_module_sdk::list::{Direction, OrderBy};
use stheno_pricing::{CreatePriceSetInput, PriceInput, PricingModule};
use stheno_product::models::{Product, ProductVariant};
use stheno_product::{CreateProductInput, ProductModule};
use stheno_store::{StoreFilter, StoreModule};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, async_trait};

/// `prices` of a variant input as the pricing module takes them; a bad
/// entry is Medusa's `invalid_data` naming it (`at`: where the variant is
/// in the body, `variants, 1`; empty for a variant's own body).
pub fn parse_prices(at: &str, prices: &[serde_json::Value]) -> Result<Vec<PriceInput>, Error> {
    prices
        .iter()
        .enumerate()
        .map(|(i, p)| {
            serde_json::from_value::<PriceInput>(p.clone()).map_err(|e| {
                let at = if at.is_empty() {
                    String::new()
                } else {
                    format!("{at}, ")
                };
                Error::invalid_data(format!("Invalid request: {at}prices, {i}: {e}"))
            })
        })
        .collect()
}

/// The store's default sales channel, if there is a store and it has one.
async fn default_channel(ctx: &StepContext) -> Result<Option<String>, StepError> {
    let Ok(stores) = ctx.module::<StoreModule>() else {
        return Ok(None);
    };
    let first = stores
        .stores()
        .list(&StoreFilter::default(), &ListConfig::default())
        .await?
        .into_iter()
        .next();
    Ok(first.and_then(|s| s.default_sales_channel_id))
}

/// `link-products-to-commerce` (⇐ the price sets it made are deleted;
/// link rows go with the products the previous step deletes).
#[derive(Debug, Default)]
pub struct LinkProductCommerceStep;

/// What a [`LinkProductCommerceStep`] created: price sets and inventory
/// items (deleted again on compensation).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CreatedPriceSets {
    pub price_sets: Vec<String>,
    pub inventory_items: Vec<String>,
}

/// `inventory_items` of a variant input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryRef {
    inventory_item_id: String,
    #[serde(default = "one")]
    required_quantity: Value,
}

fn one() -> Value {
    json!(1)
}

#[async_trait]
impl Step for LinkProductCommerceStep {
    type Input = (Vec<CreateProductInput>, Vec<Product>);
    type Output = Vec<Product>;
    type CompensateInput = CreatedPriceSets;

    fn name(&self) -> &str {
        "link-products-to-commerce"
    }

    async fn invoke(
        &self,
        (inputs, products): (Vec<CreateProductInput>, Vec<Product>),
        ctx: &StepContext,
    ) -> Result<StepResponse<Vec<Product>, CreatedPriceSets>, StepError> {
        // The link service, asked for only when there is something to
        // link (an engine without it, a product-only application, can
        // still create bare products).
        let links = || ctx.service::<stheno_module_sdk::link::Links>();
        // Sales channels.
        let fallback = if inputs.iter().any(|i| i.sales_channels.is_none()) {
            default_channel(ctx).await?
        } else {
            None
        };
        for (input, product) in inputs.iter().zip(&products) {
            let channels: Vec<String> = match &input.sales_channels {
                Some(given) => given.iter().map(|c| c.id.clone()).collect(),
                None => fallback.iter().cloned().collect(),
            };
            if !channels.is_empty() {
                links()?
                    .create("product", &product.id, "sales_channel", &channels)
                    .await?;
            }
        }
        // Without the inventory module, variants manage no inventory items.
        let has_inventory = ctx.module::<InventoryModule>().is_ok();
        // Variants are created in input order, so they pair up with the
        // inputs by creation order.
        let mut wanted: Vec<(usize, usize, Vec<PriceInput>)> = Vec::new();
        let mut named: Vec<(usize, usize, Vec<InventoryRef>)> = Vec::new();
        let mut managed: Vec<(usize, usize)> = Vec::new();
        for (p, input) in inputs.iter().enumerate() {
            for (v, variant) in input.variants.iter().flatten().enumerate() {
                if let Some(prices) = variant.prices.as_deref().filter(|p| !p.is_empty()) {
                    wanted.push((p, v, parse_prices(&format!("variants, {v}"), prices)?));
                }
                match variant.inventory_items.as_deref().filter(|i| !i.is_empty()) {
                    Some(items) => {
                        let refs = items
                            .iter()
                            .enumerate()
                            .map(|(i, item)| {
                                serde_json::from_value::<InventoryRef>(item.clone()).map_err(|e| {
                                    Error::invalid_data(format!(
                                        "Invalid request: {p}, variants, {v}, inventory_items, {i}: {e}"
                                    ))
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        named.push((p, v, refs));
                    }
                    None if has_inventory && variant.manage_inventory.unwrap_or(true) => {
                        managed.push((p, v))
                    }
                    None => {}
                }
            }
        }
        let mut created = CreatedPriceSets::default();
        if wanted.is_empty() && named.is_empty() && managed.is_empty() {
            return Ok(StepResponse::with_compensation(products, created));
        }
        let links = links()?;
        let catalog = ctx.module::<ProductModule>()?;
        let ids: Vec<Bind> = products.iter().map(|p| Bind::Text(p.id.clone())).collect();
        let variants: Vec<ProductVariant> = catalog
            .product_variants()
            .list_where(
                &Condition::In {
                    column: "product_id",
                    values: ids,
                    negated: false,
                },
                &ListConfig::default().ordered(vec![OrderBy {
                    field: "created_at".into(),
                    direction: Direction::Asc,
                }]),
            )
            .await?;
        let mut by_product: HashMap<&str, Vec<&ProductVariant>> = HashMap::new();
        for variant in &variants {
            by_product
                .entry(variant.product_id.as_deref().unwrap_or_default())
                .or_default()
                .push(variant);
        }
        let variant_at = |p: usize, v: usize| -> Result<&ProductVariant, Error> {
            by_product
                .get(products[p].id.as_str())
                .and_then(|vs| vs.get(v))
                .copied()
                .ok_or_else(|| Error::unexpected_state("a created variant is missing"))
        };
        // Prices.
        if !wanted.is_empty() {
            let mut targets = Vec::with_capacity(wanted.len());
            let mut sets = Vec::with_capacity(wanted.len());
            for (p, v, prices) in wanted {
                targets.push(variant_at(p, v)?.id.clone());
                sets.push(CreatePriceSetInput { id: None, prices });
            }
            let made = ctx
                .module::<PricingModule>()?
                .create_price_sets(sets)
                .await?;
            created.price_sets = made.iter().map(|s| s.price_set.id.clone()).collect();
            for (variant, set) in targets.iter().zip(&created.price_sets) {
                links
                    .create(
                        "product_variant",
                        variant,
                        "price_set",
                        std::slice::from_ref(set),
                    )
                    .await?;
            }
        }
        // Inventory: named items, or one new item per managed variant.
        for (p, v, refs) in named {
            let variant = variant_at(p, v)?;
            for r in refs {
                let mut data = std::collections::BTreeMap::new();
                data.insert("required_quantity".to_string(), r.required_quantity);
                links
                    .create_with(
                        "product_variant",
                        &variant.id,
                        "inventory_item",
                        std::slice::from_ref(&r.inventory_item_id),
                        &data,
                    )
                    .await?;
            }
        }
        if !managed.is_empty() {
            let owners: Vec<&ProductVariant> = managed
                .iter()
                .map(|&(p, v)| variant_at(p, v))
                .collect::<Result<_, _>>()?;
            let items = owners
                .iter()
                .map(|variant| {
                    CreateInventoryItemInput::from(CreateInventoryItem {
                        sku: variant.sku.clone(),
                        title: Some(variant.title.clone()),
                        ..CreateInventoryItem::new()
                    })
                })
                .collect();
            let made = ctx
                .module::<InventoryModule>()?
                .create_inventory_items(items)
                .await?;
            created.inventory_items = made.iter().map(|i| i.id.clone()).collect();
            for (variant, item) in owners.iter().zip(&created.inventory_items) {
                links
                    .create(
                        "product_variant",
                        &variant.id,
                        "inventory_item",
                        std::slice::from_ref(item),
                    )
                    .await?;
            }
        }
        Ok(StepResponse::with_compensation(products, created))
    }

    async fn compensate(&self, made: CreatedPriceSets, ctx: &StepContext) -> Result<(), StepError> {
        if !made.price_sets.is_empty() {
            ctx.module::<PricingModule>()?
                .price_sets()
                .delete(&made.price_sets)
                .await?;
        }
        if !made.inventory_items.is_empty() {
            ctx.module::<InventoryModule>()?
                .inventory_items()
                .delete(&made.inventory_items)
                .await?;
        }
        Ok(())
    }
}

/// The prices one variant should have (`prices` of a variant body, as
/// sent: validated by the step).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VariantPrices {
    pub variant_id: String,
    pub prices: Vec<Value>,
}

/// What [`SetVariantPricesStep`] changed: price sets it created (deleted
/// on compensation) and the previous prices of the sets it replaced.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VariantPricesBefore {
    pub created_sets: Vec<String>,
    pub replaced: Vec<(String, Vec<PriceInput>)>,
}

/// `set-variant-prices` (Medusa's `upsert-variant-prices`): each variant's
/// base prices become exactly the given ones — in its price set, or in a
/// new one linked to it (⇐ the previous prices written back, new sets
/// deleted).
#[derive(Debug, Default)]
pub struct SetVariantPricesStep;

#[async_trait]
impl Step for SetVariantPricesStep {
    type Input = Vec<VariantPrices>;
    type Output = ();
    type CompensateInput = VariantPricesBefore;

    fn name(&self) -> &str {
        "set-variant-prices"
    }

    async fn invoke(
        &self,
        wanted: Vec<VariantPrices>,
        ctx: &StepContext,
    ) -> Result<StepResponse<(), VariantPricesBefore>, StepError> {
        let mut before = VariantPricesBefore::default();
        if wanted.is_empty() {
            return Ok(StepResponse::with_compensation((), before));
        }
        let links = ctx.service::<stheno_module_sdk::link::Links>()?;
        let pricing = ctx.module::<PricingModule>()?;
        let ids: Vec<String> = wanted.iter().map(|w| w.variant_id.clone()).collect();
        let sets: HashMap<String, String> = links
            .list("product_variant", &ids, "price_set")
            .await?
            .into_iter()
            .collect();
        let existing: Vec<String> = sets.values().cloned().collect();
        let current = pricing.price_sets_with_prices(&existing).await?;
        let wanted = wanted
            .into_iter()
            .map(|w| Ok((w.variant_id, parse_prices("", &w.prices)?)))
            .collect::<Result<Vec<(String, Vec<PriceInput>)>, Error>>()?;
        let mut missing = Vec::new();
        for w in wanted {
            match sets.get(&w.0) {
                Some(set) => {
                    let previous = current
                        .iter()
                        .find(|s| &s.price_set.id == set)
                        .map(|s| {
                            s.prices
                                .iter()
                                .filter(|p| p.price.price_list_id.is_none())
                                .map(|p| p.to_input())
                                .collect()
                        })
                        .unwrap_or_default();
                    pricing.set_price_set_prices(set, w.1).await?;
                    before.replaced.push((set.clone(), previous));
                }
                None => missing.push(w),
            }
        }
        if !missing.is_empty() {
            let made = pricing
                .create_price_sets(
                    missing
                        .iter()
                        .map(|w| CreatePriceSetInput {
                            id: None,
                            prices: w.1.clone(),
                        })
                        .collect(),
                )
                .await?;
            for (w, set) in missing.iter().zip(&made) {
                before.created_sets.push(set.price_set.id.clone());
                links
                    .create(
                        "product_variant",
                        &w.0,
                        "price_set",
                        std::slice::from_ref(&set.price_set.id),
                    )
                    .await?;
            }
        }
        Ok(StepResponse::with_compensation((), before))
    }

    async fn compensate(
        &self,
        before: VariantPricesBefore,
        ctx: &StepContext,
    ) -> Result<(), StepError> {
        let pricing = ctx.module::<PricingModule>()?;
        for (set, prices) in before.replaced {
            pricing.set_price_set_prices(&set, prices).await?;
        }
        pricing.price_sets().delete(&before.created_sets).await?;
        Ok(())
    }
}
