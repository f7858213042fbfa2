//! Query: resolves the relations named in `fields` for a set of records,
//! in batches.
//!
//! For each selected relation Query asks the entity's [`EntitySource`] to load
//! it for *all* parent records at once, recurses into the children (again
//! batched), attaches them, and finally projects every record to the selected
//! fields. A request costs one query per relation per level, whatever the
//! page size. Sibling relations load concurrently.
//!
//! Links between modules add relations on both linked entities
//! (`product.brand`, `brand.products`): a link relation loads with one
//! statement joining the link table to the target's table when the target
//! is a generated entity, else with the link rows and the target source's
//! `load_by_ids`. [`Query::graph`] lists a root entity through its source
//! (generated entities can be roots) and expands it.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::{BoxFuture, try_join_all};
use serde_json::Value;
use stheno_module_sdk::db::DbPool;
use stheno_module_sdk::entity::ListConfig;
use stheno_module_sdk::entity::sql::{DynSql, record_expr};
use stheno_module_sdk::graph::{
    Cardinality, EntitySource, QueryContext, Record, RelationDef, Selection, record_key,
};
use stheno_module_sdk::link::{LinkDef, LinkSide};
use stheno_module_sdk::{Error, Result};

/// A relation Query follows through a link table.
#[derive(Clone)]
struct LinkRelation {
    def: RelationDef,
    link: &'static LinkDef,
    from: LinkSide,
    to: LinkSide,
}

#[derive(Clone, Default)]
pub struct Query {
    sources: HashMap<&'static str, Arc<dyn EntitySource>>,
    links: HashMap<&'static str, Vec<LinkRelation>>,
    db: Option<DbPool>,
}

impl Query {
    pub fn new(sources: impl IntoIterator<Item = Arc<dyn EntitySource>>) -> Self {
        Self {
            sources: sources.into_iter().map(|s| (s.entity(), s)).collect(),
            ..Self::default()
        }
    }

    /// Follow `links` (the application's active links) from both sides.
    pub fn with_links(mut self, db: DbPool, links: &[&'static LinkDef]) -> Self {
        for link in links {
            for (from, to) in [(link.left, link.right), (link.right, link.left)] {
                let name: &'static str = Box::leak(to.field().into_boxed_str());
                // Many `to` rows per `from` row: a list.
                let def = if to.is_list {
                    RelationDef::many(name, to.entity)
                } else {
                    RelationDef::one(name, to.entity)
                };
                self.links
                    .entry(from.entity)
                    .or_default()
                    .push(LinkRelation {
                        def,
                        link,
                        from,
                        to,
                    });
            }
        }
        self.db = Some(db);
        self
    }

    /// List `entity` as the root of a graph: `filters` (Medusa's filter
    /// object), then the relations and links `selection` names, projected.
    /// Returns the records and the count of all matching rows.
    pub async fn graph(
        &self,
        entity: &str,
        selection: &Selection,
        filters: Value,
        config: &ListConfig,
        ctx: QueryContext,
    ) -> Result<(Vec<Record>, i64)> {
        let source = self
            .sources
            .get(entity)
            .ok_or_else(|| Error::invalid_data(format!("Unknown entity: {entity}")))?;
        let filters = self.link_filters(entity, filters).await?;
        let (records, count) = source
            .list_records(filters, config)
            .await?
            .ok_or_else(|| Error::invalid_data(format!("{entity} cannot be listed by Query")))?;
        Ok((self.expand(entity, records, selection, ctx).await?, count))
    }

    /// Entities Query knows.
    pub fn entities(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.sources.keys().copied()
    }

    /// Load the relations `selection` names for `records` of `entity`, then
    /// project the records to the selection.
    pub async fn expand(
        &self,
        entity: &str,
        records: Vec<Record>,
        selection: &Selection,
        ctx: QueryContext,
    ) -> Result<Vec<Record>> {
        self.expand_boxed(entity, records, selection, ctx).await
    }

    /// [`Query::expand`] for one record.
    pub async fn expand_one(
        &self,
        entity: &str,
        record: Record,
        selection: &Selection,
        ctx: QueryContext,
    ) -> Result<Record> {
        let mut out = self
            .expand_boxed(entity, vec![record], selection, ctx)
            .await?;
        Ok(out.pop().unwrap_or_default())
    }

    fn expand_boxed<'a>(
        &'a self,
        entity: &'a str,
        mut records: Vec<Record>,
        selection: &'a Selection,
        ctx: QueryContext,
    ) -> BoxFuture<'a, Result<Vec<Record>>> {
        Box::pin(async move {
            let source = self.sources.get(entity);
            let own: &[RelationDef] = source.map(|s| s.relations()).unwrap_or(&[]);
            let links: &[LinkRelation] = self.links.get(entity).map(Vec::as_slice).unwrap_or(&[]);
            let relations: Vec<RelationDef> = own
                .iter()
                .copied()
                .chain(links.iter().map(|l| l.def))
                .collect();
            let relations = relations.as_slice();
            let all = Selection::all();
            let wanted: Vec<(&RelationDef, &Selection)> = relations
                .iter()
                .filter_map(|rel| match selection.relations.get(rel.name) {
                    Some(sub) => Some((rel, sub)),
                    None if selection.fields.contains(rel.name) => Some((rel, &all)),
                    None => None,
                })
                .collect();

            if let (false, false) = (wanted.is_empty(), records.is_empty()) {
                let loaded = {
                    let parents: Vec<&Record> = records.iter().collect();
                    let parents = &parents;
                    try_join_all(wanted.iter().map(|(rel, sub)| async move {
                        let pairs = match links.iter().find(|l| l.def.name == rel.name) {
                            Some(link) => self.load_link(link, source, parents, ctx).await?,
                            None => match source {
                                Some(source) => {
                                    source.load_relation(rel.name, parents, ctx).await?
                                }
                                None => Vec::new(),
                            },
                        };
                        let (owners, children): (Vec<String>, Vec<Record>) =
                            pairs.into_iter().unzip();
                        let children = self.expand_boxed(rel.target, children, sub, ctx).await?;
                        let mut grouped: HashMap<String, Vec<Record>> = HashMap::new();
                        for (owner, child) in owners.into_iter().zip(children) {
                            grouped.entry(owner).or_default().push(child);
                        }
                        Ok::<_, stheno_module_sdk::Error>((*rel, grouped))
                    }))
                    .await?
                };
                for (rel, mut grouped) in loaded {
                    for record in records.iter_mut() {
                        let children = record_key(record, source.map(|s| &**s))
                            .and_then(|id| grouped.remove(id));
                        let value = match (rel.cardinality, children) {
                            (Cardinality::Many, Some(c)) => {
                                Value::Array(c.into_iter().map(Value::Object).collect())
                            }
                            (Cardinality::Many, None) => Value::Array(Vec::new()),
                            (Cardinality::One, Some(mut c)) => Value::Object(c.swap_remove(0)),
                            (Cardinality::One, None) => Value::Null,
                        };
                        record.insert(rel.name.to_string(), value);
                    }
                }
            }
            Ok(records
                .into_iter()
                .map(|r| project(r, selection, relations))
                .collect())
        })
    }
}

impl Query {
    /// Turn filters on a linked entity's id (`{"product_id": [...]}` on a
    /// brand) into an `id` filter through the link table (one statement per
    /// such filter), as Medusa's `query.graph` allows.
    async fn link_filters(&self, entity: &str, mut filters: Value) -> Result<Value> {
        let Some(links) = self.links.get(entity) else {
            return Ok(filters);
        };
        let Some(object) = filters.as_object_mut() else {
            return Ok(filters);
        };
        let mut conditions = Vec::new();
        for rel in links {
            let Some(wanted) = object.remove(rel.to.column) else {
                continue;
            };
            let values: Vec<String> = match wanted {
                Value::String(s) => vec![s],
                Value::Array(items) => items
                    .into_iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                other => {
                    return Err(Error::invalid_data(format!(
                        "Invalid request: Expected type: 'string' for field '{}', got: '{other}'",
                        rel.to.column
                    )));
                }
            };
            let db = self
                .db
                .as_ref()
                .ok_or_else(|| Error::internal("Query has links but no database"))?;
            let mut sql = DynSql::new(&format!(
                "SELECT to_jsonb(l.\"{}\") AS record FROM \"{}\" l WHERE l.\"{}\" = ANY(",
                rel.from.column,
                rel.link.table_name(),
                rel.to.column
            ));
            sql.bind_array(values, "text");
            sql.push(") AND l.deleted_at IS NULL");
            let mut conn = db.get().await?;
            let ids: Vec<Value> = sql.load_json(&mut conn).await?;
            conditions.push(serde_json::json!({ "id": ids }));
        }
        if !conditions.is_empty() {
            let and = object
                .entry("$and")
                .or_insert_with(|| Value::Array(Vec::new()));
            match and {
                Value::Array(items) => items.extend(conditions),
                _ => return Err(Error::invalid_data("Invalid request: $and must be a list")),
            }
        }
        Ok(filters)
    }

    /// Load a link relation for `parents`: one statement joining the link
    /// table to a generated target's table, else the link rows and the
    /// target source's `load_by_ids`.
    async fn load_link(
        &self,
        rel: &LinkRelation,
        source: Option<&Arc<dyn EntitySource>>,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let db = self
            .db
            .as_ref()
            .ok_or_else(|| Error::internal("Query has links but no database"))?;
        let ids: Vec<String> = parents
            .iter()
            .filter_map(|p| record_key(p, source.map(|s| &**s)).map(str::to_string))
            .collect();
        let table = rel.link.table_name();
        let (from, to) = (rel.from.column, rel.to.column);
        let target = self.sources.get(rel.to.entity);
        let meta = target.and_then(|s| s.table());
        let live = if rel.to.soft_delete {
            " AND t.deleted_at IS NULL"
        } else {
            ""
        };
        let mut conn = db.get().await?;
        if let Some(meta) = meta {
            let mut sql = DynSql::new(&format!(
                "SELECT l.\"{from}\" AS owner, {} AS record FROM \"{table}\" l \
                 JOIN \"{}\" t ON t.\"{pk}\" = l.\"{to}\" WHERE l.\"{from}\" = ANY(",
                record_expr(meta, "t"),
                meta.table,
                pk = meta.pk
            ));
            sql.bind_array(ids, "text");
            sql.push(&format!(") AND l.deleted_at IS NULL{live}"));
            sql.and_store_scope(meta, ctx)
                .push(&format!(" ORDER BY l.created_at, t.\"{}\"", meta.pk));
            return Ok(sql
                .load_owned_json(&mut conn)
                .await?
                .into_iter()
                .filter_map(|(owner, r)| match r {
                    Value::Object(r) => Some((owner, r)),
                    _ => None,
                })
                .collect());
        }
        let mut sql = DynSql::new(&format!(
            "SELECT l.\"{from}\" AS owner, to_jsonb(l.\"{to}\") AS record FROM \"{table}\" l \
             WHERE l.\"{from}\" = ANY("
        ));
        sql.bind_array(ids, "text");
        sql.push(") AND l.deleted_at IS NULL ORDER BY l.created_at");
        let pairs: Vec<(String, String)> = sql
            .load_owned_json(&mut conn)
            .await?
            .into_iter()
            .filter_map(|(owner, id)| id.as_str().map(|id| (owner, id.to_string())))
            .collect();
        drop(conn);
        let Some(target) = target else {
            return Ok(Vec::new());
        };
        let mut wanted: Vec<String> = pairs.iter().map(|(_, id)| id.clone()).collect();
        wanted.sort();
        wanted.dedup();
        let by_id: HashMap<String, Record> = target
            .load_by_ids(&wanted, ctx)
            .await?
            .into_iter()
            .filter_map(|r| {
                record_key(&r, Some(&**target))
                    .map(str::to_string)
                    .map(|id| (id, r))
            })
            .collect();
        Ok(pairs
            .into_iter()
            .filter_map(|(owner, id)| by_id.get(&id).map(|r| (owner, r.clone())))
            .collect())
    }
}

/// Keep the selected fields and the loaded relations of one record.
fn project(record: Record, selection: &Selection, relations: &[RelationDef]) -> Record {
    if selection.all_scalars {
        // Every column is wanted; relations present were all selected.
        return record;
    }
    record
        .into_iter()
        .filter(|(key, _)| {
            selection.fields.contains(key)
                || (selection.relations.contains_key(key)
                    && relations.iter().any(|r| r.name == key))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use serde_json::json;
    use std::sync::Mutex;

    use stheno_module_sdk::graph::record_id;

    /// Authors with books; counts batch calls.
    struct Authors {
        calls: Mutex<Vec<usize>>,
    }
    struct Books;

    static AUTHOR_RELS: [RelationDef; 1] = [RelationDef::many("books", "book")];
    static BOOK_RELS: [RelationDef; 1] = [RelationDef::one("author", "author")];

    #[async_trait]
    impl EntitySource for Authors {
        fn entity(&self) -> &'static str {
            "author"
        }
        fn relations(&self) -> &'static [RelationDef] {
            &AUTHOR_RELS
        }
        async fn load_relation(
            &self,
            _: &str,
            parents: &[&Record],
            _: QueryContext,
        ) -> Result<Vec<(String, Record)>> {
            self.calls.lock().unwrap().push(parents.len());
            Ok(parents
                .iter()
                .flat_map(|p| {
                    let id = record_id(p).unwrap().to_string();
                    (0..2).map(move |i| {
                        let book =
                            json!({"id": format!("{id}-b{i}"), "title": "T", "author_id": id});
                        (id.clone(), book.as_object().unwrap().clone())
                    })
                })
                .collect())
        }
    }

    #[async_trait]
    impl EntitySource for Books {
        fn entity(&self) -> &'static str {
            "book"
        }
        fn relations(&self) -> &'static [RelationDef] {
            &BOOK_RELS
        }
        async fn load_relation(
            &self,
            _: &str,
            parents: &[&Record],
            _: QueryContext,
        ) -> Result<Vec<(String, Record)>> {
            Ok(parents
                .iter()
                .map(|p| {
                    let author = json!({"id": p["author_id"], "name": "A"});
                    (
                        record_id(p).unwrap().to_string(),
                        author.as_object().unwrap().clone(),
                    )
                })
                .collect())
        }
    }

    fn authors(n: usize) -> Vec<Record> {
        (0..n)
            .map(|i| {
                json!({"id": format!("a{i}"), "name": "A", "bio": "…"})
                    .as_object()
                    .unwrap()
                    .clone()
            })
            .collect()
    }

    #[tokio::test]
    async fn relations_load_once_per_level_and_project() {
        let source = Arc::new(Authors {
            calls: Mutex::new(vec![]),
        });
        let query = Query::new([source.clone() as Arc<dyn EntitySource>, Arc::new(Books)]);
        let sel = Selection::parse(["id", "books.title", "*books.author"]);
        let out = query
            .expand("author", authors(3), &sel, QueryContext::ADMIN)
            .await
            .unwrap();
        assert_eq!(
            *source.calls.lock().unwrap(),
            vec![3],
            "one batch for three authors"
        );
        assert_eq!(
            Value::Object(out[1].clone()),
            json!({"id": "a1", "books": [
                {"title": "T", "author": {"id": "a1", "name": "A"}},
                {"title": "T", "author": {"id": "a1", "name": "A"}}
            ]})
        );
    }

    #[tokio::test]
    async fn bare_relation_names_select_the_whole_relation() {
        let query = Query::new([
            Arc::new(Authors {
                calls: Mutex::new(vec![]),
            }) as Arc<dyn EntitySource>,
            Arc::new(Books),
        ]);
        let sel = Selection::parse(["id", "books"]);
        let out = query
            .expand("author", authors(1), &sel, QueryContext::ADMIN)
            .await
            .unwrap();
        assert_eq!(out[0]["books"][0]["author_id"], "a0");
        assert!(out[0].get("name").is_none());
    }
}
