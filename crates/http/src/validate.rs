//! Request bodies and query strings, validated the way Medusa answers:
//! `400 {type: "invalid_data", message: "Invalid request: <issue>"}` naming
//! the field.
//!
//! Bodies and query strings are first read as JSON values, then deserialised
//! into the route's typed input with the failing path tracked. Query strings
//! carry only strings, so a string where the input wants a boolean or number
//! is coerced (as Medusa's schemas do) and deserialisation retried.
//!
//! PostgreSQL cannot store U+0000 in `text` or `jsonb`, so no text input may
//! carry it: [`check_path`] and [`check_query`] reject it (and malformed
//! percent-encoding or non-UTF-8) in the URL before routing, [`reject_nul`]
//! anywhere in a parsed body or query.

use serde::de::DeserializeOwned;
use serde_json::Value;
use stheno_module_sdk::Error;

/// Deserialise `value` into `T`, turning serde's error into Medusa's message.
pub fn from_value<T: DeserializeOwned>(value: Value, coerce: bool) -> Result<T, Error> {
    let mut value = value;
    // Each retry fixes one string field; bounded by the number of fields.
    for _ in 0..64 {
        match serde_path_to_error::deserialize::<_, T>(&value) {
            Ok(v) => return Ok(v),
            Err(err) => {
                let path = path_of(&err);
                let inner = err.inner().to_string();
                if coerce && try_coerce(&mut value, &path, &inner) {
                    continue;
                }
                return Err(Error::invalid_data(format!(
                    "Invalid request: {}",
                    describe(&value, &path, &inner)
                )));
            }
        }
    }
    Err(Error::invalid_data("Invalid request"))
}

/// Path segments of the failing field (`items`, `0`, `quantity`).
fn path_of(err: &serde_path_to_error::Error<serde_json::Error>) -> Vec<String> {
    use serde_path_to_error::Segment;
    err.path()
        .iter()
        .filter_map(|s| match s {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.clone()),
            Segment::Enum { variant } => Some(variant.clone()),
            Segment::Unknown => None,
        })
        .collect()
}

/// The value at `path`, walking plain objects only — as Medusa does when it
/// words an issue, so a wrongly typed value inside an array element reads as
/// "required" (seen live on 2.21.2).
fn lookup<'a>(value: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get(seg),
        _ => None,
    })
}

fn lookup_mut<'a>(value: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
    path.iter().try_fold(value, |v, seg| match v {
        Value::Object(m) => m.get_mut(seg),
        Value::Array(a) => seg.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    })
}

fn try_coerce(value: &mut Value, path: &[String], message: &str) -> bool {
    let Some(expected) = expected_type(message) else {
        return false;
    };
    let Some(slot) = lookup_mut(value, path) else {
        return false;
    };
    let Value::String(s) = slot else { return false };
    let replacement = match expected {
        "boolean" => match s.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return false,
        },
        "number" => match s.parse::<i64>() {
            Ok(i) => Value::from(i),
            Err(_) => match s.parse::<f64>() {
                Ok(f) => Value::from(f),
                Err(_) => return false,
            },
        },
        "array" => Value::Array(vec![Value::String(std::mem::take(s))]),
        _ => return false,
    };
    *slot = replacement;
    true
}

/// Map serde's "expected …" wording to a JSON type name.
fn expected_type(message: &str) -> Option<&'static str> {
    let expected = message.split(", expected ").nth(1)?;
    let e = expected.trim_end_matches(['.', ' ']);
    Some(if e.contains("bool") {
        "boolean"
    } else if e.contains("string") || e.contains("str") && !e.contains("struct") {
        "string"
    } else if [
        "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "integer", "number",
        "float",
    ]
    .iter()
    .any(|t| e.contains(t))
    {
        "number"
    } else if e.contains("sequence") || e.contains("array") {
        "array"
    } else if e.contains("map") || e.contains("struct") || e.contains("object") {
        "object"
    } else {
        return None;
    })
}

fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Medusa's issue text for one serde error.
fn describe(value: &Value, path: &[String], message: &str) -> String {
    let field = path.join(", ");
    if let Some(rest) = message.strip_prefix("missing field `") {
        let name = rest.split('`').next().unwrap_or_default();
        let full = if field.is_empty() {
            name.to_string()
        } else {
            format!("{field}, {name}")
        };
        return format!("Field '{full}' is required");
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or_default();
        return format!("Unrecognized fields: '{name}'");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let got = rest.split('`').next().unwrap_or_default();
        let allowed: Vec<&str> = rest
            .split_once("expected ")
            .map(|(_, e)| {
                e.split('`')
                    .filter(|s| {
                        !s.trim().is_empty()
                            && !s.contains(',')
                            && *s != "one of "
                            && !s.starts_with(" or")
                    })
                    .collect()
            })
            .unwrap_or_default();
        return format!(
            "Expected: '{}' for field '{field}', but got: '{got}'",
            allowed.join(", ")
        );
    }
    if message.starts_with("invalid type") {
        return match (lookup(value, path), expected_type(message)) {
            (Some(v), Some(expected)) if !v.is_null() => {
                format!(
                    "Expected type: '{expected}' for field '{field}', got: '{}'",
                    render(v)
                )
            }
            (_, Some(expected)) if lookup(value, path).is_some_and(Value::is_null) => {
                format!("Expected type: '{expected}' for field '{field}', got: 'null'")
            }
            _ => format!("Field '{field}' is required"),
        };
    }
    if field.is_empty() {
        message.to_string()
    } else {
        format!("{message} for field '{field}'")
    }
}

/// Parse a query string (qs syntax: `a[]=1&a[]=2`, `a[b]=c`) into JSON.
/// Malformed percent-encoding, non-UTF-8 and NUL characters are
/// `invalid_data`.
pub fn parse_query(query: &str) -> Result<Value, Error> {
    check_query(query)?;
    let config = serde_qs::Config::new(5, false);
    let value = config
        .deserialize_str::<serde_json::Map<String, Value>>(query)
        .map(Value::Object)
        .map_err(|e| Error::invalid_data(format!("Invalid request: {e}")))?;
    reject_nul(&value)?;
    Ok(value)
}

const NUL_NOT_ALLOWED: &str = "contains a NUL character (U+0000), which is not allowed";

/// Why a percent-encoded URL part cannot be read as text.
#[derive(Debug, PartialEq, Eq)]
enum Undecodable {
    /// A `%` not followed by two hex digits.
    Malformed,
    /// The decoded bytes are not UTF-8.
    NotUtf8,
    /// The decoded text holds U+0000.
    Nul,
}

impl Undecodable {
    fn describe(&self) -> &'static str {
        match self {
            Undecodable::Malformed => {
                "has a malformed percent-encoding (a '%' must be followed by two hex digits)"
            }
            Undecodable::NotUtf8 => "is not valid UTF-8 once percent-decoded",
            Undecodable::Nul => NUL_NOT_ALLOWED,
        }
    }
}

/// Percent-decode `raw` (and `+` as a space when `plus_is_space`), requiring
/// UTF-8 text without NUL.
fn decode(raw: &str, plus_is_space: bool) -> Result<String, Undecodable> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let digit = |at: usize| {
                    bytes
                        .get(at)
                        .and_then(|b| (*b as char).to_digit(16))
                        .ok_or(Undecodable::Malformed)
                };
                out.push((digit(i + 1)? * 16 + digit(i + 2)?) as u8);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    let text = String::from_utf8(out).map_err(|_| Undecodable::NotUtf8)?;
    if text.contains('\0') {
        return Err(Undecodable::Nul);
    }
    Ok(text)
}

/// The URL path (still percent-encoded, as received) must decode to UTF-8
/// text without NUL: path segments become ids that reach PostgreSQL.
pub fn check_path(raw: &str) -> Result<(), Error> {
    decode(raw, false).map(drop).map_err(|why| {
        Error::invalid_data(format!("Invalid request: the URL path {}", why.describe()))
    })
}

/// Every key and value of the raw query string must decode to UTF-8 text
/// without NUL. The error names the parameter (`Value for field 'q' …`).
pub fn check_query(raw: &str) -> Result<(), Error> {
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key, true).map_err(|why| {
            Error::invalid_data(format!(
                "Invalid request: a query parameter name {}",
                why.describe()
            ))
        })?;
        decode(value, true).map_err(|why| {
            Error::invalid_data(format!(
                "Invalid request: Value for field '{}' {}",
                query_field(&key),
                why.describe()
            ))
        })?;
    }
    Ok(())
}

/// A qs key as Medusa names the field: `created_at[$gt]` → `created_at, $gt`.
fn query_field(key: &str) -> String {
    key.split(['[', ']'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reject U+0000 in any string or key of `value` (PostgreSQL refuses it in
/// `text` and `jsonb`), naming the field.
pub fn reject_nul(value: &Value) -> Result<(), Error> {
    walk(value, &mut Vec::new(), false)
}

/// What every body must be beyond its own type: no U+0000 in any string or
/// key ([`reject_nul`]), and a `metadata` field anywhere (`metadata`,
/// `variants, 0, metadata`) an object or `null` — Medusa's metadata is
/// always a record. What is inside a metadata object is the caller's own:
/// only NULs are refused there.
pub fn check_body(value: &Value) -> Result<(), Error> {
    walk(value, &mut Vec::new(), true)
}

fn walk(value: &Value, path: &mut Vec<String>, metadata: bool) -> Result<(), Error> {
    match value {
        Value::String(s) if s.contains('\0') => Err(Error::invalid_data(if path.is_empty() {
            format!("Invalid request: the body {NUL_NOT_ALLOWED}")
        } else {
            format!(
                "Invalid request: Value for field '{}' {NUL_NOT_ALLOWED}",
                path.join(", ")
            )
        })),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(i.to_string());
                walk(item, path, metadata)?;
                path.pop();
            }
            Ok(())
        }
        Value::Object(map) => {
            for (key, item) in map {
                if key.contains('\0') {
                    return Err(Error::invalid_data(if path.is_empty() {
                        format!("Invalid request: a field name {NUL_NOT_ALLOWED}")
                    } else {
                        format!(
                            "Invalid request: a field name in '{}' {NUL_NOT_ALLOWED}",
                            path.join(", ")
                        )
                    }));
                }
                path.push(key.clone());
                let is_metadata = metadata && key == "metadata";
                if is_metadata && !(item.is_object() || item.is_null()) {
                    return Err(Error::invalid_data(format!(
                        "Invalid request: Expected type: 'object' for field '{}', got: '{}'",
                        path.join(", "),
                        render(item)
                    )));
                }
                walk(item, path, metadata && !is_metadata)?;
                path.pop();
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Item {
        quantity: i64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Status {
        Draft,
        Published,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Body {
        region_id: String,
        status: Option<Status>,
        items: Option<Vec<Item>>,
        is_giftcard: Option<bool>,
    }

    fn check(input: Value, expected: &str) {
        let err = from_value::<Body>(input, false).unwrap_err();
        assert_eq!(err.message(), expected);
        assert_eq!(err.kind(), stheno_module_sdk::ErrorKind::InvalidData);
    }

    #[test]
    fn messages_match_medusa() {
        check(json!({}), "Invalid request: Field 'region_id' is required");
        check(
            json!({"region_id": 123}),
            "Invalid request: Expected type: 'string' for field 'region_id', got: '123'",
        );
        check(
            json!({"region_id": "r", "foo": 1}),
            "Invalid request: Unrecognized fields: 'foo'",
        );
        check(
            json!({"region_id": "r", "status": "x"}),
            "Invalid request: Expected: 'draft, published' for field 'status', but got: 'x'",
        );
        // Medusa reports a wrongly typed value inside an array element as required (seen live).
        check(
            json!({"region_id": "r", "items": [{"quantity": "2"}]}),
            "Invalid request: Field 'items, 0, quantity' is required",
        );
        check(
            json!({"region_id": "r", "items": [{}]}),
            "Invalid request: Field 'items, 0, quantity' is required",
        );
    }

    #[test]
    fn query_strings_are_coerced() {
        let v = parse_query("region_id=r&is_giftcard=true").unwrap();
        let body: Body = from_value(v, true).unwrap();
        assert_eq!(body.is_giftcard, Some(true));
        let v = parse_query("region_id=r&is_giftcard=maybe").unwrap();
        assert!(from_value::<Body>(v, true).is_err());
    }

    #[test]
    fn url_text_must_decode_without_nul() {
        assert_eq!(decode("a%20b+c", true).unwrap(), "a b c");
        assert_eq!(decode("a+b", false).unwrap(), "a+b");
        assert_eq!(decode("caf%C3%A9", false).unwrap(), "café");
        assert_eq!(decode("%00", false), Err(Undecodable::Nul));
        assert_eq!(decode("%FF", false), Err(Undecodable::NotUtf8));
        assert_eq!(decode("%C3", false), Err(Undecodable::NotUtf8));
        for raw in ["%", "%4", "%ZZ", "100%", "%%41", "%é1"] {
            assert_eq!(decode(raw, false), Err(Undecodable::Malformed), "{raw}");
        }
        assert!(check_path("/admin/users/usr_1").is_ok());
        assert_eq!(
            check_path("/admin/users/%00").unwrap_err().message(),
            "Invalid request: the URL path contains a NUL character (U+0000), which is not allowed"
        );
        assert!(check_query("q=shirt&id[]=a&flag").is_ok());
        let cases = [
            (
                "q=%00",
                "Invalid request: Value for field 'q' contains a NUL character (U+0000), which is not allowed",
            ),
            (
                "limit=5&created_at[$gt]=%00",
                "Invalid request: Value for field 'created_at, $gt' contains a NUL character (U+0000), which is not allowed",
            ),
            (
                "id%00=1",
                "Invalid request: a query parameter name contains a NUL character (U+0000), which is not allowed",
            ),
            (
                "q=%E9t%E9",
                "Invalid request: Value for field 'q' is not valid UTF-8 once percent-decoded",
            ),
            (
                "q=100%",
                "Invalid request: Value for field 'q' has a malformed percent-encoding (a '%' must be followed by two hex digits)",
            ),
        ];
        for (query, expected) in cases {
            let err = check_query(query).unwrap_err();
            assert_eq!(err.message(), expected, "{query}");
            assert_eq!(
                parse_query(query).unwrap_err().message(),
                expected,
                "{query}"
            );
        }
    }

    #[test]
    fn nul_is_rejected_anywhere_in_a_body() {
        assert!(reject_nul(&json!({"a": ["x", {"b": "y"}], "n": 1})).is_ok());
        let cases = [
            (json!("\u{0}"), "Invalid request: the body contains"),
            (
                json!({"title": "a\u{0}b"}),
                "Invalid request: Value for field 'title' contains",
            ),
            (
                json!({"items": [{"title": "ok"}, {"title": "\u{0}"}]}),
                "Invalid request: Value for field 'items, 1, title' contains",
            ),
            (
                json!({"tags": ["\u{0}"]}),
                "Invalid request: Value for field 'tags, 0' contains",
            ),
            (
                json!({"\u{0}": 1}),
                "Invalid request: a field name contains",
            ),
            (
                json!({"metadata": {"k\u{0}": 1}}),
                "Invalid request: a field name in 'metadata' contains",
            ),
        ];
        for (value, expected) in cases {
            let err = reject_nul(&value).unwrap_err();
            assert_eq!(
                err.message(),
                format!("{expected} a NUL character (U+0000), which is not allowed"),
                "{value}"
            );
        }
    }

    #[test]
    fn query_arrays_parse() {
        let v = parse_query("id[]=a&id[]=b&created_at[$gt]=2024-01-01").unwrap();
        assert_eq!(v["id"], json!(["a", "b"]));
        assert_eq!(v["created_at"]["$gt"], "2024-01-01");
    }
}
