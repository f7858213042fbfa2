//! `db generate <module>`: the SQL migration that brings the database to a
//! module's entities as declared, as Medusa's `db:generate` does.
//!
//! The input is the module's [`EntityMeta`]s ([`Module::entities`], written
//! by `#[module(entities(..))]`) and the current schema of the database
//! ([`Schema::read`]: `information_schema` and `pg_index`, after the
//! existing migrations are applied). [`plan`] compares them and writes, in
//! entity order:
//!
//! - `CREATE TABLE` for a missing table: `id text PRIMARY KEY`, the declared
//!   columns (`NOT NULL` unless nullable, `DEFAULT` when declared), the
//!   timestamps, `deleted_at` when soft-deletable;
//! - `ALTER TABLE … ADD COLUMN` for a missing column. A `NOT NULL` column
//!   without a default is refused: the rows already there would break it;
//! - the missing indexes: a partial unique index (`WHERE deleted_at IS
//!   NULL` when soft-deletable) per `unique` column and `unique(..)` set,
//!   `IDX_<table>_<cols>_unique`; one per `belongs_to` key,
//!   `IDX_<table>_<fk>`; one on `deleted_at`, `IDX_<table>_deleted_at`. An
//!   index counts as present under its name or as any index on the same
//!   columns (unique, when a unique one is wanted), so hand-written
//!   migrations are not duplicated;
//! - foreign keys of new `belongs_to` columns (`<table>_<fk>_foreign`), and
//!   the pivot tables of `many_to_many` relations;
//!
//! and the `down.sql` that undoes it. It never drops or alters what exists:
//! a column whose type or nullability differs from its declaration is
//! reported as a warning for a hand-written migration. The SQL depends only
//! on the declarations and the schema, so tests compare it as text.
//!
//! [`write`] puts it in `migrations/<module>/<UTC YYYYMMDDHHMMSS>_<module>_generated/`;
//! [`run`] is the whole command.
//!
//! [`Module::entities`]: stheno_module_sdk::Module::entities

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{Array, Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stheno_module_sdk::ModuleRegistration;
use stheno_module_sdk::entity::{ColumnType, EntityMeta, RelationKind};

use crate::boot::{self, BootError};
use crate::config::Config;
use crate::database::{quote_ident, redact};

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("unknown module `{key}`; this binary has: {known}")]
    UnknownModule { key: String, known: String },
    #[error(
        "module `{0}` declares no entities (`#[module(entities(..))]` with `#[entity]` types); its tables come from hand-written migrations, so there is nothing to generate"
    )]
    NoEntities(String),
    #[error("cannot generate a migration for module `{module}`:\n{}", list(.problems))]
    Refused {
        module: String,
        problems: Vec<String>,
    },
    #[error(
        "{dir} holds migration(s) not applied to the database yet: {}. Rebuild the binary (the module embeds its migrations at compile time) and run `migrate`, then generate again; otherwise the new migration would repeat them",
        .versions.join(", ")
    )]
    Pending { dir: String, versions: Vec<String> },
    #[error("cannot read the schema of {url}: {reason}")]
    Schema { url: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error(transparent)]
    Boot(#[from] BootError),
}

fn list(problems: &[String]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A column of the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbColumn {
    /// `information_schema.columns.data_type` (`text`, `timestamp with time zone`).
    pub data_type: String,
    pub nullable: bool,
}

/// An index of the database (unique constraints and primary keys included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbIndex {
    pub name: String,
    /// Key columns in order; `?` for an expression.
    pub columns: Vec<String>,
    pub unique: bool,
}

/// A table of the database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DbTable {
    pub columns: BTreeMap<String, DbColumn>,
    pub indexes: Vec<DbIndex>,
}

/// The tables of the database's current schema: what [`plan`] compares the
/// entities with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    pub tables: BTreeMap<String, DbTable>,
}

#[derive(QueryableByName)]
struct TableRow {
    #[diesel(sql_type = Text)]
    table_name: String,
}

#[derive(QueryableByName)]
struct ColumnRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Bool)]
    nullable: bool,
}

#[derive(QueryableByName)]
struct IndexRow {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    index_name: String,
    #[diesel(sql_type = Bool)]
    is_unique: bool,
    #[diesel(sql_type = Array<Text>)]
    columns: Vec<String>,
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Text)]
    version: String,
}

const TABLES_SQL: &str = "SELECT table_name::text AS table_name FROM information_schema.tables \
     WHERE table_schema = current_schema()";
const COLUMNS_SQL: &str = "SELECT table_name::text AS table_name, column_name::text AS column_name, \
     data_type::text AS data_type, is_nullable = 'YES' AS nullable \
     FROM information_schema.columns WHERE table_schema = current_schema()";
const INDEXES_SQL: &str = "SELECT t.relname::text AS table_name, i.relname::text AS index_name, \
     ix.indisunique AS is_unique, \
     ARRAY(SELECT coalesce(a.attname::text, '?') \
           FROM unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) \
           LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum \
           WHERE k.n <= ix.indnkeyatts ORDER BY k.n) AS columns \
     FROM pg_index ix \
     JOIN pg_class i ON i.oid = ix.indexrelid \
     JOIN pg_class t ON t.oid = ix.indrelid \
     JOIN pg_namespace n ON n.oid = t.relnamespace \
     WHERE n.nspname = current_schema() ORDER BY 1, 2";

impl Schema {
    /// The current schema of the database at `url`.
    pub async fn read(url: &str) -> Result<Self, GenerateError> {
        let fail = |e: &dyn std::fmt::Display| GenerateError::Schema {
            url: redact(url),
            reason: e.to_string(),
        };
        let mut conn = AsyncPgConnection::establish(url)
            .await
            .map_err(|e| fail(&e))?;
        Self::read_from(&mut conn).await.map_err(|e| fail(&e))
    }

    async fn read_from(conn: &mut AsyncPgConnection) -> diesel::QueryResult<Self> {
        let mut schema = Schema::default();
        for t in diesel::sql_query(TABLES_SQL).load::<TableRow>(conn).await? {
            schema.tables.entry(t.table_name).or_default();
        }
        for c in diesel::sql_query(COLUMNS_SQL)
            .load::<ColumnRow>(conn)
            .await?
        {
            schema
                .tables
                .entry(c.table_name)
                .or_default()
                .columns
                .insert(
                    c.column_name,
                    DbColumn {
                        data_type: c.data_type,
                        nullable: c.nullable,
                    },
                );
        }
        for i in diesel::sql_query(INDEXES_SQL)
            .load::<IndexRow>(conn)
            .await?
        {
            if let Some(table) = schema.tables.get_mut(&i.table_name) {
                table.indexes.push(DbIndex {
                    name: i.index_name,
                    columns: i.columns,
                    unique: i.is_unique,
                });
            }
        }
        Ok(schema)
    }
}

/// A generated migration. Empty when the database already matches.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Generated {
    module: String,
    up: Vec<String>,
    down: Vec<String>,
    /// What differs but is not generated (column types, nullability), and
    /// hints; printed by the command.
    pub warnings: Vec<String>,
}

impl Generated {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.up.is_empty()
    }
    /// The `up.sql`.
    pub fn up_sql(&self) -> String {
        self.sql(&self.up)
    }
    /// The `down.sql`, undoing `up.sql` in reverse order.
    pub fn down_sql(&self) -> String {
        self.sql(&self.down)
    }
    fn sql(&self, blocks: &[String]) -> String {
        let mut out = format!(
            "-- Generated by `db generate {}`: review before applying.\n",
            self.module
        );
        for block in blocks {
            out.push('\n');
            out.push_str(block);
        }
        out
    }
}

/// A column to create.
struct Col {
    name: &'static str,
    ty: &'static str,
    nullable: bool,
    default: Option<&'static str>,
    /// `#[entity(default)]` without the SQL: the default cannot be written.
    default_unknown: bool,
    primary: bool,
}

impl Col {
    fn definition(&self) -> String {
        let mut out = format!("{} {}", quote_ident(self.name), self.ty);
        if self.primary {
            out.push_str(" PRIMARY KEY");
        } else if !self.nullable {
            out.push_str(" NOT NULL");
        }
        if let Some(d) = self.default {
            out.push_str(" DEFAULT ");
            out.push_str(d);
        }
        out
    }
}

fn columns(meta: &EntityMeta) -> Vec<Col> {
    let fixed = |name, ty: ColumnType, nullable, default| Col {
        name,
        ty: ty.sql(),
        nullable,
        default,
        default_unknown: false,
        primary: false,
    };
    let mut out = vec![Col {
        primary: true,
        ..fixed("id", ColumnType::Text, false, None)
    }];
    out.extend(meta.columns.iter().map(|c| Col {
        name: c.name,
        ty: c.ty.sql(),
        nullable: c.nullable,
        default: c.default_sql,
        default_unknown: c.has_default && c.default_sql.is_none() && !c.nullable,
        primary: false,
    }));
    out.push(fixed(
        "created_at",
        ColumnType::Timestamptz,
        false,
        Some("now()"),
    ));
    out.push(fixed(
        "updated_at",
        ColumnType::Timestamptz,
        false,
        Some("now()"),
    ));
    if meta.soft_delete {
        out.push(fixed("deleted_at", ColumnType::Timestamptz, true, None));
    }
    out
}

/// An index to create.
struct Idx {
    name: String,
    columns: Vec<&'static str>,
    unique: bool,
    /// Only live rows (`WHERE deleted_at IS NULL`).
    live: bool,
}

impl Idx {
    fn create(&self, table: &str) -> String {
        let cols: Vec<String> = self.columns.iter().map(|c| quote_ident(c)).collect();
        format!(
            "CREATE {}INDEX {} ON {} ({}){};",
            if self.unique { "UNIQUE " } else { "" },
            quote_ident(&self.name),
            quote_ident(table),
            cols.join(", "),
            if self.live {
                " WHERE deleted_at IS NULL"
            } else {
                ""
            }
        )
    }

    fn present_in(&self, table: &DbTable) -> bool {
        table.indexes.iter().any(|i| {
            i.name == self.name
                || (i
                    .columns
                    .iter()
                    .map(String::as_str)
                    .eq(self.columns.iter().copied())
                    && (i.unique || !self.unique))
        })
    }
}

fn indexes(meta: &EntityMeta) -> Vec<Idx> {
    let table = meta.table;
    let live = meta.soft_delete;
    let mut out: Vec<Idx> = Vec::new();
    let unique_sets = meta
        .columns
        .iter()
        .filter(|c| c.unique)
        .map(|c| vec![c.name])
        .chain(meta.unique_together.iter().map(|set| set.to_vec()));
    for columns in unique_sets {
        if out.iter().any(|i| i.columns == columns) {
            continue;
        }
        out.push(Idx {
            name: format!("IDX_{table}_{}_unique", columns.join("_")),
            columns,
            unique: true,
            live,
        });
    }
    for rel in meta.relations {
        if let RelationKind::BelongsTo { fk } = rel.kind
            && !out.iter().any(|i| i.columns == [fk])
        {
            out.push(Idx {
                name: format!("IDX_{table}_{fk}"),
                columns: vec![fk],
                unique: false,
                live,
            });
        }
    }
    if meta.soft_delete {
        out.push(Idx {
            name: format!("IDX_{table}_deleted_at"),
            columns: vec!["deleted_at"],
            unique: false,
            live: false,
        });
    }
    out
}

/// The migration that brings `schema` to the `entities` of `module`; empty
/// when nothing differs. Refused (every problem listed) when a change cannot
/// be generated safely.
pub fn plan(
    module: &str,
    entities: &[&EntityMeta],
    schema: &Schema,
) -> Result<Generated, GenerateError> {
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut up = Vec::new();
    let mut down_existing = Vec::new();
    let mut new_tables = Vec::new();
    let mut foreign_keys = Vec::new();
    let declared: BTreeSet<&str> = entities.iter().map(|e| e.table).collect();

    for meta in entities {
        let table = meta.table;
        let existing = schema.tables.get(table);
        let mut block = Vec::new();
        let mut undo = Vec::new();
        let mut created = BTreeSet::new();
        match existing {
            None => {
                let cols = columns(meta);
                for c in cols.iter().filter(|c| c.default_unknown) {
                    problems.push(unknown_default(meta, c.name));
                }
                let defs: Vec<String> = cols
                    .iter()
                    .map(|c| format!("    {}", c.definition()))
                    .collect();
                block.push(format!(
                    "CREATE TABLE {} (\n{}\n);",
                    quote_ident(table),
                    defs.join(",\n")
                ));
                created.extend(cols.iter().map(|c| c.name));
                new_tables.push(table);
            }
            Some(db) => {
                for c in columns(meta) {
                    match db.columns.get(c.name) {
                        Some(found) => drift(meta, &c, found, &mut warnings),
                        None => {
                            if c.default_unknown {
                                problems.push(unknown_default(meta, c.name));
                            } else if !c.nullable && c.default.is_none() {
                                problems.push(format!(
                                    "column `{}` of entity `{}` is new and NOT NULL without a default: the rows already in table `{table}` would violate it. Give the field a default (`#[entity(default = \"…\")]`) or make it nullable (`Option<…>`)",
                                    c.name, meta.name
                                ));
                            }
                            block.push(format!(
                                "ALTER TABLE {} ADD COLUMN {};",
                                quote_ident(table),
                                c.definition()
                            ));
                            undo.push(format!(
                                "ALTER TABLE {} DROP COLUMN {};",
                                quote_ident(table),
                                quote_ident(c.name)
                            ));
                            created.insert(c.name);
                        }
                    }
                }
            }
        }
        for idx in indexes(meta) {
            if let Some(bad) = idx.columns.iter().find(|c| meta.column(c).is_none()) {
                problems.push(format!(
                    "index `{}` of entity `{}` names `{bad}`, which is not a field of `{}`",
                    idx.name, meta.name, meta.name
                ));
                continue;
            }
            if existing.is_some_and(|db| idx.present_in(db)) {
                continue;
            }
            block.push(idx.create(table));
            if existing.is_some() && !idx.columns.iter().any(|c| created.contains(c)) {
                undo.push(format!("DROP INDEX {};", quote_ident(&idx.name)));
            }
        }
        for rel in meta.relations {
            let RelationKind::BelongsTo { fk } = rel.kind else {
                continue;
            };
            let target = (rel.target)().table;
            let Some(col) = meta.columns.iter().find(|c| c.name == fk) else {
                problems.push(format!(
                    "relation `{}` of entity `{}` stores its key in `{fk}`, which is not a field of `{}`",
                    rel.name, meta.name, meta.name
                ));
                continue;
            };
            if !declared.contains(target) && !schema.tables.contains_key(target) {
                problems.push(missing_target(module, meta, rel.name, target));
            }
            if created.contains(fk) {
                foreign_keys.push(format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} (\"id\"){};",
                    quote_ident(table),
                    quote_ident(&format!("{table}_{fk}_foreign")),
                    quote_ident(fk),
                    quote_ident(target),
                    if col.nullable {
                        " ON DELETE SET NULL"
                    } else {
                        ""
                    }
                ));
            }
        }
        if !block.is_empty() {
            up.push(block.join("\n") + "\n");
        }
        undo.reverse();
        if !undo.is_empty() {
            down_existing.push(undo.join("\n") + "\n");
        }
    }
    if !foreign_keys.is_empty() {
        up.push(foreign_keys.join("\n") + "\n");
    }

    // Pivot tables, once each (both sides may declare them).
    let mut pivots = Vec::new();
    let mut seen = BTreeSet::new();
    for meta in entities {
        for rel in meta.relations {
            let RelationKind::ManyToMany {
                through,
                fk,
                other_fk,
            } = rel.kind
            else {
                continue;
            };
            if !seen.insert(through) || schema.tables.contains_key(through) {
                continue;
            }
            let target = (rel.target)().table;
            if !declared.contains(target) && !schema.tables.contains_key(target) {
                problems.push(missing_target(module, meta, rel.name, target));
            }
            let column = |name: &str, points_at: &str| {
                format!(
                    "    {} text NOT NULL REFERENCES {} (\"id\") ON DELETE CASCADE",
                    quote_ident(name),
                    quote_ident(points_at)
                )
            };
            up.push(format!(
                "CREATE TABLE {t} (\n{},\n{},\n    PRIMARY KEY ({}, {})\n);\nCREATE INDEX {} ON {t} ({});\n",
                column(fk, meta.table),
                column(other_fk, target),
                quote_ident(fk),
                quote_ident(other_fk),
                quote_ident(&format!("IDX_{through}_{other_fk}")),
                quote_ident(other_fk),
                t = quote_ident(through),
            ));
            pivots.push(through);
        }
    }

    if !problems.is_empty() {
        return Err(GenerateError::Refused {
            module: module.to_string(),
            problems,
        });
    }
    let mut down = Vec::new();
    if !pivots.is_empty() {
        pivots.reverse();
        down.push(drop_tables(&pivots));
    }
    down_existing.reverse();
    down.extend(down_existing);
    if !new_tables.is_empty() {
        new_tables.reverse();
        down.push(drop_tables(&new_tables));
    }
    Ok(Generated {
        module: module.to_string(),
        up,
        down,
        warnings,
    })
}

fn drop_tables(tables: &[&str]) -> String {
    let names: Vec<String> = tables.iter().map(|t| quote_ident(t)).collect();
    format!("DROP TABLE {};\n", names.join(", "))
}

fn unknown_default(meta: &EntityMeta, column: &str) -> String {
    format!(
        "column `{column}` of entity `{}` is declared `#[entity(default)]` without its SQL, so the default cannot be written: declare it, e.g. `#[entity(default = \"0\")]`",
        meta.name
    )
}

fn missing_target(module: &str, meta: &EntityMeta, relation: &str, target: &str) -> String {
    format!(
        "relation `{relation}` of entity `{}` points at table `{target}`, which is neither in the database nor declared by module `{module}`: add its entity to `#[module(entities(..))]`",
        meta.name
    )
}

/// Warn about an existing column that differs from its declaration.
fn drift(meta: &EntityMeta, col: &Col, found: &DbColumn, warnings: &mut Vec<String>) {
    let table = meta.table;
    let name = col.name;
    let same_type = match col.ty {
        "timestamptz" => found.data_type == "timestamp with time zone",
        "text" => ["text", "character varying"].contains(&found.data_type.as_str()),
        ty => found.data_type == ty,
    };
    if !same_type {
        warnings.push(format!(
            "column `{table}.{name}` is `{}` in the database but `{}` in entity `{}`; db generate does not change existing columns: write that migration by hand",
            found.data_type, col.ty, meta.name
        ));
    }
    if !col.primary && found.nullable != col.nullable {
        let (db, entity) = if found.nullable {
            ("allows NULL", "requires a value")
        } else {
            ("is NOT NULL", "is optional")
        };
        warnings.push(format!(
            "column `{table}.{name}` {db} in the database but {entity} in entity `{}`; db generate does not change existing columns: write that migration by hand",
            meta.name
        ));
    }
}

/// `<base>/migrations/<module>`: where a module's migrations live.
pub fn migrations_dir(base: &Path, module: &str) -> PathBuf {
    base.join("migrations").join(module)
}

/// The versions (`YYYYMMDDHHMMSS`) of the migration folders in `dir`.
fn versions_in(dir: &Path) -> Result<Vec<String>, GenerateError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(write_error(dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| write_error(dir, e))?;
        if !entry.path().is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let version = name.split('_').next().unwrap_or_default();
        if !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) {
            out.push(version.to_string());
        }
    }
    out.sort();
    Ok(out)
}

fn write_error(path: &Path, e: std::io::Error) -> GenerateError {
    GenerateError::Write {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

const VERSION_FORMAT: &str = "%Y%m%d%H%M%S";

/// Write `generated` as `<dir>/<version>_<module>_generated/{up,down}.sql`,
/// the version being `now` (UTC, to the second), or one second after the
/// newest migration in `dir` if that is not older, so versions stay ordered
/// and unique. Returns the folder.
pub fn write(
    dir: &Path,
    generated: &Generated,
    now: DateTime<Utc>,
) -> Result<PathBuf, GenerateError> {
    let mut at = now.naive_utc();
    if let Some(last) = versions_in(dir)?.last()
        && let Ok(last) = NaiveDateTime::parse_from_str(last, VERSION_FORMAT)
        && last >= at
    {
        at = last + TimeDelta::seconds(1);
    }
    let folder = dir.join(format!(
        "{}_{}_generated",
        at.format(VERSION_FORMAT),
        generated.module
    ));
    std::fs::create_dir_all(&folder).map_err(|e| write_error(&folder, e))?;
    for (file, sql) in [
        ("up.sql", generated.up_sql()),
        ("down.sql", generated.down_sql()),
    ] {
        let path = folder.join(file);
        std::fs::write(&path, sql).map_err(|e| write_error(&path, e))?;
    }
    Ok(folder)
}

/// What [`run`] did.
#[derive(Debug)]
pub enum Outcome {
    /// The database matches the entities; nothing written.
    NoChanges { warnings: Vec<String> },
    /// A migration was written to `folder`.
    Written {
        folder: PathBuf,
        generated: Generated,
    },
}

/// `db generate <key>`: migrate the configured database, compare it with
/// the entities of module `key` and write the migration into
/// `<base>/migrations/<key>/`, versioned now. Refused while a migration in
/// that folder is not applied yet (not rebuilt into the binary, or not
/// migrated): generating again would repeat it.
pub async fn run(
    config: &Config,
    explicit: &[&'static ModuleRegistration],
    key: &str,
    base: &Path,
) -> Result<Outcome, GenerateError> {
    let modules = boot::modules(config, explicit).map_err(BootError::from)?;
    let Some(module) = modules.iter().find(|m| m.key == key) else {
        let mut known: Vec<&str> = modules.iter().map(|m| m.key).collect();
        known.sort_unstable();
        return Err(GenerateError::UnknownModule {
            key: key.to_string(),
            known: if known.is_empty() {
                "no modules".into()
            } else {
                known.join(", ")
            },
        });
    };
    let entities = (module.entities)();
    if entities.is_empty() {
        return Err(GenerateError::NoEntities(key.to_string()));
    }
    boot::migrate(config, explicit).await?;
    let dir = migrations_dir(base, key);
    let url = &config.database_url;
    let fail = |e: &dyn std::fmt::Display| GenerateError::Schema {
        url: redact(url),
        reason: e.to_string(),
    };
    let mut conn = AsyncPgConnection::establish(url)
        .await
        .map_err(|e| fail(&e))?;
    let applied: Vec<String> =
        diesel::sql_query("SELECT version FROM stheno_migrations WHERE module = $1")
            .bind::<Text, _>(key)
            .load::<VersionRow>(&mut conn)
            .await
            .map_err(|e| fail(&e))?
            .into_iter()
            .map(|v| v.version)
            .collect();
    let pending: Vec<String> = versions_in(&dir)?
        .into_iter()
        .filter(|v| !applied.contains(v))
        .collect();
    if !pending.is_empty() {
        return Err(GenerateError::Pending {
            dir: dir.display().to_string(),
            versions: pending,
        });
    }
    let schema = Schema::read_from(&mut conn).await.map_err(|e| fail(&e))?;
    let mut generated = plan(key, entities, &schema)?;
    if generated.is_empty() {
        return Ok(Outcome::NoChanges {
            warnings: generated.warnings,
        });
    }
    if (module.migrations)().is_none() {
        generated.warnings.push(format!(
            "module `{key}` embeds no migrations, so `migrate` will not apply this one: add `migrations = \"migrations/{key}\"` to its `#[module(...)]`"
        ));
    }
    let folder = write(&dir, &generated, Utc::now())?;
    Ok(Outcome::Written { folder, generated })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(up: &[&str]) -> Generated {
        Generated {
            module: "gadget".into(),
            up: up.iter().map(|s| s.to_string()).collect(),
            down: vec!["DROP TABLE \"gadget\";\n".into()],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn versions_are_utc_seconds_and_stay_ordered() {
        let dir = std::env::temp_dir().join(format!("stheno-generate-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let now = DateTime::parse_from_rfc3339("2026-12-03T10:15:59+01:00")
            .unwrap()
            .with_timezone(&Utc);
        let g = generated(&["CREATE TABLE \"gadget\" ();\n"]);
        let first = write(&dir, &g, now).unwrap();
        let second = write(&dir, &g, now).unwrap();
        let name = |p: &Path| p.file_name().unwrap().to_string_lossy().into_owned();
        assert_eq!(name(&first), "20261203091559_gadget_generated");
        assert_eq!(name(&second), "20261203091600_gadget_generated");
        assert_eq!(
            std::fs::read_to_string(first.join("up.sql")).unwrap(),
            "-- Generated by `db generate gadget`: review before applying.\n\nCREATE TABLE \"gadget\" ();\n"
        );
        assert_eq!(
            std::fs::read_to_string(first.join("down.sql")).unwrap(),
            "-- Generated by `db generate gadget`: review before applying.\n\nDROP TABLE \"gadget\";\n"
        );
        assert_eq!(
            versions_in(&dir).unwrap(),
            ["20261203091559", "20261203091600"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_index_on_the_same_columns_counts_as_present() {
        let table = DbTable {
            columns: BTreeMap::new(),
            indexes: vec![DbIndex {
                name: "author_name_key".into(),
                columns: vec!["name".into()],
                unique: true,
            }],
        };
        let idx = |unique, columns: Vec<&'static str>| Idx {
            name: format!("IDX_author_{}", columns.join("_")),
            columns,
            unique,
            live: true,
        };
        assert!(idx(true, vec!["name"]).present_in(&table));
        assert!(idx(false, vec!["name"]).present_in(&table));
        assert!(!idx(true, vec!["name", "bio"]).present_in(&table));
        let by_name = Idx {
            name: "author_name_key".into(),
            ..idx(true, vec!["bio"])
        };
        assert!(by_name.present_in(&table));
        let lookup_only = DbTable {
            indexes: vec![DbIndex {
                unique: false,
                ..table.indexes[0].clone()
            }],
            ..table
        };
        assert!(!idx(true, vec!["name"]).present_in(&lookup_only));
    }
}
