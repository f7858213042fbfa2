//! Categories (tree, ranks, moves), collections, tags, types and options.

use stheno_module_sdk::ErrorKind;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::graph::QueryContext;
use stheno_module_sdk::list::{OrderBy, Page};
use stheno_product::*;

use crate::support::{assert_error, env, field};

async fn tree(p: &ProductModule, parent: Option<&str>) -> Vec<(String, i32)> {
    let filter = ProductCategoryFilter {
        parent_category_id: Some(match parent {
            Some(id) => FieldFilter::Eq(id.to_string()),
            None => FieldFilter::Null,
        }),
        ..Default::default()
    };
    let config = ListConfig::page(Page::new(0, 100)).ordered(vec![OrderBy::asc("rank")]);
    let rows = p.product_categories().list(&filter, &config).await.unwrap();
    rows.into_iter().map(|c| (c.name, c.rank)).collect()
}

fn names(rows: &[(String, i32)]) -> Vec<&str> {
    rows.iter().map(|(n, _)| n.as_str()).collect()
}

fn ranks(rows: &[(String, i32)]) -> Vec<i32> {
    rows.iter().map(|(_, r)| *r).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn category_tree_keeps_mpath_and_contiguous_ranks() {
    let env = env().await;
    let p = &env.products;
    let roots = p
        .create_categories(vec![
            CreateCategoryInput::new("Men"),
            CreateCategoryInput::new("Women"),
        ])
        .await
        .unwrap();
    let (men, women) = (&roots[0], &roots[1]);
    assert_eq!(men.mpath, men.id);
    assert_eq!((men.rank, women.rank), (0, 1));
    assert_eq!(men.handle, "men");

    let kids = p
        .create_categories(vec![
            CreateCategoryInput::new("Shirts").under(&men.id),
            CreateCategoryInput::new("Pants").under(&men.id),
            CreateCategoryInput::new("Shoes").under(&men.id),
        ])
        .await
        .unwrap();
    assert_eq!(kids[0].mpath, format!("{}.{}", men.id, kids[0].id));
    assert_eq!(
        tree(p, Some(&men.id)).await,
        [
            ("Shirts".into(), 0),
            ("Pants".into(), 1),
            ("Shoes".into(), 2)
        ]
    );

    // Creating at an explicit rank pushes later siblings down.
    let mut first = CreateCategoryInput::new("Hats").under(&men.id);
    first.rank = Some(0);
    p.create_categories(vec![first]).await.unwrap();
    let men_kids = tree(p, Some(&men.id)).await;
    assert_eq!(names(&men_kids), ["Hats", "Shirts", "Pants", "Shoes"]);
    assert_eq!(ranks(&men_kids), [0, 1, 2, 3]);

    let oxford = p
        .create_categories(vec![CreateCategoryInput::new("Oxford").under(&kids[0].id)])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(
        oxford.mpath,
        format!("{}.{}.{}", men.id, kids[0].id, oxford.id)
    );

    // Move Shirts (with Oxford) under Women: paths follow, ranks close up.
    let moved = p
        .update_category(
            &kids[0].id,
            UpdateCategoryInput {
                parent_category_id: Some(Some(women.id.clone())),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.mpath, format!("{}.{}", women.id, kids[0].id));
    assert_eq!(moved.rank, 0);
    let oxford_now = p.product_categories().retrieve(&oxford.id).await.unwrap();
    assert_eq!(
        oxford_now.mpath,
        format!("{}.{}.{}", women.id, kids[0].id, oxford.id)
    );
    let men_kids = tree(p, Some(&men.id)).await;
    assert_eq!(names(&men_kids), ["Hats", "Pants", "Shoes"]);
    assert_eq!(ranks(&men_kids), [0, 1, 2]);

    // Moving under one's own descendant is refused.
    assert_error(
        p.update_category(
            &kids[0].id,
            UpdateCategoryInput {
                parent_category_id: Some(Some(oxford.id.clone())),
                ..Default::default()
            },
        )
        .await,
        ErrorKind::InvalidData,
        &format!(
            "Cannot move ProductCategory {} under itself or one of its descendants",
            kids[0].id
        ),
    );

    // Rank changes among siblings, both ways.
    let shoes = &kids[2];
    p.update_category(
        &shoes.id,
        UpdateCategoryInput {
            rank: Some(0),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let men_kids = tree(p, Some(&men.id)).await;
    assert_eq!(names(&men_kids), ["Shoes", "Hats", "Pants"]);
    assert_eq!(ranks(&men_kids), [0, 1, 2]);
    p.update_category(
        &shoes.id,
        UpdateCategoryInput {
            rank: Some(99),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let men_kids = tree(p, Some(&men.id)).await;
    assert_eq!(names(&men_kids), ["Hats", "Pants", "Shoes"]);
    assert_eq!(ranks(&men_kids), [0, 1, 2]);

    // Moving to the root.
    let to_root = p
        .update_category(
            &shoes.id,
            UpdateCategoryInput {
                parent_category_id: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(to_root.mpath, shoes.id);
    assert_eq!(names(&tree(p, None).await), ["Men", "Women", "Shoes"]);

    // Tree helpers.
    let below_women = p
        .category_descendants(std::slice::from_ref(&women.id), false)
        .await
        .unwrap();
    let mut below: Vec<&str> = below_women.iter().map(|c| c.name.as_str()).collect();
    below.sort();
    assert_eq!(below, ["Oxford", "Shirts"]);
    let above: Vec<String> = p
        .category_ancestors(std::slice::from_ref(&oxford.id), false)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(above, ["Women", "Shirts"]);

    // Soft delete takes the subtree and renumbers the siblings left.
    env.bus.take();
    p.soft_delete_categories(std::slice::from_ref(&men.id))
        .await
        .unwrap();
    assert_eq!(env.bus.names().len(), 3, "Men, Hats and Pants");
    assert_eq!(
        tree(p, None).await,
        [("Women".into(), 0), ("Shoes".into(), 1)]
    );
    let (_, count) = p
        .product_categories()
        .list_and_count(&Default::default(), &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(count, 4);
    p.restore_categories(std::slice::from_ref(&men.id))
        .await
        .unwrap();
    assert_eq!(names(&tree(p, Some(&men.id)).await), ["Hats", "Pants"]);
    assert_eq!(ranks(&tree(p, None).await), [0, 1, 2]);
}

#[tokio::test(flavor = "multi_thread")]
async fn collection_and_category_products_are_added_and_removed_in_batches() {
    let env = env().await;
    let p = &env.products;
    let products = p
        .create_products(vec![
            CreateProductInput::new("One"),
            CreateProductInput::new("Two"),
            CreateProductInput::new("Three"),
        ])
        .await
        .unwrap();
    let pid: Vec<String> = products.iter().map(|x| x.id.clone()).collect();
    let collection = p
        .product_collections()
        .create(vec![CreateProductCollection::new("Drop")])
        .await
        .unwrap()
        .remove(0);
    let category = p
        .create_categories(vec![CreateCategoryInput::new("Cat")])
        .await
        .unwrap()
        .remove(0);
    env.bus.take();

    p.update_collection_products(&collection.id, &pid, &[])
        .await
        .unwrap();
    assert_eq!(
        env.bus.take().len(),
        3,
        "one product.product.updated per product"
    );
    p.update_collection_products(&collection.id, &[], &pid[..1])
        .await
        .unwrap();
    let in_collection = env
        .load(
            "product_collection",
            "products",
            &[&collection],
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!(field(&in_collection, "title"), ["Two", "Three"]);
    assert_eq!(
        p.products().retrieve(&pid[0]).await.unwrap().collection_id,
        None
    );
    assert_error(
        p.update_collection_products(&collection.id, &["prod_nope".to_string()], &[])
            .await,
        ErrorKind::NotFound,
        "Product with id: prod_nope was not found",
    );

    p.update_category_products(&category.id, &pid[..2], &[])
        .await
        .unwrap();
    p.update_category_products(&category.id, &pid[1..], &pid[..1])
        .await
        .unwrap();
    let in_category = env
        .load(
            "product_category",
            "products",
            &[&category],
            QueryContext::ADMIN,
        )
        .await
        .unwrap();
    assert_eq!(field(&in_category, "title"), ["Two", "Three"]);
    assert_error(
        p.update_category_products("pcat_nope", &pid, &[]).await,
        ErrorKind::NotFound,
        "ProductCategory with id: pcat_nope was not found",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn tags_types_and_collections_crud() {
    let env = env().await;
    let p = &env.products;
    let tags = p
        .product_tags()
        .create(vec![
            CreateProductTag::new("red"),
            CreateProductTag::new("blue"),
        ])
        .await
        .unwrap();
    assert!(tags[0].id.starts_with("ptag_"));
    assert_error(
        p.product_tags()
            .create(vec![CreateProductTag::new("red")])
            .await,
        ErrorKind::DuplicateError,
        "Product tag with value: red, already exists.",
    );
    let (rows, count) = p
        .product_tags()
        .list_and_count(
            &ProductTagFilter {
                q: Some("BLU".into()),
                ..Default::default()
            },
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!((count, rows[0].value.as_str()), (1, "blue"));
    let updated = p
        .product_tags()
        .update(
            &tags[0].id,
            UpdateProductTag {
                value: Some("crimson".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.value, "crimson");
    p.product_tags()
        .soft_delete(&[tags[0].id.clone()])
        .await
        .unwrap();
    assert_error(
        p.product_tags().retrieve(&tags[0].id).await,
        ErrorKind::NotFound,
        &format!("ProductTag with id: {} was not found", tags[0].id),
    );

    let ty = p
        .product_types()
        .create(vec![CreateProductType::new("digital")])
        .await
        .unwrap()
        .remove(0);
    assert!(ty.id.starts_with("ptyp_"));
    let (rows, _) = p
        .product_types()
        .list_and_count(
            &ProductTypeFilter {
                value: Some(FieldFilter::any(["digital".to_string()])),
                ..Default::default()
            },
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!(rows, std::slice::from_ref(&ty));

    let collection: CreateProductCollection = serde_json::from_value(
        serde_json::json!({ "title": "Spring 2025", "metadata": { "k": 1 } }),
    )
    .unwrap();
    let collection = p
        .product_collections()
        .create(vec![collection])
        .await
        .unwrap()
        .remove(0);
    assert_eq!(collection.handle, "spring-2025");
    let renamed = p
        .product_collections()
        .update(
            &collection.id,
            UpdateProductCollection {
                title: Some("Spring".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (renamed.title.as_str(), renamed.handle.as_str()),
        ("Spring", "spring-2025")
    );
    assert_eq!(
        env.bus.names().last().map(String::as_str),
        Some("product.product-collection.updated")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn global_options_are_linked_to_products() {
    let env = env().await;
    let p = &env.products;
    let size = p
        .create_options(vec![CreateOptionInput::new("Size", ["S", "M"])])
        .await
        .unwrap()
        .remove(0);
    assert!(!size.is_exclusive);
    assert_error(
        p.create_options(vec![CreateOptionInput::new("Size", ["L"])])
            .await,
        ErrorKind::DuplicateError,
        "Product option with title: Size, already exists.",
    );

    let mut input = CreateProductInput::new("Shirt");
    input.options = Some(vec![
        ProductOptionInput::existing(&size.id),
        ProductOptionInput::new("Fit", ["Slim"]),
    ]);
    input.variants = Some(vec![CreateVariantInput::new(
        "S slim",
        [("Size", "S"), ("Fit", "Slim")],
    )]);
    let shirt = p.create_products(vec![input]).await.unwrap().remove(0);
    let other = p
        .create_products(vec![CreateProductInput::new("Pants")])
        .await
        .unwrap()
        .remove(0);

    let (linked, _) = p
        .list_options_of_products(
            std::slice::from_ref(&shirt.id),
            &ProductOptionFilter::default(),
            &ListConfig::page(Page::default()).ordered(vec![OrderBy::asc("title")]),
        )
        .await
        .unwrap();
    assert_eq!(
        linked
            .iter()
            .map(|o| (o.title.as_str(), o.is_exclusive))
            .collect::<Vec<_>>(),
        [("Fit", true), ("Size", false)]
    );
    let fit = linked[0].clone();

    // A global option can be shared; an exclusive one cannot.
    p.link_product_options(&other.id, std::slice::from_ref(&size.id), &[])
        .await
        .unwrap();
    assert_error(
        p.link_product_options(&other.id, std::slice::from_ref(&fit.id), &[])
            .await,
        ErrorKind::NotAllowed,
        &format!("Option {} is exclusive to another product", fit.id),
    );
    assert_error(
        p.link_product_options(&other.id, std::slice::from_ref(&size.id), &[])
            .await,
        ErrorKind::InvalidData,
        &format!(
            "Option {} is already linked to product {}",
            size.id, other.id
        ),
    );

    // Unlinking an exclusive option deletes it; a global one stays.
    p.link_product_options(&shirt.id, &[], &[fit.id.clone(), size.id.clone()])
        .await
        .unwrap();
    assert_error(
        p.product_options().retrieve(&fit.id).await,
        ErrorKind::NotFound,
        &format!("ProductOption with id: {} was not found", fit.id),
    );
    assert!(p.product_options().retrieve(&size.id).await.is_ok());

    // A product may use a subset of a shared option's values.
    let (values, _) = p
        .product_option_values()
        .list_and_count(
            &ProductOptionValueFilter {
                option_id: Some(FieldFilter::any([size.id.clone()])),
                ..Default::default()
            },
            &ListConfig::page(Page::default()).ordered(vec![OrderBy::asc("rank")]),
        )
        .await
        .unwrap();
    let mut subset = ProductOptionInput::existing(&size.id);
    subset.value_ids = Some(vec![values[0].id.clone()]);
    let mut input = CreateProductInput::new("Socks");
    input.options = Some(vec![subset]);
    input.variants = Some(vec![CreateVariantInput::new("M", [("Size", "M")])]);
    assert_error(
        p.create_products(vec![input]).await,
        ErrorKind::InvalidData,
        "Option value M does not exist for option Size",
    );

    // Values replace: kept values keep their id.
    let before = env
        .load("product_option", "values", &[&size], QueryContext::ADMIN)
        .await
        .unwrap();
    let m_id = before[1].1["id"].clone();
    let update = UpdateOptionInput {
        values: Some(vec!["M".into(), "XL".into()]),
        ..Default::default()
    };
    p.update_option(&size.id, update).await.unwrap();
    let after = env
        .load("product_option", "values", &[&size], QueryContext::ADMIN)
        .await
        .unwrap();
    assert_eq!(field(&after, "value"), ["M", "XL"]);
    assert_eq!(after[0].1["id"], m_id);
    assert_eq!(field(&after, "rank"), ["0", "1"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn categories_reject_unknown_parents() {
    let env = env().await;
    assert_error(
        env.products
            .create_categories(vec![CreateCategoryInput::new("Orphan").under("pcat_nope")])
            .await,
        ErrorKind::NotFound,
        "ProductCategory with id: pcat_nope was not found",
    );
}
