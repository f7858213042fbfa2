//! Integration tests of the auth module against a real PostgreSQL.

use std::time::Duration;

use serde_json::{Value, json};
use stheno_auth::emailpass::{EMAILPASS, verify_password};
use stheno_auth::{AuthModule, AuthOptions, AuthOutcome, AuthRequest};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::ErrorKind;

async fn env() -> (TestDb, AuthModule) {
    let db = TestDb::new().await.expect("test database");
    let auth = AuthModule::new(db.pool().clone(), AuthOptions::default()).unwrap();
    (db, auth)
}

fn req(body: Value) -> AuthRequest {
    AuthRequest {
        actor_type: "customer".into(),
        body,
        ..Default::default()
    }
}

fn identity(outcome: AuthOutcome) -> stheno_auth::AuthIdentity {
    match outcome {
        AuthOutcome::Authenticated(i) => i,
        other => panic!("expected an identity, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn emailpass_register_then_login() {
    let (_db, auth) = env().await;
    let creds = json!({"email": "a@example.com", "password": "secret-1"});
    let registered = identity(auth.register(EMAILPASS, &req(creds.clone())).await.unwrap());
    assert!(registered.id.starts_with("authid_"));
    assert!(!registered.is_linked());

    let logged_in = identity(auth.authenticate(EMAILPASS, &req(creds)).await.unwrap());
    assert_eq!(logged_in.id, registered.id);

    // The hash is argon2id and never serialised.
    let (_, provider) = auth
        .store()
        .retrieve(EMAILPASS, "a@example.com")
        .await
        .unwrap()
        .unwrap();
    let hash = provider.provider_metadata.as_ref().unwrap()["password"]
        .as_str()
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(
        serde_json::to_value(&provider)
            .unwrap()
            .get("provider_metadata")
            .is_none()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_do_not_reveal_whether_the_email_exists() {
    let (_db, auth) = env().await;
    auth.register(
        EMAILPASS,
        &req(json!({"email": "b@example.com", "password": "right"})),
    )
    .await
    .unwrap();
    let wrong_password = auth
        .authenticate(
            EMAILPASS,
            &req(json!({"email": "b@example.com", "password": "wrong"})),
        )
        .await
        .unwrap_err();
    let unknown_email = auth
        .authenticate(
            EMAILPASS,
            &req(json!({"email": "nobody@example.com", "password": "wrong"})),
        )
        .await
        .unwrap_err();
    for err in [&wrong_password, &unknown_email] {
        assert_eq!(err.kind(), ErrorKind::Unauthorized);
        assert_eq!(err.message(), "Invalid email or password");
    }
    let missing = auth
        .authenticate(EMAILPASS, &req(json!({"email": "b@example.com"})))
        .await
        .unwrap_err();
    assert_eq!(missing.message(), "Password should be a string");
    for body in [
        json!({"email": "", "password": "x"}),
        json!({"email": 5, "password": "x"}),
    ] {
        let err = auth.register(EMAILPASS, &req(body)).await.unwrap_err();
        assert_eq!(err.message(), "Email should be a string");
    }
    let err = auth
        .register(
            EMAILPASS,
            &req(json!({"email": "new@example.com", "password": ""})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.message(), "Password should be a string");
    let err = auth
        .update_provider(EMAILPASS, "b@example.com", &json!({"password": ""}))
        .await
        .unwrap_err();
    assert_eq!(err.message(), "Password should be a string");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_emails_cost_a_hash_verification_too() {
    // Same work: verifying against the dummy hash takes about as long as a
    // real verification (both are one argon2id run).
    let hash = stheno_auth::emailpass::hash_password("pw").await.unwrap();
    // The fastest of three runs each, so a busy machine does not decide.
    let (mut real, mut dummy) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        let t = std::time::Instant::now();
        assert!(!verify_password("nope", Some(&hash)).await);
        real = real.min(t.elapsed());
        let t = std::time::Instant::now();
        assert!(!verify_password("nope", None).await);
        dummy = dummy.min(t.elapsed());
    }
    assert!(
        dummy * 4 > real && real * 4 > dummy,
        "real {real:?} vs dummy {dummy:?}"
    );
    assert!(verify_password("pw", Some(&hash)).await);
    assert!(!verify_password("pw", Some("not a hash")).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn registering_again() {
    let (_db, auth) = env().await;
    let creds = json!({"email": "c@example.com", "password": "pw"});
    let first = identity(auth.register(EMAILPASS, &req(creds.clone())).await.unwrap());
    // Same password, not yet linked: same identity again (Medusa 2.21.2).
    let again = identity(auth.register(EMAILPASS, &req(creds.clone())).await.unwrap());
    assert_eq!(again.id, first.id);
    // Different password: refused.
    let err = auth
        .register(
            EMAILPASS,
            &req(json!({"email": "c@example.com", "password": "other"})),
        )
        .await
        .unwrap_err();
    assert_eq!(err.message(), "Identity with email already exists");
    // Once linked, even the same password is refused.
    auth.store()
        .link_actor(&first.id, "customer", "cus_1")
        .await
        .unwrap();
    let err = auth.register(EMAILPASS, &req(creds)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.message(), "Identity with email already exists");
}

#[tokio::test(flavor = "multi_thread")]
async fn linking_actors() {
    let (_db, auth) = env().await;
    let id = identity(
        auth.register(
            EMAILPASS,
            &req(json!({"email": "d@example.com", "password": "pw"})),
        )
        .await
        .unwrap(),
    )
    .id;
    let linked = auth
        .store()
        .link_actor(&id, "customer", "cus_1")
        .await
        .unwrap();
    assert_eq!(linked.actor_id("customer").as_deref(), Some("cus_1"));
    assert_eq!(linked.actor_id("user"), None);
    // A second customer cannot take the identity.
    let err = auth
        .store()
        .link_actor(&id, "customer", "cus_2")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    // The same identity can also be a user.
    let both = auth
        .store()
        .link_actor(&id, "user", "user_1")
        .await
        .unwrap();
    assert_eq!(
        both.app_metadata,
        Some(json!({"customer_id": "cus_1", "user_id": "user_1"}))
    );
    auth.store()
        .unlink_actor("customer", "cus_1")
        .await
        .unwrap();
    let left = auth.store().identity(&id).await.unwrap();
    assert_eq!(left.app_metadata, Some(json!({"user_id": "user_1"})));
    let err = auth
        .store()
        .link_actor("authid_nope", "user", "u")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn password_update_replaces_the_hash() {
    let (_db, auth) = env().await;
    auth.register(
        EMAILPASS,
        &req(json!({"email": "e@example.com", "password": "old"})),
    )
    .await
    .unwrap();
    auth.update_provider(EMAILPASS, "e@example.com", &json!({"password": "new"}))
        .await
        .unwrap();
    assert!(
        auth.authenticate(
            EMAILPASS,
            &req(json!({"email": "e@example.com", "password": "old"}))
        )
        .await
        .is_err()
    );
    assert!(
        auth.authenticate(
            EMAILPASS,
            &req(json!({"email": "e@example.com", "password": "new"}))
        )
        .await
        .is_ok()
    );
    let err = auth
        .update_provider(EMAILPASS, "nobody@example.com", &json!({"password": "x"}))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[tokio::test(flavor = "multi_thread")]
async fn one_time_values_are_single_use_and_expire() {
    let (_db, auth) = env().await;
    let store = auth.store();
    store
        .issue_one_time("reset", "jti-1", json!({"x": 1}), Duration::from_secs(60))
        .await
        .unwrap();
    assert_eq!(
        store.consume_one_time("other", "jti-1").await.unwrap(),
        None
    );
    assert_eq!(
        store.consume_one_time("reset", "jti-1").await.unwrap(),
        Some(json!({"x": 1}))
    );
    assert_eq!(
        store.consume_one_time("reset", "jti-1").await.unwrap(),
        None
    );

    store
        .issue_one_time("reset", "jti-2", json!({}), Duration::from_millis(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        store.consume_one_time("reset", "jti-2").await.unwrap(),
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn providers_and_options() {
    let (db, auth) = env().await;
    let ids: Vec<&str> = auth.providers().map(|p| p.id()).collect();
    assert_eq!(ids, ["emailpass"], "github is off without options");
    let err = auth
        .authenticate("nope", &req(json!({})))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(
        err.message(),
        "Unable to retrieve the auth provider with id: nope"
    );

    let options: AuthOptions = serde_json::from_value(json!({"providers": {"github": {
        "client_id": "id", "client_secret": "s", "callback_url": "http://cb"
    }}}))
    .unwrap();
    let with_github = AuthModule::new(db.pool().clone(), options).unwrap();
    let ids: Vec<&str> = with_github.providers().map(|p| p.id()).collect();
    assert_eq!(ids, ["emailpass", "github"]);

    let options: AuthOptions = serde_json::from_value(json!({"providers": {"saml": {}}})).unwrap();
    let err = AuthModule::new(db.pool().clone(), options).unwrap_err();
    assert!(err.message().contains("`saml`"), "{}", err.message());
}

#[test]
fn registrations_are_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "auth"));
    let ids: Vec<&str> = stheno_auth::registered_providers().map(|p| p.id).collect();
    assert!(
        ids.contains(&"emailpass") && ids.contains(&"github"),
        "{ids:?}"
    );
}
