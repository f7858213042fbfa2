//! Fixtures: a fresh database, the product module, an engine, a failing
//! step, and a dump of the module's state to compare before and after.

use std::marker::PhantomData;
use std::sync::Arc;

use serde_json::{Value, json};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::list::OrderBy;
use stheno_module_sdk::services::Services;
use stheno_module_sdk::{Error, ErrorKind};
use stheno_product::{ProductModule, ProductVariantFilter};
use stheno_workflow_sdk::{
    Data, Step, StepContext, StepError, StepResponse, Workflow, WorkflowEngine, WorkflowError,
    async_trait,
};

pub struct Env {
    /// Dropping it drops the database.
    #[expect(dead_code, reason = "held only for its `Drop`")]
    pub db: TestDb,
    pub products: Arc<ProductModule>,
    /// The module's own events (`product.product.created`).
    pub module_events: Arc<RecordingEventBus>,
    /// What the engine released (`product.created`).
    pub flow_events: Arc<RecordingEventBus>,
    pub engine: WorkflowEngine,
}

pub async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let module_events = Arc::new(RecordingEventBus::default());
    let products = Arc::new(ProductModule::new(db.pool().clone(), module_events.clone()));
    let flow_events = Arc::new(RecordingEventBus::default());
    let engine = WorkflowEngine::new(flow_events.clone())
        .with_services(Services::builder().with(products.clone()).build());
    Env {
        db,
        products,
        module_events,
        flow_events,
        engine,
    }
}

/// A step that always fails for good, to put at the end of a workflow.
pub struct Fail<T>(PhantomData<fn() -> T>);

pub fn fail<T>() -> Fail<T> {
    Fail(PhantomData)
}

#[async_trait]
impl<T: Data> Step for Fail<T> {
    type Input = T;
    type Output = T;
    type CompensateInput = ();

    fn name(&self) -> &str {
        "fail"
    }
    async fn invoke(&self, _: T, _: &StepContext) -> Result<StepResponse<T, ()>, StepError> {
        Err(StepError::permanent(Error::invalid_data(
            "failing on purpose",
        )))
    }
}

impl Env {
    /// Run `workflow` followed by a failing step; assert it reverted,
    /// compensating exactly `compensated`, and released no workflow event.
    pub async fn run_failing<In: Data, Out: Data>(
        &self,
        workflow: Workflow<In, Out>,
        input: In,
        compensated: &[&str],
    ) -> WorkflowError {
        self.flow_events.take();
        let err = self
            .engine
            .run(&workflow.then(fail()), input)
            .await
            .result
            .err()
            .expect("the workflow must fail");
        assert_eq!(err.failed_step(), Some("fail"), "{err:?}");
        assert_eq!(err.error().kind(), ErrorKind::InvalidData);
        assert_eq!(err.compensated(), compensated, "{err:?}");
        assert!(
            err.compensation_failures().is_empty(),
            "{:?}",
            err.compensation_failures()
        );
        assert!(err.is_reverted());
        assert_eq!(self.flow_events.names(), Vec::<String>::new());
        err
    }

    /// Run `workflow`; its output and the workflow events it released.
    pub async fn run<In: Data, Out: Data>(
        &self,
        workflow: Workflow<In, Out>,
        input: In,
    ) -> (Out, Vec<String>) {
        self.flow_events.take();
        let out = self
            .engine
            .run(&workflow, input)
            .await
            .result
            .unwrap_or_else(|e| panic!("workflow failed: {e:?}"));
        let names = self.flow_events.names();
        self.flow_events.take();
        (out, names)
    }

    /// Every row of the module (soft-deleted ones included) with the links
    /// of every product, without `updated_at` (compensations touch it).
    pub async fn state(&self) -> Value {
        let m = &self.products;
        let everything = ListConfig::default().with_deleted(true);
        let products = m
            .products()
            .list(&Default::default(), &everything)
            .await
            .unwrap();
        let ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
        let snapshots = m.product_snapshots(&ids).await.unwrap();
        let variants = m
            .product_variants()
            .list(&Default::default(), &everything)
            .await
            .unwrap();
        let variant_ids: Vec<String> = variants.iter().map(|v| v.id.clone()).collect();
        let variant_values = m.variant_snapshots(&variant_ids).await.unwrap();
        let options = m
            .product_options()
            .list(
                &Default::default(),
                &ListConfig::default().with_deleted(true),
            )
            .await
            .unwrap();
        let values = m
            .product_option_values()
            .list(
                &Default::default(),
                &ListConfig::default()
                    .with_deleted(true)
                    .ordered(vec![OrderBy::asc("rank")]),
            )
            .await
            .unwrap();
        let collections = m
            .product_collections()
            .list(
                &Default::default(),
                &ListConfig::default().with_deleted(true),
            )
            .await
            .unwrap();
        let categories = m
            .product_categories()
            .list(
                &Default::default(),
                &ListConfig::default().with_deleted(true),
            )
            .await
            .unwrap();
        let tags = m
            .product_tags()
            .list(&Default::default(), &everything)
            .await
            .unwrap();
        let types = m
            .product_types()
            .list(&Default::default(), &everything)
            .await
            .unwrap();
        let mut state = json!({
            "products": products,
            "snapshots": snapshots,
            "variants": variants,
            "variant_values": variant_values,
            "options": options,
            "option_values": values,
            "collections": collections,
            "categories": categories,
            "tags": tags,
            "types": types,
        });
        strip(&mut state, "updated_at");
        state
    }
}

/// Remove `key` from every object in `value`.
pub fn strip(value: &mut Value, key: &str) {
    match value {
        Value::Object(map) => {
            map.remove(key);
            map.values_mut().for_each(|v| strip(v, key));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip(v, key)),
        _ => {}
    }
}

/// Assert two states are equal, printing the first difference.
#[track_caller]
pub fn assert_same(before: &Value, after: &Value) {
    if before != after {
        let (b, a) = (before.as_object().unwrap(), after.as_object().unwrap());
        for (k, v) in b {
            if a.get(k) != Some(v) {
                panic!(
                    "`{k}` differs\nbefore: {}\nafter:  {}",
                    serde_json::to_string_pretty(v).unwrap(),
                    serde_json::to_string_pretty(&a[k]).unwrap()
                );
            }
        }
        panic!("states differ");
    }
}

/// A typed input from JSON, as a route body would give it.
pub fn input<T: serde::de::DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("valid input")
}

/// A catalog to change: a tag, a category, a collection, a type, a global
/// option and one product using them (two options, four variants, two
/// images). Returns the product id.
pub async fn seed(env: &Env) -> Seeded {
    let m = &env.products;
    let tags = m
        .product_tags()
        .create(vec![
            input(json!({"value": "summer"})),
            input(json!({"value": "sale"})),
        ])
        .await
        .unwrap();
    let categories = m
        .create_categories(vec![
            input(json!({"name": "Shirts"})),
            input(json!({"name": "Pants"})),
        ])
        .await
        .unwrap();
    let collection = m
        .product_collections()
        .create(vec![input(json!({"title": "Basics"}))])
        .await
        .unwrap()
        .remove(0);
    let kind = m
        .product_types()
        .create(vec![input(json!({"value": "apparel"}))])
        .await
        .unwrap()
        .remove(0);
    let option = m
        .create_options(vec![input(
            json!({"title": "Material", "values": ["Cotton", "Linen"]}),
        )])
        .await
        .unwrap()
        .remove(0);
    let product = m
        .create_products(vec![input(json!({
            "title": "Shirt",
            "status": "published",
            "tags": [{"id": tags[0].id}],
            "categories": [{"id": categories[0].id}],
            "collection_id": collection.id,
            "type_id": kind.id,
            "images": [{"url": "https://img/1.png"}, {"url": "https://img/2.png"}],
            "options": [
                {"title": "Size", "values": ["S", "M"]},
                {"title": "Color", "values": ["Black", "White"]}
            ],
            "variants": [
                {"title": "S / Black", "sku": "s-b", "options": {"Size": "S", "Color": "Black"}},
                {"title": "S / White", "sku": "s-w", "options": {"Size": "S", "Color": "White"}},
                {"title": "M / Black", "sku": "m-b", "options": {"Size": "M", "Color": "Black"}},
                {"title": "M / White", "sku": "m-w", "options": {"Size": "M", "Color": "White"}}
            ]
        }))])
        .await
        .unwrap()
        .remove(0);
    let variants = m
        .product_variants()
        .list(
            &ProductVariantFilter {
                product_id: Some(FieldFilter::Eq(product.id.clone())),
                ..Default::default()
            },
            &ListConfig::default(),
        )
        .await
        .unwrap()
        .into_iter()
        .map(|v| v.id)
        .collect();
    env.module_events.take();
    Seeded {
        product: product.id,
        variants,
        tags: tags.into_iter().map(|t| t.id).collect(),
        categories: categories.into_iter().map(|c| c.id).collect(),
        collection: collection.id,
        option: option.id,
    }
}

pub struct Seeded {
    pub product: String,
    pub variants: Vec<String>,
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub collection: String,
    pub option: String,
}

/// How many times each name occurs in `names`.
pub fn count(names: &[String], name: &str) -> usize {
    names.iter().filter(|n| *n == name).count()
}
