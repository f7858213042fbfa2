//! Integration tests of the API key module against a real PostgreSQL.

use std::sync::Arc;

use serde_json::{Value, json};
use stheno_api_key::{
    ApiKey, ApiKeyFilter, ApiKeyModule, ApiKeyType, ApiKeyUpdate, CreatedApiKey, NewApiKey,
    UpdateApiKey,
};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::entity::sql::{DynSql, record_expr};
use stheno_module_sdk::entity::{Bind, Entity, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::time::now;
use stheno_module_sdk::{ErrorKind, Module, ModuleContext};

struct Env {
    db: TestDb,
    keys: ApiKeyModule,
    bus: Arc<RecordingEventBus>,
}

async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let bus = Arc::new(RecordingEventBus::default());
    let ctx = ModuleContext::new("api_key", db.pool().clone(), Value::Null, bus.clone());
    let keys = ApiKeyModule::build(&ctx).await.expect("module");
    Env { db, keys, bus }
}

fn new_key(title: &str, kind: ApiKeyType) -> NewApiKey {
    NewApiKey {
        title: title.into(),
        r#type: kind,
        created_by: "user_1".into(),
    }
}

async fn create(env: &Env, title: &str, kind: ApiKeyType) -> CreatedApiKey {
    env.keys.create_api_key(new_key(title, kind)).await.unwrap()
}

/// One JSON value computed by `select` (an SQL expression over the row
/// `t` of `api_key` with this id), straight from the table.
async fn column(env: &Env, id: &str, select: &str) -> Value {
    let mut sql = DynSql::new(&format!(
        "SELECT coalesce(to_jsonb({select}), 'null'::jsonb) AS record FROM api_key t WHERE t.id = "
    ));
    sql.bind(Bind::Text(id.into()), "text");
    let mut conn = env.db.pool().get().await.unwrap();
    sql.load_json(&mut *conn).await.unwrap().pop().unwrap()
}

fn ids(keys: &[&CreatedApiKey]) -> Vec<String> {
    keys.iter().map(|k| k.api_key.id.clone()).collect()
}

#[test]
fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "api_key"));
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_created_with_their_tokens() {
    let env = env().await;
    let created = env
        .keys
        .create_api_keys(vec![
            new_key("Storefront", ApiKeyType::Publishable),
            new_key("ERP sync", ApiKeyType::Secret),
        ])
        .await
        .unwrap();
    let [publishable, secret] = &created[..] else {
        panic!("two keys: {created:?}")
    };
    for (key, prefix) in [(publishable, "pk_"), (secret, "sk_")] {
        let raw = &key.raw_token;
        let hex = raw.strip_prefix(prefix).expect("prefix");
        assert_eq!(hex.len(), 64, "{raw}");
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{raw}");
        assert!(key.api_key.id.starts_with("apk_"));
        assert_eq!(
            key.api_key.redacted,
            format!("{}***{}", &raw[..6], &raw[raw.len() - 3..])
        );
        assert_eq!(key.api_key.salt, "");
        assert_eq!(key.api_key.created_by, "user_1");
        assert_eq!(
            (key.api_key.revoked_at, key.api_key.last_used_at),
            (None, None)
        );
        // The raw token is in the create answer, the salt is not.
        let record = key.response_record().unwrap();
        assert_eq!(record["token"], json!(raw));
        assert!(record.get("salt").is_none());
        assert_eq!(record["id"], json!(key.api_key.id));
    }
    // Debug output never prints a secret token.
    assert!(!format!("{secret:?}").contains(secret.raw_token.as_str()));
    assert_eq!(publishable.api_key.title, "Storefront");
    assert_eq!(publishable.api_key.r#type, ApiKeyType::Publishable);
    assert_eq!(publishable.api_key.token, publishable.raw_token);
    assert_eq!(secret.api_key.r#type, ApiKeyType::Secret);
    assert_eq!(
        secret.api_key.token, "",
        "a secret key's record has no token"
    );

    // The table holds the SHA-256 digest of a secret key, never the key.
    let (sid, raw) = (&secret.api_key.id, &secret.raw_token);
    assert_eq!(column(&env, sid, "t.token").await, json!(""));
    let digest = column(&env, sid, "t.token_digest").await;
    let digest = digest.as_str().expect("a digest");
    assert_eq!(digest.len(), 64);
    assert_ne!(digest, raw);
    assert_eq!(
        column(
            &env,
            sid,
            &format!("encode(sha256(convert_to('{raw}', 'UTF8')), 'hex')")
        )
        .await,
        json!(digest)
    );
    assert_eq!(
        column(&env, &publishable.api_key.id, "t.token_digest").await,
        Value::Null
    );
    // No read shows the key or its digest: the service's records, their
    // serialisation, and Query's record of every column.
    let read = env.keys.api_keys().retrieve(sid).await.unwrap();
    assert_eq!(read.token, "");
    let query_record = column(&env, sid, &record_expr(<ApiKey as Entity>::META, "t")).await;
    for shown in [
        serde_json::to_string(&read).unwrap(),
        query_record.to_string(),
    ] {
        assert!(!shown.contains(raw.as_str()), "{shown}");
        assert!(!shown.contains(digest), "{shown}");
    }
    assert_eq!(query_record["type"], json!("secret"));
    assert_eq!(query_record["token"], json!(""));

    // The raw tokens work, each for its own kind only.
    let found = env.keys.authenticate_secret(raw).await.unwrap().unwrap();
    assert_eq!(&found.id, sid);
    assert_eq!(found.token, "");
    let found = env
        .keys
        .publishable_key(&publishable.raw_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, publishable.api_key.id);
    assert_eq!(env.keys.publishable_key(raw).await.unwrap(), None);
    assert_eq!(
        env.keys
            .authenticate_secret(&publishable.raw_token)
            .await
            .unwrap(),
        None
    );

    assert_eq!(
        env.bus
            .names()
            .iter()
            .filter(|n| *n == "api_key.api-key.created")
            .count(),
        2
    );
    // Unknown fields are refused.
    assert!(
        serde_json::from_value::<NewApiKey>(json!({
            "title": "t", "type": "secret", "created_by": "u", "token": "sk_mine"
        }))
        .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_are_listed_by_type_and_searched() {
    let env = env().await;
    create(&env, "Storefront EU", ApiKeyType::Publishable).await;
    let secret = create(&env, "Storefront backend", ApiKeyType::Secret).await;
    let filter: ApiKeyFilter =
        serde_json::from_value(json!({"type": "secret", "q": "storefront"})).unwrap();
    let rows = env
        .keys
        .api_keys()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
        [secret.api_key.id.as_str()]
    );
    // `q` also searches the redacted token.
    let filter: ApiKeyFilter =
        serde_json::from_value(json!({"q": &secret.api_key.redacted[..6]})).unwrap();
    let rows = env
        .keys
        .api_keys()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap();
    assert!(rows.iter().any(|k| k.id == secret.api_key.id));
}

#[tokio::test(flavor = "multi_thread")]
async fn revoking_now_or_later() {
    let env = env().await;
    let now_key = create(&env, "now", ApiKeyType::Secret).await;
    let later_key = create(&env, "later", ApiKeyType::Secret).await;

    let before = now();
    let revoked = env
        .keys
        .revoke(&ids(&[&now_key]), "user_2", None)
        .await
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].revoked_by.as_deref(), Some("user_2"));
    let at = revoked[0].revoked_at.expect("revoked_at");
    assert!(at >= before && at <= now(), "{at}");
    assert_eq!(
        env.keys
            .authenticate_secret(&now_key.raw_token)
            .await
            .unwrap(),
        None
    );

    // Revoked in an hour: still valid until then.
    let before = now();
    let revoked = env
        .keys
        .revoke(&ids(&[&later_key]), "user_2", Some(3600))
        .await
        .unwrap();
    let at = revoked[0].revoked_at.unwrap();
    let delay = chrono::Duration::seconds(3600);
    assert!(at >= before + delay && at <= now() + delay, "{at}");
    assert!(
        env.keys
            .authenticate_secret(&later_key.raw_token)
            .await
            .unwrap()
            .is_some()
    );
    // A pending revocation can be brought forward.
    env.keys
        .revoke(&ids(&[&later_key]), "user_3", None)
        .await
        .unwrap();
    assert_eq!(
        env.keys
            .authenticate_secret(&later_key.raw_token)
            .await
            .unwrap(),
        None
    );
    assert!(
        env.bus
            .names()
            .contains(&"api_key.api-key.updated".to_string())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_refusals_change_nothing() {
    let env = env().await;
    let revoked = create(&env, "old", ApiKeyType::Secret).await;
    let live = create(&env, "live", ApiKeyType::Secret).await;
    let publishable = create(&env, "pk", ApiKeyType::Publishable).await;
    env.keys
        .revoke(&ids(&[&revoked, &publishable]), "user_1", None)
        .await
        .unwrap();

    // A secret key cannot be revoked twice; nothing else in the call is
    // revoked either.
    let err = env
        .keys
        .revoke(&ids(&[&live, &revoked]), "user_2", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        err.message(),
        "There are 1 secret keys that are already revoked."
    );
    let still = env
        .keys
        .api_keys()
        .retrieve(&live.api_key.id)
        .await
        .unwrap();
    assert_eq!((still.revoked_at, still.revoked_by), (None, None));
    let old = env
        .keys
        .api_keys()
        .retrieve(&revoked.api_key.id)
        .await
        .unwrap();
    assert_eq!(old.revoked_by.as_deref(), Some("user_1"));

    // A publishable key may be revoked again.
    let again = env
        .keys
        .revoke(&ids(&[&publishable]), "user_2", None)
        .await
        .unwrap();
    assert_eq!(again[0].revoked_by.as_deref(), Some("user_2"));

    let err = env
        .keys
        .revoke(&["apk_nope".to_string()], "user_1", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "ApiKey with id: apk_nope was not found");

    let err = env.keys.revoke(&ids(&[&live]), "", None).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        err.message(),
        "You must provide a revoked_by field when revoking a key."
    );
    let err = env
        .keys
        .revoke(&ids(&[&live]), "user_1", Some(i64::MAX))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(
        env.keys
            .authenticate_secret(&live.raw_token)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn only_revoked_keys_are_deleted() {
    let env = env().await;
    let live = create(&env, "live", ApiKeyType::Publishable).await;
    let pending = create(&env, "pending", ApiKeyType::Secret).await;
    let done = create(&env, "done", ApiKeyType::Secret).await;
    env.keys
        .revoke(&ids(&[&pending]), "user_1", Some(600))
        .await
        .unwrap();
    env.keys
        .revoke(&ids(&[&done]), "user_1", None)
        .await
        .unwrap();

    let err = env
        .keys
        .delete_api_keys(&ids(&[&live, &pending, &done]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotAllowed);
    assert_eq!(
        err.message(),
        format!(
            "Cannot delete api keys that are not revoked - {}, {}",
            live.api_key.id, pending.api_key.id
        )
    );
    // Nothing was deleted.
    for key in [&live, &pending, &done] {
        env.keys.api_keys().retrieve(&key.api_key.id).await.unwrap();
    }

    let deleted = env.keys.delete_api_keys(&ids(&[&done])).await.unwrap();
    assert_eq!(deleted.get("api_key"), Some(&ids(&[&done])));
    let err = env
        .keys
        .api_keys()
        .retrieve_with(&done.api_key.id, true)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        env.bus
            .names()
            .contains(&"api_key.api-key.deleted".to_string())
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn publishable_keys_are_looked_up_by_token() {
    let env = env().await;
    let key = create(&env, "Storefront", ApiKeyType::Publishable).await;
    let token = key.raw_token.clone();

    let (found, statements) = QueryCounter::scope(env.keys.publishable_key(&token)).await;
    assert_eq!(found.unwrap().unwrap().id, key.api_key.id);
    assert_eq!(statements, 1);

    for unknown in [
        format!("pk_{}", "0".repeat(64)),
        "nope".to_string(),
        String::new(),
    ] {
        assert_eq!(env.keys.publishable_key(&unknown).await.unwrap(), None);
    }
    // Exactly the token: not a prefix, not another case.
    assert_eq!(env.keys.publishable_key(&token[..20]).await.unwrap(), None);
    assert_eq!(
        env.keys
            .publishable_key(&token.to_uppercase().replacen("PK_", "pk_", 1))
            .await
            .unwrap(),
        None
    );

    // Revoked later: still valid; revoked now: gone.
    let later = create(&env, "later", ApiKeyType::Publishable).await;
    env.keys
        .revoke(&ids(&[&later]), "user_1", Some(600))
        .await
        .unwrap();
    assert!(
        env.keys
            .publishable_key(&later.raw_token)
            .await
            .unwrap()
            .is_some()
    );
    env.keys
        .revoke(&ids(&[&key]), "user_1", None)
        .await
        .unwrap();
    assert_eq!(env.keys.publishable_key(&token).await.unwrap(), None);

    // A soft-deleted key is gone too.
    env.keys
        .api_keys()
        .soft_delete(&ids(&[&later]))
        .await
        .unwrap();
    assert_eq!(
        env.keys.publishable_key(&later.raw_token).await.unwrap(),
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn authenticating_a_secret_key_records_its_use() {
    let env = env().await;
    let key = create(&env, "ERP", ApiKeyType::Secret).await;
    let id = key.api_key.id.clone();

    let before = now();
    let (found, statements) =
        QueryCounter::scope(env.keys.authenticate_secret(&key.raw_token)).await;
    let found = found.unwrap().expect("the key");
    assert_eq!(statements, 1);
    assert_eq!(found.id, id);
    let used = found.last_used_at.expect("last_used_at set");
    assert!(used >= before && used <= now(), "{used}");
    let stored = env.keys.api_keys().retrieve(&id).await.unwrap();
    assert_eq!(stored.last_used_at, Some(used));
    assert_eq!(
        stored.updated_at, key.api_key.updated_at,
        "use is not an edit"
    );

    // Within a minute the stored time is kept (no write per request).
    let again = env
        .keys
        .authenticate_secret(&key.raw_token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.last_used_at, Some(used));

    // Older than a minute: refreshed.
    let long_ago = now() - chrono::Duration::minutes(5);
    env.keys
        .api_keys()
        .update(
            &id,
            UpdateApiKey {
                last_used_at: Some(Some(long_ago)),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let refreshed = env
        .keys
        .authenticate_secret(&key.raw_token)
        .await
        .unwrap()
        .unwrap();
    assert!(refreshed.last_used_at.unwrap() > used);

    // Wrong or malformed tokens find nothing.
    let mut wrong = key.raw_token.clone();
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(wrong.len() - 1.., last);
    for token in [
        wrong.as_str(),
        "sk_",
        "",
        "Basic sk_x",
        &key.api_key.redacted,
    ] {
        assert_eq!(
            env.keys.authenticate_secret(token).await.unwrap(),
            None,
            "{token}"
        );
    }
    // A soft-deleted key no longer authenticates.
    env.keys
        .api_keys()
        .soft_delete(std::slice::from_ref(&id))
        .await
        .unwrap();
    assert_eq!(
        env.keys.authenticate_secret(&key.raw_token).await.unwrap(),
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_change_only_the_title() {
    let env = env().await;
    let key = create(&env, "Old", ApiKeyType::Secret).await;
    // Other fields of a body are ignored, as Medusa ignores them.
    let input: ApiKeyUpdate = serde_json::from_value(json!({
        "title": "New", "type": "publishable", "token": "pk_mine", "revoked_at": "2020-01-01T00:00:00Z"
    }))
    .unwrap();
    let updated = env
        .keys
        .update_api_key(&key.api_key.id, input)
        .await
        .unwrap();
    assert_eq!(updated.title, "New");
    assert_eq!(updated.r#type, ApiKeyType::Secret);
    assert_eq!(updated.token, "");
    assert_eq!(updated.redacted, key.api_key.redacted);
    assert_eq!(updated.revoked_at, None);
    assert!(
        env.keys
            .authenticate_secret(&key.raw_token)
            .await
            .unwrap()
            .is_some(),
        "the key still works"
    );
    // The generated update input has no token, type, salt, redaction or
    // creator at all.
    for field in ["token", "type", "salt", "redacted", "created_by"] {
        assert!(
            serde_json::from_value::<UpdateApiKey>(json!({ field: "x" })).is_err(),
            "{field}"
        );
    }
    assert!(serde_json::from_value::<ApiKeyUpdate>(json!({"type": "secret"})).is_err());
    let err = env
        .keys
        .update_api_key("apk_nope", ApiKeyUpdate { title: "x".into() })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert!(
        env.bus
            .names()
            .contains(&"api_key.api-key.updated".to_string())
    );
}
