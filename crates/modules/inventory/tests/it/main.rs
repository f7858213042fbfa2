//! Integration tests of the inventory module against a real PostgreSQL.

use std::str::FromStr;
use std::sync::Arc;

use serde_json::{Value, json};
use stheno_framework::testing::TestDb;
use stheno_inventory::{
    CreateInventoryItemInput, CreateInventoryLevelInput, CreateReservationItem, InventoryItem,
    InventoryLevel, InventoryLevelFilter, InventoryModule, UpdateInventoryLevelInput,
    UpdateReservationInput, insufficient_inventory,
};
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::graph::{QueryContext, Record, to_record};
use stheno_module_sdk::money::{Amount, Decimal};
use stheno_module_sdk::{Error, ErrorKind, Module, ModuleContext};

struct Env {
    _db: TestDb,
    m: Arc<InventoryModule>,
    events: Arc<RecordingEventBus>,
}

async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let events = Arc::new(RecordingEventBus::default());
    let ctx = ModuleContext::new("inventory", db.pool().clone(), Value::Null, events.clone());
    let m = Arc::new(InventoryModule::build(&ctx).await.expect("module"));
    Env { _db: db, m, events }
}

fn d(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn amount(text: &str) -> Amount {
    Amount(d(text))
}

/// An item stocked at each `(location, stocked)`.
async fn item(m: &InventoryModule, sku: &str, levels: &[(&str, &str)]) -> InventoryItem {
    let levels: Vec<Value> = levels
        .iter()
        .map(|(location, stocked)| json!({"location_id": location, "stocked_quantity": stocked}))
        .collect();
    let input: CreateInventoryItemInput =
        serde_json::from_value(json!({"sku": sku, "location_levels": levels})).unwrap();
    m.create_inventory_item(input).await.unwrap()
}

async fn level(m: &InventoryModule, item_id: &str, location: &str) -> InventoryLevel {
    let filter = InventoryLevelFilter {
        inventory_item_id: Some(FieldFilter::Eq(item_id.into())),
        location_id: Some(FieldFilter::Eq(location.into())),
        ..Default::default()
    };
    m.inventory_levels()
        .list(&filter, &ListConfig::default())
        .await
        .unwrap()
        .pop()
        .expect("a level")
}

/// (stocked, reserved, available) of a level, as stored.
async fn quantities(
    m: &InventoryModule,
    item_id: &str,
    location: &str,
) -> (Decimal, Decimal, Decimal) {
    let l = level(m, item_id, location).await;
    (
        l.stocked_quantity.0,
        l.reserved_quantity.0,
        l.available_quantity.0,
    )
}

fn reservation(item_id: &str, location: &str, quantity: &str) -> CreateReservationItem {
    CreateReservationItem::new(item_id, location, amount(quantity))
}

fn backorder(item_id: &str, location: &str, quantity: &str) -> CreateReservationItem {
    CreateReservationItem {
        allow_backorder: Some(true),
        ..reservation(item_id, location, quantity)
    }
}

fn assert_insufficient(err: &Error, item_id: &str, location: &str) {
    assert_eq!(err.kind(), ErrorKind::NotAllowed);
    assert_eq!(
        err.message(),
        format!("Not enough stock available for item {item_id} at location {location}")
    );
    assert_eq!(err.code(), Some("insufficient_inventory"));
}

async fn reservation_count(m: &InventoryModule) -> usize {
    m.reservation_items()
        .list(&Default::default(), &ListConfig::default())
        .await
        .unwrap()
        .len()
}

#[test]
fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "inventory"));
}

#[test]
fn the_storefront_error_carries_its_code() {
    let err = insufficient_inventory();
    assert_eq!(err.kind(), ErrorKind::NotAllowed);
    assert_eq!(err.code(), Some("insufficient_inventory"));
    assert_eq!(
        err.message(),
        "Some variant does not have the required inventory"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn items_are_created_with_nested_levels() {
    let Env { _db, m, events } = env().await;
    let input: CreateInventoryItemInput = serde_json::from_value(json!({
        "sku": "SHIRT-S", "title": "Shirt S", "weight": 200,
        "location_levels": [
            {"location_id": "sloc_a", "stocked_quantity": 10.5, "incoming_quantity": "2"},
            {"location_id": "sloc_b"}
        ]
    }))
    .unwrap();
    let shirt = m.create_inventory_item(input).await.unwrap();
    assert!(shirt.id.starts_with("iitem_"));
    assert!(shirt.requires_shipping, "defaults to true");
    assert_eq!(shirt.weight, Some(200));

    let a = level(&m, &shirt.id, "sloc_a").await;
    assert!(a.id.starts_with("ilev_"));
    assert_eq!(a.stocked_quantity.0, d("10.5"));
    assert_eq!(a.incoming_quantity.0, d("2"));
    assert_eq!(a.reserved_quantity.0, d("0"));
    assert_eq!(a.available_quantity.0, d("10.5"));
    assert_eq!(
        a.raw_stocked_quantity,
        json!({"value": "10.5", "precision": 20})
    );
    assert_eq!(
        a.raw_reserved_quantity,
        json!({"value": "0", "precision": 20})
    );
    let record = serde_json::to_value(&a).unwrap();
    assert_eq!(record["stocked_quantity"], json!(10.5), "a JSON number");
    let b = level(&m, &shirt.id, "sloc_b").await;
    assert_eq!(b.stocked_quantity.0, d("0"));

    let mut names = events.names();
    names.sort();
    assert_eq!(
        names,
        [
            "inventory.inventory-item.created",
            "inventory.inventory-level.created",
            "inventory.inventory-level.created",
        ]
    );

    // The SKU is unique; a failed create leaves no level behind.
    let err = m
        .create_inventory_item(
            serde_json::from_value(
                json!({"sku": "SHIRT-S", "location_levels": [{"location_id": "sloc_c"}]}),
            )
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        err.message(),
        "Inventory item with sku: SHIRT-S, already exists."
    );
    let at_c = InventoryLevelFilter {
        location_id: Some(FieldFilter::Eq("sloc_c".into())),
        ..Default::default()
    };
    assert!(
        m.inventory_levels()
            .list(&at_c, &ListConfig::default())
            .await
            .unwrap()
            .is_empty()
    );
    // Two levels of one item at one location.
    let err = m
        .create_inventory_item(
            serde_json::from_value(json!({
                "sku": "SHIRT-M",
                "location_levels": [{"location_id": "sloc_a"}, {"location_id": "sloc_a"}]
            }))
            .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert!(
        err.message()
            .starts_with("Inventory level with inventory_item_id: "),
        "{}",
        err.message()
    );

    // Bodies stay strict, nested ones too; callers never set reserved stock.
    for body in [
        json!({"sku": "X", "nope": 1}),
        json!({"sku": "X", "location_levels": [{"location_id": "a", "reserved_quantity": 3}]}),
    ] {
        assert!(serde_json::from_value::<CreateInventoryItemInput>(body).is_err());
    }
    assert!(
        serde_json::from_value::<UpdateInventoryLevelInput>(json!({
            "inventory_item_id": "i", "location_id": "l", "reserved_quantity": 1
        }))
        .is_err()
    );

    // Query follows item.location_levels, one statement for the batch.
    let other = item(&m, "SOCKS", &[("sloc_a", "1")]).await;
    let source = m
        .entity_sources()
        .into_iter()
        .find(|s| s.entity() == "inventory_item")
        .unwrap();
    let records: Vec<Record> = [&shirt, &other]
        .iter()
        .map(|i| to_record(i).unwrap())
        .collect();
    let refs: Vec<&Record> = records.iter().collect();
    let (levels, n) =
        QueryCounter::scope(source.load_relation("location_levels", &refs, QueryContext::ADMIN))
            .await;
    assert_eq!(levels.unwrap().len(), 3);
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn levels_are_created_updated_and_deleted() {
    let Env { _db, m, events } = env().await;
    let shirt = item(&m, "SHIRT", &[]).await;
    let created = m
        .create_inventory_levels(vec![
            CreateInventoryLevelInput::new(&shirt.id, "sloc_a", amount("5")),
            CreateInventoryLevelInput::new(&shirt.id, "sloc_b", amount("1")),
        ])
        .await
        .unwrap();
    assert_eq!(created.len(), 2);
    let err = m
        .create_inventory_levels(vec![CreateInventoryLevelInput::new(
            "iitem_nope",
            "sloc_a",
            amount("1"),
        )])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "InventoryItem with id: iitem_nope was not found"
    );

    m.create_reservations(vec![reservation(&shirt.id, "sloc_a", "2")])
        .await
        .unwrap();
    events.take();
    let updated = m
        .update_inventory_levels(vec![
            UpdateInventoryLevelInput {
                stocked_quantity: Some(amount("8")),
                metadata: Some(Some(json!({"aisle": 4}))),
                ..UpdateInventoryLevelInput::new(&shirt.id, "sloc_a")
            },
            UpdateInventoryLevelInput {
                incoming_quantity: Some(amount("3")),
                ..UpdateInventoryLevelInput::new(&shirt.id, "sloc_b")
            },
        ])
        .await
        .unwrap();
    assert_eq!(updated[0].location_id, "sloc_a");
    assert_eq!(updated[0].stocked_quantity.0, d("8"));
    assert_eq!(updated[0].reserved_quantity.0, d("2"), "kept");
    assert_eq!(updated[0].available_quantity.0, d("6"));
    assert_eq!(updated[0].metadata, Some(json!({"aisle": 4})));
    assert_eq!(updated[1].stocked_quantity.0, d("1"), "kept");
    assert_eq!(updated[1].incoming_quantity.0, d("3"));
    assert_eq!(events.names(), ["inventory.inventory-level.updated"; 2]);

    let cleared = m
        .update_inventory_levels(vec![UpdateInventoryLevelInput {
            metadata: Some(None),
            ..UpdateInventoryLevelInput::new(&shirt.id, "sloc_a")
        }])
        .await
        .unwrap();
    assert_eq!(cleared[0].metadata, None);
    assert_eq!(cleared[0].stocked_quantity.0, d("8"));

    // A pair without a level changes nothing.
    let err = m
        .update_inventory_levels(vec![
            UpdateInventoryLevelInput {
                stocked_quantity: Some(amount("100")),
                ..UpdateInventoryLevelInput::new(&shirt.id, "sloc_a")
            },
            UpdateInventoryLevelInput::new(&shirt.id, "sloc_nope"),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        format!("Item {} is not stocked at location sloc_nope", shirt.id)
    );
    assert_eq!(quantities(&m, &shirt.id, "sloc_a").await.0, d("8"));

    let gone = m.delete_inventory_level(&shirt.id, "sloc_b").await.unwrap();
    assert_eq!(gone, created[1].id);
    let err = m
        .delete_inventory_level(&shirt.id, "sloc_b")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        format!("Item {} is not stocked at location sloc_b", shirt.id)
    );
    let deleted = m
        .delete_inventory_levels_by_location(&["sloc_a".into()])
        .await
        .unwrap();
    assert_eq!(deleted, [created[0].id.clone()]);
}

#[tokio::test(flavor = "multi_thread")]
async fn reservations_succeed_within_stock_and_fail_beyond_it() {
    let Env { _db, m, events } = env().await;
    let shirt = item(&m, "SHIRT", &[("sloc_a", "10")]).await;
    events.take();

    let first = m
        .create_reservations(vec![CreateReservationItem {
            line_item_id: Some("cali_1".into()),
            description: Some("cart".into()),
            ..reservation(&shirt.id, "sloc_a", "4")
        }])
        .await
        .unwrap();
    assert!(first[0].id.starts_with("resitem_"));
    assert_eq!(first[0].quantity.0, d("4"));
    assert_eq!(
        first[0].raw_quantity,
        json!({"value": "4", "precision": 20})
    );
    assert!(!first[0].allow_backorder);
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("4"), d("6"))
    );
    let mut names = events
        .take()
        .into_iter()
        .map(|e| e.name)
        .collect::<Vec<_>>();
    names.sort();
    assert_eq!(
        names,
        [
            "inventory.inventory-level.updated",
            "inventory.reservation-item.created"
        ]
    );

    // Beyond the available 6: refused, nothing held.
    let err = m
        .create_reservations(vec![reservation(&shirt.id, "sloc_a", "7")])
        .await
        .unwrap_err();
    assert_insufficient(&err, &shirt.id, "sloc_a");
    // A batch counts together: 3 + 4 > 6.
    let err = m
        .create_reservations(vec![
            reservation(&shirt.id, "sloc_a", "3"),
            reservation(&shirt.id, "sloc_a", "4"),
        ])
        .await
        .unwrap_err();
    assert_insufficient(&err, &shirt.id, "sloc_a");
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("4"), d("6"))
    );
    assert_eq!(reservation_count(&m).await, 1);
    assert!(events.take().is_empty(), "nothing emitted for a rollback");

    // Exactly what is available.
    let batch = m
        .create_reservations(vec![
            reservation(&shirt.id, "sloc_a", "2.5"),
            reservation(&shirt.id, "sloc_a", "3.5"),
        ])
        .await
        .unwrap();
    assert_eq!(batch.len(), 2);
    assert_eq!(batch[0].quantity.0, d("2.5"), "input order");
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("10"), d("0"))
    );
    let err = m
        .create_reservations(vec![reservation(&shirt.id, "sloc_a", "0.1")])
        .await
        .unwrap_err();
    assert_insufficient(&err, &shirt.id, "sloc_a");

    // No level at the location; several are named.
    let err = m
        .create_reservations(vec![
            reservation(&shirt.id, "sloc_x", "1"),
            reservation(&shirt.id, "sloc_a", "1"),
            reservation("iitem_nope", "sloc_a", "1"),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        format!(
            "Item {} is not stocked at location sloc_x, Item iitem_nope is not stocked at location sloc_a",
            shirt.id
        )
    );
    let err = m
        .create_reservations(vec![reservation(&shirt.id, "sloc_a", "0")])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData);
    assert_eq!(reservation_count(&m).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_reservations_never_oversell() {
    let Env { _db, m, .. } = env().await;
    let shirt = item(&m, "SHIRT", &[("sloc_a", "10")]).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let (m, id, barrier) = (m.clone(), shirt.id.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                m.create_reservations(vec![CreateReservationItem {
                    line_item_id: Some(format!("cali_{i}")),
                    ..reservation(&id, "sloc_a", "1")
                }])
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(err) => assert_insufficient(&err, &shirt.id, "sloc_a"),
        }
    }
    assert_eq!(ok, 10);
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("10"), d("0"))
    );
    assert_eq!(reservation_count(&m).await, 10);
    let available = m
        .available_quantities(std::slice::from_ref(&shirt.id), &["sloc_a".into()])
        .await
        .unwrap();
    assert_eq!(available[&shirt.id], d("0"));

    // Batches over two levels, named in opposite orders, race without
    // deadlocking: each level of 10 is held exactly to its stock.
    let pants = item(&m, "PANTS", &[("sloc_a", "10"), ("sloc_b", "10")]).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(30));
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let (m, id, barrier) = (m.clone(), pants.id.clone(), barrier.clone());
            tokio::spawn(async move {
                let (first, second) = if i % 2 == 0 {
                    ("sloc_a", "sloc_b")
                } else {
                    ("sloc_b", "sloc_a")
                };
                barrier.wait().await;
                m.create_reservations(vec![
                    reservation(&id, first, "1"),
                    reservation(&id, second, "1"),
                ])
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(err) => assert_eq!(err.code(), Some("insufficient_inventory"), "{err}"),
        }
    }
    assert_eq!(ok, 10);
    for location in ["sloc_a", "sloc_b"] {
        assert_eq!(
            quantities(&m, &pants.id, location).await,
            (d("10"), d("10"), d("0"))
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn backorders_may_exceed_the_stock() {
    let Env { _db, m, .. } = env().await;
    let shirt = item(&m, "SHIRT", &[("sloc_a", "2")]).await;
    let held = m
        .create_reservations(vec![backorder(&shirt.id, "sloc_a", "5")])
        .await
        .unwrap();
    assert!(held[0].allow_backorder);
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("2"), d("5"), d("-3"))
    );
    // What is not a backorder still needs available stock.
    let err = m
        .create_reservations(vec![reservation(&shirt.id, "sloc_a", "1")])
        .await
        .unwrap_err();
    assert_insufficient(&err, &shirt.id, "sloc_a");
    // A backorder still needs a level.
    let err = m
        .create_reservations(vec![backorder(&shirt.id, "sloc_x", "1")])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    // Releasing a backorder always works.
    m.delete_reservations(&[held[0].id.clone()]).await.unwrap();
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("2"), d("0"), d("2"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn updates_and_deletes_release_reserved_stock() {
    let Env { _db, m, events } = env().await;
    let shirt = item(&m, "SHIRT", &[("sloc_a", "10"), ("sloc_b", "4")]).await;
    let r = m
        .create_reservations(vec![CreateReservationItem {
            line_item_id: Some("cali_1".into()),
            description: Some("first".into()),
            metadata: Some(json!({"k": 1})),
            ..reservation(&shirt.id, "sloc_a", "3")
        }])
        .await
        .unwrap()
        .remove(0);
    events.take();

    // Resize.
    let grown = m
        .update_reservations(vec![(
            r.id.clone(),
            UpdateReservationInput {
                quantity: Some(amount("5")),
                ..Default::default()
            },
        )])
        .await
        .unwrap();
    assert_eq!(grown[0].quantity.0, d("5"));
    assert_eq!(
        grown[0].raw_quantity,
        json!({"value": "5", "precision": 20})
    );
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("5"), d("5"))
    );
    let mut names = events
        .take()
        .into_iter()
        .map(|e| e.name)
        .collect::<Vec<_>>();
    names.sort();
    assert_eq!(
        names,
        [
            "inventory.inventory-level.updated",
            "inventory.reservation-item.updated"
        ]
    );

    // Moving 5 to a location with 4 is refused; nothing changes.
    let err = m
        .update_reservations(vec![(
            r.id.clone(),
            UpdateReservationInput {
                location_id: Some("sloc_b".into()),
                ..Default::default()
            },
        )])
        .await
        .unwrap_err();
    assert_insufficient(&err, &shirt.id, "sloc_b");
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("5"), d("5"))
    );
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_b").await,
        (d("4"), d("0"), d("4"))
    );
    let err = m
        .update_reservations(vec![(
            r.id.clone(),
            UpdateReservationInput {
                location_id: Some("sloc_x".into()),
                ..Default::default()
            },
        )])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);

    // Move with a smaller quantity, clearing the description.
    let moved = m
        .update_reservations(vec![(
            r.id.clone(),
            serde_json::from_value(
                json!({"location_id": "sloc_b", "quantity": 4, "description": null}),
            )
            .unwrap(),
        )])
        .await
        .unwrap();
    assert_eq!(moved[0].location_id, "sloc_b");
    assert_eq!(moved[0].description, None);
    assert_eq!(moved[0].metadata, Some(json!({"k": 1})), "kept");
    assert_eq!(moved[0].line_item_id.as_deref(), Some("cali_1"));
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("0"), d("10"))
    );
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_b").await,
        (d("4"), d("4"), d("0"))
    );

    let err = m
        .update_reservations(vec![(
            "resitem_nope".into(),
            UpdateReservationInput::default(),
        )])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "ReservationItem with id: resitem_nope was not found"
    );

    // Delete by id releases.
    events.take();
    let deleted = m
        .delete_reservations(&[r.id.clone(), "resitem_nope".into()])
        .await
        .unwrap();
    assert_eq!(deleted, std::slice::from_ref(&r.id));
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_b").await,
        (d("4"), d("0"), d("4"))
    );
    let mut names = events
        .take()
        .into_iter()
        .map(|e| e.name)
        .collect::<Vec<_>>();
    names.sort();
    assert_eq!(
        names,
        [
            "inventory.inventory-level.updated",
            "inventory.reservation-item.deleted"
        ]
    );
    assert!(
        m.delete_reservations(std::slice::from_ref(&r.id))
            .await
            .unwrap()
            .is_empty()
    );

    // Delete by line item releases every reservation of the line.
    let line = |id: &str, location: &str, q: &str| CreateReservationItem {
        line_item_id: Some(id.into()),
        ..reservation(&shirt.id, location, q)
    };
    m.create_reservations(vec![
        line("cali_2", "sloc_a", "2"),
        line("cali_2", "sloc_b", "1"),
        line("cali_3", "sloc_a", "3"),
    ])
    .await
    .unwrap();
    assert_eq!(quantities(&m, &shirt.id, "sloc_a").await.1, d("5"));
    let deleted = m
        .delete_reservations_by_line_item(&["cali_2".into()])
        .await
        .unwrap();
    assert_eq!(deleted.len(), 2);
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("10"), d("3"), d("7"))
    );
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_b").await,
        (d("4"), d("0"), d("4"))
    );
    assert_eq!(reservation_count(&m).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn adjustments_change_the_stocked_quantity() {
    let Env { _db, m, events } = env().await;
    let shirt = item(&m, "SHIRT", &[("sloc_a", "10"), ("sloc_b", "1")]).await;
    events.take();
    let adjusted = m
        .adjust_inventory(vec![
            (shirt.id.clone(), "sloc_b".into(), d("-3")),
            (shirt.id.clone(), "sloc_a".into(), d("5")),
            (shirt.id.clone(), "sloc_a".into(), d("0.5")),
        ])
        .await
        .unwrap();
    assert_eq!(adjusted.len(), 3);
    assert_eq!(adjusted[0].location_id, "sloc_b", "input order");
    assert_eq!(adjusted[0].stocked_quantity.0, d("-2"), "may go negative");
    assert_eq!(
        adjusted[1].stocked_quantity.0,
        d("15.5"),
        "adjustments add up"
    );
    assert_eq!(
        adjusted[1].raw_stocked_quantity,
        json!({"value": "15.5", "precision": 20})
    );
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await,
        (d("15.5"), d("0"), d("15.5"))
    );
    assert_eq!(events.names(), ["inventory.inventory-level.updated"; 2]);

    let err = m
        .adjust_inventory(vec![
            (shirt.id.clone(), "sloc_a".into(), d("1")),
            (shirt.id.clone(), "sloc_x".into(), d("1")),
        ])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        format!("Item {} is not stocked at location sloc_x", shirt.id)
    );
    assert_eq!(
        quantities(&m, &shirt.id, "sloc_a").await.0,
        d("15.5"),
        "unchanged"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn available_quantities_take_one_statement_for_any_number_of_items() {
    let Env { _db, m, .. } = env().await;
    let inputs: Vec<CreateInventoryItemInput> = (0..50)
        .map(|i| {
            serde_json::from_value(json!({
                "sku": format!("SKU-{i}"),
                "location_levels": [
                    {"location_id": "sloc_a", "stocked_quantity": i},
                    {"location_id": "sloc_b", "stocked_quantity": 100}
                ]
            }))
            .unwrap()
        })
        .collect();
    let items = m.create_inventory_items(inputs).await.unwrap();
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    m.create_reservations(vec![reservation(&ids[7], "sloc_a", "3")])
        .await
        .unwrap();
    let bare = item(&m, "BARE", &[]).await;
    let a: Vec<String> = vec!["sloc_a".into()];

    let (one, n_one) = QueryCounter::scope(m.available_quantities(&ids[7..8], &a)).await;
    assert_eq!(one.unwrap()[&ids[7]], d("4"));
    let mut asked = ids.clone();
    asked.push(bare.id.clone());
    asked.push("iitem_nope".into());
    let (all, n_all) = QueryCounter::scope(m.available_quantities(&asked, &a)).await;
    let all = all.unwrap();
    assert_eq!(n_one, 1);
    assert_eq!(n_all, n_one, "the same statements for 1 and 50 items");
    assert_eq!(all.len(), 51, "unknown items are absent");
    assert_eq!(all[&ids[7]], d("4"));
    assert_eq!(all[&ids[20]], d("20"));
    assert_eq!(all[&bare.id], d("0"), "an item without levels has none");

    let both: Vec<String> = vec!["sloc_a".into(), "sloc_b".into()];
    assert_eq!(
        m.available_quantities(&ids, &both).await.unwrap()[&ids[7]],
        d("104")
    );
    assert_eq!(
        m.stocked_quantities(&ids, &both).await.unwrap()[&ids[7]],
        d("107")
    );
    assert_eq!(
        m.reserved_quantities(&ids, &both).await.unwrap()[&ids[7]],
        d("3")
    );
    assert_eq!(
        m.available_quantities(&ids, &[]).await.unwrap()[&ids[7]],
        d("0")
    );
    let totals = m.quantities(&ids[7..8], None).await.unwrap();
    assert_eq!(totals[&ids[7]].stocked, d("107"));
    assert_eq!(totals[&ids[7]].available, d("104"));

    assert!(m.confirm_inventory(&ids[7], &a, d("4")).await.unwrap());
    assert!(!m.confirm_inventory(&ids[7], &a, d("4.5")).await.unwrap());
    assert!(m.confirm_inventory(&ids[7], &both, d("104")).await.unwrap());
    let err = m
        .confirm_inventory("iitem_nope", &a, d("1"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        "InventoryItem with id: iitem_nope was not found"
    );

    // Soft-deleting an item takes its levels along.
    m.inventory_items().soft_delete(&ids[..1]).await.unwrap();
    assert!(
        !m.available_quantities(&ids, &a)
            .await
            .unwrap()
            .contains_key(&ids[0])
    );
    let filter = InventoryLevelFilter {
        inventory_item_id: Some(FieldFilter::Eq(ids[0].clone())),
        ..Default::default()
    };
    assert!(
        m.inventory_levels()
            .list(&filter, &ListConfig::default())
            .await
            .unwrap()
            .is_empty()
    );
}
