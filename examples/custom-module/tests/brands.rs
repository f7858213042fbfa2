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
    assert_eq!(app.events.names(), ["brand.created"]);

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
    assert_eq!(app.events.names(), ["brand.created"]);
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
    let brands = app.container.module::<BrandModule>().unwrap();
    assert_eq!(brands.product_ids(&brand_id).await.unwrap(), [product_id]);

    // Without additional_data the hook does nothing.
    let res = app
        .admin_post("/admin/products", json!({"title": "Hammer"}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(brands.product_ids(&brand_id).await.unwrap().len(), 1);

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
