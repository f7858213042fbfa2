use serde_json::json;
use stheno_core_flows::product::{
    BatchInput, CreateProductsStep, DeleteProductsStep, Update, UpdateProductsStep, batch_products,
    create_products, delete_products, update_products,
};
use stheno_product::{CreateProductInput, UpdateProductInput};
use stheno_workflow_sdk::Workflow;

use crate::support::{assert_same, count, env, input, seed};

fn new_product(handle: &str) -> CreateProductInput {
    input(json!({
        "title": "Hat",
        "handle": handle,
        "options": [{"title": "Size", "values": ["One"]}],
        "variants": [{"title": "One", "sku": format!("{handle}-1"), "options": {"Size": "One"}}],
        "images": [{"url": "https://img/hat.png"}]
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn create_products_creates_and_emits() {
    let env = env().await;
    let (created, events) = env
        .run(
            create_products(),
            vec![new_product("hat"), new_product("cap")],
        )
        .await;
    assert_eq!(created.len(), 2);
    assert_eq!(created[0].handle, "hat");
    assert_eq!(count(&events, "product.created"), 2);
    assert_eq!(count(&events, "product-variant.created"), 2);
    assert!(
        env.products
            .products()
            .retrieve(&created[1].id)
            .await
            .is_ok()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn create_products_is_compensated() {
    let env = env().await;
    seed(&env).await;
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(CreateProductsStep::new()),
        vec![new_product("hat")],
        &["create-products"],
    )
    .await;
    assert_same(&before, &env.state().await);
    // The module's own events are not held back by the workflow.
    let module = env.module_events.names();
    assert_eq!(count(&module, "product.product.created"), 1);
    assert_eq!(count(&module, "product.product.deleted"), 1);
}

/// Changes every part of the seeded product: columns, tags, categories,
/// images (one kept and changed, one dropped, one added), option links and
/// variants (one updated, one created, the others dropped).
fn big_update(s: &crate::support::Seeded, kept_image: &str) -> UpdateProductInput {
    input(json!({
        "title": "Renamed",
        "subtitle": "new",
        "status": "draft",
        "collection_id": null,
        "type_id": null,
        "metadata": {"k": 1},
        "tags": [{"id": s.tags[1]}],
        "categories": [{"id": s.categories[1]}],
        "images": [{"id": kept_image, "url": "https://img/changed.png"}, {"url": "https://img/new.png"}],
        "option_ids": [],
        "variants": [
            {"id": s.variants[0], "title": "First", "sku": "first"},
            {"title": "Brand new", "sku": "brand-new"}
        ]
    }))
}

#[tokio::test(flavor = "multi_thread")]
async fn update_products_updates_and_emits() {
    let env = env().await;
    let s = seed(&env).await;
    let snapshot = env
        .products
        .product_snapshots(std::slice::from_ref(&s.product))
        .await
        .unwrap();
    let kept = snapshot[0].images[0].id.clone();
    let (updated, events) = env
        .run(
            update_products(),
            vec![Update::new(&s.product, big_update(&s, &kept))],
        )
        .await;
    assert_eq!(updated[0].title, "Renamed");
    assert_eq!(updated[0].collection_id, None);
    assert_eq!(events, ["product.updated"]);
    let after = env
        .products
        .product_snapshots(std::slice::from_ref(&s.product))
        .await
        .unwrap();
    assert_eq!(after[0].tag_ids, [s.tags[1].clone()]);
    assert_eq!(after[0].images.len(), 2);
    assert_eq!(after[0].variants.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_products_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let snapshot = env
        .products
        .product_snapshots(std::slice::from_ref(&s.product))
        .await
        .unwrap();
    let kept = snapshot[0].images[0].id.clone();
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(UpdateProductsStep::new()),
        vec![Update::new(&s.product, big_update(&s, &kept))],
        &["update-products"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_products_undoes_earlier_updates_when_one_fails() {
    let env = env().await;
    let s = seed(&env).await;
    let before = env.state().await;
    let err = env
        .engine
        .run(
            &update_products(),
            vec![
                Update::new(&s.product, input(json!({"title": "Changed"}))),
                Update::new("prod_missing", input(json!({"title": "Nope"}))),
            ],
        )
        .await
        .result
        .unwrap_err();
    assert_eq!(err.failed_step(), Some("update-products"));
    assert_eq!(
        err.error().message(),
        "Product with id: prod_missing was not found"
    );
    assert_same(&before, &env.state().await);
    assert!(env.flow_events.names().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_products_deletes_and_emits() {
    let env = env().await;
    let s = seed(&env).await;
    let (deleted, events) = env
        .run(
            delete_products(),
            vec![s.product.clone(), "prod_unknown".into()],
        )
        .await;
    assert_eq!(deleted, std::slice::from_ref(&s.product));
    assert_eq!(events, ["product.deleted"]);
    assert!(env.products.products().retrieve(&s.product).await.is_err());
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_products_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(DeleteProductsStep::new()),
        vec![s.product.clone()],
        &["delete-products"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

fn batch(
    s: &crate::support::Seeded,
    other: &str,
) -> BatchInput<CreateProductInput, UpdateProductInput> {
    BatchInput {
        create: vec![new_product("hat")],
        update: vec![Update::new(
            &s.product,
            input(json!({"title": "Batched", "tags": []})),
        )],
        delete: vec![other.to_string()],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_products_runs_the_three_parts() {
    let env = env().await;
    let s = seed(&env).await;
    let other = env
        .products
        .create_products(vec![new_product("other")])
        .await
        .unwrap();
    let (out, events) = env.run(batch_products(), batch(&s, &other[0].id)).await;
    assert_eq!(out.created.len(), 1);
    assert_eq!(out.updated[0].title, "Batched");
    assert_eq!(out.deleted, std::slice::from_ref(&other[0].id));
    assert_eq!(count(&events, "product.created"), 1);
    assert_eq!(count(&events, "product.updated"), 1);
    assert_eq!(count(&events, "product.deleted"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_products_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let other = env
        .products
        .create_products(vec![new_product("other")])
        .await
        .unwrap();
    let before = env.state().await;
    env.run_failing(
        batch_products(),
        batch(&s, &other[0].id),
        &["delete-products", "update-products", "create-products"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

/// Linking an exclusive option that no product uses, then undoing it,
/// leaves the option as it was (unlinking alone would soft-delete it).
#[tokio::test(flavor = "multi_thread")]
async fn update_products_compensation_keeps_an_unlinked_exclusive_option() {
    let env = env().await;
    let s = seed(&env).await;
    let lone = env
        .products
        .create_options(vec![input(
            json!({"title": "Lone", "values": ["A"], "is_exclusive": true}),
        )])
        .await
        .unwrap()
        .remove(0);
    let snapshot = env
        .products
        .product_snapshots(std::slice::from_ref(&s.product))
        .await
        .unwrap();
    let mut option_ids = snapshot[0].option_ids.clone();
    option_ids.push(lone.id.clone());
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(UpdateProductsStep::new()),
        vec![Update::new(
            &s.product,
            input(json!({"option_ids": option_ids})),
        )],
        &["update-products"],
    )
    .await;
    assert_same(&before, &env.state().await);
    assert!(
        env.products
            .product_options()
            .retrieve(&lone.id)
            .await
            .is_ok()
    );
}
