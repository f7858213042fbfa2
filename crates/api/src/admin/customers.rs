//! `/admin/customers` and `/admin/customer-groups`.

use actix_web::{HttpResponse, web};
use stheno_auth::AuthModule;
use stheno_customer::{
    CreateCustomerInput, CreateGroupInput, CustomerFilter, CustomerModule, GroupFilter,
    UpdateCustomerInput, UpdateGroupInput,
};
use stheno_framework::Container;
use stheno_http::{ApiResult, Authenticated, Body, ListQuery, RetrieveQuery, response};
use stheno_module_sdk::graph::QueryContext;

use crate::admin::LinkBatch;
use crate::customer_fields::{ADMIN_CUSTOMER_FIELDS, ADMIN_GROUP_FIELDS};
use crate::respond;

const ADMIN: QueryContext = QueryContext::ADMIN;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/customers", web::get().to(list_customers))
        .route("/customers", web::post().to(create_customer))
        .route("/customers/{id}", web::get().to(retrieve_customer))
        .route("/customers/{id}", web::post().to(update_customer))
        .route("/customers/{id}", web::delete().to(delete_customer))
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
    let mut input = body.0;
    input.has_account = false;
    input.created_by = Some(auth.0.actor_id);
    let customer = c
        .require::<CustomerModule>()?
        .create_customer(input)
        .await?;
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
    let customer = c
        .require::<CustomerModule>()?
        .update_customer(&id, body.0)
        .await?;
    respond::one(&c, "customer", "customer", &customer, &selection, ADMIN).await
}

/// Delete a customer (addresses and memberships with it) and unlink its
/// auth identities.
async fn delete_customer(
    c: web::Data<Container>,
    id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    c.require::<CustomerModule>()?.delete_customer(&id).await?;
    c.require::<AuthModule>()?
        .store()
        .unlink_actor("customer", &id)
        .await?;
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
    let mut input = body.0;
    input.created_by = Some(auth.0.actor_id);
    let group = c.require::<CustomerModule>()?.create_group(input).await?;
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
    let group = c
        .require::<CustomerModule>()?
        .update_group(&id, body.0)
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

async fn delete_group(c: web::Data<Container>, id: web::Path<String>) -> ApiResult<HttpResponse> {
    c.require::<CustomerModule>()?.delete_group(&id).await?;
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
    let customers = c.require::<CustomerModule>()?;
    customers
        .update_group_customers(&id, &body.0.add, &body.0.remove, Some(&auth.0.actor_id))
        .await?;
    let group = customers.retrieve_group(&id).await?;
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
