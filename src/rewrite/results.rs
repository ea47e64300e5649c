//! The new Task's ResultSelector / ResultPath / OutputPath, recomposed so that the state's output
//! is what the original Task produced: the Lambda's return value was the `Payload` of the
//! lambda:invoke result (or the whole result for a bare function ARN); now the same value has to
//! be built from the integration's result.

use super::asl_value::Asl;
use crate::analysis::model::PathSeg;
use crate::discover::model::InvocationStyle;
use serde_json::{Map, Value};

/// What to do with a field of the original state.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Keep,
    Remove,
    Set(Value),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ResultFields {
    pub result_selector: Field,
    pub output_path: Field,
    pub notes: Vec<String>,
}

/// `payload` is the handler's return value expressed over the new task result (`$` = result),
/// or why it cannot be; `Asl::Literal(null)` when the handler returns nothing.
pub fn compose(
    original: &Map<String, Value>,
    style: InvocationStyle,
    payload: Result<Asl, String>,
) -> Result<ResultFields, String> {
    let mut notes = Vec::new();
    // The original result as the handler's payload sits in it.
    let envelope = |p: Asl| match style {
        InvocationStyle::BareArn => p,
        _ => Asl::Object(vec![("Payload".into(), p)]),
    };

    if let Some(selector) = original.get("ResultSelector") {
        let payload = payload?;
        let new = substitute_selector(selector, &envelope(payload))?;
        return Ok(ResultFields {
            result_selector: Field::Set(new),
            output_path: Field::Keep,
            notes,
        });
    }

    let result_path = match original.get("ResultPath") {
        None => Some("$".to_string()),
        Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(format!("ResultPath {other} is not a path")),
    };
    let Some(result_path) = result_path else {
        // `ResultPath: null` discards the result: whatever the handler returned never mattered.
        notes.push(
            "ResultPath null discards the task result, as before: the state's output is its input"
                .into(),
        );
        return Ok(ResultFields {
            result_selector: Field::Keep,
            output_path: Field::Keep,
            notes,
        });
    };
    let payload = payload?;
    let output_path = original.get("OutputPath").and_then(|v| v.as_str());

    // lambda:invoke followed by `OutputPath: <ResultPath>.Payload...` unwraps the Lambda's return value.
    let unwrap = match (style, output_path) {
        (InvocationStyle::BareArn, _) | (_, None) => None,
        (_, Some(op)) => {
            let prefix = if result_path == "$" {
                "$.Payload".to_string()
            } else {
                format!("{result_path}.Payload")
            };
            op.strip_prefix(&prefix)
                .filter(|rest| rest.is_empty() || rest.starts_with('.') || rest.starts_with('['))
                .map(|rest| {
                    if result_path == "$" {
                        format!("${rest}")
                    } else {
                        format!("{result_path}{rest}")
                    }
                })
        }
    };

    let (target, output_path) = match unwrap {
        Some(new_op) => {
            let op = if new_op == "$" {
                Field::Remove
            } else {
                Field::Set(Value::String(new_op))
            };
            (payload, op)
        }
        None => {
            if style != InvocationStyle::BareArn {
                notes.push(format!(
                    "the Lambda result envelope was stored at {result_path}; the new result keeps only Payload (ExecutedVersion, StatusCode and the Sdk*Metadata fields are gone)"
                ));
            }
            (envelope(payload), Field::Keep)
        }
    };

    let result_selector = match target {
        Asl::Object(_) => Field::Set(target.to_template()?),
        Asl::Dynamic(ref p) if p == "$" => Field::Remove,
        Asl::Literal(Value::Null) => {
            return Err("the handler returns nothing and the state keeps its result (null); no ResultSelector produces null: needs a Pass state".into())
        }
        _ => {
            return Err(
                "the handler returns a value that is not an object; a ResultSelector builds only objects: needs a Pass state"
                    .into(),
            )
        }
    };
    Ok(ResultFields {
        result_selector,
        output_path,
        notes,
    })
}

/// Rewrites an original ResultSelector (over the Lambda result) into one over the new result.
fn substitute_selector(selector: &Value, envelope: &Asl) -> Result<Value, String> {
    let Value::Object(map) = selector else {
        return Err("ResultSelector is not an object".into());
    };
    let mut out = Map::new();
    for (k, v) in map {
        match (k.strip_suffix(".$"), v) {
            (Some(name), Value::String(expr)) => {
                let path = parse_simple_path(expr).ok_or_else(|| {
                    format!("ResultSelector {k}: `{expr}` is not a plain path (intrinsics over the Lambda result are not rewritten yet)")
                })?;
                let value = envelope.select(&path)?;
                if value == Asl::Absent {
                    return Err(format!(
                        "ResultSelector {k}: `{expr}` reads a field of the Lambda result the handler's return value does not give"
                    ));
                }
                value.write_field(&mut out, name)?;
            }
            (_, Value::Object(_)) => {
                out.insert(k.clone(), substitute_selector(v, envelope)?);
            }
            _ => {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

/// `$`, `$.a.b`, `$['a'][0]` → segments; None for anything with wildcards, filters or functions.
pub fn parse_simple_path(expr: &str) -> Option<Vec<PathSeg>> {
    let mut rest = expr.strip_prefix('$')?;
    if rest.starts_with('$') {
        return None;
    }
    let mut segs = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let name = &r[..end];
            if name.is_empty() || name == "*" || name.contains(['(', ' ', '?']) {
                return None;
            }
            segs.push(PathSeg::Field(name.to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix("['") {
            let end = r.find("']")?;
            segs.push(PathSeg::Field(r[..end].to_string()));
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let i: i64 = r[..end].parse().ok()?;
            segs.push(PathSeg::Index(i));
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(segs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn state(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }
    fn msg() -> Asl {
        Asl::Object(vec![(
            "messageId".into(),
            Asl::Dynamic("$.MessageId".into()),
        )])
    }

    #[test]
    fn original_selector_over_payload_becomes_selector_over_result() {
        let s = state(
            json!({"ResultSelector": {"messageId.$": "$.Payload.messageId", "k": 1}, "ResultPath": "$.n"}),
        );
        let r = compose(&s, InvocationStyle::OptimizedInvoke, Ok(msg())).unwrap();
        assert_eq!(
            r.result_selector,
            Field::Set(json!({"messageId.$": "$.MessageId", "k": 1}))
        );
        assert_eq!(r.output_path, Field::Keep);
        let bad = state(json!({"ResultSelector": {"code.$": "$.StatusCode"}}));
        assert!(compose(&bad, InvocationStyle::OptimizedInvoke, Ok(msg())).is_err());
    }

    #[test]
    fn output_path_payload_unwrap_is_folded_into_the_selector() {
        let s = state(json!({"OutputPath": "$.Payload"}));
        let r = compose(&s, InvocationStyle::OptimizedInvoke, Ok(msg())).unwrap();
        assert_eq!(
            r.result_selector,
            Field::Set(json!({"messageId.$": "$.MessageId"}))
        );
        assert_eq!(r.output_path, Field::Remove);
        let s = state(json!({"ResultPath": "$.r", "OutputPath": "$.r.Payload"}));
        let r = compose(&s, InvocationStyle::OptimizedInvoke, Ok(msg())).unwrap();
        assert_eq!(r.output_path, Field::Set(json!("$.r")));
    }

    #[test]
    fn bare_arn_result_and_null_results() {
        let s = state(json!({"ResultPath": "$.warehouse"}));
        let r = compose(&s, InvocationStyle::BareArn, Ok(msg())).unwrap();
        assert_eq!(
            r.result_selector,
            Field::Set(json!({"messageId.$": "$.MessageId"}))
        );
        let discard = state(json!({"ResultPath": null}));
        let r = compose(&discard, InvocationStyle::OptimizedInvoke, Err("x".into())).unwrap();
        assert_eq!(r.result_selector, Field::Keep);
        assert!(compose(&s, InvocationStyle::BareArn, Ok(Asl::Literal(Value::Null))).is_err());
        // lambda:invoke keeping the envelope: Payload null is still expressible.
        let keep = state(json!({"ResultPath": "$.r"}));
        let r = compose(
            &keep,
            InvocationStyle::OptimizedInvoke,
            Ok(Asl::Literal(Value::Null)),
        )
        .unwrap();
        assert_eq!(r.result_selector, Field::Set(json!({"Payload": null})));
    }

    #[test]
    fn parses_simple_paths_only() {
        assert_eq!(parse_simple_path("$").unwrap(), vec![]);
        assert_eq!(
            parse_simple_path("$.Payload['a b'][2]").unwrap(),
            vec![
                PathSeg::Field("Payload".into()),
                PathSeg::Field("a b".into()),
                PathSeg::Index(2)
            ]
        );
        assert!(parse_simple_path("$.a[*]").is_none());
        assert!(parse_simple_path("$$.Execution").is_none());
    }
}
