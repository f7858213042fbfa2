//! `create-customer-account` and `accept-invite`: the actor is created and
//! the identity linked, or nothing is left behind.

use std::sync::Arc;

use stheno_auth::emailpass::EMAILPASS;
use stheno_auth::{AuthModule, AuthOptions};
use stheno_core_flows::accounts::{
    AcceptInvite, CreateCustomerAccount, accept_invite, create_customer_account,
};
use stheno_customer::{CustomerFilter, CustomerModule};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::ErrorKind;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::list::Page;
use stheno_module_sdk::services::Services;
use stheno_user::{CreateInviteInput, InviteFilter, UserFilter, UserModule};
use stheno_workflow_sdk::WorkflowEngine;

struct Env {
    _db: TestDb,
    auth: Arc<AuthModule>,
    customers: Arc<CustomerModule>,
    users: Arc<UserModule>,
    flow_events: Arc<RecordingEventBus>,
    engine: WorkflowEngine,
}

async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let bus = Arc::new(RecordingEventBus::default());
    let auth = Arc::new(AuthModule::new(db.pool().clone(), AuthOptions::default()).unwrap());
    let customers = Arc::new(CustomerModule::new(db.pool().clone(), bus.clone()));
    let users = Arc::new(UserModule::new(db.pool().clone(), bus, Default::default()));
    let flow_events = Arc::new(RecordingEventBus::default());
    let engine = WorkflowEngine::new(flow_events.clone()).with_services(
        Services::builder()
            .with(auth.clone())
            .with(customers.clone())
            .with(users.clone())
            .build(),
    );
    Env {
        _db: db,
        auth,
        customers,
        users,
        flow_events,
        engine,
    }
}

impl Env {
    async fn identity(&self, email: &str) -> String {
        self.auth
            .store()
            .create(EMAILPASS, email, None, None)
            .await
            .unwrap()
            .id
    }

    async fn live_customers(&self, email: &str) -> i64 {
        let filter = CustomerFilter {
            email: Some(FieldFilter::any([email.to_string()])),
            ..Default::default()
        };
        self.customers
            .customers()
            .list_and_count(&filter, &ListConfig::page(Page::default()))
            .await
            .unwrap()
            .1
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_customer_account_links_the_identity() {
    let env = env().await;
    let identity = env.identity("c@example.com").await;
    let input = CreateCustomerAccount {
        auth_identity_id: identity.clone(),
        email: Some("c@example.com".into()),
        first_name: Some("C".into()),
        ..Default::default()
    };
    let customer = env
        .engine
        .run(&create_customer_account(), input.clone())
        .await
        .result
        .unwrap();
    assert!(customer.has_account);
    let linked = env.auth.store().identity(&identity).await.unwrap();
    assert_eq!(linked.actor_id("customer"), Some(customer.id.clone()));
    assert_eq!(env.flow_events.names(), ["customer.created"]);
    env.flow_events.take();

    // Linking fails for an identity that has a customer already: the new
    // customer is undone and no event is released.
    let again = CreateCustomerAccount {
        email: Some("other@example.com".into()),
        ..input
    };
    let err = env
        .engine
        .run(&create_customer_account(), again)
        .await
        .result
        .unwrap_err();
    assert_eq!(err.failed_step(), Some("set-auth-app-metadata"));
    assert_eq!(err.error().kind(), ErrorKind::InvalidData);
    assert!(err.is_reverted(), "{err:?}");
    assert_eq!(env.live_customers("other@example.com").await, 0);
    assert!(env.flow_events.names().is_empty());
    // The first link is untouched.
    let linked = env.auth.store().identity(&identity).await.unwrap();
    assert_eq!(linked.actor_id("customer"), Some(customer.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn accept_invite_creates_and_links_or_undoes_everything() {
    let env = env().await;
    let invite = env
        .users
        .create_invite(CreateInviteInput {
            email: "new@example.com".into(),
            metadata: None,
        })
        .await
        .unwrap();

    // An identity that is already a user: the created user is deleted and
    // the invite reopened.
    let taken = env.identity("taken@example.com").await;
    env.auth
        .store()
        .link_actor(&taken, "user", "user_existing")
        .await
        .unwrap();
    let err = env
        .engine
        .run(
            &accept_invite(),
            AcceptInvite {
                invite_token: invite.token.clone(),
                auth_identity_id: taken,
                ..Default::default()
            },
        )
        .await
        .result
        .unwrap_err();
    assert_eq!(err.failed_step(), Some("set-auth-app-metadata"));
    assert!(err.is_reverted(), "{err:?}");
    let (users, _) = env
        .users
        .users()
        .list_and_count(&UserFilter::default(), &ListConfig::page(Page::default()))
        .await
        .unwrap();
    assert!(users.is_empty(), "{users:?}");
    let (open, _) = env
        .users
        .invites()
        .list_and_count(
            &InviteFilter {
                accepted: Some(FieldFilter::Eq(false)),
                ..Default::default()
            },
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!(open.len(), 1, "the invite is open again");
    assert!(env.flow_events.names().is_empty());

    // A fresh identity accepts it.
    let identity = env.identity("new@example.com").await;
    let user = env
        .engine
        .run(
            &accept_invite(),
            AcceptInvite {
                invite_token: invite.token.clone(),
                auth_identity_id: identity.clone(),
                first_name: Some("Nia".into()),
                ..Default::default()
            },
        )
        .await
        .result
        .unwrap();
    assert_eq!(user.email, "new@example.com");
    assert_eq!(user.first_name.as_deref(), Some("Nia"));
    let linked = env.auth.store().identity(&identity).await.unwrap();
    assert_eq!(linked.actor_id("user"), Some(user.id));
    assert_eq!(env.flow_events.names(), ["user.created", "invite.accepted"]);

    // A used token fails at the first step.
    let err = env
        .engine
        .run(
            &accept_invite(),
            AcceptInvite {
                invite_token: invite.token,
                auth_identity_id: env.identity("late@example.com").await,
                ..Default::default()
            },
        )
        .await
        .result
        .unwrap_err();
    assert_eq!(err.failed_step(), Some("accept-invite"));
    assert_eq!(err.error().kind(), ErrorKind::Unauthorized);
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_accounts_unlinks_or_puts_everything_back() {
    use stheno_core_flows::accounts::{remove_customer_account, remove_user_account};
    use stheno_customer::{AddressInput, CreateCustomerGroup};

    let env = env().await;
    // A customer with an address, a group and a linked identity.
    let identity = env.identity("c@example.com").await;
    let customer = env
        .engine
        .run(
            &create_customer_account(),
            CreateCustomerAccount {
                auth_identity_id: identity.clone(),
                email: Some("c@example.com".into()),
                ..Default::default()
            },
        )
        .await
        .result
        .unwrap();
    env.customers
        .create_address(&customer.id, AddressInput::default())
        .await
        .unwrap();
    let group = env
        .customers
        .customer_groups()
        .create_one(CreateCustomerGroup::new("VIP"))
        .await
        .unwrap();
    env.customers
        .update_group_customers(&group.id, std::slice::from_ref(&customer.id), &[], None)
        .await
        .unwrap();

    // Failing after both steps: the customer, its address, its group and
    // the identity's link are back.
    let err = env
        .engine
        .run(
            &remove_customer_account().then(crate::support::fail()),
            customer.id.clone(),
        )
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    assert_eq!(
        err.compensated(),
        ["remove-auth-app-metadata", "delete-customers"]
    );
    env.customers
        .customers()
        .retrieve(&customer.id)
        .await
        .unwrap();
    let (addresses, _) = env
        .customers
        .list_addresses(&customer.id, &Default::default(), Page::default(), &[])
        .await
        .unwrap();
    assert_eq!(addresses.len(), 1);
    let groups = env
        .customers
        .customer_group_ids(&customer.id)
        .await
        .unwrap();
    assert_eq!(groups, std::slice::from_ref(&group.id));
    let linked = env.auth.store().identity(&identity).await.unwrap();
    assert_eq!(linked.actor_id("customer"), Some(customer.id.clone()));

    // For real this time.
    env.flow_events.take();
    env.engine
        .run(&remove_customer_account(), customer.id.clone())
        .await
        .result
        .unwrap();
    assert_eq!(
        env.customers
            .customers()
            .retrieve(&customer.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let linked = env.auth.store().identity(&identity).await.unwrap();
    assert_eq!(linked.actor_id("customer"), None);
    assert_eq!(env.flow_events.names(), ["customer.deleted"]);

    // Users: the same, and an unknown id fails at once.
    let user = env
        .users
        .users()
        .create_one(stheno_user::CreateUser::new("u@example.com"))
        .await
        .unwrap();
    let uid = env.identity("u@example.com").await;
    env.auth
        .store()
        .link_actor(&uid, "user", &user.id)
        .await
        .unwrap();
    let err = env
        .engine
        .run(
            &remove_user_account().then(crate::support::fail()),
            user.id.clone(),
        )
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    env.users.users().retrieve(&user.id).await.unwrap();
    let linked = env.auth.store().identity(&uid).await.unwrap();
    assert_eq!(linked.actor_id("user"), Some(user.id.clone()));
    env.engine
        .run(&remove_user_account(), user.id.clone())
        .await
        .result
        .unwrap();
    assert_eq!(
        env.auth
            .store()
            .identity(&uid)
            .await
            .unwrap()
            .actor_id("user"),
        None
    );
    let err = env
        .engine
        .run(&remove_user_account(), "user_nope".to_string())
        .await
        .result
        .unwrap_err();
    assert_eq!(err.error().kind(), ErrorKind::NotFound);
}
