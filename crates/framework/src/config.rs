//! Configuration from `stheno.toml` and the environment (environment wins).
//!
//! | setting | env | default |
//! |---|---|---|
//! | `database_url` | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/stheno` |
//! | `database_pool_size` | `STHENO_DB_POOL_SIZE` | 16 |
//! | `redis_url` | `REDIS_URL` | unset (in-memory infrastructure) |
//! | `host` | `HOST` | `0.0.0.0` |
//! | `port` | `PORT` | 9000 |
//! | `worker_mode` | `STHENO_WORKER_MODE` | `shared` |
//! | `migrate_on_start` | `STHENO_MIGRATE_ON_START` | true |
//! | `http.store_cors` | `STORE_CORS` | empty (no origin) |
//! | `http.admin_cors` | `ADMIN_CORS` | empty |
//! | `http.auth_cors` | `AUTH_CORS` | empty |
//! | `http.admin_secret` | `STHENO_ADMIN_SECRET` | unset: `/admin` rejects every request |
//! | `http.workers` | `STHENO_HTTP_WORKERS` | number of cores |
//! | `http.query_count_header` | `STHENO_QUERY_COUNT_HEADER` | false |
//! | `workflows.engine` | `STHENO_WORKFLOW_ENGINE` | `postgres` when `stheno-workflow-engine` is linked, else `memory` |
//! | `workflows.retention_secs` | `STHENO_WORKFLOW_RETENTION_SECS` | 86400 (finished runs kept one day) |
//! | `workflows.lease_secs` | `STHENO_WORKFLOW_LEASE_SECS` | 30 (a dead process's runs are resumed after this) |
//! | `modules.<key>` | — | options passed to module `<key>` |

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/stheno";

/// Which duties this process takes in a multi-instance deployment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WorkerMode {
    /// Serve HTTP and run background work (the single-machine default).
    #[default]
    Shared,
    /// Serve HTTP only.
    Server,
    /// Background work only.
    Worker,
}

impl std::str::FromStr for WorkerMode {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "shared" => Ok(Self::Shared),
            "server" => Ok(Self::Server),
            "worker" => Ok(Self::Worker),
            other => Err(ConfigError::Invalid {
                key: "STHENO_WORKER_MODE",
                message: format!("`{other}` is not one of shared, server, worker"),
            }),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub store_cors: String,
    pub admin_cors: String,
    pub auth_cors: String,
    /// Stopgap until admin users exist: `/admin` requires
    /// `Authorization: Bearer <admin_secret>`.
    pub admin_secret: Option<String>,
    pub workers: Option<usize>,
    /// Add `x-stheno-query-count` to every response (benchmarks, debugging).
    pub query_count_header: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    pub database_pool_size: usize,
    pub redis_url: Option<String>,
    pub host: String,
    pub port: u16,
    pub worker_mode: WorkerMode,
    pub migrate_on_start: bool,
    pub http: HttpConfig,
    pub workflows: WorkflowsConfig,
    /// Per-module options, keyed by module key. A module listed here must be
    /// linked into the binary, or start-up fails naming it.
    pub modules: BTreeMap<String, serde_json::Value>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: DEFAULT_DATABASE_URL.to_string(),
            database_pool_size: 16,
            redis_url: None,
            host: "0.0.0.0".to_string(),
            port: 9000,
            worker_mode: WorkerMode::Shared,
            migrate_on_start: true,
            http: HttpConfig::default(),
            workflows: WorkflowsConfig::default(),
            modules: BTreeMap::new(),
        }
    }
}

/// Where workflow runs are checkpointed.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkflowsConfig {
    /// `memory`, `postgres` or `redis` (a store some linked crate registers);
    /// unset: `postgres` if linked, else `memory`.
    pub engine: Option<String>,
    pub retention_secs: u64,
    pub lease_secs: u64,
}

impl Default for WorkflowsConfig {
    fn default() -> Self {
        Self {
            engine: None,
            retention_secs: 24 * 60 * 60,
            lease_secs: 30,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("invalid value for {key}: {message}")]
    Invalid { key: &'static str, message: String },
}

impl Config {
    /// `stheno.toml` (or the file named by `STHENO_CONFIG`) if present, then
    /// environment variables on top.
    pub fn load() -> Result<Self, ConfigError> {
        let path = std::env::var_os("STHENO_CONFIG").map(PathBuf::from);
        let mut config = match &path {
            Some(p) => Self::from_file(p)?,
            None if Path::new("stheno.toml").exists() => Self::from_file(Path::new("stheno.toml"))?,
            None => Self::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })
    }

    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Apply environment overrides read through `get` (injectable for tests).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(key: &'static str, v: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            v.trim().parse().map_err(|e: T::Err| ConfigError::Invalid {
                key,
                message: e.to_string(),
            })
        }
        if let Some(v) = get("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = get("STHENO_DB_POOL_SIZE") {
            self.database_pool_size = parse("STHENO_DB_POOL_SIZE", v)?;
        }
        if let Some(v) = get("REDIS_URL") {
            self.redis_url = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = get("HOST") {
            self.host = v;
        }
        if let Some(v) = get("PORT") {
            self.port = parse("PORT", v)?;
        }
        if let Some(v) = get("STHENO_WORKER_MODE") {
            self.worker_mode = v.parse()?;
        }
        if let Some(v) = get("STHENO_MIGRATE_ON_START") {
            self.migrate_on_start = parse("STHENO_MIGRATE_ON_START", v)?;
        }
        if let Some(v) = get("STORE_CORS") {
            self.http.store_cors = v;
        }
        if let Some(v) = get("ADMIN_CORS") {
            self.http.admin_cors = v;
        }
        if let Some(v) = get("AUTH_CORS") {
            self.http.auth_cors = v;
        }
        if let Some(v) = get("STHENO_ADMIN_SECRET") {
            self.http.admin_secret = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = get("STHENO_HTTP_WORKERS") {
            self.http.workers = Some(parse("STHENO_HTTP_WORKERS", v)?);
        }
        if let Some(v) = get("STHENO_QUERY_COUNT_HEADER") {
            self.http.query_count_header = parse("STHENO_QUERY_COUNT_HEADER", v)?;
        }
        if let Some(v) = get("STHENO_WORKFLOW_ENGINE") {
            self.workflows.engine = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = get("STHENO_WORKFLOW_RETENTION_SECS") {
            self.workflows.retention_secs = parse("STHENO_WORKFLOW_RETENTION_SECS", v)?;
        }
        if let Some(v) = get("STHENO_WORKFLOW_LEASE_SECS") {
            self.workflows.lease_secs = parse("STHENO_WORKFLOW_LEASE_SECS", v)?;
        }
        if self.database_pool_size == 0 {
            return Err(ConfigError::Invalid {
                key: "STHENO_DB_POOL_SIZE",
                message: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_readme() {
        let c = Config::default();
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.port, 9000);
        assert_eq!(c.worker_mode, WorkerMode::Shared);
        assert!(c.http.admin_secret.is_none());
    }

    #[test]
    fn env_wins_over_file() {
        let mut c = Config::from_toml("port = 8000\n[http]\nstore_cors = \"http://a\"\n").unwrap();
        assert_eq!(c.port, 8000);
        c.apply_env(|k| (k == "PORT").then(|| "7000".to_string()))
            .unwrap();
        assert_eq!(c.port, 7000);
        assert_eq!(c.http.store_cors, "http://a");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let mut c = Config::default();
        let err = c
            .apply_env(|k| (k == "PORT").then(|| "nine".to_string()))
            .unwrap_err();
        assert!(
            err.to_string().starts_with("invalid value for PORT"),
            "{err}"
        );
        let err = c
            .apply_env(|k| (k == "STHENO_WORKER_MODE").then(|| "both".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("shared, server, worker"), "{err}");
    }

    #[test]
    fn unknown_keys_in_the_file_are_rejected() {
        let err = Config::from_toml("prot = 1").unwrap_err();
        assert!(err.contains("prot"), "{err}");
    }

    #[test]
    fn module_options_are_kept() {
        let c = Config::from_toml("[modules.product]\nfoo = 1\n").unwrap();
        assert_eq!(c.modules["product"]["foo"], 1);
    }
}
