//! Addresses, always reached through their customer.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::list::{OrderBy, Page, contains_pattern};
use stheno_module_sdk::time::now;
use stheno_module_sdk::{Error, Result, apply_order};

use crate::models::{CustomerAddress, prefix};
use crate::schema::{customer, customer_address};
use crate::{AddressFilter, AddressInput, CustomerModule, not_found};

#[derive(AsChangeset)]
#[diesel(table_name = customer_address)]
struct Changes {
    address_name: Option<Option<String>>,
    is_default_shipping: Option<bool>,
    is_default_billing: Option<bool>,
    company: Option<Option<String>>,
    first_name: Option<Option<String>>,
    last_name: Option<Option<String>>,
    address_1: Option<Option<String>>,
    address_2: Option<Option<String>>,
    city: Option<Option<String>>,
    country_code: Option<Option<String>>,
    province: Option<Option<String>>,
    postal_code: Option<Option<String>>,
    phone: Option<Option<String>>,
    metadata: Option<Option<serde_json::Value>>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<AddressInput> for Changes {
    fn from(a: AddressInput) -> Self {
        Changes {
            address_name: a.address_name,
            is_default_shipping: a.is_default_shipping,
            is_default_billing: a.is_default_billing,
            company: a.company,
            first_name: a.first_name,
            last_name: a.last_name,
            address_1: a.address_1,
            address_2: a.address_2,
            city: a.city,
            country_code: a.country_code.map(|c| c.map(|c| c.to_lowercase())),
            province: a.province,
            postal_code: a.postal_code,
            phone: a.phone,
            metadata: a.metadata,
            updated_at: now(),
        }
    }
}

fn filtered<'a>(
    customer_id: &'a str,
    f: &'a AddressFilter,
) -> customer_address::BoxedQuery<'a, Pg> {
    let mut q = customer_address::table
        .into_boxed()
        .filter(customer_address::customer_id.eq(customer_id))
        .filter(customer_address::deleted_at.is_null());
    if let Some(ids) = &f.id {
        q = q.filter(customer_address::id.eq_any(ids.as_slice()));
    }
    if let Some(v) = &f.city {
        q = q.filter(customer_address::city.eq_any(v.as_slice()));
    }
    if let Some(v) = &f.country_code {
        q = q.filter(customer_address::country_code.eq_any(v.as_slice()));
    }
    if let Some(v) = &f.postal_code {
        q = q.filter(customer_address::postal_code.eq_any(v.as_slice()));
    }
    if let Some(text) = f.q.as_deref().filter(|t| !t.is_empty()) {
        let p = contains_pattern(text);
        q = q.filter(
            customer_address::address_name
                .ilike(p.clone())
                .or(customer_address::address_1.ilike(p.clone()))
                .or(customer_address::address_2.ilike(p.clone()))
                .or(customer_address::city.ilike(p.clone()))
                .or(customer_address::company.ilike(p.clone()))
                .or(customer_address::first_name.ilike(p.clone()))
                .or(customer_address::last_name.ilike(p.clone()))
                .or(customer_address::postal_code.ilike(p.clone()))
                .or(customer_address::phone.ilike(p)),
        );
    }
    q
}

/// Lock the live customer row (serialises default-address changes) or fail
/// with `not_found`.
async fn lock_customer(c: &mut AsyncPgConnection, customer_id: &str) -> Result<()> {
    let found: Option<String> = customer::table
        .filter(customer::id.eq(customer_id))
        .filter(customer::deleted_at.is_null())
        .select(customer::id)
        .for_update()
        .first(c)
        .await
        .optional()?;
    found
        .map(|_| ())
        .ok_or_else(|| not_found("Customer", customer_id))
}

/// Unset the customer's other default shipping/billing address when `id`
/// becomes the default.
async fn unset_defaults(
    c: &mut AsyncPgConnection,
    customer_id: &str,
    id: &str,
    shipping: bool,
    billing: bool,
) -> Result<()> {
    let others = || {
        customer_address::table
            .filter(customer_address::customer_id.eq(customer_id))
            .filter(customer_address::id.ne(id))
            .filter(customer_address::deleted_at.is_null())
    };
    if shipping {
        diesel::update(others().filter(customer_address::is_default_shipping.eq(true)))
            .set(customer_address::is_default_shipping.eq(false))
            .execute(c)
            .await?;
    }
    if billing {
        diesel::update(others().filter(customer_address::is_default_billing.eq(true)))
            .set(customer_address::is_default_billing.eq(false))
            .execute(c)
            .await?;
    }
    Ok(())
}

impl CustomerModule {
    /// A page of the customer's live addresses and their count.
    pub async fn list_addresses(
        &self,
        customer_id: &str,
        filter: &AddressFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<CustomerAddress>, i64)> {
        let rows = apply_order!(filtered(customer_id, filter), order,
            default: customer_address::created_at.asc(), tiebreak: customer_address::id.asc(), {
            "id" => customer_address::id,
            "address_name" => customer_address::address_name,
            "city" => customer_address::city,
            "country_code" => customer_address::country_code,
            "postal_code" => customer_address::postal_code,
            "created_at" => customer_address::created_at,
            "updated_at" => customer_address::updated_at,
        })
        .select(CustomerAddress::as_select())
        .offset(page.offset)
        .limit(page.limit);
        let mut conn = self.conn().await?;
        let count = filtered(customer_id, filter)
            .count()
            .get_result(&mut conn)
            .await?;
        Ok((rows.load(&mut conn).await?, count))
    }

    /// The live addresses of several customers (one statement).
    pub async fn addresses_of(&self, customer_ids: &[String]) -> Result<Vec<CustomerAddress>> {
        let mut conn = self.conn().await?;
        Ok(customer_address::table
            .filter(customer_address::customer_id.eq_any(customer_ids))
            .filter(customer_address::deleted_at.is_null())
            .order((
                customer_address::created_at.asc(),
                customer_address::id.asc(),
            ))
            .select(CustomerAddress::as_select())
            .load(&mut conn)
            .await?)
    }

    /// One of the customer's addresses; another customer's address is
    /// `not_found`, as if it did not exist.
    pub async fn retrieve_address(&self, customer_id: &str, id: &str) -> Result<CustomerAddress> {
        let mut conn = self.conn().await?;
        customer_address::table
            .filter(customer_address::id.eq(id))
            .filter(customer_address::customer_id.eq(customer_id))
            .filter(customer_address::deleted_at.is_null())
            .select(CustomerAddress::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| not_found("Address", id))
    }

    /// Add an address; if it is a default, the old default is unset first.
    pub async fn create_address(
        &self,
        customer_id: &str,
        input: AddressInput,
    ) -> Result<CustomerAddress> {
        let id = generate_id(prefix::ADDRESS);
        let customer_id = customer_id.to_string();
        let mut conn = self.conn().await?;
        let created = conn
            .transaction::<_, Error, _>(async move |c| {
                lock_customer(c, &customer_id).await?;
                let shipping = input.is_default_shipping.unwrap_or(false);
                let billing = input.is_default_billing.unwrap_or(false);
                unset_defaults(c, &customer_id, &id, shipping, billing).await?;
                let mut changes = Changes::from(input);
                changes.is_default_shipping = Some(shipping);
                changes.is_default_billing = Some(billing);
                let flat = |v: Option<Option<String>>| v.flatten();
                let created: CustomerAddress = diesel::insert_into(customer_address::table)
                    .values((
                        customer_address::id.eq(&id),
                        customer_address::customer_id.eq(&customer_id),
                        customer_address::address_name.eq(flat(changes.address_name)),
                        customer_address::is_default_shipping.eq(shipping),
                        customer_address::is_default_billing.eq(billing),
                        customer_address::company.eq(flat(changes.company)),
                        customer_address::first_name.eq(flat(changes.first_name)),
                        customer_address::last_name.eq(flat(changes.last_name)),
                        customer_address::address_1.eq(flat(changes.address_1)),
                        customer_address::address_2.eq(flat(changes.address_2)),
                        customer_address::city.eq(flat(changes.city)),
                        customer_address::country_code.eq(flat(changes.country_code)),
                        customer_address::province.eq(flat(changes.province)),
                        customer_address::postal_code.eq(flat(changes.postal_code)),
                        customer_address::phone.eq(flat(changes.phone)),
                        customer_address::metadata.eq(changes.metadata.flatten()),
                    ))
                    .returning(CustomerAddress::as_returning())
                    .get_result(c)
                    .await?;
                Ok(created)
            })
            .await?;
        self.emit("customer.customer_address.created", &[&created.id])
            .await;
        Ok(created)
    }

    /// Change one of the customer's addresses (another customer's is
    /// `not_found`); becoming a default unsets the old default.
    pub async fn update_address(
        &self,
        customer_id: &str,
        id: &str,
        input: AddressInput,
    ) -> Result<CustomerAddress> {
        let (customer_id, id) = (customer_id.to_string(), id.to_string());
        let mut conn = self.conn().await?;
        let updated = conn
            .transaction::<_, Error, _>(async move |c| {
                lock_customer(c, &customer_id).await?;
                let shipping = input.is_default_shipping == Some(true);
                let billing = input.is_default_billing == Some(true);
                unset_defaults(c, &customer_id, &id, shipping, billing).await?;
                diesel::update(
                    customer_address::table
                        .filter(customer_address::id.eq(&id))
                        .filter(customer_address::customer_id.eq(&customer_id))
                        .filter(customer_address::deleted_at.is_null()),
                )
                .set(&Changes::from(input))
                .returning(CustomerAddress::as_returning())
                .get_result(c)
                .await
                .optional()?
                .ok_or_else(|| not_found("Address", &id))
            })
            .await?;
        self.emit("customer.customer_address.updated", &[&updated.id])
            .await;
        Ok(updated)
    }

    /// Soft delete one of the customer's addresses (another customer's is
    /// `not_found`).
    pub async fn delete_address(&self, customer_id: &str, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        let n = diesel::update(
            customer_address::table
                .filter(customer_address::id.eq(id))
                .filter(customer_address::customer_id.eq(customer_id))
                .filter(customer_address::deleted_at.is_null()),
        )
        .set(customer_address::deleted_at.eq(now()))
        .execute(&mut conn)
        .await?;
        if n == 0 {
            return Err(not_found("Address", id));
        }
        self.emit("customer.customer_address.deleted", &[id]).await;
        Ok(())
    }

    /// The ids of the customer's default shipping and billing addresses.
    pub async fn address_defaults(
        &self,
        customer_id: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        let mut conn = self.conn().await?;
        let rows: Vec<(String, bool, bool)> = customer_address::table
            .filter(customer_address::customer_id.eq(customer_id))
            .filter(customer_address::deleted_at.is_null())
            .filter(
                customer_address::is_default_shipping
                    .eq(true)
                    .or(customer_address::is_default_billing.eq(true)),
            )
            .select((
                customer_address::id,
                customer_address::is_default_shipping,
                customer_address::is_default_billing,
            ))
            .load(&mut conn)
            .await?;
        let shipping = rows.iter().find(|r| r.1).map(|r| r.0.clone());
        let billing = rows.iter().find(|r| r.2).map(|r| r.0.clone());
        Ok((shipping, billing))
    }

    /// Make exactly these addresses the customer's defaults (`None`: no
    /// default), under the customer lock.
    pub async fn set_address_defaults(
        &self,
        customer_id: &str,
        shipping: Option<String>,
        billing: Option<String>,
    ) -> Result<()> {
        let customer_id = customer_id.to_string();
        let mut conn = self.conn().await?;
        conn.transaction::<_, Error, _>(async move |c| {
            lock_customer(c, &customer_id).await?;
            let mine = || {
                customer_address::table
                    .filter(customer_address::customer_id.eq(&customer_id))
                    .filter(customer_address::deleted_at.is_null())
            };
            diesel::update(mine())
                .set((
                    customer_address::is_default_shipping.eq(false),
                    customer_address::is_default_billing.eq(false),
                ))
                .execute(c)
                .await?;
            if let Some(id) = &shipping {
                diesel::update(mine().filter(customer_address::id.eq(id)))
                    .set(customer_address::is_default_shipping.eq(true))
                    .execute(c)
                    .await?;
            }
            if let Some(id) = &billing {
                diesel::update(mine().filter(customer_address::id.eq(id)))
                    .set(customer_address::is_default_billing.eq(true))
                    .execute(c)
                    .await?;
            }
            Ok(())
        })
        .await
    }

    /// Delete an address for good (undoing its creation).
    pub async fn remove_address(&self, customer_id: &str, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::delete(
            customer_address::table
                .filter(customer_address::id.eq(id))
                .filter(customer_address::customer_id.eq(customer_id)),
        )
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    /// Undo [`CustomerModule::delete_address`].
    pub async fn restore_address(&self, customer_id: &str, id: &str) -> Result<()> {
        let mut conn = self.conn().await?;
        diesel::update(
            customer_address::table
                .filter(customer_address::id.eq(id))
                .filter(customer_address::customer_id.eq(customer_id)),
        )
        .set(customer_address::deleted_at.eq(None::<chrono::DateTime<chrono::Utc>>))
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}
