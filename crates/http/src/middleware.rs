//! Request ids, SQL query counting, URL checks and Medusa-shaped errors,
//! CORS and request hooks (authentication is in [`crate::auth`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use actix_cors::Cors;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use stheno_framework::Container;
use stheno_module_sdk::db::QueryCounter;
use tracing::Instrument;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
pub const QUERY_COUNT: HeaderName = HeaderName::from_static("x-stheno-query-count");

/// The request id (from `x-request-id` or generated), in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The number of SQL statements the request ran so far, in request extensions.
#[derive(Debug, Clone, Default)]
pub struct RequestQueries(pub Arc<AtomicU64>);

impl RequestQueries {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Outermost middleware: request id, tracing span, per-request query count
/// (optionally as the `x-stheno-query-count` header).
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 200)
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let counter = RequestQueries::default();
    req.extensions_mut().insert(RequestId(id.clone()));
    req.extensions_mut().insert(counter.clone());
    let show_count = req
        .app_data::<web::Data<Container>>()
        .is_some_and(|c| c.config().http.query_count_header);
    let span = tracing::info_span!("request", id = %id, method = %req.method(), path = %req.path());
    let started = Instant::now();
    let mut res = QueryCounter::scope_with(counter.0.clone(), next.call(req))
        .instrument(span.clone())
        .await?;
    let queries = counter.get();
    span.in_scope(|| {
        tracing::info!(
            status = res.status().as_u16(),
            ms = started.elapsed().as_secs_f64() * 1000.0,
            queries,
            "request done"
        )
    });
    let headers = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        headers.insert(REQUEST_ID, v);
    }
    if show_count {
        headers.insert(QUERY_COUNT, HeaderValue::from(queries));
    }
    Ok(res)
}

/// Where input enters: rejects, before routing, a request whose path or
/// query string is not UTF-8 text without NUL once percent-decoded
/// (`400 invalid_data`; PostgreSQL cannot store U+0000), and answers every
/// error in Medusa's format — an error actix-web produced itself (an
/// extractor or middleware failure, plain text) becomes `{message, type}`
/// with its status, and a path served for other methods only answers
/// Express's `404 Cannot <METHOD> <path>` instead of an empty 405.
pub async fn check_input(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    use crate::validate::{check_path, check_query};
    if let Err(err) = check_path(req.path()).and_then(|()| check_query(req.query_string())) {
        let res = crate::ApiError::from(err).error_response();
        return Ok(req.into_response(res).map_into_right_body());
    }
    match next.call(req).await {
        Ok(res) => match medusa_error(res.request(), res.response()) {
            Some(replacement) => Ok(res.into_response(replacement).map_into_right_body()),
            None => Ok(res.map_into_left_body()),
        },
        // A middleware's error: answered further out, by its own
        // `error_response`, so make that Medusa's.
        Err(err) => {
            let res = err.error_response();
            if is_json(&res) {
                Err(err)
            } else {
                Err(crate::ApiError::http(res.status(), err.to_string()).into())
            }
        }
    }
}

fn is_json<B>(res: &HttpResponse<B>) -> bool {
    res.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The Medusa-format replacement for an error response actix-web built
/// (not JSON), if `res` is one.
fn medusa_error<B>(req: &HttpRequest, res: &HttpResponse<B>) -> Option<HttpResponse> {
    let status = res.status();
    let Some(err) = res.error() else {
        // A resource's default answer to a method it has no route for.
        return (status == StatusCode::METHOD_NOT_ALLOWED)
            .then(|| crate::response::express_not_found(req));
    };
    if is_json(res) {
        return None;
    }
    let message = err.to_string();
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), error = %message, "request failed");
    }
    Some(HttpResponse::build(status).json(crate::error::http_body(status, &message)))
}

/// CORS for one namespace from Medusa's comma-separated origin list: literal
/// origins, or regular expressions between slashes (`/vercel\.app$/`).
/// An empty list allows no cross-origin request.
pub fn cors(origins: &str) -> Cors {
    let mut literal = Vec::new();
    let mut patterns = Vec::new();
    for entry in origins.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        match entry.strip_prefix('/').and_then(|e| e.strip_suffix('/')) {
            Some(re) => match regex_lite::Regex::new(re) {
                Ok(re) => patterns.push(re),
                Err(e) => {
                    tracing::warn!(pattern = entry, error = %e, "ignoring invalid CORS pattern")
                }
            },
            None => literal.push(entry.to_string()),
        }
    }
    Cors::default()
        .allowed_origin_fn(move |origin, _| {
            let Ok(origin) = origin.to_str() else {
                return false;
            };
            literal.iter().any(|o| o == origin) || patterns.iter().any(|p| p.is_match(origin))
        })
        .allow_any_method()
        .allow_any_header()
        .supports_credentials()
        .max_age(3600)
}

/// Run the registered [`crate::RequestHook`]s of the request's namespace.
pub async fn run_hooks(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::EitherBody<impl MessageBody>>, Error> {
    use crate::routes::{Namespace, async_hooks_for, hooks_for};
    let path = req.path();
    let namespace = if path.starts_with("/store") {
        Namespace::Store
    } else if path.starts_with("/admin") {
        Namespace::Admin
    } else if path.starts_with("/auth") {
        Namespace::Auth
    } else {
        Namespace::Root
    };
    for hook in hooks_for(namespace) {
        if let Err(err) = (hook.hook)(&req) {
            let res = err.error_response();
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    for hook in async_hooks_for(namespace) {
        match (hook.hook)(&req).await {
            Ok(Some(annotate)) => annotate(&mut req.extensions_mut()),
            Ok(None) => {}
            Err(err) => {
                let res = err.error_response();
                return Ok(req.into_response(res).map_into_right_body());
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}
