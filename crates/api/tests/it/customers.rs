//! Customers end to end: registration, login, the customer's own profile and
//! addresses, isolation between customers, and the admin routes.

use actix_web::http::Method;
use actix_web::test::TestRequest;
use serde_json::{Value, json};
use stheno::testing::TestApp;

use crate::assert_error;
use crate::auth::{claims, login, register};

/// Register `email` as a customer with an account; returns (customer id,
/// logged-in token).
pub async fn sign_up(app: &TestApp, email: &str) -> (String, String) {
    let reg = register(app, "customer", email, "pw").await;
    let res = app
        .request_as(
            Method::POST,
            "/store/customers",
            Some(json!({"first_name": "F"})),
            Some(&reg),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let id = res.body["customer"]["id"].as_str().unwrap().to_string();
    (id, login(app, "customer", email, "pw").await)
}

async fn as_customer(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: &str,
) -> stheno::testing::TestResponse {
    app.request_as(method, path, body, Some(token)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn customer_registers_logs_in_and_manages_addresses() {
    let app = TestApp::new().await.unwrap();
    let reg = register(&app, "customer", "shopper@example.com", "pw").await;

    // Without the registration token, or with an admin's: bare 401.
    for token in [None, Some(app.admin_token())] {
        let res = app
            .request_as(Method::POST, "/store/customers", Some(json!({})), token)
            .await;
        assert_eq!(res.status, 401);
        assert_eq!(res.body, json!({"message": "Unauthorized"}));
    }
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers",
        Some(json!({"nickname": "x"})),
        &reg,
    )
    .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'nickname'",
    );

    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers",
        Some(json!({"first_name": "Sam", "last_name": "Shopper"})),
        &reg,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let customer = &res.body["customer"];
    let id = customer["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("cus_"));
    assert_eq!(customer["email"], "shopper@example.com");
    assert_eq!(customer["has_account"], true);
    assert_eq!(customer["addresses"], json!([]));
    assert_eq!(
        crate::keys(customer),
        [
            "addresses",
            "company_name",
            "created_at",
            "deleted_at",
            "email",
            "first_name",
            "has_account",
            "id",
            "last_name",
            "metadata",
            "phone",
            "updated_at"
        ]
    );
    // The same registration token cannot make a second customer.
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers",
        Some(json!({})),
        &reg,
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers",
        Some(json!({"email": "other@example.com"})),
        &reg,
    )
    .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Request already authenticated as a customer.",
    );
    // The registration token still has no actor: no access to `me`.
    let res = as_customer(&app, Method::GET, "/store/customers/me", None, &reg).await;
    assert_eq!(res.status, 401);
    // Refreshing it picks up the link.
    let res = as_customer(&app, Method::POST, "/auth/token/refresh", None, &reg).await;
    assert_eq!(
        claims(&app, res.body["token"].as_str().unwrap()).actor_id,
        id
    );

    let token = login(&app, "customer", "shopper@example.com", "pw").await;
    let c = claims(&app, &token);
    assert_eq!(c.actor_id, id);
    assert_eq!(c.app_metadata["customer_id"], id.as_str());
    // A logged-in customer cannot register another customer.
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers",
        Some(json!({})),
        &token,
    )
    .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Request already authenticated as a customer.",
    );

    let res = as_customer(&app, Method::GET, "/store/customers/me", None, &token).await;
    assert_eq!(res.body["customer"]["first_name"], "Sam");
    let res = as_customer(
        &app,
        Method::GET,
        "/store/customers/me?fields=id,email,has_account",
        None,
        &token,
    )
    .await;
    assert_eq!(
        crate::keys(&res.body["customer"]),
        ["email", "has_account", "id"]
    );
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers/me",
        Some(json!({"phone": "555", "last_name": null})),
        &token,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["customer"]["phone"], "555");
    assert_eq!(res.body["customer"]["last_name"], Value::Null);
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers/me",
        Some(json!({"email": "new@example.com"})),
        &token,
    )
    .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'email'",
    );

    // Addresses: the first is the default shipping address.
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers/me/addresses",
        Some(json!({"address_name": "Home", "city": "Aarhus", "country_code": "dk", "is_default_shipping": true})),
        &token,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let home = res.body["customer"]["addresses"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(home.starts_with("cuaddr_"));
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers/me/addresses",
        Some(json!({"address_name": "Work", "city": "Odense", "country_code": "dk"})),
        &token,
    )
    .await;
    let addresses = res.body["customer"]["addresses"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(addresses.len(), 2);
    let work = addresses
        .iter()
        .find(|a| a["address_name"] == "Work")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let res = as_customer(
        &app,
        Method::GET,
        "/store/customers/me/addresses",
        None,
        &token,
    )
    .await;
    assert_eq!(res.body["count"], 2);
    assert_eq!(res.body["limit"], 50);
    let res = as_customer(
        &app,
        Method::GET,
        "/store/customers/me/addresses?city=Odense",
        None,
        &token,
    )
    .await;
    assert_eq!(res.body["count"], 1);
    let res = as_customer(
        &app,
        Method::GET,
        &format!("/store/customers/me/addresses/{home}"),
        None,
        &token,
    )
    .await;
    assert_eq!(res.body["address"]["is_default_shipping"], true);
    assert_eq!(res.body["address"]["customer_id"], id.as_str());

    // Making work the default shipping address unsets home.
    let res = as_customer(
        &app,
        Method::POST,
        &format!("/store/customers/me/addresses/{work}"),
        Some(json!({"is_default_shipping": true})),
        &token,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    for a in res.body["customer"]["addresses"].as_array().unwrap() {
        assert_eq!(a["is_default_shipping"], a["id"] == work.as_str(), "{a}");
    }

    let res = as_customer(
        &app,
        Method::DELETE,
        &format!("/store/customers/me/addresses/{home}"),
        None,
        &token,
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body["id"],
        id.as_str(),
        "Medusa answers the customer id"
    );
    assert_eq!(res.body["object"], "address");
    assert_eq!(res.body["deleted"], true);
    assert_eq!(res.body["parent"]["addresses"].as_array().unwrap().len(), 1);

    // Errors: unknown address, bad body, no token.
    for (method, body) in [
        (Method::GET, None),
        (Method::POST, Some(json!({"city": "X"}))),
        (Method::DELETE, None),
    ] {
        let res = as_customer(
            &app,
            method,
            &format!("/store/customers/me/addresses/{home}"),
            body,
            &token,
        )
        .await;
        assert_error(
            &res,
            404,
            "not_found",
            &format!("Address with id: {home} was not found"),
        );
    }
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers/me/addresses",
        Some(json!({"city": 5})),
        &token,
    )
    .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Expected type: 'string' for field 'city', got: '5'",
    );

    // A cookie session works for the storefront too.
    let res = as_customer(&app, Method::POST, "/auth/session", None, &token).await;
    let cookie = res.headers.get("set-cookie").unwrap().to_str().unwrap();
    let cookie = cookie.split(';').next().unwrap().to_string();
    let res = app
        .send(
            TestRequest::get()
                .uri("/store/customers/me")
                .insert_header((
                    "x-publishable-api-key",
                    app.publishable_key.clone().unwrap(),
                ))
                .insert_header(("cookie", cookie)),
        )
        .await;
    assert_eq!(res.body["customer"]["id"], id.as_str());
}

/// The store routes that need a customer answer the bare 401 without one,
/// with an unlinked token, and with an admin's token.
#[tokio::test(flavor = "multi_thread")]
async fn store_customer_routes_require_a_customer() {
    let app = TestApp::new().await.unwrap();
    let reg = register(&app, "customer", "reg@example.com", "pw").await;
    let routes = [
        (Method::GET, "/store/customers/me"),
        (Method::POST, "/store/customers/me"),
        (Method::GET, "/store/customers/me/addresses"),
        (Method::POST, "/store/customers/me/addresses"),
        (Method::GET, "/store/customers/me/addresses/a"),
        (Method::POST, "/store/customers/me/addresses/a"),
        (Method::DELETE, "/store/customers/me/addresses/a"),
    ];
    for (method, path) in routes {
        for token in [
            None,
            Some(reg.as_str()),
            Some(app.admin_token()),
            Some("junk"),
        ] {
            let res = app
                .request_as(method.clone(), path, Some(json!({})), token)
                .await;
            assert_eq!(res.status, 401, "{method} {path} {token:?}");
            assert_eq!(res.body, json!({"message": "Unauthorized"}));
        }
    }
}

/// Customer A can neither read nor change customer B's data: B's address
/// ids answer 404 as if absent, and nothing of B's changes.
#[tokio::test(flavor = "multi_thread")]
async fn customers_cannot_reach_each_other() {
    let app = TestApp::new().await.unwrap();
    let (a_id, a) = sign_up(&app, "a@example.com").await;
    let (b_id, b) = sign_up(&app, "b@example.com").await;
    let res = as_customer(
        &app,
        Method::POST,
        "/store/customers/me/addresses",
        Some(json!({"city": "B-town", "is_default_billing": true})),
        &b,
    )
    .await;
    let b_addr = res.body["customer"]["addresses"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let path = format!("/store/customers/me/addresses/{b_addr}");
    for (method, body) in [
        (Method::GET, None),
        (Method::POST, Some(json!({"city": "Stolen"}))),
        (Method::POST, Some(json!({"is_default_billing": false}))),
        (Method::DELETE, None),
    ] {
        let res = as_customer(&app, method.clone(), &path, body, &a).await;
        assert_error(
            &res,
            404,
            "not_found",
            &format!("Address with id: {b_addr} was not found"),
        );
    }
    let res = as_customer(&app, Method::GET, "/store/customers/me/addresses", None, &a).await;
    assert_eq!(res.body["count"], 0);
    let res = as_customer(&app, Method::GET, "/store/customers/me", None, &a).await;
    assert_eq!(res.body["customer"]["id"], a_id.as_str());
    assert_eq!(res.body["customer"]["addresses"], json!([]));
    // A's new default billing address leaves B's alone.
    as_customer(
        &app,
        Method::POST,
        "/store/customers/me/addresses",
        Some(json!({"city": "A-town", "is_default_billing": true})),
        &a,
    )
    .await;

    let res = as_customer(&app, Method::GET, &path, None, &b).await;
    assert_eq!(res.status, 200);
    assert_eq!(res.body["address"]["city"], "B-town");
    assert_eq!(res.body["address"]["is_default_billing"], true);
    assert_eq!(res.body["address"]["customer_id"], b_id.as_str());
    let res = as_customer(&app, Method::GET, "/store/customers/me", None, &b).await;
    assert_eq!(
        res.body["customer"]["addresses"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_customers_and_groups() {
    let app = TestApp::new().await.unwrap();
    let (registered, token) = sign_up(&app, "reg@example.com").await;
    let res = app
        .admin_post(
            "/admin/customers",
            json!({"email": "guest@example.com", "first_name": "G"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let guest = res.body["customer"]["id"].as_str().unwrap().to_string();
    assert_eq!(res.body["customer"]["has_account"], false);
    assert!(
        res.body["customer"]["created_by"]
            .as_str()
            .unwrap()
            .starts_with("user_")
    );
    assert_eq!(res.body["customer"]["groups"], json!([]));
    let res = app
        .admin_post("/admin/customers", json!({"email": "guest@example.com"}))
        .await;
    assert_error(
        &res,
        422,
        "duplicate_error",
        "Customer with email: guest@example.com, has_account: false, already exists.",
    );
    let res = app
        .admin_post("/admin/customers", json!({"has_account": true}))
        .await;
    assert_eq!(res.status, 400, "{}", res.body);

    let res = app.admin_get("/admin/customers?has_account=true").await;
    assert_eq!(res.body["count"], 1);
    assert_eq!(res.body["customers"][0]["id"], registered.as_str());
    let res = app.admin_get("/admin/customers?q=guest").await;
    assert_eq!(res.body["count"], 1);
    let res = app.admin_get("/admin/customers?order=-nope").await;
    assert_error(&res, 400, "invalid_data", "Order field nope is not valid");
    let res = app
        .admin_post(
            &format!("/admin/customers/{guest}"),
            json!({"company_name": "Acme"}),
        )
        .await;
    assert_eq!(res.body["customer"]["company_name"], "Acme");
    for res in [
        app.admin_get("/admin/customers/cus_nope").await,
        app.admin_post("/admin/customers/cus_nope", json!({})).await,
        app.admin_delete("/admin/customers/cus_nope").await,
    ] {
        assert_error(
            &res,
            404,
            "not_found",
            "Customer with id: cus_nope was not found",
        );
    }

    // Groups.
    let res = app
        .admin_post("/admin/customer-groups", json!({"name": "VIP"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let vip = res.body["customer_group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .admin_post("/admin/customer-groups", json!({"name": "VIP"}))
        .await;
    assert_error(
        &res,
        422,
        "duplicate_error",
        "Customer group with name: VIP, already exists.",
    );
    let res = app.admin_post("/admin/customer-groups", json!({})).await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'name' is required",
    );
    let res = app
        .admin_post(
            &format!("/admin/customer-groups/{vip}/customers"),
            json!({"add": [guest, registered]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["customer_group"]["id"], vip.as_str());
    let res = app
        .admin_get(&format!(
            "/admin/customer-groups/{vip}?fields=id,*customers"
        ))
        .await;
    assert_eq!(
        res.body["customer_group"]["customers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let res = app
        .admin_get(&format!("/admin/customers?groups={vip}"))
        .await;
    assert_eq!(res.body["count"], 2);
    let res = app.admin_get(&format!("/admin/customers/{guest}")).await;
    assert_eq!(res.body["customer"]["groups"][0]["name"], "VIP");
    let res = app
        .admin_post(
            &format!("/admin/customer-groups/{vip}/customers"),
            json!({"remove": [guest]}),
        )
        .await;
    assert_eq!(res.status, 200);
    let res = app
        .admin_get(&format!("/admin/customers?groups={vip}"))
        .await;
    assert_eq!(res.body["count"], 1);
    let res = app
        .admin_post(
            &format!("/admin/customer-groups/{vip}/customers"),
            json!({"add": ["cus_nope"]}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Customer with id: cus_nope was not found",
    );
    let res = app
        .admin_post(
            &format!("/admin/customer-groups/{vip}/customers"),
            json!({"add": "cus_1"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app
        .admin_post("/admin/customer-groups/cusgroup_nope/customers", json!({}))
        .await;
    assert_eq!(res.status, 404);
    let res = app
        .admin_post(
            &format!("/admin/customer-groups/{vip}"),
            json!({"name": "Gold"}),
        )
        .await;
    assert_eq!(res.body["customer_group"]["name"], "Gold");
    let res = app.admin_get("/admin/customer-groups?q=gol").await;
    assert_eq!(res.body["count"], 1);
    let res = app
        .admin_delete(&format!("/admin/customer-groups/{vip}"))
        .await;
    assert_eq!(
        res.body,
        json!({"id": vip, "object": "customer_group", "deleted": true})
    );
    for res in [
        app.admin_get(&format!("/admin/customer-groups/{vip}"))
            .await,
        app.admin_post(&format!("/admin/customer-groups/{vip}"), json!({}))
            .await,
        app.admin_delete(&format!("/admin/customer-groups/{vip}"))
            .await,
    ] {
        assert_eq!(res.status, 404, "{}", res.body);
    }

    // Deleting a registered customer unlinks its identity.
    let res = app
        .admin_delete(&format!("/admin/customers/{registered}"))
        .await;
    assert_eq!(
        res.body,
        json!({"id": registered, "object": "customer", "deleted": true})
    );
    let res = as_customer(&app, Method::POST, "/auth/token/refresh", None, &token).await;
    assert_eq!(
        claims(&app, res.body["token"].as_str().unwrap()).actor_id,
        ""
    );
    let res = as_customer(&app, Method::GET, "/store/customers/me", None, &token).await;
    assert_eq!(res.status, 404, "the old token names a deleted customer");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_customer_addresses_and_groups() {
    let app = TestApp::new().await.unwrap();
    let (a, _) = sign_up(&app, "a@example.com").await;
    let (b, _) = sign_up(&app, "b@example.com").await;
    let res = app
        .admin_post(
            &format!("/admin/customers/{a}/addresses"),
            json!({"city": "Aarhus", "is_default_shipping": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let addr = res.body["customer"]["addresses"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .admin_get(&format!("/admin/customers/{a}/addresses"))
        .await;
    assert_eq!(res.body["count"], 1);
    let res = app
        .admin_get(&format!("/admin/customers/{a}/addresses/{addr}"))
        .await;
    assert_eq!(res.body["address"]["city"], "Aarhus");
    let res = app
        .admin_post(
            &format!("/admin/customers/{a}/addresses/{addr}"),
            json!({"city": "Odense"}),
        )
        .await;
    assert_eq!(res.body["customer"]["addresses"][0]["city"], "Odense");
    // An address is reached only through its own customer.
    let res = app
        .admin_get(&format!("/admin/customers/{b}/addresses/{addr}"))
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        &format!("Address with id: {addr} was not found"),
    );
    let res = app.admin_get("/admin/customers/cus_nope/addresses").await;
    assert_error(
        &res,
        404,
        "not_found",
        "Customer with id: cus_nope was not found",
    );
    let res = app
        .admin_post("/admin/customers/cus_nope/addresses", json!({"city": "X"}))
        .await;
    assert_eq!(res.status, 404);
    let res = app
        .admin_post(
            &format!("/admin/customers/{a}/addresses"),
            json!({"town": "X"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'town'",
    );
    let res = app
        .admin_delete(&format!("/admin/customers/{a}/addresses/{addr}"))
        .await;
    assert_eq!(res.body["id"], addr.as_str());
    assert_eq!(res.body["object"], "customer_address");
    assert_eq!(res.body["parent"]["addresses"], json!([]));
    let res = app
        .admin_delete(&format!("/admin/customers/{a}/addresses/{addr}"))
        .await;
    assert_eq!(res.status, 404);

    // Groups from the customer's side.
    let res = app
        .admin_post("/admin/customer-groups", json!({"name": "Wholesale"}))
        .await;
    let group = res.body["customer_group"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = app
        .admin_post(
            &format!("/admin/customers/{a}/customer-groups"),
            json!({"add": [group]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["customer"]["groups"][0]["name"], "Wholesale");
    let res = app
        .admin_post(
            &format!("/admin/customers/{a}/customer-groups"),
            json!({"remove": [group]}),
        )
        .await;
    assert_eq!(res.body["customer"]["groups"], json!([]));
    let res = app
        .admin_post(
            &format!("/admin/customers/{a}/customer-groups"),
            json!({"add": ["cusgroup_nope"]}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "CustomerGroup with id: cusgroup_nope was not found",
    );
    let res = app
        .admin_post("/admin/customers/cus_nope/customer-groups", json!({}))
        .await;
    assert_eq!(res.status, 404);
}
