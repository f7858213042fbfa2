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
    /// An HTTP-level failure that has its own status (a body over the size
    /// limit, a request actix-web refused), answered the way Medusa 2.21.2
    /// answers Express's errors: `{message, type}` with the type following
    /// from the status ([`http_error_type`]) and, for a 5xx, the generic
    /// message.
    Http { status: StatusCode, message: String },
}

impl ApiError {
    /// An HTTP-level error with its own status ([`ApiError::Http`]).
    pub fn http(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Http {
            status,
            message: message.into(),
        }
    }

    /// `413`: the body is larger than `limit` bytes.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::http(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request entity too large: the limit is {limit} bytes"),
        )
    }
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
            ApiError::Http { message, .. } => f.write_str(message),
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

/// The `type` Medusa 2.21.2 gives an Express error that carries a status
/// (malformed JSON, body too large, …): http-api.md §1.7.
pub fn http_error_type(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "invalid_data",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        409 => "conflict",
        _ => "unknown_error",
    }
}

/// The JSON body of an [`ApiError::Http`]: `{message, type}`, the generic
/// message for a 5xx.
pub fn http_body(status: StatusCode, message: &str) -> serde_json::Value {
    let message = if status.is_server_error() {
        "An unknown error occurred."
    } else {
        message
    };
    json!({ "message": message, "type": http_error_type(status) })
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
            ApiError::Http { status, .. } => *status,
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
            ApiError::Http { status, message } => {
                if status.is_server_error() {
                    tracing::error!(status = status.as_u16(), error = %message, "request failed");
                }
                HttpResponse::build(*status).json(http_body(*status, message))
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

    #[test]
    fn http_errors_follow_express() {
        let cases = [
            (
                400,
                "bad",
                json!({"message": "bad", "type": "invalid_data"}),
            ),
            (404, "gone", json!({"message": "gone", "type": "not_found"})),
            (
                413,
                "request entity too large",
                json!({"message": "request entity too large", "type": "unknown_error"}),
            ),
            (
                503,
                "pool exhausted",
                json!({"message": "An unknown error occurred.", "type": "unknown_error"}),
            ),
        ];
        for (status, message, expected) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(http_body(status, message), expected, "{status}");
        }
    }
}
