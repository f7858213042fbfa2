//! Bad input, wherever it enters, answers 4xx in Medusa's error format.
//!
//! The `/input/*` routes send every text input they get to PostgreSQL
//! (`SELECT $1::text`, `SELECT $1::jsonb`), which refuses U+0000: a NUL that
//! got past the HTTP layer would answer `500 database_error`.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{HttpResponse, web};
use diesel::QueryableByName;
use diesel::sql_types::{Jsonb, Text};
use diesel_async::RunQueryDsl;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stheno_framework::Container;
use stheno_framework::testing::TestDb;
use stheno_http::openapi::{Doc, RouteSet, any_object};
use stheno_http::{ApiResult, Body, ListQuery, Namespace};
use stheno_module_sdk::Error;
use stheno_module_sdk::events::LogEventBus;
use stheno_module_sdk::list::OneOrMany;

use super::{admin, call, container};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EchoFilters {
    q: Option<String>,
    id: Option<OneOrMany>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct EchoBody {
    title: String,
    tags: Option<Vec<String>>,
    metadata: Option<Value>,
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    v: String,
}

#[derive(QueryableByName)]
struct JsonRow {
    #[diesel(sql_type = Jsonb)]
    v: Value,
}

/// `text` through PostgreSQL and back.
async fn pg_text(c: &Container, text: &str) -> Result<String, Error> {
    let mut conn = c.db().get().await?;
    let row: TextRow = diesel::sql_query("SELECT $1::text AS v")
        .bind::<Text, _>(text)
        .get_result(&mut conn)
        .await?;
    Ok(row.v)
}

/// `jsonb` through PostgreSQL and back.
async fn pg_json(c: &Container, value: Value) -> Result<Value, Error> {
    let mut conn = c.db().get().await?;
    let row: JsonRow = diesel::sql_query("SELECT $1::jsonb AS v")
        .bind::<Jsonb, _>(value)
        .get_result(&mut conn)
        .await?;
    Ok(row.v)
}

/// `GET /input/echo/{id}?q=&id[]=`: the path segment and the filters.
async fn echo_query(
    c: web::Data<Container>,
    id: web::Path<String>,
    q: ListQuery<EchoFilters>,
) -> ApiResult<HttpResponse> {
    let mut ids = Vec::new();
    for i in q.filters.id.iter().flat_map(|ids| ids.0.iter()) {
        ids.push(pg_text(&c, i).await?);
    }
    let q_text = match &q.filters.q {
        Some(text) => Some(pg_text(&c, text).await?),
        None => None,
    };
    Ok(HttpResponse::Ok().json(json!({
        "path": pg_text(&c, &id).await?,
        "q": q_text,
        "ids": ids,
        "limit": q.limit,
        "offset": q.offset,
    })))
}

/// `POST /input/echo`: the body, through `jsonb`.
async fn echo_body(c: web::Data<Container>, body: Body<EchoBody>) -> ApiResult<HttpResponse> {
    let value = serde_json::to_value(body.into_inner()).map_err(Error::from)?;
    Ok(HttpResponse::Ok().json(json!({"echo": pg_json(&c, value).await?})))
}

/// `POST /input/raw`: actix-web's own `web::Json`, through `jsonb`.
async fn echo_raw(c: web::Data<Container>, body: web::Json<EchoBody>) -> ApiResult<HttpResponse> {
    let value = serde_json::to_value(body.into_inner()).map_err(Error::from)?;
    Ok(HttpResponse::Ok().json(json!({"echo": pg_json(&c, value).await?})))
}

/// `GET /input/typed/{n}`: actix-web's `web::Path` with a number.
async fn typed_path(n: web::Path<i64>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"n": n.into_inner()}))
}

#[derive(Debug, Deserialize)]
struct N {
    n: i64,
}

/// `GET /input/query?n=`: actix-web's `web::Query`.
async fn typed_query(q: web::Query<N>) -> HttpResponse {
    HttpResponse::Ok().json(json!({"n": q.n}))
}

/// `GET /input/actix-error/{status}`: a handler failing with actix-web's
/// plain-text error.
async fn actix_error(status: web::Path<u16>) -> actix_web::Result<HttpResponse> {
    let status = StatusCode::from_u16(status.into_inner()).unwrap();
    Err(actix_web::error::InternalError::new("nope, SELECT secret", status).into())
}

fn input_routes(r: &mut RouteSet) {
    let doc = |s: &str| Doc::new(s).response(200, "OK", any_object());
    r.get("/input/echo/{id}", echo_query, doc("echo a query"))
        .post("/input/echo", echo_body, doc("echo a body"))
        .post("/input/raw", echo_raw, doc("echo raw bytes"))
        .get("/input/typed/{n}", typed_path, doc("a typed path"))
        .get("/input/query", typed_query, doc("a typed query"))
        .get(
            "/input/actix-error/{status}",
            actix_error,
            doc("an actix error"),
        );
}
stheno_http::register_routes!(Namespace::Root, input_routes);

fn invalid(message: &str) -> Value {
    json!({"type": "invalid_data", "message": message})
}

const NUL: &str = "contains a NUL character (U+0000), which is not allowed";

fn post(uri: &str, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> TestRequest {
    let req = TestRequest::post().uri(uri).set_payload(body.into());
    match content_type {
        Some(ct) => req.insert_header(("content-type", ct)),
        None => req,
    }
}

fn json_post(uri: &str, body: impl Into<Vec<u8>>) -> TestRequest {
    post(uri, Some("application/json"), body)
}

/// Each request answers `status` with exactly `expected`.
async fn check(c: &Container, cases: Vec<(TestRequest, u16, Value)>) {
    let app = test::init_service(stheno_http::server::app(c.clone(), vec![])).await;
    for (req, status, expected) in cases {
        let req = req.to_request();
        let what = format!("{} {}", req.method(), req.uri());
        let res = test::call_service(&app, req).await;
        let got = res.status();
        let bytes = test::read_body(res).await;
        let body = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
        assert_eq!(got.as_u16(), status, "{what}: {body}");
        assert_eq!(body, expected, "{what}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_in_the_url_is_a_400_before_postgres() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let ok = json!({"path": "abc", "q": "shirt", "ids": ["x", "y"], "limit": null, "offset": null});
    let get = |uri: &str| TestRequest::get().uri(uri);
    check(
        &c,
        vec![
            // The route does take its inputs to PostgreSQL.
            (get("/input/echo/abc?q=shirt&id[]=x&id[]=y"), 200, ok),
            (
                get("/input/echo/abc?q=%00"),
                400,
                invalid(&format!("Invalid request: Value for field 'q' {NUL}")),
            ),
            (
                get("/input/echo/abc?q=a%00b&limit=5"),
                400,
                invalid(&format!("Invalid request: Value for field 'q' {NUL}")),
            ),
            (
                get("/input/echo/abc?id[]=x&id[]=%00"),
                400,
                invalid(&format!("Invalid request: Value for field 'id' {NUL}")),
            ),
            (
                get("/input/echo/abc?id%5B%5D=%00"),
                400,
                invalid(&format!("Invalid request: Value for field 'id' {NUL}")),
            ),
            (
                get("/input/echo/abc?q%00=1"),
                400,
                invalid(&format!("Invalid request: a query parameter name {NUL}")),
            ),
            (
                get("/input/echo/a%00b"),
                400,
                invalid(&format!("Invalid request: the URL path {NUL}")),
            ),
            // Every route, whatever its namespace and before authentication.
            (
                get("/admin/users/%00"),
                400,
                invalid(&format!("Invalid request: the URL path {NUL}")),
            ),
            (
                admin(get("/admin/brands?id[]=%00")),
                400,
                invalid(&format!("Invalid request: Value for field 'id' {NUL}")),
            ),
            (
                get("/store/products?q=%00"),
                400,
                invalid(&format!("Invalid request: Value for field 'q' {NUL}")),
            ),
            (
                get("/auth/customer/emailpass?x=%00"),
                400,
                invalid(&format!("Invalid request: Value for field 'x' {NUL}")),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn undecodable_urls_are_400s() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let get = |uri: &str| TestRequest::get().uri(uri);
    let not_utf8 = "is not valid UTF-8 once percent-decoded";
    let malformed = "has a malformed percent-encoding (a '%' must be followed by two hex digits)";
    check(
        &c,
        vec![
            (
                get("/input/echo/abc?q=caf%C3%A9"),
                200,
                json!({"path": "abc", "q": "café", "ids": [], "limit": null, "offset": null}),
            ),
            (
                get("/input/echo/abc?q=%FF"),
                400,
                invalid(&format!("Invalid request: Value for field 'q' {not_utf8}")),
            ),
            (
                get("/input/echo/abc?q=100%"),
                400,
                invalid(&format!("Invalid request: Value for field 'q' {malformed}")),
            ),
            (
                get("/input/echo/abc?q%ZZ=1"),
                400,
                invalid(&format!(
                    "Invalid request: a query parameter name {malformed}"
                )),
            ),
            (
                get("/input/echo/%FF"),
                400,
                invalid(&format!("Invalid request: the URL path {not_utf8}")),
            ),
            (
                get("/input/echo/%C3"),
                400,
                invalid(&format!("Invalid request: the URL path {not_utf8}")),
            ),
            (
                get("/input/echo/%ZZ"),
                400,
                invalid(&format!("Invalid request: the URL path {malformed}")),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_in_a_body_is_a_400_before_postgres() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let form = "application/x-www-form-urlencoded";
    check(
        &c,
        vec![
            (
                json_post(
                    "/input/echo",
                    r#"{"title":"ok","tags":["a"],"metadata":{"k":{"deep":"v"}}}"#,
                ),
                200,
                json!({"echo": {"title": "ok", "tags": ["a"], "metadata": {"k": {"deep": "v"}}}}),
            ),
            (
                json_post("/input/echo", r#"{"title":"a\u0000b"}"#),
                400,
                invalid(&format!("Invalid request: Value for field 'title' {NUL}")),
            ),
            (
                json_post("/input/echo", r#"{"title":"ok","tags":["x","\u0000"]}"#),
                400,
                invalid(&format!("Invalid request: Value for field 'tags, 1' {NUL}")),
            ),
            (
                json_post(
                    "/input/echo",
                    r#"{"title":"ok","metadata":{"k":{"deep":"\u0000"}}}"#,
                ),
                400,
                invalid(&format!(
                    "Invalid request: Value for field 'metadata, k, deep' {NUL}"
                )),
            ),
            (
                json_post("/input/echo", r#"{"title":"ok","metadata":{"\u0000":1}}"#),
                400,
                invalid(&format!("Invalid request: a field name in 'metadata' {NUL}")),
            ),
            // Checked before the body is typed: an unknown field with a NUL.
            (
                json_post("/input/echo", r#"{"title":"ok","x\u0000":1}"#),
                400,
                invalid(&format!("Invalid request: a field name {NUL}")),
            ),
            (
                post("/input/echo", Some(form), "title=a%00b"),
                400,
                invalid(&format!("Invalid request: Value for field 'title' {NUL}")),
            ),
            // A raw NUL byte is not JSON at all.
            (
                json_post("/input/echo", b"{\"title\":\"a\0b\"}".to_vec()),
                400,
                invalid(
                    "Invalid JSON in request body: control character (\\u0000-\\u001F) found while parsing a string at line 1 column 12",
                ),
            ),
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_bodies_are_400s() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let echo = json!({"echo": {"title": "Acme", "tags": ["a", "b"], "metadata": null}});
    let required = invalid("Invalid request: Field 'title' is required");
    check(
        &c,
        vec![
            // Content types.
            (
                post(
                    "/input/echo",
                    Some("application/json; charset=utf-8"),
                    r#"{"title":"Acme","tags":["a","b"]}"#,
                ),
                200,
                echo.clone(),
            ),
            (
                post("/input/echo", None, r#"{"title":"Acme","tags":["a","b"]}"#),
                200,
                echo.clone(),
            ),
            (
                post(
                    "/input/echo",
                    Some("application/x-www-form-urlencoded"),
                    "title=Acme&tags[]=a&tags[]=b",
                ),
                200,
                echo,
            ),
            (
                post("/input/echo", Some("text/plain"), r#"{"title":"Acme"}"#),
                400,
                invalid(
                    "Invalid request: unsupported Content-Type 'text/plain'; send the body as application/json",
                ),
            ),
            (
                post("/input/echo", Some("application/xml"), "<title>Acme</title>"),
                400,
                invalid(
                    "Invalid request: unsupported Content-Type 'application/xml'; send the body as application/json",
                ),
            ),
            // An empty body is `{}`, whatever its type.
            (post("/input/echo", Some("text/plain"), ""), 400, required.clone()),
            (json_post("/input/echo", "  "), 400, required.clone()),
            // Not an object.
            (
                json_post("/input/echo", "[1,2]"),
                400,
                invalid("Invalid request: Expected type: 'object' for the body, got: '[1,2]'"),
            ),
            (
                json_post("/input/echo", "null"),
                400,
                invalid("Invalid request: Expected type: 'object' for the body, got: 'null'"),
            ),
            (
                json_post("/input/echo", r#""Acme""#),
                400,
                invalid("Invalid request: Expected type: 'object' for the body, got: '\"Acme\"'"),
            ),
            (
                json_post("/input/echo", format!("[{}1]", "1,".repeat(100))),
                400,
                invalid(&format!(
                    "Invalid request: Expected type: 'object' for the body, got: '[{}…'",
                    "1,".repeat(30)
                )),
            ),
            // Types and unknown fields.
            (
                json_post("/input/echo", r#"{"title":["a"]}"#),
                400,
                invalid("Invalid request: Expected type: 'string' for field 'title', got: '[\"a\"]'"),
            ),
            (
                json_post("/input/echo", r#"{"title":"a","tags":"x"}"#),
                400,
                invalid("Invalid request: Expected type: 'array' for field 'tags', got: 'x'"),
            ),
            (
                json_post("/input/echo", r#"{"title":"a","nope":1}"#),
                400,
                invalid("Invalid request: Unrecognized fields: 'nope'"),
            ),
            // Syntax.
            (
                json_post("/input/echo", "{bad json"),
                400,
                invalid("Invalid JSON in request body: key must be a string at line 1 column 2"),
            ),
            (
                json_post("/input/echo", r#"{"title":"a"} trailing"#),
                400,
                invalid("Invalid JSON in request body: trailing characters at line 1 column 15"),
            ),
            (
                json_post("/input/echo", b"{\"title\":\"\xff\"}".to_vec()),
                400,
                invalid("Invalid JSON in request body: invalid unicode code point at line 1 column 11"),
            ),
        ],
    )
    .await;
}

/// 10 000 nested arrays: serde_json's recursion limit (128) makes it a 400,
/// for `Body`, `web::Json` and the query string alike.
#[tokio::test(flavor = "multi_thread")]
async fn deep_nesting_is_a_400() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    // Inside a metadata object, which may hold anything.
    let deep = format!(
        r#"{{"title":"a","metadata":{{"k":{}{}}}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let limit_hit =
        invalid("Invalid JSON in request body: recursion limit exceeded at line 1 column 155");
    // 127 levels, counting the body's object, are fine.
    let ok = format!(
        r#"{{"title":"a","metadata":{{"k":{}{}}}}}"#,
        "[".repeat(125),
        "]".repeat(125)
    );
    let (status, _, _) = call(&c, json_post("/input/echo", ok)).await;
    assert_eq!(status, 200);
    check(
        &c,
        vec![
            (
                json_post("/input/echo", deep.clone()),
                400,
                limit_hit.clone(),
            ),
            (json_post("/input/raw", deep), 400, limit_hit),
        ],
    )
    .await;
    let deep_query = format!("/input/echo/abc?q{}=1", "[a]".repeat(10_000));
    let (status, _, body) = call(&c, TestRequest::get().uri(&deep_query)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["type"], "invalid_data", "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_over_the_limit_are_413s() {
    let db = TestDb::new().await.unwrap();
    let mut config = db.config();
    config.http.body_limit = 1024;
    let c = stheno_framework::boot(config, &[], Arc::new(LogEventBus))
        .await
        .unwrap();
    let body = |len: usize| format!(r#"{{"title":"{}"}}"#, "x".repeat(len - 12));
    let too_large = json!({"message": "request entity too large: the limit is 1024 bytes", "type": "unknown_error"});
    let at_limit = json!({"echo": {"title": "x".repeat(1012), "tags": null, "metadata": null}});
    check(
        &c,
        vec![
            (json_post("/input/echo", body(1024)), 200, at_limit),
            (json_post("/input/echo", body(1025)), 413, too_large.clone()),
            (json_post("/input/raw", body(1025)), 413, too_large.clone()),
            (
                post(
                    "/input/echo",
                    Some("application/x-www-form-urlencoded"),
                    format!("title={}", "x".repeat(2000)),
                ),
                413,
                too_large,
            ),
        ],
    )
    .await;

    // The default is 1 MiB, above actix-web's own 256 KiB.
    let c = container(&db).await;
    let (status, _, _) = call(&c, json_post("/input/echo", body(300_000))).await;
    assert_eq!(status, 200);
    check(
        &c,
        vec![(
            json_post("/input/echo", body(1024 * 1024 + 1)),
            413,
            json!({"message": "request entity too large: the limit is 1048576 bytes", "type": "unknown_error"}),
        )],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_list_params_are_400s() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let get = |query: &str| TestRequest::get().uri(&format!("/input/echo/abc?{query}"));
    let number = |field: &str, got: &str| {
        invalid(&format!(
            "Invalid request: Expected type: 'number' for field '{field}', got: '{got}'"
        ))
    };
    check(
        &c,
        vec![
            (
                get("limit=5&offset=10"),
                200,
                json!({"path": "abc", "q": null, "ids": [], "limit": 5, "offset": 10}),
            ),
            (
                get("limit=-1"),
                400,
                invalid("Invalid request: Value for field 'limit' too small, expected at least: '0'"),
            ),
            (
                get("offset=-5"),
                400,
                invalid("Invalid request: Value for field 'offset' too small, expected at least: '0'"),
            ),
            (get("limit=abc"), 400, number("limit", "abc")),
            (get("limit="), 400, number("limit", "")),
            (get("limit=1.5"), 400, number("limit", "1.5")),
            (get("offset=1e99"), 400, number("offset", "1e99")),
            (
                get("offset=99999999999999999999"),
                400,
                number("offset", "99999999999999999999"),
            ),
            (get("limit[]=1"), 400, number("limit", "[\"1\"]")),
            (get("limit[a]=1"), 400, number("limit", "{\"a\":\"1\"}")),
            (
                get("order[]=title"),
                400,
                invalid("Invalid request: Expected type: 'string' for field 'order', got: '[\"title\"]'"),
            ),
            (
                get("fields[a]=b"),
                400,
                invalid("Invalid request: Expected type: 'string' for field 'fields', got: '{\"a\":\"b\"}'"),
            ),
            (
                get("with_deleted=maybe"),
                400,
                invalid("Invalid request: Expected type: 'boolean' for field 'with_deleted', got: 'maybe'"),
            ),
            (get("nope=1"), 400, invalid("Invalid request: Unrecognized fields: 'nope'")),
        ],
    )
    .await;
    // Odd `fields` and `order` values never fail the request.
    for query in [
        "fields=",
        "fields=,,,",
        "fields=%2B",
        "fields=-",
        "fields=*",
        "fields=*nope.deeper",
        "order=",
        "order=-",
    ] {
        let (status, _, body) = call(
            &c,
            admin(TestRequest::get().uri(&format!("/admin/brands?{query}"))),
        )
        .await;
        assert_eq!(status, 200, "{query}: {body}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn actix_errors_answer_in_medusas_format() {
    let db = TestDb::new().await.unwrap();
    let c = container(&db).await;
    let get = |uri: &str| TestRequest::get().uri(uri);
    check(
        &c,
        vec![
            (get("/input/typed/7"), 200, json!({"n": 7})),
            (
                get("/input/typed/abc"),
                400,
                invalid("Invalid request: Path deserialize error: can not parse \"abc\" to a i64"),
            ),
            (get("/input/query?n=7"), 200, json!({"n": 7})),
            (
                get("/input/query?n=abc"),
                400,
                invalid("Invalid request: Query deserialize error: invalid digit found in string"),
            ),
            (
                get("/input/query"),
                400,
                invalid("Invalid request: Query deserialize error: missing field `n`"),
            ),
            (
                json_post("/input/raw", r#"{"title":1}"#),
                400,
                invalid(
                    "Invalid request: invalid type: integer `1`, expected a string at line 1 column 10",
                ),
            ),
            (
                json_post("/input/raw", "{bad"),
                400,
                invalid("Invalid JSON in request body: key must be a string at line 1 column 2"),
            ),
            (
                post("/input/raw", Some("text/plain"), r#"{"title":"a"}"#),
                400,
                invalid(
                    "Invalid request: unsupported Content-Type; send the body as application/json",
                ),
            ),
            // A handler's plain-text actix error keeps its status.
            (
                get("/input/actix-error/403"),
                403,
                json!({"message": "nope, SELECT secret", "type": "forbidden"}),
            ),
            (
                get("/input/actix-error/422"),
                422,
                json!({"message": "nope, SELECT secret", "type": "unknown_error"}),
            ),
            (
                get("/input/actix-error/500"),
                500,
                json!({"message": "An unknown error occurred.", "type": "unknown_error"}),
            ),
            // A path served for other methods only: Express's 404, not an empty 405.
            (
                TestRequest::delete().uri("/input/echo/abc"),
                404,
                json!("Cannot DELETE /input/echo/abc"),
            ),
            (
                TestRequest::put().uri("/input/echo"),
                404,
                json!("Cannot PUT /input/echo"),
            ),
        ],
    )
    .await;
    // actix-cors refusing a preflight from an origin off the list.
    let (status, headers, body) = call(
        &c,
        TestRequest::default()
            .method(actix_web::http::Method::OPTIONS)
            .uri("/store/ping")
            .insert_header(("origin", "http://evil.example"))
            .insert_header(("access-control-request-method", "GET")),
    )
    .await;
    assert_eq!(
        (status.as_u16(), body),
        (
            400,
            json!({"message": "Origin is not allowed to make this request", "type": "invalid_data"})
        ),
        "{headers:?}"
    );
    let (_, headers, _) = call(&c, get("/input/actix-error/403")).await;
    assert_eq!(headers.get("content-type").unwrap(), "application/json");
}
