//! Serde helpers for module inputs.

use serde::{Deserialize, Deserializer};

/// For update fields that may be cleared: a missing field is `None`, `null`
/// is `Some(None)`, a value is `Some(Some(v))`.
///
/// Use as `#[serde(default, deserialize_with = "stheno_module_sdk::input::nullable",
/// skip_serializing_if = "Option::is_none")]`: skipping `None` when
/// serialising keeps "absent" and `null` apart when an input travels as JSON
/// (workflow step inputs do).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
