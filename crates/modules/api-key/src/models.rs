//! The API key entity, declared once: its create, update and filter types
//! and its service are generated (`#[entity]`; the field `r#type` is the
//! column `type`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether a key is publishable (`pk_…`, sent by storefronts in
/// `x-publishable-api-key`, scoped to sales channels) or secret (`sk_…`,
/// sent to `/admin` with HTTP Basic authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyType {
    Publishable,
    Secret,
}

stheno_module_sdk::text_enum!(ApiKeyType);

impl ApiKeyType {
    /// The stored and wire value (`publishable`, `secret`).
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyType::Publishable => "publishable",
            ApiKeyType::Secret => "secret",
        }
    }

    /// The token prefix (`pk_`, `sk_`).
    pub fn prefix(self) -> &'static str {
        match self {
            ApiKeyType::Publishable => "pk_",
            ApiKeyType::Secret => "sk_",
        }
    }
}

/// An API key (`apk_…`), Medusa's data model.
///
/// What is stored differs by type, and so does what this record shows:
///
/// - publishable: `token` is the key itself (`pk_` + 64 hex digits); it is
///   public by design (it ships in storefront code).
/// - secret: `token` is always `""`. The key (`sk_` + 64 hex digits) is
///   shown once, by [`ApiKeyModule::create_api_keys`](crate::ApiKeyModule::create_api_keys);
///   the table keeps only its SHA-256 digest, in a column that is not part
///   of this entity, so no read (service, Query, `fields=*`) and no
///   serialisation can show it. Medusa stores a scrypt hash in `token` and
///   blanks it in every response; the wire is the same.
///
/// `salt` is `""` for both types: the digest is unsalted (see the crate
/// docs for why). `redacted` is the key's first 6 and last 3 characters
/// around `***` (`sk_1a2***f9e`), what the dashboard shows.
///
/// A key is revoked once `revoked_at` is set and not in the future; a key
/// revoked with a delay keeps working until then.
/// The token, salt, redaction, type and creator are set at create only
/// (`#[entity(immutable)]`): what clients may change is the title
/// ([`ApiKeyModule::update_api_key`](crate::ApiKeyModule::update_api_key));
/// revocation goes through [`ApiKeyModule::revoke`](crate::ApiKeyModule::revoke).
#[stheno_module_sdk::entity(
    module = "api_key",
    prefix = "apk",
    searchable(redacted, title),
    soft_delete
)]
pub struct ApiKey {
    pub id: String,
    #[entity(immutable)]
    pub token: String,
    #[entity(immutable)]
    pub salt: String,
    #[entity(immutable)]
    pub redacted: String,
    pub title: String,
    #[entity(immutable)]
    pub r#type: ApiKeyType,
    #[serde(serialize_with = "stheno_module_sdk::time::iso_opt", default)]
    pub last_used_at: Option<DateTime<Utc>>,
    #[entity(immutable)]
    pub created_by: String,
    pub revoked_by: Option<String>,
    #[serde(serialize_with = "stheno_module_sdk::time::iso_opt", default)]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// Whether the key is revoked at `now`: `revoked_at` set and not after
    /// `now`.
    pub fn is_revoked_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_some_and(|at| at <= now)
    }
}
