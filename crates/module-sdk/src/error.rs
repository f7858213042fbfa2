//! One error type for every module, carrying one of Medusa's error kinds.
//!
//! Modules return [`Error`]; crates may define their own `thiserror` enums and
//! convert into it. Only the HTTP layer turns an [`ErrorKind`] into a status
//! code, so module code never thinks about HTTP.

use std::borrow::Cow;
use std::fmt;

/// Medusa's `MedusaError.Types`, as they appear in the `type` field of an
/// error response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    NotFound,
    InvalidData,
    NotAllowed,
    Unauthorized,
    Forbidden,
    DuplicateError,
    Conflict,
    UnexpectedState,
    InvalidArgument,
    DatabaseError,
    PaymentAuthorizationError,
    /// Anything that is our bug; its message is never shown to clients.
    Unknown,
}

impl ErrorKind {
    /// The string Medusa puts in the `type` field.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidData => "invalid_data",
            ErrorKind::NotAllowed => "not_allowed",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::DuplicateError => "duplicate_error",
            ErrorKind::Conflict => "conflict",
            ErrorKind::UnexpectedState => "unexpected_state",
            ErrorKind::InvalidArgument => "invalid_argument",
            ErrorKind::DatabaseError => "database_error",
            ErrorKind::PaymentAuthorizationError => "payment_authorization_error",
            ErrorKind::Unknown => "unknown_error",
        }
    }

    /// The kind whose [`as_str`](Self::as_str) is `s`.
    pub fn parse(s: &str) -> Option<Self> {
        use ErrorKind::*;
        [
            NotFound,
            InvalidData,
            NotAllowed,
            Unauthorized,
            Forbidden,
            DuplicateError,
            Conflict,
            UnexpectedState,
            InvalidArgument,
            DatabaseError,
            PaymentAuthorizationError,
            Unknown,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A module error: a kind, a message meant for the API client, an optional
/// machine code (`insufficient_inventory`, …) and an optional source kept for
/// logs only.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: Cow<'static, str>,
    code: Option<&'static str>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            kind,
            message: message.into(),
            code: None,
            source: None,
        }
    }
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn invalid_data(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::InvalidData, message)
    }
    pub fn not_allowed(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::NotAllowed, message)
    }
    pub fn unauthorized(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }
    pub fn duplicate(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::DuplicateError, message)
    }
    pub fn conflict(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn unexpected_state(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::UnexpectedState, message)
    }
    /// An internal failure. The message goes to logs; clients see Medusa's
    /// generic "An unknown error occurred.".
    pub fn internal(message: impl Into<Cow<'static, str>>) -> Self {
        Self::new(ErrorKind::Unknown, message)
    }

    /// Attach a machine-readable `code` (e.g. `insufficient_inventory`).
    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }
    /// Keep the underlying error for logs.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Reword a unique violation the way Medusa does, naming the entity:
    /// `Product tag with value: x, already exists.` Other errors pass
    /// through unchanged.
    pub fn refine_duplicate(self, words: &str) -> Self {
        self.refine_duplicate_with(words, |_, value| value.to_string())
    }

    /// [`refine_duplicate`](Self::refine_duplicate), each key value written
    /// through `show(column, value)` (PostgreSQL writes booleans `t`/`f`;
    /// the message says `true`/`false`).
    pub fn refine_duplicate_with(self, words: &str, show: impl Fn(&str, &str) -> String) -> Self {
        if self.kind != ErrorKind::DuplicateError {
            return self;
        }
        let detail = std::error::Error::source(&self)
            .and_then(|s| s.downcast_ref::<diesel::result::Error>())
            .and_then(|e| match e {
                diesel::result::Error::DatabaseError(_, info) => info.details(),
                _ => None,
            })
            .and_then(|detail| key_pairs(detail, &show));
        match detail {
            Some(pairs) => Error {
                message: format!("{words} with {pairs}, already exists.").into(),
                ..self
            },
            None => self,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
    pub fn message(&self) -> &str {
        &self.message
    }
    pub fn code(&self) -> Option<&'static str> {
        self.code
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<diesel::result::Error> for Error {
    /// Translate database errors the way Medusa does: unique violations are
    /// `duplicate_error`, foreign-key violations `not_found`, serialization
    /// failures `conflict`, not-null violations `invalid_data`. Everything else
    /// is a `database_error` whose SQL details stay in the logs.
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind as K, Error as D};
        match &err {
            D::NotFound => Error::not_found("Record was not found"),
            D::DatabaseError(kind, info) => {
                let message = match (info.details(), info.table_name()) {
                    (Some(detail), _) => describe_detail(detail),
                    (None, Some(table)) => format!("{} violates a constraint", pretty_table(table)),
                    (None, None) => info.message().to_string(),
                };
                let kind = match kind {
                    K::UniqueViolation => ErrorKind::DuplicateError,
                    K::ForeignKeyViolation => ErrorKind::NotFound,
                    K::SerializationFailure => ErrorKind::Conflict,
                    K::NotNullViolation => ErrorKind::InvalidData,
                    K::CheckViolation => ErrorKind::InvalidData,
                    _ => ErrorKind::DatabaseError,
                };
                Error::new(kind, message).with_source(err)
            }
            _ => Error::new(ErrorKind::DatabaseError, "A database error occurred").with_source(err),
        }
    }
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for Error {
    fn from(err: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        Error::new(
            ErrorKind::DatabaseError,
            "Could not get a database connection",
        )
        .with_source(err)
    }
}

impl From<serde_json::Error> for Error {
    fn from(err: serde_json::Error) -> Self {
        Error::internal("could not convert a record to JSON").with_source(err)
    }
}

/// Turn PostgreSQL's `Key (handle)=(shirt) already exists.` into
/// `Product with handle: shirt already exists.`-style text without the SQL.
fn describe_detail(detail: &str) -> String {
    // Key (a, b)=(x, y) already exists.
    if let Some(rest) = detail.strip_prefix("Key (")
        && let Some((cols, rest)) = rest.split_once(")=(")
        && let Some((vals, tail)) = rest.rsplit_once(')')
    {
        return format!("{cols}: {vals}{tail}").replace("  ", " ");
    }
    detail.to_string()
}

/// `Key (a, b)=(x, y) already exists.` → `a: x, b: y`.
fn key_pairs(detail: &str, show: &dyn Fn(&str, &str) -> String) -> Option<String> {
    let rest = detail.strip_prefix("Key (")?;
    let (keys, rest) = rest.split_once(")=(")?;
    let (values, _) = rest.rsplit_once(") ")?;
    let keys: Vec<&str> = keys.split(", ").collect();
    let values: Vec<&str> = values.split(", ").collect();
    if keys.len() != values.len() {
        return Some(format!("{}: {}", keys.join(", "), values.join(", ")));
    }
    Some(
        keys.iter()
            .zip(&values)
            .map(|(k, v)| format!("{k}: {}", show(k, v)))
            .collect::<Vec<_>>()
            .join(", "),
    )
}

fn pretty_table(table: &str) -> String {
    use heck::ToUpperCamelCase;
    table.to_upper_camel_case()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_render_as_medusa_types() {
        assert_eq!(ErrorKind::NotFound.as_str(), "not_found");
        assert_eq!(ErrorKind::DuplicateError.as_str(), "duplicate_error");
        assert_eq!(ErrorKind::Unknown.as_str(), "unknown_error");
    }

    #[test]
    fn unique_violation_detail_is_readable() {
        assert_eq!(
            describe_detail("Key (handle)=(shirt) already exists."),
            "handle: shirt already exists."
        );
        assert_eq!(describe_detail("something else"), "something else");
    }
}
