//! DynamoDB marshalling: lib-dynamodb and boto3's Table resource take plain values and marshal
//! them client-side; the Step Functions integrations take typed AttributeValues (aws-facts §1.5).
//! Constants are marshalled here; for values known only at run time the type is inferred from the
//! expression, the table's key schema, or the sample inputs, and every assumption becomes a note.

use super::asl_value::Asl;
use crate::analysis::model::SdkFlavor;
use serde_json::{json, Map, Value};

/// Evidence about attribute types.
pub struct TypeEvidence<'a> {
    /// Key attribute name → `S` / `N` / `B` from the table's AttributeDefinitions.
    pub key_types: Vec<(String, String)>,
    /// Sample execution inputs (the state input is assumed to carry the same fields).
    pub samples: &'a [Value],
    pub table: Option<String>,
}

/// Whether this flavor passes plain values that need marshalling.
pub fn needs_marshalling(flavor: SdkFlavor) -> bool {
    matches!(
        flavor,
        SdkFlavor::JsDocumentClient | SdkFlavor::Boto3Resource
    )
}

/// The request parameters that hold attribute values.
pub const ITEM_PARAMS: &[&str] = &[
    "Item",
    "Key",
    "ExpressionAttributeValues",
    "ExclusiveStartKey",
];

/// Marshals a map of attribute name → plain value into typed AttributeValues.
pub fn marshal_map(
    value: &Asl,
    param: &str,
    ev: &TypeEvidence,
    notes: &mut Vec<String>,
) -> Result<Asl, String> {
    match value {
        Asl::Object(fields) => {
            let mut out = Vec::new();
            for (name, v) in fields {
                let is_key_attr = param != "ExpressionAttributeValues";
                let av =
                    marshal_value(v, &format!("{param}.{name}"), name, is_key_attr, ev, notes)?;
                if let Some(av) = av {
                    out.push((name.clone(), av));
                }
            }
            Ok(Asl::Object(out))
        }
        Asl::Literal(Value::Object(m)) => {
            let mut out = Vec::new();
            for (name, v) in m {
                out.push((name.clone(), Asl::Literal(marshal_literal(v)?)));
            }
            Ok(Asl::Object(out))
        }
        _ => Err(format!(
            "{param} is built at run time as a whole; its attribute types cannot be written"
        )),
    }
}

fn marshal_value(
    v: &Asl,
    label: &str,
    attr: &str,
    top_level: bool,
    ev: &TypeEvidence,
    notes: &mut Vec<String>,
) -> Result<Option<Asl>, String> {
    Ok(Some(match v {
        // lib-dynamodb's marshall throws on undefined unless removeUndefinedValues is set.
        Asl::Absent => {
            return Err(format!(
                "{label} is undefined in the handler's event; lib-dynamodb would reject it"
            ))
        }
        Asl::Literal(lit) => Asl::Literal(marshal_literal(lit)?),
        Asl::Object(fields) => {
            let mut out = Vec::new();
            for (k, fv) in fields {
                if let Some(av) = marshal_value(fv, &format!("{label}.{k}"), k, false, ev, notes)? {
                    out.push((k.clone(), av));
                }
            }
            Asl::Object(vec![("M".into(), Asl::Object(out))])
        }
        Asl::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let av = marshal_value(item, &format!("{label}[{i}]"), attr, false, ev, notes)?
                    .ok_or_else(|| format!("{label}[{i}] is undefined"))?;
                out.push(av);
            }
            Asl::Object(vec![("L".into(), Asl::Array(out))])
        }
        Asl::Dynamic(expr) => {
            let (ty, why) = infer_type(expr, attr, top_level, ev);
            if !why.is_empty() {
                notes.push(format!("{label}: {why}"));
            }
            match ty {
                'S' => Asl::Object(vec![("S".into(), Asl::Dynamic(expr.clone()))]),
                'N' => Asl::Object(vec![(
                    "N".into(),
                    Asl::Dynamic(format!("States.Format('{{}}', {expr})")),
                )]),
                'B' => Asl::Object(vec![("BOOL".into(), Asl::Dynamic(expr.clone()))]),
                _ => {
                    return Err(format!(
                        "{label} ({expr}) holds an object or array at run time; its nested attribute types cannot be written in a Task"
                    ))
                }
            }
        }
    }))
}

/// `S`, `N`, `B` (boolean) or `?` (object/array), and why.
fn infer_type(expr: &str, attr: &str, top_level: bool, ev: &TypeEvidence) -> (char, String) {
    if expr.starts_with("States.JsonToString(") || expr.starts_with("States.Format(") {
        return ('S', String::new());
    }
    if top_level {
        if let Some((_, t)) = ev.key_types.iter().find(|(n, _)| n == attr) {
            let table = ev.table.as_deref().unwrap_or("the table");
            let ty = match t.as_str() {
                "N" => 'N',
                _ => 'S',
            };
            let samples = sample_types(expr, ev.samples);
            let agree = if samples.is_empty() {
                String::new()
            } else if samples.iter().all(|s| *s == ty) {
                "; sample inputs agree".to_string()
            } else {
                "; some sample inputs disagree".to_string()
            };
            return (
                ty,
                format!(
                    "assumed {} from {table}'s key schema (AttributeType {t}){agree}",
                    type_word(ty)
                ),
            );
        }
    }
    let samples = sample_types(expr, ev.samples);
    if let Some(first) = samples.first() {
        if samples.iter().all(|s| s == first) {
            return (
                *first,
                format!(
                    "assumed {} ({expr} is one in all {} sample inputs that have it); lib-dynamodb would marshal another type differently",
                    type_word(*first),
                    samples.len()
                ),
            );
        }
        return ('?', String::new());
    }
    (
        'S',
        format!("assumed a string: no key schema or sample input says what {expr} holds"),
    )
}

fn type_word(t: char) -> &'static str {
    match t {
        'S' => "a string (S)",
        'N' => "a number (N)",
        'B' => "a boolean (BOOL)",
        _ => "an object or array",
    }
}

/// Types of `expr` (a simple `$.a.b` path) in the sample inputs that have it.
fn sample_types(expr: &str, samples: &[Value]) -> Vec<char> {
    let Some(rest) = expr.strip_prefix('$') else {
        return vec![];
    };
    if rest.starts_with('$') || rest.contains('[') || rest.contains('(') {
        return vec![];
    }
    let fields: Vec<&str> = rest.split('.').filter(|s| !s.is_empty()).collect();
    samples
        .iter()
        .filter_map(|s| {
            let mut cur = s;
            for f in &fields {
                cur = cur.get(f)?;
            }
            Some(match cur {
                Value::String(_) => 'S',
                Value::Number(_) => 'N',
                Value::Bool(_) => 'B',
                _ => '?',
            })
        })
        .collect()
}

/// Marshals a constant the way lib-dynamodb does (arrays as L, objects as M).
pub fn marshal_literal(v: &Value) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) => json!({ "S": s }),
        Value::Number(n) => json!({ "N": n.to_string() }),
        Value::Bool(b) => json!({ "BOOL": b }),
        Value::Null => json!({ "NULL": true }),
        Value::Array(items) => json!({
            "L": items.iter().map(marshal_literal).collect::<Result<Vec<_>, _>>()?
        }),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                out.insert(k.clone(), marshal_literal(v)?);
            }
            json!({ "M": out })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marshals_with_key_schema_and_samples() {
        let samples = vec![json!({"orderId": "o1", "qty": 2, "gift": true})];
        let ev = TypeEvidence {
            key_types: vec![("orderId".into(), "S".into())],
            samples: &samples,
            table: Some("OrdersTable".into()),
        };
        let mut notes = vec![];
        let item = Asl::Object(vec![
            ("orderId".into(), Asl::Dynamic("$.orderId".into())),
            ("qty".into(), Asl::Dynamic("$.qty".into())),
            ("gift".into(), Asl::Dynamic("$.gift".into())),
            ("status".into(), Asl::Literal(json!("received"))),
            ("tags".into(), Asl::Literal(json!(["a", 1]))),
        ]);
        let typed = marshal_map(&item, "Item", &ev, &mut notes).unwrap();
        assert_eq!(
            typed.to_template().unwrap(),
            json!({
                "orderId": {"S.$": "$.orderId"},
                "qty": {"N.$": "States.Format('{}', $.qty)"},
                "gift": {"BOOL.$": "$.gift"},
                "status": {"S": "received"},
                "tags": {"L": [{"S": "a"}, {"N": "1"}]}
            })
        );
        assert_eq!(notes.len(), 3);
        assert!(notes[0].contains("key schema"));
    }

    #[test]
    fn refuses_objects_known_only_at_run_time() {
        let samples = vec![json!({"customer": {"id": "c"}})];
        let ev = TypeEvidence {
            key_types: vec![],
            samples: &samples,
            table: None,
        };
        let item = Asl::Object(vec![("c".into(), Asl::Dynamic("$.customer".into()))]);
        assert!(marshal_map(&item, "Item", &ev, &mut vec![]).is_err());
    }
}
