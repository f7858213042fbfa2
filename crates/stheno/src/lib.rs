//! Stheno: a headless commerce framework in Rust that speaks Medusa v2's HTTP
//! API.
//!
//! This facade re-exports the crates an application needs and provides
//! [`App`], which turns a list of modules and routes into a binary with a
//! command line (`serve`, `migrate`, `seed`, `user create`):
//!
//! ```no_run
//! fn main() -> anyhow::Result<()> {
//!     stheno::App::from_env()?.with_default_modules().run()
//! }
//! ```
//!
//! Feature `default-modules` (on by default) brings the standard commerce
//! modules and their Store/Admin routes. Each module has its own feature
//! (`product`, `auth`, `user`, `customer`, `pricing`, `inventory`,
//! `stock-location`, `tax`, `sales-channel`, `api-key`, `currency`,
//! `region`, `store`, `workflow-engine`; `core-flows`
//! and `api` bring the workflows and routes that span them), so a binary
//! built with `default-features = false, features = ["product"]` compiles
//! only the product module. `testing` brings [`testing`] helpers.

mod app;
#[cfg(feature = "testing")]
pub mod testing;
#[cfg(all(feature = "user", feature = "auth"))]
pub mod users;

pub use app::{App, SeedFn};
pub use stheno_framework as framework;
pub use stheno_http as http;
pub use stheno_http::register_routes;
pub use stheno_module_sdk as sdk;
pub use stheno_module_sdk::{define_link, register_module};
pub use stheno_workflow_sdk as workflows;
pub use stheno_workflow_sdk::{register_hook, register_workflow};

#[cfg(feature = "api")]
pub use stheno_api as api;
#[cfg(feature = "api-key")]
pub use stheno_api_key as api_key;
#[cfg(feature = "auth")]
pub use stheno_auth as auth;
/// Medusa's core workflows and their hooks (`core_flows::product::PRODUCTS_CREATED`, …).
#[cfg(feature = "core-flows")]
pub use stheno_core_flows as core_flows;
#[cfg(feature = "currency")]
pub use stheno_currency as currency;
#[cfg(feature = "customer")]
pub use stheno_customer as customer;
#[cfg(feature = "inventory")]
pub use stheno_inventory as inventory;
#[cfg(feature = "pricing")]
pub use stheno_pricing as pricing;
#[cfg(feature = "product")]
pub use stheno_product as product;
#[cfg(feature = "region")]
pub use stheno_region as region;
#[cfg(feature = "sales-channel")]
pub use stheno_sales_channel as sales_channel;
#[cfg(feature = "stock-location")]
pub use stheno_stock_location as stock_location;
#[cfg(feature = "store")]
pub use stheno_store as store;
#[cfg(feature = "tax")]
pub use stheno_tax as tax;
#[cfg(feature = "user")]
pub use stheno_user as user;

/// The usual imports for writing a module or a route.
pub mod prelude {
    pub use stheno_framework::Container;
    pub use stheno_http::{ApiError, ApiResult, Body, ListQuery, Namespace, RetrieveQuery};
    pub use stheno_module_sdk::prelude::*;
    pub use stheno_workflow_sdk::{
        Hook, Step, StepContext, StepError, StepResponse, Workflow, WorkflowEngine,
    };
}
