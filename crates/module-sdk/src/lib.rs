//! The contract Stheno modules are written against.
//!
//! A *module* owns one commerce domain (products, carts, …): its tables, its
//! migrations and a service type with the domain operations. This crate gives
//! a module author everything needed to plug into a Stheno application:
//!
//! - [`Module`] and [`register_module!`]: how the framework finds, orders and
//!   builds modules; [`ModuleContext`] is what a module receives when built.
//! - [`Error`] with Medusa's error kinds ([`ErrorKind`]); the HTTP layer maps
//!   the kinds to status codes.
//! - [`id::generate_id`] for `<prefix>_<ULID>` ids, [`money`] for exact
//!   decimal amounts, [`time`] for Medusa's timestamp wire format.
//! - [`list`]: pagination, ordering and filter value types shared by list
//!   operations.
//! - [`graph`]: how a module exposes its entities and relations to Query, so
//!   relations named in `fields` are loaded in batches.
//! - [`events`]: the event-bus trait modules emit domain events through.
//! - [`services`]: the typed map of built modules that workflow steps read;
//!   [`locking`]: named locks.
//! - [`db`]: the pooled diesel-async connection type and the SQL query counter.
//!
//! # Conventions every module follows
//!
//! - **Ids** are `<prefix>_<ULID>` ([`id::generate_id`]); the prefix is the
//!   entity's Medusa prefix (`prod`, `variant`, `pcol`, …).
//! - **Timestamps**: every entity table has `created_at`, `updated_at`
//!   (`timestamptz NOT NULL DEFAULT now()`) and `deleted_at` (nullable);
//!   they serialise with [`time::iso`].
//! - **Soft delete**: deleting sets `deleted_at` (and follows cascades the
//!   module declares); reads hide soft-deleted rows unless the caller asks
//!   `with_deleted`; restoring clears it. Unique indexes are partial
//!   (`WHERE deleted_at IS NULL`) so a deleted row does not block re-use of a
//!   handle.
//! - **Metadata**: most entities carry `metadata jsonb` (nullable), stored and
//!   returned as given; an update with `metadata: null` clears it.
//! - **Money** is [`money::Amount`] (`numeric` column), never `f64`.
//! - **Events** are emitted after the transaction commits, one `{id}` payload
//!   per entity, named `<module>.<entity>.<action>`.
//! - **Migrations** live in `migrations/<module>/<timestamp>_<name>/up.sql`;
//!   version names are unique across modules.
//!
//! ```
//! use stheno_module_sdk::{id::generate_id, Error, ErrorKind};
//!
//! let id = generate_id("prod");
//! assert!(id.starts_with("prod_") && id.len() == 5 + 26);
//!
//! let err = Error::not_found(format!("Product with id: {id} was not found"));
//! assert_eq!(err.kind(), ErrorKind::NotFound);
//! ```

extern crate self as stheno_module_sdk;

pub mod db;
pub mod entity;
pub mod error;
pub mod events;
pub mod graph;
pub mod id;
pub mod input;
pub mod link;
pub mod list;
pub mod locking;
pub mod module;
pub mod money;
pub mod provider;
pub mod relation;
pub mod services;
pub mod time;

pub use error::{Error, ErrorKind, Result};
pub use module::{Migrations, Module, ModuleContext, ModuleRegistration};

// Re-exported so the registration macros work from crates that do not depend on them directly.
pub use async_trait::async_trait;
#[doc(hidden)]
pub use inventory;
/// The `#[entity]` and `#[module]` macros.
pub use stheno_macros::{entity, module};

#[doc(hidden)]
pub mod __private {
    pub use chrono;
    pub use diesel_migrations;
    pub use serde;
    pub use serde_json;
}

/// Everything a module author usually needs, in one import.
pub mod prelude {
    pub use crate::db::{DbConn, DbPool};
    pub use crate::entity::{Entity, EntityService, FieldFilter, ListConfig};
    pub use crate::error::{Error, ErrorKind, Result};
    pub use crate::events::{Event, EventBus};
    pub use crate::graph::{EntitySource, Record, RelationDef};
    pub use crate::id::generate_id;
    pub use crate::link::Links;
    pub use crate::list::{Direction, OrderBy, Page};
    pub use crate::module::{Migrations, Module, ModuleContext};
    pub use crate::money::Amount;
    pub use crate::provider::{ProviderKind, ProviderOptions, Providers};
    pub use async_trait::async_trait;
    pub use stheno_macros::{entity, module};
}
