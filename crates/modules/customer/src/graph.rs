//! The customer module's entities for Query: `customer.addresses`,
//! `customer.groups`, `customer_group.customers`, `customer_address.customer`
//! — each one statement for a whole batch of parents.

use std::sync::Arc;

use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use stheno_module_sdk::graph::{
    EntitySource, QueryContext, Record, RelationDef, record_id, to_record,
};
use stheno_module_sdk::{Error, Result, async_trait};

use crate::CustomerModule;
use crate::models::{Customer, CustomerGroup};
use crate::schema::{customer, customer_group, customer_group_customer};

pub fn sources(m: &Arc<CustomerModule>) -> Vec<Arc<dyn EntitySource>> {
    vec![
        Arc::new(Customers(m.clone())),
        Arc::new(Groups(m.clone())),
        Arc::new(Addresses(m.clone())),
    ]
}

fn ids(parents: &[&Record]) -> Vec<String> {
    parents
        .iter()
        .filter_map(|p| record_id(p).map(str::to_owned))
        .collect()
}

fn unknown(entity: &str, relation: &str) -> Error {
    Error::invalid_data(format!("{entity} has no relation {relation}"))
}

struct Customers(Arc<CustomerModule>);
struct Groups(Arc<CustomerModule>);
struct Addresses(Arc<CustomerModule>);

static CUSTOMER_RELATIONS: [RelationDef; 2] = [
    RelationDef::many("addresses", "customer_address"),
    RelationDef::many("groups", "customer_group"),
];
static GROUP_RELATIONS: [RelationDef; 1] = [RelationDef::many("customers", "customer")];
static ADDRESS_RELATIONS: [RelationDef; 1] = [RelationDef::one("customer", "customer")];

#[async_trait]
impl EntitySource for Customers {
    fn entity(&self) -> &'static str {
        "customer"
    }
    fn relations(&self) -> &'static [RelationDef] {
        &CUSTOMER_RELATIONS
    }
    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        _ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        let ids = ids(parents);
        match relation {
            "addresses" => self
                .0
                .addresses_of(&ids)
                .await?
                .iter()
                .map(|a| Ok((a.customer_id.clone(), to_record(a)?)))
                .collect(),
            "groups" => {
                let mut conn = self.0.conn().await?;
                let rows: Vec<(String, CustomerGroup)> = customer_group_customer::table
                    .inner_join(customer_group::table)
                    .filter(customer_group_customer::customer_id.eq_any(&ids))
                    .filter(customer_group_customer::deleted_at.is_null())
                    .filter(customer_group::deleted_at.is_null())
                    .order((customer_group::name.asc(), customer_group::id.asc()))
                    .select((
                        customer_group_customer::customer_id,
                        CustomerGroup::as_select(),
                    ))
                    .load(&mut conn)
                    .await?;
                rows.iter()
                    .map(|(owner, g)| Ok((owner.clone(), to_record(g)?)))
                    .collect()
            }
            other => Err(unknown("customer", other)),
        }
    }
}

#[async_trait]
impl EntitySource for Groups {
    fn entity(&self) -> &'static str {
        "customer_group"
    }
    fn relations(&self) -> &'static [RelationDef] {
        &GROUP_RELATIONS
    }
    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        _ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        if relation != "customers" {
            return Err(unknown("customer_group", relation));
        }
        let ids = ids(parents);
        let mut conn = self.0.conn().await?;
        let rows: Vec<(String, Customer)> = customer_group_customer::table
            .inner_join(customer::table)
            .filter(customer_group_customer::customer_group_id.eq_any(&ids))
            .filter(customer_group_customer::deleted_at.is_null())
            .filter(customer::deleted_at.is_null())
            .order((customer::created_at.asc(), customer::id.asc()))
            .select((
                customer_group_customer::customer_group_id,
                Customer::as_select(),
            ))
            .load(&mut conn)
            .await?;
        rows.iter()
            .map(|(owner, c)| Ok((owner.clone(), to_record(c)?)))
            .collect()
    }
}

#[async_trait]
impl EntitySource for Addresses {
    fn entity(&self) -> &'static str {
        "customer_address"
    }
    fn relations(&self) -> &'static [RelationDef] {
        &ADDRESS_RELATIONS
    }
    async fn load_relation(
        &self,
        relation: &str,
        parents: &[&Record],
        _ctx: QueryContext,
    ) -> Result<Vec<(String, Record)>> {
        if relation != "customer" {
            return Err(unknown("customer_address", relation));
        }
        let owners: Vec<(String, String)> = parents
            .iter()
            .filter_map(|p| {
                Some((
                    record_id(p)?.to_owned(),
                    p.get("customer_id")?.as_str()?.to_owned(),
                ))
            })
            .collect();
        let customer_ids: Vec<&String> = owners.iter().map(|(_, c)| c).collect();
        let mut conn = self.0.conn().await?;
        let customers: Vec<Customer> = customer::table
            .filter(customer::id.eq_any(customer_ids))
            .filter(customer::deleted_at.is_null())
            .select(Customer::as_select())
            .load(&mut conn)
            .await?;
        let mut out = Vec::new();
        for (address_id, customer_id) in &owners {
            if let Some(c) = customers.iter().find(|c| &c.id == customer_id) {
                out.push((address_id.clone(), to_record(c)?));
            }
        }
        Ok(out)
    }
}
