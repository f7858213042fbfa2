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
mod service;
pub mod sql;
mod value;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use filter::{Condition, EntityFilter, FieldFilter, FilterOps, Op};
pub use graph::EntityGraph;
pub use service::{Deleted, EntityService, ListConfig, Tx};
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

/// The PostgreSQL type of a column, as cast in generated SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Boolean,
    Integer,
    BigInt,
    Double,
    Numeric,
    Timestamptz,
    Jsonb,
}

impl ColumnType {
    /// The name used in casts and in generated migrations.
    pub const fn sql(self) -> &'static str {
        match self {
            ColumnType::Text => "text",
            ColumnType::Boolean => "boolean",
            ColumnType::Integer => "integer",
            ColumnType::BigInt => "bigint",
            ColumnType::Double => "double precision",
            ColumnType::Numeric => "numeric",
            ColumnType::Timestamptz => "timestamptz",
            ColumnType::Jsonb => "jsonb",
        }
    }
}

/// One column of an entity table.
#[derive(Debug, Clone, Copy)]
pub struct ColumnMeta {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
    /// A unique column (partial index on live rows).
    pub unique: bool,
    /// Has a database default: optional in create inputs.
    pub has_default: bool,
    /// The SQL default written by `db generate` (`false`, `0`, `'draft'`).
    pub default_sql: Option<&'static str>,
}

/// How a relation inside a module is stored.
#[derive(Debug, Clone, Copy)]
pub enum RelationKind {
    /// The target holds `fk` pointing at this entity (`customer.addresses`).
    HasMany { fk: &'static str },
    /// This entity holds `fk` pointing at the target (`address.customer`).
    BelongsTo { fk: &'static str },
    /// A pivot table `through(fk → this, other_fk → target)`.
    ManyToMany {
        through: &'static str,
        fk: &'static str,
        other_fk: &'static str,
    },
}

/// A relation of an entity to another entity of the same module.
#[derive(Debug, Clone, Copy)]
pub struct RelationMeta {
    pub name: &'static str,
    pub target: fn() -> &'static EntityMeta,
    pub kind: RelationKind,
    /// Soft delete / restore / delete of this entity also applies to the
    /// targets (has-many only).
    pub cascade: bool,
}

/// The static description of an entity, written by the `#[entity]` macro.
#[derive(Debug)]
pub struct EntityMeta {
    /// The owning module's key (`product`), first part of event names.
    pub module: &'static str,
    /// The Rust type name, used in `not_found` messages (`ProductTag with id: x was not found`).
    pub name: &'static str,
    /// Query's entity name (`product_tag`).
    pub entity: &'static str,
    pub table: &'static str,
    /// Id prefix (`ptag`).
    pub prefix: &'static str,
    /// The entity in words, for `duplicate_error` messages (`Product tag`).
    pub words: &'static str,
    /// The event name part (`product-tag` in `product.product-tag.created`).
    pub event_name: &'static str,
    /// Every column except `id`, `created_at`, `updated_at`, `deleted_at`.
    pub columns: &'static [ColumnMeta],
    /// Columns `q` searches (`ILIKE %q%`, any of them).
    pub searchable: &'static [&'static str],
    /// Unique column sets beyond single `unique` columns.
    pub unique_together: &'static [&'static [&'static str]],
    pub soft_delete: bool,
    pub relations: &'static [RelationMeta],
    /// Query's view of the relations (names, targets, cardinality).
    pub graph_relations: &'static [crate::graph::RelationDef],
}

impl EntityMeta {
    /// The column named `name` (`id` and the timestamps included).
    pub fn column(&self, name: &str) -> Option<ColumnType> {
        match name {
            "id" => Some(ColumnType::Text),
            "created_at" | "updated_at" => Some(ColumnType::Timestamptz),
            "deleted_at" if self.soft_delete => Some(ColumnType::Timestamptz),
            _ => self.columns.iter().find(|c| c.name == name).map(|c| c.ty),
        }
    }

    /// Every column name, in table order: `id`, the declared columns, the
    /// timestamps.
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once("id")
            .chain(self.columns.iter().map(|c| c.name))
            .chain(["created_at", "updated_at"])
            .chain(self.soft_delete.then_some("deleted_at"))
    }

    /// The relation named `name`.
    pub fn relation(&self, name: &str) -> Option<&RelationMeta> {
        self.relations.iter().find(|r| r.name == name)
    }

    /// Medusa's message for a missing row.
    pub fn not_found(&self, id: &str) -> crate::Error {
        crate::Error::not_found(format!("{} with id: {id} was not found", self.name))
    }

    /// A unique violation worded as Medusa does, from the index's key
    /// columns (`Customer with email: a@b.c, has_account: true, already
    /// exists.`); other errors unchanged.
    pub fn refine_duplicate(&self, err: crate::Error) -> crate::Error {
        err.refine_duplicate_with(self.words, |column, value| {
            match (self.column(column), value) {
                (Some(ColumnType::Boolean), "t") => "true".to_string(),
                (Some(ColumnType::Boolean), "f") => "false".to_string(),
                _ => value.to_string(),
            }
        })
    }
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
