//! Evaluating DynamoDB expressions on items: conditions, update actions and projections.
//! Semantics: Developer Guide, "Condition and filter expressions, operators, and functions" and
//! "Update expressions" (SET with if_not_exists / list_append / + and -, REMOVE, ADD, DELETE).

use super::attr::{self, add_numbers, canonical_number, negate, parse_number};
use super::expr::{CmpOp, Cond, ExprKind, Operand, Path, PathElem, Update};
use serde_json::{json, Map, Value};
use std::cmp::Ordering;

pub type Item = Map<String, Value>;

/// Reads a document path from an item.
pub fn get_path<'a>(item: &'a Item, path: &Path) -> Option<&'a Value> {
    let mut cur: Option<&Value> = None;
    for (i, e) in path.0.iter().enumerate() {
        cur = match (i, e) {
            (0, PathElem::Name(n)) => item.get(n),
            (_, PathElem::Name(n)) => cur?.get("M")?.get(n),
            (_, PathElem::Index(ix)) => {
                if i == 0 {
                    return None;
                }
                cur?.get("L")?.get(*ix)
            }
        };
        cur?;
    }
    cur
}

fn operand_type_error(kind: ExprKind, func: &str, t: &str) -> String {
    format!(
        "Invalid {}: Incorrect operand type for operator or function; operator or function: {func}, operand type: {t}",
        kind.label()
    )
}

/// Evaluates a condition operand; None when the path does not exist.
fn cond_value(
    kind: ExprKind,
    item: &Item,
    op: &Operand,
    values: &Map<String, Value>,
) -> Result<Option<Value>, String> {
    match op {
        Operand::Path(p) => Ok(get_path(item, p).cloned()),
        Operand::Value(v) => Ok(values.get(v).cloned()),
        Operand::Size(p) => {
            let Some(v) = get_path(item, p) else {
                return Ok(None);
            };
            let t = attr::type_of(v).unwrap_or("");
            let inner = &v[t];
            let n = match t {
                "S" => inner.as_str().map_or(0, |s| s.chars().count()),
                "B" => inner.as_str().map_or(0, attr::base64_len),
                "SS" | "NS" | "BS" | "L" => inner.as_array().map_or(0, Vec::len),
                "M" => inner.as_object().map_or(0, Map::len),
                _ => return Err(operand_type_error(kind, "size", t)),
            };
            Ok(Some(json!({"N": n.to_string()})))
        }
        _ => Err(format!("Invalid {}: Syntax error", kind.label())),
    }
}

pub fn eval_condition(
    kind: ExprKind,
    item: &Item,
    c: &Cond,
    values: &Map<String, Value>,
) -> Result<bool, String> {
    Ok(match c {
        Cond::Or(a, b) => {
            eval_condition(kind, item, a, values)? || eval_condition(kind, item, b, values)?
        }
        Cond::And(a, b) => {
            eval_condition(kind, item, a, values)? && eval_condition(kind, item, b, values)?
        }
        Cond::Not(a) => !eval_condition(kind, item, a, values)?,
        Cond::AttributeExists(p) => get_path(item, p).is_some(),
        Cond::AttributeNotExists(p) => get_path(item, p).is_none(),
        Cond::AttributeType(p, t) => {
            let want = cond_value(kind, item, t, values)?;
            let want = want
                .as_ref()
                .and_then(|w| w.get("S"))
                .and_then(Value::as_str)
                .map(str::to_string);
            let Some(want) = want else {
                return Err(operand_type_error(kind, "attribute_type", "N"));
            };
            if !attr::TYPES.contains(&want.as_str()) {
                return Err(format!(
                    "Invalid {}: Invalid attribute type name found; type: {want}, valid types: {{ B,NULL,SS,BOOL,L,BS,N,NS,S,M }}",
                    kind.label()
                ));
            }
            get_path(item, p).and_then(attr::type_of) == Some(want.as_str())
        }
        Cond::BeginsWith(a, b) => {
            let (x, y) = (
                cond_value(kind, item, a, values)?,
                cond_value(kind, item, b, values)?,
            );
            match (x, y) {
                (Some(x), Some(y)) => match (attr::type_of(&x), attr::type_of(&y)) {
                    (Some("S"), Some("S")) => x["S"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with(y["S"].as_str().unwrap_or("")),
                    (Some("B"), Some("B")) => x["B"]
                        .as_str()
                        .unwrap_or("")
                        .starts_with(y["B"].as_str().unwrap_or("")),
                    (_, Some(t)) if t != "S" && t != "B" => {
                        return Err(operand_type_error(kind, "begins_with", t))
                    }
                    _ => false,
                },
                _ => false,
            }
        }
        Cond::Contains(a, b) => {
            let (x, y) = (
                cond_value(kind, item, a, values)?,
                cond_value(kind, item, b, values)?,
            );
            match (x, y) {
                (Some(x), Some(y)) => {
                    let tx = attr::type_of(&x).unwrap_or("");
                    let ty = attr::type_of(&y).unwrap_or("");
                    match tx {
                        "S" => {
                            ty == "S"
                                && x["S"]
                                    .as_str()
                                    .unwrap_or("")
                                    .contains(y["S"].as_str().unwrap_or(""))
                        }
                        "B" => {
                            ty == "B"
                                && x["B"]
                                    .as_str()
                                    .unwrap_or("")
                                    .contains(y["B"].as_str().unwrap_or(""))
                        }
                        "SS" | "NS" | "BS" => {
                            ty.len() == 1
                                && tx.starts_with(ty)
                                && x[tx].as_array().is_some_and(|arr| {
                                    arr.iter().any(|e| attr::equal(&json!({ty: e}), &y))
                                })
                        }
                        "L" => x["L"]
                            .as_array()
                            .is_some_and(|arr| arr.iter().any(|e| attr::equal(e, &y))),
                        _ => false,
                    }
                }
                _ => false,
            }
        }
        Cond::Cmp(a, op, b) => {
            let (x, y) = (
                cond_value(kind, item, a, values)?,
                cond_value(kind, item, b, values)?,
            );
            match (x, y) {
                (Some(x), Some(y)) => match op {
                    CmpOp::Eq => attr::equal(&x, &y),
                    CmpOp::Ne => !attr::equal(&x, &y),
                    _ => match attr::compare(&x, &y) {
                        Some(o) => match op {
                            CmpOp::Lt => o == Ordering::Less,
                            CmpOp::Le => o != Ordering::Greater,
                            CmpOp::Gt => o == Ordering::Greater,
                            _ => o != Ordering::Less,
                        },
                        None => false,
                    },
                },
                // A missing attribute is not equal to anything.
                _ => *op == CmpOp::Ne,
            }
        }
        Cond::Between(a, lo, hi) => {
            let (x, l, h) = (
                cond_value(kind, item, a, values)?,
                cond_value(kind, item, lo, values)?,
                cond_value(kind, item, hi, values)?,
            );
            if let (Some(l), Some(h)) = (&l, &h) {
                if attr::compare(l, h) == Some(Ordering::Greater) {
                    return Err(format!(
                        "Invalid {}: The BETWEEN operator requires upper bound to be greater than or equal to lower bound; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
                        kind.label(),
                        describe_value(l),
                        describe_value(h)
                    ));
                }
            }
            match (x, l, h) {
                (Some(x), Some(l), Some(h)) => {
                    matches!(
                        attr::compare(&x, &l),
                        Some(Ordering::Greater | Ordering::Equal)
                    ) && matches!(
                        attr::compare(&x, &h),
                        Some(Ordering::Less | Ordering::Equal)
                    )
                }
                _ => false,
            }
        }
        Cond::In(a, list) => {
            let Some(x) = cond_value(kind, item, a, values)? else {
                return Ok(false);
            };
            let mut found = false;
            for o in list {
                if let Some(v) = cond_value(kind, item, o, values)? {
                    if attr::equal(&x, &v) {
                        found = true;
                    }
                }
            }
            found
        }
    })
}

/// `{S:x}` as DynamoDB prints values in messages.
fn describe_value(v: &Value) -> String {
    match attr::type_of(v) {
        Some(t) => format!(
            "{{{t}:{}}}",
            v[t].as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v[t].to_string())
        ),
        None => v.to_string(),
    }
}

/// Evaluates a SET right-hand side against the item as it was before the update.
fn set_value(item: &Item, op: &Operand, values: &Map<String, Value>) -> Result<Value, String> {
    let kind = ExprKind::Update;
    match op {
        Operand::Path(p) => get_path(item, p).cloned().ok_or_else(|| {
            "The provided expression refers to an attribute that does not exist in the item".to_string()
        }),
        Operand::Value(v) => values.get(v).cloned().ok_or_else(|| format!("Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: {v}")),
        Operand::Size(_) => Err("Invalid UpdateExpression: Syntax error".into()),
        Operand::IfNotExists(p, d) => match get_path(item, p) {
            Some(v) => Ok(v.clone()),
            None => set_value(item, d, values),
        },
        Operand::ListAppend(a, b) => {
            let (x, y) = (set_value(item, a, values)?, set_value(item, b, values)?);
            for v in [&x, &y] {
                let t = attr::type_of(v).unwrap_or("");
                if t != "L" {
                    return Err(operand_type_error(kind, "list_append", t));
                }
            }
            let mut l = x["L"].as_array().cloned().unwrap_or_default();
            l.extend(y["L"].as_array().cloned().unwrap_or_default());
            Ok(json!({"L": l}))
        }
        Operand::Plus(a, b) | Operand::Minus(a, b) => {
            let (x, y) = (set_value(item, a, values)?, set_value(item, b, values)?);
            let sym = if matches!(op, Operand::Plus(..)) { "+" } else { "-" };
            for v in [&x, &y] {
                let t = attr::type_of(v).unwrap_or("");
                if t != "N" {
                    return Err(operand_type_error(kind, sym, t));
                }
            }
            let p = parse_number(x["N"].as_str().unwrap_or("")).map_err(|e| e.to_string())?;
            let mut q = parse_number(y["N"].as_str().unwrap_or("")).map_err(|e| e.to_string())?;
            if sym == "-" {
                q = negate(&q);
            }
            let r = add_numbers(&p, &q)?;
            Ok(json!({"N": canonical_number(&r)}))
        }
    }
}

/// Writes `v` at `path`; the parent must exist (a missing parent is DynamoDB's
/// "The document path provided in the update expression is invalid for update").
fn put_path(item: &mut Item, path: &Path, v: Value) -> Result<(), String> {
    const INVALID: &str =
        "The document path provided in the update expression is invalid for update";
    let elems = &path.0;
    if elems.len() == 1 {
        if let PathElem::Name(n) = &elems[0] {
            item.insert(n.clone(), v);
            return Ok(());
        }
    }
    let PathElem::Name(first) = &elems[0] else {
        return Err(INVALID.into());
    };
    let mut cur = item.get_mut(first).ok_or(INVALID)?;
    for (i, e) in elems[1..].iter().enumerate() {
        let last = i == elems.len() - 2;
        match e {
            PathElem::Name(n) => {
                let m = cur
                    .get_mut("M")
                    .and_then(Value::as_object_mut)
                    .ok_or(INVALID)?;
                if last {
                    m.insert(n.clone(), v);
                    return Ok(());
                }
                cur = m.get_mut(n).ok_or(INVALID)?;
            }
            PathElem::Index(ix) => {
                let l = cur
                    .get_mut("L")
                    .and_then(Value::as_array_mut)
                    .ok_or(INVALID)?;
                if last {
                    // Past the end appends (Developer Guide, "Adding elements to a list").
                    if *ix >= l.len() {
                        l.push(v);
                    } else {
                        l[*ix] = v;
                    }
                    return Ok(());
                }
                cur = l.get_mut(*ix).ok_or(INVALID)?;
            }
        }
    }
    Err(INVALID.into())
}

fn remove_path(item: &mut Item, path: &Path) {
    let elems = &path.0;
    let PathElem::Name(first) = &elems[0] else {
        return;
    };
    if elems.len() == 1 {
        item.remove(first);
        return;
    }
    let Some(mut cur) = item.get_mut(first) else {
        return;
    };
    for (i, e) in elems[1..].iter().enumerate() {
        let last = i == elems.len() - 2;
        match e {
            PathElem::Name(n) => {
                let Some(m) = cur.get_mut("M").and_then(Value::as_object_mut) else {
                    return;
                };
                if last {
                    m.shift_remove(n);
                    return;
                }
                let Some(next) = m.get_mut(n) else { return };
                cur = next;
            }
            PathElem::Index(ix) => {
                let Some(l) = cur.get_mut("L").and_then(Value::as_array_mut) else {
                    return;
                };
                if last {
                    if *ix < l.len() {
                        l.remove(*ix);
                    }
                    return;
                }
                let Some(next) = l.get_mut(*ix) else { return };
                cur = next;
            }
        }
    }
}

/// Applies an update expression; returns the new item. `key_names` may not be touched.
pub fn apply_update(
    item: &Item,
    u: &Update,
    values: &Map<String, Value>,
    key_names: &[&str],
) -> Result<Item, String> {
    for p in u
        .set
        .iter()
        .map(|(p, _)| p)
        .chain(u.remove.iter())
        .chain(u.add.iter().map(|(p, _)| p))
        .chain(u.delete.iter().map(|(p, _)| p))
    {
        if p.0.len() == 1 && key_names.contains(&p.top()) {
            return Err(format!(
                "One or more parameter values were invalid: Cannot update attribute {}. This attribute is part of the key",
                p.top()
            ));
        }
    }
    // All right-hand sides read the old item.
    let mut sets = Vec::new();
    for (p, op) in &u.set {
        sets.push((p, set_value(item, op, values)?));
    }
    let mut out = item.clone();
    for (p, v) in sets {
        put_path(&mut out, p, v)?;
    }
    // Remove list elements from the highest index down so indexes refer to the old list.
    let mut removes: Vec<&Path> = u.remove.iter().collect();
    removes.sort_by(|a, b| {
        b.0.len()
            .cmp(&a.0.len())
            .then_with(|| match (a.0.last(), b.0.last()) {
                (Some(PathElem::Index(x)), Some(PathElem::Index(y))) => y.cmp(x),
                _ => Ordering::Equal,
            })
    });
    for p in removes {
        remove_path(&mut out, p);
    }
    for (p, op) in &u.add {
        let v = set_value(item, op, values)?;
        let t = attr::type_of(&v).unwrap_or("");
        let cur = get_path(&out, p).cloned();
        let new = match (t, cur) {
            ("N", None) => v,
            ("N", Some(c)) if attr::type_of(&c) == Some("N") => {
                let r = add_numbers(
                    &parse_number(c["N"].as_str().unwrap_or("0"))?,
                    &parse_number(v["N"].as_str().unwrap_or("0"))?,
                )?;
                json!({"N": canonical_number(&r)})
            }
            ("SS" | "NS" | "BS", None) => v,
            ("SS" | "NS" | "BS", Some(c)) if attr::type_of(&c) == Some(t) => {
                let mut arr = c[t].as_array().cloned().unwrap_or_default();
                for e in v[t].as_array().cloned().unwrap_or_default() {
                    if !arr.iter().any(|x| attr::equal(&json!({t: [x]}), &json!({t: [e.clone()]}))) {
                        arr.push(e);
                    }
                }
                json!({t: arr})
            }
            _ => return Err("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: ADD, operand type: ".to_string() + t),
        };
        put_path(&mut out, p, new)?;
    }
    for (p, op) in &u.delete {
        let v = set_value(item, op, values)?;
        let t = attr::type_of(&v).unwrap_or("");
        if !matches!(t, "SS" | "NS" | "BS") {
            return Err(format!("Invalid UpdateExpression: Incorrect operand type for operator or function; operator: DELETE, operand type: {t}"));
        }
        let Some(cur) = get_path(&out, p).cloned() else {
            continue;
        };
        if attr::type_of(&cur) != Some(t) {
            return Err("An operand in the update expression has an incorrect data type".into());
        }
        let remove: Vec<Value> = v[t].as_array().cloned().unwrap_or_default();
        let kept: Vec<Value> = cur[t]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|e| {
                !remove
                    .iter()
                    .any(|r| attr::equal(&json!({t: [e.clone()]}), &json!({t: [r.clone()]})))
            })
            .collect();
        if kept.is_empty() {
            remove_path(&mut out, p);
        } else {
            put_path(&mut out, p, json!({t: kept}))?;
        }
    }
    Ok(out)
}

/// Keeps only the projected paths (list elements picked by index are compacted, as DynamoDB does).
pub fn project(item: &Item, paths: &[Path]) -> Item {
    let mut out = Item::new();
    for p in paths {
        let Some(v) = get_path(item, p) else { continue };
        insert_projected(&mut out, &p.0, v.clone());
    }
    out
}

fn insert_projected(out: &mut Item, elems: &[PathElem], v: Value) {
    let PathElem::Name(first) = &elems[0] else {
        return;
    };
    if elems.len() == 1 {
        out.insert(first.clone(), v);
        return;
    }
    let container = out.entry(first.clone()).or_insert_with(|| match elems[1] {
        PathElem::Name(_) => json!({"M": {}}),
        PathElem::Index(_) => json!({"L": []}),
    });
    insert_into(container, &elems[1..], v);
}

fn insert_into(container: &mut Value, elems: &[PathElem], v: Value) {
    match &elems[0] {
        PathElem::Name(n) => {
            let Some(m) = container.get_mut("M").and_then(Value::as_object_mut) else {
                return;
            };
            if elems.len() == 1 {
                m.insert(n.clone(), v);
            } else {
                let next = m.entry(n.clone()).or_insert_with(|| match elems[1] {
                    PathElem::Name(_) => json!({"M": {}}),
                    PathElem::Index(_) => json!({"L": []}),
                });
                insert_into(next, &elems[1..], v);
            }
        }
        PathElem::Index(_) => {
            let Some(l) = container.get_mut("L").and_then(Value::as_array_mut) else {
                return;
            };
            if elems.len() == 1 {
                l.push(v);
            } else {
                l.push(match elems[1] {
                    PathElem::Name(_) => json!({"M": {}}),
                    PathElem::Index(_) => json!({"L": []}),
                });
                if let Some(last) = l.last_mut() {
                    insert_into(last, &elems[1..], v);
                }
            }
        }
    }
}

/// The paths an update touched, for ReturnValues UPDATED_OLD / UPDATED_NEW.
pub fn updated_paths(u: &Update) -> Vec<Path> {
    u.set
        .iter()
        .map(|(p, _)| p.clone())
        .chain(u.remove.iter().cloned())
        .chain(u.add.iter().map(|(p, _)| p.clone()))
        .chain(u.delete.iter().map(|(p, _)| p.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::expr::{parse_condition, parse_update, Symbols};
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn update_set_add_remove_delete() {
        let item = obj(
            json!({"id": {"S": "1"}, "n": {"N": "5"}, "tags": {"SS": ["a", "b"]}, "l": {"L": [{"S": "x"}, {"S": "y"}]}}),
        );
        let values = obj(
            json!({":one": {"N": "1"}, ":a": {"SS": ["a"]}, ":z": {"L": [{"S": "z"}]}, ":d": {"N": "10"}}),
        );
        let mut s = Symbols::new(None, Some(&values));
        let u = parse_update("SET n = n + :one, c = if_not_exists(c, :d), l = list_append(l, :z) REMOVE l[0] DELETE tags :a", &mut s);
        // l appears in SET and REMOVE: overlapping paths are rejected.
        assert!(u.is_err());
        let mut s = Symbols::new(None, Some(&values));
        let u = parse_update("SET n = n - :one, c = if_not_exists(c, :d), l = list_append(l, :z) DELETE tags :a ADD k :one", &mut s).unwrap();
        let out = apply_update(&item, &u, &values, &["id"]).unwrap();
        assert_eq!(out["n"], json!({"N": "4"}));
        assert_eq!(out["c"], json!({"N": "10"}));
        assert_eq!(out["l"]["L"].as_array().unwrap().len(), 3);
        assert_eq!(out["tags"], json!({"SS": ["b"]}));
        assert_eq!(out["k"], json!({"N": "1"}));
        let mut s = Symbols::new(None, Some(&values));
        let u = parse_update("SET id = :one", &mut s).unwrap();
        assert!(apply_update(&item, &u, &values, &["id"])
            .unwrap_err()
            .contains("part of the key"));
    }

    #[test]
    fn conditions_evaluate() {
        let item = obj(json!({"id": {"S": "1"}, "n": {"N": "5"}, "s": {"S": "hello"}}));
        let values = obj(json!({":three": {"N": "3"}, ":he": {"S": "he"}}));
        let check = |src: &str| {
            let mut s = Symbols::new(None, Some(&values));
            let c = parse_condition(ExprKind::Condition, src, &mut s).unwrap();
            eval_condition(ExprKind::Condition, &item, &c, &values).unwrap()
        };
        assert!(check("n > :three"));
        assert!(check("begins_with(s, :he) AND attribute_exists(id)"));
        assert!(!check("attribute_not_exists(id)"));
        assert!(check("missing <> :three"));
        assert!(!check("missing = :three"));
        assert!(check("size(s) > :three"));
    }

    #[test]
    fn projection_keeps_paths() {
        let item = obj(
            json!({"a": {"M": {"b": {"S": "x"}, "c": {"S": "y"}}}, "l": {"L": [{"S": "0"}, {"S": "1"}]}, "z": {"N": "1"}}),
        );
        let p = vec![
            Path(vec![PathElem::Name("a".into()), PathElem::Name("b".into())]),
            Path(vec![PathElem::Name("l".into()), PathElem::Index(1)]),
        ];
        assert_eq!(
            Value::Object(project(&item, &p)),
            json!({"a": {"M": {"b": {"S": "x"}}}, "l": {"L": [{"S": "1"}]}})
        );
    }
}
