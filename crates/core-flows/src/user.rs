//! Admin users and invites: update a user; create, resend, delete invites;
//! each undone when a later step fails. (Accepting an invite is in
//! [`crate::accounts`].) Updating a user and deleting an invite are the
//! generic steps of [`crate::entity`]; creating and resending an invite
//! issue tokens, which is the user module's domain.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use stheno_module_sdk::events::Event;
use stheno_user::{CreateInviteInput, Invite, UpdateInvite, UpdateUser, User, UserModule};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::entity::{SoftDeleteEntities, Update, UpdateEntities};

/// Changes to one user.
pub type UserUpdate = Update<UpdateUser>;

/// `update-users` (⇐ the previous rows written back), raising
/// `user.updated`.
pub fn update_users_step() -> UpdateEntities<UserModule, User> {
    UpdateEntities::new("update-users").emitting("user")
}

/// `update-users` (`POST /admin/users/:id`).
pub fn update_users() -> Workflow<UserUpdate, User> {
    Workflow::<UserUpdate>::new("update-users")
        .map(|update| vec![update])
        .then(update_users_step())
        .map(|mut users: Vec<User>| users.remove(0))
}

/// `create-invites` (one, with a fresh token); ⇐ deleted for good.
#[derive(Debug, Default)]
pub struct CreateInvitesStep;

#[async_trait]
impl Step for CreateInvitesStep {
    type Input = CreateInviteInput;
    type Output = Invite;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "create-invites"
    }

    async fn invoke(
        &self,
        input: CreateInviteInput,
        ctx: &StepContext,
    ) -> Result<StepResponse<Invite, String>, StepError> {
        let invite = ctx.module::<UserModule>()?.create_invite(input).await?;
        ctx.emit(Event::new("invite.created", json!({ "id": invite.id })));
        let id = invite.id.clone();
        Ok(StepResponse::with_compensation(invite, id))
    }

    async fn compensate(&self, id: String, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<UserModule>()?.invites().delete(&[id]).await?;
        Ok(())
    }
}

/// An invite's token and expiry before a resend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenBefore {
    pub id: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// `refresh-invite-tokens` (one); ⇐ the old token and expiry back.
#[derive(Debug, Default)]
pub struct RefreshInviteTokensStep;

#[async_trait]
impl Step for RefreshInviteTokensStep {
    type Input = String;
    type Output = Invite;
    type CompensateInput = TokenBefore;

    fn name(&self) -> &str {
        "refresh-invite-tokens"
    }

    async fn invoke(
        &self,
        id: String,
        ctx: &StepContext,
    ) -> Result<StepResponse<Invite, TokenBefore>, StepError> {
        let m = ctx.module::<UserModule>()?;
        let before = m.invites().retrieve(&id).await?;
        let invite = m.refresh_invite_token(&id).await?;
        ctx.emit(Event::new("invite.resent", json!({ "id": id })));
        Ok(StepResponse::with_compensation(
            invite,
            TokenBefore {
                id,
                token: before.token,
                expires_at: before.expires_at,
            },
        ))
    }

    async fn compensate(&self, b: TokenBefore, ctx: &StepContext) -> Result<(), StepError> {
        let back = UpdateInvite {
            token: Some(b.token),
            expires_at: Some(b.expires_at),
            ..Default::default()
        };
        ctx.module::<UserModule>()?
            .invites()
            .update(&b.id, back)
            .await?;
        Ok(())
    }
}

/// `delete-invites` (soft; an unknown or deleted id is `not_found`;
/// ⇐ restored), raising `invite.deleted`.
pub fn delete_invites_step() -> SoftDeleteEntities<UserModule, Invite> {
    SoftDeleteEntities::new("delete-invites")
        .emitting("invite")
        .must_exist()
}

/// `create-invites` (`POST /admin/invites`).
pub fn create_invites() -> Workflow<CreateInviteInput, Invite> {
    Workflow::new("create-invites").then(CreateInvitesStep)
}

/// `refresh-invite-tokens` (`POST /admin/invites/:id/resend`).
pub fn refresh_invite_tokens() -> Workflow<String, Invite> {
    Workflow::new("refresh-invite-tokens").then(RefreshInviteTokensStep)
}

/// `delete-invites` (`DELETE /admin/invites/:id`).
pub fn delete_invites() -> Workflow<String, String> {
    Workflow::<String>::new("delete-invites")
        .map(|id| vec![id])
        .then(delete_invites_step())
        .map(|mut ids: Vec<String>| ids.remove(0))
}
