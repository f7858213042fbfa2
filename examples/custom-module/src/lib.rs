//! A custom module as a Stheno application writes it: a `brand` table with
//! its own migration, a service with typed methods, a workflow with a hook
//! (`workflows`), and Admin and Store routes. Linking this crate is enough
//! for the framework to find the module (`register_module!`), the routes
//! (`register_routes!`) and the workflow (`register_workflow!`).

pub mod routes;
pub mod workflows;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use stheno::sdk::list::Page;
use stheno::sdk::prelude::*;

diesel::table! {
    brand (id) {
        id -> Text,
        name -> Text,
        metadata -> Nullable<Jsonb>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        deleted_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    product_brand (product_id) {
        product_id -> Text,
        brand_id -> Text,
        created_at -> Timestamptz,
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Queryable, Selectable)]
#[diesel(table_name = brand)]
pub struct Brand {
    pub id: String,
    pub name: String,
    pub metadata: Option<serde_json::Value>,
    #[serde(serialize_with = "stheno::sdk::time::iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "stheno::sdk::time::iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "stheno::sdk::time::iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Body of `POST /admin/brands`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBrand {
    pub name: String,
    pub metadata: Option<serde_json::Value>,
}

/// The brand module.
#[derive(Clone)]
pub struct BrandModule {
    db: DbPool,
}

#[async_trait]
impl Module for BrandModule {
    const KEY: &'static str = "brand";
    const MIGRATIONS: Option<Migrations> =
        Some(diesel_migrations::embed_migrations!("migrations/brand"));

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        Ok(Self {
            db: ctx.db().clone(),
        })
    }
}
stheno::register_module!(BrandModule);

impl BrandModule {
    /// Create a brand; a taken name is a `duplicate_error`. (The
    /// `create-brand` workflow emits `brand.created`.)
    pub async fn create(&self, input: CreateBrand) -> Result<Brand> {
        let mut conn = self.db.get().await?;
        let created: Brand = diesel::insert_into(brand::table)
            .values((
                brand::id.eq(generate_id("brand")),
                brand::name.eq(&input.name),
                brand::metadata.eq(&input.metadata),
            ))
            .returning(Brand::as_returning())
            .get_result(&mut conn)
            .await?;
        Ok(created)
    }

    /// Delete a brand for good (the compensation of its creation).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let mut conn = self.db.get().await?;
        diesel::delete(brand::table.filter(brand::id.eq(id)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Give products a brand (replacing any brand they had). An unknown
    /// brand is `not_found`.
    pub async fn link_products(&self, brand_id: &str, product_ids: &[String]) -> Result<()> {
        self.retrieve(brand_id).await?;
        let mut conn = self.db.get().await?;
        let rows: Vec<_> = product_ids
            .iter()
            .map(|p| {
                (
                    product_brand::product_id.eq(p),
                    product_brand::brand_id.eq(brand_id),
                )
            })
            .collect();
        diesel::insert_into(product_brand::table)
            .values(rows)
            .on_conflict(product_brand::product_id)
            .do_update()
            .set(product_brand::brand_id.eq(brand_id))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Remove the brand of these products.
    pub async fn unlink_products(&self, product_ids: &[String]) -> Result<()> {
        let mut conn = self.db.get().await?;
        diesel::delete(product_brand::table.filter(product_brand::product_id.eq_any(product_ids)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Ids of the products of a brand.
    pub async fn product_ids(&self, brand_id: &str) -> Result<Vec<String>> {
        let mut conn = self.db.get().await?;
        Ok(product_brand::table
            .filter(product_brand::brand_id.eq(brand_id))
            .order(product_brand::product_id)
            .select(product_brand::product_id)
            .load(&mut conn)
            .await?)
    }

    /// A page of brands (not deleted), newest first, and the total count.
    pub async fn list(&self, page: Page) -> Result<(Vec<Brand>, i64)> {
        let mut conn = self.db.get().await?;
        let rows = brand::table
            .filter(brand::deleted_at.is_null())
            .order(brand::created_at.desc())
            .offset(page.offset)
            .limit(page.limit)
            .select(Brand::as_select())
            .load(&mut conn)
            .await?;
        let count = brand::table
            .filter(brand::deleted_at.is_null())
            .count()
            .get_result(&mut conn)
            .await?;
        Ok((rows, count))
    }

    /// One brand, or `not_found`.
    pub async fn retrieve(&self, id: &str) -> Result<Brand> {
        let mut conn = self.db.get().await?;
        brand::table
            .filter(brand::id.eq(id).and(brand::deleted_at.is_null()))
            .select(Brand::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| Error::not_found(format!("Brand with id: {id} was not found")))
    }
}
