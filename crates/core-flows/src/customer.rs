//! Customers and their addresses: create, update, delete, each undone when
//! a later step (or a hook handler) fails. Address steps remember which
//! addresses were the customer's defaults and put them back, since making
//! an address a default unsets the old one.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stheno_customer::{
    AddressInput, CreateCustomerInput, Customer, CustomerAddress, CustomerModule,
    UpdateCustomerInput,
};
use stheno_module_sdk::events::Event;
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

/// A customer to create (`POST /admin/customers`): a guest the admin
/// manages, `created_by` the admin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub email: Option<String>,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub metadata: Option<Value>,
    pub created_by: Option<String>,
}

/// `create-customers` (one, without an account); ⇐ deleted for good.
#[derive(Debug, Default)]
pub struct CreateCustomersStep;

#[async_trait]
impl Step for CreateCustomersStep {
    type Input = NewCustomer;
    type Output = Customer;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "create-customers"
    }

    async fn invoke(
        &self,
        c: NewCustomer,
        ctx: &StepContext,
    ) -> Result<StepResponse<Customer, String>, StepError> {
        let customer = ctx
            .module::<CustomerModule>()?
            .create_customer(CreateCustomerInput {
                email: c.email,
                company_name: c.company_name,
                first_name: c.first_name,
                last_name: c.last_name,
                phone: c.phone,
                metadata: c.metadata,
                has_account: false,
                created_by: c.created_by,
            })
            .await?;
        ctx.emit(Event::new("customer.created", json!({ "id": customer.id })));
        let id = customer.id.clone();
        Ok(StepResponse::with_compensation(customer, id))
    }

    async fn compensate(&self, id: String, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?.remove_customer(&id).await?;
        Ok(())
    }
}

/// `create-customers` (`POST /admin/customers`).
pub fn create_customers() -> Workflow<NewCustomer, Customer> {
    Workflow::new("create-customers").then(CreateCustomersStep)
}

/// Changes to one customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomerUpdate {
    pub id: String,
    pub update: UpdateCustomerInput,
}

/// The update that writes `c`'s fields back.
fn write_back(c: &Customer) -> UpdateCustomerInput {
    UpdateCustomerInput {
        email: Some(c.email.clone()),
        company_name: Some(c.company_name.clone()),
        first_name: Some(c.first_name.clone()),
        last_name: Some(c.last_name.clone()),
        phone: Some(c.phone.clone()),
        metadata: Some(c.metadata.clone()),
    }
}

/// `update-customers`; ⇐ the previous fields are written back.
#[derive(Debug, Default)]
pub struct UpdateCustomersStep;

#[async_trait]
impl Step for UpdateCustomersStep {
    type Input = CustomerUpdate;
    type Output = Customer;
    type CompensateInput = Customer;

    fn name(&self) -> &str {
        "update-customers"
    }

    async fn invoke(
        &self,
        input: CustomerUpdate,
        ctx: &StepContext,
    ) -> Result<StepResponse<Customer, Customer>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let before = m.retrieve_customer(&input.id).await?;
        let after = m.update_customer(&input.id, input.update).await?;
        ctx.emit(Event::new("customer.updated", json!({ "id": after.id })));
        Ok(StepResponse::with_compensation(after, before))
    }

    async fn compensate(&self, before: Customer, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?
            .update_customer(&before.id, write_back(&before))
            .await?;
        Ok(())
    }
}

/// `update-customers` (`POST /admin/customers/:id`, `POST /store/customers/me`).
pub fn update_customers() -> Workflow<CustomerUpdate, Customer> {
    Workflow::new("update-customers").then(UpdateCustomersStep)
}

/// The customer's default addresses before a step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Defaults {
    pub customer_id: String,
    pub shipping: Option<String>,
    pub billing: Option<String>,
}

async fn defaults(m: &CustomerModule, customer_id: &str) -> Result<Defaults, StepError> {
    let (shipping, billing) = m.address_defaults(customer_id).await?;
    Ok(Defaults {
        customer_id: customer_id.to_string(),
        shipping,
        billing,
    })
}

async fn put_back(m: &CustomerModule, d: Defaults) -> Result<(), StepError> {
    m.set_address_defaults(&d.customer_id, d.shipping, d.billing)
        .await?;
    Ok(())
}

/// One address of one customer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AddressChange {
    pub customer_id: String,
    /// `None` when creating.
    pub address_id: Option<String>,
    pub input: AddressInput,
}

/// What an address step needs to undo itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddressBefore {
    pub defaults: Defaults,
    pub address_id: String,
    /// The address before an update.
    pub address: Option<CustomerAddress>,
}

/// `create-customer-addresses` (one); ⇐ deleted for good, old defaults back.
#[derive(Debug, Default)]
pub struct CreateCustomerAddressStep;

#[async_trait]
impl Step for CreateCustomerAddressStep {
    type Input = AddressChange;
    type Output = CustomerAddress;
    type CompensateInput = AddressBefore;

    fn name(&self) -> &str {
        "create-customer-addresses"
    }

    async fn invoke(
        &self,
        change: AddressChange,
        ctx: &StepContext,
    ) -> Result<StepResponse<CustomerAddress, AddressBefore>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let defaults = defaults(&m, &change.customer_id).await?;
        let address = m.create_address(&change.customer_id, change.input).await?;
        ctx.emit(Event::new(
            "customer_address.created",
            json!({ "id": address.id }),
        ));
        let before = AddressBefore {
            defaults,
            address_id: address.id.clone(),
            address: None,
        };
        Ok(StepResponse::with_compensation(address, before))
    }

    async fn compensate(&self, b: AddressBefore, ctx: &StepContext) -> Result<(), StepError> {
        let m = ctx.module::<CustomerModule>()?;
        m.remove_address(&b.defaults.customer_id, &b.address_id)
            .await?;
        put_back(&m, b.defaults).await
    }
}

/// `update-customer-addresses` (one); ⇐ the fields and old defaults back.
#[derive(Debug, Default)]
pub struct UpdateCustomerAddressStep;

fn address_back(a: &CustomerAddress) -> AddressInput {
    AddressInput {
        address_name: Some(a.address_name.clone()),
        is_default_shipping: None,
        is_default_billing: None,
        company: Some(a.company.clone()),
        first_name: Some(a.first_name.clone()),
        last_name: Some(a.last_name.clone()),
        address_1: Some(a.address_1.clone()),
        address_2: Some(a.address_2.clone()),
        city: Some(a.city.clone()),
        country_code: Some(a.country_code.clone()),
        province: Some(a.province.clone()),
        postal_code: Some(a.postal_code.clone()),
        phone: Some(a.phone.clone()),
        metadata: Some(a.metadata.clone()),
    }
}

#[async_trait]
impl Step for UpdateCustomerAddressStep {
    type Input = AddressChange;
    type Output = CustomerAddress;
    type CompensateInput = AddressBefore;

    fn name(&self) -> &str {
        "update-customer-addresses"
    }

    async fn invoke(
        &self,
        change: AddressChange,
        ctx: &StepContext,
    ) -> Result<StepResponse<CustomerAddress, AddressBefore>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let id = change.address_id.clone().unwrap_or_default();
        let address = m.retrieve_address(&change.customer_id, &id).await?;
        let defaults = defaults(&m, &change.customer_id).await?;
        let updated = m
            .update_address(&change.customer_id, &id, change.input)
            .await?;
        ctx.emit(Event::new(
            "customer_address.updated",
            json!({ "id": updated.id }),
        ));
        let before = AddressBefore {
            defaults,
            address_id: id,
            address: Some(address),
        };
        Ok(StepResponse::with_compensation(updated, before))
    }

    async fn compensate(&self, b: AddressBefore, ctx: &StepContext) -> Result<(), StepError> {
        let m = ctx.module::<CustomerModule>()?;
        if let Some(address) = &b.address {
            m.update_address(
                &b.defaults.customer_id,
                &b.address_id,
                address_back(address),
            )
            .await?;
        }
        put_back(&m, b.defaults).await
    }
}

/// `delete-customer-addresses` (one, soft); ⇐ restored, old defaults back.
#[derive(Debug, Default)]
pub struct DeleteCustomerAddressStep;

#[async_trait]
impl Step for DeleteCustomerAddressStep {
    type Input = AddressChange;
    type Output = String;
    type CompensateInput = AddressBefore;

    fn name(&self) -> &str {
        "delete-customer-addresses"
    }

    async fn invoke(
        &self,
        change: AddressChange,
        ctx: &StepContext,
    ) -> Result<StepResponse<String, AddressBefore>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let id = change.address_id.clone().unwrap_or_default();
        let defaults = defaults(&m, &change.customer_id).await?;
        m.delete_address(&change.customer_id, &id).await?;
        ctx.emit(Event::new("customer_address.deleted", json!({ "id": id })));
        let before = AddressBefore {
            defaults,
            address_id: id.clone(),
            address: None,
        };
        Ok(StepResponse::with_compensation(id, before))
    }

    async fn compensate(&self, b: AddressBefore, ctx: &StepContext) -> Result<(), StepError> {
        let m = ctx.module::<CustomerModule>()?;
        m.restore_address(&b.defaults.customer_id, &b.address_id)
            .await?;
        put_back(&m, b.defaults).await
    }
}

/// `create-customer-addresses`.
pub fn create_customer_addresses() -> Workflow<AddressChange, CustomerAddress> {
    Workflow::new("create-customer-addresses").then(CreateCustomerAddressStep)
}

/// `update-customer-addresses`.
pub fn update_customer_addresses() -> Workflow<AddressChange, CustomerAddress> {
    Workflow::new("update-customer-addresses").then(UpdateCustomerAddressStep)
}

/// `delete-customer-addresses`.
pub fn delete_customer_addresses() -> Workflow<AddressChange, String> {
    Workflow::new("delete-customer-addresses").then(DeleteCustomerAddressStep)
}
