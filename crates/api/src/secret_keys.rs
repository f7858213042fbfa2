//! Secret API keys on `/admin`, as Medusa accepts them: `Authorization:
//! Basic <base64(sk_…:)>` authenticates as the key (actor type `api-key`,
//! actor id the key's id). A revoked or unknown key is Medusa's bare 401.

use stheno_api_key::ApiKeyModule;
use stheno_framework::Container;
use stheno_http::AuthContext;
use stheno_http::auth::{API_KEY_ACTOR, SecretKeyFuture, SecretKeyResolver};

fn resolve(c: Container, token: String) -> SecretKeyFuture {
    Box::pin(async move {
        let keys = c.module::<ApiKeyModule>().ok()?;
        let key = match keys.authenticate_secret(&token).await {
            Ok(key) => key?,
            Err(e) => {
                tracing::warn!(error = %e, "secret API key lookup failed");
                return None;
            }
        };
        Some(AuthContext {
            actor_id: key.id,
            actor_type: API_KEY_ACTOR.to_string(),
            auth_identity_id: String::new(),
            auth_provider: None,
            app_metadata: Default::default(),
            user_metadata: Default::default(),
            mfa_enabled: false,
            mfa_challenge_completed_at: None,
            iat: None,
            exp: None,
        })
    })
}

inventory::submit! { SecretKeyResolver { resolve } }
