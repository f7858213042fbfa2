//! The container: every built module plus the shared services, handed out by
//! type.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use stheno_module_sdk::db::DbPool;
use stheno_module_sdk::events::EventBus;
use stheno_module_sdk::{Error, Module};

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
    modules: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
    keys: Vec<&'static str>,
    query: Query,
    shared: RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl Container {
    pub(crate) fn new(
        config: Config,
        db: DbPool,
        events: Arc<dyn EventBus>,
        modules: Vec<(&'static str, TypeId, Arc<dyn Any + Send + Sync>)>,
        query: Query,
    ) -> Self {
        let keys = modules.iter().map(|(k, _, _)| *k).collect();
        let modules = modules.into_iter().map(|(_, t, m)| (t, m)).collect();
        Self {
            inner: Arc::new(Inner {
                config,
                db,
                events,
                modules,
                keys,
                query,
                shared: RwLock::new(HashMap::new()),
            }),
        }
    }

    /// The module of type `M`, if it was built.
    pub fn module<M: Module>(&self) -> Option<Arc<M>> {
        self.inner
            .modules
            .get(&TypeId::of::<M>())
            .and_then(|m| m.clone().downcast::<M>().ok())
    }

    /// The module of type `M`, or an error naming the missing module.
    pub fn require<M: Module>(&self) -> Result<Arc<M>, Error> {
        self.module::<M>().ok_or_else(|| {
            Error::internal(format!(
                "module `{}` is not part of this application: add its crate to the binary",
                M::KEY
            ))
        })
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
    /// whoever builds the HTTP app and how often.
    pub fn shared<T: Any + Send + Sync>(&self, init: impl FnOnce(&Self) -> T) -> Arc<T> {
        let key = TypeId::of::<T>();
        if let Some(v) = self
            .inner
            .shared
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return v.clone().downcast::<T>().expect("keyed by its TypeId");
        }
        let mut map = self.inner.shared.write().unwrap_or_else(|e| e.into_inner());
        map.entry(key)
            .or_insert_with(|| Arc::new(init(self)))
            .clone()
            .downcast::<T>()
            .expect("keyed by its TypeId")
    }

    /// Query: follows relations named in `fields` across module entities.
    pub fn query(&self) -> &Query {
        &self.inner.query
    }
}
