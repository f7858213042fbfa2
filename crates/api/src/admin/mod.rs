//! Admin API: catalog, users and invites, customers and customer groups. Every route sits behind the
//! `/admin` guard (an authenticated, linked `user`).
//!
//! Mutations run the workflows of `stheno-core-flows` (with compensation);
//! routes read, validate, run one workflow and answer.

pub(crate) mod catalog;
mod channels;
mod customers;
mod geo;
mod inventory;
mod pricing;
mod products;
mod tax;
mod users;
mod workflows;

use serde::Deserialize;
use serde_json::Value;
use stheno_http::openapi::RouteSet;
use stheno_http::validate::from_value;
use stheno_module_sdk::Error;

pub(crate) fn configure(r: &mut RouteSet) {
    products::configure(r);
    catalog::configure(r);
    users::configure(r);
    customers::configure(r);
    geo::configure(r);
    channels::configure(r);
    tax::configure(r);
    inventory::configure(r);
    pricing::configure(r);
    workflows::configure(r);
}

/// `{add?: [ids], remove?: [ids]}` of link batch routes.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct LinkBatch {
    #[serde(default)]
    pub add: Vec<String>,
    #[serde(default)]
    pub remove: Vec<String>,
}

/// `{create?: [...], update?: [{id, ...}], delete?: [ids]}` of batch routes.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Batch {
    #[serde(default)]
    pub create: Vec<Value>,
    #[serde(default)]
    pub update: Vec<Value>,
    #[serde(default)]
    pub delete: Vec<String>,
}

/// A validated batch: entries to create, `(id, changes)` to update, ids to delete.
pub(crate) struct ParsedBatch<C, U> {
    pub create: Vec<C>,
    pub update: Vec<(String, U)>,
    pub delete: Vec<String>,
}

impl Batch {
    /// Validate every entry up front, so a bad entry rejects the whole batch
    /// before anything is written. Messages name the entry (`create, 1, title`).
    pub fn parse<C, U>(self) -> Result<ParsedBatch<C, U>, Error>
    where
        C: serde::de::DeserializeOwned,
        U: serde::de::DeserializeOwned,
    {
        let prefix = |section: &str, i: usize, e: Error| {
            let msg = e
                .message()
                .strip_prefix("Invalid request: ")
                .unwrap_or(e.message())
                .to_string();
            Error::invalid_data(format!("Invalid request: {section}, {i}: {msg}"))
        };
        let create = self
            .create
            .into_iter()
            .enumerate()
            .map(|(i, v)| from_value::<C>(v, false).map_err(|e| prefix("create", i, e)))
            .collect::<Result<Vec<_>, _>>()?;
        let update = self
            .update
            .into_iter()
            .enumerate()
            .map(|(i, v)| {
                let Value::Object(mut map) = v else {
                    return Err(Error::invalid_data(format!(
                        "Invalid request: Expected type: 'object' for field 'update, {i}'"
                    )));
                };
                let Some(Value::String(id)) = map.remove("id") else {
                    return Err(Error::invalid_data(format!(
                        "Invalid request: Field 'update, {i}, id' is required"
                    )));
                };
                let input = from_value::<U>(Value::Object(map), false)
                    .map_err(|e| prefix("update", i, e))?;
                Ok((id, input))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ParsedBatch {
            create,
            update,
            delete: self.delete,
        })
    }
}
