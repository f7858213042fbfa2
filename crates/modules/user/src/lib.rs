//! Stheno's **user module** (key `user`): admin users and invites, as in
//! Medusa v2.
//!
//! | entity | table | id prefix | service |
//! |---|---|---|---|
//! | [`User`] | `user` | `user` | [`UserModule::users`] |
//! | [`Invite`] | `invite` | `invite` | [`UserModule::invites`] |
//!
//! Both are generated entities (`#[entity]`): listing, filters, retrieval,
//! create, update, soft delete, restore and delete, with Medusa's messages,
//! come from their [`EntityService`]. Emails are unique among live rows; a
//! user's email cannot change.
//!
//! Written here is the invite domain. An invite carries a random `token`
//! (32 bytes, URL-safe base64) valid for `valid_duration` milliseconds
//! (option, default one day): [`UserModule::create_invites`] and
//! [`UserModule::refresh_invite_token`] issue one,
//! [`UserModule::accept_invite`] uses it once. Users log in through the
//! auth module: the link is the auth identity's `app_metadata.user_id`.
//!
//! Events (after commit): `user.user.created|updated|deleted|restored`,
//! `user.invite.created|updated|deleted|restored`, and
//! `user.invite.token_generated` for each new token (payload `{id}`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::db::DbPool;
use stheno_module_sdk::entity::{EntityGraph, EntityService, FieldFilter, ServiceOf};
use stheno_module_sdk::events::{Event, EventBus};
use stheno_module_sdk::graph::EntitySource;
use stheno_module_sdk::link::LinkDef;
use stheno_module_sdk::time::now;
use stheno_module_sdk::{Error, Migrations, Module, ModuleContext, Result, async_trait};

pub mod models;

pub use models::{
    CreateInvite, CreateUser, Invite, InviteFilter, UpdateInvite, UpdateUser, User, UserFilter,
};

/// The module's SQL migrations (`migrations/user`).
pub const MIGRATIONS: Migrations = diesel_migrations::embed_migrations!("../../../migrations/user");

/// Module options (`[modules.user]`).
#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserOptions {
    /// How long an invite stays valid, in milliseconds (Medusa's
    /// `valid_duration`).
    pub valid_duration: u64,
}

impl Default for UserOptions {
    fn default() -> Self {
        Self {
            valid_duration: 86_400_000,
        }
    }
}

/// An invite to create (`POST /admin/invites`): the token and its expiry
/// are the module's to choose.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInviteInput {
    pub email: String,
    pub metadata: Option<Value>,
}

/// The user module's service.
#[derive(Clone)]
pub struct UserModule {
    db: DbPool,
    events: Arc<dyn EventBus>,
    users: EntityService<User>,
    invites: EntityService<Invite>,
    invite_ttl: Duration,
}

impl std::fmt::Debug for UserModule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserModule").finish_non_exhaustive()
    }
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

impl UserModule {
    pub fn new(db: DbPool, events: Arc<dyn EventBus>, options: UserOptions) -> Self {
        Self::with_links(db, events, options, Arc::new([]))
    }

    /// [`new`](Self::new), with the application's links (soft deletes
    /// cascade into them).
    pub fn with_links(
        db: DbPool,
        events: Arc<dyn EventBus>,
        options: UserOptions,
        links: Arc<[&'static LinkDef]>,
    ) -> Self {
        Self {
            users: EntityService::from_parts(db.clone(), events.clone(), links.clone()),
            invites: EntityService::from_parts(db.clone(), events.clone(), links),
            db,
            events,
            invite_ttl: Duration::from_millis(options.valid_duration),
        }
    }

    /// Users: the generated service. `delete` is for good; the admin
    /// routes soft-delete.
    pub fn users(&self) -> &EntityService<User> {
        &self.users
    }

    /// Invites: the generated service. Create them with
    /// [`create_invites`](Self::create_invites), which issues the token.
    pub fn invites(&self) -> &EntityService<Invite> {
        &self.invites
    }

    async fn token_generated(&self, ids: impl IntoIterator<Item = &str>) {
        let events = Event::for_ids("user.invite.token_generated", ids);
        if let Err(e) = self.events.emit(events).await {
            tracing::error!(error = %e, "user module: emitting events failed");
        }
    }

    fn expiry(&self) -> Result<DateTime<Utc>> {
        let ttl = chrono::Duration::from_std(self.invite_ttl)
            .map_err(|e| Error::invalid_data(format!("invalid invite valid_duration: {e}")))?;
        Ok(now() + ttl)
    }

    /// Create invites (one statement), each with a fresh token valid for
    /// `valid_duration`. An email that already has a live invite is a
    /// `duplicate_error`.
    pub async fn create_invites(&self, inputs: Vec<CreateInviteInput>) -> Result<Vec<Invite>> {
        let expires_at = self.expiry()?;
        let inputs = inputs
            .into_iter()
            .map(|i| CreateInvite {
                metadata: i.metadata,
                ..CreateInvite::new(i.email, random_token(), expires_at)
            })
            .collect();
        let invites = self.invites.create(inputs).await?;
        self.token_generated(invites.iter().map(|i| i.id.as_str()))
            .await;
        Ok(invites)
    }

    /// [`create_invites`](Self::create_invites) for one invite.
    pub async fn create_invite(&self, input: CreateInviteInput) -> Result<Invite> {
        self.create_invites(vec![input])
            .await?
            .pop()
            .ok_or_else(|| Error::internal("insert returned no row"))
    }

    /// A new token and expiry for a live invite (resend).
    pub async fn refresh_invite_token(&self, id: &str) -> Result<Invite> {
        let fresh = UpdateInvite {
            token: Some(random_token()),
            expires_at: Some(self.expiry()?),
            ..Default::default()
        };
        let invite = self.invites.update(id, fresh).await?;
        self.token_generated([id]).await;
        Ok(invite)
    }

    /// The live, unaccepted, unexpired invite with this token, marked
    /// accepted by the same conditional update (so a token is used once).
    /// `unauthorized` otherwise.
    pub async fn accept_invite(&self, token: &str) -> Result<Invite> {
        let open = InviteFilter {
            token: Some(FieldFilter::Eq(token.to_string())),
            accepted: Some(FieldFilter::Eq(false)),
            expires_at: Some(FieldFilter::ops(|o| o.gt = Some(now()))),
            ..Default::default()
        };
        let accept = UpdateInvite {
            accepted: Some(true),
            ..Default::default()
        };
        self.invites
            .update_where(&open, accept)
            .await?
            .pop()
            .ok_or_else(|| Error::unauthorized("The invite token is invalid or expired"))
    }
}

impl ServiceOf<User> for UserModule {
    fn service(&self) -> &EntityService<User> {
        &self.users
    }
}

impl ServiceOf<Invite> for UserModule {
    fn service(&self) -> &EntityService<Invite> {
        &self.invites
    }
}

#[async_trait]
impl Module for UserModule {
    const KEY: &'static str = "user";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        Ok(UserModule::with_links(
            ctx.db().clone(),
            ctx.events().clone(),
            ctx.options()?,
            ctx.links().into(),
        ))
    }

    fn entity_sources(self: &Arc<Self>) -> Vec<Arc<dyn EntitySource>> {
        vec![
            Arc::new(EntityGraph::new(&self.users, self.db.clone())),
            Arc::new(EntityGraph::new(&self.invites, self.db.clone())),
        ]
    }
}

stheno_module_sdk::register_module!(UserModule);
