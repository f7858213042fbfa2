//! Runs as JSON strings in Redis.
//!
//! Keys (prefix `stheno:wf:`): `exec:<workflow>:<transaction>` the run,
//! `lease:<workflow>:<transaction>` its owner (expires with the lease),
//! `ids` (hash: execution id → run key), and three sorted sets of run keys:
//! `index` (by creation time, for listing), `wake` (by `wake_at`, for
//! recovery) and `expire` (by `expires_at`, for retention).

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use deadpool_redis::redis::{self, AsyncCommands};
use deadpool_redis::{Config, Pool, Runtime};
use stheno_module_sdk::{Error, Result};
use stheno_workflow_sdk::store::{Claim, ExecutionStore, lost_lease};
use stheno_workflow_sdk::{Execution, ExecutionFilter};

const PREFIX: &str = "stheno:wf:";

/// Stores runs in Redis through a deadpool-redis pool.
#[derive(Clone)]
pub struct RedisStore {
    pool: Pool,
    prefix: String,
}

fn redis_error(e: impl std::fmt::Display) -> Error {
    Error::internal(format!("redis: {e}"))
}

fn read(text: &str) -> Result<Execution> {
    serde_json::from_str(text)
        .map_err(|e| Error::internal(format!("a stored workflow execution is unreadable: {e}")))
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Write the run if the caller holds the lease; extend or drop it; keep the
/// timer sets in step. Returns 0 when the lease is lost (expired or taken).
const SAVE: &str = r#"
local owner = redis.call('GET', KEYS[2])
if owner ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
if ARGV[3] == '1' then
  redis.call('DEL', KEYS[2])
else
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[4])
end
if ARGV[5] == '' then redis.call('ZREM', KEYS[3], ARGV[7]) else redis.call('ZADD', KEYS[3], ARGV[5], ARGV[7]) end
if ARGV[6] == '' then redis.call('ZREM', KEYS[4], ARGV[7]) else redis.call('ZADD', KEYS[4], ARGV[6], ARGV[7]) end
return 1
"#;

impl RedisStore {
    /// A pool on `url` (`redis://127.0.0.1:6379`).
    pub fn connect(url: &str) -> Result<Self> {
        let pool = Config::from_url(url)
            .create_pool(Some(Runtime::Tokio1))
            .map_err(redis_error)?;
        Ok(Self::new(pool))
    }

    pub fn new(pool: Pool) -> Self {
        Self {
            pool,
            prefix: PREFIX.to_string(),
        }
    }

    /// Keep keys under another prefix (tests use one per test).
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    async fn conn(&self) -> Result<deadpool_redis::Connection> {
        self.pool.get().await.map_err(redis_error)
    }

    fn run_key(workflow_id: &str, transaction_id: &str) -> String {
        format!("{workflow_id}:{transaction_id}")
    }
    fn key(&self, kind: &str, run: &str) -> String {
        format!("{}{kind}:{run}", self.prefix)
    }
    fn set(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    async fn insert(
        &self,
        conn: &mut deadpool_redis::Connection,
        execution: &Execution,
        owner: &str,
        lease: Duration,
    ) -> Result<bool> {
        let run = Self::run_key(&execution.workflow_id, &execution.transaction_id);
        let text = serde_json::to_string(execution).map_err(redis_error)?;
        let created: Option<String> = redis::cmd("SET")
            .arg(self.key("exec", &run))
            .arg(text)
            .arg("NX")
            .query_async(conn)
            .await
            .map_err(redis_error)?;
        if created.is_none() {
            return Ok(false);
        }
        let mut pipe = redis::pipe();
        pipe.cmd("SET")
            .arg(self.key("lease", &run))
            .arg(owner)
            .arg("PX")
            .arg(lease.as_millis() as u64)
            .ignore()
            .hset(self.set("ids"), &execution.id, &run)
            .ignore()
            .zadd(self.set("index"), &run, millis(execution.created_at))
            .ignore();
        if let Some(at) = execution.wake_at {
            pipe.zadd(self.set("wake"), &run, millis(at)).ignore();
        }
        let () = pipe.query_async(conn).await.map_err(redis_error)?;
        Ok(true)
    }

    async fn remove(
        &self,
        conn: &mut deadpool_redis::Connection,
        execution: &Execution,
    ) -> Result<()> {
        let run = Self::run_key(&execution.workflow_id, &execution.transaction_id);
        let () = redis::pipe()
            .del(self.key("exec", &run))
            .ignore()
            .del(self.key("lease", &run))
            .ignore()
            .hdel(self.set("ids"), &execution.id)
            .ignore()
            .zrem(self.set("index"), &run)
            .ignore()
            .zrem(self.set("wake"), &run)
            .ignore()
            .zrem(self.set("expire"), &run)
            .ignore()
            .query_async(conn)
            .await
            .map_err(redis_error)?;
        Ok(())
    }

    async fn load_run(
        &self,
        conn: &mut deadpool_redis::Connection,
        run: &str,
    ) -> Result<Option<Execution>> {
        let text: Option<String> = conn.get(self.key("exec", run)).await.map_err(redis_error)?;
        text.as_deref().map(read).transpose()
    }
}

#[async_trait]
impl ExecutionStore for RedisStore {
    async fn claim(
        &self,
        workflow_id: &str,
        transaction_id: &str,
        fresh: Option<&Execution>,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim> {
        let mut conn = self.conn().await?;
        let run = Self::run_key(workflow_id, transaction_id);
        if let Some(fresh) = fresh
            && self.insert(&mut conn, fresh, owner, lease).await?
        {
            return Ok(Claim::Created);
        }
        let taken: Option<String> = redis::cmd("SET")
            .arg(self.key("lease", &run))
            .arg(owner)
            .arg("NX")
            .arg("PX")
            .arg(lease.as_millis() as u64)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        if taken.is_none() {
            return Ok(Claim::Busy);
        }
        match self.load_run(&mut conn, &run).await? {
            None => {
                let () = conn
                    .del(self.key("lease", &run))
                    .await
                    .map_err(redis_error)?;
                match fresh {
                    Some(fresh) if self.insert(&mut conn, fresh, owner, lease).await? => {
                        Ok(Claim::Created)
                    }
                    Some(_) => Ok(Claim::Busy),
                    None => Ok(Claim::Missing),
                }
            }
            Some(existing) if existing.expires_at.is_some_and(|at| at <= Utc::now()) => {
                self.remove(&mut conn, &existing).await?;
                match fresh {
                    Some(fresh) if self.insert(&mut conn, fresh, owner, lease).await? => {
                        Ok(Claim::Created)
                    }
                    Some(_) => Ok(Claim::Busy),
                    None => Ok(Claim::Missing),
                }
            }
            Some(existing) => Ok(Claim::Existing(Box::new(existing))),
        }
    }

    async fn save(&self, execution: &Execution, owner: &str, lease: Duration) -> Result<()> {
        let mut conn = self.conn().await?;
        let run = Self::run_key(&execution.workflow_id, &execution.transaction_id);
        let text = serde_json::to_string(execution).map_err(redis_error)?;
        let stamp =
            |at: Option<DateTime<Utc>>| at.map(|at| millis(at).to_string()).unwrap_or_default();
        let saved: i64 = redis::cmd("EVAL")
            .arg(SAVE)
            .arg(4)
            .arg(self.key("exec", &run))
            .arg(self.key("lease", &run))
            .arg(self.set("wake"))
            .arg(self.set("expire"))
            .arg(text)
            .arg(owner)
            .arg(if execution.state.is_finished() {
                "1"
            } else {
                "0"
            })
            .arg(lease.as_millis() as u64)
            .arg(stamp(execution.wake_at))
            .arg(stamp(execution.expires_at))
            .arg(&run)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        if saved == 0 {
            return Err(lost_lease(execution));
        }
        Ok(())
    }

    async fn release(&self, workflow_id: &str, transaction_id: &str, owner: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        let key = self.key("lease", &Self::run_key(workflow_id, transaction_id));
        let _: i64 = redis::cmd("EVAL")
            .arg("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0")
            .arg(1)
            .arg(key)
            .arg(owner)
            .query_async(&mut conn)
        .await
        .map_err(redis_error)?;
        Ok(())
    }

    async fn load(&self, workflow_id: &str, transaction_id: &str) -> Result<Option<Execution>> {
        let mut conn = self.conn().await?;
        self.load_run(&mut conn, &Self::run_key(workflow_id, transaction_id))
            .await
    }

    async fn get(&self, id: &str) -> Result<Option<Execution>> {
        let mut conn = self.conn().await?;
        let run: Option<String> = conn.hget(self.set("ids"), id).await.map_err(redis_error)?;
        match run {
            Some(run) => self.load_run(&mut conn, &run).await,
            None => Ok(None),
        }
    }

    async fn list(&self, filter: &ExecutionFilter) -> Result<(Vec<Execution>, u64)> {
        let mut conn = self.conn().await?;
        let runs: Vec<String> = conn
            .zrevrange(self.set("index"), 0, -1)
            .await
            .map_err(redis_error)?;
        if runs.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let keys: Vec<String> = runs.iter().map(|r| self.key("exec", r)).collect();
        let texts: Vec<Option<String>> = redis::cmd("MGET")
            .arg(&keys)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let all = texts
            .into_iter()
            .flatten()
            .map(|text| read(&text))
            .collect::<Result<Vec<_>>>()?;
        Ok(filter.apply(all))
    }

    async fn recoverable(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(String, String)>> {
        let mut conn = self.conn().await?;
        let due: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.set("wake"))
            .arg("-inf")
            .arg(millis(now))
            .arg("LIMIT")
            .arg(0)
            .arg(limit)
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let mut free = Vec::new();
        for run in due {
            let held: bool = conn
                .exists(self.key("lease", &run))
                .await
                .map_err(redis_error)?;
            if held {
                continue;
            }
            if let Some(execution) = self.load_run(&mut conn, &run).await?
                && !execution.state.is_finished()
            {
                free.push((execution.workflow_id, execution.transaction_id));
            }
        }
        Ok(free)
    }

    async fn purge(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut conn = self.conn().await?;
        let expired: Vec<String> = redis::cmd("ZRANGEBYSCORE")
            .arg(self.set("expire"))
            .arg("-inf")
            .arg(millis(now))
            .query_async(&mut conn)
            .await
            .map_err(redis_error)?;
        let mut purged = 0;
        for run in expired {
            match self.load_run(&mut conn, &run).await? {
                Some(execution) => self.remove(&mut conn, &execution).await?,
                None => {
                    let () = conn
                        .zrem(self.set("expire"), &run)
                        .await
                        .map_err(redis_error)?;
                }
            }
            purged += 1;
        }
        Ok(purged)
    }
}
