//! The catalog resources both namespaces serve: collections, tags and types
//! (route kit), global options ([`Resource`] + [`StoreResource`]), and the
//! category tree selection. `admin::catalog` and `store::catalog` register
//! them; neither imports the other.

use serde::Deserialize;
use stheno_core_flows::product::{self, Update};
use stheno_framework::Container;
use stheno_module_sdk::Result;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::graph::FieldsConfig;
use stheno_module_sdk::list::{DateFilter, OneOrMany, OrderBy, Page};
use stheno_product::models::{
    CreateProductCollection, CreateProductTag, CreateProductType, ProductCollection, ProductOption,
    ProductTag, ProductType, UpdateProductCollection, UpdateProductTag, UpdateProductType,
};
use stheno_product::{CreateOptionInput, ProductModule, ProductOptionFilter, UpdateOptionInput};
use stheno_workflow_sdk::Workflow;

use crate::crud::CrudResource;
use crate::fields::{
    ADMIN_COLLECTION, ADMIN_OPTION, ADMIN_TAG, ADMIN_TYPE, STORE_COLLECTION, STORE_OPTION,
    STORE_TAG, STORE_TYPE,
};
use crate::resource::{Resource, StoreResource, first};
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

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptionParams {
    q: Option<String>,
    id: Option<OneOrMany>,
    title: Option<OneOrMany>,
    is_exclusive: Option<bool>,
    created_at: Option<DateFilter>,
    updated_at: Option<DateFilter>,
}

pub(crate) struct Options;

impl Resource for Options {
    const ENTITY: &'static str = "product_option";
    const KEY: &'static str = "product_option";
    const PLURAL: &'static str = "product_options";
    const OBJECT: &'static str = "product_option";
    const FIELDS: stheno_module_sdk::graph::FieldsConfig<'static> = ADMIN_OPTION;
    type Row = ProductOption;
    type Params = OptionParams;
    type Create = CreateOptionInput;
    type Update = UpdateOptionInput;

    async fn list(
        m: &ProductModule,
        f: OptionParams,
        with_deleted: bool,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<ProductOption>, i64)> {
        // `created_at[$gte]=…` as the generated filter's operators.
        let dates = |f: DateFilter| {
            FieldFilter::ops(|o| {
                o.eq = f.eq.map(Some);
                o.ne = f.ne.map(Some);
                o.gt = f.gt;
                o.gte = f.gte;
                o.lt = f.lt;
                o.lte = f.lte;
            })
        };
        let filter = ProductOptionFilter {
            q: f.q,
            id: f.id.map(|ids| FieldFilter::In(ids.0)),
            title: f.title.map(|titles| FieldFilter::In(titles.0)),
            is_exclusive: f.is_exclusive.map(FieldFilter::Eq),
            created_at: f.created_at.map(dates),
            updated_at: f.updated_at.map(dates),
            ..Default::default()
        };
        let config = ListConfig::page(page)
            .ordered(order.to_vec())
            .with_deleted(with_deleted);
        m.product_options().list_and_count(&filter, &config).await
    }
    async fn retrieve(m: &ProductModule, id: &str) -> Result<ProductOption> {
        m.product_options().retrieve(id).await
    }
    async fn create(c: &Container, input: CreateOptionInput) -> Result<ProductOption> {
        first(run(c, product::create_product_options(), vec![input]).await?)
    }
    async fn update(c: &Container, id: &str, input: UpdateOptionInput) -> Result<ProductOption> {
        first(
            run(
                c,
                product::update_product_options(),
                vec![Update::new(id, input)],
            )
            .await?,
        )
    }
    /// Soft delete, as Medusa's `delete-product-options` does.
    async fn delete(c: &Container, id: &str) -> Result<()> {
        run(c, product::delete_product_options(), vec![id.to_string()]).await?;
        Ok(())
    }
}

// ---- storefront reads ----------------------------------------------------

impl StoreResource for Options {
    type StoreParams = OptionParams;
    const STORE_FIELDS: stheno_module_sdk::graph::FieldsConfig<'static> = STORE_OPTION;
    fn from_store(p: OptionParams) -> OptionParams {
        p
    }
}

/// `include_ancestors_tree` / `include_descendants_tree`: follow the parent
/// chain or the children, three levels deep (the store relation limit).
pub(crate) fn with_trees(
    mut selection: stheno_module_sdk::graph::Selection,
    ancestors: bool,
    descendants: bool,
) -> stheno_module_sdk::graph::Selection {
    use stheno_module_sdk::graph::Selection;
    if ancestors {
        selection.relations.insert(
            "parent_category".into(),
            Selection::parse(["*parent_category", "*parent_category.parent_category"])
                .relations
                .remove("parent_category")
                .map(|mut s| {
                    s.all_scalars = true;
                    s
                })
                .unwrap_or_else(Selection::all),
        );
    }
    if descendants {
        let mut deep = Selection::parse([
            "*category_children",
            "*category_children.category_children",
            "*category_children.category_children.category_children",
        ]);
        if let Some(children) = deep.relations.remove("category_children") {
            selection
                .relations
                .insert("category_children".into(), children);
        }
    }
    selection
}
