//! Test support, for our tests and for users testing their own modules
//! (feature `testing`).
//!
//! [`TestDb::new`] gives each test its own database, copied from a template
//! that is migrated once (per set of migrations) with
//! `CREATE DATABASE … TEMPLATE …`. The copy is dropped when the `TestDb` is.
//! The server comes from `STHENO_TEST_DATABASE_URL`, else `DATABASE_URL`,
//! else the default local PostgreSQL.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stheno_module_sdk::ModuleRegistration;
use stheno_module_sdk::db::{self, DbPool};

use crate::config::{Config, DEFAULT_DATABASE_URL};
use crate::database::{DbUrl, quote_ident};
use crate::{loader, migrate};

/// Error type of the test helpers.
pub type TestResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// A throw-away, fully migrated database.
pub struct TestDb {
    server: DbUrl,
    name: String,
    url: String,
    pool: DbPool,
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    datname: String,
}

/// The URL tests connect to.
pub fn server_url() -> String {
    std::env::var("STHENO_TEST_DATABASE_URL")
        .or_else(|_| std::env::var("DATABASE_URL"))
        .unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_string())
}

impl TestDb {
    /// A fresh database with the migrations of every module linked into the
    /// test binary.
    pub async fn new() -> TestResult<Self> {
        Self::with_modules(&[]).await
    }

    /// Like [`TestDb::new`], with extra modules registered explicitly.
    pub async fn with_modules(explicit: &[&'static ModuleRegistration]) -> TestResult<Self> {
        let modules = loader::resolve(&loader::collect(explicit)?, [])?;
        let server = DbUrl::parse(&server_url())?;
        let template = ensure_template(&server, &modules).await?;
        let name = format!(
            "stheno_test_{}",
            ulid::Ulid::new().to_string().to_lowercase()
        );
        let mut admin = AsyncPgConnection::establish(&server.with_name("postgres")).await?;
        let mut attempt = 0;
        loop {
            let sql = format!(
                "CREATE DATABASE {} TEMPLATE {}",
                quote_ident(&name),
                quote_ident(&template)
            );
            match diesel::sql_query(sql).execute(&mut admin).await {
                Ok(_) => break,
                // Two copies started at the same instant: PostgreSQL refuses
                // while the template is "being accessed". Retry briefly.
                Err(e) if attempt < 50 && e.to_string().contains("being accessed") => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
        let url = server.with_name(&name);
        let pool = db::connect(&url, 8)?;
        Ok(Self {
            server,
            name,
            url,
            pool,
        })
    }

    pub fn pool(&self) -> &DbPool {
        &self.pool
    }
    pub fn url(&self) -> &str {
        &self.url
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// A config pointing at this database, migrations already applied.
    pub fn config(&self) -> Config {
        Config {
            database_url: self.url.clone(),
            migrate_on_start: false,
            ..Config::default()
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let admin = self.server.with_name("postgres");
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&self.name)
        );
        // Drop runs inside the test's runtime; use a thread with its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            rt.block_on(async {
                let mut conn = AsyncPgConnection::establish(&admin).await.ok()?;
                diesel::sql_query(sql).execute(&mut conn).await.ok()
            })
        })
        .join();
    }
}

/// Name of the template for this set of migrations; created and migrated on
/// first use, under an advisory lock so parallel test processes agree.
async fn ensure_template(
    server: &DbUrl,
    modules: &[&'static ModuleRegistration],
) -> TestResult<String> {
    let mut hasher = DefaultHasher::new();
    for m in modules {
        m.key.hash(&mut hasher);
        if let Some(source) = (m.migrations)() {
            for migration in MigrationSource::<Pg>::migrations(&source)? {
                migration.name().to_string().hash(&mut hasher);
            }
        }
    }
    for link in migrate::active_links(modules) {
        link.create_sql().hash(&mut hasher);
        for extra in link.extra_columns {
            extra.name.hash(&mut hasher);
        }
    }
    let name = format!("stheno_tmpl_{:016x}", hasher.finish());
    let mut admin = AsyncPgConnection::establish(&server.with_name("postgres")).await?;
    diesel::sql_query("SELECT pg_advisory_lock(736875656)")
        .execute(&mut admin)
        .await?;
    let result = async {
        let existing: Vec<Name> =
            diesel::sql_query("SELECT datname FROM pg_database WHERE datname = $1")
                .bind::<Text, _>(&name)
                .load(&mut admin)
                .await?;
        if !existing.iter().any(|n| n.datname == name) {
            let building = format!("{name}_building");
            diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&building)
            ))
            .execute(&mut admin)
            .await?;
            diesel::sql_query(format!("CREATE DATABASE {}", quote_ident(&building)))
                .execute(&mut admin)
                .await?;
            migrate::run(&server.with_name(&building), modules).await?;
            diesel::sql_query(format!(
                "ALTER DATABASE {} RENAME TO {}",
                quote_ident(&building),
                quote_ident(&name)
            ))
            .execute(&mut admin)
            .await?;
        }
        TestResult::Ok(())
    }
    .await;
    let _ = diesel::sql_query("SELECT pg_advisory_unlock(736875656)")
        .execute(&mut admin)
        .await;
    result?;
    Ok(name)
}
