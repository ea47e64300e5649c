//! Member names as Step Functions writes them: "parameter names will be Pascal case ... Even if the
//! native service API is in camelCase" and aws-sdk results come back PascalCase (aws-facts §2,
//! §1.3). That holds for every structure member, nested ones included, but not for map keys,
//! which are data: the rules catalogue lists, per operation, the member paths whose values are
//! maps (`request_maps`, `result_maps`, from the botocore service models).

use crate::analysis::model::{ObjectEntry, PathSeg, ValueExpr};
use serde_json::Value;

pub fn pascal(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Whether the member path `at` (`Overrides.ContainerOverrides[]`) is a map or inside one.
fn in_map(at: &str, maps: &[String]) -> bool {
    maps.iter().any(|m| {
        at == m
            || at
                .strip_prefix(m.as_str())
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

/// The request value of top-level member `at` (already PascalCase) with the member names of the
/// objects the handler wrote in it PascalCased; values computed at run time or serialized to
/// JSON text keep their keys (they are not member names Step Functions reads).
pub fn request_value(value: &ValueExpr, at: &str, maps: &[String]) -> ValueExpr {
    if in_map(at, maps) {
        return value.clone();
    }
    match value {
        ValueExpr::Object { entries } => ValueExpr::Object {
            entries: entries
                .iter()
                .map(|e| match e {
                    ObjectEntry::Field { key, value } => {
                        let name = pascal(key);
                        ObjectEntry::Field {
                            value: request_value(value, &format!("{at}.{name}"), maps),
                            key: name,
                        }
                    }
                    spread => spread.clone(),
                })
                .collect(),
        },
        ValueExpr::Array { items } => ValueExpr::Array {
            items: items
                .iter()
                .map(|i| request_value(i, &format!("{at}[]"), maps))
                .collect(),
        },
        ValueExpr::Literal { value } => ValueExpr::Literal {
            value: literal(value, at, maps),
        },
        other => other.clone(),
    }
}

fn literal(value: &Value, at: &str, maps: &[String]) -> Value {
    if in_map(at, maps) {
        return value.clone();
    }
    match value {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let name = pascal(k);
                    let child = literal(v, &format!("{at}.{name}"), maps);
                    (name, child)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|i| literal(i, &format!("{at}[]"), maps))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A read of the result (`tasks[0].taskArn`) as the integration names it (`Tasks[0].TaskArn`):
/// every member PascalCased up to a map, whose keys and everything below stay as read.
pub fn result_path(path: &[PathSeg], maps: &[String]) -> Vec<PathSeg> {
    let mut at = String::new();
    let mut out = Vec::with_capacity(path.len());
    let mut inside_map = false;
    for seg in path {
        match seg {
            PathSeg::Field(f) if !inside_map => {
                let name = pascal(f);
                at = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                out.push(PathSeg::Field(name));
                inside_map = in_map(&at, maps);
            }
            PathSeg::Index(_) if !inside_map => {
                at.push_str("[]");
                out.push(seg.clone());
            }
            other => out.push(other.clone()),
        }
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
    fn nested_members_are_pascal_cased_but_not_map_keys() {
        let maps = vec!["Parameters".to_string(), "Overrides.Labels".to_string()];
        let v = ValueExpr::Literal {
            value: json!({"containerOverrides": [{"name": "w", "command": ["run"]}], "labels": {"team": "x"}}),
        };
        assert_eq!(
            request_value(&v, "Overrides", &maps),
            ValueExpr::Literal {
                value: json!({"ContainerOverrides": [{"Name": "w", "Command": ["run"]}], "Labels": {"team": "x"}})
            }
        );
        let p = ValueExpr::Object {
            entries: vec![ObjectEntry::Field {
                key: "inputFile".into(),
                value: ValueExpr::Event { path: vec![] },
            }],
        };
        assert_eq!(request_value(&p, "Parameters", &maps), p);
    }

    #[test]
    fn result_reads_are_pascal_cased_down_to_a_map() {
        let maps = vec!["Jobs[].Parameters".to_string()];
        assert_eq!(
            result_path(
                &[
                    f("jobs"),
                    PathSeg::Index(0),
                    f("parameters"),
                    f("inputFile")
                ],
                &maps
            ),
            vec![
                f("Jobs"),
                PathSeg::Index(0),
                f("Parameters"),
                f("inputFile")
            ]
        );
        assert_eq!(
            result_path(&[f("executionArn")], &[]),
            vec![f("ExecutionArn")]
        );
    }
}

/// How reads of the integration's result are cased.
#[derive(Debug, Clone, PartialEq)]
pub enum ResultCase {
    /// The integration answers in the handler's SDK's casing.
    AsIs,
    /// PascalCase, but which deeper keys are map keys is not known: the first key only.
    FirstKey,
    /// PascalCase down to the listed map paths.
    Members(Vec<String>),
}

impl ResultCase {
    pub fn apply(&self, path: &[PathSeg]) -> Vec<PathSeg> {
        match self {
            ResultCase::AsIs => path.to_vec(),
            ResultCase::FirstKey => path
                .iter()
                .enumerate()
                .map(|(i, s)| match s {
                    PathSeg::Field(f) if i == 0 => PathSeg::Field(pascal(f)),
                    other => other.clone(),
                })
                .collect(),
            ResultCase::Members(maps) => result_path(path, maps),
        }
    }
}
