//! The auth module's entities as stored and as serialised on the wire.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stheno_module_sdk::time::{iso, iso_opt};

use crate::schema::*;

/// Id prefix of auth identities (provider identities have bare ULIDs).
pub const AUTH_IDENTITY_PREFIX: &str = "authid";

/// Who someone is, independent of how they prove it. `app_metadata` links
/// the identity to its actors: `{"user_id": "user_…", "customer_id": "cus_…"}`.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    QueryableByName,
    Selectable,
    Identifiable,
    Serialize,
    Deserialize,
)]
#[diesel(table_name = auth_identity)]
pub struct AuthIdentity {
    pub id: String,
    pub app_metadata: Option<Value>,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl AuthIdentity {
    /// `app_metadata` as an object (empty when unset).
    pub fn app_metadata_map(&self) -> Map<String, Value> {
        match &self.app_metadata {
            Some(Value::Object(m)) => m.clone(),
            _ => Map::new(),
        }
    }

    /// The id of the identity's actor of type `actor_type`
    /// (`app_metadata["<actor_type>_id"]`), if linked.
    pub fn actor_id(&self, actor_type: &str) -> Option<String> {
        self.app_metadata
            .as_ref()?
            .get(format!("{actor_type}_id"))?
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }

    /// Whether the identity is linked to any actor yet.
    pub fn is_linked(&self) -> bool {
        self.app_metadata
            .as_ref()
            .and_then(Value::as_object)
            .is_some_and(|m| !m.is_empty())
    }
}

/// How an identity authenticates with one provider: the provider's id for the
/// person (`entity_id`, the email for `emailpass`) and the provider's private
/// data (`provider_metadata`, e.g. the password hash — never serialised).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = provider_identity)]
pub struct ProviderIdentity {
    pub id: String,
    pub entity_id: String,
    pub provider: String,
    pub auth_identity_id: String,
    pub user_metadata: Option<Value>,
    #[serde(skip_serializing, default)]
    pub provider_metadata: Option<Value>,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}
