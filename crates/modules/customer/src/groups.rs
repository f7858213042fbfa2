//! Group memberships (`customer_group_customer`), from either side.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use stheno_module_sdk::Result;
use stheno_module_sdk::entity::{
    Bind, Condition, Entity, EntityService, FieldFilter, ListConfig, Tx,
};
use stheno_module_sdk::id::generate_id;

use crate::CustomerModule;
use crate::models::{CustomerFilter, CustomerGroupFilter, prefix};
use crate::schema::customer_group_customer;

/// Remove the memberships of `customers` in `groups` (every pair).
async fn unlink(c: &mut AsyncPgConnection, customers: &[String], groups: &[String]) -> Result<()> {
    if customers.is_empty() || groups.is_empty() {
        return Ok(());
    }
    diesel::delete(
        customer_group_customer::table
            .filter(customer_group_customer::customer_id.eq_any(customers))
            .filter(customer_group_customer::customer_group_id.eq_any(groups)),
    )
    .execute(c)
    .await?;
    Ok(())
}

/// Add `(customer, group)` memberships; existing ones are left alone.
async fn link(
    c: &mut AsyncPgConnection,
    pairs: &[(&str, &str)],
    created_by: Option<&str>,
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let rows: Vec<_> = pairs
        .iter()
        .map(|(customer_id, group_id)| {
            (
                customer_group_customer::id.eq(generate_id(prefix::GROUP_CUSTOMER)),
                customer_group_customer::customer_id.eq(*customer_id),
                customer_group_customer::customer_group_id.eq(*group_id),
                customer_group_customer::created_by.eq(created_by),
            )
        })
        .collect();
    diesel::insert_into(customer_group_customer::table)
        .values(&rows)
        .on_conflict_do_nothing()
        .execute(c)
        .await?;
    Ok(())
}

/// Every id of `ids` must be a live `E` (one query); the first missing one
/// is named.
async fn all_live<E: Entity>(
    service: &EntityService<E>,
    tx: &mut Tx<'_>,
    ids: &[&String],
) -> Result<()> {
    let condition = Condition::In {
        column: "id",
        values: ids.iter().map(|id| Bind::Text(id.to_string())).collect(),
        negated: false,
    };
    let found = service
        .list_where_in(tx, &condition, &ListConfig::default())
        .await?;
    match ids
        .iter()
        .find(|id| !found.iter().any(|f| f.id() == id.as_str()))
    {
        Some(missing) => Err(E::META.not_found(missing)),
        None => Ok(()),
    }
}

impl CustomerModule {
    /// Add and remove members of a group in one transaction (the group row
    /// locked). Every id must be a live customer; adding a member twice is
    /// a no-op.
    pub async fn update_group_customers(
        &self,
        group_id: &str,
        add: &[String],
        remove: &[String],
        created_by: Option<&str>,
    ) -> Result<()> {
        let (groups, customers) = (self.groups.clone(), self.customers.clone());
        let (group_id, add, remove) = (group_id.to_string(), add.to_vec(), remove.to_vec());
        let created_by = created_by.map(str::to_owned);
        self.groups
            .transaction(|tx| {
                Box::pin(async move {
                    groups.retrieve_for_update(tx, &group_id).await?;
                    let wanted: Vec<&String> = add.iter().chain(&remove).collect();
                    all_live(&customers, tx, &wanted).await?;
                    unlink(tx.conn(), &remove, std::slice::from_ref(&group_id)).await?;
                    let pairs: Vec<(&str, &str)> = add
                        .iter()
                        .map(|m| (m.as_str(), group_id.as_str()))
                        .collect();
                    link(tx.conn(), &pairs, created_by.as_deref()).await
                })
            })
            .await
    }

    /// Add the customer to groups and remove it from others, in one
    /// transaction (the customer row locked). Every id must be a live
    /// group.
    pub async fn update_customer_groups(
        &self,
        customer_id: &str,
        add: &[String],
        remove: &[String],
        created_by: Option<&str>,
    ) -> Result<()> {
        let (groups, customers) = (self.groups.clone(), self.customers.clone());
        let (customer_id, add, remove) = (customer_id.to_string(), add.to_vec(), remove.to_vec());
        let created_by = created_by.map(str::to_owned);
        self.customers
            .transaction(|tx| {
                Box::pin(async move {
                    customers.retrieve_for_update(tx, &customer_id).await?;
                    let wanted: Vec<&String> = add.iter().chain(&remove).collect();
                    all_live(&groups, tx, &wanted).await?;
                    unlink(tx.conn(), std::slice::from_ref(&customer_id), &remove).await?;
                    let pairs: Vec<(&str, &str)> = add
                        .iter()
                        .map(|g| (customer_id.as_str(), g.as_str()))
                        .collect();
                    link(tx.conn(), &pairs, created_by.as_deref()).await
                })
            })
            .await
    }

    /// The ids of the group's live members.
    pub async fn group_customer_ids(&self, group_id: &str) -> Result<Vec<String>> {
        let filter = CustomerFilter {
            groups: Some(FieldFilter::Eq(group_id.to_string())),
            ..Default::default()
        };
        ids(self.customers.list(&filter, &ListConfig::default()).await)
    }

    /// The ids of the live groups the customer is in.
    pub async fn customer_group_ids(&self, customer_id: &str) -> Result<Vec<String>> {
        let filter = CustomerGroupFilter {
            customers: Some(FieldFilter::Eq(customer_id.to_string())),
            ..Default::default()
        };
        ids(self.groups.list(&filter, &ListConfig::default()).await)
    }
}

fn ids<E: Entity>(rows: Result<Vec<E>>) -> Result<Vec<String>> {
    Ok(rows?.iter().map(|r| r.id().to_string()).collect())
}
