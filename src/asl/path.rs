//! JSONPath (as Step Functions implements it) and reference paths (ResultPath).
//! Owned by the path/intrinsics work (issue 3).

use super::{AslError, Scope};
use serde_json::Value;

/// Evaluates `path` (`$...`, `$$...`, `$var...`) in `scope`.
/// `Ok(None)` when a definite path selects nothing; an indefinite path (`[*]`, `..`, filters,
/// slices, unions) gives `Ok(Some(array))`, possibly empty.
pub fn select(path: &str, scope: &Scope) -> Result<Option<Value>, AslError> {
    let _ = (path, scope);
    Err(AslError::runtime("JSONPath is not implemented yet"))
}

/// Writes `value` into `target` at reference path `path` (ResultPath semantics: creates
/// missing objects, `$` replaces the whole target).
pub fn assign(target: &mut Value, path: &str, value: Value) -> Result<(), AslError> {
    let _ = (target, path, value);
    Err(AslError::runtime("ResultPath is not implemented yet"))
}
