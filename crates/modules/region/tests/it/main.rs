//! The region module against a real PostgreSQL: seeded countries and the
//! rule that a country belongs to at most one region.

use std::sync::Arc;

use serde_json::json;
use stheno_framework::testing::TestDb;
use stheno_module_sdk::entity::ListConfig;
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::{ErrorKind, Module, ModuleContext};
use stheno_region::{CountryFilter, NewRegion, RegionChange, RegionModule};

async fn env() -> (TestDb, RegionModule) {
    let db = TestDb::new().await.expect("test database");
    let ctx = ModuleContext::new(
        "region",
        db.pool().clone(),
        json!({}),
        Arc::new(RecordingEventBus::default()),
    );
    (db, RegionModule::build(&ctx).await.unwrap())
}

fn region(name: &str, currency: &str, countries: &[&str]) -> NewRegion {
    serde_json::from_value(json!({
        "name": name, "currency_code": currency, "countries": countries
    }))
    .unwrap()
}

async fn owned(m: &RegionModule, region: &str) -> Vec<String> {
    let filter: CountryFilter = serde_json::from_value(json!({"region_id": region})).unwrap();
    let mut codes: Vec<String> = m
        .countries()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.iso_2)
        .collect();
    codes.sort();
    codes
}

#[tokio::test(flavor = "multi_thread")]
async fn countries_are_seeded() {
    let (_db, m) = env().await;
    let dk = m.countries().retrieve("dk").await.unwrap();
    assert_eq!(
        (
            dk.iso_3.as_str(),
            dk.num_code.as_str(),
            dk.name.as_str(),
            dk.display_name.as_str()
        ),
        ("dnk", "208", "DENMARK", "Denmark")
    );
    assert_eq!(dk.region_id, None);
    let (_, count) = m
        .countries()
        .list_and_count(&CountryFilter::default(), &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(count, 249);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_region_takes_its_countries() {
    let (_db, m) = env().await;
    let created = m
        .create_regions(vec![
            region("Europe", "eur", &["DK", "se"]),
            region("US", "usd", &["us"]),
        ])
        .await
        .unwrap();
    assert!(created[0].id.starts_with("reg_"));
    assert!(created[0].automatic_taxes);
    assert_eq!(owned(&m, &created[0].id).await, ["dk", "se"]);
    assert_eq!(owned(&m, &created[1].id).await, ["us"]);

    // A country already owned, an unknown one, one listed twice: refused,
    // and nothing is created.
    let err = m
        .create_regions(vec![region("Nordics", "dkk", &["dk"])])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(
        err.message(),
        "Countries with codes: \"dk\" are already assigned to a region"
    );
    let err = m
        .create_regions(vec![region("Nowhere", "eur", &["xx", "zz"])])
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Countries with codes: \"xx\", \"zz\" do not exist"
    );
    let err = m
        .create_regions(vec![
            region("A", "eur", &["fi"]),
            region("B", "eur", &["FI"]),
        ])
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Countries with codes: \"fi\" are listed more than once"
    );
    let (_, count) = m
        .regions()
        .list_and_count(&Default::default(), &ListConfig::default())
        .await
        .unwrap();
    assert_eq!(count, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_replaces_the_set_and_a_delete_releases_it() {
    let (_db, m) = env().await;
    let eu = m
        .create_regions(vec![region("Europe", "eur", &["dk", "se"])])
        .await
        .unwrap()
        .remove(0);
    let change: RegionChange = serde_json::from_value(json!({
        "id": eu.id, "name": "EU", "countries": ["se", "de"]
    }))
    .unwrap();
    let updated = m.update_regions(vec![change]).await.unwrap().remove(0);
    assert_eq!(updated.name, "EU");
    assert_eq!(owned(&m, &eu.id).await, ["de", "se"]);
    assert_eq!(m.countries().retrieve("dk").await.unwrap().region_id, None);

    let unknown: RegionChange = serde_json::from_value(json!({"id": "reg_nope"})).unwrap();
    let err = m.update_regions(vec![unknown]).await.unwrap_err();
    assert_eq!(err.message(), "Region with id: reg_nope was not found");

    m.soft_delete_regions(std::slice::from_ref(&eu.id))
        .await
        .unwrap();
    assert_eq!(m.countries().retrieve("se").await.unwrap().region_id, None);
    m.regions()
        .restore(std::slice::from_ref(&eu.id))
        .await
        .unwrap();
    assert!(owned(&m, &eu.id).await.is_empty());
    // The released countries can go to another region.
    m.create_regions(vec![region("Sweden", "sek", &["se"])])
        .await
        .unwrap();
}
