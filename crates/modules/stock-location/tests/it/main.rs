//! Integration tests of the stock-location module against a real
//! PostgreSQL.

use std::sync::Arc;

use serde_json::{Value, json};
use stheno_framework::Query;
use stheno_framework::testing::TestDb;
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::entity::ListConfig;
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::graph::{FieldsConfig, QueryContext, Selection};
use stheno_module_sdk::{ErrorKind, Module, ModuleContext};
use stheno_stock_location::{
    CreateStockLocationInput, StockLocationModule, UpdateStockLocationInput,
};

struct Env {
    _db: TestDb,
    m: Arc<StockLocationModule>,
    events: Arc<RecordingEventBus>,
}

async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let events = Arc::new(RecordingEventBus::default());
    let ctx = ModuleContext::new(
        "stock_location",
        db.pool().clone(),
        Value::Null,
        events.clone(),
    );
    let m = Arc::new(StockLocationModule::build(&ctx).await.expect("module"));
    Env { _db: db, m, events }
}

fn location(value: Value) -> CreateStockLocationInput {
    serde_json::from_value(value).expect("a valid create input")
}

fn changes(value: Value) -> UpdateStockLocationInput {
    serde_json::from_value(value).expect("a valid update input")
}

/// `stock_location` records with `fields`, through Query over the
/// module's generated sources, and the statements it took.
async fn graph(m: &Arc<StockLocationModule>, fields: &str) -> (Vec<Value>, u64) {
    let query = Query::new(m.entity_sources());
    let config = FieldsConfig {
        defaults: &["id", "name", "address_id"],
        allowed: None,
        max_depth: None,
    };
    let selection = Selection::from_fields(config, Some(fields)).unwrap();
    let (out, n) = QueryCounter::scope(query.graph(
        "stock_location",
        &selection,
        json!({}),
        &ListConfig::default(),
        QueryContext::ADMIN,
    ))
    .await;
    let (records, _) = out.unwrap();
    (records.into_iter().map(Value::Object).collect(), n)
}

#[test]
fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "stock_location"));
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_a_nested_address() {
    let Env { _db, m, events } = env().await;
    let created = m
        .create_stock_locations(vec![
            location(json!({
                "name": "Copenhagen",
                "address": {"address_1": "Vesterbrogade 1", "city": "Copenhagen", "country_code": "dk"},
                "metadata": {"floor": 2}
            })),
            location(json!({"name": "Virtual"})),
        ])
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    let (cph, virtual_) = (&created[0], &created[1]);
    assert!(cph.id.starts_with("sloc_"));
    assert_eq!(cph.name, "Copenhagen");
    assert_eq!(cph.metadata, Some(json!({"floor": 2})));
    assert_eq!(virtual_.address_id, None);
    let address_id = cph.address_id.clone().expect("an address");
    assert!(address_id.starts_with("laddr_"));
    let address = m
        .stock_location_addresses()
        .retrieve(&address_id)
        .await
        .unwrap();
    assert_eq!(address.address_1, "Vesterbrogade 1");
    assert_eq!(address.city.as_deref(), Some("Copenhagen"));
    assert_eq!(address.country_code, "dk");
    let mut names = events.names();
    names.sort();
    assert_eq!(
        names,
        [
            "stock_location.stock-location-address.created",
            "stock_location.stock-location.created",
            "stock_location.stock-location.created",
        ]
    );

    // An existing address by id; a second location cannot share it.
    let other = m
        .create_stock_location(location(
            json!({"name": "Aarhus", "address_id": address_id}),
        ))
        .await
        .unwrap_err();
    assert_eq!(other.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        other.message(),
        format!("Stock location with address_id: {address_id}, already exists.")
    );
    let err = m
        .create_stock_location(location(json!({"name": "X", "address_id": "laddr_nope"})))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "StockLocationAddress with id: laddr_nope was not found"
    );
    let err = m
        .create_stock_location(location(json!({
            "name": "X", "address_id": address_id,
            "address": {"address_1": "a", "country_code": "dk"}
        })))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);

    // A failed batch leaves nothing behind: the address of its first
    // location is rolled back with it.
    let before = m
        .stock_location_addresses()
        .list(&Default::default(), &ListConfig::default())
        .await
        .unwrap()
        .len();
    let err = m
        .create_stock_locations(vec![
            location(json!({"name": "Y", "address": {"address_1": "b", "country_code": "se"}})),
            location(json!({"name": "Z", "address_id": "laddr_nope"})),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let after = m
        .stock_location_addresses()
        .list(&Default::default(), &ListConfig::default())
        .await
        .unwrap()
        .len();
    assert_eq!(before, after);
    assert!(
        serde_json::from_value::<CreateStockLocationInput>(json!({"name": "x", "foo": 1})).is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_changes_or_creates_the_address() {
    let Env { _db, m, events } = env().await;
    let with = m
        .create_stock_location(location(json!({
            "name": "Main",
            "address": {"address_1": "Old street 1", "city": "Malmö", "country_code": "se", "phone": "123"}
        })))
        .await
        .unwrap();
    let without = m
        .create_stock_location(location(json!({"name": "Bare"})))
        .await
        .unwrap();
    events.take();

    let updated = m
        .update_stock_locations(vec![
            (
                with.id.clone(),
                changes(json!({"name": "Main warehouse", "address": {"address_1": "New street 2", "phone": null}})),
            ),
            (
                without.id.clone(),
                changes(json!({"address": {"address_1": "Fresh 3", "country_code": "no", "city": "Oslo"}})),
            ),
        ])
        .await
        .unwrap();
    assert_eq!(updated[0].name, "Main warehouse");
    assert_eq!(updated[0].address_id, with.address_id, "same address row");
    let address = m
        .stock_location_addresses()
        .retrieve(with.address_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(address.address_1, "New street 2");
    assert_eq!(address.city.as_deref(), Some("Malmö"), "kept");
    assert_eq!(address.phone, None, "cleared");
    assert_eq!(updated[1].name, "Bare");
    let fresh = m
        .stock_location_addresses()
        .retrieve(updated[1].address_id.as_deref().expect("a new address"))
        .await
        .unwrap();
    assert_eq!(
        (fresh.address_1.as_str(), fresh.country_code.as_str()),
        ("Fresh 3", "no")
    );
    let mut names = events.names();
    names.sort();
    assert_eq!(
        names,
        [
            "stock_location.stock-location-address.created",
            "stock_location.stock-location-address.updated",
            "stock_location.stock-location.updated",
            "stock_location.stock-location.updated",
        ]
    );

    // A new address needs its required fields.
    let bare = m
        .create_stock_location(location(json!({"name": "Bare 2"})))
        .await
        .unwrap();
    let err = m
        .update_stock_location(&bare.id, changes(json!({"address": {"city": "Oslo"}})))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert!(err.message().contains("address_1"), "{}", err.message());

    // An unknown id fails the batch; the other location is unchanged.
    let err = m
        .update_stock_locations(vec![
            (with.id.clone(), changes(json!({"name": "Renamed"}))),
            ("sloc_nope".into(), changes(json!({"name": "Nope"}))),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "StockLocation with id: sloc_nope was not found"
    );
    assert_eq!(
        m.stock_locations().retrieve(&with.id).await.unwrap().name,
        "Main warehouse"
    );

    // Detaching the address by `address_id: null`.
    let detached = m
        .update_stock_location(&with.id, changes(json!({"address_id": null})))
        .await
        .unwrap();
    assert_eq!(detached.address_id, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn query_reads_the_address_in_one_statement_per_level() {
    let Env { _db, m, .. } = env().await;
    m.create_stock_location(location(json!({
        "name": "A", "address": {"address_1": "A street", "country_code": "dk", "city": "Odense"}
    })))
    .await
    .unwrap();
    let (one, n_one) = graph(&m, "*address").await;
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["address"]["address_1"], "A street");
    assert_eq!(one[0]["address"]["city"], "Odense");
    assert!(
        one[0]["address"]["id"]
            .as_str()
            .unwrap()
            .starts_with("laddr_")
    );

    let more: Vec<CreateStockLocationInput> = (0..20)
        .map(|i| {
            location(json!({
                "name": format!("L{i}"),
                "address": {"address_1": format!("{i} street"), "country_code": "dk"}
            }))
        })
        .collect();
    m.create_stock_locations(more).await.unwrap();
    m.create_stock_location(location(json!({"name": "No address"})))
        .await
        .unwrap();
    let (many, n_many) = graph(&m, "*address").await;
    assert_eq!(many.len(), 22);
    assert_eq!(n_one, n_many, "the same statements for 1 and 22 locations");
    let bare = many.iter().find(|r| r["name"] == "No address").unwrap();
    assert_eq!(bare["address"], Value::Null);

    // Deleting the address deletes its location, as in Medusa.
    let a = many.iter().find(|r| r["name"] == "A").unwrap();
    let address_id = a["address_id"].as_str().unwrap().to_string();
    let deleted = m
        .stock_location_addresses()
        .soft_delete(&[address_id])
        .await
        .unwrap();
    assert_eq!(deleted["stock_location"].len(), 1);
    let (left, _) = graph(&m, "name").await;
    assert_eq!(left.len(), 21);
}
