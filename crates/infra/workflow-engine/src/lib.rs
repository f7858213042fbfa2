//! Durable stores for the workflow engine.
//!
//! Linking this crate offers two [`ExecutionStore`]s by name, chosen with
//! `workflows.engine` in configuration (`STHENO_WORKFLOW_ENGINE`):
//!
//! - `postgres` ([`PgStore`]): runs are rows of `workflow_execution` (this
//!   crate's migration), leases and timers are columns. The default when this
//!   crate is linked: a Stheno application always has a database, and
//!   durable runs cost one write per step.
//! - `redis` ([`RedisStore`], feature `redis`): runs are JSON strings,
//!   leases are keys with a TTL, timers are sorted sets; for several
//!   instances that already share Redis.
//!
//! Either way, a run killed with its process is resumed (or compensated) by
//! any engine sharing the store once the dead owner's lease lapses; see
//! `WorkflowEngine::recover` in `stheno-workflow-sdk`.

use std::sync::Arc;

use futures::FutureExt;
use stheno_module_sdk::prelude::*;
use stheno_workflow_sdk::store::{StoreContext, StoreRegistration};

mod postgres;
#[cfg(feature = "redis")]
mod redis;

pub use postgres::PgStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;

/// The crate's migrations (`migrations/workflow_engine`).
pub const MIGRATIONS: Migrations =
    diesel_migrations::embed_migrations!("../../../migrations/workflow_engine");

/// Registers the `workflow_execution` migration; the stores themselves are
/// chosen through [`StoreRegistration`]s.
#[derive(Debug)]
pub struct WorkflowEngineModule;

#[async_trait]
impl Module for WorkflowEngineModule {
    const KEY: &'static str = "workflow_engine";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(_: &ModuleContext) -> Result<Self> {
        Ok(Self)
    }
}

stheno_module_sdk::register_module!(WorkflowEngineModule);

stheno_module_sdk::inventory::submit! {
    StoreRegistration {
        name: "postgres",
        build: |ctx: StoreContext| {
            async move {
                let store: Arc<dyn stheno_workflow_sdk::ExecutionStore> = Arc::new(PgStore::new(ctx.db));
                Ok(store)
            }
            .boxed()
        },
    }
}

#[cfg(feature = "redis")]
stheno_module_sdk::inventory::submit! {
    StoreRegistration {
        name: "redis",
        build: |ctx: StoreContext| {
            async move {
                let url = ctx.redis_url.ok_or_else(|| {
                    Error::invalid_data(
                        "the redis workflow engine needs a Redis URL: set REDIS_URL (or redis_url in stheno.toml)",
                    )
                })?;
                let store: Arc<dyn stheno_workflow_sdk::ExecutionStore> = Arc::new(RedisStore::connect(&url)?);
                Ok(store)
            }
            .boxed()
        },
    }
}
