//! Routes every simple resource has, written once: the five admin CRUD routes
//! (`GET /<path>`, `POST /<path>`, `GET|POST|DELETE /<path>/{id}`) and the two
//! store reads (`GET /<path>`, `GET /<path>/{id}`).

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde::de::DeserializeOwned;
use stheno_framework::Container;
use stheno_http::{ApiResult, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::Result;
use stheno_module_sdk::graph::{FieldsConfig, QueryContext, Selection};
use stheno_module_sdk::list::{OrderBy, Page};
use stheno_product::ProductModule;

use crate::respond;

const ADMIN: QueryContext = QueryContext::ADMIN;

/// An admin resource backed by the product module.
pub(crate) trait Resource: 'static {
    /// Query entity name (`product_tag`).
    const ENTITY: &'static str;
    /// Envelope key of one record (`product_tag`).
    const KEY: &'static str;
    /// Envelope key of a list (`product_tags`).
    const PLURAL: &'static str;
    /// `object` of the delete response.
    const OBJECT: &'static str;
    const FIELDS: FieldsConfig<'static>;
    const DEFAULT_LIMIT: i64 = 50;

    type Row: Serialize;
    /// Query-string filters (strict: unknown parameters are a 400).
    type Params: DeserializeOwned;
    type Create: DeserializeOwned + 'static;
    type Update: DeserializeOwned + 'static;

    async fn list(
        m: &ProductModule,
        params: Self::Params,
        with_deleted: bool,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<Self::Row>, i64)>;
    async fn retrieve(m: &ProductModule, id: &str) -> Result<Self::Row>;
    /// Mutations run the resource's core workflow.
    async fn create(c: &Container, input: Self::Create) -> Result<Self::Row>;
    async fn update(c: &Container, id: &str, input: Self::Update) -> Result<Self::Row>;
    async fn delete(c: &Container, id: &str) -> Result<()>;

    /// Relations a list request implies beyond `fields` (category trees).
    fn widen(_params: &Self::Params, selection: Selection) -> Selection {
        selection
    }
}

/// Register the five routes of `R` under `path`.
pub(crate) fn configure<R: Resource>(cfg: &mut web::ServiceConfig, path: &str) {
    cfg.route(path, web::get().to(list::<R>))
        .route(path, web::post().to(create::<R>))
        .route(&format!("{path}/{{id}}"), web::get().to(retrieve::<R>))
        .route(&format!("{path}/{{id}}"), web::post().to(update::<R>))
        .route(&format!("{path}/{{id}}"), web::delete().to(delete::<R>));
}

/// `{<KEY>: record}` with the request's fields.
pub(crate) async fn one<R: Resource>(
    c: &Container,
    row: &R::Row,
    selection: &Selection,
) -> ApiResult<HttpResponse> {
    respond::one(c, R::ENTITY, R::KEY, row, selection, ADMIN).await
}

async fn list<R: Resource>(
    c: web::Data<Container>,
    q: ListQuery<R::Params>,
) -> ApiResult<HttpResponse> {
    let page = q.page(R::DEFAULT_LIMIT);
    let order = q.order_by(None);
    let selection = R::widen(&q.filters, q.selection(R::FIELDS)?);
    let (rows, count) = R::list(
        &*c.require::<ProductModule>()?,
        q.filters,
        q.with_deleted,
        page,
        &order,
    )
    .await?;
    respond::list(
        &c,
        R::ENTITY,
        R::PLURAL,
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create<R: Resource>(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<R::Create>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let row = R::create(&c, body.0).await?;
    one::<R>(&c, &row, &selection).await
}

async fn retrieve<R: Resource>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let row = R::retrieve(&*c.require::<ProductModule>()?, &id).await?;
    one::<R>(&c, &row, &selection).await
}

async fn update<R: Resource>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<R::Update>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let row = R::update(&c, &id, body.0).await?;
    one::<R>(&c, &row, &selection).await
}

async fn delete<R: Resource>(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    R::retrieve(&*c.require::<ProductModule>()?, &id).await?;
    R::delete(&c, &id).await?;
    Ok(response::deleted(&id, R::OBJECT))
}

/// A resource the storefront may read, with its own (narrower) filters and
/// fields.
pub(crate) trait StoreResource: Resource {
    /// Store filters: the admin ones without `deleted_at`.
    type StoreParams: DeserializeOwned;
    const STORE_FIELDS: FieldsConfig<'static>;
    const STORE_LIMIT: i64 = 50;
    /// Default order of the store list, e.g. `-created_at`.
    const STORE_ORDER: Option<&'static str> = None;
    fn from_store(params: Self::StoreParams) -> Self::Params;
}

/// Register `GET <path>` and `GET <path>/{id}` of `R` (store namespace).
pub(crate) fn configure_store<R: StoreResource>(cfg: &mut web::ServiceConfig, path: &str) {
    cfg.route(path, web::get().to(store_list::<R>)).route(
        &format!("{path}/{{id}}"),
        web::get().to(store_retrieve::<R>),
    );
}

async fn store_list<R: StoreResource>(
    c: web::Data<Container>,
    q: ListQuery<R::StoreParams>,
) -> ApiResult<HttpResponse> {
    let page = q.page(R::STORE_LIMIT);
    let order = q.order_by(R::STORE_ORDER.and_then(OrderBy::parse));
    let selection = q.selection(R::STORE_FIELDS)?;
    let (rows, count) = R::list(
        &*c.require::<ProductModule>()?,
        R::from_store(q.filters),
        false,
        page,
        &order,
    )
    .await?;
    respond::list(
        &c,
        R::ENTITY,
        R::PLURAL,
        &rows,
        count,
        page,
        &selection,
        QueryContext::STORE,
    )
    .await
}

async fn store_retrieve<R: StoreResource>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::STORE_FIELDS)?;
    let row = R::retrieve(&*c.require::<ProductModule>()?, &id).await?;
    respond::one(&c, R::ENTITY, R::KEY, &row, &selection, QueryContext::STORE).await
}

/// The first row of a create call that took one input.
pub(crate) fn first<T>(mut rows: Vec<T>) -> Result<T> {
    if rows.is_empty() {
        return Err(stheno_module_sdk::Error::unexpected_state(
            "nothing was created",
        ));
    }
    Ok(rows.swap_remove(0))
}
