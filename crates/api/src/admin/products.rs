//! `/admin/products*`: products, their variants and options. Reads go
//! through the module and Query; mutations run the core workflows.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use stheno_core_flows::product::{self, BatchInput, BatchOutput, NewVariant, Update};
use stheno_framework::Container;
use stheno_http::openapi::{
    Doc, RouteSet, batch_schema, deleted_with_parent_schema, list_basics, reference,
};
use stheno_http::{ApiResult, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::Error;
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::graph::{QueryContext, Selection};
use stheno_module_sdk::list::{DateFilter, OneOrMany, Page};
use stheno_product::models::{Product, ProductOption};
use stheno_product::models::{ProductStatus, ProductVariant};
use stheno_product::{
    CreateProductInput, CreateVariantInput, ProductFilter, ProductListFilter, ProductModule,
    ProductVariantFilter, UpdateProductInput, UpdateVariantInput,
};

use super::{Batch, LinkBatch, ParsedBatch};
use crate::catalog::one as first;
use crate::fields::{ADMIN_OPTION, ADMIN_PRODUCT, ADMIN_VARIANT};
use crate::workflow::run;
use crate::{respond, variant_prices};

const ADMIN: QueryContext = QueryContext::ADMIN;

pub(super) fn configure(r: &mut RouteSet) {
    r.get(
        "/products",
        list,
        Doc::new("List products")
            .tag("Products")
            .queries(list_basics())
            .params::<AdminProductParams>()
            .page("products", Product::META),
    )
    .post(
        "/products",
        create,
        Doc::new("Create a product")
            .tag("Products")
            .fields()
            .body_of::<CreateProductInput>()
            .record("product", Product::META),
    )
    .post(
        "/products/batch",
        batch,
        Doc::new("Create, update and delete products")
            .tag("Products")
            .body_of::<Batch>()
            .uses(Product::META)
            .response(200, "OK", batch_schema(reference("product"))),
    )
    .get(
        "/products/{id}",
        retrieve,
        Doc::new("Retrieve a product")
            .tag("Products")
            .fields()
            .record("product", Product::META),
    )
    .post(
        "/products/{id}",
        update,
        Doc::new("Update a product")
            .tag("Products")
            .fields()
            .body_of::<UpdateProductInput>()
            .record("product", Product::META),
    )
    .delete(
        "/products/{id}",
        delete,
        Doc::new("Delete a product").tag("Products").deleted(),
    )
    .get(
        "/products/{id}/variants",
        list_variants,
        Doc::new("List a product's variants")
            .tag("Products")
            .queries(list_basics())
            .params::<VariantParams>()
            .page("variants", ProductVariant::META),
    )
    .post(
        "/products/{id}/variants",
        create_variant,
        Doc::new("Create a variant")
            .tag("Products")
            .fields()
            .body_of::<CreateVariantInput>()
            .record("product", Product::META),
    )
    .post(
        "/products/{id}/variants/batch",
        batch_variants,
        Doc::new("Create, update and delete variants")
            .tag("Products")
            .body_of::<Batch>()
            .uses(ProductVariant::META)
            .response(200, "OK", batch_schema(reference("product_variant"))),
    )
    .get(
        "/products/{id}/variants/{variant_id}",
        retrieve_variant,
        Doc::new("Retrieve a variant")
            .tag("Products")
            .fields()
            .record("variant", ProductVariant::META),
    )
    .post(
        "/products/{id}/variants/{variant_id}",
        update_variant,
        Doc::new("Update a variant")
            .tag("Products")
            .fields()
            .body_of::<UpdateVariantInput>()
            .record("product", Product::META),
    )
    .delete(
        "/products/{id}/variants/{variant_id}",
        delete_variant,
        Doc::new("Delete a variant")
            .tag("Products")
            .fields()
            .uses(Product::META)
            .response(
                200,
                "Deleted, with the product",
                deleted_with_parent_schema(reference("product")),
            ),
    )
    .get(
        "/products/{id}/options",
        list_product_options,
        Doc::new("List a product's options")
            .tag("Products")
            .fields()
            .page("product_options", ProductOption::META),
    )
    .post(
        "/products/{id}/options/batch",
        batch_product_options,
        Doc::new("Link and unlink a product's options")
            .tag("Products")
            .fields()
            .body_of::<LinkBatch>()
            .record("product", Product::META),
    );
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct AdminProductParams {
    q: Option<String>,
    #[param(inline)]
    id: Option<OneOrMany>,
    #[param(inline)]
    title: Option<OneOrMany>,
    #[param(inline)]
    handle: Option<OneOrMany>,
    #[serde(default, deserialize_with = "one_or_many_status")]
    #[param(value_type = Option<ProductStatus>, inline)]
    status: Option<Vec<ProductStatus>>,
    #[param(inline)]
    option_id: Option<OneOrMany>,
    #[param(inline)]
    option_value_id: Option<OneOrMany>,
    is_giftcard: Option<bool>,
    #[param(inline)]
    category_id: Option<OneOrMany>,
    #[param(inline)]
    collection_id: Option<OneOrMany>,
    #[param(inline)]
    tag_id: Option<OneOrMany>,
    #[param(inline)]
    type_id: Option<OneOrMany>,
    #[param(inline)]
    external_id: Option<OneOrMany>,
    #[param(inline, style = DeepObject, explode)]
    created_at: Option<DateFilter>,
    #[param(inline, style = DeepObject, explode)]
    updated_at: Option<DateFilter>,
    #[param(inline, style = DeepObject, explode)]
    deleted_at: Option<DateFilter>,
}

/// `status=draft`, `status[]=draft&status[]=published`.
fn one_or_many_status<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<ProductStatus>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Input {
        One(ProductStatus),
        Many(Vec<ProductStatus>),
    }
    Ok(Some(match Input::deserialize(d)? {
        Input::One(s) => vec![s],
        Input::Many(v) => v,
    }))
}

async fn list(
    c: web::Data<Container>,
    q: ListQuery<AdminProductParams>,
) -> ApiResult<HttpResponse> {
    let mut selection = q.selection(ADMIN_PRODUCT)?;
    let prices = variant_prices::take(&mut selection, true);
    let page = q.page(50);
    let order = q.order_by(None);
    let config = ListConfig::page(page)
        .ordered(order)
        .with_deleted(q.with_deleted);
    let f = q.filters;
    let filter = ProductListFilter {
        q: f.q,
        category_id: f.category_id,
        option_value_id: f.option_value_id,
        columns: ProductFilter {
            id: f.id.map(Into::into),
            title: f.title.map(Into::into),
            handle: f.handle.map(Into::into),
            status: f.status.map(FieldFilter::In),
            is_giftcard: f.is_giftcard.map(FieldFilter::Eq),
            collection_id: f.collection_id.map(Into::into),
            type_id: f.type_id.map(Into::into),
            external_id: f.external_id.map(Into::into),
            tags: f.tag_id.map(Into::into),
            options: f.option_id.map(Into::into),
            created_at: f.created_at.map(Into::into),
            updated_at: f.updated_at.map(Into::into),
            deleted_at: f.deleted_at.map(Into::into),
            ..Default::default()
        },
    };
    let (rows, count) = c
        .require::<ProductModule>()?
        .list_products(&filter, &config)
        .await?;
    let mut records = respond::expand_many(&c, "product", &rows, &selection, ADMIN).await?;
    if prices {
        variant_prices::attach(&c, &mut records, true).await?;
    }
    Ok(stheno_http::response::list(
        "products", records, count, page,
    ))
}

/// One product as admin routes answer it (with `variants[].prices` when
/// selected).
async fn product_one(
    c: &Container,
    product: &Product,
    selection: &Selection,
) -> ApiResult<HttpResponse> {
    let mut selection = selection.clone();
    let prices = variant_prices::take(&mut selection, true);
    let mut records = vec![respond::expand_one(c, "product", product, &selection, ADMIN).await?];
    if prices {
        variant_prices::attach(c, &mut records, true).await?;
    }
    Ok(stheno_http::response::one(
        "product",
        records.pop().unwrap_or_default(),
    ))
}

/// Read a product back for a mutation response.
async fn product_response(
    c: &Container,
    id: &str,
    selection: &Selection,
) -> ApiResult<HttpResponse> {
    let product = c
        .require::<ProductModule>()?
        .products()
        .retrieve(id)
        .await?;
    product_one(c, &product, selection).await
}

async fn create(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<CreateProductInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_PRODUCT)?;
    let product = first(run(&c, product::create_products(), vec![body.0]).await?)?;
    product_one(&c, &product, &selection).await
}

async fn retrieve(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    product_response(&c, &id, &q.selection(ADMIN_PRODUCT)?).await
}

async fn update(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateProductInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_PRODUCT)?;
    let update = vec![Update::new(id.as_str(), body.0)];
    let product = first(run(&c, product::update_products(), update).await?)?;
    product_one(&c, &product, &selection).await
}

async fn delete(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    c.require::<ProductModule>()?
        .products()
        .retrieve(&id)
        .await?;
    run(&c, product::delete_products(), vec![id.to_string()]).await?;
    Ok(response::deleted(&id, "product"))
}

async fn batch(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<Batch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_PRODUCT)?;
    let ParsedBatch {
        create,
        update,
        delete,
    } = body.0.parse::<CreateProductInput, UpdateProductInput>()?;
    let input = BatchInput {
        create,
        update: update
            .into_iter()
            .map(|(id, u)| Update::new(id, u))
            .collect(),
        delete: delete.clone(),
    };
    let BatchOutput {
        created, updated, ..
    } = run(&c, product::batch_products(), input).await?;
    let created = respond::expand_many(&c, "product", &created, &selection, ADMIN).await?;
    let updated = respond::expand_many(&c, "product", &updated, &selection, ADMIN).await?;
    Ok(HttpResponse::Ok().json(json!({
        "created": created,
        "updated": updated,
        "deleted": { "ids": delete, "object": "product", "deleted": true },
    })))
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct VariantParams {
    q: Option<String>,
    #[param(inline)]
    id: Option<OneOrMany>,
    #[param(inline)]
    sku: Option<OneOrMany>,
    manage_inventory: Option<bool>,
    allow_backorder: Option<bool>,
    #[param(inline, style = DeepObject, explode)]
    created_at: Option<DateFilter>,
    #[param(inline, style = DeepObject, explode)]
    updated_at: Option<DateFilter>,
}

async fn list_variants(
    c: web::Data<Container>,
    product_id: web::Path<String>,
    q: ListQuery<VariantParams>,
) -> ApiResult<HttpResponse> {
    let mut selection = q.selection(ADMIN_VARIANT)?;
    let prices = variant_prices::take(&mut selection, false);
    let page = q.page(50);
    let config = ListConfig::page(page).ordered(q.order_by(None));
    let products = c.require::<ProductModule>()?;
    products.products().retrieve(&product_id).await?;
    let f = q.filters;
    let filter = ProductVariantFilter {
        product_id: Some(FieldFilter::Eq(product_id.into_inner())),
        q: f.q,
        id: f.id.map(Into::into),
        sku: f.sku.map(Into::into),
        manage_inventory: f.manage_inventory.map(FieldFilter::Eq),
        allow_backorder: f.allow_backorder.map(FieldFilter::Eq),
        created_at: f.created_at.map(Into::into),
        updated_at: f.updated_at.map(Into::into),
        ..Default::default()
    };
    let (rows, count) = products
        .product_variants()
        .list_and_count(&filter, &config)
        .await?;
    let mut records = respond::expand_many(&c, "product_variant", &rows, &selection, ADMIN).await?;
    if prices {
        variant_prices::attach(&c, &mut records, false).await?;
    }
    Ok(response::list("variants", records, count, page))
}

async fn create_variant(
    c: web::Data<Container>,
    product_id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<CreateVariantInput>,
) -> ApiResult<HttpResponse> {
    let variant = NewVariant::new(product_id.as_str(), body.0);
    run(&c, product::create_product_variants(), vec![variant]).await?;
    product_response(&c, &product_id, &q.selection(ADMIN_PRODUCT)?).await
}

/// The variant, if it belongs to the product; 404 otherwise.
async fn variant_of(
    products: &ProductModule,
    product_id: &str,
    variant_id: &str,
) -> ApiResult<ProductVariant> {
    let variant = products.product_variants().retrieve(variant_id).await?;
    if variant.product_id.as_deref() != Some(product_id) {
        return Err(Error::not_found(format!(
            "Variant with id: {variant_id} was not found for product {product_id}"
        ))
        .into());
    }
    Ok(variant)
}

/// All `ids` are variants of the product (one query); 404 naming the first
/// that is not.
async fn ensure_variants_of(
    products: &ProductModule,
    product_id: &str,
    ids: Vec<String>,
) -> ApiResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let filter = ProductVariantFilter {
        product_id: Some(FieldFilter::Eq(product_id.to_string())),
        id: Some(FieldFilter::In(ids.clone())),
        ..Default::default()
    };
    let found = products
        .product_variants()
        .list(&filter, &ListConfig::default())
        .await?;
    if let Some(missing) = ids.iter().find(|id| !found.iter().any(|v| &v.id == *id)) {
        return Err(Error::not_found(format!(
            "Variant with id: {missing} was not found for product {product_id}"
        ))
        .into());
    }
    Ok(())
}

async fn retrieve_variant(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let (product_id, variant_id) = path.into_inner();
    let products = c.require::<ProductModule>()?;
    let variant = variant_of(&products, &product_id, &variant_id).await?;
    let mut selection = q.selection(ADMIN_VARIANT)?;
    let prices = variant_prices::take(&mut selection, false);
    let mut records =
        vec![respond::expand_one(&c, "product_variant", &variant, &selection, ADMIN).await?];
    if prices {
        variant_prices::attach(&c, &mut records, false).await?;
    }
    Ok(response::one("variant", records.pop().unwrap_or_default()))
}

async fn update_variant(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
    body: Body<UpdateVariantInput>,
) -> ApiResult<HttpResponse> {
    let (product_id, variant_id) = path.into_inner();
    let products = c.require::<ProductModule>()?;
    variant_of(&products, &product_id, &variant_id).await?;
    let update = vec![Update::new(variant_id.as_str(), body.0)];
    run(&c, product::update_product_variants(), update).await?;
    product_response(&c, &product_id, &q.selection(ADMIN_PRODUCT)?).await
}

async fn delete_variant(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (product_id, variant_id) = path.into_inner();
    let products = c.require::<ProductModule>()?;
    variant_of(&products, &product_id, &variant_id).await?;
    run(
        &c,
        product::delete_product_variants(),
        vec![variant_id.clone()],
    )
    .await?;
    let product = products.products().retrieve(&product_id).await?;
    let parent = respond::expand_one(
        &c,
        "product",
        &product,
        &Selection::from_fields(ADMIN_PRODUCT, None)?,
        ADMIN,
    )
    .await?;
    Ok(response::deleted_with_parent(
        &variant_id,
        "variant",
        parent,
    ))
}

async fn batch_variants(
    c: web::Data<Container>,
    product_id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<Batch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_VARIANT)?;
    let ParsedBatch {
        create,
        update,
        delete,
    } = body.0.parse::<CreateVariantInput, UpdateVariantInput>()?;
    let products = c.require::<ProductModule>()?;
    products.products().retrieve(&product_id).await?;
    let referenced: Vec<String> = update
        .iter()
        .map(|(id, _)| id.clone())
        .chain(delete.iter().cloned())
        .collect();
    ensure_variants_of(&products, &product_id, referenced).await?;
    let input = BatchInput {
        create: create
            .into_iter()
            .map(|v| NewVariant::new(product_id.as_str(), v))
            .collect(),
        update: update
            .into_iter()
            .map(|(id, u)| Update::new(id, u))
            .collect(),
        delete: delete.clone(),
    };
    let BatchOutput {
        created, updated, ..
    } = run(&c, product::batch_product_variants(), input).await?;
    let created = respond::expand_many(&c, "product_variant", &created, &selection, ADMIN).await?;
    let updated = respond::expand_many(&c, "product_variant", &updated, &selection, ADMIN).await?;
    Ok(HttpResponse::Ok().json(json!({
        "created": created,
        "updated": updated,
        "deleted": { "ids": delete, "object": "variant", "deleted": true },
    })))
}

async fn list_product_options(
    c: web::Data<Container>,
    product_id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_OPTION)?;
    let products = c.require::<ProductModule>()?;
    let product = products.products().retrieve(&product_id).await?;
    let with_options = c
        .query()
        .expand_one(
            "product",
            stheno_module_sdk::graph::to_record(&product)?,
            &Selection::parse(["*options"]),
            ADMIN,
        )
        .await?;
    let options: Vec<stheno_module_sdk::graph::Record> = with_options
        .get("options")
        .and_then(|o| o.as_array())
        .map(|a| a.iter().filter_map(|o| o.as_object().cloned()).collect())
        .unwrap_or_default();
    let count = options.len() as i64;
    let expanded = c
        .query()
        .expand("product_option", options, &selection, ADMIN)
        .await?;
    Ok(response::list(
        "product_options",
        expanded,
        count,
        Page::new(0, count.max(1)),
    ))
}

async fn batch_product_options(
    c: web::Data<Container>,
    product_id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    c.require::<ProductModule>()?
        .products()
        .retrieve(&product_id)
        .await?;
    let LinkBatch { add, remove } = body.0;
    let batch = product::LinkBatch::new(product_id.as_str(), add, remove);
    run(
        &c,
        product::create_and_link_product_options_to_product(),
        batch,
    )
    .await?;
    product_response(&c, &product_id, &q.selection(ADMIN_PRODUCT)?).await
}
