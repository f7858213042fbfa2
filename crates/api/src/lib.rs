//! Medusa v2-compatible Store and Admin routes.
//!
//! Routes read through the modules' typed list methods and Query (so
//! `fields` and relation expansion behave the same everywhere) and answer in
//! Medusa's envelopes. A route never writes to a module: every mutation
//! runs a workflow of `stheno-core-flows` on the container's engine
//! (`workflow::run`), so a failure part-way is compensated. [`routes`]
//! lists them for the `App` builder; they are also registered through
//! `inventory`.
//!
//! Start reading at `store/products.rs` (a list route end to end) and
//! `admin/products.rs` (mutations and batches).

pub(crate) mod admin;
mod auth;
mod catalog;
pub mod crud;
mod customer_fields;
mod fields;
mod geo;
pub mod publishable;
mod respond;
mod secret_keys;
mod store;
mod variant_prices;
pub(crate) mod workflow;

pub use fields::*;

#[doc(hidden)]
pub mod __private {
    pub use actix_web;
    pub use stheno_http;
}
use stheno_http::{Namespace, Routes};

fn store_routes(r: &mut stheno_http::RouteSet) {
    store::configure(r)
}
fn admin_routes(r: &mut stheno_http::RouteSet) {
    admin::configure(r)
}
fn auth_routes(r: &mut stheno_http::RouteSet) {
    auth::configure(r)
}

stheno_http::register_routes!(Namespace::Store, store_routes);
stheno_http::register_routes!(Namespace::Admin, admin_routes);
stheno_http::register_routes!(Namespace::Auth, auth_routes);

/// The Store, Admin and Auth route sets of this crate.
pub fn routes() -> Vec<Routes> {
    vec![
        Routes {
            namespace: Namespace::Store,
            name: concat!(module_path!(), "::", "store_routes"),
            configure: store_routes,
        },
        Routes {
            namespace: Namespace::Admin,
            name: concat!(module_path!(), "::", "admin_routes"),
            configure: admin_routes,
        },
        Routes {
            namespace: Namespace::Auth,
            name: concat!(module_path!(), "::", "auth_routes"),
            configure: auth_routes,
        },
    ]
}
