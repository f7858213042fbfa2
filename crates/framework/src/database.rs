//! Reaching PostgreSQL: URL handling, creating the database if missing, and
//! start-up errors that say which URL failed and what to do.

use diesel::QueryableByName;
use diesel::sql_types::{Bool, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stheno_module_sdk::db::{self, DbPool};

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(
        "cannot connect to PostgreSQL at {url}: {reason}. Start PostgreSQL or point DATABASE_URL at a running server."
    )]
    Unreachable { url: String, reason: String },
    #[error("DATABASE_URL `{url}` is not a postgres:// URL with a database name")]
    BadUrl { url: String },
    #[error("cannot create database `{name}` at {url}: {reason}")]
    Create {
        name: String,
        url: String,
        reason: String,
    },
    #[error("{0}")]
    Pool(#[from] db::PoolBuildError),
}

/// A database URL split into its parts: `<server>/<name>?<params>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbUrl {
    server: String,
    name: String,
    params: String,
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<Self, DatabaseError> {
        let bad = || DatabaseError::BadUrl { url: redact(url) };
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(bad)?;
        let (authority, path) = rest.split_once('/').ok_or_else(bad)?;
        let (name, params) = match path.split_once('?') {
            Some((n, p)) => (n, format!("?{p}")),
            None => (path, String::new()),
        };
        if name.is_empty() || authority.is_empty() {
            return Err(bad());
        }
        let scheme_len = url.len() - rest.len();
        Ok(Self {
            server: format!("{}{}", &url[..scheme_len], authority),
            name: name.to_string(),
            params,
        })
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The same server, another database.
    pub fn with_name(&self, name: &str) -> String {
        format!("{}/{}{}", self.server, name, self.params)
    }
    pub fn url(&self) -> String {
        self.with_name(&self.name)
    }
}

/// Hide the password of a URL for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let Some((userinfo, host)) = rest.split_once('@') else {
        return url.to_string();
    };
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_string(),
    }
}

/// Quote an identifier for SQL (`"name"`, doubling embedded quotes).
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

/// Create the database named in `url` if it does not exist, by connecting to
/// the server's `postgres` maintenance database.
pub async fn ensure_database(url: &str) -> Result<(), DatabaseError> {
    let parsed = DbUrl::parse(url)?;
    let admin_url = parsed.with_name("postgres");
    let mut conn = AsyncPgConnection::establish(&admin_url)
        .await
        .map_err(|e| DatabaseError::Unreachable {
            url: redact(url),
            reason: e.to_string(),
        })?;
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<Text, _>(parsed.name())
            .get_result(&mut conn)
            .await
            .map_err(|e| DatabaseError::Unreachable {
                url: redact(url),
                reason: e.to_string(),
            })?;
    if !found.exists {
        tracing::info!(database = parsed.name(), "creating database");
        let create = diesel::sql_query(format!("CREATE DATABASE {}", quote_ident(parsed.name())))
            .execute(&mut conn)
            .await;
        if let Err(e) = create {
            // Another process may have created it meanwhile.
            let msg = e.to_string();
            if !msg.contains("already exists") {
                return Err(DatabaseError::Create {
                    name: parsed.name().to_string(),
                    url: redact(url),
                    reason: msg,
                });
            }
        }
    }
    Ok(())
}

/// Build the pool and prove it works with one round trip.
pub async fn connect(url: &str, size: usize) -> Result<DbPool, DatabaseError> {
    let pool = db::connect(url, size)?;
    let mut conn = pool.get().await.map_err(|e| DatabaseError::Unreachable {
        url: redact(url),
        reason: e.to_string(),
    })?;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(|e| DatabaseError::Unreachable {
            url: redact(url),
            reason: e.to_string(),
        })?;
    Ok(pool)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_and_rebuild() {
        let u = DbUrl::parse("postgres://postgres@127.0.0.1:5432/stheno?sslmode=disable").unwrap();
        assert_eq!(u.name(), "stheno");
        assert_eq!(
            u.with_name("postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
        );
        assert!(DbUrl::parse("mysql://x/y").is_err());
        assert!(DbUrl::parse("postgres://host").is_err());
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
    }
}
