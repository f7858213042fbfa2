//! Query support: relations load in batches, soft-deleted rows are hidden,
//! storefront reads see only what a shopper may see.

use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::graph::QueryContext;
use stheno_product::models::ProductStatus;
use stheno_product::*;

use crate::support::{env, field};

#[tokio::test(flavor = "multi_thread")]
async fn relations_load_in_one_query_per_relation() {
    let env = env().await;
    let p = &env.products;
    let inputs = (0..5)
        .map(|i| {
            let mut input = CreateProductInput::new(format!("Product {i}"));
            input.options = Some(vec![ProductOptionInput::new("Size", ["S", "M"])]);
            input.variants = Some(vec![
                CreateVariantInput::new("S", [("Size", "S")]),
                CreateVariantInput::new("M", [("Size", "M")]),
            ]);
            input
        })
        .collect();
    let products = p.create_products(inputs).await.unwrap();

    let (variants, queries) =
        QueryCounter::scope(env.load("product", "variants", &products, QueryContext::ADMIN)).await;
    let variants = variants.unwrap();
    assert_eq!(variants.len(), 10);
    for product in &products {
        assert_eq!(
            variants
                .iter()
                .filter(|(parent, _)| *parent == product.id)
                .count(),
            2
        );
    }
    let (single, one_parent) =
        QueryCounter::scope(env.load("product", "variants", &products[..1], QueryContext::ADMIN))
            .await;
    assert_eq!(single.unwrap().len(), 2);
    assert_eq!(
        queries, one_parent,
        "the cost does not grow with the number of parents"
    );
    assert_eq!(queries, 1, "variants of 5 products load with one query");

    let records: Vec<_> = variants.iter().map(|(_, r)| r.clone()).collect();
    let (options, queries) =
        QueryCounter::scope(env.load("product_variant", "options", &records, QueryContext::ADMIN))
            .await;
    assert_eq!(options.unwrap().len(), 10);
    assert_eq!(queries, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn storefront_relations_hide_unpublished_products_and_private_categories() {
    let env = env().await;
    let p = &env.products;
    let collection = p
        .product_collections()
        .create(vec![CreateProductCollection::new("All")])
        .await
        .unwrap()
        .remove(0);
    let mut published = CreateProductInput::new("Live");
    published.status = Some(ProductStatus::Published);
    published.collection_id = Some(collection.id.clone());
    let mut draft = CreateProductInput::new("Draft");
    draft.collection_id = Some(collection.id.clone());
    let mut gone = CreateProductInput::new("Gone");
    gone.status = Some(ProductStatus::Published);
    gone.collection_id = Some(collection.id.clone());
    let made = p
        .create_products(vec![published, draft, gone])
        .await
        .unwrap();
    p.products()
        .soft_delete(&[made[2].id.clone()])
        .await
        .unwrap();

    let admin = env
        .load(
            "product_collection",
            "products",
            &[&collection],
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!(
        field(&admin, "title"),
        ["Live", "Draft"],
        "deleted products never show"
    );
    let store = env
        .load(
            "product_collection",
            "products",
            &[&collection],
            QueryContext::STORE,
        )
        .await
        .unwrap();
    assert_eq!(field(&store, "title"), ["Live"]);

    let root = p
        .create_categories(vec![CreateCategoryInput::new("Root")])
        .await
        .unwrap()
        .remove(0);
    let mut public = CreateCategoryInput::new("Public").under(&root.id);
    public.is_active = Some(true);
    let mut internal = CreateCategoryInput::new("Internal").under(&root.id);
    internal.is_active = Some(true);
    internal.is_internal = Some(true);
    let inactive = CreateCategoryInput::new("Inactive").under(&root.id);
    let children = p
        .create_categories(vec![public, internal, inactive])
        .await
        .unwrap();

    let admin = env
        .load(
            "product_category",
            "category_children",
            &[&root],
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!(field(&admin, "name"), ["Public", "Internal", "Inactive"]);
    let store = env
        .load(
            "product_category",
            "category_children",
            &[&root],
            QueryContext::STORE,
        )
        .await
        .unwrap();
    assert_eq!(field(&store, "name"), ["Public"]);

    let parents = env
        .load(
            "product_category",
            "parent_category",
            &children,
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!(parents.len(), 3);
    assert!(parents.iter().all(|(_, r)| r["id"] == root.id.as_str()));
    let parents = env
        .load(
            "product_category",
            "parent_category",
            &children,
            QueryContext::STORE,
        )
        .await
        .unwrap();
    assert!(parents.is_empty(), "the root is inactive");

    p.update_category_products(&children[1].id, &[made[0].id.clone()], &[])
        .await
        .unwrap();
    p.update_category_products(&children[0].id, &[made[0].id.clone()], &[])
        .await
        .unwrap();
    let store = env
        .load("product", "categories", &made[..1], QueryContext::STORE)
        .await
        .unwrap();
    assert_eq!(field(&store, "name"), ["Public"]);
    let admin = env
        .load("product", "categories", &made[..1], QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(admin.len(), 2);

    let err = env
        .load("product", "nope", &made[..1], QueryContext::ADMIN)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), stheno_module_sdk::ErrorKind::InvalidData);
}

#[tokio::test(flavor = "multi_thread")]
async fn creating_more_products_costs_no_more_statements() {
    let env = env().await;
    let p = &env.products;
    let tag = p
        .product_tags()
        .create(vec![CreateProductTag::new("t")])
        .await
        .unwrap()
        .remove(0);
    let category = p
        .create_categories(vec![CreateCategoryInput::new("c")])
        .await
        .unwrap()
        .remove(0);
    let batch = |n: usize, prefix: &str| {
        (0..n)
            .map(|i| {
                let mut input = CreateProductInput::new(format!("{prefix} {i}"));
                input.options = Some(vec![ProductOptionInput::new("Size", ["S", "M"])]);
                input.variants = Some(vec![
                    CreateVariantInput::new("S", [("Size", "S")]),
                    CreateVariantInput::new("M", [("Size", "M")]),
                ]);
                input.images = Some(vec![ImageInput::new("https://cdn/a.png")]);
                input.tags = Some(vec![IdRef::new(&tag.id)]);
                input.categories = Some(vec![IdRef::new(&category.id)]);
                input
            })
            .collect::<Vec<_>>()
    };
    let (one, one_cost) = QueryCounter::scope(p.create_products(batch(1, "one"))).await;
    assert_eq!(one.unwrap().len(), 1);
    let (ten, ten_cost) = QueryCounter::scope(p.create_products(batch(10, "ten"))).await;
    assert_eq!(ten.unwrap().len(), 10);
    assert_eq!(
        one_cost, ten_cost,
        "statements per create do not depend on the batch size"
    );
}
