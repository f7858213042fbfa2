//! Addresses as a customer reaches them: always through their owner, one
//! default shipping and one default billing address each.

use stheno_module_sdk::entity::{
    Condition, EntityFilter, EntityService, FieldFilter, ListConfig, Tx,
};
use stheno_module_sdk::list::{OrderBy, Page};
use stheno_module_sdk::{Error, Result};

use crate::models::{CreateCustomerAddress, CustomerAddressFilter, UpdateCustomerAddress};
use crate::{AddressInput, CustomerAddress, CustomerModule};

fn not_found(id: &str) -> Error {
    Error::not_found(format!("Address with id: {id} was not found"))
}

/// The live addresses of `customer_id`.
fn mine(customer_id: &str) -> CustomerAddressFilter {
    CustomerAddressFilter {
        customer_id: Some(FieldFilter::Eq(customer_id.to_string())),
        ..Default::default()
    }
}

/// One of them.
fn one_of_mine(customer_id: &str, id: &str) -> CustomerAddressFilter {
    CustomerAddressFilter {
        id: Some(FieldFilter::Eq(id.to_string())),
        ..mine(customer_id)
    }
}

impl AddressInput {
    fn into_create(self, customer_id: &str) -> CreateCustomerAddress {
        CreateCustomerAddress {
            id: None,
            customer_id: customer_id.to_string(),
            address_name: self.address_name.flatten(),
            is_default_shipping: self.is_default_shipping,
            is_default_billing: self.is_default_billing,
            company: self.company.flatten(),
            first_name: self.first_name.flatten(),
            last_name: self.last_name.flatten(),
            address_1: self.address_1.flatten(),
            address_2: self.address_2.flatten(),
            city: self.city.flatten(),
            country_code: self.country_code.flatten().map(|c| c.to_lowercase()),
            province: self.province.flatten(),
            postal_code: self.postal_code.flatten(),
            phone: self.phone.flatten(),
            metadata: self.metadata.flatten(),
        }
    }

    fn into_update(self) -> UpdateCustomerAddress {
        UpdateCustomerAddress {
            address_name: self.address_name,
            is_default_shipping: self.is_default_shipping,
            is_default_billing: self.is_default_billing,
            company: self.company,
            first_name: self.first_name,
            last_name: self.last_name,
            address_1: self.address_1,
            address_2: self.address_2,
            city: self.city,
            country_code: self.country_code.map(|c| c.map(|c| c.to_lowercase())),
            province: self.province,
            postal_code: self.postal_code,
            phone: self.phone,
            metadata: self.metadata,
        }
    }
}

/// Unset the customer's default shipping (billing) address, except `keep`,
/// when another address becomes it.
async fn unset_defaults(
    addresses: &EntityService<CustomerAddress>,
    tx: &mut Tx<'_>,
    customer_id: &str,
    keep: Option<&str>,
    shipping: bool,
    billing: bool,
) -> Result<()> {
    let others = || CustomerAddressFilter {
        id: keep.map(|id| FieldFilter::ops(|o| o.ne = Some(Some(id.to_string())))),
        ..mine(customer_id)
    };
    if shipping {
        let filter = CustomerAddressFilter {
            is_default_shipping: Some(FieldFilter::Eq(true)),
            ..others()
        };
        let unset = UpdateCustomerAddress {
            is_default_shipping: Some(false),
            ..Default::default()
        };
        addresses
            .update_where_in(tx, &filter.condition(), &unset)
            .await?;
    }
    if billing {
        let filter = CustomerAddressFilter {
            is_default_billing: Some(FieldFilter::Eq(true)),
            ..others()
        };
        let unset = UpdateCustomerAddress {
            is_default_billing: Some(false),
            ..Default::default()
        };
        addresses
            .update_where_in(tx, &filter.condition(), &unset)
            .await?;
    }
    Ok(())
}

impl CustomerModule {
    /// A page of the customer's live addresses matching `filter`, and their
    /// count.
    pub async fn list_addresses(
        &self,
        customer_id: &str,
        filter: &CustomerAddressFilter,
        page: Page,
        order: &[OrderBy],
    ) -> Result<(Vec<CustomerAddress>, i64)> {
        let condition = Condition::All(vec![mine(customer_id).condition(), filter.condition()]);
        let config = ListConfig::page(page).ordered(order.to_vec());
        self.addresses
            .list_and_count_where(&condition, &config)
            .await
    }

    /// One of the customer's addresses; another customer's address is
    /// `not_found`, as if it did not exist.
    pub async fn retrieve_address(&self, customer_id: &str, id: &str) -> Result<CustomerAddress> {
        self.addresses
            .list(&one_of_mine(customer_id, id), &ListConfig::default())
            .await?
            .pop()
            .ok_or_else(|| not_found(id))
    }

    /// Add an address to a live customer; if it is a default, the old
    /// default is unset first (under a lock on the customer).
    pub async fn create_address(
        &self,
        customer_id: &str,
        input: AddressInput,
    ) -> Result<CustomerAddress> {
        let shipping = input.is_default_shipping == Some(true);
        let billing = input.is_default_billing == Some(true);
        let create = input.into_create(customer_id);
        let (customers, addresses) = (self.customers.clone(), self.addresses.clone());
        let customer_id = customer_id.to_string();
        self.addresses
            .transaction(|tx| {
                Box::pin(async move {
                    customers.retrieve_for_update(tx, &customer_id).await?;
                    unset_defaults(&addresses, tx, &customer_id, None, shipping, billing).await?;
                    addresses
                        .create_in(tx, vec![create])
                        .await?
                        .pop()
                        .ok_or_else(|| Error::internal("insert returned no row"))
                })
            })
            .await
    }

    /// Change one of the customer's addresses (another customer's is
    /// `not_found`); becoming a default unsets the old default.
    pub async fn update_address(
        &self,
        customer_id: &str,
        id: &str,
        input: AddressInput,
    ) -> Result<CustomerAddress> {
        let shipping = input.is_default_shipping == Some(true);
        let billing = input.is_default_billing == Some(true);
        let update = input.into_update();
        let (customers, addresses) = (self.customers.clone(), self.addresses.clone());
        let (customer_id, id) = (customer_id.to_string(), id.to_string());
        self.addresses
            .transaction(|tx| {
                Box::pin(async move {
                    customers.retrieve_for_update(tx, &customer_id).await?;
                    unset_defaults(&addresses, tx, &customer_id, Some(&id), shipping, billing)
                        .await?;
                    let target = one_of_mine(&customer_id, &id).condition();
                    addresses
                        .update_where_in(tx, &target, &update)
                        .await?
                        .pop()
                        .ok_or_else(|| not_found(&id))
                })
            })
            .await
    }

    /// Soft delete one of the customer's addresses (another customer's is
    /// `not_found`).
    pub async fn soft_delete_address(&self, customer_id: &str, id: &str) -> Result<()> {
        // The owner of an address never changes (`customer_id` is
        // immutable), so checking it first is enough.
        self.retrieve_address(customer_id, id).await?;
        let deleted = self.addresses.soft_delete(&[id.to_string()]).await?;
        if deleted
            .get("customer_address")
            .is_none_or(|ids| ids.is_empty())
        {
            return Err(not_found(id));
        }
        Ok(())
    }

    /// The ids of the customer's default shipping and billing addresses.
    pub async fn address_defaults(
        &self,
        customer_id: &str,
    ) -> Result<(Option<String>, Option<String>)> {
        let filter = CustomerAddressFilter {
            or: vec![
                CustomerAddressFilter {
                    is_default_shipping: Some(FieldFilter::Eq(true)),
                    ..Default::default()
                },
                CustomerAddressFilter {
                    is_default_billing: Some(FieldFilter::Eq(true)),
                    ..Default::default()
                },
            ],
            ..mine(customer_id)
        };
        let rows = self.addresses.list(&filter, &ListConfig::default()).await?;
        let shipping = rows.iter().find(|a| a.is_default_shipping);
        let billing = rows.iter().find(|a| a.is_default_billing);
        Ok((
            shipping.map(|a| a.id.clone()),
            billing.map(|a| a.id.clone()),
        ))
    }

    /// Make exactly these addresses the customer's defaults (`None`: no
    /// default), under the customer lock.
    pub async fn set_address_defaults(
        &self,
        customer_id: &str,
        shipping: Option<String>,
        billing: Option<String>,
    ) -> Result<()> {
        let (customers, addresses) = (self.customers.clone(), self.addresses.clone());
        let customer_id = customer_id.to_string();
        self.addresses
            .transaction(|tx| {
                Box::pin(async move {
                    customers.retrieve_for_update(tx, &customer_id).await?;
                    let none = UpdateCustomerAddress {
                        is_default_shipping: Some(false),
                        is_default_billing: Some(false),
                        ..Default::default()
                    };
                    addresses
                        .update_where_in(tx, &mine(&customer_id).condition(), &none)
                        .await?;
                    let set = [
                        (
                            shipping,
                            UpdateCustomerAddress {
                                is_default_shipping: Some(true),
                                ..Default::default()
                            },
                        ),
                        (
                            billing,
                            UpdateCustomerAddress {
                                is_default_billing: Some(true),
                                ..Default::default()
                            },
                        ),
                    ];
                    for (id, update) in set {
                        if let Some(id) = id {
                            let target = one_of_mine(&customer_id, &id).condition();
                            addresses.update_where_in(tx, &target, &update).await?;
                        }
                    }
                    Ok(())
                })
            })
            .await
    }
}
