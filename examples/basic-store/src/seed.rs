//! The demo catalog: a store, two regions (Europe in eur, US in usd), a
//! sales channel with a publishable key (printed), a warehouse with stock,
//! collections, a category tree, tags, a type and published products with
//! options, variants, images and prices in both currencies (some on a sale
//! price list). Loading it twice changes nothing.

use anyhow::Context;
use serde_json::{Value, json};
use stheno::api_key::{ApiKeyModule, ApiKeyType, NewApiKey};
use stheno::core_flows::{product::create_products, region::create_regions, store::create_stores};
use stheno::framework::Container;
use stheno::inventory::{CreateInventoryLevelInput, InventoryModule};
use stheno::pricing::{CreatePriceListInput, PriceListPriceInput, PricingModule};
use stheno::product::{
    CreateCategoryInput, CreateProductCollection, CreateProductInput, CreateProductTag,
    CreateProductType, ProductCategoryFilter, ProductModule,
};
use stheno::sales_channel::{CreateSalesChannel, SalesChannelModule};
use stheno::sdk::entity::{FieldFilter, ListConfig};
use stheno::sdk::list::Page;
use stheno::stock_location::{CreateStockLocationInput, StockLocationModule};

/// Number of demo products (each with 6 variants: 3 sizes × 2 colors).
pub const PRODUCTS: usize = 20;

pub async fn demo_catalog(container: Container) -> anyhow::Result<()> {
    let products = container.require::<ProductModule>()?;
    let existing = products
        .product_categories()
        .list(
            &ProductCategoryFilter {
                handle: Some(FieldFilter::Eq("apparel".into())),
                ..Default::default()
            },
            &ListConfig::page(Page::new(0, 1)),
        )
        .await?;
    if !existing.is_empty() {
        println!("Demo catalog already present; nothing to do.");
        return Ok(());
    }

    // Where the storefront sells: a channel, its key, a warehouse, the
    // store and two regions.
    let channel = container
        .require::<SalesChannelModule>()?
        .sales_channels()
        .create_one(CreateSalesChannel::new("Default Sales Channel"))
        .await?;
    let key = container
        .require::<ApiKeyModule>()?
        .create_api_key(NewApiKey {
            title: "Demo storefront".into(),
            r#type: ApiKeyType::Publishable,
            created_by: "seed".into(),
        })
        .await?;
    let links = container.links();
    links
        .create(
            "api_key",
            &key.api_key.id,
            "sales_channel",
            std::slice::from_ref(&channel.id),
        )
        .await?;
    let warehouse = container
        .require::<StockLocationModule>()?
        .create_stock_location(from_json::<CreateStockLocationInput>(json!({
            "name": "European Warehouse",
            "address": {"address_1": "Main Street 1", "city": "Copenhagen", "country_code": "dk"}
        }))?)
        .await?;
    links
        .create(
            "sales_channel",
            &channel.id,
            "stock_location",
            std::slice::from_ref(&warehouse.id),
        )
        .await?;
    let engine = container.workflows();
    let regions = engine
        .run(
            &create_regions(),
            vec![
                from_json(json!({"name": "Europe", "currency_code": "eur",
                                 "countries": ["de", "dk", "fr", "it", "es", "se", "gb"]}))?,
                from_json(json!({"name": "US", "currency_code": "usd", "countries": ["us"]}))?,
            ],
        )
        .await
        .result?;
    engine
        .run(
            &create_stores(),
            vec![from_json(json!({
                "name": "Stheno Demo Store",
                "default_sales_channel_id": channel.id,
                "default_region_id": regions[0].id,
                "default_location_id": warehouse.id,
                "supported_currencies": [
                    {"currency_code": "eur", "is_default": true},
                    {"currency_code": "usd"}
                ]
            }))?],
        )
        .await
        .result?;

    let collections = products
        .product_collections()
        .create(vec![
            from_json::<CreateProductCollection>(json!({"title": "Summer", "handle": "summer"}))?,
            from_json(json!({"title": "Essentials", "handle": "essentials"}))?,
        ])
        .await?;
    let apparel = products
        .create_categories(vec![from_json::<CreateCategoryInput>(
            json!({"name": "Apparel", "handle": "apparel", "is_active": true}),
        )?])
        .await?
        .remove(0);
    let children = products
        .create_categories(vec![
            from_json(json!({"name": "Shirts", "handle": "shirts", "is_active": true, "parent_category_id": apparel.id}))?,
            from_json(json!({"name": "Sweatshirts", "handle": "sweatshirts", "is_active": true, "parent_category_id": apparel.id}))?,
        ])
        .await?;
    let tags = products
        .product_tags()
        .create(vec![
            from_json::<CreateProductTag>(json!({"value": "cotton"}))?,
            from_json(json!({"value": "new"}))?,
        ])
        .await?;
    let kind = products
        .product_types()
        .create(vec![from_json::<CreateProductType>(
            json!({"value": "clothing"}),
        )?])
        .await?
        .remove(0);

    let names = ["T-Shirt", "Sweatshirt", "Polo", "Hoodie", "Tank Top"];
    let mut inputs = Vec::with_capacity(PRODUCTS);
    for i in 0..PRODUCTS {
        let name = format!("{} {}", names[i % names.len()], i + 1);
        let handle = name.to_lowercase().replace(' ', "-");
        let sizes = ["S", "M", "L"];
        let colors = ["Black", "White"];
        let variants: Vec<Value> = sizes
            .iter()
            .flat_map(|s| colors.iter().map(move |c| (s, c)))
            .map(|(s, c)| {
                json!({
                    "title": format!("{s} / {c}"),
                    "sku": format!("{}-{}-{}", handle.to_uppercase(), s, c.to_uppercase()),
                    "options": {"Size": s, "Color": c},
                    "manage_inventory": true,
                    "prices": [
                        {"amount": 25 + i, "currency_code": "eur"},
                        {"amount": 29 + i, "currency_code": "usd"},
                    ],
                })
            })
            .collect();
        inputs.push(from_json::<CreateProductInput>(json!({
            "title": name,
            "handle": handle,
            "description": format!("The {name}: reimagine the feeling of a classic."),
            "status": "published",
            "collection_id": collections[i % 2].id,
            "type_id": kind.id,
            "categories": [{"id": children[i % 2].id}],
            "tags": [{"id": tags[i % 2].id}],
            "weight": 400,
            "images": [
                {"url": format!("https://picsum.photos/seed/stheno-{i}-front/800")},
                {"url": format!("https://picsum.photos/seed/stheno-{i}-back/800")},
            ],
            "options": [
                {"title": "Size", "values": sizes},
                {"title": "Color", "values": colors},
            ],
            "variants": variants,
        }))?);
    }
    let created = engine.run(&create_products(), inputs).await.result?;

    // Stock: creating the products gave each variant an inventory item;
    // 100 units of each in the warehouse.
    let variants = products
        .product_variants()
        .list(&Default::default(), &ListConfig::default())
        .await?;
    let variant_ids: Vec<String> = variants.iter().map(|v| v.id.clone()).collect();
    let levels = links
        .list_rows("product_variant", &variant_ids, "inventory_item")
        .await?
        .into_iter()
        .map(|row| {
            from_json::<CreateInventoryLevelInput>(json!({
                "inventory_item_id": row.right_id,
                "location_id": warehouse.id,
                "stocked_quantity": 100
            }))
        })
        .collect::<anyhow::Result<_>>()?;
    container
        .require::<InventoryModule>()?
        .create_inventory_levels(levels)
        .await?;

    // A summer sale: the first product's variants 20 % off in eur.
    let pricing = container.require::<PricingModule>()?;
    let first: Vec<String> = variants
        .iter()
        .filter(|v| v.product_id.as_deref() == Some(created[0].id.as_str()))
        .map(|v| v.id.clone())
        .collect();
    let sets = links.list("product_variant", &first, "price_set").await?;
    let sale: Vec<PriceListPriceInput> = sets
        .iter()
        .map(|(_, set)| {
            from_json(json!({"price_set_id": set, "amount": 20, "currency_code": "eur"}))
        })
        .collect::<anyhow::Result<_>>()?;
    pricing
        .create_price_lists(vec![from_json::<CreatePriceListInput>(json!({
            "title": "Summer sale",
            "description": "20 % off the first shirt",
            "status": "active",
            "type": "sale",
            "prices": sale,
        }))?])
        .await?;

    println!(
        "Created {} products with prices in eur and usd and stock, 2 regions, 2 collections, 3 categories, 2 tags, 1 type, a sale price list.",
        created.len()
    );
    println!(
        "Region Europe: {}   Region US: {}",
        regions[0].id, regions[1].id
    );
    println!(
        "Publishable API key (send it as x-publishable-api-key): {}",
        key.raw_token
    );
    Ok(())
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> anyhow::Result<T> {
    serde_json::from_value(value.clone()).with_context(|| format!("invalid seed entry {value}"))
}
