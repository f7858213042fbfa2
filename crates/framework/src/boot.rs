//! Start-up: config → database → modules → migrations → container.

use std::sync::Arc;
use std::time::Instant;

use stheno_module_sdk::ModuleRegistration;
use stheno_module_sdk::events::{EventBus, HoldingEventBus};
use stheno_module_sdk::link::{LinkDef, Links};
use stheno_module_sdk::module::ModuleContext;
use stheno_workflow_sdk::store::{ExecutionStore, InMemoryStore, StoreContext, store_providers};

use crate::config::Config;
use crate::container::Container;
use crate::database::{self, DatabaseError};
use crate::loader::{self, LoadError};
use crate::migrate::{self, MigrationError};
use crate::query::Query;

#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Database(#[from] DatabaseError),
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    Migration(#[from] MigrationError),
    #[error("module `{key}` failed to start: {error}")]
    Module {
        key: &'static str,
        error: stheno_module_sdk::Error,
    },
    #[error(
        "workflow engine `{name}` is not available (known: {known}); link the crate that provides it (stheno-workflow-engine offers postgres and redis)"
    )]
    UnknownWorkflowEngine { name: String, known: String },
    #[error("workflow engine `{name}` failed to start: {error}")]
    WorkflowEngine {
        name: String,
        error: stheno_module_sdk::Error,
    },
}

/// The execution store named by `workflows.engine`: `memory`, or a store a
/// linked crate registered; unset means `postgres` when available.
async fn workflow_store(
    config: &Config,
    pool: &stheno_module_sdk::db::DbPool,
) -> Result<(String, Arc<dyn ExecutionStore>), BootError> {
    let providers: Vec<_> = store_providers().collect();
    let name = config.workflows.engine.clone().unwrap_or_else(|| {
        if providers.iter().any(|p| p.name == "postgres") {
            "postgres".into()
        } else {
            "memory".into()
        }
    });
    if name == "memory" {
        return Ok((name, Arc::new(InMemoryStore::default())));
    }
    let Some(provider) = providers.iter().find(|p| p.name == name) else {
        let mut known = vec!["memory"];
        known.extend(providers.iter().map(|p| p.name));
        return Err(BootError::UnknownWorkflowEngine {
            name,
            known: known.join(", "),
        });
    };
    let ctx = StoreContext {
        db: pool.clone(),
        redis_url: config.redis_url.clone(),
        options: config
            .modules
            .get("workflow_engine")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
    };
    match (provider.build)(ctx).await {
        Ok(store) => Ok((name, store)),
        Err(error) => Err(BootError::WorkflowEngine { name, error }),
    }
}

/// The modules of this binary, ordered by dependency, checked against the
/// config.
pub fn modules(
    config: &Config,
    explicit: &[&'static ModuleRegistration],
) -> Result<Vec<&'static ModuleRegistration>, LoadError> {
    let all = loader::collect(explicit)?;
    loader::resolve(&all, config.modules.keys().map(String::as_str))
}

/// Create the database if needed and apply every pending migration.
pub async fn migrate(
    config: &Config,
    explicit: &[&'static ModuleRegistration],
) -> Result<Vec<migrate::Applied>, BootError> {
    let modules = modules(config, explicit)?;
    database::ensure_database(&config.database_url).await?;
    Ok(migrate::run(&config.database_url, &modules).await?)
}

/// Bring the application up: database, migrations (if `migrate_on_start`),
/// modules built in dependency order, Query wired with their entity sources.
pub async fn boot(
    config: Config,
    explicit: &[&'static ModuleRegistration],
    events: Arc<dyn EventBus>,
) -> Result<Container, BootError> {
    let started = Instant::now();
    let modules = modules(&config, explicit)?;
    database::ensure_database(&config.database_url).await?;
    if config.migrate_on_start {
        migrate::run(&config.database_url, &modules).await?;
    }
    let pool = database::connect(&config.database_url, config.database_pool_size).await?;

    let links: Arc<[&'static LinkDef]> = migrate::active_links(&modules).into();
    let mut built = Vec::with_capacity(modules.len());
    let mut sources = Vec::new();
    for reg in &modules {
        let options = config
            .modules
            .get(reg.key)
            .cloned()
            .unwrap_or(serde_json::Value::Null);
        // Modules emit through a bus that holds events raised inside a
        // workflow step until the workflow succeeds.
        let module_events: Arc<dyn EventBus> = Arc::new(HoldingEventBus::new(events.clone()));
        let ctx = ModuleContext::new(reg.key, pool.clone(), options, module_events)
            .with_links(links.clone());
        let module = (reg.build)(ctx).await.map_err(|error| BootError::Module {
            key: reg.key,
            error,
        })?;
        sources.extend(module.sources);
        built.push((reg.key, module.type_id, module.instance));
    }
    let keys: Vec<&str> = built.iter().map(|(k, _, _)| *k).collect();
    let (engine, store) = workflow_store(&config, &pool).await?;
    tracing::info!(modules = ?keys, workflow_engine = %engine, elapsed_ms = started.elapsed().as_millis() as u64, "modules ready");
    let link_service = Links::new(
        pool.clone(),
        Arc::new(HoldingEventBus::new(events.clone())),
        links.clone(),
    );
    let query = Query::new(sources).with_links(pool.clone(), &links);
    Ok(Container::new(
        config,
        pool,
        events,
        built,
        query,
        link_service,
        store,
    ))
}
