//! The route kit: Medusa's CRUD routes for any generated entity, in a few
//! lines.
//!
//! Implement [`CrudResource`] for a marker type (or use
//! [`crud_routes!`](crate::crud_routes)), then register [`admin`] and
//! [`store`] under a path:
//!
//! | route | does | answers |
//! |---|---|---|
//! | `GET /admin/<path>` | typed filters, `q`, `fields`, `order`, `limit`/`offset`, `with_deleted` | `{<plural>, count, offset, limit}` |
//! | `POST /admin/<path>` | runs the create workflow | `{<key>}` |
//! | `GET /admin/<path>/:id` | `fields` | `{<key>}` or 404 |
//! | `POST /admin/<path>/:id` | runs the update workflow | `{<key>}` or 404 |
//! | `DELETE /admin/<path>/:id` | runs the soft-delete workflow | `{id, object, deleted: true}` or 404 |
//! | `GET /store/<path>(/:id)` | the same reads, live rows only | as above |
//!
//! Mutations run workflows ([`stheno_core_flows::entity`]), so hooks and
//! compensation apply; reads go through Query, so `fields=*brand` follows
//! relations and links. [`CrudResource::ADMIN_ROUTES`] picks which admin
//! routes exist; `create_one`, `update_one` and `delete_one` run a
//! workflow of the resource's own when overridden.
//!
//! Beyond the generated defaults:
//! - [`CrudResource::store_scope`]: what shoppers may see (active, public
//!   categories); store lists and retrieves add it, a hidden row is a 404;
//! - [`CrudResource::SELECTION_FLAGS`]: boolean query parameters that add
//!   relations to the selection (`include_descendants_tree=true`);
//! - [`CustomBodies`] + [`admin_custom`]: request bodies of the resource's
//!   own where the wire body is not the generated input (an option's body
//!   carries its values).
//!
//! ```ignore
//! pub struct Brands;
//! impl CrudResource for Brands {
//!     type Module = BrandModule;
//!     type Entity = Brand;
//!     const FIELDS: FieldsConfig<'static> = FieldsConfig::all(&["id", "name", "created_at"]);
//! }
//! stheno::crud_routes!(Brands, admin = "/brands", store = "/brands");
//! ```

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use actix_web::{HttpRequest, HttpResponse, web};
use serde::de::DeserializeOwned;
use stheno_core_flows::entity::{self, Update};
use stheno_framework::Container;
use stheno_http::openapi::utoipa::ToSchema;
use stheno_http::openapi::{self, Doc, RouteSet};
use stheno_http::{ApiResult, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::Module;
use stheno_module_sdk::entity::{Condition, Entity, EntityFilter, ListConfig, ServiceOf};
use stheno_module_sdk::graph::{FieldsConfig, QueryContext, Selection};
use stheno_module_sdk::link::plural;
use stheno_workflow_sdk::Workflow;

use crate::respond;

/// `s` as a `&'static str`, leaked once per distinct value (workflow ids
/// derived from entity names).
fn intern(s: String) -> &'static str {
    static NAMES: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    let mut names = NAMES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(name) = names.get(&s) {
        return name;
    }
    let leaked: &'static str = Box::leak(s.clone().into_boxed_str());
    names.insert(s, leaked);
    leaked
}

/// Which of the five admin routes [`admin`] registers (all by default):
/// `AdminRoutes { create: false, ..AdminRoutes::ALL }` for a resource
/// created some other way (users come from invites).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminRoutes {
    pub list: bool,
    pub create: bool,
    pub retrieve: bool,
    pub update: bool,
    pub delete: bool,
}

impl AdminRoutes {
    pub const ALL: Self = Self {
        list: true,
        create: true,
        retrieve: true,
        update: true,
        delete: true,
    };
}

/// A boolean query parameter that widens the selection:
/// `include_descendants_tree=true` selects `*category_children` three levels
/// deep. The kit takes it out of the query before the filters are read.
#[derive(Debug, Clone, Copy)]
pub struct SelectionFlag {
    pub param: &'static str,
    /// Field entries added when the flag is `true` (`*category_children`,
    /// `*category_children.category_children`); the relations they name
    /// replace those of the request's selection.
    pub fields: &'static [&'static str],
}

/// The input of an update workflow of `R`.
pub type Updates<R> = Vec<Update<<<R as CrudResource>::Entity as Entity>::Update>>;

/// A resource served by the route kit.
pub trait CrudResource: Sized + Send + Sync + 'static {
    type Module: Module + ServiceOf<Self::Entity>;
    type Entity: Entity;

    /// Fields returned by default, and the allowed extras (admin).
    const FIELDS: FieldsConfig<'static>;
    /// Fields of the store routes.
    const STORE_FIELDS: FieldsConfig<'static> = Self::FIELDS;
    const DEFAULT_LIMIT: i64 = 50;
    /// Page size of the store list.
    const STORE_LIMIT: i64 = Self::DEFAULT_LIMIT;
    /// Order of the store list without `order` (`-created_at`); default:
    /// creation.
    const STORE_ORDER: Option<&'static str> = None;
    /// Envelope key of one record; default: the entity name (`brand`).
    const KEY: Option<&'static str> = None;
    /// Envelope key of a list; default: the key's plural (`brands`).
    const PLURAL: Option<&'static str> = None;
    /// The admin routes [`admin`] registers.
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes::ALL;
    /// Query parameters of list and retrieve routes that widen the
    /// selection.
    const SELECTION_FLAGS: &'static [SelectionFlag] = &[];

    /// Rows shoppers may see besides not being deleted, e.g.
    /// `is_active = true AND is_internal = false`. The store list adds it to
    /// every filter; a store retrieve of a row outside it is a 404.
    /// Default: the entity's declared `store_scope`, which Query also
    /// applies to relations and links into the entity.
    fn store_scope() -> Option<Condition> {
        <Self::Entity as Entity>::META.store_condition()
    }

    fn key() -> &'static str {
        Self::KEY.unwrap_or(<Self::Entity as Entity>::META.entity)
    }
    fn plural() -> &'static str {
        Self::PLURAL.unwrap_or_else(|| intern(plural(Self::key())))
    }
    /// The workflow event prefix (`brand` → `brand.created`); default: the
    /// key with `-` for `_`.
    fn event() -> &'static str {
        intern(Self::key().replace('_', "-"))
    }
    /// `create-<plural>`; override to add hooks.
    fn create() -> Workflow<Vec<<Self::Entity as Entity>::Create>, Vec<Self::Entity>> {
        let id = intern(format!("create-{}", Self::plural().replace('_', "-")));
        entity::create_workflow::<Self::Module, Self::Entity>(id, Self::event())
    }
    /// What `POST /admin/<path>` does: [`create`](Self::create) with one
    /// input. Override to run a workflow of your own.
    fn create_one(
        c: &Container,
        input: <Self::Entity as Entity>::Create,
    ) -> impl std::future::Future<Output = stheno_module_sdk::Result<Self::Entity>> {
        async move {
            crate::workflow::run(c, Self::create(), vec![input])
                .await?
                .pop()
                .ok_or_else(|| stheno_module_sdk::Error::unexpected_state("nothing was created"))
        }
    }
    /// `update-<plural>`.
    fn update() -> Workflow<Updates<Self>, Vec<Self::Entity>> {
        let id = intern(format!("update-{}", Self::plural().replace('_', "-")));
        entity::update_workflow::<Self::Module, Self::Entity>(id, Self::event())
    }
    /// What `POST /admin/<path>/:id` does (once the row is known to
    /// exist): [`update`](Self::update) with one input. Override to run a
    /// workflow of your own.
    fn update_one(
        c: &Container,
        id: &str,
        input: <Self::Entity as Entity>::Update,
    ) -> impl std::future::Future<Output = stheno_module_sdk::Result<Self::Entity>> {
        async move {
            crate::workflow::run(c, Self::update(), vec![Update::new(id, input)])
                .await?
                .pop()
                .ok_or_else(|| <Self::Entity as Entity>::META.not_found(id))
        }
    }
    /// `delete-<plural>` (soft delete).
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        let id = intern(format!("delete-{}", Self::plural().replace('_', "-")));
        entity::soft_delete_workflow::<Self::Module, Self::Entity>(id, Self::event())
    }
    /// What `DELETE /admin/<path>/:id` does (once the row is known to
    /// exist): [`delete`](Self::delete) with one id. Override to run a
    /// workflow of your own.
    fn delete_one(
        c: &Container,
        id: &str,
    ) -> impl std::future::Future<Output = stheno_module_sdk::Result<()>> {
        async move {
            crate::workflow::run(c, Self::delete(), vec![id.to_string()]).await?;
            Ok(())
        }
    }
}

/// Register the five admin routes of `R` under `path` (those of
/// [`CrudResource::ADMIN_ROUTES`]), each described in the OpenAPI document
/// from the entity's metadata. Routes of your own under `<path>/<literal>`
/// go before this call, so `{id}` does not catch them.
pub fn admin<R: CrudResource>(r: &mut RouteSet, path: &str) {
    let meta = <R::Entity as Entity>::META;
    admin_routes::<R>(
        r,
        path,
        |r, path, doc| {
            r.post(path, create::<R>, doc.body(openapi::create_body(meta)));
        },
        |r, path, doc| {
            r.post(path, update::<R>, doc.body(openapi::update_body(meta)));
        },
    );
}

/// The admin routes of `R` with the given create and update routes.
fn admin_routes<R: CrudResource>(
    r: &mut RouteSet,
    path: &str,
    create: impl Fn(&mut RouteSet, &str, Doc),
    update: impl Fn(&mut RouteSet, &str, Doc),
) {
    let meta = <R::Entity as Entity>::META;
    let routes = R::ADMIN_ROUTES;
    let one = format!("{path}/{{id}}");
    let tag = tag_of(R::plural());
    let words = meta.words.to_lowercase();
    if routes.list {
        r.get(
            path,
            list::<R>,
            Doc::new(format!("List {}", R::plural().replace('_', " ")))
                .tag(&tag)
                .queries(openapi::list_params(meta, true))
                .page(R::plural(), meta),
        );
    }
    if routes.create {
        create(
            r,
            path,
            Doc::new(format!("Create a {words}"))
                .tag(&tag)
                .fields()
                .record(R::key(), meta),
        );
    }
    if routes.retrieve {
        r.get(
            &one,
            retrieve::<R>,
            Doc::new(format!("Retrieve a {words}"))
                .tag(&tag)
                .fields()
                .record(R::key(), meta),
        );
    }
    if routes.update {
        update(
            r,
            &one,
            Doc::new(format!("Update a {words}"))
                .tag(&tag)
                .fields()
                .record(R::key(), meta),
        );
    }
    if routes.delete {
        r.delete(
            &one,
            delete::<R>,
            Doc::new(format!("Delete a {words}")).tag(&tag).deleted(),
        );
    }
}

/// `product_categories` → `Product Categories`.
fn tag_of(plural: &str) -> String {
    plural
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Register the two store reads of `R` under `path`.
pub fn store<R: CrudResource>(r: &mut RouteSet, path: &str) {
    let meta = <R::Entity as Entity>::META;
    let tag = tag_of(R::plural());
    let words = meta.words.to_lowercase();
    r.get(
        path,
        store_list::<R>,
        Doc::new(format!("List {}", R::plural().replace('_', " ")))
            .tag(&tag)
            .queries(openapi::list_params(meta, false))
            .page(R::plural(), meta),
    )
    .get(
        &format!("{path}/{{id}}"),
        store_retrieve::<R>,
        Doc::new(format!("Retrieve a {words}"))
            .tag(&tag)
            .fields()
            .record(R::key(), meta),
    );
}

type Filter<R> = <<R as CrudResource>::Entity as Entity>::Filter;

/// The query string without `R`'s selection flags, and the flags that are
/// `true`. A flag's value must be `true` or `false`.
fn split_flags<R: CrudResource>(query: &str) -> ApiResult<(String, Vec<&'static SelectionFlag>)> {
    if R::SELECTION_FLAGS.is_empty() {
        return Ok((query.to_string(), Vec::new()));
    }
    let mut rest = Vec::new();
    let mut on = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match R::SELECTION_FLAGS.iter().find(|f| f.param == key) {
            Some(flag) => match value {
                "true" => on.push(flag),
                "false" => {}
                other => {
                    return Err(stheno_module_sdk::Error::invalid_data(format!(
                        "Invalid request: Expected type: 'boolean' for field '{key}', got: '{other}'"
                    ))
                    .into());
                }
            },
            None => rest.push(pair),
        }
    }
    Ok((rest.join("&"), on))
}

/// The request's query as `ListQuery<F>` with `R`'s selection flags applied
/// to the selection built from `fields`.
fn read_query<R: CrudResource, F: DeserializeOwned>(
    req: &HttpRequest,
    fields: FieldsConfig<'static>,
) -> ApiResult<(ListQuery<F>, Selection)> {
    let (query, flags) = split_flags::<R>(req.query_string())?;
    let q: ListQuery<F> = stheno_http::extract::parse_list(&query)?;
    let mut selection = q.selection(fields)?;
    for flag in flags {
        let extra = Selection::parse(flag.fields.iter().copied());
        selection.relations.extend(extra.relations);
    }
    Ok((q, selection))
}

/// The condition of a list or retrieve in `ctx`: the filter, and for the
/// storefront live rows inside [`CrudResource::store_scope`] only.
fn scoped<R: CrudResource>(condition: Condition, ctx: QueryContext) -> Condition {
    if ctx != QueryContext::STORE {
        return condition;
    }
    let mut all = vec![condition];
    if <R::Entity as Entity>::META.soft_delete {
        // The storefront never sees deleted rows, whatever it filters on.
        all.push(Condition::IsNull {
            column: "deleted_at",
            negated: false,
        });
    }
    all.extend(R::store_scope());
    Condition::All(all)
}

async fn list_with<R: CrudResource>(
    c: &Container,
    req: &HttpRequest,
    fields: FieldsConfig<'static>,
    ctx: QueryContext,
) -> ApiResult<HttpResponse> {
    let (q, selection) = read_query::<R, Filter<R>>(req, fields)?;
    let store = ctx == QueryContext::STORE;
    let page = q.page(if store {
        R::STORE_LIMIT
    } else {
        R::DEFAULT_LIMIT
    });
    let default_order = if store {
        R::STORE_ORDER.and_then(stheno_module_sdk::list::OrderBy::parse)
    } else {
        None
    };
    let condition = scoped::<R>(q.filters.condition(), ctx);
    let config = ListConfig {
        page: Some(page),
        order: q.order_by(default_order),
        with_deleted: !store && q.with_deleted,
    };
    let m = c.require::<R::Module>()?;
    let (rows, count) = m
        .service()
        .list_and_count_where(&condition, &config)
        .await?;
    respond::list(
        c,
        <R::Entity as Entity>::META.entity,
        R::plural(),
        &rows,
        count,
        page,
        &selection,
        ctx,
    )
    .await
}

async fn list<R: CrudResource>(
    c: web::Data<Container>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    list_with::<R>(&c, &req, R::FIELDS, QueryContext::ADMIN).await
}

async fn store_list<R: CrudResource>(
    c: web::Data<Container>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    list_with::<R>(&c, &req, R::STORE_FIELDS, QueryContext::STORE).await
}

/// The row `id` as `ctx` may see it: in the store, inside
/// [`CrudResource::store_scope`] (a row outside it is not found).
async fn fetch<R: CrudResource>(
    c: &Container,
    id: &str,
    ctx: QueryContext,
) -> ApiResult<R::Entity> {
    let service = c.require::<R::Module>()?;
    let service = service.service();
    if ctx == QueryContext::STORE && R::store_scope().is_some() {
        let condition = scoped::<R>(
            Condition::In {
                column: "id",
                values: vec![stheno_module_sdk::entity::Bind::Text(id.to_string())],
                negated: false,
            },
            ctx,
        );
        let config = ListConfig {
            page: Some(stheno_module_sdk::list::Page::new(0, 1)),
            ..ListConfig::default()
        };
        let rows = service.list_where(&condition, &config).await?;
        return rows
            .into_iter()
            .next()
            .ok_or_else(|| <R::Entity as Entity>::META.not_found(id).into());
    }
    Ok(service.retrieve(id).await?)
}

async fn retrieve_with<R: CrudResource>(
    c: &Container,
    id: &str,
    req: &HttpRequest,
    fields: FieldsConfig<'static>,
    ctx: QueryContext,
) -> ApiResult<HttpResponse> {
    let (_, selection) = read_query::<R, stheno_http::NoFilters>(req, fields)?;
    let row = fetch::<R>(c, id, ctx).await?;
    respond::one(
        c,
        <R::Entity as Entity>::META.entity,
        R::key(),
        &row,
        &selection,
        ctx,
    )
    .await
}

async fn retrieve<R: CrudResource>(
    c: web::Data<Container>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    retrieve_with::<R>(&c, &id, &req, R::FIELDS, QueryContext::ADMIN).await
}

/// `{<key>: record}` of `id` with the request's `fields` (admin): what a
/// hand-written route beside the kit answers after its own mutation.
pub async fn respond_one<R: CrudResource>(
    c: &Container,
    id: &str,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let row = c.require::<R::Module>()?.service().retrieve(id).await?;
    respond_row::<R>(c, &row, &selection).await
}

/// `{<key>: row}` with `selection` (admin).
async fn respond_row<R: CrudResource>(
    c: &Container,
    row: &R::Entity,
    selection: &Selection,
) -> ApiResult<HttpResponse> {
    respond::one(
        c,
        <R::Entity as Entity>::META.entity,
        R::key(),
        row,
        selection,
        QueryContext::ADMIN,
    )
    .await
}

async fn store_retrieve<R: CrudResource>(
    c: web::Data<Container>,
    id: web::Path<String>,
    req: HttpRequest,
) -> ApiResult<HttpResponse> {
    retrieve_with::<R>(&c, &id, &req, R::STORE_FIELDS, QueryContext::STORE).await
}

async fn create<R: CrudResource>(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<<R::Entity as Entity>::Create>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let row = R::create_one(&c, body.into_inner()).await?;
    respond_row::<R>(&c, &row, &selection).await
}

async fn update<R: CrudResource>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<<R::Entity as Entity>::Update>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    c.require::<R::Module>()?.service().retrieve(&id).await?;
    let row = R::update_one(&c, &id, body.into_inner()).await?;
    respond_row::<R>(&c, &row, &selection).await
}

async fn delete<R: CrudResource>(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    c.require::<R::Module>()?.service().retrieve(&id).await?;
    R::delete_one(&c, &id).await?;
    Ok(response::deleted(&id, R::key()))
}

/// Request bodies of a resource's own, for resources whose wire body is not
/// the generated `Create…` / `Update…` input: an option's body carries its
/// values, a category's its place in the tree. Register with
/// [`admin_custom`].
pub trait CustomBodies: CrudResource {
    /// The body of `POST /admin/<path>`, described in the OpenAPI
    /// document by its `utoipa::ToSchema` derive.
    type CreateBody: DeserializeOwned + ToSchema + 'static;
    /// The body of `POST /admin/<path>/:id`.
    type UpdateBody: DeserializeOwned + ToSchema + 'static;

    /// Create one row from the body (typically: run the resource's create
    /// workflow with one input).
    fn create_from(
        c: &Container,
        body: Self::CreateBody,
    ) -> impl std::future::Future<Output = stheno_module_sdk::Result<Self::Entity>>;

    /// Update row `id` (known to exist) from the body.
    fn update_from(
        c: &Container,
        id: &str,
        body: Self::UpdateBody,
    ) -> impl std::future::Future<Output = stheno_module_sdk::Result<Self::Entity>>;
}

/// [`admin`] with the bodies of [`CustomBodies`]: list, retrieve and delete
/// as the kit serves them, create and update reading `R`'s own bodies.
pub fn admin_custom<R: CustomBodies>(r: &mut RouteSet, path: &str) {
    admin_routes::<R>(
        r,
        path,
        |r, path, doc| {
            r.post(path, create_custom::<R>, doc.body_of::<R::CreateBody>());
        },
        |r, path, doc| {
            r.post(path, update_custom::<R>, doc.body_of::<R::UpdateBody>());
        },
    );
}

async fn create_custom<R: CustomBodies>(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<R::CreateBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let row = R::create_from(&c, body.into_inner()).await?;
    respond_row::<R>(&c, &row, &selection).await
}

async fn update_custom<R: CustomBodies>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<R::UpdateBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    c.require::<R::Module>()?.service().retrieve(&id).await?;
    let row = R::update_from(&c, &id, body.into_inner()).await?;
    respond_row::<R>(&c, &row, &selection).await
}

/// Register the route kit's admin (and store) routes of a
/// [`CrudResource`]:
///
/// ```ignore
/// stheno::crud_routes!(Brands, admin = "/brands", store = "/brands");
/// ```
#[macro_export]
macro_rules! crud_routes {
    ($resource:ty, admin = $admin:literal $(, store = $store:literal)? $(,)?) => {
        const _: () = {
            fn __admin(r: &mut $crate::__private::stheno_http::RouteSet) {
                $crate::crud::admin::<$resource>(r, $admin)
            }
            $crate::__private::stheno_http::inventory::submit! {
                $crate::__private::stheno_http::Routes {
                    namespace: $crate::__private::stheno_http::Namespace::Admin,
                    name: concat!(module_path!(), "::", stringify!($resource), "::admin"),
                    configure: __admin,
                }
            }
            $(
                fn __store(r: &mut $crate::__private::stheno_http::RouteSet) {
                    $crate::crud::store::<$resource>(r, $store)
                }
                $crate::__private::stheno_http::inventory::submit! {
                    $crate::__private::stheno_http::Routes {
                        namespace: $crate::__private::stheno_http::Namespace::Store,
                        name: concat!(module_path!(), "::", stringify!($resource), "::store"),
                        configure: __store,
                    }
                }
            )?
        };
    };
}
