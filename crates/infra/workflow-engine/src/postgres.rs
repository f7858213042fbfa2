//! Runs as rows of `workflow_execution`.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use serde_json::Value;
use stheno_module_sdk::Error;
use stheno_module_sdk::Result;
use stheno_module_sdk::db::DbPool;
use stheno_workflow_sdk::store::{Claim, ExecutionStore, lost_lease};
use stheno_workflow_sdk::{Execution, ExecutionFilter};

/// Stores runs in PostgreSQL. Every checkpoint is one `UPDATE` guarded by
/// the lease, so a process that lost its lease cannot overwrite the run.
///
/// Checkpoints commit with `synchronous_commit = off` (for that statement
/// only): they cost no WAL flush, and a *PostgreSQL* crash can lose the last
/// few hundred milliseconds of them, after which the run resumes from an
/// earlier checkpoint and re-invokes the steps after it, which the engine's
/// at-least-once contract already allows. A crash of the application loses
/// nothing the server acknowledged.
#[derive(Clone)]
pub struct PgStore {
    db: DbPool,
}

impl PgStore {
    pub fn new(db: DbPool) -> Self {
        Self { db }
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Jsonb)]
    execution: Value,
}

#[derive(QueryableByName)]
struct Key {
    #[diesel(sql_type = Text)]
    workflow_id: String,
    #[diesel(sql_type = Text)]
    transaction_id: String,
}

#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = Jsonb)]
    execution: Value,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

fn read(value: Value) -> Result<Execution> {
    serde_json::from_value(value).map_err(|e| {
        Error::internal(format!("a stored workflow execution is unreadable: {e}")).with_source(e)
    })
}

fn write(execution: &Execution) -> Result<Value> {
    serde_json::to_value(execution).map_err(|e| {
        Error::internal(format!("could not serialise a workflow execution: {e}")).with_source(e)
    })
}

fn seconds(lease: Duration) -> f64 {
    lease.as_secs_f64()
}

const CLAIM: &str = "UPDATE workflow_execution
    SET lease_owner = $3, lease_until = now() + make_interval(secs => $4)
    WHERE workflow_id = $1 AND transaction_id = $2
      AND (lease_owner IS NULL OR lease_until <= now())
    RETURNING execution";

#[async_trait]
impl ExecutionStore for PgStore {
    async fn claim(
        &self,
        workflow_id: &str,
        transaction_id: &str,
        fresh: Option<&Execution>,
        owner: &str,
        lease: Duration,
    ) -> Result<Claim> {
        let mut conn = self.db.get().await?;
        if let Some(fresh) = fresh {
            let inserted = diesel::sql_query(
                "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
                 INSERT INTO workflow_execution
                    (id, workflow_id, transaction_id, state, execution, lease_owner, lease_until,
                     wake_at, created_at, updated_at)
                 SELECT $1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7), $8, $9, $9
                 FROM relaxed
                 ON CONFLICT (workflow_id, transaction_id) DO NOTHING",
            )
            .bind::<Text, _>(&fresh.id)
            .bind::<Text, _>(workflow_id)
            .bind::<Text, _>(transaction_id)
            .bind::<Text, _>(fresh.state.as_str())
            .bind::<Jsonb, _>(write(fresh)?)
            .bind::<Text, _>(owner)
            .bind::<Double, _>(seconds(lease))
            .bind::<Nullable<Timestamptz>, _>(fresh.wake_at)
            .bind::<Timestamptz, _>(fresh.created_at)
            .execute(&mut conn)
            .await?;
            if inserted == 1 {
                return Ok(Claim::Created);
            }
            // A finished run past its retention does not count: replace it.
            let expired = diesel::sql_query(
                "DELETE FROM workflow_execution
                 WHERE workflow_id = $1 AND transaction_id = $2 AND expires_at <= now()",
            )
            .bind::<Text, _>(workflow_id)
            .bind::<Text, _>(transaction_id)
            .execute(&mut conn)
            .await?;
            if expired == 1 {
                drop(conn);
                return self
                    .claim(workflow_id, transaction_id, Some(fresh), owner, lease)
                    .await;
            }
        }
        let claimed: Option<Row> = diesel::sql_query(CLAIM)
            .bind::<Text, _>(workflow_id)
            .bind::<Text, _>(transaction_id)
            .bind::<Text, _>(owner)
            .bind::<Double, _>(seconds(lease))
            .get_result(&mut conn)
            .await
            .map(Some)
            .or_else(|e| match e {
                diesel::result::Error::NotFound => Ok(None),
                e => Err(e),
            })?;
        if let Some(row) = claimed {
            return Ok(Claim::Existing(Box::new(read(row.execution)?)));
        }
        let exists: Option<Row> = diesel::sql_query(
            "SELECT execution FROM workflow_execution WHERE workflow_id = $1 AND transaction_id = $2",
        )
        .bind::<Text, _>(workflow_id)
        .bind::<Text, _>(transaction_id)
        .get_result(&mut conn)
        .await
        .map(Some)
        .or_else(|e| match e {
            diesel::result::Error::NotFound => Ok(None),
            e => Err(e),
        })?;
        Ok(if exists.is_some() {
            Claim::Busy
        } else {
            Claim::Missing
        })
    }

    async fn save(&self, execution: &Execution, owner: &str, lease: Duration) -> Result<()> {
        let mut conn = self.db.get().await?;
        let finished = execution.state.is_finished();
        let updated = diesel::sql_query(
            "WITH relaxed AS (SELECT set_config('synchronous_commit', 'off', true))
             UPDATE workflow_execution
             SET state = $3, execution = $4, wake_at = $5, expires_at = $6, updated_at = now(),
                 lease_owner = CASE WHEN $7 THEN NULL ELSE $8 END,
                 lease_until = CASE WHEN $7 THEN NULL ELSE now() + make_interval(secs => $9) END
             FROM relaxed
             WHERE workflow_id = $1 AND transaction_id = $2 AND lease_owner = $8",
        )
        .bind::<Text, _>(&execution.workflow_id)
        .bind::<Text, _>(&execution.transaction_id)
        .bind::<Text, _>(execution.state.as_str())
        .bind::<Jsonb, _>(write(execution)?)
        .bind::<Nullable<Timestamptz>, _>(execution.wake_at)
        .bind::<Nullable<Timestamptz>, _>(execution.expires_at)
        .bind::<diesel::sql_types::Bool, _>(finished)
        .bind::<Text, _>(owner)
        .bind::<Double, _>(seconds(lease))
        .execute(&mut conn)
        .await?;
        if updated == 0 {
            return Err(lost_lease(execution));
        }
        Ok(())
    }

    async fn release(&self, workflow_id: &str, transaction_id: &str, owner: &str) -> Result<()> {
        let mut conn = self.db.get().await?;
        diesel::sql_query(
            "UPDATE workflow_execution SET lease_owner = NULL, lease_until = NULL
             WHERE workflow_id = $1 AND transaction_id = $2 AND lease_owner = $3",
        )
        .bind::<Text, _>(workflow_id)
        .bind::<Text, _>(transaction_id)
        .bind::<Text, _>(owner)
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    async fn load(&self, workflow_id: &str, transaction_id: &str) -> Result<Option<Execution>> {
        let mut conn = self.db.get().await?;
        let rows: Vec<Row> = diesel::sql_query(
            "SELECT execution FROM workflow_execution WHERE workflow_id = $1 AND transaction_id = $2",
        )
        .bind::<Text, _>(workflow_id)
        .bind::<Text, _>(transaction_id)
        .load(&mut conn)
        .await?;
        rows.into_iter()
            .next()
            .map(|r| read(r.execution))
            .transpose()
    }

    async fn get(&self, id: &str) -> Result<Option<Execution>> {
        let mut conn = self.db.get().await?;
        let rows: Vec<Row> =
            diesel::sql_query("SELECT execution FROM workflow_execution WHERE id = $1")
                .bind::<Text, _>(id)
                .load(&mut conn)
                .await?;
        rows.into_iter()
            .next()
            .map(|r| read(r.execution))
            .transpose()
    }

    async fn list(&self, filter: &ExecutionFilter) -> Result<(Vec<Execution>, u64)> {
        let mut conn = self.db.get().await?;
        let states: Vec<String> = filter
            .state
            .iter()
            .map(|s| s.as_str().to_string())
            .collect();
        let rows: Vec<Counted> = diesel::sql_query(
            "SELECT execution, count(*) OVER () AS total FROM workflow_execution
             WHERE (cardinality($1::text[]) = 0 OR workflow_id = ANY($1))
               AND (cardinality($2::text[]) = 0 OR transaction_id = ANY($2))
               AND (cardinality($3::text[]) = 0 OR state = ANY($3))
             ORDER BY created_at DESC, id DESC
             OFFSET $4 LIMIT $5",
        )
        .bind::<diesel::sql_types::Array<Text>, _>(&filter.workflow_id)
        .bind::<diesel::sql_types::Array<Text>, _>(&filter.transaction_id)
        .bind::<diesel::sql_types::Array<Text>, _>(&states)
        .bind::<BigInt, _>(filter.offset as i64)
        .bind::<BigInt, _>(filter.limit as i64)
        .load(&mut conn)
        .await?;
        let total = match <[Counted]>::first(&rows) {
            Some(row) => row.total as u64,
            None if filter.offset > 0 => {
                // Past the end: count separately so the total stays right.
                let all: Vec<Counted> = diesel::sql_query(
                    "SELECT execution, count(*) OVER () AS total FROM workflow_execution
                     WHERE (cardinality($1::text[]) = 0 OR workflow_id = ANY($1))
                       AND (cardinality($2::text[]) = 0 OR transaction_id = ANY($2))
                       AND (cardinality($3::text[]) = 0 OR state = ANY($3))
                     LIMIT 1",
                )
                .bind::<diesel::sql_types::Array<Text>, _>(&filter.workflow_id)
                .bind::<diesel::sql_types::Array<Text>, _>(&filter.transaction_id)
                .bind::<diesel::sql_types::Array<Text>, _>(&states)
                .load(&mut conn)
                .await?;
                <[Counted]>::first(&all).map_or(0, |r| r.total as u64)
            }
            None => 0,
        };
        let executions = rows
            .into_iter()
            .map(|r| read(r.execution))
            .collect::<Result<Vec<_>>>()?;
        Ok((executions, total))
    }

    async fn recoverable(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<(String, String)>> {
        let mut conn = self.db.get().await?;
        let keys: Vec<Key> = diesel::sql_query(
            "SELECT workflow_id, transaction_id FROM workflow_execution
             WHERE wake_at <= $1 AND state NOT IN ('done', 'reverted', 'failed')
               AND (lease_owner IS NULL OR lease_until <= $1)
             ORDER BY wake_at LIMIT $2",
        )
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(limit as i64)
        .load(&mut conn)
        .await?;
        Ok(keys
            .into_iter()
            .map(|k| (k.workflow_id, k.transaction_id))
            .collect())
    }

    async fn purge(&self, now: DateTime<Utc>) -> Result<u64> {
        let mut conn = self.db.get().await?;
        let deleted = diesel::sql_query("DELETE FROM workflow_execution WHERE expires_at <= $1")
            .bind::<Timestamptz, _>(now)
            .execute(&mut conn)
            .await?;
        Ok(deleted as u64)
    }
}
