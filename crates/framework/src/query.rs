//! Query: resolves the relations named in `fields` for a set of records,
//! in batches.
//!
//! For each selected relation Query asks the entity's [`EntitySource`] to load
//! it for *all* parent records at once, recurses into the children (again
//! batched), attaches them, and finally projects every record to the selected
//! fields. A request costs one query per relation per level, whatever the
//! page size. Sibling relations load concurrently.
//!
//! Today the sources are the modules' own entities; links between modules
//! will register further sources, so `fields=*variants.prices` will follow the
//! product ↔ pricing link through the same mechanism.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::{BoxFuture, try_join_all};
use serde_json::Value;
use stheno_module_sdk::Result;
use stheno_module_sdk::graph::{
    Cardinality, EntitySource, QueryContext, Record, RelationDef, Selection, record_id,
};

#[derive(Clone, Default)]
pub struct Query {
    sources: HashMap<&'static str, Arc<dyn EntitySource>>,
}

impl Query {
    pub fn new(sources: impl IntoIterator<Item = Arc<dyn EntitySource>>) -> Self {
        Self {
            sources: sources.into_iter().map(|s| (s.entity(), s)).collect(),
        }
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
            let relations: &[RelationDef] = source.map(|s| s.relations()).unwrap_or(&[]);
            let all = Selection::all();
            let wanted: Vec<(&RelationDef, &Selection)> = relations
                .iter()
                .filter_map(|rel| match selection.relations.get(rel.name) {
                    Some(sub) => Some((rel, sub)),
                    None if selection.fields.contains(rel.name) => Some((rel, &all)),
                    None => None,
                })
                .collect();

            if let (Some(source), false, false) = (source, wanted.is_empty(), records.is_empty()) {
                let loaded = {
                    let parents: Vec<&Record> = records.iter().collect();
                    let parents = &parents;
                    try_join_all(wanted.iter().map(|(rel, sub)| async move {
                        let pairs = source.load_relation(rel.name, parents, ctx).await?;
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
                        let children = record_id(record).and_then(|id| grouped.remove(id));
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
