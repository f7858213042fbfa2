use serde_json::json;
use stheno_core_flows::product::{
    BatchInput, CreateProductVariantsStep, DeleteProductVariantsStep, NewVariant, Update,
    UpdateProductVariantsStep, batch_product_variants, create_product_variants,
    delete_product_variants, update_product_variants,
};
use stheno_workflow_sdk::Workflow;

use crate::support::{Seeded, assert_same, count, env, input, seed};

/// A variant whose combination is taken.
fn taken_variant(s: &Seeded) -> NewVariant {
    NewVariant::new(
        &s.product,
        input(
            json!({"title": "L / Black", "sku": "l-b", "options": {"Size": "S", "Color": "Black"}}),
        ),
    )
}

/// A variant without option values (the seeded product already has every
/// Size × Color combination).
fn lone_variant(s: &Seeded) -> NewVariant {
    NewVariant::new(&s.product, input(json!({"title": "Loose", "sku": "loose"})))
}

#[tokio::test(flavor = "multi_thread")]
async fn create_product_variants_creates_and_emits() {
    let env = env().await;
    let s = seed(&env).await;
    let (created, events) = env
        .run(create_product_variants(), vec![lone_variant(&s)])
        .await;
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].sku.as_deref(), Some("loose"));
    assert_eq!(events, ["product-variant.created"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_product_variants_rejects_a_taken_combination() {
    let env = env().await;
    let s = seed(&env).await;
    let before = env.state().await;
    let err = env
        .engine
        .run(&create_product_variants(), vec![taken_variant(&s)])
        .await
        .result
        .unwrap_err();
    assert_eq!(err.failed_step(), Some("create-product-variants"));
    assert_same(&before, &env.state().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn create_product_variants_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(CreateProductVariantsStep::new()),
        vec![lone_variant(&s)],
        &["create-product-variants"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

/// New columns for the first variant (one cleared, one set).
fn variant_update(s: &Seeded) -> Vec<Update<stheno_product::UpdateVariantInput>> {
    vec![Update::new(
        &s.variants[0],
        input(json!({"title": "Changed", "sku": null, "weight": 2.5, "metadata": {"a": 1}})),
    )]
}

#[tokio::test(flavor = "multi_thread")]
async fn update_product_variants_updates_and_emits() {
    let env = env().await;
    let s = seed(&env).await;
    let (updated, events) = env.run(update_product_variants(), variant_update(&s)).await;
    assert_eq!(updated[0].title, "Changed");
    assert_eq!(updated[0].sku, None);
    assert_eq!(events, ["product-variant.updated"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_product_variants_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(UpdateProductVariantsStep::new()),
        variant_update(&s),
        &["update-product-variants"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_product_variants_compensation_restores_option_values() {
    let env = env().await;
    let s = seed(&env).await;
    // Free a combination, then move a variant onto it.
    env.products
        .product_variants()
        .soft_delete(std::slice::from_ref(&s.variants[3]))
        .await
        .unwrap();
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(UpdateProductVariantsStep::new()),
        vec![Update::new(
            &s.variants[0],
            input(json!({"options": {"Size": "M", "Color": "White"}})),
        )],
        &["update-product-variants"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_product_variants_deletes_and_emits() {
    let env = env().await;
    let s = seed(&env).await;
    let (deleted, events) = env
        .run(delete_product_variants(), s.variants[..2].to_vec())
        .await;
    assert_eq!(deleted, s.variants[..2].to_vec());
    assert_eq!(count(&events, "product-variant.deleted"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_product_variants_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    // Deleted before: must stay deleted after the compensation.
    env.products
        .product_variants()
        .soft_delete(std::slice::from_ref(&s.variants[3]))
        .await
        .unwrap();
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(DeleteProductVariantsStep::new()),
        s.variants.clone(),
        &["delete-product-variants"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

fn batch(s: &Seeded) -> BatchInput<NewVariant, stheno_product::UpdateVariantInput> {
    BatchInput {
        create: vec![lone_variant(s)],
        update: variant_update(s),
        delete: vec![s.variants[2].clone()],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_product_variants_runs_the_three_parts() {
    let env = env().await;
    let s = seed(&env).await;
    let (out, events) = env.run(batch_product_variants(), batch(&s)).await;
    assert_eq!(out.created.len(), 1);
    assert_eq!(out.updated[0].title, "Changed");
    assert_eq!(out.deleted, std::slice::from_ref(&s.variants[2]));
    assert_eq!(
        events,
        [
            "product-variant.created",
            "product-variant.updated",
            "product-variant.deleted"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_product_variants_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let before = env.state().await;
    env.run_failing(
        batch_product_variants(),
        batch(&s),
        &[
            "delete-product-variants",
            "update-product-variants",
            "create-product-variants",
        ],
    )
    .await;
    assert_same(&before, &env.state().await);
}
