//! `/admin/customers` and `/admin/customer-groups`.

use actix_web::{HttpResponse, web};
use stheno_customer::{
    AddressFilter, AddressInput, CreateCustomerInput, CreateGroupInput, CustomerFilter,
    CustomerModule, GroupFilter, UpdateCustomerInput, UpdateGroupInput,
};
use stheno_framework::Container;
use stheno_http::{ApiResult, Authenticated, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::graph::QueryContext;

use crate::admin::LinkBatch;
use crate::customer_fields::{ADMIN_ADDRESS_FIELDS, ADMIN_CUSTOMER_FIELDS, ADMIN_GROUP_FIELDS};
use crate::{respond, workflow};
use stheno_core_flows::accounts;
use stheno_core_flows::customer::{
    AddressChange, CustomerUpdate, GroupUpdate, Memberships, NewCustomer, NewGroup,
    create_customer_addresses, create_customer_groups, create_customers, delete_customer_addresses,
    delete_customer_groups, link_customer_groups_to_customer, link_customers_to_customer_group,
    update_customer_addresses, update_customer_groups, update_customers,
};

const ADMIN: QueryContext = QueryContext::ADMIN;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/customers", web::get().to(list_customers))
        .route("/customers", web::post().to(create_customer))
        .route("/customers/{id}", web::get().to(retrieve_customer))
        .route("/customers/{id}", web::post().to(update_customer))
        .route("/customers/{id}", web::delete().to(delete_customer))
        .route(
            "/customers/{id}/customer-groups",
            web::post().to(customer_groups),
        )
        .route("/customers/{id}/addresses", web::get().to(list_addresses))
        .route("/customers/{id}/addresses", web::post().to(create_address))
        .route(
            "/customers/{id}/addresses/{address_id}",
            web::get().to(retrieve_address),
        )
        .route(
            "/customers/{id}/addresses/{address_id}",
            web::post().to(update_address),
        )
        .route(
            "/customers/{id}/addresses/{address_id}",
            web::delete().to(delete_address),
        )
        .route("/customer-groups", web::get().to(list_groups))
        .route("/customer-groups", web::post().to(create_group))
        .route("/customer-groups/{id}", web::get().to(retrieve_group))
        .route("/customer-groups/{id}", web::post().to(update_group))
        .route("/customer-groups/{id}", web::delete().to(delete_group))
        .route(
            "/customer-groups/{id}/customers",
            web::post().to(group_customers),
        );
}

async fn list_customers(
    c: web::Data<Container>,
    q: ListQuery<CustomerFilter>,
) -> ApiResult<HttpResponse> {
    let page = q.page(50);
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let (rows, count) = c
        .require::<CustomerModule>()?
        .list_customers(&q.filters, page, &q.order_by(None))
        .await?;
    respond::list(
        &c,
        "customer",
        "customers",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

/// `POST /admin/customers`: a customer without an account (a guest the
/// admin manages), `created_by` the admin.
async fn create_customer(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<CreateCustomerInput>,
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

async fn retrieve_customer(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let customer = c
        .require::<CustomerModule>()?
        .retrieve_customer(&id)
        .await?;
    respond::one(&c, "customer", "customer", &customer, &selection, ADMIN).await
}

async fn update_customer(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateCustomerInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_CUSTOMER_FIELDS)?;
    let update = CustomerUpdate {
        id: id.into_inner(),
        update: body.0,
    };
    let customer = workflow::run(&c, update_customers(), update).await?;
    respond::one(&c, "customer", "customer", &customer, &selection, ADMIN).await
}

/// Delete a customer (addresses and memberships with it) and unlink its
/// auth identities (`remove-customer-account`).
async fn delete_customer(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    workflow::run(&c, accounts::remove_customer_account(), id.to_string()).await?;
    Ok(response::deleted(&id, "customer"))
}

async fn list_groups(
    c: web::Data<Container>,
    q: ListQuery<GroupFilter>,
) -> ApiResult<HttpResponse> {
    let page = q.page(50);
    let selection = q.selection(ADMIN_GROUP_FIELDS)?;
    let (rows, count) = c
        .require::<CustomerModule>()?
        .list_groups(&q.filters, page, &q.order_by(None))
        .await?;
    respond::list(
        &c,
        "customer_group",
        "customer_groups",
        &rows,
        count,
        page,
        &selection,
        ADMIN,
    )
    .await
}

async fn create_group(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<CreateGroupInput>,
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

async fn retrieve_group(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_GROUP_FIELDS)?;
    let group = c.require::<CustomerModule>()?.retrieve_group(&id).await?;
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

async fn update_group(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<UpdateGroupInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(ADMIN_GROUP_FIELDS)?;
    let update = GroupUpdate {
        id: id.into_inner(),
        update: body.0,
    };
    let group = workflow::run(&c, update_customer_groups(), update).await?;
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

async fn delete_group(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    workflow::run(&c, delete_customer_groups(), id.to_string()).await?;
    Ok(response::deleted(&id, "customer_group"))
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
    let group = c.require::<CustomerModule>()?.retrieve_group(&id).await?;
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
    let customer = c.require::<CustomerModule>()?.retrieve_customer(id).await?;
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
    q: ListQuery<AddressFilter>,
) -> ApiResult<HttpResponse> {
    let page = q.page(50);
    let selection = q.selection(ADMIN_ADDRESS_FIELDS)?;
    let customers = c.require::<CustomerModule>()?;
    customers.retrieve_customer(&id).await?;
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
        .retrieve_customer(&id)
        .await?;
    let selection = stheno_module_sdk::graph::Selection::from_fields(ADMIN_CUSTOMER_FIELDS, None)?;
    let parent = respond::expand_one(&c, "customer", &customer, &selection, ADMIN).await?;
    Ok(response::deleted_with_parent(
        &address_id,
        "customer_address",
        parent,
    ))
}
