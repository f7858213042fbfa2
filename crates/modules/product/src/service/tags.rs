//! Product tags: list, retrieve, create, update, soft delete, restore.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use serde_json::Value;
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
use stheno_module_sdk::{Result, time};

use super::{ProductModule, apply_order, contains_pattern, filter_dates, not_found, refine, stamp};
use crate::events::{Action, EventEntity, Events};
use crate::models::{ProductTag, prefix};
use crate::schema::product_tag;

/// Filters of [`ProductModule::list_tags`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TagFilter {
    /// Case-insensitive substring of `value`.
    pub q: Option<String>,
    pub id: Option<OneOrMany>,
    pub value: Option<OneOrMany>,
    pub external_id: Option<OneOrMany>,
    pub created_at: Option<DateFilter>,
    pub updated_at: Option<DateFilter>,
    /// Filtering on `deleted_at` includes soft-deleted tags.
    pub deleted_at: Option<DateFilter>,
    pub with_deleted: bool,
}

/// `POST /admin/product-tags`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTagInput {
    pub value: String,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

impl CreateTagInput {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            external_id: None,
            metadata: None,
        }
    }
}

/// `POST /admin/product-tags/:id`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTagInput {
    pub value: Option<String>,
    #[serde(default, deserialize_with = "crate::input::nullable")]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::input::nullable")]
    pub metadata: Option<Option<Value>>,
}

#[derive(Insertable)]
#[diesel(table_name = product_tag)]
struct NewTag {
    id: String,
    value: String,
    external_id: Option<String>,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product_tag)]
struct TagChanges {
    value: Option<String>,
    external_id: Option<Option<String>>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

fn filtered(f: &TagFilter) -> product_tag::BoxedQuery<'_, Pg> {
    let mut query = product_tag::table.into_boxed();
    if !f.with_deleted && f.deleted_at.is_none() {
        query = query.filter(product_tag::deleted_at.is_null());
    }
    if let Some(q) = &f.q {
        query = query.filter(product_tag::value.ilike(contains_pattern(q)));
    }
    if let Some(ids) = &f.id {
        query = query.filter(product_tag::id.eq_any(ids.as_slice()));
    }
    if let Some(values) = &f.value {
        query = query.filter(product_tag::value.eq_any(values.as_slice()));
    }
    if let Some(ids) = &f.external_id {
        query = query.filter(product_tag::external_id.eq_any(ids.as_slice()));
    }
    filter_dates!(query, product_tag::created_at, &f.created_at);
    filter_dates!(query, product_tag::updated_at, &f.updated_at);
    filter_dates!(query, product_tag::deleted_at, &f.deleted_at);
    query
}

impl ProductModule {
    /// A page of tags and the total count. Default order: `created_at`
    /// ascending. Order fields: `id`, `value`, `external_id`, `created_at`,
    /// `updated_at`, `deleted_at`.
    pub async fn list_tags(
        &self,
        filter: &TagFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<ProductTag>, i64)> {
        let rows = apply_order!(filtered(filter), order,
            default: product_tag::created_at.asc(), tiebreak: product_tag::id.asc(), {
            "id" => product_tag::id,
            "value" => product_tag::value,
            "external_id" => product_tag::external_id,
            "created_at" => product_tag::created_at,
            "updated_at" => product_tag::updated_at,
            "deleted_at" => product_tag::deleted_at,
        })
        .select(ProductTag::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = filtered(filter).count().get_result(&mut conn).await?;
        let tags = rows.load(&mut conn).await?;
        Ok((tags, count))
    }

    /// One tag; `not_found` if it does not exist or was deleted.
    pub async fn retrieve_tag(&self, id: &str) -> Result<ProductTag> {
        let mut conn = self.conn().await?;
        product_tag::table
            .find(id)
            .filter(product_tag::deleted_at.is_null())
            .select(ProductTag::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| not_found("ProductTag", id))
    }

    /// Create tags (one statement). A taken `value` is a `duplicate_error`.
    pub async fn create_tags(&self, input: Vec<CreateTagInput>) -> Result<Vec<ProductTag>> {
        let now = time::now();
        let rows: Vec<NewTag> = input
            .into_iter()
            .enumerate()
            .map(|(i, t)| NewTag {
                id: generate_id(prefix::TAG),
                value: t.value,
                external_id: t.external_id,
                metadata: t.metadata,
                created_at: stamp(now, i),
                updated_at: stamp(now, i),
            })
            .collect();
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        let tags: Vec<ProductTag> = diesel::insert_into(product_tag::table)
            .values(&rows)
            .returning(ProductTag::as_returning())
            .get_results(&mut conn)
            .await
            .map_err(|e| refine(e.into()))?;
        let mut events = Events::new();
        events.push(
            EventEntity::ProductTag,
            Action::Created,
            tags.iter().map(|t| t.id.as_str()),
        );
        self.emit(events).await;
        Ok(tags)
    }

    /// Update a tag's value, external id or metadata.
    pub async fn update_tag(&self, id: &str, input: UpdateTagInput) -> Result<ProductTag> {
        let changes = TagChanges {
            value: input.value,
            external_id: input.external_id,
            metadata: input.metadata,
            updated_at: time::now(),
        };
        let mut conn = self.conn().await?;
        let tag = diesel::update(
            product_tag::table
                .find(id)
                .filter(product_tag::deleted_at.is_null()),
        )
        .set(&changes)
        .returning(ProductTag::as_returning())
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| refine(e.into()))?
        .ok_or_else(|| not_found("ProductTag", id))?;
        let mut events = Events::new();
        events.push_one(EventEntity::ProductTag, Action::Updated, &tag.id);
        self.emit(events).await;
        Ok(tag)
    }

    /// Soft-delete tags. Products keep their pivot rows, so a restore brings
    /// the tag back on them. Unknown ids are ignored.
    pub async fn soft_delete_tags(&self, ids: &[String]) -> Result<()> {
        let now = time::now();
        let mut conn = self.conn().await?;
        let deleted: Vec<String> = diesel::update(
            product_tag::table
                .filter(product_tag::id.eq_any(ids))
                .filter(product_tag::deleted_at.is_null()),
        )
        .set((
            product_tag::deleted_at.eq(now),
            product_tag::updated_at.eq(now),
        ))
        .returning(product_tag::id)
        .get_results(&mut conn)
        .await?;
        let mut events = Events::new();
        events.push_ids(EventEntity::ProductTag, Action::Deleted, &deleted);
        self.emit(events).await;
        Ok(())
    }

    /// Undo [`ProductModule::soft_delete_tags`].
    pub async fn restore_tags(&self, ids: &[String]) -> Result<()> {
        let mut conn = self.conn().await?;
        let restored: Vec<String> = diesel::update(
            product_tag::table
                .filter(product_tag::id.eq_any(ids))
                .filter(product_tag::deleted_at.is_not_null()),
        )
        .set((
            product_tag::deleted_at.eq(None::<DateTime<Utc>>),
            product_tag::updated_at.eq(time::now()),
        ))
        .returning(product_tag::id)
        .get_results(&mut conn)
        .await
        .map_err(|e| refine(e.into()))?;
        let mut events = Events::new();
        events.push_ids(EventEntity::ProductTag, Action::Restored, &restored);
        self.emit(events).await;
        Ok(())
    }
}
