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
use actix_web::web::{self, ServiceConfig};
use actix_web::{FromRequest, Handler, HttpResponse, Responder};
use serde_json::{Value, json};
use stheno_module_sdk::entity::{ColumnType, EntityMeta, RelationKind};
pub use utoipa;
use utoipa::openapi::path::{HttpMethod, Operation, Parameter, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{Components, Content, Info, OpenApi, Paths, RefOr, Required, Schema, Tag};

use crate::routes::{Namespace, Routes};

/// A schema written as JSON Schema (OpenAPI 3.1 dialect).
pub fn schema(value: Value) -> RefOr<Schema> {
    serde_json::from_value(value).unwrap_or_else(|e| panic!("invalid schema: {e}"))
}

/// A reference to the component schema named `name`.
pub fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// What one route reads and answers.
#[derive(Clone)]
pub struct Doc {
    summary: String,
    tag: Option<String>,
    query: Vec<Parameter>,
    body: Option<(RefOr<Schema>, bool)>,
    responses: Vec<(u16, String, Option<RefOr<Schema>>)>,
    components: Vec<&'static EntityMeta>,
    /// Named schemas the body's schema refers to (`ToSchema::schemas`).
    schemas: Vec<(String, RefOr<Schema>)>,
    public: bool,
    requires: Option<Vec<&'static str>>,
}

impl Doc {
    /// A route doing `summary` ("List products").
    pub fn new(summary: impl Into<String>) -> Self {
        Self {
            summary: summary.into(),
            tag: None,
            query: Vec::new(),
            body: None,
            responses: Vec::new(),
            components: Vec::new(),
            schemas: Vec::new(),
            public: false,
            requires: None,
        }
    }

    /// Group the route under `tag` (`Products`).
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.tag = Some(tag.into());
        self
    }

    /// A query parameter.
    pub fn query(mut self, name: &str, schema_value: Value, description: &str) -> Self {
        self.query
            .push(query_param(name, schema_value, description));
        self
    }

    /// Several query parameters (see [`list_params`]).
    pub fn queries(mut self, params: impl IntoIterator<Item = Parameter>) -> Self {
        self.query.extend(params);
        self
    }

    /// The query parameters of `T` (deriving `utoipa::IntoParams`).
    pub fn params<T: utoipa::IntoParams>(mut self) -> Self {
        self.query
            .extend(T::into_params(|| Some(ParameterIn::Query)));
        self
    }

    /// `fields`, the relations and columns to return.
    pub fn fields(self) -> Self {
        self.query(
            "fields",
            json!({"type": "string"}),
            "Columns and relations to return: `title,*variants`, `+metadata`, `-id`.",
        )
    }

    /// A required JSON body.
    pub fn body(mut self, schema: RefOr<Schema>) -> Self {
        self.body = Some((schema, true));
        self
    }

    /// A required JSON body of type `T` (deriving `utoipa::ToSchema`), with
    /// the named schemas it refers to.
    pub fn body_of<T: utoipa::ToSchema>(mut self) -> Self {
        T::schemas(&mut self.schemas);
        self.body(T::schema())
    }

    /// An optional JSON body of type `T`.
    pub fn optional_body_of<T: utoipa::ToSchema>(mut self) -> Self {
        T::schemas(&mut self.schemas);
        self.optional_body(T::schema())
    }

    /// An optional JSON body.
    pub fn optional_body(mut self, schema: RefOr<Schema>) -> Self {
        self.body = Some((schema, false));
        self
    }

    /// A response with a JSON body.
    pub fn response(mut self, status: u16, description: &str, schema: RefOr<Schema>) -> Self {
        self.responses
            .push((status, description.to_string(), Some(schema)));
        self
    }

    /// A response without body.
    pub fn empty_response(mut self, status: u16, description: &str) -> Self {
        self.responses.push((status, description.to_string(), None));
        self
    }

    /// `200 {<key>: <entity>}`.
    pub fn record(self, key: &str, meta: &'static EntityMeta) -> Self {
        self.uses(meta).response(
            200,
            "OK",
            schema(json!({
                "type": "object",
                "properties": { key: reference(meta.entity) },
                "required": [key],
            })),
        )
    }

    /// `200 {<plural>: [<entity>], count, offset, limit}`.
    pub fn page(self, plural: &str, meta: &'static EntityMeta) -> Self {
        self.uses(meta)
            .response(200, "OK", page_schema(plural, reference(meta.entity)))
    }

    /// `200 {id, object, deleted: true}`.
    pub fn deleted(self) -> Self {
        self.response(200, "Deleted", deleted_schema())
    }

    /// Register the component schema of `meta` and the entities its
    /// relations reach.
    pub fn uses(mut self, meta: &'static EntityMeta) -> Self {
        self.components.push(meta);
        self
    }

    /// The route needs one of these security schemes (`jwt_token`), whatever
    /// its namespace.
    pub fn requires(mut self, schemes: &[&'static str]) -> Self {
        self.requires = Some(schemes.to_vec());
        self
    }

    /// The route needs no authentication, even in `/admin`
    /// (`POST /admin/invites/accept`).
    pub fn public(mut self) -> Self {
        self.public = true;
        self
    }
}

/// Any JSON object (a body or an answer not described further yet).
pub fn any_object() -> RefOr<Schema> {
    schema(json!({"type": "object"}))
}

/// `{token}`: what the auth routes answer.
pub fn token_schema() -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": { "token": { "type": "string" }, "location": { "type": "string" } },
    }))
}

/// `fields`, `limit`, `offset` and `order` of a hand-written list route
/// (its filters come with [`Doc::params`]).
pub fn list_basics() -> Vec<Parameter> {
    vec![
        query_param(
            "fields",
            json!({"type": "string"}),
            "Columns and relations to return.",
        ),
        query_param(
            "limit",
            json!({"type": "integer", "minimum": 0}),
            "Page size.",
        ),
        query_param(
            "offset",
            json!({"type": "integer", "minimum": 0}),
            "Rows to skip.",
        ),
        query_param(
            "order",
            json!({"type": "string"}),
            "Sort column, `-column` for descending.",
        ),
    ]
}

/// `{<plural>: [item], count, offset, limit}`.
pub fn page_schema(plural: &str, item: Value) -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            plural: { "type": "array", "items": item },
            "count": { "type": "integer" },
            "offset": { "type": "integer" },
            "limit": { "type": "integer" },
        },
        "required": [plural, "count", "offset", "limit"],
    }))
}

/// `{created: [item], updated: [item], deleted: {ids, object, deleted}}`:
/// what Medusa's batch routes answer.
pub fn batch_schema(item: Value) -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            "created": { "type": "array", "items": item.clone() },
            "updated": { "type": "array", "items": item },
            "deleted": {
                "type": "object",
                "properties": {
                    "ids": { "type": "array", "items": { "type": "string" } },
                    "object": { "type": "string" },
                    "deleted": { "type": "boolean" },
                },
                "required": ["ids", "object", "deleted"],
            },
        },
        "required": ["created", "updated", "deleted"],
    }))
}

/// `{id, object, deleted: true, parent}`: a nested delete, answered with
/// the parent record.
pub fn deleted_with_parent_schema(parent: Value) -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            "id": { "type": "string" },
            "object": { "type": "string" },
            "deleted": { "type": "boolean" },
            "parent": parent,
        },
        "required": ["id", "object", "deleted", "parent"],
    }))
}

/// Medusa's delete answer.
pub fn deleted_schema() -> RefOr<Schema> {
    schema(json!({
        "type": "object",
        "properties": {
            "id": { "type": "string" },
            "object": { "type": "string" },
            "deleted": { "type": "boolean" },
        },
        "required": ["id", "object", "deleted"],
    }))
}

fn query_param(name: &str, schema_value: Value, description: &str) -> Parameter {
    let mut p = Parameter::new(name);
    p.parameter_in = ParameterIn::Query;
    p.required = Required::False;
    p.schema = Some(schema(schema_value));
    if !description.is_empty() {
        p.description = Some(description.to_string());
    }
    p
}

/// The JSON Schema of a column's values as they are answered.
fn column_schema(name: &str, ty: ColumnType, nullable: bool) -> Value {
    let base = match ty {
        ColumnType::Text => json!("string"),
        ColumnType::Boolean => json!("boolean"),
        ColumnType::Integer | ColumnType::BigInt => json!("integer"),
        ColumnType::Real | ColumnType::Double => json!("number"),
        // Exact decimals are answered as numbers or, for big ones, strings.
        ColumnType::Numeric => json!(["number", "string"]),
        ColumnType::Timestamptz => json!("string"),
        ColumnType::Jsonb if name == "metadata" => json!("object"),
        ColumnType::Jsonb => return json!({}),
    };
    let types = match (base, nullable) {
        (Value::String(t), true) => json!([t, "null"]),
        (Value::Array(mut ts), true) => {
            ts.push(json!("null"));
            Value::Array(ts)
        }
        (t, _) => t,
    };
    let mut s = json!({ "type": types });
    if ty == ColumnType::Timestamptz {
        s["format"] = json!("date-time");
    }
    s
}

/// The component schema of a generated entity's records: every column
/// (optional: `fields` chooses), relations as references, other keys
/// (links, computed fields) allowed.
pub fn entity_schema(meta: &EntityMeta) -> RefOr<Schema> {
    let mut properties = serde_json::Map::new();
    properties.insert("id".into(), json!({"type": "string"}));
    for c in meta.columns {
        properties.insert(c.name.into(), column_schema(c.name, c.ty, c.nullable));
    }
    properties.insert(
        "created_at".into(),
        json!({"type": "string", "format": "date-time"}),
    );
    properties.insert(
        "updated_at".into(),
        json!({"type": "string", "format": "date-time"}),
    );
    if meta.soft_delete {
        properties.insert(
            "deleted_at".into(),
            json!({"type": ["string", "null"], "format": "date-time"}),
        );
    }
    for rel in meta.relations {
        let target = (rel.target)();
        let value = match rel.kind {
            RelationKind::BelongsTo { .. } => {
                json!({ "oneOf": [reference(target.entity), {"type": "null"}] })
            }
            _ => json!({ "type": "array", "items": reference(target.entity) }),
        };
        properties.insert(rel.name.into(), value);
    }
    schema(json!({
        "type": "object",
        "description": format!("{} (`{}_…`)", meta.words, meta.prefix),
        "properties": properties,
    }))
}

/// The body creating one `meta`: its columns, required where there is no
/// default; nothing else.
pub fn create_body(meta: &EntityMeta) -> RefOr<Schema> {
    let mut properties = serde_json::Map::new();
    let mut required = Vec::new();
    for c in meta.columns {
        properties.insert(c.name.into(), column_schema(c.name, c.ty, c.nullable));
        if !c.nullable && !c.has_default {
            required.push(c.name);
        }
    }
    schema(json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    }))
}

/// The body updating one `meta`: any of its mutable columns; `null`
/// clears a nullable one.
pub fn update_body(meta: &EntityMeta) -> RefOr<Schema> {
    let mut properties = serde_json::Map::new();
    for c in meta.columns.iter().filter(|c| !c.immutable) {
        properties.insert(c.name.into(), column_schema(c.name, c.ty, c.nullable));
    }
    schema(json!({
        "type": "object",
        "properties": properties,
        "additionalProperties": false,
    }))
}

/// Query parameters of a generated list route: paging, `order`, `q` where
/// the entity is searchable, `with_deleted` where it soft-deletes, and an
/// equality filter per text, boolean and number column.
pub fn list_params(meta: &EntityMeta, admin: bool) -> Vec<Parameter> {
    let mut out = list_basics();
    if !meta.searchable.is_empty() {
        out.push(query_param("q", json!({"type": "string"}), "Search text."));
    }
    if admin && meta.soft_delete {
        out.push(query_param(
            "with_deleted",
            json!({"type": "boolean"}),
            "Include soft-deleted rows.",
        ));
    }
    out.push(query_param(
        "id",
        json!({"type": "string"}),
        "Filter by id.",
    ));
    for c in meta.columns {
        let ty = match c.ty {
            ColumnType::Text => "string",
            ColumnType::Boolean => "boolean",
            ColumnType::Integer | ColumnType::BigInt => "integer",
            _ => continue,
        };
        out.push(query_param(c.name, json!({"type": ty}), ""));
    }
    out
}

/// One documented route.
#[derive(Clone)]
pub struct RouteDoc {
    pub namespace: Namespace,
    pub method: Method,
    /// The full path (`/admin/products/{id}`).
    pub path: String,
    pub doc: Doc,
}

/// Where a [`Routes`] set adds its routes: each one mounted on the server
/// and described in the OpenAPI document by the same call.
pub struct RouteSet<'a> {
    namespace: Namespace,
    cfg: Option<&'a mut ServiceConfig>,
    docs: Vec<RouteDoc>,
}

impl<'a> RouteSet<'a> {
    /// Routes mounted on `cfg` (a namespace's scope).
    pub fn mount(namespace: Namespace, cfg: &'a mut ServiceConfig) -> Self {
        Self {
            namespace,
            cfg: Some(cfg),
            docs: Vec::new(),
        }
    }

    /// Routes only described, for the document.
    pub fn describe(namespace: Namespace) -> RouteSet<'static> {
        RouteSet {
            namespace,
            cfg: None,
            docs: Vec::new(),
        }
    }

    /// The namespace the routes are added to.
    pub fn namespace(&self) -> Namespace {
        self.namespace
    }

    /// The routes added so far.
    pub fn into_docs(self) -> Vec<RouteDoc> {
        self.docs
    }

    /// `GET path`.
    pub fn get<F, Args>(&mut self, path: &str, handler: F, doc: Doc) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::GET, path, web::get().to(handler), doc)
    }

    /// `POST path`.
    pub fn post<F, Args>(&mut self, path: &str, handler: F, doc: Doc) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::POST, path, web::post().to(handler), doc)
    }

    /// `DELETE path`.
    pub fn delete<F, Args>(&mut self, path: &str, handler: F, doc: Doc) -> &mut Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.add(Method::DELETE, path, web::delete().to(handler), doc)
    }

    fn add(&mut self, method: Method, path: &str, route: actix_web::Route, doc: Doc) -> &mut Self {
        if let Some(cfg) = self.cfg.as_deref_mut() {
            cfg.route(path, route);
        }
        self.docs.push(RouteDoc {
            namespace: self.namespace,
            method,
            path: format!("{}{path}", self.namespace.prefix()),
            doc,
        });
        self
    }
}

/// Every route of `routes`, described. When two sets add the same method
/// and path, the first one serves it (actix-web matches in registration
/// order), so only the first is described.
pub fn describe(routes: &[Routes]) -> Vec<RouteDoc> {
    let mut out: Vec<RouteDoc> = Vec::new();
    for r in routes {
        let mut set = RouteSet::describe(r.namespace);
        (r.configure)(&mut set);
        for doc in set.into_docs() {
            if !out
                .iter()
                .any(|o| o.method == doc.method && o.path == doc.path)
            {
                out.push(doc);
            }
        }
    }
    out
}

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

async fn serve_all(docs: web::Data<Documents>) -> HttpResponse {
    serve_document(docs, None).await
}

async fn serve_one(docs: web::Data<Documents>, which: web::Path<String>) -> HttpResponse {
    serve_document(docs, Some(which)).await
}

/// The documents' own routes and `/health` (namespace root).
pub(crate) fn root_routes(r: &mut RouteSet) {
    r.get(
        "/health",
        crate::server::health,
        Doc::new("Health check")
            .tag("Health")
            .empty_response(200, "The server is up"),
    )
    .get(
        "/openapi.json",
        serve_all,
        Doc::new("This OpenAPI document, every route")
            .tag("OpenAPI")
            .response(
                200,
                "An OpenAPI 3.1 document",
                schema(json!({"type": "object"})),
            ),
    )
    .get(
        "/openapi/{document}",
        serve_one,
        Doc::new("The OpenAPI document of one namespace: store.json, admin.json, auth.json")
            .tag("OpenAPI")
            .response(
                200,
                "An OpenAPI 3.1 document",
                schema(json!({"type": "object"})),
            ),
    );
}
