//! `/admin/sales-channels`, `/admin/api-keys`, `/admin/stock-locations`:
//! CRUD, the secret token shown once, revoke before delete, and the link
//! batches seen through `fields`.

use actix_web::http::Method;
use serde_json::{Value, json};
use stheno::testing::{TestApp, TestResponse};

use crate::{assert_error, create_product, shirt};

/// A 400 of a body the route cannot read.
#[track_caller]
fn assert_bad_body(res: &TestResponse) {
    assert_eq!(res.status, 400, "body: {}", res.body);
    assert_eq!(res.body["type"], "invalid_data", "body: {}", res.body);
    let message = res.body["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with("Invalid request: "),
        "body: {}",
        res.body
    );
}

#[track_caller]
fn assert_not_found(res: &TestResponse) {
    assert_eq!(res.status, 404, "body: {}", res.body);
    assert_eq!(res.body["type"], "not_found", "body: {}", res.body);
}

/// The ids of a list of records.
fn ids(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|r| r["id"].as_str().expect("an id"))
        .collect()
}

async fn post_ok(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.admin_post(path, body).await;
    assert_eq!(res.status, 200, "POST {path}: {}", res.body);
    res.body
}

async fn get_ok(app: &TestApp, path: &str) -> Value {
    let res = app.admin_get(path).await;
    assert_eq!(res.status, 200, "GET {path}: {}", res.body);
    res.body
}

async fn admin_id(app: &TestApp) -> String {
    get_ok(app, "/admin/users/me").await["user"]["id"]
        .as_str()
        .expect("the admin's id")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn channel_routes_require_auth() {
    let app = TestApp::new().await.unwrap();
    let routes = [
        (Method::GET, "/admin/sales-channels"),
        (Method::POST, "/admin/sales-channels"),
        (Method::GET, "/admin/sales-channels/sc_1"),
        (Method::POST, "/admin/sales-channels/sc_1"),
        (Method::DELETE, "/admin/sales-channels/sc_1"),
        (Method::POST, "/admin/sales-channels/sc_1/products"),
        (Method::GET, "/admin/api-keys"),
        (Method::POST, "/admin/api-keys"),
        (Method::GET, "/admin/api-keys/apk_1"),
        (Method::POST, "/admin/api-keys/apk_1"),
        (Method::DELETE, "/admin/api-keys/apk_1"),
        (Method::POST, "/admin/api-keys/apk_1/revoke"),
        (Method::POST, "/admin/api-keys/apk_1/sales-channels"),
        (Method::GET, "/admin/stock-locations"),
        (Method::POST, "/admin/stock-locations"),
        (Method::GET, "/admin/stock-locations/sloc_1"),
        (Method::POST, "/admin/stock-locations/sloc_1"),
        (Method::DELETE, "/admin/stock-locations/sloc_1"),
        (Method::POST, "/admin/stock-locations/sloc_1/sales-channels"),
    ];
    for (method, path) in routes {
        let res = app
            .request(method.clone(), path, Some(json!({})), false)
            .await;
        assert_eq!(res.status, 401, "{method} {path}");
        assert_eq!(
            res.body,
            json!({"message": "Unauthorized"}),
            "{method} {path}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sales_channel_crud_and_products() {
    let app = TestApp::new().await.unwrap();
    let created = post_ok(
        &app,
        "/admin/sales-channels",
        json!({"name": "POS", "description": "In store"}),
    )
    .await;
    let channel = &created["sales_channel"];
    let id = channel["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("sc_"), "{channel}");
    assert_eq!(channel["name"], "POS");
    assert_eq!(channel["is_disabled"], false);
    assert_eq!(
        crate::keys(channel),
        [
            "created_at",
            "deleted_at",
            "description",
            "id",
            "is_disabled",
            "metadata",
            "name",
            "updated_at"
        ]
    );

    // The test app's default channel is there too.
    let list = get_ok(&app, "/admin/sales-channels").await;
    assert_eq!(list["count"], 2, "{list}");
    let found = get_ok(&app, "/admin/sales-channels?q=store").await;
    assert_eq!(ids(&found["sales_channels"]), [id.as_str()]);

    let updated = post_ok(
        &app,
        &format!("/admin/sales-channels/{id}"),
        json!({"is_disabled": true, "description": null}),
    )
    .await;
    assert_eq!(updated["sales_channel"]["is_disabled"], true);
    assert_eq!(updated["sales_channel"]["description"], Value::Null);
    let read = get_ok(&app, &format!("/admin/sales-channels/{id}")).await;
    assert_eq!(read["sales_channel"]["is_disabled"], true);

    // Products, added and removed, seen from both sides.
    let a = create_product(&app, shirt("sc-a")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b = create_product(&app, shirt("sc-b")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let linked = post_ok(
        &app,
        &format!("/admin/sales-channels/{id}/products?fields=id,*products"),
        json!({"add": [a, b]}),
    )
    .await;
    let mut products = ids(&linked["sales_channel"]["products"]);
    products.sort();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(products, expected);
    let product = get_ok(
        &app,
        &format!("/admin/products/{a}?fields=id,*sales_channels"),
    )
    .await;
    assert!(
        ids(&product["product"]["sales_channels"]).contains(&id.as_str()),
        "{product}"
    );
    let unlinked = post_ok(
        &app,
        &format!("/admin/sales-channels/{id}/products?fields=id,*products"),
        json!({"remove": [a]}),
    )
    .await;
    assert_eq!(ids(&unlinked["sales_channel"]["products"]), [b.as_str()]);

    // An unknown product changes nothing.
    let res = app
        .admin_post(
            &format!("/admin/sales-channels/{id}/products"),
            json!({"add": [a, "prod_missing"]}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Product with id: prod_missing was not found",
    );
    let read = get_ok(
        &app,
        &format!("/admin/sales-channels/{id}?fields=id,*products"),
    )
    .await;
    assert_eq!(ids(&read["sales_channel"]["products"]), [b.as_str()]);

    // Deleting the channel dismisses its links.
    let res = app
        .admin_delete(&format!("/admin/sales-channels/{id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"id": id, "object": "sales_channel", "deleted": true})
    );
    assert_not_found(&app.admin_get(&format!("/admin/sales-channels/{id}")).await);
    let product = get_ok(
        &app,
        &format!("/admin/products/{b}?fields=id,*sales_channels"),
    )
    .await;
    assert!(
        !ids(&product["product"]["sales_channels"]).contains(&id.as_str()),
        "{product}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sales_channel_errors() {
    let app = TestApp::new().await.unwrap();
    assert_bad_body(
        &app.admin_post("/admin/sales-channels", json!({"description": "no name"}))
            .await,
    );
    assert_bad_body(
        &app.admin_post("/admin/sales-channels", json!({"name": 1}))
            .await,
    );
    let id = post_ok(&app, "/admin/sales-channels", json!({"name": "Web"})).await["sales_channel"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_bad_body(
        &app.admin_post(
            &format!("/admin/sales-channels/{id}"),
            json!({"nope": true}),
        )
        .await,
    );
    assert_bad_body(
        &app.admin_post(
            &format!("/admin/sales-channels/{id}/products"),
            json!({"add": "prod_1"}),
        )
        .await,
    );
    assert_not_found(&app.admin_get("/admin/sales-channels/sc_missing").await);
    assert_not_found(
        &app.admin_post("/admin/sales-channels/sc_missing", json!({"name": "x"}))
            .await,
    );
    assert_not_found(&app.admin_delete("/admin/sales-channels/sc_missing").await);
    assert_not_found(
        &app.admin_post(
            "/admin/sales-channels/sc_missing/products",
            json!({"add": []}),
        )
        .await,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn secret_key_token_once_revoke_then_delete() {
    let app = TestApp::new().await.unwrap();
    let admin = admin_id(&app).await;
    let created = post_ok(
        &app,
        "/admin/api-keys",
        json!({"title": "Integration", "type": "secret"}),
    )
    .await;
    let key = &created["api_key"];
    let id = key["id"].as_str().unwrap().to_string();
    let token = key["token"].as_str().unwrap().to_string();
    assert!(id.starts_with("apk_"), "{key}");
    assert!(token.starts_with("sk_") && token.len() == 67, "{key}");
    assert_eq!(key["type"], "secret");
    assert_eq!(key["created_by"], admin.as_str());
    assert_eq!(key["revoked_at"], Value::Null);
    assert_eq!(
        key["redacted"],
        format!("{}***{}", &token[..6], &token[64..])
    );
    assert!(key.get("salt").is_none(), "{key}");

    // The raw token is never shown again, nor kept in the workflow's run.
    let read = get_ok(&app, &format!("/admin/api-keys/{id}")).await;
    assert_eq!(read["api_key"]["token"], "");
    let runs = get_ok(
        &app,
        "/admin/workflows-executions?workflow_id=create-api-keys",
    )
    .await;
    assert!(!runs.to_string().contains(&token), "{runs}");
    let one = get_ok(
        &app,
        &format!(
            "/admin/workflows-executions/{}",
            runs["workflow_executions"][0]["id"]
                .as_str()
                .unwrap_or("none")
        ),
    )
    .await;
    assert!(!one.to_string().contains(&token));

    // Lists: by type and by text.
    let secret = get_ok(&app, "/admin/api-keys?type=secret").await;
    assert_eq!(ids(&secret["api_keys"]), [id.as_str()]);
    assert_eq!(secret["limit"], 20);
    let publishable = get_ok(&app, "/admin/api-keys?type=publishable").await;
    assert_eq!(publishable["count"], 1, "the test storefront's key");
    let found = get_ok(&app, "/admin/api-keys?q=integr").await;
    assert_eq!(ids(&found["api_keys"]), [id.as_str()]);

    // Only the title changes.
    let renamed = post_ok(
        &app,
        &format!("/admin/api-keys/{id}"),
        json!({"title": "CI"}),
    )
    .await;
    assert_eq!(renamed["api_key"]["title"], "CI");
    assert_eq!(renamed["api_key"]["token"], "");
    assert_bad_body(
        &app.admin_post(
            &format!("/admin/api-keys/{id}"),
            json!({"revoked_by": "me"}),
        )
        .await,
    );

    // Secret keys have no sales channels.
    let channel = app.sales_channel_id.clone().expect("the default channel");
    let res = app
        .admin_post(
            &format!("/admin/api-keys/{id}/sales-channels"),
            json!({"add": [channel]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Sales channels can only be associated with publishable API keys",
    );

    // Delete: refused until revoked.
    let res = app.admin_delete(&format!("/admin/api-keys/{id}")).await;
    assert_error(
        &res,
        400,
        "not_allowed",
        &format!("Cannot delete api keys that are not revoked - {id}"),
    );
    let revoked = post_ok(&app, &format!("/admin/api-keys/{id}/revoke"), json!({})).await;
    assert_eq!(revoked["api_key"]["revoked_by"], admin.as_str());
    assert!(revoked["api_key"]["revoked_at"].is_string(), "{revoked}");
    let res = app
        .admin_post(&format!("/admin/api-keys/{id}/revoke"), json!({}))
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "There are 1 secret keys that are already revoked.",
    );
    let res = app.admin_delete(&format!("/admin/api-keys/{id}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"id": id, "object": "api_key", "deleted": true})
    );
    assert_not_found(&app.admin_get(&format!("/admin/api-keys/{id}")).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn publishable_key_sales_channels() {
    let app = TestApp::new().await.unwrap();
    let created = post_ok(
        &app,
        "/admin/api-keys",
        json!({"title": "Web shop", "type": "publishable"}),
    )
    .await;
    let id = created["api_key"]["id"].as_str().unwrap().to_string();
    let token = created["api_key"]["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("pk_"), "{created}");
    assert_eq!(created["api_key"]["sales_channels"], json!([]));
    // A publishable key is public: its token reads back.
    let read = get_ok(&app, &format!("/admin/api-keys/{id}")).await;
    assert_eq!(read["api_key"]["token"], token.as_str());

    let a =
        post_ok(&app, "/admin/sales-channels", json!({"name": "A"})).await["sales_channel"]["id"]
            .as_str()
            .unwrap()
            .to_string();
    let b =
        post_ok(&app, "/admin/sales-channels", json!({"name": "B"})).await["sales_channel"]["id"]
            .as_str()
            .unwrap()
            .to_string();
    let linked = post_ok(
        &app,
        &format!("/admin/api-keys/{id}/sales-channels"),
        json!({"add": [a, b]}),
    )
    .await;
    let channels = &linked["api_key"]["sales_channels"];
    assert_eq!(crate::keys(&channels[0]), ["id", "name"]);
    let mut got = ids(channels);
    got.sort();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(got, expected);

    let res = app
        .admin_post(
            &format!("/admin/api-keys/{id}/sales-channels"),
            json!({"remove": [a]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let read = get_ok(
        &app,
        &format!("/admin/api-keys/{id}?fields=id,*sales_channels"),
    )
    .await;
    assert_eq!(ids(&read["api_key"]["sales_channels"]), [b.as_str()]);
    assert_eq!(read["api_key"]["sales_channels"][0]["name"], "B");
    let channel = get_ok(
        &app,
        &format!("/admin/sales-channels/{b}?fields=id,*publishable_api_keys"),
    )
    .await;
    assert_eq!(
        ids(&channel["sales_channel"]["publishable_api_keys"]),
        [id.as_str()]
    );

    // Unknown channels and keys; unreadable bodies.
    let res = app
        .admin_post(
            &format!("/admin/api-keys/{id}/sales-channels"),
            json!({"add": ["sc_missing"]}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Sales channels with IDs sc_missing do not exist",
    );
    assert_not_found(
        &app.admin_post(
            "/admin/api-keys/apk_missing/sales-channels",
            json!({"add": [b]}),
        )
        .await,
    );
    assert_bad_body(
        &app.admin_post(
            &format!("/admin/api-keys/{id}/sales-channels"),
            json!({"add": [1]}),
        )
        .await,
    );
    assert_bad_body(
        &app.admin_post("/admin/api-keys", json!({"title": "x", "type": "other"}))
            .await,
    );
    assert_bad_body(
        &app.admin_post("/admin/api-keys", json!({"type": "secret"}))
            .await,
    );
    assert_bad_body(
        &app.admin_post(
            &format!("/admin/api-keys/{id}/revoke"),
            json!({"revoke_in": "soon"}),
        )
        .await,
    );
    assert_not_found(&app.admin_get("/admin/api-keys/apk_missing").await);
    assert_not_found(
        &app.admin_post("/admin/api-keys/apk_missing", json!({"title": "x"}))
            .await,
    );
    assert_not_found(
        &app.admin_post("/admin/api-keys/apk_missing/revoke", json!({}))
            .await,
    );
    assert_not_found(&app.admin_delete("/admin/api-keys/apk_missing").await);

    // A delayed revoke keeps the key usable until then; a publishable key
    // may be revoked again.
    let later = post_ok(
        &app,
        &format!("/admin/api-keys/{id}/revoke"),
        json!({"revoke_in": 3600}),
    )
    .await;
    assert!(later["api_key"]["revoked_at"].is_string());
    let res = app.admin_delete(&format!("/admin/api-keys/{id}")).await;
    assert_eq!(res.status, 400, "not revoked yet: {}", res.body);
    post_ok(&app, &format!("/admin/api-keys/{id}/revoke"), json!({})).await;
    let res = app.admin_delete(&format!("/admin/api-keys/{id}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    // The key's links went with it.
    let channel = get_ok(
        &app,
        &format!("/admin/sales-channels/{b}?fields=id,*publishable_api_keys"),
    )
    .await;
    assert_eq!(channel["sales_channel"]["publishable_api_keys"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_location_crud_and_sales_channels() {
    let app = TestApp::new().await.unwrap();
    let created = post_ok(
        &app,
        "/admin/stock-locations",
        json!({
            "name": "Warehouse",
            "address": {"address_1": "1 Dock Rd", "country_code": "dk", "city": "Aarhus"},
            "metadata": {"zone": "north"}
        }),
    )
    .await;
    let location = &created["stock_location"];
    let id = location["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("sloc_"), "{location}");
    assert_eq!(location["name"], "Warehouse");
    assert_eq!(location["metadata"], json!({"zone": "north"}));
    assert_eq!(location["address"]["address_1"], "1 Dock Rd");
    assert_eq!(location["address"]["city"], "Aarhus");
    let address_id = location["address"]["id"].as_str().unwrap().to_string();

    // The address changes in place.
    let updated = post_ok(
        &app,
        &format!("/admin/stock-locations/{id}?fields=id,name,address_id,*address"),
        json!({"name": "Main warehouse", "address": {"city": "Odense", "postal_code": "5000"}}),
    )
    .await;
    let location = &updated["stock_location"];
    assert_eq!(location["name"], "Main warehouse");
    assert_eq!(location["address_id"], address_id.as_str());
    assert_eq!(location["address"]["city"], "Odense");
    assert_eq!(location["address"]["address_1"], "1 Dock Rd");
    assert_eq!(location["address"]["postal_code"], "5000");

    // A location without an address gets one on update.
    let bare = post_ok(&app, "/admin/stock-locations", json!({"name": "Shop"})).await;
    let bare_id = bare["stock_location"]["id"].as_str().unwrap().to_string();
    assert_eq!(bare["stock_location"]["address"], Value::Null);
    let addressed = post_ok(
        &app,
        &format!("/admin/stock-locations/{bare_id}"),
        json!({"address": {"address_1": "2 High St", "country_code": "gb"}}),
    )
    .await;
    assert_eq!(addressed["stock_location"]["address"]["country_code"], "gb");

    let list = get_ok(&app, "/admin/stock-locations?q=ware").await;
    assert_eq!(ids(&list["stock_locations"]), [id.as_str()]);
    assert_eq!(get_ok(&app, "/admin/stock-locations").await["count"], 2);

    // Sales channels, seen from both sides.
    let channel = app.sales_channel_id.clone().expect("the default channel");
    let linked = post_ok(
        &app,
        &format!("/admin/stock-locations/{id}/sales-channels?fields=id,*address,*sales_channels"),
        json!({"add": [channel]}),
    )
    .await;
    assert_eq!(
        ids(&linked["stock_location"]["sales_channels"]),
        [channel.as_str()]
    );
    assert_eq!(
        linked["stock_location"]["address"]["id"],
        address_id.as_str()
    );
    let from_channel = get_ok(
        &app,
        &format!("/admin/sales-channels/{channel}?fields=id,*stock_locations"),
    )
    .await;
    assert_eq!(
        ids(&from_channel["sales_channel"]["stock_locations"]),
        [id.as_str()]
    );
    let res = app
        .admin_post(
            &format!("/admin/stock-locations/{id}/sales-channels"),
            json!({"add": ["sc_missing"]}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Sales channels with IDs sc_missing do not exist",
    );
    let unlinked = post_ok(
        &app,
        &format!("/admin/stock-locations/{id}/sales-channels?fields=id,*sales_channels"),
        json!({"remove": [channel]}),
    )
    .await;
    assert_eq!(unlinked["stock_location"]["sales_channels"], json!([]));

    // Delete.
    let res = app
        .admin_delete(&format!("/admin/stock-locations/{id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"id": id, "object": "stock_location", "deleted": true})
    );
    assert_not_found(&app.admin_get(&format!("/admin/stock-locations/{id}")).await);
}

#[tokio::test(flavor = "multi_thread")]
async fn stock_location_errors() {
    let app = TestApp::new().await.unwrap();
    assert_bad_body(&app.admin_post("/admin/stock-locations", json!({})).await);
    assert_bad_body(
        &app.admin_post(
            "/admin/stock-locations",
            json!({"name": "X", "address": {"address_1": "1 Road"}}),
        )
        .await,
    );
    let id = post_ok(&app, "/admin/stock-locations", json!({"name": "X"})).await["stock_location"]
        ["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_bad_body(
        &app.admin_post(&format!("/admin/stock-locations/{id}"), json!({"name": 5}))
            .await,
    );
    assert_bad_body(
        &app.admin_post(
            &format!("/admin/stock-locations/{id}/sales-channels"),
            json!({"other": []}),
        )
        .await,
    );
    assert_not_found(&app.admin_get("/admin/stock-locations/sloc_missing").await);
    assert_not_found(
        &app.admin_post("/admin/stock-locations/sloc_missing", json!({"name": "y"}))
            .await,
    );
    assert_not_found(
        &app.admin_delete("/admin/stock-locations/sloc_missing")
            .await,
    );
    assert_not_found(
        &app.admin_post(
            "/admin/stock-locations/sloc_missing/sales-channels",
            json!({"add": []}),
        )
        .await,
    );
}
