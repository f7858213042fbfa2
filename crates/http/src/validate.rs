//! Request bodies and query strings, validated the way Medusa answers:
//! `400 {type: "invalid_data", message: "Invalid request: <issue>"}` naming
//! the field.
//!
//! Bodies and query strings are first read as JSON values, then deserialised
//! into the route's typed input with the failing path tracked. Query strings
//! carry only strings, so a string where the input wants a boolean or number
//! is coerced (as Medusa's schemas do) and deserialisation retried.

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
pub fn parse_query(query: &str) -> Result<Value, Error> {
    let config = serde_qs::Config::new(5, false);
    config
        .deserialize_str::<serde_json::Map<String, Value>>(query)
        .map(Value::Object)
        .map_err(|e| Error::invalid_data(format!("Invalid request: {e}")))
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
    fn query_arrays_parse() {
        let v = parse_query("id[]=a&id[]=b&created_at[$gt]=2024-01-01").unwrap();
        assert_eq!(v["id"], json!(["a", "b"]));
        assert_eq!(v["created_at"]["$gt"], "2024-01-01");
    }
}
