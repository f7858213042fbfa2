//! `/admin/customers` and `/admin/customer-groups`.
//!
//! Through the route kit: the customer and group lists (generated filters:
//! `has_account=true`, `groups=<id>`, `q`, …) and retrieves, group updates
//! and both deletes. Written here: creates (the admin is `created_by`; a
//! customer made by an admin has no account), the customer update (not
//! `has_account`), addresses (reached through their customer) and
//! memberships.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use stheno_core_flows::accounts;
use stheno_core_flows::customer::{
    AddressChange, CustomerUpdate, GroupUpdate, Memberships, NewCustomer, NewGroup,
    create_customer_addresses, create_customer_groups, create_customers, delete_customer_addresses,
    delete_customer_groups, link_customer_groups_to_customer, link_customers_to_customer_group,
    update_customer_addresses, update_customer_groups, update_customers,
};
use stheno_customer::models::CustomerAddress;
use stheno_customer::{
    AddressInput, Customer, CustomerAddressFilter, CustomerGroup, CustomerModule, UpdateCustomer,
    UpdateCustomerGroup,
};
use stheno_framework::Container;
use stheno_http::openapi::{self, Doc, RouteSet, deleted_with_parent_schema, reference};
use stheno_http::{ApiResult, Authenticated, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::entity::Entity as _;
use stheno_module_sdk::graph::{FieldsConfig, QueryContext};

use crate::admin::LinkBatch;
use crate::crud::{self, AdminRoutes, CrudResource};
use crate::customer_fields::{
    ADMIN_ADDRESS_FIELDS, ADMIN_CUSTOMER_FIELDS, ADMIN_GROUP_FIELDS, CustomerBody,
};
use crate::{respond, workflow};

const ADMIN: QueryContext = QueryContext::ADMIN;

pub(crate) fn configure(r: &mut RouteSet) {
    r.post(
        "/customers",
        create_customer,
        Doc::new("Create a customer")
            .tag("Customers")
            .fields()
            .body_of::<CustomerBody>()
            .record("customer", Customer::META),
    )
    .post(
        "/customers/{id}",
        update_customer,
        Doc::new("Update a customer")
            .tag("Customers")
            .fields()
            .body_of::<UpdateCustomerBody>()
            .record("customer", Customer::META),
    )
    .post(
        "/customers/{id}/customer-groups",
        customer_groups,
        Doc::new("Add and remove a customer's groups")
            .tag("Customers")
            .fields()
            .body_of::<LinkBatch>()
            .record("customer", Customer::META),
    )
    .get(
        "/customers/{id}/addresses",
        list_addresses,
        Doc::new("List a customer's addresses")
            .tag("Customers")
            .queries(openapi::list_params(CustomerAddress::META, true))
            .page("addresses", CustomerAddress::META),
    )
    .post(
        "/customers/{id}/addresses",
        create_address,
        Doc::new("Add an address")
            .tag("Customers")
            .fields()
            .body_of::<AddressInput>()
            .record("customer", Customer::META),
    )
    .get(
        "/customers/{id}/addresses/{address_id}",
        retrieve_address,
        Doc::new("Retrieve an address")
            .tag("Customers")
            .fields()
            .record("address", CustomerAddress::META),
    )
    .post(
        "/customers/{id}/addresses/{address_id}",
        update_address,
        Doc::new("Update an address")
            .tag("Customers")
            .fields()
            .body_of::<AddressInput>()
            .record("customer", Customer::META),
    )
    .delete(
        "/customers/{id}/addresses/{address_id}",
        delete_address,
        Doc::new("Delete an address")
            .tag("Customers")
            .fields()
            .uses(Customer::META)
            .response(
                200,
                "Deleted, with the customer",
                deleted_with_parent_schema(reference("customer")),
            ),
    )
    .post(
        "/customer-groups",
        create_group,
        Doc::new("Create a customer group")
            .tag("Customer Groups")
            .fields()
            .body_of::<GroupBody>()
            .record("customer_group", CustomerGroup::META),
    )
    .post(
        "/customer-groups/{id}/customers",
        group_customers,
        Doc::new("Add and remove a group's customers")
            .tag("Customer Groups")
            .fields()
            .body_of::<LinkBatch>()
            .record("customer_group", CustomerGroup::META),
    );
    crud::admin::<Customers>(r, "/customers");
    crud::admin::<CustomerGroups>(r, "/customer-groups");
}

/// Customers through the route kit: list, retrieve and delete
/// (`remove-customer-account`: the customer is soft-deleted with its
/// addresses and its auth identities are unlinked).
struct Customers;

impl CrudResource for Customers {
    type Module = CustomerModule;
    type Entity = Customer;
    const FIELDS: FieldsConfig<'static> = ADMIN_CUSTOMER_FIELDS;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        create: false,
        update: false,
        ..AdminRoutes::ALL
    };

    async fn delete_one(c: &Container, id: &str) -> stheno_module_sdk::Result<()> {
        workflow::run(c, accounts::remove_customer_account(), id.to_string()).await?;
        Ok(())
    }
}

/// Customer groups through the route kit: list, retrieve, update
/// (`update-customer-groups`) and delete (`delete-customer-groups`).
struct CustomerGroups;

impl CrudResource for CustomerGroups {
    type Module = CustomerModule;
    type Entity = CustomerGroup;
    const FIELDS: FieldsConfig<'static> = ADMIN_GROUP_FIELDS;
    const ADMIN_ROUTES: AdminRoutes = AdminRoutes {
        create: false,
        ..AdminRoutes::ALL
    };

    async fn update_one(
        c: &Container,
        id: &str,
        input: UpdateCustomerGroup,
    ) -> stheno_module_sdk::Result<CustomerGroup> {
        workflow::run(c, update_customer_groups(), GroupUpdate::new(id, input)).await
    }

    async fn delete_one(c: &Container, id: &str) -> stheno_module_sdk::Result<()> {
        workflow::run(c, delete_customer_groups(), id.to_string()).await?;
        Ok(())
    }
}

/// `POST /admin/customers`: a customer without an account (a guest the
/// admin manages), `created_by` the admin.
async fn create_customer(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<CustomerBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let b = body.0;
    let input = NewCustomer {
        email: b.email,
        company_name: b.company_name,
        first_name: b.first_name,
        last_name: b.last_name,
        phone: b.phone,
        metadata: b.metadata,
        created_by: Some(auth.0.actor_id),
    };
    let customer = workflow::run(&c, create_customers(), input).await?;
    respond::one(&c, "customer", "customer", &customer, &selection, ADMIN).await
}

/// Changes an admin may make to a customer (`null` clears): not
/// `has_account`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateCustomerBody {
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    email: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    metadata: Option<Option<Value>>,
}

async fn update_customer(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateCustomerBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let b = body.0;
    let update = UpdateCustomer {
        email: b.email,
        company_name: b.company_name,
        first_name: b.first_name,
        last_name: b.last_name,
        phone: b.phone,
        metadata: b.metadata,
        ..Default::default()
    };
    let customer = workflow::run(
        &c,
        update_customers(),
        CustomerUpdate::new(id.as_str(), update),
    )
    .await?;
    respond::one(&c, "customer", "customer", &customer, &selection, ADMIN).await
}

/// What a request may set on a new group: the admin is `created_by`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct GroupBody {
    name: String,
    metadata: Option<Value>,
}

async fn create_group(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<GroupBody>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_GROUP_FIELDS)?;
    let input = NewGroup {
        name: body.0.name,
        metadata: body.0.metadata,
        created_by: Some(auth.0.actor_id),
    };
    let group = workflow::run(&c, create_customer_groups(), input).await?;
    respond::one(
        &c,
        "customer_group",
        "customer_group",
        &group,
        &selection,
        ADMIN,
    )
    .await
}

/// `POST /admin/customer-groups/:id/customers {add?, remove?}` →
/// `{customer_group}`.
async fn group_customers(
    c: web::Data<Container>,
    auth: Authenticated,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_GROUP_FIELDS)?;
    let batch = Memberships {
        id: id.to_string(),
        add: body.0.add,
        remove: body.0.remove,
        created_by: Some(auth.0.actor_id),
    };
    workflow::run(&c, link_customers_to_customer_group(), batch).await?;
    let group = c
        .require::<CustomerModule>()?
        .customer_groups()
        .retrieve(&id)
        .await?;
    respond::one(
        &c,
        "customer_group",
        "customer_group",
        &group,
        &selection,
        ADMIN,
    )
    .await
}

async fn customer_response(
    c: &Container,
    id: &str,
    selection: &stheno_module_sdk::graph::Selection,
) -> ApiResult<HttpResponse> {
    let customer = c
        .require::<CustomerModule>()?
        .customers()
        .retrieve(id)
        .await?;
    respond::one(c, "customer", "customer", &customer, selection, ADMIN).await
}

/// `POST /admin/customers/:id/customer-groups {add?, remove?}` →
/// `{customer}`.
async fn customer_groups(
    c: web::Data<Container>,
    auth: Authenticated,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<LinkBatch>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let batch = Memberships {
        id: id.to_string(),
        add: body.0.add,
        remove: body.0.remove,
        created_by: Some(auth.0.actor_id),
    };
    workflow::run(&c, link_customer_groups_to_customer(), batch).await?;
    customer_response(&c, &id, &selection).await
}

async fn list_addresses(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: ListQuery<CustomerAddressFilter>,
) -> ApiResult<HttpResponse> {
    let page = q.page(50);
    let selection = q.selection(ADMIN_ADDRESS_FIELDS)?;
    let customers = c.require::<CustomerModule>()?;
    customers.customers().retrieve(&id).await?;
    let (rows, count) = customers
        .list_addresses(&id, &q.filters, page, &q.order_by(None))
        .await?;
    respond::list(
        &c,
        "customer_address",
        "addresses",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

/// `POST /admin/customers/:id/addresses` → `{customer}`.
async fn create_address(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<AddressInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let change = AddressChange {
        customer_id: id.to_string(),
        address_id: None,
        input: body.0,
    };
    workflow::run(&c, create_customer_addresses(), change).await?;
    customer_response(&c, &id, &selection).await
}

async fn retrieve_address(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let (id, address_id) = path.into_inner();
    let selection = q.selection(ADMIN_ADDRESS_FIELDS)?;
    let address = c
        .require::<CustomerModule>()?
        .retrieve_address(&id, &address_id)
        .await?;
    respond::one(
        &c,
        "customer_address",
        "address",
        &address,
        &selection,
        ADMIN,
    )
    .await
}

/// `POST /admin/customers/:id/addresses/:address_id` → `{customer}`.
async fn update_address(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
    q: RetrieveQuery,
    body: Body<AddressInput>,
) -> ApiResult<HttpResponse> {
    let (id, address_id) = path.into_inner();
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let change = AddressChange {
        customer_id: id.clone(),
        address_id: Some(address_id),
        input: body.0,
    };
    workflow::run(&c, update_customer_addresses(), change).await?;
    customer_response(&c, &id, &selection).await
}

/// `DELETE /admin/customers/:id/addresses/:address_id` →
/// `{id, object: "customer_address", deleted: true, parent: <customer>}`.
async fn delete_address(
    c: web::Data<Container>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (id, address_id) = path.into_inner();
    let change = AddressChange {
        customer_id: id.clone(),
        address_id: Some(address_id.clone()),
        input: Default::default(),
    };
    workflow::run(&c, delete_customer_addresses(), change).await?;
    let customer = c
        .require::<CustomerModule>()?
        .customers()
        .retrieve(&id)
        .await?;
    let selection = stheno_module_sdk::graph::Selection::from_fields(ADMIN_CUSTOMER_FIELDS, None)?;
    let parent = respond::expand_one(&c, "customer", &customer, &selection, ADMIN).await?;
    Ok(response::deleted_with_parent(
        &address_id,
        "customer_address",
        parent,
    ))
}
