//! The 18 intrinsic functions (`States.Format`, `States.JsonToString`, ...), with AWS's argument rules.
//! Owned by the path/intrinsics work (issue 3).

use super::{AslError, Scope};
use serde_json::Value;

/// True when `s` is an intrinsic function call (`States.X(...)`), as in a `"key.$"` field.
pub fn is_intrinsic(s: &str) -> bool {
    s.trim_start().starts_with("States.")
}

/// Evaluates one intrinsic function call expression.
pub fn evaluate(expr: &str, scope: &Scope) -> Result<Value, AslError> {
    let _ = (expr, scope);
    Err(AslError::new(
        "States.IntrinsicFailure",
        "intrinsic functions are not implemented yet",
    ))
}
