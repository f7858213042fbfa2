//! Operations that undo other operations, for workflow compensations:
//! hard deletes of what a create made, and snapshots of products and
//! variants that an update can be rolled back to.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use stheno_module_sdk::entity::EntityService;
use stheno_module_sdk::{Error, Result, time};

use super::options::unlink;
use super::{Conn, ProductModule, refine};
use crate::events::{Action, EventEntity, Events};
use crate::models::{Product, ProductImage, ProductOption, ProductOptionValue, ProductVariant};
use crate::schema::{
    image, product, product_category_product, product_option, product_option_value,
    product_product_option, product_product_option_value, product_tags, product_variant,
    product_variant_option,
};

/// A variant as it was, with the option values it had.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantSnapshot {
    pub variant: ProductVariant,
    pub option_value_ids: Vec<String>,
}

/// A product as it was: its columns, tag, category and option links,
/// images and variants (live ones only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductSnapshot {
    pub product: Product,
    pub tag_ids: Vec<String>,
    pub category_ids: Vec<String>,
    pub option_ids: Vec<String>,
    /// The links behind `option_ids`.
    pub option_links: OptionLinks,
    pub images: Vec<ProductImage>,
    pub variants: Vec<VariantSnapshot>,
}

/// A live product ↔ option link, timestamps at full precision (links are
/// listed in creation order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = product_product_option, check_for_backend(Pg))]
pub struct OptionLinkRow {
    pub id: String,
    pub product_id: String,
    pub product_option_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A value subset row of a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Insertable)]
#[diesel(table_name = product_product_option_value, check_for_backend(Pg))]
pub struct OptionLinkValueRow {
    pub id: String,
    pub product_product_option_id: String,
    pub product_option_value_id: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Product ↔ option links as they were, to put back exactly (same ids,
/// same order, same value subsets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OptionLinks {
    pub links: Vec<OptionLinkRow>,
    pub values: Vec<OptionLinkValueRow>,
}

/// A global option as it was, with its live values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionSnapshot {
    pub option: ProductOption,
    pub values: Vec<ProductOptionValue>,
}

impl ProductModule {
    /// Which of `product_ids` are directly in the category (one query).
    pub async fn products_in_category(
        &self,
        category_id: &str,
        product_ids: &[String],
    ) -> Result<Vec<String>> {
        let mut conn = self.conn().await?;
        Ok(product_category_product::table
            .filter(product_category_product::product_category_id.eq(category_id))
            .filter(product_category_product::product_id.eq_any(product_ids))
            .select(product_category_product::product_id)
            .load(&mut conn)
            .await?)
    }

    /// The current state of options and their live values (two queries),
    /// to undo an update with [`ProductModule::restore_option_snapshots`].
    pub async fn option_snapshots(&self, ids: &[String]) -> Result<Vec<OptionSnapshot>> {
        let mut conn = self.conn().await?;
        let options: Vec<ProductOption> = product_option::table
            .filter(product_option::id.eq_any(ids))
            .order((product_option::created_at.asc(), product_option::id.asc()))
            .select(ProductOption::as_select())
            .load(&mut conn)
            .await?;
        let values: Vec<ProductOptionValue> = product_option_value::table
            .filter(product_option_value::option_id.eq_any(ids))
            .filter(product_option_value::deleted_at.is_null())
            .order((
                product_option_value::rank.asc(),
                product_option_value::created_at.asc(),
                product_option_value::id.asc(),
            ))
            .select(ProductOptionValue::as_select())
            .load(&mut conn)
            .await?;
        Ok(options
            .into_iter()
            .map(|option| OptionSnapshot {
                values: values
                    .iter()
                    .filter(|v| v.option_id.as_deref() == Some(option.id.as_str()))
                    .cloned()
                    .collect(),
                option,
            })
            .collect())
    }

    /// Put options back as they were in `snapshots`: title, metadata and
    /// values (values added since are deleted for good, removed or changed
    /// ones come back with their ids).
    pub async fn restore_option_snapshots(&self, snapshots: Vec<OptionSnapshot>) -> Result<()> {
        if snapshots.is_empty() {
            return Ok(());
        }
        let now = time::now();
        let mut conn = self.conn().await?;
        let events = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                for s in snapshots {
                    let id = &s.option.id;
                    diesel::update(product_option::table.find(id))
                        .set((
                            product_option::title.eq(&s.option.title),
                            product_option::metadata.eq(&s.option.metadata),
                            product_option::deleted_at.eq(s.option.deleted_at),
                            product_option::updated_at.eq(now),
                        ))
                        .execute(c)
                        .await?;
                    events.push_one(EventEntity::ProductOption, Action::Updated, id);
                    let kept: Vec<&str> = s.values.iter().map(|v| v.id.as_str()).collect();
                    let added: Vec<String> = diesel::delete(
                        product_option_value::table
                            .filter(product_option_value::option_id.eq(id))
                            .filter(product_option_value::deleted_at.is_null())
                            .filter(product_option_value::id.ne_all(&kept)),
                    )
                    .returning(product_option_value::id)
                    .get_results(c)
                    .await?;
                    events.push_ids(EventEntity::ProductOptionValue, Action::Deleted, &added);
                    for v in &s.values {
                        diesel::update(product_option_value::table.find(&v.id))
                            .set((
                                product_option_value::value.eq(&v.value),
                                product_option_value::rank.eq(v.rank),
                                product_option_value::metadata.eq(&v.metadata),
                                product_option_value::deleted_at.eq(v.deleted_at),
                                product_option_value::updated_at.eq(now),
                            ))
                            .execute(c)
                            .await?;
                    }
                }
                Ok::<_, Error>(events)
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(())
    }

    /// The live links of `product_id` to `option_ids` (two queries), to
    /// put back with [`ProductModule::restore_option_links`].
    pub async fn option_links(
        &self,
        product_id: &str,
        option_ids: &[String],
    ) -> Result<OptionLinks> {
        let mut conn = self.conn().await?;
        load_links(&mut conn, &[product_id.to_string()], Some(option_ids)).await
    }

    /// Put links back as they were (ids, timestamps, value subsets); an
    /// exclusive option soft-deleted when it lost its last link comes back
    /// with its values. Links that exist again are left alone.
    pub async fn restore_option_links(&self, links: OptionLinks) -> Result<()> {
        if links.links.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let events = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                restore_links_in(c, links, &mut events).await?;
                Ok::<_, Error>(events)
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(())
    }

    /// The current state of variants (deleted ones included), to undo an
    /// update with [`ProductModule::restore_variant_snapshots`]. Two
    /// queries whatever the number of ids.
    pub async fn variant_snapshots(&self, ids: &[String]) -> Result<Vec<VariantSnapshot>> {
        let mut conn = self.conn().await?;
        let variants: Vec<ProductVariant> = product_variant::table
            .filter(product_variant::id.eq_any(ids))
            .order((product_variant::created_at.asc(), product_variant::id.asc()))
            .select(ProductVariant::as_select())
            .load(&mut conn)
            .await?;
        snapshot_variants(&mut conn, variants).await
    }

    /// Put variants back as they were in `snapshots`: columns (`deleted_at`
    /// included; `created_at` is kept, `updated_at` is now) and option
    /// values.
    pub async fn restore_variant_snapshots(&self, snapshots: Vec<VariantSnapshot>) -> Result<()> {
        if snapshots.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let events = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                restore_variants_in(c, snapshots, &mut events).await?;
                Ok::<_, Error>(events)
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(())
    }

    /// The current state of products, to undo an update with
    /// [`ProductModule::restore_product_snapshots`]. A fixed number of
    /// queries whatever the number of ids; unknown ids are left out.
    pub async fn product_snapshots(&self, ids: &[String]) -> Result<Vec<ProductSnapshot>> {
        let mut conn = self.conn().await?;
        let c = &mut conn;
        let products: Vec<Product> = product::table
            .filter(product::id.eq_any(ids))
            .order((product::created_at.asc(), product::id.asc()))
            .select(Product::as_select())
            .load(c)
            .await?;
        let tags: Vec<(String, String)> = product_tags::table
            .filter(product_tags::product_id.eq_any(ids))
            .order(product_tags::product_tag_id.asc())
            .select((product_tags::product_id, product_tags::product_tag_id))
            .load(c)
            .await?;
        let categories: Vec<(String, String)> = product_category_product::table
            .filter(product_category_product::product_id.eq_any(ids))
            .order(product_category_product::product_category_id.asc())
            .select((
                product_category_product::product_id,
                product_category_product::product_category_id,
            ))
            .load(c)
            .await?;
        let option_links = load_links(c, ids, None).await?;
        let images: Vec<ProductImage> = image::table
            .filter(image::product_id.eq_any(ids))
            .filter(image::deleted_at.is_null())
            .order((image::rank.asc(), image::id.asc()))
            .select(ProductImage::as_select())
            .load(c)
            .await?;
        let variants: Vec<ProductVariant> = product_variant::table
            .filter(product_variant::product_id.eq_any(ids))
            .filter(product_variant::deleted_at.is_null())
            .order((product_variant::created_at.asc(), product_variant::id.asc()))
            .select(ProductVariant::as_select())
            .load(c)
            .await?;
        let variants = snapshot_variants(c, variants).await?;
        let of = |pairs: &[(String, String)], id: &str| -> Vec<String> {
            pairs
                .iter()
                .filter(|(p, _)| p == id)
                .map(|(_, t)| t.clone())
                .collect()
        };
        Ok(products
            .into_iter()
            .map(|p| ProductSnapshot {
                tag_ids: of(&tags, &p.id),
                category_ids: of(&categories, &p.id),
                option_ids: option_links
                    .links
                    .iter()
                    .filter(|l| l.product_id == p.id)
                    .map(|l| l.product_option_id.clone())
                    .collect(),
                option_links: option_links.only(&p.id),
                images: images
                    .iter()
                    .filter(|i| i.product_id == p.id)
                    .cloned()
                    .collect(),
                variants: variants
                    .iter()
                    .filter(|v| v.variant.product_id.as_deref() == Some(p.id.as_str()))
                    .cloned()
                    .collect(),
                product: p,
            })
            .collect())
    }

    /// Put products back as they were in `snapshots`, in one transaction:
    /// columns, tags, categories, option links (exclusive options that were
    /// unlinked and soft-deleted come back), images and variants (created
    /// since are deleted for good, deleted since come back, changed ones get
    /// their old values and option values).
    pub async fn restore_product_snapshots(&self, snapshots: Vec<ProductSnapshot>) -> Result<()> {
        if snapshots.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn().await?;
        let events = conn
            .transaction(async move |c| {
                let mut events = Events::new();
                for snapshot in snapshots {
                    restore_product_in(c, snapshot, &mut events).await?;
                }
                Ok::<_, Error>(events)
            })
            .await
            .map_err(refine)?;
        self.emit(events).await;
        Ok(())
    }
}

async fn snapshot_variants(
    c: &mut Conn,
    variants: Vec<ProductVariant>,
) -> Result<Vec<VariantSnapshot>> {
    let ids: Vec<&str> = variants.iter().map(|v| v.id.as_str()).collect();
    let values: Vec<(String, String)> = product_variant_option::table
        .filter(product_variant_option::variant_id.eq_any(&ids))
        .order(product_variant_option::option_value_id.asc())
        .select((
            product_variant_option::variant_id,
            product_variant_option::option_value_id,
        ))
        .load(c)
        .await?;
    let mut by_variant: HashMap<String, Vec<String>> = HashMap::new();
    for (variant, value) in values {
        by_variant.entry(variant).or_default().push(value);
    }
    Ok(variants
        .into_iter()
        .map(|variant| VariantSnapshot {
            option_value_ids: by_variant.remove(&variant.id).unwrap_or_default(),
            variant,
        })
        .collect())
}

async fn restore_variants_in(
    c: &mut Conn,
    snapshots: Vec<VariantSnapshot>,
    events: &mut Events,
) -> Result<()> {
    let ids: Vec<String> = snapshots.iter().map(|s| s.variant.id.clone()).collect();
    let current: Vec<ProductVariant> = product_variant::table
        .filter(product_variant::id.eq_any(&ids))
        .select(ProductVariant::as_select())
        .load(c)
        .await?;
    for snapshot in &snapshots {
        let now = current.iter().find(|v| v.id == snapshot.variant.id);
        if now != Some(&snapshot.variant) {
            EntityService::<ProductVariant>::overwrite_on(
                c,
                std::slice::from_ref(&snapshot.variant),
            )
            .await?;
            events.push_one(
                EventEntity::ProductVariant,
                Action::Updated,
                &snapshot.variant.id,
            );
        }
    }
    diesel::delete(
        product_variant_option::table.filter(product_variant_option::variant_id.eq_any(&ids)),
    )
    .execute(c)
    .await?;
    let rows: Vec<_> = snapshots
        .iter()
        .flat_map(|s| {
            s.option_value_ids.iter().map(|value| {
                (
                    product_variant_option::variant_id.eq(s.variant.id.clone()),
                    product_variant_option::option_value_id.eq(value.clone()),
                )
            })
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(product_variant_option::table)
            .values(rows)
            .execute(c)
            .await?;
    }
    Ok(())
}

async fn restore_product_in(
    c: &mut Conn,
    snapshot: ProductSnapshot,
    events: &mut Events,
) -> Result<()> {
    let id = snapshot.product.id.clone();
    EntityService::<Product>::overwrite_on(c, std::slice::from_ref(&snapshot.product)).await?;
    events.push_one(EventEntity::Product, Action::Updated, &id);
    let pivots = |targets| [(id.clone(), targets)];
    EntityService::<Product>::set_related_on(c, "tags", &pivots(snapshot.tag_ids), true).await?;
    EntityService::<Product>::set_related_on(c, "categories", &pivots(snapshot.category_ids), true)
        .await?;

    // Option links: unlink what was added, bring back (and relink) what
    // was removed.
    let linked: Vec<String> = product_product_option::table
        .filter(product_product_option::product_id.eq(&id))
        .filter(product_product_option::deleted_at.is_null())
        .select(product_product_option::product_option_id)
        .load(c)
        .await?;
    let extra: Vec<String> = linked
        .iter()
        .filter(|o| !snapshot.option_ids.contains(o))
        .cloned()
        .collect();
    let missing: Vec<String> = snapshot
        .option_ids
        .iter()
        .filter(|o| !linked.contains(o))
        .cloned()
        .collect();
    // Unlinking soft-deletes exclusive options left without a product:
    // those that were live before come back.
    let live_exclusive: Vec<String> = product_option::table
        .filter(product_option::id.eq_any(&extra))
        .filter(product_option::is_exclusive.eq(true))
        .filter(product_option::deleted_at.is_null())
        .select(product_option::id)
        .load(c)
        .await?;
    unlink(c, &id, &extra, events).await?;
    let live_exclusive: Vec<&str> = live_exclusive.iter().map(String::as_str).collect();
    revive_exclusive(c, &live_exclusive, events).await?;
    if !missing.is_empty() {
        let links = snapshot.option_links.only_options(&missing);
        restore_links_in(c, links, events).await?;
    }

    // Images: drop the ones added since, put back the old ones.
    let image_ids: Vec<&str> = snapshot.images.iter().map(|i| i.id.as_str()).collect();
    let added: Vec<String> = diesel::delete(
        image::table
            .filter(image::product_id.eq(&id))
            .filter(image::deleted_at.is_null())
            .filter(image::id.ne_all(&image_ids)),
    )
    .returning(image::id)
    .get_results(c)
    .await?;
    events.push_ids(EventEntity::ProductImage, Action::Deleted, &added);
    let current: Vec<ProductImage> = image::table
        .filter(image::id.eq_any(&image_ids))
        .select(ProductImage::as_select())
        .load(c)
        .await?;
    for old in &snapshot.images {
        if current.iter().find(|i| i.id == old.id) != Some(old) {
            EntityService::<ProductImage>::overwrite_on(c, std::slice::from_ref(old)).await?;
            events.push_one(EventEntity::ProductImage, Action::Updated, &old.id);
        }
    }

    // Variants: drop the ones created since, restore the others.
    let variant_ids: Vec<&str> = snapshot
        .variants
        .iter()
        .map(|v| v.variant.id.as_str())
        .collect();
    let created: Vec<String> = diesel::delete(
        product_variant::table
            .filter(product_variant::product_id.eq(&id))
            .filter(product_variant::deleted_at.is_null())
            .filter(product_variant::id.ne_all(&variant_ids)),
    )
    .returning(product_variant::id)
    .get_results(c)
    .await?;
    events.push_ids(EventEntity::ProductVariant, Action::Deleted, &created);
    if !snapshot.variants.is_empty() {
        restore_variants_in(c, snapshot.variants, events).await?;
    }
    Ok(())
}

impl OptionLinks {
    /// The links of one product.
    fn only(&self, product_id: &str) -> OptionLinks {
        self.filter(|l| l.product_id == product_id)
    }

    /// The links to these options.
    fn only_options(&self, option_ids: &[String]) -> OptionLinks {
        self.filter(|l| option_ids.contains(&l.product_option_id))
    }

    fn filter(&self, keep: impl Fn(&OptionLinkRow) -> bool) -> OptionLinks {
        let links: Vec<OptionLinkRow> = self.links.iter().filter(|l| keep(l)).cloned().collect();
        let values = self
            .values
            .iter()
            .filter(|v| links.iter().any(|l| l.id == v.product_product_option_id))
            .cloned()
            .collect();
        OptionLinks { links, values }
    }
}

/// The live links of `product_ids` (to `option_ids` only, if given), in
/// creation order, with their value subsets.
async fn load_links(
    c: &mut Conn,
    product_ids: &[String],
    option_ids: Option<&[String]>,
) -> Result<OptionLinks> {
    let mut query = product_product_option::table
        .filter(product_product_option::product_id.eq_any(product_ids))
        .filter(product_product_option::deleted_at.is_null())
        .into_boxed();
    if let Some(option_ids) = option_ids {
        query = query.filter(product_product_option::product_option_id.eq_any(option_ids));
    }
    let links: Vec<OptionLinkRow> = query
        .order((
            product_product_option::created_at.asc(),
            product_product_option::id.asc(),
        ))
        .select(OptionLinkRow::as_select())
        .load(c)
        .await?;
    let ids: Vec<&str> = links.iter().map(|l| l.id.as_str()).collect();
    let values: Vec<OptionLinkValueRow> = if ids.is_empty() {
        Vec::new()
    } else {
        product_product_option_value::table
            .filter(product_product_option_value::product_product_option_id.eq_any(&ids))
            .filter(product_product_option_value::deleted_at.is_null())
            .order(product_product_option_value::id.asc())
            .select(OptionLinkValueRow::as_select())
            .load(c)
            .await?
    };
    Ok(OptionLinks { links, values })
}

async fn restore_links_in(c: &mut Conn, links: OptionLinks, events: &mut Events) -> Result<()> {
    if links.links.is_empty() {
        return Ok(());
    }
    let option_ids: Vec<&str> = links
        .links
        .iter()
        .map(|l| l.product_option_id.as_str())
        .collect();
    revive_exclusive(c, &option_ids, events).await?;
    diesel::insert_into(product_product_option::table)
        .values(&links.links)
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    if !links.values.is_empty() {
        diesel::insert_into(product_product_option_value::table)
            .values(&links.values)
            .on_conflict_do_nothing()
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Bring back the exclusive options among `option_ids` that are
/// soft-deleted (unlinking an option's last product does that), with the
/// values deleted at the same time.
async fn revive_exclusive(c: &mut Conn, option_ids: &[&str], events: &mut Events) -> Result<()> {
    if option_ids.is_empty() {
        return Ok(());
    }
    let none = None::<DateTime<Utc>>;
    let revived: Vec<(String, Option<DateTime<Utc>>)> = product_option::table
        .filter(product_option::id.eq_any(option_ids))
        .filter(product_option::is_exclusive.eq(true))
        .filter(product_option::deleted_at.is_not_null())
        .select((product_option::id, product_option::deleted_at))
        .load(c)
        .await?;
    for (option_id, deleted_at) in &revived {
        diesel::update(
            product_option_value::table
                .filter(product_option_value::option_id.eq(option_id))
                .filter(product_option_value::deleted_at.eq(deleted_at)),
        )
        .set(product_option_value::deleted_at.eq(none))
        .execute(c)
        .await?;
        diesel::update(product_option::table.find(option_id))
            .set(product_option::deleted_at.eq(none))
            .execute(c)
            .await?;
        events.push_one(EventEntity::ProductOption, Action::Restored, option_id);
    }
    Ok(())
}
