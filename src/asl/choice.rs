//! Choice rules (JSONPath flavour): every comparison operator, the *Path variants, And/Or/Not.
//! Owned by the path/intrinsics work (issue 3).

use super::{AslError, Scope};
use serde_json::Value;

/// Evaluates one Choice rule (a top-level rule or a nested one under And/Or/Not).
pub fn evaluate(rule: &Value, scope: &Scope) -> Result<bool, AslError> {
    let _ = (rule, scope);
    Err(AslError::runtime("Choice rules are not implemented yet"))
}
