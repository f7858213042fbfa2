//! Exact money amounts.
//!
//! Medusa v2 stores amounts in the currency's main unit (`10.5` is 10.50) as
//! `numeric` plus a `raw_<field>` JSON twin `{value: "<string>", precision: 20}`.
//! On the wire amounts are JSON numbers. [`Amount`] wraps
//! [`rust_decimal::Decimal`] — never `f64` — and serialises the same way.

use std::fmt;
use std::str::FromStr;

pub use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Medusa's BigNumber precision for `raw_*` values.
pub const RAW_PRECISION: u32 = 20;

/// An exact decimal amount in the currency's main unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(pub Decimal);

impl Amount {
    pub const ZERO: Amount = Amount(Decimal::ZERO);

    pub fn new(value: Decimal) -> Self {
        Amount(value)
    }

    /// `{value: "<string>", precision: 20}`, Medusa's `raw_*` representation.
    pub fn raw(&self) -> serde_json::Value {
        serde_json::json!({ "value": self.0.normalize().to_string(), "precision": RAW_PRECISION })
    }

    /// The JSON number clients see. Values within 0.0001 of zero become `0`,
    /// as Medusa does.
    pub fn to_json_number(&self) -> serde_json::Value {
        if self.0.abs() <= Decimal::new(1, 4) {
            return serde_json::Value::from(0);
        }
        let n = self.0.normalize();
        if n.scale() == 0
            && let Ok(i) = i64::try_from(n)
        {
            return serde_json::Value::from(i);
        }
        // serde_json's arbitrary precision is off, so a non-integer goes
        // through f64 only at the very edge, for display.
        serde_json::Number::from_str(&n.to_string())
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null)
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.normalize().fmt(f)
    }
}

impl From<Decimal> for Amount {
    fn from(d: Decimal) -> Self {
        Amount(d)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json_number().serialize(s)
    }
}

/// Accepts what Medusa accepts: a number, a numeric string, or `{value, precision}`.
impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Input {
            Number(serde_json::Number),
            Text(String),
            Raw { value: String },
        }
        let text = match Input::deserialize(d)? {
            Input::Number(n) => n.to_string(),
            Input::Text(s) | Input::Raw { value: s } => s,
        };
        Decimal::from_str(&text)
            .or_else(|_| Decimal::from_scientific(&text))
            .map(Amount)
            .map_err(|_| serde::de::Error::custom(format!("'{text}' is not a valid amount")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_serialise_as_numbers() {
        let a: Amount = serde_json::from_str("10.50").unwrap();
        assert_eq!(serde_json::to_string(&a).unwrap(), "10.5");
        let b: Amount = serde_json::from_str("\"1500\"").unwrap();
        assert_eq!(serde_json::to_string(&b).unwrap(), "1500");
        let c: Amount = serde_json::from_str(r#"{"value":"0.1","precision":20}"#).unwrap();
        assert_eq!(c.0, Decimal::new(1, 1));
    }

    #[test]
    fn decimal_sums_are_exact() {
        let a: Amount = serde_json::from_str("0.1").unwrap();
        let b: Amount = serde_json::from_str("0.2").unwrap();
        assert_eq!(Amount(a.0 + b.0).to_string(), "0.3");
    }

    #[test]
    fn raw_twin_has_precision() {
        let a = Amount(Decimal::new(1500, 0));
        assert_eq!(
            a.raw(),
            serde_json::json!({"value": "1500", "precision": 20})
        );
    }

    #[test]
    fn tiny_values_serialise_as_zero() {
        let a = Amount(Decimal::new(1, 5));
        assert_eq!(a.to_json_number(), serde_json::json!(0));
    }
}
