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

use actix_web::{HttpResponse, web};
use stheno_core_flows::entity::{self, Update};
use stheno_framework::Container;
use stheno_http::{ApiResult, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::Module;
use stheno_module_sdk::entity::{Condition, Entity, EntityFilter, ListConfig, ServiceOf};
use stheno_module_sdk::graph::{FieldsConfig, QueryContext};
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
/// [`CrudResource::ADMIN_ROUTES`]). Routes of your own under
/// `<path>/<literal>` go before this call, so `{id}` does not catch them.
pub fn admin<R: CrudResource>(cfg: &mut web::ServiceConfig, path: &str) {
    let routes = R::ADMIN_ROUTES;
    let one = format!("{path}/{{id}}");
    if routes.list {
        cfg.route(path, web::get().to(list::<R>));
    }
    if routes.create {
        cfg.route(path, web::post().to(create::<R>));
    }
    if routes.retrieve {
        cfg.route(&one, web::get().to(retrieve::<R>));
    }
    if routes.update {
        cfg.route(&one, web::post().to(update::<R>));
    }
    if routes.delete {
        cfg.route(&one, web::delete().to(delete::<R>));
    }
}

/// Register the two store reads of `R` under `path`.
pub fn store<R: CrudResource>(cfg: &mut web::ServiceConfig, path: &str) {
    cfg.route(path, web::get().to(store_list::<R>)).route(
        &format!("{path}/{{id}}"),
        web::get().to(store_retrieve::<R>),
    );
}

type Filter<R> = <<R as CrudResource>::Entity as Entity>::Filter;

async fn list_with<R: CrudResource>(
    c: &Container,
    q: ListQuery<Filter<R>>,
    fields: FieldsConfig<'static>,
    ctx: QueryContext,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(fields)?;
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
    let mut condition = q.filters.condition();
    let with_deleted = ctx != QueryContext::STORE && q.with_deleted;
    if ctx == QueryContext::STORE && <R::Entity as Entity>::META.soft_delete {
        // The storefront never sees deleted rows, whatever it filters on.
        condition = Condition::All(vec![
            condition,
            Condition::IsNull {
                column: "deleted_at",
                negated: false,
            },
        ]);
    }
    let config = ListConfig {
        page: Some(page),
        order: q.order_by(default_order),
        with_deleted,
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
    q: ListQuery<Filter<R>>,
) -> ApiResult<HttpResponse> {
    list_with::<R>(&c, q, R::FIELDS, QueryContext::ADMIN).await
}

async fn store_list<R: CrudResource>(
    c: web::Data<Container>,
    q: ListQuery<Filter<R>>,
) -> ApiResult<HttpResponse> {
    list_with::<R>(&c, q, R::STORE_FIELDS, QueryContext::STORE).await
}

async fn retrieve_with<R: CrudResource>(
    c: &Container,
    id: &str,
    q: RetrieveQuery,
    fields: FieldsConfig<'static>,
    ctx: QueryContext,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(fields)?;
    let row = c.require::<R::Module>()?.service().retrieve(id).await?;
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
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    retrieve_with::<R>(&c, &id, q, R::FIELDS, QueryContext::ADMIN).await
}

/// `{<key>: record}` of `id` with the request's `fields` (admin): what a
/// hand-written route beside the kit answers after its own mutation.
pub async fn respond_one<R: CrudResource>(
    c: &Container,
    id: &str,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    retrieve_with::<R>(c, id, q, R::FIELDS, QueryContext::ADMIN).await
}

async fn store_retrieve<R: CrudResource>(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    retrieve_with::<R>(&c, &id, q, R::STORE_FIELDS, QueryContext::STORE).await
}

async fn create<R: CrudResource>(
    c: web::Data<Container>,
    q: RetrieveQuery,
    body: Body<<R::Entity as Entity>::Create>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(R::FIELDS)?;
    let row = R::create_one(&c, body.into_inner()).await?;
    respond::one(
        &c,
        <R::Entity as Entity>::META.entity,
        R::key(),
        &row,
        &selection,
        QueryContext::ADMIN,
    )
    .await
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
    respond::one(
        &c,
        <R::Entity as Entity>::META.entity,
        R::key(),
        &row,
        &selection,
        QueryContext::ADMIN,
    )
    .await
}

async fn delete<R: CrudResource>(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    c.require::<R::Module>()?.service().retrieve(&id).await?;
    R::delete_one(&c, &id).await?;
    Ok(response::deleted(&id, R::key()))
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
            fn __admin(cfg: &mut $crate::__private::actix_web::web::ServiceConfig) {
                $crate::crud::admin::<$resource>(cfg, $admin)
            }
            $crate::__private::stheno_http::inventory::submit! {
                $crate::__private::stheno_http::Routes {
                    namespace: $crate::__private::stheno_http::Namespace::Admin,
                    name: concat!(module_path!(), "::", stringify!($resource), "::admin"),
                    configure: __admin,
                }
            }
            $(
                fn __store(cfg: &mut $crate::__private::actix_web::web::ServiceConfig) {
                    $crate::crud::store::<$resource>(cfg, $store)
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
