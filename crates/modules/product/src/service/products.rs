//! Products: the list with Medusa's product filters, and the domain
//! writes — create (with nested options, variants, images, tags and
//! categories), update (images/tags/categories replace, variants upsert)
//! and delete (with the exclusive options only the products used).
//! Retrieve, soft delete and restore are the generated service's
//! ([`ProductModule::products`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::{Bind, Condition, EntityFilter, EntityService, ListConfig, Op};
use stheno_module_sdk::id::{generate_id, id_or_generate};
use stheno_module_sdk::list::{OneOrMany, contains_pattern, escape_like};
use stheno_module_sdk::{Error, Result, time};

use super::options::{
    LinkSpec, OptionSpec, check_links, insert_links, insert_options, link_existing,
    load_option_maps, unlink,
};
use super::variants::{
    UpsertVariantInput, VariantSpec, check_combinations, insert_variants, load_combinations,
    resolve_options, update_variants,
};
use super::{Conn, CreateVariantInput, ProductModule, not_found, refine, stamp, to_handle};
use crate::events::{Action, EventEntity, Events};
use crate::input::{IdRef, dedup};
use crate::models::{
    Product, ProductCategory, ProductCollection, ProductFilter, ProductImage, ProductStatus,
    ProductTag, ProductType, prefix,
};
use crate::schema::{image, product, product_option, product_product_option, product_variant};

/// Title and value of the option Medusa creates for products that are
/// given variants but no options.
pub const DEFAULT_OPTION_TITLE: &str = "Default option";
pub const DEFAULT_OPTION_VALUE: &str = "Default option value";

/// Filters of [`ProductModule::list_products`]: the generated column and
/// relation filters (`columns`: `id`, `handle`, `status`, `collection_id`,
/// `created_at[$gte]`, `tags` and `options` by id, `$and`/`$or`, …) and the
/// product filters Medusa adds that no column says.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ProductListFilter {
    /// Case-insensitive substring of `title`, `subtitle`, `description`,
    /// `handle`, or of a live variant's `sku`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(flatten)]
    pub columns: ProductFilter,
    /// Products in these categories or any of their descendants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category_id: Option<OneOrMany>,
    /// Products with a live variant having one of these option values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_value_id: Option<OneOrMany>,
}

impl EntityFilter for ProductListFilter {
    fn condition(&self) -> Condition {
        let text = |s: String| Bind::Text(s);
        let mut all = vec![self.columns.condition()];
        if let Some(q) = &self.q {
            all.push(Condition::Any(vec![
                Condition::Search(q.clone()),
                Condition::Related {
                    relation: "variants",
                    condition: Box::new(Condition::Compare {
                        column: "sku",
                        op: Op::Ilike,
                        value: text(contains_pattern(q)),
                    }),
                },
            ]));
        }
        if let Some(categories) = &self.category_id {
            // `mpath` lists a category's ancestors and itself, so these
            // match the categories and every descendant.
            let mut any = vec![Condition::In {
                column: "id",
                values: categories.0.iter().cloned().map(text).collect(),
                negated: false,
            }];
            for id in &categories.0 {
                let id = escape_like(id);
                for pattern in [format!("{id}.%"), format!("%.{id}.%")] {
                    any.push(Condition::Compare {
                        column: "mpath",
                        op: Op::Like,
                        value: text(pattern),
                    });
                }
            }
            all.push(Condition::Related {
                relation: "categories",
                condition: Box::new(Condition::Any(any)),
            });
        }
        if let Some(values) = &self.option_value_id {
            all.push(Condition::Related {
                relation: "variants",
                condition: Box::new(Condition::Related {
                    relation: "options",
                    condition: Box::new(Condition::In {
                        column: "id",
                        values: values.0.iter().cloned().map(text).collect(),
                        negated: false,
                    }),
                }),
            });
        }
        Condition::All(all)
    }
}

/// An image in a product create or update: `rank` defaults to the array
/// index. On update, `id` keeps an existing image.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageInput {
    pub id: Option<String>,
    pub url: String,
    pub rank: Option<i32>,
    pub metadata: Option<Value>,
}

impl ImageInput {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            id: None,
            url: url.into(),
            rank: None,
            metadata: None,
        }
    }
}

/// An option in a product create: either a new option (`title` and
/// `values`; exclusive to the product unless `is_exclusive: false`) or a
/// link to an existing one (`id`, optionally limited to `value_ids`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductOptionInput {
    pub id: Option<String>,
    pub value_ids: Option<Vec<String>>,
    pub title: Option<String>,
    pub values: Option<Vec<String>>,
    pub ranks: Option<BTreeMap<String, i32>>,
    pub is_exclusive: Option<bool>,
    pub metadata: Option<Value>,
}

impl ProductOptionInput {
    /// A new option with values in order.
    pub fn new<V: Into<String>>(
        title: impl Into<String>,
        values: impl IntoIterator<Item = V>,
    ) -> Self {
        Self {
            title: Some(title.into()),
            values: Some(values.into_iter().map(Into::into).collect()),
            ..Default::default()
        }
    }

    /// A link to an existing option.
    pub fn existing(id: impl Into<String>) -> Self {
        Self {
            id: Some(id.into()),
            ..Default::default()
        }
    }
}

/// `POST /admin/products`. Only `title` is required; `handle` defaults to
/// the kebab-cased title, `status` to draft, `thumbnail` to the first image.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductInput {
    pub title: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    pub handle: Option<String>,
    pub status: Option<ProductStatus>,
    pub is_giftcard: Option<bool>,
    pub discountable: Option<bool>,
    pub thumbnail: Option<String>,
    pub images: Option<Vec<ImageInput>>,
    pub external_id: Option<String>,
    pub type_id: Option<String>,
    pub collection_id: Option<String>,
    pub tags: Option<Vec<IdRef>>,
    pub categories: Option<Vec<IdRef>>,
    pub options: Option<Vec<ProductOptionInput>>,
    pub variants: Option<Vec<CreateVariantInput>>,
    pub weight: Option<f32>,
    pub length: Option<f32>,
    pub height: Option<f32>,
    pub width: Option<f32>,
    pub hs_code: Option<String>,
    pub mid_code: Option<String>,
    pub origin_country: Option<String>,
    pub material: Option<String>,
    pub metadata: Option<Value>,
    /// Not stored here: the workflow links sales channels.
    pub sales_channels: Option<Vec<IdRef>>,
    /// Not stored here: the workflow links the shipping profile.
    pub shipping_profile_id: Option<String>,
    /// Not stored here: free data for workflow hooks.
    pub additional_data: Option<Value>,
}

impl CreateProductInput {
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Default::default()
        }
    }
}

/// `POST /admin/products/:id`. Absent fields are left alone, `null` clears
/// a nullable field. `images`, `tags`, `categories` and `option_ids`
/// replace the current set; `variants` upserts (with `id`: update, without:
/// create, not listed: soft-deleted).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductInput {
    pub title: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub subtitle: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<Option<String>>,
    pub handle: Option<String>,
    pub status: Option<ProductStatus>,
    pub is_giftcard: Option<bool>,
    pub discountable: Option<bool>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub thumbnail: Option<Option<String>>,
    pub images: Option<Vec<ImageInput>>,
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
    pub type_id: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub collection_id: Option<Option<String>>,
    pub tags: Option<Vec<IdRef>>,
    pub categories: Option<Vec<IdRef>>,
    /// The options linked to the product (2.16+ replacement of `options`).
    pub option_ids: Option<Vec<String>>,
    /// Removed in Medusa 2.16: present → `invalid_data` with Medusa's message.
    pub options: Option<Value>,
    pub variants: Option<Vec<UpsertVariantInput>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub weight: Option<Option<f32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub length: Option<Option<f32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub height: Option<Option<f32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub width: Option<Option<f32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub hs_code: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub mid_code: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub origin_country: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub material: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Value>>,
    /// Not stored here: the workflow links sales channels.
    pub sales_channels: Option<Vec<IdRef>>,
    /// Not stored here: the workflow links the shipping profile.
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub shipping_profile_id: Option<Option<String>>,
    /// Not stored here: free data for workflow hooks.
    pub additional_data: Option<Value>,
}

#[derive(Insertable)]
#[diesel(table_name = product)]
struct NewProduct {
    id: String,
    title: String,
    handle: String,
    subtitle: Option<String>,
    description: Option<String>,
    is_giftcard: bool,
    status: ProductStatus,
    thumbnail: Option<String>,
    weight: Option<f32>,
    length: Option<f32>,
    height: Option<f32>,
    width: Option<f32>,
    origin_country: Option<String>,
    hs_code: Option<String>,
    mid_code: Option<String>,
    material: Option<String>,
    collection_id: Option<String>,
    type_id: Option<String>,
    discountable: bool,
    external_id: Option<String>,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product)]
struct ProductChanges {
    title: Option<String>,
    subtitle: Option<Option<String>>,
    description: Option<Option<String>>,
    handle: Option<String>,
    status: Option<ProductStatus>,
    is_giftcard: Option<bool>,
    discountable: Option<bool>,
    thumbnail: Option<Option<String>>,
    external_id: Option<Option<String>>,
    type_id: Option<Option<String>>,
    collection_id: Option<Option<String>>,
    weight: Option<Option<f32>>,
    length: Option<Option<f32>>,
    height: Option<Option<f32>>,
    width: Option<Option<f32>>,
    hs_code: Option<Option<String>>,
    mid_code: Option<Option<String>>,
    origin_country: Option<Option<String>>,
    material: Option<Option<String>>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = image)]
struct NewImage {
    id: String,
    url: String,
    rank: i32,
    product_id: String,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Check that referenced tags, categories, types and collections exist.
async fn check_references(
    c: &mut Conn,
    tags: Vec<String>,
    categories: Vec<String>,
    types: Vec<String>,
    collections: Vec<String>,
) -> Result<()> {
    EntityService::<ProductTag>::ensure_live_on(c, &tags).await?;
    EntityService::<ProductCategory>::ensure_live_on(c, &categories).await?;
    EntityService::<ProductType>::ensure_live_on(c, &types).await?;
    EntityService::<ProductCollection>::ensure_live_on(c, &collections).await
}

fn ids_of(refs: &Option<Vec<IdRef>>) -> Vec<String> {
    dedup(refs.iter().flatten().map(|r| r.id.clone()))
}

/// Replace the tag pivot rows of the products (when `tags` is given).
async fn set_tags(c: &mut Conn, rows: Vec<(String, Vec<String>)>, replace: bool) -> Result<()> {
    EntityService::<Product>::set_related_on(c, "tags", &rows, replace).await
}

/// Replace the category pivot rows of the products.
async fn set_categories(
    c: &mut Conn,
    rows: Vec<(String, Vec<String>)>,
    replace: bool,
) -> Result<()> {
    EntityService::<Product>::set_related_on(c, "categories", &rows, replace).await
}

/// Make the product's live images equal `images`: listed ids are kept
/// (and updated when changed), entries without id are created, the rest
/// soft-deleted.
async fn replace_images(
    c: &mut Conn,
    product_id: &str,
    images: Vec<ImageInput>,
    events: &mut Events,
) -> Result<()> {
    let now = time::now();
    let current: Vec<ProductImage> = image::table
        .filter(image::product_id.eq(product_id))
        .filter(image::deleted_at.is_null())
        .select(ProductImage::as_select())
        .load(c)
        .await?;
    let mut kept: Vec<&str> = Vec::new();
    let mut new_rows = Vec::new();
    for (index, input) in images.into_iter().enumerate() {
        let rank = input.rank.unwrap_or(index as i32);
        match input.id {
            Some(id) => {
                let existing = current
                    .iter()
                    .find(|img| img.id == id)
                    .ok_or_else(|| not_found("ProductImage", &id))?;
                kept.push(&existing.id);
                let metadata = input.metadata.or_else(|| existing.metadata.clone());
                if existing.url != input.url
                    || existing.rank != rank
                    || existing.metadata != metadata
                {
                    diesel::update(image::table.find(&existing.id))
                        .set((
                            image::url.eq(input.url),
                            image::rank.eq(rank),
                            image::metadata.eq(metadata),
                            image::updated_at.eq(now),
                        ))
                        .execute(c)
                        .await?;
                    events.push_one(EventEntity::ProductImage, Action::Updated, &existing.id);
                }
            }
            None => new_rows.push(NewImage {
                id: generate_id(prefix::IMAGE),
                url: input.url,
                rank,
                product_id: product_id.to_string(),
                metadata: input.metadata,
                created_at: now,
                updated_at: now,
            }),
        }
    }
    let removed: Vec<&str> = current
        .iter()
        .map(|img| img.id.as_str())
        .filter(|id| !kept.contains(id))
        .collect();
    if !removed.is_empty() {
        diesel::update(image::table.filter(image::id.eq_any(&removed)))
            .set((image::deleted_at.eq(now), image::updated_at.eq(now)))
            .execute(c)
            .await?;
        events.push(
            EventEntity::ProductImage,
            Action::Deleted,
            removed.iter().copied(),
        );
    }
    if !new_rows.is_empty() {
        diesel::insert_into(image::table)
            .values(&new_rows)
            .execute(c)
            .await?;
        events.push(
            EventEntity::ProductImage,
            Action::Created,
            new_rows.iter().map(|r| r.id.as_str()),
        );
    }
    Ok(())
}

/// What a product create does besides the product row.
struct Nested {
    product_id: String,
    options: Vec<ProductOptionInput>,
    variants: Vec<CreateVariantInput>,
    images: Vec<ImageInput>,
    tags: Vec<String>,
    categories: Vec<String>,
}

/// A product's option, in input order: the index of a new option to
/// create, or a link to an existing one.
enum PlannedOption {
    New { product_id: String, index: usize },
    Existing(LinkSpec),
}

/// Split a product's option inputs into new options (appended to `new`) and
/// links to existing ones, checking their shape.
fn plan_options(
    product_id: &str,
    options: Vec<ProductOptionInput>,
    new: &mut Vec<OptionSpec>,
    plan: &mut Vec<PlannedOption>,
) -> Result<()> {
    let mut titles: Vec<String> = Vec::new();
    for option in options {
        match (option.id, option.title, option.values) {
            (Some(id), None, None) => plan.push(PlannedOption::Existing(LinkSpec {
                product_id: product_id.to_string(),
                option_id: id,
                value_ids: option.value_ids,
            })),
            (None, Some(title), Some(values)) => {
                if titles.contains(&title) {
                    return Err(Error::invalid_data(format!(
                        "Option \"{title}\" is given more than once"
                    )));
                }
                titles.push(title.clone());
                plan.push(PlannedOption::New {
                    product_id: product_id.to_string(),
                    index: new.len(),
                });
                new.push(OptionSpec {
                    title,
                    values: dedup(values),
                    ranks: option.ranks.unwrap_or_default(),
                    is_exclusive: option.is_exclusive.unwrap_or(true),
                    metadata: option.metadata,
                });
            }
            _ => {
                return Err(Error::invalid_data(
                    "A product option needs either an `id` or a `title` with `values`",
                ));
            }
        }
    }
    Ok(())
}

impl ProductModule {
    /// A page of products and the total count: the generated list with
    /// [`ProductListFilter`]. Default order: `created_at` ascending
    /// (creation order, which is what Medusa's unordered query returns in
    /// practice); `id` breaks ties. Order fields: every column; anything
    /// else is `invalid_data` ("Order field x is not valid").
    pub async fn list_products(
        &self,
        filter: &ProductListFilter,
        config: &ListConfig,
    ) -> Result<(Vec<Product>, i64)> {
        self.products
            .list_and_count_where(&filter.condition(), config)
            .await
    }

    /// Create products with everything nested in them, in one transaction
    /// and a fixed number of statements whatever the batch size.
    ///
    /// - `options`: new options (exclusive to the product by default, values
    ///   ranked in array order) or links to existing ones. A product given
    ///   variants but no options gets Medusa's "Default option" with value
    ///   "Default option value", and option-less variants use it.
    /// - `variants`: `options` maps option titles to values; an unknown title
    ///   or value is `invalid_data`, as are two variants with the same values.
    /// - `images`: ranked by index; `thumbnail` defaults to the first url.
    /// - `tags`, `categories`, `type_id`, `collection_id` must exist
    ///   (`not_found`).
    /// - A handle already in use is a `duplicate_error`
    ///   ("Product with handle: x, already exists.").
    pub async fn create_products(&self, input: Vec<CreateProductInput>) -> Result<Vec<Product>> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn().await?;
        let (products, events) = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                let products = create_products_in(c, input, &mut events).await?;
                Ok::<_, Error>((products, events))
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(products)
    }

    /// Update a product (see [`UpdateProductInput`]) in one transaction.
    pub async fn update_product(&self, id: &str, input: UpdateProductInput) -> Result<Product> {
        if input.options.is_some() {
            return Err(Error::invalid_data(
                "Invalid request: The 'options' property was removed in version 2.16.0. \
                 Please remove it from your request payload.",
            ));
        }
        let id = id.to_string();
        let mut conn = self.conn().await?;
        let (product, events) = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                let product = update_product_in(c, &id, input, &mut events).await?;
                Ok::<_, Error>((product, events))
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(product)
    }

    /// Delete products for good, with their variants, images, pivots and
    /// the exclusive options only they used.
    pub async fn delete_products(&self, ids: &[String]) -> Result<()> {
        let ids = ids.to_vec();
        let mut conn = self.conn().await?;
        let events = conn
            .transaction(async move |c| {
                let exclusive: Vec<String> = product_product_option::table
                    .inner_join(product_option::table)
                    .filter(product_product_option::product_id.eq_any(&ids))
                    .filter(product_option::is_exclusive.eq(true))
                    .select(product_option::id)
                    .load(c)
                    .await?;
                diesel::delete(
                    product_product_option::table
                        .filter(product_product_option::product_id.eq_any(&ids)),
                )
                .execute(c)
                .await?;
                let variants: Vec<String> = diesel::delete(
                    product_variant::table.filter(product_variant::product_id.eq_any(&ids)),
                )
                .returning(product_variant::id)
                .get_results(c)
                .await?;
                let images: Vec<String> =
                    diesel::delete(image::table.filter(image::product_id.eq_any(&ids)))
                        .returning(image::id)
                        .get_results(c)
                        .await?;
                let products: Vec<String> =
                    diesel::delete(product::table.filter(product::id.eq_any(&ids)))
                        .returning(product::id)
                        .get_results(c)
                        .await?;
                let still_linked =
                    product_product_option::table.select(product_product_option::product_option_id);
                let options: Vec<String> = diesel::delete(
                    product_option::table
                        .filter(product_option::id.eq_any(&exclusive))
                        .filter(product_option::id.ne_all(still_linked)),
                )
                .returning(product_option::id)
                .get_results(c)
                .await?;
                let mut events = Events::new();
                events.push_ids(EventEntity::Product, Action::Deleted, &products);
                events.push_ids(EventEntity::ProductVariant, Action::Deleted, &variants);
                events.push_ids(EventEntity::ProductImage, Action::Deleted, &images);
                events.push_ids(EventEntity::ProductOption, Action::Deleted, &options);
                Ok::<_, Error>(events)
            })
            .await?;
        self.emit(events).await;
        Ok(())
    }
}

async fn create_products_in(
    c: &mut Conn,
    input: Vec<CreateProductInput>,
    events: &mut Events,
) -> Result<Vec<Product>> {
    let now = time::now();
    check_references(
        c,
        dedup(input.iter().flat_map(|p| ids_of(&p.tags))),
        dedup(input.iter().flat_map(|p| ids_of(&p.categories))),
        dedup(input.iter().filter_map(|p| p.type_id.clone())),
        dedup(input.iter().filter_map(|p| p.collection_id.clone())),
    )
    .await?;

    let mut rows = Vec::with_capacity(input.len());
    let mut nested = Vec::with_capacity(input.len());
    for (i, p) in input.into_iter().enumerate() {
        let id = generate_id(prefix::PRODUCT);
        let images = p.images.unwrap_or_default();
        let mut options = p.options.unwrap_or_default();
        let mut variants = p.variants.unwrap_or_default();
        if options.is_empty() && !variants.is_empty() {
            options.push(ProductOptionInput::new(
                DEFAULT_OPTION_TITLE,
                [DEFAULT_OPTION_VALUE],
            ));
            for variant in &mut variants {
                variant.options.get_or_insert_with(|| {
                    BTreeMap::from([(
                        DEFAULT_OPTION_TITLE.to_string(),
                        DEFAULT_OPTION_VALUE.to_string(),
                    )])
                });
            }
        }
        nested.push(Nested {
            product_id: id.clone(),
            options,
            variants,
            tags: ids_of(&p.tags),
            categories: ids_of(&p.categories),
            images: Vec::new(),
        });
        rows.push(NewProduct {
            handle: p.handle.unwrap_or_else(|| to_handle(&p.title)),
            thumbnail: p
                .thumbnail
                .or_else(|| images.as_slice().first().map(|img| img.url.clone())),
            id,
            title: p.title,
            subtitle: p.subtitle,
            description: p.description,
            is_giftcard: p.is_giftcard.unwrap_or(false),
            status: p.status.unwrap_or_default(),
            weight: p.weight,
            length: p.length,
            height: p.height,
            width: p.width,
            origin_country: p.origin_country,
            hs_code: p.hs_code,
            mid_code: p.mid_code,
            material: p.material,
            collection_id: p.collection_id,
            type_id: p.type_id,
            discountable: p.discountable.unwrap_or(true),
            external_id: p.external_id,
            metadata: p.metadata,
            created_at: stamp(now, i),
            updated_at: stamp(now, i),
        });
        if let Some(last) = nested.last_mut() {
            last.images = images;
        }
    }

    let mut products: Vec<Product> = diesel::insert_into(product::table)
        .values(&rows)
        .returning(Product::as_returning())
        .get_results(c)
        .await?;
    products.sort_by_key(|p| rows.iter().position(|r| r.id == p.id));
    events.push(
        EventEntity::Product,
        Action::Created,
        products.iter().map(|p| p.id.as_str()),
    );

    // Options: create the new ones, then link new and existing ones in the
    // order they were given.
    let mut specs = Vec::new();
    let mut plan = Vec::new();
    for n in &mut nested {
        plan_options(
            &n.product_id,
            std::mem::take(&mut n.options),
            &mut specs,
            &mut plan,
        )?;
    }
    let existing: Vec<LinkSpec> = plan
        .iter()
        .filter_map(|p| match p {
            PlannedOption::Existing(link) => Some(link.clone()),
            PlannedOption::New { .. } => None,
        })
        .collect();
    check_links(c, &existing).await?;
    let created = insert_options(c, specs, events).await?;
    let links = plan
        .into_iter()
        .map(|p| match p {
            PlannedOption::New { product_id, index } => LinkSpec {
                product_id,
                option_id: created[index].id.clone(),
                value_ids: None,
            },
            PlannedOption::Existing(link) => link,
        })
        .collect();
    insert_links(c, links).await?;

    // Variants, checked against the options just linked.
    let product_ids: Vec<String> = nested.iter().map(|n| n.product_id.clone()).collect();
    let has_variants = nested.iter().any(|n| !n.variants.is_empty());
    let maps = if has_variants {
        load_option_maps(c, &product_ids).await?
    } else {
        HashMap::new()
    };
    let mut specs = Vec::new();
    for n in &mut nested {
        let variants = std::mem::take(&mut n.variants);
        let combos: Vec<(String, BTreeSet<String>)> = variants
            .iter()
            .map(|v| {
                let set = match &v.options {
                    Some(options) => {
                        resolve_options(&n.product_id, maps.get(&n.product_id), options)?
                    }
                    None => BTreeSet::new(),
                };
                Ok((v.title.clone(), set))
            })
            .collect::<Result<_>>()?;
        check_combinations(combos.iter().map(|(t, s)| (t.as_str(), s)))?;
        specs.extend(
            variants
                .into_iter()
                .enumerate()
                .map(|(i, input)| VariantSpec {
                    product_id: n.product_id.clone(),
                    input,
                    default_rank: i as i32,
                }),
        );
    }
    insert_variants(c, specs, &maps, events).await?;

    // Images, tags, categories.
    let image_rows: Vec<NewImage> = nested
        .iter_mut()
        .flat_map(|n| {
            let product_id = n.product_id.clone();
            std::mem::take(&mut n.images)
                .into_iter()
                .enumerate()
                .map(move |(i, img)| NewImage {
                    id: id_or_generate(img.id, prefix::IMAGE),
                    url: img.url,
                    rank: img.rank.unwrap_or(i as i32),
                    product_id: product_id.clone(),
                    metadata: img.metadata,
                    created_at: now,
                    updated_at: now,
                })
        })
        .collect();
    if !image_rows.is_empty() {
        diesel::insert_into(image::table)
            .values(&image_rows)
            .execute(c)
            .await?;
        events.push(
            EventEntity::ProductImage,
            Action::Created,
            image_rows.iter().map(|r| r.id.as_str()),
        );
    }
    set_tags(
        c,
        nested
            .iter()
            .map(|n| (n.product_id.clone(), n.tags.clone()))
            .collect(),
        false,
    )
    .await?;
    set_categories(
        c,
        nested
            .iter()
            .map(|n| (n.product_id.clone(), n.categories.clone()))
            .collect(),
        false,
    )
    .await?;
    Ok(products)
}

async fn update_product_in(
    c: &mut Conn,
    id: &str,
    input: UpdateProductInput,
    events: &mut Events,
) -> Result<Product> {
    let now = time::now();
    let exists: Option<String> = product::table
        .find(id)
        .filter(product::deleted_at.is_null())
        .select(product::id)
        .first(c)
        .await
        .optional()?;
    if exists.is_none() {
        return Err(not_found("Product", id));
    }
    check_references(
        c,
        ids_of(&input.tags),
        ids_of(&input.categories),
        input.type_id.clone().flatten().into_iter().collect(),
        input.collection_id.clone().flatten().into_iter().collect(),
    )
    .await?;

    let changes = ProductChanges {
        title: input.title,
        subtitle: input.subtitle,
        description: input.description,
        handle: input.handle,
        status: input.status,
        is_giftcard: input.is_giftcard,
        discountable: input.discountable,
        thumbnail: input.thumbnail,
        external_id: input.external_id,
        type_id: input.type_id,
        collection_id: input.collection_id,
        weight: input.weight,
        length: input.length,
        height: input.height,
        width: input.width,
        hs_code: input.hs_code,
        mid_code: input.mid_code,
        origin_country: input.origin_country,
        material: input.material,
        metadata: input.metadata,
        updated_at: now,
    };
    let product: Product = diesel::update(product::table.find(id))
        .set(&changes)
        .returning(Product::as_returning())
        .get_result(c)
        .await?;
    events.push_one(EventEntity::Product, Action::Updated, id);

    if let Some(images) = input.images {
        replace_images(c, id, images, events).await?;
    }
    if input.tags.is_some() {
        set_tags(c, vec![(id.to_string(), ids_of(&input.tags))], true).await?;
    }
    if input.categories.is_some() {
        set_categories(c, vec![(id.to_string(), ids_of(&input.categories))], true).await?;
    }
    if let Some(wanted) = input.option_ids {
        let wanted = dedup(wanted);
        let current: Vec<String> = product_product_option::table
            .filter(product_product_option::product_id.eq(id))
            .filter(product_product_option::deleted_at.is_null())
            .select(product_product_option::product_option_id)
            .load(c)
            .await?;
        let remove: Vec<String> = current
            .iter()
            .filter(|o| !wanted.contains(o))
            .cloned()
            .collect();
        let add: Vec<LinkSpec> = wanted
            .into_iter()
            .filter(|o| !current.contains(o))
            .map(|option_id| LinkSpec {
                product_id: id.to_string(),
                option_id,
                value_ids: None,
            })
            .collect();
        unlink(c, id, &remove, events).await?;
        link_existing(c, add).await?;
    }
    if let Some(variants) = input.variants {
        upsert_variants(c, id, variants, events).await?;
    }
    Ok(product)
}

/// `variants` of a product update: update listed ids, create entries
/// without id, soft-delete the product's other variants.
async fn upsert_variants(
    c: &mut Conn,
    product_id: &str,
    variants: Vec<UpsertVariantInput>,
    events: &mut Events,
) -> Result<()> {
    let now = time::now();
    let ids = [product_id.to_string()];
    let existing = load_combinations(c, &ids)
        .await?
        .remove(product_id)
        .unwrap_or_default();
    let maps = load_option_maps(c, &ids).await?;

    let mut updates = Vec::new();
    let mut creates = Vec::new();
    for (index, entry) in variants.into_iter().enumerate() {
        match entry.into_parts() {
            (Some(id), update) => {
                if !existing.iter().any(|(vid, _, _)| *vid == id) {
                    return Err(not_found("ProductVariant", &id));
                }
                updates.push((id, update));
            }
            (None, update) => creates.push(VariantSpec {
                product_id: product_id.to_string(),
                input: update.into_create()?,
                default_rank: index as i32,
            }),
        }
    }

    // The combinations the product will end up with must be distinct.
    let mut finals: Vec<(String, BTreeSet<String>)> = Vec::new();
    for (id, update) in &updates {
        let (_, title, set) = existing
            .iter()
            .find(|(vid, _, _)| vid == id)
            .ok_or_else(|| not_found("ProductVariant", id))?;
        let set = match &update.options {
            Some(options) => resolve_options(product_id, maps.get(product_id), options)?,
            None => set.clone(),
        };
        finals.push((update.title.clone().unwrap_or_else(|| title.clone()), set));
    }
    for spec in &creates {
        let set = match &spec.input.options {
            Some(options) => resolve_options(product_id, maps.get(product_id), options)?,
            None => BTreeSet::new(),
        };
        finals.push((spec.input.title.clone(), set));
    }
    check_combinations(finals.iter().map(|(t, s)| (t.as_str(), s)))?;

    let removed: Vec<&str> = existing
        .iter()
        .map(|(vid, _, _)| vid.as_str())
        .filter(|vid| !updates.iter().any(|(id, _)| id == vid))
        .collect();
    if !removed.is_empty() {
        diesel::update(product_variant::table.filter(product_variant::id.eq_any(&removed)))
            .set((
                product_variant::deleted_at.eq(now),
                product_variant::updated_at.eq(now),
            ))
            .execute(c)
            .await?;
        events.push(
            EventEntity::ProductVariant,
            Action::Deleted,
            removed.iter().copied(),
        );
    }
    if !updates.is_empty() {
        update_variants(c, product_id, updates, maps.get(product_id), events).await?;
    }
    insert_variants(c, creates, &maps, events).await?;
    Ok(())
}
