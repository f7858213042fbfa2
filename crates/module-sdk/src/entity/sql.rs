//! Generated SQL: statements assembled at run time from an entity's
//! [`EntityMeta`](super::EntityMeta), every value a bound parameter.
//!
//! [`DynSql`] is a diesel query fragment, so it runs on the pooled
//! diesel-async connections and is counted by the query counter like any
//! other statement. Column names come only from static metadata.

use diesel::pg::Pg;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text};
use diesel::{QueryResult, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::{Bind, ColumnType, EntityMeta};
use crate::Result;

enum Part {
    Sql(String),
    Text(Option<String>),
    Array(Vec<String>),
}

/// A statement under construction.
#[derive(Default)]
pub struct DynSql {
    parts: Vec<Part>,
}

impl DynSql {
    pub fn new(sql: &str) -> Self {
        let mut s = Self::default();
        s.push(sql);
        s
    }

    /// Append SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        match self.parts.last_mut() {
            Some(Part::Sql(last)) => last.push_str(sql),
            _ => self.parts.push(Part::Sql(sql.to_string())),
        }
        self
    }

    /// Append a bound value cast to `ty` (`$n::ty`). [`Bind::Default`]
    /// writes `DEFAULT`.
    pub fn bind(&mut self, value: Bind, ty: &str) -> &mut Self {
        match value {
            Bind::Default => return self.push("DEFAULT"),
            Bind::Null => self.parts.push(Part::Text(None)),
            Bind::Text(s) => self.parts.push(Part::Text(Some(s))),
        }
        self.push(&format!("::{ty}"))
    }

    /// Append a bound array of values cast to `ty[]`.
    pub fn bind_array(&mut self, values: Vec<String>, ty: &str) -> &mut Self {
        self.parts.push(Part::Array(values));
        self.push(&format!("::{ty}[]"))
    }

    /// Append `AND <condition>`, the condition on the rows of `meta`
    /// aliased `t`.
    pub fn and_condition(&mut self, meta: &EntityMeta, condition: &super::Condition) -> &mut Self {
        self.push(" AND ");
        condition.write(meta, self);
        self
    }

    /// For storefront reads, append `AND <store scope>` of `meta` (aliased
    /// `t`); nothing otherwise, or when the entity has no scope.
    pub fn and_store_scope(
        &mut self,
        meta: &EntityMeta,
        ctx: crate::graph::QueryContext,
    ) -> &mut Self {
        if ctx.storefront
            && let Some(scope) = meta.store_condition()
        {
            self.and_condition(meta, &scope);
        }
        self
    }

    /// Run the statement; each row's first column is a `jsonb` record.
    /// `conn` may be a shared `&AsyncPgConnection`, so independent
    /// statements run pipelined in one round trip.
    pub async fn load_json<C>(self, conn: &mut C) -> Result<Vec<Value>>
    where
        C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
    {
        let rows: Vec<JsonRow> = self.load(conn).await?;
        Ok(rows.into_iter().map(|r| r.record).collect())
    }

    /// Run the statement; rows are `(owner text, record jsonb)`.
    pub async fn load_owned_json(
        self,
        conn: &mut AsyncPgConnection,
    ) -> Result<Vec<(String, Value)>> {
        let rows: Vec<OwnedJsonRow> = self.load(conn).await?;
        Ok(rows.into_iter().map(|r| (r.owner, r.record)).collect())
    }

    /// Run the statement; one row with one `bigint`. `conn` may be shared,
    /// as for [`load_json`](Self::load_json).
    pub async fn load_count<C>(self, conn: &mut C) -> Result<i64>
    where
        C: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send,
    {
        let rows: Vec<CountRow> = self.load(conn).await?;
        Ok(rows.into_iter().next().map(|r| r.count).unwrap_or(0))
    }

    /// Run the statement, returning the number of affected rows.
    pub async fn run(self, conn: &mut AsyncPgConnection) -> Result<usize> {
        Ok(self.execute(conn).await?)
    }
}

impl QueryFragment<Pg> for DynSql {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.unsafe_to_cache_prepared();
        for part in &self.parts {
            match part {
                Part::Sql(s) => out.push_sql(s),
                Part::Text(v) => out.push_bind_param::<Nullable<Text>, _>(v)?,
                Part::Array(v) => out.push_bind_param::<Array<Text>, _>(v)?,
            }
        }
        Ok(())
    }
}

impl QueryId for DynSql {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::Query for DynSql {
    type SqlType = diesel::sql_types::Untyped;
}

impl<Conn> diesel::RunQueryDsl<Conn> for DynSql {}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Jsonb)]
    record: Value,
}

#[derive(QueryableByName)]
struct OwnedJsonRow {
    #[diesel(sql_type = Text)]
    owner: String,
    #[diesel(sql_type = Jsonb)]
    record: Value,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

/// `jsonb_build_object(…)` of every column of `meta` on alias `alias`, as
/// the wire shows it: timestamps as `Date#toISOString()` (milliseconds),
/// `numeric` as JSON numbers (as Medusa answers amounts).
pub fn record_expr(meta: &EntityMeta, alias: &str) -> String {
    record_expr_with(meta, alias, "MS")
}

/// [`record_expr`] with microsecond timestamps: what typed rows decode from,
/// so a value read back equals the value stored.
pub fn record_expr_exact(meta: &EntityMeta, alias: &str) -> String {
    record_expr_with(meta, alias, "US")
}

fn record_expr_with(meta: &EntityMeta, alias: &str, fraction: &str) -> String {
    let mut pieces = Vec::new();
    for chunk in meta.column_names().collect::<Vec<_>>().chunks(40) {
        let args: Vec<String> = chunk
            .iter()
            .map(|c| {
                let col = format!("{alias}.\"{c}\"");
                let value = match meta.column(c) {
                    // Typed rows decode exact decimals from text; the wire
                    // (Query's records) shows numbers, as Medusa does.
                    Some(ColumnType::Numeric) if fraction == "US" => format!("{col}::text"),
                    // What the wire shows: `Date#toISOString()`.
                    Some(ColumnType::Timestamptz) => format!(
                        "to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.{fraction}\"Z\"')"
                    ),
                    _ => col,
                };
                format!("'{c}', {value}")
            })
            .collect();
        pieces.push(format!("jsonb_build_object({})", args.join(", ")));
    }
    pieces.join(" || ")
}
