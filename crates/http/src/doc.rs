//! What a route says about itself: [`Doc`], and the schema helpers routes
//! describe their bodies and answers with — JSON Schema values, the
//! schemas of generated entities read from their metadata
//! ([`entity_schema`], [`create_body`], [`update_body`], [`list_params`]).
//! [`crate::openapi`] turns the descriptions into the document.

use serde_json::{Value, json};
use stheno_module_sdk::entity::{ColumnType, EntityMeta, RelationKind};
use utoipa::openapi::path::{Parameter, ParameterIn};
use utoipa::openapi::{RefOr, Required, Schema};

/// A schema written as JSON Schema (OpenAPI 3.1 dialect).
pub fn schema(value: Value) -> RefOr<Schema> {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("invalid schema: {e}: {value}"))
}

/// A reference to the component schema named `name`.
pub fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

/// What one route reads and answers.
#[derive(Clone)]
pub struct Doc {
    pub(crate) summary: String,
    pub(crate) tag: Option<String>,
    pub(crate) query: Vec<Parameter>,
    pub(crate) body: Option<(RefOr<Schema>, bool)>,
    pub(crate) responses: Vec<(u16, String, Option<RefOr<Schema>>)>,
    pub(crate) components: Vec<&'static EntityMeta>,
    /// Named schemas the body's schema refers to (`ToSchema::schemas`).
    pub(crate) schemas: Vec<(String, RefOr<Schema>)>,
    pub(crate) public: bool,
    pub(crate) requires: Option<Vec<&'static str>>,
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
    schema(deleted_object(Some(parent)))
}

/// Medusa's delete answer.
pub fn deleted_schema() -> RefOr<Schema> {
    schema(deleted_object(None))
}

fn deleted_object(parent: Option<Value>) -> Value {
    let mut s = json!({
        "type": "object",
        "properties": {
            "id": { "type": "string" },
            "object": { "type": "string" },
            "deleted": { "type": "boolean" },
        },
        "required": ["id", "object", "deleted"],
    });
    if let Some(parent) = parent {
        s["properties"]["parent"] = parent;
        s["required"]
            .as_array_mut()
            .expect("required is a list")
            .push(json!("parent"));
    }
    s
}

pub(crate) fn query_param(name: &str, schema_value: Value, description: &str) -> Parameter {
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
        ColumnType::Numeric => {
            let mut any = vec![json!({"type": "number"}), json!({"type": "string"})];
            if nullable {
                any.push(json!({"type": "null"}));
            }
            return json!({ "anyOf": any });
        }
        ColumnType::Timestamptz => json!("string"),
        ColumnType::Jsonb if name == "metadata" => json!("object"),
        // Medusa's `raw_*` twins and other JSON values.
        ColumnType::Jsonb => json!("object"),
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
    properties.insert(meta.pk.into(), json!({"type": "string"}));
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
        "description": if meta.prefix.is_empty() {
            format!("{} (keyed by `{}`)", meta.words, meta.pk)
        } else {
            format!("{} (`{}_…`)", meta.words, meta.prefix)
        },
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
