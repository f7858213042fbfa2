//! Entities declared once, with their CRUD written by the SDK.
//!
//! A module declares an entity with the [`entity`](crate::entity) attribute
//! macro on a plain struct:
//!
//! ```
//! use stheno_module_sdk::entity::{Entity, EntityFilter, FieldFilter};
//! use stheno_module_sdk::entity;
//!
//! #[entity(module = "brand", prefix = "brand", searchable(name), soft_delete)]
//! pub struct Brand {
//!     pub id: String,
//!     #[entity(unique)]
//!     pub name: String,
//!     pub metadata: Option<serde_json::Value>,
//! }
//!
//! assert_eq!(Brand::META.table, "brand");
//! assert_eq!(Brand::META.event_name, "brand");
//! let create = CreateBrand::new("Acme");
//! assert_eq!((create.name.as_str(), create.metadata.is_none()), ("Acme", true));
//! // `null` clears, absent keeps:
//! let update: UpdateBrand = serde_json::from_value(serde_json::json!({"metadata": null})).unwrap();
//! assert_eq!((update.metadata, update.name), (Some(None), None));
//! let filter: BrandFilter =
//!     serde_json::from_value(serde_json::json!({"name": {"$ilike": "ac%"}, "q": "me"})).unwrap();
//! assert!(matches!(filter.name, Some(FieldFilter::Ops(_))));
//! ```
//!
//! An entity keyed by something other than a generated `id` marks that
//! field `#[entity(primary_key)]`: the caller always gives it, there is no
//! prefix, and messages name it (`Currency with code: xyz was not found`).
//!
//! ```
//! #[stheno_module_sdk::entity(module = "currency", searchable(code, name))]
//! pub struct Currency {
//!     #[entity(primary_key)]
//!     pub code: String,
//!     pub name: String,
//! }
//! use stheno_module_sdk::entity::{Entity, InsertValues};
//! assert_eq!(Currency::META.pk, "code");
//! assert_eq!(CreateCurrency::new("eur", "Euro").given_id(), Some("eur"));
//! assert_eq!(
//!     Currency::META.not_found("xyz").message(),
//!     "Currency with code: xyz was not found"
//! );
//! ```
//!
//! Mistakes are compile errors: an entity needs an `id`,
//!
//! ```compile_fail
//! #[stheno_module_sdk::entity(module = "brand", prefix = "brand")]
//! pub struct Brand { pub name: String }
//! ```
//!
//! a module key and a prefix,
//!
//! ```compile_fail
//! #[stheno_module_sdk::entity(prefix = "brand")]
//! pub struct Brand { pub id: String }
//! ```
//!
//! does not declare the timestamps itself,
//!
//! ```compile_fail
//! #[stheno_module_sdk::entity(module = "brand", prefix = "brand")]
//! pub struct Brand { pub id: String, pub created_at: String }
//! ```
//!
//! and searches only its own fields.
//!
//! ```compile_fail
//! #[stheno_module_sdk::entity(module = "brand", prefix = "brand", searchable(title))]
//! pub struct Brand { pub id: String, pub name: String }
//! ```
//!
//! The macro adds the timestamps (`created_at`, `updated_at`, `deleted_at`)
//! and writes, from the declaration:
//! - [`EntityMeta`]: table, id prefix, columns, searchable and unique fields,
//!   relations inside the module, soft delete;
//! - `CreateBrand` (required fields required, `id` optional) and
//!   `UpdateBrand` (every field optional; a nullable field distinguishes
//!   absent from `null`; a field marked `#[entity(immutable)]` is set at
//!   create only and is not in `UpdateBrand`);
//! - `BrandFilter`, a typed filter with Medusa's operators per column
//!   ([`FieldFilter`]), `q`, `$and` and `$or`;
//! - the [`Entity`] impl tying them together.
//!
//! [`EntityService`] is the generated service: list, list-and-count,
//! retrieve, create (one or many, one transaction), update (by id or by
//! filter), soft delete and restore (cascading to declared children and to
//! links), and hard delete, with Medusa's error messages and events emitted
//! after commit. [`EntityGraph`] exposes an entity and its relations to Query.

pub mod filter;
mod graph;
pub(crate) mod meta;
mod service;
pub mod sql;
mod value;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::list::ListConfig;
pub use filter::{Condition, EntityFilter, FieldFilter, FilterOps, Op};
pub use graph::EntityGraph;
pub use meta::{ColumnMeta, ColumnType, EntityMeta, RelationKind, RelationMeta};
pub use service::{Deleted, EntityService, Tx};
pub use value::{Bind, SqlValue};

/// A declared entity. Implemented by the `#[entity]` macro.
pub trait Entity: Serialize + DeserializeOwned + Clone + Send + Sync + Unpin + 'static {
    /// Everything the generic code needs to know about the table.
    const META: &'static EntityMeta;
    /// Input of `create`.
    type Create: InsertValues + Serialize + DeserializeOwned + Clone + Send + Sync + 'static;
    /// Input of `update`.
    type Update: UpdateValues
        + Serialize
        + DeserializeOwned
        + Clone
        + Default
        + Send
        + Sync
        + 'static;
    /// Typed list filter.
    type Filter: EntityFilter
        + Serialize
        + DeserializeOwned
        + Clone
        + Default
        + Send
        + Sync
        + 'static;

    /// The entity's id.
    fn id(&self) -> &str;

    /// Domain defaults filled in before a create (`#[entity(prepare =
    /// path)]`), e.g. a handle derived from the title. May refuse the input.
    fn prepare(_input: &mut Self::Create) -> crate::Result<()> {
        Ok(())
    }

    /// Every declared column's value (the id and timestamps excluded): what
    /// [`EntityService::overwrite`] writes back to undo an update.
    fn column_values(&self) -> Vec<(&'static str, Bind)>;
}

/// A module that owns the generated service of `E` (written by `#[module]`):
/// how generic steps and routes reach the service.
pub trait ServiceOf<E: Entity> {
    fn service(&self) -> &EntityService<E>;
}

/// A create input as column values.
pub trait InsertValues {
    /// The id given by the caller, if any.
    fn given_id(&self) -> Option<&str>;
    /// `(column, value)` for every column the input carries, in
    /// [`EntityMeta::columns`] order (the id and timestamps excluded).
    /// [`Bind::Default`] leaves the column to its database default.
    fn values(&self) -> Vec<(&'static str, Bind)>;
}

/// An update input as column changes: only the fields the caller gave.
pub trait UpdateValues {
    fn changes(&self) -> Vec<(&'static str, Bind)>;
}

/// Entities whose rows other modules may link to (`define_link!`): a
/// generated entity, or a hand-written table that implements it.
pub trait Linkable {
    /// The module key (`product`).
    const MODULE: &'static str;
    /// Query's entity name (`product`).
    const ENTITY: &'static str;
    /// The table (`product`).
    const TABLE: &'static str;
    /// The table has `deleted_at`.
    const SOFT_DELETE: bool;
    /// The column holding this entity's id in link tables (`product_id`).
    const LINK_COLUMN: &'static str;
    /// The entity's metadata when it is a generated entity: a
    /// `delete_cascade` link then deletes it through its own cascades.
    const META: Option<&'static EntityMeta> = None;
}
