//! The container: every built module plus the shared services, handed out by
//! type.

use std::any::{Any, TypeId};
use std::sync::Arc;

use stheno_module_sdk::db::DbPool;
use stheno_module_sdk::events::EventBus;
use stheno_module_sdk::link::Links;
use stheno_module_sdk::services::Services;
use stheno_module_sdk::{Error, Module};
use stheno_workflow_sdk::{ExecutionStore, WorkflowEngine};

use crate::config::Config;
use crate::query::Query;

/// Cheap to clone; shared by every request handler and worker.
#[derive(Clone)]
pub struct Container {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    db: DbPool,
    events: Arc<dyn EventBus>,
    services: Services,
    keys: Vec<&'static str>,
    query: Arc<Query>,
    workflows: WorkflowEngine,
}

impl Container {
    pub(crate) fn new(
        config: Config,
        db: DbPool,
        events: Arc<dyn EventBus>,
        modules: Vec<(&'static str, TypeId, Arc<dyn Any + Send + Sync>)>,
        query: Query,
        links: Links,
        workflow_store: Arc<dyn ExecutionStore>,
    ) -> Self {
        let keys = modules.iter().map(|(k, _, _)| *k).collect();
        let query = Arc::new(query);
        let services = modules
            .into_iter()
            .fold(Services::builder(), |b, (_, t, m)| b.with_erased(t, m))
            .with(query.clone())
            .with(Arc::new(links))
            .with(Arc::new(db.clone()))
            .build();
        let workflows = WorkflowEngine::new(events.clone())
            .with_services(services.clone())
            .with_store(workflow_store)
            .with_retention(std::time::Duration::from_secs(
                config.workflows.retention_secs,
            ))
            .with_lease(std::time::Duration::from_secs(
                config.workflows.lease_secs.max(1),
            ));
        Self {
            inner: Arc::new(Inner {
                config,
                db,
                events,
                services,
                keys,
                query,
                workflows,
            }),
        }
    }

    /// The module of type `M`, or an error naming the crate to add: the
    /// same answer a workflow step gets from `StepContext::module`.
    pub fn module<M: Module>(&self) -> Result<Arc<M>, Error> {
        self.inner.services.module::<M>()
    }

    /// Every built module and shared service, by type: what workflow steps
    /// see through `StepContext::module`.
    pub fn services(&self) -> &Services {
        &self.inner.services
    }

    /// The workflow engine: routes run their mutations through it.
    pub fn workflows(&self) -> &WorkflowEngine {
        &self.inner.workflows
    }

    /// [`Container::module`] (the name routes use: `c.require::<M>()?`).
    pub fn require<M: Module>(&self) -> Result<Arc<M>, Error> {
        self.module::<M>()
    }

    /// Keys of the built modules, in build order.
    pub fn module_keys(&self) -> &[&'static str] {
        &self.inner.keys
    }
    pub fn config(&self) -> &Config {
        &self.inner.config
    }
    pub fn db(&self) -> &DbPool {
        &self.inner.db
    }
    pub fn events(&self) -> &Arc<dyn EventBus> {
        &self.inner.events
    }
    /// The one `T` of this container, created by `init` on first use: state
    /// every request and worker must share (sessions, rate-limit counters),
    /// whoever builds the HTTP app and how often. It lives in
    /// [`Container::services`], so workflow steps reach it too
    /// (`ctx.service::<T>()`).
    pub fn shared<T: Any + Send + Sync>(&self, init: impl FnOnce(&Self) -> T) -> Arc<T> {
        self.inner.services.get_or_init(|| init(self))
    }

    /// The link service: create, dismiss and list rows of the active links.
    pub fn links(&self) -> Arc<Links> {
        self.inner
            .services
            .get::<Links>()
            .expect("the container always holds the link service")
    }

    /// Query: follows relations named in `fields` across module entities.
    pub fn query(&self) -> &Query {
        &self.inner.query
    }
}
