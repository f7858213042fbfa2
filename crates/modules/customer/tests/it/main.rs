//! Integration tests of the customer module against a real PostgreSQL.

use std::sync::Arc;

use serde_json::json;
use stheno_customer::graph::sources;
use stheno_customer::{
    AddressInput, CreateCustomer, CreateCustomerGroup, CustomerAddressFilter, CustomerFilter,
    CustomerGroupFilter, CustomerModule, UpdateCustomerGroup,
};
use stheno_framework::testing::TestDb;
use stheno_module_sdk::ErrorKind;
use stheno_module_sdk::db::QueryCounter;
use stheno_module_sdk::entity::{FieldFilter, ListConfig};
use stheno_module_sdk::events::RecordingEventBus;
use stheno_module_sdk::graph::{QueryContext, Record, to_record};
use stheno_module_sdk::list::Page;

async fn env() -> (TestDb, Arc<CustomerModule>) {
    let db = TestDb::new().await.expect("test database");
    let m = Arc::new(CustomerModule::new(
        db.pool().clone(),
        Arc::new(RecordingEventBus::default()),
    ));
    (db, m)
}

fn customer(email: &str, has_account: bool) -> CreateCustomer {
    CreateCustomer {
        email: Some(email.into()),
        has_account: Some(has_account),
        ..CreateCustomer::new()
    }
}

fn address(city: &str, shipping: bool, billing: bool) -> AddressInput {
    serde_json::from_value(json!({
        "city": city, "country_code": "DK",
        "is_default_shipping": shipping, "is_default_billing": billing
    }))
    .unwrap()
}

#[test]
fn registration_is_visible() {
    assert!(stheno_module_sdk::module::registered_modules().any(|m| m.key == "customer"));
}

#[tokio::test(flavor = "multi_thread")]
async fn one_guest_and_one_account_per_email() {
    let (_db, m) = env().await;
    m.customers()
        .create_one(customer("a@example.com", false))
        .await
        .unwrap();
    let registered = m
        .customers()
        .create_one(customer("a@example.com", true))
        .await
        .unwrap();
    assert!(registered.id.starts_with("cus_"));
    let err = m
        .customers()
        .create_one(customer("a@example.com", true))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateError);
    assert_eq!(
        err.message(),
        "Customer with email: a@example.com, has_account: true, already exists."
    );
    let (rows, count) = m
        .customers()
        .list_and_count(
            &CustomerFilter {
                has_account: Some(FieldFilter::Eq(true)),
                ..Default::default()
            },
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!((rows.len(), count), (1, 1));
    let gone = std::slice::from_ref(&registered.id);
    m.customers().soft_delete(gone).await.unwrap();
    assert_eq!(
        m.customers()
            .retrieve(&registered.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    // Deleting it again deletes nothing.
    assert!(m.customers().soft_delete(gone).await.unwrap().is_empty());
    // The email is free for a new account.
    m.customers()
        .create_one(customer("a@example.com", true))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_default_unsets_the_old_one() {
    let (_db, m) = env().await;
    let c = m
        .customers()
        .create_one(customer("d@example.com", true))
        .await
        .unwrap();
    let home = m
        .create_address(&c.id, address("Home", true, true))
        .await
        .unwrap();
    assert!(home.is_default_shipping && home.is_default_billing);
    assert_eq!(home.country_code.as_deref(), Some("dk"));
    let work = m
        .create_address(&c.id, address("Work", true, false))
        .await
        .unwrap();
    let home = m.retrieve_address(&c.id, &home.id).await.unwrap();
    assert!(!home.is_default_shipping, "shipping moved to work");
    assert!(home.is_default_billing, "billing stays");
    assert!(work.is_default_shipping);

    // Updating another address to be the billing default moves it.
    let work = m
        .update_address(
            &c.id,
            &work.id,
            serde_json::from_value(json!({"is_default_billing": true})).unwrap(),
        )
        .await
        .unwrap();
    assert!(work.is_default_billing && work.is_default_shipping);
    let home = m.retrieve_address(&c.id, &home.id).await.unwrap();
    assert!(!home.is_default_billing);

    // Clearing fields with null, keeping the rest.
    let work = m
        .update_address(
            &c.id,
            &work.id,
            serde_json::from_value(json!({"city": null})).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(work.city, None);
    assert_eq!(work.country_code.as_deref(), Some("dk"));

    // Concurrent defaults never leave two (the customer row is locked).
    let tasks: Vec<_> = (0..6)
        .map(|i| {
            let m = m.clone();
            let id = c.id.clone();
            tokio::spawn(async move {
                m.create_address(&id, address(&format!("c{i}"), true, true))
                    .await
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    let (all, count) = m
        .list_addresses(
            &c.id,
            &CustomerAddressFilter::default(),
            Page::new(0, 50),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(count, 8);
    assert_eq!(all.iter().filter(|a| a.is_default_shipping).count(), 1);
    assert_eq!(all.iter().filter(|a| a.is_default_billing).count(), 1);

    let (found, _) = m
        .list_addresses(
            &c.id,
            &CustomerAddressFilter {
                q: Some("wor".into()),
                ..Default::default()
            },
            Page::default(),
            &[],
        )
        .await
        .unwrap();
    assert!(found.is_empty(), "work's city was cleared");
}

#[tokio::test(flavor = "multi_thread")]
async fn addresses_of_another_customer_are_absent() {
    let (_db, m) = env().await;
    let a = m
        .customers()
        .create_one(customer("a@example.com", true))
        .await
        .unwrap();
    let b = m
        .customers()
        .create_one(customer("b@example.com", true))
        .await
        .unwrap();
    let b_home = m
        .create_address(&b.id, address("B", true, true))
        .await
        .unwrap();
    for err in [
        m.retrieve_address(&a.id, &b_home.id).await.unwrap_err(),
        m.update_address(&a.id, &b_home.id, address("A", false, false))
            .await
            .unwrap_err(),
        m.soft_delete_address(&a.id, &b_home.id).await.unwrap_err(),
    ] {
        assert_eq!(err.kind(), ErrorKind::NotFound);
        assert_eq!(
            err.message(),
            format!("Address with id: {} was not found", b_home.id)
        );
    }
    // Making A's address a default leaves B's default alone.
    m.create_address(&a.id, address("A", true, true))
        .await
        .unwrap();
    assert!(
        m.retrieve_address(&b.id, &b_home.id)
            .await
            .unwrap()
            .is_default_shipping
    );
    let (list, _) = m
        .list_addresses(
            &a.id,
            &CustomerAddressFilter::default(),
            Page::default(),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        m.create_address("cus_nope", address("X", false, false))
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn groups_and_members() {
    let (_db, m) = env().await;
    let vip = m
        .customer_groups()
        .create_one(CreateCustomerGroup::new("VIP"))
        .await
        .unwrap();
    assert!(vip.id.starts_with("cusgroup_"));
    let err = m
        .customer_groups()
        .create_one(CreateCustomerGroup::new("VIP"))
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "Customer group with name: VIP, already exists."
    );
    let c1 = m
        .customers()
        .create_one(customer("1@example.com", true))
        .await
        .unwrap();
    let c2 = m
        .customers()
        .create_one(customer("2@example.com", true))
        .await
        .unwrap();
    m.update_group_customers(
        &vip.id,
        &[c1.id.clone(), c2.id.clone(), c1.id.clone()],
        &[],
        None,
    )
    .await
    .unwrap();
    // Adding again is a no-op.
    m.update_group_customers(&vip.id, std::slice::from_ref(&c1.id), &[], None)
        .await
        .unwrap();
    let members = |m: Arc<CustomerModule>, g: String| async move {
        m.customers()
            .list_and_count(
                &CustomerFilter {
                    groups: Some(FieldFilter::Eq(g)),
                    ..Default::default()
                },
                &ListConfig::page(Page::default()),
            )
            .await
            .unwrap()
            .1
    };
    assert_eq!(members(m.clone(), vip.id.clone()).await, 2);
    m.update_group_customers(&vip.id, &[], std::slice::from_ref(&c2.id), None)
        .await
        .unwrap();
    assert_eq!(members(m.clone(), vip.id.clone()).await, 1);
    let err = m
        .update_group_customers(&vip.id, &["cus_nope".into()], &[], None)
        .await
        .unwrap_err();
    assert_eq!(err.message(), "Customer with id: cus_nope was not found");
    let err = m
        .update_group_customers("cusgroup_nope", &[], &[], None)
        .await
        .unwrap_err();
    assert_eq!(
        err.message(),
        "CustomerGroup with id: cusgroup_nope was not found"
    );

    let renamed = m
        .customer_groups()
        .update(
            &vip.id,
            UpdateCustomerGroup {
                name: Some("Gold".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Gold");
    let (list, _) = m
        .customer_groups()
        .list_and_count(
            &CustomerGroupFilter {
                q: Some("gol".into()),
                ..Default::default()
            },
            &ListConfig::page(Page::default()),
        )
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    m.customer_groups()
        .soft_delete(std::slice::from_ref(&vip.id))
        .await
        .unwrap();
    assert_eq!(members(m.clone(), vip.id.clone()).await, 0);
    assert_eq!(
        m.customer_groups()
            .retrieve(&vip.id)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn relations_load_in_one_statement_per_batch() {
    let (_db, m) = env().await;
    let g = m
        .customer_groups()
        .create_one(CreateCustomerGroup::new("G"))
        .await
        .unwrap();
    let mut customers = Vec::new();
    for i in 0..5 {
        let c = m
            .customers()
            .create_one(customer(&format!("{i}@example.com"), true))
            .await
            .unwrap();
        m.create_address(&c.id, address("X", false, false))
            .await
            .unwrap();
        m.create_address(&c.id, address("Y", false, false))
            .await
            .unwrap();
        m.update_group_customers(&g.id, std::slice::from_ref(&c.id), &[], None)
            .await
            .unwrap();
        customers.push(c);
    }
    let source = sources(&m)
        .into_iter()
        .find(|s| s.entity() == "customer")
        .unwrap();
    let records: Vec<Record> = customers.iter().map(|c| to_record(c).unwrap()).collect();
    let refs: Vec<&Record> = records.iter().collect();
    let (addresses, n) =
        QueryCounter::scope(source.load_relation("addresses", &refs, QueryContext::ADMIN)).await;
    assert_eq!(addresses.unwrap().len(), 10);
    assert_eq!(n, 1);
    let (groups, n) =
        QueryCounter::scope(source.load_relation("groups", &refs, QueryContext::ADMIN)).await;
    let groups = groups.unwrap();
    assert_eq!(groups.len(), 5);
    assert_eq!(groups[0].1["name"], "G");
    assert_eq!(n, 1);
}
