//! Product options and their values. Since Medusa 2.16 options are global
//! entities linked to products (`product_product_option`); an option created
//! inline with a product is *exclusive* to it and goes away when unlinked.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::{Condition, EntityFilter, FieldFilter, ListConfig};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::{Error, Result, time};

use super::{Conn, ProductModule, ensure_found, not_found, refine, stamp};
use crate::events::{Action, EventEntity, Events};
use crate::models::{ProductOption, ProductOptionFilter, ProductOptionValue, prefix};
use crate::schema::{
    product, product_option, product_option_value, product_product_option,
    product_product_option_value,
};

/// `POST /admin/product-options`: a global option (`is_exclusive` defaults
/// to `false`). Values are ranked in array order unless `ranks` says
/// otherwise.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOptionInput {
    pub title: String,
    pub values: Vec<String>,
    /// Explicit rank per value.
    pub ranks: Option<BTreeMap<String, i32>>,
    pub is_exclusive: Option<bool>,
    pub metadata: Option<Value>,
}

impl CreateOptionInput {
    pub fn new<V: Into<String>>(
        title: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        Self {
            title: title.into(),
            values: values.into_iter().map(Into::into).collect(),
            ranks: None,
            is_exclusive: None,
            metadata: None,
        }
    }
}

/// `POST /admin/product-options/:id`. `values` replaces the value list:
/// values kept by text keep their id, new ones are created, missing ones
/// are soft-deleted.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOptionInput {
    pub title: Option<String>,
    pub values: Option<Vec<String>>,
    pub ranks: Option<BTreeMap<String, i32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Value>>,
}

/// `POST /admin/product-options/:id/values/:value_id`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOptionValueInput {
    pub value: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub rank: Option<Option<i32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Value>>,
}

#[derive(Insertable)]
#[diesel(table_name = product_option)]
struct NewOption {
    id: String,
    title: String,
    is_exclusive: bool,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = product_option_value)]
struct NewOptionValue {
    id: String,
    value: String,
    rank: Option<i32>,
    option_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = product_product_option)]
struct NewProductOption {
    id: String,
    product_id: String,
    product_option_id: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = product_product_option_value)]
struct NewProductOptionValue {
    id: String,
    product_product_option_id: String,
    product_option_value_id: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product_option)]
struct OptionChanges {
    title: Option<String>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product_option_value)]
struct OptionValueChanges {
    value: Option<String>,
    rank: Option<Option<i32>>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

/// An option to create, with its values in order.
pub(crate) struct OptionSpec {
    pub title: String,
    pub values: Vec<String>,
    pub ranks: BTreeMap<String, i32>,
    pub is_exclusive: bool,
    pub metadata: Option<Value>,
}

/// Create options with their values (two statements for the whole batch).
/// Returns the options in `specs` order.
pub(crate) async fn insert_options(
    c: &mut Conn,
    specs: Vec<OptionSpec>,
    events: &mut Events,
) -> Result<Vec<ProductOption>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let now = time::now();
    let mut options = Vec::with_capacity(specs.len());
    let mut values = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let id = generate_id(prefix::OPTION);
        for (index, value) in spec.values.into_iter().enumerate() {
            let rank = spec.ranks.get(&value).copied().unwrap_or(index as i32);
            values.push(NewOptionValue {
                id: generate_id(prefix::OPTION_VALUE),
                value,
                rank: Some(rank),
                option_id: Some(id.clone()),
                created_at: now,
                updated_at: now,
            });
        }
        options.push(NewOption {
            id,
            title: spec.title,
            is_exclusive: spec.is_exclusive,
            metadata: spec.metadata,
            created_at: stamp(now, i),
            updated_at: stamp(now, i),
        });
    }
    let mut created: Vec<ProductOption> = diesel::insert_into(product_option::table)
        .values(&options)
        .returning(ProductOption::as_returning())
        .get_results(c)
        .await?;
    if !values.is_empty() {
        diesel::insert_into(product_option_value::table)
            .values(&values)
            .execute(c)
            .await?;
    }
    created.sort_by_key(|o| options.iter().position(|n| n.id == o.id));
    events.push(
        EventEntity::ProductOption,
        Action::Created,
        created.iter().map(|o| o.id.as_str()),
    );
    events.push(
        EventEntity::ProductOptionValue,
        Action::Created,
        values.iter().map(|v| v.id.as_str()),
    );
    Ok(created)
}

/// A link to make: product, option, and optionally the subset of the
/// option's values the product uses.
#[derive(Clone)]
pub(crate) struct LinkSpec {
    pub product_id: String,
    pub option_id: String,
    pub value_ids: Option<Vec<String>>,
}

/// Insert `product_product_option` (and value-subset) rows, without checks.
pub(crate) async fn insert_links(c: &mut Conn, links: Vec<LinkSpec>) -> Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    let now = time::now();
    let mut rows = Vec::with_capacity(links.len());
    let mut value_rows = Vec::new();
    for (i, link) in links.into_iter().enumerate() {
        let id = generate_id(prefix::PRODUCT_OPTION);
        for value_id in link.value_ids.into_iter().flatten() {
            value_rows.push(NewProductOptionValue {
                id: generate_id(prefix::PRODUCT_OPTION_VALUE),
                product_product_option_id: id.clone(),
                product_option_value_id: value_id,
                created_at: now,
                updated_at: now,
            });
        }
        // Links are listed in creation order: keep the input order.
        rows.push(NewProductOption {
            id,
            product_id: link.product_id,
            product_option_id: link.option_id,
            created_at: stamp(now, i),
            updated_at: stamp(now, i),
        });
    }
    diesel::insert_into(product_product_option::table)
        .values(&rows)
        .execute(c)
        .await?;
    if !value_rows.is_empty() {
        diesel::insert_into(product_product_option_value::table)
            .values(&value_rows)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Link existing options to products after [`check_links`].
pub(crate) async fn link_existing(c: &mut Conn, links: Vec<LinkSpec>) -> Result<()> {
    check_links(c, &links).await?;
    insert_links(c, links).await
}

/// Check links to existing options: the options exist, an exclusive option
/// is not used by another product, no link exists yet, and value subsets
/// belong to their option.
pub(crate) async fn check_links(c: &mut Conn, links: &[LinkSpec]) -> Result<()> {
    if links.is_empty() {
        return Ok(());
    }
    let option_ids = crate::input::dedup(links.iter().map(|l| l.option_id.clone()));
    let options: Vec<(String, bool)> = product_option::table
        .filter(product_option::id.eq_any(&option_ids))
        .filter(product_option::deleted_at.is_null())
        .select((product_option::id, product_option::is_exclusive))
        .load(c)
        .await?;
    let found: Vec<String> = options.iter().map(|(id, _)| id.clone()).collect();
    ensure_found("ProductOption", &option_ids, &found)?;

    let existing: Vec<(String, String)> = product_product_option::table
        .filter(product_product_option::product_option_id.eq_any(&option_ids))
        .filter(product_product_option::deleted_at.is_null())
        .select((
            product_product_option::product_id,
            product_product_option::product_option_id,
        ))
        .load(c)
        .await?;
    for link in links {
        if existing
            .iter()
            .any(|(p, o)| *p == link.product_id && *o == link.option_id)
        {
            return Err(Error::invalid_data(format!(
                "Option {} is already linked to product {}",
                link.option_id, link.product_id
            )));
        }
        let exclusive = options
            .iter()
            .any(|(id, exclusive)| *id == link.option_id && *exclusive);
        let used_elsewhere = existing
            .iter()
            .any(|(p, o)| *o == link.option_id && *p != link.product_id);
        if exclusive && used_elsewhere {
            return Err(Error::not_allowed(format!(
                "Option {} is exclusive to another product",
                link.option_id
            )));
        }
    }

    let wanted_values: Vec<String> = links
        .iter()
        .flat_map(|l| l.value_ids.iter().flatten().cloned())
        .collect();
    if !wanted_values.is_empty() {
        let values: Vec<(String, Option<String>)> = product_option_value::table
            .filter(product_option_value::id.eq_any(&wanted_values))
            .filter(product_option_value::deleted_at.is_null())
            .select((product_option_value::id, product_option_value::option_id))
            .load(c)
            .await?;
        for link in links {
            for value_id in link.value_ids.iter().flatten() {
                let belongs = values.iter().any(|(id, option)| {
                    id == value_id && option.as_deref() == Some(&link.option_id)
                });
                if !belongs {
                    return Err(Error::invalid_data(format!(
                        "Option value {value_id} does not belong to option {}",
                        link.option_id
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Unlink options from a product. Exclusive options left without any
/// product are soft-deleted with their values.
pub(crate) async fn unlink(
    c: &mut Conn,
    product_id: &str,
    option_ids: &[String],
    events: &mut Events,
) -> Result<()> {
    if option_ids.is_empty() {
        return Ok(());
    }
    diesel::delete(
        product_product_option::table
            .filter(product_product_option::product_id.eq(product_id))
            .filter(product_product_option::product_option_id.eq_any(option_ids)),
    )
    .execute(c)
    .await?;
    let still_linked = product_product_option::table
        .filter(product_product_option::deleted_at.is_null())
        .select(product_product_option::product_option_id);
    let orphans: Vec<String> = product_option::table
        .filter(product_option::id.eq_any(option_ids))
        .filter(product_option::is_exclusive.eq(true))
        .filter(product_option::deleted_at.is_null())
        .filter(product_option::id.ne_all(still_linked))
        .select(product_option::id)
        .load(c)
        .await?;
    soft_delete_with_values(c, &orphans, events).await
}

/// Soft-delete options and their values.
async fn soft_delete_with_values(c: &mut Conn, ids: &[String], events: &mut Events) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let now = time::now();
    let options: Vec<String> = diesel::update(
        product_option::table
            .filter(product_option::id.eq_any(ids))
            .filter(product_option::deleted_at.is_null()),
    )
    .set((
        product_option::deleted_at.eq(now),
        product_option::updated_at.eq(now),
    ))
    .returning(product_option::id)
    .get_results(c)
    .await?;
    let values: Vec<String> = diesel::update(
        product_option_value::table
            .filter(product_option_value::option_id.eq_any(ids))
            .filter(product_option_value::deleted_at.is_null()),
    )
    .set((
        product_option_value::deleted_at.eq(now),
        product_option_value::updated_at.eq(now),
    ))
    .returning(product_option_value::id)
    .get_results(c)
    .await?;
    events.push_ids(EventEntity::ProductOption, Action::Deleted, &options);
    events.push_ids(EventEntity::ProductOptionValue, Action::Deleted, &values);
    Ok(())
}

/// Options linked to a product, by title, with the values the product may
/// use (by text → value id).
pub(crate) type OptionMap = HashMap<String, (String, HashMap<String, String>)>;

/// The [`OptionMap`] of each product in `product_ids` (two queries).
pub(crate) async fn load_option_maps(
    c: &mut Conn,
    product_ids: &[String],
) -> Result<HashMap<String, OptionMap>> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(String, String, String, String, String, String)> = product_product_option::table
        .inner_join(product_option::table)
        .inner_join(
            product_option_value::table
                .on(product_option_value::option_id.eq(product_option::id.nullable())),
        )
        .filter(product_product_option::product_id.eq_any(product_ids))
        .filter(product_product_option::deleted_at.is_null())
        .filter(product_option::deleted_at.is_null())
        .filter(product_option_value::deleted_at.is_null())
        .select((
            product_product_option::product_id,
            product_product_option::id,
            product_option::id,
            product_option::title,
            product_option_value::id,
            product_option_value::value,
        ))
        .load(c)
        .await?;
    let link_ids: Vec<String> = crate::input::dedup(rows.iter().map(|r| r.1.clone()));
    let subsets: Vec<(String, String)> = product_product_option_value::table
        .filter(product_product_option_value::product_product_option_id.eq_any(&link_ids))
        .filter(product_product_option_value::deleted_at.is_null())
        .select((
            product_product_option_value::product_product_option_id,
            product_product_option_value::product_option_value_id,
        ))
        .load(c)
        .await?;
    let mut maps: HashMap<String, OptionMap> = HashMap::new();
    for (product_id, link_id, option_id, title, value_id, value) in rows {
        let restricted = subsets.iter().any(|(l, _)| *l == link_id);
        if restricted && !subsets.iter().any(|(l, v)| *l == link_id && *v == value_id) {
            continue;
        }
        maps.entry(product_id)
            .or_default()
            .entry(title)
            .or_insert_with(|| (option_id, HashMap::new()))
            .1
            .insert(value, value_id);
    }
    Ok(maps)
}

impl ProductModule {
    /// The options matching `filter` that are linked to any of
    /// `product_ids` (`product_id` filter of the options list). A domain
    /// method: the link is the `product_product_option` pivot, which is not
    /// a declared relation (`Product` is not a generated entity), so no
    /// generated relation filter covers it.
    pub async fn list_options_of_products(
        &self,
        product_ids: &[String],
        filter: &ProductOptionFilter,
        config: &ListConfig,
    ) -> Result<(Vec<ProductOption>, i64)> {
        let mut conn = self.conn().await?;
        let linked: Vec<String> = product_product_option::table
            .filter(product_product_option::product_id.eq_any(product_ids))
            .filter(product_product_option::deleted_at.is_null())
            .select(product_product_option::product_option_id)
            .distinct()
            .load(&mut conn)
            .await?;
        drop(conn);
        let condition = Condition::All(vec![
            filter.condition(),
            FieldFilter::any(linked).condition("id"),
        ]);
        self.options.list_and_count_where(&condition, config).await
    }

    /// Create options with their values in one transaction. A global
    /// (non-exclusive) option title already in use is a `duplicate_error`.
    pub async fn create_options(
        &self,
        input: Vec<CreateOptionInput>,
    ) -> Result<Vec<ProductOption>> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let specs: Vec<OptionSpec> = input
            .into_iter()
            .map(|o| OptionSpec {
                title: o.title,
                values: o.values,
                ranks: o.ranks.unwrap_or_default(),
                is_exclusive: o.is_exclusive.unwrap_or(false),
                metadata: o.metadata,
            })
            .collect();
        let mut conn = self.conn().await?;
        let (created, events) = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                let created = insert_options(c, specs, &mut events).await?;
                Ok::<_, Error>((created, events))
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(created)
    }

    /// Update an option's title, metadata and values (see
    /// [`UpdateOptionInput`]).
    pub async fn update_option(&self, id: &str, input: UpdateOptionInput) -> Result<ProductOption> {
        let id = id.to_string();
        let now = time::now();
        let mut conn = self.conn().await?;
        let (option, events) = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                let changes = OptionChanges {
                    title: input.title,
                    metadata: input.metadata,
                    updated_at: now,
                };
                let option: ProductOption = diesel::update(
                    product_option::table
                        .find(&id)
                        .filter(product_option::deleted_at.is_null()),
                )
                .set(&changes)
                .returning(ProductOption::as_returning())
                .get_result(c)
                .await
                .optional()?
                .ok_or_else(|| not_found("ProductOption", &id))?;
                events.push_one(EventEntity::ProductOption, Action::Updated, &option.id);
                let ranks = input.ranks.unwrap_or_default();
                if input.values.is_some() || !ranks.is_empty() {
                    replace_values(c, &option.id, input.values, &ranks, &mut events).await?;
                }
                Ok::<_, Error>((option, events))
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(option)
    }

    /// Delete options for good: their values, product links and variant
    /// value rows go with them.
    pub async fn delete_options(&self, ids: &[String]) -> Result<()> {
        let ids = ids.to_vec();
        let mut conn = self.conn().await?;
        let events = conn
            .transaction(async move |c| {
                diesel::delete(
                    product_product_option::table
                        .filter(product_product_option::product_option_id.eq_any(&ids)),
                )
                .execute(c)
                .await?;
                let values: Vec<String> = diesel::delete(
                    product_option_value::table
                        .filter(product_option_value::option_id.eq_any(&ids)),
                )
                .returning(product_option_value::id)
                .get_results(c)
                .await?;
                let options: Vec<String> =
                    diesel::delete(product_option::table.filter(product_option::id.eq_any(&ids)))
                        .returning(product_option::id)
                        .get_results(c)
                        .await?;
                let mut events = Events::new();
                events.push_ids(EventEntity::ProductOption, Action::Deleted, &options);
                events.push_ids(EventEntity::ProductOptionValue, Action::Deleted, &values);
                Ok::<_, Error>(events)
            })
            .await?;
        self.emit(events).await;
        Ok(())
    }

    /// Link options to a product and unlink others
    /// (`POST /admin/products/:id/options/batch`). Linking fails for an
    /// option already linked to the product or exclusive to another one;
    /// exclusive options left without a product are soft-deleted. Emits
    /// `product.product.updated`.
    pub async fn link_product_options(
        &self,
        product_id: &str,
        add: &[String],
        remove: &[String],
    ) -> Result<()> {
        let product_id = product_id.to_string();
        let add = crate::input::dedup(add.iter().cloned());
        let remove = remove.to_vec();
        let mut conn = self.conn().await?;
        let events = conn
            .transaction(async move |c| {
                ensure_product(c, &product_id).await?;
                let mut events = Events::new();
                unlink(c, &product_id, &remove, &mut events).await?;
                let links = add
                    .into_iter()
                    .map(|option_id| LinkSpec {
                        product_id: product_id.clone(),
                        option_id,
                        value_ids: None,
                    })
                    .collect();
                link_existing(c, links).await?;
                events.push_one(EventEntity::Product, Action::Updated, &product_id);
                Ok::<_, Error>(events)
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(())
    }

    /// Update one option value.
    pub async fn update_option_value(
        &self,
        id: &str,
        input: UpdateOptionValueInput,
    ) -> Result<ProductOptionValue> {
        let changes = OptionValueChanges {
            value: input.value,
            rank: input.rank,
            metadata: input.metadata,
            updated_at: time::now(),
        };
        let mut conn = self.conn().await?;
        let value = diesel::update(
            product_option_value::table
                .find(id)
                .filter(product_option_value::deleted_at.is_null()),
        )
        .set(&changes)
        .returning(ProductOptionValue::as_returning())
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| refine(e.into()))?
        .ok_or_else(|| not_found("ProductOptionValue", id))?;
        let mut events = Events::new();
        events.push_one(EventEntity::ProductOptionValue, Action::Updated, &value.id);
        self.emit(events).await;
        Ok(value)
    }
}

/// Make the option's live values equal `values` (when given) and apply
/// `ranks`: existing values keep their ids, new ones are created, missing
/// ones soft-deleted.
async fn replace_values(
    c: &mut Conn,
    option_id: &str,
    values: Option<Vec<String>>,
    ranks: &BTreeMap<String, i32>,
    events: &mut Events,
) -> Result<()> {
    let now = time::now();
    let current: Vec<ProductOptionValue> = product_option_value::table
        .filter(product_option_value::option_id.eq(option_id))
        .filter(product_option_value::deleted_at.is_null())
        .select(ProductOptionValue::as_select())
        .load(c)
        .await?;
    let wanted: Vec<String> = match values {
        Some(values) => crate::input::dedup(values),
        None => {
            let mut sorted = current.clone();
            sorted.sort_by_key(|v| v.rank);
            sorted.into_iter().map(|v| v.value).collect()
        }
    };
    let removed: Vec<String> = current
        .iter()
        .filter(|v| !wanted.contains(&v.value))
        .map(|v| v.id.clone())
        .collect();
    if !removed.is_empty() {
        diesel::update(
            product_option_value::table.filter(product_option_value::id.eq_any(&removed)),
        )
        .set((
            product_option_value::deleted_at.eq(now),
            product_option_value::updated_at.eq(now),
        ))
        .execute(c)
        .await?;
        events.push_ids(EventEntity::ProductOptionValue, Action::Deleted, &removed);
    }
    let mut new_rows = Vec::new();
    for (index, value) in wanted.into_iter().enumerate() {
        let rank = ranks.get(&value).copied().unwrap_or(index as i32);
        match current.iter().find(|v| v.value == value) {
            Some(existing) if existing.rank == Some(rank) => {}
            Some(existing) => {
                diesel::update(product_option_value::table.find(&existing.id))
                    .set((
                        product_option_value::rank.eq(rank),
                        product_option_value::updated_at.eq(now),
                    ))
                    .execute(c)
                    .await?;
                events.push_one(
                    EventEntity::ProductOptionValue,
                    Action::Updated,
                    &existing.id,
                );
            }
            None => new_rows.push(NewOptionValue {
                id: generate_id(prefix::OPTION_VALUE),
                value,
                rank: Some(rank),
                option_id: Some(option_id.to_string()),
                created_at: now,
                updated_at: now,
            }),
        }
    }
    if !new_rows.is_empty() {
        diesel::insert_into(product_option_value::table)
            .values(&new_rows)
            .execute(c)
            .await?;
        events.push(
            EventEntity::ProductOptionValue,
            Action::Created,
            new_rows.iter().map(|r| r.id.as_str()),
        );
    }
    Ok(())
}

/// `not_found` unless the product exists and is not deleted.
pub(crate) async fn ensure_product(c: &mut Conn, product_id: &str) -> Result<()> {
    let exists: Option<String> = product::table
        .find(product_id)
        .filter(product::deleted_at.is_null())
        .select(product::id)
        .first(c)
        .await
        .optional()?;
    match exists {
        Some(_) => Ok(()),
        None => Err(not_found("Product", product_id)),
    }
}
