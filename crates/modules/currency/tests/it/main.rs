//! The currency module against a real PostgreSQL: the seeded currencies
//! and reads by code.

use std::sync::Arc;

use serde_json::json;
use stheno_currency::{CurrencyFilter, CurrencyModule};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::{ErrorKind, Module, ModuleContext};

async fn env() -> (TestDb, CurrencyModule) {
    let db = TestDb::new().await.expect("test database");
    let ctx = ModuleContext::new(
        "currency",
        db.pool().clone(),
        json!({}),
        Arc::new(RecordingEventBus::default()),
    );
    let module = CurrencyModule::build(&ctx).await.unwrap();
    (db, module)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_migration_seeds_iso_currencies() {
    let (_db, m) = env().await;
    let (rows, count) = m
        .currencies()
        .list_and_count(&CurrencyFilter::default(), &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(count, 120);
    assert_eq!(rows.len(), 120);
    let eur = m.currencies().retrieve("eur").await.unwrap();
    assert_eq!(
        (
            eur.symbol.as_str(),
            eur.symbol_native.as_str(),
            eur.name.as_str(),
            eur.decimal_digits
        ),
        ("€", "€", "Euro", 2)
    );
    let jpy = m.currencies().retrieve("jpy").await.unwrap();
    assert_eq!(jpy.decimal_digits, 0);
    let chf = m.currencies().retrieve("chf").await.unwrap();
    assert_eq!(chf.rounding.0.to_string(), "0.05");
    assert_eq!(
        chf.raw_rounding,
        Some(json!({"value": "0.05", "precision": 20}))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn currencies_are_read_by_code_and_searched() {
    let (_db, m) = env().await;
    let err = m.currencies().retrieve("xyz").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(err.message(), "Currency with code: xyz was not found");

    let filter = CurrencyFilter {
        code: Some(FieldFilter::In(vec!["usd".into(), "eur".into()])),
        ..Default::default()
    };
    let mut codes: Vec<String> = m
        .currencies()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.code)
        .collect();
    codes.sort();
    assert_eq!(codes, ["eur", "usd"]);

    let filter = CurrencyFilter {
        q: Some("krone".into()),
        ..Default::default()
    };
    let mut codes: Vec<String> = m
        .currencies()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.code)
        .collect();
    codes.sort();
    assert_eq!(codes, ["dkk", "nok"]);
}
