//! Rewriting: synthesizes direct-integration Task states from the handler model, the IAM changes,
//! and minimal textual edits of the files that hold the definitions.

use crate::analysis::model::HandlerModel;
use serde::Serialize;
use serde_json::Value;

/// One Task state replaced by a direct integration.
#[derive(Debug, Clone, Serialize)]
pub struct RewrittenTask {
    /// Index into `Project::state_machines`.
    pub state_machine: usize,
    pub state: String,
    /// JSON pointer of the state in the definition.
    pub pointer: String,
    /// Index into `Project::functions` of the retired function.
    pub function: usize,
    /// The state before and after.
    pub original: Value,
    pub rewritten: Value,
    /// The handler model the new state was composed from (verify simulates the old Lambda with it).
    pub model: HandlerModel,
    /// Assumptions a reviewer should check (types assumed, byte-level differences accepted).
    pub notes: Vec<String>,
}

/// A file edit: the whole new text, and the unified diff against the old.
#[derive(Debug, Clone, Serialize)]
pub struct FileEdit {
    pub path: std::path::PathBuf,
    pub new_text: String,
    pub diff: String,
}

/// Everything `rewrite` proposes for a project.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RewritePlan {
    pub tasks: Vec<RewrittenTask>,
    /// state machine index → rewritten definition (substitutions applied, as in `StateMachine::definition`).
    pub definitions: Vec<(usize, Value)>,
    pub edits: Vec<FileEdit>,
    /// IAM policy statements to add and to remove (plain policy JSON statements).
    pub iam_add: Vec<Value>,
    pub iam_remove: Vec<Value>,
    /// Function ids no Task calls any more.
    pub unused_functions: Vec<String>,
}
