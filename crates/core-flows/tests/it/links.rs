//! Products in collections and categories, options on a product.

use serde_json::json;
use stheno_core_flows::product::{
    LinkBatch, batch_link_products_to_category, batch_link_products_to_collection,
    create_and_link_product_options_to_product,
};

use crate::support::{assert_same, env, input, seed};

#[tokio::test(flavor = "multi_thread")]
async fn collection_batch_links_and_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let m = &env.products;
    let other = m
        .product_collections()
        .create(vec![input(json!({"title": "Other"}))])
        .await
        .unwrap()
        .remove(0);
    // In another collection, in none, and in this one (removed).
    let moved = m
        .create_products(vec![
            input(json!({"title": "Moved", "collection_id": s.collection})),
            input(json!({"title": "Loose"})),
        ])
        .await
        .unwrap();
    let batch = LinkBatch::new(
        &other.id,
        vec![moved[0].id.clone(), moved[1].id.clone()],
        vec![s.product.clone()],
    );
    // s.product is in `s.collection`, not in `other`: removing it from
    // `other` leaves it alone.
    let before = env.state().await;
    env.run_failing(
        batch_link_products_to_collection(),
        batch.clone(),
        &["batch-link-products-to-collection"],
    )
    .await;
    assert_same(&before, &env.state().await);

    let (_, events) = env.run(batch_link_products_to_collection(), batch).await;
    assert!(events.is_empty(), "{events:?}");
    let p = m.products().retrieve(&moved[0].id).await.unwrap();
    assert_eq!(p.collection_id.as_deref(), Some(other.id.as_str()));
    let p = m.products().retrieve(&s.product).await.unwrap();
    assert_eq!(p.collection_id.as_deref(), Some(s.collection.as_str()));

    // Removing from the right collection, compensated.
    let batch = LinkBatch::new(&other.id, vec![], vec![moved[1].id.clone()]);
    let before = env.state().await;
    env.run_failing(
        batch_link_products_to_collection(),
        batch,
        &["batch-link-products-to-collection"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn category_batch_links_and_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let m = &env.products;
    let hat = m
        .create_products(vec![input(
            json!({"title": "Hat", "categories": [{"id": s.categories[1]}]}),
        )])
        .await
        .unwrap()
        .remove(0);
    // Add one already linked (no-op) and one new; remove one linked and
    // one not linked.
    let batch = LinkBatch::new(
        &s.categories[0],
        vec![s.product.clone(), hat.id.clone()],
        vec![],
    );
    let before = env.state().await;
    env.run_failing(
        batch_link_products_to_category(),
        batch.clone(),
        &["batch-link-products-to-category"],
    )
    .await;
    assert_same(&before, &env.state().await);
    env.run(batch_link_products_to_category(), batch).await;
    assert_eq!(
        m.products_in_category(&s.categories[0], &[s.product.clone(), hat.id.clone()])
            .await
            .unwrap()
            .len(),
        2
    );

    let batch = LinkBatch::new(
        &s.categories[1],
        vec![],
        vec![hat.id.clone(), s.product.clone()],
    );
    let before = env.state().await;
    env.run_failing(
        batch_link_products_to_category(),
        batch,
        &["batch-link-products-to-category"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn product_options_batch_links_and_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let m = &env.products;
    let snapshot = m
        .product_snapshots(std::slice::from_ref(&s.product))
        .await
        .unwrap();
    // Size is exclusive to the product: unlinking it soft-deletes it, the
    // compensation must bring it back and link it again.
    let size = snapshot[0].option_ids[0].clone();
    let batch = LinkBatch::new(&s.product, vec![s.option.clone()], vec![size.clone()]);
    let before = env.state().await;
    env.run_failing(
        create_and_link_product_options_to_product(),
        batch.clone(),
        &[
            "remove-product-options-from-product",
            "add-product-options-to-product",
        ],
    )
    .await;
    assert_same(&before, &env.state().await);

    let (_, events) = env
        .run(create_and_link_product_options_to_product(), batch)
        .await;
    assert_eq!(events, ["product.updated"]);
    let after = m
        .product_snapshots(std::slice::from_ref(&s.product))
        .await
        .unwrap();
    assert!(after[0].option_ids.contains(&s.option));
    assert!(!after[0].option_ids.contains(&size));
    assert!(
        m.product_options().retrieve(&size).await.is_err(),
        "exclusive option deleted"
    );
}
