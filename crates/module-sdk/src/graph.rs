//! How modules expose entities and relations to Query.
//!
//! A module implements [`EntitySource`] for each entity that has relations
//! (product, variant, option, category, …). Query asks a source to load one
//! relation for a *batch* of parent records, so resolving `fields=*variants`
//! on a page of 50 products is one query, not 50. [`Selection`] is the parsed
//! form of Medusa's `fields` parameter.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use serde_json::Value;

use crate::{Error, Result};

/// An entity as Query sees it: a JSON object with the entity's columns, later
/// extended with the relations that were asked for.
pub type Record = serde_json::Map<String, Value>;

pub use crate::relation::{Cardinality, RelationDef};

/// Who is asking: storefront reads only see what a shopper may see (published
/// products, active public categories).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueryContext {
    pub storefront: bool,
}

impl QueryContext {
    pub const STORE: QueryContext = QueryContext { storefront: true };
    pub const ADMIN: QueryContext = QueryContext { storefront: false };
}

/// Loads the relations of one entity in batches.
#[async_trait]
pub trait EntitySource: Send + Sync {
    /// Entity name, e.g. `product`.
    fn entity(&self) -> &'static str;
    /// The relations Query may follow from this entity.
    fn relations(&self) -> &'static [RelationDef];
    /// Load `relation` for all `parents` (records of this entity) in one go.
    /// Returns `(parent id, related record)` pairs; a parent may appear many
    /// times (has-many) or not at all.
    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>>;

    /// The entity's table, when it is a generated entity: links to it are
    /// followed with one join per batch.
    fn table(&self) -> Option<&'static crate::entity::meta::EntityMeta> {
        None
    }

    /// Records of this entity by id (for links whose target is not a
    /// generated entity). Unknown ids are skipped.
    async fn load_by_ids(&self, _ids: &[String], _ctx: QueryContext) -> Result<Vec<Record>> {
        Err(Error::internal(format!(
            "{} cannot be loaded by id through a link",
            self.entity()
        )))
    }

    /// List records of this entity as the root of `query.graph`: `filters`
    /// is Medusa's filter object. `None`: the source cannot be a root.
    async fn list_records(
        &self,
        _filters: Value,
        _config: &crate::list::ListConfig,
    ) -> Result<Option<(Vec<Record>, i64)>> {
        Ok(None)
    }
}

/// The id of a record, for grouping relation results.
pub fn record_id(record: &Record) -> Option<&str> {
    record.get("id").and_then(Value::as_str)
}

/// The primary key of a record of `source`: `id`, or the key column of a
/// generated entity that declares its own (`code`, `iso_2`).
pub fn record_key<'r>(record: &'r Record, source: Option<&dyn EntitySource>) -> Option<&'r str> {
    let key = source.and_then(|s| s.table()).map_or("id", |m| m.pk);
    record.get(key).and_then(Value::as_str)
}

/// Turn a serialisable entity into a [`Record`].
pub fn to_record<T: serde::Serialize>(value: &T) -> Result<Record> {
    match serde_json::to_value(value)? {
        Value::Object(map) => Ok(map),
        _ => Err(Error::internal("entity did not serialise to an object")),
    }
}

/// The parsed `fields` selection for one entity level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// `*rel` / `rel.*`: every column of this level.
    pub all_scalars: bool,
    /// Names selected at this level. A name may turn out to be a relation;
    /// Query decides, knowing the entity's relations.
    pub fields: BTreeSet<String>,
    /// Relations selected into (`rel.x`, `*rel`).
    pub relations: BTreeMap<String, Selection>,
}

/// Per-route field configuration (Medusa's query config).
#[derive(Debug, Clone, Copy)]
pub struct FieldsConfig<'a> {
    /// Fields returned when the client sends no `fields`.
    pub defaults: &'a [&'a str],
    /// Extra fields a client may ask for beyond the defaults. `None` = any.
    pub allowed: Option<&'a [&'a str]>,
    /// Maximum relation depth (store routes), `None` = unlimited.
    pub max_depth: Option<usize>,
}

impl Selection {
    /// Build a selection from Medusa's `fields` parameter and a route config.
    ///
    /// Without `fields` the defaults apply. If any entry has no modifier the
    /// defaults are replaced; otherwise `+x` (or ` x`) adds, `-x` removes `x`
    /// and everything below it, `*rel` / `rel.*` selects all columns of
    /// `rel`. `id` is always added when `fields` is given. Entries off the
    /// allowed list are dropped silently; entries deeper than `max_depth`
    /// relations are a 400.
    pub fn from_fields(config: FieldsConfig<'_>, fields: Option<&str>) -> Result<Selection> {
        let Some(fields) = fields else {
            return Ok(Selection::parse(config.defaults.iter().copied()));
        };
        let entries: Vec<&str> = fields.split(',').filter(|e| !e.trim().is_empty()).collect();
        let has_modifier =
            |e: &str| e.starts_with(['+', '-', '*', ' ', '\t']) || e.trim_end().ends_with(".*");
        let mut list: Vec<String> = if entries.iter().all(|e| has_modifier(e)) {
            config.defaults.iter().map(|s| s.to_string()).collect()
        } else {
            Vec::new()
        };
        for raw in entries {
            let trimmed = raw.trim();
            if let Some(removed) = trimmed.strip_prefix('-') {
                let removed = removed.trim_start_matches(['+', '-', ' ', '\t']).trim();
                let under = format!("{removed}.");
                list.retain(|e| {
                    let n = normalise(e);
                    n != removed && !n.starts_with(&under)
                });
                continue;
            }
            let name = trimmed.trim_start_matches(['+', ' ', '\t']).trim();
            let entry = match name.strip_suffix(".*") {
                Some(rel) => format!("*{}", rel.trim_start_matches('*')),
                None => name.to_string(),
            };
            if !entry.is_empty() && !list.contains(&entry) {
                list.push(entry);
            }
        }
        if !list.iter().any(|e| e == "id") {
            list.push("id".into());
        }
        if let Some(allowed) = config.allowed {
            list.retain(|e| {
                let n = normalise(e);
                n == "id"
                    || allowed.contains(&n)
                    || config.defaults.iter().any(|d| normalise(d) == n)
            });
        }
        if let Some(max) = config.max_depth {
            let too_deep: Vec<&str> = list
                .iter()
                .filter(|e| depth(e) > max)
                .map(String::as_str)
                .collect();
            if !too_deep.is_empty() {
                return Err(Error::invalid_data(format!(
                    "The following fields expand more than the maximum of {max} allowed relations: {}",
                    too_deep.join(", ")
                )));
            }
        }
        Ok(Selection::parse(list.iter().map(String::as_str)))
    }

    /// Build a selection from already-normalised entries
    /// (`title`, `*variants`, `variants.options.value`).
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Selection {
        let mut root = Selection::default();
        for entry in entries {
            let (star, path) = match entry.strip_prefix('*') {
                Some(p) => (true, p),
                None => (false, entry),
            };
            let mut node = &mut root;
            let mut parts = path.split('.').filter(|p| !p.is_empty()).peekable();
            while let Some(part) = parts.next() {
                if parts.peek().is_none() {
                    if star {
                        node.relations
                            .entry(part.to_string())
                            .or_default()
                            .all_scalars = true;
                    } else {
                        node.fields.insert(part.to_string());
                    }
                } else {
                    node = node.relations.entry(part.to_string()).or_default();
                }
            }
        }
        root
    }

    /// Everything, one level: used for relation names selected bare (`tags`).
    pub fn all() -> Selection {
        Selection {
            all_scalars: true,
            ..Default::default()
        }
    }
}

fn normalise(entry: &str) -> &str {
    entry.trim_start_matches('*')
}

fn depth(entry: &str) -> usize {
    match entry.strip_prefix('*') {
        Some(rel) => rel.split('.').count(),
        None => entry.matches('.').count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULTS: &[&str] = &["id", "title", "*variants", "*variants.options"];
    fn cfg() -> FieldsConfig<'static> {
        FieldsConfig {
            defaults: DEFAULTS,
            allowed: None,
            max_depth: None,
        }
    }

    fn check(fields: Option<&str>, expected: &[&str]) {
        let got = Selection::from_fields(cfg(), fields).unwrap();
        assert_eq!(
            got,
            Selection::parse(expected.iter().copied()),
            "fields={fields:?}"
        );
    }

    #[test]
    fn defaults_without_fields() {
        check(None, DEFAULTS);
    }

    #[test]
    fn modifiers_adjust_defaults() {
        check(
            Some("+metadata"),
            &["id", "title", "*variants", "*variants.options", "metadata"],
        );
        check(
            Some(" metadata"),
            &["id", "title", "*variants", "*variants.options", "metadata"],
        );
        check(Some("-variants"), &["id", "title"]);
        check(
            Some("*images"),
            &["id", "title", "*variants", "*variants.options", "*images"],
        );
        check(
            Some("images.*,"),
            &["id", "title", "*variants", "*variants.options", "*images"],
        );
    }

    #[test]
    fn plain_entries_replace_defaults_and_add_id() {
        check(Some("title,variants.sku"), &["title", "variants.sku", "id"]);
    }

    #[test]
    fn parse_builds_a_tree() {
        let s = Selection::parse(["id", "*variants", "variants.options.value"]);
        assert!(s.fields.contains("id"));
        let v = &s.relations["variants"];
        assert!(v.all_scalars);
        assert!(v.relations["options"].fields.contains("value"));
    }

    #[test]
    fn off_list_fields_are_dropped() {
        let config = FieldsConfig {
            defaults: &["id", "title"],
            allowed: Some(&["metadata"]),
            max_depth: None,
        };
        let s = Selection::from_fields(config, Some("id,title,metadata,foo")).unwrap();
        assert_eq!(s, Selection::parse(["id", "title", "metadata"]));
    }

    #[test]
    fn depth_limit_is_enforced() {
        let config = FieldsConfig {
            defaults: &["id"],
            allowed: None,
            max_depth: Some(2),
        };
        let err = Selection::from_fields(config, Some("+a.b.c.d")).unwrap_err();
        assert_eq!(
            err.message(),
            "The following fields expand more than the maximum of 2 allowed relations: a.b.c.d"
        );
        assert!(Selection::from_fields(config, Some("+a.b.c")).is_ok());
    }
}
