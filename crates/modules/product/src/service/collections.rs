//! Product collections: list, retrieve, create, update, soft delete,
//! restore, and adding/removing products.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
use stheno_module_sdk::{Error, Result, time};

use super::{
    ProductModule, apply_order, contains_pattern, ensure_found, filter_dates, not_found, refine,
    restore_rows, retrieve_live, soft_delete_rows, stamp, to_handle,
};
use crate::events::{Action, EventEntity, Events};
use crate::models::{ProductCollection, prefix};
use crate::schema::{product, product_collection};

/// Filters of [`ProductModule::list_collections`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CollectionFilter {
    /// Case-insensitive substring of `title` or `handle`.
    pub q: Option<String>,
    pub id: Option<OneOrMany>,
    pub title: Option<OneOrMany>,
    pub handle: Option<OneOrMany>,
    pub external_id: Option<OneOrMany>,
    pub created_at: Option<DateFilter>,
    pub updated_at: Option<DateFilter>,
    /// Filtering on `deleted_at` includes soft-deleted collections.
    pub deleted_at: Option<DateFilter>,
    pub with_deleted: bool,
}

/// `POST /admin/collections`. `handle` defaults to the kebab-cased title.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateCollectionInput {
    pub title: String,
    pub handle: Option<String>,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

impl CreateCollectionInput {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            handle: None,
            external_id: None,
            metadata: None,
        }
    }
}

/// `POST /admin/collections/:id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateCollectionInput {
    pub title: Option<String>,
    pub handle: Option<String>,
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
#[diesel(table_name = product_collection)]
struct NewCollection {
    id: String,
    title: String,
    handle: String,
    external_id: Option<String>,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product_collection)]
struct CollectionChanges {
    title: Option<String>,
    handle: Option<String>,
    external_id: Option<Option<String>>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

fn filtered(f: &CollectionFilter) -> product_collection::BoxedQuery<'_, Pg> {
    let mut query = product_collection::table.into_boxed();
    if !f.with_deleted && f.deleted_at.is_none() {
        query = query.filter(product_collection::deleted_at.is_null());
    }
    if let Some(q) = &f.q {
        let pattern = contains_pattern(q);
        query = query.filter(
            product_collection::title
                .ilike(pattern.clone())
                .or(product_collection::handle.ilike(pattern)),
        );
    }
    if let Some(ids) = &f.id {
        query = query.filter(product_collection::id.eq_any(ids.as_slice()));
    }
    if let Some(titles) = &f.title {
        query = query.filter(product_collection::title.eq_any(titles.as_slice()));
    }
    if let Some(handles) = &f.handle {
        query = query.filter(product_collection::handle.eq_any(handles.as_slice()));
    }
    if let Some(ids) = &f.external_id {
        query = query.filter(product_collection::external_id.eq_any(ids.as_slice()));
    }
    filter_dates!(query, product_collection::created_at, &f.created_at);
    filter_dates!(query, product_collection::updated_at, &f.updated_at);
    filter_dates!(query, product_collection::deleted_at, &f.deleted_at);
    query
}

impl ProductModule {
    /// A page of collections and the total count. Default order:
    /// `created_at` ascending. Order fields: `id`, `title`, `handle`,
    /// `external_id`, `created_at`, `updated_at`, `deleted_at`.
    pub async fn list_collections(
        &self,
        filter: &CollectionFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<ProductCollection>, i64)> {
        let rows = apply_order!(filtered(filter), order,
            default: product_collection::created_at.asc(),
            tiebreak: product_collection::id.asc(), {
            "id" => product_collection::id,
            "title" => product_collection::title,
            "handle" => product_collection::handle,
            "external_id" => product_collection::external_id,
            "created_at" => product_collection::created_at,
            "updated_at" => product_collection::updated_at,
            "deleted_at" => product_collection::deleted_at,
        })
        .select(ProductCollection::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = filtered(filter).count().get_result(&mut conn).await?;
        let collections = rows.load(&mut conn).await?;
        Ok((collections, count))
    }

    /// One collection; `not_found` if it does not exist or was deleted.
    pub async fn retrieve_collection(&self, id: &str) -> Result<ProductCollection> {
        retrieve_live!(
            self,
            product_collection,
            ProductCollection,
            "ProductCollection",
            id
        )
    }

    /// Create collections (one statement). A taken handle is a
    /// `duplicate_error`.
    pub async fn create_collections(
        &self,
        input: Vec<CreateCollectionInput>,
    ) -> Result<Vec<ProductCollection>> {
        let now = time::now();
        let rows: Vec<NewCollection> = input
            .into_iter()
            .enumerate()
            .map(|(i, c)| NewCollection {
                id: generate_id(prefix::COLLECTION),
                handle: c.handle.unwrap_or_else(|| to_handle(&c.title)),
                title: c.title,
                external_id: c.external_id,
                metadata: c.metadata,
                created_at: stamp(now, i),
                updated_at: stamp(now, i),
            })
            .collect();
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        let collections: Vec<ProductCollection> = diesel::insert_into(product_collection::table)
            .values(&rows)
            .returning(ProductCollection::as_returning())
            .get_results(&mut conn)
            .await
            .map_err(|e| refine(e.into()))?;
        let mut events = Events::new();
        events.push(
            EventEntity::ProductCollection,
            Action::Created,
            collections.iter().map(|c| c.id.as_str()),
        );
        self.emit(events).await;
        Ok(collections)
    }

    /// Update a collection's scalars.
    pub async fn update_collection(
        &self,
        id: &str,
        input: UpdateCollectionInput,
    ) -> Result<ProductCollection> {
        let changes = CollectionChanges {
            title: input.title,
            handle: input.handle,
            external_id: input.external_id,
            metadata: input.metadata,
            updated_at: time::now(),
        };
        let mut conn = self.conn().await?;
        let collection = diesel::update(
            product_collection::table
                .find(id)
                .filter(product_collection::deleted_at.is_null()),
        )
        .set(&changes)
        .returning(ProductCollection::as_returning())
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| refine(e.into()))?
        .ok_or_else(|| not_found("ProductCollection", id))?;
        let mut events = Events::new();
        events.push_one(
            EventEntity::ProductCollection,
            Action::Updated,
            &collection.id,
        );
        self.emit(events).await;
        Ok(collection)
    }

    /// Soft-delete collections. Products keep their `collection_id`; Query
    /// no longer returns the deleted collection. Unknown ids are ignored.
    pub async fn soft_delete_collections(&self, ids: &[String]) -> Result<()> {
        soft_delete_rows!(
            self,
            product_collection,
            EventEntity::ProductCollection,
            ids
        )
    }

    /// Undo [`ProductModule::soft_delete_collections`].
    pub async fn restore_collections(&self, ids: &[String]) -> Result<()> {
        restore_rows!(
            self,
            product_collection,
            EventEntity::ProductCollection,
            ids
        )
    }

    /// `POST /admin/collections/:id/products {add, remove}`: set
    /// `collection_id` on the added products (moving them from any other
    /// collection) and clear it on removed products that are in this
    /// collection. Emits `product.product.updated` per changed product.
    pub async fn update_collection_products(
        &self,
        collection_id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<()> {
        if let Some(id) = add.iter().find(|id| remove.contains(id)) {
            return Err(Error::invalid_data(format!(
                "Product {id} cannot be both added to and removed from the collection"
            )));
        }
        let now = time::now();
        let collection_id = collection_id.to_string();
        let add = add.to_vec();
        let remove = remove.to_vec();
        let mut conn = self.conn().await?;
        let changed = conn
            .transaction(async move |c| {
                let exists: Option<String> = product_collection::table
                    .find(&collection_id)
                    .filter(product_collection::deleted_at.is_null())
                    .select(product_collection::id)
                    .first(c)
                    .await
                    .optional()?;
                if exists.is_none() {
                    return Err(not_found("ProductCollection", &collection_id));
                }
                let mut changed: Vec<String> = Vec::new();
                if !add.is_empty() {
                    let added: Vec<String> = diesel::update(
                        product::table
                            .filter(product::id.eq_any(&add))
                            .filter(product::deleted_at.is_null()),
                    )
                    .set((
                        product::collection_id.eq(&collection_id),
                        product::updated_at.eq(now),
                    ))
                    .returning(product::id)
                    .get_results(c)
                    .await?;
                    ensure_found("Product", &add, &added)?;
                    changed.extend(added);
                }
                if !remove.is_empty() {
                    let removed: Vec<String> = diesel::update(
                        product::table
                            .filter(product::id.eq_any(&remove))
                            .filter(product::collection_id.eq(&collection_id))
                            .filter(product::deleted_at.is_null()),
                    )
                    .set((
                        product::collection_id.eq(None::<String>),
                        product::updated_at.eq(now),
                    ))
                    .returning(product::id)
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
