//! How Query follows the product module's relations.
//!
//! One [`EntitySource`] per entity. Each relation is loaded for a whole batch
//! of parents with one SQL statement (a join through the pivot where there is
//! one), so `fields=*variants.options` on a page of products costs two
//! statements, whatever the page size. Soft-deleted rows are never returned.
//! For storefront reads ([`QueryContext::storefront`]) nested `products`
//! only include published products, and `categories`, `category_children`
//! and `parent_category` only active, public categories. The single
//! `product` of a variant or image is not filtered by status: it is reached
//! from a record the caller could already see.

use std::sync::Arc;

use async_trait::async_trait;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Serialize;
use stheno_module_sdk::graph::{
    EntitySource, QueryContext, Record, RelationDef, record_id, to_record,
};
use stheno_module_sdk::{Error, Result};

use crate::ProductModule;
use crate::models::*;
use crate::schema::*;

/// The entity sources of the product module, for Query.
pub fn sources(module: &Arc<ProductModule>) -> Vec<Arc<dyn EntitySource>> {
    let m = || Arc::clone(module);
    vec![
        Arc::new(ProductSource(m())),
        Arc::new(VariantSource(m())),
        Arc::new(OptionSource(m())),
        Arc::new(OptionValueSource(m())),
        Arc::new(ImageSource(m())),
        Arc::new(TagSource(m())),
        Arc::new(TypeSource(m())),
        Arc::new(CollectionSource(m())),
        Arc::new(CategorySource(m())),
    ]
}

fn parent_ids(parents: &[&Record]) -> Vec<String> {
    crate::input::dedup(
        parents
            .iter()
            .filter_map(|p| record_id(p))
            .map(str::to_string),
    )
}

fn pairs<T: Serialize>(rows: Vec<(String, T)>) -> Result<Vec<(String, Record)>> {
    rows.into_iter()
        .map(|(key, row)| Ok((key, to_record(&row)?)))
        .collect()
}

/// `rows` as `(key, record)` pairs, each keyed by the parent id `key` reads
/// from it.
fn keyed<T: Serialize>(rows: Vec<T>, key: impl Fn(&T) -> String) -> Result<Vec<(String, Record)>> {
    rows.iter()
        .map(|row| Ok((key(row), to_record(row)?)))
        .collect()
}

fn unknown(entity: &str, relation: &str) -> Error {
    Error::invalid_data(format!("{entity} has no relation `{relation}`"))
}

/// An [`EntitySource`] `$source` for the entity `$entity` with the relations
/// `$relations`. The closure-like last argument is the body of
/// [`EntitySource::load_relation`]: it is given the relation's name, the
/// parents' ids (never empty: no parents load nothing), a connection and the
/// [`QueryContext`], and answers a relation it does not know with
/// [`unknown`].
macro_rules! entity_source {
    (
        $source:ident,
        $entity:literal,
        $relations:expr,
        |$relation:ident, $ids:ident, $c:ident, $ctx:ident| $load:expr
        $(, by_ids: |$bids:ident, $bc:ident, $bctx:ident| $by:expr)? $(,)?
    ) => {
        struct $source(Arc<ProductModule>);

        #[async_trait]
        impl EntitySource for $source {
            fn entity(&self) -> &'static str {
                $entity
            }

            fn relations(&self) -> &'static [RelationDef] {
                const RELATIONS: &[RelationDef] = $relations;
                RELATIONS
            }

            async fn load_relation(
                &self,
                $relation: &str,
                parents: &[&Record],
                $ctx: QueryContext,
            ) -> Result<Vec<(String, Record)>> {
                let $ids = parent_ids(parents);
                if $ids.is_empty() {
                    return Ok(Vec::new());
                }
                let mut conn = self.0.conn().await?;
                let $c = &mut conn;
                $load
            }

            $(
                async fn load_by_ids(
                    &self,
                    $bids: &[String],
                    $bctx: QueryContext,
                ) -> Result<Vec<Record>> {
                    if $bids.is_empty() {
                        return Ok(Vec::new());
                    }
                    let mut conn = self.0.conn().await?;
                    let $bc = &mut conn;
                    $by
                }
            )?
        }
    };
}

/// The live `$to` row each `$from` row with an id in `$ids` points to,
/// selected as `$model` and keyed by the `$from` id.
macro_rules! belongs_to {
    ($c:expr, $ids:expr, $from:ident, $to:ident, $model:ident) => {
        pairs(
            $from::table
                .inner_join($to::table)
                .filter($from::id.eq_any($ids))
                .filter($to::deleted_at.is_null())
                .select(($from::id, $model::as_select()))
                .load::<(String, $model)>($c)
                .await?,
        )
    };
}

/// Live products of `$query` (published only for the storefront), oldest
/// first.
macro_rules! visible_products {
    ($query:expr, $ctx:expr) => {{
        let mut query = $query.filter(product::deleted_at.is_null()).into_boxed();
        if $ctx.storefront {
            query = query.filter(product::status.eq(ProductStatus::Published));
        }
        query.order((product::created_at.asc(), product::id.asc()))
    }};
}

/// Categories of `$query` visible in `ctx` (active and public ones for the
/// storefront), by `rank`.
macro_rules! visible_categories {
    ($query:expr, $ctx:expr) => {{
        let mut query = $query
            .filter(product_category::deleted_at.is_null())
            .into_boxed();
        if $ctx.storefront {
            query = query
                .filter(product_category::is_active.eq(true))
                .filter(product_category::is_internal.eq(false));
        }
        query.order((product_category::rank.asc(), product_category::id.asc()))
    }};
}

entity_source!(
    ProductSource,
    "product",
    &[
        RelationDef::many("variants", "product_variant"),
        RelationDef::many("options", "product_option"),
        RelationDef::many("images", "image"),
        RelationDef::many("tags", "product_tag"),
        RelationDef::one("type", "product_type"),
        RelationDef::one("collection", "product_collection"),
        RelationDef::many("categories", "product_category"),
    ],
    |relation, ids, c, ctx| match relation {
        "variants" => keyed(
            product_variant::table
                .filter(product_variant::product_id.eq_any(&ids))
                .filter(product_variant::deleted_at.is_null())
                .order((
                    product_variant::variant_rank.asc(),
                    product_variant::created_at.asc(),
                    product_variant::id.asc(),
                ))
                .select(ProductVariant::as_select())
                .load(c)
                .await?,
            |v: &ProductVariant| v.product_id.clone().unwrap_or_default(),
        ),
        "options" => pairs(
            product_product_option::table
                .inner_join(product_option::table)
                .filter(product_product_option::product_id.eq_any(&ids))
                .filter(product_product_option::deleted_at.is_null())
                .filter(product_option::deleted_at.is_null())
                .order((
                    product_product_option::created_at.asc(),
                    product_product_option::id.asc(),
                ))
                .select((
                    product_product_option::product_id,
                    ProductOption::as_select(),
                ))
                .load::<(String, ProductOption)>(c)
                .await?,
        ),
        "images" => keyed(
            image::table
                .filter(image::product_id.eq_any(&ids))
                .filter(image::deleted_at.is_null())
                .order((image::rank.asc(), image::id.asc()))
                .select(ProductImage::as_select())
                .load(c)
                .await?,
            |i: &ProductImage| i.product_id.clone(),
        ),
        "tags" => pairs(
            product_tags::table
                .inner_join(product_tag::table)
                .filter(product_tags::product_id.eq_any(&ids))
                .filter(product_tag::deleted_at.is_null())
                .order((product_tag::created_at.asc(), product_tag::id.asc()))
                .select((product_tags::product_id, ProductTag::as_select()))
                .load::<(String, ProductTag)>(c)
                .await?,
        ),
        "type" => belongs_to!(c, &ids, product, product_type, ProductType),
        "collection" => belongs_to!(c, &ids, product, product_collection, ProductCollection),
        "categories" => pairs(
            visible_categories!(
                product_category_product::table
                    .inner_join(product_category::table)
                    .filter(product_category_product::product_id.eq_any(&ids)),
                ctx
            )
            .select((
                product_category_product::product_id,
                ProductCategory::as_select(),
            ))
            .load::<(String, ProductCategory)>(c)
            .await?,
        ),
        other => Err(unknown("product", other)),
    },
    // Links to products (`brand.products`): live ones, published only for
    // the storefront.
    by_ids: |ids, c, ctx| {
        let rows: Vec<Product> =
            visible_products!(product::table.filter(product::id.eq_any(ids)), ctx)
                .select(Product::as_select())
                .load(c)
                .await?;
        rows.iter().map(to_record).collect()
    },
);

entity_source!(
    VariantSource,
    "product_variant",
    &[
        RelationDef::many("options", "product_option_value"),
        RelationDef::one("product", "product"),
        RelationDef::many("images", "image"),
    ],
    |relation, ids, c, _ctx| match relation {
        "options" => pairs(
            product_variant_option::table
                .inner_join(product_option_value::table)
                .filter(product_variant_option::variant_id.eq_any(&ids))
                .filter(product_option_value::deleted_at.is_null())
                .order((
                    product_option_value::rank.asc(),
                    product_option_value::id.asc(),
                ))
                .select((
                    product_variant_option::variant_id,
                    ProductOptionValue::as_select(),
                ))
                .load::<(String, ProductOptionValue)>(c)
                .await?,
        ),
        "product" => belongs_to!(c, &ids, product_variant, product, Product),
        "images" => pairs(
            product_variant_product_image::table
                .inner_join(image::table)
                .filter(product_variant_product_image::variant_id.eq_any(&ids))
                .filter(product_variant_product_image::deleted_at.is_null())
                .filter(image::deleted_at.is_null())
                .order((image::rank.asc(), image::id.asc()))
                .select((
                    product_variant_product_image::variant_id,
                    ProductImage::as_select(),
                ))
                .load::<(String, ProductImage)>(c)
                .await?,
        ),
        other => Err(unknown("product_variant", other)),
    }
);

entity_source!(
    OptionSource,
    "product_option",
    &[
        RelationDef::many("values", "product_option_value"),
        RelationDef::many("products", "product"),
    ],
    |relation, ids, c, ctx| match relation {
        "values" => keyed(
            product_option_value::table
                .filter(product_option_value::option_id.eq_any(&ids))
                .filter(product_option_value::deleted_at.is_null())
                .order((
                    product_option_value::rank.asc(),
                    product_option_value::id.asc(),
                ))
                .select(ProductOptionValue::as_select())
                .load(c)
                .await?,
            |v: &ProductOptionValue| v.option_id.clone().unwrap_or_default(),
        ),
        "products" => pairs(
            visible_products!(
                product_product_option::table
                    .inner_join(product::table)
                    .filter(product_product_option::product_option_id.eq_any(&ids))
                    .filter(product_product_option::deleted_at.is_null()),
                ctx
            )
            .select((
                product_product_option::product_option_id,
                Product::as_select(),
            ))
            .load::<(String, Product)>(c)
            .await?,
        ),
        other => Err(unknown("product_option", other)),
    }
);

entity_source!(
    OptionValueSource,
    "product_option_value",
    &[RelationDef::one("option", "product_option")],
    |relation, ids, c, _ctx| match relation {
        "option" => belongs_to!(c, &ids, product_option_value, product_option, ProductOption),
        other => Err(unknown("product_option_value", other)),
    }
);

entity_source!(
    ImageSource,
    "image",
    &[RelationDef::one("product", "product")],
    |relation, ids, c, _ctx| match relation {
        "product" => belongs_to!(c, &ids, image, product, Product),
        other => Err(unknown("image", other)),
    }
);

entity_source!(
    TagSource,
    "product_tag",
    &[RelationDef::many("products", "product")],
    |relation, ids, c, ctx| match relation {
        "products" => pairs(
            visible_products!(
                product_tags::table
                    .inner_join(product::table)
                    .filter(product_tags::product_tag_id.eq_any(&ids)),
                ctx
            )
            .select((product_tags::product_tag_id, Product::as_select()))
            .load::<(String, Product)>(c)
            .await?,
        ),
        other => Err(unknown("product_tag", other)),
    }
);

entity_source!(
    TypeSource,
    "product_type",
    &[RelationDef::many("products", "product")],
    |relation, ids, c, ctx| match relation {
        "products" => keyed(
            visible_products!(product::table.filter(product::type_id.eq_any(&ids)), ctx)
                .select(Product::as_select())
                .load(c)
                .await?,
            |p: &Product| p.type_id.clone().unwrap_or_default(),
        ),
        other => Err(unknown("product_type", other)),
    }
);

entity_source!(
    CollectionSource,
    "product_collection",
    &[RelationDef::many("products", "product")],
    |relation, ids, c, ctx| match relation {
        "products" => keyed(
            visible_products!(
                product::table.filter(product::collection_id.eq_any(&ids)),
                ctx
            )
            .select(Product::as_select())
            .load(c)
            .await?,
            |p: &Product| p.collection_id.clone().unwrap_or_default(),
        ),
        other => Err(unknown("product_collection", other)),
    }
);

diesel::alias!(product_category as parent_category: ParentCategory);

entity_source!(
    CategorySource,
    "product_category",
    &[
        RelationDef::one("parent_category", "product_category"),
        RelationDef::many("category_children", "product_category"),
        RelationDef::many("products", "product"),
    ],
    |relation, ids, c, ctx| match relation {
        "parent_category" => {
            let mut query = product_category::table
                .inner_join(
                    parent_category.on(parent_category
                        .field(product_category::id)
                        .nullable()
                        .eq(product_category::parent_category_id)),
                )
                .filter(product_category::id.eq_any(&ids))
                .filter(
                    parent_category
                        .field(product_category::deleted_at)
                        .is_null(),
                )
                .into_boxed();
            if ctx.storefront {
                query = query
                    .filter(parent_category.field(product_category::is_active).eq(true))
                    .filter(
                        parent_category
                            .field(product_category::is_internal)
                            .eq(false),
                    );
            }
            pairs(
                query
                    .select((
                        product_category::id,
                        parent_category.fields(product_category::all_columns),
                    ))
                    .load::<(String, ProductCategory)>(c)
                    .await?,
            )
        }
        "category_children" => keyed(
            visible_categories!(
                product_category::table.filter(product_category::parent_category_id.eq_any(&ids)),
                ctx
            )
            .select(ProductCategory::as_select())
            .load(c)
            .await?,
            |cat: &ProductCategory| cat.parent_category_id.clone().unwrap_or_default(),
        ),
        "products" => pairs(
            visible_products!(
                product_category_product::table
                    .inner_join(product::table)
                    .filter(product_category_product::product_category_id.eq_any(&ids)),
                ctx
            )
            .select((
                product_category_product::product_category_id,
                Product::as_select(),
            ))
            .load::<(String, Product)>(c)
            .await?,
        ),
        other => Err(unknown("product_category", other)),
    }
);
