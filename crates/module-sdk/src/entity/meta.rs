//! The static description of an entity: what `#[entity]` writes and the
//! generic code reads.

/// The PostgreSQL type of a column, as cast in generated SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Boolean,
    Integer,
    BigInt,
    /// `real` (`f32`).
    Real,
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
            ColumnType::Real => "real",
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
    /// Set at create, never updated (`#[entity(immutable)]`).
    pub immutable: bool,
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
    /// How Query orders the related rows of one parent: target columns,
    /// `-column` for descending; `id` always breaks ties. Empty: by
    /// `created_at`.
    pub order: &'static [&'static str],
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
    /// The primary-key column: `id` unless the entity declares a field
    /// `#[entity(primary_key)]` (currency `code`, country `iso_2`).
    pub pk: &'static str,
    /// The entity in words, for `duplicate_error` messages (`Product tag`).
    pub words: &'static str,
    /// The event name part (`product-tag` in `product.product-tag.created`).
    pub event_name: &'static str,
    /// Every column except the primary key, `created_at`, `updated_at`, `deleted_at`.
    pub columns: &'static [ColumnMeta],
    /// Columns `q` searches (`ILIKE %q%`, any of them).
    pub searchable: &'static [&'static str],
    /// Unique column sets beyond single `unique` columns.
    pub unique_together: &'static [&'static [&'static str]],
    pub soft_delete: bool,
    pub relations: &'static [RelationMeta],
    /// Query's view of the relations (names, targets, cardinality).
    pub graph_relations: &'static [crate::relation::RelationDef],
    /// What shoppers may see besides live rows: `(column, value)` pairs
    /// that must all hold (`status = published`). Storefront reads apply
    /// it wherever the entity is read — as the listed entity, through a
    /// relation, through a link.
    pub store_scope: &'static [(&'static str, &'static str)],
}

impl EntityMeta {
    /// The column named `name` (`id` and the timestamps included).
    pub fn column(&self, name: &str) -> Option<ColumnType> {
        match name {
            n if n == self.pk => Some(ColumnType::Text),
            "created_at" | "updated_at" => Some(ColumnType::Timestamptz),
            "deleted_at" if self.soft_delete => Some(ColumnType::Timestamptz),
            _ => self.columns.iter().find(|c| c.name == name).map(|c| c.ty),
        }
    }

    /// Every column name, in table order: the primary key, the declared
    /// columns, the timestamps.
    pub fn column_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        std::iter::once(self.pk)
            .chain(self.columns.iter().map(|c| c.name))
            .chain(["created_at", "updated_at"])
            .chain(self.soft_delete.then_some("deleted_at"))
    }

    /// [`store_scope`](Self::store_scope) as a condition, `None` when the
    /// entity has none.
    pub fn store_condition(&self) -> Option<crate::entity::Condition> {
        if self.store_scope.is_empty() {
            return None;
        }
        Some(crate::entity::Condition::All(
            self.store_scope
                .iter()
                .map(|(column, value)| crate::entity::Condition::Compare {
                    column,
                    op: crate::entity::Op::Eq,
                    value: crate::entity::Bind::Text((*value).to_string()),
                })
                .collect(),
        ))
    }

    /// The relation named `name`.
    pub fn relation(&self, name: &str) -> Option<&RelationMeta> {
        self.relations.iter().find(|r| r.name == name)
    }

    /// Medusa's message for a missing row.
    pub fn not_found(&self, id: &str) -> crate::Error {
        crate::Error::not_found(format!(
            "{} with {}: {id} was not found",
            self.name, self.pk
        ))
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
