//! Integration tests of the user module against a real PostgreSQL.

use std::sync::Arc;

use serde_json::json;
use stheno_framework::testing::TestDb;
use stheno_module_sdk::ErrorKind;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::list::{OrderBy, Page};
use stheno_user::{
    CreateInviteInput, CreateUser, InviteFilter, UpdateUser, UserFilter, UserModule, UserOptions,
};

async fn env(options: UserOptions) -> (TestDb, UserModule, Arc<RecordingEventBus>) {
    let db = TestDb::new().await.expect("test database");
    let bus = Arc::new(RecordingEventBus::default());
    let users = UserModule::new(db.pool().clone(), bus.clone(), options);
    (db, users, bus)
}

#[test]
fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "user"));
}

#[tokio::test(flavor = "multi_thread")]
async fn users_crud() {
    let (_db, users, bus) = env(UserOptions::default()).await;
    let mut input = CreateUser::new("admin@example.com");
    input.first_name = Some("Ada".into());
    let created = users
        .users()
        .create(vec![input.clone(), CreateUser::new("b@example.com")])
        .await
        .unwrap();
    assert!(created[0].id.starts_with("user_"));
    assert_eq!(created[0].first_name.as_deref(), Some("Ada"));

    let err = users.users().create(vec![input]).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        err.message(),
        "User with email: admin@example.com, already exists."
    );

    let (page, count) = users
        .users()
        .list_and_count(
            &UserFilter {
                q: Some("ADMIN".into()),
                ..Default::default()
            },
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!((page.len(), count), (1, 1));
    let (page, _) = users
        .users()
        .list_and_count(
            &UserFilter::default(),
            &ListConfig::page(Page::default()).ordered(vec![OrderBy::desc("email")]),
        )
        .await
        .unwrap();
    assert_eq!(page[0].email, "b@example.com");
    let err = users
        .users()
        .list_and_count(
            &UserFilter::default(),
            &ListConfig::page(Page::default()).ordered(vec![OrderBy::asc("password")]),
        )
        .await
        .unwrap_err();
    assert_eq!(err.message(), "Order field password is not valid");

    let id = created[0].id.clone();
    let updated = users
        .users()
        .update(
            &id,
            serde_json::from_value::<UpdateUser>(json!({"first_name": null, "last_name": "L"}))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(updated.first_name, None);
    assert_eq!(updated.last_name.as_deref(), Some("L"));

    users
        .users()
        .soft_delete(std::slice::from_ref(&id))
        .await
        .unwrap();
    let err = users.users().retrieve(&id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), format!("User with id: {id} was not found"));
    let err = users
        .users()
        .update(&id, UpdateUser::default())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    // The email is free again.
    users
        .users()
        .create(vec![CreateUser::new("admin@example.com")])
        .await
        .unwrap();
    let names = bus.names();
    assert!(names.contains(&"user.user.created".to_string()));
    assert!(names.contains(&"user.user.deleted".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn invites_are_accepted_once_and_expire() {
    let (_db, users, _bus) = env(UserOptions::default()).await;
    let invite = users
        .create_invite(CreateInviteInput {
            email: "new@example.com".into(),
            metadata: None,
        })
        .await
        .unwrap();
    assert!(invite.id.starts_with("invite_"));
    assert!(!invite.accepted);
    assert!(invite.token.len() >= 43);
    let err = users
        .create_invite(CreateInviteInput {
            email: "new@example.com".into(),
            metadata: None,
        })
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Invite with email: new@example.com, already exists."
    );

    let resent = users.refresh_invite_token(&invite.id).await.unwrap();
    assert_ne!(resent.token, invite.token);
    // The old token no longer works; the new one works once.
    assert_eq!(
        users.accept_invite(&invite.token).await.unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
    let accepted = users.accept_invite(&resent.token).await.unwrap();
    assert!(accepted.accepted);
    assert_eq!(
        users.accept_invite(&resent.token).await.unwrap_err().kind(),
        ErrorKind::Unauthorized
    );

    let (list, count) = users
        .invites()
        .list_and_count(
            &InviteFilter {
                accepted: Some(FieldFilter::Eq(true)),
                ..Default::default()
            },
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!((list.len(), count), (1, 1));
    users
        .invites()
        .soft_delete(std::slice::from_ref(&invite.id))
        .await
        .unwrap();
    assert_eq!(
        users
            .invites()
            .retrieve(&invite.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        users
            .refresh_invite_token("invite_nope")
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    // An expired invite cannot be accepted.
    let (_db2, short, _) = env(UserOptions { valid_duration: 1 }).await;
    let invite = short
        .create_invite(CreateInviteInput {
            email: "late@example.com".into(),
            metadata: None,
        })
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    assert_eq!(
        short.accept_invite(&invite.token).await.unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
}
