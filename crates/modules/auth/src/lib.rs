//! Stheno's **auth module** (key `auth`): who someone is and how they prove
//! it, as in Medusa v2.
//!
//! # Entities
//!
//! | entity | table | id |
//! |---|---|---|
//! | [`AuthIdentity`] | `auth_identity` | `authid_…` |
//! | [`ProviderIdentity`] | `provider_identity` | bare ULID |
//! | single-use values | `auth_one_time` | (purpose, id) |
//!
//! An auth identity is linked to actors through `app_metadata`
//! (`{"user_id": "user_…"}`, `{"customer_id": "cus_…"}`); one identity can
//! be several actors. Each provider identity says how the identity logs in
//! with one provider (`entity_id` = the email for `emailpass`, the GitHub
//! user id for `github`).
//!
//! # Providers
//!
//! [`AuthProvider`] is the provider contract, a kind of the SDK's provider
//! registry ([`stheno_module_sdk::provider`]): providers register with
//! [`register_provider!`](stheno_module_sdk::register_provider)`(dyn
//! AuthProvider, "id", build)` and are built at start-up from
//! `[modules.auth.providers.<id>]`. Shipped: [`emailpass`] (argon2id,
//! always on) and [`github`] (OAuth 2, on when configured).
//!
//! The module knows nothing of HTTP or tokens: the routes (`stheno-api`)
//! turn an authenticated identity into a JWT or a session.

use std::sync::Arc;

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;
use stheno_module_sdk::provider::{Providers, ProvidersConfig};
use stheno_module_sdk::{Error, Migrations, Module, ModuleContext, Result, async_trait};

pub mod emailpass;
pub mod github;
pub mod models;
mod provider;
pub mod schema;
mod store;

pub use models::{AuthIdentity, ProviderIdentity};
pub use provider::{
    AuthOutcome, AuthProvider, AuthRequest, BuildProvider, Flow, ProviderRegistration,
    registered_providers,
};
pub use store::IdentityStore;

#[doc(hidden)]
pub use stheno_module_sdk::register_provider as __register_provider;

/// The module's SQL migrations (`migrations/auth`).
pub const MIGRATIONS: Migrations = diesel_migrations::embed_migrations!("../../../migrations/auth");

/// Module options (`[modules.auth]`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthOptions {
    /// Options per provider id (`[modules.auth.providers.github]`).
    pub providers: ProvidersConfig,
}

/// The auth module's service: the configured providers and the identity
/// store they write to.
#[derive(Clone)]
pub struct AuthModule {
    store: IdentityStore,
    providers: Providers<dyn AuthProvider>,
}

impl std::fmt::Debug for AuthModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthModule")
            .field("providers", &self.providers)
            .finish()
    }
}

impl AuthModule {
    /// Build every registered provider with its options; providers that are
    /// not configured (and need to be) are left out, a configured provider
    /// that is not registered is an error.
    pub fn new(db: stheno_module_sdk::db::DbPool, options: AuthOptions) -> Result<Self> {
        Ok(Self {
            store: IdentityStore::new(db),
            providers: Providers::from_config(&options.providers)?,
        })
    }

    /// The identity store.
    pub fn store(&self) -> &IdentityStore {
        &self.store
    }

    /// The configured providers, by id.
    pub fn providers(&self) -> impl Iterator<Item = &Arc<dyn AuthProvider>> {
        self.providers.iter().map(|(_, provider)| provider)
    }

    /// One provider; an unknown id is a 401 as in Medusa.
    pub fn provider(&self, id: &str) -> Result<&Arc<dyn AuthProvider>> {
        self.providers.find(id).ok_or_else(|| {
            Error::unauthorized(format!(
                "Unable to retrieve the auth provider with id: {id}"
            ))
        })
    }

    pub async fn authenticate(&self, provider: &str, req: &AuthRequest) -> Result<AuthOutcome> {
        self.provider(provider)?
            .authenticate(req, &self.store)
            .await
    }
    pub async fn register(&self, provider: &str, req: &AuthRequest) -> Result<AuthOutcome> {
        self.provider(provider)?.register(req, &self.store).await
    }
    pub async fn validate_callback(
        &self,
        provider: &str,
        req: &AuthRequest,
    ) -> Result<AuthOutcome> {
        self.provider(provider)?
            .validate_callback(req, &self.store)
            .await
    }
    /// Change provider data (a new password) for `entity_id`.
    pub async fn update_provider(
        &self,
        provider: &str,
        entity_id: &str,
        data: &Value,
    ) -> Result<()> {
        self.provider(provider)?
            .update(entity_id, data, &self.store)
            .await
    }
}

#[async_trait]
impl Module for AuthModule {
    const KEY: &'static str = "auth";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        AuthModule::new(ctx.db().clone(), ctx.options()?)
    }
}

stheno_module_sdk::register_module!(AuthModule);

/// 32 random bytes, URL-safe base64: state values, token ids.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
