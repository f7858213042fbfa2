//! Product variants: the domain writes — create and update, with option
//! values checked against the product — and the helpers product create and
//! update use to write variants in batches. Reads, soft delete, restore and
//! delete are the generated service's ([`ProductModule::product_variants`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::EntityService;
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::{Error, Result, time};

use super::options::{OptionMap, ensure_product, load_option_maps};
use super::{Conn, ProductModule, not_found, refine, stamp};
use crate::events::{Action, EventEntity, Events};
use crate::models::{ProductVariant, prefix};
use crate::schema::{product_variant, product_variant_option};

/// `POST /admin/products/:id/variants` (and `variants[]` of a product
/// create). `options` maps option titles of the product to values.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateVariantInput {
    pub title: String,
    pub sku: Option<String>,
    pub barcode: Option<String>,
    pub ean: Option<String>,
    pub upc: Option<String>,
    /// Default `false`.
    pub allow_backorder: Option<bool>,
    /// Default `true`.
    pub manage_inventory: Option<bool>,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub weight: Option<f32>,
    pub length: Option<f32>,
    pub height: Option<f32>,
    pub width: Option<f32>,
    /// Default: the variant's position among the product's variants.
    pub variant_rank: Option<i32>,
    pub thumbnail: Option<String>,
    pub options: Option<BTreeMap<String, String>>,
    pub metadata: Option<Value>,
    /// Not stored here: the workflow creates the price set (pricing module).
    pub prices: Option<Vec<Value>>,
    /// Not stored here: the workflow links inventory items.
    pub inventory_items: Option<Vec<Value>>,
}

impl CreateVariantInput {
    /// A variant with a title and option values (`[("Size", "M")]`).
    pub fn new<'a>(
        title: impl Into<String>,
        options: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Self {
        let options: BTreeMap<String, String> = options
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self {
            title: title.into(),
            options: (!options.is_empty()).then_some(options),
            ..Default::default()
        }
    }
}

/// `POST /admin/products/:id/variants/:variant_id`. Fields that may be
/// cleared take `null`; `options` replaces the variant's option values.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateVariantInput {
    pub title: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub sku: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub ean: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub upc: Option<Option<String>>,
    pub allow_backorder: Option<bool>,
    pub manage_inventory: Option<bool>,
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
    pub origin_country: Option<Option<String>>,
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
    pub material: Option<Option<String>>,
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
    pub variant_rank: Option<Option<i32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub thumbnail: Option<Option<String>>,
    pub options: Option<BTreeMap<String, String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Value>>,
    /// Not stored here: the workflow updates the price set.
    pub prices: Option<Vec<Value>>,
    /// Not stored here: the workflow links inventory items.
    pub inventory_items: Option<Vec<Value>>,
}

/// One entry of `variants` in a product update: with `id` the variant is
/// updated, without it one is created (then `title` is required).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpsertVariantInput {
    pub id: Option<String>,
    pub title: Option<String>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub sku: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub barcode: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub ean: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub upc: Option<Option<String>>,
    pub allow_backorder: Option<bool>,
    pub manage_inventory: Option<bool>,
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
    pub origin_country: Option<Option<String>>,
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
    pub material: Option<Option<String>>,
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
    pub variant_rank: Option<Option<i32>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub thumbnail: Option<Option<String>>,
    pub options: Option<BTreeMap<String, String>>,
    #[serde(
        default,
        deserialize_with = "crate::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Value>>,
    /// Not stored here: the workflow creates or updates the price set.
    pub prices: Option<Vec<Value>>,
    /// Not stored here: the workflow links inventory items.
    pub inventory_items: Option<Vec<Value>>,
}

impl UpsertVariantInput {
    /// Split into the id of the variant to update (none: create one) and
    /// the changes.
    pub(crate) fn into_parts(self) -> (Option<String>, UpdateVariantInput) {
        let update = UpdateVariantInput {
            title: self.title,
            sku: self.sku,
            barcode: self.barcode,
            ean: self.ean,
            upc: self.upc,
            allow_backorder: self.allow_backorder,
            manage_inventory: self.manage_inventory,
            hs_code: self.hs_code,
            origin_country: self.origin_country,
            mid_code: self.mid_code,
            material: self.material,
            weight: self.weight,
            length: self.length,
            height: self.height,
            width: self.width,
            variant_rank: self.variant_rank,
            thumbnail: self.thumbnail,
            options: self.options,
            metadata: self.metadata,
            prices: self.prices,
            inventory_items: self.inventory_items,
        };
        (self.id, update)
    }
}

impl UpdateVariantInput {
    /// The create input for an upsert entry without id.
    pub(crate) fn into_create(self) -> Result<CreateVariantInput> {
        let title = self
            .title
            .ok_or_else(|| Error::invalid_data("title is required to create a variant"))?;
        Ok(CreateVariantInput {
            title,
            sku: self.sku.flatten(),
            barcode: self.barcode.flatten(),
            ean: self.ean.flatten(),
            upc: self.upc.flatten(),
            allow_backorder: self.allow_backorder,
            manage_inventory: self.manage_inventory,
            hs_code: self.hs_code.flatten(),
            origin_country: self.origin_country.flatten(),
            mid_code: self.mid_code.flatten(),
            material: self.material.flatten(),
            weight: self.weight.flatten(),
            length: self.length.flatten(),
            height: self.height.flatten(),
            width: self.width.flatten(),
            variant_rank: self.variant_rank.flatten(),
            thumbnail: self.thumbnail.flatten(),
            options: self.options,
            metadata: self.metadata.flatten(),
            prices: self.prices,
            inventory_items: self.inventory_items,
        })
    }

    fn changes(&self, now: DateTime<Utc>) -> VariantChanges {
        VariantChanges {
            title: self.title.clone(),
            sku: self.sku.clone(),
            barcode: self.barcode.clone(),
            ean: self.ean.clone(),
            upc: self.upc.clone(),
            allow_backorder: self.allow_backorder,
            manage_inventory: self.manage_inventory,
            hs_code: self.hs_code.clone(),
            origin_country: self.origin_country.clone(),
            mid_code: self.mid_code.clone(),
            material: self.material.clone(),
            weight: self.weight,
            length: self.length,
            height: self.height,
            width: self.width,
            variant_rank: self.variant_rank,
            thumbnail: self.thumbnail.clone(),
            metadata: self.metadata.clone(),
            updated_at: now,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = product_variant)]
struct NewVariant {
    id: String,
    title: String,
    sku: Option<String>,
    barcode: Option<String>,
    ean: Option<String>,
    upc: Option<String>,
    allow_backorder: bool,
    manage_inventory: bool,
    hs_code: Option<String>,
    origin_country: Option<String>,
    mid_code: Option<String>,
    material: Option<String>,
    weight: Option<f32>,
    length: Option<f32>,
    height: Option<f32>,
    width: Option<f32>,
    variant_rank: Option<i32>,
    thumbnail: Option<String>,
    product_id: Option<String>,
    metadata: Option<Value>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = product_variant)]
struct VariantChanges {
    title: Option<String>,
    sku: Option<Option<String>>,
    barcode: Option<Option<String>>,
    ean: Option<Option<String>>,
    upc: Option<Option<String>>,
    allow_backorder: Option<bool>,
    manage_inventory: Option<bool>,
    hs_code: Option<Option<String>>,
    origin_country: Option<Option<String>>,
    mid_code: Option<Option<String>>,
    material: Option<Option<String>>,
    weight: Option<Option<f32>>,
    length: Option<Option<f32>>,
    height: Option<Option<f32>>,
    width: Option<Option<f32>>,
    variant_rank: Option<Option<i32>>,
    thumbnail: Option<Option<String>>,
    metadata: Option<Option<Value>>,
    updated_at: DateTime<Utc>,
}

/// A variant to create for a product.
pub(crate) struct VariantSpec {
    pub product_id: String,
    pub input: CreateVariantInput,
    pub default_rank: i32,
}

/// The option value ids `options` (title → value) names on a product.
pub(crate) fn resolve_options(
    product_id: &str,
    map: Option<&OptionMap>,
    options: &BTreeMap<String, String>,
) -> Result<BTreeSet<String>> {
    options
        .iter()
        .map(|(title, value)| {
            let (_, values) = map.and_then(|m| m.get(title)).ok_or_else(|| {
                Error::invalid_data(format!(
                    "Option \"{title}\" does not exist on product {product_id}"
                ))
            })?;
            values.get(value).cloned().ok_or_else(|| {
                Error::invalid_data(format!(
                    "Option value {value} does not exist for option {title}"
                ))
            })
        })
        .collect()
}

/// Two variants of a product may not have the same combination of option
/// values.
pub(crate) fn check_combinations<'a>(
    variants: impl IntoIterator<Item = (&'a str, &'a BTreeSet<String>)>,
) -> Result<()> {
    let mut seen: HashMap<&BTreeSet<String>, &str> = HashMap::new();
    for (title, values) in variants {
        if values.is_empty() {
            continue;
        }
        if let Some(other) = seen.insert(values, title) {
            return Err(Error::invalid_data(format!(
                "Variant \"{title}\" has same combination of option values as \"{other}\"."
            )));
        }
    }
    Ok(())
}

/// Each live variant of `product_ids` with its title and option value ids:
/// `product id → [(variant id, title, values)]`.
pub(crate) async fn load_combinations(
    c: &mut Conn,
    product_ids: &[String],
) -> Result<HashMap<String, Vec<(String, String, BTreeSet<String>)>>> {
    let variants: Vec<(String, String, Option<String>)> = product_variant::table
        .filter(product_variant::product_id.eq_any(product_ids))
        .filter(product_variant::deleted_at.is_null())
        .select((
            product_variant::id,
            product_variant::title,
            product_variant::product_id,
        ))
        .load(c)
        .await?;
    let ids: Vec<&str> = variants.iter().map(|v| v.0.as_str()).collect();
    let rows: Vec<(String, String)> = product_variant_option::table
        .filter(product_variant_option::variant_id.eq_any(ids))
        .select((
            product_variant_option::variant_id,
            product_variant_option::option_value_id,
        ))
        .load(c)
        .await?;
    let mut values: HashMap<String, BTreeSet<String>> = HashMap::new();
    for (variant, value) in rows {
        values.entry(variant).or_default().insert(value);
    }
    let mut out: HashMap<String, Vec<(String, String, BTreeSet<String>)>> = HashMap::new();
    for (id, title, product_id) in variants {
        let set = values.remove(&id).unwrap_or_default();
        out.entry(product_id.unwrap_or_default())
            .or_default()
            .push((id, title, set));
    }
    Ok(out)
}

/// Replace the option value rows of the given variants.
async fn set_variant_options(c: &mut Conn, rows: Vec<(String, BTreeSet<String>)>) -> Result<()> {
    let rows: Vec<(String, Vec<String>)> = rows
        .into_iter()
        .map(|(variant, values)| (variant, values.into_iter().collect()))
        .collect();
    EntityService::<ProductVariant>::set_related_on(c, "options", &rows, true).await
}

/// Create variants (one insert, one insert of option rows). `maps` holds
/// the options of every product concerned; a title or value the product
/// does not have is `invalid_data`. Combination checks are the caller's.
pub(crate) async fn insert_variants(
    c: &mut Conn,
    specs: Vec<VariantSpec>,
    maps: &HashMap<String, OptionMap>,
    events: &mut Events,
) -> Result<Vec<ProductVariant>> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let now = time::now();
    let mut rows = Vec::with_capacity(specs.len());
    let mut option_rows = Vec::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let input = spec.input;
        let id = generate_id(prefix::VARIANT);
        if let Some(options) = &input.options {
            let values = resolve_options(&spec.product_id, maps.get(&spec.product_id), options)?;
            option_rows.push((id.clone(), values));
        }
        rows.push(NewVariant {
            id,
            title: input.title,
            sku: input.sku,
            barcode: input.barcode,
            ean: input.ean,
            upc: input.upc,
            allow_backorder: input.allow_backorder.unwrap_or(false),
            manage_inventory: input.manage_inventory.unwrap_or(true),
            hs_code: input.hs_code,
            origin_country: input.origin_country,
            mid_code: input.mid_code,
            material: input.material,
            weight: input.weight,
            length: input.length,
            height: input.height,
            width: input.width,
            variant_rank: Some(input.variant_rank.unwrap_or(spec.default_rank)),
            thumbnail: input.thumbnail,
            product_id: Some(spec.product_id),
            metadata: input.metadata,
            created_at: stamp(now, i),
            updated_at: stamp(now, i),
        });
    }
    let mut created: Vec<ProductVariant> = diesel::insert_into(product_variant::table)
        .values(&rows)
        .returning(ProductVariant::as_returning())
        .get_results(c)
        .await?;
    created.sort_by_key(|v| rows.iter().position(|r| r.id == v.id));
    set_variant_options(c, option_rows).await?;
    events.push(
        EventEntity::ProductVariant,
        Action::Created,
        created.iter().map(|v| v.id.as_str()),
    );
    Ok(created)
}

/// Apply updates to variants of `product_id` (one statement per variant,
/// one batch for option rows). Returns the new option combination of each
/// variant whose options changed.
pub(crate) async fn update_variants(
    c: &mut Conn,
    product_id: &str,
    updates: Vec<(String, UpdateVariantInput)>,
    map: Option<&OptionMap>,
    events: &mut Events,
) -> Result<HashMap<String, BTreeSet<String>>> {
    let now = time::now();
    let mut option_rows = Vec::new();
    for (id, input) in &updates {
        if let Some(options) = &input.options {
            option_rows.push((id.clone(), resolve_options(product_id, map, options)?));
        }
        diesel::update(product_variant::table.find(id))
            .set(&input.changes(now))
            .execute(c)
            .await?;
    }
    let combos: HashMap<String, BTreeSet<String>> = option_rows.iter().cloned().collect();
    set_variant_options(c, option_rows).await?;
    events.push(
        EventEntity::ProductVariant,
        Action::Updated,
        updates.iter().map(|(id, _)| id.as_str()),
    );
    Ok(combos)
}

impl ProductModule {
    /// Create variants of one product in one transaction. Option titles and
    /// values must exist on the product, and no two variants may share a
    /// combination of values. A taken SKU/EAN/UPC/barcode is a
    /// `duplicate_error`.
    pub async fn create_variants(
        &self,
        product_id: &str,
        input: Vec<CreateVariantInput>,
    ) -> Result<Vec<ProductVariant>> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let product_id = product_id.to_string();
        let mut conn = self.conn().await?;
        let (created, events) = conn
            .transaction(async move |c| {
                ensure_product(c, &product_id).await?;
                let ids = [product_id.clone()];
                let maps = load_option_maps(c, &ids).await?;
                let existing = load_combinations(c, &ids)
                    .await?
                    .remove(&product_id)
                    .unwrap_or_default();
                let first_rank = i32::try_from(existing.len()).unwrap_or(i32::MAX);
                let mut new_combos = Vec::with_capacity(input.len());
                for variant in &input {
                    let combo = match &variant.options {
                        Some(options) => {
                            resolve_options(&product_id, maps.get(&product_id), options)?
                        }
                        None => BTreeSet::new(),
                    };
                    new_combos.push((variant.title.clone(), combo));
                }
                check_combinations(
                    existing
                        .iter()
                        .map(|(_, title, set)| (title.as_str(), set))
                        .chain(new_combos.iter().map(|(title, set)| (title.as_str(), set))),
                )?;
                let specs = input
                    .into_iter()
                    .enumerate()
                    .map(|(i, input)| VariantSpec {
                        product_id: product_id.clone(),
                        input,
                        default_rank: first_rank.saturating_add(i as i32),
                    })
                    .collect();
                let mut events = Events::new();
                let created = insert_variants(c, specs, &maps, &mut events).await?;
                Ok::<_, Error>((created, events))
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(created)
    }

    /// Update one variant. `options` replaces its option values (checked
    /// against the product's options and its other variants).
    pub async fn update_variant(
        &self,
        id: &str,
        input: UpdateVariantInput,
    ) -> Result<ProductVariant> {
        let id = id.to_string();
        let mut conn = self.conn().await?;
        let (variant, events) = conn
            .transaction(async move |c| {
                let product_id: Option<String> = product_variant::table
                    .find(&id)
                    .filter(product_variant::deleted_at.is_null())
                    .select(product_variant::product_id)
                    .first(c)
                    .await
                    .optional()?
                    .ok_or_else(|| not_found("ProductVariant", &id))?;
                let product_id = product_id.unwrap_or_default();
                let mut events = Events::new();
                let ids = [product_id.clone()];
                let maps = match input.options {
                    Some(_) => load_option_maps(c, &ids).await?,
                    None => HashMap::new(),
                };
                let title = input.title.clone();
                let combos = update_variants(
                    c,
                    &product_id,
                    vec![(id.clone(), input)],
                    maps.get(&product_id),
                    &mut events,
                )
                .await?;
                if let Some(combo) = combos.get(&id) {
                    let others = load_combinations(c, &ids)
                        .await?
                        .remove(&product_id)
                        .unwrap_or_default();
                    let own_title = others
                        .iter()
                        .find(|(vid, _, _)| *vid == id)
                        .map(|(_, t, _)| t.clone())
                        .or(title)
                        .unwrap_or_default();
                    check_combinations(
                        others
                            .iter()
                            .filter(|(vid, _, _)| *vid != id)
                            .map(|(_, title, set)| (title.as_str(), set))
                            .chain([(own_title.as_str(), combo)]),
                    )?;
                }
                let variant: ProductVariant = product_variant::table
                    .find(&id)
                    .select(ProductVariant::as_select())
                    .first(c)
                    .await?;
                Ok::<_, Error>((variant, events))
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(variant)
    }
}
