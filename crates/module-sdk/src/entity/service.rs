//! The generated service of an entity: what Medusa's `MedusaService` writes
//! for each model.

use std::collections::{BTreeMap, HashMap};
use std::marker::PhantomData;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::Value;

use super::sql::{DynSql, record_expr_exact};
use super::{
    Bind, Condition, Entity, EntityFilter, EntityMeta, InsertValues, RelationKind, UpdateValues,
};
use crate::db::DbPool;
use crate::events::{Event, EventBus};
use crate::link::LinkDef;
use crate::list::{Direction, ListConfig, OrderBy};
use crate::{Error, ModuleContext, Result, time};

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// What a soft delete, restore or delete touched, by entity name
/// (`{"customer": [...], "customer_address": [...]}`): Medusa's linkable
/// keys, used to cascade further.
pub type Deleted = BTreeMap<&'static str, Vec<String>>;

/// The generated CRUD of entity `E`.
pub struct EntityService<E> {
    db: DbPool,
    events: Arc<dyn EventBus>,
    links: Arc<[&'static LinkDef]>,
    _entity: PhantomData<fn() -> E>,
}

impl<E> Clone for EntityService<E> {
    fn clone(&self) -> Self {
        Self {
            db: self.db.clone(),
            events: self.events.clone(),
            links: self.links.clone(),
            _entity: PhantomData,
        }
    }
}

/// Events collected inside a transaction, emitted after it commits.
#[derive(Default)]
struct Pending(Vec<Event>);

impl Pending {
    fn push(&mut self, meta: &EntityMeta, action: &str, ids: &[String]) {
        let name = format!("{}.{}.{action}", meta.module, meta.event_name);
        self.0
            .extend(Event::for_ids(&name, ids.iter().map(String::as_str)));
    }
    fn push_link(&mut self, link: &LinkDef, action: &str, ids: &[String]) {
        let name = format!("{}.{action}", link.event_name());
        self.0
            .extend(Event::for_ids(&name, ids.iter().map(String::as_str)));
    }
}

impl<E: Entity> EntityService<E> {
    /// The service over the module's pool and event bus, cascading into the
    /// application's active links (those of its children included).
    pub fn new(ctx: &ModuleContext) -> Self {
        Self {
            db: ctx.db().clone(),
            events: ctx.events().clone(),
            links: ctx.links().into(),
            _entity: PhantomData,
        }
    }

    /// The service over a pool and event bus, for modules that build their
    /// services by hand (their `Module::build` passes `ctx.links()`).
    pub fn from_parts(
        db: DbPool,
        events: Arc<dyn EventBus>,
        links: Arc<[&'static LinkDef]>,
    ) -> Self {
        Self {
            db,
            events,
            links,
            _entity: PhantomData,
        }
    }

    fn meta(&self) -> &'static EntityMeta {
        E::META
    }

    async fn conn(&self) -> Result<crate::db::DbConn> {
        Ok(self.db.get().await?)
    }

    async fn emit(&self, pending: Pending) {
        if pending.0.is_empty() {
            return;
        }
        if let Err(e) = self.events.emit(pending.0).await {
            tracing::warn!(error = %e, entity = E::META.entity, "emitting entity events failed");
        }
    }

    /// `FROM <table> t WHERE <filter> [AND live]`.
    fn filtered_from(&self, condition: &Condition, with_deleted: bool, sql: &mut DynSql) {
        let meta = self.meta();
        sql.push(&format!(" FROM \"{}\" t WHERE ", meta.table));
        condition.write(meta, sql);
        if meta.soft_delete && !with_deleted && !condition.mentions("deleted_at") {
            sql.push(" AND t.deleted_at IS NULL");
        }
    }

    fn order_by(&self, order: &[OrderBy], sql: &mut DynSql) -> Result<()> {
        let meta = self.meta();
        let mut terms = Vec::new();
        for entry in order {
            if meta.column(&entry.field).is_none() {
                return Err(Error::invalid_data(format!(
                    "Order field {} is not valid",
                    entry.field
                )));
            }
            let dir = match entry.direction {
                Direction::Asc => "ASC",
                Direction::Desc => "DESC",
            };
            terms.push(format!("t.\"{}\" {dir}", entry.field));
        }
        if order.is_empty() {
            terms.push("t.created_at ASC".into());
        }
        terms.push(format!("t.\"{}\" ASC", meta.pk));
        sql.push(&format!(" ORDER BY {}", terms.join(", ")));
        Ok(())
    }

    /// Decode inserted rows, in the order of `ids`.
    fn in_order(records: Vec<Value>, ids: &[String]) -> Result<Vec<E>> {
        let mut by_id: HashMap<String, E> = Self::decode(records)?
            .into_iter()
            .map(|e| (e.id().to_string(), e))
            .collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    fn decode(records: Vec<Value>) -> Result<Vec<E>> {
        records
            .into_iter()
            .map(|r| serde_json::from_value(r).map_err(Error::from))
            .collect()
    }

    fn select(&self, condition: &Condition, config: &ListConfig) -> Result<DynSql> {
        let mut sql = DynSql::new(&format!(
            "SELECT {} AS record",
            record_expr_exact(self.meta(), "t")
        ));
        self.filtered_from(condition, config.with_deleted, &mut sql);
        self.order_by(&config.order, &mut sql)?;
        if let Some(page) = config.page {
            sql.push(&format!(
                " LIMIT {} OFFSET {}",
                page.limit.max(0),
                page.offset.max(0)
            ));
        }
        Ok(sql)
    }

    /// Rows matching `filter`.
    pub async fn list(&self, filter: &E::Filter, config: &ListConfig) -> Result<Vec<E>> {
        self.list_where(&filter.condition(), config).await
    }

    /// Rows matching a condition tree (for domain code composing filters).
    pub async fn list_where(&self, condition: &Condition, config: &ListConfig) -> Result<Vec<E>> {
        let sql = self.select(condition, config)?;
        let mut conn = self.conn().await?;
        Self::decode(sql.load_json(&mut conn).await?)
    }

    /// A page of rows matching `filter` and the number of all matching rows.
    pub async fn list_and_count(
        &self,
        filter: &E::Filter,
        config: &ListConfig,
    ) -> Result<(Vec<E>, i64)> {
        self.list_and_count_where(&filter.condition(), config).await
    }

    /// [`list_and_count`](Self::list_and_count) over a condition tree.
    pub async fn list_and_count_where(
        &self,
        condition: &Condition,
        config: &ListConfig,
    ) -> Result<(Vec<E>, i64)> {
        let sql = self.select(condition, config)?;
        let mut count = DynSql::new("SELECT count(*) AS count");
        self.filtered_from(condition, config.with_deleted, &mut count);
        let conn = self.conn().await?;
        // Pipelined on one connection: both statements in one round trip.
        let (mut a, mut b): (&AsyncPgConnection, &AsyncPgConnection) = (&conn, &conn);
        let (records, total) = futures::try_join!(sql.load_json(&mut a), count.load_count(&mut b))?;
        Ok((Self::decode(records)?, total))
    }

    /// Rows with these ids (live ones; unknown ids are skipped), in no
    /// particular order.
    pub async fn list_by_ids(&self, ids: &[String]) -> Result<Vec<E>> {
        let condition = id_in(self.meta(), ids);
        self.list_where(&condition, &ListConfig::default()).await
    }

    /// One row; Medusa's `not_found` if it does not exist or is soft-deleted.
    pub async fn retrieve(&self, id: &str) -> Result<E> {
        self.retrieve_with(id, false).await
    }

    /// One row, soft-deleted ones too when `with_deleted`.
    pub async fn retrieve_with(&self, id: &str, with_deleted: bool) -> Result<E> {
        let condition = id_in(self.meta(), &[id.to_string()]);
        let config = ListConfig::default().with_deleted(with_deleted);
        self.list_where(&condition, &config)
            .await?
            .pop()
            .ok_or_else(|| self.meta().not_found(id))
    }

    /// Create one row.
    pub async fn create_one(&self, input: E::Create) -> Result<E> {
        let mut rows = self.create(vec![input]).await?;
        rows.pop()
            .ok_or_else(|| Error::internal("insert returned no row"))
    }

    /// Create rows in one statement (all or none), in input order. A taken
    /// unique value is Medusa's `duplicate_error` (`Brand with name: x,
    /// already exists.`).
    pub async fn create(&self, mut inputs: Vec<E::Create>) -> Result<Vec<E>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        for input in &mut inputs {
            E::prepare(input)?;
        }
        let meta = self.meta();
        let (sql, ids) = insert_sql(meta, &inputs);
        let mut conn = self.conn().await?;
        let records = sql
            .load_json(&mut conn)
            .await
            .map_err(|e| meta.refine_duplicate(e))?;
        let created = Self::in_order(records, &ids)?;
        let mut pending = Pending::default();
        pending.push(meta, "created", &ids);
        self.emit(pending).await;
        Ok(created)
    }

    /// Update one live row; `not_found` if there is none.
    pub async fn update(&self, id: &str, input: E::Update) -> Result<E> {
        let condition = id_in(self.meta(), &[id.to_string()]);
        self.update_where_condition(&condition, &input)
            .await?
            .pop()
            .ok_or_else(|| self.meta().not_found(id))
    }

    /// Update every live row matching `filter` with the same changes.
    pub async fn update_where(&self, filter: &E::Filter, input: E::Update) -> Result<Vec<E>> {
        self.update_where_condition(&filter.condition(), &input)
            .await
    }

    /// Update several rows, each with its own changes, in one transaction.
    /// An unknown id fails the whole call with `not_found`.
    pub async fn update_many(&self, inputs: Vec<(String, E::Update)>) -> Result<Vec<E>> {
        let meta = self.meta();
        let mut conn = self.conn().await?;
        let now = time::now();
        let updated = conn
            .transaction::<_, Error, _>(async move |c| {
                let mut out = Vec::with_capacity(inputs.len());
                for (id, input) in &inputs {
                    let sql = update_sql(meta, &id_in(meta, std::slice::from_ref(id)), input, now);
                    let mut rows = Self::decode(sql.load_json(c).await?)?;
                    out.push(rows.pop().ok_or_else(|| meta.not_found(id))?);
                }
                Ok(out)
            })
            .await
            .map_err(|e| meta.refine_duplicate(e))?;
        let ids: Vec<String> = updated.iter().map(|e| e.id().to_string()).collect();
        let mut pending = Pending::default();
        pending.push(meta, "updated", &ids);
        self.emit(pending).await;
        Ok(updated)
    }

    /// Write rows back as they were (their columns, `deleted_at` and
    /// `updated_at`), in one transaction: how an update is undone.
    pub async fn overwrite(&self, rows: &[E]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let meta = self.meta();
        let ids: Vec<String> = rows.iter().map(|e| e.id().to_string()).collect();
        let rows = rows.to_vec();
        let mut conn = self.conn().await?;
        conn.transaction::<_, Error, _>(async move |c| Self::overwrite_on(c, &rows).await)
            .await
            .map_err(|e| meta.refine_duplicate(e))?;
        let mut pending = Pending::default();
        pending.push(meta, "updated", &ids);
        self.emit(pending).await;
        Ok(())
    }

    async fn update_where_condition(
        &self,
        condition: &Condition,
        input: &E::Update,
    ) -> Result<Vec<E>> {
        let meta = self.meta();
        let sql = update_sql(meta, condition, input, time::now());
        let mut conn = self.conn().await?;
        let records = sql
            .load_json(&mut conn)
            .await
            .map_err(|e| meta.refine_duplicate(e))?;
        let updated = Self::decode(records)?;
        let ids: Vec<String> = updated.iter().map(|e| e.id().to_string()).collect();
        let mut pending = Pending::default();
        pending.push(meta, "updated", &ids);
        self.emit(pending).await;
        Ok(updated)
    }

    /// Soft-delete rows, their declared children (`cascade`) and their link
    /// rows, in one transaction. Unknown or already deleted ids are
    /// ignored. Returns everything deleted, by entity.
    pub async fn soft_delete(&self, ids: &[String]) -> Result<Deleted> {
        let meta = self.meta();
        if !meta.soft_delete {
            return Err(Error::invalid_data(format!(
                "{} cannot be soft deleted",
                meta.name
            )));
        }
        self.cascade(CascadeOp::SoftDelete, ids).await
    }

    /// Undo [`soft_delete`](Self::soft_delete): the rows, and the children
    /// and link rows deleted with them (same `deleted_at`).
    pub async fn restore(&self, ids: &[String]) -> Result<Deleted> {
        self.cascade(CascadeOp::Restore, ids).await
    }

    /// Delete rows for good, with their declared children and link rows.
    pub async fn delete(&self, ids: &[String]) -> Result<Deleted> {
        self.cascade(CascadeOp::Delete, ids).await
    }

    /// Run one soft delete, restore or delete with its cascades in a
    /// transaction, then emit what it collected.
    async fn cascade(&self, op: CascadeOp, ids: &[String]) -> Result<Deleted> {
        let meta = self.meta();
        let links = self.links.clone();
        let ids = ids.to_vec();
        let mut conn = self.conn().await?;
        let (touched, pending) = conn
            .transaction::<_, Error, _>(async move |c| {
                let mut state = Cascade::new(time::now(), links);
                match op {
                    CascadeOp::SoftDelete => state.soft_delete(c, meta, meta.pk, ids).await?,
                    CascadeOp::Restore => state.restore(c, meta, ids).await?,
                    CascadeOp::Delete => state.delete(c, meta, meta.pk, ids).await?,
                }
                Ok((state.touched, state.pending))
            })
            .await
            .map_err(|e| meta.refine_duplicate(e))?;
        self.emit(pending).await;
        Ok(touched)
    }
}

/// `INSERT … RETURNING` of `inputs` (one statement) and the ids, in input
/// order. Rows of one batch get distinct timestamps, 1 µs apart, so
/// ordering by `created_at` gives back the input order.
fn insert_sql<C: InsertValues>(meta: &EntityMeta, inputs: &[C]) -> (DynSql, Vec<String>) {
    let now = time::now();
    let mut ids = Vec::with_capacity(inputs.len());
    let mut sql = DynSql::default();
    for (i, input) in inputs.iter().enumerate() {
        let values = input.values();
        if i == 0 {
            let columns: Vec<String> = [meta.pk]
                .into_iter()
                .chain(values.iter().map(|(c, _)| *c))
                .chain(["created_at", "updated_at"])
                .map(|c| format!("\"{c}\""))
                .collect();
            sql.push(&format!(
                "INSERT INTO \"{}\" AS t ({}) VALUES ",
                meta.table,
                columns.join(", ")
            ));
        } else {
            sql.push(", ");
        }
        let id = input
            .given_id()
            .map(str::to_string)
            .unwrap_or_else(|| crate::id::generate_id(meta.prefix));
        let stamp = Bind::Text((now + chrono::Duration::microseconds(i as i64)).to_rfc3339());
        sql.push("(");
        sql.bind(Bind::Text(id.clone()), "text");
        for (column, value) in values {
            sql.push(", ");
            sql.bind(
                value,
                meta.column(column).map(|t| t.sql()).unwrap_or("text"),
            );
        }
        sql.push(", ");
        sql.bind(stamp.clone(), "timestamptz");
        sql.push(", ");
        sql.bind(stamp, "timestamptz");
        sql.push(")");
        ids.push(id);
    }
    sql.push(&format!(
        " RETURNING {} AS record",
        record_expr_exact(meta, "t")
    ));
    (sql, ids)
}

/// A row's `updated_at` as stored (serialised rows carry milliseconds only).
fn updated_at<E: Entity>(row: &E) -> String {
    serde_json::to_value(row)
        .ok()
        .and_then(|v| {
            v.get("updated_at")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .unwrap_or_else(|| time::now().to_rfc3339())
}

fn id_in(meta: &EntityMeta, ids: &[String]) -> Condition {
    Condition::In {
        column: meta.pk,
        values: ids.iter().cloned().map(Bind::Text).collect(),
        negated: false,
    }
}

/// `UPDATE <table> AS t SET "a" = $1::type, …, ` (each assignment followed
/// by `, `; the caller ends with `updated_at` and the `WHERE`).
fn update_set(meta: &EntityMeta, values: Vec<(&'static str, Bind)>) -> DynSql {
    let mut sql = DynSql::new(&format!("UPDATE \"{}\" AS t SET ", meta.table));
    for (column, value) in values {
        sql.push(&format!("\"{column}\" = "));
        sql.bind(
            value,
            meta.column(column).map(|t| t.sql()).unwrap_or("text"),
        );
        sql.push(", ");
    }
    sql
}

fn update_sql(
    meta: &EntityMeta,
    condition: &Condition,
    input: &impl UpdateValues,
    now: DateTime<Utc>,
) -> DynSql {
    let mut sql = update_set(meta, input.changes());
    sql.push("updated_at = ");
    sql.bind(Bind::Text(now.to_rfc3339()), "timestamptz");
    sql.push(" WHERE ");
    condition.write(meta, &mut sql);
    if meta.soft_delete {
        sql.push(" AND t.deleted_at IS NULL");
    }
    sql.push(&format!(
        " RETURNING {} AS record",
        record_expr_exact(meta, "t")
    ));
    sql
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CascadeOp {
    SoftDelete,
    Restore,
    Delete,
}

/// One soft delete / restore / delete walking children and links inside a
/// transaction.
struct Cascade {
    now: DateTime<Utc>,
    links: Arc<[&'static LinkDef]>,
    touched: Deleted,
    pending: Pending,
}

fn ids_of(rows: Vec<Value>) -> Vec<String> {
    rows.into_iter()
        .filter_map(|v| v.get("id").and_then(Value::as_str).map(str::to_string))
        .collect()
}

impl Cascade {
    fn new(now: DateTime<Utc>, links: Arc<[&'static LinkDef]>) -> Self {
        Self {
            now,
            links,
            touched: Deleted::new(),
            pending: Pending::default(),
        }
    }

    fn stamp(&self) -> Bind {
        Bind::Text(self.now.to_rfc3339())
    }

    fn record(&mut self, meta: &'static EntityMeta, action: &str, ids: &[String]) {
        if ids.is_empty() {
            return;
        }
        self.pending.push(meta, action, ids);
        self.touched
            .entry(meta.entity)
            .or_default()
            .extend(ids.iter().cloned());
    }

    /// The other side's ids linked to `ids` of `side` (live link rows, or
    /// every row when `all`).
    async fn linked(
        &self,
        c: &mut AsyncPgConnection,
        link: &LinkDef,
        side: &crate::link::LinkSide,
        ids: &[String],
        all: bool,
    ) -> Result<Vec<String>> {
        let other = link.other(side);
        let mut sql = DynSql::new(&format!(
            "SELECT jsonb_build_object('id', l.\"{}\") AS record FROM \"{}\" l WHERE l.\"{}\" = ANY(",
            other.column,
            link.table_name(),
            side.column
        ));
        sql.bind_array(ids.to_vec(), "text");
        sql.push(")");
        if !all {
            sql.push(" AND l.deleted_at IS NULL");
        }
        Ok(ids_of(sql.load_json(c).await?))
    }

    /// The other side's ids whose link rows were deleted with the
    /// (soft-deleted) rows `ids` of `meta`.
    async fn linked_with(
        &self,
        c: &mut AsyncPgConnection,
        link: &LinkDef,
        side: &crate::link::LinkSide,
        meta: &EntityMeta,
        ids: &[String],
    ) -> Result<Vec<String>> {
        let other = link.other(side);
        let mut sql = DynSql::new(&format!(
            "SELECT jsonb_build_object('id', l.\"{}\") AS record FROM \"{}\" l \
             JOIN \"{}\" p ON l.\"{}\" = p.\"{pk}\" WHERE p.\"{pk}\" = ANY(",
            other.column,
            link.table_name(),
            meta.table,
            side.column,
            pk = meta.pk
        ));
        sql.bind_array(ids.to_vec(), "text");
        sql.push(") AND p.deleted_at IS NOT NULL AND l.deleted_at = p.deleted_at");
        Ok(ids_of(sql.load_json(c).await?))
    }

    /// Soft-delete rows of a table that is not a generated entity.
    async fn soft_delete_plain(
        &self,
        c: &mut AsyncPgConnection,
        table: &str,
        ids: Vec<String>,
    ) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut sql = DynSql::new(&format!("UPDATE \"{table}\" SET deleted_at = "));
        sql.bind(self.stamp(), "timestamptz");
        sql.push(" WHERE id = ANY(");
        sql.bind_array(ids, "text");
        sql.push(") AND deleted_at IS NULL");
        sql.run(c).await?;
        Ok(())
    }

    /// Soft-delete the live rows of `meta` whose `column` is in `keys`.
    fn soft_delete<'a>(
        &'a mut self,
        c: &'a mut AsyncPgConnection,
        meta: &'static EntityMeta,
        column: &'static str,
        keys: Vec<String>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(());
            }
            let mut sql = DynSql::new(&format!("UPDATE \"{}\" AS t SET deleted_at = ", meta.table));
            sql.bind(self.stamp(), "timestamptz");
            sql.push(&format!(" WHERE t.\"{column}\" = ANY("));
            sql.bind_array(keys, "text");
            sql.push(&format!(
                ") AND t.deleted_at IS NULL RETURNING jsonb_build_object('id', t.\"{}\") AS record",
                meta.pk
            ));
            let ids = ids_of(sql.load_json(c).await?);
            if ids.is_empty() {
                return Ok(());
            }
            self.record(meta, "deleted", &ids);
            for rel in meta.relations.iter().filter(|r| r.cascade) {
                if let RelationKind::HasMany { fk } = rel.kind {
                    self.soft_delete(c, (rel.target)(), fk, ids.clone()).await?;
                }
            }
            for link in self.links.clone().iter() {
                for side in link.sides_on(meta.table) {
                    let other = link.other(side);
                    if other.delete_cascade {
                        let linked = self.linked(c, link, side, &ids, false).await?;
                        match other.meta {
                            Some(other_meta) => {
                                self.soft_delete(c, other_meta, other_meta.pk, linked)
                                    .await?
                            }
                            None if other.soft_delete => {
                                self.soft_delete_plain(c, other.table, linked).await?
                            }
                            None => {}
                        }
                    }
                    let mut sql = DynSql::new(&format!(
                        "UPDATE \"{}\" AS t SET deleted_at = ",
                        link.table_name()
                    ));
                    sql.bind(self.stamp(), "timestamptz");
                    sql.push(&format!(" WHERE t.\"{}\" = ANY(", side.column));
                    sql.bind_array(ids.clone(), "text");
                    sql.push(") AND t.deleted_at IS NULL RETURNING jsonb_build_object('id', t.id) AS record");
                    let link_ids = ids_of(sql.load_json(c).await?);
                    if !link_ids.is_empty() {
                        self.pending.push_link(link, "detached", &link_ids);
                    }
                }
            }
            Ok(())
        })
    }

    /// Restore rows of `meta` by id, with what was deleted with them.
    fn restore<'a>(
        &'a mut self,
        c: &'a mut AsyncPgConnection,
        meta: &'static EntityMeta,
        ids: Vec<String>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if ids.is_empty() || !meta.soft_delete {
                return Ok(());
            }
            // Children and links first, while the parents still carry the
            // `deleted_at` they were deleted with.
            for rel in meta.relations.iter().filter(|r| r.cascade) {
                let RelationKind::HasMany { fk } = rel.kind else {
                    continue;
                };
                let child = (rel.target)();
                let mut sql = DynSql::new(&format!(
                    "SELECT jsonb_build_object('id', t.\"{}\") AS record FROM \"{}\" t \
                     JOIN \"{}\" p ON t.\"{fk}\" = p.\"{pk}\" WHERE p.\"{pk}\" = ANY(",
                    child.pk,
                    child.table,
                    meta.table,
                    pk = meta.pk
                ));
                sql.bind_array(ids.clone(), "text");
                sql.push(") AND p.deleted_at IS NOT NULL AND t.deleted_at = p.deleted_at");
                let child_ids = ids_of(sql.load_json(c).await?);
                self.restore(c, child, child_ids).await?;
            }
            for link in self.links.clone().iter() {
                for side in link.sides_on(meta.table) {
                    let other = link.other(side);
                    if other.delete_cascade {
                        let linked = self.linked_with(c, link, side, meta, &ids).await?;
                        match other.meta {
                            Some(other_meta) => self.restore(c, other_meta, linked).await?,
                            None if other.soft_delete => {
                                let mut sql = DynSql::new(&format!(
                                    "UPDATE \"{}\" SET deleted_at = NULL WHERE id = ANY(",
                                    other.table
                                ));
                                sql.bind_array(linked, "text");
                                sql.push(")");
                                sql.run(c).await?;
                            }
                            None => {}
                        }
                    }
                    let mut sql = DynSql::new(&format!(
                        "UPDATE \"{}\" AS t SET deleted_at = NULL FROM \"{}\" p \
                         WHERE t.\"{}\" = p.\"{pk}\" AND p.\"{pk}\" = ANY(",
                        link.table_name(),
                        meta.table,
                        side.column,
                        pk = meta.pk
                    ));
                    sql.bind_array(ids.clone(), "text");
                    sql.push(
                        ") AND p.deleted_at IS NOT NULL AND t.deleted_at = p.deleted_at \
                         RETURNING jsonb_build_object('id', t.id) AS record",
                    );
                    let link_ids = ids_of(sql.load_json(c).await?);
                    if !link_ids.is_empty() {
                        self.pending.push_link(link, "attached", &link_ids);
                    }
                }
            }
            let mut sql = DynSql::new(&format!(
                "UPDATE \"{}\" AS t SET deleted_at = NULL WHERE t.\"{pk}\" = ANY(",
                meta.table,
                pk = meta.pk
            ));
            sql.bind_array(ids, "text");
            sql.push(&format!(
                ") AND t.deleted_at IS NOT NULL RETURNING jsonb_build_object('id', t.\"{}\") AS record",
                meta.pk
            ));
            let restored = ids_of(sql.load_json(c).await?);
            self.record(meta, "restored", &restored);
            Ok(())
        })
    }

    /// Delete the rows of `meta` whose `column` is in `keys`, for good.
    fn delete<'a>(
        &'a mut self,
        c: &'a mut AsyncPgConnection,
        meta: &'static EntityMeta,
        column: &'static str,
        keys: Vec<String>,
    ) -> BoxFuture<'a, Result<()>> {
        Box::pin(async move {
            if keys.is_empty() {
                return Ok(());
            }
            let mut select = DynSql::new(&format!(
                "SELECT jsonb_build_object('id', t.\"{pk}\") AS record FROM \"{}\" t WHERE t.\"{column}\" = ANY(",
                meta.table,
                pk = meta.pk
            ));
            select.bind_array(keys, "text");
            select.push(")");
            let ids = ids_of(select.load_json(c).await?);
            if ids.is_empty() {
                return Ok(());
            }
            for rel in meta.relations.iter().filter(|r| r.cascade) {
                if let RelationKind::HasMany { fk } = rel.kind {
                    self.delete(c, (rel.target)(), fk, ids.clone()).await?;
                }
            }
            for rel in meta.relations {
                if let RelationKind::ManyToMany { through, fk, .. } = rel.kind {
                    let mut sql =
                        DynSql::new(&format!("DELETE FROM \"{through}\" WHERE \"{fk}\" = ANY("));
                    sql.bind_array(ids.clone(), "text");
                    sql.push(")");
                    sql.run(c).await?;
                }
            }
            for link in self.links.clone().iter() {
                for side in link.sides_on(meta.table) {
                    let other = link.other(side);
                    if other.delete_cascade {
                        let linked = self.linked(c, link, side, &ids, true).await?;
                        match other.meta {
                            Some(other_meta) => {
                                self.delete(c, other_meta, other_meta.pk, linked).await?
                            }
                            None => {
                                let mut sql = DynSql::new(&format!(
                                    "DELETE FROM \"{}\" WHERE id = ANY(",
                                    other.table
                                ));
                                sql.bind_array(linked, "text");
                                sql.push(")");
                                sql.run(c).await?;
                            }
                        }
                    }
                    let mut sql = DynSql::new(&format!(
                        "DELETE FROM \"{}\" AS t WHERE t.\"{}\" = ANY(",
                        link.table_name(),
                        side.column
                    ));
                    sql.bind_array(ids.clone(), "text");
                    sql.push(") RETURNING jsonb_build_object('id', t.id) AS record");
                    let link_ids = ids_of(sql.load_json(c).await?);
                    if !link_ids.is_empty() {
                        self.pending.push_link(link, "detached", &link_ids);
                    }
                }
            }
            let mut sql = DynSql::new(&format!(
                "DELETE FROM \"{}\" AS t WHERE t.\"{}\" = ANY(",
                meta.table, meta.pk
            ));
            sql.bind_array(ids.clone(), "text");
            sql.push(")");
            sql.run(c).await?;
            self.record(meta, "deleted", &ids);
            Ok(())
        })
    }
}

/// One transaction shared by generated writes and hand-written statements
/// (Medusa's shared context): what [`EntityService::transaction`] hands to
/// its closure. Writes made through it commit or roll back together; their
/// events are emitted once the transaction has committed, none if it rolls
/// back.
pub struct Tx<'c> {
    conn: &'c mut AsyncPgConnection,
    pending: Pending,
}

impl Tx<'_> {
    /// The connection, for hand-written statements inside the transaction.
    pub fn conn(&mut self) -> &mut AsyncPgConnection {
        self.conn
    }
}

/// Generated operations inside a [`Tx`]: how domain code keeps a rule that
/// spans statements (lock a parent row, change its children, insert) in
/// one transaction, with the generated SQL, errors and events.
///
/// ```ignore
/// addresses.transaction(|tx| Box::pin(async move {
///     customers.retrieve_for_update(tx, &customer_id).await?; // or not_found
///     addresses.update_where_in(tx, &others_default, &unset).await?;
///     addresses.create_in(tx, vec![input]).await
/// })).await?
/// ```
impl<E: Entity> EntityService<E> {
    /// Run `f` in one transaction. Events of the writes made through the
    /// [`Tx`] go to this service's event bus after the commit.
    pub async fn transaction<T, F>(&self, f: F) -> Result<T>
    where
        T: Send,
        F: for<'t, 'c> FnOnce(
                &'t mut Tx<'c>,
            ) -> std::pin::Pin<
                Box<dyn std::future::Future<Output = Result<T>> + Send + 't>,
            > + Send,
    {
        let mut conn = self.conn().await?;
        let (out, pending) = conn
            .transaction::<_, Error, _>(async move |c| {
                let mut tx = Tx {
                    conn: c,
                    pending: Pending::default(),
                };
                let out = f(&mut tx).await?;
                Ok((out, tx.pending))
            })
            .await?;
        self.emit(pending).await;
        Ok(out)
    }

    /// One live row, locked (`SELECT … FOR UPDATE`) until `tx` ends: how
    /// changes under a parent row are serialised. Medusa's `not_found` if
    /// there is none.
    pub async fn retrieve_for_update(&self, tx: &mut Tx<'_>, id: &str) -> Result<E> {
        let mut sql = self.select(
            &id_in(self.meta(), &[id.to_string()]),
            &ListConfig::default(),
        )?;
        sql.push(" FOR UPDATE OF t");
        Self::decode(sql.load_json(tx.conn).await?)?
            .pop()
            .ok_or_else(|| self.meta().not_found(id))
    }

    /// [`list_where`](Self::list_where) inside `tx`.
    pub async fn list_where_in(
        &self,
        tx: &mut Tx<'_>,
        condition: &Condition,
        config: &ListConfig,
    ) -> Result<Vec<E>> {
        let sql = self.select(condition, config)?;
        Self::decode(sql.load_json(tx.conn).await?)
    }

    /// [`create`](Self::create) inside `tx`.
    pub async fn create_in(&self, tx: &mut Tx<'_>, mut inputs: Vec<E::Create>) -> Result<Vec<E>> {
        if inputs.is_empty() {
            return Ok(Vec::new());
        }
        for input in &mut inputs {
            E::prepare(input)?;
        }
        let meta = self.meta();
        let (sql, ids) = insert_sql(meta, &inputs);
        let records = sql
            .load_json(tx.conn)
            .await
            .map_err(|e| meta.refine_duplicate(e))?;
        let created = Self::in_order(records, &ids)?;
        tx.pending.push(meta, "created", &ids);
        Ok(created)
    }

    /// [`soft_delete`](Self::soft_delete) inside `tx`, with its cascades:
    /// for a domain rule that must hold with the delete (a region's
    /// countries are released when it goes).
    pub async fn soft_delete_in(&self, tx: &mut Tx<'_>, ids: &[String]) -> Result<Deleted> {
        self.cascade_in(tx, CascadeOp::SoftDelete, ids).await
    }

    /// [`delete`](Self::delete) inside `tx`, with its cascades.
    pub async fn delete_in(&self, tx: &mut Tx<'_>, ids: &[String]) -> Result<Deleted> {
        self.cascade_in(tx, CascadeOp::Delete, ids).await
    }

    async fn cascade_in(&self, tx: &mut Tx<'_>, op: CascadeOp, ids: &[String]) -> Result<Deleted> {
        let meta = self.meta();
        if op == CascadeOp::SoftDelete && !meta.soft_delete {
            return Err(Error::invalid_data(format!(
                "{} cannot be soft deleted",
                meta.name
            )));
        }
        let mut state = Cascade::new(time::now(), self.links.clone());
        let ids = ids.to_vec();
        match op {
            CascadeOp::SoftDelete => state.soft_delete(tx.conn, meta, meta.pk, ids).await,
            CascadeOp::Restore => state.restore(tx.conn, meta, ids).await,
            CascadeOp::Delete => state.delete(tx.conn, meta, meta.pk, ids).await,
        }
        .map_err(|e| meta.refine_duplicate(e))?;
        tx.pending.0.extend(state.pending.0);
        Ok(state.touched)
    }

    /// Update every live row matching `condition` with the same changes,
    /// inside `tx`.
    pub async fn update_where_in(
        &self,
        tx: &mut Tx<'_>,
        condition: &Condition,
        input: &E::Update,
    ) -> Result<Vec<E>> {
        let meta = self.meta();
        let records = update_sql(meta, condition, input, time::now())
            .load_json(tx.conn)
            .await
            .map_err(|e| meta.refine_duplicate(e))?;
        let updated = Self::decode(records)?;
        let ids: Vec<String> = updated.iter().map(|e| e.id().to_string()).collect();
        tx.pending.push(meta, "updated", &ids);
        Ok(updated)
    }
}

/// Generated operations on a connection of a transaction of your own, for
/// hand-written domain code that runs `conn.transaction` itself (nested
/// creates across several tables). They emit nothing: the caller's events
/// say what changed. Inside [`EntityService::transaction`], pass
/// [`Tx::conn`].
impl<E: Entity> EntityService<E> {
    /// Medusa's `not_found` naming the ids of `ids` that have no live row
    /// (`ProductTag with id: a, b was not found`). One statement; nothing
    /// when `ids` is empty.
    pub async fn ensure_live_on(conn: &mut AsyncPgConnection, ids: &[String]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let meta = E::META;
        let mut sql = DynSql::new(&format!(
            "SELECT to_jsonb(t.\"{pk}\") AS record FROM \"{}\" t WHERE t.\"{pk}\" = ANY(",
            meta.table,
            pk = meta.pk
        ));
        sql.bind_array(ids.to_vec(), "text");
        sql.push(")");
        if meta.soft_delete {
            sql.push(" AND t.deleted_at IS NULL");
        }
        let found: Vec<Value> = sql.load_json(conn).await?;
        let mut missing: Vec<&str> = Vec::new();
        for id in ids {
            if !found.iter().any(|f| f.as_str() == Some(id)) && !missing.contains(&id.as_str()) {
                missing.push(id);
            }
        }
        if missing.is_empty() {
            Ok(())
        } else {
            Err(meta.not_found(&missing.join(", ")))
        }
    }

    /// Write `rows` back as they were: every column, `deleted_at` and
    /// `updated_at` (`created_at` is kept). One statement per row.
    pub async fn overwrite_on(conn: &mut AsyncPgConnection, rows: &[E]) -> Result<()> {
        let meta = E::META;
        for row in rows {
            let mut sql = update_set(meta, row.column_values());
            if meta.soft_delete {
                sql.push("deleted_at = ");
                sql.bind(deleted_at(row), "timestamptz");
                sql.push(", ");
            }
            sql.push("updated_at = ");
            sql.bind(Bind::Text(updated_at(row)), "timestamptz");
            sql.push(&format!(" WHERE t.\"{}\" = ", meta.pk));
            sql.bind(Bind::Text(row.id().to_string()), "text");
            sql.run(conn).await?;
        }
        Ok(())
    }

    /// Link rows to targets through the pivot of the many-to-many relation
    /// `relation` (`product.tags` through `product_tags`): for every
    /// `(owner, [targets])`, first removing the owners' existing pivot rows
    /// when `replace`. At most two statements.
    pub async fn set_related_on(
        conn: &mut AsyncPgConnection,
        relation: &str,
        rows: &[(String, Vec<String>)],
        replace: bool,
    ) -> Result<()> {
        let meta = E::META;
        let Some(RelationKind::ManyToMany {
            through,
            fk,
            other_fk,
        }) = meta.relation(relation).map(|r| r.kind)
        else {
            return Err(Error::internal(format!(
                "{} has no many-to-many relation {relation}",
                meta.name
            )));
        };
        if rows.is_empty() {
            return Ok(());
        }
        if replace {
            let mut sql = DynSql::new(&format!("DELETE FROM \"{through}\" WHERE \"{fk}\" = ANY("));
            sql.bind_array(rows.iter().map(|(o, _)| o.clone()).collect(), "text");
            sql.push(")");
            sql.run(conn).await?;
        }
        let (owners, targets): (Vec<String>, Vec<String>) = rows
            .iter()
            .flat_map(|(owner, targets)| targets.iter().map(move |t| (owner.clone(), t.clone())))
            .unzip();
        if owners.is_empty() {
            return Ok(());
        }
        let mut sql = DynSql::new(&format!(
            "INSERT INTO \"{through}\" (\"{fk}\", \"{other_fk}\") SELECT * FROM unnest("
        ));
        sql.bind_array(owners, "text");
        sql.push(", ");
        sql.bind_array(targets, "text");
        sql.push(") ON CONFLICT DO NOTHING");
        sql.run(conn).await?;
        Ok(())
    }
}

/// A row's `deleted_at` as serialised (`null` when live).
fn deleted_at<E: Entity>(row: &E) -> Bind {
    serde_json::to_value(row)
        .ok()
        .and_then(|v| {
            v.get("deleted_at")
                .and_then(Value::as_str)
                .map(|s| Bind::Text(s.to_string()))
        })
        .unwrap_or(Bind::Null)
}
