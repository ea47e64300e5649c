//! An ASL payload template in the making: literals, dynamic values (`"key.$"` paths and intrinsic
//! calls), objects and arrays. Both the handler's event (as the original Task composed it) and the
//! new Task's Parameters / ResultSelector are expressed in it.

use crate::analysis::model::PathSeg;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub enum Asl {
    Literal(Value),
    /// A reference path (`$.a`, `$$.Execution.Id`) or an intrinsic call: written as `"key.$": expr`.
    Dynamic(String),
    Object(Vec<(String, Asl)>),
    Array(Vec<Asl>),
    /// JavaScript `undefined` / a key the payload does not have: the key is left out.
    Absent,
}

impl Asl {
    /// Parses a payload template (`{"orderId.$": "$.orderId", "kind": "x"}`) as written in a definition.
    pub fn from_template(value: &Value) -> Asl {
        match value {
            Value::Object(map) => Asl::Object(
                map.iter()
                    .map(|(k, v)| match (k.strip_suffix(".$"), v) {
                        (Some(name), Value::String(expr)) => {
                            (name.to_string(), Asl::Dynamic(expr.clone()))
                        }
                        _ => (k.clone(), Asl::from_template(v)),
                    })
                    .collect(),
            ),
            Value::Array(items) => Asl::Array(items.iter().map(Asl::from_template).collect()),
            other => Asl::Literal(other.clone()),
        }
    }

    /// The value at `path` inside this one, as the handler would read `event.a.b[0]`.
    pub fn select(&self, path: &[PathSeg]) -> Result<Asl, String> {
        let Some((first, rest)) = path.split_first() else {
            return Ok(self.clone());
        };
        match self {
            Asl::Dynamic(expr) => {
                if !is_reference_path(expr) {
                    return Err(format!(
                        "reads into `{expr}`, which is an intrinsic function result"
                    ));
                }
                let mut out = expr.clone();
                for seg in path {
                    out.push_str(&path_segment(seg)?);
                }
                Ok(Asl::Dynamic(out))
            }
            Asl::Literal(v) => {
                let next = match (first, v) {
                    (PathSeg::Field(k), Value::Object(m)) => m.get(k).cloned(),
                    (PathSeg::Index(i), Value::Array(a)) if *i >= 0 => a.get(*i as usize).cloned(),
                    _ => None,
                };
                match next {
                    Some(v) => Asl::Literal(v).select(rest),
                    None => Ok(Asl::Absent),
                }
            }
            Asl::Object(entries) => match first {
                PathSeg::Field(k) => match entries.iter().find(|(name, _)| name == k) {
                    Some((_, v)) => v.select(rest),
                    None => Ok(Asl::Absent),
                },
                PathSeg::Index(_) => Ok(Asl::Absent),
            },
            Asl::Array(items) => match first {
                PathSeg::Index(i) if *i >= 0 => match items.get(*i as usize) {
                    Some(v) => v.select(rest),
                    None => Ok(Asl::Absent),
                },
                _ => Ok(Asl::Absent),
            },
            Asl::Absent => Ok(Asl::Absent),
        }
    }

    /// Writes this value under `key` into a Parameters-style object (`key` or `key.$`).
    pub fn write_field(&self, out: &mut Map<String, Value>, key: &str) -> Result<(), String> {
        match self {
            Asl::Absent => {}
            Asl::Literal(v) => {
                out.insert(key.to_string(), v.clone());
            }
            Asl::Dynamic(expr) => {
                out.insert(format!("{key}.$"), Value::String(expr.clone()));
            }
            Asl::Object(_) => {
                out.insert(key.to_string(), self.to_template()?);
            }
            Asl::Array(items) => {
                if items.iter().any(|i| matches!(i, Asl::Dynamic(_))) {
                    // A path cannot stand alone inside an array template; States.Array builds it.
                    let args = items
                        .iter()
                        .map(|i| i.as_intrinsic_arg())
                        .collect::<Result<Vec<_>, _>>()?;
                    out.insert(
                        format!("{key}.$"),
                        Value::String(format!("States.Array({})", args.join(", "))),
                    );
                } else {
                    out.insert(key.to_string(), self.to_template()?);
                }
            }
        }
        Ok(())
    }

    /// The template for an object or array value (paths inside written as `key.$`).
    pub fn to_template(&self) -> Result<Value, String> {
        match self {
            Asl::Object(entries) => {
                let mut map = Map::new();
                for (k, v) in entries {
                    v.write_field(&mut map, k)?;
                }
                Ok(Value::Object(map))
            }
            Asl::Array(items) => Ok(Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        Asl::Absent => Err("an array element is undefined".to_string()),
                        Asl::Dynamic(e) => Err(format!("`{e}` cannot stand alone in an array")),
                        other => other.to_template(),
                    })
                    .collect::<Result<_, _>>()?,
            )),
            Asl::Literal(v) => Ok(v.clone()),
            Asl::Dynamic(e) => Err(format!("`{e}` needs a key to be written as `key.$`")),
            Asl::Absent => Err("undefined value".to_string()),
        }
    }

    /// This value as an argument of an intrinsic function.
    pub fn as_intrinsic_arg(&self) -> Result<String, String> {
        match self {
            Asl::Dynamic(e) => Ok(e.clone()),
            Asl::Literal(Value::String(s)) => Ok(format!("'{}'", escape_intrinsic_string(s))),
            Asl::Literal(v @ (Value::Number(_) | Value::Bool(_) | Value::Null)) => {
                Ok(v.to_string())
            }
            Asl::Literal(_) | Asl::Object(_) | Asl::Array(_) => {
                Err("an object or array cannot be an intrinsic function argument".to_string())
            }
            Asl::Absent => {
                Err("an undefined value cannot be an intrinsic function argument".into())
            }
        }
    }
}

/// True for `$`, `$.a`, `$$.Execution.Id`, `$var` (not an intrinsic call).
pub fn is_reference_path(expr: &str) -> bool {
    expr.starts_with('$') && !expr.contains('(')
}

/// `.name`, `['odd name']` or `[3]`.
pub fn path_segment(seg: &PathSeg) -> Result<String, String> {
    match seg {
        PathSeg::Field(name) => {
            let simple = !name.is_empty()
                && name
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if simple {
                Ok(format!(".{name}"))
            } else {
                Ok(format!(
                    "['{}']",
                    name.replace('\\', "\\\\").replace('\'', "\\'")
                ))
            }
        }
        PathSeg::Index(i) if *i >= 0 => Ok(format!("[{i}]")),
        PathSeg::Index(i) => Err(format!("negative index [{i}] has no JSONPath form")),
    }
}

/// Escapes text for a single-quoted intrinsic string: `'`, `{`, `}` and `\` take a backslash
/// (https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html, "Reserved characters").
pub fn escape_intrinsic_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\'' | '{' | '}' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(s: &str) -> PathSeg {
        PathSeg::Field(s.into())
    }

    #[test]
    fn selects_through_partial_payload_templates() {
        let payload = Asl::from_template(
            &json!({"orderId.$": "$.orderId", "customer.$": "$.customer", "k": {"a": 1}}),
        );
        assert_eq!(
            payload.select(&[f("orderId")]).unwrap(),
            Asl::Dynamic("$.orderId".into())
        );
        assert_eq!(
            payload.select(&[f("customer"), f("e-mail")]).unwrap(),
            Asl::Dynamic("$.customer['e-mail']".into())
        );
        assert_eq!(
            payload.select(&[f("k"), f("a")]).unwrap(),
            Asl::Literal(json!(1))
        );
        assert_eq!(payload.select(&[f("total")]).unwrap(), Asl::Absent);
        let merged = Asl::Dynamic("States.JsonMerge($, $$.Execution, false)".into());
        assert!(merged.select(&[f("x")]).is_err());
    }

    #[test]
    fn arrays_with_paths_become_states_array() {
        let mut m = Map::new();
        Asl::Array(vec![Asl::Dynamic("$.a".into()), Asl::Literal(json!("x'y"))])
            .write_field(&mut m, "L")
            .unwrap();
        assert_eq!(
            Value::Object(m),
            json!({"L.$": "States.Array($.a, 'x\\'y')"})
        );
    }
}
