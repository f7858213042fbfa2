//! The HTTP layer end to end with a route and a hook registered the way a
//! user's crate would, on a real (empty) database.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use stheno_framework::Container;
use stheno_framework::config::Secret;
use stheno_framework::testing::TestDb;
use stheno_http::auth::Tokens;
use stheno_http::openapi::{Doc, RouteSet, any_object};
use stheno_http::{ApiError, ApiResult, AuthContext, Body, ListQuery, Namespace};
use stheno_module_sdk::Error;
use stheno_module_sdk::events::LogEventBus;
use stheno_module_sdk::graph::{FieldsConfig, QueryContext};
use stheno_module_sdk::list::OneOrMany;

mod input;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBrand {
    name: String,
    rank: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BrandFilters {
    id: Option<OneOrMany>,
    featured: Option<bool>,
}

const BRAND_FIELDS: FieldsConfig<'static> = FieldsConfig {
    defaults: &["id", "name"],
    allowed: None,
    max_depth: None,
};

async fn list_brands(
    c: web::Data<Container>,
    q: ListQuery<BrandFilters>,
) -> ApiResult<HttpResponse> {
    let selection = q.selection(BRAND_FIELDS)?;
    let page = q.page(20);
    let brands: Vec<_> = ["b1", "b2", "b3"]
        .iter()
        .filter(|id| {
            q.filters
                .id
                .as_ref()
                .is_none_or(|ids| ids.0.iter().any(|i| i == *id))
        })
        .map(|id| {
            json!({"id": id, "name": format!("Brand {id}"), "secret": "x"})
                .as_object()
                .unwrap()
                .clone()
        })
        .collect();
    let count = brands.len() as i64;
    let out = c
        .query()
        .expand("brand", brands, &selection, QueryContext::ADMIN)
        .await?;
    let _ = q.filters.featured;
    Ok(stheno_http::response::list("brands", out, count, page))
}

async fn create_brand(body: Body<CreateBrand>) -> ApiResult<HttpResponse> {
    if body.0.name == "taken" {
        return Err(Error::duplicate("Brand with name: taken already exists.").into());
    }
    if body.0.name == "boom" {
        return Err(Error::internal("SELECT secret FROM vault").into());
    }
    Ok(HttpResponse::Ok().json(json!({"brand": {"name": body.0.name, "rank": body.0.rank}})))
}

async fn store_ping() -> HttpResponse {
    HttpResponse::Ok().json(json!({"ok": true}))
}

fn admin_routes(r: &mut RouteSet) {
    r.get(
        "/brands",
        list_brands,
        Doc::new("List brands").response(200, "OK", any_object()),
    )
    .post(
        "/brands",
        create_brand,
        Doc::new("Create a brand")
            .body(any_object())
            .response(200, "OK", any_object()),
    );
}
fn store_routes(r: &mut RouteSet) {
    r.get(
        "/ping",
        store_ping,
        Doc::new("Ping").response(200, "OK", any_object()),
    );
}
stheno_http::register_routes!(Namespace::Admin, admin_routes);
stheno_http::register_routes!(Namespace::Store, store_routes);

fn block_teapots(req: &actix_web::dev::ServiceRequest) -> Result<(), ApiError> {
    if req.headers().contains_key("x-teapot") {
        return Err(Error::not_allowed("No teapots").into());
    }
    Ok(())
}
stheno_http::register_hook!(Namespace::Store, block_teapots);

async fn container(db: &TestDb) -> Container {
    let mut config = db.config();
    config.http.jwt_secret = Some(Secret::new("s3cret"));
    config.http.query_count_header = true;
    config.http.store_cors = "http://shop.example,/\\.vercel\\.app$/".into();
    stheno_framework::boot(config, &[], Arc::new(LogEventBus))
        .await
        .unwrap()
}

async fn call(
    c: &Container,
    req: TestRequest,
) -> (StatusCode, actix_web::http::header::HeaderMap, Value) {
    let app = test::init_service(stheno_http::server::app(c.clone(), vec![])).await;
    let res = test::call_service(&app, req.to_request()).await;
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = test::read_body(res).await;
    let body = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, headers, body)
}

/// A token signed with the test container's secret.
fn token(actor_type: &str, app_metadata: Value) -> String {
    let tokens = Tokens::new(b"s3cret", std::time::Duration::from_secs(3600));
    let ctx = AuthContext::for_identity(
        "authid_test",
        actor_type,
        Some("emailpass"),
        serde_json::from_value(app_metadata).unwrap(),
        Default::default(),
    );
    tokens.issue(ctx).unwrap()
}

fn admin(req: TestRequest) -> TestRequest {
    let token = token("user", json!({"user_id": "user_test"}));
    req.insert_header(("authorization", format!("Bearer {token}")))
}

#[tokio::test(flavor = "multi_thread")]
async fn health_404_and_request_ids() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let (status, headers, body) = call(&c, TestRequest::get().uri("/health")).await;
    assert_eq!(status, 200);
    assert_eq!(body, "OK");
    assert!(headers.get("x-request-id").is_some());

    let (status, headers, _) = call(
        &c,
        TestRequest::get()
            .uri("/health")
            .insert_header(("x-request-id", "abc")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(headers.get("x-request-id").unwrap(), "abc");

    let (status, _, body) = call(&c, TestRequest::get().uri("/nope")).await;
    assert_eq!(status, 404);
    assert_eq!(body, "Cannot GET /nope");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_guard() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    for req in [
        TestRequest::get().uri("/admin/brands"),
        TestRequest::get()
            .uri("/admin/brands")
            .insert_header(("authorization", "Bearer wrong")),
        TestRequest::get()
            .uri("/admin/brands")
            .insert_header(("authorization", "Basic s3cret")),
        TestRequest::get().uri("/admin/unknown"),
    ] {
        let (status, _, body) = call(&c, req).await;
        assert_eq!(status, 401);
        assert_eq!(body, json!({"message": "Unauthorized"}));
    }
    let (status, _, body) = call(&c, admin(TestRequest::get().uri("/admin/brands"))).await;
    assert_eq!(status, 200, "{body}");

    // Bearer scheme is case-insensitive.
    let token = token("user", json!({"user_id": "user_test"}));
    let (status, _, _) = call(
        &c,
        TestRequest::get()
            .uri("/admin/brands")
            .insert_header(("authorization", format!("bearer {token}"))),
    )
    .await;
    assert_eq!(status, 200);
}

/// `/admin` wants a linked `user`: customers, unlinked identities and
/// tokens signed with another secret get Medusa's bare 401.
#[tokio::test(flavor = "multi_thread")]
async fn admin_guard_checks_the_actor() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let foreign = {
        let tokens = Tokens::new(b"other", std::time::Duration::from_secs(3600));
        let ctx = AuthContext::for_identity(
            "authid_test",
            "user",
            None,
            serde_json::from_value(json!({"user_id": "user_test"})).unwrap(),
            Default::default(),
        );
        tokens.issue(ctx).unwrap()
    };
    for token in [
        token("customer", json!({"customer_id": "cus_1"})),
        token("user", json!({})),
        token("user", json!({"customer_id": "cus_1"})),
        foreign,
    ] {
        let (status, _, body) = call(
            &c,
            TestRequest::get()
                .uri("/admin/brands")
                .insert_header(("authorization", format!("Bearer {token}"))),
        )
        .await;
        assert_eq!(status, 401);
        assert_eq!(body, json!({"message": "Unauthorized"}));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_envelope_fields_and_filters() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let (status, headers, body) = call(
        &c,
        admin(TestRequest::get().uri("/admin/brands?id[]=b1&id[]=b3&limit=5")),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"brands": [{"id": "b1", "name": "Brand b1"}, {"id": "b3", "name": "Brand b3"}], "count": 2, "offset": 0, "limit": 5})
    );
    assert_eq!(headers.get("x-stheno-query-count").unwrap(), "0");

    let (_, _, body) = call(
        &c,
        admin(TestRequest::get().uri("/admin/brands?fields=%2Bsecret&id=b2")),
    )
    .await;
    assert_eq!(
        body["brands"],
        json!([{"id": "b2", "name": "Brand b2", "secret": "x"}])
    );

    let (status, _, body) = call(
        &c,
        admin(TestRequest::get().uri("/admin/brands?featured=yes")),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Invalid request: Expected type: 'boolean' for field 'featured', got: 'yes'"
    );
    let (status, _, body) = call(
        &c,
        admin(TestRequest::get().uri("/admin/brands?featured=true&zzz=1")),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "Invalid request: Unrecognized fields: 'zzz'"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_and_errors() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let post = |body: &'static str| {
        admin(TestRequest::post().uri("/admin/brands"))
            .insert_header(("content-type", "application/json"))
            .set_payload(body)
    };
    let (status, _, body) = call(&c, post(r#"{"name":"Acme","rank":2}"#)).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"brand": {"name": "Acme", "rank": 2}}));

    let cases = [
        (
            r#"{}"#,
            400,
            json!({"type": "invalid_data", "message": "Invalid request: Field 'name' is required"}),
        ),
        (
            "",
            400,
            json!({"type": "invalid_data", "message": "Invalid request: Field 'name' is required"}),
        ),
        (
            r#"{"name":1}"#,
            400,
            json!({"type": "invalid_data", "message": "Invalid request: Expected type: 'string' for field 'name', got: '1'"}),
        ),
        (
            r#"{"name":"a","rank":"x"}"#,
            400,
            json!({"type": "invalid_data", "message": "Invalid request: Expected type: 'number' for field 'rank', got: 'x'"}),
        ),
        (
            r#"{"name":"a","foo":1}"#,
            400,
            json!({"type": "invalid_data", "message": "Invalid request: Unrecognized fields: 'foo'"}),
        ),
        (
            r#"{"name":"taken"}"#,
            422,
            json!({"code": "invalid_request_error", "type": "duplicate_error", "message": "Brand with name: taken already exists."}),
        ),
        (
            r#"{"name":"boom"}"#,
            500,
            json!({"code": "unknown_error", "type": "unknown_error", "message": "An unknown error occurred."}),
        ),
    ];
    for (input, status, expected) in cases {
        let (got_status, _, body) = call(&c, post(input)).await;
        assert_eq!(got_status.as_u16(), status, "{input}: {body}");
        assert_eq!(body, expected, "{input}");
    }
    let (status, _, body) = call(&c, post("{bad json")).await;
    assert_eq!(status, 400);
    assert_eq!(body["type"], "invalid_data");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Invalid JSON in request body"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hooks_and_cors() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let (status, _, body) = call(&c, TestRequest::get().uri("/store/ping")).await;
    assert_eq!((status.as_u16(), body), (200, json!({"ok": true})));
    let (status, _, body) = call(
        &c,
        TestRequest::get()
            .uri("/store/ping")
            .insert_header(("x-teapot", "1")),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body,
        json!({"type": "not_allowed", "message": "No teapots"})
    );

    for (origin, allowed) in [
        ("http://shop.example", true),
        ("https://my.vercel.app", true),
        ("http://evil.example", false),
    ] {
        let (_, headers, _) = call(
            &c,
            TestRequest::get()
                .uri("/store/ping")
                .insert_header(("origin", origin)),
        )
        .await;
        assert_eq!(
            headers.get("access-control-allow-origin").is_some(),
            allowed,
            "{origin}"
        );
    }
    // Admin CORS is separate (empty: nothing allowed).
    let (_, headers, _) = call(
        &c,
        admin(TestRequest::get().uri("/admin/brands"))
            .insert_header(("origin", "http://shop.example")),
    )
    .await;
    assert!(headers.get("access-control-allow-origin").is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_worker_process_answers_only_health() {
    let db = TestDb::new().await.unwrap();
    let mut config = db.config();
    config.worker_mode = stheno_framework::config::WorkerMode::Worker;
    let c = stheno_framework::boot(config, &[], Arc::new(LogEventBus))
        .await
        .unwrap();
    let (status, _, _) = call(&c, TestRequest::get().uri("/health")).await;
    assert_eq!(status, 200);
    let (status, _, body) = call(&c, TestRequest::get().uri("/store/ping")).await;
    assert_eq!(status, 404);
    assert_eq!(body, "Cannot GET /store/ping");

    // The same app in the default (shared) mode serves the route.
    let c = container(&db).await;
    let (status, _, _) = call(&c, TestRequest::get().uri("/store/ping")).await;
    assert_eq!(status, 200);
}
