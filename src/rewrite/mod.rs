//! Rewriting: synthesizes direct-integration Task states from the handler model, the IAM changes,
//! and minimal textual edits of the files that hold the definitions.

pub mod added_states;
pub mod after_task;
pub mod api_fields;
pub mod apply;
pub mod asl_value;
pub mod bindings;
pub mod cdk_advice;
pub mod definition_string;
pub mod diff;
pub mod dynamodb;
pub mod edits;
pub mod errors;
pub mod expr;
pub mod files;
pub mod hcl_edit;
pub mod hcl_iam;
pub mod iam;
pub mod iam_targets;
pub mod iam_template;
pub mod integrations;
pub mod json_edit;
pub mod json_span;
pub mod jsonata_synth;
mod jsonata_task;
pub mod member_case;
pub mod pipeline;
mod plan;
pub mod refer;
pub mod results;
pub mod serverless_iam;
pub mod synth;
pub mod table_writes;
pub mod unused;
pub mod validation;
pub mod yaml_edit;
pub mod yaml_state;

pub use plan::{plan, RewriteOptions};

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
    /// The state before and after, as written in the definition file (`${...}` placeholders kept).
    pub original: Value,
    pub rewritten: Value,
    /// The handler model the new state was composed from (verify simulates the old Lambda with it).
    pub model: HandlerModel,
    /// Assumptions a reviewer should check (types assumed, byte-level differences accepted).
    pub notes: Vec<String>,
    /// States the rewrite adds next to the Task, in the same `States` object (the validation
    /// Choice and its Fail states), as written in the file; empty for most rewrites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_states: Vec<(String, Value)>,
    /// The added state that now receives every transition into the Task (StartAt, Next, Default,
    /// Catch Next), when not the Task itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
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
    /// The functions, roles and log groups the rewrite leaves unused, for the reviewer to delete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unused_resources: Vec<unused::UnusedResource>,
    /// Lambda-backed Tasks left as they are, and why.
    pub skipped: Vec<SkippedTask>,
    /// IAM changes in the template's own vocabulary (SAM policy templates), one entry per file section.
    pub iam_template: Vec<TemplateIam>,
    /// Things the user must do by hand (files not edited, formats not supported yet).
    pub warnings: Vec<String>,
    /// CDK apps: the construct that replaces each rewritten `LambdaInvoke` (cdk.out is not edited).
    pub cdk: Vec<cdk_advice::CdkConstruct>,
}

/// A Task the plan does not rewrite.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedTask {
    pub state_machine: usize,
    pub state: String,
    pub function: Option<usize>,
    pub reason: String,
}

/// The IAM change for one state machine written as its template would write it.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateIam {
    pub state_machine: usize,
    /// e.g. `SAM Policies of OrderWorkflow`.
    pub location: String,
    /// YAML lines to add (list items) and the items removed.
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

#[cfg(test)]
pub(crate) mod fixture_tests;
#[cfg(test)]
mod order_service_tests;
