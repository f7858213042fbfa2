//! `/store/customers*`: registration and the logged-in customer's own data.
//! Every `me` route acts on the authenticated customer only; another
//! customer's address answers 404 as if it did not exist.

use std::future::{Ready, ready};
use stheno_customer::models::{Customer, CustomerAddress};
use stheno_http::openapi::{self, Doc, RouteSet, deleted_with_parent_schema, reference};
use stheno_module_sdk::entity::Entity as _;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, web};
use stheno_auth::AuthModule;
use stheno_auth::emailpass::EMAILPASS;
use stheno_core_flows::accounts::{CreateCustomerAccount, create_customer_account};
use stheno_core_flows::customer::{
    AddressChange, CustomerUpdate, create_customer_addresses, delete_customer_addresses,
    update_customer_addresses, update_customers,
};
use stheno_customer::{AddressInput, CustomerAddressFilter, CustomerModule, UpdateCustomer};
use stheno_framework::Container;
use stheno_http::{
    ApiError, ApiResult, AuthContext, Authenticated, Body, ListQuery, RetrieveQuery,
};
use stheno_module_sdk::graph::{QueryContext, Selection};
use stheno_module_sdk::{Error, ErrorKind};

use crate::customer_fields::{CustomerBody, STORE_ADDRESS_FIELDS, STORE_CUSTOMER_FIELDS};
use crate::{respond, workflow};

const STORE: QueryContext = QueryContext::STORE;

pub(crate) fn configure(r: &mut RouteSet) {
    r.post(
        "/customers",
        create,
        Doc::new("Register a customer")
            .tag("Customers")
            .fields()
            .body_of::<CustomerBody>()
            .record("customer", Customer::META),
    )
    .get(
        "/customers/me",
        me,
        Doc::new("Retrieve the logged-in customer")
            .tag("Customers")
            .fields()
            .record("customer", Customer::META),
    )
    .post(
        "/customers/me",
        update_me,
        Doc::new("Update the logged-in customer")
            .tag("Customers")
            .fields()
            .body_of::<UpdateMe>()
            .record("customer", Customer::META),
    )
    .get(
        "/customers/me/addresses",
        list_addresses,
        Doc::new("List the customer's addresses")
            .tag("Customers")
            .queries(openapi::list_params(CustomerAddress::META, false))
            .page("addresses", CustomerAddress::META),
    )
    .post(
        "/customers/me/addresses",
        create_address,
        Doc::new("Add an address")
            .tag("Customers")
            .fields()
            .body_of::<AddressInput>()
            .record("customer", Customer::META),
    )
    .get(
        "/customers/me/addresses/{id}",
        retrieve_address,
        Doc::new("Retrieve an address")
            .tag("Customers")
            .fields()
            .record("address", CustomerAddress::META),
    )
    .post(
        "/customers/me/addresses/{id}",
        update_address,
        Doc::new("Update an address")
            .tag("Customers")
            .fields()
            .body_of::<AddressInput>()
            .record("customer", Customer::META),
    )
    .delete(
        "/customers/me/addresses/{id}",
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
    );
}

/// The authenticated customer's id; bare 401 without a linked customer.
pub(crate) struct CustomerId(pub String);

impl FromRequest for CustomerId {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let id = req
            .extensions()
            .get::<AuthContext>()
            .filter(|c| c.actor_type == "customer" && c.is_linked())
            .map(|c| CustomerId(c.actor_id.clone()));
        ready(id.ok_or(ApiError::Unauthorized))
    }
}

async fn customer_response(
    c: &Container,
    id: &str,
    selection: &Selection,
) -> ApiResult<HttpResponse> {
    let customer = c
        .require::<CustomerModule>()?
        .customers()
        .retrieve(id)
        .await?;
    respond::one(c, "customer", "customer", &customer, selection, STORE).await
}

/// `POST /store/customers` with a registration token (identity not yet a
/// customer): the `create-customer-account` workflow creates a customer
/// with an account and links the identity.
async fn create(
    c: web::Data<Container>,
    auth: Authenticated,
    q: RetrieveQuery,
    body: Body<CustomerBody>,
) -> ApiResult<HttpResponse> {
    let ctx = auth.0;
    if ctx.actor_type != "customer" {
        return Err(ApiError::Unauthorized);
    }
    if ctx.is_linked() {
        return Err(Error::invalid_data("Request already authenticated as a customer.").into());
    }
    let selection = q.selection(STORE_CUSTOMER_FIELDS)?;
    let b = body.0;
    let email = match b.email {
        Some(email) => Some(email),
        // The email the customer registered with.
        None => c
            .require::<AuthModule>()?
            .store()
            .provider_identities(&ctx.auth_identity_id)
            .await?
            .into_iter()
            .find(|p| p.provider == EMAILPASS)
            .map(|p| p.entity_id),
    };
    let input = CreateCustomerAccount {
        auth_identity_id: ctx.auth_identity_id.clone(),
        email,
        company_name: b.company_name,
        first_name: b.first_name,
        last_name: b.last_name,
        phone: b.phone,
        metadata: b.metadata,
    };
    let customer = match workflow::run(&c, create_customer_account(), input).await {
        Ok(customer) => customer,
        // The identity was linked meanwhile (the customer was undone).
        Err(e) if e.kind() == ErrorKind::InvalidData => {
            return Err(Error::invalid_data("Request already authenticated as a customer.").into());
        }
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(ApiError::Unauthorized),
        Err(e) => return Err(e.into()),
    };
    respond::one(&c, "customer", "customer", &customer, &selection, STORE).await
}

async fn me(c: web::Data<Container>, id: CustomerId, q: RetrieveQuery) -> ApiResult<HttpResponse> {
    customer_response(&c, &id.0, &q.selection(STORE_CUSTOMER_FIELDS)?).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct UpdateMe {
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    company_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    first_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    last_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]
    metadata: Option<Option<serde_json::Value>>,
}

/// `POST /store/customers/me`: names, company, phone, metadata (not the
/// email).
async fn update_me(
    c: web::Data<Container>,
    id: CustomerId,
    q: RetrieveQuery,
    body: Body<UpdateMe>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_CUSTOMER_FIELDS)?;
    let b = body.0;
    let input = UpdateCustomer {
        company_name: b.company_name,
        first_name: b.first_name,
        last_name: b.last_name,
        phone: b.phone,
        metadata: b.metadata,
        ..Default::default()
    };
    let update = CustomerUpdate::new(id.0.as_str(), input);
    workflow::run(&c, update_customers(), update).await?;
    customer_response(&c, &id.0, &selection).await
}

async fn list_addresses(
    c: web::Data<Container>,
    id: CustomerId,
    q: ListQuery<CustomerAddressFilter>,
) -> ApiResult<HttpResponse> {
    let page = q.page(50);
    let selection = q.selection(STORE_ADDRESS_FIELDS)?;
    let (rows, count) = c
        .require::<CustomerModule>()?
        .list_addresses(&id.0, &q.filters, page, &q.order_by(None))
        .await?;
    respond::list(
        &c,
        "customer_address",
        "addresses",
        &rows,
        count,
        page,
        &selection,
        STORE,
    )
    .await
}

/// `POST /store/customers/me/addresses` → `{customer}`.
async fn create_address(
    c: web::Data<Container>,
    id: CustomerId,
    q: RetrieveQuery,
    body: Body<AddressInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_CUSTOMER_FIELDS)?;
    let change = AddressChange {
        customer_id: id.0.clone(),
        address_id: None,
        input: body.0,
    };
    workflow::run(&c, create_customer_addresses(), change).await?;
    customer_response(&c, &id.0, &selection).await
}

async fn retrieve_address(
    c: web::Data<Container>,
    id: CustomerId,
    address_id: web::Path<String>,
    q: RetrieveQuery,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_ADDRESS_FIELDS)?;
    let address = c
        .require::<CustomerModule>()?
        .retrieve_address(&id.0, &address_id)
        .await?;
    respond::one(
        &c,
        "customer_address",
        "address",
        &address,
        &selection,
        STORE,
    )
    .await
}

/// `POST /store/customers/me/addresses/:id` → `{customer}`.
async fn update_address(
    c: web::Data<Container>,
    id: CustomerId,
    address_id: web::Path<String>,
    q: RetrieveQuery,
    body: Body<AddressInput>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(STORE_CUSTOMER_FIELDS)?;
    let change = AddressChange {
        customer_id: id.0.clone(),
        address_id: Some(address_id.into_inner()),
        input: body.0,
    };
    workflow::run(&c, update_customer_addresses(), change).await?;
    customer_response(&c, &id.0, &selection).await
}

/// `DELETE /store/customers/me/addresses/:id` → `{id, object: "address",
/// deleted: true, parent: <customer>}`. As in Medusa (2.21.2 still), `id` is
/// the customer's id.
async fn delete_address(
    c: web::Data<Container>,
    id: CustomerId,
    address_id: web::Path<String>,
) -> ApiResult<HttpResponse> {
    let change = AddressChange {
        customer_id: id.0.clone(),
        address_id: Some(address_id.into_inner()),
        input: Default::default(),
    };
    workflow::run(&c, delete_customer_addresses(), change).await?;
    let customer = c
        .require::<CustomerModule>()?
        .customers()
        .retrieve(&id.0)
        .await?;
    let selection = Selection::from_fields(STORE_CUSTOMER_FIELDS, None)?;
    let parent = respond::expand_one(&c, "customer", &customer, &selection, STORE).await?;
    Ok(stheno_http::response::deleted_with_parent(
        &id.0, "address", parent,
    ))
}
