//! Input/output processing helpers: JSONPath payload templates (`Parameters`, `ResultSelector`,
//! `ItemSelector`, JSONPath `Assign`) and JSONata field evaluation (`{% ... %}` strings anywhere in a value).
//!
//! Errors come back as [`AslError`] without the "An error occurred while executing the state ..."
//! prefix; the executor adds it, since only it knows the state and its event id.

use crate::asl::jsonata::{self, JsonataError};
use crate::asl::{intrinsics, path, AslError, Scope};
use serde_json::{Map, Value};

/// Selects a path (`$`, `$$`, `$var`) with the shortcut everyone needs: `$` is the input itself.
pub fn select(p: &str, scope: &Scope) -> Result<Option<Value>, AslError> {
    if p == "$" {
        return Ok(Some(scope.input.clone()));
    }
    path::select(p, scope)
}

/// Evaluates the value of a `"key.$"` field: an intrinsic function or a path.
fn eval_dollar_field(key: &str, expr: &str, scope: &Scope) -> Result<Value, AslError> {
    if intrinsics::is_intrinsic(expr) {
        return intrinsics::evaluate(expr, scope);
    }
    match select(expr, scope)? {
        Some(v) => Ok(v),
        None => {
            let source = if expr.starts_with("$$") {
                scope.context
            } else {
                scope.input
            };
            Err(AslError::runtime(format!(
                "The JSONPath '{expr}' specified for the field '{key}' could not be found in the input '{}'",
                compact(source)
            )))
        }
    }
}

/// Applies a JSONPath payload template: `"k.$"` keys take the value of their path or intrinsic,
/// other values are copied (objects inside arrays are templates too).
pub fn apply_template(template: &Value, scope: &Scope) -> Result<Value, AslError> {
    match template {
        Value::Object(obj) => {
            let mut out = Map::with_capacity(obj.len());
            for (k, v) in obj {
                match (k.strip_suffix(".$"), v) {
                    (Some(name), Value::String(expr)) => {
                        out.insert(name.to_string(), eval_dollar_field(k, expr, scope)?);
                    }
                    _ => {
                        out.insert(k.clone(), apply_template(v, scope)?);
                    }
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|v| apply_template(v, scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// True when a template has nothing to evaluate (so it can be cloned as is).
pub fn is_static(template: &Value) -> bool {
    match template {
        Value::Object(obj) => obj.iter().all(|(k, v)| !k.ends_with(".$") && is_static(v)),
        Value::Array(items) => items.iter().all(is_static),
        _ => true,
    }
}

pub fn compact(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// `$.a.b[0]` → `$['a']['b'][0]`, the notation AWS's path errors use.
pub fn bracket_notation(p: &str) -> String {
    let mut out = String::from("$");
    let rest = p.strip_prefix('$').unwrap_or(p);
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                out.push_str(&format!("['{name}']"));
            }
            '[' => {
                out.push('[');
                for n in chars.by_ref() {
                    out.push(n);
                    if n == ']' {
                        break;
                    }
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A `{% expr %}` string's expression, or None for a plain string.
pub fn jsonata_expr(s: &str) -> Option<&str> {
    s.strip_prefix("{%")
        .and_then(|r| r.strip_suffix("%}"))
        .map(str::trim)
}

/// Evaluates one JSONata expression for `field`; undefined is an error, as Step Functions makes it.
pub fn eval_jsonata(
    expr: &str,
    input: &Value,
    bindings: &Map<String, Value>,
    field: &str,
) -> Result<Value, AslError> {
    match jsonata::evaluate(expr, input, bindings) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(AslError::new(
            "States.QueryEvaluationError",
            format!(
                "The JSONata expression '{expr}' specified for the field '{field}' returned nothing (undefined)."
            ),
        )),
        // A function result has no JSON form (recorded case
        // test_map_state_items_eval_jsonata_fail__function).
        Err(JsonataError { code, .. }) if code == jsonata::UNSUPPORTED_RESULT => Err(AslError::new(
            "States.QueryEvaluationError",
            format!(
                "The JSONata expression '{expr}' specified for the field '{field}' returned an unsupported result type."
            ),
        )),
        Err(JsonataError { code, message }) => Err(AslError::new(
            "States.QueryEvaluationError",
            format!(
                "The JSONata expression '{expr}' specified for the field '{field}' threw an error during evaluation. {code}: {message}"
            ),
        )),
    }
}

/// Evaluates every `{% %}` string inside `value` (objects and arrays are walked; field names in
/// errors are slash-joined, e.g. `Output/result`).
pub fn eval_jsonata_value(
    value: &Value,
    input: &Value,
    bindings: &Map<String, Value>,
    field: &str,
) -> Result<Value, AslError> {
    match value {
        Value::String(s) => match jsonata_expr(s) {
            Some(expr) => eval_jsonata(expr, input, bindings, field),
            None => Ok(value.clone()),
        },
        Value::Object(obj) => {
            let mut out = Map::with_capacity(obj.len());
            for (k, v) in obj {
                let sub = format!("{field}/{k}");
                out.insert(k.clone(), eval_jsonata_value(v, input, bindings, &sub)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|v| eval_jsonata_value(v, input, bindings, field))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// JSON type names as AWS's error messages spell them.
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn brackets() {
        assert_eq!(
            bracket_notation("$.NoSuchOutputPath"),
            "$['NoSuchOutputPath']"
        );
        assert_eq!(bracket_notation("$.a.b[0]"), "$['a']['b'][0]");
    }

    #[test]
    fn static_templates() {
        assert!(is_static(&json!({"a": [1, {"b": 2}]})));
        assert!(!is_static(&json!({"a": [1, {"b.$": "$"}]})));
    }

    #[test]
    fn jsonata_delimiters() {
        assert_eq!(jsonata_expr("{% $x %}"), Some("$x"));
        assert_eq!(jsonata_expr("{ $x }"), None);
    }
}
