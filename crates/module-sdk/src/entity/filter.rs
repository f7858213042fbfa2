//! Medusa's list filters: per-column operators, `q`, `$and`, `$or`.
//!
//! A generated `<Entity>Filter` has one `Option<FieldFilter<T>>` per column.
//! A [`FieldFilter`] deserialises from what Medusa accepts for a field:
//! - a value (`handle=shirt`, `{"handle": "shirt"}`) → `$eq`;
//! - `null` → `IS NULL`;
//! - an array (`id[]=a&id[]=b`, `["a", "b"]`) → `$in`;
//! - an object of operators (`created_at[$gt]=…`, `{"$ne": "x"}`):
//!   `$eq $ne $in $nin $gt $gte $lt $lte $like $ilike`.
//!
//! Filters become a [`Condition`] tree, which the service turns into SQL with
//! bound parameters.

use serde::de::{Deserializer, Error as _};
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Bind, EntityMeta, SqlValue};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    Ilike,
}

impl Op {
    fn sql(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "<>",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Like => "LIKE",
            Op::Ilike => "ILIKE",
        }
    }
}

/// A filter as a tree of conditions on columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Compare {
        column: &'static str,
        op: Op,
        value: Bind,
    },
    In {
        column: &'static str,
        values: Vec<Bind>,
        negated: bool,
    },
    IsNull {
        column: &'static str,
        negated: bool,
    },
    /// `q`: any searchable column contains the text (case-insensitive).
    Search(String),
    /// Rows with at least one live row of the relation `relation` (declared
    /// on the entity: has-many, belongs-to or many-to-many) matching
    /// `condition`, a condition on the related entity. Generated filters
    /// put one on the related `id`: `groups=cusgroup_1` lists the
    /// customers in that group.
    Related {
        relation: &'static str,
        condition: Box<Condition>,
    },
    /// Rows with a live row in link table `table` whose `other_column` is
    /// one of `ids` (`column` holds this entity's key): products in the
    /// publishable key's sales channels. Built by
    /// [`Links::linked_to`](crate::link::Links::linked_to).
    Linked {
        table: String,
        column: &'static str,
        other_column: &'static str,
        ids: Vec<String>,
    },
}

impl Condition {
    /// Whether the condition names `column` anywhere (a `deleted_at` filter
    /// includes soft-deleted rows).
    pub fn mentions(&self, column: &str) -> bool {
        match self {
            Condition::All(c) | Condition::Any(c) => c.iter().any(|c| c.mentions(column)),
            Condition::Compare { column: c, .. }
            | Condition::In { column: c, .. }
            | Condition::IsNull { column: c, .. } => *c == column,
            // The inner condition is about the related rows.
            Condition::Search(_) | Condition::Related { .. } | Condition::Linked { .. } => false,
        }
    }

    /// Append the condition to `sql` as a boolean expression on alias `t`.
    pub(crate) fn write(&self, meta: &EntityMeta, sql: &mut super::sql::DynSql) {
        let column_type = |c: &str| meta.column(c).map(|t| t.sql()).unwrap_or("text");
        match self {
            Condition::All(items) | Condition::Any(items) if items.is_empty() => {
                sql.push(if matches!(self, Condition::All(_)) {
                    "TRUE"
                } else {
                    "FALSE"
                });
            }
            Condition::All(items) | Condition::Any(items) => {
                let joiner = if matches!(self, Condition::All(_)) {
                    " AND "
                } else {
                    " OR "
                };
                sql.push("(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        sql.push(joiner);
                    }
                    item.write(meta, sql);
                }
                sql.push(")");
            }
            Condition::Compare { column, op, value } => {
                if *value == Bind::Null {
                    // `$eq: null` / `$ne: null`.
                    let negated = *op != Op::Eq;
                    return Condition::IsNull { column, negated }.write(meta, sql);
                }
                sql.push(&format!("t.\"{column}\""));
                if matches!(op, Op::Like | Op::Ilike) {
                    sql.push(&format!("::text {} ", op.sql()));
                    sql.bind(value.clone(), "text");
                } else {
                    sql.push(&format!(" {} ", op.sql()));
                    sql.bind(value.clone(), column_type(column));
                }
            }
            Condition::In {
                column,
                values,
                negated,
            } => {
                if values.is_empty() {
                    sql.push(if *negated { "TRUE" } else { "FALSE" });
                    return;
                }
                let texts = values
                    .iter()
                    .filter_map(|v| match v {
                        Bind::Text(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
                if *negated {
                    sql.push(&format!("NOT (t.\"{column}\" = ANY("));
                } else {
                    sql.push(&format!("(t.\"{column}\" = ANY("));
                }
                sql.bind_array(texts, column_type(column));
                sql.push("))");
            }
            Condition::IsNull { column, negated } => {
                let not = if *negated { " NOT" } else { "" };
                sql.push(&format!("t.\"{column}\" IS{not} NULL"));
            }
            Condition::Search(text) => {
                if meta.searchable.is_empty() {
                    sql.push("FALSE");
                    return;
                }
                sql.push("(");
                for (i, column) in meta.searchable.iter().enumerate() {
                    if i > 0 {
                        sql.push(" OR ");
                    }
                    sql.push(&format!("t.\"{column}\"::text ILIKE "));
                    sql.bind(Bind::Text(crate::list::contains_pattern(text)), "text");
                }
                sql.push(")");
            }
            Condition::Related {
                relation,
                condition,
            } => write_related(meta, relation, condition, sql),
            Condition::Linked {
                table,
                column,
                other_column,
                ids,
            } => {
                sql.push(&format!(
                    "(t.\"{}\" IN (SELECT l.\"{column}\" FROM \"{table}\" l WHERE l.\"{other_column}\" = ANY(",
                    meta.pk
                ));
                sql.bind_array(ids.clone(), "text");
                sql.push(") AND l.deleted_at IS NULL))");
            }
        }
    }
}

/// `Condition::Related` as a subquery. The related table is aliased `t`
/// too, so the inner condition is written as on any table; inside the
/// subquery `t` is the related row, outside it the row filtered.
fn write_related(
    meta: &EntityMeta,
    relation: &str,
    condition: &Condition,
    sql: &mut super::sql::DynSql,
) {
    use super::RelationKind;
    let Some(rel) = meta.relation(relation) else {
        // Generated filters only name declared relations.
        sql.push("FALSE");
        return;
    };
    let target = (rel.target)();
    let (head, from) = match rel.kind {
        RelationKind::HasMany { fk } => (
            format!("t.\"{}\"", meta.pk),
            format!("SELECT t.\"{fk}\" FROM \"{}\" t", target.table),
        ),
        RelationKind::BelongsTo { fk } => (
            format!("t.\"{fk}\""),
            format!("SELECT t.\"{}\" FROM \"{}\" t", target.pk, target.table),
        ),
        RelationKind::ManyToMany {
            through,
            fk,
            other_fk,
        } => (
            format!("t.\"{}\"", meta.pk),
            format!(
                "SELECT p.\"{fk}\" FROM \"{through}\" p JOIN \"{}\" t ON t.\"{}\" = p.\"{other_fk}\"",
                target.table, target.pk
            ),
        ),
    };
    sql.push(&format!("({head} IN ({from} WHERE "));
    condition.write(target, sql);
    if target.soft_delete {
        sql.push(" AND t.deleted_at IS NULL");
    }
    sql.push("))");
}

/// A typed filter of one entity (generated).
pub trait EntityFilter {
    /// The filter as conditions (all must hold).
    fn condition(&self) -> Condition;
}

/// No filter at all.
impl EntityFilter for () {
    fn condition(&self) -> Condition {
        Condition::All(Vec::new())
    }
}

/// The operators of one column filter.
#[derive(Debug, Clone, PartialEq)]
pub struct FilterOps<T> {
    pub eq: Option<Option<T>>,
    pub ne: Option<Option<T>>,
    pub in_: Option<Vec<T>>,
    pub nin: Option<Vec<T>>,
    pub gt: Option<T>,
    pub gte: Option<T>,
    pub lt: Option<T>,
    pub lte: Option<T>,
    pub like: Option<String>,
    pub ilike: Option<String>,
}

impl<T> Default for FilterOps<T> {
    fn default() -> Self {
        Self {
            eq: None,
            ne: None,
            in_: None,
            nin: None,
            gt: None,
            gte: None,
            lt: None,
            lte: None,
            like: None,
            ilike: None,
        }
    }
}

/// The filter of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldFilter<T> {
    /// `field=value`
    Eq(T),
    /// `field=null`
    Null,
    /// `field[]=a&field[]=b`
    In(Vec<T>),
    /// `field[$op]=value`
    Ops(Box<FilterOps<T>>),
}

impl<T> FieldFilter<T> {
    /// `$in` shorthand.
    pub fn any(values: impl IntoIterator<Item = T>) -> Self {
        FieldFilter::In(values.into_iter().collect())
    }
    /// A filter with one operator set through `f`.
    pub fn ops(f: impl FnOnce(&mut FilterOps<T>)) -> Self {
        let mut ops = FilterOps::default();
        f(&mut ops);
        FieldFilter::Ops(Box::new(ops))
    }
}

impl<T: SqlValue> FieldFilter<T> {
    /// The conditions this filter puts on `column`.
    pub fn condition(&self, column: &'static str) -> Condition {
        let cmp = |op, v: &T| Condition::Compare {
            column,
            op,
            value: v.to_bind(),
        };
        let in_ = |values: &[T], negated| Condition::In {
            column,
            values: values.iter().map(SqlValue::to_bind).collect(),
            negated,
        };
        match self {
            FieldFilter::Eq(v) => cmp(Op::Eq, v),
            FieldFilter::Null => Condition::IsNull {
                column,
                negated: false,
            },
            FieldFilter::In(values) => in_(values, false),
            FieldFilter::Ops(ops) => {
                let mut all = Vec::new();
                let null_or = |op, v: &Option<T>| match v {
                    Some(v) => cmp(op, v),
                    None => Condition::IsNull {
                        column,
                        negated: op == Op::Ne,
                    },
                };
                if let Some(v) = &ops.eq {
                    all.push(null_or(Op::Eq, v));
                }
                if let Some(v) = &ops.ne {
                    all.push(null_or(Op::Ne, v));
                }
                if let Some(v) = &ops.in_ {
                    all.push(in_(v, false));
                }
                if let Some(v) = &ops.nin {
                    all.push(in_(v, true));
                }
                for (op, v) in [
                    (Op::Gt, &ops.gt),
                    (Op::Gte, &ops.gte),
                    (Op::Lt, &ops.lt),
                    (Op::Lte, &ops.lte),
                ] {
                    if let Some(v) = v {
                        all.push(cmp(op, v));
                    }
                }
                for (op, v) in [(Op::Like, &ops.like), (Op::Ilike, &ops.ilike)] {
                    if let Some(v) = v {
                        all.push(Condition::Compare {
                            column,
                            op,
                            value: Bind::Text(v.clone()),
                        });
                    }
                }
                Condition::All(all)
            }
        }
    }
}

/// `id=a` / `id[]=a&id[]=b` of a hand-written parameter struct: `$in`.
impl From<crate::list::OneOrMany> for FieldFilter<String> {
    fn from(values: crate::list::OneOrMany) -> Self {
        FieldFilter::In(values.0)
    }
}

/// `created_at[$gte]=…` of a hand-written parameter struct: the same
/// operators.
impl From<crate::list::DateFilter> for FieldFilter<chrono::DateTime<chrono::Utc>> {
    fn from(f: crate::list::DateFilter) -> Self {
        FieldFilter::ops(|o| {
            o.eq = f.eq.map(Some);
            o.ne = f.ne.map(Some);
            o.gt = f.gt;
            o.gte = f.gte;
            o.lt = f.lt;
            o.lte = f.lte;
        })
    }
}

/// `#[serde(deserialize_with = …)]` of generated filter fields: `null`
/// means `IS NULL`, not "no filter".
pub fn present<'de, D: Deserializer<'de>, T: SqlValue>(
    d: D,
) -> Result<Option<FieldFilter<T>>, D::Error> {
    FieldFilter::deserialize(d).map(Some)
}

fn parse_list<T: SqlValue>(value: &Value) -> Result<Vec<T>, String> {
    match value {
        Value::Array(items) => items.iter().map(T::from_filter).collect(),
        // `id[$in]=a,b` arrives as one string.
        Value::String(s) if s.contains(',') => s
            .split(',')
            .map(|p| T::from_filter(&Value::String(p.trim().to_string())))
            .collect(),
        other => Ok(vec![T::from_filter(other)?]),
    }
}

impl<'de, T: SqlValue> Deserialize<'de> for FieldFilter<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        // Query strings cannot send JSON `null`: the text `null` means it.
        let is_null = |v: &Value| v.is_null() || v.as_str() == Some("null");
        match &value {
            v if is_null(v) => Ok(FieldFilter::Null),
            Value::Array(_) => parse_list(&value)
                .map(FieldFilter::In)
                .map_err(D::Error::custom),
            Value::Object(map) => {
                let mut ops = FilterOps::default();
                for (key, v) in map {
                    let one = || T::from_filter(v).map_err(D::Error::custom);
                    let nullable = || {
                        if is_null(v) {
                            Ok(None)
                        } else {
                            one().map(Some)
                        }
                    };
                    let text = || match v {
                        Value::String(s) => Ok(s.clone()),
                        other => Err(D::Error::custom(format!(
                            "Expected type: 'string' for field '{key}', got: '{other}'"
                        ))),
                    };
                    match key.as_str() {
                        "$eq" => ops.eq = Some(nullable()?),
                        "$ne" => ops.ne = Some(nullable()?),
                        "$in" => ops.in_ = Some(parse_list(v).map_err(D::Error::custom)?),
                        "$nin" => ops.nin = Some(parse_list(v).map_err(D::Error::custom)?),
                        "$gt" => ops.gt = Some(one()?),
                        "$gte" => ops.gte = Some(one()?),
                        "$lt" => ops.lt = Some(one()?),
                        "$lte" => ops.lte = Some(one()?),
                        "$like" => ops.like = Some(text()?),
                        "$ilike" => ops.ilike = Some(text()?),
                        other => {
                            return Err(D::Error::custom(format!(
                                "Unrecognized fields: '{other}'"
                            )));
                        }
                    }
                }
                Ok(FieldFilter::Ops(Box::new(ops)))
            }
            other => T::from_filter(other)
                .map(FieldFilter::Eq)
                .map_err(D::Error::custom),
        }
    }
}

fn bind_json(b: &Bind) -> Value {
    match b {
        Bind::Text(s) => Value::String(s.clone()),
        _ => Value::Null,
    }
}

impl<T: SqlValue> Serialize for FieldFilter<T> {
    /// Filters travel as JSON inside workflow inputs; values serialise in
    /// their text form, which [`SqlValue::from_filter`] reads back.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let one = |v: &T| bind_json(&v.to_bind());
        let many = |v: &[T]| Value::Array(v.iter().map(one).collect());
        let value = match self {
            FieldFilter::Eq(v) => one(v),
            FieldFilter::Null => Value::Null,
            FieldFilter::In(v) => many(v),
            FieldFilter::Ops(ops) => {
                let mut map = serde_json::Map::new();
                let opt = |v: &Option<T>| v.as_ref().map(one).unwrap_or(Value::Null);
                if let Some(v) = &ops.eq {
                    map.insert("$eq".into(), opt(v));
                }
                if let Some(v) = &ops.ne {
                    map.insert("$ne".into(), opt(v));
                }
                if let Some(v) = &ops.in_ {
                    map.insert("$in".into(), many(v));
                }
                if let Some(v) = &ops.nin {
                    map.insert("$nin".into(), many(v));
                }
                for (k, v) in [
                    ("$gt", &ops.gt),
                    ("$gte", &ops.gte),
                    ("$lt", &ops.lt),
                    ("$lte", &ops.lte),
                ] {
                    if let Some(v) = v {
                        map.insert(k.into(), one(v));
                    }
                }
                for (k, v) in [("$like", &ops.like), ("$ilike", &ops.ilike)] {
                    if let Some(v) = v {
                        map.insert(k.into(), Value::String(v.clone()));
                    }
                }
                Value::Object(map)
            }
        };
        value.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: SqlValue>(v: Value) -> Result<FieldFilter<T>, String> {
        serde_json::from_value(v).map_err(|e| e.to_string())
    }

    #[test]
    fn every_shape_parses() {
        assert_eq!(parse::<String>(json!("a")), Ok(FieldFilter::Eq("a".into())));
        assert_eq!(parse::<String>(json!(null)), Ok(FieldFilter::Null));
        assert_eq!(parse::<String>(json!("null")), Ok(FieldFilter::Null));
        assert_eq!(
            parse::<String>(json!(["a", "b"])),
            Ok(FieldFilter::In(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            parse::<i64>(json!({"$gt": "3", "$nin": "1,2"})),
            Ok(FieldFilter::ops(|o| {
                o.gt = Some(3);
                o.nin = Some(vec![1, 2]);
            }))
        );
        assert_eq!(parse::<bool>(json!("true")), Ok(FieldFilter::Eq(true)));
    }

    #[test]
    fn bad_values_and_operators_are_errors() {
        assert!(parse::<i64>(json!("x")).unwrap_err().contains("number"));
        assert!(
            parse::<String>(json!({"$regex": "a"}))
                .unwrap_err()
                .contains("Unrecognized fields: '$regex'")
        );
        assert!(parse::<chrono::DateTime<chrono::Utc>>(json!({"$gt": "yesterday"})).is_err());
    }

    #[test]
    fn filters_round_trip_through_json() {
        let f: FieldFilter<i64> = FieldFilter::ops(|o| {
            o.gte = Some(2);
            o.ne = Some(None);
        });
        let back: FieldFilter<i64> =
            serde_json::from_value(serde_json::to_value(&f).unwrap()).unwrap();
        assert_eq!(back, f);
    }
}
