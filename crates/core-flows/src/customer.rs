//! Customers, their addresses and customer groups: create, update, delete,
//! memberships, each undone when a later step (or a hook handler) fails.
//!
//! Creating, updating and deleting customers and groups are the generic
//! steps of [`crate::entity`] on one row. Address steps are the module's
//! owner-scoped operations: they remember which addresses were the
//! customer's defaults and put them back, since making an address a default
//! unsets the old one. Membership steps change back exactly the
//! memberships they changed.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stheno_customer::{
    AddressInput, CreateCustomer, CreateCustomerGroup, Customer, CustomerAddress, CustomerGroup,
    CustomerModule, UpdateCustomer, UpdateCustomerGroup,
};
use stheno_module_sdk::events::Event;
use stheno_workflow_sdk::{Step, StepContext, StepError, StepResponse, Workflow, async_trait};

use crate::entity::{CreateEntities, SoftDeleteEntities, Update, UpdateEntities};

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

impl NewCustomer {
    /// The customer as created: without an account.
    fn into_create(self) -> CreateCustomer {
        CreateCustomer {
            id: None,
            company_name: self.company_name,
            first_name: self.first_name,
            last_name: self.last_name,
            email: self.email,
            phone: self.phone,
            has_account: Some(false),
            metadata: self.metadata,
            created_by: self.created_by,
        }
    }
}

/// `create-customers` (⇐ deleted for good), raising `customer.created`.
pub fn create_customers_step() -> CreateEntities<CustomerModule, Customer> {
    CreateEntities::new("create-customers").emitting("customer")
}

/// `create-customers` (`POST /admin/customers`): one customer, without an
/// account.
pub fn create_customers() -> Workflow<NewCustomer, Customer> {
    Workflow::<NewCustomer>::new("create-customers")
        .map(|c| vec![c.into_create()])
        .then(create_customers_step())
        .map(|mut rows: Vec<Customer>| rows.remove(0))
}

/// Changes to one customer.
pub type CustomerUpdate = Update<UpdateCustomer>;

/// `update-customers` (⇐ the previous rows written back), raising
/// `customer.updated`.
pub fn update_customers_step() -> UpdateEntities<CustomerModule, Customer> {
    UpdateEntities::new("update-customers").emitting("customer")
}

/// `update-customers` (`POST /admin/customers/:id`, `POST /store/customers/me`).
pub fn update_customers() -> Workflow<CustomerUpdate, Customer> {
    Workflow::<CustomerUpdate>::new("update-customers")
        .map(|update| vec![update])
        .then(update_customers_step())
        .map(|mut rows: Vec<Customer>| rows.remove(0))
}

/// `delete-customers` (soft, with the addresses; an unknown or deleted id
/// is `not_found`; ⇐ restored with them), raising `customer.deleted`.
pub fn delete_customers_step() -> SoftDeleteEntities<CustomerModule, Customer> {
    SoftDeleteEntities::new("delete-customers")
        .emitting("customer")
        .must_exist()
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
        m.customer_addresses().delete(&[b.address_id]).await?;
        put_back(&m, b.defaults).await
    }
}

/// `update-customer-addresses` (one); ⇐ the old defaults and the previous
/// row back.
#[derive(Debug, Default)]
pub struct UpdateCustomerAddressStep;

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
        // Defaults first: the row written back then agrees with them.
        put_back(&m, b.defaults).await?;
        if let Some(address) = &b.address {
            m.customer_addresses()
                .overwrite(std::slice::from_ref(address))
                .await?;
        }
        Ok(())
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
        m.soft_delete_address(&change.customer_id, &id).await?;
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
        m.customer_addresses().restore(&[b.address_id]).await?;
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

impl NewGroup {
    fn into_create(self) -> CreateCustomerGroup {
        CreateCustomerGroup {
            metadata: self.metadata,
            created_by: self.created_by,
            ..CreateCustomerGroup::new(self.name)
        }
    }
}

/// `create-customer-groups` (⇐ deleted for good), raising
/// `customer-group.created`.
pub fn create_customer_groups_step() -> CreateEntities<CustomerModule, CustomerGroup> {
    CreateEntities::new("create-customer-groups").emitting("customer-group")
}

/// Changes to one group.
pub type GroupUpdate = Update<UpdateCustomerGroup>;

/// `update-customer-groups` (⇐ the previous rows written back), raising
/// `customer-group.updated`.
pub fn update_customer_groups_step() -> UpdateEntities<CustomerModule, CustomerGroup> {
    UpdateEntities::new("update-customer-groups").emitting("customer-group")
}

/// `delete-customer-groups` (soft; memberships stay, hidden while the
/// group is deleted; an unknown or deleted id is `not_found`; ⇐ restored),
/// raising `customer-group.deleted`.
pub fn delete_customer_groups_step() -> SoftDeleteEntities<CustomerModule, CustomerGroup> {
    SoftDeleteEntities::new("delete-customer-groups")
        .emitting("customer-group")
        .must_exist()
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

impl MembershipsBefore {
    /// What `batch` changes, given the memberships `existing` before it.
    fn of(batch: &Memberships, existing: &[String]) -> Self {
        let pick = |ids: &[String], was_there: bool| {
            ids.iter()
                .filter(|id| existing.contains(id) == was_there)
                .cloned()
                .collect()
        };
        Self {
            id: batch.id.clone(),
            added: pick(&batch.add, false),
            removed: pick(&batch.remove, true),
        }
    }
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
        let before = MembershipsBefore::of(&b, &members);
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
        let before = MembershipsBefore::of(&b, &groups);
        Ok(StepResponse::with_compensation(b.id, before))
    }

    async fn compensate(&self, b: MembershipsBefore, ctx: &StepContext) -> Result<(), StepError> {
        ctx.module::<CustomerModule>()?
            .update_customer_groups(&b.id, &b.removed, &b.added, None)
            .await?;
        Ok(())
    }
}

/// `create-customer-groups` (`POST /admin/customer-groups`): one group.
pub fn create_customer_groups() -> Workflow<NewGroup, CustomerGroup> {
    Workflow::<NewGroup>::new("create-customer-groups")
        .map(|g| vec![g.into_create()])
        .then(create_customer_groups_step())
        .map(|mut rows: Vec<CustomerGroup>| rows.remove(0))
}

/// `update-customer-groups` (`POST /admin/customer-groups/:id`).
pub fn update_customer_groups() -> Workflow<GroupUpdate, CustomerGroup> {
    Workflow::<GroupUpdate>::new("update-customer-groups")
        .map(|update| vec![update])
        .then(update_customer_groups_step())
        .map(|mut rows: Vec<CustomerGroup>| rows.remove(0))
}

/// `delete-customer-groups` (`DELETE /admin/customer-groups/:id`).
pub fn delete_customer_groups() -> Workflow<String, String> {
    Workflow::<String>::new("delete-customer-groups")
        .map(|id| vec![id])
        .then(delete_customer_groups_step())
        .map(|mut ids: Vec<String>| ids.remove(0))
}

/// `link-customers-to-customer-group`.
pub fn link_customers_to_customer_group() -> Workflow<Memberships, String> {
    Workflow::new("link-customers-to-customer-group").then(LinkCustomersToGroupStep)
}

/// `link-customer-groups-to-customer`.
pub fn link_customer_groups_to_customer() -> Workflow<Memberships, String> {
    Workflow::new("link-customer-groups-to-customer").then(LinkGroupsToCustomerStep)
}
