//! The user module's entities, as stored and as serialised on the wire.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::time::{iso, iso_opt};

use crate::schema::{invite, user};

pub const USER_PREFIX: &str = "user";
pub const INVITE_PREFIX: &str = "invite";

/// An admin user.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = user)]
pub struct User {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: String,
    pub avatar_url: Option<String>,
    pub metadata: Option<Value>,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// An invitation to become an admin user; accepted with its `token` before
/// `expires_at`.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Identifiable, Serialize, Deserialize)]
#[diesel(table_name = invite)]
pub struct Invite {
    pub id: String,
    pub email: String,
    pub accepted: bool,
    pub token: String,
    #[serde(serialize_with = "iso")]
    pub expires_at: DateTime<Utc>,
    pub metadata: Option<Value>,
    #[serde(serialize_with = "iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "iso_opt")]
    pub deleted_at: Option<DateTime<Utc>>,
}
