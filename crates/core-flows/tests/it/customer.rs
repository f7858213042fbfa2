//! Customer and address workflows: each is undone by a failing step after
//! it, including the default addresses it moved.

use std::sync::Arc;

use serde_json::json;
use stheno_core_flows::customer::{
    AddressChange, CustomerUpdate, NewCustomer, create_customer_addresses, create_customers,
    delete_customer_addresses, update_customer_addresses, update_customers,
};
use stheno_customer::{AddressInput, CreateCustomer, CustomerFilter, CustomerModule};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::entity::ListConfig;
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::list::Page;
use stheno_module_sdk::services::Services;
use stheno_workflow_sdk::WorkflowEngine;

use crate::support::fail;

struct Env {
    _db: TestDb,
    m: Arc<CustomerModule>,
    flow_events: Arc<RecordingEventBus>,
    engine: WorkflowEngine,
}

async fn env() -> Env {
    let db = TestDb::new().await.expect("test database");
    let m = Arc::new(CustomerModule::new(
        db.pool().clone(),
        Arc::new(RecordingEventBus::default()),
    ));
    let flow_events = Arc::new(RecordingEventBus::default());
    let engine = WorkflowEngine::new(flow_events.clone())
        .with_services(Services::builder().with(m.clone()).build());
    Env {
        _db: db,
        m,
        flow_events,
        engine,
    }
}

fn address(v: serde_json::Value) -> AddressInput {
    serde_json::from_value(v).unwrap()
}

impl Env {
    /// Every live address of the customer, as (city, shipping, billing).
    async fn addresses(&self, customer: &str) -> Vec<(Option<String>, bool, bool)> {
        let (rows, _) = self
            .m
            .list_addresses(customer, &Default::default(), Page::new(0, 50), &[])
            .await
            .unwrap();
        rows.into_iter()
            .map(|a| (a.city, a.is_default_shipping, a.is_default_billing))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn customers_are_created_and_updated_or_put_back() {
    let env = env().await;
    let new = NewCustomer {
        email: Some("g@example.com".into()),
        created_by: Some("user_1".into()),
        ..Default::default()
    };
    let err = env
        .engine
        .run(&create_customers().then(fail()), new.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    let (_, count) = env
        .m
        .customers()
        .list_and_count(
            &CustomerFilter::default(),
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!(count, 0);
    assert!(env.flow_events.names().is_empty());

    let created = env
        .engine
        .run(&create_customers(), new)
        .await
        .result
        .unwrap();
    assert!(!created.has_account);
    assert_eq!(created.created_by.as_deref(), Some("user_1"));
    assert_eq!(env.flow_events.names(), ["customer.created"]);

    // The update round-trips through a checkpoint: an absent field stays
    // untouched, null clears.
    let update = CustomerUpdate {
        id: created.id.clone(),
        update: serde_json::from_value(json!({"first_name": "F", "email": null})).unwrap(),
    };
    let err = env
        .engine
        .run(&update_customers().then(fail()), update.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    let back = env.m.customers().retrieve(&created.id).await.unwrap();
    assert_eq!(back.email.as_deref(), Some("g@example.com"));
    assert_eq!(back.first_name, None);
    let updated = env
        .engine
        .run(&update_customers(), update)
        .await
        .result
        .unwrap();
    assert_eq!(updated.first_name.as_deref(), Some("F"));
    assert_eq!(updated.email, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn address_changes_put_the_old_defaults_back() {
    let env = env().await;
    let customer = env
        .m
        .customers()
        .create_one(CreateCustomer::new())
        .await
        .unwrap()
        .id;
    let home = env
        .engine
        .run(
            &create_customer_addresses(),
            AddressChange {
                customer_id: customer.clone(),
                address_id: None,
                input: address(json!({"city": "Home", "is_default_shipping": true, "is_default_billing": true})),
            },
        )
        .await
        .result
        .unwrap();
    let start = vec![(Some("Home".to_string()), true, true)];
    assert_eq!(env.addresses(&customer).await, start);

    // A new default address, then a failure: gone, home is the default again.
    let err = env
        .engine
        .run(
            &create_customer_addresses().then(fail()),
            AddressChange {
                customer_id: customer.clone(),
                address_id: None,
                input: address(json!({"city": "Work", "is_default_shipping": true})),
            },
        )
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    assert_eq!(env.addresses(&customer).await, start);

    // Updating home (city and defaults), then a failure: as it was.
    let work = env
        .m
        .create_address(&customer, address(json!({"city": "Work"})))
        .await
        .unwrap();
    let err = env
        .engine
        .run(
            &update_customer_addresses().then(fail()),
            AddressChange {
                customer_id: customer.clone(),
                address_id: Some(work.id.clone()),
                input: address(json!({"city": "Office", "is_default_billing": true})),
            },
        )
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    let with_work = vec![
        (Some("Home".to_string()), true, true),
        (Some("Work".to_string()), false, false),
    ];
    assert_eq!(env.addresses(&customer).await, with_work);

    // Deleting the default address, then a failure: back, still default.
    let err = env
        .engine
        .run(
            &delete_customer_addresses().then(fail()),
            AddressChange {
                customer_id: customer.clone(),
                address_id: Some(home.id.clone()),
                input: Default::default(),
            },
        )
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    assert_eq!(env.addresses(&customer).await, with_work);

    // And for real.
    env.flow_events.take();
    env.engine
        .run(
            &update_customer_addresses(),
            AddressChange {
                customer_id: customer.clone(),
                address_id: Some(work.id.clone()),
                input: address(json!({"is_default_billing": true})),
            },
        )
        .await
        .result
        .unwrap();
    assert_eq!(
        env.addresses(&customer).await,
        vec![
            (Some("Home".to_string()), true, false),
            (Some("Work".to_string()), false, true),
        ]
    );
    env.engine
        .run(
            &delete_customer_addresses(),
            AddressChange {
                customer_id: customer.clone(),
                address_id: Some(home.id),
                input: Default::default(),
            },
        )
        .await
        .result
        .unwrap();
    assert_eq!(
        env.addresses(&customer).await,
        vec![(Some("Work".to_string()), false, true)]
    );
    assert_eq!(
        env.flow_events.names(),
        ["customer_address.updated", "customer_address.deleted"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_and_memberships_are_put_back() {
    use stheno_core_flows::customer::{
        GroupUpdate, Memberships, NewGroup, create_customer_groups, delete_customer_groups,
        link_customer_groups_to_customer, link_customers_to_customer_group, update_customer_groups,
    };
    use stheno_customer::CustomerGroupFilter;

    let env = env().await;
    let new = NewGroup {
        name: "VIP".into(),
        ..Default::default()
    };
    let err = env
        .engine
        .run(&create_customer_groups().then(fail()), new.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    let (_, count) = env
        .m
        .customer_groups()
        .list_and_count(
            &CustomerGroupFilter::default(),
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!(count, 0);
    let group = env
        .engine
        .run(&create_customer_groups(), new)
        .await
        .result
        .unwrap();

    let new = || env.m.customers().create_one(CreateCustomer::new());
    let a = new().await.unwrap().id;
    let b = new().await.unwrap().id;
    let c = new().await.unwrap().id;
    env.m
        .update_group_customers(&group.id, &[a.clone(), b.clone()], &[], None)
        .await
        .unwrap();
    let members = |env: &Env| {
        let (m, g) = (env.m.clone(), group.id.clone());
        async move {
            let mut ids = m.group_customer_ids(&g).await.unwrap();
            ids.sort();
            ids
        }
    };
    let mut before = vec![a.clone(), b.clone()];
    before.sort();

    // Add c and a (already in), remove b; then fail: a and b, as before.
    let batch = Memberships {
        id: group.id.clone(),
        add: vec![c.clone(), a.clone()],
        remove: vec![b.clone()],
        created_by: None,
    };
    let err = env
        .engine
        .run(&link_customers_to_customer_group().then(fail()), batch)
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    assert_eq!(members(&env).await, before);

    // From the customer's side too.
    let batch = Memberships {
        id: b.clone(),
        add: vec![],
        remove: vec![group.id.clone()],
        created_by: None,
    };
    let err = env
        .engine
        .run(&link_customer_groups_to_customer().then(fail()), batch)
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    assert_eq!(members(&env).await, before);

    // Rename and delete, each undone.
    let update = GroupUpdate {
        id: group.id.clone(),
        update: serde_json::from_value(json!({"name": "Gold"})).unwrap(),
    };
    let err = env
        .engine
        .run(&update_customer_groups().then(fail()), update)
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    assert_eq!(
        env.m
            .customer_groups()
            .retrieve(&group.id)
            .await
            .unwrap()
            .name,
        "VIP"
    );
    let err = env
        .engine
        .run(&delete_customer_groups().then(fail()), group.id.clone())
        .await
        .result
        .unwrap_err();
    assert!(err.is_reverted(), "{err:?}");
    env.m.customer_groups().retrieve(&group.id).await.unwrap();
    assert_eq!(members(&env).await, before);
}
