//! Where executions live between steps. The engine checkpoints an
//! [`Execution`] after every step; a store keeps it and arbitrates who may
//! drive it with a *lease*: the process holding an unexpired lease is the only
//! one writing, and a run whose owner died is picked up by another process
//! once the lease lapses.
//!
//! [`InMemoryStore`] is the embedded default; the `stheno-workflow-engine`
//! infra crate adds PostgreSQL and Redis stores and registers them as
//! [`StoreRegistration`]s so configuration can choose one by name.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde_json::Value;
use stheno_module_sdk::Result;
use stheno_module_sdk::db::DbPool;

use crate::execution::{Execution, ExecutionFilter};

/// The answer to [`ExecutionStore::claim`].
#[derive(Debug)]
pub enum Claim {
    /// No execution existed; the given one was stored and is now leased.
    Created,
    /// An execution exists (finished or not) and is now leased to the caller.
    Existing(Box<Execution>),
    /// Another owner holds an unexpired lease.
    Busy,
    /// No execution exists and none was given to create.
    Missing,
}

#[async_trait]
pub trait ExecutionStore: Send + Sync + 'static {
    /// Lease `(workflow_id, transaction_id)` to `owner` for `lease`.
    /// When no execution exists (or only a finished one past its
    /// `expires_at`), store `fresh` if given. A lease is exclusive, even
    /// against the same owner: one drive at a time.
    async fn claim(
        &self,
        workflow_id: &str,
        transaction_id: &str,
        fresh: Option<&Execution>,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim>;

    /// Write `execution` and extend `owner`'s lease; a finished execution
    /// releases the lease. Only the current owner may write: when another
    /// process took the run over (even if it has finished or released it
    /// since), this fails with `conflict` (code `lost_lease`).
    async fn save(&self, execution: &Execution, owner: &str, lease: Duration) -> Result<()>;

    /// Give up `owner`'s lease without writing.
    async fn release(&self, workflow_id: &str, transaction_id: &str, owner: &str) -> Result<()>;

    async fn load(&self, workflow_id: &str, transaction_id: &str) -> Result<Option<Execution>>;

    /// By execution id (`wf_exec_…`).
    async fn get(&self, id: &str) -> Result<Option<Execution>>;

    /// Newest first, with the total count.
    async fn list(&self, filter: &ExecutionFilter) -> Result<(Vec<Execution>, u64)>;

    /// Unfinished executions nobody holds whose `wake_at` has passed: runs
    /// of a crashed process, and asynchronous steps past their deadline.
    async fn recoverable(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(String, String)>>;

    /// Delete finished executions whose `expires_at` has passed; returns how
    /// many.
    async fn purge(&self, now: DateTime<Utc>) -> Result<u64>;
}

/// What a store provider receives to build its store.
#[derive(Clone)]
pub struct StoreContext {
    pub db: DbPool,
    pub redis_url: Option<String>,
    /// `[modules.workflow_engine]` options.
    pub options: Value,
}

/// Builds a store from its context.
pub type BuildStore = fn(StoreContext) -> BoxFuture<'static, Result<Arc<dyn ExecutionStore>>>;

/// A store a linked crate offers, chosen by `name` in configuration.
pub struct StoreRegistration {
    pub name: &'static str,
    pub build: BuildStore,
}

inventory::collect!(StoreRegistration);

/// Every linked store provider.
pub fn store_providers() -> impl Iterator<Item = &'static StoreRegistration> {
    inventory::iter::<StoreRegistration>.into_iter()
}

struct Entry {
    execution: Execution,
    owner: Option<String>,
    lease_until: DateTime<Utc>,
}

fn lease_end(lease: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX)
}

/// Executions in this process's memory: nothing survives a restart.
#[derive(Default)]
pub struct InMemoryStore {
    entries: Mutex<HashMap<(String, String), Entry>>,
}

impl InMemoryStore {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The error a store's [`save`](ExecutionStore::save) answers when `e`'s
/// lease belongs to someone else (code `lost_lease`; the engine stops).
pub fn lost_lease(e: &Execution) -> stheno_module_sdk::Error {
    stheno_module_sdk::Error::conflict(format!(
        "Workflow {} transaction {} is being run by another process",
        e.workflow_id, e.transaction_id
    ))
    .with_code("lost_lease")
}

#[async_trait]
impl ExecutionStore for InMemoryStore {
    async fn claim(
        &self,
        workflow_id: &str,
        transaction_id: &str,
        fresh: Option<&Execution>,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim> {
        let now = Utc::now();
        let key = (workflow_id.to_string(), transaction_id.to_string());
        let mut entries = self.entries();
        if let Some(entry) = entries.get(&key)
            && entry.execution.expires_at.is_some_and(|at| at <= now)
        {
            entries.remove(&key);
        }
        match entries.get_mut(&key) {
            Some(entry) => {
                let free = entry.owner.is_none() || entry.lease_until <= now;
                if !free {
                    return Ok(Claim::Busy);
                }
                entry.owner = Some(owner.to_string());
                entry.lease_until = lease_end(lease);
                Ok(Claim::Existing(Box::new(entry.execution.clone())))
            }
            None => match fresh {
                Some(execution) => {
                    entries.insert(
                        key,
                        Entry {
                            execution: execution.clone(),
                            owner: Some(owner.to_string()),
                            lease_until: lease_end(lease),
                        },
                    );
                    Ok(Claim::Created)
                }
                None => Ok(Claim::Missing),
            },
        }
    }

    async fn save(&self, execution: &Execution, owner: &str, lease: Duration) -> Result<()> {
        let key = (
            execution.workflow_id.clone(),
            execution.transaction_id.clone(),
        );
        let mut entries = self.entries();
        let entry = entries.entry(key).or_insert_with(|| Entry {
            execution: execution.clone(),
            owner: Some(owner.to_string()),
            lease_until: lease_end(lease),
        });
        if entry.owner.as_deref() != Some(owner) {
            return Err(lost_lease(execution));
        }
        entry.execution = execution.clone();
        if execution.state.is_finished() {
            entry.owner = None;
        } else {
            entry.owner = Some(owner.to_string());
            entry.lease_until = lease_end(lease);
        }
        Ok(())
    }

    async fn release(&self, workflow_id: &str, transaction_id: &str, owner: &str) -> Result<()> {
        let key = (workflow_id.to_string(), transaction_id.to_string());
        if let Some(entry) = self.entries().get_mut(&key)
            && entry.owner.as_deref() == Some(owner)
        {
            entry.owner = None;
        }
        Ok(())
    }

    async fn load(&self, workflow_id: &str, transaction_id: &str) -> Result<Option<Execution>> {
        let key = (workflow_id.to_string(), transaction_id.to_string());
        Ok(self.entries().get(&key).map(|e| e.execution.clone()))
    }

    async fn get(&self, id: &str) -> Result<Option<Execution>> {
        Ok(self
            .entries()
            .values()
            .find(|e| e.execution.id == id)
            .map(|e| e.execution.clone()))
    }

    async fn list(&self, filter: &ExecutionFilter) -> Result<(Vec<Execution>, u64)> {
        let all: Vec<Execution> = self
            .entries()
            .values()
            .map(|e| e.execution.clone())
            .collect();
        Ok(filter.apply(all))
    }

    async fn recoverable(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(String, String)>> {
        Ok(self
            .entries()
            .iter()
            .filter(|(_, e)| {
                !e.execution.state.is_finished()
                    && (e.owner.is_none() || e.lease_until <= now)
                    && e.execution.wake_at.is_some_and(|at| at <= now)
            })
            .take(limit)
            .map(|(k, _)| k.clone())
            .collect())
    }

    async fn purge(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|_, e| e.execution.expires_at.is_none_or(|at| at > now));
        Ok((before - entries.len()) as u64)
    }
}
