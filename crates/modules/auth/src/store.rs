//! [`IdentityStore`]: the identity operations providers and routes share.

use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde_json::Value;
use stheno_module_sdk::db::{DbConn, DbPool};
use stheno_module_sdk::id::generate_id;
use stheno_module_sdk::time::now;
use stheno_module_sdk::{Error, Result};

use crate::models::{AUTH_IDENTITY_PREFIX, AuthIdentity, ProviderIdentity};
use crate::schema::{auth_identity, auth_one_time, provider_identity};

/// Auth identities, provider identities and one-time values in the database.
#[derive(Clone)]
pub struct IdentityStore {
    db: DbPool,
}

impl std::fmt::Debug for IdentityStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdentityStore").finish_non_exhaustive()
    }
}

#[derive(Insertable)]
#[diesel(table_name = provider_identity)]
struct NewProviderIdentity<'a> {
    id: String,
    entity_id: &'a str,
    provider: &'a str,
    auth_identity_id: &'a str,
    user_metadata: Option<Value>,
    provider_metadata: Option<Value>,
}

fn identity_not_found(id: &str) -> Error {
    Error::not_found(format!("AuthIdentity with id: {id} was not found"))
}

impl IdentityStore {
    pub fn new(db: DbPool) -> Self {
        Self { db }
    }

    async fn conn(&self) -> Result<DbConn> {
        Ok(self.db.get().await?)
    }

    /// The identity and provider identity of `(provider, entity_id)`.
    pub async fn retrieve(
        &self,
        provider: &str,
        entity_id: &str,
    ) -> Result<Option<(AuthIdentity, ProviderIdentity)>> {
        let mut conn = self.conn().await?;
        Ok(provider_identity::table
            .inner_join(auth_identity::table)
            .filter(provider_identity::provider.eq(provider))
            .filter(provider_identity::entity_id.eq(entity_id))
            .filter(provider_identity::deleted_at.is_null())
            .filter(auth_identity::deleted_at.is_null())
            .select((AuthIdentity::as_select(), ProviderIdentity::as_select()))
            .first(&mut conn)
            .await
            .optional()?)
    }

    /// A new auth identity with one provider identity. An existing
    /// `(provider, entity_id)` is a `duplicate_error`.
    pub async fn create(
        &self,
        provider: &str,
        entity_id: &str,
        provider_metadata: Option<Value>,
        user_metadata: Option<Value>,
    ) -> Result<AuthIdentity> {
        let mut conn = self.conn().await?;
        let identity = conn
            .transaction::<_, Error, _>(async move |conn| {
                let identity: AuthIdentity = diesel::insert_into(auth_identity::table)
                    .values((
                        auth_identity::id.eq(generate_id(AUTH_IDENTITY_PREFIX)),
                        auth_identity::app_metadata.eq(Some(Value::Object(Default::default()))),
                    ))
                    .returning(AuthIdentity::as_returning())
                    .get_result(conn)
                    .await?;
                diesel::insert_into(provider_identity::table)
                    .values(NewProviderIdentity {
                        id: ulid_id(),
                        entity_id,
                        provider,
                        auth_identity_id: &identity.id,
                        user_metadata,
                        provider_metadata,
                    })
                    .execute(conn)
                    .await?;
                Ok(identity)
            })
            .await?;
        Ok(identity)
    }

    /// The identity of `(provider, entity_id)`, created if missing; an
    /// existing one gets `user_metadata` replaced when given.
    pub async fn retrieve_or_create(
        &self,
        provider: &str,
        entity_id: &str,
        user_metadata: Option<Value>,
        provider_metadata: Option<Value>,
    ) -> Result<AuthIdentity> {
        match self.retrieve(provider, entity_id).await? {
            Some((identity, _)) => {
                if user_metadata.is_some() {
                    self.update(provider, entity_id, None, user_metadata)
                        .await?;
                }
                Ok(identity)
            }
            None => {
                match self
                    .create(provider, entity_id, provider_metadata, user_metadata)
                    .await
                {
                    // Created concurrently by another request: use that one.
                    Err(e) if e.kind() == stheno_module_sdk::ErrorKind::DuplicateError => self
                        .retrieve(provider, entity_id)
                        .await?
                        .map(|(identity, _)| identity)
                        .ok_or(e),
                    other => other,
                }
            }
        }
    }

    /// Replace the provider identity's `provider_metadata` and/or
    /// `user_metadata` (each only when given).
    pub async fn update(
        &self,
        provider: &str,
        entity_id: &str,
        provider_metadata: Option<Value>,
        user_metadata: Option<Value>,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let target = provider_identity::table
            .filter(provider_identity::provider.eq(provider))
            .filter(provider_identity::entity_id.eq(entity_id))
            .filter(provider_identity::deleted_at.is_null());
        let n = match (provider_metadata, user_metadata) {
            (Some(p), Some(u)) => {
                diesel::update(target)
                    .set((
                        provider_identity::provider_metadata.eq(p),
                        provider_identity::user_metadata.eq(u),
                        provider_identity::updated_at.eq(now()),
                    ))
                    .execute(&mut conn)
                    .await?
            }
            (Some(p), None) => {
                diesel::update(target)
                    .set((
                        provider_identity::provider_metadata.eq(p),
                        provider_identity::updated_at.eq(now()),
                    ))
                    .execute(&mut conn)
                    .await?
            }
            (None, Some(u)) => {
                diesel::update(target)
                    .set((
                        provider_identity::user_metadata.eq(u),
                        provider_identity::updated_at.eq(now()),
                    ))
                    .execute(&mut conn)
                    .await?
            }
            (None, None) => return Ok(()),
        };
        if n == 0 {
            return Err(Error::not_found(format!(
                "ProviderIdentity with entity_id: {entity_id} was not found"
            )));
        }
        Ok(())
    }

    /// One auth identity by id.
    pub async fn identity(&self, id: &str) -> Result<AuthIdentity> {
        let mut conn = self.conn().await?;
        auth_identity::table
            .filter(auth_identity::id.eq(id))
            .filter(auth_identity::deleted_at.is_null())
            .select(AuthIdentity::as_select())
            .first(&mut conn)
            .await
            .optional()?
            .ok_or_else(|| identity_not_found(id))
    }

    /// The provider identities of an auth identity.
    pub async fn provider_identities(&self, identity_id: &str) -> Result<Vec<ProviderIdentity>> {
        let mut conn = self.conn().await?;
        Ok(provider_identity::table
            .filter(provider_identity::auth_identity_id.eq(identity_id))
            .filter(provider_identity::deleted_at.is_null())
            .order(provider_identity::created_at.asc())
            .select(ProviderIdentity::as_select())
            .load(&mut conn)
            .await?)
    }

    /// Link the identity to an actor: set `app_metadata["<actor_type>_id"]`.
    /// Fails with `invalid_data` if the identity is already linked to an
    /// actor of that type (checked and written in one statement, so two
    /// concurrent requests cannot both link).
    pub async fn link_actor(
        &self,
        identity_id: &str,
        actor_type: &str,
        actor_id: &str,
    ) -> Result<AuthIdentity> {
        let key = format!("{actor_type}_id");
        let mut conn = self.conn().await?;
        let updated: Vec<AuthIdentity> = diesel::sql_query(
            "UPDATE auth_identity \
             SET app_metadata = coalesce(app_metadata, '{}'::jsonb) || jsonb_build_object($2::text, $3::text), \
                 updated_at = now() \
             WHERE id = $1 AND deleted_at IS NULL \
               AND NOT (coalesce(app_metadata, '{}'::jsonb) ? $2) \
             RETURNING id, app_metadata, created_at, updated_at, deleted_at",
        )
        .bind::<Text, _>(identity_id)
        .bind::<Text, _>(&key)
        .bind::<Text, _>(actor_id)
        .load(&mut conn)
        .await?;
        match updated.into_iter().next() {
            Some(identity) => Ok(identity),
            None => {
                self.identity(identity_id).await?;
                Err(Error::invalid_data(format!(
                    "The auth identity is already linked to a {actor_type}"
                )))
            }
        }
    }

    /// Remove `app_metadata["<actor_type>_id"]` wherever it is `actor_id`
    /// (the actor was deleted); returns the identities unlinked.
    pub async fn unlink_actor(&self, actor_type: &str, actor_id: &str) -> Result<Vec<String>> {
        #[derive(QueryableByName)]
        struct Id {
            #[diesel(sql_type = Text)]
            id: String,
        }
        let key = format!("{actor_type}_id");
        let mut conn = self.conn().await?;
        let ids: Vec<Id> = diesel::sql_query(
            "UPDATE auth_identity SET app_metadata = app_metadata - $1::text, updated_at = now() \
             WHERE app_metadata @> jsonb_build_object($1::text, $2::text) RETURNING id",
        )
        .bind::<Text, _>(&key)
        .bind::<Text, _>(actor_id)
        .load(&mut conn)
        .await?;
        Ok(ids.into_iter().map(|i| i.id).collect())
    }

    /// Store a single-use value for `ttl`. Expired values are purged on the way.
    pub async fn issue_one_time(
        &self,
        purpose: &str,
        id: &str,
        data: Value,
        ttl: std::time::Duration,
    ) -> Result<()> {
        let mut conn = self.conn().await?;
        let ttl = Duration::from_std(ttl).map_err(|e| Error::invalid_data(e.to_string()))?;
        diesel::delete(auth_one_time::table.filter(auth_one_time::expires_at.lt(Utc::now())))
            .execute(&mut conn)
            .await?;
        diesel::insert_into(auth_one_time::table)
            .values((
                auth_one_time::id.eq(id),
                auth_one_time::purpose.eq(purpose),
                auth_one_time::data.eq(data),
                auth_one_time::expires_at.eq(Utc::now() + ttl),
            ))
            .execute(&mut conn)
            .await?;
        Ok(())
    }

    /// Take a single-use value: returns its data once, `None` if unknown,
    /// already used or expired.
    pub async fn consume_one_time(&self, purpose: &str, id: &str) -> Result<Option<Value>> {
        let mut conn = self.conn().await?;
        Ok(diesel::delete(
            auth_one_time::table
                .filter(auth_one_time::purpose.eq(purpose))
                .filter(auth_one_time::id.eq(id))
                .filter(auth_one_time::expires_at.gt(Utc::now())),
        )
        .returning(auth_one_time::data)
        .get_result::<Value>(&mut conn)
        .await
        .optional()?)
    }
}

/// A bare ULID (Medusa's provider identity ids have no prefix).
fn ulid_id() -> String {
    let id = generate_id("x");
    id[2..].to_string()
}
