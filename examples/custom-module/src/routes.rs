//! `/admin/brands` (list, create, retrieve, update, delete) and
//! `/store/brands` (list, retrieve), from the route kit. Creation runs the
//! `create-brand` workflow, so its hook applies.

use stheno::api::crud::CrudResource;
use stheno::prelude::*;
use stheno::sdk::graph::FieldsConfig;

use crate::workflows::CREATE_BRAND;
use crate::{Brand, BrandModule, CreateBrand};

pub struct Brands;

impl CrudResource for Brands {
    type Module = BrandModule;
    type Entity = Brand;
    const FIELDS: FieldsConfig<'static> = FieldsConfig {
        defaults: &["id", "name", "metadata", "created_at", "updated_at"],
        allowed: None,
        max_depth: None,
    };
    const DEFAULT_LIMIT: i64 = 20;

    /// `POST /admin/brands` runs `create-brand` (with its hook).
    async fn create_one(c: &Container, input: CreateBrand) -> Result<Brand> {
        Ok(c.workflows().run(&CREATE_BRAND, input).await.result?)
    }
}

stheno::api::crud_routes!(Brands, admin = "/brands", store = "/brands");
