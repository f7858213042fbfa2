//! Timestamps on the wire: Medusa sends JavaScript `Date#toISOString()`
//! strings (`2024-10-24T12:00:00.000Z`, millisecond precision, UTC).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// The current time, truncated to microseconds (what PostgreSQL stores), so a
/// value read back equals the value written.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// Format like `Date#toISOString()`.
pub fn to_iso(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// `#[serde(serialize_with = "stheno_module_sdk::time::iso")]`
pub fn iso<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_iso(t))
}

/// `#[serde(serialize_with = "stheno_module_sdk::time::iso_opt")]`
pub fn iso_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&to_iso(t)),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_matches_javascript() {
        let t = DateTime::parse_from_rfc3339("2024-10-24T12:00:00.123456Z")
            .unwrap()
            .to_utc();
        assert_eq!(to_iso(&t), "2024-10-24T12:00:00.123Z");
    }
}
