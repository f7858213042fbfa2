//! Product categories: a tree kept as a materialised path (`mpath`) with
//! contiguous sibling ranks. Reads are the generated service's
//! ([`ProductModule::product_categories`]); this file holds the tree's
//! domain writes — create, update (including moves), soft delete (with the
//! subtree), restore, delete — the tree helpers, and adding/removing
//! products.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::{Error, Result, time};

use super::{Conn, ProductModule, ensure_found, not_found, refine, stamp, to_handle};
use crate::events::{Action, EventEntity, Events};
use crate::models::{ProductCategory, prefix};
use crate::schema::{product, product_category, product_category_product};
use crate::sql::{string_to_array, substr};

/// `POST /admin/product-categories`. `handle` defaults to the kebab-cased
/// name; without `rank` the category goes after its last sibling.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCategoryInput {
    pub name: String,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub is_active: Option<bool>,
    pub is_internal: Option<bool>,
    pub parent_category_id: Option<String>,
    pub rank: Option<i32>,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

impl CreateCategoryInput {
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            description: None,
            handle: None,
            is_active: None,
            is_internal: None,
            parent_category_id: None,
            rank: None,
            external_id: None,
            metadata: None,
        }
    }

    /// The same input, placed under `parent`.
    pub fn under(mut self, parent: impl Into<String>) -> Self {
        self.parent_category_id = Some(parent.into());
        self
    }
}

/// `POST /admin/product-categories/:id`. Setting `parent_category_id` moves
/// the category with its subtree (`null` makes it a root); `rank` moves it
/// among its siblings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCategoryInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub is_active: Option<bool>,
    pub is_internal: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub parent_category_id: Option<Option<String>>,
    pub rank: Option<i32>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_id: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Value>>,
}

#[derive(Insertable)]
#[diesel(table_name = product_category)]
struct NewCategory {
    id: String,
    name: String,
    description: String,
    handle: String,
    mpath: String,
    is_active: bool,
    is_internal: bool,
    rank: i32,
    external_id: Option<String>,
    parent_category_id: Option<String>,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product_category)]
struct CategoryChanges {
    name: Option<String>,
    description: Option<String>,
    handle: Option<String>,
    is_active: Option<bool>,
    is_internal: Option<bool>,
    parent_category_id: Option<Option<String>>,
    mpath: Option<String>,
    rank: Option<i32>,
    external_id: Option<Option<String>>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

fn child_mpath(parent_mpath: Option<&str>, id: &str) -> String {
    match parent_mpath {
        Some(parent) => format!("{parent}.{id}"),
        None => id.to_string(),
    }
}

fn check_rank(rank: Option<i32>) -> Result<()> {
    match rank {
        Some(r) if r < 0 => Err(Error::invalid_data(
            "rank must be greater than or equal to 0",
        )),
        _ => Ok(()),
    }
}

/// Add `delta` to the rank of the live children of `parent` whose rank is in
/// `from..=to` (`to = None`: no upper bound).
async fn shift_ranks(
    c: &mut Conn,
    parent: Option<&str>,
    from: i32,
    to: Option<i32>,
    delta: i32,
) -> Result<()> {
    let siblings = product_category::table
        .filter(product_category::parent_category_id.is_not_distinct_from(parent))
        .filter(product_category::deleted_at.is_null())
        .filter(product_category::rank.ge(from))
        .filter(product_category::rank.le(to.unwrap_or(i32::MAX)));
    diesel::update(siblings)
        .set(product_category::rank.eq(product_category::rank + delta))
        .execute(c)
        .await?;
    Ok(())
}

/// Serialise category tree writes (ranks and paths are read, then
/// written) until the transaction ends, so concurrent changes cannot corrupt
/// sibling ranks.
async fn lock_tree(c: &mut Conn) -> Result<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('stheno.product_category.tree'))")
        .execute(c)
        .await?;
    Ok(())
}

/// Number of live children of `parent`.
async fn count_children(c: &mut Conn, parent: Option<&str>) -> Result<i32> {
    let n: i64 = product_category::table
        .filter(product_category::parent_category_id.is_not_distinct_from(parent))
        .filter(product_category::deleted_at.is_null())
        .count()
        .get_result(c)
        .await?;
    Ok(i32::try_from(n).unwrap_or(i32::MAX))
}

/// Renumber the live children of each parent (`None` = the roots) `0..n`,
/// keeping their order.
async fn renumber(c: &mut Conn, parents: &[Option<String>]) -> Result<()> {
    if parents.is_empty() {
        return Ok(());
    }
    let roots = parents.iter().any(Option::is_none);
    let ids: Vec<String> = parents.iter().flatten().cloned().collect();
    diesel::sql_query(
        "UPDATE product_category AS c SET rank = s.new_rank \
         FROM (SELECT id, (row_number() OVER (PARTITION BY parent_category_id \
                                              ORDER BY rank, created_at, id) - 1)::int AS new_rank \
               FROM product_category \
               WHERE deleted_at IS NULL \
                 AND (parent_category_id = ANY($1) OR ($2 AND parent_category_id IS NULL))) AS s \
         WHERE c.id = s.id AND c.rank <> s.new_rank",
    )
    .bind::<Array<Text>, _>(ids)
    .bind::<Bool, _>(roots)
    .execute(c)
    .await?;
    Ok(())
}

impl ProductModule {
    /// Every live descendant of `ids` (not the categories themselves), by
    /// `mpath`, in one query. `visible_only` keeps active, public ones.
    pub async fn category_descendants(
        &self,
        ids: &[String],
        visible_only: bool,
    ) -> Result<Vec<ProductCategory>> {
        let mut query = product_category::table
            .filter(string_to_array(product_category::mpath, ".").overlaps_with(ids.to_vec()))
            .filter(product_category::id.ne_all(ids.to_vec()))
            .filter(product_category::deleted_at.is_null())
            .into_boxed();
        if visible_only {
            query = query
                .filter(product_category::is_active.eq(true))
                .filter(product_category::is_internal.eq(false));
        }
        let mut conn = self.conn().await?;
        Ok(query
            .order((product_category::rank.asc(), product_category::id.asc()))
            .select(ProductCategory::as_select())
            .load(&mut conn)
            .await?)
    }

    /// Every live ancestor of `ids` (not the categories themselves).
    /// `visible_only` keeps active, public ones.
    pub async fn category_ancestors(
        &self,
        ids: &[String],
        visible_only: bool,
    ) -> Result<Vec<ProductCategory>> {
        let mut conn = self.conn().await?;
        let paths: Vec<String> = product_category::table
            .filter(product_category::id.eq_any(ids))
            .select(product_category::mpath)
            .load(&mut conn)
            .await?;
        let ancestors: Vec<String> = crate::input::dedup(
            paths
                .iter()
                .flat_map(|p| {
                    p.split('.')
                        .collect::<Vec<_>>()
                        .split_last()
                        .map(|(_, a)| a.to_vec())
                })
                .flatten()
                .map(str::to_string),
        );
        if ancestors.is_empty() {
            return Ok(Vec::new());
        }
        let mut query = product_category::table
            .filter(product_category::id.eq_any(ancestors))
            .filter(product_category::deleted_at.is_null())
            .into_boxed();
        if visible_only {
            query = query
                .filter(product_category::is_active.eq(true))
                .filter(product_category::is_internal.eq(false));
        }
        Ok(query
            .order((product_category::mpath.asc(), product_category::id.asc()))
            .select(ProductCategory::as_select())
            .load(&mut conn)
            .await?)
    }

    /// Create categories in one transaction. `mpath` is derived from the
    /// parent; without `rank` a category is appended after its siblings,
    /// with one it is inserted there and later siblings move down.
    pub async fn create_categories(
        &self,
        input: Vec<CreateCategoryInput>,
    ) -> Result<Vec<ProductCategory>> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        for c in &input {
            check_rank(c.rank)?;
        }
        let now = time::now();
        let mut conn = self.conn().await?;
        let created = conn
            .transaction(async move |c| {
                lock_tree(c).await?;
                let parent_ids =
                    crate::input::dedup(input.iter().filter_map(|i| i.parent_category_id.clone()));
                let parents: HashMap<String, String> = product_category::table
                    .filter(product_category::id.eq_any(&parent_ids))
                    .filter(product_category::deleted_at.is_null())
                    .select((product_category::id, product_category::mpath))
                    .load::<(String, String)>(c)
                    .await?
                    .into_iter()
                    .collect();
                let found: Vec<String> = parents.keys().cloned().collect();
                ensure_found("ProductCategory", &parent_ids, &found)?;

                let wants_roots = input.iter().any(|i| i.parent_category_id.is_none());
                let mut sizes: HashMap<Option<String>, i32> = product_category::table
                    .filter(product_category::deleted_at.is_null())
                    .filter(
                        product_category::parent_category_id.eq_any(&parent_ids).or(
                            product_category::parent_category_id
                                .is_null()
                                .and(wants_roots.into_sql::<Bool>()),
                        ),
                    )
                    .group_by(product_category::parent_category_id)
                    .select((product_category::parent_category_id, count_star()))
                    .load::<(Option<String>, i64)>(c)
                    .await?
                    .into_iter()
                    .map(|(p, n)| (p, i32::try_from(n).unwrap_or(i32::MAX)))
                    .collect();

                let mut rows: Vec<NewCategory> = Vec::with_capacity(input.len());
                for category in input {
                    let parent = category.parent_category_id;
                    let size = sizes.entry(parent.clone()).or_insert(0);
                    let rank = match category.rank {
                        Some(rank) if rank < *size => {
                            shift_ranks(c, parent.as_deref(), rank, None, 1).await?;
                            for row in rows.iter_mut() {
                                if row.parent_category_id == parent && row.rank >= rank {
                                    row.rank += 1;
                                }
                            }
                            rank
                        }
                        _ => *size,
                    };
                    *size += 1;
                    let id = generate_id(prefix::CATEGORY);
                    let created_at = stamp(now, rows.len());
                    let parent_mpath = parent.as_ref().and_then(|p| parents.get(p));
                    rows.push(NewCategory {
                        mpath: child_mpath(parent_mpath.map(String::as_str), &id),
                        handle: category.handle.unwrap_or_else(|| to_handle(&category.name)),
                        id,
                        name: category.name,
                        description: category.description.unwrap_or_default(),
                        is_active: category.is_active.unwrap_or(false),
                        is_internal: category.is_internal.unwrap_or(false),
                        rank,
                        external_id: category.external_id,
                        parent_category_id: parent,
                        metadata: category.metadata,
                        created_at,
                        updated_at: created_at,
                    });
                }
                let order: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
                let mut created: Vec<ProductCategory> =
                    diesel::insert_into(product_category::table)
                        .values(&rows)
                        .returning(ProductCategory::as_returning())
                        .get_results(c)
                        .await?;
                created.sort_by_key(|cat| order.iter().position(|id| *id == cat.id));
                Ok::<_, Error>(created)
            })
            .await
            .map_err(refine)?;
        let mut events = Events::new();
        events.push(
            EventEntity::ProductCategory,
            Action::Created,
            created.iter().map(|c| c.id.as_str()),
        );
        self.emit(events).await;
        Ok(created)
    }

    /// Update a category. A new `parent_category_id` moves it with its
    /// subtree (every `mpath` below is rewritten) and closes the gap it
    /// leaves; a new `rank` moves it among its siblings, which shift to keep
    /// ranks contiguous.
    pub async fn update_category(
        &self,
        id: &str,
        input: UpdateCategoryInput,
    ) -> Result<ProductCategory> {
        check_rank(input.rank)?;
        let id = id.to_string();
        let now = time::now();
        let mut conn = self.conn().await?;
        let category = conn
            .transaction(async move |c| {
                lock_tree(c).await?;
                let current: ProductCategory = product_category::table
                    .find(&id)
                    .filter(product_category::deleted_at.is_null())
                    .select(ProductCategory::as_select())
                    .first(c)
                    .await
                    .optional()?
                    .ok_or_else(|| not_found("ProductCategory", &id))?;
                let old_parent = current.parent_category_id.clone();
                let new_parent = match &input.parent_category_id {
                    Some(parent) => parent.clone(),
                    None => old_parent.clone(),
                };
                let mut changes = CategoryChanges {
                    name: input.name,
                    description: input.description,
                    handle: input.handle,
                    is_active: input.is_active,
                    is_internal: input.is_internal,
                    parent_category_id: None,
                    mpath: None,
                    rank: None,
                    external_id: input.external_id,
                    metadata: input.metadata,
                    updated_at: now,
                };

                if new_parent != old_parent {
                    let parent_mpath = match &new_parent {
                        Some(parent_id) => {
                            let mpath: String = product_category::table
                                .find(parent_id)
                                .filter(product_category::deleted_at.is_null())
                                .select(product_category::mpath)
                                .first(c)
                                .await
                                .optional()?
                                .ok_or_else(|| not_found("ProductCategory", parent_id))?;
                            if mpath.split('.').any(|segment| segment == current.id) {
                                return Err(Error::invalid_data(format!(
                                    "Cannot move ProductCategory {} under itself or one of its descendants",
                                    current.id
                                )));
                            }
                            Some(mpath)
                        }
                        None => None,
                    };
                    // Leave the old sibling list…
                    shift_ranks(c, old_parent.as_deref(), current.rank + 1, None, -1).await?;
                    // …and join the new one.
                    let size = count_children(c, new_parent.as_deref()).await?;
                    let rank = input.rank.map_or(size, |r| r.min(size));
                    if rank < size {
                        shift_ranks(c, new_parent.as_deref(), rank, None, 1).await?;
                    }
                    let new_mpath = child_mpath(parent_mpath.as_deref(), &current.id);
                    let old_len = i32::try_from(current.mpath.len()).unwrap_or(i32::MAX);
                    let subtree = product_category::table.filter(
                        string_to_array(product_category::mpath, ".")
                            .contains(vec![current.id.clone()]),
                    );
                    diesel::update(subtree)
                        .set(product_category::mpath.eq(new_mpath
                            .clone()
                            .into_sql::<Text>()
                            .concat(substr(product_category::mpath, old_len + 1))))
                        .execute(c)
                        .await?;
                    changes.parent_category_id = Some(new_parent);
                    changes.rank = Some(rank);
                } else if let Some(wanted) = input.rank {
                    let size = count_children(c, old_parent.as_deref()).await?;
                    let rank = wanted.min(size - 1);
                    if rank < current.rank {
                        shift_ranks(c, old_parent.as_deref(), rank, Some(current.rank - 1), 1)
                            .await?;
                    } else if rank > current.rank {
                        shift_ranks(c, old_parent.as_deref(), current.rank + 1, Some(rank), -1)
                            .await?;
                    }
                    changes.rank = Some(rank);
                }

                let updated: ProductCategory = diesel::update(product_category::table.find(&id))
                    .set(&changes)
                    .returning(ProductCategory::as_returning())
                    .get_result(c)
                    .await?;
                Ok::<_, Error>(updated)
            })
            .await
            .map_err(refine)?;
        let mut events = Events::new();
        events.push_one(EventEntity::ProductCategory, Action::Updated, &category.id);
        self.emit(events).await;
        Ok(category)
    }

    /// Soft-delete categories with their whole subtree; the remaining
    /// siblings are renumbered. Unknown ids are ignored.
    pub async fn soft_delete_categories(&self, ids: &[String]) -> Result<()> {
        let ids = ids.to_vec();
        let now = time::now();
        let mut conn = self.conn().await?;
        let deleted = conn
            .transaction(async move |c| {
                lock_tree(c).await?;
                let parents: Vec<Option<String>> = product_category::table
                    .filter(product_category::id.eq_any(&ids))
                    .filter(product_category::deleted_at.is_null())
                    .select(product_category::parent_category_id)
                    .load(c)
                    .await?;
                let deleted: Vec<String> = diesel::update(
                    product_category::table
                        .filter(string_to_array(product_category::mpath, ".").overlaps_with(&ids))
                        .filter(product_category::deleted_at.is_null()),
                )
                .set((
                    product_category::deleted_at.eq(now),
                    product_category::updated_at.eq(now),
                ))
                .returning(product_category::id)
                .get_results(c)
                .await?;
                renumber(c, &parents).await?;
                Ok::<_, Error>(deleted)
            })
            .await?;
        let mut events = Events::new();
        events.push_ids(EventEntity::ProductCategory, Action::Deleted, &deleted);
        self.emit(events).await;
        Ok(())
    }

    /// Delete categories for good, with their subtrees and product links;
    /// the remaining siblings are renumbered. Unknown ids are ignored.
    pub async fn delete_categories(&self, ids: &[String]) -> Result<()> {
        let ids = ids.to_vec();
        let mut conn = self.conn().await?;
        let deleted = conn
            .transaction(async move |c| {
                lock_tree(c).await?;
                let parents: Vec<Option<String>> = product_category::table
                    .filter(product_category::id.eq_any(&ids))
                    .select(product_category::parent_category_id)
                    .load(c)
                    .await?;
                let deleted: Vec<String> = diesel::delete(
                    product_category::table
                        .filter(string_to_array(product_category::mpath, ".").overlaps_with(&ids)),
                )
                .returning(product_category::id)
                .get_results(c)
                .await?;
                renumber(c, &parents).await?;
                Ok::<_, Error>(deleted)
            })
            .await?;
        let mut events = Events::new();
        events.push_ids(EventEntity::ProductCategory, Action::Deleted, &deleted);
        self.emit(events).await;
        Ok(())
    }

    /// Undo [`ProductModule::soft_delete_categories`]: the categories and
    /// the descendants deleted with them come back; sibling ranks are
    /// renumbered (a restored category keeps its old position when it is
    /// still free).
    pub async fn restore_categories(&self, ids: &[String]) -> Result<()> {
        let ids = ids.to_vec();
        let now = time::now();
        let mut conn = self.conn().await?;
        let restored = conn
            .transaction(async move |c| {
                lock_tree(c).await?;
                let roots: Vec<(String, Option<String>, Option<DateTime<Utc>>)> =
                    product_category::table
                        .filter(product_category::id.eq_any(&ids))
                        .filter(product_category::deleted_at.is_not_null())
                        .select((
                            product_category::id,
                            product_category::parent_category_id,
                            product_category::deleted_at,
                        ))
                        .load(c)
                        .await?;
                let mut restored: Vec<String> = Vec::new();
                for (id, _, deleted_at) in &roots {
                    let subtree = product_category::table
                        .filter(
                            string_to_array(product_category::mpath, ".")
                                .contains(vec![id.clone()]),
                        )
                        .filter(product_category::deleted_at.eq(deleted_at));
                    let ids: Vec<String> = diesel::update(subtree)
                        .set((
                            product_category::deleted_at.eq(None::<DateTime<Utc>>),
                            product_category::updated_at.eq(now),
                        ))
                        .returning(product_category::id)
                        .get_results(c)
                        .await?;
                    restored.extend(ids);
                }
                let parents: Vec<Option<String>> =
                    roots.into_iter().map(|(_, parent, _)| parent).collect();
                renumber(c, &parents).await?;
                Ok::<_, Error>(restored)
            })
            .await
            .map_err(refine)?;
        let mut events = Events::new();
        events.push_ids(EventEntity::ProductCategory, Action::Restored, &restored);
        self.emit(events).await;
        Ok(())
    }

    /// `POST /admin/product-categories/:id/products {add, remove}`. Adding a
    /// product already in the category is a no-op. Emits
    /// `product.product.updated` per changed product.
    pub async fn update_category_products(
        &self,
        category_id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<()> {
        let category_id = category_id.to_string();
        let add = crate::input::dedup(add.iter().cloned());
        let remove = remove.to_vec();
        let mut conn = self.conn().await?;
        let changed = conn
            .transaction(async move |c| {
                let exists: Option<String> = product_category::table
                    .find(&category_id)
                    .filter(product_category::deleted_at.is_null())
                    .select(product_category::id)
                    .first(c)
                    .await
                    .optional()?;
                if exists.is_none() {
                    return Err(not_found("ProductCategory", &category_id));
                }
                let mut changed: Vec<String> = Vec::new();
                if !add.is_empty() {
                    let found: Vec<String> = product::table
                        .filter(product::id.eq_any(&add))
                        .filter(product::deleted_at.is_null())
                        .select(product::id)
                        .load(c)
                        .await?;
                    ensure_found("Product", &add, &found)?;
                    let rows: Vec<_> = add
                        .iter()
                        .map(|product_id| {
                            (
                                product_category_product::product_id.eq(product_id),
                                product_category_product::product_category_id.eq(&category_id),
                            )
                        })
                        .collect();
                    let added: Vec<String> = diesel::insert_into(product_category_product::table)
                        .values(rows)
                        .on_conflict_do_nothing()
                        .returning(product_category_product::product_id)
                        .get_results(c)
                        .await?;
                    changed.extend(added);
                }
                if !remove.is_empty() {
                    let removed: Vec<String> = diesel::delete(
                        product_category_product::table
                            .filter(product_category_product::product_category_id.eq(&category_id))
                            .filter(product_category_product::product_id.eq_any(&remove)),
                    )
                    .returning(product_category_product::product_id)
                    .get_results(c)
                    .await?;
                    changed.extend(removed);
                }
                Ok::<_, Error>(changed)
            })
            .await?;
        let mut events = Events::new();
        events.push_ids(EventEntity::Product, Action::Updated, &changed);
        self.emit(events).await;
        Ok(())
    }
}
