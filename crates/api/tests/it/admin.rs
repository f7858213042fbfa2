use actix_web::http::Method;
use serde_json::json;
use stheno::testing::TestApp;

use crate::{assert_error, create_product, shirt};

/// Every admin route rejects requests without an admin's credential.
#[tokio::test(flavor = "multi_thread")]
async fn admin_routes_require_auth() {
    let app = TestApp::new().await.unwrap();
    let routes = [
        (Method::GET, "/admin/products"),
        (Method::POST, "/admin/products"),
        (Method::POST, "/admin/products/batch"),
        (Method::GET, "/admin/products/prod_1"),
        (Method::POST, "/admin/products/prod_1"),
        (Method::DELETE, "/admin/products/prod_1"),
        (Method::GET, "/admin/products/prod_1/variants"),
        (Method::POST, "/admin/products/prod_1/variants"),
        (Method::POST, "/admin/products/prod_1/variants/batch"),
        (Method::GET, "/admin/products/prod_1/variants/variant_1"),
        (Method::POST, "/admin/products/prod_1/variants/variant_1"),
        (Method::DELETE, "/admin/products/prod_1/variants/variant_1"),
        (Method::GET, "/admin/products/prod_1/options"),
        (Method::POST, "/admin/products/prod_1/options/batch"),
        (Method::GET, "/admin/collections"),
        (Method::POST, "/admin/collections"),
        (Method::GET, "/admin/collections/c"),
        (Method::POST, "/admin/collections/c"),
        (Method::DELETE, "/admin/collections/c"),
        (Method::POST, "/admin/collections/c/products"),
        (Method::GET, "/admin/product-categories"),
        (Method::POST, "/admin/product-categories"),
        (Method::GET, "/admin/product-categories/c"),
        (Method::POST, "/admin/product-categories/c"),
        (Method::DELETE, "/admin/product-categories/c"),
        (Method::POST, "/admin/product-categories/c/products"),
        (Method::GET, "/admin/product-tags"),
        (Method::POST, "/admin/product-tags"),
        (Method::GET, "/admin/product-tags/t"),
        (Method::POST, "/admin/product-tags/t"),
        (Method::DELETE, "/admin/product-tags/t"),
        (Method::GET, "/admin/product-types"),
        (Method::POST, "/admin/product-types"),
        (Method::GET, "/admin/product-types/t"),
        (Method::POST, "/admin/product-types/t"),
        (Method::DELETE, "/admin/product-types/t"),
        (Method::GET, "/admin/product-options"),
        (Method::POST, "/admin/product-options"),
        (Method::GET, "/admin/product-options/o"),
        (Method::POST, "/admin/product-options/o"),
        (Method::DELETE, "/admin/product-options/o"),
        (Method::GET, "/admin/users"),
        (Method::GET, "/admin/users/me"),
        (Method::GET, "/admin/users/u"),
        (Method::POST, "/admin/users/u"),
        (Method::DELETE, "/admin/users/u"),
        (Method::GET, "/admin/invites"),
        (Method::POST, "/admin/invites"),
        (Method::POST, "/admin/invites/accept"),
        (Method::GET, "/admin/invites/i"),
        (Method::DELETE, "/admin/invites/i"),
        (Method::POST, "/admin/invites/i/resend"),
        (Method::GET, "/admin/customers"),
        (Method::POST, "/admin/customers"),
        (Method::GET, "/admin/customers/c"),
        (Method::POST, "/admin/customers/c"),
        (Method::DELETE, "/admin/customers/c"),
        (Method::POST, "/admin/customers/c/customer-groups"),
        (Method::GET, "/admin/customers/c/addresses"),
        (Method::POST, "/admin/customers/c/addresses"),
        (Method::GET, "/admin/customers/c/addresses/a"),
        (Method::POST, "/admin/customers/c/addresses/a"),
        (Method::DELETE, "/admin/customers/c/addresses/a"),
        (Method::GET, "/admin/customer-groups"),
        (Method::POST, "/admin/customer-groups"),
        (Method::GET, "/admin/customer-groups/g"),
        (Method::POST, "/admin/customer-groups/g"),
        (Method::DELETE, "/admin/customer-groups/g"),
        (Method::POST, "/admin/customer-groups/g/customers"),
        (Method::GET, "/admin/workflows-executions"),
        (Method::GET, "/admin/workflows-executions/e"),
        (Method::GET, "/admin/workflows-executions/w/t"),
        (Method::GET, "/admin/workflows-executions/w/subscribe"),
        (Method::GET, "/admin/workflows-executions/w/t/subscribe"),
        (Method::POST, "/admin/workflows-executions/w/run"),
        (Method::POST, "/admin/workflows-executions/w/steps/success"),
        (Method::POST, "/admin/workflows-executions/w/steps/failure"),
        (Method::GET, "/admin/regions"),
        (Method::POST, "/admin/regions"),
        (Method::GET, "/admin/regions/r"),
        (Method::POST, "/admin/regions/r"),
        (Method::DELETE, "/admin/regions/r"),
        (Method::GET, "/admin/currencies"),
        (Method::GET, "/admin/currencies/eur"),
        (Method::GET, "/admin/stores"),
        (Method::GET, "/admin/stores/s"),
        (Method::POST, "/admin/stores/s"),
        // The guard sits on the whole /admin scope: unknown paths too.
        (Method::GET, "/admin/not-a-route"),
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
    // A token signed with another secret is rejected too.
    let res = app
        .request_as(
            Method::GET,
            "/admin/products",
            None,
            Some("eyJhbGciOiJIUzI1NiJ9.eyJhY3Rvcl9pZCI6InVzZXJfMSJ9.c2lnbmF0dXJl"),
        )
        .await;
    assert_eq!(res.status, 401);
}

/// `Authorization: Basic <base64(sk_…:)>`: Medusa's secret API keys.
fn basic(token: &str) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{token}:"))
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn secret_api_keys_authenticate_admin_requests() {
    use actix_web::test::TestRequest;
    let app = TestApp::new().await.unwrap();
    let keys = app
        .container
        .module::<stheno_api_key::ApiKeyModule>()
        .unwrap();
    let secret = keys
        .create_api_key(stheno_api_key::NewApiKey {
            title: "CI".into(),
            r#type: stheno_api_key::ApiKeyType::Secret,
            created_by: "user_test".into(),
        })
        .await
        .unwrap();
    let get = |auth: String| {
        TestRequest::get()
            .uri("/admin/regions")
            .insert_header(("authorization", auth))
    };
    let res = app.send(get(basic(&secret.raw_token))).await;
    assert_eq!(res.status, 200, "{}", res.body);
    // Created through a secret key: the key is the actor.
    let res = app
        .send(
            TestRequest::post()
                .uri("/admin/regions")
                .insert_header(("authorization", basic(&secret.raw_token)))
                .insert_header(("content-type", "application/json"))
                .set_payload(json!({"name": "EU", "currency_code": "eur"}).to_string()),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // Unknown, malformed, publishable: Medusa's bare 401.
    let publishable = app.publishable_key.clone().unwrap();
    for auth in [
        basic("sk_0000"),
        "Basic !!!".to_string(),
        basic(&publishable),
        format!("Bearer {}", secret.raw_token),
    ] {
        let res = app.send(get(auth.clone())).await;
        assert_eq!(res.status, 401, "{auth}");
        assert_eq!(res.body, json!({"message": "Unauthorized"}));
    }
    // A secret key is no customer on the storefront.
    let res = app
        .send(
            TestRequest::get()
                .uri("/store/customers/me")
                .insert_header(("x-publishable-api-key", publishable))
                .insert_header(("authorization", basic(&secret.raw_token))),
        )
        .await;
    assert_eq!(res.status, 401);
    // Revoked: refused.
    keys.revoke(std::slice::from_ref(&secret.api_key.id), "user_test", None)
        .await
        .unwrap();
    assert_eq!(app.send(get(basic(&secret.raw_token))).await.status, 401);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_product_crud() {
    let app = TestApp::new().await.unwrap();
    let product = create_product(&app, shirt("crud")).await;
    let id = product["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("prod_"));
    assert_eq!(product["status"], "published");
    assert_eq!(product["variants"].as_array().unwrap().len(), 4);
    assert!(
        product["variants"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("variant_")
    );
    assert_eq!(
        app.events
            .names()
            .iter()
            .filter(|n| *n == "product.product.created")
            .count(),
        1
    );

    let res = app
        .admin_post(
            &format!("/admin/products/{id}"),
            json!({"title": "Renamed", "status": "draft"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["product"]["title"], "Renamed");
    assert_eq!(res.body["product"]["status"], "draft");

    let res = app.admin_get(&format!("/admin/products/{id}")).await;
    assert_eq!(res.body["product"]["title"], "Renamed");

    let res = app.admin_get("/admin/products?status[]=draft").await;
    assert_eq!(res.body["count"], 1, "{}", res.body);

    let res = app.admin_delete(&format!("/admin/products/{id}")).await;
    assert_eq!(res.status, 200);
    assert_eq!(
        res.body,
        json!({"id": id, "object": "product", "deleted": true})
    );
    assert_eq!(
        app.admin_get(&format!("/admin/products/{id}")).await.status,
        404
    );
    let res = app.admin_get("/admin/products?with_deleted=true").await;
    assert_eq!(res.body["count"], 1, "soft-deleted rows stay: {}", res.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_product_errors() {
    let app = TestApp::new().await.unwrap();
    let res = app.admin_post("/admin/products", json!({})).await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'title' is required",
    );
    let res = app
        .admin_post("/admin/products", json!({"title": "x", "foo": 1}))
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Unrecognized fields: 'foo'",
    );
    let res = app.admin_post("/admin/products", json!({"title": 5})).await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Expected type: 'string' for field 'title', got: '5'",
    );
    let res = app
        .admin_post("/admin/products", json!({"title": "x", "status": "live"}))
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .contains("for field 'status', but got: 'live'"),
        "{}",
        res.body
    );

    let res = app
        .request(Method::POST, "/admin/products", None, true)
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'title' is required",
    );

    // Malformed JSON
    let res = app.admin_post_raw("/admin/products", "{bad json").await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");

    create_product(&app, shirt("dup")).await;
    let res = app.admin_post("/admin/products", shirt("dup")).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.body["type"], "duplicate_error");
    assert!(
        res.body["message"].as_str().unwrap().contains("dup"),
        "{}",
        res.body
    );

    assert_error(
        &app.admin_get("/admin/products/prod_nope").await,
        404,
        "not_found",
        "Product with id: prod_nope was not found",
    );
    assert_eq!(
        app.admin_post("/admin/products/prod_nope", json!({"title": "x"}))
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin_delete("/admin/products/prod_nope").await.status,
        404
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_variant_routes() {
    let app = TestApp::new().await.unwrap();
    let product = create_product(&app, shirt("var")).await;
    let id = product["id"].as_str().unwrap();

    let res = app
        .admin_get(&format!("/admin/products/{id}/variants"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 4);

    let res = app
        .admin_post(
            &format!("/admin/products/{id}/variants"),
            json!({"title": "L / Black", "sku": "var-l-b"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["product"]["variants"].as_array().unwrap().len(), 5);
    let variant_id = res.body["product"]["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["sku"] == "var-l-b")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();

    let res = app
        .admin_get(&format!("/admin/products/{id}/variants/{variant_id}"))
        .await;
    assert_eq!(res.body["variant"]["sku"], "var-l-b");

    let res = app
        .admin_post(
            &format!("/admin/products/{id}/variants/{variant_id}"),
            json!({"title": "Large"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);

    let res = app
        .admin_delete(&format!("/admin/products/{id}/variants/{variant_id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["object"], "variant");
    assert_eq!(res.body["parent"]["variants"].as_array().unwrap().len(), 4);

    // Duplicate SKU, unknown variant, variant of another product.
    let res = app
        .admin_post(
            &format!("/admin/products/{id}/variants"),
            json!({"title": "Dup", "sku": "var-s-b"}),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(
        app.admin_get(&format!("/admin/products/{id}/variants/variant_nope"))
            .await
            .status,
        404
    );
    let other = create_product(&app, shirt("other")).await;
    let other_variant = other["variants"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.admin_get(&format!("/admin/products/{id}/variants/{other_variant}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin_get("/admin/products/prod_nope/variants")
            .await
            .status,
        404
    );

    // Batch
    let res = app
        .admin_post(
            &format!("/admin/products/{id}/variants/batch"),
            json!({"create": [{"title": "XL", "sku": "var-xl"}], "delete": [product["variants"][0]["id"]]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["created"][0]["sku"], "var-xl");
    assert_eq!(res.body["deleted"]["ids"][0], product["variants"][0]["id"]);
    let res = app
        .admin_post(
            &format!("/admin/products/{id}/variants/batch"),
            json!({"create": [{"sku": "no-title"}]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: create, 0: Field 'title' is required",
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_product_batch() {
    let app = TestApp::new().await.unwrap();
    let existing = create_product(&app, shirt("b1")).await;
    let gone = create_product(&app, shirt("b2")).await;
    let res = app
        .admin_post(
            "/admin/products/batch",
            json!({
                "create": [{"title": "New one"}],
                "update": [{"id": existing["id"], "title": "Updated"}],
                "delete": [gone["id"]]
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["created"][0]["title"], "New one");
    assert_eq!(res.body["created"][0]["handle"], "new-one");
    assert_eq!(res.body["updated"][0]["title"], "Updated");
    assert_eq!(
        res.body["deleted"],
        json!({"ids": [gone["id"]], "object": "product", "deleted": true})
    );

    let res = app
        .admin_post(
            "/admin/products/batch",
            json!({"update": [{"title": "no id"}]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Field 'update, 0, id' is required",
    );
}

/// Mutations run as workflows: a batch failing part-way is compensated, so
/// nothing it did stays, and none of its events (workflow or module) is
/// released.
#[tokio::test(flavor = "multi_thread")]
async fn admin_failing_batch_leaves_nothing_behind() {
    let app = TestApp::new().await.unwrap();
    let existing = create_product(&app, shirt("f1")).await;
    let gone = create_product(&app, shirt("f2")).await;
    let before = app
        .admin_get("/admin/products?with_deleted=true&fields=*variants")
        .await
        .body;
    app.events.take();

    // Create, update, delete, then an update of an unknown product fails.
    let res = app
        .admin_post(
            "/admin/products/batch",
            json!({
                "create": [{"title": "New one"}],
                "update": [
                    {"id": existing["id"], "title": "Updated"},
                    {"id": "prod_missing", "title": "Nope"}
                ],
                "delete": [gone["id"]]
            }),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Product with id: prod_missing was not found",
    );
    let after = app
        .admin_get("/admin/products?with_deleted=true&fields=*variants")
        .await
        .body;
    assert_eq!(before["count"], after["count"], "{after}");
    let titles = |v: &serde_json::Value| -> Vec<String> {
        v["products"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{} {}", p["title"], p["deleted_at"]))
            .collect()
    };
    assert_eq!(titles(&before), titles(&after));
    // Nothing the reverted run raised is delivered: neither the workflow's
    // events nor the module's (held the same way), nor the ones its
    // compensation raised.
    let names = app.events.names();
    assert!(names.is_empty(), "{names:?}");

    // The same batch without the bad entry succeeds and releases the
    // workflow events and the module's.
    app.events.take();
    let res = app
        .admin_post(
            "/admin/products/batch",
            json!({
                "create": [{"title": "New one"}],
                "update": [{"id": existing["id"], "title": "Updated"}],
                "delete": [gone["id"]]
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let names = app.events.names();
    for name in [
        "product.created",
        "product.updated",
        "product.deleted",
        "product.product.created",
        "product.product.updated",
        "product.product.deleted",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
}

/// A variant batch whose update collides with another variant's SKU undoes
/// the variant it created.
#[tokio::test(flavor = "multi_thread")]
async fn admin_failing_variant_batch_leaves_nothing_behind() {
    let app = TestApp::new().await.unwrap();
    let product = create_product(&app, shirt("fv")).await;
    let pid = product["id"].as_str().unwrap();
    let variants = product["variants"].as_array().unwrap();
    let res = app
        .admin_post(
            &format!("/admin/products/{pid}/variants/batch"),
            json!({
                "create": [{"title": "Extra", "sku": "fv-extra"}],
                "update": [{"id": variants[0]["id"], "sku": variants[1]["sku"]}]
            }),
        )
        .await;
    assert_ne!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["type"], "duplicate_error", "{}", res.body);
    let res = app
        .admin_get(&format!("/admin/products/{pid}/variants?fields=sku"))
        .await;
    assert_eq!(res.body["count"], 4, "{}", res.body);
    let res = app
        .admin_get("/admin/products?q=fv-extra&with_deleted=true")
        .await;
    assert_eq!(res.body["count"], 0, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_collections_categories_tags_types() {
    let app = TestApp::new().await.unwrap();
    let p = create_product(&app, shirt("c1")).await;
    let pid = p["id"].as_str().unwrap();

    // Collections
    let col = app
        .admin_post("/admin/collections", json!({"title": "Winter"}))
        .await;
    let cid = col.body["collection"]["id"].as_str().unwrap().to_string();
    let res = app
        .admin_post(
            &format!("/admin/collections/{cid}/products"),
            json!({"add": [pid]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["collection"]["products"][0]["id"], pid);
    let res = app
        .admin_post(
            &format!("/admin/collections/{cid}"),
            json!({"title": "Winter Sale"}),
        )
        .await;
    assert_eq!(res.body["collection"]["title"], "Winter Sale");
    assert_eq!(app.admin_get("/admin/collections").await.body["count"], 1);
    let res = app
        .admin_post(
            "/admin/collections",
            json!({"title": "Winter", "handle": "winter"}),
        )
        .await;
    assert_eq!(res.status, 422, "duplicate handle: {}", res.body);
    assert_eq!(
        app.admin_delete(&format!("/admin/collections/{cid}"))
            .await
            .body["deleted"],
        true
    );
    assert_eq!(
        app.admin_get(&format!("/admin/collections/{cid}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin_post("/admin/collections/pcol_nope/products", json!({"add": []}))
            .await
            .status,
        404
    );
    assert_error(
        &app.admin_post("/admin/collections", json!({"handle": "x"}))
            .await,
        400,
        "invalid_data",
        "Invalid request: Field 'title' is required",
    );

    // Categories
    let cat = app
        .admin_post("/admin/product-categories", json!({"name": "Shoes"}))
        .await;
    assert_eq!(cat.status, 200, "{}", cat.body);
    let cat_id = cat.body["product_category"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(cat.body["product_category"]["handle"], "shoes");
    let res = app
        .admin_post(
            &format!("/admin/product-categories/{cat_id}/products"),
            json!({"add": [pid]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .admin_get(&format!("/admin/products/{pid}?fields=categories.id"))
        .await;
    assert_eq!(res.body["product"]["categories"][0]["id"], cat_id.as_str());
    let res = app
        .admin_post(
            &format!("/admin/product-categories/{cat_id}"),
            json!({"is_active": true}),
        )
        .await;
    assert_eq!(res.body["product_category"]["is_active"], true);
    assert_eq!(
        app.admin_delete(&format!("/admin/product-categories/{cat_id}"))
            .await
            .status,
        200
    );
    assert_eq!(
        app.admin_get(&format!("/admin/product-categories/{cat_id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin_post("/admin/product-categories", json!({"name": 1}))
            .await
            .status,
        400
    );

    // Tags and types
    for (path, key) in [
        ("/admin/product-tags", "product_tag"),
        ("/admin/product-types", "product_type"),
    ] {
        let res = app.admin_post(path, json!({"value": "v1"})).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let id = res.body[key]["id"].as_str().unwrap().to_string();
        let res = app
            .admin_post(&format!("{path}/{id}"), json!({"value": "v2"}))
            .await;
        assert_eq!(res.body[key]["value"], "v2");
        assert_eq!(
            app.admin_post(path, json!({"value": "v2"})).await.status,
            422
        );
        assert_eq!(app.admin_get(path).await.body["count"], 1);
        assert_eq!(app.admin_delete(&format!("{path}/{id}")).await.status, 200);
        assert_eq!(app.admin_get(&format!("{path}/{id}")).await.status, 404);
        assert_eq!(app.admin_post(path, json!({})).await.status, 400);
    }

    // Global options
    let res = app
        .admin_post(
            "/admin/product-options",
            json!({"title": "Material", "values": ["Wool", "Cotton"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let oid = res.body["product_option"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        res.body["product_option"]["values"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let res = app
        .admin_post(
            &format!("/admin/products/{pid}/options/batch"),
            json!({"add": [oid]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = app
        .admin_get(&format!("/admin/products/{pid}/options"))
        .await;
    assert_eq!(res.body["count"], 3, "{}", res.body);
    assert_eq!(
        app.admin_get("/admin/product-options/opt_nope")
            .await
            .status,
        404
    );
}

/// Every admin route with an id answers 404 `not_found` for an unknown id,
/// and every admin route with a body answers 400 `invalid_data` for a bad one.
#[tokio::test(flavor = "multi_thread")]
async fn admin_unknown_ids_and_bad_bodies() {
    let app = TestApp::new().await.unwrap();
    let product = create_product(&app, shirt("known")).await;
    let pid = product["id"].as_str().unwrap().to_string();
    let unknown: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, "/admin/products/prod_nope".into(), None),
        (
            Method::POST,
            "/admin/products/prod_nope".into(),
            Some(json!({"title": "x"})),
        ),
        (Method::DELETE, "/admin/products/prod_nope".into(), None),
        (
            Method::GET,
            "/admin/products/prod_nope/variants".into(),
            None,
        ),
        (
            Method::POST,
            "/admin/products/prod_nope/variants".into(),
            Some(json!({"title": "x"})),
        ),
        (
            Method::POST,
            "/admin/products/prod_nope/variants/batch".into(),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/admin/products/{pid}/variants/variant_nope"),
            None,
        ),
        (
            Method::POST,
            format!("/admin/products/{pid}/variants/variant_nope"),
            Some(json!({"title": "x"})),
        ),
        (
            Method::DELETE,
            format!("/admin/products/{pid}/variants/variant_nope"),
            None,
        ),
        (
            Method::GET,
            "/admin/products/prod_nope/options".into(),
            None,
        ),
        (
            Method::POST,
            "/admin/products/prod_nope/options/batch".into(),
            Some(json!({})),
        ),
        (Method::GET, "/admin/collections/pcol_nope".into(), None),
        (
            Method::POST,
            "/admin/collections/pcol_nope".into(),
            Some(json!({"title": "x"})),
        ),
        (Method::DELETE, "/admin/collections/pcol_nope".into(), None),
        (
            Method::POST,
            "/admin/collections/pcol_nope/products".into(),
            Some(json!({})),
        ),
        (
            Method::GET,
            "/admin/product-categories/pcat_nope".into(),
            None,
        ),
        (
            Method::POST,
            "/admin/product-categories/pcat_nope".into(),
            Some(json!({"name": "x"})),
        ),
        (
            Method::DELETE,
            "/admin/product-categories/pcat_nope".into(),
            None,
        ),
        (
            Method::POST,
            "/admin/product-categories/pcat_nope/products".into(),
            Some(json!({})),
        ),
        (Method::GET, "/admin/product-tags/ptag_nope".into(), None),
        (
            Method::POST,
            "/admin/product-tags/ptag_nope".into(),
            Some(json!({"value": "x"})),
        ),
        (Method::DELETE, "/admin/product-tags/ptag_nope".into(), None),
        (Method::GET, "/admin/product-types/ptyp_nope".into(), None),
        (
            Method::POST,
            "/admin/product-types/ptyp_nope".into(),
            Some(json!({"value": "x"})),
        ),
        (
            Method::DELETE,
            "/admin/product-types/ptyp_nope".into(),
            None,
        ),
        (Method::GET, "/admin/product-options/opt_nope".into(), None),
        (
            Method::POST,
            "/admin/product-options/opt_nope".into(),
            Some(json!({"title": "x"})),
        ),
        (
            Method::DELETE,
            "/admin/product-options/opt_nope".into(),
            None,
        ),
    ];
    for (method, path, body) in unknown {
        let res = app.request(method.clone(), &path, body, true).await;
        assert_eq!(res.status, 404, "{method} {path}: {}", res.body);
        assert_eq!(res.body["type"], "not_found", "{method} {path}");
        assert!(
            res.body["message"].as_str().unwrap().contains("_nope"),
            "{method} {path}: {}",
            res.body
        );
    }

    let bad: Vec<(String, serde_json::Value)> = vec![
        ("/admin/products".into(), json!({"title": ["x"]})),
        (format!("/admin/products/{pid}"), json!({"status": "gone"})),
        ("/admin/products/batch".into(), json!({"create": "x"})),
        (
            format!("/admin/products/{pid}/variants"),
            json!({"title": "x", "allow_backorder": "yes"}),
        ),
        (
            format!("/admin/products/{pid}/variants/batch"),
            json!({"update": [{"id": 1}]}),
        ),
        (
            format!("/admin/products/{pid}/options/batch"),
            json!({"add": "opt_x"}),
        ),
        (
            "/admin/collections".into(),
            json!({"title": "x", "nope": true}),
        ),
        (
            "/admin/product-categories".into(),
            json!({"name": "x", "rank": "first"}),
        ),
        ("/admin/product-tags".into(), json!({"value": null})),
        ("/admin/product-types".into(), json!({"value": 3})),
        (
            "/admin/product-options".into(),
            json!({"title": "x", "values": "S"}),
        ),
    ];
    for (path, body) in bad {
        let res = app.admin_post(&path, body.clone()).await;
        assert_eq!(res.status, 400, "POST {path} {body}: {}", res.body);
        assert_eq!(res.body["type"], "invalid_data", "POST {path}");
        assert!(
            res.body["message"]
                .as_str()
                .unwrap()
                .starts_with("Invalid request: "),
            "POST {path}: {}",
            res.body
        );
    }
}

/// `metadata` is a record wherever it appears in a body (found by the
/// fuzzer: `metadata: [null, null]` was stored and answered back).
#[actix_web::test]
async fn metadata_that_is_not_an_object_is_refused_and_nothing_is_written() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post(
            "/admin/product-tags",
            json!({"value": "t", "metadata": [null, null]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Expected type: 'object' for field 'metadata', got: '[null,null]'",
    );
    let mut shirt = shirt("meta");
    shirt["variants"][1]["metadata"] = json!("text");
    let res = app.admin_post("/admin/products", shirt).await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Expected type: 'object' for field 'variants, 1, metadata', got: 'text'",
    );
    let tags = app.admin_get("/admin/product-tags").await;
    assert_eq!(tags.body["count"], 0, "{}", tags.body);
    let products = app.admin_get("/admin/products").await;
    assert_eq!(products.body["count"], 0, "{}", products.body);

    // Objects, nested ones and `null` are fine; what is inside is the caller's.
    let res = app
        .admin_post(
            "/admin/product-tags",
            json!({"value": "t", "metadata": {"metadata": [1], "a": {"b": null}}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let id = res.body["product_tag"]["id"].as_str().unwrap().to_string();
    let res = app
        .admin_post(
            &format!("/admin/product-tags/{id}"),
            json!({"metadata": null}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);

    // PostgreSQL answers this number as its 309 digits; it must read back
    // (found by the fuzzer: a 500 `database_error`).
    let res = app
        .admin_post_raw(
            &format!("/admin/product-tags/{id}"),
            r#"{"metadata": {"max": 1.7976931348623155e308, "big": 123456789012345678901234567890}}"#,
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body["product_tag"]["metadata"]["max"],
        json!(1.7976931348623155e308)
    );
}
