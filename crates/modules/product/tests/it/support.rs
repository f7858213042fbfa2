//! Test fixtures: a fresh database, the module over it, recorded events.

use std::sync::Arc;

use stheno_framework::testing::TestDb;
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::graph::{EntitySource, QueryContext, Record, to_record};
use stheno_module_sdk::{ErrorKind, Result};
use stheno_product::{ProductModule, graph};

pub struct Env {
    /// Dropping it drops the database.
    #[expect(dead_code, reason = "held only for its `Drop`")]
    pub db: TestDb,
    pub products: ProductModule,
    pub bus: Arc<RecordingEventBus>,
}

pub async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let bus = Arc::new(RecordingEventBus::default());
    let products = ProductModule::new(db.pool().clone(), bus.clone());
    Env { db, products, bus }
}

impl Env {
    /// Load `relation` of `entity` for `parents` through the module's
    /// entity source, as Query does.
    pub async fn load<T: serde::Serialize>(
        &self,
        entity: &str,
        relation: &str,
        parents: &[T],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let source = self.source(entity);
        let records: Vec<Record> = parents.iter().map(|p| to_record(p).unwrap()).collect();
        let refs: Vec<&Record> = records.iter().collect();
        source.load_relation(relation, &refs, ctx).await
    }

    pub fn source(&self, entity: &str) -> Arc<dyn EntitySource> {
        graph::sources(&Arc::new(self.products.clone()))
            .into_iter()
            .find(|s| s.entity() == entity)
            .unwrap_or_else(|| panic!("no source for {entity}"))
    }
}

/// Values of `field` in the related records, in order.
pub fn field(rows: &[(String, Record)], name: &str) -> Vec<String> {
    rows.iter()
        .map(|(_, r)| match &r[name] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Assert an error kind and message.
pub fn assert_error<T: std::fmt::Debug>(result: Result<T>, kind: ErrorKind, message: &str) {
    match result {
        Ok(v) => panic!("expected {kind} error `{message}`, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{e}");
            assert_eq!(e.message(), message);
        }
    }
}

pub fn ids<T, F: Fn(&T) -> &str>(rows: &[T], id: F) -> Vec<String> {
    rows.iter().map(|r| id(r).to_string()).collect()
}
