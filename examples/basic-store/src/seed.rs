//! The demo catalog: collections, a category tree, tags, a type and a few
//! published products with options, variants and images. Loading it twice
//! changes nothing.

use anyhow::Context;
use serde_json::{Value, json};
use stheno::framework::Container;
use stheno::product::{
    CreateCategoryInput, CreateProductCollection, CreateProductInput, CreateProductTag,
    CreateProductType, ProductCategoryFilter, ProductModule,
};
use stheno::sdk::entity::{FieldFilter, ListConfig};
use stheno::sdk::list::Page;

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
                    "manage_inventory": false,
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
    let created = products.create_products(inputs).await?;
    println!(
        "Created {} products, 2 collections, 3 categories, 2 tags, 1 type.",
        created.len()
    );
    Ok(())
}

fn from_json<T: serde::de::DeserializeOwned>(value: Value) -> anyhow::Result<T> {
    serde_json::from_value(value.clone()).with_context(|| format!("invalid seed entry {value}"))
}
