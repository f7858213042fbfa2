//! Stheno's HTTP layer on actix-web: the server, middleware, Medusa's error
//! format, and request parsing (`fields`, `limit`/`offset`/`order`, filters,
//! validated bodies).
//!
//! - [`server::app`] builds the application from every registered [`Routes`];
//!   [`server::serve`] runs it with graceful shutdown.
//! - [`error::ApiError`] maps module errors to Medusa's status codes and JSON.
//! - [`extract::Body`] and [`extract::ListQuery`] validate input with
//!   Medusa's messages.
//! - [`auth`]: JWTs, cookie sessions, the [`AuthContext`] handlers extract
//!   ([`Authenticated`]), the per-namespace auth guard; [`ratelimit`] for
//!   login attempts.
//! - [`middleware`]: request ids, per-request SQL query counts, CORS per
//!   namespace, request hooks.
//! - [`response`]: list/retrieve/delete envelopes.

pub mod auth;
pub mod doc;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod ratelimit;
pub mod response;
pub mod routes;
pub mod server;
pub mod validate;

pub use auth::{AuthContext, AuthState, Authenticated, MaybeAuthenticated};
pub use doc::Doc;
pub use error::{ApiError, ApiResult};
pub use extract::{Body, ListQuery, NoFilters, RetrieveQuery};
pub use routes::RouteSet;
pub use routes::{Namespace, RequestHook, Routes};

#[doc(hidden)]
pub use inventory;
