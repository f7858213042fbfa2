//! Customers, their addresses and customer groups: create, update, delete,
//! memberships, each undone when a later step (or a hook handler) fails. Address steps remember which
//! addresses were the customer's defaults and put them back, since making
//! an address a default unsets the old one.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stheno_customer::{
    AddressInput, CreateCustomerInput, CreateGroupInput, Customer, CustomerAddress, CustomerGroup,
    CustomerModule, UpdateCustomerInput, UpdateGroupInput,
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

// ---- customer groups ---------------------------------------------------------

/// A customer group to create.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewGroup {
    pub name: String,
    pub metadata: Option<Value>,
    pub created_by: Option<String>,
}

/// `create-customer-groups` (one); ⇐ deleted for good.
#[derive(Debug, Default)]
pub struct CreateCustomerGroupStep;

#[async_trait]
impl Step for CreateCustomerGroupStep {
    type Input = NewGroup;
    type Output = CustomerGroup;
    type CompensateInput = String;

    fn name(&self) -> &str {
        "create-customer-groups"
    }

    async fn invoke(
        &self,
        g: NewGroup,
        ctx: &StepContext,
    ) -> Result<StepResponse<CustomerGroup, String>, StepError> {
        let group = ctx
            .module::<CustomerModule>()?
            .create_group(CreateGroupInput {
                name: g.name,
                metadata: g.metadata,
                created_by: g.created_by,
            })
            .await?;
        ctx.emit(Event::new(
            "customer-group.created",
            json!({ "id": group.id }),
        ));
        let id = group.id.clone();
        Ok(StepResponse::with_compensation(group, id))
    }

    async fn compensate(&self, id: String, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?.remove_group(&id).await?;
        Ok(())
    }
}

/// Changes to one group.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupUpdate {
    pub id: String,
    pub update: UpdateGroupInput,
}

/// `update-customer-groups` (one); ⇐ name and metadata written back.
#[derive(Debug, Default)]
pub struct UpdateCustomerGroupStep;

#[async_trait]
impl Step for UpdateCustomerGroupStep {
    type Input = GroupUpdate;
    type Output = CustomerGroup;
    type CompensateInput = CustomerGroup;

    fn name(&self) -> &str {
        "update-customer-groups"
    }

    async fn invoke(
        &self,
        u: GroupUpdate,
        ctx: &StepContext,
    ) -> Result<StepResponse<CustomerGroup, CustomerGroup>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let before = m.retrieve_group(&u.id).await?;
        let after = m.update_group(&u.id, u.update).await?;
        ctx.emit(Event::new(
            "customer-group.updated",
            json!({ "id": after.id }),
        ));
        Ok(StepResponse::with_compensation(after, before))
    }

    async fn compensate(&self, g: CustomerGroup, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?
            .update_group(
                &g.id,
                UpdateGroupInput {
                    name: Some(g.name.clone()),
                    metadata: Some(g.metadata.clone()),
                },
            )
            .await?;
        Ok(())
    }
}

/// A deleted group and its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeletedGroup {
    pub id: String,
    pub members: Vec<String>,
}

/// `delete-customer-groups` (one, soft, memberships removed); ⇐ the group
/// and its memberships are back.
#[derive(Debug, Default)]
pub struct DeleteCustomerGroupStep;

#[async_trait]
impl Step for DeleteCustomerGroupStep {
    type Input = String;
    type Output = String;
    type CompensateInput = DeletedGroup;

    fn name(&self) -> &str {
        "delete-customer-groups"
    }

    async fn invoke(
        &self,
        id: String,
        ctx: &StepContext,
    ) -> Result<StepResponse<String, DeletedGroup>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let members = m.group_customer_ids(&id).await?;
        m.delete_group(&id).await?;
        ctx.emit(Event::new("customer-group.deleted", json!({ "id": id })));
        Ok(StepResponse::with_compensation(
            id.clone(),
            DeletedGroup { id, members },
        ))
    }

    async fn compensate(&self, d: DeletedGroup, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?
            .restore_group(&d.id, &d.members)
            .await?;
        Ok(())
    }
}

/// Memberships to add and remove, seen from a group (`id` is the group,
/// the lists customers) or from a customer (`id` the customer, the lists
/// groups).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Memberships {
    pub id: String,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    pub created_by: Option<String>,
}

/// Which of the touched memberships existed before a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MembershipsBefore {
    pub id: String,
    /// Added by the batch (were not there): removed again.
    pub added: Vec<String>,
    /// Removed by the batch (were there): added again.
    pub removed: Vec<String>,
}

/// `link-customers-to-customer-group` (`POST
/// /admin/customer-groups/:id/customers`); ⇐ exactly the memberships it
/// changed are changed back.
#[derive(Debug, Default)]
pub struct LinkCustomersToGroupStep;

#[async_trait]
impl Step for LinkCustomersToGroupStep {
    type Input = Memberships;
    type Output = String;
    type CompensateInput = MembershipsBefore;

    fn name(&self) -> &str {
        "link-customers-to-customer-group"
    }

    async fn invoke(
        &self,
        b: Memberships,
        ctx: &StepContext,
    ) -> Result<StepResponse<String, MembershipsBefore>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let members = m.group_customer_ids(&b.id).await?;
        m.update_group_customers(&b.id, &b.add, &b.remove, b.created_by.as_deref())
            .await?;
        let before = MembershipsBefore {
            id: b.id.clone(),
            added: b
                .add
                .iter()
                .filter(|c| !members.contains(c))
                .cloned()
                .collect(),
            removed: b
                .remove
                .iter()
                .filter(|c| members.contains(c))
                .cloned()
                .collect(),
        };
        Ok(StepResponse::with_compensation(b.id, before))
    }

    async fn compensate(&self, b: MembershipsBefore, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?
            .update_group_customers(&b.id, &b.removed, &b.added, None)
            .await?;
        Ok(())
    }
}

/// `link-customer-groups-to-customer` (`POST
/// /admin/customers/:id/customer-groups`); ⇐ changed back.
#[derive(Debug, Default)]
pub struct LinkGroupsToCustomerStep;

#[async_trait]
impl Step for LinkGroupsToCustomerStep {
    type Input = Memberships;
    type Output = String;
    type CompensateInput = MembershipsBefore;

    fn name(&self) -> &str {
        "link-customer-groups-to-customer"
    }

    async fn invoke(
        &self,
        b: Memberships,
        ctx: &StepContext,
    ) -> Result<StepResponse<String, MembershipsBefore>, StepError> {
        let m = ctx.module::<CustomerModule>()?;
        let groups = m.customer_group_ids(&b.id).await?;
        m.update_customer_groups(&b.id, &b.add, &b.remove, b.created_by.as_deref())
            .await?;
        let before = MembershipsBefore {
            id: b.id.clone(),
            added: b
                .add
                .iter()
                .filter(|g| !groups.contains(g))
                .cloned()
                .collect(),
            removed: b
                .remove
                .iter()
                .filter(|g| groups.contains(g))
                .cloned()
                .collect(),
        };
        Ok(StepResponse::with_compensation(b.id, before))
    }

    async fn compensate(&self, b: MembershipsBefore, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?
            .update_customer_groups(&b.id, &b.removed, &b.added, None)
            .await?;
        Ok(())
    }
}

/// `create-customer-groups`.
pub fn create_customer_groups() -> Workflow<NewGroup, CustomerGroup> {
    Workflow::new("create-customer-groups").then(CreateCustomerGroupStep)
}

/// `update-customer-groups`.
pub fn update_customer_groups() -> Workflow<GroupUpdate, CustomerGroup> {
    Workflow::new("update-customer-groups").then(UpdateCustomerGroupStep)
}

/// `delete-customer-groups`.
pub fn delete_customer_groups() -> Workflow<String, String> {
    Workflow::new("delete-customer-groups").then(DeleteCustomerGroupStep)
}

/// `link-customers-to-customer-group`.
pub fn link_customers_to_customer_group() -> Workflow<Memberships, String> {
    Workflow::new("link-customers-to-customer-group").then(LinkCustomersToGroupStep)
}

/// `link-customer-groups-to-customer`.
pub fn link_customer_groups_to_customer() -> Workflow<Memberships, String> {
    Workflow::new("link-customer-groups-to-customer").then(LinkGroupsToCustomerStep)
}
