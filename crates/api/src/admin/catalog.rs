//! `/admin/collections`, `/admin/product-categories`, `/admin/product-tags`,
//! `/admin/product-types`, `/admin/product-options`: the route kit's CRUD
//! routes of the catalog resources (`crate::catalog`), plus the product
//! batch routes of collections and categories.
//! Mutations run the core workflows of `stheno_core_flows::product`.

use actix_web::{HttpResponse, web};
use stheno_core_flows::product;
use stheno_framework::Container;
use stheno_http::openapi::{Doc, RouteSet};
use stheno_http::{ApiResult, Body, RetrieveQuery};
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::entity::ServiceOf;
use stheno_product::ProductModule;
use stheno_product::models::{ProductCategory, ProductCollection};
use stheno_workflow_sdk::Workflow;

use super::LinkBatch;
use crate::catalog::{Categories, Collections, Options, Tags, Types};
use crate::crud::{self, CrudResource};
use crate::workflow::run;

pub(super) fn configure(r: &mut RouteSet) {
    crud::admin::<Collections>(r, "/collections");
    crud::admin_custom::<Categories>(r, "/product-categories");
    crud::admin::<Tags>(r, "/product-tags");
    crud::admin::<Types>(r, "/product-types");
    crud::admin_custom::<Options>(r, "/product-options");
    r.post(
        "/collections/{id}/products",
        link_collection_products,
        Doc::new("Add and remove a collection's products")
            .tag("Collections")
            .fields()
            .body_of::<LinkBatch>()
            .record("collection", ProductCollection::META),
    )
    .post(
        "/product-categories/{id}/products",
        link_products::<Categories>,
        Doc::new("Add and remove a category's products")
            .tag("Product Categories")
            .fields()
            .body_of::<LinkBatch>()
            .record("product_category", ProductCategory::META),
    );
}

// ---- collections -------------------------------------------------------

/// `POST /collections/{id}/products {add, remove}` → the collection.
async fn link_collection_products(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let products = c.require::<ProductModule>()?;
    products.product_collections().retrieve(&id).await?;
    let LinkBatch { add, remove } = body.0;
    let batch = product::LinkBatch::new(id.as_str(), add, remove);
    run(&c, product::batch_link_products_to_collection(), batch).await?;
    crud::respond_one::<Collections>(&c, &id, q).await
}

/// A resource that products are added to and removed from in batches.
pub(crate) trait HoldsProducts: CrudResource {
    /// The workflow linking products to the resource.
    fn link_workflow() -> Workflow<product::LinkBatch, product::LinkBatch>;
}

/// `POST /<resource>/{id}/products {add, remove}` → the resource.
async fn link_products<R: HoldsProducts>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    c.require::<R::Module>()?.service().retrieve(&id).await?;
    let LinkBatch { add, remove } = body.0;
    let batch = product::LinkBatch::new(id.as_str(), add, remove);
    run(&c, R::link_workflow(), batch).await?;
    crud::respond_one::<R>(&c, &id, q).await
}

impl HoldsProducts for Categories {
    fn link_workflow() -> Workflow<product::LinkBatch, product::LinkBatch> {
        product::batch_link_products_to_category()
    }
}
