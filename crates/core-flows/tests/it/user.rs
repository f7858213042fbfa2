//! User and invite workflows, undone by a failing step after them.

use std::sync::Arc;

use serde_json::json;
use stheno_core_flows::user::{
    UserUpdate, create_invites, delete_invites, refresh_invite_tokens, update_users,
};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::ErrorKind;
use stheno_module_sdk::entity::ListConfig;
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::list::Page;
use stheno_module_sdk::services::Services;
use stheno_user::{CreateInviteInput, CreateUser, InviteFilter, UserModule};
use stheno_workflow_sdk::WorkflowEngine;

use crate::support::fail;

#[tokio::test(flavor = "multi_thread")]
async fn users_and_invites_are_put_back() {
    let db = TestDb::new().await.expect("test database");
    let m = Arc::new(UserModule::new(
        db.pool().clone(),
        Arc::new(RecordingEventBus::default()),
        Default::default(),
    ));
    let engine = WorkflowEngine::new(Arc::new(RecordingEventBus::default()))
        .with_services(Services::builder().with(m.clone()).build());

    let mut input = CreateUser::new("a@example.com");
    input.first_name = Some("Ada".into());
    let user = m.users().create_one(input).await.unwrap();
    let update = UserUpdate {
        id: user.id.clone(),
        update: serde_json::from_value(json!({"first_name": null, "last_name": "L"})).unwrap(),
    };
    let err = engine
        .run(&update_users().then(fail()), update.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    let back = m.users().retrieve(&user.id).await.unwrap();
    assert_eq!(back.first_name.as_deref(), Some("Ada"));
    assert_eq!(back.last_name, None);
    let updated = engine.run(&update_users(), update).await.result.unwrap();
    assert_eq!(updated.first_name, None);
    assert_eq!(updated.last_name.as_deref(), Some("L"));

    let invite_input = CreateInviteInput {
        email: "new@example.com".into(),
        metadata: None,
    };
    let err = engine
        .run(&create_invites().then(fail()), invite_input.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    let (_, count) = m
        .invites()
        .list_and_count(&InviteFilter::default(), &ListConfig::page(Page::default()))
        .await
        .unwrap();
    assert_eq!(count, 0);
    let invite = engine
        .run(&create_invites(), invite_input)
        .await
        .result
        .unwrap();

    // Workflow outputs carry timestamps at millisecond precision (the wire
    // format); compare with the stored row.
    let stored = m.invites().retrieve(&invite.id).await.unwrap();
    let err = engine
        .run(&refresh_invite_tokens().then(fail()), invite.id.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    let back = m.invites().retrieve(&invite.id).await.unwrap();
    assert_eq!(back.token, stored.token);
    assert_eq!(back.expires_at, stored.expires_at);

    let err = engine
        .run(&delete_invites().then(fail()), invite.id.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    m.invites().retrieve(&invite.id).await.unwrap();
    engine
        .run(&delete_invites(), invite.id.clone())
        .await
        .result
        .unwrap();
    let err = engine
        .run(&delete_invites(), invite.id.clone())
        .await
        .result
        .unwrap_err();
    assert_eq!(err.error().kind(), ErrorKind::NotFound);
}
