//! The `emailpass` provider: email and password, argon2id hashes.
//!
//! The hash (a PHC string) sits in `provider_metadata.password`. A login for
//! an unknown email verifies the password against a dummy hash, so it takes
//! as long as a login with a wrong password and fails with the same message.

use std::sync::{Arc, LazyLock};

use argon2::password_hash::SaltString;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use async_trait::async_trait;
use serde_json::{Value, json};
use stheno_module_sdk::provider::ProviderOptions;
use stheno_module_sdk::{Error, Result};

use crate::provider::{AuthOutcome, AuthProvider, AuthRequest, Flow};
use crate::store::IdentityStore;

pub const EMAILPASS: &str = "emailpass";
const INVALID: &str = "Invalid email or password";
const EXISTS: &str = "Identity with email already exists";

/// Email/password authentication (Medusa's `emailpass`).
#[derive(Debug, Default)]
pub struct EmailPassProvider;

/// Hash a password with argon2id (default parameters, random salt). Runs on
/// the blocking pool: it is deliberately slow.
pub async fn hash_password(password: &str) -> Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| Error::internal(format!("no randomness: {e}")))?;
        let salt = SaltString::encode_b64(&salt)
            .map_err(|e| Error::internal(format!("salt encoding failed: {e}")))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| Error::internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| Error::internal(format!("password hashing task failed: {e}")))?
}

/// Check `password` against a PHC hash (constant time inside argon2). A
/// missing or malformed hash is checked against a dummy so the work is the
/// same, and fails.
pub async fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let password = password.to_owned();
    let (hash, real) = match hash.filter(|h| PasswordHash::new(h).is_ok()) {
        Some(h) => (h.to_owned(), true),
        None => (DUMMY_HASH.clone(), false),
    };
    tokio::task::spawn_blocking(move || {
        let Ok(parsed) = PasswordHash::new(&hash) else {
            return false;
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        ok && real
    })
    .await
    .unwrap_or(false)
}

/// A hash of a random password, computed once, for logins of unknown emails.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let mut bytes = [0u8; 32];
    let _ = getrandom::fill(&mut bytes);
    let salt = SaltString::encode_b64(&bytes[..16]).expect("16 bytes encode as a salt");
    Argon2::default()
        .hash_password(&bytes[16..], &salt)
        .map(|h| h.to_string())
        .expect("argon2 with default parameters hashes")
});

fn credentials(req: &AuthRequest) -> Result<(&str, &str)> {
    // Medusa checks `!email || !isString(email)`: empty strings fail too.
    let email = req
        .body_str("email")
        .filter(|e| !e.is_empty())
        .ok_or_else(|| Error::unauthorized("Email should be a string"))?;
    let password = req
        .body_str("password")
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Error::unauthorized("Password should be a string"))?;
    Ok((email, password))
}

fn stored_hash(provider_metadata: &Option<Value>) -> Option<&str> {
    provider_metadata.as_ref()?.get("password")?.as_str()
}

#[async_trait]
impl AuthProvider for EmailPassProvider {
    fn id(&self) -> &str {
        EMAILPASS
    }
    fn display_name(&self) -> &str {
        "Email/Password Authentication"
    }
    fn flow(&self) -> Flow {
        Flow::Credentials
    }

    async fn authenticate(&self, req: &AuthRequest, store: &IdentityStore) -> Result<AuthOutcome> {
        let (email, password) = credentials(req)?;
        let found = store.retrieve(EMAILPASS, email).await?;
        let hash = found
            .as_ref()
            .and_then(|(_, p)| stored_hash(&p.provider_metadata));
        if verify_password(password, hash).await
            && let Some((identity, _)) = found
        {
            return Ok(AuthOutcome::Authenticated(identity));
        }
        Err(Error::unauthorized(INVALID))
    }

    async fn register(&self, req: &AuthRequest, store: &IdentityStore) -> Result<AuthOutcome> {
        let (email, password) = credentials(req)?;
        if let Some((identity, provider)) = store.retrieve(EMAILPASS, email).await? {
            // Medusa answers a repeated registration of a not yet linked
            // identity with the same password like the first one.
            let same = verify_password(password, stored_hash(&provider.provider_metadata)).await;
            if same && !identity.is_linked() {
                return Ok(AuthOutcome::Authenticated(identity));
            }
            return Err(Error::unauthorized(EXISTS));
        }
        let hash = hash_password(password).await?;
        match store
            .create(EMAILPASS, email, Some(json!({ "password": hash })), None)
            .await
        {
            Ok(identity) => Ok(AuthOutcome::Authenticated(identity)),
            Err(e) if e.kind() == stheno_module_sdk::ErrorKind::DuplicateError => {
                Err(Error::unauthorized(EXISTS))
            }
            Err(e) => Err(e),
        }
    }

    async fn update(&self, entity_id: &str, data: &Value, store: &IdentityStore) -> Result<()> {
        let password = data
            .get("password")
            .and_then(Value::as_str)
            .filter(|p| !p.is_empty())
            .ok_or_else(|| Error::unauthorized("Password should be a string"))?;
        let hash = hash_password(password).await?;
        store
            .update(
                EMAILPASS,
                entity_id,
                Some(json!({ "password": hash })),
                None,
            )
            .await
    }
}

/// Always on: needs no options.
fn build(_options: &ProviderOptions) -> Result<Option<Arc<dyn AuthProvider>>> {
    // Compute the dummy hash now, so the first login of an unknown email
    // does not take two hashes' time.
    LazyLock::force(&DUMMY_HASH);
    Ok(Some(Arc::new(EmailPassProvider)))
}

stheno_module_sdk::register_provider!(dyn AuthProvider, EMAILPASS, build);
