//! Admin users and invites: update a user; create, resend, delete invites;
//! each undone when a later step fails. (Accepting an invite is in
//! [`crate::accounts`].)

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::json;
use stheno_module_sdk::events::Event;
use stheno_user::{CreateInviteInput, Invite, UpdateUserInput, User, UserModule};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

/// Changes to one user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserUpdate {
    pub id: String,
    pub update: UpdateUserInput,
}

/// `update-users` (one); ⇐ the previous fields written back.
#[derive(Debug, Default)]
pub struct UpdateUsersStep;

#[async_trait]
impl Step for UpdateUsersStep {
    type Input = UserUpdate;
    type Output = User;
    type CompensateInput = User;

    fn name(&self) -> &str {
        "update-users"
    }

    async fn invoke(
        &self,
        u: UserUpdate,
        ctx: &StepContext,
    ) -> Result<StepResponse<User, User>, StepError> {
        let m = ctx.module::<UserModule>()?;
        let before = m.retrieve_user(&u.id).await?;
        let after = m.update_user(&u.id, u.update).await?;
        ctx.emit(Event::new("user.updated", json!({ "id": after.id })));
        Ok(StepResponse::with_compensation(after, before))
    }

    async fn compensate(&self, u: User, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<UserModule>()?
            .update_user(
                &u.id,
                UpdateUserInput {
                    first_name: Some(u.first_name.clone()),
                    last_name: Some(u.last_name.clone()),
                    avatar_url: Some(u.avatar_url.clone()),
                    metadata: Some(u.metadata.clone()),
                },
            )
            .await?;
        Ok(())
    }
}

/// `update-users` (`POST /admin/users/:id`).
pub fn update_users() -> Workflow<UserUpdate, User> {
    Workflow::new("update-users").then(UpdateUsersStep)
}

/// `create-invites` (one); ⇐ deleted for good.
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
        ctx.module::<UserModule>()?.remove_invite(&id).await?;
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
        let before = m.retrieve_invite(&id).await?;
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
        ctx.module::<UserModule>()?
            .set_invite_token(&b.id, &b.token, b.expires_at)
            .await?;
        Ok(())
    }
}

/// `delete-invites` (one, soft); ⇐ restored.
#[derive(Debug, Default)]
pub struct DeleteInvitesStep;

#[async_trait]
impl Step for DeleteInvitesStep {
    type Input = String;
    type Output = String;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "delete-invites"
    }

    async fn invoke(
        &self,
        id: String,
        ctx: &StepContext,
    ) -> Result<StepResponse<String, String>, StepError> {
        let m = ctx.module::<UserModule>()?;
        m.retrieve_invite(&id).await?;
        m.delete_invite(&id).await?;
        ctx.emit(Event::new("invite.deleted", json!({ "id": id })));
        Ok(StepResponse::with_compensation(id.clone(), id))
    }

    async fn compensate(&self, id: String, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<UserModule>()?.restore_invite(&id).await?;
        Ok(())
    }
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
    Workflow::new("delete-invites").then(DeleteInvitesStep)
}
