//! Products and variants: create with nested data, read back, filters,
//! ordering, updates, soft delete and restore, events.

use stheno_module_sdk::ErrorKind;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::graph::QueryContext;
use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
use stheno_product::models::ProductStatus;
use stheno_product::*;

use crate::support::{assert_error, env, field, ids};

fn one(id: &str) -> Option<OneOrMany> {
    Some(OneOrMany(vec![id.to_string()]))
}

fn eq(id: &str) -> Option<FieldFilter<String>> {
    Some(FieldFilter::Eq(id.to_string()))
}

fn products_where(columns: ProductFilter) -> ProductListFilter {
    ProductListFilter {
        columns,
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_is_visible() {
    assert!(
        stheno_module_sdk::module::registered_modules().any(|m| m.key == "product"),
        "the product module registers itself"
    );

    use diesel::migration::MigrationSource;
    let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS).unwrap();
    assert_eq!(migrations.len(), 3, "the product migrations are embedded");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_product_with_everything_and_read_it_back() {
    let env = env().await;
    let p = &env.products;
    let tag = p
        .product_tags()
        .create(vec![CreateProductTag::new("summer")])
        .await
        .unwrap()
        .remove(0);
    let category = p
        .create_categories(vec![CreateCategoryInput::new("Shirts")])
        .await
        .unwrap()
        .remove(0);
    let collection = p
        .product_collections()
        .create(vec![CreateProductCollection::new("Winter Sale")])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(collection.handle, "winter-sale");
    let kind = p
        .product_types()
        .create(vec![CreateProductType::new("apparel")])
        .await
        .unwrap()
        .remove(0);
    env.bus.take();

    let input: CreateProductInput = serde_json::from_value(serde_json::json!({
        "title": "Medusa T-Shirt",
        "description": "Reimagine the feeling of a classic T-shirt.",
        "weight": 400.5,
        "options": [
            { "title": "Size", "values": ["S", "M", "L"] },
            { "title": "Color", "values": ["Black", "White"] }
        ],
        "variants": [
            { "title": "S / Black", "sku": "SHIRT-S-BLACK", "options": { "Size": "S", "Color": "Black" } },
            { "title": "M / White", "sku": "SHIRT-M-WHITE", "options": { "Size": "M", "Color": "White" },
              "prices": [{ "currency_code": "eur", "amount": 10 }] }
        ],
        "images": [{ "url": "https://cdn/front.png" }, { "url": "https://cdn/back.png" }],
        "tags": [{ "id": tag.id }],
        "categories": [{ "id": category.id }],
        "type_id": kind.id,
        "collection_id": collection.id,
        "sales_channels": [{ "id": "sc_123" }]
    }))
    .unwrap();
    let product = p.create_products(vec![input]).await.unwrap().remove(0);

    assert!(product.id.starts_with("prod_"));
    assert_eq!(product.handle, "medusa-t-shirt");
    assert_eq!(product.status, ProductStatus::Draft);
    assert_eq!(product.thumbnail.as_deref(), Some("https://cdn/front.png"));
    assert!(product.discountable);
    assert_eq!(product.weight, Some(400.5));
    assert_eq!(p.products().retrieve(&product.id).await.unwrap(), product);

    let json = serde_json::to_value(&product).unwrap();
    assert_eq!(json["weight"], serde_json::json!(400.5));
    assert_eq!(json["status"], "draft");
    assert!(json["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(json["deleted_at"], serde_json::Value::Null);

    let admin = QueryContext::ADMIN;
    let variants = env
        .load("product", "variants", &[&product], admin)
        .await
        .unwrap();
    assert_eq!(field(&variants, "sku"), ["SHIRT-S-BLACK", "SHIRT-M-WHITE"]);
    assert!(variants.iter().all(|(parent, _)| *parent == product.id));
    assert!(
        field(&variants, "id")
            .iter()
            .all(|id| id.starts_with("variant_"))
    );

    let options = env
        .load("product", "options", &[&product], admin)
        .await
        .unwrap();
    assert_eq!(field(&options, "title"), ["Size", "Color"]);
    assert_eq!(field(&options, "is_exclusive"), ["true", "true"]);
    let size: Vec<_> = options.iter().map(|(_, r)| r.clone()).collect();
    let values = env
        .load("product_option", "values", &size[..1], admin)
        .await
        .unwrap();
    assert_eq!(field(&values, "value"), ["S", "M", "L"]);
    assert_eq!(field(&values, "rank"), ["0", "1", "2"]);

    let variant_records: Vec<_> = variants.iter().map(|(_, r)| r.clone()).collect();
    let variant_options = env
        .load("product_variant", "options", &variant_records, admin)
        .await
        .unwrap();
    let mut first: Vec<String> = variant_options
        .iter()
        .filter(|(v, _)| *v == variant_records[0]["id"])
        .map(|(_, r)| r["value"].as_str().unwrap().to_string())
        .collect();
    first.sort();
    assert_eq!(first, ["Black", "S"]);

    let images = env
        .load("product", "images", &[&product], admin)
        .await
        .unwrap();
    assert_eq!(
        field(&images, "url"),
        ["https://cdn/front.png", "https://cdn/back.png"]
    );
    assert_eq!(field(&images, "rank"), ["0", "1"]);
    let tags = env
        .load("product", "tags", &[&product], admin)
        .await
        .unwrap();
    assert_eq!(field(&tags, "value"), ["summer"]);
    let categories = env
        .load("product", "categories", &[&product], admin)
        .await
        .unwrap();
    assert_eq!(field(&categories, "name"), ["Shirts"]);
    let ty = env
        .load("product", "type", &[&product], admin)
        .await
        .unwrap();
    assert_eq!(field(&ty, "value"), ["apparel"]);
    let coll = env
        .load("product", "collection", &[&product], admin)
        .await
        .unwrap();
    assert_eq!(field(&coll, "title"), ["Winter Sale"]);

    let names = env.bus.names();
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "product.product.created")
            .count(),
        1
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "product.product-variant.created")
            .count(),
        2
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "product.product-option.created")
            .count(),
        2
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "product.product-option-value.created")
            .count(),
        5
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "product.product-image.created")
            .count(),
        2
    );
    let events = env.bus.take();
    let created = events
        .iter()
        .find(|e| e.name == "product.product.created")
        .unwrap();
    assert_eq!(created.data, serde_json::json!({ "id": product.id }));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_rejects_bad_references_and_options() {
    let env = env().await;
    let p = &env.products;

    let mut bad_value = CreateProductInput::new("Shirt");
    bad_value.options = Some(vec![ProductOptionInput::new("Size", ["S"])]);
    bad_value.variants = Some(vec![CreateVariantInput::new("XL", [("Size", "XL")])]);
    assert_error(
        p.create_products(vec![bad_value]).await,
        ErrorKind::InvalidData,
        "Option value XL does not exist for option Size",
    );

    let mut same_combo = CreateProductInput::new("Shirt");
    same_combo.options = Some(vec![ProductOptionInput::new("Size", ["S"])]);
    same_combo.variants = Some(vec![
        CreateVariantInput::new("One", [("Size", "S")]),
        CreateVariantInput::new("Two", [("Size", "S")]),
    ]);
    assert_error(
        p.create_products(vec![same_combo]).await,
        ErrorKind::InvalidData,
        "Variant \"Two\" has same combination of option values as \"One\".",
    );

    let mut unknown_tag = CreateProductInput::new("Shirt");
    unknown_tag.tags = Some(vec![IdRef::new("ptag_nope")]);
    assert_error(
        p.create_products(vec![unknown_tag]).await,
        ErrorKind::NotFound,
        "ProductTag with id: ptag_nope was not found",
    );

    // Nothing was written by the failed transactions.
    let (_, count) = p
        .list_products(&ProductListFilter::default(), &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(count, 0);
    assert!(
        env.bus.names().is_empty(),
        "no events for rolled-back writes"
    );

    // Unknown fields are rejected by the input types.
    let err =
        serde_json::from_value::<CreateProductInput>(serde_json::json!({"title": "x", "foo": 1}))
            .unwrap_err();
    assert!(err.to_string().contains("unknown field `foo`"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn variants_without_options_get_the_default_option() {
    let env = env().await;
    let mut input = CreateProductInput::new("Gift Card");
    input.variants = Some(vec![CreateVariantInput::new("Default variant", [])]);
    let product = env
        .products
        .create_products(vec![input])
        .await
        .unwrap()
        .remove(0);
    let options = env
        .load("product", "options", &[&product], QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(field(&options, "title"), [DEFAULT_OPTION_TITLE]);
    let (variants, _) = env
        .products
        .product_variants()
        .list_and_count(
            &ProductVariantFilter {
                product_id: eq(&product.id),
                ..Default::default()
            },
            &ListConfig::default(),
        )
        .await
        .unwrap();
    let values = env
        .load("product_variant", "options", &variants, QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(field(&values, "value"), [DEFAULT_OPTION_VALUE]);
}

#[tokio::test(flavor = "multi_thread")]
async fn handles_and_skus_are_unique_among_live_rows() {
    let env = env().await;
    let p = &env.products;
    let first = p
        .create_products(vec![CreateProductInput::new("Shirt")])
        .await
        .unwrap()
        .remove(0);
    assert_error(
        p.create_products(vec![CreateProductInput::new("Shirt")])
            .await,
        ErrorKind::DuplicateError,
        "Product with handle: shirt, already exists.",
    );

    let mut with_sku = CreateVariantInput::new("A", []);
    with_sku.sku = Some("SKU-1".into());
    p.create_variants(&first.id, vec![with_sku.clone()])
        .await
        .unwrap();
    assert_error(
        p.create_variants(&first.id, vec![with_sku]).await,
        ErrorKind::DuplicateError,
        "Product variant with sku: SKU-1, already exists.",
    );

    // A soft-deleted product no longer holds its handle.
    p.products()
        .soft_delete(std::slice::from_ref(&first.id))
        .await
        .unwrap();
    let second = p
        .create_products(vec![CreateProductInput::new("Shirt")])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(second.handle, "shirt");
    // …and cannot come back while the handle is taken.
    assert_error(
        p.products().restore(std::slice::from_ref(&first.id)).await,
        ErrorKind::DuplicateError,
        "Product with handle: shirt, already exists.",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_order_and_pagination() {
    let env = env().await;
    let p = &env.products;
    let clothes = p
        .create_categories(vec![CreateCategoryInput::new("Clothes")])
        .await
        .unwrap()
        .remove(0);
    let shirts = p
        .create_categories(vec![CreateCategoryInput::new("Shirts").under(&clothes.id)])
        .await
        .unwrap()
        .remove(0);
    let tees = p
        .create_categories(vec![CreateCategoryInput::new("Tees").under(&shirts.id)])
        .await
        .unwrap()
        .remove(0);
    let other = p
        .create_categories(vec![CreateCategoryInput::new("Other")])
        .await
        .unwrap()
        .remove(0);
    let tag = p
        .product_tags()
        .create(vec![CreateProductTag::new("sale")])
        .await
        .unwrap()
        .remove(0);
    let collection = p
        .product_collections()
        .create(vec![CreateProductCollection::new("Summer")])
        .await
        .unwrap()
        .remove(0);

    let mut made = Vec::new();
    for (i, title) in ["Banana Tee", "Apple Shirt", "Cherry Hoodie", "Date Sweater"]
        .iter()
        .enumerate()
    {
        let mut input = CreateProductInput::new(*title);
        input.status = Some(if i % 2 == 0 {
            ProductStatus::Published
        } else {
            ProductStatus::Draft
        });
        input.categories = Some(vec![IdRef::new(match i {
            0 => &tees.id,
            1 => &shirts.id,
            2 => &other.id,
            _ => &clothes.id,
        })]);
        if i == 1 {
            input.tags = Some(vec![IdRef::new(&tag.id)]);
            input.collection_id = Some(collection.id.clone());
        }
        let mut variant = CreateVariantInput::new("Default", []);
        variant.sku = Some(format!("SKU-{title}").replace(' ', "-").to_uppercase());
        input.variants = Some(vec![variant]);
        made.push(p.create_products(vec![input]).await.unwrap().remove(0));
    }
    let titles =
        |rows: &[models::Product]| rows.iter().map(|r| r.title.clone()).collect::<Vec<_>>();
    let list = |filter: ProductListFilter, order: Vec<OrderBy>| async move {
        p.list_products(&filter, &ListConfig::page(Page::new(0, 50)).ordered(order))
            .await
            .unwrap()
    };

    let (rows, count) = list(ProductListFilter::default(), vec![]).await;
    assert_eq!(count, 4);
    assert_eq!(
        titles(&rows),
        ["Banana Tee", "Apple Shirt", "Cherry Hoodie", "Date Sweater"]
    );

    let (rows, _) = list(ProductListFilter::default(), vec![OrderBy::asc("title")]).await;
    assert_eq!(
        titles(&rows),
        ["Apple Shirt", "Banana Tee", "Cherry Hoodie", "Date Sweater"]
    );
    let (rows, _) = list(ProductListFilter::default(), vec![OrderBy::desc("title")]).await;
    assert_eq!(titles(&rows)[0], "Date Sweater");

    let published = products_where(ProductFilter {
        status: Some(FieldFilter::In(vec![ProductStatus::Published])),
        ..Default::default()
    });
    let (rows, count) = list(published, vec![]).await;
    assert_eq!(
        (count, titles(&rows)),
        (2, vec!["Banana Tee".into(), "Cherry Hoodie".into()])
    );

    let (rows, _) = list(
        ProductListFilter {
            q: Some("hoOD".into()),
            ..Default::default()
        },
        vec![],
    )
    .await;
    assert_eq!(titles(&rows), ["Cherry Hoodie"]);
    let (rows, _) = list(
        ProductListFilter {
            q: Some("sku-date".into()),
            ..Default::default()
        },
        vec![],
    )
    .await;
    assert_eq!(titles(&rows), ["Date Sweater"], "q matches variant SKUs");

    let (rows, _) = list(
        products_where(ProductFilter {
            collection_id: eq(&collection.id),
            ..Default::default()
        }),
        vec![],
    )
    .await;
    assert_eq!(titles(&rows), ["Apple Shirt"]);
    let (rows, _) = list(
        products_where(ProductFilter {
            tags: eq(&tag.id),
            ..Default::default()
        }),
        vec![],
    )
    .await;
    assert_eq!(titles(&rows), ["Apple Shirt"]);

    // A category matches its own products and those of every descendant.
    let (rows, _) = list(
        ProductListFilter {
            category_id: one(&clothes.id),
            ..Default::default()
        },
        vec![],
    )
    .await;
    assert_eq!(titles(&rows), ["Banana Tee", "Apple Shirt", "Date Sweater"]);
    let (rows, _) = list(
        ProductListFilter {
            category_id: one(&shirts.id),
            ..Default::default()
        },
        vec![],
    )
    .await;
    assert_eq!(titles(&rows), ["Banana Tee", "Apple Shirt"]);
    let (rows, _) = list(
        ProductListFilter {
            category_id: one(&tees.id),
            ..Default::default()
        },
        vec![],
    )
    .await;
    assert_eq!(titles(&rows), ["Banana Tee"]);

    let two = FieldFilter::In(vec![made[3].id.clone(), made[0].id.clone()]);
    let (rows, count) = list(
        products_where(ProductFilter {
            id: Some(two),
            ..Default::default()
        }),
        vec![],
    )
    .await;
    assert_eq!(
        (count, titles(&rows)),
        (2, vec!["Banana Tee".into(), "Date Sweater".into()])
    );

    let future = DateFilter {
        gt: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
        ..Default::default()
    };
    let (_, count) = list(
        products_where(ProductFilter {
            created_at: Some(future.into()),
            ..Default::default()
        }),
        vec![],
    )
    .await;
    assert_eq!(count, 0);

    // Pagination: the count is the total, the page is a slice.
    let (rows, count) = p
        .list_products(
            &ProductListFilter::default(),
            &ListConfig::page(Page::new(1, 2)).ordered(vec![OrderBy::asc("title")]),
        )
        .await
        .unwrap();
    assert_eq!(count, 4);
    assert_eq!(titles(&rows), ["Banana Tee", "Cherry Hoodie"]);

    assert_error(
        p.list_products(
            &ProductListFilter::default(),
            &ListConfig::default().ordered(vec![OrderBy::asc("variants.title")]),
        )
        .await,
        ErrorKind::InvalidData,
        "Order field variants.title is not valid",
    );

    // Filters deserialise from query-shaped JSON.
    let filter: ProductListFilter =
        serde_json::from_value(serde_json::json!({ "status": "draft", "id": [made[1].id] }))
            .unwrap();
    let (rows, _) = list(filter, vec![]).await;
    assert_eq!(titles(&rows), ["Apple Shirt"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_replaces_collections_of_children_and_upserts_variants() {
    let env = env().await;
    let p = &env.products;
    let tags = p
        .product_tags()
        .create(vec![CreateProductTag::new("a"), CreateProductTag::new("b")])
        .await
        .unwrap();
    let mut input = CreateProductInput::new("Shirt");
    input.options = Some(vec![ProductOptionInput::new("Size", ["S", "M", "L"])]);
    input.variants = Some(vec![
        CreateVariantInput::new("S", [("Size", "S")]),
        CreateVariantInput::new("M", [("Size", "M")]),
    ]);
    input.images = Some(vec![
        ImageInput::new("https://cdn/1.png"),
        ImageInput::new("https://cdn/2.png"),
    ]);
    input.tags = Some(vec![IdRef::new(&tags[0].id)]);
    let product = p.create_products(vec![input]).await.unwrap().remove(0);
    let (variants, _) = p
        .product_variants()
        .list_and_count(
            &ProductVariantFilter {
                product_id: eq(&product.id),
                ..Default::default()
            },
            &ListConfig::default(),
        )
        .await
        .unwrap();
    let small = variants.iter().find(|v| v.title == "S").unwrap().clone();
    let medium = variants.iter().find(|v| v.title == "M").unwrap().clone();
    let images = env
        .load("product", "images", &[&product], QueryContext::ADMIN)
        .await
        .unwrap();
    let first_image = images[0].1["id"].as_str().unwrap().to_string();
    env.bus.take();

    let update: UpdateProductInput = serde_json::from_value(serde_json::json!({
        "title": "Better Shirt",
        "subtitle": "soft",
        "images": [{ "url": "https://cdn/3.png" }, { "id": first_image, "url": "https://cdn/1.png" }],
        "tags": [{ "id": tags[1].id }],
        "variants": [
            { "id": small.id, "title": "Small", "sku": "S-1" },
            { "title": "L", "options": { "Size": "L" } }
        ]
    }))
    .unwrap();
    let updated = p.update_product(&product.id, update).await.unwrap();
    assert_eq!(updated.title, "Better Shirt");
    assert_eq!(updated.subtitle.as_deref(), Some("soft"));
    assert_eq!(
        updated.handle, "shirt",
        "the handle does not follow the title"
    );

    let (variants, _) = p
        .product_variants()
        .list_and_count(
            &ProductVariantFilter {
                product_id: eq(&product.id),
                ..Default::default()
            },
            &ListConfig::default().ordered(vec![OrderBy::asc("title")]),
        )
        .await
        .unwrap();
    assert_eq!(
        variants
            .iter()
            .map(|v| v.title.as_str())
            .collect::<Vec<_>>(),
        ["L", "Small"]
    );
    let small_now = variants.iter().find(|v| v.id == small.id).unwrap();
    assert_eq!(small_now.sku.as_deref(), Some("S-1"));
    assert_error(
        p.product_variants().retrieve(&medium.id).await,
        ErrorKind::NotFound,
        &format!("ProductVariant with id: {} was not found", medium.id),
    );

    let images = env
        .load("product", "images", &[&product], QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(
        field(&images, "url"),
        ["https://cdn/3.png", "https://cdn/1.png"]
    );
    assert_eq!(
        images[1].1["id"],
        first_image.as_str(),
        "listed images keep their id"
    );
    let tag_rows = env
        .load("product", "tags", &[&product], QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(field(&tag_rows, "value"), ["b"]);

    let names = env.bus.names();
    for expected in [
        "product.product.updated",
        "product.product-variant.updated",
        "product.product-variant.created",
        "product.product-variant.deleted",
        "product.product-image.created",
        "product.product-image.deleted",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "missing {expected} in {names:?}"
        );
    }

    // Clearing with null, and the removed `options` property.
    let clear: UpdateProductInput =
        serde_json::from_value(serde_json::json!({ "subtitle": null })).unwrap();
    assert_eq!(
        p.update_product(&product.id, clear).await.unwrap().subtitle,
        None
    );
    let legacy: UpdateProductInput =
        serde_json::from_value(serde_json::json!({ "options": [{ "title": "Size" }] })).unwrap();
    assert_error(
        p.update_product(&product.id, legacy).await,
        ErrorKind::InvalidData,
        "Invalid request: The 'options' property was removed in version 2.16.0. Please remove it from your request payload.",
    );
    assert_error(
        p.update_product("prod_nope", UpdateProductInput::default())
            .await,
        ErrorKind::NotFound,
        "Product with id: prod_nope was not found",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_variant_options_are_checked() {
    let env = env().await;
    let p = &env.products;
    let mut input = CreateProductInput::new("Shirt");
    input.options = Some(vec![ProductOptionInput::new("Size", ["S", "M"])]);
    input.variants = Some(vec![
        CreateVariantInput::new("S", [("Size", "S")]),
        CreateVariantInput::new("M", [("Size", "M")]),
    ]);
    let product = p.create_products(vec![input]).await.unwrap().remove(0);
    let (variants, _) = p
        .product_variants()
        .list_and_count(
            &ProductVariantFilter {
                product_id: eq(&product.id),
                ..Default::default()
            },
            &ListConfig::default().ordered(vec![OrderBy::asc("title")]),
        )
        .await
        .unwrap();
    let change = |size: &str| UpdateVariantInput {
        options: Some([("Size".to_string(), size.to_string())].into()),
        ..Default::default()
    };
    assert_error(
        p.update_variant(&variants[1].id, change("M")).await,
        ErrorKind::InvalidData,
        "Variant \"S\" has same combination of option values as \"M\".",
    );
    assert_error(
        p.update_variant(&variants[1].id, change("XL")).await,
        ErrorKind::InvalidData,
        "Option value XL does not exist for option Size",
    );
    let renamed = p
        .update_variant(
            &variants[1].id,
            UpdateVariantInput {
                title: Some("Small".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.title, "Small");
    assert_eq!(renamed.product_id.as_deref(), Some(product.id.as_str()));
}

#[tokio::test(flavor = "multi_thread")]
async fn soft_delete_cascades_and_restore_brings_back_what_it_deleted() {
    let env = env().await;
    let p = &env.products;
    let mut input = CreateProductInput::new("Shirt");
    input.options = Some(vec![ProductOptionInput::new("Size", ["S", "M"])]);
    input.variants = Some(vec![
        CreateVariantInput::new("S", [("Size", "S")]),
        CreateVariantInput::new("M", [("Size", "M")]),
    ]);
    input.images = Some(vec![ImageInput::new("https://cdn/1.png")]);
    let product = p.create_products(vec![input]).await.unwrap().remove(0);
    let by_product = ProductVariantFilter {
        product_id: eq(&product.id),
        ..Default::default()
    };
    let (variants, _) = p
        .product_variants()
        .list_and_count(
            &by_product,
            &ListConfig::default().ordered(vec![OrderBy::asc("title")]),
        )
        .await
        .unwrap();

    // A variant deleted on its own stays deleted after the product's restore.
    p.product_variants()
        .soft_delete(&[variants[0].id.clone()])
        .await
        .unwrap();
    env.bus.take();
    p.products()
        .soft_delete(std::slice::from_ref(&product.id))
        .await
        .unwrap();
    assert_eq!(
        env.bus.names(),
        [
            "product.product.deleted",
            "product.product-variant.deleted",
            "product.product-image.deleted"
        ]
    );
    assert_error(
        p.products().retrieve(&product.id).await,
        ErrorKind::NotFound,
        &format!("Product with id: {} was not found", product.id),
    );
    let (_, count) = p
        .product_variants()
        .list_and_count(&by_product, &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(count, 0);
    let (rows, _) = p
        .list_products(
            &ProductListFilter::default(),
            &ListConfig::default().with_deleted(true),
        )
        .await
        .unwrap();
    assert!(rows[0].deleted_at.is_some());

    p.products()
        .restore(std::slice::from_ref(&product.id))
        .await
        .unwrap();
    assert!(
        p.products()
            .retrieve(&product.id)
            .await
            .unwrap()
            .deleted_at
            .is_none()
    );
    let (restored, _) = p
        .product_variants()
        .list_and_count(&by_product, &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(ids(&restored, |v| &v.id), [variants[1].id.clone()]);
    let images = env
        .load("product", "images", &[&product], QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(images.len(), 1);

    // Hard delete removes the product and the options only it used.
    p.delete_products(std::slice::from_ref(&product.id))
        .await
        .unwrap();
    let (options, _) = p
        .product_options()
        .list_and_count(
            &ProductOptionFilter::default(),
            &ListConfig::page(Page::default()).with_deleted(true),
        )
        .await
        .unwrap();
    assert!(options.is_empty());
}
