//! Serde helpers and small input types shared by the create/update inputs.

use serde::{Deserialize, Serialize};

/// `{ "id": "…" }`, how Medusa bodies reference existing entities
/// (`tags: [{id}]`, `categories: [{id}]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IdRef {
    pub id: String,
}

impl IdRef {
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl From<&str> for IdRef {
    fn from(id: &str) -> Self {
        Self::new(id)
    }
}

/// Update fields that may be cleared (`None` absent, `Some(None)` null):
/// the SDK's helper, under the path the inputs name.
pub(crate) use stheno_module_sdk::input::nullable;

/// Ids of `wanted` that are not in `found`, in request order.
pub(crate) fn missing<'a>(wanted: &'a [String], found: &[String]) -> Vec<&'a str> {
    wanted
        .iter()
        .filter(|id| !found.contains(id))
        .map(String::as_str)
        .collect()
}

pub(crate) use stheno_module_sdk::list::dedup;

/// Medusa's `toHandle`: kebab-case, lower case, only URL-safe characters.
pub(crate) fn to_handle(text: &str) -> String {
    use heck::ToKebabCase;
    text.to_kebab_case()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Probe {
        #[serde(default, deserialize_with = "nullable")]
        subtitle: Option<Option<String>>,
    }

    #[test]
    fn nullable_distinguishes_missing_and_null() {
        let p: Probe = serde_json::from_str("{}").unwrap();
        assert_eq!(p.subtitle, None);
        let p: Probe = serde_json::from_str(r#"{"subtitle": null}"#).unwrap();
        assert_eq!(p.subtitle, Some(None));
        let p: Probe = serde_json::from_str(r#"{"subtitle": "x"}"#).unwrap();
        assert_eq!(p.subtitle, Some(Some("x".into())));
    }
}
