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

use crate::openapi::RouteSet;

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
