//! Medusa's response envelopes.

use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value, json};
use stheno_module_sdk::graph::Record;
use stheno_module_sdk::list::Page;

/// `{<key>: [...], count, offset, limit}`.
pub fn list(key: &str, items: Vec<Record>, count: i64, page: Page) -> HttpResponse {
    let mut body = Map::with_capacity(4);
    body.insert(
        key.to_string(),
        Value::Array(items.into_iter().map(Value::Object).collect()),
    );
    body.insert("count".into(), json!(count));
    body.insert("offset".into(), json!(page.offset));
    body.insert("limit".into(), json!(page.limit));
    HttpResponse::Ok().json(Value::Object(body))
}

/// `{<key>: {...}}`.
pub fn one(key: &str, item: Record) -> HttpResponse {
    let mut body = Map::with_capacity(1);
    body.insert(key.to_string(), Value::Object(item));
    HttpResponse::Ok().json(Value::Object(body))
}

/// `{id, object, deleted: true}`.
pub fn deleted(id: &str, object: &str) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "id": id, "object": object, "deleted": true }))
}

/// `{id, object, deleted: true, parent: {...}}` for nested deletes.
pub fn deleted_with_parent(id: &str, object: &str, parent: Record) -> HttpResponse {
    let mut body = json!({ "id": id, "object": object, "deleted": true });
    body["parent"] = Value::Object(parent);
    HttpResponse::Ok().json(body)
}

/// Express's 404 for a path and method no route serves.
pub(crate) fn express_not_found(req: &HttpRequest) -> HttpResponse {
    let text = format!("Cannot {} {}", req.method(), req.path());
    HttpResponse::NotFound()
        .content_type("text/html; charset=utf-8")
        .body(text)
}
