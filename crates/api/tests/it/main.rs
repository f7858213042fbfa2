//! HTTP tests for the Store and Admin catalog routes, against a real
//! PostgreSQL database per test.

mod admin;
mod auth;
mod channels;
mod customers;
mod inventory;
mod openapi;
mod pricing;
mod store;
mod storefront;
mod tax;
mod users;
mod workflows;

use serde_json::{Value, json};
use stheno::testing::{TestApp, TestResponse};

/// Create a product through the admin API and return its JSON.
pub async fn create_product(app: &TestApp, body: Value) -> Value {
    let res = app.admin_post("/admin/products", body).await;
    assert_eq!(res.status, 200, "create product: {}", res.body);
    res.body["product"].clone()
}

/// A published product with two options and four variants.
pub fn shirt(handle: &str) -> Value {
    json!({
        "title": format!("Shirt {handle}"),
        "handle": handle,
        "status": "published",
        "images": [{"url": "https://img.example/1.png"}, {"url": "https://img.example/2.png"}],
        "options": [
            {"title": "Size", "values": ["S", "M"]},
            {"title": "Color", "values": ["Black", "White"]}
        ],
        "variants": [
            {"title": "S / Black", "sku": format!("{handle}-s-b"), "options": {"Size": "S", "Color": "Black"}},
            {"title": "S / White", "sku": format!("{handle}-s-w"), "options": {"Size": "S", "Color": "White"}},
            {"title": "M / Black", "sku": format!("{handle}-m-b"), "options": {"Size": "M", "Color": "Black"}},
            {"title": "M / White", "sku": format!("{handle}-m-w"), "options": {"Size": "M", "Color": "White"}}
        ]
    })
}

/// Assert a Medusa error response.
#[track_caller]
pub fn assert_error(res: &TestResponse, status: u16, kind: &str, message: &str) {
    assert_eq!(res.status, status, "body: {}", res.body);
    assert_eq!(res.body["type"], kind, "body: {}", res.body);
    assert_eq!(res.body["message"], message, "body: {}", res.body);
}

/// Sorted keys of a JSON object.
pub fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}
