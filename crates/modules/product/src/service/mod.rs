//! The [`ProductModule`] service. Each area lives in its own file; this one
//! holds the service type and the helpers they share.

mod categories;
mod collections;
mod options;
mod products;
mod revert;
mod variants;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use stheno_module_sdk::db::{DbConn, DbPool};
use stheno_module_sdk::entity::{EntityService, ServiceOf};
use stheno_module_sdk::events::EventBus;
use stheno_module_sdk::link::LinkDef;
use stheno_module_sdk::{Error, ErrorKind, Result};

use crate::events::Events;
use crate::models::{
    Product, ProductCategory, ProductCollection, ProductImage, ProductOption, ProductOptionValue,
    ProductTag, ProductType, ProductVariant,
};

pub use categories::{CreateCategoryInput, UpdateCategoryInput};
pub use options::{CreateOptionInput, UpdateOptionInput, UpdateOptionValueInput};
pub use products::{
    CreateProductInput, DEFAULT_OPTION_TITLE, DEFAULT_OPTION_VALUE, ImageInput, ProductListFilter,
    ProductOptionInput, UpdateProductInput,
};
pub use revert::{
    OptionLinkRow, OptionLinkValueRow, OptionLinks, OptionSnapshot, ProductSnapshot,
    VariantSnapshot,
};
pub use variants::{CreateVariantInput, UpdateVariantInput, UpsertVariantInput};

/// The connection type the service's helpers run on.
pub(crate) type Conn = AsyncPgConnection;

/// The product module's service: typed operations over products, variants,
/// options, images, collections, categories, tags and types.
///
/// Cheap to clone (a pool handle and an event-bus handle). Every mutation
/// runs in one transaction and emits its module events after the commit.
#[derive(Clone)]
pub struct ProductModule {
    pub(crate) db: DbPool,
    events: Arc<dyn EventBus>,
    products: EntityService<Product>,
    variants: EntityService<ProductVariant>,
    images: EntityService<ProductImage>,
    tags: EntityService<ProductTag>,
    types: EntityService<ProductType>,
    collections: EntityService<ProductCollection>,
    categories: EntityService<ProductCategory>,
    options: EntityService<ProductOption>,
    option_values: EntityService<ProductOptionValue>,
}

impl std::fmt::Debug for ProductModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProductModule").finish_non_exhaustive()
    }
}

impl ProductModule {
    /// A service over `db`, emitting events through `events`.
    pub fn new(db: DbPool, events: Arc<dyn EventBus>) -> Self {
        Self::with_links(db, events, Arc::new([]))
    }

    /// [`new`](Self::new), with the application's links (soft deletes of
    /// generated entities cascade into them).
    pub fn with_links(
        db: DbPool,
        events: Arc<dyn EventBus>,
        links: Arc<[&'static LinkDef]>,
    ) -> Self {
        Self {
            products: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            variants: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            images: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            tags: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            types: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            collections: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            categories: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            options: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            option_values: EntityService::from_parts(db.clone(), events.clone(), links),
            db,
            events,
        }
    }

    /// Products: the generated service for reads (the generated
    /// [`ProductFilter`](crate::ProductFilter); [`list_products`](Self::list_products)
    /// adds Medusa's product filters), soft delete and restore: variants
    /// and images go with the product (`cascade`), and so do its rows in
    /// link tables; a restore brings back exactly what the soft delete
    /// took. Creating and updating products with everything nested, and
    /// hard-deleting them with their exclusive options, are domain
    /// operations: [`create_products`](Self::create_products),
    /// [`update_product`](Self::update_product),
    /// [`delete_products`](Self::delete_products).
    pub fn products(&self) -> &EntityService<Product> {
        &self.products
    }

    /// Variants: the generated service for reads (the generated
    /// [`ProductVariantFilter`](crate::ProductVariantFilter); its `options`
    /// relation filter takes option value ids), soft delete, restore and
    /// delete. Creating and updating variants checks their option values
    /// against the product: [`create_variants`](Self::create_variants),
    /// [`update_variant`](Self::update_variant).
    pub fn product_variants(&self) -> &EntityService<ProductVariant> {
        &self.variants
    }

    /// Product images: the generated service for reads. Images are
    /// written through their product (`images` of a product create or
    /// update).
    pub fn product_images(&self) -> &EntityService<ProductImage> {
        &self.images
    }

    /// Product tags: the generated service (list, retrieve, create, update,
    /// soft delete, restore, delete). Products keep their pivot rows when a
    /// tag is soft-deleted, so a restore brings the tag back on them.
    pub fn product_tags(&self) -> &EntityService<ProductTag> {
        &self.tags
    }

    /// Product collections: the generated service. Products keep their
    /// `collection_id` when a collection is soft-deleted; Query no longer
    /// returns the deleted collection.
    pub fn product_collections(&self) -> &EntityService<ProductCollection> {
        &self.collections
    }

    /// Product categories: the generated service, for reads (list with
    /// [`ProductCategoryFilter`](crate::ProductCategoryFilter), retrieve).
    /// Writes keep the tree consistent and are domain operations:
    /// [`create_categories`](Self::create_categories),
    /// [`update_category`](Self::update_category),
    /// [`soft_delete_categories`](Self::soft_delete_categories),
    /// [`restore_categories`](Self::restore_categories),
    /// [`delete_categories`](Self::delete_categories). The generated
    /// writes do not maintain `mpath` or ranks: do not use them for
    /// categories.
    pub fn product_categories(&self) -> &EntityService<ProductCategory> {
        &self.categories
    }

    /// Product types: the generated service. Products keep their `type_id`
    /// when a type is soft-deleted.
    pub fn product_types(&self) -> &EntityService<ProductType> {
        &self.types
    }

    /// Product options: the generated service (list, retrieve, soft delete,
    /// restore). Soft delete takes the option's values along (`cascade`) and
    /// keeps the product links, so a restore brings back the option, exactly
    /// the values deleted with it, and its place on products. Creating,
    /// updating (with the value list) and hard-deleting options are domain
    /// operations of [`ProductModule`]: [`create_options`](Self::create_options),
    /// [`update_option`](Self::update_option), [`delete_options`](Self::delete_options).
    pub fn product_options(&self) -> &EntityService<ProductOption> {
        &self.options
    }

    /// Option values: the generated service (list, retrieve, soft delete,
    /// restore). Values are created and re-ranked through their option.
    pub fn product_option_values(&self) -> &EntityService<ProductOptionValue> {
        &self.option_values
    }

    pub(crate) async fn conn(&self) -> Result<DbConn> {
        Ok(self.db.get().await?)
    }

    /// Emit what a committed mutation collected. A failing bus is logged, not
    /// returned: the data change has already happened.
    pub(crate) async fn emit(&self, events: Events) {
        if events.is_empty() {
            return;
        }
        if let Err(err) = self.events.emit(events.into_vec()).await {
            tracing::error!(error = %err, "product module: emitting events failed");
        }
    }
}

impl ServiceOf<Product> for ProductModule {
    fn service(&self) -> &EntityService<Product> {
        &self.products
    }
}

impl ServiceOf<ProductVariant> for ProductModule {
    fn service(&self) -> &EntityService<ProductVariant> {
        &self.variants
    }
}

impl ServiceOf<ProductImage> for ProductModule {
    fn service(&self) -> &EntityService<ProductImage> {
        &self.images
    }
}

impl ServiceOf<ProductTag> for ProductModule {
    fn service(&self) -> &EntityService<ProductTag> {
        &self.tags
    }
}

impl ServiceOf<ProductCollection> for ProductModule {
    fn service(&self) -> &EntityService<ProductCollection> {
        &self.collections
    }
}

impl ServiceOf<ProductCategory> for ProductModule {
    fn service(&self) -> &EntityService<ProductCategory> {
        &self.categories
    }
}

impl ServiceOf<ProductOption> for ProductModule {
    fn service(&self) -> &EntityService<ProductOption> {
        &self.options
    }
}

impl ServiceOf<ProductOptionValue> for ProductModule {
    fn service(&self) -> &EntityService<ProductOptionValue> {
        &self.option_values
    }
}

impl ServiceOf<ProductType> for ProductModule {
    fn service(&self) -> &EntityService<ProductType> {
        &self.types
    }
}

/// The creation time of the `index`-th row of a batch. Rows created by one
/// call get distinct timestamps, 1 µs apart, so ordering by `created_at`
/// gives back the input order.
pub(crate) fn stamp(now: DateTime<Utc>, index: usize) -> DateTime<Utc> {
    now + chrono::Duration::microseconds(i64::try_from(index).unwrap_or(i64::MAX))
}

/// Medusa's message for a missing entity.
pub(crate) fn not_found(entity: &str, id: &str) -> Error {
    Error::not_found(format!("{entity} with id: {id} was not found"))
}

/// Fail with Medusa's not-found message if any of `wanted` is not in `found`.
pub(crate) fn ensure_found(entity: &str, wanted: &[String], found: &[String]) -> Result<()> {
    let missing = crate::input::missing(wanted, found);
    if missing.is_empty() {
        Ok(())
    } else {
        Err(not_found(entity, &missing.join(", ")))
    }
}

/// Rewrite a unique violation the way Medusa words it:
/// `Product with handle: shirt, already exists.`
pub(crate) fn refine(err: Error) -> Error {
    if err.kind() != ErrorKind::DuplicateError {
        return err;
    }
    let source = std::error::Error::source(&err);
    let Some(diesel::result::Error::DatabaseError(_, info)) =
        source.and_then(|s| s.downcast_ref::<diesel::result::Error>())
    else {
        return err;
    };
    match (info.table_name(), info.details().and_then(parse_key_detail)) {
        (Some(table), Some(pairs)) => Error::duplicate(format!(
            "{} with {pairs}, already exists.",
            entity_words(table)
        )),
        _ => err,
    }
}

/// `Key (a, b)=(x, y) already exists.` → `a: x, b: y`.
fn parse_key_detail(detail: &str) -> Option<String> {
    let rest = detail.strip_prefix("Key (")?;
    let (keys, rest) = rest.split_once(")=(")?;
    let (values, _) = rest.rsplit_once(") ")?;
    let keys: Vec<&str> = keys.split(", ").collect();
    let values: Vec<&str> = values.split(", ").collect();
    if keys.len() != values.len() {
        return Some(format!("{}: {}", keys.join(", "), values.join(", ")));
    }
    Some(
        keys.iter()
            .zip(&values)
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// `product_variant` → `Product variant`.
fn entity_words(table: &str) -> String {
    let words = table.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

pub(crate) use crate::input::to_handle;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_details_read_like_medusa() {
        assert_eq!(
            parse_key_detail("Key (handle)=(shirt) already exists.").as_deref(),
            Some("handle: shirt")
        );
        assert_eq!(
            parse_key_detail("Key (option_id, value)=(opt_1, S) already exists.").as_deref(),
            Some("option_id: opt_1, value: S")
        );
        assert_eq!(entity_words("product_variant"), "Product variant");
    }

    #[test]
    fn handles_are_kebab_case() {
        assert_eq!(to_handle("Medusa T-Shirt"), "medusa-t-shirt");
        assert_eq!(
            to_handle("Winter Collection 2024!"),
            "winter-collection-2024"
        );
    }
}
