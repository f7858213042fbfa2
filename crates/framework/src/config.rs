//! Configuration from `stheno.toml` and the environment (environment wins).
//!
//! | setting | env | default |
//! |---|---|---|
//! | `database_url` | `DATABASE_URL` | `postgres://postgres@127.0.0.1:5432/stheno` |
//! | `database_pool_size` | `STHENO_DB_POOL_SIZE` | 16 |
//! | `redis_url` | `REDIS_URL` | unset (sessions, rate limits and infrastructure in memory) |
//! | `host` | `HOST` | `0.0.0.0` |
//! | `port` | `PORT` | 9000 |
//! | `worker_mode` | `STHENO_WORKER_MODE` | `shared` |
//! | `migrate_on_start` | `STHENO_MIGRATE_ON_START` | true |
//! | `http.store_cors` | `STORE_CORS` | empty (no origin) |
//! | `http.admin_cors` | `ADMIN_CORS` | empty |
//! | `http.auth_cors` | `AUTH_CORS` | empty |
//! | `http.jwt_secret` | `JWT_SECRET` | unset: a random secret per process (tokens die with it) |
//! | `http.jwt_expires_in` | `STHENO_JWT_EXPIRES_IN` | `1d` |
//! | `http.cookie_secret` | `COOKIE_SECRET` | unset: a random secret per process |
//! | `http.cookie_name` | `STHENO_COOKIE_NAME` | `connect.sid` |
//! | `http.cookie_secure` | `STHENO_COOKIE_SECURE` | false |
//! | `http.session_ttl` | `STHENO_SESSION_TTL` | `10h` |
//! | `http.trust_proxy` | `STHENO_TRUST_PROXY` | false (client IP = peer address) |
//! | `http.auth_rate_limit.per_ip` | `STHENO_AUTH_RATE_LIMIT_PER_IP` | 30 per window (0 = off) |
//! | `http.auth_rate_limit.per_identity` | `STHENO_AUTH_RATE_LIMIT_PER_IDENTITY` | 10 per window (0 = off) |
//! | `http.auth_rate_limit.window` | `STHENO_AUTH_RATE_LIMIT_WINDOW` | `1m` |
//! | `http.workers` | `STHENO_HTTP_WORKERS` | number of cores |
//! | `http.query_count_header` | `STHENO_QUERY_COUNT_HEADER` | false |
//! | `http.body_limit` | `STHENO_BODY_LIMIT` | 1048576 (bytes; a larger body is a 413) |
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

/// A secret from the config: never printed (`Debug` shows `<redacted>`).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A duration written as seconds (`3600`) or with a unit (`90s`, `15m`,
/// `10h`, `1d`), as Medusa's `expiresIn` settings are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub u64);

impl Seconds {
    pub fn as_duration(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.0)
    }
}

impl std::str::FromStr for Seconds {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
        let (digits, unit) = s.split_at(split);
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("`{s}` is not a duration like 3600, 90s, 15m, 10h or 1d"))?;
        let factor = match unit.trim() {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            _ => {
                return Err(format!(
                    "`{s}` is not a duration like 3600, 90s, 15m, 10h or 1d"
                ));
            }
        };
        Ok(Seconds(n.saturating_mul(factor)))
    }
}

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            N(u64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::N(n) => Ok(Seconds(n)),
            Raw::S(s) => s.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Limits on login, registration and password-reset requests, per client IP
/// and per identity (the email), in a fixed window. 0 turns a limit off.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    pub per_ip: u32,
    pub per_identity: u32,
    pub window: Seconds,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            per_ip: 30,
            per_identity: 10,
            window: Seconds(60),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpConfig {
    pub store_cors: String,
    pub admin_cors: String,
    pub auth_cors: String,
    /// HS256 secret of the JWTs. Unset: a random secret per process, so
    /// tokens stop working on restart and are not shared between instances.
    pub jwt_secret: Option<Secret>,
    /// Lifetime of issued tokens (Medusa's `expiresIn`, default `1d`).
    pub jwt_expires_in: Seconds,
    /// Secret signing the session cookie. Unset: random per process.
    pub cookie_secret: Option<Secret>,
    pub cookie_name: String,
    /// Send the session cookie with `Secure` (set it behind HTTPS).
    pub cookie_secure: bool,
    /// Lifetime of a cookie session (Medusa's `maxAge`, default `10h`).
    pub session_ttl: Seconds,
    /// Take the client IP from `X-Forwarded-For`/`Forwarded` (only behind a
    /// proxy that sets them).
    pub trust_proxy: bool,
    pub auth_rate_limit: RateLimitConfig,
    pub workers: Option<usize>,
    /// Add `x-stheno-query-count` to every response (benchmarks, debugging).
    pub query_count_header: bool,
    /// Largest accepted request body, in bytes (JSON, forms, raw payloads);
    /// a larger one is answered `413`. Medusa's Express default is 100 kB;
    /// ours is 1 MiB so that large product batches fit.
    pub body_limit: usize,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            store_cors: String::new(),
            admin_cors: String::new(),
            auth_cors: String::new(),
            jwt_secret: None,
            jwt_expires_in: Seconds(86_400),
            cookie_secret: None,
            cookie_name: "connect.sid".into(),
            cookie_secure: false,
            session_ttl: Seconds(36_000),
            trust_proxy: false,
            auth_rate_limit: RateLimitConfig::default(),
            workers: None,
            query_count_header: false,
            body_limit: 1024 * 1024,
        }
    }
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
        if let Some(v) = get("JWT_SECRET") {
            self.http.jwt_secret = (!v.is_empty()).then_some(Secret(v));
        }
        if let Some(v) = get("STHENO_JWT_EXPIRES_IN") {
            self.http.jwt_expires_in = parse("STHENO_JWT_EXPIRES_IN", v)?;
        }
        if let Some(v) = get("COOKIE_SECRET") {
            self.http.cookie_secret = (!v.is_empty()).then_some(Secret(v));
        }
        if let Some(v) = get("STHENO_COOKIE_NAME") {
            self.http.cookie_name = v;
        }
        if let Some(v) = get("STHENO_COOKIE_SECURE") {
            self.http.cookie_secure = parse("STHENO_COOKIE_SECURE", v)?;
        }
        if let Some(v) = get("STHENO_SESSION_TTL") {
            self.http.session_ttl = parse("STHENO_SESSION_TTL", v)?;
        }
        if let Some(v) = get("STHENO_TRUST_PROXY") {
            self.http.trust_proxy = parse("STHENO_TRUST_PROXY", v)?;
        }
        if let Some(v) = get("STHENO_AUTH_RATE_LIMIT_PER_IP") {
            self.http.auth_rate_limit.per_ip = parse("STHENO_AUTH_RATE_LIMIT_PER_IP", v)?;
        }
        if let Some(v) = get("STHENO_AUTH_RATE_LIMIT_PER_IDENTITY") {
            self.http.auth_rate_limit.per_identity =
                parse("STHENO_AUTH_RATE_LIMIT_PER_IDENTITY", v)?;
        }
        if let Some(v) = get("STHENO_AUTH_RATE_LIMIT_WINDOW") {
            self.http.auth_rate_limit.window = parse("STHENO_AUTH_RATE_LIMIT_WINDOW", v)?;
        }
        if let Some(v) = get("STHENO_HTTP_WORKERS") {
            self.http.workers = Some(parse("STHENO_HTTP_WORKERS", v)?);
        }
        if let Some(v) = get("STHENO_QUERY_COUNT_HEADER") {
            self.http.query_count_header = parse("STHENO_QUERY_COUNT_HEADER", v)?;
        }
        if let Some(v) = get("STHENO_BODY_LIMIT") {
            self.http.body_limit = parse("STHENO_BODY_LIMIT", v)?;
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
        if self.http.jwt_expires_in.0 == 0 || self.http.session_ttl.0 == 0 {
            return Err(ConfigError::Invalid {
                key: "STHENO_JWT_EXPIRES_IN",
                message: "token and session lifetimes must be at least 1s".into(),
            });
        }
        if self.http.cookie_name.is_empty()
            || !self
                .http
                .cookie_name
                .bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b))
        {
            return Err(ConfigError::Invalid {
                key: "STHENO_COOKIE_NAME",
                message: format!("`{}` is not a valid cookie name", self.http.cookie_name),
            });
        }
        if self.database_pool_size == 0 {
            return Err(ConfigError::Invalid {
                key: "STHENO_DB_POOL_SIZE",
                message: "must be at least 1".into(),
            });
        }
        if self.http.body_limit == 0 {
            return Err(ConfigError::Invalid {
                key: "STHENO_BODY_LIMIT",
                message: "must be at least 1 (bytes)".into(),
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
        assert!(c.http.jwt_secret.is_none());
        assert_eq!(c.http.jwt_expires_in, Seconds(86_400));
        assert_eq!(c.http.session_ttl, Seconds(36_000));
        assert_eq!(c.http.cookie_name, "connect.sid");
        assert_eq!(c.http.body_limit, 1024 * 1024);
    }

    #[test]
    fn durations_and_secrets() {
        assert_eq!("3600".parse::<Seconds>(), Ok(Seconds(3600)));
        assert_eq!("15m".parse::<Seconds>(), Ok(Seconds(900)));
        assert_eq!("10h".parse::<Seconds>(), Ok(Seconds(36_000)));
        assert_eq!("1d".parse::<Seconds>(), Ok(Seconds(86_400)));
        assert!("1w".parse::<Seconds>().is_err());
        assert!("".parse::<Seconds>().is_err());
        let c = Config::from_toml(
            "[http]\njwt_secret = \"hunter2\"\njwt_expires_in = \"2h\"\nsession_ttl = 60\n[http.auth_rate_limit]\nper_ip = 3\n",
        )
        .unwrap();
        assert_eq!(c.http.jwt_expires_in, Seconds(7200));
        assert_eq!(c.http.session_ttl, Seconds(60));
        assert_eq!(c.http.auth_rate_limit.per_ip, 3);
        assert_eq!(c.http.auth_rate_limit.per_identity, 10);
        // Secrets never show in debug output (logs).
        let shown = format!("{c:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        let mut c = Config::default();
        c.apply_env(|k| match k {
            "JWT_SECRET" => Some("s".into()),
            "STHENO_JWT_EXPIRES_IN" => Some("15m".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(c.http.jwt_secret.as_ref().map(Secret::expose), Some("s"));
        assert_eq!(c.http.jwt_expires_in, Seconds(900));
        let err = c
            .apply_env(|k| (k == "STHENO_SESSION_TTL").then(|| "soon".into()))
            .unwrap_err();
        assert!(err.to_string().contains("STHENO_SESSION_TTL"), "{err}");
        let err = c
            .apply_env(|k| (k == "STHENO_COOKIE_NAME").then(|| "a b".into()))
            .unwrap_err();
        assert!(err.to_string().contains("cookie name"), "{err}");
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
