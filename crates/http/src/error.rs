//! Medusa's error JSON and status mapping. The only place that knows HTTP
//! status codes for module errors.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;
use stheno_module_sdk::{Error, ErrorKind};

/// An error leaving a route handler.
#[derive(Debug)]
pub enum ApiError {
    /// A module or validation error, answered as `{code?, type, message}`.
    Module(Error),
    /// The auth middleware's bare `401 {"message": "Unauthorized"}`.
    Unauthorized,
    /// Too many login/registration/reset attempts: 429 with `Retry-After`.
    TooManyRequests(std::time::Duration),
}

/// Result type for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError::Module(e)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Module(e) => e.fmt(f),
            ApiError::Unauthorized => f.write_str("Unauthorized"),
            ApiError::TooManyRequests(_) => f.write_str("Too many requests"),
        }
    }
}

/// Status code for an error kind (Medusa's `MedusaError.Types` table).
pub fn status_of(kind: ErrorKind) -> StatusCode {
    match kind {
        ErrorKind::NotFound => StatusCode::NOT_FOUND,
        ErrorKind::InvalidData | ErrorKind::NotAllowed => StatusCode::BAD_REQUEST,
        ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
        ErrorKind::Forbidden => StatusCode::FORBIDDEN,
        ErrorKind::DuplicateError | ErrorKind::PaymentAuthorizationError => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ErrorKind::Conflict => StatusCode::CONFLICT,
        ErrorKind::DatabaseError
        | ErrorKind::UnexpectedState
        | ErrorKind::InvalidArgument
        | ErrorKind::Unknown => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The JSON body Medusa sends for an error.
pub fn body_of(err: &Error) -> serde_json::Value {
    let kind = err.kind();
    match kind {
        ErrorKind::Conflict => json!({
            "code": "invalid_state_error",
            "type": "conflict",
            "message": "The request conflicted with another request. You may retry the request with the provided Idempotency-Key.",
        }),
        ErrorKind::DuplicateError => json!({
            "code": "invalid_request_error",
            "type": "duplicate_error",
            "message": err.message(),
        }),
        ErrorKind::DatabaseError => json!({
            "code": "api_error",
            "type": "database_error",
            "message": "An unknown error occurred.",
        }),
        ErrorKind::Unknown => json!({
            "code": "unknown_error",
            "type": "unknown_error",
            "message": "An unknown error occurred.",
        }),
        _ => {
            let mut body = json!({ "type": kind.as_str(), "message": err.message() });
            if let Some(code) = err.code() {
                body["code"] = json!(code);
            }
            body
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Module(e) => status_of(e.kind()),
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Module(e) => {
                let status = status_of(e.kind());
                if status.is_server_error() {
                    // Details stay in the log; the client gets the generic body.
                    let source = std::error::Error::source(e).map(|s| s.to_string());
                    tracing::error!(error = %e, source = ?source, "request failed");
                }
                HttpResponse::build(status).json(body_of(e))
            }
            ApiError::Unauthorized => {
                HttpResponse::Unauthorized().json(json!({ "message": "Unauthorized" }))
            }
            ApiError::TooManyRequests(wait) => {
                let secs = wait.as_secs().max(1);
                HttpResponse::TooManyRequests()
                    .insert_header(("retry-after", secs.to_string()))
                    .json(json!({
                        "type": "too_many_requests",
                        "message": format!("Too many attempts. Try again in {secs} seconds."),
                    }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_medusa_statuses() {
        let cases = [
            (ErrorKind::NotFound, 404),
            (ErrorKind::InvalidData, 400),
            (ErrorKind::NotAllowed, 400),
            (ErrorKind::Unauthorized, 401),
            (ErrorKind::Forbidden, 403),
            (ErrorKind::DuplicateError, 422),
            (ErrorKind::Conflict, 409),
            (ErrorKind::DatabaseError, 500),
            (ErrorKind::UnexpectedState, 500),
            (ErrorKind::Unknown, 500),
        ];
        for (kind, status) in cases {
            assert_eq!(status_of(kind).as_u16(), status, "{kind}");
        }
    }

    #[test]
    fn bodies_follow_medusa() {
        assert_eq!(
            body_of(&Error::not_found("Product with id: p was not found")),
            json!({"type": "not_found", "message": "Product with id: p was not found"})
        );
        assert_eq!(
            body_of(&Error::internal("secret sql"))
                .get("message")
                .unwrap(),
            "An unknown error occurred."
        );
        assert_eq!(
            body_of(&Error::conflict("x"))["code"],
            "invalid_state_error"
        );
        assert_eq!(
            body_of(&Error::duplicate("dup"))["code"],
            "invalid_request_error"
        );
        assert_eq!(
            body_of(&Error::not_allowed("no").with_code("insufficient_inventory")),
            json!({"code": "insufficient_inventory", "type": "not_allowed", "message": "no"})
        );
    }
}
