//! Generated entities as Query sources: their relations inside the module
//! load in one statement per relation for a whole batch of parents, and
//! `query.graph` can list them as the root entity.

use std::collections::HashMap;
use std::marker::PhantomData;

use async_trait::async_trait;
use serde_json::Value;

use super::sql::{DynSql, record_expr};
use super::{Entity, EntityMeta, EntityService, ListConfig, RelationKind, RelationMeta};
use crate::db::DbPool;
use crate::graph::{EntitySource, QueryContext, Record, RelationDef};
use crate::{Error, Result};

/// The Query source of entity `E`.
pub struct EntityGraph<E> {
    db: DbPool,
    service: EntityService<E>,
    _entity: PhantomData<fn() -> E>,
}

impl<E: Entity> EntityGraph<E> {
    pub fn new(service: &EntityService<E>, db: DbPool) -> Self {
        Self {
            db,
            service: service.clone(),
            _entity: PhantomData,
        }
    }
}

fn live(meta: &EntityMeta, alias: &str) -> String {
    if meta.soft_delete {
        format!(" AND {alias}.deleted_at IS NULL")
    } else {
        String::new()
    }
}

/// `ORDER BY` for the related rows of `rel` (aliased `t`): its declared
/// order, else creation, then `id`.
fn relation_order(rel: &RelationMeta, target: &EntityMeta) -> Result<String> {
    let mut terms = Vec::new();
    let declared: &[&str] = if rel.order.is_empty() {
        &["created_at"]
    } else {
        rel.order
    };
    for entry in declared {
        let (column, dir) = match entry.strip_prefix('-') {
            Some(c) => (c, "DESC"),
            None => (*entry, "ASC"),
        };
        if target.column(column).is_none() {
            return Err(Error::internal(format!(
                "relation {} orders by `{column}`, which {} does not have",
                rel.name, target.entity
            )));
        }
        terms.push(format!("t.\"{column}\" {dir}"));
    }
    terms.push(format!("t.\"{}\" ASC", target.pk));
    Ok(format!(" ORDER BY {}", terms.join(", ")))
}

/// A record's primary key (`id`, or the entity's own key column).
fn key_of<'a>(record: &'a Record, meta: &EntityMeta) -> Option<&'a str> {
    record.get(meta.pk).and_then(Value::as_str)
}

fn into_record(value: Value) -> Option<Record> {
    match value {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// Load `relation` of `meta` for `parents`: `(parent id, record)` pairs, one
/// statement. Storefront reads only see the target's
/// [`store_scope`](EntityMeta::store_scope).
pub(crate) async fn load_relation(
    db: &DbPool,
    meta: &'static EntityMeta,
    relation: &str,
    parents: &[&Record],
    ctx: QueryContext,
) -> Result<Vec<(String, Record)>> {
    let rel = meta.relation(relation).ok_or_else(|| {
        Error::invalid_data(format!("{} has no relation `{relation}`", meta.entity))
    })?;
    let target = (rel.target)();
    let ids: Vec<String> = parents
        .iter()
        .filter_map(|p| key_of(p, meta).map(str::to_string))
        .collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let order = relation_order(rel, target)?;
    let mut conn = db.get().await?;
    let select = record_expr(target, "t");
    match rel.kind {
        RelationKind::HasMany { fk } => {
            let mut sql = DynSql::new(&format!(
                "SELECT t.\"{fk}\" AS owner, {select} AS record FROM \"{}\" t WHERE t.\"{fk}\" = ANY(",
                target.table
            ));
            sql.bind_array(ids, "text");
            sql.push(&format!("){}", live(target, "t")));
            sql.and_store_scope(target, ctx).push(&order);
            Ok(sql
                .load_owned_json(&mut conn)
                .await?
                .into_iter()
                .filter_map(|(owner, r)| into_record(r).map(|r| (owner, r)))
                .collect())
        }
        RelationKind::BelongsTo { fk } => {
            let keys: Vec<String> = parents
                .iter()
                .filter_map(|p| p.get(fk).and_then(Value::as_str).map(str::to_string))
                .collect();
            if keys.is_empty() {
                return Ok(Vec::new());
            }
            let mut sql = DynSql::new(&format!(
                "SELECT {select} AS record FROM \"{}\" t WHERE t.\"{}\" = ANY(",
                target.table, target.pk
            ));
            sql.bind_array(keys, "text");
            sql.push(&format!("){}", live(target, "t")));
            sql.and_store_scope(target, ctx);
            let by_id: HashMap<String, Record> = sql
                .load_json(&mut conn)
                .await?
                .into_iter()
                .filter_map(into_record)
                .filter_map(|r| key_of(&r, target).map(str::to_string).map(|id| (id, r)))
                .collect();
            Ok(parents
                .iter()
                .filter_map(|p| {
                    let owner = key_of(p, meta)?;
                    let key = p.get(fk)?.as_str()?;
                    Some((owner.to_string(), by_id.get(key)?.clone()))
                })
                .collect())
        }
        RelationKind::ManyToMany {
            through,
            fk,
            other_fk,
        } => {
            let mut sql = DynSql::new(&format!(
                "SELECT p.\"{fk}\" AS owner, {select} AS record FROM \"{through}\" p \
                 JOIN \"{}\" t ON t.\"{}\" = p.\"{other_fk}\" WHERE p.\"{fk}\" = ANY(",
                target.table, target.pk
            ));
            sql.bind_array(ids, "text");
            sql.push(&format!("){}", live(target, "t")));
            sql.and_store_scope(target, ctx).push(&order);
            Ok(sql
                .load_owned_json(&mut conn)
                .await?
                .into_iter()
                .filter_map(|(owner, r)| into_record(r).map(|r| (owner, r)))
                .collect())
        }
    }
}

#[async_trait]
impl<E: Entity> EntitySource for EntityGraph<E> {
    fn entity(&self) -> &'static str {
        E::META.entity
    }

    fn relations(&self) -> &'static [RelationDef] {
        E::META.graph_relations
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        load_relation(&self.db, E::META, relation, parents, ctx).await
    }

    fn table(&self) -> Option<&'static EntityMeta> {
        Some(E::META)
    }

    async fn list_records(
        &self,
        filters: Value,
        config: &ListConfig,
    ) -> Result<Option<(Vec<Record>, i64)>> {
        let filter: E::Filter = serde_json::from_value(filters)
            .map_err(|e| Error::invalid_data(format!("Invalid request: {e}")))?;
        let (rows, count) = self.service.list_and_count(&filter, config).await?;
        let records = rows
            .iter()
            .map(crate::graph::to_record)
            .collect::<Result<Vec<_>>>()?;
        Ok(Some((records, count)))
    }
}
