//! Entities that are a unique `value` with an `external_id` and `metadata`
//! (tags and types): [`value_entity!`] writes their filter and input types
//! and their service methods, so both tables share one implementation.

/// Write, for a value entity stored in `schema::$table` as
/// `models::$model`: the `$filter`, `$create_input` and `$update_input`
/// types and the `$list`, `$retrieve`, `$create`, `$update`, `$soft_delete`
/// and `$restore` methods of [`ProductModule`](crate::ProductModule).
///
/// New rows get ids with `models::prefix::$prefix`, events are emitted for
/// `EventEntity::$event`, a missing row is "`$entity` with id: x was not
/// found". `$one`/`$many` name the entity in the docs, `$route` is its admin
/// route and `$soft_delete_note` says what happens to its products.
macro_rules! value_entity {
    (
        table: $table:ident,
        model: $model:ident,
        id_prefix: $prefix:ident,
        event: $event:ident,
        not_found: $entity:literal,
        route: $route:literal,
        words: ($one:literal, $many:literal),
        filter: $filter:ident,
        create_input: $create_input:ident,
        update_input: $update_input:ident,
        methods: {
            list: $list:ident,
            retrieve: $retrieve:ident,
            create: $create:ident,
            update: $update:ident,
            soft_delete: $soft_delete:ident,
            restore: $restore:ident $(,)?
        },
        soft_delete_note: $soft_delete_note:literal $(,)?
    ) => {
        use chrono::{DateTime, Utc};
        use diesel::pg::Pg;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        use serde::{Deserialize, Serialize};
        use serde_json::Value;
        use stheno_module_sdk::id::generate_id;
        use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
        use stheno_module_sdk::{Result, time};

        use $crate::events::{Action, EventEntity, Events};
        use $crate::models::{$model, prefix};
        use $crate::schema::$table;
        use $crate::service::{
            ProductModule, apply_order, contains_pattern, filter_dates, not_found, refine,
            restore_rows, retrieve_live, soft_delete_rows, stamp,
        };

        #[doc = concat!("Filters of [`ProductModule::", stringify!($list), "`].")]
        #[derive(Debug, Clone, Default, Deserialize)]
        #[serde(default)]
        pub struct $filter {
            /// Case-insensitive substring of `value`.
            pub q: Option<String>,
            pub id: Option<OneOrMany>,
            pub value: Option<OneOrMany>,
            pub external_id: Option<OneOrMany>,
            pub created_at: Option<DateFilter>,
            pub updated_at: Option<DateFilter>,
            #[doc = concat!("Filtering on `deleted_at` includes soft-deleted ", $many, ".")]
            pub deleted_at: Option<DateFilter>,
            pub with_deleted: bool,
        }

        #[doc = concat!("`POST /admin/", $route, "`.")]
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $create_input {
            pub value: String,
            pub external_id: Option<String>,
            pub metadata: Option<Value>,
        }

        impl $create_input {
            pub fn new(value: impl Into<String>) -> Self {
                Self {
                    value: value.into(),
                    external_id: None,
                    metadata: None,
                }
            }
        }

        #[doc = concat!("`POST /admin/", $route, "/:id`.")]
        #[derive(Debug, Clone, Default, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $update_input {
            pub value: Option<String>,
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
        #[diesel(table_name = $table)]
        struct NewRow {
            id: String,
            value: String,
            external_id: Option<String>,
            metadata: Option<Value>,
            created_at: DateTime<Utc>,
            updated_at: DateTime<Utc>,
        }

        #[derive(AsChangeset)]
        #[diesel(table_name = $table)]
        struct RowChanges {
            value: Option<String>,
            external_id: Option<Option<String>>,
            metadata: Option<Option<Value>>,
            updated_at: DateTime<Utc>,
        }

        fn filtered(f: &$filter) -> $table::BoxedQuery<'_, Pg> {
            let mut query = $table::table.into_boxed();
            if !f.with_deleted && f.deleted_at.is_none() {
                query = query.filter($table::deleted_at.is_null());
            }
            if let Some(q) = &f.q {
                query = query.filter($table::value.ilike(contains_pattern(q)));
            }
            if let Some(ids) = &f.id {
                query = query.filter($table::id.eq_any(ids.as_slice()));
            }
            if let Some(values) = &f.value {
                query = query.filter($table::value.eq_any(values.as_slice()));
            }
            if let Some(ids) = &f.external_id {
                query = query.filter($table::external_id.eq_any(ids.as_slice()));
            }
            filter_dates!(query, $table::created_at, &f.created_at);
            filter_dates!(query, $table::updated_at, &f.updated_at);
            filter_dates!(query, $table::deleted_at, &f.deleted_at);
            query
        }

        impl ProductModule {
            #[doc = concat!(
                "A page of ", $many, " and the total count. Default order: `created_at`\n",
                "ascending. Order fields: `id`, `value`, `external_id`, `created_at`,\n",
                "`updated_at`, `deleted_at`."
            )]
            pub async fn $list(
                &self,
                filter: &$filter,
                page: Page,
                order: &[OrderBy],
            ) -> Result<(Vec<$model>, i64)> {
                let rows = apply_order!(filtered(filter), order,
                    default: $table::created_at.asc(), tiebreak: $table::id.asc(), {
                    "id" => $table::id,
                    "value" => $table::value,
                    "external_id" => $table::external_id,
                    "created_at" => $table::created_at,
                    "updated_at" => $table::updated_at,
                    "deleted_at" => $table::deleted_at,
                })
                .select($model::as_select())
                .offset(page.offset)
                .limit(page.limit);
                let mut conn = self.conn().await?;
                let count = filtered(filter).count().get_result(&mut conn).await?;
                let rows = rows.load(&mut conn).await?;
                Ok((rows, count))
            }

            #[doc = concat!("One ", $one, "; `not_found` if it does not exist or was deleted.")]
            pub async fn $retrieve(&self, id: &str) -> Result<$model> {
                retrieve_live!(self, $table, $model, $entity, id)
            }

            #[doc = concat!(
                "Create ", $many, " (one statement). A taken `value` is a `duplicate_error`."
            )]
            pub async fn $create(&self, input: Vec<$create_input>) -> Result<Vec<$model>> {
                let now = time::now();
                let rows: Vec<NewRow> = input
                    .into_iter()
                    .enumerate()
                    .map(|(i, row)| NewRow {
                        id: generate_id(prefix::$prefix),
                        value: row.value,
                        external_id: row.external_id,
                        metadata: row.metadata,
                        created_at: stamp(now, i),
                        updated_at: stamp(now, i),
                    })
                    .collect();
                if rows.is_empty() {
                    return Ok(Vec::new());
                }
                let mut conn = self.conn().await?;
                let created: Vec<$model> = diesel::insert_into($table::table)
                    .values(&rows)
                    .returning($model::as_returning())
                    .get_results(&mut conn)
                    .await
                    .map_err(|e| refine(e.into()))?;
                let mut events = Events::new();
                events.push(
                    EventEntity::$event,
                    Action::Created,
                    created.iter().map(|row| row.id.as_str()),
                );
                self.emit(events).await;
                Ok(created)
            }

            #[doc = concat!("Update a ", $one, "'s value, external id or metadata.")]
            pub async fn $update(&self, id: &str, input: $update_input) -> Result<$model> {
                let changes = RowChanges {
                    value: input.value,
                    external_id: input.external_id,
                    metadata: input.metadata,
                    updated_at: time::now(),
                };
                let mut conn = self.conn().await?;
                let updated = diesel::update(
                    $table::table
                        .find(id)
                        .filter($table::deleted_at.is_null()),
                )
                .set(&changes)
                .returning($model::as_returning())
                .get_result(&mut conn)
                .await
                .optional()
                .map_err(|e| refine(e.into()))?
                .ok_or_else(|| not_found($entity, id))?;
                let mut events = Events::new();
                events.push_one(EventEntity::$event, Action::Updated, &updated.id);
                self.emit(events).await;
                Ok(updated)
            }

            #[doc = concat!(
                "Soft-delete ", $many, ". ", $soft_delete_note, " Unknown ids are ignored."
            )]
            pub async fn $soft_delete(&self, ids: &[String]) -> Result<()> {
                soft_delete_rows!(self, $table, EventEntity::$event, ids)
            }

            #[doc = concat!("Undo [`ProductModule::", stringify!($soft_delete), "`].")]
            pub async fn $restore(&self, ids: &[String]) -> Result<()> {
                restore_rows!(self, $table, EventEntity::$event, ids)
            }
        }
    };
}
pub(crate) use value_entity;
