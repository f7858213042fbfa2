//! Pagination, ordering and filter value types shared by list operations.

use serde::{Deserialize, Deserializer};

/// `offset`/`limit` of a list request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: i64,
    pub limit: i64,
}

impl Page {
    pub fn new(offset: i64, limit: i64) -> Self {
        Self { offset, limit }
    }
}

impl Default for Page {
    fn default() -> Self {
        Self {
            offset: 0,
            limit: 20,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// One `order` entry: `created_at` or `-created_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    pub field: String,
    pub direction: Direction,
}

impl OrderBy {
    /// Parse Medusa's `order` parameter: a field name, `-` prefix for
    /// descending.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (field, direction) = match s.strip_prefix('-') {
            Some(f) => (f, Direction::Desc),
            None => (s.strip_prefix('+').unwrap_or(s), Direction::Asc),
        };
        (!field.is_empty()).then(|| OrderBy {
            field: field.to_string(),
            direction,
        })
    }
    pub fn asc(field: &str) -> Self {
        Self {
            field: field.into(),
            direction: Direction::Asc,
        }
    }
    pub fn desc(field: &str) -> Self {
        Self {
            field: field.into(),
            direction: Direction::Desc,
        }
    }
}

/// A filter value given once or several times: `id=a`, `id[]=a&id[]=b`,
/// `id=a,b` inside a one-element array. Deserialises from a string or an array.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
#[serde(transparent)]
pub struct OneOrMany(pub Vec<String>);

impl OneOrMany {
    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Input {
            One(String),
            Many(Vec<String>),
        }
        Ok(OneOrMany(match Input::deserialize(d)? {
            Input::One(s) => vec![s],
            Input::Many(v) if v.len() == 1 && v[0].contains(',') => v[0]
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            Input::Many(v) => v,
        }))
    }
}

/// Described as one string in OpenAPI documents (`id=a`); `id[]=a&id[]=b`
/// (qs syntax, which OpenAPI has no style for) is accepted too.
impl utoipa::PartialSchema for OneOrMany {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some("One value, or several as `key[]=a&key[]=b`."))
            .into()
    }
}

impl utoipa::ToSchema for OneOrMany {}

/// Date operators: `created_at[$gt]=…` and friends. A bare value means `$eq`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DateFilter {
    #[serde(rename = "$eq")]
    pub eq: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "$ne")]
    pub ne: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "$gt")]
    pub gt: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "$gte")]
    pub gte: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "$lt")]
    pub lt: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(rename = "$lte")]
    pub lte: Option<chrono::DateTime<chrono::Utc>>,
}

/// `ids` without duplicates, in the order of their first occurrence (one
/// pass, whatever the number of ids).
pub fn dedup(ids: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect()
}

/// `%text%` for `ILIKE`, with LIKE wildcards in `text` escaped (Medusa's
/// `q` search).
pub fn contains_pattern(text: &str) -> String {
    format!("%{}%", escape_like(text))
}

/// `text` with the LIKE wildcards `%`, `_` and the escape `\` escaped, to
/// build patterns that match it literally (`format!("{}.%", escape_like(id))`).
pub fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Pagination, ordering and soft-delete visibility of a list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListConfig {
    /// `None`: every row.
    pub page: Option<Page>,
    /// Default: `created_at` ascending; `id` always ends the ordering.
    pub order: Vec<OrderBy>,
    /// Include soft-deleted rows.
    pub with_deleted: bool,
}

impl ListConfig {
    pub fn page(page: Page) -> Self {
        Self {
            page: Some(page),
            ..Self::default()
        }
    }
    pub fn ordered(mut self, order: Vec<OrderBy>) -> Self {
        self.order = order;
        self
    }
    pub fn with_deleted(mut self, with_deleted: bool) -> Self {
        self.with_deleted = with_deleted;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_parses_direction() {
        assert_eq!(
            OrderBy::parse("-created_at"),
            Some(OrderBy::desc("created_at"))
        );
        assert_eq!(OrderBy::parse("title"), Some(OrderBy::asc("title")));
        assert_eq!(OrderBy::parse("-"), None);
    }

    #[test]
    fn contains_pattern_escapes_wildcards() {
        assert_eq!(contains_pattern("a_b%"), "%a\\_b\\%%");
    }

    #[test]
    fn one_or_many_accepts_every_shape() {
        let one: OneOrMany = serde_json::from_str(r#""a""#).unwrap();
        assert_eq!(one.0, vec!["a"]);
        let many: OneOrMany = serde_json::from_str(r#"["a","b"]"#).unwrap();
        assert_eq!(many.0, vec!["a", "b"]);
        let split: OneOrMany = serde_json::from_str(r#"["a,b"]"#).unwrap();
        assert_eq!(split.0, vec!["a", "b"]);
    }
}
