//! The auth-provider contract and its registry.
//!
//! A provider proves who someone is. The module hands it an [`AuthRequest`]
//! (the HTTP body and query, already parsed) and an [`IdentityStore`] scoped
//! to nothing in particular; the provider answers with an identity, a
//! redirect (first leg of an OAuth flow) or an error. Providers never see
//! HTTP types.
//!
//! Register a provider with [`register_auth_provider!`]; it is built at
//! module start-up from `[modules.auth.providers.<id>]`:
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
//! fn build(_options: &serde_json::Value) -> Result<Option<Arc<dyn AuthProvider>>> {
//!     Ok(Some(Arc::new(Magic)))
//! }
//! stheno_auth::register_auth_provider!("magic", build);
//! ```

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde_json::Value;
use stheno_module_sdk::{Error, Result};

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

/// Builds a provider from its options (`[modules.auth.providers.<id>]`,
/// `Null` when absent). `Ok(None)`: not configured, left out.
pub type BuildProvider = fn(&Value) -> Result<Option<Arc<dyn AuthProvider>>>;

/// A provider's entry in the registry; see [`register_auth_provider!`].
#[derive(Clone, Copy)]
pub struct ProviderRegistration {
    pub id: &'static str,
    pub build: BuildProvider,
}

inventory::collect!(ProviderRegistration);

/// Every provider registered in the linked crates.
pub fn registered_providers() -> impl Iterator<Item = &'static ProviderRegistration> {
    inventory::iter::<ProviderRegistration>.into_iter()
}

/// Register an auth provider: `register_auth_provider!("id", build_fn)`.
#[macro_export]
macro_rules! register_auth_provider {
    ($id:expr, $build:path) => {
        $crate::inventory::submit! {
            $crate::ProviderRegistration { id: $id, build: $build }
        }
    };
}
