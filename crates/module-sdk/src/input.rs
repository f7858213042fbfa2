//! Serde helpers for module inputs.

use serde::{Deserialize, Deserializer};

/// For update fields that may be cleared: a missing field is `None`, `null`
/// is `Some(None)`, a value is `Some(Some(v))`.
///
/// Use as `#[serde(default, deserialize_with = "stheno_module_sdk::input::nullable")]`.
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}
