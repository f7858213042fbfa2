//! Accounts: linking an auth identity to a new actor, across the auth,
//! customer and user modules.
//!
//! - `create-customer-account` (`POST /store/customers`): create a customer
//!   with an account, then link the registering identity to it
//!   (`app_metadata.customer_id`).
//! - `accept-invite` (`POST /admin/invites/accept`): accept the invite,
//!   create the user, link the identity (`app_metadata.user_id`).
//!
//! Every step is undone if a later one fails: a customer or user created for
//! an identity that turns out to be linked already is deleted again, an
//! accepted invite is reopened.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stheno_auth::AuthModule;
use stheno_customer::{CreateCustomer, Customer, CustomerModule};
use stheno_module_sdk::events::Event;
use stheno_user::{CreateUser, Invite, UpdateInvite, User, UserModule};
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::entity::SoftDeleteEntities;

/// Input of [`create_customer_account`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateCustomerAccount {
    pub auth_identity_id: String,
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Value>,
}

/// An actor created for an identity, on its way to being linked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActorFor<T> {
    pub auth_identity_id: String,
    pub actor: T,
}

/// `create-customers` (one, with an account); ⇐ deleted for good.
#[derive(Debug, Default)]
pub struct CreateCustomerStep;

#[async_trait]
impl Step for CreateCustomerStep {
    type Input = CreateCustomerAccount;
    type Output = ActorFor<Customer>;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "create-customers"
    }

    async fn invoke(
        &self,
        input: CreateCustomerAccount,
        ctx: &StepContext,
    ) -> Result<StepResponse<ActorFor<Customer>, String>, StepError> {
        let customer = ctx
            .module::<CustomerModule>()?
            .customers()
            .create_one(CreateCustomer {
                id: None,
                email: input.email,
                company_name: input.company_name,
                first_name: input.first_name,
                last_name: input.last_name,
                phone: input.phone,
                has_account: Some(true),
                metadata: input.metadata,
                created_by: None,
            })
            .await?;
        ctx.emit(Event::new("customer.created", json!({ "id": customer.id })));
        let id = customer.id.clone();
        Ok(StepResponse::with_compensation(
            ActorFor {
                auth_identity_id: input.auth_identity_id,
                actor: customer,
            },
            id,
        ))
    }

    async fn compensate(&self, id: String, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?
            .customers()
            .delete(&[id])
            .await?;
        Ok(())
    }
}

/// Something with an id, to link an identity to.
pub trait Actor {
    const TYPE: &'static str;
    fn id(&self) -> &str;
}

impl Actor for Customer {
    const TYPE: &'static str = "customer";
    fn id(&self) -> &str {
        &self.id
    }
}

impl Actor for User {
    const TYPE: &'static str = "user";
    fn id(&self) -> &str {
        &self.id
    }
}

/// `set-auth-app-metadata`: link the identity to the actor
/// (`app_metadata.<actor>_id`); an identity already linked to an actor of
/// that type fails with `invalid_data`. ⇐ unlinked.
#[derive(Debug)]
pub struct SetAuthAppMetadataStep<T>(std::marker::PhantomData<T>);

impl<T> Default for SetAuthAppMetadataStep<T> {
    fn default() -> Self {
        Self(std::marker::PhantomData)
    }
}

#[async_trait]
impl<T> Step for SetAuthAppMetadataStep<T>
where
    T: Actor + Clone + Serialize + serde::de::DeserializeOwned + Send + Sync + 'static,
{
    type Input = ActorFor<T>;
    type Output = T;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "set-auth-app-metadata"
    }

    async fn invoke(
        &self,
        input: ActorFor<T>,
        ctx: &StepContext,
    ) -> Result<StepResponse<T, String>, StepError> {
        ctx.module::<AuthModule>()?
            .store()
            .link_actor(&input.auth_identity_id, T::TYPE, input.actor.id())
            .await?;
        let id = input.actor.id().to_string();
        Ok(StepResponse::with_compensation(input.actor, id))
    }

    async fn compensate(&self, actor_id: String, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<AuthModule>()?
            .store()
            .unlink_actor(T::TYPE, &actor_id)
            .await?;
        Ok(())
    }
}

/// `create-customer-account` (`POST /store/customers` with a registration
/// token).
pub fn create_customer_account() -> Workflow<CreateCustomerAccount, Customer> {
    Workflow::new("create-customer-account")
        .then(CreateCustomerStep)
        .then(SetAuthAppMetadataStep::<Customer>::default())
}

/// Input of [`accept_invite`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AcceptInvite {
    pub invite_token: String,
    pub auth_identity_id: String,
    /// Defaults to the invite's email.
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// An accepted invite and what to create from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AcceptedInvite {
    pub invite: Invite,
    pub input: AcceptInvite,
}

/// `validate-token` + accept: the live, unexpired, unaccepted invite with
/// this token is marked accepted (once); ⇐ reopened.
#[derive(Debug, Default)]
pub struct AcceptInviteStep;

#[async_trait]
impl Step for AcceptInviteStep {
    type Input = AcceptInvite;
    type Output = AcceptedInvite;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "accept-invite"
    }

    async fn invoke(
        &self,
        input: AcceptInvite,
        ctx: &StepContext,
    ) -> Result<StepResponse<AcceptedInvite, String>, StepError> {
        let invite = ctx
            .module::<UserModule>()?
            .accept_invite(&input.invite_token)
            .await?;
        let id = invite.id.clone();
        Ok(StepResponse::with_compensation(
            AcceptedInvite { invite, input },
            id,
        ))
    }

    async fn compensate(&self, invite_id: String, ctx: &StepContext) -> Result<(), StepError> {
        let reopen = UpdateInvite {
            accepted: Some(false),
            ..Default::default()
        };
        ctx.module::<UserModule>()?
            .invites()
            .update(&invite_id, reopen)
            .await?;
        Ok(())
    }
}

/// `create-users` (one, from the invite); ⇐ deleted again.
#[derive(Debug, Default)]
pub struct CreateInvitedUserStep;

#[async_trait]
impl Step for CreateInvitedUserStep {
    type Input = AcceptedInvite;
    type Output = ActorFor<User>;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "create-users"
    }

    async fn invoke(
        &self,
        accepted: AcceptedInvite,
        ctx: &StepContext,
    ) -> Result<StepResponse<ActorFor<User>, String>, StepError> {
        let input = accepted.input;
        let user = ctx
            .module::<UserModule>()?
            .users()
            .create_one(CreateUser {
                first_name: input.first_name,
                last_name: input.last_name,
                ..CreateUser::new(input.email.unwrap_or(accepted.invite.email))
            })
            .await?;
        ctx.emit(Event::new("user.created", json!({ "id": user.id })));
        ctx.emit(Event::new(
            "invite.accepted",
            json!({ "id": accepted.invite.id }),
        ));
        let id = user.id.clone();
        Ok(StepResponse::with_compensation(
            ActorFor {
                auth_identity_id: input.auth_identity_id,
                actor: user,
            },
            id,
        ))
    }

    async fn compensate(&self, id: String, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<UserModule>()?.users().delete(&[id]).await?;
        Ok(())
    }
}

/// `accept-invite` (`POST /admin/invites/accept`).
pub fn accept_invite() -> Workflow<AcceptInvite, User> {
    Workflow::new("accept-invite")
        .then(AcceptInviteStep)
        .then(CreateInvitedUserStep)
        .then(SetAuthAppMetadataStep::<User>::default())
}

/// `remove-auth-app-metadata`: unlink every identity from the actor
/// (`app_metadata.<actor>_id`); ⇐ linked again.
#[derive(Debug)]
pub struct UnlinkActorStep {
    actor_type: &'static str,
}

impl UnlinkActorStep {
    pub fn new(actor_type: &'static str) -> Self {
        Self { actor_type }
    }
}

/// The identities an actor was unlinked from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unlinked {
    pub actor_id: String,
    pub identities: Vec<String>,
}

#[async_trait]
impl Step for UnlinkActorStep {
    type Input = String;
    type Output = String;
    type CompensateInput = Unlinked;

    fn name(&self) -> &str {
        "remove-auth-app-metadata"
    }

    async fn invoke(
        &self,
        actor_id: String,
        ctx: &StepContext,
    ) -> Result<StepResponse<String, Unlinked>, StepError> {
        let identities = ctx
            .module::<AuthModule>()?
            .store()
            .unlink_actor(self.actor_type, &actor_id)
            .await?;
        let unlinked = Unlinked {
            actor_id: actor_id.clone(),
            identities,
        };
        Ok(StepResponse::with_compensation(actor_id, unlinked))
    }

    async fn compensate(&self, unlinked: Unlinked, ctx: &StepContext) -> Result<(), StepError> {
        let auth = ctx.module::<AuthModule>()?;
        for identity in &unlinked.identities {
            auth.store()
                .link_actor(identity, self.actor_type, &unlinked.actor_id)
                .await?;
        }
        Ok(())
    }
}

/// `delete-users` (soft; an unknown or deleted id is `not_found`;
/// ⇐ restored), raising `user.deleted`.
pub fn delete_users_step() -> SoftDeleteEntities<UserModule, User> {
    SoftDeleteEntities::new("delete-users")
        .emitting("user")
        .must_exist()
}

/// `remove-user-account` (`DELETE /admin/users/:id`): delete the user and
/// unlink its identities, so no new token names it.
pub fn remove_user_account() -> Workflow<String, String> {
    Workflow::<String>::new("remove-user-account")
        .map(|id| vec![id])
        .then(delete_users_step())
        .map(|mut ids: Vec<String>| ids.remove(0))
        .then(UnlinkActorStep::new("user"))
}

/// `remove-customer-account` (`DELETE /admin/customers/:id`): delete the
/// customer and unlink its identities.
pub fn remove_customer_account() -> Workflow<String, String> {
    Workflow::<String>::new("remove-customer-account")
        .map(|id| vec![id])
        .then(crate::customer::delete_customers_step())
        .map(|mut ids: Vec<String>| ids.remove(0))
        .then(UnlinkActorStep::new("customer"))
}
