//! The ASL interpreter: executes a state machine on a virtual clock against a
//! [`crate::services::ServiceBackend`], and records an AWS-style execution history.
//!
//! Layout: `executor` (the state loop, simple states, Retry/Catch), `task` (Task states),
//! `branches` (Map, Parallel), `io` (JSONPath templates, JSONata fields), `errors`, `history`,
//! `clock`, `context` (the `$$` object), `test_state` (the TestState API).

mod branches;
pub mod clock;
mod context;
pub mod errors;
mod executor;
/// Step Functions' payload quota (256 KiB), for callers that explain a `States.DataLimitExceeded`.
pub use executor::PAYLOAD_LIMIT_BYTES;
pub mod history;
mod io;
mod task;
pub mod test_state;

use crate::asl::AslError;
use crate::services::ServiceBackend;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

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

/// Limits that keep any definition from hanging or exhausting memory, and whether to record history.
#[derive(Debug, Clone)]
pub struct ExecuteOptions {
    /// Maximum state transitions per execution (all branches and iterations count).
    pub max_steps: u64,
    /// Maximum virtual duration of an execution, in seconds (Standard workflows run at most a year).
    pub max_virtual_seconds: i64,
    /// Maximum Map/Parallel nesting depth.
    pub max_depth: usize,
    /// Record the execution history (turn off for throughput; event ids are still counted).
    pub record_history: bool,
}

impl Default for ExecuteOptions {
    fn default() -> Self {
        ExecuteOptions {
            max_steps: 1_000_000,
            max_virtual_seconds: 366 * 24 * 3600,
            max_depth: 40,
            record_history: true,
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
    /// Parses a definition; errors are what CreateStateMachine would reject (the structural subset
    /// the executor relies on: `StartAt` naming a state, every state an object with a `Type`,
    /// `Next`/`Default` naming states, Map/Parallel bodies well-formed).
    pub fn parse(definition: &Value) -> Result<StateMachine, AslError> {
        check_machine(definition, "")?;
        Ok(StateMachine {
            definition: definition.clone(),
        })
    }

    pub fn definition(&self) -> &Value {
        &self.definition
    }

    /// Runs one execution to its end on a virtual clock.
    pub fn execute(
        &self,
        input: Value,
        context: &ExecutionContext,
        services: &mut dyn ServiceBackend,
    ) -> ExecutionResult {
        self.execute_with(input, context, services, &ExecuteOptions::default())
    }

    /// [`StateMachine::execute`] with explicit limits.
    pub fn execute_with(
        &self,
        input: Value,
        context: &ExecutionContext,
        services: &mut dyn ServiceBackend,
        options: &ExecuteOptions,
    ) -> ExecutionResult {
        let start_ms = clock::parse_clock(&context.clock).unwrap_or(0);
        let ctx_obj = context::context_object(context, &input, start_ms);
        let top_jsonata =
            self.definition.get("QueryLanguage").and_then(Value::as_str) == Some("JSONata");
        let mut opts = options.clone();
        if let Some(t) = self
            .definition
            .get("TimeoutSeconds")
            .and_then(Value::as_i64)
        {
            opts.max_virtual_seconds = opts.max_virtual_seconds.min(t.max(0));
        }
        let mut engine =
            executor::Engine::new(services, context, &opts, start_ms, ctx_obj, top_jsonata);
        engine.push_event("ExecutionStarted", || {
            Some((
                "executionStartedEventDetails",
                json!({"input": input, "inputDetails": {"truncated": false}, "roleArn": context.role_arn}),
            ))
        });
        let empty = Map::new();
        let states = self
            .definition
            .get("States")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let start = self
            .definition
            .get("StartAt")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut vars = Map::new();
        let outcome = if executor::json_size_exceeds(&input, executor::PAYLOAD_LIMIT_BYTES) {
            Err(errors::Failure::raised(
                "States.DataLimitExceeded",
                "The execution input exceeds the maximum number of bytes service limit.",
            ))
        } else {
            engine.run_states(states, start, input, &mut vars, 0)
        };
        match outcome {
            Ok(output) => {
                engine.push_event("ExecutionSucceeded", || {
                    Some((
                        "executionSucceededEventDetails",
                        json!({"output": output, "outputDetails": {"truncated": false}}),
                    ))
                });
                ExecutionResult {
                    status: "SUCCEEDED".into(),
                    output: Some(output),
                    error: None,
                    cause: None,
                    history: engine.history.into_events(),
                }
            }
            Err(f) => {
                let timed_out = f.fatal && f.error.as_deref() == Some("States.Timeout");
                let (kind, key) = if timed_out {
                    ("ExecutionTimedOut", "executionTimedOutEventDetails")
                } else {
                    ("ExecutionFailed", "executionFailedEventDetails")
                };
                engine.push_event(kind, || {
                    let mut d = Map::new();
                    if let Some(c) = &f.cause {
                        d.insert("cause".into(), json!(c));
                    }
                    if let Some(e) = &f.error {
                        d.insert("error".into(), json!(e));
                    }
                    Some((key, Value::Object(d)))
                });
                ExecutionResult {
                    status: if timed_out { "TIMED_OUT" } else { "FAILED" }.into(),
                    output: None,
                    error: f.error,
                    cause: f.cause,
                    history: engine.history.into_events(),
                }
            }
        }
    }
}

/// Structural checks on a (sub-)machine; `at` is a JSON pointer prefix for messages.
fn check_machine(machine: &Value, at: &str) -> Result<(), AslError> {
    let invalid = |msg: String| AslError::new("States.Runtime", msg);
    let Some(obj) = machine.as_object() else {
        return Err(invalid(format!(
            "{at}: a state machine must be a JSON object"
        )));
    };
    let Some(states) = obj.get("States").and_then(Value::as_object) else {
        return Err(invalid(format!("{at}/States: missing or not an object")));
    };
    let Some(start) = obj.get("StartAt").and_then(Value::as_str) else {
        return Err(invalid(format!("{at}/StartAt: missing or not a string")));
    };
    if !states.contains_key(start) {
        return Err(invalid(format!("{at}/StartAt: no state named '{start}'")));
    }
    for (name, state) in states {
        let here = format!("{at}/States/{name}");
        let Some(st) = state.as_object() else {
            return Err(invalid(format!("{here}: a state must be an object")));
        };
        let ty = st.get("Type").and_then(Value::as_str).unwrap_or("");
        if !matches!(
            ty,
            "Pass" | "Task" | "Choice" | "Wait" | "Succeed" | "Fail" | "Parallel" | "Map"
        ) {
            return Err(invalid(format!("{here}/Type: unknown state type '{ty}'")));
        }
        let mut targets: Vec<&str> = Vec::new();
        if let Some(n) = st.get("Next").and_then(Value::as_str) {
            targets.push(n);
        }
        if let Some(n) = st.get("Default").and_then(Value::as_str) {
            targets.push(n);
        }
        for list in ["Choices", "Catch"] {
            for rule in st.get(list).and_then(Value::as_array).into_iter().flatten() {
                if let Some(n) = rule.get("Next").and_then(Value::as_str) {
                    targets.push(n);
                }
            }
        }
        for t in targets {
            if !states.contains_key(t) {
                return Err(invalid(format!(
                    "{here}: transition to unknown state '{t}'"
                )));
            }
        }
        let ends = st.get("End").and_then(Value::as_bool) == Some(true);
        if matches!(ty, "Pass" | "Task" | "Wait" | "Parallel" | "Map")
            && !ends
            && st.get("Next").is_none()
        {
            return Err(invalid(format!("{here}: neither Next nor End")));
        }
        if ty == "Map" {
            let body = st.get("ItemProcessor").or_else(|| st.get("Iterator"));
            match body {
                Some(b) => check_machine(b, &format!("{here}/ItemProcessor"))?,
                None => return Err(invalid(format!("{here}: Map without ItemProcessor"))),
            }
        }
        if ty == "Parallel" {
            let Some(branches) = st.get("Branches").and_then(Value::as_array) else {
                return Err(invalid(format!("{here}/Branches: missing or not an array")));
            };
            for (i, b) in branches.iter().enumerate() {
                check_machine(b, &format!("{here}/Branches/{i}"))?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
