//! Stheno's **API key module** (key `api_key`): publishable and secret
//! keys, as in Medusa v2.
//!
//! | entity | table | id prefix | service |
//! |---|---|---|---|
//! | [`ApiKey`] | `api_key` | `apk` | [`ApiKeyModule::api_keys`] |
//!
//! Two kinds of key share the table ([`ApiKeyType`]):
//!
//! - **publishable** (`pk_` + 64 hex digits): storefronts send it in
//!   `x-publishable-api-key` on every `/store` request; it says which sales
//!   channels the request may see (the `publishable_api_key_sales_channel`
//!   link). It is public by design and stored as is;
//!   [`ApiKeyModule::publishable_key`] resolves it.
//! - **secret** (`sk_` + 64 hex digits): integrations authenticate to
//!   `/admin` with it (`Authorization: Basic base64("sk_…:")`, or `Basic
//!   sk_…`), acting as the key (`actor_type: "api-key"`, `actor_id`: the
//!   key's id); [`ApiKeyModule::authenticate_secret`] resolves it. Only its
//!   SHA-256 digest is stored, in a column the entity does not have, so no
//!   read or serialisation can show it; the record's `token` is `""`. The
//!   raw key is returned once, by [`ApiKeyModule::create_api_keys`].
//!
//! Differences from Medusa, on purpose: Medusa stores a salted scrypt hash
//! of a secret key in `token` and compares the request's key with every
//! candidate. A key of 256 random bits cannot be guessed, so a salt and a
//! slow KDF protect nothing; an unsalted SHA-256 digest finds the key in one
//! indexed statement. `salt` is therefore `""` for both types (Medusa never
//! shows it either). `authenticate_secret` also records `last_used_at`,
//! which Medusa declares but never sets.
//!
//! The generated service does list (`q` over `title` and `redacted`),
//! retrieve, create, update, soft delete, restore and delete. Written here
//! is the domain:
//!
//! - [`create_api_keys`](ApiKeyModule::create_api_keys): tokens, redaction,
//!   digests; the raw token once ([`CreatedApiKey`]).
//! - [`update_api_key`](ApiKeyModule::update_api_key): only the title
//!   changes ([`ApiKeyUpdate`]; other fields are ignored, as Medusa does).
//! - [`revoke`](ApiKeyModule::revoke): now or after `revoke_in` seconds; a
//!   secret key already revoked cannot be revoked again.
//! - [`delete_api_keys`](ApiKeyModule::delete_api_keys): only revoked keys
//!   (`not_allowed` otherwise). The generated `delete` and `soft_delete`
//!   do not check this: routes and workflows use `delete_api_keys`.
//! - [`publishable_key`](ApiKeyModule::publishable_key) and
//!   [`authenticate_secret`](ApiKeyModule::authenticate_secret): the live key
//!   for a token, one statement each.
//!
//! Events (after commit, payload `{id}`):
//! `api_key.api-key.created|updated|deleted|restored` (a revoke is an
//! update). Recording `last_used_at` emits nothing.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use stheno_module_sdk::entity::sql::{DynSql, record_expr_exact};
use stheno_module_sdk::entity::{
    Bind, Deleted, Entity, EntityFilter, FieldFilter, ListConfig, SqlValue, Tx,
};
use stheno_module_sdk::time::now;
use stheno_module_sdk::{Error, Result, module};

pub mod models;
mod token;

pub use models::{ApiKey, ApiKeyFilter, ApiKeyType, CreateApiKey, UpdateApiKey};

/// `last_used_at` is written at most this often per key, so a busy
/// integration does not turn every admin request into a row update.
const LAST_USED_RESOLUTION_SECS: i64 = 60;

/// A key to create (Medusa's `CreateApiKeyDTO`): the route passes the
/// body's `title` and `type` and the acting user as `created_by`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKey {
    pub title: String,
    #[serde(rename = "type")]
    pub r#type: ApiKeyType,
    pub created_by: String,
}

/// A key just created: the stored record and the raw token, which is never
/// available again for a secret key. `Debug` does not print the token.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedApiKey {
    /// The record as stored (a secret key's `token` is `""`).
    pub api_key: ApiKey,
    /// The key itself (`pk_…` / `sk_…`).
    pub raw_token: String,
}

impl CreatedApiKey {
    /// The record as Medusa answers a create (`POST /admin/api-keys`):
    /// `token` is the raw token, `salt` is left out.
    pub fn response_record(&self) -> Result<Value> {
        let mut record = serde_json::to_value(&self.api_key)?;
        if let Value::Object(fields) = &mut record {
            fields.insert("token".into(), Value::String(self.raw_token.clone()));
            fields.remove("salt");
        }
        Ok(record)
    }
}

impl std::fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("api_key", &self.api_key)
            .field("raw_token", &self.api_key.redacted)
            .finish()
    }
}

/// What an update may change (Medusa's `updateApiKeys` keeps only the
/// title). Other fields in a body are ignored, as Medusa ignores them.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ApiKeyUpdate {
    pub title: String,
}

/// The API key module: [`ApiKeyModule::api_keys`] is the generated service
/// of [`ApiKey`]; the domain operations are below.
#[module(
    key = "api_key",
    entities(ApiKey),
    migrations = "../../../migrations/api_key"
)]
pub struct ApiKeyModule;

/// Keys whose `revoked_at` is unset or still ahead (`$or`).
fn unrevoked_at(now: DateTime<Utc>) -> Vec<ApiKeyFilter> {
    vec![
        ApiKeyFilter {
            revoked_at: Some(FieldFilter::Null),
            ..Default::default()
        },
        ApiKeyFilter {
            revoked_at: Some(FieldFilter::ops(|o| o.gt = Some(now))),
            ..Default::default()
        },
    ]
}

fn ids_in(ids: &[String]) -> FieldFilter<String> {
    FieldFilter::any(ids.iter().cloned())
}

/// `ids` without repeats, in their first order.
fn distinct(ids: &[String]) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.iter()
        .filter(|id| seen.insert(id.as_str()))
        .cloned()
        .collect()
}

impl ApiKeyModule {
    /// Create keys, all in one transaction: a fresh token for each (32
    /// random bytes as hex, after `pk_` or `sk_`), its redacted form, and
    /// for secret keys the digest the key is found by. Returns the records
    /// with the raw tokens, in input order; this is the only time a secret
    /// key's token can be read.
    pub async fn create_api_keys(&self, inputs: Vec<NewApiKey>) -> Result<Vec<CreatedApiKey>> {
        let mut rows = Vec::with_capacity(inputs.len());
        let mut raw_tokens = Vec::with_capacity(inputs.len());
        let mut digests = Vec::with_capacity(inputs.len());
        for input in inputs {
            let raw = token::generate(input.r#type)?;
            let stored = match input.r#type {
                ApiKeyType::Publishable => raw.clone(),
                ApiKeyType::Secret => String::new(),
            };
            digests.push((input.r#type == ApiKeyType::Secret).then(|| token::digest(&raw)));
            rows.push(CreateApiKey::new(
                stored,
                "",
                token::redact(&raw),
                input.title,
                input.r#type,
                input.created_by,
            ));
            raw_tokens.push(raw);
        }
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let service = self.api_keys().clone();
        let created = self
            .api_keys()
            .transaction(move |tx| {
                Box::pin(async move {
                    let created = service.create_in(tx, rows).await?;
                    let (ids, digests): (Vec<String>, Vec<String>) = created
                        .iter()
                        .zip(digests)
                        .filter_map(|(key, digest)| Some((key.id.clone(), digest?)))
                        .unzip();
                    store_digests(tx, ids, digests).await?;
                    Ok(created)
                })
            })
            .await?;
        Ok(created
            .into_iter()
            .zip(raw_tokens)
            .map(|(api_key, raw_token)| CreatedApiKey { api_key, raw_token })
            .collect())
    }

    /// [`create_api_keys`](Self::create_api_keys) for one key.
    pub async fn create_api_key(&self, input: NewApiKey) -> Result<CreatedApiKey> {
        self.create_api_keys(vec![input])
            .await?
            .pop()
            .ok_or_else(|| Error::internal("insert returned no row"))
    }

    /// Change a live key's title, the only field an update changes.
    /// `not_found` for an unknown or deleted key.
    pub async fn update_api_key(&self, id: &str, input: ApiKeyUpdate) -> Result<ApiKey> {
        let change = UpdateApiKey {
            title: Some(input.title),
            ..Default::default()
        };
        self.api_keys().update(id, change).await
    }

    /// Revoke keys: `revoked_by` and `revoked_at` = now, or now +
    /// `revoke_in_seconds` when that is positive (until then the key keeps
    /// working), in one transaction; the keys in the order of `ids`.
    ///
    /// Refused, changing nothing: an empty `revoked_by` (`invalid_data`);
    /// a secret key that is already revoked (`invalid_data` "There are N
    /// secret keys that are already revoked.", Medusa's kind and words; a
    /// secret key revoked with a delay that has not passed can be revoked
    /// again, e.g. to make it immediate); an unknown or deleted id
    /// (`not_found`). A publishable key may be revoked again, which moves
    /// its `revoked_at`.
    pub async fn revoke(
        &self,
        ids: &[String],
        revoked_by: &str,
        revoke_in_seconds: Option<i64>,
    ) -> Result<Vec<ApiKey>> {
        if revoked_by.is_empty() {
            return Err(Error::invalid_data(
                "You must provide a revoked_by field when revoking a key.",
            ));
        }
        let ids = distinct(ids);
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let now = now();
        let revoked_at = match revoke_in_seconds {
            Some(seconds) if seconds > 0 => chrono::Duration::try_seconds(seconds)
                .and_then(|delay| now.checked_add_signed(delay))
                .ok_or_else(|| {
                    Error::invalid_data(format!("revoke_in is too large: {seconds} seconds"))
                })?,
            _ => now,
        };
        let change = UpdateApiKey {
            revoked_by: Some(Some(revoked_by.to_string())),
            revoked_at: Some(Some(revoked_at)),
            ..Default::default()
        };
        // The update skips secret keys already revoked, so a concurrent
        // revoke cannot slip between a check and the write; what it skipped
        // tells which error to give (and the transaction rolls back).
        let mut skip_revoked_secrets = unrevoked_at(now);
        skip_revoked_secrets.push(ApiKeyFilter {
            r#type: Some(FieldFilter::Eq(ApiKeyType::Publishable)),
            ..Default::default()
        });
        let target = ApiKeyFilter {
            id: Some(ids_in(&ids)),
            or: skip_revoked_secrets,
            ..Default::default()
        };
        let service = self.api_keys().clone();
        self.api_keys()
            .transaction(move |tx| {
                Box::pin(async move {
                    let mut revoked = service
                        .update_where_in(tx, &target.condition(), &change)
                        .await?;
                    if revoked.len() < ids.len() {
                        let skipped: Vec<String> = ids
                            .iter()
                            .filter(|id| !revoked.iter().any(|k| &k.id == *id))
                            .cloned()
                            .collect();
                        let live = ApiKeyFilter {
                            id: Some(ids_in(&skipped)),
                            ..Default::default()
                        };
                        let already = service
                            .list_where_in(tx, &live.condition(), &ListConfig::default())
                            .await?;
                        return Err(if already.is_empty() {
                            <ApiKey as Entity>::META.not_found(&skipped.join(", "))
                        } else {
                            Error::invalid_data(format!(
                                "There are {} secret keys that are already revoked.",
                                already.len()
                            ))
                        });
                    }
                    revoked.sort_by_key(|k| ids.iter().position(|id| *id == k.id));
                    Ok(revoked)
                })
            })
            .await
    }

    /// Delete keys for good, with their link rows; every key must be
    /// revoked (`revoked_at` set and passed), else nothing is deleted and
    /// the answer is Medusa's `not_allowed` "Cannot delete api keys that are
    /// not revoked - apk_1, apk_2". Unknown ids are ignored.
    pub async fn delete_api_keys(&self, ids: &[String]) -> Result<Deleted> {
        let ids = distinct(ids);
        if ids.is_empty() {
            return Ok(Deleted::new());
        }
        let unrevoked = ApiKeyFilter {
            id: Some(ids_in(&ids)),
            or: unrevoked_at(now()),
            ..Default::default()
        };
        let live = self
            .api_keys()
            .list(&unrevoked, &ListConfig::default())
            .await?;
        if !live.is_empty() {
            let names: Vec<&str> = live.iter().map(|k| k.id.as_str()).collect();
            return Err(Error::not_allowed(format!(
                "Cannot delete api keys that are not revoked - {}",
                names.join(", ")
            )));
        }
        self.api_keys().delete(&ids).await
    }

    /// The live, unrevoked publishable key whose token is exactly `token`
    /// (`revoked_at` unset or still ahead), or `None`: one indexed
    /// statement. The `/store` middleware calls it on every request; it is
    /// meant to sit behind a short-lived cache later (a revoke then takes
    /// effect when the entry expires).
    pub async fn publishable_key(&self, token: &str) -> Result<Option<ApiKey>> {
        if !token.starts_with(ApiKeyType::Publishable.prefix()) {
            return Ok(None);
        }
        let filter = ApiKeyFilter {
            token: Some(FieldFilter::Eq(token.to_string())),
            r#type: Some(FieldFilter::Eq(ApiKeyType::Publishable)),
            or: unrevoked_at(now()),
            ..Default::default()
        };
        Ok(self
            .api_keys()
            .list(&filter, &ListConfig::default())
            .await?
            .pop())
    }

    /// The live secret key `token` is (`revoked_at` unset or still ahead),
    /// or `None`: the token's digest found through its unique index, in one
    /// statement that also sets `last_used_at` to now when it is unset or
    /// older than a minute (so at most one write per key per minute;
    /// `updated_at` and events are left alone: usage is not an edit). The
    /// key returned carries the `last_used_at` stored.
    pub async fn authenticate_secret(&self, token: &str) -> Result<Option<ApiKey>> {
        if !token.starts_with(ApiKeyType::Secret.prefix()) {
            return Ok(None);
        }
        let now = now();
        let stale = now - chrono::Duration::seconds(LAST_USED_RESOLUTION_SECS);
        let meta = <ApiKey as Entity>::META;
        let mut sql = DynSql::new("WITH hit AS (SELECT * FROM api_key WHERE token_digest = ");
        sql.bind(Bind::Text(token::digest(token)), "text");
        sql.push(
            " AND type = 'secret' AND deleted_at IS NULL \
             AND (revoked_at IS NULL OR revoked_at > ",
        );
        sql.bind(now.to_bind(), "timestamptz");
        sql.push(")), touched AS (UPDATE api_key AS u SET last_used_at = ");
        sql.bind(now.to_bind(), "timestamptz");
        sql.push(
            " FROM hit WHERE u.id = hit.id \
             AND (hit.last_used_at IS NULL OR hit.last_used_at < ",
        );
        sql.bind(stale.to_bind(), "timestamptz");
        sql.push(") RETURNING u.*) SELECT ");
        sql.push(&record_expr_exact(meta, "t"));
        sql.push(
            " AS record FROM (SELECT * FROM touched \
             UNION ALL SELECT * FROM hit WHERE NOT EXISTS (SELECT 1 FROM touched)) t",
        );
        let mut conn = self.context().db().get().await?;
        let record = sql.load_json(&mut *conn).await?.pop();
        Ok(record.map(serde_json::from_value).transpose()?)
    }
}

/// Set the digests of just-created secret keys (`token_digest`, a column
/// the entity does not declare), in one statement.
// SDK-GAP: the SDK has no write-only column (inserted with the row, never
// selected or serialised); the digest is written by this second statement
// of the create's transaction instead.
async fn store_digests(tx: &mut Tx<'_>, ids: Vec<String>, digests: Vec<String>) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let expected = ids.len();
    let mut sql = DynSql::new("UPDATE api_key AS t SET token_digest = d.digest FROM unnest(");
    sql.bind_array(ids, "text");
    sql.push(", ");
    sql.bind_array(digests, "text");
    sql.push(") AS d(id, digest) WHERE t.id = d.id");
    let updated = sql.run(tx.conn()).await?;
    if updated != expected {
        return Err(Error::internal(format!(
            "stored {updated} secret key digests for {expected} keys"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_keeps_first_order() {
        let ids = ["b", "a", "b", "c", "a"].map(String::from);
        assert_eq!(distinct(&ids), ["b", "a", "c"]);
    }
}
