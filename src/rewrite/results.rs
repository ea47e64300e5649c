//! The new Task's ResultSelector / ResultPath / OutputPath, recomposed so that the state's output
//! is what the original Task produced: the Lambda's return value was the `Payload` of the
//! lambda:invoke result (or the whole result for a bare function ARN); now the same value has to
//! be built from the integration's result.

use super::asl_value::Asl;
use crate::analysis::model::PathSeg;
use crate::discover::model::InvocationStyle;
use serde_json::{Map, Value};

/// The ResultSelector field that carries a return value that is not an object.
const WRAPPED: &str = "value";

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
    pub result_path: Field,
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
            result_path: Field::Keep,
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
            result_path: Field::Keep,
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

    // Where the final OutputPath reads the handler's value: after the unwrapping above, or, for a
    // bare function ARN whose result replaces the input, the state's own OutputPath.
    let read_at = match (&unwrap, style) {
        (Some(op), _) => Some(op.clone()),
        (None, InvocationStyle::BareArn) if result_path == "$" => {
            Some(output_path.unwrap_or("$").to_string())
        }
        _ => None,
    };
    if let (Some(op), false) = (&read_at, matches!(payload, Asl::Object(_) | Asl::Absent)) {
        if !matches!(&payload, Asl::Dynamic(p) if p == "$") {
            // A ResultSelector builds only objects: the value goes into one field, and the
            // OutputPath reaches into it (`{"value": null}` + `$.value` gives null).
            let (head, rest) = if result_path == "$" {
                ("$".to_string(), op.strip_prefix('$').unwrap_or(""))
            } else {
                (
                    result_path.clone(),
                    op.strip_prefix(result_path.as_str()).unwrap_or(""),
                )
            };
            let mut selector = Map::new();
            payload.write_field(&mut selector, WRAPPED)?;
            notes.push(format!(
                "the handler's return value is not an object: the ResultSelector puts it in `{WRAPPED}` and the OutputPath selects it"
            ));
            return Ok(ResultFields {
                result_selector: Field::Set(Value::Object(selector)),
                result_path: Field::Keep,
                output_path: Field::Set(Value::String(format!("{head}.{WRAPPED}{rest}"))),
                notes,
            });
        }
    }

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
        result_path: Field::Keep,
        output_path,
        notes,
    })
}

/// A handler that returns (part of) its own event, `event_path` being where that value sits in
/// the state's effective input. When the original kept only the Lambda's return value as the
/// state output, `ResultPath: null` (keep the raw state input) plus an OutputPath that selects
/// what the handler received gives the same output without a Pass state.
pub fn passthrough(
    original: &Map<String, Value>,
    style: InvocationStyle,
    event_path: &str,
) -> Option<ResultFields> {
    if original.contains_key("ResultSelector")
        || !matches!(original.get("ResultPath"), None | Some(Value::String(_)))
        || original
            .get("ResultPath")
            .and_then(|v| v.as_str())
            .is_some_and(|p| p != "$")
        || !super::asl_value::is_reference_path(event_path)
        || event_path.starts_with("$$")
    {
        return None;
    }
    let output_path = original.get("OutputPath").and_then(|v| v.as_str());
    // What the original output took from the handler's return value, as a suffix path.
    let rest = match (style, output_path) {
        (InvocationStyle::BareArn, None) => "",
        (InvocationStyle::BareArn, Some(op)) => op.strip_prefix('$')?,
        (_, Some(op)) => op
            .strip_prefix("$.Payload")
            .filter(|r| r.is_empty() || r.starts_with('.') || r.starts_with('['))?,
        (_, None) => return None,
    };
    // InputPath stays; ResultPath null keeps the raw input, so the InputPath goes into OutputPath.
    let input_path = original
        .get("InputPath")
        .and_then(|v| v.as_str())
        .unwrap_or("$");
    if !super::asl_value::is_reference_path(input_path) || input_path.starts_with("$$") {
        return None;
    }
    let combined = format!("{input_path}{}{rest}", &event_path[1..]);
    Some(ResultFields {
        result_selector: Field::Keep,
        result_path: Field::Set(Value::Null),
        output_path: if combined == "$" {
            Field::Remove
        } else {
            Field::Set(Value::String(combined.clone()))
        },
        notes: vec![format!(
            "the handler returns its event: ResultPath null keeps the state input{}",
            if combined == "$" {
                String::new()
            } else {
                format!(" and OutputPath {combined} selects what the handler received")
            }
        )],
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
    fn returning_the_event_keeps_the_input() {
        let s = state(json!({"OutputPath": "$.Payload"}));
        let r = passthrough(&s, InvocationStyle::OptimizedInvoke, "$").unwrap();
        assert_eq!(r.result_path, Field::Set(Value::Null));
        assert_eq!(r.output_path, Field::Remove);
        let s = state(json!({"InputPath": "$.order"}));
        let r = passthrough(&s, InvocationStyle::BareArn, "$.detail").unwrap();
        assert_eq!(r.output_path, Field::Set(json!("$.order.detail")));
        // The result was stored beside the input: not a passthrough.
        let s = state(json!({"ResultPath": "$.r"}));
        assert!(passthrough(&s, InvocationStyle::BareArn, "$").is_none());
        // lambda:invoke keeping the whole envelope: not a passthrough.
        assert!(passthrough(&state(json!({})), InvocationStyle::OptimizedInvoke, "$").is_none());
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
