//! Collections, categories, tags, types and global options: the generic
//! create/update/delete steps over each, and their workflows.

use stheno_module_sdk::Result;
use stheno_product::models::{
    CreateProductCollection, CreateProductTag, CreateProductType, ProductCategory,
    ProductCollection, ProductOption, ProductTag, ProductType, UpdateProductCollection,
    UpdateProductTag, UpdateProductType,
};
use stheno_product::{
    CreateCategoryInput, CreateOptionInput, OptionSnapshot, ProductModule, UpdateCategoryInput,
    UpdateOptionInput,
};

use crate::entity::{CreateEntities, SoftDeleteEntities, UpdateEntities};
use stheno_workflow_sdk::{Hook, Workflow, async_trait};

use super::{CreateStep, DeleteStep, Entity, Update, UpdateStep};

// ---- collections -----------------------------------------------------------

/// `create-collections` (⇐ delete), raising `product-collection.created`.
pub fn create_collections_step() -> CreateEntities<ProductModule, ProductCollection> {
    CreateEntities::new("create-collections").emitting("product-collection")
}
/// `update-collections` (⇐ the previous rows), raising `product-collection.updated`.
pub fn update_collections_step() -> UpdateEntities<ProductModule, ProductCollection> {
    UpdateEntities::new("update-collections").emitting("product-collection")
}
/// `delete-collections` (soft; ⇐ restore), raising `product-collection.deleted`.
pub fn delete_collections_step() -> SoftDeleteEntities<ProductModule, ProductCollection> {
    SoftDeleteEntities::new("delete-collections").emitting("product-collection")
}

/// Hook `collectionsCreated` of `create-collections`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const COLLECTIONS_CREATED: Hook<Vec<ProductCollection>> =
    Hook::new("create-collections", "collectionsCreated");

/// `create-collections` (`POST /admin/collections`).
pub fn create_collections() -> Workflow<Vec<CreateProductCollection>, Vec<ProductCollection>> {
    Workflow::new("create-collections")
        .then(create_collections_step())
        .hook(COLLECTIONS_CREATED)
}

/// Hook `collectionsUpdated` of `update-collections`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const COLLECTIONS_UPDATED: Hook<Vec<ProductCollection>> =
    Hook::new("update-collections", "collectionsUpdated");

/// `update-collections` (`POST /admin/collections/:id`).
pub fn update_collections() -> Workflow<Vec<Update<UpdateProductCollection>>, Vec<ProductCollection>>
{
    Workflow::new("update-collections")
        .then(update_collections_step())
        .hook(COLLECTIONS_UPDATED)
}

/// Hook `collectionsDeleted` of `delete-collections`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const COLLECTIONS_DELETED: Hook<Vec<String>> =
    Hook::new("delete-collections", "collectionsDeleted");

/// `delete-collections` (`DELETE /admin/collections/:id`): soft delete.
pub fn delete_collections() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::new("delete-collections")
        .then(delete_collections_step())
        .hook(COLLECTIONS_DELETED)
}

// ---- categories --------------------------------------------------------------

/// Product categories (`product-category.*` events). Deleting a category
/// deletes its subtree; restoring brings the subtree back.
#[derive(Debug)]
pub struct Categories;

#[async_trait]
impl Entity for Categories {
    type Module = ProductModule;
    type Row = ProductCategory;
    type Create = CreateCategoryInput;
    type Update = UpdateCategoryInput;
    type Snapshot = ProductCategory;
    const EVENT: &'static str = "product-category";
    const CREATE_STEP: &'static str = "create-product-categories";
    const UPDATE_STEP: &'static str = "update-product-categories";
    const DELETE_STEP: &'static str = "delete-product-categories";

    fn row_id(row: &ProductCategory) -> &str {
        &row.id
    }
    fn snapshot_id(row: &ProductCategory) -> &str {
        &row.id
    }
    async fn create(
        m: &ProductModule,
        input: Vec<CreateCategoryInput>,
    ) -> Result<Vec<ProductCategory>> {
        m.create_categories(input).await
    }
    async fn remove(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.delete_categories(ids).await
    }
    async fn snapshot(m: &ProductModule, ids: &[String]) -> Result<Vec<ProductCategory>> {
        m.product_categories().list_by_ids(ids).await
    }
    async fn update(
        m: &ProductModule,
        id: &str,
        input: UpdateCategoryInput,
    ) -> Result<ProductCategory> {
        m.update_category(id, input).await
    }
    /// Parent and rank are written back too, which moves the category (and
    /// its subtree) back to where it was.
    async fn revert(m: &ProductModule, rows: Vec<ProductCategory>) -> Result<()> {
        for r in rows {
            let input = UpdateCategoryInput {
                name: Some(r.name),
                description: Some(r.description),
                handle: Some(r.handle),
                is_active: Some(r.is_active),
                is_internal: Some(r.is_internal),
                parent_category_id: Some(r.parent_category_id),
                rank: Some(r.rank),
                external_id: Some(r.external_id),
                metadata: Some(r.metadata),
            };
            m.update_category(&r.id, input).await?;
        }
        Ok(())
    }
    async fn soft_delete(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.soft_delete_categories(ids).await
    }
    async fn restore(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.restore_categories(ids).await
    }
}

pub type CreateProductCategoriesStep = CreateStep<Categories>;
pub type UpdateProductCategoriesStep = UpdateStep<Categories>;
pub type DeleteProductCategoriesStep = DeleteStep<Categories>;

/// Hook `categoriesCreated` of `create-product-categories`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const CATEGORIES_CREATED: Hook<Vec<ProductCategory>> =
    Hook::new("create-product-categories", "categoriesCreated");

/// `create-product-categories` (`POST /admin/product-categories`).
pub fn create_product_categories() -> Workflow<Vec<CreateCategoryInput>, Vec<ProductCategory>> {
    Workflow::new("create-product-categories")
        .then(CreateProductCategoriesStep::new())
        .hook(CATEGORIES_CREATED)
}

/// Hook `categoriesUpdated` of `update-product-categories`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const CATEGORIES_UPDATED: Hook<Vec<ProductCategory>> =
    Hook::new("update-product-categories", "categoriesUpdated");

/// `update-product-categories` (`POST /admin/product-categories/:id`).
pub fn update_product_categories()
-> Workflow<Vec<Update<UpdateCategoryInput>>, Vec<ProductCategory>> {
    Workflow::new("update-product-categories")
        .then(UpdateProductCategoriesStep::new())
        .hook(CATEGORIES_UPDATED)
}

/// Hook `categoriesDeleted` of `delete-product-categories`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const CATEGORIES_DELETED: Hook<Vec<String>> =
    Hook::new("delete-product-categories", "categoriesDeleted");

/// `delete-product-categories` (`DELETE /admin/product-categories/:id`).
pub fn delete_product_categories() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::new("delete-product-categories")
        .then(DeleteProductCategoriesStep::new())
        .hook(CATEGORIES_DELETED)
}

// ---- tags and types ----------------------------------------------------------

/// `create-product-tags` (⇐ delete), raising `product-tag.created`.
pub fn create_product_tags_step() -> CreateEntities<ProductModule, ProductTag> {
    CreateEntities::new("create-product-tags").emitting("product-tag")
}
/// `update-product-tags` (⇐ the previous rows), raising `product-tag.updated`.
pub fn update_product_tags_step() -> UpdateEntities<ProductModule, ProductTag> {
    UpdateEntities::new("update-product-tags").emitting("product-tag")
}
/// `delete-product-tags` (soft; ⇐ restore), raising `product-tag.deleted`.
pub fn delete_product_tags_step() -> SoftDeleteEntities<ProductModule, ProductTag> {
    SoftDeleteEntities::new("delete-product-tags").emitting("product-tag")
}
/// `create-product-types` (⇐ delete), raising `product-type.created`.
pub fn create_product_types_step() -> CreateEntities<ProductModule, ProductType> {
    CreateEntities::new("create-product-types").emitting("product-type")
}
/// `update-product-types` (⇐ the previous rows), raising `product-type.updated`.
pub fn update_product_types_step() -> UpdateEntities<ProductModule, ProductType> {
    UpdateEntities::new("update-product-types").emitting("product-type")
}
/// `delete-product-types` (soft; ⇐ restore), raising `product-type.deleted`.
pub fn delete_product_types_step() -> SoftDeleteEntities<ProductModule, ProductType> {
    SoftDeleteEntities::new("delete-product-types").emitting("product-type")
}

/// Hook `productTagsCreated` of `create-product-tags`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_TAGS_CREATED: Hook<Vec<ProductTag>> =
    Hook::new("create-product-tags", "productTagsCreated");

/// `create-product-tags` (`POST /admin/product-tags`).
pub fn create_product_tags() -> Workflow<Vec<CreateProductTag>, Vec<ProductTag>> {
    Workflow::new("create-product-tags")
        .then(create_product_tags_step())
        .hook(PRODUCT_TAGS_CREATED)
}

/// Hook `productTagsUpdated` of `update-product-tags`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_TAGS_UPDATED: Hook<Vec<ProductTag>> =
    Hook::new("update-product-tags", "productTagsUpdated");

/// `update-product-tags` (`POST /admin/product-tags/:id`).
pub fn update_product_tags() -> Workflow<Vec<Update<UpdateProductTag>>, Vec<ProductTag>> {
    Workflow::new("update-product-tags")
        .then(update_product_tags_step())
        .hook(PRODUCT_TAGS_UPDATED)
}

/// Hook `productTagsDeleted` of `delete-product-tags`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_TAGS_DELETED: Hook<Vec<String>> =
    Hook::new("delete-product-tags", "productTagsDeleted");

/// `delete-product-tags` (`DELETE /admin/product-tags/:id`).
pub fn delete_product_tags() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::new("delete-product-tags")
        .then(delete_product_tags_step())
        .hook(PRODUCT_TAGS_DELETED)
}

/// Hook `productTypesCreated` of `create-product-types`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_TYPES_CREATED: Hook<Vec<ProductType>> =
    Hook::new("create-product-types", "productTypesCreated");

/// `create-product-types` (`POST /admin/product-types`).
pub fn create_product_types() -> Workflow<Vec<CreateProductType>, Vec<ProductType>> {
    Workflow::new("create-product-types")
        .then(create_product_types_step())
        .hook(PRODUCT_TYPES_CREATED)
}

/// Hook `productTypesUpdated` of `update-product-types`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_TYPES_UPDATED: Hook<Vec<ProductType>> =
    Hook::new("update-product-types", "productTypesUpdated");

/// `update-product-types` (`POST /admin/product-types/:id`).
pub fn update_product_types() -> Workflow<Vec<Update<UpdateProductType>>, Vec<ProductType>> {
    Workflow::new("update-product-types")
        .then(update_product_types_step())
        .hook(PRODUCT_TYPES_UPDATED)
}

/// Hook `productTypesDeleted` of `delete-product-types`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_TYPES_DELETED: Hook<Vec<String>> =
    Hook::new("delete-product-types", "productTypesDeleted");

/// `delete-product-types` (`DELETE /admin/product-types/:id`).
pub fn delete_product_types() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::new("delete-product-types")
        .then(delete_product_types_step())
        .hook(PRODUCT_TYPES_DELETED)
}

// ---- global options ------------------------------------------------------------

/// A global product option (`product-option.*` events).
#[derive(Debug)]
pub struct Options;

#[async_trait]
impl Entity for Options {
    type Module = ProductModule;
    type Row = ProductOption;
    type Create = CreateOptionInput;
    type Update = UpdateOptionInput;
    type Snapshot = OptionSnapshot;
    const EVENT: &'static str = "product-option";
    const CREATE_STEP: &'static str = "create-product-options";
    const UPDATE_STEP: &'static str = "update-product-options";
    const DELETE_STEP: &'static str = "delete-product-options";

    fn row_id(row: &ProductOption) -> &str {
        &row.id
    }
    fn snapshot_id(s: &OptionSnapshot) -> &str {
        &s.option.id
    }
    async fn create(
        m: &ProductModule,
        input: Vec<CreateOptionInput>,
    ) -> Result<Vec<ProductOption>> {
        m.create_options(input).await
    }
    async fn remove(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.delete_options(ids).await
    }
    async fn snapshot(m: &ProductModule, ids: &[String]) -> Result<Vec<OptionSnapshot>> {
        let mut snapshots = m.option_snapshots(ids).await?;
        snapshots.retain(|s| s.option.deleted_at.is_none());
        Ok(snapshots)
    }
    async fn update(
        m: &ProductModule,
        id: &str,
        input: UpdateOptionInput,
    ) -> Result<ProductOption> {
        m.update_option(id, input).await
    }
    async fn revert(m: &ProductModule, snapshots: Vec<OptionSnapshot>) -> Result<()> {
        m.restore_option_snapshots(snapshots).await
    }
    async fn soft_delete(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.product_options().soft_delete(ids).await.map(drop)
    }
    async fn restore(m: &ProductModule, ids: &[String]) -> Result<()> {
        m.product_options().restore(ids).await.map(drop)
    }
}

pub type CreateProductOptionsStep = CreateStep<Options>;
pub type UpdateProductOptionsStep = UpdateStep<Options>;
/// `delete-product-options` (soft, with the values; ⇐ restore exactly what
/// was deleted), raising `product-option.deleted`.
pub fn delete_product_options_step() -> SoftDeleteEntities<ProductModule, ProductOption> {
    SoftDeleteEntities::new("delete-product-options").emitting("product-option")
}

/// Hook `productOptionsCreated` of `create-product-options`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_OPTIONS_CREATED: Hook<Vec<ProductOption>> =
    Hook::new("create-product-options", "productOptionsCreated");

/// `create-product-options` (`POST /admin/product-options`).
pub fn create_product_options() -> Workflow<Vec<CreateOptionInput>, Vec<ProductOption>> {
    Workflow::new("create-product-options")
        .then(CreateProductOptionsStep::new())
        .hook(PRODUCT_OPTIONS_CREATED)
}

/// Hook `productOptionsUpdated` of `update-product-options`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_OPTIONS_UPDATED: Hook<Vec<ProductOption>> =
    Hook::new("update-product-options", "productOptionsUpdated");

/// `update-product-options` (`POST /admin/product-options/:id`).
pub fn update_product_options() -> Workflow<Vec<Update<UpdateOptionInput>>, Vec<ProductOption>> {
    Workflow::new("update-product-options")
        .then(UpdateProductOptionsStep::new())
        .hook(PRODUCT_OPTIONS_UPDATED)
}

/// Hook `productOptionsDeleted` of `delete-product-options`: runs on
/// the workflow's result; a failing handler undoes the workflow.
pub const PRODUCT_OPTIONS_DELETED: Hook<Vec<String>> =
    Hook::new("delete-product-options", "productOptionsDeleted");

/// `delete-product-options` (`DELETE /admin/product-options/:id`): soft
/// delete (with the values); products stay linked and see the option again
/// after a restore.
pub fn delete_product_options() -> Workflow<Vec<String>, Vec<String>> {
    Workflow::new("delete-product-options")
        .then(delete_product_options_step())
        .hook(PRODUCT_OPTIONS_DELETED)
}
