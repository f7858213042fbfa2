//! Route registration: any linked crate contributes routes, the way Medusa
//! apps add files under `src/api`.
//!
//! ```
//! use actix_web::HttpResponse;
//! use serde_json::json;
//! use stheno_http::openapi::{Doc, RouteSet, page_schema};
//! use stheno_http::Namespace;
//!
//! async fn list_brands() -> HttpResponse {
//!     HttpResponse::Ok().json(json!({"brands": [], "count": 0, "offset": 0, "limit": 50}))
//! }
//! fn configure(r: &mut RouteSet) {
//!     r.get(
//!         "/brands",
//!         list_brands,
//!         Doc::new("List brands").tag("Brands").response(
//!             200,
//!             "OK",
//!             page_schema("brands", json!({"type": "object"})),
//!         ),
//!     );
//! }
//! stheno_http::register_routes!(Namespace::Admin, configure);
//! ```
//! Every route is added with a [`Doc`](crate::openapi::Doc), so it is in
//! the OpenAPI document the server serves (see [`crate::openapi`]).
//! Paths are relative to the namespace (`/store`, `/admin`, `/auth`, or the
//! root). The namespace decides the middleware: admin routes always require
//! an authenticated admin user (see [`crate::auth`]); store routes see the
//! customer when one is authenticated; each namespace has its own CORS
//! origins.

use actix_web::http::Method;
use actix_web::web::{self, ServiceConfig};
use actix_web::{FromRequest, Handler, Responder};

use crate::doc::Doc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Namespace {
    /// `/store`: storefront routes.
    Store,
    /// `/admin`: back-office routes, authentication required.
    Admin,
    /// `/auth`: login, registration, sessions.
    Auth,
    /// Routes outside the namespaces (webhooks, health).
    Root,
}

impl Namespace {
    pub fn prefix(self) -> &'static str {
        match self {
            Namespace::Store => "/store",
            Namespace::Admin => "/admin",
            Namespace::Auth => "/auth",
            Namespace::Root => "",
        }
    }
}

/// A set of routes in one namespace.
#[derive(Clone, Copy)]
pub struct Routes {
    pub namespace: Namespace,
    /// Unique name (the registering function's path), used to deduplicate
    /// routes registered both through `inventory` and explicitly.
    pub name: &'static str,
    pub configure: fn(&mut RouteSet),
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .finish()
    }
}

inventory::collect!(Routes);

/// Every route set registered in the linked crates plus `explicit`, each once.
pub fn all_routes(explicit: &[Routes]) -> Vec<Routes> {
    let mut out: Vec<Routes> = Vec::new();
    for r in inventory::iter::<Routes>
        .into_iter()
        .copied()
        .chain(explicit.iter().copied())
    {
        if !out.iter().any(|o| o.name == r.name) {
            out.push(r);
        }
    }
    out
}

/// Register a `fn(&mut RouteSet)` under a namespace.
#[macro_export]
macro_rules! register_routes {
    ($namespace:expr, $configure:path) => {
        $crate::inventory::submit! {
            $crate::Routes {
                namespace: $namespace,
                name: concat!(module_path!(), "::", stringify!($configure)),
                configure: $configure,
            }
        }
    };
}

/// A request hook: middleware contributed by any linked crate, run before the
/// handlers of its namespace (`/store`, `/admin`, after authentication,
/// `/auth`). It may reject the
/// request with an [`crate::ApiError`] or annotate it through
/// `req.extensions_mut()`, like a Medusa `middlewares.ts` entry.
///
/// ```
/// use stheno_http::{ApiError, Namespace, RequestHook};
/// use stheno_module_sdk::Error;
///
/// fn require_json(req: &actix_web::dev::ServiceRequest) -> Result<(), ApiError> {
///     if req.method() == actix_web::http::Method::POST
///         && req.headers().get("content-type").is_some_and(|v| v != "application/json")
///     {
///         return Err(Error::invalid_data("Send JSON").into());
///     }
///     Ok(())
/// }
/// stheno_http::register_hook!(Namespace::Admin, require_json);
/// ```
#[derive(Clone, Copy)]
pub struct RequestHook {
    pub namespace: Namespace,
    pub name: &'static str,
    pub hook: fn(&actix_web::dev::ServiceRequest) -> Result<(), crate::ApiError>,
}

inventory::collect!(RequestHook);

/// Every registered request hook of `namespace`, in registration order.
pub fn hooks_for(namespace: Namespace) -> impl Iterator<Item = &'static RequestHook> {
    inventory::iter::<RequestHook>
        .into_iter()
        .filter(move |h| h.namespace == namespace)
}

/// Register a request hook for a namespace.
#[macro_export]
macro_rules! register_hook {
    ($namespace:expr, $hook:path) => {
        $crate::inventory::submit! {
            $crate::RequestHook {
                namespace: $namespace,
                name: concat!(module_path!(), "::", stringify!($hook)),
                hook: $hook,
            }
        }
    };
}

/// What an [`AsyncRequestHook`] decides: refuse the request, or let it
/// through, optionally leaving something in its extensions for the
/// handlers (the closure runs on the request's `Extensions`).
pub type HookOutcome =
    Result<Option<Box<dyn FnOnce(&mut actix_web::dev::Extensions)>>, crate::ApiError>;

/// The future an [`AsyncRequestHook`] returns. It owns what it needs (read
/// headers and app data from the request first).
pub type HookFuture = std::pin::Pin<Box<dyn std::future::Future<Output = HookOutcome>>>;

/// A request hook that needs I/O (a database lookup): like
/// [`RequestHook`], but it returns a future. The publishable-key check on
/// `/store` is one. Async hooks run after the namespace's synchronous ones.
///
/// ```
/// use stheno_http::{Namespace, routes::HookFuture};
///
/// #[derive(Clone)]
/// struct Tenant(String);
///
/// fn tenant(req: &actix_web::dev::ServiceRequest) -> HookFuture {
///     let name = req
///         .headers()
///         .get("x-tenant")
///         .and_then(|v| v.to_str().ok())
///         .unwrap_or("default")
///         .to_string();
///     Box::pin(async move {
///         // … look the tenant up …
///         Ok(Some(Box::new(move |ext: &mut actix_web::dev::Extensions| {
///             ext.insert(Tenant(name));
///         }) as Box<dyn FnOnce(&mut actix_web::dev::Extensions)>))
///     })
/// }
/// stheno_http::register_async_hook!(Namespace::Store, tenant);
/// ```
#[derive(Clone, Copy)]
pub struct AsyncRequestHook {
    pub namespace: Namespace,
    pub name: &'static str,
    pub hook: fn(&actix_web::dev::ServiceRequest) -> HookFuture,
}

inventory::collect!(AsyncRequestHook);

/// Every registered async request hook of `namespace`, in registration
/// order.
pub fn async_hooks_for(namespace: Namespace) -> impl Iterator<Item = &'static AsyncRequestHook> {
    inventory::iter::<AsyncRequestHook>
        .into_iter()
        .filter(move |h| h.namespace == namespace)
}

/// Register an async request hook for a namespace.
#[macro_export]
macro_rules! register_async_hook {
    ($namespace:expr, $hook:path) => {
        $crate::inventory::submit! {
            $crate::routes::AsyncRequestHook {
                namespace: $namespace,
                name: concat!(module_path!(), "::", stringify!($hook)),
                hook: $hook,
            }
        }
    };
}

/// One documented route.
#[derive(Clone)]
pub struct RouteDoc {
    pub namespace: Namespace,
    pub method: Method,
    /// The full path (`/admin/products/{id}`).
    pub path: String,
    pub doc: Doc,
}

/// Where a [`Routes`] set adds its routes: each one mounted on the server
/// and described in the OpenAPI document by the same call.
pub struct RouteSet<'a> {
    namespace: Namespace,
    cfg: Option<&'a mut ServiceConfig>,
    docs: Vec<RouteDoc>,
}

impl<'a> RouteSet<'a> {
    /// Routes mounted on `cfg` (a namespace's scope).
    pub fn mount(namespace: Namespace, cfg: &'a mut ServiceConfig) -> Self {
        Self {
            namespace,
            cfg: Some(cfg),
            docs: Vec::new(),
        }
    }

    /// Routes only described, for the document.
    pub fn describe(namespace: Namespace) -> RouteSet<'static> {
        RouteSet {
            namespace,
            cfg: None,
            docs: Vec::new(),
        }
    }

    /// The namespace the routes are added to.
    pub fn namespace(&self) -> Namespace {
        self.namespace
    }

    /// The routes added so far.
    pub fn into_docs(self) -> Vec<RouteDoc> {
        self.docs
    }

    /// `GET path`.
    pub fn get<F, Args>(&mut self, path: &str, handler: F, doc: Doc) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, web::get().to(handler), doc)
    }

    /// `POST path`.
    pub fn post<F, Args>(&mut self, path: &str, handler: F, doc: Doc) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, web::post().to(handler), doc)
    }

    /// `DELETE path`.
    pub fn delete<F, Args>(&mut self, path: &str, handler: F, doc: Doc) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::DELETE, path, web::delete().to(handler), doc)
    }

    fn add(&mut self, method: Method, path: &str, route: actix_web::Route, doc: Doc) -> &mut Self {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.route(path, route);
        }
        self.docs.push(RouteDoc {
            namespace: self.namespace,
            method,
            path: format!("{}{path}", self.namespace.prefix()),
            doc,
        });
        self
    }
}

/// Every route of `routes`, described. When two sets add the same method
/// and path, the first one serves it (actix-web matches in registration
/// order), so only the first is described.
pub fn describe(routes: &[Routes]) -> Vec<RouteDoc> {
    let mut out: Vec<RouteDoc> = Vec::new();
    for r in routes {
        let mut set = RouteSet::describe(r.namespace);
        (r.configure)(&mut set);
        for doc in set.into_docs() {
            if !out
                .iter()
                .any(|o| o.method == doc.method && o.path == doc.path)
            {
                out.push(doc);
            }
        }
    }
    out
}
