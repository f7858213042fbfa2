//! Integration tests of the sales-channel module against a real PostgreSQL.

use std::sync::Arc;

use serde_json::{Value, json};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::list::Page;
use stheno_module_sdk::{ErrorKind, Module, ModuleContext};
use stheno_sales_channel::{
    CreateSalesChannel, SalesChannelFilter, SalesChannelModule, UpdateSalesChannel,
};

async fn env() -> (TestDb, SalesChannelModule, Arc<RecordingEventBus>) {
    let db = TestDb::new().await.expect("test database");
    let bus = Arc::new(RecordingEventBus::default());
    let ctx = ModuleContext::new("sales_channel", db.pool().clone(), Value::Null, bus.clone());
    let module = SalesChannelModule::build(&ctx).await.expect("module");
    (db, module, bus)
}

fn channel(name: &str, description: Option<&str>) -> CreateSalesChannel {
    CreateSalesChannel {
        description: description.map(str::to_owned),
        ..CreateSalesChannel::new(name)
    }
}

#[test]
fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "sales_channel"));
}

#[tokio::test(flavor = "multi_thread")]
async fn channels_are_created_searched_and_updated() {
    let (_db, m, bus) = env().await;
    let created = m
        .sales_channels()
        .create(vec![
            channel("Webshop", Some("The online store")),
            channel("POS", Some("Counter in Copenhagen")),
        ])
        .await
        .unwrap();
    let web = &created[0];
    assert!(web.id.starts_with("sc_"));
    assert_eq!(web.name, "Webshop");
    assert_eq!(web.description.as_deref(), Some("The online store"));
    assert!(!web.is_disabled, "is_disabled defaults to false");
    assert_eq!(web.metadata, None);

    // `q` searches the name and the description, case-insensitively.
    for (q, expected) in [("webs", "Webshop"), ("COPENHAGEN", "POS")] {
        let (rows, count) = m
            .sales_channels()
            .list_and_count(
                &SalesChannelFilter {
                    q: Some(q.into()),
                    ..Default::default()
                },
                &ListConfig::page(Page::default()),
            )
            .await
            .unwrap();
        assert_eq!(count, 1, "q={q}");
        assert_eq!(rows[0].name, expected);
    }

    let disabled = m
        .sales_channels()
        .update(
            &web.id,
            serde_json::from_value::<UpdateSalesChannel>(
                json!({"is_disabled": true, "description": null, "metadata": {"k": "v"}}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    assert!(disabled.is_disabled);
    assert_eq!(disabled.description, None);
    assert_eq!(disabled.metadata, Some(json!({"k": "v"})));
    assert_eq!(disabled.name, "Webshop", "absent fields are kept");

    let enabled = m
        .sales_channels()
        .list(
            &SalesChannelFilter {
                is_disabled: Some(FieldFilter::Eq(false)),
                ..Default::default()
            },
            &ListConfig::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        enabled.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["POS"]
    );

    // Unknown fields are refused.
    assert!(serde_json::from_value::<CreateSalesChannel>(json!({"name": "x", "nope": 1})).is_err());

    let names = bus.names();
    assert_eq!(
        names
            .iter()
            .filter(|n| *n == "sales_channel.sales-channel.created")
            .count(),
        2
    );
    assert!(names.contains(&"sales_channel.sales-channel.updated".to_string()));
}

#[tokio::test(flavor = "multi_thread")]
async fn channels_are_soft_deleted_and_restored() {
    let (_db, m, bus) = env().await;
    let sc = m
        .sales_channels()
        .create_one(channel("Marketplace", None))
        .await
        .unwrap();
    let ids = std::slice::from_ref(&sc.id);

    let deleted = m.sales_channels().soft_delete(ids).await.unwrap();
    assert_eq!(deleted.get("sales_channel"), Some(&vec![sc.id.clone()]));
    let err = m.sales_channels().retrieve(&sc.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.message(),
        format!("SalesChannel with id: {} was not found", sc.id)
    );
    assert!(
        m.sales_channels()
            .list(&SalesChannelFilter::default(), &ListConfig::default())
            .await
            .unwrap()
            .is_empty()
    );
    let gone = m
        .sales_channels()
        .retrieve_with(&sc.id, true)
        .await
        .unwrap();
    assert!(gone.deleted_at.is_some());
    // Updating a deleted channel finds nothing.
    assert_eq!(
        m.sales_channels()
            .update(&sc.id, UpdateSalesChannel::default())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );

    m.sales_channels().restore(ids).await.unwrap();
    let back = m.sales_channels().retrieve(&sc.id).await.unwrap();
    assert_eq!(back.deleted_at, None);
    assert_eq!(back.name, "Marketplace");

    m.sales_channels().delete(ids).await.unwrap();
    assert_eq!(
        m.sales_channels()
            .retrieve_with(&sc.id, true)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let names = bus.names();
    for action in ["deleted", "restored"] {
        assert!(
            names.contains(&format!("sales_channel.sales-channel.{action}")),
            "{action} in {names:?}"
        );
    }
}
