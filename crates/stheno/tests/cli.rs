//! `user create` end to end: the command creates an admin whose email and
//! password log in as that user.

use serde_json::json;
use stheno::App;
use stheno::auth::emailpass::EMAILPASS;
use stheno::auth::{AuthModule, AuthOutcome, AuthRequest};
use stheno::framework::cli::{Command, UserCommand};
use stheno::framework::testing::TestDb;
use stheno::user::{UserFilter, UserModule};

fn create(email: &str, password: &str) -> Command {
    Command::User(UserCommand::Create {
        email: email.into(),
        password: password.into(),
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn user_create_makes_an_admin_who_can_log_in() {
    let db = TestDb::new().await.unwrap();
    App::new(db.config())
        .with_default_modules()
        .execute(&create("first@example.com", "correct horse"))
        .await
        .unwrap();

    let container = App::new(db.config())
        .with_default_modules()
        .build()
        .await
        .unwrap();
    let (users, count) = container
        .require::<UserModule>()
        .unwrap()
        .users()
        .list_and_count(&UserFilter::default(), &Default::default())
        .await
        .unwrap();
    assert_eq!(count, 1);
    assert_eq!(users[0].email, "first@example.com");
    let req = AuthRequest {
        actor_type: "user".into(),
        body: json!({"email": "first@example.com", "password": "correct horse"}),
        ..Default::default()
    };
    let auth = container.require::<AuthModule>().unwrap();
    let AuthOutcome::Authenticated(identity) = auth.authenticate(EMAILPASS, &req).await.unwrap()
    else {
        panic!("expected an identity")
    };
    assert_eq!(identity.actor_id("user"), Some(users[0].id.clone()));

    // Running it again fails and names the problem; bad input is refused.
    for (cmd, expected) in [
        (create("first@example.com", "correct horse"), "already"),
        (create("not-an-email", "pw"), "not an email address"),
        (create("second@example.com", ""), "must not be empty"),
    ] {
        let err = App::new(db.config())
            .with_default_modules()
            .execute(&cmd)
            .await
            .unwrap_err();
        assert!(format!("{err:#}").contains(expected), "{err:#}");
    }
}
