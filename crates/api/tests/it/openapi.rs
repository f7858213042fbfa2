//! The OpenAPI document against the server it describes: every operation
//! in `/openapi.json` is served (no Express 404), every route the app
//! registers is in it, and the document has the shape of OpenAPI 3.1.

use std::collections::BTreeSet;

use actix_web::http::Method;
use serde_json::Value;
use stheno::testing::TestApp;

const METHODS: [&str; 3] = ["get", "post", "delete"];

/// `(method, path)` of every operation in `doc`.
fn operations(doc: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                out.insert((method.to_string(), path.clone()));
            }
        }
    }
    out
}

/// `path` with every `{param}` replaced by a value no row has.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| {
            if s.starts_with('{') {
                match s {
                    "{actor}" => "customer",
                    "{provider}" => "emailpass",
                    "{document}" => "store.json",
                    _ => "drift_probe",
                }
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[actix_web::test]
async fn every_operation_in_the_document_is_served() {
    let app = TestApp::new().await.unwrap();
    let res = app.get("/openapi.json").await;
    assert_eq!(res.status, 200, "{}", res.body);
    let ops = operations(&res.body);
    assert!(ops.len() > 80, "only {} operations", ops.len());
    for (method, path) in &ops {
        let uri = concrete(path);
        let status = if path.ends_with("/subscribe") {
            // An event stream never ends: only its status is read.
            app.admin_stream(&uri).await.status
        } else {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = (method == Method::POST).then(|| serde_json::json!({}));
            let res = app.request(method.clone(), &uri, body, true).await;
            let express = format!("Cannot {method} ");
            assert!(
                !res.body.as_str().is_some_and(|t| t.starts_with(&express)),
                "{method} {path} is in the document but not served: {}",
                res.body
            );
            res.status
        };
        assert!(status < 500, "{method} {path} answered {status}");
    }
}

#[actix_web::test]
async fn every_registered_route_is_in_the_document() {
    let app = TestApp::new().await.unwrap();
    let doc = app.get("/openapi.json").await.body;
    let ops = operations(&doc);
    let routes = stheno_http::server::app_routes(&app.container, &[]);
    let registered: BTreeSet<(String, String)> = stheno_http::openapi::describe(&routes)
        .into_iter()
        .map(|r| (r.method.as_str().to_lowercase(), r.path))
        .collect();
    assert_eq!(registered, ops);
    for route in [
        ("get", "/store/products"),
        ("post", "/admin/products/{id}/variants/batch"),
        ("post", "/auth/{actor}/{provider}"),
        ("get", "/admin/workflows-executions/{workflow_id}/subscribe"),
        ("get", "/openapi.json"),
        ("get", "/health"),
    ] {
        assert!(
            ops.contains(&(route.0.to_string(), route.1.to_string())),
            "{route:?} is missing"
        );
    }
}

#[actix_web::test]
async fn the_documents_are_openapi_3_1_with_security_schemes() {
    let app = TestApp::new().await.unwrap();
    let all = app.get("/openapi.json").await.body;
    assert_eq!(all["openapi"], "3.1.0");
    assert!(all["info"]["title"].is_string());
    let schemes = &all["components"]["securitySchemes"];
    assert_eq!(schemes["jwt_token"]["scheme"], "bearer");
    assert_eq!(schemes["cookie_auth"]["in"], "cookie");
    assert_eq!(schemes["publishable_key"]["name"], "x-publishable-api-key");
    assert_eq!(schemes["api_token"]["scheme"], "basic");

    // Every reference resolves to a component.
    let schemas = all["components"]["schemas"].as_object().unwrap();
    let mut refs = Vec::new();
    collect_refs(&all, &mut refs);
    assert!(!refs.is_empty());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").expect("local ref");
        assert!(schemas.contains_key(name), "dangling $ref {r}");
    }

    // Path parameters are declared, and required.
    for (path, item) in all["paths"].as_object().unwrap() {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            assert!(op["operationId"].is_string(), "{method} {path}");
            assert!(
                op["responses"]["200"].is_object() || op["responses"]["201"].is_object(),
                "{method} {path}"
            );
            let declared: BTreeSet<&str> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .inspect(|p| assert_eq!(p["required"], true))
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            let in_path: BTreeSet<&str> = path
                .split('/')
                .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            assert_eq!(declared, in_path, "{method} {path}");
            let mut seen = BTreeSet::new();
            for p in op["parameters"].as_array().into_iter().flatten() {
                let key = (p["name"].to_string(), p["in"].to_string());
                assert!(
                    seen.insert(key),
                    "{method} {path}: parameter {} twice",
                    p["name"]
                );
            }
        }
    }

    // Admin routes need authentication, store routes do not.
    let admin = &all["paths"]["/admin/products"]["get"]["security"];
    assert!(
        admin
            .as_array()
            .unwrap()
            .iter()
            .all(|r| !r.as_object().unwrap().is_empty())
    );
    let store = &all["paths"]["/store/products"]["get"]["security"];
    assert!(
        store
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_object().unwrap().is_empty())
    );

    // The namespace documents hold their namespace only.
    for (name, prefix) in [
        ("store", "/store/"),
        ("admin", "/admin/"),
        ("auth", "/auth/"),
    ] {
        let res = app.get(&format!("/openapi/{name}.json")).await;
        assert_eq!(res.status, 200);
        let paths = res.body["paths"].as_object().unwrap();
        assert!(!paths.is_empty());
        assert!(
            paths.keys().all(|p| p.starts_with(prefix)),
            "{name}: {:?}",
            paths.keys()
        );
    }
    let res = app.get("/openapi/nope.json").await;
    assert_eq!(res.status, 404);
    assert_eq!(res.body["type"], "not_found");
}

#[actix_web::test]
async fn generated_entities_are_described_from_their_metadata() {
    let app = TestApp::new().await.unwrap();
    let all = app.get("/openapi.json").await.body;
    let tag = &all["components"]["schemas"]["product_tag"]["properties"];
    assert_eq!(tag["value"]["type"], "string");
    assert_eq!(
        tag["metadata"]["type"],
        serde_json::json!(["object", "null"])
    );
    assert_eq!(tag["deleted_at"]["format"], "date-time");
    let product = &all["components"]["schemas"]["product"]["properties"];
    assert_eq!(
        product["variants"]["items"]["$ref"],
        "#/components/schemas/product_variant"
    );
    assert_eq!(product["is_giftcard"]["type"], "boolean");

    let create = &all["paths"]["/admin/product-tags"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert_eq!(create["required"], serde_json::json!(["value"]));
    assert_eq!(create["additionalProperties"], false);
    let list = &all["paths"]["/admin/product-tags"]["get"];
    let names: Vec<&str> = list["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for n in [
        "fields",
        "limit",
        "offset",
        "order",
        "q",
        "with_deleted",
        "value",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let page = &list["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(
        page["properties"]["product_tags"]["items"]["$ref"],
        "#/components/schemas/product_tag"
    );
}

#[actix_web::test]
async fn hand_written_bodies_are_described_by_their_types() {
    let app = TestApp::new().await.unwrap();
    let all = app.get("/openapi.json").await.body;
    let body = |method: &str, path: &str| {
        all["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"].clone()
    };
    let create = body("post", "/admin/products");
    assert_eq!(create["required"], serde_json::json!(["title"]));
    assert_eq!(create["additionalProperties"], false);
    assert_eq!(
        create["properties"]["variants"]["items"]["$ref"],
        "#/components/schemas/CreateVariantInput"
    );
    let variant = &all["components"]["schemas"]["CreateVariantInput"];
    assert!(variant["properties"]["options"].is_object(), "{variant}");
    let status = &all["components"]["schemas"]["ProductStatus"];
    assert_eq!(
        status["enum"],
        serde_json::json!(["draft", "proposed", "published", "rejected"])
    );
    let address = body("post", "/store/customers/me/addresses");
    assert!(address["properties"]["address_1"].is_object(), "{address}");
    let batch = body("post", "/admin/products/{id}/options/batch");
    assert!(batch["properties"]["add"].is_object(), "{batch}");
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref" {
                    if let Some(s) = v.as_str() {
                        out.push(s.to_string());
                    }
                } else {
                    collect_refs(v, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}
