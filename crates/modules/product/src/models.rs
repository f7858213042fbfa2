//! The product module's entities, as stored and as serialised on the wire
//! (Medusa's field names; timestamps as `Date#toISOString()` strings).

use chrono::{DateTime, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::time::{iso, iso_opt};

use crate::schema::*;

/// Id prefixes of the module's entities.
pub mod prefix {
    pub const PRODUCT: &str = "prod";
    pub const VARIANT: &str = "variant";
    pub const OPTION: &str = "opt";
    pub const OPTION_VALUE: &str = "optval";
    pub const PRODUCT_OPTION: &str = "prodopt";
    pub const PRODUCT_OPTION_VALUE: &str = "prodoptval";
    pub const IMAGE: &str = "img";
    pub const VARIANT_IMAGE: &str = "pvpi";
    pub const TYPE: &str = "ptyp";
    pub const TAG: &str = "ptag";
    pub const COLLECTION: &str = "pcol";
    pub const CATEGORY: &str = "pcat";
}

/// Publication state of a product; only `published` products are visible to
/// shoppers.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    AsExpression,
    FromSqlRow,
    utoipa::ToSchema,
)]
#[diesel(sql_type = Text)]
#[serde(rename_all = "lowercase")]
pub enum ProductStatus {
    #[default]
    Draft,
    Proposed,
    Published,
    Rejected,
}

impl ProductStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProductStatus::Draft => "draft",
            ProductStatus::Proposed => "proposed",
            ProductStatus::Published => "published",
            ProductStatus::Rejected => "rejected",
        }
    }
}

impl std::str::FromStr for ProductStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(ProductStatus::Draft),
            "proposed" => Ok(ProductStatus::Proposed),
            "published" => Ok(ProductStatus::Published),
            "rejected" => Ok(ProductStatus::Rejected),
            other => Err(format!("unknown product status `{other}`")),
        }
    }
}

impl ToSql<Text, Pg> for ProductStatus {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
        <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
    }
}

impl FromSql<Text, Pg> for ProductStatus {
    fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(text.parse()?)
    }
}

stheno_module_sdk::text_enum!(ProductStatus);

/// A product (`prod_…`). A generated entity:
/// [`ProductModule::products`](crate::ProductModule::products) is its
/// service for reads, soft delete and restore (variants and images go
/// with the product: `cascade`). Creating and updating a product with
/// everything nested in it, and hard-deleting it with its exclusive
/// options, are domain operations of [`ProductModule`](crate::ProductModule).
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "prod",
    searchable(title, subtitle, description, handle),
    soft_delete,
    store_scope(status = "published"),
    has_many(
        variants = ProductVariant,
        fk = "product_id",
        cascade,
        order = "variant_rank, created_at"
    ),
    has_many(images = ProductImage, fk = "product_id", cascade, order = "rank"),
    belongs_to(type = ProductType, fk = "type_id"),
    belongs_to(collection = ProductCollection, fk = "collection_id"),
    many_to_many(
        tags = ProductTag,
        through = "product_tags",
        fk = "product_id",
        other_fk = "product_tag_id"
    ),
    many_to_many(
        categories = ProductCategory,
        through = "product_category_product",
        fk = "product_id",
        other_fk = "product_category_id",
        order = "rank"
    ),
    many_to_many(
        options = ProductOption,
        through = "product_product_option",
        fk = "product_id",
        other_fk = "product_option_id"
    )
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product, check_for_backend(Pg))]
pub struct Product {
    pub id: String,
    pub title: String,
    #[entity(unique)]
    pub handle: String,
    pub subtitle: Option<String>,
    pub description: Option<String>,
    #[entity(default = "false")]
    pub is_giftcard: bool,
    #[entity(default = "'draft'")]
    pub status: ProductStatus,
    pub thumbnail: Option<String>,
    pub weight: Option<f32>,
    pub length: Option<f32>,
    pub height: Option<f32>,
    pub width: Option<f32>,
    pub origin_country: Option<String>,
    pub hs_code: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub collection_id: Option<String>,
    pub type_id: Option<String>,
    #[entity(default = "true")]
    pub discountable: bool,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

/// A purchasable variant of a product (`variant_…`). A generated entity:
/// [`ProductModule::product_variants`](crate::ProductModule::product_variants)
/// is its service for reads, soft delete, restore and delete. Links to
/// other modules hold its id in `variant_id`, as Medusa's do. Creating and
/// updating variants (option values checked against the product) are
/// domain operations.
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "variant",
    searchable(title, sku, barcode, ean, upc),
    soft_delete,
    link_column = "variant_id",
    belongs_to(product = Product, fk = "product_id"),
    many_to_many(
        options = ProductOptionValue,
        through = "product_variant_option",
        fk = "variant_id",
        other_fk = "option_value_id",
        order = "rank"
    ),
    many_to_many(
        images = ProductImage,
        through = "product_variant_product_image",
        fk = "variant_id",
        other_fk = "image_id",
        order = "rank"
    )
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_variant, check_for_backend(Pg))]
pub struct ProductVariant {
    pub id: String,
    pub title: String,
    #[entity(unique)]
    pub sku: Option<String>,
    #[entity(unique)]
    pub barcode: Option<String>,
    #[entity(unique)]
    pub ean: Option<String>,
    #[entity(unique)]
    pub upc: Option<String>,
    #[entity(default = "false")]
    pub allow_backorder: bool,
    #[entity(default = "true")]
    pub manage_inventory: bool,
    pub hs_code: Option<String>,
    pub origin_country: Option<String>,
    pub mid_code: Option<String>,
    pub material: Option<String>,
    pub weight: Option<f32>,
    pub length: Option<f32>,
    pub height: Option<f32>,
    pub width: Option<f32>,
    pub variant_rank: Option<i32>,
    pub thumbnail: Option<String>,
    pub product_id: Option<String>,
    pub metadata: Option<Value>,
}

/// An option such as "Size" (`opt_…`). Options are global and linked to
/// products; an *exclusive* option belongs to the one product it was created
/// with. A generated entity:
/// [`ProductModule::product_options`](crate::ProductModule::product_options)
/// is its service; soft delete, restore and delete take the values along.
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "opt",
    searchable(title),
    soft_delete,
    has_many(values = ProductOptionValue, fk = "option_id", cascade, order = "rank"),
    many_to_many(
        products = Product,
        through = "product_product_option",
        fk = "product_option_id",
        other_fk = "product_id"
    )
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_option, check_for_backend(Pg))]
pub struct ProductOption {
    pub id: String,
    pub title: String,
    #[entity(default = "false")]
    pub is_exclusive: bool,
    pub metadata: Option<Value>,
}

/// One value of an option, such as "XL" (`optval_…`). A generated entity:
/// [`ProductModule::product_option_values`](crate::ProductModule::product_option_values)
/// is its service.
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "optval",
    searchable(value),
    soft_delete,
    belongs_to(option = ProductOption, fk = "option_id")
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_option_value, check_for_backend(Pg))]
pub struct ProductOptionValue {
    pub id: String,
    pub value: String,
    pub rank: Option<i32>,
    pub option_id: Option<String>,
    pub metadata: Option<Value>,
}

/// The link between a product and an option (`prodopt_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_product_option, check_for_backend(Pg))]
pub struct ProductProductOption {
    pub id: String,
    pub product_id: String,
    pub product_option_id: String,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A value of a linked option that the product uses (`prodoptval_…`). When a
/// link has none, the product uses all of the option's values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_product_option_value, check_for_backend(Pg))]
pub struct ProductProductOptionValue {
    pub id: String,
    pub product_product_option_id: String,
    pub product_option_value_id: String,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A product image (`img_…`), ordered by `rank`. A generated entity
/// (table `image`, Query name `image`):
/// [`ProductModule::product_images`](crate::ProductModule::product_images)
/// is its service. Images are written through their product.
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "img",
    table = "image",
    soft_delete,
    belongs_to(product = Product, fk = "product_id")
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = image, check_for_backend(Pg))]
pub struct ProductImage {
    pub id: String,
    pub url: String,
    #[entity(default = "0")]
    pub rank: i32,
    pub product_id: String,
    pub metadata: Option<Value>,
}

/// An image shown for one variant (`pvpi_…`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_variant_product_image, check_for_backend(Pg))]
pub struct ProductVariantProductImage {
    pub id: String,
    pub variant_id: String,
    pub image_id: String,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// A product type (`ptyp_…`); `value` is unique. A generated entity:
/// [`ProductModule::product_types`](crate::ProductModule::product_types) is
/// its service.
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "ptyp",
    searchable(value),
    soft_delete,
    has_many(products = Product, fk = "type_id")
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_type, check_for_backend(Pg))]
pub struct ProductType {
    pub id: String,
    #[entity(unique)]
    pub value: String,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

/// A product tag (`ptag_…`); `value` is unique. A generated entity:
/// [`ProductModule::product_tags`](crate::ProductModule::product_tags) is
/// its service.
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "ptag",
    searchable(value),
    soft_delete,
    many_to_many(
        products = Product,
        through = "product_tags",
        fk = "product_tag_id",
        other_fk = "product_id"
    )
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_tag, check_for_backend(Pg))]
pub struct ProductTag {
    pub id: String,
    #[entity(unique)]
    pub value: String,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

/// A product collection (`pcol_…`); `handle` is unique and defaults to the
/// kebab-cased title. A generated entity:
/// [`ProductModule::product_collections`](crate::ProductModule::product_collections)
/// is its service.
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "pcol",
    searchable(title, handle),
    soft_delete,
    prepare = default_handle,
    has_many(products = Product, fk = "collection_id")
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_collection, check_for_backend(Pg))]
pub struct ProductCollection {
    pub id: String,
    pub title: String,
    #[entity(unique, default)]
    pub handle: String,
    pub external_id: Option<String>,
    pub metadata: Option<Value>,
}

fn default_handle(input: &mut CreateProductCollection) -> stheno_module_sdk::Result<()> {
    if input.handle.is_none() {
        input.handle = Some(crate::input::to_handle(&input.title));
    }
    Ok(())
}

/// A node of the category tree (`pcat_…`). A generated entity:
/// [`ProductModule::product_categories`](crate::ProductModule::product_categories)
/// is its service for reads (list with the generated filter, retrieve).
/// The tree is domain code: create, update (moves), soft delete, restore and
/// delete go through [`ProductModule::create_categories`](crate::ProductModule::create_categories)
/// and its siblings, which keep `mpath` and sibling ranks right.
///
/// `mpath` is the materialised path: the ids of the ancestors and the
/// category itself joined by `.` (`pcat_root.pcat_child`). `rank` orders
/// siblings and is kept contiguous (`0..n`).
#[stheno_module_sdk::entity(
    module = "product",
    prefix = "pcat",
    searchable(name, handle, description),
    soft_delete,
    store_scope(is_active = true, is_internal = false),
    belongs_to(parent_category = ProductCategory, fk = "parent_category_id"),
    has_many(
        category_children = ProductCategory,
        fk = "parent_category_id",
        order = "rank"
    ),
    many_to_many(
        products = Product,
        through = "product_category_product",
        fk = "product_category_id",
        other_fk = "product_id"
    )
)]
#[derive(Queryable, Selectable, Identifiable)]
#[diesel(table_name = product_category, check_for_backend(Pg))]
pub struct ProductCategory {
    pub id: String,
    pub name: String,
    #[entity(default = "''")]
    pub description: String,
    #[entity(unique)]
    pub handle: String,
    pub mpath: String,
    #[entity(default = "false")]
    pub is_active: bool,
    #[entity(default = "false")]
    pub is_internal: bool,
    #[entity(default = "0")]
    pub rank: i32,
    pub external_id: Option<String>,
    pub parent_category_id: Option<String>,
    pub metadata: Option<Value>,
}
