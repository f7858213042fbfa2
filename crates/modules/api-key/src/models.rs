//! The API key entity.
//!
//! SDK-GAP: `#[entity]` names a column after the Rust identifier, so Medusa's
//! column `type` (a keyword, the field `r#type`) would become the column
//! `"r#type"` (the macro should use `Ident::unraw` for column names, as it
//! already does for relation names). Until it does, [`ApiKey`] and its
//! create, update and filter types are written here exactly as the macro
//! writes them; the generated [`EntityService`](stheno_module_sdk::entity::EntityService)
//! and Query source work on them unchanged. Once the macro is fixed this
//! whole file becomes one `#[entity(module = "api_key", prefix = "apk",
//! searchable(title, redacted), soft_delete)]` struct with the same fields.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use stheno_module_sdk::entity::{
    Bind, ColumnMeta, Condition, Entity, EntityFilter, EntityMeta, FieldFilter, InsertValues,
    Linkable, SqlValue, UpdateValues,
};

/// Whether a key is publishable (`pk_…`, sent by storefronts in
/// `x-publishable-api-key`, scoped to sales channels) or secret (`sk_…`,
/// sent to `/admin` with HTTP Basic authentication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiKeyType {
    Publishable,
    Secret,
}

stheno_module_sdk::text_enum!(ApiKeyType);

impl ApiKeyType {
    /// The stored and wire value (`publishable`, `secret`).
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyType::Publishable => "publishable",
            ApiKeyType::Secret => "secret",
        }
    }

    /// The token prefix (`pk_`, `sk_`).
    pub fn prefix(self) -> &'static str {
        match self {
            ApiKeyType::Publishable => "pk_",
            ApiKeyType::Secret => "sk_",
        }
    }
}

/// An API key (`apk_…`), Medusa's data model.
///
/// What is stored differs by type, and so does what this record shows:
///
/// - publishable: `token` is the key itself (`pk_` + 64 hex digits); it is
///   public by design (it ships in storefront code).
/// - secret: `token` is always `""`. The key (`sk_` + 64 hex digits) is
///   shown once, by [`ApiKeyModule::create_api_keys`](crate::ApiKeyModule::create_api_keys);
///   the table keeps only its SHA-256 digest, in a column that is not part
///   of this entity, so no read (service, Query, `fields=*`) and no
///   serialisation can show it. Medusa stores a scrypt hash in `token` and
///   blanks it in every response; the wire is the same.
///
/// `salt` is `""` for both types: the digest is unsalted (see the crate
/// docs for why). `redacted` is the key's first 6 and last 3 characters
/// around `***` (`sk_1a2***f9e`), what the dashboard shows.
///
/// A key is revoked once `revoked_at` is set and not in the future; a key
/// revoked with a delay keeps working until then.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub token: String,
    pub salt: String,
    pub redacted: String,
    pub title: String,
    #[serde(rename = "type")]
    pub r#type: ApiKeyType,
    #[serde(serialize_with = "stheno_module_sdk::time::iso_opt", default)]
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: String,
    pub revoked_by: Option<String>,
    #[serde(serialize_with = "stheno_module_sdk::time::iso_opt", default)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "stheno_module_sdk::time::iso")]
    pub created_at: DateTime<Utc>,
    #[serde(serialize_with = "stheno_module_sdk::time::iso")]
    pub updated_at: DateTime<Utc>,
    #[serde(serialize_with = "stheno_module_sdk::time::iso_opt", default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// Whether the key is revoked at `now`: `revoked_at` set and not after
    /// `now`.
    pub fn is_revoked_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_some_and(|at| at <= now)
    }
}

/// Input of `create` for [`ApiKey`]: the low-level insert of the generated
/// service. Keys are created with
/// [`ApiKeyModule::create_api_keys`](crate::ApiKeyModule::create_api_keys),
/// which makes the token; this type is what the generic CRUD plumbing
/// needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub token: String,
    pub salt: String,
    pub redacted: String,
    pub title: String,
    #[serde(rename = "type")]
    pub r#type: ApiKeyType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl CreateApiKey {
    /// The input with its required fields; the others unset.
    pub fn new(
        token: impl Into<String>,
        salt: impl Into<String>,
        redacted: impl Into<String>,
        title: impl Into<String>,
        r#type: ApiKeyType,
        created_by: impl Into<String>,
    ) -> Self {
        Self {
            id: None,
            token: token.into(),
            salt: salt.into(),
            redacted: redacted.into(),
            title: title.into(),
            r#type,
            last_used_at: None,
            created_by: created_by.into(),
            revoked_by: None,
            revoked_at: None,
        }
    }
}

impl InsertValues for CreateApiKey {
    fn given_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
    fn values(&self) -> Vec<(&'static str, Bind)> {
        vec![
            ("token", self.token.to_bind()),
            ("salt", self.salt.to_bind()),
            ("redacted", self.redacted.to_bind()),
            ("title", self.title.to_bind()),
            ("type", self.r#type.to_bind()),
            ("last_used_at", self.last_used_at.to_bind()),
            ("created_by", self.created_by.to_bind()),
            ("revoked_by", self.revoked_by.to_bind()),
            ("revoked_at", self.revoked_at.to_bind()),
        ]
    }
}

/// Input of `update` for [`ApiKey`]: only the fields given change; `null`
/// clears a nullable field. The token, salt, redaction, type and creator
/// are set at create only. What clients may change is the title
/// ([`ApiKeyModule::update_api_key`](crate::ApiKeyModule::update_api_key));
/// revocation goes through [`ApiKeyModule::revoke`](crate::ApiKeyModule::revoke).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateApiKey {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_used_at: Option<Option<DateTime<Utc>>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub revoked_by: Option<Option<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::input::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub revoked_at: Option<Option<DateTime<Utc>>>,
}

impl UpdateValues for UpdateApiKey {
    fn changes(&self) -> Vec<(&'static str, Bind)> {
        let mut out = Vec::new();
        if let Some(v) = &self.title {
            out.push(("title", v.to_bind()));
        }
        if let Some(v) = &self.last_used_at {
            out.push(("last_used_at", v.to_bind()));
        }
        if let Some(v) = &self.revoked_by {
            out.push(("revoked_by", v.to_bind()));
        }
        if let Some(v) = &self.revoked_at {
            out.push(("revoked_at", v.to_bind()));
        }
        out
    }
}

/// Filters of [`ApiKey`]: Medusa's operators per column, `q` (over `title`
/// and `redacted`), `$and`, `$or`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyFilter {
    /// Case-insensitive text search over the searchable fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub id: Option<FieldFilter<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub token: Option<FieldFilter<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub salt: Option<FieldFilter<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub redacted: Option<FieldFilter<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub title: Option<FieldFilter<String>>,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub r#type: Option<FieldFilter<ApiKeyType>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_used_at: Option<FieldFilter<DateTime<Utc>>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_by: Option<FieldFilter<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub revoked_by: Option<FieldFilter<String>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub revoked_at: Option<FieldFilter<DateTime<Utc>>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_at: Option<FieldFilter<DateTime<Utc>>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub updated_at: Option<FieldFilter<DateTime<Utc>>>,
    #[serde(
        default,
        deserialize_with = "stheno_module_sdk::entity::filter::present",
        skip_serializing_if = "Option::is_none"
    )]
    pub deleted_at: Option<FieldFilter<DateTime<Utc>>>,
    /// Every one of these holds.
    #[serde(rename = "$and", default, skip_serializing_if = "Vec::is_empty")]
    pub and: Vec<ApiKeyFilter>,
    /// At least one of these holds.
    #[serde(rename = "$or", default, skip_serializing_if = "Vec::is_empty")]
    pub or: Vec<ApiKeyFilter>,
}

impl EntityFilter for ApiKeyFilter {
    fn condition(&self) -> Condition {
        fn push<T: SqlValue>(
            all: &mut Vec<Condition>,
            column: &'static str,
            f: &Option<FieldFilter<T>>,
        ) {
            if let Some(f) = f {
                all.push(f.condition(column));
            }
        }
        let mut all = Vec::new();
        if let Some(q) = &self.q {
            all.push(Condition::Search(q.clone()));
        }
        push(&mut all, "id", &self.id);
        push(&mut all, "token", &self.token);
        push(&mut all, "salt", &self.salt);
        push(&mut all, "redacted", &self.redacted);
        push(&mut all, "title", &self.title);
        push(&mut all, "type", &self.r#type);
        push(&mut all, "last_used_at", &self.last_used_at);
        push(&mut all, "created_by", &self.created_by);
        push(&mut all, "revoked_by", &self.revoked_by);
        push(&mut all, "revoked_at", &self.revoked_at);
        push(&mut all, "created_at", &self.created_at);
        push(&mut all, "updated_at", &self.updated_at);
        push(&mut all, "deleted_at", &self.deleted_at);
        for f in &self.and {
            all.push(f.condition());
        }
        if !self.or.is_empty() {
            all.push(Condition::Any(
                self.or.iter().map(EntityFilter::condition).collect(),
            ));
        }
        Condition::All(all)
    }
}

/// A column as `#[entity]` describes it, from the Rust type.
const fn column<T: SqlValue>(name: &'static str, immutable: bool) -> ColumnMeta {
    ColumnMeta {
        name,
        ty: T::TYPE,
        nullable: T::NULLABLE,
        unique: false,
        has_default: false,
        default_sql: None,
        immutable,
    }
}

impl Entity for ApiKey {
    const META: &'static EntityMeta = &EntityMeta {
        module: "api_key",
        name: "ApiKey",
        entity: "api_key",
        table: "api_key",
        prefix: "apk",
        pk: "id",
        words: "Api key",
        event_name: "api-key",
        // The token is unique among live publishable keys (a partial index
        // on `type = 'publishable'`), not as a plain unique column: every
        // secret key's `token` is "".
        columns: &[
            column::<String>("token", true),
            column::<String>("salt", true),
            column::<String>("redacted", true),
            column::<String>("title", false),
            column::<ApiKeyType>("type", true),
            column::<Option<DateTime<Utc>>>("last_used_at", false),
            column::<String>("created_by", true),
            column::<Option<String>>("revoked_by", false),
            column::<Option<DateTime<Utc>>>("revoked_at", false),
        ],
        searchable: &["redacted", "title"],
        unique_together: &[],
        soft_delete: true,
        relations: &[],
        graph_relations: &[],
        store_scope: &[],
    };
    type Create = CreateApiKey;
    type Update = UpdateApiKey;
    type Filter = ApiKeyFilter;

    fn id(&self) -> &str {
        &self.id
    }

    fn column_values(&self) -> Vec<(&'static str, Bind)> {
        vec![
            ("token", self.token.to_bind()),
            ("salt", self.salt.to_bind()),
            ("redacted", self.redacted.to_bind()),
            ("title", self.title.to_bind()),
            ("type", self.r#type.to_bind()),
            ("last_used_at", self.last_used_at.to_bind()),
            ("created_by", self.created_by.to_bind()),
            ("revoked_by", self.revoked_by.to_bind()),
            ("revoked_at", self.revoked_at.to_bind()),
        ]
    }
}

impl Linkable for ApiKey {
    const MODULE: &'static str = "api_key";
    const ENTITY: &'static str = "api_key";
    const TABLE: &'static str = "api_key";
    const SOFT_DELETE: bool = true;
    const LINK_COLUMN: &'static str = "api_key_id";
    const META: Option<&'static EntityMeta> = Some(<Self as Entity>::META);
}
