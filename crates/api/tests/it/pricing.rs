//! `/admin/price-lists*` and `/admin/price-preferences*`: price lists in
//! Medusa's shape (prices by variant, rules as objects), price batches,
//! removing products' prices, how lists change the storefront's calculated
//! price, and price preferences through the route kit.

use actix_web::http::Method;
use serde_json::{Value, json};
use stheno::testing::TestApp;

use crate::{assert_error, create_product, keys};

/// A published product with one variant priced at `eur` euros, and the
/// variant's id.
async fn priced_product(app: &TestApp, handle: &str, eur: f64) -> (String, String) {
    let product = create_product(
        app,
        json!({
            "title": format!("Mug {handle}"),
            "handle": handle,
            "status": "published",
            "options": [{"title": "Size", "values": ["One"]}],
            "variants": [{
                "title": "One", "sku": handle, "options": {"Size": "One"},
                "prices": [{"amount": eur, "currency_code": "eur"}]
            }]
        }),
    )
    .await;
    let variant = product["variants"][0]["id"].as_str().unwrap().to_string();
    (product["id"].as_str().unwrap().to_string(), variant)
}

async fn create_list(app: &TestApp, body: Value) -> Value {
    let res = app.admin_post("/admin/price-lists", body).await;
    assert_eq!(res.status, 200, "create price list: {}", res.body);
    res.body["price_list"].clone()
}

async fn region(app: &TestApp) -> String {
    let res = app
        .admin_post(
            "/admin/regions",
            json!({"name": "Europe", "currency_code": "eur", "countries": ["dk"]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["region"]["id"].as_str().unwrap().to_string()
}

/// The storefront's calculated price of the first variant of `handle`.
async fn store_price(app: &TestApp, region: &str, handle: &str) -> Value {
    let res = app
        .get(&format!(
            "/store/products?region_id={region}&handle={handle}"
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 1, "{}", res.body);
    res.body["products"][0]["variants"][0]["calculated_price"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn price_lists_are_created_read_updated_and_deleted_in_medusa_shape() {
    let app = TestApp::new().await.unwrap();
    let (_, variant) = priced_product(&app, "mug", 20.0).await;
    let list = create_list(
        &app,
        json!({
            "title": "Summer sale",
            "description": "Cheaper mugs",
            "starts_at": "2026-06-01T00:00:00Z",
            "rules": {"customer.groups.id": ["cusgroup_vip"]},
            "prices": [{
                "amount": 12.5, "currency_code": "eur", "variant_id": variant,
                "min_quantity": 2, "rules": {"region_id": "reg_eu"}
            }]
        }),
    )
    .await;
    let id = list["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("plist_"), "{list}");
    assert_eq!(
        keys(&list),
        [
            "created_at",
            "deleted_at",
            "description",
            "ends_at",
            "id",
            "prices",
            "rules",
            "starts_at",
            "status",
            "title",
            "type",
            "updated_at"
        ]
    );
    assert_eq!(list["status"], "draft");
    assert_eq!(list["type"], "sale");
    assert_eq!(list["starts_at"], "2026-06-01T00:00:00Z");
    assert_eq!(
        list["rules"],
        json!({"customer.groups.id": ["cusgroup_vip"]})
    );
    let price = &list["prices"][0];
    assert_eq!(
        keys(price),
        [
            "amount",
            "created_at",
            "currency_code",
            "deleted_at",
            "id",
            "max_quantity",
            "min_quantity",
            "rules",
            "updated_at",
            "variant_id"
        ]
    );
    assert_eq!(price["variant_id"], variant.as_str());
    assert_eq!(price["amount"], 12.5);
    assert_eq!(price["min_quantity"], 2);
    assert_eq!(price["max_quantity"], Value::Null);
    assert_eq!(price["rules"], json!({"region_id": "reg_eu"}));

    let res = app.admin_get(&format!("/admin/price-lists/{id}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["price_list"], list);

    let res = app.admin_get("/admin/price-lists?q=summer").await;
    assert_eq!(res.body["count"], 1, "{}", res.body);
    assert_eq!(res.body["price_lists"][0]["rules"], list["rules"]);
    assert_eq!(
        res.body["price_lists"][0]["prices"][0]["variant_id"],
        variant.as_str()
    );
    assert_eq!(
        app.admin_get("/admin/price-lists?q=winter").await.body["count"],
        0
    );
    assert_eq!(
        app.admin_get("/admin/price-lists?status=active").await.body["count"],
        0
    );

    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}"),
            json!({
                "title": "Autumn sale", "status": "active", "type": "override",
                "starts_at": null, "rules": {"customer.groups.id": ["cusgroup_a", "cusgroup_b"]}
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let updated = &res.body["price_list"];
    assert_eq!(updated["title"], "Autumn sale");
    assert_eq!(updated["description"], "Cheaper mugs");
    assert_eq!(updated["status"], "active");
    assert_eq!(updated["type"], "override");
    assert_eq!(updated["starts_at"], Value::Null);
    assert_eq!(
        updated["rules"],
        json!({"customer.groups.id": ["cusgroup_a", "cusgroup_b"]})
    );
    assert_eq!(updated["prices"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.admin_get("/admin/price-lists?status=active").await.body["count"],
        1
    );

    let res = app.admin_delete(&format!("/admin/price-lists/{id}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"id": id, "object": "price_list", "deleted": true})
    );
    assert_error(
        &app.admin_get(&format!("/admin/price-lists/{id}")).await,
        404,
        "not_found",
        &format!("Price list with id: {id} was not found"),
    );
    assert_eq!(app.admin_get("/admin/price-lists").await.body["count"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn price_list_routes_refuse_missing_auth_bad_bodies_and_unknown_ids() {
    let app = TestApp::new().await.unwrap();
    for (method, path) in [
        (Method::GET, "/admin/price-lists"),
        (Method::GET, "/admin/price-lists/plist_x"),
        (Method::GET, "/admin/price-preferences"),
    ] {
        let res = app.request(method, path, None, false).await;
        assert_eq!(res.status, 401, "{path}: {}", res.body);
    }

    let res = app
        .admin_post("/admin/price-lists", json!({"description": "no title"}))
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
    let res = app
        .admin_post(
            "/admin/price-lists",
            json!({"title": "T", "description": "D", "status": "paused"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app
        .admin_post(
            "/admin/price-lists",
            json!({"title": "T", "description": "D", "colour": "red"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);

    // A variant without prices has no price set: nothing is created.
    let product = create_product(&app, crate::shirt("tee")).await;
    let bare = product["variants"][0]["id"].as_str().unwrap();
    let res = app
        .admin_post(
            "/admin/price-lists",
            json!({"title": "T", "description": "D",
                   "prices": [{"amount": 5, "currency_code": "eur", "variant_id": bare}]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        &format!("No price set exist for variants: {bare}"),
    );
    assert_eq!(app.admin_get("/admin/price-lists").await.body["count"], 0);

    let missing = "Price list with id: plist_nope was not found";
    assert_error(
        &app.admin_get("/admin/price-lists/plist_nope").await,
        404,
        "not_found",
        missing,
    );
    assert_error(
        &app.admin_post("/admin/price-lists/plist_nope", json!({"title": "X"}))
            .await,
        404,
        "not_found",
        missing,
    );
    assert_error(
        &app.admin_delete("/admin/price-lists/plist_nope").await,
        404,
        "not_found",
        missing,
    );
    assert_error(
        &app.admin_get("/admin/price-lists/plist_nope/prices").await,
        404,
        "not_found",
        missing,
    );
    assert_error(
        &app.admin_post(
            "/admin/price-lists/plist_nope/prices/batch",
            json!({"delete": []}),
        )
        .await,
        404,
        "not_found",
        missing,
    );
    assert_error(
        &app.admin_post(
            "/admin/price-lists/plist_nope/products",
            json!({"remove": ["prod_1"]}),
        )
        .await,
        404,
        "not_found",
        missing,
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn price_batches_create_update_and_delete_list_prices() {
    let app = TestApp::new().await.unwrap();
    let (_, a) = priced_product(&app, "mug-a", 20.0).await;
    let (_, b) = priced_product(&app, "mug-b", 30.0).await;
    let list = create_list(
        &app,
        json!({"title": "Sale", "description": "D",
               "prices": [{"amount": 15, "currency_code": "eur", "variant_id": a,
                           "rules": {"region_id": "reg_1"}}]}),
    )
    .await;
    let id = list["id"].as_str().unwrap().to_string();
    let price_a = list["prices"][0]["id"].as_str().unwrap().to_string();

    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}/prices/batch"),
            json!({
                "create": [{"amount": 25, "currency_code": "eur", "variant_id": b, "max_quantity": 10}],
                "update": [{"id": price_a, "variant_id": a, "amount": 14}]
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let created = &res.body["created"][0];
    assert_eq!(created["variant_id"], b.as_str());
    assert_eq!(created["amount"], 25);
    assert_eq!(created["max_quantity"], 10);
    assert_eq!(created["rules"], json!({}));
    let updated = &res.body["updated"][0];
    assert_eq!(updated["id"], price_a.as_str());
    assert_eq!(updated["amount"], 14);
    // What the update did not give is kept.
    assert_eq!(updated["currency_code"], "eur");
    assert_eq!(updated["rules"], json!({"region_id": "reg_1"}));
    assert_eq!(
        res.body["deleted"],
        json!({"ids": [], "object": "price", "deleted": true})
    );
    let price_b = created["id"].as_str().unwrap().to_string();

    let res = app
        .admin_get(&format!("/admin/price-lists/{id}/prices"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 2, "{}", res.body);
    let mut variants: Vec<&str> = res.body["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["variant_id"].as_str().unwrap())
        .collect();
    variants.sort();
    let mut expected = vec![a.as_str(), b.as_str()];
    expected.sort();
    assert_eq!(variants, expected);

    // A failing update undoes the batch's delete and create.
    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}/prices/batch"),
            json!({
                "create": [{"amount": 9, "currency_code": "eur", "variant_id": a}],
                "update": [{"id": "price_nope", "variant_id": a, "amount": 1}],
                "delete": [price_b]
            }),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        "Price with id: price_nope was not found",
    );
    let res = app
        .admin_get(&format!("/admin/price-lists/{id}/prices"))
        .await;
    assert_eq!(res.body["count"], 2, "{}", res.body);
    let amounts: Vec<f64> = res.body["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["amount"].as_f64().unwrap())
        .collect();
    assert!(
        amounts.contains(&25.0) && amounts.contains(&14.0),
        "{amounts:?}"
    );

    // A bad entry names itself; nothing is written.
    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}/prices/batch"),
            json!({"create": [{"amount": 9, "currency_code": "eur"}]}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert!(
        res.body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid request: create, 0"),
        "{}",
        res.body
    );

    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}/prices/batch"),
            json!({"delete": [price_b]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"created": [], "updated": [],
               "deleted": {"ids": [price_b], "object": "price", "deleted": true}})
    );
    let res = app.admin_get(&format!("/admin/price-lists/{id}")).await;
    let prices = res.body["price_list"]["prices"].as_array().unwrap();
    assert_eq!(prices.len(), 1, "{}", res.body);
    assert_eq!(prices[0]["id"], price_a.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_products_drops_only_their_list_prices() {
    let app = TestApp::new().await.unwrap();
    let (pa, a) = priced_product(&app, "mug-a", 20.0).await;
    let (_, b) = priced_product(&app, "mug-b", 30.0).await;
    let list = create_list(
        &app,
        json!({"title": "Sale", "description": "D", "prices": [
            {"amount": 15, "currency_code": "eur", "variant_id": a},
            {"amount": 25, "currency_code": "eur", "variant_id": b}
        ]}),
    )
    .await;
    let id = list["id"].as_str().unwrap();

    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}/products"),
            json!({"remove": []}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "No product ids passed to remove from price list",
    );
    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}/products"),
            json!({"add": [pa]}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);

    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}/products"),
            json!({"remove": [pa]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let prices = res.body["price_list"]["prices"].as_array().unwrap();
    assert_eq!(prices.len(), 1, "{}", res.body);
    assert_eq!(prices[0]["variant_id"], b.as_str());
    assert_eq!(prices[0]["amount"], 25);
}

#[tokio::test(flavor = "multi_thread")]
async fn active_sale_lists_set_the_storefront_price_and_draft_lists_do_not() {
    let app = TestApp::new().await.unwrap();
    let eu = region(&app).await;
    let (product, variant) = priced_product(&app, "mug", 20.0).await;

    // A draft list does not apply.
    create_list(
        &app,
        json!({"title": "Draft", "description": "D", "prices": [
            {"amount": 5, "currency_code": "eur", "variant_id": variant}
        ]}),
    )
    .await;
    let price = store_price(&app, &eu, "mug").await;
    assert_eq!(price["calculated_amount"], 20, "{price}");
    assert_eq!(price["is_calculated_price_price_list"], false);

    let sale = create_list(
        &app,
        json!({"title": "Sale", "description": "D", "status": "active", "type": "sale",
               "prices": [{"amount": 15, "currency_code": "eur", "variant_id": variant}]}),
    )
    .await;
    let sale_id = sale["id"].as_str().unwrap();
    let price = store_price(&app, &eu, "mug").await;
    assert_eq!(price["calculated_amount"], 15, "{price}");
    assert_eq!(price["original_amount"], 20);
    assert_eq!(price["is_calculated_price_price_list"], true);
    assert_eq!(price["is_original_price_price_list"], false);
    assert_eq!(price["calculated_price"]["price_list_id"], sale_id);
    assert_eq!(price["calculated_price"]["price_list_type"], "sale");

    // Removing the list's prices of the product restores the base price.
    let res = app
        .admin_post(
            &format!("/admin/price-lists/{sale_id}/products"),
            json!({"remove": [product]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["price_list"]["prices"], json!([]));
    let price = store_price(&app, &eu, "mug").await;
    assert_eq!(price["calculated_amount"], 20, "{price}");
    assert_eq!(price["is_calculated_price_price_list"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn price_preferences_through_the_route_kit() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post(
            "/admin/price-preferences",
            json!({"attribute": "currency_code", "value": "eur", "is_tax_inclusive": true}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let pref = &res.body["price_preference"];
    let id = pref["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("prpref_"), "{pref}");
    assert_eq!(
        keys(pref),
        [
            "attribute",
            "created_at",
            "deleted_at",
            "id",
            "is_tax_inclusive",
            "updated_at",
            "value"
        ]
    );
    assert_eq!(pref["attribute"], "currency_code");
    assert_eq!(pref["value"], "eur");
    assert_eq!(pref["is_tax_inclusive"], true);

    let res = app
        .admin_get("/admin/price-preferences?attribute=currency_code")
        .await;
    assert_eq!(res.body["count"], 1, "{}", res.body);
    assert_eq!(res.body["price_preferences"][0]["id"], id.as_str());

    let res = app
        .admin_post(
            &format!("/admin/price-preferences/{id}"),
            json!({"is_tax_inclusive": false}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["price_preference"]["is_tax_inclusive"], false);
    let res = app
        .admin_get(&format!("/admin/price-preferences/{id}"))
        .await;
    assert_eq!(res.body["price_preference"]["is_tax_inclusive"], false);

    let res = app
        .admin_post("/admin/price-preferences", json!({"value": "eur"}))
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    let res = app
        .admin_post(
            "/admin/price-preferences",
            json!({"attribute": "region_id", "is_tax_inclusive": "yes"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);

    let res = app
        .admin_delete(&format!("/admin/price-preferences/{id}"))
        .await;
    assert_eq!(
        res.body,
        json!({"id": id, "object": "price_preference", "deleted": true})
    );
    assert_eq!(
        app.admin_get(&format!("/admin/price-preferences/{id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin_post("/admin/price-preferences/prpref_nope", json!({}))
            .await
            .status,
        404
    );
    assert_eq!(
        app.admin_delete("/admin/price-preferences/prpref_nope")
            .await
            .status,
        404
    );
}

/// Fails whatever it is given: what a later step of a workflow does when
/// an earlier step must be undone.
struct Fail;

#[stheno::workflows::async_trait]
impl stheno::workflows::Step for Fail {
    type Input = Vec<stheno_pricing::PriceList>;
    type Output = ();
    type CompensateInput = ();
    fn name(&self) -> &str {
        "fail"
    }
    async fn invoke(
        &self,
        _: Vec<stheno_pricing::PriceList>,
        _: &stheno::workflows::StepContext,
    ) -> Result<stheno::workflows::StepResponse<()>, stheno::workflows::StepError> {
        Err(stheno_module_sdk::Error::invalid_data("a later step failed").into())
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_later_step_puts_the_price_list_fields_and_rules_back() {
    use stheno_core_flows::pricing::{PriceListChange, UpdatePriceListsStep};

    let app = TestApp::new().await.unwrap();
    let list = create_list(
        &app,
        json!({"title": "Sale", "description": "D",
               "rules": {"customer.groups.id": ["cusgroup_a"]}}),
    )
    .await;
    let id = list["id"].as_str().unwrap().to_string();
    let workflow =
        stheno::workflows::Workflow::<Vec<PriceListChange>>::new("test-update-then-fail")
            .then(UpdatePriceListsStep)
            .then(Fail);
    let change = PriceListChange {
        id: id.clone(),
        update: stheno_pricing::UpdatePriceList {
            title: Some("Changed".into()),
            status: Some(stheno_pricing::PriceListStatus::Active),
            ..Default::default()
        },
        rules: Some([("region_id".to_string(), vec!["reg_1".to_string()])].into()),
    };
    let run = app.container.workflows().run(&workflow, vec![change]).await;
    let err = run.result.unwrap_err();
    assert_eq!(err.error().message(), "a later step failed");
    assert_eq!(err.failed_step(), Some("fail"));
    assert!(err.compensation_failures().is_empty());

    let res = app.admin_get(&format!("/admin/price-lists/{id}")).await;
    let after = &res.body["price_list"];
    assert_eq!(after["title"], "Sale", "{after}");
    assert_eq!(after["status"], "draft");
    assert_eq!(
        after["rules"],
        json!({"customer.groups.id": ["cusgroup_a"]})
    );

    // A list that would end before it starts is refused, unchanged.
    let res = app
        .admin_post(
            &format!("/admin/price-lists/{id}"),
            json!({"starts_at": "2026-06-02T00:00:00Z", "ends_at": "2026-06-01T00:00:00Z"}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "The price list Sale ends before it starts",
    );
}
