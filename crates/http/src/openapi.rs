//! The OpenAPI 3.1 document of every registered route, built from the
//! routes themselves.
//!
//! A route is added to a [`RouteSet`] with a [`Doc`]: what it reads (path
//! parameters are taken from the path, query parameters and body as
//! schemas) and what it answers. The same call mounts the handler on the
//! server and describes it, so the document cannot list a route the server
//! does not have, nor miss one it has. [`document`] runs every registered
//! [`Routes`] set in "describe" mode and assembles the document; the server
//! serves it at `GET /openapi.json` (everything), `/openapi/store.json`,
//! `/openapi/admin.json` and `/openapi/auth.json`.
//!
//! Schemas of generated entities come from their metadata
//! ([`entity_schema`]): a component per entity, relations as references,
//! every property optional (Medusa's `fields` selects them). Request bodies
//! and query parameters of generated routes come from the same metadata
//! ([`create_body`], [`update_body`], [`list_params`]). Hand-written inputs
//! derive [`utoipa::ToSchema`] and are added with [`Doc::body_of`].
//!
//! Security schemes: `jwt_token` (a bearer JWT), `cookie_auth` (the
//! `connect.sid` session cookie), `api_token` (a secret API key as Basic
//! auth's user name) and `publishable_key` (`x-publishable-api-key`).
//! Admin routes need one of the first three; store routes take an optional
//! customer token.

use std::collections::BTreeMap;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use stheno_module_sdk::entity::EntityMeta;
pub use utoipa;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, Content, Info, OpenApi, Paths, RefOr, Required, Schema, Tag};

pub use crate::doc::*;
use crate::routes::Namespace;
pub use crate::routes::{RouteDoc, RouteSet, describe};

fn security_schemes() -> Vec<(&'static str, SecurityScheme)> {
    let mut bearer = Http::new(HttpAuthScheme::Bearer);
    bearer.bearer_format = Some("JWT".into());
    bearer.description =
        Some("A token from `POST /auth/{actor}/{provider}` (`Authorization: Bearer …`).".into());
    vec![
        ("jwt_token", SecurityScheme::Http(bearer)),
        (
            "cookie_auth",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "connect.sid",
                "The session cookie `POST /auth/session` sets.",
            ))),
        ),
        (
            "api_token",
            SecurityScheme::Http({
                let mut basic = Http::new(HttpAuthScheme::Basic);
                basic.description =
                    Some("A secret API key (`sk_…`) as Basic auth's user name.".into());
                basic
            }),
        ),
        (
            "publishable_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "x-publishable-api-key",
                "A publishable API key (`pk_…`) scoping the storefront to its sales channels.",
            ))),
        ),
    ]
}

fn security_for(route: &RouteDoc) -> Option<Vec<SecurityRequirement>> {
    let none: [&str; 0] = [];
    if let Some(schemes) = &route.doc.requires {
        return Some(
            schemes
                .iter()
                .map(|s| SecurityRequirement::new(*s, none))
                .collect(),
        );
    }
    match route.namespace {
        Namespace::Admin if !route.doc.public => Some(vec![
            SecurityRequirement::new("jwt_token", none),
            SecurityRequirement::new("cookie_auth", none),
            SecurityRequirement::new("api_token", none),
        ]),
        // A customer is optional: routes needing one answer 401 without.
        Namespace::Store => Some(vec![
            SecurityRequirement::default(),
            SecurityRequirement::new("jwt_token", none),
            SecurityRequirement::new("cookie_auth", none),
        ]),
        _ => None,
    }
}

fn error_schema() -> Value {
    json!({
        "type": "object",
        "description": "Medusa's error body.",
        "properties": {
            "type": { "type": "string" },
            "message": { "type": "string" },
            "code": { "type": "string" },
        },
        "required": ["message"],
    })
}

fn path_params(path: &str) -> Vec<Parameter> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let mut p = Parameter::new(name);
            p.parameter_in = ParameterIn::Path;
            p.required = Required::True;
            p.schema = Some(schema(json!({"type": "string", "minLength": 1})));
            p
        })
        .collect()
}

fn json_content(schema: RefOr<Schema>) -> Content {
    Content::new(Some(schema))
}

fn operation(route: &RouteDoc) -> Operation {
    let doc = &route.doc;
    let mut op = Operation::new();
    op.summary = Some(doc.summary.clone());
    op.operation_id = Some(operation_id(route));
    op.tags = doc.tag.clone().map(|t| vec![t]);
    let mut params = path_params(&route.path);
    params.extend(doc.query.iter().cloned());
    if !params.is_empty() {
        op.parameters = Some(params);
    }
    if let Some((schema, required)) = &doc.body {
        let mut body = RequestBody::new();
        body.content
            .insert("application/json".into(), json_content(schema.clone()));
        body.required = Some(if *required {
            Required::True
        } else {
            Required::False
        });
        op.request_body = Some(body);
    }
    let error = || {
        let mut r = Response::new("Error");
        r.content.insert(
            "application/json".into(),
            json_content(schema(reference("Error"))),
        );
        RefOr::T(r)
    };
    for (status, description, schema) in &doc.responses {
        let mut r = Response::new(description.clone());
        if let Some(schema) = schema {
            r.content
                .insert("application/json".into(), json_content(schema.clone()));
        }
        op.responses
            .responses
            .insert(status.to_string(), RefOr::T(r));
    }
    // The errors any route of the namespace may answer: bad input, no or
    // a stale actor (a deleted user's token is a 404 on `/me`), unknown
    // ids; writes may conflict or duplicate a unique value; bodies have a
    // size limit; the auth routes are rate-limited.
    let mut errors = vec![400];
    if route.namespace != Namespace::Root {
        errors.extend([401, 404]);
        if route.method != Method::GET {
            errors.extend([409, 422]);
        }
    } else if route.path.contains('{') {
        errors.push(404);
    }
    if doc.body.is_some() {
        errors.push(413);
    }
    if route.namespace == Namespace::Auth {
        errors.push(429);
    }
    for status in errors {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(error);
    }
    op.security = security_for(route);
    op
}

fn operation_id(route: &RouteDoc) -> String {
    let mut id = route.method.as_str().to_lowercase();
    for part in route.path.split('/').filter(|p| !p.is_empty()) {
        let part = part.trim_start_matches('{').trim_end_matches('}');
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars.map(|c| if c == '-' { '_' } else { c }));
        }
    }
    id
}

fn http_method(m: &Method) -> HttpMethod {
    match *m {
        Method::POST => HttpMethod::Post,
        Method::DELETE => HttpMethod::Delete,
        Method::PUT => HttpMethod::Put,
        Method::PATCH => HttpMethod::Patch,
        _ => HttpMethod::Get,
    }
}

fn add_components(meta: &'static EntityMeta, out: &mut BTreeMap<String, RefOr<Schema>>) {
    if out.contains_key(meta.entity) {
        return;
    }
    out.insert(meta.entity.to_string(), entity_schema(meta));
    for rel in meta.relations {
        add_components((rel.target)(), out);
    }
}

/// The OpenAPI document of `routes`, only those of `namespace` when given.
pub fn document(routes: &[RouteDoc], namespace: Option<Namespace>) -> OpenApi {
    let mut paths = Paths::new();
    let mut schemas: BTreeMap<String, RefOr<Schema>> = BTreeMap::new();
    schemas.insert("Error".into(), schema(error_schema()));
    let mut tags: Vec<String> = Vec::new();
    for route in routes
        .iter()
        .filter(|r| namespace.is_none_or(|ns| r.namespace == ns))
    {
        for meta in &route.doc.components {
            add_components(meta, &mut schemas);
        }
        for (name, schema) in &route.doc.schemas {
            schemas
                .entry(name.clone())
                .or_insert_with(|| schema.clone());
        }
        if let Some(tag) = &route.doc.tag
            && !tags.contains(tag)
        {
            tags.push(tag.clone());
        }
        let item = PathItem::new(http_method(&route.method), operation(route));
        match paths.paths.get_mut(&route.path) {
            Some(existing) => existing.merge_operations(item),
            None => {
                paths.paths.insert(route.path.clone(), item);
            }
        }
    }
    let mut components = Components::new();
    components.schemas = schemas.into_iter().collect();
    for (name, scheme) in security_schemes() {
        components.security_schemes.insert(name.into(), scheme);
    }
    let title = match namespace {
        None => "Stheno API",
        Some(Namespace::Store) => "Stheno Store API",
        Some(Namespace::Admin) => "Stheno Admin API",
        Some(Namespace::Auth) => "Stheno Auth API",
        Some(Namespace::Root) => "Stheno API (root routes)",
    };
    let mut api = OpenApi::new(Info::new(title, env!("CARGO_PKG_VERSION")), paths);
    api.components = Some(components);
    api.tags = Some(tags.into_iter().map(Tag::new).collect());
    api
}

/// The documents the server serves, built once from the app's routes.
pub struct Documents {
    routes: Vec<RouteDoc>,
    cache: std::sync::OnceLock<BTreeMap<&'static str, String>>,
}

impl Documents {
    pub fn new(routes: Vec<RouteDoc>) -> Self {
        Self {
            routes,
            cache: std::sync::OnceLock::new(),
        }
    }

    fn json(&self, which: &str) -> Option<&str> {
        let cache = self.cache.get_or_init(|| {
            let render = |ns| {
                document(&self.routes, ns)
                    .to_json()
                    .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
            };
            BTreeMap::from([
                ("all", render(None)),
                ("store", render(Some(Namespace::Store))),
                ("admin", render(Some(Namespace::Admin))),
                ("auth", render(Some(Namespace::Auth))),
            ])
        });
        cache.get(which).map(String::as_str)
    }
}

async fn serve_document(
    docs: web::Data<Documents>,
    which: Option<web::Path<String>>,
) -> HttpResponse {
    let key = match which.as_deref().map(String::as_str) {
        None => "all",
        Some(name) => name.strip_suffix(".json").unwrap_or(name),
    };
    match docs.json(key) {
        Some(body) => HttpResponse::Ok()
            .content_type("application/json")
            .body(body.to_string()),
        None => actix_web::ResponseError::error_response(&crate::error::ApiError::from(
            stheno_module_sdk::Error::not_found(format!(
                "No OpenAPI document `{key}`: try store, admin or auth"
            )),
        )),
    }
}

pub(crate) async fn serve_all(docs: web::Data<Documents>) -> HttpResponse {
    serve_document(docs, None).await
}

pub(crate) async fn serve_one(
    docs: web::Data<Documents>,
    which: web::Path<String>,
) -> HttpResponse {
    serve_document(docs, Some(which)).await
}
