//! Links: relations between entities of two modules, in tables the
//! framework owns.
//!
//! A module never holds another module's ids in its own tables. Instead a
//! *link* is declared ([`define_link!`]) between two [`Linkable`] entities;
//! the framework creates and migrates the link table
//! (`<module>_<entity>_<module>_<entity>` unless named), Query follows it
//! in both directions, and [`Links`] creates, dismisses and lists link rows.
//! Soft-deleting, restoring or deleting an entity through its generated
//! service does the same to its link rows.
//!
//! ```ignore
//! // many products, one brand each: `product.brand`, `brand.products`
//! stheno::define_link!(stheno::product::Product => many, crate::Brand => one);
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::db::DbPool;
use crate::entity::sql::DynSql;
use crate::entity::{Bind, ColumnType};
use crate::events::{Event, EventBus};
use crate::{Error, Result};

pub use crate::entity::Linkable;

/// One side of a link.
#[derive(Debug, Clone, Copy)]
pub struct LinkSide {
    pub module: &'static str,
    pub entity: &'static str,
    /// The entity's table.
    pub table: &'static str,
    /// Whether the entity's table has `deleted_at`.
    pub soft_delete: bool,
    /// The link table's column holding this side's id (`product_id`).
    pub column: &'static str,
    /// Many rows of this side may link to one row of the other side: the
    /// other side sees a list.
    pub is_list: bool,
    /// The field under which the other side's records show this side
    /// (default: the entity name, plural when `is_list`).
    pub field: Option<&'static str>,
    /// Deleting the *other* side deletes (soft or hard, alike) the linked
    /// rows of this side too (Medusa's `deleteCascade`).
    pub delete_cascade: bool,
    /// The entity's metadata, when it is a generated entity.
    pub meta: Option<&'static crate::entity::EntityMeta>,
}

impl LinkSide {
    /// The side of entity `L`, many or one.
    pub const fn of<L: Linkable>(is_list: bool) -> Self {
        Self {
            module: L::MODULE,
            entity: L::ENTITY,
            table: L::TABLE,
            soft_delete: L::SOFT_DELETE,
            column: L::LINK_COLUMN,
            is_list,
            field: None,
            delete_cascade: false,
            meta: <L as Linkable>::META,
        }
    }
    pub const fn named(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }
    pub const fn delete_cascade(mut self) -> Self {
        self.delete_cascade = true;
        self
    }

    /// The field name on the other side's records.
    pub fn field(&self) -> String {
        match self.field {
            Some(f) => f.to_string(),
            None if self.is_list => plural(self.entity),
            None => self.entity.to_string(),
        }
    }
}

/// An extra column of a link table (`required_quantity`).
#[derive(Debug, Clone, Copy)]
pub struct ExtraColumn {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    /// SQL default (`1`), if any.
    pub default_sql: Option<&'static str>,
}

/// A link between two entities, registered through inventory.
#[derive(Debug)]
pub struct LinkDef {
    pub left: LinkSide,
    pub right: LinkSide,
    /// Table name; default `<left module>_<left entity>_<right module>_<right entity>`.
    pub table_name: Option<&'static str>,
    /// Id prefix of link rows; default `link`.
    pub id_prefix: Option<&'static str>,
    pub extra_columns: &'static [ExtraColumn],
}

inventory::collect!(LinkDef);

impl LinkDef {
    pub const fn new(left: LinkSide, right: LinkSide) -> Self {
        Self {
            left,
            right,
            table_name: None,
            id_prefix: None,
            extra_columns: &[],
        }
    }
    pub const fn table(mut self, name: &'static str) -> Self {
        self.table_name = Some(name);
        self
    }
    pub const fn id_prefix(mut self, prefix: &'static str) -> Self {
        self.id_prefix = Some(prefix);
        self
    }
    pub const fn extra_columns(mut self, columns: &'static [ExtraColumn]) -> Self {
        self.extra_columns = columns;
        self
    }

    /// The link table's name.
    pub fn table_name(&self) -> String {
        match self.table_name {
            Some(t) => t.to_string(),
            None => format!(
                "{}_{}_{}_{}",
                self.left.module, self.left.entity, self.right.module, self.right.entity
            ),
        }
    }

    /// `<left module>-<left entity>-<right module>-<right entity>`: the name
    /// of `attached` / `detached` events.
    pub fn event_name(&self) -> String {
        self.table_name().replace('_', "-")
    }

    /// The sides whose entity table is `table` (both, for a self-link).
    pub fn sides_on(&self, table: &str) -> impl Iterator<Item = &LinkSide> {
        [&self.left, &self.right]
            .into_iter()
            .filter(move |s| s.table == table)
    }

    /// The other side of `side`.
    pub fn other(&self, side: &LinkSide) -> &LinkSide {
        if std::ptr::eq(side, &self.left) {
            &self.right
        } else {
            &self.left
        }
    }

    /// Whether both modules are part of the application.
    pub fn is_active(&self, modules: &[&str]) -> bool {
        modules.contains(&self.left.module) && modules.contains(&self.right.module)
    }

    /// The SQL creating the link table and its indexes (idempotent).
    pub fn create_sql(&self) -> String {
        let table = self.table_name();
        let (l, r) = (self.left.column, self.right.column);
        let mut columns = vec![
            "id text NOT NULL UNIQUE".to_string(),
            format!("\"{l}\" text NOT NULL"),
            format!("\"{r}\" text NOT NULL"),
        ];
        for extra in self.extra_columns {
            let mut col = format!("\"{}\" {}", extra.name, extra.ty.sql());
            if !extra.nullable {
                col.push_str(" NOT NULL");
            }
            if let Some(d) = extra.default_sql {
                col.push_str(&format!(" DEFAULT {d}"));
            }
            columns.push(col);
        }
        columns.extend([
            "created_at timestamptz NOT NULL DEFAULT now()".to_string(),
            "updated_at timestamptz NOT NULL DEFAULT now()".to_string(),
            "deleted_at timestamptz".to_string(),
            format!("PRIMARY KEY (\"{l}\", \"{r}\")"),
        ]);
        let mut sql = format!(
            "CREATE TABLE IF NOT EXISTS \"{table}\" (\n  {}\n);\n",
            columns.join(",\n  ")
        );
        for (col, single) in [(l, !self.right.is_list), (r, !self.left.is_list)] {
            let unique = if single { "UNIQUE " } else { "" };
            sql.push_str(&format!(
                "CREATE {unique}INDEX IF NOT EXISTS \"IDX_{table}_{col}\" ON \"{table}\" (\"{col}\") \
                 WHERE deleted_at IS NULL;\n"
            ));
        }
        sql
    }
}

/// Every link registered in the linked crates.
pub fn registered_links() -> impl Iterator<Item = &'static LinkDef> {
    inventory::iter::<LinkDef>.into_iter()
}

/// `brand` → `brands`, `category` → `categories`, `address` → `addresses`.
pub fn plural(word: &str) -> String {
    if let Some(stem) = word.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if let Some(stem) = word.strip_suffix("lf") {
        return format!("{stem}lves");
    }
    if word.ends_with('s') || word.ends_with('x') || word.ends_with("ch") || word.ends_with("sh") {
        return format!("{word}es");
    }
    format!("{word}s")
}

/// Declare a link between two linkable entities, registered through
/// inventory; the framework creates its table when both modules are part of
/// the application.
///
/// `A => many, B => one`: many `A` rows link to one `B` row: `a.b` is one
/// record, `b.as` a list. Optional settings follow a `;`:
/// `table = "…"`, `id_prefix = "…"`, `left_field = "…"`, `right_field = "…"`,
/// `delete_cascade = left | right`, `extra_columns = CONST` (a
/// `&'static [ExtraColumn]`).
///
/// ```ignore
/// stheno::define_link!(Product => many, Brand => one);
/// stheno::define_link!(Product => many, SalesChannel => many; table = "product_sales_channel", id_prefix = "prodsc");
/// ```
#[macro_export]
macro_rules! define_link {
    ($left:ty => $lcard:ident, $right:ty => $rcard:ident $(; $($key:ident = $value:tt),* $(,)?)?) => {
        $crate::inventory::submit! {
            $crate::define_link!(@chain ($crate::link::LinkDef::new(
                $crate::define_link!(@side $left, $lcard $(, $($key = $value),*)?; left),
                $crate::define_link!(@side $right, $rcard $(, $($key = $value),*)?; right),
            )) $($($key = $value),*)?)
        }
    };
    (@side $ty:ty, many $(, $($key:ident = $value:tt),*)?; $which:ident) => {
        $crate::define_link!(@side_opts ($crate::link::LinkSide::of::<$ty>(true)), $which $(, $($key = $value),*)?)
    };
    (@side $ty:ty, one $(, $($key:ident = $value:tt),*)?; $which:ident) => {
        $crate::define_link!(@side_opts ($crate::link::LinkSide::of::<$ty>(false)), $which $(, $($key = $value),*)?)
    };
    (@side_opts ($side:expr), $which:ident) => { $side };
    (@side_opts ($side:expr), left, left_field = $f:tt $(, $($rest:tt)*)?) => {
        $crate::define_link!(@side_opts ($side.named($f)), left $(, $($rest)*)?)
    };
    (@side_opts ($side:expr), right, right_field = $f:tt $(, $($rest:tt)*)?) => {
        $crate::define_link!(@side_opts ($side.named($f)), right $(, $($rest)*)?)
    };
    (@side_opts ($side:expr), left, delete_cascade = left $(, $($rest:tt)*)?) => {
        $crate::define_link!(@side_opts ($side.delete_cascade()), left $(, $($rest)*)?)
    };
    (@side_opts ($side:expr), right, delete_cascade = right $(, $($rest:tt)*)?) => {
        $crate::define_link!(@side_opts ($side.delete_cascade()), right $(, $($rest)*)?)
    };
    (@side_opts ($side:expr), $which:ident, $key:ident = $value:tt $(, $($rest:tt)*)?) => {
        $crate::define_link!(@side_opts ($side), $which $(, $($rest)*)?)
    };
    (@chain ($def:expr)) => { $def };
    (@chain ($def:expr) table = $v:tt $(, $($rest:tt)*)?) => {
        $crate::define_link!(@chain ($def.table($v)) $($($rest)*)?)
    };
    (@chain ($def:expr) extra_columns = $v:tt $(, $($rest:tt)*)?) => {
        $crate::define_link!(@chain ($def.extra_columns($v)) $($($rest)*)?)
    };
    (@chain ($def:expr) id_prefix = $v:tt $(, $($rest:tt)*)?) => {
        $crate::define_link!(@chain ($def.id_prefix($v)) $($($rest)*)?)
    };
    (@chain ($def:expr) $key:ident = $v:tt $(, $($rest:tt)*)?) => {
        $crate::define_link!(@chain ($def) $($($rest)*)?)
    };
}

/// One end of a link row: an entity and its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRow {
    /// The link's table.
    pub link: String,
    pub left_id: String,
    pub right_id: String,
    /// Extra column values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, Value>,
}

/// The link service: create, dismiss and list link rows of the active
/// links.
#[derive(Clone)]
pub struct Links {
    db: DbPool,
    events: Arc<dyn EventBus>,
    links: Arc<[&'static LinkDef]>,
}

impl Links {
    pub fn new(db: DbPool, events: Arc<dyn EventBus>, links: Arc<[&'static LinkDef]>) -> Self {
        Self { db, events, links }
    }

    /// The active links.
    pub fn defs(&self) -> &[&'static LinkDef] {
        &self.links
    }

    /// The link between entities `a` and `b` (either order); returns the
    /// definition and whether `a` is its left side.
    pub fn find(&self, a: &str, b: &str) -> Result<(&'static LinkDef, bool)> {
        self.links
            .iter()
            .find_map(|l| {
                if l.left.entity == a && l.right.entity == b {
                    Some((*l, true))
                } else if l.left.entity == b && l.right.entity == a {
                    Some((*l, false))
                } else {
                    None
                }
            })
            .ok_or_else(|| {
                Error::invalid_data(format!(
                    "Module to link not found: {a} and {b} are not linked"
                ))
            })
    }

    /// Link `a_id` of entity `a` to each of `b_ids` of entity `b`. Re-linking
    /// a dismissed pair revives it; linking a pair twice changes nothing.
    /// A "one" side already linked elsewhere is a `duplicate_error`.
    pub async fn create(&self, a: &str, a_id: &str, b: &str, b_ids: &[String]) -> Result<()> {
        self.create_with(a, a_id, b, b_ids, &BTreeMap::new()).await
    }

    /// [`create`](Self::create) with extra column values.
    pub async fn create_with(
        &self,
        a: &str,
        a_id: &str,
        b: &str,
        b_ids: &[String],
        data: &BTreeMap<String, Value>,
    ) -> Result<()> {
        if b_ids.is_empty() {
            return Ok(());
        }
        let (def, a_left) = self.find(a, b)?;
        let table = def.table_name();
        let (l, r) = (def.left.column, def.right.column);
        let mut extras = Vec::new();
        for (name, value) in data {
            let column = def
                .extra_columns
                .iter()
                .find(|c| c.name == name)
                .ok_or_else(|| Error::invalid_data(format!("Link {table} has no column {name}")))?;
            let bind = match value {
                Value::Null => Bind::Null,
                Value::String(s) => Bind::Text(s.clone()),
                other => Bind::Text(other.to_string()),
            };
            extras.push((column, bind));
        }
        let mut sql = DynSql::new(&format!(
            "INSERT INTO \"{table}\" AS t (id, \"{l}\", \"{r}\""
        ));
        for (c, _) in &extras {
            sql.push(&format!(", \"{}\"", c.name));
        }
        sql.push(") VALUES ");
        let prefix = def.id_prefix.unwrap_or("link");
        for (i, b_id) in b_ids.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            let (left, right) = if a_left {
                (a_id, b_id.as_str())
            } else {
                (b_id.as_str(), a_id)
            };
            sql.push("(");
            sql.bind(Bind::Text(crate::id::generate_id(prefix)), "text");
            sql.push(", ");
            sql.bind(Bind::Text(left.to_string()), "text");
            sql.push(", ");
            sql.bind(Bind::Text(right.to_string()), "text");
            for (c, v) in &extras {
                sql.push(", ");
                sql.bind(v.clone(), c.ty.sql());
            }
            sql.push(")");
        }
        sql.push(&format!(
            " ON CONFLICT (\"{l}\", \"{r}\") DO UPDATE SET deleted_at = NULL, updated_at = now()"
        ));
        for (c, _) in &extras {
            sql.push(&format!(", \"{0}\" = EXCLUDED.\"{0}\"", c.name));
        }
        sql.push(" RETURNING jsonb_build_object('id', t.id) AS record");
        let mut conn = self.db.get().await?;
        let rows = sql
            .load_json(&mut conn)
            .await
            .map_err(|e| e.refine_duplicate("Link"))?;
        self.emit(def, "attached", rows).await;
        Ok(())
    }

    /// Dismiss (soft-delete) the links between `a_id` and each of `b_ids`.
    pub async fn dismiss(&self, a: &str, a_id: &str, b: &str, b_ids: &[String]) -> Result<()> {
        let (def, a_left) = self.find(a, b)?;
        let (a_col, b_col) = if a_left {
            (def.left.column, def.right.column)
        } else {
            (def.right.column, def.left.column)
        };
        let mut sql = DynSql::new(&format!(
            "UPDATE \"{}\" AS t SET deleted_at = now() WHERE t.\"{a_col}\" = ",
            def.table_name()
        ));
        sql.bind(Bind::Text(a_id.to_string()), "text");
        sql.push(&format!(" AND t.\"{b_col}\" = ANY("));
        sql.bind_array(b_ids.to_vec(), "text");
        sql.push(") AND t.deleted_at IS NULL RETURNING jsonb_build_object('id', t.id) AS record");
        let mut conn = self.db.get().await?;
        let rows = sql.load_json(&mut conn).await?;
        self.emit(def, "detached", rows).await;
        Ok(())
    }

    /// Dismiss every link of entity `a`'s rows `a_ids` to entity `b`.
    pub async fn dismiss_all(&self, a: &str, a_ids: &[String], b: &str) -> Result<()> {
        let (def, a_left) = self.find(a, b)?;
        let a_col = if a_left {
            def.left.column
        } else {
            def.right.column
        };
        let mut sql = DynSql::new(&format!(
            "UPDATE \"{}\" AS t SET deleted_at = now() WHERE t.\"{a_col}\" = ANY(",
            def.table_name()
        ));
        sql.bind_array(a_ids.to_vec(), "text");
        sql.push(") AND t.deleted_at IS NULL RETURNING jsonb_build_object('id', t.id) AS record");
        let mut conn = self.db.get().await?;
        let rows = sql.load_json(&mut conn).await?;
        self.emit(def, "detached", rows).await;
        Ok(())
    }

    /// A condition on entity `a`: rows linked to any of `b_ids` of entity
    /// `b` (live link rows). No ids: no rows.
    pub fn linked_to(
        &self,
        a: &str,
        b: &str,
        b_ids: &[String],
    ) -> Result<crate::entity::Condition> {
        let (def, a_left) = self.find(a, b)?;
        let (column, other_column) = if a_left {
            (def.left.column, def.right.column)
        } else {
            (def.right.column, def.left.column)
        };
        Ok(crate::entity::Condition::Linked {
            table: def.table_name(),
            column,
            other_column,
            ids: b_ids.to_vec(),
        })
    }

    /// The live link rows of entity `a`'s rows `a_ids` to entity `b`:
    /// `(a id, b id)` pairs.
    pub async fn list(&self, a: &str, a_ids: &[String], b: &str) -> Result<Vec<(String, String)>> {
        let (def, a_left) = self.find(a, b)?;
        let (a_col, b_col) = if a_left {
            (def.left.column, def.right.column)
        } else {
            (def.right.column, def.left.column)
        };
        let mut sql = DynSql::new(&format!(
            "SELECT t.\"{a_col}\" AS owner, to_jsonb(t.\"{b_col}\") AS record FROM \"{}\" t \
             WHERE t.\"{a_col}\" = ANY(",
            def.table_name()
        ));
        sql.bind_array(a_ids.to_vec(), "text");
        sql.push(&format!(
            ") AND t.deleted_at IS NULL ORDER BY t.created_at, t.\"{b_col}\""
        ));
        let mut conn = self.db.get().await?;
        Ok(sql
            .load_owned_json(&mut conn)
            .await?
            .into_iter()
            .filter_map(|(a, b)| b.as_str().map(|b| (a, b.to_string())))
            .collect())
    }

    /// The live link rows of entity `a`'s rows `a_ids` to entity `b`, with
    /// their extra columns (`required_quantity`).
    pub async fn list_rows(&self, a: &str, a_ids: &[String], b: &str) -> Result<Vec<LinkRow>> {
        let (def, a_left) = self.find(a, b)?;
        let a_col = if a_left {
            def.left.column
        } else {
            def.right.column
        };
        let table = def.table_name();
        let mut sql = DynSql::new(&format!(
            "SELECT t.\"{a_col}\" AS owner, to_jsonb(t) AS record FROM \"{table}\" t WHERE t.\"{a_col}\" = ANY("
        ));
        sql.bind_array(a_ids.to_vec(), "text");
        sql.push(") AND t.deleted_at IS NULL ORDER BY t.created_at, t.id");
        let mut conn = self.db.get().await?;
        let text = |v: &Value, key: &str| {
            v.get(key)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        Ok(sql
            .load_owned_json(&mut conn)
            .await?
            .into_iter()
            .map(|(_, row)| LinkRow {
                link: table.clone(),
                left_id: text(&row, def.left.column),
                right_id: text(&row, def.right.column),
                data: def
                    .extra_columns
                    .iter()
                    .map(|c| {
                        (
                            c.name.to_string(),
                            row.get(c.name).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect(),
            })
            .collect())
    }

    async fn emit(&self, def: &LinkDef, action: &str, rows: Vec<Value>) {
        let name = format!("{}.{action}", def.event_name());
        let ids: Vec<&str> = rows
            .iter()
            .filter_map(|r| r.get("id").and_then(Value::as_str))
            .collect();
        if ids.is_empty() {
            return;
        }
        if let Err(e) = self.events.emit(Event::for_ids(&name, ids)).await {
            tracing::warn!(error = %e, link = %def.table_name(), "emitting link events failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plurals() {
        assert_eq!(plural("brand"), "brands");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("address"), "addresses");
        assert_eq!(plural("key"), "keys");
        assert_eq!(plural("shelf"), "shelves");
    }
}
