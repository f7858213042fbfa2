//! Product types: list, retrieve, create, update, soft delete, restore.

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
use crate::models::{ProductType, prefix};
use crate::schema::product_type;

/// Filters of [`ProductModule::list_types`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TypeFilter {
    /// Case-insensitive substring of `value`.
    pub q: Option<String>,
    pub id: Option<OneOrMany>,
    pub value: Option<OneOrMany>,
    pub external_id: Option<OneOrMany>,
    pub created_at: Option<DateFilter>,
    pub updated_at: Option<DateFilter>,
    /// Filtering on `deleted_at` includes soft-deleted types.
    pub deleted_at: Option<DateFilter>,
    pub with_deleted: bool,
}

/// `POST /admin/product-types`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTypeInput {
    pub value: String,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

impl CreateTypeInput {
    pub fn new(value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            external_id: None,
            metadata: None,
        }
    }
}

/// `POST /admin/product-types/:id`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateTypeInput {
    pub value: Option<String>,
    #[serde(default, deserialize_with = "crate::input::nullable")]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::input::nullable")]
    pub metadata: Option<Option<Value>>,
}

#[derive(Insertable)]
#[diesel(table_name = product_type)]
struct NewType {
    id: String,
    value: String,
    external_id: Option<String>,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product_type)]
struct TypeChanges {
    value: Option<String>,
    external_id: Option<Option<String>>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

fn filtered(f: &TypeFilter) -> product_type::BoxedQuery<'_, Pg> {
    let mut query = product_type::table.into_boxed();
    if !f.with_deleted && f.deleted_at.is_none() {
        query = query.filter(product_type::deleted_at.is_null());
    }
    if let Some(q) = &f.q {
        query = query.filter(product_type::value.ilike(contains_pattern(q)));
    }
    if let Some(ids) = &f.id {
        query = query.filter(product_type::id.eq_any(ids.as_slice()));
    }
    if let Some(values) = &f.value {
        query = query.filter(product_type::value.eq_any(values.as_slice()));
    }
    if let Some(ids) = &f.external_id {
        query = query.filter(product_type::external_id.eq_any(ids.as_slice()));
    }
    filter_dates!(query, product_type::created_at, &f.created_at);
    filter_dates!(query, product_type::updated_at, &f.updated_at);
    filter_dates!(query, product_type::deleted_at, &f.deleted_at);
    query
}

impl ProductModule {
    /// A page of types and the total count. Default order: `created_at`
    /// ascending. Order fields: `id`, `value`, `external_id`, `created_at`,
    /// `updated_at`, `deleted_at`.
    pub async fn list_types(
        &self,
        filter: &TypeFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<ProductType>, i64)> {
        let rows = apply_order!(filtered(filter), order,
            default: product_type::created_at.asc(), tiebreak: product_type::id.asc(), {
            "id" => product_type::id,
            "value" => product_type::value,
            "external_id" => product_type::external_id,
            "created_at" => product_type::created_at,
            "updated_at" => product_type::updated_at,
            "deleted_at" => product_type::deleted_at,
        })
        .select(ProductType::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = filtered(filter).count().get_result(&mut conn).await?;
        let types = rows.load(&mut conn).await?;
        Ok((types, count))
    }

    /// One type; `not_found` if it does not exist or was deleted.
    pub async fn retrieve_type(&self, id: &str) -> Result<ProductType> {
        let mut conn = self.conn().await?;
        product_type::table
            .find(id)
            .filter(product_type::deleted_at.is_null())
            .select(ProductType::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| not_found("ProductType", id))
    }

    /// Create types (one statement). A taken `value` is a `duplicate_error`.
    pub async fn create_types(&self, input: Vec<CreateTypeInput>) -> Result<Vec<ProductType>> {
        let now = time::now();
        let rows: Vec<NewType> = input
            .into_iter()
            .enumerate()
            .map(|(i, t)| NewType {
                id: generate_id(prefix::TYPE),
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
        let types: Vec<ProductType> = diesel::insert_into(product_type::table)
            .values(&rows)
            .returning(ProductType::as_returning())
            .get_results(&mut conn)
            .await
            .map_err(|e| refine(e.into()))?;
        let mut events = Events::new();
        events.push(
            EventEntity::ProductType,
            Action::Created,
            types.iter().map(|t| t.id.as_str()),
        );
        self.emit(events).await;
        Ok(types)
    }

    /// Update a type's value, external id or metadata.
    pub async fn update_type(&self, id: &str, input: UpdateTypeInput) -> Result<ProductType> {
        let changes = TypeChanges {
            value: input.value,
            external_id: input.external_id,
            metadata: input.metadata,
            updated_at: time::now(),
        };
        let mut conn = self.conn().await?;
        let product_type = diesel::update(
            product_type::table
                .find(id)
                .filter(product_type::deleted_at.is_null()),
        )
        .set(&changes)
        .returning(ProductType::as_returning())
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| refine(e.into()))?
        .ok_or_else(|| not_found("ProductType", id))?;
        let mut events = Events::new();
        events.push_one(EventEntity::ProductType, Action::Updated, &product_type.id);
        self.emit(events).await;
        Ok(product_type)
    }

    /// Soft-delete types. Products keep their `type_id`, so a restore brings
    /// the type back on them. Unknown ids are ignored.
    pub async fn soft_delete_types(&self, ids: &[String]) -> Result<()> {
        let now = time::now();
        let mut conn = self.conn().await?;
        let deleted: Vec<String> = diesel::update(
            product_type::table
                .filter(product_type::id.eq_any(ids))
                .filter(product_type::deleted_at.is_null()),
        )
        .set((
            product_type::deleted_at.eq(now),
            product_type::updated_at.eq(now),
        ))
        .returning(product_type::id)
        .get_results(&mut conn)
        .await?;
        let mut events = Events::new();
        events.push_ids(EventEntity::ProductType, Action::Deleted, &deleted);
        self.emit(events).await;
        Ok(())
    }

    /// Undo [`ProductModule::soft_delete_types`].
    pub async fn restore_types(&self, ids: &[String]) -> Result<()> {
        let mut conn = self.conn().await?;
        let restored: Vec<String> = diesel::update(
            product_type::table
                .filter(product_type::id.eq_any(ids))
                .filter(product_type::deleted_at.is_not_null()),
        )
        .set((
            product_type::deleted_at.eq(None::<DateTime<Utc>>),
            product_type::updated_at.eq(time::now()),
        ))
        .returning(product_type::id)
        .get_results(&mut conn)
        .await
        .map_err(|e| refine(e.into()))?;
        let mut events = Events::new();
        events.push_ids(EventEntity::ProductType, Action::Restored, &restored);
        self.emit(events).await;
        Ok(())
    }
}
