//! Collections, categories, tags, types and global options: each workflow
//! compensated (state unchanged, no event) and then run for real.

use serde_json::json;
use stheno_core_flows::product::*;
use stheno_workflow_sdk::{Data, Workflow};

use crate::support::{Env, assert_same, env, input, seed};

/// Create, update and delete one entity, each first followed by a failing
/// step (compensated: state unchanged, no workflow event), then for real
/// (the workflow event is released).
#[expect(
    clippy::too_many_arguments,
    clippy::type_complexity,
    reason = "one call per entity, with its workflow constructors, reads best"
)]
async fn crud<C: Data, U: Data, R: Data>(
    env: &Env,
    prefix: &str,
    create: fn() -> Workflow<Vec<C>, Vec<R>>,
    create_input: serde_json::Value,
    update: fn() -> Workflow<Vec<Update<U>>, Vec<R>>,
    update_input: serde_json::Value,
    delete: fn() -> Workflow<Vec<String>, Vec<String>>,
    id_of: fn(&R) -> String,
) -> String {
    let steps = |action: &str| -> String {
        match prefix {
            "product-collection" => format!("{action}-collections"),
            "product-category" => format!("{action}-product-categories"),
            other => format!("{action}-{}s", other),
        }
    };

    let before = env.state().await;
    env.run_failing(
        create(),
        vec![input(create_input.clone())],
        &[&steps("create")],
    )
    .await;
    assert_same(&before, &env.state().await);
    let (rows, events) = env.run(create(), vec![input(create_input)]).await;
    assert_eq!(events, [format!("{prefix}.created")]);
    let id = id_of(&rows[0]);

    let before = env.state().await;
    let change = || vec![Update::new(&id, input(update_input.clone()))];
    env.run_failing(update(), change(), &[&steps("update")])
        .await;
    assert_same(&before, &env.state().await);
    let (_, events) = env.run(update(), change()).await;
    assert_eq!(events, [format!("{prefix}.updated")]);
    assert_ne!(before, env.state().await, "the update changed nothing");

    let before = env.state().await;
    env.run_failing(delete(), vec![id.clone()], &[&steps("delete")])
        .await;
    assert_same(&before, &env.state().await);
    let (deleted, events) = env.run(delete(), vec![id.clone()]).await;
    assert_eq!(deleted, std::slice::from_ref(&id));
    assert_eq!(events, [format!("{prefix}.deleted")]);
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn collections() {
    let env = env().await;
    seed(&env).await;
    crud(
        &env,
        "product-collection",
        create_collections,
        json!({"title": "Winter", "metadata": {"a": 1}}),
        update_collections,
        json!({"title": "Cold", "handle": "cold", "external_id": "x", "metadata": null}),
        delete_collections,
        |r| r.id.clone(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tags() {
    let env = env().await;
    seed(&env).await;
    crud(
        &env,
        "product-tag",
        create_product_tags,
        json!({"value": "new"}),
        update_product_tags,
        json!({"value": "newer", "metadata": {"b": 2}}),
        delete_product_tags,
        |r| r.id.clone(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn types() {
    let env = env().await;
    seed(&env).await;
    crud(
        &env,
        "product-type",
        create_product_types,
        json!({"value": "shoes"}),
        update_product_types,
        json!({"value": "boots", "external_id": "e"}),
        delete_product_types,
        |r| r.id.clone(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn options() {
    let env = env().await;
    seed(&env).await;
    crud(
        &env,
        "product-option",
        create_product_options,
        json!({"title": "Fit", "values": ["Slim", "Regular", "Loose"]}),
        update_product_options,
        // One value kept, one renamed away (removed + added), ranks changed.
        json!({"title": "Cut", "values": ["Loose", "Slim", "Oversized"], "metadata": {"c": 3}}),
        delete_product_options,
        |r| r.id.clone(),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn categories_keep_their_tree() {
    let env = env().await;
    let s = seed(&env).await;
    // A first child of Shirts, placed before an existing one (shifts its
    // rank), then moved under Pants; deleting it takes its child along.
    env.products
        .create_categories(vec![input(
            json!({"name": "Tees", "parent_category_id": s.categories[0]}),
        )])
        .await
        .unwrap();
    let id = crud(
        &env,
        "product-category",
        create_product_categories,
        json!({"name": "Polos", "parent_category_id": s.categories[0], "rank": 0}),
        update_product_categories,
        json!({"name": "Polo shirts", "parent_category_id": s.categories[1], "rank": 0}),
        delete_product_categories,
        |r| r.id.clone(),
    )
    .await;
    assert!(
        env.products
            .product_categories()
            .retrieve(&id)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn category_subtree_delete_is_compensated() {
    let env = env().await;
    let s = seed(&env).await;
    let child = env
        .products
        .create_categories(vec![input(
            json!({"name": "Tees", "parent_category_id": s.categories[0]}),
        )])
        .await
        .unwrap();
    env.products
        .create_categories(vec![input(
            json!({"name": "V-neck", "parent_category_id": child[0].id}),
        )])
        .await
        .unwrap();
    let before = env.state().await;
    env.run_failing(
        Workflow::new("t").then(DeleteProductCategoriesStep::new()),
        vec![s.categories[0].clone()],
        &["delete-product-categories"],
    )
    .await;
    assert_same(&before, &env.state().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn failing_update_reverts_the_ones_already_applied() {
    let env = env().await;
    let s = seed(&env).await;
    let before = env.state().await;
    let err = env
        .engine
        .run(
            &update_product_tags(),
            vec![
                Update::new(&s.tags[0], input(json!({"value": "changed"}))),
                // Same value as the other tag: a unique violation.
                Update::new(&s.tags[1], input(json!({"value": "changed"}))),
            ],
        )
        .await
        .result
        .unwrap_err();
    assert_eq!(err.failed_step(), Some("update-product-tags"));
    assert_eq!(
        err.error().kind(),
        stheno_module_sdk::ErrorKind::DuplicateError
    );
    assert_same(&before, &env.state().await);
    assert!(env.flow_events.names().is_empty());
}

/// An application's handler on a core hook: refuses one title.
struct RefuseWinter;

#[stheno_workflow_sdk::async_trait]
impl stheno_workflow_sdk::Step for RefuseWinter {
    type Input = Vec<stheno_product::models::ProductCollection>;
    type Output = ();
    type CompensateInput = ();
    fn name(&self) -> &str {
        "refuse-winter"
    }
    async fn invoke(
        &self,
        created: Self::Input,
        _: &stheno_workflow_sdk::StepContext,
    ) -> Result<stheno_workflow_sdk::StepResponse<()>, stheno_workflow_sdk::StepError> {
        if created.iter().any(|c| c.title == "Winter") {
            return Err(stheno_workflow_sdk::StepError::permanent(
                stheno_module_sdk::Error::not_allowed("No winter"),
            ));
        }
        Ok(stheno_workflow_sdk::StepResponse::new(()))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_handler_on_a_core_hook_undoes_the_workflow() {
    let env = env().await;
    seed(&env).await;
    let engine = stheno_workflow_sdk::WorkflowEngine::new(env.flow_events.clone())
        .with_services(
            stheno_module_sdk::services::Services::builder()
                .with(env.products.clone())
                .build(),
        )
        .with_hook(COLLECTIONS_CREATED, RefuseWinter);
    let before = env.state().await;
    let outcome = engine
        .run(
            &create_collections(),
            vec![input(json!({"title": "Winter"}))],
        )
        .await;
    let err = outcome.result.unwrap_err();
    assert_eq!(err.failed_step(), Some("collectionsCreated"));
    assert_eq!(err.error().message(), "No winter");
    assert_eq!(err.compensated(), ["create-collections"]);
    assert_same(&before, &env.state().await);

    let outcome = engine
        .run(
            &create_collections(),
            vec![input(json!({"title": "Summer"}))],
        )
        .await;
    assert_eq!(outcome.result.unwrap()[0].title, "Summer");
}
