//! What discovery finds in a project: state machines, Lambda functions, and the links between
//! Task states and the functions they invoke.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

/// Where a state machine's definition text lives, so that `rewrite` can edit it in place.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DefinitionOrigin {
    /// A standalone ASL file (.json, .asl.json, .yaml, .asl.yaml).
    AslFile { path: PathBuf },
    /// SAM `DefinitionUri` (a file next to the template) with `DefinitionSubstitutions`.
    SamDefinitionUri {
        template: PathBuf,
        resource: String,
        path: PathBuf,
    },
    /// Inline `Definition` (SAM) or `DefinitionString` (CloudFormation) in a template.
    TemplateInline { template: PathBuf, resource: String },
    /// Serverless Framework (serverless-step-functions) `stepFunctions.stateMachines.<name>.definition`.
    Serverless { path: PathBuf, name: String },
    /// Terraform `aws_sfn_state_machine` `definition` (jsonencode, templatefile or file()).
    Terraform {
        path: PathBuf,
        resource: String,
        definition_file: Option<PathBuf>,
    },
    /// CDK synthesized template in cdk.out (reported, not edited).
    CdkOut { template: PathBuf, resource: String },
}

/// A state machine with its parsed definition. `definition` has substitutions applied
/// (`${TableName}` → the logical id or ARN expression), as far as they are known.
#[derive(Debug, Clone, Serialize)]
pub struct StateMachine {
    /// Logical id / resource name / file stem.
    pub name: String,
    pub origin: DefinitionOrigin,
    /// The definition exactly as parsed from its file (before substitutions).
    pub raw_definition: Value,
    /// With DefinitionSubstitutions / Fn::Sub variables resolved to placeholder ARNs.
    pub definition: Value,
    /// `${Name}` → what it stands for (e.g. `{"Ref": "OrdersTable"}` or a literal ARN).
    pub substitutions: IndexMap<String, Value>,
    /// STANDARD or EXPRESS.
    pub workflow_type: String,
    /// Logical id of the execution role, when the template defines it (for IAM edits).
    pub role: Option<String>,
    /// SAM `Policies` of the state machine, as written.
    pub policies: Option<Value>,
    /// The file whose text holds the definition (ASL file, template, serverless.yml, .tf file).
    pub definition_file: PathBuf,
    /// CDK construct path (`Stack/OrderFlow/Resource`) from `aws:cdk:path` metadata.
    pub construct: Option<String>,
}

/// A Lambda function declared in the infrastructure.
#[derive(Debug, Clone, Serialize)]
pub struct Function {
    /// Logical id (CloudFormation/SAM), function key (Serverless), resource name (Terraform).
    pub id: String,
    /// FunctionName when set explicitly.
    pub function_name: Option<String>,
    /// `app.handler`, `src/index.lambdaHandler`.
    pub handler: String,
    pub runtime: Option<String>,
    /// Code directory (CodeUri / package path), relative to the scanned root.
    pub code_dir: PathBuf,
    /// Resolved handler source file, when found.
    pub handler_file: Option<PathBuf>,
    /// Exported function name from the Handler string.
    pub handler_export: String,
    pub environment: IndexMap<String, Value>,
    pub memory_mb: Option<u64>,
    pub timeout_s: Option<u64>,
    /// x86_64 or arm64.
    pub architecture: Option<String>,
    pub template: PathBuf,
    /// Environment variables as written in the IaC (`{"Ref": "OrdersTable"}`); `environment`
    /// holds what they resolve to (`"orders"`, or `"${OrdersTable}"` when the name is generated).
    pub environment_source: IndexMap<String, Value>,
    /// Why `handler_file` is None (code in S3, inline code, a runtime the analysis does not read,
    /// or no file matched the Handler under the code directory).
    pub handler_note: Option<String>,
    /// CDK construct path from `aws:cdk:path` metadata.
    pub construct: Option<String>,
}

/// How a Task invokes its Lambda.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InvocationStyle {
    /// `arn:aws:states:::lambda:invoke` with `FunctionName` and `Payload`.
    OptimizedInvoke,
    /// `arn:aws:states:::lambda:invoke.waitForTaskToken`.
    OptimizedInvokeCallback,
    /// The function ARN as the Resource.
    BareArn,
}

/// One Task state that invokes a Lambda function.
#[derive(Debug, Clone, Serialize)]
pub struct TaskLink {
    /// Index into `Project::state_machines`.
    pub state_machine: usize,
    /// State name.
    pub state: String,
    /// JSON pointer of the state inside the definition (`/States/Save`, `/States/P/Branches/0/States/Save`).
    pub pointer: String,
    pub style: InvocationStyle,
    /// Index into `Project::functions`, when the link resolved.
    pub function: Option<usize>,
    /// What the Task named (`${SaveOrderFunctionArn}`, an ARN, a `Ref`), for unresolved links.
    pub target: String,
    /// Why the link did not resolve.
    pub unresolved: Option<String>,
    /// The file holding the definition text, and the 1-based line of the state's key in it.
    pub file: PathBuf,
    pub line: Option<usize>,
}

/// Everything discovered under one root.
///
/// Paths (templates, definition files, handler files) are `root` joined with the path inside the
/// project, so they open as they are; `Function::code_dir` is relative to `root`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Project {
    pub root: PathBuf,
    pub state_machines: Vec<StateMachine>,
    pub functions: Vec<Function>,
    pub links: Vec<TaskLink>,
    /// Resources the templates declare that an integration can target (tables, queues, topics,
    /// buses, buckets): logical id → (type, properties). Rewrite uses them for ARNs and IAM.
    pub resources: IndexMap<String, Resource>,
    /// Sample execution inputs found next to the state machines (`events/`, `inputs/`, `*.input.json`).
    pub sample_inputs: Vec<PathBuf>,
    /// Things discovery saw but could not follow (a definition in S3, an unreadable reference).
    pub unresolved: Vec<Unresolved>,
}

/// Something discovery could not resolve, with where and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unresolved {
    pub file: PathBuf,
    /// Resource / state machine / function it concerns.
    pub subject: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub resource_type: String,
    pub properties: Value,
    pub template: PathBuf,
    /// Logical id (or Terraform address) as declared.
    pub id: String,
    /// Physical name placeholder: the literal name property, else `${LogicalId}`.
    pub name: String,
    /// ARN placeholder in account 123456789012, region us-east-1.
    pub arn: String,
    /// What `Ref` returns (queue URL for SQS, topic ARN for SNS, name otherwise).
    pub ref_value: String,
}
