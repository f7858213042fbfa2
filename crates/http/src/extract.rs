//! Extractors: validated JSON bodies, list and retrieve query parameters.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::Value;
use stheno_module_sdk::Error;
use stheno_module_sdk::graph::{FieldsConfig, Selection};
use stheno_module_sdk::list::{OrderBy, Page};

use crate::error::ApiError;
use crate::validate::{from_value, parse_query};

/// Largest accepted JSON body.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// A JSON body deserialised into `T`. Malformed JSON and type errors are
/// `400 invalid_data` with Medusa's messages; an empty body reads as `{}`.
#[derive(Debug)]
pub struct Body<T>(pub T);

impl<T> Body<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Body<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes
                .await
                .map_err(|e| Error::invalid_data(format!("Invalid request body: {e}")))?;
            if bytes.len() > BODY_LIMIT {
                return Err(Error::invalid_data(format!(
                    "request entity too large: the limit is {BODY_LIMIT} bytes"
                ))
                .into());
            }
            let value: Value = if bytes.iter().all(u8::is_ascii_whitespace) {
                Value::Object(Default::default())
            } else {
                serde_json::from_slice(&bytes).map_err(|e| {
                    Error::invalid_data(format!("Invalid JSON in request body: {e}"))
                })?
            };
            Ok(Body(from_value(value, false)?))
        })
    }
}

/// Common list parameters plus the route's filters `F` (a struct with
/// `#[serde(deny_unknown_fields)]`, so unknown parameters are a 400).
#[derive(Debug)]
pub struct ListQuery<F> {
    pub fields: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub order: Option<String>,
    pub with_deleted: bool,
    pub filters: F,
}

impl<F> ListQuery<F> {
    /// The page to read, with the route's default limit.
    pub fn page(&self, default_limit: i64) -> Page {
        Page::new(
            self.offset.unwrap_or(0),
            self.limit.unwrap_or(default_limit),
        )
    }
    /// The ordering asked for, or `default`.
    pub fn order_by(&self, default: Option<OrderBy>) -> Vec<OrderBy> {
        match self.order.as_deref().and_then(OrderBy::parse) {
            Some(o) => vec![o],
            None => default.into_iter().collect(),
        }
    }
    /// The field selection for this route.
    pub fn selection(&self, config: FieldsConfig<'_>) -> Result<Selection, Error> {
        Selection::from_fields(config, self.fields.as_deref())
    }
}

fn take_string(
    map: &mut serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<String>, Error> {
    match map.remove(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(Error::invalid_data(format!(
            "Invalid request: Expected type: 'string' for field '{key}', got: '{other}'"
        ))),
    }
}

fn take_number(map: &mut serde_json::Map<String, Value>, key: &str) -> Result<Option<i64>, Error> {
    let Some(raw) = take_string(map, key)? else {
        return Ok(None);
    };
    match raw.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(Some(n)),
        Ok(_) => Err(Error::invalid_data(format!(
            "Invalid request: Value for field '{key}' too small, expected at least: '0'"
        ))),
        Err(_) => Err(Error::invalid_data(format!(
            "Invalid request: Expected type: 'number' for field '{key}', got: '{raw}'"
        ))),
    }
}

/// Split a parsed query string into the common list parameters and the rest.
pub fn parse_list<F: DeserializeOwned>(query: &str) -> Result<ListQuery<F>, Error> {
    let Value::Object(mut map) = parse_query(query)? else {
        return Err(Error::invalid_data(
            "Invalid request: malformed query string",
        ));
    };
    let fields = take_string(&mut map, "fields")?;
    let limit = take_number(&mut map, "limit")?;
    let offset = take_number(&mut map, "offset")?;
    let order = take_string(&mut map, "order")?;
    let with_deleted = match take_string(&mut map, "with_deleted")?.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Error::invalid_data(format!(
                "Invalid request: Expected type: 'boolean' for field 'with_deleted', got: '{other}'"
            )));
        }
    };
    let filters = from_value(Value::Object(map), true)?;
    Ok(ListQuery {
        fields,
        limit,
        offset,
        order,
        with_deleted,
        filters,
    })
}

impl<F: DeserializeOwned> FromRequest for ListQuery<F> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_list(req.query_string()).map_err(ApiError::from))
    }
}

/// No filters: for retrieve routes, which accept only `fields`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoFilters {}

/// Query of a retrieve route: `fields` only.
pub type RetrieveQuery = ListQuery<NoFilters>;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, Default)]
    #[serde(deny_unknown_fields)]
    struct F {
        q: Option<String>,
        is_giftcard: Option<bool>,
    }

    #[test]
    fn list_params_are_split_from_filters() {
        let q: ListQuery<F> = parse_list(
            "limit=5&offset=10&order=-created_at&fields=%2Btitle&q=shirt&is_giftcard=false",
        )
        .unwrap();
        assert_eq!(q.page(50), Page::new(10, 5));
        assert_eq!(q.order_by(None), vec![OrderBy::desc("created_at")]);
        assert_eq!(q.fields.as_deref(), Some("+title"));
        assert_eq!(q.filters.q.as_deref(), Some("shirt"));
        assert_eq!(q.filters.is_giftcard, Some(false));
    }

    #[test]
    fn bad_params_are_400s() {
        let err = parse_list::<F>("limit=abc").unwrap_err();
        assert_eq!(
            err.message(),
            "Invalid request: Expected type: 'number' for field 'limit', got: 'abc'"
        );
        let err = parse_list::<F>("foo=1").unwrap_err();
        assert_eq!(err.message(), "Invalid request: Unrecognized fields: 'foo'");
        let err = parse_list::<F>("offset=-1").unwrap_err();
        assert!(err.message().contains("too small"));
    }
}
