//! Stheno's **user module** (key `user`): admin users and invites, as in
//! Medusa v2.
//!
//! | entity | table | id prefix |
//! |---|---|---|
//! | [`User`] | `user` | `user` |
//! | [`Invite`] | `invite` | `invite` |
//!
//! Emails are unique among live rows. An invite carries a random `token`
//! (32 bytes, URL-safe base64) valid for `valid_duration` milliseconds
//! (option, default one day); [`UserModule::accept_invite`] checks it and
//! marks the invite accepted. Users log in through the auth module: the
//! link is the auth identity's `app_metadata.user_id`.
//!
//! Events (after commit): `user.user.created|updated|deleted`,
//! `user.invite.created|deleted`, `user.invite.token_generated` (payload
//! `{id}`).

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use serde::Deserialize;
use serde_json::Value;
use stheno_module_sdk::db::{DbConn, DbPool};
use stheno_module_sdk::events::{Event, EventBus};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::list::{OneOrMany, OrderBy, Page, contains_pattern};
use stheno_module_sdk::time::now;
use stheno_module_sdk::{
    Error, ErrorKind, Migrations, Module, ModuleContext, Result, apply_order, async_trait,
};

pub mod models;
pub mod schema;

use models::{INVITE_PREFIX, USER_PREFIX};
pub use models::{Invite, User};
use schema::{invite, user};

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

/// Filters of [`UserModule::list_users`] (also the admin route's query).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserFilter {
    pub id: Option<OneOrMany>,
    pub email: Option<OneOrMany>,
    pub first_name: Option<OneOrMany>,
    pub last_name: Option<OneOrMany>,
    /// Case-insensitive search in email, first and last name.
    pub q: Option<String>,
}

/// Filters of [`UserModule::list_invites`].
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InviteFilter {
    pub id: Option<OneOrMany>,
    pub email: Option<OneOrMany>,
    pub accepted: Option<bool>,
    pub q: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Insertable)]
#[diesel(table_name = user)]
#[serde(deny_unknown_fields)]
pub struct CreateUserInput {
    pub email: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub avatar_url: Option<String>,
    pub metadata: Option<Value>,
}

impl CreateUserInput {
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            ..Default::default()
        }
    }
}

/// Changes to a user; `null` clears a field. The email cannot change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, serde::Serialize, AsChangeset)]
#[diesel(table_name = user)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserInput {
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_name: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub avatar_url: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub metadata: Option<Option<Value>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
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

/// "User with email: a@b.c, already exists." for a unique violation.
fn duplicate_email(err: diesel::result::Error, entity: &str, email: &str) -> Error {
    let err: Error = err.into();
    if err.kind() == ErrorKind::DuplicateError {
        Error::duplicate(format!("{entity} with email: {email}, already exists."))
    } else {
        err
    }
}

fn users_filtered(f: &UserFilter) -> user::BoxedQuery<'_, Pg> {
    let mut q = user::table.into_boxed().filter(user::deleted_at.is_null());
    if let Some(ids) = &f.id {
        q = q.filter(user::id.eq_any(ids.as_slice()));
    }
    if let Some(v) = &f.email {
        q = q.filter(user::email.eq_any(v.as_slice()));
    }
    if let Some(v) = &f.first_name {
        q = q.filter(user::first_name.eq_any(v.as_slice()));
    }
    if let Some(v) = &f.last_name {
        q = q.filter(user::last_name.eq_any(v.as_slice()));
    }
    if let Some(text) = f.q.as_deref().filter(|t| !t.is_empty()) {
        let p = contains_pattern(text);
        q = q.filter(
            user::email
                .ilike(p.clone())
                .or(user::first_name.ilike(p.clone()))
                .or(user::last_name.ilike(p)),
        );
    }
    q
}

fn invites_filtered(f: &InviteFilter) -> invite::BoxedQuery<'_, Pg> {
    let mut q = invite::table
        .into_boxed()
        .filter(invite::deleted_at.is_null());
    if let Some(ids) = &f.id {
        q = q.filter(invite::id.eq_any(ids.as_slice()));
    }
    if let Some(v) = &f.email {
        q = q.filter(invite::email.eq_any(v.as_slice()));
    }
    if let Some(v) = f.accepted {
        q = q.filter(invite::accepted.eq(v));
    }
    if let Some(text) = f.q.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(invite::email.ilike(contains_pattern(text)));
    }
    q
}

impl UserModule {
    pub fn new(db: DbPool, events: Arc<dyn EventBus>, options: UserOptions) -> Self {
        Self {
            db,
            events,
            invite_ttl: Duration::from_millis(options.valid_duration),
        }
    }

    async fn conn(&self) -> Result<DbConn> {
        Ok(self.db.get().await?)
    }

    async fn emit(&self, name: &str, ids: &[&str]) {
        if let Err(e) = self
            .events
            .emit(Event::for_ids(name, ids.iter().copied()))
            .await
        {
            tracing::error!(error = %e, "user module: emitting events failed");
        }
    }

    /// A page of live users and the total count. Order fields: `email`,
    /// `first_name`, `last_name`, `created_at`, `updated_at`.
    pub async fn list_users(
        &self,
        filter: &UserFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<User>, i64)> {
        let rows = apply_order!(users_filtered(filter), order,
            default: user::created_at.asc(), tiebreak: user::id.asc(), {
            "id" => user::id,
            "email" => user::email,
            "first_name" => user::first_name,
            "last_name" => user::last_name,
            "created_at" => user::created_at,
            "updated_at" => user::updated_at,
        })
        .select(User::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = users_filtered(filter).count().get_result(&mut conn).await?;
        Ok((rows.load(&mut conn).await?, count))
    }

    /// One live user.
    pub async fn retrieve_user(&self, id: &str) -> Result<User> {
        let mut conn = self.conn().await?;
        user::table
            .filter(user::id.eq(id))
            .filter(user::deleted_at.is_null())
            .select(User::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| Error::not_found(format!("User with id: {id} was not found")))
    }

    /// Create users (one statement). A taken email is a `duplicate_error`.
    pub async fn create_users(&self, input: Vec<CreateUserInput>) -> Result<Vec<User>> {
        if input.is_empty() {
            return Ok(Vec::new());
        }
        let first_email = input[0].email.clone();
        let ids: Vec<String> = input.iter().map(|_| generate_id(USER_PREFIX)).collect();
        let rows: Vec<_> = input
            .into_iter()
            .zip(&ids)
            .map(|(u, id)| (user::id.eq(id.clone()), u))
            .collect();
        let mut conn = self.conn().await?;
        let users: Vec<User> = diesel::insert_into(user::table)
            .values(&rows)
            .returning(User::as_returning())
            .get_results(&mut conn)
            .await
            .map_err(|e| duplicate_email(e, "User", &first_email))?;
        let ids: Vec<&str> = users.iter().map(|u| u.id.as_str()).collect();
        self.emit("user.user.created", &ids).await;
        Ok(users)
    }

    pub async fn update_user(&self, id: &str, input: UpdateUserInput) -> Result<User> {
        let mut conn = self.conn().await?;
        let updated = diesel::update(
            user::table
                .filter(user::id.eq(id))
                .filter(user::deleted_at.is_null()),
        )
        .set((&input, user::updated_at.eq(now())))
        .returning(User::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| Error::not_found(format!("User with id: {id} was not found")))?;
        self.emit("user.user.updated", &[id]).await;
        Ok(updated)
    }

    /// Soft delete a user; deleting an unknown or deleted one is a no-op, as
    /// in Medusa.
    pub async fn delete_user(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        let n = diesel::update(
            user::table
                .filter(user::id.eq(id))
                .filter(user::deleted_at.is_null()),
        )
        .set(user::deleted_at.eq(now()))
        .execute(&mut conn)
        .await?;
        if n > 0 {
            self.emit("user.user.deleted", &[id]).await;
        }
        Ok(())
    }

    /// Undo [`UserModule::delete_user`]; a user whose email was taken again
    /// meanwhile cannot come back (`duplicate_error`).
    pub async fn restore_user(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::update(
            user::table
                .filter(user::id.eq(id))
                .filter(user::deleted_at.is_not_null()),
        )
        .set(user::deleted_at.eq(None::<chrono::DateTime<Utc>>))
        .execute(&mut conn)
        .await?;
        self.emit("user.user.restored", &[id]).await;
        Ok(())
    }

    /// A page of live invites and the total count.
    pub async fn list_invites(
        &self,
        filter: &InviteFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<Invite>, i64)> {
        let rows = apply_order!(invites_filtered(filter), order,
            default: invite::created_at.asc(), tiebreak: invite::id.asc(), {
            "id" => invite::id,
            "email" => invite::email,
            "accepted" => invite::accepted,
            "expires_at" => invite::expires_at,
            "created_at" => invite::created_at,
            "updated_at" => invite::updated_at,
        })
        .select(Invite::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = invites_filtered(filter)
            .count()
            .get_result(&mut conn)
            .await?;
        Ok((rows.load(&mut conn).await?, count))
    }

    pub async fn retrieve_invite(&self, id: &str) -> Result<Invite> {
        let mut conn = self.conn().await?;
        invite::table
            .filter(invite::id.eq(id))
            .filter(invite::deleted_at.is_null())
            .select(Invite::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| Error::not_found(format!("Invite with id: {id} was not found")))
    }

    fn expiry(&self) -> Result<chrono::DateTime<Utc>> {
        let ttl = chrono::Duration::from_std(self.invite_ttl)
            .map_err(|e| Error::invalid_data(format!("invalid invite valid_duration: {e}")))?;
        Ok(now() + ttl)
    }

    /// Create an invite with a fresh token. An email that already has a live
    /// invite is a `duplicate_error`.
    pub async fn create_invite(&self, input: CreateInviteInput) -> Result<Invite> {
        let mut conn = self.conn().await?;
        let created: Invite = diesel::insert_into(invite::table)
            .values((
                invite::id.eq(generate_id(INVITE_PREFIX)),
                invite::email.eq(&input.email),
                invite::token.eq(random_token()),
                invite::expires_at.eq(self.expiry()?),
                invite::metadata.eq(&input.metadata),
            ))
            .returning(Invite::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(|e| duplicate_email(e, "Invite", &input.email))?;
        self.emit("user.invite.created", &[&created.id]).await;
        self.emit("user.invite.token_generated", &[&created.id])
            .await;
        Ok(created)
    }

    /// A new token and expiry for an invite (resend).
    pub async fn refresh_invite_token(&self, id: &str) -> Result<Invite> {
        let mut conn = self.conn().await?;
        let updated = diesel::update(
            invite::table
                .filter(invite::id.eq(id))
                .filter(invite::deleted_at.is_null()),
        )
        .set((
            invite::token.eq(random_token()),
            invite::expires_at.eq(self.expiry()?),
            invite::updated_at.eq(now()),
        ))
        .returning(Invite::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| Error::not_found(format!("Invite with id: {id} was not found")))?;
        self.emit("user.invite.token_generated", &[id]).await;
        Ok(updated)
    }

    /// Soft delete an invite (a no-op for unknown ids).
    pub async fn delete_invite(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        let n = diesel::update(
            invite::table
                .filter(invite::id.eq(id))
                .filter(invite::deleted_at.is_null()),
        )
        .set(invite::deleted_at.eq(now()))
        .execute(&mut conn)
        .await?;
        if n > 0 {
            self.emit("user.invite.deleted", &[id]).await;
        }
        Ok(())
    }

    /// The live, unaccepted, unexpired invite with this token, marked
    /// accepted in the same statement (so a token is used once).
    /// `unauthorized` otherwise.
    pub async fn accept_invite(&self, token: &str) -> Result<Invite> {
        let mut conn = self.conn().await?;
        diesel::update(
            invite::table
                .filter(invite::token.eq(token))
                .filter(invite::deleted_at.is_null())
                .filter(invite::accepted.eq(false))
                .filter(invite::expires_at.gt(Utc::now())),
        )
        .set((invite::accepted.eq(true), invite::updated_at.eq(now())))
        .returning(Invite::as_returning())
        .get_result(&mut conn)
        .await
        .optional()?
        .ok_or_else(|| Error::unauthorized("The invite token is invalid or expired"))
    }

    /// Delete an invite for good (undoing its creation).
    pub async fn remove_invite(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::delete(invite::table.filter(invite::id.eq(id)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Undo [`UserModule::delete_invite`].
    pub async fn restore_invite(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::update(invite::table.filter(invite::id.eq(id)))
            .set(invite::deleted_at.eq(None::<chrono::DateTime<Utc>>))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Put back an invite's token and expiry (undoing a resend).
    pub async fn set_invite_token(
        &self,
        id: &str,
        token: &str,
        expires_at: chrono::DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::update(invite::table.filter(invite::id.eq(id)))
            .set((invite::token.eq(token), invite::expires_at.eq(expires_at)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Undo [`UserModule::accept_invite`] (creating the user failed).
    pub async fn unaccept_invite(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::update(invite::table.filter(invite::id.eq(id)))
            .set(invite::accepted.eq(false))
            .execute(&mut conn)
            .await?;
        Ok(())
    }
}

#[async_trait]
impl Module for UserModule {
    const KEY: &'static str = "user";
    const MIGRATIONS: Option<Migrations> = Some(MIGRATIONS);

    async fn build(ctx: &ModuleContext) -> Result<Self> {
        Ok(UserModule::new(
            ctx.db().clone(),
            ctx.events().clone(),
            ctx.options()?,
        ))
    }
}

stheno_module_sdk::register_module!(UserModule);
