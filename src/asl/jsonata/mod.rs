//! JSONata for `QueryLanguage: JSONata` state machines, with the functions Step Functions adds.
//! Owned by the JSONata work (issue 3).

use serde_json::{Map, Value};

/// An evaluation or parse error; the interpreter reports it as `States.QueryEvaluationError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonataError {
    /// JSONata error code where it has one (`T2001`, `D3001`, ...).
    pub code: String,
    pub message: String,
}

/// Evaluates `expr` (without the `{% %}` delimiters) against `input` (`$`), with `bindings`
/// visible as `$name` (Step Functions binds `$states` and the workflow variables).
/// `Ok(None)` is JSONata's "undefined" (no value).
pub fn evaluate(
    expr: &str,
    input: &Value,
    bindings: &Map<String, Value>,
) -> Result<Option<Value>, JsonataError> {
    let _ = (expr, input, bindings);
    Err(JsonataError {
        code: "S0000".into(),
        message: "JSONata is not implemented yet".into(),
    })
}
