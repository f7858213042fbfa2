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

fn unknown(entity: &str, relation: &str) -> Error {
    Error::invalid_data(format!("{entity} has no relation `{relation}`"))
}

/// Products with the given `product.id`s selected as `(key, product)`,
/// published only for the storefront.
macro_rules! visible_products {
    ($query:expr, $ctx:expr) => {{
        let mut query = $query.filter(product::deleted_at.is_null()).into_boxed();
        if $ctx.storefront {
            query = query.filter(product::status.eq(ProductStatus::Published));
        }
        query
    }};
}

/// Categories visible in `ctx`: active and public ones for the storefront.
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
        query
    }};
}

struct ProductSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for ProductSource {
    fn entity(&self) -> &'static str {
        "product"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[
            RelationDef::many("variants", "product_variant"),
            RelationDef::many("options", "product_option"),
            RelationDef::many("images", "image"),
            RelationDef::many("tags", "product_tag"),
            RelationDef::one("type", "product_type"),
            RelationDef::one("collection", "product_collection"),
            RelationDef::many("categories", "product_category"),
        ];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        let c = &mut conn;
        match relation {
            "variants" => {
                let rows: Vec<ProductVariant> = product_variant::table
                    .filter(product_variant::product_id.eq_any(&ids))
                    .filter(product_variant::deleted_at.is_null())
                    .order((
                        product_variant::variant_rank.asc(),
                        product_variant::created_at.asc(),
                        product_variant::id.asc(),
                    ))
                    .select(ProductVariant::as_select())
                    .load(c)
                    .await?;
                pairs(
                    rows.into_iter()
                        .map(|v| (v.product_id.clone().unwrap_or_default(), v))
                        .collect(),
                )
            }
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
            "images" => {
                let rows: Vec<ProductImage> = image::table
                    .filter(image::product_id.eq_any(&ids))
                    .filter(image::deleted_at.is_null())
                    .order((image::rank.asc(), image::id.asc()))
                    .select(ProductImage::as_select())
                    .load(c)
                    .await?;
                pairs(
                    rows.into_iter()
                        .map(|i| (i.product_id.clone(), i))
                        .collect(),
                )
            }
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
            "type" => pairs(
                product::table
                    .inner_join(product_type::table)
                    .filter(product::id.eq_any(&ids))
                    .filter(product_type::deleted_at.is_null())
                    .select((product::id, ProductType::as_select()))
                    .load::<(String, ProductType)>(c)
                    .await?,
            ),
            "collection" => pairs(
                product::table
                    .inner_join(product_collection::table)
                    .filter(product::id.eq_any(&ids))
                    .filter(product_collection::deleted_at.is_null())
                    .select((product::id, ProductCollection::as_select()))
                    .load::<(String, ProductCollection)>(c)
                    .await?,
            ),
            "categories" => pairs(
                visible_categories!(
                    product_category_product::table
                        .inner_join(product_category::table)
                        .filter(product_category_product::product_id.eq_any(&ids)),
                    ctx
                )
                .order((product_category::rank.asc(), product_category::id.asc()))
                .select((
                    product_category_product::product_id,
                    ProductCategory::as_select(),
                ))
                .load::<(String, ProductCategory)>(c)
                .await?,
            ),
            other => Err(unknown("product", other)),
        }
    }
}

struct VariantSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for VariantSource {
    fn entity(&self) -> &'static str {
        "product_variant"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[
            RelationDef::many("options", "product_option_value"),
            RelationDef::one("product", "product"),
            RelationDef::many("images", "image"),
        ];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        _ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        let c = &mut conn;
        match relation {
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
            "product" => pairs(
                product_variant::table
                    .inner_join(product::table)
                    .filter(product_variant::id.eq_any(&ids))
                    .filter(product::deleted_at.is_null())
                    .select((product_variant::id, Product::as_select()))
                    .load::<(String, Product)>(c)
                    .await?,
            ),
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
    }
}

struct OptionSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for OptionSource {
    fn entity(&self) -> &'static str {
        "product_option"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[
            RelationDef::many("values", "product_option_value"),
            RelationDef::many("products", "product"),
        ];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        let c = &mut conn;
        match relation {
            "values" => {
                let rows: Vec<ProductOptionValue> = product_option_value::table
                    .filter(product_option_value::option_id.eq_any(&ids))
                    .filter(product_option_value::deleted_at.is_null())
                    .order((
                        product_option_value::rank.asc(),
                        product_option_value::id.asc(),
                    ))
                    .select(ProductOptionValue::as_select())
                    .load(c)
                    .await?;
                pairs(
                    rows.into_iter()
                        .map(|v| (v.option_id.clone().unwrap_or_default(), v))
                        .collect(),
                )
            }
            "products" => pairs(
                visible_products!(
                    product_product_option::table
                        .inner_join(product::table)
                        .filter(product_product_option::product_option_id.eq_any(&ids))
                        .filter(product_product_option::deleted_at.is_null()),
                    ctx
                )
                .order((product::created_at.asc(), product::id.asc()))
                .select((
                    product_product_option::product_option_id,
                    Product::as_select(),
                ))
                .load::<(String, Product)>(c)
                .await?,
            ),
            other => Err(unknown("product_option", other)),
        }
    }
}

struct OptionValueSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for OptionValueSource {
    fn entity(&self) -> &'static str {
        "product_option_value"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[RelationDef::one("option", "product_option")];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        _ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        match relation {
            "option" => pairs(
                product_option_value::table
                    .inner_join(product_option::table)
                    .filter(product_option_value::id.eq_any(&ids))
                    .filter(product_option::deleted_at.is_null())
                    .select((product_option_value::id, ProductOption::as_select()))
                    .load::<(String, ProductOption)>(&mut conn)
                    .await?,
            ),
            other => Err(unknown("product_option_value", other)),
        }
    }
}

struct ImageSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for ImageSource {
    fn entity(&self) -> &'static str {
        "image"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[RelationDef::one("product", "product")];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        _ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        match relation {
            "product" => pairs(
                image::table
                    .inner_join(product::table)
                    .filter(image::id.eq_any(&ids))
                    .filter(product::deleted_at.is_null())
                    .select((image::id, Product::as_select()))
                    .load::<(String, Product)>(&mut conn)
                    .await?,
            ),
            other => Err(unknown("image", other)),
        }
    }
}

struct TagSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for TagSource {
    fn entity(&self) -> &'static str {
        "product_tag"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[RelationDef::many("products", "product")];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        match relation {
            "products" => pairs(
                visible_products!(
                    product_tags::table
                        .inner_join(product::table)
                        .filter(product_tags::product_tag_id.eq_any(&ids)),
                    ctx
                )
                .order((product::created_at.asc(), product::id.asc()))
                .select((product_tags::product_tag_id, Product::as_select()))
                .load::<(String, Product)>(&mut conn)
                .await?,
            ),
            other => Err(unknown("product_tag", other)),
        }
    }
}

struct TypeSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for TypeSource {
    fn entity(&self) -> &'static str {
        "product_type"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[RelationDef::many("products", "product")];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        match relation {
            "products" => {
                let rows: Vec<Product> =
                    visible_products!(product::table.filter(product::type_id.eq_any(&ids)), ctx)
                        .order((product::created_at.asc(), product::id.asc()))
                        .select(Product::as_select())
                        .load(&mut conn)
                        .await?;
                pairs(
                    rows.into_iter()
                        .map(|p| (p.type_id.clone().unwrap_or_default(), p))
                        .collect(),
                )
            }
            other => Err(unknown("product_type", other)),
        }
    }
}

struct CollectionSource(Arc<ProductModule>);

#[async_trait]
impl EntitySource for CollectionSource {
    fn entity(&self) -> &'static str {
        "product_collection"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[RelationDef::many("products", "product")];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        match relation {
            "products" => {
                let rows: Vec<Product> = visible_products!(
                    product::table.filter(product::collection_id.eq_any(&ids)),
                    ctx
                )
                .order((product::created_at.asc(), product::id.asc()))
                .select(Product::as_select())
                .load(&mut conn)
                .await?;
                pairs(
                    rows.into_iter()
                        .map(|p| (p.collection_id.clone().unwrap_or_default(), p))
                        .collect(),
                )
            }
            other => Err(unknown("product_collection", other)),
        }
    }
}

struct CategorySource(Arc<ProductModule>);

diesel::alias!(product_category as parent_category: ParentCategory);

#[async_trait]
impl EntitySource for CategorySource {
    fn entity(&self) -> &'static str {
        "product_category"
    }

    fn relations(&self) -> &'static [RelationDef] {
        const RELATIONS: &[RelationDef] = &[
            RelationDef::one("parent_category", "product_category"),
            RelationDef::many("category_children", "product_category"),
            RelationDef::many("products", "product"),
        ];
        RELATIONS
    }

    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = parent_ids(parents);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.0.conn().await?;
        let c = &mut conn;
        match relation {
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
            "category_children" => {
                let rows: Vec<ProductCategory> = visible_categories!(
                    product_category::table
                        .filter(product_category::parent_category_id.eq_any(&ids)),
                    ctx
                )
                .order((product_category::rank.asc(), product_category::id.asc()))
                .select(ProductCategory::as_select())
                .load(c)
                .await?;
                pairs(
                    rows.into_iter()
                        .map(|cat| (cat.parent_category_id.clone().unwrap_or_default(), cat))
                        .collect(),
                )
            }
            "products" => pairs(
                visible_products!(
                    product_category_product::table
                        .inner_join(product::table)
                        .filter(product_category_product::product_category_id.eq_any(&ids)),
                    ctx
                )
                .order((product::created_at.asc(), product::id.asc()))
                .select((
                    product_category_product::product_category_id,
                    Product::as_select(),
                ))
                .load::<(String, Product)>(c)
                .await?,
            ),
            other => Err(unknown("product_category", other)),
        }
    }
}
