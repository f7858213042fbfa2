//! Column values as SQL bind parameters.
//!
//! Generated SQL binds every value as text and casts it to the column's type
//! (`$1::timestamptz`), so one bind type serves every column and values never
//! enter the SQL text.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde_json::Value;

use super::ColumnType;
use crate::money::Amount;

/// One bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    /// SQL `NULL`.
    Null,
    /// A value in PostgreSQL's text form, cast to the column type.
    Text(String),
    /// Leave the column to its default (inserts only).
    Default,
}

/// A Rust type stored in one column.
pub trait SqlValue {
    /// The column type the value is stored as.
    const TYPE: ColumnType;
    /// `Option<T>` is nullable.
    const NULLABLE: bool = false;
    /// The value as a bind parameter.
    fn to_bind(&self) -> Bind;
    /// Parse a filter value given in a request (a JSON value; query strings
    /// give strings, which numbers, booleans and dates are parsed from).
    fn from_filter(value: &Value) -> Result<Self, String>
    where
        Self: Sized;
}

fn expected(kind: &str, value: &Value) -> String {
    let shown = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    format!("Expected type: '{kind}', got: '{shown}'")
}

impl SqlValue for String {
    const TYPE: ColumnType = ColumnType::Text;
    fn to_bind(&self) -> Bind {
        Bind::Text(self.clone())
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        match value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(expected("string", other)),
        }
    }
}

impl SqlValue for bool {
    const TYPE: ColumnType = ColumnType::Boolean;
    fn to_bind(&self) -> Bind {
        Bind::Text(self.to_string())
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bool(b) => Ok(*b),
            Value::String(s) if s == "true" => Ok(true),
            Value::String(s) if s == "false" => Ok(false),
            other => Err(expected("boolean", other)),
        }
    }
}

macro_rules! number {
    ($ty:ty, $col:expr) => {
        impl SqlValue for $ty {
            const TYPE: ColumnType = $col;
            fn to_bind(&self) -> Bind {
                Bind::Text(self.to_string())
            }
            fn from_filter(value: &Value) -> Result<Self, String> {
                let text = match value {
                    Value::Number(n) => n.to_string(),
                    Value::String(s) => s.trim().to_string(),
                    other => return Err(expected("number", other)),
                };
                text.parse().map_err(|_| expected("number", value))
            }
        }
    };
}
number!(i32, ColumnType::Integer);
number!(i64, ColumnType::BigInt);
number!(Decimal, ColumnType::Numeric);

impl SqlValue for f64 {
    const TYPE: ColumnType = ColumnType::Double;
    fn to_bind(&self) -> Bind {
        Bind::Text(self.to_string())
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        match value {
            Value::Number(n) => n.as_f64().ok_or_else(|| expected("number", value)),
            Value::String(s) => s
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| expected("number", value)),
            other => Err(expected("number", other)),
        }
    }
}

impl SqlValue for f32 {
    const TYPE: ColumnType = ColumnType::Real;
    fn to_bind(&self) -> Bind {
        Bind::Text(self.to_string())
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        f64::from_filter(value).map(|f| f as f32)
    }
}

impl SqlValue for Amount {
    const TYPE: ColumnType = ColumnType::Numeric;
    fn to_bind(&self) -> Bind {
        Bind::Text(self.to_string())
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        Decimal::from_filter(value).map(Amount::from)
    }
}

impl SqlValue for DateTime<Utc> {
    const TYPE: ColumnType = ColumnType::Timestamptz;
    fn to_bind(&self) -> Bind {
        Bind::Text(self.to_rfc3339())
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        match value {
            Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
                .map(|d| d.to_utc())
                .or_else(|_| {
                    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                        .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
                })
                .map_err(|_| format!("Invalid date: '{s}'")),
            other => Err(expected("date", other)),
        }
    }
}

impl SqlValue for Value {
    const TYPE: ColumnType = ColumnType::Jsonb;
    fn to_bind(&self) -> Bind {
        Bind::Text(self.to_string())
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        Ok(value.clone())
    }
}

impl<T: SqlValue> SqlValue for Option<T> {
    const TYPE: ColumnType = T::TYPE;
    const NULLABLE: bool = true;
    fn to_bind(&self) -> Bind {
        match self {
            Some(v) => v.to_bind(),
            None => Bind::Null,
        }
    }
    fn from_filter(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            v => T::from_filter(v).map(Some),
        }
    }
}

/// Implement [`SqlValue`] for a string enum stored as `text` (its serde
/// names are the stored values).
///
/// ```
/// use serde::{Deserialize, Serialize};
/// #[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
/// #[serde(rename_all = "lowercase")]
/// pub enum Status { Draft, Published }
/// stheno_module_sdk::text_enum!(Status);
///
/// use stheno_module_sdk::entity::{Bind, SqlValue};
/// assert_eq!(Status::Draft.to_bind(), Bind::Text("draft".into()));
/// assert!(Status::from_filter(&serde_json::json!("nope")).is_err());
/// ```
#[macro_export]
macro_rules! text_enum {
    ($ty:ty) => {
        impl $crate::entity::SqlValue for $ty {
            const TYPE: $crate::entity::ColumnType = $crate::entity::ColumnType::Text;
            fn to_bind(&self) -> $crate::entity::Bind {
                match $crate::__private::serde_json::to_value(self) {
                    Ok($crate::__private::serde_json::Value::String(s)) => {
                        $crate::entity::Bind::Text(s)
                    }
                    _ => $crate::entity::Bind::Null,
                }
            }
            fn from_filter(
                value: &$crate::__private::serde_json::Value,
            ) -> ::std::result::Result<Self, String> {
                $crate::__private::serde_json::from_value(value.clone()).map_err(|e| e.to_string())
            }
        }
    };
}
