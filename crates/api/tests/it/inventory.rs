//! `/admin/inventory-items` (with location levels), `/admin/reservations`
//! and the variant ↔ inventory item link routes.

use actix_web::http::Method;
use serde_json::{Value, json};
use stheno::testing::TestApp;

use crate::{assert_error, create_product, shirt};

/// Create an inventory item through the API; returns its JSON.
async fn create_item(app: &TestApp, body: Value) -> Value {
    let res = app.admin_post("/admin/inventory-items", body).await;
    assert_eq!(res.status, 200, "create item: {}", res.body);
    res.body["inventory_item"].clone()
}

async fn reserve(app: &TestApp, item: &str, location: &str, quantity: i64) -> Value {
    let res = app
        .admin_post(
            "/admin/reservations",
            json!({"inventory_item_id": item, "location_id": location, "quantity": quantity}),
        )
        .await;
    assert_eq!(res.status, 200, "reserve: {}", res.body);
    res.body["reservation"].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_string()
}

/// The item's level at `location` as the levels route lists it.
async fn level(app: &TestApp, item: &str, location: &str) -> Value {
    let res = app
        .admin_get(&format!(
            "/admin/inventory-items/{item}/location-levels?location_id={location}"
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.body["inventory_levels"][0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_routes_require_auth() {
    let app = TestApp::new().await.unwrap();
    let routes = [
        (Method::GET, "/admin/inventory-items"),
        (Method::POST, "/admin/inventory-items"),
        (Method::POST, "/admin/inventory-items/location-levels/batch"),
        (Method::GET, "/admin/inventory-items/i"),
        (Method::POST, "/admin/inventory-items/i"),
        (Method::DELETE, "/admin/inventory-items/i"),
        (Method::GET, "/admin/inventory-items/i/location-levels"),
        (Method::POST, "/admin/inventory-items/i/location-levels"),
        (
            Method::POST,
            "/admin/inventory-items/i/location-levels/batch",
        ),
        (Method::POST, "/admin/inventory-items/i/location-levels/l"),
        (Method::DELETE, "/admin/inventory-items/i/location-levels/l"),
        (Method::GET, "/admin/reservations"),
        (Method::POST, "/admin/reservations"),
        (Method::GET, "/admin/reservations/r"),
        (Method::POST, "/admin/reservations/r"),
        (Method::DELETE, "/admin/reservations/r"),
        (
            Method::POST,
            "/admin/products/p/variants/inventory-items/batch",
        ),
        (Method::POST, "/admin/products/p/variants/v/inventory-items"),
        (
            Method::POST,
            "/admin/products/p/variants/v/inventory-items/i",
        ),
        (
            Method::DELETE,
            "/admin/products/p/variants/v/inventory-items/i",
        ),
    ];
    for (method, path) in routes {
        let res = app.request(method.clone(), path, None, false).await;
        assert_eq!(res.status, 401, "{method} {path}: {}", res.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn item_list_sums_stocked_and_reserved_over_levels_in_one_batch() {
    let app = TestApp::new().await.unwrap();
    let item = create_item(
        &app,
        json!({
            "sku": "mug",
            "title": "Mug",
            "location_levels": [
                {"location_id": "sloc_a", "stocked_quantity": 10},
                {"location_id": "sloc_b", "stocked_quantity": 5, "incoming_quantity": 2}
            ]
        }),
    )
    .await;
    assert_eq!(item["stocked_quantity"], 15, "{item}");
    assert_eq!(item["reserved_quantity"], 0, "{item}");
    assert_eq!(item["location_levels"].as_array().unwrap().len(), 2);
    let item_id = id(&item);
    reserve(&app, &item_id, "sloc_a", 3).await;
    reserve(&app, &item_id, "sloc_b", 1).await;

    let one = app.admin_get("/admin/inventory-items").await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["count"], 1);
    let listed = &one.body["inventory_items"][0];
    assert_eq!(listed["sku"], "mug");
    assert_eq!(listed["stocked_quantity"], 15);
    assert_eq!(listed["reserved_quantity"], 4);

    // More items cost no more statements: the sums are one batched read.
    for sku in ["cup", "plate", "bowl"] {
        create_item(
            &app,
            json!({"sku": sku, "location_levels": [{"location_id": "sloc_b", "stocked_quantity": 1}]}),
        )
        .await;
    }
    let four = app.admin_get("/admin/inventory-items").await;
    assert_eq!(four.body["count"], 4);
    assert_eq!(
        one.queries, four.queries,
        "statements for 1 item vs 4 items"
    );
    let bowl = four.body["inventory_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["sku"] == "bowl")
        .unwrap();
    assert_eq!(bowl["stocked_quantity"], 1);
    assert_eq!(bowl["reserved_quantity"], 0);

    // Filters: sku, q, location_levels[location_id].
    let res = app.admin_get("/admin/inventory-items?sku=plate").await;
    assert_eq!(res.body["count"], 1, "{}", res.body);
    assert_eq!(res.body["inventory_items"][0]["sku"], "plate");
    let res = app
        .admin_get("/admin/inventory-items?location_levels[location_id]=sloc_a")
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 1, "{}", res.body);
    assert_eq!(res.body["inventory_items"][0]["id"], item_id.as_str());
    let res = app.admin_get("/admin/inventory-items?q=mu").await;
    assert_eq!(res.body["count"], 1, "{}", res.body);
    let res = app
        .admin_get("/admin/inventory-items?location_levels[bin]=x")
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn item_create_retrieve_update_delete() {
    let app = TestApp::new().await.unwrap();
    let item = create_item(&app, json!({"sku": "lamp", "title": "Lamp", "weight": 300})).await;
    let item_id = id(&item);
    assert!(item_id.starts_with("iitem_"), "{item_id}");
    assert_eq!(item["requires_shipping"], true);

    let res = app
        .admin_get(&format!("/admin/inventory-items/{item_id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["inventory_item"]["title"], "Lamp");
    assert_eq!(res.body["inventory_item"]["weight"], 300);
    assert_eq!(res.body["inventory_item"]["stocked_quantity"], 0);

    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item_id}"),
            json!({"title": "Desk lamp", "hs_code": "9405"}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["inventory_item"]["title"], "Desk lamp");
    assert_eq!(res.body["inventory_item"]["hs_code"], "9405");
    assert_eq!(res.body["inventory_item"]["sku"], "lamp");

    let res = app
        .admin_delete(&format!("/admin/inventory-items/{item_id}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.body,
        json!({"id": item_id, "object": "inventory_item", "deleted": true})
    );
    let res = app
        .admin_get(&format!("/admin/inventory-items/{item_id}"))
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_bodies_are_validated() {
    let app = TestApp::new().await.unwrap();
    let res = app
        .admin_post(
            "/admin/inventory-items",
            json!({"sku": "x", "colour": "red"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
    let res = app
        .admin_post(
            "/admin/inventory-items",
            json!({"sku": "x", "location_levels": [{"location_id": "sloc_a", "stocked_quantity": -1}]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Value for field 'location_levels, 0, stocked_quantity' too small, expected at least: '0'",
    );
    let res = app.admin_get("/admin/inventory-items").await;
    assert_eq!(res.body["count"], 0, "a refused body writes nothing");

    let item = id(&create_item(&app, json!({"sku": "x"})).await);
    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels"),
            json!({"stocked_quantity": 3}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels/sloc_a"),
            json!({"incoming_quantity": -2}),
        )
        .await;
    assert_error(
        &res,
        400,
        "invalid_data",
        "Invalid request: Value for field 'incoming_quantity' too small, expected at least: '0'",
    );
    let res = app
        .admin_post(
            "/admin/reservations",
            json!({"inventory_item_id": item, "location_id": "sloc_a"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["type"], "invalid_data");
    let res = app
        .admin_post(
            "/admin/products/p/variants/v/inventory-items",
            json!({"inventory_item_id": item, "required_quantity": "many"}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_inventory_ids_are_404() {
    let app = TestApp::new().await.unwrap();
    for path in [
        "/admin/inventory-items/iitem_missing",
        "/admin/inventory-items/iitem_missing/location-levels",
        "/admin/reservations/resitem_missing",
    ] {
        let res = app.admin_get(path).await;
        assert_eq!(res.status, 404, "{path}: {}", res.body);
        assert_eq!(res.body["type"], "not_found");
    }
    let res = app
        .admin_delete("/admin/inventory-items/iitem_missing")
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = app
        .admin_delete("/admin/reservations/resitem_missing")
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = app
        .admin_post(
            "/admin/reservations/resitem_missing",
            json!({"quantity": 1}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);

    let item = id(&create_item(&app, json!({"sku": "x"})).await);
    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels/sloc_nowhere"),
            json!({"stocked_quantity": 1}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        &format!("Item {item} is not stocked at location sloc_nowhere"),
    );
    let res = app
        .admin_delete(&format!(
            "/admin/inventory-items/{item}/location-levels/sloc_nowhere"
        ))
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        &format!("Inventory Level for Item {item} at Location sloc_nowhere not found"),
    );
    let res = app
        .admin_post(
            "/admin/reservations",
            json!({"inventory_item_id": "iitem_missing", "location_id": "sloc_a", "quantity": 1}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread")]
async fn location_levels_are_created_updated_listed_and_deleted() {
    let app = TestApp::new().await.unwrap();
    let item = id(&create_item(&app, json!({"sku": "x"})).await);
    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels"),
            json!({"location_id": "sloc_a", "stocked_quantity": 8, "incoming_quantity": 0}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["inventory_item"]["stocked_quantity"], 8);
    assert_eq!(
        res.body["inventory_item"]["location_levels"][0]["location_id"],
        "sloc_a"
    );

    // A second level at the same location is refused.
    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels"),
            json!({"location_id": "sloc_a"}),
        )
        .await;
    assert!(res.status >= 400 && res.status < 500, "{}", res.body);

    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels/sloc_a"),
            json!({"stocked_quantity": 12, "incoming_quantity": 4}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["inventory_item"]["stocked_quantity"], 12);

    let res = app
        .admin_get(&format!("/admin/inventory-items/{item}/location-levels"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 1);
    let listed = &res.body["inventory_levels"][0];
    assert_eq!(listed["stocked_quantity"], 12);
    assert_eq!(listed["incoming_quantity"], 4);
    assert_eq!(listed["reserved_quantity"], 0);
    assert_eq!(listed["available_quantity"], 12);
    let level_id = id(listed);

    // Incoming units keep the level.
    let res = app
        .admin_delete(&format!(
            "/admin/inventory-items/{item}/location-levels/sloc_a"
        ))
        .await;
    assert_error(
        &res,
        400,
        "not_allowed",
        "Cannot remove Inventory Levels for sloc_a because there are reserved or incoming items at the locations",
    );
    app.admin_post(
        &format!("/admin/inventory-items/{item}/location-levels/sloc_a"),
        json!({"incoming_quantity": 0}),
    )
    .await;
    let res = app
        .admin_delete(&format!(
            "/admin/inventory-items/{item}/location-levels/sloc_a"
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["id"], level_id.as_str());
    assert_eq!(res.body["object"], "inventory-level");
    assert_eq!(res.body["deleted"], true);
    assert_eq!(res.body["parent"]["id"], item.as_str());
    assert_eq!(res.body["parent"]["stocked_quantity"], 0);
    assert_eq!(res.body["parent"]["location_levels"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_level_holding_reservations_cannot_be_deleted() {
    let app = TestApp::new().await.unwrap();
    let item = create_item(
        &app,
        json!({"sku": "x", "location_levels": [{"location_id": "sloc_a", "stocked_quantity": 5}]}),
    )
    .await;
    let item = id(&item);
    reserve(&app, &item, "sloc_a", 2).await;
    let res = app
        .admin_delete(&format!(
            "/admin/inventory-items/{item}/location-levels/sloc_a"
        ))
        .await;
    assert_error(
        &res,
        400,
        "not_allowed",
        &format!(
            "Cannot remove Inventory Level {item} at Location sloc_a because there are reservations at location"
        ),
    );
    assert_eq!(level(&app, &item, "sloc_a").await["reserved_quantity"], 2);

    // Nor the item itself.
    let res = app
        .admin_delete(&format!("/admin/inventory-items/{item}"))
        .await;
    assert_error(
        &res,
        400,
        "not_allowed",
        &format!(
            "Cannot remove following inventory item(s) since they have reservations: [{item}]."
        ),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn level_batches_apply_together_or_not_at_all() {
    let app = TestApp::new().await.unwrap();
    let item = create_item(
        &app,
        json!({"sku": "x", "location_levels": [
            {"location_id": "sloc_a", "stocked_quantity": 5},
            {"location_id": "sloc_b", "stocked_quantity": 0}
        ]}),
    )
    .await;
    let item = id(&item);
    let level_b = id(&level(&app, &item, "sloc_b").await);
    let level_a = id(&level(&app, &item, "sloc_a").await);

    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels/batch"),
            json!({
                "create": [{"location_id": "sloc_c", "stocked_quantity": 7}],
                "update": [{"location_id": "sloc_a", "stocked_quantity": 9}],
                "delete": [level_b]
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["created"][0]["location_id"], "sloc_c");
    assert_eq!(res.body["created"][0]["stocked_quantity"], 7);
    assert_eq!(res.body["updated"][0]["stocked_quantity"], 9);
    assert_eq!(res.body["deleted"], json!([level_b]));

    // A failing update undoes the batch's create.
    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels/batch"),
            json!({
                "create": [{"location_id": "sloc_d", "stocked_quantity": 1}],
                "update": [{"location_id": "sloc_nowhere", "stocked_quantity": 1}]
            }),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = app
        .admin_get(&format!("/admin/inventory-items/{item}/location-levels"))
        .await;
    let mut locations: Vec<&str> = res.body["inventory_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["location_id"].as_str().unwrap())
        .collect();
    locations.sort();
    assert_eq!(locations, ["sloc_a", "sloc_c"]);

    // Stocked levels need `force`.
    let res = app
        .admin_post(
            &format!("/admin/inventory-items/{item}/location-levels/batch"),
            json!({"delete": [level_a]}),
        )
        .await;
    assert_error(
        &res,
        400,
        "not_allowed",
        "Cannot remove Inventory Levels for sloc_a because there are stocked items at the locations. Use force flag to delete anyway.",
    );
    let res = app
        .admin_post(
            "/admin/inventory-items/location-levels/batch",
            json!({
                "delete": [level_a],
                "force": true,
                "update": [{"inventory_item_id": item, "location_id": "sloc_c", "incoming_quantity": 3}]
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["deleted"], json!([level_a]));
    assert_eq!(res.body["updated"][0]["incoming_quantity"], 3);
    let res = app
        .admin_get(&format!("/admin/inventory-items/{item}"))
        .await;
    assert_eq!(res.body["inventory_item"]["stocked_quantity"], 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn reservations_hold_stock_and_are_refused_beyond_it() {
    let app = TestApp::new().await.unwrap();
    let item = create_item(
        &app,
        json!({"sku": "x", "location_levels": [
            {"location_id": "sloc_a", "stocked_quantity": 5},
            {"location_id": "sloc_b", "stocked_quantity": 2}
        ]}),
    )
    .await;
    let item = id(&item);

    let res = app
        .admin_post(
            "/admin/reservations",
            json!({"inventory_item_id": item, "location_id": "sloc_a", "quantity": 6}),
        )
        .await;
    assert_error(
        &res,
        400,
        "not_allowed",
        &format!("Not enough stock available for item {item} at location sloc_a"),
    );
    assert_eq!(res.body["code"], "insufficient_inventory");
    assert_eq!(level(&app, &item, "sloc_a").await["reserved_quantity"], 0);

    let res = app
        .admin_post(
            "/admin/reservations",
            json!({
                "inventory_item_id": item, "location_id": "sloc_a", "quantity": 4,
                "line_item_id": "ordli_1", "description": "for an order"
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let reservation = res.body["reservation"].clone();
    assert_eq!(reservation["quantity"], 4);
    assert_eq!(reservation["line_item_id"], "ordli_1");
    let rid = id(&reservation);
    assert_eq!(level(&app, &item, "sloc_a").await["reserved_quantity"], 4);

    // List filters and retrieve.
    let res = app
        .admin_get(&format!("/admin/reservations?inventory_item_id={item}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["count"], 1);
    assert_eq!(res.body["reservations"][0]["id"], rid.as_str());
    let res = app
        .admin_get("/admin/reservations?location_id=sloc_b")
        .await;
    assert_eq!(res.body["count"], 0);
    let res = app
        .admin_get("/admin/reservations?line_item_id=ordli_1")
        .await;
    assert_eq!(res.body["count"], 1);
    let res = app.admin_get(&format!("/admin/reservations/{rid}")).await;
    assert_eq!(res.body["reservation"]["description"], "for an order");

    // Growing beyond the stock is refused; moving releases the old level.
    let res = app
        .admin_post(
            &format!("/admin/reservations/{rid}"),
            json!({"quantity": 6}),
        )
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
    assert_eq!(res.body["code"], "insufficient_inventory");
    let res = app
        .admin_post(
            &format!("/admin/reservations/{rid}"),
            json!({"quantity": 2, "location_id": "sloc_b", "description": null}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["reservation"]["location_id"], "sloc_b");
    assert_eq!(res.body["reservation"]["description"], Value::Null);
    assert_eq!(level(&app, &item, "sloc_a").await["reserved_quantity"], 0);
    assert_eq!(level(&app, &item, "sloc_b").await["reserved_quantity"], 2);

    let res = app
        .admin_delete(&format!("/admin/reservations/{rid}"))
        .await;
    assert_eq!(
        res.body,
        json!({"id": rid, "object": "reservation", "deleted": true})
    );
    assert_eq!(level(&app, &item, "sloc_b").await["reserved_quantity"], 0);
    let res = app.admin_get(&format!("/admin/reservations/{rid}")).await;
    assert_eq!(res.status, 404, "{}", res.body);
}

async fn first_variant(app: &TestApp, product: &str) -> String {
    let res = app.admin_get(&format!("/admin/products/{product}")).await;
    res.body["product"]["variants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The variant's live links to the inventory items `items` (not the item
/// product creation made for it): `(item, required_quantity)`.
async fn links_of(app: &TestApp, variant: &str, items: &[&str]) -> Vec<(String, Value)> {
    app.container
        .links()
        .list_rows("product_variant", &[variant.to_string()], "inventory_item")
        .await
        .unwrap()
        .into_iter()
        .filter(|row| items.contains(&row.right_id.as_str()))
        .map(|row| (row.right_id, row.data["required_quantity"].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn variants_link_to_inventory_items_through_the_routes() {
    let app = TestApp::new().await.unwrap();
    let product = create_product(&app, shirt("tee")).await;
    let pid = id(&product);
    let variant = first_variant(&app, &pid).await;
    let item = id(&create_item(&app, json!({"sku": "tee-blank"})).await);
    let base = format!("/admin/products/{pid}/variants/{variant}/inventory-items");

    let res = app
        .admin_post(
            &base,
            json!({"inventory_item_id": item, "required_quantity": 2}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["variant"]["id"], variant.as_str());
    assert_eq!(
        links_of(&app, &variant, &[&item]).await,
        [(item.clone(), json!(2))]
    );

    let res = app
        .admin_get(&format!(
            "/admin/products/{pid}/variants/{variant}?fields=*inventory_items"
        ))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let linked = res.body["variant"]["inventory_items"]
        .as_array()
        .unwrap_or_else(|| panic!("no inventory_items: {}", res.body));
    assert!(
        linked
            .iter()
            .any(|l| { l.get("inventory_item_id").or_else(|| l.get("id")) == Some(&json!(item)) }),
        "{}",
        res.body
    );

    let res = app
        .admin_post(&format!("{base}/{item}"), json!({"required_quantity": 3}))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        links_of(&app, &variant, &[&item]).await,
        [(item.clone(), json!(3))]
    );

    let res = app.admin_delete(&format!("{base}/{item}")).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["object"], "variant-inventory-item-link");
    assert_eq!(res.body["deleted"], true);
    assert_eq!(res.body["id"]["product"]["variant_id"], variant.as_str());
    assert_eq!(
        res.body["id"]["inventory"]["inventory_item_id"],
        item.as_str()
    );
    assert_eq!(res.body["parent"]["id"], variant.as_str());
    assert!(links_of(&app, &variant, &[&item]).await.is_empty());

    // Unknown ids.
    let res = app
        .admin_post(
            &base,
            json!({"inventory_item_id": "iitem_missing", "required_quantity": 1}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = app
        .admin_post(
            &format!("/admin/products/{pid}/variants/variant_missing/inventory-items"),
            json!({"inventory_item_id": item, "required_quantity": 1}),
        )
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        &format!("Variant with id: variant_missing was not found for product {pid}"),
    );
    let res = app
        .admin_post(&format!("{base}/{item}"), json!({"required_quantity": 3}))
        .await;
    assert_error(
        &res,
        404,
        "not_found",
        &format!("Variant {variant} is not linked to inventory item {item}"),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn variant_link_batch_applies_together_or_not_at_all() {
    let app = TestApp::new().await.unwrap();
    let product = create_product(&app, shirt("tee")).await;
    let pid = id(&product);
    let variants: Vec<String> = product["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    let (v1, v2) = (variants[0].clone(), variants[1].clone());
    let a = id(&create_item(&app, json!({"sku": "a"})).await);
    let b = id(&create_item(&app, json!({"sku": "b"})).await);
    let path = format!("/admin/products/{pid}/variants/inventory-items/batch");

    let res = app
        .admin_post(
            &path,
            json!({"create": [
                {"variant_id": v1, "inventory_item_id": a, "required_quantity": 1},
                {"variant_id": v2, "inventory_item_id": b}
            ]}),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(res.body["created"].as_array().unwrap().len(), 2);
    assert_eq!(res.body["created"][0]["product"]["variant_id"], v1.as_str());
    assert_eq!(
        links_of(&app, &v2, &[&a, &b]).await,
        [(b.clone(), json!(1))]
    );

    let res = app
        .admin_post(
            &path,
            json!({
                "update": [{"variant_id": v1, "inventory_item_id": a, "required_quantity": 4}],
                "delete": [{"variant_id": v2, "inventory_item_id": b}]
            }),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        links_of(&app, &v1, &[&a, &b]).await,
        [(a.clone(), json!(4))]
    );
    assert!(links_of(&app, &v2, &[&a, &b]).await.is_empty());

    // An entry naming an unlinked pair refuses the whole batch.
    let res = app
        .admin_post(
            &path,
            json!({
                "create": [{"variant_id": v2, "inventory_item_id": a, "required_quantity": 2}],
                "delete": [{"variant_id": v2, "inventory_item_id": b}]
            }),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert!(links_of(&app, &v2, &[&a, &b]).await.is_empty());

    // A variant of another product is a 404.
    let other = create_product(&app, shirt("polo")).await;
    let foreign = id(&other["variants"][0]);
    let res = app
        .admin_post(
            &path,
            json!({"create": [{"variant_id": foreign, "inventory_item_id": a}]}),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let res = app
        .admin_post(&path, json!({"create": [{"variant_id": v1}]}))
        .await;
    assert_eq!(res.status, 400, "{}", res.body);
}
