//! The catalog resources both namespaces serve, all on the route kit:
//! collections, tags and types with the generated bodies, global options
//! and categories with bodies of their own ([`CustomBodies`]).
//! `admin::catalog` and `store::catalog` register them; neither imports the
//! other.

use stheno_core_flows::product::{self, Update};
use stheno_framework::Container;
use stheno_module_sdk::Result;
use stheno_module_sdk::graph::FieldsConfig;
use stheno_product::models::{
    CreateProductCollection, CreateProductTag, CreateProductType, ProductCategory,
    ProductCollection, ProductOption, ProductTag, ProductType, UpdateProductCollection,
    UpdateProductTag, UpdateProductType,
};
use stheno_product::{
    CreateCategoryInput, CreateOptionInput, ProductModule, UpdateCategoryInput, UpdateOptionInput,
};
use stheno_workflow_sdk::Workflow;

use crate::crud::{CrudResource, CustomBodies, SelectionFlag};
use crate::fields::{
    ADMIN_CATEGORY, ADMIN_COLLECTION, ADMIN_OPTION, ADMIN_TAG, ADMIN_TYPE, STORE_CATEGORY,
    STORE_COLLECTION, STORE_OPTION, STORE_TAG, STORE_TYPE,
};
use crate::workflow::run;

// ---- collections -------------------------------------------------------

/// Collections: the route kit over the product module's generated service.
pub(crate) struct Collections;

impl CrudResource for Collections {
    type Module = ProductModule;
    type Entity = ProductCollection;
    const FIELDS: FieldsConfig<'static> = ADMIN_COLLECTION;
    const STORE_FIELDS: FieldsConfig<'static> = STORE_COLLECTION;
    const DEFAULT_LIMIT: i64 = 10;
    const STORE_ORDER: Option<&'static str> = Some("-created_at");
    const KEY: Option<&'static str> = Some("collection");
    fn create() -> Workflow<Vec<CreateProductCollection>, Vec<ProductCollection>> {
        product::create_collections()
    }
    fn update() -> Workflow<Vec<Update<UpdateProductCollection>>, Vec<ProductCollection>> {
        product::update_collections()
    }
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        product::delete_collections()
    }
}

// ---- tags and types ----------------------------------------------------

/// Tags: the route kit over the product module's generated service.
pub(crate) struct Tags;

impl CrudResource for Tags {
    type Module = ProductModule;
    type Entity = ProductTag;
    const FIELDS: FieldsConfig<'static> = ADMIN_TAG;
    const STORE_FIELDS: FieldsConfig<'static> = STORE_TAG;
    fn create() -> Workflow<Vec<CreateProductTag>, Vec<ProductTag>> {
        product::create_product_tags()
    }
    fn update() -> Workflow<Vec<Update<UpdateProductTag>>, Vec<ProductTag>> {
        product::update_product_tags()
    }
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        product::delete_product_tags()
    }
}

/// Types: the route kit over the product module's generated service.
pub(crate) struct Types;

impl CrudResource for Types {
    type Module = ProductModule;
    type Entity = ProductType;
    const FIELDS: FieldsConfig<'static> = ADMIN_TYPE;
    const STORE_FIELDS: FieldsConfig<'static> = STORE_TYPE;
    fn create() -> Workflow<Vec<CreateProductType>, Vec<ProductType>> {
        product::create_product_types()
    }
    fn update() -> Workflow<Vec<Update<UpdateProductType>>, Vec<ProductType>> {
        product::update_product_types()
    }
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        product::delete_product_types()
    }
}

// ---- global product options (Medusa 2.16+) ------------------------------

/// Global options: the route kit, with the option bodies (`values` travel
/// with the option) and Medusa's soft-deleting `delete-product-options`.
pub(crate) struct Options;

impl CrudResource for Options {
    type Module = ProductModule;
    type Entity = ProductOption;
    const FIELDS: FieldsConfig<'static> = ADMIN_OPTION;
    const STORE_FIELDS: FieldsConfig<'static> = STORE_OPTION;
    const KEY: Option<&'static str> = Some("product_option");
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        product::delete_product_options()
    }
}

impl CustomBodies for Options {
    type CreateBody = CreateOptionInput;
    type UpdateBody = UpdateOptionInput;
    async fn create_from(c: &Container, input: CreateOptionInput) -> Result<ProductOption> {
        one(run(c, product::create_product_options(), vec![input]).await?)
    }
    async fn update_from(
        c: &Container,
        id: &str,
        input: UpdateOptionInput,
    ) -> Result<ProductOption> {
        let update = vec![Update::new(id, input)];
        one(run(c, product::update_product_options(), update).await?)
    }
}

// ---- categories -----------------------------------------------------------

/// `include_ancestors_tree` / `include_descendants_tree`: follow the parent
/// chain or the children, three levels deep (the store relation limit).
const CATEGORY_TREES: &[SelectionFlag] = &[
    SelectionFlag {
        param: "include_ancestors_tree",
        fields: &["*parent_category", "*parent_category.parent_category"],
    },
    SelectionFlag {
        param: "include_descendants_tree",
        fields: &[
            "*category_children",
            "*category_children.category_children",
            "*category_children.category_children.category_children",
        ],
    },
];

/// Categories: the route kit over the generated service for reads, the
/// tree's own workflows for writes; shoppers see active, public categories.
pub(crate) struct Categories;

impl CrudResource for Categories {
    type Module = ProductModule;
    type Entity = ProductCategory;
    const FIELDS: FieldsConfig<'static> = ADMIN_CATEGORY;
    const STORE_FIELDS: FieldsConfig<'static> = STORE_CATEGORY;
    const KEY: Option<&'static str> = Some("product_category");
    const PLURAL: Option<&'static str> = Some("product_categories");
    const SELECTION_FLAGS: &'static [SelectionFlag] = CATEGORY_TREES;
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        product::delete_product_categories()
    }
}

impl CustomBodies for Categories {
    type CreateBody = CreateCategoryInput;
    type UpdateBody = UpdateCategoryInput;
    async fn create_from(c: &Container, input: CreateCategoryInput) -> Result<ProductCategory> {
        one(run(c, product::create_product_categories(), vec![input]).await?)
    }
    async fn update_from(
        c: &Container,
        id: &str,
        input: UpdateCategoryInput,
    ) -> Result<ProductCategory> {
        let update = vec![Update::new(id, input)];
        one(run(c, product::update_product_categories(), update).await?)
    }
}

/// The row of a workflow run on one input.
pub(crate) fn one<T>(rows: Vec<T>) -> Result<T> {
    rows.into_iter()
        .next()
        .ok_or_else(|| stheno_module_sdk::Error::unexpected_state("nothing was written"))
}
