//! Authentication: JWTs, cookie sessions, the auth context handlers see,
//! and the per-namespace guard.
//!
//! - A **token** (`Authorization: Bearer <jwt>`, HS256) carries Medusa's
//!   auth context: `actor_id` (empty until the identity is linked),
//!   `actor_type`, `auth_identity_id`, `auth_provider`, `app_metadata`,
//!   `user_metadata`, `iat`/`exp`.
//! - A **session** (`POST /auth/session` with a token) stores that context
//!   server side (Redis when `redis_url` is set, else memory) under a random
//!   id; the client holds the id in a signed cookie (`connect.sid`,
//!   `s:<id>.<hmac>` as express-session writes it).
//! - [`authenticate`] resolves either into an [`AuthContext`] in the request
//!   extensions. `/admin` requires a linked `user`; `/store` attaches a
//!   `customer` when one is given; handlers use [`Authenticated`] or
//!   [`MaybeAuthenticated`].

use std::collections::HashMap;
use std::future::{Ready, ready};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::MessageBody;
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stheno_framework::Container;
use stheno_framework::config::HttpConfig;

use crate::error::ApiError;
use crate::ratelimit::RateLimiter;

/// Who is calling, as Medusa's `req.auth_context` (and the JWT payload).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthContext {
    /// The actor's id (`user_…`, `cus_…`), `""` while the identity is not
    /// linked to an actor of `actor_type`.
    pub actor_id: String,
    pub actor_type: String,
    pub auth_identity_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<String>,
    #[serde(default)]
    pub app_metadata: Map<String, Value>,
    #[serde(default)]
    pub user_metadata: Map<String, Value>,
    #[serde(default)]
    pub mfa_enabled: bool,
    #[serde(default)]
    pub mfa_challenge_completed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<i64>,
}

impl AuthContext {
    /// The context of an identity acting as `actor_type`: the actor id comes
    /// from `app_metadata["<actor_type>_id"]` (empty if not linked).
    pub fn for_identity(
        auth_identity_id: &str,
        actor_type: &str,
        auth_provider: Option<&str>,
        app_metadata: Map<String, Value>,
        user_metadata: Map<String, Value>,
    ) -> Self {
        let actor_id = app_metadata
            .get(&format!("{actor_type}_id"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        Self {
            actor_id,
            actor_type: actor_type.to_string(),
            auth_identity_id: auth_identity_id.to_string(),
            auth_provider: auth_provider.map(str::to_owned),
            app_metadata,
            user_metadata,
            mfa_enabled: false,
            mfa_challenge_completed_at: None,
            iat: None,
            exp: None,
        }
    }

    /// Linked to an actor of its `actor_type`.
    pub fn is_linked(&self) -> bool {
        !self.actor_id.is_empty()
    }
}

/// How the request authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer,
    /// Cookie session, with its id.
    Session(String),
    /// A secret API key (`Authorization: Basic <base64(sk_…:)>`).
    ApiKey,
}

/// The actor type of a request authenticated with a secret API key.
pub const API_KEY_ACTOR: &str = "api-key";

/// The future of a [`SecretKeyResolver`].
pub type SecretKeyFuture =
    std::pin::Pin<Box<dyn std::future::Future<Output = Option<AuthContext>> + Send>>;

/// How a secret API key (`Authorization: Basic <base64(sk_…:)>`, as
/// Medusa accepts them on `/admin`) becomes an auth context: registered
/// (`inventory::submit!`) by the crate that owns API keys. The context's
/// actor is the key (`actor_type` [`API_KEY_ACTOR`], `actor_id` its id).
pub struct SecretKeyResolver {
    pub resolve: fn(Container, String) -> SecretKeyFuture,
}

inventory::collect!(SecretKeyResolver);

/// The token of `Authorization: Basic <base64(token:)>` (a bare token
/// without the colon is accepted too).
fn basic_token(headers: &header::HeaderMap) -> Option<String> {
    use base64::Engine as _;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let token = text.split(':').next().unwrap_or_default().trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// Claims of a password-reset token (`purpose: "reset"`, single use by
/// `jti`, 15 minutes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetClaims {
    pub entity_id: String,
    pub provider: String,
    pub actor_type: String,
    pub purpose: String,
    pub jti: String,
    pub iat: i64,
    pub exp: i64,
}

/// Lifetime of a password-reset token.
pub const RESET_TOKEN_TTL: Duration = Duration::from_secs(900);

/// Signs and verifies tokens.
pub struct Tokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    expires_in: u64,
}

impl Tokens {
    pub fn new(secret: &[u8], expires_in: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.validate_aud = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            expires_in: expires_in.as_secs(),
        }
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn sign<T: Serialize>(&self, claims: &T) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding).map_err(|e| {
            ApiError::Module(stheno_module_sdk::Error::internal(format!(
                "cannot sign a token: {e}"
            )))
        })
    }

    /// A token for `ctx`, valid for the configured lifetime.
    pub fn issue(&self, mut ctx: AuthContext) -> Result<String, ApiError> {
        let now = Self::now();
        ctx.iat = Some(now);
        ctx.exp = Some(now + self.expires_in as i64);
        self.sign(&ctx)
    }

    /// The context of a valid, unexpired token. Reset tokens are not auth
    /// tokens and fail here.
    pub fn verify(&self, token: &str) -> Option<AuthContext> {
        let data = jsonwebtoken::decode::<AuthContext>(token, &self.decoding, &self.validation);
        data.ok().map(|d| d.claims)
    }

    /// A password-reset token and its `jti`.
    pub fn issue_reset(
        &self,
        entity_id: &str,
        provider: &str,
        actor_type: &str,
    ) -> Result<(String, ResetClaims), ApiError> {
        let now = Self::now();
        let claims = ResetClaims {
            entity_id: entity_id.to_string(),
            provider: provider.to_string(),
            actor_type: actor_type.to_string(),
            purpose: "reset".into(),
            jti: random_id(),
            iat: now,
            exp: now + RESET_TOKEN_TTL.as_secs() as i64,
        };
        Ok((self.sign(&claims)?, claims))
    }

    /// The claims of a valid, unexpired reset token (`purpose: "reset"`).
    pub fn verify_reset(&self, token: &str) -> Option<ResetClaims> {
        let data = jsonwebtoken::decode::<ResetClaims>(token, &self.decoding, &self.validation);
        data.ok()
            .map(|d| d.claims)
            .filter(|c| c.purpose == "reset" && !c.jti.is_empty() && !c.entity_id.is_empty())
    }
}

/// 32 random bytes, URL-safe base64.
pub fn random_id() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Where cookie sessions live.
pub enum SessionStore {
    Memory(Mutex<HashMap<String, (Instant, AuthContext)>>),
    Redis {
        pool: deadpool_redis::Pool,
        prefix: String,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionError(String);

impl From<SessionError> for ApiError {
    fn from(e: SessionError) -> Self {
        ApiError::Module(stheno_module_sdk::Error::internal(e.to_string()))
    }
}

impl SessionStore {
    fn redis(pool: deadpool_redis::Pool) -> Self {
        Self::Redis {
            pool,
            prefix: "stheno:sess:".into(),
        }
    }

    pub async fn put(
        &self,
        id: &str,
        ctx: &AuthContext,
        ttl: Duration,
    ) -> Result<(), SessionError> {
        match self {
            SessionStore::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                let now = Instant::now();
                if map.len() > 10_000 {
                    map.retain(|_, (until, _)| *until > now);
                }
                map.insert(id.to_string(), (now + ttl, ctx.clone()));
                Ok(())
            }
            SessionStore::Redis { pool, prefix } => {
                let mut conn = pool.get().await.map_err(|e| SessionError(e.to_string()))?;
                let value = serde_json::to_string(ctx).map_err(|e| SessionError(e.to_string()))?;
                deadpool_redis::redis::cmd("SET")
                    .arg(format!("{prefix}{id}"))
                    .arg(value)
                    .arg("EX")
                    .arg(ttl.as_secs().max(1))
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(|e| SessionError(e.to_string()))
            }
        }
    }

    pub async fn get(&self, id: &str) -> Result<Option<AuthContext>, SessionError> {
        match self {
            SessionStore::Memory(map) => {
                let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
                match map.get(id) {
                    Some((until, ctx)) if *until > Instant::now() => Ok(Some(ctx.clone())),
                    Some(_) => {
                        map.remove(id);
                        Ok(None)
                    }
                    None => Ok(None),
                }
            }
            SessionStore::Redis { pool, prefix } => {
                let mut conn = pool.get().await.map_err(|e| SessionError(e.to_string()))?;
                let value: Option<String> = deadpool_redis::redis::cmd("GET")
                    .arg(format!("{prefix}{id}"))
                    .query_async(&mut conn)
                    .await
                    .map_err(|e| SessionError(e.to_string()))?;
                Ok(value.and_then(|v| serde_json::from_str(&v).ok()))
            }
        }
    }

    pub async fn delete(&self, id: &str) -> Result<(), SessionError> {
        match self {
            SessionStore::Memory(map) => {
                map.lock().unwrap_or_else(|e| e.into_inner()).remove(id);
                Ok(())
            }
            SessionStore::Redis { pool, prefix } => {
                let mut conn = pool.get().await.map_err(|e| SessionError(e.to_string()))?;
                deadpool_redis::redis::cmd("DEL")
                    .arg(format!("{prefix}{id}"))
                    .query_async::<()>(&mut conn)
                    .await
                    .map_err(|e| SessionError(e.to_string()))
            }
        }
    }

    pub fn is_redis(&self) -> bool {
        matches!(self, SessionStore::Redis { .. })
    }
}

/// The authentication state of one application (shared by all workers and
/// requests through [`Container::shared`]).
pub struct AuthState {
    pub tokens: Tokens,
    pub sessions: SessionStore,
    cookie_key: hmac::Key,
    pub cookie_name: String,
    pub cookie_secure: bool,
    pub session_ttl: Duration,
    pub limiter: RateLimiter,
    pub trust_proxy: bool,
    pub rate: stheno_framework::config::RateLimitConfig,
}

impl AuthState {
    pub fn new(http: &HttpConfig, redis_url: Option<&str>) -> Self {
        let secret = |configured: Option<&stheno_framework::config::Secret>, what: &str| {
            match configured {
                Some(s) => s.expose().as_bytes().to_vec(),
                None => {
                    tracing::warn!(
                        "{what} is not set: using a random secret, so sessions and tokens end with this process and are not shared between instances"
                    );
                    random_id().into_bytes()
                }
            }
        };
        let jwt = secret(http.jwt_secret.as_ref(), "JWT_SECRET (http.jwt_secret)");
        let cookie = secret(
            http.cookie_secret.as_ref(),
            "COOKIE_SECRET (http.cookie_secret)",
        );
        let redis = redis_url.and_then(|url| {
            deadpool_redis::Config::from_url(url)
                .create_pool(Some(deadpool_redis::Runtime::Tokio1))
                .map_err(|e| {
                    tracing::error!(error = %e, "cannot use Redis for sessions and rate limits; keeping them in memory")
                })
                .ok()
        });
        let window = http.auth_rate_limit.window.as_duration();
        let (sessions, limiter) = match redis {
            Some(pool) => (
                SessionStore::redis(pool.clone()),
                RateLimiter::with_redis(window, pool),
            ),
            None => (
                SessionStore::Memory(Mutex::default()),
                RateLimiter::new(window),
            ),
        };
        Self {
            tokens: Tokens::new(&jwt, http.jwt_expires_in.as_duration()),
            sessions,
            cookie_key: hmac::Key::new(hmac::HMAC_SHA256, &cookie),
            cookie_name: http.cookie_name.clone(),
            cookie_secure: http.cookie_secure,
            session_ttl: http.session_ttl.as_duration(),
            limiter,
            trust_proxy: http.trust_proxy,
            rate: http.auth_rate_limit.clone(),
        }
    }

    /// The state of `container`'s application.
    pub fn of(container: &Container) -> Arc<AuthState> {
        container.shared(|c| AuthState::new(&c.config().http, c.config().redis_url.as_deref()))
    }

    /// `s:<id>.<signature>`, URL-encoded as express-session writes it.
    pub fn sign_cookie(&self, id: &str) -> String {
        let tag = hmac::sign(&self.cookie_key, id.as_bytes());
        format!("s%3A{id}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    }

    /// The session id of a signed cookie value, if the signature holds
    /// (checked in constant time).
    pub fn unsign_cookie(&self, value: &str) -> Option<String> {
        let rest = value
            .strip_prefix("s%3A")
            .or_else(|| value.strip_prefix("s:"))?;
        let (id, sig) = rest.rsplit_once('.')?;
        let sig = URL_SAFE_NO_PAD.decode(sig).ok()?;
        hmac::verify(&self.cookie_key, id.as_bytes(), &sig).ok()?;
        Some(id.to_string())
    }

    /// `Set-Cookie` for a new session.
    pub fn session_cookie(&self, id: &str) -> String {
        let mut c = format!(
            "{}={}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax",
            self.cookie_name,
            self.sign_cookie(id),
            self.session_ttl.as_secs()
        );
        if self.cookie_secure {
            c.push_str("; Secure");
        }
        c
    }

    /// `Set-Cookie` clearing the session cookie.
    pub fn clear_cookie(&self) -> String {
        let mut c = format!(
            "{}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax",
            self.cookie_name
        );
        if self.cookie_secure {
            c.push_str("; Secure");
        }
        c
    }

    /// The client's IP for rate limiting.
    pub fn client_ip(&self, req: &HttpRequest) -> String {
        if self.trust_proxy
            && let Some(ip) = req.connection_info().realip_remote_addr()
        {
            return ip.to_string();
        }
        req.peer_addr()
            .map(|a| a.ip().to_string())
            .unwrap_or_else(|| "unknown".into())
    }

    /// Count one attempt of `action` from this client and, when given, for
    /// this identity (`email`); over a limit → 429.
    pub async fn limit(
        &self,
        req: &HttpRequest,
        action: &str,
        identity: Option<&str>,
    ) -> Result<(), ApiError> {
        let ip = self.client_ip(req);
        self.limiter
            .hit(&format!("ip:{action}:{ip}"), self.rate.per_ip)
            .await
            .map_err(ApiError::TooManyRequests)?;
        if let Some(identity) = identity {
            let key = format!("id:{action}:{}", identity.trim().to_lowercase());
            self.limiter
                .hit(&key, self.rate.per_identity)
                .await
                .map_err(ApiError::TooManyRequests)?;
        }
        Ok(())
    }
}

/// The bearer token of a request (`Authorization: Bearer …`, scheme
/// case-insensitive).
pub fn bearer(req: &HttpRequest) -> Option<&str> {
    bearer_of(req.headers())
}

fn bearer_of(headers: &header::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a header::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Resolve the request's credential: a valid bearer token wins, else a
/// session cookie.
async fn resolve(
    state: &AuthState,
    container: &Container,
    headers: &header::HeaderMap,
) -> Option<(AuthContext, Credential)> {
    if let Some(token) = bearer_of(headers) {
        return state.tokens.verify(token).map(|c| (c, Credential::Bearer));
    }
    if let Some(token) = basic_token(headers) {
        for resolver in inventory::iter::<SecretKeyResolver> {
            if let Some(ctx) = (resolver.resolve)(container.clone(), token.clone()).await {
                return Some((ctx, Credential::ApiKey));
            }
        }
        return None;
    }
    let id = state.unsign_cookie(cookie(headers, &state.cookie_name)?)?;
    match state.sessions.get(&id).await {
        Ok(ctx) => ctx.map(|c| (c, Credential::Session(id))),
        Err(e) => {
            tracing::error!(error = %e, "session lookup failed");
            None
        }
    }
}

/// Admin routes that accept a `user` token not yet linked to a user
/// (Medusa's `allowUnregistered`).
const ADMIN_UNREGISTERED: &[&str] = &["/admin/invites/accept"];

/// The auth middleware of every namespace. `/admin` requires a `user`
/// (bearer or session) linked to a user, except the routes in
/// `ADMIN_UNREGISTERED`; `/store` attaches a `customer` context when one is
/// sent; `/auth` attaches whatever is sent. Failures are Medusa's bare
/// `401 {"message":"Unauthorized"}`.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, Error> {
    let Some(container) = req.app_data::<web::Data<Container>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let state = AuthState::of(&container);
    let path = req.path().to_string();
    let resolved = resolve(&state, &container, req.headers()).await;
    let admin = path == "/admin" || path.starts_with("/admin/");
    let store = path == "/store" || path.starts_with("/store/");
    let resolved = match resolved {
        Some((ctx, _)) if admin && ctx.actor_type != "user" && ctx.actor_type != API_KEY_ACTOR => {
            None
        }
        Some((ctx, _)) if store && ctx.actor_type != "customer" => None,
        // A secret key is for the Admin API only.
        Some((ctx, _)) if !admin && ctx.actor_type == API_KEY_ACTOR => None,
        other => other,
    };
    if admin && req.method() != actix_web::http::Method::OPTIONS {
        let allowed = match &resolved {
            Some((ctx, _)) => ctx.is_linked() || ADMIN_UNREGISTERED.contains(&path.as_str()),
            None => false,
        };
        if !allowed {
            let res = ApiError::Unauthorized.error_response();
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    if let Some((ctx, credential)) = resolved {
        req.extensions_mut().insert(ctx);
        req.extensions_mut().insert(credential);
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// The request's auth context; `401 Unauthorized` without one.
#[derive(Debug, Clone)]
pub struct Authenticated(pub AuthContext);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(
            req.extensions()
                .get::<AuthContext>()
                .cloned()
                .map(Authenticated)
                .ok_or(ApiError::Unauthorized),
        )
    }
}

/// The request's auth context, if any.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<AuthContext>);

impl FromRequest for MaybeAuthenticated {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(MaybeAuthenticated(
            req.extensions().get::<AuthContext>().cloned(),
        )))
    }
}

/// `Set-Cookie` header value.
pub fn set_cookie(value: &str) -> (header::HeaderName, HeaderValue) {
    (
        header::SET_COOKIE,
        HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> AuthState {
        let http = HttpConfig {
            jwt_secret: Some(stheno_framework::config::Secret::new("test")),
            cookie_secret: Some(stheno_framework::config::Secret::new("cookie")),
            ..Default::default()
        };
        AuthState::new(&http, None)
    }

    #[test]
    fn tokens_round_trip_and_reject_tampering() {
        let s = state();
        let ctx = AuthContext::for_identity(
            "authid_1",
            "customer",
            Some("emailpass"),
            serde_json::from_value(serde_json::json!({"customer_id": "cus_1", "user_id": "u"}))
                .unwrap(),
            Map::new(),
        );
        assert_eq!(ctx.actor_id, "cus_1");
        let token = s.tokens.issue(ctx.clone()).unwrap();
        let back = s.tokens.verify(&token).unwrap();
        assert_eq!(back.actor_id, "cus_1");
        assert_eq!(back.exp.unwrap() - back.iat.unwrap(), 86_400);
        // Another secret, a flipped character, a reset token: all invalid.
        let other = Tokens::new(b"other", Duration::from_secs(60));
        assert!(other.verify(&token).is_none());
        let mut bad = token.clone();
        bad.pop();
        assert!(s.tokens.verify(&bad).is_none());
        let (reset, claims) = s
            .tokens
            .issue_reset("a@b.c", "emailpass", "customer")
            .unwrap();
        assert!(s.tokens.verify(&reset).is_none());
        assert_eq!(s.tokens.verify_reset(&reset).unwrap(), claims);
        assert!(s.tokens.verify_reset(&token).is_none());
        assert_eq!(claims.exp - claims.iat, 900);
    }

    #[test]
    fn expired_tokens_are_rejected() {
        let s = state();
        let mut ctx = AuthContext::for_identity("a", "user", None, Map::new(), Map::new());
        ctx.iat = Some(1);
        ctx.exp = Some(chrono::Utc::now().timestamp() - 60);
        let token = s.tokens.sign(&ctx).unwrap();
        assert!(s.tokens.verify(&token).is_none());
    }

    #[test]
    fn cookies_are_signed() {
        let s = state();
        let value = s.sign_cookie("abc");
        assert!(value.starts_with("s%3Aabc."));
        assert_eq!(s.unsign_cookie(&value).as_deref(), Some("abc"));
        assert_eq!(s.unsign_cookie(&value.replace("abc", "abd")), None);
        assert_eq!(s.unsign_cookie("s%3Aabc"), None);
        assert_eq!(s.unsign_cookie("abc"), None);
        let cookie = s.session_cookie("abc");
        assert!(cookie.starts_with("connect.sid=s%3Aabc."), "{cookie}");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
        assert!(!cookie.contains("Secure"));
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let mut h = header::HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bEaReR abc"),
        );
        assert_eq!(bearer_of(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer_of(&h), None);
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; connect.sid=xyz"),
        );
        assert_eq!(cookie(&h, "connect.sid"), Some("xyz"));
    }
}
