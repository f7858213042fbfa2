//! Customer groups and their members.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::list::{OrderBy, Page, contains_pattern};
use stheno_module_sdk::time::now;
use stheno_module_sdk::{Error, Result, apply_order};

use crate::models::{CustomerGroup, prefix};
use crate::schema::{customer, customer_group, customer_group_customer};
use crate::{
    CreateGroupInput, CustomerModule, GroupFilter, UpdateGroupInput, duplicate, not_found,
};

/// Remove the memberships of `customers` in `groups` (every pair).
async fn unlink(
    c: &mut diesel_async::AsyncPgConnection,
    customers: &[String],
    groups: &[String],
) -> Result<()> {
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
    c: &mut diesel_async::AsyncPgConnection,
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

fn filtered(f: &GroupFilter) -> customer_group::BoxedQuery<'_, Pg> {
    let mut q = customer_group::table
        .into_boxed()
        .filter(customer_group::deleted_at.is_null());
    if let Some(ids) = &f.id {
        q = q.filter(customer_group::id.eq_any(ids.as_slice()));
    }
    if let Some(v) = &f.name {
        q = q.filter(customer_group::name.eq_any(v.as_slice()));
    }
    if let Some(text) = f.q.as_deref().filter(|t| !t.is_empty()) {
        q = q.filter(customer_group::name.ilike(contains_pattern(text)));
    }
    q
}

fn name_taken(name: &str) -> String {
    format!("Customer group with name: {name}, already exists.")
}

impl CustomerModule {
    /// A page of live groups and the total count.
    pub async fn list_groups(
        &self,
        filter: &GroupFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<CustomerGroup>, i64)> {
        let rows = apply_order!(filtered(filter), order,
            default: customer_group::created_at.asc(), tiebreak: customer_group::id.asc(), {
            "id" => customer_group::id,
            "name" => customer_group::name,
            "created_at" => customer_group::created_at,
            "updated_at" => customer_group::updated_at,
        })
        .select(CustomerGroup::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = filtered(filter).count().get_result(&mut conn).await?;
        Ok((rows.load(&mut conn).await?, count))
    }

    pub async fn retrieve_group(&self, id: &str) -> Result<CustomerGroup> {
        let mut conn = self.conn().await?;
        customer_group::table
            .filter(customer_group::id.eq(id))
            .filter(customer_group::deleted_at.is_null())
            .select(CustomerGroup::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| not_found("CustomerGroup", id))
    }

    pub async fn create_group(&self, input: CreateGroupInput) -> Result<CustomerGroup> {
        let mut conn = self.conn().await?;
        let created: CustomerGroup = diesel::insert_into(customer_group::table)
            .values((
                customer_group::id.eq(generate_id(prefix::GROUP)),
                customer_group::name.eq(&input.name),
                customer_group::metadata.eq(&input.metadata),
                customer_group::created_by.eq(&input.created_by),
            ))
            .returning(CustomerGroup::as_returning())
            .get_result(&mut conn)
            .await
            .map_err(|e| duplicate(e, || name_taken(&input.name)))?;
        self.emit("customer.customer_group.created", &[&created.id])
            .await;
        Ok(created)
    }

    pub async fn update_group(&self, id: &str, input: UpdateGroupInput) -> Result<CustomerGroup> {
        #[derive(AsChangeset)]
        #[diesel(table_name = customer_group)]
        struct Changes {
            name: Option<String>,
            metadata: Option<Option<serde_json::Value>>,
            updated_at: chrono::DateTime<chrono::Utc>,
        }
        let name = input.name.clone().unwrap_or_default();
        let mut conn = self.conn().await?;
        let updated = diesel::update(
            customer_group::table
                .filter(customer_group::id.eq(id))
                .filter(customer_group::deleted_at.is_null()),
        )
        .set(&Changes {
            name: input.name,
            metadata: input.metadata,
            updated_at: now(),
        })
        .returning(CustomerGroup::as_returning())
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| duplicate(e, || name_taken(&name)))?
        .ok_or_else(|| not_found("CustomerGroup", id))?;
        self.emit("customer.customer_group.updated", &[id]).await;
        Ok(updated)
    }

    /// Soft delete a group; its memberships are removed.
    pub async fn delete_group(&self, id: &str) -> Result<()> {
        let id_owned = id.to_string();
        let mut conn = self.conn().await?;
        conn.transaction::<_, Error, _>(async move |c| {
            let n = diesel::update(
                customer_group::table
                    .filter(customer_group::id.eq(&id_owned))
                    .filter(customer_group::deleted_at.is_null()),
            )
            .set(customer_group::deleted_at.eq(now()))
            .execute(c)
            .await?;
            if n == 0 {
                return Err(not_found("CustomerGroup", &id_owned));
            }
            diesel::delete(
                customer_group_customer::table
                    .filter(customer_group_customer::customer_group_id.eq(&id_owned)),
            )
            .execute(c)
            .await?;
            Ok(())
        })
        .await?;
        self.emit("customer.customer_group.deleted", &[id]).await;
        Ok(())
    }

    /// Add and remove members of a group in one transaction. Every id must be
    /// a live customer (checked in one query; the first missing one is
    /// named); adding a member twice is a no-op.
    pub async fn update_group_customers(
        &self,
        group_id: &str,
        add: &[String],
        remove: &[String],
        created_by: Option<&str>,
    ) -> Result<()> {
        let (group_id, add, remove) = (group_id.to_string(), add.to_vec(), remove.to_vec());
        let created_by = created_by.map(str::to_owned);
        let mut conn = self.conn().await?;
        conn.transaction::<_, Error, _>(async move |c| {
            let group: Option<String> = customer_group::table
                .filter(customer_group::id.eq(&group_id))
                .filter(customer_group::deleted_at.is_null())
                .select(customer_group::id)
                .for_update()
                .first(c)
                .await
                .optional()?;
            if group.is_none() {
                return Err(not_found("CustomerGroup", &group_id));
            }
            let wanted: Vec<&String> = add.iter().chain(&remove).collect();
            let found: Vec<String> = customer::table
                .filter(customer::id.eq_any(&wanted))
                .filter(customer::deleted_at.is_null())
                .select(customer::id)
                .load(c)
                .await?;
            if let Some(missing) = wanted.iter().find(|id| !found.contains(id)) {
                return Err(not_found("Customer", missing));
            }
            let group = std::slice::from_ref(&group_id);
            unlink(c, &remove, group).await?;
            let pairs: Vec<(&str, &str)> = add
                .iter()
                .map(|m| (m.as_str(), group_id.as_str()))
                .collect();
            link(c, &pairs, created_by.as_deref()).await?;
            Ok(())
        })
        .await
    }

    /// Add the customer to groups and remove it from others, in one
    /// transaction. The customer and every group must be live (checked in
    /// one query each).
    pub async fn update_customer_groups(
        &self,
        customer_id: &str,
        add: &[String],
        remove: &[String],
        created_by: Option<&str>,
    ) -> Result<()> {
        let (customer_id, add, remove) = (customer_id.to_string(), add.to_vec(), remove.to_vec());
        let created_by = created_by.map(str::to_owned);
        let mut conn = self.conn().await?;
        conn.transaction::<_, Error, _>(async move |c| {
            let found: Option<String> = customer::table
                .filter(customer::id.eq(&customer_id))
                .filter(customer::deleted_at.is_null())
                .select(customer::id)
                .for_update()
                .first(c)
                .await
                .optional()?;
            if found.is_none() {
                return Err(not_found("Customer", &customer_id));
            }
            let wanted: Vec<&String> = add.iter().chain(&remove).collect();
            let groups: Vec<String> = customer_group::table
                .filter(customer_group::id.eq_any(&wanted))
                .filter(customer_group::deleted_at.is_null())
                .select(customer_group::id)
                .load(c)
                .await?;
            if let Some(missing) = wanted.iter().find(|id| !groups.contains(id)) {
                return Err(not_found("CustomerGroup", missing));
            }
            let member = std::slice::from_ref(&customer_id);
            unlink(c, member, &remove).await?;
            let pairs: Vec<(&str, &str)> = add
                .iter()
                .map(|g| (customer_id.as_str(), g.as_str()))
                .collect();
            link(c, &pairs, created_by.as_deref()).await?;
            Ok(())
        })
        .await
    }

    /// The ids of the group's members.
    pub async fn group_customer_ids(&self, group_id: &str) -> Result<Vec<String>> {
        let mut conn = self.conn().await?;
        Ok(customer_group_customer::table
            .filter(customer_group_customer::customer_group_id.eq(group_id))
            .filter(customer_group_customer::deleted_at.is_null())
            .select(customer_group_customer::customer_id)
            .load(&mut conn)
            .await?)
    }

    /// Delete a group for good (undoing its creation).
    pub async fn remove_group(&self, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::delete(customer_group::table.filter(customer_group::id.eq(id)))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Undo [`CustomerModule::delete_group`]: the group and its memberships
    /// of `members` (those still live).
    pub async fn restore_group(&self, id: &str, members: &[String]) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::update(customer_group::table.filter(customer_group::id.eq(id)))
            .set(customer_group::deleted_at.eq(None::<chrono::DateTime<chrono::Utc>>))
            .execute(&mut conn)
            .await?;
        drop(conn);
        let live: Vec<String> = {
            let mut conn = self.conn().await?;
            customer::table
                .filter(customer::id.eq_any(members))
                .filter(customer::deleted_at.is_null())
                .select(customer::id)
                .load(&mut conn)
                .await?
        };
        self.update_group_customers(id, &live, &[], None).await
    }
}
