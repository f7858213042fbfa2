//! Extractors: validated JSON bodies, list and retrieve query parameters.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;
use serde_json::Value;
use stheno_framework::Container;
use stheno_module_sdk::Error;
use stheno_module_sdk::graph::{FieldsConfig, Selection};
use stheno_module_sdk::list::{OrderBy, Page};

use crate::error::ApiError;
use crate::validate::{check_body, from_value, parse_query};

/// Largest accepted body when the container does not say
/// (`http.body_limit`, the same 1 MiB by default).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// The body size limit of this request's application, in bytes.
pub fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<web::Data<Container>>()
        .map_or(BODY_LIMIT, |c| c.config().http.body_limit)
}

/// How a request body is encoded, from its `Content-Type`.
#[derive(Debug, PartialEq, Eq)]
enum Encoding {
    /// `application/json`, `application/*+json`, or no `Content-Type`.
    Json,
    /// `application/x-www-form-urlencoded` (Medusa parses it on every path).
    Form,
    /// Anything else: the media type, for the message.
    Unsupported(String),
}

fn encoding(req: &HttpRequest) -> Encoding {
    let Some(header) = req.headers().get(CONTENT_TYPE) else {
        return Encoding::Json;
    };
    let Ok(header) = header.to_str() else {
        return Encoding::Unsupported(String::from_utf8_lossy(header.as_bytes()).into_owned());
    };
    let essence = header
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if essence.is_empty()
        || essence == "application/json"
        || essence.starts_with("application/") && essence.ends_with("+json")
    {
        Encoding::Json
    } else if essence == "application/x-www-form-urlencoded" {
        Encoding::Form
    } else {
        Encoding::Unsupported(essence)
    }
}

/// `413` for a body over the limit, `400 invalid_data` for any other
/// failure to read it.
pub(crate) fn payload_error(err: &actix_web::Error, limit: usize) -> ApiError {
    match err.as_error::<PayloadError>() {
        Some(PayloadError::Overflow) => ApiError::payload_too_large(limit),
        _ => Error::invalid_data(format!("Invalid request body: {err}")).into(),
    }
}

/// Parse a body by its encoding into a JSON value: an empty body reads as
/// `{}`; NUL characters are rejected wherever they are.
fn parse_body(bytes: &[u8], encoding: Encoding) -> Result<Value, Error> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let value = match encoding {
        // serde_json stops at 128 levels of nesting ("recursion limit
        // exceeded"), so deep bodies are a 400, not a stack overflow.
        Encoding::Json => serde_json::from_slice(bytes)
            .map_err(|e| Error::invalid_data(format!("Invalid JSON in request body: {e}")))?,
        Encoding::Form => {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                Error::invalid_data("Invalid request: the form body is not valid UTF-8")
            })?;
            parse_query(text.trim())?
        }
        Encoding::Unsupported(media) => {
            return Err(Error::invalid_data(format!(
                "Invalid request: unsupported Content-Type '{media}'; send the body as application/json"
            )));
        }
    };
    if !value.is_object() {
        // Every Medusa body schema is an object; serde would otherwise read
        // an array as a struct's fields in order.
        let mut got = value.to_string();
        if got.len() > 64 {
            let cut = (0..=61)
                .rev()
                .find(|&i| got.is_char_boundary(i))
                .unwrap_or(0);
            got.truncate(cut);
            got.push('…');
        }
        return Err(Error::invalid_data(format!(
            "Invalid request: Expected type: 'object' for the body, got: '{got}'"
        )));
    }
    check_body(&value)?;
    Ok(value)
}

/// A JSON body deserialised into `T`. Malformed JSON, type errors, unknown
/// fields, an unsupported `Content-Type` and NUL characters in any string
/// are `400 invalid_data` with Medusa's messages; a body over
/// `http.body_limit` is a `413`; an empty body reads as `{}`. URL-encoded
/// forms are accepted too (their values stay strings), as Medusa does.
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
        let limit = body_limit(req);
        let encoding = encoding(req);
        // Reads up to the app's `PayloadConfig` limit (`server::app` sets it
        // to `http.body_limit`), decoding any `Content-Encoding`.
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| payload_error(&e, limit))?;
            if bytes.len() > limit {
                return Err(ApiError::payload_too_large(limit));
            }
            let value = parse_body(&bytes, encoding)?;
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
    let raw = match map.remove(key) {
        None => return Ok(None),
        Some(Value::String(s)) => s,
        Some(other) => {
            return Err(Error::invalid_data(format!(
                "Invalid request: Expected type: 'number' for field '{key}', got: '{other}'"
            )));
        }
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
    use serde_json::json;

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
    fn bodies_are_read_by_content_type() {
        let cases = [
            (None, Encoding::Json),
            (Some("application/json"), Encoding::Json),
            (Some("Application/JSON; charset=utf-8"), Encoding::Json),
            (Some("application/vnd.api+json"), Encoding::Json),
            (Some("application/x-www-form-urlencoded"), Encoding::Form),
            (
                Some("text/plain;charset=UTF-8"),
                Encoding::Unsupported("text/plain".into()),
            ),
            (
                Some("multipart/form-data; boundary=x"),
                Encoding::Unsupported("multipart/form-data".into()),
            ),
        ];
        for (content_type, expected) in cases {
            let mut req = actix_web::test::TestRequest::post();
            if let Some(ct) = content_type {
                req = req.insert_header((CONTENT_TYPE, ct));
            }
            assert_eq!(
                encoding(&req.to_http_request()),
                expected,
                "{content_type:?}"
            );
        }
    }

    #[test]
    fn bodies_parse_to_objects() {
        let ok = [
            (
                &b""[..],
                Encoding::Unsupported("text/plain".into()),
                json!({}),
            ),
            (b" \n", Encoding::Json, json!({})),
            (br#"{"a":[1]}"#, Encoding::Json, json!({"a": [1]})),
            (b"a=1&b[]=x", Encoding::Form, json!({"a": "1", "b": ["x"]})),
        ];
        for (bytes, encoding, expected) in ok {
            assert_eq!(parse_body(bytes, encoding).unwrap(), expected);
        }
        let bad = [
            (
                &br#"{"a":1}"#[..],
                Encoding::Unsupported("text/plain".into()),
            ),
            (b"[1]", Encoding::Json),
            (b"1", Encoding::Json),
            (br#"{"a":"\u0000"}"#, Encoding::Json),
            (b"a=%00", Encoding::Form),
            (b"a=\xff", Encoding::Form),
            (b"{", Encoding::Json),
        ];
        for (bytes, encoding) in bad {
            let err = parse_body(bytes, encoding).unwrap_err();
            assert_eq!(err.kind(), stheno_module_sdk::ErrorKind::InvalidData);
        }
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
