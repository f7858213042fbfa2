//! Customers: list, retrieve, create, update, soft delete.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::list::{OrderBy, Page, contains_pattern};
use stheno_module_sdk::time::now;
use stheno_module_sdk::{Result, apply_order};

use crate::models::{Customer, prefix};
use crate::schema::{customer, customer_address, customer_group_customer};
use crate::{
    CreateCustomerInput, CustomerFilter, CustomerModule, UpdateCustomerInput, duplicate, not_found,
};

#[derive(AsChangeset)]
#[diesel(table_name = customer)]
struct Changes {
    email: Option<Option<String>>,
    company_name: Option<Option<String>>,
    first_name: Option<Option<String>>,
    last_name: Option<Option<String>>,
    phone: Option<Option<String>>,
    metadata: Option<Option<serde_json::Value>>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

fn filtered(f: &CustomerFilter) -> customer::BoxedQuery<'_, Pg> {
    let mut q = customer::table
        .into_boxed()
        .filter(customer::deleted_at.is_null());
    if let Some(ids) = &f.id {
        q = q.filter(customer::id.eq_any(ids.as_slice()));
    }
    if let Some(v) = &f.email {
        q = q.filter(customer::email.eq_any(v.as_slice()));
    }
    if let Some(v) = f.has_account {
        q = q.filter(customer::has_account.eq(v));
    }
    if let Some(groups) = &f.groups {
        let members = customer_group_customer::table
            .filter(customer_group_customer::customer_group_id.eq_any(groups.as_slice()))
            .filter(customer_group_customer::deleted_at.is_null())
            .select(customer_group_customer::customer_id);
        q = q.filter(customer::id.eq_any(members));
    }
    if let Some(text) = f.q.as_deref().filter(|t| !t.is_empty()) {
        let p = contains_pattern(text);
        q = q.filter(
            customer::email
                .ilike(p.clone())
                .or(customer::first_name.ilike(p.clone()))
                .or(customer::last_name.ilike(p.clone()))
                .or(customer::company_name.ilike(p.clone()))
                .or(customer::phone.ilike(p)),
        );
    }
    q
}

impl CustomerModule {
    /// A page of live customers and the total count. Order fields: `id`,
    /// `email`, `first_name`, `last_name`, `company_name`, `has_account`,
    /// `created_at`, `updated_at`.
    pub async fn list_customers(
        &self,
        filter: &CustomerFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<Customer>, i64)> {
        let rows = apply_order!(filtered(filter), order,
            default: customer::created_at.asc(), tiebreak: customer::id.asc(), {
            "id" => customer::id,
            "email" => customer::email,
            "first_name" => customer::first_name,
            "last_name" => customer::last_name,
            "company_name" => customer::company_name,
            "has_account" => customer::has_account,
            "created_at" => customer::created_at,
            "updated_at" => customer::updated_at,
        })
        .select(Customer::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = filtered(filter).count().get_result(&mut conn).await?;
        Ok((rows.load(&mut conn).await?, count))
    }

    /// One live customer.
    pub async fn retrieve_customer(&self, id: &str) -> Result<Customer> {
        let mut conn = self.conn().await?;
        customer::table
            .filter(customer::id.eq(id))
            .filter(customer::deleted_at.is_null())
            .select(Customer::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| not_found("Customer", id))
    }

    /// Create a customer. An email already used by a customer with the same
    /// `has_account` is a `duplicate_error`.
    pub async fn create_customer(&self, input: CreateCustomerInput) -> Result<Customer> {
        let mut conn = self.conn().await?;
        let created: Customer = diesel::insert_into(customer::table)
            .values((
                customer::id.eq(generate_id(prefix::CUSTOMER)),
                customer::email.eq(&input.email),
                customer::company_name.eq(&input.company_name),
                customer::first_name.eq(&input.first_name),
                customer::last_name.eq(&input.last_name),
                customer::phone.eq(&input.phone),
                customer::has_account.eq(input.has_account),
                customer::metadata.eq(&input.metadata),
                customer::created_by.eq(&input.created_by),
            ))
            .returning(Customer::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(|e| {
                duplicate(e, || {
                    format!(
                        "Customer with email: {}, has_account: {}, already exists.",
                        input.email.as_deref().unwrap_or_default(),
                        input.has_account
                    )
                })
            })?;
        self.emit("customer.customer.created", &[&created.id]).await;
        Ok(created)
    }

    pub async fn update_customer(&self, id: &str, input: UpdateCustomerInput) -> Result<Customer> {
        let email = input.email.clone();
        let changes = Changes {
            email: input.email,
            company_name: input.company_name,
            first_name: input.first_name,
            last_name: input.last_name,
            phone: input.phone,
            metadata: input.metadata,
            updated_at: now(),
        };
        let mut conn = self.conn().await?;
        let updated = diesel::update(
            customer::table
                .filter(customer::id.eq(id))
                .filter(customer::deleted_at.is_null()),
        )
        .set(&changes)
        .returning(Customer::as_returning())
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| {
            duplicate(e, || {
                format!(
                    "Customer with email: {}, already exists.",
                    email.flatten().unwrap_or_default()
                )
            })
        })?
        .ok_or_else(|| not_found("Customer", id))?;
        self.emit("customer.customer.updated", &[id]).await;
        Ok(updated)
    }

    /// Soft delete a customer with its addresses and group memberships.
    pub async fn delete_customer(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        let at = now();
        let id_owned = id.to_string();
        conn.transaction::<_, stheno_module_sdk::Error, _>(async move |c| {
            let id = id_owned.as_str();
            let n = diesel::update(
                customer::table
                    .filter(customer::id.eq(id))
                    .filter(customer::deleted_at.is_null()),
            )
            .set(customer::deleted_at.eq(at))
            .execute(c)
            .await?;
            if n == 0 {
                return Err(not_found("Customer", id));
            }
            diesel::update(
                customer_address::table
                    .filter(customer_address::customer_id.eq(id))
                    .filter(customer_address::deleted_at.is_null()),
            )
            .set(customer_address::deleted_at.eq(at))
            .execute(c)
            .await?;
            diesel::delete(
                customer_group_customer::table.filter(customer_group_customer::customer_id.eq(id)),
            )
            .execute(c)
            .await?;
            Ok(())
        })
        .await?;
        self.emit("customer.customer.deleted", &[id]).await;
        Ok(())
    }

    /// Delete a customer for good, with its addresses and memberships
    /// (undoing its creation).
    pub async fn remove_customer(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::delete(customer::table.filter(customer::id.eq(id)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// The ids of the groups the customer is in.
    pub async fn customer_group_ids(&self, id: &str) -> Result<Vec<String>> {
        let mut conn = self.conn().await?;
        Ok(customer_group_customer::table
            .filter(customer_group_customer::customer_id.eq(id))
            .filter(customer_group_customer::deleted_at.is_null())
            .select(customer_group_customer::customer_group_id)
            .load(&mut conn)
            .await?)
    }

    /// Undo [`CustomerModule::delete_customer`]: the customer, the addresses
    /// deleted with it (same `deleted_at`) and its memberships in `groups`
    /// (those still live), in one transaction.
    pub async fn restore_customer(&self, id: &str, groups: &[String]) -> Result<()> {
        let (id_owned, groups) = (id.to_string(), groups.to_vec());
        let mut conn = self.conn().await?;
        conn.transaction::<_, stheno_module_sdk::Error, _>(async move |c| {
            let id = id_owned.as_str();
            let deleted_at: Option<Option<chrono::DateTime<chrono::Utc>>> = customer::table
                .filter(customer::id.eq(id))
                .select(customer::deleted_at)
                .first(c)
                .await
                .optional()?;
            let Some(Some(at)) = deleted_at else {
                return Ok(());
            };
            diesel::update(customer::table.filter(customer::id.eq(id)))
                .set(customer::deleted_at.eq(None::<chrono::DateTime<chrono::Utc>>))
                .execute(c)
                .await?;
            diesel::update(
                customer_address::table
                    .filter(customer_address::customer_id.eq(id))
                    .filter(customer_address::deleted_at.eq(at)),
            )
            .set(customer_address::deleted_at.eq(None::<chrono::DateTime<chrono::Utc>>))
            .execute(c)
            .await?;
            let live: Vec<String> = crate::schema::customer_group::table
                .filter(crate::schema::customer_group::id.eq_any(&groups))
                .filter(crate::schema::customer_group::deleted_at.is_null())
                .select(crate::schema::customer_group::id)
                .load(c)
                .await?;
            let rows: Vec<_> = live
                .iter()
                .map(|g| {
                    (
                        customer_group_customer::id.eq(generate_id(prefix::GROUP_CUSTOMER)),
                        customer_group_customer::customer_id.eq(id),
                        customer_group_customer::customer_group_id.eq(g),
                    )
                })
                .collect();
            if !rows.is_empty() {
                diesel::insert_into(customer_group_customer::table)
                    .values(&rows)
                    .on_conflict_do_nothing()
                    .execute(c)
                    .await?;
            }
            Ok(())
        })
        .await?;
        self.emit("customer.customer.restored", &[id]).await;
        Ok(())
    }
}
