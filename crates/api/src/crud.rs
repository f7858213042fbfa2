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
//! relations and links.
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

/// A resource served by the route kit.
pub trait CrudResource: Send + Sync + 'static {
    type Module: Module + ServiceOf<Self::Entity>;
    type Entity: Entity;

    /// Fields returned by default, and the allowed extras (admin).
    const FIELDS: FieldsConfig<'static>;
    /// Fields of the store routes.
    const STORE_FIELDS: FieldsConfig<'static> = Self::FIELDS;
    const DEFAULT_LIMIT: i64 = 50;
    /// Envelope key of one record; default: the entity name (`brand`).
    const KEY: Option<&'static str> = None;
    /// Envelope key of a list; default: the key's plural (`brands`).
    const PLURAL: Option<&'static str> = None;

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
    fn update() -> Workflow<Vec<Update<<Self::Entity as Entity>::Update>>, Vec<Self::Entity>> {
        let id = intern(format!("update-{}", Self::plural().replace('_', "-")));
        entity::update_workflow::<Self::Module, Self::Entity>(id, Self::event())
    }
    /// `delete-<plural>` (soft delete).
    fn delete() -> Workflow<Vec<String>, Vec<String>> {
        let id = intern(format!("delete-{}", Self::plural().replace('_', "-")));
        entity::soft_delete_workflow::<Self::Module, Self::Entity>(id, Self::event())
    }
}

/// Register the five admin routes of `R` under `path`.
pub fn admin<R: CrudResource>(cfg: &mut web::ServiceConfig, path: &str) {
    cfg.route(path, web::get().to(list::<R>))
        .route(path, web::post().to(create::<R>))
        .route(&format!("{path}/{{id}}"), web::get().to(retrieve::<R>))
        .route(&format!("{path}/{{id}}"), web::post().to(update::<R>))
        .route(&format!("{path}/{{id}}"), web::delete().to(delete::<R>));
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
    let page = q.page(R::DEFAULT_LIMIT);
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
        order: q.order_by(None),
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
    let mut rows = crate::workflow::run(
        &c,
        R::update(),
        vec![Update::new(id.as_str(), body.into_inner())],
    )
    .await?;
    let row = rows
        .pop()
        .ok_or_else(|| <R::Entity as Entity>::META.not_found(&id))?;
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
    crate::workflow::run(&c, R::delete(), vec![id.to_string()]).await?;
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
