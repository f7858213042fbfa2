//! The user module's entities, declared once: their create, update and
//! filter types and their services are generated (`#[entity]`).

use chrono::{DateTime, Utc};
use serde_json::Value;

/// An admin user (`user_…`). The email is unique among live users and
/// cannot change. A generated entity: [`UserModule::users`](crate::UserModule::users)
/// is its service.
#[stheno_module_sdk::entity(
    module = "user",
    prefix = "user",
    searchable(email, first_name, last_name),
    soft_delete
)]
pub struct User {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    #[entity(unique, immutable)]
    pub email: String,
    pub avatar_url: Option<String>,
    pub metadata: Option<Value>,
}

/// An invitation to become an admin user (`invite_…`); accepted with its
/// `token` before `expires_at`. The email is unique among live invites. A
/// generated entity: [`UserModule::invites`](crate::UserModule::invites) is
/// its service; [`UserModule::create_invite`](crate::UserModule::create_invite)
/// creates one with a fresh token.
#[stheno_module_sdk::entity(module = "user", prefix = "invite", searchable(email), soft_delete)]
pub struct Invite {
    pub id: String,
    #[entity(unique)]
    pub email: String,
    #[entity(default = "false")]
    pub accepted: bool,
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub metadata: Option<Value>,
}
