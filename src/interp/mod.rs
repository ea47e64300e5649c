//! The ASL interpreter: executes a state machine on a virtual clock against a
//! [`crate::services::ServiceBackend`], and records an AWS-style execution history.

use crate::asl::AslError;
use crate::services::ServiceBackend;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Execution context: what `$$` exposes and what `--context FILE` sets (keys as in the
/// conformance cases' `context` object).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ExecutionContext {
    pub account_id: String,
    pub region: String,
    pub partition: String,
    pub state_machine_name: String,
    pub state_machine_arn: String,
    /// STANDARD or EXPRESS.
    pub state_machine_type: String,
    pub execution_name: String,
    pub execution_arn: String,
    pub role_arn: String,
    /// Start of the virtual clock, ISO-8601.
    pub clock: String,
}

impl Default for ExecutionContext {
    fn default() -> Self {
        let account_id = "123456789012".to_string();
        let region = "us-east-1".to_string();
        let name = "lambdaless".to_string();
        ExecutionContext {
            state_machine_arn: format!("arn:aws:states:{region}:{account_id}:stateMachine:{name}"),
            execution_arn: format!("arn:aws:states:{region}:{account_id}:execution:{name}:run"),
            role_arn: format!("arn:aws:iam::{account_id}:role/{name}-role"),
            account_id,
            region,
            partition: "aws".to_string(),
            state_machine_name: name,
            state_machine_type: "STANDARD".to_string(),
            execution_name: "run".to_string(),
            clock: "2024-01-01T00:00:00.000Z".to_string(),
        }
    }
}

/// The end of an execution, as `run --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionResult {
    /// SUCCEEDED, FAILED, TIMED_OUT or ABORTED.
    pub status: String,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    /// Events in AWS's vocabulary (`ExecutionStarted`, `TaskStateEntered`, ...).
    pub history: Vec<Value>,
}

/// A parsed, validated state machine, ready to execute many times.
pub struct StateMachine {
    definition: Value,
}

impl StateMachine {
    /// Parses a definition; errors are what CreateStateMachine would reject.
    pub fn parse(definition: &Value) -> Result<StateMachine, AslError> {
        Ok(StateMachine {
            definition: definition.clone(),
        })
    }

    /// Runs one execution to its end on a virtual clock.
    pub fn execute(
        &self,
        input: Value,
        context: &ExecutionContext,
        services: &mut dyn ServiceBackend,
    ) -> ExecutionResult {
        let _ = (&self.definition, input, context, services);
        ExecutionResult {
            status: "FAILED".into(),
            output: None,
            error: Some("States.Runtime".into()),
            cause: Some("the interpreter is not implemented yet".into()),
            history: Vec::new(),
        }
    }
}
