//! Amazon States Language: the definition model, JSONPath and reference paths, intrinsic
//! functions, Choice rules, JSONata, and static validation.

pub mod choice;
pub mod intrinsics;
pub mod jsonata;
pub mod path;
pub mod validate;

use serde_json::{Map, Value};

/// An error raised while evaluating ASL: a Step Functions error name (`States.Runtime`,
/// `States.IntrinsicFailure`, `States.QueryEvaluationError`, ...) and AWS's cause text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AslError {
    pub error: String,
    pub cause: String,
}

impl AslError {
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        AslError {
            error: error.into(),
            cause: cause.into(),
        }
    }
    pub fn runtime(cause: impl Into<String>) -> Self {
        Self::new("States.Runtime", cause)
    }
}

impl std::fmt::Display for AslError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.cause)
    }
}

impl std::error::Error for AslError {}

/// What a JSONPath expression, intrinsic argument or Choice `Variable` can refer to:
/// `$` the state's (effective) input, `$$` the context object, `$name` a workflow variable.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub input: &'a Value,
    pub context: &'a Value,
    /// Variables visible to the state (outer scopes already merged in); None where variables are not allowed.
    pub variables: Option<&'a Map<String, Value>>,
}

/// Where the AWS-recorded cases live (`LAMBDALESS_ASL_CASES`, or `shared/asl-cases` next to the
/// repository or one level up), for tests that replay them.
#[cfg(test)]
pub(crate) fn recorded_cases_dir() -> Option<std::path::PathBuf> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        std::env::var_os("LAMBDALESS_ASL_CASES").map(std::path::PathBuf::from),
        Some(root.join("../shared/asl-cases")),
        Some(root.join("../../shared/asl-cases")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_dir())
}
