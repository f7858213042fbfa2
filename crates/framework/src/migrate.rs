//! Per-module migrations.
//!
//! Each module embeds its SQL migrations (`migrations/<module>/`). They are
//! applied in module dependency order and recorded per module in
//! `stheno_migrations (module, version, applied_at)`. A PostgreSQL advisory
//! lock makes concurrent start-ups safe. diesel's migration runner is
//! synchronous, so it runs on a blocking thread over diesel-async's
//! `AsyncConnectionWrapper`.

use diesel::connection::{Connection, SimpleConnection};
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use stheno_module_sdk::ModuleRegistration;

use crate::database::redact;

/// Key of the advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x5374_6865_6e6f; // "Stheno"

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("cannot connect to {url} to run migrations: {reason}")]
    Connect { url: String, reason: String },
    #[error("migration {version} of module `{module}` failed: {reason}")]
    Failed {
        module: String,
        version: String,
        reason: String,
    },
    #[error("migration bookkeeping failed: {0}")]
    Bookkeeping(String),
}

/// One applied migration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub module: &'static str,
    pub version: String,
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Text)]
    version: String,
}

/// Apply the pending migrations of `modules` (already in dependency order).
pub async fn run(
    url: &str,
    modules: &[&'static ModuleRegistration],
) -> Result<Vec<Applied>, MigrationError> {
    let url = url.to_string();
    let modules = modules.to_vec();
    tokio::task::spawn_blocking(move || run_blocking(&url, &modules))
        .await
        .map_err(|e| MigrationError::Bookkeeping(format!("migration task panicked: {e}")))?
}

fn run_blocking(
    url: &str,
    modules: &[&'static ModuleRegistration],
) -> Result<Vec<Applied>, MigrationError> {
    let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(url).map_err(|e| {
        MigrationError::Connect {
            url: redact(url),
            reason: e.to_string(),
        }
    })?;
    let book = |e: diesel::result::Error| MigrationError::Bookkeeping(e.to_string());
    conn.batch_execute(
        "CREATE TABLE IF NOT EXISTS stheno_migrations (
            module text NOT NULL,
            version text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (module, version)
        )",
    )
    .map_err(book)?;
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
        .map_err(book)?;
    let result = apply_all(&mut conn, modules).and_then(|mut applied| {
        applied.extend(apply_links(&mut conn, modules)?);
        Ok(applied)
    });
    let unlock = conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    let applied = result?;
    unlock.map_err(book)?;
    Ok(applied)
}

fn apply_all(
    conn: &mut AsyncConnectionWrapper<AsyncPgConnection>,
    modules: &[&'static ModuleRegistration],
) -> Result<Vec<Applied>, MigrationError> {
    let mut applied = Vec::new();
    for module in modules {
        let Some(source) = (module.migrations)() else {
            continue;
        };
        let fail = |version: String, reason: String| MigrationError::Failed {
            module: module.key.to_string(),
            version,
            reason,
        };
        let done: Vec<String> =
            diesel::sql_query("SELECT version FROM stheno_migrations WHERE module = $1")
                .bind::<Text, _>(module.key)
                .load::<Version>(conn)
                .map_err(|e| MigrationError::Bookkeeping(e.to_string()))?
                .into_iter()
                .map(|v| v.version)
                .collect();
        let mut migrations = MigrationSource::<Pg>::migrations(&source)
            .map_err(|e| fail("?".into(), e.to_string()))?;
        migrations.sort_by_key(|m| m.name().version().to_string());
        for migration in migrations {
            let version = migration.name().version().to_string();
            if done.contains(&version) {
                continue;
            }
            conn.transaction::<_, diesel::result::Error, _>(|c| {
                migration
                    .run(c)
                    .map_err(|e| diesel::result::Error::QueryBuilderError(e.to_string().into()))?;
                diesel::sql_query(
                    "INSERT INTO stheno_migrations (module, version) VALUES ($1, $2)",
                )
                .bind::<Text, _>(module.key)
                .bind::<Text, _>(&version)
                .execute(c)?;
                Ok(())
            })
            .map_err(|e| fail(version.clone(), e.to_string()))?;
            tracing::info!(module = module.key, %version, "migration applied");
            applied.push(Applied {
                module: module.key,
                version,
            });
        }
    }
    Ok(applied)
}

/// The links whose two modules are among `modules`.
pub fn active_links(
    modules: &[&'static ModuleRegistration],
) -> Vec<&'static stheno_module_sdk::link::LinkDef> {
    let keys: Vec<&str> = modules.iter().map(|m| m.key).collect();
    let mut links: Vec<_> = stheno_module_sdk::link::registered_links()
        .filter(|l| l.is_active(&keys))
        .collect();
    links.sort_by_key(|l| l.table_name());
    links.dedup_by_key(|l| l.table_name());
    links
}

/// Create the tables of the active links (idempotent DDL, so a link that
/// gains an extra column gets it), recorded as module `link`, version = the
/// table name, when first created.
fn apply_links(
    conn: &mut AsyncConnectionWrapper<AsyncPgConnection>,
    modules: &[&'static ModuleRegistration],
) -> Result<Vec<Applied>, MigrationError> {
    let mut applied = Vec::new();
    let done: Vec<String> =
        diesel::sql_query("SELECT version FROM stheno_migrations WHERE module = 'link'")
            .load::<Version>(conn)
            .map_err(|e| MigrationError::Bookkeeping(e.to_string()))?
            .into_iter()
            .map(|v| v.version)
            .collect();
    for link in active_links(modules) {
        let table = link.table_name();
        let mut sql = link.create_sql();
        for extra in link.extra_columns {
            let mut col = format!(
                "ALTER TABLE \"{table}\" ADD COLUMN IF NOT EXISTS \"{}\" {}",
                extra.name,
                extra.ty.sql()
            );
            if !extra.nullable {
                col.push_str(" NOT NULL");
            }
            if let Some(d) = extra.default_sql {
                col.push_str(&format!(" DEFAULT {d}"));
            }
            sql.push_str(&col);
            sql.push_str(";\n");
        }
        let fail = |reason: String| MigrationError::Failed {
            module: "link".into(),
            version: table.clone(),
            reason,
        };
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            c.batch_execute(&sql)?;
            if !done.contains(&table) {
                diesel::sql_query(
                    "INSERT INTO stheno_migrations (module, version) VALUES ('link', $1)",
                )
                .bind::<Text, _>(&table)
                .execute(c)?;
            }
            Ok(())
        })
        .map_err(|e| fail(e.to_string()))?;
        if !done.contains(&table) {
            tracing::info!(link = %table, "link table created");
            applied.push(Applied {
                module: "link",
                version: table,
            });
        }
    }
    Ok(applied)
}
