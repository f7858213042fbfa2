//! The custom module through the real HTTP API, next to the default modules.

use custom_module::BrandModule;
use serde_json::json;
use stheno::App;
use stheno::testing::TestApp;

async fn app() -> TestApp {
    TestApp::from_app(|config| {
        App::new(config)
            .with_default_modules()
            .module::<BrandModule>()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn brands_are_created_listed_and_read() {
    let app = app().await;
    let res = app
        .admin_post("/admin/brands", json!({"name": "Acme"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let id = res.body["brand"]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("brand_"));
    // The module's entity event (as Medusa 2.21.2 emits it) and the
    // workflow's, both released when the run succeeded.
    assert_eq!(app.events.names(), ["brand.brand.created", "brand.created"]);

    let res = app.admin_get("/admin/brands?fields=name").await;
    assert_eq!(
        res.body,
        json!({"brands": [{"id": id, "name": "Acme"}], "count": 1, "offset": 0, "limit": 20})
    );

    let res = app.get(&format!("/store/brands/{id}")).await;
    assert_eq!(res.body["brand"]["name"], "Acme");

    // The default modules are still there.
    assert_eq!(app.get("/store/products").await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn brand_errors() {
    let app = app().await;
    assert_eq!(
        app.admin_post("/admin/brands", json!({"name": "Acme"}))
            .await
            .status,
        200
    );
    let res = app
        .admin_post("/admin/brands", json!({"name": "Acme"}))
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert_eq!(res.body["type"], "duplicate_error");
    let res = app.admin_post("/admin/brands", json!({})).await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.body["message"],
        "Invalid request: Field 'name' is required"
    );
    let res = app.get("/store/brands/brand_nope").await;
    assert_eq!(res.status, 404);
    assert_eq!(
        res.body["message"],
        "Brand with id: brand_nope was not found"
    );
    let res = app
        .request(actix_web::http::Method::GET, "/admin/brands", None, false)
        .await;
    assert_eq!(res.status, 401);
}

/// An application's handler on the brand workflow's hook: refuses one name.
struct RefuseReserved;

#[stheno::workflows::async_trait]
impl stheno::prelude::Step for RefuseReserved {
    type Input = custom_module::Brand;
    type Output = ();
    type CompensateInput = ();
    fn name(&self) -> &str {
        "refuse-reserved"
    }
    async fn invoke(
        &self,
        brand: custom_module::Brand,
        _: &stheno::prelude::StepContext,
    ) -> Result<stheno::prelude::StepResponse<()>, stheno::prelude::StepError> {
        if brand.name == "Reserved" {
            return Err(stheno::prelude::StepError::permanent(
                stheno::prelude::Error::not_allowed("The name Reserved is reserved"),
            ));
        }
        Ok(stheno::prelude::StepResponse::new(()))
    }
}
stheno::register_hook!(custom_module::workflows::BRAND_CREATED, RefuseReserved);

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_hook_handler_undoes_the_brand() {
    let app = app().await;
    let res = app
        .admin_post("/admin/brands", json!({"name": "Reserved"}))
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"type": "not_allowed", "message": "The name Reserved is reserved"})
    );
    // The brand was created, then deleted by the workflow's compensation;
    // its event was never emitted.
    let res = app.admin_get("/admin/brands").await;
    assert_eq!(res.body["count"], 0);
    assert!(app.events.names().is_empty());
    let res = app
        .admin_get("/admin/workflows-executions?workflow_id=create-brand")
        .await;
    let execution = &res.body["workflow_executions"][0];
    assert_eq!(execution["state"], "reverted");
    assert_eq!(
        execution["execution"]["steps"]["_root.brandCreated"]["invoke"]["state"],
        "failed"
    );

    // Other names pass the handler.
    let res = app
        .admin_post("/admin/brands", json!({"name": "Fine"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(app.events.names(), ["brand.brand.created", "brand.created"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_products_created_hook_gives_new_products_a_brand() {
    let app = app().await;
    let brand = app
        .admin_post("/admin/brands", json!({"name": "Acme"}))
        .await;
    let brand_id = brand.body["brand"]["id"].as_str().unwrap().to_string();

    let res = app
        .admin_post(
            "/admin/products",
            json!({"title": "Anvil", "additional_data": {"brand_id": brand_id}}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let product_id = res.body["product"]["id"].as_str().unwrap().to_string();
    let links = app.container.links();
    let product_ids = async || -> Vec<String> {
        let pairs = links
            .list("brand", std::slice::from_ref(&brand_id), "product")
            .await;
        pairs
            .unwrap()
            .into_iter()
            .map(|(_, product)| product)
            .collect()
    };
    assert_eq!(product_ids().await, [product_id]);

    // Without additional_data the hook does nothing.
    let res = app
        .admin_post("/admin/products", json!({"title": "Hammer"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(product_ids().await.len(), 1);

    // An unknown brand fails the hook: the product is not created.
    let res = app
        .admin_post(
            "/admin/products",
            json!({"title": "Rocket", "additional_data": {"brand_id": "brand_nope"}}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(
        res.body["message"],
        "Brand with id: brand_nope was not found"
    );
    let res = app.admin_get("/admin/products?q=Rocket").await;
    assert_eq!(res.body["count"], 0);
}

/// Create `n` products through the API, all of them branded `brand_id`.
async fn branded_products(app: &TestApp, brand_id: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..n {
        let res = app
            .admin_post(
                "/admin/products",
                json!({"title": format!("P{i}"), "additional_data": {"brand_id": brand_id}}),
            )
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        ids.push(res.body["product"]["id"].as_str().unwrap().to_string());
    }
    ids
}

#[tokio::test(flavor = "multi_thread")]
async fn products_show_their_brand_through_the_link_in_bounded_statements() {
    let app = app().await;
    let res = app
        .admin_post("/admin/brands", json!({"name": "Acme"}))
        .await;
    let brand_id = res.body["brand"]["id"].as_str().unwrap().to_string();
    branded_products(&app, &brand_id, 50).await;
    let unbranded = app
        .admin_post("/admin/products", json!({"title": "Plain"}))
        .await;
    let unbranded = unbranded.body["product"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let one = app
        .admin_get("/admin/products?fields=id,*brand&limit=1&order=created_at")
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["products"][0]["brand"]["name"], "Acme");
    assert_eq!(one.body["products"][0]["brand"]["id"], brand_id);
    let fifty = app
        .admin_get("/admin/products?fields=id,*brand&limit=50&order=created_at")
        .await;
    let products = fifty.body["products"].as_array().unwrap();
    assert_eq!(products.len(), 50);
    assert!(products.iter().all(|p| p["brand"]["name"] == "Acme"));
    assert_eq!(
        one.queries, fifty.queries,
        "the brand link costs the same statements for 1 and 50 products"
    );
    let plain = app
        .admin_get(&format!("/admin/products/{unbranded}?fields=id,*brand"))
        .await;
    assert_eq!(plain.body["product"]["brand"], serde_json::Value::Null);

    // And the other way round: the brand's products through the link.
    let brand = app
        .admin_get(&format!(
            "/admin/brands/{brand_id}?fields=id,products.title"
        ))
        .await;
    assert_eq!(brand.status, 200, "{}", brand.body);
    assert_eq!(
        brand.body["brand"]["products"].as_array().unwrap().len(),
        50
    );
    // The storefront sees published products only (these are drafts).
    let store = app
        .get(&format!("/store/brands/{brand_id}?fields=id,*products"))
        .await;
    assert_eq!(store.body["brand"]["products"], json!([]), "{}", store.body);

    // Deleting the brand dismisses its links.
    let res = app.admin_delete(&format!("/admin/brands/{brand_id}")).await;
    assert_eq!(
        res.body,
        json!({"id": brand_id, "object": "brand", "deleted": true})
    );
    let after = app
        .admin_get("/admin/products?fields=id,*brand&limit=1&order=created_at")
        .await;
    assert_eq!(after.body["products"][0]["brand"], serde_json::Value::Null);
    let links = app.container.links();
    assert!(
        links
            .list("brand", std::slice::from_ref(&brand_id), "product")
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_route_kit_serves_every_brand_route() {
    let app = app().await;
    let acme = app
        .admin_post(
            "/admin/brands",
            json!({"name": "Acme", "metadata": {"tier": 1}}),
        )
        .await;
    let id = acme.body["brand"]["id"].as_str().unwrap().to_string();
    app.admin_post("/admin/brands", json!({"name": "Zenith"}))
        .await;

    // Filters with Medusa's operators, q, order, paging.
    let res = app.admin_get("/admin/brands?q=CM&fields=name").await;
    assert_eq!(res.body["brands"], json!([{"id": id, "name": "Acme"}]));
    let res = app
        .admin_get("/admin/brands?name[$ne]=Acme&fields=name")
        .await;
    assert_eq!(res.body["brands"][0]["name"], "Zenith");
    let res = app
        .admin_get("/admin/brands?order=-name&limit=1&offset=0&fields=name")
        .await;
    assert_eq!(
        (
            res.body["brands"][0]["name"].clone(),
            res.body["count"].clone()
        ),
        (json!("Zenith"), json!(2))
    );

    // Update: absent fields stay, null clears.
    let res = app
        .admin_post(&format!("/admin/brands/{id}"), json!({"name": "Acme Co"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["brand"]["metadata"], json!({"tier": 1}));
    let res = app
        .admin_post(&format!("/admin/brands/{id}"), json!({"metadata": null}))
        .await;
    assert_eq!(res.body["brand"]["metadata"], serde_json::Value::Null);
    assert_eq!(res.body["brand"]["name"], "Acme Co");

    // Store reads see live brands only.
    let res = app.get("/store/brands?fields=name&order=name").await;
    assert_eq!(res.body["count"], 2, "{}", res.body);
    app.admin_delete(&format!("/admin/brands/{id}")).await;
    let res = app.get("/store/brands").await;
    assert_eq!(res.body["count"], 1);
    let res = app.get("/store/brands?deleted_at[$ne]=null").await;
    assert_eq!(res.body["count"], 0, "deleted rows never reach the store");
    let res = app.admin_get("/admin/brands?with_deleted=true").await;
    assert_eq!(res.body["count"], 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn route_kit_errors() {
    let app = app().await;
    for (method, path, body) in [
        (
            actix_web::http::Method::GET,
            "/admin/brands/brand_nope",
            None,
        ),
        (
            actix_web::http::Method::POST,
            "/admin/brands/brand_nope",
            Some(json!({"name": "X"})),
        ),
        (
            actix_web::http::Method::DELETE,
            "/admin/brands/brand_nope",
            None,
        ),
    ] {
        let res = app.request(method.clone(), path, body.clone(), true).await;
        assert_eq!(res.status, 404, "{method} {path}: {}", res.body);
        assert_eq!(
            res.body,
            json!({"type": "not_found", "message": "Brand with id: brand_nope was not found"})
        );
        let res = app.request(method.clone(), path, body, false).await;
        assert_eq!(res.status, 401, "{method} {path} without auth");
    }
    let res = app
        .admin_post("/admin/brands", json!({"name": "Acme", "foo": 1}))
        .await;
    assert_eq!(res.status, 400);
    assert_eq!(
        res.body["message"],
        "Invalid request: Unrecognized fields: 'foo'"
    );
    let res = app.admin_post("/admin/brands", json!({"name": 5})).await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app.admin_get("/admin/brands?nope=1").await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app.admin_get("/admin/brands?created_at[$gt]=soon").await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app.admin_get("/admin/brands?order=nope").await;
    assert_eq!(
        res.body,
        json!({"type": "invalid_data", "message": "Order field nope is not valid"})
    );
}

/// A custom module's routes are in the OpenAPI document like the built-in
/// ones, described from the `Brand` entity.
#[tokio::test(flavor = "multi_thread")]
async fn the_brand_routes_are_in_the_openapi_document() {
    let app = app().await;
    let doc = app.get("/openapi.json").await.body;
    for (path, method) in [
        ("/admin/brands", "get"),
        ("/admin/brands", "post"),
        ("/admin/brands/{id}", "delete"),
        ("/store/brands/{id}", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is missing"
        );
    }
    let brand = &doc["components"]["schemas"]["brand"]["properties"];
    assert_eq!(brand["name"]["type"], "string");
    let create = &doc["paths"]["/admin/brands"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert_eq!(create["required"], json!(["name"]));
    let store = app.get("/openapi/store.json").await.body;
    assert!(store["paths"]["/store/brands"]["get"].is_object());
    assert!(store["paths"]["/admin/brands"].is_null());
}
