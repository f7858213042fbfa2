//! The auth-provider contract.
//!
//! A provider proves who someone is. The module hands it an [`AuthRequest`]
//! (the HTTP body and query, already parsed) and an [`IdentityStore`] scoped
//! to nothing in particular; the provider answers with an identity, a
//! redirect (first leg of an OAuth flow) or an error. Providers never see
//! HTTP types.
//!
//! Providers use the SDK's provider registry ([`stheno_module_sdk::provider`]):
//! `dyn AuthProvider` is a [`ProviderKind`] of module `auth`; register an
//! implementation with [`register_provider!`](stheno_module_sdk::register_provider)
//! and it is built at module start-up from `[modules.auth.providers.<id>]`.
//! Auth provider ids are plain (`emailpass`, `github`): the routes use them
//! (`/auth/{actor}/{id}`) and `provider_identity.provider` stores them.
//!
//! ```
//! use std::sync::Arc;
//! use stheno_auth::{AuthOutcome, AuthProvider, AuthRequest, Flow, IdentityStore};
//! use stheno_module_sdk::{Error, Result, async_trait};
//!
//! struct Magic;
//!
//! #[async_trait]
//! impl AuthProvider for Magic {
//!     fn id(&self) -> &str { "magic" }
//!     fn display_name(&self) -> &str { "Magic word" }
//!     fn flow(&self) -> Flow { Flow::Credentials }
//!     async fn authenticate(&self, req: &AuthRequest, store: &IdentityStore) -> Result<AuthOutcome> {
//!         if req.body_str("word") != Some("please") {
//!             return Err(Error::unauthorized("Wrong word"));
//!         }
//!         let identity = store.retrieve_or_create("magic", "someone", None, None).await?;
//!         Ok(AuthOutcome::Authenticated(identity))
//!     }
//! }
//!
//! // Always on; a provider that needs options answers `Ok(None)` when
//! // `!options.is_configured()` and reads them with `options.parse()?`.
//! stheno_module_sdk::register_provider!(dyn AuthProvider, "magic", |_options| {
//!     Ok(Some(Arc::new(Magic)))
//! });
//! ```
//!
//! [`register_auth_provider!`] is the same with a build function of the
//! older shape, `fn(&serde_json::Value)` ([`BuildProvider`]).

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use stheno_module_sdk::provider::{ProviderKind, Providers};
use stheno_module_sdk::{Error, Module, Result};

use crate::models::AuthIdentity;
use crate::store::IdentityStore;

/// How a provider authenticates, as `GET /auth/{actor}/providers` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    /// Credentials in the request body (email/password).
    Credentials,
    /// A redirect to a third party and a callback (OAuth 2).
    Oauth,
}

/// What a provider receives: the actor type of the route, the JSON body and
/// the query string.
#[derive(Debug, Clone, Default)]
pub struct AuthRequest {
    pub actor_type: String,
    pub body: Value,
    pub query: HashMap<String, String>,
}

impl AuthRequest {
    /// A string field of the body.
    pub fn body_str(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }
    /// A query parameter, else a body field.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .get(key)
            .map(String::as_str)
            .or_else(|| self.body_str(key))
    }
}

/// A provider's answer.
#[derive(Debug, Clone, PartialEq)]
pub enum AuthOutcome {
    /// Proven: this identity.
    Authenticated(AuthIdentity),
    /// Send the client to `location` (OAuth first leg); it comes back to the
    /// callback.
    Redirect { location: String },
}

/// An auth provider (Medusa's `IAuthProvider`). Methods a provider does not
/// support answer `401` by default.
#[async_trait]
pub trait AuthProvider: Send + Sync {
    /// The id used in routes (`/auth/{actor}/{id}`) and stored as
    /// `provider_identity.provider`.
    fn id(&self) -> &str;
    /// Human readable name.
    fn display_name(&self) -> &str;
    fn flow(&self) -> Flow;

    /// Log in (credentials) or start a redirect flow.
    async fn authenticate(&self, req: &AuthRequest, store: &IdentityStore) -> Result<AuthOutcome>;

    /// Create an identity (credentials providers).
    async fn register(&self, _req: &AuthRequest, _store: &IdentityStore) -> Result<AuthOutcome> {
        Err(Error::unauthorized(format!(
            "The auth provider {} does not support registration",
            self.id()
        )))
    }

    /// Finish a redirect flow.
    async fn validate_callback(
        &self,
        _req: &AuthRequest,
        _store: &IdentityStore,
    ) -> Result<AuthOutcome> {
        Err(Error::unauthorized(format!(
            "The auth provider {} does not support callbacks",
            self.id()
        )))
    }

    /// Change the provider's data for `entity_id` (a new password).
    async fn update(&self, _entity_id: &str, _data: &Value, _store: &IdentityStore) -> Result<()> {
        Err(Error::unauthorized(format!(
            "The auth provider {} does not support updates",
            self.id()
        )))
    }
}

/// Auth providers are the SDK's providers of module `auth`.
impl ProviderKind for dyn AuthProvider {
    const MODULE: &'static str = crate::AuthModule::KEY;
}

/// The SDK's provider registration; auth's have `module == "auth"`.
pub use stheno_module_sdk::provider::ProviderRegistration;

/// A build function taking the provider's options
/// (`[modules.auth.providers.<id>]`, `Null` when absent), for
/// [`register_auth_provider!`](crate::register_auth_provider). `Ok(None)`: not
/// configured, left out.
pub type BuildProvider = fn(&Value) -> Result<Option<Arc<dyn AuthProvider>>>;

/// Every auth provider registered in the linked crates.
pub fn registered_providers() -> impl Iterator<Item = &'static ProviderRegistration> {
    Providers::<dyn AuthProvider>::registered()
}

/// Register an auth provider with a [`BuildProvider`]:
/// `register_auth_provider!("id", build_fn)`. A thin wrapper over
/// [`register_provider!`](stheno_module_sdk::register_provider).
///
/// ```
/// use std::sync::Arc;
/// use stheno_auth::AuthProvider;
/// use stheno_module_sdk::Result;
///
/// fn build(options: &serde_json::Value) -> Result<Option<Arc<dyn AuthProvider>>> {
///     if options.is_null() {
///         return Ok(None); // not configured: left out
///     }
///     unimplemented!("build the provider from its options")
/// }
/// stheno_auth::register_auth_provider!("magic", build);
///
/// assert!(stheno_auth::registered_providers().any(|r| r.id == "magic"));
/// ```
#[macro_export]
macro_rules! register_auth_provider {
    ($id:expr, $build:path) => {
        $crate::__register_provider!(dyn $crate::AuthProvider, $id, |options| {
            let build: $crate::BuildProvider = $build;
            build(options.value())
        });
    };
}
