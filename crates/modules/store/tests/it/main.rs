//! The store module against a real PostgreSQL: supported currencies and
//! locales replaced as sets, with Medusa's default-currency rule.

use std::sync::Arc;

use serde_json::json;
use stheno_framework::testing::TestDb;
use stheno_module_sdk::entity::ListConfig;
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::{ErrorKind, Module, ModuleContext};
use stheno_store::{NewStore, StoreChange, StoreCurrencyFilter, StoreModule};

async fn env() -> (TestDb, StoreModule) {
    let db = TestDb::new().await.expect("test database");
    let ctx = ModuleContext::new(
        "store",
        db.pool().clone(),
        json!({}),
        Arc::new(RecordingEventBus::default()),
    );
    (db, StoreModule::build(&ctx).await.unwrap())
}

async fn currencies(m: &StoreModule, store: &str) -> Vec<(String, bool)> {
    let filter: StoreCurrencyFilter = serde_json::from_value(json!({"store_id": store})).unwrap();
    let mut out: Vec<(String, bool)> = m
        .store_currencies()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.currency_code, c.is_default))
        .collect();
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_has_one_default_currency() {
    let (_db, m) = env().await;
    let input: NewStore = serde_json::from_value(json!({
        "supported_currencies": [
            {"currency_code": "EUR", "is_default": true},
            {"currency_code": "usd"}
        ],
        "supported_locales": [{"locale_code": "en-US"}]
    }))
    .unwrap();
    let store = m.create_stores(vec![input]).await.unwrap().remove(0);
    assert_eq!(store.name, "Medusa Store");
    assert_eq!(
        currencies(&m, &store.id).await,
        [("eur".to_string(), true), ("usd".to_string(), false)]
    );

    for (body, message) in [
        (
            json!([{"currency_code": "eur"}]),
            "There should be a default currency set for the store",
        ),
        (
            json!([{"currency_code": "eur", "is_default": true}, {"currency_code": "EUR"}]),
            "Duplicate currency codes: eur",
        ),
        (
            json!([{"currency_code": "eur", "is_default": true}, {"currency_code": "usd", "is_default": true}]),
            "Only one default currency is allowed",
        ),
    ] {
        let change: StoreChange =
            serde_json::from_value(json!({"id": store.id, "supported_currencies": body})).unwrap();
        let err = m.update_stores(vec![change]).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert_eq!(err.message(), message);
    }
    // Refused changes left the set as it was.
    assert_eq!(currencies(&m, &store.id).await.len(), 2);

    let change: StoreChange = serde_json::from_value(json!({
        "id": store.id, "name": "Shop",
        "supported_currencies": [{"currency_code": "dkk", "is_default": true}]
    }))
    .unwrap();
    let updated = m.update_stores(vec![change]).await.unwrap().remove(0);
    assert_eq!(updated.name, "Shop");
    assert_eq!(currencies(&m, &store.id).await, [("dkk".to_string(), true)]);

    // Soft delete takes the currencies along.
    m.stores()
        .soft_delete(std::slice::from_ref(&store.id))
        .await
        .unwrap();
    assert!(currencies(&m, &store.id).await.is_empty());
}
